/* autodetect.c - makemigrations: the state the migration files build and
 * the compiled models, their difference found (detect.c) and made into
 * numbered migrations (arrange.c), checked by the safety lint and written;
 * --merge and --empty; and migrate's notice of unmigrated changes. */
#define _POSIX_C_SOURCE 200809L /* mkdir */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/opts.h"
#include "core/ctx.h"
#include "migrate/autodetect.h"
#include "core/alloc.h"
#include "core/file.h"

/* The command's options and streams. */
typedef struct command {
    dorm_ctx *cx;
    const dorm_makemigrations_opts *o;
    FILE *in, *out;
    dorm_questioner q;
    dorm_detector det;
} command;

static bool wanted(const dorm_makemigrations_opts *o, const char *app) {
    if (!o->apps) return true;
    for (size_t i = 0; o->apps[i]; i++)
        if (strcmp(o->apps[i], app) == 0) return true;
    return false;
}

static int write_file(command *d, dorm_migration *m, const char *dir) {
    char *text = dorm_migration__dump(d->cx, m);
    if (!text) return dorm__record(d->cx, DORM_ENOMEM);
    if (d->o->dry_run) {
        if (d->o->verbosity >= 3) fputs(text, d->out);
        return DORM_OK;
    }
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return dorm_ctx_fail(d->cx, DORM_EOPERATIONAL, "Cannot create %s: %s", dir, strerror(errno));
    if (dorm_file__write(m->path, text) != 0)
        return dorm_ctx_fail(d->cx, errno == ENOMEM ? DORM_ENOMEM : DORM_EOPERATIONAL, "Cannot write %s: %s", m->path,
                             strerror(errno));
    return DORM_OK;
}

/* Marks node i and the migrations of its app it depends on. */
static void ancestry(const dorm_graph *g, int i, bool *mark) {
    if (mark[i]) return;
    mark[i] = true;
    for (int d = 0; d < g->nodes[i]->ndeps; d++)
        for (int k = 0; k < g->n; k++)
            if (strcmp(g->nodes[k]->app, g->nodes[i]->app) == 0 &&
                strcmp(g->nodes[k]->app, g->nodes[i]->deps[d].app) == 0 &&
                strcmp(g->nodes[k]->name, g->nodes[i]->deps[d].name) == 0)
                ancestry(g, k, mark);
}

/* makemigrations --merge for one app with several leaves (Django's
 * handle_merge): each branch's operations after the common ancestors
 * shown, then a migration depending on every leaf, with no operations. */
static int merge_app(command *d, const dorm_app *app, const dorm_graph *g, dorm_migration **leaves, int nleaves) {
    bool *marks = dorm_mem__calloc((size_t)(nleaves * g->n) + 1, sizeof(bool));
    if (!marks) return dorm_ctx_fail(d->cx, DORM_ENOMEM, "out of memory");
    for (int l = 0; l < nleaves; l++)
        for (int i = 0; i < g->n; i++)
            if (g->nodes[i] == leaves[l]) ancestry(g, i, marks + l * g->n);
    if (d->o->verbosity > 0) fprintf(d->out, "Merging %s\n", app->label);
    for (int l = 0; l < nleaves && d->o->verbosity > 0; l++) {
        fprintf(d->out, "  Branch %s\n", leaves[l]->name);
        for (int i = 0; i < g->n; i++) {
            bool common = true;
            for (int o = 0; o < nleaves; o++) common = common && marks[o * g->n + i];
            if (!marks[l * g->n + i] || common) continue;
            for (int k = 0; k < g->nodes[i]->nops; k++)
                fprintf(d->out, "    - %s\n", dorm_op__describe(d->cx, &g->nodes[i]->ops[k]));
        }
    }
    dorm_mem__free(marks);
    if (!dorm_ask__yes(&d->q,
                       "\nMerging will only work if the operations printed above do not conflict\nwith each other "
                       "(working on different fields or models)\nDo you want to merge these migration branches? [y/N]",
                       !d->o->interactive))
        return DORM_OK;
    int top = 0;
    dorm_buf names = DORM_BUF_INIT;
    for (int l = 0; l < nleaves; l++) {
        int n = dorm_migration__number(leaves[l]->name);
        top = n > top ? n : top;
        dorm_buf_printf(&names, "%s%s", l ? "_" : "", leaves[l]->name);
    }
    /* Django's name: merge_<leaves> while that is short, else the time. */
    const char *name = d->o->name          ? d->o->name
        : !names.failed && names.len <= 47 ? dorm_sprintf(d->cx, "merge_%s", names.data)
                                           : dorm_arrange__timestamp(d->cx, "merge_");
    dorm_buf_free(&names);
    dorm_migration *m = name ? dorm_arrange__migration(d->cx, app, (top ? top : 1) + 1, name) : NULL;
    dorm_mig_key *deps = dorm_alloc(d->cx, sizeof *deps * (size_t)nleaves);
    if (!m || !deps) return dorm_ctx_fail(d->cx, DORM_ENOMEM, "out of memory");
    for (int l = 0; l < nleaves; l++) deps[l] = (dorm_mig_key){leaves[l]->app, leaves[l]->name};
    m->deps = deps;
    m->ndeps = nleaves;
    int rc = write_file(d, m, app->migrations_dir);
    if (!rc && !d->o->dry_run && d->o->verbosity > 0) fprintf(d->out, "\nCreated new merge migration %s\n", m->path);
    return rc;
}

static int merge(command *d, const dorm_app *const *apps, const dorm_graph *g) {
    dorm_migration **leaves = dorm_mem__alloc(sizeof *leaves * (size_t)(g->n + 1));
    if (!leaves) return dorm_ctx_fail(d->cx, DORM_ENOMEM, "out of memory");
    int rc = DORM_OK, merged = 0;
    for (size_t a = 0; !rc && apps && apps[a]; a++) {
        if (!apps[a]->migrations_dir || !wanted(d->o, apps[a]->label)) continue;
        int n = dorm_graph__leaves(g, apps[a]->label, leaves);
        if (n < 2) continue;
        merged++;
        rc = merge_app(d, apps[a], g, leaves, n);
    }
    dorm_mem__free(leaves);
    if (!rc && !merged) fputs("No conflicts detected to merge.\n", d->out);
    return rc;
}

/* Django's rule for --name: a name that fits in a file name and in code. */
static bool valid_name(const char *s) {
    if (!s) return true;
    if (!*s || strlen(s) > 100 || (*s >= '0' && *s <= '9')) return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return false;
    return true;
}

/* The graph of the files and the two states: det.from (the files) and
 * det.to (the compiled models, from *reg). */
static int load(command *c, const dorm_app *const *apps, dorm_graph *g, dorm_registry **reg) {
    dorm_detector *d = &c->det;
    int rc = dorm_graph__load(c->cx, apps, g);
    if (!rc) rc = dorm_graph__replacements(c->cx, g, NULL);
    *reg = rc ? NULL : dorm_registry_new(apps);
    if (!rc && !*reg)
        rc = dorm_ctx_fail(c->cx, DORM_ENOMEM, "out of memory");
    else if (!rc && dorm_registry_errcode(*reg))
        rc = dorm_ctx_fail(c->cx, DORM_ECONFIG, "%s", dorm_registry_messages(*reg));
    d->from = rc ? NULL : dorm_graph__state(c->cx, g, NULL, -1);
    d->to = rc || !d->from ? NULL : dorm_state__of_registry(*reg);
    if (!rc && (!d->from || !d->to)) rc = dorm_errcode(c->cx) ? dorm_errcode(c->cx) : DORM_ENOMEM;
    /* The apps to detect: every one with migrations, even when some are
     * named (Django's makemigrations detects them all, then trims). */
    size_t n = 0;
    while (apps && apps[n]) n++;
    d->apps = rc ? NULL : dorm_mem__calloc(n + 1, sizeof *d->apps);
    if (!rc && !d->apps) rc = dorm_ctx_fail(c->cx, DORM_ENOMEM, "out of memory");
    for (size_t a = 0; !rc && a < n; a++)
        if (apps[a]->migrations_dir) d->apps[d->napps++].app = apps[a]->label;
    return rc;
}

static void unload(command *c, dorm_graph *g, dorm_registry *reg) {
    dorm_detect__free(&c->det);
    dorm_mem__free(c->det.apps);
    dorm_state__free(c->det.from);
    dorm_state__free(c->det.to);
    dorm_state__free(c->det.scratch);
    dorm_registry_free(reg);
    dorm_graph__free(g);
}

/* --empty: one migration without operations for each app detected; the
 * first of an app is named "initial" but, as Django's, not marked initial
 * (Django marks only the autodetector's first migrations). */
static int empty_migrations(command *c, const dorm_app *const *apps, const dorm_graph *g, dorm_migration ***out,
                            int *nout) {
    *out = dorm_alloc(c->cx, sizeof **out * (size_t)(c->det.napps + 1));
    if (!*out) return dorm_ctx_fail(c->cx, DORM_ENOMEM, "out of memory");
    for (size_t a = 0; apps && apps[a]; a++) {
        if (!apps[a]->migrations_dir || !wanted(c->o, apps[a]->label)) continue;
        bool first = !dorm_graph__leaf(g, apps[a]->label);
        const char *name = c->o->name ? c->o->name : first ? "initial" : dorm_arrange__timestamp(c->cx, "auto_");
        dorm_migration *m =
            name ? dorm_arrange__migration(c->cx, apps[a], dorm_arrange__next_number(g, apps[a]->label), name) : NULL;
        dorm_migration *leaf = dorm_graph__leaf(g, apps[a]->label);
        if (!m || (leaf && !(m->deps = dorm_alloc(c->cx, sizeof *m->deps))))
            return dorm_ctx_fail(c->cx, DORM_ENOMEM, "out of memory");
        if (leaf) m->deps[m->ndeps++] = (dorm_mig_key){leaf->app, leaf->name};
        (*out)[(*nout)++] = m;
    }
    return DORM_OK;
}

/* Django's _trim_to_apps: of the new migrations, those of the named apps
 * and of the apps they depend on, transitively. */
static int trim_to_apps(command *c, dorm_migration **news, int *nnews) {
    if (!c->o->apps || !*nnews) return DORM_OK;
    bool *keep = dorm_mem__calloc((size_t)*nnews, sizeof *keep);
    if (!keep) return dorm_ctx_fail(c->cx, DORM_ENOMEM, "out of memory");
    for (int k = 0; k < *nnews; k++) keep[k] = wanted(c->o, news[k]->app);
    for (bool grew = true; grew;) {
        grew = false;
        for (int k = 0; k < *nnews; k++)
            for (int d = 0; keep[k] && d < news[k]->ndeps; d++)
                for (int j = 0; j < *nnews; j++)
                    if (!keep[j] && strcmp(news[j]->app, news[k]->deps[d].app) == 0) keep[j] = grew = true;
    }
    int n = 0;
    for (int k = 0; k < *nnews; k++)
        if (keep[k]) news[n++] = news[k];
    *nnews = n;
    dorm_mem__free(keep);
    return DORM_OK;
}

static const dorm_app *app_named(const dorm_app *const *apps, const char *label) {
    for (size_t a = 0; apps && apps[a]; a++)
        if (strcmp(apps[a]->label, label) == 0) return apps[a];
    return NULL;
}

int dorm_makemigrations_(dorm_ctx *cx, const dorm_app *const *apps, const dorm_makemigrations_opts *opts,
                         size_t opts_size) {
    dorm_makemigrations_opts opts_copy_;
    opts = dorm_opts__read(&opts_copy_, sizeof opts_copy_, opts, opts_size);
    dorm_makemigrations_opts dflt = {.verbosity = 1};
    command c = {.cx = cx, .o = opts ? opts : &dflt};
    c.in = c.o->in ? c.o->in : stdin;
    c.out = c.o->out ? c.o->out : stdout;
    c.q = (dorm_questioner){cx, c.in, c.out, c.o->interactive};
    c.det = (dorm_detector){.cx = cx, .q = c.q, .quiet = c.o->check};
    dorm_error_clear(cx);
    /* A difference computed while memory ran out may be wrong: no file then. */
    unsigned long failures = dorm_mem__failures();
    for (size_t i = 0; c.o->apps && c.o->apps[i]; i++) {
        if (!app_named(apps, c.o->apps[i]))
            return dorm_ctx_fail(cx, DORM_EVALUE, "App '%s' could not be found. Is it in the apps list?", c.o->apps[i]);
    }
    if (!valid_name(c.o->name))
        return dorm_ctx_fail(cx, DORM_EVALUE,
                             "The migration name must be a valid identifier (letters, digits and underscores).");
    dorm_graph g;
    dorm_registry *reg = NULL;
    int rc = load(&c, apps, &g, &reg);
    if (!rc) rc = dorm_check__consistent_history(cx, &g, apps);
    /* Two leaves in an app: merge them first (Django's detect_conflicts). */
    if (!rc && c.o->merge) {
        rc = merge(&c, apps, &g);
        unload(&c, &g, reg);
        return dorm__record(cx, rc);
    }
    if (!rc) rc = dorm_graph__conflicts(cx, &g, apps, c.o->apps);
    dorm_migration **news = NULL;
    int nnews = 0;
    if (!rc && c.o->empty)
        rc = empty_migrations(&c, apps, &g, &news, &nnews);
    else if (!rc && !(rc = dorm_detect__changes(&c.det)))
        rc = dorm_arrange__migrations(&c.det, &g, apps, c.o->name, &news, &nnews);
    if (!rc && !c.o->empty) rc = trim_to_apps(&c, news, &nnews);
    int warnings = 0;
    for (int k = 0; !rc && k < nnews; k++) {
        dorm_migration *m = news[k];
        /* --check says what changed (as Django's does) and writes nothing. */
        if (c.o->verbosity > 0) {
            if (!k || strcmp(news[k - 1]->app, m->app) != 0) fprintf(c.out, "Migrations for '%s':\n", m->app);
            fprintf(c.out, "  %s\n", m->path);
            for (int i = 0; i < m->nops; i++) fprintf(c.out, "    - %s\n", dorm_op__describe(cx, &m->ops[i]));
        }
        if (c.o->check) continue;
        unsigned backend = (c.o->locks_on_alter ? DORM_LINT_LOCKS : 0) | (c.o->ddl_commits ? DORM_LINT_DDL_COMMITS : 0);
        /* The migrations written before it in this run (the earlier ones of its
         * app among them), ended by a NULL in its place. */
        news[k] = NULL;
        warnings += dorm__lint(cx, m, c.det.from, (const dorm_migration *const *)news, backend,
                               c.o->verbosity > 0 ? c.out : NULL);
        news[k] = m;
    }
    if (!rc && warnings && c.o->strict)
        rc = dorm_ctx_fail(cx, DORM_EVALUE, "%d migration safety warning%s (--strict): nothing written.", warnings,
                           warnings == 1 ? "" : "s");
    if (!rc && dorm_mem__failures() != failures) rc = DORM_ENOMEM;
    for (int k = 0; !rc && !c.o->check && k < nnews; k++)
        rc = write_file(&c, news[k], app_named(apps, news[k]->app)->migrations_dir);
    if (!rc && !nnews && c.o->verbosity > 0) {
        if (c.o->apps && c.o->apps[0] && !c.o->apps[1])
            fprintf(c.out, "No changes detected in app '%s'\n", c.o->apps[0]);
        else
            fputs("No changes detected\n", c.out);
    }
    unload(&c, &g, reg);
    if (rc) return dorm__record(cx, rc);
    return c.o->check && nnews ? 1 : 0;
}

int dorm_changed__apps(dorm_ctx *cx, const dorm_app *const *apps, dorm_buf *out) {
    dorm_makemigrations_opts o = {.verbosity = 0};
    command c = {.cx = cx, .o = &o, .det = {.cx = cx, .quiet = true}};
    dorm_graph g;
    dorm_registry *reg = NULL;
    int rc = load(&c, apps, &g, &reg), n = 0;
    if (!rc) rc = dorm_detect__changes(&c.det);
    for (int a = 0; !rc && a < c.det.napps; a++)
        if (c.det.apps[a].n) dorm_buf_printf(out, "%s'%s'", n++ ? ", " : "", c.det.apps[a].app);
    unload(&c, &g, reg);
    return rc ? dorm__record(cx, rc) : n;
}
