/* m2m.c - the writing side of a many-to-many manager (book.tags): add,
 * remove, clear, set and create, as Django's ManyRelatedManager does them —
 * rows of the join table inserted (skipping pairs already there) or deleted,
 * both directions for a symmetrical relation, each call in one transaction. */
#include <string.h>

#include "exec/exec.h"

typedef struct m2m_job {
    void *owner;
    const dorm_rel *rel;
    void *const *objs;
    size_t n;
    const dorm_set *const *defaults;
    const void *init;
    void *made;
} m2m_job;

/* "No condition on this side" for pairs(). */
static const dorm_value NONE = {DORM_T_NONE, 0, {0}};

static dorm_ctx *ctx_of(void *owner) { return ((dorm_object *)owner)->cx; }

static int owner_ready(void *owner, const dorm_rel *rel) {
    dorm_ctx *cx = ctx_of(owner);
    dorm_error_clear(cx);
    if (dorm_pk_is_set(owner)) return DORM_OK;
    const dorm_meta *m = dorm_meta_of_obj(owner);
    return dorm_fail(cx, DORM_EVALUE,
                     "\"%s object\" needs to have a value for field \"%s\" before this many-to-many relationship "
                     "(%s) can be used.",
                     m->model->name, m->pk->f->name, rel->name);
}

/* The join rows whose key to this side is `src` and, unless `dst` is NONE,
 * whose key to the other side is `dst` (a LIST: is in it). */
static dorm_qs *pairs(dorm_ctx *cx, const dorm_rel *rel, dorm_value src, dorm_value dst) {
    const char *in = dorm_sprintf(cx, "%s__in", rel->to_fk->attname);
    const char *src_path = src.type == DORM_T_LIST ? dorm_sprintf(cx, "%s__in", rel->fk->attname) : rel->fk->attname;
    if (!in || !src_path) return NULL;
    dorm_qs *qs = dorm_clear_ordering(dorm_qs_all(cx, rel->through->model));
    qs = dorm_qs_filter(qs, (const dorm_q *const[]){&(const dorm_q){DORM_Q_LEAF, src_path, src, NULL}, NULL});
    if (dst.type == DORM_T_NONE) return qs;
    const char *dst_path = dst.type == DORM_T_LIST ? in : rel->to_fk->attname;
    return dorm_qs_filter(qs, (const dorm_q *const[]){&(const dorm_q){DORM_Q_LEAF, dst_path, dst, NULL}, NULL});
}

static int delete_pairs(dorm_ctx *cx, const dorm_rel *rel, dorm_value src, dorm_value dst) {
    dorm_qs *qs = pairs(cx, rel, src, dst);
    return qs ? dorm_qs_delete(qs, NULL) : DORM_ENOMEM;
}

/* Puts a key (integer, text or UUID) in a map, the map's value pointing at
 * the key; `key` must outlive the map. */
static int put_key(dorm_ctx *cx, dorm_hmap *map, const dorm_value *key) {
    size_t len;
    const void *k = dorm_key_bytes(key, &len);
    return dorm_hmap_put(map, k, len, (void *)key) ? dorm_fail(cx, DORM_ENOMEM, "out of memory") : DORM_OK;
}

static bool has_key(const dorm_hmap *map, const dorm_value *key) {
    size_t len;
    const void *k = dorm_key_bytes(key, &len);
    return dorm_hmap_get(map, k, len) != NULL;
}

/* Keys to the other side already joined to `src` (among `dst` unless NONE),
 * as a map whose values are the keys. */
static int joined(dorm_ctx *cx, const dorm_rel *rel, dorm_value src, dorm_value dst, dorm_hmap *out) {
    dorm_qs *qs = pairs(cx, rel, src, dst);
    qs = dorm_qs_values_list(qs, true, (const char *const[]){rel->to_fk->attname, NULL});
    size_t n = 0;
    const dorm_row **rows = dorm_rows(qs, &n);
    if (!rows) return dorm_errcode(cx) ? dorm_errcode(cx) : DORM_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        int rc = put_key(cx, out, &rows[i]->values[0]);
        if (rc) return rc;
    }
    return DORM_OK;
}

/* Inserts the join rows (src, keys[i]) that are not there yet. */
static int add_pairs(dorm_ctx *cx, const dorm_rel *rel, dorm_value src, const dorm_value *keys, size_t n,
                     const dorm_set *const *defaults) {
    dorm_hmap have = DORM_HMAP_INIT;
    void **rows = dorm_alloc(cx, sizeof(void *) * (n ? n : 1));
    int rc = rows ? joined(cx, rel, src, dorm_v_list(keys, n), &have) : DORM_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; rc == DORM_OK && i < n; i++) {
        if (has_key(&have, &keys[i])) continue;
        /* A key given twice is added once. */
        if ((rc = put_key(cx, &have, &keys[i]))) break;
        void *row = dorm_new_(cx, rel->through->model);
        if (!row) {
            rc = dorm_errcode(cx) ? dorm_errcode(cx) : DORM_ENOMEM;
            break;
        }
        if (!(rc = dorm_apply_sets(cx, rel->through, row, defaults)) && !(rc = dorm_field_set(row, rel->fk, &src)))
            rc = dorm_field_set(row, rel->to_fk, &keys[i]);
        rows[k++] = row;
    }
    dorm_hmap_free(&have);
    if (rc == DORM_OK && k) rc = dorm_bulk_create_(cx, rel->through->model, rows, k, 0);
    return rc;
}

static int add_run(void *payload) {
    m2m_job *j = payload;
    dorm_ctx *cx = ctx_of(j->owner);
    dorm_value *keys, src = dorm_pk_value(j->owner);
    int rc = dorm_related_keys(cx, j->rel, j->objs, j->n, &keys);
    if (rc || j->n == 0) return rc;
    rc = add_pairs(cx, j->rel, src, keys, j->n, j->defaults);
    /* Symmetrical: each added object gets the owner too (Django adds both ways). */
    for (size_t i = 0; rc == DORM_OK && j->rel->symmetrical && i < j->n; i++)
        rc = add_pairs(cx, j->rel, keys[i], &src, 1, j->defaults);
    return rc;
}

static int remove_keys(dorm_ctx *cx, const dorm_rel *rel, dorm_value src, dorm_value keys) {
    int rc = delete_pairs(cx, rel, src, keys);
    if (rc == DORM_OK && rel->symmetrical) rc = delete_pairs(cx, rel, keys, src);
    return rc;
}

static int remove_run(void *payload) {
    m2m_job *j = payload;
    dorm_ctx *cx = ctx_of(j->owner);
    dorm_value *keys;
    int rc = dorm_related_keys(cx, j->rel, j->objs, j->n, &keys);
    if (rc || j->n == 0) return rc;
    return remove_keys(cx, j->rel, dorm_pk_value(j->owner), dorm_v_list(keys, j->n));
}

static int clear_run(void *payload) {
    m2m_job *j = payload;
    dorm_ctx *cx = ctx_of(j->owner);
    dorm_value src = dorm_pk_value(j->owner);
    int rc = delete_pairs(cx, j->rel, src, NONE);
    if (rc == DORM_OK && j->rel->symmetrical) {
        /* The rows pointing back: their key to the other side is the owner. */
        dorm_rel back = *j->rel;
        back.fk = j->rel->to_fk;
        back.to_fk = j->rel->fk;
        rc = delete_pairs(cx, &back, src, NONE);
    }
    return rc;
}

/* set(): removes the pairs not in objs and adds the missing ones. */
static int set_run(void *payload) {
    m2m_job *j = payload;
    dorm_ctx *cx = ctx_of(j->owner);
    dorm_value *keys, src = dorm_pk_value(j->owner);
    int rc = dorm_related_keys(cx, j->rel, j->objs, j->n, &keys);
    dorm_hmap have = DORM_HMAP_INIT, wanted = DORM_HMAP_INIT;
    if (!rc) rc = joined(cx, j->rel, src, NONE, &have);
    for (size_t i = 0; rc == DORM_OK && i < j->n; i++) rc = put_key(cx, &wanted, &keys[i]);
    dorm_value *gone = rc ? NULL : dorm_alloc(cx, sizeof(dorm_value) * (have.len + 1));
    size_t ngone = 0;
    if (!rc && !gone) rc = DORM_ENOMEM;
    for (size_t i = 0; rc == DORM_OK && i < have.cap; i++) {
        const dorm_value *k = have.slots[i].value;
        if (have.slots[i].key && !has_key(&wanted, k)) gone[ngone++] = *k;
    }
    dorm_hmap_free(&have);
    dorm_hmap_free(&wanted);
    if (rc == DORM_OK && ngone) rc = remove_keys(cx, j->rel, src, dorm_v_list(gone, ngone));
    return rc ? rc : add_run(j);
}

static int create_run(void *payload) {
    m2m_job *j = payload;
    dorm_ctx *cx = ctx_of(j->owner);
    j->made = dorm_create_(cx, j->rel->model->model, j->init);
    if (!j->made) return dorm_errcode(cx) ? dorm_errcode(cx) : DORM_ENOMEM;
    j->objs = &j->made;
    j->n = 1;
    return add_run(j);
}

static int run(m2m_job *j, int (*fn)(void *)) {
    int rc = owner_ready(j->owner, j->rel);
    if (rc == DORM_OK) rc = dorm_in_transaction(ctx_of(j->owner), fn, j);
    if (rc == DORM_OK) dorm_relcache_drop(j->owner, j->rel);
    return rc;
}

int dorm_m2m_add(void *owner, const dorm_rel *rel, void *const *objs, size_t n, const dorm_set *const *through_defaults) {
    m2m_job j = {owner, rel, objs, n, through_defaults, NULL, NULL};
    return run(&j, add_run);
}

int dorm_m2m_remove(void *owner, const dorm_rel *rel, void *const *objs, size_t n) {
    m2m_job j = {owner, rel, objs, n, NULL, NULL, NULL};
    return run(&j, remove_run);
}

int dorm_m2m_clear(void *owner, const dorm_rel *rel) {
    m2m_job j = {owner, rel, NULL, 0, NULL, NULL, NULL};
    return run(&j, clear_run);
}

int dorm_m2m_set(void *owner, const dorm_rel *rel, void *const *objs, size_t n, const dorm_set *const *through_defaults) {
    m2m_job j = {owner, rel, objs, n, through_defaults, NULL, NULL};
    return run(&j, set_run);
}

void *dorm_m2m_create(void *owner, const dorm_rel *rel, const void *init, const dorm_set *const *through_defaults) {
    m2m_job j = {owner, rel, NULL, 0, through_defaults, init, NULL};
    return run(&j, create_run) == DORM_OK ? j.made : NULL;
}

const dorm_model *dorm_through(dorm_ctx *cx, const dorm_model *model, const char *field) {
    const dorm_meta *m = dorm_model_meta(cx, model);
    if (!m) return NULL;
    for (int i = 0; i < m->nm2m; i++)
        if (m->m2m[i].m2m && m->m2m[i].through && m->m2m[i].m2m->name == m->m2m[i].name &&
            strcmp(m->m2m[i].name, field) == 0)
            return m->m2m[i].through->model;
    dorm_fail(cx, DORM_EFIELD, "%s has no many-to-many field named '%s'", model->name, field);
    return NULL;
}
