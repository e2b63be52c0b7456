/* order.c - resolution of order_by() fields and Meta.ordering: "-field",
 * "?" (random), paths across relations and transforms, a relation itself,
 * which orders by the related model's own Meta.ordering as Django does, and
 * expressions with asc()/desc() and nulls_first/nulls_last. */
#include <string.h>

#include "query/query.h"

typedef struct order_list {
    dorm_order *items;
    int n, cap;
} order_list;

static int push(dorm_qs *qs, order_list *l, dorm_order o) {
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 4;
        dorm_order *a = dorm_alloc(qs->cx, sizeof(dorm_order) * (size_t)cap);
        if (!a) return DORM_ENOMEM;
        if (l->n) memcpy(a, l->items, sizeof(dorm_order) * (size_t)l->n);
        l->items = a;
        l->cap = cap;
    }
    l->items[l->n++] = o;
    return DORM_OK;
}

static int add_path(dorm_qs *qs, order_list *l, const char *path, bool desc, int depth) {
    const dorm_ann *ann = depth == 0 ? dorm_qs__annotation(qs, path, strlen(path)) : NULL;
    if (ann) return push(qs, l, (dorm_order){.desc = desc, .ref = ann->alias});
    dorm_path p;
    int rc = dorm_path__resolve(qs, path, strlen(path), DORM_PATH_OUTER | DORM_PATH_TRANSFORMS, &p);
    if (rc) return rc;
    /* A composite key orders by its parts (Django orders by every column). */
    for (int i = 0; dorm_fmeta_composite(p.field) && i < p.field->nparts && !rc; i++)
        rc = push(qs, l, (dorm_order){.alias = p.alias, .field = p.field->parts[i], .desc = desc});
    if (dorm_fmeta_composite(p.field)) return rc;
    /* "author" orders by Author's Meta.ordering; "author_id", "author__id"
     * and a relation to a model without one order by the key column. */
    const char *const *ord = p.relation ? p.field->target->ordering : NULL;
    if (!ord || !ord[0] || depth > 8) {
        return push(qs, l, (dorm_order){.alias = p.alias, .field = p.field, .desc = desc, .expr = p.expr});
    }
    for (size_t i = 0; ord[i]; i++) {
        const char *o = ord[i];
        bool d = o[0] == '-';
        if (d) o++;
        const char *sub = dorm_sprintf(qs->cx, "%s__%s", path, o);
        if (!sub) return DORM_ENOMEM;
        rc = add_path(qs, l, sub, desc != d, depth + 1);
        if (rc) return rc;
    }
    return DORM_OK;
}

int dorm_order__resolve(dorm_qs *qs, const char *const *fields) {
    order_list l = {NULL, 0, 0};
    for (size_t i = 0; fields && fields[i]; i++) {
        const char *f = fields[i];
        int rc;
        if (strcmp(f, "?") == 0) {
            rc = push(qs, &l, (dorm_order){.random = true});
        } else {
            bool desc = f[0] == '-';
            rc = add_path(qs, &l, desc ? f + 1 : f, desc, 0);
        }
        if (rc) return rc;
    }
    qs->order = l.items;
    qs->norder = l.n;
    return DORM_OK;
}

/* An expression in order_by(): F(), Case, a function..., or asc()/desc() of
 * one; a plain column is kept as a column (DISTINCT and GROUP BY see it). */
static int add_expr(dorm_qs *qs, order_list *l, const dorm_expr *e) {
    dorm_order o = {0};
    if (e->kind == DORM_E_ORDER) {
        if (e->nulls_first && e->nulls_last)
            return dorm_qs__fail(qs, DORM_EVALUE, "nulls_first and nulls_last are mutually exclusive")->err;
        o.desc = e->desc;
        o.nulls_first = e->nulls_first;
        o.nulls_last = e->nulls_last;
        e = e->a;
    }
    int rc = dorm_expr__resolve(qs, e, &o.expr);
    if (rc) return rc;
    if (dorm_rexpr_is_col(o.expr)) {
        o.alias = o.expr->alias;
        o.field = o.expr->field;
        o.expr = NULL;
    }
    return push(qs, l, o);
}

int dorm_order__resolve_exprs(dorm_qs *qs, const dorm_expr *const *items) {
    order_list l = {NULL, 0, 0};
    for (size_t i = 0; items && items[i]; i++) {
        const dorm_expr *e = items[i];
        int rc;
        /* A string is Django's "-field" / "?" / "annotation". */
        if (e->kind == DORM_E_F && !e->name && e->value.type == DORM_T_TEXT) {
            const char *f = e->value.u.s;
            if (strcmp(f, "?") == 0)
                rc = push(qs, &l, (dorm_order){.random = true});
            else
                rc = add_path(qs, &l, f[0] == '-' ? f + 1 : f, f[0] == '-', 0);
        } else {
            rc = add_expr(qs, &l, e);
        }
        if (rc) return rc;
    }
    qs->order = l.items;
    qs->norder = l.n;
    return DORM_OK;
}
