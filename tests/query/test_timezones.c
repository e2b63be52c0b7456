/* test_timezones.c - a context's current time zone (Django's
 * timezone.activate / override) and tzinfo=: Trunc*, Extract*, TruncDate,
 * TruncTime and the __year, __month, __date, __hour lookups of datetimes in
 * Europe/Paris and other zones, with Django 3.2's SQL on each backend, its
 * values (a Trunc reads back as the instant of the zone's wall time) and
 * its errors (ambiguous wall times, unknown zones, tzinfo on a date). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "testdb.h"

/* Instants around Paris's 2023 changes of time, as the reference script. */
static const char *const instants[] = {
    "2022-12-31 23:30:00", "2023-01-01 00:30:00", "2023-03-26 00:59:00", "2023-03-26 01:00:00",
    "2023-10-29 00:30:00", "2023-10-29 01:30:00", "2023-12-31 22:59:59",
};

static void loans(void) {
    test_db_open();
    for (size_t i = 0; i < sizeof instants / sizeof instants[0]; i++) {
        dorm_datetime t;
        cr_assert_eq(dorm_datetime_parse(instants[i], strlen(instants[i]), &t), 0);
        cr_assert_not_null(dorm_create(T.cx, Everything, .datetime_f = t), "%s", dorm_errmsg(T.cx));
    }
}

TestSuite(timezones, .init = loans, .fini = test_db_close);

static dorm_qs *all(void) { return dorm_order_by(dorm_all(T.cx, Everything), "id"); }

#define E "\"library_everything\""
#define DT E ".\"datetime_f\""

/* A value as Python prints it: a datetime as isoformat() in `zone`. */
static void show(char *out, size_t size, const dorm_value *v, const char *zone) {
    char tmp[DORM_FMT_MAX];
    switch (v->type) {
    case DORM_T_NULL: snprintf(out, size, "None"); return;
    case DORM_T_INT: snprintf(out, size, "%lld", (long long)v->u.i); return;
    case DORM_T_DATE:
        dorm_date_format(v->u.date, tmp);
        snprintf(out, size, "%s", tmp);
        return;
    case DORM_T_TIME:
        dorm_time_format(v->u.time, tmp);
        snprintf(out, size, "%s", tmp);
        return;
    case DORM_T_DATETIME: {
        dorm_date d;
        dorm_time t;
        int32_t off;
        cr_assert_eq(dorm_timezone_localtime(T.cx, v->u.dt, zone, &d, &t, &off), 0, "%s", dorm_errmsg(T.cx));
        dorm_date_format(d, tmp);
        int a = (int)(off < 0 ? -off : off) % 86400;
        snprintf(out, size, "%.10sT%02u:%02u:%02u%c%02d:%02d", tmp, (unsigned)t.hour % 24u, (unsigned)t.minute % 60u,
                 (unsigned)t.second % 60u, off < 0 ? '-' : '+', a / 3600, a / 60 % 60);
        return;
    }
    default: snprintf(out, size, "<%d>", (int)v->type);
    }
}

/* The values of annotation x of qs, shown in `zone`, joined by " | ". */
static const char *column(dorm_qs *qs, const char *zone) {
    static char out[1024];
    size_t n, used = 0;
    const dorm_row **rows = dorm_rows(dorm_values_flat(qs, "x"), &n);
    cr_assert_not_null(rows, "%s", dorm_errmsg(T.cx));
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        char v[64];
        show(v, sizeof v, &rows[i]->values[0], zone);
        used += (size_t)snprintf(out + used, sizeof out - used, "%s%s", i ? " | " : "", v);
    }
    return out;
}

/* The SELECT list of qs's SQL (what comes between SELECT and FROM),
 * MariaDB's `quotes` written as "quotes". */
static const char *select_list(dorm_qs *qs) {
    static char out[512];
    const char *sql = dorm_qs_sql(dorm_values_flat(qs, "x"), NULL);
    cr_assert_not_null(sql, "%s", dorm_qs_errmsg(qs));
    if (test_db_on_mysql()) sql = test_sql_std(sql);
    const char *from = strstr(sql, " FROM " E " ");
    cr_assert_not_null(from, "%s", sql);
    snprintf(out, sizeof out, "%.*s", (int)(from - sql - 7), sql + 7);
    return out;
}

/* The SQL of qs (MariaDB's `quotes` written as "quotes"). */
static const char *sql_of(dorm_qs *qs, const char **params) {
    const char *sql = dorm_qs_sql(qs, params);
    cr_assert_not_null(sql, "%s", dorm_qs_errmsg(qs));
    return test_db_on_mysql() ? test_sql_std(sql) : sql;
}

static dorm_qs *with_x(const dorm_expr *e) { return dorm_annotate(all(), DAS("x", e)); }

#define PARIS "'Europe/Paris'"
/* Django's MySQL backend: the zone's wall time by the server's tz tables. */
#define IN_PARIS "CONVERT_TZ(" DT ", 'UTC', " PARIS ")"

Test(timezones, trunc_and_extract_in_the_current_zone) {
    cr_assert_eq(dorm_timezone_activate(T.cx, "Europe/Paris"), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_str_eq(dorm_timezone_current(T.cx), "Europe/Paris");
    const struct {
        const dorm_expr *e;
        const char *sqlite, *pg, *my, *values;
    } cases[] = {
        {DTruncYear("datetime_f"), "dorm_trunc('year', " DT ", " PARIS ") AS \"x\"",
         "DATE_TRUNC('year', " DT " AT TIME ZONE " PARIS ") AS \"x\"",
         "CAST(DATE_FORMAT(" IN_PARIS ", '%Y-01-01 00:00:00') AS DATETIME) AS \"x\"",
         "2023-01-01T00:00:00+01:00 | 2023-01-01T00:00:00+01:00 | 2023-01-01T00:00:00+01:00 | "
         "2023-01-01T00:00:00+01:00 | 2023-01-01T00:00:00+01:00 | 2023-01-01T00:00:00+01:00 | "
         "2023-01-01T00:00:00+01:00"},
        {DTruncMonth("datetime_f"), "dorm_trunc('month', " DT ", " PARIS ") AS \"x\"",
         "DATE_TRUNC('month', " DT " AT TIME ZONE " PARIS ") AS \"x\"",
         "CAST(DATE_FORMAT(" IN_PARIS ", '%Y-%m-01 00:00:00') AS DATETIME) AS \"x\"",
         "2023-01-01T00:00:00+01:00 | 2023-01-01T00:00:00+01:00 | 2023-03-01T00:00:00+01:00 | "
         "2023-03-01T00:00:00+01:00 | 2023-10-01T00:00:00+02:00 | 2023-10-01T00:00:00+02:00 | "
         "2023-12-01T00:00:00+01:00"},
        {DTruncDay("datetime_f"), "dorm_trunc('day', " DT ", " PARIS ") AS \"x\"",
         "DATE_TRUNC('day', " DT " AT TIME ZONE " PARIS ") AS \"x\"",
         "CAST(DATE_FORMAT(" IN_PARIS ", '%Y-%m-%d 00:00:00') AS DATETIME) AS \"x\"",
         "2023-01-01T00:00:00+01:00 | 2023-01-01T00:00:00+01:00 | 2023-03-26T00:00:00+01:00 | "
         "2023-03-26T00:00:00+01:00 | 2023-10-29T00:00:00+02:00 | 2023-10-29T00:00:00+02:00 | "
         "2023-12-31T00:00:00+01:00"},
        {DTruncDate("datetime_f"), "dorm_extract('date', " DT ", " PARIS ") AS \"x\"",
         "(" DT " AT TIME ZONE " PARIS ")::date AS \"x\"", "DATE(" IN_PARIS ") AS \"x\"",
         "2023-01-01 | 2023-01-01 | 2023-03-26 | 2023-03-26 | 2023-10-29 | 2023-10-29 | 2023-12-31"},
        {DTruncTime("datetime_f"), "dorm_extract('time', " DT ", " PARIS ") AS \"x\"",
         "(" DT " AT TIME ZONE " PARIS ")::time AS \"x\"", "TIME(" IN_PARIS ") AS \"x\"",
         "00:30:00 | 01:30:00 | 01:59:00 | 03:00:00 | 02:30:00 | 02:30:00 | 23:59:59"},
        {DExtractYear("datetime_f"), "dorm_extract('year', " DT ", " PARIS ") AS \"x\"",
         "EXTRACT('year' FROM " DT " AT TIME ZONE " PARIS ") AS \"x\"", "EXTRACT(YEAR FROM " IN_PARIS ") AS \"x\"",
         "2023 | 2023 | 2023 | 2023 | 2023 | 2023 | 2023"},
        {DExtractHour("datetime_f"), "dorm_extract('hour', " DT ", " PARIS ") AS \"x\"",
         "EXTRACT('hour' FROM " DT " AT TIME ZONE " PARIS ") AS \"x\"", "EXTRACT(HOUR FROM " IN_PARIS ") AS \"x\"",
         "0 | 1 | 1 | 3 | 2 | 2 | 23"},
        {DExtractWeekDay("datetime_f"), "dorm_extract('week_day', " DT ", " PARIS ") AS \"x\"",
         "(EXTRACT('dow' FROM " DT " AT TIME ZONE " PARIS ") + 1) AS \"x\"", "DAYOFWEEK(" IN_PARIS ") AS \"x\"",
         "1 | 1 | 1 | 1 | 1 | 1 | 1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cr_expect_str_eq(select_list(with_x(cases[i].e)), test_pick(cases[i].sqlite, cases[i].pg, cases[i].my));
        cr_expect_str_eq(column(with_x(cases[i].e), "Europe/Paris"), cases[i].values);
    }
    /* TruncHour of 02:30 on the night clocks went back: 02:00 happened
     * twice, and Django's make_aware refuses it. */
    dorm_qs *hours = dorm_exclude(all(), DQ("id__in", DLIST(5, 6)));
    cr_expect_str_eq(column(dorm_annotate(hours, DAS("x", DTruncHour("datetime_f"))), "Europe/Paris"),
                     "2023-01-01T00:00:00+01:00 | 2023-01-01T01:00:00+01:00 | 2023-03-26T01:00:00+01:00 | "
                     "2023-03-26T03:00:00+02:00 | 2023-12-31T23:00:00+01:00");
    size_t n;
    cr_expect_null(dorm_rows(dorm_values_flat(with_x(DTruncHour("datetime_f")), "x"), &n));
    cr_expect_eq(dorm_errcode(T.cx), DORM_EVALUE);
    cr_expect_str_eq(dorm_errmsg(T.cx), "2023-10-29 02:00:00 is ambiguous in Europe/Paris (AmbiguousTimeError).");
    dorm_timezone_deactivate(T.cx);
    cr_expect_str_eq(dorm_timezone_current(T.cx), "UTC");
}

Test(timezones, lookups_in_the_current_zone) {
    cr_assert_eq(dorm_timezone_activate(T.cx, "Europe/Paris"), 0);
    dorm_qs *qs = dorm_filter(all(), DQ("datetime_f__year", 2023));
    const char *params;
    const char *sql = sql_of(qs, &params);
    cr_expect(strstr(sql,
                     test_pick("WHERE " DT " BETWEEN ? AND ?", "WHERE " DT " BETWEEN $1 AND $2",
                               "WHERE " DT " BETWEEN ? AND ?")),
              "%s", sql);
    cr_expect(strstr(params, "2022-12-31 23:00:00") && strstr(params, "2023-12-31 22:59:59.999999"), "%s", params);
    cr_expect_str_eq(test_ids(qs), "1,2,3,4,5,6,7");
    qs = dorm_filter(all(), DQ("datetime_f__month", 1));
    sql = sql_of(qs, NULL);
    cr_expect(strstr(sql,
                     test_pick("WHERE dorm_extract('month', " DT ", " PARIS ") = ?",
                               "WHERE EXTRACT('month' FROM " DT " AT TIME ZONE " PARIS ") = $1",
                               "WHERE EXTRACT(MONTH FROM " IN_PARIS ") = ?")),
              "%s", sql);
    cr_expect_str_eq(test_ids(qs), "1,2");
    cr_expect_str_eq(test_ids(dorm_filter(all(), DQ("datetime_f__date", dorm_date_ymd(2023, 1, 1)))), "1,2");
    cr_expect_str_eq(test_ids(dorm_filter(all(), DQ("datetime_f__hour", 1))), "2,3");
    dorm_timezone_deactivate(T.cx);
    /* In UTC, Django's answers again. */
    cr_expect_str_eq(test_ids(dorm_filter(all(), DQ("datetime_f__year", 2023))), "2,3,4,5,6,7");
    cr_expect_str_eq(test_ids(dorm_filter(all(), DQ("datetime_f__month", 1))), "2");
    qs = dorm_filter(all(), DQ("datetime_f__hour", 1));
    cr_expect(strstr(sql_of(qs, NULL),
                     test_pick("WHERE dorm_extract('hour', " DT ") = ?", "WHERE EXTRACT('hour' FROM " DT ") = $1",
                               "WHERE EXTRACT(HOUR FROM " DT ") = ?")));
}

Test(timezones, tzinfo) {
    dorm_qs *qs = with_x(DTruncDay("datetime_f", .tzinfo = "America/New_York"));
    cr_expect_str_eq(select_list(qs),
                     test_pick("dorm_trunc('day', " DT ", 'America/New_York') AS \"x\"",
                               "DATE_TRUNC('day', " DT " AT TIME ZONE 'America/New_York') AS \"x\"",
                               "CAST(DATE_FORMAT(CONVERT_TZ(" DT ", 'UTC', 'America/New_York'), '%Y-%m-%d 00:00:00') "
                               "AS DATETIME) AS \"x\""));
    cr_expect_str_eq(column(qs, "America/New_York"),
                     "2022-12-31T00:00:00-05:00 | 2022-12-31T00:00:00-05:00 | 2023-03-25T00:00:00-04:00 | "
                     "2023-03-25T00:00:00-04:00 | 2023-10-28T00:00:00-04:00 | 2023-10-28T00:00:00-04:00 | "
                     "2023-12-31T00:00:00-05:00");
    cr_expect_str_eq(column(with_x(DExtractDay("datetime_f", .tzinfo = "Asia/Kolkata")), NULL),
                     "1 | 1 | 26 | 26 | 29 | 29 | 1");
    /* tzinfo wins over the current zone, UTC too. */
    cr_assert_eq(dorm_timezone_activate(T.cx, "Europe/Paris"), 0);
    cr_expect_str_eq(select_list(with_x(DTruncYear("datetime_f", .tzinfo = "UTC"))),
                     test_pick("dorm_trunc('year', " DT ") AS \"x\"", "DATE_TRUNC('year', " DT ") AS \"x\"",
                               "CAST(DATE_FORMAT(" DT ", '%Y-01-01 00:00:00') AS DATETIME) AS \"x\""));
    cr_expect_str_eq(column(with_x(DTruncYear("datetime_f", .tzinfo = "UTC")), "UTC"),
                     "2022-01-01T00:00:00+00:00 | 2023-01-01T00:00:00+00:00 | 2023-01-01T00:00:00+00:00 | "
                     "2023-01-01T00:00:00+00:00 | 2023-01-01T00:00:00+00:00 | 2023-01-01T00:00:00+00:00 | "
                     "2023-01-01T00:00:00+00:00");
    dorm_timezone_deactivate(T.cx);
}

Test(timezones, generic_trunc_and_extract) {
    cr_expect_str_eq(select_list(with_x(DTrunc("datetime_f", "month"))),
                     select_list(with_x(DTruncMonth("datetime_f"))));
    cr_expect_str_eq(column(with_x(DExtract("datetime_f", "hour", .tzinfo = "Europe/Paris")), NULL),
                     "0 | 1 | 1 | 3 | 2 | 2 | 23");
    cr_expect_str_eq(column(with_x(DTrunc("datetime_f", "day", .output = DORM_KIND_DATE)), NULL),
                     "2022-12-31 | 2023-01-01 | 2023-03-26 | 2023-03-26 | 2023-10-29 | 2023-10-29 | 2023-12-31");
    dorm_qs *qs = with_x(DTrunc("datetime_f", "fortnight"));
    cr_expect_str_eq(dorm_qs_errmsg(qs), "Invalid kind: fortnight");
    qs = with_x(DExtract("datetime_f", "epoch"));
    cr_expect_str_eq(dorm_qs_errmsg(qs), "Invalid lookup_name: epoch");
}

Test(timezones, misuse) {
    cr_expect_eq(dorm_timezone_activate(T.cx, "Mars/Olympus_Mons"), DORM_EVALUE);
    cr_expect_str_eq(dorm_errmsg(T.cx), "Unknown time zone 'Mars/Olympus_Mons'.");
    cr_expect_eq(dorm_timezone_activate(T.cx, "../../etc/passwd"), DORM_EVALUE);
    cr_expect_eq(dorm_timezone_activate(T.cx, "Europe/Paris'"), DORM_EVALUE);
    cr_expect_str_eq(dorm_timezone_current(T.cx), "UTC");
    dorm_qs *qs = with_x(DTruncYear("date_f", .tzinfo = "Europe/Paris"));
    cr_expect_str_eq(dorm_qs_errmsg(qs), "tzinfo can only be used with DateTimeField.");
    qs = with_x(DTruncDay("datetime_f", .tzinfo = "Nowhere/Town"));
    cr_expect_str_eq(dorm_qs_errmsg(qs), "Unknown time zone 'Nowhere/Town'.");
}

Test(timezones, localtime) {
    dorm_datetime t;
    cr_assert_eq(dorm_datetime_parse("2023-10-29 00:30:00", 19, &t), 0);
    dorm_date d;
    dorm_time tm;
    int32_t off;
    cr_assert_eq(dorm_timezone_localtime(T.cx, t, "Europe/Paris", &d, &tm, &off), 0);
    cr_expect(d.year == 2023 && d.month == 10 && d.day == 29 && tm.hour == 2 && tm.minute == 30 && off == 7200);
    t.usec += 3600 * (int64_t)1000000;
    cr_assert_eq(dorm_timezone_localtime(T.cx, t, "Europe/Paris", &d, &tm, &off), 0);
    cr_expect(tm.hour == 2 && tm.minute == 30 && off == 3600);
    /* The footer rule after the file's last transition. */
    cr_assert_eq(dorm_datetime_parse("2050-07-01 12:00:00", 19, &t), 0);
    cr_assert_eq(dorm_timezone_localtime(T.cx, t, "Europe/Paris", &d, &tm, &off), 0);
    cr_expect_eq(off, 7200);
    cr_assert_eq(dorm_timezone_localtime(T.cx, t, NULL, &d, &tm, &off), 0);
    cr_expect_eq(off, 0);
}
