/* functions.c - SQL functions dorm registers on every SQLite connection:
 * regexp(pattern, value), behind SQLite's REGEXP operator (POSIX extended
 * regular expressions), dorm_extract(kind, value[, zone]), the date part of
 * a stored date, datetime or time (Django's django_*_extract functions), and
 * dorm_trunc(part, value[, zone]), one truncated (django_*_trunc); with a
 * zone, a datetime is taken as that zone's wall time. */
#define _POSIX_C_SOURCE 200809L

#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "backend/sqlite/sqlite.h"
#include "core/alloc.h"
#include "core/tz.h"

/* ---- regexp ---------------------------------------------------------------- */

/* The Perl classes people write in Django regexes (\d, \s, \w and their
 * negations) as POSIX bracket expressions, so that the pattern means on
 * SQLite what it means on PostgreSQL and MySQL.  Inside a bracket expression
 * only the positive classes can be spelled; other escapes pass through.
 * NULL when out of memory. */
static char *translate(const char *p, size_t n) {
    static const struct {
        char c;
        const char *outside, *inside;
    } classes[] = {
        {'d', "[0-9]", "0-9"},
        {'D', "[^0-9]", NULL},
        {'s', "[[:space:]]", "[:space:]"},
        {'S', "[^[:space:]]", NULL},
        {'w', "[[:alnum:]_]", "[:alnum:]_"},
        {'W', "[^[:alnum:]_]", NULL},
    };
    char *out = dorm_mem__alloc(n * 7 + 1);
    if (!out) return NULL;
    size_t o = 0;
    bool bracket = false;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\\' && i + 1 < n) {
            const char *rep = NULL;
            for (size_t k = 0; k < sizeof classes / sizeof classes[0]; k++)
                if (classes[k].c == p[i + 1]) rep = bracket ? classes[k].inside : classes[k].outside;
            if (rep) {
                size_t rl = strlen(rep);
                memcpy(out + o, rep, rl);
                o += rl;
            } else {
                out[o++] = p[i];
                out[o++] = p[i + 1];
            }
            i++;
            continue;
        }
        if (!bracket && p[i] == '[') {
            bracket = true;
            out[o++] = p[i];
            /* A ']' right after "[" or "[^" is a member, not the end. */
            if (i + 1 < n && p[i + 1] == '^') out[o++] = p[++i];
            if (i + 1 < n && p[i + 1] == ']') out[o++] = p[++i];
            continue;
        }
        if (bracket && p[i] == '[' && i + 1 < n && p[i + 1] == ':') {
            const char *end = strstr(p + i + 2, ":]");
            size_t len = end && (size_t)(end - p) < n ? (size_t)(end - p) + 2 - i : 1;
            memcpy(out + o, p + i, len);
            o += len;
            i += len - 1;
            continue;
        }
        if (bracket && p[i] == ']') bracket = false;
        out[o++] = p[i];
    }
    out[o] = '\0';
    return out;
}

static void free_regex(void *p) {
    regfree(p);
    dorm_mem__free(p);
}

/* Compiles `pattern`; a "(?i)" prefix (how Django spells iregex) asks for a
 * case-insensitive match.  NULL with the error set on the context. */
static regex_t *compile(sqlite3_context *cx, const char *pattern, size_t n) {
    if (memchr(pattern, '\0', n)) {
        sqlite3_result_error(cx, "regular expression contains a NUL byte", -1);
        return NULL;
    }
    int flags = REG_EXTENDED | REG_NOSUB;
    if (n >= 4 && memcmp(pattern, "(?i)", 4) == 0) {
        flags |= REG_ICASE;
        pattern += 4;
        n -= 4;
    }
    char *posix = translate(pattern, n);
    regex_t *re = dorm_mem__alloc(sizeof *re);
    if (!posix || !re) {
        dorm_mem__free(posix);
        dorm_mem__free(re);
        sqlite3_result_error_nomem(cx);
        return NULL;
    }
    int rc = regcomp(re, posix, flags);
    dorm_mem__free(posix);
    if (rc != 0) {
        char msg[256] = "invalid regular expression: ";
        size_t used = strlen(msg);
        regerror(rc, re, msg + used, sizeof msg - used);
        dorm_mem__free(re);
        sqlite3_result_error(cx, msg, -1);
        return NULL;
    }
    return re;
}

/* regexp(pattern, value): 1 when the pattern matches anywhere in the value
 * (Python's re.search, as Django's _sqlite_regexp), 0 when not, NULL when
 * either is NULL.  The compiled pattern is cached on the statement. */
static void fn_regexp(sqlite3_context *cx, int argc, sqlite3_value **argv) {
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) {
        sqlite3_result_null(cx);
        return;
    }
    regex_t *re = sqlite3_get_auxdata(cx, 0);
    bool fresh = re == NULL;
    if (fresh) {
        const char *pattern = (const char *)sqlite3_value_text(argv[0]);
        if (!pattern) {
            sqlite3_result_error_nomem(cx);
            return;
        }
        re = compile(cx, pattern, (size_t)sqlite3_value_bytes(argv[0]));
        if (!re) return;
    }
    const char *s = (const char *)sqlite3_value_text(argv[1]);
    if (!s) {
        if (fresh) free_regex(re);
        sqlite3_result_error_nomem(cx);
        return;
    }
    /* REG_STARTEND: the whole value is searched, NUL bytes included. */
    regmatch_t span = {0, (regoff_t)sqlite3_value_bytes(argv[1])};
    sqlite3_result_int(cx, regexec(re, s, 1, &span, REG_STARTEND) == 0);
    /* Saved last: SQLite may free the data at once when it cannot keep it. */
    if (fresh) sqlite3_set_auxdata(cx, 0, re, free_regex);
}

/* ---- dorm_extract ---------------------------------------------------------- */

enum part {
    P_YEAR,
    P_ISO_YEAR,
    P_MONTH,
    P_DAY,
    P_WEEK,
    P_WEEK_DAY,
    P_ISO_WEEK_DAY,
    P_QUARTER,
    P_HOUR,
    P_MINUTE,
    P_SECOND,
    P_DATE,
    P_TIME
};

static const char *const part_words[] = {
    "year",    "iso_year", "month",  "day",    "week", "week_day", "iso_week_day",
    "quarter", "hour",     "minute", "second", "date", "time",
};

/* A stored value: a date, a datetime, or a time, in Django's text forms. */
typedef struct moment {
    bool has_date, has_time;
    dorm_date date;
    dorm_time time;
} moment;

/* The zone argument argv[2] of a 3-argument call, from the function's
 * cache of zones; false (the error set) when it names none. */
static bool zone_of(sqlite3_context *cx, int argc, sqlite3_value **argv, const dorm_tz **out) {
    *out = NULL;
    if (argc < 3) return true;
    const char *name = (const char *)sqlite3_value_text(argv[2]);
    bool nomem = false;
    *out = name ? dorm_tz__get(sqlite3_user_data(cx), name, &nomem) : NULL;
    if (nomem)
        sqlite3_result_error_nomem(cx);
    else if (!*out)
        sqlite3_result_error(cx, "dorm: unknown time zone", -1);
    return *out != NULL;
}

/* A datetime of m as the wall time of zone z. */
static void to_zone(moment *m, const dorm_tz *z) {
    if (!z || !m->has_date || !m->has_time) return;
    dorm_datetime t = dorm_datetime_utc(m->date.year, m->date.month, m->date.day, m->time.hour, m->time.minute,
                                        m->time.second, (int)m->time.usec);
    int64_t sec = t.usec / 1000000 - (t.usec % 1000000 < 0);
    t.usec += (int64_t)dorm_tz__offset(z, sec) * 1000000;
    dorm_datetime_split(t, &m->date, &m->time);
}

static void free_zones(void *p) {
    dorm_tz__cache_free(p);
    dorm_mem__free(p);
}

static bool parse_moment(const char *s, size_t n, moment *m) {
    memset(m, 0, sizeof *m);
    if (n >= 10 && s[4] == '-') {
        if (n == 10) return (m->has_date = dorm_date_parse(s, n, &m->date) == 0);
        dorm_datetime dt;
        if (dorm_datetime_parse(s, n, &dt) != 0) return false;
        dorm_datetime_split(dt, &m->date, &m->time);
        m->has_date = m->has_time = true;
        return true;
    }
    return (m->has_time = dorm_time_parse(s, n, &m->time) == 0);
}

/* Monday = 1 .. Sunday = 7 of a day counted from 1970-01-01 (a Thursday). */
static int iso_weekday(int64_t days) { return (int)((days % 7 + 7 + 3) % 7) + 1; }

/* ISO 8601 year and week: those of the week's Thursday. */
static void iso_week(dorm_date d, int *year, int *week) {
    int64_t days = dorm_date_to_days(d);
    int64_t thursday = days - (iso_weekday(days) - 1) + 3;
    dorm_date t = dorm_date_from_days(thursday);
    *year = t.year;
    *week = (int)((thursday - dorm_date_to_days(dorm_date_ymd(t.year, 1, 1))) / 7) + 1;
}

/* dorm_extract(kind, value): the part `kind` of a date, datetime or time
 * text, as an integer ("date" and "time" as text); NULL when the value is
 * NULL, not a date/time text, or lacks the part (the hour of a date). */
static void fn_extract(sqlite3_context *cx, int argc, sqlite3_value **argv) {
    const dorm_tz *zone;
    if (!zone_of(cx, argc, argv, &zone)) return;
    const char *kind = (const char *)sqlite3_value_text(argv[0]);
    size_t part = 0;
    while (part < sizeof part_words / sizeof part_words[0] && !(kind && strcmp(kind, part_words[part]) == 0)) part++;
    if (part == sizeof part_words / sizeof part_words[0]) {
        sqlite3_result_error(cx, "dorm_extract: unknown kind", -1);
        return;
    }
    moment m;
    const char *s = (const char *)sqlite3_value_text(argv[1]);
    if (sqlite3_value_type(argv[1]) != SQLITE_TEXT || !s ||
        !parse_moment(s, (size_t)sqlite3_value_bytes(argv[1]), &m) || (part <= P_QUARTER && !m.has_date) ||
        (part >= P_HOUR && part <= P_SECOND && !m.has_time) || (part == P_DATE && !m.has_date) ||
        (part == P_TIME && !m.has_time)) {
        sqlite3_result_null(cx);
        return;
    }
    to_zone(&m, zone);
    int iso_year = 0, week = 0, wd = 0;
    if (m.has_date) {
        iso_week(m.date, &iso_year, &week);
        wd = iso_weekday(dorm_date_to_days(m.date));
    }
    char text[DORM_FMT_MAX];
    switch ((enum part)part) {
    case P_YEAR: sqlite3_result_int(cx, m.date.year); break;
    case P_ISO_YEAR: sqlite3_result_int(cx, iso_year); break;
    case P_MONTH: sqlite3_result_int(cx, m.date.month); break;
    case P_DAY: sqlite3_result_int(cx, m.date.day); break;
    case P_WEEK: sqlite3_result_int(cx, week); break;
    /* Django's week_day: Sunday = 1 .. Saturday = 7. */
    case P_WEEK_DAY: sqlite3_result_int(cx, wd % 7 + 1); break;
    case P_ISO_WEEK_DAY: sqlite3_result_int(cx, wd); break;
    case P_QUARTER: sqlite3_result_int(cx, (m.date.month + 2) / 3); break;
    case P_HOUR: sqlite3_result_int(cx, m.time.hour); break;
    case P_MINUTE: sqlite3_result_int(cx, m.time.minute); break;
    case P_SECOND: sqlite3_result_int(cx, m.time.second); break;
    case P_DATE: sqlite3_result_text(cx, text, (int)dorm_date_format(m.date, text), SQLITE_TRANSIENT); break;
    case P_TIME: sqlite3_result_text(cx, text, (int)dorm_time_format(m.time, text), SQLITE_TRANSIENT); break;
    }
}

/* ---- dorm_trunc ------------------------------------------------------------ */

/* dorm_trunc(part, value): a date, datetime or time text truncated to
 * `part` (Django's django_date_trunc / _datetime_trunc / _time_trunc), in
 * the same text form; the week starts on Monday.  NULL for NULL or text
 * that is none of them. */
static void fn_trunc(sqlite3_context *cx, int argc, sqlite3_value **argv) {
    const dorm_tz *zone;
    if (!zone_of(cx, argc, argv, &zone)) return;
    static const char *const parts[] = {"year", "quarter", "month", "week", "day", "hour", "minute", "second"};
    const char *part = (const char *)sqlite3_value_text(argv[0]);
    size_t p = 0;
    while (p < 8 && !(part && strcmp(part, parts[p]) == 0)) p++;
    if (p == 8) {
        sqlite3_result_error(cx, "dorm_trunc: unknown part", -1);
        return;
    }
    moment m;
    const char *s = (const char *)sqlite3_value_text(argv[1]);
    if (sqlite3_value_type(argv[1]) != SQLITE_TEXT || !s ||
        !parse_moment(s, (size_t)sqlite3_value_bytes(argv[1]), &m)) {
        sqlite3_result_null(cx);
        return;
    }
    to_zone(&m, zone);
    if (p <= 4 && m.has_date) {
        if (p == 3) {
            int64_t days = dorm_date_to_days(m.date);
            m.date = dorm_date_from_days(days - (iso_weekday(days) - 1));
        }
        if (p == 0) m.date.month = 1;
        if (p == 1) m.date.month = (uint8_t)((m.date.month - 1) / 3 * 3 + 1);
        if (p <= 2) m.date.day = 1;
        m.time = (dorm_time){0, 0, 0, 0};
    }
    if (p >= 5) m.time.usec = 0;
    if (p <= 6) m.time.second = 0;
    if (p <= 5) m.time.minute = 0;
    if (p <= 4) m.time.hour = 0;
    char text[DORM_FMT_MAX];
    size_t n;
    if (m.has_date && m.has_time) {
        dorm_date d = m.date;
        dorm_time t = m.time;
        n = dorm_datetime_format(dorm_datetime_utc(d.year, d.month, d.day, t.hour, t.minute, t.second, (int)t.usec),
                                 text);
    } else if (m.has_date) {
        n = dorm_date_format(m.date, text);
    } else {
        n = dorm_time_format(m.time, text);
    }
    sqlite3_result_text(cx, text, (int)n, SQLITE_TRANSIENT);
}

int dorm_sqlite__register_functions(sqlite3 *db) {
    int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC;
    int rc = sqlite3_create_function_v2(db, "regexp", 2, flags, NULL, fn_regexp, NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_function_v2(db, "dorm_extract", 2, flags, NULL, fn_extract, NULL, NULL, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_create_function_v2(db, "dorm_trunc", 2, flags, NULL, fn_trunc, NULL, NULL, NULL);
    /* The 3-argument forms, each with its own cache of zones. */
    for (int i = 0; i < 2 && rc == SQLITE_OK; i++) {
        dorm_tz_cache *zones = dorm_mem__calloc(1, sizeof *zones);
        if (!zones) return SQLITE_NOMEM;
        rc = sqlite3_create_function_v2(db, i ? "dorm_trunc" : "dorm_extract", 3, flags, zones,
                                        i ? fn_trunc : fn_extract, NULL, NULL, free_zones);
    }
    if (rc == SQLITE_OK) rc = dorm_sqlite__register_django_functions(db);
    return rc;
}
