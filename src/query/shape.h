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
 * or made the LIKE pattern of its lookup. */
typedef struct dorm_shape_slot {
    int leaf;
    int elem;
    bool pattern;
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

#endif
