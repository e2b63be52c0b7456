/* dialect.c - how SQL is spelled for MariaDB (and MySQL): backtick quoting,
 * lookup operators (LIKE BINARY for the case-sensitive ones, LIKE for the
 * i-ones, REGEXP with PCRE's case flag), date parts with Django's MySQL
 * functions, LIMIT/OFFSET, column types and checks for DDL, flush, long IN
 * lists through JSON_TABLE, and the feature flags (Django's mysql
 * operations.py, base.py, features.py and schema.py). */
#include <assert.h>
#include <math.h>
#include <string.h>

#include "backend/like.h"
#include "backend/mysql/conn.h"

/* Writes transform `ex` of `lhs` as Django's date_extract_sql for MySQL,
 * a datetime seen in zone tz (stored in UTC).  The sums are parenthesised
 * so that a lookup's cast applies to the whole. */
static void my_extract(dorm_buf *out, dorm_extract ex, dorm_kind kind, const char *lhs, const char *tz) {
    static const char *const fields[DORM_EX__COUNT] = {
        [DORM_EX_YEAR] = "YEAR",       [DORM_EX_MONTH] = "MONTH", [DORM_EX_DAY] = "DAY",
        [DORM_EX_QUARTER] = "QUARTER", [DORM_EX_HOUR] = "HOUR",   [DORM_EX_MINUTE] = "MINUTE",
        [DORM_EX_SECOND] = "SECOND",
    };
    assert((unsigned)ex < DORM_EX__COUNT);
    dorm_buf tmp = DORM_BUF_INIT;
    lhs = dorm_my__in_zone(&tmp, lhs, kind, tz);
    switch (ex) {
    case DORM_EX_DATE: dorm_buf_printf(out, "DATE(%s)", lhs); break;
    case DORM_EX_TIME: dorm_buf_printf(out, "TIME(%s)", lhs); break;
    /* DAYOFWEEK: 1 = Sunday, as Django's week_day. */
    case DORM_EX_WEEK_DAY: dorm_buf_printf(out, "DAYOFWEEK(%s)", lhs); break;
    case DORM_EX_ISO_WEEK_DAY: dorm_buf_printf(out, "(WEEKDAY(%s) + 1)", lhs); break;
    /* Mode 3: ISO 8601 weeks, Monday first. */
    case DORM_EX_WEEK: dorm_buf_printf(out, "WEEK(%s, 3)", lhs); break;
    case DORM_EX_ISO_YEAR: dorm_buf_printf(out, "(TRUNCATE(YEARWEEK(%s, 3), -2) / 100)", lhs); break;
    default:
        if (fields[ex]) dorm_buf_printf(out, "EXTRACT(%s FROM %s)", fields[ex], lhs);
    }
    if (tmp.failed) out->failed = true;
    dorm_buf_free(&tmp);
}

/* MySQL has no OFFSET without LIMIT: Django's no_limit_value, 2^64 - 1. */
static void my_limit_offset(dorm_buf *out, int64_t limit, int64_t offset) {
    if (limit >= 0)
        dorm_buf_printf(out, " LIMIT %lld", (long long)limit);
    else if (offset > 0)
        dorm_buf_puts(out, " LIMIT 18446744073709551615");
    if (offset > 0) dorm_buf_printf(out, " OFFSET %lld", (long long)offset);
}

/* Django's mysql DatabaseWrapper.data_types, for one kind. */
static void kind_type(dorm_buf *out, const dorm_column_def *c, dorm_kind kind) {
    switch (kind) {
    case DORM_KIND_AUTO: dorm_buf_puts(out, "integer AUTO_INCREMENT"); break;
    case DORM_KIND_BIGAUTO: dorm_buf_puts(out, "bigint AUTO_INCREMENT"); break;
    case DORM_KIND_CHAR: dorm_buf_printf(out, "varchar(%d)", c->max_length); break;
    case DORM_KIND_SLUG: dorm_buf_printf(out, "varchar(%d)", c->max_length ? c->max_length : 50); break;
    case DORM_KIND_EMAIL: dorm_buf_printf(out, "varchar(%d)", c->max_length ? c->max_length : 254); break;
    case DORM_KIND_URL: dorm_buf_printf(out, "varchar(%d)", c->max_length ? c->max_length : 200); break;
    case DORM_KIND_TEXT: dorm_buf_puts(out, "longtext"); break;
    case DORM_KIND_JSON: dorm_buf_puts(out, "json"); break;
    case DORM_KIND_INT: dorm_buf_puts(out, "integer"); break;
    case DORM_KIND_POSINT: dorm_buf_puts(out, "integer UNSIGNED"); break;
    case DORM_KIND_BIGINT: dorm_buf_puts(out, "bigint"); break;
    case DORM_KIND_SMALLINT: dorm_buf_puts(out, "smallint"); break;
    case DORM_KIND_POSSMALLINT: dorm_buf_puts(out, "smallint UNSIGNED"); break;
    case DORM_KIND_FLOAT: dorm_buf_puts(out, "double precision"); break;
    case DORM_KIND_DECIMAL: dorm_buf_printf(out, "numeric(%d, %d)", c->max_digits, c->decimal_places); break;
    case DORM_KIND_BOOL: dorm_buf_puts(out, "bool"); break;
    case DORM_KIND_DATE: dorm_buf_puts(out, "date"); break;
    case DORM_KIND_DATETIME: dorm_buf_puts(out, "datetime(6)"); break;
    case DORM_KIND_TIME: dorm_buf_puts(out, "time(6)"); break;
    case DORM_KIND_UUID: dorm_buf_puts(out, "char(32)"); break;
    case DORM_KIND_BINARY: dorm_buf_puts(out, "longblob"); break;
    case DORM_KIND_DURATION: dorm_buf_puts(out, "bigint"); break;
    default: assert(!"column kind without a type"); break;
    }
}

/* A foreign key takes the type of the column it points to, as Django's
 * rel_db_type gives it: auto keys are pointed at with "integer" /
 * "bigint"; a positive integer keeps UNSIGNED (related_fields_match_type). */
static void my_column_type(dorm_buf *out, const dorm_column_def *c) {
    if (c->kind != DORM_KIND_FK) {
        kind_type(out, c, c->kind);
        return;
    }
    switch (c->ref_kind) {
    case DORM_KIND_AUTO: kind_type(out, c, DORM_KIND_INT); break;
    case DORM_KIND_BIGAUTO: kind_type(out, c, DORM_KIND_BIGINT); break;
    default: kind_type(out, c, c->ref_kind); break;
    }
}

/* Django's data_type_check_constraints for MariaDB >= 10.4.3 (JSON_VALID
 * comes with the json type itself). */
static void my_column_check(dorm_buf *out, const dorm_column_def *c, char quote) {
    if (c->kind != DORM_KIND_POSINT && c->kind != DORM_KIND_POSSMALLINT) return;
    dorm_buf_quote(out, quote, c->name);
    dorm_buf_puts(out, " >= 0");
}

/* Django's _field_should_be_indexed on MySQL with InnoDB: a FOREIGN KEY
 * constraint indexes its column itself, and text, JSON and binary columns
 * take no plain index (no full-width index on them). */
static bool my_indexes_column(const dorm_column_def *c) {
    if (c->kind == DORM_KIND_FK && c->ref_table) return false;
    dorm_kind k = c->kind == DORM_KIND_FK ? c->ref_kind : c->kind;
    return k != DORM_KIND_TEXT && k != DORM_KIND_JSON && k != DORM_KIND_BINARY;
}

/* Django's sql_flush with reset_sequences: foreign key checks off around
 * one TRUNCATE per table (which also starts AUTO_INCREMENT again), DELETE
 * FROM where no key counter needs resetting. */
static void my_flush(dorm_buf *out, const char *const *tables, size_t n, const char *const *sequences, size_t nseq) {
    (void)sequences;
    if (!n) return;
    dorm_buf_puts(out, "SET FOREIGN_KEY_CHECKS = 0");
    dorm_buf_putc(out, '\0');
    for (size_t i = 0; i < n; i++) {
        dorm_buf_puts(out, nseq ? "TRUNCATE " : "DELETE FROM ");
        dorm_buf_quote(out, '`', tables[i]);
        dorm_buf_putc(out, '\0');
    }
    dorm_buf_puts(out, "SET FOREIGN_KEY_CHECKS = 1");
    dorm_buf_putc(out, '\0');
}

/* The longest text a long IN list carries through JSON_TABLE (the width of
 * its VARCHAR column, in characters); a list with a longer one stays
 * placeholders, since a cut value could match its prefix. */
#define IN_TEXT_MAX 255

/* A list as a JSON array for JSON_TABLE: numbers, and text (dates,
 * decimals and UUIDs as my_bind's text) as strings, which the server
 * compares with the column as it compares a bound value. */
static bool my_array_param(dorm_buf *out, const dorm_value *items, size_t n) {
    char tmp[DORM_FMT_MAX];
    dorm_buf_putc(out, '[');
    for (size_t i = 0; i < n; i++) {
        const dorm_value *v = &items[i];
        const char *s = tmp;
        size_t len;
        if (i) dorm_buf_putc(out, ',');
        switch (v->type) {
        case DORM_T_NULL: dorm_buf_puts(out, "null"); continue;
        case DORM_T_BOOL: dorm_buf_putc(out, v->u.b ? '1' : '0'); continue;
        case DORM_T_INT: dorm_buf_printf(out, "%lld", (long long)v->u.i); continue;
        case DORM_T_DURATION: dorm_buf_printf(out, "%lld", (long long)v->u.dur.usec); continue;
        case DORM_T_FLOAT:
            if (isnan(v->u.f) || isinf(v->u.f)) return false;
            dorm_buf_printf(out, "%.17g", v->u.f);
            continue;
        case DORM_T_TEXT:
            s = v->u.s ? v->u.s : "";
            len = v->len == DORM_STRLEN ? strlen(s) : v->len;
            if (memchr(s, '\0', len)) return false;
            break;
        case DORM_T_DATE: len = dorm_date_format(v->u.date, tmp); break;
        case DORM_T_TIME: len = dorm_time_format(v->u.time, tmp); break;
        case DORM_T_DATETIME: len = dorm_datetime_format(v->u.dt, tmp); break;
        case DORM_T_DECIMAL: len = dorm_decimal_format(v->u.dec, tmp); break;
        case DORM_T_UUID: len = dorm_uuid_format(v->u.uuid, tmp); break;
        default: return false;
        }
        size_t chars = 0;
        dorm_buf_putc(out, '"');
        for (size_t k = 0; k < len; k++) {
            unsigned char c = (unsigned char)s[k];
            chars += (c & 0xc0) != 0x80;
            if (c == '"' || c == '\\') dorm_buf_putc(out, '\\');
            if (c < 0x20)
                dorm_buf_printf(out, "\\u%04x", c);
            else
                dorm_buf_putc(out, (char)c);
        }
        if (chars > IN_TEXT_MAX) return false;
        dorm_buf_putc(out, '"');
    }
    dorm_buf_putc(out, ']');
    return true;
}

/* Django's explain_query_prefix for MariaDB: ANALYZE (its own statement)
 * instead of EXPLAIN when asked, FORMAT=..., TEXT being MySQL's
 * TRADITIONAL. */
static void my_explain(dorm_buf *out, const char *format, const int *values) {
    dorm_buf_puts(out, values[0] > 0 ? "ANALYZE" : "EXPLAIN");
    if (format) dorm_buf_printf(out, " FORMAT=%s", strcmp(format, "TEXT") == 0 ? "TRADITIONAL" : format);
}

/* Drops the single-column UNIQUE indexes ('u') or FOREIGN KEYs ('f') of a
 * column whatever their names (an inline UNIQUE is named by the server
 * after its column): one compound statement that reads the names from
 * information_schema and drops each with EXECUTE IMMEDIATE. */
static void my_drop_column_constraints(dorm_buf *out, const char *table, const char *column, char kind) {
    dorm_buf q = DORM_BUF_INIT, head = DORM_BUF_INIT;
    dorm_buf_quote(&q, '`', table);
    dorm_buf_printf(&head, "ALTER TABLE %s DROP %s `", q.data ? q.data : "", kind == 'f' ? "FOREIGN KEY" : "INDEX");
    dorm_value t = dorm_v_text(table), col = dorm_v_text(column), drop = dorm_v_text(head.data ? head.data : "");
    dorm_buf_puts(out, "BEGIN NOT ATOMIC DECLARE done INT DEFAULT 0; DECLARE n VARCHAR(64); DECLARE cur CURSOR FOR ");
    if (kind == 'f')
        dorm_buf_puts(out,
                      "SELECT CONSTRAINT_NAME FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = "
                      "DATABASE() AND REFERENCED_TABLE_NAME IS NOT NULL AND TABLE_NAME = ");
    else
        dorm_buf_puts(out,
                      "SELECT INDEX_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND "
                      "NON_UNIQUE = 0 AND INDEX_NAME <> 'PRIMARY' AND TABLE_NAME = ");
    dorm_buf_literal(out, &t);
    if (kind == 'f') {
        dorm_buf_puts(out, " AND COLUMN_NAME = ");
        dorm_buf_literal(out, &col);
    } else {
        dorm_buf_puts(out, " GROUP BY INDEX_NAME HAVING COUNT(*) = 1 AND MIN(COLUMN_NAME) = ");
        dorm_buf_literal(out, &col);
    }
    dorm_buf_puts(out,
                  "; DECLARE CONTINUE HANDLER FOR NOT FOUND SET done = 1; OPEN cur; l: LOOP FETCH cur INTO n; "
                  "IF done THEN LEAVE l; END IF; EXECUTE IMMEDIATE CONCAT(");
    dorm_buf_literal(out, &drop);
    dorm_buf_puts(out, ", REPLACE(n, '`', '``'), '`'); END LOOP; CLOSE cur; END");
    if (q.failed || head.failed) out->failed = true;
    dorm_buf_free(&q);
    dorm_buf_free(&head);
}

/* Django's mysql _delete_composed_index: InnoDB's foreign key may rely on
 * the composite index about to be dropped, so the key column gets an index
 * of its own unless one on it alone exists (the server is asked, as Django
 * asks it). */
static void my_keep_key_index(dorm_buf *out, const char *table, const char *column, const char *name) {
    dorm_value t = dorm_v_text(table), col = dorm_v_text(column);
    dorm_buf_puts(out,
                  "BEGIN NOT ATOMIC IF NOT EXISTS (SELECT 1 FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = "
                  "DATABASE() AND TABLE_NAME = ");
    dorm_buf_literal(out, &t);
    dorm_buf_puts(out, " GROUP BY INDEX_NAME HAVING COUNT(*) = 1 AND MIN(COLUMN_NAME) = ");
    dorm_buf_literal(out, &col);
    dorm_buf_puts(out, ") THEN CREATE INDEX ");
    dorm_buf_quote(out, '`', name);
    dorm_buf_puts(out, " ON ");
    dorm_buf_quote(out, '`', table);
    dorm_buf_puts(out, " (");
    dorm_buf_quote(out, '`', column);
    dorm_buf_puts(out, "); END IF; END");
}

/* Django's mysql schema editor: MODIFY restates a column (type and NULL
 * together), indexes and unique constraints are dropped as indexes, a
 * column check by IF EXISTS (MariaDB drops one with its column's MODIFY). */
static const dorm_alter_sql my_alter = {
    .rename_table = "RENAME TABLE {table} TO {new}",
    .drop_column = "ALTER TABLE {table} DROP COLUMN {column}",
    .drop_fk_with_column = true,
    .alter_type = "ALTER TABLE {table} MODIFY {column} {type}{null}",
    .set_null = "ALTER TABLE {table} MODIFY {column} {type} NULL",
    .set_not_null = "ALTER TABLE {table} MODIFY {column} {type} NOT NULL",
    .drop_index = "DROP INDEX {name} ON {table}",
    .drop_unique = "ALTER TABLE {table} DROP INDEX {name}",
    .drop_check = "ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name}",
    .rename_index = "ALTER TABLE {table} RENAME INDEX {name} TO {new}",
    .rename_unique = "ALTER TABLE {table} RENAME INDEX {name} TO {new}",
    .drop_column_constraints = my_drop_column_constraints,
    .keep_key_index = my_keep_key_index,
};

#define IN_JSON(type) "IN (SELECT `v` FROM JSON_TABLE(%s, '$[*]' COLUMNS (`v` " type " PATH '$')) AS `dorm_in`)"
#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

/* Django's operators for MySQL.  The case-insensitive lookups are LIKE and
 * REGEXP, whose case the column's collation decides, as in Django: they
 * fold case on a case-insensitive collation (utf8mb4_general_ci, the usual
 * one) and not on a binary one (utf8mb4_bin, the acceptance set-up).  The
 * escape character is given, since NO_BACKSLASH_ESCAPES (see connect.c)
 * leaves LIKE without one. */
#define ESC " ESCAPE '\\'"

const dorm_dialect dorm_my_dialect = {
    .quote = '`',
    .param_style = DORM_PARAM_QMARK,
    /* The protocol counts a statement's parameters in 16 bits. */
    .max_params = 65535,
    .operators =
        {
            [DORM_LK_EXACT] = "= %s",
            [DORM_LK_IEXACT] = "LIKE %s" ESC,
            [DORM_LK_CONTAINS] = "LIKE BINARY %s" ESC,
            [DORM_LK_ICONTAINS] = "LIKE %s" ESC,
            [DORM_LK_STARTSWITH] = "LIKE BINARY %s" ESC,
            [DORM_LK_ISTARTSWITH] = "LIKE %s" ESC,
            [DORM_LK_ENDSWITH] = "LIKE BINARY %s" ESC,
            [DORM_LK_IENDSWITH] = "LIKE %s" ESC,
            [DORM_LK_GT] = "> %s",
            [DORM_LK_GTE] = ">= %s",
            [DORM_LK_LT] = "< %s",
            [DORM_LK_LTE] = "<= %s",
            /* Django's REGEXP BINARY: PCRE's flag makes the match
         * case-sensitive whatever the collation.  iregex is Django's REGEXP,
         * the collation's case. */
            [DORM_LK_REGEX] = "REGEXP CONCAT('(?-i)', %s)",
            [DORM_LK_IREGEX] = "REGEXP %s",
            /* Django's DataContains: JSON_CONTAINS(lhs, rhs), the function's
         * opening in the left-hand side's cast; ContainedBy is
         * dorm_my_json.contained_by. */
            [DORM_LK_JSON_CONTAINS] = "%s)",
        },
    .lhs_casts =
        {
            [DORM_LK_JSON_CONTAINS] = "JSON_CONTAINS(%s,",
        },
    .pattern = dorm_like__pattern,
    .extract = my_extract,
    .trunc = dorm_my__trunc,
    .random_function = "RAND()",
    .limit_offset = my_limit_offset,
    .column_type = my_column_type,
    .auto_pk_suffix = "PRIMARY KEY",
    .column_check = my_column_check,
    /* INSERT ... RETURNING: MariaDB 10.5 and later (Django's
     * can_return_columns_from_insert). */
    .supports_returning = true,
    /* DDL commits the transaction it runs in (Django's can_rollback_ddl). */
    .transactional_ddl = false,
    .errors_abort_transaction = false,
    .supports_deferrable_fk = false,
    .nulls_sort_first = true,
    .group_by_pk = true,
    .no_nulls_modifier = true,
    .force_no_ordering = "NULL",
    .can_alter_columns = true,
    .inline_fk = false,
    .unique_as_index = false,
    .max_name_length = 64,
    .sql_flush = my_flush,
    /* A named lock of the session, held across the commits DDL makes, and
     * released after the migration (migration_unlock). */
    .migration_lock = "BEGIN NOT ATOMIC IF COALESCE(GET_LOCK('dorm_migrations', 600), 0) = 0 THEN SIGNAL SQLSTATE "
                      "'45000' SET MESSAGE_TEXT = 'Another process has held the migration lock (dorm_migrations) for "
                      "600 seconds.'; END IF; END",
    .migration_unlock = "DO RELEASE_LOCK('dorm_migrations')",
    .locks_on_alter = false,
    .requires_casted_case_in_updates = false,
    .in_list_max = 16384,
    .in_array = IN_JSON("VARCHAR(" STRINGIFY(IN_TEXT_MAX) ")"),
    .in_array_int = IN_JSON("BIGINT"),
    .array_param = my_array_param,
    .indexes_column = my_indexes_column,
    .alter = &my_alter,
    /* Django's has_select_for_update_nowait on MariaDB 10.3+; SKIP LOCKED,
     * OF and NO KEY are MySQL 8's or PostgreSQL's only (refused). */
    .row_locks = DORM_ROW_LOCK | DORM_ROW_LOCK_NOWAIT,
    .fk_checks_off = "SET foreign_key_checks = 0",
    .fk_checks_on = "SET foreign_key_checks = 1",
    .pk_default_value = "NULL",
    /* A test database of the process's own, as Django's test_<NAME>: a
     * MySQL schema is a database. */
    .test_namespace_create = "CREATE DATABASE `%s`",
    .test_namespace_use = "USE `%s`",
    .test_namespace_drop = "DROP DATABASE IF EXISTS `%s`",
    .explain_prefix = "EXPLAIN",
    .explain_formats = (const char *const[]){"JSON", "TEXT", "TRADITIONAL", NULL},
    .explain_options = (const char *const[]){"ANALYZE", NULL},
    .explain_sql = my_explain,
    .functions = dorm_my_functions,
    /* No FILTER (WHERE ...): filter= becomes a CASE inside the aggregate. */
    .aggregate_filter = false,
    .bare_boolean_conditions = true,
    .compound_parens = true,
    .cast_char_type = "char",
    .json = &dorm_my_json,
    /* Durations are microseconds in a bigint (Django's DurationField). */
    .native_duration = false,
    /* Django 3.2's supports_select_intersection / _difference on MySQL. */
    .no_select_intersection = true,
    .no_select_difference = true,
    /* Conflicts: Django's MySQL operations on MariaDB, where the key that
     * conflicts is the server's to find (no unique_fields). */
    .insert_ignore = "INSERT IGNORE INTO",
    .upsert = " ON DUPLICATE KEY UPDATE %2",
    .upsert_set = "%1 = VALUE(%1)",
};
