/* fixtures.c - dumpdata and loaddata in Django's JSON fixture format
 * ([{"model": "library.book", "pk": 1, "fields": {...}}]) with Django's
 * value formats, many-to-many values as lists of keys, loading all or
 * nothing in one transaction (rows may point forward: keys are checked after
 * the load where they cannot be deferred, MySQL), sequences reset on
 * PostgreSQL afterwards. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "exec/exec.h"
#include "migrate/migration.h"
#include "core/alloc.h"

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
    case DORM_T_BYTES: {
        const char *enc = b64_encode(cx, v.u.p, v.len);
        return json_string(enc ? enc : "");
    }
    case DORM_T_TIME:
    case DORM_T_DATETIME: {
        if (v.type == DORM_T_TIME) dorm_time_format(v.u.time, tmp);
        else dorm_datetime_format(v.u.dt, tmp);
        char *sp = strchr(tmp, ' ');
        if (sp) *sp = 'T';
        char *dot = strchr(tmp, '.');
        if (dot && strlen(dot) > 4) dot[4] = '\0';
        if (v.type == DORM_T_DATETIME) strcat(tmp, "Z");
        return json_string(tmp);
    }
    case DORM_T_TEXT:
        if (fm->f->kind == DORM_KIND_JSON) {
            json_t *j = json_loads(v.u.s, JSON_DECODE_ANY, NULL);
            if (j) return j;
        }
        return json_stringn(v.u.s, v.len == DORM_STRLEN ? strlen(v.u.s) : v.len);
    default: return json_null();
    }
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
        const void *k = dorm_key_bytes(&rows[i]->values[0], &len);
        json_t *list = dorm_hmap_get(out, k, len);
        if (!list) {
            list = json_array();
            if (dorm_hmap_put(out, k, len, list)) return DORM_ENOMEM;
        }
        json_array_append_new(list, value_json(cx, rel->to_fk, rows[i]->values[1]));
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
    for (const dorm_field *f = m->model->fields; f && f->name; f++)
        if (f == rel->m2m && strcmp(rel->name, f->name) == 0) return true;
    return false;
}

static bool selected(const dorm_meta *m, const char *const *labels) {
    if (m->auto_for) return false;
    if (!labels || !labels[0]) return true;
    for (size_t i = 0; labels[i]; i++) {
        const char *dot = strchr(labels[i], '.');
        if (!dot && strcmp(labels[i], m->model->app_label) == 0) return true;
        if (dot && dorm_same_name(labels[i], m->label)) return true;
    }
    return false;
}

int dorm_dumpdata(dorm_ctx *cx, const char *const *labels, int indent, FILE *out) {
    dorm_error_clear(cx);
    const dorm_registry *reg = cx->db->reg;
    for (size_t i = 0; labels && labels[i]; i++) {
        bool known = false;
        for (int k = 0; k < reg->nmodels && !known; k++) known = selected(reg->metas[k], (const char *const[]){labels[i], NULL});
        if (!known) return dorm_fail(cx, DORM_EVALUE, "No installed app or model with label '%s'.", labels[i]);
    }
    json_t *all = json_array();
    int rc = DORM_OK;
    for (int k = 0; k < reg->nmodels && !rc; k++) {
        const dorm_meta *m = reg->metas[k];
        if (!selected(m, labels)) continue;
        dorm_hmap *m2m = dorm_mem_calloc((size_t)m->nm2m + 1, sizeof *m2m);
        if (!m2m) {
            rc = DORM_ENOMEM;
            break;
        }
        for (int r = 0; r < m->nm2m && !rc; r++)
            if (dumped_m2m(m, &m->m2m[r])) rc = m2m_values(cx, &m->m2m[r], &m2m[r]);
        size_t n = 0;
        void **objs = rc ? NULL : dorm_qs_list(dorm_qs_order_by(dorm_qs_all(cx, m->model), (const char *const[]){"pk", NULL}), &n);
        if (!rc && !objs) rc = dorm_errcode(cx) ? dorm_errcode(cx) : DORM_ENOMEM;
        for (size_t i = 0; !rc && i < n; i++) {
            json_t *o = json_object(), *fields = json_object();
            json_object_set_new(o, "model", json_string(m->label_lower));
            json_object_set_new(o, "pk", value_json(cx, m->pk, dorm_pk_value(objs[i])));
            for (int f = 0; f < m->nfields; f++)
                if (&m->fields[f] != m->pk)
                    json_object_set_new(fields, m->fields[f].f->name, value_json(cx, &m->fields[f], dorm_field_get(objs[i], &m->fields[f])));
            for (int r = 0; r < m->nm2m; r++) {
                if (!dumped_m2m(m, &m->m2m[r])) continue;
                dorm_value pk = dorm_pk_value(objs[i]);
                size_t len;
                const void *k = dorm_key_bytes(&pk, &len);
                json_t *list = dorm_hmap_get(&m2m[r], k, len);
                json_object_set_new(fields, m->m2m[r].name, list ? json_incref(list) : json_array());
            }
            json_object_set_new(o, "fields", fields);
            json_array_append_new(all, o);
        }
        for (int r = 0; r < m->nm2m; r++) {
            dorm_hmap_each(&m2m[r], free_list, NULL);
            dorm_hmap_free(&m2m[r]);
        }
        dorm_mem_free(m2m);
    }
    if (!rc) {
        size_t flags = JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII | (indent > 0 ? JSON_INDENT(indent) : 0);
        char *text = json_dumps(all, flags);
        if (!text) rc = DORM_ENOMEM;
        else {
            fputs(text, out);
            fputc('\n', out);
            dorm_mem_free(text);
        }
    }
    json_decref(all);
    return rc;
}

/* ---- loaddata ------------------------------------------------------------------ */

typedef struct loader {
    dorm_ctx *cx;
    const char *const *files;
    json_t **fixtures;
    size_t nfiles;
    int64_t objects;
    dorm_progress progress;
    bool *loaded;               /* per registry model: rows of it were written */
} loader;

/* The dorm_value of a fixture value for a field (text where dorm parses it). */
static int fixture_value(dorm_ctx *cx, const dorm_fmeta *fm, json_t *j, dorm_value *out) {
    dorm_value v;
    if (json_is_null(j)) v = dorm_v_null();
    else if (json_is_boolean(j)) v = dorm_v_bool(json_is_true(j));
    else if (json_is_integer(j)) v = dorm_v_int(json_integer_value(j));
    else if (json_is_real(j)) v = dorm_v_float(json_real_value(j));
    else if (json_is_string(j) && fm->f->kind == DORM_KIND_BINARY) v = dorm_v_bytes(b64_decode(cx, json_string_value(j)));
    else if (json_is_string(j)) v = dorm_v_text(dorm_strdup(cx, json_string_value(j)));
    else if (fm->f->kind == DORM_KIND_JSON) {
        char *text = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
        v = dorm_v_text(text ? dorm_strdup(cx, text) : NULL);
        dorm_mem_free(text);
    } else {
        return dorm_fail(cx, DORM_EVALUE, "Unsupported value for field '%s'.", fm->f->name);
    }
    return dorm_prep_value(cx, fm, fm->value_kind, &v, out);
}

static int load_object(loader *l, json_t *o, const char *file, size_t index) {
    dorm_ctx *cx = l->cx;
    const char *label = json_string_value(json_object_get(o, "model"));
    const dorm_meta *m = NULL;
    for (int k = 0; label && k < cx->db->reg->nmodels && !m; k++)
        if (dorm_same_name(cx->db->reg->metas[k]->label_lower, label)) m = cx->db->reg->metas[k];
    if (!m)
        return dorm_fail(cx, DORM_EVALUE, "Problem installing fixture '%s': object %zu: Invalid model identifier: '%s'",
                         file, index + 1, label ? label : "");
    for (int k = 0; k < cx->db->reg->nmodels; k++)
        if (cx->db->reg->metas[k] == m) l->loaded[k] = true;
    void *obj = dorm_new_(cx, m->model);
    if (!obj) return dorm_errcode(cx) ? dorm_errcode(cx) : DORM_ENOMEM;
    json_t *fields = json_object_get(o, "fields"), *pk = json_object_get(o, "pk");
    dorm_value v;
    int rc = pk && !json_is_null(pk) ? fixture_value(cx, m->pk, pk, &v) : DORM_OK;
    if (!rc && pk && !json_is_null(pk)) rc = dorm_field_set(obj, m->pk, &v);
    const char *name;
    json_t *j;
    json_object_foreach(fields, name, j) {
        if (rc) break;
        const dorm_fmeta *fm = dorm_meta_field(m, name);
        if (fm) {
            if (!(rc = fixture_value(cx, fm, j, &v))) rc = dorm_field_set(obj, fm, &v);
        } else if (!dorm_meta_m2m_accessor(m, name)) {
            rc = dorm_fail(cx, DORM_EVALUE, "Problem installing fixture '%s': %s has no field named '%s'", file,
                           m->model->name, name);
        }
    }
    /* Rows keep their keys: save() updates one that exists, else inserts. */
    if (!rc) rc = dorm_save(obj);
    json_object_foreach(fields, name, j) {
        const dorm_rel *rel = rc ? NULL : dorm_meta_m2m_accessor(m, name);
        if (!rel) continue;
        size_t n = json_array_size(j);
        void **targets = dorm_alloc(cx, sizeof(void *) * (n + 1));
        for (size_t i = 0; targets && i < n && !rc; i++) {
            targets[i] = dorm_new_(cx, rel->model->model);
            if (!targets[i] || fixture_value(cx, rel->model->pk, json_array_get(j, i), &v) ||
                dorm_field_set(targets[i], rel->model->pk, &v))
                rc = dorm_errcode(cx) ? dorm_errcode(cx) : DORM_ENOMEM;
            else dorm_hdr(targets[i])->flags = DORM_OBJ_FROM_DB;
        }
        if (!rc) rc = targets ? dorm_related_set(obj, name, targets, n) : DORM_ENOMEM;
    }
    if (rc && !strstr(dorm_errmsg(cx), "Problem installing fixture"))
        dorm_fail(cx, rc, "Problem installing fixture '%s': %s", file, dorm_errmsg(cx));
    return rc;
}

/* Key counters move past the keys the fixture gave (where the backend does
 * not do it by itself). */
static int reset_sequences(dorm_ctx *cx) {
    if (!cx->db->dialect->sequence_reset_sql) return DORM_OK;
    for (int k = 0; k < cx->db->reg->nmodels; k++) {
        const dorm_meta *m = cx->db->reg->metas[k];
        if (!m->pk || !dorm_kind_is_auto(m->pk->f->kind)) continue;
        dorm_buf b = DORM_BUF_INIT;
        cx->db->dialect->sequence_reset_sql(&b, m->db_table, m->pk->column);
        dorm_errbuf e = {0, ""};
        int rc = b.failed ? DORM_ENOMEM : dorm_db_exec(cx->db, b.data, &e);
        dorm_buf_free(&b);
        if (rc < 0) return dorm_fail_errbuf(cx, &e);
    }
    return DORM_OK;
}

typedef struct bad_key {
    char pk[64], value[64];
    bool found;
} bad_key;

static void first_bad_key(dorm_db *db, dorm_stmt *st, void *payload) {
    bad_key *b = payload;
    size_t n, v;
    const char *pk = db->drv->column_text(st, 0, &n), *value = db->drv->column_text(st, 1, &v);
    if (b->found) return;
    b->found = true;
    snprintf(b->pk, sizeof b->pk, "%.*s", (int)n, pk ? pk : "");
    snprintf(b->value, sizeof b->value, "%.*s", (int)v, value ? value : "");
}

/* Django's check_constraints after loading with checks off: a row whose key
 * points at no row fails the load with IntegrityError, in Django's words. */
static int check_keys(loader *l) {
    dorm_ctx *cx = l->cx;
    char q = cx->db->dialect->quote;
    for (int k = 0; k < cx->db->reg->nmodels; k++) {
        const dorm_meta *m = cx->db->reg->metas[k];
        for (int i = 0; l->loaded[k] && m->pk && i < m->nfields; i++) {
            const dorm_fmeta *fm = &m->fields[i];
            if (fm->f->kind != DORM_KIND_FK || fm->f->no_db_constraint || !fm->target || !fm->target_pk) continue;
            dorm_buf b = DORM_BUF_INIT;
            dorm_buf_puts(&b, "SELECT R.");
            dorm_buf_quote(&b, q, m->pk->column);
            dorm_buf_puts(&b, ", R.");
            dorm_buf_quote(&b, q, fm->column);
            dorm_buf_puts(&b, " FROM ");
            dorm_buf_quote(&b, q, m->db_table);
            dorm_buf_puts(&b, " R LEFT JOIN ");
            dorm_buf_quote(&b, q, fm->target->db_table);
            dorm_buf_puts(&b, " D ON (R.");
            dorm_buf_quote(&b, q, fm->column);
            dorm_buf_puts(&b, " = D.");
            dorm_buf_quote(&b, q, fm->target_pk->column);
            dorm_buf_puts(&b, ") WHERE R.");
            dorm_buf_quote(&b, q, fm->column);
            dorm_buf_puts(&b, " IS NOT NULL AND D.");
            dorm_buf_quote(&b, q, fm->target_pk->column);
            dorm_buf_puts(&b, " IS NULL");
            bad_key bad = {.found = false};
            dorm_errbuf e = {0, ""};
            int rc = b.failed ? DORM_ENOMEM : dorm_db_query(cx->db, b.data, NULL, 0, first_bad_key, &bad, &e);
            dorm_buf_free(&b);
            if (rc == DORM_ENOMEM) return dorm_fail(cx, rc, "out of memory");
            if (rc < 0) return dorm_fail_errbuf(cx, &e);
            if (bad.found)
                return dorm_fail(cx, DORM_EINTEGRITY,
                                 "The row in table '%s' with primary key '%s' has an invalid foreign key: %s.%s contains "
                                 "a value '%s' that does not have a corresponding value in %s.%s.",
                                 m->db_table, bad.pk, m->db_table, fm->column, bad.value, fm->target->db_table,
                                 fm->target_pk->column);
        }
    }
    return DORM_OK;
}

static int run_sql(dorm_ctx *cx, const char *sql) {
    dorm_errbuf e = {0, ""};
    return dorm_db_exec(cx->db, sql, &e) < 0 ? dorm_fail_errbuf(cx, &e) : DORM_OK;
}

static int load_all(void *payload);

/* Where keys cannot be deferred to the commit, rows that point forward are
 * written with the checks off, then checked (the checks go back on in any
 * case). */
static int load_checked(void *payload) {
    loader *l = payload;
    const dorm_dialect *d = l->cx->db->dialect;
    if (!d->fk_checks_off) return load_all(l);
    int rc = run_sql(l->cx, d->fk_checks_off);
    if (!rc) rc = load_all(l);
    if (!rc) rc = check_keys(l);
    int on = run_sql(l->cx, d->fk_checks_on);
    return rc ? rc : on;
}

static int load_all(void *payload) {
    loader *l = payload;
    int64_t total = 0, done = 0;
    for (size_t f = 0; f < l->nfiles; f++) total += (int64_t)json_array_size(l->fixtures[f]);
    for (size_t f = 0; f < l->nfiles; f++) {
        size_t i;
        json_t *o;
        json_array_foreach(l->fixtures[f], i, o) {
            int rc = load_object(l, o, l->files[f], i);
            if (rc) return rc;
            dorm_progress_report(&l->progress, ++done, total);
        }
    }
    l->objects = done;
    return reset_sequences(l->cx);
}

int dorm_loaddata(dorm_ctx *cx, const char *const *files, FILE *out) {
    dorm_error_clear(cx);
    loader l = {.cx = cx, .files = files};
    dorm_progress_init(&l.progress, out);
    while (files && files[l.nfiles]) l.nfiles++;
    l.fixtures = dorm_mem_calloc(l.nfiles + 1, sizeof(json_t *));
    l.loaded = dorm_alloc(cx, sizeof(bool) * (size_t)(cx->db->reg->nmodels + 1));
    if (l.loaded) memset(l.loaded, 0, sizeof(bool) * (size_t)(cx->db->reg->nmodels + 1));
    int rc = l.fixtures && l.loaded ? DORM_OK : DORM_ENOMEM;
    for (size_t f = 0; !rc && f < l.nfiles; f++) {
        json_error_t err;
        l.fixtures[f] = json_load_file(files[f], 0, &err);
        if (!l.fixtures[f]) rc = dorm_fail(cx, DORM_EVALUE, "No fixture named '%s' could be loaded: %s (line %d)", files[f], err.text, err.line);
        else if (!json_is_array(l.fixtures[f])) rc = dorm_fail(cx, DORM_EVALUE, "Problem installing fixture '%s': not a list of objects", files[f]);
    }
    /* All or nothing: one transaction for every fixture. */
    if (!rc) rc = dorm_in_transaction(cx, load_checked, &l);
    dorm_progress_done(&l.progress);
    for (size_t f = 0; l.fixtures && f < l.nfiles; f++) json_decref(l.fixtures[f]);
    dorm_mem_free(l.fixtures);
    if (!rc && out)
        fprintf(out, "Installed %lld object(s) from %zu fixture(s)\n", (long long)l.objects, l.nfiles);
    return rc;
}
