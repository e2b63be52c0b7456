/* test_assert.c - DORM_ASSERT is on in the library the tests link: a broken
 * invariant stops the program, naming itself, instead of going on with a
 * corrupt structure (here a hash map whose capacity is not a power of two). */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <signal.h>

#include "core/hash.h"

static void capture(void) { cr_redirect_stderr(); }

Test(assert, a_corrupt_hash_map_stops_the_program, .init = capture, .signal = SIGABRT) {
    dorm_hmap_entry slots[3] = {{0}};
    dorm_hmap m = {.slots = slots, .cap = 3, .len = 1};
    dorm_hmap__get(&m, "x", 1);
}

Test(assert, a_sound_hash_map_does_not) {
    dorm_hmap m = DORM_HMAP_INIT;
    cr_assert_eq(dorm_hmap__put(&m, "x", 1, &m), 0);
    cr_assert_eq(dorm_hmap__get(&m, "x", 1), &m);
    dorm_hmap__free(&m);
}
