/* exec.h - running compiled SQL and turning rows into objects or values:
 * the calls shared by fetching, saving, deleting and bulk operations. */
#ifndef DORM_EXEC_EXEC_H
#define DORM_EXEC_EXEC_H

#include "model/fields.h"
#include "query/compiler.h"

/* What an object carries besides its fields (its header's `ext`): relations
 * loaded by prefetch_related, and annotation values. */
typedef struct dorm_relcache {
    const dorm_rel *rel;
    const char *attr; /* a Prefetch's to_attr; NULL: the relation's cache */
    void **objs; /* NULL-terminated */
    size_t n;
    struct dorm_relcache *next;
} dorm_relcache;

typedef struct dorm_obj_ext {
    dorm_relcache *rels;
    int nann;
    const dorm_ann *ann;
    dorm_value *values;
} dorm_obj_ext;

/* The extension block of an object, made in its context's arena on first
 * use.  NULL on ENOMEM. */
dorm_obj_ext *dorm_obj__ext_of(void *obj);

/* Prepares (cached) and runs `s`.  Returns DORM_STEP_ROW / DORM_STEP_DONE with
 * *out holding the statement (release it with dorm_db__release), or a negative
 * dorm_error recorded on cx (nothing to release). */
int dorm__exec(dorm_ctx *cx, dorm_sql *s, dorm_cached_stmt **out);
/* Runs `s` to completion; returns the number of rows changed, or a negative
 * dorm_error recorded on cx. */
int64_t dorm_exec__change(dorm_ctx *cx, dorm_sql *s);
/* Next row of a running statement: ROW, DONE or a negative error on cx. */
int dorm_exec__step(dorm_ctx *cx, dorm_cached_stmt *cs);

/* Keeps a fetching call's outcome on qs (DORM_OK clears it): dorm_qs_errcode
 * and dorm_qs_errmsg report it until the next fetch of qs, so a loop that
 * yields nothing because its query failed can be told from an empty one.
 * The message is the context's.  A failed QuerySet keeps its own error. */
void dorm_qs__note(dorm_qs *qs, int code);

/* A new object of model m read from the current row, columns from `col` in
 * field order; allocated in `arena` (strings too).  NULL on ENOMEM/bad data
 * (recorded on cx). */
void *dorm__materialize(dorm_ctx *cx, dorm_arena *arena, const dorm_meta *m, dorm_cached_stmt *cs, int col);
/* The same for an object whose `deferred` fields (bit per field) were not
 * selected: those members stay zero and are marked deferred. */
void *dorm_materialize__some(dorm_ctx *cx, dorm_arena *arena, const dorm_meta *m, dorm_cached_stmt *cs, int col,
                             uint64_t deferred);
/* The object of a row of an objects QuerySet, with its select_related
 * objects attached to their ForeignKey members.  NULL on error (on cx). */
void *dorm_materialize__row(dorm_ctx *cx, dorm_arena *arena, const dorm_qs *qs, dorm_cached_stmt *cs);
/* Runs prefetch_related `paths` for objs[0..n) of model m.  0 or an error. */
int dorm_prefetch__objects(dorm_ctx *cx, const dorm_meta *m, void **objs, size_t n, const dorm_prefetch *const *items);
/* Reads field fm of an existing object from column `col` (refresh). */
int dorm_read__field(dorm_ctx *cx, dorm_arena *arena, void *obj, const dorm_fmeta *fm, dorm_cached_stmt *cs, int col);
/* The typed value of column `col` for a field (values() rows). */
int dorm_read__value(dorm_ctx *cx, dorm_arena *arena, const dorm_fmeta *fm, dorm_cached_stmt *cs, int col,
                     dorm_value *out);

/* Django's validate_no_broken_transaction: DORM_OK, or DORM_ETRANSACTION
 * recorded on cx when the open block is marked for rollback. */
int dorm_tx__usable(dorm_ctx *cx);
/* Runs fn inside atomic(): a savepoint when a transaction is open, else a
 * write transaction (dorm_db__begin_write).  The result of fn is returned; on
 * failure everything fn did is rolled back. */
int dorm_in__transaction(dorm_ctx *cx, int (*fn)(void *payload), void *payload);
/* The same without a savepoint inside an open transaction (Django's
 * atomic(savepoint=False)): a failure marks the enclosing block. */
int dorm_in__block(dorm_ctx *cx, bool savepoint, int (*fn)(void *payload), void *payload);
/* Sets fields of obj by name from values (get_or_create's defaults, an M2M
 * manager's through_defaults).  0, or DORM_EFIELD / DORM_EVALUE recorded. */
int dorm_apply__sets(dorm_ctx *cx, const dorm_meta *m, void *obj, const dorm_set *const *sets);
/* m2m.c: the many-to-many side of the related managers (rel from
 * dorm_meta__m2m_accessor), the other side named by objects or keys (as
 * dorm_related_add_values); same contracts as dorm_related_add & co. */
int dorm_m2m__add(void *owner, const dorm_rel *rel, const dorm_value *items, size_t n,
                  const dorm_set *const *through_defaults);
int dorm_m2m__remove(void *owner, const dorm_rel *rel, const dorm_value *items, size_t n);
int dorm_m2m__clear(void *owner, const dorm_rel *rel);
int dorm_m2m__set(void *owner, const dorm_rel *rel, const dorm_value *items, size_t n,
                  const dorm_set *const *through_defaults);
void *dorm_m2m__create(void *owner, const dorm_rel *rel, const void *init, const dorm_set *const *through_defaults);
/* The primary keys of objs for a related manager's write: saved instances
 * of rel->model, else DORM_EVALUE with Django's message. */
int dorm_related__keys(dorm_ctx *cx, const dorm_rel *rel, void *const *objs, size_t n, dorm_value **out);
/* schema.c: the table definition of a model (its meta in cx's registry), in
 * the arena.  0 or a negative error. */
int dorm_table__def_of(dorm_ctx *cx, const dorm_meta *m, dorm_table_def *t);
/* Runs one DDL statement on the context's connection (a dorm_schema_emit
 * whose payload is the dorm_ctx): 0 or the error, recorded on cx. */
int dorm_exec__ddl(const char *sql, void *payload);
/* Forgets an owner's prefetched list of a relation (writes make it stale). */
void dorm_relcache__drop(void *owner, const dorm_rel *rel);

/* Sets the auto_now (and, when adding, auto_now_add) fields to now. */
void dorm_touch__auto_now(void *obj, bool adding);
/* Query policies (policy.c).  dorm_policy__query: counts a statement, or
 * refuses it with DORM_EPOLICY when the budget is spent.  dorm_policy__mark:
 * tags the objects of one evaluated QuerySet.  dorm_policy__lazy: records a
 * lazy load of `relation` (named `name`, forward or reverse) for obj; 0, or
 * DORM_EPOLICY under the strict N+1 policy. */
int dorm_policy__query(dorm_ctx *cx);
/* A warning to the context's notice callback (stderr without one). */
void dorm__notice(dorm_ctx *cx, const char *msg);
void dorm_policy__mark(dorm_ctx *cx, void **objs, size_t n);
int dorm_policy__lazy(void *obj, const void *relation, const char *name, bool forward);

/* field_validators.c: Field.run_validators for a value of field fm (not
 * NULL, not empty), errors added to errs.  0 or DORM_ENOMEM. */
int dorm_run__validators(dorm_verrors *errs, const dorm_fmeta *fm, const dorm_value *value);
/* The message of a kind's to_python failure (Django's error_messages
 * 'invalid', "“%(value)s” value must be an integer."), or NULL. */
const char *dorm_kind__invalid_message(dorm_kind k);
/* unique.c: validate_unique's checks of obj, errors added to errs.  0, or
 * the error of a query. */
int dorm_unique__check(void *obj, const char *const *exclude, dorm_verrors *errs);
/* signals.c: whether a receiver wants `sig` from sender (a model, join model
 * or app) on cx's connection, and sending: each returns 0 or the first
 * receiver's error (recorded on the context).  save: pre_save/post_save of
 * obj; delete: pre_delete/post_delete of obj (an m's object); m2m: the
 * m2m_changed `action` of owner's many-to-many direction rel with the
 * other side's keys (NULL: clear); migrate: pre_migrate/post_migrate per
 * app. */
bool dorm_signal__wanted(dorm_ctx *cx, dorm_signal sig, const void *sender);
int dorm_signal__send(dorm_ctx *cx, dorm_signal_event *ev);
const char *dorm_signal__name(dorm_signal sig);
int dorm_signal__save(void *obj, dorm_signal sig, bool created, bool raw, const char *const *update_fields);
int dorm_signal__delete(dorm_ctx *cx, dorm_signal sig, const dorm_meta *m, void *obj);
int dorm_signal__m2m(void *owner, const dorm_rel *rel, const char *action, const dorm_value *pks, size_t n);
int dorm_signal__migrate(dorm_ctx *cx, dorm_signal sig, const dorm_app *const *apps, int verbosity, bool interactive);
/* save() as loaddata saves (Django's save_base(raw=True)): the fields as
 * given (no auto_now), signals with raw set.  0 or a negative error. */
int dorm_save__raw(void *obj);

/* raw.c: raw SQL with Django's "%s" placeholders and "%%" into s, the n
 * params bound (borrowed).  0, or DORM_EPROGRAMMING (a stray '%', a count
 * that differs, a list) recorded on the context. */
int dorm_raw__compile(dorm_sql *s, const char *sql, const dorm_value *params, size_t n);
/* A copy of params whose text and bytes live in the arena (they stay bound
 * while a statement runs); NULL on ENOMEM. */
dorm_value *dorm_raw__params(dorm_ctx *cx, const dorm_value *params, size_t n);
/* Column col of the current row of raw SQL, typed by the kind the driver
 * reports (NULL as DORM_T_NULL).  0 or a negative error on cx. */
int dorm_raw__value(dorm_ctx *cx, dorm_arena *arena, dorm_cached_stmt *cs, int col, dorm_value *out);

/* storage.c: Django's validate_file_name(name, allow_relative_path=True):
 * a base name that is a name, no absolute path, no "..".  0 or
 * DORM_ESUSPICIOUS with Django's message. */
int dorm_file__name_check(dorm_ctx *cx, const char *name);

#endif
