/* update.c - qs.update(field=value) as one UPDATE returning the rows matched,
 * and bulk_update(objs, fields) as batched UPDATE ... SET f = CASE WHEN pk =
 * ... THEN ... END, all in one transaction. */
#include <string.h>

#include "backend/schema.h"
#include "exec/route.h"
#include "model/custom.h"

/* Resolves an update target on the base model (Django's add_update_values). */
static const dorm_fmeta *update_field(dorm_qs *qs, const char *name) {
    const dorm_fmeta *fm = strcmp(name, "pk") == 0 ? qs->meta->pk : dorm_meta__field(qs->meta, name);
    if (!fm) {
        if (strstr(name, "__"))
            dorm_ctx_fail(qs->cx, DORM_EFIELD,
                          "Cannot update model field '%s' (only non-relations and foreign keys permitted).", name);
        else
            dorm_ctx_fail(qs->cx, DORM_EFIELD, "Cannot resolve keyword '%s' into field. Choices are: %s", name,
                          qs->meta->choices_list);
    }
    return fm;
}

/* update() setting fields of a multi-table model's parents (Django's
 * related updates): the matched keys first, then one UPDATE per table, the
 * model's own first, each by those keys; the rows of the first. */
typedef struct table_update {
    const dorm_meta *tm;
    const dorm_set *sets[65];
    const dorm_fmeta *fields[64];
    size_t n;
} table_update;

typedef struct inherited_job {
    dorm_qs *qs;
    table_update *t;
    size_t nt;
    int64_t rows;
} inherited_job;

static int64_t update_one(dorm_qs *qs, const dorm_set *const *sets, const dorm_fmeta *const *given);

static int update_tables(void *payload) {
    inherited_job *j = payload;
    dorm_qs *v = dorm_qs_values_list(j->qs, true, (const char *const[]){"pk", NULL});
    size_t n;
    const dorm_row **rows = dorm_rows(v, &n);
    if (!rows) return v && v->err ? dorm_qs__reraise(v) : dorm_errcode(j->qs->cx);
    if (n == 0) return DORM_OK;
    dorm_value *keys = dorm_alloc(j->qs->cx, sizeof(dorm_value) * n);
    if (!keys) return DORM_ENOMEM;
    for (size_t i = 0; i < n; i++) keys[i] = rows[i]->values[0];
    bool counted = false;
    for (size_t i = 0; i < j->nt; i++) {
        if (!j->t[i].n) continue;
        dorm_qs *qs = dorm_clear_ordering(dorm_qs_all(j->qs->cx, j->t[i].tm->model));
        qs = dorm_qs_filter(
            qs, (const dorm_q *const[]){&(const dorm_q){DORM_Q_LEAF, "pk__in", dorm_v_list(keys, n), NULL}, NULL});
        int64_t changed = update_one(qs, j->t[i].sets, j->t[i].fields);
        if (changed < 0) return (int)changed;
        if (!counted) j->rows = changed;
        counted = true;
    }
    return DORM_OK;
}

static int64_t update_on(dorm_qs *qs, const dorm_set *const *sets) {
    if (!qs) return -1;
    dorm_error_clear(qs->cx);
    if (qs->err) return dorm_qs__reraise(qs);
    if (qs->combinator) return dorm_qs__reraise(dorm_qs__combined_refuse(dorm_qs__clone(qs), "update"));
    if (qs->low > 0 || qs->high >= 0)
        return dorm_ctx_fail(qs->cx, DORM_EVALUE, "Cannot update a query once a slice has been taken.");
    size_t n = 0;
    while (sets && sets[n]) n++;
    if (n == 0) return 0;
    if (n > 64) return dorm_ctx_fail(qs->cx, DORM_EVALUE, "Too many fields in one update().");
    table_update t[8];
    size_t nt = 0;
    bool parents = false;
    for (const dorm_meta *a = qs->meta; a && nt < 8; a = a->parent) t[nt++] = (table_update){.tm = a};
    for (size_t i = 0; i < n; i++) {
        const dorm_fmeta *fm = update_field(qs, sets[i]->field);
        if (!fm) return dorm_errcode(qs->cx);
        size_t level = 0;
        while (fm->inherited && level + 1 < nt) {
            fm = fm->inherited;
            level++;
        }
        parents = parents || level > 0;
        t[level].sets[t[level].n] = sets[i];
        t[level].fields[t[level].n++] = fm;
    }
    if (!parents) return update_one(qs, sets, NULL);
    inherited_job j = {qs, t, nt, 0};
    int rc = dorm_in__transaction(qs->cx, update_tables, &j);
    return rc < 0 ? rc : j.rows;
}

/* update() writes on the QuerySet's database for writes. */
int64_t dorm_qs_update(dorm_qs *qs, const dorm_set *const *sets) {
    dorm_route r;
    if (!qs || qs->err) return update_on(qs, sets);
    int rc = dorm_route__qs(qs, true, &r);
    if (rc) return rc;
    int64_t n = update_on(qs, sets);
    dorm_route__leave(qs->cx, &r);
    return n;
}

/* One table's UPDATE of qs's rows; `given`: the fields, already resolved. */
static int64_t update_one(dorm_qs *qs, const dorm_set *const *sets, const dorm_fmeta *const *given) {
    if (!qs || qs->err) return qs ? dorm_qs__reraise(qs) : DORM_ENOMEM;
    size_t n = 0;
    while (sets && sets[n]) n++;
    const dorm_fmeta *fields[64];
    dorm_value values[64];
    const dorm_rexpr *exprs[64];
    dorm_qs *target = dorm_clear_ordering(qs);
    if (!target || target->err) return target ? dorm_qs__reraise(target) : DORM_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        fields[i] = given ? given[i] : update_field(qs, sets[i]->field);
        if (!fields[i]) return dorm_errcode(qs->cx);
        exprs[i] = NULL;
        if (sets[i]->value.type == DORM_T_EXPR) {
            /* F("pages") + 10: columns of the updated table only, as Django. */
            int joins = target->njoins;
            if (dorm_expr__resolve(target, sets[i]->value.u.p, &exprs[i])) return dorm_qs__reraise(target);
            if (target->njoins != joins || dorm_rexpr__joins(exprs[i]))
                return dorm_ctx_fail(qs->cx, DORM_EFIELD, "Joined field references are not permitted in this query");
            if (exprs[i]->aggregate)
                return dorm_ctx_fail(qs->cx, DORM_EFIELD, "Aggregate functions are not allowed in this query");
            continue;
        }
        int rc = dorm_prep__value(qs->cx, fields[i], fields[i]->value_kind, &sets[i]->value, &values[i]);
        if (rc) return rc;
    }
    dorm_sql s;
    dorm_sql__init(&s, qs->cx);
    int rc = dorm_compile__update(target, fields, values, exprs, n, &s);
    int64_t changed = rc == DORM_COMPILED ? dorm_exec__change(qs->cx, &s) : rc == DORM_COMPILED_EMPTY ? 0 : rc;
    dorm_sql__free(&s);
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
    const dorm_meta *tm; /* the table of this round: m, or a parent */
    int level[64]; /* per field: 0, or 1 + how many parents up */
    int round; /* the level updated now                  */
    bool counted; /* the rows of a first table are in rows  */
    size_t done; /* objects written, for progress reports  */
} bulk_update_job;

/* The type a CASE is cast to where the dialect needs it: the column's own
 * (a foreign key's is its target field's: varchar(2) for a country code). */
static void cast_type(dorm_sql *s, const dorm_fmeta *fm) {
    const dorm_field *f = fm->f, *t = f->kind == DORM_KIND_FK && fm->target_pk ? dorm_key_root(fm->target_pk)->f : f;
    dorm_column_def c = {.name = fm->column,
                         .kind = fm->storage ? fm->storage->f->kind : f->kind,
                         .max_length = t->max_length,
                         .max_digits = t->max_digits,
                         .decimal_places = t->decimal_places};
    if (t != f) c.ref_kind = t->kind;
    if (fm->storage) c.db_type = dorm_custom__db_type(f, s->cx->db->drv->vendor);
    dorm_schema__column_type(&s->text, s->d, &c);
}

/* One UPDATE of the fields of this round's table for objs[off..off+n). */
static int bulk_update_batch(bulk_update_job *j, size_t off, size_t n) {
    const dorm_meta *m = j->tm;
    dorm_sql s;
    dorm_sql__init(&s, j->cx);
    dorm_buf_puts(&s.text, "UPDATE ");
    dorm_sql__name(&s, m->db_table);
    dorm_buf_puts(&s.text, " SET ");
    for (size_t f = 0, k = 0; f < j->nfields; f++) {
        if (j->level[f] != j->round) continue;
        if (k++) dorm_buf_puts(&s.text, ", ");
        dorm_sql__name(&s, j->fields[f]->column);
        bool cast = s.d->requires_casted_case_in_updates;
        dorm_buf_puts(&s.text, cast ? " = CAST(CASE" : " = CASE");
        for (size_t i = off; i < off + n; i++) {
            dorm_value pk = dorm_pk__value(j->objs[i]), v = dorm_field__get(j->objs[i], j->fields[f]);
            dorm_buf_puts(&s.text, " WHEN (");
            dorm_sql__col(&s, m->db_table, m->pk->column);
            dorm_buf_puts(&s.text, " = ");
            dorm_sql__param(&s, &pk);
            dorm_buf_puts(&s.text, ") THEN ");
            dorm_sql__param(&s, &v);
        }
        dorm_buf_puts(&s.text, " ELSE NULL END");
        if (cast) {
            dorm_buf_puts(&s.text, " AS ");
            cast_type(&s, j->fields[f]);
            dorm_buf_putc(&s.text, ')');
        }
    }
    dorm_buf_puts(&s.text, " WHERE ");
    dorm_sql__col(&s, m->db_table, m->pk->column);
    dorm_buf_puts(&s.text, " IN (");
    for (size_t i = off; i < off + n; i++) {
        dorm_value pk = dorm_pk__value(j->objs[i]);
        if (i > off) dorm_buf_puts(&s.text, ", ");
        dorm_sql__param(&s, &pk);
    }
    dorm_buf_putc(&s.text, ')');
    int64_t changed = dorm_exec__change(j->cx, &s);
    dorm_sql__free(&s);
    if (changed < 0) return (int)changed;
    if (!j->counted) j->rows += changed;
    return DORM_OK;
}

/* Each table in turn, the model's own first (a multi-table model's parent
 * fields are its parents' columns); the rows of the first one written, as
 * Django's update() counts them. */
static int bulk_update_all(void *payload) {
    bulk_update_job *j = payload;
    j->tm = j->m;
    for (j->round = 0; j->tm; j->round++, j->tm = j->tm->parent) {
        bool any = false;
        for (size_t f = 0; f < j->nfields; f++) any = any || j->level[f] == j->round;
        if (!any) continue;
        for (size_t off = 0; off < j->n; off += j->batch) {
            size_t rows = j->n - off < j->batch ? j->n - off : j->batch;
            int rc = bulk_update_batch(j, off, rows);
            if (rc) return rc;
            j->done = off + rows;
            dorm_progress__emit(j->cx, "bulk_update", j->m->label, (int64_t)j->done, (int64_t)j->n);
        }
        j->counted = true;
    }
    return DORM_OK;
}

int64_t dorm_bulk_update_(dorm_ctx *cx, const dorm_model *model, void *const *objs, size_t n, const char *const *fields,
                          size_t batch_size) {
    dorm_qs *qs = dorm_qs_all(cx, model);
    if (!qs) return -1;
    dorm_error_clear(cx);
    if (qs->err) return dorm_qs__reraise(qs);
    bulk_update_job j;
    memset(&j, 0, sizeof j);
    j.cx = cx;
    j.m = qs->meta;
    j.objs = objs;
    j.n = n;
    for (size_t i = 0; fields && fields[i]; i++) {
        const dorm_fmeta *fm = update_field(qs, fields[i]);
        if (!fm) return dorm_errcode(cx);
        if (fm->f->primary_key)
            return dorm_ctx_fail(cx, DORM_EVALUE, "bulk_update() cannot be used with primary key fields.");
        int level = 0;
        for (const dorm_fmeta *up = fm; up->inherited; up = up->inherited) level++;
        if (j.nfields < 64) j.level[j.nfields] = level;
        if (j.nfields < 64) j.fields[j.nfields++] = fm;
    }
    if (j.nfields == 0) return dorm_ctx_fail(cx, DORM_EVALUE, "Field names must be given to bulk_update().");
    if (dorm_fmeta_composite(j.m->pk))
        return dorm_ctx_fail(cx, DORM_ENOTSUPPORTED,
                             "bulk_update() of a model with a CompositePrimaryKey is not supported: "
                             "update() each row by its key.");
    for (size_t i = 0; i < n; i++) {
        const dorm_object *h = objs[i];
        if (!h || h->meta != j.m || !dorm_pk__is_set(objs[i]))
            return dorm_ctx_fail(cx, DORM_EVALUE, "All bulk_update() objects must have a primary key set.");
    }
    /* A tenant-scoped model's objects are checked as save() checks one:
     * none of another tenant is written, before any row is. */
    for (size_t i = 0; cx->dbs && cx->dbs->scopes && i < n; i++) {
        int rc = dorm_tenant__check(cx, objs[i]);
        if (rc) return rc;
    }
    dorm_route r;
    int rc = dorm_route__write(cx, model, NULL, -1, &r);
    if (rc) return rc;
    size_t per = (size_t)cx->db->dialect->max_params / (2 * j.nfields + 1);
    j.batch = batch_size && batch_size < per ? batch_size : (per ? per : 1);
    dorm_progress__emit(cx, "bulk_update", j.m->label, 0, (int64_t)n);
    rc = dorm_in__transaction(cx, bulk_update_all, &j);
    dorm_progress__finish(cx, "bulk_update", j.m->label, rc < 0 ? (int64_t)j.done : (int64_t)n, (int64_t)n);
    dorm_route__leave(cx, &r);
    return rc < 0 ? rc : j.rows;
}
