/* dialect.c - how SQL is spelled for SQLite: lookup operators and pattern
 * values, date extraction through dorm_extract(), LIMIT/OFFSET, column types
 * and checks for DDL, and the feature flags (Django's sqlite3 operations.py,
 * base.py and features.py). */
#include <math.h>
#include <string.h>

#include "core/assert.h"
#include "backend/sqlite/sqlite.h"

/* Lookup operators, "%s" standing for the placeholder.
 *
 * DECISION: contains / startswith / endswith are case-sensitive on every
 * backend, as Django documents them.  Django's SQLite backend spells them with
 * LIKE, which SQLite compares case-insensitively (a documented Django wart);
 * dorm uses GLOB, which is case-sensitive.  The i-variants and iexact keep
 * LIKE, whose case-insensitivity is what they ask for. */
#define LIKE "LIKE %s ESCAPE '\\'"

static bool is_like(dorm_lookup lk) {
    return lk == DORM_LK_IEXACT || lk == DORM_LK_ICONTAINS || lk == DORM_LK_ISTARTSWITH || lk == DORM_LK_IENDSWITH;
}

/* The bound value of a pattern lookup.  LIKE: '\', '%' and '_' escaped with
 * '\' (the ESCAPE of the operator).  GLOB has no escape character: '*', '?'
 * and '[' are written as one-character classes.  All n bytes are kept, NULs
 * included. */
static void sq_pattern(dorm_buf *out, dorm_lookup lk, const char *s, size_t n) {
    bool like = is_like(lk);
    const char *any = like ? "%" : "*";
    if (lk == DORM_LK_CONTAINS || lk == DORM_LK_ICONTAINS || lk == DORM_LK_ENDSWITH || lk == DORM_LK_IENDSWITH)
        dorm_buf_puts(out, any);
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (like && (c == '\\' || c == '%' || c == '_')) {
            dorm_buf_putc(out, '\\');
            dorm_buf_putc(out, c);
        } else if (!like && (c == '*' || c == '?' || c == '[')) {
            dorm_buf_putc(out, '[');
            dorm_buf_putc(out, c);
            dorm_buf_putc(out, ']');
        } else {
            dorm_buf_putc(out, c);
        }
    }
    if (lk == DORM_LK_CONTAINS || lk == DORM_LK_ICONTAINS || lk == DORM_LK_STARTSWITH || lk == DORM_LK_ISTARTSWITH)
        dorm_buf_puts(out, any);
}

/* The kind words dorm_extract() of functions.c understands, by enum value:
 * fixed words, never text from a user. */
static const char *const extract_words[DORM_EX__COUNT] = {
    [DORM_EX_YEAR] = "year",
    [DORM_EX_ISO_YEAR] = "iso_year",
    [DORM_EX_MONTH] = "month",
    [DORM_EX_DAY] = "day",
    [DORM_EX_WEEK] = "week",
    [DORM_EX_WEEK_DAY] = "week_day",
    [DORM_EX_ISO_WEEK_DAY] = "iso_week_day",
    [DORM_EX_QUARTER] = "quarter",
    [DORM_EX_HOUR] = "hour",
    [DORM_EX_MINUTE] = "minute",
    [DORM_EX_SECOND] = "second",
    [DORM_EX_DATE] = "date",
    [DORM_EX_TIME] = "time",
};

/* The zone argument of dorm_extract() / dorm_trunc() (", 'Europe/Paris'"),
 * nothing for UTC. */
static void zone_arg(dorm_buf *out, const char *tz) {
    if (!tz) return;
    dorm_buf_puts(out, ", ");
    dorm_buf_quote(out, '\'', tz);
}

/* dorm_extract() parses dates, datetimes and times alike, so the column's
 * kind does not change the spelling. */
static void sq_extract(dorm_buf *out, dorm_extract ex, dorm_kind kind, const char *lhs, const char *tz) {
    (void)kind;
    DORM_ASSERT((unsigned)ex < DORM_EX__COUNT);
    if ((unsigned)ex >= DORM_EX__COUNT) return;
    dorm_buf_printf(out, "dorm_extract('%s', %s", extract_words[ex], lhs);
    zone_arg(out, tz);
    dorm_buf_putc(out, ')');
}

/* dorm_trunc() of functions.c truncates dates, datetimes and times alike. */
static void sq_trunc(dorm_buf *out, const char *part, dorm_kind kind, const char *lhs, const char *tz) {
    (void)kind;
    dorm_buf_printf(out, "dorm_trunc('%s', %s", part, lhs);
    zone_arg(out, tz);
    dorm_buf_putc(out, ')');
}

static void sq_limit_offset(dorm_buf *out, int64_t limit, int64_t offset) {
    if (limit >= 0)
        dorm_buf_printf(out, " LIMIT %lld", (long long)limit);
    else if (offset > 0)
        dorm_buf_puts(out, " LIMIT -1");
    if (offset > 0) dorm_buf_printf(out, " OFFSET %lld", (long long)offset);
}

/* Django's sqlite3 DatabaseWrapper.data_types, for one kind. */
static void kind_type(dorm_buf *out, dorm_kind kind, int max_length) {
    switch (kind) {
    case DORM_KIND_AUTO:
    case DORM_KIND_BIGAUTO:
    case DORM_KIND_INT: dorm_buf_puts(out, "integer"); break;
    case DORM_KIND_CHAR: dorm_buf_printf(out, "varchar(%d)", max_length); break;
    case DORM_KIND_SLUG: dorm_buf_printf(out, "varchar(%d)", max_length ? max_length : 50); break;
    case DORM_KIND_EMAIL: dorm_buf_printf(out, "varchar(%d)", max_length ? max_length : 254); break;
    case DORM_KIND_URL: dorm_buf_printf(out, "varchar(%d)", max_length ? max_length : 200); break;
    case DORM_KIND_TEXT:
    case DORM_KIND_JSON: dorm_buf_puts(out, "text"); break;
    case DORM_KIND_BIGINT: dorm_buf_puts(out, "bigint"); break;
    case DORM_KIND_SMALLINT: dorm_buf_puts(out, "smallint"); break;
    case DORM_KIND_POSINT: dorm_buf_puts(out, "integer unsigned"); break;
    case DORM_KIND_POSSMALLINT: dorm_buf_puts(out, "smallint unsigned"); break;
    case DORM_KIND_FLOAT: dorm_buf_puts(out, "real"); break;
    case DORM_KIND_DECIMAL: dorm_buf_puts(out, "decimal"); break;
    case DORM_KIND_BOOL: dorm_buf_puts(out, "bool"); break;
    case DORM_KIND_DATE: dorm_buf_puts(out, "date"); break;
    case DORM_KIND_DATETIME: dorm_buf_puts(out, "datetime"); break;
    case DORM_KIND_TIME: dorm_buf_puts(out, "time"); break;
    case DORM_KIND_UUID: dorm_buf_puts(out, "char(32)"); break;
    case DORM_KIND_BINARY: dorm_buf_puts(out, "BLOB"); break;
    case DORM_KIND_DURATION: dorm_buf_puts(out, "bigint"); break;
    default: DORM_ASSERT(!"column kind without a type"); break;
    }
}

/* A foreign key takes the type of the column it points to, as Django's
 * rel_db_type gives it: auto keys point with their integer type (AutoField ->
 * "integer", BigAutoField -> "bigint") and positive integers without the
 * unsigned marker, because SQLite's related fields need not match types. */
static void sq_column_type(dorm_buf *out, const dorm_column_def *c) {
    if (c->kind != DORM_KIND_FK) {
        kind_type(out, c->kind, c->max_length);
        return;
    }
    switch (c->ref_kind) {
    case DORM_KIND_AUTO:
    case DORM_KIND_POSINT: kind_type(out, DORM_KIND_INT, 0); break;
    case DORM_KIND_BIGAUTO: kind_type(out, DORM_KIND_BIGINT, 0); break;
    case DORM_KIND_POSSMALLINT: kind_type(out, DORM_KIND_SMALLINT, 0); break;
    default: kind_type(out, c->ref_kind, c->max_length); break;
    }
}

/* Django's sqlite3 data_type_check_constraints. */
static void sq_column_check(dorm_buf *out, const dorm_column_def *c, char quote) {
    switch (c->kind) {
    case DORM_KIND_POSINT:
    case DORM_KIND_POSSMALLINT:
        dorm_buf_quote(out, quote, c->name);
        dorm_buf_puts(out, " >= 0");
        break;
    case DORM_KIND_JSON:
        dorm_buf_puts(out, "(JSON_VALID(");
        dorm_buf_quote(out, quote, c->name);
        dorm_buf_puts(out, ") OR ");
        dorm_buf_quote(out, quote, c->name);
        dorm_buf_puts(out, " IS NULL)");
        break;
    default: break;
    }
}

/* Django's sql_flush: DELETE FROM each table, then the AUTOINCREMENT
 * counters of those with an automatic key back to 0 (sqlite_sequence exists
 * once such a table does). */
static void sqlite_flush(dorm_buf *out, const char *const *tables, size_t n, const char *const *sequences,
                         size_t nseq) {
    for (size_t i = 0; i < n; i++) {
        dorm_buf_puts(out, "DELETE FROM ");
        dorm_buf_quote(out, '"', tables[i]);
        dorm_buf_putc(out, '\0');
    }
    if (!nseq) return;
    dorm_buf_puts(out, "UPDATE \"sqlite_sequence\" SET \"seq\" = 0 WHERE \"name\" IN (");
    for (size_t i = 0; i < nseq; i++) {
        dorm_value name = dorm_v_text(sequences[i]);
        if (i) dorm_buf_puts(out, ", ");
        dorm_buf_literal(out, &name);
    }
    dorm_buf_puts(out, ")");
    dorm_buf_putc(out, '\0');
}

/* A list as a JSON array for json_each(): numbers, and text (dates,
 * decimals and UUIDs as sq_bind writes them) as strings, which the column's
 * affinity converts as it converts a bound value. */
static bool sq_array_param(dorm_buf *out, const dorm_value *items, size_t n) {
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
        dorm_buf_putc(out, '"');
        for (size_t k = 0; k < len; k++) {
            unsigned char c = (unsigned char)s[k];
            if (c == '"' || c == '\\') dorm_buf_putc(out, '\\');
            if (c < 0x20)
                dorm_buf_printf(out, "\\u%04x", c);
            else
                dorm_buf_putc(out, (char)c);
        }
        dorm_buf_putc(out, '"');
    }
    dorm_buf_putc(out, ']');
    return true;
}

/* Django's Left.as_sqlite: SUBSTR(x, 1, n), the 1 bound. */
static void sq_left(dorm_sqlw *w) {
    static const dorm_value one = DORM_VINT(1);
    dorm_buf_puts(w->out, "SUBSTR(");
    w->arg(w, 0);
    dorm_buf_puts(w->out, ", ");
    w->param(w, &one);
    dorm_buf_puts(w->out, ", ");
    w->arg(w, 1);
    dorm_buf_putc(w->out, ')');
}

/* Django's Right.as_sqlite: SUBSTR(x, (n * -1)), the -1 bound. */
static void sq_right(dorm_sqlw *w) {
    static const dorm_value minus_one = DORM_VINT(-1);
    dorm_buf_puts(w->out, "SUBSTR(");
    w->arg(w, 0);
    dorm_buf_puts(w->out, ", (");
    w->arg(w, 1);
    dorm_buf_puts(w->out, " * ");
    w->param(w, &minus_one);
    dorm_buf_puts(w->out, "))");
}

/* Django's ConcatPair.as_sqlite: COALESCE(a, '') || COALESCE(b, ''), the
 * empty strings bound, so that a NULL side does not make the whole NULL. */
static void sq_concat_pair(dorm_sqlw *w) {
    static const dorm_value empty = DORM_VTEXT("");
    for (int i = 0; i < w->nargs; i++) {
        if (i) dorm_buf_puts(w->out, " || ");
        dorm_buf_puts(w->out, "COALESCE(");
        w->arg(w, i);
        dorm_buf_puts(w->out, ", ");
        w->param(w, &empty);
        dorm_buf_putc(w->out, ')');
    }
}

/* Django's Cast.as_sqlite: datetimes and times through strftime (CAST would
 * drop the fraction of a second), dates through date(); auto keys, both
 * "integer" in its data_types. */
static void sq_cast(dorm_sqlw *w) {
    static const dorm_value datetime_format = DORM_VTEXT("%Y-%m-%d %H:%M:%f"), time_format = DORM_VTEXT("%H:%M:%f");
    switch (w->target->kind) {
    case DORM_KIND_AUTO:
    case DORM_KIND_BIGAUTO:
        dorm_buf_puts(w->out, "CAST(");
        w->arg(w, 0);
        dorm_buf_puts(w->out, " AS integer)");
        return;
    case DORM_KIND_DATETIME:
    case DORM_KIND_TIME:
        dorm_buf_puts(w->out, "strftime(");
        w->param(w, w->target->kind == DORM_KIND_TIME ? &time_format : &datetime_format);
        dorm_buf_puts(w->out, ", ");
        w->arg(w, 0);
        dorm_buf_putc(w->out, ')');
        return;
    case DORM_KIND_DATE:
        dorm_buf_puts(w->out, "date(");
        w->arg(w, 0);
        dorm_buf_putc(w->out, ')');
        return;
    default: w->tmpl(w, NULL);
    }
}

/* Django's as_sqlite spellings (and its sqlite3 combine_expression for
 * the power operator). */
static const dorm_func_sql sq_functions[] = {
    {"Greatest", "MAX(%*)", NULL},
    {"Least", "MIN(%*)", NULL},
    {"Substr", "SUBSTR(%*)", NULL},
    {"Left", NULL, sq_left},
    {"Right", NULL, sq_right},
    {"Chr", "CHAR(%*)", NULL},
    {"Ord", "UNICODE(%*)", NULL},
    {"Random", "RAND()", NULL},
    {"ConcatPair", NULL, sq_concat_pair},
    {"Cast", NULL, sq_cast},
    {"^", "POWER(%1,%2)", NULL},
    /* Django's subtract_temporals and combine_duration_expression. */
    {"TemporalSubtraction", "django_timestamp_diff(%1, %2)", NULL},
    {"TemporalSubtractionTime", "django_time_diff(%1, %2)", NULL},
    {"DurationAdd", "(django_format_dtdelta('+', %1, %2))", NULL},
    {"DurationSub", "(django_format_dtdelta('-', %1, %2))", NULL},
    {NULL, NULL, NULL},
};

/* Django's KeyTransform.as_sqlite: the keys as one bound JSON path. */
static void sq_json_key(dorm_sqlw *w, const char *const *keys, size_t n, bool text) {
    (void)text; /* JSON_EXTRACT gives a string's text either way */
    dorm_buf path = DORM_BUF_INIT;
    dorm_json_path(&path, keys, n, true);
    dorm_buf_puts(w->out, "JSON_EXTRACT(");
    w->arg(w, 0);
    dorm_buf_puts(w->out, ", ");
    w->text_param(w, path.data ? path.data : "", path.len);
    dorm_buf_putc(w->out, ')');
    if (path.failed) w->out->failed = true;
    dorm_buf_free(&path);
}

/* JSON1's functions, as Django's SQLite JSONField lookups use them. */
static const dorm_json_sql sq_json = {
    .key = sq_json_key,
    .has_path = "JSON_TYPE(%1, %2) IS NOT NULL",
    .type = "JSON_TYPE(%1, %2)",
    .value = "JSON_EXTRACT(%s, '$')",
    .native = false,
};

const dorm_dialect dorm_sqlite_dialect = {
    .quote = '"',
    .param_style = DORM_PARAM_QMARK,
    /* Django's max_query_params on SQLite.  The library allows 32766 since
     * 3.32, but batches of 999 parameters measured fastest for multi-row
     * INSERTs (docs/performance.md), and IN lists of that size are plenty. */
    .max_params = 999,
    .operators =
        {
            [DORM_LK_EXACT] = "= %s",
            [DORM_LK_IEXACT] = LIKE,
            [DORM_LK_CONTAINS] = "GLOB %s",
            [DORM_LK_ICONTAINS] = LIKE,
            [DORM_LK_STARTSWITH] = "GLOB %s",
            [DORM_LK_ISTARTSWITH] = LIKE,
            [DORM_LK_ENDSWITH] = "GLOB %s",
            [DORM_LK_IENDSWITH] = LIKE,
            [DORM_LK_GT] = "> %s",
            [DORM_LK_GTE] = ">= %s",
            [DORM_LK_LT] = "< %s",
            [DORM_LK_LTE] = "<= %s",
            [DORM_LK_REGEX] = "REGEXP %s",
            [DORM_LK_IREGEX] = "REGEXP '(?i)' || %s",
            /* No JSON containment (Django's supports_json_field_contains is
         * False): JSONField's contains is refused. */
            [DORM_LK_JSON_CONTAINS] = NULL,
        },
    .lhs_casts = {NULL},
    .pattern = sq_pattern,
    .extract = sq_extract,
    .trunc = sq_trunc,
    .random_function = "RANDOM()",
    .limit_offset = sq_limit_offset,
    .column_type = sq_column_type,
    .auto_pk_suffix = "PRIMARY KEY AUTOINCREMENT",
    .column_check = sq_column_check,
    .supports_returning = true,
    .transactional_ddl = true,
    .can_alter_columns = false,
    .errors_abort_transaction = false,
    .supports_deferrable_fk = true,
    .inline_fk = true,
    .unique_as_index = true,
    .sql_flush = sqlite_flush,
    /* Django's SQLite schema editor: tables are rebuilt with keys off, then
     * checked once; the pragma only changes outside a transaction. */
    .constraint_checks_off = "PRAGMA foreign_keys = OFF",
    .constraint_checks_on = "PRAGMA foreign_keys = ON",
    .constraint_check_query = "PRAGMA foreign_key_check",
    .nulls_sort_first = true,
    .in_list_max = 999,
    .in_array = "IN (SELECT value FROM json_each(%s))",
    .array_param = sq_array_param,
    .functions = sq_functions,
    /* FILTER (WHERE ...) is SQLite's since 3.30 (Django's
     * supports_aggregate_filter_clause); Debian's is newer. */
    .aggregate_filter = true,
    .bare_boolean_conditions = true,
    .cast_char_type = "text",
    .decimal_result_cast = "CAST(%s AS NUMERIC)",
    .json = &sq_json,
    .explain_prefix = "EXPLAIN QUERY PLAN",
    .pk_default_value = "NULL",
    /* Conflicts: Django's SQLite operations (upsert from SQLite 3.24). */
    .insert_ignore = "INSERT OR IGNORE INTO",
    .upsert = " ON CONFLICT(%1) DO UPDATE SET %2",
    .upsert_set = "%1 = EXCLUDED.%1",
};
