/* test_raw.c - raw SQL (the transcript's "Raw SQL" sections): raw() mapping
 * rows onto a model (columns by name, translations, deferred fields,
 * extra columns as annotations, the primary key required), and cursors
 * (execute, executemany, fetchone/fetchmany/fetchall, rowcount,
 * description), all with bound parameters, in the statement log and query
 * counts, and Django's "%s" / "%%" on every backend. */
#include <criterion/criterion.h>
#include <string.h>

#include "testdb.h"

static void open_catalogue(void) {
    test_db_open();
    test_db_catalogue();
}

TestSuite(raw, .init = open_catalogue, .fini = test_db_close);

static const char *names(void **objs) {
    cr_assert_not_null(objs, "%s", dorm_errmsg(T.cx));
    char buf[512] = "";
    for (size_t i = 0; objs[i]; i++)
        snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s", i ? ", " : "", ((Author *)objs[i])->name);
    return dorm_strdup(T.cx, buf);
}

Test(raw, rows_onto_a_model) {
    uint64_t before = dorm_ctx_query_count(T.cx);
    dorm_raw *rq =
        dorm_raw(T.cx, Author, "SELECT id, name FROM library_author WHERE name >= %s AND name < %s ORDER BY name",
                 DORM_ARGS(DV("G"), DV("K")), NULL);
    cr_assert_not_null(rq);
    cr_assert_eq(dorm_ctx_query_count(T.cx), before, "building runs nothing");
    cr_assert_str_eq(names(dorm_raw_list(rq, NULL)), "George Orwell, J.R.R. Tolkien, Jane Austen");
    cr_assert_str_eq(names(dorm_raw_list(rq, NULL)), "George Orwell, J.R.R. Tolkien, Jane Austen");
    cr_assert_eq(dorm_ctx_query_count(T.cx), before + 2, "each list runs it, as iterating a RawQuerySet");
    size_t n;
    const char *const *cols = dorm_raw_columns(rq, &n);
    cr_assert_eq(n, 2);
    cr_assert_str_eq(cols[0], "id");
    cr_assert_str_eq(cols[1], "name");
    cr_assert_eq(dorm_raw_model(rq), &Author_model);
}

/* Fields without a column are deferred (flagged, zero); dorm_refresh loads
 * them, as Django loads a deferred field on access. */
Test(raw, missing_columns_are_deferred) {
    void **objs = dorm_raw_list(dorm_raw(T.cx, Author, "SELECT id, name FROM library_author WHERE name = %s",
                                         DORM_ARGS(DV("Jane Austen")), NULL),
                                NULL);
    cr_assert_not_null(objs, "%s", dorm_errmsg(T.cx));
    Author *a = objs[0];
    cr_assert(dorm_is_deferred(a, biography));
    cr_assert(dorm_is_deferred(a, birth_date));
    cr_assert_not(dorm_is_deferred(a, name));
    cr_assert_null(a->biography);
    cr_assert_eq(dorm_refresh(a), 0, "%s", dorm_errmsg(T.cx));
    cr_assert_not(dorm_is_deferred(a, biography));
    cr_assert_eq(a->birth_date.year, 1775);
    /* Saving an object with deferred fields writes only the loaded ones. */
    objs = dorm_raw_list(dorm_raw(T.cx, Author, "SELECT id, name FROM library_author WHERE name = %s",
                                  DORM_ARGS(DV("Jane Austen")), NULL),
                         NULL);
    Author *b = objs[0];
    b->name = "J. Austen";
    cr_assert_eq(dorm_save(b), 0, "%s", dorm_errmsg(T.cx));
    Author *stored = dorm_get(dorm_all(T.cx, Author), DQ("pk", b->id));
    cr_assert_str_eq(stored->name, "J. Austen");
    cr_assert_eq(stored->birth_date.year, 1775, "the deferred field was not overwritten");
}

Test(raw, parameters_are_bound) {
    const char *evil = "Jane Austen' OR '1'='1";
    size_t n = 99;
    cr_assert_not_null(dorm_raw_list(
        dorm_raw(T.cx, Author, "SELECT id, name FROM library_author WHERE name = %s", DORM_ARGS(DV(evil)), NULL), &n));
    cr_assert_eq(n, 0);
    const char *evil2 = "x'); DROP TABLE library_author; --";
    cr_assert_not_null(dorm_raw_list(
        dorm_raw(T.cx, Author, "SELECT id, name FROM library_author WHERE name = %s", DORM_ARGS(DV(evil2)), NULL), &n));
    cr_assert_eq(n, 0);
    cr_assert_eq(dorm_count(dorm_all(T.cx, Author)), 3);
}

/* Columns that are no field are annotations; translations rename columns. */
Test(raw, extra_columns_and_translations) {
    size_t n;
    void **objs =
        dorm_raw_list(dorm_raw(T.cx, Author,
                               "SELECT id, name, LENGTH(name) AS name_len FROM library_author WHERE name > %s "
                               "ORDER BY name",
                               DORM_ARGS(DV("H")), NULL),
                      &n);
    cr_assert_not_null(objs, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(n, 2);
    cr_assert_str_eq(((Author *)objs[0])->name, "J.R.R. Tolkien");
    const dorm_value *len = dorm_annotation(objs[0], "name_len");
    cr_assert_not_null(len);
    cr_assert_eq(len->type, DORM_T_INT);
    cr_assert_eq(len->u.i, 14);
    objs = dorm_raw_list(dorm_raw(T.cx, Author,
                                  "SELECT id AS ident, name AS full_name FROM library_author WHERE name = %s",
                                  DORM_ARGS(DV("George Orwell")), DORM_LIST("ident", "id", "full_name", "name")),
                         &n);
    cr_assert_eq(n, 1);
    cr_assert_str_eq(((Author *)objs[0])->name, "George Orwell");
    cr_assert_gt(((Author *)objs[0])->id, 0);
    /* A foreign key's column fills its member. */
    objs = dorm_raw_list(dorm_raw(T.cx, Book, "SELECT id, title, author_id FROM library_book WHERE title = %s",
                                  DORM_ARGS(DV("Emma")), NULL),
                         &n);
    cr_assert_eq(n, 1);
    cr_assert_str_eq(dorm_fk((Book *)objs[0], author)->name, "Jane Austen");
}

Test(raw, errors) {
    cr_assert_null(dorm_raw_list(dorm_raw(T.cx, Author, "SELECT name FROM library_author", NULL, 0, NULL), NULL));
    cr_assert_eq(dorm_errcode(T.cx), DORM_EFIELD);
    cr_assert_str_eq(dorm_errmsg(T.cx), "Raw query must include the primary key");
    cr_assert_null(
        dorm_raw_list(dorm_raw(T.cx, Author, "SELECT id FROM library_author WHERE name = %s", NULL, 0, NULL), NULL));
    cr_assert_eq(dorm_errcode(T.cx), DORM_EPROGRAMMING);
    cr_assert_str_eq(dorm_errmsg(T.cx), "Raw SQL has 1 placeholders (%s) but 0 parameters were given.");
    cr_assert_null(dorm_raw_list(
        dorm_raw(T.cx, Author, "SELECT id FROM library_author WHERE name LIKE 'A%'", NULL, 0, NULL), NULL));
    cr_assert_eq(dorm_errcode(T.cx), DORM_EPROGRAMMING);
    cr_assert_str_eq(dorm_errmsg(T.cx),
                     "Unsupported format character in raw SQL at offset 48: use %s for a parameter "
                     "and %% for a percent sign.");
    cr_assert_null(dorm_raw_list(dorm_raw(T.cx, Author, "SELECT id FROM no_such_table", NULL, 0, NULL), NULL));
    cr_assert(dorm_errcode(T.cx) == DORM_EOPERATIONAL || dorm_errcode(T.cx) == DORM_EPROGRAMMING, "%s",
              dorm_errmsg(T.cx));
}

static char logged[2048];
static void record(const char *sql, const char *params, double seconds, void *payload) {
    (void)seconds;
    (void)payload;
    snprintf(logged + strlen(logged), sizeof logged - strlen(logged), "%s %s\n", sql, params);
}

Test(raw, cursor) {
    dorm_cursor *cur = dorm_cursor_new(T.cx);
    cr_assert_not_null(cur);
    logged[0] = '\0';
    dorm_db_set_log(T.db, record, NULL);
    uint64_t before = dorm_ctx_query_count(T.cx);
    cr_assert_eq(dorm_cursor_execute(cur, "SELECT title, pages FROM library_book WHERE pages > %s ORDER BY title",
                                     DORM_ARGS(DV(400))),
                 0, "%s", dorm_errmsg(T.cx));
    dorm_db_set_log(T.db, NULL, NULL);
    cr_assert_eq(dorm_ctx_query_count(T.cx), before + 1);
    cr_assert(strstr(logged, "FROM library_book WHERE pages > ") && strstr(logged, " (400,)"), "%s", logged);
    size_t ncols;
    const dorm_column *cols = dorm_cursor_description(cur, &ncols);
    cr_assert_eq(ncols, 2);
    cr_assert_str_eq(cols[0].name, "title");
    cr_assert_eq(cols[0].kind, DORM_KIND_TEXT);
    cr_assert_eq(cols[1].kind, DORM_KIND_BIGINT);
    cr_assert_eq(dorm_cursor_rowcount(cur), -1);
    size_t n;
    const dorm_value *const *rows = dorm_cursor_fetchall(cur, &n);
    cr_assert_not_null(rows, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(n, 2);
    cr_assert_str_eq(rows[0][0].u.s, "Emma");
    cr_assert_eq(rows[0][1].u.i, 474);
    cr_assert_str_eq(rows[1][0].u.s, "Pride and Prejudice");
    cr_assert_eq(rows[1][1].u.i, 432);
    cr_assert_null(dorm_cursor_fetchone(cur));
    cr_assert_eq(dorm_errcode(T.cx), DORM_OK);

    cr_assert_eq(dorm_cursor_execute(cur, "SELECT COUNT(*) FROM library_author WHERE name = %s",
                                     DORM_ARGS(DV("Jane Austen' OR '1'='1"))),
                 0);
    const dorm_value *one = dorm_cursor_fetchone(cur);
    cr_assert_not_null(one);
    cr_assert_eq(one[0].u.i, 0);

    cr_assert_eq(dorm_cursor_execute(cur, "UPDATE library_book SET pages = pages + %s WHERE pages < %s",
                                     DORM_ARGS(DV(100), DV(150))),
                 0, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_cursor_rowcount(cur), 2);
    cr_assert_null(dorm_cursor_description(cur, &ncols));
    cr_assert_eq(ncols, 0);

    cr_assert_eq(dorm_cursor_execute(cur, "SELECT name FROM library_author WHERE name = %s", DORM_ARGS(DV("Nobody"))),
                 0);
    cr_assert_null(dorm_cursor_fetchone(cur), "fetchone with no row");
    cr_assert_eq(dorm_errcode(T.cx), DORM_OK);

    /* MySQL's || is OR (no PIPES_AS_CONCAT in Django's sql_mode). */
    const char *concat = test_db_on_mysql() ? "SELECT CONCAT(%s, '%%')" : "SELECT %s || '%%'";
    cr_assert_eq(dorm_cursor_execute(cur, concat, DORM_ARGS(DV("50"))), 0, "%s", dorm_errmsg(T.cx));
    one = dorm_cursor_fetchone(cur);
    cr_assert_not_null(one, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(one[0].u.s, "50%");
    dorm_cursor_close(cur);
}

Test(raw, fetchmany_and_types) {
    dorm_cursor *cur = dorm_cursor_new(T.cx);
    cr_assert_eq(dorm_cursor_execute(cur, "SELECT id, name, birth_date FROM library_author ORDER BY name", NULL, 0), 0);
    size_t n;
    const dorm_value *const *rows = dorm_cursor_fetchmany(cur, 2, &n);
    cr_assert_eq(n, 2);
    cr_assert_str_eq(rows[1][1].u.s, "J.R.R. Tolkien");
    rows = dorm_cursor_fetchmany(cur, 2, &n);
    cr_assert_eq(n, 1);
    cr_assert_str_eq(rows[0][1].u.s, "Jane Austen");
    rows = dorm_cursor_fetchmany(cur, 2, &n);
    cr_assert_not_null(rows);
    cr_assert_eq(n, 0);
    /* Typed columns: a date on PostgreSQL, the text SQLite stores. */
    cr_assert_eq(dorm_cursor_execute(cur, "SELECT birth_date, 1.5, NULL FROM library_author WHERE name = %s",
                                     DORM_ARGS(DV("Jane Austen"))),
                 0);
    const dorm_value *row = dorm_cursor_fetchone(cur);
    cr_assert_not_null(row, "%s", dorm_errmsg(T.cx));
    if (strcmp(dorm_db_vendor(T.db), "sqlite") == 0) {
        cr_assert_eq(row[0].type, DORM_T_TEXT);
        cr_assert_str_eq(row[0].u.s, "1775-12-16");
        cr_assert_eq(row[1].type, DORM_T_FLOAT);
    } else {
        cr_assert_eq(row[0].type, DORM_T_DATE);
        cr_assert_eq(row[0].u.date.year, 1775);
        cr_assert_eq(row[1].type, DORM_T_DECIMAL);
    }
    cr_assert_eq(row[2].type, DORM_T_NULL);
    dorm_cursor_close(cur);
}

/* executemany: every row or none. */
Test(raw, executemany) {
    dorm_cursor *cur = dorm_cursor_new(T.cx);
    const dorm_value rows[] = {DV("A1"), DV("A2"), DV("A3")};
    cr_assert_eq(
        dorm_cursor_executemany(cur, "INSERT INTO library_author (name, biography) VALUES (%s, '')", rows, 1, 3), 0,
        "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_cursor_rowcount(cur), 3);
    cr_assert_eq(dorm_count(dorm_all(T.cx, Author)), 6);
    const dorm_value bad[] = {DV("B1"), DV("B2"), dorm_v_null()};
    cr_assert_lt(
        dorm_cursor_executemany(cur, "INSERT INTO library_author (name, biography) VALUES (%s, '')", bad, 1, 3), 0);
    cr_assert_eq(dorm_errcode(T.cx), DORM_EINTEGRITY, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_count(dorm_all(T.cx, Author)), 6, "nothing of a failed executemany stays");
}

/* A failed raw statement inside atomic marks the block, as any statement. */
Test(raw, inside_atomic) {
    dorm_cursor *cur = dorm_cursor_new(T.cx);
    cr_assert_eq(dorm_atomic_begin(T.cx), 0);
    cr_assert_lt(dorm_cursor_execute(cur, "INSERT INTO library_author (name) VALUES (NULL)", NULL, 0), 0);
    cr_assert_eq(dorm_get_rollback(T.cx), 1);
    cr_assert_lt(dorm_cursor_execute(cur, "SELECT 1", NULL, 0), 0);
    cr_assert_eq(dorm_errcode(T.cx), DORM_ETRANSACTION);
    cr_assert_eq(dorm_atomic_commit(T.cx), DORM_ETRANSACTION);
}
