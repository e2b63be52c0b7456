/* fixtures.c - loaddata: Django's JSON fixtures ([{"model": "library.book",
 * "pk": 1, "fields": {...}}], dumpdata.c writes them) installed all or
 * nothing in one transaction, keys and natural keys resolved (rows may point
 * forward: keys are checked after the load where they cannot be deferred,
 * MySQL), sequences reset on PostgreSQL afterwards. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backend/introspect.h"
#include "exec/exec.h"
#include "migrate/migration.h"
#include "core/alloc.h"
#include "core/json.h"
#include "model/messages.h"
#include "manage/fixtures.h"

/* ---- base64 (BinaryField) ------------------------------------------------ */

static dorm_bytes b64_decode(dorm_ctx *cx, const char *s) {
    size_t n = strlen(s);
    unsigned char *out = dorm_alloc(cx, n / 4 * 3 + 3);
    size_t k = 0;
    unsigned v = 0;
    int bits = 0;
    for (size_t i = 0; out && i < n && s[i] != '='; i++) {
        const char *c = strchr(DORM_FIXTURE__B64, s[i]);
        if (!c || !*c) continue;
        v = v << 6 | (unsigned)(c - DORM_FIXTURE__B64);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[k++] = (unsigned char)(v >> bits & 255);
        }
    }
    return (dorm_bytes){out, k};
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
    /* Keys given as natural keys of rows not there yet (Django's
     * handle_forward_references): set once every object is in. */
    struct deferred {
        void *obj;
        const char *field;
        json_t *value;
    } * deferred;
    size_t ndeferred;
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

/* ---- natural keys -------------------------------------------------------------- */

static size_t natural_size(const dorm_meta *m) {
    size_t n = 0;
    while (m->natural_key && m->natural_key[n]) n++;
    return n;
}

size_t dorm_fixture__natural_width(const dorm_meta *m, int depth) {
    size_t n = 0;
    for (const char *const *k = m->natural_key; k && *k; k++) {
        const dorm_fmeta *fm = dorm_meta__field(m, *k);
        bool nested = fm && fm->f->kind == DORM_KIND_FK && depth < DORM_FIXTURE__NATURAL_DEPTH;
        n += nested ? dorm_fixture__natural_width(fm->target, depth + 1) : 1;
    }
    return n;
}

/* The row of m whose natural key fields have the values `vals`, through its
 * default manager (Django's get_by_natural_key); NULL with the error of
 * get() on cx (DoesNotExist: "Author matching query does not exist."). */
static void *natural_get(dorm_ctx *cx, const dorm_meta *m, const dorm_value *vals) {
    size_t n = natural_size(m);
    dorm_q *q = dorm_alloc(cx, sizeof *q * n);
    const dorm_q **conds = dorm_alloc(cx, sizeof *conds * (n + 1));
    if (!q || !conds) return NULL;
    for (size_t i = 0; i < n; i++) {
        q[i] = (dorm_q){DORM_Q_LEAF, m->natural_key[i], vals[i], NULL};
        conds[i] = &q[i];
    }
    conds[n] = NULL;
    return dorm_qs_get(dorm_qs_default(cx, m->model), conds);
}

static void *natural_lookup_at(dorm_ctx *cx, const dorm_meta *m, json_t *key, size_t *at, int depth);

/* The value of a natural key field read from key at *at: a relation's is
 * the key of the row its target's natural key names there (Django's
 * get_by_natural_key(title, *writer) calling the writer's), NULL when
 * those values are all null.  0 or an error on cx. */
static int natural_value(dorm_ctx *cx, const dorm_fmeta *fm, json_t *key, size_t *at, int depth, dorm_value *out) {
    if (fm->f->kind != DORM_KIND_FK || depth >= DORM_FIXTURE__NATURAL_DEPTH)
        return fixture_value(cx, fm, json_array_get(key, (*at)++), out);
    size_t width = dorm_fixture__natural_width(fm->target, depth + 1);
    bool null = true;
    for (size_t i = 0; i < width; i++) null = null && json_is_null(json_array_get(key, *at + i));
    if (null) {
        *at += width;
        *out = dorm_v_null();
        return DORM_OK;
    }
    const void *row = natural_lookup_at(cx, fm->target, key, at, depth + 1);
    if (!row) return dorm_errcode(cx) ? dorm_errcode(cx) : DORM_ENOMEM;
    *out = dorm_field__get(row, fm->target_pk);
    return DORM_OK;
}

/* The row of m whose natural key starts at key[*at], which moves past it.
 * NULL with an error on cx. */
static void *natural_lookup_at(dorm_ctx *cx, const dorm_meta *m, json_t *key, size_t *at, int depth) {
    size_t n = natural_size(m);
    dorm_value *vals = dorm_alloc(cx, sizeof *vals * (n + 1));
    for (size_t i = 0; vals && i < n; i++)
        if (natural_value(cx, dorm_meta__field(m, m->natural_key[i]), key, at, depth, &vals[i])) return NULL;
    return vals ? natural_get(cx, m, vals) : NULL;
}

/* The row of m a fixture's natural key (a JSON list, the keys of relations
 * flattened into it) names.  NULL with an error on cx. */
static void *natural_lookup(dorm_ctx *cx, const dorm_meta *m, json_t *key) {
    size_t n = dorm_fixture__natural_width(m, 0), at = 0;
    if (json_array_size(key) != n) {
        dorm_ctx_fail(cx, DORM_EVALUE, "The natural key of %s has %zu value(s); %zu were given.", m->model->name, n,
                      json_array_size(key));
        return NULL;
    }
    return natural_lookup_at(cx, m, key, &at, 0);
}

/* A key field's value given as a natural key: the value of the field it
 * points at in the row named.  0 or an error on cx. */
static int natural_fk(dorm_ctx *cx, const dorm_fmeta *fm, json_t *key, dorm_value *out) {
    const void *row = natural_lookup(cx, fm->target, key);
    if (!row) return dorm_errcode(cx) ? dorm_errcode(cx) : DORM_ENOMEM;
    *out = dorm_field__get(row, fm->target_pk);
    return DORM_OK;
}

/* The objects a many-to-many value names, by key or natural key; NULL
 * with an error on cx, and in *bad the natural key that failed. */
static void **m2m_targets(dorm_ctx *cx, const dorm_rel *rel, json_t *j, size_t *n, json_t **bad) {
    const dorm_meta *t = rel->model;
    *n = json_array_size(j);
    void **targets = dorm_alloc(cx, sizeof(void *) * (*n + 1));
    for (size_t i = 0; targets && i < *n; i++) {
        json_t *key = json_array_get(j, i);
        dorm_value v;
        if (json_is_array(key) && natural_size(t)) {
            *bad = key;
            if (!(targets[i] = natural_lookup(cx, t, key))) return NULL;
            continue;
        }
        targets[i] = dorm_new_(cx, t->model);
        if (!targets[i] || fixture_value(cx, t->pk, key, &v) || dorm_field__set(targets[i], t->pk, &v)) return NULL;
        dorm_hdr(targets[i])->flags = DORM_OBJ_FROM_DB;
    }
    return targets;
}

/* An object without a key whose model has a natural key takes the key of
 * the row with its natural key, if there is one (Django's build_instance).
 * 0 or an error on cx. */
static int natural_pk(dorm_ctx *cx, const dorm_meta *m, void *obj) {
    size_t n = natural_size(m);
    dorm_value *vals = dorm_alloc(cx, sizeof *vals * (n + 1));
    if (!vals) return DORM_ENOMEM;
    for (size_t i = 0; i < n; i++) vals[i] = dorm_field__get(obj, dorm_meta__field(m, m->natural_key[i]));
    const void *row = natural_get(cx, m, vals);
    if (!row) {
        if (dorm_errcode(cx) != DORM_EDOESNOTEXIST) return dorm_errcode(cx) ? dorm_errcode(cx) : DORM_ENOMEM;
        dorm_error_clear(cx);
        return DORM_OK;
    }
    dorm_value pk = dorm_pk__value(row);
    return dorm_field__set(obj, m->pk, &pk);
}

static int defer(loader *l, void *obj, const char *field, json_t *value) {
    struct deferred *d = dorm_mem__realloc(l->deferred, sizeof *d * (l->ndeferred + 1));
    if (!d) return dorm_ctx_fail(l->cx, DORM_ENOMEM, "out of memory");
    l->deferred = d;
    l->deferred[l->ndeferred++] = (struct deferred){obj, field, value};
    dorm_error_clear(l->cx);
    return DORM_OK;
}

/* Python's repr() of a fixture's natural key (['Jane', 3]), for Django's
 * "field_value was" part. */
static const char *json_repr(dorm_ctx *cx, json_t *j) {
    dorm_buf b = DORM_BUF_INIT;
    dorm_buf_putc(&b, '[');
    for (size_t i = 0; i < json_array_size(j); i++) {
        json_t *e = json_array_get(j, i);
        dorm_value v = json_is_string(e) ? dorm_v_text(json_string_value(e))
            : json_is_integer(e)         ? dorm_v_int(json_integer_value(e))
            : json_is_real(e)            ? dorm_v_float(json_real_value(e))
            : json_is_boolean(e)         ? dorm_v_bool(json_is_true(e))
            : json_is_array(e)           ? dorm_v_text(json_repr(cx, e))
                                         : dorm_v_null();
        if (i) dorm_buf_puts(&b, ", ");
        if (json_is_array(e))
            dorm_buf_puts(&b, v.u.s ? v.u.s : "");
        else
            dorm_value__repr(&b, &v);
    }
    dorm_buf_putc(&b, ']');
    const char *r = b.failed ? "[...]" : dorm_strdup(cx, b.data);
    dorm_buf_free(&b);
    return r;
}

/* Sets one deferred key (or many-to-many value) and saves its object.  0,
 * or an error on cx (DORM_EDOESNOTEXIST while a row it names is not there
 * yet) with in *bad the natural key that failed. */
static int resolve(dorm_ctx *cx, struct deferred *d, json_t **bad) {
    const dorm_meta *m = dorm_meta_of_obj(d->obj);
    const dorm_fmeta *fm = dorm_meta__field(m, d->field);
    *bad = d->value;
    dorm_value v;
    int rc;
    if (fm) {
        if (!(rc = natural_fk(cx, fm, d->value, &v)) && !(rc = dorm_field__set(d->obj, fm, &v)))
            rc = dorm_save__raw(d->obj);
        return rc;
    }
    size_t n;
    void **targets = m2m_targets(cx, dorm_meta__m2m_accessor(m, d->field), d->value, &n, bad);
    return targets ? dorm_related_set(d->obj, d->field, targets, n) : dorm_errcode(cx) ? dorm_errcode(cx) : DORM_ENOMEM;
}

/* Sets the keys whose rows came later in the fixtures, and saves their
 * objects again, in passes while one sets some (a nested natural key may
 * name a row whose own key is set in this pass); a natural key that names
 * no row then is Django's DeserializationError, for the first such. */
static int load_deferred(loader *l) {
    dorm_ctx *cx = l->cx;
    size_t left = l->ndeferred;
    bool progress = true;
    while (left && progress) {
        size_t kept = 0;
        for (size_t i = 0; i < left; i++) {
            json_t *bad;
            int rc = resolve(cx, &l->deferred[i], &bad);
            if (rc == DORM_EDOESNOTEXIST) {
                l->deferred[kept++] = l->deferred[i];
                dorm_error_clear(cx);
            } else if (rc) {
                return rc;
            }
        }
        progress = kept < left;
        left = kept;
    }
    if (!left) return DORM_OK;
    struct deferred *d = &l->deferred[0];
    json_t *bad;
    resolve(cx, d, &bad);
    dorm_value pk = dorm_pk__value(d->obj);
    dorm_buf b = DORM_BUF_INIT;
    dorm_value__str(&b, &pk);
    const char *msg = dorm_strdup(cx, dorm_errmsg(cx));
    int rc = dorm_ctx_fail(cx, DORM_EVALUE, "%s: (%s:pk=%s) field_value was '%s'", msg ? msg : "",
                           dorm_meta_of_obj(d->obj)->label_lower, b.failed ? "?" : b.data, json_repr(cx, bad));
    dorm_buf_free(&b);
    return rc;
}

/* Whether a natural key field of obj waits for a row later in the
 * fixtures: then no row can have its natural key yet. */
static bool key_deferred(const loader *l, const dorm_meta *m, const void *obj) {
    for (size_t i = 0; i < l->ndeferred; i++)
        for (const char *const *n = m->natural_key; l->deferred[i].obj == obj && n && *n; n++)
            if (strcmp(*n, l->deferred[i].field) == 0) return true;
    return false;
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
        if (fm && fm->f->kind == DORM_KIND_FK && json_is_array(j) && natural_size(fm->target)) {
            if ((rc = natural_fk(cx, fm, j, &v)) == DORM_EDOESNOTEXIST)
                rc = defer(l, obj, fm->f->name, j);
            else if (!rc)
                rc = dorm_field__set(obj, fm, &v);
            if (rc) return where(cx, rc, file, index, o, name);
        } else if (fm) {
            if (!(rc = fixture_value(cx, fm, j, &v))) rc = dorm_field__set(obj, fm, &v);
            if (rc) return where(cx, rc, file, index, o, name);
        } else if (!dorm_meta__m2m_accessor(m, name)) {
            dorm_ctx_fail(cx, DORM_EVALUE, "%s has no field named '%s'", m->model->name, name);
            return where(cx, DORM_EVALUE, file, index, o, NULL);
        }
    }
    if ((!pk || json_is_null(pk)) && natural_size(m) && !key_deferred(l, m, obj) && (rc = natural_pk(cx, m, obj)))
        return where(cx, rc, file, index, o, NULL);
    /* Rows keep their keys: save() updates one that exists, else inserts;
     * raw, as Django's loaddata saves (fields as given, signals say raw). */
    if ((rc = dorm_save__raw(obj))) return where(cx, rc, file, index, o, NULL);
    json_object_foreach(fields, name, j) {
        const dorm_rel *rel = dorm_meta__m2m_accessor(m, name);
        if (!rel) continue;
        size_t n;
        json_t *bad = NULL;
        void **targets = m2m_targets(cx, rel, j, &n, &bad);
        if (!targets && dorm_errcode(cx) == DORM_EDOESNOTEXIST)
            rc = defer(l, obj, name, j);
        else
            rc = targets ? dorm_related_set(obj, name, targets, n) : dorm_errcode(cx) ? dorm_errcode(cx) : DORM_ENOMEM;
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
    int rc = load_deferred(l);
    if (!rc) rc = check_all_keys(l);
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
    dorm_mem__free(l.deferred);
    if (!rc && out) fprintf(out, "Installed %lld object(s) from %zu fixture(s)\n", (long long)l.objects, l.nfiles);
    return dorm__record(cx, rc);
}
