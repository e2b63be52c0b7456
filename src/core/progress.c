/* progress.c - progress reports of long work to the context's callback
 * (dorm_ctx_set_progress), thinned to one per hundredth of the work, and
 * dorm_progress_bar, the callback that draws them as a bar on a terminal. */
#define _POSIX_C_SOURCE 200809L /* fileno */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/ctx.h"

void dorm_ctx_set_progress(dorm_ctx *cx, dorm_progress_fn fn, void *payload) {
    if (!cx) return;
    cx->progress = fn;
    cx->progress_payload = payload;
    memset(&cx->progress_last, 0, sizeof cx->progress_last);
}

static void report(dorm_ctx *cx, const char *task, const char *subject, int64_t done, int64_t total, bool finished) {
    if (!cx || !cx->progress || total <= 0) return;
    dorm_progress_event *last = &cx->progress_last;
    bool same = last->task == task && last->subject == subject && last->total == total && !last->finished;
    if (same && !finished && done * 100 / total == last->done * 100 / total) return;
    dorm_progress_event ev = {task, subject, done < 0 ? 0 : done > total ? total : done, total, finished};
    *last = ev;
    cx->progress(&ev, cx->progress_payload);
}

void dorm_progress__emit(dorm_ctx *cx, const char *task, const char *subject, int64_t done, int64_t total) {
    report(cx, task, subject, done, total, false);
}

void dorm_progress__finish(dorm_ctx *cx, const char *task, const char *subject, int64_t done, int64_t total) {
    report(cx, task, subject, done, total, true);
}

void dorm_progress_bar(const dorm_progress_event *ev, void *payload) {
    FILE *out = payload ? payload : stderr;
    if (!ev || ev->total <= 0 || !isatty(fileno(out))) return;
    int pct = (int)(ev->done * 100 / ev->total);
    char bar[31];
    int fill = pct * 30 / 100;
    for (int i = 0; i < 30; i++) bar[i] = i < fill ? '#' : ' ';
    bar[30] = '\0';
    fprintf(out, "\r  %s %s [%s] %3d%%\033[K%s", ev->task, ev->subject ? ev->subject : "", bar, pct,
            ev->finished ? "\n" : "");
    fflush(out);
}
