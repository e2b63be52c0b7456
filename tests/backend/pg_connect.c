/* pg_connect.c - PostgreSQL connections: URL options, messages of refused
 * connections and unknown roles (host named, password never shown),
 * DATABASE_URL, reconnection between transactions and never inside one,
 * the options= and database-name checks, and server-side statements,
 * prepared once per SQL text (again after a column type change) or not at
 * all. */
#define _POSIX_C_SOURCE 200809L

#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "backend/db.h"
#include "testdb.h"

static void pg_only(void) {
    if (strncmp(test_db_url(), "postgres", 8) != 0) cr_skip_test("needs DORM_TEST_URL=postgres://...");
}

/* The test URL with `extra` ("k=v") added to its query string. */
static const char *url_with(const char *extra) {
    static char buf[512];
    const char *u = test_db_url();
    snprintf(buf, sizeof buf, "%s%s%s", u, strchr(u, '?') ? "&" : "?", extra);
    return buf;
}

/* The first column of the one row `sql` returns, as an integer. */
static int64_t scalar(dorm_db *db, const char *sql, const dorm_value *params, size_t n) {
    dorm_cached_stmt *cs;
    dorm_errbuf e = {0, ""};
    cr_assert_eq(dorm_db__prepare(db, sql, DORM_STRLEN, &cs, &e), 0, "%s: %s", sql, e.msg);
    int rc = dorm_db__run(db, cs, params, n, &e);
    cr_assert_eq(rc, DORM_STEP_ROW, "%s: %s", sql, e.msg);
    int64_t v = db->drv->column_int(cs->stmt, 0);
    dorm_db__release(db, cs);
    return v;
}

/* Runs `sql` on `db` and returns the outcome (0 or the error code). */
static int try_query(dorm_db *db, const char *sql, dorm_errbuf *e) {
    dorm_cached_stmt *cs;
    int rc = dorm_db__prepare(db, sql, DORM_STRLEN, &cs, e);
    if (rc) return rc;
    rc = dorm_db__run(db, cs, NULL, 0, e);
    dorm_db__release(db, cs);
    return rc < 0 ? rc : 0;
}

Test(pg_connect, refused_connection_names_the_host_not_the_password) {
    dorm_db *db = dorm_db_open("postgres://alice:s3cr3t-pw@127.0.0.1:1/shop", NULL);
    cr_assert_eq(dorm_db_errcode(db), DORM_EOPERATIONAL);
    const char *msg = dorm_db_errmsg(db);
    cr_assert(strstr(msg, "Could not connect to PostgreSQL at host \"127.0.0.1\" port 1: "), "%s", msg);
    cr_assert(strstr(msg, "refused"), "%s", msg);
    cr_assert_null(strstr(msg, "s3cr3t"), "%s", msg);
    cr_assert_str_eq(dorm_db_vendor(db), "postgresql");
    dorm_db_close(db);
}

Test(pg_connect, missing_socket_names_the_directory) {
    dorm_db *db = dorm_db_open("postgresql://bob:pw%2Fwith%2Fslashes@%2Ftmp%2Fdorm-no-such-dir:5433/shop", NULL);
    cr_assert_eq(dorm_db_errcode(db), DORM_EOPERATIONAL);
    const char *msg = dorm_db_errmsg(db);
    cr_assert(strstr(msg, "at socket directory \"/tmp/dorm-no-such-dir\" port 5433: "), "%s", msg);
    cr_assert(strstr(msg, "No such file or directory"), "%s", msg);
    cr_assert_null(strstr(msg, "pw"), "%s", msg);
    cr_assert_null(strchr(msg, '\n'), "one line: %s", msg);
    dorm_db_close(db);
}

Test(pg_connect, options_outside_the_allowlist_are_refused) {
    dorm_db *db = dorm_db_open("postgres://u:pw@h/db?sslmode=require&init_command=DROP", NULL);
    cr_assert_eq(dorm_db_errcode(db), DORM_ECONFIG);
    cr_assert(strstr(dorm_db_errmsg(db), "Unsupported PostgreSQL URL option 'init_command'"), "%s", dorm_db_errmsg(db));
    dorm_db_close(db);
    db = dorm_db_open("postgres://u:pw@h/db?prepare=maybe", NULL);
    cr_assert_eq(dorm_db_errcode(db), DORM_ECONFIG);
    cr_assert_str_eq(dorm_db_errmsg(db), "PostgreSQL URL option prepare='maybe' must be 0 or 1");
    dorm_db_close(db);
}

/* The error dorm_db_open gives for `url` (DORM_EOPERATIONAL when it got as
 * far as connecting to the closed port 1). */
static int open_error(const char *url, char *msg, size_t cap) {
    dorm_db *db = dorm_db_open(url, NULL);
    int rc = dorm_db_errcode(db);
    snprintf(msg, cap, "%s", dorm_db_errmsg(db));
    dorm_db_close(db);
    return rc;
}

Test(pg_connect, options_holds_only_settings) {
    static const char *const ok[] = {
        "-c%20statement_timeout%3D5000",
        "-cstatement_timeout%3D5000%20--lock_timeout%3D2s",
        "-c%20search_path%3Dapp,public%20-c%20auto_explain.log_min_duration%3D0",
        NULL,
    };
    static const char *const refused[] = {
        "-d%205", /* a server switch, not a setting */
        "-c%20statement_timeout", /* no value                       */
        "-c%20statement_timeout%3D",
        "-c",
        "%20%20",
        "-c%20a-b%3D1", /* not a setting name             */
        "-c%201a%3D1",
        "-c%20a..b%3D1",
        "-c%20search_path%3D%27x%27", /* quotes                         */
        "-c%20search_path%3Dx%5C%20-c%20y%3D1", /* a backslash escaping a blank   */
        "-c%09search_path%3Dx", /* a tab                          */
        "statement_timeout%3D5",
        NULL,
    };
    char url[256], msg[512];
    for (int i = 0; ok[i]; i++) {
        snprintf(url, sizeof url, "postgres://u@127.0.0.1:1/db?options=%s", ok[i]);
        cr_assert_eq(open_error(url, msg, sizeof msg), DORM_EOPERATIONAL, "%s: %s", ok[i], msg);
    }
    for (int i = 0; refused[i]; i++) {
        snprintf(url, sizeof url, "postgres://u@127.0.0.1:1/db?options=%s", refused[i]);
        cr_assert_eq(open_error(url, msg, sizeof msg), DORM_ECONFIG, "%s: %s", refused[i], msg);
        cr_assert(strstr(msg, "PostgreSQL URL option options"), "%s", msg);
    }
}

Test(pg_connect, a_database_name_is_required) {
    char msg[512];
    static const char *const none[] = {
        "postgres://", "postgresql://", "postgres://u@127.0.0.1:1", "postgres://u@127.0.0.1:1/", "postgres:///?dbname=",
        NULL};
    for (int i = 0; none[i]; i++) {
        cr_assert_eq(open_error(none[i], msg, sizeof msg), DORM_ECONFIG, "%s: %s", none[i], msg);
        cr_assert_str_eq(msg,
                         "PostgreSQL URL names no database: write postgres://user@host/dbname or add "
                         "?dbname=name");
    }
    cr_assert_eq(open_error("postgres://u@127.0.0.1:1/?dbname=shop", msg, sizeof msg), DORM_EOPERATIONAL, "%s", msg);
}

Test(pg_connect, unknown_role_and_database, .init = pg_only) {
    dorm_db *db = dorm_db_open(url_with("user=dorm_no_such_role"), NULL);
    cr_assert_eq(dorm_db_errcode(db), DORM_EOPERATIONAL);
    cr_assert(strstr(dorm_db_errmsg(db), "role \"dorm_no_such_role\" does not exist"), "%s", dorm_db_errmsg(db));
    cr_assert(strstr(dorm_db_errmsg(db), "Could not connect to PostgreSQL at "), "%s", dorm_db_errmsg(db));
    dorm_db_close(db);
    db = dorm_db_open(url_with("dbname=dorm_no_such_db"), NULL);
    cr_assert_eq(dorm_db_errcode(db), DORM_EOPERATIONAL);
    cr_assert(strstr(dorm_db_errmsg(db), "database \"dorm_no_such_db\" does not exist"), "%s", dorm_db_errmsg(db));
    dorm_db_close(db);
}

Test(pg_connect, database_url_and_utc_session, .init = pg_only) {
    cr_assert_eq(setenv("DATABASE_URL", test_db_url(), 1), 0);
    dorm_db *db = dorm_db_open(NULL, NULL);
    cr_assert_eq(dorm_db_errcode(db), DORM_OK, "%s", dorm_db_errmsg(db));
    cr_assert_str_eq(dorm_db_vendor(db), "postgresql");
    dorm_cached_stmt *cs;
    dorm_errbuf e;
    cr_assert_eq(dorm_db__prepare(db, "SELECT current_setting('TimeZone'), current_setting('client_encoding')",
                                  DORM_STRLEN, &cs, &e),
                 0, "%s", e.msg);
    cr_assert_eq(dorm_db__run(db, cs, NULL, 0, &e), DORM_STEP_ROW, "%s", e.msg);
    size_t n;
    const char *tz = db->drv->column_text(cs->stmt, 0, &n);
    cr_assert(strcmp(tz, "UTC") == 0 || strcmp(tz, "Etc/UTC") == 0, "%s", tz);
    cr_assert_str_eq(db->drv->column_text(cs->stmt, 1, &n), "UTF8");
    dorm_db__release(db, cs);
    dorm_db_close(db);
}

/* Ends the server process of `victim` from another connection and waits
 * until it is gone. */
static void terminate(dorm_db *victim) {
    int64_t pid = scalar(victim, "SELECT pg_backend_pid()", NULL, 0);
    dorm_db *killer = dorm_db_open(test_db_url(), NULL);
    cr_assert_eq(dorm_db_errcode(killer), DORM_OK, "%s", dorm_db_errmsg(killer));
    dorm_value p = dorm_v_int(pid);
    cr_assert_eq(scalar(killer, "SELECT pg_terminate_backend($1)::int", &p, 1), 1);
    for (int i = 0; i < 500 && scalar(killer, "SELECT count(*) FROM pg_stat_activity WHERE pid = $1", &p, 1); i++)
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
    dorm_db_close(killer);
}

Test(pg_connect, reconnects_between_requests, .init = pg_only) {
    dorm_db *db = dorm_db_open(test_db_url(), NULL);
    cr_assert_eq(dorm_db_errcode(db), DORM_OK, "%s", dorm_db_errmsg(db));
    int64_t before = scalar(db, "SELECT pg_backend_pid()", NULL, 0);
    terminate(db);
    /* The same cached statement is prepared again on the new session. */
    int64_t after = scalar(db, "SELECT pg_backend_pid()", NULL, 0);
    cr_assert_neq(after, before);
    dorm_db_close(db);
}

Test(pg_connect, never_reconnects_inside_a_transaction, .init = pg_only) {
    dorm_db *db = dorm_db_open(test_db_url(), NULL);
    cr_assert_eq(dorm_db_errcode(db), DORM_OK, "%s", dorm_db_errmsg(db));
    dorm_errbuf e = {0, ""};
    cr_assert_eq(dorm_db__begin(db, &e), 0, "%s", e.msg);
    terminate(db);
    cr_assert_eq(try_query(db, "SELECT 1", &e), DORM_EOPERATIONAL);
    cr_assert(strstr(e.msg, "was lost inside a transaction"), "%s", e.msg);
    cr_assert_eq(try_query(db, "SELECT 1", &e), DORM_EOPERATIONAL, "still refused until rolled back");
    cr_assert_eq(dorm_db__rollback(db, &e), DORM_EOPERATIONAL);
    cr_assert_eq(try_query(db, "SELECT 1", &e), 0, "%s", e.msg);
    dorm_db_close(db);
}

/* The ROLLBACK itself is the first command to meet the dead session: it
 * still ends the transaction, and the next statement reconnects. */
Test(pg_connect, rollback_that_notices_the_loss_ends_the_transaction, .init = pg_only) {
    dorm_db *db = dorm_db_open(test_db_url(), NULL);
    cr_assert_eq(dorm_db_errcode(db), DORM_OK, "%s", dorm_db_errmsg(db));
    dorm_errbuf e = {0, ""};
    cr_assert_eq(dorm_db__begin(db, &e), 0, "%s", e.msg);
    cr_assert_eq(try_query(db, "SELECT 1", &e), 0, "%s", e.msg);
    terminate(db);
    cr_assert_eq(dorm_db__rollback(db, &e), DORM_EOPERATIONAL);
    cr_assert_eq(try_query(db, "SELECT 1", &e), 0, "%s", e.msg);
    /* The same after a savepoint: its ROLLBACK TO meets the loss first. */
    cr_assert_eq(dorm_db__begin(db, &e), 0, "%s", e.msg);
    cr_assert_eq(dorm_db__begin(db, &e), 0, "%s", e.msg);
    terminate(db);
    cr_assert_eq(dorm_db__rollback(db, &e), DORM_EOPERATIONAL);
    cr_assert_eq(dorm_db__rollback(db, &e), DORM_EOPERATIONAL);
    cr_assert_eq(try_query(db, "SELECT 1", &e), 0, "%s", e.msg);
    /* And when COMMIT meets it: the commit fails, its rollback ends the
     * transaction. */
    cr_assert_eq(dorm_db__begin(db, &e), 0, "%s", e.msg);
    terminate(db);
    cr_assert_eq(dorm_db__commit(db, &e), DORM_EOPERATIONAL);
    cr_assert_eq(try_query(db, "SELECT 1", &e), 0, "%s", e.msg);
    dorm_db_close(db);
}

static void exec_ok(dorm_db *db, const char *sql) {
    dorm_errbuf e = {0, ""};
    cr_assert_eq(dorm_db__exec(db, sql, &e), 0, "%s: %s", sql, e.msg);
}

/* A migration (here another connection) changes the type of a column a
 * cached statement reads: the server refuses the old plan ("cached plan
 * must not change result type"), and dorm prepares the statement again -
 * at once outside a transaction, after the rollback inside one. */
Test(pg_connect, statements_outlive_a_column_type_change, .init = pg_only) {
    dorm_db *db = dorm_db_open(test_db_url(), NULL);
    cr_assert_eq(dorm_db_errcode(db), DORM_OK, "%s", dorm_db_errmsg(db));
    dorm_db *other = dorm_db_open(test_db_url(), NULL);
    char table[64], sql[160];
    snprintf(table, sizeof table, "dorm_stale_%ld", (long)getpid());
    snprintf(sql, sizeof sql, "CREATE TABLE %s (x integer)", table);
    exec_ok(db, sql);
    snprintf(sql, sizeof sql, "INSERT INTO %s VALUES (7)", table);
    exec_ok(db, sql);
    char query[128];
    snprintf(query, sizeof query, "SELECT x FROM %s", table);
    cr_assert_eq(scalar(db, query, NULL, 0), 7);
    snprintf(sql, sizeof sql, "ALTER TABLE %s ALTER x TYPE bigint", table);
    exec_ok(other, sql);
    cr_assert_eq(scalar(db, query, NULL, 0), 7);
    snprintf(sql, sizeof sql, "ALTER TABLE %s ALTER x TYPE numeric", table);
    exec_ok(other, sql);
    dorm_errbuf e = {0, ""};
    cr_assert_eq(dorm_db__begin(db, &e), 0, "%s", e.msg);
    cr_assert_neq(try_query(db, query, &e), 0, "inside a transaction the stale plan fails it");
    cr_assert_eq(dorm_db__rollback(db, &e), 0, "%s", e.msg);
    cr_assert_eq(dorm_db__begin(db, &e), 0, "%s", e.msg);
    cr_assert_eq(scalar(db, query, NULL, 0), 7);
    cr_assert_eq(dorm_db__commit(db, &e), 0, "%s", e.msg);
    snprintf(sql, sizeof sql, "DROP TABLE %s", table);
    exec_ok(db, sql);
    dorm_db_close(other);
    dorm_db_close(db);
}

static int64_t server_statements(dorm_db *db) {
    return scalar(db, "SELECT count(*) FROM pg_prepared_statements", NULL, 0);
}

Test(pg_connect, one_server_statement_per_sql_text, .init = pg_only) {
    dorm_db *db = dorm_db_open(test_db_url(), NULL);
    cr_assert_eq(dorm_db_errcode(db), DORM_OK, "%s", dorm_db_errmsg(db));
    int64_t base = server_statements(db);
    for (int i = 0; i < 5; i++) {
        dorm_value v = dorm_v_int(i);
        cr_assert_eq(scalar(db, "SELECT $1::int + 1", &v, 1), i + 1);
    }
    cr_assert_eq(server_statements(db), base + 1);
    dorm_db_close(db);
}

Test(pg_connect, prepare_0_keeps_no_server_statements, .init = pg_only) {
    dorm_db *db = dorm_db_open(url_with("prepare=0"), NULL);
    cr_assert_eq(dorm_db_errcode(db), DORM_OK, "%s", dorm_db_errmsg(db));
    for (int i = 0; i < 3; i++) {
        dorm_value v = dorm_v_text("x'; --");
        cr_assert_eq(scalar(db, "SELECT length($1)", &v, 1), 6);
    }
    cr_assert_eq(server_statements(db), 0);
    dorm_db_close(db);
}
