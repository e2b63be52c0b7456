/* duration.c - durations (Django's timedelta) as text: Django's
 * duration_string, and the forms read back (SQLite's microseconds,
 * PostgreSQL's interval output, duration_string itself). */
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include "dorm/error.h"
#include "dorm/value.h"

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

/* "[-+]HH:MM:SS[.ffffff]" at p (up to end) into microseconds. */
static const char *clock_part(const char *p, const char *end, int64_t *out) {
    int sign = 1;
    if (p < end && (*p == '-' || *p == '+')) sign = *p++ == '-' ? -1 : 1;
    int64_t f[3] = {0, 0, 0};
    for (int i = 0; i < 3; i++) {
        if (p >= end || *p < '0' || *p > '9') return NULL;
        while (p < end && *p >= '0' && *p <= '9') f[i] = f[i] * 10 + (*p++ - '0');
        if (i < 2 && (p >= end || *p++ != ':')) return NULL;
    }
    int64_t usec = 0, scale = 100000;
    if (p < end && *p == '.') {
        for (p++; p < end && *p >= '0' && *p <= '9'; p++, scale /= 10) usec += (*p - '0') * scale;
    }
    *out = sign * ((f[0] * 3600 + f[1] * 60 + f[2]) * 1000000 + usec);
    return p;
}

int dorm_duration_parse(const char *s, size_t len, dorm_duration *out) {
    const char *p = s, *end = s + len;
    char *stop;
    char num[64];
    if (len && len < sizeof num) {
        /* Microseconds (SQLite), possibly a fraction (an average). */
        memcpy(num, s, len);
        num[len] = '\0';
        double v = strtod(num, &stop);
        if (*stop == '\0' && stop != num) {
            out->usec = (int64_t)(v < 0 ? v - 0.5 : v + 0.5);
            return DORM_OK;
        }
    }
    int64_t total = 0;
    bool any = false;
    while (p < end) {
        while (p < end && *p == ' ') p++;
        if (p >= end) break;
        const char *q = p + (*p == '-' || *p == '+');
        while (q < end && *q >= '0' && *q <= '9') q++;
        if (q < end && *q == ':') {
            int64_t clock;
            if (!(p = clock_part(p, end, &clock))) return DORM_EVALUE;
            total += clock;
            any = true;
            continue;
        }
        if (q == p || (q == p + 1 && (*p == '-' || *p == '+'))) return DORM_EVALUE;
        long long n = strtoll(p, NULL, 10);
        p = q;
        while (p < end && *p == ' ') p++;
        const char *unit = p;
        while (p < end && *p >= 'a' && *p <= 'z') p++;
        size_t ul = (size_t)(p - unit);
        /* No unit: Django's "D HH:MM:SS" counts days. */
        int64_t days = ul == 0                         ? 1
            : ul >= 3 && strncmp(unit, "day", 3) == 0  ? 1
            : ul >= 3 && strncmp(unit, "mon", 3) == 0  ? 30
            : ul >= 4 && strncmp(unit, "year", 4) == 0 ? 365
                                                       : 0;
        if (!days) return DORM_EVALUE;
        total += (int64_t)n * days * USEC_PER_DAY;
        any = true;
    }
    if (!any) return DORM_EVALUE;
    out->usec = total;
    return DORM_OK;
}
