/* file.c - migration files: JSON data, one file per migration
 * ({"dependencies", "initial", "replaces", "operations"}), read with every
 * name validated (no SQL can come in through an identifier) and errors that
 * name the file and operation; writer.c writes them. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ctx.h"
#include "migrate/migration.h"
#include "model/custom.h"
#include "core/alloc.h"
#include "core/json.h"

const char *const dorm_op_names[DORM_OP__COUNT] = {
    [DORM_OP_CREATE_MODEL] = "CreateModel",
    [DORM_OP_DELETE_MODEL] = "DeleteModel",
    [DORM_OP_RENAME_MODEL] = "RenameModel",
    [DORM_OP_ALTER_MODEL_TABLE] = "AlterModelTable",
    [DORM_OP_ALTER_MODEL_OPTIONS] = "AlterModelOptions",
    [DORM_OP_ADD_FIELD] = "AddField",
    [DORM_OP_REMOVE_FIELD] = "RemoveField",
    [DORM_OP_ALTER_FIELD] = "AlterField",
    [DORM_OP_RENAME_FIELD] = "RenameField",
    [DORM_OP_ADD_INDEX] = "AddIndex",
    [DORM_OP_REMOVE_INDEX] = "RemoveIndex",
    [DORM_OP_RENAME_INDEX] = "RenameIndex",
    [DORM_OP_ADD_CONSTRAINT] = "AddConstraint",
    [DORM_OP_REMOVE_CONSTRAINT] = "RemoveConstraint",
    [DORM_OP_ALTER_UNIQUE_TOGETHER] = "AlterUniqueTogether",
    [DORM_OP_RUN_SQL] = "RunSQL",
    [DORM_OP_RUN_C] = "RunC",
};

const char *const dorm_on_delete_names[DORM_SET + 1] = {
    [DORM_ON_DELETE_UNSET] = NULL,    [DORM_CASCADE] = "CASCADE",   [DORM_PROTECT] = "PROTECT",
    [DORM_RESTRICT] = "RESTRICT",     [DORM_SET_NULL] = "SET_NULL", [DORM_SET_DEFAULT] = "SET_DEFAULT",
    [DORM_DO_NOTHING] = "DO_NOTHING", [DORM_SET] = "SET",
};

/* ---- reading ---------------------------------------------------------------- */

typedef struct reader {
    dorm_ctx *cx;
    const dorm_app *const *apps; /* where field types are found by name */
    const char *path;
    int op; /* 1-based operation being read, 0: none */
    int rc;
} reader;

static void bad(reader *r, const char *fmt, ...) {
    if (r->rc) return;
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (r->op)
        dorm_ctx_fail(r->cx, DORM_EVALUE, "%s: operation %d: %s", r->path, r->op, msg);
    else
        dorm_ctx_fail(r->cx, DORM_EVALUE, "%s: %s", r->path, msg);
    r->rc = DORM_EVALUE;
}

/* Identifiers reach DDL: letters, digits and underscores only. */
static bool identifier(const char *s, bool dots) {
    if (!s || !*s || strlen(s) > 63) return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_' || (*p >= '0' && *p <= '9') ||
              (dots && (*p == '.' || *p == '-'))))
            return false;
    return !(s[0] >= '0' && s[0] <= '9');
}

/* An identifier, or a hidden relation's name: Django takes any name ending
 * with "+" (its hidden many-to-manys get "_<app>_<model>_<field>_+"), and
 * no such name is ever looked up; control characters aside. */
static bool related_name_ok(const char *s) {
    size_t n = strlen(s);
    if (!n || s[n - 1] != '+') return identifier(s, false);
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f) return false;
    return n <= 255;
}

static const char *str(reader *r, json_t *o, const char *key, bool required, bool ident) {
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v)) {
        if (required) bad(r, "missing \"%s\"", key);
        return NULL;
    }
    if (!json_is_string(v)) {
        bad(r, "\"%s\" must be a string", key);
        return NULL;
    }
    const char *s = json_string_value(v);
    if (ident && !identifier(s, false)) {
        bad(r, "invalid name '%s': use letters, digits and underscores", s);
        return NULL;
    }
    return dorm_strdup(r->cx, s);
}

static const char *label(reader *r, json_t *o, const char *key) {
    const char *s = str(r, o, key, false, false);
    if (s && (!strchr(s, '.') || !identifier(s, true))) bad(r, "invalid model label '%s' (expected \"app.model\")", s);
    return s;
}

static const char *const *names(reader *r, json_t *a, const char *what) {
    if (!a || json_is_null(a)) return NULL;
    if (!json_is_array(a)) {
        bad(r, "\"%s\" must be a list of names", what);
        return NULL;
    }
    size_t n = json_array_size(a);
    const char **l = dorm_alloc(r->cx, sizeof(char *) * (n + 1));
    if (!l) return NULL;
    for (size_t i = 0; i < n; i++) {
        const char *s = json_string_value(json_array_get(a, i));
        if (!s || !identifier(s[0] == '-' ? s + 1 : s, false)) {
            bad(r, "invalid name in \"%s\"", what);
            return NULL;
        }
        l[i] = dorm_strdup(r->cx, s);
    }
    l[n] = NULL;
    return l;
}

static bool flag(json_t *o, const char *key, bool dflt) {
    json_t *v = json_object_get(o, key);
    return json_is_boolean(v) ? json_is_true(v) : dflt;
}

/* An integer attribute (max_length, ...) within [lo, hi]; 0 when absent. */
static int num(reader *r, json_t *o, const char *key, int lo, int hi) {
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v)) return 0;
    if (!json_is_integer(v)) {
        bad(r, "\"%s\" must be an integer", key);
        return 0;
    }
    json_int_t n = json_integer_value(v);
    if (n < lo || n > hi) {
        bad(r, "\"%s\" must be between %d and %d (got %lld)", key, lo, hi, (long long)n);
        return 0;
    }
    return (int)n;
}

bool dorm_kind__int_range(dorm_kind k, int64_t *lo, int64_t *hi) {
    switch (k) {
    case DORM_KIND_SMALLINT: *lo = -32768, *hi = 32767; return true;
    case DORM_KIND_POSSMALLINT: *lo = 0, *hi = 32767; return true;
    case DORM_KIND_INT:
    case DORM_KIND_AUTO: *lo = -2147483647 - 1, *hi = 2147483647; return true;
    case DORM_KIND_POSINT: *lo = 0, *hi = 2147483647; return true;
    case DORM_KIND_BIGINT:
    case DORM_KIND_BIGAUTO:
    case DORM_KIND_FK: *lo = INT64_MIN, *hi = INT64_MAX; return true;
    default: return false;
    }
}

int dorm_migration__number(const char *name) {
    const char *sq = strstr(name, "_squashed_");
    const char *p = sq && sq[10] >= '0' && sq[10] <= '9' ? sq + 10 : name;
    long n = 0;
    for (; *p >= '0' && *p <= '9' && n < 100000000; p++) n = n * 10 + (*p - '0');
    return (int)n;
}

static dorm_value value_of(reader *r, json_t *v) {
    if (json_is_string(v)) return dorm_v_text(dorm_strdup(r->cx, json_string_value(v)));
    if (json_is_integer(v)) return dorm_v_int(json_integer_value(v));
    if (json_is_real(v)) return dorm_v_float(json_real_value(v));
    if (json_is_boolean(v)) return dorm_v_bool(json_is_true(v));
    if (json_is_null(v)) return dorm_v_null();
    bad(r, "unsupported default value");
    return dorm_v_null();
}

/* A field's "default": a value, or {"callable": "timezone.now"} (the one
 * callable a file can name); an integer field's default must fit it. */
static void read_default(reader *r, json_t *d, dorm_fstate *out) {
    dorm_field *f = &out->f;
    f->default_value = (dorm_value){DORM_T_NONE, 0, {0}};
    if (!d) return;
    if (json_is_object(d)) {
        const char *fn = json_string_value(json_object_get(d, "callable"));
        if (!fn || strcmp(fn, "timezone.now") != 0 || json_object_size(d) != 1) {
            bad(r, "field '%s': a default object must be {\"callable\": \"timezone.now\"}", f->name);
            return;
        }
        out->default_now = true;
        return;
    }
    dorm_value v = value_of(r, d);
    int64_t lo, hi;
    if (dorm_kind__int_range(f->kind, &lo, &hi) && (v.type == DORM_T_INT || v.type == DORM_T_FLOAT)) {
        /* (double)INT64_MAX rounds up to 2^63, hence the strict comparison. */
        bool fits = v.type == DORM_T_INT ? v.u.i >= lo && v.u.i <= hi
                                         : isfinite(v.u.f) && v.u.f == floor(v.u.f) && v.u.f >= (double)lo &&
                v.u.f < (double)hi + 1.0 && (hi < INT64_MAX || v.u.f < 9223372036854775808.0);
        if (!fits) {
            char shown[64];
            if (v.type == DORM_T_INT)
                snprintf(shown, sizeof shown, "%lld", (long long)v.u.i);
            else
                snprintf(shown, sizeof shown, "%g", v.u.f);
            bad(r, "field '%s': default %s does not fit %s (an integer from %lld to %lld)", f->name, shown,
                dorm_kind__name(f->kind), (long long)lo, (long long)hi);
            return;
        }
        if (v.type == DORM_T_FLOAT) v = dorm_v_int((int64_t)v.u.f);
    }
    f->default_value = v;
}

static dorm_kind kind_by_name(const char *s) {
    if (s && strcmp(s, "OneToOneField") == 0) return DORM_KIND_FK;
    for (int k = DORM_KIND_NONE + 1; k < DORM_KIND__COUNT; k++)
        if (s && strcmp(dorm_kind__name((dorm_kind)k), s) == 0) return (dorm_kind)k;
    return DORM_KIND_NONE;
}

static void read_field(reader *r, json_t *o, const char *name, dorm_fstate *out) {
    memset(out, 0, sizeof *out);
    dorm_field *f = &out->f;
    if (!json_is_object(o)) {
        bad(r, "field '%s' must be an object", name);
        return;
    }
    f->name = name;
    const char *type = str(r, o, "type", true, false);
    f->kind = kind_by_name(type);
    /* A type of the program's, recorded by its name. */
    if (!f->kind && type && (f->type = dorm_field__type_find(r->apps, type))) {
        f->kind = DORM_KIND_CUSTOM;
        f->size = f->type->size;
    }
    if (!f->kind) bad(r, "unknown field type '%s'", type);
    f->one_to_one = type && strcmp(type, "OneToOneField") == 0;
    f->primary_key = flag(o, "primary_key", false);
    f->max_length = num(r, o, "max_length", 1, 2147483647);
    f->max_digits = num(r, o, "max_digits", 1, 1000);
    f->decimal_places = num(r, o, "decimal_places", 0, 1000);
    f->null = flag(o, "null", false);
    f->blank = flag(o, "blank", false);
    f->unique = flag(o, "unique", false) || f->one_to_one;
    /* Django writes db_index where it differs from the kind's default. */
    bool by_default = f->kind == DORM_KIND_FK || f->kind == DORM_KIND_SLUG;
    bool indexed = flag(o, "db_index", by_default);
    f->db_index = indexed && !by_default;
    f->no_db_index = !indexed && by_default;
    f->db_column = str(r, o, "db_column", false, true);
    read_default(r, json_object_get(o, "default"), out);
    out->default_callable = flag(o, "default_callable", false);
    f->auto_now = flag(o, "auto_now", false);
    f->auto_now_add = flag(o, "auto_now_add", false);
    f->not_editable = !flag(o, "editable", true);
    out->to = label(r, o, "to");
    const char *od = str(r, o, "on_delete", false, false);
    for (size_t i = 1; od && i < sizeof dorm_on_delete_names / sizeof *dorm_on_delete_names; i++)
        if (strcmp(od, dorm_on_delete_names[i]) == 0) f->on_delete = (dorm_on_delete)i;
    if (od && !f->on_delete) bad(r, "unknown on_delete '%s'", od);
    f->related_name = str(r, o, "related_name", false, false);
    if (f->related_name && !related_name_ok(f->related_name)) bad(r, "invalid related_name '%s'", f->related_name);
    f->related_query_name = str(r, o, "related_query_name", false, true);
    f->to_field = str(r, o, "to_field", false, true);
    f->no_db_constraint = !flag(o, "db_constraint", true);
    out->through = label(r, o, "through");
    f->db_table = str(r, o, "db_table", false, true);
    f->asymmetrical = !flag(o, "symmetrical", true);
    f->parent_link = flag(o, "parent_link", false);
    /* CompositePrimaryKey("product_id", "order_id"): its fields by name. */
    if (f->kind == DORM_KIND_COMPOSITE) f->pk_fields = names(r, json_object_get(o, "fields"), "fields");
    f->upload_to = str(r, o, "upload_to", false, false);
    f->width_field = str(r, o, "width_field", false, true);
    f->height_field = str(r, o, "height_field", false, true);
    if ((f->kind == DORM_KIND_FK || f->kind == DORM_KIND_M2M) && !out->to) bad(r, "field '%s' needs \"to\"", name);
}

static const dorm_q *read_q(reader *r, json_t *o) {
    dorm_q *q = dorm_alloc(r->cx, sizeof *q);
    if (!q || !json_is_object(o)) {
        bad(r, "a check must be an object");
        return NULL;
    }
    memset(q, 0, sizeof *q);
    static const char *const groups[] = {"and", "or", "not"};
    static const dorm_q_kind kinds[] = {DORM_Q_AND, DORM_Q_OR, DORM_Q_NOT};
    for (int g = 0; g < 3; g++) {
        json_t *a = json_object_get(o, groups[g]);
        if (!a) continue;
        size_t n = json_array_size(a);
        const dorm_q **kids = dorm_alloc(r->cx, sizeof(*kids) * (n + 1));
        if (!kids) return NULL;
        for (size_t i = 0; i < n; i++) kids[i] = read_q(r, json_array_get(a, i));
        kids[n] = NULL;
        q->kind = kinds[g];
        q->children = kids;
        return q;
    }
    q->kind = DORM_Q_LEAF;
    q->path = str(r, o, "path", true, false);
    if (q->path && !identifier(q->path, false)) bad(r, "invalid check path '%s'", q->path);
    q->value = value_of(r, json_object_get(o, "value"));
    return q;
}

static void read_constraint(reader *r, json_t *o, dorm_constraint *k) {
    const char *type = str(r, o, "type", true, false);
    k->name = str(r, o, "name", true, true);
    if (type && strcmp(type, "UniqueConstraint") == 0) {
        k->kind = DORM_CONSTRAINT_UNIQUE;
        k->fields = names(r, json_object_get(o, "fields"), "fields");
    } else if (type && strcmp(type, "CheckConstraint") == 0) {
        k->kind = DORM_CONSTRAINT_CHECK;
        k->check = read_q(r, json_object_get(o, "check"));
    } else {
        bad(r, "unknown constraint type '%s'", type);
    }
}

static void read_options(reader *r, json_t *o, dorm_mstate *m) {
    if (!o) return;
    m->db_table = str(r, o, "db_table", false, true);
    m->ordering = names(r, json_object_get(o, "ordering"), "ordering");
    m->verbose_name = str(r, o, "verbose_name", false, false);
    m->verbose_name_plural = str(r, o, "verbose_name_plural", false, false);
    m->get_latest_by = str(r, o, "get_latest_by", false, false);
    m->proxy = flag(o, "proxy", false);
    json_t *ix = json_object_get(o, "indexes");
    if (ix) {
        size_t n = json_array_size(ix);
        dorm_index *l = dorm_alloc(r->cx, sizeof *l * (n + 1));
        if (!l) return;
        for (size_t i = 0; i < n; i++) {
            json_t *e = json_array_get(ix, i);
            l[i] = (dorm_index){names(r, json_object_get(e, "fields"), "fields"), str(r, e, "name", false, true)};
        }
        l[n] = (dorm_index){NULL, NULL};
        m->indexes = l;
    }
    json_t *ut = json_object_get(o, "unique_together");
    if (ut) {
        size_t n = json_array_size(ut);
        const char *const **l = dorm_alloc(r->cx, sizeof(*l) * (n + 1));
        if (!l) return;
        for (size_t i = 0; i < n; i++) l[i] = names(r, json_array_get(ut, i), "unique_together");
        l[n] = NULL;
        m->unique_together = l;
    }
    json_t *ks = json_object_get(o, "constraints");
    if (ks) {
        size_t n = json_array_size(ks);
        dorm_constraint *l = dorm_alloc(r->cx, sizeof *l * (n + 1));
        if (!l) return;
        memset(l, 0, sizeof *l * (n + 1));
        for (size_t i = 0; i < n; i++) read_constraint(r, json_array_get(ks, i), &l[i]);
        m->constraints = l;
    }
}

static const char *const *sql_list(reader *r, json_t *v) {
    if (json_is_string(v))
        v = json_pack("[s]", json_string_value(v));
    else
        json_incref(v);
    if (!json_is_array(v)) {
        json_decref(v);
        return NULL;
    }
    size_t n = json_array_size(v);
    const char **l = dorm_alloc(r->cx, sizeof(char *) * (n + 1));
    for (size_t i = 0; l && i < n; i++)
        l[i] =
            dorm_strdup(r->cx, json_string_value(json_array_get(v, i)) ? json_string_value(json_array_get(v, i)) : "");
    if (l) l[n] = NULL;
    json_decref(v);
    return l;
}

static void read_op(reader *r, json_t *o, dorm_op *op, const char *app) {
    memset(op, 0, sizeof *op);
    op->app = app;
    op->preserve_default = true;
    const char *type = str(r, o, "operation", true, false);
    for (int k = 1; type && k < DORM_OP__COUNT; k++)
        if (strcmp(type, dorm_op_names[k]) == 0) op->kind = (dorm_op_kind)k;
    /* django.contrib.postgres.operations' two: AddIndex / RemoveIndex
     * spelled CONCURRENTLY; and AlterFieldConcurrently. */
    size_t tl = type ? strlen(type) : 0;
    if (!op->kind && tl > 12 && strcmp(type + tl - 12, "Concurrently") == 0) {
        if (strncmp(type, "AddIndex", tl - 12) == 0 && tl - 12 == 8) op->kind = DORM_OP_ADD_INDEX;
        if (strncmp(type, "RemoveIndex", tl - 12) == 0 && tl - 12 == 11) op->kind = DORM_OP_REMOVE_INDEX;
        /* dorm's own: NULL -> NOT NULL without a long exclusive lock. */
        if (strncmp(type, "AlterField", tl - 12) == 0 && tl - 12 == 10) op->kind = DORM_OP_ALTER_FIELD;
        op->concurrently = op->kind != 0;
    }
    if (!op->kind) {
        bad(r, "unknown operation '%s'", type);
        return;
    }
    switch (op->kind) {
    case DORM_OP_CREATE_MODEL: {
        dorm_mstate *m = dorm_alloc(r->cx, sizeof *m);
        if (!m) return;
        memset(m, 0, sizeof *m);
        m->app = app;
        m->name = str(r, o, "name", true, true);
        json_t *fs = json_object_get(o, "fields");
        m->nfields = (int)json_array_size(fs);
        m->fields = dorm_alloc(r->cx, sizeof(dorm_fstate) * (size_t)(m->nfields + 1));
        for (int i = 0; m->fields && i < m->nfields; i++) {
            json_t *pair = json_array_get(fs, (size_t)i);
            const char *fname = json_string_value(json_array_get(pair, 0));
            if (!identifier(fname, false)) bad(r, "invalid field name '%s'", fname ? fname : "");
            read_field(r, json_array_get(pair, 1), dorm_strdup(r->cx, fname ? fname : ""), &m->fields[i]);
        }
        read_options(r, json_object_get(o, "options"), m);
        /* Django's bases: the concrete model it inherits from, by label. */
        json_t *bases = json_object_get(o, "bases");
        if (bases) {
            size_t n = json_array_size(bases);
            const char **l = dorm_alloc(r->cx, sizeof(char *) * (n + 1));
            if (!l) return;
            for (size_t i = 0; i < n; i++) {
                const char *b = json_string_value(json_array_get(bases, i));
                if (!b || !strchr(b, '.') || !identifier(strchr(b, '.') + 1, false))
                    bad(r, "invalid base '%s'", b ? b : "");
                l[i] = b ? dorm_strdup(r->cx, b) : NULL;
            }
            l[n] = NULL;
            m->bases = l;
        }
        op->create = m;
        op->model = m->name;
        break;
    }
    case DORM_OP_DELETE_MODEL:
    case DORM_OP_ALTER_MODEL_TABLE:
    case DORM_OP_ALTER_MODEL_OPTIONS:
    case DORM_OP_ALTER_UNIQUE_TOGETHER:
        op->model = str(r, o, "name", true, true);
        op->table = op->kind == DORM_OP_ALTER_MODEL_TABLE ? str(r, o, "table", false, true) : NULL;
        if (op->kind == DORM_OP_ALTER_MODEL_OPTIONS) {
            op->create = dorm_alloc(r->cx, sizeof *op->create);
            if (!op->create) return;
            memset(op->create, 0, sizeof *op->create);
            op->create->app = app;
            op->create->name = op->model;
            read_options(r, json_object_get(o, "options"), op->create);
        }
        if (op->kind == DORM_OP_ALTER_UNIQUE_TOGETHER) {
            dorm_mstate tmp = {0};
            read_options(r, o, &tmp);
            op->together = tmp.unique_together;
        }
        break;
    case DORM_OP_RENAME_MODEL:
        op->old_name = str(r, o, "old_name", true, true);
        op->new_name = str(r, o, "new_name", true, true);
        op->model = op->new_name;
        break;
    case DORM_OP_RUN_SQL:
    case DORM_OP_RUN_C: break;
    default: op->model = str(r, o, "model_name", true, true); break;
    }
    switch (op->kind) {
    case DORM_OP_ADD_FIELD:
    case DORM_OP_ALTER_FIELD: {
        const char *fname = str(r, o, "name", true, true);
        op->name = fname;
        read_field(r, json_object_get(o, "field"), fname, &op->field);
        op->preserve_default = flag(o, "preserve_default", true);
        break;
    }
    case DORM_OP_REMOVE_FIELD:
    case DORM_OP_REMOVE_INDEX:
    case DORM_OP_REMOVE_CONSTRAINT: op->name = str(r, o, "name", true, true); break;
    case DORM_OP_RENAME_FIELD:
    case DORM_OP_RENAME_INDEX:
        op->old_name = str(r, o, "old_name", true, true);
        op->new_name = str(r, o, "new_name", true, true);
        break;
    case DORM_OP_ADD_INDEX: {
        json_t *ix = json_object_get(o, "index");
        op->index = (dorm_index){names(r, json_object_get(ix, "fields"), "fields"), str(r, ix, "name", true, true)};
        break;
    }
    case DORM_OP_ADD_CONSTRAINT: read_constraint(r, json_object_get(o, "constraint"), &op->constraint); break;
    case DORM_OP_RUN_SQL:
        op->sql = sql_list(r, json_object_get(o, "sql"));
        op->reverse_sql = sql_list(r, json_object_get(o, "reverse_sql"));
        if (!op->sql) bad(r, "RunSQL needs \"sql\"");
        op->elidable = flag(o, "elidable", false);
        break;
    case DORM_OP_RUN_C:
        op->code = str(r, o, "code", true, true);
        op->reverse_code = str(r, o, "reverse_code", false, true);
        op->elidable = flag(o, "elidable", false);
        break;
    default: break;
    }
}

static dorm_mig_key *keys(reader *r, json_t *a, int *n) {
    *n = (int)json_array_size(a);
    dorm_mig_key *k = dorm_alloc(r->cx, sizeof *k * (size_t)(*n + 1));
    for (int i = 0; k && i < *n; i++) {
        json_t *pair = json_array_get(a, (size_t)i);
        const char *app = json_string_value(json_array_get(pair, 0)),
                   *name = json_string_value(json_array_get(pair, 1));
        if (!identifier(app, false) || !name || !*name || strlen(name) > 100 || strpbrk(name, "/\\."))
            bad(r, "invalid dependency");
        k[i] = (dorm_mig_key){dorm_strdup(r->cx, app ? app : ""), dorm_strdup(r->cx, name ? name : "")};
    }
    return k;
}

dorm_migration *dorm_migration__read(dorm_ctx *cx, const dorm_app *const *apps, const char *app, const char *path) {
    reader r = {cx, apps, path, 0, 0};
    json_error_t err;
    int code;
    unsigned long failures = dorm_mem__failures();
    json_t *root = dorm_json__load_file(path, 0, &err, &code);
    if (!root) {
        if (code == DORM_ENOMEM)
            dorm_ctx_fail(cx, code, "out of memory (reading %s)", path);
        else if (code == DORM_EOPERATIONAL)
            dorm_ctx_fail(cx, DORM_ECONFIG, "Cannot read %s: %s", path, strerror(errno));
        else
            dorm_ctx_fail(cx, DORM_ECONFIG, "%s:%d: %s", path, err.line, err.text);
        return NULL;
    }
    dorm_migration *m = dorm_alloc(cx, sizeof *m);
    if (!m) {
        json_decref(root);
        return NULL;
    }
    memset(m, 0, sizeof *m);
    m->app = app;
    m->path = dorm_strdup(cx, path);
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t len = strlen(base);
    m->name = dorm_arena__strndup(&cx->arena, base, len > 5 ? len - 5 : len);
    m->initial = flag(root, "initial", false);
    m->atomic = flag(root, "atomic", true);
    m->deps = keys(&r, json_object_get(root, "dependencies"), &m->ndeps);
    m->replaces = keys(&r, json_object_get(root, "replaces"), &m->nreplaces);
    json_t *ops = json_object_get(root, "operations");
    if (!json_is_array(ops)) bad(&r, "missing \"operations\"");
    m->nops = (int)json_array_size(ops);
    m->ops = dorm_alloc(cx, sizeof(dorm_op) * (size_t)(m->nops + 1));
    for (int i = 0; m->ops && i < m->nops && !r.rc; i++) {
        r.op = i + 1;
        read_op(&r, json_array_get(ops, (size_t)i), &m->ops[i], app);
    }
    json_decref(root);
    /* A value that could not be copied may have read as missing. */
    if (dorm_mem__failures() != failures) {
        dorm_ctx_fail(cx, DORM_ENOMEM, "out of memory (reading %s)", path);
        return NULL;
    }
    return r.rc || !m->ops ? NULL : m;
}
