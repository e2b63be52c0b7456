/* atomic.c - Django's transaction module over a context: atomic blocks
 * (durable, with or without a savepoint), the rollback flag, explicit
 * savepoints and on_commit, with failures recorded on the context. */
#include "exec/route.h"
#include "core/alloc.h"

/* A NULL context is what dorm_ctx_new returns when out of memory. */
static int no_db(dorm_ctx *cx) {
    if (!cx) return DORM_ENOMEM;
    if (!cx->db) return dorm_ctx_fail(cx, DORM_ECONFIG, "The context has no database connection.");
    return DORM_OK;
}

/* The connection of the innermost block the context opened (a block is
 * ended where it was begun, whichever alias is in use now), else the
 * connection of the alias in use. */
static dorm_db *block_db(dorm_ctx *cx) {
    return cx->nblocks ? cx->blocks[cx->nblocks - 1] : dorm_route__conn(cx, cx->use);
}

/* dorm_tx__usable for the block's connection. */
static int usable(dorm_ctx *cx, dorm_db *db) {
    dorm_db *now = cx->db;
    cx->db = db;
    int rc = dorm_tx__usable(cx);
    cx->db = now;
    return rc;
}

static int ending(dorm_ctx *cx, bool commit) {
    int rc = no_db(cx);
    if (rc) return rc;
    dorm_db *db = block_db(cx);
    if (!db) return DORM_ENOMEM;
    if (cx->nblocks && db->atomic_depth > 0) cx->nblocks--;
    dorm_errbuf e;
    rc = commit ? dorm_db__commit(db, &e) : dorm_db__rollback(db, &e);
    return rc ? dorm_fail__errbuf(cx, &e) : 0;
}

static int begin_on(dorm_ctx *cx, int alias, unsigned flags) {
    dorm_db *db = dorm_route__conn(cx, alias);
    if (!db) return DORM_ENOMEM;
    if ((flags & DORM_ATOMIC_DURABLE) && db->atomic_depth > 0)
        return dorm_ctx_fail(cx, DORM_ETRANSACTION,
                             "A durable atomic block cannot be nested within another atomic block.");
    if (cx->nblocks == cx->blocks_cap) {
        int cap = cx->blocks_cap ? cx->blocks_cap * 2 : 8;
        dorm_db **grown = dorm_mem__realloc(cx->blocks, sizeof *grown * (size_t)cap);
        if (!grown) return dorm_ctx_fail(cx, DORM_ENOMEM, "out of memory");
        cx->blocks = grown;
        cx->blocks_cap = cap;
    }
    dorm_errbuf e;
    int rc = dorm_db__begin_level(db, false, !(flags & DORM_ATOMIC_NO_SAVEPOINT), &e);
    if (rc) return dorm_fail__errbuf(cx, &e);
    cx->blocks[cx->nblocks++] = db;
    return 0;
}

int dorm_atomic_begin_with(dorm_ctx *cx, unsigned flags) {
    int rc = no_db(cx);
    return rc ? rc : begin_on(cx, cx->conns ? cx->use : 0, flags);
}

int dorm_atomic_begin_using(dorm_ctx *cx, const char *alias, unsigned flags) {
    int rc = no_db(cx);
    if (rc) return rc;
    int i = dorm_route__alias(cx, alias);
    return i < 0 ? i : begin_on(cx, i, flags);
}

int dorm_atomic_begin(dorm_ctx *cx) { return dorm_atomic_begin_with(cx, 0); }

int dorm_atomic_commit(dorm_ctx *cx) { return ending(cx, true); }

int dorm_atomic_rollback(dorm_ctx *cx) { return ending(cx, false); }

int dorm_atomic_end(dorm_ctx *cx, bool ok) { return ending(cx, ok); }

bool dorm_in_atomic(const dorm_ctx *cx) {
    if (!cx || !cx->db) return false;
    const dorm_db *db = cx->nblocks ? cx->blocks[cx->nblocks - 1] : cx->conns ? cx->conns[cx->use] : cx->db;
    return db && db->atomic_depth > 0;
}

static int outside(dorm_ctx *cx) {
    int rc = no_db(cx);
    if (rc) return rc;
    if (!block_db(cx)) return DORM_ENOMEM;
    if (block_db(cx)->atomic_depth == 0)
        return dorm_ctx_fail(cx, DORM_ETRANSACTION, "The rollback flag doesn't work outside of an 'atomic' block.");
    return DORM_OK;
}

int dorm_set_rollback(dorm_ctx *cx, bool rollback) {
    int rc = outside(cx);
    if (rc) return rc;
    dorm_db *db = block_db(cx);
    db->needs_rollback = rollback;
    if (!rollback) db->rollback_error = false;
    return DORM_OK;
}

int dorm_get_rollback(dorm_ctx *cx) {
    int rc = outside(cx);
    return rc ? rc : block_db(cx)->needs_rollback;
}

/* Savepoint statements are statements: a block marked for rollback refuses
 * them too (Django's cursor checks every one). */
int64_t dorm_savepoint(dorm_ctx *cx) {
    int rc = no_db(cx);
    dorm_db *db = rc ? NULL : block_db(cx);
    if (!rc) rc = db ? usable(cx, db) : DORM_ENOMEM;
    if (rc) return rc;
    dorm_errbuf e;
    int64_t sid = dorm_db__savepoint(db, &e);
    return sid < 0 ? dorm_fail__errbuf(cx, &e) : sid;
}

static int savepoint_end(dorm_ctx *cx, int64_t sid, bool commit) {
    int rc = no_db(cx);
    dorm_db *db = rc ? NULL : block_db(cx);
    if (!rc && !db) rc = DORM_ENOMEM;
    if (!rc && sid > 0) rc = usable(cx, db);
    if (rc) return rc;
    dorm_errbuf e;
    rc = dorm_db__savepoint_end(db, sid, commit, &e);
    return rc ? dorm_fail__errbuf(cx, &e) : 0;
}

int dorm_savepoint_rollback(dorm_ctx *cx, int64_t sid) { return savepoint_end(cx, sid, false); }

int dorm_savepoint_commit(dorm_ctx *cx, int64_t sid) { return savepoint_end(cx, sid, true); }

int dorm_on_commit(dorm_ctx *cx, dorm_on_commit_fn fn, void *payload) {
    int rc = no_db(cx);
    if (rc) return rc;
    if (!fn) return dorm_ctx_fail(cx, DORM_EVALUE, "on_commit() needs a callback.");
    dorm_db *db = block_db(cx);
    if (!db) return DORM_ENOMEM;
    dorm_errbuf e;
    rc = dorm_db__on_commit(db, fn, payload, &e);
    return rc ? dorm_fail__errbuf(cx, &e) : 0;
}
