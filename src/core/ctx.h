/* ctx.h - the context's inside: its arena, connection and last error, and
 * the calls every layer uses to record an error in Django's words. */
#ifndef DORM_CORE_CTX_H
#define DORM_CORE_CTX_H

#include <stdarg.h>

#include "dorm.h"
#include "dorm/sys/driver.h"
#include "arena.h"

struct dorm_ctx {
    dorm_arena arena;
    dorm_db *db;
    int err;
    char *errmsg;        /* malloc'd, replaced by each error; NULL: "" */
    void *n1;            /* reserved for the relations layer (lazy-load tracking) */
};

/* Records an error on the context (replacing the previous one) and returns
 * `code`, so callers can `return dorm_fail(cx, DORM_EFIELD, "...", ...)`. */
int dorm_fail(dorm_ctx *cx, int code, const char *fmt, ...);
int dorm_vfail(dorm_ctx *cx, int code, const char *fmt, va_list ap);
/* Records a driver error (code and message) on the context; returns its code. */
int dorm_fail_errbuf(dorm_ctx *cx, const dorm_errbuf *e);

#endif
