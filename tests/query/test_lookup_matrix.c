/* test_lookup_matrix.c - issue 13's matrix for lookups: each built-in
 * lookup and date/time transform in a filter, its WHERE clause on SQLite,
 * PostgreSQL and MariaDB (Django 3.2's, with dorm's documented spellings:
 * dorm_extract() and GLOB for the case-sensitive patterns on SQLite, LIKE
 * ... ESCAPE and REGEXP with (?-i) on MariaDB, whole seconds and no AT TIME
 * ZONE 'UTC' on PostgreSQL, iso_year as the ISO year) and the rows it
 * matches: Django's, on MariaDB under the test database's utf8mb4_bin
 * (where the i-lookups match case, as Django's do there). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "testdb.h"

/* The catalogue, and two rows of times: 2023-03-26 01:00 UTC at 13:45:30
 * with no nullable_int, 2024-02-29 23:59:59 UTC at 08:05:00 with 4. */
static void rows(void) {
    test_db_open();
    test_db_catalogue();
    const struct {
        const char *at;
        dorm_time time;
        int32_t n;
    } rows[] = {{"2023-03-26 01:00:00", {13, 45, 30, 0}, 0}, {"2024-02-29 23:59:59", {8, 5, 0, 0}, 4}};
    for (size_t i = 0; i < 2; i++) {
        dorm_datetime t;
        cr_assert_eq(dorm_datetime_parse(rows[i].at, strlen(rows[i].at), &t), 0);
        Everything *e = dorm_create(T.cx, Everything, .datetime_f = t, .time_f = rows[i].time,
                                    .nullable_int = rows[i].n, .date_f = dorm_date_ymd(2021, 1, 3));
        cr_assert_not_null(e, "%s", dorm_errmsg(T.cx));
        if (!rows[i].n)
            cr_assert_eq(
                dorm_update(dorm_filter(dorm_all(T.cx, Everything), DQ("id", e->id)), DSET("nullable_int", NULL)), 1,
                "%s", dorm_errmsg(T.cx));
    }
}

TestSuite(lookup_matrix, .init = rows, .fini = test_db_close);

typedef struct lookup_case {
    const char *name;
    const dorm_q *q;
    const char *sqlite, *pg, *my; /* the WHERE clause; pg, my NULL: SQLite's, $n numbered */
    const char *ids;
} lookup_case;

static void check(const dorm_model *m, const lookup_case *c) {
    dorm_qs *qs = dorm_values_flat(dorm_order_by(dorm_filter(dorm_qs_default(T.cx, m), c->q), "id"), "id");
    const char *sql = dorm_qs_sql(qs, NULL);
    cr_assert_not_null(sql, "%s: %s", c->name, dorm_qs_errmsg(qs));
    const char *where = strstr(sql, " WHERE "), *order = strstr(sql, " ORDER BY ");
    cr_assert(where && order, "%s: %s", c->name, sql);
    char got[512];
    snprintf(got, sizeof got, "%.*s", (int)(order - where - 7), where + 7);
    test_expect_sql(c->name, got, c->sqlite, c->pg, c->my);
    cr_expect_str_eq(test_ids(qs), c->ids, "%s", c->name);
}

#define A "\"library_author\""
#define B "\"library_book\""
#define E "\"library_everything\""

Test(lookup_matrix, text_and_number_lookups) {
    const lookup_case cases[] = {
        {"lk_exact", DQ("title", "Emma"), B ".\"title\" = ?", NULL, NULL, "2"},
        {"lk_iexact", DQ("title__iexact", "emma"), B ".\"title\" LIKE ? ESCAPE '\\'",
         "UPPER(" B ".\"title\"::text) = UPPER($1)", NULL, test_pick("2", "2", "")},
        {"lk_contains", DQ("title__contains", "an"), B ".\"title\" GLOB ?", B ".\"title\"::text LIKE $1",
         B ".\"title\" LIKE BINARY ? ESCAPE '\\'", "1"},
        {"lk_icontains", DQ("title__icontains", "AN"), B ".\"title\" LIKE ? ESCAPE '\\'",
         "UPPER(" B ".\"title\"::text) LIKE UPPER($1)", NULL, test_pick("1,5", "1,5", "")},
        {"lk_startswith", DQ("title__startswith", "The"), B ".\"title\" GLOB ?", B ".\"title\"::text LIKE $1",
         B ".\"title\" LIKE BINARY ? ESCAPE '\\'", "7"},
        {"lk_istartswith", DQ("title__istartswith", "the"), B ".\"title\" LIKE ? ESCAPE '\\'",
         "UPPER(" B ".\"title\"::text) LIKE UPPER($1)", NULL, test_pick("7", "7", "")},
        {"lk_endswith", DQ("title__endswith", "ion"), B ".\"title\" GLOB ?", B ".\"title\"::text LIKE $1",
         B ".\"title\" LIKE BINARY ? ESCAPE '\\'", "3"},
        {"lk_iendswith", DQ("title__iendswith", "ION"), B ".\"title\" LIKE ? ESCAPE '\\'",
         "UPPER(" B ".\"title\"::text) LIKE UPPER($1)", NULL, test_pick("3", "3", "")},
        {"lk_gt", DQ("pages__gt", 310), B ".\"pages\" > ?", NULL, NULL, "1,2,4"},
        {"lk_gte", DQ("pages__gte", 310), B ".\"pages\" >= ?", NULL, NULL, "1,2,4,7"},
        {"lk_lt", DQ("pages__lt", 128), B ".\"pages\" < ?", NULL, NULL, "5"},
        {"lk_lte", DQ("pages__lte", 128), B ".\"pages\" <= ?", NULL, NULL, "5,8"},
        {"lk_in", DQ("pages__in", DLIST(112, 128)), B ".\"pages\" IN (?, ?)", NULL, NULL, "5,8"},
        {"lk_range", DQ("pages__range", DLIST(200, 300)), B ".\"pages\" BETWEEN ? AND ?", NULL, NULL, "3,6"},
        {"lk_isnull_join", DQ("author__birth_date__isnull", false), A ".\"birth_date\" IS NOT NULL", NULL, NULL,
         "1,2,3,4,5,6,7,8"},
        {"lk_regex", DQ("title__regex", "^[AE]"), B ".\"title\" REGEXP ?", B ".\"title\"::text ~ $1",
         B ".\"title\" REGEXP CONCAT('(?-i)', ?)", "2,5"},
        {"lk_iregex", DQ("title__iregex", "^the"), B ".\"title\" REGEXP '(?i)' || ?", B ".\"title\"::text ~* $1",
         B ".\"title\" REGEXP ?", test_pick("7", "7", "")},
        {"lk_exact_none", DQ("isbn", NULL), B ".\"isbn\" IS NULL", NULL, NULL, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) check(&Book_model, &cases[i]);
}

Test(lookup_matrix, date_and_time_transforms) {
    const lookup_case books[] = {
        {"lk_year", DQ("publication_date__year", 1945), B ".\"publication_date\" BETWEEN ? AND ?", NULL, NULL, "5"},
        {"lk_year_gt", DQ("publication_date__year__gt", 1945), B ".\"publication_date\" > ?", NULL, NULL, "4,8"},
        {"lk_iso_year", DQ("publication_date__iso_year", 1937),
         "dorm_extract('iso_year', " B ".\"publication_date\") = ?",
         "EXTRACT('isoyear' FROM " B ".\"publication_date\") = $1",
         "(TRUNCATE(YEARWEEK(" B ".\"publication_date\", 3), -2) / 100) = ?", "7"},
        {"lk_month", DQ("publication_date__month", 12), "dorm_extract('month', " B ".\"publication_date\") = ?",
         "EXTRACT('month' FROM " B ".\"publication_date\") = $1", "EXTRACT(MONTH FROM " B ".\"publication_date\") = ?",
         "2,3"},
        {"lk_day", DQ("publication_date__day", 1), "dorm_extract('day', " B ".\"publication_date\") = ?",
         "EXTRACT('day' FROM " B ".\"publication_date\") = $1", "EXTRACT(DAY FROM " B ".\"publication_date\") = ?",
         "8"},
        {"lk_week", DQ("publication_date__week", 38), "dorm_extract('week', " B ".\"publication_date\") = ?",
         "EXTRACT('week' FROM " B ".\"publication_date\") = $1", "WEEK(" B ".\"publication_date\", 3) = ?", "7"},
        {"lk_week_day", DQ("publication_date__week_day", 3), "dorm_extract('week_day', " B ".\"publication_date\") = ?",
         "(EXTRACT('dow' FROM " B ".\"publication_date\") + 1) = $1", "DAYOFWEEK(" B ".\"publication_date\") = ?", "7"},
        {"lk_iso_week_day", DQ("publication_date__iso_week_day", 2),
         "dorm_extract('iso_week_day', " B ".\"publication_date\") = ?",
         "EXTRACT('isodow' FROM " B ".\"publication_date\") = $1", "(WEEKDAY(" B ".\"publication_date\") + 1) = ?",
         "7"},
        {"lk_quarter", DQ("publication_date__quarter", 4), "dorm_extract('quarter', " B ".\"publication_date\") = ?",
         "EXTRACT('quarter' FROM " B ".\"publication_date\") = $1",
         "EXTRACT(QUARTER FROM " B ".\"publication_date\") = ?", "2,3"},
    };
    for (size_t i = 0; i < sizeof books / sizeof books[0]; i++) check(&Book_model, &books[i]);
    const lookup_case times[] = {
        {"lk_isnull", DQ("nullable_int__isnull", true), E ".\"nullable_int\" IS NULL", NULL, NULL, "1"},
        {"lk_date", DQ("datetime_f__date", dorm_date_ymd(2024, 2, 29)),
         "dorm_extract('date', " E ".\"datetime_f\") = ?", "(" E ".\"datetime_f\")::date = $1",
         "DATE(" E ".\"datetime_f\") = ?", "2"},
        {"lk_time", DQ("datetime_f__time", dorm_time_hms(1, 0, 0, 0)), "dorm_extract('time', " E ".\"datetime_f\") = ?",
         "(" E ".\"datetime_f\")::time = $1", "TIME(" E ".\"datetime_f\") = ?", "1"},
        {"lk_hour", DQ("datetime_f__hour", 23), "dorm_extract('hour', " E ".\"datetime_f\") = ?",
         "EXTRACT('hour' FROM " E ".\"datetime_f\") = $1", "EXTRACT(HOUR FROM " E ".\"datetime_f\") = ?", "2"},
        {"lk_minute", DQ("datetime_f__minute", 59), "dorm_extract('minute', " E ".\"datetime_f\") = ?",
         "EXTRACT('minute' FROM " E ".\"datetime_f\") = $1", "EXTRACT(MINUTE FROM " E ".\"datetime_f\") = ?", "2"},
        {"lk_second", DQ("datetime_f__second", 59), "dorm_extract('second', " E ".\"datetime_f\") = ?",
         "FLOOR(EXTRACT('second' FROM " E ".\"datetime_f\")) = $1", "EXTRACT(SECOND FROM " E ".\"datetime_f\") = ?",
         "2"},
        {"lk_time_hour", DQ("time_f__hour", 8), "dorm_extract('hour', " E ".\"time_f\") = ?",
         "EXTRACT('hour' FROM " E ".\"time_f\") = $1", "EXTRACT(HOUR FROM " E ".\"time_f\") = ?", "2"},
        {"lk_time_minute", DQ("time_f__minute", 45), "dorm_extract('minute', " E ".\"time_f\") = ?",
         "EXTRACT('minute' FROM " E ".\"time_f\") = $1", "EXTRACT(MINUTE FROM " E ".\"time_f\") = ?", "1"},
        {"lk_time_second", DQ("time_f__second", 30), "dorm_extract('second', " E ".\"time_f\") = ?",
         "FLOOR(EXTRACT('second' FROM " E ".\"time_f\")) = $1", "EXTRACT(SECOND FROM " E ".\"time_f\") = ?", "1"},
        {"lk_dt_year", DQ("datetime_f__year", 2024), E ".\"datetime_f\" BETWEEN ? AND ?", NULL, NULL, "2"},
        {"lk_dt_month", DQ("datetime_f__month", 3), "dorm_extract('month', " E ".\"datetime_f\") = ?",
         "EXTRACT('month' FROM " E ".\"datetime_f\") = $1", "EXTRACT(MONTH FROM " E ".\"datetime_f\") = ?", "1"},
    };
    for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) check(&Everything_model, &times[i]);
}
