/* test_value.c - dorm_value_equal: same type and same content. */
#include <criterion/criterion.h>

#include "dorm/value.h"

static bool eq(dorm_value a, dorm_value b) { return dorm_value_equal(&a, &b); }

Test(value, scalars) {
    cr_assert(eq(DV(3), DV(3L)));
    cr_assert_not(eq(DV(3), DV(4)));
    /* dorm_v_bool, not DV(true): C11's `true` is the int 1. */
    cr_assert_not(eq(DV(1), dorm_v_bool(true)), "an int is not a bool");
    cr_assert(eq(DV((bool)true), dorm_v_bool(true)));
    cr_assert_not(eq(dorm_v_bool(true), dorm_v_bool(false)));
    cr_assert(eq(DV(1.5), DV(1.5)));
    cr_assert_not(eq(DV(1.5), DV(1.25)));
    cr_assert(eq(dorm_v_null(), DV(NULL)));
    cr_assert_not(eq(dorm_v_null(), DV(0)));
    dorm_value none = {DORM_T_NONE, 0, {.i = 0}};
    cr_assert(eq(none, none));
    cr_assert_not(eq(none, dorm_v_null()));
    cr_assert(dorm_value_equal(NULL, NULL));
    cr_assert_not(dorm_value_equal(&none, NULL));
}

Test(value, text_and_bytes) {
    cr_assert(eq(DV("abc"), DV("abc")));
    cr_assert_not(eq(DV("abc"), DV("abd")));
    cr_assert(eq(DV("abc"), dorm_v_textn("abcdef", 3)), "DORM_STRLEN and an explicit length");
    cr_assert_not(eq(DV("ab"), dorm_v_textn("ab\0", 3)), "an embedded NUL is content");
    cr_assert(eq(dorm_v_textn("a\0b", 3), dorm_v_textn("a\0b", 3)));
    cr_assert_not(eq(dorm_v_textn("a\0b", 3), dorm_v_textn("a\0c", 3)));
    cr_assert(eq(DV(""), dorm_v_textn("x", 0)));
    cr_assert_not(eq(DV("abc"), dorm_v_bytes((dorm_bytes){"abc", 3})), "text is not bytes");
    cr_assert(eq(dorm_v_bytes((dorm_bytes){"\1\2", 2}), dorm_v_bytes((dorm_bytes){"\1\2", 2})));
    cr_assert_not(eq(dorm_v_bytes((dorm_bytes){"\1\2", 2}), dorm_v_bytes((dorm_bytes){"\1\3", 2})));
    cr_assert(eq(dorm_v_bytes((dorm_bytes){NULL, 0}), dorm_v_bytes((dorm_bytes){"x", 0})));
}

Test(value, dates_decimals_uuids) {
    cr_assert(eq(DV(dorm_date_ymd(2024, 2, 29)), DV(dorm_date_ymd(2024, 2, 29))));
    cr_assert_not(eq(DV(dorm_date_ymd(2024, 2, 29)), DV(dorm_date_ymd(2024, 3, 1))));
    cr_assert(eq(DV(dorm_time_hms(1, 2, 3, 4)), DV(dorm_time_hms(1, 2, 3, 4))));
    cr_assert_not(eq(DV(dorm_time_hms(1, 2, 3, 4)), DV(dorm_time_hms(1, 2, 3, 5))));
    cr_assert(eq(DV(dorm_datetime_utc(2024, 1, 1, 0, 0, 0, 0)), DV((dorm_datetime){INT64_C(1704067200000000)})));
    cr_assert(eq(dorm_v_decimal((dorm_decimal)DORM_DEC(15, 1)), dorm_v_decimal((dorm_decimal)DORM_DEC(150, 2))),
              "1.5 == 1.50, as in Python");
    cr_assert_not(eq(dorm_v_decimal((dorm_decimal)DORM_DEC(15, 1)), dorm_v_decimal((dorm_decimal)DORM_DEC(151, 2))));
    dorm_uuid a = {{1, 2, 3}}, b = {{1, 2, 3}}, c = {{1, 2, 4}};
    cr_assert(eq(DV(a), DV(b)));
    cr_assert_not(eq(DV(a), DV(c)));
}

Test(value, lists_and_references) {
    cr_assert(eq(DLIST(1, "a", 2.5), DLIST(1, "a", 2.5)));
    cr_assert_not(eq(DLIST(1, "a"), DLIST(1, "b")));
    cr_assert_not(eq(DLIST(1, 2), DLIST(1, 2, 3)));
    cr_assert(eq(dorm_v_list(NULL, 0), dorm_v_list(NULL, 0)));
    int x, y;
    dorm_value ox = dorm_v_object(&x), oy = dorm_v_object(&y);
    cr_assert(eq(ox, dorm_v_object(&x)));
    cr_assert_not(eq(ox, oy));
}
