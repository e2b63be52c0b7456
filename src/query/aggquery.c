/* aggquery.c - aggregate() and count() as Django's get_aggregation writes
 * them: straight over the rows of a plain QuerySet, or over a subquery when
 * the QuerySet is sliced, distinct, annotated or grouped by values(); then
 * the aggregates read the subquery's columns (its annotations by alias, the
 * columns they need as "__col1", ...), as Django's rewrite_cols does. */
#include <string.h>

#include "query/compiler.h"

/* A column the outer aggregates read from the subquery: "__col<n>". */
typedef struct inner_col {
    const dorm_rexpr *col;
    const char *name;
} inner_col;

typedef struct rewrite {
    dorm_qs *qs;
    inner_col *cols;
    int n, cap;
    int err;
} rewrite;

static void alias_sql(dorm_sql *s, const dorm_qs *qs, const dorm_rexpr *e) {
    (void)qs;
    dorm_sql__name(s, e->ref);
}

/* A column of the subquery, by its alias. */
static const dorm_node_ops node_alias = {alias_sql};

static dorm_rexpr *alias_node(rewrite *rw, const char *name, const dorm_rexpr *like) {
    dorm_rexpr *r = dorm_alloc(rw->qs->cx, sizeof *r);
    if (!r) return NULL;
    *r = *like;
    r->ops = &node_alias;
    r->ref = name;
    r->nargs = 0;
    r->args = NULL;
    r->aggregate = false;
    r->is_aggregate = false;
    return r;
}

/* The subquery column of a column node: a base-table column already chosen
 * is reused (Django's cached Col), a joined one gets a new one each time. */
static const dorm_rexpr *inner_column(rewrite *rw, const dorm_rexpr *col) {
    for (int i = 0; col->alias == 0 && i < rw->n; i++)
        if (rw->cols[i].col->alias == 0 && rw->cols[i].col->field == col->field)
            return alias_node(rw, rw->cols[i].name, col);
    if (rw->n == rw->cap) {
        int cap = rw->cap ? rw->cap * 2 : 8;
        inner_col *cols = dorm_alloc(rw->qs->cx, sizeof *cols * (size_t)cap);
        if (!cols) return NULL;
        if (rw->n) memcpy(cols, rw->cols, sizeof *cols * (size_t)rw->n);
        rw->cols = cols;
        rw->cap = cap;
    }
    const char *name = dorm_sprintf(rw->qs->cx, "__col%d", rw->n + 1);
    if (!name) return NULL;
    rw->cols[rw->n++] = (inner_col){col, name};
    return alias_node(rw, name, col);
}

static const dorm_rexpr *rewrite_expr(rewrite *rw, const dorm_rexpr *e);

static const dorm_where *rewrite_where(rewrite *rw, const dorm_where *w) {
    dorm_where *c = dorm_alloc(rw->qs->cx, sizeof *c);
    if (!c) return NULL;
    *c = *w;
    if (w->kind == DORM_W_LEAF) {
        const dorm_rexpr *lhs = w->lhs;
        if (!lhs && w->field && !(lhs = dorm_rexpr__col(rw->qs, w->alias, w->field))) return NULL;
        if (lhs && !(c->lhs = rewrite_expr(rw, lhs))) return NULL;
        c->field = NULL;
        c->alias = 0;
        if (w->rhs_expr && !(c->rhs_expr = rewrite_expr(rw, w->rhs_expr))) return NULL;
        return c;
    }
    if (!w->n) return c;
    const dorm_where **kids = dorm_alloc(rw->qs->cx, sizeof *kids * (size_t)w->n);
    if (!kids) return NULL;
    for (int i = 0; i < w->n; i++)
        if (!(kids[i] = rewrite_where(rw, w->kids[i]))) return NULL;
    c->kids = kids;
    return c;
}

/* e with the columns it reads replaced by the subquery's (Django's
 * rewrite_cols); NULL on ENOMEM or with rw->err set. */
static const dorm_rexpr *rewrite_expr(rewrite *rw, const dorm_rexpr *e) {
    if (e->ops == &dorm_node_col) return inner_column(rw, e);
    if (e->ops == &dorm_node_ref) {
        const dorm_ann *a = dorm_qs__annotation(rw->qs, e->ref, strlen(e->ref));
        if (a && a->hidden) {
            rw->err = dorm_qs__fail(rw->qs, DORM_EFIELD,
                                    "Cannot aggregate over the '%s' alias. Use annotate() to "
                                    "promote it.",
                                    e->ref)
                          ->err;
            return NULL;
        }
        return alias_node(rw, e->ref, e);
    }
    if (!e->nargs && !e->cond) return e;
    dorm_rexpr *c = dorm_alloc(rw->qs->cx, sizeof *c);
    const dorm_rexpr **args = dorm_alloc(rw->qs->cx, sizeof *args * (size_t)(e->nargs + 1));
    if (!c || !args) return NULL;
    *c = *e;
    for (int i = 0; i < e->nargs; i++)
        if (!(args[i] = rewrite_expr(rw, e->args[i]))) return NULL;
    c->args = args;
    if (e->cond && !(c->cond = rewrite_where(rw, e->cond))) return NULL;
    return c;
}

/* Whether Django aggregates over a subquery (get_aggregation). */
static bool needs_subquery(const dorm_qs *qs) {
    return (qs->group_by && qs->ngroup) || qs->low > 0 || qs->high >= 0 || qs->nann || qs->distinct;
}

/* The select list of the inner query: the QuerySet's own columns where it
 * keeps them (distinct objects, values()) as Col1, Col2 ..., its selected
 * annotations by alias, the columns the aggregates read; the primary key
 * when that is nothing. */
static void inner_columns(dorm_sql *s, const dorm_qs *qs, const rewrite *rw) {
    int k = 0;
    const dorm_meta *m = qs->meta;
    if (qs->mode == DORM_MODE_OBJECTS && qs->distinct) {
        for (int i = 0; i < m->nfields; i++) {
            if (qs->deferred & ((uint64_t)1 << i)) continue;
            dorm_buf_puts(&s->text, k ? ", " : "");
            dorm_sql__col(s, m->db_table, m->fields[i].column);
            dorm_buf_printf(&s->text, " AS Col%d", ++k);
        }
    } else if (qs->mode != DORM_MODE_OBJECTS) {
        for (int i = 0; i < qs->ncols; i++) {
            const dorm_col *c = &qs->cols[i];
            if (c->ann) continue;
            dorm_buf_puts(&s->text, k ? ", " : "");
            if (c->expr)
                dorm_rexpr_sql(s, qs, c->expr);
            else
                dorm_sql__col(s, dorm_alias__name(qs, c->alias), c->field->column);
            dorm_buf_printf(&s->text, " AS Col%d", ++k);
        }
    }
    for (int a = 0; a < qs->nann; a++) {
        if (!dorm_ann__selected(qs, a)) continue;
        dorm_buf_puts(&s->text, k++ ? ", " : "");
        dorm_rexpr_sql(s, qs, qs->ann[a].e);
        dorm_buf_puts(&s->text, " AS ");
        dorm_sql__name(s, qs->ann[a].alias);
    }
    for (int i = 0; i < rw->n; i++) {
        dorm_buf_puts(&s->text, k++ ? ", " : "");
        dorm_rexpr_sql(s, qs, rw->cols[i].col);
        dorm_buf_puts(&s->text, " AS ");
        dorm_sql__name(s, rw->cols[i].name);
    }
    if (!k) {
        dorm_sql__col(s, m->db_table, m->pk->column);
        dorm_buf_puts(&s->text, " AS Col1");
    }
}

/* Writes "(SELECT ...) subquery" of qs for aggregates rewritten by rw. */
static int inner_query(dorm_sql *s, const dorm_qs *qs, const rewrite *rw) {
    dorm_qs inner = *qs, tmp;
    bool sliced = qs->low > 0 || qs->high >= 0;
    /* The ordering matters only to pick the rows of a slice. */
    if (!sliced) {
        inner.ordered_explicitly = true;
        inner.norder = 0;
    }
    /* Objects grouped by their annotations: by the primary key alone. */
    bool aggregates = false;
    for (int i = 0; i < qs->nann; i++) aggregates = aggregates || qs->ann[i].e->aggregate;
    const dorm_rexpr *pk = NULL;
    if (qs->mode == DORM_MODE_OBJECTS && !qs->distinct && aggregates) {
        if (!(pk = dorm_rexpr__col(&inner, 0, qs->meta->pk))) return DORM_ENOMEM;
        inner.group = &pk;
        inner.ngroup = 1;
    }
    dorm_rest r = {.ordered = sliced, .start = s->text.len};
    const dorm_qs *q = &inner;
    if (r.ordered && !(q = dorm_qs__ordering(&inner, &tmp, &r.meta))) return DORM_EFIELD;
    const dorm_rexpr **extra = dorm_alloc(qs->cx, sizeof *extra * (size_t)(rw->n + 1));
    if (!extra) return DORM_ENOMEM;
    for (int i = 0; i < rw->n; i++) extra[i] = rw->cols[i].col;
    r.extra = extra;
    r.nextra = rw->n;
    dorm_buf_puts(&s->text, " FROM (SELECT ");
    if (q->distinct) dorm_buf_puts(&s->text, "DISTINCT ");
    inner_columns(s, q, rw);
    int rc = dorm_compile__rest(q, s, &r);
    dorm_buf_puts(&s->text, ") subquery");
    return rc;
}

int dorm_compile__aggregate(const dorm_qs *qs, const dorm_rexpr *const *exprs, const char *const *aliases, size_t n,
                            dorm_sql *s) {
    size_t start = s->text.len;
    dorm_buf_puts(&s->text, "SELECT ");
    if (!needs_subquery(qs)) {
        for (size_t i = 0; i < n; i++) {
            if (i) dorm_buf_puts(&s->text, ", ");
            dorm_rexpr_sql(s, qs, exprs[i]);
            dorm_buf_puts(&s->text, " AS ");
            dorm_sql__name(s, aliases[i]);
        }
        dorm_qs plain = *qs;
        plain.ordered_explicitly = true;
        plain.norder = 0;
        return dorm_compile__rest(&plain, s, &(dorm_rest){.start = start});
    }
    rewrite rw = {.qs = (dorm_qs *)qs};
    for (size_t i = 0; i < n; i++) {
        const dorm_rexpr *e = rewrite_expr(&rw, exprs[i]);
        if (!e) return rw.err ? rw.err : DORM_ENOMEM;
        if (i) dorm_buf_puts(&s->text, ", ");
        dorm_rexpr_sql(s, qs, e);
    }
    return inner_query(s, qs, &rw);
}

int dorm_compile__count(const dorm_qs *qs, dorm_sql *s) {
    if (qs->combinator) return dorm_compile__combined_count(qs, s);
    if (!needs_subquery(qs)) {
        size_t start = s->text.len;
        dorm_buf_puts(&s->text, "SELECT COUNT(*) AS ");
        dorm_sql__name(s, "__count");
        dorm_qs plain = *qs;
        plain.ordered_explicitly = true;
        plain.norder = 0;
        return dorm_compile__rest(&plain, s, &(dorm_rest){.start = start});
    }
    dorm_buf_puts(&s->text, "SELECT COUNT(*)");
    return inner_query(s, qs, &(rewrite){.qs = (dorm_qs *)qs});
}
