/* m2m.c - the QuerySet behind a many-to-many manager (book.tags): the other
 * side joined to the join table and filtered on its key to the owner, with
 * that key optionally selected so that prefetch_related can group rows. */
#include <string.h>

#include "query/query.h"

dorm_qs *dorm_qs__m2m(dorm_qs *qs, const dorm_rel *rel, dorm_value key, bool select_key) {
    if (!qs || qs->err) return qs;
    dorm_qs *c = dorm_qs__clone(qs);
    if (!c) return NULL;
    c->generation++;
    int a = dorm_path__join(c, 0, rel->to_fk, true, 0);
    dorm_where *w = dorm_alloc(c->cx, sizeof *w);
    if (a < 0 || !w) return dorm_qs__fail(c, DORM_ENOMEM, "out of memory");
    memset(w, 0, sizeof *w);
    w->kind = DORM_W_LEAF;
    w->alias = a;
    w->field = rel->fk;
    w->lookup = key.type == DORM_T_LIST ? DORM_LK_IN : DORM_LK_EXACT;
    w->rhs = key;
    if (dorm_where__and(c, w)) return dorm_qs__fail(c, DORM_ENOMEM, "out of memory");
    if (!select_key) return c;
    dorm_ann *all = dorm_alloc(c->cx, sizeof(dorm_ann) * ((size_t)c->nann + 1));
    dorm_rexpr *e = dorm_rexpr__col(c, a, rel->fk);
    if (!all || !e) return dorm_qs__fail(c, DORM_ENOMEM, "out of memory");
    if (c->nann) memcpy(all, c->ann, sizeof(dorm_ann) * (size_t)c->nann);
    dorm_ann *an = &all[c->nann];
    memset(an, 0, sizeof *an);
    an->alias = DORM_M2M_KEY;
    an->e = e;
    dorm_ann__describe(c, an);
    c->ann = all;
    c->nann++;
    return c;
}
