/* dialect.c - tests of the SQLite dialect: operators, the bound values of
 * pattern lookups (LIKE and GLOB escaping, checked against SQLite itself),
 * date extraction spelling, LIMIT/OFFSET, column types and checks. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "backend/db.h"
#include "backend/sqlite/sqlite.h"

static const dorm_dialect *d = &dorm_sqlite_dialect;

static char *pattern(dorm_lookup lk, const char *s, size_t n) {
    static dorm_buf b = DORM_BUF_INIT;
    dorm_buf_reset(&b);
    d->pattern(&b, lk, s, n);
    cr_assert_not(b.failed);
    return b.data;
}

Test(dialect, basics) {
    cr_assert_eq(d->quote, '"');
    cr_assert_eq(d->param_style, DORM_PARAM_QMARK);
    cr_assert_eq(d->max_params, 999);
    cr_assert_str_eq(d->random_function, "RANDOM()");
    cr_assert_str_eq(d->auto_pk_suffix, "PRIMARY KEY AUTOINCREMENT");
    cr_assert(d->supports_returning);
    cr_assert(d->transactional_ddl);
    cr_assert_not(d->errors_abort_transaction);
    cr_assert(d->supports_deferrable_fk);
    cr_assert(d->nulls_sort_first);
    cr_assert_eq(dorm_sqlite_driver.dialect, d);
    cr_assert_str_eq(dorm_sqlite_driver.vendor, "sqlite");
    cr_assert_eq(dorm_sqlite_driver.version, DORM_DRIVER_VERSION);
}

Test(dialect, operators) {
    cr_assert_str_eq(d->operators[DORM_LK_EXACT], "= %s");
    cr_assert_str_eq(d->operators[DORM_LK_IEXACT], "LIKE %s ESCAPE '\\'");
    cr_assert_str_eq(d->operators[DORM_LK_CONTAINS], "GLOB %s");
    cr_assert_str_eq(d->operators[DORM_LK_ICONTAINS], "LIKE %s ESCAPE '\\'");
    cr_assert_str_eq(d->operators[DORM_LK_STARTSWITH], "GLOB %s");
    cr_assert_str_eq(d->operators[DORM_LK_ISTARTSWITH], "LIKE %s ESCAPE '\\'");
    cr_assert_str_eq(d->operators[DORM_LK_ENDSWITH], "GLOB %s");
    cr_assert_str_eq(d->operators[DORM_LK_IENDSWITH], "LIKE %s ESCAPE '\\'");
    cr_assert_str_eq(d->operators[DORM_LK_GT], "> %s");
    cr_assert_str_eq(d->operators[DORM_LK_GTE], ">= %s");
    cr_assert_str_eq(d->operators[DORM_LK_LT], "< %s");
    cr_assert_str_eq(d->operators[DORM_LK_LTE], "<= %s");
    cr_assert_str_eq(d->operators[DORM_LK_REGEX], "REGEXP %s");
    cr_assert_str_eq(d->operators[DORM_LK_IREGEX], "REGEXP '(?i)' || %s");
    cr_assert_null(d->operators[DORM_LK_IN]);
    cr_assert_null(d->operators[DORM_LK_RANGE]);
    cr_assert_null(d->operators[DORM_LK_ISNULL]);
    for (int i = 0; i < DORM_LK__COUNT; i++) cr_assert_null(d->lhs_casts[i]);
}

Test(dialect, like_patterns) {
    cr_assert_str_eq(pattern(DORM_LK_IEXACT, "50%_a\\b", 7), "50\\%\\_a\\\\b");
    cr_assert_str_eq(pattern(DORM_LK_ICONTAINS, "a%b", 3), "%a\\%b%");
    cr_assert_str_eq(pattern(DORM_LK_ISTARTSWITH, "a_", 2), "a\\_%");
    cr_assert_str_eq(pattern(DORM_LK_IENDSWITH, "x", 1), "%x");
    cr_assert_str_eq(pattern(DORM_LK_ICONTAINS, "*?[", 3), "%*?[%");
}

Test(dialect, glob_patterns) {
    cr_assert_str_eq(pattern(DORM_LK_CONTAINS, "a*b?c[d]", 8), "*a[*]b[?]c[[]d]*");
    cr_assert_str_eq(pattern(DORM_LK_STARTSWITH, "%_\\", 3), "%_\\*");
    cr_assert_str_eq(pattern(DORM_LK_ENDSWITH, "z", 1), "*z");
}

Test(dialect, pattern_keeps_nul) {
    dorm_buf b = DORM_BUF_INIT;
    d->pattern(&b, DORM_LK_CONTAINS, "a\0b", 3);
    cr_assert_eq(b.len, 5);
    cr_assert_eq(memcmp(b.data, "*a\0b*", 5), 0);
    dorm_buf_free(&b);
}

/* Whether `value` matches lookup lk with argument `arg`, asked of SQLite
 * through the dialect's operator and pattern. */
static bool matches(dorm_db *db, dorm_lookup lk, const char *value, const char *arg) {
    dorm_buf sql = DORM_BUF_INIT, pat = DORM_BUF_INIT;
    dorm_buf_puts(&sql, "SELECT ? ");
    const char *op = d->operators[lk];
    const char *ph = strstr(op, "%s");
    dorm_buf_put(&sql, op, (size_t)(ph - op));
    dorm_buf_putc(&sql, '?');
    dorm_buf_puts(&sql, ph + 2);
    d->pattern(&pat, lk, arg, strlen(arg));
    dorm_value p[2] = {dorm_v_text(value), dorm_v_textn(pat.data, pat.len)};
    dorm_errbuf e = {0, ""};
    dorm_cached_stmt *cs;
    cr_assert_eq(dorm_db__prepare(db, sql.data, sql.len, &cs, &e), 0, "%s: %s", sql.data, e.msg);
    cr_assert_eq(dorm_db__run(db, cs, p, 2, &e), DORM_STEP_ROW, "%s", e.msg);
    bool r = db->drv->column_int(cs->stmt, 0) == 1;
    dorm_db__release(db, cs);
    dorm_buf_free(&sql);
    dorm_buf_free(&pat);
    return r;
}

Test(dialect, patterns_match_literally_in_sqlite) {
    dorm_db *db = dorm_db_open("sqlite://:memory:", NULL);
    cr_assert_eq(dorm_db_errcode(db), DORM_OK);
    const char *specials[] = {"%", "_", "*", "?", "[", "]", "\\", "[a]"};
    for (size_t i = 0; i < sizeof specials / sizeof specials[0]; i++) {
        const char *s = specials[i];
        char with[16], tail[16];
        const char *without = "xay";
        snprintf(with, sizeof with, "x%sy", s);
        snprintf(tail, sizeof tail, "%sy", s);
        cr_assert(matches(db, DORM_LK_CONTAINS, with, s), "contains %s", s);
        cr_assert_not(matches(db, DORM_LK_CONTAINS, without, s), "contains %s", s);
        cr_assert(matches(db, DORM_LK_ICONTAINS, with, s), "icontains %s", s);
        cr_assert_not(matches(db, DORM_LK_ICONTAINS, without, s), "icontains %s", s);
        cr_assert(matches(db, DORM_LK_STARTSWITH, with + 1, s), "startswith %s", s);
        cr_assert_not(matches(db, DORM_LK_STARTSWITH, without, s), "startswith %s", s);
        cr_assert(matches(db, DORM_LK_ISTARTSWITH, with + 1, s), "istartswith %s", s);
        cr_assert(matches(db, DORM_LK_ENDSWITH, with, tail), "endswith %s", s);
        cr_assert_not(matches(db, DORM_LK_ENDSWITH, without, tail), "endswith %s", s);
        cr_assert(matches(db, DORM_LK_IENDSWITH, with, tail), "iendswith %s", s);
        cr_assert_not(matches(db, DORM_LK_IENDSWITH, without, tail), "iendswith %s", s);
        cr_assert(matches(db, DORM_LK_IEXACT, s, s), "iexact %s", s);
        cr_assert_not(matches(db, DORM_LK_IEXACT, "a", s), "iexact %s", s);
    }
    /* Case: contains is case-sensitive, icontains is not. */
    cr_assert_not(matches(db, DORM_LK_CONTAINS, "The Hobbit", "hobbit"));
    cr_assert(matches(db, DORM_LK_ICONTAINS, "The Hobbit", "hobbit"));
    cr_assert(matches(db, DORM_LK_STARTSWITH, "The Hobbit", "The"));
    cr_assert_not(matches(db, DORM_LK_STARTSWITH, "The Hobbit", "the"));
    cr_assert(matches(db, DORM_LK_ISTARTSWITH, "The Hobbit", "the"));
    cr_assert(matches(db, DORM_LK_ENDSWITH, "The Hobbit", "bit"));
    cr_assert_not(matches(db, DORM_LK_ENDSWITH, "The Hobbit", "BIT"));
    cr_assert(matches(db, DORM_LK_IENDSWITH, "The Hobbit", "BIT"));
    cr_assert(matches(db, DORM_LK_IEXACT, "The Hobbit", "the hobbit"));
    cr_assert_not(matches(db, DORM_LK_IEXACT, "The Hobbit", "the hobbi"));
    dorm_db_close(db);
}

Test(dialect, extract_spelling) {
    dorm_buf b = DORM_BUF_INIT;
    d->extract(&b, DORM_EX_YEAR, DORM_KIND_DATE, "\"library_book\".\"publication_date\"", NULL);
    cr_assert_str_eq(b.data, "dorm_extract('year', \"library_book\".\"publication_date\")");
    dorm_buf_reset(&b);
    d->extract(&b, DORM_EX_MONTH, DORM_KIND_DATETIME, "x", "Europe/Paris");
    cr_assert_str_eq(b.data, "dorm_extract('month', x, 'Europe/Paris')");
    static const char *const words[DORM_EX__COUNT] = {
        "year",    "iso_year", "month",  "day",    "week", "week_day", "iso_week_day",
        "quarter", "hour",     "minute", "second", "date", "time",
    };
    for (int ex = 0; ex < DORM_EX__COUNT; ex++) {
        dorm_buf_reset(&b);
        d->extract(&b, (dorm_extract)ex, DORM_KIND_DATETIME, "x", NULL);
        char want[64];
        snprintf(want, sizeof want, "dorm_extract('%s', x)", words[ex]);
        cr_assert_str_eq(b.data, want);
    }
    dorm_buf_free(&b);
}

static char *limit(int64_t l, int64_t o) {
    static dorm_buf b = DORM_BUF_INIT;
    dorm_buf_reset(&b);
    dorm_buf_puts(&b, "");
    d->limit_offset(&b, l, o);
    return b.data;
}

Test(dialect, limit_offset) {
    cr_assert_str_eq(limit(-1, 0), "");
    cr_assert_str_eq(limit(10, 0), " LIMIT 10");
    cr_assert_str_eq(limit(-1, 5), " LIMIT -1 OFFSET 5");
    cr_assert_str_eq(limit(10, 5), " LIMIT 10 OFFSET 5");
    cr_assert_str_eq(limit(0, 0), " LIMIT 0");
}

static char *type_of(dorm_column_def c) {
    static dorm_buf b = DORM_BUF_INIT;
    dorm_buf_reset(&b);
    dorm_buf_puts(&b, "");
    d->column_type(&b, &c);
    return b.data;
}

#define COL(k, ...) ((dorm_column_def){.name = "c", .kind = (k), __VA_ARGS__})

Test(dialect, column_types) {
    cr_assert_str_eq(type_of(COL(DORM_KIND_AUTO, .primary_key = true)), "integer");
    cr_assert_str_eq(type_of(COL(DORM_KIND_BIGAUTO, .primary_key = true)), "integer");
    cr_assert_str_eq(type_of(COL(DORM_KIND_CHAR, .max_length = 100)), "varchar(100)");
    cr_assert_str_eq(type_of(COL(DORM_KIND_SLUG, .max_length = 0)), "varchar(50)");
    cr_assert_str_eq(type_of(COL(DORM_KIND_SLUG, .max_length = 20)), "varchar(20)");
    cr_assert_str_eq(type_of(COL(DORM_KIND_EMAIL, .max_length = 0)), "varchar(254)");
    cr_assert_str_eq(type_of(COL(DORM_KIND_URL, .max_length = 0)), "varchar(200)");
    cr_assert_str_eq(type_of(COL(DORM_KIND_TEXT, .null = false)), "text");
    cr_assert_str_eq(type_of(COL(DORM_KIND_INT, .null = false)), "integer");
    cr_assert_str_eq(type_of(COL(DORM_KIND_BIGINT, .null = false)), "bigint");
    cr_assert_str_eq(type_of(COL(DORM_KIND_SMALLINT, .null = false)), "smallint");
    cr_assert_str_eq(type_of(COL(DORM_KIND_POSINT, .null = false)), "integer unsigned");
    cr_assert_str_eq(type_of(COL(DORM_KIND_POSSMALLINT, .null = false)), "smallint unsigned");
    cr_assert_str_eq(type_of(COL(DORM_KIND_FLOAT, .null = false)), "real");
    cr_assert_str_eq(type_of(COL(DORM_KIND_DECIMAL, .max_digits = 5, .decimal_places = 2)), "decimal");
    cr_assert_str_eq(type_of(COL(DORM_KIND_BOOL, .null = false)), "bool");
    cr_assert_str_eq(type_of(COL(DORM_KIND_DATE, .null = false)), "date");
    cr_assert_str_eq(type_of(COL(DORM_KIND_DATETIME, .null = false)), "datetime");
    cr_assert_str_eq(type_of(COL(DORM_KIND_TIME, .null = false)), "time");
    cr_assert_str_eq(type_of(COL(DORM_KIND_UUID, .null = false)), "char(32)");
    cr_assert_str_eq(type_of(COL(DORM_KIND_JSON, .null = false)), "text");
    cr_assert_str_eq(type_of(COL(DORM_KIND_BINARY, .null = false)), "BLOB");
}

Test(dialect, foreign_key_types_follow_django_rel_db_type) {
    cr_assert_str_eq(type_of(COL(DORM_KIND_FK, .ref_kind = DORM_KIND_AUTO)), "integer");
    cr_assert_str_eq(type_of(COL(DORM_KIND_FK, .ref_kind = DORM_KIND_BIGAUTO)), "bigint");
    cr_assert_str_eq(type_of(COL(DORM_KIND_FK, .ref_kind = DORM_KIND_POSINT)), "integer");
    cr_assert_str_eq(type_of(COL(DORM_KIND_FK, .ref_kind = DORM_KIND_POSSMALLINT)), "smallint");
    cr_assert_str_eq(type_of(COL(DORM_KIND_FK, .ref_kind = DORM_KIND_CHAR, .max_length = 10)), "varchar(10)");
    cr_assert_str_eq(type_of(COL(DORM_KIND_FK, .ref_kind = DORM_KIND_UUID)), "char(32)");
}

static char *check_of(dorm_column_def c) {
    static dorm_buf b = DORM_BUF_INIT;
    dorm_buf_reset(&b);
    dorm_buf_puts(&b, "");
    d->column_check(&b, &c, '"');
    return b.data;
}

Test(dialect, column_checks) {
    cr_assert_str_eq(check_of((dorm_column_def){.name = "pages", .kind = DORM_KIND_POSINT}), "\"pages\" >= 0");
    cr_assert_str_eq(check_of((dorm_column_def){.name = "n", .kind = DORM_KIND_POSSMALLINT}), "\"n\" >= 0");
    cr_assert_str_eq(check_of((dorm_column_def){.name = "data", .kind = DORM_KIND_JSON}),
                     "(JSON_VALID(\"data\") OR \"data\" IS NULL)");
    cr_assert_str_eq(check_of((dorm_column_def){.name = "we\"ird", .kind = DORM_KIND_POSINT}), "\"we\"\"ird\" >= 0");
    cr_assert_str_eq(check_of((dorm_column_def){.name = "x", .kind = DORM_KIND_INT}), "");
    cr_assert_str_eq(check_of((dorm_column_def){.name = "x", .kind = DORM_KIND_FK, .ref_kind = DORM_KIND_POSINT}), "");
}

/* flush: Django 3.2's connection.ops.sql_flush(style, tables,
 * reset_sequences=True), one statement per NUL. */
Test(dialect, flush_statements) {
    const char *tables[] = {"library_author", "library_book"};
    dorm_buf b = DORM_BUF_INIT;
    dorm_sqlite_dialect.sql_flush(&b, tables, 2, tables, 2);
    const char *want[] = {"DELETE FROM \"library_author\"", "DELETE FROM \"library_book\"",
                          "UPDATE \"sqlite_sequence\" SET \"seq\" = 0 WHERE \"name\" IN ('library_author', "
                          "'library_book')"};
    size_t at = 0;
    for (int i = 0; i < 3; i++) {
        cr_assert_lt(at, b.len);
        cr_expect_str_eq(b.data + at, want[i]);
        at += strlen(b.data + at) + 1;
    }
    cr_expect_eq(at, b.len);
    /* No automatic key: no counter to reset (and sqlite_sequence may not exist). */
    dorm_buf_reset(&b);
    dorm_sqlite_dialect.sql_flush(&b, tables, 1, NULL, 0);
    cr_expect_str_eq(b.data, "DELETE FROM \"library_author\"");
    cr_expect_eq(strlen(b.data) + 1, b.len);
    dorm_buf_free(&b);
}
