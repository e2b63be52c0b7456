/* compiler.c - SELECT / UPDATE / DELETE compilation of a Query.  Spells SQL the
 * way Django does ("t"."col" references, parenthesised AND/OR groups, NOT (...),
 * the exclude NULL guard, YEAR lookups as date ranges) and asks the dialect
 * for everything that differs between backends. */
#include <stdlib.h>
#include <string.h>

#include "query/compiler.h"
#include "core/alloc.h"

void dorm_sql_init(dorm_sql *s, dorm_ctx *cx) {
    memset(s, 0, sizeof *s);
    s->cx = cx;
    s->d = cx->db->dialect;
}

void dorm_sql_free(dorm_sql *s) {
    dorm_buf_free(&s->text);
    dorm_mem_free(s->params);
    s->params = NULL;
}

void dorm_sql_param(dorm_sql *s, const dorm_value *v) {
    if (s->nparams == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        dorm_value *p = dorm_mem_realloc(s->params, sizeof(dorm_value) * cap);
        if (!p) {
            s->failed = true;
            return;
        }
        s->params = p;
        s->cap = cap;
    }
    s->params[s->nparams++] = *v;
    if (s->d->param_style == DORM_PARAM_DOLLAR) dorm_buf_printf(&s->text, "$%zu", s->nparams);
    else dorm_buf_putc(&s->text, '?');
}

void dorm_sql_name(dorm_sql *s, const char *name) { dorm_buf_quote(&s->text, s->d->quote, name); }

/* A table alias: Django leaves its generated aliases (T2, T3...) unquoted;
 * the registry refuses tables named like them, so none is a table name. */
static void put_alias(dorm_buf *b, char quote, const char *alias) {
    bool generated = alias[0] == 'T' && alias[1];
    for (const char *p = alias + 1; generated && *p; p++) generated = *p >= '0' && *p <= '9';
    if (generated) dorm_buf_puts(b, alias);
    else dorm_buf_quote(b, quote, alias);
}

void dorm_sql_alias(dorm_sql *s, const char *alias) { put_alias(&s->text, s->d->quote, alias); }

void dorm_sql_col(dorm_sql *s, const char *alias, const char *column) {
    if (!s->bare_columns) {
        dorm_sql_alias(s, alias);
        dorm_buf_putc(&s->text, '.');
    }
    dorm_buf_quote(&s->text, s->d->quote, column);
}

/* Appends `tmpl` with its "%s" replaced by `arg`. */
static void put_template(dorm_buf *b, const char *tmpl, const char *arg) {
    const char *p = strstr(tmpl, "%s");
    if (!p) {
        dorm_buf_puts(b, tmpl);
        return;
    }
    dorm_buf_put(b, tmpl, (size_t)(p - tmpl));
    dorm_buf_puts(b, arg);
    dorm_buf_puts(b, p + 2);
}

static void leaf_lhs(dorm_sql *s, const dorm_qs *qs, const dorm_where *w, int ntrans, dorm_buf *out);

/* A column, with transforms applied ("publication_date__year"). */
static void column_sql(dorm_sql *s, const dorm_qs *qs, int alias, const dorm_fmeta *field, int ntrans,
                       const dorm_extract *trans) {
    if (!ntrans) {
        dorm_sql_col(s, dorm_alias_name(qs, alias), field->column);
        return;
    }
    dorm_where w = {.alias = alias, .field = field, .ntrans = ntrans, .lookup = DORM_LK_EXACT};
    memcpy(w.trans, trans, sizeof w.trans);
    dorm_buf lhs = DORM_BUF_INIT;
    leaf_lhs(s, qs, &w, w.ntrans, &lhs);
    dorm_buf_put(&s->text, lhs.data ? lhs.data : "", lhs.len);
    if (lhs.failed) s->failed = true;
    dorm_buf_free(&lhs);
}

static void expr_sql(dorm_sql *s, const dorm_qs *qs, const dorm_rexpr *e) {
    static const char *const ops[] = {[DORM_E_ADD] = " + ", [DORM_E_SUB] = " - ", [DORM_E_MUL] = " * ",
                                      [DORM_E_DIV] = " / "};
    static const char *const fns[] = {[DORM_E_COUNT] = "COUNT(", [DORM_E_SUM] = "SUM(", [DORM_E_AVG] = "AVG(",
                                      [DORM_E_MIN] = "MIN(", [DORM_E_MAX] = "MAX("};
    switch (e->kind) {
    case DORM_E_VALUE:
        dorm_sql_param(s, &e->value);
        if (e->value.type == DORM_T_FLOAT && s->d->float_param_cast) dorm_buf_puts(&s->text, s->d->float_param_cast);
        if (e->value.type == DORM_T_DECIMAL && s->d->decimal_param_cast)
            dorm_buf_puts(&s->text, s->d->decimal_param_cast);
        return;
    case DORM_E_F:
        if (e->ref) {
            /* An annotation used in another is written out again (Django). */
            const dorm_ann *ann = dorm_qs_annotation(qs, e->ref, strlen(e->ref));
            if (ann) expr_sql(s, qs, ann->e);
            return;
        }
        column_sql(s, qs, e->alias, e->field, e->ntrans, e->trans);
        return;
    case DORM_E_ADD:
    case DORM_E_SUB:
    case DORM_E_MUL:
    case DORM_E_DIV:
        dorm_buf_putc(&s->text, '(');
        expr_sql(s, qs, e->a);
        dorm_buf_puts(&s->text, ops[e->kind]);
        expr_sql(s, qs, e->b);
        dorm_buf_putc(&s->text, ')');
        return;
    default:
        dorm_buf_puts(&s->text, fns[e->kind]);
        if (e->distinct) dorm_buf_puts(&s->text, "DISTINCT ");
        if (e->a) expr_sql(s, qs, e->a);
        else dorm_buf_putc(&s->text, '*');
        dorm_buf_putc(&s->text, ')');
        return;
    }
}

/* The left-hand side of a leaf: the column, its transforms, the lookup cast. */
static void leaf_lhs(dorm_sql *s, const dorm_qs *qs, const dorm_where *w, int ntrans, dorm_buf *out) {
    dorm_buf cur = DORM_BUF_INIT, next = DORM_BUF_INIT;
    if (!s->bare_columns) {
        put_alias(&cur, s->d->quote, dorm_alias_name(qs, w->alias));
        dorm_buf_putc(&cur, '.');
    }
    dorm_buf_quote(&cur, s->d->quote, w->field->column);
    for (int i = 0; i < ntrans; i++) {
        dorm_buf_reset(&next);
        s->d->extract(&next, w->trans[i], dorm_path_kind(w->field, i, w->trans), cur.data);
        dorm_buf tmp = cur;
        cur = next;
        next = tmp;
    }
    const char *cast = s->d->lhs_casts[w->lookup];
    if (cast && !cur.failed) put_template(out, cast, cur.data);
    else dorm_buf_put(out, cur.data ? cur.data : "", cur.len);
    if (cur.failed || next.failed) out->failed = true;
    dorm_buf_free(&cur);
    dorm_buf_free(&next);
}

/* The operator with a placeholder for `v` in place of its "%s". */
static void put_operator(dorm_sql *s, const char *tmpl, const dorm_value *v) {
    const char *p = strstr(tmpl, "%s");
    if (!p) {
        dorm_buf_puts(&s->text, tmpl);
        return;
    }
    dorm_buf_put(&s->text, tmpl, (size_t)(p - tmpl));
    dorm_sql_param(s, v);
    dorm_buf_puts(&s->text, p + 2);
}

static bool is_pattern(dorm_lookup lk) { return lk >= DORM_LK_IEXACT && lk <= DORM_LK_IENDSWITH; }

/* Django's YearLookup: year == 2000 on a date column becomes a BETWEEN on the
 * bare column, so an index on it can serve the query. */
static bool year_bounds(dorm_sql *s, const dorm_qs *qs, const dorm_where *w) {
    if (w->ntrans != 1 || w->trans[0] != DORM_EX_YEAR || w->rhs.type != DORM_T_INT) return false;
    dorm_kind k = w->field->value_kind;
    if (k != DORM_KIND_DATE && k != DORM_KIND_DATETIME) return false;
    if (w->lookup != DORM_LK_EXACT && (w->lookup < DORM_LK_GT || w->lookup > DORM_LK_LTE)) return false;
    int y = (int)w->rhs.u.i;
    if (y < 1 || y > 9999) return false;
    dorm_value lo, hi;
    if (k == DORM_KIND_DATE) {
        lo = dorm_v_date(dorm_date_ymd(y, 1, 1));
        hi = dorm_v_date(dorm_date_ymd(y, 12, 31));
    } else {
        lo = dorm_v_datetime(dorm_datetime_utc(y, 1, 1, 0, 0, 0, 0));
        hi = dorm_v_datetime(dorm_datetime_utc(y, 12, 31, 23, 59, 59, 999999));
    }
    dorm_sql_col(s, dorm_alias_name(qs, w->alias), w->field->column);
    switch (w->lookup) {
    case DORM_LK_EXACT:
        dorm_buf_puts(&s->text, " BETWEEN ");
        dorm_sql_param(s, &lo);
        dorm_buf_puts(&s->text, " AND ");
        dorm_sql_param(s, &hi);
        break;
    case DORM_LK_GT:
        dorm_buf_puts(&s->text, " > ");
        dorm_sql_param(s, &hi);
        break;
    case DORM_LK_GTE:
        dorm_buf_puts(&s->text, " >= ");
        dorm_sql_param(s, &lo);
        break;
    case DORM_LK_LT:
        dorm_buf_puts(&s->text, " < ");
        dorm_sql_param(s, &lo);
        break;
    default:
        dorm_buf_puts(&s->text, " <= ");
        dorm_sql_param(s, &hi);
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
            char *copy = dorm_arena_memdup(&s->cx->arena, arr.data ? arr.data : "", arr.len + 1);
            if (!copy || arr.failed) s->failed = true;
            dorm_value v = dorm_v_textn(copy, arr.len);
            dorm_buf_free(&arr);
            dorm_buf_putc(&s->text, ' ');
            put_operator(s, tmpl, &v);
            return;
        }
        dorm_buf_free(&arr);
    }
    dorm_buf_puts(&s->text, " IN (");
    for (size_t i = 0; i < list->len; i++) {
        if (i) dorm_buf_puts(&s->text, ", ");
        dorm_sql_param(s, &list->u.list[i]);
    }
    dorm_buf_putc(&s->text, ')');
}

static void leaf_sql(dorm_sql *s, const dorm_qs *qs, const dorm_where *w, bool negated) {
    dorm_buf lhs = DORM_BUF_INIT;
    if (!year_bounds(s, qs, w)) {
        leaf_lhs(s, qs, w, w->ntrans, &lhs);
        dorm_buf_put(&s->text, lhs.data ? lhs.data : "", lhs.len);
        switch (w->lookup) {
        case DORM_LK_ISNULL:
            dorm_buf_puts(&s->text, w->rhs.u.b ? " IS NULL" : " IS NOT NULL");
            break;
        case DORM_LK_IN:
            in_list(s, &w->rhs);
            break;
        case DORM_LK_RANGE:
            dorm_buf_puts(&s->text, " BETWEEN ");
            dorm_sql_param(s, &w->rhs.u.list[0]);
            dorm_buf_puts(&s->text, " AND ");
            dorm_sql_param(s, &w->rhs.u.list[1]);
            break;
        default: {
            dorm_value v = w->rhs;
            if (w->rhs_expr) {
                /* F() on the right: the operator with the expression's SQL in place of "%s". */
                const char *tmpl = s->d->operators[w->lookup], *p = strstr(tmpl, "%s");
                dorm_buf_putc(&s->text, ' ');
                dorm_buf_put(&s->text, tmpl, p ? (size_t)(p - tmpl) : strlen(tmpl));
                if (p) {
                    expr_sql(s, qs, w->rhs_expr);
                    dorm_buf_puts(&s->text, p + 2);
                }
                break;
            }
            if (is_pattern(w->lookup)) {
                dorm_buf pat = DORM_BUF_INIT;
                size_t n = v.len == DORM_STRLEN ? strlen(v.u.s) : v.len;
                s->d->pattern(&pat, w->lookup, v.u.s, n);
                char *copy = dorm_arena_memdup(&s->cx->arena, pat.data ? pat.data : "", pat.len + 1);
                if (!copy || pat.failed) s->failed = true;
                v = dorm_v_textn(copy, pat.len);
                dorm_buf_free(&pat);
            }
            dorm_buf_putc(&s->text, ' ');
            put_operator(s, s->d->operators[w->lookup], &v);
        }
        }
    }
    /* exclude(col=x) on a nullable column must keep the NULL rows (Django). */
    if (negated && w->nullable && w->lookup != DORM_LK_ISNULL) {
        dorm_buf_puts(&s->text, " AND ");
        dorm_buf_reset(&lhs);
        leaf_lhs(s, qs, &(dorm_where){.alias = w->alias, .field = w->field, .ntrans = 0, .lookup = DORM_LK_ISNULL},
                 0, &lhs);
        dorm_buf_put(&s->text, lhs.data ? lhs.data : "", lhs.len);
        dorm_buf_puts(&s->text, " IS NOT NULL");
    }
    if (lhs.failed) s->failed = true;
    dorm_buf_free(&lhs);
}

typedef enum { W_SQL, W_NONE, W_ALL } wres;

/* The outcome of a compilation: a part that failed did so for memory, which
 * is recorded on the context like every other error. */
static int compiled(dorm_sql *s) {
    if (!s->failed && !s->text.failed) return DORM_COMPILED;
    return dorm_fail(s->cx, DORM_ENOMEM, "out of memory (building SQL)");
}

/* Writes the condition; W_NONE: matches nothing, W_ALL: always true (nothing
 * written in either case). */
static wres where_sql(dorm_sql *s, const dorm_qs *qs, const dorm_where *w, bool negated) {
    switch (w->kind) {
    case DORM_W_NOTHING:
        return W_NONE;
    case DORM_W_LEAF:
        leaf_sql(s, qs, w, negated);
        return W_SQL;
    case DORM_W_SUBQUERY: {
        size_t mark = s->text.len, pmark = s->nparams;
        column_sql(s, qs, w->alias, w->field, w->ntrans, w->trans);
        dorm_buf_puts(&s->text, " IN (");
        bool bare = s->bare_columns;
        s->bare_columns = false;
        int rc = dorm_compile_select(w->sub, DORM_SELECT_ROWS, s);
        s->bare_columns = bare;
        if (rc == DORM_COMPILED_EMPTY) {
            s->text.len = mark;
            if (s->text.data) s->text.data[mark] = '\0';
            s->nparams = pmark;
            return W_NONE;
        }
        if (rc < 0) s->failed = true;
        dorm_buf_putc(&s->text, ')');
        return W_SQL;
    }
    default:
        break;
    }
    bool is_not = w->kind == DORM_W_NOT, is_or = w->kind == DORM_W_OR;
    size_t start = s->text.len, nparams = s->nparams;
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
        s->text.len = before;
        if (s->text.data) s->text.data[before] = '\0';
        s->nparams = pbefore;
        /* AND with an empty child is empty; OR with an always-true one is true. */
        if ((r == W_NONE && !is_or) || (r == W_ALL && is_or)) {
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
        char *body = dorm_mem_alloc(len + 1);
        if (!body) {
            s->failed = true;
            return W_SQL;
        }
        memcpy(body, s->text.data + start, len);
        body[len] = '\0';
        s->text.len = start;
        s->text.data[start] = '\0';
        dorm_buf_puts(&s->text, is_not ? "NOT (" : "(");
        dorm_buf_put(&s->text, body, len);
        dorm_buf_putc(&s->text, ')');
        dorm_mem_free(body);
    }
    return W_SQL;
}

static void from_clause(dorm_sql *s, const dorm_qs *qs) {
    dorm_buf_puts(&s->text, " FROM ");
    dorm_sql_name(s, qs->meta->db_table);
    for (int i = 0; i < qs->njoins; i++) {
        const dorm_join *j = &qs->joins[i];
        const char *parent = dorm_alias_name(qs, j->parent);
        dorm_buf_puts(&s->text, j->outer ? " LEFT OUTER JOIN " : " INNER JOIN ");
        dorm_sql_name(s, j->model->db_table);
        if (strcmp(j->alias, j->model->db_table) != 0) {
            dorm_buf_putc(&s->text, ' ');
            dorm_sql_alias(s, j->alias);
        }
        dorm_buf_puts(&s->text, " ON (");
        if (j->reverse) {
            dorm_sql_col(s, parent, j->fk->target_pk->column);
            dorm_buf_puts(&s->text, " = ");
            dorm_sql_col(s, j->alias, j->fk->column);
        } else {
            dorm_sql_col(s, parent, j->fk->column);
            dorm_buf_puts(&s->text, " = ");
            dorm_sql_col(s, j->alias, j->fk->target_pk->column);
        }
        dorm_buf_putc(&s->text, ')');
    }
}

/* " WHERE ..." or nothing; W_NONE when the query can match no row. */
static wres where_clause(dorm_sql *s, const dorm_qs *qs) {
    if (qs->empty) return W_NONE;
    if (!qs->where) return W_ALL;
    size_t mark = s->text.len;
    dorm_buf_puts(&s->text, " WHERE ");
    wres r = where_sql(s, qs, qs->where, false);
    if (r != W_SQL) {
        s->text.len = mark;
        if (s->text.data) s->text.data[mark] = '\0';
    }
    return r;
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
        if (o->ref) {
            dorm_sql_name(s, o->ref);
            dorm_buf_puts(&s->text, (o->desc != qs->reversed) ? " DESC" : " ASC");
            continue;
        }
        column_sql(s, qs, o->alias, o->field, o->ntrans, o->trans);
        dorm_buf_puts(&s->text, (o->desc != qs->reversed) ? " DESC" : " ASC");
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
        dorm_sql_col(s, dorm_alias_name(qs, dorm_inherit_alias(qs, alias, m, fm)), fm->column);
    }
}

static void select_columns(dorm_sql *s, const dorm_qs *qs, dorm_select_what what) {
    const char *base = qs->meta->db_table;
    if (what == DORM_SELECT_PK) {
        const dorm_fmeta *pk = qs->meta->pk;
        for (int i = 0; dorm_fmeta_composite(pk) && i < pk->nparts; i++) {
            if (i) dorm_buf_puts(&s->text, ", ");
            dorm_sql_col(s, base, pk->parts[i]->column);
        }
        if (!dorm_fmeta_composite(pk)) dorm_sql_col(s, base, pk->column);
        return;
    }
    if (qs->mode != DORM_MODE_OBJECTS) {
        for (int i = 0; i < qs->ncols; i++) {
            const dorm_col *c = &qs->cols[i];
            if (i) dorm_buf_puts(&s->text, ", ");
            column_sql(s, qs, c->alias, c->field, c->ntrans, c->trans);
        }
        return;
    }
    model_columns(s, qs, 0, qs->meta, qs->deferred, false);
    /* select_related: each related model's columns follow, in field order. */
    for (int r = 0; r < qs->nselrel; r++)
        model_columns(s, qs, qs->selrel[r].alias, dorm_selrel_model(&qs->selrel[r]), 0, true);
    for (int i = 0; i < qs->nann; i++) {
        dorm_buf_puts(&s->text, ", ");
        expr_sql(s, qs, qs->ann[i].e);
        dorm_buf_puts(&s->text, " AS ");
        dorm_sql_name(s, qs->ann[i].alias);
    }
}

/* Whether the ordering term o is among the model, select_related or
 * values() columns a SELECT writes. */
static bool selected(const dorm_qs *qs, const dorm_order *o) {
    if (qs->mode != DORM_MODE_OBJECTS) {
        for (int i = 0; i < qs->ncols; i++) {
            const dorm_col *c = &qs->cols[i];
            if (c->alias == o->alias && c->field == o->field && c->ntrans == o->ntrans &&
                memcmp(c->trans, o->trans, sizeof(dorm_extract) * (size_t)o->ntrans) == 0)
                return true;
        }
        return false;
    }
    if (o->ntrans) return false;
    if (o->alias == 0) return o->field->owner == qs->meta && !(qs->deferred & ((uint64_t)1 << o->field->index));
    if (dorm_inherit_selected(qs, o->alias, o->field)) return true;
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
        if (o->random) dorm_buf_puts(&s->text, s->d->random_function);
        else column_sql(s, qs, o->alias, o->field, o->ntrans, o->trans);
    }
}

/* GROUP BY of an aggregating annotate(): every selected column that is not
 * an aggregate (what Django writes on backends without group-by-pk), and
 * the columns ordered by (`ordered`: an ORDER BY is written). */
static void group_clause(dorm_sql *s, const dorm_qs *qs, bool ordered) {
    if (!qs->group_by || qs->mode != DORM_MODE_OBJECTS) return;
    dorm_buf_puts(&s->text, " GROUP BY ");
    model_columns(s, qs, 0, qs->meta, qs->deferred, false);
    for (int r = 0; r < qs->nselrel; r++) model_columns(s, qs, qs->selrel[r].alias, dorm_selrel_model(&qs->selrel[r]), 0, true);
    for (int i = 0; i < qs->nann; i++) {
        if (qs->ann[i].e->aggregate) continue;
        dorm_buf_puts(&s->text, ", ");
        expr_sql(s, qs, qs->ann[i].e);
    }
    for (int i = 0; ordered && i < qs->norder; i++) {
        const dorm_order *o = &qs->order[i];
        if (o->random || !unselected_order(qs, o)) continue;
        dorm_buf_puts(&s->text, ", ");
        column_sql(s, qs, o->alias, o->field, o->ntrans, o->trans);
    }
}

/* The ordering to apply: explicit order_by(), else Meta.ordering. */
static const dorm_qs *with_ordering(const dorm_qs *qs, dorm_qs *tmp) {
    const char *const *ord = qs->meta->ordering;
    /* Django 3.1+ leaves Meta.ordering out of GROUP BY queries. */
    if (qs->ordered_explicitly || !ord || !ord[0] || qs->group_by) return qs;
    *tmp = *qs;
    if (dorm_order_resolve(tmp, ord)) return NULL;
    return tmp;
}

int dorm_compile_select(const dorm_qs *qs, dorm_select_what what, dorm_sql *s) {
    dorm_qs tmp, parents;
    bool sliced = qs->low > 0 || qs->high >= 0;
    bool wrap_count = what == DORM_SELECT_COUNT && (sliced || qs->distinct || qs->group_by);
    /* The SELECT of objects reads their parents' columns too. */
    if ((what == DORM_SELECT_ROWS || wrap_count) && !(qs = dorm_inherit_select(qs, &parents))) return DORM_ENOMEM;
    /* A count keeps the ordering only where it picks the rows of a slice
     * (Django clears it otherwise, and so counts DISTINCT rows without the
     * ordering terms). */
    bool ordered = what == DORM_SELECT_ROWS || what == DORM_SELECT_PK || (wrap_count && sliced);
    if (ordered) {
        qs = with_ordering(qs, &tmp);
        if (!qs) return DORM_EFIELD;
    }
    if (wrap_count) dorm_buf_puts(&s->text, "SELECT COUNT(*) FROM (");
    dorm_buf_puts(&s->text, "SELECT ");
    if (qs->distinct && what != DORM_SELECT_EXISTS) dorm_buf_puts(&s->text, "DISTINCT ");
    if (what == DORM_SELECT_COUNT && !wrap_count) {
        dorm_buf_puts(&s->text, "COUNT(*) AS ");
        dorm_sql_name(s, "__count");
    } else if (what == DORM_SELECT_EXISTS) {
        dorm_buf_puts(&s->text, "(1) AS ");
        dorm_sql_name(s, "a");
    } else {
        select_columns(s, qs, what == DORM_SELECT_COUNT ? DORM_SELECT_ROWS : what);
        if (qs->distinct && ordered && what != DORM_SELECT_PK) distinct_order_columns(s, qs);
    }
    from_clause(s, qs);
    if (where_clause(s, qs) == W_NONE) return DORM_COMPILED_EMPTY;
    if (what != DORM_SELECT_EXISTS) group_clause(s, qs, ordered);
    if (ordered) order_clause(s, qs);
    if (what == DORM_SELECT_EXISTS) {
        s->d->limit_offset(&s->text, 1, qs->low);
    } else if (sliced && what != DORM_SELECT_COUNT) {
        s->d->limit_offset(&s->text, qs->high >= 0 ? qs->high - qs->low : -1, qs->low);
    } else if (wrap_count && sliced) {
        s->d->limit_offset(&s->text, qs->high >= 0 ? qs->high - qs->low : -1, qs->low);
    }
    if (qs->lock && (what == DORM_SELECT_ROWS || what == DORM_SELECT_EXISTS)) {
        int rc = dorm_lock_sql(s, qs);
        if (rc) return rc;
    }
    if (wrap_count) dorm_buf_puts(&s->text, ") subquery");
    if (qs->high >= 0 && qs->high == qs->low) return DORM_COMPILED_EMPTY;
    return compiled(s);
}

/* WHERE of an UPDATE/DELETE: direct when the query has no joins, else
 * "pk IN (SELECT pk ...)" as Django's SQLUpdateCompiler does. */
static wres dml_where(dorm_sql *s, const dorm_qs *qs) {
    if (qs->njoins == 0 && qs->low == 0 && qs->high < 0) return where_clause(s, qs);
    if (qs->empty) return W_NONE;
    dorm_buf_puts(&s->text, " WHERE ");
    const dorm_fmeta *pk = qs->meta->pk;
    /* A composite key compares its row value: ("a", "b") IN (SELECT ...). */
    for (int i = 0; dorm_fmeta_composite(pk) && i < pk->nparts; i++) {
        dorm_buf_puts(&s->text, i ? ", " : "(");
        dorm_sql_name(s, pk->parts[i]->column);
    }
    if (dorm_fmeta_composite(pk)) dorm_buf_putc(&s->text, ')');
    else dorm_sql_name(s, pk->column);
    dorm_buf_puts(&s->text, " IN (");
    int rc = dorm_compile_select(qs, DORM_SELECT_PK, s);
    if (rc == DORM_COMPILED_EMPTY) return W_NONE;
    dorm_buf_putc(&s->text, ')');
    return W_SQL;
}

int dorm_compile_update(const dorm_qs *qs, const dorm_fmeta *const *fields, const dorm_value *values,
                        const dorm_rexpr *const *exprs, size_t n, dorm_sql *s) {
    dorm_buf_puts(&s->text, "UPDATE ");
    dorm_sql_name(s, qs->meta->db_table);
    dorm_buf_puts(&s->text, " SET ");
    for (size_t i = 0; i < n; i++) {
        if (i) dorm_buf_puts(&s->text, ", ");
        dorm_sql_name(s, fields[i]->column);
        dorm_buf_puts(&s->text, " = ");
        if (exprs && exprs[i]) expr_sql(s, qs, exprs[i]);
        else dorm_sql_param(s, &values[i]);
    }
    if (dml_where(s, qs) == W_NONE) return DORM_COMPILED_EMPTY;
    return compiled(s);
}

int dorm_compile_aggregate(const dorm_qs *qs, const dorm_rexpr *const *exprs, const char *const *aliases, size_t n,
                           dorm_sql *s) {
    dorm_buf_puts(&s->text, "SELECT ");
    for (size_t i = 0; i < n; i++) {
        if (i) dorm_buf_puts(&s->text, ", ");
        expr_sql(s, qs, exprs[i]);
        dorm_buf_puts(&s->text, " AS ");
        dorm_sql_name(s, aliases[i]);
    }
    from_clause(s, qs);
    if (where_clause(s, qs) == W_NONE) return DORM_COMPILED_EMPTY;
    return compiled(s);
}

int dorm_compile_delete(const dorm_qs *qs, dorm_sql *s) {
    dorm_buf_puts(&s->text, "DELETE FROM ");
    dorm_sql_name(s, qs->meta->db_table);
    if (dml_where(s, qs) == W_NONE) return DORM_COMPILED_EMPTY;
    return compiled(s);
}
