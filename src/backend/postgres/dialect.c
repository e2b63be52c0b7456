/* dialect.c - how SQL is spelled for PostgreSQL: lookup operators with the
 * ::text and UPPER() casts of their left-hand side, LIKE pattern values,
 * EXTRACT for date parts, LIMIT/OFFSET, column types and checks for DDL, and
 * the feature flags (Django's postgresql operations.py, base.py, features.py). */
#include <math.h>
#include <string.h>

#include "core/assert.h"
#include "backend/like.h"
#include "backend/postgres/postgres.h"
#include "core/duration.h"

/* The bound value of a pattern lookup.  LIKE's default escape character on
 * PostgreSQL is '\', so '\', '%' and '_' are escaped with it and the
 * operator needs no ESCAPE clause (Django's prep_for_like_query).  iexact
 * compares with '=' and takes the value as it is. */
static void pg_pattern(dorm_buf *out, dorm_lookup lk, const char *s, size_t n) {
    if (lk == DORM_LK_IEXACT)
        dorm_buf_put(out, s, n);
    else
        dorm_like__pattern(out, lk, s, n);
}

/* EXTRACT field names by transform: fixed words, never text from a user. */
static const char *const extract_fields[DORM_EX__COUNT] = {
    [DORM_EX_YEAR] = "year",           [DORM_EX_ISO_YEAR] = "isoyear",
    [DORM_EX_MONTH] = "month",         [DORM_EX_DAY] = "day",
    [DORM_EX_WEEK] = "week",           [DORM_EX_WEEK_DAY] = "dow",
    [DORM_EX_ISO_WEEK_DAY] = "isodow", [DORM_EX_QUARTER] = "quarter",
    [DORM_EX_HOUR] = "hour",           [DORM_EX_MINUTE] = "minute",
    [DORM_EX_SECOND] = "second",
};

/* Django's date_extract_sql / datetime_cast_date_sql.  Datetimes need no
 * AT TIME ZONE: the session's time zone is UTC, dorm's only one.  week_day
 * counts Sunday as 1 as on every backend, and is parenthesised so that a
 * cast of the lookup applies to the sum. */
/* lhs, taken in zone tz (Django's _convert_field_to_tz): "lhs AT TIME ZONE
 * 'Europe/Paris'", a wall time; lhs itself for UTC. */
static const char *in_zone(dorm_buf *tmp, const char *lhs, const char *tz) {
    if (!tz) return lhs;
    dorm_buf_puts(tmp, lhs);
    dorm_buf_puts(tmp, " AT TIME ZONE ");
    dorm_buf_quote(tmp, '\'', tz);
    return tmp->data ? tmp->data : "";
}

static void pg_extract(dorm_buf *out, dorm_extract ex, dorm_kind kind, const char *lhs, const char *tz) {
    (void)kind;
    DORM_ASSERT((unsigned)ex < DORM_EX__COUNT);
    dorm_buf tmp = DORM_BUF_INIT;
    lhs = in_zone(&tmp, lhs, tz);
    switch (ex) {
    case DORM_EX_DATE: dorm_buf_printf(out, "(%s)::date", lhs); break;
    case DORM_EX_TIME: dorm_buf_printf(out, "(%s)::time", lhs); break;
    case DORM_EX_WEEK_DAY: dorm_buf_printf(out, "(EXTRACT('dow' FROM %s) + 1)", lhs); break;
    /* Whole seconds, as on SQLite (ExtractSecond is an integer): EXTRACT
     * alone keeps the fraction, and 7.25 would not equal 7. */
    case DORM_EX_SECOND: dorm_buf_printf(out, "FLOOR(EXTRACT('second' FROM %s))", lhs); break;
    default:
        if ((unsigned)ex < DORM_EX__COUNT) dorm_buf_printf(out, "EXTRACT('%s' FROM %s)", extract_fields[ex], lhs);
    }
    if (tmp.failed) out->failed = true;
    dorm_buf_free(&tmp);
}

/* Django's date_trunc_sql / datetime_trunc_sql / time_trunc_sql (UTC needs
 * no AT TIME ZONE: the session's time zone is UTC). */
static void pg_trunc(dorm_buf *out, const char *part, dorm_kind kind, const char *lhs, const char *tz) {
    dorm_buf tmp = DORM_BUF_INIT;
    dorm_buf_printf(out, "DATE_TRUNC('%s', %s)%s", part, in_zone(&tmp, lhs, tz),
                    kind == DORM_KIND_TIME ? "::time" : "");
    if (tmp.failed) out->failed = true;
    dorm_buf_free(&tmp);
}

static void pg_limit_offset(dorm_buf *out, int64_t limit, int64_t offset) {
    if (limit >= 0) dorm_buf_printf(out, " LIMIT %lld", (long long)limit);
    if (offset > 0) dorm_buf_printf(out, " OFFSET %lld", (long long)offset);
}

/* Django's postgresql DatabaseWrapper.data_types, for one kind. */
static void kind_type(dorm_buf *out, const dorm_column_def *c, dorm_kind kind) {
    switch (kind) {
    case DORM_KIND_AUTO: dorm_buf_puts(out, "serial"); break;
    case DORM_KIND_BIGAUTO: dorm_buf_puts(out, "bigserial"); break;
    case DORM_KIND_CHAR: dorm_buf_printf(out, "varchar(%d)", c->max_length); break;
    case DORM_KIND_SLUG: dorm_buf_printf(out, "varchar(%d)", c->max_length ? c->max_length : 50); break;
    case DORM_KIND_EMAIL: dorm_buf_printf(out, "varchar(%d)", c->max_length ? c->max_length : 254); break;
    case DORM_KIND_URL: dorm_buf_printf(out, "varchar(%d)", c->max_length ? c->max_length : 200); break;
    case DORM_KIND_TEXT: dorm_buf_puts(out, "text"); break;
    case DORM_KIND_JSON: dorm_buf_puts(out, "jsonb"); break;
    case DORM_KIND_INT:
    case DORM_KIND_POSINT: dorm_buf_puts(out, "integer"); break;
    case DORM_KIND_BIGINT: dorm_buf_puts(out, "bigint"); break;
    case DORM_KIND_SMALLINT:
    case DORM_KIND_POSSMALLINT: dorm_buf_puts(out, "smallint"); break;
    case DORM_KIND_FLOAT: dorm_buf_puts(out, "double precision"); break;
    case DORM_KIND_DECIMAL: dorm_buf_printf(out, "numeric(%d, %d)", c->max_digits, c->decimal_places); break;
    case DORM_KIND_BOOL: dorm_buf_puts(out, "boolean"); break;
    case DORM_KIND_DATE: dorm_buf_puts(out, "date"); break;
    case DORM_KIND_DATETIME: dorm_buf_puts(out, "timestamp with time zone"); break;
    case DORM_KIND_TIME: dorm_buf_puts(out, "time"); break;
    case DORM_KIND_UUID: dorm_buf_puts(out, "uuid"); break;
    case DORM_KIND_BINARY: dorm_buf_puts(out, "bytea"); break;
    case DORM_KIND_DURATION: dorm_buf_puts(out, "interval"); break;
    default: DORM_ASSERT(!"column kind without a type"); break;
    }
}

/* A foreign key takes the type of the column it points to, as Django's
 * rel_db_type gives it: serial keys are pointed at with "integer", bigserial
 * ones with "bigint". */
static void pg_column_type(dorm_buf *out, const dorm_column_def *c) {
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

/* Django's _create_like_index_sql: decided on the column's type text, so a
 * foreign key to a varchar key gets one too. */
static const char *pg_like_opclass(const dorm_column_def *c) {
    dorm_buf t = DORM_BUF_INIT;
    pg_column_type(&t, c);
    const char *r = !t.data                  ? NULL
        : strncmp(t.data, "varchar", 7) == 0 ? "varchar_pattern_ops"
        : strncmp(t.data, "text", 4) == 0    ? "text_pattern_ops"
                                             : NULL;
    dorm_buf_free(&t);
    return r;
}

/* Django's postgresql data_type_check_constraints. */
static void pg_column_check(dorm_buf *out, const dorm_column_def *c, char quote) {
    if (c->kind != DORM_KIND_POSINT && c->kind != DORM_KIND_POSSMALLINT) return;
    dorm_buf_quote(out, quote, c->name);
    dorm_buf_puts(out, " >= 0");
}

/* Django's lookup_cast: pattern and regex lookups compare text, so the
 * left-hand side is cast to it (filter(pages__contains=3) works), and the
 * case-insensitive ones compare upper case. */
#define TEXT "%s::text"
#define UPPER_TEXT "UPPER(%s::text)"

/* Django's sql_flush: one TRUNCATE of every table, RESTART IDENTITY for the
 * key sequences; no CASCADE, so a table outside the list that points at one
 * of them makes it fail rather than lose its rows. */
static void pg_flush(dorm_buf *out, const char *const *tables, size_t n, const char *const *sequences, size_t nseq) {
    (void)sequences, (void)nseq; /* RESTART IDENTITY restarts every one of them */
    if (!n) return;
    dorm_buf_puts(out, "TRUNCATE ");
    for (size_t i = 0; i < n; i++) {
        if (i) dorm_buf_puts(out, ", ");
        dorm_buf_quote(out, '"', tables[i]);
    }
    dorm_buf_puts(out, " RESTART IDENTITY");
    dorm_buf_putc(out, '\0');
}

/* Django's sequence_reset_sql: the serial sequence to the largest key (1
 * and "not called" on an empty table). */
static void pg_sequence_reset(dorm_buf *out, const char *table, const char *column) {
    dorm_buf q = DORM_BUF_INIT;
    dorm_buf_quote(&q, '"', table);
    dorm_value t = dorm_v_text(q.data ? q.data : ""), c = dorm_v_text(column);
    dorm_buf_puts(out, "SELECT setval(pg_get_serial_sequence(");
    dorm_buf_literal(out, &t);
    dorm_buf_puts(out, ", ");
    dorm_buf_literal(out, &c);
    dorm_buf_puts(out, "), coalesce(max(");
    dorm_buf_quote(out, '"', column);
    dorm_buf_puts(out, "), 1), max(");
    dorm_buf_quote(out, '"', column);
    dorm_buf_puts(out, ") IS NOT NULL) FROM ");
    dorm_buf_quote(out, '"', table);
    if (q.failed) out->failed = true;
    dorm_buf_free(&q);
}

/* One quoted element of an array literal. */
static void array_item(dorm_buf *out, const char *s, size_t len) {
    dorm_buf_putc(out, '"');
    for (size_t k = 0; k < len; k++) {
        if (s[k] == '"' || s[k] == '\\') dorm_buf_putc(out, '\\');
        dorm_buf_putc(out, s[k]);
    }
    dorm_buf_putc(out, '"');
}

/* A list as a PostgreSQL array literal, '{1,2}' / '{"a","b\\"c"}', bound as
 * text: the server gives it the array type of the column it is compared
 * with.  Values are written as pg_bind writes them. */
static bool pg_array_param(dorm_buf *out, const dorm_value *items, size_t n) {
    char tmp[DORM_FMT_MAX];
    dorm_buf_putc(out, '{');
    for (size_t i = 0; i < n; i++) {
        const dorm_value *v = &items[i];
        const char *s = tmp;
        size_t len;
        if (i) dorm_buf_putc(out, ',');
        switch (v->type) {
        case DORM_T_NULL: dorm_buf_puts(out, "NULL"); continue;
        case DORM_T_BOOL: dorm_buf_putc(out, v->u.b ? 't' : 'f'); continue;
        case DORM_T_INT: dorm_buf_printf(out, "%lld", (long long)v->u.i); continue;
        case DORM_T_FLOAT:
            if (isnan(v->u.f))
                dorm_buf_puts(out, "NaN");
            else if (isinf(v->u.f))
                dorm_buf_puts(out, v->u.f < 0 ? "-Infinity" : "Infinity");
            else
                dorm_buf_printf(out, "%.17g", v->u.f);
            continue;
        case DORM_T_TEXT:
            s = v->u.s ? v->u.s : "";
            len = v->len == DORM_STRLEN ? strlen(s) : v->len;
            if (memchr(s, '\0', len)) return false;
            break;
        case DORM_T_DATE: len = dorm_date_format(v->u.date, tmp); break;
        case DORM_T_TIME: len = dorm_time_format(v->u.time, tmp); break;
        case DORM_T_DATETIME:
            len = dorm_datetime_format(v->u.dt, tmp);
            memcpy(tmp + len, "+00:00", 7);
            len += 6;
            break;
        case DORM_T_DECIMAL: len = dorm_decimal_format(v->u.dec, tmp); break;
        case DORM_T_UUID: len = dorm_uuid_format_dashed(v->u.uuid, tmp); break;
        case DORM_T_DURATION: len = dorm_duration__interval(v->u.dur, tmp); break;
        default: return false;
        }
        array_item(out, s, len);
    }
    dorm_buf_putc(out, '}');
    return true;
}

/* The type of a value's parameter that nothing else types: its output
 * field's (integers by their size: Value(3) is an IntegerField), and
 * numeric for a float, the type psycopg2's literal 2.5 has in Django's SQL
 * (ROUND(2.5) is 3 there, ROUND(2.5::double precision) 2). */
static const char *pg_param_type(dorm_kind kind, const dorm_value *v) {
    switch (kind) {
    case DORM_KIND_CHAR:
    case DORM_KIND_SLUG:
    case DORM_KIND_EMAIL:
    case DORM_KIND_URL: return "::varchar";
    case DORM_KIND_TEXT: return "::text";
    case DORM_KIND_INT:
    case DORM_KIND_SMALLINT:
    case DORM_KIND_POSINT:
    case DORM_KIND_POSSMALLINT:
    case DORM_KIND_AUTO:
        return v->type == DORM_T_INT && (v->u.i < INT32_MIN || v->u.i > INT32_MAX) ? "::bigint" : "::integer";
    case DORM_KIND_BIGINT:
    case DORM_KIND_BIGAUTO: return "::bigint";
    case DORM_KIND_FLOAT:
    case DORM_KIND_DECIMAL: return "::numeric";
    case DORM_KIND_BOOL: return "::boolean";
    case DORM_KIND_DATE: return "::date";
    case DORM_KIND_DATETIME: return "::timestamp with time zone";
    case DORM_KIND_TIME: return "::time";
    case DORM_KIND_UUID: return "::uuid";
    case DORM_KIND_JSON: return "::jsonb";
    case DORM_KIND_BINARY: return "::bytea";
    case DORM_KIND_DURATION: return "::interval";
    default: return NULL;
    }
}

/* Django's as_postgresql spellings. */
static const dorm_func_sql pg_functions[] = {
    {"StrIndex", "STRPOS(%*)", NULL},
    {"Now", "STATEMENT_TIMESTAMP()", NULL},
    {"JSONObject", "JSONB_BUILD_OBJECT(%*)", NULL},
    /* Django's PostgreSQLSHAMixin: pgcrypto's DIGEST (docs/backends.md). */
    {"SHA1", "ENCODE(DIGEST(%*, 'sha1'), 'hex')", NULL},
    {"SHA224", "ENCODE(DIGEST(%*, 'sha224'), 'hex')", NULL},
    {"SHA256", "ENCODE(DIGEST(%*, 'sha256'), 'hex')", NULL},
    {"SHA384", "ENCODE(DIGEST(%*, 'sha384'), 'hex')", NULL},
    {"SHA512", "ENCODE(DIGEST(%*, 'sha512'), 'hex')", NULL},
    /* Django's subtract_temporals: dates subtract to a number of days. */
    {"TemporalSubtractionDate", "(interval '1 day' * (%1 - %2))", NULL},
    {NULL, NULL, NULL},
};

/* Django's KeyTransform.as_postgresql: -> with the key (a whole number
 * bound as an integer, an array index), #> with a path array for more
 * than one; ->> and #>> give text. */
static void pg_json_key(dorm_sqlw *w, const char *const *keys, size_t n, bool text) {
    int64_t index;
    dorm_buf_putc(w->out, '(');
    w->arg(w, 0);
    if (n == 1) {
        dorm_buf_puts(w->out, text ? " ->> " : " -> ");
        dorm_value v = dorm_json_index(keys[0], &index) ? dorm_v_int(index) : dorm_v_text(keys[0]);
        w->param(w, &v);
        if (v.type == DORM_T_INT) dorm_buf_puts(w->out, "::integer");
    } else {
        dorm_buf_puts(w->out, text ? " #>> " : " #> ");
        dorm_buf arr = DORM_BUF_INIT;
        dorm_buf_putc(&arr, '{');
        for (size_t i = 0; i < n; i++) {
            if (i) dorm_buf_putc(&arr, ',');
            array_item(&arr, keys[i], strlen(keys[i]));
        }
        dorm_buf_putc(&arr, '}');
        w->text_param(w, arr.data ? arr.data : "", arr.len);
        if (arr.failed) w->out->failed = true;
        dorm_buf_free(&arr);
    }
    dorm_buf_putc(w->out, ')');
}

/* jsonb's operators; a bound JSON text takes the jsonb type of what it is
 * compared with. */
static const dorm_json_sql pg_json = {
    .key = pg_json_key,
    .native = true,
};

/* SET [LOCAL] search_path TO "tenant", public (the name quoted, never
 * pasted): public stays after the tenant, as django-tenants keeps its shared
 * schema, for the extensions installed there (pgcrypto) and the shared
 * tables a tenant's own of the same name shadow.  DEFAULT brings back the
 * session's setting (the URL's options). */
static void pg_search_path(dorm_buf *out, const char *schema, bool local) {
    dorm_buf_puts(out, local ? "SET LOCAL search_path TO " : "SET search_path TO ");
    if (!schema) {
        dorm_buf_puts(out, "DEFAULT");
        return;
    }
    dorm_buf_quote(out, '"', schema);
    if (strcmp(schema, "public") != 0) dorm_buf_puts(out, ", public");
}

/* Drops the single-column constraints of kind 'u' or 'f' on a column,
 * whatever their names, found in pg_constraint by one DO block. */
static void pg_drop_column_constraints(dorm_buf *out, const char *table, const char *column, char kind) {
    dorm_buf q = DORM_BUF_INIT;
    dorm_buf_quote(&q, '"', table);
    dorm_value t = dorm_v_text(q.data ? q.data : ""), col = dorm_v_text(column), tname = dorm_v_text(table);
    dorm_buf_puts(out,
                  "DO $$DECLARE r record; BEGIN FOR r IN SELECT c.conname FROM pg_constraint c JOIN "
                  "pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] WHERE c.conrelid = ");
    dorm_buf_literal(out, &t);
    dorm_buf_printf(out, "::regclass AND c.contype = '%c' AND array_length(c.conkey, 1) = 1 AND a.attname = ",
                    kind == 'f' ? 'f' : 'u');
    dorm_buf_literal(out, &col);
    dorm_buf_puts(out, " LOOP EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', ");
    dorm_buf_literal(out, &tname);
    dorm_buf_puts(out, ", r.conname); END LOOP; END$$");
    if (q.failed) out->failed = true;
    dorm_buf_free(&q);
}

/* Django's postgresql schema editor: a type change casts the old values
 * (USING), a dropped column takes what depends on it along (CASCADE). */
static const dorm_alter_sql pg_alter = {
    .rename_table = "ALTER TABLE {table} RENAME TO {new}",
    .drop_column = "ALTER TABLE {table} DROP COLUMN {column} CASCADE",
    .alter_type = "ALTER TABLE {table} ALTER COLUMN {column} TYPE {type} USING {column}::{type}",
    .set_null = "ALTER TABLE {table} ALTER COLUMN {column} DROP NOT NULL",
    .set_not_null = "ALTER TABLE {table} ALTER COLUMN {column} SET NOT NULL",
    .drop_index = "DROP INDEX {name}",
    .drop_unique = "ALTER TABLE {table} DROP CONSTRAINT {name}",
    .drop_check = "ALTER TABLE {table} DROP CONSTRAINT {name}",
    .rename_index = "ALTER INDEX {name} RENAME TO {new}",
    .rename_unique = "ALTER TABLE {table} RENAME CONSTRAINT {name} TO {new}",
    .drop_column_constraints = pg_drop_column_constraints,
};

const dorm_dialect dorm_pg_dialect = {
    .quote = '"',
    .param_style = DORM_PARAM_DOLLAR,
    /* The protocol counts parameters in 16 bits. */
    .max_params = 65535,
    .operators =
        {
            [DORM_LK_EXACT] = "= %s",
            [DORM_LK_IEXACT] = "= UPPER(%s)",
            [DORM_LK_CONTAINS] = "LIKE %s",
            [DORM_LK_ICONTAINS] = "LIKE UPPER(%s)",
            [DORM_LK_STARTSWITH] = "LIKE %s",
            [DORM_LK_ISTARTSWITH] = "LIKE UPPER(%s)",
            [DORM_LK_ENDSWITH] = "LIKE %s",
            [DORM_LK_IENDSWITH] = "LIKE UPPER(%s)",
            [DORM_LK_GT] = "> %s",
            [DORM_LK_GTE] = ">= %s",
            [DORM_LK_LT] = "< %s",
            [DORM_LK_LTE] = "<= %s",
            [DORM_LK_REGEX] = "~ %s",
            [DORM_LK_IREGEX] = "~* %s",
            /* Django's DataContains: jsonb containment; the bound JSON text
         * takes the column's type, as Django's parameter does. */
            [DORM_LK_JSON_CONTAINS] = "@> %s",
            [DORM_LK_JSON_CONTAINED_BY] = "<@ %s",
            [DORM_LK_HAS_KEY] = "? %s",
            [DORM_LK_HAS_KEYS] = "?& %s",
            [DORM_LK_HAS_ANY_KEYS] = "?| %s",
        },
    .lhs_casts =
        {
            [DORM_LK_IEXACT] = UPPER_TEXT,
            [DORM_LK_CONTAINS] = TEXT,
            [DORM_LK_ICONTAINS] = UPPER_TEXT,
            [DORM_LK_STARTSWITH] = TEXT,
            [DORM_LK_ISTARTSWITH] = UPPER_TEXT,
            [DORM_LK_ENDSWITH] = TEXT,
            [DORM_LK_IENDSWITH] = UPPER_TEXT,
            [DORM_LK_REGEX] = TEXT,
            [DORM_LK_IREGEX] = TEXT,
        },
    .pattern = pg_pattern,
    .extract = pg_extract,
    .trunc = pg_trunc,
    .random_function = "RANDOM()",
    .limit_offset = pg_limit_offset,
    .column_type = pg_column_type,
    .auto_pk_suffix = "PRIMARY KEY",
    .column_check = pg_column_check,
    .supports_returning = true,
    .transactional_ddl = true,
    .can_alter_columns = true,
    .errors_abort_transaction = true,
    .supports_deferrable_fk = true,
    .max_name_length = 63,
    .like_opclass = pg_like_opclass,
    .sql_flush = pg_flush,
    .migration_lock = "SELECT pg_advisory_xact_lock(7340271)",
    .sequence_reset_sql = pg_sequence_reset,
    .locks_on_alter = true,
    .create_index_concurrently = "CREATE INDEX CONCURRENTLY",
    .drop_index_concurrently = "DROP INDEX CONCURRENTLY IF EXISTS",
    .test_namespace_create = "CREATE SCHEMA \"%s\"",
    .test_namespace_use = "SET search_path TO \"%s\", public", /* public: where extensions live */
    .test_namespace_drop = "DROP SCHEMA IF EXISTS \"%s\" CASCADE",
    .nulls_sort_first = false,
    .group_by_selected_pks = true,
    .requires_casted_case_in_updates = true,
    .float_param_cast = "::double precision",
    .decimal_param_cast = "::numeric",
    .in_list_max = 999,
    .in_array = "= ANY(%s)",
    .array_param = pg_array_param,
    .functions = pg_functions,
    .param_type = pg_param_type,
    .compound_parens = true,
    .aggregate_filter = true,
    .bare_boolean_conditions = true,
    .cast_char_type = "varchar",
    .json = &pg_json,
    .native_duration = true,
    .explain_prefix = "EXPLAIN",
    .explain_formats = (const char *const[]){"JSON", "TEXT", "XML", "YAML", NULL},
    .explain_options =
        (const char *const[]){"ANALYZE", "BUFFERS", "COSTS", "SETTINGS", "SUMMARY", "TIMING", "VERBOSE", "WAL", NULL},
    .row_locks =
        DORM_ROW_LOCK | DORM_ROW_LOCK_NOWAIT | DORM_ROW_LOCK_SKIP_LOCKED | DORM_ROW_LOCK_OF | DORM_ROW_LOCK_NO_KEY,
    .search_path_sql = pg_search_path,
    /* A CHECK added NOT VALID locks only briefly; VALIDATE scans with a lock
     * that lets writes go on; SET NOT NULL then uses the valid CHECK
     * instead of scanning again (PostgreSQL 12+). */
    .set_not_null_concurrently =
        (const char *const[]){"ALTER TABLE %1 ADD CONSTRAINT %3 CHECK (%2 IS NOT NULL) NOT VALID",
                              "ALTER TABLE %1 VALIDATE CONSTRAINT %3", "ALTER TABLE %1 ALTER COLUMN %2 SET NOT NULL",
                              "ALTER TABLE %1 DROP CONSTRAINT %3", NULL},
    .alter = &pg_alter,
    /* Conflicts: Django's PostgreSQL operations. */
    .ignore_suffix = " ON CONFLICT DO NOTHING",
    .upsert = " ON CONFLICT(%1) DO UPDATE SET %2",
    .upsert_set = "%1 = EXCLUDED.%1",
    .full_text_search = true,
};
