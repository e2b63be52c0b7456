/* fuzz_values.c - libFuzzer target: the value parsers (dates, times,
 * datetimes, decimals, UUIDs, durations) on any bytes.  A value that parses
 * must be valid, and format to text that parses back to the same value. */
#include <string.h>

#include "core/duration.h"
#include "fuzz.h"

static void check_date(const char *s, size_t n) {
    dorm_date d, again;
    char buf[DORM_FMT_MAX];
    if (dorm_date_parse(s, n, &d) != 0) return;
    if (!dorm_date_valid(d)) fuzz_fail("date '%.*s' parsed to an invalid date", (int)n, s);
    size_t len = dorm_date_format(d, buf);
    if (dorm_date_parse(buf, len, &again) != 0 || memcmp(&d, &again, sizeof d) != 0)
        fuzz_fail("date '%.*s' formats as '%s', which does not read back", (int)n, s, buf);
}

static void check_time(const char *s, size_t n) {
    dorm_time t, again;
    char buf[DORM_FMT_MAX];
    if (dorm_time_parse(s, n, &t) != 0) return;
    if (!dorm_time_valid(t)) fuzz_fail("time '%.*s' parsed to an invalid time", (int)n, s);
    size_t len = dorm_time_format(t, buf);
    /* Field by field: the struct's padding byte is not part of the value. */
    if (dorm_time_parse(buf, len, &again) != 0 || again.hour != t.hour || again.minute != t.minute ||
        again.second != t.second || again.usec != t.usec)
        fuzz_fail("time '%.*s' formats as '%s', which does not read back", (int)n, s, buf);
}

static void check_datetime(const char *s, size_t n) {
    dorm_datetime t, again;
    char buf[DORM_FMT_MAX];
    if (dorm_datetime_parse(s, n, &t) != 0) return;
    size_t len = dorm_datetime_format(t, buf);
    if (dorm_datetime_parse(buf, len, &again) != 0 || again.usec != t.usec)
        fuzz_fail("datetime '%.*s' formats as '%s', which does not read back", (int)n, s, buf);
    len = dorm_datetime_format_iso(t, buf);
    if (dorm_datetime_parse(buf, len, &again) != 0 || again.usec != t.usec)
        fuzz_fail("datetime '%.*s' formats (ISO) as '%s', which does not read back", (int)n, s, buf);
}

static void check_decimal(const char *s, size_t n) {
    dorm_decimal d, again;
    char buf[DORM_FMT_MAX];
    if (dorm_decimal_parse(s, n, &d) != 0) return;
    size_t len = dorm_decimal_format(d, buf);
    if (dorm_decimal_parse(buf, len, &again) != 0 || dorm_decimal_cmp(d, again) != 0)
        fuzz_fail("decimal '%.*s' formats as '%s', which does not read back", (int)n, s, buf);
    int whole, frac;
    dorm_decimal_digits(d, &whole, &frac);
    dorm_decimal r;
    for (int scale = 0; scale <= 4; scale++) dorm_decimal_rescale(d, scale, &r);
    (void)dorm_decimal_to_double(d);
}

static void check_uuid(const char *s, size_t n) {
    dorm_uuid u, again;
    char buf[DORM_FMT_MAX];
    if (dorm_uuid_parse(s, n, &u) != 0) return;
    size_t len = dorm_uuid_format(u, buf);
    if (dorm_uuid_parse(buf, len, &again) != 0 || memcmp(&u, &again, sizeof u) != 0)
        fuzz_fail("uuid '%.*s' formats as '%s', which does not read back", (int)n, s, buf);
    len = dorm_uuid_format_dashed(u, buf);
    if (dorm_uuid_parse(buf, len, &again) != 0 || memcmp(&u, &again, sizeof u) != 0)
        fuzz_fail("uuid '%.*s' formats (dashed) as '%s', which does not read back", (int)n, s, buf);
}

/* Django's parse_duration reads back duration_string; so does the reader
 * of a database's forms (which also takes "D HH:MM:SS"), a day short of
 * int64's ends. */
static void check_duration(const char *s, size_t n) {
    dorm_duration d, again;
    char buf[DORM_FMT_MAX];
    if (dorm_duration_parse(s, n, &d) == 0) {
        size_t len = dorm_duration_format(d, buf);
        if (dorm_duration_parse(buf, len, &again) != 0 || again.usec != d.usec)
            fuzz_fail("duration '%.*s' formats as '%s', which does not read back", (int)n, s, buf);
    }
    if (dorm_duration__read(s, n, &d) == 0 && d.usec < INT64_MAX - 86400000000 && d.usec > -INT64_MAX + 86400000000) {
        size_t len = dorm_duration_format(d, buf);
        if (dorm_duration__read(buf, len, &again) != 0 || again.usec != d.usec)
            fuzz_fail("duration '%.*s' read from a database formats as '%s', which does not read back", (int)n, s, buf);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    /* The parsers take a length and need no terminator: no byte past it is
     * readable (ASan would see it). */
    const char *s = (const char *)data;
    check_date(s, size);
    check_time(s, size);
    check_datetime(s, size);
    check_decimal(s, size);
    check_uuid(s, size);
    check_duration(s, size);
    return 0;
}
