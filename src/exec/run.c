/* run.c - executing compiled SQL through the connection's statement cache,
 * with driver errors recorded on the context (a failure inside an atomic
 * block marks it for rollback, as Django does), and the atomic() wrapper that
 * multi-statement writes use so that a failure leaves nothing behind. */
#include "exec/exec.h"
#include "query/shape.h"

/* Django's validate_no_broken_transaction: after a failed statement an
 * atomic block runs nothing more until it is rolled back. */
int dorm_tx__usable(dorm_ctx *cx) {
    if (!cx->db->needs_rollback || cx->db->atomic_depth == 0) return DORM_OK;
    return dorm_ctx_fail(cx, DORM_ETRANSACTION,
                         "An error occurred in the current transaction. You can't execute queries until the end of the "
                         "'atomic' block.");
}

/* A statement that failed inside an atomic block marks it for rollback (on
 * PostgreSQL the server has aborted it anyway; Django's ORM marks it on
 * every backend). */
static int failed(dorm_ctx *cx, const dorm_errbuf *e) {
    if (cx->db->atomic_depth > 0) cx->db->needs_rollback = cx->db->rollback_error = true;
    return dorm_fail__errbuf(cx, e);
}

int dorm__exec(dorm_ctx *cx, dorm_sql *s, dorm_cached_stmt **out) {
    if (s->failed || s->text.failed) return dorm_ctx_fail(cx, DORM_ENOMEM, "out of memory");
    int rc = dorm_policy__query(cx);
    if (!rc) rc = dorm_tx__usable(cx);
    if (rc) return rc;
    dorm_errbuf e;
    e.code = 0;
    e.msg[0] = '\0';
    dorm_cached_stmt *cs;
    dorm_shape_entry *hit = s->shape ? s->shape->hit : NULL;
    if (hit)
        rc = dorm_db__prepare_shape(cx->db, hit, &cs, &e);
    else
        rc = dorm_db__prepare(cx->db, s->text.data, s->text.len, &cs, &e);
    if (rc < 0) {
        dorm_db__log_failed(cx->db, hit ? hit->sql : s->text.data, hit ? hit->len : s->text.len, s->params, s->nparams,
                            &e);
        return failed(cx, &e);
    }
    if (s->shape && !hit) dorm_shape__store(cx->db, s, cs);
    rc = dorm_db__run(cx->db, cs, s->params, s->nparams, &e);
    if (rc < 0) {
        dorm_db__release(cx->db, cs);
        return failed(cx, &e);
    }
    *out = cs;
    return rc;
}

int dorm_exec__step(dorm_ctx *cx, dorm_cached_stmt *cs) {
    /* Not `= {0, ""}`: that zeroes the 512-byte message on every row. */
    dorm_errbuf e;
    e.code = 0;
    e.msg[0] = '\0';
    int rc = dorm_db__step(cx->db, cs, &e);
    return rc < 0 ? failed(cx, &e) : rc;
}

int64_t dorm_exec__change(dorm_ctx *cx, dorm_sql *s) {
    dorm_cached_stmt *cs = NULL;
    int rc = dorm__exec(cx, s, &cs);
    if (rc < 0) return rc;
    while (rc == DORM_STEP_ROW) rc = dorm_exec__step(cx, cs);
    if (rc < 0) {
        dorm_db__release(cx->db, cs);
        return rc;
    }
    int64_t n = cx->db->drv->changes(cs->stmt);
    dorm_db__release(cx->db, cs);
    return n;
}

int dorm_in__transaction(dorm_ctx *cx, int (*fn)(void *payload), void *payload) {
    return dorm_in__block(cx, true, fn, payload);
}

int dorm_in__block(dorm_ctx *cx, bool savepoint, int (*fn)(void *payload), void *payload) {
    dorm_errbuf e = {0, ""};
    int broken = dorm_tx__usable(cx);
    if (broken) return broken;
    if (dorm_db__begin_level(cx->db, true, savepoint, &e) < 0) return dorm_fail__errbuf(cx, &e);
    int rc = fn(payload);
    if (rc < 0) {
        /* Keep fn's error: it says what went wrong, the rollback does not. */
        dorm_db__rollback(cx->db, &e);
        return rc;
    }
    if (dorm_db__commit(cx->db, &e) < 0) return dorm_fail__errbuf(cx, &e);
    return rc;
}
