/* bulk.c - bulk_create(): multi-row INSERT ... RETURNING in batches that fit
 * the backend's parameter limit, filling every object's primary key, all in
 * one transaction.  Objects may come from dorm_new or be plain structs. */
#include <string.h>

#include "exec/route.h"

typedef struct bulk_job {
    dorm_ctx *cx;
    const dorm_meta *m;
    void *const *objs;
    size_t n;
    size_t batch_size;
    size_t done;                /* objects inserted, for progress reports */
} bulk_job;

/* Inserts objs[off..off+n), all with (with_pk) or all without an auto key. */
static int insert_batch(bulk_job *j, void *const *objs, size_t n, bool with_pk) {
    const dorm_meta *m = j->m;
    dorm_sql s;
    dorm_sql_init(&s, j->cx);
    dorm_buf_puts(&s.text, "INSERT INTO ");
    dorm_sql_name(&s, m->db_table);
    int ncols = 0;
    for (int i = 0; i < m->nfields; i++) {
        if (&m->fields[i] == m->pk && !with_pk) continue;
        dorm_buf_puts(&s.text, ncols++ ? ", " : " (");
        dorm_sql_name(&s, m->fields[i].column);
    }
    dorm_buf_puts(&s.text, ") VALUES ");
    for (size_t r = 0; r < n; r++) {
        dorm_buf_puts(&s.text, r ? ", (" : "(");
        int k = 0;
        for (int i = 0; i < m->nfields; i++) {
            if (&m->fields[i] == m->pk && !with_pk) continue;
            if (k++) dorm_buf_puts(&s.text, ", ");
            dorm_value v = dorm_field_get(objs[r], &m->fields[i]);
            dorm_sql_param(&s, &v);
        }
        dorm_buf_putc(&s.text, ')');
    }
    if (dorm_fmeta_composite(m->pk)) {
        /* A composite key is given whole: nothing to read back. */
        int64_t changed = dorm_exec_change(j->cx, &s);
        dorm_sql_free(&s);
        for (size_t r = 0; changed >= 0 && r < n; r++) {
            dorm_object *h = objs[r];
            h->flags = (h->flags & ~(uint32_t)DORM_OBJ_ADDING) | DORM_OBJ_FROM_DB;
        }
        return changed < 0 ? (int)changed : DORM_OK;
    }
    dorm_buf_puts(&s.text, " RETURNING ");
    dorm_sql_name(&s, m->pk->column);
    dorm_cached_stmt *cs;
    int rc = dorm_exec(j->cx, &s, &cs);
    size_t r = 0;
    bool held = rc >= 0;
    while (rc == DORM_STEP_ROW && r < n) {
        dorm_object *h = objs[r];
        rc = dorm_read_field(j->cx, &j->cx->arena, objs[r], m->pk, cs, 0);
        h->flags = (h->flags & ~(uint32_t)(DORM_OBJ_ADDING | DORM_OBJ_DB_MASK)) | DORM_OBJ_FROM_DB |
                   dorm_route_obj_flag(j->cx);
        r++;
        if (rc == DORM_OK) rc = dorm_exec_step(j->cx, cs);
    }
    if (held) dorm_db_release(j->cx->db, cs);
    dorm_sql_free(&s);
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
        dorm_progress_emit(j->cx, "bulk_create", j->m->label, (int64_t)j->done, (int64_t)j->n);
    }
    return DORM_OK;
}

static int bulk_all(void *payload) {
    bulk_job *j = payload;
    void **with = dorm_alloc(j->cx, sizeof(void *) * j->n), **without = dorm_alloc(j->cx, sizeof(void *) * j->n);
    if (!with || !without) return DORM_ENOMEM;
    size_t nw = 0, nwo = 0;
    bool auto_pk = dorm_kind_is_auto(j->m->pk->f->kind);
    for (size_t i = 0; i < j->n; i++) {
        if (auto_pk && !dorm_pk_is_set(j->objs[i])) without[nwo++] = j->objs[i];
        else with[nw++] = j->objs[i];
    }
    int rc = insert_group(j, with, nw, true);
    return rc ? rc : insert_group(j, without, nwo, false);
}

/* Gives a plain struct the header and defaults dorm_create would. */
static int adopt(dorm_ctx *cx, const dorm_meta *m, void *obj) {
    dorm_object *h = obj;
    if (h->meta == m) return DORM_OK;
    if (h->meta) return dorm_fail(cx, DORM_EVALUE, "bulk_create() objects must all be %s instances.", m->label);
    dorm_object_init(obj, m, cx, DORM_OBJ_ADDING);
    h->nulls = 0;
    for (int i = 0; i < m->nfields; i++) {
        const dorm_fmeta *fm = &m->fields[i];
        if (!dorm_member_is_zero(obj, fm) || fm == m->pk) continue;
        dorm_value d = dorm_field_default(fm), v;
        if (d.type == DORM_T_NONE) continue;
        if (dorm_prep_value(cx, fm, fm->value_kind, &d, &v) || dorm_field_set(obj, fm, &v)) return dorm_errcode(cx);
    }
    return DORM_OK;
}

int dorm_bulk_create_(dorm_ctx *cx, const dorm_model *model, void *const *objs, size_t n, size_t batch_size) {
    dorm_qs *qs = dorm_qs_all(cx, model);
    if (!qs) return DORM_ENOMEM;
    dorm_error_clear(cx);
    if (qs->err) return dorm_qs_reraise(qs);
    /* One INSERT per batch cannot fill two tables (Django refuses too). */
    if (qs->meta->parent) return dorm_fail(cx, DORM_EVALUE, "Can't bulk create a multi-table inherited model");
    if (n == 0) return DORM_OK;
    for (size_t i = 0; i < n; i++) {
        if (!objs[i]) return dorm_fail(cx, DORM_EVALUE, "bulk_create() got a NULL object at index %zu.", i);
        int rc = adopt(cx, qs->meta, objs[i]);
        if (!rc && cx->dbs) rc = dorm_tenant_check(cx, objs[i]);
        if (rc) return rc;
        dorm_touch_auto_now(objs[i], true);
    }
    bulk_job j = {cx, qs->meta, objs, n, batch_size, 0};
    dorm_route r;
    int rc = dorm_route_write(cx, model, NULL, -1, &r);
    if (rc) return rc;
    dorm_progress_emit(cx, "bulk_create", j.m->label, 0, (int64_t)n);
    rc = dorm_in_transaction(cx, bulk_all, &j);
    dorm_progress_finish(cx, "bulk_create", j.m->label, rc ? (int64_t)j.done : (int64_t)n, (int64_t)n);
    dorm_route_leave(cx, &r);
    return rc;
}
