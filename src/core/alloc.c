/* alloc.c - the process-wide allocator of libdorm (the C library's until a
 * program sets its own with dorm_set_allocator), the heap calls built on it
 * and the count of their failures; jansson is pointed at them (json.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dorm/alloc.h"
#include "core/alloc.h"
#include "core/json.h"

static void *libc_malloc(size_t size, void *payload) {
    (void)payload;
    return malloc(size);
}

static void *libc_realloc(void *p, size_t size, void *payload) {
    (void)payload;
    return realloc(p, size);
}

static void libc_free(void *p, void *payload) {
    (void)payload;
    free(p);
}

static dorm_allocator current = {libc_malloc, libc_realloc, libc_free, NULL};

void dorm_set_allocator(const dorm_allocator *a) {
    if (a && a->malloc && a->realloc && a->free)
        current = *a;
    else
        current = (dorm_allocator){libc_malloc, libc_realloc, libc_free, NULL};
    dorm_json__init();
}

/* Allocations that failed in this thread (SQLite's mallocFailed, per thread
 * because an allocation does not know its context). */
static _Thread_local unsigned long failures;

static void *counted(void *p) {
    if (!p) failures++;
    return p;
}

unsigned long dorm_mem__failures(void) { return failures; }

/* malloc(0) may return NULL, which callers would read as a failure. */
void *dorm_mem__alloc(size_t size) { return counted(current.malloc(size ? size : 1, current.payload)); }

void *dorm_mem__calloc(size_t n, size_t size) {
    if (size && n > SIZE_MAX / size) return counted(NULL);
    void *p = dorm_mem__alloc(n * size);
    if (p) memset(p, 0, n * size);
    return p;
}

void *dorm_mem__realloc(void *p, size_t size) { return counted(current.realloc(p, size ? size : 1, current.payload)); }

void dorm_mem__free(void *p) {
    if (p) current.free(p, current.payload);
}

char *dorm_mem__strndup(const char *s, size_t n) {
    if (n == SIZE_MAX) return counted(NULL);
    char *r = dorm_mem__alloc(n + 1);
    if (!r) return NULL;
    memcpy(r, s, n);
    r[n] = '\0';
    return r;
}

char *dorm_mem__strdup(const char *s) { return dorm_mem__strndup(s, strlen(s)); }
