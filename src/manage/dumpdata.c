/* dumpdata.c - dumpdata: the rows of the selected models as Django's JSON
 * fixture, with Django's value formats and many-to-many values as lists of
 * keys; with natural keys, relations written as the natural keys of their
 * targets, models ordered as Django's sort_dependencies and "pk" left out. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "exec/exec.h"
#include "migrate/migration.h"
#include "core/alloc.h"
#include "core/json.h"
#include "core/opts.h"
#include "manage/fixtures.h"

/* ---- base64 (BinaryField) ------------------------------------------------ */

static const char b64[] = DORM_FIXTURE__B64;

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

/* The state of one dump: its options and, per model that declares a natural
 * key and field keys point at, the natural keys of its rows. */
typedef struct dumper {
    dorm_ctx *cx;
    dorm_dumpdata_opts o;
    struct natural_keys {
        const dorm_fmeta *target; /* the field keys point at (its key)  */
        dorm_hmap keys; /* its value's bytes -> natural key   */
    } * nk;
    size_t nnk;
} dumper;

static bool has_natural_key(const dorm_meta *m) { return m && m->natural_key && m->natural_key[0]; }

static json_t *natural_key_of(dumper *d, const dorm_meta *m, const dorm_fmeta *target, dorm_value v, int depth);

/* An object's natural key: the list of its natural key fields' values, as
 * Django's natural_key() tuple; a relation's target's natural key is
 * spliced in (`(self.title,) + self.writer.natural_key()`), as nulls when
 * the relation is NULL.  NULL when out of memory or on an error on cx. */
static json_t *natural_json(dumper *d, const void *obj, const dorm_meta *m, int depth) {
    json_t *a = json_array();
    for (const char *const *n = m->natural_key; a && n && *n; n++) {
        const dorm_fmeta *fm = dorm_meta__field(m, *n);
        if (fm->f->kind != DORM_KIND_FK) {
            json_array_append_new(a, field_json(d->cx, obj, fm));
            continue;
        }
        json_t *sub = depth < DORM_FIXTURE__NATURAL_DEPTH
            ? natural_key_of(d, fm->target, fm->target_pk, dorm_field__get(obj, fm), depth + 1)
            : json_null();
        if (!sub) {
            json_decref(a);
            return NULL;
        }
        if (json_is_array(sub))
            json_array_extend(a, sub);
        else
            for (size_t i = dorm_fixture__natural_width(fm->target, depth + 1); i > 0; i--)
                json_array_append_new(a, json_null());
        json_decref(sub);
    }
    return a;
}

static void free_json(const void *key, size_t klen, void *value, void *payload) {
    (void)key, (void)klen, (void)payload;
    json_decref(value);
}

/* The natural keys of the rows of target's model, read once (all rows, as
 * Django follows a key through the base manager) and kept by the bytes of
 * target's value.  The table may grow while they are read (a key naming a
 * relation reads its target's): entries are reached by index.  0 or an
 * error on cx. */
static int natural_keys(dumper *d, const dorm_meta *m, const dorm_fmeta *target, int depth, size_t *out) {
    for (size_t i = 0; i < d->nnk; i++)
        if (d->nk[i].target == target) return *out = i, DORM_OK;
    struct natural_keys *nk = dorm_mem__realloc(d->nk, sizeof *nk * (d->nnk + 1));
    if (!nk) return dorm_ctx_fail(d->cx, DORM_ENOMEM, "out of memory");
    d->nk = nk;
    size_t at = *out = d->nnk++;
    d->nk[at] = (struct natural_keys){target, DORM_HMAP_INIT};
    size_t n;
    void **objs = dorm_qs_list(dorm_qs_base(d->cx, m->model), &n);
    if (!objs) return dorm_errcode(d->cx) ? dorm_errcode(d->cx) : DORM_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        dorm_value v = dorm_field__get(objs[i], target);
        size_t len;
        const void *k = dorm_key__bytes(&v, &len);
        void *copy = dorm_alloc(d->cx, len ? len : 1);
        json_t *key = copy ? natural_json(d, objs[i], m, depth) : NULL;
        if (!key && dorm_errcode(d->cx)) return dorm_errcode(d->cx);
        if (!key || dorm_hmap__put(&d->nk[at].keys, memcpy(copy, k, len), len, key)) {
            json_decref(key);
            return dorm_ctx_fail(d->cx, DORM_ENOMEM, "out of memory");
        }
    }
    return DORM_OK;
}

/* Whether keys pointing at m are written as natural keys. */
static bool natural_to(const dumper *d, const dorm_meta *m) { return d->o.natural_foreign && has_natural_key(m); }

/* The natural key of the row of m whose `target` field has value v, for a
 * key pointing at it (null for a NULL key).  NULL when out of memory or on
 * an error on cx. */
static json_t *natural_key_of(dumper *d, const dorm_meta *m, const dorm_fmeta *target, dorm_value v, int depth) {
    if (v.type == DORM_T_NULL) return json_null();
    size_t at = 0;
    if (natural_keys(d, m, target, depth, &at)) return NULL;
    size_t len;
    const void *k = dorm_key__bytes(&v, &len);
    json_t *key = dorm_hmap__get(&d->nk[at].keys, k, len);
    /* A key pointing nowhere has no natural key to write. */
    return key ? json_incref(key) : json_null();
}

/* model pk -> list of related keys, for one many-to-many field. */
static int m2m_values(dumper *d, const dorm_rel *rel, dorm_hmap *out) {
    dorm_ctx *cx = d->cx;
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
        json_t *key = natural_to(d, rel->model)
            ? natural_key_of(d, rel->model, rel->to_fk->target_pk, rows[i]->values[1], 0)
            : value_json(cx, rel->to_fk, rows[i]->values[1]);
        if (!key) return dorm_errcode(cx) ? dorm_errcode(cx) : DORM_ENOMEM;
        if (json_array_append_new(list, key)) return DORM_ENOMEM;
    }
    return DORM_OK;
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

/* The models a model with natural keys waits for (Django's sort_dependencies):
 * its natural_key_dependencies, and the models with a natural key its keys
 * and automatic many-to-manys point at. */
static const dorm_meta **dependencies(dorm_ctx *cx, const dorm_meta *m, int *n) {
    int cap = m->nfields + m->nm2m + 1;
    for (const char *const *d = m->natural_key_dependencies; d && *d; d++) cap++;
    const dorm_meta **deps = dorm_alloc(cx, sizeof *deps * (size_t)cap);
    if (!deps) return NULL;
    *n = 0;
    for (const char *const *d = m->natural_key_dependencies; d && *d; d++) {
        const dorm_meta *t = dorm_meta__by_label(cx->db->reg, *d);
        if (t) deps[(*n)++] = t;
    }
    for (int f = 0; f < m->nfields; f++) {
        const dorm_meta *t = m->fields[f].f->kind == DORM_KIND_FK ? m->fields[f].target : NULL;
        if (has_natural_key(t) && t != m) deps[(*n)++] = t;
    }
    for (int r = 0; r < m->nm2m; r++)
        if (dumped_m2m(m, &m->m2m[r]) && has_natural_key(m->m2m[r].model) && m->m2m[r].model != m)
            deps[(*n)++] = m->m2m[r].model;
    return deps;
}

/* Orders the n models of `ms` as Django's sort_dependencies with
 * allow_cycles (what dumpdata --natural-foreign uses): rounds over the
 * models still waiting, each taking those whose dependencies are written or
 * not dumped; a round that takes none takes the last one it skipped.  0 or
 * DORM_ENOMEM. */
static int sort_dependencies(dorm_ctx *cx, const dorm_meta **ms, int n) {
    const dorm_meta ***deps = dorm_alloc(cx, sizeof *deps * (size_t)(n + 1));
    int *ndeps = dorm_alloc(cx, sizeof *ndeps * (size_t)(n + 1)),
        *waiting = dorm_alloc(cx, sizeof(int) * (size_t)(n + 1)),
        *skipped = dorm_alloc(cx, sizeof(int) * (size_t)(n + 1));
    const dorm_meta **out = dorm_alloc(cx, sizeof *out * (size_t)(n + 1));
    if (!deps || !ndeps || !waiting || !skipped || !out) return DORM_ENOMEM;
    int nwaiting = 0, nout = 0;
    for (int i = 0; i < n; i++) {
        if (!(deps[i] = dependencies(cx, ms[i], &ndeps[i]))) return DORM_ENOMEM;
        waiting[nwaiting++] = n - 1 - i; /* popped from the end: in order */
    }
    while (nwaiting) {
        int nskipped = 0;
        bool changed = false;
        while (nwaiting) {
            int i = waiting[--nwaiting];
            bool ready = true;
            for (int k = 0; ready && k < ndeps[i]; k++) {
                bool dumped = false, written = false;
                for (int j = 0; j < n; j++) dumped = dumped || ms[j] == deps[i][k];
                for (int j = 0; j < nout; j++) written = written || out[j] == deps[i][k];
                ready = !dumped || written;
            }
            if (ready) {
                out[nout++] = ms[i];
                changed = true;
            } else {
                skipped[nskipped++] = i;
            }
        }
        if (!changed) out[nout++] = ms[skipped[--nskipped]];
        memcpy(waiting, skipped, sizeof(int) * (size_t)nskipped);
        nwaiting = nskipped;
    }
    memcpy(ms, out, sizeof *ms * (size_t)n);
    return DORM_OK;
}

/* The models dumped, in the order they are written (NULL-terminated, in
 * cx's arena), or NULL with an error on cx. */
static const dorm_meta **dumped_models(dumper *d, const char *const *labels) {
    const dorm_registry *reg = d->cx->db->reg;
    for (size_t i = 0; labels && labels[i]; i++) {
        bool known = false;
        for (int k = 0; k < reg->nmodels && !known; k++)
            known = selected(reg->metas[k], (const char *const[]){labels[i], NULL});
        if (!known) {
            dorm_ctx_fail(d->cx, DORM_EVALUE, "No installed app or model with label '%s'.", labels[i]);
            return NULL;
        }
    }
    const dorm_meta **ms = dorm_alloc(d->cx, sizeof *ms * (size_t)(reg->nmodels + 1));
    int n = 0;
    for (int k = 0; ms && k < reg->nmodels; k++)
        if (selected(reg->metas[k], labels)) ms[n++] = reg->metas[k];
    if (ms) ms[n] = NULL;
    if (!ms || (d->o.natural_foreign && sort_dependencies(d->cx, ms, n))) {
        dorm_ctx_fail(d->cx, DORM_ENOMEM, "out of memory");
        return NULL;
    }
    return ms;
}

/* One object as Django's serializer writes it.  NULL when out of memory or
 * on an error on cx. */
static json_t *object_json(dumper *d, const dorm_meta *m, const void *obj, dorm_hmap *m2m) {
    json_t *o = json_object(), *fields = json_object();
    bool natural_pk = d->o.natural_primary && has_natural_key(m);
    json_object_set_new(o, "model", json_string(m->label_lower));
    if (!natural_pk) json_object_set_new(o, "pk", pk_json(d->cx, obj, m->pk));
    /* A multi-table child's own fields: its parent is an object of its own.
     * Without its key, its link to the parent stays (Django's pk_parent). */
    for (int f = m->first_local; f < m->nfields; f++) {
        const dorm_fmeta *fm = &m->fields[f];
        if (fm == m->pk && !(natural_pk && m->parent)) continue;
        json_t *v = fm->f->kind == DORM_KIND_FK && natural_to(d, fm->target)
            ? natural_key_of(d, fm->target, fm->target_pk, dorm_field__get(obj, fm), 0)
            : field_json(d->cx, obj, fm);
        if (!v) {
            json_decref(o);
            json_decref(fields);
            return NULL;
        }
        json_object_set_new(fields, fm->f->name, v);
    }
    for (int r = 0; r < m->nm2m; r++) {
        if (!dumped_m2m(m, &m->m2m[r])) continue;
        dorm_value pk = dorm_pk__value(obj);
        size_t len;
        const void *k = dorm_key__bytes(&pk, &len);
        json_t *list = dorm_hmap__get(&m2m[r], k, len);
        json_object_set_new(fields, m->m2m[r].name, list ? json_incref(list) : json_array());
    }
    json_object_set_new(o, "fields", fields);
    return o;
}

/* Python's json writes the escapes of control characters in lower case
 * ("\u001f"), jansson in upper case; a backslash outside an escape cannot
 * occur in JSON text. */
static char *python_escapes(char *text) {
    for (char *p = text; p && *p; p++) {
        if (*p != '\\') continue;
        if (*++p == 'u')
            for (int i = 1; i <= 4 && p[i]; i++) p[i] = (char)tolower((unsigned char)p[i]);
    }
    return text;
}

/* The fixture's text as Django's JSON serializer frames it: with an indent,
 * each object on lines of its own after "[" and the list closed by "]" on a
 * line; without, objects separated by ", ".  NULL when out of memory. */
static char *fixture_text(json_t *all, int indent) {
    if (indent <= 0) return python_escapes(json_dumps(all, JSON_PRESERVE_ORDER));
    dorm_buf b = DORM_BUF_INIT;
    dorm_buf_putc(&b, '[');
    size_t i;
    json_t *o;
    json_array_foreach(all, i, o) {
        char *text = python_escapes(json_dumps(o, JSON_PRESERVE_ORDER | JSON_INDENT(indent)));
        if (!text) b.failed = true;
        dorm_buf_puts(&b, i ? ",\n" : "\n");
        dorm_buf_puts(&b, text ? text : "");
        dorm_mem__free(text);
    }
    dorm_buf_puts(&b, "\n]");
    if (b.failed) {
        dorm_buf_free(&b);
        return NULL;
    }
    return b.data;
}

/* dumpdata reads each model through its default manager, or with --all
 * through its base manager. */
static int dump(dumper *d, const char *const *labels, FILE *out) {
    dorm_ctx *cx = d->cx;
    dorm_error_clear(cx);
    /* jansson's calls are not checked one by one: an allocation that failed
     * anywhere (a field, a key, an object left out) fails the whole dump. */
    dorm_json__init();
    unsigned long failures = dorm_mem__failures();
    const dorm_meta **ms = dumped_models(d, labels);
    if (!ms) return dorm__record(cx, dorm_errcode(cx));
    json_t *all = json_array();
    int rc = DORM_OK;
    for (const dorm_meta **mp = ms; *mp && !rc; mp++) {
        const dorm_meta *m = *mp;
        dorm_hmap *m2m = dorm_mem__calloc((size_t)m->nm2m + 1, sizeof *m2m);
        if (!m2m) {
            rc = DORM_ENOMEM;
            break;
        }
        for (int r = 0; r < m->nm2m && !rc; r++)
            if (dumped_m2m(m, &m->m2m[r])) rc = m2m_values(d, &m->m2m[r], &m2m[r]);
        size_t n = 0;
        dorm_qs *qs = d->o.all ? dorm_qs_base(cx, m->model) : dorm_qs_default(cx, m->model);
        void **objs = rc ? NULL : dorm_qs_list(dorm_qs_order_by(qs, (const char *const[]){"pk", NULL}), &n);
        if (!rc && !objs) rc = dorm_errcode(cx) ? dorm_errcode(cx) : DORM_ENOMEM;
        size_t i = 0;
        for (; !rc && i < n; i++) {
            dorm_progress__emit(cx, "dumpdata", m->label, (int64_t)i, (int64_t)n);
            json_t *o = object_json(d, m, objs[i], m2m);
            if (!o) rc = dorm_errcode(cx) ? dorm_errcode(cx) : DORM_ENOMEM;
            json_array_append_new(all, o);
        }
        dorm_progress__finish(cx, "dumpdata", m->label, rc ? (int64_t)i - 1 : (int64_t)n, (int64_t)n);
        for (int r = 0; r < m->nm2m; r++) {
            dorm_hmap__each(&m2m[r], free_json, NULL);
            dorm_hmap__free(&m2m[r]);
        }
        dorm_mem__free(m2m);
    }
    if (!rc) {
        char *text = fixture_text(all, d->o.indent);
        if (!text || dorm_mem__failures() != failures)
            rc = DORM_ENOMEM;
        else if (fputs(text, out) < 0 || fputc('\n', out) == EOF)
            rc = dorm_ctx_fail(cx, DORM_EOPERATIONAL, "Cannot write the fixture: %s", strerror(errno));
        dorm_mem__free(text);
    }
    json_decref(all);
    for (size_t i = 0; i < d->nnk; i++) {
        dorm_hmap__each(&d->nk[i].keys, free_json, NULL);
        dorm_hmap__free(&d->nk[i].keys);
    }
    dorm_mem__free(d->nk);
    return dorm__record(cx, rc);
}

int dorm_dumpdata_with_(dorm_ctx *cx, const char *const *labels, const dorm_dumpdata_opts *opts, FILE *out,
                        size_t opts_size) {
    dumper d = {.cx = cx};
    dorm_opts__read(&d.o, sizeof d.o, opts, opts_size);
    return dump(&d, labels, out);
}

int dorm_dumpdata(dorm_ctx *cx, const char *const *labels, int indent, FILE *out) {
    return dorm_dumpdata_with(cx, labels, &(dorm_dumpdata_opts){.indent = indent}, out);
}

int dorm_dumpdata_all(dorm_ctx *cx, const char *const *labels, int indent, FILE *out) {
    return dorm_dumpdata_with(cx, labels, &(dorm_dumpdata_opts){.indent = indent, .all = true}, out);
}
