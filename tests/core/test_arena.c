/* test_arena.c - the bump allocator: alignment, growth, big requests in
 * their own blocks, copies, and reset keeping the first block. */
#include <criterion/criterion.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"

#define ALIGN alignof(max_align_t)

Test(arena, every_allocation_is_aligned_and_distinct) {
    dorm_arena a = DORM_ARENA_INIT;
    char *prev = NULL;
    size_t prev_size = 0;
    for (size_t i = 0; i < 20000; i++) {
        size_t size = i % 37;
        char *p = dorm_arena__alloc(&a, size);
        cr_assert_not_null(p);
        cr_assert_eq((uintptr_t)p % ALIGN, 0, "allocation %zu of %zu bytes", i, size);
        memset(p, (int)(i & 0xff), size);
        /* Writing the whole of each block is checked by ASan; here: no
         * allocation overlaps the previous one. */
        if (prev) cr_assert(p >= prev + prev_size || p + size <= prev);
        prev = p;
        prev_size = size;
    }
    cr_assert_gt(a.total, 20000 * ALIGN / 2);
    dorm_arena__free(&a);
    cr_assert(a.head == NULL && a.total == 0);
}

Test(arena, contents_survive_growth) {
    dorm_arena a = DORM_ARENA_INIT;
    enum { N = 50000 };
    static int *ptrs[N];
    for (int i = 0; i < N; i++) {
        ptrs[i] = dorm_arena__alloc(&a, sizeof(int) * (size_t)(1 + i % 5));
        for (int j = 0; j < 1 + i % 5; j++) ptrs[i][j] = i * 10 + j;
    }
    for (int i = 0; i < N; i++)
        for (int j = 0; j < 1 + i % 5; j++) cr_assert_eq(ptrs[i][j], i * 10 + j);
    dorm_arena__free(&a);
}

Test(arena, blocks_double_up_to_a_cap) {
    dorm_arena a = DORM_ARENA_INIT;
    dorm_arena__alloc(&a, 1);
    size_t first = a.total;
    cr_assert_geq(first, 8 * 1024);
    cr_assert_lt(first, 9 * 1024);
    /* 64 MiB in small pieces takes blocks of growing size: far fewer than
     * 8 KiB blocks would need, and none above the 1 MiB cap. */
    int blocks = 1;
    char *end = a.end;
    for (int i = 0; i < 64 * 1024; i++) {
        dorm_arena__alloc(&a, 1024);
        if (a.end != end) {
            blocks++;
            cr_assert_leq((size_t)(a.end - a.ptr), (size_t)1024 * 1024);
            end = a.end;
        }
    }
    cr_assert_lt(blocks, 80);
    cr_assert_gt(blocks, 60);
    dorm_arena__free(&a);
}

Test(arena, large_allocation_gets_its_own_block) {
    dorm_arena a = DORM_ARENA_INIT;
    char *small1 = dorm_arena__alloc(&a, 16);
    char *ptr = a.ptr, *end = a.end;
    size_t big_size = 3 * 1024 * 1024 + 7;
    char *big = dorm_arena__alloc(&a, big_size);
    cr_assert_not_null(big);
    cr_assert_eq((uintptr_t)big % ALIGN, 0);
    memset(big, 0xab, big_size);
    cr_assert_geq(a.total, big_size);
    /* The head block keeps serving small requests after the big one. */
    cr_assert(a.ptr == ptr && a.end == end);
    char *small2 = dorm_arena__alloc(&a, 16);
    cr_assert_eq(small2, small1 + 16);
    /* A big request on a fresh arena works too. */
    dorm_arena b = DORM_ARENA_INIT;
    char *p = dorm_arena__alloc(&b, 2 * 1024 * 1024);
    cr_assert_not_null(p);
    memset(p, 1, 2 * 1024 * 1024);
    cr_assert_not_null(dorm_arena__alloc(&b, 10));
    dorm_arena__free(&b);
    /* A request no allocator can satisfy fails cleanly. */
    cr_assert_null(dorm_arena__alloc(&a, SIZE_MAX));
    cr_assert_null(dorm_arena__alloc(&a, SIZE_MAX - 8));
    dorm_arena__free(&a);
}

Test(arena, reset_keeps_the_first_block) {
    dorm_arena a = DORM_ARENA_INIT;
    char *first = dorm_arena__alloc(&a, 100);
    size_t first_total = a.total;
    for (int i = 0; i < 1000; i++) dorm_arena__alloc(&a, 1000);
    dorm_arena__alloc(&a, 5 * 1024 * 1024);
    cr_assert_gt(a.total, first_total);
    dorm_arena__reset(&a);
    cr_assert_eq(a.total, first_total);
    cr_assert_eq(dorm_arena__alloc(&a, 100), first, "reset rewinds to the first block's start");
    dorm_arena__reset(&a);
    dorm_arena__free(&a);
    dorm_arena__reset(&a);
    cr_assert_null(a.head);
    cr_assert_not_null(dorm_arena__alloc(&a, 1), "a freed arena can be used again");
    dorm_arena__free(&a);
}

Test(arena, copies) {
    dorm_arena a = DORM_ARENA_INIT;
    char *z = dorm_arena__calloc(&a, 1000);
    for (int i = 0; i < 1000; i++) cr_assert_eq(z[i], 0);
    cr_assert_str_eq(dorm_arena__strdup(&a, "hello"), "hello");
    cr_assert_null(dorm_arena__strdup(&a, NULL));
    char *s = dorm_arena__strndup(&a, "hello world", 5);
    cr_assert_str_eq(s, "hello");
    /* strndup copies n bytes even past a NUL: values may hold NUL bytes. */
    char *n = dorm_arena__strndup(&a, "a\0b", 3);
    cr_assert_eq(memcmp(n, "a\0b", 4), 0);
    cr_assert_str_eq(dorm_arena__strndup(&a, "", 0), "");
    int src[4] = {1, 2, 3, 4};
    int *dup = dorm_arena__memdup(&a, src, sizeof src);
    cr_assert_neq(dup, src);
    cr_assert_eq(memcmp(dup, src, sizeof src), 0);
    cr_assert_not_null(dorm_arena__memdup(&a, NULL, 0));
    dorm_arena__free(&a);
}

/* dorm_arena__cstr copies word by word: every length up to three words, with
 * a NUL at every place and none, from a source that ends exactly at n. */
Test(arena, cstr_sees_a_nul_anywhere) {
    dorm_arena a = DORM_ARENA_INIT;
    for (size_t n = 0; n <= 24; n++) {
        for (size_t at = 0; at <= n; at++) {
            char *src = malloc(n ? n : 1);
            cr_assert_not_null(src);
            for (size_t i = 0; i < n; i++) src[i] = (char)('a' + i % 26);
            if (at < n) src[at] = '\0';
            size_t len = 99;
            char *p = dorm_arena__cstr(&a, src, n, &len);
            cr_assert_not_null(p);
            cr_assert_eq(len, at, "n=%zu, NUL at %zu", n, at);
            cr_assert_eq(memcmp(p, src, n), 0, "n=%zu", n);
            cr_assert_eq(p[n], '\0');
            free(src);
        }
    }
    dorm_arena__free(&a);
}
