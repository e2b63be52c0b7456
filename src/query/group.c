/* group.c - GROUP BY and HAVING of aggregating queries, built as Django's
 * compiler builds them (get_group_by): the minimal set values() asked for,
 * every selected column or non-aggregate expression, the ordering terms and
 * the columns HAVING reads, each written once; and the split of a where tree
 * into its WHERE and HAVING parts (WhereNode.split_having). */
#include <string.h>

#include "core/alloc.h"
#include "query/compiler.h"

/* ---- HAVING ---- */

static dorm_where *copy_node(dorm_ctx *cx, const dorm_where *w, const dorm_where **kids, int n) {
    dorm_where *c = dorm_alloc(cx, sizeof *c);
    if (!c) return NULL;
    *c = *w;
    c->kids = kids;
    c->n = n;
    return c;
}

int dorm_split__having(dorm_ctx *cx, const dorm_where *w, bool negated, const dorm_where **where,
                       const dorm_where **having) {
    *where = *having = NULL;
    if (!w->aggregate) {
        *where = w;
        return DORM_OK;
    }
    bool is_not = w->kind == DORM_W_NOT, in_negated = negated != is_not;
    /* An OR (or a negated AND) with an aggregate in it cannot be split. */
    bool whole = w->kind == DORM_W_LEAF || w->kind == DORM_W_SUBQUERY || (in_negated && w->kind != DORM_W_OR) ||
        (!in_negated && w->kind == DORM_W_OR);
    if (whole) {
        *having = w;
        return DORM_OK;
    }
    const dorm_where **wk = dorm_alloc(cx, sizeof *wk * (size_t)w->n), **hk = dorm_alloc(cx, sizeof *hk * (size_t)w->n);
    if (!wk || !hk) return DORM_ENOMEM;
    int nw = 0, nh = 0;
    for (int i = 0; i < w->n; i++) {
        const dorm_where *a, *b;
        int rc = dorm_split__having(cx, w->kids[i], in_negated, &a, &b);
        if (rc) return rc;
        if (a) wk[nw++] = a;
        if (b) hk[nh++] = b;
    }
    if (nw && !(*where = copy_node(cx, w, wk, nw))) return DORM_ENOMEM;
    if (nh && !(*having = copy_node(cx, w, hk, nh))) return DORM_ENOMEM;
    if (*where) ((dorm_where *)*where)->aggregate = false;
    return DORM_OK;
}

/* ---- GROUP BY ---- */

/* What an item of the GROUP BY is, for collapse(): a column (its alias and
 * field; alias -1 for an expression), and whether HAVING reads it. */
typedef struct gitem {
    int alias;
    const dorm_fmeta *field;
    bool having;
} gitem;

typedef struct gbuild {
    dorm_sql *s;
    const dorm_qs *qs;
    dorm_sql_span *items;
    gitem *what;
    int n, cap, cap_what;
    size_t mark, pmark, start, pstart;
    gitem cur; /* the item being written */
} gbuild;

static void begin(gbuild *g) {
    g->mark = g->s->text.len;
    g->pmark = g->s->nparams;
    if (!g->n) {
        g->start = g->mark;
        g->pstart = g->pmark;
    }
    dorm_buf_puts(&g->s->text, g->n ? ", " : " GROUP BY ");
}

/* Keeps the item just written unless an earlier one wrote the same SQL with
 * the same parameters (Django dedupes GROUP BY terms that way). */
static void end(gbuild *g) {
    dorm_sql *s = g->s;
    size_t off = g->mark + (g->n ? 2 : 10);
    /* Written with the placeholders of an equal SELECT expression first, so
     * that the comparison below sees what the statement says. */
    dorm_sql__share(s, off, g->pmark);
    size_t len = s->text.len - off, np = s->nparams - g->pmark;
    for (int i = 0; i < g->n && !s->text.failed; i++) {
        const dorm_sql_span *it = &g->items[i];
        bool same = np == it->np &&
            (np ? dorm_sql__same(s->text.data + off, len, s->text.data + it->off, it->len)
                : len == it->len && memcmp(s->text.data + off, s->text.data + it->off, len) == 0);
        for (size_t k = 0; same && k < np; k++)
            same = dorm_value_equal(&s->params[g->pmark + k], &s->params[it->poff + k]);
        if (!same) continue;
        s->text.len = g->mark;
        s->text.data[g->mark] = '\0';
        s->nparams = g->pmark;
        g->what[i].having |= g->cur.having;
        return;
    }
    if (g->n == g->cap_what) {
        int cap = g->cap_what ? 2 * g->cap_what : 8;
        gitem *w = dorm_mem__realloc(g->what, (size_t)cap * sizeof *w);
        if (!w) {
            s->failed = true;
            return;
        }
        g->what = w;
        g->cap_what = cap;
    }
    g->what[g->n] = g->cur;
    if (!dorm_span__push(&g->items, &g->n, &g->cap, (dorm_sql_span){off, len, g->pmark, np})) s->failed = true;
}

static void add_col(gbuild *g, int alias, const dorm_fmeta *field) {
    g->cur.alias = alias;
    g->cur.field = field;
    begin(g);
    dorm_sql__col(g->s, dorm_alias__name(g->qs, alias), field->column);
    end(g);
}

static void add_expr(gbuild *g, const dorm_rexpr *e) {
    bool col = dorm_rexpr_is_col(e);
    g->cur.alias = col ? e->alias : -1;
    g->cur.field = col ? e->field : NULL;
    begin(g);
    dorm_rexpr_sql(g->s, g->qs, e);
    end(g);
}

static bool grouped_by_key(const gbuild *g, int alias) {
    for (int i = 0; i < g->n; i++)
        if (g->what[i].alias == alias && g->what[i].field && g->what[i].field->f->primary_key) return true;
    return false;
}

/* Writes item `it` of the GROUP BY again from `text` (the clause as first
 * written), binding its own parameters again at their placeholders. */
static void put_item(gbuild *g, const char *text, const dorm_sql_span *it, const dorm_value *params) {
    const char *p = text + (it->off - g->start), *end = p + it->len;
    for (size_t k = 0; p < end; p++)
        if (*p == '?' && k < it->np)
            dorm_sql__param(g->s, &params[it->poff - g->pstart + k++]);
        else
            dorm_buf_putc(&g->s->text, *p);
}

/* Django's collapse_group_by where the backend allows_group_by_selected_pks
 * (PostgreSQL): the other columns of a table whose primary key is grouped
 * by are left out, the rest keep their places (HAVING's too).  What goes is
 * a column, which binds nothing, so the clause is compacted where it stands
 * and only the spans dorm_sql__share keeps for later repeats move. */
static void collapse_selected(gbuild *g) {
    dorm_sql *s = g->s;
    char *t = s->text.data;
    size_t at = g->start;
    bool first = true;
    for (int i = 0; i < g->n; i++) {
        const gitem *w = &g->what[i];
        const dorm_sql_span *it = &g->items[i];
        if (w->alias >= 0 && !w->field->f->primary_key && grouped_by_key(g, w->alias)) continue;
        const char *sep = first ? " GROUP BY " : ", ";
        size_t n = strlen(sep);
        memcpy(t + at, sep, n);
        at += n;
        for (int k = 0; k < s->nshared; k++)
            if (s->shared[k].off == it->off) s->shared[k].off = at;
        memmove(t + at, t + it->off, it->len);
        at += it->len;
        first = false;
    }
    s->text.len = at;
    t[at] = '\0';
}

/* Django's collapse_group_by where the backend allows_group_by_pk (MySQL,
 * whose placeholders are ?): with the base table's primary key grouped by,
 * the GROUP BY is that key, what HAVING reads, and the columns of tables
 * whose key is not grouped by. */
static void collapse(gbuild *g) {
    dorm_sql *s = g->s;
    if (s->text.failed || s->failed || !g->n) return;
    if (s->d->group_by_selected_pks) {
        collapse_selected(g);
        return;
    }
    int key = -1;
    for (int i = 0; i < g->n && key < 0; i++)
        if (g->what[i].alias == 0 && g->what[i].field == g->qs->meta->pk) key = i;
    if (key < 0 || !s->d->group_by_pk) return;
    size_t len = s->text.len - g->start, np = s->nparams - g->pstart;
    char *text = dorm_mem__alloc(len + 1);
    dorm_value *params = np ? dorm_mem__alloc(np * sizeof *params) : NULL;
    if (!text || (np && !params)) {
        s->failed = true;
        dorm_mem__free(text);
        return;
    }
    memcpy(text, s->text.data + g->start, len);
    if (np) memcpy(params, s->params + g->pstart, np * sizeof *params);
    s->text.len = g->start;
    s->text.data[g->start] = '\0';
    s->nparams = g->pstart;
    bool first = true;
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < g->n; i++) {
            const gitem *w = &g->what[i];
            bool keep =
                pass == 0 ? i == key : i != key && (w->having || (w->alias >= 0 && !grouped_by_key(g, w->alias)));
            if (!keep) continue;
            dorm_buf_puts(&s->text, first ? " GROUP BY " : ", ");
            put_item(g, text, &g->items[i], params);
            first = false;
        }
    dorm_mem__free(text);
    dorm_mem__free(params);
}

/* Django's get_group_by_cols: a column or a non-aggregate expression groups
 * as itself, a value and an aggregate not at all, an expression holding an
 * aggregate by what its other parts read. */
static void add_group_cols(gbuild *g, const dorm_rexpr *e) {
    if (!e || e->ops == &dorm_node_value || e->ops == &dorm_node_star || e->is_aggregate || e->ops == &dorm_node_window)
        return;
    if (e->ops == &dorm_node_ref) {
        add_group_cols(g, e->target);
        return;
    }
    if (e->ops == &dorm_node_subquery) {
        /* Django's Subquery.get_external_cols: the outer columns it reads. */
        for (int i = 0; i < e->nbinds; i++) add_group_cols(g, e->binds[i].to);
        return;
    }
    if (!e->aggregate) {
        add_expr(g, e);
        return;
    }
    for (int i = 0; i < e->nargs; i++) add_group_cols(g, e->args[i]);
}

/* A field of model m joined at alias, read from its parent's join when a
 * concrete parent holds it. */
static void model_col(gbuild *g, int alias, const dorm_meta *m, const dorm_fmeta *fm) {
    add_col(g, dorm_inherit__alias(g->qs, alias, m, fm), fm);
}

static void add_where_cols(gbuild *g, const dorm_where *w) {
    if (!w) return;
    if (w->kind == DORM_W_EXPR || w->kind == DORM_W_SUBQUERY) {
        add_group_cols(g, w->kind == DORM_W_EXPR ? w->lhs : w->sub);
        return;
    }
    if (w->kind != DORM_W_LEAF) {
        for (int i = 0; i < w->n; i++) add_where_cols(g, w->kids[i]);
        return;
    }
    if (w->lhs)
        add_group_cols(g, w->lhs);
    else if (w->field)
        add_col(g, w->alias, w->field);
    add_group_cols(g, w->rhs_expr);
}

void dorm_group__clause(dorm_sql *s, const dorm_qs *qs, const dorm_where *having, bool ordered, bool exists,
                        const dorm_rexpr *const *extra, int nextra) {
    if (!qs->group_by) return;
    gbuild g = {.s = s, .qs = qs};
    for (int i = 0; i < qs->ngroup; i++) add_group_cols(&g, qs->group[i]);
    if (qs->mode == DORM_MODE_OBJECTS && !qs->ngroup) {
        /* exists() groups by every concrete field (Django's add_fields). */
        for (int i = 0; i < qs->meta->nfields; i++)
            if (exists || !(qs->deferred & ((uint64_t)1 << i))) model_col(&g, 0, qs->meta, &qs->meta->fields[i]);
    } else if (qs->mode != DORM_MODE_OBJECTS && !exists) {
        for (int i = 0; i < qs->ncols; i++) {
            const dorm_col *c = &qs->cols[i];
            if (c->ann) continue;
            if (c->expr)
                add_group_cols(&g, c->expr);
            else
                add_col(&g, c->alias, c->field);
        }
    }
    /* exists() selects nothing of values(): only its GROUP BY list stays. */
    for (int i = 0; i < qs->nann && (!exists || qs->mode == DORM_MODE_OBJECTS); i++)
        if (dorm_ann__selected(qs, i)) add_group_cols(&g, qs->ann[i].e);
    /* The select_related columns, after the annotations as selected. */
    for (int r = 0; qs->mode == DORM_MODE_OBJECTS && !qs->ngroup && !exists && r < qs->nselrel; r++) {
        const dorm_meta *t = dorm_selrel_model(&qs->selrel[r]);
        for (int i = 0; i < t->nfields; i++) model_col(&g, qs->selrel[r].alias, t, &t->fields[i]);
    }
    for (int i = 0; i < nextra; i++) add_group_cols(&g, extra[i]);
    for (int i = 0; ordered && i < qs->norder; i++) {
        const dorm_order *o = &qs->order[i];
        if (o->random) continue;
        if (o->ref) {
            /* An annotation that is not selected is ordered by its expression. */
            const dorm_ann *a = dorm_qs__annotation(qs, o->ref, strlen(o->ref));
            if (a && !dorm_ann__selected(qs, (int)(a - qs->ann))) add_group_cols(&g, a->e);
            continue;
        }
        if (o->expr)
            add_group_cols(&g, o->expr);
        else
            add_col(&g, o->alias, o->field);
    }
    g.cur.having = true;
    add_where_cols(&g, having);
    g.cur.having = false;
    if (exists) {
        g.cur = (gitem){.alias = -1};
        begin(&g);
        dorm_buf_puts(&s->text, "(1)");
        end(&g);
    }
    collapse(&g);
    dorm_mem__free(g.items);
    dorm_mem__free(g.what);
}
