/* detect.c - what changed between the state of the migration files and the
 * compiled models, found as Django 3.2's MigrationAutodetector finds it:
 * its generate_* passes in its order, each over models and fields sorted by
 * name, each operation with the dependencies arrange.c orders them by. */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/ctx.h"
#include "migrate/detect.h"

const char *dorm_detect__lower(dorm_ctx *cx, const char *s) {
    char *r = dorm_strdup(cx, s);
    for (char *p = r; p && *p; p++)
        if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
    return r;
}

static int cmp_lower(const char *a, const char *b) {
    for (;; a++, b++) {
        int x = *a >= 'A' && *a <= 'Z' ? *a - 'A' + 'a' : *a, y = *b >= 'A' && *b <= 'Z' ? *b - 'A' + 'a' : *b;
        if (x != y || !x) return (unsigned char)x - (unsigned char)y;
    }
}

static int by_key(const void *x, const void *y) {
    const dorm_mstate *a = *(dorm_mstate *const *)x, *b = *(dorm_mstate *const *)y;
    int c = strcmp(a->app, b->app);
    return c ? c : cmp_lower(a->name, b->name);
}

static int pair_by_key(const void *x, const void *y) {
    const dorm_kept *a = x, *b = y;
    return by_key(&a->b, &b->b);
}

static bool same(const char *a, const char *b) { return a == b || (a && b && dorm_same__name(a, b)); }

bool dorm_detect__fail(dorm_pass *p, int rc) {
    if (!p->d->rc) p->d->rc = rc == DORM_ENOMEM ? dorm_ctx_fail(p->cx, DORM_ENOMEM, "out of memory") : rc;
    return false;
}

static void *grow(dorm_pass *p, void *arr, int *cap, int n, size_t size) {
    if (n < *cap) return arr;
    int c = *cap ? *cap * 2 : 8;
    void *g = dorm_mem__realloc(arr, size * (size_t)c);
    if (!g) {
        dorm_detect__fail(p, DORM_ENOMEM);
        return NULL;
    }
    *cap = c;
    return g;
}

void dorm_detect__dep(dorm_pass *p, dorm_deps *l, const char *app, const char *model, const char *field,
                      dorm_dep_kind kind) {
    dorm_dep *g = grow(p, l->d, &l->cap, l->n, sizeof *l->d);
    if (!g) return;
    l->d = g;
    l->d[l->n++] = (dorm_dep){app, model, field, kind};
}

/* A dependency on the model a label ("library.author") names. */
static void dep_label(dorm_pass *p, dorm_deps *l, const char *label, const char *field, dorm_dep_kind kind) {
    const char *dot = label ? strchr(label, '.') : NULL;
    if (!dot) return;
    const char *app = dorm_arena__strndup(&p->cx->arena, label, (size_t)(dot - label));
    if (!app)
        dorm_detect__fail(p, DORM_ENOMEM);
    else
        dorm_detect__dep(p, l, app, dot + 1, field, kind);
}

/* Django's _get_dependencies_for_foreign_key: the target and the through
 * model created. */
void dorm_detect__dep_relation(dorm_pass *p, dorm_deps *l, const dorm_fstate *f) {
    dep_label(p, l, f->to, NULL, DORM_DEP_CREATED);
    dep_label(p, l, f->through, NULL, DORM_DEP_CREATED);
}

static dorm_appops *ops_of(dorm_detector *d, const char *app) {
    for (int i = 0; i < d->napps; i++)
        if (strcmp(d->apps[i].app, app) == 0) return &d->apps[i];
    return NULL;
}

/* Django's add_operation: a new operation of `app` at the end (or at the
 * beginning) taking the dependencies of l (which it empties); NULL on
 * failure.  The pointer lasts until the next operation is added. */
dorm_op *dorm_detect__emit(dorm_pass *p, const char *app, dorm_op_kind kind, const char *model, dorm_deps *l,
                           bool beginning) {
    dorm_appops *a = ops_of(p->d, app);
    dorm_dep *copy = l && l->n ? dorm_alloc(p->cx, sizeof *copy * (size_t)l->n) : NULL;
    if (l && l->n && !copy) dorm_detect__fail(p, DORM_ENOMEM);
    dorm_genop *g = a && !p->d->rc ? grow(p, a->ops, &a->cap, a->n, sizeof *a->ops) : NULL;
    int ndeps = l ? l->n : 0;
    if (l) l->n = 0;
    if (!g) return NULL;
    a->ops = g;
    if (ndeps) memcpy(copy, l->d, sizeof *copy * (size_t)ndeps);
    int at = beginning ? 0 : a->n;
    memmove(&a->ops[at + 1], &a->ops[at], sizeof *a->ops * (size_t)(a->n - at));
    a->n++;
    dorm_genop *op = &a->ops[at];
    memset(op, 0, sizeof *op);
    op->deps = copy;
    op->ndeps = ndeps;
    op->op.kind = kind;
    op->op.app = app;
    op->op.model = model;
    op->op.preserve_default = true;
    return &op->op;
}

bool dorm_dep__met(const dorm_op *op, const dorm_dep *dep) {
    switch (dep->kind) {
    case DORM_DEP_CREATED:
        /* A model renamed to that name counts as created (not in Django 3.2). */
        if (op->kind == DORM_OP_RENAME_MODEL && !dep->field) return same(op->new_name, dep->model);
        if (op->kind == DORM_OP_CREATE_MODEL)
            return same(op->create->name, dep->model) &&
                (!dep->field || dorm_mstate__field(op->create, dep->field) >= 0);
        return dep->field && op->kind == DORM_OP_ADD_FIELD && same(op->model, dep->model) && same(op->name, dep->field);
    case DORM_DEP_REMOVED:
        if (!dep->field) return op->kind == DORM_OP_DELETE_MODEL && same(op->model, dep->model);
        return op->kind == DORM_OP_REMOVE_FIELD && same(op->model, dep->model) && same(op->name, dep->field);
    case DORM_DEP_ALTERED:
        return op->kind == DORM_OP_ALTER_FIELD && same(op->model, dep->model) && same(op->name, dep->field);
    case DORM_DEP_TOGETHER: return op->kind == DORM_OP_ALTER_UNIQUE_TOGETHER && same(op->model, dep->model);
    }
    return false;
}

/* ---- fields ---------------------------------------------------------------- */

static bool relation(const dorm_fstate *f) { return f->to || f->through; }

/* A field's definition as the autodetector compares it: its JSON without
 * its name (Django's deconstruction leaves the name out). */
const char *dorm_detect__definition(dorm_pass *p, dorm_fstate f, bool without_to) {
    f.f.name = "";
    if (without_to) f.to = NULL;
    const char *s = dorm_fstate__dump(p->cx, &f);
    if (!s) dorm_detect__fail(p, DORM_ENOMEM);
    return s;
}

bool dorm_detect__same_def(const char *a, const char *b) { return a && b && strcmp(a, b) == 0; }

/* The indices of m's fields sorted by name (NULL when it has none). */
int *dorm_detect__sorted_fields(dorm_pass *p, const dorm_mstate *m) {
    int *ix = m->nfields ? dorm_alloc(p->cx, sizeof *ix * (size_t)m->nfields) : NULL;
    if (m->nfields && !ix) dorm_detect__fail(p, DORM_ENOMEM);
    for (int i = 0; ix && i < m->nfields; i++) {
        int k = i;
        while (k > 0 && strcmp(m->fields[ix[k - 1]].f.name, m->fields[i].f.name) > 0) {
            ix[k] = ix[k - 1];
            k--;
        }
        ix[k] = i;
    }
    return ix;
}

/* ---- models ---------------------------------------------------------------- */

static bool detected(const dorm_detector *d, const char *app) { return ops_of((dorm_detector *)d, app) != NULL; }

/* The models of the detected apps in st, concrete or proxies, sorted. */
static void collect(dorm_pass *p, const dorm_state *st, bool proxies, dorm_models *out) {
    out->m = dorm_alloc(p->cx, sizeof *out->m * (size_t)(st->n + 1));
    if (!out->m) {
        dorm_detect__fail(p, DORM_ENOMEM);
        return;
    }
    for (int i = 0; i < st->n; i++)
        if (st->models[i]->proxy == proxies && detected(p->d, st->models[i]->app)) out->m[out->n++] = st->models[i];
    qsort(out->m, (size_t)out->n, sizeof *out->m, by_key);
}

static int find(const dorm_models *l, const char *app, const char *name) {
    for (int i = 0; i < l->n; i++)
        if (strcmp(l->m[i]->app, app) == 0 && dorm_same__name(l->m[i]->name, name)) return i;
    return -1;
}

/* The old state of new model b (its old name when renamed), or NULL when
 * it is new. */
static dorm_mstate *old_of(const dorm_pass *p, const dorm_mstate *b) {
    if (b->proxy) {
        int i = find(&p->old_proxies, b->app, b->name);
        return i >= 0 ? p->old_proxies.m[i] : NULL;
    }
    for (int i = 0; i < p->nrm; i++)
        if (strcmp(p->rm[i].app, b->app) == 0 && dorm_same__name(p->rm[i].new_name, b->name))
            return p->old_models.m[find(&p->old_models, b->app, p->rm[i].old_name)];
    int i = find(&p->old_models, b->app, b->name);
    return i >= 0 && !p->consumed[i] ? p->old_models.m[i] : NULL;
}

/* Django's only_relation_agnostic_fields: the definitions by field name,
 * without names and targets. */
static bool same_agnostic(dorm_pass *p, const dorm_mstate *a, const dorm_mstate *b) {
    if (a->nfields != b->nfields) return false;
    int *ia = dorm_detect__sorted_fields(p, a), *ib = dorm_detect__sorted_fields(p, b);
    for (int i = 0; i < a->nfields && !p->d->rc; i++)
        if (!dorm_detect__same_def(dorm_detect__definition(p, a->fields[ia[i]], true),
                                   dorm_detect__definition(p, b->fields[ib[i]], true)))
            return false;
    return !p->d->rc;
}

dorm_renamed *dorm_detect__renamed(dorm_pass *p, dorm_renamed **l, int *n) {
    dorm_renamed *g = dorm_alloc(p->cx, sizeof *g * (size_t)(*n + 1));
    if (!g) {
        dorm_detect__fail(p, DORM_ENOMEM);
        return NULL;
    }
    if (*n) memcpy(g, *l, sizeof *g * (size_t)*n);
    *l = g;
    return &g[(*n)++];
}

/* Django's generate_renamed_models. */
static void renamed_models(dorm_pass *p) {
    int nnew = p->new_models.n;
    for (int k = 0; k < nnew && !p->d->rc; k++) {
        dorm_mstate *b = p->new_models.m[k];
        if (find(&p->old_models, b->app, b->name) >= 0) continue;
        for (int i = 0; i < p->old_models.n && !p->d->rc; i++) {
            dorm_mstate *a = p->old_models.m[i];
            if (p->consumed[i] || strcmp(a->app, b->app) != 0 || find(&p->new_models, a->app, a->name) >= 0 ||
                !same_agnostic(p, a, b))
                continue;
            char q[512];
            snprintf(q, sizeof q, "Did you rename the %s.%s model to %s? [y/N]", a->app, a->name, b->name);
            if (p->d->quiet || !dorm_ask__yes(&p->d->q, q, false)) continue;
            /* Its own relations (Django 3.2 adds those pointing at it, which
             * can put the rename after operations using its new name). */
            dorm_deps l = {0};
            for (int f = 0; f < b->nfields; f++) dorm_detect__dep_relation(p, &l, &b->fields[f]);
            dorm_op *op = dorm_detect__emit(p, b->app, DORM_OP_RENAME_MODEL, b->name, &l, false);
            dorm_mem__free(l.d);
            dorm_renamed *r = op ? dorm_detect__renamed(p, &p->rm, &p->nrm) : NULL;
            if (!r) break;
            op->old_name = a->name;
            op->new_name = b->name;
            *r = (dorm_renamed){b->app, NULL, b->name, a->name};
            p->consumed[i] = true;
            break;
        }
    }
}

/* The kept models (and proxies) with their old states, sorted. */
static void pair_up(dorm_pass *p) {
    int n = p->new_models.n + p->new_proxies.n;
    p->kept = dorm_alloc(p->cx, sizeof *p->kept * (size_t)(n + 1));
    p->kept_all = dorm_alloc(p->cx, sizeof *p->kept_all * (size_t)(n + 1));
    if (!p->kept || !p->kept_all) {
        dorm_detect__fail(p, DORM_ENOMEM);
        return;
    }
    for (int proxies = 0; proxies < 2; proxies++) {
        const dorm_models *l = proxies ? &p->new_proxies : &p->new_models;
        for (int i = 0; i < l->n; i++) {
            dorm_mstate *a = old_of(p, l->m[i]);
            if (!a) continue;
            dorm_kept pr = {a, l->m[i], dorm_detect__lower(p->cx, l->m[i]->name)};
            if (!proxies) p->kept[p->nkept++] = pr;
            p->kept_all[p->nkept_all++] = pr;
        }
    }
    qsort(p->kept_all, (size_t)p->nkept_all, sizeof *p->kept_all, pair_by_key);
}

/* Django's generate_deleted_models: unique_together, the relations, then
 * the model once nothing points at it. */
static void deleted_models(dorm_pass *p) {
    for (int i = 0; i < p->old_models.n && !p->d->rc; i++) {
        dorm_mstate *a = p->old_models.m[i];
        if (p->consumed[i] || find(&p->new_models, a->app, a->name) >= 0) continue;
        const char *model = dorm_detect__lower(p->cx, a->name);
        dorm_op *op;
        if (a->unique_together && a->unique_together[0])
            (void)dorm_detect__emit(p, a->app, DORM_OP_ALTER_UNIQUE_TOGETHER, model, NULL, false);
        int *ix = dorm_detect__sorted_fields(p, a);
        for (int k = 0; ix && k < a->nfields; k++)
            if (relation(&a->fields[ix[k]]) &&
                (op = dorm_detect__emit(p, a->app, DORM_OP_REMOVE_FIELD, model, NULL, false)))
                op->name = a->fields[ix[k]].f.name;
        dorm_deps l = {0};
        const char *self = dorm_mstate__label(p->d->from, a);
        for (int m = 0; self && m < p->d->from->n; m++) {
            const dorm_mstate *r = p->d->from->models[m];
            for (int f = 0; f < r->nfields; f++) {
                const dorm_fstate *rf = &r->fields[f];
                const char *rn = rf->f.related_name;
                bool m2m = rf->f.kind == DORM_KIND_M2M, hidden = rn && *rn && rn[strlen(rn) - 1] == '+';
                if (!rf->to || strcmp(rf->to, self) != 0 || (hidden && !m2m)) continue;
                dorm_detect__dep(p, &l, r->app, r->name, rf->f.name, DORM_DEP_REMOVED);
                if (!m2m) dorm_detect__dep(p, &l, r->app, r->name, rf->f.name, DORM_DEP_ALTERED);
            }
        }
        for (int k = 0; ix && k < a->nfields; k++)
            if (relation(&a->fields[ix[k]]))
                dorm_detect__dep(p, &l, a->app, a->name, a->fields[ix[k]].f.name, DORM_DEP_REMOVED);
        /* A model that was another's through model waits for that field to go. */
        const dorm_mstate *user = NULL;
        const char *user_field = NULL;
        for (int m = 0; self && m < p->old_models.n; m++)
            for (int f = 0; f < p->old_models.m[m]->nfields; f++)
                if (same(p->old_models.m[m]->fields[f].through, self)) {
                    user = p->old_models.m[m];
                    user_field = user->fields[f].f.name;
                }
        if (user) dorm_detect__dep(p, &l, user->app, user->name, user_field, DORM_DEP_REMOVED);
        (void)dorm_detect__emit(p, a->app, DORM_OP_DELETE_MODEL, a->name, &l, false);
        dorm_mem__free(l.d);
    }
}

/* Whether a new model's field is added after its CreateModel (Django's
 * related_fields: keys and many-to-manys, not a parent link or a key that
 * is the primary key). */
static bool added_later(const dorm_fstate *f) {
    if (f->f.kind == DORM_KIND_M2M || f->through) return true;
    return f->to && !f->f.primary_key && !f->f.parent_link;
}

void dorm_detect__add_index(dorm_pass *p, const char *app, const char *model, const dorm_index *ix, dorm_deps *l) {
    if (!ix->name) {
        p->d->rc = dorm_ctx_fail(p->cx, DORM_EVALUE,
                                 "%s.%s: an index added by a migration needs a name (dorm_index.name).", app, model);
        return;
    }
    dorm_op *op = dorm_detect__emit(p, app, DORM_OP_ADD_INDEX, model, l, false);
    if (op) op->index = *ix;
}

/* The dependencies of what a new model's options need: its model and
 * relations created. */
static void dep_created_parts(dorm_pass *p, dorm_deps *l, const dorm_mstate *b, const int *ix) {
    for (int k = 0; ix && k < b->nfields; k++)
        if (added_later(&b->fields[ix[k]]))
            dorm_detect__dep(p, l, b->app, b->name, b->fields[ix[k]].f.name, DORM_DEP_CREATED);
    dorm_detect__dep(p, l, b->app, b->name, NULL, DORM_DEP_CREATED);
}

/* The CreateModel of b: its fields but the relations added later, its
 * options but indexes, constraints and unique_together. */
static dorm_mstate *create_shape(dorm_pass *p, const dorm_mstate *b) {
    dorm_mstate *c = dorm_alloc(p->cx, sizeof *c);
    dorm_fstate *fs = dorm_alloc(p->cx, sizeof *fs * (size_t)(b->nfields + 1));
    if (!c || !fs) {
        dorm_detect__fail(p, DORM_ENOMEM);
        return NULL;
    }
    *c = *b;
    c->nfields = 0;
    for (int i = 0; i < b->nfields && !b->proxy; i++)
        if (!added_later(&b->fields[i])) fs[c->nfields++] = b->fields[i];
    c->fields = fs;
    c->indexes = NULL;
    c->constraints = NULL;
    c->unique_together = NULL;
    return c;
}

/* A new model's dependencies: any old model of that name deleted, its base
 * created (and the base's fields it now holds itself removed). */
static void dep_creation(dorm_pass *p, dorm_deps *l, const dorm_mstate *b) {
    dorm_detect__dep(p, l, b->app, b->name, NULL, DORM_DEP_REMOVED);
    const char *base = b->bases ? b->bases[0] : NULL;
    if (!base || !strchr(base, '.')) return;
    dep_label(p, l, base, NULL, DORM_DEP_CREATED);
    if (b->proxy) return;
    const char *dot = strchr(base, '.');
    const char *app = dorm_arena__strndup(&p->cx->arena, base, (size_t)(dot - base));
    const dorm_mstate *ob = app ? dorm_state__model(p->d->from, app, dot + 1) : NULL;
    const dorm_mstate *nb = app ? dorm_state__model(p->d->to, app, dot + 1) : NULL;
    for (int f = 0; ob && nb && f < ob->nfields; f++) {
        const char *name = ob->fields[f].f.name;
        if (dorm_mstate__field(nb, name) < 0 && dorm_mstate__field(b, name) >= 0)
            dep_label(p, l, base, name, DORM_DEP_REMOVED);
    }
}

/* Django's generate_created_models: each CreateModel at the beginning
 * (walking the models backwards), then its relations, indexes,
 * constraints and unique_together. */
static void created_models(dorm_pass *p) {
    for (int k = p->new_models.n - 1; k >= 0 && !p->d->rc; k--) {
        dorm_mstate *b = p->new_models.m[k];
        if (old_of(p, b)) continue;
        const char *model = dorm_detect__lower(p->cx, b->name);
        dorm_mstate *shape = create_shape(p, b);
        dorm_deps l = {0};
        dep_creation(p, &l, b);
        for (int f = 0; f < b->nfields; f++)
            if (b->fields[f].to && b->fields[f].f.primary_key)
                dep_label(p, &l, b->fields[f].to, NULL, DORM_DEP_CREATED);
        dorm_op *op = shape ? dorm_detect__emit(p, b->app, DORM_OP_CREATE_MODEL, b->name, &l, true) : NULL;
        if (op) op->create = shape;
        int *ix = dorm_detect__sorted_fields(p, b);
        for (int f = 0; ix && f < b->nfields && !p->d->rc; f++) {
            const dorm_fstate *fs = &b->fields[ix[f]];
            if (!added_later(fs)) continue;
            dorm_detect__dep_relation(p, &l, fs);
            dorm_detect__dep(p, &l, b->app, b->name, NULL, DORM_DEP_CREATED);
            if ((op = dorm_detect__emit(p, b->app, DORM_OP_ADD_FIELD, model, &l, false))) {
                op->name = fs->f.name;
                op->field = *fs;
            }
        }
        for (size_t i = 0; b->indexes && b->indexes[i].fields && !p->d->rc; i++) {
            dep_created_parts(p, &l, b, ix);
            dorm_detect__add_index(p, b->app, model, &b->indexes[i], &l);
        }
        for (size_t i = 0; b->constraints && b->constraints[i].kind && !p->d->rc; i++) {
            dep_created_parts(p, &l, b, ix);
            if ((op = dorm_detect__emit(p, b->app, DORM_OP_ADD_CONSTRAINT, model, &l, false)))
                op->constraint = b->constraints[i];
        }
        if (b->unique_together && b->unique_together[0]) {
            dep_created_parts(p, &l, b, ix);
            if ((op = dorm_detect__emit(p, b->app, DORM_OP_ALTER_UNIQUE_TOGETHER, model, &l, false)))
                op->together = b->unique_together;
        }
        dorm_mem__free(l.d);
    }
}

/* Django's generate_deleted_proxies and generate_created_proxies. */
static void proxies(dorm_pass *p) {
    for (int i = 0; i < p->old_proxies.n; i++)
        if (find(&p->new_proxies, p->old_proxies.m[i]->app, p->old_proxies.m[i]->name) < 0)
            (void)dorm_detect__emit(p, p->old_proxies.m[i]->app, DORM_OP_DELETE_MODEL, p->old_proxies.m[i]->name, NULL,
                                    false);
    for (int i = 0; i < p->new_proxies.n && !p->d->rc; i++) {
        dorm_mstate *b = p->new_proxies.m[i];
        if (old_of(p, b)) continue;
        dorm_deps l = {0};
        dep_creation(p, &l, b);
        dorm_mstate *shape = create_shape(p, b);
        dorm_op *op = shape ? dorm_detect__emit(p, b->app, DORM_OP_CREATE_MODEL, b->name, &l, false) : NULL;
        if (op) op->create = shape;
        dorm_mem__free(l.d);
    }
}

int dorm_detect__changes(dorm_detector *d) {
    dorm_pass p = {.d = d, .cx = d->cx};
    collect(&p, d->from, false, &p.old_models);
    collect(&p, d->from, true, &p.old_proxies);
    collect(&p, d->to, false, &p.new_models);
    collect(&p, d->to, true, &p.new_proxies);
    p.consumed = d->rc ? NULL : dorm_alloc(d->cx, sizeof(bool) * (size_t)(p.old_models.n + 1));
    if (!d->rc && !p.consumed) dorm_detect__fail(&p, DORM_ENOMEM);
    if (!d->rc) memset(p.consumed, 0, sizeof(bool) * (size_t)(p.old_models.n + 1));
    if (!d->rc) renamed_models(&p);
    if (!d->rc) pair_up(&p);
    if (!d->rc) deleted_models(&p);
    if (!d->rc) created_models(&p);
    if (!d->rc) proxies(&p);
    if (!d->rc) dorm_detect__kept(&p);
    return d->rc;
}

void dorm_detect__free(dorm_detector *d) {
    for (int i = 0; i < d->napps; i++) {
        dorm_mem__free(d->apps[i].ops);
        d->apps[i].ops = NULL;
        d->apps[i].n = d->apps[i].cap = 0;
    }
}
