/* ctx.h - the context's inside: its arena, connection and last error, and
 * the calls every layer uses to record an error in Django's words. */
#ifndef DORM_CORE_CTX_H
#define DORM_CORE_CTX_H

#include <stdarg.h>

#include "dorm.h"
#include "dorm/sys/driver.h"
#include "arena.h"
#include "hash.h"
#include "tz.h"

/* The alias an object belongs to (Django's _state.db), in its header's flags:
 * 0 for none, else the alias_no of the connection it was read from or saved
 * to. */
#define DORM_OBJ_DB_SHIFT 8
#define DORM_OBJ_DB_MASK ((uint32_t)0xff << DORM_OBJ_DB_SHIFT)
#define DORM_OBJ_DB(n) ((uint32_t)(n) << DORM_OBJ_DB_SHIFT)

struct dorm_databases;

struct dorm_ctx {
    dorm_arena arena;
    dorm_db *db; /* the connection statements run on now: the routed
                          * one during a call, conns[use] between calls */
    struct dorm_databases *dbs; /* routed over; NULL: no routers          */
    dorm_db **conns; /* per alias, owned, made on first use; NULL: `db`
                          * is the one connection (dorm_ctx_new, borrowed) */
    int nconns;
    int use; /* the alias of connection-level calls (dorm_ctx_use) */
    int save_using; /* dorm_save_using / dorm_delete_using: 1 + the alias
                          * of the object write starting                   */
    const char *schema; /* dorm_ctx_set_schema (arena), or NULL               */
    dorm_value tenant; /* dorm_ctx_set_tenant (text in the arena)          */
    bool has_tenant;
    int pinned; /* calls entered and not left (exec/route.c): nested
                          * ones stay on their connection                  */
    dorm_db **blocks; /* the connection of each open atomic block, innermost last */
    int nblocks, blocks_cap;
    int err;
    char *errmsg; /* malloc'd, replaced by each error; NULL: "" */
    /* The model dorm_all() found last in which registry, and its meta: a
     * loop asks for the same one over and over (query/queryset.c). */
    const void *last_reg, *last_model, *last_meta;
    /* query policies (exec/policy.c) */
    dorm_nplusone nplusone;
    dorm_notice_fn notice;
    void *notice_payload;
    uint32_t batches; /* numbering of evaluated QuerySets                    */
    dorm_hmap lazy; /* (batch, relation) lazily loaded -> times (arena keys) */
    uint64_t queries; /* statements run through this context                 */
    int64_t budget; /* most statements allowed; < 0: no limit              */
    const dorm_tz *tz; /* the current time zone; NULL: UTC (core/timezone.c) */
    dorm_tz_cache zones; /* zones read so far                                   */
    /* progress reports (core/progress.c): the callback, and the last report
     * made, so that a piece of work reports once per hundredth */
    dorm_progress_fn progress;
    void *progress_payload;
    dorm_progress_event progress_last;
};

/* The zone `name` (NULL: the current one), or NULL for UTC; DORM_EVALUE
 * (recorded) for an unknown zone, DORM_ENOMEM, else 0. */
int dorm_ctx__zone(dorm_ctx *cx, const char *name, const dorm_tz **out);

/* A context that owns `n` connections, one per alias, made on first use
 * (cx->conns; exec/route.c).  NULL when out of memory. */
dorm_ctx *dorm_ctx__new_owning(int n);

/* dorm_ctx_fail (dorm/db.h) records an error on the context, replacing the
 * previous one, and returns `code`; this is its va_list form. */
int dorm__vfail(dorm_ctx *cx, int code, const char *fmt, va_list ap);
/* Returns rc, after making sure that a failure (rc < 0) is what the context
 * records: an out-of-memory as DORM_ENOMEM whatever was recorded before it,
 * any other code when nothing was.  The public calls end with it, so a
 * failure that travelled up as a bare code is never reported as DORM_OK. */
int dorm__record(dorm_ctx *cx, int rc);
/* Records a driver error (code and message) on the context; returns its code. */
int dorm_fail__errbuf(dorm_ctx *cx, const dorm_errbuf *e);

/* Reports progress of `task` on `subject` (both static or living through
 * the work) to the context's callback, if it has one: done of total units
 * (total <= 0: nothing is reported).  Reports in between the first and the
 * last are dropped unless another hundredth is done.  dorm_progress__finish
 * makes the last report, after the work ended or failed. */
void dorm_progress__emit(dorm_ctx *cx, const char *task, const char *subject, int64_t done, int64_t total);
void dorm_progress__finish(dorm_ctx *cx, const char *task, const char *subject, int64_t done, int64_t total);

#endif
