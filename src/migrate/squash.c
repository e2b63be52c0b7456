/* squash.c - squashmigrations and the `replaces` rule: the operations of a
 * run of an app's migrations in one migration, reduced by the optimizer
 * (optimize.c), which databases that applied the originals keep using the
 * originals for, and new databases use instead. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/ctx.h"
#include "migrate/migration.h"
#include "core/alloc.h"
#include "core/file.h"

int dorm__squash(dorm_ctx *cx, const dorm_app *const *apps, const char *app, const char *start, const char *end,
                 const char *name, bool optimize, FILE *out) {
    dorm_error_clear(cx);
    unsigned long failures = dorm_mem__failures();
    const dorm_app *a = NULL;
    for (size_t i = 0; apps && apps[i]; i++)
        if (strcmp(apps[i]->label, app) == 0) a = apps[i];
    if (!a || !a->migrations_dir) return dorm_ctx_fail(cx, DORM_EVALUE, "App '%s' does not have migrations.", app);
    dorm_graph g;
    int rc = dorm_graph__load(cx, apps, &g);
    if (!rc) rc = dorm_graph__replacements(cx, &g, NULL);
    int first = -1, last = -1;
    dorm_migration *from = NULL, *to = NULL;
    if (!rc && start) rc = dorm_graph__find_prefix(cx, &g, app, start, &from);
    if (!rc) rc = dorm_graph__find_prefix(cx, &g, app, end, &to);
    for (int i = 0; !rc && i < g.n; i++) {
        if (strcmp(g.nodes[i]->app, app) != 0) continue;
        if (first < 0 && (!from || g.nodes[i] == from)) first = i;
        if (g.nodes[i] == to) last = i;
    }
    if (!rc && (first < 0 || last < 0 || last < first))
        rc = dorm_ctx_fail(cx, DORM_EVALUE,
                           "The migration %s.%s cannot be found. Maybe it comes after the migration %s.%s?\n"
                           "Have a look at:\n  manage showmigrations %s\nto debug this issue.",
                           app, from ? from->name : start, app, to->name, app);
    for (int i = first; !rc && i <= last; i++)
        if (strcmp(g.nodes[i]->app, app) == 0 && g.nodes[i]->nreplaces)
            rc = dorm_ctx_fail(cx, DORM_EVALUE,
                               "You cannot squash squashed migrations! Please transition %s to a normal "
                               "migration first.",
                               g.nodes[i]->name);
    if (rc) {
        dorm_graph__free(&g);
        return dorm__record(cx, rc);
    }
    dorm_migration *m = dorm_alloc(cx, sizeof *m);
    int nops = 0, nrep = 0;
    for (int i = first; i <= last; i++)
        if (strcmp(g.nodes[i]->app, app) == 0) nops += g.nodes[i]->nops, nrep++;
    dorm_op *ops = dorm_alloc(cx, sizeof(dorm_op) * (size_t)(nops + 1));
    dorm_mig_key *rep = dorm_alloc(cx, sizeof *rep * (size_t)(nrep + 1));
    dorm_mig_key *deps = dorm_alloc(cx, sizeof *deps * (size_t)(g.n + 1));
    if (!m || !ops || !rep || !deps) rc = DORM_ENOMEM;
    int k = 0, r = 0, d = 0;
    for (int i = first; !rc && i <= last; i++) {
        dorm_migration *src = g.nodes[i];
        if (strcmp(src->app, app) != 0) continue;
        for (int o = 0; o < src->nops; o++) ops[k++] = src->ops[o];
        rep[r++] = (dorm_mig_key){src->app, src->name};
        /* Dependencies outside the squashed run are kept. */
        for (int e = 0; e < src->ndeps; e++) {
            bool inside = strcmp(src->deps[e].app, app) == 0;
            bool have = false;
            for (int x = 0; x < d; x++)
                have = have ||
                    (strcmp(deps[x].app, src->deps[e].app) == 0 && strcmp(deps[x].name, src->deps[e].name) == 0);
            if (inside) {
                bool in_run = false;
                for (int x = first; x <= last; x++)
                    in_run = in_run ||
                        (strcmp(g.nodes[x]->app, app) == 0 && strcmp(g.nodes[x]->name, src->deps[e].name) == 0);
                if (in_run) continue;
            }
            if (!have) deps[d++] = src->deps[e];
        }
    }
    dorm_state *scratch = rc ? NULL : dorm_state__new();
    if (!rc && !scratch) rc = dorm_ctx_fail(cx, DORM_ENOMEM, "out of memory");
    if (!rc && out) {
        fputs("Will squash the following migrations:\n", out);
        for (int i = first; i <= last; i++)
            if (strcmp(g.nodes[i]->app, app) == 0) fprintf(out, " - %s\n", g.nodes[i]->name);
        fputs(optimize ? "Optimizing...\n" : "(Skipping optimization.)\n", out);
    }
    if (!rc) {
        int kept = optimize ? dorm__optimize(cx, scratch, app, ops, k) : k;
        if (kept < 0) rc = kept;
        if (!rc && out && optimize && kept == k)
            fputs("  No optimizations possible.\n", out);
        else if (!rc && out && optimize)
            fprintf(out, "  Optimized from %d operations to %d operations.\n", k, kept);
        memset(m, 0, sizeof *m);
        m->app = app;
        m->initial = g.nodes[first]->initial;
        m->atomic = true;
        for (int i = first; i <= last; i++)
            if (strcmp(g.nodes[i]->app, app) == 0) m->atomic = m->atomic && g.nodes[i]->atomic;
        m->ops = ops;
        m->nops = kept;
        m->replaces = rep;
        m->nreplaces = r;
        m->deps = deps;
        m->ndeps = d;
        /* Django's names: 0001_squashed_<end>, <start>_squashed_<end>, or
         * the start's number (0001 without a start) and --squashed-name. */
        const char *head = from ? from->name : "0001";
        int number = (int)strcspn(head, "_");
        if (name)
            m->name = dorm_sprintf(cx, "%.*s_%s", number, head, name);
        else
            m->name = dorm_sprintf(cx, "%s_squashed_%s", from ? from->name : "0001", to->name);
        m->path = dorm_sprintf(cx, "%s/%s.json", a->migrations_dir, m->name);
        char *text = rc ? NULL : dorm_migration__dump(cx, m);
        if (!rc && (!text || !m->path || dorm_mem__failures() != failures)) rc = dorm__record(cx, DORM_ENOMEM);
        if (!rc && dorm_file__write(m->path, text) != 0)
            rc = dorm_ctx_fail(cx, errno == ENOMEM ? DORM_ENOMEM : DORM_EOPERATIONAL, "Cannot write %s: %s", m->path,
                               strerror(errno));
        if (!rc && out)
            fprintf(out,
                    "Created new squashed migration %s\n  You should commit this migration but leave the old ones "
                    "in place;\n  the new migration will be used for new installs. Once you are sure\n  all "
                    "instances of the codebase have applied the migrations you squashed,\n  you can delete them.\n",
                    m->path);
    }
    dorm_state__free(scratch);
    dorm_graph__free(&g);
    return dorm__record(cx, rc);
}

/* Drops node i from the graph (and its applied flag). */
static void drop(dorm_graph *g, bool *applied, int i) {
    memmove(&g->nodes[i], &g->nodes[i + 1], sizeof(*g->nodes) * (size_t)(g->n - i - 1));
    memmove(&applied[i], &applied[i + 1], sizeof(bool) * (size_t)(g->n - i - 1));
    g->n--;
}

static int index_of(const dorm_graph *g, const char *app, const char *name) {
    for (int i = 0; i < g->n; i++)
        if (strcmp(g->nodes[i]->app, app) == 0 && strcmp(g->nodes[i]->name, name) == 0) return i;
    return -1;
}

int dorm_graph__replacements(dorm_ctx *cx, dorm_graph *g, bool *applied_or_null) {
    bool *applied = applied_or_null ? applied_or_null : dorm_mem__calloc((size_t)(g->n ? g->n : 1), sizeof(bool));
    if (!applied) return DORM_ENOMEM;
    int rc = DORM_OK;
    for (int s = 0; s < g->n && !rc; s++) {
        dorm_migration *sq = g->nodes[s];
        if (!sq->nreplaces) continue;
        int done = 0, present = 0;
        for (int r = 0; r < sq->nreplaces; r++) {
            int i = index_of(g, sq->replaces[r].app, sq->replaces[r].name);
            if (i < 0) continue;
            present++;
            done += applied[i];
        }
        if (present && done && done < present) {
            /* Half applied: carry on with the originals. */
            drop(g, applied, s);
            s = -1;
            continue;
        }
        if (present && done == present) applied[s] = true;
        /* The squashed migration stands for the originals: they go, and
         * what depended on one of them depends on it. */
        for (int r = 0; r < sq->nreplaces; r++) {
            int i = index_of(g, sq->replaces[r].app, sq->replaces[r].name);
            if (i < 0) continue;
            for (int k = 0; k < g->n; k++)
                for (int e = 0; k != i && e < g->nodes[k]->ndeps; e++)
                    if (strcmp(g->nodes[k]->deps[e].app, sq->app) == 0 &&
                        strcmp(g->nodes[k]->deps[e].name, sq->replaces[r].name) == 0 && g->nodes[k] != sq)
                        g->nodes[k]->deps[e] = (dorm_mig_key){sq->app, sq->name};
            drop(g, applied, i);
            if (i < s) s--;
        }
    }
    if (!rc) rc = dorm_graph__sort(cx, g, applied);
    if (!applied_or_null) dorm_mem__free(applied);
    return rc;
}
