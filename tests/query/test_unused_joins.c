/* test_unused_joins.c - joins that order_by() and select_related() made and
 * nothing uses any more (a cleared ordering, values(), count(), a pk__in
 * subquery) are not written: Django 3.2's SQL of each on SQLite, PostgreSQL
 * and MariaDB and its row counts (a leftover LEFT JOIN repeats rows). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "testdb.h"

static void catalogue(void) {
    test_db_open();
    test_db_catalogue();
}

TestSuite(unused_joins, .init = catalogue, .fini = test_db_close);

static dorm_qs *books(void) { return dorm_all(T.cx, Book); }
static dorm_qs *authors(void) { return dorm_all(T.cx, Author); }

/* Checks the SQL of qs (the same on the three backends but for quoting and
 * placeholders) and how many rows it returns. */
/* One SQLite text; PostgreSQL's and MariaDB's are derived from it. */
static void expect_sql(const char *name, dorm_qs *qs, const char *sql) {
    test_expect_qs_sql(name, qs, sql, NULL, NULL);
}

static void expect(const char *name, dorm_qs *qs, const char *sql, size_t rows) {
    expect_sql(name, qs, sql);
    size_t n = 0;
    cr_assert_not_null(dorm_rows(qs, &n), "%s: %s", name, dorm_errmsg(T.cx));
    cr_expect_eq(n, rows, "%s: %zu rows, Django's %zu", name, n, rows);
}

/* The last statement the database was given. */
static char last[1024];

static void record(const char *sql, const char *params, double seconds, void *payload) {
    (void)params, (void)seconds, (void)payload;
    snprintf(last, sizeof last, "%s", sql);
}

/* Checks count() of qs and the statement it ran. */
static void expect_count(const char *name, dorm_qs *qs, const char *sql, int64_t count) {
    last[0] = '\0';
    dorm_db_set_log(T.db, record, NULL);
    int64_t n = dorm_count(qs);
    dorm_db_set_log(T.db, NULL, NULL);
    cr_expect_eq(n, count, "%s: %lld, Django's %lld", name, (long long)n, (long long)count);
    test_expect_sql(name, last, sql, NULL, NULL);
}

/* The Author ordering made by a relation, cleared. */
static dorm_qs *cleared(void) { return dorm_clear_ordering(dorm_order_by(authors(), "books__title")); }

#define A "\"library_author\""
#define B "\"library_book\""
#define BOOK_DATE " ORDER BY " B ".\"publication_date\" DESC"

Test(unused_joins, cleared_ordering) {
    expect("cleared_values", dorm_values(cleared(), "id"), "SELECT " A ".\"id\" FROM " A, 3);
    dorm_qs *qs = cleared();
    expect_sql("cleared_objects", qs,
               "SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\" FROM " A);
    size_t n = 0;
    cr_assert_not_null(dorm_list(qs, &n), "%s", dorm_errmsg(T.cx));
    cr_expect_eq(n, 3, "cleared_objects: %zu authors", n);
    expect("cleared_distinct", dorm_values(dorm_distinct(cleared()), "id"), "SELECT DISTINCT " A ".\"id\" FROM " A, 3);
}

Test(unused_joins, values_after_ordering) {
    dorm_qs *qs = dorm_clear_ordering(dorm_values(dorm_order_by(authors(), "books__title"), "id"));
    expect("values_cleared", qs, "SELECT " A ".\"id\" FROM " A, 3);
    qs = dorm_clear_ordering(dorm_values_flat(dorm_order_by(authors(), "books__title"), "id"));
    expect("values_flat_cleared", qs, "SELECT " A ".\"id\" FROM " A, 3);
    /* Still ordered by it, the join stays (and repeats authors, as Django's). */
    expect("values_ordered", dorm_values(dorm_order_by(authors(), "books__title"), "id"),
           "SELECT " A ".\"id\" FROM " A " LEFT OUTER JOIN " B " ON (" A ".\"id\" = " B ".\"author_id\") ORDER BY " B
           ".\"title\" ASC",
           8);
}

Test(unused_joins, select_related_then_values) {
    expect("selrel_values", dorm_values(dorm_select_related(books(), "author"), "id"),
           "SELECT " B ".\"id\" FROM " B BOOK_DATE, 8);
    expect("selrel_values_list", dorm_values_list(dorm_select_related(books(), "author"), "title"),
           "SELECT " B ".\"title\" FROM " B BOOK_DATE, 8);
}

Test(unused_joins, filter_joins_stay) {
    /* A filter's multi-valued join is used by WHERE.  Django names it
     * "library_book" (it makes ordering joins only when writing them); dorm
     * T3, the cleared ordering's join having taken the table's name. */
    dorm_qs *qs = dorm_values(dorm_filter(cleared(), DQ("books__pages__gt", 300)), "id");
    size_t n = 0;
    cr_assert_not_null(dorm_rows(qs, &n), "%s", dorm_errmsg(T.cx));
    cr_expect_eq(n, 4, "cleared_then_filter: %zu rows", n);
    const char *sql = test_sql_std(dorm_qs_sql(qs, NULL));
    cr_expect(strstr(sql, " FROM " A " INNER JOIN " B " T3 ON "), "%s", sql);
    cr_expect(!strstr(sql, "LEFT OUTER"), "%s", sql);
}

Test(unused_joins, pk_in_subquery) {
    dorm_qs *qs = dorm_values(dorm_filter(authors(), DQ("pk__in", dorm_values(cleared(), "id"))), "id");
    expect("pk_in_values", qs,
           "SELECT " A ".\"id\" FROM " A " WHERE " A ".\"id\" IN (SELECT U0.\"id\" FROM " A " U0) ORDER BY " A
           ".\"name\" ASC",
           3);
    qs = dorm_values(dorm_filter(books(), DQ("author__in", cleared())), "id");
    expect("fk_in_objects", qs,
           "SELECT " B ".\"id\" FROM " B " WHERE " B ".\"author_id\" IN (SELECT " A ".\"id\" FROM " A ")" BOOK_DATE, 8);
}

Test(unused_joins, count) {
    expect_count("count_cleared", cleared(), "SELECT COUNT(*) AS \"__count\" FROM " A, 3);
    expect_count("count_values", dorm_values(dorm_order_by(authors(), "books__title"), "id"),
                 "SELECT COUNT(*) AS \"__count\" FROM " A, 3);
    expect_count("count_selrel", dorm_select_related(books(), "author"), "SELECT COUNT(*) AS \"__count\" FROM " B, 8);
}
