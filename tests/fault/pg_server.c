/* pg_server.c - a PostgreSQL server that goes away: each test starts a
 * private server (tests/support/pgserver.h), then stops, crashes
 * (pg_ctl stop -m immediate) and restarts it outside and inside
 * transactions, and checks what dorm reports and that it recovers, and
 * that an acknowledged commit survives the crash. */
#define _POSIX_C_SOURCE 200809L

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/hooks.h>

#include "backend/db.h"
#include "pgserver.h"
#include "testdb.h"

static const dorm_app app = {.label = "library", .models = DORM_MODELS(&Author_model, &Book_model)};

static struct {
    dorm_registry *reg;
    dorm_db *db;
    dorm_ctx *cx;
} S;

/* The server's own configuration trades durability for speed
 * (synchronous_commit=off, as every test server); these tests crash it, so
 * their sessions wait for each commit to reach the log. */
static const char durable[] = "&options=-c%20synchronous_commit%3Don";
static char server_url[600];

/* Opens `url` with the library models and (when `create`) their tables. */
static void open_db(const char *url, bool create)
{
    S.reg = dorm_registry_new((const dorm_app *const[]){&app, NULL});
    cr_assert_eq(dorm_registry_errcode(S.reg), DORM_OK, "%s", dorm_registry_messages(S.reg));
    S.db = dorm_db_open(url, S.reg);
    cr_assert_eq(dorm_db_errcode(S.db), DORM_OK, "%s", dorm_db_errmsg(S.db));
    S.cx = dorm_ctx_new(S.db);
    if (create) cr_assert_eq(dorm_create_all(S.cx), DORM_OK, "%s", dorm_errmsg(S.cx));
}

static void close_db(void)
{
    dorm_ctx_free(S.cx);
    dorm_db_close(S.db);
    dorm_registry_free(S.reg);
    memset(&S, 0, sizeof S);
}

/* Each test has a server of its own, named after the test; the hook below
 * stops it even when the test crashed before its fini. */
#define SERVER_TEST(name)                                                                                           \
    static void init_##name(void)                                                                                   \
    {                                                                                                               \
        snprintf(server_url, sizeof server_url, "%s%s", test_pg_server_start(#name), durable);                      \
        open_db(server_url, true);                                                                                  \
    }                                                                                                               \
    static void fini_##name(void)                                                                                   \
    {                                                                                                               \
        close_db();                                                                                                 \
        test_pg_server_stop(#name);                                                                                 \
    }                                                                                                               \
    Test(pg_server, name, .init = init_##name, .fini = fini_##name, .timeout = 180)

ReportHook(POST_TEST)(struct criterion_test_stats *stats)
{
    test_pg_server_stop(stats->test->name);
}

static void crash(void)
{
    cr_assert(test_pg_server_ctl("stop -m immediate"), "pg_ctl stop -m immediate failed");
}

static void start(void)
{
    cr_assert(test_pg_server_ctl("start"), "pg_ctl start failed");
}

static int64_t authors(void)
{
    int64_t n = dorm_count(dorm_all(S.cx, Author));
    cr_assert_eq(dorm_errcode(S.cx), DORM_OK, "count: %s", dorm_errmsg(S.cx));
    return n;
}

static void read_text(dorm_db *db, dorm_stmt *st, void *payload)
{
    size_t n;
    const char *v = db->drv->column_text(st, 0, &n);
    snprintf(payload, 16, "%.*s", (int)n, v ? v : "");
}

static Author *author(const char *name)
{
    return dorm_create(S.cx, Author, .name = name);
}

SERVER_TEST(restarts_between_statements)
{
    cr_assert_not_null(author("before"), "%s", dorm_errmsg(S.cx));
    cr_assert(test_pg_server_ctl("stop -m fast"));
    start();
    cr_assert_eq(authors(), 1, "the statement after a clean restart reconnects");
    crash();
    start();
    cr_assert_eq(authors(), 1, "the statement after a crash and restart reconnects");
    cr_assert_not_null(author("after"), "%s", dorm_errmsg(S.cx));
    cr_assert_eq(authors(), 2);
}

SERVER_TEST(statements_fail_while_the_server_is_down)
{
    cr_assert_not_null(author("before"), "%s", dorm_errmsg(S.cx));
    crash();
    for (int i = 0; i < 2; i++) {
        cr_assert_lt(dorm_count(dorm_all(S.cx, Author)), 0);
        cr_assert_eq(dorm_errcode(S.cx), DORM_EOPERATIONAL, "%s", dorm_errmsg(S.cx));
    }
    cr_assert_null(author("while down"));
    cr_assert_eq(dorm_errcode(S.cx), DORM_EOPERATIONAL, "%s", dorm_errmsg(S.cx));
    start();
    cr_assert_eq(authors(), 1);
}

/* Issue 12 item 11: the block fails with OperationalError, its work is gone,
 * and the first statement after the block reconnects - whichever statement
 * of the block met the dead session first. */
SERVER_TEST(crash_inside_an_atomic_block)
{
    cr_assert_not_null(author("kept"), "%s", dorm_errmsg(S.cx));
    for (int noticed_by = 0; noticed_by < 4; noticed_by++) {
        cr_assert_eq(dorm_atomic_begin(S.cx), 0, "%s", dorm_errmsg(S.cx));
        cr_assert_not_null(author("lost"), "%s", dorm_errmsg(S.cx));
        if (noticed_by == 3) cr_assert_eq(dorm_atomic_begin(S.cx), 0, "%s", dorm_errmsg(S.cx));
        crash();
        start();
        if (noticed_by == 0) {
            /* A statement in the block meets it, then the rollback. */
            cr_assert_null(author("after the crash"));
            cr_assert_eq(dorm_errcode(S.cx), DORM_EOPERATIONAL, "%s", dorm_errmsg(S.cx));
            cr_assert(strstr(dorm_errmsg(S.cx), "lost inside a transaction"), "%s", dorm_errmsg(S.cx));
            cr_assert_lt(dorm_atomic_end(S.cx, false), 0);
        } else if (noticed_by == 1) {
            /* The ROLLBACK meets it. */
            cr_assert_eq(dorm_atomic_end(S.cx, false), DORM_EOPERATIONAL, "%s", dorm_errmsg(S.cx));
        } else if (noticed_by == 2) {
            /* The COMMIT meets it: nothing was committed. */
            cr_assert_eq(dorm_atomic_end(S.cx, true), DORM_EOPERATIONAL, "%s", dorm_errmsg(S.cx));
        } else {
            /* A savepoint's ROLLBACK TO meets it, then the outer ROLLBACK. */
            cr_assert_eq(dorm_atomic_end(S.cx, false), DORM_EOPERATIONAL, "%s", dorm_errmsg(S.cx));
            cr_assert_eq(dorm_atomic_end(S.cx, false), DORM_EOPERATIONAL, "%s", dorm_errmsg(S.cx));
        }
        cr_assert_not(dorm_in_atomic(S.cx));
        cr_assert_eq(authors(), 1, "case %d: the statement after the block reconnects; the block's row is gone",
                     noticed_by);
        cr_assert_eq(dorm_count(dorm_filter(dorm_all(S.cx, Author), DQ("name", "lost"))), 0);
    }
    cr_assert_not_null(author("after"), "%s", dorm_errmsg(S.cx));
    cr_assert_eq(authors(), 2);
}

/* A statement running when the server dies fails at once, inside and
 * outside a transaction; the next one (after the block) reconnects. */
SERVER_TEST(crash_during_a_statement)
{
    for (int in_block = 0; in_block < 2; in_block++) {
        pid_t child = fork();
        cr_assert_neq(child, -1);
        if (child == 0) {
            nanosleep(&(struct timespec){0, 300 * 1000 * 1000}, NULL);
            _exit(test_pg_server_ctl("stop -m immediate") ? 0 : 1);
        }
        if (in_block) cr_assert_eq(dorm_atomic_begin(S.cx), 0, "%s", dorm_errmsg(S.cx));
        dorm_errbuf e = {0, ""};
        time_t t0 = time(NULL);
        int rc = dorm_db_query(S.db, "SELECT pg_sleep(30)", NULL, 0, NULL, NULL, &e);
        cr_assert_eq(rc, DORM_EOPERATIONAL, "%s", e.msg);
        cr_assert_lt(time(NULL) - t0, 20, "the statement waited for the server it lost");
        int status;
        cr_assert_eq(waitpid(child, &status, 0), child);
        cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the crash failed");
        if (in_block) cr_assert_lt(dorm_atomic_end(S.cx, false), 0);
        start();
        cr_assert_eq(authors(), 0);
    }
}

/* With synchronous_commit=on (set through the URL's options), every commit
 * the server acknowledged is still there after a crash; a transaction open
 * at the crash is not. */
SERVER_TEST(acknowledged_commits_survive_a_crash)
{
    char setting[16] = "";
    dorm_errbuf e = {0, ""};
    cr_assert_eq(dorm_db_query(S.db, "SELECT current_setting('synchronous_commit')", NULL, 0, read_text, setting, &e),
                 0, "%s", e.msg);
    cr_assert_str_eq(setting, "on");
    char name[32];
    for (int i = 0; i < 100; i++) {
        snprintf(name, sizeof name, "committed %d", i);
        cr_assert_not_null(author(name), "%s", dorm_errmsg(S.cx));
    }
    for (int i = 0; i < 10; i++) {
        cr_assert_eq(dorm_atomic_begin(S.cx), 0, "%s", dorm_errmsg(S.cx));
        for (int j = 0; j < 3; j++) cr_assert_not_null(author("in a block"), "%s", dorm_errmsg(S.cx));
        cr_assert_eq(dorm_atomic_end(S.cx, true), 0, "%s", dorm_errmsg(S.cx));
    }
    cr_assert_eq(dorm_atomic_begin(S.cx), 0, "%s", dorm_errmsg(S.cx));
    cr_assert_not_null(author("open at the crash"), "%s", dorm_errmsg(S.cx));
    crash();
    start();
    cr_assert_lt(dorm_atomic_end(S.cx, false), 0);
    cr_assert_eq(authors(), 130);
    cr_assert_eq(dorm_count(dorm_filter(dorm_all(S.cx, Author), DQ("name", "open at the crash"))), 0);
}
