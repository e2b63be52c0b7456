/* replica.c - the primary/replica router (Django's documented
 * PrimaryReplicaRouter) with what its documentation leaves to the reader:
 * read-your-writes after a context's own writes, reads inside a
 * transaction on the primary, and replicas that cannot be reached skipped.
 * Its state is the set's configuration plus one atomic counter, so threads
 * share it freely. */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "exec/route.h"
#include "core/alloc.h"

typedef struct replica_router {
    char primary[DORM_ALIAS_MAX + 1];
    char (*replicas)[DORM_ALIAS_MAX + 1]; /* copies: the set's array may move */
    int n;
    double window;
    atomic_uint next; /* round robin over the replicas */
} replica_router;

static bool listed(const char *const *list, const char *name) {
    for (; list && *list; list++)
        if (strcmp(*list, name) == 0) return true;
    return false;
}

static const char *for_read(const dorm_model *model, const dorm_hints *h, void *payload) {
    (void)model;
    replica_router *r = payload;
    if (dorm_in_atomic_using(h->cx, r->primary)) return r->primary;
    double since = dorm_ctx_since_write(h->cx, r->primary);
    if (since >= 0 && since < r->window) return r->primary;
    unsigned start = atomic_fetch_add_explicit(&r->next, 1, memory_order_relaxed);
    for (int k = 0; k < r->n; k++) {
        const char *name = r->replicas[(start + (unsigned)k) % (unsigned)r->n];
        if (!listed(h->unavailable, name)) return name;
    }
    return r->primary;
}

static const char *for_write(const dorm_model *model, const dorm_hints *h, void *payload) {
    (void)model, (void)h;
    return ((replica_router *)payload)->primary;
}

static bool ours(const replica_router *r, const char *alias) {
    if (!alias) return false;
    if (strcmp(alias, r->primary) == 0) return true;
    for (int k = 0; k < r->n; k++)
        if (strcmp(alias, r->replicas[k]) == 0) return true;
    return false;
}

static int relation(const void *a, const void *b, const dorm_hints *h, void *payload) {
    (void)h;
    replica_router *r = payload;
    return ours(r, dorm_obj_db(a)) && ours(r, dorm_obj_db(b)) ? 1 : -1;
}

static int migrate(const char *db, const char *app, const char *model, const dorm_hints *h, void *payload) {
    (void)app, (void)model, (void)h;
    replica_router *r = payload;
    if (strcmp(db, r->primary) == 0) return 1;
    return ours(r, db) ? 0 : -1;
}

int dorm_databases_add_replica_router(dorm_databases *dbs, const char *primary, const char *const *replicas,
                                      double read_your_writes) {
    if (!dbs) return DORM_ENOMEM;
    int p = dorm_databases__find(dbs, primary), n = 0;
    if (p < 0) {
        snprintf(dbs->errmsg, sizeof dbs->errmsg, "The connection '%.80s' doesn't exist.", primary ? primary : "None");
        return DORM_ECONFIG;
    }
    while (replicas && replicas[n]) n++;
    replica_router *r = dorm_mem__calloc(1, sizeof *r + sizeof *r->replicas * (size_t)(n + 1));
    if (!r) return DORM_ENOMEM;
    r->replicas = (char(*)[DORM_ALIAS_MAX + 1])(r + 1);
    snprintf(r->primary, sizeof r->primary, "%s", dbs->aliases[p].name);
    r->window = read_your_writes;
    atomic_init(&r->next, 0);
    for (int k = 0; k < n; k++) {
        int i = dorm_databases__find(dbs, replicas[k]);
        if (i < 0) {
            dorm_mem__free(r);
            snprintf(dbs->errmsg, sizeof dbs->errmsg, "The connection '%.80s' doesn't exist.", replicas[k]);
            return DORM_ECONFIG;
        }
        snprintf(r->replicas[r->n++], sizeof r->replicas[0], "%s", dbs->aliases[i].name);
    }
    int rc = dorm_databases__own(dbs, r);
    if (rc) return rc;
    dorm_router router = {for_read, for_write, relation, migrate, r};
    return dorm_databases_add_router(dbs, &router);
}
