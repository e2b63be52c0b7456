/* resolve.c - resolution of expressions (dorm_expr) against a Query: F()
 * paths become columns (adding joins) or annotation references, names select
 * rows of the function table, Q conditions become where trees, and every node
 * gets Django's output field (its _resolve_output_field rules, "mixed types"
 * included) and the spelling of the backend in use. */
#include <stdio.h>
#include <string.h>

#include "query/query.h"
#include "query/search.h"

typedef struct rctx {
    dorm_qs *qs;
    bool summarize; /* aggregate(): annotations are the inner query's columns */
    bool in_aggregate; /* an aggregate's arguments: joins are LEFT OUTER         */
    int depth;
    bool in_window; /* the expression of a Window: window functions allowed */
} rctx;

static int resolve(rctx *c, const dorm_expr *e, const dorm_rexpr **out);

static int fail(rctx *c, int code, const char *fmt, const char *a, const char *b) {
    return dorm_qs__fail(c->qs, code, fmt, a ? a : "", b ? b : "")->err;
}

static dorm_rexpr *node(dorm_qs *qs, const dorm_node_ops *ops) {
    dorm_rexpr *r = dorm_alloc(qs->cx, sizeof *r);
    if (r) {
        memset(r, 0, sizeof *r);
        r->ops = ops;
    }
    return r;
}

/* Django's field class hierarchy, as far as isinstance() checks see it. */
static dorm_kind parent_kind(dorm_kind k) {
    switch (k) {
    case DORM_KIND_AUTO:
    case DORM_KIND_SMALLINT:
    case DORM_KIND_POSINT:
    case DORM_KIND_BIGINT: return DORM_KIND_INT;
    case DORM_KIND_BIGAUTO: return DORM_KIND_BIGINT;
    case DORM_KIND_POSSMALLINT: return DORM_KIND_SMALLINT;
    case DORM_KIND_SLUG:
    case DORM_KIND_EMAIL:
    case DORM_KIND_URL: return DORM_KIND_CHAR;
    case DORM_KIND_DATETIME: return DORM_KIND_DATE;
    case DORM_KIND_IMAGE: return DORM_KIND_FILE;
    default: return DORM_KIND_NONE;
    }
}

/* isinstance(a field of kind a, the class of kind b) */
static bool isa(dorm_kind a, dorm_kind b) {
    for (; a != DORM_KIND_NONE; a = parent_kind(a))
        if (a == b) return true;
    return false;
}

dorm_kind dorm_read__kind(dorm_kind k) { return isa(k, DORM_KIND_INT) || k == DORM_KIND_FK ? DORM_KIND_BIGINT : k; }

dorm_rexpr *dorm_rexpr__col(dorm_qs *qs, int alias, const dorm_fmeta *field) {
    dorm_rexpr *r = node(qs, &dorm_node_col);
    if (!r) return NULL;
    r->alias = alias;
    r->field = field;
    r->out = field->f->kind;
    r->vkind = field->value_kind;
    r->decimal_places = field->f->decimal_places;
    return r;
}

int dorm_rexpr__read_places(const dorm_rexpr *e) {
    while (e && e->ops == &dorm_node_ref) e = e->target;
    return e && dorm_rexpr_is_col(e) ? e->field->f->decimal_places : -1;
}

/* Takes the output of src (its field and how it is read). */
static void same_output(dorm_rexpr *r, const dorm_rexpr *src) {
    r->out = src->out;
    r->vkind = src->vkind;
    r->decimal_places = src->decimal_places;
    r->mixed = src->mixed;
}

static void fixed_output(dorm_rexpr *r, dorm_kind k) {
    r->out = r->vkind = k;
    r->mixed = NULL;
}

/* Django's BaseExpression._resolve_output_field: the first source with an
 * output field, provided every later one is an instance of its class; else
 * the mixed types error, kept for when the output is needed. */
static void default_output(dorm_qs *qs, dorm_rexpr *r, const dorm_rexpr *const *src, int n) {
    const dorm_rexpr *first = NULL;
    for (int i = 0; i < n; i++) {
        if (src[i]->mixed) {
            r->mixed = src[i]->mixed;
            return;
        }
        if (src[i]->out == DORM_KIND_NONE) continue;
        if (!first) {
            first = src[i];
            same_output(r, first);
            continue;
        }
        if (!isa(first->out, src[i]->out)) {
            r->mixed = dorm_sprintf(qs->cx, "Expression contains mixed types: %s, %s. You must set output_field.",
                                    dorm_kind__name(first->out), dorm_kind__name(src[i]->out));
            return;
        }
        if (src[i]->decimal_places > r->decimal_places) r->decimal_places = src[i]->decimal_places;
    }
}

/* Django's NumericOutputFieldMixin: a decimal source gives a decimal, an
 * integer one a float, others the default rule. */
static void numeric_output(dorm_qs *qs, dorm_rexpr *r, const dorm_rexpr *const *src, int n) {
    bool dec = false, integer = false;
    for (int i = 0; i < n; i++) {
        dec = dec || src[i]->out == DORM_KIND_DECIMAL;
        integer = integer || isa(src[i]->out, DORM_KIND_INT);
    }
    if (dec) {
        fixed_output(r, DORM_KIND_DECIMAL);
        for (int i = 0; i < n; i++)
            if (src[i]->decimal_places > r->decimal_places) r->decimal_places = src[i]->decimal_places;
    } else if (integer || n == 0) {
        fixed_output(r, DORM_KIND_FLOAT);
    } else {
        default_output(qs, r, src, n);
    }
}

int dorm_rexpr__output(dorm_qs *qs, const dorm_rexpr *e) {
    if (e->mixed) return dorm_qs__fail(qs, DORM_EFIELD, "%s", e->mixed)->err;
    return DORM_OK;
}

/* ---- values, columns, annotations ---- */

static dorm_kind value_kind(const dorm_value *v) {
    switch (v->type) {
    case DORM_T_BOOL: return DORM_KIND_BOOL;
    case DORM_T_INT: return DORM_KIND_INT;
    case DORM_T_FLOAT: return DORM_KIND_FLOAT;
    case DORM_T_TEXT: return DORM_KIND_CHAR;
    case DORM_T_BYTES: return DORM_KIND_BINARY;
    case DORM_T_DATE: return DORM_KIND_DATE;
    case DORM_T_DATETIME: return DORM_KIND_DATETIME;
    case DORM_T_TIME: return DORM_KIND_TIME;
    case DORM_T_DECIMAL: return DORM_KIND_DECIMAL;
    case DORM_T_UUID: return DORM_KIND_UUID;
    case DORM_T_DURATION: return DORM_KIND_DURATION;
    default: return DORM_KIND_NONE;
    }
}

/* Value(x): the value copied into the arena (a QuerySet keeps it); its
 * output field is Django's for the Python type, or the one given. */
static int resolve_value(rctx *c, const dorm_expr *e, const dorm_value *v, const dorm_rexpr **out) {
    if (v->type == DORM_T_EXPR) return resolve(c, v->u.p, out);
    if (v->type == DORM_T_NONE || v->type == DORM_T_LIST || v->type == DORM_T_OBJECT || v->type == DORM_T_QUERYSET)
        return fail(c, DORM_EVALUE, "Unsupported value in an expression.", NULL, NULL);
    dorm_rexpr *r = node(c->qs, &dorm_node_value);
    if (!r) return DORM_ENOMEM;
    dorm_kind k = e && e->output ? e->output : value_kind(v);
    if (e && e->output && v->type != DORM_T_NULL) {
        /* Value("2024-01-02", output_field=DateField()) binds a date. */
        if (dorm_prep__value(c->qs->cx, NULL, e->output, v, &r->value))
            return dorm_qs__fail(c->qs, dorm_errcode(c->qs->cx), "%s", dorm_errmsg(c->qs->cx))->err;
    } else if (v->type == DORM_T_TEXT || v->type == DORM_T_BYTES) {
        if (dorm_prep__value(c->qs->cx, NULL, v->type == DORM_T_TEXT ? DORM_KIND_TEXT : DORM_KIND_BINARY, v, &r->value))
            return dorm_qs__fail(c->qs, dorm_errcode(c->qs->cx), "%s", dorm_errmsg(c->qs->cx))->err;
    } else {
        r->value = *v;
    }
    fixed_output(r, k);
    if (v->type == DORM_T_DECIMAL) r->decimal_places = v->u.dec.scale;
    if (e && e->decimal_places) r->decimal_places = e->decimal_places;
    *out = r;
    return DORM_OK;
}

const dorm_rexpr *dorm_rexpr__typed(dorm_qs *qs, const dorm_rexpr *e) {
    if (e->ops != &dorm_node_value || e->typed) return e;
    dorm_rexpr *r = node(qs, &dorm_node_value);
    if (!r) return NULL;
    *r = *e;
    r->typed = true;
    return r;
}

dorm_rexpr *dorm_rexpr__transform(dorm_qs *qs, const dorm_func_def *fn, const dorm_rexpr *arg) {
    dorm_rexpr *r = node(qs, &dorm_node_func);
    const dorm_rexpr **args = dorm_alloc(qs->cx, sizeof *args);
    if (!r || !args) return NULL;
    args[0] = arg;
    r->def = fn;
    r->nargs = 1;
    r->args = args;
    r->aggregate = arg->aggregate;
    const dorm_builtin_func *b = dorm_func__builtin(fn);
    r->extract = b ? b->extract : 0;
    dorm_func__spelling(fn, qs->cx->db->dialect, qs->cx->db->drv->vendor, &r->sql, &r->write);
    if (fn->output)
        fixed_output(r, fn->output);
    else if (fn->flags & DORM_FUNC_NUMERIC)
        numeric_output(qs, r, args, 1);
    else
        default_output(qs, r, args, 1);
    r->decimal_result = r->out == DORM_KIND_DECIMAL && !r->mixed;
    return r;
}

dorm_rexpr *dorm_rexpr__ref(dorm_qs *qs, const dorm_ann *ann) {
    dorm_rexpr *r = node(qs, &dorm_node_ref);
    if (!r) return NULL;
    r->ref = ann->alias;
    r->target = ann->e;
    r->aggregate = ann->e->aggregate;
    same_output(r, ann->e);
    return r;
}

/* An annotation named by F(), with transforms after its name. */
static int annotation_ref(rctx *c, const dorm_ann *ann, const char *path, size_t skip, const dorm_rexpr **out) {
    const dorm_rexpr *r = dorm_rexpr__ref(c->qs, ann);
    if (!r) return DORM_ENOMEM;
    const char *rest = path + skip;
    dorm_path p;
    int rc = dorm_path__on_expr(c->qs, r, rest[0] ? rest + 2 : rest, ann->alias, DORM_PATH_TRANSFORMS, &p);
    if (rc) return rc;
    *out = p.expr;
    return DORM_OK;
}

static int resolve_f(rctx *c, const char *name, const dorm_rexpr **out) {
    if (!name) return fail(c, DORM_EVALUE, "F() needs a field name.", NULL, NULL);
    /* Annotations first, as Django's resolve_ref: "n", or "n__year". */
    const char *sep = strstr(name, "__");
    size_t n0 = sep ? (size_t)(sep - name) : strlen(name);
    const dorm_ann *ann = dorm_qs__annotation(c->qs, name, strlen(name));
    size_t skip = strlen(name);
    if (!ann && sep && !dorm_meta__fieldn(c->qs->meta, name, n0)) {
        ann = dorm_qs__annotation(c->qs, name, n0);
        skip = n0;
    }
    if (ann) return annotation_ref(c, ann, name, skip, out);
    dorm_path p;
    int rc = dorm_path__resolve(c->qs, name, strlen(name),
                                DORM_PATH_TRANSFORMS | (c->in_aggregate ? DORM_PATH_OUTER : 0), &p);
    if (rc) return rc;
    *out = p.expr ? p.expr : dorm_rexpr__col(c->qs, p.alias, p.field);
    return *out ? DORM_OK : DORM_ENOMEM;
}

/* ---- arithmetic ---- */

/* Django's _connector_combinators: integer with decimal or float, either
 * side, for + - * / when the sides' fields differ. */
static dorm_kind combined(dorm_expr_kind op, dorm_kind a, dorm_kind b) {
    if (op > DORM_E_DIV) return DORM_KIND_NONE;
    bool ia = isa(a, DORM_KIND_INT), ib = isa(b, DORM_KIND_INT);
    if (ia && ib) return DORM_KIND_INT;
    if ((ia && b == DORM_KIND_DECIMAL) || (a == DORM_KIND_DECIMAL && ib)) return DORM_KIND_DECIMAL;
    if ((ia && b == DORM_KIND_FLOAT) || (a == DORM_KIND_FLOAT && ib)) return DORM_KIND_FLOAT;
    return DORM_KIND_NONE;
}

static int resolve_op(rctx *c, const dorm_expr *e, const dorm_rexpr **out) {
    static const char *const names[] = {[DORM_E_ADD] = "+", [DORM_E_SUB] = "-", [DORM_E_MUL] = "*",
                                        [DORM_E_DIV] = "/", [DORM_E_MOD] = "%", [DORM_E_POW] = "^"};
    if (!e->a || !e->b) return fail(c, DORM_EVALUE, "An arithmetic expression needs two operands.", NULL, NULL);
    dorm_rexpr *r = node(c->qs, &dorm_node_op);
    const dorm_rexpr **args = dorm_alloc(c->qs->cx, sizeof *args * 2);
    if (!r || !args) return DORM_ENOMEM;
    int rc = resolve(c, e->a, &args[0]);
    if (!rc) rc = resolve(c, e->b, &args[1]);
    if (rc) return rc;
    if (dorm_search__any(args[0], args[1])) return dorm_search__combine(c->qs, e->kind, args[0], args[1], out);
    r->nargs = 2;
    r->args = args;
    r->op = names[e->kind];
    r->aggregate = args[0]->aggregate || args[1]->aggregate;
    default_output(c->qs, r, args, 2);
    if (r->mixed && !args[0]->mixed && !args[1]->mixed) {
        dorm_kind k = combined(e->kind, args[0]->out, args[1]->out);
        if (k) {
            fixed_output(r, k);
            r->decimal_places =
                args[0]->decimal_places > args[1]->decimal_places ? args[0]->decimal_places : args[1]->decimal_places;
        }
    }
    r->decimal_result = r->out == DORM_KIND_DECIMAL && !r->mixed;
    /* The operator's spelling: the dialect's (SQLite: POWER(a,b)), else "a op b". */
    r->sql = NULL;
    for (const dorm_func_sql *f = c->qs->cx->db->dialect->functions; f && f->name; f++)
        if (strcmp(f->name, r->op) == 0) r->sql = f->sql;
    if ((rc = dorm_temporal__op(c->qs, r))) return rc;
    *out = r;
    return DORM_OK;
}

/* ---- functions and aggregates ---- */

static int arity_error(rctx *c, const dorm_func_def *def, int n) {
    char got[64];
    /* Django's ValueError of Coalesce, Greatest, Least and Concat. */
    if (def->max_args < 0 && def->min_args == 2)
        return fail(c, DORM_EVALUE, "%s must take at least two expressions", def->name, NULL);
    if (def->min_args == def->max_args)
        snprintf(got, sizeof got, "exactly %d argument%s (%d given)", def->min_args, def->min_args == 1 ? "" : "s", n);
    else if (def->max_args < 0)
        snprintf(got, sizeof got, "at least %d arguments (%d given)", def->min_args, n);
    else
        snprintf(got, sizeof got, "%d to %d arguments (%d given)", def->min_args, def->max_args, n);
    return fail(c, DORM_EVALUE, "'%s' takes %s", def->name, got);
}

/* The arguments as written: args, else a, else the value given to an
 * aggregate macro (a path, an expression). */
static int gather_args(const dorm_expr *e, const dorm_expr **tmp, const dorm_expr *const **list) {
    if (e->args) {
        int n = 0;
        while (e->args[n]) n++;
        *list = e->args;
        return n;
    }
    if (e->a)
        tmp[0] = e->a;
    else if (e->value.type == DORM_T_NONE)
        return 0;
    else
        tmp[0] = NULL;
    *list = tmp;
    return 1;
}

/* One argument of an aggregate macro given as a value: a path is F(path),
 * "*" is Count's star (another aggregate's "*" is a path, which Django
 * cannot resolve either: FieldError). */
static int value_arg(rctx *c, const dorm_expr *e, const dorm_rexpr **out) {
    const dorm_value *v = &e->value;
    if (v->type == DORM_T_TEXT) {
        if (strcmp(v->u.s, "*") == 0 && e->func && strcmp(e->func, "Count") == 0) {
            dorm_rexpr *star = node(c->qs, &dorm_node_star);
            if (!star) return DORM_ENOMEM;
            *out = star;
            return DORM_OK;
        }
        return resolve_f(c, v->u.s, out);
    }
    if (v->type == DORM_T_NULL) return fail(c, DORM_EVALUE, "An aggregate needs a field path.", NULL, NULL);
    return resolve_value(c, NULL, v, out);
}

/* Django's default alias of an aggregate over a path ("pages__avg"). */
const char *dorm_default__alias(dorm_ctx *cx, const dorm_expr *e) {
    if (!e || e->kind != DORM_E_FUNC || !e->func || e->args) return NULL;
    const char *path = e->a && e->a->kind == DORM_E_F ? (e->a->name ? e->a->name : e->a->value.u.s)
        : !e->a && e->value.type == DORM_T_TEXT       ? e->value.u.s
                                                      : NULL;
    const dorm_func_def *def = dorm_func__find(cx->db->reg, e->func, strlen(e->func));
    if (!path || !def || !(def->flags & DORM_FUNC_AGGREGATE)) return NULL;
    char *s = dorm_sprintf(cx, "%s__%s", path, def->name);
    for (char *p = s ? s + strlen(path) + 2 : NULL; p && *p; p++)
        if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
    return s;
}

/* Concat(a, b, c, ...) as Django builds it: ConcatPair(a, ConcatPair(b, ...)). */
static int concat_pairs(rctx *c, const dorm_rexpr *const *args, int n, const dorm_rexpr **out) {
    const dorm_rexpr *acc = args[n - 1];
    for (int i = n - 2; i >= 0; i--) {
        dorm_rexpr *r = node(c->qs, &dorm_node_func);
        const dorm_rexpr **pair = dorm_alloc(c->qs->cx, sizeof *pair * 2);
        if (!r || !pair) return DORM_ENOMEM;
        pair[0] = dorm_rexpr__typed(c->qs, args[i]);
        pair[1] = dorm_rexpr__typed(c->qs, acc);
        if (!pair[0] || !pair[1]) return DORM_ENOMEM;
        r->def = dorm_concat_pair;
        r->nargs = 2;
        r->args = pair;
        r->aggregate = args[i]->aggregate || acc->aggregate;
        dorm_func__spelling(r->def, c->qs->cx->db->dialect, c->qs->cx->db->drv->vendor, &r->sql, &r->write);
        default_output(c->qs, r, pair, 2);
        r->decimal_result = r->out == DORM_KIND_DECIMAL && !r->mixed;
        acc = r;
    }
    *out = acc;
    return DORM_OK;
}

static int resolve_func(rctx *c, const dorm_expr *e, const dorm_rexpr **out) {
    dorm_qs *qs = c->qs;
    if (!e->func) return fail(c, DORM_EVALUE, "Func() needs a function name.", NULL, NULL);
    const char *name = e->func;
    int rc = dorm_date__func_name(qs, e, &name);
    if (rc) return rc;
    const dorm_func_def *def = dorm_func__find(qs->cx->db->reg, name, strlen(name));
    if (!def) {
        const char *best[3];
        int nb = dorm_func__close(qs->cx->db->reg, e->func, strlen(e->func), best);
        return dorm_qs__fail(qs, DORM_EFIELD, "Unknown function '%s'%s%s%s%s%s%s", e->func,
                             nb ? ", perhaps you meant " : ".", nb ? best[0] : "", nb > 1 ? " or " : "",
                             nb > 1 ? best[1] : "", nb > 2 ? " or " : "",
                             nb > 2   ? dorm_sprintf(qs->cx, "%s?", best[2])
                                 : nb ? "?"
                                      : "")
            ->err;
    }
    const dorm_builtin_func *b = dorm_func__builtin(def);
    bool agg = def->flags & DORM_FUNC_AGGREGATE;
    if (!agg && (e->distinct || e->filter))
        return fail(c, DORM_EVALUE, "%s is not an aggregate: it takes no distinct or filter.", def->name, NULL);
    if (e->distinct && !(def->flags & DORM_FUNC_DISTINCT))
        return fail(c, DORM_EVALUE, "%s does not allow distinct.", def->name, NULL);
    const dorm_expr *tmp[1];
    const dorm_expr *const *list;
    int n = gather_args(e, tmp, &list);
    if (b && b->pairs && (rc = dorm_func__pairs(qs, def, &list, &n))) return rc;
    const char *collation = NULL;
    if (b && b->collation && (rc = dorm_func__collation(qs, e->name, &collation))) return rc;
    bool fill = b && b->fill.type != DORM_T_NONE && n == def->min_args;
    if (n < def->min_args || (def->max_args >= 0 && n > def->max_args)) return arity_error(c, def, n);
    dorm_rexpr *r = node(qs, &dorm_node_func);
    const dorm_rexpr **args = dorm_alloc(qs->cx, sizeof *args * (size_t)(n + fill + 1));
    if (!r || !args) return DORM_ENOMEM;
    rctx inner = *c;
    inner.in_aggregate = c->in_aggregate || agg;
    inner.in_window = false;
    for (int i = 0; i < n; i++) {
        rc = list[i] ? resolve(&inner, list[i], &args[i]) : value_arg(&inner, e, &args[i]);
        if (rc) return rc;
        /* Django's check; aggregate() may aggregate an aggregate annotation
         * (over a subquery), not an aggregate written in place. */
        if (agg && args[i]->aggregate && (!c->summarize || args[i]->ops != &dorm_node_ref)) {
            /* Django names the argument by its `name`: an F's field, an
             * aggregate's class. */
            const dorm_expr *a = list[i] ? list[i] : e->value.type == DORM_T_EXPR ? e->value.u.p : NULL;
            const char *shown = a && a->kind == DORM_E_F               ? a->name
                : a && a->kind == DORM_E_FUNC && args[i]->is_aggregate ? a->func
                : !a && e->value.type == DORM_T_TEXT                   ? e->value.u.s
                                                                       : "expression";
            char *msg = dorm_sprintf(qs->cx, "Cannot compute %s('%s'): '%s' is an aggregate", def->name, shown, shown);
            return fail(c, DORM_EFIELD, "%s", msg, NULL);
        }
        r->aggregate = r->aggregate || args[i]->aggregate;
    }
    /* COUNT(DISTINCT *) is no SQL: refused here, not by the database. */
    if (e->distinct && n && args[0]->ops == &dorm_node_star)
        return fail(c, DORM_EVALUE, "Count('*') cannot be distinct: count a field instead.", NULL, NULL);
    if (fill && (rc = resolve_value(c, NULL, &b->fill, &args[n++]))) return rc;
    if ((def->flags & DORM_FUNC_WINDOW) && !c->in_window)
        return fail(c, DORM_EVALUE, "%s is a window function: use it inside Window().", def->name, NULL);
    /* A function's value arguments are typed: PostgreSQL picks among
     * SUBSTRING(text, int, int) and SUBSTRING(text, text, text) by them. */
    for (int i = 0; i < n; i++)
        if (!(args[i] = dorm_rexpr__typed(qs, args[i]))) return DORM_ENOMEM;
    if (b && strcmp(def->name, "Concat") == 0) return concat_pairs(c, args, n, out);
    if ((rc = dorm_date__func_check(qs, e, def, args[0], &r->tz))) return rc;
    r->def = def;
    r->nargs = n;
    r->args = args;
    r->extract = b ? b->extract : 0;
    r->trunc = b ? b->trunc : NULL;
    r->collation = collation;
    r->is_aggregate = agg;
    r->aggregate = r->aggregate || agg;
    r->distinct = e->distinct;
    dorm_func__spelling(def, qs->cx->db->dialect, qs->cx->db->drv->vendor, &r->sql, &r->write);
    if (e->sample && b && b->sample_sql) r->sql = b->sample_sql;
    if (!r->sql && !r->write && !r->extract && !r->trunc && !r->collation)
        return fail(c, DORM_EVALUE, "The function %s has no SQL for this database backend.", def->name, NULL);
    if (e->filter && (rc = dorm_where__cond(qs, e->filter, &r->cond))) return rc;
    if (e->output)
        fixed_output(r, e->output);
    else if (def->output)
        fixed_output(r, def->output);
    else if (b && b->first_output)
        same_output(r, args[0]);
    else if (def->flags & DORM_FUNC_NUMERIC)
        numeric_output(qs, r, args, n);
    else
        default_output(qs, r, args, n);
    r->decimal_result = r->out == DORM_KIND_DECIMAL && !r->mixed;
    *out = r;
    return DORM_OK;
}

/* ---- Case / When, ExpressionWrapper, Cast ---- */

static int resolve_case(rctx *c, const dorm_expr *e, const dorm_rexpr **out) {
    int n = 0;
    while (e->args && e->args[n]) n++;
    dorm_rexpr *r = node(c->qs, &dorm_node_case);
    const dorm_rexpr **args = dorm_alloc(c->qs->cx, sizeof *args * (size_t)(n + 1));
    const dorm_rexpr **results = dorm_alloc(c->qs->cx, sizeof *results * (size_t)(n + 1));
    if (!r || !args || !results) return DORM_ENOMEM;
    int nwhen = 0;
    for (int i = 0; i < n; i++) {
        const dorm_expr *w = e->args[i];
        if (w->kind != DORM_E_WHEN) return fail(c, DORM_EVALUE, "Case() takes When() and Default() only.", NULL, NULL);
        if (!w->filter && i != n - 1) return fail(c, DORM_EVALUE, "Default() must come last in Case().", NULL, NULL);
        if (!w->a) return fail(c, DORM_EVALUE, "When() needs a result.", NULL, NULL);
        dorm_rexpr *wn = node(c->qs, &dorm_node_when);
        const dorm_rexpr **res = dorm_alloc(c->qs->cx, sizeof *res);
        if (!wn || !res) return DORM_ENOMEM;
        int rc = resolve(c, w->a, &res[0]);
        if (rc) return rc;
        if (!(res[0] = dorm_rexpr__typed(c->qs, res[0]))) return DORM_ENOMEM;
        if (w->filter) {
            if ((rc = dorm_where__cond(c->qs, w->filter, &wn->cond))) return rc;
            if (!wn->cond) return fail(c, DORM_EVALUE, "An empty Q() can't be used as a When() condition.", NULL, NULL);
            nwhen++;
        }
        wn->nargs = 1;
        wn->args = res;
        /* A condition on an aggregate annotation makes the When one (Django's
         * contains_aggregate counts the condition): it stays out of GROUP BY. */
        wn->aggregate = res[0]->aggregate || (wn->cond && wn->cond->aggregate);
        same_output(wn, res[0]);
        args[i] = wn;
        results[i] = res[0];
        r->aggregate = r->aggregate || wn->aggregate;
    }
    if (!nwhen) return fail(c, DORM_EVALUE, "Case() needs at least one When().", NULL, NULL);
    r->nargs = n;
    r->args = args;
    default_output(c->qs, r, results, n);
    *out = r;
    return DORM_OK;
}

/* ExpressionWrapper and Cast: the output field they give, checked. */
static int output_field(rctx *c, const dorm_expr *e, dorm_rexpr *r) {
    dorm_kind k = e->output;
    if (k <= DORM_KIND_NONE || k >= DORM_KIND__COUNT || k == DORM_KIND_FK || k == DORM_KIND_M2M ||
        k == DORM_KIND_CUSTOM || k == DORM_KIND_PARENT || k == DORM_KIND_COMPOSITE)
        return fail(c, DORM_EVALUE, "The output field of %s must be a field kind with a column type.",
                    e->kind == DORM_E_CAST ? "Cast()" : "ExpressionWrapper()", NULL);
    fixed_output(r, k);
    r->decimal_places = e->decimal_places;
    /* A field of the kind has Django's default max_length (EmailField 254 ...). */
    r->max_length = e->max_length ? e->max_length : dorm_kind_max_length(k);
    r->max_digits = e->max_digits;
    return DORM_OK;
}

static int resolve_wrap(rctx *c, const dorm_expr *e, const dorm_rexpr **out) {
    const dorm_rexpr *inner;
    if (!e->a) return fail(c, DORM_EVALUE, "No expression given.", NULL, NULL);
    int rc = resolve(c, e->a, &inner);
    if (rc) return rc;
    /* ExpressionWrapper writes its expression as it is, typed by the wrapper. */
    dorm_rexpr *r = node(c->qs, inner->ops);
    if (!r) return DORM_ENOMEM;
    *r = *inner;
    if ((rc = output_field(c, e, r))) return rc;
    *out = r;
    return DORM_OK;
}

static int resolve_cast(rctx *c, const dorm_expr *e, const dorm_rexpr **out) {
    dorm_rexpr *r = node(c->qs, &dorm_node_cast);
    const dorm_rexpr **args = dorm_alloc(c->qs->cx, sizeof *args);
    if (!r || !args) return DORM_ENOMEM;
    if (!e->a) return fail(c, DORM_EVALUE, "No expression given.", NULL, NULL);
    int rc = resolve(c, e->a, &args[0]);
    if (rc || (rc = output_field(c, e, r))) return rc;
    r->nargs = 1;
    r->args = args;
    r->aggregate = args[0]->aggregate;
    *out = r;
    return DORM_OK;
}

/* A frame bound as Django's window_frame_start / _end check them. */
static int check_frame(rctx *c, const dorm_frame *f) {
    char got[32];
    if (f->start != DORM_UNBOUNDED && f->start > 0) {
        snprintf(got, sizeof got, "%lld", (long long)f->start);
        return fail(c, DORM_EVALUE, "start argument must be a negative integer, zero, or None, but got '%s'.", got,
                    NULL);
    }
    if (f->end != DORM_UNBOUNDED && f->end < 0) {
        snprintf(got, sizeof got, "%lld", (long long)f->end);
        return fail(c, DORM_EVALUE, "end argument must be a positive integer, zero, or None, but got '%s'.", got, NULL);
    }
    return DORM_OK;
}

/* Window(expression, partition_by, order_by, frame): args are the
 * expression, the partition terms, then the ordering terms. */
static int resolve_window(rctx *c, const dorm_expr *e, const dorm_rexpr **out) {
    if (!e->a) return fail(c, DORM_EVALUE, "Window() needs an expression.", NULL, NULL);
    int np = 0, no = 0;
    while (e->partition_by && e->partition_by[np]) np++;
    while (e->order_by && e->order_by[no]) no++;
    dorm_rexpr *r = node(c->qs, &dorm_node_window);
    const dorm_rexpr **args = dorm_alloc(c->qs->cx, sizeof *args * (size_t)(1 + np + no));
    bool *flags = dorm_alloc(c->qs->cx, sizeof *flags * (size_t)(4 * no + 1));
    if (!r || !args || !flags) return DORM_ENOMEM;
    memset(flags, 0, sizeof *flags * (size_t)(4 * no + 1));
    rctx inner = *c;
    inner.in_window = true;
    int rc = resolve(&inner, e->a, &args[0]);
    if (rc) return rc;
    if (!args[0]->is_aggregate && !(args[0]->def && (args[0]->def->flags & DORM_FUNC_WINDOW)))
        return fail(c, DORM_EVALUE, "Expression '%s' isn't compatible with OVER clauses.",
                    args[0]->def ? args[0]->def->name : "the expression", NULL);
    for (int i = 0; i < np; i++)
        if ((rc = resolve(c, e->partition_by[i], &args[1 + i]))) return rc;
    for (int i = 0; i < no; i++) {
        const dorm_expr *o = e->order_by[i];
        bool *desc = &flags[i], *dir = &flags[no + i];
        if (o->kind == DORM_E_ORDER) {
            *desc = o->desc;
            *dir = true;
            flags[2 * no + i] = o->nulls_first;
            flags[3 * no + i] = o->nulls_last;
            o = o->a;
        }
        /* "-pages" is descending, as Django 4.1's Window(order_by=) reads it. */
        const char *name = o->kind == DORM_E_F && !o->name && o->value.type == DORM_T_TEXT ? o->value.u.s : NULL;
        if (name && name[0] == '-') {
            *desc = *dir = true;
            rc = resolve_f(c, name + 1, &args[1 + np + i]);
        } else {
            rc = resolve(c, o, &args[1 + np + i]);
        }
        if (rc) return rc;
    }
    if ((rc = check_frame(c, &e->frame))) return rc;
    r->nargs = 1 + np + no;
    r->args = args;
    r->npartition = np;
    r->desc = flags;
    r->dir = flags + no;
    r->nulls_first = flags + 2 * no;
    r->nulls_last = flags + 3 * no;
    r->frame = e->frame;
    /* An aggregate over a window does not group the query (Django). */
    same_output(r, args[0]);
    if (args[0]->decimal_result) {
        dorm_rexpr *inner = dorm_alloc(c->qs->cx, sizeof *inner);
        if (!inner) return DORM_ENOMEM;
        *inner = *args[0];
        inner->decimal_result = false;
        args[0] = inner;
        r->decimal_result = true;
    }
    *out = r;
    return DORM_OK;
}

/* KeyTransform(key, x) / KeyTextTransform(key, x) of a JSON expression. */
static int resolve_key(rctx *c, const dorm_expr *e, const dorm_rexpr **out) {
    const char *name = e->kind == DORM_E_KEY ? "KeyTransform" : "KeyTextTransform";
    if (!e->name) return fail(c, DORM_EVALUE, "%s() needs a key.", name, NULL);
    const dorm_rexpr *base;
    int rc = resolve(c, e->a, &base);
    if (rc) return rc;
    if (base->vkind != DORM_KIND_JSON && !(base->ops == &dorm_node_key))
        return fail(c, DORM_EVALUE, "%s() needs a JSON expression, not a %s.", name, dorm_kind__name(base->vkind));
    return (*out = dorm_rexpr__key(c->qs, base, e->name, strlen(e->name), e->kind == DORM_E_KEY_TEXT)) ? DORM_OK
                                                                                                       : DORM_ENOMEM;
}

/* An expression inside a search node, resolved in the context around it. */
static int search_sub(void *c, const dorm_expr *e, const dorm_rexpr **out) { return resolve(c, e, out); }

static int resolve(rctx *c, const dorm_expr *e, const dorm_rexpr **out) {
    if (c->depth > DORM_MAX_DEPTH)
        return dorm_qs__fail(c->qs, DORM_EVALUE, "Expressions are nested more than %d levels deep.", DORM_MAX_DEPTH)
            ->err;
    if (!e) return fail(c, DORM_EVALUE, "No expression given.", NULL, NULL);
    rctx inner = *c;
    inner.depth++;
    switch (e->kind) {
    case DORM_E_VALUE: return resolve_value(&inner, e, &e->value, out);
    case DORM_E_F:
        return resolve_f(&inner, e->name ? e->name : e->value.type == DORM_T_TEXT ? e->value.u.s : NULL, out);
    case DORM_E_ADD:
    case DORM_E_SUB:
    case DORM_E_MUL:
    case DORM_E_DIV:
    case DORM_E_MOD:
    case DORM_E_POW: return resolve_op(&inner, e, out);
    case DORM_E_FUNC: return resolve_func(&inner, e, out);
    case DORM_E_CASE: return resolve_case(&inner, e, out);
    case DORM_E_WRAP: return resolve_wrap(&inner, e, out);
    case DORM_E_CAST: return resolve_cast(&inner, e, out);
    case DORM_E_SUBQUERY:
    case DORM_E_EXISTS: return dorm_rexpr__subquery(c->qs, e->query, e->kind == DORM_E_EXISTS, out);
    case DORM_E_OUTERREF: {
        int level = 1;
        const dorm_expr *a = e->a;
        for (; a && a->kind == DORM_E_OUTERREF; a = a->a) level++;
        const char *path = a && a->kind == DORM_E_F ? (a->name ? a->name : a->value.u.s) : NULL;
        if (!path) return fail(c, DORM_EVALUE, "OuterRef() needs a field name.", NULL, NULL);
        return (*out = dorm_rexpr__outer(c->qs, path, level)) ? DORM_OK : DORM_ENOMEM;
    }
    case DORM_E_WINDOW: return resolve_window(&inner, e, out);
    case DORM_E_KEY:
    case DORM_E_KEY_TEXT: return resolve_key(&inner, e, out);
    case DORM_E_WHEN: return fail(c, DORM_EVALUE, "When() can only be used inside Case().", NULL, NULL);
    case DORM_E_ORDER: return fail(c, DORM_EVALUE, "asc() and desc() can only be used in order_by().", NULL, NULL);
    case DORM_E_PAIR: return fail(c, DORM_EVALUE, "DKV() can only be used inside JSONObject().", NULL, NULL);
    case DORM_E_SEARCH: return dorm_search__resolve(c->qs, e, search_sub, &inner, out);
    default: return dorm_qs__fail(c->qs, DORM_EVALUE, "Unknown expression kind %d.", (int)e->kind)->err;
    }
}

int dorm_expr__resolve(dorm_qs *qs, const dorm_expr *e, const dorm_rexpr **out) {
    rctx c = {qs, false, false, 0, false};
    return resolve(&c, e, out);
}

int dorm_expr__resolve_summary(dorm_qs *qs, const dorm_expr *e, const dorm_rexpr **out) {
    rctx c = {qs, true, false, 0, false};
    return resolve(&c, e, out);
}

bool dorm_rexpr__window(const dorm_rexpr *e) {
    if (!e) return false;
    if (e->ops == &dorm_node_window) return true;
    if (e->ops == &dorm_node_ref) return dorm_rexpr__window(e->target);
    for (int i = 0; i < e->nargs; i++)
        if (dorm_rexpr__window(e->args[i])) return true;
    return false;
}

bool dorm_rexpr__joins(const dorm_rexpr *e) {
    if (!e) return false;
    if (e->ops == &dorm_node_col) return e->alias != 0;
    if (e->ops == &dorm_node_ref) return dorm_rexpr__joins(e->target);
    for (int i = 0; i < e->nbinds; i++)
        if (dorm_rexpr__joins(e->binds[i].to)) return true;
    for (int i = 0; i < e->nargs; i++)
        if (dorm_rexpr__joins(e->args[i])) return true;
    return e->cond != NULL && dorm_where__joins(e->cond);
}

bool dorm_rexpr__same(const dorm_rexpr *a, const dorm_rexpr *b) {
    if (!a || !b) return a == b;
    if (a->ops != b->ops || a->def != b->def || a->nargs != b->nargs) return false;
    if (a->ops == &dorm_node_col) return a->alias == b->alias && a->field == b->field;
    if (a->ops == &dorm_node_key)
        return a->key_text == b->key_text && strcmp(a->key, b->key) == 0 && dorm_rexpr__same(a->args[0], b->args[0]);
    if (a->ops != &dorm_node_func || a->is_aggregate) return a == b;
    if ((a->collation || b->collation) && (!a->collation || !b->collation || strcmp(a->collation, b->collation)))
        return false;
    for (int i = 0; i < a->nargs; i++)
        if (!dorm_rexpr__same(a->args[i], b->args[i])) return false;
    return true;
}
