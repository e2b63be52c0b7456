/* my_connect.c - MySQL/MariaDB connections: URL options from the allowlist
 * only (each value checked, init_command run as trusted SQL), messages of
 * refused connections (host or socket named, password never shown), the
 * session Django sets up, reconnection between transactions and never
 * inside one, and one server-side statement per SQL text. */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>

#include "backend/db.h"
#include "testdb.h"

static void my_only(void) {
    if (!test_db_on_mysql()) cr_skip_test("needs DORM_TEST_URL=mysql://...");
}

/* The test URL with `extra` ("k=v") added to its query string. */
static const char *url_with(const char *extra) {
    static char buf[512];
    const char *u = test_db_url();
    snprintf(buf, sizeof buf, "%s%s%s", u, strchr(u, '?') ? "&" : "?", extra);
    return buf;
}

/* The first column of the one row `sql` returns, as an integer. */
static int64_t scalar(dorm_db *db, const char *sql) {
    dorm_cached_stmt *cs;
    dorm_errbuf e = {0, ""};
    cr_assert_eq(dorm_db__prepare(db, sql, DORM_STRLEN, &cs, &e), 0, "%s: %s", sql, e.msg);
    int rc = dorm_db__run(db, cs, NULL, 0, &e);
    cr_assert_eq(rc, DORM_STEP_ROW, "%s: %s", sql, e.msg);
    int64_t v = db->drv->column_int(cs->stmt, 0);
    dorm_db__release(db, cs);
    return v;
}

/* The text of the one value `sql` returns, in `out`. */
static const char *text(dorm_db *db, const char *sql, char *out, size_t cap) {
    dorm_cached_stmt *cs;
    dorm_errbuf e = {0, ""};
    cr_assert_eq(dorm_db__prepare(db, sql, DORM_STRLEN, &cs, &e), 0, "%s: %s", sql, e.msg);
    cr_assert_eq(dorm_db__run(db, cs, NULL, 0, &e), DORM_STEP_ROW, "%s: %s", sql, e.msg);
    size_t n;
    const char *s = db->drv->column_text(cs->stmt, 0, &n);
    snprintf(out, cap, "%.*s", (int)n, s ? s : "NULL");
    dorm_db__release(db, cs);
    return out;
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

/* The error dorm_db_open gives for `url`, its message in msg. */
static int open_error(const char *url, char *msg, size_t cap) {
    dorm_db *db = dorm_db_open(url, NULL);
    int rc = dorm_db_errcode(db);
    snprintf(msg, cap, "%s", dorm_db_errmsg(db));
    dorm_db_close(db);
    return rc;
}

Test(my_connect, refused_connection_names_the_host_not_the_password) {
    dorm_db *db = dorm_db_open("mysql://alice:s3cr3t-pw@127.0.0.1:1/shop", NULL);
    cr_assert_eq(dorm_db_errcode(db), DORM_EOPERATIONAL);
    const char *msg = dorm_db_errmsg(db);
    cr_assert(strstr(msg, "Could not connect to MySQL at host \"127.0.0.1\" port 1: (2002, "), "%s", msg);
    cr_assert_null(strstr(msg, "s3cr3t"), "%s", msg);
    cr_assert_null(strchr(msg, '\n'), "one line: %s", msg);
    cr_assert_str_eq(dorm_db_vendor(db), "mysql");
    dorm_db_close(db);
}

Test(my_connect, missing_socket_names_it) {
    char msg[512];
    cr_assert_eq(
        open_error("mariadb://bob:pw%2Fx@localhost/shop?unix_socket=/tmp/dorm-no-such-dir/m.sock", msg, sizeof msg),
        DORM_EOPERATIONAL);
    cr_assert(strstr(msg, "Could not connect to MySQL at socket \"/tmp/dorm-no-such-dir/m.sock\": (2002, "), "%s", msg);
    cr_assert_null(strstr(msg, "pw"), "%s", msg);
    /* A host that is a path is a socket, as in Django's HOST. */
    cr_assert_eq(open_error("mysql://bob@%2Ftmp%2Fdorm-no-such-dir%2Fm.sock/shop", msg, sizeof msg), DORM_EOPERATIONAL);
    cr_assert(strstr(msg, "at socket \"/tmp/dorm-no-such-dir/m.sock\""), "%s", msg);
}

Test(my_connect, options_outside_the_allowlist_are_refused) {
    char msg[512];
    cr_assert_eq(open_error("mysql://u:pw@h/db?local_infile=1", msg, sizeof msg), DORM_ECONFIG);
    cr_assert(strstr(msg, "Unsupported MySQL URL option 'local_infile' (supported: unix_socket, host"), "%s", msg);
    cr_assert_eq(open_error("mysql://u@h/db?isolation_level=chaos", msg, sizeof msg), DORM_ECONFIG);
    cr_assert_str_eq(msg,
                     "Invalid transaction isolation level 'chaos' specified. Use one of 'read committed', "
                     "'read uncommitted', 'repeatable read', 'serializable'.");
    static const char *const refused[] = {
        "sql_mode=STRICT_ALL_TABLES%27%3B%20DROP",
        "sql_mode=",
        "ssl_mode=maybe",
        "charset=latin1",
        "port=x",
        "port=70000",
        "connect_timeout=-1",
        NULL,
    };
    char url[256];
    for (int i = 0; refused[i]; i++) {
        snprintf(url, sizeof url, "mysql://u@127.0.0.1:1/db?%s", refused[i]);
        cr_assert_eq(open_error(url, msg, sizeof msg), DORM_ECONFIG, "%s: %s", refused[i], msg);
        cr_assert(strstr(msg, "MySQL URL option "), "%s", msg);
    }
    static const char *const ok[] = {
        "isolation_level=Repeatable%20Read",
        "sql_mode=STRICT_ALL_TABLES,ANSI_QUOTES",
        "ssl_mode=DISABLED",
        "charset=utf8mb4",
        "connect_timeout=5",
        "init_command=SET%20@x%20%3D%201",
        NULL,
    };
    for (int i = 0; ok[i]; i++) {
        snprintf(url, sizeof url, "mysql://u@127.0.0.1:1/db?%s", ok[i]);
        cr_assert_eq(open_error(url, msg, sizeof msg), DORM_EOPERATIONAL, "%s: %s", ok[i], msg);
    }
}

Test(my_connect, a_database_name_is_required) {
    char msg[512];
    static const char *const none[] = {
        "mysql://", "mariadb://", "mysql://u@127.0.0.1:1", "mysql://u@127.0.0.1:1/", "mysql://u@h/?database=", NULL};
    for (int i = 0; none[i]; i++) {
        cr_assert_eq(open_error(none[i], msg, sizeof msg), DORM_ECONFIG, "%s: %s", none[i], msg);
        cr_assert_str_eq(msg, "MySQL URL names no database: write mysql://user@host/dbname or add ?database=name");
    }
    cr_assert_eq(open_error("mysql://u@127.0.0.1:1/?database=shop", msg, sizeof msg), DORM_EOPERATIONAL, "%s", msg);
}

Test(my_connect, unknown_user_and_database, .init = my_only) {
    char msg[512];
    cr_assert_eq(open_error(url_with("user=dorm_no_such_user"), msg, sizeof msg), DORM_EOPERATIONAL);
    cr_assert(strstr(msg, "Access denied for user 'dorm_no_such_user'"), "%s", msg);
    cr_assert_eq(open_error(url_with("database=dorm_no_such_db"), msg, sizeof msg), DORM_EOPERATIONAL);
    cr_assert(strstr(msg, "(1049, \"Unknown database 'dorm_no_such_db'\")"), "%s", msg);
}

Test(my_connect, database_url_and_djangos_session, .init = my_only) {
    cr_assert_eq(setenv("DATABASE_URL", test_db_url(), 1), 0);
    dorm_db *db = dorm_db_open(NULL, NULL);
    cr_assert_eq(dorm_db_errcode(db), DORM_OK, "%s", dorm_db_errmsg(db));
    cr_assert_str_eq(dorm_db_vendor(db), "mysql");
    char buf[256];
    cr_assert_str_eq(text(db, "SELECT @@session.time_zone", buf, sizeof buf), "+00:00");
    cr_assert_str_eq(text(db, "SELECT @@character_set_connection", buf, sizeof buf), "utf8mb4");
    cr_assert_str_eq(text(db, "SELECT @@session.tx_isolation", buf, sizeof buf), "READ-COMMITTED");
    cr_assert_eq(scalar(db, "SELECT @@session.autocommit"), 1);
    text(db, "SELECT @@session.sql_mode", buf, sizeof buf);
    cr_assert(strstr(buf, "STRICT_TRANS_TABLES") && strstr(buf, "NO_BACKSLASH_ESCAPES"), "%s", buf);
    dorm_db_close(db);
    /* The options: the isolation level, the SQL mode (NO_BACKSLASH_ESCAPES
     * is kept), and init_command, trusted SQL run at connection. */
    db = dorm_db_open(url_with("isolation_level=serializable&sql_mode=STRICT_ALL_TABLES&init_command=SET%20%40dorm_x%20"
                               "%3D%2042"),
                      NULL);
    cr_assert_eq(dorm_db_errcode(db), DORM_OK, "%s", dorm_db_errmsg(db));
    cr_assert_str_eq(text(db, "SELECT @@session.tx_isolation", buf, sizeof buf), "SERIALIZABLE");
    cr_assert_str_eq(text(db, "SELECT @@session.sql_mode", buf, sizeof buf), "NO_BACKSLASH_ESCAPES,STRICT_ALL_TABLES");
    cr_assert_eq(scalar(db, "SELECT @dorm_x"), 42);
    dorm_db_close(db);
}

/* Ends the session of `victim` from another connection and waits until
 * the server has let it go. */
static void kill_session(dorm_db *victim) {
    int64_t id = scalar(victim, "SELECT CONNECTION_ID()");
    dorm_db *killer = dorm_db_open(test_db_url(), NULL);
    cr_assert_eq(dorm_db_errcode(killer), DORM_OK, "%s", dorm_db_errmsg(killer));
    char sql[96];
    dorm_errbuf e = {0, ""};
    snprintf(sql, sizeof sql, "KILL CONNECTION %lld", (long long)id);
    cr_assert_eq(dorm_db__exec(killer, sql, &e), 0, "%s", e.msg);
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = %lld", (long long)id);
    for (int i = 0; i < 500 && scalar(killer, sql); i++) nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
    dorm_db_close(killer);
}

Test(my_connect, reconnects_between_requests, .init = my_only) {
    dorm_db *db = dorm_db_open(url_with("init_command=SET%20%40dorm_x%20%3D%207"), NULL);
    cr_assert_eq(dorm_db_errcode(db), DORM_OK, "%s", dorm_db_errmsg(db));
    int64_t before = scalar(db, "SELECT CONNECTION_ID()");
    kill_session(db);
    /* The same cached statement is prepared again on the new session, which
     * has the URL's settings again. */
    int64_t after = scalar(db, "SELECT CONNECTION_ID()");
    cr_assert_neq(after, before);
    cr_assert_eq(scalar(db, "SELECT @dorm_x"), 7);
    dorm_db_close(db);
}

Test(my_connect, never_reconnects_inside_a_transaction, .init = my_only) {
    dorm_db *db = dorm_db_open(test_db_url(), NULL);
    cr_assert_eq(dorm_db_errcode(db), DORM_OK, "%s", dorm_db_errmsg(db));
    dorm_errbuf e = {0, ""};
    cr_assert_eq(dorm_db__begin(db, &e), 0, "%s", e.msg);
    cr_assert_eq(try_query(db, "SELECT 1", &e), 0, "%s", e.msg);
    kill_session(db);
    cr_assert_eq(try_query(db, "SELECT 1", &e), DORM_EOPERATIONAL);
    cr_assert(strstr(e.msg, "was lost inside a transaction"), "%s", e.msg);
    cr_assert_eq(try_query(db, "SELECT 2", &e), DORM_EOPERATIONAL, "still refused until rolled back");
    cr_assert_eq(dorm_db__rollback(db, &e), DORM_EOPERATIONAL);
    cr_assert_eq(try_query(db, "SELECT 1", &e), 0, "%s", e.msg);
    dorm_db_close(db);
}

/* The ROLLBACK itself is the first command to meet the dead session: it
 * still ends the transaction, and the next statement reconnects. */
Test(my_connect, rollback_that_notices_the_loss_ends_the_transaction, .init = my_only) {
    dorm_db *db = dorm_db_open(test_db_url(), NULL);
    cr_assert_eq(dorm_db_errcode(db), DORM_OK, "%s", dorm_db_errmsg(db));
    dorm_errbuf e = {0, ""};
    cr_assert_eq(dorm_db__begin(db, &e), 0, "%s", e.msg);
    cr_assert_eq(try_query(db, "SELECT 1", &e), 0, "%s", e.msg);
    kill_session(db);
    cr_assert_eq(dorm_db__rollback(db, &e), DORM_EOPERATIONAL);
    cr_assert_eq(try_query(db, "SELECT 1", &e), 0, "%s", e.msg);
    /* The same after a savepoint: its ROLLBACK TO meets the loss first. */
    cr_assert_eq(dorm_db__begin(db, &e), 0, "%s", e.msg);
    cr_assert_eq(dorm_db__begin(db, &e), 0, "%s", e.msg);
    kill_session(db);
    cr_assert_eq(dorm_db__rollback(db, &e), DORM_EOPERATIONAL);
    cr_assert_eq(dorm_db__rollback(db, &e), DORM_EOPERATIONAL);
    cr_assert_eq(try_query(db, "SELECT 1", &e), 0, "%s", e.msg);
    /* And when COMMIT meets it: the commit fails, its rollback ends the
     * transaction. */
    cr_assert_eq(dorm_db__begin(db, &e), 0, "%s", e.msg);
    kill_session(db);
    cr_assert_eq(dorm_db__commit(db, &e), DORM_EOPERATIONAL);
    cr_assert_eq(try_query(db, "SELECT 1", &e), 0, "%s", e.msg);
    dorm_db_close(db);
}

/* The server's count of this session's prepared statements. */
static int64_t prepares(dorm_db *db) {
    return scalar(db,
                  "SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = "
                  "'COM_STMT_PREPARE'");
}

Test(my_connect, one_server_statement_per_sql_text, .init = my_only) {
    dorm_db *db = dorm_db_open(test_db_url(), NULL);
    cr_assert_eq(dorm_db_errcode(db), DORM_OK, "%s", dorm_db_errmsg(db));
    int64_t base = prepares(db);
    dorm_cached_stmt *cs;
    dorm_errbuf e = {0, ""};
    for (int i = 0; i < 5; i++) {
        dorm_value v = dorm_v_int(i);
        cr_assert_eq(dorm_db__prepare(db, "SELECT ? + 1", DORM_STRLEN, &cs, &e), 0, "%s", e.msg);
        cr_assert_eq(dorm_db__run(db, cs, &v, 1, &e), DORM_STEP_ROW, "%s", e.msg);
        cr_assert_eq(db->drv->column_int(cs->stmt, 0), i + 1);
        dorm_db__release(db, cs);
    }
    /* One for "SELECT ? + 1"; the counter's own statement was prepared before. */
    cr_assert_eq(prepares(db), base + 1);
    dorm_db_close(db);
}
