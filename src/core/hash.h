/* hash.h - an open-addressing hash map from byte-string keys to pointers,
 * used for the statement cache, the registry and in_bulk.  Keys are borrowed:
 * they must outlive the map. */
#ifndef DORM_CORE_HASH_H
#define DORM_CORE_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct dorm_hmap_entry {
    const void *key;
    size_t klen;
    uint64_t hash;
    void *value;
} dorm_hmap_entry;

typedef struct dorm_hmap {
    dorm_hmap_entry *slots; /* capacity is a power of two; key == NULL: empty */
    size_t cap;
    size_t len;
} dorm_hmap;

#define DORM_HMAP_INIT \
    { NULL, 0, 0 }

uint64_t dorm_hash__bytes(const void *p, size_t n);
/* The value for a key, or NULL. */
void *dorm_hmap__get(const dorm_hmap *m, const void *key, size_t klen);
/* Inserts or replaces.  0, DORM_ENOMEM (the map is unchanged), or DORM_EVALUE
 * for a NULL key (NULL marks empty slots). */
int dorm_hmap__put(dorm_hmap *m, const void *key, size_t klen, void *value);
/* Removes a key; returns its value or NULL. */
void *dorm_hmap__del(dorm_hmap *m, const void *key, size_t klen);
void dorm_hmap__free(dorm_hmap *m);
/* Calls fn for each entry (order unspecified). */
void dorm_hmap__each(const dorm_hmap *m, void (*fn)(const void *key, size_t klen, void *value, void *payload),
                     void *payload);

/* Pointer keys: use the bytes of a pointer stored somewhere lasting (e.g.
 * &meta->model with klen sizeof(void *)); lookups may pass a local copy. */

#endif
