/* dorm/debug.h - seeing what a QuerySet runs: its SQL as Django's
 * str(qs.query) prints it, and the backend's plan for it (explain()).  The
 * statement log and the per-context query count are in dorm/db.h.
 * SPDX-License-Identifier: MIT (see LICENSE) */
#ifndef DORM_DEBUG_H
#define DORM_DEBUG_H

#include "api.h"

#include <stdbool.h>
#include <stddef.h>

#include "query.h"

#ifdef __cplusplus
extern "C" {
#endif

/* str(qs.query): the SELECT the QuerySet runs, with its parameters written
 * into the text the way Django shows them (unquoted: ... "name" = Ann).
 * For reading only: the statement that runs binds its parameters, and this
 * text is not valid SQL to run (Django's warning too).  In the arena; NULL
 * on error (a QuerySet that can match no row has no SQL: DORM_EVALUE). */
DORM_API const char *dorm_qs_str(dorm_qs *qs);

/* One explain() option: EXPLAIN (ANALYZE true, COSTS false) on PostgreSQL. */
typedef struct dorm_explain_option {
    const char *name;                   /* "ANALYZE", "COSTS", ... (any case) */
    bool value;                         /* true / false                      */
} dorm_explain_option;
/* explain()'s arguments: the output format and the options. */
typedef struct dorm_explain_opts {
    const char *format;                 /* NULL: the backend's default      */
    const dorm_explain_option *options; /* noptions of them                 */
    size_t noptions;                    /* how many `options` there are     */
} dorm_explain_opts;

/* qs.explain(format, **options): the backend's plan of the QuerySet's
 * SELECT, its rows joined by newlines (a row of several columns by spaces),
 * in the arena.  Formats and options are checked against the backend's
 * closed lists, with Django's messages: on PostgreSQL the formats TEXT,
 * JSON, YAML and XML and the options ANALYZE, BUFFERS, COSTS, SETTINGS,
 * SUMMARY, TIMING, VERBOSE and WAL (any case); on SQLite (EXPLAIN QUERY
 * PLAN) neither.  "Unknown options: x" or "X is not a recognized format.
 * Allowed formats: ..." are DORM_EVALUE; a backend that cannot explain
 * gives DORM_ENOTSUPPORTED.  opts may be NULL.  ANALYZE runs the query. */
DORM_API const char *dorm_qs_explain(dorm_qs *qs, const dorm_explain_opts *opts);

#ifdef __cplusplus
}
#endif

#endif
