/* sqlite.h - what the files of the SQLite backend share: the driver and
 * dialect objects and the registration of the SQL functions dorm's SQL
 * calls on SQLite (regexp, dorm_extract). */
#ifndef DORM_BACKEND_SQLITE_H
#define DORM_BACKEND_SQLITE_H

#include <sqlite3.h>

#include "dorm/error.h"
#include "dorm/sys/driver.h"

/* The SQLite backend (vendor "sqlite", scheme "sqlite"). */
extern const dorm_driver dorm_sqlite_driver;
/* How SQL is spelled for SQLite (Django's sqlite3 DatabaseOperations). */
extern const dorm_dialect dorm_sqlite_dialect;

/* Registers regexp(pattern, value) and dorm_extract(kind, value) on `db`.
 * SQLITE_OK or the SQLite error code of the failed registration. */
int dorm_sqlite__register_functions(sqlite3 *db);
/* djfuncs.c: registers the functions Django's database functions call that
 * SQLite lacks (LPAD, RPAD, REPEAT, REVERSE, MD5, SHA1 ... SHA512, COT, RAND,
 * STDDEV_*, VAR_*). */
int dorm_sqlite__register_django_functions(sqlite3 *db);
/* introspect.c: the database's tables and columns (inspectdb). */
int dorm_sqlite__introspect(struct dorm_ctx *cx, dorm_itable **tables, size_t *n);

#endif
