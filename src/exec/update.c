/* update.c - qs.update(field=value) as one UPDATE returning the rows matched,
 * and bulk_update(objs, fields) as batched UPDATE ... SET f = CASE WHEN pk =
 * ... THEN ... END, all in one transaction. */
#include <string.h>

#include "exec/exec.h"

/* Resolves an update target on the base model (Django's add_update_values). */
static const dorm_fmeta *update_field(dorm_qs *qs, const char *name) {
    const dorm_fmeta *fm = strcmp(name, "pk") == 0 ? qs->meta->pk : dorm_meta_field(qs->meta, name);
    if (!fm) {
        if (strstr(name, "__"))
            dorm_fail(qs->cx, DORM_EFIELD, "Cannot update model field '%s' (only non-relations and foreign keys permitted).",
                      name);
        else
            dorm_fail(qs->cx, DORM_EFIELD, "Cannot resolve keyword '%s' into field. Choices are: %s", name,
                      qs->meta->choices_list);
    }
    return fm;
}

int64_t dorm_qs_update(dorm_qs *qs, const dorm_set *const *sets) {
    if (!qs) return -1;
    dorm_error_clear(qs->cx);
    if (qs->err) return dorm_qs_reraise(qs);
    if (qs->combinator) return dorm_qs_reraise(dorm_qs_combined_refuse(dorm_qs_clone(qs), "update"));
    if (qs->low > 0 || qs->high >= 0) return dorm_fail(qs->cx, DORM_EVALUE, "Cannot update a query once a slice has been taken.");
    size_t n = 0;
    while (sets && sets[n]) n++;
    if (n == 0) return 0;
    if (n > 64) return dorm_fail(qs->cx, DORM_EVALUE, "Too many fields in one update().");
    const dorm_fmeta *fields[64];
    dorm_value values[64];
    const dorm_rexpr *exprs[64];
    dorm_qs *target = dorm_clear_ordering(qs);
    if (!target || target->err) return target ? dorm_qs_reraise(target) : DORM_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        fields[i] = update_field(qs, sets[i]->field);
        if (!fields[i]) return dorm_errcode(qs->cx);
        exprs[i] = NULL;
        if (sets[i]->value.type == DORM_T_EXPR) {
            /* F("pages") + 10: columns of the updated table only, as Django. */
            int joins = target->njoins;
            if (dorm_expr_resolve(target, sets[i]->value.u.p, &exprs[i])) return dorm_qs_reraise(target);
            if (target->njoins != joins || dorm_rexpr_joins(exprs[i]))
                return dorm_fail(qs->cx, DORM_EFIELD, "Joined field references are not permitted in this query");
            if (exprs[i]->aggregate)
                return dorm_fail(qs->cx, DORM_EFIELD, "Aggregate functions are not allowed in this query");
            continue;
        }
        int rc = dorm_prep_value(qs->cx, fields[i], fields[i]->value_kind, &sets[i]->value, &values[i]);
        if (rc) return rc;
    }
    dorm_sql s;
    dorm_sql_init(&s, qs->cx);
    int rc = dorm_compile_update(target, fields, values, exprs, n, &s);
    int64_t changed = rc == DORM_COMPILED ? dorm_exec_change(qs->cx, &s) : rc == DORM_COMPILED_EMPTY ? 0 : rc;
    dorm_sql_free(&s);
    return changed;
}

typedef struct bulk_update_job {
    dorm_ctx *cx;
    const dorm_meta *m;
    void *const *objs;
    size_t n;
    const dorm_fmeta *fields[64];
    size_t nfields;
    size_t batch;
    int64_t rows;
} bulk_update_job;

/* The type a CASE is cast to where the dialect needs it: the column's own. */
static void cast_type(dorm_sql *s, const dorm_fmeta *fm) {
    const dorm_field *f = fm->f;
    dorm_column_def c = {.name = fm->column, .kind = f->kind, .max_length = f->max_length,
                         .max_digits = f->max_digits, .decimal_places = f->decimal_places};
    if (f->kind == DORM_KIND_FK && fm->target_pk) c.ref_kind = fm->target_pk->f->kind;
    s->d->column_type(&s->text, &c);
}

static int bulk_update_batch(bulk_update_job *j, size_t off, size_t n) {
    const dorm_meta *m = j->m;
    dorm_sql s;
    dorm_sql_init(&s, j->cx);
    dorm_buf_puts(&s.text, "UPDATE ");
    dorm_sql_name(&s, m->db_table);
    dorm_buf_puts(&s.text, " SET ");
    for (size_t f = 0; f < j->nfields; f++) {
        if (f) dorm_buf_puts(&s.text, ", ");
        dorm_sql_name(&s, j->fields[f]->column);
        bool cast = s.d->requires_casted_case_in_updates;
        dorm_buf_puts(&s.text, cast ? " = CAST(CASE" : " = CASE");
        for (size_t i = off; i < off + n; i++) {
            dorm_value pk = dorm_pk_value(j->objs[i]), v = dorm_field_get(j->objs[i], j->fields[f]);
            dorm_buf_puts(&s.text, " WHEN (");
            dorm_sql_col(&s, m->db_table, m->pk->column);
            dorm_buf_puts(&s.text, " = ");
            dorm_sql_param(&s, &pk);
            dorm_buf_puts(&s.text, ") THEN ");
            dorm_sql_param(&s, &v);
        }
        dorm_buf_puts(&s.text, " ELSE NULL END");
        if (cast) {
            dorm_buf_puts(&s.text, " AS ");
            cast_type(&s, j->fields[f]);
            dorm_buf_putc(&s.text, ')');
        }
    }
    dorm_buf_puts(&s.text, " WHERE ");
    dorm_sql_col(&s, m->db_table, m->pk->column);
    dorm_buf_puts(&s.text, " IN (");
    for (size_t i = off; i < off + n; i++) {
        dorm_value pk = dorm_pk_value(j->objs[i]);
        if (i > off) dorm_buf_puts(&s.text, ", ");
        dorm_sql_param(&s, &pk);
    }
    dorm_buf_putc(&s.text, ')');
    int64_t changed = dorm_exec_change(j->cx, &s);
    dorm_sql_free(&s);
    if (changed < 0) return (int)changed;
    j->rows += changed;
    return DORM_OK;
}

static int bulk_update_all(void *payload) {
    bulk_update_job *j = payload;
    for (size_t off = 0; off < j->n; off += j->batch) {
        int rc = bulk_update_batch(j, off, j->n - off < j->batch ? j->n - off : j->batch);
        if (rc) return rc;
    }
    return DORM_OK;
}

int64_t dorm_bulk_update_(dorm_ctx *cx, const dorm_model *model, void *const *objs, size_t n,
                          const char *const *fields, size_t batch_size) {
    dorm_qs *qs = dorm_qs_all(cx, model);
    if (!qs) return -1;
    dorm_error_clear(cx);
    if (qs->err) return dorm_qs_reraise(qs);
    bulk_update_job j;
    memset(&j, 0, sizeof j);
    j.cx = cx;
    j.m = qs->meta;
    j.objs = objs;
    j.n = n;
    for (size_t i = 0; fields && fields[i]; i++) {
        const dorm_fmeta *fm = update_field(qs, fields[i]);
        if (!fm) return dorm_errcode(cx);
        if (fm == j.m->pk) return dorm_fail(cx, DORM_EVALUE, "bulk_update() cannot be used with primary key fields.");
        if (j.nfields < 64) j.fields[j.nfields++] = fm;
    }
    if (j.nfields == 0) return dorm_fail(cx, DORM_EVALUE, "Field names must be given to bulk_update().");
    for (size_t i = 0; i < n; i++) {
        const dorm_object *h = objs[i];
        if (!h || h->meta != j.m || !dorm_pk_is_set(objs[i]))
            return dorm_fail(cx, DORM_EVALUE, "All bulk_update() objects must have a primary key set.");
    }
    size_t per = (size_t)cx->db->dialect->max_params / (2 * j.nfields + 1);
    j.batch = batch_size && batch_size < per ? batch_size : (per ? per : 1);
    int rc = dorm_in_transaction(cx, bulk_update_all, &j);
    return rc < 0 ? rc : j.rows;
}
