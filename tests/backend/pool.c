/* pool.c - dorm_pool from one thread: contexts borrow a connection per
 * statement and hold it through a transaction, a borrow waits at most
 * wait_timeout when all are lent, an in-memory SQLite database keeps one
 * connection, a bad URL is reported at once, and a session the server
 * ended is replaced before it is lent (PostgreSQL). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "backend/db.h"
#include "testdb.h"

static bool on_postgres(void) { return strncmp(test_db_url(), "postgres", 8) == 0; }

static struct {
    dorm_registry *reg;
    dorm_pool *pool;
    char dir[32];
    char url[600];
} P;

static const dorm_app app = {.label = "library", .models = DORM_MODELS(&Author_model, &Book_model)};

/* A file database (several connections see it) or the test server, the
 * tables made through a context on the pool. */
static void open_pool(int max, double wait, double health) {
    P.reg = dorm_registry_new((const dorm_app *const[]){&app, NULL});
    if (on_postgres()) {
        snprintf(P.url, sizeof P.url, "%s&options=-c%%20search_path%%3Ddorm_pool_%ld&application_name=dorm_pool_%ld",
                 test_db_url(), (long)getpid(), (long)getpid());
        dorm_db *db = dorm_db_open(test_db_url(), P.reg);
        char sql[160];
        snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS dorm_pool_%ld CASCADE; CREATE SCHEMA dorm_pool_%ld",
                 (long)getpid(), (long)getpid());
        dorm_errbuf e;
        cr_assert_eq(dorm_db__exec(db, sql, &e), 0, "%s", e.msg);
        dorm_db_close(db);
    } else {
        snprintf(P.dir, sizeof P.dir, "/tmp/dorm-pool-XXXXXX");
        cr_assert_not_null(mkdtemp(P.dir));
        snprintf(P.url, sizeof P.url, "sqlite:///%s/pool.db", P.dir);
    }
    dorm_pool_opts opts = DORM_POOL_OPTS_INIT;
    opts.max_size = max;
    opts.wait_timeout = wait;
    opts.health_check = health;
    P.pool = dorm_pool_new(P.url, P.reg, &opts);
    cr_assert_eq(dorm_pool_errcode(P.pool), DORM_OK, "%s", dorm_pool_errmsg(P.pool));
    dorm_ctx *cx = dorm_ctx_new_pool(P.pool);
    cr_assert_eq(dorm_create_all(cx), 0, "%s", dorm_errmsg(cx));
    dorm_ctx_free(cx);
}

static void close_pool(void) {
    dorm_pool_free(P.pool);
    if (on_postgres()) {
        dorm_db *db = dorm_db_open(test_db_url(), P.reg);
        char sql[96];
        snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS dorm_pool_%ld CASCADE", (long)getpid());
        dorm_errbuf e;
        dorm_db__exec(db, sql, &e);
        dorm_db_close(db);
    } else if (P.dir[0]) {
        char path[64];
        snprintf(path, sizeof path, "%s/pool.db", P.dir);
        remove(path);
        rmdir(P.dir);
    }
    dorm_registry_free(P.reg);
    memset(&P, 0, sizeof P);
}

TestSuite(pool, .fini = close_pool);

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

Test(pool, borrows_per_statement_and_holds_through_a_transaction) {
    open_pool(2, 0.3, 30);
    dorm_ctx *a = dorm_ctx_new_pool(P.pool), *b = dorm_ctx_new_pool(P.pool), *c = dorm_ctx_new_pool(P.pool);
    /* Statements outside a transaction give their connection back at once:
     * three contexts take turns on two connections. */
    for (int i = 0; i < 3; i++) {
        cr_assert_not_null(dorm_create(a, Author, .name = "A"), "%s", dorm_errmsg(a));
        cr_assert_geq(dorm_count(dorm_all(b, Author)), 1, "%s", dorm_errmsg(b));
        cr_assert_geq(dorm_count(dorm_all(c, Author)), 1, "%s", dorm_errmsg(c));
    }
    dorm_pool_stats st = dorm_pool_get_stats(P.pool);
    cr_assert_leq(st.size, 2);
    cr_assert_eq(st.idle, st.size, "every connection is back");
    /* Two open transactions hold both connections: the third context waits
     * wait_timeout, then fails, and works again once one is committed. */
    cr_assert_eq(dorm_atomic_begin(a), 0, "%s", dorm_errmsg(a));
    cr_assert_eq(dorm_atomic_begin(b), 0, "%s", dorm_errmsg(b));
    cr_assert_not_null(dorm_create(a, Author, .name = "in a block"), "%s", dorm_errmsg(a));
    double t0 = now();
    cr_assert_lt(dorm_count(dorm_all(c, Author)), 0);
    double waited = now() - t0;
    cr_assert_eq(dorm_errcode(c), DORM_EOPERATIONAL);
    cr_assert(strstr(dorm_errmsg(c), "became free within 0.3 seconds (all 2 of the pool's connections are in use)"),
              "%s", dorm_errmsg(c));
    cr_assert(waited >= 0.25 && waited < 5, "waited %.3f s", waited);
    cr_assert_eq(dorm_pool_get_stats(P.pool).timeouts, 1);
    cr_assert_eq(dorm_atomic_commit(a), 0, "%s", dorm_errmsg(a));
    cr_assert_geq(dorm_count(dorm_all(c, Author)), 4, "%s", dorm_errmsg(c));
    cr_assert_eq(dorm_atomic_rollback(b), 0, "%s", dorm_errmsg(b));
    cr_assert_eq(dorm_pool_get_stats(P.pool).idle, dorm_pool_get_stats(P.pool).size);
    dorm_ctx_free(a);
    dorm_ctx_free(b);
    dorm_ctx_free(c);
}

/* A streaming iterator keeps its connection until it ends. */
Test(pool, an_iterator_holds_its_connection) {
    open_pool(1, 0.2, 30);
    dorm_ctx *a = dorm_ctx_new_pool(P.pool), *b = dorm_ctx_new_pool(P.pool);
    for (int i = 0; i < 5; i++) cr_assert_not_null(dorm_create(a, Author, .name = "x"), "%s", dorm_errmsg(a));
    dorm_iter *it = dorm_iterator(dorm_all(a, Author), 2);
    cr_assert_not_null(dorm_next(it), "%s", dorm_errmsg(a));
    cr_assert_lt(dorm_count(dorm_all(b, Author)), 0, "the only connection streams for a");
    int n = 1;
    while (dorm_next(it)) n++;
    cr_assert_eq(n, 5);
    cr_assert_eq(dorm_count(dorm_all(b, Author)), 5, "%s", dorm_errmsg(b));
    dorm_ctx_free(a);
    dorm_ctx_free(b);
}

Test(pool, bad_urls_and_in_memory_databases) {
    P.reg = dorm_registry_new((const dorm_app *const[]){&app, NULL});
    dorm_pool *bad = dorm_pool_new("nosuch://x", P.reg, NULL);
    cr_assert_eq(dorm_pool_errcode(bad), DORM_ECONFIG);
    cr_assert(strstr(dorm_pool_errmsg(bad), "Unsupported database URL scheme 'nosuch'"), "%s", dorm_pool_errmsg(bad));
    cr_assert_null(dorm_ctx_new_pool(bad));
    dorm_pool_free(bad);
    dorm_ctx *cx;
    /* Each connection to :memory: is a database of its own: one only. */
    dorm_pool_opts opts = DORM_POOL_OPTS_INIT;
    opts.wait_timeout = 0.1;
    P.pool = dorm_pool_new("sqlite://:memory:", P.reg, &opts);
    cx = dorm_ctx_new_pool(P.pool);
    cr_assert_eq(dorm_create_all(cx), 0, "%s", dorm_errmsg(cx));
    dorm_ctx *other = dorm_ctx_new_pool(P.pool);
    cr_assert_not_null(dorm_create(cx, Author, .name = "seen by both"), "%s", dorm_errmsg(cx));
    cr_assert_eq(dorm_count(dorm_all(other, Author)), 1, "%s", dorm_errmsg(other));
    cr_assert_eq(dorm_pool_get_stats(P.pool).size, 1);
    dorm_ctx_free(other);
    dorm_ctx_free(cx);
}

/* PostgreSQL: sessions the server ended while they sat in the pool are
 * re-opened before they are lent, whether the check is the free one (the
 * socket) or a ping. */
Test(pool, ended_sessions_are_replaced) {
    if (!on_postgres()) cr_skip_test("PostgreSQL only: a server ends sessions");
    open_pool(3, 5, 0);
    dorm_ctx *cx[3];
    for (int i = 0; i < 3; i++) cx[i] = dorm_ctx_new_pool(P.pool);
    /* Three connections, all in the pool. */
    for (int i = 0; i < 3; i++) cr_assert_eq(dorm_atomic_begin(cx[i]), 0, "%s", dorm_errmsg(cx[i]));
    for (int i = 0; i < 3; i++) cr_assert_eq(dorm_atomic_commit(cx[i]), 0, "%s", dorm_errmsg(cx[i]));
    cr_assert_eq(dorm_pool_get_stats(P.pool).size, 3);
    dorm_db *killer = dorm_db_open(test_db_url(), P.reg);
    char sql[200];
    snprintf(sql, sizeof sql,
             "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'dorm_pool_%ld'",
             (long)getpid());
    dorm_errbuf e;
    cr_assert_eq(dorm_db__exec(killer, sql, &e), 0, "%s", e.msg);
    dorm_db_close(killer);
    nanosleep(&(struct timespec){0, 100000000}, NULL);
    for (int round = 0; round < 2; round++)
        for (int i = 0; i < 3; i++) cr_assert_geq(dorm_count(dorm_all(cx[i], Author)), 0, "%s", dorm_errmsg(cx[i]));
    for (int i = 0; i < 3; i++) dorm_ctx_free(cx[i]);
}
