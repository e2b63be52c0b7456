/* duration.c - durations (Django's timedelta) as text: Django's
 * duration_string, Django's parse_duration (a DurationField's to_python),
 * and the forms databases give back (microseconds, PostgreSQL's interval
 * output). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include "core/duration.h"
#include "dorm/error.h"

#define USEC_PER_DAY 86400000000LL

size_t dorm_duration_format(dorm_duration d, char *buf) {
    int64_t days = d.usec / USEC_PER_DAY, rem = d.usec % USEC_PER_DAY;
    if (rem < 0) {
        rem += USEC_PER_DAY;
        days--;
    }
    int64_t sec = rem / 1000000, usec = rem % 1000000;
    int n = 0;
    if (days) n = snprintf(buf, DORM_FMT_MAX, "%lld ", (long long)days);
    n += snprintf(buf + n, (size_t)(DORM_FMT_MAX - n), "%02d:%02d:%02d", (int)(sec / 3600), (int)(sec / 60 % 60),
                  (int)(sec % 60));
    if (usec) n += snprintf(buf + n, (size_t)(DORM_FMT_MAX - n), ".%06d", (int)usec);
    return (size_t)n;
}

size_t dorm_duration__interval(dorm_duration d, char *buf) {
    int64_t days = d.usec / USEC_PER_DAY, rem = d.usec % USEC_PER_DAY;
    if (rem < 0) rem += USEC_PER_DAY, days--;
    return (size_t)snprintf(buf, DORM_FMT_MAX, "%lld days %lld.%06lld seconds", (long long)days,
                            (long long)(rem / 1000000), (long long)(rem % 1000000));
}

/* ---- reading: pieces, database forms ----------------------------------- */

/* A duration being summed: whole microseconds and the picoseconds of
 * fractions below one, both of magnitude; false once it overflowed. */
typedef struct sum {
    int64_t usec, psec;
    bool ok;
} sum;

static size_t digits(const char *p, const char *end) {
    size_t n = 0;
    while (p + n < end && p[n] >= '0' && p[n] <= '9') n++;
    return n;
}

/* Python's `$`: the end, or a newline ending the text. */
static bool at_end(const char *p, const char *end) { return p == end || (p + 1 == end && *p == '\n'); }

static bool mul_ok(int64_t *x, int64_t by) {
    if (by && *x > INT64_MAX / by) return false;
    *x *= by;
    return true;
}

static int64_t number(sum *t, const char *p, size_t n) {
    int64_t v = 0;
    for (size_t i = 0; i < n; i++)
        if (!mul_ok(&v, 10) || v > INT64_MAX - (p[i] - '0'))
            t->ok = false;
        else
            v += p[i] - '0';
    return v;
}

/* Adds n units of `secs` seconds each, plus frac/10^12 of one. */
static void add(sum *t, int64_t n, int64_t frac, int64_t secs) {
    int64_t us = n;
    if (!mul_ok(&us, secs * 1000000) || us > INT64_MAX - t->usec) t->ok = false;
    if (!t->ok) return;
    t->usec += us;
    t->psec += frac * secs;
}

/* The sum rounded half to even (Python's timedelta of floats), signed.
 * What overflows dorm_duration (about 292 years either way) is refused:
 * Django's timedelta goes to 999999999 days, Python raises beyond. */
static int64_t total(sum *t, int sign) {
    int64_t whole = t->psec / 1000000, rest = t->psec % 1000000;
    if (rest > 500000 || (rest == 500000 && (whole & 1))) whole++;
    if (whole > INT64_MAX - t->usec) t->ok = false;
    return t->ok ? sign * (t->usec + whole) : 0;
}

/* Adds the n fraction digits at p as microseconds: Django pads them to
 * six and drops any further. */
static void add_fraction(sum *t, const char *p, size_t n) {
    int64_t usec = 0;
    for (size_t i = 0; i < 6; i++) usec = usec * 10 + (i < n ? p[i] - '0' : 0);
    add(t, 0, usec * 1000000, 1);
}

/* The days plus the clock, each signed; false when either or the sum
 * overflows. */
static bool combine(sum *days, int day_sign, sum *clock, int sign, int64_t *out) {
    int64_t a = total(days, day_sign), b = total(clock, sign);
    if (!days->ok || !clock->ok || (a > 0 && b > INT64_MAX - a) || (a < 0 && b < INT64_MIN - a)) return false;
    *out = a + b;
    return true;
}

int dorm_duration__read(const char *s, size_t len, dorm_duration *out) {
    char num[64];
    if (len && len < sizeof num) {
        /* Microseconds (SQLite, MariaDB), exact, or a fraction (an average). */
        char *stop;
        memcpy(num, s, len);
        num[len] = '\0';
        errno = 0;
        long long whole = strtoll(num, &stop, 10);
        if (*stop == '\0' && stop != num && errno == 0) {
            out->usec = whole;
            return DORM_OK;
        }
        double v = strtod(num, &stop);
        if (*stop == '\0' && stop != num && v > -9.2e18 && v < 9.2e18) {
            out->usec = (int64_t)(v < 0 ? v - 0.5 : v + 0.5);
            return DORM_OK;
        }
    }
    /* PostgreSQL's interval output: parts each with its own sign, a clock
     * "[-+]H:MM:SS[.ffffff]" or a count of days, months or years. */
    const char *p = s, *end = s + len;
    int64_t acc = 0;
    bool any = false;
    while (p < end) {
        while (p < end && *p == ' ') p++;
        if (p >= end) break;
        int sign = *p == '-' ? -1 : 1;
        const char *d = p + (*p == '-' || *p == '+');
        size_t n = digits(d, end);
        if (!n) return DORM_EVALUE;
        sum part = {0, 0, true};
        int64_t v = number(&part, d, n);
        p = d + n;
        if (p < end && *p == ':') {
            size_t m = digits(p + 1, end), k = m && p + 1 + m < end && p[1 + m] == ':' ? digits(p + 2 + m, end) : 0;
            if (!k) return DORM_EVALUE;
            add(&part, v, 0, 3600);
            add(&part, number(&part, p + 1, m), 0, 60);
            add(&part, number(&part, p + 2 + m, k), 0, 1);
            p += 2 + m + k;
            if (p < end && *p == '.') {
                size_t f = digits(p + 1, end);
                add_fraction(&part, p + 1, f);
                p += 1 + f;
            }
        } else {
            /* No unit: Django's "D HH:MM:SS" counts days. */
            while (p < end && *p == ' ') p++;
            const char *unit = p;
            while (p < end && *p >= 'a' && *p <= 'z') p++;
            size_t ul = (size_t)(p - unit);
            int64_t days = ul == 0                         ? 1
                : ul >= 3 && strncmp(unit, "day", 3) == 0  ? 1
                : ul >= 3 && strncmp(unit, "mon", 3) == 0  ? 30
                : ul >= 4 && strncmp(unit, "year", 4) == 0 ? 365
                                                           : 0;
            if (!days) return DORM_EVALUE;
            add(&part, v, 0, days * 86400);
        }
        int64_t x = total(&part, sign);
        if (!part.ok || (x > 0 && acc > INT64_MAX - x) || (x < 0 && acc < INT64_MIN - x)) return DORM_EVALUE;
        acc += x;
        any = true;
    }
    if (!any) return DORM_EVALUE;
    out->usec = acc;
    return DORM_OK;
}

/* ---- Django's parse_duration ----------------------------------------- */

/* Django's standard_duration_re, "[-]D [days, ][-][[HH:]MM:]SS[.uuuuuu]":
 * a day count, then a signed clock.  Its choices never need backtracking:
 * the day count is taken when a space follows, hours when two more
 * colon-separated numbers do.  Fraction digits past six are dropped. */
static bool standard(const char *p, const char *end, int64_t *out, bool *matched) {
    sum days = {0, 0, true}, clock = {0, 0, true};
    int day_sign = 1, sign = 1;
    size_t n = digits(p + (p < end && *p == '-'), end);
    const char *q = p + (p < end && *p == '-') + n;
    if (n && q < end && *q == ' ') {
        day_sign = *p == '-' ? -1 : 1;
        add(&days, number(&days, q - n, n), 0, 86400);
        p = q + 1;
        if ((size_t)(end - p) >= 6 && memcmp(p, "days, ", 6) == 0)
            p += 6;
        else if ((size_t)(end - p) >= 5 && memcmp(p, "day, ", 5) == 0)
            p += 5;
    }
    if (p < end && *p == '-') sign = -1, p++;
    n = digits(p, end);
    if (n && p + n < end && p[n] == ':') {
        size_t m = digits(p + n + 1, end);
        if (m && p + n + 1 + m < end && p[n + 1 + m] == ':' && digits(p + n + 2 + m, end)) {
            add(&clock, number(&clock, p, n), 0, 3600);
            p += n + 1;
        }
    }
    n = digits(p, end);
    if (n && p + n < end && p[n] == ':') {
        add(&clock, number(&clock, p, n), 0, 60);
        p += n + 1;
    }
    n = digits(p, end);
    if (!n) return false;
    add(&clock, number(&clock, p, n), 0, 1);
    p += n;
    if (p < end && (*p == '.' || *p == ',')) {
        n = digits(p + 1, end);
        if (n < 1 || n > 12) return false;
        add_fraction(&clock, p + 1, n);
        p += 1 + n;
    }
    if (!at_end(p, end)) return false;
    *matched = true;
    return combine(&days, day_sign, &clock, sign, out);
}

/* Django's postgres_interval_re, "[-]D day[s][ ][+|-]H:MM:SS[.uuuuuu]":
 * either part may be missing (an empty text is no time at all). */
static bool postgres(const char *p, const char *end, int64_t *out, bool *matched) {
    sum days = {0, 0, true}, clock = {0, 0, true};
    int day_sign = 1, sign = 1;
    size_t n = digits(p + (p < end && *p == '-'), end);
    const char *q = p + (p < end && *p == '-') + n;
    if (n && (size_t)(end - q) >= 4 && memcmp(q, " day", 4) == 0) {
        day_sign = *p == '-' ? -1 : 1;
        add(&days, number(&days, q - n, n), 0, 86400);
        p = q + 4;
        if (p < end && *p == 's') p++;
        if (p < end && *p == ' ') p++;
    }
    const char *t = p + (p < end && (*p == '-' || *p == '+'));
    n = digits(t, end);
    if (n && (size_t)(end - t) >= n + 6 && t[n] == ':' && digits(t + n + 1, end) == 2 && t[n + 3] == ':' &&
        digits(t + n + 4, end) == 2) {
        sign = *p == '-' ? -1 : 1;
        add(&clock, number(&clock, t, n), 0, 3600);
        add(&clock, (t[n + 1] - '0') * 10 + t[n + 2] - '0', 0, 60);
        add(&clock, (t[n + 4] - '0') * 10 + t[n + 5] - '0', 0, 1);
        p = t + n + 6;
        size_t f = p < end && *p == '.' ? digits(p + 1, end) : 0;
        if (f >= 1 && f <= 6) {
            add_fraction(&clock, p + 1, f);
            p += 1 + f;
        }
    }
    if (!at_end(p, end)) return false;
    *matched = true;
    return combine(&days, day_sign, &clock, sign, out);
}

/* One number of an ISO 8601 duration, `\d+(.\d+)?` before its unit: the
 * regex's `.` is any character but a newline, and Python's float() then
 * takes "1.5", "1,5" (Django swaps the comma), "1e2" and "1_5". */
typedef struct iso_num {
    const char *p; /* NULL: the part is absent */
    size_t whole; /* digits before the separator */
    size_t more; /* digits after it (0: none) */
} iso_num;

/* The part ending in `unit` at p, the alternative `alt` of the regex's
 * order (0: with a separator and more digits, 1: digits alone); the text
 * after it, or NULL. */
static const char *iso_part(const char *p, const char *end, char unit, int alt, iso_num *num) {
    size_t n = digits(p, end), m = 0;
    if (!n) return NULL;
    if (alt == 0) {
        if (p + n >= end || p[n] == '\n' || !(m = digits(p + n + 1, end))) return NULL;
    }
    const char *q = p + n + (m ? 1 + m : 0);
    if (q >= end || *q != unit) return NULL;
    *num = (iso_num){p, n, m};
    return q + 1;
}

/* iso8601_duration_re from group g on (0 days, 1 "T", 2-4 hours, minutes,
 * seconds, 5 the end), backtracking as the regex does. */
static bool iso_match(const char *p, const char *end, int g, iso_num parts[4]) {
    if (g == 5) return at_end(p, end);
    if (g == 1) {
        if (p < end && *p == 'T' && iso_match(p + 1, end, 2, parts)) return true;
        parts[1].p = parts[2].p = parts[3].p = NULL;
        return at_end(p, end);
    }
    int k = g == 0 ? 0 : g - 1;
    for (int alt = 0; alt < 2; alt++) {
        const char *q = iso_part(p, end, "DHMS"[k], alt, &parts[k]);
        if (q && iso_match(q, end, g + 1, parts)) return true;
    }
    parts[k].p = NULL;
    return iso_match(p, end, g + 1, parts);
}

/* Adds an ISO number of units of `secs` seconds; false for what float()
 * refuses. */
static bool iso_add(sum *t, const iso_num *x, int64_t secs) {
    if (!x->p) return true;
    int64_t n = number(t, x->p, x->whole), frac = 0;
    if (x->more) {
        const char *m = x->p + x->whole + 1;
        char sep = m[-1];
        if (sep == '.' || sep == ',') {
            for (size_t i = 0; i < 12; i++) frac = frac * 10 + (i < x->more ? m[i] - '0' : 0);
        } else if (sep == '_') {
            for (size_t i = 0; i < x->more; i++)
                if (!mul_ok(&n, 10) || n > INT64_MAX - (m[i] - '0'))
                    t->ok = false;
                else
                    n += m[i] - '0';
        } else if (sep == 'e' || sep == 'E') {
            int64_t e = number(t, m, x->more);
            for (int64_t i = 0; i < e && n && t->ok; i++) t->ok = mul_ok(&n, 10);
        } else {
            return false;
        }
    }
    add(t, n, frac, secs);
    return true;
}

/* Django's iso8601_duration_re, "[-+]P[nD][T[nH][nM][nS]]": the sign
 * turns the whole duration. */
static bool iso8601(const char *p, const char *end, int64_t *out, bool *matched) {
    int sign = p < end && *p == '-' ? -1 : 1;
    if (p < end && (*p == '-' || *p == '+')) p++;
    iso_num parts[4] = {{NULL, 0, 0}, {NULL, 0, 0}, {NULL, 0, 0}, {NULL, 0, 0}};
    if (p >= end || *p != 'P' || !iso_match(p + 1, end, 0, parts)) return false;
    *matched = true;
    sum days = {0, 0, true}, clock = {0, 0, true};
    if (!iso_add(&days, &parts[0], 86400) || !iso_add(&clock, &parts[1], 3600) || !iso_add(&clock, &parts[2], 60) ||
        !iso_add(&clock, &parts[3], 1))
        return false;
    return combine(&days, sign, &clock, sign, out);
}

int dorm_duration_parse(const char *s, size_t len, dorm_duration *out) {
    const char *end = s + len;
    int64_t usec = 0;
    bool matched = false;
    /* The first pattern that matches decides, as Django's `or` of the
     * three: a text whose numbers float() or timedelta refuse is not tried
     * with the next. */
    bool ok = standard(s, end, &usec, &matched);
    if (!matched) ok = iso8601(s, end, &usec, &matched);
    if (!matched) ok = postgres(s, end, &usec, &matched);
    /* A day short of int64's ends, so that duration_string's day count of
     * any value read fits when it is read back. */
    if (!ok || usec > INT64_MAX - USEC_PER_DAY || usec < -(INT64_MAX - USEC_PER_DAY)) return DORM_EVALUE;
    out->usec = usec;
    return DORM_OK;
}
