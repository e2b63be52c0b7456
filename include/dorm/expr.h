/* dorm/expr.h - query expressions: F() column references, arithmetic on them,
 * and the aggregates Count, Sum, Avg, Min, Max, used in filter() values,
 * update(), annotate() and aggregate().
 * SPDX-License-Identifier: MIT (see LICENSE) */
#ifndef DORM_EXPR_H
#define DORM_EXPR_H

#include <stdbool.h>

#include "model.h"
#include "value.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a dorm_expr node is. */
typedef enum dorm_expr_kind {
    DORM_E_VALUE = 1,  /* a bound value                       */
    DORM_E_F,          /* F("path"): a column, across relations */
    DORM_E_ADD,
    DORM_E_SUB,
    DORM_E_MUL,
    DORM_E_DIV,
    DORM_E_COUNT,      /* aggregates: over `name` (a path) or `arg` */
    DORM_E_SUM,
    DORM_E_AVG,
    DORM_E_MIN,
    DORM_E_MAX
} dorm_expr_kind;

/* An expression.  Built by the macros below as compound literals (no context
 * needed); a QuerySet copies what it keeps. */
typedef struct dorm_expr {
    dorm_expr_kind kind;           /* the node's kind */
    const char *name;              /* F / aggregate: the field path ("*" for Count("*")) */
    dorm_value value;              /* VALUE */
    /* Operands; an aggregate over an expression has it in `a` instead of a path. */
    const struct dorm_expr *a, *b;
    bool distinct;                 /* Count("x", distinct=True) */
} dorm_expr;

/* An expression from a C value or another expression (for operands). */
#define DORM__EXPR(x)                                                       \
    _Generic((x), const dorm_expr *: (x), dorm_expr *: (x),                 \
             default: (&(const dorm_expr){DORM_E_VALUE, NULL, DV(x), NULL, NULL, false}))

/* F("pages"), F("author__name") */
#define dorm_F(path) (&(const dorm_expr){DORM_E_F, (path), {DORM_T_NONE, 0, {0}}, NULL, NULL, false})
/* a + b, a - b, a * b, a / b: each side an expression or a C value. */
#define DORM__BIN(k, x, y) \
    (&(const dorm_expr){(k), NULL, {DORM_T_NONE, 0, {0}}, DORM__EXPR(x), DORM__EXPR(y), false})
#define dorm_add(x, y) DORM__BIN(DORM_E_ADD, x, y)
#define dorm_sub(x, y) DORM__BIN(DORM_E_SUB, x, y)
#define dorm_mul(x, y) DORM__BIN(DORM_E_MUL, x, y)
#define dorm_div(x, y) DORM__BIN(DORM_E_DIV, x, y)

/* Aggregates over a field path: DCount("books"), DSum("books__pages"),
 * DAvg("pages"), DMin("pages"), DMax("pages"); options after the path:
 * DCount("books__genre", .distinct = true). */
#define DORM__AGG(k, ...) (&(const dorm_expr){.kind = (k), DORM__REST1(__VA_ARGS__, .name = DORM__A1(__VA_ARGS__, ~))})
#define DORM__REST1(a, ...) __VA_ARGS__
#define DCount(...) DORM__AGG(DORM_E_COUNT, __VA_ARGS__)
#define DSum(...) DORM__AGG(DORM_E_SUM, __VA_ARGS__)
#define DAvg(...) DORM__AGG(DORM_E_AVG, __VA_ARGS__)
#define DMin(...) DORM__AGG(DORM_E_MIN, __VA_ARGS__)
#define DMax(...) DORM__AGG(DORM_E_MAX, __VA_ARGS__)

/* An expression with the name it gets in annotate()/aggregate():
 * DAS("num_books", DCount("books")).  A NULL alias in aggregate() takes
 * Django's default, "<path>__<function>" ("pages__avg"). */
typedef struct dorm_named {
    const char *alias;      /* NULL: Django's default alias (aggregate() only) */
    const dorm_expr *expr;  /* DCount("books"), dorm_F("pages"), ...          */
} dorm_named;
/* DAS("num_books", DCount("books")): a dorm_named for annotate() / aggregate(). */
#define DAS(alias, e) (&(const dorm_named){(alias), (e)})

#ifdef __cplusplus
}
#endif

#endif
