/* registry.c - builds the registry of apps and models: computes each model's
 * meta (names, columns, primary key), resolves foreign keys and reverse
 * relations, then runs the system checks (checks.c). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/checks.h"
#include "model/custom.h"
#include "model/regex.h"
#include "core/alloc.h"

static char *lower_dup(dorm_arena *a, const char *s) {
    char *r = dorm_arena__strdup(a, s);
    if (r)
        for (char *p = r; *p; p++) *p = (char)tolower((unsigned char)*p);
    return r;
}

static char *concat(dorm_arena *a, const char *x, const char *sep, const char *y) {
    size_t n = strlen(x) + strlen(sep) + strlen(y);
    char *r = dorm_arena__alloc(a, n + 1);
    if (r) snprintf(r, n + 1, "%s%s%s", x, sep, y);
    return r;
}

/* Django's camel_case_to_spaces: "BookAuthor" -> "book author". */
static char *verbose_from_name(dorm_arena *a, const char *name) {
    size_t n = strlen(name);
    char *r = dorm_arena__alloc(a, 2 * n + 1), *o = r;
    if (!r) return NULL;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (i > 0 && isupper(c) &&
            (islower((unsigned char)name[i - 1]) || (i + 1 < n && islower((unsigned char)name[i + 1]))))
            *o++ = ' ';
        *o++ = (char)tolower(c);
    }
    *o = '\0';
    return r;
}

static int build_meta(dorm_registry *reg, const dorm_model *model, dorm_meta *m) {
    dorm_arena *a = &reg->arena;
    m->model = model;
    m->reg = reg;
    m->label = concat(a, model->app_label ? model->app_label : "", ".", model->name ? model->name : "");
    m->label_lower = m->label ? lower_dup(a, m->label) : NULL;
    m->model_name = lower_dup(a, model->name ? model->name : "");
    m->db_table = model->db_table
        ? model->db_table
        : concat(a, model->app_label ? model->app_label : "", "_", m->model_name ? m->model_name : "");
    m->verbose_name = model->verbose_name ? model->verbose_name : verbose_from_name(a, model->name ? model->name : "");
    m->verbose_name_plural = model->verbose_name_plural
        ? model->verbose_name_plural
        : (m->verbose_name ? concat(a, m->verbose_name, "", "s") : NULL);
    m->concrete = m;
    const dorm_model *parent;
    if (dorm_inherit__table(reg, model, &m->table, &parent)) return DORM_ENOMEM;
    /* Many-to-many fields have no column: they live in m->m2m (m2m.c). */
    int n = 0;
    for (const dorm_field *f = m->table; f && f->name; f++)
        n += f->kind != DORM_KIND_M2M && f->kind != DORM_KIND_COMPOSITE;
    m->nfields = n;
    m->fields = dorm_arena__calloc(a, sizeof(dorm_fmeta) * (size_t)(n ? n : 1));
    if (!m->label || !m->label_lower || !m->model_name || !m->db_table || !m->verbose_name || !m->verbose_name_plural ||
        !m->fields)
        return DORM_ENOMEM;
    const dorm_field *f = m->table;
    for (int i = 0; i < n; i++, f++) {
        while (f->kind == DORM_KIND_M2M || f->kind == DORM_KIND_COMPOSITE) f++;
        dorm_fmeta *fm = &m->fields[i];
        fm->f = f;
        fm->index = i;
        fm->owner = m;
        fm->value_kind = f->kind;
        if (f->kind == DORM_KIND_FK) {
            fm->attname = concat(a, f->name, "_", "id");
            fm->column = f->db_column ? f->db_column : fm->attname;
        } else {
            fm->attname = f->name;
            fm->column = f->db_column ? f->db_column : f->name;
        }
        if (!fm->attname || !fm->column) return DORM_ENOMEM;
        if (f->primary_key && !m->pk) m->pk = fm;
    }
    /* A composite primary key is the key, whatever else says primary_key
     * (the checks refuse two). */
    return dorm_composite__link(reg, m);
}

/* Whether fm, a field of src, makes a reverse relation on t: a column of
 * src's own table (a parent's field makes its relation on the parent; a
 * proxy shares its concrete model's), pointing at t or a proxy of t. */
static bool points_at(const dorm_meta *src, const dorm_fmeta *fm, const dorm_meta *t) {
    return fm->target && fm->target->concrete == t && t->concrete == t && !fm->inherited && src->concrete == src;
}

/* Reverse relations need every meta built and every FK resolved first. */
static int link_relations(dorm_registry *reg) {
    for (int i = 0; i < reg->nmodels; i++) {
        dorm_meta *m = reg->metas[i];
        for (int j = 0; j < m->nfields; j++) {
            dorm_fmeta *fm = &m->fields[j];
            if (fm->f->kind != DORM_KIND_FK || !fm->f->to) continue;
            const dorm_meta *t = dorm_meta__of(reg, fm->f->to);
            if (!t) continue; /* reported by the checks */
            fm->target = t;
            /* to_field: the key is that field of the target (checked in checks.c). */
            fm->target_pk = fm->f->to_field ? dorm_meta__field(t, fm->f->to_field) : t->pk;
        }
    }
    /* A key to a child's parent link holds the parent's key: once every
     * target is known. */
    for (int i = 0; i < reg->nmodels; i++)
        for (int j = 0; j < reg->metas[i]->nfields; j++) {
            dorm_fmeta *fm = &reg->metas[i]->fields[j];
            const dorm_fmeta *key = fm->target ? dorm_key_root(fm->target_pk) : NULL;
            if (key) fm->value_kind = key->f->kind;
        }
    for (int i = 0; i < reg->nmodels; i++) {
        dorm_meta *t = reg->metas[i];
        /* Hidden relations (related_name "+") are kept: on_delete applies to them. */
        int count = 0;
        for (int k = 0; k < reg->nmodels; k++)
            for (int j = 0; j < reg->metas[k]->nfields; j++)
                if (points_at(reg->metas[k], &reg->metas[k]->fields[j], t)) count++;
        if (!count) continue;
        t->reverse = dorm_arena__calloc(&reg->arena, sizeof(dorm_rel) * (size_t)count);
        if (!t->reverse) return DORM_ENOMEM;
        for (int k = 0; k < reg->nmodels; k++) {
            dorm_meta *src = reg->metas[k];
            for (int j = 0; j < src->nfields; j++) {
                dorm_fmeta *fm = &src->fields[j];
                const char *rn = fm->f->related_name;
                if (!points_at(src, fm, t)) continue;
                dorm_rel *r = &t->reverse[t->nreverse++];
                r->model = src;
                r->fk = fm;
                r->hidden = rn && *rn && rn[strlen(rn) - 1] == '+';
                r->single = fm->f->one_to_one;
                if (r->hidden) rn = NULL;
                /* A one-to-one's reverse side is one object, named after the model. */
                r->name = rn            ? rn
                    : fm->f->one_to_one ? src->model_name
                                        : concat(&reg->arena, src->model_name, "_", "set");
                r->query_name = fm->f->related_query_name ? fm->f->related_query_name : rn ? rn : src->model_name;
                if (!r->name) return DORM_ENOMEM;
            }
        }
    }
    return DORM_OK;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

/* "author, author_id, genre, id, ..." as Django lists choices in FieldError. */
static int build_choices(dorm_registry *reg, dorm_meta *m) {
    size_t n = 0, cap = (size_t)(2 * m->nfields + 1);
    for (const dorm_meta *a = m; a; a = a->parent) cap += (size_t)(a->nreverse + a->nm2m);
    const char **names = dorm_mem__alloc(sizeof(char *) * cap);
    if (!names) return DORM_ENOMEM;
    for (int i = 0; i < m->nfields; i++) {
        names[n++] = m->fields[i].f->name;
        if (m->fields[i].f->kind == DORM_KIND_FK) names[n++] = m->fields[i].attname;
    }
    /* The relations of the parents too, their reverse parent links aside. */
    for (const dorm_meta *a = m; a; a = a->parent) {
        for (int i = 0; i < a->nreverse; i++)
            if (!a->reverse[i].hidden && (a == m || !a->reverse[i].fk->f->parent_link))
                names[n++] = a->reverse[i].query_name;
        for (int i = 0; i < a->nm2m; i++)
            if (!a->m2m[i].hidden) names[n++] = a->m2m[i].query_name;
    }
    qsort(names, n, sizeof(char *), cmp_str);
    dorm_buf b = DORM_BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        if (i) dorm_buf_puts(&b, ", ");
        dorm_buf_puts(&b, names[i]);
    }
    dorm_mem__free(names);
    m->choices_list = dorm_arena__strdup(&reg->arena, b.data ? b.data : "");
    int rc = (b.failed || !m->choices_list) ? DORM_ENOMEM : DORM_OK;
    dorm_buf_free(&b);
    return rc;
}

/* The patterns of a field's RegexValidators, compiled once; one that does
 * not compile stays NULL for the checks to report. */
static int compile_validators(dorm_registry *reg, dorm_fmeta *fm) {
    size_t n = 0;
    while (fm->f->validators && fm->f->validators[n].kind) n++;
    if (!n) return DORM_OK;
    fm->regexes = dorm_arena__calloc(&reg->arena, sizeof(void *) * n);
    if (!fm->regexes) return DORM_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const dorm_validator *v = &fm->f->validators[i];
        if (v->kind == DORM_VALIDATOR_REGEX &&
            dorm_regex__compile(v->regex, v->flags, &fm->regexes[i], NULL, 0) == DORM_ENOMEM)
            return DORM_ENOMEM;
    }
    return DORM_OK;
}

const dorm_meta *dorm_meta__by_label(const dorm_registry *reg, const char *label) {
    const char *dot = strchr(label, '.');
    for (int i = 0; dot && i < reg->nmodels; i++) {
        const dorm_model *model = reg->metas[i]->model;
        if (strlen(model->app_label) != (size_t)(dot - label) ||
            strncmp(model->app_label, label, (size_t)(dot - label)))
            continue;
        size_t k = 0;
        while (dot[1 + k] && tolower((unsigned char)dot[1 + k]) == tolower((unsigned char)model->name[k])) k++;
        if (!dot[1 + k] && !model->name[k]) return reg->metas[i];
    }
    return NULL;
}

static int add_model(dorm_registry *reg, const dorm_model *model, dorm_meta **out) {
    dorm_meta *m = dorm_arena__calloc(&reg->arena, sizeof *m);
    if (!m) return DORM_ENOMEM;
    int rc = build_meta(reg, model, m);
    if (rc) return rc;
    reg->metas[reg->nmodels++] = m;
    for (int i = 0; rc == DORM_OK && i < m->nfields; i++) rc = compile_validators(reg, &m->fields[i]);
    for (int i = 0; rc == DORM_OK && i < m->nfields; i++) rc = dorm_custom__storage(&reg->arena, &m->fields[i]);
    if (rc) return rc;
    *out = m;
    if (dorm_hmap__get(&reg->by_model, &m->model, sizeof(void *)) == NULL &&
        (dorm_hmap__put(&reg->by_model, &m->model, sizeof(void *), m) ||
         dorm_hmap__put(&reg->by_label, m->label_lower, strlen(m->label_lower), m)))
        return DORM_ENOMEM;
    return DORM_OK;
}

/* The apps' own functions (lookups: their lookups) in one NULL-terminated
 * array in the arena, so that the registry does not depend on the caller's
 * app array; NULL when no app has any, or with *rc = DORM_ENOMEM. */
static const void **gather(dorm_arena *a, const dorm_app *const *apps, bool lookups, int *rc) {
    size_t n = 0, k = 0;
    for (int pass = 0; pass < 2; pass++) {
        const void **out = NULL;
        if (pass == 1) {
            if (!n) return NULL;
            if (!(out = dorm_arena__calloc(a, sizeof(void *) * (n + 1)))) {
                *rc = DORM_ENOMEM;
                return NULL;
            }
        }
        for (size_t i = 0; apps && apps[i]; i++) {
            const void *const *list =
                lookups ? (const void *const *)apps[i]->lookups : (const void *const *)apps[i]->sql_functions;
            for (size_t j = 0; list && list[j]; j++) {
                if (out)
                    out[k++] = list[j];
                else
                    n++;
            }
        }
        if (out) return out;
    }
    return NULL;
}

/* A model laid out by other headers than the library's: refused before its
 * fields are read (their stride may differ). */
static int check_layouts(dorm_registry *reg, const dorm_app *const *apps) {
    for (size_t i = 0; apps && apps[i]; i++)
        for (size_t j = 0; apps[i]->models && apps[i]->models[j]; j++) {
            const dorm_model *model = apps[i]->models[j];
            if (model->abi == DORM_MODEL_ABI) continue;
            dorm_buf msg = DORM_BUF_INIT;
            dorm_buf_printf(&msg,
                            "%s.%s: (dorm.E037) The model was built against dorm's model layout %u; this libdorm "
                            "reads layout %d. Rebuild it with this release's headers (declare models with DORM_MODEL).",
                            apps[i]->label ? apps[i]->label : "?", model->name ? model->name : "?", model->abi,
                            DORM_MODEL_ABI);
            reg->messages = msg.data;
            return reg->err = msg.failed ? DORM_ENOMEM : DORM_ECONFIG;
        }
    return DORM_OK;
}

static dorm_registry *build(const dorm_app *const *apps, bool state) {
    unsigned long failures = dorm_mem__failures();
    dorm_registry *reg = dorm_mem__calloc(1, sizeof *reg);
    if (!reg) return NULL;
    reg->state = state;
    int layout = check_layouts(reg, apps);
    if (layout == DORM_ECONFIG) return reg;
    if (layout) {
        dorm_registry_free(reg);
        return NULL;
    }
    int total = 0;
    for (size_t i = 0; apps && apps[i]; i++)
        for (size_t j = 0; apps[i]->models && apps[i]->models[j]; j++)
            total += 1 + dorm_inherit__auto_m2m(apps[i]->models[j]);
    reg->metas = dorm_arena__calloc(&reg->arena, sizeof(dorm_meta *) * (size_t)(total ? total : 1));
    int rc = reg->metas ? DORM_OK : DORM_ENOMEM;
    for (size_t i = 0; rc == DORM_OK && apps && apps[i]; i++) {
        for (size_t j = 0; rc == DORM_OK && apps[i]->models[j]; j++) {
            const dorm_model *model = apps[i]->models[j];
            dorm_meta *m = NULL;
            /* An abstract base is no model of its own (Django leaves it out
             * of the app's models). */
            if (model->abstract) continue;
            rc = add_model(reg, model, &m);
            /* Django's auto-created join model of each ManyToManyField. */
            for (const dorm_field *f = m ? m->table : NULL; rc == DORM_OK && f && f->name; f++) {
                if (f->kind != DORM_KIND_M2M || f->through || !f->to) continue;
                const dorm_model *auto_model = dorm_m2m__auto_model(&reg->arena, model, m->db_table, f);
                dorm_meta *am = NULL;
                rc = auto_model ? add_model(reg, auto_model, &am) : DORM_ENOMEM;
                if (am) {
                    am->auto_for = f;
                    am->auto_owner = m;
                }
            }
        }
    }
    if (rc == DORM_OK) reg->sql_functions = (const struct dorm_func_def **)gather(&reg->arena, apps, false, &rc);
    if (rc == DORM_OK) reg->lookups = (const struct dorm_lookup_def **)gather(&reg->arena, apps, true, &rc);
    if (rc == DORM_OK) rc = dorm_inherit__link(reg);
    if (rc == DORM_OK) rc = link_relations(reg);
    if (rc == DORM_OK) rc = dorm_m2m__link(reg);
    if (rc == DORM_OK) dorm_inherit__share(reg);
    for (int i = 0; rc == DORM_OK && i < reg->nmodels; i++) rc = build_choices(reg, reg->metas[i]);
    if (rc == DORM_OK) rc = dorm_checks__run(reg);
    /* An allocation that failed quietly (an index, a message) fails it all. */
    if (dorm_mem__failures() != failures) rc = DORM_ENOMEM;
    if (rc == DORM_ENOMEM) {
        dorm_registry_free(reg);
        return NULL;
    }
    return reg;
}

dorm_registry *dorm_registry_new(const dorm_app *const *apps) { return build(apps, false); }

dorm_registry *dorm_registry__new_state(const dorm_app *const *apps) { return build(apps, true); }

void dorm_registry_free(dorm_registry *reg) {
    if (!reg) return;
    for (int i = 0; i < reg->nmodels; i++)
        for (int j = 0; j < reg->metas[i]->nfields; j++) {
            const dorm_fmeta *fm = &reg->metas[i]->fields[j];
            /* A parent's fields and a proxy's are copies of their owner's. */
            if (fm->inherited || reg->metas[i]->concrete != reg->metas[i]) continue;
            for (size_t k = 0; fm->regexes && fm->f->validators[k].kind; k++) dorm_regex__free(fm->regexes[k]);
        }
    dorm_hmap__free(&reg->by_model);
    dorm_hmap__free(&reg->by_label);
    dorm_mem__free(reg->messages);
    dorm_arena__free(&reg->arena);
    dorm_mem__free(reg);
}

int dorm_registry_errcode(const dorm_registry *reg) { return reg ? reg->err : DORM_ENOMEM; }

const char *dorm_registry_messages(const dorm_registry *reg) { return reg && reg->messages ? reg->messages : ""; }

/* A registry of this many models or fewer is searched in order: comparing a
 * few pointers costs less than hashing one (every QuerySet looks its model up). */
#define META_SCAN_MAX 8

const dorm_meta *dorm_meta__of(const dorm_registry *reg, const dorm_model *model) {
    if (!reg || !model) return NULL;
    if (reg->nmodels <= META_SCAN_MAX) {
        /* The first registration of a model is the one by_model keeps. */
        for (int i = 0; i < reg->nmodels; i++)
            if (reg->metas[i]->model == model) return reg->metas[i];
        return NULL;
    }
    return dorm_hmap__get(&reg->by_model, &model, sizeof(void *));
}

const dorm_fmeta *dorm_meta__fieldn(const dorm_meta *m, const char *name, size_t n) {
    for (int i = 0; i < m->nfields; i++) {
        const dorm_fmeta *fm = &m->fields[i];
        if (strncmp(fm->f->name, name, n) == 0 && fm->f->name[n] == '\0') return fm;
        if (fm->attname != fm->f->name && strncmp(fm->attname, name, n) == 0 && fm->attname[n] == '\0') return fm;
    }
    return NULL;
}

const dorm_fmeta *dorm_meta__field(const dorm_meta *m, const char *name) {
    return dorm_meta__fieldn(m, name, strlen(name));
}

const dorm_rel *dorm_meta__reverse(const dorm_meta *m, const char *name, size_t n) {
    for (int i = 0; i < m->nreverse; i++)
        if (!m->reverse[i].hidden && strncmp(m->reverse[i].query_name, name, n) == 0 &&
            m->reverse[i].query_name[n] == '\0')
            return &m->reverse[i];
    return NULL;
}

const dorm_rel *dorm_meta__accessor(const dorm_meta *m, const char *name) {
    /* A parent's relations are its children's too, its parent links aside. */
    for (const dorm_meta *a = m; a; a = a->parent)
        for (int i = 0; i < a->nreverse; i++)
            if (!a->reverse[i].hidden && strcmp(a->reverse[i].name, name) == 0 &&
                (a == m || !a->reverse[i].fk->f->parent_link))
                return &a->reverse[i];
    return NULL;
}

const dorm_fmeta *dorm_meta__field_at(const dorm_meta *m, const void *obj, const void *member) {
    size_t off = (size_t)((const char *)member - (const char *)obj);
    for (int i = 0; i < m->nfields; i++)
        if (m->fields[i].f->offset == off) return &m->fields[i];
    return NULL;
}
