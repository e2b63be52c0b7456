/* test_values.c - values on their way to the database and back: text with a
 * NUL byte is refused (written or read), never cut; dates and instants
 * outside years 1..9999 are refused; decimals keep 38 digits and aggregates
 * keep the precision the backend gives them, as Django's converters do. */
#define _POSIX_C_SOURCE 200809L /* open_memstream */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/db.h"
#include "testdb.h"

static bool on_sqlite(void) { return strcmp(dorm_db_vendor(T.db), "sqlite") == 0; }

static void exec_sql(const char *sql) {
    dorm_errbuf e = {0, ""};
    cr_assert_eq(dorm_db__exec(T.db, sql, &e), 0, "%s: %s", sql, e.msg);
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
    cr_expect_lt(dorm_count(dorm_filter(dorm_all(T.cx, Everything), DQ("text_f", dorm_v_textn("a\0b", 3)))), 0);
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
    cr_expect_lt(dorm_count(dorm_filter(dorm_all(T.cx, Everything), DQ("datetime_f__lt", "9999-12-31T23:30-01:00"))),
                 0);
    cr_expect_eq(dorm_errcode(T.cx), DORM_EDATA, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(dorm_update(qs, DSET("datetime_f", "0001-01-01T00:30+00:30")), 1, "%s", dorm_errmsg(T.cx));
    Everything *got = dorm_get(dorm_all(T.cx, Everything), DQ("pk", e->id));
    cr_assert_not_null(got, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(got->datetime_f.usec, YEAR1);
    /* A date taken from an instant out of range is refused, not NULL. */
    cr_expect_lt(dorm_count(dorm_filter(dorm_all(T.cx, Everything), DQ("date_f", ((dorm_datetime){YEAR1 - 1})))), 0);
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
    cr_expect_eq(dorm_count(dorm_filter(dorm_all(T.cx, Everything), DQ("date_f__year", 9999))), 1, "%s",
                 dorm_errmsg(T.cx));
}

/* ---- Decimals of 38 digits, and what aggregates return -------------------- */

typedef struct Price {
    DORM_OBJECT;
    int64_t id;
    dorm_decimal price;
    dorm_decimal big;
    dorm_decimal tiny;
    int32_t q;
} Price;
static const dorm_field Price_fields[] = {
    DORM_AUTO(Price, id),
    DORM_DECIMAL(Price, price, .max_digits = 10, .decimal_places = 2),
    DORM_DECIMAL(Price, big, .max_digits = 38, .decimal_places = 2, .null = true),
    DORM_DECIMAL(Price, tiny, .max_digits = 38, .decimal_places = 38, .null = true),
    DORM_INT(Price, q, .default_value = DORM_VINT(3)),
    DORM_END,
};
const dorm_model Price_model = DORM_MODEL(Price, "values", Price_fields);
static const dorm_app values_app = {.label = "values", .models = DORM_MODELS(&Price_model)};

static void open_prices(void) { test_db_open_apps((const dorm_app *const[]){&values_app, NULL}); }

static dorm_decimal dec(const char *s) {
    dorm_decimal d;
    cr_assert_eq(dorm_decimal_parse(s, strlen(s), &d), 0, "%s", s);
    return d;
}

static Price *price(const char *p, const char *big, const char *tiny) {
    Price *o = dorm_new(T.cx, Price);
    cr_assert_not_null(o);
    o->price = dec(p);
    if (big) o->big = dec(big);
    if (tiny) o->tiny = dec(tiny);
    if (big) dorm_set_null_(o, &o->big, false);
    if (tiny) dorm_set_null_(o, &o->tiny, false);
    cr_assert_eq(dorm_save(o), DORM_OK, "%s", dorm_errmsg(T.cx));
    return o;
}

/* The printed value of a decimal, as Django prints it (in fixed point). */
static const char *text_of(const dorm_value *v) {
    cr_assert_not_null(v, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(v->type, DORM_T_DECIMAL, "type %d", (int)v->type);
    char buf[DORM_FMT_MAX];
    dorm_decimal_format(v->u.dec, buf);
    return dorm_strdup(T.cx, buf);
}

/* Per backend: SQLite's expected text, then PostgreSQL's (MariaDB's too,
 * unless EXPECT_DEC3 gives it). */
#define EXPECT_DEC(v, lite, pg) cr_expect_str_eq(text_of(v), on_sqlite() ? (lite) : (pg))
/* MariaDB divides with div_precision_increment (4) more places than the
 * dividend: Django 3.2 on MariaDB prints Avg(price) as 18.333333. */
#define EXPECT_DEC3(v, lite, pg, my) \
    cr_expect_str_eq(text_of(v), on_sqlite() ? (lite) : test_db_on_mysql() ? (my) : (pg))

static const dorm_value *annotation_of(dorm_qs *qs, size_t i, const char *alias) {
    size_t n = 0;
    void **objs = dorm_list(qs, &n);
    cr_assert(objs && i < n, "%s", dorm_errmsg(T.cx));
    return dorm_annotation(objs[i], alias);
}

/* Django 3.2: Avg/Sum/Max/Min of DecimalField(10, 2) 10.00, 20.00, 25.00 print
 * 18.3333333333333, 55, 25, 10 on SQLite (its converter: a REAL's 15 digits,
 * not quantized) and 18.3333333333333333, 55.00, 25.00, 10.00 on PostgreSQL.
 * Before, dorm rounded them to 2 places on SQLite and failed on PostgreSQL. */
Test(decimals, aggregates_keep_the_backends_precision, .init = open_prices, .fini = test_db_close) {
    price("10.00", NULL, NULL);
    price("20.00", NULL, NULL);
    price("25.00", NULL, NULL);
    const dorm_row *r = dorm_aggregate(dorm_all(T.cx, Price), DAS(NULL, DAvg("price")), DAS(NULL, DSum("price")),
                                       DAS(NULL, DMax("price")), DAS(NULL, DMin("price")));
    cr_assert_not_null(r, "%s", dorm_errmsg(T.cx));
    EXPECT_DEC3(dorm_row_get(r, "price__avg"), "18.3333333333333", "18.3333333333333333", "18.333333");
    EXPECT_DEC(dorm_row_get(r, "price__sum"), "55", "55.00");
    EXPECT_DEC(dorm_row_get(r, "price__max"), "25", "25.00");
    EXPECT_DEC(dorm_row_get(r, "price__min"), "10", "10.00");
    dorm_qs *qs = dorm_order_by(dorm_all(T.cx, Price), "id");
    dorm_qs *times = dorm_annotate(qs, DAS("d", dorm_mul(dorm_F("price"), dorm_F("q"))));
    EXPECT_DEC(annotation_of(times, 0, "d"), "30", "30.00");
    EXPECT_DEC(annotation_of(times, 2, "d"), "75", "75.00");
    /* SQLite divides the integers it stored 10.00 as: Django gets 3 there too. */
    dorm_qs *third = dorm_annotate(qs, DAS("d", dorm_div(dorm_F("price"), 3)));
    EXPECT_DEC3(annotation_of(third, 0, "d"), "3", "3.3333333333333333", "3.333333");
    EXPECT_DEC3(annotation_of(third, 1, "d"), "6", "6.6666666666666667", "6.666667");
    /* A column stays a column: rounded to its places, as Django's Col. */
    dorm_qs *col = dorm_annotate(qs, DAS("d", dorm_F("price")));
    EXPECT_DEC(annotation_of(col, 0, "d"), "10.00", "10.00");
    /* An aliased aggregate over a filter. */
    const dorm_row *r2 =
        dorm_aggregate(dorm_filter(dorm_all(T.cx, Price), DQ("price__gt", 10)), DAS("avg", DAvg("price")));
    cr_assert_not_null(r2, "%s", dorm_errmsg(T.cx));
    EXPECT_DEC3(dorm_row_get(r2, "avg"), "22.5", "22.5000000000000000", "22.500000");
}

/* 38 digits stay exact on PostgreSQL; SQLite keeps 15 significant digits of
 * them, as it does for Django (the values are Django's on each backend). */
Test(decimals, thirty_eight_digits, .init = open_prices, .fini = test_db_close) {
    Price *a = price("1.23", "12345678901234567890123456789012345.67", "0.12345678901234567890123456789012345678");
    price("0.01", "-0.01", "0.00000000000000000000000000000000000001");
    Price *got = dorm_get(dorm_all(T.cx, Price), DQ("pk", a->id));
    cr_assert_not_null(got, "%s", dorm_errmsg(T.cx));
    dorm_value big = dorm_v_decimal(got->big), tiny = dorm_v_decimal(got->tiny);
    EXPECT_DEC(&big, "12345678901234600000000000000000000.00", "12345678901234567890123456789012345.67");
    EXPECT_DEC(&tiny, "0.12345678901234600000000000000000000000", "0.12345678901234567890123456789012345678");
    const dorm_row *r =
        dorm_aggregate(dorm_all(T.cx, Price), DAS(NULL, DAvg("price")), DAS(NULL, DSum("big")), DAS(NULL, DAvg("big")),
                       DAS(NULL, DAvg("tiny")), DAS(NULL, DSum("tiny")), DAS(NULL, DMax("big")));
    cr_assert_not_null(r, "%s", dorm_errmsg(T.cx));
    EXPECT_DEC3(dorm_row_get(r, "price__avg"), "0.620000000000000", "0.62000000000000000000", "0.620000");
    EXPECT_DEC(dorm_row_get(r, "big__sum"), "12345678901234600000000000000000000",
               "12345678901234567890123456789012345.66");
    /* MariaDB's 40 digits (Django: ...172.830000) in dorm's 38. */
    EXPECT_DEC3(dorm_row_get(r, "big__avg"), "6172839450617280000000000000000000",
                "6172839450617283945061728394506172.83", "6172839450617283945061728394506172.8300");
    EXPECT_DEC(dorm_row_get(r, "tiny__avg"), "0.0617283945061728", "0.06172839450617283945061728394506172840");
    EXPECT_DEC(dorm_row_get(r, "tiny__sum"), "0.123456789012346", "0.12345678901234567890123456789012345679");
    EXPECT_DEC(dorm_row_get(r, "big__max"), "12345678901234600000000000000000000",
               "12345678901234567890123456789012345.67");
    /* Exact comparison in the database and values() rows. */
    cr_expect_eq(dorm_count(dorm_filter(dorm_all(T.cx, Price), DQ("big", dec("-0.01")))), 1, "%s", dorm_errmsg(T.cx));
    if (!on_sqlite()) {
        cr_expect_eq(
            dorm_count(dorm_filter(dorm_all(T.cx, Price), DQ("big", dec("12345678901234567890123456789012345.67")))),
            1);
        cr_expect_eq(
            dorm_count(dorm_filter(dorm_all(T.cx, Price), DQ("big", dec("12345678901234567890123456789012345.66")))),
            0);
    }
    const dorm_row **rows = dorm_rows(dorm_order_by(dorm_values(dorm_all(T.cx, Price), "tiny"), "id"), NULL);
    cr_assert_not_null(rows, "%s", dorm_errmsg(T.cx));
    EXPECT_DEC(dorm_row_get(rows[1], "tiny"), "0.00000000000000000000000000000000000001",
               "0.00000000000000000000000000000000000001");
}

/* A value the backend computes wider than 38 digits is rounded to 38
 * significant digits (Django prints it whole); one that needs more than 38
 * digits before the point is a DataError. */
Test(decimals, wider_than_38_digits, .init = open_prices, .fini = test_db_close) {
    price("1", "999999999999999999999999999999999999.99", NULL);
    price("1", "999999999999999999999999999999999999.99", NULL);
    const dorm_row *r = dorm_aggregate(dorm_all(T.cx, Price), DAS(NULL, DSum("big")));
    cr_assert_not_null(r, "%s", dorm_errmsg(T.cx));
    EXPECT_DEC(dorm_row_get(r, "big__sum"), "2000000000000000000000000000000000000",
               "2000000000000000000000000000000000000.0");
    dorm_qs *qs = dorm_annotate(dorm_all(T.cx, Price), DAS("x", dorm_mul(dorm_F("big"), 1000)));
    cr_expect_null(dorm_list(qs, NULL));
    cr_expect_eq(dorm_errcode(T.cx), DORM_EDATA, "%s", dorm_errmsg(T.cx));
}

Test(decimals, full_clean_counts_38_digits, .init = open_prices, .fini = test_db_close) {
    Price *o = dorm_new(T.cx, Price);
    o->price = dec("1");
    o->big = dec("1234567890123456789012345678901234567.8");
    dorm_set_null_(o, &o->big, false);
    cr_expect_eq(dorm_full_clean(o), DORM_EVALIDATION);
    cr_expect(strstr(dorm_errmsg(T.cx), "Ensure that there are no more than 36 digits before the decimal point."), "%s",
              dorm_errmsg(T.cx));
    o->big = dec("12345678901234567890123456789012345.678");
    cr_expect_eq(dorm_full_clean(o), DORM_EVALIDATION);
    cr_expect(strstr(dorm_errmsg(T.cx), "Ensure that there are no more than 2 decimal places."), "%s",
              dorm_errmsg(T.cx));
    o->big = dec("123456789012345678901234567890123456.78");
    o->tiny = dec("0.00000000000000000000000000000000000001");
    dorm_set_null_(o, &o->tiny, false);
    cr_expect_eq(dorm_full_clean(o), DORM_OK, "%s", dorm_errmsg(T.cx));
}

/* dumpdata writes decimals as Django does (strings, every digit) and
 * loaddata reads them back exactly. */
Test(decimals, fixtures_keep_38_digits, .init = open_prices, .fini = test_db_close) {
    if (on_sqlite()) cr_skip_test("SQLite keeps 15 significant digits of a decimal column");
    price("1.50", "-12345678901234567890123456789012345.67", "0.12345678901234567890123456789012345678");
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    cr_assert_eq(dorm_dumpdata(T.cx, DORM_LIST("values.Price"), 0, out), 0, "%s", dorm_errmsg(T.cx));
    fclose(out);
    cr_expect(strstr(buf, "\"big\": \"-12345678901234567890123456789012345.67\""), "%s", buf);
    cr_expect(strstr(buf, "\"tiny\": \"0.12345678901234567890123456789012345678\""), "%s", buf);
    cr_expect(strstr(buf, "\"price\": \"1.50\""), "%s", buf);
    test_tmpdir_make("dorm-values");
    test_write_file("prices.json", buf);
    free(buf);
    cr_assert_geq(dorm_qs_delete(dorm_all(T.cx, Price), NULL), 0, "%s", dorm_errmsg(T.cx));
    int rc = dorm_loaddata(T.cx, DORM_LIST(test_tmpdir_path("prices.json")), NULL);
    test_tmpdir_remove();
    cr_assert_eq(rc, 0, "%s", dorm_errmsg(T.cx));
    Price *got = dorm_first(dorm_all(T.cx, Price));
    cr_assert_not_null(got, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(dorm_decimal_cmp(got->big, dec("-12345678901234567890123456789012345.67")), 0);
    cr_expect_eq(dorm_decimal_cmp(got->tiny, dec("0.12345678901234567890123456789012345678")), 0);
}
