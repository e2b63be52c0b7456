/* introspect.c - what the backends' introspection shares: a growable list of
 * tables and columns in a context's arena, and the type names both backends
 * spell alike mapped to field kinds (Django's data_types_reverse). */
#include <stdlib.h>
#include <string.h>

#include "backend/introspect.h"

dorm_itable *dorm_itable__add(dorm_ctx *cx, dorm_itable **tables, size_t *n, const char *name) {
    dorm_itable *grown = dorm_alloc(cx, sizeof *grown * (*n + 1));
    if (!grown) return NULL;
    if (*n) memcpy(grown, *tables, *n * sizeof(dorm_itable));
    *tables = grown;
    dorm_itable *t = &grown[(*n)++];
    memset(t, 0, sizeof *t);
    t->name = dorm_strdup(cx, name);
    return t->name ? t : NULL;
}

dorm_icolumn *dorm_icolumn__add(dorm_ctx *cx, dorm_itable *t, const char *name, const char *type) {
    dorm_icolumn *grown = dorm_alloc(cx, sizeof *grown * (t->ncolumns + 1));
    if (!grown) return NULL;
    if (t->ncolumns) memcpy(grown, t->columns, sizeof *grown * t->ncolumns);
    t->columns = grown;
    dorm_icolumn *c = &grown[t->ncolumns++];
    memset(c, 0, sizeof *c);
    c->name = dorm_strdup(cx, name);
    c->type = dorm_strdup(cx, type ? type : "");
    return c->name && c->type ? c : NULL;
}

dorm_icolumn *dorm_itable__column(dorm_itable *t, const char *name) {
    for (size_t i = 0; i < t->ncolumns; i++)
        if (strcmp(t->columns[i].name, name) == 0) return &t->columns[i];
    return NULL;
}

/* Lowercase type name without its "(n)" and what the parentheses hold. */
static void split_type(const char *type, char *base, size_t len, int *a, int *b) {
    size_t i = 0;
    for (; type[i] && type[i] != '(' && i + 1 < len; i++)
        base[i] = (char)(type[i] >= 'A' && type[i] <= 'Z' ? type[i] + 32 : type[i]);
    while (i && base[i - 1] == ' ') i--;
    base[i] = '\0';
    const char *p = strchr(type, '(');
    *a = p ? atoi(p + 1) : 0;
    const char *comma = p ? strchr(p, ',') : NULL;
    *b = comma ? atoi(comma + 1) : 0;
}

void dorm_icolumn__guess(dorm_icolumn *c) {
    static const struct {
        const char *name;
        dorm_kind kind;
    } types[] = {
        /* Django's SQLite names (FlexibleFieldLookupDict), then PostgreSQL's
         * as information_schema spells them (data_types_reverse by OID). */
        {"bool", DORM_KIND_BOOL},
        {"boolean", DORM_KIND_BOOL},
        {"smallint", DORM_KIND_SMALLINT},
        {"smallint unsigned", DORM_KIND_POSSMALLINT},
        {"smallinteger", DORM_KIND_SMALLINT},
        {"int", DORM_KIND_INT},
        {"integer", DORM_KIND_INT},
        {"integer unsigned", DORM_KIND_POSINT},
        {"bigint", DORM_KIND_BIGINT},
        {"bigint unsigned", DORM_KIND_BIGINT},
        {"decimal", DORM_KIND_DECIMAL},
        {"numeric", DORM_KIND_DECIMAL},
        {"real", DORM_KIND_FLOAT},
        {"double precision", DORM_KIND_FLOAT},
        {"text", DORM_KIND_TEXT},
        {"char", DORM_KIND_CHAR},
        {"character", DORM_KIND_CHAR},
        {"varchar", DORM_KIND_CHAR},
        {"character varying", DORM_KIND_CHAR},
        {"blob", DORM_KIND_BINARY},
        {"bytea", DORM_KIND_BINARY},
        {"date", DORM_KIND_DATE},
        {"datetime", DORM_KIND_DATETIME},
        {"timestamp", DORM_KIND_DATETIME},
        {"timestamp with time zone", DORM_KIND_DATETIME},
        {"timestamp without time zone", DORM_KIND_DATETIME},
        {"time", DORM_KIND_TIME},
        {"time without time zone", DORM_KIND_TIME},
        {"time with time zone", DORM_KIND_TIME},
        {"uuid", DORM_KIND_UUID},
        {"interval", DORM_KIND_DURATION},
        {"json", DORM_KIND_JSON},
        {"jsonb", DORM_KIND_JSON},
    };
    char base[64];
    int a, b;
    split_type(c->type, base, sizeof base, &a, &b);
    c->kind = DORM_KIND_NONE;
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strcmp(types[i].name, base) == 0) c->kind = types[i].kind;
    if (c->kind == DORM_KIND_CHAR && a) c->max_length = a;
    if (c->kind == DORM_KIND_DECIMAL && a) {
        c->max_digits = a;
        c->decimal_places = b;
    }
}

const char *dorm_introspect__text(dorm_db *db, dorm_stmt *st, int i) {
    size_t n;
    const char *s = db->drv->column_null(st, i) ? NULL : db->drv->column_text(st, i, &n);
    return s ? s : "";
}

void dorm_introspect__table_row(dorm_db *db, dorm_stmt *st, void *payload) {
    dorm_introspect_list *l = payload;
    if (!dorm_itable__add(l->cx, l->tables, l->n, dorm_introspect__text(db, st, 0))) l->rc = DORM_ENOMEM;
}
