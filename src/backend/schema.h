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
 * PRIMARY KEY or UNIQUE, CHECK, REFERENCES where the dialect writes foreign
 * keys inline), then the UNIQUE and CHECK table constraints; then, as
 * Django's deferred statements, the unique entries of t->indexes (CREATE
 * UNIQUE INDEX, or ALTER TABLE ADD CONSTRAINT UNIQUE), the foreign keys by
 * ALTER TABLE where not inline, and the other indexes.  A
 * foreign key's ref_column defaults to "id"; an unnamed unique constraint is
 * written without CONSTRAINT "name".  0; the first non-zero value of emit;
 * DORM_ECONFIG for a definition without a name, columns or index columns (or
 * an index without a name); DORM_ENOMEM. */
int dorm_schema__create_table(const dorm_dialect *d, const dorm_table_def *t, dorm_schema_emit emit, void *payload);
/* The same with the statements after CREATE TABLE given to emit_later, which
 * the caller runs once every table of the batch exists (Django's
 * deferred_sql): foreign keys may then point either way between them. */
int dorm_schema__create_table_deferring(const dorm_dialect *d, const dorm_table_def *t, dorm_schema_emit emit,
                                        dorm_schema_emit emit_later, void *payload);
/* A list of statements kept for later: dorm_schema__defer appends one (0 or
 * DORM_ENOMEM); dorm_schema__run_deferred emits them in order and empties the
 * list (0, emit's first non-zero value, or DORM_ENOMEM). */
int dorm_schema__defer(dorm_buf *later, const char *sql);
int dorm_schema__run_deferred(dorm_buf *later, dorm_schema_emit emit, void *payload);
/* Emits DROP TABLE "table".  0, emit's non-zero value, or DORM_ENOMEM. */
int dorm_schema__drop_table(const dorm_dialect *d, const char *table, dorm_schema_emit emit, void *payload);

/* Pieces of the above, for the schema editor (alter.c): */
/* CREATE TABLE without its indexes; `check` is scratch space. */
void dorm_schema__table_sql(dorm_buf *b, dorm_buf *check, const dorm_dialect *d, const dorm_table_def *t);
void dorm_schema__index_sql(dorm_buf *b, const dorm_dialect *d, const char *table, const dorm_index_def *ix);
/* ALTER TABLE "table" ADD [CONSTRAINT "fk_name"] FOREIGN KEY ("col")
 * REFERENCES ... : a foreign key the dialect does not write inline. */
void dorm_schema__fk_sql(dorm_buf *b, const dorm_dialect *d, const char *table, const dorm_column_def *c);
/* ("a", "b" DESC) */
void dorm_schema__column_list(dorm_buf *b, char q, const dorm_index_def *ix);
/* One column definition, with DEFAULT <fill> when the column has one. */
void dorm_schema__column_sql(dorm_buf *b, const dorm_dialect *d, const dorm_column_def *c);
/* The type of a column: its db_type, else the dialect's for its kind. */
void dorm_schema__column_type(dorm_buf *b, const dorm_dialect *d, const dorm_column_def *c);
/* A value in DDL (a column's fill, a check constraint's constant), as
 * Django's schema editor quotes it: dorm_buf_literal, but a duration
 * where the database has an interval type is psycopg2's interval text
 * with the dialect's cast ('0 days 5400.000000 seconds'::interval). */
void dorm_schema__literal(dorm_buf *b, const dorm_dialect *d, const dorm_value *v);
/* Whether a definition is complete enough to write. */
bool dorm_schema__valid(const dorm_table_def *t);

#endif
