/* testdb.h - what every database test shares: the test models (the library
 * app plus a model with every field kind) and a fresh database per test, on
 * the backend named by $DORM_TEST_URL (default: SQLite in memory). */
#ifndef DORM_TESTDB_H
#define DORM_TESTDB_H

#include <dorm.h>

#include "dorm/sys/driver.h"

typedef struct Author {
    DORM_OBJECT;
    int64_t id;
    const char *name;
    dorm_date birth_date;
    const char *biography;
} Author;

typedef struct Book {
    DORM_OBJECT;
    int64_t id;
    const char *title;
    DORM_FK(Author) author;
    dorm_date publication_date;
    const char *isbn;
    const char *genre;
    int32_t pages;
} Book;

/* One member of every field kind (the kinds of the foundation issue). */
typedef struct Everything {
    DORM_OBJECT;
    int64_t id;
    const char *char_f;
    const char *text_f;
    const char *slug_f;
    const char *email_f;
    const char *url_f;
    int32_t int_f;
    int64_t bigint_f;
    int16_t smallint_f;
    int32_t posint_f;
    int16_t possmallint_f;
    double float_f;
    dorm_decimal decimal_f;
    bool bool_f;
    dorm_date date_f;
    dorm_datetime datetime_f;
    dorm_time time_f;
    dorm_uuid uuid_f;
    const char *json_f;
    dorm_bytes binary_f;
    int32_t nullable_int;
    dorm_datetime created;
    dorm_datetime modified;
    DORM_FK(Author) maybe_author;
} Everything;

DORM_MODEL_DECLARE(Author);
DORM_MODEL_DECLARE(Book);
DORM_MODEL_DECLARE(Everything);

/* The open test database: registry, connection and a context, with the tables
 * of the three models created.  test_db_open() aborts the test on failure;
 * test_db_close() drops everything. */
typedef struct test_db {
    dorm_registry *reg;
    dorm_db *db;
    dorm_ctx *cx;
} test_db;

extern test_db T;
void test_db_open(void);
/* The same with the models of other apps (NULL-terminated, at most 7). */
void test_db_open_apps(const dorm_app *const *apps);
void test_db_close(void);
/* A second connection to the open test database (its schema on
 * PostgreSQL; `sqlite_query` is appended to an SQLite URL, e.g.
 * "?timeout=0").  The database must be one both can open (a file on
 * SQLite).  Close it with dorm_db_close. */
dorm_db *test_db_connect(const char *sqlite_query);
/* Records the SQL of the statements the test connection runs from now on;
 * test_log_stop ends it and returns them as "SQL|SQL|..." (static). */
void test_log_start(void);
const char *test_log_stop(void);
/* The library catalogue of the acceptance transcript: 3 authors, 8 books. */
void test_db_catalogue(void);
/* The URL tests run against. */
const char *test_db_url(void);
/* The PostgreSQL schema (MySQL database) of the open test database ("" on
 * SQLite). */
const char *test_db_schema(void);
/* Makes another connection `db` work in this test's schema (database), as
 * the test's own does; nothing on SQLite.  0 or dorm_db__exec's error. */
int test_db_use_schema(dorm_db *db, dorm_errbuf *e);
/* Whether the tests run on MySQL/MariaDB. */
bool test_db_on_mysql(void);
/* This backend's expectation: SQLite's, PostgreSQL's or MariaDB's. */
const char *test_pick(const char *sqlite, const char *pg, const char *my);
/* The open test database's dialect (its feature flags). */
const dorm_dialect *test_db_dialect(void);
/* SQL with the backend's spelling written as SQLite's, for comparisons:
 * PostgreSQL's $n placeholders as ?, MySQL's `quotes` as "quotes" (a copy
 * in the test context's arena; the test fails on NULL, with the context's
 * error). */
const char *test_sql_std(const char *sql);

/* Checks `got`, SQL this backend was given (MariaDB's `quotes` read as
 * "quotes"), against this backend's expectation: sqlite on SQLite; pg on
 * PostgreSQL, or when NULL sqlite's with $1, $2 ... for its ? placeholders;
 * my on MariaDB, or when NULL sqlite's.  A mismatch fails the test (which
 * goes on), naming the case `name` and showing both texts. */
void test_expect_sql(const char *name, const char *got, const char *sqlite, const char *pg, const char *my);

/* test_expect_sql of str(qs.query) (dorm_qs_sql); a QuerySet that has no SQL
 * fails the test with its error. */
void test_expect_qs_sql(const char *name, dorm_qs *qs, const char *sqlite, const char *pg, const char *my);

/* Tests that write files: a fresh folder under /tmp (prefix "dorm-x"), the
 * path of a file in it, writing one, and removing the folder. */
const char *test_tmpdir_make(const char *prefix);
const char *test_tmpdir_path(const char *name);
void test_write_file(const char *name, const char *text);
/* The text of a file (at most 16 KiB, static), or NULL. */
char *test_read_file(const char *path);
/* A golden case kept as data: the text of tests/data/<name>/<backend>.<ext>
 * for the backend under test (sqlite, postgresql or mysql), at most 64 KiB,
 * in a static buffer until the next call; the test fails when it is
 * missing. */
const char *test_golden(const char *name, const char *ext);
/* Drops the spaces and newlines of text, in place (a JSON file without its
 * layout); returns text. */
char *test_squeeze(char *text);
void test_tmpdir_remove(void);
/* The first column of the first row of `sql` on the test database, as an
 * integer (-1 when there is no row); the test fails on an SQL error. */
int64_t test_scalar(const char *sql);
/* The ids of the rows of qs, in its order, joined by "," (in a static
 * buffer); the test fails on an error. */
const char *test_ids(dorm_qs *qs);
/* An app with no models (tests that build their tables by migrating). */
extern const dorm_app test_empty_app;

#endif
