/* history.c - Django's consistency check of makemigrations: on each
 * database the apps may migrate to (the routers' allow_migrate), a recorded
 * migration whose dependency is not recorded is InconsistentMigrationHistory,
 * found before any file is written. */
#include <string.h>

#include "exec/route.h"
#include "migrate/migration.h"
#include "core/alloc.h"

/* Whether any model of the apps may be migrated to `alias`. */
static bool any_allowed(dorm_ctx *cx, const char *alias, const dorm_app *const *apps) {
    for (size_t a = 0; apps && apps[a]; a++)
        for (size_t m = 0; apps[a]->models && apps[a]->models[m]; m++)
            if (dorm_allow_migrate(cx, alias, apps[a]->label, apps[a]->models[m])) return true;
    return false;
}

static int node_of(const dorm_graph *g, const dorm_mig_key *k) {
    for (int i = 0; i < g->n; i++)
        if (strcmp(g->nodes[i]->app, k->app) == 0 && strcmp(g->nodes[i]->name, k->name) == 0) return i;
    return -1;
}

/* The check on the connection cx runs on: a database without the record
 * table has nothing applied. */
static int check_here(dorm_ctx *cx, const dorm_graph *g) {
    bool *applied = dorm_mem__calloc((size_t)(g->n ? g->n : 1), sizeof *applied);
    if (!applied) return dorm_ctx_fail(cx, DORM_ENOMEM, "out of memory");
    int rc = 0;
    if (dorm_recorder__applied(cx, g, applied)) {
        dorm_error_clear(cx);
        memset(applied, 0, sizeof *applied * (size_t)(g->n ? g->n : 1));
    }
    for (int i = 0; i < g->n && !rc; i++) {
        const dorm_migration *m = g->nodes[i];
        for (int k = 0; applied[i] && k < m->ndeps && !rc; k++) {
            int j = node_of(g, &m->deps[k]);
            if (j >= 0 && !applied[j])
                rc = dorm_ctx_fail(
                    cx, DORM_EVALUE,
                    "InconsistentMigrationHistory: Migration %s.%s is applied before its dependency %s.%s "
                    "on database '%s'.",
                    m->app, m->name, m->deps[k].app, m->deps[k].name, cx->db->alias);
        }
    }
    dorm_mem__free(applied);
    return rc;
}

int dorm_check__consistent_history(dorm_ctx *cx, const dorm_graph *g, const dorm_app *const *apps) {
    int n = cx->conns ? cx->nconns : 1, rc = 0;
    for (int i = 0; i < n && !rc; i++) {
        dorm_db *db = dorm_route__conn(cx, i);
        if (!db) return DORM_ENOMEM;
        if (cx->dbs && !any_allowed(cx, db->alias, apps)) continue;
        dorm_route r;
        dorm_route__enter_db(cx, db, &r);
        rc = check_here(cx, g);
        dorm_route__leave(cx, &r);
    }
    return rc;
}
