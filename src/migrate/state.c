/* state.c - the migration state: model and field states kept in one arena,
 * deep copies (operations change a copy), the state of compiled models, and
 * rendering a state into dorm_model declarations and a registry of their own
 * so that the DDL of a state is exactly what dorm_create_all would write. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migrate/state.h"
#include "core/alloc.h"

dorm_state *dorm_state__new(void) { return dorm_mem__calloc(1, sizeof(dorm_state)); }

void dorm_state__free(dorm_state *st) {
    if (!st) return;
    dorm_arena__free(&st->arena);
    dorm_mem__free(st->models);
    dorm_mem__free(st);
}

/* Marks the state incomplete when an allocation it needed failed. */
static void *need(dorm_state *st, void *p) {
    if (!p) st->failed = true;
    return p;
}

const char *dorm_state__str(dorm_state *st, const char *s) {
    return s ? need(st, dorm_arena__strdup(&st->arena, s)) : NULL;
}

/* Whether a[0..n) and b[0..n) match ignoring case; n = SIZE_MAX: whole strings. */
static bool same_n(const char *a, const char *b, size_t n) {
    for (size_t i = 0; i < n; i++, a++, b++) {
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b)) return false;
        if (!*a) return true;
    }
    return true;
}

bool dorm_same__name(const char *a, const char *b) { return same_n(a, b, (size_t)-1); }

dorm_mstate *dorm_state__model(const dorm_state *st, const char *app, const char *name) {
    for (int i = 0; i < st->n; i++)
        if (dorm_same__name(st->models[i]->app, app) && dorm_same__name(st->models[i]->name, name))
            return st->models[i];
    return NULL;
}

int dorm_mstate__field(const dorm_mstate *m, const char *name) {
    for (int i = 0; i < m->nfields; i++)
        if (strcmp(m->fields[i].f.name, name) == 0) return i;
    return -1;
}

const char *dorm_mstate__label(dorm_state *st, const dorm_mstate *m) {
    size_t n = strlen(m->app) + strlen(m->name) + 2;
    char *s = dorm_arena__alloc(&st->arena, n);
    if (!s) return NULL;
    snprintf(s, n, "%s.%s", m->app, m->name);
    for (char *p = s; *p; p++) *p = (char)tolower((unsigned char)*p);
    return s;
}

const char *dorm_mstate__table(dorm_state *st, const dorm_mstate *m) {
    if (m->db_table) return m->db_table;
    const char *label = dorm_mstate__label(st, m);
    char *t = label ? dorm_arena__strdup(&st->arena, label) : NULL;
    if (t) *strchr(t, '.') = '_';
    return t;
}

static const char *const *copy_list(dorm_state *st, const char *const *l) {
    if (!l) return NULL;
    size_t n = 0;
    while (l[n]) n++;
    const char **r = need(st, dorm_arena__alloc(&st->arena, sizeof(char *) * (n + 1)));
    if (!r) return NULL;
    for (size_t i = 0; i < n; i++) r[i] = dorm_state__str(st, l[i]);
    r[n] = NULL;
    return r;
}

static dorm_value copy_value(dorm_state *st, dorm_value v) {
    if (v.type == DORM_T_TEXT && v.u.s) {
        size_t n = v.len == DORM_STRLEN ? strlen(v.u.s) : v.len;
        v.u.s = need(st, dorm_arena__strndup(&st->arena, v.u.s, n));
        v.len = n;
    }
    return v;
}

static const dorm_q *copy_q(dorm_state *st, const dorm_q *q) {
    if (!q) return NULL;
    dorm_q *c = need(st, dorm_arena__calloc(&st->arena, sizeof *c));
    if (!c) return NULL;
    c->kind = q->kind;
    c->path = dorm_state__str(st, q->path);
    c->value = copy_value(st, q->value);
    if (q->children) {
        size_t n = 0;
        while (q->children[n]) n++;
        const dorm_q **kids = need(st, dorm_arena__calloc(&st->arena, sizeof(*kids) * (n + 1)));
        if (!kids) return NULL;
        for (size_t i = 0; i < n; i++) kids[i] = copy_q(st, q->children[i]);
        c->children = kids;
    }
    return c;
}

int dorm_state__copy_field(dorm_state *st, dorm_fstate *dst, const dorm_fstate *src) {
    const dorm_field *f = &src->f;
    dorm_field c = *f;
    c.name = dorm_state__str(st, f->name);
    c.db_column = dorm_state__str(st, f->db_column);
    c.related_name = dorm_state__str(st, f->related_name);
    c.related_query_name = dorm_state__str(st, f->related_query_name);
    c.to_field = dorm_state__str(st, f->to_field);
    c.db_table = dorm_state__str(st, f->db_table);
    c.default_value = copy_value(st, f->default_value);
    c.pk_fields = copy_list(st, f->pk_fields);
    c.upload_to = dorm_state__str(st, f->upload_to);
    c.width_field = dorm_state__str(st, f->width_field);
    c.height_field = dorm_state__str(st, f->height_field);
    c.upload_to_fn = NULL;
    c.storage = NULL;
    /* Not schema: a migration keeps none of these. */
    c.default_fn = NULL;
    c.choices = NULL;
    c.verbose_name = c.help_text = NULL;
    c.limit_choices_to = NULL;
    c.validators = NULL;
    c.to = c.through = NULL;
    dst->f = c;
    dst->to = dorm_state__str(st, src->to);
    dst->through = dorm_state__str(st, src->through);
    dst->default_callable = src->default_callable;
    dst->default_now = src->default_now;
    return st->failed ? DORM_ENOMEM : DORM_OK;
}

int dorm_state__copy_model(dorm_state *st, dorm_mstate *dst, const dorm_mstate *m) {
    memset(dst, 0, sizeof *dst);
    dst->app = dorm_state__str(st, m->app);
    dst->name = dorm_state__str(st, m->name);
    dst->nfields = m->nfields;
    dst->fields = dorm_arena__calloc(&st->arena, sizeof(dorm_fstate) * (size_t)(m->nfields + 1));
    if (!dst->app || !dst->name || !dst->fields) return DORM_ENOMEM;
    for (int i = 0; i < m->nfields; i++)
        if (dorm_state__copy_field(st, &dst->fields[i], &m->fields[i])) return DORM_ENOMEM;
    dst->db_table = dorm_state__str(st, m->db_table);
    dst->ordering = copy_list(st, m->ordering);
    dst->verbose_name = dorm_state__str(st, m->verbose_name);
    dst->verbose_name_plural = dorm_state__str(st, m->verbose_name_plural);
    dst->get_latest_by = dorm_state__str(st, m->get_latest_by);
    dst->bases = copy_list(st, m->bases);
    dst->proxy = m->proxy;
    if (m->bases && !dst->bases) return DORM_ENOMEM;
    size_t n = 0;
    while (m->indexes && m->indexes[n].fields) n++;
    if (m->indexes) {
        dorm_index *ix = dorm_arena__calloc(&st->arena, sizeof *ix * (n + 1));
        if (!ix) return DORM_ENOMEM;
        for (size_t i = 0; i < n; i++)
            ix[i] = (dorm_index){copy_list(st, m->indexes[i].fields), dorm_state__str(st, m->indexes[i].name)};
        dst->indexes = ix;
    }
    n = 0;
    while (m->unique_together && m->unique_together[n]) n++;
    if (m->unique_together) {
        const char *const **ut = dorm_arena__calloc(&st->arena, sizeof(*ut) * (n + 1));
        if (!ut) return DORM_ENOMEM;
        for (size_t i = 0; i < n; i++) ut[i] = copy_list(st, m->unique_together[i]);
        dst->unique_together = ut;
    }
    n = 0;
    while (m->constraints && m->constraints[n].kind) n++;
    if (m->constraints) {
        dorm_constraint *k = dorm_arena__calloc(&st->arena, sizeof *k * (n + 1));
        if (!k) return DORM_ENOMEM;
        for (size_t i = 0; i < n; i++)
            k[i] = (dorm_constraint){m->constraints[i].kind, dorm_state__str(st, m->constraints[i].name),
                                     copy_list(st, m->constraints[i].fields), copy_q(st, m->constraints[i].check)};
        dst->constraints = k;
    }
    return st->failed ? DORM_ENOMEM : DORM_OK;
}

dorm_mstate *dorm_state__add(dorm_state *st, const dorm_mstate *m) {
    dorm_mstate **grown = dorm_mem__realloc(st->models, sizeof(*grown) * (size_t)(st->n + 1));
    if (!grown) return NULL;
    st->models = grown;
    dorm_mstate *c = dorm_arena__alloc(&st->arena, sizeof *c);
    if (!c || dorm_state__copy_model(st, c, m)) return NULL;
    st->models[st->n++] = c;
    return c;
}

void dorm_state__remove(dorm_state *st, const dorm_mstate *m) {
    for (int i = 0; i < st->n; i++)
        if (st->models[i] == m) {
            memmove(&st->models[i], &st->models[i + 1], sizeof(*st->models) * (size_t)(st->n - i - 1));
            st->n--;
            return;
        }
}

dorm_state *dorm_state__clone(const dorm_state *st) {
    dorm_state *c = dorm_state__new();
    for (int i = 0; c && i < st->n; i++)
        if (!dorm_state__add(c, st->models[i])) {
            dorm_state__free(c);
            return NULL;
        }
    return c;
}

static const char *label_of(dorm_state *st, const dorm_model *model) {
    if (!model) return NULL;
    dorm_mstate tmp = {.app = model->app_label, .name = model->name};
    return dorm_mstate__label(st, &tmp);
}

/* The model's Meta indexes with the names Django gives the unnamed ones
 * (Index.set_name_with_model), as migrations record them; malloc'd, names
 * in a buffer after the array.  NULL when the model has none unnamed, or
 * when out of memory. */
static dorm_index *named_indexes(const dorm_meta *meta) {
    const dorm_index *src = meta->indexes;
    size_t n = 0, unnamed = 0;
    while (src && src[n].fields) unnamed += !src[n++].name;
    if (!unnamed) return NULL;
    dorm_index *ix = dorm_mem__alloc(sizeof *ix * (n + 1) + (size_t)DORM_INDEX_NAME_MAX * n);
    if (!ix) return NULL;
    char *names = (char *)(ix + n + 1);
    for (size_t i = 0; i < n; i++) {
        ix[i] = src[i];
        if (src[i].name) continue;
        const char *cols[16];
        bool desc[16];
        size_t k = 0;
        for (; k < 16 && src[i].fields[k]; k++) {
            desc[k] = src[i].fields[k][0] == '-';
            const dorm_fmeta *fm = dorm_meta__field(meta, src[i].fields[k] + desc[k]);
            cols[k] = fm ? fm->column : src[i].fields[k] + desc[k];
        }
        char *name = names + (size_t)DORM_INDEX_NAME_MAX * i;
        dorm_index__default_name(meta->db_table, cols, desc, k, name);
        ix[i].name = name;
    }
    ix[n] = (dorm_index){0};
    return ix;
}

dorm_state *dorm_state__of_registry(const dorm_registry *reg) {
    dorm_state *st = dorm_state__new();
    if (!st) return NULL;
    for (int i = 0; i < reg->nmodels; i++) {
        const dorm_meta *meta = reg->metas[i];
        const dorm_model *model = meta->model;
        if (meta->auto_for) continue;
        /* The model's own fields: abstract bases spliced, a parent's left to
         * the parent (its CreateModel's bases name it). */
        const dorm_field *table = meta->table;
        int n = 0;
        while (table[n].name) n++;
        dorm_fstate *fs = dorm_mem__calloc((size_t)n + 1, sizeof *fs);
        if (!fs) {
            st->failed = true;
            break;
        }
        for (int k = 0; k < n; k++) {
            fs[k].f = table[k];
            fs[k].to = label_of(st, table[k].to);
            fs[k].through = label_of(st, table[k].through);
            fs[k].default_callable = table[k].default_fn != NULL;
            if ((table[k].to && !fs[k].to) || (table[k].through && !fs[k].through)) st->failed = true;
        }
        const dorm_model *base = meta->parent ? meta->parent->model : NULL;
        for (const dorm_field *f = model->fields; meta->proxy && f && f->name; f++)
            if (f->kind == DORM_KIND_PARENT && f->to && !f->to->abstract) base = f->to;
        const char *bases[2] = {label_of(st, base), NULL};
        if (base && !bases[0]) st->failed = true;
        dorm_index *ix = named_indexes(meta);
        for (size_t k = 0; !ix && meta->indexes && meta->indexes[k].fields; k++)
            if (!meta->indexes[k].name) st->failed = true;
        dorm_mstate m = {model->app_label,
                         model->name,
                         n,
                         fs,
                         model->db_table,
                         meta->declared_ordering,
                         ix ? ix : meta->indexes,
                         meta->unique_together,
                         meta->constraints,
                         model->verbose_name,
                         model->verbose_name_plural,
                         meta->declared_latest,
                         base ? bases : NULL,
                         meta->proxy};
        dorm_mstate *added = dorm_state__add(st, &m);
        dorm_mem__free(fs);
        dorm_mem__free(ix);
        if (!added) st->failed = true;
        if (st->failed) break;
    }
    /* Half a state would read as models to delete. */
    if (st->failed) {
        dorm_state__free(st);
        return NULL;
    }
    return st;
}

/* ---- rendering -------------------------------------------------------------- */

static int model_index(const dorm_state *st, const char *label) {
    if (!label) return -1;
    const char *dot = strchr(label, '.');
    if (!dot) return -1;
    for (int i = 0; i < st->n; i++) {
        size_t an = (size_t)(dot - label);
        if (strlen(st->models[i]->app) == an && same_n(st->models[i]->app, label, an) &&
            dorm_same__name(st->models[i]->name, dot + 1))
            return i;
    }
    return -1;
}

/* Whether the through model of a many-to-many of model `self` to model
 * `target` has its keys to both (a key to each; two for a relation to
 * itself). */
static bool through_ready(const dorm_state *st, int self, int target, const dorm_mstate *through) {
    bool to_self = false, to_target = false;
    for (int k = 0; k < through->nfields; k++) {
        if (through->fields[k].f.kind != DORM_KIND_FK) continue;
        int t = model_index(st, through->fields[k].to);
        if (t == self && !to_self)
            to_self = true;
        else if (t == target)
            to_target = true;
    }
    return to_self && to_target;
}

int dorm_state__render(const dorm_state *st, dorm_rendered *r, const char **msg) {
    memset(r, 0, sizeof *r);
    r->st = st;
    *msg = NULL;
    dorm_arena *a = &r->arena;
    r->models = dorm_arena__calloc(a, sizeof(dorm_model *) * (size_t)(st->n + 1));
    if (!r->models) return DORM_ENOMEM;
    for (int i = 0; i < st->n; i++) {
        r->models[i] = dorm_arena__calloc(a, sizeof(dorm_model));
        if (!r->models[i]) return DORM_ENOMEM;
    }
    for (int i = 0; i < st->n; i++) {
        const dorm_mstate *m = st->models[i];
        /* A model with a concrete base starts with the entry naming it. */
        int base = m->bases && m->bases[0] ? model_index(st, m->bases[0]) : -1, first = base >= 0;
        dorm_field *all = dorm_arena__calloc(a, sizeof(dorm_field) * (size_t)(m->nfields + 3));
        if (!all) return DORM_ENOMEM;
        if (first) all[0] = (dorm_field){.name = "base", .kind = DORM_KIND_PARENT, .to = r->models[base]};
        dorm_field *fs = all + first;
        int n = 0;
        for (int k = 0; k < m->nfields; k++) {
            int t = model_index(st, m->fields[k].to), th = model_index(st, m->fields[k].through);
            /* Between the operations of a migration as Django orders them, a
             * through model may not have its keys yet (their AddFields come
             * after the field's); the field, which has no table of its own,
             * is left out until it has. */
            if (th >= 0 && t >= 0 && !through_ready(st, i, t, st->models[th])) continue;
            dorm_field *f = &fs[n++];
            *f = m->fields[k].f;
            f->to = t >= 0 ? r->models[t] : NULL;
            f->through = th >= 0 ? r->models[th] : NULL;
            /* A key to a text or UUID field holds one: what DORM_FK_TO declares. */
            if (t >= 0 && f->kind == DORM_KIND_FK) {
                const dorm_mstate *tm = st->models[t];
                int key = f->to_field ? dorm_mstate__field(tm, f->to_field) : -1;
                for (int p = 0; !f->to_field && key < 0 && p < tm->nfields; p++)
                    if (tm->fields[p].f.primary_key) key = p;
                f->text_key = key >= 0 && dorm_kind_is_text(tm->fields[key].f.kind);
                f->uuid_key = key >= 0 && tm->fields[key].f.kind == DORM_KIND_UUID;
            }
        }
        /* A child whose parent link a migration removed (Django removes a
         * deleted child's keys before the child) gets the one Django's
         * ModelBase makes, `<parent>_ptr`, as Django's state renders it. */
        bool linked = false;
        for (int k = 0; k < n; k++) linked = linked || fs[k].parent_link;
        if (base >= 0 && !m->proxy && !linked) {
            char *name = dorm_arena__alloc(a, strlen(st->models[base]->name) + 5);
            if (!name) return DORM_ENOMEM;
            size_t len = 0;
            for (const char *c = st->models[base]->name; *c; c++) name[len++] = (char)tolower((unsigned char)*c);
            memcpy(name + len, "_ptr", 5);
            fs[n] = (dorm_field){.name = name,
                                 .kind = DORM_KIND_FK,
                                 .to = r->models[base],
                                 .one_to_one = true,
                                 .unique = true,
                                 .parent_link = true,
                                 .primary_key = true,
                                 .on_delete = DORM_CASCADE};
        }
        *r->models[i] = (dorm_model){.abi = DORM_MODEL_ABI,
                                     .name = m->name,
                                     .app_label = m->app,
                                     .fields = all,
                                     .db_table = m->db_table,
                                     .ordering = m->ordering,
                                     .indexes = m->indexes,
                                     .unique_together = m->unique_together,
                                     .constraints = m->constraints,
                                     .verbose_name = m->verbose_name,
                                     .verbose_name_plural = m->verbose_name_plural,
                                     .get_latest_by = m->get_latest_by,
                                     .proxy = m->proxy};
    }
    /* One app per label, models in state order. */
    dorm_app *apps = dorm_arena__calloc(a, sizeof(dorm_app) * (size_t)(st->n + 1));
    const dorm_app **list = dorm_arena__calloc(a, sizeof(dorm_app *) * (size_t)(st->n + 1));
    if (!apps || !list) return DORM_ENOMEM;
    int napps = 0;
    for (int i = 0; i < st->n; i++) {
        int k = 0;
        while (k < napps && strcmp(apps[k].label, st->models[i]->app) != 0) k++;
        if (k < napps) continue;
        const dorm_model **ms = dorm_arena__calloc(a, sizeof(dorm_model *) * (size_t)(st->n + 1));
        if (!ms) return DORM_ENOMEM;
        int n = 0;
        for (int j = i; j < st->n; j++)
            if (strcmp(st->models[j]->app, st->models[i]->app) == 0) ms[n++] = r->models[j];
        apps[napps] = (dorm_app){.label = st->models[i]->app, .models = ms};
        list[napps] = &apps[napps];
        napps++;
    }
    r->reg = dorm_registry__new_state(list);
    if (!r->reg) return DORM_ENOMEM;
    if (dorm_registry_errcode(r->reg)) {
        *msg = dorm_arena__strdup(a, dorm_registry_messages(r->reg));
        return DORM_ECONFIG;
    }
    return DORM_OK;
}

void dorm_rendered__free(dorm_rendered *r) {
    dorm_registry_free(r->reg);
    dorm_arena__free(&r->arena);
    memset(r, 0, sizeof *r);
}

const dorm_meta *dorm_rendered__meta(const dorm_rendered *r, const dorm_mstate *m) {
    for (int i = 0; i < r->st->n; i++)
        if (r->st->models[i] == m) return dorm_meta__of(r->reg, r->models[i]);
    return NULL;
}
