/* prefetch.c - prefetch_related() and Prefetch objects on a QuerySet: the
 * lookups to load after the query, kept in order.  Paths are resolved when
 * the QuerySet is evaluated (src/exec/prefetch.c), as in Django. */
#include <string.h>

#include "query/query.h"

dorm_qs *dorm_qs_prefetch_with(dorm_qs *qs, const dorm_prefetch *const *items) {
    if (!qs || qs->err) return qs;
    dorm_qs *c = dorm_qs__clone(qs);
    if (!c) return NULL;
    if (dorm_qs__combined_refuse(c, "prefetch_related")) return c;
    size_t old = 0, n = 0;
    while (c->prefetch && c->prefetch[old]) old++;
    while (items && items[n]) n++;
    const dorm_prefetch **all = dorm_alloc(c->cx, sizeof(*all) * (old + n + 1));
    dorm_prefetch *copies = dorm_alloc(c->cx, sizeof(*copies) * (n ? n : 1));
    if (!all || !copies) return dorm_qs__fail(c, DORM_ENOMEM, "out of memory");
    for (size_t i = 0; i < old; i++) all[i] = c->prefetch[i];
    for (size_t i = 0; i < n; i++) {
        const dorm_prefetch *p = items[i];
        if (!p->lookup || !*p->lookup) return dorm_qs__fail(c, DORM_EVALUE, "A prefetch lookup needs a path.");
        if (p->queryset_given && !p->queryset) return dorm_qs__fail(c, DORM_ENOMEM, "out of memory");
        if (p->queryset && p->queryset->err)
            return dorm_qs__fail(c, p->queryset->err, "%s", p->queryset->errmsg ? p->queryset->errmsg : "");
        if (p->queryset && p->queryset->mode != DORM_MODE_OBJECTS)
            return dorm_qs__fail(c, DORM_EVALUE, "Prefetch querysets cannot use raw(), values(), and values_list().");
        if (p->to_attr && dorm_alias__check(c->cx, p->to_attr))
            return dorm_qs__fail(c, DORM_EVALUE, "Invalid to_attr for the lookup '%s': %s", p->lookup,
                                 dorm_errmsg(c->cx));
        copies[i].lookup = dorm_strdup(c->cx, p->lookup);
        copies[i].queryset = p->queryset;
        copies[i].queryset_given = p->queryset_given;
        copies[i].to_attr = p->to_attr ? dorm_strdup(c->cx, p->to_attr) : NULL;
        if (!copies[i].lookup || (p->to_attr && !copies[i].to_attr))
            return dorm_qs__fail(c, DORM_ENOMEM, "out of memory");
        all[old + i] = &copies[i];
    }
    all[old + n] = NULL;
    c->prefetch = all;
    return c;
}

dorm_qs *dorm_qs_prefetch_related(dorm_qs *qs, const char *const *paths) {
    if (!qs || qs->err) return qs;
    size_t n = 0;
    while (paths && paths[n]) n++;
    const dorm_prefetch **items = dorm_alloc(qs->cx, sizeof(*items) * (n + 1));
    dorm_prefetch *plain = dorm_alloc(qs->cx, sizeof(*plain) * (n ? n : 1));
    if (!items || !plain) return dorm_qs__fail(qs, DORM_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        plain[i] = (dorm_prefetch){paths[i], NULL, NULL, false};
        items[i] = &plain[i];
    }
    items[n] = NULL;
    return dorm_qs_prefetch_with(qs, items);
}
