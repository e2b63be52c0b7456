/* test_decimal.c - exact decimals: parsing what Python's Decimal reads,
 * formatting, comparison, half-even rounding, Django's digit counts and the
 * double conversions.  Expected values come from Python's decimal module. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "dorm/error.h"
#include "dorm/value.h"

static dorm_decimal dec(const char *s) {
    dorm_decimal d = {0, 0};
    cr_assert_eq(dorm_decimal_parse(s, strlen(s), &d), 0, "parse %s", s);
    return d;
}

static const struct {
    const char *s;
    int64_t coef;
    int scale;
} parse_table[] = {
    {"0", INT64_C(0), 0},
    {"12", INT64_C(12), 0},
    {"-0.50", INT64_C(-50), 2},
    {"0.05", INT64_C(5), 2},
    {"+1.5", INT64_C(15), 1},
    {"1.5E+3", INT64_C(1500), 0},
    {"1e3", INT64_C(1000), 0},
    {".5", INT64_C(5), 1},
    {"5.", INT64_C(5), 0},
    {"-.25", INT64_C(-25), 2},
    {"1E-2", INT64_C(1), 2},
    {"123456789012345678", INT64_C(123456789012345678), 0},
    {"-999999999999999999", INT64_C(-999999999999999999), 0},
    {"0.000000000000000001", INT64_C(1), 18},
    {"00012.3400", INT64_C(123400), 4},
    {" 7.25 ", INT64_C(725), 2},
    {"1.50", INT64_C(150), 2},
    {"0.00", INT64_C(0), 2},
    {"-0", INT64_C(0), 0},
    {"1.5e-3", INT64_C(15), 4},
    {"12E0", INT64_C(12), 0},
    {"4.2e+1", INT64_C(42), 0},
    {"0000000000000000000000001", INT64_C(1), 0},
};

Test(decimal, parse_matches_python) {
    for (size_t i = 0; i < sizeof parse_table / sizeof parse_table[0]; i++) {
        dorm_decimal d = dec(parse_table[i].s);
        cr_assert_eq(d.coef, parse_table[i].coef, "%s", parse_table[i].s);
        cr_assert_eq(d.scale, parse_table[i].scale, "%s", parse_table[i].s);
    }
}

Test(decimal, parse_rejects) {
    static const char *garbage[] = {"", " ", "-", "+", ".", "-.", "1.2.3", "1,5", "abc", "1e", "1e+", "e5",
                                    "1 2", "--1", "0x10", "NaN", "Infinity", "12a", "1234567890123456789x"};
    dorm_decimal d = {7, 7};
    for (size_t i = 0; i < sizeof garbage / sizeof garbage[0]; i++)
        cr_assert_eq(dorm_decimal_parse(garbage[i], strlen(garbage[i]), &d), DORM_EVALUE, "%s", garbage[i]);
    static const char *too_big[] = {"1234567890123456789", "-1000000000000000000", "1.000000000000000000",
                                    "1e18", "0.0000000000000000001", "99999999999999999.99"};
    for (size_t i = 0; i < sizeof too_big / sizeof too_big[0]; i++)
        cr_assert_eq(dorm_decimal_parse(too_big[i], strlen(too_big[i]), &d), DORM_EDATA, "%s", too_big[i]);
    cr_assert(d.coef == 7 && d.scale == 7, "output untouched on failure");
    cr_assert_eq(dorm_decimal_parse(NULL, 0, &d), DORM_EVALUE);
    /* 18 digits is the limit, not 17. */
    cr_assert_eq(dorm_decimal_parse("999999999999999999", 18, &d), 0);
    cr_assert_eq(dorm_decimal_parse("1e17", 4, &d), 0);
    cr_assert_eq(d.coef, INT64_C(100000000000000000));
    /* The length bounds the text. */
    cr_assert_eq(dorm_decimal_parse("12.5xyz", 4, &d), 0);
    cr_assert(d.coef == 125 && d.scale == 1);
}

Test(decimal, format) {
    char buf[DORM_FMT_MAX];
    static const struct {
        dorm_decimal d;
        const char *s;
    } cases[] = {
        {{-50, 2}, "-0.50"},
        {{12, 0}, "12"},
        {{5, 2}, "0.05"},
        {{0, 0}, "0"},
        {{0, 3}, "0.000"},
        {{123456, 3}, "123.456"},
        {{-1, 18}, "-0.000000000000000001"},
        {{INT64_C(999999999999999999), 0}, "999999999999999999"},
        {{INT64_C(-999999999999999999), 9}, "-999999999.999999999"},
        {{15, -2}, "1500"},
        {{INT64_MIN, 0}, "-9223372036854775808"},
        {{123, 50}, "123E-50"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = dorm_decimal_format(cases[i].d, buf);
        cr_assert_str_eq(buf, cases[i].s);
        cr_assert_eq(n, strlen(cases[i].s));
    }
    for (size_t i = 0; i < sizeof parse_table / sizeof parse_table[0]; i++) {
        dorm_decimal d = dec(parse_table[i].s), back;
        dorm_decimal_format(d, buf);
        back = dec(buf);
        cr_assert(back.coef == d.coef && back.scale == d.scale, "round trip %s", buf);
    }
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
    /* Rescaling the 18-digit value by 10^18 would overflow int64. */
    cr_assert_gt(dorm_decimal_cmp(dec("999999999999999999"), dec("0.999999999999999999")), 0);
    cr_assert_lt(dorm_decimal_cmp(dec("0.999999999999999999"), dec("999999999999999999")), 0);
    cr_assert_eq(dorm_decimal_cmp((dorm_decimal){1, 0}, (dorm_decimal){INT64_C(1000000000000000000), 18}), 0);
    cr_assert_lt(dorm_decimal_cmp((dorm_decimal){1, 0}, (dorm_decimal){INT64_C(1000000000000000001), 18}), 0);
    cr_assert_eq(dorm_decimal_cmp((dorm_decimal){15, -2}, dec("1500.00")), 0);
    cr_assert_gt(dorm_decimal_cmp((dorm_decimal){1, -30}, dec("999999999999999999")), 0);
    cr_assert_lt(dorm_decimal_cmp((dorm_decimal){1, 2000000000}, (dorm_decimal){1, 1999999999}), 0);
    cr_assert_gt(dorm_decimal_cmp(dec("2"), dec("-3")), 0);
}

static dorm_decimal rescaled(const char *s, int scale) {
    dorm_decimal out = {0, 0};
    cr_assert_eq(dorm_decimal_rescale(dec(s), scale, &out), 0, "rescale %s", s);
    cr_assert_eq(out.scale, scale);
    return out;
}

Test(decimal, rescale_half_even) {
    cr_assert_eq(rescaled("2.5", 0).coef, 2);
    cr_assert_eq(rescaled("3.5", 0).coef, 4);
    cr_assert_eq(rescaled("-2.5", 0).coef, -2);
    cr_assert_eq(rescaled("-3.5", 0).coef, -4);
    cr_assert_eq(rescaled("2.51", 0).coef, 3);
    cr_assert_eq(rescaled("2.4999", 0).coef, 2);
    cr_assert_eq(rescaled("0.125", 2).coef, 12);
    cr_assert_eq(rescaled("0.135", 2).coef, 14);
    cr_assert_eq(rescaled("-0.005", 2).coef, 0);
    cr_assert_eq(rescaled("1.5", 3).coef, 1500);
    cr_assert_eq(rescaled("0.000000000000000001", 0).coef, 0);
    cr_assert_eq(rescaled("0.5", 0).coef, 0);
    cr_assert_eq(rescaled("0.500000000000000001", 0).coef, 1);
    cr_assert_eq(rescaled("1", 17).coef, INT64_C(100000000000000000));
    /* The carry of rounding up reaches a new digit. */
    cr_assert_eq(rescaled("99999999999999999.5", 0).coef, INT64_C(100000000000000000));
    cr_assert_eq(rescaled("-9.99999999999999999", 16).coef, -INT64_C(100000000000000000));
    cr_assert_eq(dorm_decimal_rescale((dorm_decimal){5, 25}, 2, &(dorm_decimal){0, 0}), 0);
}

Test(decimal, rescale_overflow) {
    dorm_decimal out = {7, 7};
    cr_assert_eq(dorm_decimal_rescale(dec("1"), 18, &out), DORM_EDATA);
    cr_assert_eq(dorm_decimal_rescale(dec("123456789.5"), 10, &out), DORM_EDATA);
    /* A hand-built coefficient of 19 digits does not fit either. */
    cr_assert_eq(dorm_decimal_rescale((dorm_decimal){INT64_C(1000000000000000000), 0}, 0, &out), DORM_EDATA);
    cr_assert_eq(dorm_decimal_rescale(dec("1"), -1, &out), DORM_EVALUE);
    cr_assert(out.coef == 7 && out.scale == 7);
    cr_assert_eq(dorm_decimal_rescale(dec("0"), 18, &out), 0);
    cr_assert(out.coef == 0 && out.scale == 18);
}

/* Django's DecimalValidator: (whole digits, decimal places). */
Test(decimal, digits_like_django) {
    static const struct {
        const char *s;
        int whole, frac;
    } cases[] = {
        {"0.05", 0, 2},   {"0", 1, 0},   {"0.00", 0, 2}, {"123.45", 3, 2}, {"-123.45", 3, 2},     {"1000", 4, 0},
        {"1E+3", 4, 0},   {"0.1", 0, 1}, {"10.0", 2, 1}, {"100", 3, 0},    {"0.0001234", 0, 7},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int whole = -1, frac = -1;
        dorm_decimal_digits(dec(cases[i].s), &whole, &frac);
        cr_assert_eq(whole, cases[i].whole, "%s", cases[i].s);
        cr_assert_eq(frac, cases[i].frac, "%s", cases[i].s);
    }
    int whole = -1;
    dorm_decimal_digits((dorm_decimal){15, -2}, &whole, NULL);
    cr_assert_eq(whole, 4);
}

Test(decimal, to_double) {
    cr_assert_eq(dorm_decimal_to_double(dec("0.1")), 0.1);
    cr_assert_eq(dorm_decimal_to_double(dec("-2.675")), -2.675);
    cr_assert_eq(dorm_decimal_to_double(dec("0")), 0.0);
    cr_assert_eq(dorm_decimal_to_double(dec("123456789012345678")), 123456789012345678.0);
    cr_assert_eq(dorm_decimal_to_double(dec("0.123456789012345678")), 0.123456789012345678);
    cr_assert_eq(dorm_decimal_to_double(dec("0.000000000000000001")), 1e-18);
    cr_assert_eq(dorm_decimal_to_double((dorm_decimal){123, 50}), 123e-50);
    cr_assert_eq(dorm_decimal_to_double((dorm_decimal){7, -3}), 7000.0);
}

/* Python: Context(prec=15).create_decimal_from_float(f).quantize(10^-scale),
 * Django's converter for decimal columns read back from SQLite REALs. */
static const struct {
    double f;
    int scale;
    int64_t coef;
    const char *text;
} double_table[] = {
    {2.675, 2, INT64_C(268), "2.68"},
    {0.125, 2, INT64_C(12), "0.12"},
    {1.005, 2, INT64_C(100), "1.00"},
    {0.30000000000000004, 2, INT64_C(30), "0.30"},
    {0.3333333333333333, 1, INT64_C(3), "0.3"},
    {-2.675, 2, INT64_C(-268), "-2.68"},
    {123.456, 2, INT64_C(12346), "123.46"},
    {1e-10, 1, INT64_C(0), "0.0"},
    {0.5, 0, INT64_C(0), "0"},
    {1.5, 0, INT64_C(2), "2"},
    {2.5, 0, INT64_C(2), "2"},
    {-2.5, 0, INT64_C(-2), "-2"},
    {99999.995, 2, INT64_C(10000000), "100000.00"},
    {12345678.125, 0, INT64_C(12345678), "12345678"},
    {0.0, 2, INT64_C(0), "0.00"},
    {-524070.7458, 6, INT64_C(-524070745800), "-524070.745800"},
    {-260089.6669, 2, INT64_C(-26008967), "-260089.67"},
    {251441.0000251441, 6, INT64_C(251441000025), "251441.000025"},
    {-973664.01689, 4, INT64_C(-9736640169), "-973664.0169"},
    {-481292.0, 2, INT64_C(-48129200), "-481292.00"},
    {991289.6710991289, 2, INT64_C(99128967), "991289.67"},
    {672922.903, 6, INT64_C(672922903000), "672922.903000"},
    {278136.3, 3, INT64_C(278136300), "278136.300"},
    {269721.3165969722, 0, INT64_C(269721), "269721"},
    {-220127.0000220127, 6, INT64_C(-220127000022), "-220127.000022"},
    {554469.400055447, 6, INT64_C(554469400055), "554469.400055"},
    {-914421.941321, 0, INT64_C(-914422), "-914422"},
    {647141.02, 4, INT64_C(6471410200), "647141.0200"},
    {189499.0310189499, 5, INT64_C(18949903102), "189499.03102"},
    {576217.71, 5, INT64_C(57621771000), "576217.71000"},
    {456251.9461, 1, INT64_C(4562519), "456251.9"},
    {928187.5, 2, INT64_C(92818750), "928187.50"},
    {-805091.4, 4, INT64_C(-8050914000), "-805091.4000"},
    {-566026.11753, 1, INT64_C(-5660261), "-566026.1"},
    {557945.171396, 5, INT64_C(55794517140), "557945.17140"},
    {-157702.974867, 6, INT64_C(-157702974867), "-157702.974867"},
    {148045.47061480454, 2, INT64_C(14804547), "148045.47"},
    {-184848.3, 1, INT64_C(-1848483), "-184848.3"},
    {363964.0, 2, INT64_C(36396400), "363964.00"},
    {981979.289838198, 1, INT64_C(9819793), "981979.3"},
    {-673800.756058, 5, INT64_C(-67380075606), "-673800.75606"},
    {929265.8946929266, 3, INT64_C(929265895), "929265.895"},
    {-791848.38066, 5, INT64_C(-79184838066), "-791848.38066"},
    {265951.8098, 5, INT64_C(26595180980), "265951.80980"},
    {-430085.0, 0, INT64_C(-430085), "-430085"},
    {707884.977, 0, INT64_C(707885), "707885"},
    {-311840.0, 4, INT64_C(-3118400000), "-311840.0000"},
    {794192.0, 2, INT64_C(79419200), "794192.00"},
    {-145716.477, 2, INT64_C(-14571648), "-145716.48"},
    {-911619.8777, 5, INT64_C(-91161987770), "-911619.87770"},
    {-244390.4621, 6, INT64_C(-244390462100), "-244390.462100"},
    {101702.8800101703, 1, INT64_C(1017029), "101702.9"},
    {-528097.0, 3, INT64_C(-528097000), "-528097.000"},
    {-985535.0000985535, 6, INT64_C(-985535000099), "-985535.000099"},
    {71156.3, 6, INT64_C(71156300000), "71156.300000"},
    {-416775.2, 1, INT64_C(-4167752), "-416775.2"},
    {379466.146863, 0, INT64_C(379466), "379466"},
    {-372339.0, 2, INT64_C(-37233900), "-372339.00"},
    {-246497.56463264974, 5, INT64_C(-24649756463), "-246497.56463"},
    {-227614.1100767614, 5, INT64_C(-22761411008), "-227614.11008"},
    {361942.0000361942, 1, INT64_C(3619420), "361942.0"},
    {945766.6866025766, 4, INT64_C(9457666866), "945766.6866"},
    {-457398.73605573986, 3, INT64_C(-457398736), "-457398.736"},
    {431242.77, 2, INT64_C(43124277), "431242.77"},
    {955594.6329, 1, INT64_C(9555946), "955594.6"},
    {96861.0, 6, INT64_C(96861000000), "96861.000000"},
    {974911.86, 0, INT64_C(974912), "974912"},
    {-246966.8744246967, 0, INT64_C(-246967), "-246967"},
    {-733463.1673233464, 4, INT64_C(-7334631673), "-733463.1673"},
    {-335098.32003350987, 1, INT64_C(-3350983), "-335098.3"},
    {834677.1948834677, 2, INT64_C(83467719), "834677.19"},
    {-442151.178, 6, INT64_C(-442151178000), "-442151.178000"},
    {178753.91335, 6, INT64_C(178753913350), "178753.913350"},
    {926611.1600926612, 6, INT64_C(926611160093), "926611.160093"},
    {-87375.74070873758, 4, INT64_C(-873757407), "-87375.7407"},
};

Test(decimal, from_double_like_django) {
    char buf[DORM_FMT_MAX];
    for (size_t i = 0; i < sizeof double_table / sizeof double_table[0]; i++) {
        dorm_decimal d = {0, 0};
        cr_assert_eq(dorm_decimal_from_double(double_table[i].f, double_table[i].scale, &d), 0);
        cr_assert_eq(d.coef, double_table[i].coef, "%.17g", double_table[i].f);
        cr_assert_eq(d.scale, double_table[i].scale);
        dorm_decimal_format(d, buf);
        cr_assert_str_eq(buf, double_table[i].text);
    }
}

Test(decimal, from_double_rejects) {
    dorm_decimal d = {7, 7};
    cr_assert_eq(dorm_decimal_from_double(NAN, 2, &d), DORM_EVALUE);
    cr_assert_eq(dorm_decimal_from_double(INFINITY, 2, &d), DORM_EDATA);
    cr_assert_eq(dorm_decimal_from_double(1e300, 2, &d), DORM_EDATA);
    cr_assert_eq(dorm_decimal_from_double(1e17, 2, &d), DORM_EDATA);
    cr_assert_eq(dorm_decimal_from_double(1.0, -1, &d), DORM_EVALUE);
    cr_assert_eq(dorm_decimal_from_double(1.0, 19, &d), DORM_EDATA);
    cr_assert(d.coef == 7 && d.scale == 7);
    cr_assert_eq(dorm_decimal_from_double(1e-300, 18, &d), 0);
    cr_assert(d.coef == 0 && d.scale == 18);
}
