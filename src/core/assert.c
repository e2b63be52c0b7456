/* assert.c - what a broken invariant does in a build with DORM_ASSERTS:
 * says which one, where, and stops the program before it goes on with
 * state dorm no longer understands. */
#include <stdio.h>
#include <stdlib.h>

#include "core/assert.h"

#ifdef DORM_ASSERTS
_Noreturn void dorm_assert__fail(const char *cond, const char *file, int line, const char *func) {
    fprintf(stderr, "dorm: invariant broken: %s (%s:%d, %s)\n", cond, file, line, func);
    abort();
}
#else
/* ISO C wants a translation unit to declare something. */
typedef int dorm_assert__unused;
#endif
