/* m2m.c - ManyToManyField in the registry: the automatic join model Django
 * creates for a field without `through` (Book_tags: id, book, tag, unique
 * together), and the two directions of every field (meta->m2m). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "model/meta.h"

/* The row struct every automatic join model shares: each key member is the
 * DORM_FK / DORM_FK_TO layout the primary key of its side needs. */
typedef DORM_FK(dorm_object) int_key;
typedef DORM_FK_TO(dorm_object, const char *) text_key;
typedef DORM_FK_TO(dorm_object, dorm_uuid) uuid_key;
typedef union any_key {
    int_key i;
    text_key t;
    uuid_key u;
} any_key;
typedef struct m2m_row {
    dorm_object _dorm;
    int64_t id;
    any_key from, to;
} m2m_row;

/* A key member of the join model pointing at `to`, typed by its primary key. */
static dorm_field key_field(const char *name, size_t offset, const dorm_model *to, bool no_db_constraint) {
    dorm_kind pk = DORM_KIND_NONE;
    for (const dorm_field *f = to->fields; f && f->name && pk == DORM_KIND_NONE; f++)
        if (f->primary_key) pk = f->kind;
    bool text = dorm_kind_is_text(pk), uuid = pk == DORM_KIND_UUID;
    return (dorm_field){.name = name,
                        .kind = DORM_KIND_FK,
                        .offset = offset,
                        .size = text ? sizeof(text_key)
                            : uuid   ? sizeof(uuid_key)
                                     : sizeof(int_key),
                        .to = to,
                        .on_delete = DORM_CASCADE,
                        .related_name = "+",
                        .no_db_constraint = no_db_constraint,
                        .text_key = text,
                        .uuid_key = uuid};
}

static char *lower(dorm_arena *a, const char *prefix, const char *s) {
    size_t n = strlen(prefix) + strlen(s);
    char *r = dorm_arena__alloc(a, n + 1);
    if (!r) return NULL;
    snprintf(r, n + 1, "%s%s", prefix, s);
    for (char *p = r; *p; p++) *p = (char)tolower((unsigned char)*p);
    return r;
}

dorm_model *dorm_m2m__auto_model(dorm_arena *a, const dorm_model *owner, const char *owner_table, const dorm_field *f) {
    dorm_model *m = dorm_arena__calloc(a, sizeof *m);
    dorm_field *fs = dorm_arena__calloc(a, sizeof(dorm_field) * 4);
    const char **pair = dorm_arena__calloc(a, sizeof(char *) * 3);
    const char *const **together = dorm_arena__calloc(a, sizeof(char **) * 2);
    if (!m || !fs || !pair || !together || !f->to || !f->to->name) return NULL;
    bool self = f->to == owner;
    /* Django: fields named after the two models, from_/to_ when they are one. */
    const char *from = lower(a, self ? "from_" : "", owner->name);
    const char *to = lower(a, self ? "to_" : "", f->to->name);
    size_t n = strlen(owner->name) + strlen(f->name) + 2;
    char *name = dorm_arena__alloc(a, n);
    const char *table = f->db_table;
    if (!f->db_table) {
        size_t tn = strlen(owner_table) + strlen(f->name) + 2;
        char *t = dorm_arena__alloc(a, tn);
        if (t) snprintf(t, tn, "%s_%s", owner_table, f->name);
        table = t;
    }
    const char *verbose = lower(a, "", owner->name);
    char *vn = NULL;
    if (verbose && from && to) {
        size_t vl = strlen(from) + strlen(to) + 16;
        vn = dorm_arena__alloc(a, vl);
        if (vn) snprintf(vn, vl, "%s-%s relationship", self ? from : verbose, self ? to : lower(a, "", f->to->name));
    }
    if (!from || !to || !name || !table || !vn) return NULL;
    snprintf(name, n, "%s_%s", owner->name, f->name);
    fs[0] = (dorm_field){.name = "id",
                         .kind = DORM_KIND_AUTO,
                         .offset = offsetof(m2m_row, id),
                         .size = sizeof(int64_t),
                         .primary_key = true};
    fs[1] = key_field(from, offsetof(m2m_row, from), owner, f->no_db_constraint);
    fs[2] = key_field(to, offsetof(m2m_row, to), f->to, f->no_db_constraint);
    pair[0] = from;
    pair[1] = to;
    together[0] = pair;
    m->name = name;
    m->app_label = owner->app_label;
    m->size = sizeof(m2m_row);
    m->fields = fs;
    m->db_table = table;
    m->unique_together = together;
    m->verbose_name = vn;
    return m;
}

/* The join model's keys to each side: the automatic model's two, or the
 * first ForeignKey of an explicit model to each (distinct ones for self). */
static int through_keys(const dorm_rel *fwd, const dorm_meta *owner, const dorm_fmeta **src, const dorm_fmeta **dst) {
    const dorm_meta *th = fwd->through;
    *src = *dst = NULL;
    for (int i = 0; i < th->nfields; i++) {
        const dorm_fmeta *fm = &th->fields[i];
        if (fm->f->kind != DORM_KIND_FK) continue;
        if (!*src && fm->target == owner)
            *src = fm;
        else if (!*dst && fm->target == fwd->model)
            *dst = fm;
    }
    return *src && *dst ? DORM_OK : DORM_ECONFIG;
}

static bool is_hidden(const char *related_name) {
    size_t n = related_name ? strlen(related_name) : 0;
    return n && related_name[n - 1] == '+';
}

int dorm_m2m__link(dorm_registry *reg) {
    dorm_arena *a = &reg->arena;
    int *count = dorm_arena__calloc(a, sizeof(int) * (size_t)(reg->nmodels ? reg->nmodels : 1));
    if (!count) return DORM_ENOMEM;
    /* Count both directions per model, then allocate each array once. */
    for (int i = 0; i < reg->nmodels; i++) {
        const dorm_meta *m = reg->metas[i];
        for (const dorm_field *f = m->table; f && f->name; f++) {
            if (f->kind != DORM_KIND_M2M) continue;
            count[i]++;
            const dorm_meta *t = dorm_meta__of(reg, f->to);
            /* Relations to a proxy live on its concrete model. */
            if (t) t = t->concrete;
            bool symmetrical = f->to == m->model && !f->asymmetrical;
            for (int k = 0; t && !symmetrical && k < reg->nmodels; k++)
                if (reg->metas[k] == t) count[k]++;
        }
    }
    for (int i = 0; i < reg->nmodels; i++) {
        if (!count[i]) continue;
        reg->metas[i]->m2m = dorm_arena__calloc(a, sizeof(dorm_rel) * (size_t)count[i]);
        if (!reg->metas[i]->m2m) return DORM_ENOMEM;
    }
    for (int i = 0; i < reg->nmodels; i++) {
        dorm_meta *m = reg->metas[i];
        for (const dorm_field *f = m->table; f && f->name; f++) {
            if (f->kind != DORM_KIND_M2M) continue;
            dorm_meta *t = (dorm_meta *)dorm_meta__of(reg, f->to);
            const dorm_meta *th = f->through ? dorm_meta__of(reg, f->through) : NULL;
            for (int k = 0; !f->through && k < reg->nmodels; k++)
                if (reg->metas[k]->auto_for == f && reg->metas[k]->auto_owner == m) th = reg->metas[k];
            dorm_rel *fwd = &m->m2m[m->nm2m++];
            fwd->name = fwd->query_name = f->name;
            fwd->model = t;
            fwd->m2m = f;
            fwd->through = th;
            fwd->symmetrical = f->to == m->model && !f->asymmetrical;
            /* An unknown target or join model is reported by the checks. */
            if (!t || !th || through_keys(fwd, m, &fwd->fk, &fwd->to_fk)) continue;
            if (fwd->symmetrical) continue;
            dorm_meta *ct = (dorm_meta *)t->concrete;
            dorm_rel *rev = &ct->m2m[ct->nm2m++];
            const char *rn = f->related_name;
            rev->hidden = is_hidden(rn);
            if (rev->hidden) rn = NULL;
            rev->model = m;
            rev->m2m = f;
            rev->through = th;
            rev->fk = fwd->to_fk;
            rev->to_fk = fwd->fk;
            if (rn) {
                rev->name = rn;
            } else {
                size_t n = strlen(m->model_name) + 5;
                char *s = dorm_arena__alloc(a, n);
                if (!s) return DORM_ENOMEM;
                snprintf(s, n, "%s_set", m->model_name);
                rev->name = s;
            }
            rev->query_name = f->related_query_name ? f->related_query_name : rn ? rn : m->model_name;
        }
    }
    return DORM_OK;
}

const dorm_rel *dorm_meta__m2m(const dorm_meta *m, const char *name, size_t n) {
    for (int i = 0; i < m->nm2m; i++) {
        const dorm_rel *r = &m->m2m[i];
        if (!r->hidden && r->fk && strncmp(r->query_name, name, n) == 0 && r->query_name[n] == '\0') return r;
    }
    return NULL;
}

const dorm_rel *dorm_meta__m2m_accessor(const dorm_meta *m, const char *name) {
    for (const dorm_meta *a = m; a; a = a->parent)
        for (int i = 0; i < a->nm2m; i++)
            if (!a->m2m[i].hidden && a->m2m[i].fk && strcmp(a->m2m[i].name, name) == 0) return &a->m2m[i];
    return NULL;
}
