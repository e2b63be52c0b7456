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
    bool needs_rollback;
    dorm_log_fn log;
    void *log_payload;
    bool log_stderr;         /* $DORM_DEBUG_SQL          */
    uint64_t queries;
};

/* Parses a database URL into `out` (free with dorm_url_free).  0, or
 * DORM_ECONFIG with a message in e naming what is wrong (never the password). */
int dorm_url_parse(const char *url, dorm_url *out, dorm_errbuf *e);
void dorm_url_free(dorm_url *u);

/* The statement for `sql`, prepared on first use and cached.  If the cached
 * one is busy (a nested query with the same SQL), a private one is prepared.
 * 0 or a negative dorm_error. */
int dorm_db_prepare(dorm_db *db, const char *sql, size_t len, dorm_cached_stmt **out, dorm_errbuf *e);
/* Binds `params` and takes the first step: DORM_STEP_ROW, DORM_STEP_DONE, or a
 * negative dorm_error.  Logs and counts the statement. */
int dorm_db_run(dorm_db *db, dorm_cached_stmt *cs, const dorm_value *params, size_t nparams, dorm_errbuf *e);
/* The next step of a running statement. */
int dorm_db_step(dorm_db *db, dorm_cached_stmt *cs, dorm_errbuf *e);
/* Done with a statement: resets it for reuse (or finalizes a private one). */
void dorm_db_release(dorm_db *db, dorm_cached_stmt *cs);
/* Runs parameterless SQL that returns no rows (DDL), logged and counted. */
int dorm_db_exec(dorm_db *db, const char *sql, dorm_errbuf *e);

/* Transactions: depth 0 -> BEGIN, deeper -> SAVEPOINT dorm_sN.  0 or error. */
int dorm_db_begin(dorm_db *db, dorm_errbuf *e);
int dorm_db_commit(dorm_db *db, dorm_errbuf *e);
int dorm_db_rollback(dorm_db *db, dorm_errbuf *e);

#endif
