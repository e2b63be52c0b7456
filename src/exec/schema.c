/* schema.c - models to table definitions (columns, Django-named indexes,
 * unique and check constraints) for the backend's schema editor, the
 * public create/drop calls that run the DDL in one transaction, and the
 * list of the tables a database holds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/schema.h"
#include "core/md5.h"
#include "exec/route.h"
#include "model/custom.h"

/* Django's names_digest(*args, length). */
static void digest(const char *const *parts, size_t n, int length, char *out) {
    dorm_md5 c;
    char hex[33];
    dorm_md5__init(&c);
    for (size_t i = 0; i < n; i++) dorm_md5__update(&c, parts[i], strlen(parts[i]));
    dorm_md5__hex(&c, hex);
    memcpy(out, hex, (size_t)length);
    out[length] = '\0';
}

/* Django's BaseDatabaseSchemaEditor._create_index_name: "<table>_<cols>_
 * <hash8><suffix>", shortened to the dialect's longest identifier as Django
 * shortens it (table and columns cut to equal parts, a long suffix to a
 * third). */
static const char *index_name(dorm_ctx *cx, const char *table, const char *const *cols, size_t n, const char *suffix) {
    const char *parts[17];
    size_t k = 0;
    parts[k++] = table;
    dorm_buf joined = DORM_BUF_INIT;
    for (size_t i = 0; i < n && k < 17; i++) {
        parts[k++] = cols[i];
        if (i) dorm_buf_putc(&joined, '_');
        dorm_buf_puts(&joined, cols[i]);
    }
    char h[9];
    digest(parts, k, 8, h);
    const char *hash_suffix = dorm_sprintf(cx, "%s%s", h, suffix);
    const char *names = joined.data ? dorm_strdup(cx, joined.data) : "";
    dorm_buf_free(&joined);
    if (!hash_suffix || !names) return NULL;
    size_t max = cx->db->dialect->max_name_length > 0 ? (size_t)cx->db->dialect->max_name_length : 200;
    const char *r = dorm_sprintf(cx, "%s_%s_%s", table, names, hash_suffix);
    if (!r || strlen(r) <= max) return r;
    int hash_len = (int)strlen(hash_suffix);
    if ((size_t)hash_len * 3 > max) hash_len = (int)(max / 3);
    int other = ((int)max - hash_len) / 2 - 1;
    r = dorm_sprintf(cx, "%.*s_%.*s_%.*s", other, table, other, names, hash_len, hash_suffix);
    /* Not starting with "_" or a digit (Oracle's rule, kept by Django). */
    if (r && (r[0] == '_' || (r[0] >= '0' && r[0] <= '9'))) r = dorm_sprintf(cx, "D%.*s", (int)strlen(r) - 1, r);
    return r;
}

/* A CHECK condition compiled with bare column names and literal values (DDL
 * takes no parameters); literals are quoted by the dialect's rules. */
static const char *check_sql(dorm_ctx *cx, const dorm_meta *m, const dorm_q *check) {
    dorm_qs *qs = dorm_qs_filter(dorm_clear_ordering(dorm_qs_all(cx, m->model)), (const dorm_q *const[]){check, NULL});
    if (!qs || qs->err) return NULL;
    dorm_sql s;
    dorm_sql__init(&s, cx);
    s.bare_columns = true;
    int rc = dorm_compile__select(qs, DORM_SELECT_COUNT, &s);
    const char *where = rc == DORM_COMPILED && s.text.data ? strstr(s.text.data, " WHERE ") : NULL;
    dorm_buf out = DORM_BUF_INIT;
    size_t param = 0;
    /* Placeholders ("?" or "$N") take the parameters in order; column names
     * come from the registry, which admits neither character in them. */
    for (const char *p = where ? where + 7 : ""; *p; p++) {
        bool dollar = *p == '$' && p[1] >= '0' && p[1] <= '9';
        if ((*p != '?' && !dollar) || param >= s.nparams) {
            dorm_buf_putc(&out, *p);
            continue;
        }
        while (dollar && p[1] >= '0' && p[1] <= '9') p++;
        dorm_schema__literal(&out, cx->db->dialect, &s.params[param++]);
    }
    const char *r = where && !out.failed ? dorm_strdup(cx, out.data) : NULL;
    if (!r && !dorm_errcode(cx))
        dorm_ctx_fail(cx, DORM_ECONFIG, "Cannot compile the check constraint of %s.", m->label);
    dorm_buf_free(&out);
    dorm_sql__free(&s);
    return r;
}

static const char *column_of(const dorm_meta *m, const char *name) {
    const dorm_fmeta *fm = dorm_meta__field(m, name);
    return fm ? fm->column : name;
}

int dorm_table__def_of(dorm_ctx *cx, const dorm_meta *m, dorm_table_def *t) {
    const dorm_dialect *d = cx->db->dialect;
    memset(t, 0, sizeof *t);
    t->name = m->db_table;
    dorm_column_def *cols = dorm_alloc(cx, sizeof(dorm_column_def) * (size_t)m->nfields);
    size_t nix = 0, nuq = 0, nck = 0;
    for (const dorm_index *ix = m->indexes; ix && ix->fields; ix++) nix++;
    /* A plain index and a "_like" one at most per field. */
    nix += 2 * (size_t)m->nfields;
    for (size_t i = 0; m->unique_together && m->unique_together[i]; i++) nix++;
    for (const dorm_constraint *k = m->constraints; k && k->kind; k++) {
        if (k->kind == DORM_CONSTRAINT_UNIQUE)
            nuq++;
        else
            nck++;
    }
    dorm_index_def *ixs = dorm_alloc(cx, sizeof(dorm_index_def) * (nix + 1));
    dorm_index_def *uqs = dorm_alloc(cx, sizeof(dorm_index_def) * (nuq + 1));
    dorm_check_def *cks = dorm_alloc(cx, sizeof(dorm_check_def) * (nck + 1));
    if (!cols || !ixs || !uqs || !cks) return DORM_ENOMEM;
    /* Django's order: unique_together (deferred first), then per field its
     * index and "_like" index, then Meta.indexes. */
    for (size_t i = 0; m->unique_together && m->unique_together[i]; i++) {
        const char *const *fields = m->unique_together[i];
        size_t n = 0;
        while (fields[n]) n++;
        const char **names = dorm_alloc(cx, sizeof(char *) * (n + 1));
        if (!names) return DORM_ENOMEM;
        for (size_t k = 0; k < n; k++) names[k] = column_of(m, fields[k]);
        names[n] = NULL;
        ixs[t->nindexes++] = (dorm_index_def){index_name(cx, m->db_table, names, n, "_uniq"), names, NULL, true, NULL};
    }
    /* The table's own columns: a multi-table child's parents' live in theirs. */
    size_t ncols = 0;
    for (int i = m->first_local; i < m->nfields; i++) {
        const dorm_fmeta *fm = &m->fields[i];
        const dorm_field *f = fm->f;
        dorm_column_def *c = &cols[ncols++];
        c->name = fm->column;
        c->kind = f->kind;
        c->max_length = f->max_length;
        c->max_digits = f->max_digits;
        c->decimal_places = f->decimal_places;
        c->null = f->null;
        c->primary_key = f->primary_key;
        c->unique = f->unique && !f->primary_key;
        c->db_index = dorm_field_db_index(f);
        if (f->kind == DORM_KIND_FILE || f->kind == DORM_KIND_IMAGE) {
            /* Django's FileField is a varchar of the name (100 by default). */
            c->kind = DORM_KIND_CHAR;
            c->max_length = f->max_length ? f->max_length : dorm_kind_max_length(f->kind);
        }
        if (f->kind == DORM_KIND_CUSTOM && f->type) {
            /* A program's type: its internal kind's column, or its own type. */
            c->kind = f->type->internal;
            c->db_type = dorm_custom__db_type(f, cx->db->drv->vendor);
        }
        /* A key to a child's parent link is of the parent's key's type. */
        const dorm_fmeta *key = fm->target ? dorm_key_root(fm->target_pk) : NULL;
        if (f->kind == DORM_KIND_FK && fm->target && f->no_db_constraint) {
            /* db_constraint=False: a plain column of the key's type, no REFERENCES. */
            dorm_kind k = key->f->kind;
            c->kind = k == DORM_KIND_AUTO ? DORM_KIND_INT : k == DORM_KIND_BIGAUTO ? DORM_KIND_BIGINT : k;
        } else if (f->kind == DORM_KIND_FK && fm->target && fm->target_pk) {
            c->ref_table = fm->target->db_table;
            c->ref_column = fm->target_pk->column;
            c->ref_kind = key->f->kind;
            /* A to_field key has the target field's type: varchar(n) too. */
            c->max_length = key->f->max_length;
        }
        if (c->unique) {
            const char *one[] = {fm->column, NULL};
            if (!(c->unique_name = index_name(cx, m->db_table, one, 1, "_uniq"))) return DORM_ENOMEM;
        }
        if (c->ref_table && !d->inline_fk) {
            const char *suffix = dorm_sprintf(cx, "_fk_%s_%s", c->ref_table, c->ref_column);
            const char *one[] = {fm->column, NULL};
            if (!suffix || !(c->fk_name = index_name(cx, m->db_table, one, 1, suffix))) return DORM_ENOMEM;
        }
        if (c->ref_table &&
            !(c->index_name = index_name(cx, m->db_table, (const char *const[]){fm->column, NULL}, 1, "")))
            return DORM_ENOMEM;
        /* Django indexes db_index fields (ForeignKey and SlugField ones by
         * default); unique ones already are.  PostgreSQL adds a "_like" index
         * to those and unique ones. */
        bool indexed = c->db_index && (!d->indexes_column || d->indexes_column(c));
        const char *opclass = d->like_opclass && (indexed || f->unique || f->primary_key) ? d->like_opclass(c) : NULL;
        if (!(indexed && !f->unique && !f->primary_key) && !opclass) continue;
        const char **one = dorm_alloc(cx, sizeof(char *) * 2);
        if (!one) return DORM_ENOMEM;
        one[0] = fm->column;
        one[1] = NULL;
        if (indexed && !f->unique && !f->primary_key)
            ixs[t->nindexes++] = (dorm_index_def){index_name(cx, m->db_table, one, 1, ""), one, NULL, false, NULL};
        if (opclass)
            ixs[t->nindexes++] =
                (dorm_index_def){index_name(cx, m->db_table, one, 1, "_like"), one, NULL, false, opclass};
    }
    for (const dorm_index *ix = m->indexes; ix && ix->fields; ix++) {
        size_t n = 0;
        while (ix->fields[n]) n++;
        const char **names = dorm_alloc(cx, sizeof(char *) * (n + 1));
        bool *desc = dorm_alloc(cx, sizeof(bool) * (n ? n : 1));
        if (!names || !desc) return DORM_ENOMEM;
        for (size_t i = 0; i < n; i++) {
            desc[i] = ix->fields[i][0] == '-';
            names[i] = column_of(m, ix->fields[i] + desc[i]);
        }
        names[n] = NULL;
        char auto_name[DORM_INDEX_NAME_MAX];
        if (!ix->name) dorm_index__default_name(m->db_table, names, desc, n, auto_name);
        const char *name = ix->name ? ix->name : dorm_strdup(cx, auto_name);
        if (!name) return DORM_ENOMEM;
        ixs[t->nindexes++] = (dorm_index_def){name, names, desc, false, NULL};
    }
    for (const dorm_constraint *k = m->constraints; k && k->kind; k++) {
        if (k->kind == DORM_CONSTRAINT_UNIQUE) {
            size_t n = 0;
            while (k->fields && k->fields[n]) n++;
            const char **names = dorm_alloc(cx, sizeof(char *) * (n + 1));
            if (!names) return DORM_ENOMEM;
            for (size_t i = 0; i < n; i++) names[i] = column_of(m, k->fields[i]);
            names[n] = NULL;
            uqs[t->nuniques++] = (dorm_index_def){k->name, names, NULL, true, NULL};
        } else {
            const char *sql = k->check ? check_sql(cx, m, k->check) : NULL;
            if (!sql) return dorm_errcode(cx) ? dorm_errcode(cx) : DORM_ECONFIG;
            cks[t->nchecks++] = (dorm_check_def){k->name, sql};
        }
    }
    t->ncolumns = ncols;
    if (dorm_fmeta_composite(m->pk)) {
        const char **pk = dorm_alloc(cx, sizeof(char *) * (size_t)(m->pk->nparts + 1));
        if (!pk) return DORM_ENOMEM;
        for (int i = 0; i < m->pk->nparts; i++) pk[i] = m->pk->parts[i] ? m->pk->parts[i]->column : "?";
        pk[m->pk->nparts] = NULL;
        t->pk_columns = pk;
    }
    t->columns = cols;
    t->indexes = ixs;
    t->uniques = uqs;
    t->checks = cks;
    return DORM_OK;
}

int dorm_exec__ddl(const char *sql, void *payload) {
    dorm_ctx *cx = payload;
    dorm_errbuf e = {0, ""};
    return dorm_db__exec(cx->db, sql, &e) < 0 ? dorm_fail__errbuf(cx, &e) : 0;
}

static int emit_collect(const char *sql, void *payload) {
    dorm_buf *b = payload;
    dorm_buf_puts(b, sql);
    dorm_buf_puts(b, ";\n");
    return b->failed ? DORM_ENOMEM : 0;
}

typedef struct schema_job {
    dorm_ctx *cx;
    const dorm_model *const *models;
    bool drop;
    dorm_buf later; /* Django's deferred_sql: after every table */
} schema_job;

static int job_exec(const char *sql, void *payload) { return dorm_exec__ddl(sql, ((schema_job *)payload)->cx); }

static int job_defer(const char *sql, void *payload) {
    return dorm_schema__defer(&((schema_job *)payload)->later, sql);
}

static int schema_run(void *payload) {
    schema_job *j = payload;
    int rc = DORM_OK;
    for (size_t i = 0; j->models[i] && !rc; i++) {
        const dorm_meta *m = dorm_meta__of(j->cx->db->reg, j->models[i]);
        if (!m) return dorm_ctx_fail(j->cx, DORM_ECONFIG, "Model '%s' is not registered.", j->models[i]->name);
        if (m->proxy) continue; /* a proxy has no table of its own */
        if (j->drop) {
            rc = dorm_schema__drop_table(j->cx->db->dialect, m->db_table, job_exec, j);
        } else {
            dorm_table_def t;
            rc = dorm_table__def_of(j->cx, m, &t);
            if (!rc) rc = dorm_schema__create_table_deferring(j->cx->db->dialect, &t, job_exec, job_defer, j);
        }
    }
    /* Foreign keys and indexes once every table exists: keys may point
     * either way between the models. */
    if (!rc) rc = dorm_schema__run_deferred(&j->later, job_exec, j);
    return rc > 0 ? dorm_errcode(j->cx) : rc;
}

/* On the database of the alias in use (Django's schema_editor of
 * connections[using]). */
static int schema_job_run(dorm_ctx *cx, const dorm_model *const *models, bool drop) {
    dorm_error_clear(cx);
    dorm_route r;
    int rc = dorm_route__use(cx, &r);
    if (rc) return rc;
    schema_job j = {cx, models, drop, DORM_BUF_INIT};
    rc = dorm_in__transaction(cx, schema_run, &j);
    dorm_buf_free(&j.later);
    dorm_route__leave(cx, &r);
    return rc;
}

/* migrate --run-syncdb asks the routers per model; an automatic join table
 * goes with the model declaring its ManyToManyField. */
static bool allowed_here(dorm_ctx *cx, const dorm_registry *reg, const dorm_meta *m) {
    if (!cx->dbs) return true;
    const dorm_model *model = m->model;
    for (int i = 0; m->auto_for && i < reg->nmodels; i++)
        for (const dorm_field *f = reg->metas[i]->model->fields; f && f->name; f++)
            if (f == m->auto_for) model = reg->metas[i]->model;
    dorm_db *db = dorm_route__conn(cx, cx->use);
    return db && dorm_allow_migrate(cx, db->alias, model->app_label, model);
}

int dorm_create_tables(dorm_ctx *cx, const dorm_model *const *models) { return schema_job_run(cx, models, false); }

int dorm_drop_tables(dorm_ctx *cx, const dorm_model *const *models) { return schema_job_run(cx, models, true); }

int dorm_create_all(dorm_ctx *cx) {
    const dorm_registry *reg = cx->db->reg;
    const dorm_model **models = dorm_alloc(cx, sizeof(void *) * (size_t)(reg->nmodels + 1));
    bool *done = dorm_alloc(cx, sizeof(bool) * (size_t)(reg->nmodels + 1));
    if (!models || !done) return DORM_ENOMEM;
    /* Targets of foreign keys first, so REFERENCES name existing tables. */
    int n = 0;
    int placed = 0;
    for (int pass = 0; pass <= reg->nmodels && placed < reg->nmodels; pass++)
        for (int i = 0; i < reg->nmodels; i++) {
            const dorm_meta *m = reg->metas[i];
            if (done[i]) continue;
            bool ready = true;
            for (int f = 0; f < m->nfields; f++) {
                const dorm_meta *t = m->fields[f].target;
                if (!t || t == m) continue;
                for (int k = 0; k < reg->nmodels; k++)
                    if (reg->metas[k] == t && !done[k] && pass < reg->nmodels) ready = false;
            }
            if (!ready) continue;
            done[i] = true;
            placed++;
            if (allowed_here(cx, reg, m)) models[n++] = m->model;
        }
    models[n] = NULL;
    return dorm_create_tables(cx, models);
}

const char *dorm_create_table_sql(dorm_ctx *cx, const dorm_model *model) {
    const dorm_meta *m = dorm_meta__of(cx->db->reg, model);
    if (!m) {
        dorm_ctx_fail(cx, DORM_ECONFIG, "Model '%s' is not registered.", model ? model->name : "?");
        return NULL;
    }
    dorm_table_def t;
    if (dorm_table__def_of(cx, m, &t)) return NULL;
    dorm_buf b = DORM_BUF_INIT;
    int rc = dorm_schema__create_table(cx->db->dialect, &t, emit_collect, &b);
    const char *r = rc == 0 && !b.failed ? dorm_strdup(cx, b.data) : NULL;
    dorm_buf_free(&b);
    return r;
}

static int by_name(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

const char *const *dorm_table_names(dorm_ctx *cx, size_t *n) {
    dorm_error_clear(cx);
    if (n) *n = 0;
    dorm_route r;
    if (dorm_route__use(cx, &r)) return NULL;
    const char **names = NULL;
    dorm_itable *tables = NULL;
    size_t ntables = 0;
    int rc = cx->db->drv->introspect ? cx->db->drv->introspect(cx, &tables, &ntables)
                                     : dorm_ctx_fail(cx, DORM_ENOTSUPPORTED, "This backend cannot list its tables.");
    if (!rc && !(names = dorm_alloc(cx, sizeof(char *) * (ntables + 1)))) rc = DORM_ENOMEM;
    if (!rc) {
        for (size_t i = 0; i < ntables; i++) names[i] = tables[i].name;
        qsort(names, ntables, sizeof *names, by_name);
        names[ntables] = NULL;
        if (n) *n = ntables;
    }
    dorm_route__leave(cx, &r);
    return dorm__record(cx, rc) ? NULL : names;
}
