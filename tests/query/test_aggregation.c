/* test_aggregation.c - aggregate() and count() over sliced, distinct,
 * annotated and values()-grouped QuerySets (Django's subquery with "__col"
 * columns), aggregates with filter= and distinct=, StdDev and Variance, and
 * exists() of a grouped QuerySet: Django 3.2's SQL and values. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "testdb.h"

static dorm_qs *books(void) { return dorm_all(T.cx, Book); }
static dorm_qs *authors(void) { return dorm_all(T.cx, Author); }

static void catalogue(void) {
    test_db_open();
    test_db_catalogue();
}

TestSuite(aggregation, .init = catalogue, .fini = test_db_close);

static bool on_sqlite(void) { return strncmp(test_db_url(), "sqlite", 6) == 0; }

/* The statements run while `fn` runs, from the statement log. */
static char logged[4][2048];
static int nlogged;

static void remember(const char *sql, const char *params, double seconds, void *payload) {
    (void)params;
    (void)seconds;
    (void)payload;
    if (nlogged < 4) snprintf(logged[nlogged], sizeof logged[0], "%s", sql);
    nlogged++;
}

static void log_on(void) {
    nlogged = 0;
    dorm_db_set_log(T.db, remember, NULL);
}

/* The one statement logged since log_on(), checked on SQLite. */
static void expect_logged(const char *sql) {
    dorm_db_set_log(T.db, NULL, NULL);
    cr_assert_eq(nlogged, 1, "%d statements", nlogged);
    if (on_sqlite()) cr_assert_str_eq(logged[0], sql);
}

/* The value `name` of an aggregate row, which must be of `type`. */
static const dorm_value *value_of(const dorm_row *r, const char *name, dorm_type type) {
    cr_assert_not_null(r, "%s", dorm_errmsg(T.cx));
    const dorm_value *v = dorm_row_get(r, name);
    cr_assert_not_null(v, "no %s", name);
    cr_assert_eq(v->type, type, "%s has type %d", name, (int)v->type);
    return v;
}

static int64_t int_of(const dorm_row *r, const char *name) { return value_of(r, name, DORM_T_INT)->u.i; }
static double float_of(const dorm_row *r, const char *name) { return value_of(r, name, DORM_T_FLOAT)->u.f; }

#define B "\"library_book\""
#define A "\"library_author\""
#define JOIN " FROM " A " LEFT OUTER JOIN " B " ON (" A ".\"id\" = " B ".\"author_id\")"

Test(aggregation, over_slices) {
    log_on();
    cr_assert_eq(dorm_count(dorm_slice(books(), 2, 5)), 3);
    expect_logged("SELECT COUNT(*) FROM (SELECT " B ".\"id\" AS Col1 FROM " B " ORDER BY " B
                  ".\"publication_date\" DESC LIMIT 3 OFFSET 2) subquery");
    log_on();
    const dorm_row *r = dorm_aggregate(dorm_slice(dorm_order_by(books(), "pages"), 0, 3), DAS("s", DSum("pages")),
                                       DAS("m", DMax("pages")));
    expect_logged("SELECT SUM(\"__col1\"), MAX(\"__col1\") FROM (SELECT " B ".\"pages\" AS \"__col1\" FROM " B
                  " ORDER BY " B ".\"pages\" ASC LIMIT 3) subquery");
    cr_assert_eq(int_of(r, "s"), 472);
    cr_assert_eq(int_of(r, "m"), 232);
    log_on();
    r = dorm_aggregate(dorm_slice(dorm_filter(books(), DQ("pages__gt", 1)), 0, 2),
                       DAS(NULL, DCount("author", .distinct = true)));
    expect_logged("SELECT COUNT(DISTINCT \"__col1\") FROM (SELECT " B ".\"author_id\" AS \"__col1\" FROM " B " WHERE " B
                  ".\"pages\" > ? ORDER BY " B ".\"publication_date\" DESC LIMIT 2) subquery");
    cr_assert_eq(int_of(r, "author__count"), 2);
}

Test(aggregation, over_distinct) {
    log_on();
    cr_assert_eq(dorm_count(dorm_distinct(dorm_values(books(), "genre"))), 3);
    expect_logged("SELECT COUNT(*) FROM (SELECT DISTINCT " B ".\"genre\" AS Col1 FROM " B ") subquery");
    log_on();
    const dorm_row *r = dorm_aggregate(dorm_distinct(books()), DAS(NULL, DSum("pages")));
    expect_logged("SELECT SUM(\"__col1\") FROM (SELECT DISTINCT " B ".\"id\" AS Col1, " B ".\"title\" AS Col2, " B
                  ".\"author_id\" AS Col3, " B ".\"publication_date\" AS Col4, " B ".\"isbn\" AS Col5, " B
                  ".\"genre\" AS Col6, " B ".\"pages\" AS Col7, " B ".\"pages\" AS \"__col1\" FROM " B ") subquery");
    cr_assert_eq(int_of(r, "pages__sum"), 2265);
}

Test(aggregation, over_annotations) {
    dorm_qs *annotated = dorm_annotate(authors(), DAS("n", DCount("books")));
    log_on();
    const dorm_row *r =
        dorm_aggregate(annotated, DAS("most", DMax("n")), DAS("least", DMin("n")), DAS("total", DSum("n")));
    expect_logged("SELECT MAX(\"n\"), MIN(\"n\"), SUM(\"n\") FROM (SELECT COUNT(" B ".\"id\") AS \"n\"" JOIN
                  " GROUP BY " A ".\"id\") subquery");
    cr_assert_eq(int_of(r, "most"), 3);
    cr_assert_eq(int_of(r, "least"), 2);
    cr_assert_eq(int_of(r, "total"), 8);
    log_on();
    r = dorm_aggregate(annotated, DAS("c", DCount("id")));
    expect_logged("SELECT COUNT(\"__col1\") FROM (SELECT COUNT(" B ".\"id\") AS \"n\", " A ".\"id\" AS \"__col1\"" JOIN
                  " GROUP BY " A ".\"id\") subquery");
    cr_assert_eq(int_of(r, "c"), 3);
    log_on();
    r = dorm_aggregate(dorm_filter(annotated, DQ("n__gte", 3)), DAS("s", DCount("id")), DAS("m", DAvg("n")));
    expect_logged("SELECT COUNT(\"__col1\"), AVG(\"n\") FROM (SELECT COUNT(" B ".\"id\") AS \"n\", " A
                  ".\"id\" AS \"__col1\"" JOIN " GROUP BY " A ".\"id\" HAVING COUNT(" B ".\"id\") >= ?) subquery");
    cr_assert_eq(int_of(r, "s"), 2);
    cr_assert_float_eq(float_of(r, "m"), 3.0, 1e-9);
    log_on();
    r = dorm_aggregate(annotated, DAS("big", DCount("id", .filter = DQ("n__gte", 3))));
    expect_logged("SELECT COUNT(\"__col1\") FILTER (WHERE \"n\" >= ?) FROM (SELECT COUNT(" B ".\"id\") AS \"n\", " A
                  ".\"id\" AS \"__col1\"" JOIN " GROUP BY " A ".\"id\") subquery");
    cr_assert_eq(int_of(r, "big"), 2);
    /* A plain annotation: summed by alias, or another column beside it. */
    dorm_qs *doubled = dorm_annotate(books(), DAS("d", dorm_mul(dorm_F("pages"), 2)));
    log_on();
    cr_assert_eq(int_of(dorm_aggregate(doubled, DAS("s", DSum("d"))), "s"), 4530);
    expect_logged("SELECT SUM(\"d\") FROM (SELECT (" B ".\"pages\" * ?) AS \"d\" FROM " B ") subquery");
    log_on();
    cr_assert_eq(int_of(dorm_aggregate(doubled, DAS("s", DSum("pages"))), "s"), 2265);
    expect_logged("SELECT SUM(\"__col1\") FROM (SELECT (" B ".\"pages\" * ?) AS \"d\", " B
                  ".\"pages\" AS \"__col1\" FROM " B ") subquery");
    /* An alias() cannot be aggregated (Django's FieldError). */
    cr_assert_null(dorm_aggregate(dorm_alias(authors(), DAS("n", DCount("books"))), DAS("m", DMax("n"))));
    cr_assert_eq(dorm_errcode(T.cx), DORM_EFIELD);
    cr_assert_str_eq(dorm_errmsg(T.cx), "Cannot aggregate over the 'n' alias. Use annotate() to promote it.");
}

Test(aggregation, counts_of_grouped_querysets) {
    dorm_qs *annotated = dorm_annotate(authors(), DAS("n", DCount("books")));
    log_on();
    cr_assert_eq(dorm_count(annotated), 3);
    expect_logged("SELECT COUNT(*) FROM (SELECT COUNT(" B ".\"id\") AS \"n\"" JOIN " GROUP BY " A ".\"id\") subquery");
    log_on();
    cr_assert_eq(dorm_count(dorm_filter(annotated, DQ("n__gte", 3))), 2);
    expect_logged("SELECT COUNT(*) FROM (SELECT COUNT(" B ".\"id\") AS \"n\"" JOIN " GROUP BY " A
                  ".\"id\" HAVING COUNT(" B ".\"id\") >= ?) subquery");
    dorm_qs *by_genre = dorm_annotate(dorm_values(books(), "genre"), DAS("n", DCount("id")));
    log_on();
    cr_assert_eq(dorm_count(by_genre), 3);
    expect_logged("SELECT COUNT(*) FROM (SELECT " B ".\"genre\" AS Col1, COUNT(" B ".\"id\") AS \"n\" FROM " B
                  " GROUP BY " B ".\"genre\") subquery");
    log_on();
    cr_assert_eq(int_of(dorm_aggregate(by_genre, DAS("m", DMax("n"))), "m"), 6);
    expect_logged("SELECT MAX(\"n\") FROM (SELECT " B ".\"genre\" AS Col1, COUNT(" B ".\"id\") AS \"n\" FROM " B
                  " GROUP BY " B ".\"genre\") subquery");
    /* exists() groups by every field and the selected (1), as Django. */
    log_on();
    cr_assert_eq(dorm_exists(annotated), 1);
    expect_logged("SELECT (1) AS \"a\"" JOIN " GROUP BY " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A
                  ".\"biography\", (1) LIMIT 1");
    cr_assert_eq(dorm_exists(dorm_filter(annotated, DQ("n__gt", 3))), 0);
    cr_assert_eq(dorm_len(dorm_filter(annotated, DQ("n__gte", 3))), 2);
}

Test(aggregation, filter_and_distinct) {
    log_on();
    const dorm_row *r = dorm_aggregate(books(), DAS("s", DSum("pages", .filter = DQ("genre", "FIC"))),
                                       DAS("n", DCount("id", .filter = DQ("pages__gt", 300))));
    expect_logged("SELECT SUM(" B ".\"pages\") FILTER (WHERE " B ".\"genre\" = ?) AS \"s\", COUNT(" B
                  ".\"id\") FILTER (WHERE " B ".\"pages\" > ?) AS \"n\" FROM " B);
    cr_assert_eq(int_of(r, "s"), 1905);
    cr_assert_eq(int_of(r, "n"), 4);
    dorm_qs *qs = dorm_order_by(
        dorm_values_list(dorm_annotate(authors(), DAS("n", DCount("books", .filter = DQ("books__pages__gt", 300)))),
                         "name", "n"),
        "name");
    const char *got = dorm_qs_sql(qs, NULL);
    cr_assert_not_null(got, "%s", dorm_errmsg(T.cx));
    if (on_sqlite())
        cr_assert_str_eq(got,
                         "SELECT " A ".\"name\", COUNT(" B ".\"id\") FILTER (WHERE " B ".\"pages\" > ?) AS \"n\"" JOIN
                         " GROUP BY " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\" ORDER BY " A
                         ".\"name\" ASC");
    size_t n;
    const dorm_row **rows = dorm_rows(qs, &n);
    cr_assert_eq(n, 3);
    const int64_t want[] = {1, 1, 2};
    for (size_t i = 0; i < n; i++) cr_assert_eq(rows[i]->values[1].u.i, want[i]);
    log_on();
    r = dorm_aggregate(books(), DAS("n", DCount("genre", .distinct = true)), DAS("s", DSum("pages", .distinct = true)),
                       DAS("a", DAvg("pages", .distinct = true)));
    expect_logged("SELECT COUNT(DISTINCT " B ".\"genre\") AS \"n\", SUM(DISTINCT " B ".\"pages\") AS \"s\", "
                  "AVG(DISTINCT " B ".\"pages\") AS \"a\" FROM " B);
    cr_assert_eq(int_of(r, "n"), 3);
    cr_assert_eq(int_of(r, "s"), 2265);
    cr_assert_float_eq(float_of(r, "a"), 283.125, 1e-9);
    /* Min and Max take no distinct (Django's TypeError). */
    cr_assert_null(dorm_aggregate(books(), DAS("m", DMax("pages", .distinct = true))));
    cr_assert_str_eq(dorm_errmsg(T.cx), "Max does not allow distinct.");
}

Test(aggregation, stddev_and_variance) {
    log_on();
    const dorm_row *r =
        dorm_aggregate(books(), DAS("s", DStdDev("pages")), DAS("v", DVariance("pages")),
                       DAS("ss", DStdDev("pages", .sample = true)), DAS("vs", DVariance("pages", .sample = true)));
    expect_logged("SELECT STDDEV_POP(" B ".\"pages\") AS \"s\", VAR_POP(" B ".\"pages\") AS \"v\", STDDEV_SAMP(" B
                  ".\"pages\") AS \"ss\", VAR_SAMP(" B ".\"pages\") AS \"vs\" FROM " B);
    cr_assert_float_eq(float_of(r, "s"), 121.68549369172975, 1e-9);
    cr_assert_float_eq(float_of(r, "v"), 14807.359375, 1e-9);
    cr_assert_float_eq(float_of(r, "ss"), 130.0872646671127, 1e-9);
    cr_assert_float_eq(float_of(r, "vs"), 16922.696428571428, 1e-6);
    /* Over one row the sample variance is NULL (PostgreSQL's answer). */
    r = dorm_aggregate(dorm_filter(books(), DQ("title", "Emma")), DAS("vs", DVariance("pages", .sample = true)),
                       DAS("v", DVariance("pages")));
    cr_assert_eq(dorm_row_get(r, "vs")->type, DORM_T_NULL);
    cr_assert_float_eq(float_of(r, "v"), 0.0, 1e-12);
}
