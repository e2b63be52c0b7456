/* detect_kept.c - the autodetector's passes over the models that stay:
 * Meta options, removed constraints and indexes, renamed, removed, added
 * and altered fields, unique_together, added indexes and constraints, and
 * tables, in the order of Django 3.2's _detect_changes. */
#include <string.h>

#include "core/alloc.h"
#include "core/ctx.h"
#include "migrate/detect.h"
#include "model/custom.h"

static bool has_default(const dorm_fstate *f) {
    return f->f.default_value.type != DORM_T_NONE || f->default_callable || f->f.kind == DORM_KIND_M2M;
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

static bool same_str(const char *a, const char *b) { return a == b || (a && b && strcmp(a, b) == 0); }

static bool same_list(const char *const *a, const char *const *b) {
    size_t i = 0;
    for (; a && b && a[i] && b[i]; i++)
        if (strcmp(a[i], b[i]) != 0) return false;
    return (!a || !a[i]) && (!b || !b[i]);
}

/* The same index in l: same fields and name (a file written before index
 * names were recorded has none: the fields decide). */
static const dorm_index *index_in(const dorm_index *l, const dorm_index *ix) {
    for (size_t i = 0; l && l[i].fields; i++)
        if ((!l[i].name || !ix->name || same_str(l[i].name, ix->name)) && same_list(l[i].fields, ix->fields))
            return &l[i];
    return NULL;
}

/* Whether l holds constraint k: the same name and definition (Django's
 * BaseConstraint.__eq__). */
static bool constraint_in(dorm_pass *p, const dorm_constraint *l, const dorm_constraint *k) {
    for (size_t i = 0; l && l[i].kind; i++)
        if (same_str(l[i].name, k->name))
            return dorm_detect__same_def(dorm_constraint__dump(p->cx, &l[i]), dorm_constraint__dump(p->cx, k));
    return false;
}

/* The field of kept model k that `field` (a name of its new state) was
 * renamed from, or NULL. */
static const char *renamed_from(const dorm_pass *p, const dorm_kept *k, const char *field) {
    for (int i = 0; i < p->nrf; i++)
        if (strcmp(p->rf[i].app, k->b->app) == 0 && strcmp(p->rf[i].model, k->model) == 0 &&
            strcmp(p->rf[i].new_name, field) == 0)
            return p->rf[i].old_name;
    return NULL;
}

static bool renamed_away(const dorm_pass *p, const dorm_kept *k, const char *old) {
    for (int i = 0; i < p->nrf; i++)
        if (strcmp(p->rf[i].app, k->b->app) == 0 && strcmp(p->rf[i].model, k->model) == 0 &&
            strcmp(p->rf[i].old_name, old) == 0)
            return true;
    return false;
}

/* Whether a field name of k is among Django's old_field_keys (renames
 * applied) and new_field_keys. */
static bool in_old(const dorm_pass *p, const dorm_kept *k, const char *name) {
    return renamed_from(p, k, name) || (dorm_mstate__field(k->a, name) >= 0 && !renamed_away(p, k, name));
}

static bool in_new(const dorm_kept *k, const char *name) { return dorm_mstate__field(k->b, name) >= 0; }

/* The label a relation to a renamed model has now (Django's renamed_models_rel). */
static const char *renamed_label(dorm_pass *p, const char *to) {
    for (int i = 0; to && i < p->nrm; i++) {
        const char *old = dorm_sprintf(p->cx, "%s.%s", p->rm[i].app, dorm_detect__lower(p->cx, p->rm[i].old_name));
        if (old && strcmp(old, to) == 0)
            return dorm_sprintf(p->cx, "%s.%s", p->rm[i].app, dorm_detect__lower(p->cx, p->rm[i].new_name));
    }
    return to;
}

/* Whether a label names a renamed model by its new name. */
static bool renamed_target(dorm_pass *p, const char *label) {
    for (int i = 0; label && i < p->nrm; i++) {
        const char *now = dorm_sprintf(p->cx, "%s.%s", p->rm[i].app, dorm_detect__lower(p->cx, p->rm[i].new_name));
        if (now && strcmp(now, label) == 0) return true;
    }
    return false;
}

/* Django's generate_altered_options. */
static void altered_options(dorm_pass *p) {
    for (int i = 0; i < p->nkept_all && !p->d->rc; i++) {
        const dorm_mstate *a = p->kept_all[i].a, *b = p->kept_all[i].b;
        if (same_list(a->ordering, b->ordering) && same_str(a->verbose_name, b->verbose_name) &&
            same_str(a->verbose_name_plural, b->verbose_name_plural) && same_str(a->get_latest_by, b->get_latest_by))
            continue;
        dorm_op *op = dorm_detect__emit(p, b->app, DORM_OP_ALTER_MODEL_OPTIONS, p->kept_all[i].model, NULL, false);
        if (op) op->create = p->kept_all[i].b;
    }
}

/* Django's generate_removed_constraints, then generate_removed_indexes. */
static void removed_constraints_and_indexes(dorm_pass *p) {
    dorm_op *op;
    for (int i = 0; i < p->nkept; i++) {
        const dorm_mstate *a = p->kept[i].a, *b = p->kept[i].b;
        for (size_t c = 0; a->constraints && a->constraints[c].kind; c++)
            if (!constraint_in(p, b->constraints, &a->constraints[c]) &&
                (op = dorm_detect__emit(p, b->app, DORM_OP_REMOVE_CONSTRAINT, p->kept[i].model, NULL, false)))
                op->name = a->constraints[c].name;
    }
    for (int i = 0; i < p->nkept; i++) {
        const dorm_mstate *a = p->kept[i].a, *b = p->kept[i].b;
        for (size_t x = 0; a->indexes && a->indexes[x].fields; x++)
            if (!index_in(b->indexes, &a->indexes[x]) &&
                (op = dorm_detect__emit(p, b->app, DORM_OP_REMOVE_INDEX, p->kept[i].model, NULL, false)))
                op->name = a->indexes[x].name;
    }
}

/* Django's generate_renamed_fields: a new field defined as a gone one was
 * (or as it was with its old column as db_column) may be that one renamed. */
static void renamed_fields(dorm_pass *p) {
    for (int i = 0; i < p->nkept && !p->d->rc; i++) {
        dorm_kept *k = &p->kept[i];
        int *ia = dorm_detect__sorted_fields(p, k->a), *ib = dorm_detect__sorted_fields(p, k->b);
        for (int n = 0; ib && n < k->b->nfields && !p->d->rc; n++) {
            const dorm_fstate *nf = &k->b->fields[ib[n]];
            if (in_old(p, k, nf->f.name)) continue;
            const char *nd = dorm_detect__definition(p, *nf, false);
            for (int o = 0; ia && o < k->a->nfields && !p->d->rc; o++) {
                dorm_fstate of = k->a->fields[ia[o]];
                if (renamed_away(p, k, of.f.name) || in_new(k, of.f.name)) continue;
                of.to = renamed_label(p, of.to);
                bool match = dorm_detect__same_def(dorm_detect__definition(p, of, false), nd);
                if (!match && !of.f.db_column) {
                    bool key = of.f.kind == DORM_KIND_FK;
                    of.f.db_column = key ? dorm_sprintf(p->cx, "%s_id", of.f.name) : of.f.name;
                    match = dorm_detect__same_def(dorm_detect__definition(p, of, false), nd);
                }
                if (!match) continue;
                const char *cls =
                    nf->f.kind == DORM_KIND_FK && nf->f.one_to_one ? "OneToOneField" : dorm_field__class(&nf->f);
                char q[512];
                snprintf(q, sizeof q, "Did you rename %s.%s to %s.%s (a %s)? [y/N]", k->model, of.f.name, k->model,
                         nf->f.name, cls);
                if (p->d->quiet || !dorm_ask__yes(&p->d->q, q, false)) continue;
                dorm_op *op = dorm_detect__emit(p, k->b->app, DORM_OP_RENAME_FIELD, k->model, NULL, false);
                dorm_renamed *r = op ? dorm_detect__renamed(p, &p->rf, &p->nrf) : NULL;
                if (!r) break;
                op->old_name = k->a->fields[ia[o]].f.name;
                op->new_name = nf->f.name;
                *r = (dorm_renamed){k->b->app, k->model, nf->f.name, op->old_name};
                break;
            }
        }
    }
}

/* Django's _generate_removed_field: after any unique_together change. */
static void remove_field(dorm_pass *p, const dorm_kept *k, const char *name) {
    dorm_deps l = {0};
    dorm_detect__dep(p, &l, k->b->app, k->model, name, DORM_DEP_TOGETHER);
    dorm_op *op = dorm_detect__emit(p, k->b->app, DORM_OP_REMOVE_FIELD, k->model, &l, false);
    dorm_mem__free(l.d);
    if (op) op->name = name;
}

/* Django's _generate_added_field: a one-off default asked for when the
 * rows already there need one. */
static void add_field(dorm_pass *p, const dorm_kept *k, const dorm_fstate *fs) {
    dorm_deps l = {0};
    dorm_detect__dep_relation(p, &l, fs);
    dorm_op *op = dorm_detect__emit(p, k->b->app, DORM_OP_ADD_FIELD, k->model, &l, false);
    dorm_mem__free(l.d);
    if (!op) return;
    op->name = fs->f.name;
    op->field = *fs;
    if (!fills_itself(fs) && !p->d->quiet) {
        op->preserve_default = false;
        int rc = dorm_ask__not_null_addition(&p->d->q, k->model, &op->field);
        if (rc) p->d->rc = rc;
    }
}

/* Django's generate_removed_fields (removed == true) or
 * generate_added_fields. */
static void removed_or_added_fields(dorm_pass *p, bool removed) {
    for (int i = 0; i < p->nkept && !p->d->rc; i++) {
        dorm_kept *k = &p->kept[i];
        const dorm_mstate *m = removed ? k->a : k->b;
        int *ix = dorm_detect__sorted_fields(p, m);
        for (int f = 0; ix && f < m->nfields && !p->d->rc; f++) {
            const dorm_fstate *fs = &m->fields[ix[f]];
            if (removed && !renamed_away(p, k, fs->f.name) && !in_new(k, fs->f.name))
                remove_field(p, k, fs->f.name);
            else if (!removed && !in_old(p, k, fs->f.name))
                add_field(p, k, fs);
        }
    }
}

/* Django's generate_altered_fields: relations to renamed models and keys
 * to renamed fields compare as they were; a field turned into or out of a
 * many-to-many is removed and added again. */
static void altered_fields(dorm_pass *p) {
    for (int i = 0; i < p->nkept && !p->d->rc; i++) {
        dorm_kept *k = &p->kept[i];
        int *ix = dorm_detect__sorted_fields(p, k->b);
        for (int f = 0; ix && f < k->b->nfields && !p->d->rc; f++) {
            const dorm_fstate *nf = &k->b->fields[ix[f]];
            if (!in_old(p, k, nf->f.name)) continue;
            const char *old = renamed_from(p, k, nf->f.name);
            const dorm_fstate *of = &k->a->fields[dorm_mstate__field(k->a, old ? old : nf->f.name)];
            /* Django compares relations to renamed models and keys to renamed
             * fields as they were. */
            dorm_fstate cmp = *nf;
            if (renamed_target(p, cmp.to)) cmp.to = of->to;
            if (renamed_target(p, cmp.through)) cmp.through = of->through;
            const char *dot = nf->to ? strchr(nf->to, '.') : NULL;
            for (int r = 0; dot && nf->f.to_field && r < p->nrf; r++)
                if (strlen(p->rf[r].app) == (size_t)(dot - nf->to) &&
                    strncmp(p->rf[r].app, nf->to, (size_t)(dot - nf->to)) == 0 &&
                    strcmp(p->rf[r].model, dot + 1) == 0 && strcmp(p->rf[r].new_name, nf->f.to_field) == 0) {
                    cmp.to = of->to;
                    cmp.f.to_field = of->f.to_field;
                }
            if (dorm_detect__same_def(dorm_detect__definition(p, *of, false), dorm_detect__definition(p, cmp, false)) ||
                p->d->rc)
                continue;
            bool m2m_old = of->f.kind == DORM_KIND_M2M, m2m_new = nf->f.kind == DORM_KIND_M2M;
            if (m2m_old != m2m_new) {
                remove_field(p, k, nf->f.name);
                add_field(p, k, nf);
                continue;
            }
            dorm_deps l = {0};
            dorm_detect__dep_relation(p, &l, &cmp);
            dorm_op *op = dorm_detect__emit(p, k->b->app, DORM_OP_ALTER_FIELD, k->model, &l, false);
            dorm_mem__free(l.d);
            if (!op) break;
            op->name = nf->f.name;
            op->field = *nf;
            if (of->f.null && !nf->f.null && !has_default(nf) && !p->d->quiet) {
                int r = dorm_ask__not_null_alteration(&p->d->q, k->model, &op->field);
                if (r < 0) p->d->rc = r;
                op->preserve_default = r != 0;
            }
        }
    }
}

/* Whether every tuple of x is in y. */
static bool together_in(const char *const *const *x, const char *const *const *y) {
    for (size_t i = 0; x && x[i]; i++) {
        bool found = false;
        for (size_t j = 0; y && y[j] && !found; j++) found = same_list(x[i], y[j]);
        if (!found) return false;
    }
    return true;
}

/* Django's _generate_altered_foo_together: the old tuples with renamed
 * fields' new names, compared with the new ones as sets. */
static void altered_unique_together(dorm_pass *p) {
    for (int i = 0; i < p->nkept && !p->d->rc; i++) {
        dorm_kept *k = &p->kept[i];
        const char *const *const *a = k->a->unique_together, *const *const *b = k->b->unique_together;
        size_t n = 0;
        while (a && a[n]) n++;
        const char ***was = dorm_alloc(p->cx, sizeof *was * (n + 1));
        for (size_t t = 0; was && t < n; t++) {
            size_t len = 0;
            while (a[t][len]) len++;
            if (!(was[t] = dorm_alloc(p->cx, sizeof(char *) * (len + 1)))) break;
            for (size_t f = 0; f <= len; f++) {
                const char *now = NULL;
                for (int r = 0; f < len && r < p->nrf && !now; r++)
                    if (strcmp(p->rf[r].app, k->b->app) == 0 && strcmp(p->rf[r].model, k->model) == 0 &&
                        strcmp(p->rf[r].old_name, a[t][f]) == 0)
                        now = p->rf[r].new_name;
                was[t][f] = now ? now : a[t][f];
            }
        }
        if (!was || (n && !was[n - 1])) {
            dorm_detect__fail(p, DORM_ENOMEM);
            break;
        }
        was[n] = NULL;
        const char *const *const *old = (const char *const *const *)was;
        if (together_in(old, b) && together_in(b, old)) continue;
        dorm_deps l = {0};
        for (size_t t = 0; b && b[t]; t++)
            for (size_t f = 0; b[t][f]; f++) {
                int x = dorm_mstate__field(k->b, b[t][f]);
                if (x >= 0) dorm_detect__dep_relation(p, &l, &k->b->fields[x]);
            }
        dorm_op *op = dorm_detect__emit(p, k->b->app, DORM_OP_ALTER_UNIQUE_TOGETHER, k->model, &l, false);
        dorm_mem__free(l.d);
        if (op) op->together = b;
    }
}

/* Django's generate_added_indexes and generate_added_constraints. */
static void added_indexes_and_constraints(dorm_pass *p) {
    for (int i = 0; i < p->nkept && !p->d->rc; i++) {
        const dorm_mstate *a = p->kept[i].a, *b = p->kept[i].b;
        for (size_t x = 0; b->indexes && b->indexes[x].fields && !p->d->rc; x++)
            if (!index_in(a->indexes, &b->indexes[x]))
                dorm_detect__add_index(p, b->app, p->kept[i].model, &b->indexes[x], NULL);
    }
    for (int i = 0; i < p->nkept && !p->d->rc; i++) {
        const dorm_mstate *a = p->kept[i].a, *b = p->kept[i].b;
        dorm_op *op;
        for (size_t c = 0; b->constraints && b->constraints[c].kind; c++)
            if (!constraint_in(p, a->constraints, &b->constraints[c]) &&
                (op = dorm_detect__emit(p, b->app, DORM_OP_ADD_CONSTRAINT, p->kept[i].model, NULL, false)))
                op->constraint = b->constraints[c];
    }
}

/* Django's generate_altered_db_table. */
static void altered_db_table(dorm_pass *p) {
    for (int i = 0; i < p->nkept_all && !p->d->rc; i++) {
        if (same_str(p->kept_all[i].a->db_table, p->kept_all[i].b->db_table)) continue;
        dorm_op *op =
            dorm_detect__emit(p, p->kept_all[i].b->app, DORM_OP_ALTER_MODEL_TABLE, p->kept_all[i].model, NULL, false);
        if (op) op->table = p->kept_all[i].b->db_table;
    }
}

/* The passes over kept models, in _detect_changes' order. */
void dorm_detect__kept(dorm_pass *p) {
    altered_options(p);
    if (!p->d->rc) removed_constraints_and_indexes(p);
    if (!p->d->rc) renamed_fields(p);
    if (!p->d->rc) removed_or_added_fields(p, true);
    if (!p->d->rc) removed_or_added_fields(p, false);
    if (!p->d->rc) altered_fields(p);
    if (!p->d->rc) altered_unique_together(p);
    if (!p->d->rc) added_indexes_and_constraints(p);
    if (!p->d->rc) altered_db_table(p);
}
