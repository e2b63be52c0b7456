/* writer.c - migration files written as JSON (file.c reads them), keys in
 * a stable order, and a field's canonical JSON that the autodetector
 * compares. */
#include <string.h>

#include "core/ctx.h"
#include "migrate/migration.h"
#include "model/custom.h"
#include "core/alloc.h"
#include "core/json.h"

static json_t *list_json(const char *const *l) {
    json_t *a = json_array();
    for (size_t i = 0; l && l[i]; i++) json_array_append_new(a, json_string(l[i]));
    return a;
}

static json_t *value_json(const dorm_value *v) {
    char tmp[DORM_FMT_MAX];
    switch (v->type) {
    case DORM_T_TEXT: return json_stringn(v->u.s, v->len == DORM_STRLEN ? strlen(v->u.s) : v->len);
    case DORM_T_INT: return json_integer(v->u.i);
    case DORM_T_FLOAT: return json_real(v->u.f);
    case DORM_T_BOOL: return json_boolean(v->u.b);
    case DORM_T_DECIMAL: dorm_decimal_format(v->u.dec, tmp); return json_string(tmp);
    case DORM_T_DATE: dorm_date_format(v->u.date, tmp); return json_string(tmp);
    case DORM_T_DATETIME: dorm_datetime_format(v->u.dt, tmp); return json_string(tmp);
    case DORM_T_TIME: dorm_time_format(v->u.time, tmp); return json_string(tmp);
    case DORM_T_UUID: dorm_uuid_format(v->u.uuid, tmp); return json_string(tmp);
    case DORM_T_DURATION: dorm_duration_format(v->u.dur, tmp); return json_string(tmp);
    default: return json_null();
    }
}

static json_t *field_json(const dorm_fstate *fs) {
    const dorm_field *f = &fs->f;
    json_t *o = json_object();
    const char *type = f->kind == DORM_KIND_FK && f->one_to_one ? "OneToOneField" : dorm_field__class(f);
    json_object_set_new(o, "type", json_string(type));
    if (f->primary_key) json_object_set_new(o, "primary_key", json_true());
    if (f->max_length) json_object_set_new(o, "max_length", json_integer(f->max_length));
    if (f->max_digits) json_object_set_new(o, "max_digits", json_integer(f->max_digits));
    if (f->decimal_places) json_object_set_new(o, "decimal_places", json_integer(f->decimal_places));
    if (f->null) json_object_set_new(o, "null", json_true());
    if (f->blank) json_object_set_new(o, "blank", json_true());
    if (f->unique && !f->one_to_one && !f->primary_key) json_object_set_new(o, "unique", json_true());
    if (dorm_field_db_index(f) != (f->kind == DORM_KIND_FK || f->kind == DORM_KIND_SLUG))
        json_object_set_new(o, "db_index", json_boolean(dorm_field_db_index(f)));
    if (f->db_column) json_object_set_new(o, "db_column", json_string(f->db_column));
    if (f->default_value.type != DORM_T_NONE) json_object_set_new(o, "default", value_json(&f->default_value));
    if (fs->default_now) json_object_set_new(o, "default", json_pack("{ss}", "callable", "timezone.now"));
    if (fs->default_callable) json_object_set_new(o, "default_callable", json_true());
    if (f->auto_now) json_object_set_new(o, "auto_now", json_true());
    if (f->auto_now_add) json_object_set_new(o, "auto_now_add", json_true());
    if (f->not_editable) json_object_set_new(o, "editable", json_false());
    if (fs->to) json_object_set_new(o, "to", json_string(fs->to));
    if (f->on_delete) json_object_set_new(o, "on_delete", json_string(dorm_on_delete_names[f->on_delete]));
    if (f->related_name) json_object_set_new(o, "related_name", json_string(f->related_name));
    if (f->related_query_name) json_object_set_new(o, "related_query_name", json_string(f->related_query_name));
    if (f->to_field) json_object_set_new(o, "to_field", json_string(f->to_field));
    if (f->no_db_constraint) json_object_set_new(o, "db_constraint", json_false());
    if (fs->through) json_object_set_new(o, "through", json_string(fs->through));
    if (f->db_table) json_object_set_new(o, "db_table", json_string(f->db_table));
    if (f->asymmetrical) json_object_set_new(o, "symmetrical", json_false());
    if (f->parent_link) json_object_set_new(o, "parent_link", json_true());
    if (f->pk_fields) json_object_set_new(o, "fields", list_json(f->pk_fields));
    /* Django's FileField deconstructs upload_to (a function: not data). */
    if (f->upload_to) json_object_set_new(o, "upload_to", json_string(f->upload_to));
    if (f->width_field) json_object_set_new(o, "width_field", json_string(f->width_field));
    if (f->height_field) json_object_set_new(o, "height_field", json_string(f->height_field));
    return o;
}

/* The JSON text of a value built while jansson's calls were unchecked:
 * NULL (DORM_ENOMEM on cx) when any allocation since `failures` failed, as
 * a member may then be missing.  `newline` ends the text with one.  Frees j. */
static char *dumped(dorm_ctx *cx, json_t *j, size_t flags, unsigned long failures, bool newline) {
    char *s = j ? json_dumps(j, flags) : NULL;
    json_decref(j);
    char *r = s && dorm_mem__failures() == failures ? dorm_sprintf(cx, newline ? "%s\n" : "%s", s) : NULL;
    dorm_mem__free(s);
    if (!r) dorm_ctx_fail(cx, DORM_ENOMEM, "out of memory (writing JSON)");
    return r;
}

char *dorm_fstate__dump(dorm_ctx *cx, const dorm_fstate *f) {
    dorm_json__init();
    unsigned long failures = dorm_mem__failures();
    return dumped(cx, field_json(f), JSON_PRESERVE_ORDER | JSON_COMPACT, failures, false);
}

static json_t *q_json(const dorm_q *q) {
    json_t *o = json_object();
    if (q->kind == DORM_Q_LEAF) {
        json_object_set_new(o, "path", json_string(q->path));
        json_object_set_new(o, "value", value_json(&q->value));
        return o;
    }
    json_t *a = json_array();
    for (size_t i = 0; q->children && q->children[i]; i++) json_array_append_new(a, q_json(q->children[i]));
    json_object_set_new(o, q->kind == DORM_Q_AND ? "and" : q->kind == DORM_Q_OR ? "or" : "not", a);
    return o;
}

static json_t *constraint_json(const dorm_constraint *k) {
    json_t *o = json_object();
    json_object_set_new(o, "type",
                        json_string(k->kind == DORM_CONSTRAINT_UNIQUE ? "UniqueConstraint" : "CheckConstraint"));
    json_object_set_new(o, "name", json_string(k->name));
    if (k->kind == DORM_CONSTRAINT_UNIQUE)
        json_object_set_new(o, "fields", list_json(k->fields));
    else
        json_object_set_new(o, "check", q_json(k->check));
    return o;
}

char *dorm_constraint__dump(dorm_ctx *cx, const dorm_constraint *k) {
    dorm_json__init();
    unsigned long failures = dorm_mem__failures();
    return dumped(cx, constraint_json(k), JSON_PRESERVE_ORDER | JSON_COMPACT, failures, false);
}

static json_t *together_json(const char *const *const *ut) {
    json_t *a = json_array();
    for (size_t i = 0; ut && ut[i]; i++) json_array_append_new(a, list_json(ut[i]));
    return a;
}

static json_t *options_json(const dorm_mstate *m, bool schema) {
    json_t *o = json_object();
    if (schema && m->db_table) json_object_set_new(o, "db_table", json_string(m->db_table));
    if (m->ordering) json_object_set_new(o, "ordering", list_json(m->ordering));
    if (m->verbose_name) json_object_set_new(o, "verbose_name", json_string(m->verbose_name));
    if (m->verbose_name_plural) json_object_set_new(o, "verbose_name_plural", json_string(m->verbose_name_plural));
    if (m->get_latest_by) json_object_set_new(o, "get_latest_by", json_string(m->get_latest_by));
    if (schema && m->indexes && m->indexes[0].fields) {
        json_t *a = json_array();
        for (size_t i = 0; m->indexes[i].fields; i++) {
            json_t *ix = json_object();
            json_object_set_new(ix, "fields", list_json(m->indexes[i].fields));
            json_object_set_new(ix, "name", m->indexes[i].name ? json_string(m->indexes[i].name) : json_null());
            json_array_append_new(a, ix);
        }
        json_object_set_new(o, "indexes", a);
    }
    if (schema && m->unique_together && m->unique_together[0])
        json_object_set_new(o, "unique_together", together_json(m->unique_together));
    if (schema && m->constraints && m->constraints[0].kind) {
        json_t *a = json_array();
        for (size_t i = 0; m->constraints[i].kind; i++) json_array_append_new(a, constraint_json(&m->constraints[i]));
        json_object_set_new(o, "constraints", a);
    }
    return o;
}

static json_t *op_json(const dorm_op *op) {
    json_t *o = json_object();
    const char *name = dorm_op_names[op->kind];
    json_object_set_new(o, "operation", op->concurrently ? json_sprintf("%sConcurrently", name) : json_string(name));
    switch (op->kind) {
    case DORM_OP_CREATE_MODEL: {
        json_object_set_new(o, "name", json_string(op->create->name));
        json_t *fs = json_array();
        for (int i = 0; i < op->create->nfields; i++)
            json_array_append_new(fs,
                                  json_pack("[so]", op->create->fields[i].f.name, field_json(&op->create->fields[i])));
        json_object_set_new(o, "fields", fs);
        json_t *opts = options_json(op->create, true);
        if (op->create->proxy) json_object_set_new(opts, "proxy", json_true());
        if (json_object_size(opts))
            json_object_set_new(o, "options", opts);
        else
            json_decref(opts);
        if (op->create->bases && op->create->bases[0]) json_object_set_new(o, "bases", list_json(op->create->bases));
        break;
    }
    case DORM_OP_DELETE_MODEL: json_object_set_new(o, "name", json_string(op->model)); break;
    case DORM_OP_RENAME_MODEL:
    case DORM_OP_RENAME_FIELD:
    case DORM_OP_RENAME_INDEX:
        if (op->kind != DORM_OP_RENAME_MODEL) json_object_set_new(o, "model_name", json_string(op->model));
        json_object_set_new(o, "old_name", json_string(op->old_name));
        json_object_set_new(o, "new_name", json_string(op->new_name));
        break;
    case DORM_OP_ALTER_MODEL_TABLE:
        json_object_set_new(o, "name", json_string(op->model));
        json_object_set_new(o, "table", op->table ? json_string(op->table) : json_null());
        break;
    case DORM_OP_ALTER_MODEL_OPTIONS:
        json_object_set_new(o, "name", json_string(op->model));
        json_object_set_new(o, "options", options_json(op->create, false));
        break;
    case DORM_OP_ALTER_UNIQUE_TOGETHER:
        json_object_set_new(o, "name", json_string(op->model));
        json_object_set_new(o, "unique_together", together_json(op->together));
        break;
    case DORM_OP_ADD_FIELD:
    case DORM_OP_ALTER_FIELD:
        json_object_set_new(o, "model_name", json_string(op->model));
        json_object_set_new(o, "name", json_string(op->kind == DORM_OP_ADD_FIELD ? op->field.f.name : op->name));
        json_object_set_new(o, "field", field_json(&op->field));
        if (!op->preserve_default) json_object_set_new(o, "preserve_default", json_false());
        break;
    case DORM_OP_REMOVE_FIELD:
    case DORM_OP_REMOVE_INDEX:
    case DORM_OP_REMOVE_CONSTRAINT:
        json_object_set_new(o, "model_name", json_string(op->model));
        json_object_set_new(o, "name", json_string(op->name));
        break;
    case DORM_OP_ADD_INDEX: {
        json_object_set_new(o, "model_name", json_string(op->model));
        json_t *ix = json_object();
        json_object_set_new(ix, "fields", list_json(op->index.fields));
        json_object_set_new(ix, "name", json_string(op->index.name));
        json_object_set_new(o, "index", ix);
        break;
    }
    case DORM_OP_ADD_CONSTRAINT:
        json_object_set_new(o, "model_name", json_string(op->model));
        json_object_set_new(o, "constraint", constraint_json(&op->constraint));
        break;
    case DORM_OP_RUN_SQL:
        json_object_set_new(o, "sql", list_json(op->sql));
        json_object_set_new(o, "reverse_sql", op->reverse_sql ? list_json(op->reverse_sql) : json_null());
        if (op->elidable) json_object_set_new(o, "elidable", json_true());
        break;
    case DORM_OP_RUN_C:
        json_object_set_new(o, "code", json_string(op->code));
        json_object_set_new(o, "reverse_code", op->reverse_code ? json_string(op->reverse_code) : json_null());
        if (op->elidable) json_object_set_new(o, "elidable", json_true());
        break;
    default: break;
    }
    return o;
}

/* Whether dependency a sorts after b (by app, then name). */
static bool after(const dorm_mig_key *a, const dorm_mig_key *b) {
    int c = strcmp(a->app, b->app);
    return c ? c > 0 : strcmp(a->name, b->name) > 0;
}

char *dorm_migration__dump(dorm_ctx *cx, const dorm_migration *m) {
    dorm_json__init();
    unsigned long failures = dorm_mem__failures();
    json_t *root = json_object();
    if (m->initial) json_object_set_new(root, "initial", json_true());
    if (!m->atomic) json_object_set_new(root, "atomic", json_false());
    /* Sorted, as Django's writer sorts them. */
    json_t *deps = json_array();
    for (int i = 0; i < m->ndeps; i++) {
        size_t at = 0;
        for (int k = 0; k < i; k++) at += !after(&m->deps[k], &m->deps[i]);
        json_array_insert_new(deps, at, json_pack("[ss]", m->deps[i].app, m->deps[i].name));
    }
    json_object_set_new(root, "dependencies", deps);
    if (m->nreplaces) {
        json_t *rep = json_array();
        for (int i = 0; i < m->nreplaces; i++)
            json_array_append_new(rep, json_pack("[ss]", m->replaces[i].app, m->replaces[i].name));
        json_object_set_new(root, "replaces", rep);
    }
    json_t *ops = json_array();
    for (int i = 0; i < m->nops; i++) json_array_append_new(ops, op_json(&m->ops[i]));
    json_object_set_new(root, "operations", ops);
    return dumped(cx, root, JSON_PRESERVE_ORDER | JSON_INDENT(4), failures, true);
}
