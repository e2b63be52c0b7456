/* test_queryset.c - the QuerySet API on the acceptance catalogue: laziness,
 * immutability, the result cache, sticky errors with Django's messages,
 * get / first / last / earliest / latest, reverse, distinct, none, slicing,
 * count / exists / contains / in_bulk / len, values rows and streaming with
 * dorm_iterator. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "backend/db.h"
#include "testdb.h"

static dorm_qs *books(void) { return dorm_all(T.cx, Book); }
static dorm_qs *authors(void) { return dorm_all(T.cx, Author); }

static void catalogue(void) {
    test_db_open();
    test_db_catalogue();
}

static uint64_t queries(void) { return dorm_db_query_count(T.db); }

/* The error on the context is `code` with exactly `msg`. */
static void expect_error(int code, const char *msg) {
    cr_assert_eq(dorm_errcode(T.cx), code, "%d: %s", dorm_errcode(T.cx), dorm_errmsg(T.cx));
    cr_assert_str_eq(dorm_errmsg(T.cx), msg);
}

static const char *title_of(void *obj) {
    cr_assert_not_null(obj, "%s", dorm_errmsg(T.cx));
    return ((Book *)obj)->title;
}

Test(queryset, building_runs_no_query, .init = catalogue, .fini = test_db_close) {
    uint64_t before = queries();
    dorm_qs *qs = dorm_filter(books(), DQ("genre", "FIC"), DQ("author__name__startswith", "J"));
    qs = dorm_exclude(qs, DQ("pages__lt", 250));
    qs = dorm_slice(dorm_reverse(dorm_order_by(qs, "title", "-pages")), 0, 3);
    dorm_qs *vals = dorm_values(qs, "title");
    cr_assert_eq(dorm_qs_errcode(qs), DORM_OK, "%s", dorm_qs_errmsg(qs));
    cr_assert_eq(queries(), before, "building a QuerySet must not touch the database");
    size_t n;
    cr_assert_not_null(dorm_list(qs, &n));
    cr_assert_eq(queries(), before + 1);
    cr_assert_eq(n, 3);
    cr_assert_not_null(dorm_rows(vals, NULL));
    cr_assert_eq(queries(), before + 2);
}

Test(queryset, filter_returns_a_new_queryset, .init = catalogue, .fini = test_db_close) {
    dorm_qs *fic = dorm_filter(books(), DQ("genre", "FIC"));
    const char *sql = dorm_qs_sql(fic, NULL);
    cr_assert_not_null(sql);
    dorm_qs *long_fic = dorm_filter(fic, DQ("pages__gt", 300));
    dorm_qs *sorted = dorm_order_by(fic, "title");
    dorm_qs *sliced = dorm_slice(fic, 0, 1);
    cr_assert(long_fic != fic && sorted != fic && sliced != fic);
    cr_assert_str_eq(dorm_qs_sql(fic, NULL), sql, "chained calls must not change the QuerySet they start from");
    cr_assert_eq(dorm_len(long_fic), 4);
    cr_assert_eq(dorm_len(fic), 6);
    cr_assert_eq(dorm_len(sliced), 1);
    /* A failure in a derived QuerySet does not fail its parent. */
    dorm_qs *bad = dorm_filter(fic, DQ("nme", "x"));
    cr_assert_eq(dorm_qs_errcode(bad), DORM_EFIELD);
    cr_assert_eq(dorm_qs_errcode(fic), DORM_OK);
    cr_assert_eq(dorm_count(fic), 6);
}

Test(queryset, results_are_cached, .init = catalogue, .fini = test_db_close) {
    dorm_qs *qs = dorm_filter(books(), DQ("genre", "FIC"));
    uint64_t before = queries();
    int seen = 0;
    DORM_EACH(Book, b, qs) seen++;
    cr_assert_eq(seen, 6);
    cr_assert_eq(queries(), before + 1);
    Book *first = NULL;
    DORM_EACH(Book, b, qs) {
        if (!first) first = b;
        seen++;
    }
    cr_assert_eq(seen, 12);
    cr_assert_str_eq(first->title, "1984");
    /* len, count and exists read the cache of an evaluated QuerySet. */
    cr_assert_eq(dorm_len(qs), 6);
    cr_assert_eq(dorm_count(qs), 6);
    cr_assert_eq(dorm_exists(qs), 1);
    cr_assert_eq(dorm_contains(qs, first), 1);
    cr_assert_eq(queries(), before + 1, "an evaluated QuerySet must not query again");
    /* A clone does not share the cache. */
    cr_assert_eq(dorm_count(dorm_all(T.cx, Book)), 8);
    cr_assert_eq(queries(), before + 2);
}

Test(queryset, errors_are_sticky, .init = catalogue, .fini = test_db_close) {
    uint64_t before = queries();
    dorm_qs *qs = dorm_filter(books(), DQ("nme", "x"));
    qs = dorm_order_by(dorm_exclude(qs, DQ("title", "y")), "title");
    qs = dorm_values(dorm_slice(qs, 0, 2), "title");
    cr_assert_eq(dorm_qs_errcode(qs), DORM_EFIELD);
    const char *msg =
        "Cannot resolve keyword 'nme' into field. Choices are: author, author_id, genre, id, isbn, pages, "
        "publication_date, title";
    cr_assert_str_eq(dorm_qs_errmsg(qs), msg);
    /* The error's own code, never -1 (which is DORM_EDOESNOTEXIST). */
    cr_assert_eq(dorm_count(qs), DORM_EFIELD);
    expect_error(DORM_EFIELD, msg);
    cr_assert_eq(dorm_len(qs), DORM_EFIELD);
    cr_assert_eq(dorm_exists(qs), DORM_EFIELD);
    cr_assert_null(dorm_rows(qs, NULL));
    cr_assert_eq(queries(), before, "a failed QuerySet must not run");
    /* A later successful call clears the context's error. */
    cr_assert_eq(dorm_count(books()), 8);
    cr_assert_eq(dorm_errcode(T.cx), DORM_OK);
}

static void expect_field_error(dorm_qs *qs, const char *msg) {
    cr_assert_eq(dorm_qs_errcode(qs), DORM_EFIELD, "%s", dorm_qs_errmsg(qs));
    cr_assert_str_eq(dorm_qs_errmsg(qs), msg);
    cr_assert_eq(dorm_count(qs), DORM_EFIELD);
    expect_error(DORM_EFIELD, msg);
}

Test(queryset, field_errors_in_djangos_words, .init = test_db_open, .fini = test_db_close) {
    const char *book_choices = "Choices are: author, author_id, genre, id, isbn, pages, publication_date, title";
    char msg[256];
    snprintf(msg, sizeof msg, "Cannot resolve keyword 'nme' into field. %s", book_choices);
    expect_field_error(dorm_filter(books(), DQ("nme", "x")), msg);
    expect_field_error(dorm_order_by(books(), "nme"), msg);
    expect_field_error(dorm_order_by(books(), "-nme"), msg);
    expect_field_error(dorm_values(books(), "title", "nme"), msg);
    expect_field_error(dorm_filter(authors(), DQ("nme", "x")),
                       "Cannot resolve keyword 'nme' into field. Choices are: biography, birth_date, books, id, name");
    expect_field_error(dorm_filter(books(), DQ("title__foo", "x")),
                       "Unsupported lookup 'foo' for CharField or join on the field not permitted.");
    expect_field_error(dorm_filter(books(), DQ("pages__foo", 1)),
                       "Unsupported lookup 'foo' for PositiveIntegerField or join on the field not permitted.");
    expect_field_error(dorm_filter(books(), DQ("publication_date__year__foo", 1)),
                       "Unsupported lookup 'foo' for IntegerField or join on the field not permitted.");
    expect_field_error(dorm_filter(books(), DQ("title__year", 1)),
                       "Unsupported lookup 'year' for CharField or join on the field not permitted.");
    expect_field_error(dorm_filter(books(), DQ("publication_date__hour", 1)),
                       "Unsupported lookup 'hour' for DateField or join on the field not permitted.");
    expect_field_error(dorm_filter(books(), DQ("author__nme", "x")),
                       "Cannot resolve keyword 'nme' into field. Choices are: biography, birth_date, books, id, name");
    /* Ordering and values name fields only: Django's values() message (its
     * order_by silently drops the junk after a relation; dorm refuses it). */
    const char *author_nme =
        "Cannot resolve keyword 'nme' into field. Choices are: biography, birth_date, books, id, name";
    expect_field_error(dorm_values(books(), "author__nme"), author_nme);
    expect_field_error(dorm_order_by(books(), "author__nme"), author_nme);
    expect_field_error(dorm_filter(books(), DQ("author__name__nme", "x")),
                       "Unsupported lookup 'nme' for CharField or join on the field not permitted.");
    /* Junk after a valid path is an error, not ignored. */
    expect_field_error(dorm_filter(books(), DQ("pages__gt__lt", 1)),
                       "Unsupported lookup 'gt' for PositiveIntegerField or join on the field not permitted, perhaps "
                       "you meant gt or gte?");
}

Test(queryset, get, .init = catalogue, .fini = test_db_close) {
    cr_assert_str_eq(title_of(dorm_get(books(), DQ("title", "Emma"))), "Emma");
    cr_assert_str_eq(title_of(dorm_get(dorm_filter(books(), DQ("genre", "HIS")))), "Homage to Catalonia");
    cr_assert_eq(dorm_errcode(T.cx), DORM_OK);
    cr_assert_null(dorm_get(books(), DQ("title", "Ulysses")));
    expect_error(DORM_EDOESNOTEXIST, "Book matching query does not exist.");
    cr_assert_null(dorm_get(books(), DQ("author__name", "J.R.R. Tolkien")));
    expect_error(DORM_EMULTIPLE, "get() returned more than one Book -- it returned 2!");
    cr_assert_null(dorm_get(books(), DQ("title__gt", "A"), DQ("genre", "FIC")));
    expect_error(DORM_EMULTIPLE, "get() returned more than one Book -- it returned 5!");
    cr_assert_null(dorm_get(books(), DQ("nme", "x")));
    cr_assert_eq(dorm_errcode(T.cx), DORM_EFIELD);
}

Test(queryset, get_counts_at_most_21, .init = test_db_open, .fini = test_db_close) {
    for (int i = 0; i < 25; i++) cr_assert_not_null(dorm_create(T.cx, Author, .name = "X"));
    cr_assert_null(dorm_get(authors(), DQ("name", "X")));
    expect_error(DORM_EMULTIPLE, "get() returned more than one Author -- it returned more than 20!");
}

Test(queryset, first_and_last, .init = catalogue, .fini = test_db_close) {
    /* Meta.ordering is -publication_date. */
    cr_assert_str_eq(title_of(dorm_first(books())), "1984");
    cr_assert_str_eq(title_of(dorm_last(books())), "Pride and Prejudice");
    /* Without any ordering: by primary key. */
    cr_assert_str_eq(title_of(dorm_first(dorm_clear_ordering(books()))), "Pride and Prejudice");
    cr_assert_str_eq(title_of(dorm_last(dorm_clear_ordering(books()))), "On Fairy-Stories");
    cr_assert_str_eq(title_of(dorm_first(dorm_order_by(books(), "pages"))), "Animal Farm");
    cr_assert_str_eq(title_of(dorm_last(dorm_order_by(books(), "pages"))), "Emma");
    cr_assert_str_eq(((Author *)dorm_first(authors()))->name, "George Orwell");
    cr_assert_str_eq(((Author *)dorm_last(authors()))->name, "Jane Austen");
    cr_assert_str_eq(title_of(dorm_first(dorm_filter(books(), DQ("genre", "NON")))), "On Fairy-Stories");
    /* No row: NULL without an error. */
    cr_assert_null(dorm_first(dorm_filter(books(), DQ("genre", "SCI"))));
    cr_assert_eq(dorm_errcode(T.cx), DORM_OK);
    cr_assert_null(dorm_last(dorm_filter(books(), DQ("genre", "SCI"))));
    cr_assert_eq(dorm_errcode(T.cx), DORM_OK);
    cr_assert_null(dorm_first(dorm_filter(books(), DQ("nme", 1))));
    cr_assert_eq(dorm_errcode(T.cx), DORM_EFIELD);
}

Test(queryset, earliest_and_latest, .init = catalogue, .fini = test_db_close) {
    cr_assert_str_eq(title_of(dorm_earliest(books(), "publication_date")), "Pride and Prejudice");
    cr_assert_str_eq(title_of(dorm_latest(books(), "publication_date")), "1984");
    cr_assert_str_eq(title_of(dorm_earliest(books(), "-pages")), "Emma");
    cr_assert_str_eq(title_of(dorm_latest(books(), "-pages")), "Animal Farm");
    cr_assert_str_eq(
        title_of(dorm_latest(dorm_filter(books(), DQ("author__name", "J.R.R. Tolkien")), "publication_date")),
        "On Fairy-Stories");
    cr_assert_str_eq(title_of(dorm_earliest(books(), "genre", "-pages")), "Emma");
    cr_assert_null(dorm_latest(dorm_filter(books(), DQ("genre", "SCI")), "publication_date"));
    expect_error(DORM_EDOESNOTEXIST, "Book matching query does not exist.");
    cr_assert_null(dorm_qs_latest(books(), NULL));
    expect_error(DORM_EVALUE,
                 "earliest() and latest() require either fields as positional arguments or "
                 "'get_latest_by' in the model's Meta.");
}

/* Django returns the row of a values() QuerySet (dorm read past a NULL
 * object array). */
Test(queryset, earliest_and_latest_of_values, .init = catalogue, .fini = test_db_close) {
    const dorm_row *r = dorm_earliest(dorm_values(books(), "title", "pages"), "publication_date");
    cr_assert_not_null(r, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(r->n, 2);
    cr_assert_str_eq(dorm_row_get(r, "title")->u.s, "Pride and Prejudice");
    r = dorm_latest(dorm_values_list(books(), "title"), "pages");
    cr_assert_not_null(r, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(r->values[0].u.s, "Emma");
    r = dorm_latest(dorm_values_flat(books(), "title"), "publication_date");
    cr_assert_not_null(r, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(r->values[0].u.s, "1984");
    cr_assert_null(dorm_earliest(dorm_filter(dorm_values(books(), "title"), DQ("pages__gt", 1000)), "pages"));
    expect_error(DORM_EDOESNOTEXIST, "Book matching query does not exist.");
}

Test(queryset, reverse, .init = catalogue, .fini = test_db_close) {
    Book **b = (Book **)dorm_list(dorm_reverse(books()), NULL);
    cr_assert_not_null(b);
    cr_assert_str_eq(b[0]->title, "Pride and Prejudice");
    cr_assert_str_eq(b[7]->title, "1984");
    b = (Book **)dorm_list(dorm_reverse(dorm_order_by(books(), "title")), NULL);
    cr_assert_str_eq(b[0]->title, "The Hobbit");
    cr_assert_str_eq(b[7]->title, "1984");
    b = (Book **)dorm_list(dorm_reverse(dorm_reverse(dorm_order_by(books(), "title"))), NULL);
    cr_assert_str_eq(b[0]->title, "1984");
    /* order_by() after reverse() starts from the new ordering. */
    b = (Book **)dorm_list(dorm_order_by(dorm_reverse(books()), "pages"), NULL);
    cr_assert_str_eq(b[0]->title, "Animal Farm");
}

Test(queryset, distinct, .init = catalogue, .fini = test_db_close) {
    dorm_qs *fic_authors = dorm_filter(authors(), DQ("books__genre", "FIC"));
    cr_assert_eq(dorm_len(fic_authors), 6, "one row per matching book");
    cr_assert_eq(dorm_len(dorm_distinct(fic_authors)), 3);
    cr_assert_eq(dorm_count(dorm_distinct(fic_authors)), 3);
    cr_assert_eq(dorm_count(fic_authors), 6);
}

Test(queryset, none_matches_nothing_without_a_query, .init = catalogue, .fini = test_db_close) {
    uint64_t before = queries();
    dorm_qs *qs = dorm_filter(dorm_none(books()), DQ("genre", "FIC"));
    size_t n = 99;
    void **objs = dorm_list(qs, &n);
    cr_assert_not_null(objs);
    cr_assert_eq(n, 0);
    cr_assert_null(objs[0]);
    cr_assert_eq(dorm_count(dorm_none(books())), 0);
    cr_assert_eq(dorm_exists(dorm_none(books())), 0);
    cr_assert_null(dorm_first(dorm_none(books())));
    cr_assert_eq(dorm_errcode(T.cx), DORM_OK);
    cr_assert_eq(dorm_len(dorm_values(dorm_none(books()), "title")), 0);
    cr_assert_eq(queries(), before);
    cr_assert_eq(dorm_count(books()), 8, "none() of a QuerySet leaves the original whole");
}

static const char *sliced_titles(int64_t start, int64_t stop) {
    static char out[512];
    Book **b = (Book **)dorm_list(dorm_slice(dorm_order_by(books(), "title"), start, stop), NULL);
    cr_assert_not_null(b, "%s", dorm_errmsg(T.cx));
    out[0] = '\0';
    for (; *b; b++) {
        if (out[0]) strcat(out, "|");
        strcat(out, (*b)->title);
    }
    return out;
}

Test(queryset, slicing, .init = catalogue, .fini = test_db_close) {
    cr_assert_str_eq(sliced_titles(1, 3), "Animal Farm|Emma");
    cr_assert_str_eq(sliced_titles(6, DORM_NOLIMIT), "Pride and Prejudice|The Hobbit");
    cr_assert_str_eq(sliced_titles(0, 1), "1984");
    cr_assert_str_eq(sliced_titles(7, 20), "The Hobbit");
    cr_assert_str_eq(sliced_titles(9, DORM_NOLIMIT), "");
    uint64_t before = queries();
    cr_assert_str_eq(sliced_titles(3, 3), "");
    cr_assert_eq(queries(), before, "an empty slice runs no query");
    cr_assert_eq(dorm_count(dorm_slice(books(), 2, 5)), 3);
    cr_assert_eq(dorm_count(dorm_slice(books(), 6, DORM_NOLIMIT)), 2);
    cr_assert_eq(dorm_count(dorm_slice(dorm_slice(books(), 1, 6), 2, 10)), 3);
    cr_assert_eq(dorm_exists(dorm_slice(books(), 8, DORM_NOLIMIT)), 0);
    cr_assert_eq(dorm_exists(dorm_slice(books(), 7, DORM_NOLIMIT)), 1);
}

Test(queryset, slicing_errors, .init = catalogue, .fini = test_db_close) {
    dorm_qs *neg = dorm_slice(books(), -1, DORM_NOLIMIT);
    cr_assert_eq(dorm_qs_errcode(neg), DORM_EVALUE);
    cr_assert_str_eq(dorm_qs_errmsg(neg), "Negative indexing is not supported.");
    cr_assert_lt(dorm_count(neg), 0);
    expect_error(DORM_EVALUE, "Negative indexing is not supported.");
    cr_assert_eq(dorm_qs_errcode(dorm_slice(books(), 0, -2)), DORM_EVALUE);
    dorm_qs *sliced = dorm_slice(books(), 1, 3);
    cr_assert_str_eq(dorm_qs_errmsg(dorm_filter(sliced, DQ("pages", 1))),
                     "Cannot filter a query once a slice has been taken.");
    cr_assert_str_eq(dorm_qs_errmsg(dorm_order_by(sliced, "pages")),
                     "Cannot reorder a query once a slice has been taken.");
    cr_assert_str_eq(dorm_qs_errmsg(dorm_reverse(sliced)), "Cannot reverse a query once a slice has been taken.");
}

Test(queryset, count_exists_len, .init = catalogue, .fini = test_db_close) {
    cr_assert_eq(dorm_count(books()), 8);
    cr_assert_eq(dorm_count(dorm_filter(books(), DQ("genre", "FIC"))), 6);
    cr_assert_eq(dorm_count(dorm_filter(books(), DQ("author__name", "George Orwell"))), 3);
    cr_assert_eq(dorm_len(books()), 8);
    cr_assert_eq(dorm_len(dorm_exclude(books(), DQ("genre", "FIC"))), 2);
    cr_assert_eq(dorm_exists(dorm_filter(books(), DQ("title", "Emma"))), 1);
    cr_assert_eq(dorm_exists(dorm_filter(books(), DQ("title", "Ulysses"))), 0);
    cr_assert_eq(dorm_count(dorm_filter(books(), DQ("title", "Ulysses"))), 0);
}

Test(queryset, contains, .init = catalogue, .fini = test_db_close) {
    Book *emma = dorm_get(books(), DQ("title", "Emma"));
    Author *austen = dorm_get(authors(), DQ("name", "Jane Austen"));
    cr_assert(emma && austen);
    uint64_t before = queries();
    cr_assert_eq(dorm_contains(dorm_filter(books(), DQ("genre", "FIC")), emma), 1);
    cr_assert_eq(dorm_contains(dorm_filter(books(), DQ("genre", "HIS")), emma), 0);
    cr_assert_eq(queries(), before + 2);
    /* An instance of another model is never contained. */
    cr_assert_eq(dorm_contains(books(), austen), 0);
    Book *unsaved = dorm_new(T.cx, Book);
    cr_assert_eq(dorm_contains(books(), unsaved), DORM_EVALUE);
    expect_error(DORM_EVALUE, "QuerySet.contains() cannot be used on unsaved objects.");
}

Test(queryset, in_bulk, .init = catalogue, .fini = test_db_close) {
    Book *emma = dorm_get(books(), DQ("title", "Emma"));
    Book *hobbit = dorm_get(books(), DQ("title", "The Hobbit"));
    cr_assert(emma && hobbit);
    int64_t ids[] = {hobbit->id, emma->id, 9999};
    dorm_map *m = dorm_in_bulk(books(), ids, 3);
    cr_assert_not_null(m, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_map_len(m), 2);
    cr_assert_str_eq(title_of(dorm_map_get(m, emma->id)), "Emma");
    cr_assert_str_eq(title_of(dorm_map_get(m, hobbit->id)), "The Hobbit");
    cr_assert_null(dorm_map_get(m, 9999));
    m = dorm_in_bulk(dorm_filter(books(), DQ("genre", "FIC")), NULL, 0);
    cr_assert_eq(dorm_map_len(m), 6);
    Book *homage = dorm_get(books(), DQ("genre", "HIS"));
    cr_assert_not_null(homage);
    cr_assert_null(dorm_map_get(m, homage->id));
    cr_assert_not_null(dorm_map_get(m, emma->id));
    uint64_t before = queries();
    m = dorm_in_bulk(books(), ids, 0);
    cr_assert_not_null(m);
    cr_assert_eq(dorm_map_len(m), 0);
    cr_assert_eq(queries(), before, "in_bulk([]) runs no query");
    cr_assert_null(dorm_in_bulk(dorm_slice(books(), 0, 2), ids, 3));
    expect_error(DORM_EVALUE, "Cannot use 'limit' or 'offset' with in_bulk().");
}

Test(queryset, values_rows, .init = catalogue, .fini = test_db_close) {
    size_t n;
    const dorm_row **rows =
        dorm_rows(dorm_values(dorm_order_by(books(), "title"), "title", "author__name", "pages"), &n);
    cr_assert_not_null(rows, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(n, 8);
    cr_assert_null(rows[8]);
    const dorm_row *r = rows[0];
    cr_assert_eq(r->n, 3);
    cr_assert_str_eq(r->names[0], "title");
    cr_assert_str_eq(r->names[1], "author__name");
    const dorm_value *v = dorm_row_get(r, "author__name");
    cr_assert_not_null(v);
    cr_assert_eq(v->type, DORM_T_TEXT);
    cr_assert_str_eq(v->u.s, "George Orwell");
    v = dorm_row_get(r, "pages");
    cr_assert_eq(v->type, DORM_T_INT);
    cr_assert_eq(v->u.i, 328);
    cr_assert_str_eq(dorm_row_get(rows[7], "title")->u.s, "The Hobbit");
    cr_assert_null(dorm_row_get(r, "isbn"));
    /* values() with no fields: every concrete field, named by attname. */
    rows = dorm_rows(dorm_qs_values(dorm_filter(books(), DQ("title", "Emma")), NULL), &n);
    cr_assert_not_null(rows);
    cr_assert_eq(n, 1);
    cr_assert_eq(rows[0]->n, 7);
    cr_assert_str_eq(rows[0]->names[2], "author_id");
    v = dorm_row_get(rows[0], "publication_date");
    cr_assert_eq(v->type, DORM_T_DATE);
    cr_assert(v->u.date.year == 1815 && v->u.date.month == 12 && v->u.date.day == 23);
    cr_assert_eq(dorm_row_get(rows[0], "author_id")->type, DORM_T_INT);
    /* values("author") gives the key, under the name asked for. */
    rows = dorm_rows(dorm_values(dorm_filter(books(), DQ("title", "Emma")), "author"), NULL);
    cr_assert_not_null(rows);
    v = dorm_row_get(rows[0], "author");
    cr_assert(v && v->type == DORM_T_INT);
    cr_assert_eq(v->u.i, ((Author *)dorm_get(authors(), DQ("name", "Jane Austen")))->id);
    /* NULL reads as a NULL value. */
    cr_assert_not_null(dorm_create(T.cx, Author, .name = "Anonymous"));
    rows = dorm_rows(dorm_values(dorm_filter(authors(), DQ("name", "Anonymous")), "birth_date"), NULL);
    cr_assert_eq(dorm_row_get(rows[0], "birth_date")->type, DORM_T_NULL);
}

Test(queryset, values_across_the_reverse_relation, .init = catalogue, .fini = test_db_close) {
    /* One row per book, and the author without books once, with NULL. */
    cr_assert_not_null(dorm_create(T.cx, Author, .name = "Anonymous"));
    size_t n;
    const dorm_row **rows =
        dorm_rows(dorm_values(dorm_order_by(authors(), "name", "books__title"), "name", "books__title"), &n);
    cr_assert_not_null(rows, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(n, 9);
    cr_assert_str_eq(dorm_row_get(rows[0], "name")->u.s, "Anonymous");
    cr_assert_eq(dorm_row_get(rows[0], "books__title")->type, DORM_T_NULL);
    cr_assert_str_eq(dorm_row_get(rows[1], "name")->u.s, "George Orwell");
    cr_assert_str_eq(dorm_row_get(rows[1], "books__title")->u.s, "1984");
    cr_assert_eq(dorm_count(dorm_values(authors(), "name", "books__title")), 9);
    Author **a = (Author **)dorm_list(dorm_order_by(authors(), "books__pages"), &n);
    cr_assert_not_null(a, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(n, 9);
    /* NULL sorts first on SQLite and last on PostgreSQL, each backend's rule. */
    bool nulls_first = T.db->dialect->nulls_sort_first;
    cr_assert_str_eq(a[nulls_first ? 0 : 8]->name, "Anonymous");
    cr_assert_str_eq(a[nulls_first ? 1 : 0]->name, "George Orwell");
    cr_assert_str_eq(a[nulls_first ? 8 : 7]->name, "Jane Austen");
}

Test(queryset, values_list_and_flat, .init = catalogue, .fini = test_db_close) {
    size_t n;
    const dorm_row **rows = dorm_rows(dorm_values_list(dorm_order_by(books(), "-pages"), "title", "pages"), &n);
    cr_assert_not_null(rows, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(n, 8);
    cr_assert_eq(rows[0]->n, 2);
    cr_assert_str_eq(rows[0]->values[0].u.s, "Emma");
    cr_assert_eq(rows[0]->values[1].u.i, 474);
    rows = dorm_rows(dorm_values_flat(dorm_order_by(books(), "title"), "title"), &n);
    cr_assert_not_null(rows);
    cr_assert_eq(rows[0]->n, 1);
    cr_assert_str_eq(rows[0]->values[0].u.s, "1984");
    cr_assert_str_eq(rows[n - 1]->values[0].u.s, "The Hobbit");
    dorm_qs *bad = dorm_qs_values_list(books(), true, DORM_LIST("title", "pages"));
    cr_assert_eq(dorm_qs_errcode(bad), DORM_EVALUE);
    cr_assert_str_eq(dorm_qs_errmsg(bad), "'flat' is not valid when values_list is called with more than one field.");
    /* Objects and rows are not interchangeable. */
    cr_assert_null(dorm_list(dorm_values(books(), "title"), NULL));
    cr_assert_eq(dorm_errcode(T.cx), DORM_EVALUE);
    cr_assert_null(dorm_rows(books(), NULL));
    cr_assert_eq(dorm_errcode(T.cx), DORM_EVALUE);
    /* first() and get() of a values QuerySet give a row. */
    const dorm_row *r = dorm_first(dorm_values(dorm_order_by(books(), "pages"), "title"));
    cr_assert_not_null(r);
    cr_assert_str_eq(dorm_row_get(r, "title")->u.s, "Animal Farm");
}

Test(queryset, iterator_streams_in_chunks, .init = catalogue, .fini = test_db_close) {
    dorm_iter *it = dorm_iterator(dorm_order_by(books(), "id"), 4);
    cr_assert_not_null(it);
    Book *seen[8];
    int n = 0;
    for (Book *b; (b = dorm_next(it)) != NULL; n++) {
        cr_assert_lt(n, 8);
        seen[n] = b;
        /* Objects of the current chunk stay valid until the chunk ends. */
        if (n % 4 == 3)
            for (int k = n - 3; k <= n; k++) cr_assert_not_null(seen[k]->title);
    }
    cr_assert_eq(n, 8);
    cr_assert_eq(dorm_iter_errcode(it), DORM_OK);
    cr_assert_null(dorm_next(it), "an ended iterator stays ended");
    /* The second chunk reuses the memory of the first: it was released. */
    cr_assert_eq(seen[4], seen[0]);
}

Test(queryset, iterator_keeps_memory_constant, .init = test_db_open, .fini = test_db_close) {
    enum { ROWS = 500, CHUNK = 10 };
    Author *objs[ROWS];
    for (int i = 0; i < ROWS; i++) {
        objs[i] = dorm_new(T.cx, Author);
        cr_assert_not_null(objs[i]);
        objs[i]->name = dorm_sprintf(T.cx, "Author %03d", i);
    }
    cr_assert_eq(dorm_bulk_create(T.cx, Author, objs, ROWS, 0), DORM_OK, "%s", dorm_errmsg(T.cx));
    dorm_iter *it = dorm_iterator(authors(), CHUNK);
    const void *addresses[ROWS];
    int n = 0, distinct = 0;
    for (Author *a; (a = dorm_next(it)) != NULL; n++) {
        char want[32];
        snprintf(want, sizeof want, "Author %03d", n);
        cr_assert_str_eq(a->name, want);
        bool known = false;
        for (int k = 0; k < distinct && !known; k++) known = addresses[k] == a;
        if (!known) addresses[distinct++] = a;
    }
    cr_assert_eq(dorm_iter_errcode(it), DORM_OK, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(n, ROWS);
    cr_assert_leq(distinct, CHUNK, "%d distinct object addresses for chunks of %d", distinct, CHUNK);
}

Test(queryset, iterator_close_and_errors, .init = catalogue, .fini = test_db_close) {
    dorm_iter *it = dorm_iterator(books(), 2);
    cr_assert_not_null(dorm_next(it));
    dorm_iter_close(it);
    cr_assert_null(dorm_next(it));
    /* The connection is free again for other queries. */
    cr_assert_eq(dorm_count(books()), 8);
    it = dorm_iterator(dorm_filter(books(), DQ("nme", 1)), 2);
    cr_assert_null(dorm_next(it));
    cr_assert_eq(dorm_iter_errcode(it), DORM_EFIELD);
    it = dorm_iterator(dorm_none(books()), 2);
    cr_assert_null(dorm_next(it));
    cr_assert_eq(dorm_iter_errcode(it), DORM_OK);
    /* Streaming fills no result cache: the QuerySet still evaluates. */
    dorm_qs *qs = dorm_filter(books(), DQ("genre", "FIC"));
    it = dorm_iterator(qs, 3);
    int n = 0;
    while (dorm_next(it)) n++;
    cr_assert_eq(n, 6);
    uint64_t before = queries();
    cr_assert_eq(dorm_len(qs), 6);
    cr_assert_eq(queries(), before + 1);
}
