/* related.c - select_related() on a QuerySet: which related models to load
 * with the query (joined, their columns selected after the model's own).
 * prefetch_related() lives in prefetch.c. */
#include <string.h>

#include "query/query.h"

#define MAX_SELECT_RELATED 32

typedef struct selrel_list {
    dorm_selrel items[MAX_SELECT_RELATED];
    int n;
} selrel_list;

/* The object index (0: base) already loading the model joined at `alias`. */
static int index_of(const selrel_list *l, int alias) {
    for (int i = 0; i < l->n; i++)
        if (l->items[i].alias == alias) return i + 1;
    return -1;
}

/* Adds the join parent --fk--> (rel: parent <--fk-- of a one-to-one); *at
 * gets its object index (1-based).  0 or a negative error. */
static int add(dorm_qs *qs, selrel_list *l, int parent_alias, int parent_index, const dorm_fmeta *fk,
               const dorm_rel *rel, int *at) {
    int alias = dorm_path__join(qs, parent_alias, fk, rel != NULL, DORM_PATH_OUTER);
    if (alias < 0) return alias;
    *at = index_of(l, alias);
    if (*at > 0) return DORM_OK;
    if (l->n == MAX_SELECT_RELATED)
        return dorm_qs__fail(qs, DORM_EVALUE, "select_related() follows at most %d relations.", MAX_SELECT_RELATED)
            ->err;
    l->items[l->n++] = (dorm_selrel){alias, fk, parent_index, rel};
    *at = l->n;
    return DORM_OK;
}

static int select_path(dorm_qs *qs, selrel_list *l, const char *path) {
    const dorm_meta *m = qs->meta;
    int alias = 0, index = 0;
    const char *p = path;
    for (;;) {
        const char *sep = strstr(p, "__");
        size_t n = sep ? (size_t)(sep - p) : strlen(p);
        const dorm_fmeta *fm = dorm_meta__fieldn(m, p, n);
        /* A parent's relation is followed from the parent's join (the
         * object it is cached on is still the child). */
        if (fm && fm->inherited) {
            const dorm_meta *owner = m;
            const dorm_fmeta *own = fm;
            int rc = dorm_inherit__owner(qs, &alias, &owner, &own);
            if (rc) return rc;
        }
        /* The reverse side of a OneToOneField is one object: it may be joined too. */
        const dorm_rel *one = NULL;
        for (int i = 0; !fm && i < m->nreverse; i++)
            if (m->reverse[i].single && !m->reverse[i].hidden && strlen(m->reverse[i].name) == n &&
                strncmp(m->reverse[i].name, p, n) == 0)
                one = &m->reverse[i];
        if (one) {
            int rc = add(qs, l, alias, index, one->fk, one, &index);
            if (rc) return rc;
            alias = l->items[index - 1].alias;
            m = one->model;
            if (!sep) return DORM_OK;
            p = sep + 2;
            continue;
        }
        if (!fm || fm->f->kind != DORM_KIND_FK || !fm->target) {
            const char *choices = "(none)";
            dorm_buf b = DORM_BUF_INIT;
            for (int i = 0; i < m->nfields; i++)
                if (m->fields[i].f->kind == DORM_KIND_FK)
                    dorm_buf_printf(&b, "%s%s", b.len ? ", " : "", m->fields[i].f->name);
            for (int i = 0; i < m->nreverse; i++)
                if (m->reverse[i].single && !m->reverse[i].hidden)
                    dorm_buf_printf(&b, "%s%s", b.len ? ", " : "", m->reverse[i].name);
            if (b.len) choices = dorm_strdup(qs->cx, b.data);
            dorm_buf_free(&b);
            dorm_qs__fail(qs, DORM_EFIELD,
                          fm ? "Non-relational field given in select_related: '%.*s'. Choices are: %s"
                             : "Invalid field name(s) given in select_related: '%.*s'. Choices are: %s",
                          (int)n, p, choices ? choices : "");
            return DORM_EFIELD;
        }
        int rc = add(qs, l, alias, index, fm, NULL, &index);
        if (rc) return rc;
        alias = l->items[index - 1].alias;
        m = fm->target;
        if (!sep) return DORM_OK;
        p = sep + 2;
    }
}

static dorm_qs *begin(dorm_qs *qs, selrel_list *l) {
    if (!qs || qs->err) return qs;
    dorm_qs *c = dorm_qs__clone(qs);
    if (!c) return NULL;
    if (dorm_qs__combined_refuse(c, "select_related")) return c;
    if (c->mode != DORM_MODE_OBJECTS)
        return dorm_qs__fail(c, DORM_EVALUE, "Cannot call select_related() after .values() or .values_list()");
    l->n = c->nselrel;
    if (c->nselrel) memcpy(l->items, c->selrel, sizeof(dorm_selrel) * (size_t)c->nselrel);
    return c;
}

static dorm_qs *finish(dorm_qs *c, selrel_list *l) {
    dorm_selrel *items = dorm_alloc(c->cx, sizeof(dorm_selrel) * (size_t)(l->n ? l->n : 1));
    if (!items) return dorm_qs__fail(c, DORM_ENOMEM, "out of memory");
    memcpy(items, l->items, sizeof(dorm_selrel) * (size_t)l->n);
    c->selrel = items;
    c->nselrel = l->n;
    return c;
}

dorm_qs *dorm_qs_select_related(dorm_qs *qs, const char *const *paths) {
    selrel_list l;
    dorm_qs *c = begin(qs, &l);
    if (!c || c->err) return c;
    for (size_t i = 0; paths && paths[i]; i++)
        if (select_path(c, &l, paths[i])) return c;
    return finish(c, &l);
}

/* Django's select_related() with no fields: every non-null ForeignKey,
 * recursively (to a depth of 5, as Django's max_depth). */
static int follow_all(dorm_qs *qs, selrel_list *l, const dorm_meta *m, int alias, int index, int depth) {
    if (depth >= 5) return DORM_OK;
    for (int i = 0; i < m->nfields; i++) {
        const dorm_fmeta *fm = &m->fields[i];
        /* Django never follows a parent link: the parent's columns are read anyway. */
        if (fm->f->kind != DORM_KIND_FK || !fm->target || fm->f->null || fm->f->parent_link) continue;
        int at, from = alias;
        const dorm_meta *owner = m;
        const dorm_fmeta *own = fm;
        int rc = fm->inherited ? dorm_inherit__owner(qs, &from, &owner, &own) : DORM_OK;
        if (!rc) rc = add(qs, l, from, index, fm, NULL, &at);
        if (!rc) rc = follow_all(qs, l, fm->target, l->items[at - 1].alias, at, depth + 1);
        if (rc) return rc;
    }
    return DORM_OK;
}

dorm_qs *dorm_select_related_all(dorm_qs *qs) {
    selrel_list l;
    dorm_qs *c = begin(qs, &l);
    if (!c || c->err) return c;
    if (follow_all(c, &l, c->meta, 0, 0, 0)) return c;
    return finish(c, &l);
}
