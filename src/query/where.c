/* where.c - turns filter()/exclude() conditions (dorm_q trees) into a resolved
 * where tree: paths resolved, values prepared, None turned into IS NULL, empty
 * __in into "matches nothing", and nullable joins under OR / NOT promoted to
 * LEFT OUTER as Django's join promotion does. */
#include <string.h>

#include "query/query.h"
#include "query/search.h"

/* A zeroed node (dorm_alloc zeroes). */
static dorm_where *node(dorm_qs *qs, dorm_wkind kind) {
    dorm_where *w = dorm_alloc(qs->cx, sizeof *w);
    if (w) w->kind = kind;
    return w;
}

/* Join sets as bits of join indexes (joins[i] is bit i); a query with more
 * joins than bits treats every join as in every set. */
static uint64_t chain_mask(const dorm_qs *qs, int alias) {
    uint64_t m = 0;
    for (int a = alias; a > 0; a = qs->joins[a - 1].parent) {
        if (a > 64) return ~(uint64_t)0;
        m |= (uint64_t)1 << (a - 1);
    }
    return m;
}

static bool in_mask(uint64_t m, int i) { return i >= 64 || (m >> i) & 1; }

/* Makes the nullable joins of `mask` LEFT OUTER, and every join below an
 * outer one (an INNER JOIN after it would drop the rows it kept). */
static int promote_mask(dorm_qs *qs, uint64_t mask) {
    bool need = false;
    for (int i = 0; i < qs->njoins && !need; i++)
        need = in_mask(mask, i) && qs->joins[i].nullable && !qs->joins[i].outer;
    if (!need) return DORM_OK;
    dorm_join *copy = dorm_alloc(qs->cx, sizeof(dorm_join) * (size_t)qs->njoins);
    if (!copy) return DORM_ENOMEM;
    memcpy(copy, qs->joins, sizeof(dorm_join) * (size_t)qs->njoins);
    /* A join comes after its parent, so one pass carries outer-ness down. */
    for (int i = 0; i < qs->njoins; i++)
        if ((in_mask(mask, i) && copy[i].nullable) || (copy[i].parent > 0 && copy[copy[i].parent - 1].outer))
            copy[i].outer = true;
    qs->joins = copy;
    return DORM_OK;
}

/* A condition every row must meet on a joined column is false where the join
 * found no row, so those joins can be INNER (Django demotes the LEFT OUTER
 * joins an OR, ordering or select_related made). */
static int demote_mask(dorm_qs *qs, uint64_t mask) {
    bool need = false;
    for (int i = 0; i < qs->njoins && !need; i++) need = in_mask(mask, i) && qs->joins[i].outer;
    if (!need) return DORM_OK;
    dorm_join *copy = dorm_alloc(qs->cx, sizeof(dorm_join) * (size_t)qs->njoins);
    if (!copy) return DORM_ENOMEM;
    memcpy(copy, qs->joins, sizeof(dorm_join) * (size_t)qs->njoins);
    for (int i = 0; i < qs->njoins; i++)
        if (in_mask(mask, i)) copy[i].outer = false;
    qs->joins = copy;
    return DORM_OK;
}

/* Django's JoinPromoter votes: the joins a condition uses, and those it
 * needs a row in (it is false where the join found none). */
typedef struct votes {
    uint64_t touched;
    uint64_t required;
} votes;

/* Where a condition sits.  promote: under NOT (nullable joins become LEFT
 * OUTER); negated: under an odd number of NOTs; settle: leaves fix their
 * joins at once (not under OR, whose node decides from the votes); v: where
 * the votes go; outer: inside an expression (When, filter=), whose joins are
 * LEFT OUTER and reuse any existing one (Django's Q.resolve_expression). */
typedef struct where_ctx {
    bool promote;
    bool negated;
    bool settle;
    votes *v;
    int depth;
    bool outer;
} where_ctx;

/* A leaf's joins: voted, and (outside OR) LEFT OUTER under NOT or for
 * isnull=True, else INNER. */
static int settle_joins(dorm_qs *qs, int alias, bool promote_joins, const where_ctx *wc) {
    uint64_t chain = chain_mask(qs, alias);
    if (wc->v) {
        wc->v->touched |= chain;
        if (!promote_joins && !wc->promote) wc->v->required |= chain;
    }
    if (!wc->settle) return DORM_OK;
    return promote_joins || wc->promote ? promote_mask(qs, chain) : demote_mask(qs, chain);
}

static int prep_list(dorm_qs *qs, const dorm_path *p, dorm_kind kind, const dorm_value *in, dorm_value *out,
                     bool drop_nulls, const char *path) {
    if (in->len && !in->u.list)
        return dorm_qs__fail(qs, DORM_EVALUE, "The value of '%s' is a list of %zu items at a NULL pointer.", path,
                             in->len)
            ->err;
    dorm_value *items = dorm_alloc(qs->cx, sizeof(dorm_value) * (in->len ? in->len : 1));
    if (!items) return DORM_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < in->len; i++) {
        if (drop_nulls && in->u.list[i].type == DORM_T_NULL) continue;
        int rc = dorm_prep__value(qs->cx, p->field, kind, &in->u.list[i], &items[n]);
        if (rc) return rc;
        n++;
    }
    *out = dorm_v_list(items, n);
    return DORM_OK;
}

/* A leaf "lhs IN (subquery)": the subquery selects one column of `sub`. */
static int subquery_leaf(dorm_qs *qs, int alias, const dorm_fmeta *lhs, dorm_qs *sub, const dorm_where **out) {
    if (!sub) return dorm_qs__fail(qs, DORM_ENOMEM, "out of memory")->err;
    if (sub->err) return dorm_qs__fail(qs, sub->err, "%s", dorm_qs_errmsg(sub))->err;
    dorm_where *w = node(qs, DORM_W_SUBQUERY);
    if (!w) return DORM_ENOMEM;
    w->alias = alias;
    w->field = lhs;
    w->lookup = DORM_LK_IN;
    int rc = dorm_rexpr__in_subquery(qs, lhs, sub, &w->sub);
    if (rc) return rc;
    *out = w;
    return DORM_OK;
}

/* A boolean expression as a condition: filter(Exists(...)). */
static int expr_leaf(dorm_qs *qs, const dorm_q *q, const dorm_where **out) {
    if (q->value.type != DORM_T_EXPR || !q->value.u.p)
        return dorm_qs__fail(qs, DORM_EVALUE, "DQE() needs an expression.")->err;
    dorm_where *w = node(qs, DORM_W_EXPR);
    if (!w) return DORM_ENOMEM;
    int rc = dorm_expr__resolve(qs, q->value.u.p, &w->lhs);
    if (rc) return rc;
    if (w->lhs->out != DORM_KIND_BOOL)
        return dorm_qs__fail(qs, DORM_EVALUE, "%s is not a conditional expression.",
                             w->lhs->def ? w->lhs->def->name : "The expression")
            ->err;
    w->aggregate = w->lhs->aggregate;
    *out = w;
    return DORM_OK;
}

/* The annotation a path starts with ("n__gte" on annotate(n=...)), tried on
 * ever longer prefixes as Django's refs_expression does (an alias may hold
 * "__": "pages__avg"); *skip gets the length of its name. */
static const dorm_ann *path_annotation(const dorm_qs *qs, const char *path, size_t *skip) {
    if (!qs->nann) return NULL;
    for (const char *p = path;; p += 2) {
        const char *sep = strstr(p, "__");
        size_t n = sep ? (size_t)(sep - path) : strlen(path);
        const dorm_ann *ann = dorm_qs__annotation(qs, path, n);
        if (ann) {
            *skip = n;
            return ann;
        }
        if (!sep) return NULL;
        p = sep;
    }
}

/* Resolves the left side of a leaf: a path on the model, or an annotation
 * with transforms and a lookup after it. */
static int leaf_path(dorm_qs *qs, const char *path, int flags, dorm_path *p) {
    size_t skip;
    const dorm_ann *ann = path_annotation(qs, path, &skip);
    if (!ann) return dorm_path__resolve(qs, path, strlen(path), flags, p);
    const dorm_rexpr *ref = dorm_rexpr__ref(qs, ann);
    if (!ref) return DORM_ENOMEM;
    const char *rest = path + skip;
    return dorm_path__on_expr(qs, ref, rest[0] ? rest + 2 : rest, ann->alias, flags, p);
}

/* One part of a composite key compared with one value. */
static dorm_where *part_leaf(dorm_qs *qs, int alias, const dorm_fmeta *part, dorm_lookup lk, const dorm_value *v) {
    dorm_where *w = node(qs, DORM_W_LEAF);
    if (!w) return NULL;
    w->alias = alias;
    w->field = part;
    w->lookup = lk;
    w->def = dorm_lookup__builtin(lk);
    if (lk == DORM_LK_ISNULL)
        w->rhs = *v;
    else if (dorm_prep__value(qs->cx, part, part->value_kind, v, &w->rhs))
        return NULL;
    return w;
}

/* An AND or OR node of n kids (one kid stands alone). */
static dorm_where *group_of(dorm_qs *qs, dorm_wkind kind, const dorm_where **kids, int n) {
    if (n == 1) return (dorm_where *)kids[0];
    dorm_where *w = node(qs, kind);
    const dorm_where **arr = dorm_alloc(qs->cx, sizeof *arr * (size_t)n);
    if (!w || !arr) return NULL;
    memcpy(arr, kids, sizeof *arr * (size_t)n);
    w->n = n;
    w->kids = arr;
    return w;
}

/* Every part equal to its value: Django's TupleExact, (a = x AND b = y). */
static dorm_where *tuple_exact(dorm_qs *qs, int alias, const dorm_fmeta *pk, const dorm_value *vals) {
    const dorm_where *kids[16];
    for (int i = 0; i < pk->nparts && i < 16; i++)
        if (!(kids[i] = part_leaf(qs, alias, pk->parts[i], DORM_LK_EXACT, &vals[i]))) return NULL;
    return group_of(qs, DORM_W_AND, kids, pk->nparts < 16 ? pk->nparts : 16);
}

/* Django's TupleGreaterThan & co.: a > x OR (a = x AND (b > y ...)), the
 * last part compared with the lookup itself. */
static dorm_where *tuple_order(dorm_qs *qs, int alias, const dorm_fmeta *pk, const dorm_value *vals, int i,
                               dorm_lookup lk) {
    dorm_lookup strict = lk == DORM_LK_GTE ? DORM_LK_GT : lk == DORM_LK_LTE ? DORM_LK_LT : lk;
    if (i == pk->nparts - 1) return part_leaf(qs, alias, pk->parts[i], lk, &vals[i]);
    const dorm_where *eq_rest[2] = {part_leaf(qs, alias, pk->parts[i], DORM_LK_EXACT, &vals[i]),
                                    tuple_order(qs, alias, pk, vals, i + 1, lk)};
    if (!eq_rest[0] || !eq_rest[1]) return NULL;
    const dorm_where *either[2] = {part_leaf(qs, alias, pk->parts[i], strict, &vals[i]),
                                   group_of(qs, DORM_W_AND, eq_rest, 2)};
    return either[0] && either[1] ? group_of(qs, DORM_W_OR, either, 2) : NULL;
}

/* A value for a composite key: a list of one value per part. */
static bool tuple_value(const dorm_value *v, const dorm_fmeta *pk) {
    return v->type == DORM_T_LIST && (int)v->len == pk->nparts && (v->len == 0 || v->u.list);
}

/* A lookup on a composite primary key (Django 5.2's tuple lookups) as
 * lookups on its parts: exact, in (an OR of exacts), isnull (a part is
 * NULL / none is), gt, gte, lt, lte. */
static int composite_leaf(dorm_qs *qs, const dorm_path *p, const dorm_q *q, const where_ctx *wc,
                          const dorm_where **out) {
    const dorm_fmeta *pk = p->field;
    dorm_lookup lk = p->lookup ? dorm_lookup__code(p->lookup) : DORM_LK_EXACT;
    const dorm_value *v = &q->value;
    const char *name = p->lookup ? p->lookup->name : "exact";
    dorm_where *w = NULL;
    bool promote_joins = false;
    if (pk->nparts > 16 || p->expr)
        return dorm_qs__fail(qs, DORM_EFIELD, "Unsupported lookup for CompositePrimaryKey in '%s'.", q->path)->err;
    switch (lk) {
    case DORM_LK_ISNULL: {
        if (v->type != DORM_T_BOOL && !(v->type == DORM_T_INT && (v->u.i == 0 || v->u.i == 1)))
            return dorm_qs__fail(qs, DORM_EVALUE, "The QuerySet value for an isnull lookup must be True or False.")
                ->err;
        const dorm_value truth = dorm_v_bool(v->type == DORM_T_BOOL ? v->u.b : v->u.i == 1);
        const dorm_where *kids[16];
        for (int i = 0; i < pk->nparts; i++)
            if (!(kids[i] = part_leaf(qs, p->alias, pk->parts[i], DORM_LK_ISNULL, &truth))) return DORM_ENOMEM;
        w = group_of(qs, truth.u.b ? DORM_W_OR : DORM_W_AND, kids, pk->nparts);
        promote_joins = truth.u.b;
        break;
    }
    case DORM_LK_IN: {
        if (v->type != DORM_T_LIST || (v->len && !v->u.list))
            return dorm_qs__fail(qs, DORM_EVALUE, "'in' lookup of '%s' must be a collection of tuples or lists",
                                 pk->f->name)
                ->err;
        for (size_t i = 0; i < v->len; i++)
            if (!tuple_value(&v->u.list[i], pk))
                return dorm_qs__fail(qs, DORM_EVALUE, "'in' lookup of '%s' must have %d elements each", pk->f->name,
                                     pk->nparts)
                    ->err;
        if (v->len == 0) {
            w = node(qs, DORM_W_NOTHING);
            break;
        }
        const dorm_where **kids = dorm_alloc(qs->cx, sizeof *kids * v->len);
        if (!kids) return DORM_ENOMEM;
        for (size_t i = 0; i < v->len; i++)
            if (!(kids[i] = tuple_exact(qs, p->alias, pk, v->u.list[i].u.list)))
                return dorm_errcode(qs->cx) ? dorm_errcode(qs->cx) : DORM_ENOMEM;
        w = group_of(qs, DORM_W_OR, kids, (int)v->len);
        break;
    }
    case DORM_LK_EXACT:
    case DORM_LK_GT:
    case DORM_LK_GTE:
    case DORM_LK_LT:
    case DORM_LK_LTE:
        if (v->type != DORM_T_LIST)
            return dorm_qs__fail(qs, DORM_EVALUE, "'%s' lookup of '%s' must be a tuple or a list", name, pk->f->name)
                ->err;
        if (!tuple_value(v, pk))
            return dorm_qs__fail(qs, DORM_EVALUE, "'%s' lookup of '%s' must have %d elements", name, pk->f->name,
                                 pk->nparts)
                ->err;
        w = lk == DORM_LK_EXACT ? tuple_exact(qs, p->alias, pk, v->u.list)
                                : tuple_order(qs, p->alias, pk, v->u.list, 0, lk);
        break;
    default:
        return dorm_qs__fail(qs, DORM_EFIELD,
                             "Unsupported lookup '%s' for CompositePrimaryKey or join on the field not permitted.",
                             name)
            ->err;
    }
    if (!w)
        return dorm_errcode(qs->cx) ? dorm_qs__fail(qs, dorm_errcode(qs->cx), "%s", dorm_errmsg(qs->cx))->err
                                    : DORM_ENOMEM;
    int rc = settle_joins(qs, p->alias, promote_joins, wc);
    if (!rc) *out = w;
    return rc;
}

/* The field and kind leaf w's value is prepared as, when it is compared as
 * it comes (no None, list or expression): *kind comes in as its left side's
 * kind (expr: the left side is an expression). */
static void prep_as(const dorm_where *w, bool expr, const dorm_fmeta **field, dorm_kind *kind) {
    if (w->lookup == DORM_LK__COUNT && w->def->rhs) *kind = w->def->rhs;
    /* Pattern lookups on a UUID compare its text, as Django's UUIDField does. */
    if (*kind == DORM_KIND_UUID && w->lookup != DORM_LK_EXACT && w->lookup < DORM_LK_GT) *kind = DORM_KIND_TEXT;
    if (w->lookup == DORM_LK_REGEX || w->lookup == DORM_LK_IREGEX) *kind = DORM_KIND_TEXT;
    /* Django prepares no pattern or regex value (prepare_rhs = False):
     * a program's type compares the text given. */
    bool custom = !expr && w->field && w->field->f->kind == DORM_KIND_CUSTOM;
    bool raw = custom && w->lookup != DORM_LK_EXACT && (w->lookup < DORM_LK_GT || w->lookup >= DORM_LK_REGEX);
    *field = raw ? NULL : w->field;
}

void dorm_where__prep_as(const dorm_where *w, const dorm_fmeta **field, dorm_kind *kind) {
    *kind = w->field->value_kind;
    prep_as(w, false, field, kind);
}

static int leaf(dorm_qs *qs, const dorm_q *q, const where_ctx *wc, const dorm_where **out) {
    bool promote_joins = false;
    dorm_path p;
    int rc = leaf_path(qs, q->path, DORM_PATH_LOOKUPS | (wc->outer ? DORM_PATH_OUTER : 0), &p);
    if (rc) return rc;
    if (dorm_fmeta_composite(p.field)) return composite_leaf(qs, &p, q, wc, out);
    dorm_where *w = node(qs, DORM_W_LEAF);
    if (!w) return DORM_ENOMEM;
    w->alias = p.alias;
    w->field = p.field;
    w->lhs = p.expr;
    w->nullable = p.nullable;
    w->def = p.lookup ? p.lookup : dorm_lookup__builtin(DORM_LK_EXACT);
    w->lookup = dorm_lookup__code(w->def);
    w->aggregate = p.expr && p.expr->aggregate;
    if (dorm_rexpr__window(p.expr))
        return dorm_qs__fail(qs, DORM_ENOTSUPPORTED, "Window is disallowed in the filter clause.")->err;
    if (p.expr && (rc = dorm_rexpr__output(qs, p.expr))) return rc;
    bool searched;
    if ((rc = dorm_search__leaf(qs, w, &q->value, &searched))) return rc;
    if (searched) {
        if ((rc = settle_joins(qs, p.alias, promote_joins, wc))) return rc;
        *out = w;
        return DORM_OK;
    }
    dorm_kind kind = p.expr ? p.expr->vkind : p.field->value_kind;
    const dorm_json_sql *json = qs->cx->db->dialect->json;
    bool by_template = w->lookup == DORM_LK_JSON_CONTAINED_BY && json && json->contained_by;
    if ((w->lookup == DORM_LK_JSON_CONTAINS || w->lookup == DORM_LK_JSON_CONTAINED_BY) &&
        !qs->cx->db->dialect->operators[w->lookup] && !by_template)
        return dorm_qs__fail(qs, DORM_ENOTSUPPORTED, "%s lookup is not supported on this database backend.",
                             w->def->name)
            ->err;
    const dorm_value *v = &q->value;
    const dorm_value truth = dorm_v_bool(true);
    if (v->type == DORM_T_NONE) return dorm_qs__fail(qs, DORM_EVALUE, "No value given for '%s'.", q->path)->err;
    if (v->type == DORM_T_EXPR && w->lookup == DORM_LK_IN && ((const dorm_expr *)v->u.p)->kind == DORM_E_SUBQUERY) {
        /* pk__in=Subquery(qs) is pk__in=qs. */
        if ((rc = settle_joins(qs, p.alias, promote_joins, wc))) return rc;
        rc = subquery_leaf(qs, p.alias, p.field, ((const dorm_expr *)v->u.p)->query, out);
        if (!rc) ((dorm_where *)*out)->lhs = p.expr;
        return rc;
    }
    if (v->type == DORM_T_EXPR) {
        /* filter(title=F("author__name")): compare with a column expression. */
        if (w->lookup == DORM_LK_IN || w->lookup == DORM_LK_RANGE || w->lookup == DORM_LK_ISNULL ||
            (w->lookup >= DORM_LK_IEXACT && w->lookup <= DORM_LK_IENDSWITH) ||
            (w->lookup >= DORM_LK_REGEX && w->lookup < DORM_LK__COUNT))
            return dorm_qs__fail(qs, DORM_EVALUE, "The lookup '%s' cannot take an expression.", w->def->name)->err;
        rc = dorm_expr__resolve(qs, v->u.p, &w->rhs_expr);
        if (rc) return rc;
        if (dorm_rexpr__window(w->rhs_expr))
            return dorm_qs__fail(qs, DORM_ENOTSUPPORTED, "Window is disallowed in the filter clause.")->err;
        if (w->rhs_expr->aggregate && !qs->group_by)
            return dorm_qs__fail(qs, DORM_EFIELD,
                                 "Cannot filter '%s' against an aggregate: the query is not grouped (annotate() the "
                                 "aggregate and filter on its alias).",
                                 q->path)
                ->err;
        w->aggregate = w->aggregate || w->rhs_expr->aggregate;
        if ((rc = settle_joins(qs, p.alias, promote_joins, wc))) return rc;
        *out = w;
        return DORM_OK;
    }
    if (kind == DORM_KIND_JSON && w->lookup != DORM_LK__COUNT) {
        bool handled;
        if ((rc = dorm_json__leaf(qs, w, v, q->path, &handled))) return rc;
        if (handled) {
            if ((rc = settle_joins(qs, p.alias, w->lookup == DORM_LK_ISNULL && w->rhs.u.b, wc))) return rc;
            *out = w;
            return DORM_OK;
        }
        if (w->lhs) kind = w->lhs->vkind;
    }
    if (v->type == DORM_T_NULL && w->lookup != DORM_LK_ISNULL) {
        if (w->lookup != DORM_LK_EXACT && w->lookup != DORM_LK_IEXACT)
            return dorm_qs__fail(qs, DORM_EVALUE, "Cannot use None as a query value")->err;
        w->lookup = DORM_LK_ISNULL;
        w->def = dorm_lookup__builtin(DORM_LK_ISNULL);
        v = &truth;
    }
    switch (w->lookup) {
    case DORM_LK_ISNULL:
        if (v->type != DORM_T_BOOL && !(v->type == DORM_T_INT && (v->u.i == 0 || v->u.i == 1)))
            return dorm_qs__fail(qs, DORM_EVALUE, "The QuerySet value for an isnull lookup must be True or False.")
                ->err;
        w->rhs = dorm_v_bool(v->type == DORM_T_BOOL ? v->u.b : v->u.i == 1);
        if (w->rhs.u.b) promote_joins = true;
        break;
    case DORM_LK_IN:
        if (v->type == DORM_T_QUERYSET) {
            if (!v->u.p)
                return dorm_qs__fail(qs, DORM_EVALUE,
                                     "The QuerySet given for '%s' is NULL (a dorm call that built it failed).", q->path)
                    ->err;
            if ((rc = settle_joins(qs, p.alias, promote_joins, wc))) return rc;
            rc = subquery_leaf(qs, p.alias, p.field, (dorm_qs *)v->u.p, out);
            /* publication_date__year__in=qs compares the year. */
            if (!rc) ((dorm_where *)*out)->lhs = p.expr;
            return rc;
        }
        if (v->type != DORM_T_LIST)
            return dorm_qs__fail(qs, DORM_EVALUE, "The value of '%s' must be a list (DLIST or dorm_v_list).", q->path)
                ->err;
        rc = prep_list(qs, &p, kind, v, &w->rhs, true, q->path);
        if (rc) return rc;
        if (w->rhs.len == 0) w->kind = DORM_W_NOTHING;
        break;
    case DORM_LK_RANGE:
        if (v->type != DORM_T_LIST || v->len != 2)
            return dorm_qs__fail(qs, DORM_EVALUE, "The value of '%s' must be a list of two values.", q->path)->err;
        rc = prep_list(qs, &p, kind, v, &w->rhs, false, q->path);
        if (rc) return rc;
        if (w->rhs.u.list[0].type == DORM_T_NULL || w->rhs.u.list[1].type == DORM_T_NULL)
            return dorm_qs__fail(qs, DORM_EVALUE, "Cannot use None as a query value")->err;
        break;
    default: {
        if (v->type == DORM_T_LIST)
            return dorm_qs__fail(qs, DORM_EVALUE, "A list is not a valid value for '%s'.", q->path)->err;
        const dorm_fmeta *as;
        prep_as(w, p.expr != NULL, &as, &kind);
        rc = dorm_prep__value(qs->cx, as, kind, v, &w->rhs);
        if (rc) return dorm_qs__fail(qs, rc, "%s", dorm_errmsg(qs->cx))->err;
        /* LIKE and GLOB stop at a NUL byte: such a pattern would match on its prefix. */
        if (w->lookup >= DORM_LK_IEXACT && w->lookup <= DORM_LK_IENDSWITH && w->rhs.type == DORM_T_TEXT &&
            memchr(w->rhs.u.s, '\0', w->rhs.len == DORM_STRLEN ? strlen(w->rhs.u.s) : w->rhs.len))
            return dorm_qs__fail(qs, DORM_EVALUE, "The value of '%s' contains a NUL byte.", q->path)->err;
    }
    }
    if ((rc = settle_joins(qs, p.alias, promote_joins, wc))) return rc;
    *out = w;
    return DORM_OK;
}

enum { NOT_MULTIVALUED = 1 };

/* Django answers exclude() across a multi-valued relation with a subquery
 * (a book titled Emma excludes its author, not one joined row): the relation
 * part of the path becomes "prefix pk IN (SELECT fk FROM related WHERE rest)".
 * NOT_MULTIVALUED when the path crosses no reverse relation. */
static int multivalued_leaf(dorm_qs *qs, const dorm_q *q, const dorm_where **out) {
    const dorm_meta *m = qs->meta;
    const char *path = q->path, *p = path, *end = path + strlen(path);
    while (p < end) {
        const char *sep = strstr(p, "__");
        if (!sep) sep = end;
        size_t n = (size_t)(sep - p);
        const dorm_fmeta *fm = dorm_meta__fieldn(m, p, n);
        if (fm && fm->target && fm->f->kind == DORM_KIND_FK && sep != end) {
            m = fm->target;
            p = sep + 2;
            continue;
        }
        /* A multi-table parent's relations are the child's too. */
        const dorm_rel *rel = fm ? NULL : dorm_meta__reverse_up(m, p, n, NULL);
        if (!rel && !fm) rel = dorm_meta__m2m_up(m, p, n, NULL);
        if (!rel) return NOT_MULTIVALUED;
        /* The owner's key, reached through the forward part of the path. */
        const char *owner = dorm_sprintf(qs->cx, "%.*spk", (int)(p - path), path);
        dorm_path lp;
        if (!owner) return DORM_ENOMEM;
        int rc = dorm_path__resolve(qs, owner, strlen(owner), 0, &lp);
        if (rc) return rc;
        const char *rest = sep == end ? "pk" : sep + 2;
        if (sep != end && dorm_lookup__named(qs->cx->db->reg, rest, strlen(rest)))
            rest = dorm_sprintf(qs->cx, "pk__%s", rest);
        /* Many-to-many: the subquery reads the join table, through its key to the other side. */
        if (rel->through && rest) rest = dorm_sprintf(qs->cx, "%s__%s", rel->to_fk->f->name, rest);
        char *fk_notnull = dorm_sprintf(qs->cx, "%s__isnull", rel->fk->f->name);
        if (!rest || !fk_notnull) return DORM_ENOMEM;
        size_t plen = strlen(path);
        bool null_true = plen >= 8 && strcmp(path + plen - 8, "__isnull") == 0 &&
            ((q->value.type == DORM_T_BOOL && q->value.u.b) || (q->value.type == DORM_T_INT && q->value.u.i == 1));
        if (null_true) {
            /* A related row that is missing satisfies isnull=True: the subquery
             * starts from the owner, its join LEFT OUTER (Django's split_exclude). */
            dorm_qs *own = dorm_qs_all(qs->cx, m->model);
            own = dorm_qs_filter(own, (const dorm_q *const[]){&(const dorm_q){DORM_Q_LEAF, p, q->value, NULL}, NULL});
            own = dorm_qs_values_list(own, true, (const char *const[]){"pk", NULL});
            return subquery_leaf(qs, lp.alias, lp.field, own, out);
        }
        dorm_qs *sub = dorm_qs_all(qs->cx, (rel->through ? rel->through : rel->model)->model);
        sub = dorm_qs_filter(sub,
                             (const dorm_q *const[]){&(const dorm_q){DORM_Q_LEAF, rest, q->value, NULL},
                                                     &(const dorm_q){DORM_Q_LEAF, fk_notnull, dorm_v_bool(false), NULL},
                                                     NULL});
        sub = dorm_qs_values_list(sub, true, (const char *const[]){rel->fk->attname, NULL});
        return subquery_leaf(qs, lp.alias, lp.field, sub, out);
    }
    return NOT_MULTIVALUED;
}

static int build(dorm_qs *qs, const dorm_q *q, where_ctx wc, const dorm_where **out);

/* An AND / OR / NOT node.  Children that are empty groups are left out, as
 * Django's _add_q leaves out an empty Q; *out is NULL when nothing is left
 * (an empty node matches every row, negated or not: ~Q() is Q()). */
static int group(dorm_qs *qs, dorm_wkind kind, const dorm_q *const *kids, where_ctx wc, const dorm_where **out) {
    int n = 0;
    while (kids && kids[n]) n++;
    const dorm_where **arr = dorm_alloc(qs->cx, sizeof(*arr) * (size_t)(n ? n : 1));
    dorm_where *w = node(qs, kind);
    if (!arr || !w) return DORM_ENOMEM;
    /* OR: each child votes; a join every child needs stays INNER, the others
     * become LEFT OUTER (a row may match through a branch without them). */
    votes all = {0, ~(uint64_t)0};
    /* AND outside OR: the joins any child needs are demoted once all are built. */
    votes and_v = {0, 0};
    int kept = 0;
    for (int i = 0; i < n; i++) {
        votes mine = {0, 0};
        where_ctx cw = wc;
        cw.depth = wc.depth + 1;
        if (kind == DORM_W_OR)
            cw = (where_ctx){wc.promote, wc.negated, false, &mine, wc.depth + 1, wc.outer};
        else if (kind == DORM_W_AND && wc.settle && !wc.promote && !wc.v)
            cw.v = &and_v;
        int rc = build(qs, kids[i], cw, &arr[kept]);
        if (rc) return rc;
        if (!arr[kept]) continue;
        w->aggregate = w->aggregate || arr[kept]->aggregate;
        kept++;
        all.touched |= mine.touched;
        all.required &= mine.required;
    }
    *out = NULL;
    if (!kept) return DORM_OK;
    int rc = DORM_OK;
    if (kind == DORM_W_OR) {
        rc = promote_mask(qs, wc.promote ? all.touched : all.touched & ~all.required);
        if (wc.v) {
            wc.v->touched |= all.touched;
            if (!wc.promote) wc.v->required |= all.required;
        }
    } else if (kind == DORM_W_AND && wc.settle && !wc.promote && !wc.v) {
        rc = demote_mask(qs, and_v.required);
    }
    if (rc) return rc;
    w->n = kept;
    w->kids = arr;
    *out = w;
    return DORM_OK;
}

static int build(dorm_qs *qs, const dorm_q *q, where_ctx wc, const dorm_where **out) {
    if (wc.depth > DORM_MAX_DEPTH)
        return dorm_qs__fail(qs, DORM_EVALUE, "Conditions are nested more than %d levels deep.", DORM_MAX_DEPTH)->err;
    switch (q->kind) {
    case DORM_Q_LEAF: {
        if (!q->path) return dorm_qs__fail(qs, DORM_EVALUE, "A condition needs a field path.")->err;
        size_t skip;
        if (wc.negated && !path_annotation(qs, q->path, &skip)) {
            /* Checked as filter() would check it first, so that the subquery
             * of an exclude() does not word its errors differently. */
            dorm_qs scratch = *qs;
            dorm_path p;
            if (dorm_path__resolve(&scratch, q->path, strlen(q->path), DORM_PATH_LOOKUPS, &p))
                return dorm_qs__fail(qs, scratch.err, "%s", scratch.errmsg ? scratch.errmsg : "")->err;
            int rc = multivalued_leaf(qs, q, out);
            if (rc != NOT_MULTIVALUED) return rc;
        }
        return leaf(qs, q, &wc, out);
    }
    case DORM_Q_AND: return group(qs, DORM_W_AND, q->children, wc, out);
    case DORM_Q_OR: return group(qs, DORM_W_OR, q->children, wc, out);
    case DORM_Q_NOT:
        return group(qs, DORM_W_NOT, q->children, (where_ctx){true, !wc.negated, true, NULL, wc.depth, wc.outer}, out);
    case DORM_Q_EXPR: return expr_leaf(qs, q, out);
    default: return dorm_qs__fail(qs, DORM_EVALUE, "Unknown condition kind %d.", (int)q->kind)->err;
    }
}

int dorm_where__add(dorm_qs *qs, const dorm_q *const *conds, bool negate) {
    qs->generation++;
    /* Joins an earlier filter() made INNER stay INNER: that filter still
     * needs their rows (Django's add_q demotes them again). */
    uint64_t inner = 0;
    for (int i = 0; i < qs->njoins && i < 64; i++)
        if (!qs->joins[i].outer) inner |= (uint64_t)1 << i;
    const dorm_where *added;
    int rc;
    if (!negate && conds[0] && !conds[1]) {
        /* filter() of one condition (get(pk=...) in a loop): what group()
         * does for an AND of one child, without the AND node, which would
         * write the same SQL (its one child needs no parentheses outside a
         * NOT).  An AND child keeps it: the next filter() flattens the top
         * AND only, so (a AND b) AND c stays as it was written. */
        votes v = {0, 0};
        rc = build(qs, conds[0], (where_ctx){false, false, true, &v, 0, false}, &added);
        if (!rc && added) rc = demote_mask(qs, v.required);
        if (!rc && added && added->kind == DORM_W_AND) {
            dorm_where *w = node(qs, DORM_W_AND);
            const dorm_where **kid = dorm_alloc(qs->cx, sizeof *kid);
            if (!w || !kid) return DORM_ENOMEM;
            kid[0] = added;
            w->n = 1;
            w->kids = kid;
            w->aggregate = added->aggregate;
            added = w;
        }
    } else {
        /* The conditions of one call sit at depth 0 (or 1, under exclude's
         * NOT); a leaf's depth counts the AND / OR / NOT nodes above it. */
        rc = group(qs, negate ? DORM_W_NOT : DORM_W_AND, conds,
                   (where_ctx){negate, negate, true, NULL, negate ? 0 : -1, false}, &added);
    }
    if (!rc && qs->njoins <= 64) rc = demote_mask(qs, inner);
    if (rc || !added) return rc;
    return dorm_where__and(qs, added);
}

int dorm_where__and(dorm_qs *qs, const dorm_where *added) {
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
    if (old->kind == DORM_W_AND)
        memcpy(arr, old->kids, sizeof(*arr) * (size_t)on);
    else
        arr[0] = old;
    if (added->kind == DORM_W_AND)
        memcpy(arr + on, added->kids, sizeof(*arr) * (size_t)an);
    else
        arr[on] = added;
    w->n = on + an;
    w->kids = arr;
    w->aggregate = old->aggregate || added->aggregate;
    qs->where = w;
    return DORM_OK;
}

int dorm_where__cond(dorm_qs *qs, const dorm_q *q, const dorm_where **out) {
    *out = NULL;
    const dorm_q *const kids[] = {q, NULL};
    return group(qs, DORM_W_AND, kids, (where_ctx){true, false, true, NULL, 0, true}, out);
}

bool dorm_where__joins(const dorm_where *w) {
    if (w->kind == DORM_W_LEAF) return w->alias != 0 || dorm_rexpr__joins(w->lhs) || dorm_rexpr__joins(w->rhs_expr);
    if (w->kind == DORM_W_SUBQUERY) return w->alias != 0 || dorm_rexpr__joins(w->lhs);
    if (w->kind == DORM_W_EXPR) return dorm_rexpr__joins(w->lhs);
    for (int i = 0; i < w->n; i++)
        if (dorm_where__joins(w->kids[i])) return true;
    return false;
}

/* A leaf naming one row of the base table by a key the database keeps
 * unique: exact on the primary key or a unique column, a value not NULL. */
static bool pins_row(const dorm_qs *qs, const dorm_where *w) {
    const dorm_fmeta *fm = w->field;
    return w->kind == DORM_W_LEAF && w->alias == 0 && fm && !w->lhs && !w->rhs_expr && !w->json &&
        w->lookup == DORM_LK_EXACT && w->rhs.type != DORM_T_NULL && w->rhs.type != DORM_T_LIST &&
        !dorm_fmeta_composite(fm) && (fm == qs->meta->pk || fm->f->unique);
}

bool dorm_qs__one_row(const dorm_qs *qs) {
    const dorm_where *w = qs->where;
    if (!w || qs->combinator) return false;
    for (int i = 0; i < qs->njoins; i++)
        if (qs->joins[i].reverse && !qs->joins[i].fk->f->unique) return false;
    if (w->kind != DORM_W_AND) return pins_row(qs, w);
    for (int i = 0; i < w->n; i++)
        if (pins_row(qs, w->kids[i])) return true;
    return false;
}
