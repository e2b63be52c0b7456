/* inherit.c - multi-table inheritance in queries: a parent's field, reverse
 * relation or many-to-many named on a child is reached by joining the
 * parent's table through the child's parent link (Django's
 * get_path_to_parent), and the SELECT of a child's objects joins every
 * ancestor whose columns it reads. */
#include <string.h>

#include "query/query.h"

static bool named_pk(const char *s, size_t n) { return n == 2 && strncmp(s, "pk", 2) == 0; }

/* Whether model m itself (not an ancestor) has `name` to walk into. */
static bool own(const dorm_meta *m, const char *s, size_t n) {
    const dorm_fmeta *fm = dorm_meta__fieldn(m, s, n);
    if (fm) return !fm->inherited;
    const dorm_meta *at;
    return (dorm_meta__reverse_up(m, s, n, &at) && at == m) || (dorm_meta__m2m_up(m, s, n, &at) && at == m);
}

/* Whether an ancestor of m has `name`. */
static bool inherited(const dorm_meta *m, const char *s, size_t n) {
    const dorm_fmeta *fm = dorm_meta__fieldn(m, s, n);
    if (fm) return fm->inherited != NULL;
    const dorm_meta *at;
    return dorm_meta__reverse_up(m, s, n, &at) || dorm_meta__m2m_up(m, s, n, &at);
}

int dorm_path__up(dorm_qs *qs, int *alias, const dorm_meta **m, const char *s, size_t n, int flags,
                  const dorm_fmeta **key) {
    *key = NULL;
    if (named_pk(s, n)) return DORM_OK;
    while ((*m)->parent && (*m)->parent_link && !own(*m, s, n) && inherited(*m, s, n)) {
        const dorm_meta *c = *m;
        const dorm_fmeta *fm = dorm_meta__fieldn(c, s, n);
        /* The parent's key is the link's value: no join (Django trims it). */
        if (fm && fm->inherited == c->parent->pk && c->parent_link->target_pk == c->parent->pk &&
            fm->f->kind != DORM_KIND_FK) {
            *key = c->parent_link;
            return DORM_OK;
        }
        int a = dorm_path__join(qs, *alias, c->parent_link, false, flags);
        if (a < 0) return a;
        *alias = a;
        *m = c->parent;
    }
    return DORM_OK;
}

/* The join from `alias` (a table of child model m) to m's parent, or -1. */
static int parent_join(const dorm_qs *qs, int alias, const dorm_meta *m) {
    for (int i = 0; i < qs->njoins; i++) {
        const dorm_join *j = &qs->joins[i];
        if (j->parent == alias && !j->reverse && j->fk->f == m->parent_link->f) return i + 1;
    }
    return -1;
}

int dorm_inherit__alias(const dorm_qs *qs, int alias, const dorm_meta *m, const dorm_fmeta *fm) {
    while (fm->inherited && m->parent && m->parent_link) {
        int a = parent_join(qs, alias, m);
        if (a < 0) return alias;
        alias = a;
        m = m->parent;
        fm = fm->inherited;
    }
    return alias;
}

bool dorm_inherit__selected(const dorm_qs *qs, int alias, const dorm_fmeta *field) {
    int a = 0;
    for (const dorm_meta *m = qs->meta; m->parent && m->parent_link && a >= 0; m = m->parent) {
        a = parent_join(qs, a, m);
        /* A parent's field keeps its index in the child (deferred bits). */
        if (a == alias && field->owner == m->parent) return !(qs->deferred & ((uint64_t)1 << field->index));
    }
    return false;
}

/* Joins m's ancestors from `alias` (a table of m), each through the
 * child's parent link.  0 or DORM_ENOMEM. */
static int join_parents(dorm_qs *qs, int alias, const dorm_meta *m) {
    for (; m->parent && m->parent_link; m = m->parent) {
        alias = dorm_path__join(qs, alias, m->parent_link, false, DORM_PATH_OUTER);
        if (alias < 0) return alias;
    }
    return DORM_OK;
}

const dorm_qs *dorm_inherit__select(const dorm_qs *qs, dorm_qs *tmp) {
    if (qs->mode != DORM_MODE_OBJECTS) return qs;
    bool any = qs->meta->parent != NULL;
    for (int r = 0; !any && r < qs->nselrel; r++) any = dorm_selrel_model(&qs->selrel[r])->parent != NULL;
    if (!any) return qs;
    *tmp = *qs;
    if (join_parents(tmp, 0, tmp->meta)) return NULL;
    for (int r = 0; r < tmp->nselrel; r++)
        if (join_parents(tmp, tmp->selrel[r].alias, dorm_selrel_model(&tmp->selrel[r]))) return NULL;
    return tmp;
}

int dorm_inherit__owner(dorm_qs *qs, int *alias, const dorm_meta **m, const dorm_fmeta **fm) {
    while ((*fm)->inherited && (*m)->parent && (*m)->parent_link) {
        int a = dorm_path__join(qs, *alias, (*m)->parent_link, false, DORM_PATH_OUTER);
        if (a < 0) return a;
        *alias = a;
        *m = (*m)->parent;
        *fm = (*fm)->inherited;
    }
    return DORM_OK;
}
