/* check.c - the system checks' output, as Django's BaseCommand.check
 * writes it for `check` and before the other commands: the errors, then
 * the warnings, each group sorted, a message's hint lines with it;
 * "SystemCheckError: " and exit status 1 only when there is an error.
 * With a database the checks that depend on it run too. */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "manage/command.h"
#include "model/checks.h"

/* One message: its first line and the hint lines under it. */
typedef struct message {
    const char *text;
    size_t len;
} message;

static bool is_warning(const message *m) {
    const char *id = strstr(m->text, ": (");
    const char *end = id ? memchr(id, ')', (size_t)(m->text + m->len - id)) : NULL;
    for (const char *p = id; end && p + 1 < end; p++)
        if (p[0] == '.' && p[1] == 'W') return true;
    return false;
}

static int by_text(const void *a, const void *b) {
    const message *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int d = memcmp(x->text, y->text, n);
    return d ? d : (x->len > y->len) - (x->len < y->len);
}

/* A group's messages under its title, sorted (Python's sorted() on the
 * strings). */
static void put_group(dorm_buf *out, message *ms, size_t n, const char *title) {
    if (!n) return;
    qsort(ms, n, sizeof *ms, by_text);
    dorm_buf_printf(out, "\n%s:\n", title);
    for (size_t i = 0; i < n; i++) {
        dorm_buf_put(out, ms[i].text, ms[i].len);
        dorm_buf_putc(out, '\n');
    }
}

/* Prints the registry's messages, `counted` with their count after them;
 * 1 when one is an error, else 0. */
static int print(const dorm_registry *reg, bool counted) {
    const char *msg = dorm_registry_messages(reg);
    size_t n = *msg ? 1 : 0, nerr = 0, nwarn = 0;
    for (const char *p = msg; *p; p++) n += *p == '\n' && p[1] != '\t';
    if (!n) {
        if (counted) puts("System check identified no issues (0 silenced).");
        return 0;
    }
    /* Errors from the start of the array, warnings from its end. */
    message *ms = dorm_mem__calloc(n, sizeof *ms);
    if (!ms) {
        fputs("CommandError: out of memory\n", stderr);
        return 1;
    }
    for (const char *p = msg; *p;) {
        const char *e = p;
        while (*e && !(*e == '\n' && e[1] != '\t')) e++;
        message m = {p, (size_t)(e - p)};
        if (is_warning(&m))
            ms[n - ++nwarn] = m;
        else
            ms[nerr++] = m;
        p = *e ? e + 1 : e;
    }
    bool failed = dorm_registry_errcode(reg) != DORM_OK;
    dorm_buf out = DORM_BUF_INIT;
    dorm_buf_printf(&out, "%sSystem check identified some issues:\n", failed ? "SystemCheckError: " : "");
    put_group(&out, ms, nerr, "ERRORS");
    put_group(&out, ms + n - nwarn, nwarn, "WARNINGS");
    if (counted) dorm_buf_printf(&out, "\nSystem check identified %zu issue%s (0 silenced).\n", n, n == 1 ? "" : "s");
    fputs(out.failed ? "CommandError: out of memory\n" : out.data, stderr);
    dorm_buf_free(&out);
    dorm_mem__free(ms);
    return failed || out.failed;
}

int dorm_manage__check(const dorm_app *const *apps, const dorm_dialect *d, bool counted) {
    dorm_registry *reg = dorm_registry_new(apps);
    int rc = 1;
    if (!reg || dorm_registry_errcode(reg) == DORM_ENOMEM ||
        (d && dorm_checks__database(reg, d->max_name_length, "default") != DORM_OK))
        fputs("CommandError: out of memory\n", stderr);
    else
        rc = print(reg, counted);
    dorm_registry_free(reg);
    return rc;
}
