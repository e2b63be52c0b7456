/* managers.c - a model's managers (Django's Model.objects, _default_manager,
 * _base_manager): the QuerySet each starts from (its get_queryset) and the
 * QuerySet class it gives, and the delete() calls that dispatch to the
 * overrides of a QuerySet class and of a model. */
#include <string.h>

#include "exec/exec.h"

/* The QuerySet a manager starts from: `qs` (every row) of the manager's
 * class, narrowed by its get_queryset. */
static dorm_qs *start(dorm_qs *qs, const dorm_manager *mg) {
    if (!qs || qs->err || !mg) return qs;
    qs->klass = mg->qs_class;
    if (!mg->get_queryset) return qs;
    const dorm_meta *m = qs->meta;
    dorm_qs *got = mg->get_queryset(qs);
    if (!got)
        return dorm_qs__fail(qs, dorm_errcode(qs->cx) ? dorm_errcode(qs->cx) : DORM_ENOMEM,
                             "The get_queryset of manager '%s' of %s returned no QuerySet.", mg->name, m->model->name);
    if (!got->err && got->meta != m)
        return dorm_qs__fail(qs, DORM_EVALUE, "The get_queryset of manager '%s' of %s returned a QuerySet of %s.",
                             mg->name, m->model->name, got->meta->model->name);
    return got;
}

dorm_qs *dorm_qs_default(dorm_ctx *cx, const dorm_model *model) {
    dorm_qs *qs = dorm_qs_all(cx, model);
    return qs && !qs->err ? start(qs, qs->meta->default_manager) : qs;
}

dorm_qs *dorm_qs_base(dorm_ctx *cx, const dorm_model *model) {
    dorm_qs *qs = dorm_qs_all(cx, model);
    return qs && !qs->err ? start(qs, qs->meta->base_manager) : qs;
}

dorm_qs *dorm_qs_manager(dorm_ctx *cx, const dorm_model *model, const char *name) {
    const dorm_manager *mg = model && name ? dorm_model__manager(model, name) : NULL;
    /* A model without managers has Django's automatic "objects". */
    bool automatic = model && !dorm_model__manager(model, NULL) && name && strcmp(name, "objects") == 0;
    dorm_qs *qs = dorm_qs_all(cx, model);
    if (!qs || qs->err || mg || automatic) return start(qs, mg);
    return dorm_qs__fail(qs, DORM_EVALUE, "type object '%s' has no attribute '%s'", model->name, name ? name : "");
}

const dorm_qs_class *dorm_qs_class_of(const dorm_qs *qs) { return qs ? qs->klass : NULL; }

const char *dorm_default_manager_name(const dorm_model *model) {
    const dorm_manager *mg = model ? dorm_model__manager(model, dorm_model__default_manager_name(model)) : NULL;
    return mg ? mg->name : "objects";
}

int dorm_qs_delete(dorm_qs *qs, dorm_deleted *out) {
    if (qs && !qs->err && qs->klass && qs->klass->delete_fn) {
        dorm_error_clear(qs->cx);
        return qs->klass->delete_fn(qs, out);
    }
    return dorm_qs_base_delete(qs, out);
}

int dorm_delete(void *obj, dorm_deleted *out) {
    const dorm_object *h = obj;
    if (h && h->model && h->model->delete_fn) {
        dorm_error_clear(h->cx);
        return h->model->delete_fn(obj, out);
    }
    return dorm_base_delete(obj, out);
}
