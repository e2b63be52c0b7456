/* tenant.c - multi-tenancy: binding a context to a tenant schema (the name
 * validated here, quoted by the dialect, applied per session or per
 * transaction by the connection), creating one, and the row-level tenant
 * scope that filters every query of the scoped models. */
#include <string.h>

#include "exec/route.h"
#include "core/alloc.h"

/* An identifier PostgreSQL takes as a schema name: Django's rule for
 * names, and not the reserved pg_ prefix. */
static int check_schema(dorm_ctx *cx, const char *s) {
    size_t n = s ? strlen(s) : 0;
    bool ok = n > 0 && n <= 63 && !(s[0] >= '0' && s[0] <= '9') && strncmp(s, "pg_", 3) != 0;
    for (size_t i = 0; ok && i < n; i++)
        ok =
            (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_';
    if (!ok)
        return dorm_ctx_fail(
            cx, DORM_EVALUE,
            "Invalid schema name '%.80s': use letters, digits and '_' (at most 63, not starting with a "
            "digit or pg_).",
            s ? s : "");
    if (!cx->db || !cx->db->dialect->search_path_sql)
        return dorm_ctx_fail(cx, DORM_ENOTSUPPORTED, "This database backend (%s) has no schemas.",
                             cx->db ? cx->db->drv->vendor : "none");
    return 0;
}

/* The schema of one connection (a copy it owns). */
static int bind_db(dorm_ctx *cx, dorm_db *db, const char *schema) {
    char *copy = schema ? dorm_mem__strdup(schema) : NULL;
    if (schema && !copy) return dorm_ctx_fail(cx, DORM_ENOMEM, "out of memory");
    dorm_mem__free(db->schema);
    db->schema = copy;
    return 0;
}

int dorm_ctx_set_schema(dorm_ctx *cx, const char *schema) {
    if (!cx) return DORM_ENOMEM;
    dorm_error_clear(cx);
    int rc = schema ? check_schema(cx, schema) : 0;
    if (rc) return rc;
    const char *kept = schema ? dorm_strdup(cx, schema) : NULL;
    if (schema && !kept) return DORM_ENOMEM;
    cx->schema = kept;
    if (!cx->conns) return bind_db(cx, cx->db, schema);
    for (int i = 0; i < cx->nconns && !rc; i++)
        if (cx->conns[i]) rc = bind_db(cx, cx->conns[i], schema);
    return rc;
}

const char *dorm_ctx_schema(const dorm_ctx *cx) { return cx ? cx->schema : NULL; }

int dorm_schema_create(dorm_ctx *cx, const char *schema) {
    if (!cx) return DORM_ENOMEM;
    dorm_error_clear(cx);
    dorm_route r;
    int rc = dorm_route__use(cx, &r);
    if (rc) return rc;
    rc = check_schema(cx, schema);
    if (!rc) {
        dorm_buf sql = DORM_BUF_INIT;
        dorm_buf_puts(&sql, "CREATE SCHEMA IF NOT EXISTS ");
        dorm_buf_quote(&sql, cx->db->dialect->quote, schema);
        rc = sql.failed ? dorm_ctx_fail(cx, DORM_ENOMEM, "out of memory") : dorm_exec__ddl(sql.data, cx);
        dorm_buf_free(&sql);
    }
    dorm_route__leave(cx, &r);
    return rc;
}

/* ---- row-level scope -------------------------------------------------------- */

int dorm_databases_set_tenant_scope(dorm_databases *dbs, const dorm_tenant_scope *scopes) {
    if (!dbs) return DORM_ENOMEM;
    size_t n = 0;
    while (scopes && scopes[n].model) n++;
    dorm_tenant_scope *copy = dorm_mem__calloc(n + 1, sizeof *copy);
    if (!copy) return DORM_ENOMEM;
    if (n) memcpy(copy, scopes, sizeof *copy * n);
    dorm_mem__free(dbs->scopes);
    dbs->scopes = copy;
    return 0;
}

int dorm_ctx_set_tenant(dorm_ctx *cx, dorm_value tenant) {
    if (!cx) return DORM_ENOMEM;
    if (tenant.type != DORM_T_INT && tenant.type != DORM_T_TEXT)
        return dorm_ctx_fail(cx, DORM_EVALUE, "A tenant is an integer key or a text.");
    if (tenant.type == DORM_T_TEXT) {
        tenant.u.s = dorm_strdup(cx, tenant.u.s);
        tenant.len = DORM_STRLEN;
        if (!tenant.u.s) return DORM_ENOMEM;
    }
    cx->tenant = tenant;
    cx->has_tenant = true;
    return 0;
}

/* The scope of a model in cx's set, or NULL. */
static const dorm_tenant_scope *scope_of(const dorm_ctx *cx, const dorm_model *model) {
    if (!cx->dbs || !cx->dbs->scopes) return NULL;
    for (const dorm_tenant_scope *s = cx->dbs->scopes; s->model; s++)
        if (s->model == model) return s;
    return NULL;
}

static int no_tenant(dorm_ctx *cx, const dorm_model *model) {
    return dorm_ctx_fail(cx, DORM_EPOLICY,
                         "%s is scoped by tenant and was queried without a tenant: call dorm_ctx_set_tenant() first.",
                         model->name);
}

int dorm_tenant__filter(dorm_qs *qs) {
    dorm_ctx *cx = qs->cx;
    const dorm_tenant_scope *s = qs->meta ? scope_of(cx, qs->meta->model) : NULL;
    if (!s || qs->tenant_filtered) return 0;
    if (!cx->has_tenant) return no_tenant(cx, s->model);
    const dorm_q cond = {DORM_Q_LEAF, s->field, cx->tenant, NULL};
    int rc = dorm_where__add(qs, (const dorm_q *const[]){&cond, NULL}, false);
    if (rc) return dorm_errcode(cx) ? dorm_errcode(cx) : rc;
    qs->tenant_filtered = true;
    return 0;
}

int dorm_tenant__check(dorm_ctx *cx, void *obj) {
    const dorm_object *h = obj;
    const dorm_tenant_scope *s = h ? scope_of(cx, h->model) : NULL;
    if (!s) return 0;
    if (!cx->has_tenant) return no_tenant(cx, s->model);
    const dorm_fmeta *fm = dorm_meta__field(h->meta, s->field);
    if (!fm) return dorm_ctx_fail(cx, DORM_EFIELD, "%s has no field named '%s'", s->model->name, s->field);
    dorm_value v = dorm_field__get(obj, fm);
    bool unset = v.type == DORM_T_NULL || (v.type == DORM_T_INT && v.u.i == 0) ||
        (v.type == DORM_T_TEXT && (!v.u.s || !v.u.s[0]));
    if (unset) {
        dorm_value t = cx->tenant;
        return dorm_field__set(obj, fm, &t) ? dorm_errcode(cx) : 0;
    }
    if (dorm_value_equal(&v, &cx->tenant)) return 0;
    return dorm_ctx_fail(cx, DORM_EPOLICY,
                         "This %s belongs to another tenant: a context of one tenant cannot write it.", s->model->name);
}
