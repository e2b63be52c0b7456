/* test_hash.c - dorm_hmap: growth past 10,000 keys, replacement, backward-shift
 * deletion checked against a plain array, pointer keys, and the hash itself. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "core/hash.h"
#include "dorm/error.h"

enum { NKEYS = 10000 };
static char keys[NKEYS][16];

static void make_keys(void) {
    for (int i = 0; i < NKEYS; i++) snprintf(keys[i], sizeof keys[i], "key-%d", i);
}

static void *val(int i) { return (void *)((uintptr_t)i + 1); }

static void check_shape(const dorm_hmap *m) {
    cr_assert_eq(m->cap & (m->cap - 1), 0, "capacity %zu is a power of two", m->cap);
    cr_assert_leq(m->len * 10, m->cap * 7, "load stays at or under 70%%");
    size_t used = 0;
    for (size_t i = 0; i < m->cap; i++) used += m->slots[i].key != NULL;
    cr_assert_eq(used, m->len);
}

Test(hash, grow_to_ten_thousand_and_delete) {
    make_keys();
    dorm_hmap m = DORM_HMAP_INIT;
    cr_assert_null(dorm_hmap__get(&m, "x", 1));
    cr_assert_null(dorm_hmap__del(&m, "x", 1));
    for (int i = 0; i < NKEYS; i++) {
        cr_assert_eq(dorm_hmap__put(&m, keys[i], strlen(keys[i]), val(i)), 0);
        cr_assert_eq(m.len, (size_t)i + 1);
    }
    check_shape(&m);
    cr_assert_geq(m.cap, 16384);
    for (int i = 0; i < NKEYS; i++) cr_assert_eq(dorm_hmap__get(&m, keys[i], strlen(keys[i])), val(i));
    cr_assert_null(dorm_hmap__get(&m, "key-10000", 9));
    cr_assert_null(dorm_hmap__get(&m, "key-1", 4), "a prefix is another key");

    /* Replacing keeps the count. */
    cr_assert_eq(dorm_hmap__put(&m, keys[5], strlen(keys[5]), val(50000)), 0);
    cr_assert_eq(m.len, NKEYS);
    cr_assert_eq(dorm_hmap__get(&m, keys[5], strlen(keys[5])), val(50000));
    dorm_hmap__put(&m, keys[5], strlen(keys[5]), val(5));

    /* A lookup may use another buffer with the same bytes. */
    char copy[16];
    strcpy(copy, keys[1234]);
    cr_assert_eq(dorm_hmap__get(&m, copy, strlen(copy)), val(1234));

    for (int i = 0; i < NKEYS; i += 2) cr_assert_eq(dorm_hmap__del(&m, keys[i], strlen(keys[i])), val(i));
    cr_assert_eq(m.len, NKEYS / 2);
    check_shape(&m);
    for (int i = 0; i < NKEYS; i++) {
        void *v = dorm_hmap__get(&m, keys[i], strlen(keys[i]));
        if (i % 2)
            cr_assert_eq(v, val(i), "kept %s", keys[i]);
        else
            cr_assert_null(v, "deleted %s", keys[i]);
    }
    cr_assert_null(dorm_hmap__del(&m, keys[0], strlen(keys[0])), "deleting twice finds nothing");
    for (int i = 0; i < NKEYS; i += 2) dorm_hmap__put(&m, keys[i], strlen(keys[i]), val(i));
    cr_assert_eq(m.len, NKEYS);
    for (int i = 0; i < NKEYS; i++) cr_assert_eq(dorm_hmap__get(&m, keys[i], strlen(keys[i])), val(i));
    dorm_hmap__free(&m);
    cr_assert(m.slots == NULL && m.cap == 0 && m.len == 0);
    dorm_hmap__free(&m);
}

/* Random puts and deletes on a few hundred keys in a map that stays small,
 * so probe runs wrap around the table end: after every step the map agrees
 * with a plain array. */
Test(hash, random_ops_match_reference) {
    make_keys();
    enum { UNIVERSE = 300 };
    void *ref[UNIVERSE] = {0};
    size_t live = 0;
    dorm_hmap m = DORM_HMAP_INIT;
    uint64_t rng = 88172645463325252u;
    for (int step = 0; step < 200000; step++) {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        int k = (int)(rng % UNIVERSE);
        /* Bias towards deletes once the map is full enough to keep it small. */
        bool del = (rng >> 32) % 100 < (live > 100 ? 60 : 30);
        if (del) {
            cr_assert_eq(dorm_hmap__del(&m, keys[k], strlen(keys[k])), ref[k]);
            if (ref[k]) live--;
            ref[k] = NULL;
        } else {
            void *v = val(step);
            cr_assert_eq(dorm_hmap__put(&m, keys[k], strlen(keys[k]), v), 0);
            if (!ref[k]) live++;
            ref[k] = v;
        }
        cr_assert_eq(m.len, live);
        if (step % 97 == 0)
            for (int i = 0; i < UNIVERSE; i++) cr_assert_eq(dorm_hmap__get(&m, keys[i], strlen(keys[i])), ref[i]);
    }
    check_shape(&m);
    dorm_hmap__free(&m);
}

static void count_each(const void *key, size_t klen, void *value, void *payload) {
    size_t *sum = payload;
    int i;
    cr_assert_eq(sscanf(key, "key-%d", &i), 1);
    cr_assert_eq(klen, strlen(keys[i]));
    cr_assert_eq(value, val(i));
    sum[0]++;
    sum[1] += (size_t)i;
}

Test(hash, each_visits_every_entry_once) {
    make_keys();
    dorm_hmap m = DORM_HMAP_INIT;
    size_t want = 0;
    for (int i = 0; i < 1000; i++) {
        dorm_hmap__put(&m, keys[i], strlen(keys[i]), val(i));
        want += (size_t)i;
    }
    size_t sum[2] = {0, 0};
    dorm_hmap__each(&m, count_each, sum);
    cr_assert_eq(sum[0], 1000);
    cr_assert_eq(sum[1], want);
    dorm_hmap__free(&m);
    sum[0] = 0;
    dorm_hmap__each(&m, count_each, sum);
    cr_assert_eq(sum[0], 0);
}

Test(hash, pointer_and_empty_keys) {
    static int a, b;
    static const void *const pa = &a, *const pb = &b;
    dorm_hmap m = DORM_HMAP_INIT;
    cr_assert_eq(dorm_hmap__put(&m, &pa, sizeof(void *), "a"), 0);
    cr_assert_eq(dorm_hmap__put(&m, &pb, sizeof(void *), "b"), 0);
    const void *local = &b;
    cr_assert_str_eq(dorm_hmap__get(&m, &local, sizeof local), "b");
    cr_assert_eq(dorm_hmap__put(&m, "", 0, "empty"), 0);
    cr_assert_str_eq(dorm_hmap__get(&m, "", 0), "empty");
    cr_assert_eq(dorm_hmap__put(&m, NULL, 0, "x"), DORM_EVALUE);
    cr_assert_null(dorm_hmap__get(&m, NULL, 0));
    cr_assert_eq(m.len, 3);
    /* Keys are bytes, not C strings: an embedded NUL is part of the key. */
    cr_assert_eq(dorm_hmap__put(&m, "a\0b", 3, "anb"), 0);
    cr_assert_eq(dorm_hmap__put(&m, "a\0c", 3, "anc"), 0);
    cr_assert_str_eq(dorm_hmap__get(&m, "a\0b", 3), "anb");
    cr_assert_str_eq(dorm_hmap__get(&m, "a\0c", 3), "anc");
    dorm_hmap__free(&m);
}

Test(hash, hash_bytes) {
    const char *s = "SELECT \"id\" FROM \"library_book\" WHERE \"pages\" > ?";
    size_t n = strlen(s);
    cr_assert_eq(dorm_hash__bytes(s, n), dorm_hash__bytes(s, n));
    /* Every prefix length (covering each tail path) hashes differently, and
     * flipping any single bit changes the hash. */
    uint64_t seen[64];
    for (size_t len = 0; len <= n && len < 64; len++) {
        seen[len] = dorm_hash__bytes(s, len);
        for (size_t j = 0; j < len; j++) cr_assert_neq(seen[len], seen[j]);
    }
    char buf[64];
    memcpy(buf, s, n);
    uint64_t h = dorm_hash__bytes(buf, n);
    for (size_t bit = 0; bit < n * 8; bit++) {
        buf[bit / 8] ^= (char)(1 << (bit % 8));
        cr_assert_neq(dorm_hash__bytes(buf, n), h, "bit %zu", bit);
        buf[bit / 8] ^= (char)(1 << (bit % 8));
    }
    /* The low bits pick the slot: sequential keys spread over them. */
    make_keys();
    int buckets[64] = {0};
    for (int i = 0; i < 6400; i++) buckets[dorm_hash__bytes(keys[i], strlen(keys[i])) & 63]++;
    for (int i = 0; i < 64; i++) cr_assert(buckets[i] > 50 && buckets[i] < 150, "bucket %d: %d", i, buckets[i]);
}
