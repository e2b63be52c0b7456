/* autodetect.c - makemigrations: the difference between the state the
 * migration files build and the compiled models, as operations (Django's
 * MigrationAutodetector), asking about renames and one-off defaults, with
 * dependencies on each app's previous migration and on the apps its new
 * relations point at, written as the next numbered file. */
#define _POSIX_C_SOURCE 200809L /* gmtime_r, mkdir */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/opts.h"
#include "core/ctx.h"
#include "migrate/migration.h"
#include "core/alloc.h"
#include "core/file.h"

typedef struct detector {
    dorm_ctx *cx;
    const dorm_makemigrations_opts *o;
    FILE *in, *out;
    dorm_questioner q;
    bool quiet; /* only whether there are changes: ask nothing */
    dorm_state *from, *to;
    dorm_op *ops;
    int nops, cap;
    int rc;
} detector;

static dorm_op *add_op(detector *d, dorm_op_kind kind, const char *app, const char *model) {
    if (d->nops == d->cap) {
        int cap = d->cap ? d->cap * 2 : 8;
        dorm_op *grown = dorm_mem__realloc(d->ops, sizeof(dorm_op) * (size_t)cap);
        if (!grown) {
            d->rc = DORM_ENOMEM;
            return NULL;
        }
        d->ops = grown;
        d->cap = cap;
    }
    dorm_op *op = &d->ops[d->nops++];
    memset(op, 0, sizeof *op);
    op->kind = kind;
    op->app = app;
    op->model = model;
    op->preserve_default = true;
    return op;
}

static const char *lower(dorm_ctx *cx, const char *s) {
    char *r = dorm_strdup(cx, s);
    for (char *p = r; p && *p; p++)
        if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
    return r;
}

static bool same_field(detector *d, const dorm_fstate *a, const dorm_fstate *b, bool ignore_name) {
    dorm_fstate x = *a, y = *b;
    if (ignore_name) x.f.name = y.f.name = "";
    const char *ja = dorm_fstate__dump(d->cx, &x), *jb = dorm_fstate__dump(d->cx, &y);
    return ja && jb && strcmp(ja, jb) == 0;
}

/* Whether existing rows can get a value for a field added to them without
 * asking: Django's preserve_default (NULL, a default, a many-to-many, ""
 * for a blank text field, the current time for auto_now). */
static bool fills_itself(const dorm_fstate *f) {
    const dorm_field *x = &f->f;
    bool date = x->kind == DORM_KIND_DATE || x->kind == DORM_KIND_DATETIME || x->kind == DORM_KIND_TIME;
    return x->null || x->default_value.type != DORM_T_NONE || f->default_callable || x->kind == DORM_KIND_M2M ||
        x->primary_key || (x->blank && dorm_kind__blank_is_empty(x->kind)) || (date && x->auto_now);
}

static bool has_default(const dorm_fstate *f) {
    return f->f.default_value.type != DORM_T_NONE || f->default_callable || f->f.kind == DORM_KIND_M2M;
}

static bool same_list(const char *const *a, const char *const *b) {
    size_t i = 0;
    for (; a && b && a[i] && b[i]; i++)
        if (strcmp(a[i], b[i]) != 0) return false;
    return (!a || !a[i]) && (!b || !b[i]);
}

static bool same_together(const char *const *const *a, const char *const *const *b) {
    size_t i = 0;
    for (; a && b && a[i] && b[i]; i++)
        if (!same_list(a[i], b[i])) return false;
    return (!a || !a[i]) && (!b || !b[i]);
}

static bool same_str(const char *a, const char *b) { return a == b || (a && b && strcmp(a, b) == 0); }

/* The same index in l: same fields and name (a file written before index
 * names were recorded has none: the fields decide). */
static const dorm_index *index_named(const dorm_index *l, const dorm_index *ix) {
    for (size_t i = 0; l && l[i].fields; i++)
        if ((!l[i].name || !ix->name || same_str(l[i].name, ix->name)) && same_list(l[i].fields, ix->fields))
            return &l[i];
    return NULL;
}

static const dorm_constraint *constraint_named(const dorm_constraint *l, const char *name) {
    for (size_t i = 0; l && l[i].kind; i++)
        if (same_str(l[i].name, name)) return &l[i];
    return NULL;
}

/* The field changes of a model present on both sides. */
static void diff_fields(detector *d, const char *app, dorm_mstate *a, dorm_mstate *b) {
    const char *model = lower(d->cx, b->name);
    bool *matched = dorm_mem__calloc((size_t)a->nfields + 1, sizeof(bool));
    if (!matched) {
        d->rc = DORM_ENOMEM;
        return;
    }
    for (int i = 0; i < b->nfields && !d->rc; i++) {
        const dorm_fstate *nf = &b->fields[i];
        int k = dorm_mstate__field(a, nf->f.name);
        if (k >= 0) {
            matched[k] = true;
            if (!same_field(d, &a->fields[k], nf, false)) {
                dorm_op *op = add_op(d, DORM_OP_ALTER_FIELD, app, model);
                if (!op) break;
                op->name = nf->f.name;
                op->field = *nf;
                if (a->fields[k].f.null && !nf->f.null && !has_default(nf) && !d->quiet) {
                    int r = dorm_ask__not_null_alteration(&d->q, model, &op->field);
                    if (r < 0) d->rc = r;
                    op->preserve_default = r != 0;
                }
            }
            continue;
        }
        /* A field gone from the other side with the same definition may be a rename. */
        int renamed = -1;
        for (int j = 0; j < a->nfields && renamed < 0; j++)
            if (dorm_mstate__field(b, a->fields[j].f.name) < 0 && !matched[j] &&
                same_field(d, &a->fields[j], nf, true)) {
                char q[256];
                snprintf(q, sizeof q, "Did you rename %s.%s to %s.%s (a %s)? [y/N]", lower(d->cx, a->name),
                         a->fields[j].f.name, lower(d->cx, b->name), nf->f.name, dorm_kind__name(nf->f.kind));
                if (!d->quiet && dorm_ask__yes(&d->q, q, false)) renamed = j;
            }
        if (renamed >= 0) {
            matched[renamed] = true;
            dorm_op *op = add_op(d, DORM_OP_RENAME_FIELD, app, model);
            if (op) {
                op->old_name = a->fields[renamed].f.name;
                op->new_name = nf->f.name;
            }
            continue;
        }
        dorm_op *op = add_op(d, DORM_OP_ADD_FIELD, app, model);
        if (!op) break;
        op->name = nf->f.name;
        op->field = *nf;
        if (!fills_itself(nf) && !d->quiet) {
            d->rc = dorm_ask__not_null_addition(&d->q, model, &op->field);
            op->preserve_default = false;
        }
    }
    for (int k = 0; k < a->nfields && !d->rc; k++) {
        if (matched[k]) continue;
        dorm_op *op = add_op(d, DORM_OP_REMOVE_FIELD, app, model);
        if (op) op->name = a->fields[k].f.name;
    }
    dorm_mem__free(matched);
}

static void diff_options(detector *d, const char *app, dorm_mstate *a, dorm_mstate *b) {
    const char *model = lower(d->cx, b->name);
    dorm_op *op;
    if (!same_str(a->db_table, b->db_table) && (op = add_op(d, DORM_OP_ALTER_MODEL_TABLE, app, model)))
        op->table = b->db_table;
    if ((!same_list(a->ordering, b->ordering) || !same_str(a->verbose_name, b->verbose_name) ||
         !same_str(a->verbose_name_plural, b->verbose_name_plural) || !same_str(a->get_latest_by, b->get_latest_by)) &&
        (op = add_op(d, DORM_OP_ALTER_MODEL_OPTIONS, app, model)))
        op->create = b;
    if (!same_together(a->unique_together, b->unique_together) &&
        (op = add_op(d, DORM_OP_ALTER_UNIQUE_TOGETHER, app, model)))
        op->together = b->unique_together;
    for (size_t i = 0; a->indexes && a->indexes[i].fields; i++)
        if (!index_named(b->indexes, &a->indexes[i]) && (op = add_op(d, DORM_OP_REMOVE_INDEX, app, model)))
            op->name = a->indexes[i].name;
    for (size_t i = 0; b->indexes && b->indexes[i].fields && !d->rc; i++) {
        if (index_named(a->indexes, &b->indexes[i])) continue;
        if (!b->indexes[i].name) {
            d->rc = dorm_ctx_fail(d->cx, DORM_EVALUE,
                                  "%s.%s: an index added by a migration needs a name (dorm_index.name).", app, b->name);
            break;
        }
        if ((op = add_op(d, DORM_OP_ADD_INDEX, app, model))) op->index = b->indexes[i];
    }
    for (size_t i = 0; a->constraints && a->constraints[i].kind; i++)
        if (!constraint_named(b->constraints, a->constraints[i].name) &&
            (op = add_op(d, DORM_OP_REMOVE_CONSTRAINT, app, model)))
            op->name = a->constraints[i].name;
    for (size_t i = 0; b->constraints && b->constraints[i].kind; i++)
        if (!constraint_named(a->constraints, b->constraints[i].name) &&
            (op = add_op(d, DORM_OP_ADD_CONSTRAINT, app, model)))
            op->constraint = b->constraints[i];
}

static bool relational(const dorm_fstate *f) {
    return (f->f.kind == DORM_KIND_FK || f->f.kind == DORM_KIND_M2M) && !f->f.primary_key;
}

static int by_name(const void *a, const void *b) {
    return strcmp(((const dorm_fstate *)a)->f.name, ((const dorm_fstate *)b)->f.name);
}

/* A new model as Django's makemigrations writes its CreateModel: relations
 * after the other fields, sorted by name (Django adds them as AddFields its
 * optimizer folds back), and no indexes or constraints (AddIndex and
 * AddConstraint operations follow). */
static dorm_mstate *create_shape(detector *d, const dorm_mstate *m) {
    dorm_mstate *c = dorm_alloc(d->cx, sizeof *c);
    dorm_fstate *fs = dorm_alloc(d->cx, sizeof *fs * (size_t)(m->nfields ? m->nfields : 1));
    if (!c || !fs) return NULL;
    *c = *m;
    int n = 0;
    for (int pass = 0; pass < 2; pass++) {
        int first = n;
        for (int i = 0; i < m->nfields; i++)
            if (relational(&m->fields[i]) == (pass == 1)) fs[n++] = m->fields[i];
        if (pass == 1) qsort(fs + first, (size_t)(n - first), sizeof *fs, by_name);
    }
    c->fields = fs;
    c->indexes = NULL;
    c->constraints = NULL;
    return c;
}

/* Whether model m (new in this migration) has a key to another new model of
 * the same app not created yet. */
static bool waits_for(const detector *d, const dorm_mstate *m, dorm_mstate **pending, int npending) {
    for (int f = -1; f < m->nfields; f++) {
        /* Its base first (Django's dependency on the parent's creation). */
        const char *to = f < 0 ? (m->bases ? m->bases[0] : NULL) : m->fields[f].to;
        for (int p = 0; to && p < npending; p++)
            if (pending[p] && pending[p] != m) {
                const char *label = dorm_mstate__label(d->from, pending[p]);
                if (label && dorm_same__name(to, label)) return true;
            }
    }
    return false;
}

/* Django's order: renamed and new models (those they point at first), then
 * field and option changes of kept models, then models gone. */
static void diff_app(detector *d, const char *app) {
    dorm_mstate **added = dorm_mem__calloc((size_t)d->to->n + 1, sizeof *added);
    dorm_mstate **gone = dorm_mem__calloc((size_t)d->from->n + 1, sizeof *gone);
    if (!added || !gone) {
        dorm_mem__free(added);
        dorm_mem__free(gone);
        d->rc = DORM_ENOMEM;
        return;
    }
    int nadded = 0, ngone = 0;
    for (int i = 0; i < d->to->n; i++)
        if (strcmp(d->to->models[i]->app, app) == 0 && !dorm_state__model(d->from, app, d->to->models[i]->name))
            added[nadded++] = d->to->models[i];
    for (int i = 0; i < d->from->n; i++)
        if (strcmp(d->from->models[i]->app, app) == 0 && !dorm_state__model(d->to, app, d->from->models[i]->name))
            gone[ngone++] = d->from->models[i];
    /* A gone model with the same fields as a new one may be that one renamed. */
    for (int i = 0; i < ngone && !d->rc; i++) {
        dorm_mstate *a = gone[i];
        for (int k = 0; k < nadded; k++) {
            dorm_mstate *b = added[k];
            bool same = b && a->nfields == b->nfields;
            for (int f = 0; same && f < a->nfields; f++) same = same_field(d, &a->fields[f], &b->fields[f], false);
            char q[256];
            snprintf(q, sizeof q, "Did you rename the %s.%s model to %s? [y/N]", app, a->name, b ? b->name : "");
            if (!same || d->quiet || !dorm_ask__yes(&d->q, q, false)) continue;
            dorm_op *op = add_op(d, DORM_OP_RENAME_MODEL, app, b->name);
            if (op) {
                op->old_name = a->name;
                op->new_name = b->name;
            }
            added[k] = NULL;
            gone[i] = NULL;
            break;
        }
    }
    /* Django's order: every new model's CreateModel (Django inserts them at
     * the beginning), then their indexes and constraints, then the proxies
     * (generate_created_proxies), each followed by its options. */
    dorm_mstate **made = dorm_mem__calloc((size_t)nadded + 1, sizeof *made);
    dorm_mstate **shapes = dorm_mem__calloc((size_t)nadded + 1, sizeof *shapes);
    int nmade = 0;
    if (!made || !shapes) d->rc = DORM_ENOMEM;
    for (int pass = 0; !d->rc && pass <= 2 * nadded + 1; pass++) {
        bool proxies = pass > nadded;
        if (pass == nadded + 1)
            for (int i = 0; i < nmade && !d->rc; i++) diff_options(d, app, shapes[i], made[i]);
        for (int k = 0; k < nadded; k++) {
            if (!added[k] || added[k]->proxy != proxies ||
                (pass != nadded && pass != 2 * nadded + 1 && waits_for(d, added[k], added, nadded)))
                continue;
            dorm_mstate *shape = create_shape(d, added[k]);
            dorm_op *op = shape ? add_op(d, DORM_OP_CREATE_MODEL, app, added[k]->name) : NULL;
            if (!shape) d->rc = DORM_ENOMEM;
            if (op) op->create = shape;
            if (shape && proxies)
                diff_options(d, app, shape, added[k]);
            else if (shape) {
                made[nmade] = added[k];
                shapes[nmade++] = shape;
            }
            added[k] = NULL;
        }
    }
    dorm_mem__free(made);
    dorm_mem__free(shapes);
    for (int i = 0; i < d->to->n && !d->rc; i++) {
        dorm_mstate *b = d->to->models[i];
        dorm_mstate *a = strcmp(b->app, app) == 0 ? dorm_state__model(d->from, app, b->name) : NULL;
        if (!a) {
            /* A renamed model compares with its old self. */
            for (int k = 0; k < d->nops && !a; k++)
                if (d->ops[k].kind == DORM_OP_RENAME_MODEL && strcmp(d->ops[k].app, app) == 0 &&
                    strcmp(d->ops[k].new_name, b->name) == 0 && strcmp(b->app, app) == 0)
                    a = dorm_state__model(d->from, app, d->ops[k].old_name);
            if (!a) continue;
        }
        diff_fields(d, app, a, b);
        diff_options(d, app, a, b);
    }
    for (int i = 0; i < ngone && !d->rc; i++)
        if (gone[i]) add_op(d, DORM_OP_DELETE_MODEL, app, gone[i]->name);
    dorm_mem__free(added);
    dorm_mem__free(gone);
}

/* Django's get_migration_name_timestamp after a prefix: "auto_20240102_0304". */
static const char *timestamp(dorm_ctx *cx, const char *prefix) {
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    char buf[32];
    strftime(buf, sizeof buf, "%Y%m%d_%H%M", &tm);
    return dorm_sprintf(cx, "%s%s", prefix, buf);
}

static const char *suggest_name(detector *d, const dorm_migration *m) {
    if (d->o->name) return d->o->name;
    if (m->initial) return "initial";
    if (m->nops == 1) {
        const dorm_op *op = &m->ops[0];
        switch (op->kind) {
        case DORM_OP_CREATE_MODEL: return lower(d->cx, op->create->name);
        case DORM_OP_DELETE_MODEL: return dorm_sprintf(d->cx, "delete_%s", lower(d->cx, op->model));
        case DORM_OP_ADD_FIELD: return dorm_sprintf(d->cx, "%s_%s", op->model, op->field.f.name);
        case DORM_OP_REMOVE_FIELD: return dorm_sprintf(d->cx, "remove_%s_%s", op->model, op->name);
        default: break;
        }
    }
    return timestamp(d->cx, "auto_");
}

static bool wanted(const dorm_makemigrations_opts *o, const char *app) {
    if (!o->apps) return true;
    for (size_t i = 0; o->apps[i]; i++)
        if (strcmp(o->apps[i], app) == 0) return true;
    return false;
}

/* The apps a migration's new relations point at (other than its own). */
static int add_dependencies(detector *d, dorm_migration *m, const dorm_graph *g, dorm_migration **news, int nnews) {
    dorm_mig_key *deps = dorm_alloc(d->cx, sizeof *deps * (size_t)(nnews + g->n + 1));
    if (!deps) return DORM_ENOMEM;
    int n = 0;
    dorm_migration *prev = dorm_graph__leaf(g, m->app);
    if (prev) deps[n++] = (dorm_mig_key){prev->app, prev->name};
    for (int k = 0; k < m->nops; k++) {
        const dorm_op *op = &m->ops[k];
        const dorm_fstate *fs = op->kind == DORM_OP_CREATE_MODEL ? op->create->fields : &op->field;
        int nf = op->kind == DORM_OP_CREATE_MODEL ? op->create->nfields
                                                  : (op->kind == DORM_OP_ADD_FIELD || op->kind == DORM_OP_ALTER_FIELD);
        const char *base = op->kind == DORM_OP_CREATE_MODEL && op->create->bases ? op->create->bases[0] : NULL;
        for (int f = base ? -1 : 0; f < nf; f++) {
            for (int w = 0; w < 2; w++) {
                const char *label = f < 0 ? (w ? NULL : base) : w ? fs[f].through : fs[f].to;
                const char *dot = label ? strchr(label, '.') : NULL;
                if (!dot) continue;
                const char *app = dorm_arena__strndup(&d->cx->arena, label, (size_t)(dot - label));
                if (!app || strcmp(app, m->app) == 0) continue;
                const dorm_migration *target = NULL;
                for (int i = 0; i < nnews; i++)
                    if (news[i] && strcmp(news[i]->app, app) == 0) target = news[i];
                if (!target) target = dorm_graph__leaf(g, app);
                bool have = false;
                for (int i = 0; target && i < n; i++) have = have || (strcmp(deps[i].app, target->app) == 0);
                if (target && !have) deps[n++] = (dorm_mig_key){target->app, target->name};
            }
        }
    }
    m->deps = deps;
    m->ndeps = n;
    return DORM_OK;
}

static int write_file(detector *d, dorm_migration *m, const char *dir) {
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

/* The number after the highest of an app's migration files (replaced ones
 * and squashed ones' last number count, so a squash never brings a number
 * back). */
static int next_number(const dorm_graph *g, const char *app) {
    int top = 0;
    for (int i = 0; i < g->ndisk; i++)
        if (strcmp(g->disk[i]->app, app) == 0 && dorm_migration__number(g->disk[i]->name) > top)
            top = dorm_migration__number(g->disk[i]->name);
    return top + 1;
}

static dorm_migration *new_migration(detector *d, const dorm_app *app, int number, const char *name) {
    dorm_migration *m = dorm_alloc(d->cx, sizeof *m);
    if (!m) return NULL;
    memset(m, 0, sizeof *m);
    m->app = app->label;
    m->atomic = true;
    m->name = dorm_sprintf(d->cx, "%04d_%s", number, name);
    m->path = m->name ? dorm_sprintf(d->cx, "%s/%s.json", app->migrations_dir, m->name) : NULL;
    return m->path ? m : NULL;
}

/* The migration of `app`'s changes (NULL: none, or an error in d->rc). */
static dorm_migration *app_changes(detector *d, const dorm_app *app, const dorm_graph *g) {
    d->nops = 0;
    d->ops = NULL;
    d->cap = 0;
    if (!d->o->empty) diff_app(d, app->label);
    if (d->rc || (!d->nops && !d->o->empty)) {
        dorm_mem__free(d->ops);
        return NULL;
    }
    dorm_op *ops = dorm_alloc(d->cx, sizeof(dorm_op) * (size_t)(d->nops + 1));
    if (ops && d->nops) memcpy(ops, d->ops, sizeof(dorm_op) * (size_t)d->nops);
    dorm_mem__free(d->ops);
    d->ops = NULL;
    dorm_migration tmp = {.app = app->label, .ops = ops, .nops = d->nops, .initial = !dorm_graph__leaf(g, app->label)};
    const char *name = ops ? suggest_name(d, &tmp) : NULL;
    dorm_migration *m = name ? new_migration(d, app, next_number(g, app->label), name) : NULL;
    if (!m) {
        d->rc = dorm_ctx_fail(d->cx, DORM_ENOMEM, "out of memory");
        return NULL;
    }
    m->ops = ops;
    m->nops = d->nops;
    m->initial = tmp.initial;
    return m;
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
static int merge_app(detector *d, const dorm_app *app, const dorm_graph *g, dorm_migration **leaves, int nleaves) {
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
                                           : timestamp(d->cx, "merge_");
    dorm_buf_free(&names);
    dorm_migration *m = name ? new_migration(d, app, (top ? top : 1) + 1, name) : NULL;
    dorm_mig_key *deps = dorm_alloc(d->cx, sizeof *deps * (size_t)nleaves);
    if (!m || !deps) return dorm_ctx_fail(d->cx, DORM_ENOMEM, "out of memory");
    for (int l = 0; l < nleaves; l++) deps[l] = (dorm_mig_key){leaves[l]->app, leaves[l]->name};
    m->deps = deps;
    m->ndeps = nleaves;
    int rc = write_file(d, m, app->migrations_dir);
    if (!rc && !d->o->dry_run && d->o->verbosity > 0) fprintf(d->out, "\nCreated new merge migration %s\n", m->path);
    return rc;
}

static int merge(detector *d, const dorm_app *const *apps, const dorm_graph *g) {
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

/* The graph of the files and the two states: d->from (the files) and d->to
 * (the compiled models, from *reg). */
static int load(detector *d, const dorm_app *const *apps, dorm_graph *g, dorm_registry **reg) {
    int rc = dorm_graph__load(d->cx, apps, g);
    if (!rc) rc = dorm_graph__replacements(d->cx, g, NULL);
    *reg = rc ? NULL : dorm_registry_new(apps);
    if (!rc && !*reg)
        rc = dorm_ctx_fail(d->cx, DORM_ENOMEM, "out of memory");
    else if (!rc && dorm_registry_errcode(*reg))
        rc = dorm_ctx_fail(d->cx, DORM_ECONFIG, "%s", dorm_registry_messages(*reg));
    d->from = rc ? NULL : dorm_graph__state(d->cx, g, NULL, -1);
    d->to = rc || !d->from ? NULL : dorm_state__of_registry(*reg);
    if (!rc && (!d->from || !d->to)) rc = dorm_errcode(d->cx) ? dorm_errcode(d->cx) : DORM_ENOMEM;
    return rc;
}

static void unload(detector *d, dorm_graph *g, dorm_registry *reg) {
    dorm_state__free(d->from);
    dorm_state__free(d->to);
    dorm_registry_free(reg);
    dorm_graph__free(g);
}

int dorm_makemigrations_(dorm_ctx *cx, const dorm_app *const *apps, const dorm_makemigrations_opts *opts,
                         size_t opts_size) {
    dorm_makemigrations_opts opts_copy_;
    opts = dorm_opts__read(&opts_copy_, sizeof opts_copy_, opts, opts_size);
    dorm_makemigrations_opts dflt = {.verbosity = 1};
    detector d = {.cx = cx, .o = opts ? opts : &dflt};
    d.in = d.o->in ? d.o->in : stdin;
    d.out = d.o->out ? d.o->out : stdout;
    d.q = (dorm_questioner){cx, d.in, d.out, d.o->interactive};
    d.quiet = d.o->check;
    dorm_error_clear(cx);
    /* A difference computed while memory ran out may be wrong: no file then. */
    unsigned long failures = dorm_mem__failures();
    for (size_t i = 0; d.o->apps && d.o->apps[i]; i++) {
        bool known = false;
        for (size_t k = 0; apps && apps[k]; k++) known = known || strcmp(apps[k]->label, d.o->apps[i]) == 0;
        if (!known)
            return dorm_ctx_fail(cx, DORM_EVALUE, "App '%s' could not be found. Is it in the apps list?", d.o->apps[i]);
    }
    if (!valid_name(d.o->name))
        return dorm_ctx_fail(cx, DORM_EVALUE,
                             "The migration name must be a valid identifier (letters, digits and underscores).");
    dorm_graph g;
    dorm_registry *reg = NULL;
    int rc = load(&d, apps, &g, &reg);
    if (!rc) rc = dorm_check__consistent_history(cx, &g, apps);
    /* Two leaves in an app: merge them first (Django's detect_conflicts). */
    if (!rc && d.o->merge) {
        rc = merge(&d, apps, &g);
        unload(&d, &g, reg);
        return dorm__record(cx, rc);
    }
    if (!rc) rc = dorm_graph__conflicts(cx, &g, apps, d.o->apps);
    size_t napps = 0;
    while (apps && apps[napps]) napps++;
    dorm_migration **news = dorm_mem__calloc(napps + 1, sizeof *news);
    if (!rc && !news) rc = DORM_ENOMEM;
    for (size_t a = 0; !rc && a < napps; a++) {
        if (!apps[a]->migrations_dir || !wanted(d.o, apps[a]->label)) continue;
        news[a] = app_changes(&d, apps[a], &g);
        rc = d.rc;
    }
    for (size_t a = 0; !rc && a < napps; a++)
        if (news[a]) rc = add_dependencies(&d, news[a], &g, news, (int)napps);
    bool changes = false;
    for (size_t a = 0; !rc && a < napps; a++) {
        dorm_migration *m = news[a];
        if (!m) continue;
        changes = true;
        /* --check says what changed (as Django's does) and writes nothing. */
        if (d.o->verbosity > 0) {
            fprintf(d.out, "Migrations for '%s':\n  %s\n", m->app, m->path);
            for (int k = 0; k < m->nops; k++) fprintf(d.out, "    - %s\n", dorm_op__describe(cx, &m->ops[k]));
        }
        if (d.o->check) continue;
        unsigned backend = (d.o->locks_on_alter ? DORM_LINT_LOCKS : 0) | (d.o->ddl_commits ? DORM_LINT_DDL_COMMITS : 0);
        int warnings = dorm__lint(cx, m, d.from, backend, d.o->verbosity > 0 ? d.out : NULL);
        if (warnings && d.o->strict) {
            rc = dorm_ctx_fail(cx, DORM_EVALUE, "%d migration safety warning%s (--strict): %s not written.", warnings,
                               warnings == 1 ? "" : "s", m->path);
            break;
        }
        if (dorm_mem__failures() != failures) rc = DORM_ENOMEM;
        if (!rc) rc = write_file(&d, m, apps[a]->migrations_dir);
    }
    if (!rc && !changes && d.o->verbosity > 0) {
        if (d.o->apps && d.o->apps[0] && !d.o->apps[1])
            fprintf(d.out, "No changes detected in app '%s'\n", d.o->apps[0]);
        else
            fputs("No changes detected\n", d.out);
    }
    dorm_mem__free(news);
    unload(&d, &g, reg);
    if (rc) return dorm__record(cx, rc);
    return d.o->check && changes ? 1 : 0;
}

int dorm_changed__apps(dorm_ctx *cx, const dorm_app *const *apps, dorm_buf *out) {
    dorm_makemigrations_opts o = {.verbosity = 0};
    detector d = {.cx = cx, .o = &o, .quiet = true};
    dorm_graph g;
    dorm_registry *reg = NULL;
    int rc = load(&d, apps, &g, &reg), n = 0;
    for (size_t a = 0; !rc && apps && apps[a]; a++) {
        if (!apps[a]->migrations_dir) continue;
        d.nops = 0;
        diff_app(&d, apps[a]->label);
        dorm_mem__free(d.ops);
        d.ops = NULL;
        d.cap = 0;
        if ((rc = d.rc)) break;
        if (d.nops) dorm_buf_printf(out, "%s'%s'", n++ ? ", " : "", apps[a]->label);
    }
    unload(&d, &g, reg);
    return rc ? dorm__record(cx, rc) : n;
}
