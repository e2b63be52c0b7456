/* inherit.c - model inheritance in the registry (Django's ModelBase):
 * abstract bases spliced into a model's field table, a multi-table child's
 * fields prefixed with its parent's, proxies laid over their concrete
 * model, and the Meta options and managers a model inherits. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "model/meta.h"

#define MAX_DEPTH 16

/* Whether a table entry names a base or parent model. */
static bool is_parent(const dorm_field *f) { return f->kind == DORM_KIND_PARENT && f->to; }

/* How many entries splicing `model`'s table yields; -1 for bases nested
 * deeper than MAX_DEPTH (a cycle: reported by the checks). */
static int count(const dorm_model *model, int depth, bool *splices) {
    if (depth > MAX_DEPTH) return -1;
    int n = 0;
    for (const dorm_field *f = model->fields; f && f->name; f++) {
        if (!is_parent(f)) {
            n++;
            *splices = *splices || (f->related_name && strchr(f->related_name, '%'));
            continue;
        }
        *splices = true;
        if (!f->to->abstract) continue;
        int k = count(f->to, depth + 1, splices);
        if (k < 0) return -1;
        n += k;
    }
    return n;
}

static int auto_m2m(const dorm_model *model, int depth) {
    int n = 0;
    for (const dorm_field *f = model->fields; depth <= MAX_DEPTH && f && f->name; f++) {
        if (f->kind == DORM_KIND_M2M && !f->through)
            n++;
        else if (is_parent(f) && f->to->abstract)
            n += auto_m2m(f->to, depth + 1);
    }
    return n;
}

int dorm_inherit__auto_m2m(const dorm_model *model) { return auto_m2m(model, 0); }

/* Django's "%(class)s", "%(model_name)s" and "%(app_label)s" in a name a
 * base gives (related names, index and constraint names), for `model`. */
static const char *subst(dorm_arena *a, const char *s, const dorm_model *model) {
    if (!s || !strchr(s, '%')) return s;
    dorm_buf b = DORM_BUF_INIT;
    for (const char *p = s; *p; p++) {
        const char *word = NULL;
        size_t skip = 0;
        if (strncmp(p, "%(class)s", 9) == 0 || strncmp(p, "%(model_name)s", 14) == 0) {
            word = model->name;
            skip = p[2] == 'c' ? 9 : 14;
        } else if (strncmp(p, "%(app_label)s", 13) == 0) {
            word = model->app_label;
            skip = 13;
        }
        if (!word) {
            dorm_buf_putc(&b, *p);
            continue;
        }
        for (const char *w = word; *w; w++) dorm_buf_putc(&b, (char)tolower((unsigned char)*w));
        p += skip - 1;
    }
    const char *r = b.failed || !b.data ? NULL : dorm_arena__strdup(a, b.data);
    dorm_buf_free(&b);
    return r;
}

/* Copies model's entries into out (abstract bases spliced at base + their
 * member's offset); the first concrete parent goes to *parent. */
static int splice(dorm_arena *a, const dorm_model *owner, const dorm_model *model, size_t base, dorm_field *out, int *n,
                  const dorm_model **parent) {
    for (const dorm_field *f = model->fields; f && f->name; f++) {
        if (is_parent(f) && f->to->abstract) {
            int rc = splice(a, owner, f->to, base + f->offset, out, n, parent);
            if (rc) return rc;
            continue;
        }
        if (is_parent(f)) {
            if (!*parent && model == owner) *parent = f->to;
            continue;
        }
        dorm_field c = *f;
        c.offset += base;
        c.related_name = subst(a, f->related_name, owner);
        c.related_query_name = subst(a, f->related_query_name, owner);
        if ((f->related_name && !c.related_name) || (f->related_query_name && !c.related_query_name))
            return DORM_ENOMEM;
        out[(*n)++] = c;
    }
    return DORM_OK;
}

int dorm_inherit__table(dorm_registry *reg, const dorm_model *model, const dorm_field **table,
                        const dorm_model **parent) {
    bool splices = false;
    int n = count(model, 0, &splices);
    *table = model->fields;
    *parent = NULL;
    if (n < 0 || !splices) return DORM_OK;
    dorm_field *out = dorm_arena__calloc(&reg->arena, sizeof(dorm_field) * (size_t)(n + 1));
    if (!out) return DORM_ENOMEM;
    int k = 0;
    int rc = splice(&reg->arena, model, model, 0, out, &k, parent);
    *table = out;
    return rc;
}

/* The first abstract base of model (in table order, depth first) that sets
 * an option: `get` answers whether a model sets it. */
static const dorm_model *abstract_with(const dorm_model *model, bool (*get)(const dorm_model *), int depth) {
    for (const dorm_field *f = model->fields; depth < MAX_DEPTH && f && f->name; f++) {
        if (!is_parent(f) || !f->to->abstract) continue;
        if (get(f->to)) return f->to;
        const dorm_model *deeper = abstract_with(f->to, get, depth + 1);
        if (deeper) return deeper;
    }
    return NULL;
}

static bool has_ordering(const dorm_model *m) { return m->ordering != NULL; }
static bool has_latest(const dorm_model *m) { return m->get_latest_by != NULL; }
static bool has_indexes(const dorm_model *m) { return m->indexes != NULL; }
static bool has_together(const dorm_model *m) { return m->unique_together != NULL; }
static bool has_constraints(const dorm_model *m) { return m->constraints != NULL; }
static bool has_natural_key(const dorm_model *m) { return m->natural_key != NULL; }

/* An abstract base's indexes and constraints, named for the model. */
static const dorm_index *own_indexes(dorm_arena *a, const dorm_model *model, const dorm_index *src) {
    size_t n = 0;
    while (src[n].fields) n++;
    dorm_index *ix = dorm_arena__calloc(a, sizeof *ix * (n + 1));
    for (size_t i = 0; ix && i < n; i++) {
        ix[i] = src[i];
        if (src[i].name && !(ix[i].name = subst(a, src[i].name, model))) return NULL;
    }
    return ix;
}

static const dorm_constraint *own_constraints(dorm_arena *a, const dorm_model *model, const dorm_constraint *src) {
    size_t n = 0;
    while (src[n].kind) n++;
    dorm_constraint *k = dorm_arena__calloc(a, sizeof *k * (n + 1));
    for (size_t i = 0; k && i < n; i++) {
        k[i] = src[i];
        if (src[i].name && !(k[i].name = subst(a, src[i].name, model))) return NULL;
    }
    return k;
}

/* natural_key() as Python finds the method: the model's own, else from its
 * bases in the order the model lists them (an abstract base and its own
 * bases depth first, the concrete parent with what it resolved), the
 * dependencies from the same model. */
static void inherit_natural_key(dorm_meta *m, const dorm_meta *parent) {
    const dorm_model *model = m->model, *b = model->natural_key ? model : NULL;
    for (const dorm_field *f = model->fields; !b && f && f->name; f++) {
        if (!is_parent(f)) continue;
        if (!f->to->abstract && parent && parent->natural_key) {
            m->natural_key = parent->natural_key;
            m->natural_key_dependencies = parent->natural_key_dependencies;
            m->inherited_key = true;
            return;
        }
        if (f->to->abstract) b = has_natural_key(f->to) ? f->to : abstract_with(f->to, has_natural_key, 1);
    }
    if (!b) return;
    m->natural_key = b->natural_key;
    m->natural_key_dependencies = b->natural_key_dependencies;
}

/* Meta options as Django inherits them: each option the model leaves unset
 * from its abstract bases; ordering, get_latest_by and the natural key also
 * from a concrete parent (the model a proxy stands for included). */
static int inherit_options(dorm_registry *reg, dorm_meta *m, const dorm_meta *parent) {
    const dorm_model *model = m->model, *b;
    m->ordering = model->ordering;
    if (!m->ordering && (b = abstract_with(model, has_ordering, 0))) m->ordering = b->ordering;
    m->declared_ordering = m->ordering;
    if (!m->ordering && parent) m->ordering = parent->ordering;
    m->get_latest_by = model->get_latest_by;
    if (!m->get_latest_by && (b = abstract_with(model, has_latest, 0))) m->get_latest_by = b->get_latest_by;
    m->declared_latest = m->get_latest_by;
    if (!m->get_latest_by && parent) m->get_latest_by = parent->get_latest_by;
    inherit_natural_key(m, parent);
    if (m->proxy) return DORM_OK;
    m->indexes = model->indexes;
    if (!m->indexes && (b = abstract_with(model, has_indexes, 0)) &&
        !(m->indexes = own_indexes(&reg->arena, model, b->indexes)))
        return DORM_ENOMEM;
    m->unique_together = model->unique_together;
    if (!m->unique_together && (b = abstract_with(model, has_together, 0))) m->unique_together = b->unique_together;
    m->constraints = model->constraints;
    if (!m->constraints && (b = abstract_with(model, has_constraints, 0)) &&
        !(m->constraints = own_constraints(&reg->arena, model, b->constraints)))
        return DORM_ENOMEM;
    return DORM_OK;
}

/* The entry of the model's table naming its concrete parent, or NULL. */
static const dorm_field *parent_entry(const dorm_model *model) {
    for (const dorm_field *f = model->fields; f && f->name; f++)
        if (is_parent(f) && !f->to->abstract) return f;
    return NULL;
}

/* Copies of the parent's fields for a model embedding the parent's struct
 * at `offset`: owned by m, at their place in m's struct. */
static dorm_fmeta *copy_fields(dorm_registry *reg, dorm_meta *m, const dorm_meta *p, size_t offset, int n) {
    dorm_fmeta *fs = dorm_arena__calloc(&reg->arena, sizeof *fs * (size_t)(n ? n : 1));
    dorm_field *f = dorm_arena__calloc(&reg->arena, sizeof *f * (size_t)(p->nfields ? p->nfields : 1));
    if (!fs || !f) return NULL;
    memcpy(fs, p->fields, sizeof *fs * (size_t)p->nfields);
    for (int i = 0; i < p->nfields; i++) {
        f[i] = *p->fields[i].f;
        f[i].offset += offset;
        fs[i].f = &f[i];
        fs[i].owner = m;
    }
    return fs;
}

/* A proxy: the fields, keys and table of the model it stands for. */
static int lay_over(dorm_registry *reg, dorm_meta *m, const dorm_meta *p, size_t offset) {
    dorm_fmeta *fs = copy_fields(reg, m, p, offset, p->nfields);
    if (!fs) return DORM_ENOMEM;
    m->pk = p->pk && !dorm_fmeta_composite(p->pk) ? &fs[p->pk->index] : NULL;
    if (dorm_fmeta_composite(p->pk)) {
        /* The proxy's key is made of its own copies of the fields. */
        dorm_fmeta *pk = dorm_arena__alloc(&reg->arena, sizeof *pk);
        const dorm_fmeta **parts = dorm_arena__calloc(&reg->arena, sizeof *parts * (size_t)p->pk->nparts);
        if (!pk || !parts) return DORM_ENOMEM;
        *pk = *p->pk;
        pk->owner = m;
        for (int i = 0; i < p->pk->nparts; i++) parts[i] = p->pk->parts[i] ? &fs[p->pk->parts[i]->index] : NULL;
        pk->parts = parts;
        m->pk = pk;
    }
    m->parent_link = p->parent_link ? &fs[p->parent_link->index] : NULL;
    m->fields = fs;
    m->nfields = p->nfields;
    m->first_local = p->first_local;
    m->parent = p->parent;
    m->parent_offset = offset + p->parent_offset;
    m->concrete = p->concrete;
    m->db_table = p->db_table;
    return DORM_OK;
}

/* A multi-table child: its parent's fields first, then its own. */
static int prefix(dorm_registry *reg, dorm_meta *m, const dorm_meta *p, size_t offset) {
    int n = p->nfields + m->nfields;
    dorm_fmeta *fs = copy_fields(reg, m, p, offset, n);
    if (!fs) return DORM_ENOMEM;
    for (int i = 0; i < p->nfields; i++) fs[i].inherited = &p->fields[i];
    memcpy(fs + p->nfields, m->fields, sizeof *fs * (size_t)m->nfields);
    const dorm_fmeta *pk = m->pk;
    m->pk = NULL;
    for (int i = p->nfields; i < n; i++) {
        dorm_fmeta *fm = &fs[i];
        if (pk == &m->fields[i - p->nfields]) m->pk = fm;
        fm->index = i;
        if (fm->storage) {
            /* The custom field's decoder field moves with it. */
            dorm_fmeta *sm = dorm_arena__alloc(&reg->arena, sizeof *sm);
            if (!sm) return DORM_ENOMEM;
            *sm = *fm->storage;
            sm->index = i;
            fm->storage = sm;
        }
        if (fm->f->kind == DORM_KIND_FK && fm->f->parent_link && fm->f->to == p->model && !m->parent_link)
            m->parent_link = fm;
    }
    /* Django promotes the parent link when the model declares no key. */
    if (!m->pk) m->pk = m->parent_link;
    m->fields = fs;
    m->nfields = n;
    m->first_local = p->nfields;
    m->parent = p;
    m->parent_offset = offset;
    return DORM_OK;
}

static int link(dorm_registry *reg, dorm_meta *m) {
    if (m->linked) return DORM_OK; /* done, or a cycle the checks report */
    m->linked = 1;
    m->concrete = m;
    m->proxy = m->model->proxy;
    const dorm_field *entry = parent_entry(m->model);
    dorm_meta *p = entry ? (dorm_meta *)dorm_meta__of(reg, entry->to) : NULL;
    int rc = p ? link(reg, p) : DORM_OK;
    if (!rc && p && p->linked == 2)
        rc = m->proxy ? lay_over(reg, m, p, entry->offset) : prefix(reg, m, p, entry->offset);
    if (!rc) rc = inherit_options(reg, m, p && p->linked == 2 ? p : NULL);
    m->default_manager = dorm_model__manager(m->model, dorm_model__default_manager_name(m->model));
    const char *base = dorm_model__base_manager_name(m->model);
    m->base_manager = base ? dorm_model__manager(m->model, base) : NULL;
    m->linked = 2;
    return rc;
}

int dorm_inherit__link(dorm_registry *reg) {
    for (int i = 0; i < reg->nmodels; i++) {
        int rc = link(reg, reg->metas[i]);
        if (rc) return rc;
    }
    return DORM_OK;
}

void dorm_inherit__share(dorm_registry *reg) {
    for (int i = 0; i < reg->nmodels; i++) {
        dorm_meta *m = reg->metas[i];
        if (m->concrete == m || !m->concrete) continue;
        m->reverse = m->concrete->reverse;
        m->nreverse = m->concrete->nreverse;
        m->m2m = m->concrete->m2m;
        m->nm2m = m->concrete->nm2m;
    }
}

/* ---- managers: the model's, then its bases' --------------------------------- */

static const dorm_manager *find_manager(const dorm_model *model, const char *name, int depth) {
    for (const dorm_manager *mg = model->managers; mg && mg->name; mg++)
        if (!name || strcmp(mg->name, name) == 0) return mg;
    for (const dorm_field *f = model->fields; depth < MAX_DEPTH && f && f->name; f++) {
        if (!is_parent(f)) continue;
        const dorm_manager *mg = find_manager(f->to, name, depth + 1);
        if (mg) return mg;
    }
    return NULL;
}

const dorm_manager *dorm_model__manager(const dorm_model *model, const char *name) {
    return model ? find_manager(model, name, 0) : NULL;
}

/* The first base of the model (Django's mro()[1] with a _meta). */
static const dorm_model *first_base(const dorm_model *model) {
    for (const dorm_field *f = model->fields; f && f->name; f++)
        if (is_parent(f)) return f->to;
    return NULL;
}

const char *dorm_model__default_manager_name(const dorm_model *model) {
    if (model->default_manager_name || model->managers) return model->default_manager_name;
    const dorm_model *b = first_base(model);
    return b ? b->default_manager_name : NULL;
}

const char *dorm_model__base_manager_name(const dorm_model *model) {
    if (model->base_manager_name) return model->base_manager_name;
    const dorm_model *b = first_base(model);
    return b ? b->base_manager_name : NULL;
}

/* ---- relations of the ancestors ------------------------------------------ */

typedef const dorm_rel *(*rel_lookup)(const dorm_meta *m, const char *name, size_t n);

static const dorm_rel *up(const dorm_meta *m, const char *name, size_t n, const dorm_meta **owner, rel_lookup get) {
    for (const dorm_meta *a = m; a; a = a->parent) {
        const dorm_rel *r = get(a, name, n);
        /* A parent's reverse parent link is not the child's (Django's
         * get_fields leaves it out). */
        if (r && (a == m || !r->fk || !r->fk->f->parent_link)) {
            if (owner) *owner = a;
            return r;
        }
    }
    return NULL;
}

const dorm_rel *dorm_meta__reverse_up(const dorm_meta *m, const char *name, size_t n, const dorm_meta **owner) {
    return up(m, name, n, owner, dorm_meta__reverse);
}

const dorm_rel *dorm_meta__m2m_up(const dorm_meta *m, const char *name, size_t n, const dorm_meta **owner) {
    return up(m, name, n, owner, dorm_meta__m2m);
}
