/* test_large_lists.c - statements built from lists of any length: pk__in
 * with 70,000 keys and a delete whose cascade collects 70,000 objects, past
 * PostgreSQL's 65,535 parameters (a long list is one array parameter; a
 * short one keeps Django's "IN (?, ...)"), and failed statements in the
 * statement log with their error. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/db.h"
#include "testdb.h"

#define MANY 70000

static dorm_qs *books(void) { return dorm_all(T.cx, Book); }

static bool on_sqlite(void) { return strncmp(test_db_url(), "sqlite", 6) == 0; }

static void catalogue(void) {
    test_db_open();
    test_db_catalogue();
}

TestSuite(large_lists, .init = catalogue, .fini = test_db_close);

static int64_t count(dorm_qs *qs) {
    int64_t n = dorm_count(qs);
    cr_assert_geq(n, 0, "%s", dorm_errmsg(T.cx));
    return n;
}

/* The integers 1..n as values (in the arena). */
static dorm_value *ints(size_t n) {
    dorm_value *v = dorm_alloc(T.cx, sizeof *v * n);
    cr_assert_not_null(v);
    for (size_t i = 0; i < n; i++) v[i] = dorm_v_int((int64_t)i + 1);
    return v;
}

Test(large_lists, in_with_70000_values) {
    dorm_value *keys = ints(MANY);
    dorm_qs *many = dorm_filter(books(), DQ("pk__in", dorm_v_list(keys, MANY)));
    cr_assert_eq(count(many), 8);
    size_t n;
    cr_assert_not_null(dorm_list(many, &n), "%s", dorm_errmsg(T.cx));
    cr_assert_eq(n, 8);
    cr_assert_eq(count(dorm_exclude(books(), DQ("pk__in", dorm_v_list(keys, MANY)))), 0);
    cr_assert_eq(count(dorm_filter(dorm_all(T.cx, Author), DQ("books__in", dorm_v_list(keys, MANY)))), 8);
    /* Text, with characters the array's spelling must escape. */
    dorm_value *titles = dorm_alloc(T.cx, sizeof *titles * MANY);
    cr_assert_not_null(titles);
    for (size_t i = 0; i < MANY; i++) titles[i] = dorm_v_text(dorm_sprintf(T.cx, "t\"\\'{},%zu", i));
    titles[MANY / 2] = dorm_v_text("Emma");
    cr_assert_eq(count(dorm_filter(books(), DQ("title__in", dorm_v_list(titles, MANY)))), 1);
    cr_assert_not_null(dorm_create(T.cx, Book, .title = "t\"\\'{},7", .author = {1, NULL},
                                   .publication_date = dorm_date_ymd(2000, 1, 1), .isbn = "x"),
                       "%s", dorm_errmsg(T.cx));
    cr_assert_eq(count(dorm_filter(books(), DQ("title__in", dorm_v_list(titles, MANY)))), 2);
    /* Dates, and a transform on the left. */
    dorm_value *dates = dorm_alloc(T.cx, sizeof *dates * 3000);
    cr_assert_not_null(dates);
    for (int i = 0; i < 3000; i++) dates[i] = dorm_v_date(dorm_date_ymd(1000 + i / 12, 1 + i % 12, 28));
    dates[1234] = dorm_v_date(dorm_date_ymd(1813, 1, 28));
    cr_assert_eq(count(dorm_filter(books(), DQ("publication_date__in", dorm_v_list(dates, 3000)))), 1);
    cr_assert_eq(count(dorm_filter(books(), DQ("publication_date__year__in", dorm_v_list(keys + 1799, 200)))), 8);
    cr_assert_eq(count(dorm_filter(books(), DQ("publication_date__year__in", dorm_v_list(keys, 3000)))), 9);
}

/* Up to the dialect's in_list_max values (999; 16,384 on MySQL, where a long
 * placeholder list is faster than JSON_TABLE) stay Django's placeholders;
 * past that, one parameter. */
Test(large_lists, short_lists_keep_djangos_sql) {
    size_t max = (size_t)T.db->dialect->in_list_max;
    cr_assert_eq(max, test_db_on_mysql() ? 16384 : 999);
    dorm_value *keys = ints(max + 1);
    const char *params;
    const char *sql = dorm_qs_sql(dorm_filter(books(), DQ("pk__in", dorm_v_list(keys, max))), &params);
    cr_assert_not_null(sql, "%s", dorm_errmsg(T.cx));
    cr_assert(strstr(test_sql_std(sql), "WHERE \"library_book\".\"id\" IN (?, ?, ?"), "%s", sql);
    sql = dorm_qs_sql(dorm_filter(books(), DQ("pk__in", dorm_v_list(keys, max + 1))), &params);
    cr_assert_not_null(sql, "%s", dorm_errmsg(T.cx));
    if (on_sqlite()) {
        cr_assert(strstr(sql, "WHERE \"library_book\".\"id\" IN (SELECT value FROM json_each(?))"), "%s", sql);
        cr_assert_eq(strncmp(params, "('[1,2,3,", 9), 0, "%.40s", params);
    } else if (test_db_on_mysql()) {
        cr_assert(strstr(sql,
                         "WHERE `library_book`.`id` IN (SELECT `v` FROM JSON_TABLE(?, '$[*]' COLUMNS (`v` BIGINT "
                         "PATH '$')) AS `dorm_in`)"),
                  "%s", sql);
        cr_assert_eq(strncmp(params, "('[1,2,3,", 9), 0, "%.40s", params);
    } else {
        cr_assert(strstr(sql, "WHERE \"library_book\".\"id\" = ANY($1)"), "%s", sql);
        cr_assert_eq(strncmp(params, "('{1,2,3,", 9), 0, "%.40s", params);
    }
}

/* MANY new books by `author`, inserted with bulk_create. */
static Book **many_books(int64_t author, const char *prefix) {
    Book **objs = dorm_alloc(T.cx, sizeof *objs * MANY);
    cr_assert_not_null(objs);
    for (size_t i = 0; i < MANY; i++) {
        objs[i] = dorm_new(T.cx, Book);
        cr_assert_not_null(objs[i]);
        objs[i]->title = "t";
        objs[i]->author.id = author;
        objs[i]->publication_date = dorm_date_ymd(2000, 1, 1);
        objs[i]->isbn = dorm_sprintf(T.cx, "%s%zu", prefix, i);
    }
    cr_assert_eq(dorm_bulk_create(T.cx, Book, objs, MANY, 0), 0, "%s", dorm_errmsg(T.cx));
    return objs;
}

/* obj.delete() collects 70,000 books in its cascade; qs.delete() of as many
 * keys is one DELETE. */
Test(large_lists, delete_cascading_to_70000_objects) {
    Author *a = dorm_create(T.cx, Author, .name = "Prolific");
    cr_assert_not_null(a, "%s", dorm_errmsg(T.cx));
    many_books(a->id, "p");
    dorm_deleted d;
    cr_assert_eq(dorm_delete(a, &d), 0, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(dorm_deleted_str(T.cx, &d), "library.Author: 1, library.Book: 70000");
    cr_assert_eq(count(books()), 8);

    Book **objs = many_books(1, "q");
    dorm_value *keys = dorm_alloc(T.cx, sizeof *keys * MANY);
    cr_assert_not_null(keys);
    for (size_t i = 0; i < MANY; i++) keys[i] = dorm_v_int(objs[i]->id);
    cr_assert_eq(dorm_qs_delete(dorm_filter(books(), DQ("pk__in", dorm_v_list(keys, MANY))), &d), 0, "%s",
                 dorm_errmsg(T.cx));
    cr_assert_str_eq(dorm_deleted_str(T.cx, &d), "library.Book: 70000");
    cr_assert_eq(count(books()), 8);
}

typedef struct log_rec {
    int calls;
    char sql[256];
    char error[256];
} log_rec;

static log_rec rec;

static void record(const char *sql, const char *params, double seconds, void *payload) {
    (void)params, (void)seconds;
    const char *error = dorm_db_log_error(payload);
    rec.calls++;
    snprintf(rec.sql, sizeof rec.sql, "%s", sql);
    snprintf(rec.error, sizeof rec.error, "%s", error ? error : "");
}

/* A statement that fails is logged with its error, whether the server
 * refused it when preparing, binding or running it. */
Test(large_lists, failed_statements_are_logged_with_their_error) {
    memset(&rec, 0, sizeof rec);
    dorm_db_set_log(T.db, record, T.db);
    cr_assert_eq(count(dorm_filter(books(), DQ("title", "Emma"))), 1);
    cr_assert_eq(rec.calls, 1);
    cr_assert_str_eq(rec.error, "");
    /* Running: a unique key. */
    cr_assert_null(dorm_create(T.cx, Book, .title = "Emma", .author = {1, NULL},
                               .publication_date = dorm_date_ymd(2000, 1, 1), .isbn = "9780141439587"));
    cr_assert_eq(rec.calls, 2);
    cr_assert(strstr(test_sql_std(rec.sql), "INSERT INTO \"library_book\""), "%s", rec.sql);
    cr_assert_eq(strncmp(rec.error, "IntegrityError: ", 16), 0, "%s", rec.error);
    /* Preparing: a table that is gone (inside a block rolled back after;
     * where DDL commits, renamed away and back). */
    bool txddl = T.db->dialect->transactional_ddl;
    dorm_errbuf e = {0, ""};
    if (txddl) {
        cr_assert_eq(dorm_atomic_begin(T.cx), 0, "%s", dorm_errmsg(T.cx));
        cr_assert_eq(dorm_db__exec(T.db, "DROP TABLE \"library_everything\"", &e), 0, "%s", e.msg);
    } else {
        cr_assert_eq(dorm_db__exec(T.db, "RENAME TABLE \"library_everything\" TO \"away\"", &e), 0, "%s", e.msg);
    }
    cr_assert_lt(dorm_count(dorm_filter(dorm_all(T.cx, Everything), DQ("int_f", 3))), 0);
    cr_assert(strstr(test_sql_std(rec.sql), "FROM \"library_everything\""), "%s", rec.sql);
    cr_assert(strstr(rec.error, "library_everything"), "%s", rec.error);
    if (txddl)
        cr_assert_eq(dorm_atomic_rollback(T.cx), 0, "%s", dorm_errmsg(T.cx));
    else
        cr_assert_eq(dorm_db__exec(T.db, "RENAME TABLE \"away\" TO \"library_everything\"", &e), 0, "%s", e.msg);
    cr_assert_eq(count(dorm_all(T.cx, Everything)), 0);
    /* Binding: bytes have no array spelling, and 70,000 of them are more
     * parameters than PostgreSQL's protocol counts. */
    if (!on_sqlite()) {
        dorm_value *blobs = dorm_alloc(T.cx, sizeof *blobs * MANY);
        cr_assert_not_null(blobs);
        for (size_t i = 0; i < MANY; i++) blobs[i] = dorm_v_bytes((dorm_bytes){"x", 1});
        int calls = rec.calls;
        cr_assert_lt(dorm_count(dorm_filter(dorm_all(T.cx, Everything), DQ("binary_f__in", dorm_v_list(blobs, MANY)))),
                     0);
        cr_assert_eq(rec.calls, calls + 1);
        cr_assert(strstr(test_sql_std(rec.sql), "\"binary_f\" IN (?, ?"), "%.200s", rec.sql);
        /* PostgreSQL's limit is counted by dorm, MySQL's by the server. */
        cr_assert_str_eq(rec.error,
                         test_db_on_mysql()
                             ? "OperationalError: (1390, 'Prepared statement contains too many placeholders')"
                             : "ProgrammingError: parameter 65536 is out of range");
    }
    dorm_db_set_log(T.db, NULL, NULL);
}

static void catalogue_logging_to_stderr(void) {
    cr_redirect_stderr();
    catalogue();
}

/* $DORM_DEBUG_SQL's lines: Django's, with "; error=..." after a failure. */
Test(large_lists, stderr_log_shows_the_error, .init = catalogue_logging_to_stderr) {
    T.db->log_stderr = true;
    cr_assert_null(dorm_create(T.cx, Book, .title = "Emma", .author = {1, NULL},
                               .publication_date = dorm_date_ymd(2000, 1, 1), .isbn = "9780141439587"));
    T.db->log_stderr = false;
    fflush(stderr);
    char buf[4096] = "";
    size_t n = fread(buf, 1, sizeof buf - 1, cr_get_redirected_stderr());
    buf[n] = '\0';
    cr_assert(strstr(buf, "; args=('Emma', 1, '2000-01-01', '9780141439587', 'FIC', 0); error=IntegrityError: "), "%s",
              buf);
    cr_assert_eq(buf[n - 1], '\n');
}
