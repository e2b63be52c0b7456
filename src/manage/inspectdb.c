/* inspectdb.c - C model code for an existing database: a struct, a field
 * table and a dorm_model per table (names as Django's inspectdb makes them,
 * foreign keys with DORM_DO_NOTHING, .db_table and .db_column where names
 * differ), and the app, ready to compile against libdorm.  Every name of
 * the database reaches the code escaped, so no schema can inject C. */
#include <ctype.h>
#include <string.h>

#include "backend/db.h"
#include "core/ctx.h"
#include "dorm/manage.h"
#include "model/meta.h"

/* Names a member cannot have: C's keywords and the macros of the headers
 * the generated code includes, and dorm's own. */
static const char *const reserved[] = {"auto",    "break",  "case",     "char",   "const",    "continue", "default",
                                       "do",      "double", "else",     "enum",   "extern",   "float",    "for",
                                       "goto",    "if",     "inline",   "int",    "long",     "register", "restrict",
                                       "return",  "short",  "signed",   "sizeof", "static",   "struct",   "switch",
                                       "typedef", "union",  "unsigned", "void",   "volatile", "while",    "bool",
                                       "true",    "false",  "NULL",     "errno",  "pk",       "id_",      NULL};

/* s as a C string literal: quotes, backslashes, '?' (trigraphs) and every
 * byte outside printable ASCII escaped, the latter as three octal digits so
 * that no digit after one joins it. */
static void c_string(dorm_buf *b, const char *s) {
    dorm_buf_putc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\' || *p == '?') {
            dorm_buf_putc(b, '\\');
            dorm_buf_putc(b, (char)*p);
        } else if (*p < 0x20 || *p > 0x7e) {
            dorm_buf_printf(b, "\\%03o", *p);
        } else {
            dorm_buf_putc(b, (char)*p);
        }
    }
    dorm_buf_putc(b, '"');
}

/* s inside a comment: printable ASCII, other bytes as \ooo, and no "*" "/"
 * pair that would end the comment. */
static void c_comment(dorm_buf *b, const char *s) {
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p > 0x7e || *p == '\\')
            dorm_buf_printf(b, "\\%03o", *p);
        else if (*p == '/' && p > (const unsigned char *)s && p[-1] == '*')
            dorm_buf_puts(b, "\\057");
        else
            dorm_buf_putc(b, (char)*p);
    }
}

static bool is_reserved(const char *s) {
    for (size_t i = 0; reserved[i]; i++)
        if (strcmp(reserved[i], s) == 0) return true;
    return false;
}

/* Django's table2model: "library_author" -> "LibraryAuthor" (title case,
 * then only letters and digits); a name that would start with a digit or be
 * empty gets "Table" before it, and one taken already a number after it. */
static const char *model_name(dorm_ctx *cx, const char *table, const char *const *taken, size_t ntaken) {
    dorm_buf b = DORM_BUF_INIT;
    bool letter_before = false;
    for (const char *p = table; *p; p++) {
        bool letter = isalpha((unsigned char)*p) && !((unsigned char)*p & 0x80);
        if (letter)
            dorm_buf_putc(&b, (char)(letter_before ? tolower((unsigned char)*p) : toupper((unsigned char)*p)));
        else if (isdigit((unsigned char)*p))
            dorm_buf_putc(&b, *p);
        letter_before = letter;
    }
    const char *base =
        dorm_sprintf(cx, "%s%s", b.data && isalpha((unsigned char)b.data[0]) ? "" : "Table", b.data ? b.data : "");
    dorm_buf_free(&b);
    const char *name = base;
    for (int n = 2; name; n++) {
        bool clash = false;
        for (size_t i = 0; i < ntaken && !clash; i++) clash = taken[i] && strcmp(taken[i], name) == 0;
        if (!clash) break;
        name = dorm_sprintf(cx, "%s%d", base, n);
    }
    return name;
}

typedef struct column_name {
    const char *member;
    bool db_column; /* the column's name differs: .db_column */
    dorm_buf notes; /* Django's "Field renamed ..." notes      */
} column_name;

static void note(column_name *cn, const char *text) {
    if (cn->notes.len) dorm_buf_putc(&cn->notes, ' ');
    dorm_buf_puts(&cn->notes, text);
}

/* Django's normalize_col_name for a C member: lowercase, the "_id" of a
 * key dropped, characters outside [a-z0-9_] replaced, no "__", no "_" at
 * either end, no keyword, no digit first, no clash with `used`; each change
 * noted, and the real name kept in .db_column when it changed. */
static void normalize(dorm_ctx *cx, const char *col, bool relation, const char *const *used, size_t nused,
                      column_name *cn) {
    memset(cn, 0, sizeof *cn);
    size_t n = strlen(col);
    char *s = dorm_alloc(cx, n + 16);
    if (!s) return;
    bool lowered = false, replaced = false;
    for (size_t i = 0; i <= n; i++) {
        s[i] = (char)tolower((unsigned char)col[i]);
        lowered = lowered || s[i] != col[i];
    }
    if (lowered) note(cn, "Field name made lowercase.");
    if (relation && n > 3 && strcmp(s + n - 3, "_id") == 0)
        s[n -= 3] = '\0';
    else if (relation)
        cn->db_column = true;
    for (char *p = s; *p; p++)
        if (!(isalnum((unsigned char)*p) && !((unsigned char)*p & 0x80)) && *p != '_') *p = '_', replaced = true;
    if (replaced || !*s) note(cn, "Field renamed to remove unsuitable characters.");
    char *dup;
    bool doubled = strstr(s, "__") != NULL;
    while ((dup = strstr(s, "__"))) memmove(dup, dup + 1, strlen(dup));
    if (doubled) note(cn, "Field renamed because it contained more than one '_' in a row.");
    const char *name = s;
    if (!*name) name = "field";
    if (name[0] == '_') {
        name = dorm_sprintf(cx, "field%s", name);
        note(cn, "Field renamed because it started with '_'.");
    }
    if (name && name[strlen(name) - 1] == '_') {
        name = dorm_sprintf(cx, "%sfield", name);
        note(cn, "Field renamed because it ended with '_'.");
    }
    if (name && is_reserved(name)) {
        name = dorm_sprintf(cx, "%s_field", name);
        note(cn, "Field renamed because it was a C reserved word.");
    }
    if (name && isdigit((unsigned char)name[0])) {
        name = dorm_sprintf(cx, "number_%s", name);
        note(cn, "Field renamed because it wasn't a valid C identifier.");
    }
    const char *base = name;
    for (int k = 0; name; k++) {
        bool clash = false;
        for (size_t i = 0; i < nused && !clash; i++) clash = used[i] && strcmp(used[i], name) == 0;
        if (!clash) break;
        name = dorm_sprintf(cx, "%s_%d", base, k);
        if (!k) note(cn, "Field renamed because of name conflict.");
    }
    cn->member = name;
    if (name && strcmp(col, name) != 0 && cn->notes.len) cn->db_column = true;
}

static const char *member_type(dorm_kind k) {
    switch (k) {
    case DORM_KIND_AUTO:
    case DORM_KIND_BIGAUTO:
    case DORM_KIND_BIGINT: return "int64_t";
    case DORM_KIND_INT:
    case DORM_KIND_POSINT: return "int32_t";
    case DORM_KIND_SMALLINT:
    case DORM_KIND_POSSMALLINT: return "int16_t";
    case DORM_KIND_FLOAT: return "double";
    case DORM_KIND_DECIMAL: return "dorm_decimal";
    case DORM_KIND_BOOL: return "bool";
    case DORM_KIND_DATE: return "dorm_date";
    case DORM_KIND_DATETIME: return "dorm_datetime";
    case DORM_KIND_TIME: return "dorm_time";
    case DORM_KIND_UUID: return "dorm_uuid";
    case DORM_KIND_BINARY: return "dorm_bytes";
    case DORM_KIND_DURATION: return "dorm_duration";
    default: return "const char *";
    }
}

static const char *macro_of(dorm_kind k) {
    static const char *const names[DORM_KIND__COUNT] = {
        [DORM_KIND_AUTO] = "AUTO",         [DORM_KIND_BIGAUTO] = "BIGAUTO",   [DORM_KIND_CHAR] = "CHAR",
        [DORM_KIND_TEXT] = "TEXT",         [DORM_KIND_INT] = "INT",           [DORM_KIND_BIGINT] = "BIGINT",
        [DORM_KIND_SMALLINT] = "SMALLINT", [DORM_KIND_POSINT] = "POSINT",     [DORM_KIND_POSSMALLINT] = "POSSMALLINT",
        [DORM_KIND_FLOAT] = "FLOAT",       [DORM_KIND_DECIMAL] = "DECIMAL",   [DORM_KIND_BOOL] = "BOOL",
        [DORM_KIND_DATE] = "DATE",         [DORM_KIND_DATETIME] = "DATETIME", [DORM_KIND_TIME] = "TIME",
        [DORM_KIND_UUID] = "UUID",         [DORM_KIND_JSON] = "JSON",         [DORM_KIND_BINARY] = "BINARY",
        [DORM_KIND_DURATION] = "DURATION",
    };
    return k > DORM_KIND_NONE && k < DORM_KIND__COUNT && names[k] ? names[k] : "TEXT";
}

typedef struct gen {
    dorm_ctx *cx;
    dorm_itable *t;
    size_t n;
    const char **models; /* per table; NULL: left out */
    column_name **columns; /* per table, per column */
    dorm_buf out;
} gen;

static int table_index(const gen *g, const char *name) {
    for (size_t i = 0; name && i < g->n; i++)
        if (g->models[i] && strcmp(g->t[i].name, name) == 0) return (int)i;
    return -1;
}

/* The primary key column of a table with a single-column one, or NULL;
 * *count: how many columns its primary key has. */
static const dorm_icolumn *pk_of(const dorm_itable *t, int *count) {
    const dorm_icolumn *pk = NULL;
    int n = 0;
    for (size_t i = 0; i < t->ncolumns; i++)
        if (t->columns[i].primary_key) pk = &t->columns[i], n++;
    if (count) *count = n;
    return n == 1 ? pk : NULL;
}

/* A key this program can model: to the primary key of an inspected table. */
static int fk_target(const gen *g, const dorm_icolumn *c) {
    int k = table_index(g, c->ref_table);
    const dorm_icolumn *pk = k >= 0 ? pk_of(&g->t[k], NULL) : NULL;
    return pk && c->ref_column && strcmp(pk->name, c->ref_column) == 0 && dorm_kind__is_auto(pk->kind) ? k : -1;
}

/* The member names of table i's columns, as normalize() makes them. */
static int name_columns(gen *g, size_t i) {
    const dorm_itable *t = &g->t[i];
    column_name *cols = dorm_alloc(g->cx, sizeof *cols * (t->ncolumns + 1));
    const char **used = dorm_alloc(g->cx, sizeof(char *) * (t->ncolumns + 1));
    if (!cols || !used) return DORM_ENOMEM;
    for (size_t c = 0; c < t->ncolumns; c++) {
        normalize(g->cx, t->columns[c].name, t->columns[c].ref_table != NULL, used, c, &cols[c]);
        if (!(used[c] = cols[c].member)) return DORM_ENOMEM;
    }
    g->columns[i] = cols;
    return DORM_OK;
}

static void emit_struct(gen *g, size_t i) {
    const dorm_itable *t = &g->t[i];
    dorm_buf_printf(&g->out, "typedef struct %s {\n    DORM_OBJECT;\n", g->models[i]);
    int npk;
    bool composite = !pk_of(t, &npk) && npk > 1;
    for (size_t c = 0; c < t->ncolumns; c++) {
        const dorm_icolumn *col = &t->columns[c];
        int k = fk_target(g, col);
        dorm_kind kind = composite && col->kind == DORM_KIND_AUTO ? DORM_KIND_INT : col->kind;
        const char *name = g->columns[i][c].member, *type = member_type(kind);
        if (k >= 0)
            dorm_buf_printf(&g->out, "    DORM_FK(%s) %s;\n", g->models[k], name);
        else
            dorm_buf_printf(&g->out, "    %s%s%s;\n", type, strchr(type, '*') ? "" : " ", name);
    }
    dorm_buf_printf(&g->out, "} %s;\n\n", g->models[i]);
}

static void emit_field(gen *g, size_t i, size_t c) {
    const dorm_itable *t = &g->t[i];
    const dorm_icolumn *col = &t->columns[c];
    column_name *cn = &g->columns[i][c];
    const char *m = g->models[i], *name = cn->member;
    int k = fk_target(g, col);
    dorm_buf opts = DORM_BUF_INIT, notes = DORM_BUF_INIT;
    if (cn->notes.len) dorm_buf_put(&notes, cn->notes.data, cn->notes.len);
    /* A key's member is its column without "_id"; any other name is kept. */
    if (cn->db_column || (k < 0 && col->ref_table && strcmp(name, col->name) != 0)) {
        dorm_buf_puts(&opts, ", .db_column = ");
        c_string(&opts, col->name);
    }
    /* A part of a composite key is a plain field (the key is DORM_COMPOSITE_PK). */
    int npk;
    bool composite = !pk_of(t, &npk) && npk > 1, pk = col->primary_key && !composite;
    if (pk && !dorm_kind__is_auto(col->kind)) dorm_buf_puts(&opts, ", .primary_key = true");
    if (col->null && !col->primary_key) dorm_buf_puts(&opts, ", .null = true, .blank = true");
    if (col->unique && !col->primary_key) dorm_buf_puts(&opts, ", .unique = true");
    if (k >= 0) {
        /* Two keys to one table would clash in their reverse accessors. */
        int same = 0;
        for (size_t o = 0; o < t->ncolumns; o++) same += fk_target(g, &t->columns[o]) == k;
        dorm_buf_printf(&g->out, "    DORM_FOREIGN_KEY(%s, %s, %s, .on_delete = DORM_DO_NOTHING%s%s),", m, name,
                        g->models[k], opts.data ? opts.data : "",
                        same > 1 || k == (int)i ? ", .related_name = \"+\"" : "");
    } else {
        const char *type_note = NULL;
        dorm_kind kind = col->kind;
        if (composite && col->primary_key)
            kind = kind == DORM_KIND_BIGAUTO ? DORM_KIND_BIGINT : kind == DORM_KIND_AUTO ? DORM_KIND_INT : kind;
        if (kind == DORM_KIND_CHAR && !col->max_length) kind = DORM_KIND_TEXT;
        if (kind == DORM_KIND_CHAR) dorm_buf_printf(&opts, ", .max_length = %d", col->max_length);
        if (kind == DORM_KIND_DECIMAL && col->max_digits <= 0) {
            /* SQLite's "decimal" keeps no precision: Django's guess. */
            type_note =
                "max_digits and decimal_places have been guessed, as this database handles decimal fields as float";
            dorm_buf_puts(&opts, ", .max_digits = 10, .decimal_places = 5");
        } else if (kind == DORM_KIND_DECIMAL) {
            int digits = col->max_digits > DORM_DECIMAL_DIGITS ? DORM_DECIMAL_DIGITS : col->max_digits;
            if (digits != col->max_digits) type_note = "dorm keeps at most 38 digits";
            dorm_buf_printf(&opts, ", .max_digits = %d, .decimal_places = %d", digits,
                            col->decimal_places < digits ? col->decimal_places : digits);
        }
        if (col->kind == DORM_KIND_NONE) type_note = "This field type is a guess.";
        if (col->ref_table) type_note = "a foreign key this program does not model";
        if (type_note) {
            if (notes.len) dorm_buf_putc(&notes, ' ');
            dorm_buf_printf(&notes, "%s (", type_note);
            c_comment(&notes, col->type);
            dorm_buf_putc(&notes, ')');
        }
        dorm_buf_printf(&g->out, "    DORM_%s(%s, %s%s),", macro_of(kind), m, name, opts.data ? opts.data : "");
    }
    if (notes.len) dorm_buf_printf(&g->out, " /* %s */", notes.data);
    dorm_buf_putc(&g->out, '\n');
    dorm_buf_free(&opts);
    dorm_buf_free(&notes);
}

static void emit_fields(gen *g, size_t i) {
    const char *m = g->models[i];
    dorm_buf_printf(&g->out, "static const dorm_field %s_fields[] = {\n", m);
    int npk;
    if (!pk_of(&g->t[i], &npk) && npk > 1) {
        /* Django 5.2's `pk = models.CompositePrimaryKey(...)`, first. */
        dorm_buf_puts(&g->out, "    DORM_COMPOSITE_PK(");
        for (size_t c = 0, k = 0; c < g->t[i].ncolumns; c++) {
            if (!g->t[i].columns[c].primary_key) continue;
            if (k++) dorm_buf_puts(&g->out, ", ");
            c_string(&g->out, g->columns[i][c].member);
        }
        dorm_buf_puts(&g->out, "),\n");
    }
    for (size_t c = 0; c < g->t[i].ncolumns; c++) emit_field(g, i, c);
    dorm_buf_printf(
        &g->out, "    DORM_END,\n};\nconst dorm_model %s_model = DORM_MODEL(%s, APP_LABEL, %s_fields, .db_table = ", m,
        m, m);
    c_string(&g->out, g->t[i].name);
    dorm_buf_puts(&g->out, ");\n\n");
}

/* Django's comment for a table it cannot model: one without a primary key. */
static void left_out(gen *g, size_t i) {
    dorm_buf_puts(&g->out, "/* Unable to inspect table '");
    c_comment(&g->out, g->t[i].name);
    dorm_buf_puts(&g->out, "'\n * The error was: it has no primary key; a dorm model needs one. */\n\n");
    g->models[i] = NULL;
}

int dorm_inspectdb(dorm_ctx *cx, const char *const *only, const char *app_label, FILE *out) {
    dorm_error_clear(cx);
    if (!cx->db->drv->introspect) return dorm_ctx_fail(cx, DORM_ECONFIG, "inspectdb: this backend cannot introspect.");
    gen g = {cx, NULL, 0, NULL, NULL, DORM_BUF_INIT};
    int rc = cx->db->drv->introspect(cx, &g.t, &g.n);
    if (rc) return rc;
    g.models = dorm_alloc(cx, sizeof(char *) * (g.n + 1));
    g.columns = dorm_alloc(cx, sizeof(column_name *) * (g.n + 1));
    if (!g.models || !g.columns) return DORM_ENOMEM;
    for (size_t i = 0; i < g.n; i++) {
        bool wanted = !only || !only[0];
        for (size_t k = 0; only && only[k]; k++) wanted = wanted || strcmp(only[k], g.t[i].name) == 0;
        bool internal = strcmp(g.t[i].name, "dorm_migrations") == 0 || strcmp(g.t[i].name, "django_migrations") == 0;
        g.models[i] = wanted && !internal ? model_name(cx, g.t[i].name, g.models, i) : NULL;
        if (wanted && !internal && !g.models[i]) return DORM_ENOMEM;
    }
    for (size_t k = 0; only && only[k]; k++)
        if (table_index(&g, only[k]) < 0)
            return dorm_ctx_fail(cx, DORM_EVALUE, "inspectdb: no table named '%s'.", only[k]);
    dorm_buf_puts(&g.out,
                  "/* Models for an existing database, written by dorm's inspectdb.  Check the\n"
                  " * guesses (types, nullability, on_delete) before relying on them; dorm\n"
                  " * creates these tables only if you migrate them. */\n"
                  "#include <dorm.h>\n\n#ifndef APP_LABEL\n#define APP_LABEL ");
    c_string(&g.out, app_label ? app_label : "inspected");
    dorm_buf_puts(&g.out, "\n#endif\n\n");
    for (size_t i = 0; i < g.n; i++) {
        int npk;
        if (g.models[i] && !pk_of(&g.t[i], &npk) && npk < 2) left_out(&g, i);
    }
    for (size_t i = 0; !rc && i < g.n; i++)
        if (g.models[i]) rc = name_columns(&g, i);
    for (size_t i = 0; i < g.n; i++)
        if (g.models[i]) dorm_buf_printf(&g.out, "DORM_MODEL_DECLARE(%s);\n", g.models[i]);
    dorm_buf_putc(&g.out, '\n');
    for (size_t i = 0; i < g.n; i++)
        if (g.models[i]) emit_struct(&g, i);
    for (size_t i = 0; i < g.n; i++)
        if (g.models[i]) emit_fields(&g, i);
    dorm_buf_puts(&g.out, "const dorm_app inspected_app = {.label = APP_LABEL, .models = DORM_MODELS(");
    int shown = 0;
    for (size_t i = 0; i < g.n; i++)
        if (g.models[i]) dorm_buf_printf(&g.out, "%s&%s_model", shown++ ? ", " : "", g.models[i]);
    dorm_buf_puts(&g.out, shown ? ")};\n" : "NULL)};\n");
    for (size_t i = 0; i < g.n; i++)
        for (size_t c = 0; g.models[i] && g.columns[i] && c < g.t[i].ncolumns; c++)
            dorm_buf_free(&g.columns[i][c].notes);
    /* Nothing half-written: the code goes out whole or not at all. */
    if (!rc && g.out.failed) rc = dorm_ctx_fail(cx, DORM_ENOMEM, "out of memory");
    if (!rc && fwrite(g.out.data, 1, g.out.len, out) != g.out.len)
        rc = dorm_ctx_fail(cx, DORM_EOPERATIONAL, "inspectdb: cannot write the models.");
    dorm_buf_free(&g.out);
    return rc;
}
