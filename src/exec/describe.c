/* describe.c - a model's description for programs (Django's Model._meta):
 * its fields as inherited, table, key, ordering, parent and proxy facts. */
#include <string.h>

#include "exec/exec.h"

static const char *const no_names[] = {NULL};

dorm_value dorm_pk_of(const void *obj) {
    if (!obj || !dorm_meta_of_obj(obj)) return dorm_v_null();
    if (!dorm_pk__is_set(obj) && !dorm_fmeta_composite(dorm_meta_of_obj(obj)->pk)) return dorm_v_null();
    return dorm_pk__value(obj);
}

/* The names of a field table's fields, its abstract bases' spliced in. */
static void table_names(const dorm_field *fields, dorm_buf *b, int depth) {
    for (const dorm_field *f = fields; depth < 16 && f && f->name; f++) {
        if (f->kind == DORM_KIND_PARENT && f->to)
            table_names(f->to->fields, b, depth + 1);
        else if (f->kind != DORM_KIND_M2M)
            dorm_buf_printf(b, "%s%s", b->len ? ", " : "", f->name);
    }
}

/* "a, b, c" as a NULL-terminated list in the arena. */
static const char *const *split_names(dorm_ctx *cx, const char *joined) {
    size_t n = *joined ? 1 : 0;
    for (const char *p = joined; *p; p++) n += *p == ',';
    const char **list = dorm_alloc(cx, sizeof(char *) * (n + 1));
    if (!list) return NULL;
    const char *p = joined;
    for (size_t i = 0; i < n; i++) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        char *name = dorm_alloc(cx, len + 1);
        if (!name) return NULL;
        memcpy(name, p, len);
        name[len] = '\0';
        list[i] = name;
        p = end ? end + 2 : p + len;
    }
    list[n] = NULL;
    return list;
}

int dorm_model_describe(dorm_ctx *cx, const dorm_model *model, dorm_model_info *out) {
    if (!cx || !out) return DORM_EVALUE;
    memset(out, 0, sizeof *out);
    dorm_error_clear(cx);
    const dorm_meta *m = model && !model->abstract ? dorm_model__meta(cx, model) : NULL;
    if (!m && (!model || !model->abstract)) return dorm_errcode(cx) ? dorm_errcode(cx) : DORM_ECONFIG;
    dorm_buf b = DORM_BUF_INIT;
    if (m)
        for (int i = 0; i < m->nfields; i++) dorm_buf_printf(&b, "%s%s", i ? ", " : "", m->fields[i].f->name);
    else
        table_names(model->fields, &b, 0);
    out->field_names = dorm_strdup(cx, b.data ? b.data : "");
    dorm_buf_free(&b);
    out->fields = out->field_names ? split_names(cx, out->field_names) : NULL;
    if (!out->fields) return dorm_ctx_fail(cx, DORM_ENOMEM, "out of memory");
    out->abstract = model->abstract;
    out->ordering = no_names;
    if (!m) return DORM_OK;
    out->proxy = m->proxy;
    out->db_table = m->db_table;
    out->pk = m->pk ? m->pk->f->name : NULL;
    if (m->ordering) out->ordering = m->ordering;
    out->concrete = m->concrete->model;
    out->parent = m->parent ? m->parent->model : NULL;
    out->parent_link = m->parent_link ? m->parent_link->f->name : NULL;
    out->default_manager = dorm_default_manager_name(model);
    return DORM_OK;
}
