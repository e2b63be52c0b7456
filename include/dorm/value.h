/* dorm/value.h - the value types dorm stores (date, datetime, time, decimal, uuid,
 * bytes) and dorm_value, the tagged value every lookup, default and parameter
 * travels in.  DV(x) types a C expression by _Generic: DV(400), DV("1984"),
 * DV(true), DV(dorm_date_ymd(1900, 1, 1)).
 * SPDX-License-Identifier: MIT (see LICENSE) */
#ifndef DORM_VALUE_H
#define DORM_VALUE_H

#include "api.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A calendar date.  year 1..9999; {0,0,0} is "no date" and reads as SQL NULL. */
typedef struct dorm_date {
    int16_t year;   /* 1..9999 */
    uint8_t month;  /* 1..12   */
    uint8_t day;    /* 1..31   */
} dorm_date;

/* A time of day with microseconds. */
typedef struct dorm_time {
    uint8_t hour;    /* 0..23     */
    uint8_t minute;  /* 0..59     */
    uint8_t second;  /* 0..59     */
    uint32_t usec;   /* 0..999999 */
} dorm_time;

/* An instant: microseconds since 1970-01-01T00:00:00Z.  Always UTC, like Django
 * with USE_TZ = True. */
typedef struct dorm_datetime {
    int64_t usec;  /* since the Unix epoch, UTC */
} dorm_datetime;

/* A length of time (Django's timedelta, a DurationField's value):
 * microseconds, negative for a time backwards. */
typedef struct dorm_duration {
    int64_t usec;      /* microseconds */
} dorm_duration;
/* Django's timedelta(days, seconds, microseconds). */
static inline dorm_duration dorm_timedelta(int64_t days, int64_t seconds, int64_t usec) {
    dorm_duration d = {(days * 86400 + seconds) * 1000000 + usec};
    return d;
}

/* An exact decimal: ±coef * 10^-scale with up to DORM_DECIMAL_DIGITS (38)
 * significant digits.  The coefficient is an unsigned 128-bit integer in four
 * 32-bit limbs, least significant first, below 10^38; scale is 0..38 in what
 * dorm makes; `neg` is never set on zero.  No floating point is involved in
 * parsing, formatting, storing or comparing.  Write one as DORM_DEC(150, 2)
 * (1.50, also in static initialisers) or dorm_decimal_from_int(coef, scale),
 * or parse one from text. */
typedef struct dorm_decimal {
    uint32_t coef[4];  /* the coefficient, least significant limb first */
    int32_t scale;     /* digits after the point                       */
    bool neg;          /* negative (never on zero)                     */
} dorm_decimal;
/* The most significant digits a dorm_decimal holds. */
#define DORM_DECIMAL_DIGITS 38
/* DORM_DEC's coefficient is an int64_t: its sign bit, and its magnitude as
 * uint64_t.  No comparison, so -Wtype-limits stays quiet on unsigned ones. */
#define DORM__DECNEG(c) ((uint64_t)(int64_t)(c) >> 63)
#define DORM__DECMAG(c) (DORM__DECNEG(c) ? (uint64_t)0 - (uint64_t)(int64_t)(c) : (uint64_t)(int64_t)(c))
/* DORM_DEC(150, 2): the decimal 1.50, a constant expression (static
 * initialisers); coef is an int64_t. */
#define DORM_DEC(coef, scale) \
    {{(uint32_t)DORM__DECMAG(coef), (uint32_t)(DORM__DECMAG(coef) >> 32), 0, 0}, (scale), DORM__DECNEG(coef) != 0}

/* A UUID as its 16 bytes. */
typedef struct dorm_uuid {
    uint8_t bytes[16];  /* in the order of its text form */
} dorm_uuid;

/* Binary data: borrowed pointer and length. */
typedef struct dorm_bytes {
    const void *data;  /* borrowed */
    size_t len;        /* in bytes */
} dorm_bytes;

/* The type of a dorm_value: which member of its union it holds. */
typedef enum dorm_type {
    DORM_T_NONE = 0,   /* "no value given" (e.g. a field without a default) */
    DORM_T_NULL,       /* SQL NULL / Python None */
    DORM_T_BOOL,
    DORM_T_INT,
    DORM_T_FLOAT,
    DORM_T_TEXT,       /* u.s, len bytes (len == DORM_STRLEN: NUL-terminated) */
    DORM_T_BYTES,      /* u.p, len bytes */
    DORM_T_DATE,
    DORM_T_DATETIME,
    DORM_T_TIME,
    DORM_T_DECIMAL,
    DORM_T_UUID,
    DORM_T_LIST,       /* u.list, len values (for __in and __range) */
    DORM_T_OBJECT,     /* u.p: a model instance (DORM_OBJECT header first) */
    DORM_T_QUERYSET,   /* u.p: a dorm_qs, used as a subquery */
    DORM_T_EXPR,       /* u.p: an expression (F(), arithmetic) */
    DORM_T_CUSTOM,     /* u.p: the member of a field of a program's type
                        * (values() rows, filter values), len its size */
    DORM_T_DURATION    /* u.dur */
} dorm_type;

/* A text value's length when it is NUL-terminated (DORM_T_TEXT). */
#define DORM_STRLEN ((size_t)-1)

/* A typed value: a lookup's argument, a default, a bound parameter, a
 * column of a values() row. */
typedef struct dorm_value {
    dorm_type type;  /* which member of u holds the value              */
    size_t len;      /* text and bytes: the length; lists: the items   */
    union {
        bool b;
        int64_t i;
        double f;
        const char *s;
        const void *p;
        const struct dorm_value *list;
        dorm_date date;
        dorm_time time;
        dorm_datetime dt;
        dorm_decimal dec;
        dorm_uuid uuid;
        dorm_duration dur;
    } u;             /* the value, by type                             */
} dorm_value;

/* Constant-expression initialisers, for defaults in static field tables:
 * DORM_INT(Book, pages, .default_value = DORM_VINT(0)). */
#define DORM_VNULL {.type = DORM_T_NULL, .len = 0, .u = {.i = 0}}
#define DORM_VINT(x) {.type = DORM_T_INT, .len = 0, .u = {.i = (x)}}
#define DORM_VBOOL(x) {.type = DORM_T_BOOL, .len = 0, .u = {.b = (x)}}
#define DORM_VFLOAT(x) {.type = DORM_T_FLOAT, .len = 0, .u = {.f = (x)}}
#define DORM_VTEXT(x) {.type = DORM_T_TEXT, .len = DORM_STRLEN, .u = {.s = (x)}}
#define DORM_VDATE(y, m, d) {.type = DORM_T_DATE, .len = 0, .u = {.date = {(y), (m), (d)}}}
/* Django's timedelta(days, seconds, microseconds) as a default. */
#define DORM_VDURATION(days, seconds, usec) \
    {.type = DORM_T_DURATION, .len = 0, .u = {.dur = {((days) * INT64_C(86400) + (seconds)) * 1000000 + (usec)}}}
#define DORM_VDECIMAL(coef, scale) {.type = DORM_T_DECIMAL, .len = 0, .u = {.dec = DORM_DEC(coef, scale)}}

/* Value constructors.  Strings and bytes are borrowed, not copied. */
static inline dorm_value dorm_v_null(void) { dorm_value v = {DORM_T_NULL, 0, {0}}; return v; }
static inline dorm_value dorm_v_null_ptr(const void *p) { (void)p; return dorm_v_null(); }
static inline dorm_value dorm_v_bool(bool b) {
    dorm_value v = {DORM_T_BOOL, 0, {0}};
    v.u.b = b;
    return v;
}
static inline dorm_value dorm_v_int(int64_t i) {
    dorm_value v = {DORM_T_INT, 0, {0}};
    v.u.i = i;
    return v;
}
static inline dorm_value dorm_v_uint(uint64_t i) { return dorm_v_int((int64_t)i); }
static inline dorm_value dorm_v_float(double f) {
    dorm_value v = {DORM_T_FLOAT, 0, {0}};
    v.u.f = f;
    return v;
}
static inline dorm_value dorm_v_text(const char *s) {
    dorm_value v = {DORM_T_TEXT, DORM_STRLEN, {0}};
    v.u.s = s;
    if (!s) v.type = DORM_T_NULL;
    return v;
}
static inline dorm_value dorm_v_textn(const char *s, size_t n) {
    dorm_value v = {DORM_T_TEXT, n, {0}};
    v.u.s = s;
    return v;
}
static inline dorm_value dorm_v_bytes(dorm_bytes b) {
    dorm_value v = {DORM_T_BYTES, b.len, {0}};
    v.u.p = b.data;
    return v;
}
static inline dorm_value dorm_v_date(dorm_date d) {
    dorm_value v = {DORM_T_DATE, 0, {0}};
    v.u.date = d;
    if (d.year == 0 && d.month == 0 && d.day == 0) v.type = DORM_T_NULL;
    return v;
}
static inline dorm_value dorm_v_time(dorm_time t) {
    dorm_value v = {DORM_T_TIME, 0, {0}};
    v.u.time = t;
    return v;
}
static inline dorm_value dorm_v_datetime(dorm_datetime t) {
    dorm_value v = {DORM_T_DATETIME, 0, {0}};
    v.u.dt = t;
    return v;
}
static inline dorm_value dorm_v_decimal(dorm_decimal d) {
    dorm_value v = {DORM_T_DECIMAL, 0, {0}};
    v.u.dec = d;
    return v;
}
static inline dorm_value dorm_v_uuid(dorm_uuid u) {
    dorm_value v = {DORM_T_UUID, 0, {0}};
    v.u.uuid = u;
    return v;
}
static inline dorm_value dorm_v_duration(dorm_duration d) {
    dorm_value v = {DORM_T_DURATION, 0, {0}};
    v.u.dur = d;
    return v;
}
static inline dorm_value dorm_v_value(dorm_value v) { return v; }
static inline dorm_value dorm_v_list(const dorm_value *items, size_t n) {
    dorm_value v = {DORM_T_LIST, n, {0}};
    v.u.list = items;
    return v;
}
/* A model instance (for filter(author=obj)); any pointer that is not void*. */
static inline dorm_value dorm_v_object(const void *obj) {
    dorm_value v = {DORM_T_OBJECT, 0, {0}};
    v.u.p = obj;
    if (!obj) v.type = DORM_T_NULL;
    return v;
}

/* A member of a program's field type as a value: filter(price=dorm_v_custom(&m))
 * hands it to the type's to_c.  Borrowed. */
static inline dorm_value dorm_v_custom(const void *member) {
    dorm_value v = {DORM_T_CUSTOM, 0, {0}};
    v.u.p = member;
    return v;
}

/* An expression as a value: F("pages"), dorm_add(...) (see expr.h). */
struct dorm_expr;
static inline dorm_value dorm_v_expr(const struct dorm_expr *e) {
    dorm_value v = {DORM_T_EXPR, 0, {0}};
    v.u.p = e;
    return v;
}

/* A QuerySet as a value: a subquery (filter(author__in=qs)). */
struct dorm_qs;
static inline dorm_value dorm_v_queryset(struct dorm_qs *qs) {
    dorm_value v = {DORM_T_QUERYSET, 0, {0}};
    v.u.p = qs;
    return v;
}

/* DV(x): the dorm_value of a C expression, typed at compile time.  NULL (a
 * void pointer) is SQL NULL; a pointer to a model instance is that object. */
#define DV(x)                                   \
    _Generic((x),                               \
        _Bool: dorm_v_bool,                     \
        char: dorm_v_int,                       \
        signed char: dorm_v_int,                \
        unsigned char: dorm_v_uint,             \
        short: dorm_v_int,                      \
        unsigned short: dorm_v_uint,            \
        int: dorm_v_int,                        \
        unsigned int: dorm_v_uint,              \
        long: dorm_v_int,                       \
        unsigned long: dorm_v_uint,             \
        long long: dorm_v_int,                  \
        unsigned long long: dorm_v_uint,        \
        float: dorm_v_float,                    \
        double: dorm_v_float,                   \
        char *: dorm_v_text,                    \
        const char *: dorm_v_text,              \
        void *: dorm_v_null_ptr,                \
        dorm_bytes: dorm_v_bytes,               \
        dorm_date: dorm_v_date,                 \
        dorm_time: dorm_v_time,                 \
        dorm_datetime: dorm_v_datetime,         \
        dorm_decimal: dorm_v_decimal,           \
        dorm_uuid: dorm_v_uuid,                 \
        dorm_duration: dorm_v_duration,         \
        dorm_value: dorm_v_value,               \
        struct dorm_qs *: dorm_v_queryset,      \
        const struct dorm_expr *: dorm_v_expr,  \
        struct dorm_expr *: dorm_v_expr,        \
        default: dorm_v_object)(x)

/* DLIST(a, b, ...): a list value for __in and __range, each item typed by DV.
 * Up to 16 items; for longer lists build a dorm_value array and use dorm_v_list. */
#define DORM__NARGS(...) DORM__NARGS_(__VA_ARGS__, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0)
#define DORM__NARGS_(_1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, _13, _14, _15, _16, N, ...) N
#define DORM__CAT(a, b) DORM__CAT_(a, b)
#define DORM__CAT_(a, b) a##b
#define DORM__MAP1(f, x) f(x)
#define DORM__MAP2(f, x, ...) f(x), DORM__MAP1(f, __VA_ARGS__)
#define DORM__MAP3(f, x, ...) f(x), DORM__MAP2(f, __VA_ARGS__)
#define DORM__MAP4(f, x, ...) f(x), DORM__MAP3(f, __VA_ARGS__)
#define DORM__MAP5(f, x, ...) f(x), DORM__MAP4(f, __VA_ARGS__)
#define DORM__MAP6(f, x, ...) f(x), DORM__MAP5(f, __VA_ARGS__)
#define DORM__MAP7(f, x, ...) f(x), DORM__MAP6(f, __VA_ARGS__)
#define DORM__MAP8(f, x, ...) f(x), DORM__MAP7(f, __VA_ARGS__)
#define DORM__MAP9(f, x, ...) f(x), DORM__MAP8(f, __VA_ARGS__)
#define DORM__MAP10(f, x, ...) f(x), DORM__MAP9(f, __VA_ARGS__)
#define DORM__MAP11(f, x, ...) f(x), DORM__MAP10(f, __VA_ARGS__)
#define DORM__MAP12(f, x, ...) f(x), DORM__MAP11(f, __VA_ARGS__)
#define DORM__MAP13(f, x, ...) f(x), DORM__MAP12(f, __VA_ARGS__)
#define DORM__MAP14(f, x, ...) f(x), DORM__MAP13(f, __VA_ARGS__)
#define DORM__MAP15(f, x, ...) f(x), DORM__MAP14(f, __VA_ARGS__)
#define DORM__MAP16(f, x, ...) f(x), DORM__MAP15(f, __VA_ARGS__)
#define DORM__MAP(f, ...) DORM__CAT(DORM__MAP, DORM__NARGS(__VA_ARGS__))(f, __VA_ARGS__)
#define DLIST(...) \
    dorm_v_list((const dorm_value[]){DORM__MAP(DV, __VA_ARGS__)}, DORM__NARGS(__VA_ARGS__))

/* Dates, times and instants.  Constructors do not validate; dorm_*_valid do.
 * The range is Python's: years 1..9999, for dates and for instants (UTC). */
static inline dorm_date dorm_date_ymd(int y, int m, int d) {
    dorm_date r = {(int16_t)y, (uint8_t)m, (uint8_t)d};
    return r;
}
static inline dorm_time dorm_time_hms(int h, int m, int s, int usec) {
    dorm_time r = {(uint8_t)h, (uint8_t)m, (uint8_t)s, (uint32_t)usec};
    return r;
}
DORM_API bool dorm_date_valid(dorm_date d);
DORM_API bool dorm_time_valid(dorm_time t);
DORM_API bool dorm_datetime_valid(dorm_datetime t);
/* The instant of a UTC calendar date and time; an instant that is not valid
 * (INT64_MIN) when the year is outside 1..9999. */
DORM_API dorm_datetime dorm_datetime_utc(int y, int mo, int d, int h, int mi, int s, int usec);
/* Splits an instant into its UTC date and time (the date {0,0,0} when the
 * instant is not valid). */
DORM_API void dorm_datetime_split(dorm_datetime t, dorm_date *date, dorm_time *time);
/* Today's date / the current instant (UTC). */
DORM_API dorm_date dorm_date_today(void);
DORM_API dorm_datetime dorm_datetime_now(void);
/* Days since 1970-01-01 of a date, and back ({0,0,0} outside years 1..9999). */
DORM_API int64_t dorm_date_to_days(dorm_date d);
DORM_API dorm_date dorm_date_from_days(int64_t days);

/* Parsing: 0 on success, DORM_EVALUE on malformed input, DORM_EDATA for a
 * well-formed datetime whose UTC instant falls outside years 1..9999 (Python's
 * OverflowError) or a decimal too wide for dorm_decimal.  Accepted forms are
 * ISO 8601 as Django reads them: "YYYY-MM-DD", "HH:MM[:SS[.ffffff]]",
 * "YYYY-MM-DD[ T]HH:MM[:SS[.ffffff]][Z|+HH:MM|-HH:MM]" (no offset = UTC),
 * decimals as Python's Decimal() reads them, "[-+]digits[.digits][e[-+]n]"
 * (exact: DORM_EDATA when a nonzero digit falls past 38 significant digits or
 * 38 places), and UUIDs with or without dashes. */
DORM_API int dorm_date_parse(const char *s, size_t len, dorm_date *out);
DORM_API int dorm_time_parse(const char *s, size_t len, dorm_time *out);
DORM_API int dorm_datetime_parse(const char *s, size_t len, dorm_datetime *out);
DORM_API int dorm_decimal_parse(const char *s, size_t len, dorm_decimal *out);
DORM_API int dorm_uuid_parse(const char *s, size_t len, dorm_uuid *out);

/* Formatting into buf (NUL-terminated); returns the length written.  Buffers of
 * DORM_FMT_MAX bytes always suffice.  A date, time or instant that is not
 * valid (see dorm_*_valid) is written as "" and 0 returned: Python could not
 * hold it, and dorm refuses to bind it.  Dates as "YYYY-MM-DD"; times as
 * "HH:MM:SS[.ffffff]"; instants as "YYYY-MM-DD HH:MM:SS[.ffffff]" (UTC, the
 * way Django stores them in SQLite); decimals with exactly their scale's
 * digits; UUIDs as 32 lowercase hex digits (dashes: dorm_uuid_format_dashed). */
#define DORM_FMT_MAX 64
DORM_API size_t dorm_date_format(dorm_date d, char *buf);
DORM_API size_t dorm_time_format(dorm_time t, char *buf);
DORM_API size_t dorm_datetime_format(dorm_datetime t, char *buf);
DORM_API size_t dorm_datetime_format_iso(dorm_datetime t, char *buf); /* "YYYY-MM-DDTHH:MM:SS[.ffffff]+00:00" */
DORM_API size_t dorm_decimal_format(dorm_decimal d, char *buf);
DORM_API size_t dorm_uuid_format(dorm_uuid u, char *buf);
DORM_API size_t dorm_uuid_format_dashed(dorm_uuid u, char *buf);
/* A duration as Django's duration_string writes it: "[D ]HH:MM:SS[.ffffff]"
 * ("-1 23:00:00" for an hour backwards). */
DORM_API size_t dorm_duration_format(dorm_duration d, char *buf);
/* A duration as Django's parse_duration reads one (a DurationField's
 * to_python): "3 days, 10:11:12", "-1 day, 23:00:00", "10:11:12.000001",
 * "15:30" (minutes and seconds), "100" (seconds), ISO 8601 "P3DT10H" or
 * "-PT1.5S", PostgreSQL's "3 days 10:11:12"; 0, or DORM_EVALUE for another
 * text or one beyond dorm_duration's range (about 292 years). */
DORM_API int dorm_duration_parse(const char *s, size_t len, dorm_duration *out);

/* Decimal arithmetic helpers.  coef * 10^-scale, at run time. */
static inline dorm_decimal dorm_decimal_from_int(int64_t coef, int scale) {
    dorm_decimal d = DORM_DEC(coef, scale);
    return d;
}
/* dorm_decimal_cmp returns <0, 0, >0.  dorm_decimal_rescale rounds half-even
 * to `scale` places (0..38; DORM_EVALUE below 0); DORM_EDATA when the result
 * does not fit 38 digits. */
DORM_API int dorm_decimal_cmp(dorm_decimal a, dorm_decimal b);
DORM_API int dorm_decimal_rescale(dorm_decimal d, int scale, dorm_decimal *out);
/* Digits before and after the point, as Django's DecimalValidator counts them. */
DORM_API void dorm_decimal_digits(dorm_decimal d, int *whole, int *frac);
/* Nearest double (for FloatField interplay and display only). */
DORM_API double dorm_decimal_to_double(dorm_decimal d);
/* A decimal from a double: its 15 significant digits (Django's SQLite
 * converter) rounded to `scale` places (how SQLite's REAL storage of a
 * decimal column is read back); DORM_EDATA if it does not fit. */
DORM_API int dorm_decimal_from_double(double f, int scale, dorm_decimal *out);
/* A random (version 4) UUID. */
DORM_API dorm_uuid dorm_uuid4(void);

/* Values compare equal when they have the same type and content (text by
 * bytes).  Used for choices, caches and tests. */
DORM_API bool dorm_value_equal(const dorm_value *a, const dorm_value *b);

#ifdef __cplusplus
}
#endif

#endif
