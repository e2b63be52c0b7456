/* alloc.h - the heap calls every layer of libdorm uses instead of the C
 * library's, so that dorm_set_allocator sees every allocation. */
#ifndef DORM_CORE_ALLOC_H
#define DORM_CORE_ALLOC_H

#include <stddef.h>

/* The C library's contracts: NULL on failure, dorm_mem_free(NULL) is a no-op,
 * and a request for 0 bytes still returns a pointer.  dorm_mem_calloc fails
 * (NULL) on size overflow.  dorm_mem_strndup copies exactly the first `n`
 * bytes of `s` (which must have them) and adds a NUL. */
void *dorm_mem_alloc(size_t size);
void *dorm_mem_calloc(size_t n, size_t size);
void *dorm_mem_realloc(void *p, size_t size);
void dorm_mem_free(void *p);
char *dorm_mem_strdup(const char *s);
char *dorm_mem_strndup(const char *s, size_t n);

/* How many of these calls have failed in this thread so far.  A call that
 * must not produce a silently incomplete result (a file, a migration state)
 * compares it before and after, as SQLite checks db->mallocFailed, and
 * reports DORM_ENOMEM when it moved. */
unsigned long dorm_mem_failures(void);

#endif
