/* test_integrity.c - an IntegrityError from create(), save() or update() leaves
 * the database as it was and the connection usable, in and out of atomic();
 * atomic() with nested savepoints commits and rolls back as Django's does. */
#include <criterion/criterion.h>
#include <string.h>

#include "testdb.h"

static int64_t count(const dorm_model *model) { return dorm_count(dorm_qs_all(T.cx, model)); }

static Book *book_titled(const char *title) {
    Book *b = dorm_get(dorm_all(T.cx, Book), DQ("title", title));
    cr_assert(b, "get(title=%s): %s", title, dorm_errmsg(T.cx));
    return b;
}

/* The message of a unique violation on library_book.isbn, where the backend
 * is known. */
static void expect_isbn_violation(void) {
    cr_expect_eq(dorm_errcode(T.cx), DORM_EINTEGRITY, "%s", dorm_errmsg(T.cx));
    if (strcmp(dorm_db_vendor(T.db), "sqlite") == 0)
        cr_expect_str_eq(dorm_errmsg(T.cx), "UNIQUE constraint failed: library_book.isbn");
}

static Book *create_book(const char *title, int64_t author, const char *isbn) {
    return dorm_create(T.cx, Book, .title = title, .author = {author, NULL},
                       .publication_date = dorm_date_ymd(2000, 1, 1), .isbn = isbn);
}

Test(integrity, duplicate_on_create, .init = test_db_open, .fini = test_db_close) {
    test_db_catalogue();
    Author *a = dorm_get(dorm_all(T.cx, Author), DQ("name", "George Orwell"));
    cr_assert(a);
    Book *dup = create_book("Copy", a->id, "9780451524935");
    cr_expect_null(dup);
    expect_isbn_violation();
    cr_expect_eq(count(&Book_model), 8, "nothing inserted");
    cr_expect_eq(dorm_count(dorm_filter(dorm_all(T.cx, Book), DQ("isbn", "9780451524935"))), 1);
    cr_expect_str_eq(book_titled("1984")->isbn, "9780451524935");
    /* The connection still works, and the error is cleared by the next call. */
    Book *ok = create_book("New", a->id, "0000000000001");
    cr_assert(ok, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(dorm_errcode(T.cx), DORM_OK);
    cr_expect_eq(count(&Book_model), 9);
}

Test(integrity, duplicate_on_save, .init = test_db_open, .fini = test_db_close) {
    test_db_catalogue();
    Book *emma = book_titled("Emma");
    emma->isbn = "9780451524935";
    emma->pages = 1;
    cr_expect_eq(dorm_save(emma), DORM_EINTEGRITY);
    expect_isbn_violation();
    Book *got = book_titled("Emma");
    cr_expect_str_eq(got->isbn, "9780141439587", "the row is unchanged");
    cr_expect_eq(got->pages, 474);
    /* A new object that clashes is not inserted. */
    Book *fresh = dorm_new(T.cx, Book);
    fresh->title = "Fresh";
    fresh->author.id = got->author.id;
    fresh->publication_date = dorm_date_ymd(2000, 1, 1);
    fresh->isbn = "9780141439587";
    cr_expect_eq(dorm_save(fresh), DORM_EINTEGRITY);
    cr_expect_eq(fresh->id, 0, "no primary key for a row that was not inserted");
    cr_expect_eq(count(&Book_model), 8);
    emma->isbn = "0000000000002";
    cr_expect_eq(dorm_save(emma), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_str_eq(book_titled("Emma")->isbn, "0000000000002");
}

Test(integrity, duplicate_on_queryset_update, .init = test_db_open, .fini = test_db_close) {
    test_db_catalogue();
    cr_expect_lt(dorm_update(dorm_filter(dorm_all(T.cx, Book), DQ("title", "Emma")), DSET("isbn", "9780451524935")), 0);
    expect_isbn_violation();
    cr_expect_str_eq(book_titled("Emma")->isbn, "9780141439587");
    /* Every row or none: the second row of an update that clashes. */
    cr_expect_lt(
        dorm_update(dorm_filter(dorm_all(T.cx, Book), DQ("author__name", "Jane Austen")), DSET("isbn", "same")), 0);
    cr_expect_eq(dorm_count(dorm_filter(dorm_all(T.cx, Book), DQ("isbn", "same"))), 0);
    cr_expect_eq(dorm_update(dorm_filter(dorm_all(T.cx, Book), DQ("title", "Emma")), DSET("isbn", "same")), 1);
}

Test(integrity, not_null_and_foreign_key_violations, .init = test_db_open, .fini = test_db_close) {
    Author *a = dorm_create(T.cx, Author, .name = "A");
    cr_assert(a);
    Book *b = dorm_new(T.cx, Book);
    b->title = "No date";
    b->author.id = a->id;
    b->isbn = "x";
    dorm_set_null(b, publication_date);
    cr_expect_eq(dorm_save(b), DORM_EINTEGRITY, "publication_date is NOT NULL");
    b->publication_date = dorm_date_ymd(2000, 1, 1);
    b->author.id = a->id + 1000;
    cr_expect_eq(dorm_save(b), DORM_EINTEGRITY, "no such author");
    cr_expect_eq(count(&Book_model), 0);
    b->author.id = a->id;
    cr_expect_eq(dorm_save(b), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(count(&Book_model), 1);
}

Test(integrity, failure_inside_atomic, .init = test_db_open, .fini = test_db_close) {
    test_db_catalogue();
    Author *a = dorm_get(dorm_all(T.cx, Author), DQ("name", "George Orwell"));
    cr_assert(a);
    cr_assert_eq(dorm_atomic_begin(T.cx), 0, "%s", dorm_errmsg(T.cx));
    cr_assert(create_book("Inside", a->id, "0000000000003"), "%s", dorm_errmsg(T.cx));
    cr_expect_null(create_book("Clash", a->id, "9780451524935"));
    expect_isbn_violation();
    cr_expect(dorm_in_atomic(T.cx), "the failed statement does not end the transaction");
    /* As in Django, the block runs nothing more until it is rolled back, on
     * every backend (PostgreSQL has aborted it anyway). */
    cr_expect_lt(dorm_count(dorm_all(T.cx, Book)), 0);
    cr_expect_eq(dorm_errcode(T.cx), DORM_ETRANSACTION);
    cr_expect_str_eq(dorm_errmsg(T.cx),
                     "An error occurred in the current transaction. You can't execute queries until "
                     "the end of the 'atomic' block.");
    cr_expect_null(create_book("After", a->id, "0000000000004"));
    cr_expect_eq(dorm_atomic_commit(T.cx), DORM_ETRANSACTION, "a block marked for rollback does not commit");
    cr_expect_not(dorm_in_atomic(T.cx));
    cr_expect_eq(count(&Book_model), 8, "the database is as before the transaction");
    cr_expect_eq(dorm_count(dorm_filter(dorm_all(T.cx, Book), DQ("title__in", DLIST("Inside", "After")))), 0);
    /* A failure inside a savepoint, and the outer work committed. */
    cr_assert_eq(dorm_atomic_begin(T.cx), 0);
    cr_assert(create_book("Kept", a->id, "0000000000005"));
    cr_assert_eq(dorm_atomic_begin(T.cx), 0);
    Book *emma = book_titled("Emma");
    emma->isbn = "0000000000005";
    cr_expect_eq(dorm_save(emma), DORM_EINTEGRITY);
    cr_assert_eq(dorm_atomic_rollback(T.cx), 0, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_atomic_commit(T.cx), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(count(&Book_model), 9);
    cr_expect_str_eq(book_titled("Kept")->isbn, "0000000000005");
    cr_expect_str_eq(book_titled("Emma")->isbn, "9780141439587");
}

Test(atomic, commit_and_rollback, .init = test_db_open, .fini = test_db_close) {
    cr_expect_not(dorm_in_atomic(T.cx));
    cr_assert_eq(dorm_atomic_begin(T.cx), 0, "%s", dorm_errmsg(T.cx));
    cr_expect(dorm_in_atomic(T.cx));
    cr_assert(dorm_create(T.cx, Author, .name = "rolled back"));
    cr_expect_eq(count(&Author_model), 1, "visible inside the transaction");
    cr_assert_eq(dorm_atomic_rollback(T.cx), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_not(dorm_in_atomic(T.cx));
    cr_expect_eq(count(&Author_model), 0);
    cr_assert_eq(dorm_atomic_begin(T.cx), 0);
    cr_assert(dorm_create(T.cx, Author, .name = "committed"));
    cr_assert_eq(dorm_atomic_commit(T.cx), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(count(&Author_model), 1);
    cr_assert_eq(dorm_atomic_begin(T.cx), 0);
    cr_assert(dorm_create(T.cx, Author, .name = "ended"));
    cr_assert_eq(dorm_atomic_end(T.cx, false), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(count(&Author_model), 1, "atomic_end(false) rolls back");
    cr_assert_eq(dorm_atomic_begin(T.cx), 0);
    cr_assert(dorm_create(T.cx, Author, .name = "ended ok"));
    cr_assert_eq(dorm_atomic_end(T.cx, true), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(count(&Author_model), 2);
}

Test(atomic, nested_savepoints, .init = test_db_open, .fini = test_db_close) {
    cr_assert_eq(dorm_atomic_begin(T.cx), 0);
    cr_assert(dorm_create(T.cx, Author, .name = "outer"));
    cr_assert_eq(dorm_atomic_begin(T.cx), 0, "a savepoint: %s", dorm_errmsg(T.cx));
    cr_assert(dorm_create(T.cx, Author, .name = "inner rolled back"));
    cr_assert_eq(dorm_atomic_begin(T.cx), 0);
    cr_assert(dorm_create(T.cx, Author, .name = "innermost"));
    cr_assert_eq(dorm_atomic_commit(T.cx), 0, "releasing the innermost savepoint");
    cr_expect_eq(count(&Author_model), 3);
    cr_assert_eq(dorm_atomic_rollback(T.cx), 0, "rolling back the middle level undoes what it released");
    cr_expect(dorm_in_atomic(T.cx), "the outer transaction is still open");
    cr_expect_eq(count(&Author_model), 1);
    cr_assert_eq(dorm_atomic_begin(T.cx), 0);
    cr_assert(dorm_create(T.cx, Author, .name = "inner kept"));
    cr_assert_eq(dorm_atomic_commit(T.cx), 0);
    cr_assert_eq(dorm_atomic_commit(T.cx), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_not(dorm_in_atomic(T.cx));
    cr_expect_eq(count(&Author_model), 2);
    cr_expect_eq(dorm_count(dorm_filter(dorm_all(T.cx, Author), DQ("name__in", DLIST("outer", "inner kept")))), 2);
    /* Rolling back the outer level undoes its committed savepoints too. */
    cr_assert_eq(dorm_atomic_begin(T.cx), 0);
    cr_assert_eq(dorm_atomic_begin(T.cx), 0);
    cr_assert(dorm_create(T.cx, Author, .name = "gone"));
    cr_assert_eq(dorm_atomic_commit(T.cx), 0);
    cr_assert_eq(dorm_atomic_rollback(T.cx), 0);
    cr_expect_eq(count(&Author_model), 2);
}

Test(atomic, misuse, .init = test_db_open, .fini = test_db_close) {
    cr_expect_eq(dorm_atomic_commit(T.cx), DORM_ETRANSACTION);
    cr_expect_eq(dorm_errcode(T.cx), DORM_ETRANSACTION);
    cr_expect_eq(dorm_atomic_rollback(T.cx), DORM_ETRANSACTION);
    cr_expect_not(dorm_in_atomic(T.cx));
    cr_expect(dorm_create(T.cx, Author, .name = "still fine"), "%s", dorm_errmsg(T.cx));
}
