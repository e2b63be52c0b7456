/* dorm/alloc.h - the allocator behind every heap allocation libdorm makes
 * (contexts, arenas, statement caches, migration states, JSON documents), so
 * that a program can route dorm's memory through its own allocator or fail
 * allocations on purpose in its tests.
 * SPDX-License-Identifier: MIT (see LICENSE) */
#ifndef DORM_ALLOC_H
#define DORM_ALLOC_H

#include "api.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Three calls with the C library's contracts (malloc, realloc and free;
 * realloc(NULL, n) allocates, free(NULL) does nothing), each given `payload`.
 * Memory must be aligned for any type, as malloc's is. */
typedef struct dorm_allocator {
    void *(*malloc)(size_t size, void *payload);              /* malloc(size)       */
    void *(*realloc)(void *ptr, size_t size, void *payload);  /* realloc(ptr, size) */
    void (*free)(void *ptr, void *payload);                   /* free(ptr)          */
    void *payload;                                            /* given to each call */
} dorm_allocator;

/* Routes every allocation libdorm makes, and jansson's (which dorm uses for
 * migration files and fixtures), through `a`, copied; NULL restores the C
 * library's malloc, realloc and free.  Call it before any other dorm call,
 * with nothing dorm allocated still alive: memory is freed by the allocator
 * that made it.  Not thread-safe: set it once, at start-up.  The database
 * client libraries (libsqlite3, libpq) keep their own allocators. */
DORM_API void dorm_set_allocator(const dorm_allocator *a);

#ifdef __cplusplus
}
#endif

#endif
