/* raw_common.c - the hand-written programs' shared pieces (raw_common.h):
 * the arena, digits, the hash of books, prefetch grouping. */
#include "raw_common.h"

#include <stdlib.h>
#include <string.h>

struct chunk {
    struct chunk *next;
    size_t used, cap;
    char data[];
};

void *arena_alloc(arena *a, size_t n) {
    n = (n + 7) & ~(size_t)7;
    chunk *c = a->head;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > 65536 ? n : 65536;
        if (c && c->cap * 2 > cap) cap = c->cap * 2;
        c = malloc(sizeof *c + cap);
        if (!c) return NULL;
        c->next = a->head;
        c->used = 0;
        c->cap = cap;
        a->head = c;
    }
    void *p = c->data + c->used;
    c->used += n;
    return p;
}

const char *arena_copy(arena *a, const char *s, size_t n) {
    char *p = arena_alloc(a, n + 1);
    if (!p || !s) return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void arena_free(arena *a) {
    while (a->head) {
        chunk *next = a->head->next;
        free(a->head);
        a->head = next;
    }
}

int raw_digits(const char *s, int n) {
    int v = 0;
    for (int i = 0; i < n; i++) v = v * 10 + (s[i] - '0');
    return v;
}

void hash_books(const book *books, size_t n, bench_hash *h) {
    for (size_t i = 0; i < n; i++)
        bench_hash_book(h, books[i].id, books[i].title, books[i].author_id, books[i].publication_date, books[i].isbn,
                        books[i].genre, books[i].pages);
}

uint64_t raw_books_sum(const book *books, size_t n) {
    bench_hash h;
    bench_hash_init(&h);
    hash_books(books, n, &h);
    return h.h;
}

void raw_group_by_author(const book *books, size_t nb, size_t na, size_t *count, size_t *start, const book **slots) {
    for (size_t i = 0; i < nb; i++) count[books[i].author_id]++;
    for (size_t a = 1; a <= na; a++) start[a + 1] = start[a] + count[a];
    for (size_t i = 0; i < nb; i++) slots[start[books[i].author_id]++] = &books[i];
}

uint64_t raw_hash_by_author(const char *const *names, size_t na, const size_t *count, const book *const *slots) {
    bench_hash h;
    bench_hash_init(&h);
    for (size_t a = 0, at = 0; a < na; a++) {
        bench_hash_str(&h, names[a]);
        bench_hash_str(&h, "\n");
        for (size_t i = 0; i < count[a + 1]; i++, at++) hash_books(slots[at], 1, &h);
    }
    return h.h;
}
