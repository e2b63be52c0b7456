/* join_tables.c - the automatic join tables of many-to-many fields when an
 * operation changes them without creating or dropping them: RenameModel's
 * (tables and key columns named after the model) and AlterField of a
 * ManyToManyField (Django 3.2's _alter_many_to_many), rows kept. */
#include <string.h>

#include "backend/alter.h"
#include "backend/db.h"
#include "core/ctx.h"
#include "migrate/migration.h"
#include "model/meta.h"

/* The meta of the automatic join model in r for field `field` of the model
 * called `model` (app `app`), or NULL. */
static const dorm_meta *join_model(const dorm_rendered *r, const char *app, const char *model, const char *field) {
    for (int i = 0; i < r->reg->nmodels; i++) {
        const dorm_meta *jm = r->reg->metas[i];
        if (jm->auto_for && jm->auto_owner && strcmp(jm->auto_owner->model->app_label, app) == 0 &&
            dorm_same__name(jm->auto_owner->model->name, model) && strcmp(jm->auto_for->name, field) == 0)
            return jm;
    }
    return NULL;
}

/* Whether a model has a foreign key to the model `target`. */
static bool points_at(const dorm_meta *m, const dorm_meta *target) {
    for (int k = 0; k < m->nfields; k++)
        if (m->fields[k].f->kind == DORM_KIND_FK && m->fields[k].target == target) return true;
    return false;
}

/* The key columns (the join model's fields 1 and 2) whose names differ
 * between join models `from` and `to`, as renames from -> to. */
static size_t key_renames(const dorm_meta *from, const dorm_meta *to, dorm_column_rename ren[2]) {
    size_t n = 0;
    for (int k = 1; k <= 2 && k < from->nfields && k < to->nfields; k++)
        if (strcmp(from->fields[k].column, to->fields[k].column) != 0)
            ren[n++] = (dorm_column_rename){from->fields[k].column, to->fields[k].column};
    return n;
}

/* The schema editor's statements from join table `from` (of state ra) to
 * `to` (of state rb). */
static int alter_join(dorm_ddl *ddl, const dorm_rendered *ra, const dorm_meta *from, const dorm_rendered *rb,
                      const dorm_meta *to, const dorm_column_rename *ren, size_t n) {
    dorm_table_def a, b;
    int rc = dorm_ddl__table_def(ddl, ra, from, &a);
    if (!rc) rc = dorm_ddl__table_def(ddl, rb, to, &b);
    return rc ? rc : dorm_schema__alter_table(ddl->cx->db->dialect, &a, &b, ren, n, dorm_ddl__emit, ddl);
}

/* RenameModel also changes what Django's does: the automatic join tables of
 * the model's own many-to-many fields, and in every join table the key
 * column named after the model (book_id -> volume_id), rows kept; and where
 * a foreign key is a named constraint of its own (PostgreSQL), every key to
 * the model, which Django re-creates under the name of the new table. */
int dorm_op__rename_join_tables(dorm_ddl *ddl, const dorm_op *op, const dorm_rendered *rf, const dorm_rendered *rt,
                                bool backwards) {
    const dorm_meta *renamed = dorm_rendered__meta(rt, dorm_state__model(rt->st, op->app, op->new_name));
    for (int i = 0; i < rt->reg->nmodels; i++) {
        const dorm_meta *to = rt->reg->metas[i], *from;
        if (to == renamed) continue;
        bool rekeyed = !ddl->cx->db->dialect->inline_fk && points_at(to, renamed);
        if (to->auto_for) {
            const char *owner = to->auto_owner->model->name;
            /* The same join model before: its owner may be the renamed model. */
            bool own = strcmp(to->auto_owner->model->app_label, op->app) == 0 && dorm_same__name(owner, op->new_name);
            from = join_model(rf, to->auto_owner->model->app_label, own ? op->old_name : owner, to->auto_for->name);
        } else if (rekeyed) {
            from = dorm_rendered__meta(rf, dorm_state__model(rf->st, to->model->app_label, to->model->name));
        } else {
            continue;
        }
        if (!from) continue;
        dorm_column_rename ren[2];
        size_t n = !to->auto_for ? 0 : backwards ? key_renames(to, from, ren) : key_renames(from, to, ren);
        if (!n && strcmp(from->db_table, to->db_table) == 0 && !rekeyed) continue;
        int rc = backwards ? alter_join(ddl, rt, to, rf, from, ren, n) : alter_join(ddl, rf, from, rt, to, ren, n);
        if (rc) return rc;
    }
    return DORM_OK;
}

bool dorm_op__alters_m2m(const dorm_op *op, const dorm_state *from) {
    if (op->kind != DORM_OP_ALTER_FIELD) return false;
    const dorm_mstate *m = dorm_state__model(from, op->app, op->model);
    int i = m ? dorm_mstate__field(m, op->name) : -1;
    return op->field.f.kind == DORM_KIND_M2M || (i >= 0 && m->fields[i].f.kind == DORM_KIND_M2M);
}

/* Django's SQLite editor: a join table whose name changes is created anew,
 * its rows copied (INSERT ... SELECT), and the old one dropped. */
static int copy_join(dorm_ddl *ddl, const dorm_rendered *rb, const dorm_meta *from, const dorm_meta *to) {
    int rc = dorm_ddl__create_table(ddl, rb, to);
    if (rc) return rc;
    char q = ddl->cx->db->dialect->quote;
    dorm_buf b = DORM_BUF_INIT;
    dorm_buf_puts(&b, "INSERT INTO ");
    dorm_buf_quote(&b, q, to->db_table);
    for (int side = 0; side < 2; side++) {
        const dorm_meta *m = side ? from : to;
        dorm_buf_puts(&b, side ? ") SELECT " : " (");
        for (int k = 0; k < 3 && k < m->nfields; k++) {
            if (k) dorm_buf_puts(&b, ", ");
            dorm_buf_quote(&b, q, m->fields[k].column);
        }
    }
    dorm_buf_puts(&b, " FROM ");
    dorm_buf_quote(&b, q, from->db_table);
    rc = b.failed ? DORM_ENOMEM : dorm_ddl__emit(b.data, ddl);
    dorm_buf_free(&b);
    return rc ? rc : dorm_ddl__drop_table(ddl, from);
}

/* AlterField of a ManyToManyField, as Django's schema editor alter_field:
 * between automatic join tables, the table renamed (db_table) and its key
 * columns renamed and repointed (to); between through models, nothing;
 * into or out of a many-to-many, or through= added or removed, refused with
 * Django's ValueError.  Backwards is the same from the state after to the
 * one before.  Where tables are rebuilt rather than altered (SQLite), a
 * join table that changes name is copied into a new one, as Django does. */
int dorm_op__alter_m2m(dorm_ddl *ddl, const dorm_op *op, const dorm_rendered *rf, const dorm_rendered *rt,
                       bool backwards) {
    const dorm_rendered *ra = backwards ? rt : rf, *rb = backwards ? rf : rt;
    const dorm_mstate *ma = dorm_state__model(ra->st, op->app, op->model);
    const dorm_mstate *mb = dorm_state__model(rb->st, op->app, op->model);
    int ia = ma ? dorm_mstate__field(ma, op->name) : -1, ib = mb ? dorm_mstate__field(mb, op->name) : -1;
    if (ia < 0 || ib < 0)
        return dorm_ctx_fail(ddl->cx, DORM_EVALUE, "No field '%s' on %s in the migration state.", op->name, op->model);
    const dorm_fstate *fa = &ma->fields[ia], *fb = &mb->fields[ib];
    bool m2m = fa->f.kind == DORM_KIND_M2M && fb->f.kind == DORM_KIND_M2M;
    if (m2m && fa->through && fb->through) return DORM_OK;
    if (!m2m || !fa->through != !fb->through)
        return dorm_ctx_fail(ddl->cx, DORM_EVALUE,
                             "Cannot alter field %s.%s.%s into %s.%s.%s - they are not compatible types (you cannot "
                             "alter to or from M2M fields, or add or remove through= on M2M fields)",
                             ma->app, ma->name, fa->f.name, mb->app, mb->name, fb->f.name);
    const dorm_meta *ja = join_model(ra, op->app, ma->name, op->name),
                    *jb = join_model(rb, op->app, mb->name, op->name);
    if (!ja || !jb)
        return dorm_ctx_fail(ddl->cx, DORM_EVALUE, "No join table for %s.%s in the migration state.", op->model,
                             op->name);
    if (strcmp(ja->db_table, jb->db_table) != 0 && !ddl->cx->db->dialect->can_alter_columns)
        return copy_join(ddl, rb, ja, jb);
    dorm_column_rename ren[2];
    return alter_join(ddl, ra, ja, rb, jb, ren, key_renames(ja, jb, ren));
}
