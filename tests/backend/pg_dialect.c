/* pg_dialect.c - the PostgreSQL dialect on its own (no server needed): LIKE
 * values escaped as Django's prep_for_like_query, iexact taken as is, the
 * EXTRACT spellings, LIMIT/OFFSET, lookup casts and the DDL of every kind. */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "backend/postgres/postgres.h"
#include "backend/schema.h"

static const dorm_dialect *d = &dorm_pg_dialect;

static char out[512];

static const char *pattern(dorm_lookup lk, const char *s) {
    dorm_buf b = DORM_BUF_INIT;
    d->pattern(&b, lk, s, strlen(s));
    snprintf(out, sizeof out, "%s", b.data ? b.data : "");
    dorm_buf_free(&b);
    return out;
}

static const char *extract(dorm_extract ex) {
    dorm_buf b = DORM_BUF_INIT;
    d->extract(&b, ex, DORM_KIND_DATETIME, "\"t\".\"c\"", NULL);
    snprintf(out, sizeof out, "%s", b.data ? b.data : "");
    dorm_buf_free(&b);
    return out;
}

static const char *limit(int64_t l, int64_t o) {
    dorm_buf b = DORM_BUF_INIT;
    d->limit_offset(&b, l, o);
    snprintf(out, sizeof out, "%s", b.data ? b.data : "");
    dorm_buf_free(&b);
    return out;
}

Test(pg_dialect, driver_and_features) {
    cr_assert_str_eq(dorm_pg_driver.vendor, "postgresql");
    cr_assert_str_eq(dorm_pg_driver.schemes[0], "postgres");
    cr_assert_str_eq(dorm_pg_driver.schemes[1], "postgresql");
    cr_assert_null(dorm_pg_driver.last_insert_id, "ids come back through RETURNING");
    cr_assert_eq(d->param_style, DORM_PARAM_DOLLAR);
    cr_assert_eq(d->quote, '"');
    cr_assert(d->supports_returning && d->transactional_ddl && d->errors_abort_transaction);
    cr_assert(!d->nulls_sort_first);
    cr_assert(d->requires_casted_case_in_updates);
}

Test(pg_dialect, operators_and_casts_as_django) {
    cr_assert_str_eq(d->operators[DORM_LK_IEXACT], "= UPPER(%s)");
    cr_assert_str_eq(d->operators[DORM_LK_ICONTAINS], "LIKE UPPER(%s)");
    cr_assert_str_eq(d->operators[DORM_LK_CONTAINS], "LIKE %s");
    cr_assert_str_eq(d->operators[DORM_LK_REGEX], "~ %s");
    cr_assert_str_eq(d->operators[DORM_LK_IREGEX], "~* %s");
    cr_assert_str_eq(d->lhs_casts[DORM_LK_ICONTAINS], "UPPER(%s::text)");
    cr_assert_str_eq(d->lhs_casts[DORM_LK_STARTSWITH], "%s::text");
    cr_assert_null(d->lhs_casts[DORM_LK_EXACT]);
    cr_assert_null(d->lhs_casts[DORM_LK_GT]);
}

Test(pg_dialect, like_values_match_literally) {
    cr_assert_str_eq(pattern(DORM_LK_CONTAINS, "50%_a\\b"), "%50\\%\\_a\\\\b%");
    cr_assert_str_eq(pattern(DORM_LK_ISTARTSWITH, "ab"), "ab%");
    cr_assert_str_eq(pattern(DORM_LK_ENDSWITH, "_"), "%\\_");
    cr_assert_str_eq(pattern(DORM_LK_IEXACT, "50%_a\\b"), "50%_a\\b");
}

Test(pg_dialect, extract_spellings) {
    cr_assert_str_eq(extract(DORM_EX_YEAR), "EXTRACT('year' FROM \"t\".\"c\")");
    cr_assert_str_eq(extract(DORM_EX_ISO_YEAR), "EXTRACT('isoyear' FROM \"t\".\"c\")");
    cr_assert_str_eq(extract(DORM_EX_WEEK_DAY), "(EXTRACT('dow' FROM \"t\".\"c\") + 1)");
    cr_assert_str_eq(extract(DORM_EX_ISO_WEEK_DAY), "EXTRACT('isodow' FROM \"t\".\"c\")");
    cr_assert_str_eq(extract(DORM_EX_SECOND), "FLOOR(EXTRACT('second' FROM \"t\".\"c\"))");
    cr_assert_str_eq(extract(DORM_EX_DATE), "(\"t\".\"c\")::date");
    cr_assert_str_eq(extract(DORM_EX_TIME), "(\"t\".\"c\")::time");
}

Test(pg_dialect, limit_offset) {
    cr_assert_str_eq(limit(10, 0), " LIMIT 10");
    cr_assert_str_eq(limit(10, 5), " LIMIT 10 OFFSET 5");
    cr_assert_str_eq(limit(-1, 5), " OFFSET 5");
    cr_assert_str_eq(limit(-1, 0), "");
}

static int collect(const char *sql, void *payload) {
    dorm_buf *b = payload;
    dorm_buf_puts(b, sql);
    dorm_buf_puts(b, ";\n");
    return 0;
}

Test(pg_dialect, ddl_of_keys) {
    dorm_column_def cols[] = {
        {.name = "id", .kind = DORM_KIND_BIGAUTO, .primary_key = true},
        {.name = "owner_id",
         .kind = DORM_KIND_FK,
         .ref_table = "app_owner",
         .ref_kind = DORM_KIND_BIGAUTO,
         .null = true},
        {.name = "price", .kind = DORM_KIND_DECIMAL, .max_digits = 8, .decimal_places = 3},
        {.name = "a\"b", .kind = DORM_KIND_POSSMALLINT},
    };
    dorm_table_def t = {.name = "app_item", .ncolumns = 4, .columns = cols};
    dorm_buf b = DORM_BUF_INIT;
    cr_assert_eq(dorm_schema__create_table(d, &t, collect, &b), 0);
    /* As Django on PostgreSQL, the foreign key follows the table; without a
     * name in the definition the server names it. */
    cr_assert_str_eq(b.data,
                     "CREATE TABLE \"app_item\" (\"id\" bigserial NOT NULL PRIMARY KEY, \"owner_id\" bigint "
                     "NULL, \"price\" numeric(8, 3) NOT NULL, \"a\"\"b\" smallint NOT NULL CHECK (\"a\"\"b\" >= "
                     "0));\n"
                     "ALTER TABLE \"app_item\" ADD FOREIGN KEY (\"owner_id\") REFERENCES \"app_owner\" (\"id\") "
                     "DEFERRABLE INITIALLY DEFERRED;\n");
    dorm_buf_free(&b);
}

/* flush: Django 3.2's sql_flush(style, tables, reset_sequences=True). */
Test(pg_dialect, flush_statement) {
    const char *tables[] = {"library_author", "library_book"};
    dorm_buf b = DORM_BUF_INIT;
    d->sql_flush(&b, tables, 2, tables, 2);
    cr_assert_str_eq(b.data, "TRUNCATE \"library_author\", \"library_book\" RESTART IDENTITY");
    cr_expect_eq(strlen(b.data) + 1, b.len, "one statement");
    dorm_buf_free(&b);
}
