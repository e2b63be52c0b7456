/* transaction.c - transactions and savepoints on a connection (BEGIN at the
 * outermost level, SAVEPOINT "dorm_sN" below it), and Django's atomic blocks
 * over a context, which record failures on the context. */
#include <stdio.h>

#include "backend/db.h"
#include "core/ctx.h"

/* Runs "<verb> "dorm_s<level>"" with the savepoint name quoted by the dialect. */
static int savepoint_sql(dorm_db *db, const char *verb, int level, dorm_errbuf *e)
{
    char name[24];
    snprintf(name, sizeof name, "dorm_s%d", level);
    dorm_buf sql = DORM_BUF_INIT;
    dorm_buf_puts(&sql, verb);
    dorm_buf_putc(&sql, ' ');
    dorm_buf_quote(&sql, db->dialect->quote, name);
    int rc = sql.failed ? dorm_err(e, DORM_ENOMEM, "out of memory") : dorm_db_exec(db, sql.data, e);
    dorm_buf_free(&sql);
    return rc;
}

static int begin_level(dorm_db *db, bool write, dorm_errbuf *e)
{
    int rc;
    if (db->atomic_depth > 0)
        rc = savepoint_sql(db, "SAVEPOINT", db->atomic_depth, e);
    else
        rc = dorm_db_exec(db, db->conn && db->drv->begin_sql ? db->drv->begin_sql(db->conn, write) : "BEGIN", e);
    if (rc == 0) db->atomic_depth++;
    return rc;
}

int dorm_db_begin(dorm_db *db, dorm_errbuf *e)
{
    return begin_level(db, false, e);
}

int dorm_db_begin_write(dorm_db *db, dorm_errbuf *e)
{
    return begin_level(db, true, e);
}

/* Undoes the innermost level and closes it, whatever happens: a level whose
 * rollback fails is unusable anyway. */
static int rollback_level(dorm_db *db, dorm_errbuf *e)
{
    int level = --db->atomic_depth;
    db->needs_rollback = false;
    if (level == 0) return dorm_db_exec(db, "ROLLBACK", e);
    int rc = savepoint_sql(db, "ROLLBACK TO SAVEPOINT", level, e);
    if (rc == 0) rc = savepoint_sql(db, "RELEASE SAVEPOINT", level, e);
    return rc;
}

int dorm_db_commit(dorm_db *db, dorm_errbuf *e)
{
    if (db->atomic_depth == 0) return dorm_err(e, DORM_ETRANSACTION, "There is no open transaction to commit.");
    if (db->needs_rollback) {
        dorm_errbuf ignored;
        rollback_level(db, &ignored);
        return dorm_err(e, DORM_ETRANSACTION,
                        "The transaction was marked for rollback after an error; it was rolled back, not committed.");
    }
    int level = db->atomic_depth - 1;
    int rc = level == 0 ? dorm_db_exec(db, "COMMIT", e) : savepoint_sql(db, "RELEASE SAVEPOINT", level, e);
    if (rc == 0) {
        db->atomic_depth = level;
        return 0;
    }
    /* The failure is what the caller needs to hear about; the rollback that
     * follows keeps the database as it was before the level began. */
    dorm_errbuf ignored;
    rollback_level(db, &ignored);
    return rc;
}

int dorm_db_rollback(dorm_db *db, dorm_errbuf *e)
{
    if (db->atomic_depth == 0) return dorm_err(e, DORM_ETRANSACTION, "There is no open transaction to roll back.");
    return rollback_level(db, e);
}

/* ---- atomic blocks over a context ----------------------------------------- */

/* A NULL context is what dorm_ctx_new returns when out of memory. */
static int on_ctx(dorm_ctx *cx, int (*fn)(dorm_db *, dorm_errbuf *))
{
    if (!cx) return DORM_ENOMEM;
    if (!cx->db) return dorm_fail(cx, DORM_ECONFIG, "The context has no database connection.");
    dorm_errbuf e;
    int rc = fn(cx->db, &e);
    return rc ? dorm_fail_errbuf(cx, &e) : 0;
}

int dorm_atomic_begin(dorm_ctx *cx)
{
    return on_ctx(cx, dorm_db_begin);
}

int dorm_atomic_commit(dorm_ctx *cx)
{
    return on_ctx(cx, dorm_db_commit);
}

int dorm_atomic_rollback(dorm_ctx *cx)
{
    return on_ctx(cx, dorm_db_rollback);
}

int dorm_atomic_end(dorm_ctx *cx, bool ok)
{
    return on_ctx(cx, ok ? dorm_db_commit : dorm_db_rollback);
}

bool dorm_in_atomic(const dorm_ctx *cx)
{
    return cx && cx->db && cx->db->atomic_depth > 0;
}
