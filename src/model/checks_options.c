/* checks_options.c - Django's checks of a model's Meta options that the
 * field checks do not see (index names; two many-to-manys through one
 * model) and of the names all models share (index and constraint names). */
#include <stdio.h>
#include <string.h>

#include "model/checks.h"

/* Oracle's limit, which Django keeps for every backend (Index.max_name_length). */
#define INDEX_NAME_MAX 30

void dorm_checks__options(dorm_checker *c, const dorm_meta *m) {
    for (const dorm_field *f = m->table; f && f->name; f++) {
        if (f->kind != DORM_KIND_M2M || !f->through || !dorm_meta__of(c->reg, f->to)) continue;
        const dorm_meta *th = dorm_meta__of(c->reg, f->through);
        for (const dorm_field *g = m->table; th && g != f; g++)
            if (g->kind == DORM_KIND_M2M && g->to == f->to && g->through == f->through) {
                dorm_checks__report(c, m->label, "models.E003",
                                    "The model has two identical many-to-many relations through the intermediate "
                                    "model '%s'.",
                                    th->label);
                break;
            }
    }
    for (const dorm_index *ix = m->indexes; ix && ix->fields; ix++) {
        if (!ix->name) continue;
        if (ix->name[0] == '_' || (ix->name[0] >= '0' && ix->name[0] <= '9'))
            dorm_checks__report(c, m->label, "models.E033",
                                "The index name '%s' cannot start with an underscore or a number.", ix->name);
        if (strlen(ix->name) > INDEX_NAME_MAX)
            dorm_checks__report(c, m->label, "models.E034", "The index name '%s' cannot be longer than %d characters.",
                                ix->name, INDEX_NAME_MAX);
    }
}

/* The lookups Django registers on every field (and so on a ForeignKey):
 * a path going on with another name after a key joins. */
static bool field_lookup(const char *s, size_t n) {
    static const char *const names[] = {"exact",     "iexact",   "gt",        "gte",        "lt",          "lte",
                                        "in",        "contains", "icontains", "startswith", "istartswith", "endswith",
                                        "iendswith", "range",    "isnull",    "regex",      "iregex"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strlen(names[i]) == n && strncmp(names[i], s, n) == 0) return true;
    return false;
}

static void add_ref(dorm_check_refs *r, const char *name, size_t n) {
    for (int i = 0; i < r->n; i++)
        if (strlen(r->names[i]) == n && strncmp(r->names[i], name, n) == 0) return;
    if (r->n >= DORM_CHECK_REFS_MAX || n >= sizeof r->text[0]) return;
    memcpy(r->text[r->n], name, n);
    r->text[r->n][n] = '\0';
    r->names[r->n] = r->text[r->n];
    r->names[++r->n] = NULL;
}

void dorm_checks__check_refs(dorm_checker *c, const dorm_meta *m, const dorm_q *q, dorm_check_refs *refs) {
    if (!q) return;
    for (size_t i = 0; q->kind != DORM_Q_LEAF && q->children && q->children[i]; i++)
        dorm_checks__check_refs(c, m, q->children[i], refs);
    if (q->kind != DORM_Q_LEAF || !q->path) return;
    const char *sep = strstr(q->path, "__");
    size_t n = sep ? (size_t)(sep - q->path) : strlen(q->path);
    bool pk = n == 2 && strncmp(q->path, "pk", 2) == 0;
    if (!pk) add_ref(refs, q->path, n);
    const dorm_fmeta *fm = pk ? m->pk : dorm_meta__fieldn(m, q->path, n);
    if (!sep || !fm || fm->f->kind != DORM_KIND_FK) return;
    const char *next = sep + 2, *end = strstr(next, "__");
    if (!field_lookup(next, end ? (size_t)(end - next) : strlen(next)))
        dorm_checks__report(c, m->label, "models.E041", "'constraints' refers to the joined field '%s'.", q->path);
}

/* The name of m's j-th index or constraint, "" for one without (a
 * generated index name is unique), NULL past the last. */
typedef const char *(*name_at)(const dorm_meta *m, int j);

static const char *index_name(const dorm_meta *m, int j) {
    for (int i = 0; i <= j; i++)
        if (!m->indexes || !m->indexes[i].fields) return NULL;
    return m->indexes[j].name ? m->indexes[j].name : "";
}

static const char *constraint_name(const dorm_meta *m, int j) {
    for (int i = 0; i <= j; i++)
        if (!m->constraints || !m->constraints[i].kind) return NULL;
    return m->constraints[j].name ? m->constraints[j].name : "";
}

/* Whether `name` is given by a model before metas[i]'s j-th. */
static bool seen_before(const dorm_registry *reg, name_at at, int i, int j, const char *name) {
    for (int a = 0; a <= i; a++) {
        const char *n;
        for (int b = 0; (a < i || b < j) && (n = at(reg->metas[a], b)); b++)
            if (strcmp(n, name) == 0) return true;
    }
    return false;
}

/* Django's check_all_models on names: each name once among the models
 * (their labels sorted, as Python's sorted() orders them). */
static void check_unique(dorm_checker *c, name_at at, const char *what, const char *id_one, const char *id_many) {
    const dorm_registry *reg = c->reg;
    for (int i = 0; i < reg->nmodels; i++) {
        const char *name;
        for (int j = 0; (name = at(reg->metas[i], j)); j++) {
            if (!*name || reg->metas[i]->auto_for || seen_before(reg, at, i, j, name)) continue;
            int uses = 0, models = 0;
            char labels[1024] = "";
            const char *last = NULL;
            for (;;) {
                const char *next = NULL;
                for (int a = 0; a < reg->nmodels; a++) {
                    const char *n, *l = reg->metas[a]->label;
                    for (int b = 0; (n = at(reg->metas[a], b)); b++) {
                        if (strcmp(n, name) != 0) continue;
                        if (!last) uses++;
                        if ((!last || strcmp(l, last) > 0) && (!next || strcmp(l, next) < 0)) next = l;
                    }
                }
                if (!next) break;
                size_t len = strlen(labels);
                snprintf(labels + len, sizeof labels - len, "%s%s", models++ ? ", " : "", next);
                last = next;
            }
            if (uses > 1)
                dorm_checks__report(c, "?", models == 1 ? id_one : id_many, "%s name '%s' is not unique %s %s.", what,
                                    name, models == 1 ? "for model" : "among models:", labels);
        }
    }
}

void dorm_checks__names(dorm_checker *c) {
    check_unique(c, index_name, "index", "models.E029", "models.E030");
    check_unique(c, constraint_name, "constraint", "models.E031", "models.E032");
}
