/* search.h - full-text search nodes (Django's contrib.postgres.search):
 * resolving DORM_E_SEARCH expressions, SearchVector + SearchVector, and the
 * `search` lookup and `@@` match of a filter leaf. */
#ifndef DORM_QUERY_SEARCH_H
#define DORM_QUERY_SEARCH_H

#include "dorm/search.h"
#include "query/expr.h"

struct dorm_where;

/* What a search node holds once resolved (in the QuerySet's arena). */
typedef struct dorm_search_node {
    int what; /* dorm_search_kind, or DORM_SEARCH__VECTOR_ADD */
    const char *config; /* bound as $n::regconfig; NULL: none        */
    const char *weight; /* VECTOR: setweight's letter; NULL: none    */
    const char *function; /* QUERY: the tsquery function; RANK: ts_rank(_cd) */
    bool invert; /* QUERY: !!(...)                               */
    const char *weights; /* RANK: the array literal bound; NULL: none */
    int normalization; /* RANK: 0: not given                       */
    const char *options; /* HEADLINE: the options text bound; NULL: none */
} dorm_search_node;

/* SearchVector + SearchVector (Django's CombinedSearchVector). */
#define DORM_SEARCH__VECTOR_ADD 64

extern const dorm_node_ops dorm_node_search;

/* Resolves an expression inside a search node, in the context `c` of the
 * resolver that met it. */
typedef int (*dorm_search_sub)(void *c, const dorm_expr *e, const dorm_rexpr **out);

/* Resolves e (DORM_E_SEARCH) into *out: 0, or an error recorded on qs (a
 * backend without full-text search: NotSupportedError, before any SQL). */
int dorm_search__resolve(struct dorm_qs *qs, const dorm_expr *e, dorm_search_sub sub, void *c, const dorm_rexpr **out);
/* Whether a or b is a search node: then a + b is resolved by
 * dorm_search__combine. */
bool dorm_search__any(const dorm_rexpr *a, const dorm_rexpr *b);
/* a + b of two search vectors (kind is the dorm_expr's, DORM_E_ADD);
 * Django's TypeError for anything else. */
int dorm_search__combine(struct dorm_qs *qs, dorm_expr_kind kind, const dorm_rexpr *a, const dorm_rexpr *b,
                         const dorm_rexpr **out);
/* The `search` lookup of text fields. */
extern const dorm_lookup_def dorm_search_lookup;
/* A filter leaf w (its left side resolved) with value v: the `search`
 * lookup, or exact on a search vector, becomes `vector @@ query` (*handled
 * true); any other leaf is left alone.  0 or an error recorded on qs. */
int dorm_search__leaf(struct dorm_qs *qs, struct dorm_where *w, const dorm_value *v, bool *handled);

#endif
