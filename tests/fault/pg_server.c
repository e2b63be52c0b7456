/* pg_server.c - a PostgreSQL server that goes away: each test starts a
 * private server (tests/support/pgserver.h), then stops, crashes
 * (pg_ctl stop -m immediate) and restarts it outside and inside
 * transactions, and checks what dorm reports and that it recovers, and
 * that an acknowledged commit survives the crash (the scenarios of
 * tests/support/faultserver.c). */
#include <criterion/criterion.h>
#include <criterion/hooks.h>

#include "faultserver.h"
#include "pgserver.h"

/* The server's own configuration trades durability for speed
 * (synchronous_commit=off, as every test server); these tests crash it, so
 * their sessions wait for each commit to reach the log. */
static const test_server pg = {
    .start = test_pg_server_start,
    .ctl = test_pg_server_ctl,
    .stop = test_pg_server_stop,
    .url_suffix = "&options=-c%20synchronous_commit%3Don",
    .sleep_sql = "SELECT pg_sleep(30)",
    .durable_sql = "SELECT CASE WHEN current_setting('synchronous_commit') = 'on' THEN 1 ELSE 0 END",
};

ReportHook(POST_TEST)(struct criterion_test_stats *stats) { test_pg_server_stop(stats->test->name); }

DORM_SERVER_TEST(pg_server, pg, restarts_between_statements) { test_fault_restarts_between_statements(); }
DORM_SERVER_TEST(pg_server, pg, statements_fail_while_the_server_is_down) {
    test_fault_statements_fail_while_the_server_is_down();
}
DORM_SERVER_TEST(pg_server, pg, crash_inside_an_atomic_block) { test_fault_crash_inside_an_atomic_block(); }
DORM_SERVER_TEST(pg_server, pg, restart_inside_an_atomic_block) { test_fault_restart_inside_an_atomic_block(); }
DORM_SERVER_TEST(pg_server, pg, own_transactions_end_themselves) { test_fault_own_transactions_end_themselves(); }
DORM_SERVER_TEST(pg_server, pg, crash_during_a_statement) { test_fault_crash_during_a_statement(); }
DORM_SERVER_TEST(pg_server, pg, acknowledged_commits_survive_a_crash) {
    test_fault_acknowledged_commits_survive_a_crash();
}
