/* test_policy.c - a context's query policies: N+1 detection in WARN mode
 * (one notice per QuerySet and relation, naming the fix; the loads still
 * run; $DORM_NPLUSONE and stderr) and the query budget (statements beyond it
 * fail with DORM_EPOLICY before reaching the database). */
#define _POSIX_C_SOURCE 200809L /* setenv, fileno, dup */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testdb.h"

typedef struct notices {
    int n;
    char last[512];
} notices;

static void collect(const char *message, void *payload) {
    notices *got = payload;
    got->n++;
    snprintf(got->last, sizeof got->last, "%s", message);
}

static const char *book_author =
    "N+1 queries: Book.author is loaded one object at a time for the objects of one QuerySet; load it with "
    "select_related(\"author\") on that QuerySet.";

Test(nplusone_warn, warns_once_per_queryset_and_relation, .init = test_db_open, .fini = test_db_close) {
    test_db_catalogue();
    notices got = {0, ""};
    dorm_ctx_set_nplusone(T.cx, DORM_NPLUSONE_WARN, collect, &got);
    size_t n;
    Book **books = (Book **)dorm_list(dorm_all(T.cx, Book), &n);
    cr_assert(books && n == 8, "%s", dorm_errmsg(T.cx));
    cr_assert_not_null(dorm_fk(books[0], author));
    cr_assert_eq(got.n, 0, "one lazy load is not a pattern");
    for (size_t i = 1; i < n; i++)
        cr_assert_not_null(dorm_fk(books[i], author), "WARN still loads: %s", dorm_errmsg(T.cx));
    cr_assert_eq(got.n, 1, "one notice for the loop, not one per object");
    cr_assert_str_eq(got.last, book_author);
    cr_assert_eq(dorm_errcode(T.cx), DORM_OK);
    /* A new QuerySet is a new loop: one more notice. */
    books = (Book **)dorm_list(dorm_all(T.cx, Book), &n);
    for (size_t i = 0; i < n; i++) dorm_fk(books[i], author);
    cr_assert_eq(got.n, 2);
    /* The reverse side names prefetch_related. */
    Author **authors = (Author **)dorm_list(dorm_all(T.cx, Author), &n);
    for (size_t i = 0; i < n; i++) cr_assert_geq(dorm_count(dorm_related(authors[i], "books")), 1);
    cr_assert_eq(got.n, 3);
    cr_assert_str_eq(got.last,
                     "N+1 queries: Author.books is loaded one object at a time for the objects of one "
                     "QuerySet; load it with prefetch_related(\"books\") on that QuerySet.");
    /* Objects fetched one by one are no loop; loaded ahead, nothing is lazy. */
    for (int i = 0; i < 3; i++) dorm_fk((Book *)dorm_get(dorm_all(T.cx, Book), DQ("title", "Emma")), author);
    DORM_EACH(Book, b, dorm_select_related(dorm_all(T.cx, Book), "author")) dorm_fk(b, author);
    cr_assert_eq(got.n, 3);
    /* OFF: no notice. */
    dorm_ctx_set_nplusone(T.cx, DORM_NPLUSONE_OFF, collect, &got);
    DORM_EACH(Book, b, dorm_all(T.cx, Book)) dorm_fk(b, author);
    cr_assert_eq(got.n, 3);
}

Test(nplusone_warn, environment_and_stderr, .init = test_db_open, .fini = test_db_close) {
    test_db_catalogue();
    test_tmpdir_make("dorm-policy");
    const char *path = test_tmpdir_path("stderr.txt");
    fflush(stderr);
    int saved = dup(fileno(stderr));
    cr_assert_not_null(freopen(path, "w", stderr));
    setenv("DORM_NPLUSONE", "warn", 1);
    dorm_ctx *cx = dorm_ctx_new(T.db);
    unsetenv("DORM_NPLUSONE");
    cr_assert_not_null(cx);
    DORM_EACH(Book, b, dorm_all(cx, Book)) cr_assert_not_null(dorm_fk(b, author), "%s", dorm_errmsg(cx));
    dorm_ctx_free(cx);
    fflush(stderr);
    dup2(saved, fileno(stderr));
    close(saved);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    char text[1024] = "";
    size_t len = fread(text, 1, sizeof text - 1, f);
    text[len] = '\0';
    fclose(f);
    test_tmpdir_remove();
    char want[600];
    snprintf(want, sizeof want, "dorm: %s\n", book_author);
    cr_assert_str_eq(text, want);
}

Test(query_budget, statements_beyond_the_budget_fail_before_the_database, .init = test_db_open, .fini = test_db_close) {
    test_db_catalogue();
    uint64_t ran = dorm_db_query_count(T.db);
    dorm_ctx_set_query_budget(T.cx, 2);
    cr_assert_eq(dorm_count(dorm_all(T.cx, Book)), 8, "%s", dorm_errmsg(T.cx));
    cr_assert_not_null(dorm_get(dorm_all(T.cx, Author), DQ("name", "Jane Austen")), "%s", dorm_errmsg(T.cx));
    cr_assert_lt(dorm_count(dorm_all(T.cx, Book)), 0);
    cr_assert_eq(dorm_errcode(T.cx), DORM_EPOLICY);
    cr_assert_str_eq(dorm_errmsg(T.cx), "Query budget exceeded: this context may run no more statements.");
    cr_assert_null(dorm_create(T.cx, Author, .name = "Over"));
    cr_assert_eq(dorm_errcode(T.cx), DORM_EPOLICY);
    cr_assert_eq(dorm_db_query_count(T.db) - ran, 2, "the refused statements never reached the database");
    /* A new budget counts from here; a negative one lifts it. */
    dorm_ctx_set_query_budget(T.cx, 1);
    cr_assert_eq(dorm_count(dorm_all(T.cx, Author)), 3, "%s", dorm_errmsg(T.cx));
    cr_assert_lt(dorm_count(dorm_all(T.cx, Author)), 0);
    cr_assert_eq(dorm_errcode(T.cx), DORM_EPOLICY);
    dorm_ctx_set_query_budget(T.cx, -1);
    cr_assert_eq(dorm_count(dorm_all(T.cx, Author)), 3, "%s", dorm_errmsg(T.cx));
    /* The budget belongs to the context: another on the same connection is free. */
    dorm_ctx_set_query_budget(T.cx, 0);
    dorm_ctx *other = dorm_ctx_new(T.db);
    cr_assert_eq(dorm_count(dorm_all(other, Author)), 3, "%s", dorm_errmsg(other));
    dorm_ctx_free(other);
    cr_assert_lt(dorm_count(dorm_all(T.cx, Author)), 0);
    cr_assert_eq(dorm_errcode(T.cx), DORM_EPOLICY);
}
