/* my_dialect.c - the MySQL/MariaDB dialect on its own (no server needed):
 * Django's operators (LIKE BINARY, LIKE for the i-lookups, PCRE's case
 * flag), LIKE values escaped, the date functions of Django's MySQL
 * operations, LIMIT/OFFSET, the DDL of keys, flush, the ALTER templates, the
 * JSON array of a long IN list, and the driver's dbshell command line. */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "backend/mysql/mysql.h"
#include "backend/schema.h"

static const dorm_dialect *d = &dorm_my_dialect;

static char out[1024];

static const char *keep(dorm_buf *b) {
    snprintf(out, sizeof out, "%s", b->data ? b->data : "");
    dorm_buf_free(b);
    return out;
}

static const char *pattern(dorm_lookup lk, const char *s) {
    dorm_buf b = DORM_BUF_INIT;
    d->pattern(&b, lk, s, strlen(s));
    return keep(&b);
}

static const char *extract(dorm_extract ex) {
    dorm_buf b = DORM_BUF_INIT;
    d->extract(&b, ex, DORM_KIND_DATETIME, "`t`.`c`", NULL);
    return keep(&b);
}

static const char *limit(int64_t l, int64_t o) {
    dorm_buf b = DORM_BUF_INIT;
    d->limit_offset(&b, l, o);
    return keep(&b);
}

Test(my_dialect, driver_and_features) {
    cr_assert_str_eq(dorm_my_driver.vendor, "mysql");
    cr_assert_str_eq(dorm_my_driver.schemes[0], "mysql");
    cr_assert_str_eq(dorm_my_driver.schemes[1], "mariadb");
    cr_assert_null(dorm_my_driver.schemes[2]);
    cr_assert_not_null(dorm_my_driver.last_insert_id, "single inserts read LAST_INSERT_ID");
    cr_assert_eq(d->param_style, DORM_PARAM_QMARK);
    cr_assert_eq(d->quote, '`');
    cr_assert_eq(d->max_params, 65535);
    cr_assert_eq(d->max_name_length, 64);
    /* MariaDB >= 10.5 returns rows from INSERT; DDL commits (Django's
     * can_rollback_ddl = False); an error does not abort a transaction. */
    cr_assert(d->supports_returning && !d->transactional_ddl && !d->errors_abort_transaction);
    cr_assert(d->nulls_sort_first && !d->supports_deferrable_fk && !d->inline_fk && !d->unique_as_index);
    cr_assert(d->can_alter_columns && !d->locks_on_alter && !d->requires_casted_case_in_updates);
    cr_assert_null(d->like_opclass);
    cr_assert_null(d->sequence_reset_sql, "AUTO_INCREMENT follows explicit keys by itself");
    cr_assert_null(d->constraint_checks_off);
    cr_assert_str_eq(d->random_function, "RAND()");
}

Test(my_dialect, operators_as_django) {
    cr_assert_str_eq(d->operators[DORM_LK_EXACT], "= %s");
    cr_assert_str_eq(d->operators[DORM_LK_CONTAINS], "LIKE BINARY %s ESCAPE '\\'");
    cr_assert_str_eq(d->operators[DORM_LK_STARTSWITH], "LIKE BINARY %s ESCAPE '\\'");
    /* The i-lookups leave the case to the column's collation, as Django's. */
    cr_assert_str_eq(d->operators[DORM_LK_ICONTAINS], "LIKE %s ESCAPE '\\'");
    cr_assert_str_eq(d->operators[DORM_LK_IEXACT], "LIKE %s ESCAPE '\\'");
    cr_assert_str_eq(d->operators[DORM_LK_ISTARTSWITH], "LIKE %s ESCAPE '\\'");
    cr_assert_str_eq(d->operators[DORM_LK_IENDSWITH], "LIKE %s ESCAPE '\\'");
    cr_assert_null(d->lhs_casts[DORM_LK_IEXACT]);
    cr_assert_str_eq(d->operators[DORM_LK_REGEX], "REGEXP CONCAT('(?-i)', %s)");
    cr_assert_str_eq(d->operators[DORM_LK_IREGEX], "REGEXP %s");
    cr_assert_str_eq(d->lhs_casts[DORM_LK_JSON_CONTAINS], "JSON_CONTAINS(%s,");
    cr_assert_null(d->lhs_casts[DORM_LK_CONTAINS]);
    cr_assert_null(d->lhs_casts[DORM_LK_GT]);
}

Test(my_dialect, like_values_match_literally) {
    cr_assert_str_eq(pattern(DORM_LK_CONTAINS, "50%_a\\b"), "%50\\%\\_a\\\\b%");
    cr_assert_str_eq(pattern(DORM_LK_ISTARTSWITH, "ab"), "ab%");
    cr_assert_str_eq(pattern(DORM_LK_ENDSWITH, "_"), "%\\_");
    /* iexact is a LIKE too: its wildcards are escaped, none added. */
    cr_assert_str_eq(pattern(DORM_LK_IEXACT, "50%_a"), "50\\%\\_a");
}

Test(my_dialect, extract_spellings_of_django) {
    cr_assert_str_eq(extract(DORM_EX_YEAR), "EXTRACT(YEAR FROM `t`.`c`)");
    cr_assert_str_eq(extract(DORM_EX_QUARTER), "EXTRACT(QUARTER FROM `t`.`c`)");
    cr_assert_str_eq(extract(DORM_EX_SECOND), "EXTRACT(SECOND FROM `t`.`c`)");
    cr_assert_str_eq(extract(DORM_EX_WEEK), "WEEK(`t`.`c`, 3)");
    cr_assert_str_eq(extract(DORM_EX_WEEK_DAY), "DAYOFWEEK(`t`.`c`)");
    cr_assert_str_eq(extract(DORM_EX_ISO_WEEK_DAY), "(WEEKDAY(`t`.`c`) + 1)");
    cr_assert_str_eq(extract(DORM_EX_ISO_YEAR), "(TRUNCATE(YEARWEEK(`t`.`c`, 3), -2) / 100)");
    cr_assert_str_eq(extract(DORM_EX_DATE), "DATE(`t`.`c`)");
    cr_assert_str_eq(extract(DORM_EX_TIME), "TIME(`t`.`c`)");
}

Test(my_dialect, limit_offset) {
    cr_assert_str_eq(limit(10, 0), " LIMIT 10");
    cr_assert_str_eq(limit(10, 5), " LIMIT 10 OFFSET 5");
    cr_assert_str_eq(limit(-1, 5), " LIMIT 18446744073709551615 OFFSET 5");
    cr_assert_str_eq(limit(-1, 0), "");
}

static int collect(const char *sql, void *payload) {
    dorm_buf *b = payload;
    dorm_buf_puts(b, sql);
    dorm_buf_puts(b, ";\n");
    return 0;
}

Test(my_dialect, ddl_of_keys) {
    dorm_column_def cols[] = {
        {.name = "id", .kind = DORM_KIND_BIGAUTO, .primary_key = true},
        {.name = "owner_id",
         .kind = DORM_KIND_FK,
         .ref_table = "app_owner",
         .ref_kind = DORM_KIND_BIGAUTO,
         .null = true},
        {.name = "count_id",
         .kind = DORM_KIND_FK,
         .ref_table = "app_count",
         .ref_column = "n",
         .ref_kind = DORM_KIND_POSINT},
        {.name = "price", .kind = DORM_KIND_DECIMAL, .max_digits = 8, .decimal_places = 3},
        {.name = "a`b", .kind = DORM_KIND_POSSMALLINT},
    };
    dorm_table_def t = {.name = "app_item", .ncolumns = 5, .columns = cols};
    dorm_buf b = DORM_BUF_INIT;
    cr_assert_eq(dorm_schema__create_table(d, &t, collect, &b), 0);
    /* A key to a positive integer keeps UNSIGNED (related_fields_match_type). */
    cr_assert_str_eq(b.data,
                     "CREATE TABLE `app_item` (`id` bigint AUTO_INCREMENT NOT NULL PRIMARY KEY, `owner_id` "
                     "bigint NULL, `count_id` integer UNSIGNED NOT NULL, `price` numeric(8, 3) NOT NULL, `a``b` "
                     "smallint UNSIGNED NOT NULL CHECK (`a``b` >= 0));\n"
                     "ALTER TABLE `app_item` ADD FOREIGN KEY (`owner_id`) REFERENCES `app_owner` (`id`);\n"
                     "ALTER TABLE `app_item` ADD FOREIGN KEY (`count_id`) REFERENCES `app_count` (`n`);\n");
    dorm_buf_free(&b);
}

/* Django's _field_should_be_indexed on InnoDB. */
Test(my_dialect, indexes_of_db_index_columns) {
    cr_assert_not(
        d->indexes_column(&(dorm_column_def){.kind = DORM_KIND_FK, .ref_table = "t", .ref_kind = DORM_KIND_AUTO}));
    cr_assert(d->indexes_column(&(dorm_column_def){.kind = DORM_KIND_INT}), "db_constraint=False: a plain column");
    cr_assert_not(d->indexes_column(&(dorm_column_def){.kind = DORM_KIND_TEXT}));
    cr_assert_not(d->indexes_column(&(dorm_column_def){.kind = DORM_KIND_JSON}));
    cr_assert(d->indexes_column(&(dorm_column_def){.kind = DORM_KIND_SLUG}));
}

/* flush: Django 3.2's sql_flush(style, tables, reset_sequences=True). */
Test(my_dialect, flush_statements) {
    const char *tables[] = {"library_author", "library_book"};
    dorm_buf b = DORM_BUF_INIT;
    d->sql_flush(&b, tables, 2, tables, 2);
    const char *want[] = {"SET FOREIGN_KEY_CHECKS = 0", "TRUNCATE `library_author`", "TRUNCATE `library_book`",
                          "SET FOREIGN_KEY_CHECKS = 1"};
    size_t at = 0;
    for (size_t i = 0; i < 4; i++) {
        cr_assert_str_eq(b.data + at, want[i]);
        at += strlen(want[i]) + 1;
    }
    cr_assert_eq(at, b.len);
    dorm_buf_free(&b);
    d->sql_flush(&b, tables, 1, NULL, 0);
    cr_assert_str_eq(b.data + strlen(b.data) + 1, "DELETE FROM `library_author`");
    dorm_buf_free(&b);
}

Test(my_dialect, alter_templates_are_djangos) {
    const dorm_alter_sql *a = d->alter;
    cr_assert_not_null(a);
    cr_assert_str_eq(a->rename_table, "RENAME TABLE {table} TO {new}");
    cr_assert_str_eq(a->alter_type, "ALTER TABLE {table} MODIFY {column} {type}{null}");
    cr_assert_str_eq(a->drop_index, "DROP INDEX {name} ON {table}");
    cr_assert_str_eq(a->drop_unique, "ALTER TABLE {table} DROP INDEX {name}");
    cr_assert(a->drop_fk_with_column);
    dorm_buf b = DORM_BUF_INIT;
    a->drop_column_constraints(&b, "t`x", "c'y", 'f');
    keep(&b);
    cr_assert(strstr(out, "TABLE_NAME = 't`x' AND COLUMN_NAME = 'c''y'"), "%s", out);
    cr_assert(
        strstr(out, "EXECUTE IMMEDIATE CONCAT('ALTER TABLE `t``x` DROP FOREIGN KEY `', REPLACE(n, '`', '``'), '`')"),
        "%s", out);
}

Test(my_dialect, long_lists_are_json_arrays) {
    dorm_value v[] = {dorm_v_int(-3), dorm_v_text("a\"b\\c\n"), dorm_v_date(dorm_date_ymd(2020, 1, 2)), dorm_v_null(),
                      dorm_v_bool(true)};
    dorm_buf b = DORM_BUF_INIT;
    cr_assert(d->array_param(&b, v, 5));
    cr_assert_str_eq(keep(&b), "[-3,\"a\\\"b\\\\c\\u000a\",\"2020-01-02\",null,1]");
    cr_assert(strstr(d->in_array, "JSON_TABLE(%s, '$[*]' COLUMNS (`v` VARCHAR(255) PATH '$'))"), "%s", d->in_array);
    cr_assert(strstr(d->in_array_int, "COLUMNS (`v` BIGINT PATH '$')"), "%s", d->in_array_int);
    /* A text longer than the JSON_TABLE column could be cut to match its
     * prefix: such a list stays placeholders. */
    char longer[300];
    memset(longer, 'x', 256), longer[256] = '\0';
    dorm_value l = dorm_v_text(longer);
    cr_assert_not(d->array_param(&b, &l, 1));
    dorm_buf_free(&b);
    dorm_value bytes = dorm_v_bytes((dorm_bytes){"x", 1});
    cr_assert_not(d->array_param(&b, &bytes, 1));
    dorm_buf_free(&b);
}

Test(my_dialect, dbshell_is_the_mariadb_client) {
    dorm_client_cmd cmd = {0};
    dorm_url u = {0};
    char *keys[] = {"unix_socket", "charset"}, *values[] = {"/run/m.sock", "utf8mb4"};
    u.scheme = "mysql", u.user = "ann", u.password = "s3cret", u.path = "shop", u.nparams = 2, u.keys = keys,
    u.values = values;
    cr_assert_eq(dorm_my_driver.client(&u, &cmd), 0);
    const char *want[] = {"mariadb", "--user=ann", "--socket=/run/m.sock", "--default-character-set=utf8mb4",
                          "shop",    NULL};
    for (int i = 0; want[i]; i++) cr_assert_str_eq(cmd.argv[i], want[i]);
    cr_assert_null(cmd.argv[5]);
    cr_assert_str_eq(cmd.password_env, "MYSQL_PWD");
    cr_assert_str_eq(cmd.password, "s3cret");
}
