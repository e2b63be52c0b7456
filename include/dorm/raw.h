/* dorm/raw.h - raw SQL: Model.objects.raw() mapping the rows of a SELECT
 * you write onto a model, and a cursor (Django's connection.cursor()) to run
 * any statement with parameters.  Both go through the context: statement
 * log, query count and budget, and an atomic block's rollback mark.
 *
 * The SQL text is yours, with Django's placeholders: "%s" for each
 * parameter, "%%" for a percent sign (any other "%" is refused), on every
 * backend.  Parameters are always bound, never pasted into the text, so a
 * value cannot change the statement; building the text itself from
 * untrusted input is what lets SQL be injected, as in Django.
 * SPDX-License-Identifier: MIT (see LICENSE) */
#ifndef DORM_RAW_H
#define DORM_RAW_H

#include "api.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "model.h"
#include "value.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Parameters in place: an array and its length, as two arguments.
 *   dorm_cursor_execute(cur, "... WHERE name = %s AND x > %s", DORM_ARGS(DV("Ann"), DV(3))); */
#define DORM_ARGS(...) \
    (const dorm_value[]){__VA_ARGS__}, (sizeof((const dorm_value[]){__VA_ARGS__}) / sizeof(dorm_value))

/* ---- Model.objects.raw() ---- */

/* A raw query of a model (Django's RawQuerySet).  Building it runs nothing;
 * each dorm_raw_list runs it again, as iterating a RawQuerySet does.  Lives
 * in the context's arena. */
typedef struct dorm_raw dorm_raw;
/* Model.objects.raw(sql, params, translations): result columns map onto
 * fields by column name ("author_id"), after `translations` renames them
 * (pairs, NULL-terminated: DORM_LIST("ident", "id", "full_name", "name")).
 * The primary key must be among them.  Fields with no column are left zero
 * and flagged deferred, as with only() (dorm_is_deferred; C cannot load a
 * member on access: dorm_refresh loads them all).  Columns that are no
 * field become annotations: dorm_annotation(obj, "name_len").  Text
 * parameters are copied.  NULL only when out of memory; other errors show
 * when it runs. */
DORM_API dorm_raw *dorm_raw_query(dorm_ctx *cx, const dorm_model *model, const char *sql, const dorm_value *params,
                         size_t nparams, const char *const *translations);
#define dorm_raw(cx, Model, ...) dorm_raw_query((cx), &Model##_model, __VA_ARGS__)
/* Runs it: the objects, NULL-terminated (arena), *n their number; NULL on
 * error (DORM_EFIELD "Raw query must include the primary key", the
 * database's errors). */
DORM_API void **dorm_raw_list(dorm_raw *r, size_t *n);
#define DORM_EACH_RAW(T, var, r)                                             \
    for (T **var##_it_ = (T **)dorm_raw_list((r), NULL), *var = NULL;      \
         var##_it_ && (var = *var##_it_) != NULL; var##_it_++)
/* The result's column names after translations (RawQuerySet.columns),
 * running the query if it has not run; NULL on error. */
DORM_API const char *const *dorm_raw_columns(dorm_raw *r, size_t *n);
DORM_API const dorm_model *dorm_raw_model(const dorm_raw *r);

/* ---- cursors ---- */

/* A cursor on the context's connection.  Lives in the context's arena, as
 * do the rows it returns; close it when done (a cursor with unread rows
 * holds a running statement). */
typedef struct dorm_cursor dorm_cursor;
/* cursor.description: a result column's name and the kind its values read
 * as in the first row (DORM_KIND_NONE: NULL there, or no row). */
typedef struct dorm_column {
    const char *name;       /* the column's name                          */
    dorm_kind kind;         /* the kind its first row's value reads as    */
} dorm_column;

/* NULL when out of memory. */
DORM_API dorm_cursor *dorm_cursor_new(dorm_ctx *cx);
/* execute(sql, params): runs one statement; rows, if any, are read with the
 * fetch calls.  0 or a negative dorm_error (also on the context). */
DORM_API int dorm_cursor_execute(dorm_cursor *c, const char *sql, const dorm_value *params, size_t nparams);
/* executemany(sql, rows): the statement once per row of `nparams`
 * parameters (params holds nrows * nparams values), all or nothing: in a
 * transaction (a savepoint inside one), unlike Django.  rowcount is the
 * total changed. */
DORM_API int dorm_cursor_executemany(dorm_cursor *c, const char *sql, const dorm_value *params, size_t nparams,
                            size_t nrows);
/* The next row, an array of dorm_cursor_description's length (values typed
 * as its kinds; text in the arena), or NULL at the end (DORM_OK) or on
 * error. */
DORM_API const dorm_value *dorm_cursor_fetchone(dorm_cursor *c);
/* Up to `size` next rows / all the rest, NULL-terminated, *n their number;
 * NULL on error. */
DORM_API const dorm_value *const *dorm_cursor_fetchmany(dorm_cursor *c, size_t size, size_t *n);
DORM_API const dorm_value *const *dorm_cursor_fetchall(dorm_cursor *c, size_t *n);
/* Rows changed by the last execute (summed by executemany); -1 after a
 * statement that returns rows (sqlite3's rowcount; psycopg2 counts them). */
DORM_API int64_t dorm_cursor_rowcount(const dorm_cursor *c);
/* The result's columns (NULL and *n = 0 for a statement without rows). */
DORM_API const dorm_column *dorm_cursor_description(const dorm_cursor *c, size_t *n);
/* Ends the running statement, if any.  Accepts NULL; the cursor may be
 * used again. */
DORM_API void dorm_cursor_close(dorm_cursor *c);

#ifdef __cplusplus
}
#endif

#endif
