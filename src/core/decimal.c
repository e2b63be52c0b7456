/* decimal.c - dorm_decimal, an exact decimal of up to 18 significant digits
 * (coef * 10^-scale): parsing what Python's Decimal() reads, fixed-point
 * formatting, exact comparison, half-even rescaling, Django's digit counts
 * and the conversions to and from double. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "dorm/error.h"
#include "dorm/value.h"

#define DEC_DIGITS 18
#define DEC_MAX_SCALE 18

static const uint64_t pow10u[20] = {
    UINT64_C(1),
    UINT64_C(10),
    UINT64_C(100),
    UINT64_C(1000),
    UINT64_C(10000),
    UINT64_C(100000),
    UINT64_C(1000000),
    UINT64_C(10000000),
    UINT64_C(100000000),
    UINT64_C(1000000000),
    UINT64_C(10000000000),
    UINT64_C(100000000000),
    UINT64_C(1000000000000),
    UINT64_C(10000000000000),
    UINT64_C(100000000000000),
    UINT64_C(1000000000000000),
    UINT64_C(10000000000000000),
    UINT64_C(100000000000000000),
    UINT64_C(1000000000000000000),
    UINT64_C(10000000000000000000),
};

/* Coefficients stay below this: 18 digits. */
#define COEF_LIMIT pow10u[DEC_DIGITS]

static uint64_t magnitude(int64_t c) { return c < 0 ? (uint64_t)0 - (uint64_t)c : (uint64_t)c; }

static int ndigits(uint64_t m) {
    int n = 1;
    while (n < 20 && m >= pow10u[n]) n++;
    return n;
}

/* m * 10^-from expressed with `to` fraction digits, rounded half-even; 0 or
 * DORM_EDATA when the result needs more than 18 digits. */
static int scale_mag(uint64_t m, int64_t from, int64_t to, uint64_t *out) {
    uint64_t q;
    if (to >= from) {
        int64_t d = to - from;
        if (m == 0) {
            q = 0;
        } else {
            if (d > DEC_DIGITS || m > (COEF_LIMIT - 1) / pow10u[d]) return DORM_EDATA;
            q = m * pow10u[d];
        }
    } else {
        int64_t d = from - to;
        /* Past 10^19 every uint64 is below half a unit: it rounds to 0. */
        if (d > 19) {
            q = 0;
        } else {
            uint64_t p = pow10u[d], r = m % p, half = p / 2;
            q = m / p;
            if (r > half || (r == half && (q & 1))) q++;
        }
    }
    if (q >= COEF_LIMIT) return DORM_EDATA;
    *out = q;
    return 0;
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

int dorm_decimal_parse(const char *s, size_t len, dorm_decimal *out) {
    if (!s) return DORM_EVALUE;
    const char *p = s, *end = s + len;
    /* Python's Decimal() strips surrounding whitespace. */
    while (p < end && is_space(*p)) p++;
    while (end > p && is_space(end[-1])) end--;
    bool neg = false;
    if (p < end && (*p == '+' || *p == '-')) neg = *p++ == '-';
    const char *digits = p;
    while (p < end && is_digit(*p)) p++;
    const char *point = NULL;
    if (p < end && *p == '.') {
        point = p++;
        while (p < end && is_digit(*p)) p++;
    }
    const char *digits_end = p;
    if (digits_end - digits - (point != NULL) < 1) return DORM_EVALUE;
    int64_t exp = 0;
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        bool eneg = false;
        if (p < end && (*p == '+' || *p == '-')) eneg = *p++ == '-';
        if (p == end || !is_digit(*p)) return DORM_EVALUE;
        /* Saturate: any exponent this large overflows or rounds away anyway. */
        for (; p < end && is_digit(*p); p++)
            if (exp < 1000000) exp = exp * 10 + (*p - '0');
        if (eneg) exp = -exp;
    }
    if (p != end) return DORM_EVALUE;

    uint64_t coef = 0;
    int sig = 0;
    for (const char *q = digits; q < digits_end; q++) {
        if (q == point) continue;
        if (sig == 0 && *q == '0') continue;
        if (sig == DEC_DIGITS) return DORM_EDATA;
        coef = coef * 10 + (uint64_t)(*q - '0');
        sig++;
    }
    int64_t scale = (point ? digits_end - point - 1 : 0) - exp;
    if (scale > DEC_MAX_SCALE) return DORM_EDATA;
    if (scale < 0) {
        if (scale_mag(coef, scale, 0, &coef)) return DORM_EDATA;
        scale = 0;
    }
    out->coef = neg ? -(int64_t)coef : (int64_t)coef;
    out->scale = (int32_t)scale;
    return 0;
}

/* Fixed-point widths that always fit DORM_FMT_MAX; wider scales are written
 * in Python's exponent form ("123E-50"), which dorm_decimal_parse reads. */
#define FMT_MAX_FRAC 40
#define FMT_MAX_ZEROS 20

size_t dorm_decimal_format(dorm_decimal d, char *buf) {
    char digits[21];
    uint64_t m = magnitude(d.coef);
    int nd = snprintf(digits, sizeof digits, "%llu", (unsigned long long)m);
    char *o = buf;
    if (d.coef < 0) *o++ = '-';
    if (d.scale < -FMT_MAX_ZEROS || d.scale > FMT_MAX_FRAC) {
        o += snprintf(o, DORM_FMT_MAX - (size_t)(o - buf), "%sE%+ld", digits, -(long)d.scale);
        return (size_t)(o - buf);
    }
    if (d.scale <= 0) {
        for (int i = 0; i < nd; i++) *o++ = digits[i];
        for (int i = 0; m && i < -d.scale; i++) *o++ = '0';
    } else if (nd <= d.scale) {
        *o++ = '0';
        *o++ = '.';
        for (int i = nd; i < d.scale; i++) *o++ = '0';
        for (int i = 0; i < nd; i++) *o++ = digits[i];
    } else {
        for (int i = 0; i < nd; i++) {
            if (i == nd - d.scale) *o++ = '.';
            *o++ = digits[i];
        }
    }
    *o = '\0';
    return (size_t)(o - buf);
}

/* Compares x*10^-sx with y*10^-sy, both nonzero: the one with fewer fraction
 * digits is scaled up step by step, which settles within 20 steps. */
static int cmp_mag(uint64_t x, int64_t sx, uint64_t y, int64_t sy) {
    if (sx > sy) return -cmp_mag(y, sy, x, sx);
    for (int64_t d = sy - sx; d > 0; d--) {
        if (x > y || x > UINT64_MAX / 10) return 1;
        x *= 10;
    }
    return x < y ? -1 : x > y;
}

int dorm_decimal_cmp(dorm_decimal a, dorm_decimal b) {
    int sa = (a.coef > 0) - (a.coef < 0), sb = (b.coef > 0) - (b.coef < 0);
    if (sa != sb) return sa < sb ? -1 : 1;
    if (sa == 0) return 0;
    int c = cmp_mag(magnitude(a.coef), a.scale, magnitude(b.coef), b.scale);
    return sa > 0 ? c : -c;
}

int dorm_decimal_rescale(dorm_decimal d, int scale, dorm_decimal *out) {
    if (scale < 0) return DORM_EVALUE;
    if (scale > DEC_MAX_SCALE) return DORM_EDATA;
    uint64_t q;
    int rc = scale_mag(magnitude(d.coef), d.scale, scale, &q);
    if (rc) return rc;
    out->coef = d.coef < 0 ? -(int64_t)q : (int64_t)q;
    out->scale = scale;
    return 0;
}

/* django.core.validators.DecimalValidator on Decimal.as_tuple(): the digit
 * tuple is the coefficient's digits ((0,) for zero), the exponent -scale. */
void dorm_decimal_digits(dorm_decimal d, int *whole, int *frac) {
    int64_t nd = ndigits(magnitude(d.coef));
    int64_t exp = -(int64_t)d.scale, digits, decimals;
    if (exp >= 0) {
        digits = nd + (d.coef != 0 ? exp : 0);
        decimals = 0;
    } else if (-exp > nd) {
        digits = decimals = -exp;
    } else {
        digits = nd;
        decimals = -exp;
    }
    if (whole) *whole = (int)(digits - decimals);
    if (frac) *frac = (int)decimals;
}

double dorm_decimal_to_double(dorm_decimal d) {
    static const double pow10d[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                      1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    uint64_t m = magnitude(d.coef);
    double r;
    /* Exact operands, one rounding: the nearest double (Clinger's fast path). */
    if (m <= (UINT64_C(1) << 53) && d.scale >= -22 && d.scale <= 22) {
        r = d.scale >= 0 ? (double)m / pow10d[d.scale] : (double)m * pow10d[-d.scale];
    } else {
        /* No decimal point in the text, so strtod's locale cannot misread it. */
        char text[48];
        snprintf(text, sizeof text, "%lluE%ld", (unsigned long long)m, -(long)d.scale);
        r = strtod(text, NULL);
    }
    return d.coef < 0 ? -r : r;
}

/* Django's SQLite converter: Context(prec=15).create_decimal_from_float(f)
 * then quantize to the field's places, both rounding half-even.  "%.14e"
 * yields the same 15 significant digits, rounded half-even from the exact
 * binary value; rounding f straight to `scale` places would differ on values
 * like 2.675 (2.67499999... as a double, 2.68 in Django). */
int dorm_decimal_from_double(double f, int scale, dorm_decimal *out) {
    if (isnan(f) || scale < 0) return DORM_EVALUE;
    if (isinf(f) || scale > DEC_MAX_SCALE) return DORM_EDATA;
    char text[48];
    snprintf(text, sizeof text, "%.14e", f);
    uint64_t m = 0;
    const char *p = text;
    bool neg = *p == '-';
    /* Digits up to the exponent; whatever the locale uses as the point is
     * skipped. */
    for (; *p && *p != 'e'; p++)
        if (is_digit(*p)) m = m * 10 + (uint64_t)(*p - '0');
    if (*p != 'e') return DORM_EVALUE;
    long exp = strtol(p + 1, NULL, 10);
    uint64_t q;
    if (scale_mag(m, 14 - (int64_t)exp, scale, &q)) return DORM_EDATA;
    out->coef = neg ? -(int64_t)q : (int64_t)q;
    out->scale = scale;
    return 0;
}
