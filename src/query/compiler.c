/* compiler.c - SELECT / UPDATE / DELETE compilation of a Query.  Spells SQL the
 * way Django does ("t"."col" references, parenthesised AND/OR groups, NOT (...),
 * the exclude NULL guard, YEAR lookups as date ranges) and asks the dialect
 * for everything that differs between backends. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/assert.h"
#include "query/compiler.h"
#include "query/shape.h"
#include "core/alloc.h"

void dorm_sql__free(dorm_sql *s) {
    dorm_buf_free(&s->text);
    if (!s->params_borrowed) dorm_mem__free(s->params);
    dorm_mem__free(s->shared);
    s->params = NULL;
    s->shared = NULL;
}

bool dorm_sql__same(const char *a, size_t an, const char *b, size_t bn) {
    size_t i = 0, j = 0;
    while (i < an && j < bn) {
        if (a[i] == '$' && b[j] == '$') {
            i++, j++;
            while (i < an && a[i] >= '0' && a[i] <= '9') i++;
            while (j < bn && b[j] >= '0' && b[j] <= '9') j++;
            continue;
        }
        if (a[i++] != b[j++]) return false;
    }
    return i == an && j == bn;
}

void dorm_sql__share(dorm_sql *s, size_t mark, size_t pmark) {
    size_t len = s->text.len - mark, np = s->nparams - pmark;
    if (s->d->param_style != DORM_PARAM_DOLLAR || !np || s->text.failed) return;
    for (int i = 0; i < s->nshared; i++) {
        const dorm_sql_span *sp = &s->shared[i];
        bool same = sp->np == np && dorm_sql__same(s->text.data + mark, len, s->text.data + sp->off, sp->len);
        for (size_t k = 0; same && k < np; k++)
            same = dorm_value_equal(&s->params[pmark + k], &s->params[sp->poff + k]);
        if (!same) continue;
        char *copy = dorm_mem__alloc(sp->len + 1);
        if (!copy) {
            s->failed = true;
            return;
        }
        memcpy(copy, s->text.data + sp->off, sp->len);
        DORM_ASSERT(mark <= s->text.len);
        s->text.len = mark;
        s->text.data[mark] = '\0';
        s->nparams = pmark;
        dorm_buf_put(&s->text, copy, sp->len);
        dorm_mem__free(copy);
        return;
    }
    if (!dorm_span__push(&s->shared, &s->nshared, &s->capshared, (dorm_sql_span){mark, len, pmark, np}))
        s->failed = true;
}

bool dorm_span__push(dorm_sql_span **spans, int *n, int *cap, dorm_sql_span sp) {
    if (*n == *cap) {
        int c = *cap ? *cap * 2 : 8;
        dorm_sql_span *grown = dorm_mem__realloc(*spans, sizeof *grown * (size_t)c);
        if (!grown) return false;
        *spans = grown;
        *cap = c;
    }
    (*spans)[(*n)++] = sp;
    return true;
}

void dorm_sql__param(dorm_sql *s, const dorm_value *v) {
    if (s->nparams == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        dorm_value *p = dorm_mem__realloc(s->params, sizeof(dorm_value) * cap);
        if (!p) {
            s->failed = true;
            return;
        }
        s->params = p;
        s->cap = cap;
    }
    if (s->shape) dorm_shape__record(s->shape, v);
    s->params[s->nparams++] = *v;
    if (s->d->param_style == DORM_PARAM_DOLLAR)
        dorm_buf_printf(&s->text, "$%zu", s->nparams);
    else
        dorm_buf_putc(&s->text, '?');
}

void dorm_sql__text_param(dorm_sql *s, const char *text, size_t n) {
    char *copy = dorm_arena__memdup(&s->cx->arena, text, n + 1);
    if (!copy) s->failed = true;
    dorm_value v = dorm_v_textn(copy ? copy : "", copy ? n : 0);
    dorm_sql__param(s, &v);
}

void dorm_sql__name(dorm_sql *s, const char *name) { dorm_buf_quote(&s->text, s->d->quote, name); }

/* A table alias: Django leaves its generated aliases (T2, T3..., a
 * subquery's U0, U1...) unquoted; the registry refuses tables named like
 * them, so none is a table name. */
static void put_alias(dorm_buf *b, char quote, const char *alias) {
    bool generated = alias[0] >= 'T' && alias[0] <= 'Z' && alias[1];
    for (const char *p = alias + 1; generated && *p; p++) generated = *p >= '0' && *p <= '9';
    if (generated)
        dorm_buf_puts(b, alias);
    else
        dorm_buf_quote(b, quote, alias);
}

void dorm_sql__alias(dorm_sql *s, const char *alias) {
    dorm_sql__used(s, alias);
    put_alias(&s->text, s->d->quote, alias);
}

void dorm_sql__col(dorm_sql *s, const char *alias, const char *column) {
    dorm_sql__used(s, alias);
    if (!s->bare_columns) {
        dorm_sql__alias(s, alias);
        dorm_buf_putc(&s->text, '.');
    }
    dorm_buf_quote(&s->text, s->d->quote, column);
}

/* Writes the part of `tmpl` before its "%s" (before) or after it. */
static void template_part(dorm_sql *s, const char *tmpl, bool before) {
    const char *p = strstr(tmpl, "%s");
    if (before)
        dorm_buf_put(&s->text, tmpl, p ? (size_t)(p - tmpl) : strlen(tmpl));
    else if (p)
        dorm_buf_puts(&s->text, p + 2);
}

/* A column, or the expression standing for it (transforms of it). */
static void column_sql(dorm_sql *s, const dorm_qs *qs, int alias, const dorm_fmeta *field, const dorm_rexpr *expr) {
    if (expr)
        dorm_rexpr_sql(s, qs, expr);
    else
        dorm_sql__col(s, dorm_alias__name(qs, alias), field->column);
}

/* A column or expression of the SELECT, GROUP BY or ORDER BY lists, whose
 * repetitions must bind the same parameters (dorm_sql__share). */
static void shared_column(dorm_sql *s, const dorm_qs *qs, int alias, const dorm_fmeta *field, const dorm_rexpr *expr) {
    size_t mark = s->text.len, pmark = s->nparams;
    column_sql(s, qs, alias, field, expr);
    if (expr) dorm_sql__share(s, mark, pmark);
}

/* The left-hand side of a leaf: the column or its expression, inside the
 * lookup's cast (PostgreSQL's "UPPER(%s::text)"). */
void dorm_leaf__lhs(dorm_sql *s, const dorm_qs *qs, const dorm_where *w) {
    const char *cast = w->lookup < DORM_LK__COUNT ? s->d->lhs_casts[w->lookup] : NULL;
    const char *json = dorm_json__lhs_cast(s, w);
    bool again = s->resolved_again;
    if (cast) template_part(s, cast, true);
    if (json) template_part(s, json, true);
    s->resolved_again = true;
    column_sql(s, qs, w->alias, w->field, w->lhs);
    s->resolved_again = again;
    if (json) template_part(s, json, false);
    if (cast) template_part(s, cast, false);
}

/* The operator with a placeholder for `v` in place of its "%s" (inside
 * LOWER() when `fold`). */
static void put_operator(dorm_sql *s, const char *tmpl, const dorm_value *v, bool fold) {
    const char *p = strstr(tmpl, "%s");
    if (!p) {
        dorm_buf_puts(&s->text, tmpl);
        return;
    }
    dorm_buf_put(&s->text, tmpl, (size_t)(p - tmpl));
    if (fold) dorm_buf_puts(&s->text, "LOWER(");
    dorm_sql__param(s, v);
    if (fold) dorm_buf_putc(&s->text, ')');
    dorm_buf_puts(&s->text, p + 2);
}

static bool is_pattern(dorm_lookup lk) { return lk >= DORM_LK_IEXACT && lk <= DORM_LK_IENDSWITH; }

/* Django's YearLookup: year == 2000 on a date column becomes a BETWEEN on the
 * bare column, so an index on it can serve the query. */
static bool year_bounds(dorm_sql *s, const dorm_qs *qs, const dorm_where *w) {
    const dorm_rexpr *t = w->lhs;
    /* An annotation of ExtractYear(column) too, as Django's YearLookup. */
    if (t && t->ops == &dorm_node_ref) t = t->target;
    if (!t || t->extract != DORM_EX_YEAR + 1 || !dorm_rexpr_is_col(t->args[0]) || w->rhs_expr ||
        w->rhs.type != DORM_T_INT)
        return false;
    const dorm_rexpr *col = t->args[0];
    dorm_kind k = col->field->value_kind;
    if (k != DORM_KIND_DATE && k != DORM_KIND_DATETIME) return false;
    if (w->lookup != DORM_LK_EXACT && (w->lookup < DORM_LK_GT || w->lookup > DORM_LK_LTE)) return false;
    int y = (int)w->rhs.u.i;
    if (y < 1 || y > 9999) return false;
    dorm_value lo, hi;
    if (k == DORM_KIND_DATE) {
        lo = dorm_v_date(dorm_date_ymd(y, 1, 1));
        hi = dorm_v_date(dorm_date_ymd(y, 12, 31));
    } else {
        /* The year of the current time zone (Django's
         * year_lookup_bounds_for_datetime_field). */
        lo = dorm_v_datetime(dorm_zone__bound(s->cx, dorm_datetime_utc(y, 1, 1, 0, 0, 0, 0)));
        hi = dorm_v_datetime(dorm_zone__bound(s->cx, dorm_datetime_utc(y, 12, 31, 23, 59, 59, 999999)));
    }
    dorm_sql__col(s, dorm_alias__name(qs, col->alias), col->field->column);
    switch (w->lookup) {
    case DORM_LK_EXACT:
        dorm_buf_puts(&s->text, " BETWEEN ");
        dorm_sql__param(s, &lo);
        dorm_buf_puts(&s->text, " AND ");
        dorm_sql__param(s, &hi);
        break;
    case DORM_LK_GT:
        dorm_buf_puts(&s->text, " > ");
        dorm_sql__param(s, &hi);
        break;
    case DORM_LK_GTE:
        dorm_buf_puts(&s->text, " >= ");
        dorm_sql__param(s, &lo);
        break;
    case DORM_LK_LT:
        dorm_buf_puts(&s->text, " < ");
        dorm_sql__param(s, &lo);
        break;
    default:
        dorm_buf_puts(&s->text, " <= ");
        dorm_sql__param(s, &hi);
        break;
    }
    return true;
}

/* " IN (?, ?, ...)", or for a list longer than the dialect writes that way,
 * its one-parameter form (" = ANY(?)" with an array), so that no list is too
 * long for a statement. */
static void in_list(dorm_sql *s, const dorm_value *list) {
    const dorm_dialect *d = s->d;
    if (d->in_array && list->len > (size_t)d->in_list_max) {
        dorm_buf arr = DORM_BUF_INIT;
        const char *tmpl = d->in_array;
        bool ints = d->in_array_int != NULL;
        for (size_t i = 0; ints && i < list->len; i++) ints = list->u.list[i].type == DORM_T_INT;
        if (ints) tmpl = d->in_array_int;
        if (d->array_param(&arr, list->u.list, list->len)) {
            char *copy = dorm_arena__memdup(&s->cx->arena, arr.data ? arr.data : "", arr.len + 1);
            if (!copy || arr.failed) s->failed = true;
            dorm_value v = dorm_v_textn(copy, arr.len);
            dorm_buf_free(&arr);
            dorm_buf_putc(&s->text, ' ');
            put_operator(s, tmpl, &v, false);
            return;
        }
        dorm_buf_free(&arr);
    }
    dorm_buf_puts(&s->text, " IN (");
    for (size_t i = 0; i < list->len; i++) {
        if (i) dorm_buf_puts(&s->text, ", ");
        dorm_sql__param(s, &list->u.list[i]);
    }
    dorm_buf_putc(&s->text, ')');
}

/* The right side of a leaf: its expression, or its value bound. */
static void leaf_rhs(dorm_sql *s, const dorm_qs *qs, const dorm_where *w) {
    if (w->rhs_expr)
        dorm_rexpr_sql(s, qs, w->rhs_expr);
    else
        dorm_sql__param(s, &w->rhs);
}

/* A program's lookup: its template, %1 the left side and %2 the right. */
static void template_leaf(dorm_sql *s, const dorm_qs *qs, const dorm_where *w) {
    const char *sql = w->def->sql;
    for (const dorm_vendor_sql *v = w->def->vendor_sql; v && v->vendor; v++)
        if (strcmp(v->vendor, qs->cx->db->drv->vendor) == 0) sql = v->sql;
    for (const char *p = sql ? sql : ""; *p; p++) {
        if (*p == '%' && p[1] == '1')
            dorm_leaf__lhs(s, qs, w);
        else if (*p == '%' && p[1] == '2')
            leaf_rhs(s, qs, w);
        else if (*p == '%' && p[1] == '%')
            dorm_buf_putc(&s->text, '%');
        else {
            dorm_buf_putc(&s->text, *p);
            continue;
        }
        p++;
    }
}

/* Django's Exact on a boolean left side and a True/False value, where the
 * dialect lets it stand alone: "b" / "NOT b", nothing bound. */
static bool bare_boolean(dorm_sql *s, const dorm_qs *qs, const dorm_where *w) {
    if (!s->d->bare_boolean_conditions || w->lookup != DORM_LK_EXACT || w->rhs_expr || w->json) return false;
    if ((w->lhs ? w->lhs->out : w->field ? w->field->value_kind : DORM_KIND_NONE) != DORM_KIND_BOOL) return false;
    /* An annotation's value is as given: 0 and 1 are False and True to its
     * BooleanField (get_prep_value).  A column's is prepared: a bool, whose
     * value the shape of the query keys (query/shape.c). */
    bool truth;
    if (w->rhs.type == DORM_T_BOOL)
        truth = w->rhs.u.b;
    else if (w->lhs && w->rhs.type == DORM_T_INT && (w->rhs.u.i == 0 || w->rhs.u.i == 1))
        truth = w->rhs.u.i == 1;
    else
        return false;
    if (!truth) dorm_buf_puts(&s->text, "NOT ");
    dorm_leaf__lhs(s, qs, w);
    return true;
}

static void leaf_sql(dorm_sql *s, const dorm_qs *qs, const dorm_where *w, bool negated) {
    if (w->lookup == DORM_LK__COUNT) {
        template_leaf(s, qs, w);
    } else if (!(w->json && dorm_json__leaf_sql(s, qs, w)) && !year_bounds(s, qs, w) && !bare_boolean(s, qs, w)) {
        dorm_leaf__lhs(s, qs, w);
        switch (w->lookup) {
        case DORM_LK_ISNULL: dorm_buf_puts(&s->text, w->rhs.u.b ? " IS NULL" : " IS NOT NULL"); break;
        case DORM_LK_IN: in_list(s, &w->rhs); break;
        case DORM_LK_RANGE:
            dorm_buf_puts(&s->text, " BETWEEN ");
            dorm_sql__param(s, &w->rhs.u.list[0]);
            dorm_buf_puts(&s->text, " AND ");
            dorm_sql__param(s, &w->rhs.u.list[1]);
            break;
        default: {
            dorm_value v = w->rhs;
            const dorm_value *bound = &w->rhs; /* the leaf's own: a shape maps it */
            if (w->rhs_expr) {
                /* F() on the right: the operator with the expression's SQL in place of "%s". */
                const char *tmpl = s->d->operators[w->lookup];
                dorm_buf_putc(&s->text, ' ');
                template_part(s, tmpl, true);
                if (strstr(tmpl, "%s")) {
                    dorm_rexpr_sql(s, qs, w->rhs_expr);
                    template_part(s, tmpl, false);
                }
                break;
            }
            if (is_pattern(w->lookup)) {
                dorm_buf pat = DORM_BUF_INIT;
                size_t n = v.len == DORM_STRLEN ? strlen(v.u.s) : v.len;
                s->d->pattern(&pat, w->lookup, v.u.s, n);
                char *copy = dorm_arena__memdup(&s->cx->arena, pat.data ? pat.data : "", pat.len + 1);
                if (!copy || pat.failed) s->failed = true;
                v = dorm_v_textn(copy, pat.len);
                dorm_buf_free(&pat);
                bound = &v;
                if (s->shape) s->shape->pattern = w;
            }
            dorm_buf_putc(&s->text, ' ');
            put_operator(s, s->d->operators[w->lookup], bound, dorm_json__folds(s, w));
            if (s->shape) s->shape->pattern = NULL;
        }
        }
    }
    /* exclude(col=x) on a nullable column must keep the NULL rows (Django). */
    if (negated && w->nullable && w->field && w->lookup != DORM_LK_ISNULL && !w->json_null) {
        dorm_buf_puts(&s->text, " AND ");
        dorm_sql__col(s, dorm_alias__name(qs, w->alias), w->field->column);
        dorm_buf_puts(&s->text, " IS NOT NULL");
    }
}

typedef enum { W_SQL = DORM_W_SQL_WRITTEN, W_NONE = DORM_W_SQL_NONE, W_ALL = DORM_W_SQL_ALL } wres;

int dorm_sql__compiled(dorm_sql *s) {
    if (!s->failed && !s->text.failed) return DORM_COMPILED;
    return dorm_ctx_fail(s->cx, DORM_ENOMEM, "out of memory (building SQL)");
}

/* Writes the condition; W_NONE: matches nothing, W_ALL: always true (nothing
 * written in either case). */
static wres where_sql(dorm_sql *s, const dorm_qs *qs, const dorm_where *w, bool negated);

int dorm_where__sql(dorm_sql *s, const dorm_qs *qs, const dorm_where *w, bool negated) {
    return (int)where_sql(s, qs, w, negated);
}

static wres where_sql(dorm_sql *s, const dorm_qs *qs, const dorm_where *w, bool negated) {
    switch (w->kind) {
    case DORM_W_NOTHING: return W_NONE;
    case DORM_W_LEAF: leaf_sql(s, qs, w, negated); return W_SQL;
    case DORM_W_SUBQUERY:
    case DORM_W_EXPR: {
        size_t mark = s->text.len, pmark = s->nparams;
        bool bare = s->bare_columns;
        int rc = DORM_COMPILED;
        s->bare_columns = false;
        if (w->kind == DORM_W_SUBQUERY) {
            column_sql(s, qs, w->alias, w->field, w->lhs);
            dorm_buf_puts(&s->text, " IN ");
            rc = dorm_subquery__sql(s, qs, w->sub);
        } else if (w->lhs->ops == &dorm_node_subquery) {
            rc = dorm_subquery__sql(s, qs, w->lhs);
        } else {
            dorm_rexpr_sql(s, qs, w->lhs);
        }
        s->bare_columns = bare;
        if (rc == DORM_COMPILED_EMPTY) {
            DORM_ASSERT(mark <= s->text.len);
            s->text.len = mark;
            if (s->text.data) s->text.data[mark] = '\0';
            s->nparams = pmark;
            return W_NONE;
        }
        if (rc < 0) s->failed = true;
        return W_SQL;
    }
    default: break;
    }
    bool is_not = w->kind == DORM_W_NOT, is_or = w->kind == DORM_W_OR;
    size_t start = s->text.len, nparams = s->nparams;
    /* ~Exists(...) is Django's "NOT EXISTS(...)". */
    if (is_not && w->n == 1 && w->kids[0]->kind == DORM_W_EXPR && w->kids[0]->lhs->exists) {
        dorm_buf_puts(&s->text, "NOT ");
        wres r = where_sql(s, qs, w->kids[0], !negated);
        if (r == W_SQL) return W_SQL;
        DORM_ASSERT(start <= s->text.len);
        s->text.len = start;
        s->text.data[start] = '\0';
        return r == W_NONE ? W_ALL : W_NONE;
    }
    int written = 0;
    bool guarded_single = false;
    for (int i = 0; i < w->n; i++) {
        size_t before = s->text.len, pbefore = s->nparams;
        if (written) dorm_buf_puts(&s->text, is_or ? " OR " : " AND ");
        /* A negated nullable leaf writes "x = ? AND x IS NOT NULL": its own
         * group, in parentheses beside siblings (Django's nested WhereNode). */
        bool guarded = w->kids[i]->kind == DORM_W_LEAF && negated != is_not && w->kids[i]->nullable &&
            w->kids[i]->lookup != DORM_LK_ISNULL;
        if (guarded && w->n > 1) dorm_buf_putc(&s->text, '(');
        wres r = where_sql(s, qs, w->kids[i], negated != is_not);
        if (r == W_SQL) {
            if (guarded && w->n > 1) dorm_buf_putc(&s->text, ')');
            written++;
            guarded_single = guarded;
            continue;
        }
        DORM_ASSERT(before <= s->text.len);
        s->text.len = before;
        if (s->text.data) s->text.data[before] = '\0';
        s->nparams = pbefore;
        /* AND with an empty child is empty; OR with an always-true one is true. */
        if ((r == W_NONE && !is_or) || (r == W_ALL && is_or)) {
            DORM_ASSERT(start <= s->text.len);
            s->text.len = start;
            if (s->text.data) s->text.data[start] = '\0';
            s->nparams = nparams;
            wres whole = r;
            if (is_not) whole = whole == W_NONE ? W_ALL : W_NONE;
            return whole;
        }
    }
    if (!written) {
        wres whole = is_or ? W_NONE : W_ALL;
        if (is_not) whole = whole == W_NONE ? W_ALL : W_NONE;
        return whole;
    }
    bool parens = is_not || written > 1 || guarded_single;
    /* A buffer that failed to grow may have no data to wrap. */
    if (parens && !s->text.failed) {
        /* Wrap what was written since `start`. */
        size_t len = s->text.len - start;
        char *body = dorm_mem__alloc(len + 1);
        if (!body) {
            s->failed = true;
            return W_SQL;
        }
        memcpy(body, s->text.data + start, len);
        body[len] = '\0';
        DORM_ASSERT(start <= s->text.len);
        s->text.len = start;
        s->text.data[start] = '\0';
        dorm_buf_puts(&s->text, is_not ? "NOT (" : "(");
        dorm_buf_put(&s->text, body, len);
        dorm_buf_putc(&s->text, ')');
        dorm_mem__free(body);
    }
    return W_SQL;
}

/* " WHERE ..." (or " HAVING ...") of w, or nothing; W_NONE when the query
 * can match no row. */
static wres where_clause(dorm_sql *s, const dorm_qs *qs, const dorm_where *w, const char *keyword) {
    if (qs->empty) return W_NONE;
    if (!w) return W_ALL;
    size_t mark = s->text.len;
    dorm_buf_puts(&s->text, keyword);
    wres r = where_sql(s, qs, w, false);
    if (r != W_SQL) {
        DORM_ASSERT(mark <= s->text.len);
        s->text.len = mark;
        if (s->text.data) s->text.data[mark] = '\0';
    }
    return r;
}

const char *dorm_sql__nulls_key(const dorm_sql *s, bool desc, bool first, bool last) {
    if (!s->d->no_nulls_modifier) return NULL;
    if (last && !(desc && s->d->nulls_sort_first)) return " IS NULL, ";
    if (first && !(!desc && s->d->nulls_sort_first)) return " IS NOT NULL, ";
    return NULL;
}

const char *dorm_sql__nulls_suffix(const dorm_sql *s, bool first, bool last) {
    if (s->d->no_nulls_modifier) return "";
    return first ? " NULLS FIRST" : last ? " NULLS LAST" : "";
}

static void order_key(dorm_sql *s, const dorm_qs *qs, const dorm_order *o) {
    const dorm_ann *a = o->ref ? dorm_qs__annotation(qs, o->ref, strlen(o->ref)) : NULL;
    /* A selected annotation is ordered by its alias, another by its expression (Django). */
    if (a && !dorm_ann__selected(qs, (int)(a - qs->ann)))
        shared_column(s, qs, 0, NULL, a->e);
    else if (o->ref)
        dorm_sql__name(s, o->ref);
    else
        shared_column(s, qs, o->alias, o->field, o->expr);
}

static void order_clause(dorm_sql *s, const dorm_qs *qs) {
    if (!qs->norder) return;
    dorm_buf_puts(&s->text, " ORDER BY ");
    for (int i = 0; i < qs->norder; i++) {
        const dorm_order *o = &qs->order[i];
        if (i) dorm_buf_puts(&s->text, ", ");
        if (o->random) {
            dorm_buf_puts(&s->text, s->d->random_function);
            continue;
        }
        bool desc = o->desc != qs->reversed, nulls = o->nulls_first || o->nulls_last;
        bool first = nulls && o->nulls_first != qs->reversed, last = nulls && !first;
        const char *key = dorm_sql__nulls_key(s, desc, first, last);
        if (key) {
            order_key(s, qs, o);
            dorm_buf_puts(&s->text, key);
        }
        order_key(s, qs, o);
        dorm_buf_puts(&s->text, desc ? " DESC" : " ASC");
        dorm_buf_puts(&s->text, dorm_sql__nulls_suffix(s, first, last));
    }
}

/* The columns of model m joined at `alias` (a parent's fields from the
 * parent's join), in field order, less the deferred ones; `more`: after
 * other columns. */
static void model_columns(dorm_sql *s, const dorm_qs *qs, int alias, const dorm_meta *m, uint64_t deferred, bool more) {
    for (int i = 0; i < m->nfields; i++) {
        if (deferred & ((uint64_t)1 << i)) continue;
        if (more) dorm_buf_puts(&s->text, ", ");
        more = true;
        const dorm_fmeta *fm = &m->fields[i];
        dorm_sql__col(s, dorm_alias__name(qs, dorm_inherit__alias(qs, alias, m, fm)), fm->column);
    }
}

static void select_columns(dorm_sql *s, const dorm_qs *qs, dorm_select_what what) {
    const char *base = qs->meta->db_table;
    if (what == DORM_SELECT_PK) {
        const dorm_fmeta *pk = qs->meta->pk;
        for (int i = 0; dorm_fmeta_composite(pk) && i < pk->nparts; i++) {
            if (i) dorm_buf_puts(&s->text, ", ");
            dorm_sql__col(s, base, pk->parts[i]->column);
        }
        if (!dorm_fmeta_composite(pk)) dorm_sql__col(s, base, pk->column);
        return;
    }
    if (qs->mode != DORM_MODE_OBJECTS) {
        int k = 0;
        for (int i = 0; i < qs->ncols; i++) {
            const dorm_col *c = &qs->cols[i];
            if (c->ann) continue;
            if (k++) dorm_buf_puts(&s->text, ", ");
            shared_column(s, qs, c->alias, c->field, c->expr);
        }
        for (int a = 0; a < qs->nann; a++)
            for (int i = 0; i < qs->ncols; i++) {
                if (qs->cols[i].ann != a + 1) continue;
                if (k++) dorm_buf_puts(&s->text, ", ");
                shared_column(s, qs, 0, NULL, qs->ann[a].e);
                dorm_buf_puts(&s->text, " AS ");
                dorm_sql__name(s, qs->ann[a].alias);
                break;
            }
        return;
    }
    model_columns(s, qs, 0, qs->meta, qs->deferred, false);
    for (int i = 0; i < qs->nann; i++) {
        if (qs->ann[i].hidden) continue;
        dorm_buf_puts(&s->text, ", ");
        shared_column(s, qs, 0, NULL, qs->ann[i].e);
        dorm_buf_puts(&s->text, " AS ");
        dorm_sql__name(s, qs->ann[i].alias);
    }
    /* select_related: each related model's columns follow the annotations
     * (Django's order), in field order. */
    for (int r = 0; r < qs->nselrel; r++)
        model_columns(s, qs, qs->selrel[r].alias, dorm_selrel_model(&qs->selrel[r]), 0, true);
}

/* Whether the ordering term o is among the model, select_related or
 * values() columns a SELECT writes. */
static bool selected(const dorm_qs *qs, const dorm_order *o) {
    if (qs->mode != DORM_MODE_OBJECTS) {
        for (int i = 0; i < qs->ncols; i++) {
            const dorm_col *c = &qs->cols[i];
            if (c->alias == o->alias && c->field == o->field && dorm_rexpr__same(c->expr, o->expr)) return true;
        }
        return false;
    }
    if (o->expr) return false;
    if (o->alias == 0) return o->field->owner == qs->meta && !(qs->deferred & ((uint64_t)1 << o->field->index));
    if (dorm_inherit__selected(qs, o->alias, o->field)) return true;
    for (int r = 0; r < qs->nselrel; r++)
        if (qs->selrel[r].alias == o->alias) return true;
    return false;
}

/* Whether an ordering term is written in the ORDER BY only, not selected. */
static bool unselected_order(const dorm_qs *qs, const dorm_order *o) {
    return !o->ref && (o->random || !selected(qs, o));
}

/* SELECT DISTINCT also selects the ordering terms it does not select
 * already, as Django does: PostgreSQL requires it, and rows then differ
 * exactly where their order does. */
static void distinct_order_columns(dorm_sql *s, const dorm_qs *qs) {
    for (int i = 0; i < qs->norder; i++) {
        const dorm_order *o = &qs->order[i];
        if (!unselected_order(qs, o)) continue;
        dorm_buf_puts(&s->text, ", ");
        if (o->random)
            dorm_buf_puts(&s->text, s->d->random_function);
        else
            column_sql(s, qs, o->alias, o->field, o->expr);
    }
}

const dorm_qs *dorm_qs__ordering(const dorm_qs *qs, dorm_qs *tmp, bool *meta) {
    const char *const *ord = qs->meta->ordering;
    *meta = false;
    if (qs->ordered_explicitly || !ord || !ord[0]) return qs;
    *tmp = *qs;
    if (dorm_order__resolve(tmp, ord)) return NULL;
    *meta = true;
    return tmp;
}

/* The clauses after FROM (see dorm_compile__rest). */
static int rest_clauses(const dorm_qs *qs, dorm_sql *s, const dorm_rest *r) {
    const dorm_where *where = qs->where, *having = NULL;
    if (where && where->aggregate && dorm_split__having(qs->cx, qs->where, false, &where, &having)) return DORM_ENOMEM;
    bool sliced = qs->low > 0 || qs->high >= 0;
    if (where_clause(s, qs, where, " WHERE ") == W_NONE) return DORM_COMPILED_EMPTY;
    size_t before_group = s->text.len;
    dorm_group__clause(s, qs, having, r->ordered, r->exists, r->extra, r->nextra);
    bool grouped = s->text.len > before_group;
    if (where_clause(s, qs, having, " HAVING ") == W_NONE) return DORM_COMPILED_EMPTY;
    /* Django 3.1+ groups by Meta.ordering but does not order by it; groups
     * nothing orders are ordered by the dialect's force_no_ordering. */
    if (r->ordered && !(r->meta && qs->group_by)) order_clause(s, qs);
    if (grouped && !r->meta && !(r->ordered && qs->norder) && s->d->force_no_ordering) {
        dorm_buf_puts(&s->text, " ORDER BY ");
        dorm_buf_puts(&s->text, s->d->force_no_ordering);
    }
    if (r->exists)
        s->d->limit_offset(&s->text, 1, qs->low);
    else if (sliced)
        s->d->limit_offset(&s->text, qs->high >= 0 ? qs->high - qs->low : -1, qs->low);
    if (qs->lock && r->lock) {
        int rc = dorm_lock__sql(s, qs);
        if (rc) return rc;
    }
    if ((qs->high >= 0 && qs->high == qs->low) || s->empty) return DORM_COMPILED_EMPTY;
    return DORM_COMPILED;
}

/* FROM is written last, when the clauses have named the joins they use. */
int dorm_compile__rest(const dorm_qs *qs, dorm_sql *s, const dorm_rest *r) {
    size_t at = s->text.len;
    int rc = rest_clauses(qs, s, r);
    dorm_from__clause(s, qs, r->start, at);
    return rc == DORM_COMPILED ? dorm_sql__compiled(s) : rc;
}

int dorm_compile__select(const dorm_qs *qs, dorm_select_what what, dorm_sql *s) {
    if (what == DORM_SELECT_COUNT) return dorm_compile__count(qs, s);
    if (qs->combinator) return dorm_compile__combined(qs, s, what == DORM_SELECT_EXISTS, what != DORM_SELECT_EXISTS);
    dorm_qs tmp, parents;
    /* The SELECT of objects reads their parents' columns too. */
    if (what == DORM_SELECT_ROWS && !(qs = dorm_inherit__select(qs, &parents))) return DORM_ENOMEM;
    dorm_rest r = {.ordered = what != DORM_SELECT_EXISTS,
                   .exists = what == DORM_SELECT_EXISTS,
                   .lock = what == DORM_SELECT_ROWS || what == DORM_SELECT_EXISTS,
                   .start = s->text.len};
    if (r.ordered && !(qs = dorm_qs__ordering(qs, &tmp, &r.meta))) return DORM_EFIELD;
    dorm_buf_puts(&s->text, "SELECT ");
    if (qs->distinct && what != DORM_SELECT_EXISTS) dorm_buf_puts(&s->text, "DISTINCT ");
    if (what == DORM_SELECT_EXISTS) {
        dorm_buf_puts(&s->text, "(1) AS ");
        dorm_sql__name(s, "a");
    } else {
        select_columns(s, qs, what);
        if (qs->distinct && what != DORM_SELECT_PK) distinct_order_columns(s, qs);
    }
    return dorm_compile__rest(qs, s, &r);
}

/* WHERE of an UPDATE/DELETE: direct when the query has no joins, else
 * "pk IN (SELECT pk ...)" as Django's SQLUpdateCompiler does. */
static wres dml_where(dorm_sql *s, const dorm_qs *qs) {
    if (qs->njoins == 0 && qs->low == 0 && qs->high < 0) return where_clause(s, qs, qs->where, " WHERE ");
    if (qs->empty) return W_NONE;
    dorm_buf_puts(&s->text, " WHERE ");
    const dorm_fmeta *pk = qs->meta->pk;
    /* A composite key compares its row value: ("a", "b") IN (SELECT ...). */
    for (int i = 0; dorm_fmeta_composite(pk) && i < pk->nparts; i++) {
        dorm_buf_puts(&s->text, i ? ", " : "(");
        dorm_sql__name(s, pk->parts[i]->column);
    }
    if (dorm_fmeta_composite(pk))
        dorm_buf_putc(&s->text, ')');
    else
        dorm_sql__name(s, pk->column);
    dorm_buf_puts(&s->text, " IN (");
    int rc = dorm_compile__select(qs, DORM_SELECT_PK, s);
    if (rc == DORM_COMPILED_EMPTY) return W_NONE;
    dorm_buf_putc(&s->text, ')');
    return W_SQL;
}

int dorm_compile__update(const dorm_qs *qs, const dorm_fmeta *const *fields, const dorm_value *values,
                         const dorm_rexpr *const *exprs, size_t n, dorm_sql *s) {
    dorm_buf_puts(&s->text, "UPDATE ");
    dorm_sql__name(s, qs->meta->db_table);
    dorm_buf_puts(&s->text, " SET ");
    for (size_t i = 0; i < n; i++) {
        if (i) dorm_buf_puts(&s->text, ", ");
        dorm_sql__name(s, fields[i]->column);
        dorm_buf_puts(&s->text, " = ");
        if (exprs && exprs[i]) {
            s->resolved_again = true;
            dorm_rexpr_sql(s, qs, exprs[i]);
            s->resolved_again = false;
        } else
            dorm_sql__param(s, &values[i]);
    }
    if (dml_where(s, qs) == W_NONE) return DORM_COMPILED_EMPTY;
    return dorm_sql__compiled(s);
}

int dorm_compile__delete(const dorm_qs *qs, dorm_sql *s) {
    dorm_buf_puts(&s->text, "DELETE FROM ");
    dorm_sql__name(s, qs->meta->db_table);
    if (dml_where(s, qs) == W_NONE) return DORM_COMPILED_EMPTY;
    return dorm_sql__compiled(s);
}
