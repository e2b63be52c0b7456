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

struct dorm_ctx {
    dorm_arena arena;
    dorm_db *db;
    int err;
    char *errmsg;        /* malloc'd, replaced by each error; NULL: "" */
    /* query policies (exec/policy.c) */
    dorm_nplusone nplusone;
    dorm_notice_fn notice;
    void *notice_payload;
    uint32_t batches;    /* numbering of evaluated QuerySets                    */
    dorm_hmap lazy;      /* (batch, relation) lazily loaded -> times (arena keys) */
    uint64_t queries;    /* statements run through this context                 */
    int64_t budget;      /* most statements allowed; < 0: no limit              */
    const dorm_tz *tz;   /* the current time zone; NULL: UTC (core/timezone.c) */
    dorm_tz_cache zones; /* zones read so far                                   */
};

/* The zone `name` (NULL: the current one), or NULL for UTC; DORM_EVALUE
 * (recorded) for an unknown zone, DORM_ENOMEM, else 0. */
int dorm_ctx_zone(dorm_ctx *cx, const char *name, const dorm_tz **out);

/* Records an error on the context (replacing the previous one) and returns
 * `code`, so callers can `return dorm_fail(cx, DORM_EFIELD, "...", ...)`. */
int dorm_fail(dorm_ctx *cx, int code, const char *fmt, ...);
int dorm_vfail(dorm_ctx *cx, int code, const char *fmt, va_list ap);
/* Records a driver error (code and message) on the context; returns its code. */
int dorm_fail_errbuf(dorm_ctx *cx, const dorm_errbuf *e);

#endif
