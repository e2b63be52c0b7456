/* arena.h - bump allocation in growing blocks, freed all at once.  Each
 * dorm_ctx owns one; objects, strings and QuerySets of a context live in it. */
#ifndef DORM_CORE_ARENA_H
#define DORM_CORE_ARENA_H

#include <stddef.h>

typedef struct dorm_arena_block dorm_arena_block;
typedef struct dorm_arena {
    dorm_arena_block *head; /* current block (newest first) */
    char *ptr; /* next free byte in head       */
    char *end; /* end of head                  */
    size_t total; /* bytes obtained from malloc   */
} dorm_arena;

#define DORM_ARENA_INIT \
    { NULL, NULL, NULL, 0 }

/* Zeroed?  No: dorm_arena__alloc returns uninitialised memory aligned for any
 * type (max_align_t); dorm_arena__calloc zeroes it.  NULL on allocation failure. */
void *dorm_arena__alloc(dorm_arena *a, size_t size);
void *dorm_arena__calloc(dorm_arena *a, size_t size);
/* Copies of strings (NUL-terminated, packed with no alignment: text only)
 * and of bytes (aligned like dorm_arena__alloc). */
char *dorm_arena__strdup(dorm_arena *a, const char *s);
char *dorm_arena__strndup(dorm_arena *a, const char *s, size_t n);
void *dorm_arena__memdup(dorm_arena *a, const void *p, size_t n);
/* A copy of s[0..n) as a C string (packed like strndup's), which sees in the
 * same pass whether s holds a NUL: *len gets the copy's strlen, n when it
 * holds none.  NULL on allocation failure. */
char *dorm_arena__cstr(dorm_arena *a, const char *s, size_t n, size_t *len);
/* Frees every block but the first and rewinds: all earlier pointers die. */
void dorm_arena__reset(dorm_arena *a);
/* Frees everything; the arena may be reused afterwards. */
void dorm_arena__free(dorm_arena *a);

#endif
