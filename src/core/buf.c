/* buf.c - dorm_buf, the growable NUL-terminated byte buffer SQL text and
 * messages are built in, and dorm_err, which fills a driver's error record.
 * A buffer that failed to grow ignores further writes until reset, so its
 * content is never a silently shortened text. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dorm/sys/driver.h"
#include "core/alloc.h"

#define BUF_MIN_CAP 64

/* Makes room for `extra` more bytes plus the terminator; false on failure
 * (then `failed` is set and the content is untouched). */
static bool buf_reserve(dorm_buf *b, size_t extra) {
    if (b->failed) return false;
    if (extra > SIZE_MAX - b->len - 1) {
        b->failed = true;
        return false;
    }
    size_t need = b->len + extra + 1;
    if (need <= b->cap) return true;
    size_t cap = b->cap ? b->cap : BUF_MIN_CAP;
    while (cap < need) cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *p = dorm_mem__realloc(b->data, cap);
    if (!p) {
        b->failed = true;
        return false;
    }
    b->data = p;
    b->cap = cap;
    return true;
}

void dorm_buf_put(dorm_buf *b, const char *s, size_t n) {
    if (!buf_reserve(b, n)) return;
    if (n) memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void dorm_buf_puts(dorm_buf *b, const char *s) {
    if (s) dorm_buf_put(b, s, strlen(s));
}

void dorm_buf_putc(dorm_buf *b, char c) {
    if (!buf_reserve(b, 1)) return;
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
}

void dorm_buf_printf(dorm_buf *b, const char *fmt, ...) {
    if (!buf_reserve(b, 0)) return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->data[b->len] = '\0';
        b->failed = true;
        return;
    }
    if ((size_t)n >= b->cap - b->len) {
        /* Truncated: grow and format again (the truncated bytes sit past
         * len, so restoring the terminator keeps the old content intact). */
        b->data[b->len] = '\0';
        if (!buf_reserve(b, (size_t)n)) return;
        va_start(ap, fmt);
        vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)n;
}

void dorm_buf_reset(dorm_buf *b) {
    b->len = 0;
    b->failed = false;
    if (b->data) b->data[0] = '\0';
}

void dorm_buf_free(dorm_buf *b) {
    dorm_mem__free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->failed = false;
}

/* Every column and table name of every statement goes through here: a name
 * without the quote character (all of them in practice) is one copy. */
void dorm_buf_quote(dorm_buf *b, char q, const char *name) {
    const char *s = name ? name : "";
    size_t n = strlen(s);
    if (!memchr(s, q, n)) {
        if (!buf_reserve(b, n + 2)) return;
        char *d = b->data + b->len;
        d[0] = q;
        memcpy(d + 1, s, n);
        d[n + 1] = q;
        b->len += n + 2;
        b->data[b->len] = '\0';
        return;
    }
    dorm_buf_putc(b, q);
    for (const char *p = s; *p; p++) {
        const char *run = p;
        while (*p && *p != q) p++;
        dorm_buf_put(b, run, (size_t)(p - run));
        if (!*p) break;
        dorm_buf_putc(b, q);
        dorm_buf_putc(b, q);
    }
    dorm_buf_putc(b, q);
}

int dorm_err(dorm_errbuf *e, int code, const char *fmt, ...) {
    if (!e) return code;
    e->code = code;
    va_list ap;
    va_start(ap, fmt);
    if (vsnprintf(e->msg, sizeof e->msg, fmt, ap) < 0) e->msg[0] = '\0';
    va_end(ap);
    return code;
}

void dorm_buf_literal(dorm_buf *b, const dorm_value *v) {
    char tmp[DORM_FMT_MAX];
    switch (v->type) {
    case DORM_T_INT: dorm_buf_printf(b, "%lld", (long long)v->u.i); return;
    case DORM_T_DURATION: dorm_buf_printf(b, "%lld", (long long)v->u.dur.usec); return;
    case DORM_T_FLOAT: dorm_buf_printf(b, "%.17g", v->u.f); return;
    case DORM_T_BOOL: dorm_buf_puts(b, v->u.b ? "true" : "false"); return;
    case DORM_T_DECIMAL:
        dorm_decimal_format(v->u.dec, tmp);
        dorm_buf_puts(b, tmp);
        return;
    case DORM_T_TEXT: dorm_buf_quote(b, '\'', v->u.s); return;
    case DORM_T_DATE: dorm_date_format(v->u.date, tmp); break;
    case DORM_T_DATETIME: dorm_datetime_format(v->u.dt, tmp); break;
    case DORM_T_TIME: dorm_time_format(v->u.time, tmp); break;
    case DORM_T_UUID: dorm_uuid_format(v->u.uuid, tmp); break;
    default: dorm_buf_puts(b, "NULL"); return;
    }
    dorm_buf_quote(b, '\'', tmp);
}
