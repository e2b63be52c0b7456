/* test_delete.c - obj.delete() and qs.delete(): what they remove, the counts
 * per model they return (Django's (total, {"library.Book": n})), cascades
 * along Book.author, and SET_NULL along Everything.maybe_author. */
#include <criterion/criterion.h>
#include <string.h>

#include "testdb.h"

static int64_t count(const dorm_model *model) { return dorm_count(dorm_qs_all(T.cx, model)); }

static Author *author_named(const char *name) {
    Author *a = dorm_get(dorm_all(T.cx, Author), DQ("name", name));
    cr_assert(a, "get(name=%s): %s", name, dorm_errmsg(T.cx));
    return a;
}

Test(delete, one_object, .init = test_db_open, .fini = test_db_close) {
    test_db_catalogue();
    Book *b = dorm_get(dorm_all(T.cx, Book), DQ("title", "Emma"));
    cr_assert(b);
    int64_t id = b->id;
    dorm_deleted d;
    memset(&d, 0xff, sizeof d);
    cr_assert_eq(dorm_delete(b, &d), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(d.total, 1);
    cr_assert_eq(d.n, 1);
    cr_expect_str_eq(d.labels[0], "library.Book");
    cr_expect_eq(d.counts[0], 1);
    cr_expect_str_eq(dorm_deleted_str(T.cx, &d), "library.Book: 1");
    cr_expect_eq(b->id, 0, "Django sets the pk of a deleted instance to None");
    cr_expect_eq(count(&Book_model), 7);
    cr_expect_eq(dorm_count(dorm_filter(dorm_all(T.cx, Book), DQ("pk", id))), 0);
    cr_expect_eq(count(&Author_model), 3, "deleting a book leaves its author");
    /* Deleting it again: Django's ValueError, the pk is None. */
    cr_expect_eq(dorm_delete(b, NULL), DORM_EVALUE);
    cr_expect_str_eq(dorm_errmsg(T.cx), "Book object can't be deleted because its id attribute is set to None.");
    /* A deleted object can be saved again, as a new row. */
    cr_assert_eq(dorm_save(b), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_gt(b->id, 0);
    cr_expect_eq(count(&Book_model), 8);
}

Test(delete, author_cascades_to_books, .init = test_db_open, .fini = test_db_close) {
    test_db_catalogue();
    Author *austen = author_named("Jane Austen");
    int64_t id = austen->id;
    dorm_deleted d;
    cr_assert_eq(dorm_delete(austen, &d), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(d.total, 4);
    cr_expect_str_eq(dorm_deleted_str(T.cx, &d), "library.Author: 1, library.Book: 3");
    cr_expect_eq(count(&Author_model), 2);
    cr_expect_eq(count(&Book_model), 5);
    cr_expect_eq(dorm_count(dorm_filter(dorm_all(T.cx, Book), DQ("author_id", id))), 0);
    cr_expect_eq(dorm_count(dorm_filter(dorm_all(T.cx, Book), DQ("author__name", "George Orwell"))), 3,
                 "other authors' books stay");
}

Test(delete, author_without_books, .init = test_db_open, .fini = test_db_close) {
    Author *a = dorm_create(T.cx, Author, .name = "Nobody");
    cr_assert(a);
    dorm_deleted d;
    cr_assert_eq(dorm_delete(a, &d), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(d.total, 1);
    cr_expect_str_eq(dorm_deleted_str(T.cx, &d), "library.Author: 1", "models with nothing deleted are not listed");
}

Test(delete, queryset_with_counts, .init = test_db_open, .fini = test_db_close) {
    test_db_catalogue();
    dorm_deleted d;
    cr_assert_eq(dorm_qs_delete(dorm_filter(dorm_all(T.cx, Book), DQ("genre", "FIC")), &d), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(d.total, 6);
    cr_expect_str_eq(dorm_deleted_str(T.cx, &d), "library.Book: 6");
    cr_expect_eq(count(&Book_model), 2);
    /* Authors by a lookup, cascading to their remaining books. */
    cr_assert_eq(dorm_qs_delete(dorm_filter(dorm_all(T.cx, Author), DQ("name__startswith", "J")), &d), 0, "%s",
                 dorm_errmsg(T.cx));
    cr_expect_eq(d.total, 3);
    cr_expect_str_eq(dorm_deleted_str(T.cx, &d), "library.Author: 2, library.Book: 1");
    cr_expect_eq(count(&Author_model), 1);
    cr_expect_eq(count(&Book_model), 1);
    /* Nothing matched: (0, {}). */
    cr_assert_eq(dorm_qs_delete(dorm_filter(dorm_all(T.cx, Book), DQ("pages__gt", 10000)), &d), 0);
    cr_expect_eq(d.total, 0);
    cr_expect_eq(d.n, 0);
    cr_expect_str_eq(dorm_deleted_str(T.cx, &d), "");
    cr_assert_eq(dorm_qs_delete(dorm_all(T.cx, Author), &d), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_str_eq(dorm_deleted_str(T.cx, &d), "library.Author: 1, library.Book: 1");
    cr_expect_eq(count(&Book_model), 0);
}

Test(delete, queryset_misuse, .init = test_db_open, .fini = test_db_close) {
    test_db_catalogue();
    cr_expect_eq(dorm_qs_delete(dorm_slice(dorm_all(T.cx, Book), 0, 2), NULL), DORM_EVALUE);
    cr_expect_str_eq(dorm_errmsg(T.cx), "Cannot use 'limit' or 'offset' with delete().");
    cr_expect_lt(dorm_qs_delete(dorm_filter(dorm_all(T.cx, Book), DQ("nope", 1)), NULL), 0);
    cr_expect_eq(dorm_errcode(T.cx), DORM_EFIELD);
    cr_expect_eq(count(&Book_model), 8, "nothing deleted");
}

Test(delete, set_null_on_delete, .init = test_db_open, .fini = test_db_close) {
    Author *a = dorm_create(T.cx, Author, .name = "Referenced");
    Author *keep = dorm_create(T.cx, Author, .name = "Kept");
    cr_assert(a && keep);
    Everything *e = dorm_create(T.cx, Everything, .maybe_author = {a->id, NULL}, .char_f = "mine");
    Everything *other = dorm_create(T.cx, Everything, .maybe_author = {keep->id, NULL});
    cr_assert(e && other, "%s", dorm_errmsg(T.cx));
    dorm_deleted d;
    cr_assert_eq(dorm_delete(a, &d), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_str_eq(dorm_deleted_str(T.cx, &d), "library.Author: 1", "SET_NULL rows are updated, not counted");
    cr_expect_eq(d.total, 1);
    cr_expect_eq(count(&Everything_model), 2, "the referencing row stays");
    cr_assert_eq(dorm_refresh(e), 0, "%s", dorm_errmsg(T.cx));
    cr_expect(dorm_is_null(e, maybe_author), "maybe_author is set to NULL");
    cr_expect_str_eq(e->char_f, "mine");
    cr_assert_eq(dorm_refresh(other), 0);
    cr_expect_eq(other->maybe_author.id, keep->id, "rows referencing another author keep it");
    /* The same through a QuerySet. */
    cr_assert_eq(dorm_qs_delete(dorm_all(T.cx, Author), &d), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_str_eq(dorm_deleted_str(T.cx, &d), "library.Author: 1");
    cr_assert_eq(dorm_refresh(other), 0);
    cr_expect(dorm_is_null(other, maybe_author));
}
