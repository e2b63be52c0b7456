/* inspectdb.c - C model code for an existing database: a struct, a field
 * table and a dorm_model per table (names as Django's inspectdb makes them,
 * foreign keys with DORM_DO_NOTHING, .db_table and .db_column where names
 * differ), and the app, ready to compile against libdorm. */
#include <ctype.h>
#include <string.h>

#include "backend/db.h"
#include "core/ctx.h"
#include "dorm/manage.h"
#include "model/meta.h"

static const char *const keywords[] = {
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum", "extern",
    "float", "for", "goto", "if", "inline", "int", "long", "register", "restrict", "return", "short", "signed",
    "sizeof", "static", "struct", "switch", "typedef", "union", "unsigned", "void", "volatile", "while", "bool",
    "pk", "id_", NULL};

/* "library_author" -> "LibraryAuthor" (Django's table2model). */
static const char *model_name(dorm_ctx *cx, const char *table) {
    dorm_buf b = DORM_BUF_INIT;
    bool up = true;
    for (const char *p = table; *p; p++) {
        if (!isalnum((unsigned char)*p)) {
            up = true;
            continue;
        }
        dorm_buf_putc(&b, up ? (char)toupper((unsigned char)*p) : *p);
        up = false;
    }
    const char *r = dorm_strdup(cx, b.data && !isdigit((unsigned char)b.data[0]) ? b.data : "Table");
    dorm_buf_free(&b);
    return r;
}

/* A C member name for a column: letters, digits, underscores, no keyword. */
static const char *field_name(dorm_ctx *cx, const dorm_icolumn *c) {
    size_t n = strlen(c->name);
    if (c->ref_table && n > 3 && strcmp(c->name + n - 3, "_id") == 0) n -= 3;
    char *s = dorm_arena_strndup(&cx->arena, c->name, n);
    if (!s) return NULL;
    for (char *p = s; *p; p++) {
        *p = (char)tolower((unsigned char)*p);
        if (!isalnum((unsigned char)*p) && *p != '_') *p = '_';
    }
    bool bad = !*s || isdigit((unsigned char)s[0]) || strstr(s, "__") || s[strlen(s) - 1] == '_';
    for (size_t i = 0; keywords[i] && !bad; i++) bad = strcmp(keywords[i], s) == 0;
    return bad ? dorm_sprintf(cx, "%s_field", s[0] && !isdigit((unsigned char)s[0]) ? s : "number") : s;
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
    default: return "const char *";
    }
}

static const char *macro_of(dorm_kind k) {
    static const char *const names[DORM_KIND__COUNT] = {
        [DORM_KIND_AUTO] = "AUTO",       [DORM_KIND_BIGAUTO] = "BIGAUTO",   [DORM_KIND_CHAR] = "CHAR",
        [DORM_KIND_TEXT] = "TEXT",       [DORM_KIND_INT] = "INT",           [DORM_KIND_BIGINT] = "BIGINT",
        [DORM_KIND_SMALLINT] = "SMALLINT", [DORM_KIND_POSINT] = "POSINT",   [DORM_KIND_POSSMALLINT] = "POSSMALLINT",
        [DORM_KIND_FLOAT] = "FLOAT",     [DORM_KIND_DECIMAL] = "DECIMAL",   [DORM_KIND_BOOL] = "BOOL",
        [DORM_KIND_DATE] = "DATE",       [DORM_KIND_DATETIME] = "DATETIME", [DORM_KIND_TIME] = "TIME",
        [DORM_KIND_UUID] = "UUID",       [DORM_KIND_JSON] = "JSON",         [DORM_KIND_BINARY] = "BINARY",
    };
    return k > DORM_KIND_NONE && k < DORM_KIND__COUNT && names[k] ? names[k] : "TEXT";
}

typedef struct gen {
    dorm_ctx *cx;
    dorm_itable *t;
    size_t n;
    const char **models;           /* per table; NULL: left out */
    FILE *out;
} gen;

static int table_index(const gen *g, const char *name) {
    for (size_t i = 0; name && i < g->n; i++)
        if (g->models[i] && strcmp(g->t[i].name, name) == 0) return (int)i;
    return -1;
}

static const dorm_icolumn *pk_of(const dorm_itable *t) {
    for (size_t i = 0; i < t->ncolumns; i++)
        if (t->columns[i].primary_key) return &t->columns[i];
    return NULL;
}

/* A key this program can model: to the primary key of an inspected table. */
static int fk_target(const gen *g, const dorm_icolumn *c) {
    int k = table_index(g, c->ref_table);
    const dorm_icolumn *pk = k >= 0 ? pk_of(&g->t[k]) : NULL;
    return pk && c->ref_column && strcmp(pk->name, c->ref_column) == 0 && dorm_kind_is_auto(pk->kind) ? k : -1;
}

static void emit_struct(gen *g, size_t i) {
    const dorm_itable *t = &g->t[i];
    fprintf(g->out, "typedef struct %s {\n    DORM_OBJECT;\n", g->models[i]);
    for (size_t c = 0; c < t->ncolumns; c++) {
        const dorm_icolumn *col = &t->columns[c];
        int k = fk_target(g, col);
        const char *name = field_name(g->cx, col);
        if (k >= 0) fprintf(g->out, "    DORM_FK(%s) %s;\n", g->models[k], name);
        else fprintf(g->out, "    %s%s%s;\n", member_type(col->kind), strchr(member_type(col->kind), '*') ? "" : " ", name);
    }
    fprintf(g->out, "} %s;\n\n", g->models[i]);
}

static void emit_fields(gen *g, size_t i) {
    const dorm_itable *t = &g->t[i];
    const char *m = g->models[i];
    fprintf(g->out, "static const dorm_field %s_fields[] = {\n", m);
    for (size_t c = 0; c < t->ncolumns; c++) {
        const dorm_icolumn *col = &t->columns[c];
        const char *name = field_name(g->cx, col);
        int k = fk_target(g, col);
        dorm_buf opts = DORM_BUF_INIT;
        bool named = strcmp(name, col->name) != 0 && !(k >= 0 && strcmp(col->name, dorm_sprintf(g->cx, "%s_id", name)) == 0);
        if (named) dorm_buf_printf(&opts, ", .db_column = \"%s\"", col->name);
        if (col->primary_key && !dorm_kind_is_auto(col->kind)) dorm_buf_puts(&opts, ", .primary_key = true");
        if (col->null && !col->primary_key) dorm_buf_puts(&opts, ", .null = true, .blank = true");
        if (col->unique && !col->primary_key) dorm_buf_puts(&opts, ", .unique = true");
        const char *note = NULL;
        if (k >= 0) {
            /* Two keys to one table would clash in their reverse accessors. */
            int same = 0;
            for (size_t o = 0; o < t->ncolumns; o++) same += fk_target(g, &t->columns[o]) == k;
            fprintf(g->out, "    DORM_FOREIGN_KEY(%s, %s, %s, .on_delete = DORM_DO_NOTHING%s%s),\n", m, name,
                    g->models[k], opts.data ? opts.data : "", same > 1 || k == (int)i ? ", .related_name = \"+\"" : "");
            dorm_buf_free(&opts);
            continue;
        }
        dorm_kind kind = col->kind;
        if (kind == DORM_KIND_CHAR && !col->max_length) kind = DORM_KIND_TEXT;
        if (kind == DORM_KIND_CHAR) dorm_buf_printf(&opts, ", .max_length = %d", col->max_length);
        if (kind == DORM_KIND_DECIMAL && col->max_digits <= 0) {
            /* SQLite's "decimal" keeps no precision: Django's guess. */
            note = "max_digits and decimal_places have been guessed, as this database handles decimal fields as float";
            dorm_buf_puts(&opts, ", .max_digits = 10, .decimal_places = 5");
        } else if (kind == DORM_KIND_DECIMAL) {
            int digits = col->max_digits > DORM_DECIMAL_DIGITS ? DORM_DECIMAL_DIGITS : col->max_digits;
            if (digits != col->max_digits) note = "dorm keeps at most 38 digits";
            dorm_buf_printf(&opts, ", .max_digits = %d, .decimal_places = %d", digits,
                            col->decimal_places < digits ? col->decimal_places : digits);
        }
        if (col->kind == DORM_KIND_NONE) note = "This field type is a guess.";
        if (col->ref_table) note = "a foreign key this program does not model";
        fprintf(g->out, "    DORM_%s(%s, %s%s),", macro_of(kind), m, name, opts.data ? opts.data : "");
        if (note) fprintf(g->out, " /* %s (%s) */", note, col->type);
        fputc('\n', g->out);
        dorm_buf_free(&opts);
    }
    fprintf(g->out, "    DORM_END,\n};\nconst dorm_model %s_model = DORM_MODEL(%s, APP_LABEL, %s_fields, .db_table = \"%s\");\n\n",
            m, m, m, t->name);
}

int dorm_inspectdb(dorm_ctx *cx, const char *const *only, const char *app_label, FILE *out) {
    dorm_error_clear(cx);
    if (!cx->db->drv->introspect) return dorm_fail(cx, DORM_ECONFIG, "inspectdb: this backend cannot introspect.");
    gen g = {cx, NULL, 0, NULL, out};
    int rc = cx->db->drv->introspect(cx, &g.t, &g.n);
    if (rc) return rc;
    g.models = dorm_alloc(cx, sizeof(char *) * (g.n + 1));
    if (!g.models) return DORM_ENOMEM;
    for (size_t i = 0; i < g.n; i++) {
        bool wanted = !only || !only[0];
        for (size_t k = 0; only && only[k]; k++) wanted = wanted || strcmp(only[k], g.t[i].name) == 0;
        bool internal = strcmp(g.t[i].name, "dorm_migrations") == 0 || strcmp(g.t[i].name, "django_migrations") == 0;
        g.models[i] = wanted && !internal ? model_name(cx, g.t[i].name) : NULL;
    }
    for (size_t k = 0; only && only[k]; k++)
        if (table_index(&g, only[k]) < 0) return dorm_fail(cx, DORM_EVALUE, "inspectdb: no table named '%s'.", only[k]);
    fprintf(out, "/* Models for an existing database, written by dorm's inspectdb.  Check the\n"
                 " * guesses (types, nullability, on_delete) before relying on them; dorm\n"
                 " * creates these tables only if you migrate them. */\n"
                 "#include <dorm.h>\n\n#ifndef APP_LABEL\n#define APP_LABEL \"%s\"\n#endif\n\n",
            app_label ? app_label : "inspected");
    for (size_t i = 0; i < g.n; i++) {
        if (!g.models[i]) continue;
        if (!pk_of(&g.t[i])) {
            fprintf(out, "/* %s: no single-column primary key, which dorm needs: left out. */\n\n", g.t[i].name);
            g.models[i] = NULL;
        }
    }
    for (size_t i = 0; i < g.n; i++)
        if (g.models[i]) fprintf(out, "DORM_MODEL_DECLARE(%s);\n", g.models[i]);
    fputc('\n', out);
    for (size_t i = 0; i < g.n; i++)
        if (g.models[i]) emit_struct(&g, i);
    for (size_t i = 0; i < g.n; i++)
        if (g.models[i]) emit_fields(&g, i);
    fputs("const dorm_app inspected_app = {.label = APP_LABEL, .models = DORM_MODELS(", out);
    int shown = 0;
    for (size_t i = 0; i < g.n; i++)
        if (g.models[i]) fprintf(out, "%s&%s_model", shown++ ? ", " : "", g.models[i]);
    fputs(shown ? ")};\n" : "NULL)};\n", out);
    return DORM_OK;
}
