/* checks.c - Django's system checks on the registered models (the ones that
 * apply to what dorm models declare): field names, max_length, decimal
 * digits, primary keys, relations, ordering, indexes, choices. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/checks.h"

typedef struct checker {
    dorm_registry *reg;
    dorm_buf out;
    int errors;
} checker;

static void report(checker *c, const char *where, const char *id, const char *fmt, ...) {
    if (c->out.len) dorm_buf_putc(&c->out, '\n');
    dorm_buf_printf(&c->out, "%s: (%s) ", where, id);
    va_list ap;
    va_start(ap, fmt);
    char tmp[512];
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    dorm_buf_puts(&c->out, tmp);
    c->errors++;
}

/* Whether `path` ("author__name", "pk") names a field reachable by forward
 * relations from m. */
static bool path_exists(const dorm_meta *m, const char *path) {
    while (m) {
        const char *sep = strstr(path, "__");
        size_t n = sep ? (size_t)(sep - path) : strlen(path);
        const dorm_fmeta *fm = (n == 2 && strncmp(path, "pk", 2) == 0) ? m->pk : dorm_meta_fieldn(m, path, n);
        if (!fm) return false;
        if (!sep) return true;
        m = fm->target;
        path = sep + 2;
    }
    return false;
}

static void check_name(checker *c, const char *where, const dorm_field *f) {
    size_t len = strlen(f->name);
    if (len && f->name[len - 1] == '_') report(c, where, "fields.E001", "Field names must not end with an underscore.");
    if (strstr(f->name, "__")) report(c, where, "fields.E002", "Field names must not contain \"__\".");
    if (strcmp(f->name, "pk") == 0)
        report(c, where, "fields.E003", "'pk' is a reserved word that cannot be used as a field name.");
}

/* A ManyToManyField: its target, its join model and that model's keys. */
static void check_m2m(checker *c, const dorm_meta *m, const dorm_field *f, char *where, size_t wlen) {
    snprintf(where, wlen, "%s.%s", m->label, f->name);
    check_name(c, where, f);
    if (dorm_meta_field(m, f->name))
        report(c, where, "models.E006", "The field '%s' clashes with the field '%s' from model '%s'.", f->name, f->name,
               m->label_lower);
    const dorm_meta *t = f->to ? dorm_meta_of(m->reg, f->to) : NULL;
    if (!t) {
        report(c, where, "fields.E300",
               "Field defines a relation with model '%s', which is either not installed, or is abstract.",
               f->to && f->to->name ? f->to->name : "?");
        return;
    }
    const dorm_rel *fwd = NULL;
    for (int i = 0; i < m->nm2m && !fwd; i++)
        if (m->m2m[i].m2m == f && m->m2m[i].model == t && strcmp(m->m2m[i].name, f->name) == 0) fwd = &m->m2m[i];
    if (f->through && !dorm_meta_of(m->reg, f->through))
        report(c, where, "fields.E331",
               "Field specifies a many-to-many relation through model '%s', which has not been installed.",
               f->through->name ? f->through->name : "?");
    else if (fwd && fwd->through && !fwd->fk)
        report(c, where, "fields.E336",
               "The model is used as an intermediate model by '%s', but it does not have a foreign key to '%s' or "
               "'%s'.",
               where, m->model->name, t->model->name);
    else if (!t->pk)
        report(c, where, "fields.E300", "Field defines a relation with model '%s', which has no primary key.", t->label);
}

/* The field a ForeignKey stores: unique, and of a kind its member holds. */
static void check_key(checker *c, const char *where, const dorm_fmeta *fm) {
    const dorm_field *key = fm->target_pk->f;
    if (!key->unique && !key->primary_key)
        report(c, where, "fields.E311", "'%s.%s' must be unique because it is referenced by a foreign key.",
               fm->target->model->name, key->name);
    bool text = dorm_kind_is_text(key->kind);
    bool integer = dorm_kind_is_auto(key->kind) || key->kind == DORM_KIND_INT || key->kind == DORM_KIND_BIGINT ||
                   key->kind == DORM_KIND_SMALLINT || key->kind == DORM_KIND_POSINT ||
                   key->kind == DORM_KIND_POSSMALLINT;
    if (!text && !integer)
        report(c, where, "dorm.E011", "dorm keys a ForeignKey by an integer or text field; '%s.%s' is a %s.",
               fm->target->model->name, key->name, dorm_kind_name(key->kind));
    else if (text && !fm->f->text_key)
        report(c, where, "dorm.E012", "A ForeignKey to the text field '%s.%s' needs a DORM_FK_TO(%s, const char *) member.",
               fm->target->model->name, key->name, fm->target->model->name);
    else if (integer && fm->f->text_key)
        report(c, where, "dorm.E012", "A ForeignKey to the integer field '%s.%s' needs a DORM_FK(%s) member.",
               fm->target->model->name, key->name, fm->target->model->name);
}

static void check_field(checker *c, const dorm_meta *m, const dorm_fmeta *fm, char *where, size_t wlen) {
    const dorm_field *f = fm->f;
    snprintf(where, wlen, "%s.%s", m->label, f->name);
    check_name(c, where, f);
    if (f->kind <= DORM_KIND_NONE || f->kind >= DORM_KIND__COUNT) {
        report(c, where, "dorm.E002", "Unknown field kind %d.", (int)f->kind);
        return;
    }
    if (f->kind == DORM_KIND_CHAR) {
        if (f->max_length == 0)
            report(c, where, "fields.E120", "CharFields must define a 'max_length' attribute.");
    }
    if (dorm_kind_is_text(f->kind) && f->max_length < 0)
        report(c, where, "fields.E121", "'max_length' must be a positive integer.");
    if (f->kind == DORM_KIND_DECIMAL) {
        if (f->decimal_places < 0)
            report(c, where, "fields.E131", "'decimal_places' must be a non-negative integer.");
        if (f->max_digits <= 0) report(c, where, "fields.E132", "DecimalFields must define a 'max_digits' attribute.");
        else if (f->max_digits < f->decimal_places)
            report(c, where, "fields.E134", "'max_digits' must be greater or equal to 'decimal_places'.");
        else if (f->max_digits > 18)
            report(c, where, "dorm.E003", "dorm stores decimals exactly in 18 digits: 'max_digits' must be at most 18.");
    }
    if (f->primary_key && f->null) report(c, where, "fields.E007", "Primary keys must not have null=True.");
    if ((f->auto_now || f->auto_now_add) && f->kind != DORM_KIND_DATE && f->kind != DORM_KIND_DATETIME &&
        f->kind != DORM_KIND_TIME)
        report(c, where, "dorm.E004", "'auto_now' and 'auto_now_add' apply to date and time fields only.");
    if (f->auto_now && f->auto_now_add)
        report(c, where, "fields.E160", "The options auto_now, auto_now_add, and default are mutually exclusive. "
                                        "Only one of these options may be present.");
    if (f->choices && f->max_length > 0) {
        int longest = 0;
        for (const dorm_choice *ch = f->choices; ch->label; ch++)
            if (ch->value.type == DORM_T_TEXT && ch->value.u.s && (int)strlen(ch->value.u.s) > longest)
                longest = (int)strlen(ch->value.u.s);
        if (longest > f->max_length)
            report(c, where, "fields.E009",
                   "'max_length' is too small to fit the longest value in 'choices' (%d characters).", longest);
    }
    if (f->kind == DORM_KIND_FK) {
        if (!f->to || !fm->target)
            report(c, where, "fields.E300",
                   "Field defines a relation with model '%s', which is either not installed, or is abstract.",
                   f->to && f->to->name ? f->to->name : "?");
        else if (!fm->target->pk)
            report(c, where, "fields.E300", "Field defines a relation with model '%s', which has no primary key.",
                   fm->target->label);
        else if (!fm->target_pk)
            report(c, where, "fields.E312", "The to_field '%s' doesn't exist on the related model '%s'.", f->to_field,
                   fm->target->label);
        else
            check_key(c, where, fm);
        if (f->on_delete == DORM_ON_DELETE_UNSET)
            report(c, where, "dorm.E005", "ForeignKey must set on_delete (DORM_CASCADE, DORM_PROTECT, ...).");
        if (f->on_delete == DORM_SET_NULL && !f->null)
            report(c, where, "fields.E320", "Field specifies on_delete=SET_NULL, but cannot be null.");
        if (f->on_delete == DORM_SET_DEFAULT && f->default_value.type == DORM_T_NONE && !f->default_fn)
            report(c, where, "fields.E321", "Field specifies on_delete=SET_DEFAULT, but has no default value.");
        if (f->on_delete == DORM_SET && f->on_delete_set.type == DORM_T_NONE && !f->on_delete_set_fn)
            report(c, where, "dorm.E014", "Field specifies on_delete=DORM_SET, but no .on_delete_set value or function.");
        if (f->on_delete == DORM_SET && f->on_delete_set.type == DORM_T_NULL && !f->on_delete_set_fn && !f->null)
            report(c, where, "fields.E320", "Field specifies on_delete=SET(None), but cannot be null.");
    } else if (f->to) {
        report(c, where, "dorm.E006", "Only relation fields may set 'to'.");
    }
}

static void check_names(checker *c, const dorm_meta *m, const char *what, const char *id,
                        const char *const *names) {
    for (size_t i = 0; names && names[i]; i++) {
        const char *n = names[i];
        if (strcmp(what, "ordering") == 0 && strcmp(n, "?") == 0) continue;
        if (n[0] == '-') n++;
        bool ok = strcmp(what, "ordering") == 0 ? path_exists(m, n) : dorm_meta_field(m, n) != NULL;
        if (!ok) {
            if (strcmp(what, "ordering") == 0)
                report(c, m->label, id, "'ordering' refers to the nonexistent field, related field, or lookup '%s'.",
                       n);
            else
                report(c, m->label, id, "'%s' refers to the nonexistent field '%s'.", what, n);
        }
    }
}

static void check_model(checker *c, const dorm_meta *m) {
    const dorm_model *model = m->model;
    char where[256];
    if (!model->name || !model->app_label || !*model->name || !*model->app_label) {
        report(c, m->label, "dorm.E007", "Models must have a name and an app label.");
        return;
    }
    bool alias_like = m->db_table[0] >= 'T' && m->db_table[0] <= 'Z' && m->db_table[1];
    for (const char *p = m->db_table + 1; alias_like && *p; p++) alias_like = *p >= '0' && *p <= '9';
    if (alias_like)
        report(c, m->label, "dorm.E013", "db_table '%s' is reserved: dorm names table aliases T2, T3, ... (U0, V0, "
                                         "... in subqueries)", m->db_table);
    if (m->nfields > 64) report(c, m->label, "dorm.E001", "dorm models have at most 64 fields (this one has %d).", m->nfields);
    int pks = 0;
    for (const dorm_field *f = model->fields; f && f->name; f++)
        if (f->kind == DORM_KIND_M2M) check_m2m(c, m, f, where, sizeof where);
    for (int i = 0; i < m->nfields; i++) {
        check_field(c, m, &m->fields[i], where, sizeof where);
        if (m->fields[i].f->primary_key) pks++;
        for (int j = 0; j < i; j++) {
            if (strcmp(m->fields[i].f->name, m->fields[j].f->name) == 0) {
                snprintf(where, sizeof where, "%s.%s", m->label, m->fields[i].f->name);
                report(c, where, "models.E006", "The field '%s' clashes with the field '%s' from model '%s'.",
                       m->fields[i].f->name, m->fields[j].f->name, m->label_lower);
            } else if (strcmp(m->fields[i].column, m->fields[j].column) == 0) {
                report(c, m->label, "models.E007", "Field '%s' has column name '%s' that is used by another field.",
                       m->fields[i].f->name, m->fields[i].column);
            }
        }
        if (strcmp(m->fields[i].f->name, "id") == 0 && !m->fields[i].f->primary_key)
            report(c, m->label, "models.E004",
                   "'id' can only be used as a field name if the field also sets 'primary_key=True'.");
    }
    if (pks == 0)
        report(c, m->label, "dorm.E008",
               "The model has no primary key: declare one, e.g. DORM_AUTO(%s, id).", model->name);
    if (pks > 1)
        report(c, m->label, "models.E026", "The model cannot have more than one field with 'primary_key=True'.");
    check_names(c, m, "ordering", "models.E015", model->ordering);
    for (const dorm_index *ix = model->indexes; ix && ix->fields; ix++) check_names(c, m, "indexes", "models.E012", ix->fields);
    for (size_t i = 0; model->unique_together && model->unique_together[i]; i++)
        check_names(c, m, "unique_together", "models.E012", model->unique_together[i]);
    for (const dorm_constraint *k = model->constraints; k && k->kind; k++) {
        if (!k->name || !*k->name) report(c, m->label, "dorm.E009", "Constraints must have a name.");
        if (k->kind == DORM_CONSTRAINT_UNIQUE) check_names(c, m, "constraints", "models.E012", k->fields);
    }
    if (model->get_latest_by && !path_exists(m, model->get_latest_by[0] == '-' ? model->get_latest_by + 1
                                                                                 : model->get_latest_by))
        report(c, m->label, "dorm.E010", "'get_latest_by' refers to the nonexistent field '%s'.", model->get_latest_by);
    /* Reverse accessors must not hide a field of the target (fields.E302). */
    for (int i = 0; i < m->nreverse; i++) {
        const dorm_rel *r = &m->reverse[i];
        if (r->hidden) continue;
        if (dorm_meta_field(m, r->name) || dorm_meta_field(m, r->query_name)) {
            snprintf(where, sizeof where, "%s.%s", r->model->label, r->fk->f->name);
            report(c, where, "fields.E302", "Reverse accessor for '%s.%s' clashes with field name '%s.%s'.",
                   r->model->label, r->fk->f->name, m->label, r->name);
        }
        for (int j = 0; j < i; j++)
            if (!m->reverse[j].hidden && strcmp(m->reverse[j].name, r->name) == 0) {
                snprintf(where, sizeof where, "%s.%s", r->model->label, r->fk->f->name);
                report(c, where, "fields.E304", "Reverse accessor for '%s.%s' clashes with reverse accessor for '%s.%s'.",
                       r->model->label, r->fk->f->name, m->reverse[j].model->label, m->reverse[j].fk->f->name);
            }
    }
}

int dorm_checks_run(dorm_registry *reg) {
    checker c = {reg, DORM_BUF_INIT, 0};
    for (int i = 0; i < reg->nmodels; i++) {
        check_model(&c, reg->metas[i]);
        for (int j = 0; j < i; j++)
            if (strcmp(reg->metas[i]->label_lower, reg->metas[j]->label_lower) == 0)
                report(&c, reg->metas[i]->label, "models.E028", "Model '%s' is registered twice.", reg->metas[i]->label);
            else if (strcmp(reg->metas[i]->db_table, reg->metas[j]->db_table) == 0)
                report(&c, reg->metas[i]->label, "models.E028", "db_table '%s' is used by multiple models: %s, %s.",
                       reg->metas[i]->db_table, reg->metas[j]->label, reg->metas[i]->label);
    }
    if (c.out.failed) {
        dorm_buf_free(&c.out);
        return DORM_ENOMEM;
    }
    reg->messages = c.out.data;
    reg->err = c.errors ? DORM_ECONFIG : DORM_OK;
    return DORM_OK;
}
