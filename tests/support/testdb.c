/* testdb.c - the test models and the per-test database (see testdb.h), and
 * the helpers of tests that write files or read single values. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "backend/db.h"
#include "testdb.h"

static const dorm_field Author_fields[] = {
    DORM_AUTO(Author, id),
    DORM_CHAR(Author, name, .max_length = 100),
    DORM_DATE(Author, birth_date, .null = true, .blank = true),
    DORM_TEXT(Author, biography, .blank = true),
    DORM_END,
};
const dorm_model Author_model = DORM_MODEL(Author, "library", Author_fields, .ordering = DORM_LIST("name"));

static const dorm_field Book_fields[] = {
    DORM_AUTO(Book, id),
    DORM_CHAR(Book, title, .max_length = 200),
    DORM_FOREIGN_KEY(Book, author, Author, .on_delete = DORM_CASCADE, .related_name = "books"),
    DORM_DATE(Book, publication_date),
    DORM_CHAR(Book, isbn, .max_length = 13, .unique = true),
    DORM_CHAR(Book, genre, .max_length = 3, .default_value = DORM_VTEXT("FIC"),
              .choices = DORM_CHOICES({DORM_VTEXT("FIC"), "Fiction"}, {DORM_VTEXT("NON"), "Non-Fiction"},
                                      {DORM_VTEXT("SCI"), "Science"}, {DORM_VTEXT("HIS"), "History"})),
    DORM_POSINT(Book, pages, .default_value = DORM_VINT(0)),
    DORM_END,
};
const dorm_model Book_model =
    DORM_MODEL(Book, "library", Book_fields, .ordering = DORM_LIST("-publication_date"),
               .indexes = DORM_INDEXES({DORM_LIST("title"), NULL}, {DORM_LIST("isbn"), NULL}));

static const dorm_field Everything_fields[] = {
    DORM_AUTO(Everything, id),
    DORM_CHAR(Everything, char_f, .max_length = 20, .blank = true),
    DORM_TEXT(Everything, text_f, .blank = true),
    DORM_SLUG(Everything, slug_f, .blank = true),
    DORM_EMAIL(Everything, email_f, .blank = true),
    DORM_URL(Everything, url_f, .blank = true),
    DORM_INT(Everything, int_f, .default_value = DORM_VINT(7)),
    DORM_BIGINT(Everything, bigint_f),
    DORM_SMALLINT(Everything, smallint_f),
    DORM_POSINT(Everything, posint_f),
    DORM_POSSMALLINT(Everything, possmallint_f),
    DORM_FLOAT(Everything, float_f),
    DORM_DECIMAL(Everything, decimal_f, .max_digits = 10, .decimal_places = 2, .null = true),
    DORM_BOOL(Everything, bool_f),
    DORM_DATE(Everything, date_f, .null = true),
    DORM_DATETIME(Everything, datetime_f, .null = true),
    DORM_TIME(Everything, time_f, .null = true),
    DORM_UUID(Everything, uuid_f, .null = true),
    DORM_JSON(Everything, json_f, .null = true),
    DORM_BINARY(Everything, binary_f, .null = true),
    DORM_INT(Everything, nullable_int, .null = true),
    DORM_DATETIME(Everything, created, .auto_now_add = true, .null = true),
    DORM_DATETIME(Everything, modified, .auto_now = true, .null = true),
    DORM_FOREIGN_KEY(Everything, maybe_author, Author, .on_delete = DORM_SET_NULL, .null = true, .related_name = "+"),
    DORM_END,
};
const dorm_model Everything_model = DORM_MODEL(Everything, "library", Everything_fields);

static const dorm_app test_app = {.label = "library",
                                  .models = DORM_MODELS(&Author_model, &Book_model, &Everything_model)};

test_db T;

const char *test_db_schema(void);

const char *test_db_url(void) {
    const char *url = getenv("DORM_TEST_URL");
    return url && *url ? url : "sqlite://:memory:";
}

/* The schema of this test on a PostgreSQL server, or its database on a
 * MySQL/MariaDB one ("" on SQLite): tests run in parallel processes against
 * one server, each in a schema (a database) of its own. */
static char pg_schema[48];

static bool on_postgres(void) { return strncmp(test_db_url(), "postgres", 8) == 0; }

bool test_db_on_mysql(void) {
    return strncmp(test_db_url(), "mysql", 5) == 0 || strncmp(test_db_url(), "mariadb", 7) == 0;
}

const char *test_pick(const char *sqlite, const char *pg, const char *my) {
    return test_db_on_mysql() ? my : on_postgres() ? pg : sqlite;
}

const dorm_dialect *test_db_dialect(void) { return T.db->dialect; }

/* Creates this process's schema (database) and makes it the one used. */
static void isolate(void) {
    static unsigned serial;
    snprintf(pg_schema, sizeof pg_schema, "dorm_test_%ld_%u", (long)getpid(), ++serial);
    char sql[160];
    dorm_errbuf e = {0, ""};
    bool my = test_db_on_mysql();
    snprintf(sql, sizeof sql, my ? "DROP DATABASE IF EXISTS `%s`" : "DROP SCHEMA IF EXISTS \"%s\" CASCADE", pg_schema);
    cr_assert_eq(dorm_db__exec(T.db, sql, &e), 0, "%s: %s", sql, e.msg);
    snprintf(sql, sizeof sql, my ? "CREATE DATABASE `%s`" : "CREATE SCHEMA \"%s\"", pg_schema);
    cr_assert_eq(dorm_db__exec(T.db, sql, &e), 0, "%s: %s", sql, e.msg);
    snprintf(sql, sizeof sql, my ? "USE `%s`" : "SET search_path TO \"%s\", public", pg_schema);
    cr_assert_eq(dorm_db__exec(T.db, sql, &e), 0, "%s: %s", sql, e.msg);
    /* The tests' own SQL quotes names with double quotes, as the other
     * backends do; dorm's SQL on this session still uses backticks. */
    const char *ansi = "SET SESSION sql_mode = CONCAT(@@sql_mode, ',ANSI_QUOTES')";
    if (my) cr_assert_eq(dorm_db__exec(T.db, ansi, &e), 0, "%s: %s", ansi, e.msg);
}

/* The models of the open test database's apps, dependents first (the order
 * tables are dropped in), NULL-terminated. */
static const dorm_app *const *open_apps;
static const dorm_model *drop_order[33];

static const dorm_model *const *models_to_drop(void) {
    size_t n = 0;
    for (size_t a = 0; open_apps && open_apps[a]; a++)
        for (size_t m = 0; open_apps[a]->models[m] && n < 32; m++) drop_order[n++] = open_apps[a]->models[m];
    for (size_t i = 0; i < n / 2; i++) {
        const dorm_model *t = drop_order[i];
        drop_order[i] = drop_order[n - 1 - i];
        drop_order[n - 1 - i] = t;
    }
    drop_order[n] = NULL;
    return drop_order;
}

void test_db_open(void) { test_db_open_apps((const dorm_app *const[]){&test_app, NULL}); }

void test_db_open_apps(const dorm_app *const *apps) {
    static const dorm_app *kept[8];
    size_t n = 0;
    while (apps[n] && n < 7) kept[n] = apps[n], n++;
    kept[n] = NULL;
    open_apps = kept;
    T.reg = dorm_registry_new(apps);
    cr_assert(T.reg, "registry: out of memory");
    cr_assert_eq(dorm_registry_errcode(T.reg), DORM_OK, "registry: %s", dorm_registry_messages(T.reg));
    T.db = dorm_db_open(test_db_url(), T.reg);
    cr_assert(T.db && dorm_db_errcode(T.db) == DORM_OK, "open %s: %s", test_db_url(), T.db ? dorm_db_errmsg(T.db) : "");
    T.cx = dorm_ctx_new(T.db);
    cr_assert(T.cx);
    if (on_postgres() || test_db_on_mysql())
        isolate();
    else /* A leftover from an earlier test on a server database must not leak in. */
        dorm_drop_tables(T.cx, models_to_drop());
    cr_assert_eq(dorm_create_all(T.cx), DORM_OK, "create tables: %s", dorm_errmsg(T.cx));
}

void test_db_close(void) {
    if (T.db && pg_schema[0]) {
        /* Whatever the test left open goes first, then the schema with all in it. */
        char sql[96];
        dorm_errbuf e = {0, ""};
        if (T.db->atomic_depth > 0) dorm_db__exec(T.db, "ROLLBACK", &e);
        T.db->atomic_depth = 0;
        snprintf(sql, sizeof sql, test_db_on_mysql() ? "DROP DATABASE `%s`" : "DROP SCHEMA \"%s\" CASCADE", pg_schema);
        dorm_db__exec(T.db, sql, &e);
        pg_schema[0] = '\0';
    } else if (T.cx) {
        dorm_drop_tables(T.cx, models_to_drop());
    }
    dorm_ctx_free(T.cx);
    dorm_db_close(T.db);
    dorm_registry_free(T.reg);
    T.cx = NULL;
    T.db = NULL;
    T.reg = NULL;
}

dorm_db *test_db_connect(const char *sqlite_query) {
    char url[512];
    bool sqlite = strncmp(test_db_url(), "sqlite", 6) == 0;
    snprintf(url, sizeof url, "%s%s", test_db_url(), sqlite && sqlite_query ? sqlite_query : "");
    dorm_db *db = dorm_db_open(url, T.reg);
    cr_assert_eq(dorm_db_errcode(db), DORM_OK, "%s", dorm_db_errmsg(db));
    dorm_errbuf e = {0, ""};
    cr_assert_eq(test_db_use_schema(db, &e), 0, "%s", e.msg);
    return db;
}

static char log_text[8192];

static void log_record(const char *sql, const char *params, double seconds, void *payload) {
    (void)params;
    (void)seconds;
    (void)payload;
    size_t n = strlen(log_text);
    snprintf(log_text + n, sizeof log_text - n, "%s%s", n ? "|" : "", sql);
}

void test_log_start(void) {
    log_text[0] = '\0';
    dorm_db_set_log(T.db, log_record, NULL);
}

const char *test_log_stop(void) {
    dorm_db_set_log(T.db, NULL, NULL);
    return log_text;
}

void test_db_catalogue(void) {
    dorm_ctx *cx = T.cx;
    Author *austen = dorm_create(cx, Author, .name = "Jane Austen", .birth_date = dorm_date_ymd(1775, 12, 16),
                                 .biography = "English novelist known for her six major novels.");
    Author *orwell = dorm_create(cx, Author, .name = "George Orwell", .birth_date = dorm_date_ymd(1903, 6, 25));
    Author *tolkien = dorm_create(cx, Author, .name = "J.R.R. Tolkien", .birth_date = dorm_date_ymd(1892, 1, 3));
    cr_assert(austen && orwell && tolkien, "%s", dorm_errmsg(cx));
    static const struct {
        const char *title;
        int author, y, m, d;
        const char *isbn, *genre;
        int pages;
    } rows[] = {
        {"Pride and Prejudice", 0, 1813, 1, 28, "9780141439518", "FIC", 432},
        {"Emma", 0, 1815, 12, 23, "9780141439587", "FIC", 474},
        {"Persuasion", 0, 1817, 12, 20, "9780141439686", "FIC", 249},
        {"1984", 1, 1949, 6, 8, "9780451524935", "FIC", 328},
        {"Animal Farm", 1, 1945, 8, 17, "9780451526342", "FIC", 112},
        {"Homage to Catalonia", 1, 1938, 4, 25, "9780156421171", "HIS", 232},
        {"The Hobbit", 2, 1937, 9, 21, "9780547928227", "FIC", 310},
        {"On Fairy-Stories", 2, 1947, 1, 1, "9780007582914", "NON", 128},
    };
    Author *authors[] = {austen, orwell, tolkien};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        Book *b = dorm_create(cx, Book, .title = rows[i].title, .author = {authors[rows[i].author]->id, NULL},
                              .publication_date = dorm_date_ymd(rows[i].y, rows[i].m, rows[i].d), .isbn = rows[i].isbn,
                              .genre = rows[i].genre, .pages = rows[i].pages);
        cr_assert(b, "%s", dorm_errmsg(cx));
    }
}

const char *test_db_schema(void) { return pg_schema; }

int test_db_use_schema(dorm_db *db, dorm_errbuf *e) {
    if (!pg_schema[0]) return 0;
    char sql[128];
    snprintf(sql, sizeof sql, test_db_on_mysql() ? "USE `%s`" : "SET search_path TO \"%s\", public", pg_schema);
    return dorm_db__exec(db, sql, e);
}

const char *test_sql_std(const char *sql) {
    cr_assert_not_null(sql, "%s", dorm_errmsg(T.cx));
    char *out = dorm_strdup(T.cx, sql), *o = out;
    cr_assert_not_null(out);
    for (const char *p = sql; *p; p++) {
        /* Only $n is a placeholder: a JSON path's '$' stays. */
        bool placeholder = *p == '$' && p[1] >= '0' && p[1] <= '9';
        *o++ = placeholder ? '?' : *p == '`' ? '"' : *p;
        if (placeholder)
            while (p[1] >= '0' && p[1] <= '9') p++;
    }
    *o = '\0';
    return out;
}

void test_expect_sql(const char *name, const char *got, const char *sqlite, const char *pg, const char *my) {
    cr_assert_not_null(got, "%s: %s", name, dorm_errmsg(T.cx));
    if (test_db_on_mysql()) got = test_sql_std(got);
    char numbered[4096];
    if (!pg) {
        size_t n = 0;
        int k = 0;
        for (const char *p = sqlite; *p && n + 8 < sizeof numbered; p++)
            if (*p == '?')
                n += (size_t)snprintf(numbered + n, sizeof numbered - n, "$%d", ++k);
            else
                numbered[n++] = *p;
        numbered[n] = '\0';
        pg = numbered;
    }
    const char *want = test_pick(sqlite, pg, my ? my : sqlite);
    cr_expect_str_eq(got, want, "%s:\nGOT  %s\nWANT %s", name, got, want);
}

void test_expect_qs_sql(const char *name, dorm_qs *qs, const char *sqlite, const char *pg, const char *my) {
    const char *got = dorm_qs_sql(qs, NULL);
    cr_assert_not_null(got, "%s: %s", name, dorm_qs_errmsg(qs));
    test_expect_sql(name, got, sqlite, pg, my);
}

static char tmpdir[64];

const char *test_tmpdir_make(const char *prefix) {
    snprintf(tmpdir, sizeof tmpdir, "/tmp/%s-XXXXXX", prefix);
    cr_assert_not_null(mkdtemp(tmpdir));
    return tmpdir;
}

const char *test_tmpdir_path(const char *name) { return dorm_sprintf(T.cx, "%s/%s", tmpdir, name); }

void test_write_file(const char *name, const char *text) {
    FILE *f = fopen(test_tmpdir_path(name), "w");
    cr_assert_not_null(f, "%s", name);
    fputs(text, f);
    fclose(f);
}

char *test_read_file(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    static char text[16384];
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    return text;
}

const char *test_golden(const char *name, const char *ext) {
    const char *backend = strncmp(test_db_url(), "postgres", 8) == 0 ? "postgresql"
        : test_db_on_mysql()                                         ? "mysql"
                                                                     : "sqlite";
    char path[512];
    snprintf(path, sizeof path, "%s/tests/data/%s/%s.%s", DORM_TEST_SOURCE_DIR, name, backend, ext);
    static char text[65536];
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "golden file %s: %s", path, strerror(errno));
    size_t n = fread(text, 1, sizeof text - 1, f);
    cr_assert(feof(f), "golden file %s is larger than %zu bytes", path, sizeof text - 1);
    fclose(f);
    text[n] = '\0';
    return text;
}

char *test_squeeze(char *text) {
    char *w = text;
    for (const char *r = text; r && *r; r++)
        if (*r != ' ' && *r != '\n') *w++ = *r;
    if (w) *w = '\0';
    return text;
}

void test_tmpdir_remove(void) {
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    cr_expect_eq(system(cmd), 0);
}

int64_t test_scalar(const char *sql) {
    dorm_errbuf e = {0, ""};
    dorm_cached_stmt *cs;
    cr_assert_eq(dorm_db__prepare(T.db, sql, strlen(sql), &cs, &e), 0, "%s: %s", sql, e.msg);
    int rc = dorm_db__run(T.db, cs, NULL, 0, &e);
    int64_t v = rc == DORM_STEP_ROW ? T.db->drv->column_int(cs->stmt, 0) : -1;
    dorm_db__release(T.db, cs);
    cr_assert(rc >= 0, "%s: %s", sql, e.msg);
    return v;
}

const char *test_ids(dorm_qs *qs) {
    static char out[1024];
    size_t n, used = 0;
    const dorm_row **rows = dorm_rows(dorm_values_flat(qs, "id"), &n);
    cr_assert_not_null(rows, "%s", dorm_errmsg(T.cx));
    out[0] = '\0';
    for (size_t i = 0; i < n && used < sizeof out; i++)
        used +=
            (size_t)snprintf(out + used, sizeof out - used, "%s%lld", i ? "," : "", (long long)rows[i]->values[0].u.i);
    return out;
}

static const dorm_model *const no_models[] = {NULL};
const dorm_app test_empty_app = {.label = "none", .models = no_models};
