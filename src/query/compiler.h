/* compiler.h - turning a Query into SQL text plus bound parameters, asking the
 * backend's dialect for every spelling (quoting, operators, placeholders,
 * date extraction, LIMIT/OFFSET).  Values only ever become parameters. */
#ifndef DORM_QUERY_COMPILER_H
#define DORM_QUERY_COMPILER_H

#include <stddef.h>
#include <string.h>

#include "query/query.h"

/* A piece of SQL text and the parameters it bound. */
typedef struct dorm_sql_span {
    size_t off, len, poff, np;
} dorm_sql_span;

/* SQL under construction.  Parameters are borrowed values (strings in the
 * arena or the caller's memory) that must outlive the statement's execution. */
#define DORM_SQL_USED 32

/* A table alias written, and the end of the text when it last was. */
typedef struct dorm_sql_used {
    const char *alias;
    size_t off;
} dorm_sql_used;

typedef struct dorm_sql {
    dorm_buf text;
    dorm_value *params;
    size_t nparams, cap;
    const dorm_dialect *d;
    dorm_ctx *cx;
    bool failed;
    bool bare_columns; /* "col" instead of "alias"."col" (CHECK constraints) */
    bool empty; /* an expression can match no row: the whole query
                            cannot (Django's EmptyResultSet from inside it)   */
    bool resolved_again; /* writing an expression Django resolves a second time
                            (a lookup's left side, an UPDATE value): its
                            conditions are parenthesised, as Django's
                            WhereNode.resolved makes them                   */
    const struct dorm_subq_frame *frames; /* subqueries being written        */
    dorm_sql_span *shared; /* expressions written with parameters (dorm_sql__share) */
    int nshared, capshared;
    struct dorm_shape *shape; /* its query's shape (query/shape.h): recording
                                 where parameters come from, or a hit whose
                                 SQL is the shape's and text is empty     */
    bool params_borrowed; /* params is a shape hit's storage, not malloc'd:
                             no parameter is added after it              */
    int nused;
    bool used_overflow; /* more than DORM_SQL_USED: every join is kept      */
    /* Last: init leaves it unzeroed (only used[0..nused) is ever read). */
    dorm_sql_used used[DORM_SQL_USED]; /* the table aliases written (from.c) */
} dorm_sql;

/* Inline: every query makes one, and the constant-size clear is then a
 * few stores. */
static inline void dorm_sql__init(dorm_sql *s, dorm_ctx *cx) {
    memset(s, 0, offsetof(dorm_sql, used));
    s->cx = cx;
    s->d = cx->db->dialect;
}
void dorm_sql__free(dorm_sql *s);
/* Appends a placeholder and its parameter. */
void dorm_sql__param(dorm_sql *s, const dorm_value *v);
/* Binds a copy of the text s (n bytes, kept in the context's arena). */
void dorm_sql__text_param(dorm_sql *s, const char *text, size_t n);
/* Appends a quoted identifier / "alias"."column". */
void dorm_sql__name(dorm_sql *s, const char *name);
void dorm_sql__col(dorm_sql *s, const char *alias, const char *column);
/* How an ORDER BY key puts NULLs first or last (Django's OrderBy.as_sql):
 * the key to write before the expression ("x IS NULL, " without x: " IS
 * NULL, "), NULL when none is needed; and the text after its direction
 * (" NULLS LAST"), "" when the backend has no such modifier. */
const char *dorm_sql__nulls_key(const dorm_sql *s, bool desc, bool first, bool last);
const char *dorm_sql__nulls_suffix(const dorm_sql *s, bool first, bool last);
/* Whether two pieces of SQL are the same but for the numbers of their $n
 * placeholders. */
bool dorm_sql__same(const char *a, size_t an, const char *b, size_t bn);
/* The expression just written at [mark, end) with parameters from pmark is
 * one the SELECT, GROUP BY or ORDER BY may repeat.  With $n placeholders the
 * server tells repeated expressions apart by their parameter numbers
 * ("CASE ... $1" is not "CASE ... $4" to PostgreSQL's GROUP BY check), so an
 * expression written before with the same text and values is written with
 * that one's placeholders instead, its new parameters dropped. */
void dorm_sql__share(dorm_sql *s, size_t mark, size_t pmark);
/* Appends sp to a growing array; false when out of memory. */
bool dorm_span__push(dorm_sql_span **spans, int *n, int *cap, dorm_sql_span sp);
/* Notes that the text names the table alias `alias` (from.c). */
void dorm_sql__used(dorm_sql *s, const char *alias);
/* Writes the FROM clause of qs at text offset `at`, before what was written
 * since: the joins the text from `start` (the query's SELECT) names, those
 * they hang from and those its conditions and values() columns use (Django
 * writes no join nothing refers to). */
void dorm_from__clause(dorm_sql *s, const dorm_qs *qs, size_t start, size_t at);
/* Appends a table alias as Django does: generated ones (T2) bare. */
void dorm_sql__alias(dorm_sql *s, const char *alias);
/* The outcome of a compilation: DORM_COMPILED, or DORM_ENOMEM recorded on
 * the context like every other error when a part failed (for memory). */
int dorm_sql__compiled(dorm_sql *s);

typedef enum dorm_select_what {
    DORM_SELECT_ROWS = 0, /* the model's columns or the values() columns */
    DORM_SELECT_COUNT, /* SELECT COUNT(*)                             */
    DORM_SELECT_EXISTS, /* SELECT (1) AS "a" ... LIMIT 1               */
    DORM_SELECT_PK /* the primary key only (for subqueries)       */
} dorm_select_what;

/* Result of compiling: SQL was produced, or the query can match no row
 * (Django's EmptyResultSet) and must not run. */
enum { DORM_COMPILED = 0, DORM_COMPILED_EMPTY = 1 };

/* Writes the condition w (negated: under an odd number of NOTs, for the
 * exclude() NULL guard).  DORM_W_SQL_WRITTEN, or DORM_W_SQL_NONE when it
 * matches no row / DORM_W_SQL_ALL when it matches every row (nothing is
 * written then). */
enum { DORM_W_SQL_WRITTEN = 0, DORM_W_SQL_NONE, DORM_W_SQL_ALL };
int dorm_where__sql(dorm_sql *s, const dorm_qs *qs, const dorm_where *w, bool negated);
/* Writes the left side of leaf w: its column or expression, inside the
 * lookup's cast. */
void dorm_leaf__lhs(dorm_sql *s, const dorm_qs *qs, const dorm_where *w);
/* Writes a JSON leaf (w->json) the way its lookup needs on this backend;
 * false (nothing written): the usual spelling. */
bool dorm_json__leaf_sql(dorm_sql *s, const dorm_qs *qs, const dorm_where *w);
/* The dialect's wrapping of a JSON leaf's left side (dorm_json_sql's
 * lookup_cast, or "LOWER(%s)" where it folds case), or NULL. */
const char *dorm_json__lhs_cast(const dorm_sql *s, const dorm_where *w);
/* Whether the leaf's bound value is folded too ("LOWER(?)"). */
bool dorm_json__folds(const dorm_sql *s, const dorm_where *w);

/* Splits w (under `negated` NOTs) into what goes to WHERE and what to HAVING
 * (Django's WhereNode.split_having); either may be NULL.  0 or DORM_ENOMEM. */
int dorm_split__having(dorm_ctx *cx, const dorm_where *w, bool negated, const dorm_where **where,
                       const dorm_where **having);
/* Writes " GROUP BY ..." of an aggregating qs (nothing otherwise): `having`
 * the HAVING part of its conditions, `ordered` whether its ordering terms
 * (also Meta.ordering) count, `exists` for exists()'s SELECT (1), `extra`
 * more selected expressions (an aggregation's inner columns). */
void dorm_group__clause(dorm_sql *s, const dorm_qs *qs, const dorm_where *having, bool ordered, bool exists,
                        const dorm_rexpr *const *extra, int nextra);

/* How the part of a SELECT after its columns is written. */
typedef struct dorm_rest {
    bool ordered; /* ORDER BY (the ordering of qs, resolved by dorm_qs__ordering) */
    bool meta; /* ... which is Meta.ordering: not written when grouped        */
    bool exists; /* exists(): GROUP BY ..., (1) and LIMIT 1                    */
    bool lock; /* select_for_update()'s FOR UPDATE, when qs has one         */
    const dorm_rexpr *const *extra; /* more selected expressions to group by      */
    int nextra;
    size_t start; /* where the query's SELECT begins in the text          */
} dorm_rest;
/* FROM, WHERE, GROUP BY, HAVING, ORDER BY, LIMIT/OFFSET of qs.
 * DORM_COMPILED, DORM_COMPILED_EMPTY or a negative error. */
int dorm_compile__rest(const dorm_qs *qs, dorm_sql *s, const dorm_rest *r);
/* qs with its ordering resolved: itself when order_by() was called, else a
 * copy in *tmp with Meta.ordering (*meta set).  NULL on error. */
const dorm_qs *dorm_qs__ordering(const dorm_qs *qs, dorm_qs *tmp, bool *meta);
/* Writes the subquery node e (in qs): "(SELECT ...)" or "EXISTS(SELECT
 * ...)".  DORM_COMPILED, DORM_COMPILED_EMPTY (it can match no row) or a
 * negative error. */
int dorm_subquery__sql(dorm_sql *s, const dorm_qs *qs, const dorm_rexpr *e);
/* A union/intersection/difference: its parts joined, ORDER BY by column
 * position (when `ordered`) and its slice; for exists() the parts select
 * (1) and the whole takes LIMIT 1. */
int dorm_compile__combined(const dorm_qs *qs, dorm_sql *s, bool exists, bool ordered);
/* SELECT COUNT(*) FROM (the combination) subquery. */
int dorm_compile__combined_count(const dorm_qs *qs, dorm_sql *s);
/* count(): SELECT COUNT(*) of qs, over a subquery where Django uses one. */
int dorm_compile__count(const dorm_qs *qs, dorm_sql *s);

/* SELECT for qs.  DORM_COMPILED, DORM_COMPILED_EMPTY, or a negative error. */
int dorm_compile__select(const dorm_qs *qs, dorm_select_what what, dorm_sql *s);
/* UPDATE "t" SET ... WHERE ...; `sets` resolved and prepared by the caller:
 * n fields of the base model and their values, or (exprs[i] non-NULL) an
 * expression such as F("pages") + 10. */
int dorm_compile__update(const dorm_qs *qs, const dorm_fmeta *const *fields, const dorm_value *values,
                         const dorm_rexpr *const *exprs, size_t n, dorm_sql *s);
/* aggregate(): SELECT agg AS "alias", ... over the rows of qs (one result
 * row), or SELECT agg, ... FROM (qs) subquery where Django uses one (qs is
 * sliced, distinct, annotated or grouped by values()); the aggregates were
 * resolved with dorm_expr__resolve_summary. */
int dorm_compile__aggregate(const dorm_qs *qs, const dorm_rexpr *const *exprs, const char *const *aliases, size_t n,
                            dorm_sql *s);
/* lock.c: select_for_update's FOR UPDATE clause of qs (qs->lock set), as
 * the dialect's row locks allow; nothing where it has none.  0, or
 * DORM_ETRANSACTION / DORM_ENOTSUPPORTED / DORM_EFIELD recorded on the
 * context. */
int dorm_lock__sql(dorm_sql *s, const dorm_qs *qs);
/* DELETE FROM "t" WHERE ... */
int dorm_compile__delete(const dorm_qs *qs, dorm_sql *s);

#endif
