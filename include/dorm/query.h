/* dorm/query.h - QuerySets: lazy, immutable, chainable queries over a model,
 * filtered by Django's "field__relation__lookup" strings (DQ), combined with
 * dorm_or / dorm_and / dorm_not, and evaluated by the fetching calls.
 * SPDX-License-Identifier: MIT (see LICENSE) */
#ifndef DORM_QUERY_H
#define DORM_QUERY_H

#include "api.h"

#include <stdbool.h>
#include <stdint.h>

#include "db.h"
#include "expr.h"
#include "value.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A QuerySet.  Every call returns a new one in the context's arena; the one it
 * was called on is unchanged.  A call on a failed QuerySet returns a failed
 * QuerySet (errors are sticky), so a chain needs one check at the end. */
typedef struct dorm_qs dorm_qs;

/* A filter condition: a leaf "path = value" or an AND / OR / NOT node.  Built by
 * the macros below as compound literals; filter() copies what it keeps. */
typedef enum dorm_q_kind { DORM_Q_LEAF = 1, DORM_Q_AND, DORM_Q_OR, DORM_Q_NOT, DORM_Q_EXPR } dorm_q_kind;
/* The condition itself (see dorm_q_kind): DQ(), dorm_or() & co. build them. */
typedef struct dorm_q {
    dorm_q_kind kind;                   /* a leaf or how children combine */
    const char *path;                   /* leaf: "author__name__icontains"  */
    dorm_value value;                   /* leaf: typed by DV(); EXPR: the
                                           boolean expression (DExists)     */
    const struct dorm_q *const *children; /* AND/OR/NOT: NULL-terminated    */
} dorm_q;

/* DQ("pages__gt", 400): the condition Q(pages__gt=400). */
#define DQ(path, x) (&(const dorm_q){DORM_Q_LEAF, (path), DV(x), NULL})
/* DQC("pages__gte", DORM_VINT(0)): a constant condition usable in static
 * initialisers (Meta.constraints checks). */
#define DQC(path, v) (&(const dorm_q){DORM_Q_LEAF, (path), v, NULL})
#define DORM__QLIST(...) ((const dorm_q *const[]){__VA_ARGS__, NULL})
/* A boolean expression as a condition: DQE(DExists(qs)) (Django's
 * filter(Exists(...))). */
#define DQE(e) (&(const dorm_q){DORM_Q_EXPR, NULL, DV(e), NULL})
/* Q(a) | Q(b) | ... */
#define dorm_or(...) (&(const dorm_q){DORM_Q_OR, NULL, {DORM_T_NONE, 0, {0}}, DORM__QLIST(__VA_ARGS__)})
/* Q(a) & Q(b) & ... */
#define dorm_and(...) (&(const dorm_q){DORM_Q_AND, NULL, {DORM_T_NONE, 0, {0}}, DORM__QLIST(__VA_ARGS__)})
/* ~Q(a) */
#define dorm_not(q) (&(const dorm_q){DORM_Q_NOT, NULL, {DORM_T_NONE, 0, {0}}, DORM__QLIST(q)})

/* An assignment for update(), get_or_create(defaults) and friends. */
typedef struct dorm_set {
    const char *field;  /* "pages"                                  */
    dorm_value value;   /* a value, or an expression (dorm_v_expr)  */
} dorm_set;
/* DSET("pages", 300): pages=300 in update() & co.; the value typed by DV(). */
#define DSET(field, x) (&(const dorm_set){(field), DV(x)})
#define DORM__SETLIST(...) ((const dorm_set *const[]){__VA_ARGS__, NULL})

/* ---- building QuerySets (lazy: no query runs) ---- */

/* Model.objects.all() for a model declared as `Model_model`: the QuerySet of
 * its default manager (Model._default_manager.all(): its first manager, or
 * Meta.default_manager_name's; every row for a model without managers). */
DORM_API dorm_qs *dorm_qs_default(dorm_ctx *cx, const dorm_model *model);
#define dorm_all(cx, Model) dorm_qs_default((cx), &Model##_model)
/* Model.NAME.all(): the QuerySet of the manager `name` (see dorm_manager
 * in model.h); a failed QuerySet (DORM_EVALUE) for a name the model has
 * not. */
DORM_API dorm_qs *dorm_qs_manager(dorm_ctx *cx, const dorm_model *model, const char *name);
#define dorm_manager_all(cx, Model, name) dorm_qs_manager((cx), &Model##_model, (name))
/* Model._base_manager.all(): Meta.base_manager_name's manager, else every
 * row of a plain QuerySet, whatever the default manager hides.  What
 * forward relations, dorm_related_one and dorm_refresh read through. */
DORM_API dorm_qs *dorm_qs_base(dorm_ctx *cx, const dorm_model *model);
#define dorm_base_manager_all(cx, Model) dorm_qs_base((cx), &Model##_model)
/* QuerySet(model): every row, of the plain QuerySet class, no manager
 * involved. */
DORM_API dorm_qs *dorm_qs_all(dorm_ctx *cx, const dorm_model *model);
/* The class a QuerySet carries (its manager's), or NULL for the plain one. */
DORM_API const dorm_qs_class *dorm_qs_class_of(const dorm_qs *qs);
/* The name of a model's default manager (Model._default_manager.name):
 * "objects" for a model without managers. */
DORM_API const char *dorm_default_manager_name(const dorm_model *model);

/* filter(*conditions) / exclude(*conditions).  Conditions given in one call
 * are ANDed.  An unknown field or lookup fails the QuerySet with DORM_EFIELD. */
DORM_API dorm_qs *dorm_qs_filter(dorm_qs *qs, const dorm_q *const *conds);
DORM_API dorm_qs *dorm_qs_exclude(dorm_qs *qs, const dorm_q *const *conds);
#define dorm_filter(qs, ...) dorm_qs_filter((qs), DORM__QLIST(__VA_ARGS__))
#define dorm_exclude(qs, ...) dorm_qs_exclude((qs), DORM__QLIST(__VA_ARGS__))

/* order_by("-publication_date", "title", "author__name", "?") and
 * expressions: DDesc("fees", .nulls_last = true), dorm_F("n"), DCase(...)
 * (up to 16 items).  Replaces any earlier ordering; dorm_clear_ordering() is
 * order_by() with no fields. */
DORM_API dorm_qs *dorm_qs_order_by(dorm_qs *qs, const char *const *fields);
DORM_API dorm_qs *dorm_qs_order_by_exprs(dorm_qs *qs, const dorm_expr *const *items);
#define dorm_order_by(qs, ...) dorm_qs_order_by_exprs((qs), DORM__ARGS(__VA_ARGS__))
DORM_API dorm_qs *dorm_clear_ordering(dorm_qs *qs);
DORM_API dorm_qs *dorm_reverse(dorm_qs *qs);
DORM_API dorm_qs *dorm_distinct(dorm_qs *qs);
/* none(): a QuerySet that matches nothing and runs no query. */
DORM_API dorm_qs *dorm_none(dorm_qs *qs);
/* qs[start:stop]; DORM_NOLIMIT as stop for qs[start:].  Negative indexes fail
 * with DORM_EVALUE ("Negative indexing is not supported."). */
#define DORM_NOLIMIT INT64_MAX
DORM_API dorm_qs *dorm_slice(dorm_qs *qs, int64_t start, int64_t stop);

/* values("title", "author__name") / values_list(..., flat): rows of values
 * instead of objects.  With no fields, every concrete field. */
DORM_API dorm_qs *dorm_qs_values(dorm_qs *qs, const char *const *fields);
DORM_API dorm_qs *dorm_qs_values_list(dorm_qs *qs, bool flat, const char *const *fields);
#define dorm_values(qs, ...) dorm_qs_values((qs), DORM_LIST(__VA_ARGS__))
#define dorm_values_list(qs, ...) dorm_qs_values_list((qs), false, DORM_LIST(__VA_ARGS__))
#define dorm_values_flat(qs, field) dorm_qs_values_list((qs), true, DORM_LIST(field))

/* select_related("author", "author__publisher"): loads the related objects of
 * forward ForeignKeys in the same query (INNER JOIN, LEFT OUTER JOIN when the
 * key is nullable), so dorm_fk() needs no query.  dorm_select_related_all()
 * follows every non-null ForeignKey, like select_related() with no fields. */
DORM_API dorm_qs *dorm_qs_select_related(dorm_qs *qs, const char *const *paths);
#define dorm_select_related(qs, ...) dorm_qs_select_related((qs), DORM_LIST(__VA_ARGS__))
DORM_API dorm_qs *dorm_select_related_all(dorm_qs *qs);
/* prefetch_related("books", "books__author"): after the query, loads each
 * named relation (reverse or forward ForeignKey) for all fetched objects with
 * one query per level and caches it on the objects: dorm_related(a, "books")
 * and dorm_fk() then run no query.  Paths are checked when the QuerySet is
 * evaluated. */
DORM_API dorm_qs *dorm_qs_prefetch_related(dorm_qs *qs, const char *const *paths);
#define dorm_prefetch_related(qs, ...) dorm_qs_prefetch_related((qs), DORM_LIST(__VA_ARGS__))
/* Django's Prefetch(lookup, queryset, to_attr): the last level of `lookup` is
 * loaded with `queryset` (its filters, ordering, select_related and own
 * prefetches; NULL: the model's default) and, with `to_attr`, kept under that
 * name (read with dorm_prefetched) instead of the relation's cache, so
 * dorm_related() still means every related object.  Later lookups may go
 * through a to_attr name ("recent__tags"). */
typedef struct dorm_prefetch {
    const char *lookup;        /* "books", "books__tags"          */
    struct dorm_qs *queryset;  /* NULL: the model's default        */
    const char *to_attr;       /* NULL: the relation's own cache   */
    bool queryset_given;       /* DPrefetch got a QuerySet pointer */
} dorm_prefetch;
/* prefetch_related(Prefetch(...), ...):
 *   dorm_prefetch_with(qs, DPrefetch("books", recent, "recent_books"))
 * The queryset argument written as NULL is the model's default.  A
 * QuerySet pointer that is NULL is one that could not be built (every call
 * returning a QuerySet gives NULL only when it failed): the prefetch fails
 * with DORM_ENOMEM rather than loading every related row. */
#define DORM__QS_GIVEN(x) _Generic((x), struct dorm_qs *: true, const struct dorm_qs *: true, default: false)
#define DPrefetch(lookup, queryset, to_attr) \
    (&(const dorm_prefetch){(lookup), (queryset), (to_attr), DORM__QS_GIVEN(queryset)})
DORM_API dorm_qs *dorm_qs_prefetch_with(dorm_qs *qs, const dorm_prefetch *const *items);
#define dorm_prefetch_with(qs, ...) dorm_qs_prefetch_with((qs), (const dorm_prefetch *const[]){__VA_ARGS__, NULL})
/* The objects a Prefetch with to_attr stored on obj, NULL-terminated (*n: how
 * many; a forward ForeignKey gives at most one); NULL with DORM_EFIELD when
 * obj has no prefetched list by that name. */
DORM_API void **dorm_prefetched(const void *obj, const char *to_attr, size_t *n);

/* union(*others, all=False), intersection(*others), difference(*others):
 * a QuerySet of the rows of several, written as one compound statement.
 * Afterwards order_by() (of selected columns), slicing, values() /
 * values_list(), count(), exists(), first() and last() work; filter(),
 * annotate(), distinct() and the like fail with Django's NotSupportedError.
 * On SQLite a part may have no ordering and no slice (Django's
 * DatabaseError): clear a Meta.ordering with dorm_clear_ordering().
 * As in Django, a none() QuerySet's union() is that of the others that are
 * not none() (one alone: that QuerySet itself, which filter() accepts);
 * intersection() with a none() and difference() from one are that none(). */
/* The n others are counted, not NULL-terminated: a NULL among them is a
 * QuerySet that could not be built, and fails the combination with
 * DORM_ENOMEM (a shorter list would silently leave its rows out). */
DORM_API dorm_qs *dorm_qs_union(dorm_qs *qs, dorm_qs *const *others, size_t n, bool all);
DORM_API dorm_qs *dorm_qs_intersection(dorm_qs *qs, dorm_qs *const *others, size_t n);
DORM_API dorm_qs *dorm_qs_difference(dorm_qs *qs, dorm_qs *const *others, size_t n);
#define DORM__QSLIST(...) ((dorm_qs *const[]){__VA_ARGS__})
#define DORM__QSCOUNT(...) (sizeof(DORM__QSLIST(__VA_ARGS__)) / sizeof(dorm_qs *))
#define dorm_union(qs, ...) dorm_qs_union((qs), DORM__QSLIST(__VA_ARGS__), DORM__QSCOUNT(__VA_ARGS__), false)
#define dorm_union_all(qs, ...) dorm_qs_union((qs), DORM__QSLIST(__VA_ARGS__), DORM__QSCOUNT(__VA_ARGS__), true)
#define dorm_intersection(qs, ...) dorm_qs_intersection((qs), DORM__QSLIST(__VA_ARGS__), DORM__QSCOUNT(__VA_ARGS__))
#define dorm_difference(qs, ...) dorm_qs_difference((qs), DORM__QSLIST(__VA_ARGS__), DORM__QSCOUNT(__VA_ARGS__))

/* annotate(alias=expression, ...): each object gets the value of the
 * expression, read with dorm_annotation(obj, "alias").  Aggregates over
 * relations group by the model's columns, joining LEFT OUTER so objects
 * without related rows count 0:
 *   dorm_annotate(qs, DAS("num_books", DCount("books")))
 * Annotations can be ordered by ("-num_books"). */
DORM_API dorm_qs *dorm_qs_annotate(dorm_qs *qs, const dorm_named *const *anns);
#define DORM__NAMEDLIST(...) ((const dorm_named *const[]){__VA_ARGS__, NULL})
#define dorm_annotate(qs, ...) dorm_qs_annotate((qs), DORM__NAMEDLIST(__VA_ARGS__))
/* alias(name=expression, ...): an annotation that filter(), order_by() and
 * later annotations can use by name but that is not selected (Django's
 * alias()); an aggregate one groups the query as annotate() does. */
DORM_API dorm_qs *dorm_qs_alias(dorm_qs *qs, const dorm_named *const *anns);
#define dorm_alias(qs, ...) dorm_qs_alias((qs), DORM__NAMEDLIST(__VA_ARGS__))
/* The value of annotation `alias` on an object fetched from an annotated
 * QuerySet, or NULL if it has none. */
DORM_API const dorm_value *dorm_annotation(const void *obj, const char *alias);

/* only("name") / defer("biography"): load just some fields (the primary key
 * always).  A deferred member stays zero; dorm_is_deferred tells which, and
 * dorm_save of such an object writes only the loaded fields, as Django. */
DORM_API dorm_qs *dorm_qs_only(dorm_qs *qs, const char *const *fields);
DORM_API dorm_qs *dorm_qs_defer(dorm_qs *qs, const char *const *fields);
#define dorm_only(qs, ...) dorm_qs_only((qs), DORM_LIST(__VA_ARGS__))
#define dorm_defer(qs, ...) dorm_qs_defer((qs), DORM_LIST(__VA_ARGS__))

/* The error of a failed QuerySet and its message; for one that is not
 * failed, the error of its last fetching call (a DORM_EACH that looped zero
 * times because its SQL failed), until its next fetch: DORM_OK if none. */
DORM_API int dorm_qs_errcode(const dorm_qs *qs);
DORM_API const char *dorm_qs_errmsg(const dorm_qs *qs);
DORM_API dorm_ctx *dorm_qs_ctx(const dorm_qs *qs);
/* The SQL and parameters the QuerySet compiles to (str(qs.query)), in the
 * arena; NULL on error.  Parameters are rendered as in the statement log. */
DORM_API const char *dorm_qs_sql(dorm_qs *qs, const char **params);

/* ---- fetching (these run queries; results are cached on the QuerySet) ---- */

/* The matching objects as a NULL-terminated array (arena); NULL on error.
 * *n (if given) gets the count. */
DORM_API void **dorm_qs_list(dorm_qs *qs, size_t *n);
#define dorm_list(qs, n) dorm_qs_list((qs), (n))
/* len(qs): evaluates and counts; a negative dorm_error on error. */
DORM_API int64_t dorm_len(dorm_qs *qs);
/* for (Book *b : qs) -- evaluates the QuerySet once and walks its cache.
 * On error it loops zero times: dorm_qs_errcode(qs) then says why. */
#define DORM_EACH(T, var, qs)                                                   \
    for (T **var##_it_ = (T **)dorm_qs_list((qs), NULL), *var = NULL;          \
         var##_it_ && (var = *var##_it_) != NULL; var##_it_++)

/* count() with SELECT COUNT(*) (or the cache's length); a negative
 * dorm_error on error (the code dorm_errcode gives, never -1 for all). */
DORM_API int64_t dorm_count(dorm_qs *qs);
/* exists(): 1, 0, or a negative dorm_error. */
DORM_API int dorm_exists(dorm_qs *qs);
/* contains(obj): 1, 0, or a negative dorm_error. */
DORM_API int dorm_contains(dorm_qs *qs, const void *obj);

/* get(*conditions): the one matching object; NULL with DORM_EDOESNOTEXIST
 * ("Book matching query does not exist.") or DORM_EMULTIPLE ("get() returned
 * more than one Book -- it returned 2!"). */
DORM_API void *dorm_qs_get(dorm_qs *qs, const dorm_q *const *conds);
#define dorm_get(...) dorm_qs_get(DORM__GET_QS(__VA_ARGS__, 0), DORM__GET_CONDS(__VA_ARGS__, NULL))
#define DORM__GET_QS(qs, ...) (qs)
#define DORM__GET_CONDS(qs, ...) ((const dorm_q *const[]){__VA_ARGS__})
/* first() / last(): by the QuerySet's ordering, or by pk when it has none.
 * NULL with DORM_OK when there is no row; NULL with an error code on error. */
DORM_API void *dorm_first(dorm_qs *qs);
DORM_API void *dorm_last(dorm_qs *qs);
/* earliest("field", ...) / latest(...): NULL fields use Meta.get_latest_by.
 * The object, or for a values() QuerySet its row (a const dorm_row *).
 * DORM_EDOESNOTEXIST when empty. */
DORM_API void *dorm_qs_earliest(dorm_qs *qs, const char *const *fields);
DORM_API void *dorm_qs_latest(dorm_qs *qs, const char *const *fields);
#define dorm_earliest(qs, ...) dorm_qs_earliest((qs), DORM_LIST(__VA_ARGS__))
#define dorm_latest(qs, ...) dorm_qs_latest((qs), DORM_LIST(__VA_ARGS__))

/* in_bulk(ids): a map from primary key to object.  `ids` NULL means every row.
 * NULL on error. */
typedef struct dorm_map dorm_map;
DORM_API dorm_map *dorm_in_bulk(dorm_qs *qs, const int64_t *ids, size_t n);
DORM_API void *dorm_map_get(const dorm_map *m, int64_t id);
DORM_API size_t dorm_map_len(const dorm_map *m);
/* in_bulk of keys of any kind: text, UUID, and a composite primary key's
 * tuples as lists (DLIST(1, "A755H")); `keys` NULL means every row.  The
 * map answers dorm_map_find with the key's value.  NULL on error. */
DORM_API dorm_map *dorm_in_bulk_keys(dorm_qs *qs, const dorm_value *keys, size_t n);
DORM_API void *dorm_map_find(const dorm_map *m, const dorm_value *key);

/* Streaming iterator: fetches `chunk_size` rows at a time (0: 2000), keeping
 * memory constant.  An object is valid until the next chunk is fetched
 * (chunk_size calls later); no result cache is filled.  NULL from dorm_next
 * ends the iteration: dorm_iter_errcode says whether it ended by error.  An
 * iteration stopped before its end must be closed with dorm_iter_close (it
 * holds a running statement and its chunk memory). */
typedef struct dorm_iter dorm_iter;
DORM_API dorm_iter *dorm_iterator(dorm_qs *qs, size_t chunk_size);
DORM_API void *dorm_next(dorm_iter *it);
DORM_API int dorm_iter_errcode(const dorm_iter *it);
/* Ends the iteration early; safe after the end too.  Accepts NULL. */
DORM_API void dorm_iter_close(dorm_iter *it);

/* ---- rows of values() / values_list() ---- */

/* One row of a values() / values_list() / aggregate() QuerySet. */
typedef struct dorm_row {
    size_t n;                   /* the number of columns                     */
    const char *const *names;   /* field paths, as given to values()         */
    const dorm_value *values;   /* typed by field kind; text lives in arena  */
} dorm_row;
/* aggregate(alias=aggregate, ...): one row of aggregate values over the
 * QuerySet, named by alias (NULL: Django's "pages__avg"):
 *   const dorm_row *r = dorm_aggregate(qs, DAS(NULL, DAvg("pages")));
 *   dorm_row_get(r, "pages__avg")->u.f
 * Count gives an INT, Avg a FLOAT, Sum/Min/Max the field's type (integers
 * as INT); an aggregate over no rows is NULL (Count: 0).  NULL on error. */
DORM_API const dorm_row *dorm_qs_aggregate(dorm_qs *qs, const dorm_named *const *aggs);
#define dorm_aggregate(qs, ...) dorm_qs_aggregate((qs), DORM__NAMEDLIST(__VA_ARGS__))

/* The rows of a values()/values_list() QuerySet, NULL-terminated; NULL on error. */
DORM_API const dorm_row **dorm_rows(dorm_qs *qs, size_t *n);
/* The value named `name` in a row; NULL if the row has no such column. */
DORM_API const dorm_value *dorm_row_get(const dorm_row *row, const char *name);
#define DORM_EACH_ROW(var, qs)                                                   \
    for (const dorm_row **var##_it_ = dorm_rows((qs), NULL), *var = NULL;       \
         var##_it_ && (var = *var##_it_) != NULL; var##_it_++)

#ifdef __cplusplus
}
#endif

#endif
