/* squash.c - squashmigrations and the `replaces` rule: the operations of a
 * run of an app's migrations folded into one migration (an operation on a
 * model created in the run merges into its CreateModel, a field added then
 * removed vanishes), which databases that applied the originals keep using
 * the originals for, and new databases use instead. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/ctx.h"
#include "migrate/migration.h"
#include "core/alloc.h"
#include "core/file.h"

/* Whether op mentions `label` ("app.model") in a relation it creates. */
static bool refers_to(const dorm_op *op, const char *label) {
    const dorm_fstate *fs = op->kind == DORM_OP_CREATE_MODEL ? op->create->fields : &op->field;
    int n = op->kind == DORM_OP_CREATE_MODEL ? op->create->nfields
                                             : (op->kind == DORM_OP_ADD_FIELD || op->kind == DORM_OP_ALTER_FIELD);
    for (int i = 0; i < n; i++)
        if ((fs[i].to && dorm_same_name(fs[i].to, label)) || (fs[i].through && dorm_same_name(fs[i].through, label)))
            return true;
    return false;
}

static bool on_model(const dorm_op *op, const char *app, const char *model) {
    const char *name = op->kind == DORM_OP_CREATE_MODEL ? op->create->name : op->model;
    return name && strcmp(op->app, app) == 0 && dorm_same_name(name, model);
}

/* Folds op k into an earlier CreateModel of the same model when nothing in
 * between depends on the model; true when it did. */
static bool fold(dorm_ctx *cx, dorm_op *ops, bool *gone, int k) {
    dorm_op *op = &ops[k];
    for (int c = k - 1; c >= 0; c--) {
        if (gone[c]) continue;
        dorm_op *cm = &ops[c];
        if (cm->kind != DORM_OP_CREATE_MODEL || !on_model(op, cm->app, cm->create->name)) {
            if (op->model && on_model(cm, op->app, op->model)) return false;
            continue;
        }
        const char *label = dorm_sprintf(cx, "%s.%s", cm->app, cm->create->name);
        for (int b = c + 1; b < k; b++)
            if (!gone[b] && label && refers_to(&ops[b], label) && op->kind == DORM_OP_DELETE_MODEL) return false;
        dorm_mstate *m = cm->create;
        int i = op->name ? dorm_mstate_field(m, op->name) : -1;
        switch (op->kind) {
        case DORM_OP_ADD_FIELD: {
            dorm_fstate *fs = dorm_alloc(cx, sizeof(dorm_fstate) * (size_t)(m->nfields + 1));
            if (!fs) return false;
            memcpy(fs, m->fields, sizeof(dorm_fstate) * (size_t)m->nfields);
            fs[m->nfields] = op->field;
            if (!op->preserve_default) fs[m->nfields].f.default_value = (dorm_value){DORM_T_NONE, 0, {0}};
            m->fields = fs;
            m->nfields++;
            return true;
        }
        case DORM_OP_REMOVE_FIELD:
            if (i < 0) return false;
            memmove(&m->fields[i], &m->fields[i + 1], sizeof(dorm_fstate) * (size_t)(m->nfields - i - 1));
            m->nfields--;
            return true;
        case DORM_OP_ALTER_FIELD:
            if (i < 0) return false;
            m->fields[i] = op->field;
            return true;
        case DORM_OP_RENAME_FIELD:
            i = dorm_mstate_field(m, op->old_name);
            if (i < 0 || m->ordering || m->indexes || m->unique_together || m->constraints) return false;
            m->fields[i].f.name = op->new_name;
            return true;
        case DORM_OP_ALTER_MODEL_TABLE:
            m->db_table = op->table;
            return true;
        case DORM_OP_ALTER_UNIQUE_TOGETHER:
            m->unique_together = op->together;
            return true;
        case DORM_OP_DELETE_MODEL:
            gone[c] = true;
            return true;
        default:
            return false;
        }
    }
    return false;
}

/* Django's optimizer, the common cases: operations folded into the
 * CreateModel of their model, elidable RunC dropped. */
static int optimize(dorm_ctx *cx, dorm_op *ops, int n) {
    bool *gone = dorm_mem_calloc((size_t)n + 1, sizeof(bool));
    if (!gone) return -1;
    for (int k = 0; k < n; k++) {
        if (ops[k].kind == DORM_OP_RUN_C && ops[k].elidable) gone[k] = true;
        else if (ops[k].kind != DORM_OP_CREATE_MODEL && fold(cx, ops, gone, k)) gone[k] = true;
    }
    int kept = 0;
    for (int k = 0; k < n; k++)
        if (!gone[k]) ops[kept++] = ops[k];
    dorm_mem_free(gone);
    return kept;
}

int dorm_squash(dorm_ctx *cx, const dorm_app *const *apps, const char *app, const char *start, const char *end,
                const char *name, FILE *out) {
    dorm_error_clear(cx);
    unsigned long failures = dorm_mem_failures();
    const dorm_app *a = NULL;
    for (size_t i = 0; apps && apps[i]; i++)
        if (strcmp(apps[i]->label, app) == 0) a = apps[i];
    if (!a || !a->migrations_dir) return dorm_fail(cx, DORM_EVALUE, "App '%s' does not have migrations.", app);
    dorm_graph g;
    int rc = dorm_graph_load(cx, apps, &g);
    if (rc) return dorm_record(cx, rc);
    int first = -1, last = -1;
    for (int i = 0; i < g.n; i++) {
        if (strcmp(g.nodes[i]->app, app) != 0) continue;
        if (first < 0 && (!start || strncmp(g.nodes[i]->name, start, strlen(start)) == 0)) first = i;
        if (strncmp(g.nodes[i]->name, end, strlen(end)) == 0) last = i;
    }
    if (first < 0 || last < 0 || last < first) {
        dorm_graph_free(&g);
        return dorm_fail(cx, DORM_EVALUE, "Cannot find a migration matching '%s' from app '%s'.",
                         last < 0 ? end : start, app);
    }
    dorm_migration *m = dorm_alloc(cx, sizeof *m);
    int nops = 0, nrep = 0;
    for (int i = first; i <= last; i++)
        if (strcmp(g.nodes[i]->app, app) == 0) nops += g.nodes[i]->nops, nrep++;
    dorm_op *ops = dorm_alloc(cx, sizeof(dorm_op) * (size_t)(nops + 1));
    dorm_mig_key *rep = dorm_alloc(cx, sizeof *rep * (size_t)(nrep + 1));
    dorm_mig_key *deps = dorm_alloc(cx, sizeof *deps * (size_t)(g.n + 1));
    if (!m || !ops || !rep || !deps) rc = DORM_ENOMEM;
    int k = 0, r = 0, d = 0;
    for (int i = first; !rc && i <= last; i++) {
        dorm_migration *src = g.nodes[i];
        if (strcmp(src->app, app) != 0) continue;
        for (int o = 0; o < src->nops; o++) {
            ops[k] = src->ops[o];
            /* The fold changes CreateModel states: work on copies. */
            if (ops[k].kind == DORM_OP_CREATE_MODEL) {
                dorm_mstate *copy = dorm_alloc(cx, sizeof *copy);
                dorm_fstate *fs = dorm_alloc(cx, sizeof(dorm_fstate) * (size_t)(ops[k].create->nfields + 1));
                if (!copy || !fs) {
                    rc = DORM_ENOMEM;
                    break;
                }
                *copy = *ops[k].create;
                memcpy(fs, copy->fields, sizeof(dorm_fstate) * (size_t)copy->nfields);
                copy->fields = fs;
                ops[k].create = copy;
            }
            k++;
        }
        rep[r++] = (dorm_mig_key){src->app, src->name};
        /* Dependencies outside the squashed run are kept. */
        for (int e = 0; e < src->ndeps; e++) {
            bool inside = strcmp(src->deps[e].app, app) == 0;
            bool have = false;
            for (int x = 0; x < d; x++) have = have || (strcmp(deps[x].app, src->deps[e].app) == 0 && strcmp(deps[x].name, src->deps[e].name) == 0);
            if (inside) {
                bool in_run = false;
                for (int x = first; x <= last; x++) in_run = in_run || (strcmp(g.nodes[x]->app, app) == 0 && strcmp(g.nodes[x]->name, src->deps[e].name) == 0);
                if (in_run) continue;
            }
            if (!have) deps[d++] = src->deps[e];
        }
    }
    if (!rc) {
        int kept = optimize(cx, ops, k);
        if (kept < 0) rc = DORM_ENOMEM;
        memset(m, 0, sizeof *m);
        m->app = app;
        m->initial = g.nodes[first]->initial;
        m->ops = ops;
        m->nops = kept;
        m->replaces = rep;
        m->nreplaces = r;
        m->deps = deps;
        m->ndeps = d;
        char number[8];
        snprintf(number, sizeof number, "%.4s", g.nodes[first]->name);
        m->name = name ? dorm_sprintf(cx, "%s_%s", number, name) : dorm_sprintf(cx, "%s_squashed_%s", number, g.nodes[last]->name);
        m->path = dorm_sprintf(cx, "%s/%s.json", a->migrations_dir, m->name);
        char *text = rc ? NULL : dorm_migration_dump(cx, m);
        if (!rc && (!text || !m->path || dorm_mem_failures() != failures)) rc = dorm_record(cx, DORM_ENOMEM);
        if (!rc && dorm_file_write(m->path, text) != 0)
            rc = dorm_fail(cx, errno == ENOMEM ? DORM_ENOMEM : DORM_EOPERATIONAL, "Cannot write %s: %s", m->path,
                           strerror(errno));
        if (!rc && out)
            fprintf(out, "Created new squashed migration %s\n  You should commit this migration but leave the old ones "
                         "in place;\n  the new migration will be used for new installs. Once you are sure\n  all "
                         "instances of the codebase have applied the migrations you squashed,\n  you can delete them.\n",
                    m->path);
    }
    dorm_graph_free(&g);
    return dorm_record(cx, rc);
}

/* Drops node i from the graph (and its applied flag). */
static void drop(dorm_graph *g, bool *applied, int i) {
    memmove(&g->nodes[i], &g->nodes[i + 1], sizeof(*g->nodes) * (size_t)(g->n - i - 1));
    memmove(&applied[i], &applied[i + 1], sizeof(bool) * (size_t)(g->n - i - 1));
    g->n--;
}

static int index_of(const dorm_graph *g, const char *app, const char *name) {
    for (int i = 0; i < g->n; i++)
        if (strcmp(g->nodes[i]->app, app) == 0 && strcmp(g->nodes[i]->name, name) == 0) return i;
    return -1;
}

int dorm_graph_replacements(dorm_ctx *cx, dorm_graph *g, bool *applied_or_null) {
    bool *applied = applied_or_null ? applied_or_null : dorm_mem_calloc((size_t)(g->n ? g->n : 1), sizeof(bool));
    if (!applied) return DORM_ENOMEM;
    int rc = DORM_OK;
    for (int s = 0; s < g->n && !rc; s++) {
        dorm_migration *sq = g->nodes[s];
        if (!sq->nreplaces) continue;
        int done = 0, present = 0;
        for (int r = 0; r < sq->nreplaces; r++) {
            int i = index_of(g, sq->replaces[r].app, sq->replaces[r].name);
            if (i < 0) continue;
            present++;
            done += applied[i];
        }
        if (present && done && done < present) {
            /* Half applied: carry on with the originals. */
            drop(g, applied, s);
            s = -1;
            continue;
        }
        if (present && done == present && !applied[s]) {
            if (applied_or_null && (rc = dorm_recorder_record(cx, sq, true))) break;
            applied[s] = true;
        }
        /* The squashed migration stands for the originals: they go, and
         * what depended on one of them depends on it. */
        for (int r = 0; r < sq->nreplaces; r++) {
            int i = index_of(g, sq->replaces[r].app, sq->replaces[r].name);
            if (i < 0) continue;
            for (int k = 0; k < g->n; k++)
                for (int e = 0; k != i && e < g->nodes[k]->ndeps; e++)
                    if (strcmp(g->nodes[k]->deps[e].app, sq->app) == 0 &&
                        strcmp(g->nodes[k]->deps[e].name, sq->replaces[r].name) == 0 && g->nodes[k] != sq)
                        g->nodes[k]->deps[e] = (dorm_mig_key){sq->app, sq->name};
            drop(g, applied, i);
            if (i < s) s--;
        }
    }
    if (!rc) rc = dorm_graph_sort(cx, g, applied);
    if (!applied_or_null) dorm_mem_free(applied);
    return rc;
}
