/* introspect.c - MySQL/MariaDB tables for inspectdb, from information_schema
 * of the current database: columns with Django's type mapping (its
 * data_types_reverse and get_field_type: auto_increment, UNSIGNED, a
 * JSON_VALID check for MariaDB's json), the primary key's columns,
 * single-column unique keys, and foreign keys. */
#include <stdlib.h>
#include <string.h>

#include "backend/introspect.h"
#include "backend/mysql/conn.h"

typedef dorm_introspect_list job;

/* Django's mysql data_types_reverse, by information_schema's DATA_TYPE.
 * tinyint (a bool) is an IntegerField there too; blobs are BinaryField. */
static dorm_kind kind_of(const char *data_type) {
    static const struct {
        const char *name;
        dorm_kind kind;
    } types[] = {
        {"tinyint", DORM_KIND_INT},     {"smallint", DORM_KIND_SMALLINT}, {"mediumint", DORM_KIND_INT},
        {"int", DORM_KIND_INT},         {"bigint", DORM_KIND_BIGINT},     {"decimal", DORM_KIND_DECIMAL},
        {"float", DORM_KIND_FLOAT},     {"double", DORM_KIND_FLOAT},      {"char", DORM_KIND_CHAR},
        {"varchar", DORM_KIND_CHAR},    {"tinytext", DORM_KIND_TEXT},     {"text", DORM_KIND_TEXT},
        {"mediumtext", DORM_KIND_TEXT}, {"longtext", DORM_KIND_TEXT},     {"json", DORM_KIND_JSON},
        {"tinyblob", DORM_KIND_BINARY}, {"blob", DORM_KIND_BINARY},       {"mediumblob", DORM_KIND_BINARY},
        {"longblob", DORM_KIND_BINARY}, {"binary", DORM_KIND_BINARY},     {"varbinary", DORM_KIND_BINARY},
        {"date", DORM_KIND_DATE},       {"datetime", DORM_KIND_DATETIME}, {"timestamp", DORM_KIND_DATETIME},
        {"time", DORM_KIND_TIME},       {"year", DORM_KIND_INT},          {"enum", DORM_KIND_CHAR},
        {"set", DORM_KIND_CHAR},
    };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strcmp(types[i].name, data_type) == 0) return types[i].kind;
    return DORM_KIND_NONE;
}

/* COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE, CHARACTER_MAXIMUM_LENGTH,
 * NUMERIC_PRECISION, NUMERIC_SCALE, EXTRA */
static void column_row(dorm_db *db, dorm_stmt *st, void *payload) {
    job *j = payload;
    dorm_icolumn *c =
        dorm_icolumn__add(j->cx, j->t, dorm_introspect__text(db, st, 0), dorm_introspect__text(db, st, 2));
    if (!c) {
        j->rc = DORM_ENOMEM;
        return;
    }
    c->kind = kind_of(dorm_introspect__text(db, st, 1));
    c->null = strcmp(dorm_introspect__text(db, st, 3), "YES") == 0;
    bool is_unsigned = strstr(c->type, "unsigned") != NULL;
    if (c->kind == DORM_KIND_CHAR) c->max_length = atoi(dorm_introspect__text(db, st, 4));
    if (c->kind == DORM_KIND_DECIMAL) {
        c->max_digits = atoi(dorm_introspect__text(db, st, 5));
        c->decimal_places = atoi(dorm_introspect__text(db, st, 6));
    }
    if (strstr(dorm_introspect__text(db, st, 7), "auto_increment")) {
        if (c->kind == DORM_KIND_INT)
            c->kind = DORM_KIND_AUTO;
        else if (c->kind == DORM_KIND_BIGINT)
            c->kind = DORM_KIND_BIGAUTO;
    } else if (is_unsigned) {
        if (c->kind == DORM_KIND_INT)
            c->kind = DORM_KIND_POSINT;
        else if (c->kind == DORM_KIND_SMALLINT)
            c->kind = DORM_KIND_POSSMALLINT;
    }
}

/* COLUMN_NAME, INDEX_NAME of the primary key (each of its columns) or of a
 * one-column unique index. */
static void key_row(dorm_db *db, dorm_stmt *st, void *payload) {
    job *j = payload;
    dorm_icolumn *c = dorm_itable__column(j->t, dorm_introspect__text(db, st, 0));
    if (!c) return;
    if (strcmp(dorm_introspect__text(db, st, 1), "PRIMARY") == 0)
        c->primary_key = true;
    else
        c->unique = true;
}

/* COLUMN_NAME, REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME */
static void fk_row(dorm_db *db, dorm_stmt *st, void *payload) {
    job *j = payload;
    dorm_icolumn *c = dorm_itable__column(j->t, dorm_introspect__text(db, st, 0));
    if (!c) return;
    c->ref_table = dorm_strdup(j->cx, dorm_introspect__text(db, st, 1));
    c->ref_column = dorm_strdup(j->cx, dorm_introspect__text(db, st, 2));
    if (!c->ref_table || !c->ref_column) j->rc = DORM_ENOMEM;
}

/* CHECK_CLAUSE: MariaDB's json is longtext with a json_valid(`c`) check,
 * which Django reads as a JSONField.  The name is quoted as the session's
 * sql_mode quotes (double quotes under ANSI_QUOTES). */
static void check_row(dorm_db *db, dorm_stmt *st, void *payload) {
    job *j = payload;
    const char *clause = dorm_introspect__text(db, st, 0);
    if (strncmp(clause, "json_valid(", 11) != 0 || (clause[11] != '`' && clause[11] != '"')) return;
    const char *name = clause + 12;
    size_t n = strlen(name);
    if (n < 2 || name[n - 1] != ')' || name[n - 2] != clause[11]) return;
    n -= 2;
    for (size_t i = 0; i < j->t->ncolumns; i++) {
        dorm_icolumn *c = &j->t->columns[i];
        if (c->kind == DORM_KIND_TEXT && strlen(c->name) == n && strncmp(c->name, name, n) == 0)
            c->kind = DORM_KIND_JSON;
    }
}

int dorm_my__introspect(dorm_ctx *cx, dorm_itable **tables, size_t *n) {
    *tables = NULL;
    *n = 0;
    job j = {cx, tables, n, NULL, 0};
    dorm_errbuf e = {0, ""};
    if (dorm_db__query(cx->db,
                       "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND "
                       "TABLE_TYPE = 'BASE TABLE' ORDER BY BINARY TABLE_NAME",
                       NULL, 0, dorm_introspect__table_row, &j, &e) < 0)
        return dorm_fail__errbuf(cx, &e);
    for (size_t i = 0; !j.rc && i < *n; i++) {
        j.t = &(*tables)[i];
        dorm_value name = dorm_v_text(j.t->name);
        if (dorm_db__query(cx->db,
                           "SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE, CHARACTER_MAXIMUM_LENGTH, "
                           "NUMERIC_PRECISION, NUMERIC_SCALE, EXTRA FROM information_schema.COLUMNS WHERE "
                           "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
                           &name, 1, column_row, &j, &e) < 0 ||
            dorm_db__query(cx->db,
                           "SELECT CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS WHERE "
                           "CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = ?",
                           &name, 1, check_row, &j, &e) < 0 ||
            dorm_db__query(cx->db,
                           "SELECT COLUMN_NAME, INDEX_NAME FROM information_schema.STATISTICS s WHERE "
                           "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND NON_UNIQUE = 0 AND (INDEX_NAME = "
                           "'PRIMARY' OR NOT EXISTS (SELECT 1 FROM information_schema.STATISTICS o WHERE "
                           "o.TABLE_SCHEMA = s.TABLE_SCHEMA AND o.TABLE_NAME = s.TABLE_NAME AND o.INDEX_NAME = "
                           "s.INDEX_NAME AND o.SEQ_IN_INDEX > 1))",
                           &name, 1, key_row, &j, &e) < 0 ||
            dorm_db__query(cx->db,
                           "SELECT COLUMN_NAME, REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME FROM "
                           "information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? "
                           "AND REFERENCED_TABLE_NAME IS NOT NULL",
                           &name, 1, fk_row, &j, &e) < 0)
            return dorm_fail__errbuf(cx, &e);
    }
    return j.rc;
}
