/* decimal.c - dorm_decimal, an exact decimal of up to 38 significant digits
 * (±coef * 10^-scale, the coefficient an unsigned 128-bit integer in four
 * 32-bit limbs): parsing what Python's Decimal() reads, fixed-point
 * formatting, exact comparison, half-even rescaling, Django's digit counts,
 * the conversions to and from double, and the reading of values a database
 * computed (rounded to fit, as Django's converters give them). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/decimal.h"
#include "core/chars.h"
#include "dorm/error.h"

#define DIGITS DORM_DECIMAL_DIGITS
#define MAX_SCALE DORM_DECIMAL_DIGITS

/* 10^k for k = 0..38 as four 32-bit limbs, least significant first. */
static const uint32_t pow10w[DIGITS + 1][4] = {
    {0x00000001, 0x00000000, 0x00000000, 0x00000000}, {0x0000000a, 0x00000000, 0x00000000, 0x00000000},
    {0x00000064, 0x00000000, 0x00000000, 0x00000000}, {0x000003e8, 0x00000000, 0x00000000, 0x00000000},
    {0x00002710, 0x00000000, 0x00000000, 0x00000000}, {0x000186a0, 0x00000000, 0x00000000, 0x00000000},
    {0x000f4240, 0x00000000, 0x00000000, 0x00000000}, {0x00989680, 0x00000000, 0x00000000, 0x00000000},
    {0x05f5e100, 0x00000000, 0x00000000, 0x00000000}, {0x3b9aca00, 0x00000000, 0x00000000, 0x00000000},
    {0x540be400, 0x00000002, 0x00000000, 0x00000000}, {0x4876e800, 0x00000017, 0x00000000, 0x00000000},
    {0xd4a51000, 0x000000e8, 0x00000000, 0x00000000}, {0x4e72a000, 0x00000918, 0x00000000, 0x00000000},
    {0x107a4000, 0x00005af3, 0x00000000, 0x00000000}, {0xa4c68000, 0x00038d7e, 0x00000000, 0x00000000},
    {0x6fc10000, 0x002386f2, 0x00000000, 0x00000000}, {0x5d8a0000, 0x01634578, 0x00000000, 0x00000000},
    {0xa7640000, 0x0de0b6b3, 0x00000000, 0x00000000}, {0x89e80000, 0x8ac72304, 0x00000000, 0x00000000},
    {0x63100000, 0x6bc75e2d, 0x00000005, 0x00000000}, {0xdea00000, 0x35c9adc5, 0x00000036, 0x00000000},
    {0xb2400000, 0x19e0c9ba, 0x0000021e, 0x00000000}, {0xf6800000, 0x02c7e14a, 0x0000152d, 0x00000000},
    {0xa1000000, 0x1bcecced, 0x0000d3c2, 0x00000000}, {0x4a000000, 0x16140148, 0x00084595, 0x00000000},
    {0xe4000000, 0xdcc80cd2, 0x0052b7d2, 0x00000000}, {0xe8000000, 0x9fd0803c, 0x033b2e3c, 0x00000000},
    {0x10000000, 0x3e250261, 0x204fce5e, 0x00000000}, {0xa0000000, 0x6d7217ca, 0x431e0fae, 0x00000001},
    {0x40000000, 0x4674edea, 0x9f2c9cd0, 0x0000000c}, {0x80000000, 0xc0914b26, 0x37be2022, 0x0000007e},
    {0x00000000, 0x85acef81, 0x2d6d415b, 0x000004ee}, {0x00000000, 0x38c15b0a, 0xc6448d93, 0x0000314d},
    {0x00000000, 0x378d8e64, 0xbead87c0, 0x0001ed09}, {0x00000000, 0x2b878fe8, 0x72c74d82, 0x00134261},
    {0x00000000, 0xb34b9f10, 0x7bc90715, 0x00c097ce}, {0x00000000, 0x00f436a0, 0xd5da46d9, 0x0785ee10},
    {0x00000000, 0x098a2240, 0x5a86c47a, 0x4b3b4ca8},
};

static const uint32_t pow10u32[10] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000};

/* ---- 128-bit magnitudes: w[0] is the least significant limb ------------- */

static bool is_zero(const uint32_t *w) { return !(w[0] | w[1] | w[2] | w[3]); }

static int cmp_mag(const uint32_t *a, const uint32_t *b) {
    for (int i = 3; i >= 0; i--)
        if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
    return 0;
}

/* Whether w has at most 38 digits. */
static bool fits(const uint32_t *w) { return cmp_mag(w, pow10w[DIGITS]) < 0; }

/* w = w * m + add; false (w unchanged) when that needs more than 128 bits. */
static bool mul_add(uint32_t *w, uint32_t m, uint32_t add) {
    uint32_t r[4];
    uint64_t carry = add;
    for (int i = 0; i < 4; i++) {
        uint64_t t = (uint64_t)w[i] * m + carry;
        r[i] = (uint32_t)t;
        carry = t >> 32;
    }
    if (carry) return false;
    memcpy(w, r, sizeof r);
    return true;
}

/* w /= d (d > 0); returns the remainder. */
static uint32_t div_small(uint32_t *w, uint32_t d) {
    uint64_t rem = 0;
    for (int i = 3; i >= 0; i--) {
        uint64_t cur = rem << 32 | w[i];
        w[i] = (uint32_t)(cur / d);
        rem = cur % d;
    }
    return (uint32_t)rem;
}

/* w *= 10^k (k >= 0); false when that needs more than 128 bits.  A nonzero w
 * overflows within five steps, so any k ends quickly. */
static bool mul_pow10(uint32_t *w, int64_t k) {
    if (is_zero(w)) return true;
    for (; k > 0; k -= 9)
        if (!mul_add(w, pow10u32[k > 9 ? 9 : k], 0)) return false;
    return true;
}

/* w = w / 10^k rounded half-even (k >= 0). */
static void div_pow10_round(uint32_t *w, int64_t k) {
    if (k <= 0) return;
    /* Every 128-bit number is below half of 10^39. */
    if (k > DIGITS) {
        memset(w, 0, 4 * sizeof *w);
        return;
    }
    bool sticky = false;
    for (int64_t j = k - 1; j > 0; j -= 9)
        if (div_small(w, pow10u32[j > 9 ? 9 : j])) sticky = true;
    uint32_t r = div_small(w, 10);
    if (r > 5 || (r == 5 && (sticky || (w[0] & 1)))) mul_add(w, 1, 1);
}

static int ndigits(const uint32_t *w) {
    int n = 1;
    while (n <= DIGITS && cmp_mag(w, pow10w[n]) >= 0) n++;
    return n;
}

/* The decimal digits of w, most significant first and NUL-terminated (at
 * most 39 and the NUL); returns how many. */
static int to_digits(const uint32_t *w, char *out) {
    uint32_t t[4];
    char rev[48];
    int n = 0;
    memcpy(t, w, sizeof t);
    do {
        uint32_t r = div_small(t, pow10u32[9]);
        for (int i = 0; i < 9; i++, r /= 10) rev[n++] = (char)('0' + r % 10);
    } while (!is_zero(t));
    while (n > 1 && rev[n - 1] == '0') n--;
    for (int i = 0; i < n; i++) out[i] = rev[n - 1 - i];
    out[n] = '\0';
    return n;
}

static void set_u64(uint32_t *w, uint64_t m) {
    w[0] = (uint32_t)m;
    w[1] = (uint32_t)(m >> 32);
    w[2] = w[3] = 0;
}

/* ---- Parsing -------------------------------------------------------------- */

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

/* Python's Decimal() syntax: [-+]digits[.digits][e[-+]digits], surrounding
 * whitespace allowed.  `round`: digits past what fits (38 significant, 38
 * places) are rounded away half-even instead of refused; an integer part of
 * more than 38 digits is refused either way. */
static int parse(const char *s, size_t len, bool round, dorm_decimal *out) {
    if (!s) return DORM_EVALUE;
    const char *p = s, *end = s + len;
    while (p < end && is_space(*p)) p++;
    while (end > p && is_space(end[-1])) end--;
    bool neg = false;
    if (p < end && (*p == '+' || *p == '-')) neg = *p++ == '-';
    const char *digits = p;
    while (p < end && dorm_is_digit(*p)) p++;
    const char *point = NULL;
    if (p < end && *p == '.') {
        point = p++;
        while (p < end && dorm_is_digit(*p)) p++;
    }
    const char *digits_end = p;
    if (digits_end - digits - (point != NULL) < 1) return DORM_EVALUE;
    int64_t exp = 0;
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        bool eneg = false;
        if (p < end && (*p == '+' || *p == '-')) eneg = *p++ == '-';
        if (p == end || !dorm_is_digit(*p)) return DORM_EVALUE;
        /* Saturate: any exponent this large overflows or rounds away anyway. */
        for (; p < end && dorm_is_digit(*p); p++)
            if (exp < 1000000) exp = exp * 10 + (*p - '0');
        if (eneg) exp = -exp;
    }
    if (p != end) return DORM_EVALUE;

    /* The significant digits (leading zeros skipped) and the scale of the
     * number they make. */
    const char *first = digits;
    while (first < digits_end && (*first == '0' || *first == '.')) first++;
    int64_t nsig = digits_end - first - (point && point > first);
    int64_t scale = (point ? digits_end - point - 1 : 0) - exp;
    /* Keep as many digits as fit 38 digits and 38 places; dropping digits
     * before the point would change the number's size. */
    int64_t drop = 0;
    if (scale > MAX_SCALE) drop = scale - MAX_SCALE;
    if (nsig - drop > DIGITS) drop = nsig - DIGITS;
    if (drop > 0 && drop > scale) return DORM_EDATA;

    uint32_t w[4] = {0, 0, 0, 0};
    int64_t i = 0, keep = nsig - drop;
    int rdigit = 0;
    bool sticky = false;
    for (const char *q = first; q < digits_end; q++) {
        if (q == point) continue;
        if (i < keep)
            mul_add(w, 10, (uint32_t)(*q - '0'));
        else if (i == keep)
            rdigit = *q - '0';
        else if (*q != '0')
            sticky = true;
        i++;
    }
    /* All digits dropped and more: the first dropped one is below them. */
    if (keep < 0) {
        sticky = sticky || rdigit;
        rdigit = 0;
    }
    /* Trailing zeros go without a trace; other digits only when rounding. */
    if (!round && (rdigit || sticky)) return DORM_EDATA;
    scale -= drop;
    if (rdigit > 5 || (rdigit == 5 && (sticky || (w[0] & 1)))) {
        mul_add(w, 1, 1);
        if (!fits(w)) {
            if (scale == 0) return DORM_EDATA;
            div_small(w, 10);
            scale--;
        }
    }
    if (scale < 0) {
        if (!mul_pow10(w, -scale) || !fits(w)) return DORM_EDATA;
        scale = 0;
    }
    memcpy(out->coef, w, sizeof w);
    out->scale = (int32_t)scale;
    out->neg = neg && !is_zero(w);
    return 0;
}

int dorm_decimal_parse(const char *s, size_t len, dorm_decimal *out) { return parse(s, len, false, out); }

int dorm_decimal__read(const char *s, size_t len, dorm_decimal *out) { return parse(s, len, true, out); }

/* ---- Formatting ------------------------------------------------------------ */

/* Fixed-point widths that always fit DORM_FMT_MAX; wider scales are written
 * in Python's exponent form ("123E-50"), which dorm_decimal_parse reads. */
#define FMT_MAX_FRAC 40
#define FMT_MAX_ZEROS 20

size_t dorm_decimal_format(dorm_decimal d, char *buf) {
    char digits[48];
    int nd = to_digits(d.coef, digits);
    bool zero = is_zero(d.coef);
    char *o = buf;
    if (d.neg && !zero) *o++ = '-';
    if (d.scale < -FMT_MAX_ZEROS || d.scale > FMT_MAX_FRAC) {
        o += snprintf(o, DORM_FMT_MAX - (size_t)(o - buf), "%sE%+lld", digits, -(long long)d.scale);
        return (size_t)(o - buf);
    }
    if (d.scale <= 0) {
        for (int i = 0; i < nd; i++) *o++ = digits[i];
        for (int i = 0; !zero && i < -d.scale; i++) *o++ = '0';
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

/* ---- Comparing and rounding ---------------------------------------------- */

/* Compares x*10^-sx with y*10^-sy, x nonzero: the one with fewer fraction
 * digits is scaled up; past 128 bits it is the larger. */
static int cmp_scaled(const uint32_t *x, int64_t sx, const uint32_t *y, int64_t sy) {
    if (sx > sy) return -cmp_scaled(y, sy, x, sx);
    uint32_t t[4];
    memcpy(t, x, sizeof t);
    if (!mul_pow10(t, sy - sx)) return 1;
    return cmp_mag(t, y);
}

static int sign_of(const dorm_decimal *d) { return is_zero(d->coef) ? 0 : d->neg ? -1 : 1; }

int dorm_decimal_cmp(dorm_decimal a, dorm_decimal b) {
    int sa = sign_of(&a), sb = sign_of(&b);
    if (sa != sb) return sa < sb ? -1 : 1;
    if (sa == 0) return 0;
    int c = cmp_scaled(a.coef, a.scale, b.coef, b.scale);
    return sa > 0 ? c : -c;
}

int dorm_decimal_rescale(dorm_decimal d, int scale, dorm_decimal *out) {
    if (scale < 0) return DORM_EVALUE;
    if (scale > MAX_SCALE) return DORM_EDATA;
    uint32_t w[4];
    memcpy(w, d.coef, sizeof w);
    if (scale >= d.scale) {
        if (!mul_pow10(w, (int64_t)scale - d.scale)) return DORM_EDATA;
    } else {
        div_pow10_round(w, (int64_t)d.scale - scale);
    }
    if (!fits(w)) return DORM_EDATA;
    memcpy(out->coef, w, sizeof w);
    out->scale = scale;
    out->neg = d.neg && !is_zero(w);
    return 0;
}

/* django.core.validators.DecimalValidator on Decimal.as_tuple(): the digit
 * tuple is the coefficient's digits ((0,) for zero), the exponent -scale. */
void dorm_decimal_digits(dorm_decimal d, int *whole, int *frac) {
    int64_t nd = ndigits(d.coef);
    int64_t exp = -(int64_t)d.scale, digits, decimals;
    if (exp >= 0) {
        digits = nd + (is_zero(d.coef) ? 0 : exp);
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

/* ---- Doubles --------------------------------------------------------------- */

double dorm_decimal_to_double(dorm_decimal d) {
    static const double pow10d[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                      1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    double r;
    /* Exact operands, one rounding: the nearest double (Clinger's fast path). */
    if (!d.coef[3] && !d.coef[2] && d.coef[1] < (UINT32_C(1) << 21) && d.scale >= -22 && d.scale <= 22) {
        double m = (double)(((uint64_t)d.coef[1] << 32) | d.coef[0]);
        r = d.scale >= 0 ? m / pow10d[d.scale] : m * pow10d[-d.scale];
    } else {
        /* No decimal point in the text, so strtod's locale cannot misread it. */
        char text[DORM_FMT_MAX];
        int n = to_digits(d.coef, text);
        snprintf(text + n, sizeof text - (size_t)n, "E%lld", -(long long)d.scale);
        r = strtod(text, NULL);
    }
    return d.neg ? -r : r;
}

/* Django's SQLite converter: Context(prec=15).create_decimal_from_float(f).
 * The exact binary value of f when it has at most 15 significant digits
 * (0.5, 20.0), else rounded half-even to 15: "%.14e" rounds the exact
 * binary value so. */
int dorm_decimal__from_real(double f, dorm_decimal *out) {
    if (isnan(f)) return DORM_EVALUE;
    if (isinf(f)) return DORM_EDATA;
    bool neg = f < 0;
    if (neg) f = -f;
    uint32_t w[4] = {0, 0, 0, 0};
    int64_t scale = 0;
    if (f != 0) {
        int e;
        uint64_t m = (uint64_t)ldexp(frexp(f, &e), 53);
        e -= 53;
        while (!(m & 1)) m >>= 1, e++;
        /* f = m * 2^e = m * 5^-e / 10^-e: exact when that has 15 digits. */
        set_u64(w, m);
        bool exact = true;
        for (int k = 0; exact && k < e; k++) exact = mul_add(w, 2, 0) && cmp_mag(w, pow10w[15]) < 0;
        for (int k = 0; exact && k < -e; k++) exact = mul_add(w, 5, 0) && cmp_mag(w, pow10w[15]) < 0;
        exact = exact && cmp_mag(w, pow10w[15]) < 0;
        if (exact) {
            scale = e < 0 ? -e : 0;
        } else {
            char text[48];
            snprintf(text, sizeof text, "%.14e", f);
            uint64_t c = 0;
            const char *p = text;
            /* Digits up to the exponent; whatever the locale uses as the
             * point is skipped. */
            for (; *p && *p != 'e'; p++)
                if (dorm_is_digit(*p)) c = c * 10 + (uint64_t)(*p - '0');
            if (*p != 'e') return DORM_EVALUE;
            set_u64(w, c);
            scale = 14 - strtol(p + 1, NULL, 10);
        }
    }
    dorm_decimal d = {{w[0], w[1], w[2], w[3]}, 0, neg};
    if (scale < 0) {
        if (!mul_pow10(d.coef, -scale) || !fits(d.coef)) return DORM_EDATA;
        scale = 0;
    }
    d.scale = (int32_t)scale;
    /* A REAL far below 10^-38 keeps what 38 places hold of it. */
    if (scale > MAX_SCALE) return dorm_decimal_rescale(d, MAX_SCALE, out);
    d.neg = neg && !is_zero(d.coef);
    *out = d;
    return 0;
}

/* Django's SQLite converter of a column: the value above quantized to the
 * field's places, both rounding half-even.  Rounding f straight to `scale`
 * places would differ on values like 2.675 (2.67499999... as a double, 2.68
 * in Django). */
int dorm_decimal_from_double(double f, int scale, dorm_decimal *out) {
    if (scale < 0) return DORM_EVALUE;
    dorm_decimal d;
    int rc = dorm_decimal__from_real(f, &d);
    return rc ? rc : dorm_decimal_rescale(d, scale, out);
}
