/* m2m.c - the writing side of a many-to-many manager (book.tags): add,
 * remove, clear, set and create, as Django's ManyRelatedManager does them —
 * the other side named by objects or by primary keys, rows of the join
 * table inserted (skipping pairs already there) or deleted, both directions
 * for a symmetrical relation, each call in one transaction, with
 * m2m_changed before and after each write. */
#include <string.h>

#include "exec/exec.h"
#include "exec/route.h"
#include "query/query.h"

typedef struct m2m_job {
    void *owner;
    const dorm_rel *rel;
    const dorm_value *items; /* objects (DORM_T_OBJECT) or their keys */
    size_t n;
    const dorm_set *const *defaults;
    const void *init;
    dorm_value made;
    bool from_set; /* set()'s add: no signals when nothing is new (Django adds only the new) */
} m2m_job;

/* "No condition on this side" for pairs(). */
static const dorm_value NONE = {DORM_T_NONE, 0, {0}};

static dorm_ctx *ctx_of(void *owner) { return ((dorm_object *)owner)->cx; }

static int owner_ready(void *owner, const dorm_rel *rel) {
    dorm_ctx *cx = ctx_of(owner);
    dorm_error_clear(cx);
    if (dorm_pk__is_set(owner)) return DORM_OK;
    const dorm_meta *m = dorm_meta_of_obj(owner);
    return dorm_ctx_fail(cx, DORM_EVALUE,
                         "\"%s object\" needs to have a value for field \"%s\" before this many-to-many relationship "
                         "(%s) can be used.",
                         m->model->name, m->pk->f->name, rel->name);
}

/* The keys of the other side's rows items name (Django's
 * _get_target_ids): an object's primary key (a saved instance of the
 * related model), or a value converted as that model's primary key
 * converts what it is compared with. */
static int item_keys(dorm_ctx *cx, const dorm_rel *rel, const dorm_value *items, size_t n, dorm_value **out) {
    dorm_value *keys = dorm_alloc(cx, sizeof(dorm_value) * (n ? n : 1));
    if (!keys) return DORM_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        int rc;
        if (items[i].type == DORM_T_OBJECT) {
            void *obj = (void *)items[i].u.p;
            dorm_value *key;
            rc = dorm_related__keys(cx, rel, &obj, 1, &key);
            if (!rc) keys[i] = *key;
        } else {
            rc = dorm_prep__value(cx, rel->model->pk, rel->model->pk->value_kind, &items[i], &keys[i]);
        }
        if (rc) return rc;
    }
    *out = keys;
    return DORM_OK;
}

/* The join rows whose key to this side is `src` and, unless `dst` is NONE,
 * whose key to the other side is `dst` (a LIST or a QuerySet: is in it),
 * through the join model's default manager (Django's). */
static dorm_qs *pairs(dorm_ctx *cx, const dorm_rel *rel, dorm_value src, dorm_value dst) {
    const char *in = dorm_sprintf(cx, "%s__in", rel->to_fk->attname);
    const char *src_path = src.type == DORM_T_LIST ? dorm_sprintf(cx, "%s__in", rel->fk->attname) : rel->fk->attname;
    if (!in || !src_path) return NULL;
    dorm_qs *qs = dorm_clear_ordering(dorm_qs_default(cx, rel->through->model));
    qs = dorm_qs_filter(qs, (const dorm_q *const[]){&(const dorm_q){DORM_Q_LEAF, src_path, src, NULL}, NULL});
    if (dst.type == DORM_T_NONE) return qs;
    const char *dst_path = dst.type == DORM_T_LIST || dst.type == DORM_T_QUERYSET ? in : rel->to_fk->attname;
    return dorm_qs_filter(qs, (const dorm_q *const[]){&(const dorm_q){DORM_Q_LEAF, dst_path, dst, NULL}, NULL});
}

static int delete_pairs(dorm_ctx *cx, const dorm_rel *rel, dorm_value src, dorm_value dst) {
    dorm_qs *qs = pairs(cx, rel, src, dst);
    return qs ? dorm_qs_delete(qs, NULL) : DORM_ENOMEM;
}

/* The other side's rows the related manager sees: NONE (every row) unless
 * the related model's default manager narrows its QuerySet; then a
 * QuerySet of their keys, which clear() and set() keep to (Django filters
 * them with the manager's own QuerySet). */
static dorm_value visible(dorm_ctx *cx, const dorm_rel *rel) {
    const dorm_manager *mg = rel->model->default_manager;
    if (!mg || !mg->get_queryset) return NONE;
    return dorm_v_queryset(
        dorm_qs_values_list(dorm_qs_default(cx, rel->model->model), true, (const char *const[]){"pk", NULL}));
}

/* Puts a key (integer, text or UUID) in a map, the map's value pointing at
 * the key; `key` must outlive the map. */
static int put_key(dorm_ctx *cx, dorm_hmap *map, const dorm_value *key) {
    size_t len;
    const void *k = dorm_key__bytes(key, &len);
    return dorm_hmap__put(map, k, len, (void *)key) ? dorm_ctx_fail(cx, DORM_ENOMEM, "out of memory") : DORM_OK;
}

static bool has_key(const dorm_hmap *map, const dorm_value *key) {
    size_t len;
    const void *k = dorm_key__bytes(key, &len);
    return dorm_hmap__get(map, k, len) != NULL;
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

/* The keys among keys[0..n) not joined to src yet, each once (Django's
 * missing_target_ids), into *out (arena). */
static int missing(dorm_ctx *cx, const dorm_rel *rel, dorm_value src, const dorm_value *keys, size_t n,
                   dorm_value **out, size_t *nout) {
    dorm_hmap have = DORM_HMAP_INIT;
    dorm_value *miss = dorm_alloc(cx, sizeof(dorm_value) * (n ? n : 1));
    int rc = miss ? joined(cx, rel, src, dorm_v_list(keys, n), &have) : DORM_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; rc == DORM_OK && i < n; i++) {
        if (has_key(&have, &keys[i])) continue;
        /* A key given twice is added once. */
        if ((rc = put_key(cx, &have, &keys[i]))) break;
        miss[k++] = keys[i];
    }
    dorm_hmap__free(&have);
    *out = miss;
    *nout = k;
    return rc;
}

/* Inserts the join rows (src, keys[i]). */
static int insert_pairs(dorm_ctx *cx, const dorm_rel *rel, dorm_value src, const dorm_value *keys, size_t n,
                        const dorm_set *const *defaults) {
    if (n == 0) return DORM_OK;
    void **rows = dorm_alloc(cx, sizeof(void *) * n);
    if (!rows) return DORM_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        void *row = dorm_new_(cx, rel->through->model);
        if (!row) return dorm_errcode(cx) ? dorm_errcode(cx) : DORM_ENOMEM;
        int rc = dorm_apply__sets(cx, rel->through, row, defaults);
        if (!rc) rc = dorm_field__set(row, rel->fk, &src);
        if (!rc) rc = dorm_field__set(row, rel->to_fk, &keys[i]);
        if (rc) return rc;
        rows[i] = row;
    }
    return dorm_bulk_create_(cx, rel->through->model, rows, n, 0);
}

static int add_run(void *payload) {
    m2m_job *j = payload;
    dorm_ctx *cx = ctx_of(j->owner);
    dorm_value *keys, *miss, src = dorm_pk__value(j->owner);
    size_t nmiss;
    for (size_t i = 0; i < j->n; i++)
        if (j->items[i].type == DORM_T_OBJECT && dorm_route__add(j->owner, j->items[i].u.p)) return DORM_EVALUE;
    int rc = item_keys(cx, j->rel, j->items, j->n, &keys);
    if (rc || j->n == 0) return rc;
    rc = missing(cx, j->rel, src, keys, j->n, &miss, &nmiss);
    bool signal = !j->from_set || nmiss > 0;
    if (!rc && signal) rc = dorm_signal__m2m(j->owner, j->rel, "pre_add", miss, nmiss);
    if (!rc) rc = insert_pairs(cx, j->rel, src, miss, nmiss, j->defaults);
    /* Symmetrical: each added object gets the owner too (Django adds both
     * ways, signalling the first only). */
    for (size_t i = 0; rc == DORM_OK && j->rel->symmetrical && i < j->n; i++) {
        dorm_value *back;
        size_t nback;
        rc = missing(cx, j->rel, keys[i], &src, 1, &back, &nback);
        if (!rc) rc = insert_pairs(cx, j->rel, keys[i], back, nback, j->defaults);
    }
    if (!rc && signal) rc = dorm_signal__m2m(j->owner, j->rel, "post_add", miss, nmiss);
    return rc;
}

/* Deletes the pairs of owner with keys (each once), between pre_remove
 * and post_remove naming them all, there or not (Django's old_ids). */
static int remove_keys(void *owner, const dorm_rel *rel, const dorm_value *keys, size_t n) {
    dorm_ctx *cx = ctx_of(owner);
    dorm_value src = dorm_pk__value(owner), *once = dorm_alloc(cx, sizeof(dorm_value) * (n ? n : 1));
    if (!once) return DORM_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        bool seen = false;
        for (size_t m = 0; m < k && !seen; m++) seen = dorm_value_equal(&once[m], &keys[i]);
        if (!seen) once[k++] = keys[i];
    }
    int rc = dorm_signal__m2m(owner, rel, "pre_remove", once, k);
    if (rc == DORM_OK) rc = delete_pairs(cx, rel, src, dorm_v_list(once, k));
    if (rc == DORM_OK && rel->symmetrical) rc = delete_pairs(cx, rel, dorm_v_list(once, k), src);
    if (rc == DORM_OK) rc = dorm_signal__m2m(owner, rel, "post_remove", once, k);
    return rc;
}

static int remove_run(void *payload) {
    m2m_job *j = payload;
    dorm_ctx *cx = ctx_of(j->owner);
    dorm_value *keys;
    int rc = item_keys(cx, j->rel, j->items, j->n, &keys);
    if (rc || j->n == 0) return rc;
    return remove_keys(j->owner, j->rel, keys, j->n);
}

static int clear_run(void *payload) {
    m2m_job *j = payload;
    dorm_ctx *cx = ctx_of(j->owner);
    dorm_value src = dorm_pk__value(j->owner), seen = visible(cx, j->rel);
    int rc = dorm_signal__m2m(j->owner, j->rel, "pre_clear", NULL, 0);
    if (rc == DORM_OK) rc = delete_pairs(cx, j->rel, src, seen);
    if (rc == DORM_OK && j->rel->symmetrical) {
        /* The rows pointing back: their key to the other side is the owner. */
        dorm_rel back = *j->rel;
        back.fk = j->rel->to_fk;
        back.to_fk = j->rel->fk;
        rc = delete_pairs(cx, &back, src, seen);
    }
    return rc ? rc : dorm_signal__m2m(j->owner, j->rel, "post_clear", NULL, 0);
}

/* set(): removes the pairs not among the items and adds the missing ones. */
static int set_run(void *payload) {
    m2m_job *j = payload;
    dorm_ctx *cx = ctx_of(j->owner);
    dorm_value *keys, src = dorm_pk__value(j->owner);
    int rc = item_keys(cx, j->rel, j->items, j->n, &keys);
    dorm_hmap have = DORM_HMAP_INIT, wanted = DORM_HMAP_INIT;
    if (!rc) rc = joined(cx, j->rel, src, visible(cx, j->rel), &have);
    for (size_t i = 0; rc == DORM_OK && i < j->n; i++) rc = put_key(cx, &wanted, &keys[i]);
    dorm_value *gone = rc ? NULL : dorm_alloc(cx, sizeof(dorm_value) * (have.len + 1));
    size_t ngone = 0;
    if (!rc && !gone) rc = DORM_ENOMEM;
    for (size_t i = 0; rc == DORM_OK && i < have.cap; i++) {
        const dorm_value *k = have.slots[i].value;
        if (have.slots[i].key && !has_key(&wanted, k)) gone[ngone++] = *k;
    }
    dorm_hmap__free(&have);
    dorm_hmap__free(&wanted);
    if (rc == DORM_OK && ngone) rc = remove_keys(j->owner, j->rel, gone, ngone);
    j->from_set = true;
    return rc ? rc : add_run(j);
}

static int create_run(void *payload) {
    m2m_job *j = payload;
    dorm_ctx *cx = ctx_of(j->owner);
    void *made = dorm_create_(cx, j->rel->model->model, j->init);
    if (!made) return dorm_errcode(cx) ? dorm_errcode(cx) : DORM_ENOMEM;
    j->made = dorm_v_object(made);
    j->items = &j->made;
    j->n = 1;
    return add_run(j);
}

static int run(m2m_job *j, int (*fn)(void *)) {
    int rc = owner_ready(j->owner, j->rel);
    if (rc == DORM_OK) rc = dorm_in__transaction(ctx_of(j->owner), fn, j);
    if (rc == DORM_OK) dorm_relcache__drop(j->owner, j->rel);
    return rc;
}

int dorm_m2m__add(void *owner, const dorm_rel *rel, const dorm_value *items, size_t n,
                  const dorm_set *const *through_defaults) {
    m2m_job j = {owner, rel, items, n, through_defaults, NULL, {DORM_T_NONE, 0, {0}}, false};
    return run(&j, add_run);
}

int dorm_m2m__remove(void *owner, const dorm_rel *rel, const dorm_value *items, size_t n) {
    m2m_job j = {owner, rel, items, n, NULL, NULL, {DORM_T_NONE, 0, {0}}, false};
    return run(&j, remove_run);
}

int dorm_m2m__clear(void *owner, const dorm_rel *rel) {
    m2m_job j = {owner, rel, NULL, 0, NULL, NULL, {DORM_T_NONE, 0, {0}}, false};
    return run(&j, clear_run);
}

int dorm_m2m__set(void *owner, const dorm_rel *rel, const dorm_value *items, size_t n,
                  const dorm_set *const *through_defaults) {
    m2m_job j = {owner, rel, items, n, through_defaults, NULL, {DORM_T_NONE, 0, {0}}, false};
    return run(&j, set_run);
}

void *dorm_m2m__create(void *owner, const dorm_rel *rel, const void *init, const dorm_set *const *through_defaults) {
    m2m_job j = {owner, rel, NULL, 0, through_defaults, init, {DORM_T_NONE, 0, {0}}, false};
    return run(&j, create_run) == DORM_OK ? (void *)j.made.u.p : NULL;
}

const dorm_model *dorm_through(dorm_ctx *cx, const dorm_model *model, const char *field) {
    const dorm_meta *m = dorm_model__meta(cx, model);
    if (!m) return NULL;
    for (int i = 0; i < m->nm2m; i++)
        if (m->m2m[i].m2m && m->m2m[i].through && m->m2m[i].m2m->name == m->m2m[i].name &&
            strcmp(m->m2m[i].name, field) == 0)
            return m->m2m[i].through->model;
    dorm_ctx_fail(cx, DORM_EFIELD, "%s has no many-to-many field named '%s'", model->name, field);
    return NULL;
}
