/* arena.c - the bump allocator behind every dorm_ctx: memory comes from
 * blocks that double from 8 KiB up to 1 MiB, a request bigger than a block
 * gets a block of its own, and everything is freed at once. */
#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "core/alloc.h"
#include "core/assert.h"

#define ARENA_ALIGN alignof(max_align_t)
#define ARENA_FIRST_BLOCK ((size_t)8 * 1024)
#define ARENA_MAX_BLOCK ((size_t)1024 * 1024)

/* The union pads the header to the alignment, so the data that follows it
 * starts aligned for any type. */
struct dorm_arena_block {
    union {
        struct {
            dorm_arena_block *next;
            size_t size; /* usable bytes after the header */
        } h;
        max_align_t align;
    } u;
};

static char *block_data(dorm_arena_block *b) { return (char *)(b + 1); }

static dorm_arena_block *block_new(dorm_arena *a, size_t size) {
    if (size > SIZE_MAX - sizeof(dorm_arena_block)) return NULL;
    dorm_arena_block *b = dorm_mem__alloc(sizeof(dorm_arena_block) + size);
    if (!b) return NULL;
    b->u.h.next = NULL;
    b->u.h.size = size;
    a->total += sizeof(dorm_arena_block) + size;
    return b;
}

/* Slow path: the head block cannot hold `size` bytes. */
static void *alloc_new_block(dorm_arena *a, size_t size) {
    size_t next = a->head ? a->head->u.h.size * 2 : ARENA_FIRST_BLOCK;
    if (next > ARENA_MAX_BLOCK) next = ARENA_MAX_BLOCK;
    if (size > next / 2 && a->head) {
        /* A big request gets its own block, linked behind the head so the
         * space left in the head keeps serving small requests. */
        dorm_arena_block *big = block_new(a, size);
        if (!big) return NULL;
        big->u.h.next = a->head->u.h.next;
        a->head->u.h.next = big;
        return block_data(big);
    }
    if (size > next) next = size;
    dorm_arena_block *b = block_new(a, next);
    if (!b) return NULL;
    b->u.h.next = a->head;
    a->head = b;
    a->ptr = block_data(b) + size;
    a->end = block_data(b) + next;
    return block_data(b);
}

/* The pointer is aligned, not the size: strings (alloc_bytes) pack tightly
 * between aligned objects. */
void *dorm_arena__alloc(dorm_arena *a, size_t size) {
    if (size == 0) size = 1;
    if (a->head) {
        size_t pad = (size_t) - (uintptr_t)a->ptr & (ARENA_ALIGN - 1);
        DORM_ASSERT(a->ptr && a->ptr <= a->end);
        if ((size_t)(a->end - a->ptr) >= pad && (size_t)(a->end - a->ptr) - pad >= size) {
            char *p = a->ptr + pad;
            a->ptr = p + size;
            return p;
        }
    }
    return alloc_new_block(a, size);
}

/* n bytes with no alignment (text). */
static char *alloc_bytes(dorm_arena *a, size_t n) {
    if (a->head && (size_t)(a->end - a->ptr) >= n) {
        char *p = a->ptr;
        a->ptr += n;
        return p;
    }
    return alloc_new_block(a, n);
}

void *dorm_arena__calloc(dorm_arena *a, size_t size) {
    void *p = dorm_arena__alloc(a, size);
    if (p) memset(p, 0, size);
    return p;
}

char *dorm_arena__strdup(dorm_arena *a, const char *s) {
    if (!s) return NULL;
    return dorm_arena__strndup(a, s, strlen(s));
}

char *dorm_arena__strndup(dorm_arena *a, const char *s, size_t n) {
    if (n == SIZE_MAX) return NULL;
    char *p = alloc_bytes(a, n + 1);
    if (!p) return NULL;
    if (n) memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

/* Nonzero when a byte of w is zero (exact as a yes or no). */
static uint64_t has_zero_byte(uint64_t w) {
    return (w - UINT64_C(0x0101010101010101)) & ~w & UINT64_C(0x8080808080808080);
}

/* Word by word, the last word overlapping the one before it: on the short
 * text of most columns this costs what memcpy alone did, where memcpy then
 * memchr cost a few percent of a whole fetch. */
char *dorm_arena__cstr(dorm_arena *a, const char *s, size_t n, size_t *len) {
    if (n == SIZE_MAX) return NULL;
    char *p = alloc_bytes(a, n + 1);
    if (!p) return NULL;
    uint64_t zero = 0, w;
    if (n >= 8) {
        for (size_t i = 0; i + 8 < n; i += 8) {
            memcpy(&w, s + i, 8);
            memcpy(p + i, &w, 8);
            zero |= has_zero_byte(w);
        }
        memcpy(&w, s + n - 8, 8);
        memcpy(p + n - 8, &w, 8);
        zero |= has_zero_byte(w);
    } else if (n >= 4) {
        /* Two words of four, overlapping as the eight-byte ones do. */
        uint32_t h, t;
        memcpy(&h, s, 4);
        memcpy(&t, s + n - 4, 4);
        memcpy(p, &h, 4);
        memcpy(p + n - 4, &t, 4);
        zero = has_zero_byte((uint64_t)h << 32 | t);
    } else {
        for (size_t i = 0; i < n; i++) zero |= (p[i] = s[i]) == 0;
    }
    p[n] = '\0';
    *len = zero ? strlen(p) : n;
    return p;
}

void *dorm_arena__memdup(dorm_arena *a, const void *p, size_t n) {
    void *q = dorm_arena__alloc(a, n);
    if (q && n) memcpy(q, p, n);
    return q;
}

void dorm_arena__reset(dorm_arena *a) {
    if (!a->head) return;
    dorm_arena_block *b = a->head;
    while (b->u.h.next) {
        dorm_arena_block *next = b->u.h.next;
        dorm_mem__free(b);
        b = next;
    }
    a->head = b;
    a->ptr = block_data(b);
    a->end = block_data(b) + b->u.h.size;
    a->total = sizeof(dorm_arena_block) + b->u.h.size;
}

void dorm_arena__free(dorm_arena *a) {
    dorm_arena_block *b = a->head;
    while (b) {
        dorm_arena_block *next = b->u.h.next;
        dorm_mem__free(b);
        b = next;
    }
    a->head = NULL;
    a->ptr = NULL;
    a->end = NULL;
    a->total = 0;
}
