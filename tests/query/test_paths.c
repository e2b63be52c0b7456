/* test_paths.c - lookup paths that are wrong, in Django 3.2's words: typos
 * with its "perhaps you meant ...?", a path ending in "__", a typo after a
 * relation, conditions on annotations, bad list and QuerySet values; and
 * transforms in values(), which work as in filter(). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "testdb.h"

static dorm_qs *books(void) { return dorm_all(T.cx, Book); }
static dorm_qs *authors(void) { return dorm_all(T.cx, Author); }

static void catalogue(void)
{
    test_db_open();
    test_db_catalogue();
}

TestSuite(paths, .init = catalogue, .fini = test_db_close);

/* qs failed with `code` and exactly `msg`, and fetching it says so again. */
static void expect_qs_error(dorm_qs *qs, int code, const char *msg)
{
    cr_assert_not_null(qs);
    cr_assert_eq(dorm_qs_errcode(qs), code, "%d: %s", dorm_qs_errcode(qs), dorm_qs_errmsg(qs));
    cr_assert_str_eq(dorm_qs_errmsg(qs), msg);
    cr_assert_eq(dorm_count(qs), -1);
    cr_assert_eq(dorm_errcode(T.cx), code);
    cr_assert_str_eq(dorm_errmsg(T.cx), msg);
}

static void expect_field_error(dorm_qs *qs, const char *msg) { expect_qs_error(qs, DORM_EFIELD, msg); }

#define UNSUPPORTED(lookup, field, rest) "Unsupported lookup '" lookup "' for " field " or join on the field not permitted" rest

Test(paths, lookup_typos_get_djangos_suggestions)
{
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
Test(paths, a_typo_after_a_relation_lists_its_fields)
{
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
Test(paths, a_trailing_separator_is_an_error)
{
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
    expect_field_error(dorm_order_by(books(), "title__"), "Cannot resolve keyword '' into field. Join on 'title' not permitted.");
    expect_field_error(dorm_values(books(), "title__"), "Cannot resolve keyword '' into field. Join on 'title' not permitted.");
    expect_field_error(dorm_values(books(), "author__"),
                       "Cannot resolve keyword '' into field. Choices are: biography, birth_date, books, id, name");
    expect_field_error(dorm_order_by(books(), "author__"),
                       "Cannot resolve keyword '' into field. Choices are: biography, birth_date, books, id, name");
    expect_field_error(dorm_annotate(authors(), DAS("n", DCount("books__"))),
                       "Cannot resolve keyword '' into field. Choices are: author, author_id, genre, id, isbn, pages, "
                       "publication_date, title");
}

Test(paths, conditions_on_annotations_are_not_supported_yet)
{
    const char *msg = "Filtering on the annotation 'n' is not supported yet (conditions on annotations need HAVING, "
                      "which dorm does not implement).";
    dorm_qs *annotated = dorm_annotate(authors(), DAS("n", DCount("books")));
    expect_qs_error(dorm_filter(annotated, DQ("n__gt", 1)), DORM_ENOTSUPPORTED, msg);
    expect_qs_error(dorm_filter(annotated, DQ("n", 1)), DORM_ENOTSUPPORTED, msg);
    expect_qs_error(dorm_exclude(annotated, DQ("n", 1)), DORM_ENOTSUPPORTED, msg);
    expect_qs_error(dorm_filter(annotated, dorm_or(DQ("name", "x"), DQ("n__lt", 1))), DORM_ENOTSUPPORTED, msg);
    /* F() of an aggregate would compile the aggregate into WHERE. */
    expect_qs_error(dorm_filter(annotated, DQ("id__lt", dorm_F("n"))), DORM_EFIELD,
                    "Cannot filter 'id__lt' against an aggregate: filtering on aggregates (HAVING) is not supported "
                    "yet.");
    expect_qs_error(dorm_filter(books(), DQ("pages__gt", DAvg("pages"))), DORM_EFIELD,
                    "Cannot filter 'pages__gt' against an aggregate: filtering on aggregates (HAVING) is not "
                    "supported yet.");
    /* A plain annotation in F() compiles into WHERE as Django does. */
    dorm_qs *plus = dorm_annotate(books(), DAS("more", dorm_add(dorm_F("pages"), 1)));
    cr_assert_eq(dorm_count(dorm_filter(plus, DQ("pages__lt", dorm_F("more")))), 8, "%s", dorm_errmsg(T.cx));
}

Test(paths, a_null_queryset_in_in_is_a_value_error)
{
    dorm_qs *none = NULL;
    expect_qs_error(dorm_filter(authors(), DQ("books__in", none)), DORM_EVALUE,
                    "The QuerySet given for 'books__in' is NULL (a dorm call that built it failed).");
    expect_qs_error(dorm_filter(books(), DQ("pk__in", none)), DORM_EVALUE,
                    "The QuerySet given for 'pk__in' is NULL (a dorm call that built it failed).");
}

Test(paths, a_list_at_null_is_refused)
{
    expect_qs_error(dorm_filter(books(), DQ("pk__in", dorm_v_list(NULL, 3))), DORM_EVALUE,
                    "The value of 'pk__in' is a list of 3 items at a NULL pointer.");
    expect_qs_error(dorm_exclude(books(), DQ("pages__range", dorm_v_list(NULL, 2))), DORM_EVALUE,
                    "The value of 'pages__range' is a list of 2 items at a NULL pointer.");
    /* An empty list may have no items pointer: it matches nothing. */
    cr_assert_eq(dorm_count(dorm_filter(books(), DQ("pk__in", dorm_v_list(NULL, 0)))), 0, "%s", dorm_errmsg(T.cx));
}

Test(paths, transforms_in_values_work_as_in_filter)
{
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
