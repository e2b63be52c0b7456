/* hash.c - dorm_hmap, an open-addressing map from borrowed byte-string keys to
 * pointers: linear probing over a power-of-two table grown at 70% load, and
 * backward-shift deletion so no tombstones slow later probes.  The hash is
 * the short-input path of XXH64 applied to any length. */
#include <stdlib.h>
#include <string.h>

#include "dorm/error.h"
#include "hash.h"
#include "core/alloc.h"
#include "core/assert.h"

#define P1 UINT64_C(11400714785074694791)
#define P2 UINT64_C(14029467366897019727)
#define P3 UINT64_C(1609587929392839161)
#define P4 UINT64_C(9650029242287828579)
#define P5 UINT64_C(2870177450012600261)

#define HMAP_MIN_CAP 16

static uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

static uint64_t load64(const unsigned char *p) {
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static uint32_t load32(const unsigned char *p) {
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

uint64_t dorm_hash__bytes(const void *data, size_t n) {
    const unsigned char *p = data;
    uint64_t h = P5 + (uint64_t)n;
    for (; n >= 8; p += 8, n -= 8) {
        uint64_t k = rotl(load64(p) * P2, 31) * P1;
        h = rotl(h ^ k, 27) * P1 + P4;
    }
    if (n >= 4) {
        h = rotl(h ^ ((uint64_t)load32(p) * P1), 23) * P2 + P3;
        p += 4;
        n -= 4;
    }
    for (; n; p++, n--) h = rotl(h ^ (*p * P5), 11) * P1;
    h ^= h >> 33;
    h *= P2;
    h ^= h >> 29;
    h *= P3;
    h ^= h >> 32;
    return h;
}

/* The slot holding key, or the empty slot where it would go.  The table is
 * never full (load stays under 70%), so the probe ends. */
static size_t find_slot(const dorm_hmap *m, const void *key, size_t klen, uint64_t h) {
    DORM_ASSERT(m->cap && (m->cap & (m->cap - 1)) == 0 && m->len < m->cap);
    size_t mask = m->cap - 1;
    size_t i = (size_t)h & mask;
    for (;; i = (i + 1) & mask) {
        const dorm_hmap_entry *e = &m->slots[i];
        if (!e->key) return i;
        if (e->hash == h && e->klen == klen && (klen == 0 || memcmp(e->key, key, klen) == 0)) return i;
    }
}

static int grow(dorm_hmap *m) {
    size_t cap = m->cap ? m->cap * 2 : HMAP_MIN_CAP;
    if (cap > SIZE_MAX / sizeof(dorm_hmap_entry)) return DORM_ENOMEM;
    dorm_hmap_entry *slots = dorm_mem__calloc(cap, sizeof *slots);
    if (!slots) return DORM_ENOMEM;
    dorm_hmap old = *m;
    m->slots = slots;
    m->cap = cap;
    for (size_t i = 0; i < old.cap; i++) {
        if (!old.slots[i].key) continue;
        size_t j = (size_t)old.slots[i].hash & (cap - 1);
        while (slots[j].key) j = (j + 1) & (cap - 1);
        slots[j] = old.slots[i];
    }
    DORM_ASSERT(m->len == old.len);
    dorm_mem__free(old.slots);
    return 0;
}

void *dorm_hmap__get(const dorm_hmap *m, const void *key, size_t klen) {
    if (!m->len || !key) return NULL;
    const dorm_hmap_entry *e = &m->slots[find_slot(m, key, klen, dorm_hash__bytes(key, klen))];
    return e->key ? e->value : NULL;
}

int dorm_hmap__put(dorm_hmap *m, const void *key, size_t klen, void *value) {
    if (!key) return DORM_EVALUE;
    uint64_t h = dorm_hash__bytes(key, klen);
    if (m->cap) {
        dorm_hmap_entry *e = &m->slots[find_slot(m, key, klen, h)];
        if (e->key) {
            e->value = value;
            return 0;
        }
    }
    if ((m->len + 1) * 10 > m->cap * 7) {
        int rc = grow(m);
        if (rc) return rc;
    }
    dorm_hmap_entry *e = &m->slots[find_slot(m, key, klen, h)];
    e->key = key;
    e->klen = klen;
    e->hash = h;
    e->value = value;
    m->len++;
    return 0;
}

void *dorm_hmap__del(dorm_hmap *m, const void *key, size_t klen) {
    if (!m->len || !key) return NULL;
    size_t mask = m->cap - 1;
    size_t i = find_slot(m, key, klen, dorm_hash__bytes(key, klen));
    if (!m->slots[i].key) return NULL;
    void *value = m->slots[i].value;
    /* Backward shift: pull later members of the probe run into the hole
     * unless that would move one before its home slot. */
    for (size_t j = (i + 1) & mask; m->slots[j].key; j = (j + 1) & mask) {
        size_t home = (size_t)m->slots[j].hash & mask;
        bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
        if (stays) continue;
        m->slots[i] = m->slots[j];
        i = j;
    }
    m->slots[i].key = NULL;
    m->slots[i].value = NULL;
    m->len--;
    return value;
}

void dorm_hmap__free(dorm_hmap *m) {
    dorm_mem__free(m->slots);
    m->slots = NULL;
    m->cap = 0;
    m->len = 0;
}

void dorm_hmap__each(const dorm_hmap *m, void (*fn)(const void *key, size_t klen, void *value, void *payload),
                     void *payload) {
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].key) fn(m->slots[i].key, m->slots[i].klen, m->slots[i].value, payload);
}
