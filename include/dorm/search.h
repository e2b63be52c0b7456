/* dorm/search.h - PostgreSQL full-text search, Django's
 * django.contrib.postgres.search: SearchVector, SearchQuery, SearchRank and
 * SearchHeadline as expressions, and the `search` lookup (docs/search.md).
 * SPDX-License-Identifier: MIT (see LICENSE) */
#ifndef DORM_SEARCH_H
#define DORM_SEARCH_H

#include <stdbool.h>

#include "expr.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Which search expression a DORM_E_SEARCH node is. */
typedef enum dorm_search_kind {
    DORM_SEARCH_VECTOR = 1, /* SearchVector(fields..., config=, weight=)     */
    DORM_SEARCH_QUERY,      /* SearchQuery(value, config=, search_type=)     */
    DORM_SEARCH_AND,        /* SearchQuery & SearchQuery                     */
    DORM_SEARCH_OR,         /* SearchQuery | SearchQuery                     */
    DORM_SEARCH_RANK,       /* SearchRank(vector, query, ...)                */
    DORM_SEARCH_HEADLINE    /* SearchHeadline(expression, query, ...)        */
} dorm_search_kind;

/* The options of a search expression, Django's keyword arguments; each
 * applies to the expressions its comment names, and 0 / NULL / false is
 * "not given".  Members are only ever appended. */
typedef struct dorm_search {
    dorm_search_kind what;      /* set by the macros                            */
    const char *config;         /* VECTOR, QUERY, HEADLINE: a text search
                                   configuration ("english"), bound as
                                   $n::regconfig                                 */
    const char *weight;         /* VECTOR: "A", "B", "C" or "D"                 */
    const char *search_type;    /* QUERY: "plain" (NULL), "phrase", "raw",
                                   "websearch"                                   */
    bool invert;                /* QUERY: ~SearchQuery(...)                      */
    const double *weights;      /* RANK: the four weights of D, C, B and A      */
    int normalization;          /* RANK: ts_rank's normalization bits           */
    bool cover_density;         /* RANK: ts_rank_cd                              */
    const char *start_sel;      /* HEADLINE: StartSel                            */
    const char *stop_sel;       /* HEADLINE: StopSel                             */
    int max_words;              /* HEADLINE: MaxWords                            */
    int min_words;              /* HEADLINE: MinWords                            */
    int short_word;             /* HEADLINE: ShortWord                           */
    bool highlight_all;         /* HEADLINE: HighlightAll=true                   */
    int max_fragments;          /* HEADLINE: MaxFragments                        */
    const char *fragment_delimiter; /* HEADLINE: FragmentDelimiter               */
} dorm_search;

#define DORM__SEARCH(k, ...) &(const dorm_search){.what = (k), __VA_ARGS__}
#define DORM__SEARCH_OPTS(k, ...) DORM__SEARCH(k, DORM__REST1(__VA_ARGS__, ) )

/* SearchVector("title", .config = "english", .weight = "A"): one field (a
 * path) or expression; DSearchVectors(DEXPRS("title", "body"), ...): several,
 * joined by ' '.  dorm_add(v1, v2) is SearchVector + SearchVector. */
#define DSearchVector(...)                                                                          \
    (&(const dorm_expr){.kind = DORM_E_SEARCH, .args = DORM__ARGS(DORM__A1(__VA_ARGS__, ~)),          \
                        .search = DORM__SEARCH_OPTS(DORM_SEARCH_VECTOR, __VA_ARGS__)})
#define DSearchVectors(...)                                                                         \
    (&(const dorm_expr){.kind = DORM_E_SEARCH, .args = DORM__A1(__VA_ARGS__, ~),                      \
                        .search = DORM__SEARCH_OPTS(DORM_SEARCH_VECTOR, __VA_ARGS__)})
/* SearchQuery("cheese", .config = "english", .search_type = "phrase",
 * .invert = true): the value is bound (a string is text, not a field). */
#define DSearchQuery(...)                                                                           \
    (&(const dorm_expr){.kind = DORM_E_SEARCH, .a = DORM__EXPR(DORM__A1(__VA_ARGS__, ~)),             \
                        .search = DORM__SEARCH_OPTS(DORM_SEARCH_QUERY, __VA_ARGS__)})
/* q1 & q2, q1 | q2 of search queries; ~q is DSearchQuery(..., .invert = true). */
#define DSearchAnd(x, y) \
    (&(const dorm_expr){.kind = DORM_E_SEARCH, .a = (x), .b = (y), .search = DORM__SEARCH(DORM_SEARCH_AND, )})
#define DSearchOr(x, y) \
    (&(const dorm_expr){.kind = DORM_E_SEARCH, .a = (x), .b = (y), .search = DORM__SEARCH(DORM_SEARCH_OR, )})
/* SearchRank(vector, query, weights=, normalization=, cover_density=): a
 * path names a field (SearchVector(path)), a string query is
 * SearchQuery(query): DSearchRank("title", "cheese"),
 * DSearchRank(v, q, .weights = DSEARCH_WEIGHTS(0.1, 0.2, 0.4, 1.0)). */
#define DSearchRank(v, ...)                                                                          \
    (&(const dorm_expr){.kind = DORM_E_SEARCH, .a = DORM__ARG(v), .b = DORM__EXPR(DORM__A1(__VA_ARGS__, ~)), \
                        .search = DORM__SEARCH_OPTS(DORM_SEARCH_RANK, __VA_ARGS__)})
#define DSEARCH_WEIGHTS(d, c, b, a) ((const double[4]){(d), (c), (b), (a)})
/* SearchHeadline(expression, query, config=, start_sel=, ...):
 * DSearchHeadline("body", "cheese", .start_sel = "<b>", .max_words = 5). */
#define DSearchHeadline(x, ...)                                                                      \
    (&(const dorm_expr){.kind = DORM_E_SEARCH, .a = DORM__ARG(x), .b = DORM__EXPR(DORM__A1(__VA_ARGS__, ~)), \
                        .search = DORM__SEARCH_OPTS(DORM_SEARCH_HEADLINE, __VA_ARGS__)})

#ifdef __cplusplus
}
#endif

#endif
