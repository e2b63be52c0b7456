/* alloc.c - the process-wide allocator of libdorm (the C library's until a
 * program sets its own with dorm_set_allocator) and the heap calls built on
 * it; jansson is pointed at the same allocator. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "dorm/alloc.h"
#include "alloc.h"

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

/* jansson's hooks take no payload; they read the current allocator. */
static void *json_malloc_hook(size_t size) { return dorm_mem_alloc(size); }
static void json_free_hook(void *p) { dorm_mem_free(p); }

void dorm_set_allocator(const dorm_allocator *a) {
    if (a && a->malloc && a->realloc && a->free) {
        current = *a;
        json_set_alloc_funcs(json_malloc_hook, json_free_hook);
    } else {
        current = (dorm_allocator){libc_malloc, libc_realloc, libc_free, NULL};
        json_set_alloc_funcs(malloc, free);
    }
}

/* malloc(0) may return NULL, which callers would read as a failure. */
void *dorm_mem_alloc(size_t size) { return current.malloc(size ? size : 1, current.payload); }

void *dorm_mem_calloc(size_t n, size_t size) {
    if (size && n > SIZE_MAX / size) return NULL;
    void *p = dorm_mem_alloc(n * size);
    if (p) memset(p, 0, n * size);
    return p;
}

void *dorm_mem_realloc(void *p, size_t size) { return current.realloc(p, size ? size : 1, current.payload); }

void dorm_mem_free(void *p) {
    if (p) current.free(p, current.payload);
}

char *dorm_mem_strndup(const char *s, size_t n) {
    if (n == SIZE_MAX) return NULL;
    char *r = dorm_mem_alloc(n + 1);
    if (!r) return NULL;
    memcpy(r, s, n);
    r[n] = '\0';
    return r;
}

char *dorm_mem_strdup(const char *s) { return dorm_mem_strndup(s, strlen(s)); }
