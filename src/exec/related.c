/* related.c - forward relation access on objects: loading the related object
 * on first use (book.author) and assigning one (book.author = a). */
#include <string.h>

#include "exec/exec.h"

typedef struct fk_member {
    int64_t id;
    void *obj;
} fk_member;

void *dorm_fk_load_(void *obj, void *member) {
    dorm_object *h = obj;
    const dorm_meta *m = h ? h->meta : NULL;
    const dorm_fmeta *fm = m ? dorm_meta_field_at(m, obj, member) : NULL;
    if (!fm || fm->f->kind != DORM_KIND_FK || !fm->target) {
        if (h && h->cx) dorm_fail(h->cx, DORM_EVALUE, "dorm_fk() needs a ForeignKey member of a dorm object.");
        return NULL;
    }
    fk_member *fk = member;
    if (fk->obj) return fk->obj;
    if (dorm_field_get(obj, fm).type == DORM_T_NULL) return NULL;
    if (dorm_policy_lazy(obj, fm, fm->f->name, true)) return NULL;
    dorm_value key = dorm_v_int(fk->id);
    dorm_qs *qs = dorm_qs_all(h->cx, fm->target->model);
    fk->obj = dorm_qs_get(qs, (const dorm_q *const[]){&(const dorm_q){DORM_Q_LEAF, "pk", key, NULL}, NULL});
    return fk->obj;
}

void dorm_fk_set_(void *obj, void *member, const void *target) {
    dorm_object *h = obj;
    const dorm_meta *m = h ? h->meta : NULL;
    const dorm_fmeta *fm = m ? dorm_meta_field_at(m, obj, member) : NULL;
    if (!fm || fm->f->kind != DORM_KIND_FK) return;
    fk_member *fk = member;
    if (!target) {
        dorm_value null = dorm_v_null();
        dorm_field_set(obj, fm, &null);
        return;
    }
    dorm_value pk = dorm_pk_value(target);
    h->nulls &= ~((uint64_t)1 << fm->index);
    fk->id = pk.type == DORM_T_INT ? pk.u.i : 0;
    fk->obj = (void *)target;
}
