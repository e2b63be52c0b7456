/* manager.c - the writing side of a reverse related manager (author.books):
 * create, add, remove, clear and set, as Django's RelatedManager does them for
 * a ForeignKey — one UPDATE per call, remove/clear only where the key may be
 * NULL — and dropping the owner's prefetched list, which they make stale.
 * Many-to-many names are handed to m2m.c, which also takes primary keys. */
#include <string.h>

#include "exec/exec.h"
#include "model/messages.h"

/* What the children's ForeignKey stores for owner: its primary key, or the
 * field the key's to_field names. */
static dorm_value owner_key(void *owner, const dorm_rel *rel) {
    return dorm_field__get(owner, dorm_field_in(dorm_meta_of_obj(owner), rel->fk->target_pk));
}

/* A many-to-many accessor of owner, or NULL. */
static const dorm_rel *m2m(void *owner, const char *name) {
    dorm_object *h = owner;
    return h && h->meta ? dorm_meta__m2m_accessor(dorm_meta_of_obj(owner), name) : NULL;
}

/* The relation `name` of owner, checked: saved owner, known accessor. */
static const dorm_rel *relation(void *owner, const char *name) {
    dorm_object *h = owner;
    if (!h || !h->meta) return NULL;
    dorm_error_clear(h->cx);
    const dorm_meta *m = dorm_meta_of_obj(owner);
    const dorm_rel *rel = dorm_meta__accessor(m, name);
    if (!rel) {
        dorm_ctx_fail(h->cx, DORM_EFIELD, "'%s' object has no reverse relation '%s'.", m->model->name, name);
        return NULL;
    }
    if (!dorm_pk__is_set(owner)) {
        dorm_ctx_fail(h->cx, DORM_EVALUE,
                      "'%s' instance needs to have a primary key value before this relationship can be used.",
                      m->model->name);
        return NULL;
    }
    return rel;
}

/* objs as the items of a many-to-many write. */
static dorm_value *as_items(void *owner, void *const *objs, size_t n) {
    dorm_value *items = dorm_alloc(((dorm_object *)owner)->cx, sizeof(dorm_value) * (n ? n : 1));
    for (size_t i = 0; items && i < n; i++) items[i] = dorm_v_object(objs[i]);
    return items;
}

/* The objects of items for a ForeignKey's related manager, which takes
 * instances only: DORM_EVALUE with Django's message for anything else. */
static int as_objects(void *owner, const char *name, const dorm_value *items, size_t n, void ***out) {
    const dorm_rel *rel = relation(owner, name);
    dorm_ctx *cx = ((dorm_object *)owner)->cx;
    if (!rel) return dorm_errcode(cx);
    void **objs = dorm_alloc(cx, sizeof(void *) * (n ? n : 1));
    if (!objs) return DORM_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        if (items[i].type == DORM_T_OBJECT) {
            objs[i] = (void *)items[i].u.p;
            continue;
        }
        dorm_buf b = DORM_BUF_INIT;
        dorm_value__repr(&b, &items[i]);
        int rc = b.failed
            ? DORM_ENOMEM
            : dorm_ctx_fail(cx, DORM_EVALUE, "'%s' instance expected, got %s.", rel->model->model->name, b.data);
        dorm_buf_free(&b);
        return rc;
    }
    *out = objs;
    return DORM_OK;
}

void dorm_relcache__drop(void *owner, const dorm_rel *rel) {
    dorm_obj_ext *x = ((dorm_object *)owner)->ext;
    for (dorm_relcache **c = x ? &x->rels : NULL; c && *c; c = &(*c)->next)
        if ((*c)->rel == rel && !(*c)->attr) {
            *c = (*c)->next;
            return;
        }
}

/* UPDATE child SET fk = value WHERE <cond> (one statement), over the rows
 * `manager` gives: add() writes through the base manager, remove() and
 * clear() through the default one (Django filters the related manager's
 * own QuerySet there), so rows the default manager hides keep their key. */
static int set_key(dorm_ctx *cx, const dorm_rel *rel, const dorm_value *value, const dorm_q *const *cond,
                   dorm_qs *(*manager)(dorm_ctx *, const dorm_model *)) {
    dorm_qs *qs = dorm_clear_ordering(dorm_qs_filter(manager(cx, rel->model->model), cond));
    const dorm_set set = {rel->fk->f->name, *value};
    int64_t n = dorm_qs_update(qs, (const dorm_set *const[]){&set, NULL});
    return n < 0 ? (int)n : DORM_OK;
}

int dorm_related__keys(dorm_ctx *cx, const dorm_rel *rel, void *const *objs, size_t n, dorm_value **out) {
    dorm_value *keys = dorm_alloc(cx, sizeof(dorm_value) * (n ? n : 1));
    if (!keys) return DORM_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const dorm_object *o = objs[i];
        const dorm_meta *om = o ? dorm_meta_of_obj(o) : NULL;
        if (om != rel->model)
            return dorm_ctx_fail(cx, DORM_EVALUE, "'%s' instance expected, got %s.", rel->model->model->name,
                                 om ? om->model->name : "something else");
        if (dorm_pk__is_set(objs[i])) {
            keys[i] = dorm_pk__value(objs[i]);
            continue;
        }
        if (rel->through)
            return dorm_ctx_fail(cx, DORM_EVALUE,
                                 "Cannot add \"%s object\": instance is on database \"default\", value is not saved.",
                                 rel->model->model->name);
        return dorm_ctx_fail(cx, DORM_EVALUE, "instance isn't saved. Use bulk=False or save the object first.");
    }
    *out = keys;
    return DORM_OK;
}

int dorm_related_add(void *owner, const char *name, void *const *objs, size_t n) {
    return dorm_related_add_with(owner, name, objs, n, NULL);
}

int dorm_related_add_with(void *owner, const char *name, void *const *objs, size_t n,
                          const dorm_set *const *through_defaults) {
    const dorm_rel *mm = m2m(owner, name);
    if (mm) {
        const dorm_value *items = as_items(owner, objs, n);
        return items ? dorm_m2m__add(owner, mm, items, n, through_defaults) : DORM_ENOMEM;
    }
    const dorm_rel *rel = relation(owner, name);
    if (!rel) return dorm_errcode(((dorm_object *)owner)->cx);
    dorm_ctx *cx = ((dorm_object *)owner)->cx;
    dorm_value *keys, pk = owner_key(owner, rel);
    int rc = dorm_related__keys(cx, rel, objs, n, &keys);
    if (rc || n == 0) return rc;
    rc = set_key(cx, rel, &pk,
                 (const dorm_q *const[]){&(const dorm_q){DORM_Q_LEAF, "pk__in", dorm_v_list(keys, n), NULL}, NULL},
                 dorm_qs_base);
    if (rc) return rc;
    for (size_t i = 0; i < n; i++) {
        dorm_field__set(objs[i], rel->fk, &pk);
        *dorm_fk_cache(dorm_member(objs[i], rel->fk), rel->fk) = owner;
    }
    dorm_relcache__drop(owner, rel);
    return DORM_OK;
}

static int needs_null(dorm_ctx *cx, const dorm_rel *rel, const char *what) {
    if (rel->fk->f->null) return DORM_OK;
    return dorm_ctx_fail(cx, DORM_EVALUE, "'RelatedManager' object has no attribute '%s': %s.%s cannot be NULL.", what,
                         rel->model->model->name, rel->fk->f->name);
}

int dorm_related_remove(void *owner, const char *name, void *const *objs, size_t n) {
    const dorm_rel *mm = m2m(owner, name);
    if (mm) {
        const dorm_value *items = as_items(owner, objs, n);
        return items ? dorm_m2m__remove(owner, mm, items, n) : DORM_ENOMEM;
    }
    const dorm_rel *rel = relation(owner, name);
    dorm_ctx *cx = ((dorm_object *)owner)->cx;
    if (!rel) return dorm_errcode(cx);
    int rc = needs_null(cx, rel, "remove");
    dorm_value *keys, pk = owner_key(owner, rel), null = dorm_v_null();
    if (!rc) rc = dorm_related__keys(cx, rel, objs, n, &keys);
    if (rc || n == 0) return rc;
    /* Django refuses objects that are not related to this owner. */
    for (size_t i = 0; i < n; i++) {
        dorm_value k = dorm_field__get(objs[i], rel->fk);
        if (!dorm_value_equal(&k, &pk))
            return dorm_ctx_fail(cx, DORM_EDOESNOTEXIST, "%s object is not related to %s.", rel->model->model->name,
                                 dorm_meta_of_obj(owner)->model->name);
    }
    rc = set_key(cx, rel, &null,
                 (const dorm_q *const[]){&(const dorm_q){DORM_Q_LEAF, "pk__in", dorm_v_list(keys, n), NULL},
                                         &(const dorm_q){DORM_Q_LEAF, rel->fk->f->name, pk, NULL}, NULL},
                 dorm_qs_default);
    if (rc) return rc;
    for (size_t i = 0; i < n; i++) dorm_field__set(objs[i], rel->fk, &null);
    dorm_relcache__drop(owner, rel);
    return DORM_OK;
}

int dorm_related_clear(void *owner, const char *name) {
    const dorm_rel *mm = m2m(owner, name);
    if (mm) return dorm_m2m__clear(owner, mm);
    const dorm_rel *rel = relation(owner, name);
    dorm_ctx *cx = ((dorm_object *)owner)->cx;
    if (!rel) return dorm_errcode(cx);
    int rc = needs_null(cx, rel, "clear");
    dorm_value pk = owner_key(owner, rel), null = dorm_v_null();
    if (!rc)
        rc = set_key(cx, rel, &null,
                     (const dorm_q *const[]){&(const dorm_q){DORM_Q_LEAF, rel->fk->f->name, pk, NULL}, NULL},
                     dorm_qs_default);
    if (!rc) dorm_relcache__drop(owner, rel);
    return rc;
}

typedef struct set_job {
    void *owner;
    const dorm_rel *rel;
    void *const *objs;
    size_t n;
} set_job;

static int set_run(void *payload) {
    set_job *j = payload;
    dorm_ctx *cx = ((dorm_object *)j->owner)->cx;
    dorm_value *keys, pk = owner_key(j->owner, j->rel);
    int rc = dorm_related__keys(cx, j->rel, j->objs, j->n, &keys);
    if (rc) return rc;
    if (j->rel->fk->f->null) {
        /* Those related now but not in objs lose their key. */
        dorm_qs *gone = dorm_qs_exclude(
            dorm_qs_filter(dorm_qs_default(cx, j->rel->model->model),
                           (const dorm_q *const[]){&(const dorm_q){DORM_Q_LEAF, j->rel->fk->f->name, pk, NULL}, NULL}),
            (const dorm_q *const[]){&(const dorm_q){DORM_Q_LEAF, "pk__in", dorm_v_list(keys, j->n), NULL}, NULL});
        const dorm_set set = {j->rel->fk->f->name, dorm_v_null()};
        int64_t n = dorm_qs_update(gone, (const dorm_set *const[]){&set, NULL});
        if (n < 0) return (int)n;
    }
    return dorm_related_add(j->owner, j->rel->name, j->objs, j->n);
}

int dorm_related_set(void *owner, const char *name, void *const *objs, size_t n) {
    return dorm_related_set_with(owner, name, objs, n, NULL);
}

int dorm_related_set_with(void *owner, const char *name, void *const *objs, size_t n,
                          const dorm_set *const *through_defaults) {
    const dorm_rel *mm = m2m(owner, name);
    if (mm) {
        const dorm_value *items = as_items(owner, objs, n);
        return items ? dorm_m2m__set(owner, mm, items, n, through_defaults) : DORM_ENOMEM;
    }
    const dorm_rel *rel = relation(owner, name);
    if (!rel) return dorm_errcode(((dorm_object *)owner)->cx);
    set_job j = {owner, rel, objs, n};
    int rc = dorm_in__transaction(((dorm_object *)owner)->cx, set_run, &j);
    if (rc == DORM_OK) dorm_relcache__drop(owner, rel);
    return rc;
}

void *dorm_related_create_(void *owner, const char *name, const void *init) {
    return dorm_related_create_with_(owner, name, init, NULL);
}

void *dorm_related_create_with_(void *owner, const char *name, const void *init,
                                const dorm_set *const *through_defaults) {
    const dorm_rel *mm = m2m(owner, name);
    if (mm) return dorm_m2m__create(owner, mm, init, through_defaults);
    const dorm_rel *rel = relation(owner, name);
    if (!rel) return NULL;
    dorm_ctx *cx = ((dorm_object *)owner)->cx;
    void *copy = dorm_alloc(cx, rel->model->model->size);
    if (!copy) return NULL;
    memcpy(copy, init, rel->model->model->size);
    dorm_value pk = owner_key(owner, rel);
    /* The key is set before create() applies defaults, like Django's kwargs. */
    if (dorm_field__set(copy, rel->fk, &pk)) return NULL;
    void *obj = dorm_create_(cx, rel->model->model, copy);
    if (obj) {
        *dorm_fk_cache(dorm_member(obj, rel->fk), rel->fk) = owner;
        dorm_relcache__drop(owner, rel);
    }
    return obj;
}

/* A ForeignKey manager's write of the objects items name (keys refused). */
static int with_objects(void *owner, const char *name, const dorm_value *items, size_t n,
                        int (*write)(void *, const char *, void *const *, size_t)) {
    void **objs = NULL;
    int rc = as_objects(owner, name, items, n, &objs);
    return rc ? rc : write(owner, name, objs, n);
}

int dorm_related_add_values(void *owner, const char *name, const dorm_value *items, size_t n) {
    const dorm_rel *mm = m2m(owner, name);
    return mm ? dorm_m2m__add(owner, mm, items, n, NULL) : with_objects(owner, name, items, n, dorm_related_add);
}

int dorm_related_remove_values(void *owner, const char *name, const dorm_value *items, size_t n) {
    const dorm_rel *mm = m2m(owner, name);
    return mm ? dorm_m2m__remove(owner, mm, items, n) : with_objects(owner, name, items, n, dorm_related_remove);
}

int dorm_related_set_values(void *owner, const char *name, const dorm_value *items, size_t n) {
    const dorm_rel *mm = m2m(owner, name);
    return mm ? dorm_m2m__set(owner, mm, items, n, NULL) : with_objects(owner, name, items, n, dorm_related_set);
}
