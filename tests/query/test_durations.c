/* test_durations.c - durations (Django's timedelta and DurationField as an
 * output field): a datetime minus a datetime (TemporalSubtraction), a
 * datetime plus or minus a duration (DurationExpression), durations in
 * filters, ordering and aggregates, Value(timedelta), Extract from a
 * duration; Django 3.2's SQL on each backend and its values. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "core/duration.h"
#include "testdb.h"

typedef struct Loan {
    DORM_OBJECT;
    int64_t id;
    dorm_datetime borrowed;
    dorm_datetime returned;
} Loan;

DORM_MODEL_DECLARE(Loan);
static const dorm_field Loan_fields[] = {
    DORM_AUTO(Loan, id),
    DORM_DATETIME(Loan, borrowed),
    DORM_DATETIME(Loan, returned, .null = true),
    DORM_END,
};
const dorm_model Loan_model = DORM_MODEL(Loan, "circ", Loan_fields);
static const dorm_app circ_app = {.label = "circ", .models = DORM_MODELS(&Loan_model)};
static const dorm_app library_app = {.label = "library",
                                     .models = DORM_MODELS(&Author_model, &Book_model, &Everything_model)};

static dorm_datetime at(const char *s) {
    dorm_datetime t;
    cr_assert_eq(dorm_datetime_parse(s, strlen(s), &t), 0, "%s", s);
    return t;
}

static void loans(void) {
    test_db_open_apps((const dorm_app *const[]){&library_app, &circ_app, NULL});
    const char *rows[][2] = {
        {"2023-01-01 10:00:00", "2023-01-05 12:30:00"},
        {"2023-02-01 00:00:00", "2023-03-15 00:00:01"},
        {"2023-03-01 00:00:00", NULL},
        {"2023-04-01 08:00:00", "2023-04-01 09:15:30.25"},
    };
    for (size_t i = 0; i < 4; i++) {
        Loan *l = dorm_new(T.cx, Loan);
        cr_assert_not_null(l);
        l->borrowed = at(rows[i][0]);
        if (rows[i][1])
            l->returned = at(rows[i][1]);
        else
            dorm_set_null(l, returned);
        cr_assert_eq(dorm_save(l), 0, "%s", dorm_errmsg(T.cx));
    }
}

TestSuite(durations, .init = loans, .fini = test_db_close);

static bool on_sqlite(void) { return strncmp(test_db_url(), "sqlite", 6) == 0; }

static dorm_qs *all(void) { return dorm_order_by(dorm_all(T.cx, Loan), "id"); }

#define L "\"circ_loan\""
#define KEPT DExpressionWrapper(dorm_sub(dorm_F("returned"), dorm_F("borrowed")), DORM_KIND_DURATION)
#define KEPT_S "django_timestamp_diff(" L ".\"returned\", " L ".\"borrowed\")"
#define KEPT_P "(" L ".\"returned\" - " L ".\"borrowed\")"
#define M "`circ_loan`"
#define KEPT_M "TIMESTAMPDIFF(MICROSECOND, " M ".`borrowed`, " M ".`returned`)"

/* A value as Python's repr shows a timedelta or datetime. */
static void show(char *out, size_t size, const dorm_value *v) {
    char tmp[DORM_FMT_MAX];
    if (v->type == DORM_T_NULL) {
        snprintf(out, size, "None");
    } else if (v->type == DORM_T_DURATION) {
        dorm_duration_format(v->u.dur, tmp);
        snprintf(out, size, "%s", tmp);
    } else if (v->type == DORM_T_DATETIME) {
        dorm_datetime_format(v->u.dt, tmp);
        snprintf(out, size, "%s", tmp);
    } else if (v->type == DORM_T_INT) {
        snprintf(out, size, "%lld", (long long)v->u.i);
    } else {
        snprintf(out, size, "<%d>", (int)v->type);
    }
}

/* The values of annotation x, joined by " | ", and the SQL of the SELECT
 * list into *sql. */
static const char *column(dorm_qs *qs, const char **sql) {
    static char out[512];
    dorm_qs *x = dorm_values_flat(qs, "x");
    const char *text = dorm_qs_sql(x, NULL);
    cr_assert_not_null(text, "%s", dorm_qs_errmsg(x));
    if (sql) *sql = text;
    size_t n, used = 0;
    const dorm_row **rows = dorm_rows(x, &n);
    cr_assert_not_null(rows, "%s", dorm_errmsg(T.cx));
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        char v[64];
        show(v, sizeof v, &rows[i]->values[0]);
        used += (size_t)snprintf(out + used, sizeof out - used, "%s%s", i ? " | " : "", v);
    }
    return out;
}

Test(durations, temporal_subtraction) {
    const char *sql;
    cr_expect_str_eq(column(dorm_annotate(all(), DAS("x", KEPT)), &sql),
                     "4 02:30:00 | 42 00:00:01 | None | 01:15:30.250000");
    cr_expect(
        strstr(sql, test_pick("SELECT " KEPT_S " AS \"x\"", "SELECT " KEPT_P " AS \"x\"", "SELECT " KEPT_M " AS `x`")),
        "%s", sql);
    /* F() - F() of two datetimes is a duration without a wrapper. */
    cr_expect_str_eq(column(dorm_annotate(all(), DAS("x", dorm_sub(dorm_F("returned"), dorm_F("borrowed")))), NULL),
                     "4 02:30:00 | 42 00:00:01 | None | 01:15:30.250000");
    /* Dates subtract to whole days. */
    test_db_catalogue();
    dorm_qs *books = dorm_slice(
        dorm_order_by(dorm_annotate(dorm_all(T.cx, Book),
                                    DAS("x", dorm_sub(dorm_F("publication_date"), dorm_F("author__birth_date")))),
                      "id"),
        0, 2);
    cr_expect_str_eq(column(books, &sql), "13557 00:00:00 | 14616 00:00:00");
    cr_expect(strstr(sql,
                     test_pick("django_timestamp_diff(\"library_book\".\"publication_date\", "
                               "\"library_author\".\"birth_date\") AS \"x\"",
                               "(interval '1 day' * (\"library_book\".\"publication_date\" - "
                               "\"library_author\".\"birth_date\")) AS \"x\"",
                               "TIMESTAMPDIFF(MICROSECOND, `library_author`.`birth_date`, "
                               "`library_book`.`publication_date`) AS `x`")),
              "%s", sql);
}

Test(durations, filters_ordering_and_aggregates) {
    dorm_qs *qs = dorm_filter(dorm_annotate(all(), DAS("kept", KEPT)), DQ("kept__gt", dorm_timedelta(30, 0, 0)));
    const char *params;
    const char *sql = dorm_qs_sql(qs, &params);
    cr_assert_not_null(sql, "%s", dorm_qs_errmsg(qs));
    cr_expect(strstr(sql, test_pick("WHERE " KEPT_S " > ?", "WHERE " KEPT_P " > $1", "WHERE " KEPT_M " > ?")), "%s",
              sql);
    cr_expect_str_eq(params, "(2592000000000,)");
    cr_expect_str_eq(test_ids(qs), "2");
    /* A datetime plus a duration, compared with a datetime (on PostgreSQL
     * the duration's parameter is typed, as psycopg2's literal is). */
    qs = dorm_filter(all(), DQ("returned__lt", dorm_add(dorm_F("borrowed"), dorm_timedelta(7, 0, 0))));
    sql = dorm_qs_sql(qs, NULL);
    cr_expect(strstr(sql,
                     test_pick("WHERE " L ".\"returned\" < (django_format_dtdelta('+', " L ".\"borrowed\", ?))",
                               "WHERE " L ".\"returned\" < (" L ".\"borrowed\" + $1::interval)",
                               "WHERE " M ".`returned` < (" M ".`borrowed` + INTERVAL ? MICROSECOND)")),
              "%s", sql);
    cr_expect_str_eq(test_ids(qs), "1,4");
    /* NULL is the smallest value on SQLite and MariaDB (last descending),
     * the largest on PostgreSQL (first descending)... as Django. */
    cr_expect_str_eq(test_ids(dorm_order_by(dorm_annotate(dorm_all(T.cx, Loan), DAS("kept", KEPT)), "-kept", "id")),
                     test_pick("2,1,4,3", "3,2,1,4", "2,1,4,3"));
    const dorm_row *agg = dorm_aggregate(dorm_annotate(all(), DAS("kept", KEPT)), DAS("longest", DMax("kept")),
                                         DAS("shortest", DMin("kept")), DAS("a", DAvg("kept")), DAS("s", DSum("kept")));
    cr_assert_not_null(agg, "%s", dorm_errmsg(T.cx));
    char v[64];
    show(v, sizeof v, &agg->values[0]);
    cr_expect_str_eq(v, "42 00:00:01");
    show(v, sizeof v, &agg->values[1]);
    cr_expect_str_eq(v, "01:15:30.250000");
    show(v, sizeof v, &agg->values[2]);
    cr_expect_str_eq(v, "15 09:15:10.416667");
    show(v, sizeof v, &agg->values[3]);
    cr_expect_str_eq(v, "46 03:45:31.250000");
}

Test(durations, duration_expressions) {
    /* Without an output field, Django's mixed types. */
    dorm_qs *qs = dorm_annotate(all(), DAS("x", dorm_add(dorm_F("borrowed"), dorm_timedelta(14, 0, 0))));
    cr_expect_str_eq(dorm_qs_errmsg(qs),
                     "Expression contains mixed types: DateTimeField, DurationField. You must set "
                     "output_field.");
    const char *sql;
    cr_expect_str_eq(column(dorm_annotate(all(),
                                          DAS("x",
                                              DExpressionWrapper(dorm_add(dorm_F("borrowed"), dorm_timedelta(14, 0, 0)),
                                                                 DORM_KIND_DATETIME))),
                            &sql),
                     "2023-01-15 10:00:00 | 2023-02-15 00:00:00 | 2023-03-15 00:00:00 | 2023-04-15 08:00:00");
    cr_expect(strstr(sql,
                     test_pick("(django_format_dtdelta('+', " L ".\"borrowed\", ?)) AS \"x\"",
                               "(" L ".\"borrowed\" + $1::interval) AS \"x\"",
                               "(" M ".`borrowed` + INTERVAL ? MICROSECOND) AS `x`")),
              "%s", sql);
    cr_expect_str_eq(
        column(dorm_annotate(all(),
                             DAS("x",
                                 DExpressionWrapper(dorm_sub(dorm_F("borrowed"), dorm_timedelta(0, 3600, 0)),
                                                    DORM_KIND_DATETIME))),
               NULL),
        "2023-01-01 09:00:00 | 2023-01-31 23:00:00 | 2023-02-28 23:00:00 | 2023-04-01 07:00:00");
    /* A duration plus a duration is plain arithmetic. */
    cr_expect_str_eq(
        column(dorm_annotate(
                   all(), DAS("x", DExpressionWrapper(dorm_add(KEPT, dorm_timedelta(0, 3600, 0)), DORM_KIND_DURATION))),
               &sql),
        "4 03:30:00 | 42 01:00:01 | None | 02:15:30.250000");
    cr_expect(strstr(sql,
                     test_pick("(" KEPT_S " + ?) AS \"x\"", "(" KEPT_P " + $1::interval) AS \"x\"",
                               "(" KEPT_M " + ?) AS `x`")),
              "%s", sql);
    cr_expect_str_eq(column(dorm_slice(dorm_annotate(all(), DAS("x", DValue(dorm_timedelta(1, 5, 0)))), 0, 1), &sql),
                     "1 00:00:05");
    cr_expect(strstr(sql, test_pick("SELECT ? AS \"x\"", "SELECT $1::interval AS \"x\"", "SELECT ? AS `x`")), "%s",
              sql);
    /* SQLite's durations are microseconds: only + and - with a datetime. */
    qs = dorm_annotate(
        all(), DAS("x", DExpressionWrapper(dorm_mul(dorm_F("borrowed"), dorm_timedelta(1, 0, 0)), DORM_KIND_DATETIME)));
    if (on_sqlite()) cr_expect_str_eq(dorm_qs_errmsg(qs), "Invalid connector for timedelta: *.");
}

Test(durations, extract_from_a_duration) {
    /* Only PostgreSQL has an interval type (Django's
     * has_native_duration_field). */
    dorm_qs *qs = dorm_annotate(all(), DAS("x", DExtractDay(KEPT)));
    if (on_sqlite() || test_db_on_mysql()) {
        cr_expect_str_eq(dorm_qs_errmsg(qs), "Extract requires native DurationField database support.");
        return;
    }
    const char *sql;
    cr_expect_str_eq(column(qs, &sql), "4 | 42 | None | 0");
    cr_expect(strstr(sql, "EXTRACT('day' FROM " KEPT_P ") AS \"x\""), "%s", sql);
    qs = dorm_annotate(all(), DAS("x", DExtractMonth(KEPT)));
    cr_expect_str_eq(dorm_qs_errmsg(qs), "Cannot extract component 'month' from DurationField ''.");
}

Test(durations, text_forms) {
    char buf[DORM_FMT_MAX];
    dorm_duration_format(dorm_timedelta(-1, 82800, 0), buf);
    cr_expect_str_eq(buf, "-1 23:00:00");
    /* What databases give back. */
    dorm_duration d;
    cr_expect_eq(dorm_duration__read("4 days 02:30:00", 15, &d), 0);
    cr_expect_eq(d.usec, dorm_timedelta(4, 9000, 0).usec);
    cr_expect_eq(dorm_duration__read("-01:15:30.25", 12, &d), 0);
    cr_expect_eq(d.usec, -dorm_timedelta(0, 4530, 250000).usec);
    cr_expect_eq(dorm_duration__read("1 mon 2 days", 12, &d), 0);
    cr_expect_eq(d.usec, dorm_timedelta(32, 0, 0).usec);
    cr_expect_eq(dorm_duration__read("-1 days +23:00:00", 17, &d), 0);
    cr_expect_eq(d.usec, dorm_timedelta(0, -3600, 0).usec);
    cr_expect_eq(dorm_duration__read("1353600000000.5", 15, &d), 0);
    cr_expect_eq(d.usec, 1353600000001);
    cr_expect_eq(dorm_duration__read("86400000000000001", 17, &d), 0);
    cr_expect_eq(d.usec, INT64_C(86400000000000001));
    cr_expect_eq(dorm_duration__read("4 02:30:00", 10, &d), 0);
    cr_expect_eq(d.usec, dorm_timedelta(4, 9000, 0).usec);
    cr_expect_eq(dorm_duration__read("soon", 4, &d), DORM_EVALUE);
}
