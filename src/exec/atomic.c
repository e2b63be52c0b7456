/* atomic.c - Django's transaction module over a context: atomic blocks
 * (durable, with or without a savepoint), the rollback flag, explicit
 * savepoints and on_commit, with failures recorded on the context. */
#include "exec/exec.h"

/* A NULL context is what dorm_ctx_new returns when out of memory. */
static int no_db(dorm_ctx *cx) {
    if (!cx) return DORM_ENOMEM;
    if (!cx->db) return dorm_fail(cx, DORM_ECONFIG, "The context has no database connection.");
    return DORM_OK;
}

static int on_ctx(dorm_ctx *cx, int (*fn)(dorm_db *, dorm_errbuf *)) {
    int rc = no_db(cx);
    if (rc) return rc;
    dorm_errbuf e;
    rc = fn(cx->db, &e);
    return rc ? dorm_fail_errbuf(cx, &e) : 0;
}

int dorm_atomic_begin_with(dorm_ctx *cx, unsigned flags) {
    int rc = no_db(cx);
    if (rc) return rc;
    if ((flags & DORM_ATOMIC_DURABLE) && cx->db->atomic_depth > 0)
        return dorm_fail(cx, DORM_ETRANSACTION, "A durable atomic block cannot be nested within another atomic block.");
    dorm_errbuf e;
    rc = dorm_db_begin_level(cx->db, false, !(flags & DORM_ATOMIC_NO_SAVEPOINT), &e);
    return rc ? dorm_fail_errbuf(cx, &e) : 0;
}

int dorm_atomic_begin(dorm_ctx *cx) { return dorm_atomic_begin_with(cx, 0); }

int dorm_atomic_commit(dorm_ctx *cx) { return on_ctx(cx, dorm_db_commit); }

int dorm_atomic_rollback(dorm_ctx *cx) { return on_ctx(cx, dorm_db_rollback); }

int dorm_atomic_end(dorm_ctx *cx, bool ok) { return on_ctx(cx, ok ? dorm_db_commit : dorm_db_rollback); }

bool dorm_in_atomic(const dorm_ctx *cx) { return cx && cx->db && cx->db->atomic_depth > 0; }

static int outside(dorm_ctx *cx) {
    int rc = no_db(cx);
    if (rc) return rc;
    if (cx->db->atomic_depth == 0)
        return dorm_fail(cx, DORM_ETRANSACTION, "The rollback flag doesn't work outside of an 'atomic' block.");
    return DORM_OK;
}

int dorm_set_rollback(dorm_ctx *cx, bool rollback) {
    int rc = outside(cx);
    if (rc) return rc;
    cx->db->needs_rollback = rollback;
    if (!rollback) cx->db->rollback_error = false;
    return DORM_OK;
}

int dorm_get_rollback(dorm_ctx *cx) {
    int rc = outside(cx);
    return rc ? rc : cx->db->needs_rollback;
}

/* Savepoint statements are statements: a block marked for rollback refuses
 * them too (Django's cursor checks every one). */
int64_t dorm_savepoint(dorm_ctx *cx) {
    int rc = no_db(cx);
    if (!rc) rc = dorm_tx_usable(cx);
    if (rc) return rc;
    dorm_errbuf e;
    int64_t sid = dorm_db_savepoint(cx->db, &e);
    return sid < 0 ? dorm_fail_errbuf(cx, &e) : sid;
}

static int savepoint_end(dorm_ctx *cx, int64_t sid, bool commit) {
    int rc = no_db(cx);
    if (!rc && sid > 0) rc = dorm_tx_usable(cx);
    if (rc) return rc;
    dorm_errbuf e;
    rc = dorm_db_savepoint_end(cx->db, sid, commit, &e);
    return rc ? dorm_fail_errbuf(cx, &e) : 0;
}

int dorm_savepoint_rollback(dorm_ctx *cx, int64_t sid) { return savepoint_end(cx, sid, false); }

int dorm_savepoint_commit(dorm_ctx *cx, int64_t sid) { return savepoint_end(cx, sid, true); }

int dorm_on_commit(dorm_ctx *cx, dorm_on_commit_fn fn, void *payload) {
    int rc = no_db(cx);
    if (rc) return rc;
    if (!fn) return dorm_fail(cx, DORM_EVALUE, "on_commit() needs a callback.");
    dorm_errbuf e;
    rc = dorm_db_on_commit(cx->db, fn, payload, &e);
    return rc ? dorm_fail_errbuf(cx, &e) : 0;
}
