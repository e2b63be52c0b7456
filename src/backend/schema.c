/* schema.c - DDL text for a table: CREATE TABLE with column definitions and
 * table constraints, its indexes, and DROP TABLE, spelled through the
 * dialect so that one writer serves every backend, in Django's exact words. */
#include <string.h>

#include "backend/schema.h"
#include "core/duration.h"

static bool is_auto(dorm_kind k) { return k == DORM_KIND_AUTO || k == DORM_KIND_BIGAUTO; }

void dorm_schema__literal(dorm_buf *b, const dorm_dialect *d, const dorm_value *v) {
    if (v->type != DORM_T_DURATION || !d->native_duration) {
        dorm_buf_literal(b, v);
        return;
    }
    char text[DORM_FMT_MAX];
    dorm_duration__interval(v->u.dur, text);
    dorm_buf_quote(b, '\'', text);
    const char *cast = d->param_type ? d->param_type(DORM_KIND_DURATION, v) : NULL;
    if (cast) dorm_buf_puts(b, cast);
}

/* The quoted, comma-separated column list of an index or constraint. */
void dorm_schema__column_list(dorm_buf *b, char q, const dorm_index_def *ix) {
    dorm_buf_putc(b, '(');
    for (size_t i = 0; ix->columns[i]; i++) {
        if (i) dorm_buf_puts(b, ", ");
        dorm_buf_quote(b, q, ix->columns[i]);
        if (ix->opclass) {
            dorm_buf_putc(b, ' ');
            dorm_buf_puts(b, ix->opclass);
        }
        if (ix->desc && ix->desc[i]) dorm_buf_puts(b, " DESC");
    }
    dorm_buf_putc(b, ')');
}

static void references(dorm_buf *b, const dorm_dialect *d, const dorm_column_def *c) {
    dorm_buf_puts(b, "REFERENCES ");
    dorm_buf_quote(b, d->quote, c->ref_table);
    dorm_buf_puts(b, " (");
    dorm_buf_quote(b, d->quote, c->ref_column ? c->ref_column : "id");
    dorm_buf_putc(b, ')');
    if (d->supports_deferrable_fk) dorm_buf_puts(b, " DEFERRABLE INITIALLY DEFERRED");
}

void dorm_schema__column_type(dorm_buf *b, const dorm_dialect *d, const dorm_column_def *c) {
    if (c->db_type)
        dorm_buf_puts(b, c->db_type);
    else
        d->column_type(b, c);
}

/* One column, in the order of Django's column_sql + table_sql: type,
 * [DEFAULT fill,] NULL / NOT NULL, PRIMARY KEY or UNIQUE, CHECK, REFERENCES.
 * `check` is scratch space. */
static void column_sql(dorm_buf *b, dorm_buf *check, const dorm_dialect *d, const dorm_column_def *c, bool fill) {
    dorm_buf_quote(b, d->quote, c->name);
    dorm_buf_putc(b, ' ');
    dorm_schema__column_type(b, d, c);
    if (fill && c->fill) {
        dorm_buf_puts(b, " DEFAULT ");
        dorm_schema__literal(b, d, c->fill);
    }
    dorm_buf_puts(b, c->null ? " NULL" : " NOT NULL");
    if (c->primary_key) {
        dorm_buf_putc(b, ' ');
        dorm_buf_puts(b, is_auto(c->kind) ? d->auto_pk_suffix : "PRIMARY KEY");
    } else if (c->unique) {
        dorm_buf_puts(b, " UNIQUE");
    }
    dorm_buf_reset(check);
    d->column_check(check, c, d->quote);
    if (check->len) {
        dorm_buf_puts(b, " CHECK (");
        dorm_buf_put(b, check->data, check->len);
        dorm_buf_putc(b, ')');
    }
    if (check->failed) b->failed = true;
    if (c->kind == DORM_KIND_FK && d->inline_fk) {
        dorm_buf_putc(b, ' ');
        references(b, d, c);
    }
}

void dorm_schema__fk_sql(dorm_buf *b, const dorm_dialect *d, const char *table, const dorm_column_def *c) {
    dorm_buf_puts(b, "ALTER TABLE ");
    dorm_buf_quote(b, d->quote, table);
    dorm_buf_puts(b, " ADD ");
    if (c->fk_name) {
        dorm_buf_puts(b, "CONSTRAINT ");
        dorm_buf_quote(b, d->quote, c->fk_name);
        dorm_buf_putc(b, ' ');
    }
    dorm_buf_puts(b, "FOREIGN KEY (");
    dorm_buf_quote(b, d->quote, c->name);
    dorm_buf_puts(b, ") ");
    references(b, d, c);
}

void dorm_schema__table_sql(dorm_buf *b, dorm_buf *check, const dorm_dialect *d, const dorm_table_def *t) {
    dorm_buf_puts(b, "CREATE TABLE ");
    dorm_buf_quote(b, d->quote, t->name);
    dorm_buf_puts(b, " (");
    for (size_t i = 0; i < t->ncolumns; i++) {
        if (i) dorm_buf_puts(b, ", ");
        column_sql(b, check, d, &t->columns[i], false);
    }
    for (size_t i = 0; i < t->nuniques; i++) {
        dorm_buf_puts(b, ", ");
        if (t->uniques[i].name) {
            dorm_buf_puts(b, "CONSTRAINT ");
            dorm_buf_quote(b, d->quote, t->uniques[i].name);
            dorm_buf_putc(b, ' ');
        }
        dorm_buf_puts(b, "UNIQUE ");
        dorm_schema__column_list(b, d->quote, &t->uniques[i]);
    }
    for (size_t i = 0; i < t->nchecks; i++) {
        dorm_buf_puts(b, ", ");
        if (t->checks[i].name) {
            dorm_buf_puts(b, "CONSTRAINT ");
            dorm_buf_quote(b, d->quote, t->checks[i].name);
            dorm_buf_putc(b, ' ');
        }
        dorm_buf_puts(b, "CHECK (");
        dorm_buf_puts(b, t->checks[i].sql);
        dorm_buf_putc(b, ')');
    }
    if (t->pk_columns) {
        /* Django 5.2's CompositePrimaryKey: a table constraint, last. */
        dorm_buf_puts(b, ", PRIMARY KEY ");
        dorm_schema__column_list(b, d->quote, &(const dorm_index_def){.columns = t->pk_columns});
    }
    dorm_buf_putc(b, ')');
}

void dorm_schema__index_sql(dorm_buf *b, const dorm_dialect *d, const char *table, const dorm_index_def *ix) {
    if (ix->unique && !d->unique_as_index) {
        dorm_buf_puts(b, "ALTER TABLE ");
        dorm_buf_quote(b, d->quote, table);
        dorm_buf_puts(b, " ADD CONSTRAINT ");
        dorm_buf_quote(b, d->quote, ix->name);
        dorm_buf_puts(b, " UNIQUE ");
        dorm_schema__column_list(b, d->quote, ix);
        return;
    }
    dorm_buf_puts(b, ix->unique ? "CREATE UNIQUE INDEX " : "CREATE INDEX ");
    dorm_buf_quote(b, d->quote, ix->name);
    dorm_buf_puts(b, " ON ");
    dorm_buf_quote(b, d->quote, table);
    dorm_buf_putc(b, ' ');
    dorm_schema__column_list(b, d->quote, ix);
}

/* Rejects definitions that would otherwise produce broken SQL or crash. */
bool dorm_schema__valid(const dorm_table_def *t) {
    if (!t->name || !t->ncolumns) return false;
    for (size_t i = 0; i < t->ncolumns; i++)
        if (!t->columns[i].name || (t->columns[i].kind == DORM_KIND_FK && !t->columns[i].ref_table)) return false;
    for (size_t i = 0; i < t->nuniques; i++)
        if (!t->uniques[i].columns || !t->uniques[i].columns[0]) return false;
    for (size_t i = 0; i < t->nchecks; i++)
        if (!t->checks[i].sql) return false;
    for (size_t i = 0; i < t->nindexes; i++)
        if (!t->indexes[i].name || !t->indexes[i].columns || !t->indexes[i].columns[0]) return false;
    return true;
}

/* Emits the text of `b` unless building it ran out of memory. */
static int emit_buf(dorm_buf *b, dorm_schema_emit emit, void *payload) {
    return b->failed ? DORM_ENOMEM : emit(b->data, payload);
}

/* Django's create_model order: the table, then its deferred statements:
 * unique_together, foreign keys not written inline, the other indexes. */
int dorm_schema__create_table_deferring(const dorm_dialect *d, const dorm_table_def *t, dorm_schema_emit emit,
                                        dorm_schema_emit emit_later, void *payload) {
    if (!dorm_schema__valid(t)) return DORM_ECONFIG;
    dorm_buf b = DORM_BUF_INIT, check = DORM_BUF_INIT;
    dorm_schema__table_sql(&b, &check, d, t);
    dorm_buf_free(&check);
    int rc = emit_buf(&b, emit, payload);
    for (size_t i = 0; rc == 0 && i < t->nindexes; i++) {
        if (!t->indexes[i].unique) continue;
        dorm_buf_reset(&b);
        dorm_schema__index_sql(&b, d, t->name, &t->indexes[i]);
        rc = emit_buf(&b, emit_later, payload);
    }
    for (size_t i = 0; rc == 0 && !d->inline_fk && i < t->ncolumns; i++) {
        if (t->columns[i].kind != DORM_KIND_FK) continue;
        dorm_buf_reset(&b);
        dorm_schema__fk_sql(&b, d, t->name, &t->columns[i]);
        rc = emit_buf(&b, emit_later, payload);
    }
    for (size_t i = 0; rc == 0 && i < t->nindexes; i++) {
        if (t->indexes[i].unique) continue;
        dorm_buf_reset(&b);
        dorm_schema__index_sql(&b, d, t->name, &t->indexes[i]);
        rc = emit_buf(&b, emit_later, payload);
    }
    dorm_buf_free(&b);
    return rc;
}

int dorm_schema__create_table(const dorm_dialect *d, const dorm_table_def *t, dorm_schema_emit emit, void *payload) {
    return dorm_schema__create_table_deferring(d, t, emit, emit, payload);
}

int dorm_schema__defer(dorm_buf *later, const char *sql) {
    dorm_buf_puts(later, sql);
    dorm_buf_putc(later, '\0');
    return later->failed ? DORM_ENOMEM : 0;
}

int dorm_schema__run_deferred(dorm_buf *later, dorm_schema_emit emit, void *payload) {
    int rc = later->failed ? DORM_ENOMEM : 0;
    for (size_t at = 0; rc == 0 && at < later->len; at += strlen(later->data + at) + 1)
        rc = emit(later->data + at, payload);
    dorm_buf_reset(later);
    return rc;
}

int dorm_schema__drop_table(const dorm_dialect *d, const char *table, dorm_schema_emit emit, void *payload) {
    dorm_buf b = DORM_BUF_INIT;
    dorm_buf_puts(&b, "DROP TABLE ");
    dorm_buf_quote(&b, d->quote, table);
    int rc = emit_buf(&b, emit, payload);
    dorm_buf_free(&b);
    return rc;
}

void dorm_schema__column_sql(dorm_buf *b, const dorm_dialect *d, const dorm_column_def *c) {
    dorm_buf check = DORM_BUF_INIT;
    column_sql(b, &check, d, c, true);
    dorm_buf_free(&check);
}
