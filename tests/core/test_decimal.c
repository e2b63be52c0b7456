/* test_decimal.c - exact decimals of 38 digits: parsing what Python's
 * Decimal reads, formatting, comparison, half-even rounding, Django's digit
 * counts, the double conversions and the reading of wider values a database
 * computed.  Expected values come from Python's decimal module. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "core/decimal.h"
#include "dorm/error.h"
#include "dorm/value.h"

static dorm_decimal dec(const char *s) {
    dorm_decimal d = DORM_DEC(0, 0);
    cr_assert_eq(dorm_decimal_parse(s, strlen(s), &d), 0, "parse %s", s);
    return d;
}

/* The decimal as text, in a buffer of its own per call site's use. */
static const char *text(dorm_decimal d) {
    static char buf[4][DORM_FMT_MAX];
    static int next;
    char *b = buf[next++ % 4];
    dorm_decimal_format(d, b);
    return b;
}

static bool same(dorm_decimal a, dorm_decimal b) {
    return memcmp(a.coef, b.coef, sizeof a.coef) == 0 && a.scale == b.scale && a.neg == b.neg;
}

/* Text, its value printed in fixed point by Python, and the scale. */
static const struct {
    const char *s;
    const char *value;
    int scale;
} parse_table[] = {
    {"0", "0", 0},
    {"12", "12", 0},
    {"-0.50", "-0.50", 2},
    {"0.05", "0.05", 2},
    {"+1.5", "1.5", 1},
    {"1.5E+3", "1500", 0},
    {"1e3", "1000", 0},
    {".5", "0.5", 1},
    {"5.", "5", 0},
    {"-.25", "-0.25", 2},
    {"1E-2", "0.01", 2},
    {"123456789012345678", "123456789012345678", 0},
    {"-999999999999999999", "-999999999999999999", 0},
    {"0.000000000000000001", "0.000000000000000001", 18},
    {"00012.3400", "12.3400", 4},
    {" 7.25 ", "7.25", 2},
    {"1.50", "1.50", 2},
    {"0.00", "0.00", 2},
    {"-0", "0", 0},
    {"1.5e-3", "0.0015", 4},
    {"12E0", "12", 0},
    {"4.2e+1", "42", 0},
    {"0000000000000000000000001", "1", 0},
    {"99999999999999999999999999999999999999", "99999999999999999999999999999999999999", 0},
    {"-12345678901234567890.123456789012345678", "-12345678901234567890.123456789012345678", 18},
    {"0.00000000000000000000000000000000000001", "0.00000000000000000000000000000000000001", 38},
    {"1e37", "10000000000000000000000000000000000000", 0},
    {"123456789012345678901234567890123456.78", "123456789012345678901234567890123456.78", 2},
    {"-0.0000000000000000000000000000000000005", "-0.0000000000000000000000000000000000005", 37},
};

Test(decimal, parse_matches_python) {
    for (size_t i = 0; i < sizeof parse_table / sizeof parse_table[0]; i++) {
        dorm_decimal d = dec(parse_table[i].s);
        cr_assert_str_eq(text(d), parse_table[i].value, "%s", parse_table[i].s);
        cr_assert_eq(d.scale, parse_table[i].scale, "%s", parse_table[i].s);
    }
    /* No negative zero, and the coefficient's limbs. */
    cr_assert_not(dec("-0.00").neg);
    dorm_decimal max = dec("99999999999999999999999999999999999999");
    cr_assert(max.coef[0] == 0xffffffff && max.coef[1] == 0x098a223f && max.coef[2] == 0x5a86c47a);
    cr_assert(max.coef[3] == 0x4b3b4ca8 && max.scale == 0 && !max.neg);
}

Test(decimal, parse_rejects) {
    static const char *garbage[] = {"",
                                    " ",
                                    "-",
                                    "+",
                                    ".",
                                    "-.",
                                    "1.2.3",
                                    "1,5",
                                    "abc",
                                    "1e",
                                    "1e+",
                                    "e5",
                                    "1 2",
                                    "--1",
                                    "0x10",
                                    "NaN",
                                    "Infinity",
                                    "12a",
                                    "1234567890123456789x"};
    dorm_decimal d = DORM_DEC(7, 7);
    for (size_t i = 0; i < sizeof garbage / sizeof garbage[0]; i++)
        cr_assert_eq(dorm_decimal_parse(garbage[i], strlen(garbage[i]), &d), DORM_EVALUE, "%s", garbage[i]);
    /* Exact or refused: 39 digits, 10^38, a nonzero digit past 38 places. */
    static const char *too_big[] = {"100000000000000000000000000000000000000",
                                    "-1e38",
                                    "1e-39",
                                    "0.000000000000000000000000000000000000001",
                                    "1.00000000000000000000000000000000000001",
                                    "9999999999999999999999999999999999999.99",
                                    "340282366920938463463374607431768211456",
                                    "1e1000000000"};
    for (size_t i = 0; i < sizeof too_big / sizeof too_big[0]; i++)
        cr_assert_eq(dorm_decimal_parse(too_big[i], strlen(too_big[i]), &d), DORM_EDATA, "%s", too_big[i]);
    cr_assert(same(d, (dorm_decimal)DORM_DEC(7, 7)), "output untouched on failure");
    cr_assert_eq(dorm_decimal_parse(NULL, 0, &d), DORM_EVALUE);
    /* Zeros past 38 places are dropped, not refused: the value is exact. */
    cr_assert_eq(dorm_decimal_parse("0E-50", 5, &d), 0);
    cr_assert(d.scale == 38 && !d.coef[0]);
    cr_assert_eq(dorm_decimal_parse("1e-1000000000", 13, &d), DORM_EDATA);
    /* The length bounds the text. */
    cr_assert_eq(dorm_decimal_parse("12.5xyz", 4, &d), 0);
    cr_assert_str_eq(text(d), "12.5");
}

/* What a database gives back may be wider: rounded to 38 significant digits
 * and 38 places (Python: Context(prec=38).create_decimal, quantized). */
static const struct {
    const char *s;
    const char *value;
    int scale;
} read_table[] = {
    {"1.00000000000000000000000000000000000005", "1.0000000000000000000000000000000000000", 37},
    {"1.00000000000000000000000000000000000015", "1.0000000000000000000000000000000000002", 37},
    {"0.1234567890123456789012345678901234567890123456789", "0.12345678901234567890123456789012345679", 38},
    {"9999999999999999999999999999999999999.95", "10000000000000000000000000000000000000", 0},
    {"1e-45", "0.00000000000000000000000000000000000000", 38},
    {"18.33333333333333333333333333333333333333333333", "18.333333333333333333333333333333333333", 36},
    {"0E-50", "0.00000000000000000000000000000000000000", 38},
    {"-0.000000000000000000000000000000000000005", "0.00000000000000000000000000000000000000", 38},
    {"1.000000000000000000000000000000000000000000", "1.0000000000000000000000000000000000000", 37},
    {"12345678901234567890123456789012345678.4", "12345678901234567890123456789012345678", 0},
};

Test(decimal, read_rounds_what_does_not_fit) {
    for (size_t i = 0; i < sizeof read_table / sizeof read_table[0]; i++) {
        dorm_decimal d = DORM_DEC(0, 0);
        cr_assert_eq(dorm_decimal__read(read_table[i].s, strlen(read_table[i].s), &d), 0, "%s", read_table[i].s);
        cr_assert_str_eq(text(d), read_table[i].value, "%s", read_table[i].s);
        cr_assert_eq(d.scale, read_table[i].scale, "%s", read_table[i].s);
    }
    dorm_decimal d = DORM_DEC(7, 7);
    /* More than 38 digits before the point cannot be rounded away. */
    cr_assert_eq(dorm_decimal__read("123456789012345678901234567890123456789", 39, &d), DORM_EDATA);
    cr_assert_eq(dorm_decimal__read("99999999999999999999999999999999999999.5", 40, &d), DORM_EDATA);
    cr_assert_eq(dorm_decimal__read("1e38", 4, &d), DORM_EDATA);
    cr_assert_eq(dorm_decimal__read("NaN", 3, &d), DORM_EVALUE);
    cr_assert(same(d, (dorm_decimal)DORM_DEC(7, 7)));
}

Test(decimal, format) {
    char buf[DORM_FMT_MAX];
    static const struct {
        dorm_decimal d;
        const char *s;
    } cases[] = {
        {DORM_DEC(-50, 2), "-0.50"},
        {DORM_DEC(12, 0), "12"},
        {DORM_DEC(5, 2), "0.05"},
        {DORM_DEC(0, 0), "0"},
        {DORM_DEC(0, 3), "0.000"},
        {DORM_DEC(123456, 3), "123.456"},
        {DORM_DEC(-1, 18), "-0.000000000000000001"},
        {DORM_DEC(INT64_C(999999999999999999), 0), "999999999999999999"},
        {DORM_DEC(INT64_C(-999999999999999999), 9), "-999999999.999999999"},
        {DORM_DEC(15, -2), "1500"},
        {DORM_DEC(INT64_MIN, 0), "-9223372036854775808"},
        {DORM_DEC(INT64_MAX, 19), "0.9223372036854775807"},
        {DORM_DEC(123, 50), "123E-50"},
        {DORM_DEC(-123, -21), "-123E+21"},
        {{{0, 0, 0, 0}, 2, true}, "0.00"},
        {{{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, 0, false}, "340282366920938463463374607431768211455"},
        {{{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, 39, true}, "-0.340282366920938463463374607431768211455"},
        {{{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, INT32_MIN, true},
         "-340282366920938463463374607431768211455E+2147483648"},
        {{{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, -20, true},
         "-34028236692093846346337460743176821145500000000000000000000"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = dorm_decimal_format(cases[i].d, buf);
        cr_assert_str_eq(buf, cases[i].s);
        cr_assert_eq(n, strlen(cases[i].s));
        cr_assert_lt(n, DORM_FMT_MAX);
    }
    for (size_t i = 0; i < sizeof parse_table / sizeof parse_table[0]; i++) {
        dorm_decimal d = dec(parse_table[i].s);
        cr_assert(same(dec(text(d)), d), "round trip %s", text(d));
    }
}

Test(decimal, constructors) {
    static const dorm_value v = DORM_VDECIMAL(-150, 2);
    cr_assert_str_eq(text(v.u.dec), "-1.50");
    cr_assert(same(dorm_decimal_from_int(-150, 2), v.u.dec));
    cr_assert_str_eq(text(dorm_decimal_from_int(INT64_MIN, 2)), "-92233720368547758.08");
    cr_assert_not(dorm_decimal_from_int(0, 2).neg);
}

Test(decimal, cmp_different_scales) {
    cr_assert_eq(dorm_decimal_cmp(dec("1.5"), dec("1.50")), 0);
    cr_assert_lt(dorm_decimal_cmp(dec("1.49"), dec("1.5")), 0);
    cr_assert_gt(dorm_decimal_cmp(dec("1.5"), dec("1.49999999999999999")), 0);
    cr_assert_lt(dorm_decimal_cmp(dec("-1.5"), dec("-1.49")), 0);
    cr_assert_gt(dorm_decimal_cmp(dec("-0.000000000000000001"), dec("-1")), 0);
    cr_assert_lt(dorm_decimal_cmp(dec("-0.000000000000000001"), dec("0")), 0);
    cr_assert_eq(dorm_decimal_cmp(dec("0"), dec("0.000")), 0);
    cr_assert_eq(dorm_decimal_cmp(dec("0"), dec("-0.0")), 0);
    cr_assert_eq(dorm_decimal_cmp(dec("0"), (dorm_decimal){{0, 0, 0, 0}, 5, true}), 0, "-0 is 0");
    /* Rescaling the 38-digit value by 10^38 would overflow 128 bits. */
    cr_assert_gt(dorm_decimal_cmp(dec("99999999999999999999999999999999999999"),
                                  dec("0.99999999999999999999999999999999999999")),
                 0);
    cr_assert_lt(dorm_decimal_cmp(dec("0.99999999999999999999999999999999999999"),
                                  dec("99999999999999999999999999999999999999")),
                 0);
    cr_assert_lt(
        dorm_decimal_cmp(dec("12345678901234567890123456789012345678"), dec("12345678901234567890123456789012345679")),
        0);
    cr_assert_gt(dorm_decimal_cmp(dec("-1234567890123456789012345678901234567.7"),
                                  dec("-1234567890123456789012345678901234567.8")),
                 0);
    cr_assert_eq(dorm_decimal_cmp(dec("1"), dec("1.0000000000000000000000000000000000000")), 0);
    cr_assert_lt(dorm_decimal_cmp(dec("1"), dec("1.0000000000000000000000000000000000001")), 0);
    cr_assert_eq(dorm_decimal_cmp((dorm_decimal)DORM_DEC(15, -2), dec("1500.00")), 0);
    cr_assert_gt(dorm_decimal_cmp((dorm_decimal)DORM_DEC(1, -40), dec("99999999999999999999999999999999999999")), 0);
    cr_assert_lt(dorm_decimal_cmp((dorm_decimal)DORM_DEC(1, 2000000000), (dorm_decimal)DORM_DEC(1, 1999999999)), 0);
    cr_assert_lt(dorm_decimal_cmp((dorm_decimal)DORM_DEC(1, INT32_MAX), (dorm_decimal)DORM_DEC(1, INT32_MIN)), 0);
    cr_assert_gt(dorm_decimal_cmp(dec("2"), dec("-3")), 0);
}

static dorm_decimal rescaled(const char *s, int scale) {
    dorm_decimal out = DORM_DEC(0, 0);
    cr_assert_eq(dorm_decimal_rescale(dec(s), scale, &out), 0, "rescale %s", s);
    cr_assert_eq(out.scale, scale);
    return out;
}

Test(decimal, rescale_half_even) {
    cr_assert_str_eq(text(rescaled("2.5", 0)), "2");
    cr_assert_str_eq(text(rescaled("3.5", 0)), "4");
    cr_assert_str_eq(text(rescaled("-2.5", 0)), "-2");
    cr_assert_str_eq(text(rescaled("-3.5", 0)), "-4");
    cr_assert_str_eq(text(rescaled("2.51", 0)), "3");
    cr_assert_str_eq(text(rescaled("2.4999", 0)), "2");
    cr_assert_str_eq(text(rescaled("0.125", 2)), "0.12");
    cr_assert_str_eq(text(rescaled("0.135", 2)), "0.14");
    cr_assert_str_eq(text(rescaled("-0.005", 2)), "0.00");
    cr_assert_not(rescaled("-0.005", 2).neg, "no negative zero");
    cr_assert_str_eq(text(rescaled("1.5", 3)), "1.500");
    cr_assert_str_eq(text(rescaled("0.000000000000000001", 0)), "0");
    cr_assert_str_eq(text(rescaled("0.5", 0)), "0");
    cr_assert_str_eq(text(rescaled("0.500000000000000001", 0)), "1");
    cr_assert_str_eq(text(rescaled("0.50000000000000000000000000000000000001", 0)), "1");
    cr_assert_str_eq(text(rescaled("0.50000000000000000000000000000000000000", 0)), "0");
    cr_assert_str_eq(text(rescaled("1", 37)), "1.0000000000000000000000000000000000000");
    /* The carry of rounding up reaches a new digit. */
    cr_assert_str_eq(text(rescaled("99999999999999999.5", 0)), "100000000000000000");
    cr_assert_str_eq(text(rescaled("-9.9999999999999999999999999999999999999", 36)),
                     "-10.000000000000000000000000000000000000");
    cr_assert_str_eq(text(rescaled("9999999999999999999999999999999999999.5", 0)),
                     "10000000000000000000000000000000000000");
    dorm_decimal out;
    cr_assert_eq(dorm_decimal_rescale((dorm_decimal)DORM_DEC(5, 25), 2, &out), 0);
    cr_assert_eq(dorm_decimal_rescale((dorm_decimal)DORM_DEC(5, 2000000000), 2, &out), 0);
    cr_assert_str_eq(text(out), "0.00");
}

Test(decimal, rescale_overflow) {
    dorm_decimal out = DORM_DEC(7, 7);
    cr_assert_eq(dorm_decimal_rescale(dec("1"), 38, &out), DORM_EDATA);
    cr_assert_eq(dorm_decimal_rescale(dec("1"), 39, &out), DORM_EDATA);
    cr_assert_eq(dorm_decimal_rescale(dec("12345678901234567890123456789.5"), 10, &out), DORM_EDATA);
    cr_assert_eq(dorm_decimal_rescale(dec("9999999999999999999999999999999999999.5"), 0, &out), 0);
    cr_assert_eq(dorm_decimal_rescale(dec("99999999999999999999999999999999999999"), 1, &out), DORM_EDATA);
    out = (dorm_decimal)DORM_DEC(7, 7);
    /* A hand-built coefficient of 39 digits does not fit either. */
    dorm_decimal wide = {{0, 0, 0, 0x80000000}, 0, false};
    cr_assert_eq(dorm_decimal_rescale(wide, 0, &out), DORM_EDATA);
    cr_assert_eq(dorm_decimal_rescale((dorm_decimal)DORM_DEC(1, -40), 0, &out), DORM_EDATA);
    cr_assert_eq(dorm_decimal_rescale((dorm_decimal)DORM_DEC(1, INT32_MIN), 0, &out), DORM_EDATA);
    cr_assert_eq(dorm_decimal_rescale(dec("1"), -1, &out), DORM_EVALUE);
    cr_assert(same(out, (dorm_decimal)DORM_DEC(7, 7)));
    cr_assert_eq(dorm_decimal_rescale(dec("0"), 38, &out), 0);
    cr_assert(out.scale == 38 && !out.coef[0]);
    /* Dividing the widest coefficient rounds it, as 39 digits would. */
    wide.scale = 1;
    cr_assert_eq(dorm_decimal_rescale(wide, 0, &out), 0);
    cr_assert_str_eq(text(out), "17014118346046923173168730371588410573");
}

/* Django's DecimalValidator: (whole digits, decimal places). */
Test(decimal, digits_like_django) {
    static const struct {
        const char *s;
        int whole, frac;
    } cases[] = {
        {"0.05", 0, 2},
        {"0", 1, 0},
        {"0.00", 0, 2},
        {"123.45", 3, 2},
        {"-123.45", 3, 2},
        {"1000", 4, 0},
        {"1E+3", 4, 0},
        {"0.1", 0, 1},
        {"10.0", 2, 1},
        {"100", 3, 0},
        {"0.0001234", 0, 7},
        {"12345678901234567890123456789012345678", 38, 0},
        {"1234567890123456789012345678901234567.8", 37, 1},
        {"0.00000000000000000000000000000000000001", 0, 38},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int whole = -1, frac = -1;
        dorm_decimal_digits(dec(cases[i].s), &whole, &frac);
        cr_assert_eq(whole, cases[i].whole, "%s", cases[i].s);
        cr_assert_eq(frac, cases[i].frac, "%s", cases[i].s);
    }
    int whole = -1;
    dorm_decimal_digits((dorm_decimal)DORM_DEC(15, -2), &whole, NULL);
    cr_assert_eq(whole, 4);
}

Test(decimal, to_double) {
    cr_assert_eq(dorm_decimal_to_double(dec("0.1")), 0.1);
    cr_assert_eq(dorm_decimal_to_double(dec("-2.675")), -2.675);
    cr_assert_eq(dorm_decimal_to_double(dec("0")), 0.0);
    cr_assert_eq(dorm_decimal_to_double(dec("123456789012345678")), 123456789012345678.0);
    cr_assert_eq(dorm_decimal_to_double(dec("0.123456789012345678")), 0.123456789012345678);
    cr_assert_eq(dorm_decimal_to_double(dec("0.000000000000000001")), 1e-18);
    cr_assert_eq(dorm_decimal_to_double(dec("12345678901234567890123456789012345678")),
                 12345678901234567890123456789012345678.0);
    cr_assert_eq(dorm_decimal_to_double(dec("-0.12345678901234567890123456789012345678")),
                 -0.12345678901234567890123456789012345678);
    cr_assert_eq(dorm_decimal_to_double((dorm_decimal)DORM_DEC(123, 50)), 123e-50);
    cr_assert_eq(dorm_decimal_to_double((dorm_decimal)DORM_DEC(7, -3)), 7000.0);
}

/* Python: Context(prec=15).create_decimal_from_float(f), Django's SQLite
 * converter of an expression (no quantizing). */
static const struct {
    double f;
    const char *value;
    int scale;
} real_table[] = {
    {18.333333333333332, "18.3333333333333", 13},
    {14.0575, "14.0575000000000", 13},
    {20.0, "20", 0},
    {0.5, "0.5", 1},
    {0.1, "0.100000000000000", 15},
    {1e+20, "100000000000000000000", 0},
    {1.152921504606847e+18, "1152921504606850000", 0},
    {1.23456789012346e+35, "123456789012346000000000000000000000", 0},
    {-2.5, "-2.5", 1},
    {123456789012345.6, "123456789012346", 0},
    {1e-20, "0.0000000000000000000100000000000000", 34},
    {1e-30, "0.00000000000000000000000000000100000000", 38},
    {5e-324, "0.00000000000000000000000000000000000000", 38},
    {55.0, "55", 0},
    {-0.25, "-0.25", 2},
    {1000000000000000.0, "1000000000000000", 0},
    {999999999999999.9, "1000000000000000", 0},
    {0.3333333333333333, "0.333333333333333", 15},
    {2.675, "2.67500000000000", 14},
};

Test(decimal, from_real_like_django) {
    for (size_t i = 0; i < sizeof real_table / sizeof real_table[0]; i++) {
        dorm_decimal d = DORM_DEC(0, 0);
        cr_assert_eq(dorm_decimal__from_real(real_table[i].f, &d), 0, "%.17g", real_table[i].f);
        cr_assert_str_eq(text(d), real_table[i].value, "%.17g", real_table[i].f);
        cr_assert_eq(d.scale, real_table[i].scale, "%.17g", real_table[i].f);
    }
    dorm_decimal d = DORM_DEC(7, 7);
    cr_assert_eq(dorm_decimal__from_real(NAN, &d), DORM_EVALUE);
    cr_assert_eq(dorm_decimal__from_real(-INFINITY, &d), DORM_EDATA);
    cr_assert_eq(dorm_decimal__from_real(1e38, &d), DORM_EDATA);
    cr_assert_eq(dorm_decimal__from_real(-1e300, &d), DORM_EDATA);
    cr_assert(same(d, (dorm_decimal)DORM_DEC(7, 7)));
    cr_assert_eq(dorm_decimal__from_real(-0.0, &d), 0);
    cr_assert(!d.neg && d.scale == 0);
}

/* Python: Context(prec=15).create_decimal_from_float(f).quantize(10^-scale),
 * Django's converter for decimal columns read back from SQLite REALs. */
static const struct {
    double f;
    int scale;
    const char *text;
} double_table[] = {
    {2.675, 2, "2.68"},
    {0.125, 2, "0.12"},
    {1.005, 2, "1.00"},
    {0.30000000000000004, 2, "0.30"},
    {0.3333333333333333, 1, "0.3"},
    {-2.675, 2, "-2.68"},
    {123.456, 2, "123.46"},
    {1e-10, 1, "0.0"},
    {0.5, 0, "0"},
    {1.5, 0, "2"},
    {2.5, 0, "2"},
    {-2.5, 0, "-2"},
    {99999.995, 2, "100000.00"},
    {12345678.125, 0, "12345678"},
    {0.0, 2, "0.00"},
    {-524070.7458, 6, "-524070.745800"},
    {-260089.6669, 2, "-260089.67"},
    {251441.0000251441, 6, "251441.000025"},
    {-973664.01689, 4, "-973664.0169"},
    {-481292.0, 2, "-481292.00"},
    {991289.6710991289, 2, "991289.67"},
    {672922.903, 6, "672922.903000"},
    {278136.3, 3, "278136.300"},
    {269721.3165969722, 0, "269721"},
    {-220127.0000220127, 6, "-220127.000022"},
    {554469.400055447, 6, "554469.400055"},
    {-914421.941321, 0, "-914422"},
    {647141.02, 4, "647141.0200"},
    {189499.0310189499, 5, "189499.03102"},
    {576217.71, 5, "576217.71000"},
    {456251.9461, 1, "456251.9"},
    {928187.5, 2, "928187.50"},
    {-805091.4, 4, "-805091.4000"},
    {-566026.11753, 1, "-566026.1"},
    {557945.171396, 5, "557945.17140"},
    {-157702.974867, 6, "-157702.974867"},
    {148045.47061480454, 2, "148045.47"},
    {-184848.3, 1, "-184848.3"},
    {363964.0, 2, "363964.00"},
    {981979.289838198, 1, "981979.3"},
    {-673800.756058, 5, "-673800.75606"},
    {929265.8946929266, 3, "929265.895"},
    {-791848.38066, 5, "-791848.38066"},
    {265951.8098, 5, "265951.80980"},
    {-430085.0, 0, "-430085"},
    {707884.977, 0, "707885"},
    {-311840.0, 4, "-311840.0000"},
    {794192.0, 2, "794192.00"},
    {-145716.477, 2, "-145716.48"},
    {-911619.8777, 5, "-911619.87770"},
    {-244390.4621, 6, "-244390.462100"},
    {101702.8800101703, 1, "101702.9"},
    {-528097.0, 3, "-528097.000"},
    {-985535.0000985535, 6, "-985535.000099"},
    {71156.3, 6, "71156.300000"},
    {-416775.2, 1, "-416775.2"},
    {379466.146863, 0, "379466"},
    {-372339.0, 2, "-372339.00"},
    {-246497.56463264974, 5, "-246497.56463"},
    {-227614.1100767614, 5, "-227614.11008"},
    {361942.0000361942, 1, "361942.0"},
    {945766.6866025766, 4, "945766.6866"},
    {-457398.73605573986, 3, "-457398.736"},
    {431242.77, 2, "431242.77"},
    {955594.6329, 1, "955594.6"},
    {96861.0, 6, "96861.000000"},
    {974911.86, 0, "974912"},
    {-246966.8744246967, 0, "-246967"},
    {-733463.1673233464, 4, "-733463.1673"},
    {-335098.32003350987, 1, "-335098.3"},
    {834677.1948834677, 2, "834677.19"},
    {-442151.178, 6, "-442151.178000"},
    {178753.91335, 6, "178753.913350"},
    {926611.1600926612, 6, "926611.160093"},
    {-87375.74070873758, 4, "-87375.7407"},
};

Test(decimal, from_double_like_django) {
    for (size_t i = 0; i < sizeof double_table / sizeof double_table[0]; i++) {
        dorm_decimal d = DORM_DEC(0, 0);
        cr_assert_eq(dorm_decimal_from_double(double_table[i].f, double_table[i].scale, &d), 0);
        cr_assert_str_eq(text(d), double_table[i].text, "%.17g", double_table[i].f);
        cr_assert_eq(d.scale, double_table[i].scale);
    }
}

Test(decimal, from_double_rejects) {
    dorm_decimal d = DORM_DEC(7, 7);
    cr_assert_eq(dorm_decimal_from_double(NAN, 2, &d), DORM_EVALUE);
    cr_assert_eq(dorm_decimal_from_double(INFINITY, 2, &d), DORM_EDATA);
    cr_assert_eq(dorm_decimal_from_double(1e300, 2, &d), DORM_EDATA);
    cr_assert_eq(dorm_decimal_from_double(1e37, 2, &d), DORM_EDATA);
    cr_assert_eq(dorm_decimal_from_double(1.0, -1, &d), DORM_EVALUE);
    cr_assert_eq(dorm_decimal_from_double(1.0, 39, &d), DORM_EDATA);
    cr_assert(same(d, (dorm_decimal)DORM_DEC(7, 7)));
    cr_assert_eq(dorm_decimal_from_double(1e17, 2, &d), 0);
    cr_assert_str_eq(text(d), "100000000000000000.00");
    cr_assert_eq(dorm_decimal_from_double(1e-300, 38, &d), 0);
    cr_assert(!d.coef[0] && d.scale == 38);
}
