/* dorm/db.h - opening a database by URL, contexts (arena + connection + error
 * state), query policies and the statement log.  Transactions are in
 * dorm/transaction.h.
 * SPDX-License-Identifier: MIT (see LICENSE) */
#ifndef DORM_DB_H
#define DORM_DB_H

#include "api.h"

#include <stdbool.h>
#include <stdint.h>

#include "model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A database connection.  Belongs to one thread at a time. */
typedef struct dorm_db dorm_db;
/* A unit of work: an arena owning every object, string and QuerySet made
 * through it, the connection it uses, and the last error. */
typedef struct dorm_ctx dorm_ctx;

/* Opens the database named by `url` for the models of `reg`:
 *   sqlite:///relative/path.db   sqlite:////absolute/path.db   sqlite://:memory:
 * A NULL url reads $DATABASE_URL.  Always returns a handle (NULL only when out
 * of memory): check dorm_db_errcode(); a failed handle must still be closed.
 * The registry must outlive the handle. */
DORM_API dorm_db *dorm_db_open(const char *url, const dorm_registry *reg);
/* Closes the connection (rolling back an open transaction).  Accepts NULL. */
DORM_API void dorm_db_close(dorm_db *db);
/* DORM_OK or the error of dorm_db_open (DORM_ECONFIG, DORM_EOPERATIONAL). */
DORM_API int dorm_db_errcode(const dorm_db *db);
/* Message of that error; never NULL; borrowed. */
DORM_API const char *dorm_db_errmsg(const dorm_db *db);
/* The backend's name: "sqlite", "postgresql", ... (borrowed). */
DORM_API const char *dorm_db_vendor(const dorm_db *db);

/* A new context on `db`.  NULL when out of memory.  Free with dorm_ctx_free,
 * which frees every object, string and QuerySet the context returned. */
DORM_API dorm_ctx *dorm_ctx_new(dorm_db *db);
DORM_API void dorm_ctx_free(dorm_ctx *cx);
DORM_API dorm_db *dorm_ctx_db(const dorm_ctx *cx);

/* The last error of the context: DORM_OK or a negative dorm_error.  Every
 * fetching, saving or deleting call clears it first, so after a successful call
 * it reads DORM_OK.  The message names the problem in Django's words. */
DORM_API int dorm_errcode(const dorm_ctx *cx);
DORM_API const char *dorm_errmsg(const dorm_ctx *cx);
DORM_API void dorm_error_clear(dorm_ctx *cx);
/* Records an error on the context, as dorm's own calls do: `code` (a
 * negative dorm_error) and the printf-style message.  For a program's own
 * hooks that report through the context (a storage's operations, a custom
 * field's conversions).  Returns `code`, so that a hook can write
 * `return dorm_ctx_fail(cx, DORM_EVALUE, "...", ...);`. */
DORM_API int dorm_ctx_fail(dorm_ctx *cx, int code, const char *fmt, ...);

/* Allocation in the context's arena (lives until dorm_ctx_free).  NULL and
 * DORM_ENOMEM on failure. */
DORM_API void *dorm_alloc(dorm_ctx *cx, size_t size);
DORM_API char *dorm_strdup(dorm_ctx *cx, const char *s);
/* printf into the arena. */
DORM_API char *dorm_sprintf(dorm_ctx *cx, const char *fmt, ...);

/* N+1 detection.  When a relation is loaded lazily (dorm_fk, dorm_related)
 * for a second object that came from the same QuerySet, the loop is the N+1
 * pattern.  WARN reports it once per QuerySet and relation, naming the fix
 * (select_related("author") / prefetch_related("books")), through `notice`
 * (NULL: stderr); STRICT refuses the lazy load with DORM_EPOLICY and that
 * message.  $DORM_NPLUSONE=warn|strict sets a new context's policy. */
typedef enum dorm_nplusone {
    DORM_NPLUSONE_OFF = 0,
    DORM_NPLUSONE_WARN,
    DORM_NPLUSONE_STRICT
} dorm_nplusone;
typedef void (*dorm_notice_fn)(const char *message, void *payload);
DORM_API void dorm_ctx_set_nplusone(dorm_ctx *cx, dorm_nplusone policy, dorm_notice_fn notice, void *payload);
/* Where the context's warnings go (Python's warnings for Django): N+1
 * notices and the Paginator's UnorderedObjectListWarning.  NULL: stderr,
 * as "dorm: <message>". */
DORM_API void dorm_ctx_set_notice(dorm_ctx *cx, dorm_notice_fn notice, void *payload);
/* A query budget: statements run through the context beyond `max` fail with
 * DORM_EPOLICY before reaching the database (max < 0: no limit).  Counting
 * starts from the context's current count. */
DORM_API void dorm_ctx_set_query_budget(dorm_ctx *cx, int64_t max);
/* Statements run through this context (what assertNumQueries counts). */
DORM_API uint64_t dorm_ctx_query_count(const dorm_ctx *cx);

/* Statement log: every executed statement with its parameters and time.
 * $DORM_DEBUG_SQL=1 logs to stderr.  The callback gets the SQL, its
 * parameters rendered as text, and the time in seconds. */
typedef void (*dorm_log_fn)(const char *sql, const char *params, double seconds, void *payload);
DORM_API void dorm_db_set_log(dorm_db *db, dorm_log_fn fn, void *payload);
/* Called from a log callback: NULL when the statement being logged
 * succeeded, else its error, "<Django exception name>: <message>" (a
 * failed statement is logged too; on stderr with "; error=..." added).
 * Borrowed, valid during the callback. */
DORM_API const char *dorm_db_log_error(const dorm_db *db);
/* Number of statements executed on the connection so far (for assertNumQueries). */
DORM_API uint64_t dorm_db_query_count(const dorm_db *db);

#ifdef __cplusplus
}
#endif

#endif
