/* test_crud.c - create(), Model() + save() choosing INSERT or UPDATE as Django
 * does (checked on the statement log), save(update_fields), refresh_from_db(),
 * QuerySet.update(), get_or_create() and update_or_create(). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "testdb.h"

/* The statements a test runs, from the connection's log. */
typedef struct sqllog {
    int n;
    char sql[8][1024];
} sqllog;

static void record(const char *sql, const char *params, double seconds, void *payload) {
    (void)params;
    (void)seconds;
    sqllog *log = payload;
    if (log->n < 8) snprintf(log->sql[log->n], sizeof log->sql[0], "%s", sql);
    log->n++;
}

static sqllog LOG;

static void log_start(void) {
    memset(&LOG, 0, sizeof LOG);
    dorm_db_set_log(T.db, record, &LOG);
}

static bool starts_with(const char *s, const char *prefix) { return strncmp(s, prefix, strlen(prefix)) == 0; }

static int64_t count_authors(void) { return dorm_count(dorm_all(T.cx, Author)); }

static Author *author_by_pk(int64_t id) { return dorm_get(dorm_all(T.cx, Author), DQ("pk", id)); }

static Book *book_titled(const char *title) {
    Book *b = dorm_get(dorm_all(T.cx, Book), DQ("title", title));
    cr_assert(b, "get(title=%s): %s", title, dorm_errmsg(T.cx));
    return b;
}

Test(crud, create_from_compound_literal, .init = test_db_open, .fini = test_db_close) {
    Author *a = dorm_create(T.cx, Author, .name = "George Orwell", .birth_date = dorm_date_ymd(1903, 6, 25));
    cr_assert(a, "%s", dorm_errmsg(T.cx));
    cr_expect_gt(a->id, 0, "the primary key is filled in");
    cr_expect_eq(dorm_errcode(T.cx), DORM_OK);
    Author *got = author_by_pk(a->id);
    cr_assert(got, "%s", dorm_errmsg(T.cx));
    cr_expect_str_eq(got->name, "George Orwell");
    cr_expect_eq(got->birth_date.year, 1903);
    cr_expect_str_eq(got->biography, "");
    Author *b = dorm_create(T.cx, Author, .name = "Second");
    cr_assert(b);
    cr_expect_neq(b->id, a->id);
    cr_expect_eq(count_authors(), 2);
}

Test(crud, create_with_explicit_pk_inserts_once, .init = test_db_open, .fini = test_db_close) {
    log_start();
    Author *a = dorm_create(T.cx, Author, .id = 50, .name = "Fifty");
    cr_assert(a, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(a->id, 50);
    cr_expect_eq(LOG.n, 1, "create() forces one INSERT");
    cr_expect(starts_with(LOG.sql[0], "INSERT"), "%s", LOG.sql[0]);
    cr_expect_str_eq(author_by_pk(50)->name, "Fifty");
    /* A second create() with the same pk is an IntegrityError, not an update. */
    cr_expect_null(dorm_create(T.cx, Author, .id = 50, .name = "Again"));
    cr_expect_eq(dorm_errcode(T.cx), DORM_EINTEGRITY);
    cr_expect_str_eq(author_by_pk(50)->name, "Fifty");
}

Test(crud, new_then_save, .init = test_db_open, .fini = test_db_close) {
    Author *a = dorm_new(T.cx, Author);
    cr_assert(a);
    a->name = "Jane Austen";
    a->birth_date = dorm_date_ymd(1775, 12, 16);
    cr_expect_eq(count_authors(), 0, "Model() does not touch the database");
    log_start();
    cr_assert_eq(dorm_save(a), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(LOG.n, 1);
    cr_expect(starts_with(LOG.sql[0], "INSERT"), "a new object is inserted: %s", LOG.sql[0]);
    cr_expect_gt(a->id, 0);
    Author *got = author_by_pk(a->id);
    cr_assert(got);
    cr_expect_str_eq(got->name, "Jane Austen");
    cr_expect_eq(got->birth_date.month, 12);
}

Test(crud, save_inserts_then_updates_by_pk, .init = test_db_open, .fini = test_db_close) {
    Author *a = dorm_new(T.cx, Author);
    a->name = "Before";
    cr_assert_eq(dorm_save(a), 0, "%s", dorm_errmsg(T.cx));
    int64_t id = a->id;
    Author *other = dorm_create(T.cx, Author, .name = "Other");
    cr_assert(other);
    a->name = "After";
    a->biography = "bio";
    log_start();
    uint64_t before = dorm_db_query_count(T.db);
    cr_assert_eq(dorm_save(a), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(dorm_db_query_count(T.db) - before, 1, "one statement");
    cr_expect_eq(LOG.n, 1);
    cr_expect(starts_with(LOG.sql[0], "UPDATE"), "%s", LOG.sql[0]);
    cr_expect_not_null(strstr(LOG.sql[0], " WHERE "), "the UPDATE is by primary key: %s", LOG.sql[0]);
    cr_expect_eq(a->id, id, "the primary key does not change");
    cr_expect_eq(count_authors(), 2, "no new row");
    cr_expect_str_eq(author_by_pk(id)->name, "After");
    cr_expect_str_eq(author_by_pk(id)->biography, "bio");
    cr_expect_str_eq(author_by_pk(other->id)->name, "Other", "only that row is updated");
    /* An object loaded from the database is updated, too. */
    Author *loaded = author_by_pk(id);
    loaded->name = "Loaded";
    log_start();
    cr_assert_eq(dorm_save(loaded), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(LOG.n, 1);
    cr_expect(starts_with(LOG.sql[0], "UPDATE"), "%s", LOG.sql[0]);
    cr_expect_str_eq(author_by_pk(id)->name, "Loaded");
}

Test(crud, save_with_unknown_explicit_pk_updates_then_inserts, .init = test_db_open, .fini = test_db_close) {
    Author *a = dorm_new(T.cx, Author);
    a->id = 100;
    a->name = "P";
    log_start();
    cr_assert_eq(dorm_save(a), 0, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(LOG.n, 2, "Django tries an UPDATE, which matches no row, then INSERTs");
    cr_expect(starts_with(LOG.sql[0], "UPDATE"), "%s", LOG.sql[0]);
    cr_expect(starts_with(LOG.sql[1], "INSERT"), "%s", LOG.sql[1]);
    cr_expect_eq(a->id, 100);
    Author *got = author_by_pk(100);
    cr_assert(got, "%s", dorm_errmsg(T.cx));
    cr_expect_str_eq(got->name, "P");
    a->name = "Q";
    log_start();
    cr_assert_eq(dorm_save(a), 0);
    cr_expect_eq(LOG.n, 1, "now the row exists: one UPDATE");
    cr_expect_str_eq(author_by_pk(100)->name, "Q");
    cr_expect_eq(count_authors(), 1);
}

Test(crud, save_of_a_deleted_row_inserts_it_again, .init = test_db_open, .fini = test_db_close) {
    Author *a = dorm_create(T.cx, Author, .name = "Gone");
    cr_assert(a);
    int64_t id = a->id;
    cr_assert_eq(dorm_qs_delete(dorm_all(T.cx, Author), NULL), 0, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_save(a), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(a->id, id);
    cr_expect_str_eq(author_by_pk(id)->name, "Gone");
}

Test(crud, save_fields_writes_only_those_columns, .init = test_db_open, .fini = test_db_close) {
    test_db_catalogue();
    Book *b = book_titled("Emma");
    b->title = "Emma (annotated)";
    b->pages = 1;
    log_start();
    cr_assert_eq(dorm_save_fields(b, "title"), 0, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(LOG.n, 1);
    cr_expect(starts_with(LOG.sql[0], "UPDATE"), "%s", LOG.sql[0]);
    cr_expect_not_null(strstr(LOG.sql[0], "title"), "%s", LOG.sql[0]);
    cr_expect_null(strstr(LOG.sql[0], "pages"), "only the listed column is written: %s", LOG.sql[0]);
    cr_expect_eq(b->pages, 1, "the object keeps its unsaved member");
    cr_assert_eq(dorm_refresh(b), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_str_eq(b->title, "Emma (annotated)");
    cr_expect_eq(b->pages, 474, "the member not listed keeps the database value");
    /* Two fields, by name and by attname. */
    b->pages = 500;
    b->isbn = "1111111111111";
    Author *orwell = dorm_get(dorm_all(T.cx, Author), DQ("name", "George Orwell"));
    b->author.id = orwell->id;
    cr_assert_eq(dorm_save_fields(b, "pages", "author_id"), 0, "%s", dorm_errmsg(T.cx));
    Book *got = book_titled("Emma (annotated)");
    cr_expect_eq(got->pages, 500);
    cr_expect_eq(got->author.id, orwell->id);
    cr_expect_str_eq(got->isbn, "9780141439587");
}

Test(crud, save_fields_errors, .init = test_db_open, .fini = test_db_close) {
    test_db_catalogue();
    Book *b = book_titled("Emma");
    cr_expect_eq(dorm_save_fields(b, "nope"), DORM_EVALUE);
    cr_expect_str_eq(dorm_errmsg(T.cx),
                     "The following fields do not exist in this model, are m2m fields, or are "
                     "non-concrete fields: nope");
    Book *fresh = dorm_new(T.cx, Book);
    cr_expect_eq(dorm_save_fields(fresh, "title"), DORM_EVALUE);
    cr_expect_str_eq(dorm_errmsg(T.cx), "Cannot force an update in save() with no primary key.");
    /* update_fields on a row that is gone: nothing is inserted. */
    cr_assert_eq(dorm_delete(book_titled("Emma"), NULL), 0);
    b->title = "Ghost";
    cr_expect_lt(dorm_save_fields(b, "title"), 0);
    cr_expect_str_eq(dorm_errmsg(T.cx), "Save with update_fields did not affect any rows.");
    cr_expect_eq(dorm_count(dorm_all(T.cx, Book)), 7);
}

Test(crud, refresh_reloads_every_field, .init = test_db_open, .fini = test_db_close) {
    test_db_catalogue();
    Book *b = book_titled("1984");
    b->title = "changed in memory";
    b->genre = "SCI";
    cr_assert_eq(dorm_update(dorm_filter(dorm_all(T.cx, Book), DQ("pk", b->id)), DSET("pages", 999)), 1, "%s",
                 dorm_errmsg(T.cx));
    cr_expect_eq(b->pages, 328);
    cr_assert_eq(dorm_refresh(b), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(b->pages, 999);
    cr_expect_str_eq(b->title, "1984");
    cr_expect_str_eq(b->genre, "FIC");
    cr_expect_eq(b->publication_date.year, 1949);
    /* Django: Book.DoesNotExist once the row is gone. */
    cr_assert_eq(dorm_qs_delete(dorm_filter(dorm_all(T.cx, Book), DQ("pk", b->id)), NULL), 0);
    cr_expect_eq(dorm_refresh(b), DORM_EDOESNOTEXIST);
    cr_expect_eq(dorm_errcode(T.cx), DORM_EDOESNOTEXIST);
    cr_expect_str_eq(dorm_errmsg(T.cx), "Book matching query does not exist.");
}

Test(crud, update_returns_rows_matched, .init = test_db_open, .fini = test_db_close) {
    test_db_catalogue();
    dorm_qs *orwell = dorm_filter(dorm_all(T.cx, Book), DQ("author__name", "George Orwell"));
    cr_expect_eq(dorm_update(orwell, DSET("pages", 100)), 3, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(dorm_count(dorm_filter(dorm_all(T.cx, Book), DQ("pages", 100))), 3);
    cr_expect_eq(dorm_update(orwell, DSET("pages", 100)), 3, "rows matched, also when no value changes");
    cr_expect_eq(dorm_update(dorm_filter(dorm_all(T.cx, Book), DQ("title", "nope")), DSET("pages", 1)), 0);
    cr_expect_eq(dorm_update(dorm_all(T.cx, Book), DSET("genre", "SCI"), DSET("pages", 7)), 8);
    cr_expect_eq(dorm_count(dorm_filter(dorm_all(T.cx, Book), DQ("genre", "SCI"), DQ("pages", 7))), 8);
    cr_expect_lt(dorm_update(orwell, DSET("nope", 1)), 0);
    cr_expect_eq(dorm_errcode(T.cx), DORM_EFIELD);
    cr_expect_eq(dorm_count(dorm_filter(dorm_all(T.cx, Book), DQ("pages", 7))), 8, "a failed update changes nothing");
}

Test(crud, get_or_create, .init = test_db_open, .fini = test_db_close) {
    bool created = false;
    Author *a = dorm_get_or_create(dorm_all(T.cx, Author), &created, DORM_DEFAULTS(DSET("biography", "first")),
                                   DQ("name", "Ursula"));
    cr_assert(a, "%s", dorm_errmsg(T.cx));
    cr_expect(created);
    cr_expect_gt(a->id, 0);
    cr_expect_str_eq(a->name, "Ursula", "the lookups are applied");
    cr_expect_str_eq(a->biography, "first", "and the defaults");
    cr_expect_str_eq(author_by_pk(a->id)->biography, "first");
    created = true;
    Author *again = dorm_get_or_create(dorm_all(T.cx, Author), &created, DORM_DEFAULTS(DSET("biography", "second")),
                                       DQ("name", "Ursula"));
    cr_assert(again, "%s", dorm_errmsg(T.cx));
    cr_expect_not(created);
    cr_expect_eq(again->id, a->id);
    cr_expect_str_eq(again->biography, "first", "defaults apply only on create");
    cr_expect_str_eq(author_by_pk(a->id)->biography, "first");
    cr_expect_eq(count_authors(), 1);
    /* Two matches: MultipleObjectsReturned, nothing created. */
    cr_assert(dorm_create(T.cx, Author, .name = "Ursula"));
    cr_expect_null(dorm_get_or_create(dorm_all(T.cx, Author), &created, NULL, DQ("name", "Ursula")));
    cr_expect_eq(dorm_errcode(T.cx), DORM_EMULTIPLE);
    cr_expect_eq(count_authors(), 2);
}

Test(crud, update_or_create, .init = test_db_open, .fini = test_db_close) {
    bool created = false;
    Author *a = dorm_update_or_create(dorm_all(T.cx, Author), &created, DORM_DEFAULTS(DSET("biography", "v1")),
                                      DQ("name", "Le Guin"));
    cr_assert(a, "%s", dorm_errmsg(T.cx));
    cr_expect(created);
    cr_expect_str_eq(author_by_pk(a->id)->biography, "v1");
    Author *b = dorm_update_or_create(dorm_all(T.cx, Author), &created, DORM_DEFAULTS(DSET("biography", "v2")),
                                      DQ("name", "Le Guin"));
    cr_assert(b, "%s", dorm_errmsg(T.cx));
    cr_expect_not(created);
    cr_expect_eq(b->id, a->id);
    cr_expect_str_eq(b->biography, "v2");
    cr_expect_str_eq(author_by_pk(a->id)->biography, "v2", "the defaults are saved on update");
    cr_expect_eq(count_authors(), 1);
}

/* A model of nothing but its automatic key: Django's INSERT of the key's
 * default (VALUES (DEFAULT) on PostgreSQL, (NULL) on SQLite and MySQL). */
typedef struct Ticket {
    DORM_OBJECT;
    int64_t id;
} Ticket;
static const dorm_field Ticket_fields[] = {DORM_AUTO(Ticket, id), DORM_END};
static const dorm_model Ticket_model = DORM_MODEL(Ticket, "desk", Ticket_fields);
static const dorm_app desk_app = {.label = "desk", .models = DORM_MODELS(&Ticket_model)};

static void open_desk(void) { test_db_open_apps((const dorm_app *const[]){&desk_app, NULL}); }

Test(crud, create_of_only_an_automatic_key, .init = open_desk, .fini = test_db_close) {
    log_start();
    Ticket *a = dorm_create(T.cx, Ticket), *b = dorm_create(T.cx, Ticket);
    cr_assert(a && b, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(b->id, a->id + 1);
    const char *sql = test_sql_std(LOG.sql[0]);
    cr_assert(strstr(sql, "INSERT INTO \"desk_ticket\" (\"id\") VALUES ("), "%s", sql);
    dorm_db_set_log(T.db, NULL, NULL);
}
