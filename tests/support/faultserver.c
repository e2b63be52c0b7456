/* faultserver.c - the scenarios of the private-server fault tests (see
 * faultserver.h): what dorm reports while the server is gone, that nothing
 * of a transaction the server lost is kept, that the next statement after
 * it reconnects, and that acknowledged commits survive a crash. */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "backend/db.h"
#include "faultserver.h"

test_fault F;

static const dorm_app app = {.label = "library", .models = DORM_MODELS(&Author_model, &Book_model)};

void test_fault_open(const test_server *srv, const char *name) {
    char url[700];
    F.srv = srv;
    snprintf(url, sizeof url, "%s%s", srv->start(name), srv->url_suffix);
    F.reg = dorm_registry_new((const dorm_app *const[]){&app, NULL});
    cr_assert_eq(dorm_registry_errcode(F.reg), DORM_OK, "%s", dorm_registry_messages(F.reg));
    F.db = dorm_db_open(url, F.reg);
    cr_assert_eq(dorm_db_errcode(F.db), DORM_OK, "%s", dorm_db_errmsg(F.db));
    F.cx = dorm_ctx_new(F.db);
    cr_assert_eq(dorm_create_all(F.cx), DORM_OK, "%s", dorm_errmsg(F.cx));
}

void test_fault_close(const char *name) {
    const test_server *srv = F.srv;
    dorm_ctx_free(F.cx);
    dorm_db_close(F.db);
    dorm_registry_free(F.reg);
    memset(&F, 0, sizeof F);
    if (srv) srv->stop(name);
}

void test_fault_crash(void) { cr_assert(F.srv->ctl("stop -m immediate"), "stop -m immediate failed"); }

void test_fault_start(void) { cr_assert(F.srv->ctl("start"), "start failed"); }

int64_t test_fault_authors(void) {
    int64_t n = dorm_count(dorm_all(F.cx, Author));
    cr_assert_eq(dorm_errcode(F.cx), DORM_OK, "count: %s", dorm_errmsg(F.cx));
    return n;
}

Author *test_fault_author(const char *name) { return dorm_create(F.cx, Author, .name = name); }

static void read_int(dorm_db *db, dorm_stmt *st, void *payload) { *(int64_t *)payload = db->drv->column_int(st, 0); }

int64_t test_fault_scalar(const char *sql) {
    int64_t v = -1;
    dorm_errbuf e = {0, ""};
    cr_assert_eq(dorm_db__query(F.db, sql, NULL, 0, read_int, &v, &e), 0, "%s: %s", sql, e.msg);
    return v;
}

void test_fault_restarts_between_statements(void) {
    cr_assert_not_null(test_fault_author("before"), "%s", dorm_errmsg(F.cx));
    cr_assert(F.srv->ctl("stop -m fast"));
    test_fault_start();
    cr_assert_eq(test_fault_authors(), 1, "the statement after a clean restart reconnects");
    test_fault_crash();
    test_fault_start();
    cr_assert_eq(test_fault_authors(), 1, "the statement after a crash and restart reconnects");
    cr_assert_not_null(test_fault_author("after"), "%s", dorm_errmsg(F.cx));
    cr_assert_eq(test_fault_authors(), 2);
}

void test_fault_statements_fail_while_the_server_is_down(void) {
    cr_assert_not_null(test_fault_author("before"), "%s", dorm_errmsg(F.cx));
    test_fault_crash();
    for (int i = 0; i < 2; i++) {
        cr_assert_lt(dorm_count(dorm_all(F.cx, Author)), 0);
        cr_assert_eq(dorm_errcode(F.cx), DORM_EOPERATIONAL, "%s", dorm_errmsg(F.cx));
    }
    cr_assert_null(test_fault_author("while down"));
    cr_assert_eq(dorm_errcode(F.cx), DORM_EOPERATIONAL, "%s", dorm_errmsg(F.cx));
    test_fault_start();
    cr_assert_eq(test_fault_authors(), 1);
}

/* Issue 12 item 11: the block fails with OperationalError, its work is gone,
 * and the first statement after the block reconnects - whichever statement
 * of the block met the dead session first. */
void test_fault_crash_inside_an_atomic_block(void) {
    cr_assert_not_null(test_fault_author("kept"), "%s", dorm_errmsg(F.cx));
    for (int noticed_by = 0; noticed_by < 4; noticed_by++) {
        cr_assert_eq(dorm_atomic_begin(F.cx), 0, "%s", dorm_errmsg(F.cx));
        cr_assert_not_null(test_fault_author("lost"), "%s", dorm_errmsg(F.cx));
        if (noticed_by == 3) cr_assert_eq(dorm_atomic_begin(F.cx), 0, "%s", dorm_errmsg(F.cx));
        test_fault_crash();
        test_fault_start();
        if (noticed_by == 0) {
            /* A statement in the block meets it (the block is then marked
             * for rollback, as after any error), then the rollback. */
            cr_assert_null(test_fault_author("after the crash"));
            cr_assert_eq(dorm_errcode(F.cx), DORM_EOPERATIONAL, "%s", dorm_errmsg(F.cx));
            cr_assert(strstr(dorm_errmsg(F.cx), "lost inside a transaction"), "%s", dorm_errmsg(F.cx));
            cr_assert_null(test_fault_author("after the crash"));
            cr_assert_eq(dorm_errcode(F.cx), DORM_ETRANSACTION, "%s", dorm_errmsg(F.cx));
            cr_assert_lt(dorm_atomic_end(F.cx, false), 0);
        } else if (noticed_by == 1) {
            /* The ROLLBACK meets it. */
            cr_assert_eq(dorm_atomic_end(F.cx, false), DORM_EOPERATIONAL, "%s", dorm_errmsg(F.cx));
        } else if (noticed_by == 2) {
            /* The COMMIT meets it: nothing was committed. */
            cr_assert_eq(dorm_atomic_end(F.cx, true), DORM_EOPERATIONAL, "%s", dorm_errmsg(F.cx));
        } else {
            /* A savepoint's ROLLBACK TO meets it, then the outer ROLLBACK. */
            cr_assert_eq(dorm_atomic_end(F.cx, false), DORM_EOPERATIONAL, "%s", dorm_errmsg(F.cx));
            cr_assert_eq(dorm_atomic_end(F.cx, false), DORM_EOPERATIONAL, "%s", dorm_errmsg(F.cx));
        }
        cr_assert_not(dorm_in_atomic(F.cx));
        cr_assert_eq(test_fault_authors(), 1,
                     "case %d: the statement after the block reconnects; the block's row is gone", noticed_by);
        cr_assert_eq(dorm_count(dorm_filter(dorm_all(F.cx, Author), DQ("name", "lost"))), 0);
    }
    cr_assert_not_null(test_fault_author("after"), "%s", dorm_errmsg(F.cx));
    cr_assert_eq(test_fault_authors(), 2);
}

/* A clean restart inside a block is the same: the server rolls the open
 * transaction back as it shuts down, and the COMMIT fails. */
void test_fault_restart_inside_an_atomic_block(void) {
    cr_assert_eq(dorm_atomic_begin(F.cx), 0, "%s", dorm_errmsg(F.cx));
    cr_assert_not_null(test_fault_author("lost"), "%s", dorm_errmsg(F.cx));
    cr_assert(F.srv->ctl("stop -m fast"));
    test_fault_start();
    cr_assert_eq(dorm_atomic_end(F.cx, true), DORM_EOPERATIONAL, "%s", dorm_errmsg(F.cx));
    cr_assert_eq(test_fault_authors(), 0);
}

/* dorm's own transactions (bulk_create's) end themselves when the server
 * is gone: the call fails, and the next one reconnects. */
void test_fault_own_transactions_end_themselves(void) {
    Author *objs[3];
    for (int i = 0; i < 3; i++) {
        objs[i] = dorm_new(F.cx, Author);
        cr_assert_not_null(objs[i]);
        objs[i]->name = "bulk";
    }
    test_fault_crash();
    cr_assert_eq(dorm_bulk_create(F.cx, Author, objs, 3, 0), DORM_EOPERATIONAL, "%s", dorm_errmsg(F.cx));
    cr_assert_not(dorm_in_atomic(F.cx));
    test_fault_start();
    cr_assert_eq(test_fault_authors(), 0);
    cr_assert_eq(dorm_bulk_create(F.cx, Author, objs, 3, 0), 0, "%s", dorm_errmsg(F.cx));
    cr_assert_eq(test_fault_authors(), 3);
}

/* A statement running when the server dies fails at once, inside and
 * outside a transaction; the next one (after the block) reconnects. */
void test_fault_crash_during_a_statement(void) {
    for (int in_block = 0; in_block < 2; in_block++) {
        pid_t child = fork();
        cr_assert_neq(child, -1);
        if (child == 0) {
            nanosleep(&(struct timespec){0, 300 * 1000 * 1000}, NULL);
            _exit(F.srv->ctl("stop -m immediate") ? 0 : 1);
        }
        if (in_block) cr_assert_eq(dorm_atomic_begin(F.cx), 0, "%s", dorm_errmsg(F.cx));
        dorm_errbuf e = {0, ""};
        time_t t0 = time(NULL);
        int rc = dorm_db__query(F.db, F.srv->sleep_sql, NULL, 0, NULL, NULL, &e);
        cr_assert_eq(rc, DORM_EOPERATIONAL, "%s", e.msg);
        cr_assert_lt(time(NULL) - t0, 20, "the statement waited for the server it lost");
        int status;
        cr_assert_eq(waitpid(child, &status, 0), child);
        cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the crash failed");
        if (in_block) cr_assert_lt(dorm_atomic_end(F.cx, false), 0);
        test_fault_start();
        cr_assert_eq(test_fault_authors(), 0);
    }
}

/* With the server durable (durable_sql), every commit it acknowledged is
 * still there after a crash; a transaction open at the crash is not. */
void test_fault_acknowledged_commits_survive_a_crash(void) {
    cr_assert_eq(test_fault_scalar(F.srv->durable_sql), 1, "the server is not durable: %s", F.srv->durable_sql);
    char name[32];
    for (int i = 0; i < 100; i++) {
        snprintf(name, sizeof name, "committed %d", i);
        cr_assert_not_null(test_fault_author(name), "%s", dorm_errmsg(F.cx));
    }
    for (int i = 0; i < 10; i++) {
        cr_assert_eq(dorm_atomic_begin(F.cx), 0, "%s", dorm_errmsg(F.cx));
        for (int j = 0; j < 3; j++) cr_assert_not_null(test_fault_author("in a block"), "%s", dorm_errmsg(F.cx));
        cr_assert_eq(dorm_atomic_end(F.cx, true), 0, "%s", dorm_errmsg(F.cx));
    }
    cr_assert_eq(dorm_atomic_begin(F.cx), 0, "%s", dorm_errmsg(F.cx));
    cr_assert_not_null(test_fault_author("open at the crash"), "%s", dorm_errmsg(F.cx));
    test_fault_crash();
    test_fault_start();
    cr_assert_lt(dorm_atomic_end(F.cx, false), 0);
    cr_assert_eq(test_fault_authors(), 130);
    cr_assert_eq(dorm_count(dorm_filter(dorm_all(F.cx, Author), DQ("name", "open at the crash"))), 0);
}
