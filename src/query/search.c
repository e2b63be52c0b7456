/* search.c - PostgreSQL full-text search (Django 3.2's
 * contrib.postgres.search): SearchVector, SearchQuery and their
 * combinations, SearchRank, SearchHeadline, and the `search` lookup / `@@`
 * match.  Configurations, weights and options are bound, never written. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "query/compiler.h"
#include "query/search.h"

/* Django's SearchQuery.SEARCH_TYPES: the only function names written. */
static const struct {
    const char *type, *function;
} search_types[] = {{"plain", "plainto_tsquery"},
                    {"phrase", "phraseto_tsquery"},
                    {"raw", "to_tsquery"},
                    {"websearch", "websearch_to_tsquery"}};

static const char *const class_names[] = {
    [DORM_SEARCH_VECTOR] = "SearchVector", [DORM_SEARCH_QUERY] = "SearchQuery",
    [DORM_SEARCH_AND] = "SearchQuery",     [DORM_SEARCH_OR] = "SearchQuery",
    [DORM_SEARCH_RANK] = "SearchRank",     [DORM_SEARCH_HEADLINE] = "SearchHeadline"};

const dorm_lookup_def dorm_search_lookup = {.name = "search",
                                            .kinds = DORM_KIND_BIT(DORM_KIND_CHAR) | DORM_KIND_BIT(DORM_KIND_TEXT) |
                                                DORM_KIND_BIT(DORM_KIND_SLUG) | DORM_KIND_BIT(DORM_KIND_EMAIL) |
                                                DORM_KIND_BIT(DORM_KIND_URL),
                                            .sql = "%1 @@ %2"};

/* Django's SearchVectorExact, written where a leaf became a match. */
static const dorm_lookup_def match_lookup = {.name = "exact", .sql = "%1 @@ %2"};

static const dorm_search_node *search_of(const dorm_rexpr *e) {
    while (e && e->ops == &dorm_node_ref) e = e->target;
    return e && e->ops == &dorm_node_search ? e->search : NULL;
}

static bool is_vector(const dorm_rexpr *e) {
    const dorm_search_node *n = search_of(e);
    return n && (n->what == DORM_SEARCH_VECTOR || n->what == DORM_SEARCH__VECTOR_ADD);
}

static bool is_query(const dorm_rexpr *e) {
    const dorm_search_node *n = search_of(e);
    return n && (n->what == DORM_SEARCH_QUERY || n->what == DORM_SEARCH_AND || n->what == DORM_SEARCH_OR);
}

bool dorm_search__any(const dorm_rexpr *a, const dorm_rexpr *b) { return search_of(a) || search_of(b); }

static int refuse(dorm_qs *qs, const char *what) {
    return dorm_qs__fail(qs, DORM_ENOTSUPPORTED,
                         "%s is not supported on this database backend: full-text search is PostgreSQL's "
                         "(django.contrib.postgres.search).",
                         what)
        ->err;
}

/* A node of `what` with n arguments (filled by the caller). */
static dorm_rexpr *new_node(dorm_qs *qs, int what, int n, dorm_search_node **sn) {
    dorm_rexpr *r = dorm_alloc(qs->cx, sizeof *r);
    *sn = dorm_alloc(qs->cx, sizeof **sn);
    const dorm_rexpr **args = dorm_alloc(qs->cx, sizeof *args * (size_t)(n + 1));
    if (!r || !*sn || !args) return NULL;
    memset(r, 0, sizeof *r);
    memset(*sn, 0, sizeof **sn);
    memset(args, 0, sizeof *args * (size_t)(n + 1));
    (*sn)->what = what;
    r->ops = &dorm_node_search;
    r->search = *sn;
    r->args = args;
    r->nargs = n;
    r->out = r->vkind = what == DORM_SEARCH_RANK ? DORM_KIND_FLOAT : DORM_KIND_TEXT;
    return r;
}

static void set_args(dorm_rexpr *r, const dorm_rexpr *const *args) {
    for (int i = 0; i < r->nargs; i++) {
        ((const dorm_rexpr **)r->args)[i] = args[i];
        r->aggregate = r->aggregate || args[i]->aggregate;
    }
}

static int copy_text(dorm_qs *qs, const char *s, const char **out) {
    *out = s ? dorm_arena__memdup(&qs->cx->arena, s, strlen(s) + 1) : NULL;
    return s && !*out ? DORM_ENOMEM : DORM_OK;
}

/* SearchVector(arg, config=config): wraps a field or expression. */
static int vector_of(dorm_qs *qs, const dorm_rexpr *arg, const char *config, const dorm_rexpr **out) {
    dorm_search_node *n;
    dorm_rexpr *r = new_node(qs, DORM_SEARCH_VECTOR, 1, &n);
    if (!r) return DORM_ENOMEM;
    set_args(r, &arg);
    n->config = config;
    *out = r;
    return DORM_OK;
}

/* SearchQuery(arg, config=config), plain. */
static int query_of(dorm_qs *qs, const dorm_rexpr *arg, const char *config, const dorm_rexpr **out) {
    dorm_search_node *n;
    dorm_rexpr *r = new_node(qs, DORM_SEARCH_QUERY, 1, &n);
    if (!r) return DORM_ENOMEM;
    set_args(r, &arg);
    n->config = config;
    n->function = search_types[0].function;
    *out = r;
    return DORM_OK;
}

/* The config of a vector or query (a combination: its left side's, as
 * Django's Combined* keep it). */
static const char *config_of(const dorm_rexpr *e) {
    const dorm_search_node *n = search_of(e);
    while (n && (n->what == DORM_SEARCH__VECTOR_ADD || n->what == DORM_SEARCH_AND || n->what == DORM_SEARCH_OR)) {
        for (e = e->args[0]; e->ops == &dorm_node_ref;) e = e->target;
        n = search_of(e);
    }
    return n ? n->config : NULL;
}

static int check_weight(dorm_qs *qs, const char *w) {
    if (!w || (strlen(w) == 1 && strchr("ABCDabcd", w[0]))) return DORM_OK;
    return dorm_qs__fail(qs, DORM_EVALUE, "Unknown weight '%s': a SearchVector weight is 'A', 'B', 'C' or 'D'.", w)
        ->err;
}

/* x as its shortest decimal that reads back as x (Python's repr). */
static void shortest(char *out, size_t size, double x) {
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(out, size, "%.*g", prec, x);
        if (strtod(out, NULL) == x) return;
    }
}

/* The weights of SearchRank as the array literal bound: '{0.1, 0.2, 0.4, 1}'. */
static int weights_text(dorm_qs *qs, const double *w, const char **out) {
    char d[4][32];
    for (int i = 0; i < 4 && w; i++) shortest(d[i], sizeof d[i], w[i]);
    *out = w ? dorm_sprintf(qs->cx, "{%s, %s, %s, %s}", d[0], d[1], d[2], d[3]) : NULL;
    return w && !*out ? DORM_ENOMEM : DORM_OK;
}

/* A string option as psycopg2 quotes it: 'text', quotes doubled. */
static void option_text(dorm_buf *b, const char *name, const char *value) {
    if (!value) return;
    dorm_buf_printf(b, "%s%s='", b->len ? ", " : "", name);
    for (const char *p = value; *p; p++) {
        if (*p == '\'') dorm_buf_putc(b, '\'');
        dorm_buf_putc(b, *p);
    }
    dorm_buf_putc(b, '\'');
}

static void option_int(dorm_buf *b, const char *name, int value) {
    if (value) dorm_buf_printf(b, "%s%s=%d", b->len ? ", " : "", name, value);
}

/* SearchHeadline's options in Django's order, as one bound text. */
static int headline_options(dorm_qs *qs, const dorm_search *o, const char **out) {
    dorm_buf b = DORM_BUF_INIT;
    option_text(&b, "StartSel", o->start_sel);
    option_text(&b, "StopSel", o->stop_sel);
    option_int(&b, "MaxWords", o->max_words);
    option_int(&b, "MinWords", o->min_words);
    option_int(&b, "ShortWord", o->short_word);
    if (o->highlight_all) dorm_buf_printf(&b, "%sHighlightAll=true", b.len ? ", " : "");
    option_int(&b, "MaxFragments", o->max_fragments);
    option_text(&b, "FragmentDelimiter", o->fragment_delimiter);
    int rc = b.failed ? DORM_ENOMEM : DORM_OK;
    *out = NULL;
    if (!rc && b.len && !(*out = dorm_arena__memdup(&qs->cx->arena, b.data, b.len + 1))) rc = DORM_ENOMEM;
    dorm_buf_free(&b);
    return rc;
}

static int resolve_vector(dorm_qs *qs, const dorm_expr *e, dorm_search_sub sub, void *c, const dorm_rexpr **out) {
    int n = 0;
    while (e->args && e->args[n]) n++;
    if (!n) return dorm_qs__fail(qs, DORM_EVALUE, "SearchVector() needs at least one field.")->err;
    dorm_search_node *sn;
    dorm_rexpr *r = new_node(qs, DORM_SEARCH_VECTOR, n, &sn);
    if (!r) return DORM_ENOMEM;
    for (int i = 0; i < n; i++) {
        int rc = sub(c, e->args[i], &((const dorm_rexpr **)r->args)[i]);
        if (rc) return rc;
        r->aggregate = r->aggregate || r->args[i]->aggregate;
    }
    int rc = check_weight(qs, e->search->weight);
    if (!rc) rc = copy_text(qs, e->search->config, &sn->config);
    if (!rc) rc = copy_text(qs, e->search->weight, &sn->weight);
    *out = r;
    return rc;
}

static int resolve_query(dorm_qs *qs, const dorm_expr *e, dorm_search_sub sub, void *c, const dorm_rexpr **out) {
    const char *type = e->search->search_type ? e->search->search_type : "plain";
    const char *function = NULL;
    for (size_t i = 0; i < sizeof search_types / sizeof search_types[0]; i++)
        if (strcmp(search_types[i].type, type) == 0) function = search_types[i].function;
    if (!function) return dorm_qs__fail(qs, DORM_EVALUE, "Unknown search_type argument '%s'.", type)->err;
    if (!e->a) return dorm_qs__fail(qs, DORM_EVALUE, "SearchQuery() needs a value.")->err;
    const dorm_rexpr *value;
    int rc = sub(c, e->a, &value);
    const char *config = NULL;
    if (!rc) rc = copy_text(qs, e->search->config, &config);
    if (!rc) rc = query_of(qs, value, config, out);
    if (rc) return rc;
    dorm_search_node *n = (dorm_search_node *)(*out)->search;
    n->function = function;
    n->invert = e->search->invert;
    return DORM_OK;
}

static int resolve_pair(dorm_qs *qs, const dorm_expr *e, dorm_search_sub sub, void *c, const dorm_rexpr **out) {
    const dorm_rexpr *ab[2];
    if (!e->a || !e->b) return dorm_qs__fail(qs, DORM_EVALUE, "A SearchQuery combination needs two queries.")->err;
    int rc = sub(c, e->a, &ab[0]);
    if (!rc) rc = sub(c, e->b, &ab[1]);
    if (rc) return rc;
    for (int i = 0; i < 2; i++)
        if (!is_query(ab[i]))
            return dorm_qs__fail(qs, DORM_EVALUE,
                                 "SearchQuery can only be combined with other SearchQuery instances, got %s.",
                                 dorm_kind__name(ab[i]->out))
                ->err;
    dorm_search_node *n;
    dorm_rexpr *r = new_node(qs, e->search->what, 2, &n);
    if (!r) return DORM_ENOMEM;
    set_args(r, ab);
    n->config = config_of(ab[0]);
    *out = r;
    return DORM_OK;
}

/* SearchRank's and SearchHeadline's query: a SearchQuery as it is, any
 * other value or expression SearchQuery(x). */
static int query_arg(dorm_qs *qs, const dorm_expr *e, dorm_search_sub sub, void *c, const dorm_rexpr **out) {
    if (!e) return dorm_qs__fail(qs, DORM_EVALUE, "No search query given.")->err;
    const dorm_rexpr *q;
    int rc = sub(c, e, &q);
    if (rc) return rc;
    if (is_query(q)) {
        *out = q;
        return DORM_OK;
    }
    return query_of(qs, q, NULL, out);
}

static int resolve_rank(dorm_qs *qs, const dorm_expr *e, dorm_search_sub sub, void *c, const dorm_rexpr **out) {
    const dorm_rexpr *vq[2];
    if (!e->a) return dorm_qs__fail(qs, DORM_EVALUE, "SearchRank() needs a vector.")->err;
    int rc = sub(c, e->a, &vq[0]);
    if (!rc && !is_vector(vq[0])) rc = vector_of(qs, vq[0], NULL, &vq[0]);
    if (!rc) rc = query_arg(qs, e->b, sub, c, &vq[1]);
    if (rc) return rc;
    dorm_search_node *n;
    dorm_rexpr *r = new_node(qs, DORM_SEARCH_RANK, 2, &n);
    if (!r) return DORM_ENOMEM;
    set_args(r, vq);
    n->function = e->search->cover_density ? "ts_rank_cd" : "ts_rank";
    n->normalization = e->search->normalization;
    *out = r;
    return weights_text(qs, e->search->weights, &n->weights);
}

static int resolve_headline(dorm_qs *qs, const dorm_expr *e, dorm_search_sub sub, void *c, const dorm_rexpr **out) {
    const dorm_rexpr *xq[2];
    if (!e->a) return dorm_qs__fail(qs, DORM_EVALUE, "SearchHeadline() needs an expression.")->err;
    int rc = sub(c, e->a, &xq[0]);
    if (!rc) rc = query_arg(qs, e->b, sub, c, &xq[1]);
    if (rc) return rc;
    dorm_search_node *n;
    dorm_rexpr *r = new_node(qs, DORM_SEARCH_HEADLINE, 2, &n);
    if (!r) return DORM_ENOMEM;
    set_args(r, xq);
    *out = r;
    rc = copy_text(qs, e->search->config, &n->config);
    return rc ? rc : headline_options(qs, e->search, &n->options);
}

int dorm_search__resolve(dorm_qs *qs, const dorm_expr *e, dorm_search_sub sub, void *c, const dorm_rexpr **out) {
    const dorm_search *o = e->search;
    if (!o || o->what < DORM_SEARCH_VECTOR || o->what > DORM_SEARCH_HEADLINE)
        return dorm_qs__fail(qs, DORM_EVALUE, "A search expression needs its dorm_search (use DSearchVector() ...).")
            ->err;
    if (!qs->cx->db->dialect->full_text_search) return refuse(qs, class_names[o->what]);
    switch (o->what) {
    case DORM_SEARCH_VECTOR: return resolve_vector(qs, e, sub, c, out);
    case DORM_SEARCH_QUERY: return resolve_query(qs, e, sub, c, out);
    case DORM_SEARCH_AND:
    case DORM_SEARCH_OR: return resolve_pair(qs, e, sub, c, out);
    case DORM_SEARCH_RANK: return resolve_rank(qs, e, sub, c, out);
    default: return resolve_headline(qs, e, sub, c, out);
    }
}

int dorm_search__combine(dorm_qs *qs, dorm_expr_kind kind, const dorm_rexpr *a, const dorm_rexpr *b,
                         const dorm_rexpr **out) {
    const dorm_rexpr *ab[2] = {a, b};
    const dorm_rexpr *other = !is_vector(a) ? a : !is_vector(b) ? b : NULL;
    if (kind == DORM_E_ADD && other && !search_of(other))
        return dorm_qs__fail(qs, DORM_EVALUE,
                             "SearchVector can only be combined with other SearchVector instances, got %s.",
                             dorm_kind__name(other->out))
            ->err;
    if (kind != DORM_E_ADD || other)
        return dorm_qs__fail(qs, DORM_EVALUE, "Search expressions only combine as SearchVector + SearchVector.")->err;
    dorm_search_node *n;
    dorm_rexpr *r = new_node(qs, DORM_SEARCH__VECTOR_ADD, 2, &n);
    if (!r) return DORM_ENOMEM;
    set_args(r, ab);
    n->config = config_of(a);
    *out = r;
    return DORM_OK;
}

/* The leaf's value as an expression: resolved, or bound as given. */
static int leaf_value(dorm_qs *qs, const dorm_value *v, const dorm_rexpr **out) {
    if (v->type == DORM_T_EXPR) return dorm_expr__resolve(qs, v->u.p, out);
    if (v->type != DORM_T_TEXT) return dorm_qs__fail(qs, DORM_EVALUE, "A search takes a text or a SearchQuery.")->err;
    const char *text;
    int rc = copy_text(qs, v->u.s, &text);
    if (rc) return rc;
    dorm_expr value = {.kind = DORM_E_VALUE, .value = dorm_v_text(text)};
    return dorm_expr__resolve(qs, &value, out);
}

int dorm_search__leaf(dorm_qs *qs, dorm_where *w, const dorm_value *v, bool *handled) {
    bool lookup = w->def == &dorm_search_lookup;
    *handled = false;
    if (!lookup && !(w->lookup == DORM_LK_EXACT && is_vector(w->lhs) && v->type != DORM_T_NULL)) return DORM_OK;
    if (!qs->cx->db->dialect->full_text_search) return refuse(qs, "The search lookup");
    if (v->type == DORM_T_NULL) return dorm_qs__fail(qs, DORM_EVALUE, "Cannot use None as a query value")->err;
    const dorm_rexpr *rhs, *lhs = w->lhs;
    int rc = leaf_value(qs, v, &rhs);
    if (rc) return rc;
    if (lookup) {
        if (!lhs && !(lhs = dorm_rexpr__col(qs, w->alias, w->field))) return DORM_ENOMEM;
        if ((rc = vector_of(qs, lhs, is_query(rhs) ? config_of(rhs) : NULL, &lhs))) return rc;
    }
    if (!is_query(rhs) && (rc = query_of(qs, rhs, config_of(lhs), &rhs))) return rc;
    w->lhs = lhs;
    w->rhs_expr = rhs;
    w->def = &match_lookup;
    w->lookup = DORM_LK__COUNT;
    w->aggregate = lhs->aggregate || rhs->aggregate;
    *handled = true;
    return DORM_OK;
}

/* ---- SQL ---- */

static void config_sql(dorm_sql *s, const dorm_search_node *n) {
    if (!n->config) return;
    dorm_sql__text_param(s, n->config, strlen(n->config));
    dorm_buf_puts(&s->text, "::regconfig, ");
}

/* Django's SearchVector: COALESCE(x, '') of each text argument, of
 * CAST(x AS text) of any other, joined by || ' ' ||. */
static void vector_sql(dorm_sql *s, const dorm_qs *qs, const dorm_rexpr *e) {
    const dorm_search_node *n = e->search;
    const dorm_value empty = dorm_v_text("");
    if (n->weight) dorm_buf_puts(&s->text, "setweight(");
    dorm_buf_puts(&s->text, "to_tsvector(");
    config_sql(s, n);
    for (int i = 0; i < e->nargs; i++) {
        const dorm_rexpr *a = e->args[i];
        bool text = DORM_KIND_BIT(a->out) & dorm_search_lookup.kinds;
        dorm_buf_puts(&s->text, i ? " || ' ' || COALESCE(" : "COALESCE(");
        if (!text) dorm_buf_puts(&s->text, "CAST(");
        dorm_rexpr_sql(s, qs, a);
        if (!text) {
            dorm_buf_puts(&s->text, " AS ");
            s->d->column_type(&s->text, &(dorm_column_def){.kind = DORM_KIND_TEXT});
            dorm_buf_putc(&s->text, ')');
        }
        dorm_buf_puts(&s->text, ", ");
        dorm_sql__param(s, &empty);
        dorm_buf_putc(&s->text, ')');
    }
    dorm_buf_putc(&s->text, ')');
    if (n->weight) {
        dorm_buf_puts(&s->text, ", ");
        dorm_sql__text_param(s, n->weight, strlen(n->weight));
        dorm_buf_putc(&s->text, ')');
    }
}

static void search_sql(dorm_sql *s, const dorm_qs *qs, const dorm_rexpr *e) {
    const dorm_search_node *n = e->search;
    switch (n->what) {
    case DORM_SEARCH_VECTOR: vector_sql(s, qs, e); return;
    case DORM_SEARCH__VECTOR_ADD:
    case DORM_SEARCH_AND:
    case DORM_SEARCH_OR:
        dorm_buf_putc(&s->text, '(');
        dorm_rexpr_sql(s, qs, e->args[0]);
        dorm_buf_puts(&s->text, n->what == DORM_SEARCH_AND ? " && " : " || ");
        dorm_rexpr_sql(s, qs, e->args[1]);
        dorm_buf_putc(&s->text, ')');
        return;
    case DORM_SEARCH_QUERY:
        if (n->invert) dorm_buf_puts(&s->text, "!!(");
        dorm_buf_printf(&s->text, "%s(", n->function);
        config_sql(s, n);
        dorm_rexpr_sql(s, qs, e->args[0]);
        dorm_buf_puts(&s->text, n->invert ? "))" : ")");
        return;
    case DORM_SEARCH_RANK:
        dorm_buf_printf(&s->text, "%s(", n->function);
        if (n->weights) {
            dorm_sql__text_param(s, n->weights, strlen(n->weights));
            dorm_buf_puts(&s->text, ", ");
        }
        dorm_rexpr_sql(s, qs, e->args[0]);
        dorm_buf_puts(&s->text, ", ");
        dorm_rexpr_sql(s, qs, e->args[1]);
        if (n->normalization) {
            const dorm_value norm = dorm_v_int(n->normalization);
            dorm_buf_puts(&s->text, ", ");
            dorm_sql__param(s, &norm);
        }
        dorm_buf_putc(&s->text, ')');
        return;
    default:
        dorm_buf_puts(&s->text, "ts_headline(");
        config_sql(s, n);
        dorm_rexpr_sql(s, qs, e->args[0]);
        dorm_buf_puts(&s->text, ", ");
        dorm_rexpr_sql(s, qs, e->args[1]);
        if (n->options) {
            dorm_buf_puts(&s->text, ", ");
            dorm_sql__text_param(s, n->options, strlen(n->options));
        }
        dorm_buf_putc(&s->text, ')');
    }
}

const dorm_node_ops dorm_node_search = {search_sql};
