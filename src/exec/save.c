/* save.c - creating and saving objects: Model() with defaults, create(),
 * save() deciding INSERT or UPDATE as Django does, save(update_fields),
 * refresh_from_db(), and auto_now / auto_now_add. */
#include <string.h>

#include "exec/exec.h"

static int no_meta(void *obj) {
    dorm_object *h = obj;
    if (h && h->cx) return dorm_fail(h->cx, DORM_EVALUE, "Object was not made by dorm (dorm_new / dorm_create).");
    return DORM_EVALUE;
}

/* Writes a default into a member; text defaults are borrowed (static). */
static int apply_default(void *obj, const dorm_fmeta *fm) {
    dorm_value v = dorm_field_default(fm);
    if (v.type == DORM_T_NONE) return DORM_OK;
    dorm_object *h = obj;
    dorm_value prepared;
    if (dorm_prep_value(h->cx, fm, fm->value_kind, &v, &prepared)) return dorm_errcode(h->cx);
    return dorm_field_set(obj, fm, &prepared);
}

void *dorm_new_(dorm_ctx *cx, const dorm_model *model) {
    const dorm_meta *m = cx ? dorm_model_meta(cx, model) : NULL;
    if (!m) return NULL;
    void *obj = dorm_alloc(cx, m->model->size);
    if (!obj) return NULL;
    dorm_object_init(obj, m, cx, DORM_OBJ_ADDING);
    for (int i = 0; i < m->nfields; i++)
        if (apply_default(obj, &m->fields[i])) return NULL;
    return obj;
}

/* Sets the auto fields among `only` (all fields when NULL) to now. */
static void touch(void *obj, bool adding, const dorm_fmeta *const *only, size_t nonly) {
    const dorm_meta *m = dorm_meta_of_obj(obj);
    dorm_datetime now = {0};
    bool have = false;
    for (int i = 0; i < m->nfields; i++) {
        const dorm_field *f = m->fields[i].f;
        if (!(f->auto_now || (f->auto_now_add && adding))) continue;
        bool listed = !only;
        for (size_t k = 0; k < nonly; k++) listed = listed || only[k] == &m->fields[i];
        if (!listed) continue;
        if (!have) {
            now = dorm_datetime_now();
            have = true;
        }
        dorm_value v;
        dorm_date d;
        dorm_time t;
        dorm_datetime_split(now, &d, &t);
        if (f->kind == DORM_KIND_DATE) v = dorm_v_date(d);
        else if (f->kind == DORM_KIND_TIME) v = dorm_v_time(t);
        else v = dorm_v_datetime(now);
        dorm_field_set(obj, &m->fields[i], &v);
    }
}

void dorm_touch_auto_now(void *obj, bool adding) { touch(obj, adding, NULL, 0); }

/* Whether a field is written by INSERT (an unset auto key is not). */
static bool inserted(const void *obj, const dorm_fmeta *fm) {
    if (fm == dorm_meta_of_obj(obj)->pk && dorm_kind_is_auto(fm->f->kind)) return dorm_pk_is_set(obj);
    return true;
}

int dorm_insert_one(void *obj) {
    dorm_object *h = obj;
    const dorm_meta *m = h->meta;
    dorm_ctx *cx = h->cx;
    dorm_sql s;
    dorm_sql_init(&s, cx);
    dorm_buf_puts(&s.text, "INSERT INTO ");
    dorm_sql_name(&s, m->db_table);
    int ncols = 0;
    for (int i = 0; i < m->nfields; i++) {
        if (!inserted(obj, &m->fields[i])) continue;
        dorm_buf_puts(&s.text, ncols++ ? ", " : " (");
        dorm_sql_name(&s, m->fields[i].column);
    }
    if (ncols) {
        dorm_buf_puts(&s.text, ") VALUES (");
        int k = 0;
        for (int i = 0; i < m->nfields; i++) {
            if (!inserted(obj, &m->fields[i])) continue;
            if (k++) dorm_buf_puts(&s.text, ", ");
            dorm_value v = dorm_field_get(obj, &m->fields[i]);
            dorm_sql_param(&s, &v);
        }
        dorm_buf_putc(&s.text, ')');
    } else {
        /* Django's INSERT of an object with nothing but its automatic key. */
        const char *dflt = cx->db->dialect->pk_default_value;
        dorm_buf_puts(&s.text, " (");
        dorm_sql_name(&s, m->pk->column);
        dorm_buf_printf(&s.text, ") VALUES (%s)", dflt ? dflt : "DEFAULT");
    }
    /* An auto key comes back through last_insert_id where the driver has it. */
    const dorm_driver *drv = cx->db->drv;
    bool by_rowid = drv->last_insert_id && dorm_kind_is_auto(m->pk->f->kind) && !dorm_pk_is_set(obj);
    if (!by_rowid) {
        dorm_buf_puts(&s.text, " RETURNING ");
        dorm_sql_name(&s, m->pk->column);
    }
    dorm_cached_stmt *cs;
    int rc = dorm_exec(cx, &s, &cs);
    if (rc >= 0) {
        if (rc == DORM_STEP_ROW) {
            rc = dorm_read_field(cx, &cx->arena, obj, m->pk, cs, 0);
            /* Run the statement out so the INSERT completes. */
            if (rc == DORM_OK) rc = dorm_exec_step(cx, cs);
        } else if (by_rowid) {
            *(int64_t *)dorm_member(obj, m->pk) = drv->last_insert_id(cs->stmt);
        }
        dorm_db_release(cx->db, cs);
    }
    dorm_sql_free(&s);
    if (rc < 0) return rc;
    h->flags = (h->flags & ~(uint32_t)DORM_OBJ_ADDING) | DORM_OBJ_FROM_DB;
    return DORM_OK;
}

/* UPDATE of the given fields by primary key; the number of rows matched. */
static int64_t update_row(void *obj, const dorm_fmeta *const *fields, size_t n) {
    dorm_object *h = obj;
    const dorm_meta *m = h->meta;
    dorm_sql s;
    dorm_sql_init(&s, h->cx);
    dorm_buf_puts(&s.text, "UPDATE ");
    dorm_sql_name(&s, m->db_table);
    dorm_buf_puts(&s.text, " SET ");
    for (size_t i = 0; i < n; i++) {
        if (i) dorm_buf_puts(&s.text, ", ");
        dorm_sql_name(&s, fields[i]->column);
        dorm_buf_puts(&s.text, " = ");
        dorm_value v = dorm_field_get(obj, fields[i]);
        dorm_sql_param(&s, &v);
    }
    dorm_buf_puts(&s.text, " WHERE ");
    dorm_sql_name(&s, m->pk->column);
    dorm_buf_puts(&s.text, " = ");
    dorm_value pk = dorm_pk_value(obj);
    dorm_sql_param(&s, &pk);
    int64_t rc = dorm_exec_change(h->cx, &s);
    dorm_sql_free(&s);
    return rc;
}

/* One save: an UPDATE, or an INSERT when it matched nothing.  No savepoint:
 * a failure inside an atomic block marks the block for rollback (run.c), as
 * Django's save() does. */
typedef struct save_job {
    void *obj;
    const dorm_fmeta *const *fields;
    size_t n;
    bool force_update;
} save_job;

static int do_save(void *payload) {
    save_job *j = payload;
    dorm_object *h = j->obj;
    const dorm_meta *m = h->meta;
    bool adding = h->flags & DORM_OBJ_ADDING;
    if (dorm_pk_is_set(j->obj) && !(adding && dorm_field_has_default(m->pk))) {
        const dorm_fmeta *all[64];
        size_t n = j->n;
        const dorm_fmeta *const *fields = j->fields;
        if (!fields) {
            /* An object loaded with only()/defer() saves its loaded fields (Django). */
            n = 0;
            for (int i = 0; i < m->nfields; i++)
                if (&m->fields[i] != m->pk && !(h->deferred & ((uint64_t)1 << i))) all[n++] = &m->fields[i];
            fields = all;
        }
        if (n == 0) return DORM_OK;
        int64_t matched = update_row(j->obj, fields, n);
        if (matched < 0) return (int)matched;
        if (matched > 0) {
            h->flags = (h->flags & ~(uint32_t)DORM_OBJ_ADDING) | DORM_OBJ_FROM_DB;
            return DORM_OK;
        }
        /* Django raises DatabaseError here; the row is gone, so dorm says DoesNotExist. */
        if (j->force_update)
            return dorm_fail(h->cx, DORM_EDOESNOTEXIST, "Save with update_fields did not affect any rows.");
    }
    return dorm_insert_one(j->obj);
}


int dorm_save(void *obj) {
    dorm_object *h = obj;
    if (!h || !h->meta) return no_meta(obj);
    dorm_error_clear(h->cx);
    dorm_touch_auto_now(obj, h->flags & DORM_OBJ_ADDING);
    save_job j = {obj, NULL, 0, false};
    return do_save(&j);
}

int dorm_save_fields_(void *obj, const char *const *names) {
    dorm_object *h = obj;
    if (!h || !h->meta) return no_meta(obj);
    dorm_error_clear(h->cx);
    const dorm_meta *m = h->meta;
    const dorm_fmeta *fields[64];
    size_t n = 0;
    for (size_t i = 0; names && names[i]; i++) {
        const dorm_fmeta *fm = dorm_meta_field(m, names[i]);
        if (!fm || fm == m->pk)
            return dorm_fail(h->cx, DORM_EVALUE,
                             "The following fields do not exist in this model, are m2m fields, or are non-concrete "
                             "fields: %s",
                             names[i]);
        if (n < 64) fields[n++] = fm;
    }
    if (n == 0) return DORM_OK;
    if (!dorm_pk_is_set(obj))
        return dorm_fail(h->cx, DORM_EVALUE, "Cannot force an update in save() with no primary key.");
    /* Django's pre_save runs for the listed fields only: an unlisted auto_now
     * field keeps its value, in memory and in the database. */
    touch(obj, false, fields, n);
    save_job j = {obj, fields, n, true};
    return do_save(&j);
}

void *dorm_create_(dorm_ctx *cx, const dorm_model *model, const void *init) {
    const dorm_meta *m = cx ? dorm_model_meta(cx, model) : NULL;
    if (!m) return NULL;
    void *obj = dorm_arena_alloc(&cx->arena, m->model->size);
    if (!obj) {
        dorm_fail(cx, DORM_ENOMEM, "out of memory");
        return NULL;
    }
    if (!obj) return NULL;
    memcpy(obj, init, m->model->size);
    dorm_object_init(obj, m, cx, DORM_OBJ_ADDING);
    dorm_object *h = obj;
    h->nulls = 0;
    h->deferred = 0;
    h->ext = NULL;
    for (int i = 0; i < m->nfields; i++) {
        const dorm_fmeta *fm = &m->fields[i];
        if (!dorm_member_is_zero(obj, fm)) continue;
        if (dorm_field_has_default(fm) || dorm_kind_is_text(fm->f->kind)) {
            if (apply_default(obj, fm)) return NULL;
        } else if (fm->f->null && fm != m->pk) {
            dorm_value null = dorm_v_null();
            dorm_field_set(obj, fm, &null);
        }
    }
    dorm_error_clear(cx);
    dorm_touch_auto_now(obj, true);
    /* create() forces an INSERT (Django's force_insert=True). */
    int rc = dorm_insert_one(obj);
    return rc < 0 ? NULL : obj;
}

int dorm_refresh(void *obj) {
    dorm_object *h = obj;
    if (!h || !h->meta) return no_meta(obj);
    dorm_ctx *cx = h->cx;
    dorm_error_clear(cx);
    const dorm_meta *m = h->meta;
    dorm_qs *qs = dorm_qs_all(cx, m->model);
    dorm_value pk = dorm_pk_value(obj);
    qs = dorm_qs_filter(qs, (const dorm_q *const[]){&(const dorm_q){DORM_Q_LEAF, "pk", pk, NULL}, NULL});
    qs = dorm_clear_ordering(qs);
    if (!qs || qs->err) return qs ? dorm_qs_reraise(qs) : DORM_ENOMEM;
    dorm_sql s;
    dorm_sql_init(&s, cx);
    int rc = dorm_compile_select(qs, DORM_SELECT_ROWS, &s);
    if (rc == DORM_COMPILED) {
        dorm_cached_stmt *cs;
        rc = dorm_exec(cx, &s, &cs);
        bool held = rc >= 0;
        if (rc == DORM_STEP_DONE)
            rc = dorm_fail(cx, DORM_EDOESNOTEXIST, "%s matching query does not exist.", m->model->name);
        for (int i = 0; rc == DORM_STEP_ROW && i < m->nfields; i++)
            if (dorm_read_field(cx, &cx->arena, obj, &m->fields[i], cs, i)) rc = dorm_errcode(cx);
        if (rc == DORM_STEP_ROW) h->deferred = 0;
        if (held) dorm_db_release(cx->db, cs);
    }
    dorm_sql_free(&s);
    return rc < 0 ? rc : DORM_OK;
}
