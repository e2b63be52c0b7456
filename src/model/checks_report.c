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

/* The clashes of Django's Model.check after which it skips the check of
 * column names (models.E007). */
static const char *const clash_ids[] = {"models.E004", "models.E005", "models.E006", "models.E023",
                                        "models.E024", "models.E025", "models.E026"};

void dorm_checks__report(dorm_checker *c, const char *where, const char *id, const char *fmt, ...) {
    if (c->out.len) dorm_buf_putc(&c->out, '\n');
    dorm_buf_printf(&c->out, "%s: (%s) ", where, id);
    va_list ap;
    va_start(ap, fmt);
    put(&c->out, fmt, ap);
    va_end(ap);
    /* A warning ("fields.W340") is printed but fails nothing. */
    if (!strstr(id, ".W")) c->errors++;
    for (size_t i = 0; i < sizeof clash_ids / sizeof *clash_ids; i++) c->clashes += strcmp(id, clash_ids[i]) == 0;
}

void dorm_checks__hint(dorm_checker *c, const char *fmt, ...) {
    dorm_buf_puts(&c->out, "\n\tHINT: ");
    va_list ap;
    va_start(ap, fmt);
    put(&c->out, fmt, ap);
    va_end(ap);
}
