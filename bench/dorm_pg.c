/* dorm_pg.c - the benchmark workloads through dorm's public API only, on
 * PostgreSQL, with the data and checksums of raw_pg.c: the gap between the
 * two is what the ORM costs.  Usage: dorm_pg URL   (a postgres:// URL of an
 * empty database; one "bench ..." line per workload) */

#include <stdio.h>
#include <string.h>

#include <libpq-fe.h>

#include "dorm.h"

#include "dorm_workloads.h"
#include "pg_common.h"

/* Drops the tables through `check` (a libpq connection for the untimed
 * work), opens a new dorm connection to `url` and creates the tables with
 * dorm_create_tables; NULL on error (message on stderr). */
static dorm_db *fresh_db(PGconn *check, const char *url, const dorm_registry *reg) {
    if (bench_pg_drop_tables(check) < 0) return NULL;
    dorm_db *db = dorm_db_open(url, reg);
    if (!db || dorm_db_errcode(db) != DORM_OK) {
        fprintf(stderr, "dorm_pg: dorm_db_open: %s\n", db ? dorm_db_errmsg(db) : "out of memory");
        dorm_db_close(db);
        return NULL;
    }
    dorm_ctx *cx = dorm_ctx_new(db);
    int rc = cx ? dorm_create_tables(cx, DORM_MODELS(&Author_model, &Book_model)) : DORM_ENOMEM;
    if (rc < 0) {
        if (cx)
            bench_dorm_fail(cx, "create_tables");
        else
            fprintf(stderr, "dorm_pg: out of memory\n");
        dorm_ctx_free(cx);
        dorm_db_close(db);
        return NULL;
    }
    dorm_ctx_free(cx);
    return db;
}

/* Runs a loading workload on fresh tables bench_runs() times and hashes what
 * the last run stored; that run's handle is left in *keep, the tables
 * vacuumed and analyzed. */
static int run_fresh_round(PGconn *check, const char *url, const dorm_registry *reg, const char *name,
                           int (*fn)(dorm_db *, double *), dorm_db **keep) {
    double best = 1e300;
    uint64_t sum = 0;
    for (int run = 0, runs = bench_runs(); run < runs; run++) {
        double secs;
        dorm_db *db = fresh_db(check, url, reg);
        if (!db) return -1;
        if (fn(db, &secs) < 0 || bench_pg_db_checksum(check, &sum) < 0) {
            dorm_db_close(db);
            return -1;
        }
        if (secs < best) best = secs;
        if (run == runs - 1 && keep) {
            if (bench_pg_settle(check) < 0) {
                dorm_db_close(db);
                return -1;
            }
            *keep = db;
        } else {
            dorm_db_close(db);
        }
    }
    bench_report(IMPL, name, BENCH_AUTHORS + BENCH_BOOKS, best, sum);
    return 0;
}

/* bench_rounds(name) rounds of it, paced by bench_step. */
static int run_fresh(PGconn *check, const char *url, const dorm_registry *reg, const char *name,
                     int (*fn)(dorm_db *, double *), dorm_db **keep) {
    for (int round = 0, rounds = bench_rounds(name); round < rounds; round++) {
        bench_step(name);
        if (run_fresh_round(check, url, reg, name, fn, round == rounds - 1 ? keep : NULL) < 0) return -1;
    }
    return 0;
}

/* update_const: its checksum reads the table state after the last run. */
static int run_update_round(dorm_db *db, PGconn *check) {
    double best = 1e300;
    int64_t matched = 0;
    uint64_t sum;
    for (int run = 0, runs = bench_runs(); run < runs; run++) {
        double secs;
        dorm_ctx *cx = dorm_ctx_new(db);
        if (!cx) {
            fprintf(stderr, "dorm_pg: out of memory\n");
            return -1;
        }
        int rc = bench_dorm_update(cx, &secs, &matched);
        dorm_ctx_free(cx);
        if (rc < 0) return -1;
        if (secs < best) best = secs;
    }
    if (bench_pg_update_checksum(check, matched, &sum) < 0) return -1;
    bench_report(IMPL, "update_const", BENCH_UPDATES, best, sum);
    return 0;
}

/* bench_rounds(name) rounds of it, paced by bench_step. */
static int run_update(dorm_db *db, PGconn *check) {
    for (int round = 0, rounds = bench_rounds("update_const"); round < rounds; round++) {
        bench_step("update_const");
        if (run_update_round(db, check) < 0) return -1;
    }
    return 0;
}

/* The many-to-many tables (dorm's) and their rows, untimed. */
static int m2m_setup(dorm_db *db, PGconn *check) {
    return bench_dorm_m2m_tables(db) < 0 ? -1 : bench_pg_m2m_fill(check);
}

static int schema_check(PGconn *check) {
    uint64_t sum;
    if (bench_pg_schema_checksum(check, &sum) < 0) return -1;
    bench_check(IMPL, "schema", sum);
    return 0;
}

int main(int argc, char **argv) {
    int rc = 1;
    dorm_db *db = NULL;
    dorm_registry *reg = NULL;
    if (argc != 2) {
        fprintf(stderr, "usage: dorm_pg URL\n");
        return 2;
    }
    const char *url = argv[1];
    PGconn *check = bench_pg_connect("dorm_pg", url);
    if (!check) return 1;
    reg = dorm_registry_new((const dorm_app *const[]){&bench_library_app, NULL});
    if (!reg || dorm_registry_errcode(reg) != DORM_OK) {
        fprintf(stderr, "dorm_pg: registry: %s\n", reg ? dorm_registry_messages(reg) : "out of memory");
        goto out;
    }
    if (run_fresh(check, url, reg, "create", bench_dorm_create, NULL) == 0 &&
        run_fresh(check, url, reg, "bulk_create", bench_dorm_bulk_create, &db) == 0 && schema_check(check) == 0 &&
        bench_dorm_run_read(db, "fetch_all", BENCH_BOOKS, bench_dorm_fetch_all) == 0 &&
        bench_dorm_run_read(db, "values_list_flat", BENCH_BOOKS, bench_dorm_values_flat) == 0 &&
        bench_dorm_run_read(db, "get_pk", BENCH_GETS, bench_dorm_get_pk) == 0 &&
        bench_dorm_run_read(db, "filter_order_slice", BENCH_FILTERS, bench_dorm_filter) == 0 &&
        run_update(db, check) == 0 &&
        bench_dorm_run_read(db, "select_related", BENCH_BOOKS, bench_dorm_select_related) == 0 &&
        bench_dorm_run_read(db, "prefetch_related", BENCH_AUTHORS, bench_dorm_prefetch) == 0 &&
        bench_dorm_run_read(db, "page_offset", BENCH_PAGE_QUERIES, bench_dorm_page_offset) == 0 &&
        bench_dorm_run_read(db, "page_keyset", BENCH_PAGE_QUERIES, bench_dorm_page_keyset) == 0 &&
        m2m_setup(db, check) == 0 &&
        bench_dorm_run_read(db, "m2m_filter_distinct", BENCH_M2M_QUERIES, bench_dorm_m2m) == 0 &&
        bench_dorm_run_expressions(db) == 0)
        rc = 0;
    dorm_db_close(db);
    if (bench_pg_drop_tables(check) < 0) rc = 1;
out:
    dorm_registry_free(reg);
    PQfinish(check);
    return rc;
}
