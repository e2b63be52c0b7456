/* shape.h - compiling a SELECT once per query shape: a key that captures
 * everything the SQL text depends on but none of the values, and the map
 * from the SQL's parameters back to the values of the query's conditions,
 * so a query of a shape seen before on the session binds its values into
 * the statement compiled then (backend/shapes.c keeps the entries). */
#ifndef DORM_QUERY_SHAPE_H
#define DORM_QUERY_SHAPE_H

#include "query/compiler.h"

#define DORM_SHAPE_KEY_WORDS 96
#define DORM_SHAPE_LEAVES_MAX 32
/* A hit with this many parameters or fewer binds them from the shape's own
 * storage (on the caller's stack): no allocation. */
#define DORM_SHAPE_PARAMS_INLINE 8

/* Where a parameter's value comes from: leaf `leaf` (in the key's walk
 * order) - its value (elem -1) or element elem of its list - as it is,
 * or made the LIKE pattern of its lookup.  In a get() plan, cond > 0 names
 * condition cond - 1 instead: its value prepared as field `as`, kind
 * `kind`, which gave a value of type `type` when the plan was made. */
typedef struct dorm_shape_slot {
    int leaf;
    int elem;
    bool pattern;
    int cond;
    dorm_kind kind;
    dorm_type type;
    const dorm_fmeta *as;
} dorm_shape_slot;

/* One query's shape (on the caller's stack during a fetch). */
typedef struct dorm_shape {
    uint64_t key[DORM_SHAPE_KEY_WORDS];
    size_t nwords;
    bool keyed; /* the key captures this query's SQL            */
    bool unmapped; /* a parameter came from no leaf value          */
    const dorm_where *leaves[DORM_SHAPE_LEAVES_MAX];
    int nleaves;
    const dorm_where *pattern; /* the leaf whose LIKE pattern is being bound  */
    dorm_shape_slot *slots; /* recorded while compiling (dorm_mem__alloc)    */
    size_t nslots, cap;
    dorm_shape_entry *hit; /* the session's entry this query runs from     */
    dorm_value params[DORM_SHAPE_PARAMS_INLINE]; /* a hit's parameters  */
} dorm_shape;

/* compile_select(qs, what) through the session's shape cache: on a hit only
 * s's parameters are filled (s->shape->hit holds the SQL and statement);
 * otherwise s is compiled, recording its parameters' sources so that
 * dorm_shape__store can keep it.  sh must live until the statement is
 * prepared; release it with dorm_shape__free.  Returns as
 * dorm_compile__select. */
int dorm_compile__shaped(const dorm_qs *qs, dorm_select_what what, dorm_sql *s, dorm_shape *sh);
/* The compiler's dorm_sql__param: notes where value v comes from. */
void dorm_shape__record(dorm_shape *sh, const dorm_value *v);
/* After s (compiled by dorm_compile__shaped, not a hit) was prepared as cs
 * on the session: keeps its shape there (its map, or that it has none). */
void dorm_shape__store(dorm_db *db, const dorm_sql *s, dorm_cached_stmt *cs);
void dorm_shape__free(dorm_shape *sh);

/* get(conds) compiled once: a get of a QuerySet of one shape whose
 * conditions name the same paths with values of the same kinds runs the
 * plan the first such get made, binding its conditions' values (prepared
 * as filter() prepares them) without resolving them into a QuerySet.  qs
 * is the QuerySet get() is called on, not sliced (get() clears its
 * ordering and takes [:21]).  True on a hit: s is bound as
 * dorm_compile__shaped binds a hit.  False otherwise, with the context's
 * error state unchanged: get() goes the ordinary way, and sh->keyed tells
 * whether a plan can be kept for it afterwards. */
bool dorm_shape__get_plan(const dorm_qs *qs, const dorm_q *const *conds, dorm_sql *s, dorm_shape *sh);
/* After the ordinary get() evaluated `filtered` (qs filtered by conds,
 * ordering cleared and [:21]): keeps the plan sh (from a missed
 * dorm_shape__get_plan) when every condition became a leaf whose value is
 * bound as it comes. */
void dorm_shape__get_store(dorm_db *db, const dorm_shape *sh, const dorm_qs *filtered, const dorm_q *const *conds);

#endif
