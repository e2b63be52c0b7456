/* prefetch.c - prefetch_related(): after a QuerySet is fetched, each lookup
 * is loaded for all its objects with one query per level (reverse ForeignKeys
 * and many-to-many grouped onto their owners, forward ones attached to
 * dorm_fk; a Prefetch's own QuerySet and to_attr on the last level), and the
 * related manager dorm_related(), which answers from that cache. */
#include <stdlib.h>
#include <string.h>

#include "exec/exec.h"
#include "core/alloc.h"

typedef dorm_relcache relcache;

static bool same_attr(const char *a, const char *b) { return a == b || (a && b && strcmp(a, b) == 0); }

static relcache *cache_of(const void *obj, const dorm_rel *rel, const char *attr) {
    const dorm_obj_ext *x = ((const dorm_object *)obj)->ext;
    for (relcache *c = x ? x->rels : NULL; c; c = c->next)
        if (c->rel == rel && same_attr(c->attr, attr)) return c;
    return NULL;
}

static relcache *cache_named(const void *obj, const char *attr, size_t n) {
    const dorm_obj_ext *x = ((const dorm_object *)obj)->ext;
    for (relcache *c = x ? x->rels : NULL; c; c = c->next)
        if (c->attr && strncmp(c->attr, attr, n) == 0 && c->attr[n] == '\0') return c;
    return NULL;
}

/* What the level being loaded takes from its Prefetch: its QuerySet and
 * to_attr apply to the last level of the lookup only. */
typedef struct level {
    const dorm_prefetch *item;
    dorm_qs *base;
    const char *attr;
} level;

/* The objects of `model` whose `path` (a key) is in keys[0..n), in chunks the
 * backend can bind, ordered by the model's Meta.ordering; for a many-to-many
 * `m2m`, the other side's objects joined to keys, each carrying its owner's
 * key (DORM_M2M_KEY).  Read through the model's default manager (`many`: a
 * reverse or many-to-many relation, as Django's related managers) or its
 * base manager (a forward key), unless the Prefetch has a QuerySet.  NULL
 * on error. */
static void **fetch_in(dorm_ctx *cx, const dorm_meta *m, const level *lv, const char *path, const dorm_rel *m2m,
                       bool many, const dorm_value *keys, size_t n, size_t *count) {
    size_t chunk = (size_t)cx->db->dialect->max_params - 1, total = 0, cap = n ? n : 1;
    if (lv->base && lv->base->meta != m) {
        dorm_ctx_fail(cx, DORM_EVALUE, "The Prefetch queryset of '%s' must be a QuerySet of %s, not of %s.",
                      lv->item->lookup, m->model->name, lv->base->meta->model->name);
        return NULL;
    }
    dorm_qs *base = lv->base ? lv->base : many ? dorm_qs_default(cx, m->model) : dorm_qs_base(cx, m->model);
    void **all = dorm_alloc(cx, sizeof(void *) * (cap + 1));
    if (!all) return NULL;
    for (size_t off = 0; off < n; off += chunk) {
        size_t k = n - off < chunk ? n - off : chunk;
        dorm_qs *qs = m2m
            ? dorm_qs__m2m(base, m2m, dorm_v_list(keys + off, k), true)
            : dorm_qs_filter(
                  base,
                  (const dorm_q *const[]){&(const dorm_q){DORM_Q_LEAF, path, dorm_v_list(keys + off, k), NULL}, NULL});
        size_t got;
        void **objs = dorm_qs_list(qs, &got);
        if (!objs) return NULL;
        if (total + got > cap) {
            size_t ncap = (total + got) * 2;
            void **grown = dorm_alloc(cx, sizeof(void *) * (ncap + 1));
            if (!grown) return NULL;
            memcpy(grown, all, sizeof(void *) * total);
            all = grown;
            cap = ncap;
        }
        memcpy(all + total, objs, sizeof(void *) * got);
        total += got;
    }
    all[total] = NULL;
    *count = total;
    return all;
}

static int prefetch(dorm_ctx *cx, const dorm_meta *m, void **objs, size_t n, const char *path,
                    const dorm_prefetch *item);

/* The owner key a fetched child belongs to (NULL for none). */
static dorm_value owner_key(const dorm_rel *rel, const void *kid) {
    if (!rel->through) return dorm_field__get(kid, rel->fk);
    const dorm_value *v = dorm_annotation(kid, DORM_M2M_KEY);
    return v ? *v : dorm_v_null();
}

static void *lookup(const dorm_hmap *index, dorm_value v) {
    size_t len;
    if (v.type == DORM_T_NULL) return NULL;
    const void *k = dorm_key__bytes(&v, &len);
    return dorm_hmap__get(index, k, len);
}

/* A level an earlier path loaded ("tags" before "tags__books") runs no
 * query again: the next level starts from the cached children. */
static int descend_cached(dorm_ctx *cx, const dorm_rel *rel, const char *attr, size_t alen, void **owners, size_t n,
                          const char *rest, const dorm_prefetch *item) {
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        const relcache *c = rel ? cache_of(owners[i], rel, attr) : cache_named(owners[i], attr, alen);
        total += c ? c->n : 0;
    }
    void **kids = dorm_alloc(cx, sizeof(void *) * (total + 1));
    if (!kids) return DORM_ENOMEM;
    size_t k = 0;
    dorm_hmap seen = DORM_HMAP_INIT;
    int rc = DORM_OK;
    for (size_t i = 0; i < n && rc == DORM_OK; i++) {
        const relcache *c = rel ? cache_of(owners[i], rel, attr) : cache_named(owners[i], attr, alen);
        if (!c) continue;
        /* Owners repeated in the list share one cached array: take it once. */
        if (dorm_hmap__get(&seen, &c->objs, sizeof(void *))) continue;
        if (dorm_hmap__put(&seen, &c->objs, sizeof(void *), c->objs))
            rc = dorm_ctx_fail(cx, DORM_ENOMEM, "out of memory");
        memcpy(kids + k, c->objs, sizeof(void *) * c->n);
        k += c->n;
    }
    dorm_hmap__free(&seen);
    kids[k] = NULL;
    if (rc || !rest || !k) return rc;
    return prefetch(cx, dorm_meta_of_obj(kids[0]), kids, k, rest, item);
}

/* Reverse ForeignKey or many-to-many: children grouped onto their owners. */
static int prefetch_many(dorm_ctx *cx, const dorm_rel *rel, void **owners, size_t n, const char *rest,
                         const level *lv) {
    bool cached = true;
    for (size_t i = 0; i < n && cached; i++) cached = cache_of(owners[i], rel, lv->attr) != NULL;
    if (cached && !lv->base) return descend_cached(cx, rel, lv->attr, 0, owners, n, rest, lv->item);
    /* The owners' keys: their primary keys, or the field a to_field names. */
    const dorm_fmeta *pk = rel->fk->target_pk;
    dorm_value *keys = dorm_alloc(cx, sizeof(dorm_value) * (n ? n : 1));
    relcache *caches = dorm_alloc(cx, sizeof(relcache) * (n ? n : 1));
    dorm_hmap index = DORM_HMAP_INIT;
    if (!keys || !caches) return DORM_ENOMEM;
    size_t *first = dorm_alloc(cx, sizeof(size_t) * (n ? n : 1));
    if (!first) return DORM_ENOMEM;
    size_t nkeys = 0;
    for (size_t i = 0; i < n; i++) {
        caches[i].rel = rel;
        caches[i].attr = lv->attr;
        dorm_value v = dorm_field__get(owners[i], dorm_field_in(dorm_meta_of_obj(owners[i]), pk));
        relcache *had = lookup(&index, v);
        first[i] = had ? (size_t)(had - caches) : i;
        if (had || v.type == DORM_T_NULL) continue;
        keys[nkeys] = v;
        size_t len;
        const void *k = dorm_key__bytes(&keys[nkeys++], &len);
        if (dorm_hmap__put(&index, k, len, &caches[i])) {
            dorm_hmap__free(&index);
            return dorm_ctx_fail(cx, DORM_ENOMEM, "out of memory");
        }
    }
    const char *path = dorm_sprintf(cx, "%s__in", rel->fk->f->name);
    size_t nkids = 0;
    void **kids =
        path ? fetch_in(cx, rel->model, lv, path, rel->through ? rel : NULL, true, keys, nkeys, &nkids) : NULL;
    int rc = kids ? DORM_OK : (dorm_errcode(cx) ? dorm_errcode(cx) : DORM_ENOMEM);
    /* Count per owner, then hand out slices of one array, in query order;
     * each child's owner is looked up once. */
    relcache **owner_of = rc == DORM_OK ? dorm_mem__alloc(sizeof(relcache *) * (nkids ? nkids : 1)) : NULL;
    if (rc == DORM_OK && !owner_of) rc = dorm_ctx_fail(cx, DORM_ENOMEM, "out of memory");
    for (size_t i = 0; rc == DORM_OK && i < nkids; i++) {
        relcache *c = owner_of[i] = lookup(&index, owner_key(rel, kids[i]));
        if (c) c->n++;
    }
    void **slots = rc == DORM_OK ? dorm_alloc(cx, sizeof(void *) * (nkids + n)) : NULL;
    if (rc == DORM_OK && !slots) rc = DORM_ENOMEM;
    for (size_t i = 0, at = 0; rc == DORM_OK && i < n; i++) {
        caches[i].objs = slots + at;
        at += caches[i].n + 1;
        caches[i].objs[caches[i].n] = NULL;
        caches[i].n = 0;
    }
    for (size_t i = 0; rc == DORM_OK && i < nkids; i++) {
        relcache *c = owner_of[i];
        if (!c) continue;
        c->objs[c->n++] = kids[i];
        /* The child's way back to its owner is known: no query for it. */
        if (!rel->through) *dorm_fk_cache(dorm_member(kids[i], rel->fk), rel->fk) = owners[(size_t)(c - caches)];
    }
    dorm_mem__free(owner_of);
    dorm_hmap__free(&index);
    if (rc) return rc;
    for (size_t i = 0; i < n; i++) {
        dorm_obj_ext *x = dorm_obj__ext_of(owners[i]);
        if (!x) return DORM_ENOMEM;
        caches[i].objs = caches[first[i]].objs;
        caches[i].n = caches[first[i]].n;
        caches[i].next = x->rels;
        x->rels = &caches[i];
    }
    return rest ? prefetch(cx, rel->model, kids, nkids, rest, lv->item) : DORM_OK;
}

/* A forward ForeignKey's object kept under a to_attr: a list of at most one. */
static int attach_one(dorm_ctx *cx, void *obj, const char *attr, void *target) {
    relcache *c = dorm_alloc(cx, sizeof *c);
    void **one = dorm_alloc(cx, sizeof(void *) * 2);
    dorm_obj_ext *x = dorm_obj__ext_of(obj);
    if (!c || !one || !x) return DORM_ENOMEM;
    one[0] = target;
    one[1] = NULL;
    /* Found by its name only: a forward key has no dorm_rel. */
    *c = (relcache){NULL, attr, one, target ? 1 : 0, x->rels};
    x->rels = c;
    return DORM_OK;
}

/* Forward ForeignKey: the targets loaded once and attached to dorm_fk. */
static int prefetch_forward(dorm_ctx *cx, const dorm_fmeta *fk, void **objs, size_t n, const char *rest,
                            const level *lv) {
    /* Already loaded (select_related, or the way back of a reverse
     * prefetch): Django runs no query, and the next level starts from them. */
    bool cached = !lv->base && !lv->attr;
    for (size_t i = 0; i < n && cached; i++)
        if (dorm_field__get(objs[i], fk).type != DORM_T_NULL && !*dorm_fk_cache(dorm_member(objs[i], fk), fk))
            cached = false;
    if (cached) {
        if (!rest) return DORM_OK;
        void **loaded = dorm_alloc(cx, sizeof(void *) * (n + 1));
        if (!loaded) return DORM_ENOMEM;
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            void *t = *dorm_fk_cache(dorm_member(objs[i], fk), fk);
            bool seen = false;
            for (size_t j = 0; j < k && !seen; j++) seen = loaded[j] == t;
            if (t && !seen) loaded[k++] = t;
        }
        loaded[k] = NULL;
        return prefetch(cx, fk->target, loaded, k, rest, lv->item);
    }
    dorm_value *keys = dorm_alloc(cx, sizeof(dorm_value) * (n ? n : 1));
    if (!keys) return DORM_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if ((keys[k] = dorm_field__get(objs[i], fk)).type != DORM_T_NULL) k++;
    size_t ntargets = 0;
    const char *path = dorm_sprintf(cx, "%s__in", fk->target_pk->f->name);
    void **targets = path ? fetch_in(cx, fk->target, lv, path, NULL, false, keys, k, &ntargets) : NULL;
    dorm_value *store = targets ? dorm_alloc(cx, sizeof(dorm_value) * (ntargets ? ntargets : 1)) : NULL;
    if (!targets || !store) return dorm_errcode(cx) ? dorm_errcode(cx) : DORM_ENOMEM;
    dorm_hmap index = DORM_HMAP_INIT;
    for (size_t i = 0; i < ntargets; i++) {
        store[i] = dorm_field__get(targets[i], dorm_field_in(dorm_meta_of_obj(targets[i]), fk->target_pk));
        size_t len;
        const void *key = dorm_key__bytes(&store[i], &len);
        if (dorm_hmap__put(&index, key, len, targets[i])) {
            dorm_hmap__free(&index);
            return dorm_ctx_fail(cx, DORM_ENOMEM, "out of memory");
        }
    }
    int rc = DORM_OK;
    for (size_t i = 0; i < n && rc == DORM_OK; i++) {
        void *t = lookup(&index, dorm_field__get(objs[i], fk));
        if (lv->attr)
            rc = attach_one(cx, objs[i], lv->attr, t);
        else
            *dorm_fk_cache(dorm_member(objs[i], fk), fk) = t;
    }
    dorm_hmap__free(&index);
    if (rc) return rc;
    return rest ? prefetch(cx, fk->target, targets, ntargets, rest, lv->item) : DORM_OK;
}

/* Whether a to_attr would hide a field or relation of the model (Django
 * refuses it). */
static bool names_member(const dorm_meta *m, const char *attr) {
    return dorm_meta__field(m, attr) || dorm_meta__accessor(m, attr) || dorm_meta__m2m_accessor(m, attr);
}

static int prefetch(dorm_ctx *cx, const dorm_meta *m, void **objs, size_t n, const char *path,
                    const dorm_prefetch *item) {
    if (!n) return DORM_OK;
    const char *sep = strstr(path, "__");
    size_t len = sep ? (size_t)(sep - path) : strlen(path);
    const char *rest = sep ? sep + 2 : NULL;
    const char *full = item->lookup;
    level lv = {item, rest ? NULL : item->queryset, rest ? NULL : item->to_attr};
    if (lv.attr && names_member(m, lv.attr))
        return dorm_ctx_fail(cx, DORM_EVALUE, "to_attr=%s conflicts with a field on the %s model.", lv.attr,
                             m->model->name);
    char *name = dorm_alloc(cx, len + 1);
    if (!name) return DORM_ENOMEM;
    memcpy(name, path, len);
    name[len] = '\0';
    /* Relations by accessor name, a multi-table parent's included. */
    const dorm_rel *r = dorm_meta__accessor(m, name);
    if (!r) r = dorm_meta__m2m_accessor(m, name);
    if (r) return prefetch_many(cx, r, objs, n, rest, &lv);
    const dorm_fmeta *fm = dorm_meta__fieldn(m, path, len);
    if (fm && fm->f->kind == DORM_KIND_FK && fm->target) return prefetch_forward(cx, fm, objs, n, rest, &lv);
    if (fm)
        return dorm_ctx_fail(
            cx, DORM_EVALUE,
            "'%s' does not resolve to an item that supports prefetching - this is an invalid parameter to "
            "prefetch_related().",
            full);
    /* A name an earlier Prefetch stored with to_attr: go on from its objects. */
    for (size_t i = 0; i < n; i++)
        if (rest && cache_named(objs[i], path, len)) return descend_cached(cx, NULL, path, len, objs, n, rest, item);
    return dorm_ctx_fail(cx, DORM_EVALUE,
                         "Cannot find '%.*s' on %s object, '%s' is an invalid parameter to prefetch_related()",
                         (int)len, path, m->model->name, full);
}

int dorm_prefetch__objects(dorm_ctx *cx, const dorm_meta *m, void **objs, size_t n, const dorm_prefetch *const *items) {
    for (size_t i = 0; items && items[i]; i++) {
        int rc = prefetch(cx, m, objs, n, items[i]->lookup, items[i]);
        if (rc) return rc;
    }
    return DORM_OK;
}

void **dorm_prefetched(const void *obj, const char *to_attr, size_t *n) {
    const dorm_object *h = obj;
    if (!h || !h->meta || !to_attr) return NULL;
    const relcache *c = cache_named(obj, to_attr, strlen(to_attr));
    if (!c) {
        dorm_ctx_fail(h->cx, DORM_EFIELD, "'%s' object has no attribute '%s'", dorm_meta_of_obj(obj)->model->name,
                      to_attr);
        return NULL;
    }
    if (n) *n = c->n;
    return c->objs;
}

/* The QuerySet of relation `name` of obj, starting from `manager`'s
 * QuerySet of the related model: its default manager for a related manager
 * (Django builds those from the default manager's class), its base manager
 * for the reverse side of a one-to-one. */
static dorm_qs *relation_qs(void *obj, const char *name, dorm_qs *(*manager)(dorm_ctx *, const dorm_model *)) {
    dorm_object *h = obj;
    const dorm_meta *m = h ? h->meta : NULL;
    if (!m) return NULL;
    const dorm_rel *rel = dorm_meta__accessor(m, name);
    if (!rel) rel = dorm_meta__m2m_accessor(m, name);
    dorm_qs *qs = rel ? manager(h->cx, rel->model->model) : dorm_qs_all(h->cx, m->model);
    if (!qs || qs->err) return qs;
    if (!rel) {
        dorm_buf b = DORM_BUF_INIT;
        for (int i = 0; i < m->nreverse; i++)
            if (!m->reverse[i].hidden) dorm_buf_printf(&b, "%s%s", b.len ? ", " : "", m->reverse[i].name);
        for (int i = 0; i < m->nm2m; i++)
            if (!m->m2m[i].hidden && m->m2m[i].fk) dorm_buf_printf(&b, "%s%s", b.len ? ", " : "", m->m2m[i].name);
        dorm_qs__fail(qs, DORM_EFIELD, "'%s' object has no reverse relation '%s'. Choices are: %s", m->model->name,
                      name, b.data ? b.data : "(none)");
        dorm_buf_free(&b);
        return qs;
    }
    if (!dorm_pk__is_set(obj))
        return dorm_qs__fail(qs, DORM_EVALUE,
                             "'%s' instance needs to have a primary key value before this relationship can be used.",
                             m->model->name);
    dorm_value pk = rel->through ? dorm_pk__value(obj) : dorm_field__get(obj, dorm_field_in(m, rel->fk->target_pk));
    qs = rel->through
        ? dorm_qs__m2m(qs, rel, pk, false)
        : dorm_qs_filter(qs, (const dorm_q *const[]){&(const dorm_q){DORM_Q_LEAF, rel->fk->f->name, pk, NULL}, NULL});
    relcache *c = cache_of(obj, rel, NULL);
    if (qs && !qs->err && c) {
        qs->done = true;
        qs->objs = c->objs;
        qs->nobjs = c->n;
    } else if (qs && !qs->err && dorm_policy__lazy(obj, rel, rel->name, false)) {
        return dorm_qs__fail(qs, dorm_errcode(h->cx), "%s", dorm_errmsg(h->cx));
    }
    return qs;
}

dorm_qs *dorm_related(void *obj, const char *name) { return relation_qs(obj, name, dorm_qs_default); }

void *dorm_related_one(void *obj, const char *name) {
    dorm_object *h = obj;
    const dorm_meta *m = h ? dorm_meta_of_obj(obj) : NULL;
    if (!m) return NULL;
    const dorm_rel *rel = dorm_meta__accessor(m, name);
    if (!rel || !rel->single) {
        dorm_ctx_fail(h->cx, DORM_EFIELD, "'%s' object has no one-to-one relation '%s'.", m->model->name, name);
        return NULL;
    }
    /* Loaded by select_related or prefetch_related: no query. */
    const relcache *c = cache_of(obj, rel, NULL);
    dorm_qs *qs = c ? NULL : relation_qs(obj, name, dorm_qs_base);
    void *one = c ? (c->n ? c->objs[0] : NULL) : qs && !qs->err ? dorm_first(qs) : NULL;
    if (c) dorm_error_clear(h->cx);
    if (!one && dorm_errcode(h->cx) == DORM_OK)
        dorm_ctx_fail(h->cx, DORM_EDOESNOTEXIST, "%s has no %s.", m->model->name, name);
    return one;
}
