/* dorm/tenant.h - multi-tenancy: a schema per tenant (PostgreSQL's
 * search_path, set safely for a context) and a row-level tenant scope that
 * adds the tenant's filter to every query of the scoped models and refuses
 * those made without a tenant.
 * SPDX-License-Identifier: MIT (see LICENSE) */
#ifndef DORM_TENANT_H
#define DORM_TENANT_H

#include "api.h"

#include "databases.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Binds the context to the tenant schema `schema` (NULL: unbinds it): every
 * statement of its connections runs with search_path set to that schema,
 * then public (django-tenants' "tenant", public; "public" alone for
 * public), so the models' tables, migrations and dorm_migrations are the
 * tenant's, while public's extensions (pgcrypto) and the tables only public
 * has are found.  Create the schema first (dorm_schema_create): PostgreSQL
 * skips a missing one and would create the tables in public.  The name must be an identifier ([A-Za-z_][A-Za-z0-9_]*, at
 * most 63 characters, not pg_...); the dialect quotes it, nothing is pasted.
 * On a direct connection or a pool the setting is made once per server
 * session (again after a reconnection); behind a transaction pooler
 * (pooler=transaction in the URL) it is SET LOCAL at the start of each
 * transaction, and a statement outside an atomic block is refused with
 * DORM_ETRANSACTION.  A context made by dorm_ctx_new binds its connection,
 * which other contexts on it share.  0, DORM_EVALUE (a bad name) or
 * DORM_ENOTSUPPORTED (a backend without schemas: SQLite). */
DORM_API int dorm_ctx_set_schema(dorm_ctx *cx, const char *schema);
/* The schema the context is bound to, or NULL. */
DORM_API const char *dorm_ctx_schema(const dorm_ctx *cx);
/* CREATE SCHEMA IF NOT EXISTS for a new tenant, on the alias in use.  The
 * name is checked as above.  0 or a negative error on cx. */
DORM_API int dorm_schema_create(dorm_ctx *cx, const char *schema);

/* A row-level scope: `model`'s rows belong to the tenant in `field` (a
 * ForeignKey or a plain field). */
typedef struct dorm_tenant_scope {
    const dorm_model *model;    /* the scoped model                        */
    const char *field;          /* its field naming the tenant             */
} dorm_tenant_scope;
/* Declares the scoped models of the set (a {NULL, NULL}-terminated list,
 * copied; fields are checked when first used).  Contexts on the set then
 * add `field = <their tenant>` to every query of those models (reads,
 * update(), delete(), related managers, prefetch, the delete collector),
 * give new objects their tenant, refuse to save or delete an object of
 * another tenant, and refuse every query of a scoped model until
 * dorm_ctx_set_tenant was called (DORM_EPOLICY: "... without a tenant").
 * 0 or DORM_ENOMEM. */
DORM_API int dorm_databases_set_tenant_scope(dorm_databases *dbs, const dorm_tenant_scope *scopes);
/* The context's tenant: the value the scope's fields must hold (an integer
 * key or text, copied).  0, or DORM_EVALUE for another kind of value. */
DORM_API int dorm_ctx_set_tenant(dorm_ctx *cx, dorm_value tenant);

#ifdef __cplusplus
}
#endif

#endif
