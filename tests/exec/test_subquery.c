/* test_subquery.c - subqueries: filter(x__in=QuerySet) with objects, values()
 * and values_list(flat) QuerySets, and exclude() across a multi-valued
 * relation answered by a subquery, as Django does, not by a join. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "testdb.h"

static uint64_t queries(void) { return dorm_db_query_count(T.db); }

static bool on_sqlite(void) { return strncmp(test_db_url(), "sqlite", 6) == 0; }

/* The titles (Book) or names (Author) a QuerySet fetches, joined by ", ". */
static const char *names(dorm_qs *qs) {
    void **objs = dorm_list(qs, NULL);
    cr_assert_not_null(objs, "%d: %s", dorm_errcode(T.cx), dorm_errmsg(T.cx));
    char buf[1024] = "";
    size_t len = 0;
    for (size_t i = 0; objs[i]; i++) {
        const dorm_object *h = objs[i];
        const char *s = h->model == &Book_model ? ((Book *)objs[i])->title : ((Author *)objs[i])->name;
        len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s", i ? ", " : "", s);
        cr_assert_lt(len, sizeof buf);
    }
    return dorm_strdup(T.cx, buf);
}

static const char *sql_of(dorm_qs *qs) { return test_sql_std(dorm_qs_sql(qs, NULL)); }

static size_t occurrences(const char *s, const char *what) {
    size_t n = 0;
    for (const char *p = strstr(s, what); p; p = strstr(p + 1, what)) n++;
    return n;
}

static int64_t pk_of_book(const char *title) {
    Book *b = dorm_get(dorm_all(T.cx, Book), DQ("title", title));
    cr_assert_not_null(b, "get(title=%s): %s", title, dorm_errmsg(T.cx));
    return b->id;
}

/* The book titles of the catalogue in Book's Meta ordering (-publication_date). */
#define ALL_BY_DATE \
    "1984, On Fairy-Stories, Animal Farm, Homage to Catalonia, The Hobbit, Persuasion, Emma, Pride and Prejudice"

Test(subquery, in_a_queryset_selects_by_pk, .init = test_db_open, .fini = test_db_close) {
    test_db_catalogue();
    dorm_qs *js = dorm_filter(dorm_all(T.cx, Author), DQ("name__startswith", "J"));
    dorm_qs *qs = dorm_filter(dorm_all(T.cx, Book), DQ("author__in", js));
    cr_assert_eq(dorm_qs_errcode(qs), DORM_OK, "%s", dorm_qs_errmsg(qs));
    if (on_sqlite()) {
        const char *sql = sql_of(qs);
        cr_expect_not_null(strstr(sql, " WHERE \"library_book\".\"author_id\" IN (SELECT "), "%s", sql);
        cr_expect_null(strstr(sql, "JOIN"), "%s", sql);
        cr_expect_eq(occurrences(sql, "ORDER BY"), 1, "the subquery drops Author's ordering: %s", sql);
    }
    uint64_t q0 = queries();
    cr_expect_str_eq(names(qs), "On Fairy-Stories, The Hobbit, Persuasion, Emma, Pride and Prejudice");
    cr_expect_eq(queries() - q0, 1, "one query, the subquery inside it");
    cr_expect_eq(dorm_qs_errcode(js), DORM_OK);
    cr_expect_str_eq(names(js), "J.R.R. Tolkien, Jane Austen", "the inner QuerySet keeps its own ordering");

    /* The same with a values_list(flat) QuerySet of ids. */
    dorm_qs *ids = dorm_values_flat(js, "id");
    q0 = queries();
    cr_expect_str_eq(names(dorm_filter(dorm_all(T.cx, Book), DQ("author__in", ids))),
                     "On Fairy-Stories, The Hobbit, Persuasion, Emma, Pride and Prejudice");
    cr_expect_eq(queries() - q0, 1);
    cr_expect_str_eq(names(dorm_exclude(dorm_all(T.cx, Book), DQ("author__in", js))),
                     "1984, Animal Farm, Homage to Catalonia");

    /* And the other way: authors of a book longer than 400 pages, once. */
    dorm_qs *long_books = dorm_filter(dorm_all(T.cx, Book), DQ("pages__gt", 400));
    cr_expect_str_eq(names(dorm_filter(dorm_all(T.cx, Author), DQ("pk__in", dorm_values_flat(long_books, "author")))),
                     "Jane Austen");
    cr_expect_str_eq(
        names(dorm_filter(dorm_all(T.cx, Author), DQ("id__in", dorm_values_flat(long_books, "author_id")))),
        "Jane Austen");
}

Test(subquery, errors_of_the_subquery_reach_the_query, .init = test_db_open, .fini = test_db_close) {
    dorm_qs *bad = dorm_filter(dorm_all(T.cx, Author), DQ("nope", 1));
    cr_assert_eq(dorm_qs_errcode(bad), DORM_EFIELD);
    dorm_qs *qs = dorm_filter(dorm_all(T.cx, Book), DQ("author__in", bad));
    cr_expect_eq(dorm_qs_errcode(qs), DORM_EFIELD);
    cr_expect_str_eq(dorm_qs_errmsg(qs), dorm_qs_errmsg(bad));
    /* Two columns cannot be compared with one. */
    dorm_qs *two = dorm_values_list(dorm_all(T.cx, Author), "id", "name");
    cr_expect_eq(dorm_qs_errcode(dorm_filter(dorm_all(T.cx, Book), DQ("author__in", two))), DORM_EVALUE);
}

Test(subquery, exclude_across_a_reverse_relation, .init = test_db_open, .fini = test_db_close) {
    test_db_catalogue();
    dorm_qs *authors = dorm_all(T.cx, Author);
    dorm_qs *no_emma = dorm_exclude(authors, DQ("books__title", "Emma"));
    if (on_sqlite()) {
        const char *sql = sql_of(no_emma);
        cr_expect_null(strstr(sql, "JOIN"), "a subquery, not a join: %s", sql);
        cr_expect_not_null(strstr(sql, "(SELECT "), "%s", sql);
    }
    uint64_t q0 = queries();
    /* Each other author once, though they have several books not titled Emma. */
    cr_expect_str_eq(names(no_emma), "George Orwell, J.R.R. Tolkien");
    cr_expect_eq(queries() - q0, 1);
    cr_expect_str_eq(names(dorm_exclude(authors, DQ("books__genre", "HIS"))), "J.R.R. Tolkien, Jane Austen");
    cr_expect_str_eq(names(dorm_exclude(authors, DQ("books__pages__gt", 400))), "George Orwell, J.R.R. Tolkien");
    cr_expect_str_eq(names(dorm_exclude(authors, DQ("books__title__startswith", "The"))), "George Orwell, Jane Austen");
    cr_expect_str_eq(names(dorm_exclude(dorm_exclude(authors, DQ("books__title", "Emma")), DQ("books__genre", "NON"))),
                     "George Orwell");
    cr_expect_str_eq(names(dorm_filter(authors, dorm_not(DQ("books__genre", "HIS")))), "J.R.R. Tolkien, Jane Austen");
    /* filter() across the relation is a join: one row per matching book. */
    cr_expect_str_eq(names(dorm_filter(authors, DQ("books__pages__gt", 300))),
                     "George Orwell, J.R.R. Tolkien, Jane Austen, Jane Austen");
    /* An author with no books is never excluded by a condition on them. */
    cr_assert(dorm_create(T.cx, Author, .name = "Nobody"));
    cr_expect_str_eq(names(dorm_exclude(authors, DQ("books__genre", "FIC"))), "Nobody");
}

Test(subquery, exclude_forward_then_reverse, .init = test_db_open, .fini = test_db_close) {
    test_db_catalogue();
    dorm_qs *books = dorm_all(T.cx, Book);
    uint64_t q0 = queries();
    /* The books whose author wrote no book titled Emma. */
    cr_expect_str_eq(names(dorm_exclude(books, DQ("author__books__title", "Emma"))),
                     "1984, On Fairy-Stories, Animal Farm, Homage to Catalonia, The Hobbit");
    cr_expect_eq(queries() - q0, 1);
    cr_expect_str_eq(names(dorm_exclude(books, DQ("author__books__genre", "HIS"))),
                     "On Fairy-Stories, The Hobbit, Persuasion, Emma, Pride and Prejudice");
    /* Two forward-then-reverse steps in the path. */
    cr_expect_str_eq(names(dorm_exclude(books, DQ("author__books__author__name", "George Orwell"))),
                     "On Fairy-Stories, The Hobbit, Persuasion, Emma, Pride and Prejudice");
}

Test(subquery, empty_subquery_matches_nothing, .init = test_db_open, .fini = test_db_close) {
    test_db_catalogue();
    dorm_qs *nobody = dorm_none(dorm_all(T.cx, Author));
    dorm_qs *qs = dorm_filter(dorm_all(T.cx, Book), DQ("author__in", nobody));
    uint64_t q0 = queries();
    size_t n = 99;
    void **list = dorm_list(qs, &n);
    cr_assert_not_null(list, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(n, 0);
    cr_expect_eq(dorm_count(dorm_filter(dorm_all(T.cx, Book), DQ("author__in", nobody))), 0);
    cr_expect_eq(queries() - q0, 0, "Django runs no query for an empty result (EmptyResultSet)");
    /* Excluding an empty set keeps everything. */
    cr_expect_str_eq(names(dorm_exclude(dorm_all(T.cx, Book), DQ("author__in", nobody))), ALL_BY_DATE);
    /* A subquery that runs and finds nothing. */
    dorm_qs *nowhere = dorm_filter(dorm_all(T.cx, Author), DQ("name", "Nobody"));
    cr_expect_eq(dorm_count(dorm_filter(dorm_all(T.cx, Book), DQ("author__in", nowhere))), 0);
    cr_expect_eq(dorm_count(dorm_filter(dorm_all(T.cx, Book), DQ("author__in", dorm_values_flat(nowhere, "id")))), 0);
}

Test(subquery, other_shapes_of_the_inner_queryset, .init = test_db_open, .fini = test_db_close) {
    test_db_catalogue();
    dorm_qs *books = dorm_all(T.cx, Book);
    /* values() with one field selects that column. */
    dorm_qs *js = dorm_values(dorm_filter(dorm_all(T.cx, Author), DQ("name__startswith", "J")), "id");
    cr_expect_str_eq(names(dorm_filter(books, DQ("author__in", js))),
                     "On Fairy-Stories, The Hobbit, Persuasion, Emma, Pride and Prejudice");
    /* The same table inside and outside. */
    cr_expect_str_eq(names(dorm_filter(books, DQ("id__in", dorm_filter(dorm_all(T.cx, Book), DQ("pages__gt", 400))))),
                     "Emma, Pride and Prejudice");
    /* An inner QuerySet that joins the outer table itself. */
    cr_expect_str_eq(
        names(dorm_filter(books, DQ("author__in", dorm_filter(dorm_all(T.cx, Author), DQ("books__genre", "HIS"))))),
        "1984, Animal Farm, Homage to Catalonia");
    cr_expect_str_eq(
        names(dorm_filter(books, DQ("author__in", dorm_filter(dorm_all(T.cx, Author), DQ("books__title", "Emma"))))),
        "Persuasion, Emma, Pride and Prejudice");
}

Test(subquery, sliced_inner_queryset_keeps_its_order, .init = test_db_open, .fini = test_db_close) {
    test_db_catalogue();
    /* Django keeps ORDER BY in a sliced subquery (LIMIT needs it); a whole
     * model's QuerySet keeps its table's name there (nothing gave it U0). */
    dorm_qs *first_author = dorm_slice(dorm_order_by(dorm_all(T.cx, Author), "name"), 0, 1);
    dorm_qs *qs = dorm_filter(dorm_all(T.cx, Book), DQ("author__in", first_author));
    cr_assert_eq(dorm_qs_errcode(qs), DORM_OK, "%s", dorm_qs_errmsg(qs));
    if (on_sqlite()) {
        const char *sql = sql_of(qs);
        cr_expect_not_null(strstr(sql,
                                  "IN (SELECT \"library_author\".\"id\" FROM \"library_author\" ORDER BY "
                                  "\"library_author\".\"name\" ASC LIMIT 1)"),
                           "%s", sql);
    }
    if (test_db_on_mysql()) {
        /* MySQL refuses LIMIT in an IN subquery: Django's NotSupportedError,
         * the server's words. */
        cr_expect_null(dorm_list(qs, NULL));
        cr_expect_eq(dorm_errcode(T.cx), DORM_ENOTSUPPORTED);
        cr_expect(strstr(dorm_errmsg(T.cx), "doesn't yet support 'LIMIT & IN/ALL/ANY/SOME subquery'"), "%s",
                  dorm_errmsg(T.cx));
        return;
    }
    cr_expect_str_eq(names(qs), "1984, Animal Farm, Homage to Catalonia");
    dorm_qs *last_author = dorm_slice(dorm_order_by(dorm_all(T.cx, Author), "-name"), 0, 1);
    cr_expect_str_eq(names(dorm_filter(dorm_all(T.cx, Book), DQ("author__in", last_author))),
                     "Persuasion, Emma, Pride and Prejudice");
}

Test(subquery, exclude_reverse_with_other_lookups, .init = test_db_open, .fini = test_db_close) {
    test_db_catalogue();
    cr_assert(dorm_create(T.cx, Author, .name = "Nobody"));
    dorm_qs *authors = dorm_all(T.cx, Author);
    int64_t emma = pk_of_book("Emma"), nineteen84 = pk_of_book("1984");
    cr_expect_str_eq(names(dorm_exclude(authors, DQ("books", emma))), "George Orwell, J.R.R. Tolkien, Nobody");
    cr_expect_str_eq(names(dorm_exclude(authors, DQ("books__id", emma))), "George Orwell, J.R.R. Tolkien, Nobody");
    cr_expect_str_eq(names(dorm_exclude(authors, DQ("books__pk__in", DLIST(emma)))),
                     "George Orwell, J.R.R. Tolkien, Nobody");
    cr_expect_str_eq(names(dorm_exclude(authors, DQ("books__in", DLIST(emma, nineteen84)))), "J.R.R. Tolkien, Nobody");
    /* Reverse then forward again. */
    cr_expect_str_eq(names(dorm_exclude(authors, DQ("books__author__name", "Jane Austen"))),
                     "George Orwell, J.R.R. Tolkien, Nobody");
    /* isnull across the reverse relation: whether the author has books. */
    cr_expect_str_eq(names(dorm_filter(authors, DQ("books__isnull", true))), "Nobody");
    cr_expect_str_eq(names(dorm_exclude(authors, DQ("books__isnull", true))),
                     "George Orwell, J.R.R. Tolkien, Jane Austen");
    cr_expect_str_eq(names(dorm_exclude(authors, DQ("books__isnull", false))), "Nobody");
    /* Django: a NULL-extended row counts, so Nobody's missing title is NULL. */
    cr_expect_str_eq(names(dorm_exclude(authors, DQ("books__title__isnull", true))),
                     "George Orwell, J.R.R. Tolkien, Jane Austen");
}

Test(subquery, exclude_combines_conditions_as_django, .init = test_db_open, .fini = test_db_close) {
    test_db_catalogue();
    dorm_qs *authors = dorm_all(T.cx, Author);
    cr_expect_str_eq(names(dorm_exclude(authors, dorm_or(DQ("books__title", "Emma"), DQ("books__genre", "NON")))),
                     "George Orwell");
    /* Django's exclude(a, b) on a multi-valued relation: a and b may hold on
     * different books (Austen has Emma and a book under 300 pages). */
    cr_expect_str_eq(names(dorm_exclude(authors, DQ("books__title", "Emma"), DQ("books__pages__lt", 300))),
                     "George Orwell, J.R.R. Tolkien");
    cr_expect_str_eq(
        names(dorm_filter(authors, dorm_not(dorm_and(DQ("books__title", "Emma"), DQ("books__pages__lt", 300))))),
        "George Orwell, J.R.R. Tolkien");
    cr_expect_str_eq(names(dorm_exclude(authors, DQ("books__title", "Emma"), DQ("books__genre", "HIS"))),
                     "George Orwell, J.R.R. Tolkien, Jane Austen");
}
