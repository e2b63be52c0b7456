/* test_fuzz_findings.c - what the fuzz targets (tests/fuzz/) found in the
 * query layer, on every backend: each input is refused with an error before
 * any SQL reaches the database. */
#include <criterion/criterion.h>

#include "testdb.h"

TestSuite(fuzz_findings, .init = test_db_open, .fini = test_db_close);

Test(fuzz_findings, count_star_distinct_is_refused_before_sql) {
    const dorm_row *r = dorm_aggregate(dorm_all(T.cx, Book), DAS("n", DCount("*", .distinct = true)));
    cr_expect_null(r);
    cr_expect_eq(dorm_errcode(T.cx), DORM_EVALUE, "%s", dorm_errmsg(T.cx));
    cr_expect_str_eq(dorm_errmsg(T.cx), "Count('*') cannot be distinct: count a field instead.");
    dorm_qs *qs = dorm_annotate(dorm_all(T.cx, Author), DAS("n", DCount("*", .distinct = true)));
    cr_expect_null(dorm_list(qs, NULL));
    cr_expect_eq(dorm_errcode(T.cx), DORM_EVALUE, "%s", dorm_errmsg(T.cx));
    /* Without distinct it counts rows, as Count('*') does. */
    test_db_catalogue();
    r = dorm_aggregate(dorm_all(T.cx, Book), DAS("n", DCount("*")));
    cr_assert_not_null(r, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(dorm_row_get(r, "n")->u.i, 8);
}

/* Only Count takes "*": Avg("*") and the others are a path Django cannot
 * resolve (it compiled to AVG() before, which the database refused). */
Test(fuzz_findings, star_is_counts_alone) {
    const dorm_expr *const aggs[] = {DAvg("*"), DSum("*"), DMin("*"), DMax("*"), DStdDev("*"), NULL};
    for (size_t i = 0; aggs[i]; i++) {
        dorm_qs *qs = dorm_annotate(dorm_all(T.cx, Author), DAS("bjo", aggs[i]));
        cr_expect_eq(dorm_qs_errcode(qs), DORM_EFIELD, "%s: %s", aggs[i]->func, dorm_qs_errmsg(qs));
        cr_expect_str_eq(dorm_qs_errmsg(qs),
                         "Cannot resolve keyword '*' into field. Choices are: biography, "
                         "birth_date, books, id, name");
    }
}
