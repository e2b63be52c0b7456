/* query.h - the inside of a QuerySet: the Query it stands for (joins, where
 * tree, ordering, limits, selected columns) and its result cache.  Query knows
 * no SQL; compiler.c turns it into SQL through the dialect. */
#ifndef DORM_QUERY_QUERY_H
#define DORM_QUERY_QUERY_H

#include "backend/db.h"
#include "core/ctx.h"
#include "model/meta.h"

typedef enum dorm_qs_mode {
    DORM_MODE_OBJECTS = 0,
    DORM_MODE_VALUES,       /* rows named by path        */
    DORM_MODE_VALUES_LIST,  /* rows, positional          */
    DORM_MODE_FLAT          /* one value per row         */
} dorm_qs_mode;

/* A join.  Alias index 0 is the base table; joins[i] is alias i + 1. */
typedef struct dorm_join {
    int parent;               /* alias the join hangs from                     */
    const dorm_fmeta *fk;     /* the ForeignKey it follows                     */
    bool reverse;             /* parent is fk's target (a reverse relation)    */
    const dorm_meta *model;   /* the joined model                              */
    bool outer;               /* LEFT OUTER JOIN                               */
    bool nullable;            /* rows may be missing on the right              */
    int generation;           /* filter() call that made a multi-valued join   */
    const char *alias;        /* SQL alias                                     */
} dorm_join;

typedef enum dorm_wkind {
    DORM_W_LEAF = 1,
    DORM_W_AND,
    DORM_W_OR,
    DORM_W_NOT,
    DORM_W_NOTHING,         /* matches no row (e.g. __in=[])                  */
    DORM_W_SUBQUERY         /* alias.field IN (sub)                           */
} dorm_wkind;

#define DORM_MAX_TRANSFORMS 4
/* How deep conditions (Q trees) and expressions may nest: the where builder
 * and the compiler recurse, and the databases refuse deeper SQL anyway
 * (PostgreSQL's parser near 1,000 levels of NOT, SQLite's far earlier). */
#define DORM_MAX_DEPTH 1000

/* A resolved expression: F() paths turned into (alias, field), annotation
 * references by name, aggregates over their column. */
typedef struct dorm_rexpr {
    dorm_expr_kind kind;
    int alias;
    const dorm_fmeta *field;      /* F / aggregate column; NULL: COUNT(*)      */
    const char *ref;              /* F() naming an annotation                  */
    int ntrans;                   /* F("date__year"): transforms on the column */
    dorm_extract trans[DORM_MAX_TRANSFORMS];
    dorm_value value;             /* VALUE                                     */
    const struct dorm_rexpr *a, *b;
    bool distinct;
    bool aggregate;               /* contains an aggregate                     */
    dorm_kind out;                /* kind of the result                        */
    /* A column's places, which its values are rounded to as Django's SQLite
     * converter rounds a column; -1 (any other expression): the value the
     * backend computed, as Django's converters return it. */
    int decimal_places;
} dorm_rexpr;

/* An annotation: its alias, expression and the field description its
 * values are read with. */
typedef struct dorm_ann {
    const char *alias;
    const dorm_rexpr *e;
    dorm_field field;
    dorm_fmeta fm;
} dorm_ann;

/* A resolved condition tree. */
typedef struct dorm_where {
    dorm_wkind kind;
    int n;
    const struct dorm_where *const *kids;
    /* leaf: [transforms](alias.column) <lookup> rhs */
    int alias;
    const dorm_fmeta *field;
    int ntrans;
    dorm_extract trans[DORM_MAX_TRANSFORMS];
    dorm_lookup lookup;
    dorm_value rhs;           /* prepared; LIST for in/range; BOOL for isnull */
    const dorm_rexpr *rhs_expr; /* F() and arithmetic on the right (or NULL)  */
    bool nullable;            /* the left side can be NULL                    */
    struct dorm_qs *sub;      /* DORM_W_SUBQUERY: selects one column          */
} dorm_where;

typedef struct dorm_order {
    int alias;
    const dorm_fmeta *field;
    bool desc;
    bool random;
    const char *ref;          /* an annotation alias                          */
    int ntrans;               /* "publication_date__year": transforms         */
    dorm_extract trans[DORM_MAX_TRANSFORMS];
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

/* A selected column of values()/values_list(): a field, or transforms of
 * it ("publication_date__year"), read as `out` (the field, or the
 * transform's result). */
typedef struct dorm_col {
    int alias;
    const dorm_fmeta *field;
    const char *name;
    int ntrans;
    dorm_extract trans[DORM_MAX_TRANSFORMS];
    const dorm_fmeta *out;
} dorm_col;

struct dorm_qs {
    dorm_ctx *cx;
    const dorm_meta *meta;
    int err;
    const char *errmsg;
    int njoins;
    const dorm_join *joins;
    const dorm_where *where;
    int norder;
    const dorm_order *order;
    bool ordered_explicitly;  /* order_by() was called (even with no fields) */
    bool reversed;
    int64_t low;
    int64_t high;             /* -1: no upper bound                            */
    bool distinct;
    bool empty;               /* none()                                        */
    int generation;
    dorm_qs_mode mode;
    int ncols;
    const dorm_col *cols;
    const char *const *col_names;
    int nann;
    const dorm_ann *ann;
    bool group_by;            /* an annotation aggregates                      */
    uint64_t deferred;        /* fields left out by only()/defer()             */
    bool only_mode;           /* only() was called: deferred lists what it left out */
    int nselrel;
    const dorm_selrel *selrel;
    const dorm_prefetch *const *prefetch; /* prefetch_related lookups, NULL-terminated */
    const dorm_qs_class *klass; /* its manager's QuerySet class; NULL: plain    */
    const dorm_lock_opts *lock;  /* select_for_update(), or NULL             */
    int using_db;             /* using(): 1 + the alias's place; 0: routed   */
    const void *hint;         /* the routers' hints['instance'], or NULL     */
    bool tenant_filtered;     /* the row-level tenant filter was added       */
    /* result cache */
    bool done;
    void **objs;
    size_t nobjs;
    const dorm_row **rows;
};

/* A resolved path "a__b__c". */
typedef struct dorm_path {
    int alias;
    const dorm_fmeta *field;
    int ntrans;
    dorm_extract trans[DORM_MAX_TRANSFORMS];
    int lookup;               /* a dorm_lookup, or -1 when none was given      */
    bool nullable;            /* a nullable field or join lies on the path     */
    bool relation;            /* ends on a ForeignKey's name ("author", not
                                 "author_id" or "author__id")                  */
} dorm_path;

enum {
    DORM_PATH_LOOKUPS = 1,    /* the last parts may be transforms and a lookup */
    DORM_PATH_OUTER = 2,      /* new joins are LEFT OUTER (ordering, values)   */
    DORM_PATH_TRANSFORMS = 4  /* the last parts may be transforms (F("date__year")) */
};

/* The meta of a registered model; NULL with DORM_ECONFIG recorded on cx. */
const dorm_meta *dorm_model_meta(dorm_ctx *cx, const dorm_model *model);
/* A new QuerySet copying `qs` (result cache not copied); NULL on ENOMEM. */
dorm_qs *dorm_qs_clone(const dorm_qs *qs);
/* Fails `qs` (and its context) with an error; returns qs for chaining. */
dorm_qs *dorm_qs_fail(dorm_qs *qs, int code, const char *fmt, ...);
/* Re-raises a failed QuerySet's error on its context; returns its code. */
int dorm_qs_reraise(const dorm_qs *qs);

/* Resolves `path` (n bytes) on qs->meta, adding any joins it needs to qs
 * (which must be a private clone).  0, or DORM_EFIELD with Django's message
 * recorded on the context. */
int dorm_path_resolve(dorm_qs *qs, const char *path, size_t n, int flags, dorm_path *out);
/* inherit.c: walks from model *m, joined at *alias, up to the ancestor
 * that has the field, reverse relation or many-to-many named s (n bytes),
 * joining each parent through its child's parent link.  *key: the field to
 * use at *alias instead of a join (a parent's primary key is the child's
 * link).  0 or DORM_ENOMEM. */
int dorm_path_up(dorm_qs *qs, int *alias, const dorm_meta **m, const char *s, size_t n, int flags,
                 const dorm_fmeta **key);
/* inherit.c: the same for a field fm of *m found by name (select_related):
 * joins up to the ancestor whose table holds it; *fm becomes its field. */
int dorm_inherit_owner(dorm_qs *qs, int *alias, const dorm_meta **m, const dorm_fmeta **fm);
/* inherit.c: the alias whose table holds field fm of model m joined at
 * `alias` (a parent's join when fm is inherited and the join exists). */
int dorm_inherit_alias(const dorm_qs *qs, int alias, const dorm_meta *m, const dorm_fmeta *fm);
/* inherit.c: whether the column of field (a parent's) at alias is one the
 * SELECT of qs's objects reads through a parent join. */
bool dorm_inherit_selected(const dorm_qs *qs, int alias, const dorm_fmeta *field);
/* inherit.c: qs, or a copy in *tmp with the joins to the parents of its
 * model and of its select_related models, whose columns an objects SELECT
 * reads; NULL on ENOMEM. */
const dorm_qs *dorm_inherit_select(const dorm_qs *qs, dorm_qs *tmp);
/* The SQL alias of alias index `alias` (0: the base table). */
const char *dorm_alias_name(const dorm_qs *qs, int alias);
/* The alias of the join parent --fk--> (or <--fk-- when reverse) on the clone
 * qs, reusing a single-valued join always and a multi-valued one within one
 * filter() call; DORM_PATH_OUTER makes a new nullable join LEFT OUTER.  The
 * alias (> 0) or DORM_ENOMEM. */
int dorm_path_join(dorm_qs *qs, int parent, const dorm_fmeta *fk, bool reverse, int flags);
/* Python's difflib.get_close_matches(word, cands): up to three of the
 * ncands candidates closest to word (n bytes), best first, into out; their
 * number. */
int dorm_close_matches(const char *word, size_t n, const char *const *cands, size_t ncands, const char **out);
/* The lookup named by s (n bytes), or -1. */
int dorm_lookup_by_name(const char *s, size_t n);
const char *dorm_lookup_name(dorm_lookup lk);

/* Resolves conditions into a where tree on the clone `qs` (adding joins).
 * `negate` wraps them in NOT (exclude).  0 or a negative dorm_error. */
int dorm_where_add(dorm_qs *qs, const dorm_q *const *conds, bool negate);
/* ANDs an already resolved condition into qs's where tree (kept flat). */
int dorm_where_and(dorm_qs *qs, const dorm_where *added);
/* The related manager of one many-to-many direction (rel on the owner's
 * model): the other side's objects joined to the join table, whose key to the
 * owner equals `key` (a LIST: is in it).  With select_key the QuerySet also
 * selects that key as the annotation DORM_M2M_KEY (prefetch_related groups by
 * it).  A new QuerySet; errors are recorded on it. */
#define DORM_M2M_KEY "_prefetch_related_val"
dorm_qs *dorm_qs_m2m(dorm_qs *qs, const struct dorm_rel *rel, dorm_value key, bool select_key);

/* Converts a value given for a field (after transforms) into the value the
 * database compares with: "1900-01-01" -> date, obj -> pk, 1 -> true, ...
 * `what` names the field in messages.  0 or DORM_EVALUE / DORM_EVALIDATION
 * recorded on cx. */
int dorm_prep_value(dorm_ctx *cx, const dorm_fmeta *fm, dorm_kind kind, const dorm_value *in, dorm_value *out);
/* The kind of the value a path yields after its transforms. */
dorm_kind dorm_path_kind(const dorm_fmeta *fm, int ntrans, const dorm_extract *trans);

/* Resolves an expression on the clone qs (adding joins; aggregates join
 * LEFT OUTER).  0 or a negative error recorded on qs. */
int dorm_expr_resolve(dorm_qs *qs, const dorm_expr *e, const dorm_rexpr **out);
/* Fills the field description an annotation's values are read with, from
 * its alias and resolved expression. */
void dorm_ann_describe(dorm_ann *a);
/* Django's default alias of an aggregate ("pages__avg"), or NULL. */
const char *dorm_default_alias(dorm_ctx *cx, const dorm_expr *e);
/* Checks a user-given alias (annotate, aggregate): [A-Za-z_][A-Za-z0-9_]*
 * and no longer than the dialect's max_name_length.  0, or DORM_EVALUE with a
 * message naming the alias recorded on cx. */
int dorm_alias_check(dorm_ctx *cx, const char *alias);
/* Whether a resolved expression reads a column of a joined table (directly
 * or through an annotation it names). */
bool dorm_rexpr_joins(const dorm_qs *qs, const dorm_rexpr *e);
/* Why values() and annotate() cannot be combined yet. */
#define DORM_VALUES_ANNOTATE                                                                                       \
    "annotate() combined with values() or values_list() is not supported yet: it needs GROUP BY over the values() " \
    "fields, which dorm does not implement."
/* The annotation named alias, or NULL. */
const dorm_ann *dorm_qs_annotation(const dorm_qs *qs, const char *alias, size_t n);
/* Resolves the ordering to use (explicit, or Meta.ordering) into `qs`. */
int dorm_order_resolve(dorm_qs *qs, const char *const *fields);

#endif
