/* dorm_sqlite.c - the benchmark workloads through dorm's public API only, on
 * the schema, data and checksums of raw_sqlite.c: the gap between the two is
 * what the ORM costs.  Usage: dorm_sqlite [dir]   (one "bench ..." line each) */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "dorm.h"

#include "dorm_workloads.h"

/* A plain SQLite connection to the benchmark file, for the checksums only. */
static sqlite3 *open_check(const char *path) {
    sqlite3 *db;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        fprintf(stderr, "dorm_sqlite: %s: %s\n", path, sqlite3_errmsg(db));
        sqlite3_close(db);
        return NULL;
    }
    return db;
}

static int db_checksum(const char *path, uint64_t *sum) {
    sqlite3 *db = open_check(path);
    int rc = db ? bench_db_checksum(db, sum) : -1;
    sqlite3_close(db);
    return rc;
}

/* Opens a fresh database at `path` with dorm_db_open, creates the tables
 * with dorm_create_tables; NULL on error (message on stderr). */
static dorm_db *fresh_db(const char *path, const dorm_registry *reg) {
    if (bench_remove_db(path) < 0) {
        fprintf(stderr, "dorm_sqlite: cannot remove %s\n", path);
        return NULL;
    }
    size_t n = strlen(path) + sizeof "sqlite:///";
    char *url = malloc(n);
    if (!url) {
        fprintf(stderr, "dorm_sqlite: out of memory\n");
        return NULL;
    }
    snprintf(url, n, "sqlite:///%s", path);
    dorm_db *db = dorm_db_open(url, reg);
    free(url);
    if (!db || dorm_db_errcode(db) != DORM_OK) {
        fprintf(stderr, "dorm_sqlite: dorm_db_open: %s\n", db ? dorm_db_errmsg(db) : "out of memory");
        dorm_db_close(db);
        return NULL;
    }
    dorm_ctx *cx = dorm_ctx_new(db);
    int rc = cx ? dorm_create_tables(cx, DORM_MODELS(&Author_model, &Book_model)) : DORM_ENOMEM;
    if (rc < 0) {
        if (cx)
            bench_dorm_fail(cx, "create_tables");
        else
            fprintf(stderr, "dorm_sqlite: out of memory\n");
        dorm_ctx_free(cx);
        dorm_db_close(db);
        return NULL;
    }
    dorm_ctx_free(cx);
    return db;
}

/* Runs a loading workload on a fresh database bench_runs() times and hashes
 * what the last run stored; that run's handle is left in *keep. */
static int run_fresh_round(const char *path, const dorm_registry *reg, const char *name, int (*fn)(dorm_db *, double *),
                           dorm_db **keep) {
    double best = 1e300;
    uint64_t sum = 0;
    for (int run = 0, runs = bench_runs(); run < runs; run++) {
        double secs;
        dorm_db *db = fresh_db(path, reg);
        if (!db) return -1;
        if (fn(db, &secs) < 0 || db_checksum(path, &sum) < 0) {
            dorm_db_close(db);
            return -1;
        }
        if (secs < best) best = secs;
        if (run == runs - 1 && keep)
            *keep = db;
        else
            dorm_db_close(db);
    }
    bench_report(IMPL, name, BENCH_AUTHORS + BENCH_BOOKS, best, sum);
    return 0;
}

/* bench_rounds(name) rounds of it, paced by bench_step. */
static int run_fresh(const char *path, const dorm_registry *reg, const char *name, int (*fn)(dorm_db *, double *),
                     dorm_db **keep) {
    for (int round = 0, rounds = bench_rounds(name); round < rounds; round++) {
        bench_step(name);
        if (run_fresh_round(path, reg, name, fn, round == rounds - 1 ? keep : NULL) < 0) return -1;
    }
    return 0;
}

/* update_const: its checksum reads the table state after the last run. */
static int run_update_round(dorm_db *db, const char *path) {
    double best = 1e300;
    int64_t matched = 0;
    uint64_t sum;
    for (int run = 0, runs = bench_runs(); run < runs; run++) {
        double secs;
        dorm_ctx *cx = dorm_ctx_new(db);
        if (!cx) {
            fprintf(stderr, "dorm_sqlite: out of memory\n");
            return -1;
        }
        int rc = bench_dorm_update(cx, &secs, &matched);
        dorm_ctx_free(cx);
        if (rc < 0) return -1;
        if (secs < best) best = secs;
    }
    sqlite3 *check = open_check(path);
    int rc = check ? bench_update_checksum(check, matched, &sum) : -1;
    sqlite3_close(check);
    if (rc == 0) bench_report(IMPL, "update_const", BENCH_UPDATES, best, sum);
    return rc;
}

/* bench_rounds(name) rounds of it, paced by bench_step. */
static int run_update(dorm_db *db, const char *path) {
    for (int round = 0, rounds = bench_rounds("update_const"); round < rounds; round++) {
        bench_step("update_const");
        if (run_update_round(db, path) < 0) return -1;
    }
    return 0;
}

/* The many-to-many tables (dorm's) and their rows, untimed. */
static int m2m_setup(dorm_db *db, const char *path) {
    int rc = bench_dorm_m2m_tables(db);
    sqlite3 *w;
    if (rc < 0 || sqlite3_open(path, &w) != SQLITE_OK) return -1;
    for (size_t i = 0; rc == 0 && bench_m2m_fill[i]; i++)
        if (sqlite3_exec(w, bench_m2m_fill[i], NULL, NULL, NULL) != SQLITE_OK) {
            fprintf(stderr, "dorm_sqlite: %s\n", sqlite3_errmsg(w));
            rc = -1;
        }
    sqlite3_close(w);
    return rc;
}

static int schema_check(const char *path) {
    uint64_t sum;
    sqlite3 *check = open_check(path);
    int rc = check ? bench_schema_checksum(check, &sum) : -1;
    sqlite3_close(check);
    if (rc == 0) bench_check(IMPL, "schema", sum);
    return rc;
}

int main(int argc, char **argv) {
    int created, rc = 1;
    dorm_db *db = NULL;
    dorm_registry *reg = NULL;
    char *dir = bench_tmpdir(argc > 1 ? argv[1] : NULL, &created);
    char *path = dir ? bench_path(dir, "dorm.db") : NULL;
    if (!path) goto out;
    reg = dorm_registry_new((const dorm_app *const[]){&bench_library_app, NULL});
    if (!reg || dorm_registry_errcode(reg) != DORM_OK) {
        fprintf(stderr, "dorm_sqlite: registry: %s\n", reg ? dorm_registry_messages(reg) : "out of memory");
        goto out;
    }
    if (run_fresh(path, reg, "create", bench_dorm_create, NULL) == 0 &&
        run_fresh(path, reg, "bulk_create", bench_dorm_bulk_create, &db) == 0 && schema_check(path) == 0 &&
        bench_dorm_run_read(db, "fetch_all", BENCH_BOOKS, bench_dorm_fetch_all) == 0 &&
        bench_dorm_run_read(db, "values_list_flat", BENCH_BOOKS, bench_dorm_values_flat) == 0 &&
        bench_dorm_run_read(db, "get_pk", BENCH_GETS, bench_dorm_get_pk) == 0 &&
        bench_dorm_run_read(db, "filter_order_slice", BENCH_FILTERS, bench_dorm_filter) == 0 &&
        run_update(db, path) == 0 &&
        bench_dorm_run_read(db, "select_related", BENCH_BOOKS, bench_dorm_select_related) == 0 &&
        bench_dorm_run_read(db, "prefetch_related", BENCH_AUTHORS, bench_dorm_prefetch) == 0 &&
        bench_dorm_run_read(db, "page_offset", BENCH_PAGE_QUERIES, bench_dorm_page_offset) == 0 &&
        bench_dorm_run_read(db, "page_keyset", BENCH_PAGE_QUERIES, bench_dorm_page_keyset) == 0 &&
        m2m_setup(db, path) == 0 &&
        bench_dorm_run_read(db, "m2m_filter_distinct", BENCH_M2M_QUERIES, bench_dorm_m2m) == 0 &&
        bench_dorm_run_expressions(db) == 0)
        rc = 0;
    dorm_db_close(db);
    bench_remove_db(path);
    if (created) rmdir(dir);
out:
    dorm_registry_free(reg);
    free(path);
    free(dir);
    return rc;
}
