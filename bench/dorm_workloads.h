/* dorm_workloads.h - the benchmark's models and the workloads run through
 * dorm's public API (dorm_workloads.c), shared by the SQLite and PostgreSQL
 * benchmark programs. */
#ifndef BENCH_DORM_WORKLOADS_H
#define BENCH_DORM_WORKLOADS_H

#include "dorm.h"

#include "common.h"

#define IMPL "dorm"

typedef struct Author {
    DORM_OBJECT;
    int64_t id;
    const char *name;
    dorm_date birth_date;
    const char *biography;
} Author;

typedef struct Book {
    DORM_OBJECT;
    int64_t id;
    const char *title;
    DORM_FK(Author) author;
    dorm_date publication_date;
    const char *isbn;
    const char *genre;
    int32_t pages;
} Book;

typedef struct Tag {
    DORM_OBJECT;
    int64_t id;
    const char *name;
} Tag;

extern const dorm_model Author_model;
extern const dorm_model Tag_model;
extern const dorm_model Book_model;
extern const dorm_app bench_library_app;

/* Prints the context's error for workload `what` on stderr; returns -1. */
int bench_dorm_fail(dorm_ctx *cx, const char *what);
/* Loading workloads on empty tables: 0 and the time in *secs, or -1. */
int bench_dorm_create(dorm_db *db, double *secs);
int bench_dorm_bulk_create(dorm_db *db, double *secs);
/* Reading workloads: 0, the time and the checksum of what was read, or -1. */
int bench_dorm_fetch_all(dorm_ctx *cx, double *secs, uint64_t *sum);
int bench_dorm_values_flat(dorm_ctx *cx, double *secs, uint64_t *sum);
int bench_dorm_get_pk(dorm_ctx *cx, double *secs, uint64_t *sum);
int bench_dorm_filter(dorm_ctx *cx, double *secs, uint64_t *sum);
int bench_dorm_select_related(dorm_ctx *cx, double *secs, uint64_t *sum);
int bench_dorm_prefetch(dorm_ctx *cx, double *secs, uint64_t *sum);
int bench_dorm_m2m(dorm_ctx *cx, double *secs, uint64_t *sum);
/* The expression workloads (each query's rows hashed by bench_hash_cell). */
int bench_dorm_annotate_having(dorm_ctx *cx, double *secs, uint64_t *sum);
int bench_dorm_values_group(dorm_ctx *cx, double *secs, uint64_t *sum);
int bench_dorm_subquery_latest(dorm_ctx *cx, double *secs, uint64_t *sum);
int bench_dorm_window_rank(dorm_ctx *cx, double *secs, uint64_t *sum);
int bench_dorm_union_filters(dorm_ctx *cx, double *secs, uint64_t *sum);
/* Runs the five of them (bench_dorm_run_read each); 0 or -1. */
int bench_dorm_run_expressions(dorm_db *db);
/* Page BENCH_PAGE of Book.objects.order_by("title"), BENCH_PAGE_QUERIES
 * times: by Paginator (a COUNT and LIMIT/OFFSET each time, as each request
 * of a web page makes a new Paginator) and by keyset pagination (from the
 * previous page's cursor, found untimed). */
int bench_dorm_page_offset(dorm_ctx *cx, double *secs, uint64_t *sum);
int bench_dorm_page_keyset(dorm_ctx *cx, double *secs, uint64_t *sum);
/* Creates the many-to-many tables (library_tag, the automatic
 * library_book_tags) with dorm, untimed.  0 or -1 (message on stderr). */
int bench_dorm_m2m_tables(dorm_db *db);
/* One update_const run: 0, its time and the rows matched, or -1. */
int bench_dorm_update(dorm_ctx *cx, double *secs, int64_t *matched);
/* Runs a reading workload bench_runs() times, each in its own context, and
 * reports the best time.  0 or -1. */
int bench_dorm_run_read(dorm_db *db, const char *name, long n, int (*fn)(dorm_ctx *, double *, uint64_t *));

#endif
