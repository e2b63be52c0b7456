/* display.c - an object as text, Django's str(obj): the model's `str` hook,
 * or the default "<Model> object (<pk>)" that Django's Model.__str__ writes,
 * for messages that quote an object ("<Person: Ann>"); and its type(obj). */
#include "exec/exec.h"
#include "model/messages.h"

const char *dorm_obj_str(const void *obj) {
    const dorm_object *h = obj;
    if (!h || !h->model) return "";
    if (h->model->str) {
        const char *s = h->model->str(obj);
        return s ? s : "";
    }
    dorm_value pk = dorm_pk__is_set(obj) ? dorm_pk__value(obj) : dorm_v_null();
    dorm_buf b = DORM_BUF_INIT;
    dorm_value__str(&b, &pk);
    const char *s = h->cx ? dorm_sprintf(h->cx, "%s object (%s)", h->model->name, b.data ? b.data : "None") : NULL;
    dorm_buf_free(&b);
    return s ? s : "";
}

const dorm_model *dorm_obj_model(const void *obj) { return obj ? ((const dorm_object *)obj)->model : NULL; }
