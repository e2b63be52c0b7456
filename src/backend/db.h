/* db.h - the connection handle behind dorm_db: driver, the server session it
 * runs on (its own, or one borrowed from a pool), transaction depth,
 * statement log and query counter.  Layers above run every statement
 * through these calls. */
#ifndef DORM_BACKEND_DB_H
#define DORM_BACKEND_DB_H

#include "dorm.h"
#include "dorm/sys/driver.h"
#include "core/hash.h"

/* A prepared statement as the cache holds it. */
typedef struct dorm_cached_stmt {
    dorm_stmt *stmt;
    char *sql; /* owned copy (the cache key) */
    size_t len;
    bool busy; /* being stepped by someone   */
    bool cached; /* false: finalize on release */
} dorm_cached_stmt;

/* An on_commit callback and the depth of the innermost level it belongs
 * to: rolling that level back drops it, committing it hands it to the
 * level above, and the outermost commit runs it. */
typedef struct dorm_commit_hook {
    dorm_on_commit_fn fn;
    void *payload;
    int depth;
} dorm_commit_hook;

/* One server session: the driver's connection and its prepared statements
 * (a statement belongs to the session that prepared it).  A dorm_db opened
 * by URL owns one for its life; one of a pool borrows one per statement or
 * transaction (backend/pool.c). */
/* The get() plan last found by its whole key, and what picks it out again
 * without building that key when a get of a plain Model.objects QuerySet
 * repeats (query/shape.c): the session's model registry, dialect and
 * driver, the model, the conditions' value types (a byte each) and their
 * paths, each NUL-terminated. */
#define DORM_PLAN_MEMO_CONDS 4
#define DORM_PLAN_MEMO_PATHS 48
typedef struct dorm_plan_memo {
    struct dorm_shape_entry *en; /* NULL: none */
    const void *reg, *dialect, *drv, *meta;
    int nconds;
    unsigned char types[DORM_PLAN_MEMO_CONDS];
    char paths[DORM_PLAN_MEMO_PATHS];
} dorm_plan_memo;

typedef struct dorm_link {
    dorm_conn *conn;
    dorm_hmap stmts; /* sql -> dorm_cached_stmt* */
    dorm_hmap shapes; /* query shape -> dorm_shape_entry* (backend/shapes.c) */
    struct dorm_shape_entry *last_shape; /* the last one found: a loop's shape */
    dorm_plan_memo last_plan;
    struct dorm_link *next; /* pool: the idle list */
    double idle_since; /* pool: when it was given back (monotonic seconds) */
    char *schema; /* the search_path dorm set on the session (NULL: its default) */
    int session; /* ... on this session number (the driver's `session`) */
} dorm_link;

struct dorm_pool;

struct dorm_db {
    const dorm_driver *drv;
    const dorm_dialect *dialect;
    dorm_link *link; /* NULL: none held (pool) or the open failed */
    struct dorm_pool *pool; /* NULL: the link is the db's own */
    int busy; /* statements prepared and not yet released */
    int holds; /* dorm_db__hold calls not yet ended */
    const dorm_registry *reg;
    const char *alias; /* "default", or the alias of a dorm_databases */
    int alias_no; /* 1 + the alias's place in its set (objects' _state.db) */
    dorm_url url;
    int err;
    char errmsg[512];
    double last_write; /* monotonic seconds of the end of the last write (0: none) */
    bool wrote; /* the open transaction wrote */
    char *schema; /* a tenant's search_path (NULL: the URL's): set on each session it
                              * runs on, or per transaction behind a transaction pooler */
    bool beginning; /* BEGIN of a transaction pooler's session is running */
    int atomic_depth; /* 0: autocommit            */
    bool *no_savepoint; /* per level below the outermost: opened without one */
    int levels_cap;
    bool needs_rollback; /* the innermost level must not commit */
    bool rollback_error; /* ... because a statement failed (not set_rollback) */
    dorm_commit_hook *hooks; /* on_commit callbacks, in registration order */
    size_t nhooks, hooks_cap;
    int64_t savepoints; /* explicit savepoints made (their names) */
    dorm_log_fn log;
    void *log_payload;
    bool log_stderr; /* $DORM_DEBUG_SQL          */
    const char *log_error; /* while logging a failed statement: its error */
    uint64_t queries;
    uint64_t shape_hits; /* SELECTs run from the shape cache, not compiled */
    uint64_t shape_compiles; /* SELECTs the fetching calls compiled            */
    struct dorm_signals *signals; /* receivers of model signals (exec/signals.c), borrowed */
};

/* Monotonic seconds (CLOCK_MONOTONIC). */
double dorm__now(void);

/* Keeps the db's server session across statements and transactions until
 * dorm_db__unhold (they nest): session state such as SQLite's foreign-key
 * switch must stay on one session.  0, or the error of borrowing one. */
int dorm_db__hold(dorm_db *db, dorm_errbuf *e);
void dorm_db__unhold(dorm_db *db);
/* The server session to run on, borrowed from the pool when none is held.
 * 0, or DORM_EOPERATIONAL (the pool could not give one in time, or the
 * server is down). */
int dorm_db__link(dorm_db *db, dorm_errbuf *e);
/* Gives a pool's session back when nothing runs on it and no transaction
 * or hold keeps it. */
void dorm_db__idle(dorm_db *db);
/* A handle on `pool` that borrows a session per statement or transaction,
 * named `alias` (borrowed: must outlive it).  NULL when out of memory. */
dorm_db *dorm_db__on_pool(struct dorm_pool *pool, const char *alias);
/* Runs the dialect's search_path statement for db->schema on the session
 * held (`local`: SET LOCAL, inside a transaction).  0 or the error. */
int dorm_db__search_path(dorm_db *db, bool local, dorm_errbuf *e);
/* Finalizes a session's statements, closes its connection and frees it.
 * Accepts NULL. */
void dorm_link__free(const dorm_driver *drv, dorm_link *l);

/* Parses a database URL into `out` (free with dorm_url__free, also after a
 * failure).  The scheme is lower-cased; user, password and host are
 * percent-decoded and NULL when absent or empty; path is never NULL ("" when
 * absent) and excludes the '/' after the authority, so sqlite:///a.db gives
 * "a.db" and sqlite:////tmp/a.db gives "/tmp/a.db"; sqlite://:memory: and
 * sqlite:///:memory: both give ":memory:".  Query keys and values are decoded
 * as forms are ('+' is a space).  0, DORM_ENOMEM, or DORM_ECONFIG with a
 * message in e naming what is wrong (never the password). */
int dorm_url__parse(const char *url, dorm_url *out, dorm_errbuf *e);
/* The compiled-in driver whose schemes contain `scheme`, or NULL. */
const dorm_driver *dorm_driver__find(const char *scheme);
/* Frees the strings of `u` and zeroes it.  Accepts NULL. */
void dorm_url__free(dorm_url *u);

/* The statement for `sql` (len bytes, or DORM_STRLEN for NUL-terminated),
 * prepared on first use and cached; *out is busy until dorm_db__release.  If the
 * cached one is busy (a nested query with the same SQL), a private one is
 * prepared.  0, or a negative dorm_error (e.g. DORM_EOPERATIONAL "no such
 * table: x" from SQLite) with *out untouched. */
int dorm_db__prepare(dorm_db *db, const char *sql, size_t len, dorm_cached_stmt **out, dorm_errbuf *e);
/* Binds `params` (one per placeholder, in order) and takes the first step:
 * DORM_STEP_ROW, DORM_STEP_DONE, or a negative dorm_error.  Text and bytes are
 * bound without copying: they must live until dorm_db__release.  Counts the
 * statement and logs it when logging is on (also when it failed).  Release the
 * statement in every case. */
int dorm_db__run(dorm_db *db, dorm_cached_stmt *cs, const dorm_value *params, size_t nparams, dorm_errbuf *e);
/* The next step of a running statement: DORM_STEP_ROW, DORM_STEP_DONE, or a
 * negative dorm_error. */
int dorm_db__step(dorm_db *db, dorm_cached_stmt *cs, dorm_errbuf *e);
/* Done with a statement: resets it for reuse (or finalizes a private one).
 * Accepts NULL. */
void dorm_db__release(dorm_db *db, dorm_cached_stmt *cs);
/* Runs a statement and calls row(stmt, payload) for each result row (read
 * it with db->drv->column_*).  0 or a negative dorm_error. */
int dorm_db__query(dorm_db *db, const char *sql, const dorm_value *params, size_t nparams,
                   void (*row)(dorm_db *db, dorm_stmt *st, void *payload), void *payload, dorm_errbuf *e);
/* Runs parameterless SQL that returns no rows (DDL), logged ("args=None") and
 * counted, not cached.  0 or a negative dorm_error. */
int dorm_db__exec(dorm_db *db, const char *sql, dorm_errbuf *e);

/* Logs a statement that failed before it ran (its prepare), with e's error,
 * when logging is on. */
void dorm_db__log_failed(dorm_db *db, const char *sql, size_t len, const dorm_value *params, size_t n,
                         const dorm_errbuf *e);
/* Appends the parameters as the statement log shows them, a Python tuple:
 * "()", "('x',)", "('x', 3)". */
void dorm_render__params(dorm_buf *b, const dorm_value *params, size_t n);
/* One value as the log shows it (quoted: Python's repr()) or as Python's
 * str() writes it (str(qs.query)). */
void dorm_render__value(dorm_buf *b, const dorm_value *v, bool quoted);

/* The compiled SELECT of one query shape on one session (the query layer's
 * key: query/shape.c): its SQL text, the map from its parameters to the
 * values of a query of that shape (opaque here), and its statement in the
 * session's cache while that one lives.  sql NULL: the shape's parameters
 * cannot be mapped, so queries of it are compiled every time. */
typedef struct dorm_shape_entry {
    char *sql;
    size_t len;
    void *slots; /* dorm_mem__alloc'd, freed with the entry */
    size_t nslots;
    dorm_cached_stmt *cs; /* NULL: look it up by sql */
    size_t klen; /* its key follows the entry in memory */
    bool one_row; /* a get() plan whose query matches one row at most */
} dorm_shape_entry;

/* The entry of shape `key` on the session held, or NULL (none, or no
 * session held). */
dorm_shape_entry *dorm_db__shape_get(dorm_db *db, const void *key, size_t klen);
/* Records shape `key` on the session held: sql (copied; NULL: not
 * mappable), slots (taken over, also on failure), the statement cs
 * prepared for it (NULL or not cached: none) and one_row.  0 or
 * DORM_ENOMEM (nothing recorded: the shape is compiled again next time). */
int dorm_db__shape_put(dorm_db *db, const void *key, size_t klen, const char *sql, size_t len, void *slots,
                       size_t nslots, dorm_cached_stmt *cs, bool one_row);
/* dorm_db__prepare for the SQL of an entry of the session held, without
 * looking its text up when the entry's statement is free. */
int dorm_db__prepare_shape(dorm_db *db, dorm_shape_entry *en, dorm_cached_stmt **out, dorm_errbuf *e);
/* Forgets the statements of a session's shape entries (they are being
 * finalized), or with `all` the entries too. */
void dorm_link__shapes_clear(dorm_link *l, bool all);

/* Transactions.  begin: depth 0 -> BEGIN, deeper -> SAVEPOINT "dorm_s<depth>".
 * commit: releases the innermost level (COMMIT or RELEASE SAVEPOINT); a level
 * that fails to commit is rolled back and the error returned; one marked with
 * needs_rollback is rolled back, returning DORM_ETRANSACTION when a failed
 * statement marked it (rollback_error) and 0 when set_rollback did.  The
 * outermost commit runs the on_commit callbacks.  rollback: undoes the
 * innermost level (ROLLBACK, or ROLLBACK TO + RELEASE SAVEPOINT) and drops
 * its callbacks.  0, DORM_ETRANSACTION when no level is open, or the
 * driver's error; on any outcome of commit/rollback the level is closed. */
int dorm_db__begin(dorm_db *db, dorm_errbuf *e);
/* begin for a block that will write: at depth 0 the driver's write
 * transaction (SQLite: BEGIN IMMEDIATE, which waits out the busy timeout for
 * the write lock). */
int dorm_db__begin_write(dorm_db *db, dorm_errbuf *e);
/* begin with Django's savepoint option: a nested level opened without
 * `savepoint`, or inside a level marked for rollback, runs no SQL; ending
 * it ends nothing on the server, and rolling it back marks the enclosing
 * level for rollback instead. */
int dorm_db__begin_level(dorm_db *db, bool write, bool savepoint, dorm_errbuf *e);
int dorm_db__commit(dorm_db *db, dorm_errbuf *e);
int dorm_db__rollback(dorm_db *db, dorm_errbuf *e);
/* Registers fn(payload) to run after the outermost commit (at once at depth
 * 0).  0 or DORM_ENOMEM. */
int dorm_db__on_commit(dorm_db *db, dorm_on_commit_fn fn, void *payload, dorm_errbuf *e);
/* Frees the callbacks (uncalled) and the level bookkeeping (closing). */
void dorm_db__drop_hooks(dorm_db *db);
/* An explicit savepoint "dorm_x<id>": its id (> 0), 0 at depth 0 (none
 * made), or a negative error.  savepoint_end releases (commit) or rolls
 * back to it; nothing for sid 0 or at depth 0. */
int64_t dorm_db__savepoint(dorm_db *db, dorm_errbuf *e);
int dorm_db__savepoint_end(dorm_db *db, int64_t sid, bool commit, dorm_errbuf *e);

#endif
