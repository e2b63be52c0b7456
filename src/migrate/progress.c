/* progress.c - the progress bar of long commands (a RunC migration that
 * reports progress, loaddata of a large fixture): drawn in place on a
 * terminal, silent when the output is a file or a pipe. */
#define _POSIX_C_SOURCE 200809L /* fileno */
#include <stdio.h>
#include <unistd.h>

#include "migrate/migration.h"

void dorm_progress_init(dorm_progress *p, FILE *out) {
    p->out = out;
    p->tty = out && isatty(fileno(out));
    p->shown = -1;
}

void dorm_progress_report(dorm_progress *p, int64_t done, int64_t total) {
    if (!p || !p->tty || total <= 0) return;
    int pct = (int)(done * 100 / total);
    if (pct == p->shown) return;
    p->shown = pct;
    char bar[31];
    int fill = pct * 30 / 100;
    for (int i = 0; i < 30; i++) bar[i] = i < fill ? '#' : ' ';
    bar[30] = '\0';
    fprintf(p->out, "\r    [%s] %3d%%", bar, pct);
    fflush(p->out);
}

void dorm_progress_done(dorm_progress *p) {
    if (p->shown >= 0) fputc('\n', p->out);
    p->shown = -1;
}
