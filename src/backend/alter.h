/* alter.h - the schema editor's ALTER side: the statements that turn one
 * table definition into another (Django's alter_field / add_field /
 * remove_field / alter_db_table ...), as ALTER TABLE where the backend can
 * and Django's SQLite table rebuild where it cannot.  Text only. */
#ifndef DORM_BACKEND_ALTER_H
#define DORM_BACKEND_ALTER_H

#include "backend/schema.h"

/* A column renamed between two definitions of a table. */
typedef struct dorm_column_rename {
    const char *from;
    const char *to;
} dorm_column_rename;

/* Emits what turns table `from` into table `to` (another name: a rename).
 * Columns are matched by name after `renames`: only in `from` = dropped,
 * only in `to` = added (existing rows get its `fill`, else NULL), in both =
 * kept, altered where type, NULL, UNIQUE or REFERENCES differ (rows made NOT
 * NULL get `fill` where they were NULL).  Indexes, unique and check
 * constraints are matched by name.  On a dialect without can_alter_columns
 * (SQLite) any change ALTER TABLE cannot make rebuilds the table as Django
 * does (new__<table>, copy, drop, rename, indexes): the caller runs it with
 * foreign key enforcement off, as Django's SQLite schema editor does.
 * 0, emit's non-zero value, DORM_ECONFIG for an incomplete definition,
 * DORM_ENOMEM. */
int dorm_schema__alter_table(const dorm_dialect *d, const dorm_table_def *from, const dorm_table_def *to,
                             const dorm_column_rename *renames, size_t nrenames, dorm_schema_emit emit, void *payload);

#endif
