/* raw_common.h - what the two hand-written programs (raw_sqlite.c, raw_pg.c)
 * share besides common.h: the book struct they read rows into, the bump
 * arena for its strings, and the grouping and hashing of prefetched books. */
#ifndef BENCH_RAW_COMMON_H
#define BENCH_RAW_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"

typedef struct book {
    int64_t id;
    const char *title;
    int64_t author_id;
    bench_date publication_date;
    const char *isbn;
    const char *genre;
    int32_t pages;
} book;

/* A bump allocator: the strings of loaded rows, freed all at once. */
typedef struct chunk chunk;
typedef struct arena {
    chunk *head;
} arena;
void *arena_alloc(arena *a, size_t n);
/* n bytes of s and a NUL in the arena; NULL when out of memory. */
const char *arena_copy(arena *a, const char *s, size_t n);
void arena_free(arena *a);

/* The value of n decimal digits. */
int raw_digits(const char *s, int n);

/* Adds each book's line (bench_hash_book) to h. */
void hash_books(const book *books, size_t n, bench_hash *h);
/* The checksum of books read by a workload: their lines, in order. */
uint64_t raw_books_sum(const book *books, size_t n);

/* prefetch_related's grouping: books onto authors 1..na (dense ids), in
 * query order.  count has na + 1 entries, start na + 2 (zeroed), slots nb. */
void raw_group_by_author(const book *books, size_t nb, size_t na, size_t *count, size_t *start, const book **slots);
/* The prefetch checksum: each author's name and "\n", then its books. */
uint64_t raw_hash_by_author(const char *const *names, size_t na, const size_t *count, const book *const *slots);

#endif
