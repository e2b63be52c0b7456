/* alter.c - the statements that turn one table definition into another:
 * ALTER TABLE column by column where the dialect can (PostgreSQL, MySQL:
 * each spelled by the dialect's templates), and Django's SQLite procedure
 * otherwise (new__<table>, INSERT ... SELECT, DROP, RENAME, indexes), which
 * keeps every row.  Identifiers come from table definitions and are quoted
 * by the dialect; values are literals. */
#include <stdlib.h>
#include <string.h>

#include "backend/alter.h"
#include "core/alloc.h"

typedef struct editor {
    const dorm_dialect *d;
    const dorm_table_def *from, *to;
    const dorm_column_rename *renames;
    size_t nrenames;
    dorm_schema_emit emit;
    void *payload;
    dorm_buf b;
    int rc;
    /* ALTER TABLE dialects: indexes of `from` renamed into ones of `to` (no rebuild). */
    bool *renamed_from, *renamed_to;
} editor;

/* Emits the statement built in e->b and starts the next one. */
static void flush(editor *e) {
    if (e->rc == 0) e->rc = e->b.failed ? DORM_ENOMEM : e->emit(e->b.data, e->payload);
    dorm_buf_reset(&e->b);
}

static void quote(editor *e, const char *name) { dorm_buf_quote(&e->b, e->d->quote, name); }

/* SQLite's spellings (the only ones its path uses), where the dialect has
 * no templates of its own. */
static const dorm_alter_sql standard = {
    .rename_table = "ALTER TABLE {table} RENAME TO {new}",
    .drop_index = "DROP INDEX {name}",
};

static const dorm_alter_sql *spelling(const editor *e) { return e->d->alter ? e->d->alter : &standard; }

/* What a template's words stand for. */
typedef struct words {
    const char *table, *column, *name, *new_name;
    const dorm_column_def *col; /* {type}; {null} is as `was_null` says */
    bool was_null;
} words;

/* Emits template `t` with its words filled in. */
static void put_sql(editor *e, const char *t, const words *w) {
    for (const char *p = t; *p;) {
        const char *end = *p == '{' ? strchr(p, '}') : NULL;
        if (!end) {
            dorm_buf_putc(&e->b, *p++);
            continue;
        }
        size_t n = (size_t)(end - p - 1);
        if (n == 5 && strncmp(p + 1, "table", 5) == 0)
            quote(e, w->table);
        else if (n == 6 && strncmp(p + 1, "column", 6) == 0)
            quote(e, w->column);
        else if (n == 4 && strncmp(p + 1, "name", 4) == 0)
            quote(e, w->name);
        else if (n == 3 && strncmp(p + 1, "new", 3) == 0)
            quote(e, w->new_name);
        else if (n == 4 && strncmp(p + 1, "type", 4) == 0)
            e->d->column_type(&e->b, w->col);
        else if (n == 4 && strncmp(p + 1, "null", 4) == 0)
            dorm_buf_puts(&e->b, w->was_null ? " NULL" : " NOT NULL");
        else
            dorm_buf_put(&e->b, p, (size_t)(end - p + 1));
        p = end + 1;
    }
    flush(e);
}

static void alter_prefix(editor *e) {
    dorm_buf_puts(&e->b, "ALTER TABLE ");
    quote(e, e->to->name);
    dorm_buf_putc(&e->b, ' ');
}

static const dorm_column_def *column(const dorm_table_def *t, const char *name) {
    for (size_t i = 0; name && i < t->ncolumns; i++)
        if (strcmp(t->columns[i].name, name) == 0) return &t->columns[i];
    return NULL;
}

/* The column of `from` a column of `to` comes from, or NULL (added). */
static const dorm_column_def *source(const editor *e, const char *to_name) {
    for (size_t i = 0; i < e->nrenames; i++)
        if (strcmp(e->renames[i].to, to_name) == 0) return column(e->from, e->renames[i].from);
    for (size_t i = 0; i < e->nrenames; i++)
        if (strcmp(e->renames[i].from, to_name) == 0) return NULL;
    return column(e->from, to_name);
}

/* Whether a column of `from` survives in `to` (kept or renamed). */
static bool survives(const editor *e, const char *from_name) {
    for (size_t i = 0; i < e->nrenames; i++)
        if (strcmp(e->renames[i].from, from_name) == 0) return column(e->to, e->renames[i].to) != NULL;
    return column(e->to, from_name) != NULL;
}

static bool same_type(const dorm_dialect *d, const dorm_column_def *a, const dorm_column_def *b) {
    dorm_buf x = DORM_BUF_INIT, y = DORM_BUF_INIT;
    dorm_schema__column_type(&x, d, a);
    dorm_schema__column_type(&y, d, b);
    bool same = x.data && y.data && strcmp(x.data, y.data) == 0;
    dorm_buf_free(&x);
    dorm_buf_free(&y);
    return same;
}

static bool same_str(const char *a, const char *b) { return a == b || (a && b && strcmp(a, b) == 0); }

static bool same_ref(const dorm_column_def *a, const dorm_column_def *b) {
    bool fa = a->kind == DORM_KIND_FK, fb = b->kind == DORM_KIND_FK;
    if (fa != fb) return false;
    return !fa ||
        (same_str(a->ref_table, b->ref_table) &&
         same_str(a->ref_column ? a->ref_column : "id", b->ref_column ? b->ref_column : "id"));
}

/* The same index but perhaps for its name, its columns of `a` renamed as
 * `e` renames them (e NULL: no renames). */
static bool same_shape(const editor *e, const dorm_index_def *a, const dorm_index_def *b) {
    if (a->unique != b->unique || !same_str(a->opclass, b->opclass)) return false;
    size_t i = 0;
    for (; a->columns[i] && b->columns[i]; i++) {
        const char *col = a->columns[i];
        for (size_t r = 0; e && r < e->nrenames; r++)
            if (strcmp(e->renames[r].from, col) == 0) col = e->renames[r].to;
        if (strcmp(col, b->columns[i]) != 0) return false;
        if ((a->desc && a->desc[i]) != (b->desc && b->desc[i])) return false;
    }
    return !a->columns[i] && !b->columns[i];
}

static bool same_index(const dorm_index_def *a, const dorm_index_def *b) {
    return same_str(a->name, b->name) && same_shape(NULL, a, b);
}

static const dorm_index_def *find_index(const dorm_index_def *list, size_t n, const dorm_index_def *ix) {
    for (size_t i = 0; i < n; i++)
        if (same_index(&list[i], ix)) return &list[i];
    return NULL;
}

static const dorm_check_def *find_check(const dorm_table_def *t, const dorm_check_def *c) {
    for (size_t i = 0; i < t->nchecks; i++)
        if (same_str(t->checks[i].name, c->name) && same_str(t->checks[i].sql, c->sql)) return &t->checks[i];
    return NULL;
}

static bool same_constraints(const dorm_table_def *a, const dorm_table_def *b) {
    if (a->nuniques != b->nuniques || a->nchecks != b->nchecks) return false;
    for (size_t i = 0; i < a->nuniques; i++)
        if (!find_index(b->uniques, b->nuniques, &a->uniques[i])) return false;
    for (size_t i = 0; i < a->nchecks; i++)
        if (!find_check(b, &a->checks[i])) return false;
    return true;
}

static bool column_changed(const dorm_dialect *d, const dorm_column_def *a, const dorm_column_def *b) {
    return !same_type(d, a, b) || a->null != b->null || a->unique != b->unique || a->primary_key != b->primary_key ||
        !same_ref(a, b);
}

/* An index of the table definition: a unique one may be a constraint. */
static void drop_index(editor *e, const dorm_index_def *ix) {
    const dorm_alter_sql *a = spelling(e);
    put_sql(e, ix->unique && !e->d->unique_as_index ? a->drop_unique : a->drop_index,
            &(words){.table = e->to->name, .name = ix->name});
}

static void create_indexes(editor *e, bool only_new) {
    for (size_t i = 0; i < e->to->nindexes; i++) {
        if (only_new && find_index(e->from->indexes, e->from->nindexes, &e->to->indexes[i])) continue;
        if (only_new && e->renamed_to && e->renamed_to[i]) continue;
        dorm_schema__index_sql(&e->b, e->d, e->to->name, &e->to->indexes[i]);
        flush(e);
    }
}

/* Where the dialect says so, a foreign key column leading composite index
 * `ix` gets an index of its own first: the server's key may rely on `ix`. */
static void keep_key_index(editor *e, const dorm_index_def *ix) {
    void (*keep)(dorm_buf *, const char *, const char *, const char *) = spelling(e)->keep_key_index;
    if (!keep || !ix->columns[0] || !ix->columns[1]) return;
    const dorm_column_def *c = column(e->to, ix->columns[0]);
    if (!c || !c->ref_table || !c->index_name) return;
    keep(&e->b, e->to->name, c->name, c->index_name);
    flush(e);
}

static void drop_old_indexes(editor *e) {
    for (size_t i = 0; i < e->from->nindexes; i++)
        if (!find_index(e->to->indexes, e->to->nindexes, &e->from->indexes[i]) &&
            !(e->renamed_from && e->renamed_from[i])) {
            keep_key_index(e, &e->from->indexes[i]);
            drop_index(e, &e->from->indexes[i]);
        }
}

/* ALTER TABLE dialects: an index whose name alone changes (its table or
 * column was renamed) is renamed, not dropped and built again over every
 * row; a unique_together constraint too (its index follows). */
static void rename_indexes(editor *e) {
    for (size_t i = 0; i < e->from->nindexes; i++) {
        const dorm_index_def *a = &e->from->indexes[i];
        if (find_index(e->to->indexes, e->to->nindexes, a)) continue;
        for (size_t j = 0; j < e->to->nindexes; j++) {
            const dorm_index_def *b = &e->to->indexes[j];
            if (e->renamed_to[j] || find_index(e->from->indexes, e->from->nindexes, b) || !same_shape(e, a, b))
                continue;
            const dorm_alter_sql *t = spelling(e);
            put_sql(e, a->unique && !e->d->unique_as_index ? t->rename_unique : t->rename_index,
                    &(words){.table = e->to->name, .name = a->name, .new_name = b->name});
            e->renamed_from[i] = e->renamed_to[j] = true;
            break;
        }
    }
}

static void rename_table(editor *e) {
    if (strcmp(e->from->name, e->to->name) == 0) return;
    put_sql(e, spelling(e)->rename_table, &(words){.table = e->from->name, .new_name = e->to->name});
}

static void rename_columns(editor *e) {
    for (size_t i = 0; i < e->nrenames; i++) {
        if (!column(e->from, e->renames[i].from) || !column(e->to, e->renames[i].to)) continue;
        alter_prefix(e);
        dorm_buf_puts(&e->b, "RENAME COLUMN ");
        quote(e, e->renames[i].from);
        dorm_buf_puts(&e->b, " TO ");
        quote(e, e->renames[i].to);
        flush(e);
    }
}

static void add_column(editor *e, const dorm_column_def *c) {
    alter_prefix(e);
    dorm_buf_puts(&e->b, "ADD COLUMN ");
    dorm_schema__column_sql(&e->b, e->d, c);
    flush(e);
}

/* ---- SQLite: Django's table rebuild ---------------------------------------- */

static bool sqlite_can_add(const dorm_column_def *c) { return c->null && !c->fill && !c->unique && !c->primary_key; }

/* Whether ALTER TABLE alone (rename, add a nullable column, indexes) does it. */
static bool simple_change(const editor *e) {
    if (!same_constraints(e->from, e->to)) return false;
    for (size_t i = 0; i < e->from->ncolumns; i++)
        if (!survives(e, e->from->columns[i].name)) return false;
    for (size_t i = 0; i < e->to->ncolumns; i++) {
        const dorm_column_def *c = &e->to->columns[i], *src = source(e, c->name);
        if (src ? column_changed(e->d, src, c) : !sqlite_can_add(c)) return false;
    }
    return true;
}

static void rebuild(editor *e) {
    size_t n = strlen(e->to->name) + 6;
    char tmp_name[256];
    if (n > sizeof tmp_name) {
        e->rc = DORM_ECONFIG;
        return;
    }
    memcpy(tmp_name, "new__", 5);
    memcpy(tmp_name + 5, e->to->name, n - 5);
    dorm_table_def tmp = *e->to;
    tmp.name = tmp_name;
    dorm_buf check = DORM_BUF_INIT;
    dorm_schema__table_sql(&e->b, &check, e->d, &tmp);
    dorm_buf_free(&check);
    flush(e);
    /* Copy the rows: kept columns from their source, new ones their fill. */
    dorm_buf cols = DORM_BUF_INIT, vals = DORM_BUF_INIT;
    for (size_t i = 0; i < e->to->ncolumns; i++) {
        const dorm_column_def *c = &e->to->columns[i], *src = source(e, c->name);
        if (!src && !c->fill) continue;
        if (cols.len) {
            dorm_buf_puts(&cols, ", ");
            dorm_buf_puts(&vals, ", ");
        }
        dorm_buf_quote(&cols, e->d->quote, c->name);
        if (src && c->fill && !c->null && src->null) {
            dorm_buf_puts(&vals, "coalesce(");
            dorm_buf_quote(&vals, e->d->quote, src->name);
            dorm_buf_puts(&vals, ", ");
            dorm_schema__literal(&vals, e->d, c->fill);
            dorm_buf_putc(&vals, ')');
        } else if (src) {
            dorm_buf_quote(&vals, e->d->quote, src->name);
        } else {
            dorm_schema__literal(&vals, e->d, c->fill);
        }
    }
    if (cols.failed || vals.failed) e->b.failed = true;
    if (cols.len) {
        dorm_buf_puts(&e->b, "INSERT INTO ");
        quote(e, tmp_name);
        dorm_buf_puts(&e->b, " (");
        dorm_buf_put(&e->b, cols.data, cols.len);
        dorm_buf_puts(&e->b, ") SELECT ");
        dorm_buf_put(&e->b, vals.data, vals.len);
        dorm_buf_puts(&e->b, " FROM ");
        quote(e, e->from->name);
        flush(e);
    }
    dorm_buf_free(&cols);
    dorm_buf_free(&vals);
    dorm_buf_puts(&e->b, "DROP TABLE ");
    quote(e, e->from->name);
    flush(e);
    dorm_buf_puts(&e->b, "ALTER TABLE ");
    quote(e, tmp_name);
    dorm_buf_puts(&e->b, " RENAME TO ");
    quote(e, e->to->name);
    flush(e);
    create_indexes(e, false);
}

static void sqlite_alter(editor *e) {
    if (!simple_change(e)) {
        rebuild(e);
        return;
    }
    drop_old_indexes(e);
    rename_table(e);
    rename_columns(e);
    for (size_t i = 0; i < e->to->ncolumns; i++)
        if (!source(e, e->to->columns[i].name)) add_column(e, &e->to->columns[i]);
    create_indexes(e, true);
}

/* ---- ALTER TABLE dialects (PostgreSQL, MySQL) ------------------------------ */

/* Drops the single-column constraints of kind `kind` ('u', 'f') on a column,
 * whatever their names (the server named inline ones). */
static void drop_column_constraints(editor *e, const char *col, char kind) {
    spelling(e)->drop_column_constraints(&e->b, e->to->name, col, kind);
    flush(e);
}

static void add_foreign_key(editor *e, const dorm_column_def *c) {
    dorm_schema__fk_sql(&e->b, e->d, e->to->name, c);
    flush(e);
}

static void alter_column(editor *e, const dorm_column_def *old, const dorm_column_def *c) {
    if (old->kind == DORM_KIND_FK && !same_ref(old, c)) drop_column_constraints(e, c->name, 'f');
    if (old->unique && !c->unique) drop_column_constraints(e, c->name, 'u');
    const dorm_alter_sql *a = spelling(e);
    if (!same_type(e->d, old, c))
        put_sql(e, a->alter_type, &(words){.table = e->to->name, .column = c->name, .col = c, .was_null = old->null});
    if (old->null && !c->null && c->fill) {
        dorm_buf_puts(&e->b, "UPDATE ");
        quote(e, e->to->name);
        dorm_buf_puts(&e->b, " SET ");
        quote(e, c->name);
        dorm_buf_puts(&e->b, " = ");
        dorm_schema__literal(&e->b, e->d, c->fill);
        dorm_buf_puts(&e->b, " WHERE ");
        quote(e, c->name);
        dorm_buf_puts(&e->b, " IS NULL");
        flush(e);
    }
    if (old->null != c->null)
        put_sql(e, c->null ? a->set_null : a->set_not_null,
                &(words){.table = e->to->name, .column = c->name, .col = c, .was_null = old->null});
    if (!old->unique && c->unique) {
        alter_prefix(e);
        dorm_buf_puts(&e->b, "ADD ");
        if (c->unique_name) {
            dorm_buf_puts(&e->b, "CONSTRAINT ");
            quote(e, c->unique_name);
            dorm_buf_putc(&e->b, ' ');
        }
        dorm_buf_puts(&e->b, "UNIQUE (");
        quote(e, c->name);
        dorm_buf_putc(&e->b, ')');
        flush(e);
    }
    if (c->kind == DORM_KIND_FK && !same_ref(old, c)) add_foreign_key(e, c);
}

static void statements_alter(editor *e) {
    const dorm_alter_sql *a = spelling(e);
    rename_table(e);
    rename_columns(e);
    rename_indexes(e);
    drop_old_indexes(e);
    for (size_t i = 0; i < e->from->nuniques; i++)
        if (e->from->uniques[i].name && !find_index(e->to->uniques, e->to->nuniques, &e->from->uniques[i]))
            put_sql(e, a->drop_unique, &(words){.table = e->to->name, .name = e->from->uniques[i].name});
    for (size_t i = 0; i < e->from->nchecks; i++)
        if (e->from->checks[i].name && !find_check(e->to, &e->from->checks[i]))
            put_sql(e, a->drop_check, &(words){.table = e->to->name, .name = e->from->checks[i].name});
    for (size_t i = 0; i < e->from->ncolumns; i++) {
        const dorm_column_def *c = &e->from->columns[i];
        if (survives(e, c->name)) continue;
        if (a->drop_fk_with_column && c->kind == DORM_KIND_FK && c->ref_table) drop_column_constraints(e, c->name, 'f');
        put_sql(e, a->drop_column, &(words){.table = e->to->name, .column = c->name});
    }
    for (size_t i = 0; i < e->to->ncolumns; i++) {
        const dorm_column_def *c = &e->to->columns[i], *src = source(e, c->name);
        if (!src) {
            add_column(e, c);
            if (c->kind == DORM_KIND_FK && !e->d->inline_fk) add_foreign_key(e, c);
            /* Django's one-off default fills the rows, then leaves no default. */
            if (c->fill) {
                alter_prefix(e);
                dorm_buf_puts(&e->b, "ALTER COLUMN ");
                quote(e, c->name);
                dorm_buf_puts(&e->b, " DROP DEFAULT");
                flush(e);
            }
        } else if (column_changed(e->d, src, c)) {
            alter_column(e, src, c);
        }
    }
    for (size_t i = 0; i < e->to->nuniques; i++) {
        if (find_index(e->from->uniques, e->from->nuniques, &e->to->uniques[i])) continue;
        alter_prefix(e);
        dorm_buf_puts(&e->b, "ADD CONSTRAINT ");
        quote(e, e->to->uniques[i].name);
        dorm_buf_puts(&e->b, " UNIQUE ");
        dorm_schema__column_list(&e->b, e->d->quote, &e->to->uniques[i]);
        flush(e);
    }
    for (size_t i = 0; i < e->to->nchecks; i++) {
        if (find_check(e->from, &e->to->checks[i])) continue;
        alter_prefix(e);
        dorm_buf_puts(&e->b, "ADD CONSTRAINT ");
        quote(e, e->to->checks[i].name);
        dorm_buf_puts(&e->b, " CHECK (");
        dorm_buf_puts(&e->b, e->to->checks[i].sql);
        dorm_buf_putc(&e->b, ')');
        flush(e);
    }
    create_indexes(e, true);
}

int dorm_schema__alter_table(const dorm_dialect *d, const dorm_table_def *from, const dorm_table_def *to,
                             const dorm_column_rename *renames, size_t nrenames, dorm_schema_emit emit, void *payload) {
    if (!dorm_schema__valid(from) || !dorm_schema__valid(to)) return DORM_ECONFIG;
    editor e = {d, from, to, renames, nrenames, emit, payload, DORM_BUF_INIT, 0, NULL, NULL};
    if (d->can_alter_columns) {
        bool *marks = dorm_mem__calloc(from->nindexes + to->nindexes + 1, sizeof *marks);
        if (!marks) return DORM_ENOMEM;
        e.renamed_from = marks;
        e.renamed_to = marks + from->nindexes;
        statements_alter(&e);
        dorm_mem__free(marks);
    } else {
        sqlite_alter(&e);
    }
    dorm_buf_free(&e.b);
    return e.rc;
}
