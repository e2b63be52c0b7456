/* fixtures.c - dumpdata and loaddata in Django's JSON fixture format
 * ([{"model": "library.book", "pk": 1, "fields": {...}}]) with Django's
 * value formats, many-to-many values as lists of keys, loading all or
 * nothing in one transaction (rows may point forward: keys are checked after
 * the load where they cannot be deferred, MySQL), sequences reset on
 * PostgreSQL afterwards. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backend/introspect.h"
#include "exec/exec.h"
#include "migrate/migration.h"
#include "core/alloc.h"
#include "core/json.h"

/* ---- base64 (BinaryField) ------------------------------------------------ */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static char *b64_encode(dorm_ctx *cx, const unsigned char *p, size_t n) {
    char *out = dorm_alloc(cx, (n + 2) / 3 * 4 + 1), *o = out;
    if (!out) return NULL;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
        *o++ = b64[v >> 18 & 63];
        *o++ = b64[v >> 12 & 63];
        *o++ = i + 1 < n ? b64[v >> 6 & 63] : '=';
        *o++ = i + 2 < n ? b64[v & 63] : '=';
    }
    *o = '\0';
    return out;
}

static dorm_bytes b64_decode(dorm_ctx *cx, const char *s) {
    size_t n = strlen(s);
    unsigned char *out = dorm_alloc(cx, n / 4 * 3 + 3);
    size_t k = 0;
    unsigned v = 0;
    int bits = 0;
    for (size_t i = 0; out && i < n && s[i] != '='; i++) {
        const char *c = strchr(b64, s[i]);
        if (!c || !*c) continue;
        v = v << 6 | (unsigned)(c - b64);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[k++] = (unsigned char)(v >> bits & 255);
        }
    }
    return (dorm_bytes){out, k};
}

/* ---- dumpdata ----------------------------------------------------------------- */

/* Django's DjangoJSONEncoder: ISO dates, times to milliseconds, "Z" for UTC. */
static json_t *value_json(dorm_ctx *cx, const dorm_fmeta *fm, dorm_value v) {
    char tmp[DORM_FMT_MAX];
    switch (v.type) {
    case DORM_T_NULL: return json_null();
    case DORM_T_INT: return json_integer(v.u.i);
    case DORM_T_FLOAT: return json_real(v.u.f);
    case DORM_T_BOOL: return json_boolean(v.u.b);
    case DORM_T_DECIMAL: dorm_decimal_format(v.u.dec, tmp); return json_string(tmp);
    case DORM_T_DATE: dorm_date_format(v.u.date, tmp); return json_string(tmp);
    case DORM_T_UUID: dorm_uuid_format_dashed(v.u.uuid, tmp); return json_string(tmp);
    /* DurationField.value_to_string: duration_string. */
    case DORM_T_DURATION: dorm_duration_format(v.u.dur, tmp); return json_string(tmp);
    case DORM_T_BYTES: {
        const char *enc = b64_encode(cx, v.u.p, v.len);
        return json_string(enc ? enc : "");
    }
    case DORM_T_TIME:
    case DORM_T_DATETIME: {
        if (v.type == DORM_T_TIME)
            dorm_time_format(v.u.time, tmp);
        else
            dorm_datetime_format(v.u.dt, tmp);
        char *sp = strchr(tmp, ' ');
        if (sp) *sp = 'T';
        char *dot = strchr(tmp, '.');
        if (dot && strlen(dot) > 4) dot[4] = '\0';
        if (v.type == DORM_T_DATETIME) strcat(tmp, "Z");
        return json_string(tmp);
    }
    case DORM_T_TEXT:
        if (fm->f->kind == DORM_KIND_JSON) {
            int code;
            size_t n = v.len == DORM_STRLEN ? strlen(v.u.s) : v.len;
            json_t *j = dorm_json__loadb(v.u.s, n, JSON_DECODE_ANY, NULL, &code);
            if (j) return j;
        }
        return json_stringn(v.u.s, v.len == DORM_STRLEN ? strlen(v.u.s) : v.len);
    default: return json_null();
    }
}

static json_t *field_json(dorm_ctx *cx, const void *obj, const dorm_fmeta *fm);

/* An object's key in a fixture: a composite key is the list of its parts'
 * values ([1, "A755H"], what Django 5.2's fixtures hold). */
static json_t *pk_json(dorm_ctx *cx, const void *obj, const dorm_fmeta *pk) {
    if (!dorm_fmeta_composite(pk)) return field_json(cx, obj, pk);
    json_t *a = json_array();
    for (int i = 0; a && i < pk->nparts; i++) json_array_append_new(a, field_json(cx, obj, pk->parts[i]));
    return a;
}

/* A field's value in a fixture: a program's type writes its to_text when it
 * has one (Django's value_to_string), else its database value.  NULL when
 * out of memory. */
static json_t *field_json(dorm_ctx *cx, const void *obj, const dorm_fmeta *fm) {
    dorm_value v = dorm_field__get(obj, fm);
    const dorm_field_type *t = fm->f->kind == DORM_KIND_CUSTOM ? fm->f->type : NULL;
    if (t && t->to_text && v.type != DORM_T_NULL) {
        const char *s = t->to_text(dorm_cmember(obj, fm), cx);
        return s ? json_string(s) : NULL;
    }
    return value_json(cx, fm->storage ? fm->storage : fm, v);
}

/* model pk -> list of related keys, for one many-to-many field. */
static int m2m_values(dorm_ctx *cx, const dorm_rel *rel, dorm_hmap *out) {
    dorm_qs *qs = dorm_qs_order_by(dorm_qs_all(cx, rel->through->model), (const char *const[]){"pk", NULL});
    qs = dorm_qs_values_list(qs, false, (const char *const[]){rel->fk->attname, rel->to_fk->attname, NULL});
    size_t n;
    const dorm_row **rows = dorm_rows(qs, &n);
    if (!rows) return dorm_errcode(cx) ? dorm_errcode(cx) : DORM_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        size_t len;
        const void *k = dorm_key__bytes(&rows[i]->values[0], &len);
        json_t *list = dorm_hmap__get(out, k, len);
        if (!list) {
            if (!(list = json_array())) return DORM_ENOMEM;
            if (dorm_hmap__put(out, k, len, list)) {
                json_decref(list);
                return DORM_ENOMEM;
            }
        }
        if (json_array_append_new(list, value_json(cx, rel->to_fk, rows[i]->values[1]))) return DORM_ENOMEM;
    }
    return DORM_OK;
}

static void free_list(const void *key, size_t klen, void *value, void *payload) {
    (void)key, (void)klen, (void)payload;
    json_decref(value);
}

/* A many-to-many field of m itself whose join table Django serializes with
 * it (an automatic one; a `through` model is dumped as a model). */
static bool dumped_m2m(const dorm_meta *m, const dorm_rel *rel) {
    if (!rel->fk || !rel->through || !rel->through->auto_for) return false;
    for (const dorm_field *f = m->table; f && f->name; f++)
        if (f == rel->m2m && strcmp(rel->name, f->name) == 0) return true;
    return false;
}

static bool selected(const dorm_meta *m, const char *const *labels) {
    /* Django's dumpdata serializes no proxy: its rows are its model's. */
    if (m->auto_for || m->proxy) return false;
    if (!labels || !labels[0]) return true;
    for (size_t i = 0; labels[i]; i++) {
        const char *dot = strchr(labels[i], '.');
        if (!dot && strcmp(labels[i], m->model->app_label) == 0) return true;
        if (dot && dorm_same__name(labels[i], m->label)) return true;
    }
    return false;
}

/* dumpdata reads each model through its default manager, or with --all
 * (`base`) through its base manager. */
static int dump(dorm_ctx *cx, const char *const *labels, int indent, bool base, FILE *out) {
    dorm_error_clear(cx);
    /* jansson's calls are not checked one by one: an allocation that failed
     * anywhere (a field, a key, an object left out) fails the whole dump. */
    dorm_json__init();
    unsigned long failures = dorm_mem__failures();
    const dorm_registry *reg = cx->db->reg;
    for (size_t i = 0; labels && labels[i]; i++) {
        bool known = false;
        for (int k = 0; k < reg->nmodels && !known; k++)
            known = selected(reg->metas[k], (const char *const[]){labels[i], NULL});
        if (!known) return dorm_ctx_fail(cx, DORM_EVALUE, "No installed app or model with label '%s'.", labels[i]);
    }
    json_t *all = json_array();
    int rc = DORM_OK;
    for (int k = 0; k < reg->nmodels && !rc; k++) {
        const dorm_meta *m = reg->metas[k];
        if (!selected(m, labels)) continue;
        dorm_hmap *m2m = dorm_mem__calloc((size_t)m->nm2m + 1, sizeof *m2m);
        if (!m2m) {
            rc = DORM_ENOMEM;
            break;
        }
        for (int r = 0; r < m->nm2m && !rc; r++)
            if (dumped_m2m(m, &m->m2m[r])) rc = m2m_values(cx, &m->m2m[r], &m2m[r]);
        size_t n = 0;
        dorm_qs *qs = base ? dorm_qs_base(cx, m->model) : dorm_qs_default(cx, m->model);
        void **objs = rc ? NULL : dorm_qs_list(dorm_qs_order_by(qs, (const char *const[]){"pk", NULL}), &n);
        if (!rc && !objs) rc = dorm_errcode(cx) ? dorm_errcode(cx) : DORM_ENOMEM;
        size_t i = 0;
        for (; !rc && i < n; i++) {
            dorm_progress__emit(cx, "dumpdata", m->label, (int64_t)i, (int64_t)n);
            json_t *o = json_object(), *fields = json_object();
            json_object_set_new(o, "model", json_string(m->label_lower));
            json_object_set_new(o, "pk", pk_json(cx, objs[i], m->pk));
            /* A multi-table child's own fields: its parent is an object of its own. */
            for (int f = m->first_local; f < m->nfields; f++)
                if (&m->fields[f] != m->pk)
                    json_object_set_new(fields, m->fields[f].f->name, field_json(cx, objs[i], &m->fields[f]));
            for (int r = 0; r < m->nm2m; r++) {
                if (!dumped_m2m(m, &m->m2m[r])) continue;
                dorm_value pk = dorm_pk__value(objs[i]);
                size_t len;
                const void *k = dorm_key__bytes(&pk, &len);
                json_t *list = dorm_hmap__get(&m2m[r], k, len);
                json_object_set_new(fields, m->m2m[r].name, list ? json_incref(list) : json_array());
            }
            json_object_set_new(o, "fields", fields);
            json_array_append_new(all, o);
        }
        dorm_progress__finish(cx, "dumpdata", m->label, rc ? (int64_t)i - 1 : (int64_t)n, (int64_t)n);
        for (int r = 0; r < m->nm2m; r++) {
            dorm_hmap__each(&m2m[r], free_list, NULL);
            dorm_hmap__free(&m2m[r]);
        }
        dorm_mem__free(m2m);
    }
    if (!rc) {
        size_t flags = JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII | (indent > 0 ? JSON_INDENT(indent) : 0);
        char *text = json_dumps(all, flags);
        if (!text || dorm_mem__failures() != failures)
            rc = DORM_ENOMEM;
        else if (fputs(text, out) < 0 || fputc('\n', out) == EOF)
            rc = dorm_ctx_fail(cx, DORM_EOPERATIONAL, "Cannot write the fixture: %s", strerror(errno));
        dorm_mem__free(text);
    }
    json_decref(all);
    return dorm__record(cx, rc);
}

int dorm_dumpdata(dorm_ctx *cx, const char *const *labels, int indent, FILE *out) {
    return dump(cx, labels, indent, false, out);
}

int dorm_dumpdata_all(dorm_ctx *cx, const char *const *labels, int indent, FILE *out) {
    return dump(cx, labels, indent, true, out);
}

/* ---- loaddata ------------------------------------------------------------------ */

typedef struct loader {
    dorm_ctx *cx;
    const char *const *files;
    json_t **fixtures;
    size_t nfiles;
    int64_t objects;
    bool *loaded; /* per registry model: rows were written   */
    unsigned long failures; /* dorm_mem__failures() at the start */
    int64_t total, done; /* objects in every file, and installed    */
    const char *file; /* the file being installed                */
} loader;

/* A JSON number for an integer kind, in the kind's range (Django's
 * ranges; a fraction is cut off as int() does): NULL, or why not. */
static const char *integer_of(dorm_ctx *cx, dorm_kind kind, int64_t lo, int64_t hi, json_t *j, dorm_value *out) {
    double x = json_is_real(j) ? json_real_value(j) : 0;
    json_int_t n = json_is_integer(j) ? json_integer_value(j) : 0;
    /* (double)INT64_MAX is 2^63: the comparisons stay below it. */
    bool fits = json_is_integer(j) ? n >= lo && n <= hi
                                   : x > (double)lo - 1.0 && x < (double)hi + 1.0 && x < 9223372036854775808.0;
    if (!fits) {
        char shown[48];
        if (json_is_integer(j))
            snprintf(shown, sizeof shown, "%lld", (long long)n);
        else
            snprintf(shown, sizeof shown, "%g", x);
        return dorm_sprintf(cx, "value %s is out of range for %s (%lld to %lld)", shown, dorm_kind__name(kind),
                            (long long)lo, (long long)hi);
    }
    *out = dorm_v_int(json_is_integer(j) ? (int64_t)n : (int64_t)x);
    return NULL;
}

/* The dorm_value of a fixture value for a field (text where dorm parses it).
 * 0, or an error on cx that names the value but not its place. */
static int fixture_value(dorm_ctx *cx, const dorm_fmeta *fm, json_t *j, dorm_value *out) {
    dorm_value v;
    /* A program's type without to_text has its database value there. */
    if (fm->storage && !fm->f->type->to_text) fm = fm->storage;
    dorm_kind kind = fm->f->kind == DORM_KIND_FK ? fm->value_kind : fm->f->kind;
    int64_t lo, hi;
    if (dorm_kind__int_range(kind, &lo, &hi) && (json_is_integer(j) || json_is_real(j))) {
        const char *why = integer_of(cx, kind, lo, hi, j, &v);
        if (why) return dorm_ctx_fail(cx, DORM_EVALUE, "%s", why);
    } else if (json_is_null(j))
        v = dorm_v_null();
    else if (json_is_boolean(j))
        v = dorm_v_bool(json_is_true(j));
    else if (json_is_integer(j))
        v = dorm_v_int(json_integer_value(j));
    else if (json_is_real(j))
        v = dorm_v_float(json_real_value(j));
    else if (json_is_string(j) && fm->f->kind == DORM_KIND_BINARY)
        v = dorm_v_bytes(b64_decode(cx, json_string_value(j)));
    else if (json_is_string(j))
        v = dorm_v_text(dorm_strdup(cx, json_string_value(j)));
    else if (fm->f->kind == DORM_KIND_JSON) {
        char *text = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
        v = dorm_v_text(text ? dorm_strdup(cx, text) : NULL);
        dorm_mem__free(text);
        if (!v.u.s) return dorm_ctx_fail(cx, DORM_ENOMEM, "out of memory (loading a JSON value)");
    } else {
        return dorm_ctx_fail(cx, DORM_EVALUE, "Unsupported value for field '%s'.", fm->f->name);
    }
    return dorm_prep__value(cx, fm, fm->value_kind, &v, out);
}

/* An object's key as Django shows it ("pk=1"); "None" when it has none. */
static const char *pk_text(dorm_ctx *cx, json_t *pk) {
    if (json_is_integer(pk)) return dorm_sprintf(cx, "%lld", (long long)json_integer_value(pk));
    if (json_is_string(pk)) return json_string_value(pk);
    return "None";
}

/* Puts where a failure happened before cx's message: the fixture file, the
 * object (its position, model and key) and the field when there is one. */
static int where(dorm_ctx *cx, int rc, const char *file, size_t index, json_t *o, const char *field) {
    const char *label = json_string_value(json_object_get(o, "model"));
    const char *pk = pk_text(cx, json_object_get(o, "pk"));
    if (field)
        return dorm_ctx_fail(cx, rc, "Problem installing fixture '%s': object %zu (%s:pk=%s), field '%s': %s", file,
                             index + 1, label ? label : "?", pk ? pk : "?", field, dorm_errmsg(cx));
    return dorm_ctx_fail(cx, rc, "Problem installing fixture '%s': object %zu (%s:pk=%s): %s", file, index + 1,
                         label ? label : "?", pk ? pk : "?", dorm_errmsg(cx));
}

/* A composite key from a fixture: a list of its parts' values, or the
 * JSON text of one (Django's value_to_string); none leaves the parts to the
 * object's fields.  0 or an error on cx. */
static int composite_pk(dorm_ctx *cx, const dorm_fmeta *pk, json_t *j, void *obj) {
    if (!j || json_is_null(j)) return DORM_OK;
    json_t *list = json_is_string(j) ? json_loads(json_string_value(j), JSON_DECODE_ANY, NULL) : json_incref(j);
    int rc = json_is_array(list) && json_array_size(list) == (size_t)pk->nparts
        ? DORM_OK
        : dorm_ctx_fail(cx, DORM_EVALUE, "'pk' must be a list of %d values.", pk->nparts);
    for (int i = 0; !rc && i < pk->nparts; i++) {
        dorm_value v;
        rc = fixture_value(cx, pk->parts[i], json_array_get(list, (size_t)i), &v);
        if (!rc) rc = dorm_field__set(obj, pk->parts[i], &v);
    }
    json_decref(list);
    return rc;
}

static int load_object(loader *l, json_t *o, const char *file, size_t index) {
    dorm_ctx *cx = l->cx;
    const char *label = json_string_value(json_object_get(o, "model"));
    int k = 0;
    for (; label && k < cx->db->reg->nmodels; k++)
        if (dorm_same__name(cx->db->reg->metas[k]->label_lower, label)) break;
    if (!label || k == cx->db->reg->nmodels)
        return dorm_ctx_fail(cx, DORM_EVALUE,
                             "Problem installing fixture '%s': object %zu: Invalid model identifier: '%s'", file,
                             index + 1, label ? label : "");
    const dorm_meta *m = cx->db->reg->metas[k];
    l->loaded[k] = true;
    void *obj = dorm_new_(cx, m->model);
    if (!obj) return dorm_errcode(cx) ? dorm_errcode(cx) : DORM_ENOMEM;
    json_t *fields = json_object_get(o, "fields"), *pk = json_object_get(o, "pk");
    dorm_value v;
    int rc = dorm_fmeta_composite(m->pk) ? composite_pk(cx, m->pk, pk, obj)
        : pk && !json_is_null(pk)        ? fixture_value(cx, m->pk, pk, &v)
                                         : DORM_OK;
    if (!rc && !dorm_fmeta_composite(m->pk) && pk && !json_is_null(pk)) rc = dorm_field__set(obj, m->pk, &v);
    if (rc) return where(cx, rc, file, index, o, "pk");
    const char *name;
    json_t *j;
    json_object_foreach(fields, name, j) {
        const dorm_fmeta *fm = dorm_meta__field(m, name);
        if (fm) {
            if (!(rc = fixture_value(cx, fm, j, &v))) rc = dorm_field__set(obj, fm, &v);
            if (rc) return where(cx, rc, file, index, o, name);
        } else if (!dorm_meta__m2m_accessor(m, name)) {
            dorm_ctx_fail(cx, DORM_EVALUE, "%s has no field named '%s'", m->model->name, name);
            return where(cx, DORM_EVALUE, file, index, o, NULL);
        }
    }
    /* Rows keep their keys: save() updates one that exists, else inserts;
     * raw, as Django's loaddata saves (fields as given, signals say raw). */
    if ((rc = dorm_save__raw(obj))) return where(cx, rc, file, index, o, NULL);
    json_object_foreach(fields, name, j) {
        const dorm_rel *rel = dorm_meta__m2m_accessor(m, name);
        if (!rel) continue;
        size_t n = json_array_size(j);
        void **targets = dorm_alloc(cx, sizeof(void *) * (n + 1));
        for (size_t i = 0; targets && i < n && !rc; i++) {
            targets[i] = dorm_new_(cx, rel->model->model);
            if (!targets[i] || fixture_value(cx, rel->model->pk, json_array_get(j, i), &v) ||
                dorm_field__set(targets[i], rel->model->pk, &v))
                rc = dorm_errcode(cx) ? dorm_errcode(cx) : DORM_ENOMEM;
            else
                dorm_hdr(targets[i])->flags = DORM_OBJ_FROM_DB;
        }
        if (!rc) rc = targets ? dorm_related_set(obj, name, targets, n) : DORM_ENOMEM;
        if (rc) return where(cx, rc, file, index, o, name);
    }
    return DORM_OK;
}

/* The object of the fixtures with model `label` and key `pk`, for a
 * message: its file, position and the object. */
static bool find_object(const loader *l, const char *label, const char *pk, size_t *file, size_t *index, json_t **obj) {
    for (size_t f = 0; f < l->nfiles; f++) {
        size_t i;
        json_t *o;
        json_array_foreach(l->fixtures[f], i, o) {
            const char *m = json_string_value(json_object_get(o, "model"));
            json_t *k = json_object_get(o, "pk");
            char key[32];
            if (json_is_integer(k)) snprintf(key, sizeof key, "%lld", (long long)json_integer_value(k));
            const char *ks = json_is_integer(k) ? key : json_string_value(k);
            if (m && ks && dorm_same__name(m, label) && strcmp(ks, pk) == 0) {
                *file = f, *index = i, *obj = o;
                return true;
            }
        }
    }
    return false;
}

typedef struct bad_row {
    dorm_ctx *cx;
    const char *pk, *value; /* the first row pointing nowhere, or NULL */
} bad_row;

static void first_bad(dorm_db *db, dorm_stmt *st, void *payload) {
    bad_row *b = payload;
    if (b->pk) return;
    b->pk = dorm_strdup(b->cx, dorm_introspect__text(db, st, 0));
    b->value = dorm_strdup(b->cx, dorm_introspect__text(db, st, 1));
}

/* Keys are checked at COMMIT (deferred): before it, each key of the loaded
 * models is checked here, so that a key pointing nowhere is reported with
 * its fixture, object and field (Django's check_constraints message). */
static int check_keys(loader *l, const dorm_meta *m, const dorm_fmeta *fk, const dorm_meta *owner,
                      const dorm_fmeta *owner_fk, const char *field) {
    dorm_ctx *cx = l->cx;
    char q = cx->db->dialect->quote;
    const char *table = m->db_table, *target = fk->target->db_table, *tcol = fk->target_pk->column;
    dorm_buf b = DORM_BUF_INIT;
    dorm_buf_puts(&b, "SELECT a.");
    const dorm_fmeta *pk = dorm_fmeta_composite(m->pk) ? m->pk->parts[0] : m->pk;
    dorm_buf_quote(&b, q, owner_fk ? owner_fk->column : pk->column);
    dorm_buf_puts(&b, ", a.");
    dorm_buf_quote(&b, q, fk->column);
    dorm_buf_puts(&b, " FROM ");
    dorm_buf_quote(&b, q, table);
    dorm_buf_puts(&b, " a LEFT JOIN ");
    dorm_buf_quote(&b, q, target);
    dorm_buf_puts(&b, " b ON b.");
    dorm_buf_quote(&b, q, tcol);
    dorm_buf_puts(&b, " = a.");
    dorm_buf_quote(&b, q, fk->column);
    dorm_buf_puts(&b, " WHERE a.");
    dorm_buf_quote(&b, q, fk->column);
    dorm_buf_puts(&b, " IS NOT NULL AND b.");
    dorm_buf_quote(&b, q, tcol);
    dorm_buf_puts(&b, " IS NULL");
    bad_row bad = {cx, NULL, NULL};
    dorm_errbuf e = {0, ""};
    int rc = b.failed ? dorm_ctx_fail(cx, DORM_ENOMEM, "out of memory")
        : dorm_db__query(cx->db, b.data, NULL, 0, first_bad, &bad, &e) < 0 ? dorm_fail__errbuf(cx, &e)
                                                                           : DORM_OK;
    dorm_buf_free(&b);
    if (rc || !bad.pk) return rc;
    dorm_ctx_fail(cx, DORM_EINTEGRITY,
                  "The row in table '%s' with primary key '%s' has an invalid foreign key: %s.%s contains a value '%s' "
                  "that does not have a corresponding value in %s.%s.",
                  table, bad.pk, table, fk->column, bad.value, target, tcol);
    size_t f, i;
    json_t *o;
    if (!find_object(l, owner->label_lower, bad.pk, &f, &i, &o))
        return dorm_ctx_fail(cx, DORM_EINTEGRITY, "Problem installing fixtures: %s", dorm_errmsg(cx));
    return where(cx, DORM_EINTEGRITY, l->files[f], i, o, field);
}

static int check_all_keys(loader *l) {
    const dorm_registry *reg = l->cx->db->reg;
    int rc = DORM_OK;
    for (int k = 0; !rc && k < reg->nmodels; k++) {
        const dorm_meta *m = reg->metas[k];
        /* A join model's rows belong to the objects of its owner's side. */
        const dorm_rel *rel = NULL;
        for (int r = 0; m->auto_for && r < m->auto_owner->nm2m; r++)
            if (m->auto_owner->m2m[r].m2m == m->auto_for && m->auto_owner->m2m[r].through == m)
                rel = &m->auto_owner->m2m[r];
        int owner = k;
        for (int o = 0; rel && o < reg->nmodels; o++)
            if (reg->metas[o] == m->auto_owner) owner = o;
        if (!l->loaded[owner] || (m->auto_for && !rel)) continue;
        for (int f = m->first_local; !rc && !m->proxy && f < m->nfields; f++) {
            const dorm_fmeta *fk = &m->fields[f];
            if (fk->f->kind != DORM_KIND_FK || fk->f->no_db_constraint || !fk->target) continue;
            rc = rel ? check_keys(l, m, fk, m->auto_owner, rel->fk, rel->name)
                     : check_keys(l, m, fk, m, NULL, fk->f->name);
        }
    }
    return rc;
}

/* Key counters move past the keys the fixture gave (where the backend does
 * not do it by itself). */
static int reset_sequences(dorm_ctx *cx) {
    if (!cx->db->dialect->sequence_reset_sql) return DORM_OK;
    for (int k = 0; k < cx->db->reg->nmodels; k++) {
        const dorm_meta *m = cx->db->reg->metas[k];
        if (!m->pk || !dorm_kind__is_auto(m->pk->f->kind) || m->proxy) continue;
        dorm_buf b = DORM_BUF_INIT;
        cx->db->dialect->sequence_reset_sql(&b, m->db_table, m->pk->column);
        dorm_errbuf e = {0, ""};
        int rc = b.failed ? DORM_ENOMEM : dorm_db__exec(cx->db, b.data, &e);
        dorm_buf_free(&b);
        if (rc < 0) return dorm_fail__errbuf(cx, &e);
    }
    return DORM_OK;
}

static int run_sql(dorm_ctx *cx, const char *sql) {
    dorm_errbuf e = {0, ""};
    return dorm_db__exec(cx->db, sql, &e) < 0 ? dorm_fail__errbuf(cx, &e) : DORM_OK;
}

static int load_all(void *payload);

/* Where keys cannot be deferred to the commit, rows that point forward are
 * written with the checks off (load_all checks every key before it ends,
 * naming the fixture, object and field); the checks go back on in any
 * case. */
static int load_checked(void *payload) {
    loader *l = payload;
    const dorm_dialect *d = l->cx->db->dialect;
    if (!d->fk_checks_off) return load_all(l);
    int rc = run_sql(l->cx, d->fk_checks_off);
    if (!rc) rc = load_all(l);
    int on = run_sql(l->cx, d->fk_checks_on);
    return rc ? rc : on;
}

static int load_all(void *payload) {
    loader *l = payload;
    for (size_t f = 0; f < l->nfiles; f++) l->total += (int64_t)json_array_size(l->fixtures[f]);
    for (size_t f = 0; f < l->nfiles; f++) {
        size_t i;
        json_t *o;
        l->file = l->files[f];
        json_array_foreach(l->fixtures[f], i, o) {
            dorm_progress__emit(l->cx, "loaddata", l->file, l->done, l->total);
            int rc = load_object(l, o, l->files[f], i);
            if (rc) return rc;
            l->done++;
        }
    }
    l->objects = l->done;
    int rc = check_all_keys(l);
    if (!rc) rc = reset_sequences(l->cx);
    /* A value that could not be copied may have been stored short: roll
     * back rather than commit a fixture half-read. */
    if (!rc && dorm_mem__failures() != l->failures)
        rc = dorm_ctx_fail(l->cx, DORM_ENOMEM, "out of memory (loading fixtures)");
    return rc;
}

/* Django's name for a fixture in "No fixture named ..." : the file name
 * without its folder and extension. */
static const char *fixture_name(dorm_ctx *cx, const char *path) {
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    return dot && dot != base ? dorm_arena__strndup(&cx->arena, base, (size_t)(dot - base)) : base;
}

int dorm_loaddata(dorm_ctx *cx, const char *const *files, FILE *out) {
    dorm_error_clear(cx);
    loader l = {.cx = cx, .files = files, .failures = dorm_mem__failures()};
    while (files && files[l.nfiles]) l.nfiles++;
    l.fixtures = dorm_mem__calloc(l.nfiles + 1, sizeof(json_t *));
    l.loaded = dorm_mem__calloc((size_t)cx->db->reg->nmodels + 1, sizeof(bool));
    int rc = l.fixtures && l.loaded ? DORM_OK : dorm_ctx_fail(cx, DORM_ENOMEM, "out of memory");
    for (size_t f = 0; !rc && f < l.nfiles; f++) {
        FILE *probe = fopen(files[f], "rb");
        if (!probe) {
            const char *name = fixture_name(cx, files[f]);
            rc = dorm_ctx_fail(cx, DORM_EVALUE, "No fixture named '%s' found.", name ? name : files[f]);
            break;
        }
        fclose(probe);
        json_error_t err;
        int code;
        l.fixtures[f] = dorm_json__load_file(files[f], 0, &err, &code);
        if (code == DORM_ENOMEM)
            rc = dorm_ctx_fail(cx, code, "out of memory (loading fixture '%s')", files[f]);
        else if (code == DORM_EOPERATIONAL)
            rc = dorm_ctx_fail(cx, DORM_EVALUE, "Problem installing fixture '%s': %s", files[f], strerror(errno));
        else if (code)
            rc = dorm_ctx_fail(cx, DORM_EVALUE, "Problem installing fixture '%s': %s: line %d column %d", files[f],
                               err.text, err.line, err.column);
        else if (!json_is_array(l.fixtures[f]))
            rc = dorm_ctx_fail(cx, DORM_EVALUE, "Problem installing fixture '%s': not a list of objects", files[f]);
    }
    /* All or nothing: one transaction for every fixture. */
    if (!rc) rc = dorm_in__transaction(cx, load_checked, &l);
    dorm_progress__finish(cx, "loaddata", l.file, rc ? l.done : l.total, l.total);
    for (size_t f = 0; l.fixtures && f < l.nfiles; f++) json_decref(l.fixtures[f]);
    dorm_mem__free(l.fixtures);
    dorm_mem__free(l.loaded);
    if (!rc && out) fprintf(out, "Installed %lld object(s) from %zu fixture(s)\n", (long long)l.objects, l.nfiles);
    return dorm__record(cx, rc);
}
