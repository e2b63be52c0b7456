/* db.c - tests of the connection handle on SQLite: opening by URL and its
 * errors, the statement cache, binding and reading every value type, error
 * mapping (IntegrityError with SQLite's message), the query counter and the
 * statement log in Django's format. */
#define _POSIX_C_SOURCE 200809L

#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/db.h"

static dorm_db *mem(void) {
    dorm_db *db = dorm_db_open("sqlite://:memory:", NULL);
    cr_assert_not_null(db);
    cr_assert_eq(dorm_db_errcode(db), DORM_OK, "%s", dorm_db_errmsg(db));
    return db;
}

static void exec_ok(dorm_db *db, const char *sql) {
    dorm_errbuf e = {0, ""};
    cr_assert_eq(dorm_db__exec(db, sql, &e), 0, "%s: %s", sql, e.msg);
}

/* Runs a statement to completion; returns its last step result. */
static int run(dorm_db *db, const char *sql, const dorm_value *params, size_t n, dorm_errbuf *e) {
    dorm_cached_stmt *cs;
    int rc = dorm_db__prepare(db, sql, DORM_STRLEN, &cs, e);
    if (rc) return rc;
    rc = dorm_db__run(db, cs, params, n, e);
    while (rc == DORM_STEP_ROW) rc = dorm_db__step(db, cs, e);
    dorm_db__release(db, cs);
    return rc;
}

Test(db, open_memory) {
    dorm_db *db = mem();
    cr_assert_str_eq(dorm_db_vendor(db), "sqlite");
    cr_assert_str_eq(dorm_db_errmsg(db), "");
    dorm_db_close(db);
    db = dorm_db_open("sqlite:///:memory:", NULL);
    cr_assert_eq(dorm_db_errcode(db), DORM_OK);
    dorm_db_close(db);
    dorm_db_close(NULL);
}

Test(db, open_file_in_missing_directory) {
    dorm_db *db = dorm_db_open("sqlite:////nonexistent-dorm-dir/sub/x.db", NULL);
    cr_assert_not_null(db);
    cr_assert_eq(dorm_db_errcode(db), DORM_EOPERATIONAL);
    cr_assert(strncmp(dorm_db_errmsg(db), "unable to open database file '/nonexistent-dorm-dir/sub/x.db': ", 63) == 0,
              "%s", dorm_db_errmsg(db));
    dorm_errbuf e = {0, ""};
    dorm_cached_stmt *cs;
    cr_assert_eq(dorm_db__prepare(db, "SELECT 1", DORM_STRLEN, &cs, &e), DORM_EOPERATIONAL);
    cr_assert_eq(dorm_db__exec(db, "SELECT 1", &e), DORM_EOPERATIONAL);
    dorm_db_close(db);
}

Test(db, open_relative_file) {
    char dir[] = "/tmp/dorm-db-test-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char cwd[4096];
    cr_assert_not_null(getcwd(cwd, sizeof cwd));
    cr_assert_eq(chdir(dir), 0);
    dorm_db *db = dorm_db_open("sqlite:///rel.db", NULL);
    cr_assert_eq(dorm_db_errcode(db), DORM_OK, "%s", dorm_db_errmsg(db));
    exec_ok(db, "CREATE TABLE t (x)");
    dorm_db_close(db);
    cr_assert_eq(access("rel.db", F_OK), 0);
    cr_assert_eq(unlink("rel.db"), 0);
    cr_assert_eq(chdir(cwd), 0);
    cr_assert_eq(rmdir(dir), 0);
}

Test(db, open_config_errors) {
    dorm_db *db = dorm_db_open("oracle://h/db", NULL);
    cr_assert_eq(dorm_db_errcode(db), DORM_ECONFIG);
    cr_assert_str_eq(
        dorm_db_errmsg(db),
        "Unsupported database URL scheme 'oracle' (supported: sqlite, postgres, postgresql, mysql, mariadb)");
    cr_assert_str_eq(dorm_db_vendor(db), "");
    dorm_db_close(db);

    db = dorm_db_open("sqlite://host/x.db", NULL);
    cr_assert_eq(dorm_db_errcode(db), DORM_ECONFIG);
    dorm_db_close(db);

    db = dorm_db_open("sqlite:///:memory:?journal=wal", NULL);
    cr_assert_eq(dorm_db_errcode(db), DORM_ECONFIG);
    cr_assert_str_eq(dorm_db_errmsg(db),
                     "Unsupported SQLite URL option 'journal' (supported: timeout, transaction_mode)");
    dorm_db_close(db);

    db = dorm_db_open("sqlite:///:memory:?timeout=2.5", NULL);
    cr_assert_eq(dorm_db_errcode(db), DORM_OK, "%s", dorm_db_errmsg(db));
    dorm_db_close(db);

    db = dorm_db_open("sqlite://", NULL);
    cr_assert_eq(dorm_db_errcode(db), DORM_ECONFIG);
    dorm_db_close(db);
}

Test(db, database_url_from_environment) {
    cr_assert_eq(unsetenv("DATABASE_URL"), 0);
    dorm_db *db = dorm_db_open(NULL, NULL);
    cr_assert_eq(dorm_db_errcode(db), DORM_ECONFIG);
    cr_assert_str_eq(dorm_db_errmsg(db), "No database URL given and DATABASE_URL is not set");
    dorm_db_close(db);
    cr_assert_eq(setenv("DATABASE_URL", "sqlite://:memory:", 1), 0);
    db = dorm_db_open(NULL, NULL);
    cr_assert_eq(dorm_db_errcode(db), DORM_OK, "%s", dorm_db_errmsg(db));
    dorm_db_close(db);
    unsetenv("DATABASE_URL");
}

Test(db, foreign_keys_enforced) {
    dorm_db *db = mem();
    exec_ok(db, "CREATE TABLE a (id integer PRIMARY KEY)");
    exec_ok(db, "CREATE TABLE b (a_id integer REFERENCES a (id))");
    dorm_errbuf e = {0, ""};
    dorm_value v = dorm_v_int(42);
    cr_assert_eq(run(db, "INSERT INTO b (a_id) VALUES (?)", &v, 1, &e), DORM_EINTEGRITY);
    cr_assert_str_eq(e.msg, "FOREIGN KEY constraint failed");
    dorm_db_close(db);
}

Test(db, statement_cache_reuse) {
    dorm_db *db = mem();
    dorm_errbuf e = {0, ""};
    dorm_cached_stmt *a, *b;
    cr_assert_eq(dorm_db__prepare(db, "SELECT 1", 8, &a, &e), 0);
    dorm_stmt *first = a->stmt;
    cr_assert(a->cached && a->busy);
    cr_assert_eq(dorm_db__run(db, a, NULL, 0, &e), DORM_STEP_ROW);
    dorm_db__release(db, a);
    cr_assert_not(a->busy);
    cr_assert_eq(dorm_db__prepare(db, "SELECT 1", DORM_STRLEN, &b, &e), 0);
    cr_assert_eq(b, a);
    cr_assert_eq(b->stmt, first);
    dorm_db__release(db, b);
    dorm_db_close(db);
}

static void read_nulls(dorm_db *db, dorm_stmt *st, void *payload) {
    int *nulls = payload;
    nulls[0] = db->drv->column_null(st, 0);
    nulls[1] = db->drv->column_null(st, 1);
}

/* A cached statement run again with fewer parameters than placeholders
 * reads NULL for the others, not what its last run bound to them. */
Test(db, unbound_placeholders_are_null) {
    dorm_db *db = mem();
    dorm_errbuf e = {0, ""};
    const dorm_value two[] = {dorm_v_int(1), dorm_v_text("x")};
    int nulls[2] = {-1, -1};
    cr_assert_eq(dorm_db__query(db, "SELECT ?, ?", two, 2, read_nulls, nulls, &e), 0, "%s", e.msg);
    cr_assert(!nulls[0] && !nulls[1]);
    cr_assert_eq(dorm_db__query(db, "SELECT ?, ?", two, 1, read_nulls, nulls, &e), 0, "%s", e.msg);
    cr_assert(!nulls[0] && nulls[1], "the second placeholder is NULL");
    cr_assert_eq(dorm_db__query(db, "SELECT ?, ?", NULL, 0, read_nulls, nulls, &e), 0, "%s", e.msg);
    cr_assert(nulls[0] && nulls[1]);
    dorm_db_close(db);
}

Test(db, nested_use_of_same_sql) {
    dorm_db *db = mem();
    exec_ok(db, "CREATE TABLE t (x integer)");
    exec_ok(db, "INSERT INTO t VALUES (1), (2), (3)");
    dorm_errbuf e = {0, ""};
    const char *sql = "SELECT x FROM t WHERE x >= ? ORDER BY x";
    dorm_cached_stmt *outer, *inner;
    dorm_value p1 = dorm_v_int(1);
    cr_assert_eq(dorm_db__prepare(db, sql, DORM_STRLEN, &outer, &e), 0);
    int rc = dorm_db__run(db, outer, &p1, 1, &e);
    int64_t sum = 0;
    int rows = 0;
    while (rc == DORM_STEP_ROW) {
        int64_t x = db->drv->column_int(outer->stmt, 0);
        cr_assert_eq(dorm_db__prepare(db, sql, DORM_STRLEN, &inner, &e), 0);
        cr_assert_neq(inner, outer);
        cr_assert_not(inner->cached);
        dorm_value p2 = dorm_v_int(x);
        int irc = dorm_db__run(db, inner, &p2, 1, &e);
        while (irc == DORM_STEP_ROW) {
            sum += db->drv->column_int(inner->stmt, 0);
            irc = dorm_db__step(db, inner, &e);
        }
        cr_assert_eq(irc, DORM_STEP_DONE, "%s", e.msg);
        dorm_db__release(db, inner);
        rows++;
        rc = dorm_db__step(db, outer, &e);
    }
    cr_assert_eq(rc, DORM_STEP_DONE);
    dorm_db__release(db, outer);
    cr_assert_eq(rows, 3);
    cr_assert_eq(sum, (1 + 2 + 3) + (2 + 3) + 3);
    dorm_db_close(db);
}

Test(db, cache_eviction_keeps_busy_statements) {
    dorm_db *db = mem();
    dorm_errbuf e = {0, ""};
    dorm_cached_stmt *held;
    cr_assert_eq(dorm_db__prepare(db, "SELECT 0", DORM_STRLEN, &held, &e), 0);
    char sql[64];
    for (int i = 1; i <= 1500; i++) {
        dorm_cached_stmt *cs;
        snprintf(sql, sizeof sql, "SELECT %d", i);
        cr_assert_eq(dorm_db__prepare(db, sql, DORM_STRLEN, &cs, &e), 0);
        dorm_db__release(db, cs);
    }
    cr_assert_leq(db->link->stmts.len, 1024);
    cr_assert_eq(dorm_db__run(db, held, NULL, 0, &e), DORM_STEP_ROW);
    cr_assert_eq(db->drv->column_int(held->stmt, 0), 0);
    dorm_db__release(db, held);
    dorm_db_close(db);
}

Test(db, prepare_errors) {
    dorm_db *db = mem();
    dorm_errbuf e = {0, ""};
    dorm_cached_stmt *cs = NULL;
    cr_assert_eq(dorm_db__prepare(db, "SELECT * FROM missing", DORM_STRLEN, &cs, &e), DORM_EOPERATIONAL);
    cr_assert_str_eq(e.msg, "no such table: missing");
    cr_assert_null(cs);
    cr_assert_eq(dorm_db__prepare(db, "SELEC 1", DORM_STRLEN, &cs, &e), DORM_EOPERATIONAL);
    cr_assert_str_eq(e.msg, "near \"SELEC\": syntax error");
    cr_assert_eq(dorm_db__prepare(db, "SELECT 1; DROP TABLE x", DORM_STRLEN, &cs, &e), DORM_EPROGRAMMING);
    cr_assert_str_eq(e.msg, "You can only execute one statement at a time.");
    cr_assert_eq(dorm_db__prepare(db, "  ", DORM_STRLEN, &cs, &e), DORM_EPROGRAMMING);
    cr_assert_eq(dorm_db__prepare(db, "SELECT 1; -- done\n /* c */ ;", DORM_STRLEN, &cs, &e), 0, "%s", e.msg);
    dorm_db__release(db, cs);
    cr_assert_eq(dorm_db__prepare(db, "SELECT ?", DORM_STRLEN, &cs, &e), 0);
    dorm_value two[2] = {dorm_v_int(1), dorm_v_int(2)};
    cr_assert_eq(dorm_db__run(db, cs, two, 2, &e), DORM_EPROGRAMMING);
    dorm_db__release(db, cs);
    dorm_db_close(db);
}

static const unsigned char blob_bytes[] = {0, 1, 2, 0xff, 0};

Test(db, every_value_type_round_trip) {
    dorm_db *db = mem();
    exec_ok(db, "CREATE TABLE v (n, b, i, f, t, y, d, dt, tm, dec, u, e, ey)");
    dorm_uuid u = {{0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef}};
    dorm_value p[13] = {
        dorm_v_null(),
        dorm_v_bool(true),
        dorm_v_int(INT64_MIN),
        dorm_v_float(0.1),
        dorm_v_text("héllo"),
        dorm_v_bytes((dorm_bytes){blob_bytes, sizeof blob_bytes}),
        dorm_v_date(dorm_date_ymd(2021, 1, 4)),
        dorm_v_datetime(dorm_datetime_utc(2020, 12, 31, 23, 59, 58, 123456)),
        dorm_v_time(dorm_time_hms(7, 5, 3, 0)),
        dorm_v_decimal((dorm_decimal)DORM_DEC(-1250, 2)),
        dorm_v_uuid(u),
        dorm_v_textn(NULL, 0),
        dorm_v_bytes((dorm_bytes){NULL, 0}),
    };
    dorm_errbuf e = {0, ""};
    cr_assert_eq(run(db, "INSERT INTO v VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", p, 13, &e), DORM_STEP_DONE,
                 "%s", e.msg);
    dorm_cached_stmt *cs;
    cr_assert_eq(dorm_db__prepare(db, "SELECT n, b, i, f, t, y, d, dt, tm, dec, u, e, ey, typeof(ey) FROM v",
                                  DORM_STRLEN, &cs, &e),
                 0);
    cr_assert_eq(dorm_db__run(db, cs, NULL, 0, &e), DORM_STEP_ROW);
    const dorm_driver *d = db->drv;
    dorm_stmt *s = cs->stmt;
    size_t len;
    cr_assert_eq(d->column_count(s), 14);
    cr_assert(d->column_null(s, 0));
    cr_assert_null(d->column_text(s, 0, &len));
    cr_assert_eq(len, 0);
    cr_assert_not(d->column_null(s, 1));
    cr_assert_eq(d->column_int(s, 1), 1);
    cr_assert_eq(d->column_int(s, 2), INT64_MIN);
    cr_assert_eq(d->column_float(s, 3), 0.1);
    cr_assert_str_eq(d->column_text(s, 4, &len), "héllo");
    cr_assert_eq(len, strlen("héllo"));
    const void *blob = d->column_blob(s, 5, &len);
    cr_assert_eq(len, sizeof blob_bytes);
    cr_assert_arr_eq(blob, blob_bytes, sizeof blob_bytes);
    cr_assert_str_eq(d->column_text(s, 6, &len), "2021-01-04");
    cr_assert_str_eq(d->column_text(s, 7, &len), "2020-12-31 23:59:58.123456");
    cr_assert_str_eq(d->column_text(s, 8, &len), "07:05:03");
    cr_assert_str_eq(d->column_text(s, 9, &len), "-12.50");
    cr_assert_str_eq(d->column_text(s, 10, &len), "123456789abcdef00123456789abcdef");
    cr_assert_not(d->column_null(s, 11));
    cr_assert_str_eq(d->column_text(s, 11, &len), "");
    cr_assert_not(d->column_null(s, 12));
    cr_assert_str_eq(d->column_text(s, 13, &len), "blob");
    cr_assert_eq(dorm_db__step(db, cs, &e), DORM_STEP_DONE);
    dorm_db__release(db, cs);
    dorm_db_close(db);
}

/* dorm reads text into C strings, so text with a NUL byte is refused as
 * PostgreSQL refuses it, never bound cut; bytes keep every byte. */
Test(db, text_with_nul_refused_bytes_kept) {
    dorm_db *db = mem();
    exec_ok(db, "CREATE TABLE t (s)");
    dorm_errbuf e = {0, ""};
    dorm_value v = dorm_v_textn("ab\0cd", 5);
    cr_assert_eq(run(db, "INSERT INTO t VALUES (?)", &v, 1, &e), DORM_EVALUE);
    cr_assert_str_eq(e.msg, "parameter 1: text cannot contain NUL (0x00) characters");
    dorm_value b = dorm_v_bytes((dorm_bytes){"ab\0cd", 5});
    cr_assert_eq(run(db, "INSERT INTO t VALUES (?)", &b, 1, &e), DORM_STEP_DONE);
    dorm_cached_stmt *cs;
    cr_assert_eq(dorm_db__prepare(db, "SELECT s FROM t", DORM_STRLEN, &cs, &e), 0);
    cr_assert_eq(dorm_db__run(db, cs, NULL, 0, &e), DORM_STEP_ROW);
    size_t len;
    const void *p = db->drv->column_blob(cs->stmt, 0, &len);
    cr_assert_eq(len, 5);
    cr_assert_eq(memcmp(p, "ab\0cd", 5), 0);
    cr_assert_eq(dorm_db__step(db, cs, &e), DORM_STEP_DONE);
    dorm_db__release(db, cs);
    dorm_db_close(db);
}

Test(db, unique_violation_is_integrity_error) {
    dorm_db *db = mem();
    exec_ok(db, "CREATE TABLE library_book (id integer PRIMARY KEY, isbn varchar(13) NOT NULL UNIQUE)");
    dorm_errbuf e = {0, ""};
    dorm_value v = dorm_v_text("9780000000001");
    cr_assert_eq(run(db, "INSERT INTO library_book (isbn) VALUES (?)", &v, 1, &e), DORM_STEP_DONE);
    cr_assert_eq(run(db, "INSERT INTO library_book (isbn) VALUES (?)", &v, 1, &e), DORM_EINTEGRITY);
    cr_assert_str_eq(e.msg, "UNIQUE constraint failed: library_book.isbn");
    dorm_value n = dorm_v_null();
    cr_assert_eq(run(db, "INSERT INTO library_book (isbn) VALUES (?)", &n, 1, &e), DORM_EINTEGRITY);
    cr_assert_str_eq(e.msg, "NOT NULL constraint failed: library_book.isbn");
    /* The connection (and the cached statement) still work. */
    dorm_value w = dorm_v_text("9780000000002");
    cr_assert_eq(run(db, "INSERT INTO library_book (isbn) VALUES (?)", &w, 1, &e), DORM_STEP_DONE, "%s", e.msg);
    dorm_cached_stmt *cs;
    cr_assert_eq(dorm_db__prepare(db, "SELECT count(*) FROM library_book", DORM_STRLEN, &cs, &e), 0);
    cr_assert_eq(dorm_db__run(db, cs, NULL, 0, &e), DORM_STEP_ROW);
    cr_assert_eq(db->drv->column_int(cs->stmt, 0), 2);
    dorm_db__release(db, cs);
    dorm_db_close(db);
}

Test(db, data_errors) {
    dorm_db *db = mem();
    exec_ok(db, "CREATE TABLE t (id integer PRIMARY KEY)");
    dorm_errbuf e = {0, ""};
    dorm_value v = dorm_v_text("abc");
    cr_assert_eq(run(db, "INSERT INTO t (id) VALUES (?)", &v, 1, &e), DORM_EDATA);
    cr_assert_str_eq(e.msg, "datatype mismatch");
    dorm_value list = dorm_v_list(&v, 1);
    cr_assert_eq(run(db, "SELECT ?", &list, 1, &e), DORM_EVALUE);
    dorm_db_close(db);
}

Test(db, changes_counts_rows) {
    dorm_db *db = mem();
    exec_ok(db, "CREATE TABLE t (x integer)");
    exec_ok(db, "INSERT INTO t VALUES (1), (2), (3)");
    dorm_errbuf e = {0, ""};
    dorm_cached_stmt *cs;
    cr_assert_eq(dorm_db__prepare(db, "UPDATE t SET x = x + 1 WHERE x >= ?", DORM_STRLEN, &cs, &e), 0);
    dorm_value v = dorm_v_int(2);
    cr_assert_eq(dorm_db__run(db, cs, &v, 1, &e), DORM_STEP_DONE);
    cr_assert_eq(db->drv->changes(cs->stmt), 2);
    dorm_db__release(db, cs);
    cr_assert_eq(dorm_db__prepare(db, "SELECT x FROM t", DORM_STRLEN, &cs, &e), 0);
    int rc = dorm_db__run(db, cs, NULL, 0, &e);
    while (rc == DORM_STEP_ROW) rc = dorm_db__step(db, cs, &e);
    cr_assert_eq(db->drv->changes(cs->stmt), 0);
    dorm_db__release(db, cs);
    cr_assert_eq(dorm_db__prepare(db, "DELETE FROM t RETURNING x", DORM_STRLEN, &cs, &e), 0);
    rc = dorm_db__run(db, cs, NULL, 0, &e);
    int rows = 0;
    for (; rc == DORM_STEP_ROW; rc = dorm_db__step(db, cs, &e)) rows++;
    cr_assert_eq(rows, 3);
    cr_assert_eq(db->drv->changes(cs->stmt), 3);
    dorm_db__release(db, cs);
    dorm_db_close(db);
}

Test(db, query_count) {
    dorm_db *db = mem();
    uint64_t start = dorm_db_query_count(db);
    exec_ok(db, "CREATE TABLE t (x)");
    dorm_errbuf e = {0, ""};
    dorm_value v = dorm_v_int(1);
    run(db, "INSERT INTO t VALUES (?)", &v, 1, &e);
    run(db, "INSERT INTO t VALUES (?)", &v, 1, &e);
    run(db, "SELECT x FROM t", NULL, 0, &e);
    cr_assert_eq(dorm_db_query_count(db) - start, 4);
    dorm_db_close(db);
}

typedef struct log_rec {
    int calls;
    char sql[256];
    char params[256];
    double seconds;
} log_rec;

static void record(const char *sql, const char *params, double seconds, void *payload) {
    log_rec *r = payload;
    r->calls++;
    snprintf(r->sql, sizeof r->sql, "%s", sql);
    snprintf(r->params, sizeof r->params, "%s", params);
    r->seconds = seconds;
}

Test(db, log_renders_params_python_style) {
    dorm_db *db = mem();
    log_rec r = {0, "", "", -1};
    dorm_db_set_log(db, record, &r);
    dorm_errbuf e = {0, ""};
    dorm_uuid u = {{0}};
    u.bytes[15] = 0xab;
    dorm_value p[] = {
        dorm_v_text("x"),
        dorm_v_int(3),
        dorm_v_float(1.5),
        dorm_v_float(100),
        dorm_v_float(1e16),
        dorm_v_float(0.0001),
        dorm_v_float(-2.5e-7),
        dorm_v_null(),
        dorm_v_bool(true),
        dorm_v_bool(false),
        dorm_v_date(dorm_date_ymd(2021, 3, 4)),
        dorm_v_text("it's"),
        dorm_v_textn("a\nb\t", 4),
        dorm_v_bytes((dorm_bytes){"\x01z", 2}),
        dorm_v_decimal((dorm_decimal)DORM_DEC(1250, 2)),
        dorm_v_uuid(u),
        dorm_v_datetime(dorm_datetime_utc(2021, 1, 2, 3, 4, 5, 0)),
        dorm_v_float(0.1),
    };
    size_t n = sizeof p / sizeof p[0];
    cr_assert_eq(run(db, "SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?", p, n, &e), DORM_STEP_DONE);
    cr_assert_eq(r.calls, 1);
    cr_assert_str_eq(r.sql, "SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?");
    cr_assert_str_eq(r.params,
                     "('x', 3, 1.5, 100.0, 1e+16, 0.0001, -2.5e-07, None, True, False, '2021-03-04', \"it's\", "
                     "'a\\nb\\t', b'\\x01z', '12.50', '000000000000000000000000000000ab', '2021-01-02 03:04:05', "
                     "0.1)");
    cr_assert_geq(r.seconds, 0);
    dorm_value one = dorm_v_int(7);
    run(db, "SELECT ?", &one, 1, &e);
    cr_assert_str_eq(r.params, "(7,)");
    run(db, "SELECT 1", NULL, 0, &e);
    cr_assert_str_eq(r.params, "()");
    exec_ok(db, "CREATE TABLE t (x)");
    cr_assert_eq(r.calls, 4);
    cr_assert_str_eq(r.sql, "CREATE TABLE t (x)");
    cr_assert_str_eq(r.params, "None");
    /* Failed statements are logged too, as Django does. */
    cr_assert_eq(dorm_db__exec(db, "CREATE TABLE t (x)", &e), DORM_EOPERATIONAL);
    cr_assert_eq(r.calls, 5);
    dorm_db_set_log(db, NULL, NULL);
    exec_ok(db, "DROP TABLE t");
    cr_assert_eq(r.calls, 5);
    dorm_db_close(db);
}

Test(db, debug_sql_env_logs_to_stderr, .init = cr_redirect_stderr) {
    cr_assert_eq(setenv("DORM_DEBUG_SQL", "1", 1), 0);
    dorm_db *db = mem();
    unsetenv("DORM_DEBUG_SQL");
    dorm_errbuf e = {0, ""};
    dorm_value p[2] = {dorm_v_text("x"), dorm_v_int(3)};
    run(db, "SELECT ?, ?", p, 2, &e);
    dorm_db_close(db);
    fflush(stderr);
    cr_assert_stderr_eq_str("(0.000) SELECT ?, ?; args=('x', 3)\n");
}
