/* save.c - creating and saving objects: Model() with defaults, create(),
 * save() deciding INSERT or UPDATE as Django does, save(update_fields),
 * refresh_from_db(), and auto_now / auto_now_add. */
#include <string.h>

#include "exec/route.h"

static int no_meta(void *obj) {
    dorm_object *h = obj;
    if (h && h->cx) return dorm_ctx_fail(h->cx, DORM_EVALUE, "Object was not made by dorm (dorm_new / dorm_create).");
    return DORM_EVALUE;
}

/* Writes a default into a member; text defaults are borrowed (static). */
static int apply_default(void *obj, const dorm_fmeta *fm) {
    dorm_value v = dorm_field__default(fm);
    if (v.type == DORM_T_NONE) return DORM_OK;
    dorm_object *h = obj;
    dorm_value prepared;
    if (dorm_prep__value(h->cx, fm, fm->value_kind, &v, &prepared)) return dorm_errcode(h->cx);
    return dorm_field__set(obj, fm, &prepared);
}

static const dorm_meta *instantiable(dorm_ctx *cx, const dorm_model *model);

void *dorm_new_(dorm_ctx *cx, const dorm_model *model) {
    const dorm_meta *m = instantiable(cx, model);
    if (!m) return NULL;
    void *obj = dorm_alloc(cx, m->model->size);
    if (!obj) return NULL;
    dorm_object__init(obj, m, cx, DORM_OBJ_ADDING);
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
        if (f->kind == DORM_KIND_DATE)
            v = dorm_v_date(d);
        else if (f->kind == DORM_KIND_TIME)
            v = dorm_v_time(t);
        else
            v = dorm_v_datetime(now);
        dorm_field__set(obj, &m->fields[i], &v);
    }
}

void dorm_touch__auto_now(void *obj, bool adding) { touch(obj, adding, NULL, 0); }

/* The field of obj standing for field fm of table model tm (obj is a tm,
 * or a child embedding tm's struct). */
static const dorm_fmeta *at(const void *obj, const dorm_fmeta *fm) { return dorm_field_in(dorm_meta_of_obj(obj), fm); }

/* Whether the key of table model tm is set on obj. */
static bool key_set(const void *obj, const dorm_meta *tm) {
    if (dorm_fmeta_composite(tm->pk)) return dorm_pk__is_set(obj);
    const dorm_fmeta *pk = at(obj, tm->pk);
    dorm_value v = dorm_field__get(obj, pk);
    if (v.type == DORM_T_NULL) return false;
    if (dorm_kind__is_auto(pk->f->kind)) return v.u.i != 0;
    return !dorm_member__is_zero(obj, pk);
}

/* Whether a field is written by INSERT (an unset auto key is not). */
static bool inserted(const void *obj, const dorm_meta *tm, const dorm_fmeta *fm) {
    if (fm == tm->pk && dorm_kind__is_auto(fm->f->kind)) return key_set(obj, tm);
    return true;
}

/* INSERT of the columns of tm's own table, from obj (a tm, or a child of
 * tm). */
static int insert_row(void *obj, const dorm_meta *tm) {
    dorm_object *h = obj;
    dorm_ctx *cx = h->cx;
    dorm_sql s;
    dorm_sql__init(&s, cx);
    dorm_buf_puts(&s.text, "INSERT INTO ");
    dorm_sql__name(&s, tm->db_table);
    int ncols = 0;
    for (int i = tm->first_local; i < tm->nfields; i++) {
        if (!inserted(obj, tm, &tm->fields[i])) continue;
        dorm_buf_puts(&s.text, ncols++ ? ", " : " (");
        dorm_sql__name(&s, tm->fields[i].column);
    }
    if (ncols) {
        dorm_buf_puts(&s.text, ") VALUES (");
        int k = 0;
        for (int i = tm->first_local; i < tm->nfields; i++) {
            if (!inserted(obj, tm, &tm->fields[i])) continue;
            if (k++) dorm_buf_puts(&s.text, ", ");
            dorm_value v = dorm_field__get(obj, at(obj, &tm->fields[i]));
            dorm_sql__param(&s, &v);
        }
        dorm_buf_putc(&s.text, ')');
    } else {
        /* Django's INSERT of an object with nothing but its automatic key. */
        const char *dflt = cx->db->dialect->pk_default_value;
        dorm_buf_puts(&s.text, " (");
        dorm_sql__name(&s, tm->pk->column);
        dorm_buf_printf(&s.text, ") VALUES (%s)", dflt ? dflt : "DEFAULT");
    }
    /* An auto key comes back through last_insert_id where the driver has it;
     * a composite key was given whole. */
    const dorm_driver *drv = cx->db->drv;
    const dorm_fmeta *pk = at(obj, tm->pk);
    bool composite = dorm_fmeta_composite(pk);
    bool by_rowid = drv->last_insert_id && dorm_kind__is_auto(pk->f->kind) && !key_set(obj, tm);
    if (!by_rowid && !composite) {
        dorm_buf_puts(&s.text, " RETURNING ");
        dorm_sql__name(&s, pk->column);
    }
    dorm_cached_stmt *cs;
    int rc = dorm__exec(cx, &s, &cs);
    if (rc >= 0) {
        if (rc == DORM_STEP_ROW) {
            rc = dorm_read__field(cx, &cx->arena, obj, pk, cs, 0);
            /* Run the statement out so the INSERT completes. */
            if (rc == DORM_OK) rc = dorm_exec__step(cx, cs);
        } else if (by_rowid) {
            *(int64_t *)dorm_member(obj, pk) = drv->last_insert_id(cs->stmt);
        }
        dorm_db__release(cx->db, cs);
    }
    dorm_sql__free(&s);
    return rc < 0 ? rc : DORM_OK;
}

/* UPDATE of the given fields of obj (columns of tm's table) by tm's key;
 * the rows matched. */
static int64_t update_row(void *obj, const dorm_meta *tm, const dorm_fmeta *const *fields, size_t n) {
    dorm_object *h = obj;
    dorm_sql s;
    dorm_sql__init(&s, h->cx);
    dorm_buf_puts(&s.text, "UPDATE ");
    dorm_sql__name(&s, tm->db_table);
    dorm_buf_puts(&s.text, " SET ");
    for (size_t i = 0; i < n; i++) {
        if (i) dorm_buf_puts(&s.text, ", ");
        dorm_sql__name(&s, fields[i]->column);
        dorm_buf_puts(&s.text, " = ");
        dorm_value v = dorm_field__get(obj, fields[i]);
        dorm_sql__param(&s, &v);
    }
    dorm_buf_puts(&s.text, " WHERE ");
    const dorm_fmeta *pk = tm->pk;
    for (int i = 0; i < (dorm_fmeta_composite(pk) ? pk->nparts : 1); i++) {
        const dorm_fmeta *col = dorm_fmeta_composite(pk) ? pk->parts[i] : pk;
        if (i) dorm_buf_puts(&s.text, " AND ");
        dorm_sql__name(&s, col->column);
        dorm_buf_puts(&s.text, " = ");
        dorm_value v = dorm_field__get(obj, at(obj, col));
        dorm_sql__param(&s, &v);
    }
    int64_t rc = dorm_exec__change(h->cx, &s);
    dorm_sql__free(&s);
    return rc;
}

/* Whether tm's table has a row with obj's key (Django's _do_update when it
 * has nothing to update). */
static int row_exists(void *obj, const dorm_meta *tm) {
    dorm_object *h = obj;
    dorm_value pk = dorm_fmeta_composite(tm->pk) ? dorm_pk__value(obj) : dorm_field__get(obj, at(obj, tm->pk));
    dorm_qs *qs = dorm_qs_all(h->cx, tm->model);
    return dorm_exists(dorm_qs_filter(qs, (const dorm_q *const[]){&(const dorm_q){DORM_Q_LEAF, "pk", pk, NULL}, NULL}));
}

/* Whether field fm is the key pk, or one of a composite key's parts
 * (Django 5.2 updates neither). */
static bool key_part(const dorm_fmeta *pk, const dorm_fmeta *fm) {
    for (int i = 0; dorm_fmeta_composite(pk) && i < pk->nparts; i++)
        if (pk->parts[i] == fm) return true;
    return pk == fm;
}

/* One save: per table, an UPDATE, or an INSERT when it matched nothing; a
 * multi-table model's parents first (Django's _save_parents), all in one
 * block.  No savepoint: a failure inside an atomic block marks the block
 * for rollback (run.c), as Django's save() does. */
typedef struct save_job {
    void *obj;
    const dorm_fmeta *const *fields; /* update_fields, or NULL: all       */
    size_t n;
    bool force_update;
    bool force_insert; /* create()                                      */
    bool raw; /* loaddata: the model's own table only          */
    bool inserted; /* out: post_save's `created`                    */
} save_job;

/* Django's _save_table for table model tm: *updated says whether a row
 * was there to update. */
static int save_table(save_job *j, const dorm_meta *tm, bool force_insert, bool *updated) {
    dorm_object *h = j->obj;
    bool adding = h->flags & DORM_OBJ_ADDING;
    *updated = false;
    if (key_set(j->obj, tm) && !force_insert && !(adding && dorm_field__has_default(tm->pk))) {
        const dorm_fmeta *fields[64];
        size_t n = 0;
        for (int i = tm->first_local; i < tm->nfields; i++) {
            const dorm_fmeta *fm = at(j->obj, &tm->fields[i]);
            bool listed = !j->fields;
            for (size_t k = 0; k < j->n && !listed; k++) listed = j->fields[k] == fm;
            /* An object loaded with only()/defer() saves its loaded fields (Django). */
            if (!key_part(tm->pk, &tm->fields[i]) && listed && !(h->deferred & ((uint64_t)1 << fm->index)) && n < 64)
                fields[n++] = fm;
        }
        int64_t matched;
        if (n == 0)
            matched = j->fields ? 1 : row_exists(j->obj, tm);
        else
            matched = update_row(j->obj, tm, fields, n);
        if (matched < 0) return (int)matched;
        if (matched > 0) {
            *updated = true;
            return DORM_OK;
        }
        /* Django raises DatabaseError here; the row is gone, so dorm says DoesNotExist. */
        if (j->force_update)
            return dorm_ctx_fail(h->cx, DORM_EDOESNOTEXIST, "Save with update_fields did not affect any rows.");
    }
    return insert_row(j->obj, tm);
}

/* Django's _save_parents: each parent's row (its own parents first), then
 * the child's link to it. */
static int save_parents(save_job *j, const dorm_meta *m, bool *inserted) {
    const dorm_meta *p = m->parent;
    if (!p || !m->parent_link) return DORM_OK;
    void *obj = j->obj;
    const dorm_fmeta *link_field = at(obj, m->parent_link);
    dorm_value link = dorm_field__get(obj, link_field);
    if (!key_set(obj, p) && link.type != DORM_T_NULL && dorm_field__set(obj, at(obj, p->pk), &link))
        return dorm_ctx_fail(((dorm_object *)obj)->cx, DORM_EVALUE, "The parent link of %s does not hold %s's key.",
                             m->model->name, p->model->name);
    bool parent_inserted = false, updated;
    int rc = save_parents(j, p, &parent_inserted);
    if (!rc) rc = save_table(j, p, parent_inserted, &updated);
    if (rc) return rc;
    if (!updated) *inserted = true;
    dorm_value key = dorm_field__get(obj, at(obj, p->pk));
    return dorm_field__set(obj, link_field, &key);
}

static int save_tables(void *payload) {
    save_job *j = payload;
    const dorm_meta *m = dorm_meta_of_obj(j->obj);
    bool parent_inserted = false, updated;
    int rc = j->raw ? DORM_OK : save_parents(j, m, &parent_inserted);
    if (!rc) rc = save_table(j, m, j->force_insert || parent_inserted, &updated);
    if (rc) return rc;
    j->inserted = !updated;
    dorm_object *h = j->obj;
    h->flags =
        (h->flags & ~(uint32_t)(DORM_OBJ_ADDING | DORM_OBJ_DB_MASK)) | DORM_OBJ_FROM_DB | dorm_route_obj_flag(h->cx);
    return DORM_OK;
}

static int do_save(save_job *j) {
    dorm_object *h = j->obj;
    const dorm_meta *m = h->meta;
    /* A multi-table model writes several tables: all or none. */
    if (m->parent && !j->raw) return dorm_in__block(h->cx, false, save_tables, j);
    return save_tables(j);
}

/* save_base(): pre_save, the fields' own pre_save (auto_now, unless raw),
 * the write, post_save - Django's order. */
static int save_signalled(save_job *j, const char *const *update_fields) {
    dorm_object *h = j->obj;
    dorm_route r;
    int rc = dorm_route__save(j->obj, &r);
    if (rc) return rc;
    rc = dorm_signal__save(j->obj, DORM_PRE_SAVE, false, j->raw, update_fields);
    if (!rc && !j->raw && j->fields)
        touch(j->obj, false, j->fields, j->n);
    else if (!rc && !j->raw)
        dorm_touch__auto_now(j->obj, h->flags & DORM_OBJ_ADDING);
    if (!rc) rc = do_save(j);
    if (!rc) rc = dorm_signal__save(j->obj, DORM_POST_SAVE, j->inserted, j->raw, update_fields);
    dorm_route__leave(h->cx, &r);
    return rc;
}

static int save_all(void *obj, bool raw) {
    dorm_object *h = obj;
    if (!h || !h->meta) return no_meta(obj);
    dorm_error_clear(h->cx);
    save_job j = {.obj = obj, .raw = raw};
    return save_signalled(&j, NULL);
}

int dorm_save(void *obj) { return save_all(obj, false); }

int dorm_save__raw(void *obj) { return save_all(obj, true); }

int dorm_save_fields_(void *obj, const char *const *names) {
    dorm_object *h = obj;
    if (!h || !h->meta) return no_meta(obj);
    dorm_error_clear(h->cx);
    const dorm_meta *m = h->meta;
    const dorm_fmeta *fields[64];
    size_t n = 0;
    for (size_t i = 0; names && names[i]; i++) {
        const dorm_fmeta *fm = dorm_meta__field(m, names[i]);
        if (!fm || fm->f->primary_key)
            return dorm_ctx_fail(h->cx, DORM_EVALUE,
                                 "The following fields do not exist in this model, are m2m fields, or are non-concrete "
                                 "fields: %s",
                                 names[i]);
        if (n < 64) fields[n++] = fm;
    }
    if (n == 0) return DORM_OK;
    if (!dorm_pk__is_set(obj))
        return dorm_ctx_fail(h->cx, DORM_EVALUE, "Cannot force an update in save() with no primary key.");
    /* Django's pre_save runs for the listed fields only: an unlisted auto_now
     * field keeps its value, in memory and in the database. */
    save_job j = {.obj = obj, .fields = fields, .n = n, .force_update = true};
    return save_signalled(&j, names);
}

/* Abstract models have no table and no objects (Django's TypeError). */
static const dorm_meta *instantiable(dorm_ctx *cx, const dorm_model *model) {
    if (cx && model && model->abstract) {
        dorm_ctx_fail(cx, DORM_EVALUE, "Abstract models cannot be instantiated.");
        return NULL;
    }
    return cx ? dorm_model__meta(cx, model) : NULL;
}

void *dorm_create_(dorm_ctx *cx, const dorm_model *model, const void *init) {
    const dorm_meta *m = instantiable(cx, model);
    if (!m) return NULL;
    void *obj = dorm_arena__alloc(&cx->arena, m->model->size);
    if (!obj) {
        dorm_ctx_fail(cx, DORM_ENOMEM, "out of memory");
        return NULL;
    }
    memcpy(obj, init, m->model->size);
    dorm_object__init(obj, m, cx, DORM_OBJ_ADDING);
    dorm_object *h = obj;
    h->nulls = 0;
    h->deferred = 0;
    h->ext = NULL;
    for (int i = 0; i < m->nfields; i++) {
        const dorm_fmeta *fm = &m->fields[i];
        if (!dorm_member__is_zero(obj, fm)) continue;
        if (dorm_field__has_default(fm) || dorm_kind_is_text(fm->f->kind)) {
            if (apply_default(obj, fm)) return NULL;
        } else if (fm->f->null && fm != m->pk) {
            dorm_value null = dorm_v_null();
            dorm_field__set(obj, fm, &null);
        }
    }
    dorm_error_clear(cx);
    /* create() forces an INSERT (Django's force_insert=True). */
    save_job j = {.obj = obj, .force_insert = true};
    return save_signalled(&j, NULL) < 0 ? NULL : obj;
}

int dorm_refresh(void *obj) {
    dorm_object *h = obj;
    if (!h || !h->meta) return no_meta(obj);
    dorm_ctx *cx = h->cx;
    dorm_error_clear(cx);
    const dorm_meta *m = h->meta;
    dorm_qs *qs = dorm_qs_base(cx, m->model);
    dorm_value pk = dorm_pk__value(obj);
    qs = dorm_qs_filter(qs, (const dorm_q *const[]){&(const dorm_q){DORM_Q_LEAF, "pk", pk, NULL}, NULL});
    qs = dorm_clear_ordering(qs);
    if (!qs || qs->err) return qs ? dorm_qs__reraise(qs) : DORM_ENOMEM;
    /* Django's refresh_from_db reads with the instance as the routers' hint. */
    dorm_route r;
    qs->hint = obj;
    if (dorm_route__qs(qs, false, &r)) return dorm_errcode(cx);
    dorm_sql s;
    dorm_sql__init(&s, cx);
    int rc = dorm_compile__select(qs, DORM_SELECT_ROWS, &s);
    if (rc == DORM_COMPILED) {
        dorm_cached_stmt *cs;
        rc = dorm__exec(cx, &s, &cs);
        bool held = rc >= 0;
        if (rc == DORM_STEP_DONE)
            rc = dorm_ctx_fail(cx, DORM_EDOESNOTEXIST, "%s matching query does not exist.", m->model->name);
        for (int i = 0; rc == DORM_STEP_ROW && i < m->nfields; i++)
            if (dorm_read__field(cx, &cx->arena, obj, &m->fields[i], cs, i)) rc = dorm_errcode(cx);
        if (rc == DORM_STEP_ROW) h->deferred = 0;
        if (held) dorm_db__release(cx->db, cs);
    }
    dorm_sql__free(&s);
    dorm_route__leave(cx, &r);
    return rc < 0 ? rc : DORM_OK;
}
