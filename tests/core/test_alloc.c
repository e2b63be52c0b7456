/* test_alloc.c - dorm_set_allocator: every allocation of a database session
 * goes through the program's allocator and is given back to it, and a
 * failing allocator surfaces as NULL / MemoryError, not a crash. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "testdb.h"

typedef struct counts {
    long live, mallocs, reallocs, frees;
    long fail_after; /* < 0: never fail */
} counts;

static void *count_malloc(size_t size, void *payload) {
    counts *c = payload;
    if (c->fail_after >= 0 && c->mallocs + c->reallocs >= c->fail_after) return NULL;
    c->mallocs++;
    c->live++;
    return malloc(size);
}

static void *count_realloc(void *p, size_t size, void *payload) {
    counts *c = payload;
    if (c->fail_after >= 0 && c->mallocs + c->reallocs >= c->fail_after) return NULL;
    c->reallocs++;
    if (!p) c->live++;
    return realloc(p, size);
}

static void count_free(void *p, void *payload) {
    counts *c = payload;
    if (p) c->live--;
    c->frees++;
    free(p);
}

static counts C;

static void use_counting_allocator(long fail_after) {
    C = (counts){0, 0, 0, 0, fail_after};
    dorm_allocator a = {count_malloc, count_realloc, count_free, &C};
    dorm_set_allocator(&a);
}

Test(alloc, a_session_allocates_through_the_hook_and_frees_everything) {
    use_counting_allocator(-1);
    test_db_open();
    Author *a = dorm_create(T.cx, Author, .name = "Jane Austen");
    cr_assert(a, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_count(dorm_filter(dorm_all(T.cx, Author), DQ("name__startswith", "Jane"))), 1);
    test_db_close();
    dorm_set_allocator(NULL);
    cr_expect_gt(C.mallocs, 10, "the session's memory came from the hook (%ld calls)", C.mallocs);
    cr_expect_eq(C.live, 0, "%ld allocations were not given back", C.live);
}

Test(alloc, a_failing_allocator_is_an_error_not_a_crash) {
    use_counting_allocator(0);
    dorm_ctx *cx = dorm_ctx_new(NULL);
    cr_expect_null(cx);
    cr_expect_eq(dorm_errcode(cx), DORM_ENOMEM);
    cr_expect_null(dorm_registry_new((const dorm_app *const[]){NULL}));
    dorm_set_allocator(NULL);
    cr_expect_eq(C.live, 0);
}
