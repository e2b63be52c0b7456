/* alloc.h - the heap calls every layer of libdorm uses instead of the C
 * library's, so that dorm_set_allocator sees every allocation. */
#ifndef DORM_CORE_ALLOC_H
#define DORM_CORE_ALLOC_H

#include <stddef.h>

/* The C library's contracts: NULL on failure, dorm_mem__free(NULL) is a no-op,
 * and a request for 0 bytes still returns a pointer.  dorm_mem__calloc fails
 * (NULL) on size overflow.  dorm_mem__strndup copies exactly the first `n`
 * bytes of `s` (which must have them) and adds a NUL. */
void *dorm_mem__alloc(size_t size);
void *dorm_mem__calloc(size_t n, size_t size);
void *dorm_mem__realloc(void *p, size_t size);
void dorm_mem__free(void *p);
char *dorm_mem__strdup(const char *s);
char *dorm_mem__strndup(const char *s, size_t n);

/* How many of these calls have failed in this thread so far.  A call that
 * must not produce a silently incomplete result (a file, a migration state)
 * compares it before and after, as SQLite checks db->mallocFailed, and
 * reports DORM_ENOMEM when it moved. */
unsigned long dorm_mem__failures(void);

#endif
