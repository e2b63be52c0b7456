/* related.c - forward relation access on objects: loading the related object
 * on first use (book.author) and assigning one (book.author = a). */
#include <string.h>

#include "exec/route.h"

void *dorm_fk_load_(void *obj, void *member) {
    dorm_object *h = obj;
    const dorm_meta *m = h ? h->meta : NULL;
    const dorm_fmeta *fm = m ? dorm_meta__field_at(m, obj, member) : NULL;
    if (!fm || fm->f->kind != DORM_KIND_FK || !fm->target) {
        if (h && h->cx) dorm_ctx_fail(h->cx, DORM_EVALUE, "dorm_fk() needs a ForeignKey member of a dorm object.");
        return NULL;
    }
    void **cache = dorm_fk_cache(member, fm);
    /* cppcheck-suppress identicalInnerCondition ; it reads `return *cache` as a condition */
    if (*cache) return *cache;
    /* A parent link's object is the child's own parent part (no query). */
    if (fm == m->parent_link && !(h->deferred & ((uint64_t)1 << fm->index))) return *cache = dorm_parent__view(obj);
    dorm_value key = dorm_field__get(obj, fm);
    if (key.type == DORM_T_NULL) return NULL;
    if (dorm_policy__lazy(obj, fm, fm->f->name, true)) return NULL;
    /* Django reads a forward relation through the base manager. */
    dorm_qs *qs = dorm_qs_base(h->cx, fm->target->model);
    /* The routers' hint is the object holding the key (Django's). */
    if (qs && !qs->err) qs->hint = obj;
    const char *by = fm->target_pk->f->name;
    *cache = dorm_qs_get(qs, (const dorm_q *const[]){&(const dorm_q){DORM_Q_LEAF, by, key, NULL}, NULL});
    return *cache;
}

int dorm_fk_set_(void *obj, void *member, const void *target) {
    dorm_object *h = obj;
    const dorm_meta *m = h ? h->meta : NULL;
    const dorm_fmeta *fm = m ? dorm_meta__field_at(m, obj, member) : NULL;
    if (!fm || fm->f->kind != DORM_KIND_FK) return DORM_EVALUE;
    if (!target) {
        dorm_value null = dorm_v_null();
        dorm_field__set(obj, fm, &null);
        return DORM_OK;
    }
    if (dorm_route__relation(obj, target)) {
        *dorm_fk_cache(member, fm) = NULL;
        return DORM_EVALUE;
    }
    /* The key is the target's to_field (its primary key by default). */
    /* A child's object keys its parent's relations by its parent part. */
    dorm_value key =
        fm->target_pk ? dorm_field__get(target, dorm_field_in(dorm_meta_of_obj(target), fm->target_pk)) : dorm_v_null();
    h->nulls &= ~((uint64_t)1 << fm->index);
    if (key.type == DORM_T_NULL || dorm_field__set(obj, fm, &key)) memset(member, 0, fm->f->size);
    *dorm_fk_cache(member, fm) = (void *)target;
    return DORM_OK;
}
