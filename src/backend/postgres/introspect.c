/* introspect.c - PostgreSQL's tables for inspectdb, from the catalogs of the
 * current schema: columns (information_schema), the primary key's columns,
 * and single-column unique and foreign key constraints (pg_constraint). */
#include <stdlib.h>
#include <string.h>

#include "backend/introspect.h"
#include "backend/postgres/postgres.h"

typedef dorm_introspect_list job;

/* column_name, data_type, is_nullable, character_maximum_length,
 * numeric_precision, numeric_scale, column_default */
static void column_row(dorm_db *db, dorm_stmt *st, void *payload) {
    job *j = payload;
    dorm_icolumn *c =
        dorm_icolumn__add(j->cx, j->t, dorm_introspect__text(db, st, 0), dorm_introspect__text(db, st, 1));
    if (!c) {
        j->rc = DORM_ENOMEM;
        return;
    }
    dorm_icolumn__guess(c);
    c->null = strcmp(dorm_introspect__text(db, st, 2), "YES") == 0;
    if (c->kind == DORM_KIND_CHAR) c->max_length = atoi(dorm_introspect__text(db, st, 3));
    if (c->kind == DORM_KIND_DECIMAL) {
        c->max_digits = atoi(dorm_introspect__text(db, st, 4));
        c->decimal_places = atoi(dorm_introspect__text(db, st, 5));
    }
    /* A serial column is an auto key. */
    if (strncmp(dorm_introspect__text(db, st, 6), "nextval(", 8) == 0)
        c->kind = c->kind == DORM_KIND_BIGINT ? DORM_KIND_BIGAUTO : DORM_KIND_AUTO;
}

/* attname, contype, referenced table, referenced column */
static void constraint_row(dorm_db *db, dorm_stmt *st, void *payload) {
    job *j = payload;
    dorm_icolumn *c = dorm_itable__column(j->t, dorm_introspect__text(db, st, 0));
    const char *type = dorm_introspect__text(db, st, 1);
    if (!c) return;
    if (type[0] == 'p') c->primary_key = true;
    if (type[0] == 'u') c->unique = true;
    if (type[0] == 'f') {
        c->ref_table = dorm_strdup(j->cx, dorm_introspect__text(db, st, 2));
        c->ref_column = dorm_strdup(j->cx, dorm_introspect__text(db, st, 3));
    }
}

int dorm_pg__introspect(dorm_ctx *cx, dorm_itable **tables, size_t *n) {
    *tables = NULL;
    *n = 0;
    job j = {cx, tables, n, NULL, 0};
    dorm_errbuf e = {0, ""};
    if (dorm_db__query(cx->db,
                       "SELECT c.relname FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace "
                       "WHERE c.relkind IN ('r', 'p') AND s.nspname = current_schema() ORDER BY 1",
                       NULL, 0, dorm_introspect__table_row, &j, &e) < 0)
        return dorm_fail__errbuf(cx, &e);
    for (size_t i = 0; !j.rc && i < *n; i++) {
        j.t = &(*tables)[i];
        dorm_value name = dorm_v_text(j.t->name);
        if (dorm_db__query(cx->db,
                           "SELECT column_name, data_type, is_nullable, character_maximum_length, numeric_precision, "
                           "numeric_scale, column_default FROM information_schema.columns WHERE table_schema = "
                           "current_schema() AND table_name = $1 ORDER BY ordinal_position",
                           &name, 1, column_row, &j, &e) < 0 ||
            dorm_db__query(cx->db,
                           "SELECT a.attname, c.contype, coalesce(r.relname, ''), coalesce(ra.attname, '') "
                           "FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace s ON "
                           "s.oid = t.relnamespace JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = "
                           "ANY(c.conkey) LEFT JOIN pg_class r ON r.oid = c.confrelid LEFT JOIN pg_attribute ra ON "
                           "ra.attrelid = c.confrelid AND ra.attnum = c.confkey[1] WHERE t.relname = $1 AND "
                           "s.nspname = current_schema() AND (c.contype = 'p' OR (array_length(c.conkey, 1) = 1 "
                           "AND c.contype IN ('u', 'f')))",
                           &name, 1, constraint_row, &j, &e) < 0)
            return dorm_fail__errbuf(cx, &e);
    }
    return j.rc;
}
