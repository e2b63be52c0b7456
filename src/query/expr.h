/* expr.h - resolved expressions: the nodes a QuerySet keeps once a dorm_expr
 * is resolved against its Query (columns, values, arithmetic, functions and
 * aggregates, Case/When, Cast), each writing itself through the dialect; and
 * the tables their functions, lookups and transforms come from. */
#ifndef DORM_QUERY_EXPR_H
#define DORM_QUERY_EXPR_H

#include "dorm/expr.h"
#include "dorm/sys/driver.h"
#include "model/meta.h"

struct dorm_qs;
struct dorm_sql;
struct dorm_where;
struct dorm_ann;
typedef struct dorm_rexpr dorm_rexpr;

/* A node kind: how a node of it is written as SQL. */
typedef struct dorm_node_ops {
    void (*sql)(struct dorm_sql *s, const struct dorm_qs *qs, const dorm_rexpr *e);
} dorm_node_ops;

extern const dorm_node_ops dorm_node_col; /* "alias"."column"                   */
extern const dorm_node_ops dorm_node_ref; /* an annotation, written out again   */
extern const dorm_node_ops dorm_node_value; /* a bound value (NULL: the literal)  */
extern const dorm_node_ops dorm_node_star; /* Count("*")                        */
extern const dorm_node_ops dorm_node_op; /* (a + b)                            */
extern const dorm_node_ops dorm_node_func; /* functions, aggregates, transforms  */
extern const dorm_node_ops dorm_node_case; /* CASE WHEN ... END                  */
extern const dorm_node_ops dorm_node_when; /* WHEN cond THEN x (in a CASE)       */
extern const dorm_node_ops dorm_node_cast; /* CAST(x AS type)                    */
extern const dorm_node_ops dorm_node_subquery; /* (SELECT ...), EXISTS(SELECT ...) */
extern const dorm_node_ops dorm_node_outer; /* OuterRef: a column of an enclosing query */
extern const dorm_node_ops dorm_node_window; /* expr OVER (PARTITION BY ... ORDER BY ... frame) */
extern const dorm_node_ops dorm_node_key; /* a JSON key of args[0]: KeyTransform */

/* An OuterRef of a subquery's query: bound to `to`, an expression of the
 * query the subquery is used in, or (to NULL) waiting for the query
 * `level` levels further out. */
typedef struct dorm_outer_bind {
    const dorm_rexpr *ref;
    const dorm_rexpr *to;
    int level;
} dorm_outer_bind;

/* A built-in function's row: the public row plus what dorm spells in code. */
typedef struct dorm_builtin_func {
    dorm_func_def def;
    void (*write)(dorm_sqlw *w); /* the base spelling, when a template cannot say it */
    const char *sample_sql; /* StdDev/Variance(sample=True)                       */
    int extract; /* a date part (dorm_extract) + 1, or 0                */
    const char *trunc; /* Trunc*: the part it truncates to, or NULL           */
    dorm_value fill; /* the last argument when only the first min_args are
                                     given (Lag's offset 1, LPad's " "), or NONE       */
    bool first_output; /* its output is its first argument's (Lag, NthValue) */
    bool collation; /* it takes a collation name (Collate): dorm_expr.name */
    bool pairs; /* its arguments are DKV(key, value) pairs, each written
                                     as the key (a bound string), then the value (JSONObject) */
} dorm_builtin_func;

/* A resolved expression.  Immutable once built; lives in the context's arena. */
struct dorm_rexpr {
    const dorm_node_ops *ops;
    dorm_kind out; /* Django's output field, as the kind of its class;
                                 DORM_KIND_NONE: none (Value(None))           */
    dorm_kind vkind; /* the kind values are read and prepared as (a
                                 ForeignKey: its target's key)                 */
    int decimal_places;
    const char *mixed; /* Django's "Expression contains mixed types"
                                 message, raised where the output is needed   */
    bool aggregate; /* an aggregate is in it                          */
    bool is_aggregate; /* it is one                                      */
    /* column */
    int alias;
    const dorm_fmeta *field;
    /* annotation reference: its alias and expression */
    const char *ref;
    const dorm_rexpr *target;
    /* value */
    dorm_value value;
    /* arithmetic: the operator (" + "); function: row, spelling, arguments */
    const char *op;
    const dorm_func_def *def;
    const char *sql;
    void (*write)(dorm_sqlw *w);
    int extract;
    const char *trunc;
    int nargs;
    const dorm_rexpr *const *args;
    const struct dorm_where *cond; /* aggregate filter=; When's condition       */
    bool distinct;
    bool decimal_result; /* a function or arithmetic of DecimalField
                                      output: SQLite's CAST(... AS NUMERIC)
                                      (kept by an ExpressionWrapper, as Django
                                      casts by the inner expression's field) */
    bool typed; /* a value where nothing gives its parameter a
                                      type: written with the dialect's cast    */
    int max_length, max_digits; /* Cast: the target's options                 */
    /* subquery: its query, Exists or not, its OuterRefs; OuterRef: its level */
    struct dorm_qs *query;
    bool exists;
    bool own_names; /* written with its tables' own names (unaliased) */
    int level;
    int nbinds;
    const dorm_outer_bind *binds;
    /* window: args[0] the expression, then `npartition` partition terms, then
     * the ordering terms (`desc` bits per term, `dir` whether written) */
    int npartition;
    const bool *desc, *dir, *nulls_first, *nulls_last;
    dorm_frame frame;
    /* JSON key: its name, and whether it reads as text (KeyTextTransform) */
    const char *key;
    bool key_text;
    /* Trunc*, Extract*: the zone given by tzinfo= ("UTC" too); NULL: the
     * context's current one */
    const char *tz;
    bool bare; /* arithmetic: `sql` is the whole spelling,
                                      without parentheses around it            */
    const char *collation; /* Collate: the collation, validated, written
                                      as a quoted identifier                   */
    const struct dorm_search_node *search; /* full-text search (query/search.h) */
};

/* e, or when e is a value, a copy that is written with its type (a value
 * selected, a CASE result, an argument of COALESCE ...); NULL on ENOMEM. */
const dorm_rexpr *dorm_rexpr__typed(struct dorm_qs *qs, const dorm_rexpr *e);
/* Writes e. */
static inline void dorm_rexpr_sql(struct dorm_sql *s, const struct dorm_qs *qs, const dorm_rexpr *e) {
    e->ops->sql(s, qs, e);
}

/* A column node (in qs's arena), or NULL on ENOMEM. */
dorm_rexpr *dorm_rexpr__col(struct dorm_qs *qs, int alias, const dorm_fmeta *field);
/* A reference to an annotation (written out as its expression), or NULL on
 * ENOMEM. */
dorm_rexpr *dorm_rexpr__ref(struct dorm_qs *qs, const struct dorm_ann *ann);
/* fn applied to arg (a transform), spelled for qs's backend; NULL on ENOMEM. */
dorm_rexpr *dorm_rexpr__transform(struct dorm_qs *qs, const dorm_func_def *fn, const dorm_rexpr *arg);
/* The output kind of e, checked: 0, or DORM_EFIELD with Django's mixed types
 * message recorded on qs. */
int dorm_rexpr__output(struct dorm_qs *qs, const dorm_rexpr *e);
/* Whether e reads a column of a joined table (directly or through an
 * annotation it names). */
bool dorm_rexpr__joins(const dorm_rexpr *e);
/* The places values of e are rounded to when read: a column's (Django's
 * SQLite converter quantizes a Col to its field's places), through an
 * annotation naming one; -1 for any other expression (the value the backend
 * computed, as Django's converters return it). */
int dorm_rexpr__read_places(const dorm_rexpr *e);
/* Whether e holds a window expression (OVER). */
bool dorm_rexpr__window(const dorm_rexpr *e);
/* Whether e is a plain column (no transforms). */
static inline bool dorm_rexpr_is_col(const dorm_rexpr *e) { return e->ops == &dorm_node_col; }
/* Whether two resolved expressions (NULL: none) are the same column with
 * the same transforms. */
bool dorm_rexpr__same(const dorm_rexpr *a, const dorm_rexpr *b);
/* The key node `key` (n bytes) of base, a JSON expression; `text`: its
 * value as text (KeyTextTransform).  NULL on ENOMEM. */
dorm_rexpr *dorm_rexpr__key(struct dorm_qs *qs, const dorm_rexpr *base, const char *key, size_t n, bool text);
/* Whether values of e come back from the database as something other than
 * JSON text although e is JSON (a key on a backend that unwraps scalars). */
bool dorm_rexpr__json_unwrapped(const struct dorm_qs *qs, const dorm_rexpr *e);
/* How a column of e is read (DORM_READ_*), and for a wall time its zone. */
int dorm_rexpr__read_as(const struct dorm_qs *qs, const dorm_rexpr *e, const char **zone);
/* The zone a Trunc/Extract node e takes its datetime argument in, for cx
 * (its tzinfo, else cx's current zone); NULL: UTC or not a datetime. */
const char *dorm_rexpr__zone(const dorm_ctx *cx, const dorm_rexpr *e);
/* Whether e is a Trunc of a datetime, whose values are wall times of
 * *zone (NULL: the current zone). */
bool dorm_rexpr__wall_time(const dorm_rexpr *e, const char **zone);
/* The kind dorm reads values of output kind k as: integers widen to BIGINT. */
dorm_kind dorm_read__kind(dorm_kind k);

/* ---- tables ---- */

/* The function or aggregate named s (n bytes): the program's rows of reg
 * first, then the built-ins; NULL if there is none. */
const dorm_func_def *dorm_func__find(const dorm_registry *reg, const char *s, size_t n);
/* The built-in row of def, or NULL for a program's row. */
const dorm_builtin_func *dorm_func__builtin(const dorm_func_def *def);
/* How def is spelled by the backend of `d` and `vendor`: the dialect's own
 * spelling, a vendor template, the built-in code or the row's template. */
void dorm_func__spelling(const dorm_func_def *def, const dorm_dialect *d, const char *vendor, const char **sql,
                         void (**write)(dorm_sqlw *w));
/* Up to three function names close to s (n bytes) into out; their number. */
int dorm_func__close(const dorm_registry *reg, const char *s, size_t n, const char **out);
/* The *n DKV(key, value) arguments *list of def, replaced by 2 * *n
 * arguments in qs's arena: each key as Value(key), then its value.  0,
 * DORM_ENOMEM, or DORM_EVALUE (recorded on qs) for an argument that is no
 * pair. */
int dorm_func__pairs(struct dorm_qs *qs, const dorm_func_def *def, const dorm_expr *const **list, int *n);
/* The longest collation name Collate() takes (PostgreSQL's identifiers). */
#define DORM_COLLATION_MAX 63
/* Checks a collation name as Django's Collate does (letters, digits, `_`
 * and `-`, ASCII only, at most DORM_COLLATION_MAX bytes) and copies it into
 * qs's arena (*out).  0, DORM_ENOMEM, or DORM_EVALUE with Django's "Invalid
 * collation name: 'x'." recorded on qs. */
int dorm_func__collation(struct dorm_qs *qs, const char *name, const char **out);

/* The lookup or transform named s (n bytes) for a left side of kind k
 * (transforms when `transform`, else lookups), the program's rows first;
 * NULL if there is none. */
const dorm_lookup_def *dorm_lookup__find(const dorm_registry *reg, dorm_kind k, const char *s, size_t n,
                                         bool transform);
/* Whether any lookup or transform has the name s (n bytes). */
bool dorm_lookup__named(const dorm_registry *reg, const char *s, size_t n);
/* The built-in lookup code (DORM_LK_*) of a row, or DORM_LK__COUNT for a
 * program's lookup, spelled by its template. */
dorm_lookup dorm_lookup__code(const dorm_lookup_def *def);
/* The built-in row of a lookup code. */
const dorm_lookup_def *dorm_lookup__builtin(dorm_lookup lk);
/* The names of the transforms and lookups a left side of kind k offers
 * (`lookups`: lookups too), for "perhaps you meant"; their number (at most
 * max). */
size_t dorm_lookup__names(const dorm_registry *reg, dorm_kind k, bool lookups, const char **out, size_t max);

#endif
