/* test_opts.c - an options struct is read by the size the program was built
 * with: the members a shorter (older) struct lacks are zero to the library,
 * whatever lies in memory after it. */
#include <criterion/criterion.h>
#include <stddef.h>

#include "core/opts.h"
#include "testdb.h"

Test(opts, a_shorter_struct_leaves_the_rest_zero) {
    /* The program's struct ends before no_empty_first_page: the library
     * must not read the garbage behind it. */
    dorm_paginator_opts old = {.orphans = 0, .no_empty_first_page = true};
    size_t old_size = offsetof(dorm_paginator_opts, no_empty_first_page);
    dorm_paginator_opts copy;
    const dorm_paginator_opts *read = dorm_opts__read(&copy, sizeof copy, &old, old_size);
    cr_assert_eq(read, &copy);
    cr_assert_not(copy.no_empty_first_page);
    cr_assert_null(dorm_opts__read(&copy, sizeof copy, NULL, old_size));

    test_db_open();
    dorm_paginator *p = dorm_paginator_new_count_(T.cx, 0, 10, &old, old_size);
    cr_assert_not_null(p, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_paginator_num_pages(p), 1, "allow_empty_first_page, as the program's struct had no say");
    p = dorm_paginator_new_count(T.cx, 0, 10, &old);
    cr_assert_eq(dorm_paginator_num_pages(p), 0, "the whole struct: no empty first page");
    test_db_close();
}
