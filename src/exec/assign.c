/* assign.c - setting a field from a value of any type, as Django's
 * setattr(obj, name, field.to_python(value)) does it: text parsed into
 * numbers, dates and the rest, and a value the field cannot take refused
 * with the ValidationError full_clean would report ("age: “abc” value must
 * be an integer."). */
#include <string.h>

#include "exec/route.h"
#include "model/messages.h"

/* Django's date_re: the shape of a date, whatever its numbers say. */
static bool date_shaped(const dorm_value *v) {
    if (v->type != DORM_T_TEXT) return false;
    const char *s = v->u.s;
    size_t n = v->len == DORM_STRLEN ? strlen(s) : v->len, i = 0;
    for (int part = 0; part < 3; part++) {
        size_t start = i, want = part == 0 ? 4 : 2;
        while (i < n && s[i] >= '0' && s[i] <= '9' && i - start < want) i++;
        if (i == start || (part == 0 && i - start != 4)) return false;
        if (part < 2 && (i >= n || s[i++] != '-')) return false;
    }
    return i == n;
}

/* The to_python message of a value the field refused (Django's
 * error_messages 'invalid', or 'invalid_date' for a well-formed date that
 * is not one). */
static int refuse(dorm_ctx *cx, const dorm_fmeta *fm, dorm_kind kind, const dorm_value *v) {
    /* A program's type worded its own refusal (its to_c's message). */
    const char *tmpl = fm->f->kind == DORM_KIND_CUSTOM ? NULL : dorm_kind__invalid_message(kind);
    if (kind == DORM_KIND_DATE && date_shaped(v))
        tmpl = "\xe2\x80\x9c%(value)s\xe2\x80\x9d value has the correct format (YYYY-MM-DD) but it is an invalid date.";
    if (!tmpl) return dorm_ctx_fail(cx, DORM_EVALIDATION, "%s: %s", fm->f->name, dorm_errmsg(cx));
    const char *msg = dorm_message__format(cx, tmpl, &(dorm_msg_params){v, NULL, 0});
    if (!msg) return DORM_ENOMEM;
    return dorm_ctx_fail(cx, DORM_EVALIDATION, "%s: %s", fm->f->name, msg);
}

int dorm_field_assign_(void *obj, const char *name, dorm_value value) {
    dorm_object *h = obj;
    if (!h || !h->meta) return DORM_EVALUE;
    dorm_ctx *cx = h->cx;
    dorm_error_clear(cx);
    const dorm_meta *m = h->meta;
    const dorm_fmeta *fm = name ? dorm_meta__field(m, name) : NULL;
    if (!fm) return dorm_ctx_fail(cx, DORM_EFIELD, "%s has no field named '%s'", m->model->name, name ? name : "");
    const dorm_meta *om = value.type == DORM_T_OBJECT ? dorm_meta_of_obj(value.u.p) : NULL;
    if (om && fm->f->kind == DORM_KIND_FK && om != fm->target) {
        /* Django's descriptor, with the repr of a model instance. */
        return dorm_ctx_fail(cx, DORM_EVALUE, "Cannot assign \"<%s: %s>\": \"%s.%s\" must be a \"%s\" instance.",
                             om->model->name, dorm_obj_str(value.u.p), m->model->name, fm->f->name,
                             fm->target ? fm->target->model->name : "?");
    }
    if (om && fm->f->kind == DORM_KIND_FK && dorm_route__relation(obj, value.u.p)) return DORM_EVALUE;
    dorm_value v;
    int rc = dorm_prep__value(cx, fm, fm->value_kind, &value, &v);
    if (rc == DORM_ENOMEM) return rc;
    /* An unsaved related object is not a parse error: its message stands. */
    if (rc && value.type == DORM_T_OBJECT) return rc;
    if (rc) return refuse(cx, fm, fm->value_kind, &value);
    if (dorm_field__set(obj, fm, &v)) return refuse(cx, fm, fm->value_kind, &value);
    /* book.author = a also caches the object, as Django's descriptor. */
    if (fm->f->kind == DORM_KIND_FK && value.type == DORM_T_OBJECT)
        *dorm_fk_cache(dorm_member(obj, fm), fm) = (void *)value.u.p;
    return DORM_OK;
}
