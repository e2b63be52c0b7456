/* arrange.c - the autodetector's operations made into migrations as Django
 * 3.2 makes them: each app's operations in a stable topological order of
 * their dependencies (_sort_migrations), cut where another app's operation
 * must come first (_build_migration_list), reduced by the optimizer, then
 * numbered, named (Migration.suggest_name) and made to depend on each
 * app's last migration (arrange_for_graph). */
#define _POSIX_C_SOURCE 200809L /* gmtime_r */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "core/ctx.h"
#include "migrate/autodetect.h"

/* A migration being cut: a run of its app's sorted operations and what it
 * depends on (another new migration by index, or a file by name). */
typedef struct cut_dep {
    const char *app, *name; /* name: "" for a new migration */
    int index; /* -1: a migration file */
} cut_dep;

typedef struct cut {
    int app; /* index in d->apps */
    int start, count;
    int ndeps, cap;
    cut_dep *deps; /* dorm_mem__ heap */
    int out; /* its index in the result; -1 until then */
} cut;

typedef struct arranger {
    dorm_detector *d;
    const dorm_graph *g;
    int *next; /* per app: its first operation not cut yet */
    cut *cuts;
    int ncuts, cap;
} arranger;

static int oom(dorm_ctx *cx) { return dorm_ctx_fail(cx, DORM_ENOMEM, "out of memory"); }

/* Django's stable_topological_sort over one app's operations: layers of
 * operations whose dependencies are all in earlier layers, each layer in
 * the order the operations were generated. */
static int sort_app(dorm_detector *d, dorm_appops *a) {
    int n = a->n;
    bool *edge = dorm_mem__calloc((size_t)n * (size_t)n + 1, sizeof(bool)); /* edge[i*n+j]: i waits for j */
    bool *done = dorm_mem__calloc((size_t)n + 1, sizeof(bool)), *layer = dorm_mem__calloc((size_t)n + 1, sizeof(bool));
    dorm_genop *out = dorm_mem__alloc(sizeof *out * (size_t)(n + 1));
    int rc = edge && done && layer && out ? DORM_OK : oom(d->cx), placed = 0;
    for (int i = 0; !rc && i < n; i++)
        for (int k = 0; k < a->ops[i].ndeps; k++) {
            const dorm_dep *dep = &a->ops[i].deps[k];
            if (strcmp(dep->app, a->app) != 0) continue;
            for (int j = 0; j < n; j++)
                if (dorm_dep__met(&a->ops[j].op, dep)) edge[i * n + j] = true;
        }
    while (!rc && placed < n) {
        int found = 0;
        for (int i = 0; i < n; i++) {
            layer[i] = false;
            if (done[i]) continue;
            bool ready = true;
            for (int j = 0; j < n && ready; j++) ready = !edge[i * n + j] || done[j];
            layer[i] = ready;
            found += ready;
        }
        if (!found) {
            rc = dorm_ctx_fail(d->cx, DORM_EVALUE, "Cyclic dependency in the operations of app '%s': %s ...", a->app,
                               dorm_op__describe(d->cx, &a->ops[0].op));
            break;
        }
        for (int i = 0; i < n; i++)
            if (layer[i]) {
                out[placed++] = a->ops[i];
                done[i] = true;
            }
    }
    if (!rc && n) memcpy(a->ops, out, sizeof *out * (size_t)n);
    dorm_mem__free(edge);
    dorm_mem__free(done);
    dorm_mem__free(layer);
    dorm_mem__free(out);
    return rc;
}

/* Adds a dependency to c unless it has it: on the new migration cut
 * `index` (name ""), or on the file `name` (index -1). */
static int add_dep(arranger *r, cut *c, const char *app, const char *name, int index) {
    for (int i = 0; i < c->ndeps; i++)
        if (strcmp(c->deps[i].app, app) == 0 &&
            (index >= 0 ? c->deps[i].index == index : c->deps[i].index < 0 && strcmp(c->deps[i].name, name) == 0))
            return DORM_OK;
    if (c->ndeps == c->cap) {
        int cap = c->cap ? c->cap * 2 : 4;
        cut_dep *g = dorm_mem__realloc(c->deps, sizeof *g * (size_t)cap);
        if (!g) return oom(r->d->cx);
        c->deps = g;
        c->cap = cap;
    }
    c->deps[c->ndeps++] = (cut_dep){app, name, index};
    return DORM_OK;
}

static int app_index(const dorm_detector *d, const char *app) {
    for (int i = 0; i < d->napps; i++)
        if (strcmp(d->apps[i].app, app) == 0) return i;
    return -1;
}

/* The last migration cut for app a, or -1. */
static int last_cut(const arranger *r, int a) {
    for (int i = r->ncuts - 1; i >= 0; i--)
        if (r->cuts[i].app == a) return i;
    return -1;
}

/* Whether operation op's dependencies on other apps are met now, adding
 * them to c when they are: a new migration of that app, or (in chop mode)
 * its leaf, or ("app", "__first__") for an app without migrations, as
 * Django writes. */
static bool ready(arranger *r, const dorm_genop *op, int a, bool chop, cut *c, int *rc) {
    bool ok = true;
    int had = c->ndeps;
    for (int k = 0; k < op->ndeps && ok && !*rc; k++) {
        const dorm_dep *dep = &op->deps[k];
        if (strcmp(dep->app, r->d->apps[a].app) == 0) continue;
        int o = app_index(r->d, dep->app);
        for (int j = o >= 0 ? r->next[o] : 0; o >= 0 && j < r->d->apps[o].n && ok; j++)
            ok = !dorm_dep__met(&r->d->apps[o].ops[j].op, dep);
        if (!ok) break;
        int last = o >= 0 ? last_cut(r, o) : -1;
        const dorm_migration *leaf = last < 0 && chop ? dorm_graph__leaf(r->g, dep->app) : NULL;
        if (last >= 0)
            *rc = add_dep(r, c, dep->app, "", last);
        else if (leaf)
            *rc = add_dep(r, c, leaf->app, leaf->name, -1);
        else if (chop)
            *rc = add_dep(r, c, dep->app, "__first__", -1);
        else
            ok = false;
    }
    if (!ok) c->ndeps = had;
    return ok;
}

/* Django's _build_migration_list: sweeps the apps in label order, cutting
 * the operations whose dependencies on other apps are met; when a sweep
 * cuts nothing, the next cuts what it can and depends on the other apps'
 * last migrations (chop mode). */
static int build(arranger *r) {
    dorm_detector *d = r->d;
    int *order = dorm_mem__alloc(sizeof *order * (size_t)(d->napps + 1)), norder = 0, left = 0, rc = DORM_OK;
    if (!order) return oom(d->cx);
    for (int a = 0; a < d->napps; a++) {
        left += d->apps[a].n;
        if (!d->apps[a].n) continue;
        int k = norder++;
        while (k > 0 && strcmp(d->apps[order[k - 1]].app, d->apps[a].app) > 0) {
            order[k] = order[k - 1];
            k--;
        }
        order[k] = a;
    }
    bool chop = false;
    while (left && !rc) {
        for (int s = 0; s < norder && !rc; s++) {
            int a = order[s];
            cut c = {.app = a, .start = r->next[a], .out = -1};
            while (!rc && c.start + c.count < d->apps[a].n &&
                   ready(r, &d->apps[a].ops[c.start + c.count], a, chop, &c, &rc))
                c.count++;
            if (!rc && (c.count || c.ndeps) && (c.start + c.count == d->apps[a].n || chop)) {
                if (r->ncuts == r->cap) {
                    int cap = r->cap ? r->cap * 2 : 4;
                    cut *g = dorm_mem__realloc(r->cuts, sizeof *g * (size_t)cap);
                    if (!g) {
                        rc = oom(d->cx);
                        break;
                    }
                    r->cuts = g;
                    r->cap = cap;
                }
                r->cuts[r->ncuts++] = c;
                r->next[a] += c.count;
                chop = false;
                continue;
            }
            dorm_mem__free(c.deps);
        }
        int now = 0;
        for (int a = 0; a < d->napps; a++) now += d->apps[a].n - r->next[a];
        if (!rc && now == left) {
            if (chop) {
                int a = 0;
                while (r->next[a] == d->apps[a].n) a++;
                rc = dorm_ctx_fail(d->cx, DORM_EVALUE, "Cannot resolve operation dependencies: %s (%s)",
                                   dorm_op__describe(d->cx, &d->apps[a].ops[r->next[a]].op), d->apps[a].app);
            }
            chop = true;
        }
        left = now;
    }
    dorm_mem__free(order);
    return rc;
}

const char *dorm_arrange__timestamp(dorm_ctx *cx, const char *prefix) {
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    char buf[32];
    strftime(buf, sizeof buf, "%Y%m%d_%H%M", &tm);
    return dorm_sprintf(cx, "%s%s", prefix, buf);
}

/* Django's Operation.migration_name_fragment (NULL: none). */
static const char *fragment(dorm_ctx *cx, const dorm_op *op) {
    const char *m = op->model ? dorm_detect__lower(cx, op->model) : NULL;
    switch (op->kind) {
    case DORM_OP_CREATE_MODEL: return dorm_detect__lower(cx, op->create->name);
    case DORM_OP_DELETE_MODEL: return dorm_sprintf(cx, "delete_%s", m);
    case DORM_OP_RENAME_MODEL:
        return dorm_sprintf(cx, "rename_%s_%s", dorm_detect__lower(cx, op->old_name),
                            dorm_detect__lower(cx, op->new_name));
    case DORM_OP_ALTER_MODEL_TABLE: return dorm_sprintf(cx, "alter_%s_table", m);
    case DORM_OP_ALTER_MODEL_OPTIONS: return dorm_sprintf(cx, "alter_%s_options", m);
    case DORM_OP_ALTER_UNIQUE_TOGETHER: return dorm_sprintf(cx, "alter_%s_unique_together", m);
    case DORM_OP_ADD_FIELD: return dorm_sprintf(cx, "%s_%s", m, dorm_detect__lower(cx, op->name));
    case DORM_OP_REMOVE_FIELD: return dorm_sprintf(cx, "remove_%s_%s", m, dorm_detect__lower(cx, op->name));
    case DORM_OP_ALTER_FIELD: return dorm_sprintf(cx, "alter_%s_%s", m, dorm_detect__lower(cx, op->name));
    case DORM_OP_RENAME_FIELD:
        return dorm_sprintf(cx, "rename_%s_%s_%s", dorm_detect__lower(cx, op->old_name), m,
                            dorm_detect__lower(cx, op->new_name));
    case DORM_OP_ADD_INDEX: return dorm_sprintf(cx, "%s_%s", m, dorm_detect__lower(cx, op->index.name));
    case DORM_OP_ADD_CONSTRAINT: return dorm_sprintf(cx, "%s_%s", m, dorm_detect__lower(cx, op->constraint.name));
    case DORM_OP_REMOVE_INDEX:
    case DORM_OP_REMOVE_CONSTRAINT: return dorm_sprintf(cx, "remove_%s_%s", m, dorm_detect__lower(cx, op->name));
    default: return NULL;
    }
}

static int by_string(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

/* Django's Migration.suggest_name, cut to 100 characters as
 * arrange_for_graph cuts it. */
static const char *suggest_name(dorm_ctx *cx, const dorm_op *ops, int n, bool initial) {
    const char *name = n == 1 ? fragment(cx, &ops[0]) : NULL;
    bool creates = n > 1;
    for (int i = 0; i < n && creates; i++) creates = ops[i].kind == DORM_OP_CREATE_MODEL;
    if (creates) {
        const char **parts = dorm_alloc(cx, sizeof *parts * (size_t)n);
        for (int i = 0; parts && i < n; i++) parts[i] = fragment(cx, &ops[i]);
        if (parts) qsort(parts, (size_t)n, sizeof *parts, by_string);
        dorm_buf b = DORM_BUF_INIT;
        for (int i = 0; parts && i < n; i++) dorm_buf_printf(&b, "%s%s", i ? "_" : "", parts[i]);
        name = parts && !b.failed ? dorm_strdup(cx, b.data) : NULL;
        dorm_buf_free(&b);
    }
    if (!name) name = initial ? "initial" : dorm_arrange__timestamp(cx, "auto_");
    return name && strlen(name) > 100 ? dorm_arena__strndup(&cx->arena, name, 100) : name;
}

int dorm_arrange__next_number(const dorm_graph *g, const char *app) {
    int top = 0;
    for (int i = 0; i < g->ndisk; i++)
        if (strcmp(g->disk[i]->app, app) == 0 && dorm_migration__number(g->disk[i]->name) > top)
            top = dorm_migration__number(g->disk[i]->name);
    return top + 1;
}

dorm_migration *dorm_arrange__migration(dorm_ctx *cx, const dorm_app *app, int number, const char *name) {
    dorm_migration *m = dorm_alloc(cx, sizeof *m);
    if (!m) return NULL;
    memset(m, 0, sizeof *m);
    m->app = app->label;
    m->atomic = true;
    m->name = dorm_sprintf(cx, "%04d_%s", number, name);
    m->path = m->name ? dorm_sprintf(cx, "%s/%s.json", app->migrations_dir, m->name) : NULL;
    return m->path ? m : NULL;
}

/* Django's _optimize_migrations and arrange_for_graph for the cuts of app
 * a (in order), into out[*nout...]. */
static int finish_app(arranger *r, const dorm_app *app, int a, const char *name, dorm_migration **out, int *nout) {
    dorm_detector *d = r->d;
    dorm_ctx *cx = d->cx;
    const dorm_migration *leaf = dorm_graph__leaf(r->g, app->label);
    int number = dorm_arrange__next_number(r->g, app->label), i = 0;
    bool initial = true;
    for (int m = 0; m < d->from->n && initial; m++) initial = strcmp(d->from->models[m]->app, app->label) != 0;
    for (int k = 0; k < r->ncuts; k++) {
        cut *c = &r->cuts[k];
        if (c->app != a) continue;
        dorm_op *ops = dorm_alloc(cx, sizeof *ops * (size_t)(c->count + 1));
        if (!ops) return oom(cx);
        for (int j = 0; j < c->count; j++) ops[j] = d->apps[a].ops[c->start + j].op;
        int n = dorm__optimize(cx, d->scratch, app->label, ops, c->count);
        if (n < 0) return n;
        const char *part = name ? name : i == 0 && !leaf ? "initial" : suggest_name(cx, ops, n, initial);
        dorm_migration *m = part ? dorm_arrange__migration(cx, app, number + i, part) : NULL;
        if (!m) return oom(cx);
        m->initial = initial;
        m->ops = ops;
        m->nops = n;
        int rc = DORM_OK;
        if (i == 0 && leaf) rc = add_dep(r, c, leaf->app, leaf->name, -1);
        for (int p = k - 1; p >= 0 && i > 0 && !rc; p--)
            if (r->cuts[p].app == a) {
                rc = add_dep(r, c, app->label, "", p);
                break;
            }
        if (rc) return rc;
        c->out = *nout;
        out[(*nout)++] = m;
        i++;
    }
    return DORM_OK;
}

/* The dependencies of every migration, by name. */
static int resolve(arranger *r, dorm_migration **out) {
    for (int k = 0; k < r->ncuts; k++) {
        cut *c = &r->cuts[k];
        dorm_migration *m = out[c->out];
        m->deps = dorm_alloc(r->d->cx, sizeof *m->deps * (size_t)(c->ndeps + 1));
        if (!m->deps) return oom(r->d->cx);
        for (int i = 0; i < c->ndeps; i++) {
            const cut_dep *x = &c->deps[i];
            m->deps[i] = (dorm_mig_key){x->app, x->index >= 0 ? out[r->cuts[x->index].out]->name : x->name};
        }
        m->ndeps = c->ndeps;
    }
    return DORM_OK;
}

int dorm_arrange__migrations(dorm_detector *d, const dorm_graph *g, const dorm_app *const *apps, const char *name,
                             dorm_migration ***out, int *nout) {
    arranger r = {.d = d, .g = g};
    *out = NULL;
    *nout = 0;
    int rc = DORM_OK;
    for (int a = 0; a < d->napps && !rc; a++) rc = sort_app(d, &d->apps[a]);
    r.next = rc ? NULL : dorm_mem__calloc((size_t)d->napps + 1, sizeof *r.next);
    if (!rc && !r.next) rc = oom(d->cx);
    if (!rc && !d->scratch && !(d->scratch = dorm_state__new())) rc = oom(d->cx);
    if (!rc) rc = build(&r);
    dorm_migration **list = rc ? NULL : dorm_alloc(d->cx, sizeof *list * (size_t)(r.ncuts + 1));
    if (!rc && !list) rc = oom(d->cx);
    /* Django prints the apps in the order their first migration was cut. */
    for (int k = 0; !rc && k < r.ncuts; k++) {
        if (r.cuts[k].out >= 0) continue;
        const dorm_app *app = NULL;
        for (size_t i = 0; apps && apps[i] && !app; i++)
            if (strcmp(apps[i]->label, d->apps[r.cuts[k].app].app) == 0) app = apps[i];
        rc = app ? finish_app(&r, app, r.cuts[k].app, name, list, nout) : DORM_EVALUE;
    }
    if (!rc) rc = resolve(&r, list);
    for (int k = 0; k < r.ncuts; k++) dorm_mem__free(r.cuts[k].deps);
    dorm_mem__free(r.cuts);
    dorm_mem__free(r.next);
    if (rc) {
        *nout = 0;
        return rc;
    }
    *out = list;
    return DORM_OK;
}
