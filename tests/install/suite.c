/* suite.c - a plain C test suite (no framework) of the consumer project,
 * written with dorm/testing.h as docs/testing.md shows: a test database for
 * the run, a rolled-back test case per test, fixtures, assertNumQueries. */
#include <stdio.h>
#include <stdlib.h>

#include <dorm/testing.h>

#include "models.h"

static int failures;

#define CHECK(cond, ...)                                    \
    do {                                                    \
        if (!(cond)) {                                      \
            fprintf(stderr, "%s:%d: ", __FILE__, __LINE__); \
            fprintf(stderr, __VA_ARGS__);                   \
            fputc('\n', stderr);                            \
            failures++;                                     \
        }                                                   \
    } while (0)

static void creating_a_book(dorm_testdb *t) {
    dorm_ctx *cx = dorm_testcase_begin(t, NULL);
    CHECK(cx && !dorm_errcode(cx), "%s", dorm_errmsg(cx));
    Author *a = dorm_create(cx, Author, .name = "Jane Austen");
    dorm_queries *q = dorm_queries_start(cx);
    dorm_create(cx, Book, .title = "Emma", .author = {a ? a->id : 0, a});
    const char *msg = dorm_queries_check(q, 1);
    CHECK(!msg, "%s", msg);
    dorm_testcase_end(cx);
}

static void starting_empty(dorm_testdb *t) {
    dorm_ctx *cx = dorm_testcase_begin(t, NULL);
    CHECK(dorm_count(dorm_all(cx, Book)) == 0, "the previous test case was rolled back");
    dorm_testcase_end(cx);
}

static void with_a_fixture(dorm_testdb *t, const char *fixture) {
    dorm_ctx *cx = dorm_testcase_begin(t, (const char *const[]){fixture, NULL});
    CHECK(cx && !dorm_errcode(cx), "%s", dorm_errmsg(cx));
    CHECK(dorm_count(dorm_all(cx, Author)) == 1, "the fixture's author");
    dorm_testcase_end(cx);
}

int main(int argc, char **argv) {
    if (argc != 2) return 2;
    dorm_testdb *t = dorm_testdb_setup(consumer_apps, NULL);
    if (dorm_testdb_errcode(t)) {
        fprintf(stderr, "%s\n", dorm_testdb_errmsg(t));
        dorm_testdb_teardown(t);
        return 1;
    }
    creating_a_book(t);
    starting_empty(t);
    with_a_fixture(t, argv[1]);
    dorm_testdb_teardown(t);
    printf("%s\n", failures ? "tests failed" : "3 tests passed");
    return failures ? 1 : 0;
}
