/* test_debug.c - query debugging (the transcript's "Query debugging"):
 * str(qs.query) with Django 3.2's text on both backends, explain() with the
 * backend's formats and options checked against closed lists (Django's
 * messages), and the per-context query counts of an N+1 loop and its fix. */
#include <criterion/criterion.h>
#include <string.h>

#include "testdb.h"

static void open_catalogue(void) {
    test_db_open();
    test_db_catalogue();
}

TestSuite(debug, .init = open_catalogue, .fini = test_db_close);

static bool on_sqlite(void) { return strcmp(dorm_db_vendor(T.db), "sqlite") == 0; }

/* str(qs.query) with MySQL's `quotes` read as "quotes" (values stay as
 * they are). */
static const char *qs_str(dorm_qs *qs) {
    const char *got = dorm_qs_str(qs);
    cr_assert_not_null(got, "%s", dorm_errmsg(T.cx));
    char *out = dorm_strdup(T.cx, got);
    for (char *p = out; test_db_on_mysql() && *p; p++)
        if (*p == '`') *p = '"';
    return out;
}

static void expect_str(dorm_qs *qs, const char *want) { cr_assert_str_eq(qs_str(qs), want); }

/* Django 3.2's str(qs.query) for the same QuerySets, on SQLite, PostgreSQL
 * and MariaDB alike (but for MariaDB's quote character). */
Test(debug, query_text) {
    expect_str(
        dorm_values(dorm_filter(dorm_all(T.cx, Author), DQ("name", "Ann")), "name"),
        "SELECT \"library_author\".\"name\" FROM \"library_author\" WHERE \"library_author\".\"name\" = Ann ORDER "
        "BY \"library_author\".\"name\" ASC");
    expect_str(
        dorm_values_list(dorm_order_by(dorm_filter(dorm_all(T.cx, Book), DQ("genre", "FIC")), "-title"), "title"),
        "SELECT \"library_book\".\"title\" FROM \"library_book\" WHERE \"library_book\".\"genre\" = FIC ORDER BY "
        "\"library_book\".\"title\" DESC");
    const char *in[] = {"Ann", "Bob"};
    dorm_value items[] = {DV(in[0]), DV(in[1])};
    expect_str(dorm_filter(dorm_only(dorm_all(T.cx, Author), "name"), DQ("name__in", dorm_v_list(items, 2))),
               "SELECT \"library_author\".\"id\", \"library_author\".\"name\" FROM \"library_author\" WHERE "
               "\"library_author\".\"name\" IN (Ann, Bob) ORDER BY \"library_author\".\"name\" ASC");
    expect_str(
        dorm_filter(dorm_all(T.cx, Book), DQ("pages__lt", 300), DQ("publication_date__gte", dorm_date_ymd(1900, 1, 1))),
        "SELECT \"library_book\".\"id\", \"library_book\".\"title\", \"library_book\".\"author_id\", "
        "\"library_book\".\"publication_date\", \"library_book\".\"isbn\", \"library_book\".\"genre\", "
        "\"library_book\".\"pages\" FROM \"library_book\" WHERE (\"library_book\".\"pages\" < 300 AND "
        "\"library_book\".\"publication_date\" >= 1900-01-01) ORDER BY \"library_book\".\"publication_date\" DESC");
    expect_str(
        dorm_slice(dorm_order_by(dorm_filter(dorm_all(T.cx, Book), DQ("author__name", "Jane"),
                                             DQ("pages__range", dorm_v_list((dorm_value[]){DV(1), DV(2)}, 2))),
                                 "title"),
                   2, 5),
        "SELECT \"library_book\".\"id\", \"library_book\".\"title\", \"library_book\".\"author_id\", "
        "\"library_book\".\"publication_date\", \"library_book\".\"isbn\", \"library_book\".\"genre\", "
        "\"library_book\".\"pages\" FROM \"library_book\" INNER JOIN \"library_author\" ON "
        "(\"library_book\".\"author_id\" = \"library_author\".\"id\") WHERE (\"library_author\".\"name\" = Jane "
        "AND \"library_book\".\"pages\" BETWEEN 1 AND 2) ORDER BY \"library_book\".\"title\" ASC LIMIT 3 OFFSET 2");
    /* Values are shown, not quoted: a quote inside one is just text. */
    const char *got = qs_str(dorm_filter(dorm_all(T.cx, Author), DQ("name", "O'Brien \"?\" $1")));
    cr_assert(strstr(got, "\"library_author\".\"name\" = O'Brien \"?\" $1 ORDER BY"), "%s", got);
    cr_assert_null(dorm_qs_str(dorm_none(dorm_all(T.cx, Author))));
    cr_assert_eq(dorm_errcode(T.cx), DORM_EVALUE);
}

Test(debug, explain) {
    dorm_qs *qs = dorm_filter(dorm_all(T.cx, Author), DQ("name", "Ann"));
    uint64_t before = dorm_ctx_query_count(T.cx);
    const char *plan = dorm_qs_explain(qs, NULL);
    cr_assert_not_null(plan, "%s", dorm_errmsg(T.cx));
    cr_assert_gt(strlen(plan), 0);
    cr_assert_eq(dorm_ctx_query_count(T.cx), before + 1, "explain() is a query too");
    if (on_sqlite()) {
        cr_assert(strstr(plan, "library_author"), "%s", plan);
        cr_assert_null(dorm_qs_explain(qs, &(dorm_explain_opts){.format = "json"}));
        cr_assert_eq(dorm_errcode(T.cx), DORM_EVALUE);
        cr_assert_str_eq(dorm_errmsg(T.cx), "JSON is not a recognized format.");
        cr_assert_null(dorm_qs_explain(
            qs, &(dorm_explain_opts){.options = (dorm_explain_option[]){{"verbose", true}}, .noptions = 1}));
        cr_assert_str_eq(dorm_errmsg(T.cx), "Unknown options: verbose");
        return;
    }
    if (test_db_on_mysql()) {
        /* Django's MySQL operations: FORMAT=, TEXT as TRADITIONAL, MariaDB's
         * ANALYZE statement; options named as given. */
        cr_assert(strstr(plan, "SIMPLE library_author ALL"), "%s", plan);
        plan = dorm_qs_explain(qs, &(dorm_explain_opts){.format = "json"});
        cr_assert(plan && plan[0] == '{' && strstr(plan, "\"query_block\""), "%s", plan ? plan : dorm_errmsg(T.cx));
        plan = dorm_qs_explain(qs, &(dorm_explain_opts){.format = "text"});
        cr_assert(plan && strstr(plan, "SIMPLE library_author ALL"), "%s", plan ? plan : dorm_errmsg(T.cx));
        plan = dorm_qs_explain(qs,
                               &(dorm_explain_opts){.format = "json",
                                                    .options = (dorm_explain_option[]){{"analyze", true}},
                                                    .noptions = 1});
        cr_assert(plan && strstr(plan, "\"r_loops\""), "%s", plan ? plan : dorm_errmsg(T.cx));
        cr_assert_null(dorm_qs_explain(qs, &(dorm_explain_opts){.format = "csv"}));
        cr_assert_eq(dorm_errcode(T.cx), DORM_EVALUE);
        cr_assert_str_eq(dorm_errmsg(T.cx), "CSV is not a recognized format. Allowed formats: JSON, TEXT, TRADITIONAL");
        before = dorm_ctx_query_count(T.cx);
        cr_assert_null(dorm_qs_explain(
            qs,
            &(dorm_explain_opts){.options = (dorm_explain_option[]){{"test", true}, {"costs) DELETE FROM x; --", true}},
                                 .noptions = 2}));
        cr_assert_str_eq(dorm_errmsg(T.cx), "Unknown options: costs) DELETE FROM x; --, test");
        cr_assert_eq(dorm_ctx_query_count(T.cx), before, "refused before any SQL");
        return;
    }
    cr_assert(strstr(plan, "Scan on library_author"), "%s", plan);
    plan = dorm_qs_explain(qs,
                           &(dorm_explain_opts){.format = "json",
                                                .options = (dorm_explain_option[]){{"verbose", true}, {"COSTS", false}},
                                                .noptions = 2});
    cr_assert_not_null(plan, "%s", dorm_errmsg(T.cx));
    cr_assert(plan[0] == '[' && strstr(plan, "\"Output\""), "%s", plan);
    cr_assert_null(strstr(plan, "Total Cost"), "COSTS false: %s", plan);
    plan =
        dorm_qs_explain(qs, &(dorm_explain_opts){.options = (dorm_explain_option[]){{"analyze", true}}, .noptions = 1});
    cr_assert(plan && strstr(plan, "actual time"), "%s", plan ? plan : dorm_errmsg(T.cx));
    cr_assert_null(dorm_qs_explain(qs, &(dorm_explain_opts){.format = "csv"}));
    cr_assert_eq(dorm_errcode(T.cx), DORM_EVALUE);
    cr_assert_str_eq(dorm_errmsg(T.cx), "CSV is not a recognized format. Allowed formats: JSON, TEXT, XML, YAML");
    before = dorm_ctx_query_count(T.cx);
    cr_assert_null(dorm_qs_explain(
        qs,
        &(dorm_explain_opts){.options = (dorm_explain_option[]){{"test", true}, {"costs) DELETE FROM x; --", true}},
                             .noptions = 2}));
    cr_assert_str_eq(dorm_errmsg(T.cx), "Unknown options: COSTS) DELETE FROM X; --, TEST");
    cr_assert_eq(dorm_ctx_query_count(T.cx), before, "refused before any SQL");
}

/* The counts the transcript prints: an N+1 loop, and select_related /
 * prefetch_related fixing it (Django's CaptureQueriesContext). */
Test(debug, query_counts) {
    uint64_t before = dorm_ctx_query_count(T.cx);
    DORM_EACH(Book, b, dorm_order_by(dorm_all(T.cx, Book), "title")) cr_assert_not_null(dorm_fk(b, author));
    cr_assert_eq(dorm_ctx_query_count(T.cx) - before, 9, "1 + 8 lazy loads");
    before = dorm_ctx_query_count(T.cx);
    DORM_EACH(Book, b, dorm_select_related(dorm_order_by(dorm_all(T.cx, Book), "title"), "author"))
    cr_assert_not_null(dorm_fk(b, author));
    cr_assert_eq(dorm_ctx_query_count(T.cx) - before, 1);
    before = dorm_ctx_query_count(T.cx);
    dorm_qs *lazy = dorm_filter(dorm_all(T.cx, Book), DQ("genre", "FIC"));
    cr_assert_eq(dorm_ctx_query_count(T.cx), before, "lazy: no query yet");
    dorm_len(lazy);
    dorm_len(lazy);
    cr_assert_eq(dorm_ctx_query_count(T.cx) - before, 1, "evaluated twice, cached");
}
