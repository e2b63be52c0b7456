/* dorm_scale.c - read throughput as threads are added: get_pk and
 * filter_order_slice (the workloads of dorm_workloads.c) from 1, 2 and 4
 * threads, each with a context on a dorm_pool of as many connections, and
 * with reads split over a primary and a hot standby by the replica router;
 * next to one thread on one plain connection.  Every thread runs the whole
 * workload; throughput is the operations of all threads over the wall time
 * from a common start to the last thread's end.
 * Usage: dorm_scale PRIMARY_URL REPLICA_URL   (the primary's database empty;
 * the replica streaming from it).  One "bench ..." line per measurement. */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dorm.h"

#include "dorm_workloads.h"

typedef int (*workload_fn)(dorm_ctx *, double *, uint64_t *);

typedef struct run {
    dorm_pool *pool; /* contexts on the pool, or ...        */
    dorm_databases *dbs; /* ... on primary + replica            */
    workload_fn fn;
    pthread_barrier_t *start;
    int failed;
    uint64_t sum;
} run;

static void *worker(void *payload) {
    run *r = payload;
    dorm_ctx *cx = r->pool ? dorm_ctx_new_pool(r->pool) : dorm_ctx_new_databases(r->dbs);
    /* One untimed read first: every connection is open when the clock starts. */
    if (!cx || dorm_count(dorm_all(cx, Book)) != BENCH_BOOKS) r->failed = 1;
    pthread_barrier_wait(r->start);
    double secs;
    if (!r->failed && r->fn(cx, &secs, &r->sum) < 0) r->failed = 1;
    dorm_ctx_free(cx);
    return NULL;
}

/* `threads` threads on the pool or the set: the best wall time of the runs. */
static int measure(dorm_pool *pool, dorm_databases *dbs, int threads, workload_fn fn, double *best, uint64_t *sum) {
    *best = 1e300;
    for (int k = 0, runs = bench_runs(); k < runs; k++) {
        pthread_barrier_t start;
        pthread_barrier_init(&start, NULL, (unsigned)threads + 1);
        run r[8];
        pthread_t t[8];
        for (int i = 0; i < threads; i++) {
            r[i] = (run){pool, dbs, fn, &start, 0, 0};
            pthread_create(&t[i], NULL, worker, &r[i]);
        }
        pthread_barrier_wait(&start);
        double t0 = bench_now();
        for (int i = 0; i < threads; i++) pthread_join(t[i], NULL);
        double secs = bench_now() - t0;
        pthread_barrier_destroy(&start);
        for (int i = 0; i < threads; i++)
            if (r[i].failed) return -1;
        if (secs < *best) *best = secs;
        *sum = r[0].sum;
    }
    return 0;
}

static void report(const char *setup, const char *workload, int threads, long ops, double secs, uint64_t sum) {
    printf("bench impl=dorm workload=%s setup=%s threads=%d n=%ld seconds=%.6f per_second=%.0f checksum=%016llx\n",
           workload, setup, threads, ops, secs, (double)ops / secs, (unsigned long long)sum);
    fflush(stdout);
}

/* Waits (at most 60 s) until the replica has every book. */
static int wait_replica(const char *url, const dorm_registry *reg) {
    dorm_db *db = dorm_db_open(url, reg);
    dorm_ctx *cx = dorm_ctx_new(db);
    int rc = -1;
    for (int i = 0; i < 600 && rc; i++) {
        if (dorm_count(dorm_all(cx, Book)) == BENCH_BOOKS)
            rc = 0;
        else
            nanosleep(&(struct timespec){0, 100000000}, NULL);
    }
    if (rc) fprintf(stderr, "dorm_scale: the replica did not catch up: %s\n", dorm_errmsg(cx));
    dorm_ctx_free(cx);
    dorm_db_close(db);
    return rc;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: dorm_scale PRIMARY_URL REPLICA_URL\n");
        return 2;
    }
    const char *primary = argv[1], *replica = argv[2];
    dorm_registry *reg = dorm_registry_new((const dorm_app *const[]){&bench_library_app, NULL});
    dorm_db *db = dorm_db_open(primary, reg);
    dorm_ctx *cx = dorm_ctx_new(db);
    double secs;
    if (dorm_db_errcode(db) || dorm_create_tables(cx, DORM_MODELS(&Author_model, &Book_model)) < 0 ||
        bench_dorm_bulk_create(db, &secs) < 0) {
        fprintf(stderr, "dorm_scale: loading: %s %s\n", dorm_db_errmsg(db), dorm_errmsg(cx));
        return 1;
    }
    dorm_cursor *c = dorm_cursor_new(cx);
    dorm_cursor_execute(c, "VACUUM ANALYZE", NULL, 0);
    dorm_cursor_close(c);
    if (wait_replica(replica, reg)) return 1;

    static const struct {
        const char *name;
        workload_fn fn;
        long ops;
    } workloads[] = {{"get_pk", bench_dorm_get_pk, BENCH_GETS},
                     {"filter_order_slice", bench_dorm_filter, BENCH_FILTERS}};
    int status = 0;
    for (size_t w = 0; w < 2; w++) {
        /* One thread, one plain connection: the floor of the curve. */
        double best = 1e300;
        uint64_t sum = 0;
        for (int k = 0, runs = bench_runs(); k < runs; k++) {
            if (workloads[w].fn(cx, &secs, &sum) < 0) return 1;
            if (secs < best) best = secs;
        }
        report("connection", workloads[w].name, 1, workloads[w].ops, best, sum);
        for (int threads = 1; threads <= 4; threads *= 2) {
            dorm_pool_opts opts = DORM_POOL_OPTS_INIT;
            opts.max_size = threads;
            dorm_pool *pool = dorm_pool_new(primary, reg, &opts);
            if (dorm_pool_errcode(pool) || measure(pool, NULL, threads, workloads[w].fn, &best, &sum) < 0) {
                fprintf(stderr, "dorm_scale: pool: %s\n", dorm_pool_errmsg(pool));
                status = 1;
            } else {
                report("pool", workloads[w].name, threads, workloads[w].ops * threads, best, sum);
            }
            dorm_pool_free(pool);
            dorm_databases *dbs = dorm_databases_new(reg);
            opts.max_size = threads;
            int rc = dorm_databases_add(dbs, "default", primary, &opts);
            if (!rc) rc = dorm_databases_add(dbs, "replica", replica, &opts);
            /* Reads alternate between the two servers; nothing here writes. */
            if (!rc)
                rc = dorm_databases_add_replica_router(dbs, "default",
                                                       (const char *const[]){"default", "replica", NULL}, 0);
            if (rc || measure(NULL, dbs, threads, workloads[w].fn, &best, &sum) < 0) {
                fprintf(stderr, "dorm_scale: primary + replica: %s\n", dorm_databases_errmsg(dbs));
                status = 1;
            } else {
                report("primary+replica", workloads[w].name, threads, workloads[w].ops * threads, best, sum);
            }
            dorm_databases_free(dbs);
        }
    }
    dorm_ctx_free(cx);
    dorm_db_close(db);
    dorm_registry_free(reg);
    return status;
}
