/* test_iterator_related.c - select_related and prefetch_related on
 * dorm_iterator(): the joined objects per row, and the prefetched relations
 * per chunk (one query per level per chunk, as Django 4.1's iterator). */
#include <criterion/criterion.h>
#include <string.h>

#include "testdb.h"

static void open_catalogue(void) {
    test_db_open();
    test_db_catalogue();
}

TestSuite(iterator_related, .init = open_catalogue, .fini = test_db_close);

Test(iterator_related, prefetch_per_chunk) {
    dorm_qs *qs = dorm_prefetch_related(dorm_order_by(dorm_all(T.cx, Author), "name"), "books");
    uint64_t before = dorm_ctx_query_count(T.cx);
    dorm_iter *it = dorm_iterator(qs, 2);
    int64_t books = 0;
    int authors = 0;
    for (Author *a; (a = dorm_next(it));) {
        authors++;
        books += dorm_count(dorm_related(a, "books"));
    }
    cr_assert_eq(dorm_iter_errcode(it), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(authors, 3);
    cr_expect_eq(books, 8);
    /* The authors' statement, then the books of each chunk of two. */
    cr_expect_eq(dorm_ctx_query_count(T.cx) - before, 3);
}

Test(iterator_related, select_related_per_row) {
    dorm_qs *qs = dorm_select_related(dorm_all(T.cx, Book), "author");
    uint64_t before = dorm_ctx_query_count(T.cx);
    dorm_iter *it = dorm_iterator(qs, 3);
    int n = 0;
    for (Book *b; (b = dorm_next(it));) {
        cr_assert_not_null(b->author.obj);
        cr_expect(strlen(dorm_fk(b, author)->name) > 0);
        n++;
    }
    cr_expect_eq(n, 8);
    cr_expect_eq(dorm_ctx_query_count(T.cx) - before, 1);
}

Test(iterator_related, closing_early_and_bad_paths) {
    dorm_iter *it = dorm_iterator(dorm_prefetch_related(dorm_all(T.cx, Author), "books"), 1);
    cr_assert_not_null(dorm_next(it), "%s", dorm_errmsg(T.cx));
    dorm_iter_close(it);
    it = dorm_iterator(dorm_prefetch_related(dorm_all(T.cx, Author), "nope"), 5);
    cr_expect_null(dorm_next(it));
    cr_expect_eq(dorm_iter_errcode(it), DORM_EVALUE);
    cr_expect(strstr(dorm_errmsg(T.cx), "Cannot find 'nope' on Author object"), "%s", dorm_errmsg(T.cx));
}
