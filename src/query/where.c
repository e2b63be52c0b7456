/* where.c - turns filter()/exclude() conditions (dorm_q trees) into a resolved
 * where tree: paths resolved, values prepared, None turned into IS NULL, empty
 * __in into "matches nothing", and nullable joins under OR / NOT promoted to
 * LEFT OUTER as Django's join promotion does. */
#include <string.h>

#include "query/query.h"

static dorm_where *node(dorm_qs *qs, dorm_wkind kind) {
    dorm_where *w = dorm_alloc(qs->cx, sizeof *w);
    if (w) {
        memset(w, 0, sizeof *w);
        w->kind = kind;
    }
    return w;
}

/* Makes every nullable join on the chain ending at `alias` LEFT OUTER. */
static int promote(dorm_qs *qs, int alias) {
    bool need = false;
    for (int a = alias; a > 0; a = qs->joins[a - 1].parent)
        if (qs->joins[a - 1].nullable && !qs->joins[a - 1].outer) need = true;
    if (!need) return DORM_OK;
    dorm_join *copy = dorm_alloc(qs->cx, sizeof(dorm_join) * (size_t)qs->njoins);
    if (!copy) return DORM_ENOMEM;
    memcpy(copy, qs->joins, sizeof(dorm_join) * (size_t)qs->njoins);
    for (int a = alias; a > 0; a = copy[a - 1].parent)
        if (copy[a - 1].nullable) copy[a - 1].outer = true;
    /* A join below an outer join must be outer too, or it would drop the rows. */
    for (int i = 0; i < qs->njoins; i++)
        if (copy[i].parent > 0 && copy[copy[i].parent - 1].outer) copy[i].outer = true;
    qs->joins = copy;
    return DORM_OK;
}

static int prep_list(dorm_qs *qs, const dorm_path *p, dorm_kind kind, const dorm_value *in, dorm_value *out,
                     bool drop_nulls) {
    dorm_value *items = dorm_alloc(qs->cx, sizeof(dorm_value) * (in->len ? in->len : 1));
    if (!items) return DORM_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < in->len; i++) {
        if (drop_nulls && in->u.list[i].type == DORM_T_NULL) continue;
        int rc = dorm_prep_value(qs->cx, p->field, kind, &in->u.list[i], &items[n]);
        if (rc) return rc;
        n++;
    }
    *out = dorm_v_list(items, n);
    return DORM_OK;
}

static int leaf(dorm_qs *qs, const dorm_q *q, bool promote_joins, const dorm_where **out) {
    dorm_path p;
    int rc = dorm_path_resolve(qs, q->path, strlen(q->path), DORM_PATH_LOOKUPS, &p);
    if (rc) return rc;
    dorm_where *w = node(qs, DORM_W_LEAF);
    if (!w) return DORM_ENOMEM;
    w->alias = p.alias;
    w->field = p.field;
    w->ntrans = p.ntrans;
    memcpy(w->trans, p.trans, sizeof p.trans);
    w->nullable = p.nullable;
    w->lookup = p.lookup < 0 ? DORM_LK_EXACT : (dorm_lookup)p.lookup;
    dorm_kind kind = dorm_path_kind(p.field, p.ntrans, p.trans);
    const dorm_value *v = &q->value;
    const dorm_value truth = dorm_v_bool(true);
    if (v->type == DORM_T_NONE) return dorm_qs_fail(qs, DORM_EVALUE, "No value given for '%s'.", q->path)->err;
    if (v->type == DORM_T_NULL && w->lookup != DORM_LK_ISNULL) {
        if (w->lookup != DORM_LK_EXACT && w->lookup != DORM_LK_IEXACT)
            return dorm_qs_fail(qs, DORM_EVALUE, "Cannot use None as a query value")->err;
        w->lookup = DORM_LK_ISNULL;
        v = &truth;
    }
    switch (w->lookup) {
    case DORM_LK_ISNULL:
        if (v->type != DORM_T_BOOL && !(v->type == DORM_T_INT && (v->u.i == 0 || v->u.i == 1)))
            return dorm_qs_fail(qs, DORM_EVALUE, "The QuerySet value for an isnull lookup must be True or False.")->err;
        w->rhs = dorm_v_bool(v->type == DORM_T_BOOL ? v->u.b : v->u.i == 1);
        if (w->rhs.u.b) promote_joins = true;
        break;
    case DORM_LK_IN:
        if (v->type != DORM_T_LIST)
            return dorm_qs_fail(qs, DORM_EVALUE, "The value of '%s' must be a list (DLIST or dorm_v_list).", q->path)->err;
        rc = prep_list(qs, &p, kind, v, &w->rhs, true);
        if (rc) return rc;
        if (w->rhs.len == 0) w->kind = DORM_W_NOTHING;
        break;
    case DORM_LK_RANGE:
        if (v->type != DORM_T_LIST || v->len != 2)
            return dorm_qs_fail(qs, DORM_EVALUE, "The value of '%s' must be a list of two values.", q->path)->err;
        rc = prep_list(qs, &p, kind, v, &w->rhs, false);
        if (rc) return rc;
        if (w->rhs.u.list[0].type == DORM_T_NULL || w->rhs.u.list[1].type == DORM_T_NULL)
            return dorm_qs_fail(qs, DORM_EVALUE, "Cannot use None as a query value")->err;
        break;
    default:
        if (v->type == DORM_T_LIST)
            return dorm_qs_fail(qs, DORM_EVALUE, "A list is not a valid value for '%s'.", q->path)->err;
        /* Pattern lookups on a UUID compare its text, as Django's UUIDField does. */
        if (kind == DORM_KIND_UUID && w->lookup != DORM_LK_EXACT && w->lookup < DORM_LK_GT) kind = DORM_KIND_TEXT;
        if (w->lookup == DORM_LK_REGEX || w->lookup == DORM_LK_IREGEX) kind = DORM_KIND_TEXT;
        rc = dorm_prep_value(qs->cx, p.field, kind, v, &w->rhs);
        if (rc) return dorm_qs_fail(qs, rc, "%s", dorm_errmsg(qs->cx))->err;
    }
    if (promote_joins && (rc = promote(qs, p.alias))) return rc;
    *out = w;
    return DORM_OK;
}

static int build(dorm_qs *qs, const dorm_q *q, bool in_or_not, const dorm_where **out);

static int group(dorm_qs *qs, dorm_wkind kind, const dorm_q *const *kids, bool in_or_not, const dorm_where **out) {
    int n = 0;
    while (kids && kids[n]) n++;
    const dorm_where **arr = dorm_alloc(qs->cx, sizeof(*arr) * (size_t)(n ? n : 1));
    dorm_where *w = node(qs, kind);
    if (!arr || !w) return DORM_ENOMEM;
    for (int i = 0; i < n; i++) {
        int rc = build(qs, kids[i], in_or_not, &arr[i]);
        if (rc) return rc;
    }
    w->n = n;
    w->kids = arr;
    *out = w;
    return DORM_OK;
}

static int build(dorm_qs *qs, const dorm_q *q, bool in_or_not, const dorm_where **out) {
    switch (q->kind) {
    case DORM_Q_LEAF:
        if (!q->path) return dorm_qs_fail(qs, DORM_EVALUE, "A condition needs a field path.")->err;
        return leaf(qs, q, in_or_not, out);
    case DORM_Q_AND:
        return group(qs, DORM_W_AND, q->children, in_or_not, out);
    case DORM_Q_OR:
        return group(qs, DORM_W_OR, q->children, true, out);
    case DORM_Q_NOT:
        return group(qs, DORM_W_NOT, q->children, true, out);
    default:
        return dorm_qs_fail(qs, DORM_EVALUE, "Unknown condition kind %d.", (int)q->kind)->err;
    }
}

int dorm_where_add(dorm_qs *qs, const dorm_q *const *conds, bool negate) {
    qs->generation++;
    const dorm_where *added;
    int rc = group(qs, negate ? DORM_W_NOT : DORM_W_AND, conds, negate, &added);
    if (rc) return rc;
    const dorm_where *old = qs->where;
    if (!old) {
        qs->where = added;
        return DORM_OK;
    }
    /* Keep one flat top-level AND, as Django's WhereNode does. */
    int on = old->kind == DORM_W_AND ? old->n : 1;
    int an = added->kind == DORM_W_AND ? added->n : 1;
    const dorm_where **arr = dorm_alloc(qs->cx, sizeof(*arr) * (size_t)(on + an));
    dorm_where *w = node(qs, DORM_W_AND);
    if (!arr || !w) return DORM_ENOMEM;
    if (old->kind == DORM_W_AND) memcpy(arr, old->kids, sizeof(*arr) * (size_t)on);
    else arr[0] = old;
    if (added->kind == DORM_W_AND) memcpy(arr + on, added->kids, sizeof(*arr) * (size_t)an);
    else arr[on] = added;
    w->n = on + an;
    w->kids = arr;
    qs->where = w;
    return DORM_OK;
}
