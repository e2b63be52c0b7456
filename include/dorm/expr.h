/* dorm/expr.h - query expressions (Django's F, Value, Func, aggregates, Case /
 * When, ExpressionWrapper, Cast, asc()/desc()), built as compound literals by
 * short macros, and the tables through which a program adds its own SQL
 * functions, aggregates, lookups and transforms (docs/expressions.md).
 * SPDX-License-Identifier: MIT (see LICENSE) */
#ifndef DORM_EXPR_H
#define DORM_EXPR_H

#include <stdbool.h>
#include <stdint.h>

#include "model.h"
#include "value.h"

struct dorm_q;
struct dorm_search;

#ifdef __cplusplus
extern "C" {
#endif

/* What a dorm_expr node is. */
typedef enum dorm_expr_kind {
    DORM_E_VALUE = 1,  /* Value(x): a bound value                          */
    DORM_E_F,          /* F("path"): a column, across relations            */
    DORM_E_ADD,        /* a + b, a - b, a * b, a / b, a % b, a ** b        */
    DORM_E_SUB,
    DORM_E_MUL,
    DORM_E_DIV,
    DORM_E_MOD,
    DORM_E_POW,
    DORM_E_FUNC,       /* a function or aggregate named by `func`          */
    DORM_E_CASE,       /* Case(When(...), ..., default=...): `args`        */
    DORM_E_WHEN,       /* When(filter, then=a); no filter: Case's default  */
    DORM_E_WRAP,       /* ExpressionWrapper(a, output_field=output)        */
    DORM_E_CAST,       /* Cast(a, output_field=output)                     */
    DORM_E_ORDER,      /* a.asc() / a.desc(), nulls_first / nulls_last     */
    DORM_E_SUBQUERY,   /* Subquery(query): its one column                  */
    DORM_E_EXISTS,     /* Exists(query)                                    */
    DORM_E_OUTERREF,   /* OuterRef(a): a is F(path) or another OuterRef    */
    DORM_E_WINDOW,     /* Window(a, partition_by, order_by, frame)         */
    DORM_E_KEY,        /* KeyTransform(name, a): a JSON key of a           */
    DORM_E_KEY_TEXT,   /* KeyTextTransform(name, a): the same, as text     */
    DORM_E_PAIR,       /* a key `name` and its value `a`: JSONObject's fields */
    DORM_E_SEARCH      /* full-text search (dorm/search.h): `search` says which */
} dorm_expr_kind;

/* A window frame (Django's RowRange / ValueRange): ROWS or RANGE BETWEEN
 * start AND end, each an offset from the current row (negative: preceding,
 * 0: the current row) or DORM_UNBOUNDED. */
typedef enum dorm_frame_kind { DORM_FRAME_NONE = 0, DORM_FRAME_ROWS, DORM_FRAME_RANGE } dorm_frame_kind;
/* A frame: its kind and its two ends. */
typedef struct dorm_frame {
    dorm_frame_kind kind;          /* ROWS, RANGE, or none                      */
    int64_t start;                 /* offset of the first row (or DORM_UNBOUNDED) */
    int64_t end;                   /* offset of the last row (or DORM_UNBOUNDED)  */
} dorm_frame;
/* A frame end with no bound (UNBOUNDED PRECEDING / FOLLOWING). */
#define DORM_UNBOUNDED INT64_MIN
/* Django's RowRange(start, end): ROWS BETWEEN ... */
#define DRowRange(start, end) ((dorm_frame){DORM_FRAME_ROWS, (start), (end)})
/* Django's ValueRange(start, end): RANGE BETWEEN ... */
#define DValueRange(start, end) ((dorm_frame){DORM_FRAME_RANGE, (start), (end)})

/* An expression.  Built by the macros below as compound literals (no context
 * needed); a QuerySet resolves and keeps what it needs when it is given one.
 * Members are only ever appended. */
typedef struct dorm_expr {
    dorm_expr_kind kind;           /* what the node is                         */
    const char *name;              /* F: the field path; KEY, PAIR: the key; the
                                      kind of DTrunc / DExtract ("day"); the
                                      collation of DCollate                   */
    dorm_value value;              /* VALUE; FUNC without args: its argument as
                                      given (a path, an expression)            */
    /* Operands; WHEN: a is the result; WRAP, CAST, ORDER: a is the
     * expression; FUNC: a is its one argument. */
    const struct dorm_expr *a;
    const struct dorm_expr *b;     /* the second operand                         */
    bool distinct;                 /* aggregates: Count("x", distinct=True)     */
    const char *func;              /* FUNC: the function's name ("Lower")       */
    const struct dorm_expr *const *args; /* FUNC, CASE: NULL-terminated         */
    const struct dorm_q *filter;   /* aggregates: filter=; WHEN: its condition  */
    dorm_kind output;              /* output_field of VALUE, WRAP, CAST, FUNC   */
    int max_length;                /* ... and its options: max_length,           */
    int max_digits;                /* max_digits,                                */
    int decimal_places;            /* decimal_places                             */
    bool desc;                     /* ORDER: descending                           */
    bool nulls_first;              /* ORDER: NULLS FIRST                          */
    bool nulls_last;               /* ORDER: NULLS LAST                           */
    bool sample;                   /* StdDev / Variance(sample=True)             */
    struct dorm_qs *query;         /* SUBQUERY, EXISTS                           */
    const struct dorm_expr *const *partition_by; /* WINDOW, NULL-terminated     */
    const struct dorm_expr *const *order_by; /* WINDOW, NULL-terminated         */
    dorm_frame frame;              /* WINDOW: RowRange / ValueRange               */
    const char *tzinfo;            /* Trunc*, Extract* of a datetime: the tz
                                      database zone it is taken in ("UTC");
                                      NULL: the context's current zone        */
    const struct dorm_search *search; /* SEARCH: which one, and its options  */
} dorm_expr;

/* An argument: an expression as it is, a string as the field it names (Django
 * reads Lower("name") as Lower(F("name"))), any other C value as Value(x). */
#define DORM__ARG(x)                                                                              \
    _Generic((x), const dorm_expr *: (x), dorm_expr *: (x),                                     \
             default: &(const dorm_expr){.kind = _Generic((x), char *: DORM_E_F, const char *: DORM_E_F, \
                                                          default: DORM_E_VALUE),                  \
                                         .value = DV(x)})
#define DORM__ARGS(...) ((const dorm_expr *const[]){DORM__MAP(DORM__ARG, __VA_ARGS__), NULL})
/* An operand of arithmetic: an expression, or a C value as Value(x) (a string
 * too, as in Django's F("a") + "b"). */
#define DORM__EXPR(x)                                                       \
    _Generic((x), const dorm_expr *: (x), dorm_expr *: (x),                 \
             default: (&(const dorm_expr){.kind = DORM_E_VALUE, .value = DV(x)}))
#define DORM__REST1(a, ...) __VA_ARGS__

/* F("pages"), F("author__name"), F("n") (an annotation) */
#define dorm_F(path) (&(const dorm_expr){.kind = DORM_E_F, .name = (path)})
/* Value(x), Value(x, output_field=...): DValue(0), DValue("-", .output = DORM_KIND_CHAR) */
#define DValue(...) \
    (&(const dorm_expr){.kind = DORM_E_VALUE, DORM__REST1(__VA_ARGS__, .value = DV(DORM__A1(__VA_ARGS__, ~)))})
/* a + b, a - b, a * b, a / b, a % b, a ** b: each side an expression or a C value. */
#define DORM__BIN(k, x, y) \
    (&(const dorm_expr){.kind = (k), .a = DORM__EXPR(x), .b = DORM__EXPR(y)})
#define dorm_add(x, y) DORM__BIN(DORM_E_ADD, x, y)
#define dorm_sub(x, y) DORM__BIN(DORM_E_SUB, x, y)
#define dorm_mul(x, y) DORM__BIN(DORM_E_MUL, x, y)
#define dorm_div(x, y) DORM__BIN(DORM_E_DIV, x, y)
#define dorm_mod(x, y) DORM__BIN(DORM_E_MOD, x, y)
#define dorm_pow(x, y) DORM__BIN(DORM_E_POW, x, y)

/* Func by name: DFunc("Lower", "title"), DFunc("Pi"); arguments as DORM__ARG
 * reads them (up to 15).  The name selects a row of the function table
 * (built-in or the program's, see dorm_func_def); it never reaches SQL. */
#define DORM__MANY(...) DORM__NARGS_(__VA_ARGS__, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, 1, 0)
#define DFunc(...) DORM__CAT(DORM__FUNC_, DORM__MANY(__VA_ARGS__))(__VA_ARGS__)
#define DORM__FUNC_1(name) (&(const dorm_expr){.kind = DORM_E_FUNC, .func = (name)})
#define DORM__FUNC_M(name, ...) (&(const dorm_expr){.kind = DORM_E_FUNC, .func = (name), .args = DORM__ARGS(__VA_ARGS__)})

/* Aggregates over a field path or an expression: DCount("books"),
 * DSum("books__pages"), DAvg(dorm_mul(dorm_F("pages"), 2)), DCount("*");
 * options after it: DCount("books__genre", .distinct = true),
 * DSum("loans__fee", .filter = DQ("loans__fee__gte", 2)),
 * DStdDev("pages", .sample = true).  DAggregate("Name", path, ...) names
 * any aggregate of the function table. */
#define DAggregate(fn, ...) \
    (&(const dorm_expr){.kind = DORM_E_FUNC, .func = (fn), DORM__REST1(__VA_ARGS__, .value = DV(DORM__A1(__VA_ARGS__, ~)))})
#define DCount(...) DAggregate("Count", __VA_ARGS__)
#define DSum(...) DAggregate("Sum", __VA_ARGS__)
#define DAvg(...) DAggregate("Avg", __VA_ARGS__)
#define DMin(...) DAggregate("Min", __VA_ARGS__)
#define DMax(...) DAggregate("Max", __VA_ARGS__)
#define DStdDev(...) DAggregate("StdDev", __VA_ARGS__)
#define DVariance(...) DAggregate("Variance", __VA_ARGS__)

/* Case(When(condition, then=x), ..., default=y): DCase(DWhen(DQ("pages__gte",
 * 400), DValue("long")), DDefault(DValue("short"))).  `then` and the default
 * are read as DORM__ARG reads an argument (a string names a field). */
#define DWhen(cond, then) (&(const dorm_expr){.kind = DORM_E_WHEN, .filter = (cond), .a = DORM__ARG(then)})
#define DDefault(x) (&(const dorm_expr){.kind = DORM_E_WHEN, .a = DORM__ARG(x)})
#define DCase(...) (&(const dorm_expr){.kind = DORM_E_CASE, .args = (const dorm_expr *const[]){__VA_ARGS__, NULL}})
/* ExpressionWrapper(x, output_field=K(...)) and Cast(x, K(...)): the kind and
 * its options: DCast("pages", DORM_KIND_CHAR, .max_length = 10),
 * DExpressionWrapper(dorm_mul(dorm_F("fee"), 2), DORM_KIND_DECIMAL,
 * .max_digits = 8, .decimal_places = 2). */
#define DExpressionWrapper(...)                                                                   \
    (&(const dorm_expr){.kind = DORM_E_WRAP, DORM__REST2(__VA_ARGS__, .a = DORM__ARG(DORM__A1(__VA_ARGS__, ~)), \
                                                         .output = DORM__A2(__VA_ARGS__, ~, ~))})
#define DCast(...)                                                                                 \
    (&(const dorm_expr){.kind = DORM_E_CAST, DORM__REST2(__VA_ARGS__, .a = DORM__ARG(DORM__A1(__VA_ARGS__, ~)), \
                                                         .output = DORM__A2(__VA_ARGS__, ~, ~))})
/* x.asc() / x.desc() in order_by(): DDesc("fees", .nulls_last = true). */
#define DAsc(...) \
    (&(const dorm_expr){.kind = DORM_E_ORDER, DORM__REST1(__VA_ARGS__, .a = DORM__ARG(DORM__A1(__VA_ARGS__, ~)))})
#define DDesc(...)                                                                                  \
    (&(const dorm_expr){.kind = DORM_E_ORDER, .desc = true,                                         \
                        DORM__REST1(__VA_ARGS__, .a = DORM__ARG(DORM__A1(__VA_ARGS__, ~)))})

/* Subquery(qs) of a QuerySet selecting one column (values("title")[:1]),
 * Exists(qs), and OuterRef("pk"), a field of the query the subquery is used
 * in; DOuterRef(DOuterRef("pk")) two levels out.  A QuerySet with an
 * OuterRef can only be used as a subquery.  DQE(DExists(qs)) makes a
 * condition of it: dorm_filter(qs, DQE(DExists(sub))),
 * dorm_filter(qs, dorm_not(DQE(DExists(sub)))). */
#define DSubquery(qs) (&(const dorm_expr){.kind = DORM_E_SUBQUERY, .query = (qs)})
#define DExists(qs) (&(const dorm_expr){.kind = DORM_E_EXISTS, .query = (qs)})
#define DOuterRef(x) (&(const dorm_expr){.kind = DORM_E_OUTERREF, .a = DORM__ARG(x)})

/* Window(expression, partition_by, order_by, frame): an aggregate or a
 * window function over the rows its partition and frame give:
 *   DWindow(DRank(), .partition_by = DEXPRS("author"), .order_by = DEXPRS(DDesc("pages")))
 *   DWindow(DAvg("pages"), .order_by = DEXPRS("publication_date"), .frame = DRowRange(-1, 1))
 * An order_by string "-x" is descending, "x" written as it is. */
#define DWindow(...) \
    (&(const dorm_expr){.kind = DORM_E_WINDOW, DORM__REST1(__VA_ARGS__, .a = DORM__ARG(DORM__A1(__VA_ARGS__, ~)))})
#define DEXPRS(...) DORM__ARGS(__VA_ARGS__)
#define DRowNumber() DFunc("RowNumber")
#define DRank() DFunc("Rank")
#define DDenseRank() DFunc("DenseRank")
#define DPercentRank() DFunc("PercentRank")
#define DCumeDist() DFunc("CumeDist")
#define DNtile(...) DFunc("Ntile", __VA_ARGS__)
#define DLag(...) DFunc("Lag", __VA_ARGS__)
#define DLead(...) DFunc("Lead", __VA_ARGS__)
#define DFirstValue(...) DFunc("FirstValue", __VA_ARGS__)
#define DLastValue(...) DFunc("LastValue", __VA_ARGS__)
#define DNthValue(...) DFunc("NthValue", __VA_ARGS__)

/* A key of a JSON value (Django's KeyTransform / KeyTextTransform): x is a
 * JSONField path, another key or a JSON expression.  Paths reach keys as
 * well: DQ("meta__lang__code", ...), F("meta__tags__0"). */
#define DKeyTransform(key, x) (&(const dorm_expr){.kind = DORM_E_KEY, .name = (key), .a = DORM__ARG(x)})
#define DKeyTextTransform(key, x) (&(const dorm_expr){.kind = DORM_E_KEY_TEXT, .name = (key), .a = DORM__ARG(x)})

/* Django's built-in functions (django.db.models.functions), by their names. */
#define DCoalesce(...) DFunc("Coalesce", __VA_ARGS__)
#define DGreatest(...) DFunc("Greatest", __VA_ARGS__)
#define DLeast(...) DFunc("Least", __VA_ARGS__)
#define DNullIf(...) DFunc("NullIf", __VA_ARGS__)
#define DConcat(...) DFunc("Concat", __VA_ARGS__)
#define DLower(...) DFunc("Lower", __VA_ARGS__)
#define DUpper(...) DFunc("Upper", __VA_ARGS__)
#define DLength(...) DFunc("Length", __VA_ARGS__)
#define DSubstr(...) DFunc("Substr", __VA_ARGS__)
#define DLeft(...) DFunc("Left", __VA_ARGS__)
#define DRight(...) DFunc("Right", __VA_ARGS__)
#define DReplace(...) DFunc("Replace", __VA_ARGS__)
#define DStrIndex(...) DFunc("StrIndex", __VA_ARGS__)
#define DTrim(...) DFunc("Trim", __VA_ARGS__)
#define DLTrim(...) DFunc("LTrim", __VA_ARGS__)
#define DRTrim(...) DFunc("RTrim", __VA_ARGS__)
#define DLPad(...) DFunc("LPad", __VA_ARGS__)
#define DRPad(...) DFunc("RPad", __VA_ARGS__)
#define DRepeat(...) DFunc("Repeat", __VA_ARGS__)
#define DReverse(...) DFunc("Reverse", __VA_ARGS__)
#define DChr(...) DFunc("Chr", __VA_ARGS__)
#define DOrd(...) DFunc("Ord", __VA_ARGS__)
#define DMD5(...) DFunc("MD5", __VA_ARGS__)
#define DSHA1(...) DFunc("SHA1", __VA_ARGS__)
#define DSHA224(...) DFunc("SHA224", __VA_ARGS__)
#define DSHA256(...) DFunc("SHA256", __VA_ARGS__)
#define DSHA384(...) DFunc("SHA384", __VA_ARGS__)
#define DSHA512(...) DFunc("SHA512", __VA_ARGS__)
#define DAbs(...) DFunc("Abs", __VA_ARGS__)
#define DCeil(...) DFunc("Ceil", __VA_ARGS__)
#define DFloor(...) DFunc("Floor", __VA_ARGS__)
#define DRound(...) DFunc("Round", __VA_ARGS__)
#define DMod(...) DFunc("Mod", __VA_ARGS__)
#define DPower(...) DFunc("Power", __VA_ARGS__)
#define DSqrt(...) DFunc("Sqrt", __VA_ARGS__)
#define DSign(...) DFunc("Sign", __VA_ARGS__)
#define DExp(...) DFunc("Exp", __VA_ARGS__)
#define DLn(...) DFunc("Ln", __VA_ARGS__)
#define DLog(...) DFunc("Log", __VA_ARGS__)
#define DPi() DFunc("Pi")
#define DRandom() DFunc("Random")
#define DSin(...) DFunc("Sin", __VA_ARGS__)
#define DCos(...) DFunc("Cos", __VA_ARGS__)
#define DTan(...) DFunc("Tan", __VA_ARGS__)
#define DCot(...) DFunc("Cot", __VA_ARGS__)
#define DASin(...) DFunc("ASin", __VA_ARGS__)
#define DACos(...) DFunc("ACos", __VA_ARGS__)
#define DATan(...) DFunc("ATan", __VA_ARGS__)
#define DATan2(...) DFunc("ATan2", __VA_ARGS__)
#define DDegrees(...) DFunc("Degrees", __VA_ARGS__)
#define DRadians(...) DFunc("Radians", __VA_ARGS__)
#define DNow() DFunc("Now")
/* Collate(x, collation): DCollate("title", "NOCASE").  The name is checked
 * as Django checks it (letters, digits, `_` and `-`) and quoted as an
 * identifier. */
#define DCollate(x, collation) \
    (&(const dorm_expr){.kind = DORM_E_FUNC, .func = "Collate", .args = DORM__ARGS(x), .name = (collation)})
/* JSONObject(**fields): DJSONObject(DKV("name", "title"), DKV("n",
 * DLower("title"))), one DKV(key, value) per field, the value read as
 * DORM__ARG reads an argument (a string names a field); the keys are bound.
 * DFunc("JSONObject") is the empty object. */
#define DKV(key, x) (&(const dorm_expr){.kind = DORM_E_PAIR, .name = (key), .a = DORM__ARG(x)})
#define DJSONObject(...) \
    (&(const dorm_expr){.kind = DORM_E_FUNC, .func = "JSONObject", .args = (const dorm_expr *const[]){__VA_ARGS__, NULL}})
/* Date parts and truncations take the argument, then options:
 * DTruncDay("borrowed", .tzinfo = "America/New_York"), and DTrunc / DExtract
 * take the kind by name as Django's Trunc(x, kind) / Extract(x, name):
 * DTrunc("borrowed", "month", .output = DORM_KIND_DATE). */
#define DTrunc(x, ...) \
    (&(const dorm_expr){.kind = DORM_E_FUNC, .value = DV(x), .name = DORM__A1(__VA_ARGS__, ~), DORM__REST1(__VA_ARGS__, .func = "Trunc")})
#define DExtract(x, ...) \
    (&(const dorm_expr){.kind = DORM_E_FUNC, .value = DV(x), .name = DORM__A1(__VA_ARGS__, ~), DORM__REST1(__VA_ARGS__, .func = "Extract")})
#define DExtractYear(...) DAggregate("ExtractYear", __VA_ARGS__)
#define DExtractIsoYear(...) DAggregate("ExtractIsoYear", __VA_ARGS__)
#define DExtractMonth(...) DAggregate("ExtractMonth", __VA_ARGS__)
#define DExtractDay(...) DAggregate("ExtractDay", __VA_ARGS__)
#define DExtractWeek(...) DAggregate("ExtractWeek", __VA_ARGS__)
#define DExtractWeekDay(...) DAggregate("ExtractWeekDay", __VA_ARGS__)
#define DExtractIsoWeekDay(...) DAggregate("ExtractIsoWeekDay", __VA_ARGS__)
#define DExtractQuarter(...) DAggregate("ExtractQuarter", __VA_ARGS__)
#define DExtractHour(...) DAggregate("ExtractHour", __VA_ARGS__)
#define DExtractMinute(...) DAggregate("ExtractMinute", __VA_ARGS__)
#define DExtractSecond(...) DAggregate("ExtractSecond", __VA_ARGS__)
#define DTruncYear(...) DAggregate("TruncYear", __VA_ARGS__)
#define DTruncQuarter(...) DAggregate("TruncQuarter", __VA_ARGS__)
#define DTruncMonth(...) DAggregate("TruncMonth", __VA_ARGS__)
#define DTruncWeek(...) DAggregate("TruncWeek", __VA_ARGS__)
#define DTruncDay(...) DAggregate("TruncDay", __VA_ARGS__)
#define DTruncHour(...) DAggregate("TruncHour", __VA_ARGS__)
#define DTruncMinute(...) DAggregate("TruncMinute", __VA_ARGS__)
#define DTruncSecond(...) DAggregate("TruncSecond", __VA_ARGS__)
#define DTruncDate(...) DAggregate("TruncDate", __VA_ARGS__)
#define DTruncTime(...) DAggregate("TruncTime", __VA_ARGS__)

/* An expression with the name it gets in annotate()/aggregate():
 * DAS("num_books", DCount("books")).  A NULL alias in aggregate() takes
 * Django's default, "<path>__<function>" ("pages__avg"). */
typedef struct dorm_named {
    const char *alias;      /* NULL: Django's default alias (aggregate() only) */
    const dorm_expr *expr;  /* DCount("books"), dorm_F("pages"), ...          */
} dorm_named;
/* DAS("num_books", DCount("books")): a dorm_named for annotate() / aggregate(). */
#define DAS(alias, e) (&(const dorm_named){(alias), (e)})

/* ---- the program's own functions, aggregates, lookups and transforms ----
 *
 * Built-ins are rows of dorm's tables; a program adds rows of its own in the
 * app that uses them (dorm_app.sql_functions / .lookups), so the registry
 * knows them from start-up and nothing changes afterwards.  A program's row
 * is found before a built-in of the same name (as Django's register_lookup
 * replaces a lookup).  Rows must have static storage.
 *
 * SQL templates are fixed text the program writes, never user input:
 *   %*     every argument, separated by ", "
 *   %1..%9 one argument (a lookup: %1 its left side, %2 its right side)
 *   %D     "DISTINCT " when an aggregate is distinct, else nothing
 *   %%     a percent sign */

/* A template for one backend vendor ("sqlite", "postgresql"); a list of
 * them ends with {NULL, NULL}. */
typedef struct dorm_vendor_sql {
    const char *vendor;        /* the backend's vendor name                    */
    const char *sql;           /* the template there                           */
} dorm_vendor_sql;

enum {
    DORM_FUNC_AGGREGATE = 1,   /* an aggregate: GROUP BY, HAVING, filter=     */
    DORM_FUNC_DISTINCT = 2,    /* an aggregate that allows distinct=True       */
    DORM_FUNC_NUMERIC = 4,     /* Django's NumericOutputFieldMixin: a decimal
                                  argument gives a decimal, an integer one a
                                  float                                        */
    DORM_FUNC_WINDOW = 8       /* a window function: only inside DWindow()     */
};

/* A function or aggregate (Django's Func / Aggregate subclass):
 *   static const dorm_func_def soundex = {.name = "Soundex", .min_args = 1,
 *       .max_args = 1, .output = DORM_KIND_CHAR, .sql = "SOUNDEX(%1)"};
 *   DAS("code", DFunc("Soundex", "name")) */
typedef struct dorm_func_def {
    const char *name;          /* what DFunc() names it                        */
    int min_args;              /* the fewest arguments it takes                */
    int max_args;              /* the most; -1: any number                     */
    unsigned flags;            /* DORM_FUNC_*                                   */
    dorm_kind output;          /* its output field; DORM_KIND_NONE: that of its
                                  arguments, all of one kind (Django's rule)  */
    const char *sql;           /* its template: "SOUNDEX(%1)", "MEDIAN(%D%*)"  */
    const dorm_vendor_sql *vendor_sql; /* per vendor, before `sql`; or NULL    */
} dorm_func_def;

/* The bit of a field kind in dorm_lookup_def.kinds, and common groups. */
#define DORM_KIND_BIT(k) ((uint32_t)1 << (k))
#define DORM_KINDS_TEXT                                                                     \
    (DORM_KIND_BIT(DORM_KIND_CHAR) | DORM_KIND_BIT(DORM_KIND_TEXT) | DORM_KIND_BIT(DORM_KIND_SLUG) | \
     DORM_KIND_BIT(DORM_KIND_EMAIL) | DORM_KIND_BIT(DORM_KIND_URL) | DORM_KIND_BIT(DORM_KIND_FILE) |     \
     DORM_KIND_BIT(DORM_KIND_IMAGE))
#define DORM_KINDS_INTEGER                                                                         \
    (DORM_KIND_BIT(DORM_KIND_AUTO) | DORM_KIND_BIT(DORM_KIND_BIGAUTO) | DORM_KIND_BIT(DORM_KIND_INT) |    \
     DORM_KIND_BIT(DORM_KIND_BIGINT) | DORM_KIND_BIT(DORM_KIND_SMALLINT) | DORM_KIND_BIT(DORM_KIND_POSINT) | \
     DORM_KIND_BIT(DORM_KIND_POSSMALLINT))
#define DORM_KINDS_NUMBER (DORM_KINDS_INTEGER | DORM_KIND_BIT(DORM_KIND_FLOAT) | DORM_KIND_BIT(DORM_KIND_DECIMAL))

/* A lookup or a transform (Django's Lookup / Transform registered on field
 * classes):
 *   {.name = "ne", .sql = "%1 <> %2"}                   DQ("title__ne", "Emma")
 *   {.name = "soundex", .kinds = DORM_KINDS_TEXT, .transform = "Soundex"}
 *                                                       DQ("name__soundex", "R163")
 * A transform applies a function of the function table to the left side;
 * it may be followed by more transforms and a lookup, on the function's
 * output kind. */
typedef struct dorm_lookup_def {
    const char *name;          /* as written in a path                         */
    uint32_t kinds;            /* DORM_KIND_BIT()s it applies to; 0: every kind */
    const char *transform;     /* a transform: the function it applies          */
    const char *sql;           /* a lookup: its condition ("%1 <> %2")          */
    dorm_kind rhs;             /* a lookup: the kind its value is prepared as;
                                  DORM_KIND_NONE: the left side's               */
    const dorm_vendor_sql *vendor_sql; /* a lookup: per vendor; or NULL          */
} dorm_lookup_def;

/* DORM_FUNCS(&soundex, ...): a NULL-terminated list for dorm_app.sql_functions. */
#define DORM_FUNCS(...) ((const dorm_func_def *const[]){__VA_ARGS__, NULL})
/* DORM_LOOKUPS(&ne, ...): a NULL-terminated list for dorm_app.lookups. */
#define DORM_LOOKUPS(...) ((const dorm_lookup_def *const[]){__VA_ARGS__, NULL})

#ifdef __cplusplus
}
#endif

#endif
