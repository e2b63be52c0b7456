/* dorm/databases.h - several databases at once, as Django's DATABASES,
 * connections and DATABASE_ROUTERS: aliases opened from URLs, a chain of
 * routers written as C functions, contexts that route each QuerySet and
 * object to its database, and the read-replica router.
 * SPDX-License-Identifier: MIT (see LICENSE) */
#ifndef DORM_DATABASES_H
#define DORM_DATABASES_H

#include "api.h"

#include <stdbool.h>

#include "db.h"
#include "pool.h"
#include "query.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The aliases and routers of a program (Django's settings.DATABASES and
 * DATABASE_ROUTERS).  Set up once, from one thread; after that it is shared
 * read-only by every thread, each making its own contexts on it. */
typedef struct dorm_databases dorm_databases;

/* An empty set for the models of `reg` (which must outlive it).  NULL only
 * when out of memory. */
DORM_API dorm_databases *dorm_databases_new(const dorm_registry *reg);
/* Frees the set and closes its pools.  Every context made on it must be
 * freed first.  Accepts NULL. */
DORM_API void dorm_databases_free(dorm_databases *dbs);

/* Adds the database `alias` at `url` (as dorm_db_open takes it), with a
 * connection pool of `opts` (NULL: DORM_POOL_OPTS_INIT).  The first alias
 * added should be "default" (Django's DEFAULT_DB_ALIAS): what a context
 * uses when nothing else decides.  An alias is a name
 * ([A-Za-z_][A-Za-z0-9_]*, at most 63 characters).  One connection is
 * opened at once, so a bad URL is reported here.  0, or DORM_ECONFIG (a
 * bad or repeated alias, a bad URL), DORM_EOPERATIONAL (the server cannot
 * be reached) with dorm_databases_errmsg saying why. */
DORM_API int dorm_databases_add(dorm_databases *dbs, const char *alias, const char *url, const dorm_pool_opts *opts);
/* Adds the aliases of the environment, as Django projects read DATABASES
 * from it: $DATABASE_URL is "default", and each $DATABASE_URL_NAME is the
 * alias NAME in lower case (DATABASE_URL_ARCHIVE -> "archive"), in the
 * order of their names.  0 or the first error of dorm_databases_add;
 * DORM_ECONFIG when DATABASE_URL is not set. */
DORM_API int dorm_databases_add_env(dorm_databases *dbs, const dorm_pool_opts *opts);
/* The message of the last failed call on the set (never NULL; borrowed). */
DORM_API const char *dorm_databases_errmsg(const dorm_databases *dbs);
/* The aliases, in the order they were added (Django's `connections`):
 * their number, and the name of the i-th (borrowed; NULL past the end). */
DORM_API int dorm_databases_count(const dorm_databases *dbs);
DORM_API const char *dorm_databases_alias(const dorm_databases *dbs, int i);
/* The pool of an alias (for its stats), or NULL for an unknown alias. */
DORM_API dorm_pool *dorm_databases_pool(const dorm_databases *dbs, const char *alias);

/* What a router is asked with (Django's **hints). */
typedef struct dorm_hints {
    dorm_ctx *cx;             /* the context asking                            */
    const void *instance;     /* the object read or written for, or NULL      */
    /* Aliases found unreachable for this read, which a router should not
     * answer again (NULL-terminated; NULL: none).  dorm asks the chain again
     * with the alias added when a connection to it cannot be had, until a
     * router answers an alias not in the list or none does ("default"). */
    const char *const *unavailable;
} dorm_hints;

/* A router (Django's router classes): any function may be NULL, meaning no
 * opinion.  db_for_read / db_for_write answer an alias or NULL;
 * allow_relation and allow_migrate answer 1 (allow), 0 (refuse) or -1 (no
 * opinion).  Routers are asked in the order they were added; the first
 * answer other than NULL / -1 counts.  Without one: reads and writes of an
 * object go to the database it came from, else "default"; a relation is
 * allowed between objects of the same database; every migration is
 * allowed.  allow_migrate gets the alias, the app label and the model's
 * name in lower case (NULL for operations without one, RunSQL and RunC).
 * Called from any thread: a router keeps no unguarded state. */
typedef struct dorm_router {
    /* The alias to read `model` from, or NULL: no opinion. */
    const char *(*db_for_read)(const dorm_model *model, const dorm_hints *hints, void *payload);
    /* The alias to write `model` to, or NULL: no opinion. */
    const char *(*db_for_write)(const dorm_model *model, const dorm_hints *hints, void *payload);
    /* 1: the relation is allowed, 0: refused, -1: no opinion. */
    int (*allow_relation)(const void *obj1, const void *obj2, const dorm_hints *hints, void *payload);
    /* 1: migrate it on `db`, 0: not there, -1: no opinion. */
    int (*allow_migrate)(const char *db, const char *app_label, const char *model_name, const dorm_hints *hints,
                         void *payload);
    void *payload;          /* given to each function */
} dorm_router;

/* Appends a router to the chain (copied).  0 or DORM_ENOMEM. */
DORM_API int dorm_databases_add_router(dorm_databases *dbs, const dorm_router *router);

/* Django's router calls, for a program that wants the answer itself:
 * the alias a read / write of `model` goes to (borrowed), whether a
 * relation between two objects is allowed, and whether `model` (NULL: an
 * operation of `app_label` without a model) may be migrated on `alias`. */
DORM_API const char *dorm_db_for_read(dorm_ctx *cx, const dorm_model *model, const void *instance);
DORM_API const char *dorm_db_for_write(dorm_ctx *cx, const dorm_model *model, const void *instance);
DORM_API bool dorm_allow_relation(dorm_ctx *cx, const void *obj1, const void *obj2);
DORM_API bool dorm_allow_migrate(dorm_ctx *cx, const char *alias, const char *app_label, const dorm_model *model);

/* A context on the set: every QuerySet and object call is routed to its
 * alias, which borrows a connection from that alias's pool.  Free with
 * dorm_ctx_free.  NULL when out of memory. */
DORM_API dorm_ctx *dorm_ctx_new_databases(dorm_databases *dbs);
/* The context's connection to `alias` (Django's connections[alias]): for its
 * statement log (dorm_db_set_log), query count (dorm_db_query_count) and
 * signals.  A context made by dorm_ctx_new knows only "default", its
 * database.  NULL, with DORM_ECONFIG on the context ("The connection 'x'
 * doesn't exist."), for an alias it does not know. */
DORM_API dorm_db *dorm_ctx_db_using(dorm_ctx *cx, const char *alias);
/* The alias the calls that take Django's `using=` / `--database` run on when
 * given none: atomic blocks, cursors, create_all, migrate, dumpdata,
 * loaddata, flush ("default" until changed).  QuerySets and objects are
 * routed and do not depend on it.  Returns the alias it replaces
 * (borrowed), or NULL with DORM_ECONFIG for an unknown alias. */
DORM_API const char *dorm_ctx_use(dorm_ctx *cx, const char *alias);

/* QuerySet.using(alias): the QuerySet runs on that database, whatever the
 * routers say.  An unknown alias fails the QuerySet (sticky) with
 * DORM_ECONFIG. */
DORM_API dorm_qs *dorm_using(dorm_qs *qs, const char *alias);
/* QuerySet.db: the alias a QuerySet reads from (its using(), else the
 * routers' db_for_read, else "default"); borrowed.  NULL on error. */
DORM_API const char *dorm_qs_db(dorm_qs *qs);
/* Model._state.db: the alias the object was read from or last saved to;
 * NULL for one never saved nor read. */
DORM_API const char *dorm_obj_db(const void *obj);
/* save(using=alias): saves to that database, whatever the routers say (an
 * object with a key that the other database does not have is inserted;
 * Django's rule, as dorm_save).  The object then belongs to `alias`. */
DORM_API int dorm_save_using(void *obj, const char *alias);
/* delete(using=alias): deletes the object (and what cascades from it) on
 * that database.  As dorm_delete. */
DORM_API int dorm_delete_using(void *obj, const char *alias, struct dorm_deleted *out);
/* Seconds since the context's last write to `alias` ended (a write outside
 * a transaction, or the commit of one that wrote); a negative number when
 * it never wrote there.  What read-your-writes routing asks. */
DORM_API double dorm_ctx_since_write(dorm_ctx *cx, const char *alias);
/* Whether a transaction is open on the context's connection to `alias`. */
DORM_API bool dorm_in_atomic_using(dorm_ctx *cx, const char *alias);
/* atomic(using=alias): dorm_atomic_begin_with on that database.  The
 * block's commit / rollback / end calls (and set_rollback, savepoints,
 * on_commit) act on the innermost open block, whichever database it is on. */
DORM_API int dorm_atomic_begin_using(dorm_ctx *cx, const char *alias, unsigned flags);

/* A primary with read replicas (Django's documented primary/replica
 * router, made safe for replication lag):
 *   - writes go to `primary`;
 *   - reads go to the replicas in turn, except: inside a transaction on
 *     the primary, and within `read_your_writes` seconds after the same
 *     context's last write there (read-your-writes: a context sees its own
 *     writes; another context may read a stale replica), they go to the
 *     primary;
 *   - a replica that cannot be reached is skipped (dorm asks again), and
 *     with none left reads go to the primary;
 *   - relations are allowed between objects of these databases; migrations
 *     run on the primary only (replicas receive them by replication).
 * `replicas` is NULL-terminated and copied.  0, DORM_ECONFIG (an alias the
 * set does not have) or DORM_ENOMEM. */
DORM_API int dorm_databases_add_replica_router(dorm_databases *dbs, const char *primary, const char *const *replicas,
                                      double read_your_writes);

#ifdef __cplusplus
}
#endif

#endif
