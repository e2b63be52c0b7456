/* lint.c - the migration safety lint: operations that lose data (dropping a
 * column or table, narrowing a type) or that lock or rewrite a large table on
 * PostgreSQL (a volatile default, an index built or dropped without
 * CONCURRENTLY, a NOT NULL column without default, a type change), and
 * migrations of several schema changes where DDL commits (MySQL), each named
 * with the safer sequence.  makemigrations and migrate --plan print them;
 * --strict fails. */
#include <string.h>

#include "core/ctx.h"
#include "migrate/migration.h"

typedef struct linter {
    dorm_ctx *cx;
    const dorm_migration *m;
    FILE *out;
    int n;
} linter;

static void warn(linter *l, int k, const char *problem, const char *safer) {
    l->n++;
    if (!l->out) return;
    fprintf(l->out, "  WARNING %s.%s, operation %d (%s): %s\n    Safer: %s\n", l->m->app, l->m->name, k + 1,
            dorm_op__describe(l->cx, &l->m->ops[k]), problem, safer);
}

/* Kinds whose every value the other holds (a wider integer, text). */
static bool widens(dorm_kind from, dorm_kind to) {
    switch (from) {
    case DORM_KIND_SMALLINT:
    case DORM_KIND_POSSMALLINT: return to == DORM_KIND_INT || to == DORM_KIND_BIGINT;
    case DORM_KIND_INT:
    case DORM_KIND_POSINT: return to == DORM_KIND_BIGINT;
    case DORM_KIND_CHAR:
    case DORM_KIND_SLUG:
    case DORM_KIND_EMAIL:
    case DORM_KIND_URL: return to == DORM_KIND_TEXT;
    default: return false;
    }
}

static bool narrower(const dorm_fstate *old, const dorm_fstate *new_f) {
    const dorm_field *a = &old->f, *b = &new_f->f;
    if (a->kind != b->kind) return !widens(a->kind, b->kind);
    if (a->max_length && b->max_length && b->max_length < a->max_length) return true;
    if (a->max_digits && b->max_digits < a->max_digits) return true;
    return b->decimal_places < a->decimal_places;
}

/* Whether one of ops[0..n) creates model `model` of app. */
static bool creates(const dorm_op *ops, int n, const char *app, const char *model) {
    for (int i = 0; i < n; i++)
        if (ops[i].kind == DORM_OP_CREATE_MODEL && strcmp(ops[i].app, app) == 0 &&
            dorm_same__name(ops[i].create->name, model))
            return true;
    return false;
}

/* Whether an earlier operation of the migration (or of an earlier migration
 * written with it) created op's model: its table is new and empty, so
 * nothing is lost or locked (makemigrations puts a new model's indexes in
 * AddIndex operations after its CreateModel, and keys between apps in a
 * migration after the other app's). */
static bool created_before(const dorm_migration *m, int k, const dorm_migration *const *earlier) {
    const dorm_op *op = &m->ops[k];
    if (!op->model) return false;
    for (size_t e = 0; earlier && earlier[e]; e++)
        if (creates(earlier[e]->ops, earlier[e]->nops, op->app, op->model)) return true;
    return creates(m->ops, k, op->app, op->model);
}

int dorm__lint(dorm_ctx *cx, const dorm_migration *m, const dorm_state *before, const dorm_migration *const *earlier,
               unsigned backend, FILE *out) {
    linter l = {cx, m, out, 0};
    bool locks_on_alter = backend & DORM_LINT_LOCKS;
    for (int k = 0; k < m->nops; k++) {
        const dorm_op *op = &m->ops[k];
        if (created_before(m, k, earlier)) continue;
        const dorm_mstate *ms = before && op->model ? dorm_state__model(before, op->app, op->model) : NULL;
        int fi = ms && op->name ? dorm_mstate__field(ms, op->name) : -1;
        const dorm_fstate *old = fi >= 0 ? &ms->fields[fi] : NULL;
        switch (op->kind) {
        case DORM_OP_DELETE_MODEL:
            warn(&l, k, "drops the table and every row in it.",
                 "back the data up first, or stop using the model in one release and delete it in the next.");
            break;
        case DORM_OP_REMOVE_FIELD:
            warn(&l, k, "drops the column and its data.",
                 "if this was a rename, make it a RenameField (answer yes when makemigrations asks); otherwise "
                 "stop using the field in one release and remove it in the next.");
            break;
        case DORM_OP_ALTER_FIELD:
            if (old && narrower(old, &op->field))
                warn(&l, k, "narrows the column's type: values that do not fit are cut or make the migration fail.",
                     "add a new column, copy the data with a RunC or RunSQL step that checks it, then drop the old "
                     "one.");
            else if (locks_on_alter && old &&
                     (old->f.kind != op->field.f.kind || old->f.max_digits != op->field.f.max_digits))
                warn(&l, k, "changes the column's type: PostgreSQL rewrites the table holding an exclusive lock.",
                     "add a new column, backfill it in batches, then switch over.");
            if (locks_on_alter && old && old->f.null && !op->field.f.null && !op->concurrently)
                warn(&l, k, "makes the column NOT NULL: PostgreSQL scans the whole table under an exclusive lock.",
                     "make it an AlterFieldConcurrently in a migration with \"atomic\": false (a CHECK NOT VALID, "
                     "VALIDATE, then SET NOT NULL).");
            break;
        case DORM_OP_ADD_FIELD:
            if (locks_on_alter && op->field.default_callable)
                warn(&l, k,
                     "adds a column with a volatile default: PostgreSQL rewrites the table under an exclusive lock.",
                     "add the column as NULL without a default, backfill it in batches, then add the default and NOT "
                     "NULL.");
            else if (locks_on_alter && !op->field.f.null && op->field.f.default_value.type == DORM_T_NONE &&
                     op->field.f.kind != DORM_KIND_M2M)
                warn(&l, k, "adds a NOT NULL column without a default: it fails on a table that has rows.",
                     "add it with a default (or as NULL), backfill, then make it NOT NULL.");
            break;
        case DORM_OP_ADD_INDEX:
            if (locks_on_alter && !op->concurrently)
                warn(&l, k, "builds an index without CONCURRENTLY: PostgreSQL blocks writes to the table meanwhile.",
                     "make it an AddIndexConcurrently in a migration with \"atomic\": false.");
            break;
        case DORM_OP_REMOVE_INDEX:
            if (locks_on_alter && !op->concurrently)
                warn(&l, k, "drops an index without CONCURRENTLY: PostgreSQL locks the table meanwhile.",
                     "make it a RemoveIndexConcurrently in a migration with \"atomic\": false.");
            break;
        default: break;
        }
    }
    /* Each schema change commits: a failure part way leaves the ones before
     * it applied and the migration unrecorded (named at the second one). */
    int changes = 0;
    for (int k = 0; (backend & DORM_LINT_DDL_COMMITS) && k < m->nops; k++)
        if (m->ops[k].kind != DORM_OP_RUN_C && dorm_op__has_ddl(&m->ops[k]) && ++changes == 2)
            warn(&l, k,
                 "is one of several schema changes, and this database commits each one (no transactional DDL): "
                 "if one fails, the ones before it stay applied and the migration is not recorded.",
                 "give risky changes a migration of their own; after a failure, undo what was applied (or --fake "
                 "the migration once it is complete) before migrating again.");
    return l.n;
}
