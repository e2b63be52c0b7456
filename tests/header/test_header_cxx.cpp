/* tests/header/test_header_cxx.cpp - every public header compiles as strict
 * C++11 (-pedantic -Wall -Wextra -Werror) and links against libdorm, which
 * only works when the extern "C" guards are right.  The field-table and
 * DQ/DV macros use C11's _Generic and compound literals: C++ programs declare
 * their models in a C file and call the functions (docs/design.md). */
#include <dorm.h>
#include <dorm/sys/driver.h>
#include <dorm/testing.h>

#include <cstring>

int main() {
    int failures = 0;
    failures += std::strcmp(dorm_version(), DORM_VERSION) != 0;
    failures += dorm_version_number() != DORM_VERSION_NUMBER;
    failures += std::strcmp(dorm_error_name(DORM_EFIELD), "FieldError") != 0;

    /* A condition built without the C macros: Q(pages__gt=400). */
    const dorm_q cond = {DORM_Q_LEAF, "pages__gt", dorm_v_int(400), NULL};
    failures += cond.value.type != DORM_T_INT || cond.value.u.i != 400;

    dorm_decimal price = dorm_decimal_from_int(-150, 2);
    char text[DORM_FMT_MAX];
    dorm_decimal_format(price, text);
    failures += std::strcmp(text, "-1.50") != 0;
    failures += !dorm_date_valid(dorm_date_ymd(1900, 1, 1));
    return failures == 0 ? 0 : 1;
}
