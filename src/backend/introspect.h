/* introspect.h - helpers the backends' introspection (inspectdb) shares. */
#ifndef DORM_BACKEND_INTROSPECT_H
#define DORM_BACKEND_INTROSPECT_H

#include "backend/db.h"
#include "core/ctx.h"

/* A new table / column at the end of the list, in cx's arena; NULL on ENOMEM. */
dorm_itable *dorm_itable__add(dorm_ctx *cx, dorm_itable **tables, size_t *n, const char *name);
dorm_icolumn *dorm_icolumn__add(dorm_ctx *cx, dorm_itable *t, const char *name, const char *type);
dorm_icolumn *dorm_itable__column(dorm_itable *t, const char *name);
/* Column i of the current row as text ("" for NULL). */
const char *dorm_introspect__text(dorm_db *db, dorm_stmt *st, int i);
/* The rows of a statement that lists table names: one dorm_itable each.
 * `payload` is a dorm_introspect_list. */
typedef struct dorm_introspect_list {
    dorm_ctx *cx;
    dorm_itable **tables;
    size_t *n;
    dorm_itable *t; /* the table being read */
    int rc;
} dorm_introspect_list;
void dorm_introspect__table_row(dorm_db *db, dorm_stmt *st, void *payload);
/* Sets kind (and max_length, digits) from the type text ("varchar(100)"). */
void dorm_icolumn__guess(dorm_icolumn *c);

#endif
