/* test_bulk.c - bulk_create() (primary keys filled in, batches, defaults of
 * plain structs, all or nothing) and bulk_update() (only the listed fields,
 * batches, rows updated). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "testdb.h"

/* Statements seen on the connection, by their first word. */
typedef struct stmtcount {
    int insert, update, other;
} stmtcount;

static void tally(const char *sql, const char *params, double seconds, void *payload) {
    (void)params;
    (void)seconds;
    stmtcount *c = payload;
    if (strncmp(sql, "INSERT", 6) == 0)
        c->insert++;
    else if (strncmp(sql, "UPDATE", 6) == 0)
        c->update++;
    else
        c->other++;
}

static stmtcount COUNTS;

static void count_statements(void) {
    memset(&COUNTS, 0, sizeof COUNTS);
    dorm_db_set_log(T.db, tally, &COUNTS);
}

enum { MANY = 1000 };

/* MANY authors "author 0".."author 999" made with dorm_new. */
static Author **new_authors(void) {
    Author **objs = dorm_alloc(T.cx, sizeof(Author *) * MANY);
    cr_assert(objs);
    for (int i = 0; i < MANY; i++) {
        objs[i] = dorm_new(T.cx, Author);
        cr_assert(objs[i]);
        objs[i]->name = dorm_sprintf(T.cx, "author %d", i);
    }
    return objs;
}

/* Every object's pk is the row holding its name: the keys came back in order
 * and are distinct. */
static void expect_keys_match_rows(Author **objs, size_t n) {
    dorm_map *rows = dorm_in_bulk(dorm_all(T.cx, Author), NULL, 0);
    cr_assert(rows, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_map_len(rows), n);
    for (size_t i = 0; i < n; i++) {
        cr_assert_gt(objs[i]->id, 0, "object %zu has no pk", i);
        Author *row = dorm_map_get(rows, objs[i]->id);
        cr_assert(row, "no row with the pk of object %zu", i);
        cr_assert_str_eq(row->name, objs[i]->name, "object %zu got the pk of another row", i);
    }
}

Test(bulk, create_fills_primary_keys, .init = test_db_open, .fini = test_db_close) {
    Author **objs = new_authors();
    count_statements();
    cr_assert_eq(dorm_bulk_create(T.cx, Author, objs, MANY, 0), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_lt(COUNTS.insert, MANY, "rows are inserted several per statement");
    cr_expect_eq(dorm_count(dorm_all(T.cx, Author)), MANY);
    expect_keys_match_rows(objs, MANY);
    /* The objects are saved: save() now updates. */
    objs[5]->name = "renamed";
    count_statements();
    cr_assert_eq(dorm_save(objs[5]), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(COUNTS.insert, 0);
    cr_expect_eq(COUNTS.update, 1);
    cr_expect_eq(dorm_count(dorm_all(T.cx, Author)), MANY);
}

Test(bulk, create_in_small_batches, .init = test_db_open, .fini = test_db_close) {
    Author **objs = new_authors();
    count_statements();
    cr_assert_eq(dorm_bulk_create(T.cx, Author, objs, MANY, 7), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(COUNTS.insert, (MANY + 6) / 7, "one INSERT per batch of 7");
    cr_expect_eq(dorm_count(dorm_all(T.cx, Author)), MANY);
    expect_keys_match_rows(objs, MANY);
}

Test(bulk, create_from_plain_structs_applies_defaults, .init = test_db_open, .fini = test_db_close) {
    Author *a = dorm_create(T.cx, Author, .name = "A");
    cr_assert(a);
    enum { N = 10 };
    Book books[N];
    Book *ptrs[N];
    memset(books, 0, sizeof books);
    for (int i = 0; i < N; i++) {
        books[i].title = dorm_sprintf(T.cx, "Book %d", i);
        books[i].author.id = a->id;
        books[i].publication_date = dorm_date_ymd(2000, 1, i + 1);
        books[i].isbn = dorm_sprintf(T.cx, "isbn-%d", i);
        ptrs[i] = &books[i];
    }
    books[3].genre = "SCI";
    cr_assert_eq(dorm_bulk_create(T.cx, Book, ptrs, N, 4), 0, "%s", dorm_errmsg(T.cx));
    for (int i = 0; i < N; i++) cr_expect_gt(books[i].id, 0);
    cr_expect_eq(dorm_count(dorm_filter(dorm_all(T.cx, Book), DQ("genre", "FIC"))), N - 1,
                 "a member left NULL takes the field default");
    cr_expect_eq(dorm_count(dorm_filter(dorm_all(T.cx, Book), DQ("genre", "SCI"))), 1);
    cr_expect_eq(dorm_count(dorm_filter(dorm_all(T.cx, Book), DQ("pages", 0))), N);
    Book *b7 = dorm_get(dorm_all(T.cx, Book), DQ("pk", books[7].id));
    cr_assert(b7);
    cr_expect_str_eq(b7->title, "Book 7");
    cr_expect_str_eq(b7->isbn, "isbn-7");
}

Test(bulk, create_sets_auto_now_fields, .init = test_db_open, .fini = test_db_close) {
    Everything *objs[3];
    for (int i = 0; i < 3; i++) {
        objs[i] = dorm_new(T.cx, Everything);
        cr_assert(objs[i]);
    }
    dorm_datetime before = dorm_datetime_now();
    cr_assert_eq(dorm_bulk_create(T.cx, Everything, objs, 3, 0), 0, "%s", dorm_errmsg(T.cx));
    dorm_datetime after = dorm_datetime_now();
    for (int i = 0; i < 3; i++) {
        Everything *got = dorm_get(dorm_all(T.cx, Everything), DQ("pk", objs[i]->id));
        cr_assert(got, "%s", dorm_errmsg(T.cx));
        cr_expect_not(dorm_is_null(got, created), "Django's bulk_create runs pre_save: auto_now_add is set");
        cr_expect_not(dorm_is_null(got, modified));
        cr_expect(got->created.usec >= before.usec && got->created.usec <= after.usec);
        cr_expect_eq(got->modified.usec, objs[i]->modified.usec);
    }
}

Test(bulk, create_nothing, .init = test_db_open, .fini = test_db_close) {
    count_statements();
    cr_expect_eq(dorm_bulk_create(T.cx, Author, (Author **)NULL, 0, 0), 0);
    cr_expect_eq(COUNTS.insert + COUNTS.update + COUNTS.other, 0, "no query for no objects");
}

/* N books by one author with isbns "n-0".."n-<N-1>"; `dup` (if >= 0) gets
 * the isbn of book 0. */
static Book **books_for(Author *a, int n, int dup) {
    Book **objs = dorm_alloc(T.cx, sizeof(Book *) * (size_t)n);
    cr_assert(objs);
    for (int i = 0; i < n; i++) {
        objs[i] = dorm_new(T.cx, Book);
        cr_assert(objs[i]);
        objs[i]->title = dorm_sprintf(T.cx, "t%d", i);
        objs[i]->author.id = a->id;
        objs[i]->publication_date = dorm_date_ymd(2001, 1, 1);
        objs[i]->isbn = dorm_sprintf(T.cx, "n-%d", i == dup ? 0 : i);
    }
    return objs;
}

Test(bulk, create_is_all_or_nothing, .init = test_db_open, .fini = test_db_close) {
    Author *a = dorm_create(T.cx, Author, .name = "A");
    cr_assert(a);
    /* A duplicate in the last of four batches: the first three are undone. */
    Book **objs = books_for(a, 10, 9);
    count_statements();
    cr_expect_eq(dorm_bulk_create(T.cx, Book, objs, 10, 3), DORM_EINTEGRITY);
    cr_expect_eq(dorm_errcode(T.cx), DORM_EINTEGRITY);
    cr_expect_eq(COUNTS.insert, 4, "the failure came from the last batch");
    cr_expect_eq(dorm_count(dorm_all(T.cx, Book)), 0, "nothing is left behind");
    cr_expect_eq(dorm_in_atomic(T.cx), false, "the transaction is closed");
    /* A clash with an existing row, inside the caller's transaction. */
    cr_assert(dorm_create(T.cx, Book, .title = "old", .author = {a->id, NULL},
                          .publication_date = dorm_date_ymd(2000, 1, 1), .isbn = "n-5"));
    cr_assert_eq(dorm_atomic_begin(T.cx), 0);
    cr_assert(dorm_create(T.cx, Author, .name = "inside"));
    cr_expect_eq(dorm_bulk_create(T.cx, Book, books_for(a, 10, -1), 10, 2), DORM_EINTEGRITY);
    cr_expect_eq(dorm_count(dorm_all(T.cx, Book)), 1, "the batches before the clash are undone");
    cr_expect_eq(dorm_count(dorm_all(T.cx, Author)), 2, "the caller's work is not");
    cr_assert_eq(dorm_atomic_commit(T.cx), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(dorm_count(dorm_all(T.cx, Author)), 2);
    cr_expect_eq(dorm_count(dorm_all(T.cx, Book)), 1);
    /* And the connection is still usable. */
    cr_expect_eq(dorm_bulk_create(T.cx, Book, books_for(a, 4, -1), 4, 0), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(dorm_count(dorm_all(T.cx, Book)), 5);
}

Test(bulk, update_writes_listed_fields, .init = test_db_open, .fini = test_db_close) {
    test_db_catalogue();
    size_t n;
    Book **books = (Book **)dorm_list(dorm_order_by(dorm_all(T.cx, Book), "id"), &n);
    cr_assert(books && n == 8, "%s", dorm_errmsg(T.cx));
    for (size_t i = 0; i < n; i++) {
        books[i]->pages = (int32_t)(1000 + i);
        books[i]->title = "not saved";
    }
    count_statements();
    cr_expect_eq(dorm_bulk_update(T.cx, Book, books, n, "pages"), 8, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(COUNTS.update, 1);
    for (size_t i = 0; i < n; i++) {
        Book *got = dorm_get(dorm_all(T.cx, Book), DQ("pk", books[i]->id));
        cr_assert(got);
        cr_expect_eq(got->pages, (int32_t)(1000 + i));
        cr_expect_str_neq(got->title, "not saved", "fields not listed keep their value");
    }
    /* Several fields, a subset of the rows, in batches of 3. */
    for (size_t i = 0; i < 7; i++) {
        books[i]->pages = 1;
        books[i]->genre = "SCI";
    }
    count_statements();
    const char *const fields[] = {"pages", "genre", NULL};
    cr_expect_eq(dorm_bulk_update_(T.cx, &Book_model, (void *const *)books, 7, fields, 3), 7, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(COUNTS.update, 3);
    cr_expect_eq(dorm_count(dorm_filter(dorm_all(T.cx, Book), DQ("genre", "SCI"), DQ("pages", 1))), 7);
    cr_expect_eq(dorm_count(dorm_filter(dorm_all(T.cx, Book), DQ("pages", 1007))), 1, "the eighth is untouched");
}

Test(bulk, update_errors, .init = test_db_open, .fini = test_db_close) {
    test_db_catalogue();
    size_t n;
    Book **books = (Book **)dorm_list(dorm_all(T.cx, Book), &n);
    cr_assert(books);
    cr_expect_lt(dorm_bulk_update(T.cx, Book, books, n, "id"), 0);
    cr_expect_str_eq(dorm_errmsg(T.cx), "bulk_update() cannot be used with primary key fields.");
    cr_expect_lt(dorm_bulk_update(T.cx, Book, books, n, "nope"), 0);
    cr_expect_eq(dorm_errcode(T.cx), DORM_EFIELD);
    Book *fresh = dorm_new(T.cx, Book);
    cr_expect_lt(dorm_bulk_update(T.cx, Book, &fresh, 1, "pages"), 0);
    cr_expect_str_eq(dorm_errmsg(T.cx), "All bulk_update() objects must have a primary key set.");
    /* A unique clash rolls the whole call back. */
    for (size_t i = 0; i < n; i++) books[i]->pages = 1;
    books[n - 1]->isbn = books[0]->isbn;
    cr_expect_lt(dorm_bulk_update(T.cx, Book, books, n, "pages", "isbn"), 0);
    cr_expect_eq(dorm_errcode(T.cx), DORM_EINTEGRITY);
    cr_expect_eq(dorm_count(dorm_filter(dorm_all(T.cx, Book), DQ("pages", 1))), 0);
}
