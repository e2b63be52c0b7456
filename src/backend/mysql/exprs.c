/* exprs.c - how MariaDB spells Django's expressions: date truncation in a
 * zone (CONVERT_TZ with the server's time zone tables), the functions
 * Django's as_mysql methods spell differently, Cast's types, duration
 * arithmetic in microseconds, and JSON keys as JSON paths (Django's mysql
 * operations.py, functions and fields/json.py). */
#include <string.h>

#include "backend/mysql/conn.h"

const char *dorm_my__in_zone(dorm_buf *tmp, const char *lhs, dorm_kind kind, const char *tz) {
    if (!tz || kind != DORM_KIND_DATETIME) return lhs;
    dorm_buf_printf(tmp, "CONVERT_TZ(%s, 'UTC', ", lhs);
    dorm_buf_quote(tmp, '\'', tz);
    dorm_buf_putc(tmp, ')');
    return tmp->data ? tmp->data : "";
}

/* Django's date_trunc_sql, datetime_trunc_sql and time_trunc_sql. */
void dorm_my__trunc(dorm_buf *out, const char *part, dorm_kind kind, const char *lhs, const char *tz) {
    static const char *const parts[] = {"year", "month", "day", "hour", "minute", "second"};
    static const char *const format[] = {"%Y-", "%m", "-%d", " %H:", "%i", ":%s"};
    static const char *const format_def[] = {"0000-", "01", "-01", " 00:", "00", ":00"};
    dorm_buf tmp = DORM_BUF_INIT;
    const char *f = dorm_my__in_zone(&tmp, lhs, kind, tz);
    if (kind == DORM_KIND_TIME) {
        const char *fmt = strcmp(part, "hour") == 0 ? "%H:00:00"
            : strcmp(part, "minute") == 0           ? "%H:%i:00"
            : strcmp(part, "second") == 0           ? "%H:%i:%s"
                                                    : NULL;
        if (fmt)
            dorm_buf_printf(out, "CAST(DATE_FORMAT(%s, '%s') AS TIME)", f, fmt);
        else
            dorm_buf_printf(out, "TIME(%s)", f);
    } else if (kind == DORM_KIND_DATE) {
        if (strcmp(part, "year") == 0)
            dorm_buf_printf(out, "CAST(DATE_FORMAT(%s, '%%Y-01-01') AS DATE)", f);
        else if (strcmp(part, "month") == 0)
            dorm_buf_printf(out, "CAST(DATE_FORMAT(%s, '%%Y-%%m-01') AS DATE)", f);
        else if (strcmp(part, "quarter") == 0)
            dorm_buf_printf(out, "MAKEDATE(YEAR(%s), 1) + INTERVAL QUARTER(%s) QUARTER - INTERVAL 1 QUARTER", f, f);
        else if (strcmp(part, "week") == 0)
            dorm_buf_printf(out, "DATE_SUB(%s, INTERVAL WEEKDAY(%s) DAY)", f, f);
        else
            dorm_buf_printf(out, "DATE(%s)", f);
    } else if (strcmp(part, "quarter") == 0) {
        dorm_buf_printf(out,
                        "CAST(DATE_FORMAT(MAKEDATE(YEAR(%s), 1) + INTERVAL QUARTER(%s) QUARTER - INTERVAL 1 "
                        "QUARTER, '%%Y-%%m-01 00:00:00') AS DATETIME)",
                        f, f);
    } else if (strcmp(part, "week") == 0) {
        dorm_buf_printf(out,
                        "CAST(DATE_FORMAT(DATE_SUB(%s, INTERVAL WEEKDAY(%s) DAY), '%%Y-%%m-%%d 00:00:00') AS "
                        "DATETIME)",
                        f, f);
    } else {
        size_t i = 0;
        while (i < sizeof parts / sizeof parts[0] && strcmp(parts[i], part) != 0) i++;
        dorm_buf_printf(out, "CAST(DATE_FORMAT(%s, '", f);
        for (size_t k = 0; k < sizeof parts / sizeof parts[0]; k++)
            dorm_buf_puts(out, k <= i ? format[k] : format_def[k]);
        dorm_buf_puts(out, "') AS DATETIME)");
    }
    if (tmp.failed) out->failed = true;
    dorm_buf_free(&tmp);
}

/* Django's Cast.as_mysql and cast_data_types: no CAST to a float or JSON,
 * integers as SIGNED / UNSIGNED INTEGER, text as CHAR (char(n) with a
 * max_length), decimals as DECIMAL(digits, places). */
static void my_cast(dorm_sqlw *w) {
    const dorm_column_def *t = w->target;
    const char *type = NULL;
    switch (t->kind) {
    case DORM_KIND_FLOAT:
        dorm_buf_putc(w->out, '(');
        w->arg(w, 0);
        dorm_buf_puts(w->out, " + 0.0)");
        return;
    case DORM_KIND_JSON:
        dorm_buf_puts(w->out, "JSON_EXTRACT(");
        w->arg(w, 0);
        dorm_buf_puts(w->out, ", '$')");
        return;
    case DORM_KIND_AUTO:
    case DORM_KIND_BIGAUTO:
    case DORM_KIND_INT:
    case DORM_KIND_BIGINT:
    case DORM_KIND_SMALLINT:
    case DORM_KIND_DURATION: type = "signed integer"; break;
    case DORM_KIND_POSINT:
    case DORM_KIND_POSSMALLINT: type = "unsigned integer"; break;
    case DORM_KIND_TEXT: type = "char"; break;
    /* EmailField and URLField are CharFields to get_internal_type(). */
    case DORM_KIND_CHAR:
    case DORM_KIND_EMAIL:
    case DORM_KIND_URL: type = "char"; break;
    case DORM_KIND_DECIMAL: type = "decimal"; break;
    default: break;
    }
    if (!type) {
        w->tmpl(w, NULL);
        return;
    }
    dorm_buf_puts(w->out, "CAST(");
    w->arg(w, 0);
    dorm_buf_printf(w->out, " AS %s", type);
    /* char(%(max_length)s) and decimal(%(max_digits)s, %(decimal_places)s). */
    if (t->kind != DORM_KIND_TEXT && !strcmp(type, "char") && t->max_length)
        dorm_buf_printf(w->out, "(%d)", t->max_length);
    if (t->kind == DORM_KIND_DECIMAL && t->max_digits)
        dorm_buf_printf(w->out, "(%d, %d)", t->max_digits, t->decimal_places);
    dorm_buf_putc(w->out, ')');
}

/* Django's FixDurationInputMixin.as_mysql: a sum or average of durations
 * comes back as a decimal, cast to a whole number of microseconds. */
static void my_duration_aggregate(dorm_sqlw *w) {
    bool duration = w->kind == DORM_KIND_DURATION;
    if (duration) dorm_buf_puts(w->out, "CAST(");
    w->tmpl(w, NULL);
    if (duration) dorm_buf_puts(w->out, " AS SIGNED)");
}

const dorm_func_sql dorm_my_functions[] = {
    {"Cast", NULL, my_cast},
    {"Chr", "CHAR(%* USING utf16)", NULL},
    {"ConcatPair", "CONCAT_WS('', %*)", NULL},
    {"Length", "CHAR_LENGTH(%*)", NULL},
    {"Ord", "ORD(%*)", NULL},
    {"Random", "RAND()", NULL},
    /* Django's MySQLSHA2Mixin. */
    {"SHA224", "SHA2(%*, 224)", NULL},
    {"SHA256", "SHA2(%*, 256)", NULL},
    {"SHA384", "SHA2(%*, 384)", NULL},
    {"SHA512", "SHA2(%*, 512)", NULL},
    {"Sum", NULL, my_duration_aggregate},
    {"Avg", NULL, my_duration_aggregate},
    {"^", "POW(%1,%2)", NULL},
    /* Django's subtract_temporals (MariaDB's TIME_TO_SEC keeps the
     * microseconds) and format_for_duration_arithmetic. */
    {"TemporalSubtraction", "TIMESTAMPDIFF(MICROSECOND, %2, %1)", NULL},
    {"TemporalSubtractionTime", "CAST((TIME_TO_SEC(%1) - TIME_TO_SEC(%2)) * 1000000 AS SIGNED)", NULL},
    {"DurationAdd", "(%1 + INTERVAL %2 MICROSECOND)", NULL},
    {"DurationSub", "(%1 - INTERVAL %2 MICROSECOND)", NULL},
    {NULL, NULL, NULL},
};

/* Django's KeyTransform.as_mysql: JSON_EXTRACT with the keys as one bound
 * JSON path; a key read as text is unquoted (Django 4.2's KT on MySQL). */
static void my_json_key(dorm_sqlw *w, const char *const *keys, size_t n, bool text) {
    dorm_buf path = DORM_BUF_INIT;
    dorm_json_path(&path, keys, n, true);
    dorm_buf_puts(w->out, text ? "JSON_UNQUOTE(JSON_EXTRACT(" : "JSON_EXTRACT(");
    w->arg(w, 0);
    dorm_buf_puts(w->out, ", ");
    w->text_param(w, path.data ? path.data : "", path.len);
    dorm_buf_puts(w->out, text ? "))" : ")");
    if (path.failed) w->out->failed = true;
    dorm_buf_free(&path);
}

/* MariaDB's JSON is text: a key is JSON_EXTRACT's JSON text, compared as
 * Django compares it (HasKey's JSON_CONTAINS_PATH, a missing key's NULL,
 * JSON_UNQUOTE of the left side against a bound JSON value through
 * JSON_EXTRACT(%s, '$'), LOWER() on both sides of the i-lookups). */
const dorm_json_sql dorm_my_json = {
    .key = my_json_key,
    .has_path = "JSON_CONTAINS_PATH(%1, 'one', %2)",
    .type = "JSON_EXTRACT(%1, %2)",
    .value = "JSON_EXTRACT(%s, '$')",
    .native = false,
    /* MariaDB's JSON_EXTRACT keeps a string's quotes: Django's lookup_cast
     * unquotes the left side, and MariaDB then compares it with the
     * JSON_EXTRACT of the bound JSON as JSON ('web' = '"web"' holds; it
     * needs the connection's utf8mb4, see connect.c). */
    .lookup_cast = "JSON_UNQUOTE(%s)",
    .in_value = "JSON_UNQUOTE(JSON_EXTRACT(%s, '$'))",
    .exact_as_value = true,
    .fold_case = true,
    .contained_by = "JSON_CONTAINS(%2, %1)",
};
