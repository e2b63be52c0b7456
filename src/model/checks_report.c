/* checks_report.c - how a system check reports: the message with the
 * object it is about and its id, and its hint on a line of its own, as
 * Django's `check` prints them; an error fails the registry, a warning
 * does not. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "model/checks.h"

static void put(dorm_buf *out, const char *fmt, va_list ap) {
    char tmp[512];
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    dorm_buf_puts(out, tmp);
}

void dorm_checks__report(dorm_checker *c, const char *where, const char *id, const char *fmt, ...) {
    if (c->out.len) dorm_buf_putc(&c->out, '\n');
    dorm_buf_printf(&c->out, "%s: (%s) ", where, id);
    va_list ap;
    va_start(ap, fmt);
    put(&c->out, fmt, ap);
    va_end(ap);
    /* A warning ("fields.W340") is printed but fails nothing. */
    if (!strstr(id, ".W")) c->errors++;
}

void dorm_checks__hint(dorm_checker *c, const char *fmt, ...) {
    dorm_buf_puts(&c->out, "\n\tHINT: ");
    va_list ap;
    va_start(ap, fmt);
    put(&c->out, fmt, ap);
    va_end(ap);
}
