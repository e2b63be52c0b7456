/* transaction.c - tests of transactions and savepoints on SQLite: nesting,
 * rolling back to a savepoint while keeping the outer work, the SQL each
 * level runs, failed commits, the atomic calls over a context, and how
 * write blocks start (transaction_mode, BEGIN IMMEDIATE, the busy timeout). */
#define _POSIX_C_SOURCE 200809L

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend/db.h"
#include "core/ctx.h"

static dorm_db *mem(void) {
    dorm_db *db = dorm_db_open("sqlite://:memory:", NULL);
    cr_assert_eq(dorm_db_errcode(db), DORM_OK, "%s", dorm_db_errmsg(db));
    return db;
}

static void exec_ok(dorm_db *db, const char *sql) {
    dorm_errbuf e = {0, ""};
    cr_assert_eq(dorm_db__exec(db, sql, &e), 0, "%s: %s", sql, e.msg);
}

static int64_t count(dorm_db *db) {
    dorm_errbuf e = {0, ""};
    dorm_cached_stmt *cs;
    cr_assert_eq(dorm_db__prepare(db, "SELECT count(*) FROM t", DORM_STRLEN, &cs, &e), 0, "%s", e.msg);
    cr_assert_eq(dorm_db__run(db, cs, NULL, 0, &e), DORM_STEP_ROW);
    int64_t n = db->drv->column_int(cs->stmt, 0);
    dorm_db__release(db, cs);
    return n;
}

/* The log, as "SQL|SQL|..." */
static void record(const char *sql, const char *params, double seconds, void *payload) {
    (void)params;
    (void)seconds;
    char *log = payload;
    size_t n = strlen(log);
    snprintf(log + n, 1024 - n, "%s%s", n ? "|" : "", sql);
}

Test(transaction, statements_per_level) {
    dorm_db *db = mem();
    char log[1024] = "";
    dorm_db_set_log(db, record, log);
    dorm_errbuf e = {0, ""};
    cr_assert_eq(dorm_db__begin(db, &e), 0);
    cr_assert_eq(dorm_db__begin(db, &e), 0);
    cr_assert_eq(dorm_db__begin(db, &e), 0);
    cr_assert_eq(db->atomic_depth, 3);
    cr_assert_eq(dorm_db__rollback(db, &e), 0);
    cr_assert_eq(dorm_db__commit(db, &e), 0);
    cr_assert_eq(dorm_db__commit(db, &e), 0);
    cr_assert_eq(db->atomic_depth, 0);
    cr_assert_str_eq(log,
                     "BEGIN|SAVEPOINT \"dorm_s1\"|SAVEPOINT \"dorm_s2\"|ROLLBACK TO SAVEPOINT \"dorm_s2\"|"
                     "RELEASE SAVEPOINT \"dorm_s2\"|RELEASE SAVEPOINT \"dorm_s1\"|COMMIT");
    log[0] = '\0';
    cr_assert_eq(dorm_db__begin(db, &e), 0);
    cr_assert_eq(dorm_db__rollback(db, &e), 0);
    cr_assert_str_eq(log, "BEGIN|ROLLBACK");
    dorm_db_close(db);
}

Test(transaction, rollback_to_savepoint_keeps_outer_work) {
    dorm_db *db = mem();
    exec_ok(db, "CREATE TABLE t (x integer)");
    dorm_errbuf e = {0, ""};
    cr_assert_eq(dorm_db__begin(db, &e), 0);
    exec_ok(db, "INSERT INTO t VALUES (1)");
    cr_assert_eq(dorm_db__begin(db, &e), 0);
    exec_ok(db, "INSERT INTO t VALUES (2)");
    cr_assert_eq(dorm_db__begin(db, &e), 0);
    exec_ok(db, "INSERT INTO t VALUES (3)");
    cr_assert_eq(dorm_db__commit(db, &e), 0);
    cr_assert_eq(count(db), 3);
    cr_assert_eq(dorm_db__rollback(db, &e), 0);
    cr_assert_eq(count(db), 1);
    cr_assert_eq(dorm_db__commit(db, &e), 0);
    cr_assert_eq(count(db), 1);
    cr_assert_eq(dorm_db__begin(db, &e), 0);
    exec_ok(db, "INSERT INTO t VALUES (4)");
    cr_assert_eq(dorm_db__rollback(db, &e), 0);
    cr_assert_eq(count(db), 1);
    dorm_db_close(db);
}

Test(transaction, no_open_transaction) {
    dorm_db *db = mem();
    dorm_errbuf e = {0, ""};
    cr_assert_eq(dorm_db__commit(db, &e), DORM_ETRANSACTION);
    cr_assert_str_eq(e.msg, "There is no open transaction to commit.");
    cr_assert_eq(dorm_db__rollback(db, &e), DORM_ETRANSACTION);
    cr_assert_str_eq(e.msg, "There is no open transaction to roll back.");
    dorm_db_close(db);
}

Test(transaction, failed_commit_rolls_back) {
    dorm_db *db = mem();
    exec_ok(db, "CREATE TABLE p (id integer PRIMARY KEY)");
    exec_ok(db, "CREATE TABLE t (p_id integer REFERENCES p (id) DEFERRABLE INITIALLY DEFERRED)");
    dorm_errbuf e = {0, ""};
    cr_assert_eq(dorm_db__begin(db, &e), 0);
    exec_ok(db, "INSERT INTO t VALUES (99)");
    cr_assert_eq(dorm_db__commit(db, &e), DORM_EINTEGRITY);
    cr_assert_str_eq(e.msg, "FOREIGN KEY constraint failed");
    cr_assert_eq(db->atomic_depth, 0);
    cr_assert_eq(count(db), 0);
    cr_assert_eq(dorm_db__begin(db, &e), 0, "%s", e.msg);
    cr_assert_eq(dorm_db__commit(db, &e), 0, "%s", e.msg);
    dorm_db_close(db);
}

Test(transaction, needs_rollback_refuses_commit) {
    dorm_db *db = mem();
    exec_ok(db, "CREATE TABLE t (x integer)");
    dorm_errbuf e = {0, ""};
    cr_assert_eq(dorm_db__begin(db, &e), 0);
    exec_ok(db, "INSERT INTO t VALUES (1)");
    cr_assert_eq(dorm_db__begin(db, &e), 0);
    exec_ok(db, "INSERT INTO t VALUES (2)");
    db->needs_rollback = db->rollback_error = true; /* as a failed statement marks it */
    cr_assert_eq(dorm_db__commit(db, &e), DORM_ETRANSACTION);
    cr_assert_not(db->needs_rollback);
    cr_assert_eq(db->atomic_depth, 1);
    cr_assert_eq(count(db), 1);
    cr_assert_eq(dorm_db__commit(db, &e), 0);
    cr_assert_eq(count(db), 1);
    dorm_db_close(db);
}

Test(transaction, close_rolls_back) {
    char path[] = "/tmp/dorm-tx-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    close(fd);
    char url[64];
    snprintf(url, sizeof url, "sqlite:///%s", path);
    dorm_db *db = dorm_db_open(url, NULL);
    cr_assert_eq(dorm_db_errcode(db), DORM_OK, "%s", dorm_db_errmsg(db));
    exec_ok(db, "CREATE TABLE t (x integer)");
    dorm_errbuf e = {0, ""};
    cr_assert_eq(dorm_db__begin(db, &e), 0);
    exec_ok(db, "INSERT INTO t VALUES (1)");
    cr_assert_eq(count(db), 1);
    dorm_db_close(db);
    db = dorm_db_open(url, NULL);
    cr_assert_eq(count(db), 0);
    dorm_db_close(db);
    cr_assert_eq(remove(path), 0);
}

Test(transaction, atomic_over_context) {
    dorm_db *db = mem();
    exec_ok(db, "CREATE TABLE t (x integer)");
    dorm_ctx *cx = dorm_ctx_new(db);
    cr_assert_not_null(cx);
    cr_assert_not(dorm_in_atomic(cx));
    cr_assert_eq(dorm_atomic_commit(cx), DORM_ETRANSACTION);
    cr_assert_eq(dorm_errcode(cx), DORM_ETRANSACTION);
    cr_assert_str_eq(dorm_errmsg(cx), "There is no open transaction to commit.");
    dorm_error_clear(cx);

    cr_assert_eq(dorm_atomic_begin(cx), 0);
    cr_assert(dorm_in_atomic(cx));
    exec_ok(db, "INSERT INTO t VALUES (1)");
    cr_assert_eq(dorm_atomic_begin(cx), 0);
    exec_ok(db, "INSERT INTO t VALUES (2)");
    cr_assert_eq(dorm_atomic_end(cx, false), 0);
    cr_assert(dorm_in_atomic(cx));
    cr_assert_eq(dorm_atomic_begin(cx), 0);
    exec_ok(db, "INSERT INTO t VALUES (3)");
    cr_assert_eq(dorm_atomic_rollback(cx), 0);
    cr_assert_eq(dorm_atomic_end(cx, true), 0);
    cr_assert_not(dorm_in_atomic(cx));
    cr_assert_eq(dorm_errcode(cx), DORM_OK);
    cr_assert_eq(count(db), 1);
    dorm_ctx_free(cx);
    dorm_db_close(db);
}

/* A file database of this test (two connections see the same one). */
static const char *temp_url(char *path, size_t cap, const char *query) {
    static char url[128];
    snprintf(path, cap, "/tmp/dorm-tx-XXXXXX");
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    close(fd);
    snprintf(url, sizeof url, "sqlite:///%s%s", path, query);
    return url;
}

/* dorm's own write blocks take SQLite's write lock at BEGIN; a program's
 * blocks start as transaction_mode says (Django's default: DEFERRED). */
Test(transaction, transaction_mode) {
    static const struct {
        const char *query, *user, *write;
    } cases[] = {
        {"", "BEGIN", "BEGIN IMMEDIATE"},
        {"?transaction_mode=DEFERRED", "BEGIN", "BEGIN IMMEDIATE"},
        {"?transaction_mode=immediate", "BEGIN IMMEDIATE", "BEGIN IMMEDIATE"},
        {"?transaction_mode=EXCLUSIVE", "BEGIN EXCLUSIVE", "BEGIN EXCLUSIVE"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char url[64], log[1024] = "";
        snprintf(url, sizeof url, "sqlite://:memory:%s", cases[i].query);
        dorm_db *db = dorm_db_open(url, NULL);
        cr_assert_eq(dorm_db_errcode(db), DORM_OK, "%s", dorm_db_errmsg(db));
        dorm_db_set_log(db, record, log);
        dorm_errbuf e = {0, ""};
        cr_assert_eq(dorm_db__begin(db, &e), 0, "%s", e.msg);
        cr_assert_eq(dorm_db__begin_write(db, &e), 0, "%s", e.msg);
        cr_assert_eq(dorm_db__commit(db, &e), 0, "%s", e.msg);
        cr_assert_eq(dorm_db__commit(db, &e), 0, "%s", e.msg);
        cr_assert_eq(dorm_db__begin_write(db, &e), 0, "%s", e.msg);
        cr_assert_eq(dorm_db__rollback(db, &e), 0, "%s", e.msg);
        char want[256];
        snprintf(want, sizeof want, "%s|SAVEPOINT \"dorm_s1\"|RELEASE SAVEPOINT \"dorm_s1\"|COMMIT|%s|ROLLBACK",
                 cases[i].user, cases[i].write);
        cr_assert_str_eq(log, want, "%s", cases[i].query);
        dorm_db_close(db);
    }
    dorm_db *db = dorm_db_open("sqlite://:memory:?transaction_mode=later", NULL);
    cr_assert_eq(dorm_db_errcode(db), DORM_ECONFIG);
    cr_assert_str_eq(dorm_db_errmsg(db),
                     "SQLite URL option transaction_mode='later' must be DEFERRED, EXCLUSIVE or IMMEDIATE");
    dorm_db_close(db);
    db = dorm_db_open("sqlite://:memory:?mode=ro", NULL);
    cr_assert_str_eq(dorm_db_errmsg(db), "Unsupported SQLite URL option 'mode' (supported: timeout, transaction_mode)");
    dorm_db_close(db);
}

static double seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A write block waits up to the busy timeout for another connection's
 * write lock, then fails with OperationalError "database is locked". */
Test(transaction, write_blocks_wait_for_the_busy_timeout) {
    char path[32];
    const char *url = temp_url(path, sizeof path, "");
    dorm_db *holder = dorm_db_open(url, NULL);
    cr_assert_eq(dorm_db_errcode(holder), DORM_OK, "%s", dorm_db_errmsg(holder));
    exec_ok(holder, "CREATE TABLE t (x integer)");
    dorm_errbuf e = {0, ""};
    cr_assert_eq(dorm_db__begin_write(holder, &e), 0, "%s", e.msg);
    char waiter_url[160];
    snprintf(waiter_url, sizeof waiter_url, "%s?timeout=0.3", url);
    dorm_db *waiter = dorm_db_open(waiter_url, NULL);
    cr_assert_eq(dorm_db_errcode(waiter), DORM_OK, "%s", dorm_db_errmsg(waiter));
    double t0 = seconds();
    cr_assert_eq(dorm_db__begin_write(waiter, &e), DORM_EOPERATIONAL);
    double waited = seconds() - t0;
    cr_assert_str_eq(e.msg, "database is locked");
    cr_assert(waited >= 0.25 && waited < 3, "waited %.3f s", waited);
    cr_assert_eq(waiter->atomic_depth, 0);
    cr_assert_eq(dorm_db__commit(holder, &e), 0, "%s", e.msg);
    cr_assert_eq(dorm_db__begin_write(waiter, &e), 0, "%s", e.msg);
    exec_ok(waiter, "INSERT INTO t VALUES (1)");
    cr_assert_eq(dorm_db__commit(waiter, &e), 0, "%s", e.msg);
    cr_assert_eq(count(holder), 1);
    dorm_db_close(waiter);
    dorm_db_close(holder);
    cr_assert_eq(remove(path), 0);
}
