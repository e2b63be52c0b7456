/* transaction.c - transactions and savepoints on a connection (BEGIN at the
 * outermost level, SAVEPOINT "dorm_sN" below it, or no savepoint where
 * Django takes none), explicit savepoints, and the on_commit callbacks each
 * level holds until the outermost commit runs them or a rollback drops them. */
#include <stdio.h>

#include "backend/db.h"
#include "core/alloc.h"

/* Runs "<verb> "<prefix><n>"" with the savepoint name quoted by the dialect. */
static int savepoint_sql(dorm_db *db, const char *verb, const char *prefix, int64_t n, dorm_errbuf *e) {
    char name[40];
    snprintf(name, sizeof name, "%s%lld", prefix, (long long)n);
    dorm_buf sql = DORM_BUF_INIT;
    dorm_buf_puts(&sql, verb);
    dorm_buf_putc(&sql, ' ');
    dorm_buf_quote(&sql, db->dialect->quote, name);
    int rc = sql.failed ? dorm_err(e, DORM_ENOMEM, "out of memory") : dorm_db__exec(db, sql.data, e);
    dorm_buf_free(&sql);
    return rc;
}

static int level_sql(dorm_db *db, const char *verb, int level, dorm_errbuf *e) {
    return savepoint_sql(db, verb, "dorm_s", level, e);
}

/* Whether the innermost level was opened with a savepoint (the outermost
 * level is the transaction itself). */
static bool has_savepoint(const dorm_db *db) { return db->atomic_depth > 1 && !db->no_savepoint[db->atomic_depth - 1]; }

int dorm_db__begin_level(dorm_db *db, bool write, bool savepoint, dorm_errbuf *e) {
    if (db->atomic_depth + 1 > db->levels_cap) {
        int cap = db->levels_cap ? db->levels_cap * 2 : 8;
        bool *grown = dorm_mem__realloc(db->no_savepoint, sizeof *grown * (size_t)cap);
        if (!grown) return dorm_err(e, DORM_ENOMEM, "out of memory");
        db->no_savepoint = grown;
        db->levels_cap = cap;
    }
    /* Inside a block marked for rollback there is nothing to keep, so
     * Django takes no savepoint there either. */
    bool skip = db->atomic_depth > 0 && (!savepoint || db->needs_rollback);
    int rc = 0;
    if (db->atomic_depth == 0) {
        db->needs_rollback = db->rollback_error = false;
        db->wrote = false;
        /* The session is held from BEGIN to the end of the transaction. */
        rc = dorm_db__hold(db, e);
        if (rc) return rc;
        db->beginning = true;
        rc = dorm_db__exec(db, db->drv->begin_sql ? db->drv->begin_sql(db->link->conn, write) : "BEGIN", e);
        /* Behind a transaction pooler a tenant's search_path lasts the
         * transaction. */
        if (rc == 0 && db->schema && db->drv->session && db->drv->session(db->link->conn) < 0 &&
            (rc = dorm_db__search_path(db, true, e)) != 0) {
            dorm_errbuf ignored;
            dorm_db__exec(db, "ROLLBACK", &ignored);
        }
        db->beginning = false;
        db->no_savepoint[0] = false;
        if (rc == 0) db->atomic_depth++;
        dorm_db__unhold(db);
        return rc;
    } else if (!skip) {
        rc = level_sql(db, "SAVEPOINT", db->atomic_depth, e);
    }
    if (rc == 0) db->no_savepoint[db->atomic_depth++] = skip;
    return rc;
}

int dorm_db__begin(dorm_db *db, dorm_errbuf *e) { return dorm_db__begin_level(db, false, true, e); }

int dorm_db__begin_write(dorm_db *db, dorm_errbuf *e) { return dorm_db__begin_level(db, true, true, e); }

/* ---- on_commit callbacks -------------------------------------------------- */

int dorm_db__on_commit(dorm_db *db, dorm_on_commit_fn fn, void *payload, dorm_errbuf *e) {
    if (db->atomic_depth == 0) {
        fn(payload);
        return 0;
    }
    if (db->nhooks == db->hooks_cap) {
        size_t cap = db->hooks_cap ? db->hooks_cap * 2 : 8;
        dorm_commit_hook *grown = dorm_mem__realloc(db->hooks, sizeof *grown * cap);
        if (!grown) return dorm_err(e, DORM_ENOMEM, "out of memory");
        db->hooks = grown;
        db->hooks_cap = cap;
    }
    db->hooks[db->nhooks++] = (dorm_commit_hook){fn, payload, db->atomic_depth};
    return 0;
}

/* The level at `depth` ended: committed, its callbacks pass to the level
 * above; rolled back, they are dropped. */
static void hooks_level_end(dorm_db *db, int depth, bool committed) {
    size_t kept = 0;
    for (size_t i = 0; i < db->nhooks; i++) {
        dorm_commit_hook h = db->hooks[i];
        if (h.depth >= depth) {
            if (!committed) continue;
            h.depth = depth - 1;
        }
        db->hooks[kept++] = h;
    }
    db->nhooks = kept;
}

/* After the outermost commit: the callbacks run in order, taken off the
 * connection first, so that one registering another (in autocommit: run at
 * once) or opening a transaction sees a clean state. */
static void run_hooks(dorm_db *db) {
    dorm_commit_hook *hooks = db->hooks;
    size_t n = db->nhooks;
    db->hooks = NULL;
    db->nhooks = db->hooks_cap = 0;
    for (size_t i = 0; i < n; i++) hooks[i].fn(hooks[i].payload);
    dorm_mem__free(hooks);
}

void dorm_db__drop_hooks(dorm_db *db) {
    dorm_mem__free(db->hooks);
    db->hooks = NULL;
    db->nhooks = db->hooks_cap = 0;
    dorm_mem__free(db->no_savepoint);
    db->no_savepoint = NULL;
    db->levels_cap = 0;
}

/* ---- ending levels -------------------------------------------------------- */

/* Undoes the innermost level and closes it, whatever happens: a level whose
 * rollback fails is unusable anyway.  A level without a savepoint has
 * nothing to undo on its own: the enclosing level is marked instead, as
 * failed when the caller rolls back (`failed`: its commit reports it). */
static int rollback_level(dorm_db *db, bool failed, dorm_errbuf *e) {
    int depth = db->atomic_depth;
    if (depth > 1 && db->no_savepoint[depth - 1]) {
        db->atomic_depth--;
        hooks_level_end(db, depth, true);
        db->needs_rollback = true;
        db->rollback_error = db->rollback_error || failed;
        return 0;
    }
    db->atomic_depth--;
    db->needs_rollback = db->rollback_error = false;
    hooks_level_end(db, depth, false);
    if (depth == 1) return dorm_db__exec(db, "ROLLBACK", e);
    int rc = level_sql(db, "ROLLBACK TO SAVEPOINT", depth - 1, e);
    if (rc == 0) rc = level_sql(db, "RELEASE SAVEPOINT", depth - 1, e);
    return rc;
}

int dorm_db__commit(dorm_db *db, dorm_errbuf *e) {
    if (db->atomic_depth == 0) return dorm_err(e, DORM_ETRANSACTION, "There is no open transaction to commit.");
    int depth = db->atomic_depth;
    if (db->needs_rollback) {
        bool error = db->rollback_error;
        dorm_errbuf ignored;
        rollback_level(db, false, &ignored);
        if (!error) return 0;
        return dorm_err(e, DORM_ETRANSACTION,
                        "The transaction was marked for rollback after an error; it was rolled back, not committed.");
    }
    int rc = 0;
    if (depth == 1)
        rc = dorm_db__exec(db, "COMMIT", e);
    else if (has_savepoint(db))
        rc = level_sql(db, "RELEASE SAVEPOINT", depth - 1, e);
    if (rc == 0) {
        db->atomic_depth--;
        hooks_level_end(db, depth, true);
        if (depth == 1) {
            /* Read-your-writes routing counts from the commit. */
            if (db->wrote) db->last_write = dorm__now();
            db->wrote = false;
            dorm_db__idle(db);
            run_hooks(db);
        }
        return 0;
    }
    /* The failure is what the caller needs to hear about; the rollback that
     * follows keeps the database as it was before the level began. */
    dorm_errbuf ignored;
    rollback_level(db, true, &ignored);
    return rc;
}

int dorm_db__rollback(dorm_db *db, dorm_errbuf *e) {
    if (db->atomic_depth == 0) return dorm_err(e, DORM_ETRANSACTION, "There is no open transaction to roll back.");
    return rollback_level(db, true, e);
}

/* ---- explicit savepoints -------------------------------------------------- */

int64_t dorm_db__savepoint(dorm_db *db, dorm_errbuf *e) {
    if (db->atomic_depth == 0) return 0;
    int64_t sid = db->savepoints + 1;
    int rc = savepoint_sql(db, "SAVEPOINT", "dorm_x", sid, e);
    if (rc) return rc;
    db->savepoints = sid;
    return sid;
}

int dorm_db__savepoint_end(dorm_db *db, int64_t sid, bool commit, dorm_errbuf *e) {
    if (db->atomic_depth == 0 || sid <= 0) return 0;
    return savepoint_sql(db, commit ? "RELEASE SAVEPOINT" : "ROLLBACK TO SAVEPOINT", "dorm_x", sid, e);
}
