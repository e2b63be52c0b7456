/* loader.c - the migration graph: every app's migration files (its
 * migrations_dir, *.json in name order), their dependencies checked (Django's
 * NodeNotFoundError and circular dependency messages), nodes put in an order
 * that has every dependency first, and the state after any prefix of it. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "core/ctx.h"
#include "migrate/migration.h"
#include "core/alloc.h"

static int cmp_name(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

static int load_app(dorm_ctx *cx, const dorm_app *const *apps, const dorm_app *app, dorm_migration ***all, int *n) {
    DIR *d = opendir(app->migrations_dir);
    if (!d) return DORM_OK; /* no folder: no migrations yet */
    char **files = NULL;
    int nf = 0, rc = DORM_OK;
    for (struct dirent *e; (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (len < 6 || e->d_name[0] == '.' || e->d_name[0] == '_' || strcmp(e->d_name + len - 5, ".json") != 0)
            continue;
        char **grown = dorm_mem__realloc(files, sizeof(char *) * (size_t)(nf + 1));
        if (!grown) {
            rc = DORM_ENOMEM;
            break;
        }
        files = grown;
        if (!(files[nf++] = dorm_strdup(cx, e->d_name))) {
            rc = DORM_ENOMEM;
            break;
        }
    }
    closedir(d);
    if (files && !rc) qsort(files, (size_t)nf, sizeof(char *), cmp_name);
    for (int i = 0; rc == DORM_OK && i < nf; i++) {
        const char *path = dorm_sprintf(cx, "%s/%s", app->migrations_dir, files[i]);
        dorm_migration *m = path ? dorm_migration__read(cx, apps, app->label, path) : NULL;
        dorm_migration **grown = m ? dorm_mem__realloc(*all, sizeof(*grown) * (size_t)(*n + 1)) : NULL;
        if (!grown) {
            rc = dorm_errcode(cx) ? dorm_errcode(cx) : DORM_ENOMEM;
            break;
        }
        *all = grown;
        (*all)[(*n)++] = m;
    }
    dorm_mem__free(files);
    return rc;
}

dorm_migration *dorm_graph__find(const dorm_graph *g, const char *app, const char *name) {
    for (int i = 0; i < g->n; i++)
        if (strcmp(g->nodes[i]->app, app) == 0 && strcmp(g->nodes[i]->name, name) == 0) return g->nodes[i];
    return NULL;
}

dorm_migration *dorm_graph__leaf(const dorm_graph *g, const char *app) {
    dorm_migration *leaf = NULL;
    for (int i = 0; i < g->n; i++)
        if (strcmp(g->nodes[i]->app, app) == 0) leaf = g->nodes[i];
    return leaf;
}

int dorm_graph__leaves(const dorm_graph *g, const char *app, dorm_migration **out) {
    int n = 0;
    for (int i = 0; i < g->n; i++) {
        const dorm_migration *m = g->nodes[i];
        bool leaf = strcmp(m->app, app) == 0;
        for (int k = 0; leaf && k < g->n; k++)
            for (int d = 0; leaf && strcmp(g->nodes[k]->app, app) == 0 && d < g->nodes[k]->ndeps; d++)
                leaf = strcmp(g->nodes[k]->deps[d].app, app) != 0 || strcmp(g->nodes[k]->deps[d].name, m->name) != 0;
        if (!leaf) continue;
        /* By name, as Django sorts them. */
        int at = n++;
        while (at > 0 && strcmp(out[at - 1]->name, m->name) > 0) {
            out[at] = out[at - 1];
            at--;
        }
        out[at] = g->nodes[i];
    }
    return n;
}

int dorm_graph__conflicts(dorm_ctx *cx, const dorm_graph *g, const dorm_app *const *apps, const char *const *only) {
    dorm_migration **leaves = dorm_mem__alloc(sizeof *leaves * (size_t)(g->n + 1));
    if (!leaves) return DORM_ENOMEM;
    dorm_buf b = DORM_BUF_INIT;
    for (size_t a = 0; apps && apps[a]; a++) {
        bool wanted = !only;
        for (size_t k = 0; only && only[k]; k++) wanted = wanted || strcmp(only[k], apps[a]->label) == 0;
        int n = wanted ? dorm_graph__leaves(g, apps[a]->label, leaves) : 0;
        if (n < 2) continue;
        if (b.len) dorm_buf_puts(&b, "; ");
        for (int i = 0; i < n; i++) dorm_buf_printf(&b, "%s%s", i ? ", " : "", leaves[i]->name);
        dorm_buf_printf(&b, " in %s", apps[a]->label);
    }
    dorm_mem__free(leaves);
    int rc = b.failed ? DORM_ENOMEM : DORM_OK;
    if (!rc && b.len)
        rc = dorm_ctx_fail(cx, DORM_ECONFIG,
                           "Conflicting migrations detected; multiple leaf nodes in the migration graph: (%s).\n"
                           "To fix them run 'manage makemigrations --merge'",
                           b.data);
    dorm_buf_free(&b);
    return rc;
}

/* Puts `all` in an order with every dependency first (among ready nodes,
 * the order they came in) into `order`; `flags`, when given, moves along
 * with its nodes. */
static int topo_sort(dorm_ctx *cx, dorm_migration **all, int n, dorm_migration **order, bool *flags) {
    dorm_graph found = {n, all, 0, NULL};
    bool *placed = dorm_mem__calloc((size_t)(n ? n : 1), sizeof(bool));
    bool *moved = flags ? dorm_mem__calloc((size_t)(n ? n : 1), sizeof(bool)) : NULL;
    int rc = placed && (!flags || moved) ? DORM_OK : DORM_ENOMEM;
    int k = 0;
    while (rc == DORM_OK && k < n) {
        int before = k;
        for (int i = 0; i < n; i++) {
            if (placed[i]) continue;
            bool ready = true;
            for (int d = 0; d < all[i]->ndeps && ready; d++) {
                dorm_migration *dep = dorm_graph__find(&found, all[i]->deps[d].app, all[i]->deps[d].name);
                for (int j = 0; j < n; j++)
                    if (all[j] == dep && !placed[j]) ready = false;
            }
            if (!ready) continue;
            placed[i] = true;
            if (flags) moved[k] = flags[i];
            order[k++] = all[i];
        }
        if (k == before) {
            dorm_buf b = DORM_BUF_INIT;
            for (int i = 0; i < n; i++)
                if (!placed[i]) dorm_buf_printf(&b, "%s%s.%s", b.len ? ", " : "", all[i]->app, all[i]->name);
            rc = dorm_ctx_fail(cx, DORM_ECONFIG, "Circular dependency in migrations: %s", b.data ? b.data : "");
            dorm_buf_free(&b);
        }
    }
    if (!rc && flags) memcpy(flags, moved, sizeof(bool) * (size_t)n);
    dorm_mem__free(placed);
    dorm_mem__free(moved);
    return rc;
}

int dorm_graph__sort(dorm_ctx *cx, dorm_graph *g, bool *applied) {
    dorm_migration **all = dorm_mem__alloc(sizeof(*all) * (size_t)(g->n ? g->n : 1));
    if (!all) return DORM_ENOMEM;
    memcpy(all, g->nodes, sizeof(*all) * (size_t)g->n);
    int rc = topo_sort(cx, all, g->n, g->nodes, applied);
    dorm_mem__free(all);
    return rc;
}

/* A dependency on the migration's own app's "__first__" is ignored, as
 * Django ignores it (#22325). */
static bool own_first(const dorm_migration *m, const dorm_mig_key *dep) {
    return strcmp(dep->app, m->app) == 0 && strcmp(dep->name, "__first__") == 0;
}

/* The first migration of `app` in Django's sense (root_nodes(app)[0]): the
 * first by name of the app's roots, those depending on no other migration
 * of the app (replaced and replacing ones alike: replacements come later),
 * not the first of the app by name nor the one the others build on. */
static dorm_migration *root_of(dorm_migration **all, int n, const char *app) {
    dorm_migration *root = NULL;
    for (int i = 0; i < n; i++) {
        if (strcmp(all[i]->app, app) != 0 || (root && strcmp(all[i]->name, root->name) > 0)) continue;
        bool first = true;
        for (int d = 0; first && d < all[i]->ndeps; d++)
            first = strcmp(all[i]->deps[d].app, app) != 0 || own_first(all[i], &all[i]->deps[d]);
        if (first) root = all[i];
    }
    return root;
}

/* Django's MigrationLoader.check_key: ("app", "__first__") stands for the
 * app's first migration and "__latest__" for its last; either is dropped
 * when it names an app without migrations (as makemigrations writes it
 * before that app has any), "__first__" also when it names the migration's
 * own app ("__latest__" of the own app stays, a node that does not exist). */
static int resolve_special_keys(dorm_ctx *cx, const dorm_app *const *apps, dorm_migration **all, int n) {
    dorm_graph found = {n, all, 0, NULL};
    dorm_migration **leaves = dorm_mem__alloc(sizeof *leaves * (size_t)(n ? n : 1));
    if (!leaves) return DORM_ENOMEM;
    int rc = DORM_OK;
    for (int i = 0; !rc && i < n; i++)
        for (int k = 0; k < all[i]->ndeps;) {
            dorm_mig_key *dep = &all[i]->deps[k];
            bool first = strcmp(dep->name, "__first__") == 0, own = strcmp(dep->app, all[i]->app) == 0;
            if ((!first && strcmp(dep->name, "__latest__") != 0) || (own && !first) ||
                dorm_graph__find(&found, dep->app, dep->name)) {
                k++;
                continue;
            }
            const dorm_app *a = NULL;
            for (size_t j = 0; apps && apps[j] && !a; j++)
                if (strcmp(apps[j]->label, dep->app) == 0) a = apps[j];
            if (!a) {
                rc = dorm_ctx_fail(cx, DORM_ECONFIG, "Dependency on unknown app: %s", dep->app);
                break;
            }
            dorm_migration *to = NULL;
            if (!own)
                to = first                                         ? root_of(all, n, dep->app)
                    : dorm_graph__leaves(&found, dep->app, leaves) ? leaves[0]
                                                                   : NULL;
            if (to) {
                dep->name = to->name;
                k++;
                continue;
            }
            memmove(dep, dep + 1, sizeof *dep * (size_t)(all[i]->ndeps - k - 1));
            all[i]->ndeps--;
        }
    dorm_mem__free(leaves);
    return rc;
}

int dorm_graph__load(dorm_ctx *cx, const dorm_app *const *apps, dorm_graph *g) {
    memset(g, 0, sizeof *g);
    dorm_migration **all = NULL;
    int n = 0, rc = DORM_OK;
    for (size_t i = 0; rc == DORM_OK && apps && apps[i]; i++)
        if (apps[i]->migrations_dir) rc = load_app(cx, apps, apps[i], &all, &n);
    if (rc == DORM_OK) rc = resolve_special_keys(cx, apps, all, n);
    dorm_graph found = {n, all, 0, NULL};
    for (int i = 0; rc == DORM_OK && i < n; i++)
        for (int k = 0; k < all[i]->ndeps; k++)
            if (!dorm_graph__find(&found, all[i]->deps[k].app, all[i]->deps[k].name)) {
                rc = dorm_ctx_fail(cx, DORM_ECONFIG,
                                   "Migration %s.%s dependencies reference nonexistent parent node ('%s', '%s')",
                                   all[i]->app, all[i]->name, all[i]->deps[k].app, all[i]->deps[k].name);
                break;
            }
    dorm_migration **order = rc ? NULL : dorm_mem__alloc(sizeof(*order) * (size_t)(n ? n : 1));
    if (!rc && !order) rc = DORM_ENOMEM;
    if (!rc) rc = topo_sort(cx, all, n, order, NULL);
    if (rc) {
        dorm_mem__free(all);
        dorm_mem__free(order);
        return rc;
    }
    g->n = g->ndisk = n;
    g->nodes = order;
    g->disk = all;
    return DORM_OK;
}

void dorm_graph__free(dorm_graph *g) {
    dorm_mem__free(g->nodes);
    dorm_mem__free(g->disk);
    memset(g, 0, sizeof *g);
}

int dorm_graph__find_prefix(dorm_ctx *cx, const dorm_graph *g, const char *app, const char *prefix,
                            dorm_migration **out) {
    int n = 0;
    size_t len = strlen(prefix);
    *out = NULL;
    for (int i = 0; i < g->ndisk; i++) {
        dorm_migration *m = g->disk[i];
        if (strcmp(m->app, app) != 0) continue;
        if (strcmp(m->name, prefix) == 0) {
            *out = m;
            return DORM_OK;
        }
        if (strncmp(m->name, prefix, len) == 0) {
            *out = m;
            n++;
        }
    }
    if (n == 1) return DORM_OK;
    *out = NULL;
    if (n > 1)
        return dorm_ctx_fail(cx, DORM_EVALUE,
                             "More than one migration matches '%s' in app '%s'. Please be more specific.", prefix, app);
    return dorm_ctx_fail(cx, DORM_EVALUE, "Cannot find a migration matching '%s' from app '%s'.", prefix, app);
}

dorm_state *dorm_graph__state(dorm_ctx *cx, const dorm_graph *g, const bool *use, int stop) {
    dorm_state *st = dorm_state__new();
    for (int i = 0; st && i < g->n && i != stop; i++) {
        if (use && !use[i]) continue;
        for (int k = 0; k < g->nodes[i]->nops; k++)
            if (dorm_op__state(cx, st, &g->nodes[i]->ops[k])) {
                dorm_ctx_fail(cx, dorm_errcode(cx), "%s.%s, operation %d: %s", g->nodes[i]->app, g->nodes[i]->name,
                              k + 1, dorm_errmsg(cx));
                dorm_state__free(st);
                return NULL;
            }
    }
    return st;
}
