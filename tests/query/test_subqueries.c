/* test_subqueries.c - Subquery, OuterRef (one and two levels out) and
 * Exists in annotate(), filter() and order_by(), __in with a values()
 * QuerySet, and a subquery inside an aggregate: Django 3.2's SQL (its U0 /
 * V0 aliases) and rows, and its errors. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "testdb.h"

static dorm_qs *books(void) { return dorm_all(T.cx, Book); }
static dorm_qs *authors(void) { return dorm_all(T.cx, Author); }

static void catalogue(void) {
    test_db_open();
    test_db_catalogue();
}

TestSuite(subqueries, .init = catalogue, .fini = test_db_close);

static bool on_sqlite(void) { return strncmp(test_db_url(), "sqlite", 6) == 0; }

static void expect_sql(dorm_qs *qs, const char *sql) {
    const char *got = dorm_qs_sql(qs, NULL);
    cr_assert_not_null(got, "%s", dorm_errmsg(T.cx));
    if (on_sqlite()) cr_assert_str_eq(got, sql);
}

/* The names of the authors of qs, joined by ", ". */
static const char *names(dorm_qs *qs) {
    static char out[512];
    size_t n, used = 0;
    Author **a = (Author **)dorm_list(qs, &n);
    cr_assert_not_null(a, "%s", dorm_errmsg(T.cx));
    out[0] = '\0';
    for (size_t i = 0; i < n; i++)
        used += (size_t)snprintf(out + used, sizeof out - used, "%s%s", i ? ", " : "", a[i]->name);
    return out;
}

#define B "\"library_book\""
#define A "\"library_author\""
#define AUTHOR_COLUMNS "SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\""

Test(subqueries, subquery_annotation) {
    dorm_qs *latest = dorm_order_by(dorm_filter(books(), DQ("author", DOuterRef("pk"))), "-publication_date", "-id");
    dorm_qs *qs = dorm_order_by(
        dorm_annotate(authors(), DAS("last_title", DSubquery(dorm_slice(dorm_values(latest, "title"), 0, 1)))), "name");
    expect_sql(qs,
               AUTHOR_COLUMNS ", (SELECT U0.\"title\" FROM " B " U0 WHERE U0.\"author_id\" = " A
                              ".\"id\" ORDER BY U0.\"publication_date\" DESC, U0.\"id\" DESC LIMIT 1) AS "
                              "\"last_title\" FROM " A " ORDER BY " A ".\"name\" ASC");
    size_t n;
    Author **a = (Author **)dorm_list(qs, &n);
    cr_assert_not_null(a, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(n, 3);
    cr_assert_str_eq(dorm_annotation(a[0], "last_title")->u.s, "1984");
    cr_assert_str_eq(dorm_annotation(a[1], "last_title")->u.s, "On Fairy-Stories");
    cr_assert_str_eq(dorm_annotation(a[2], "last_title")->u.s, "Persuasion");
    /* As an order key. */
    qs = dorm_order_by(authors(), DDesc(DSubquery(dorm_slice(dorm_values(latest, "pages"), 0, 1))));
    expect_sql(qs,
               AUTHOR_COLUMNS " FROM " A " ORDER BY (SELECT U0.\"pages\" FROM " B " U0 WHERE U0.\"author_id\" = " A
                              ".\"id\" ORDER BY U0.\"publication_date\" DESC, U0.\"id\" DESC LIMIT 1) DESC");
    cr_assert_str_eq(names(qs), "George Orwell, Jane Austen, J.R.R. Tolkien");
}

Test(subqueries, subquery_filter_value) {
    dorm_qs *longest = dorm_slice(
        dorm_values(dorm_order_by(dorm_filter(books(), DQ("author", DOuterRef("author"))), "-pages"), "pk"), 0, 1);
    dorm_qs *qs = dorm_order_by(dorm_filter(books(), DQ("pk", DSubquery(longest))), "title");
    expect_sql(qs,
               "SELECT " B ".\"id\", " B ".\"title\", " B ".\"author_id\", " B ".\"publication_date\", " B
               ".\"isbn\", " B ".\"genre\", " B ".\"pages\" FROM " B " WHERE " B ".\"id\" = (SELECT U0.\"id\" FROM " B
               " U0 WHERE U0.\"author_id\" = " B ".\"author_id\" ORDER BY U0.\"pages\" DESC LIMIT 1) ORDER BY " B
               ".\"title\" ASC");
    size_t n;
    Book **b = (Book **)dorm_list(qs, &n);
    cr_assert_not_null(b, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(n, 3);
    cr_assert_str_eq(b[0]->title, "1984");
    cr_assert_str_eq(b[1]->title, "Emma");
    cr_assert_str_eq(b[2]->title, "The Hobbit");
    /* __in with a values() QuerySet, or a Subquery of one. */
    dorm_qs *his = dorm_values(dorm_filter(books(), DQ("genre", "HIS")), "author");
    const char *want = AUTHOR_COLUMNS " FROM " A " WHERE " A ".\"id\" IN (SELECT U0.\"author_id\" FROM " B
                                      " U0 WHERE U0.\"genre\" = ?) ORDER BY " A ".\"name\" ASC";
    expect_sql(dorm_order_by(dorm_filter(authors(), DQ("pk__in", his)), "name"), want);
    expect_sql(dorm_order_by(dorm_filter(authors(), DQ("pk__in", DSubquery(his))), "name"), want);
    cr_assert_str_eq(names(dorm_filter(authors(), DQ("pk__in", DSubquery(his)))), "George Orwell");
}

Test(subqueries, exists) {
    dorm_qs *long_books = dorm_filter(books(), DQ("author", DOuterRef("pk")), DQ("pages__gt", 400));
    dorm_qs *qs = dorm_order_by(dorm_filter(authors(), DQE(DExists(long_books))), "name");
    expect_sql(qs,
               AUTHOR_COLUMNS " FROM " A " WHERE EXISTS(SELECT (1) AS \"a\" FROM " B " U0 WHERE (U0.\"author_id\" = " A
                              ".\"id\" AND U0.\"pages\" > ?) LIMIT 1) ORDER BY " A ".\"name\" ASC");
    cr_assert_str_eq(names(qs), "Jane Austen");
    qs = dorm_order_by(dorm_filter(authors(), dorm_not(DQE(DExists(long_books)))), "name");
    expect_sql(qs,
               AUTHOR_COLUMNS " FROM " A " WHERE NOT EXISTS(SELECT (1) AS \"a\" FROM " B
                              " U0 WHERE (U0.\"author_id\" = " A ".\"id\" AND U0.\"pages\" > ?) LIMIT 1) ORDER BY " A
                              ".\"name\" ASC");
    cr_assert_str_eq(names(qs), "George Orwell, J.R.R. Tolkien");
    qs = dorm_order_by(dorm_annotate(authors(), DAS("big", DExists(long_books))), "name");
    expect_sql(qs,
               AUTHOR_COLUMNS ", EXISTS(SELECT (1) AS \"a\" FROM " B " U0 WHERE (U0.\"author_id\" = " A
                              ".\"id\" AND U0.\"pages\" > ?) LIMIT 1) AS \"big\" FROM " A " ORDER BY " A
                              ".\"name\" ASC");
    size_t n;
    Author **a = (Author **)dorm_list(qs, &n);
    cr_assert_not_null(a, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_annotation(a[0], "big")->type, DORM_T_BOOL);
    cr_assert(!dorm_annotation(a[0], "big")->u.b);
    cr_assert(dorm_annotation(a[2], "big")->u.b);
    /* An Exists of nothing: filter matches no row, ~Exists every row. */
    dorm_qs *none = dorm_none(dorm_filter(books(), DQ("author", DOuterRef("pk"))));
    cr_assert_eq(dorm_count(dorm_filter(authors(), DQE(DExists(none)))), 0);
    cr_assert_eq(dorm_count(dorm_filter(authors(), dorm_not(DQE(DExists(none))))), 3);
}

/* OuterRef(OuterRef()) two levels out: the middle query's aliases are V0,
 * as Django bumps them past its own subquery's U. */
Test(subqueries, two_levels_out) {
    dorm_qs *same_genre =
        dorm_filter(books(), DQ("author", DOuterRef("pk")), DQ("genre", DOuterRef(DOuterRef("genre"))));
    dorm_qs *writers = dorm_filter(authors(), DQE(DExists(same_genre)));
    dorm_qs *qs = dorm_filter(books(), DQ("author__in", writers));
    expect_sql(qs,
               "SELECT " B ".\"id\", " B ".\"title\", " B ".\"author_id\", " B ".\"publication_date\", " B
               ".\"isbn\", " B ".\"genre\", " B ".\"pages\" FROM " B " WHERE " B
               ".\"author_id\" IN (SELECT V0.\"id\" FROM " A " V0 WHERE EXISTS(SELECT (1) AS \"a\" FROM " B
               " U0 WHERE (U0.\"author_id\" = V0.\"id\" AND U0.\"genre\" = " B ".\"genre\") LIMIT 1)) ORDER BY " B
               ".\"publication_date\" DESC");
    cr_assert_eq(dorm_count(qs), 8);
    /* The middle query alone still waits for its outer query. */
    cr_assert_lt(dorm_count(writers), 0);
    cr_assert_str_eq(dorm_errmsg(T.cx),
                     "This queryset contains a reference to an outer query and may only be used in a subquery.");
}

Test(subqueries, inside_aggregates_and_errors) {
    dorm_qs *per = dorm_values(dorm_annotate(dorm_values(dorm_filter(books(), DQ("author", DOuterRef("pk"))), "author"),
                                             DAS("c", DCount("id"))),
                               "c");
    dorm_qs *qs = dorm_order_by(dorm_annotate(authors(), DAS("n", DCoalesce(DSubquery(per), 0))), "name");
    expect_sql(qs,
               AUTHOR_COLUMNS ", COALESCE((SELECT COUNT(U0.\"id\") AS \"c\" FROM " B " U0 WHERE U0.\"author_id\" = " A
                              ".\"id\" GROUP BY U0.\"author_id\"), ?) AS \"n\" FROM " A " ORDER BY " A ".\"name\" ASC");
    const dorm_row *r = dorm_aggregate(dorm_annotate(authors(), DAS("n", DCoalesce(DSubquery(per), 0))),
                                       DAS("t", DSum("n")), DAS("m", DMax("n")));
    cr_assert_not_null(r, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_row_get(r, "t")->u.i, 8);
    cr_assert_eq(dorm_row_get(r, "m")->u.i, 3);
    /* A QuerySet with an OuterRef runs only as a subquery. */
    cr_assert_null(dorm_list(dorm_filter(books(), DQ("author", DOuterRef("pk"))), NULL));
    cr_assert_str_eq(dorm_errmsg(T.cx),
                     "This queryset contains a reference to an outer query and may only be used in a subquery.");
    /* A subquery selects one column. */
    dorm_qs *bad = dorm_annotate(
        authors(), DAS("x", DSubquery(dorm_slice(dorm_filter(books(), DQ("author", DOuterRef("pk"))), 0, 1))));
    cr_assert_eq(dorm_qs_errcode(bad), DORM_EVALUE);
    cr_assert_str_eq(dorm_qs_errmsg(bad),
                     "A Subquery must select exactly one column (values() or values_list() with one "
                     "field); this one selects 7.");
}
