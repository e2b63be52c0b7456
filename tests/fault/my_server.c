/* my_server.c - a MariaDB server that goes away: each test starts a private
 * server (tests/support/myserver.h), then shuts it down (SIGTERM), kills it
 * (SIGKILL, a crash) and restarts it outside and inside transactions: the
 * scenarios of tests/support/faultserver.c, and MariaDB's own checks - the
 * new session's settings, and the statement cache made again on it. */
#include <criterion/criterion.h>
#include <criterion/hooks.h>

#include "backend/db.h"
#include "faultserver.h"
#include "myserver.h"

/* The test servers write InnoDB's log at every commit (myserver.h). */
static const test_server my = {
    .start = test_my_server_start,
    .ctl = test_my_server_ctl,
    .stop = test_my_server_stop,
    .url_suffix = "",
    .sleep_sql = "SELECT SLEEP(30)",
    .durable_sql = "SELECT @@GLOBAL.innodb_flush_log_at_trx_commit = 1",
};

ReportHook(POST_TEST)(struct criterion_test_stats *stats) { test_my_server_stop(stats->test->name); }

DORM_SERVER_TEST(my_server, my, restarts_between_statements) { test_fault_restarts_between_statements(); }
DORM_SERVER_TEST(my_server, my, statements_fail_while_the_server_is_down) {
    test_fault_statements_fail_while_the_server_is_down();
}
DORM_SERVER_TEST(my_server, my, crash_inside_an_atomic_block) { test_fault_crash_inside_an_atomic_block(); }
DORM_SERVER_TEST(my_server, my, restart_inside_an_atomic_block) { test_fault_restart_inside_an_atomic_block(); }
DORM_SERVER_TEST(my_server, my, own_transactions_end_themselves) { test_fault_own_transactions_end_themselves(); }
DORM_SERVER_TEST(my_server, my, crash_during_a_statement) { test_fault_crash_during_a_statement(); }
DORM_SERVER_TEST(my_server, my, acknowledged_commits_survive_a_crash) {
    test_fault_acknowledged_commits_survive_a_crash();
}

/* A new session is Django's again (the URL's sql_mode), on a new server
 * connection. */
DORM_SERVER_TEST(my_server, my, the_new_session_has_the_urls_settings) {
    int64_t session = test_fault_scalar("SELECT CONNECTION_ID()");
    test_fault_crash();
    test_fault_start();
    cr_assert_eq(test_fault_scalar("SELECT @@SESSION.sql_mode LIKE '%STRICT_TRANS_TABLES%'"), 1);
    cr_assert_neq(test_fault_scalar("SELECT CONNECTION_ID()"), session);
}

/* The session's count of server-side prepares. */
static int64_t prepares(void) {
    return test_fault_scalar("SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = "
                             "'COM_STMT_PREPARE'");
}

/* The statement cache outlives the session: each cached statement is
 * prepared once more on the new session, then reused as before. */
DORM_SERVER_TEST(my_server, my, prepared_statements_are_made_again) {
    cr_assert_not_null(test_fault_author("a"), "%s", dorm_errmsg(F.cx));
    cr_assert_eq(dorm_count(dorm_filter(dorm_all(F.cx, Author), DQ("name", "a"))), 1, "%s", dorm_errmsg(F.cx));
    for (int round = 0; round < 2; round++) {
        size_t cached = F.db->link->stmts.len;
        if (round == 0)
            cr_assert(test_my_server_ctl("stop -m fast"));
        else
            test_fault_crash();
        test_fault_start();
        int64_t before = prepares();
        for (int i = 0; i < 3; i++)
            cr_assert_eq(dorm_count(dorm_filter(dorm_all(F.cx, Author), DQ("name", "a"))), 1, "%s", dorm_errmsg(F.cx));
        cr_assert_eq(prepares(), before + 1, "the count's statement is prepared once on the new session");
        cr_assert_eq(F.db->link->stmts.len, cached + (round == 0), "the cache keeps its entries (and the counter's)");
    }
}
