/* schema.h - DDL text for a table described by a dorm_table_def, spelled
 * through any backend's dialect (Django's BaseDatabaseSchemaEditor.table_sql
 * and _create_index_sql).  Builds text only; the caller runs it. */
#ifndef DORM_BACKEND_SCHEMA_H
#define DORM_BACKEND_SCHEMA_H

#include "dorm/error.h"
#include "dorm/sys/driver.h"

/* Receives one complete statement (no trailing ';'); the text is borrowed
 * for the call.  Returns 0 to go on, anything else to stop. */
typedef int (*dorm_schema_emit)(const char *sql, void *payload);

/* Emits CREATE TABLE "t" (...) with its columns (type, NULL / NOT NULL,
 * PRIMARY KEY or UNIQUE, CHECK, REFERENCES), then the UNIQUE and CHECK table
 * constraints, then one CREATE [UNIQUE] INDEX per entry of t->indexes.  A
 * foreign key's ref_column defaults to "id"; an unnamed unique constraint is
 * written without CONSTRAINT "name".  0; the first non-zero value of emit;
 * DORM_ECONFIG for a definition without a name, columns or index columns (or
 * an index without a name); DORM_ENOMEM. */
int dorm_schema_create_table(const dorm_dialect *d, const dorm_table_def *t, dorm_schema_emit emit, void *payload);
/* Emits DROP TABLE "table".  0, emit's non-zero value, or DORM_ENOMEM. */
int dorm_schema_drop_table(const dorm_dialect *d, const char *table, dorm_schema_emit emit, void *payload);

#endif
