/* test_related.c - select_related() (joined loading, INNER or LEFT OUTER),
 * prefetch_related() (one query per level, cached reverse managers) and the
 * reverse manager dorm_related(), with query counts as Django's. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "testdb.h"

static uint64_t queries(void) { return dorm_db_query_count(T.db); }

static bool on_sqlite(void) { return strncmp(test_db_url(), "sqlite", 6) == 0; }

/* The titles (Book) or names (Author) of objects, joined by ", ". */
static const char *names_of(void **objs) {
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

static const char *names(dorm_qs *qs) { return names_of(dorm_list(qs, NULL)); }

static Author *author_named(const char *name) {
    Author *a = dorm_get(dorm_all(T.cx, Author), DQ("name", name));
    cr_assert_not_null(a, "get(name=%s): %s", name, dorm_errmsg(T.cx));
    return a;
}

static Author *author_of(void *objs_i) {
    Book *b = objs_i;
    return b->author.obj;
}

static const char *sql_of(dorm_qs *qs) { return test_sql_std(dorm_qs_sql(qs, NULL)); }

static size_t occurrences(const char *s, const char *what) {
    size_t n = 0;
    for (const char *p = strstr(s, what); p; p = strstr(p + 1, what)) n++;
    return n;
}

static void expect_failed(dorm_qs *qs, int code, const char *msg) {
    cr_assert_not_null(qs);
    cr_assert_eq(dorm_qs_errcode(qs), code, "%d: %s", dorm_qs_errcode(qs), dorm_qs_errmsg(qs));
    cr_assert_str_eq(dorm_qs_errmsg(qs), msg);
}

#define BOOK_SELECT                                                                                  \
    "SELECT \"library_book\".\"id\", \"library_book\".\"title\", \"library_book\".\"author_id\", "   \
    "\"library_book\".\"publication_date\", \"library_book\".\"isbn\", \"library_book\".\"genre\", " \
    "\"library_book\".\"pages\""
#define AUTHOR_COLUMNS                                                                            \
    "\"library_author\".\"id\", \"library_author\".\"name\", \"library_author\".\"birth_date\", " \
    "\"library_author\".\"biography\""
#define BOOK_JOIN_AUTHOR                                                                         \
    " FROM \"library_book\" INNER JOIN \"library_author\" ON (\"library_book\".\"author_id\" = " \
    "\"library_author\".\"id\")"

/* The book titles of the catalogue in Book's Meta ordering (-publication_date). */
#define ALL_BY_DATE \
    "1984, On Fairy-Stories, Animal Farm, Homage to Catalonia, The Hobbit, Persuasion, Emma, Pride and Prejudice"

/* ---- select_related ---- */

Test(select_related, loads_authors_in_the_same_query, .init = test_db_open, .fini = test_db_close) {
    test_db_catalogue();
    uint64_t q0 = queries();
    size_t n = 0;
    void **books = dorm_list(dorm_select_related(dorm_all(T.cx, Book), "author"), &n);
    cr_assert_not_null(books, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(n, 8);
    static const char *const by[] = {"George Orwell",  "J.R.R. Tolkien", "George Orwell", "George Orwell",
                                     "J.R.R. Tolkien", "Jane Austen",    "Jane Austen",   "Jane Austen"};
    for (size_t i = 0; i < n; i++) {
        Book *b = books[i];
        Author *a = dorm_fk(b, author);
        cr_assert_not_null(a, "%s: %s", b->title, dorm_errmsg(T.cx));
        cr_expect_str_eq(a->name, by[i], "%s", b->title);
        cr_expect_eq(a->id, b->author.id);
    }
    cr_expect_eq(queries() - q0, 1, "select_related: the loop runs no query of its own");
    cr_expect_str_eq(names_of(books), ALL_BY_DATE);

    /* Without it, every book loads its author on first access. */
    q0 = queries();
    DORM_EACH(Book, b, dorm_all(T.cx, Book)) cr_assert_not_null(dorm_fk(b, author));
    cr_expect_eq(queries() - q0, 1 + 8);
}

Test(select_related, sql_is_an_inner_join_for_a_non_null_key, .init = test_db_open, .fini = test_db_close) {
    if (!on_sqlite()) cr_skip_test("SQL spelling of SQLite");
    cr_expect_str_eq(sql_of(dorm_select_related(dorm_all(T.cx, Book), "author")),
                     BOOK_SELECT ", " AUTHOR_COLUMNS BOOK_JOIN_AUTHOR
                                 " ORDER BY \"library_book\".\"publication_date\" DESC");
    /* Naming the relation twice joins it once. */
    const char *twice = sql_of(dorm_select_related(dorm_select_related(dorm_all(T.cx, Book), "author"), "author"));
    cr_expect_eq(occurrences(twice, "JOIN"), 1, "%s", twice);
}

Test(select_related, nullable_key_is_a_left_outer_join, .init = test_db_open, .fini = test_db_close) {
    test_db_catalogue();
    Author *orwell = author_named("George Orwell");
    Everything *none = dorm_create(T.cx, Everything, .char_f = "none");
    Everything *some = dorm_create(T.cx, Everything, .char_f = "orwell", .maybe_author = {orwell->id, NULL});
    cr_assert(none && some, "%s", dorm_errmsg(T.cx));

    dorm_qs *qs = dorm_order_by(dorm_select_related(dorm_all(T.cx, Everything), "maybe_author"), "id");
    if (on_sqlite()) {
        const char *sql = sql_of(qs);
        cr_expect_not_null(strstr(sql,
                                  " FROM \"library_everything\" LEFT OUTER JOIN \"library_author\" ON "
                                  "(\"library_everything\".\"maybe_author_id\" = \"library_author\".\"id\")"),
                           "%s", sql);
        cr_expect_not_null(strstr(sql, "\"library_everything\".\"maybe_author_id\", " AUTHOR_COLUMNS " FROM"), "%s",
                           sql);
    }
    uint64_t q0 = queries();
    size_t n = 0;
    Everything **rows = (Everything **)dorm_list(qs, &n);
    cr_assert_not_null(rows, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(n, 2, "the row without an author is kept");
    cr_expect_str_eq(rows[0]->char_f, "none");
    cr_expect_null(rows[0]->maybe_author.obj);
    cr_expect_null(dorm_fk(rows[0], maybe_author), "a NULL key has no object");
    cr_expect_str_eq(rows[1]->char_f, "orwell");
    cr_assert_not_null(rows[1]->maybe_author.obj);
    cr_expect_str_eq(dorm_fk(rows[1], maybe_author)->name, "George Orwell");
    cr_expect_eq(rows[1]->maybe_author.obj->id, orwell->id);
    cr_expect_eq(queries() - q0, 1);
    cr_expect_eq(dorm_errcode(T.cx), DORM_OK);
}

Test(select_related, filter_on_the_relation_reuses_the_join, .init = test_db_open, .fini = test_db_close) {
    test_db_catalogue();
    Author *orwell = author_named("George Orwell");
    cr_assert(dorm_create(T.cx, Everything, .char_f = "none"));
    cr_assert(dorm_create(T.cx, Everything, .char_f = "orwell", .maybe_author = {orwell->id, NULL}));
    /* Django: a condition on the joined model needs its row, so the one join
     * is INNER whichever call comes first. */
    dorm_qs *after = dorm_filter(dorm_select_related(dorm_all(T.cx, Everything), "maybe_author"),
                                 DQ("maybe_author__name", "George Orwell"));
    dorm_qs *before = dorm_select_related(
        dorm_filter(dorm_all(T.cx, Everything), DQ("maybe_author__name", "George Orwell")), "maybe_author");
    dorm_qs *both[] = {after, before};
    for (int i = 0; i < 2; i++) {
        if (on_sqlite()) {
            const char *sql = sql_of(both[i]);
            cr_expect_eq(occurrences(sql, "JOIN"), 1, "%s", sql);
            cr_expect_not_null(strstr(sql, "INNER JOIN \"library_author\""), "%s: %s",
                               i ? "filter() first" : "select_related() first", sql);
        }
        uint64_t q0 = queries();
        size_t n = 0;
        Everything **rows = (Everything **)dorm_list(both[i], &n);
        cr_assert_not_null(rows, "%s", dorm_errmsg(T.cx));
        cr_assert_eq(n, 1);
        cr_expect_str_eq(rows[0]->char_f, "orwell");
        cr_assert_not_null(rows[0]->maybe_author.obj);
        cr_expect_str_eq(rows[0]->maybe_author.obj->name, "George Orwell");
        cr_expect_eq(queries() - q0, 1);
    }
}

Test(select_related, errors_name_the_choices, .init = test_db_open, .fini = test_db_close) {
    dorm_qs *books = dorm_all(T.cx, Book);
    expect_failed(dorm_select_related(books, "nope"), DORM_EFIELD,
                  "Invalid field name(s) given in select_related: 'nope'. Choices are: author");
    expect_failed(dorm_select_related(books, "title"), DORM_EFIELD,
                  "Non-relational field given in select_related: 'title'. Choices are: author");
    expect_failed(dorm_select_related(books, "author__nope"), DORM_EFIELD,
                  "Invalid field name(s) given in select_related: 'nope'. Choices are: (none)");
    expect_failed(dorm_select_related(dorm_all(T.cx, Everything), "nope"), DORM_EFIELD,
                  "Invalid field name(s) given in select_related: 'nope'. Choices are: maybe_author");
    /* A reverse relation cannot be joined to one object. */
    expect_failed(dorm_select_related(dorm_all(T.cx, Author), "books"), DORM_EFIELD,
                  "Invalid field name(s) given in select_related: 'books'. Choices are: (none)");
    expect_failed(dorm_select_related(dorm_all(T.cx, Author), "name"), DORM_EFIELD,
                  "Non-relational field given in select_related: 'name'. Choices are: (none)");
    /* The error is sticky and evaluation reports it without a query. */
    uint64_t q0 = queries();
    dorm_qs *bad = dorm_order_by(dorm_select_related(books, "nope"), "title");
    cr_expect_null(dorm_list(bad, NULL));
    cr_expect_eq(dorm_errcode(T.cx), DORM_EFIELD);
    cr_expect_eq(queries() - q0, 0);
    cr_expect_eq(dorm_qs_errcode(books), DORM_OK, "the QuerySet it started from is unchanged");
}

Test(select_related, after_values_is_refused, .init = test_db_open, .fini = test_db_close) {
    dorm_qs *qs = dorm_select_related(dorm_values(dorm_all(T.cx, Book), "title"), "author");
    cr_expect_eq(dorm_qs_errcode(qs), DORM_EVALUE, "%s", dorm_qs_errmsg(qs));
    cr_expect_str_eq(dorm_qs_errmsg(qs), "Cannot call select_related() after .values() or .values_list()");
}

Test(select_related, all_follows_non_null_keys_only, .init = test_db_open, .fini = test_db_close) {
    test_db_catalogue();
    Author *orwell = author_named("George Orwell");
    cr_assert(dorm_create(T.cx, Everything, .char_f = "orwell", .maybe_author = {orwell->id, NULL}));

    dorm_qs *books = dorm_select_related_all(dorm_all(T.cx, Book));
    if (on_sqlite()) {
        cr_expect_str_eq(sql_of(books), sql_of(dorm_select_related(dorm_all(T.cx, Book), "author")));
        cr_expect_null(strstr(sql_of(dorm_select_related_all(dorm_all(T.cx, Everything))), "JOIN"),
                       "a nullable ForeignKey is not followed");
    }
    uint64_t q0 = queries();
    DORM_EACH(Book, b, books) {
        cr_assert_not_null(b->author.obj, "%s", b->title);
        cr_expect_eq(b->author.obj->id, b->author.id);
    }
    cr_expect_eq(queries() - q0, 1);

    q0 = queries();
    Everything *e = dorm_first(dorm_select_related_all(dorm_all(T.cx, Everything)));
    cr_assert_not_null(e, "%s", dorm_errmsg(T.cx));
    cr_expect_null(e->maybe_author.obj);
    cr_expect_eq(queries() - q0, 1);
    cr_assert_not_null(dorm_fk(e, maybe_author), "%s", dorm_errmsg(T.cx));
    cr_expect_str_eq(e->maybe_author.obj->name, "George Orwell");
    cr_expect_eq(queries() - q0, 2, "the nullable relation loads on access");
}

Test(select_related, with_filter_order_by_and_slice, .init = test_db_open, .fini = test_db_close) {
    test_db_catalogue();
    dorm_qs *qs = dorm_slice(dorm_order_by(dorm_filter(dorm_select_related(dorm_all(T.cx, Book), "author"),
                                                       DQ("author__name", "Jane Austen")),
                                           "title"),
                             1, 3);
    if (on_sqlite())
        cr_expect_str_eq(sql_of(qs),
                         BOOK_SELECT ", " AUTHOR_COLUMNS BOOK_JOIN_AUTHOR
                                     " WHERE \"library_author\".\"name\" = ? ORDER BY \"library_book\".\"title\" ASC"
                                     " LIMIT 2 OFFSET 1");
    uint64_t q0 = queries();
    void **books = dorm_list(qs, NULL);
    cr_expect_str_eq(names_of(books), "Persuasion, Pride and Prejudice");
    for (size_t i = 0; books[i]; i++) cr_expect_str_eq(dorm_fk((Book *)books[i], author)->name, "Jane Austen");
    cr_expect_eq(queries() - q0, 1);

    /* Ordering by the related model's field uses the same join. */
    dorm_qs *by_author = dorm_order_by(dorm_select_related(dorm_all(T.cx, Book), "author"), "author__name", "title");
    if (on_sqlite()) cr_expect_eq(occurrences(sql_of(by_author), "JOIN"), 1, "%s", sql_of(by_author));
    q0 = queries();
    cr_expect_str_eq(names(by_author),
                     "1984, Animal Farm, Homage to Catalonia, On Fairy-Stories, The Hobbit, Emma, "
                     "Persuasion, Pride and Prejudice");
    Book *first = dorm_first(dorm_order_by(dorm_select_related(dorm_all(T.cx, Book), "author"), "author__name"));
    cr_assert_not_null(first, "%s", dorm_errmsg(T.cx));
    cr_assert_not_null(first->author.obj, "first() keeps select_related");
    cr_expect_str_eq(first->author.obj->name, "George Orwell");
    Book *got = dorm_get(dorm_select_related(dorm_all(T.cx, Book), "author"), DQ("title", "The Hobbit"));
    cr_assert_not_null(got, "%s", dorm_errmsg(T.cx));
    cr_assert_not_null(got->author.obj, "get() keeps select_related");
    cr_expect_str_eq(got->author.obj->name, "J.R.R. Tolkien");
    cr_expect_eq(queries() - q0, 3);
}

Test(select_related, with_iterator, .init = test_db_open, .fini = test_db_close) {
    test_db_catalogue();
    uint64_t q0 = queries();
    dorm_iter *it = dorm_iterator(dorm_select_related(dorm_all(T.cx, Book), "author"), 3);
    cr_assert_not_null(it);
    char seen[1024] = "";
    size_t len = 0, n = 0;
    for (Book *b; (b = dorm_next(it)) != NULL; n++) {
        cr_assert_not_null(b->author.obj, "%s", b->title);
        cr_expect_eq(b->author.obj->id, b->author.id);
        len += (size_t)snprintf(seen + len, sizeof seen - len, "%s%s/%s", n ? ", " : "", b->title,
                                dorm_fk(b, author)->name);
    }
    cr_assert_eq(dorm_iter_errcode(it), DORM_OK, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(n, 8);
    cr_expect_str_eq(seen,
                     "1984/George Orwell, On Fairy-Stories/J.R.R. Tolkien, Animal Farm/George Orwell, "
                     "Homage to Catalonia/George Orwell, The Hobbit/J.R.R. Tolkien, Persuasion/Jane Austen, "
                     "Emma/Jane Austen, Pride and Prejudice/Jane Austen");
    cr_expect_eq(queries() - q0, 1);
    dorm_iter_close(it);
}

/* ---- prefetch_related ---- */

Test(prefetch_related, reverse_relation_in_two_queries, .init = test_db_open, .fini = test_db_close) {
    test_db_catalogue();
    uint64_t q0 = queries();
    size_t n = 0;
    void **authors = dorm_list(dorm_prefetch_related(dorm_all(T.cx, Author), "books"), &n);
    cr_assert_not_null(authors, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(queries() - q0, 2, "one query for the authors, one for all their books");
    cr_expect_str_eq(names_of(authors), "George Orwell, J.R.R. Tolkien, Jane Austen");
    /* Each author's books in Book's Meta ordering, newest first. */
    static const char *const expect[] = {"1984, Animal Farm, Homage to Catalonia", "On Fairy-Stories, The Hobbit",
                                         "Persuasion, Emma, Pride and Prejudice"};
    static const int64_t counts[] = {3, 2, 3};
    q0 = queries();
    for (size_t i = 0; i < n; i++) {
        Author *a = authors[i];
        dorm_qs *books = dorm_related(a, "books");
        cr_assert_eq(dorm_qs_errcode(books), DORM_OK, "%s", dorm_qs_errmsg(books));
        cr_expect_eq(dorm_count(books), counts[i], "%s", a->name);
        cr_expect_eq(dorm_len(books), counts[i]);
        cr_expect_eq(dorm_exists(books), 1);
        cr_expect_str_eq(names(books), expect[i]);
        int64_t seen = 0;
        DORM_EACH(Book, b, dorm_related(a, "books")) {
            seen++;
            cr_expect_eq(b->author.id, a->id);
            /* The way back to the owner is known: Django sets it too. */
            cr_expect_eq(dorm_fk(b, author), a, "%s", b->title);
        }
        cr_expect_eq(seen, counts[i]);
    }
    cr_expect_eq(queries() - q0, 0, "the cached relation runs no query");
}

Test(prefetch_related, chaining_on_the_cache_queries_again, .init = test_db_open, .fini = test_db_close) {
    test_db_catalogue();
    void **authors = dorm_list(dorm_prefetch_related(dorm_all(T.cx, Author), "books"), NULL);
    cr_assert_not_null(authors, "%s", dorm_errmsg(T.cx));
    static const char *const long_ones[] = {"1984", "The Hobbit", "Emma, Pride and Prejudice"};
    static const char *const by_title[] = {"1984, Animal Farm, Homage to Catalonia", "On Fairy-Stories, The Hobbit",
                                           "Emma, Persuasion, Pride and Prejudice"};
    uint64_t q0 = queries();
    for (size_t i = 0; authors[i]; i++) {
        cr_expect_str_eq(names(dorm_filter(dorm_related(authors[i], "books"), DQ("pages__gt", 300))), long_ones[i]);
        cr_expect_str_eq(names(dorm_order_by(dorm_related(authors[i], "books"), "title")), by_title[i]);
    }
    cr_expect_eq(queries() - q0, 6, "filter() and order_by() on a prefetched manager run a query each");
}

Test(prefetch_related, nested_reverse_then_forward, .init = test_db_open, .fini = test_db_close) {
    test_db_catalogue();
    uint64_t q0 = queries();
    void **authors = dorm_list(dorm_prefetch_related(dorm_all(T.cx, Author), "books__author"), NULL);
    cr_assert_not_null(authors, "%s", dorm_errmsg(T.cx));
    /* Django: the books' authors are already known from the reverse
     * prefetch, so "author" needs no third query. */
    cr_expect_eq(queries() - q0, 2);
    q0 = queries();
    int copies = 0;
    for (size_t i = 0; authors[i]; i++) {
        Author *a = authors[i];
        DORM_EACH(Book, b, dorm_related(a, "books")) {
            cr_assert_not_null(b->author.obj, "%s", b->title);
            cr_expect_str_eq(dorm_fk(b, author)->name, a->name);
            if (b->author.obj != a) copies++;
        }
    }
    cr_expect_eq(copies, 0, "each book's author is its owner itself, as in Django");
    cr_expect_eq(queries() - q0, 0);
}

Test(prefetch_related, nested_forward_then_reverse, .init = test_db_open, .fini = test_db_close) {
    test_db_catalogue();
    uint64_t q0 = queries();
    void **books =
        dorm_list(dorm_prefetch_related(dorm_order_by(dorm_all(T.cx, Book), "title"), "author__books"), NULL);
    cr_assert_not_null(books, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(queries() - q0, 3, "books, their authors, the authors' books");
    q0 = queries();
    static const int64_t shelf[] = {3, 3, 3, 3, 2, 3, 3, 2};
    for (size_t i = 0; books[i]; i++) {
        Book *b = books[i];
        cr_assert_not_null(b->author.obj, "%s", b->title);
        cr_expect_eq(dorm_count(dorm_related(dorm_fk(b, author), "books")), shelf[i], "%s", b->title);
    }
    cr_expect_eq(queries() - q0, 0);
}

Test(prefetch_related, forward_relation, .init = test_db_open, .fini = test_db_close) {
    test_db_catalogue();
    uint64_t q0 = queries();
    size_t n = 0;
    void **books = dorm_list(dorm_prefetch_related(dorm_all(T.cx, Book), "author"), &n);
    cr_assert_not_null(books, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(n, 8);
    cr_expect_eq(queries() - q0, 2);
    q0 = queries();
    for (size_t i = 0; i < n; i++) {
        Book *b = books[i];
        cr_assert_not_null(author_of(b), "%s", b->title);
        cr_expect_eq(dorm_fk(b, author)->id, b->author.id);
    }
    /* Books of one author share the one loaded object. */
    cr_expect_eq(author_of(books[0]), author_of(books[2]), "1984 and Animal Farm");
    cr_expect_str_eq(author_of(books[0])->name, "George Orwell");
    cr_expect_str_eq(author_of(books[7])->name, "Jane Austen");
    cr_expect_eq(queries() - q0, 0);

    /* A nullable key that is NULL is skipped; the others are loaded. */
    Author *tolkien = author_named("J.R.R. Tolkien");
    cr_assert(dorm_create(T.cx, Everything, .char_f = "none"));
    cr_assert(dorm_create(T.cx, Everything, .char_f = "tolkien", .maybe_author = {tolkien->id, NULL}));
    q0 = queries();
    Everything **rows = (Everything **)dorm_list(
        dorm_prefetch_related(dorm_order_by(dorm_all(T.cx, Everything), "id"), "maybe_author"), &n);
    cr_assert_not_null(rows, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(n, 2);
    cr_expect_eq(queries() - q0, 2);
    cr_expect_null(rows[0]->maybe_author.obj);
    cr_assert_not_null(rows[1]->maybe_author.obj);
    cr_expect_str_eq(rows[1]->maybe_author.obj->name, "J.R.R. Tolkien");
}

Test(prefetch_related, invalid_paths, .init = test_db_open, .fini = test_db_close) {
    test_db_catalogue();
    dorm_qs *qs = dorm_prefetch_related(dorm_all(T.cx, Author), "nope");
    cr_expect_eq(dorm_qs_errcode(qs), DORM_OK, "paths are checked when the QuerySet is evaluated");
    cr_expect_null(dorm_list(qs, NULL));
    cr_expect_eq(dorm_errcode(T.cx), DORM_EVALUE);
    cr_expect_str_eq(dorm_errmsg(T.cx),
                     "Cannot find 'nope' on Author object, 'nope' is an invalid parameter to prefetch_related()");

    cr_expect_null(dorm_list(dorm_prefetch_related(dorm_all(T.cx, Author), "books__nope"), NULL));
    cr_expect_eq(dorm_errcode(T.cx), DORM_EVALUE);
    cr_expect_str_eq(dorm_errmsg(T.cx),
                     "Cannot find 'nope' on Book object, 'books__nope' is an invalid parameter to prefetch_related()");

    cr_expect_null(dorm_list(dorm_prefetch_related(dorm_all(T.cx, Author), "name"), NULL));
    cr_expect_eq(dorm_errcode(T.cx), DORM_EVALUE);
    cr_expect_str_eq(dorm_errmsg(T.cx),
                     "'name' does not resolve to an item that supports prefetching - this is an "
                     "invalid parameter to prefetch_related().");

    cr_expect_null(dorm_list(dorm_prefetch_related(dorm_all(T.cx, Author), "books__title"), NULL));
    cr_expect_eq(dorm_errcode(T.cx), DORM_EVALUE);
    cr_expect_str_eq(dorm_errmsg(T.cx),
                     "'books__title' does not resolve to an item that supports prefetching - this "
                     "is an invalid parameter to prefetch_related().");

    /* A hidden reverse relation (related_name "+") cannot be prefetched. */
    cr_expect_null(dorm_list(dorm_prefetch_related(dorm_all(T.cx, Author), "everything_set"), NULL));
    cr_expect_eq(dorm_errcode(T.cx), DORM_EVALUE);
}

Test(prefetch_related, nothing_fetched_checks_nothing, .init = test_db_open, .fini = test_db_close) {
    test_db_catalogue();
    /* Django returns before looking at the paths when there is no object. */
    uint64_t q0 = queries();
    size_t n = 99;
    void **none = dorm_list(
        dorm_prefetch_related(dorm_filter(dorm_all(T.cx, Author), DQ("name", "Nobody")), "books", "nope"), &n);
    cr_expect_not_null(none, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(n, 0);
    cr_expect_eq(queries() - q0, 1);
    /* Nor at a level that found nothing: Nobody has no books to look into. */
    cr_assert(dorm_create(T.cx, Author, .name = "Nobody"));
    none =
        dorm_list(dorm_prefetch_related(dorm_filter(dorm_all(T.cx, Author), DQ("name", "Nobody")), "books__nope"), &n);
    cr_expect_not_null(none, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(n, 1);
}

Test(prefetch_related, author_without_books_has_an_empty_cache, .init = test_db_open, .fini = test_db_close) {
    test_db_catalogue();
    cr_assert(dorm_create(T.cx, Author, .name = "Nobody"));
    uint64_t q0 = queries();
    void **authors = dorm_list(dorm_prefetch_related(dorm_all(T.cx, Author), "books"), NULL);
    cr_assert_not_null(authors, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(queries() - q0, 2);
    cr_expect_str_eq(names_of(authors), "George Orwell, J.R.R. Tolkien, Jane Austen, Nobody");
    q0 = queries();
    Author *nobody = authors[3];
    dorm_qs *books = dorm_related(nobody, "books");
    size_t n = 99;
    void **list = dorm_list(books, &n);
    cr_assert_not_null(list, "an empty cache is a list, not an error: %s", dorm_errmsg(T.cx));
    cr_expect_eq(n, 0);
    cr_expect_null(list[0]);
    cr_expect_eq(dorm_count(books), 0);
    cr_expect_eq(dorm_exists(books), 0);
    cr_expect_eq(queries() - q0, 0);
    /* The others still have theirs. */
    cr_expect_eq(dorm_count(dorm_related(authors[2], "books")), 3);
    cr_expect_eq(queries() - q0, 0);
    /* first() of an evaluated, ordered QuerySet is Django's self[:1]: the cache. */
    cr_expect_null(dorm_first(books));
    cr_expect_eq(dorm_errcode(T.cx), DORM_OK);
    Book *newest = dorm_first(dorm_related(authors[2], "books"));
    cr_assert_not_null(newest, "%s", dorm_errmsg(T.cx));
    cr_expect_str_eq(newest->title, "Persuasion");
    cr_expect_eq(queries() - q0, 0, "first() on the cache runs no query");
}

Test(prefetch_related, owners_fetched_twice_each_get_the_relation, .init = test_db_open, .fini = test_db_close) {
    test_db_catalogue();
    /* The join gives Austen once per long book: two objects, one key. */
    dorm_qs *qs = dorm_prefetch_related(dorm_filter(dorm_all(T.cx, Author), DQ("books__pages__gt", 300)), "books");
    uint64_t q0 = queries();
    void **authors = dorm_list(qs, NULL);
    cr_expect_str_eq(names_of(authors), "George Orwell, J.R.R. Tolkien, Jane Austen, Jane Austen");
    cr_expect_eq(queries() - q0, 2);
    static const int64_t counts[] = {3, 2, 3, 3};
    for (size_t i = 0; authors[i]; i++)
        cr_expect_eq(dorm_count(dorm_related(authors[i], "books")), counts[i], "%s (#%zu)",
                     ((Author *)authors[i])->name, i);
    cr_expect_eq(queries() - q0, 2);
}

Test(prefetch_related, combined_with_select_related_and_filters, .init = test_db_open, .fini = test_db_close) {
    test_db_catalogue();
    uint64_t q0 = queries();
    /* Non-fiction only, the authors joined, and each author's whole shelf. */
    dorm_qs *qs = dorm_prefetch_related(
        dorm_order_by(dorm_select_related(dorm_filter(dorm_all(T.cx, Book), DQ("genre", "NON")), "author"), "title"),
        "author__books");
    void **books = dorm_list(qs, NULL);
    cr_expect_str_eq(names_of(books), "On Fairy-Stories");
    cr_expect_eq(queries() - q0, 2, "the books with their authors, then the authors' books");
    q0 = queries();
    Book *b = books[0];
    cr_assert_not_null(b->author.obj);
    cr_expect_str_eq(names(dorm_related(b->author.obj, "books")), "On Fairy-Stories, The Hobbit");
    cr_expect_eq(queries() - q0, 0);
}

/* ---- N+1 detection ---- */

Test(nplusone, strict_policy_accepts_what_was_loaded_ahead, .init = test_db_open, .fini = test_db_close) {
    test_db_catalogue();
    dorm_ctx_set_nplusone(T.cx, DORM_NPLUSONE_STRICT, NULL, NULL);
    DORM_EACH(Book, b, dorm_select_related(dorm_all(T.cx, Book), "author"))
    cr_expect_not_null(dorm_fk(b, author), "%s: %s", b->title, dorm_errmsg(T.cx));
    DORM_EACH(Book, b, dorm_prefetch_related(dorm_all(T.cx, Book), "author"))
    cr_expect_not_null(dorm_fk(b, author), "%s: %s", b->title, dorm_errmsg(T.cx));
    DORM_EACH(Author, a, dorm_prefetch_related(dorm_all(T.cx, Author), "books__author")) {
        dorm_qs *books = dorm_related(a, "books");
        cr_expect_eq(dorm_qs_errcode(books), DORM_OK, "%s: %s", a->name, dorm_qs_errmsg(books));
        DORM_EACH(Book, b, books) cr_expect_not_null(dorm_fk(b, author), "%s: %s", b->title, dorm_errmsg(T.cx));
    }
    cr_expect_eq(dorm_errcode(T.cx), DORM_OK, "%s", dorm_errmsg(T.cx));

    /* The same loops without loading ahead: the second lazy load is refused. */
    Book **books = (Book **)dorm_list(dorm_all(T.cx, Book), NULL);
    cr_assert_not_null(books, "%s", dorm_errmsg(T.cx));
    cr_expect_not_null(dorm_fk(books[0], author), "the first load is not a pattern yet");
    cr_expect_null(dorm_fk(books[1], author));
    cr_expect_eq(dorm_errcode(T.cx), DORM_EPOLICY);
    cr_expect_str_eq(dorm_errmsg(T.cx),
                     "N+1 queries: Book.author is loaded one object at a time for the objects of "
                     "one QuerySet; load it with select_related(\"author\") on that QuerySet.");
    Author **authors = (Author **)dorm_list(dorm_all(T.cx, Author), NULL);
    cr_assert_not_null(authors, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(dorm_qs_errcode(dorm_related(authors[0], "books")), DORM_OK);
    dorm_qs *second = dorm_related(authors[1], "books");
    cr_expect_eq(dorm_qs_errcode(second), DORM_EPOLICY, "%s", dorm_qs_errmsg(second));
    cr_expect_str_eq(dorm_qs_errmsg(second),
                     "N+1 queries: Author.books is loaded one object at a time for the objects "
                     "of one QuerySet; load it with prefetch_related(\"books\") on that "
                     "QuerySet.");
}

/* ---- the reverse manager without a prefetch ---- */

Test(related, reverse_manager_queries, .init = test_db_open, .fini = test_db_close) {
    test_db_catalogue();
    Author *austen = author_named("Jane Austen");
    uint64_t q0 = queries();
    dorm_qs *books = dorm_related(austen, "books");
    cr_assert_eq(dorm_qs_errcode(books), DORM_OK, "%s", dorm_qs_errmsg(books));
    cr_expect_eq(queries() - q0, 0, "the manager is lazy");
    cr_expect_str_eq(names(books), "Persuasion, Emma, Pride and Prejudice");
    cr_expect_eq(queries() - q0, 1);
    cr_expect_eq(dorm_count(books), 3, "count() of an evaluated QuerySet uses its cache");
    cr_expect_eq(queries() - q0, 1);
    cr_expect_str_eq(names(dorm_filter(dorm_related(austen, "books"), DQ("title__startswith", "P"))),
                     "Persuasion, Pride and Prejudice");
    cr_expect_eq(dorm_count(dorm_exclude(dorm_related(austen, "books"), DQ("title", "Emma"))), 2);
    cr_expect_eq(queries() - q0, 3);
    /* Each object of the relation points back at the owner's key. */
    DORM_EACH(Book, b, dorm_related(austen, "books")) cr_expect_eq(b->author.id, austen->id);

    /* A new book shows up in a new manager. */
    cr_assert(dorm_create(T.cx, Book, .title = "Sanditon", .author = {austen->id, NULL},
                          .publication_date = dorm_date_ymd(1925, 1, 1), .isbn = "9780140431988"),
              "%s", dorm_errmsg(T.cx));
    cr_expect_eq(dorm_count(dorm_related(austen, "books")), 4);
    cr_expect_eq(dorm_count(books), 3, "an evaluated QuerySet keeps its cache");
}

Test(related, reverse_manager_errors, .init = test_db_open, .fini = test_db_close) {
    test_db_catalogue();
    Author *austen = author_named("Jane Austen");
    uint64_t q0 = queries();
    expect_failed(dorm_related(austen, "nope"), DORM_EFIELD,
                  "'Author' object has no reverse relation 'nope'. Choices are: books");
    /* related_name "+" hides Everything's relation. */
    cr_expect_eq(dorm_qs_errcode(dorm_related(austen, "everything_set")), DORM_EFIELD);
    Author *unsaved = dorm_new(T.cx, Author);
    cr_assert_not_null(unsaved);
    unsaved->name = "Unsaved";
    dorm_qs *qs = dorm_related(unsaved, "books");
    expect_failed(qs, DORM_EVALUE,
                  "'Author' instance needs to have a primary key value before this relationship can be used.");
    cr_expect_null(dorm_list(qs, NULL));
    cr_expect_eq(dorm_errcode(T.cx), DORM_EVALUE);
    cr_expect_eq(queries() - q0, 0);
}
