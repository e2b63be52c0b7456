/* test_duration.c - DurationField as a model field (DORM_DURATION): values
 * saved and read back on each backend (bigint microseconds on SQLite and
 * MariaDB, interval on PostgreSQL), defaults and NULL, lookups, F()
 * arithmetic, aggregates, Extract, to_python's formats and messages, and
 * fixtures; Django 3.2's SQL and values. */
#define _POSIX_C_SOURCE 200809L /* open_memstream, popen */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testdb.h"

typedef struct Task {
    DORM_OBJECT;
    int64_t id;
    const char *name;
    dorm_datetime started;
    dorm_datetime ended;
    dorm_duration spent;
    dorm_duration pause;
    dorm_duration budget;
} Task;

DORM_MODEL_DECLARE(Task);
static const dorm_field Task_fields[] = {
    DORM_AUTO(Task, id),
    DORM_CHAR(Task, name, .max_length = 50),
    DORM_DATETIME(Task, started),
    DORM_DATETIME(Task, ended, .null = true),
    DORM_DURATION(Task, spent),
    DORM_DURATION(Task, pause, .null = true, .blank = true),
    DORM_DURATION(Task, budget, .default_value = DORM_VDURATION(0, 3600, 0)),
    DORM_END,
};
const dorm_model Task_model = DORM_MODEL(Task, "plan", Task_fields);
static const dorm_app plan_app = {.label = "plan", .models = DORM_MODELS(&Task_model)};

static dorm_datetime at(const char *s) {
    dorm_datetime t;
    cr_assert_eq(dorm_datetime_parse(s, strlen(s), &t), 0, "%s", s);
    return t;
}

#define HOUR INT64_C(3600000000)
#define DAY (24 * HOUR)

/* The rows of Django's scratch script: spent 4 days 02:30, 01:00:00.25 and
 * -1 day 23:00 (an hour backwards); a pause of -5 minutes on the second;
 * the third's budget two days, the others' the default hour. */
static void tasks(void) {
    test_db_open_apps((const dorm_app *const[]){&plan_app, NULL});
    Task *t = dorm_create(T.cx, Task, .name = "a", .started = at("2023-01-01 10:00:00"),
                          .ended = at("2023-01-05 12:30:00"), .spent = dorm_timedelta(4, 9000, 0));
    cr_assert_not_null(t, "%s", dorm_errmsg(T.cx));
    dorm_set_null(t, pause);
    cr_assert_eq(dorm_save(t), 0, "%s", dorm_errmsg(T.cx));
    t = dorm_create(T.cx, Task, .name = "b", .started = at("2023-02-01 00:00:00"), .ended = at("2023-03-15 00:00:01"),
                    .spent = dorm_timedelta(0, 3600, 250000), .pause = dorm_timedelta(0, -300, 0));
    cr_assert_not_null(t, "%s", dorm_errmsg(T.cx));
    t = dorm_new(T.cx, Task);
    cr_assert_not_null(t, "%s", dorm_errmsg(T.cx));
    t->name = "c";
    t->started = at("2023-03-01 00:00:00");
    dorm_set_null(t, ended);
    dorm_set_null(t, pause);
    t->spent = dorm_timedelta(-1, 82800, 0);
    t->budget = dorm_timedelta(2, 0, 0);
    cr_assert_eq(dorm_save(t), 0, "%s", dorm_errmsg(T.cx));
}

TestSuite(duration_field, .init = tasks, .fini = test_db_close);

static bool native(void) { return test_db_dialect()->native_duration; }

static dorm_qs *all(void) { return dorm_order_by(dorm_all(T.cx, Task), "id"); }

/* A value as Django's duration_string (or str() of a datetime) shows it. */
static const char *show(const dorm_value *v) {
    static char out[4][DORM_FMT_MAX];
    static int k;
    char *buf = out[k++ % 4];
    if (v->type == DORM_T_NULL)
        snprintf(buf, DORM_FMT_MAX, "None");
    else if (v->type == DORM_T_DURATION)
        dorm_duration_format(v->u.dur, buf);
    else if (v->type == DORM_T_DATETIME)
        dorm_datetime_format(v->u.dt, buf);
    else if (v->type == DORM_T_INT)
        snprintf(buf, DORM_FMT_MAX, "%lld", (long long)v->u.i);
    else
        snprintf(buf, DORM_FMT_MAX, "<type %d>", (int)v->type);
    return buf;
}

/* The values of column `field` of qs joined by " | ", and its SQL in *sql. */
static const char *column(dorm_qs *qs, const char *field, const char **sql) {
    static char out[512];
    dorm_qs *x = dorm_values_flat(qs, field);
    const char *text = dorm_qs_sql(x, NULL);
    cr_assert_not_null(text, "%s", dorm_qs_errmsg(x));
    if (sql) *sql = text;
    size_t n, used = 0;
    const dorm_row **rows = dorm_rows(x, &n);
    cr_assert_not_null(rows, "%s", dorm_errmsg(T.cx));
    out[0] = '\0';
    for (size_t i = 0; i < n; i++)
        used += (size_t)snprintf(out + used, sizeof out - used, "%s%s", i ? " | " : "", show(&rows[i]->values[0]));
    return out;
}

Test(duration_field, round_trip) {
    Task *t = dorm_get(dorm_all(T.cx, Task), DQ("pk", 1));
    cr_assert_not_null(t, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(t->spent.usec, 4 * DAY + 9000 * INT64_C(1000000));
    cr_expect(dorm_is_null(t, pause));
    cr_expect_eq(t->budget.usec, HOUR);
    t = dorm_get(dorm_all(T.cx, Task), DQ("pk", 2));
    cr_assert_not_null(t, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(t->spent.usec, HOUR + 250000);
    cr_expect_eq(t->pause.usec, -300 * INT64_C(1000000));
    cr_expect(!dorm_is_null(t, pause));
    t = dorm_get(dorm_all(T.cx, Task), DQ("pk", 3));
    cr_assert_not_null(t, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(t->spent.usec, -HOUR);
    cr_expect_eq(t->budget.usec, 2 * DAY);
    cr_expect_str_eq(column(all(), "spent", NULL), "4 02:30:00 | 01:00:00.250000 | -1 23:00:00");
    cr_expect_str_eq(column(all(), "pause", NULL), "None | -1 23:55:00 | None");
    cr_expect_str_eq(column(all(), "budget", NULL), "01:00:00 | 01:00:00 | 2 00:00:00");
    /* values() rows hold durations, as Django's hold timedeltas. */
    const dorm_row **rows = dorm_rows(dorm_values(all(), "spent", "pause"), NULL);
    cr_assert_not_null(rows, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(rows[1]->values[0].type, DORM_T_DURATION);
    cr_expect_eq(rows[1]->values[1].u.dur.usec, -300 * INT64_C(1000000));
    /* The column holds microseconds where the database has no interval. */
    if (!native()) cr_expect_eq(test_scalar("SELECT spent FROM plan_task WHERE id = 3"), -HOUR);
    /* A long duration keeps every microsecond (past a double's 53 bits). */
    t = dorm_get(dorm_all(T.cx, Task), DQ("pk", 3));
    t->spent = dorm_timedelta(1000000, 0, 1);
    cr_assert_eq(dorm_save(t), 0, "%s", dorm_errmsg(T.cx));
    t = dorm_get(dorm_all(T.cx, Task), DQ("pk", 3));
    cr_assert_not_null(t, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(t->spent.usec, INT64_C(86400000000000001), "%lld", (long long)t->spent.usec);
}

#define TK "\"plan_task\""
#define MY "`plan_task`"
/* The WHERE clause of qs (from " WHERE " on) and its parameters. */
static const char *where(dorm_qs *qs, const char **params) {
    const char *sql = dorm_qs_sql(qs, params);
    cr_assert_not_null(sql, "%s", dorm_qs_errmsg(qs));
    const char *w = strstr(sql, " WHERE ");
    return w ? w + 7 : sql;
}

Test(duration_field, lookups) {
    const char *params;
    dorm_qs *qs = dorm_filter(all(), DQ("spent", dorm_timedelta(0, 3600, 250000)));
    cr_expect_str_eq(where(qs, &params),
                     test_pick(TK ".\"spent\" = ? ORDER BY " TK ".\"id\" ASC",
                               TK ".\"spent\" = $1 ORDER BY " TK ".\"id\" ASC",
                               MY ".`spent` = ? ORDER BY " MY ".`id` ASC"));
    /* Parameters show as microseconds (PostgreSQL binds an interval). */
    cr_expect_str_eq(params, "(3600250000,)");
    cr_expect_str_eq(test_ids(qs), "2");
    cr_expect_str_eq(test_ids(dorm_filter(all(), DQ("spent__gt", dorm_timedelta(0, 7200, 0)))), "1");
    cr_expect_str_eq(test_ids(dorm_filter(all(), DQ("spent__lt", dorm_timedelta(0, 0, 0)))), "3");
    cr_expect_str_eq(test_ids(dorm_filter(all(), DQ("spent__gte", dorm_timedelta(0, 3600, 250000)))), "1,2");
    qs = dorm_filter(all(), DQ("spent__range", DLIST(dorm_timedelta(0, 0, 0), dorm_timedelta(1, 0, 0))));
    cr_expect_str_eq(where(qs, &params),
                     test_pick(TK ".\"spent\" BETWEEN ? AND ? ORDER BY " TK ".\"id\" ASC",
                               TK ".\"spent\" BETWEEN $1 AND $2 ORDER BY " TK ".\"id\" ASC",
                               MY ".`spent` BETWEEN ? AND ? ORDER BY " MY ".`id` ASC"));
    cr_expect_str_eq(params, "(0, 86400000000)");
    cr_expect_str_eq(test_ids(qs), "2");
    qs = dorm_filter(all(), DQ("spent__in", DLIST(dorm_timedelta(-1, 82800, 0), dorm_timedelta(4, 9000, 0))));
    cr_expect_str_eq(where(qs, &params),
                     test_pick(TK ".\"spent\" IN (?, ?) ORDER BY " TK ".\"id\" ASC",
                               TK ".\"spent\" IN ($1, $2) ORDER BY " TK ".\"id\" ASC",
                               MY ".`spent` IN (?, ?) ORDER BY " MY ".`id` ASC"));
    cr_expect_str_eq(params, "(-3600000000, 354600000000)");
    cr_expect_str_eq(test_ids(qs), "1,3");
    /* A list longer than the backend writes as IN (...) is one array
     * parameter, durations as the column stores them. */
    size_t n = (size_t)atoi(test_pick("1000", "1000", "16400"));
    dorm_value *many = dorm_alloc(T.cx, n * sizeof *many);
    cr_assert_not_null(many);
    for (size_t i = 0; i < n; i++) many[i] = dorm_v_duration(dorm_timedelta(0, 7 + (int64_t)i, 0));
    many[n / 2] = dorm_v_duration(dorm_timedelta(-1, 82800, 0));
    many[n - 1] = dorm_v_duration(dorm_timedelta(4, 9000, 0));
    qs = dorm_filter(all(), DQ("spent__in", dorm_v_list(many, n)));
    cr_expect_str_eq(test_ids(qs), "1,3", "%s", dorm_errmsg(T.cx));
    const char *w = where(qs, &params);
    cr_expect(!strstr(w, "?, ?") && !strstr(w, "$1, $2"), "%.200s", w);
    cr_expect_str_eq(test_ids(dorm_filter(all(), DQ("pause__isnull", true))), "1,3");
    cr_expect_str_eq(test_ids(dorm_exclude(all(), DQ("pause", dorm_timedelta(0, -300, 0)))), "1,3");
    /* Text is read as Django's to_python reads it (parse_duration). */
    cr_expect_str_eq(test_ids(dorm_filter(all(), DQ("spent", "-1 day, 23:00:00"))), "3");
    cr_expect_str_eq(test_ids(dorm_filter(all(), DQ("budget", "P2D"))), "3");
    qs = dorm_filter(all(), DQ("spent", "soon"));
    cr_expect_eq(dorm_count(qs), DORM_EVALIDATION);
    cr_expect_str_eq(dorm_errmsg(T.cx),
                     "'soon' value has an invalid format. It must be in [DD] [[HH:]MM:]ss[.uuuuuu] "
                     "format.");
    /* A DurationField has no date transforms. */
    qs = dorm_filter(all(), DQ("spent__year", 1));
    cr_expect_str_eq(dorm_qs_errmsg(qs),
                     "Unsupported lookup 'year' for DurationField or join on the field not "
                     "permitted.");
    /* Ordering by a duration: the hour backwards first. */
    cr_expect_str_eq(test_ids(dorm_order_by(dorm_all(T.cx, Task), "spent")), "3,2,1");
}

Test(duration_field, arithmetic) {
    /* A datetime plus a duration field, in a filter. */
    dorm_qs *qs = dorm_filter(all(), DQ("ended__gt", dorm_add(dorm_F("started"), dorm_F("spent"))));
    cr_expect_str_eq(where(qs, NULL),
                     test_pick(TK ".\"ended\" > (django_format_dtdelta('+', " TK ".\"started\", " TK
                                  ".\"spent\")) ORDER BY " TK ".\"id\" ASC",
                               TK ".\"ended\" > (" TK ".\"started\" + " TK ".\"spent\") ORDER BY " TK ".\"id\" ASC",
                               MY ".`ended` > (" MY ".`started` + INTERVAL " MY ".`spent` MICROSECOND) ORDER BY " MY
                                  ".`id` ASC"));
    cr_expect_str_eq(test_ids(qs), "2");
    /* ... and selected, with its output field (Django's mixed types
     * without one). */
    qs = dorm_annotate(all(), DAS("x", dorm_add(dorm_F("started"), dorm_F("spent"))));
    cr_expect_str_eq(dorm_qs_errmsg(qs),
                     "Expression contains mixed types: DateTimeField, DurationField. You must set "
                     "output_field.");
    const char *sql;
    qs = dorm_annotate(all(),
                       DAS("x", DExpressionWrapper(dorm_add(dorm_F("started"), dorm_F("spent")), DORM_KIND_DATETIME)));
    cr_expect_str_eq(column(qs, "x", &sql), "2023-01-05 12:30:00 | 2023-02-01 01:00:00.250000 | 2023-02-28 23:00:00");
    cr_expect(strstr(sql,
                     test_pick("(django_format_dtdelta('+', " TK ".\"started\", " TK ".\"spent\")) AS \"x\"",
                               "(" TK ".\"started\" + " TK ".\"spent\") AS \"x\"",
                               "(" MY ".`started` + INTERVAL " MY ".`spent` MICROSECOND) AS `x`")),
              "%s", sql);
    /* A duration field plus a constant duration, and plus another field:
     * durations, no wrapper needed. */
    qs = dorm_annotate(all(), DAS("x", dorm_add(dorm_F("spent"), dorm_timedelta(0, 3600, 0))));
    cr_expect_str_eq(column(qs, "x", &sql), "4 03:30:00 | 02:00:00.250000 | 00:00:00");
    cr_expect(strstr(sql,
                     test_pick("(" TK ".\"spent\" + ?) AS \"x\"", "(" TK ".\"spent\" + $1::interval) AS \"x\"",
                               "(" MY ".`spent` + ?) AS `x`")),
              "%s", sql);
    qs = dorm_annotate(all(), DAS("x", dorm_add(dorm_F("spent"), dorm_F("budget"))));
    cr_expect_str_eq(column(qs, "x", NULL), "4 03:30:00 | 02:00:00.250000 | 1 23:00:00");
    qs = dorm_filter(all(), DQ("spent__gt", dorm_add(dorm_F("budget"), dorm_timedelta(0, 3600, 0))));
    cr_expect_str_eq(test_ids(qs), "1");
    /* A datetime minus a datetime is a duration, compared with a field. */
    qs = dorm_filter(all(), DQ("spent", dorm_sub(dorm_F("ended"), dorm_F("started"))));
    cr_expect_str_eq(test_ids(qs), "1");
    qs = dorm_annotate(all(), DAS("x", dorm_sub(dorm_F("ended"), dorm_F("started"))));
    cr_expect_str_eq(column(qs, "x", NULL), "4 02:30:00 | 42 00:00:01 | None");
    /* update() with a duration expression and a constant. */
    cr_expect_eq(dorm_update(dorm_filter(dorm_all(T.cx, Task), DQ("pk", 1)),
                             DSET("spent", dorm_add(dorm_F("spent"), dorm_timedelta(0, 3600, 0))),
                             DSET("pause", dorm_timedelta(0, 120, 0))),
                 1, "%s", dorm_errmsg(T.cx));
    cr_expect_str_eq(column(all(), "spent", NULL), "4 03:30:00 | 01:00:00.250000 | -1 23:00:00");
    cr_expect_str_eq(column(all(), "pause", NULL), "00:02:00 | -1 23:55:00 | None");
}

Test(duration_field, aggregates) {
    const dorm_row *agg = dorm_aggregate(dorm_all(T.cx, Task), DAS("s", DSum("spent")), DAS("a", DAvg("spent")),
                                         DAS("mi", DMin("spent")), DAS("ma", DMax("spent")), DAS("sp", DSum("pause")));
    cr_assert_not_null(agg, "%s", dorm_errmsg(T.cx));
    /* Django returns timedeltas on every backend (SQLite's and MariaDB's
     * sums of microseconds included). */
    for (int i = 0; i < 5; i++) cr_expect_eq(agg->values[i].type, DORM_T_DURATION, "%d", i);
    cr_expect_str_eq(show(&agg->values[0]), "4 02:30:00.250000");
    cr_expect_str_eq(show(&agg->values[1]), "1 08:50:00.083333");
    cr_expect_str_eq(show(&agg->values[2]), "-1 23:00:00");
    cr_expect_str_eq(show(&agg->values[3]), "4 02:30:00");
    cr_expect_str_eq(show(&agg->values[4]), "-1 23:55:00");
    /* Grouped: one sum per budget. */
    dorm_qs *qs =
        dorm_order_by(dorm_annotate(dorm_values(dorm_all(T.cx, Task), "budget"), DAS("t", DSum("spent"))), "budget");
    const dorm_row **rows = dorm_rows(qs, NULL);
    cr_assert_not_null(rows, "%s", dorm_errmsg(T.cx));
    cr_expect_str_eq(show(&rows[0]->values[1]), "4 03:30:00.250000");
    cr_expect_str_eq(show(&rows[1]->values[1]), "-1 23:00:00");
}

Test(duration_field, extract) {
    /* Only a database with an interval type extracts from one (Django's
     * has_native_duration_field). */
    dorm_qs *qs = dorm_annotate(all(), DAS("x", DExtractDay("spent")));
    if (!native()) {
        cr_expect_str_eq(dorm_qs_errmsg(qs), "Extract requires native DurationField database support.");
        return;
    }
    const char *sql;
    cr_expect_str_eq(column(qs, "x", &sql), "4 | 0 | -1");
    cr_expect(strstr(sql, "EXTRACT('day' FROM " TK ".\"spent\") AS \"x\""), "%s", sql);
    cr_expect_str_eq(column(dorm_annotate(all(), DAS("x", DExtractHour("spent"))), "x", NULL), "2 | 1 | 23");
    qs = dorm_annotate(all(), DAS("x", DExtractMonth("spent")));
    cr_expect_str_eq(dorm_qs_errmsg(qs), "Cannot extract component 'month' from DurationField 'spent'.");
}

Test(duration_field, bulk) {
    Task *objs[2];
    for (int i = 0; i < 2; i++) {
        objs[i] = dorm_new(T.cx, Task);
        cr_assert_not_null(objs[i]);
        objs[i]->name = i ? "e" : "d";
        objs[i]->started = at("2023-01-01 00:00:00");
        dorm_set_null(objs[i], ended);
        objs[i]->spent = dorm_timedelta(0, i ? 0 : 3600, 0);
        objs[i]->budget = dorm_timedelta(0, 3600, 0);
        if (i)
            objs[i]->pause = dorm_timedelta(0, -1, 0);
        else
            dorm_set_null(objs[i], pause);
    }
    cr_assert_eq(dorm_bulk_create(T.cx, Task, objs, 2, 0), 0, "%s", dorm_errmsg(T.cx));
    dorm_qs *mine = dorm_filter(all(), DQ("pk__gt", 3));
    cr_expect_str_eq(column(mine, "spent", NULL), "01:00:00 | 00:00:00");
    cr_expect_str_eq(column(mine, "pause", NULL), "None | -1 23:59:59");
    objs[0]->spent = dorm_timedelta(1, 0, 0);
    objs[1]->spent = dorm_timedelta(0, 0, 5);
    dorm_set_null(objs[1], pause);
    cr_expect_eq(dorm_bulk_update(T.cx, Task, objs, 2, "spent", "pause"), 2, "%s", dorm_errmsg(T.cx));
    cr_expect_str_eq(column(mine, "spent", NULL), "1 00:00:00 | 00:00:00.000005");
    cr_expect_str_eq(column(mine, "pause", NULL), "None | None");
}

/* Django's parse_duration, case by case (from Django 3.2 itself): the text
 * and the microseconds, or "INVALID". */
static const struct {
    const char *text;
    const char *want;
} forms[] = {
    {"3 days, 10:11:12", "295872000000"},
    {"10:11:12.000001", "36672000001"},
    {"P3DT10H", "295200000000"},
    {"3 days 10:11:12", "295872000000"},
    {"100", "100000000"},
    {"-1 day, 23:00:00", "-3600000000"},
    {"-15:30", "-930000000"},
    {"1:2:3", "3723000000"},
    {"-P1D", "-86400000000"},
    {"P0.5D", "43200000000"},
    {"-4 days -1:00:00", "-349200000000"},
    {"1 mon", "INVALID"},
    {"soon", "INVALID"},
    {"1 day 2:03:04", "93784000000"},
    {"-01:00:00", "-3600000000"},
    {"4 days -01:00:00", "342000000000"},
    {"1,5", "1500000"},
    {"12:30,25", "750250000"},
    {"", "0"},
    {"3 days", "259200000000"},
    {"3 day", "259200000000"},
    {"3 days10:11:12", "295872000000"},
    {"10:11:12\n", "36672000000"},
    {"P1e2D", "8640000000000"},
    {"PT1_5S", "15000000"},
    {"P1,5D", "129600000000"},
    {"P1x5D", "INVALID"},
    {"PT0.0000005S", "0"},
    {"PT0.0000015S", "2"},
    {"PT1H30S", "3630000000"},
    {"1.1234567", "1123456"},
    {"1.1234567891234", "INVALID"},
    {"-1 days +23:00:00", "-3600000000"},
    {"P-1D", "INVALID"},
    {"-PT1H", "-3600000000"},
    {"+P1D", "86400000000"},
    {" 1", "INVALID"},
    {"1 ", "INVALID"},
    {"10:60:99", "39699000000"},
    {"1 days, 10:00", "87000000000"},
    {"1 day,10:00", "INVALID"},
    {"01:02:03.5", "3723500000"},
    {"12,5", "12500000"},
    {"1.", "INVALID"},
    {"P", "0"},
    {"PT", "0"},
    {"-P", "0"},
    {"PDT", "INVALID"},
    {"1:2", "62000000"},
    {"1:2:3:4", "INVALID"},
    {"4 days 1:02:03", "349323000000"},
    {"4 days 01:2:03", "INVALID"},
    {"+01:00:00", "3600000000"},
    {"P1DT", "86400000000"},
    {"-0:0:1.5", "-1500000"},
    {"P0.1D", "8640000000"},
    {"PT0.1S", "100000"},
    {"PT1.123456789S", "1123457"},
    /* Python's timedelta overflows (an OverflowError): refused. */
    {"99999999999999999999", "INVALID"},
    {"PT1e400S", "INVALID"},
};

Test(duration_text, parse_duration) {
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        dorm_duration d = {0};
        char got[32];
        if (dorm_duration_parse(forms[i].text, strlen(forms[i].text), &d))
            snprintf(got, sizeof got, "INVALID");
        else
            snprintf(got, sizeof got, "%lld", (long long)d.usec);
        cr_expect_str_eq(got, forms[i].want, "%s", forms[i].text);
    }
}

/* Django's duration_string (dumpdata, str of a value). */
Test(duration_text, duration_string) {
    const struct {
        dorm_duration d;
        const char *want;
    } cases[] = {
        {dorm_timedelta(-1, 82800, 0), "-1 23:00:00"},    {dorm_timedelta(0, -1, 0), "-1 23:59:59"},
        {dorm_timedelta(0, 0, -1), "-1 23:59:59.999999"}, {dorm_timedelta(-3, 18000, 7), "-3 05:00:00.000007"},
        {dorm_timedelta(4, 9000, 0), "4 02:30:00"},       {dorm_timedelta(0, 0, 0), "00:00:00"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[DORM_FMT_MAX];
        dorm_duration_format(cases[i].d, buf);
        cr_expect_str_eq(buf, cases[i].want);
    }
}

Test(duration_field, to_python_and_full_clean) {
    Task *t = dorm_new(T.cx, Task);
    cr_assert_not_null(t);
    t->name = "x";
    t->started = at("2023-01-01 00:00:00");
    t->ended = at("2023-01-01 00:00:00");
    /* setattr(obj, name, field.to_python(text)) */
    cr_expect_eq(dorm_field_assign(t, "spent", "3 days, 10:11:12"), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(t->spent.usec, dorm_timedelta(3, 36672, 0).usec);
    cr_expect_eq(dorm_field_assign(t, "spent", "P3DT10H"), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(t->spent.usec, dorm_timedelta(3, 36000, 0).usec);
    cr_expect_eq(dorm_field_assign(t, "pause", dorm_timedelta(0, 90, 0)), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(t->pause.usec, 90000000);
    cr_expect_eq(dorm_field_assign(t, "spent", "abc"), DORM_EVALIDATION);
    cr_expect_str_eq(dorm_errmsg(T.cx),
                     "spent: \xe2\x80\x9c"
                     "abc\xe2\x80\x9d value has an invalid format. It must be in [DD] "
                     "[[HH:]MM:]ss[.uuuuuu] format.");
    cr_expect_eq(t->spent.usec, dorm_timedelta(3, 36000, 0).usec);
    /* A number is not a duration's text (Django's TypeError). */
    cr_expect_eq(dorm_field_assign(t, "spent", 3600), DORM_EVALIDATION);
    cr_expect_eq(dorm_full_clean(t), 0, "%s", dorm_errmsg(T.cx));
    /* NULL where the field is not null. */
    dorm_set_null(t, spent);
    dorm_verrors errs = {0};
    cr_expect_eq(dorm_full_clean_ex(t, NULL, &errs), DORM_EVALIDATION);
    cr_expect_str_eq(dorm_verrors_of(&errs, "spent", "|"), "This field cannot be null.");
}

/* dumpdata writes Django's duration_string (its serializer's
 * value_to_string); loaddata reads it back with parse_duration. */
Test(duration_field, fixtures_round_trip) {
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    cr_assert_eq(dorm_dumpdata(T.cx, (const char *const[]){"plan.task", NULL}, 0, out), DORM_OK, "%s",
                 dorm_errmsg(T.cx));
    fclose(out);
    /* Django 3.2's dumpdata of the same rows. */
    cr_expect(strstr(text,
                     "\"fields\": {\"name\": \"a\", \"started\": \"2023-01-01T10:00:00Z\", \"ended\": "
                     "\"2023-01-05T12:30:00Z\", \"spent\": \"4 02:30:00\", \"pause\": null, \"budget\": "
                     "\"01:00:00\"}"),
              "%s", text);
    cr_expect(strstr(text, "\"spent\": \"01:00:00.250000\", \"pause\": \"-1 23:55:00\", \"budget\": \"01:00:00\"}"),
              "%s", text);
    cr_expect(strstr(text, "\"spent\": \"-1 23:00:00\", \"pause\": null, \"budget\": \"2 00:00:00\"}"), "%s", text);
    test_tmpdir_make("dorm-dur");
    test_write_file("tasks.json", text);
    free(text);
    cr_assert_eq(dorm_qs_delete(dorm_all(T.cx, Task), NULL), DORM_OK, "%s", dorm_errmsg(T.cx));
    int rc = dorm_loaddata(T.cx, (const char *const[]){test_tmpdir_path("tasks.json"), NULL}, NULL);
    cr_assert_eq(rc, DORM_OK, "%s", dorm_errmsg(T.cx));
    cr_expect_str_eq(column(all(), "spent", NULL), "4 02:30:00 | 01:00:00.250000 | -1 23:00:00");
    cr_expect_str_eq(column(all(), "pause", NULL), "None | -1 23:55:00 | None");
    cr_expect_str_eq(column(all(), "budget", NULL), "01:00:00 | 01:00:00 | 2 00:00:00");
    /* Any form parse_duration reads; what it cannot read names the field. */
    test_write_file("more.json",
                    "[{\"model\": \"plan.task\", \"pk\": 9, \"fields\": {\"name\": \"i\", \"started\": "
                    "\"2023-01-01T00:00:00Z\", \"spent\": \"P1DT2H\", \"budget\": \"3 days 00:00:01\"}}]");
    rc = dorm_loaddata(T.cx, (const char *const[]){test_tmpdir_path("more.json"), NULL}, NULL);
    cr_assert_eq(rc, DORM_OK, "%s", dorm_errmsg(T.cx));
    Task *t = dorm_get(dorm_all(T.cx, Task), DQ("pk", 9));
    cr_assert_not_null(t, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(t->spent.usec, dorm_timedelta(1, 7200, 0).usec);
    cr_expect_eq(t->budget.usec, dorm_timedelta(3, 1, 0).usec);
    test_write_file("bad.json",
                    "[{\"model\": \"plan.task\", \"pk\": 10, \"fields\": {\"name\": \"j\", \"started\": "
                    "\"2023-01-01T00:00:00Z\", \"spent\": \"a week\"}}]");
    rc = dorm_loaddata(T.cx, (const char *const[]){test_tmpdir_path("bad.json"), NULL}, NULL);
    cr_expect_lt(rc, 0);
    cr_expect(strstr(dorm_errmsg(T.cx),
                     "object 1 (plan.task:pk=10), field 'spent': 'a week' value has an invalid "
                     "format. It must be in [DD] [[HH:]MM:]ss[.uuuuuu] format."),
              "%s", dorm_errmsg(T.cx));
    test_tmpdir_remove();
}

/* inspectdb maps an interval back to a DurationField (Django's
 * data_types_reverse on PostgreSQL); a bigint of microseconds is a
 * BigIntegerField, as Django reads SQLite's and MySQL's. */
Test(duration_field, inspectdb) {
    const char *dir = test_tmpdir_make("dorm-dur-insp");
    char path[512], cmd[1024];
    snprintf(path, sizeof path, "%s/models.c", dir);
    FILE *out = fopen(path, "w");
    cr_assert_not_null(out);
    cr_assert_eq(dorm_inspectdb(T.cx, (const char *const[]){"plan_task", NULL}, "plan", out), 0, "%s",
                 dorm_errmsg(T.cx));
    fclose(out);
    const char *code = test_read_file(path);
    cr_assert_not_null(code);
    if (native()) {
        cr_expect(strstr(code, "    dorm_duration spent;\n    dorm_duration pause;\n    dorm_duration budget;\n"), "%s",
                  code);
        cr_expect(strstr(code, "DORM_DURATION(PlanTask, spent),"), "%s", code);
        cr_expect(strstr(code, "DORM_DURATION(PlanTask, pause, .null = true, .blank = true),"), "%s", code);
    } else {
        cr_expect(strstr(code, "    int64_t spent;\n    int64_t pause;\n    int64_t budget;\n"), "%s", code);
        cr_expect(strstr(code, "DORM_BIGINT(PlanTask, spent),"), "%s", code);
    }
    /* The code compiles: each member has its field's type. */
    snprintf(cmd, sizeof cmd, "cc -std=c11 -Wall -Wextra -Werror -fsyntax-only -I'%s' '%s' 2>&1", DORM_TEST_INCLUDE,
             path);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    char err[512] = "";
    size_t n = fread(err, 1, sizeof err - 1, p);
    err[n] = '\0';
    cr_expect_eq(pclose(p), 0, "%s", err);
    test_tmpdir_remove();
}

/* A validator's limit, a choice's repr() and get_FOO_display as Python
 * writes a timedelta (str() and repr(), not duration_string). */
static const dorm_field Bounded_fields[] = {
    DORM_AUTO(Task, id),
    DORM_CHAR(Task, name, .max_length = 50),
    DORM_DATETIME(Task, started),
    DORM_DATETIME(Task, ended, .null = true),
    DORM_DURATION(Task, spent, .validators = DORM_VALIDATORS(DORM_MIN_VALUE_OF(DORM_VDURATION(0, 60, 0)))),
    DORM_DURATION(Task, pause, .null = true, .blank = true),
    DORM_DURATION(Task, budget, .default_value = DORM_VDURATION(0, 3600, 0),
                  .choices =
                      DORM_CHOICES({DORM_VDURATION(0, 3600, 0), "One hour"}, {DORM_VDURATION(1, 0, 0), "A day"})),
    DORM_END,
};
static const dorm_model Bounded_model = {
    .abi = DORM_MODEL_ABI, .name = "Bounded", .app_label = "bounds", .size = sizeof(Task), .fields = Bounded_fields};
static const dorm_app bounds_app = {.label = "bounds", .models = DORM_MODELS(&Bounded_model)};

Test(duration_text, validators_and_repr) {
    test_db_open_apps((const dorm_app *const[]){&bounds_app, NULL});
    Task *t = dorm_new_(T.cx, &Bounded_model);
    cr_assert_not_null(t, "%s", dorm_errmsg(T.cx));
    t->name = "x";
    t->started = at("2023-01-01 00:00:00");
    t->ended = t->started;
    dorm_set_null(t, pause);
    t->spent = dorm_timedelta(0, 30, 0);
    dorm_verrors errs = {0};
    cr_expect_eq(dorm_full_clean_ex(t, NULL, &errs), DORM_EVALIDATION);
    cr_expect_str_eq(dorm_verrors_of(&errs, "spent", "|"), "Ensure this value is greater than or equal to 0:01:00.");
    t->spent = dorm_timedelta(0, 60, 0);
    cr_expect_eq(dorm_full_clean(t), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_str_eq(dorm_get_display(t, budget), "One hour");
    t->budget = dorm_timedelta(0, 30, 0);
    cr_expect_str_eq(dorm_get_display(t, budget), "0:00:30");
    t->budget = dorm_timedelta(-2, 1, 500000);
    cr_expect_str_eq(dorm_get_display(t, budget), "-2 days, 0:00:01.500000");
    t->budget = dorm_timedelta(0, 30, 0);
    errs = (dorm_verrors){0};
    cr_expect_eq(dorm_full_clean_ex(t, NULL, &errs), DORM_EVALIDATION);
    cr_expect_str_eq(dorm_verrors_of(&errs, "budget", "|"),
                     "Value datetime.timedelta(seconds=30) is not a valid choice.");
    t->budget = dorm_timedelta(-1, 82800, 7);
    errs = (dorm_verrors){0};
    cr_expect_eq(dorm_full_clean_ex(t, NULL, &errs), DORM_EVALIDATION);
    cr_expect_str_eq(dorm_verrors_of(&errs, "budget", "|"),
                     "Value datetime.timedelta(days=-1, seconds=82800, microseconds=7) is not a valid choice.");
    t->budget = dorm_timedelta(0, 0, 0);
    errs = (dorm_verrors){0};
    cr_expect_eq(dorm_full_clean_ex(t, NULL, &errs), DORM_EVALIDATION);
    cr_expect_str_eq(dorm_verrors_of(&errs, "budget", "|"), "Value datetime.timedelta(0) is not a valid choice.");
    test_db_close();
}

/* Keyset pages ordered by a duration: the token carries it as text. */
Test(duration_field, keyset_pages) {
    dorm_qs *qs = dorm_order_by(dorm_all(T.cx, Task), "spent");
    dorm_keyset_page *p = dorm_keyset_paginate(qs, 2, NULL);
    cr_assert_not_null(p, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(p->n, 2);
    cr_assert_not_null(p->next);
    p = dorm_keyset_paginate(qs, 2, p->next);
    cr_assert_not_null(p, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(p->n, 1);
    cr_expect_eq(((Task *)p->objects[0])->id, 1);
}

/* A raw cursor gives what the database driver gives: an interval is a
 * duration (psycopg2's timedelta), microseconds a number. */
Test(duration_field, raw_cursor) {
    dorm_cursor *c = dorm_cursor_new(T.cx);
    cr_assert_not_null(c);
    cr_assert_eq(dorm_cursor_execute(c, "SELECT spent FROM plan_task WHERE id = 3", NULL, 0), 0, "%s",
                 dorm_errmsg(T.cx));
    const dorm_value *row = dorm_cursor_fetchone(c);
    cr_assert_not_null(row, "%s", dorm_errmsg(T.cx));
    if (native()) {
        cr_expect_eq(row[0].type, DORM_T_DURATION);
        cr_expect_eq(row[0].u.dur.usec, -HOUR);
    } else {
        cr_expect_eq(row[0].type, DORM_T_INT);
        cr_expect_eq(row[0].u.i, -HOUR);
    }
}
