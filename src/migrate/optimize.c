/* optimize.c - Django's MigrationOptimizer, for makemigrations and
 * squashmigrations: each pair of operations that reduces to fewer (a field
 * added then removed vanishes, operations on a model fold into its
 * CreateModel) is reduced when every operation between them lets it
 * through, to the right of them or to the left, and the whole list again
 * until nothing changes.  Where Django 3.2's result would not load (a key
 * moved past the rename of its model) the operations keep their order. */
#include <string.h>

#include "core/ctx.h"
#include "migrate/migration.h"

/* reduce()'s answers besides a list of 0..2 operations. */
enum { CANNOT = -1, THROUGH = -2 };

typedef struct optimizer {
    dorm_ctx *cx;
    dorm_state *scratch; /* folded CreateModels live in its arena */
    const char *app;
    int rc;
} optimizer;

static bool same(const char *a, const char *b) { return a && b && dorm_same__name(a, b); }

/* Whether a field state points at model `name` of the app (to, through). */
static bool field_points_at(const optimizer *o, const dorm_fstate *f, const char *name) {
    const char *label = dorm_sprintf(o->cx, "%s.%s", o->app, name);
    return label && ((f->to && dorm_same__name(f->to, label)) || (f->through && dorm_same__name(f->through, label)));
}

/* The field an operation carries (AddField, AlterField), or NULL. */
static const dorm_fstate *carried(const dorm_op *op) {
    return op->kind == DORM_OP_ADD_FIELD || op->kind == DORM_OP_ALTER_FIELD ? &op->field : NULL;
}

/* Django's references_model: conservative (true) for operations that do not
 * say what they touch (DeleteModel, indexes, constraints, RunSQL, RunC). */
static bool references_model(const optimizer *o, const dorm_op *op, const char *name) {
    switch (op->kind) {
    case DORM_OP_CREATE_MODEL: {
        if (same(op->create->name, name)) return true;
        const char *label = dorm_sprintf(o->cx, "%s.%s", o->app, name);
        for (int i = 0; label && op->create->bases && op->create->bases[i]; i++)
            if (dorm_same__name(op->create->bases[i], label)) return true;
        for (int i = 0; i < op->create->nfields; i++)
            if (field_points_at(o, &op->create->fields[i], name)) return true;
        return false;
    }
    case DORM_OP_ALTER_MODEL_TABLE:
    case DORM_OP_ALTER_MODEL_OPTIONS:
    case DORM_OP_ALTER_UNIQUE_TOGETHER:
    case DORM_OP_REMOVE_FIELD:
    case DORM_OP_RENAME_FIELD: return same(op->model, name);
    case DORM_OP_RENAME_MODEL: return same(op->old_name, name) || same(op->new_name, name);
    case DORM_OP_ADD_FIELD:
    case DORM_OP_ALTER_FIELD: return same(op->model, name) || field_points_at(o, &op->field, name);
    default: return true;
    }
}

/* Whether a field state's relation may use field `field` of model `model`
 * (Django's field_references: a key names the field it points at, or the
 * primary key when it names none, which any field may be; a through model
 * counts whole). */
static bool field_uses(const optimizer *o, const dorm_fstate *f, const char *model, const char *field) {
    const char *label = dorm_sprintf(o->cx, "%s.%s", o->app, model);
    if (!label) return true;
    if (f->through && dorm_same__name(f->through, label)) return true;
    return f->to && dorm_same__name(f->to, label) && (!f->f.to_field || strcmp(f->f.to_field, field) == 0);
}

/* Django's references_field. */
static bool references_field(const optimizer *o, const dorm_op *op, const char *model, const char *field) {
    switch (op->kind) {
    case DORM_OP_ADD_FIELD:
    case DORM_OP_ALTER_FIELD:
    case DORM_OP_REMOVE_FIELD:
        return (same(op->model, model) && strcmp(op->name, field) == 0) ||
            (carried(op) && field_uses(o, carried(op), model, field));
    case DORM_OP_RENAME_FIELD:
        return same(op->model, model) && (same(op->old_name, field) || same(op->new_name, field));
    case DORM_OP_ALTER_UNIQUE_TOGETHER: {
        bool named = !op->together || !op->together[0];
        for (size_t i = 0; op->together && op->together[i] && !named; i++)
            for (size_t k = 0; op->together[i][k] && !named; k++) named = strcmp(op->together[i][k], field) == 0;
        return same(op->model, model) && named;
    }
    default: return references_model(o, op, model);
    }
}

/* Operation.reduce: an elidable operation gives way to the other. */
static int base(const dorm_op *a, const dorm_op *b, dorm_op *out) {
    if (a->elidable) {
        out[0] = *b;
        return 1;
    }
    if (b->elidable) {
        out[0] = *a;
        return 1;
    }
    return CANNOT;
}

static int through_model(const optimizer *o, const dorm_op *a, const char *name, const dorm_op *b, dorm_op *out) {
    int r = base(a, b, out);
    return r != CANNOT ? r : references_model(o, b, name) ? CANNOT : THROUGH;
}

static int through_field(const optimizer *o, const dorm_op *a, const char *field, const dorm_op *b, dorm_op *out) {
    int r = base(a, b, out);
    return r != CANNOT ? r : references_field(o, b, a->model, field) ? CANNOT : THROUGH;
}

/* RemoveField folded into a CreateModel also leaves unique_together, as
 * Django's CreateModel.reduce does. */
static int drop_from_together(dorm_state *st, dorm_mstate *m, const char *field) {
    size_t n = 0, kept = 0;
    while (m->unique_together && m->unique_together[n]) n++;
    if (!n) return DORM_OK;
    const char *const **ut = dorm_arena__calloc(&st->arena, sizeof(*ut) * (n + 1));
    if (!ut) return DORM_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        size_t len = 0, k = 0;
        while (m->unique_together[i][len]) len++;
        const char **l = dorm_arena__calloc(&st->arena, sizeof(char *) * (len + 1));
        if (!l) return DORM_ENOMEM;
        for (size_t j = 0; j < len; j++)
            if (!same(m->unique_together[i][j], field)) l[k++] = m->unique_together[i][j];
        if (k) ut[kept++] = l;
    }
    m->unique_together = kept ? ut : NULL;
    return DORM_OK;
}

/* CreateModel a with b (an operation on its model) applied to it. */
static int fold(optimizer *o, const dorm_op *a, const dorm_op *b, dorm_op *out) {
    dorm_mstate *m = dorm_state__add(o->scratch, a->create);
    if (!m) {
        o->rc = dorm_ctx_fail(o->cx, DORM_ENOMEM, "out of memory");
        return CANNOT;
    }
    int rc = dorm_op__state(o->cx, o->scratch, b);
    dorm_mstate *folded =
        dorm_state__model(o->scratch, a->app, b->kind == DORM_OP_RENAME_MODEL ? b->new_name : a->create->name);
    if (!rc && b->kind == DORM_OP_REMOVE_FIELD && folded) rc = drop_from_together(o->scratch, folded, b->name);
    dorm_state__remove(o->scratch, folded ? folded : m);
    if (rc || !folded) {
        /* An operation the state refuses is kept as it is. */
        dorm_error_clear(o->cx);
        return CANNOT;
    }
    out[0] = *a;
    out[0].create = folded;
    out[0].model = folded->name;
    return 1;
}

static bool same_field_op(const dorm_op *a, const dorm_op *b) {
    const char *name = b->kind == DORM_OP_RENAME_FIELD ? b->old_name : b->name;
    return same(a->model, b->model) && same(a->name, name);
}

/* Django's Operation.reduce(other) for dorm's operations: a list of what
 * replaces both (its length), THROUGH when `b` does not touch what `a`
 * does, CANNOT otherwise. */
static int reduce_django(optimizer *o, const dorm_op *a, const dorm_op *b, dorm_op *out) {
    bool field_op = b->kind == DORM_OP_ADD_FIELD || b->kind == DORM_OP_ALTER_FIELD || b->kind == DORM_OP_REMOVE_FIELD ||
        b->kind == DORM_OP_RENAME_FIELD;
    switch (a->kind) {
    case DORM_OP_CREATE_MODEL:
        if (b->kind == DORM_OP_DELETE_MODEL && same(b->model, a->create->name) && !a->create->proxy) return 0;
        if ((b->kind == DORM_OP_RENAME_MODEL && same(b->old_name, a->create->name)) ||
            ((b->kind == DORM_OP_ALTER_MODEL_OPTIONS || b->kind == DORM_OP_ALTER_UNIQUE_TOGETHER || field_op) &&
             same(b->model, a->create->name)))
            return fold(o, a, b, out);
        return through_model(o, a, a->create->name, b, out);
    case DORM_OP_DELETE_MODEL: return through_model(o, a, a->model, b, out);
    case DORM_OP_RENAME_MODEL:
        if (b->kind == DORM_OP_RENAME_MODEL && same(a->new_name, b->old_name)) {
            out[0] = *a;
            out[0].new_name = out[0].model = b->new_name;
            return 1;
        }
        return through_model(o, a, a->new_name, b, out);
    case DORM_OP_ALTER_MODEL_TABLE:
    case DORM_OP_ALTER_MODEL_OPTIONS:
    case DORM_OP_ALTER_UNIQUE_TOGETHER:
        if ((b->kind == a->kind || b->kind == DORM_OP_DELETE_MODEL) && same(a->model, b->model)) {
            out[0] = *b;
            return 1;
        }
        return through_model(o, a, a->model, b, out);
    case DORM_OP_ADD_FIELD:
        if (field_op && same_field_op(a, b)) {
            if (b->kind == DORM_OP_REMOVE_FIELD) return 0;
            out[0] = *a;
            if (b->kind == DORM_OP_RENAME_FIELD) {
                out[0].name = out[0].field.f.name = b->new_name;
                return 1;
            }
            if (b->kind != DORM_OP_ALTER_FIELD) return CANNOT;
            out[0].field = b->field;
            out[0].field.f.name = a->name;
            /* Rows already there still need the one-off value. */
            bool has_default =
                b->field.f.default_value.type != DORM_T_NONE || b->field.default_callable || b->field.default_now;
            out[0].preserve_default = has_default || a->preserve_default;
            if (!has_default && !a->preserve_default) {
                out[0].field.f.default_value = a->field.f.default_value;
                out[0].field.default_now = a->field.default_now;
            }
            return 1;
        }
        return through_field(o, a, a->name, b, out);
    case DORM_OP_REMOVE_FIELD:
        if (b->kind == DORM_OP_DELETE_MODEL && same(b->model, a->model)) {
            out[0] = *b;
            return 1;
        }
        return through_field(o, a, a->name, b, out);
    case DORM_OP_ALTER_FIELD:
        if (b->kind == DORM_OP_REMOVE_FIELD && same_field_op(a, b)) {
            out[0] = *b;
            return 1;
        }
        if (b->kind == DORM_OP_RENAME_FIELD && same_field_op(a, b)) {
            out[0] = *b;
            out[1] = *a;
            out[1].name = out[1].field.f.name = b->new_name;
            return 2;
        }
        return through_field(o, a, a->name, b, out);
    case DORM_OP_RENAME_FIELD: {
        if (b->kind == DORM_OP_RENAME_FIELD && same(a->model, b->model) && same(a->new_name, b->old_name)) {
            out[0] = *a;
            out[0].new_name = b->new_name;
            return 1;
        }
        /* Both names, as Django 4.0 checks them: fields that swap names
         * (a -> c, b -> a, c -> b) must not pass one another. */
        int r = base(a, b, out);
        if (r != CANNOT) return r;
        bool named = references_field(o, b, a->model, a->old_name) || references_field(o, b, a->model, a->new_name);
        return named ? CANNOT : THROUGH;
    }
    default: return base(a, b, out);
    }
}

/* reduce_django, except that an operation pointing at a model that `b`
 * renames does not pass it: Django lets it (RenameModel names only its own
 * model), and the rename moved before a key to the old name leaves the key
 * pointing at a model gone.  A DeleteModel passes: the state drops the
 * model's keys either way. */
static int reduce(optimizer *o, const dorm_op *a, const dorm_op *b, dorm_op *out) {
    int r = reduce_django(o, a, b, out);
    if (r == THROUGH && b->kind == DORM_OP_RENAME_MODEL && a->kind != DORM_OP_DELETE_MODEL &&
        (references_model(o, a, b->old_name) || references_model(o, a, b->new_name)))
        return CANNOT;
    return r;
}

/* One pass of Django's optimize_inner over ops[0..*n): true when it
 * reduced a pair (ops and *n then hold the new list). */
static bool optimize_inner(optimizer *o, dorm_op *ops, int *n) {
    for (int i = 0; i < *n && !o->rc; i++) {
        bool right = true;
        for (int j = i + 1; j < *n && !o->rc; j++) {
            dorm_op result[2];
            int r = reduce(o, &ops[i], &ops[j], result);
            if (r == THROUGH) continue;
            if (r == CANNOT) {
                right = false;
                continue;
            }
            int between = j - i - 1;
            if (!right) {
                /* A left reduction: every operation between must let the
                 * result's second half through. */
                bool all = true;
                for (int k = i + 1; k < j && all; k++) {
                    dorm_op scratch[2];
                    all = reduce(o, &ops[k], &ops[j], scratch) == THROUGH;
                }
                if (!all) break;
            }
            /* ops[i+1..j) stay; the result goes after them (right) or before
             * them (left), in place of ops[i] and ops[j]. */
            memmove(&ops[right ? i : i + r], &ops[i + 1], sizeof(dorm_op) * (size_t)between);
            memcpy(&ops[right ? i + between : i], result, sizeof(dorm_op) * (size_t)r);
            /* Two operations became r: close (or open) the gap after j. */
            memmove(&ops[i + between + r], &ops[j + 1], sizeof(dorm_op) * (size_t)(*n - j - 1));
            *n += r - 2;
            return true;
        }
    }
    return false;
}

int dorm__optimize(dorm_ctx *cx, dorm_state *scratch, const char *app, dorm_op *ops, int n) {
    optimizer o = {cx, scratch, app, DORM_OK};
    while (optimize_inner(&o, ops, &n) && !o.rc) {}
    return o.rc ? o.rc : n;
}
