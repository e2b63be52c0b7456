/* races.c - get_or_create and update_or_create when a second connection
 * inserts the row between their read and their write.  The statement log
 * callback is the hook: right after the first connection's SELECT it lets
 * the second one insert, so the interleaving is the same on every run. */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "backend/db.h"
#include "testdb.h"

static bool on_sqlite(void) { return strncmp(test_db_url(), "sqlite", 6) == 0; }

/* SQLite's test database is private to its connection in memory: these
 * tests need one both connections open, a file. */
static void open_shared(void) {
    if (on_sqlite()) {
        const char *dir = test_tmpdir_make("dorm-race");
        static char url[160];
        snprintf(url, sizeof url, "sqlite:///%s/race.db", dir);
        cr_assert_eq(setenv("DORM_TEST_URL", url, 1), 0);
    }
    test_db_open();
}

static void close_shared(void) {
    test_db_close();
    if (on_sqlite()) test_tmpdir_remove();
}

TestSuite(races, .init = open_shared, .fini = close_shared, .timeout = 60);

/* The other writer: its own connection (on SQLite one that waits for no
 * lock, so that a lock held by the first connection shows at once). */
typedef struct other {
    dorm_db *db;
    dorm_ctx *cx;
    const char *isbn; /* inserts this book after the next SELECT ... */
    int64_t author;
    bool armed, fired;
    int rc; /* ... with this outcome */
    char msg[512];
} other;

static void other_open(other *o, int64_t author) {
    o->db = test_db_connect("?timeout=0");
    o->cx = dorm_ctx_new(o->db);
    o->author = author;
}

static void other_close(other *o) {
    dorm_ctx_free(o->cx);
    dorm_db_close(o->db);
}

/* The log callback of the first connection: after its first SELECT of a
 * book, the other connection inserts one (autocommit: committed at once). */
static void interleave(const char *sql, const char *params, double seconds, void *payload) {
    (void)params;
    (void)seconds;
    other *o = payload;
    if (!o->armed || strncmp(sql, "SELECT", 6) != 0 || !strstr(sql, "library_book")) return;
    o->armed = false;
    o->fired = true;
    Book *b = dorm_create(o->cx, Book, .title = "theirs", .author = {o->author, NULL},
                          .publication_date = dorm_date_ymd(2001, 1, 1), .isbn = o->isbn);
    o->rc = b ? 0 : dorm_errcode(o->cx);
    snprintf(o->msg, sizeof o->msg, "%s", dorm_errmsg(o->cx));
}

static int64_t books(const char *isbn) {
    int64_t n = dorm_count(dorm_filter(dorm_all(T.cx, Book), DQ("isbn", isbn)));
    cr_assert_eq(dorm_errcode(T.cx), DORM_OK, "%s", dorm_errmsg(T.cx));
    return n;
}

static int64_t author_id(void) {
    Author *a = dorm_create(T.cx, Author, .name = "A");
    cr_assert_not_null(a, "%s", dorm_errmsg(T.cx));
    return a->id;
}

/* get_or_create (or update_or_create) of the book `isbn` by `author`, with
 * the other connection inserting it right after the read. */
static Book *race(other *o, int64_t author, const char *isbn, bool update, bool *created) {
    *o = (other){.isbn = isbn, .armed = true};
    other_open(o, author);
    dorm_db_set_log(T.db, interleave, o);
    const dorm_set *const *defaults = DORM_DEFAULTS(DSET("title", "ours"), DSET("author", author),
                                                    DSET("publication_date", dorm_date_ymd(2020, 2, 2)));
    Book *b = update ? dorm_update_or_create(dorm_all(T.cx, Book), created, defaults, DQ("isbn", isbn))
                     : dorm_get_or_create(dorm_all(T.cx, Book), created, defaults, DQ("isbn", isbn));
    dorm_db_set_log(T.db, NULL, NULL);
    cr_assert(o->fired);
    return b;
}

/* Issue 11 item 20: get_or_create's insert hits the other connection's row
 * (IntegrityError) and returns that row, created = false, as Django does. */
Test(races, get_or_create_returns_the_row_another_connection_inserted) {
    other o;
    bool created = true;
    Book *b = race(&o, author_id(), "race-1", false, &created);
    cr_assert_eq(o.rc, 0, "the other insert: %s", o.msg);
    cr_assert_not_null(b, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_errcode(T.cx), DORM_OK);
    cr_assert_not(created);
    cr_assert_str_eq(b->title, "theirs");
    cr_assert_eq(books("race-1"), 1);
    cr_assert_not(dorm_in_atomic(T.cx));
    other_close(&o);
}

/* Inside the caller's transaction the insert runs in a savepoint, so the
 * IntegrityError leaves the transaction usable (needed on PostgreSQL). */
Test(races, get_or_create_race_inside_a_transaction) {
    if (on_sqlite()) cr_skip_test("on SQLite the open transaction's read lock keeps the other writer out");
    int64_t author = author_id();
    cr_assert_eq(dorm_atomic_begin(T.cx), 0, "%s", dorm_errmsg(T.cx));
    other o;
    bool created = true;
    Book *b = race(&o, author, "race-2", false, &created);
    cr_assert_eq(o.rc, 0, "the other insert: %s", o.msg);
    cr_assert_not_null(b, "%s", dorm_errmsg(T.cx));
    cr_assert_not(created);
    cr_assert_str_eq(b->title, "theirs");
    cr_assert_not_null(dorm_create(T.cx, Author, .name = "B"), "the transaction goes on: %s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_atomic_end(T.cx, true), 0, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_count(dorm_all(T.cx, Author)), 2);
    other_close(&o);
}

/* An IntegrityError that is not the race (the lookups still find nothing)
 * is reported, and nothing is left behind. */
Test(races, get_or_create_reports_other_integrity_errors) {
    int64_t author = author_id();
    Book *first = dorm_create(T.cx, Book, .title = "first", .author = {author, NULL},
                              .publication_date = dorm_date_ymd(2001, 1, 1), .isbn = "taken");
    cr_assert_not_null(first, "%s", dorm_errmsg(T.cx));
    bool created = true;
    Book *b = dorm_get_or_create(dorm_all(T.cx, Book), &created,
                                 DORM_DEFAULTS(DSET("isbn", "taken"), DSET("author", author),
                                               DSET("publication_date", dorm_date_ymd(2020, 2, 2))),
                                 DQ("title", "second"));
    cr_assert_null(b);
    cr_assert_eq(dorm_errcode(T.cx), DORM_EINTEGRITY, "%s", dorm_errmsg(T.cx));
    cr_assert_not(dorm_in_atomic(T.cx));
    cr_assert_eq(dorm_count(dorm_all(T.cx, Book)), 1);
}

/* Issue 11 item 7.  On PostgreSQL the other insert lands between the read
 * and the write: update_or_create re-reads the row and updates it.  On
 * SQLite the write lock taken at BEGIN IMMEDIATE keeps the other writer out
 * until update_or_create is done, so it cannot come between them. */
Test(races, update_or_create_updates_the_row_another_connection_inserted) {
    other o;
    bool created = false;
    Book *b = race(&o, author_id(), "race-3", true, &created);
    cr_assert_not_null(b, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_errcode(T.cx), DORM_OK);
    cr_assert_str_eq(b->title, "ours");
    if (on_sqlite()) {
        cr_assert_eq(o.rc, DORM_EOPERATIONAL, "the other writer got in: %s", o.msg);
        cr_assert_str_eq(o.msg, "database is locked");
        cr_assert(created);
    } else {
        cr_assert_eq(o.rc, 0, "the other insert: %s", o.msg);
        cr_assert_not(created);
    }
    cr_assert_eq(books("race-3"), 1);
    Book *stored = dorm_get(dorm_all(T.cx, Book), DQ("isbn", "race-3"));
    cr_assert_not_null(stored, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(stored->title, "ours");
    cr_assert_not(dorm_in_atomic(T.cx));
    other_close(&o);
}
