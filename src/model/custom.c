/* custom.c - field types of the program's own (dorm_field_type): the field
 * of the internal kind a custom field's column is read and written as,
 * what the checks say of a type, its column type, the conversions between
 * member and database value, and finding a type by the name migration
 * files record. */
#include <stdio.h>
#include <string.h>

#include "core/ctx.h"
#include "model/custom.h"

/* Storage for a value of any built-in kind: what a custom field's column
 * is decoded into before from_db (see materialize.c). */
#define STORAGE_SIZE (sizeof(dorm_decimal) > sizeof(dorm_uuid) ? sizeof(dorm_decimal) : sizeof(dorm_uuid))

int dorm_custom__storage(dorm_arena *a, dorm_fmeta *fm) {
    const dorm_field *f = fm->f;
    if (f->kind != DORM_KIND_CUSTOM || !f->type) return DORM_OK;
    dorm_field *sf = dorm_arena__calloc(a, sizeof *sf);
    dorm_fmeta *sm = dorm_arena__calloc(a, sizeof *sm);
    if (!sf || !sm) return DORM_ENOMEM;
    *sf = *f;
    sf->kind = f->type->internal;
    sf->offset = 0;
    sf->size = STORAGE_SIZE;
    sf->type = NULL;
    *sm = *fm;
    sm->f = sf;
    sm->value_kind = f->type->internal;
    fm->value_kind = f->type->internal;
    fm->storage = sm;
    return DORM_OK;
}

const char *dorm_field_internal_type(const dorm_model *model, const char *name) {
    for (const dorm_field *f = model && name ? model->fields : NULL; f && f->name; f++) {
        /* A base's fields are the model's too. */
        const char *inherited = f->kind == DORM_KIND_PARENT && f->to ? dorm_field_internal_type(f->to, name) : NULL;
        if (inherited) return inherited;
        if (strcmp(f->name, name) != 0) continue;
        if (f->kind == DORM_KIND_CUSTOM) return f->type ? dorm_kind__name(f->type->internal) : NULL;
        return f->kind == DORM_KIND_FK && f->one_to_one ? "OneToOneField" : dorm_kind__name(f->kind);
    }
    return NULL;
}

const char *dorm_field__class(const dorm_field *f) {
    return f->kind == DORM_KIND_CUSTOM && f->type && f->type->name ? f->type->name : dorm_kind__name(f->kind);
}

static bool type_name_ok(const char *s) {
    if (!s || !*s || strlen(s) > 100) return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_' ||
              *p == '.'))
            return false;
    return true;
}

/* The kinds a type's column may be: those a plain field has. */
static bool internal_ok(dorm_kind k) {
    return k > DORM_KIND_NONE && k < DORM_KIND__COUNT && k != DORM_KIND_AUTO && k != DORM_KIND_BIGAUTO &&
        k != DORM_KIND_FK && k != DORM_KIND_M2M && k != DORM_KIND_CUSTOM;
}

const char *dorm_field__type_check(const dorm_field *f, char *msg, size_t n) {
    const dorm_field_type *t = f->type;
    if (!t || !t->to_db || !t->from_db || !t->to_c) {
        snprintf(msg, n, "A field of a custom type needs its dorm_field_type with to_db, from_db and to_c.");
        return "dorm.E026";
    }
    if (!type_name_ok(t->name)) {
        snprintf(msg, n, "The field type name '%s' is not letters, digits, '_' and '.'.", t->name ? t->name : "");
        return "dorm.E026";
    }
    if (!internal_ok(t->internal)) {
        snprintf(msg, n, "The field type %s stores a %s: its internal kind must be one a plain field has.", t->name,
                 dorm_kind__name(t->internal));
        return "dorm.E026";
    }
    if (f->size != t->size) {
        snprintf(msg, n, "The member is %zu bytes; the field type %s takes %zu.", f->size, t->name, t->size);
        return "dorm.E027";
    }
    bool typed = t->db_type || t->db_types;
    if (t->internal == DORM_KIND_CHAR && !typed && f->max_length == 0) {
        snprintf(msg, n, "CharFields must define a 'max_length' attribute.");
        return "fields.E120";
    }
    return NULL;
}

const char *dorm_custom__db_type(const dorm_field *f, const char *vendor) {
    const dorm_field_type *t = f->type;
    for (const dorm_db_type *d = t ? t->db_types : NULL; d && d->vendor; d++)
        if (vendor && strcmp(d->vendor, vendor) == 0) return d->type;
    return t && t->db_type ? t->db_type(f, vendor) : NULL;
}

dorm_value dorm_custom__to_db(const dorm_fmeta *fm, const void *member, dorm_ctx *cx) {
    dorm_value v = fm->f->type->to_db(member, cx);
    if (v.type == DORM_T_NONE && cx && !cx->err) dorm_ctx_fail(cx, DORM_ENOMEM, "out of memory");
    return v;
}

int dorm_custom__from_db(const dorm_fmeta *fm, const dorm_value *v, void *member, dorm_ctx *cx) {
    if (v->type == DORM_T_CUSTOM) {
        memcpy(member, v->u.p, fm->f->size);
        return DORM_OK;
    }
    int rc = fm->f->type->from_db(v, member, cx);
    if (rc && cx && !cx->err)
        dorm_ctx_fail(cx, rc, "The field type %s cannot read the value of %s.", fm->f->type->name, fm->f->name);
    return rc;
}

const dorm_field_type *dorm_field__type_find(const dorm_app *const *apps, const char *name) {
    for (size_t i = 0; apps && apps[i]; i++) {
        for (size_t k = 0; apps[i]->field_types && apps[i]->field_types[k]; k++)
            if (apps[i]->field_types[k]->name && strcmp(apps[i]->field_types[k]->name, name) == 0)
                return apps[i]->field_types[k];
        for (size_t j = 0; apps[i]->models && apps[i]->models[j]; j++)
            for (const dorm_field *f = apps[i]->models[j]->fields; f && f->name; f++)
                if (f->kind == DORM_KIND_CUSTOM && f->type && f->type->name && strcmp(f->type->name, name) == 0)
                    return f->type;
    }
    return NULL;
}
