/* query.h - the inside of a QuerySet: the Query it stands for (joins, where
 * tree, ordering, limits, selected columns) and its result cache.  Query knows
 * no SQL; compiler.c turns it into SQL through the dialect. */
#ifndef DORM_QUERY_QUERY_H
#define DORM_QUERY_QUERY_H

#include "backend/db.h"
#include "core/ctx.h"
#include "model/meta.h"
#include "query/expr.h"

typedef enum dorm_qs_mode {
    DORM_MODE_OBJECTS = 0,
    DORM_MODE_VALUES, /* rows named by path        */
    DORM_MODE_VALUES_LIST, /* rows, positional          */
    DORM_MODE_FLAT /* one value per row         */
} dorm_qs_mode;

/* A join.  Alias index 0 is the base table; joins[i] is alias i + 1. */
typedef struct dorm_join {
    int parent; /* alias the join hangs from                     */
    const dorm_fmeta *fk; /* the ForeignKey it follows                     */
    bool reverse; /* parent is fk's target (a reverse relation)    */
    const dorm_meta *model; /* the joined model                              */
    bool outer; /* LEFT OUTER JOIN                               */
    bool nullable; /* rows may be missing on the right              */
    int generation; /* filter() call that made a multi-valued join   */
    const char *alias; /* SQL alias                                     */
} dorm_join;

typedef enum dorm_wkind {
    DORM_W_LEAF = 1,
    DORM_W_AND,
    DORM_W_OR,
    DORM_W_NOT,
    DORM_W_NOTHING, /* matches no row (e.g. __in=[])                  */
    DORM_W_SUBQUERY, /* alias.field IN (sub)                           */
    DORM_W_EXPR /* a boolean expression (Exists): lhs             */
} dorm_wkind;

/* How deep conditions (Q trees) and expressions may nest: the where builder
 * and the compiler recurse, and the databases refuse deeper SQL anyway
 * (PostgreSQL's parser near 1,000 levels of NOT, SQLite's far earlier). */
#define DORM_MAX_DEPTH 1000

/* An annotation: its alias, expression and the field description its
 * values are read with. */
typedef struct dorm_ann {
    const char *alias;
    const dorm_rexpr *e;
    bool hidden; /* alias(): usable by name, never selected       */
    dorm_field field;
    dorm_fmeta fm;
} dorm_ann;

/* A resolved condition tree. */
typedef struct dorm_where {
    dorm_wkind kind;
    int n;
    const struct dorm_where *const *kids;
    bool aggregate; /* an aggregate is in it: HAVING                 */
    /* leaf: lhs <lookup> rhs, lhs the column alias.field or an expression */
    int alias;
    const dorm_fmeta *field; /* the column (NULL: lhs is an annotation)       */
    const dorm_rexpr *lhs; /* transforms or an annotation; NULL: the column */
    dorm_lookup lookup; /* DORM_LK__COUNT: the template of `def`         */
    const dorm_lookup_def *def;
    dorm_value rhs; /* prepared; LIST for in/range; BOOL for isnull */
    const dorm_rexpr *rhs_expr; /* F() and arithmetic on the right (or NULL)  */
    bool nullable; /* the left side can be NULL                    */
    const dorm_rexpr *sub; /* DORM_W_SUBQUERY: a subquery of one column    */
    bool json; /* a JSON lookup dorm_json__leaf_sql may write   */
    bool json_null; /* exact None on JSON: a JSON null              */
} dorm_where;

typedef struct dorm_order {
    int alias;
    const dorm_fmeta *field; /* a column (NULL: expr)                        */
    const dorm_rexpr *expr; /* transforms of it, or an expression           */
    bool desc;
    bool random;
    bool nulls_first, nulls_last;
    const char *ref; /* an annotation alias                          */
} dorm_order;

/* A model loaded by select_related: its join, the ForeignKey leading to it
 * and the object (0: the base object, i + 1: selrel[i]) holding that key.
 * `rel` set: the reverse side of a OneToOneField (the joined model holds the
 * key; the object is cached as the parent's relation). */
typedef struct dorm_selrel {
    int alias;
    const dorm_fmeta *fk;
    int parent;
    const struct dorm_rel *rel;
} dorm_selrel;

/* The model a select_related entry loads. */
static inline const dorm_meta *dorm_selrel_model(const dorm_selrel *sr) {
    return sr->rel ? sr->fk->owner : sr->fk->target;
}

/* A selected column of values()/values_list(): a field, transforms of it
 * ("publication_date__year") or an annotation, read as `out` (the field,
 * the transform's result, the annotation's description).  The SELECT lists
 * fields first and annotations after them, in the order they were added
 * (Django's), so `pos` is the column a row value is read from. */
typedef struct dorm_col {
    int alias;
    const dorm_fmeta *field;
    const char *name;
    const dorm_rexpr *expr; /* transforms of the field, or NULL              */
    int ann; /* index + 1 of the annotation selected, or 0    */
    int pos;
    const dorm_fmeta *out;
} dorm_col;

/* Small members are paired so that the struct has no holes: every chained
 * call copies it and every dorm_all() zeroes it. */
struct dorm_qs {
    dorm_ctx *cx;
    const dorm_meta *meta;
    const char *errmsg;
    int err;
    int njoins;
    const dorm_join *joins;
    const dorm_where *where;
    const dorm_order *order;
    int norder;
    bool ordered_explicitly; /* order_by() was called (even with no fields) */
    bool reversed;
    bool distinct;
    bool empty; /* none()                                        */
    int64_t low;
    int64_t high; /* -1: no upper bound                            */
    int generation;
    dorm_qs_mode mode;
    const dorm_col *cols;
    const char *const *col_names;
    int ncols;
    int nann;
    const dorm_ann *ann;
    const dorm_rexpr *const *group;
    int ngroup; /* the minimal GROUP BY list (Django's tuple of
                                 values() fields), or 0: every selected column */
    bool group_by; /* GROUP BY is written (an annotation aggregates) */
    bool only_mode; /* only() was called: deferred lists what it left out */
    bool outer_refs; /* an OuterRef names a query around it: a subquery only */
    bool combinator_all; /* union(all=True)                               */
    uint64_t deferred; /* fields left out by only()/defer()             */
    const dorm_selrel *selrel;
    int nselrel;
    int combinator; /* union() ...: DORM_COMBINE_*, or 0             */
    dorm_qs *const *combined; /* the parts, the first one this QuerySet's origin */
    int ncombined;
    int subq_height; /* how deep the subqueries in it nest (0: none)  */
    const char *const *alias_names; /* written as a subquery: U0, U1, ...       */
    const dorm_prefetch *const *prefetch; /* prefetch_related lookups, NULL-terminated */
    const dorm_qs_class *klass; /* its manager's QuerySet class; NULL: plain    */
    const dorm_lock_opts *lock; /* select_for_update(), or NULL             */
    const void *hint; /* the routers' hints['instance'], or NULL     */
    int using_db; /* using(): 1 + the alias's place; 0: routed   */
    bool tenant_filtered; /* the row-level tenant filter was added       */
    /* result cache */
    bool done;
    void **objs;
    size_t nobjs;
    const dorm_row **rows;
    const char *fetch_errmsg;
    int fetch_err; /* the last fetching call's error (not sticky: the next runs) */
};

/* A resolved path "a__b__c". */
typedef struct dorm_path {
    int alias;
    const dorm_fmeta *field;
    const dorm_rexpr *expr; /* the transforms applied to it (NULL: none)     */
    const dorm_lookup_def *lookup; /* NULL when none was given                 */
    bool nullable; /* a nullable field or join lies on the path     */
    bool relation; /* ends on a ForeignKey's name ("author", not
                                 "author_id" or "author__id")                  */
} dorm_path;

enum {
    DORM_PATH_LOOKUPS = 1, /* the last parts may be transforms and a lookup */
    DORM_PATH_OUTER = 2, /* new joins are LEFT OUTER (ordering, values)   */
    DORM_PATH_TRANSFORMS = 4 /* the last parts may be transforms (F("date__year")) */
};

enum { DORM_COMBINE_UNION = 1, DORM_COMBINE_INTERSECTION, DORM_COMBINE_DIFFERENCE };
/* Fails qs with Django's "Calling QuerySet.<operation>() after union() is
 * not supported." when it is a combination and returns it; NULL otherwise. */
dorm_qs *dorm_qs__combined_refuse(dorm_qs *qs, const char *operation);

/* The meta of a registered model; NULL with DORM_ECONFIG recorded on cx. */
const dorm_meta *dorm_model__meta(dorm_ctx *cx, const dorm_model *model);
/* A new QuerySet copying `qs` (result cache not copied); NULL on ENOMEM. */
dorm_qs *dorm_qs__clone(const dorm_qs *qs);
/* What dorm_qs__clone makes, written into *out (a QuerySet a call keeps to
 * itself, on its stack: get()'s filtered copy). */
void dorm_qs__copy(dorm_qs *out, const dorm_qs *qs);
/* get() reads up to this many rows (Django's MAX_GET_RESULTS). */
#define DORM_GET_LIMIT 21
/* Django's order_by() and [:21] of get(), made on its own copy c: what
 * dorm_clear_ordering and dorm_slice would set on two clones. */
void dorm_qs__get_limits(dorm_qs *c);
/* filter(conds) applied to c itself, a private copy; returns c. */
dorm_qs *dorm_qs__filter_on(dorm_qs *c, const dorm_q *const *conds);
/* Fails `qs` (and its context) with an error; returns qs for chaining. */
dorm_qs *dorm_qs__fail(dorm_qs *qs, int code, const char *fmt, ...);
/* Re-raises a failed QuerySet's error on its context; returns its code. */
int dorm_qs__reraise(const dorm_qs *qs);

/* Resolves `path` (n bytes) on qs->meta, adding any joins it needs to qs
 * (which must be a private clone).  0, or DORM_EFIELD with Django's message
 * recorded on the context. */
int dorm_path__resolve(dorm_qs *qs, const char *path, size_t n, int flags, dorm_path *out);
/* Resolves the transforms and lookup of `rest` ("year__gte", or "") on an
 * expression (an annotation: `name` names it in messages) into out. */
int dorm_path__on_expr(dorm_qs *qs, const dorm_rexpr *base, const char *rest, const char *name, int flags,
                       dorm_path *out);
/* Prepares the value v of leaf w whose left side is JSON (a JSONField or a
 * key of one) as Django's JSON lookups do; *handled false: the usual
 * preparation applies (a text lookup on a key has its left side made text). */
int dorm_json__leaf(dorm_qs *qs, dorm_where *w, const dorm_value *v, const char *path, bool *handled);
/* Trunc(x, kind) / Extract(x, name) (e->func "Trunc", "Extract"): *name
 * gets the function they stand for ("TruncDay"); other names stay. */
int dorm_date__func_name(dorm_qs *qs, const dorm_expr *e, const char **name);
/* Django's checks of a date function's input and tzinfo; *tz gets the
 * zone tzinfo names ("UTC" too), untouched without one. */
int dorm_date__func_check(dorm_qs *qs, const dorm_expr *e, const dorm_func_def *def, const dorm_rexpr *arg,
                          const char **tz);
/* Django's TemporalSubtraction (a datetime minus a datetime: a duration)
 * and DurationExpression (a datetime plus or minus a duration) for the
 * arithmetic node r: its output and the dialect's spelling, or Django's
 * error for what the backend cannot do with durations. */
int dorm_temporal__op(dorm_qs *qs, dorm_rexpr *r);
/* A wall time of `zone` (NULL: cx's current one) read back as the instant
 * it is; DORM_EVALUE (recorded) where it is ambiguous or skipped. */
int dorm_wall__to_instant(dorm_ctx *cx, const char *zone, dorm_datetime *t);
/* A wall time of cx's current zone as an instant (a bound of __year). */
dorm_datetime dorm_zone__bound(const dorm_ctx *cx, dorm_datetime wall);
/* inherit.c: walks from model *m, joined at *alias, up to the ancestor
 * that has the field, reverse relation or many-to-many named s (n bytes),
 * joining each parent through its child's parent link.  *key: the field to
 * use at *alias instead of a join (a parent's primary key is the child's
 * link).  0 or DORM_ENOMEM. */
int dorm_path__up(dorm_qs *qs, int *alias, const dorm_meta **m, const char *s, size_t n, int flags,
                  const dorm_fmeta **key);
/* inherit.c: the same for a field fm of *m found by name (select_related):
 * joins up to the ancestor whose table holds it; *fm becomes its field. */
int dorm_inherit__owner(dorm_qs *qs, int *alias, const dorm_meta **m, const dorm_fmeta **fm);
/* inherit.c: the alias whose table holds field fm of model m joined at
 * `alias` (a parent's join when fm is inherited and the join exists). */
int dorm_inherit__alias(const dorm_qs *qs, int alias, const dorm_meta *m, const dorm_fmeta *fm);
/* inherit.c: whether the column of field (a parent's) at alias is one the
 * SELECT of qs's objects reads through a parent join. */
bool dorm_inherit__selected(const dorm_qs *qs, int alias, const dorm_fmeta *field);
/* inherit.c: qs, or a copy in *tmp with the joins to the parents of its
 * model and of its select_related models, whose columns an objects SELECT
 * reads; NULL on ENOMEM. */
const dorm_qs *dorm_inherit__select(const dorm_qs *qs, dorm_qs *tmp);
/* The SQL alias of alias index `alias` (0: the base table). */
const char *dorm_alias__name(const dorm_qs *qs, int alias);
/* The alias of the join parent --fk--> (or <--fk-- when reverse) on the clone
 * qs, reusing a single-valued join always and a multi-valued one within one
 * filter() call; DORM_PATH_OUTER makes a new nullable join LEFT OUTER.  The
 * alias (> 0) or DORM_ENOMEM. */
int dorm_path__join(dorm_qs *qs, int parent, const dorm_fmeta *fk, bool reverse, int flags);
/* Python's difflib.get_close_matches(word, cands): up to three of the
 * ncands candidates closest to word (n bytes), best first, into out; their
 * number. */
int dorm_close__matches(const char *word, size_t n, const char *const *cands, size_t ncands, const char **out);
/* The name of a built-in lookup. */
const char *dorm_lookup__name(dorm_lookup lk);

/* Resolves conditions into a where tree on the clone `qs` (adding joins).
 * `negate` wraps them in NOT (exclude).  0 or a negative dorm_error. */
int dorm_where__add(dorm_qs *qs, const dorm_q *const *conds, bool negate);
/* ANDs an already resolved condition into qs's where tree (kept flat). */
int dorm_where__and(dorm_qs *qs, const dorm_where *added);
/* The related manager of one many-to-many direction (rel on the owner's
 * model): the other side's objects joined to the join table, whose key to the
 * owner equals `key` (a LIST: is in it).  With select_key the QuerySet also
 * selects that key as the annotation DORM_M2M_KEY (prefetch_related groups by
 * it).  A new QuerySet; errors are recorded on it. */
#define DORM_M2M_KEY "_prefetch_related_val"
dorm_qs *dorm_qs__m2m(dorm_qs *qs, const struct dorm_rel *rel, dorm_value key, bool select_key);

/* Converts a value given for a field (after transforms) into the value the
 * database compares with: "1900-01-01" -> date, obj -> pk, 1 -> true, ...
 * `what` names the field in messages.  0 or DORM_EVALUE / DORM_EVALIDATION
 * recorded on cx. */
int dorm_prep__value(dorm_ctx *cx, const dorm_fmeta *fm, dorm_kind kind, const dorm_value *in, dorm_value *out);
/* Whether dorm_prep__value gives `in` as it is: the commonest value of
 * all, an integer for a column of its own integer kind (a key in a
 * get(pk=...); not a custom field's storage or a key to another model,
 * which convert it). */
static inline bool dorm_prep__int_as_is(const dorm_fmeta *fm, dorm_kind kind, const dorm_value *in) {
    return in->type == DORM_T_INT && fm && fm->f->kind == kind && dorm_kind_is_int(kind);
}
/* Resolves an expression on the clone qs (adding joins; aggregates join
 * LEFT OUTER).  0 or a negative error recorded on qs. */
int dorm_expr__resolve(dorm_qs *qs, const dorm_expr *e, const dorm_rexpr **out);
/* The same for aggregate(): aggregates of annotations are allowed (they
 * become aggregates over a subquery). */
int dorm_expr__resolve_summary(dorm_qs *qs, const dorm_expr *e, const dorm_rexpr **out);
/* Resolves a condition used inside an expression (When, filter=) as Django's
 * Q.resolve_expression does: its joins LEFT OUTER.  *out NULL: the condition
 * is empty (matches every row). */
int dorm_where__cond(dorm_qs *qs, const dorm_q *q, const dorm_where **out);
/* The field and kind the value of leaf w (a column, not JSON, compared with
 * a value as it comes: no None, list or expression) was prepared as by
 * dorm_prep__value: a get() plan prepares the next value the same way. */
void dorm_where__prep_as(const dorm_where *w, const dorm_fmeta **field, dorm_kind *kind);
/* Whether a condition reads a column of a joined table. */
bool dorm_where__joins(const dorm_where *w);
/* Whether qs can match one row at most: a condition ANDed at the top pins
 * the base table's primary key or a unique column to one value, and no
 * join can repeat a row (each follows a key to the one row it names).  A
 * get() then stops at that row: the second step could only say "no more". */
bool dorm_qs__one_row(const dorm_qs *qs);
/* OuterRef(path) `level` queries out, resolved when its QuerySet becomes a
 * subquery; marks qs as a subquery only.  NULL on ENOMEM. */
dorm_rexpr *dorm_rexpr__outer(dorm_qs *qs, const char *path, int level);
/* Subquery(inner) or Exists(inner) used in qs: its OuterRefs naming qs are
 * resolved against qs (adding joins).  0 or an error recorded on qs. */
int dorm_rexpr__subquery(dorm_qs *qs, dorm_qs *inner, bool exists, const dorm_rexpr **out);
/* The subquery of "lhs__in=sub": a values() QuerySet selects its one column;
 * a QuerySet of objects its primary key, or the field a ForeignKey lhs
 * stores (to_field), as Django's In and RelatedIn add them.  0 or an error
 * recorded on qs. */
int dorm_rexpr__in_subquery(dorm_qs *qs, const dorm_fmeta *lhs, dorm_qs *sub, const dorm_rexpr **out);
/* ConcatPair, the row Concat() is built from. */
extern const dorm_func_def *dorm_concat_pair;
/* Fills the field description an annotation's values are read with, from
 * its alias and resolved expression (on qs's backend). */
void dorm_ann__describe(const dorm_qs *qs, dorm_ann *a);
/* Django's default alias of an aggregate ("pages__avg"), or NULL. */
const char *dorm_default__alias(dorm_ctx *cx, const dorm_expr *e);
/* Checks a user-given alias (annotate, aggregate): [A-Za-z_][A-Za-z0-9_]*
 * and no longer than the dialect's max_name_length.  0, or DORM_EVALUE with a
 * message naming the alias recorded on cx. */
int dorm_alias__check(dorm_ctx *cx, const char *alias);
/* Whether annotation i is selected: in objects mode unless alias(), in
 * values() mode when it is one of the columns. */
bool dorm_ann__selected(const dorm_qs *qs, int i);
/* Sets the SELECT position of each values() column (fields first, then the
 * annotations in the order they were added, as Django selects them). */
void dorm_cols__place(dorm_qs *qs);
/* The annotation named alias, or NULL. */
const dorm_ann *dorm_qs__annotation(const dorm_qs *qs, const char *alias, size_t n);
/* Resolves the ordering to use (explicit, or Meta.ordering) into `qs`. */
int dorm_order__resolve(dorm_qs *qs, const char *const *fields);
/* The same for order_by() items: strings ("-pages") and expressions. */
int dorm_order__resolve_exprs(dorm_qs *qs, const dorm_expr *const *items);

#endif
