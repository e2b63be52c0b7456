/* checks_fields.c - Django's checks of one field's options that dorm's
 * declarations can still get wrong: an AutoField that is no primary key,
 * an integer's max_length, a unique ForeignKey, a BinaryField's text
 * default, a FileField's key and upload_to, a ManyToManyField's ignored
 * options, uniqueness, through keys and join table. */
#include <stdio.h>
#include <string.h>

#include "model/checks.h"
#include "model/custom.h"

void dorm_checks__field(dorm_checker *c, const dorm_fmeta *fm, const char *where) {
    const dorm_field *f = fm->f;
    if (dorm_kind__is_auto(f->kind) && !f->primary_key)
        dorm_checks__report(c, where, "fields.E100", "AutoFields must set primary_key=True.");
    if (f->max_length && dorm_kind_is_int(f->kind)) {
        dorm_checks__report(c, where, "fields.W122", "'max_length' is ignored when used with %s.",
                            dorm_field__class(f));
        dorm_checks__hint(c, "Remove 'max_length' from field");
    }
    if (f->kind == DORM_KIND_FK && f->unique && !f->one_to_one) {
        dorm_checks__report(c, where, "fields.W342",
                            "Setting unique=True on a ForeignKey has the same effect as using a OneToOneField.");
        dorm_checks__hint(c, "ForeignKey(unique=True) is usually better served by a OneToOneField.");
    }
    if (f->kind == DORM_KIND_BINARY && f->default_value.type == DORM_T_TEXT)
        dorm_checks__report(c, where, "fields.E170",
                            "BinaryField's default cannot be a string. Use bytes content instead.");
    if (f->kind != DORM_KIND_FILE && f->kind != DORM_KIND_IMAGE) return;
    const char *cls = dorm_field__class(f);
    if (f->primary_key)
        dorm_checks__report(c, where, "fields.E201", "'primary_key' is not a valid argument for a %s.", cls);
    if (f->upload_to && f->upload_to[0] == '/') {
        dorm_checks__report(c, where, "fields.E202",
                            "%s's 'upload_to' argument must be a relative path, not an absolute path.", cls);
        dorm_checks__hint(c, "Remove the leading slash.");
    }
}

/* Whether every name of the NULL-terminated list is `name` (Django's
 * subset of {name}). */
static bool only(const char *const *names, const char *name) {
    for (size_t i = 0; names && names[i]; i++)
        if (strcmp(names[i], name) != 0) return false;
    return names && names[0];
}

bool dorm_checks__unique_alone(const dorm_meta *m, const char *name) {
    for (size_t i = 0; m->unique_together && m->unique_together[i]; i++)
        if (only(m->unique_together[i], name)) return true;
    for (const dorm_constraint *k = m->constraints; k && k->kind; k++)
        if (k->kind == DORM_CONSTRAINT_UNIQUE && only(k->fields, name)) return true;
    return false;
}

/* How many ForeignKeys of the join model th point at m. */
static int keys_to(const dorm_meta *th, const dorm_meta *m) {
    int n = 0;
    for (int i = 0; i < th->nfields; i++) n += th->fields[i].f->kind == DORM_KIND_FK && th->fields[i].target == m;
    return n;
}

/* Django's _check_relationship_model for the counts of keys dorm cannot
 * choose between (it has no through_fields): more than two to the model
 * itself, more than one from or to either side. */
static void check_through_keys(dorm_checker *c, const dorm_meta *m, const dorm_meta *t, const dorm_meta *th,
                               const char *where) {
    if (m == t) {
        if (keys_to(th, m) <= 2) return;
        dorm_checks__report(c, th->label, "fields.E333",
                            "The model is used as an intermediate model by '%s', but it has more than two foreign "
                            "keys to '%s', which is ambiguous. You must specify which two foreign keys Django should "
                            "use via the through_fields keyword argument.",
                            where, m->model->name);
        dorm_checks__hint(c, "Use through_fields to specify which two foreign keys Django should use.");
        return;
    }
    const char *id[2] = {"fields.E334", "fields.E335"}, *dir[2] = {"from", "to"};
    const dorm_meta *side[2] = {m, t};
    for (int i = 0; i < 2; i++) {
        if (keys_to(th, side[i]) <= 1) continue;
        dorm_checks__report(c, where, id[i],
                            "The model is used as an intermediate model by '%s', but it has more than one foreign "
                            "key %s '%s', which is ambiguous. You must specify which foreign key Django should use "
                            "via the through_fields keyword argument.",
                            where, dir[i], side[i]->model->name);
        dorm_checks__hint(c,
                          "If you want to create a recursive relationship, use ManyToManyField(\"self\", "
                          "through=\"%s\").",
                          th->model->name);
    }
}

/* Django's _check_table_uniqueness: the join table th (automatic or not)
 * against the tables of the other models. */
static void check_join_table(dorm_checker *c, const dorm_meta *th, const char *where) {
    for (int i = 0; i < c->reg->nmodels; i++) {
        const dorm_meta *o = c->reg->metas[i];
        if (o == th || o->concrete == th->concrete || strcmp(o->db_table, th->db_table) != 0) continue;
        char other[256];
        if (o->auto_for)
            snprintf(other, sizeof other, "%s.%s", o->auto_owner->label, o->auto_for->name);
        else
            snprintf(other, sizeof other, "%s", o->label);
        dorm_checks__report(c, where, "fields.E340",
                            "The field's intermediary table '%s' clashes with the table name of '%s'.", th->db_table,
                            other);
        return;
    }
}

const dorm_meta *dorm_checks__join_model(const dorm_registry *reg, const dorm_meta *m, const dorm_field *f) {
    if (f->through) return dorm_meta__of(reg, f->through);
    for (int i = 0; i < m->nm2m; i++)
        if (m->m2m[i].m2m == f && m->m2m[i].through) return m->m2m[i].through;
    return NULL;
}

void dorm_checks__m2m(dorm_checker *c, const dorm_meta *m, const dorm_field *f, const char *where) {
    if (f->unique) dorm_checks__report(c, where, "fields.E330", "ManyToManyFields cannot be unique.");
    if (f->null) dorm_checks__report(c, where, "fields.W340", "null has no effect on ManyToManyField.");
    if (f->validators && f->validators[0].kind)
        dorm_checks__report(c, where, "fields.W341", "ManyToManyField does not support validators.");
    const dorm_meta *t = f->to ? dorm_meta__of(c->reg, f->to) : NULL;
    const dorm_meta *th = f->through ? dorm_meta__of(c->reg, f->through) : NULL;
    if (f->limit_choices_to && th)
        dorm_checks__report(c, where, "fields.W343",
                            "limit_choices_to has no effect on ManyToManyField with a through model.");
    if (t && th) check_through_keys(c, m, t, th, where);
    th = dorm_checks__join_model(c->reg, m, f);
    if (th) check_join_table(c, th, where);
}
