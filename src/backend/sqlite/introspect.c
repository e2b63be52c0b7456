/* introspect.c - SQLite's tables for inspectdb: sqlite_master, then per
 * table PRAGMA table_info, foreign_key_list and the single-column unique
 * indexes of index_list. */
#include <stdio.h>
#include <string.h>

#include "backend/introspect.h"
#include "backend/sqlite/sqlite.h"

typedef struct job {
    dorm_introspect_list list;
    const char *index;
    int count;
} job;

/* PRAGMA table_info: cid, name, type, notnull, dflt_value, pk */
static void column_row(dorm_db *db, dorm_stmt *st, void *payload) {
    job *j = payload;
    dorm_icolumn *c =
        dorm_icolumn__add(j->list.cx, j->list.t, dorm_introspect__text(db, st, 1), dorm_introspect__text(db, st, 2));
    if (!c) {
        j->list.rc = DORM_ENOMEM;
        return;
    }
    dorm_icolumn__guess(c);
    c->null = db->drv->column_int(st, 3) == 0;
    c->primary_key = db->drv->column_int(st, 5) != 0;
    if (c->primary_key && c->kind == DORM_KIND_INT) c->kind = DORM_KIND_AUTO;
}

/* PRAGMA foreign_key_list: id, seq, table, from, to */
static void fk_row(dorm_db *db, dorm_stmt *st, void *payload) {
    job *j = payload;
    dorm_icolumn *c = dorm_itable__column(j->list.t, dorm_introspect__text(db, st, 3));
    if (!c) return;
    c->ref_table = dorm_strdup(j->list.cx, dorm_introspect__text(db, st, 2));
    c->ref_column = dorm_strdup(j->list.cx, dorm_introspect__text(db, st, 4));
}

/* PRAGMA index_list: seq, name, unique, ... and index_info: seqno, cid, name */
static void index_row(dorm_db *db, dorm_stmt *st, void *payload) {
    job *j = payload;
    if (db->drv->column_int(st, 2) && j->count < 64) {
        const char **names = (const char **)j->index;
        names[j->count++] = dorm_strdup(j->list.cx, dorm_introspect__text(db, st, 1));
    }
}

static void index_column(dorm_db *db, dorm_stmt *st, void *payload) {
    job *j = payload;
    j->count++;
    j->index = dorm_strdup(j->list.cx, dorm_introspect__text(db, st, 2));
    (void)db;
}

static int pragma(job *j, const char *what, const char *arg, void (*row)(dorm_db *, dorm_stmt *, void *)) {
    dorm_buf b = DORM_BUF_INIT;
    dorm_buf_printf(&b, "PRAGMA %s(", what);
    dorm_buf_quote(&b, '"', arg);
    dorm_buf_putc(&b, ')');
    dorm_errbuf e = {0, ""};
    int rc = b.failed ? DORM_ENOMEM : dorm_db__query(j->list.cx->db, b.data, NULL, 0, row, j, &e);
    dorm_buf_free(&b);
    return rc < 0 ? dorm_fail__errbuf(j->list.cx, &e) : j->list.rc;
}

int dorm_sqlite__introspect(dorm_ctx *cx, dorm_itable **tables, size_t *n) {
    *tables = NULL;
    *n = 0;
    job j = {{cx, tables, n, NULL, 0}, NULL, 0};
    dorm_errbuf e = {0, ""};
    if (dorm_db__query(cx->db,
                       "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
                       NULL, 0, dorm_introspect__table_row, &j.list, &e) < 0)
        return dorm_fail__errbuf(cx, &e);
    for (size_t i = 0; !j.list.rc && i < *n; i++) {
        j.list.t = &(*tables)[i];
        int rc = pragma(&j, "table_info", j.list.t->name, column_row);
        if (!rc) rc = pragma(&j, "foreign_key_list", j.list.t->name, fk_row);
        const char *unique[64];
        j.index = (const char *)unique;
        j.count = 0;
        if (!rc) rc = pragma(&j, "index_list", j.list.t->name, index_row);
        int nunique = j.count;
        for (int k = 0; !rc && k < nunique; k++) {
            j.count = 0;
            if ((rc = pragma(&j, "index_info", unique[k], index_column))) break;
            dorm_icolumn *c = j.count == 1 ? dorm_itable__column(j.list.t, j.index) : NULL;
            if (c && !c->primary_key) c->unique = true;
        }
        if (rc) return rc;
    }
    return j.list.rc;
}
