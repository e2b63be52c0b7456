/* dorm/crud.h - creating, saving, refreshing and deleting objects, QuerySet
 * update()/delete(), get_or_create / update_or_create and the bulk calls.
 * SPDX-License-Identifier: MIT (see LICENSE) */
#ifndef DORM_CRUD_H
#define DORM_CRUD_H

#include "api.h"

#include <stdbool.h>
#include <stdint.h>

#include "query.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Model(): a new unsaved object in the context's arena with every field at its
 * default (Django's: the field's default, else NULL for null=True fields, ""
 * for text fields, 0/false otherwise).  NULL on allocation failure. */
DORM_API void *dorm_new_(dorm_ctx *cx, const dorm_model *model);
#define dorm_new(cx, Model) ((Model *)dorm_new_((cx), &Model##_model))

/* Model.objects.create(**fields) from a compound literal:
 *   Book *b = dorm_create(cx, Book, .title = "Emma", .pages = 474);
 * Members left at zero (0, NULL, a zero date) take the field's default when it
 * has one; to store an explicit zero over a non-zero default, use dorm_new and
 * dorm_save.  Returns the saved object (arena) or NULL on error. */
DORM_API void *dorm_create_(dorm_ctx *cx, const dorm_model *model, const void *init);
#define dorm_create(cx, Model, ...) \
    ((Model *)dorm_create_((cx), &Model##_model, &(Model){._dorm = {0}, __VA_ARGS__}))

/* save(): INSERT for a new object (filling its primary key), UPDATE for one
 * loaded from the database (and INSERT when that UPDATE matched no row), as
 * Django decides.  0 or a negative dorm_error (DORM_EINTEGRITY, ...); on error
 * the database is unchanged. */
DORM_API int dorm_save(void *obj);
/* save(update_fields=[...]): UPDATE of just these fields. */
DORM_API int dorm_save_fields_(void *obj, const char *const *fields);
#define dorm_save_fields(obj, ...) dorm_save_fields_((obj), DORM_LIST(__VA_ARGS__))
/* refresh_from_db(): reloads every field.  DORM_EDOESNOTEXIST if the row is gone. */
DORM_API int dorm_refresh(void *obj);
/* obj.pk: the object's primary key (NULL while it has none); a composite
 * key's is the list of its fields' values (Django's tuple), in the object's
 * context's arena. */
DORM_API dorm_value dorm_pk_of(const void *obj);

/* What a delete removed: the total and a count per model label ("library.Book"),
 * sorted by label.  When a delete is refused (DORM_EPROTECTED, DORM_ERESTRICTED)
 * `blocking` lists the objects that refused it (Django's protected_objects /
 * restricted_objects), each once, NULL-terminated, in the context's arena;
 * the message names every relation they are reached through. */
typedef struct dorm_deleted {
    int64_t total;               /* rows deleted, every model              */
    size_t n;                    /* models in labels and counts            */
    const char *const *labels;   /* "library.Book", sorted                 */
    const int64_t *counts;       /* rows deleted per label                 */
    void *const *blocking;       /* refused delete: the objects refusing it */
    size_t nblocking;            /* how many objects blocking holds        */
} dorm_deleted;
/* obj.delete(): 0 or a negative dorm_error.  `out` may be NULL.  A model
 * with a `.delete` override runs that instead (a soft delete). */
DORM_API int dorm_delete(void *obj, dorm_deleted *out);
/* The built-in Model.delete(), whatever the model overrides: what an
 * override calls for Django's super().delete(). */
DORM_API int dorm_base_delete(void *obj, dorm_deleted *out);
/* qs.delete(): the QuerySet class's delete when it has one (a soft delete),
 * else the built-in. */
DORM_API int dorm_qs_delete(dorm_qs *qs, dorm_deleted *out);
/* The built-in QuerySet.delete() (the collector), whatever the QuerySet's
 * class overrides: Django's super().delete() in an override (hard_delete). */
DORM_API int dorm_qs_base_delete(dorm_qs *qs, dorm_deleted *out);
/* "library.Author: 1, library.Book: 3" in the arena. */
DORM_API const char *dorm_deleted_str(dorm_ctx *cx, const dorm_deleted *d);

/* qs.update(field=value, ...): the number of rows matched, or a negative
 * dorm_error. */
DORM_API int64_t dorm_qs_update(dorm_qs *qs, const dorm_set *const *sets);
#define dorm_update(qs, ...) dorm_qs_update((qs), DORM__SETLIST(__VA_ARGS__))

/* get_or_create(defaults, **lookups): *created tells which happened.
 * `defaults` is a NULL-terminated list (DORM__SETLIST via DORM_DEFAULTS) or NULL. */
DORM_API void *dorm_qs_get_or_create(dorm_qs *qs, bool *created, const dorm_set *const *defaults,
                            const dorm_q *const *lookups);
DORM_API void *dorm_qs_update_or_create(dorm_qs *qs, bool *created, const dorm_set *const *defaults,
                               const dorm_q *const *lookups);
#define DORM_DEFAULTS(...) DORM__SETLIST(__VA_ARGS__)
#define dorm_get_or_create(qs, created, defaults, ...) \
    dorm_qs_get_or_create((qs), (created), (defaults), DORM__QLIST(__VA_ARGS__))
#define dorm_update_or_create(qs, created, defaults, ...) \
    dorm_qs_update_or_create((qs), (created), (defaults), DORM__QLIST(__VA_ARGS__))

/* bulk_create(objs): inserts `n` objects in batches (0: the backend's largest
 * batch), filling their primary keys.  0 or a negative dorm_error; all or
 * nothing. */
DORM_API int dorm_bulk_create_(dorm_ctx *cx, const dorm_model *model, void *const *objs, size_t n,
                      size_t batch_size);
#define dorm_bulk_create(cx, Model, objs, n, batch) \
    dorm_bulk_create_((cx), &Model##_model, (void *const *)(objs), (n), (batch))
/* bulk_create()'s keyword arguments (all zero: Django's defaults).  Field
 * lists are NULL-terminated names (DORM_LIST("name", "rank")); "pk" names
 * the primary key in unique_fields. */
typedef struct dorm_bulk_create_opts {
    size_t batch_size;                 /* 0: the backend's largest batch      */
    bool ignore_conflicts;             /* rows that would conflict are skipped */
    bool update_conflicts;             /* ... update the row they conflict with */
    const char *const *update_fields;  /* update_conflicts: the fields updated */
    const char *const *unique_fields;  /* update_conflicts: the conflict target */
} dorm_bulk_create_opts;
/* bulk_create(objs, batch_size, ignore_conflicts, update_conflicts,
 * update_fields, unique_fields) (Django 4.1+):
 *   dorm_bulk_create_with(cx, Book, objs, n, &(dorm_bulk_create_opts){
 *       .update_conflicts = true, .update_fields = DORM_LIST("title"),
 *       .unique_fields = DORM_LIST("isbn")});
 * ignore_conflicts skips the rows that would break a unique constraint, and
 * leaves the primary keys of the objects unset; update_conflicts updates
 * update_fields of the row each conflicting one meets instead (the keys
 * are read back where the backend returns rows: every backend dorm has).
 * unique_fields is required where the backend names the conflict target
 * (SQLite, PostgreSQL) and refused where it cannot (MySQL/MariaDB).
 * Misuse fails before any SQL with Django's message (DORM_EVALUE,
 * DORM_EFIELD for an unknown field, DORM_ENOTSUPPORTED for an option the
 * backend lacks).  opts may be NULL.  0 or a negative dorm_error; all or
 * nothing. */
DORM_API int dorm_bulk_create_with_(dorm_ctx *cx, const dorm_model *model, void *const *objs, size_t n,
                           const dorm_bulk_create_opts *opts);
#define dorm_bulk_create_with(cx, Model, objs, n, ...) \
    dorm_bulk_create_with_((cx), &Model##_model, (void *const *)(objs), (n), __VA_ARGS__)
/* bulk_update(objs, fields): the number of rows updated, or a negative
 * dorm_error. */
DORM_API int64_t dorm_bulk_update_(dorm_ctx *cx, const dorm_model *model, void *const *objs, size_t n,
                          const char *const *fields, size_t batch_size);
#define dorm_bulk_update(cx, Model, objs, n, ...) \
    dorm_bulk_update_((cx), &Model##_model, (void *const *)(objs), (n), DORM_LIST(__VA_ARGS__), 0)

/* Forward relation access: the related object, loaded on first use and cached
 * on the object (book.author).  NULL when the key is NULL or on error. */
DORM_API void *dorm_fk_load_(void *obj, void *member);
#define dorm_fk(o_, m_) ((o_)->m_.obj ? (o_)->m_.obj : (dorm_fk_load_((o_), &(o_)->m_), (o_)->m_.obj))
/* The reverse related manager (author.books): a QuerySet of the objects whose
 * ForeignKey points at obj, by the relation's accessor name (related_name, or
 * "<model>_set").  When prefetch_related loaded the relation, the QuerySet is
 * already evaluated from that cache (chaining filter/order_by queries again,
 * as in Django). */
DORM_API dorm_qs *dorm_related(void *obj, const char *name);
/* The reverse side of a OneToOneField (author.profile): the one related
 * object, loaded on each call; NULL with DORM_EDOESNOTEXIST ("Author has no
 * profile.", Django's RelatedObjectDoesNotExist) when there is none. */
DORM_API void *dorm_related_one(void *obj, const char *name);
/* The related manager's writes (Django's RelatedManager for a ForeignKey),
 * each one statement (set: in one transaction), each dropping the owner's
 * prefetched list:
 *   dorm_related_add(a, "books", objs, n)     UPDATE ... SET author_id = a.pk WHERE id IN (...)
 *   dorm_related_remove(a, "books", objs, n)  ... SET author_id = NULL (nullable keys only)
 *   dorm_related_clear(a, "books")            every related row loses its key (nullable only)
 *   dorm_related_set(a, "books", objs, n)     remove the others (nullable), add these
 *   dorm_related_create(a, "books", Book, .title = "Emma")   create() with the key set
 * Objects must be saved instances of the related model.  0 or a negative
 * dorm_error; create returns the object or NULL. */
DORM_API int dorm_related_add(void *owner, const char *name, void *const *objs, size_t n);
DORM_API int dorm_related_remove(void *owner, const char *name, void *const *objs, size_t n);
DORM_API int dorm_related_clear(void *owner, const char *name);
DORM_API int dorm_related_set(void *owner, const char *name, void *const *objs, size_t n);
DORM_API void *dorm_related_create_(void *owner, const char *name, const void *init);
#define dorm_related_create(owner, name, Model, ...) \
    ((Model *)dorm_related_create_((owner), (name), &(Model){._dorm = {0}, __VA_ARGS__}))
/* Many-to-many managers (book.tags, and the reverse tag.books) take the same
 * calls, writing rows of the join table in one transaction each:
 *   dorm_related_add(b, "tags", objs, n)     inserts the pairs not there yet
 *   dorm_related_remove(b, "tags", objs, n)  deletes those pairs
 *   dorm_related_clear(b, "tags")            deletes every pair of b
 *   dorm_related_set(b, "tags", objs, n)     deletes the others, adds the missing
 *   dorm_related_create(b, "tags", Tag, .name = "x")  creates a Tag and adds it
 * A symmetrical relation to the model itself writes both directions.  The
 * _with variants give values for the other columns of an explicit `through`
 * model (Django's through_defaults): DORM_DEFAULTS(DSET("rating", 5)). */
/* add / remove / set naming the other side of a many-to-many relation by
 * primary key as well as by object, as Django's managers take both
 * (art.labels.add("classic", poetry)): each item is an object (DV(obj)) or
 * a key value, converted as the related model's primary key converts what
 * it is compared with (DV("3") for an integer key is 3).  m2m_changed's
 * pk_set holds the keys.  A ForeignKey's related manager takes objects
 * only, as Django's: a key there is DORM_EVALUE ("'Book' instance
 * expected, got 'x'.").  Same contracts as dorm_related_add & co.
 *   dorm_related_add_values(art, "labels", DORM_ARGS(DV("classic"), DV("poetry"))) */
DORM_API int dorm_related_add_values(void *owner, const char *name, const dorm_value *items, size_t n);
DORM_API int dorm_related_remove_values(void *owner, const char *name, const dorm_value *items, size_t n);
DORM_API int dorm_related_set_values(void *owner, const char *name, const dorm_value *items, size_t n);
/* The join model of a ManyToManyField (Django's Book.tags.through): the
 * automatic one ("Book_tags", table library_book_tags) or the `through`
 * model.  Query it like any model; NULL with DORM_EFIELD when `field` is not
 * a many-to-many field of `model`. */
DORM_API const dorm_model *dorm_through(dorm_ctx *cx, const dorm_model *model, const char *field);
DORM_API int dorm_related_add_with(void *owner, const char *name, void *const *objs, size_t n,
                          const dorm_set *const *through_defaults);
DORM_API int dorm_related_set_with(void *owner, const char *name, void *const *objs, size_t n,
                          const dorm_set *const *through_defaults);
DORM_API void *dorm_related_create_with_(void *owner, const char *name, const void *init,
                                const dorm_set *const *through_defaults);
#define dorm_related_create_with(owner, name, through_defaults, Model, ...) \
    ((Model *)dorm_related_create_with_((owner), (name), &(Model){._dorm = {0}, __VA_ARGS__}, (through_defaults)))
/* Assigning a related object (book.author = a): sets the key and the cache.
 * 0, or DORM_EVALUE when the databases' routers refuse the relation
 * (objects of two databases: "Cannot assign "<Person: Ann>": the current
 * database router prevents this relation."), the member then unchanged and
 * its cache emptied. */
DORM_API int dorm_fk_set_(void *obj, void *member, const void *target);
#define dorm_fk_set(o_, m_, target) dorm_fk_set_((o_), &(o_)->m_, ((o_)->m_.obj = (target)))

/* str(obj): the model's `str` hook, else "<Model> object (<pk>)"; in the
 * object's context arena or borrowed.  Never NULL ("" when out of memory). */
DORM_API const char *dorm_obj_str(const void *obj);
/* type(obj): the model an object is of (a proxy's object is of the proxy,
 * a child's of the child), as dorm made it; NULL for NULL. */
DORM_API const dorm_model *dorm_obj_model(const void *obj);

/* full_clean() and the rest of validation: dorm/validate.h. */

#ifdef __cplusplus
}
#endif

#endif
