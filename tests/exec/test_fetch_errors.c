/* test_fetch_errors.c - a QuerySet whose SQL fails when the database runs it
 * (a missing table, a function the database lacks) carries the error of
 * every fetching call, so a loop that yields nothing can be told from an
 * empty result by dorm_qs_errcode; the error is not sticky: the next fetch
 * runs again. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "backend/db.h"
#include "testdb.h"

static dorm_qs *books(void) { return dorm_all(T.cx, Book); }

static void catalogue(void) {
    test_db_open();
    test_db_catalogue();
}

/* Moves library_book away (away) or back. */
static void move_books(bool away) {
    dorm_errbuf e = {0, ""};
    const char *sql =
        away ? "ALTER TABLE library_book RENAME TO library_gone" : "ALTER TABLE library_gone RENAME TO library_book";
    cr_assert_eq(dorm_db__exec(T.db, sql, &e), 0, "%s", e.msg);
}

/* The fetch just made failed with the database's error, and qs says so
 * with the context's code and message. */
static void expect_failed(dorm_qs *qs, const char *what) {
    int code = dorm_errcode(T.cx);
    cr_assert(code == DORM_EOPERATIONAL || code == DORM_EPROGRAMMING, "%s: %d %s", what, code, dorm_errmsg(T.cx));
    cr_assert_eq(dorm_qs_errcode(qs), code, "%s: the QuerySet says %d", what, dorm_qs_errcode(qs));
    cr_assert_str_eq(dorm_qs_errmsg(qs), dorm_errmsg(T.cx), "%s", what);
}

TestSuite(fetch_errors, .init = catalogue, .fini = test_db_close);

Test(fetch_errors, every_fetch_of_a_missing_table) {
    move_books(true);
    dorm_qs *qs = books();
    int seen = 0;
    DORM_EACH(Book, b, qs) seen++;
    cr_assert_eq(seen, 0);
    expect_failed(qs, "DORM_EACH");
    qs = books();
    cr_assert_null(dorm_list(qs, NULL));
    expect_failed(qs, "list");
    qs = dorm_values(books(), "title");
    seen = 0;
    DORM_EACH_ROW(r, qs) seen++;
    cr_assert_eq(seen, 0);
    expect_failed(qs, "values");
    qs = dorm_values_flat(books(), "title");
    cr_assert_null(dorm_rows(qs, NULL));
    expect_failed(qs, "values_list(flat=True)");
    qs = books();
    cr_assert_lt(dorm_len(qs), 0);
    expect_failed(qs, "len");
    qs = books();
    cr_assert_lt(dorm_count(qs), 0);
    expect_failed(qs, "count");
    qs = books();
    cr_assert_lt(dorm_exists(qs), 0);
    expect_failed(qs, "exists");
    qs = books();
    cr_assert_null(dorm_first(qs));
    expect_failed(qs, "first");
    qs = books();
    cr_assert_null(dorm_last(qs));
    expect_failed(qs, "last");
    qs = books();
    cr_assert_null(dorm_get(qs, DQ("title", "Emma")));
    expect_failed(qs, "get");
    qs = books();
    cr_assert_null(dorm_latest(qs, "pages"));
    expect_failed(qs, "latest");
    qs = books();
    cr_assert_null(dorm_in_bulk(qs, NULL, 0));
    expect_failed(qs, "in_bulk");
    qs = books();
    cr_assert_null(dorm_aggregate(qs, DAS("n", DSum("pages"))));
    expect_failed(qs, "aggregate");
    qs = books();
    dorm_iter *it = dorm_iterator(qs, 2);
    cr_assert_null(dorm_next(it));
    cr_assert_lt(dorm_iter_errcode(it), 0);
    expect_failed(qs, "iterator");
    /* Django runs a query again after its evaluation raised: so does dorm,
     * and a QuerySet made from the failed one is not failed. */
    move_books(false);
    dorm_qs *fic = dorm_filter(qs, DQ("genre", "FIC"));
    cr_assert_eq(dorm_qs_errcode(fic), DORM_OK, "%s", dorm_qs_errmsg(fic));
    cr_assert_eq(dorm_count(fic), 6, "%s", dorm_errmsg(T.cx));
    seen = 0;
    DORM_EACH(Book, b, qs) seen++;
    cr_assert_eq(seen, 8, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_qs_errcode(qs), DORM_OK, "%s", dorm_qs_errmsg(qs));
    cr_assert_str_eq(dorm_qs_errmsg(qs), "");
}

/* A statement prepared and cached by an earlier query fails when it runs. */
Test(fetch_errors, a_cached_statement_that_fails_when_run) {
    cr_assert_eq(dorm_len(books()), 8);
    move_books(true);
    dorm_qs *qs = books();
    int seen = 0;
    DORM_EACH(Book, b, qs) seen++;
    cr_assert_eq(seen, 0);
    expect_failed(qs, "DORM_EACH");
    move_books(false);
}

/* A streaming iteration that failed to start tells it on its QuerySet, and
 * one that ends well clears what the QuerySet said. */
Test(fetch_errors, iterator_begins_and_ends) {
    dorm_qs *qs = books();
    move_books(true);
    cr_assert_null(dorm_next(dorm_iterator(qs, 0)));
    expect_failed(qs, "iterator");
    move_books(false);
    dorm_iter *it = dorm_iterator(qs, 3);
    size_t n = 0;
    cr_assert_not_null(dorm_next(it), "%s", dorm_errmsg(T.cx));
    n++;
    cr_assert_eq(dorm_qs_errcode(qs), DORM_OK, "a running iteration is a new fetch");
    while (dorm_next(it)) n++;
    cr_assert_eq(n, 8);
    cr_assert_eq(dorm_iter_errcode(it), DORM_OK);
    cr_assert_eq(dorm_qs_errcode(qs), DORM_OK);
}

/* A building error stays the QuerySet's own, whatever its fetches say. */
Test(fetch_errors, a_failed_queryset_keeps_its_error) {
    dorm_qs *qs = dorm_filter(books(), DQ("nme", "x"));
    cr_assert_null(dorm_list(qs, NULL));
    cr_assert_eq(dorm_qs_errcode(qs), DORM_EFIELD);
    cr_assert_eq(dorm_count(qs), DORM_EFIELD);
    cr_assert_eq(dorm_qs_errcode(qs), DORM_EFIELD);
    cr_assert(strncmp(dorm_qs_errmsg(qs), "Cannot resolve keyword 'nme'", 28) == 0, "%s", dorm_qs_errmsg(qs));
}

/* A function no backend has: the SQL fails when the database prepares it. */
static const dorm_func_def missing = {
    .name = "Missing", .min_args = 1, .max_args = 1, .output = DORM_KIND_INT, .sql = "NO_SUCH_FUNCTION(%1)"};

static const dorm_app missing_app = {
    .label = "library",
    .models = DORM_MODELS(&Author_model, &Book_model, &Everything_model),
    .sql_functions = DORM_FUNCS(&missing),
};

static void open_missing(void) {
    test_db_open_apps((const dorm_app *const[]){&missing_app, NULL});
    test_db_catalogue();
}

/* A suite of its own: a test's .init runs after its suite's, not instead. */
Test(fetch_errors_sql, a_function_the_database_lacks, .init = open_missing, .fini = test_db_close) {
    dorm_qs *qs = dorm_annotate(books(), DAS("m", DFunc("Missing", "pages")));
    cr_assert_eq(dorm_qs_errcode(qs), DORM_OK, "%s", dorm_qs_errmsg(qs));
    int seen = 0;
    DORM_EACH(Book, b, qs) seen++;
    cr_assert_eq(seen, 0);
    expect_failed(qs, "DORM_EACH");
    qs = dorm_values_list(qs, "title", "m");
    seen = 0;
    DORM_EACH_ROW(r, qs) seen++;
    cr_assert_eq(seen, 0);
    expect_failed(qs, "values_list");
    qs = dorm_filter(books(), DQ("genre", "FIC"));
    cr_assert_null(dorm_aggregate(qs, DAS("m", DMax(DFunc("Missing", "pages")))));
    expect_failed(qs, "aggregate");
}
