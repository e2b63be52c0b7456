/* ctx.c - the dorm_ctx lifecycle, its arena allocation calls and its error
 * state: the last error code and a message in Django's words, replaced by
 * every new error. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "core/alloc.h"

/* The message of an error whose own message could not be allocated; never
 * freed (dorm_error_clear tells it apart by address). */
static char oom_msg[] = "out of memory";

dorm_ctx *dorm_ctx_new(dorm_db *db) {
    dorm_ctx *cx = dorm_mem__calloc(1, sizeof *cx);
    if (!cx) return NULL;
    dorm_arena init = DORM_ARENA_INIT;
    cx->arena = init;
    cx->db = db;
    cx->budget = -1;
    const char *policy = getenv("DORM_NPLUSONE");
    if (policy && strcmp(policy, "warn") == 0) cx->nplusone = DORM_NPLUSONE_WARN;
    if (policy && strcmp(policy, "strict") == 0) cx->nplusone = DORM_NPLUSONE_STRICT;
    return cx;
}

dorm_ctx *dorm_ctx__new_owning(int n) {
    dorm_ctx *cx = dorm_ctx_new(NULL);
    if (!cx) return NULL;
    cx->conns = dorm_mem__calloc((size_t)n, sizeof *cx->conns);
    if (!cx->conns) {
        dorm_mem__free(cx);
        return NULL;
    }
    cx->nconns = n;
    return cx;
}

void dorm_ctx_free(dorm_ctx *cx) {
    if (!cx) return;
    for (int i = 0; i < cx->nconns; i++) dorm_db_close(cx->conns[i]);
    dorm_mem__free(cx->conns);
    dorm_error_clear(cx);
    dorm_hmap__free(&cx->lazy);
    dorm_tz__cache_free(&cx->zones);
    dorm_arena__free(&cx->arena);
    dorm_mem__free(cx->blocks);
    dorm_mem__free(cx);
}

dorm_db *dorm_ctx_db(const dorm_ctx *cx) { return cx ? cx->db : NULL; }

/* A NULL context is what dorm_ctx_new returns when out of memory, so it
 * reads as that error. */
int dorm_errcode(const dorm_ctx *cx) { return cx ? cx->err : DORM_ENOMEM; }

const char *dorm_errmsg(const dorm_ctx *cx) {
    if (!cx) return oom_msg;
    return cx->errmsg ? cx->errmsg : "";
}

void dorm_error_clear(dorm_ctx *cx) {
    if (!cx) return;
    /* Every QuerySet call clears: no free call when there is nothing to free. */
    if (cx->errmsg && cx->errmsg != oom_msg) dorm_mem__free(cx->errmsg);
    cx->errmsg = NULL;
    cx->err = DORM_OK;
}

int dorm__vfail(dorm_ctx *cx, int code, const char *fmt, va_list ap) {
    if (!cx) return code;
    if (!fmt) fmt = dorm_error_name(code);
    /* Format before dropping the old message: the arguments may quote it
     * ("while saving: %s", dorm_errmsg(cx)). */
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    char *msg = n >= 0 ? dorm_mem__alloc((size_t)n + 1) : NULL;
    if (msg && vsnprintf(msg, (size_t)n + 1, fmt, ap) < 0) msg[0] = '\0';
    dorm_error_clear(cx);
    cx->err = code;
    cx->errmsg = msg ? msg : oom_msg;
    return code;
}

int dorm_ctx_fail(dorm_ctx *cx, int code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int rc = dorm__vfail(cx, code, fmt, ap);
    va_end(ap);
    return rc;
}

int dorm__record(dorm_ctx *cx, int rc) {
    if (rc >= 0 || !cx) return rc;
    if (rc == DORM_ENOMEM && cx->err != DORM_ENOMEM) return dorm_ctx_fail(cx, rc, "out of memory");
    if (cx->err == DORM_OK) return dorm_ctx_fail(cx, rc, NULL);
    return rc;
}

int dorm_fail__errbuf(dorm_ctx *cx, const dorm_errbuf *e) { return dorm_ctx_fail(cx, e->code, "%s", e->msg); }

void *dorm_alloc(dorm_ctx *cx, size_t size) {
    if (!cx) return NULL;
    void *p = dorm_arena__calloc(&cx->arena, size);
    if (!p) dorm_ctx_fail(cx, DORM_ENOMEM, "out of memory (allocating %zu bytes)", size);
    return p;
}

char *dorm_strdup(dorm_ctx *cx, const char *s) {
    if (!cx || !s) return NULL;
    char *p = dorm_arena__strdup(&cx->arena, s);
    if (!p) dorm_ctx_fail(cx, DORM_ENOMEM, "out of memory (copying a string of %zu bytes)", strlen(s));
    return p;
}

char *dorm_sprintf(dorm_ctx *cx, const char *fmt, ...) {
    if (!cx) return NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        dorm_ctx_fail(cx, DORM_EVALUE, "dorm_sprintf: cannot format \"%s\"", fmt);
        return NULL;
    }
    char *p = dorm_arena__alloc(&cx->arena, (size_t)n + 1);
    if (!p) {
        dorm_ctx_fail(cx, DORM_ENOMEM, "out of memory (formatting %d bytes)", n);
        return NULL;
    }
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}
