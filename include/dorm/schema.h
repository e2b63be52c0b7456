/* dorm/schema.h - creating and dropping the tables, indexes and constraints of
 * registered models (Django's schema_editor().create_model / delete_model),
 * and the names of the tables a database holds.
 * SPDX-License-Identifier: MIT (see LICENSE) */
#ifndef DORM_SCHEMA_H
#define DORM_SCHEMA_H

#include "api.h"

#include "db.h"

#ifdef __cplusplus
extern "C" {
#endif

/* CREATE TABLE (with its indexes and constraints) for each model of the
 * NULL-terminated list, in one transaction.  0 or a negative dorm_error; on
 * error nothing is created. */
DORM_API int dorm_create_tables(dorm_ctx *cx, const dorm_model *const *models);
/* DROP TABLE for each model of the list, in one transaction. */
DORM_API int dorm_drop_tables(dorm_ctx *cx, const dorm_model *const *models);
/* Every table of every registered model, in dependency order. */
DORM_API int dorm_create_all(dorm_ctx *cx);
/* The DDL statements of a model's table, ";\n"-separated, in the arena. */
DORM_API const char *dorm_create_table_sql(dorm_ctx *cx, const dorm_model *model);
/* connection.introspection.table_names(): the names of the tables in the
 * database of the alias in use (dorm_ctx_use; on PostgreSQL its current
 * schema), sorted, NULL-terminated, in the arena; *n (may be NULL) gets
 * their number.  NULL on error (DORM_ENOTSUPPORTED for a backend that
 * cannot list them). */
DORM_API const char *const *dorm_table_names(dorm_ctx *cx, size_t *n);

#ifdef __cplusplus
}
#endif

#endif
