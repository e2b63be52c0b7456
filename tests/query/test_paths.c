/* test_paths.c - lookup paths that are wrong, in Django 3.2's words: typos
 * with its "perhaps you meant ...?", a path ending in "__", a typo after a
 * relation, conditions on annotations (HAVING), bad list and QuerySet values; and
 * transforms in values(), which work as in filter(). */
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

TestSuite(paths, .init = catalogue, .fini = test_db_close);

/* qs failed with `code` and exactly `msg`, and fetching it says so again. */
static void expect_qs_error(dorm_qs *qs, int code, const char *msg) {
    cr_assert_not_null(qs);
    cr_assert_eq(dorm_qs_errcode(qs), code, "%d: %s", dorm_qs_errcode(qs), dorm_qs_errmsg(qs));
    cr_assert_str_eq(dorm_qs_errmsg(qs), msg);
    cr_assert_lt(dorm_count(qs), 0);
    cr_assert_eq(dorm_errcode(T.cx), code);
    cr_assert_str_eq(dorm_errmsg(T.cx), msg);
}

static void expect_field_error(dorm_qs *qs, const char *msg) { expect_qs_error(qs, DORM_EFIELD, msg); }

#define UNSUPPORTED(lookup, field, rest) \
    "Unsupported lookup '" lookup "' for " field " or join on the field not permitted" rest

Test(paths, lookup_typos_get_djangos_suggestions) {
    expect_field_error(dorm_filter(books(), DQ("title__icontain", "x")),
                       UNSUPPORTED("icontain", "CharField", ", perhaps you meant icontains or contains?"));
    expect_field_error(dorm_filter(books(), DQ("title__contain", "x")),
                       UNSUPPORTED("contain", "CharField", ", perhaps you meant contains or icontains?"));
    expect_field_error(dorm_filter(books(), DQ("title__start", "x")),
                       UNSUPPORTED("start", "CharField", ", perhaps you meant startswith or istartswith?"));
    expect_field_error(dorm_filter(books(), DQ("title__ex", "x")), UNSUPPORTED("ex", "CharField", "."));
    expect_field_error(dorm_filter(books(), DQ("publication_date__yea", 1)),
                       UNSUPPORTED("yea", "DateField", ", perhaps you meant year?"));
    expect_field_error(dorm_filter(books(), DQ("publication_date__yeer__gt", 1)),
                       UNSUPPORTED("yeer", "DateField", ", perhaps you meant year?"));
    expect_field_error(dorm_filter(books(), DQ("publication_date__year__gtx", 1)),
                       UNSUPPORTED("gtx", "IntegerField", ", perhaps you meant gt or gte?"));
    expect_field_error(dorm_filter(books(), DQ("pages__lt3", 1)),
                       UNSUPPORTED("lt3", "PositiveIntegerField", ", perhaps you meant lt or lte?"));
    expect_field_error(dorm_filter(books(), DQ("pages__i", 1)),
                       UNSUPPORTED("i", "PositiveIntegerField", ", perhaps you meant in?"));
    expect_field_error(dorm_filter(books(), DQ("pages__gt__lt", 1)),
                       UNSUPPORTED("gt", "PositiveIntegerField", ", perhaps you meant gt or gte?"));
    expect_field_error(dorm_exclude(books(), DQ("title__icontain", "x")),
                       UNSUPPORTED("icontain", "CharField", ", perhaps you meant icontains or contains?"));
}

/* Django says "Related Field got invalid lookup: nmae"; dorm lists the
 * related model's fields unless the word looks like a lookup. */
Test(paths, a_typo_after_a_relation_lists_its_fields) {
    const char *author_choices = "Choices are: biography, birth_date, books, id, name";
    char msg[256];
    snprintf(msg, sizeof msg, "Cannot resolve keyword 'nmae' into field. %s", author_choices);
    expect_field_error(dorm_filter(books(), DQ("author__nmae", "x")), msg);
    expect_field_error(dorm_exclude(books(), DQ("author__nmae", "x")), msg);
    expect_field_error(dorm_filter(books(), DQ("author__nmae__exact", "x")), msg);
    expect_field_error(dorm_filter(books(), DQ("author__isnul", true)), "Related Field got invalid lookup: isnul");
    expect_field_error(dorm_filter(books(), DQ("author__exac", 1)), "Related Field got invalid lookup: exac");
    expect_field_error(
        dorm_filter(authors(), DQ("books__titl", "x")),
        "Cannot resolve keyword 'titl' into field. Choices are: author, author_id, genre, id, isbn, pages, "
        "publication_date, title");
    expect_field_error(dorm_filter(authors(), DQ("books__isnul", true)), "Related Field got invalid lookup: isnul");
}

/* A path ending in "__" (Django's FieldError; dorm crashed after a relation
 * and ignored the separator after a field). */
Test(paths, a_trailing_separator_is_an_error) {
    expect_field_error(dorm_filter(books(), DQ("author__books__", 1)), "Related Field got invalid lookup: ");
    expect_field_error(dorm_exclude(books(), DQ("author__books__", 1)), "Related Field got invalid lookup: ");
    expect_field_error(dorm_filter(books(), DQ("author__", 1)), "Related Field got invalid lookup: ");
    expect_field_error(dorm_filter(authors(), DQ("books__", 1)), "Related Field got invalid lookup: ");
    expect_field_error(dorm_exclude(authors(), DQ("books__", 1)), "Related Field got invalid lookup: ");
    expect_field_error(dorm_filter(books(), DQ("title__", "x")), UNSUPPORTED("", "CharField", "."));
    expect_field_error(dorm_filter(books(), DQ("author__name__", "x")), UNSUPPORTED("", "CharField", "."));
    expect_field_error(dorm_filter(books(), DQ("title____exact", "x")), UNSUPPORTED("", "CharField", "."));
    expect_field_error(dorm_filter(books(), DQ("__title", "x")),
                       "Cannot resolve keyword '' into field. Choices are: author, author_id, genre, id, isbn, pages, "
                       "publication_date, title");
    expect_field_error(dorm_order_by(books(), "title__"),
                       "Cannot resolve keyword '' into field. Join on 'title' not permitted.");
    expect_field_error(dorm_values(books(), "title__"),
                       "Cannot resolve keyword '' into field. Join on 'title' not permitted.");
    expect_field_error(dorm_values(books(), "author__"),
                       "Cannot resolve keyword '' into field. Choices are: biography, birth_date, books, id, name");
    expect_field_error(dorm_order_by(books(), "author__"),
                       "Cannot resolve keyword '' into field. Choices are: biography, birth_date, books, id, name");
    expect_field_error(dorm_annotate(authors(), DAS("n", DCount("books__"))),
                       "Cannot resolve keyword '' into field. Choices are: author, author_id, genre, id, isbn, pages, "
                       "publication_date, title");
}

static bool on_sqlite(void) { return strncmp(test_db_url(), "sqlite", 6) == 0; }

/* Django 3.2's SQL for qs, on SQLite. */
static void expect_sql(dorm_qs *qs, const char *sql) {
    const char *got = dorm_qs_sql(qs, NULL);
    cr_assert_not_null(got, "%s", dorm_errmsg(T.cx));
    if (on_sqlite()) cr_assert_str_eq(got, sql);
}

#define AUTHORS_N                                                                                                   \
    "SELECT \"library_author\".\"id\", \"library_author\".\"name\", \"library_author\".\"birth_date\", "            \
    "\"library_author\".\"biography\", COUNT(\"library_book\".\"id\") AS \"n\" FROM \"library_author\" LEFT OUTER " \
    "JOIN "                                                                                                         \
    "\"library_book\" ON (\"library_author\".\"id\" = \"library_book\".\"author_id\")"
#define AUTHOR_GROUP                                                                                        \
    " GROUP BY \"library_author\".\"id\", \"library_author\".\"name\", \"library_author\".\"birth_date\", " \
    "\"library_author\".\"biography\""

/* Conditions on aggregate annotations go to HAVING (Django's split_having):
 * an OR or a NOT holding one goes there whole, an AND is split. */
Test(paths, conditions_on_aggregates_are_having) {
    dorm_qs *annotated = dorm_annotate(authors(), DAS("n", DCount("books")));
    dorm_qs *qs = dorm_filter(annotated, DQ("n__gte", 3));
    expect_sql(qs, AUTHORS_N AUTHOR_GROUP " HAVING COUNT(\"library_book\".\"id\") >= ?");
    cr_assert_eq(dorm_count(qs), 2, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_count(dorm_filter(annotated, DQ("n", 2))), 1);
    qs = dorm_exclude(annotated, DQ("n__gte", 3));
    expect_sql(qs, AUTHORS_N AUTHOR_GROUP " HAVING NOT (COUNT(\"library_book\".\"id\") >= ?)");
    cr_assert_eq(dorm_count(qs), 1);
    qs = dorm_filter(annotated, dorm_or(DQ("name", "x"), DQ("n__lt", 3)));
    expect_sql(
        qs, AUTHORS_N AUTHOR_GROUP " HAVING (\"library_author\".\"name\" = ? OR COUNT(\"library_book\".\"id\") < ?)");
    cr_assert_eq(dorm_count(qs), 1);
    qs = dorm_filter(annotated, DQ("n__gte", 3), DQ("name__startswith", "J"));
    expect_sql(qs,
               AUTHORS_N " WHERE \"library_author\".\"name\" GLOB ?" AUTHOR_GROUP
                         " HAVING COUNT(\"library_book\".\"id\") >= ?");
    cr_assert_eq(dorm_count(qs), 1);
    cr_assert_eq(dorm_count(dorm_filter(annotated, DQ("n__in", DLIST(2, 4)))), 1);
    /* F() of an aggregate compares in HAVING too. */
    qs = dorm_filter(annotated, DQ("id__lt", dorm_F("n")));
    expect_sql(qs, AUTHORS_N AUTHOR_GROUP " HAVING \"library_author\".\"id\" < COUNT(\"library_book\".\"id\")");
    cr_assert_eq(dorm_count(qs), 2);
    /* Outside an aggregating query an aggregate cannot be compared with. */
    expect_qs_error(dorm_filter(books(), DQ("pages__gt", DAvg("pages"))), DORM_EFIELD,
                    "Cannot filter 'pages__gt' against an aggregate: the query is not grouped (annotate() the "
                    "aggregate and filter on its alias).");
    /* A plain annotation compiles into WHERE, written out again as Django does. */
    dorm_qs *plus = dorm_annotate(books(), DAS("more", dorm_add(dorm_F("pages"), 1)));
    cr_assert_eq(dorm_count(dorm_filter(plus, DQ("pages__lt", dorm_F("more")))), 8, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_count(dorm_filter(plus, DQ("more__gt", 400))), 2, "%s", dorm_errmsg(T.cx));
}

Test(paths, a_null_queryset_in_in_is_a_value_error) {
    dorm_qs *none = NULL;
    expect_qs_error(dorm_filter(authors(), DQ("books__in", none)), DORM_EVALUE,
                    "The QuerySet given for 'books__in' is NULL (a dorm call that built it failed).");
    expect_qs_error(dorm_filter(books(), DQ("pk__in", none)), DORM_EVALUE,
                    "The QuerySet given for 'pk__in' is NULL (a dorm call that built it failed).");
}

Test(paths, a_list_at_null_is_refused) {
    expect_qs_error(dorm_filter(books(), DQ("pk__in", dorm_v_list(NULL, 3))), DORM_EVALUE,
                    "The value of 'pk__in' is a list of 3 items at a NULL pointer.");
    expect_qs_error(dorm_exclude(books(), DQ("pages__range", dorm_v_list(NULL, 2))), DORM_EVALUE,
                    "The value of 'pages__range' is a list of 2 items at a NULL pointer.");
    /* An empty list may have no items pointer: it matches nothing. */
    cr_assert_eq(dorm_count(dorm_filter(books(), DQ("pk__in", dorm_v_list(NULL, 0)))), 0, "%s", dorm_errmsg(T.cx));
}

Test(paths, transforms_in_values_work_as_in_filter) {
    dorm_qs *qs = dorm_order_by(dorm_values(books(), "title", "publication_date__year"), "publication_date");
    size_t n;
    const dorm_row **rows = dorm_rows(qs, &n);
    cr_assert_not_null(rows, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(n, 8);
    const dorm_value *y = dorm_row_get(rows[0], "publication_date__year");
    cr_assert_not_null(y);
    cr_assert_eq(y->type, DORM_T_INT);
    cr_assert_eq(y->u.i, 1813);
    cr_assert_str_eq(dorm_row_get(rows[0], "title")->u.s, "Pride and Prejudice");
    rows = dorm_rows(dorm_order_by(dorm_values_flat(books(), "publication_date__month"), "publication_date"), &n);
    cr_assert_not_null(rows, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(rows[1]->values[0].u.i, 12);
    /* A subquery selecting a transform. */
    dorm_qs *years = dorm_values_flat(dorm_filter(books(), DQ("title", "Emma")), "publication_date__year");
    cr_assert_eq(dorm_count(dorm_filter(books(), DQ("publication_date__year__in", years))), 1, "%s", dorm_errmsg(T.cx));
    /* Lookups name no column, as in Django. */
    expect_field_error(dorm_values(books(), "title__exact"),
                       "Cannot resolve keyword 'exact' into field. Join on 'title' not permitted.");
    expect_field_error(dorm_values(books(), "title__lower"),
                       "Cannot resolve keyword 'lower' into field. Join on 'title' not permitted.");
    expect_field_error(dorm_values(books(), "publication_date__year__gt"),
                       "Cannot resolve keyword 'gt' into field. Join on 'publication_date' not permitted.");
}
