/* progress.c - what a RunC function reports its progress with
 * (dorm_progress_report): the reports go to the context's progress
 * callback as the "RunC" task of the function's name. */
#include "core/ctx.h"
#include "migrate/migration.h"

void dorm_progress__init(dorm_progress *p, dorm_ctx *cx, const char *function) {
    p->cx = cx;
    p->function = function;
    p->done = p->total = 0;
}

void dorm_progress_report(dorm_progress *p, int64_t done, int64_t total) {
    if (!p) return;
    p->done = done;
    p->total = total;
    dorm_progress__emit(p->cx, "RunC", p->function, done, total);
}

void dorm_progress__done(dorm_progress *p, bool ok) {
    if (p->total > 0) dorm_progress__finish(p->cx, "RunC", p->function, ok ? p->total : p->done, p->total);
}
