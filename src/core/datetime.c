/* datetime.c - dates, times of day and UTC instants: the proleptic Gregorian
 * calendar (Howard Hinnant's days-from-civil algorithms), the clock, and the
 * ISO 8601 forms Django parses and writes, byte for byte. */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <time.h>

#include "dorm/error.h"
#include "core/chars.h"
#include "dorm/value.h"

#define USEC_PER_SEC INT64_C(1000000)
#define USEC_PER_DAY (INT64_C(86400) * USEC_PER_SEC)

/* Days of 0001-01-01 and 9999-12-31 since 1970-01-01: Python's date.min and
 * date.max, the range of every date and instant dorm reads or writes. */
#define DAYS_MIN INT64_C(-719162)
#define DAYS_MAX INT64_C(2932896)
#define USEC_MIN (DAYS_MIN * USEC_PER_DAY)
#define USEC_MAX ((DAYS_MAX + 1) * USEC_PER_DAY - 1)

static bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int days_in_month(int y, int m) {
    static const unsigned char days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

bool dorm_date_valid(dorm_date d) {
    return d.year >= 1 && d.year <= 9999 && d.month >= 1 && d.month <= 12 && d.day >= 1 &&
        d.day <= days_in_month(d.year, d.month);
}

bool dorm_time_valid(dorm_time t) { return t.hour < 24 && t.minute < 60 && t.second < 60 && t.usec < 1000000; }

bool dorm_datetime_valid(dorm_datetime t) { return t.usec >= USEC_MIN && t.usec <= USEC_MAX; }

int64_t dorm_date_to_days(dorm_date d) {
    int64_t y = d.year;
    int64_t m = d.month;
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d.day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

dorm_date dorm_date_from_days(int64_t days) {
    dorm_date r = {0, 0, 0};
    if (days < DAYS_MIN || days > DAYS_MAX) return r;
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    r.year = (int16_t)(yoe + era * 400 + (m <= 2));
    r.month = (uint8_t)m;
    r.day = (uint8_t)(doy - (153 * mp + 2) / 5 + 1);
    return r;
}

dorm_datetime dorm_datetime_utc(int y, int mo, int d, int h, int mi, int s, int usec) {
    /* Far outside the range, the sum below would overflow. */
    dorm_datetime t = {INT64_MIN};
    if (y < 1 || y > 9999) return t;
    t.usec = dorm_date_to_days(dorm_date_ymd(y, mo, d)) * USEC_PER_DAY +
        ((int64_t)h * 3600 + (int64_t)mi * 60 + s) * USEC_PER_SEC + usec;
    return t;
}

void dorm_datetime_split(dorm_datetime t, dorm_date *date, dorm_time *time) {
    int64_t days = t.usec / USEC_PER_DAY;
    int64_t rem = t.usec % USEC_PER_DAY;
    if (rem < 0) {
        rem += USEC_PER_DAY;
        days--;
    }
    if (date) *date = dorm_date_from_days(days);
    if (time) {
        int64_t secs = rem / USEC_PER_SEC;
        *time = dorm_time_hms((int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60), (int)(rem % USEC_PER_SEC));
    }
}

dorm_datetime dorm_datetime_now(void) {
    struct timespec ts = {0, 0};
    clock_gettime(CLOCK_REALTIME, &ts);
    dorm_datetime t = {(int64_t)ts.tv_sec * USEC_PER_SEC + ts.tv_nsec / 1000};
    return t;
}

dorm_date dorm_date_today(void) {
    dorm_date d;
    dorm_datetime_split(dorm_datetime_now(), &d, NULL);
    return d;
}

/* ---- Parsing: a cursor over s[0..len) ---------------------------------- */

typedef struct cursor {
    const char *p;
    const char *end;
} cursor;

/* Reads min..max digits as a number; false when fewer than min are there. */
static bool read_num(cursor *c, int min, int max, int *out) {
    int n = 0, v = 0;
    while (n < max && c->p < c->end && dorm_is_digit(*c->p)) {
        v = v * 10 + (*c->p++ - '0');
        n++;
    }
    *out = v;
    return n >= min;
}

static bool read_char(cursor *c, char ch) {
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return true;
    }
    return false;
}

/* Django's date_re: \d{4}-\d{1,2}-\d{1,2}. */
static bool read_date(cursor *c, dorm_date *out) {
    int y, m, d;
    if (!read_num(c, 4, 4, &y) || !read_char(c, '-') || !read_num(c, 1, 2, &m) || !read_char(c, '-') ||
        !read_num(c, 1, 2, &d))
        return false;
    *out = dorm_date_ymd(y, m, d);
    return dorm_date_valid(*out);
}

/* Django's time_re: \d{1,2}:\d{1,2}(:\d{1,2}([.,]\d{1,6}\d{0,6})?)? with the
 * fraction scaled to microseconds and digits past the sixth dropped. */
static bool read_time(cursor *c, dorm_time *out) {
    int h, mi, s = 0, usec = 0;
    if (!read_num(c, 1, 2, &h) || !read_char(c, ':') || !read_num(c, 1, 2, &mi)) return false;
    if (read_char(c, ':')) {
        if (!read_num(c, 1, 2, &s)) return false;
        if (read_char(c, '.') || read_char(c, ',')) {
            const char *start = c->p;
            if (!read_num(c, 1, 6, &usec)) return false;
            for (long n = c->p - start; n < 6; n++) usec *= 10;
            int ignored;
            read_num(c, 0, 6, &ignored);
        }
    }
    if (h > 23 || mi > 59 || s > 59) return false;
    *out = dorm_time_hms(h, mi, s, usec);
    return true;
}

/* Django's tzinfo group: Z|[+-]\d{2}(:?\d{2})?, as an offset in minutes. */
static bool read_offset(cursor *c, int *minutes) {
    *minutes = 0;
    if (read_char(c, 'Z')) return true;
    int sign = read_char(c, '+') ? 1 : read_char(c, '-') ? -1 : 0;
    if (!sign) return false;
    int h, m = 0;
    if (!read_num(c, 2, 2, &h)) return false;
    bool colon = read_char(c, ':');
    if ((colon || (c->p < c->end && dorm_is_digit(*c->p))) && !read_num(c, 2, 2, &m)) return false;
    if (h > 23 || m > 59) return false;
    *minutes = sign * (h * 60 + m);
    return true;
}

int dorm_date_parse(const char *s, size_t len, dorm_date *out) {
    if (!s) return DORM_EVALUE;
    /* "YYYY-MM-DD", what every backend returns, without the general reader:
     * it is on the path of every date column of every row.  Each digit's
     * value as an unsigned number: anything but a digit is 10 or more. */
    if (len == 10 && s[4] == '-' && s[7] == '-') {
        const unsigned char *u = (const unsigned char *)s;
        unsigned y0 = u[0] - '0', y1 = u[1] - '0', y2 = u[2] - '0', y3 = u[3] - '0';
        unsigned m0 = u[5] - '0', m1 = u[6] - '0', d0 = u[8] - '0', d1 = u[9] - '0';
        if (y0 < 10 && y1 < 10 && y2 < 10 && y3 < 10 && m0 < 10 && m1 < 10 && d0 < 10 && d1 < 10) {
            dorm_date d = {(int)(y0 * 1000 + y1 * 100 + y2 * 10 + y3), (int)(m0 * 10 + m1), (int)(d0 * 10 + d1)};
            if (d.year < 1 || d.month < 1 || d.month > 12 || d.day < 1 ||
                (d.day > 28 && d.day > days_in_month(d.year, d.month)))
                return DORM_EVALUE;
            *out = d;
            return 0;
        }
    }
    cursor c = {s, s + len};
    dorm_date d;
    if (!read_date(&c, &d) || c.p != c.end) return DORM_EVALUE;
    *out = d;
    return 0;
}

/* Like Django's parse_time (time.fromisoformat first), a trailing UTC offset
 * is accepted and dropped: an aware time of day means nothing. */
int dorm_time_parse(const char *s, size_t len, dorm_time *out) {
    if (!s) return DORM_EVALUE;
    cursor c = {s, s + len};
    dorm_time t;
    int offset;
    if (!read_time(&c, &t)) return DORM_EVALUE;
    if (c.p != c.end && (!read_offset(&c, &offset) || c.p != c.end)) return DORM_EVALUE;
    *out = t;
    return 0;
}

int dorm_datetime_parse(const char *s, size_t len, dorm_datetime *out) {
    if (!s) return DORM_EVALUE;
    cursor c = {s, s + len};
    dorm_date d;
    dorm_time t = {0, 0, 0, 0};
    int offset = 0;
    if (!read_date(&c, &d)) return DORM_EVALUE;
    if (c.p != c.end) {
        if (!read_char(&c, ' ') && !read_char(&c, 'T')) return DORM_EVALUE;
        if (!read_time(&c, &t)) return DORM_EVALUE;
        while (c.p < c.end && (*c.p == ' ' || *c.p == '\t')) c.p++;
        if (c.p != c.end && (!read_offset(&c, &offset) || c.p != c.end)) return DORM_EVALUE;
    }
    dorm_datetime r = dorm_datetime_utc(d.year, d.month, d.day, t.hour, t.minute, t.second, (int)t.usec);
    r.usec -= (int64_t)offset * 60 * USEC_PER_SEC;
    /* Python's OverflowError: the text is fine, its UTC instant is not. */
    if (!dorm_datetime_valid(r)) return DORM_EDATA;
    *out = r;
    return 0;
}

/* ---- Formatting ---------------------------------------------------------- */

/* Zero-padded decimal digits of v, written by hand: formatting is on the
 * path of every bound date, and printf would cost more than the bind. */
/* What Python could not hold is written as "" (length 0), which the binders
 * refuse, so that no wrapped or invalid text reaches a database. */
static size_t nothing(char *buf) {
    buf[0] = '\0';
    return 0;
}

size_t dorm_date_format(dorm_date d, char *buf) {
    if (!dorm_date_valid(d)) return nothing(buf);
    char *p = dorm_put_digits(buf, (unsigned)d.year, 4);
    *p++ = '-';
    p = dorm_put_digits(p, d.month, 2);
    *p++ = '-';
    p = dorm_put_digits(p, d.day, 2);
    *p = '\0';
    return (size_t)(p - buf);
}

size_t dorm_time_format(dorm_time t, char *buf) {
    if (!dorm_time_valid(t)) return nothing(buf);
    char *p = dorm_put_digits(buf, t.hour, 2);
    *p++ = ':';
    p = dorm_put_digits(p, t.minute, 2);
    *p++ = ':';
    p = dorm_put_digits(p, t.second, 2);
    if (t.usec) {
        *p++ = '.';
        p = dorm_put_digits(p, t.usec, 6);
    }
    *p = '\0';
    return (size_t)(p - buf);
}

size_t dorm_datetime_format(dorm_datetime t, char *buf) {
    if (!dorm_datetime_valid(t)) return nothing(buf);
    dorm_date d;
    dorm_time tm;
    dorm_datetime_split(t, &d, &tm);
    size_t n = dorm_date_format(d, buf);
    buf[n++] = ' ';
    return n + dorm_time_format(tm, buf + n);
}

size_t dorm_datetime_format_iso(dorm_datetime t, char *buf) {
    size_t n = dorm_datetime_format(t, buf);
    if (!n) return 0;
    buf[10] = 'T';
    return n + (size_t)snprintf(buf + n, DORM_FMT_MAX - n, "+00:00");
}
