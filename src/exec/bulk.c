/* bulk.c - bulk_create(): multi-row INSERT ... RETURNING in batches that fit
 * the backend's parameter limit, filling every object's primary key, all in
 * one transaction; conflicts ignored or turned into updates as the dialect
 * spells them (Django's on_conflict).  Objects may come from dorm_new or be
 * plain structs. */
#include <string.h>

#include "core/opts.h"
#include "exec/route.h"

/* Django's OnConflict. */
typedef enum on_conflict { CONFLICT_FAIL = 0, CONFLICT_IGNORE, CONFLICT_UPDATE } on_conflict;

typedef struct bulk_job {
    dorm_ctx *cx;
    const dorm_meta *m;
    void *const *objs;
    size_t n;
    size_t batch_size;
    size_t done; /* objects inserted, for progress reports */
    on_conflict conflict;
    const dorm_fmeta **update; /* update_conflicts: the columns updated  */
    size_t nupdate;
    const dorm_fmeta **unique; /* ... and the conflict target's columns  */
    size_t nunique;
} bulk_job;

/* The objects were written: they are no longer being added. */
static void mark_saved(bulk_job *j, void *const *objs, size_t n) {
    for (size_t r = 0; r < n; r++) {
        dorm_object *h = objs[r];
        h->flags = (h->flags & ~(uint32_t)(DORM_OBJ_ADDING | DORM_OBJ_DB_MASK)) | DORM_OBJ_FROM_DB |
            dorm_route_obj_flag(j->cx);
    }
}

/* Writes the columns of `fields`, each through the dialect template `tmpl`
 * (%1: the quoted column), separated by commas. */
static void column_list(dorm_sql *s, const dorm_fmeta *const *fields, size_t n, const char *tmpl) {
    for (size_t i = 0; i < n; i++) {
        if (i) dorm_buf_puts(&s->text, ", ");
        for (const char *p = tmpl; *p; p++) {
            if (p[0] == '%' && p[1] == '1') {
                dorm_sql__name(s, fields[i]->column);
                p++;
            } else {
                dorm_buf_putc(&s->text, *p);
            }
        }
    }
}

/* The text after the rows: Django's on_conflict_suffix_sql. */
static void conflict_suffix(bulk_job *j, dorm_sql *s) {
    if (j->conflict == CONFLICT_IGNORE && s->d->ignore_suffix) dorm_buf_puts(&s->text, s->d->ignore_suffix);
    if (j->conflict != CONFLICT_UPDATE) return;
    for (const char *p = s->d->upsert; *p; p++) {
        if (p[0] == '%' && p[1] == '1') {
            column_list(s, j->unique, j->nunique, "%1");
            p++;
        } else if (p[0] == '%' && p[1] == '2') {
            column_list(s, j->update, j->nupdate, s->d->upsert_set);
            p++;
        } else {
            dorm_buf_putc(&s->text, *p);
        }
    }
}

/* Inserts objs[off..off+n), all with (with_pk) or all without an auto key. */
static int insert_batch(bulk_job *j, void *const *objs, size_t n, bool with_pk) {
    const dorm_meta *m = j->m;
    dorm_sql s;
    dorm_sql__init(&s, j->cx);
    const char *insert = j->conflict == CONFLICT_IGNORE ? s.d->insert_ignore : NULL;
    dorm_buf_puts(&s.text, insert ? insert : "INSERT INTO");
    dorm_buf_putc(&s.text, ' ');
    dorm_sql__name(&s, m->db_table);
    int ncols = 0;
    for (int i = 0; i < m->nfields; i++) {
        if (&m->fields[i] == m->pk && !with_pk) continue;
        dorm_buf_puts(&s.text, ncols++ ? ", " : " (");
        dorm_sql__name(&s, m->fields[i].column);
    }
    dorm_buf_puts(&s.text, ") VALUES ");
    for (size_t r = 0; r < n; r++) {
        dorm_buf_puts(&s.text, r ? ", (" : "(");
        int k = 0;
        for (int i = 0; i < m->nfields; i++) {
            if (&m->fields[i] == m->pk && !with_pk) continue;
            if (k++) dorm_buf_puts(&s.text, ", ");
            dorm_value v = dorm_field__get(objs[r], &m->fields[i]);
            dorm_sql__param(&s, &v);
        }
        dorm_buf_putc(&s.text, ')');
    }
    conflict_suffix(j, &s);
    /* A composite key is given whole: nothing to read back.  A skipped row
     * returns nothing, so ignored conflicts leave the keys unset (and the
     * objects without one still being added, as in Django); a key an
     * object has stays as given (Django sets only the other returned
     * fields), though the row updated may hold another. */
    if (dorm_fmeta_composite(m->pk) || j->conflict == CONFLICT_IGNORE || (j->conflict && with_pk)) {
        int64_t changed = dorm_exec__change(j->cx, &s);
        dorm_sql__free(&s);
        if (changed >= 0 && with_pk) mark_saved(j, objs, n);
        return changed < 0 ? (int)changed : DORM_OK;
    }
    dorm_buf_puts(&s.text, " RETURNING ");
    dorm_sql__name(&s, m->pk->column);
    dorm_cached_stmt *cs;
    int rc = dorm__exec(j->cx, &s, &cs);
    size_t r = 0;
    bool held = rc >= 0;
    while (rc == DORM_STEP_ROW && r < n) {
        rc = dorm_read__field(j->cx, &j->cx->arena, objs[r], m->pk, cs, 0);
        mark_saved(j, objs + r, 1);
        r++;
        if (rc == DORM_OK) rc = dorm_exec__step(j->cx, cs);
    }
    if (held) dorm_db__release(j->cx->db, cs);
    dorm_sql__free(&s);
    return rc < 0 ? rc : DORM_OK;
}

static int insert_group(bulk_job *j, void **group, size_t n, bool with_pk) {
    int ncols = j->m->nfields - (with_pk ? 0 : 1);
    size_t per = (size_t)j->cx->db->dialect->max_params / (size_t)(ncols ? ncols : 1);
    size_t batch = j->batch_size && j->batch_size < per ? j->batch_size : (per ? per : 1);
    for (size_t off = 0; off < n; off += batch) {
        size_t rows = n - off < batch ? n - off : batch;
        int rc = insert_batch(j, group + off, rows, with_pk);
        if (rc) return rc;
        j->done += rows;
        dorm_progress__emit(j->cx, "bulk_create", j->m->label, (int64_t)j->done, (int64_t)j->n);
    }
    return DORM_OK;
}

static int bulk_all(void *payload) {
    bulk_job *j = payload;
    void **with = dorm_alloc(j->cx, sizeof(void *) * j->n), **without = dorm_alloc(j->cx, sizeof(void *) * j->n);
    if (!with || !without) return DORM_ENOMEM;
    size_t nw = 0, nwo = 0;
    bool auto_pk = dorm_kind__is_auto(j->m->pk->f->kind);
    for (size_t i = 0; i < j->n; i++) {
        if (auto_pk && !dorm_pk__is_set(j->objs[i]))
            without[nwo++] = j->objs[i];
        else
            with[nw++] = j->objs[i];
    }
    int rc = insert_group(j, with, nw, true);
    return rc ? rc : insert_group(j, without, nwo, false);
}

/* Gives a plain struct the header and defaults dorm_create would. */
static int adopt(dorm_ctx *cx, const dorm_meta *m, void *obj) {
    dorm_object *h = obj;
    if (h->meta == m) return DORM_OK;
    if (h->meta) return dorm_ctx_fail(cx, DORM_EVALUE, "bulk_create() objects must all be %s instances.", m->label);
    dorm_object__init(obj, m, cx, DORM_OBJ_ADDING);
    h->nulls = 0;
    for (int i = 0; i < m->nfields; i++) {
        const dorm_fmeta *fm = &m->fields[i];
        if (!dorm_member__is_zero(obj, fm) || fm == m->pk) continue;
        dorm_value d = dorm_field__default(fm), v;
        if (d.type == DORM_T_NONE) continue;
        if (dorm_prep__value(cx, fm, fm->value_kind, &d, &v) || dorm_field__set(obj, fm, &v)) return dorm_errcode(cx);
    }
    return DORM_OK;
}

/* A field of update_fields / unique_fields by name, as Django's get_field
 * finds it: a column of the model (out), or a relation that has none (NULL
 * with 0: "concrete fields" only); DORM_EFIELD for a name it does not know. */
static int named_field(dorm_ctx *cx, const dorm_meta *m, const char *name, const dorm_fmeta **out) {
    size_t len = strlen(name);
    *out = dorm_meta__field(m, name);
    if (!*out && strcmp(name, m->pk->f->name) == 0) *out = m->pk;
    if (*out || dorm_meta__m2m(m, name, len) || dorm_meta__reverse(m, name, len)) return DORM_OK;
    return dorm_ctx_fail(cx, DORM_EFIELD, "%s has no field named '%s'", m->model->name, name);
}

/* Resolves a NULL-terminated list of names into *out (a composite key as
 * its parts), with *n columns; *concrete is false when one names a relation
 * without a column.  "pk" stands for the primary key where `pk_alias`. */
static int resolve_fields(bulk_job *j, const char *const *names, bool pk_alias, const dorm_fmeta ***out, size_t *n,
                          bool *concrete) {
    *n = 0;
    *concrete = true;
    size_t cap = 0;
    for (size_t i = 0; names && names[i]; i++) cap += (size_t)j->m->pk->nparts + 1;
    if (!cap) return DORM_OK;
    *out = dorm_alloc(j->cx, sizeof **out * cap);
    if (!*out) return DORM_ENOMEM;
    for (size_t i = 0; names[i]; i++) {
        const dorm_fmeta *fm = NULL;
        int rc = pk_alias && strcmp(names[i], "pk") == 0 ? DORM_OK : named_field(j->cx, j->m, names[i], &fm);
        if (rc) return rc;
        if (!fm && pk_alias && strcmp(names[i], "pk") == 0) fm = j->m->pk;
        if (!fm)
            *concrete = false;
        else if (dorm_fmeta_composite(fm))
            for (int k = 0; k < fm->nparts; k++) (*out)[(*n)++] = fm->parts[k];
        else
            (*out)[(*n)++] = fm;
    }
    return DORM_OK;
}

/* Django's _check_bulk_create_options, after the field names resolved:
 * the conflict handling asked for, or an error. */
static int check_options(bulk_job *j, const dorm_bulk_create_opts *o, bool update_concrete, bool unique_concrete) {
    dorm_ctx *cx = j->cx;
    const dorm_dialect *d = cx->db->dialect;
    if (o->ignore_conflicts && o->update_conflicts)
        return dorm_ctx_fail(cx, DORM_EVALUE, "ignore_conflicts and update_conflicts are mutually exclusive.");
    if (o->ignore_conflicts) {
        if (!d->insert_ignore && !d->ignore_suffix)
            return dorm_ctx_fail(cx, DORM_ENOTSUPPORTED, "This database backend does not support ignoring conflicts.");
        j->conflict = CONFLICT_IGNORE;
        return DORM_OK;
    }
    if (!o->update_conflicts) return DORM_OK;
    if (!d->upsert || !d->upsert_set)
        return dorm_ctx_fail(cx, DORM_ENOTSUPPORTED, "This database backend does not support updating conflicts.");
    if (!o->update_fields || !o->update_fields[0])
        return dorm_ctx_fail(cx, DORM_EVALUE,
                             "Fields that will be updated when a row insertion fails on conflicts must be provided.");
    bool with_target = strstr(d->upsert, "%1") != NULL, unique = o->unique_fields && o->unique_fields[0];
    if (unique && !with_target)
        return dorm_ctx_fail(cx, DORM_ENOTSUPPORTED,
                             "This database backend does not support updating conflicts with "
                             "specifying unique fields that can trigger the upsert.");
    if (!unique && with_target)
        return dorm_ctx_fail(cx, DORM_EVALUE, "Unique fields that can trigger the upsert must be provided.");
    if (!update_concrete)
        return dorm_ctx_fail(cx, DORM_EVALUE, "bulk_create() can only be used with concrete fields in update_fields.");
    for (size_t i = 0; i < j->nupdate; i++)
        if (j->update[i]->f->primary_key || j->update[i] == j->m->pk || dorm_fmeta_composite(j->update[i]))
            return dorm_ctx_fail(cx, DORM_EVALUE, "bulk_create() cannot be used with primary keys in update_fields.");
    if (!unique_concrete)
        return dorm_ctx_fail(cx, DORM_EVALUE, "bulk_create() can only be used with concrete fields in unique_fields.");
    j->conflict = CONFLICT_UPDATE;
    return DORM_OK;
}

int dorm_bulk_create_(dorm_ctx *cx, const dorm_model *model, void *const *objs, size_t n, size_t batch_size) {
    return dorm_bulk_create_with_(cx, model, objs, n, &(dorm_bulk_create_opts){.batch_size = batch_size},
                                  sizeof(dorm_bulk_create_opts));
}

int dorm_bulk_create_with_(dorm_ctx *cx, const dorm_model *model, void *const *objs, size_t n,
                           const dorm_bulk_create_opts *opts, size_t opts_size) {
    dorm_bulk_create_opts opts_copy_;
    opts = dorm_opts__read(&opts_copy_, sizeof opts_copy_, opts, opts_size);
    static const dorm_bulk_create_opts defaults;
    const dorm_bulk_create_opts *o = opts ? opts : &defaults;
    dorm_qs *qs = dorm_qs_all(cx, model);
    if (!qs) return DORM_ENOMEM;
    dorm_error_clear(cx);
    if (qs->err) return dorm_qs__reraise(qs);
    /* One INSERT per batch cannot fill two tables (Django refuses too). */
    if (qs->meta->parent) return dorm_ctx_fail(cx, DORM_EVALUE, "Can't bulk create a multi-table inherited model");
    if (n == 0) return DORM_OK;
    bulk_job j = {.cx = cx, .m = qs->meta, .objs = objs, .n = n, .batch_size = o->batch_size};
    /* Django resolves the names first (unique_fields, then update_fields),
     * whatever the options they go with. */
    bool unique_concrete, update_concrete;
    int rc = resolve_fields(&j, o->unique_fields, true, &j.unique, &j.nunique, &unique_concrete);
    if (!rc) rc = resolve_fields(&j, o->update_fields, false, &j.update, &j.nupdate, &update_concrete);
    if (rc) return rc;
    dorm_route r;
    rc = dorm_route__write(cx, model, NULL, -1, &r);
    if (rc) return rc;
    /* The options are checked against the database written to. */
    rc = check_options(&j, o, update_concrete, unique_concrete);
    for (size_t i = 0; i < n && !rc; i++) {
        if (!objs[i]) rc = dorm_ctx_fail(cx, DORM_EVALUE, "bulk_create() got a NULL object at index %zu.", i);
        if (!rc) rc = adopt(cx, qs->meta, objs[i]);
        if (!rc && cx->dbs) rc = dorm_tenant__check(cx, objs[i]);
    }
    if (!rc) {
        for (size_t i = 0; i < n; i++) dorm_touch__auto_now(objs[i], true);
        dorm_progress__emit(cx, "bulk_create", j.m->label, 0, (int64_t)n);
        rc = dorm_in__transaction(cx, bulk_all, &j);
        dorm_progress__finish(cx, "bulk_create", j.m->label, rc ? (int64_t)j.done : (int64_t)n, (int64_t)n);
    }
    dorm_route__leave(cx, &r);
    return rc;
}
