/* db.h - the connection handle behind dorm_db: driver and connection, the
 * per-connection prepared-statement cache, transaction depth, statement log
 * and query counter.  Layers above run every statement through these calls. */
#ifndef DORM_BACKEND_DB_H
#define DORM_BACKEND_DB_H

#include "dorm.h"
#include "dorm/sys/driver.h"
#include "core/hash.h"

/* A prepared statement as the cache holds it. */
typedef struct dorm_cached_stmt {
    dorm_stmt *stmt;
    char *sql;            /* owned copy (the cache key) */
    size_t len;
    bool busy;            /* being stepped by someone   */
    bool cached;          /* false: finalize on release */
} dorm_cached_stmt;

struct dorm_db {
    const dorm_driver *drv;
    const dorm_dialect *dialect;
    dorm_conn *conn;
    const dorm_registry *reg;
    dorm_url url;
    int err;
    char errmsg[512];
    dorm_hmap stmts;         /* sql -> dorm_cached_stmt* */
    int atomic_depth;        /* 0: autocommit            */
    bool needs_rollback;     /* the innermost level must not commit */
    dorm_log_fn log;
    void *log_payload;
    bool log_stderr;         /* $DORM_DEBUG_SQL          */
    const char *log_error;   /* while logging a failed statement: its error */
    uint64_t queries;
};

/* Parses a database URL into `out` (free with dorm_url_free, also after a
 * failure).  The scheme is lower-cased; user, password and host are
 * percent-decoded and NULL when absent or empty; path is never NULL ("" when
 * absent) and excludes the '/' after the authority, so sqlite:///a.db gives
 * "a.db" and sqlite:////tmp/a.db gives "/tmp/a.db"; sqlite://:memory: and
 * sqlite:///:memory: both give ":memory:".  Query keys and values are decoded
 * as forms are ('+' is a space).  0, DORM_ENOMEM, or DORM_ECONFIG with a
 * message in e naming what is wrong (never the password). */
int dorm_url_parse(const char *url, dorm_url *out, dorm_errbuf *e);
/* The compiled-in driver whose schemes contain `scheme`, or NULL. */
const dorm_driver *dorm_driver_find(const char *scheme);
/* Frees the strings of `u` and zeroes it.  Accepts NULL. */
void dorm_url_free(dorm_url *u);

/* The statement for `sql` (len bytes, or DORM_STRLEN for NUL-terminated),
 * prepared on first use and cached; *out is busy until dorm_db_release.  If the
 * cached one is busy (a nested query with the same SQL), a private one is
 * prepared.  0, or a negative dorm_error (e.g. DORM_EOPERATIONAL "no such
 * table: x" from SQLite) with *out untouched. */
int dorm_db_prepare(dorm_db *db, const char *sql, size_t len, dorm_cached_stmt **out, dorm_errbuf *e);
/* Binds `params` (one per placeholder, in order) and takes the first step:
 * DORM_STEP_ROW, DORM_STEP_DONE, or a negative dorm_error.  Text and bytes are
 * bound without copying: they must live until dorm_db_release.  Counts the
 * statement and logs it when logging is on (also when it failed).  Release the
 * statement in every case. */
int dorm_db_run(dorm_db *db, dorm_cached_stmt *cs, const dorm_value *params, size_t nparams, dorm_errbuf *e);
/* The next step of a running statement: DORM_STEP_ROW, DORM_STEP_DONE, or a
 * negative dorm_error. */
int dorm_db_step(dorm_db *db, dorm_cached_stmt *cs, dorm_errbuf *e);
/* Done with a statement: resets it for reuse (or finalizes a private one).
 * Accepts NULL. */
void dorm_db_release(dorm_db *db, dorm_cached_stmt *cs);
/* Runs a statement and calls row(stmt, payload) for each result row (read
 * it with db->drv->column_*).  0 or a negative dorm_error. */
int dorm_db_query(dorm_db *db, const char *sql, const dorm_value *params, size_t nparams,
                  void (*row)(dorm_db *db, dorm_stmt *st, void *payload), void *payload, dorm_errbuf *e);
/* Runs parameterless SQL that returns no rows (DDL), logged ("args=None") and
 * counted, not cached.  0 or a negative dorm_error. */
int dorm_db_exec(dorm_db *db, const char *sql, dorm_errbuf *e);

/* Logs a statement that failed before it ran (its prepare), with e's error,
 * when logging is on. */
void dorm_db_log_failed(dorm_db *db, const char *sql, size_t len, const dorm_value *params, size_t n,
                        const dorm_errbuf *e);
/* Appends the parameters as the statement log shows them, a Python tuple:
 * "()", "('x',)", "('x', 3)". */
void dorm_render_params(dorm_buf *b, const dorm_value *params, size_t n);

/* Transactions.  begin: depth 0 -> BEGIN, deeper -> SAVEPOINT "dorm_s<depth>".
 * commit: releases the innermost level (COMMIT or RELEASE SAVEPOINT); a level
 * that fails to commit, or was marked with needs_rollback, is rolled back and
 * the error returned.  rollback: undoes the innermost level (ROLLBACK, or
 * ROLLBACK TO + RELEASE SAVEPOINT).  0, DORM_ETRANSACTION when no level is
 * open, or the driver's error; on any outcome of commit/rollback the level is
 * closed. */
int dorm_db_begin(dorm_db *db, dorm_errbuf *e);
/* begin for a block that will write: at depth 0 the driver's write
 * transaction (SQLite: BEGIN IMMEDIATE, which waits out the busy timeout for
 * the write lock). */
int dorm_db_begin_write(dorm_db *db, dorm_errbuf *e);
int dorm_db_commit(dorm_db *db, dorm_errbuf *e);
int dorm_db_rollback(dorm_db *db, dorm_errbuf *e);

#endif
