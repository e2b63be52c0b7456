/* test_values.c - values on their way to the database and back: text with a
 * NUL byte is refused (written or read), never cut; dates and instants
 * outside years 1..9999 are refused; decimals keep 38 digits and aggregates
 * keep the precision the backend gives them, as Django's converters do. */
#include <criterion/criterion.h>
#include <string.h>

#include "backend/db.h"
#include "testdb.h"

static bool on_sqlite(void) { return strcmp(dorm_db_vendor(T.db), "sqlite") == 0; }

static void exec_sql(const char *sql) {
    dorm_errbuf e = {0, ""};
    cr_assert_eq(dorm_db_exec(T.db, sql, &e), 0, "%s: %s", sql, e.msg);
}

static Everything *one_everything(void) {
    Everything *e = dorm_create(T.cx, Everything, .text_f = "keep", .char_f = "c");
    cr_assert_not_null(e, "%s", dorm_errmsg(T.cx));
    return e;
}

/* ---- Text with a NUL byte ------------------------------------------------ */

Test(text_nul, read_back_is_refused_not_cut, .init = test_db_open, .fini = test_db_close) {
    if (!on_sqlite()) cr_skip_test("only SQLite text can hold a NUL byte");
    Everything *e = one_everything();
    /* Another program wrote "a", NUL, "b" as TEXT (Python's sqlite3 does). */
    exec_sql("UPDATE library_everything SET text_f = CAST(X'610062' AS TEXT)");
    cr_assert_eq(test_scalar("SELECT length(CAST(text_f AS BLOB)) FROM library_everything"), 3);

    cr_expect_null(dorm_get(dorm_all(T.cx, Everything), DQ("pk", e->id)));
    cr_expect_eq(dorm_errcode(T.cx), DORM_EDATA, "%s", dorm_errmsg(T.cx));
    cr_expect_str_eq(dorm_errmsg(T.cx),
                     "Text in column \"text_f\" (field 'text_f') contains a NUL (0x00) character, which a C string "
                     "cannot hold.");
    cr_expect_null(dorm_rows(dorm_values(dorm_all(T.cx, Everything), "text_f"), NULL));
    cr_expect_eq(dorm_errcode(T.cx), DORM_EDATA, "%s", dorm_errmsg(T.cx));
    /* A refresh of the loaded object fails too, and nothing was written back. */
    cr_expect_eq(dorm_refresh(e), DORM_EDATA);
    cr_expect_str_eq(e->text_f, "keep");
    cr_expect_eq(test_scalar("SELECT length(CAST(text_f AS BLOB)) FROM library_everything"), 3);
    /* Other columns of the row still read. */
    cr_expect_not_null(dorm_rows(dorm_values(dorm_all(T.cx, Everything), "char_f"), NULL), "%s", dorm_errmsg(T.cx));
}

Test(text_nul, write_is_refused_on_every_backend, .init = test_db_open, .fini = test_db_close) {
    Everything *e = one_everything();
    dorm_qs *qs = dorm_filter(dorm_all(T.cx, Everything), DQ("pk", e->id));
    cr_expect_lt(dorm_update(qs, DSET("text_f", dorm_v_textn("a\0b", 3))), 0);
    cr_expect_eq(dorm_errcode(T.cx), DORM_EVALUE, "%s", dorm_errmsg(T.cx));
    cr_expect(strstr(dorm_errmsg(T.cx), "cannot contain NUL (0x00) characters"), "%s", dorm_errmsg(T.cx));
    cr_expect_eq(dorm_count(dorm_filter(dorm_all(T.cx, Everything), DQ("text_f", dorm_v_textn("a\0b", 3)))), -1);
    cr_expect_eq(dorm_errcode(T.cx), DORM_EVALUE, "%s", dorm_errmsg(T.cx));
    Everything *got = dorm_get(dorm_all(T.cx, Everything), DQ("pk", e->id));
    cr_assert_not_null(got, "%s", dorm_errmsg(T.cx));
    cr_expect_str_eq(got->text_f, "keep");
}

Test(text_nul, bytes_keep_nul_on_every_backend, .init = test_db_open, .fini = test_db_close) {
    Everything *e = one_everything();
    e->binary_f = (dorm_bytes){"a\0b\0", 4};
    cr_assert_eq(dorm_save(e), DORM_OK, "%s", dorm_errmsg(T.cx));
    Everything *got = dorm_get(dorm_all(T.cx, Everything), DQ("pk", e->id));
    cr_assert_not_null(got, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(got->binary_f.len, 4);
    cr_expect_eq(memcmp(got->binary_f.data, "a\0b\0", 4), 0);
    cr_expect_eq(dorm_count(dorm_filter(dorm_all(T.cx, Everything), DQ("binary_f", ((dorm_bytes){"a\0b\0", 4})))), 1,
                 "%s", dorm_errmsg(T.cx));
}

/* ---- Dates and instants outside years 1..9999 ----------------------------- */

#define YEAR1 INT64_C(-62135596800000000) /* 0001-01-01T00:00:00Z */

Test(datetime_range, out_of_range_instant_is_not_saved, .init = test_db_open, .fini = test_db_close) {
    Everything *e = one_everything();
    e->datetime_f = (dorm_datetime){YEAR1 - INT64_C(3600000000)};
    cr_expect_eq(dorm_save(e), DORM_EDATA, "%s", dorm_errmsg(T.cx));
    cr_expect(strstr(dorm_errmsg(T.cx), "date value out of range"), "%s", dorm_errmsg(T.cx));
    e->datetime_f = (dorm_datetime){YEAR1};
    cr_assert_eq(dorm_save(e), DORM_OK, "%s", dorm_errmsg(T.cx));
    Everything *got = dorm_get(dorm_all(T.cx, Everything), DQ("pk", e->id));
    cr_assert_not_null(got, "every later read works: %s", dorm_errmsg(T.cx));
    cr_expect_eq(got->datetime_f.usec, YEAR1);
}

Test(datetime_range, out_of_range_text_is_refused, .init = test_db_open, .fini = test_db_close) {
    Everything *e = one_everything();
    dorm_qs *qs = dorm_filter(dorm_all(T.cx, Everything), DQ("pk", e->id));
    cr_expect_lt(dorm_update(qs, DSET("datetime_f", "0001-01-01T00:00+01:00")), 0);
    cr_expect_eq(dorm_errcode(T.cx), DORM_EDATA, "%s", dorm_errmsg(T.cx));
    cr_expect_str_eq(dorm_errmsg(T.cx),
                     "'0001-01-01T00:00+01:00' value is out of range: datetimes are years 1 to 9999 in UTC.");
    cr_expect_eq(dorm_count(dorm_filter(dorm_all(T.cx, Everything), DQ("datetime_f__lt", "9999-12-31T23:30-01:00"))),
                 -1);
    cr_expect_eq(dorm_errcode(T.cx), DORM_EDATA, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(dorm_update(qs, DSET("datetime_f", "0001-01-01T00:30+00:30")), 1, "%s", dorm_errmsg(T.cx));
    Everything *got = dorm_get(dorm_all(T.cx, Everything), DQ("pk", e->id));
    cr_assert_not_null(got, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(got->datetime_f.usec, YEAR1);
    /* A date taken from an instant out of range is refused, not NULL. */
    cr_expect_eq(dorm_count(dorm_filter(dorm_all(T.cx, Everything), DQ("date_f", ((dorm_datetime){YEAR1 - 1})))), -1);
    cr_expect_eq(dorm_errcode(T.cx), DORM_EDATA, "%s", dorm_errmsg(T.cx));
}

Test(datetime_range, invalid_dates_and_times_are_not_saved, .init = test_db_open, .fini = test_db_close) {
    Everything *e = one_everything();
    e->date_f = dorm_date_ymd(2023, 2, 29);
    cr_expect_eq(dorm_save(e), DORM_EDATA, "%s", dorm_errmsg(T.cx));
    cr_expect(strstr(dorm_errmsg(T.cx), "date value out of range"), "%s", dorm_errmsg(T.cx));
    e->date_f = dorm_date_ymd(10000, 1, 1);
    cr_expect_eq(dorm_save(e), DORM_EDATA, "%s", dorm_errmsg(T.cx));
    e->date_f = dorm_date_ymd(9999, 12, 31);
    e->time_f = dorm_time_hms(24, 0, 0, 0);
    cr_expect_eq(dorm_save(e), DORM_EDATA, "%s", dorm_errmsg(T.cx));
    cr_expect(strstr(dorm_errmsg(T.cx), "time value out of range"), "%s", dorm_errmsg(T.cx));
    e->time_f = dorm_time_hms(23, 59, 59, 999999);
    cr_assert_eq(dorm_save(e), DORM_OK, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(dorm_count(dorm_filter(dorm_all(T.cx, Everything), DQ("date_f__year", 9999))), 1,
                 "%s", dorm_errmsg(T.cx));
}
