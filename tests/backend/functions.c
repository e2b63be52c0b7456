/* functions.c - tests of the SQL functions registered on SQLite connections:
 * regexp / iregex through the REGEXP operator (with Perl classes, NULLs and
 * bad patterns) and dorm_extract for every kind, including ISO weeks at year
 * boundaries and Django's week_day numbering. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "backend/db.h"

static dorm_db *db;

static void setup(void) {
    db = dorm_db_open("sqlite://:memory:", NULL);
    cr_assert_eq(dorm_db_errcode(db), DORM_OK, "%s", dorm_db_errmsg(db));
}

static void teardown(void) { dorm_db_close(db); }

TestSuite(functions, .init = setup, .fini = teardown);

static char result[128];
static dorm_errbuf err;

/* Runs `sql` with the first n of the text parameters a and b (NULL: SQL
 * NULL).  Returns the result's text, "NULL" for SQL NULL, or "ERROR" with the
 * error in `err`. */
static const char *eval(const char *sql, size_t n, const char *a, const char *b) {
    dorm_cached_stmt *cs;
    if (dorm_db__prepare(db, sql, DORM_STRLEN, &cs, &err)) return "ERROR";
    dorm_value p[2] = {dorm_v_text(a), dorm_v_text(b)};
    int rc = dorm_db__run(db, cs, p, n, &err);
    if (rc == DORM_STEP_ROW) {
        size_t len;
        const char *t = db->drv->column_text(cs->stmt, 0, &len);
        snprintf(result, sizeof result, "%s", t ? t : "NULL");
    }
    dorm_db__release(db, cs);
    return rc == DORM_STEP_ROW ? result : "ERROR";
}

static const char *regex(const char *value, const char *pattern) {
    return eval("SELECT ? REGEXP ?", 2, value, pattern);
}

static const char *iregex(const char *value, const char *pattern) {
    return eval("SELECT ? REGEXP '(?i)' || ?", 2, value, pattern);
}

Test(functions, regexp_matches_anywhere) {
    cr_assert_str_eq(regex("The Hobbit", "Hob+it"), "1");
    cr_assert_str_eq(regex("The Hobbit", "^Hob"), "0");
    cr_assert_str_eq(regex("The Hobbit", "^The (Hobbit|Lord)$"), "1");
    cr_assert_str_eq(regex("the hobbit", "Hobbit"), "0");
    cr_assert_str_eq(eval("SELECT 1984 REGEXP '^19'", 0, NULL, NULL), "1");
}

Test(functions, iregex_ignores_case) {
    cr_assert_str_eq(iregex("the hobbit", "HOBBIT"), "1");
    cr_assert_str_eq(iregex("the hobbit", "^hobbit"), "0");
}

Test(functions, perl_classes) {
    cr_assert_str_eq(regex("ISBN 978", "\\d{3}$"), "1");
    cr_assert_str_eq(regex("ISBN", "\\d"), "0");
    cr_assert_str_eq(regex("abc", "^\\D+$"), "1");
    cr_assert_str_eq(regex("a b", "a\\sb"), "1");
    cr_assert_str_eq(regex("a_b9", "^\\w+$"), "1");
    cr_assert_str_eq(regex("a-b", "^\\w+$"), "0");
    cr_assert_str_eq(regex("a-b", "\\W"), "1");
    cr_assert_str_eq(regex("x7", "^[a-z\\d]+$"), "1");
    cr_assert_str_eq(regex("a.b", "a\\.b"), "1");
    cr_assert_str_eq(regex("axb", "a\\.b"), "0");
    cr_assert_str_eq(regex("]", "^[]]$"), "1");
    cr_assert_str_eq(regex("5", "^[[:digit:]]$"), "1");
}

Test(functions, regexp_null_in_null_out) {
    cr_assert_str_eq(regex(NULL, "a"), "NULL");
    cr_assert_str_eq(regex("a", NULL), "NULL");
    cr_assert_str_eq(iregex("a", NULL), "NULL");
}

Test(functions, regexp_bad_pattern_is_error) {
    cr_assert_str_eq(regex("abc", "a(b"), "ERROR");
    cr_assert_eq(err.code, DORM_EOPERATIONAL);
    cr_assert(strncmp(err.msg, "invalid regular expression: ", 28) == 0, "%s", err.msg);
    /* The connection and the cached statement still work. */
    cr_assert_str_eq(regex("abc", "b"), "1");
}

Test(functions, regexp_over_rows_reuses_compiled_pattern) {
    dorm_errbuf e;
    cr_assert_eq(dorm_db__exec(db, "CREATE TABLE t (s text); INSERT INTO t VALUES ('a1'), ('b'), ('c22'), (NULL)", &e),
                 0);
    cr_assert_str_eq(eval("SELECT count(*) FROM t WHERE s REGEXP ?", 1, "\\d", NULL), "2");
    cr_assert_str_eq(eval("SELECT count(*) FROM t WHERE s REGEXP ?", 1, "^[abc]", NULL), "3");
}

Test(functions, regexp_sees_text_after_nul) {
    /* dorm binds no text with a NUL byte, but SQL can make one. */
    dorm_cached_stmt *cs;
    cr_assert_eq(dorm_db__prepare(db, "SELECT CAST(X'6162006364' AS TEXT) REGEXP 'cd'", DORM_STRLEN, &cs, &err), 0);
    cr_assert_eq(dorm_db__run(db, cs, NULL, 0, &err), DORM_STEP_ROW);
    cr_assert_eq(db->drv->column_int(cs->stmt, 0), 1);
    dorm_db__release(db, cs);
    cr_assert_eq(dorm_db__prepare(db, "SELECT 'abc' REGEXP CAST(X'610078' AS TEXT)", DORM_STRLEN, &cs, &err), 0);
    cr_assert_eq(dorm_db__run(db, cs, NULL, 0, &err), DORM_EOPERATIONAL);
    cr_assert_str_eq(err.msg, "regular expression contains a NUL byte");
    dorm_db__release(db, cs);
}

static const char *extract(const char *kind, const char *value) {
    static char sql[96];
    snprintf(sql, sizeof sql, "SELECT dorm_extract('%s', ?)", kind);
    return eval(sql, 1, value, NULL);
}

Test(functions, extract_date_parts) {
    const char *d = "2021-08-14";
    cr_assert_str_eq(extract("year", d), "2021");
    cr_assert_str_eq(extract("iso_year", d), "2021");
    cr_assert_str_eq(extract("month", d), "8");
    cr_assert_str_eq(extract("day", d), "14");
    cr_assert_str_eq(extract("week", d), "32");
    cr_assert_str_eq(extract("week_day", d), "7"); /* a Saturday */
    cr_assert_str_eq(extract("iso_week_day", d), "6");
    cr_assert_str_eq(extract("quarter", d), "3");
    cr_assert_str_eq(extract("date", d), "2021-08-14");
    cr_assert_str_eq(extract("hour", d), "NULL");
    cr_assert_str_eq(extract("time", d), "NULL");
}

Test(functions, extract_datetime_parts) {
    const char *dt = "2020-02-29 23:05:09.250000";
    cr_assert_str_eq(extract("year", dt), "2020");
    cr_assert_str_eq(extract("month", dt), "2");
    cr_assert_str_eq(extract("day", dt), "29");
    cr_assert_str_eq(extract("quarter", dt), "1");
    cr_assert_str_eq(extract("hour", dt), "23");
    cr_assert_str_eq(extract("minute", dt), "5");
    cr_assert_str_eq(extract("second", dt), "9");
    cr_assert_str_eq(extract("date", dt), "2020-02-29");
    cr_assert_str_eq(extract("time", dt), "23:05:09.250000");
    cr_assert_str_eq(extract("time", "2020-02-29 23:05:09"), "23:05:09");
    cr_assert_str_eq(extract("hour", "2020-02-29T07:00:00"), "7");
}

Test(functions, extract_time_parts) {
    cr_assert_str_eq(extract("hour", "13:45:30"), "13");
    cr_assert_str_eq(extract("minute", "13:45:30"), "45");
    cr_assert_str_eq(extract("second", "13:45:30.5"), "30");
    cr_assert_str_eq(extract("time", "13:45:30"), "13:45:30");
    cr_assert_str_eq(extract("year", "13:45:30"), "NULL");
    cr_assert_str_eq(extract("date", "13:45:30"), "NULL");
}

Test(functions, extract_iso_weeks_at_year_boundaries) {
    cr_assert_str_eq(extract("week", "2020-12-31"), "53");
    cr_assert_str_eq(extract("iso_year", "2020-12-31"), "2020");
    cr_assert_str_eq(extract("week", "2021-01-03"), "53");
    cr_assert_str_eq(extract("iso_year", "2021-01-03"), "2020");
    cr_assert_str_eq(extract("year", "2021-01-03"), "2021");
    cr_assert_str_eq(extract("week", "2021-01-04"), "1");
    cr_assert_str_eq(extract("iso_year", "2021-01-04"), "2021");
    cr_assert_str_eq(extract("week", "2019-12-30"), "1");
    cr_assert_str_eq(extract("iso_year", "2019-12-30 10:00:00"), "2020");
    cr_assert_str_eq(extract("week", "2018-01-01"), "1");
    cr_assert_str_eq(extract("week", "2016-01-03"), "53");
}

Test(functions, extract_week_days) {
    /* 2021-01-03 is a Sunday, 2021-01-04 a Monday. */
    cr_assert_str_eq(extract("week_day", "2021-01-03"), "1");
    cr_assert_str_eq(extract("iso_week_day", "2021-01-03"), "7");
    cr_assert_str_eq(extract("week_day", "2021-01-04"), "2");
    cr_assert_str_eq(extract("iso_week_day", "2021-01-04"), "1");
    cr_assert_str_eq(extract("week_day", "2021-01-09 12:00:00"), "7");
    cr_assert_str_eq(extract("iso_week_day", "2021-01-09 12:00:00"), "6");
    cr_assert_str_eq(extract("week_day", "1969-12-31"), "4");
    cr_assert_str_eq(extract("iso_week_day", "1969-12-31"), "3");
}

Test(functions, extract_quarters) {
    cr_assert_str_eq(extract("quarter", "2021-03-31"), "1");
    cr_assert_str_eq(extract("quarter", "2021-04-01"), "2");
    cr_assert_str_eq(extract("quarter", "2021-09-30"), "3");
    cr_assert_str_eq(extract("quarter", "2021-12-01"), "4");
}

Test(functions, extract_unparseable_or_null) {
    cr_assert_str_eq(extract("year", NULL), "NULL");
    cr_assert_str_eq(extract("year", "yesterday"), "NULL");
    cr_assert_str_eq(extract("year", "2021-13-01"), "NULL");
    cr_assert_str_eq(extract("year", ""), "NULL");
    cr_assert_str_eq(eval("SELECT dorm_extract('year', 2021)", 0, NULL, NULL), "NULL");
    cr_assert_str_eq(extract("century", "2021-01-01"), "ERROR");
    cr_assert_str_eq(err.msg, "dorm_extract: unknown kind");
}
