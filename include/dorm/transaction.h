/* dorm/transaction.h - Django's transaction module over a context's
 * connection: atomic blocks (nested ones are savepoints), durable blocks,
 * explicit savepoints, the rollback flag, on_commit callbacks, and
 * select_for_update's row locks.
 * SPDX-License-Identifier: MIT (see LICENSE) */
#ifndef DORM_TRANSACTION_H
#define DORM_TRANSACTION_H

#include "api.h"

#include <stdbool.h>
#include <stdint.h>

#include "db.h"
#include "query.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Atomic blocks (Django's atomic()): the outermost begin opens a
 * transaction, a nested one a savepoint.  commit releases the innermost
 * level, rollback undoes it; either way the level is closed.  0 on success,
 * a negative dorm_error otherwise.
 *
 * A statement that fails inside a block marks it for rollback: the block
 * runs nothing more (DORM_ETRANSACTION, "An error occurred in the current
 * transaction. You can't execute queries until the end of the 'atomic'
 * block.") and its commit rolls it back and returns DORM_ETRANSACTION.  A
 * block begun inside a marked one takes no savepoint (there is nothing to
 * keep) and ends with its parent still marked, as in Django. */
DORM_API int dorm_atomic_begin(dorm_ctx *cx);
DORM_API int dorm_atomic_commit(dorm_ctx *cx);
DORM_API int dorm_atomic_rollback(dorm_ctx *cx);
/* Ends the innermost level: commit when ok, rollback otherwise; returns ok's
 * outcome (a failed commit is rolled back and reported). */
DORM_API int dorm_atomic_end(dorm_ctx *cx, bool ok);
/* Whether a transaction is open on the context's connection (Django's
 * connection.in_atomic_block; get_autocommit() is its negation). */
DORM_API bool dorm_in_atomic(const dorm_ctx *cx);

/* atomic(durable=True) and atomic(savepoint=False):
 *   DORM_ATOMIC_DURABLE       the block must be the outermost one: nested in
 *                             another, begin fails with DORM_ETRANSACTION, "A
 *                             durable atomic block cannot be nested within
 *                             another atomic block." (Django's RuntimeError),
 *                             so its commit is a real COMMIT.
 *   DORM_ATOMIC_NO_SAVEPOINT  a nested block takes no savepoint: cheaper, but
 *                             a failure inside it marks the enclosing block for
 *                             rollback, and rolling it back does the same. */
enum { DORM_ATOMIC_DURABLE = 1u << 0, DORM_ATOMIC_NO_SAVEPOINT = 1u << 1 };
DORM_API int dorm_atomic_begin_with(dorm_ctx *cx, unsigned flags);

/* The rollback flag of the innermost block (Django's get_rollback /
 * set_rollback): set, the block is rolled back when it ends, and its commit
 * returns 0 (it did what was asked); cleared after an error, the block
 * commits what ran before the error (Django warns: only when that is
 * known to be safe).  Outside a block both fail with DORM_ETRANSACTION, "The
 * rollback flag doesn't work outside of an 'atomic' block.";
 * dorm_get_rollback returns 1, 0 or that error. */
DORM_API int dorm_set_rollback(dorm_ctx *cx, bool rollback);
DORM_API int dorm_get_rollback(dorm_ctx *cx);

/* Explicit savepoints (Django's transaction.savepoint()): inside a block,
 * makes one and returns its id (> 0); outside, makes none and returns 0, on
 * which rollback and commit do nothing.  savepoint_rollback undoes the work
 * since the savepoint (the savepoint stays), savepoint_commit releases it.
 * They leave on_commit callbacks alone, as Django's do.  A negative
 * dorm_error on failure. */
DORM_API int64_t dorm_savepoint(dorm_ctx *cx);
DORM_API int dorm_savepoint_rollback(dorm_ctx *cx, int64_t sid);
DORM_API int dorm_savepoint_commit(dorm_ctx *cx, int64_t sid);

/* on_commit(fn): calls fn(payload) once the outermost transaction commits,
 * callbacks in the order they were registered; at once when no transaction
 * is open.  A callback registered in a block that is rolled back (its
 * savepoint, or the whole transaction) is dropped and never called.
 * Callbacks run on the connection in autocommit mode and may use it.  0, or
 * DORM_ENOMEM (the callback is not registered). */
typedef void (*dorm_on_commit_fn)(void *payload);
DORM_API int dorm_on_commit(dorm_ctx *cx, dorm_on_commit_fn fn, void *payload);

/* select_for_update(): the rows the QuerySet
 * reads are locked until the end of the transaction (SELECT ... FOR UPDATE,
 * added to what get(), first(), exists(), the list and iterator read; count
 * and aggregates do not lock).  With options:
 *   .nowait       fail at once (OperationalError) on a locked row
 *   .skip_locked  leave locked rows out (not with nowait: ValueError)
 *   .of           lock only these tables: "self" and select_related paths,
 *                 NULL-terminated (DORM_LIST("self", "author"))
 *   .no_key       FOR NO KEY UPDATE, which does not block inserts of rows
 *                 referencing the locked ones
 * On a backend with row locks (PostgreSQL) reading such a QuerySet outside
 * a transaction fails with DORM_ETRANSACTION, "select_for_update cannot be
 * used outside of a transaction."; a backend without them (SQLite, which
 * locks the whole database for a writer) ignores the lock, as Django
 * does. */
typedef struct dorm_lock_opts {
    bool nowait;                /* NOWAIT                                 */
    bool skip_locked;           /* SKIP LOCKED                            */
    const char *const *of;      /* OF: "self" and select_related paths     */
    bool no_key;                /* FOR NO KEY UPDATE                      */
} dorm_lock_opts;
/* select_for_update() with no options: a QuerySet that locks its rows. */
DORM_API dorm_qs *dorm_select_for_update(dorm_qs *qs);
/* dorm_select_for_update_with(qs, &(dorm_lock_opts){.nowait = true}) */
DORM_API dorm_qs *dorm_select_for_update_with(dorm_qs *qs, const dorm_lock_opts *opts);

#ifdef __cplusplus
}
#endif

#endif
