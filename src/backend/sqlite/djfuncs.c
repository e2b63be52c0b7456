/* djfuncs.c - the SQL functions Django registers on every SQLite connection
 * that SQLite itself lacks and Django's database functions call: LPAD, RPAD,
 * REPEAT, REVERSE, MD5, SHA1 ... SHA512, COT and RAND, the STDDEV_POP/_SAMP
 * and VAR_POP/_SAMP aggregates, and the arithmetic of datetimes and
 * durations (microseconds) django_timestamp_diff, django_time_diff and
 * django_format_dtdelta.  Text is counted in characters (UTF-8), as Python
 * counts it; a NULL argument gives NULL (Django's none_guard). */
#include <math.h>
#include <string.h>

#include "backend/sqlite/sqlite.h"
#include "core/alloc.h"
#include "core/md5.h"
#include "core/sha.h"

static bool any_null(int argc, sqlite3_value **argv) {
    for (int i = 0; i < argc; i++)
        if (sqlite3_value_type(argv[i]) == SQLITE_NULL) return true;
    return false;
}

/* The byte length of the first `chars` characters of s (n bytes). */
static size_t prefix_bytes(const unsigned char *s, size_t n, int64_t chars) {
    size_t i = 0;
    for (int64_t c = 0; i < n && c < chars; c++) {
        i++;
        while (i < n && (s[i] & 0xC0) == 0x80) i++;
    }
    return i;
}

static int64_t char_count(const unsigned char *s, size_t n) {
    int64_t c = 0;
    for (size_t i = 0; i < n; i++) c += (s[i] & 0xC0) != 0x80;
    return c;
}

/* `count` characters of `fill` repeated, into out (at least count * 4 bytes
 * + 1); its byte length. */
static size_t repeat_chars(unsigned char *out, const unsigned char *fill, size_t fn, int64_t count) {
    size_t o = 0;
    for (int64_t c = 0; c < count && fn;) {
        size_t step = prefix_bytes(fill, fn, count - c);
        memcpy(out + o, fill, step);
        o += step;
        c += char_count(fill, step);
    }
    return o;
}

/* Django's _sqlite_lpad / _sqlite_rpad: the text cut or padded to `length`
 * characters with `fill` (on the left for LPAD). */
static void pad(sqlite3_context *cx, int argc, sqlite3_value **argv, bool left) {
    if (any_null(argc, argv)) {
        sqlite3_result_null(cx);
        return;
    }
    const unsigned char *text = sqlite3_value_text(argv[0]), *fill = sqlite3_value_text(argv[2]);
    size_t tn = (size_t)sqlite3_value_bytes(argv[0]), fn = (size_t)sqlite3_value_bytes(argv[2]);
    int64_t length = sqlite3_value_int64(argv[1]), have = char_count(text, tn);
    if (length < 0) length = 0;
    if (length > 1000000) {
        sqlite3_result_error(cx, "LPAD/RPAD: length too large", -1);
        return;
    }
    if (have >= length || !fn) {
        sqlite3_result_text(cx, (const char *)text, (int)prefix_bytes(text, tn, length), SQLITE_TRANSIENT);
        return;
    }
    unsigned char *out = dorm_mem__alloc(tn + (size_t)(length - have) * 4 + 1);
    if (!out) {
        sqlite3_result_error_nomem(cx);
        return;
    }
    size_t o = 0;
    if (!left) {
        memcpy(out, text, tn);
        o = tn;
    }
    o += repeat_chars(out + o, fill, fn, length - have);
    if (left) {
        memcpy(out + o, text, tn);
        o += tn;
    }
    sqlite3_result_text(cx, (const char *)out, (int)o, SQLITE_TRANSIENT);
    dorm_mem__free(out);
}

static void fn_lpad(sqlite3_context *cx, int argc, sqlite3_value **argv) { pad(cx, argc, argv, true); }
static void fn_rpad(sqlite3_context *cx, int argc, sqlite3_value **argv) { pad(cx, argc, argv, false); }

static void fn_repeat(sqlite3_context *cx, int argc, sqlite3_value **argv) {
    if (any_null(argc, argv)) {
        sqlite3_result_null(cx);
        return;
    }
    const unsigned char *text = sqlite3_value_text(argv[0]);
    size_t tn = (size_t)sqlite3_value_bytes(argv[0]);
    int64_t count = sqlite3_value_int64(argv[1]);
    if (count < 0) count = 0;
    if (tn && (uint64_t)count > (uint64_t)(1000000000 / tn)) {
        sqlite3_result_error(cx, "REPEAT: result too large", -1);
        return;
    }
    unsigned char *out = dorm_mem__alloc(tn * (size_t)count + 1);
    if (!out) {
        sqlite3_result_error_nomem(cx);
        return;
    }
    for (int64_t i = 0; i < count; i++) memcpy(out + (size_t)i * tn, text, tn);
    sqlite3_result_text(cx, (const char *)out, (int)(tn * (size_t)count), SQLITE_TRANSIENT);
    dorm_mem__free(out);
}

/* The characters in reverse order (a character's bytes keep theirs). */
static void fn_reverse(sqlite3_context *cx, int argc, sqlite3_value **argv) {
    if (any_null(argc, argv)) {
        sqlite3_result_null(cx);
        return;
    }
    const unsigned char *text = sqlite3_value_text(argv[0]);
    size_t n = (size_t)sqlite3_value_bytes(argv[0]);
    unsigned char *out = dorm_mem__alloc(n + 1);
    if (!out) {
        sqlite3_result_error_nomem(cx);
        return;
    }
    size_t o = n;
    for (size_t i = 0; i < n;) {
        size_t len = prefix_bytes(text + i, n - i, 1);
        o -= len;
        memcpy(out + o, text + i, len);
        i += len;
    }
    sqlite3_result_text(cx, (const char *)out, (int)n, SQLITE_TRANSIENT);
    dorm_mem__free(out);
}

static void fn_md5(sqlite3_context *cx, int argc, sqlite3_value **argv) {
    if (any_null(argc, argv)) {
        sqlite3_result_null(cx);
        return;
    }
    dorm_md5 m;
    char hex[33];
    dorm_md5__init(&m);
    dorm_md5__update(&m, sqlite3_value_text(argv[0]), (size_t)sqlite3_value_bytes(argv[0]));
    dorm_md5__hex(&m, hex);
    sqlite3_result_text(cx, hex, 32, SQLITE_TRANSIENT);
}

/* SHA1 ... SHA512: the hex digest of the text (Django's hashlib ones); the
 * algorithm is the function's user data. */
static void fn_sha(sqlite3_context *cx, int argc, sqlite3_value **argv) {
    if (any_null(argc, argv)) {
        sqlite3_result_null(cx);
        return;
    }
    const unsigned char *text = sqlite3_value_text(argv[0]);
    if (!text) {
        sqlite3_result_error_nomem(cx);
        return;
    }
    char hex[DORM_SHA_HEX_MAX];
    size_t n =
        dorm_sha__hex((dorm_sha_kind)(intptr_t)sqlite3_user_data(cx), text, (size_t)sqlite3_value_bytes(argv[0]), hex);
    sqlite3_result_text(cx, hex, (int)n, SQLITE_TRANSIENT);
}

/* Django's RAND (Python's random.random()): a double in [0, 1) of 53
 * random bits, where SQLite's RANDOM() is a 64-bit integer. */
static void fn_rand(sqlite3_context *cx, int argc, sqlite3_value **argv) {
    (void)argc;
    (void)argv;
    uint64_t r;
    sqlite3_randomness(sizeof r, &r);
    sqlite3_result_double(cx, (double)(r >> 11) / 9007199254740992.0);
}

static void fn_cot(sqlite3_context *cx, int argc, sqlite3_value **argv) {
    if (any_null(argc, argv))
        sqlite3_result_null(cx);
    else
        sqlite3_result_double(cx, 1.0 / tan(sqlite3_value_double(argv[0])));
}

/* ---- STDDEV / VARIANCE (Welford's running mean and sum of squares) ---- */

typedef struct moments {
    int64_t n;
    double mean, m2;
} moments;

static void stat_step(sqlite3_context *cx, int argc, sqlite3_value **argv) {
    (void)argc;
    moments *m = sqlite3_aggregate_context(cx, sizeof *m);
    if (!m) {
        sqlite3_result_error_nomem(cx);
        return;
    }
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return;
    double x = sqlite3_value_double(argv[0]), d = x - m->mean;
    m->n++;
    m->mean += d / (double)m->n;
    m->m2 += d * (x - m->mean);
}

/* user data: bit 1 sample (n - 1), bit 2 standard deviation.  NULL over no
 * row (or one, for a sample), as PostgreSQL answers. */
static void stat_final(sqlite3_context *cx) {
    moments *m = sqlite3_aggregate_context(cx, 0);
    intptr_t how = (intptr_t)sqlite3_user_data(cx);
    int64_t div = m ? m->n - (how & 1) : 0;
    if (div <= 0) {
        sqlite3_result_null(cx);
        return;
    }
    double var = m->m2 / (double)div;
    sqlite3_result_double(cx, (how & 2) ? sqrt(var) : var);
}

#define USEC_PER_DAY 86400000000LL

/* A date or a datetime text, as Django's typecast_timestamp reads them:
 * microseconds since the epoch; *date_only for a date. */
static bool timestamp(sqlite3_value *v, int64_t *usec, bool *date_only) {
    if (sqlite3_value_type(v) != SQLITE_TEXT) return false;
    const char *s = (const char *)sqlite3_value_text(v);
    size_t n = (size_t)sqlite3_value_bytes(v);
    dorm_date d;
    dorm_datetime t;
    *date_only = n == 10 && dorm_date_parse(s, n, &d) == 0;
    if (*date_only) {
        *usec = dorm_date_to_days(d) * USEC_PER_DAY;
        return true;
    }
    if (!s || dorm_datetime_parse(s, n, &t)) return false;
    *usec = t.usec;
    return true;
}

/* django_timestamp_diff(a, b): a - b in microseconds. */
static void fn_timestamp_diff(sqlite3_context *cx, int argc, sqlite3_value **argv) {
    int64_t a, b;
    bool da, db;
    if (any_null(argc, argv) || !timestamp(argv[0], &a, &da) || !timestamp(argv[1], &b, &db)) {
        sqlite3_result_null(cx);
        return;
    }
    sqlite3_result_int64(cx, a - b);
}

/* django_time_diff(a, b): a - b of two times of day, in microseconds. */
static void fn_time_diff(sqlite3_context *cx, int argc, sqlite3_value **argv) {
    dorm_time t[2];
    for (int i = 0; i < 2; i++) {
        const char *s = (const char *)sqlite3_value_text(argv[i]);
        if (any_null(argc, argv) || !s || dorm_time_parse(s, (size_t)sqlite3_value_bytes(argv[i]), &t[i])) {
            sqlite3_result_null(cx);
            return;
        }
    }
    int64_t u[2];
    for (int i = 0; i < 2; i++) u[i] = ((t[i].hour * 60 + t[i].minute) * 60 + t[i].second) * 1000000LL + t[i].usec;
    sqlite3_result_int64(cx, u[0] - u[1]);
}

/* django_format_dtdelta(op, a, b): a + b or a - b, where each is a
 * duration (an integer of microseconds) or a date/datetime text; a date or
 * datetime as its text (a date moves by whole days, as Python's), a
 * duration as microseconds; NULL for what Python refuses. */
static void fn_format_dtdelta(sqlite3_context *cx, int argc, sqlite3_value **argv) {
    const char *op = (const char *)sqlite3_value_text(argv[0]);
    int64_t v[2];
    bool is_time[2], date_only[2] = {false, false}, ok = !any_null(argc, argv) && op && (op[0] == '+' || op[0] == '-');
    for (int i = 0; ok && i < 2; i++) {
        is_time[i] = sqlite3_value_type(argv[i + 1]) != SQLITE_INTEGER;
        if (is_time[i])
            ok = timestamp(argv[i + 1], &v[i], &date_only[i]);
        else
            v[i] = sqlite3_value_int64(argv[i + 1]);
    }
    bool sub = ok && op[0] == '-';
    /* Python refuses datetime + datetime and timedelta - datetime. */
    if (!ok || (is_time[0] && is_time[1] && !sub) || (!is_time[0] && is_time[1] && sub)) {
        sqlite3_result_null(cx);
        return;
    }
    if (is_time[0] == is_time[1]) {
        sqlite3_result_int64(cx, sub ? v[0] - v[1] : v[0] + v[1]);
        return;
    }
    int t = is_time[0] ? 0 : 1;
    int64_t delta = sub ? -v[1 - t] : v[1 - t];
    char text[DORM_FMT_MAX];
    size_t n;
    if (date_only[t]) {
        int64_t days = delta / USEC_PER_DAY - (delta % USEC_PER_DAY < 0);
        n = dorm_date_format(dorm_date_from_days(v[t] / USEC_PER_DAY + days), text);
    } else {
        n = dorm_datetime_format((dorm_datetime){v[t] + delta}, text);
    }
    sqlite3_result_text(cx, text, (int)n, SQLITE_TRANSIENT);
}

int dorm_sqlite__register_django_functions(sqlite3 *db) {
    static const struct {
        const char *name;
        int nargs;
        void (*fn)(sqlite3_context *, int, sqlite3_value **);
        intptr_t data;
    } scalars[] = {
        {"LPAD", 3, fn_lpad, 0},
        {"RPAD", 3, fn_rpad, 0},
        {"REPEAT", 2, fn_repeat, 0},
        {"REVERSE", 1, fn_reverse, 0},
        {"MD5", 1, fn_md5, 0},
        {"SHA1", 1, fn_sha, DORM_SHA1},
        {"SHA224", 1, fn_sha, DORM_SHA224},
        {"SHA256", 1, fn_sha, DORM_SHA256},
        {"SHA384", 1, fn_sha, DORM_SHA384},
        {"SHA512", 1, fn_sha, DORM_SHA512},
        {"COT", 1, fn_cot, 0},
        {"django_timestamp_diff", 2, fn_timestamp_diff, 0},
        {"django_time_diff", 2, fn_time_diff, 0},
        {"django_format_dtdelta", 3, fn_format_dtdelta, 0},
    };
    static const struct {
        const char *name;
        intptr_t how;
    } stats[] = {{"VAR_POP", 0}, {"VAR_SAMP", 1}, {"STDDEV_POP", 2}, {"STDDEV_SAMP", 3}};
    int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC, rc = SQLITE_OK;
    for (size_t i = 0; rc == SQLITE_OK && i < sizeof scalars / sizeof scalars[0]; i++)
        rc = sqlite3_create_function_v2(db, scalars[i].name, scalars[i].nargs, flags, (void *)scalars[i].data,
                                        scalars[i].fn, NULL, NULL, NULL);
    /* Not deterministic: SQLite must call it for every row. */
    if (rc == SQLITE_OK) rc = sqlite3_create_function_v2(db, "RAND", 0, SQLITE_UTF8, NULL, fn_rand, NULL, NULL, NULL);
    for (size_t i = 0; rc == SQLITE_OK && i < sizeof stats / sizeof stats[0]; i++)
        rc = sqlite3_create_function_v2(db, stats[i].name, 1, flags, (void *)stats[i].how, NULL, stat_step, stat_final,
                                        NULL);
    return rc;
}
