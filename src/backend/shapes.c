/* shapes.c - the compiled SELECTs of a session by query shape: a query of a
 * shape run before reuses its SQL, parameter map and statement instead of
 * being compiled and looked up by text again (query/shape.c builds the
 * keys and the maps; this file only keeps them). */
#include <string.h>

#include "backend/db.h"
#include "core/alloc.h"

/* Shapes kept per session: when full, all are dropped (a program whose
 * shapes vary without bound compiles as it would without the cache). */
#define SHAPE_CACHE_MAX 512

/* The entry and its key live in one allocation: the key follows it. */
static void free_entry(const void *key, size_t klen, void *value, void *payload) {
    (void)key;
    (void)klen;
    (void)payload;
    dorm_shape_entry *en = value;
    dorm_mem__free(en->sql);
    dorm_mem__free(en->slots);
    dorm_mem__free(en);
}

static void forget_stmt(const void *key, size_t klen, void *value, void *payload) {
    (void)key;
    (void)klen;
    (void)payload;
    ((dorm_shape_entry *)value)->cs = NULL;
}

void dorm_link__shapes_clear(dorm_link *l, bool all) {
    if (!l) return;
    dorm_hmap__each(&l->shapes, all ? free_entry : forget_stmt, NULL);
    if (all) {
        dorm_hmap__free(&l->shapes);
        l->last_shape = NULL;
        l->last_plan.en = NULL;
    }
}

dorm_shape_entry *dorm_db__shape_get(dorm_db *db, const void *key, size_t klen) {
    dorm_link *l = db->link;
    if (!l) return NULL;
    /* A loop runs one shape over and over: comparing its key with the last
     * one found is cheaper than hashing it. */
    dorm_shape_entry *en = l->last_shape;
    if (en && en->klen == klen && memcmp(en + 1, key, klen) == 0) return en;
    en = dorm_hmap__get(&l->shapes, key, klen);
    if (en) l->last_shape = en;
    return en;
}

int dorm_db__shape_put(dorm_db *db, const void *key, size_t klen, const char *sql, size_t len, void *slots,
                       size_t nslots, dorm_cached_stmt *cs, bool one_row) {
    dorm_link *l = db->link;
    if (l && dorm_hmap__get(&l->shapes, key, klen)) {
        /* A query of the shape nested in another's run compiled it too. */
        dorm_mem__free(slots);
        return 0;
    }
    dorm_shape_entry *en = l ? dorm_mem__calloc(1, sizeof *en + klen) : NULL;
    char *text = en && sql ? dorm_mem__alloc(len + 1) : NULL;
    if (!en || (sql && !text)) {
        dorm_mem__free(en);
        dorm_mem__free(slots);
        return DORM_ENOMEM;
    }
    if (sql) {
        memcpy(text, sql, len);
        text[len] = '\0';
    }
    *en = (dorm_shape_entry){text, len, slots, nslots, cs && cs->cached ? cs : NULL, klen, one_row};
    unsigned char *k = (unsigned char *)(en + 1);
    memcpy(k, key, klen);
    if (l->shapes.len >= SHAPE_CACHE_MAX) dorm_link__shapes_clear(l, true);
    if (dorm_hmap__put(&l->shapes, k, klen, en)) {
        free_entry(NULL, 0, en, NULL);
        return DORM_ENOMEM;
    }
    l->last_shape = en;
    return 0;
}
