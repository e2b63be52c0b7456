/* ops.c - what each migration operation does: to the state (pure), in
 * words (Django's describe()), and to the database through the schema editor
 * (backend/alter.c), forwards and backwards, with the table definitions of
 * the states before and after it rendered exactly as dorm_create_all would. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/alter.h"
#include "core/md5.h"
#include "exec/route.h"
#include "migrate/migration.h"
#include "model/meta.h"

static dorm_mstate *need_model(dorm_ctx *cx, const dorm_state *st, const char *app, const char *name) {
    dorm_mstate *m = dorm_state__model(st, app, name);
    if (!m) dorm_ctx_fail(cx, DORM_EVALUE, "No model '%s.%s' in the migration state.", app, name ? name : "?");
    return m;
}

static int need_field(dorm_ctx *cx, const dorm_mstate *m, const char *name) {
    int i = dorm_mstate__field(m, name);
    if (i < 0) dorm_ctx_fail(cx, DORM_EVALUE, "%s.%s has no field named '%s'.", m->app, m->name, name ? name : "?");
    return i;
}

/* A NULL-terminated list with `old` (or "-old") renamed to new_name. */
static const char *const *renamed_list(dorm_state *st, const char *const *l, const char *old, const char *new_name) {
    if (!l) return NULL;
    size_t n = 0;
    while (l[n]) n++;
    const char **r = dorm_arena__alloc(&st->arena, sizeof(char *) * (n + 1));
    if (!r) {
        st->failed = true;
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        bool desc = l[i][0] == '-';
        r[i] = l[i];
        if (strcmp(l[i] + desc, old) != 0) continue;
        if (!desc) {
            r[i] = new_name;
            continue;
        }
        size_t len = strlen(new_name) + 2;
        char *s = dorm_arena__alloc(&st->arena, len);
        if (!s) {
            st->failed = true;
            return NULL;
        }
        s[0] = '-';
        memcpy(s + 1, new_name, len - 1);
        r[i] = s;
    }
    r[n] = NULL;
    return r;
}

static int rename_field(dorm_state *st, dorm_mstate *m, const char *old, const char *new_name) {
    m->ordering = renamed_list(st, m->ordering, old, new_name);
    if (m->indexes) {
        size_t n = 0;
        while (m->indexes[n].fields) n++;
        dorm_index *ix = dorm_arena__calloc(&st->arena, sizeof *ix * (n + 1));
        if (!ix) return DORM_ENOMEM;
        for (size_t i = 0; i < n; i++)
            ix[i] = (dorm_index){renamed_list(st, m->indexes[i].fields, old, new_name), m->indexes[i].name};
        m->indexes = ix;
    }
    if (m->unique_together) {
        size_t n = 0;
        while (m->unique_together[n]) n++;
        const char *const **ut = dorm_arena__calloc(&st->arena, sizeof(*ut) * (n + 1));
        if (!ut) return DORM_ENOMEM;
        for (size_t i = 0; i < n; i++) ut[i] = renamed_list(st, m->unique_together[i], old, new_name);
        m->unique_together = ut;
    }
    if (m->constraints) {
        size_t n = 0;
        while (m->constraints[n].kind) n++;
        dorm_constraint *k = dorm_arena__calloc(&st->arena, sizeof *k * (n + 1));
        if (!k) return DORM_ENOMEM;
        for (size_t i = 0; i < n; i++) {
            k[i] = m->constraints[i];
            k[i].fields = renamed_list(st, k[i].fields, old, new_name);
        }
        m->constraints = k;
    }
    return DORM_OK;
}

static int set_fields(dorm_state *st, dorm_mstate *m, int n) {
    dorm_fstate *fs = dorm_arena__calloc(&st->arena, sizeof(dorm_fstate) * (size_t)(n + 1));
    if (!fs) return DORM_ENOMEM;
    memcpy(fs, m->fields, sizeof(dorm_fstate) * (size_t)(n < m->nfields ? n : m->nfields));
    m->fields = fs;
    return DORM_OK;
}

static void drop_default(dorm_fstate *f) {
    f->f.default_value = (dorm_value){DORM_T_NONE, 0, {0}};
    f->default_callable = false;
    f->default_now = false;
}

static int add_index(dorm_state *st, dorm_mstate *m, const dorm_index *add, const char *remove, const char *rename) {
    size_t n = 0;
    while (m->indexes && m->indexes[n].fields) n++;
    dorm_index *ix = dorm_arena__calloc(&st->arena, sizeof *ix * (n + 2));
    if (!ix) return DORM_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (remove && m->indexes[i].name && strcmp(m->indexes[i].name, remove) == 0) {
            if (!rename) continue;
            ix[k] = m->indexes[i];
            ix[k++].name = dorm_state__str(st, rename);
            continue;
        }
        ix[k++] = m->indexes[i];
    }
    if (add) ix[k++] = (dorm_index){add->fields, dorm_state__str(st, add->name)};
    m->indexes = ix;
    return DORM_OK;
}

static int add_constraint(dorm_state *st, dorm_mstate *m, const dorm_constraint *add, const char *remove) {
    size_t n = 0;
    while (m->constraints && m->constraints[n].kind) n++;
    dorm_constraint *k = dorm_arena__calloc(&st->arena, sizeof *k * (n + 2));
    if (!k) return DORM_ENOMEM;
    size_t j = 0;
    for (size_t i = 0; i < n; i++)
        if (!remove || strcmp(m->constraints[i].name, remove) != 0) k[j++] = m->constraints[i];
    if (add) {
        dorm_mstate tmp = {
            .app = "", .name = "", .constraints = (const dorm_constraint[]){*add, {0, NULL, NULL, NULL}}};
        dorm_mstate copy;
        if (dorm_state__copy_model(st, &copy, &tmp)) return DORM_ENOMEM;
        k[j++] = copy.constraints[0];
    }
    m->constraints = k;
    return DORM_OK;
}

/* The tables a model state names (its own, its many-to-many ones): none may
 * be the database's own. */
static int check_tables(dorm_ctx *cx, dorm_state *st, const dorm_mstate *m) {
    const char *table = dorm_mstate__table(st, m);
    if (!table) return DORM_ENOMEM;
    for (int k = -1; k < m->nfields; k++) {
        const char *t = k < 0 ? table : m->fields[k].f.db_table;
        if (t && dorm_table__name_reserved(t))
            return dorm_ctx_fail(
                cx, DORM_EVALUE,
                "%s.%s: the table name '%s' is reserved for the database's own tables (sqlite_*, pg_*).", m->app,
                m->name, t);
    }
    return DORM_OK;
}

static int apply_to_state(dorm_ctx *cx, dorm_state *st, const dorm_op *op) {
    dorm_mstate *m = NULL;
    int i;
    switch (op->kind) {
    case DORM_OP_CREATE_MODEL:
        if (dorm_state__model(st, op->app, op->create->name))
            return dorm_ctx_fail(cx, DORM_EVALUE, "Model '%s.%s' already exists in the migration state.", op->app,
                                 op->create->name);
        return dorm_state__add(st, op->create) ? DORM_OK : DORM_ENOMEM;
    case DORM_OP_RUN_SQL:
    case DORM_OP_RUN_C: return DORM_OK;
    default: break;
    }
    const char *name = op->kind == DORM_OP_RENAME_MODEL ? op->old_name : op->model;
    if (!(m = need_model(cx, st, op->app, name))) return DORM_EVALUE;
    switch (op->kind) {
    case DORM_OP_DELETE_MODEL: dorm_state__remove(st, m); return DORM_OK;
    case DORM_OP_RENAME_MODEL: {
        const char *old_label = dorm_mstate__label(st, m);
        m->name = dorm_state__str(st, op->new_name);
        const char *new_label = dorm_mstate__label(st, m);
        if (!old_label || !new_label) return DORM_ENOMEM;
        /* Relations to it follow the new name. */
        for (int k = 0; k < st->n; k++)
            for (int f = 0; f < st->models[k]->nfields; f++) {
                dorm_fstate *fs = &st->models[k]->fields[f];
                if (fs->to && strcmp(fs->to, old_label) == 0) fs->to = new_label;
                if (fs->through && strcmp(fs->through, old_label) == 0) fs->through = new_label;
            }
        for (int k = 0; k < st->n; k++) {
            const char *const *bases = st->models[k]->bases;
            if (bases && bases[0] && strcmp(bases[0], old_label) == 0) {
                const char **renamed = dorm_arena__calloc(&st->arena, sizeof(char *) * 2);
                if (!renamed) return DORM_ENOMEM;
                renamed[0] = new_label;
                st->models[k]->bases = renamed;
            }
        }
        return DORM_OK;
    }
    case DORM_OP_ALTER_MODEL_TABLE: m->db_table = dorm_state__str(st, op->table); return DORM_OK;
    case DORM_OP_ALTER_MODEL_OPTIONS: {
        dorm_mstate copy;
        if (dorm_state__copy_model(st, &copy, op->create)) return DORM_ENOMEM;
        m->ordering = copy.ordering;
        m->verbose_name = copy.verbose_name;
        m->verbose_name_plural = copy.verbose_name_plural;
        m->get_latest_by = copy.get_latest_by;
        return DORM_OK;
    }
    case DORM_OP_ADD_FIELD:
        if (dorm_mstate__field(m, op->field.f.name) >= 0)
            return dorm_ctx_fail(cx, DORM_EVALUE, "%s.%s already has a field named '%s'.", m->app, m->name,
                                 op->field.f.name);
        if (set_fields(st, m, m->nfields + 1) || dorm_state__copy_field(st, &m->fields[m->nfields], &op->field))
            return DORM_ENOMEM;
        if (!op->preserve_default) drop_default(&m->fields[m->nfields]);
        m->nfields++;
        return DORM_OK;
    case DORM_OP_REMOVE_FIELD:
        if ((i = need_field(cx, m, op->name)) < 0) return DORM_EVALUE;
        memmove(&m->fields[i], &m->fields[i + 1], sizeof(dorm_fstate) * (size_t)(m->nfields - i - 1));
        m->nfields--;
        return DORM_OK;
    case DORM_OP_ALTER_FIELD:
        if ((i = need_field(cx, m, op->name)) < 0) return DORM_EVALUE;
        if (dorm_state__copy_field(st, &m->fields[i], &op->field)) return DORM_ENOMEM;
        if (!op->preserve_default) drop_default(&m->fields[i]);
        return DORM_OK;
    case DORM_OP_RENAME_FIELD:
        if ((i = need_field(cx, m, op->old_name)) < 0) return DORM_EVALUE;
        m->fields[i].f.name = dorm_state__str(st, op->new_name);
        return rename_field(st, m, op->old_name, op->new_name);
    case DORM_OP_ADD_INDEX: return add_index(st, m, &op->index, NULL, NULL);
    case DORM_OP_REMOVE_INDEX: return add_index(st, m, NULL, op->name, NULL);
    case DORM_OP_RENAME_INDEX: return add_index(st, m, NULL, op->old_name, op->new_name);
    case DORM_OP_ADD_CONSTRAINT: return add_constraint(st, m, &op->constraint, NULL);
    case DORM_OP_REMOVE_CONSTRAINT: return add_constraint(st, m, NULL, op->name);
    case DORM_OP_ALTER_UNIQUE_TOGETHER: {
        dorm_mstate tmp = {.app = "", .name = "", .unique_together = op->together}, copy;
        if (dorm_state__copy_model(st, &copy, &tmp)) return DORM_ENOMEM;
        m->unique_together = copy.unique_together;
        return DORM_OK;
    }
    default: return dorm_ctx_fail(cx, DORM_EVALUE, "Unknown operation %d.", (int)op->kind);
    }
}

int dorm_op__state(dorm_ctx *cx, dorm_state *st, const dorm_op *op) {
    int rc = apply_to_state(cx, st, op);
    if (rc == DORM_ENOMEM || st->failed) return dorm_ctx_fail(cx, DORM_ENOMEM, "out of memory (migration state)");
    if (rc || op->kind == DORM_OP_RUN_SQL || op->kind == DORM_OP_RUN_C || op->kind == DORM_OP_DELETE_MODEL) return rc;
    const char *name = op->kind == DORM_OP_CREATE_MODEL ? op->create->name
        : op->kind == DORM_OP_RENAME_MODEL              ? op->new_name
                                                        : op->model;
    dorm_mstate *m = dorm_state__model(st, op->app, name);
    rc = m ? check_tables(cx, st, m) : DORM_OK;
    return rc == DORM_ENOMEM ? dorm_ctx_fail(cx, DORM_ENOMEM, "out of memory (migration state)") : rc;
}

const char *dorm_op__describe(dorm_ctx *cx, const dorm_op *op) {
    switch (op->kind) {
    case DORM_OP_CREATE_MODEL:
        return dorm_sprintf(cx, "Create %smodel %s", op->create->proxy ? "proxy " : "", op->create->name);
    case DORM_OP_DELETE_MODEL: return dorm_sprintf(cx, "Delete model %s", op->model);
    case DORM_OP_RENAME_MODEL: return dorm_sprintf(cx, "Rename model %s to %s", op->old_name, op->new_name);
    case DORM_OP_ALTER_MODEL_TABLE:
        return dorm_sprintf(cx, "Rename table for %s to %s", op->model, op->table ? op->table : "(default)");
    case DORM_OP_ALTER_MODEL_OPTIONS: return dorm_sprintf(cx, "Change Meta options on %s", op->model);
    case DORM_OP_ADD_FIELD: return dorm_sprintf(cx, "Add field %s to %s", op->field.f.name, op->model);
    case DORM_OP_REMOVE_FIELD: return dorm_sprintf(cx, "Remove field %s from %s", op->name, op->model);
    case DORM_OP_ALTER_FIELD:
        return dorm_sprintf(cx, "%s field %s on %s", op->concurrently ? "Concurrently alter" : "Alter", op->name,
                            op->model);
    case DORM_OP_RENAME_FIELD:
        return dorm_sprintf(cx, "Rename field %s on %s to %s", op->old_name, op->model, op->new_name);
    case DORM_OP_ADD_INDEX: {
        dorm_buf b = DORM_BUF_INIT;
        for (size_t i = 0; op->index.fields && op->index.fields[i]; i++)
            dorm_buf_printf(&b, "%s%s", i ? ", " : "", op->index.fields[i]);
        const char *r = dorm_sprintf(cx, "%s index %s on field(s) %s of model %s",
                                     op->concurrently ? "Concurrently create" : "Create", op->index.name,
                                     b.data ? b.data : "", op->model);
        dorm_buf_free(&b);
        return r;
    }
    case DORM_OP_REMOVE_INDEX:
        return dorm_sprintf(cx, "%s index %s from %s", op->concurrently ? "Concurrently remove" : "Remove", op->name,
                            op->model);
    case DORM_OP_RENAME_INDEX:
        return dorm_sprintf(cx, "Rename index %s on %s to %s", op->old_name, op->model, op->new_name);
    case DORM_OP_ADD_CONSTRAINT:
        return dorm_sprintf(cx, "Create constraint %s on model %s", op->constraint.name, op->model);
    case DORM_OP_REMOVE_CONSTRAINT: return dorm_sprintf(cx, "Remove constraint %s from model %s", op->name, op->model);
    case DORM_OP_ALTER_UNIQUE_TOGETHER: {
        int n = 0;
        while (op->together && op->together[n]) n++;
        return dorm_sprintf(cx, "Alter unique_together for %s (%d constraint(s))", op->model, n);
    }
    case DORM_OP_RUN_SQL: return "Raw SQL operation";
    case DORM_OP_RUN_C: return "Raw C operation";
    default: return "Unknown operation";
    }
}

bool dorm_op__has_ddl(const dorm_op *op) { return op->kind != DORM_OP_ALTER_MODEL_OPTIONS; }

bool dorm_kind__blank_is_empty(dorm_kind k) { return dorm_kind_is_text(k) && k != DORM_KIND_JSON; }

/* ---- the database side ------------------------------------------------------ */

int dorm_ddl__emit(const char *sql, void *payload) {
    dorm_ddl *ddl = payload;
    if (ddl->collect) {
        dorm_buf_puts(ddl->collect, sql);
        dorm_buf_puts(ddl->collect, ";\n");
        return ddl->collect->failed ? DORM_ENOMEM : 0;
    }
    dorm_errbuf e = {0, ""};
    return dorm_db__exec(ddl->cx->db, sql, &e) < 0 ? dorm_fail__errbuf(ddl->cx, &e) : 0;
}

/* The table definition of a model of a rendered state: the registry is the
 * connection's for the time it takes (check constraints compile queries). */
int dorm_ddl__table_def(dorm_ddl *ddl, const dorm_rendered *r, const dorm_meta *m, dorm_table_def *t) {
    dorm_db *db = ddl->cx->db;
    const dorm_registry *saved = db->reg;
    db->reg = r->reg;
    int rc = dorm_table__def_of(ddl->cx, m, t);
    db->reg = saved;
    return rc;
}

static int defer(const char *sql, void *payload) { return dorm_schema__defer(&((dorm_ddl *)payload)->later, sql); }

int dorm_ddl__create_table(dorm_ddl *ddl, const dorm_rendered *r, const dorm_meta *m) {
    dorm_table_def t;
    int rc = dorm_ddl__table_def(ddl, r, m, &t);
    return rc ? rc : dorm_schema__create_table_deferring(ddl->cx->db->dialect, &t, dorm_ddl__emit, defer, ddl);
}

/* What CreateModels deferred runs before anything that could rename or drop
 * what it names; new tables, indexes and constraints leave it waiting, as
 * Django's deferred SQL waits for the end of the migration. */
bool dorm_op__keeps_deferred(const dorm_op *op, bool backwards) {
    return !backwards &&
        (op->kind == DORM_OP_CREATE_MODEL || op->kind == DORM_OP_ADD_INDEX || op->kind == DORM_OP_ADD_CONSTRAINT);
}

int dorm_ddl__flush(dorm_ddl *ddl) {
    int rc = dorm_schema__run_deferred(&ddl->later, dorm_ddl__emit, ddl);
    return rc > 0 ? (dorm_errcode(ddl->cx) ? dorm_errcode(ddl->cx) : DORM_EVALUE) : rc;
}

int dorm_ddl__finish(dorm_ddl *ddl, int rc) {
    if (!rc) rc = dorm_ddl__flush(ddl);
    dorm_buf_free(&ddl->later);
    return rc;
}

int dorm_ddl__drop_table(dorm_ddl *ddl, const dorm_meta *m) {
    return dorm_schema__drop_table(ddl->cx->db->dialect, m->db_table, dorm_ddl__emit, ddl);
}

/* The automatic join tables of a model's ManyToManyFields (all, or one). */
static int join_tables(dorm_ddl *ddl, const dorm_rendered *r, const dorm_meta *owner, const char *field, bool create) {
    for (int i = 0; i < r->reg->nmodels; i++) {
        const dorm_meta *jm = r->reg->metas[i];
        if (jm->auto_owner != owner || (field && strcmp(jm->auto_for->name, field) != 0)) continue;
        int rc = create ? dorm_ddl__create_table(ddl, r, jm) : dorm_ddl__drop_table(ddl, jm);
        if (rc) return rc;
    }
    return DORM_OK;
}

static int create_model(dorm_ddl *ddl, const dorm_rendered *r, const dorm_meta *m) {
    if (m->proxy) return DORM_OK; /* a proxy has no table */
    int rc = dorm_ddl__create_table(ddl, r, m);
    return rc ? rc : join_tables(ddl, r, m, NULL, true);
}

static int delete_model(dorm_ddl *ddl, const dorm_rendered *r, const dorm_meta *m) {
    if (m->proxy) return DORM_OK;
    int rc = join_tables(ddl, r, m, NULL, false);
    return rc ? rc : dorm_ddl__drop_table(ddl, m);
}

/* The value existing rows get for a column that becomes NOT NULL (Django's
 * effective_default): the field's default (a C function default is read
 * from the compiled model), the current time for a one-off "timezone.now"
 * and for auto_now / auto_now_add fields, "" for a blank text field. */
static const dorm_value *fill_of(dorm_ddl *ddl, const char *app, const char *model, const dorm_fstate *f) {
    if (f->f.null || f->f.kind == DORM_KIND_M2M) return NULL;
    dorm_value *v = dorm_alloc(ddl->cx, sizeof *v);
    if (!v) return NULL;
    if (f->default_callable) {
        const dorm_registry *reg = ddl->cx->db->reg;
        for (int i = 0; i < reg->nmodels; i++) {
            const dorm_meta *m = reg->metas[i];
            if (strcmp(m->model->app_label, app) != 0 || !dorm_same__name(m->model->name, model)) continue;
            const dorm_fmeta *fm = dorm_meta__field(m, f->f.name);
            if (fm && fm->f->default_fn) {
                *v = fm->f->default_fn();
                return v;
            }
        }
        return NULL;
    }
    if (f->f.default_value.type != DORM_T_NONE) {
        *v = f->f.default_value;
        /* A duration's default comes from its file as duration_string. */
        dorm_duration d;
        if (f->f.kind == DORM_KIND_DURATION && v->type == DORM_T_TEXT &&
            dorm_duration_parse(v->u.s, strlen(v->u.s), &d) == 0)
            *v = dorm_v_duration(d);
        return v;
    }
    bool now_kind = f->f.kind == DORM_KIND_DATETIME || f->f.kind == DORM_KIND_DATE || f->f.kind == DORM_KIND_TIME;
    if (now_kind && (f->default_now || f->f.auto_now || f->f.auto_now_add)) {
        dorm_datetime now = dorm_datetime_now();
        dorm_date d;
        dorm_time t;
        dorm_datetime_split(now, &d, &t);
        *v = f->f.kind == DORM_KIND_DATE  ? dorm_v_date(d)
            : f->f.kind == DORM_KIND_TIME ? dorm_v_time(t)
                                          : dorm_v_datetime(now);
        return v;
    }
    if (f->f.blank && dorm_kind__blank_is_empty(f->f.kind)) {
        *v = dorm_v_text("");
        return v;
    }
    return NULL;
}

/* Sets a column's fill on a definition built in the arena. */
static void set_fill(dorm_table_def *t, const char *column, const dorm_value *fill) {
    for (size_t i = 0; i < t->ncolumns; i++)
        if (strcmp(t->columns[i].name, column) == 0) ((dorm_column_def *)&t->columns[i])->fill = fill;
}

/* The column a field of a model has in a rendered state. */
static const char *column_of(const dorm_meta *m, const char *field) {
    const dorm_fmeta *fm = dorm_meta__field(m, field);
    return fm ? fm->column : NULL;
}

/* The field an operation changes, in the state where it has its new form. */
static const dorm_fstate *changed_field(const dorm_op *op, const dorm_state *to) {
    const char *model = op->kind == DORM_OP_RENAME_MODEL ? op->new_name : op->model;
    dorm_mstate *m = dorm_state__model(to, op->app, model);
    const char *name = op->kind == DORM_OP_ADD_FIELD ? op->field.f.name
        : op->kind == DORM_OP_RENAME_FIELD           ? op->new_name
                                                     : op->name;
    int i = m && name ? dorm_mstate__field(m, name) : -1;
    return i >= 0 ? &m->fields[i] : NULL;
}

/* An operation on one model's table: the definitions before and after, and
 * the schema editor's statements between them (either way round). */
static int alter_model(dorm_ddl *ddl, const dorm_op *op, const dorm_rendered *rf, const dorm_rendered *rt,
                       bool backwards) {
    const char *old_name = op->kind == DORM_OP_RENAME_MODEL ? op->old_name : op->model;
    const char *new_name = op->kind == DORM_OP_RENAME_MODEL ? op->new_name : op->model;
    const dorm_meta *mf = dorm_rendered__meta(rf, dorm_state__model(rf->st, op->app, old_name));
    const dorm_meta *mt = dorm_rendered__meta(rt, dorm_state__model(rt->st, op->app, new_name));
    if (!mf || !mt)
        return dorm_ctx_fail(ddl->cx, DORM_EVALUE, "No model '%s.%s' in the migration state.", op->app, new_name);
    dorm_table_def a, b;
    int rc = dorm_ddl__table_def(ddl, rf, mf, &a);
    if (!rc) rc = dorm_ddl__table_def(ddl, rt, mt, &b);
    if (rc) return rc;
    dorm_column_rename ren = {NULL, NULL};
    size_t nren = 0;
    if (op->kind == DORM_OP_RENAME_FIELD) {
        ren = (dorm_column_rename){column_of(mf, op->old_name), column_of(mt, op->new_name)};
        nren = ren.from && ren.to && strcmp(ren.from, ren.to) != 0;
    }
    /* Rows get the field's default where a column becomes NOT NULL. */
    const dorm_fstate *nf = changed_field(op, rt->st);
    if (nf && !backwards)
        set_fill(&b, column_of(mt, nf->f.name),
                 fill_of(ddl, op->app, new_name,
                         op->kind == DORM_OP_ADD_FIELD || op->kind == DORM_OP_ALTER_FIELD ? &op->field : nf));
    if (backwards) {
        const dorm_mstate *ms = dorm_state__model(rf->st, op->app, old_name);
        const char *fname = op->kind == DORM_OP_REMOVE_FIELD || op->kind == DORM_OP_ALTER_FIELD ? op->name : NULL;
        int fi = ms && fname ? dorm_mstate__field(ms, fname) : -1;
        if (fi >= 0) set_fill(&a, column_of(mf, fname), fill_of(ddl, op->app, old_name, &ms->fields[fi]));
        dorm_column_rename back = {ren.to, ren.from};
        return dorm_schema__alter_table(ddl->cx->db->dialect, &b, &a, &back, nren, dorm_ddl__emit, ddl);
    }
    return dorm_schema__alter_table(ddl->cx->db->dialect, &a, &b, &ren, nren, dorm_ddl__emit, ddl);
}

static const dorm_runc *find_function(const dorm_ddl *ddl, const char *app, const char *name) {
    for (size_t i = 0; ddl->apps && ddl->apps[i]; i++) {
        if (strcmp(ddl->apps[i]->label, app) != 0) continue;
        for (const dorm_runc *f = ddl->apps[i]->functions; f && f->name; f++)
            if (strcmp(f->name, name) == 0) return f;
    }
    return NULL;
}

static int run_c(dorm_ddl *ddl, const dorm_op *op, bool backwards) {
    const char *name = backwards ? op->reverse_code : op->code;
    if (!name)
        return dorm_ctx_fail(ddl->cx, DORM_EVALUE, "Operation RunC %s in app '%s' is not reversible.", op->code,
                             op->app);
    if (ddl->collect) {
        dorm_buf_printf(ddl->collect, "-- RunC %s: C code, no SQL to show\n", name);
        return DORM_OK;
    }
    const dorm_runc *f = find_function(ddl, op->app, name);
    if (!f)
        return dorm_ctx_fail(ddl->cx, DORM_ECONFIG, "RunC: app '%s' registers no function named '%s'.", op->app, name);
    dorm_progress progress;
    dorm_progress__init(&progress, ddl->cx, name);
    int rc = f->fn(ddl->cx, &progress);
    dorm_progress__done(&progress, rc >= 0);
    if (rc < 0 && !dorm_errcode(ddl->cx)) dorm_ctx_fail(ddl->cx, rc, "RunC %s failed.", name);
    return rc < 0 ? rc : DORM_OK;
}

static int run_sql(dorm_ddl *ddl, const dorm_op *op, bool backwards) {
    const char *const *sql = backwards ? op->reverse_sql : op->sql;
    if (!sql) return dorm_ctx_fail(ddl->cx, DORM_EVALUE, "Operation RunSQL in app '%s' is not reversible.", op->app);
    for (size_t i = 0; sql[i]; i++) {
        int rc = dorm_ddl__emit(sql[i], ddl);
        if (rc) return rc < 0 ? rc : dorm_errcode(ddl->cx);
    }
    return DORM_OK;
}

/* AddIndexConcurrently / RemoveIndexConcurrently (django.contrib.postgres):
 * the index built or dropped with the dialect's CONCURRENTLY statements,
 * which cannot run inside a transaction.  The index is the one of the state
 * that has it (after AddIndex, before RemoveIndex).  An atomic migration
 * runs in a transaction only where DDL can be rolled back (Django's
 * atomic_migration): elsewhere the refusal is the backend's. */
static int index_concurrently(dorm_ddl *ddl, const dorm_op *op, const dorm_rendered *rf, const dorm_rendered *rt,
                              bool backwards) {
    const char *what = op->kind == DORM_OP_ADD_INDEX ? "AddIndexConcurrently" : "RemoveIndexConcurrently";
    const dorm_dialect *d = ddl->cx->db->dialect;
    if (ddl->atomic && d->transactional_ddl)
        return dorm_ctx_fail(ddl->cx, DORM_ETRANSACTION,
                             "The %s operation cannot be executed inside a transaction (set \"atomic\": false on the "
                             "migration).",
                             what);
    if (!d->create_index_concurrently || !d->drop_index_concurrently)
        return dorm_ctx_fail(ddl->cx, DORM_ENOTSUPPORTED,
                             "The %s operation is not supported on %s: it is PostgreSQL's.", what,
                             ddl->cx->db->drv->vendor);
    const dorm_rendered *r = op->kind == DORM_OP_ADD_INDEX ? rt : rf;
    const char *name = op->kind == DORM_OP_ADD_INDEX ? op->index.name : op->name;
    const dorm_meta *m = dorm_rendered__meta(r, dorm_state__model(r->st, op->app, op->model));
    dorm_table_def t;
    int rc = m ? dorm_ddl__table_def(ddl, r, m, &t)
               : dorm_ctx_fail(ddl->cx, DORM_EVALUE, "No model '%s.%s' in the migration state.", op->app, op->model);
    const dorm_index_def *ix = NULL;
    for (size_t i = 0; !rc && i < t.nindexes; i++)
        if (strcmp(t.indexes[i].name, name) == 0) ix = &t.indexes[i];
    if (rc || !ix) return rc ? rc : dorm_ctx_fail(ddl->cx, DORM_EVALUE, "No index named '%s' on %s.", name, op->model);
    dorm_buf b = DORM_BUF_INIT;
    bool create = (op->kind == DORM_OP_ADD_INDEX) != backwards;
    dorm_buf_puts(&b, create ? d->create_index_concurrently : d->drop_index_concurrently);
    dorm_buf_putc(&b, ' ');
    dorm_buf_quote(&b, d->quote, ix->name);
    if (create) {
        dorm_buf_puts(&b, " ON ");
        dorm_buf_quote(&b, d->quote, t.name);
        dorm_buf_putc(&b, ' ');
        dorm_schema__column_list(&b, d->quote, ix);
    }
    rc = b.failed ? DORM_ENOMEM : dorm_ddl__emit(b.data, ddl);
    dorm_buf_free(&b);
    return rc;
}

/* Writes a dialect template, %1..%3 replaced by the quoted names. */
static void fill_template(dorm_buf *b, char quote, const char *tmpl, const char *const names[3]) {
    for (const char *p = tmpl; *p; p++) {
        if (p[0] == '%' && p[1] >= '1' && p[1] <= '3') {
            dorm_buf_quote(b, quote, names[p[1] - '1']);
            p++;
        } else {
            dorm_buf_putc(b, *p);
        }
    }
}

/* AlterFieldConcurrently: NULL -> NOT NULL in the dialect's steps, each
 * committed on its own, so no step holds an exclusive lock through a scan
 * of the table.  Backwards (dropping NOT NULL is instant) and on a backend
 * without the steps, it is the ordinary AlterField. */
static int not_null_concurrently(dorm_ddl *ddl, const dorm_op *op, const dorm_rendered *rf, const dorm_rendered *rt,
                                 bool backwards) {
    const dorm_dialect *d = ddl->cx->db->dialect;
    if (ddl->atomic)
        return dorm_ctx_fail(ddl->cx, DORM_ETRANSACTION,
                             "The AlterFieldConcurrently operation cannot be executed inside a transaction (set "
                             "\"atomic\": false on the migration).");
    const dorm_mstate *ms = dorm_state__model(rf->st, op->app, op->model);
    int fi = ms ? dorm_mstate__field(ms, op->name) : -1;
    const dorm_field *old = fi >= 0 ? &ms->fields[fi].f : NULL, *now = &op->field.f;
    if (!old || !old->null || now->null || old->kind != now->kind || old->max_length != now->max_length ||
        old->max_digits != now->max_digits || old->decimal_places != now->decimal_places ||
        old->unique != now->unique || old->db_index != now->db_index)
        return dorm_ctx_fail(ddl->cx, DORM_EVALUE,
                             "AlterFieldConcurrently makes a NULL column NOT NULL and changes nothing else: write the "
                             "other changes of %s.%s as an AlterField.",
                             op->model, op->name);
    if (backwards || !d->set_not_null_concurrently) return alter_model(ddl, op, rf, rt, backwards);
    const dorm_meta *m = dorm_rendered__meta(rt, dorm_state__model(rt->st, op->app, op->model));
    const dorm_fmeta *fm = m ? dorm_meta__field(m, op->name) : NULL;
    if (!fm)
        return dorm_ctx_fail(ddl->cx, DORM_EVALUE, "No field '%s' on %s in the migration state.", op->name, op->model);
    /* The transient CHECK's name: short and derived from table and column. */
    dorm_md5 md5;
    char hex[33], check[24];
    dorm_md5__init(&md5);
    dorm_md5__update(&md5, m->db_table, strlen(m->db_table));
    dorm_md5__update(&md5, ".", 1);
    dorm_md5__update(&md5, fm->column, strlen(fm->column));
    dorm_md5__hex(&md5, hex);
    snprintf(check, sizeof check, "dorm_notnull_%.8s", hex);
    const char *const names[3] = {m->db_table, fm->column, check};
    int rc = 0;
    for (const char *const *t = d->set_not_null_concurrently; *t && !rc; t++) {
        dorm_buf b = DORM_BUF_INIT;
        fill_template(&b, d->quote, *t, names);
        rc = b.failed ? DORM_ENOMEM : dorm_ddl__emit(b.data, ddl);
        dorm_buf_free(&b);
    }
    return rc;
}

int dorm_op__database(dorm_ddl *ddl, const dorm_op *op, const dorm_state *from, const dorm_state *to, bool backwards) {
    /* Django's allow_migrate_model / router.allow_migrate: an operation the
     * routers keep off this database changes its state only. */
    const char *model = op->kind == DORM_OP_CREATE_MODEL ? op->create->name : op->model;
    if (!dorm_route__allow_migrate(ddl->cx, op->app, model)) return DORM_OK;
    if (!dorm_op__keeps_deferred(op, backwards)) {
        int rc = dorm_ddl__flush(ddl);
        if (rc) return rc;
    }
    if (op->kind == DORM_OP_RUN_SQL) return run_sql(ddl, op, backwards);
    if (op->kind == DORM_OP_RUN_C) return run_c(ddl, op, backwards);
    if (!dorm_op__has_ddl(op)) return DORM_OK;
    dorm_rendered rf, rt;
    const char *msg = NULL;
    int rc = dorm_state__render(from, &rf, &msg);
    if (rc) {
        dorm_ctx_fail(ddl->cx, rc, "The migration state before '%s' is invalid: %s", dorm_op__describe(ddl->cx, op),
                      msg ? msg : "");
        dorm_rendered__free(&rf);
        return rc;
    }
    rc = dorm_state__render(to, &rt, &msg);
    if (rc) {
        dorm_ctx_fail(ddl->cx, rc, "The migration state after '%s' is invalid: %s", dorm_op__describe(ddl->cx, op),
                      msg ? msg : "");
    } else {
        switch (op->kind) {
        case DORM_OP_CREATE_MODEL:
        case DORM_OP_DELETE_MODEL: {
            const dorm_rendered *r = op->kind == DORM_OP_CREATE_MODEL ? &rt : &rf;
            const char *name = op->kind == DORM_OP_CREATE_MODEL ? op->create->name : op->model;
            const dorm_meta *m = dorm_rendered__meta(r, dorm_state__model(r->st, op->app, name));
            bool create = (op->kind == DORM_OP_CREATE_MODEL) != backwards;
            rc = !m ? dorm_ctx_fail(ddl->cx, DORM_EVALUE, "No model '%s.%s' in the migration state.", op->app, name)
                : create ? create_model(ddl, r, m)
                         : delete_model(ddl, r, m);
            break;
        }
        case DORM_OP_ADD_FIELD:
        case DORM_OP_REMOVE_FIELD: {
            bool adding = (op->kind == DORM_OP_ADD_FIELD) != backwards;
            const dorm_rendered *r = op->kind == DORM_OP_ADD_FIELD ? &rt : &rf;
            const dorm_mstate *ms = dorm_state__model(r->st, op->app, op->model);
            const char *fname = op->kind == DORM_OP_ADD_FIELD ? op->field.f.name : op->name;
            int fi = ms ? dorm_mstate__field(ms, fname) : -1;
            if (fi >= 0 && ms->fields[fi].f.kind == DORM_KIND_M2M) {
                rc = join_tables(ddl, r, dorm_rendered__meta(r, ms), fname, adding);
                break;
            }
            rc = alter_model(ddl, op, &rf, &rt, backwards);
            break;
        }
        case DORM_OP_RENAME_MODEL:
            rc = alter_model(ddl, op, &rf, &rt, backwards);
            if (!rc) rc = dorm_op__rename_join_tables(ddl, op, &rf, &rt, backwards);
            break;
        case DORM_OP_ADD_INDEX:
        case DORM_OP_REMOVE_INDEX:
            rc = op->concurrently ? index_concurrently(ddl, op, &rf, &rt, backwards)
                                  : alter_model(ddl, op, &rf, &rt, backwards);
            break;
        case DORM_OP_ALTER_FIELD:
            rc = op->concurrently               ? not_null_concurrently(ddl, op, &rf, &rt, backwards)
                : dorm_op__alters_m2m(op, from) ? dorm_op__alter_m2m(ddl, op, &rf, &rt, backwards)
                                                : alter_model(ddl, op, &rf, &rt, backwards);
            break;
        default: rc = alter_model(ddl, op, &rf, &rt, backwards); break;
        }
    }
    dorm_rendered__free(&rf);
    dorm_rendered__free(&rt);
    if (rc > 0) rc = dorm_errcode(ddl->cx) ? dorm_errcode(ddl->cx) : DORM_EVALUE;
    return rc;
}
