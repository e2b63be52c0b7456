/* dorm/progress.h - progress of long work done through a context (bulk
 * writes, deletes of many rows, loaddata and dumpdata, migrate and its RunC
 * functions), reported to a callback the program sets, and a ready-made
 * callback drawing a progress bar on a terminal (the manage commands' bar).
 * SPDX-License-Identifier: MIT (see LICENSE) */
#ifndef DORM_PROGRESS_H
#define DORM_PROGRESS_H

#include "api.h"

#include <stdbool.h>
#include <stdint.h>

#include "db.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One report on a piece of work.  A piece of work reports first with the
 * units done so far (0 at its start), again each time another hundredth of
 * it is done, and last with `finished` set, whether it ended (done == total)
 * or failed (done < total). */
typedef struct dorm_progress_event {
    /* What runs: "bulk_create", "bulk_update", "delete", "loaddata",
     * "dumpdata", "migrate" or "RunC". */
    const char *task;
    /* What it works on: a model label ("library.Book") for the bulk writes,
     * delete and dumpdata, a fixture file for loaddata, a migration
     * ("library.0002_fill_isbn") for migrate, the function's name for RunC. */
    const char *subject;
    int64_t done;   /* units done: rows, objects, migrations, or the RunC function's own */
    int64_t total;  /* units in all, > 0 */
    bool finished;  /* the last report of this piece of work */
} dorm_progress_event;

/* A progress callback: `ev` and its strings are borrowed for the call.  It
 * runs inside dorm's work (often inside its transaction) and must not use
 * the context. */
typedef void (*dorm_progress_fn)(const dorm_progress_event *ev, void *payload);

/* Reports the long work done through `cx` to `fn` with `payload`; NULL
 * reports nothing (the default). */
DORM_API void dorm_ctx_set_progress(dorm_ctx *cx, dorm_progress_fn fn, void *payload);

/* A dorm_progress_fn drawing "  loaddata books.json [#######      ]  42%"
 * in place on `payload`, a FILE * (NULL: stderr), when that is a terminal,
 * and nothing otherwise; the line ends with the work's last report. */
DORM_API void dorm_progress_bar(const dorm_progress_event *ev, void *payload);

#ifdef __cplusplus
}
#endif

#endif
