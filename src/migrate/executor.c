/* executor.c - migrate, sqlmigrate and showmigrations: the plan to a target
 * (forwards, or backwards through dependents), each migration applied or
 * unapplied in one transaction with its record and a lock against a second
 * migrating process, Django's progress lines, and the SQL of a migration. */
#include <stdlib.h>
#include <string.h>

#include "backend/db.h"
#include "exec/exec.h"
#include "migrate/migration.h"
#include "core/alloc.h"

/* The node an app's target names: a full name or a unique prefix. */
static int find_target(dorm_ctx *cx, const dorm_graph *g, const char *app, const char *target) {
    int found = -1, n = 0;
    size_t len = strlen(target);
    for (int i = 0; i < g->n; i++) {
        if (strcmp(g->nodes[i]->app, app) != 0) continue;
        if (strcmp(g->nodes[i]->name, target) == 0) return i;
        if (strncmp(g->nodes[i]->name, target, len) == 0) {
            found = i;
            n++;
        }
    }
    if (n == 1) return found;
    if (n > 1)
        return dorm_fail(cx, DORM_EVALUE, "More than one migration matches '%s' in app '%s'. Please be more specific.",
                         target, app);
    return dorm_fail(cx, DORM_EVALUE, "Cannot find a migration matching '%s' from app '%s'.", target, app);
}

/* Marks node i and everything it depends on. */
static void with_deps(const dorm_graph *g, int i, bool *mark) {
    if (mark[i]) return;
    mark[i] = true;
    for (int d = 0; d < g->nodes[i]->ndeps; d++)
        for (int k = 0; k < g->n; k++)
            if (strcmp(g->nodes[k]->app, g->nodes[i]->deps[d].app) == 0 &&
                strcmp(g->nodes[k]->name, g->nodes[i]->deps[d].name) == 0)
                with_deps(g, k, mark);
}

/* Marks node i and everything that depends on it. */
static void with_dependents(const dorm_graph *g, int i, bool *mark) {
    if (mark[i]) return;
    mark[i] = true;
    for (int k = 0; k < g->n; k++)
        for (int d = 0; d < g->nodes[k]->ndeps; d++)
            if (strcmp(g->nodes[k]->deps[d].app, g->nodes[i]->app) == 0 &&
                strcmp(g->nodes[k]->deps[d].name, g->nodes[i]->name) == 0)
                with_dependents(g, k, mark);
}

typedef struct run {
    dorm_ctx *cx;
    const dorm_app *const *apps;
    const dorm_migrate_opts *o;
    FILE *out;
    dorm_graph g;
    bool *applied;
    dorm_progress progress;
} run;

static int exec_sql(dorm_ctx *cx, const char *sql) {
    dorm_errbuf e = {0, ""};
    return dorm_db_exec(cx->db, sql, &e) < 0 ? dorm_fail_errbuf(cx, &e) : DORM_OK;
}

/* Where tables are rebuilt (SQLite) foreign keys are off during a migration
 * and checked once at its end instead.  0 or the error, recorded on cx. */
static int foreign_keys(dorm_ctx *cx, bool on) {
    const char *sql = on ? cx->db->dialect->constraint_checks_on : cx->db->dialect->constraint_checks_off;
    return sql ? exec_sql(cx, sql) : DORM_OK;
}

/* Foreign keys go back on whatever the migration's outcome `rc`: the
 * connection must not go on without them unnoticed, so a failure is
 * reported, also after a migration that was applied and committed. */
static int keys_back_on(dorm_ctx *cx, const dorm_migration *m, int rc) {
    char before[400];
    snprintf(before, sizeof before, "%s", rc ? dorm_errmsg(cx) : "");
    if (!foreign_keys(cx, true)) return rc;
    return dorm_fail(cx, dorm_errcode(cx), "%s.%s %s%s%s, and foreign key checks could not be turned back on: %s",
                     m->app, m->name, rc ? "failed (" : "was committed", before, rc ? ")" : "", dorm_errmsg(cx));
}

/* Releases a migration lock that outlives the transaction (the dialect's
 * migration_unlock), whatever the migration's outcome; a failure is not
 * reported: the lock then went with the session. */
static void unlock(dorm_ctx *cx) {
    const char *sql = cx->db->dialect->migration_unlock;
    dorm_errbuf e = {0, ""};
    if (sql) dorm_db_exec(cx->db, sql, &e);
}

static int check_foreign_keys(dorm_ctx *cx) {
    const char *sql = cx->db->dialect->constraint_check_query;
    if (!sql) return DORM_OK;
    dorm_errbuf e = {0, ""};
    dorm_cached_stmt *cs;
    int rc = dorm_db_prepare(cx->db, sql, strlen(sql), &cs, &e);
    if (rc < 0) return dorm_fail_errbuf(cx, &e);
    rc = dorm_db_run(cx->db, cs, NULL, 0, &e);
    if (rc == DORM_STEP_ROW) {
        size_t n;
        const char *table = cx->db->drv->column_text(cs->stmt, 0, &n);
        dorm_fail(cx, DORM_EINTEGRITY, "A row of table '%.*s' refers to a row that does not exist.", (int)n,
                  table ? table : "?");
        rc = DORM_EINTEGRITY;
    } else if (rc < 0) {
        rc = dorm_fail_errbuf(cx, &e);
    }
    dorm_db_release(cx->db, cs);
    return rc < 0 ? rc : DORM_OK;
}

/* The state before node i given what is applied (use), then one state per
 * operation of it: states[k] is the state before operation k. */
static dorm_state **op_states(run *r, int i, const bool *use) {
    dorm_migration *m = r->g.nodes[i];
    dorm_state **st = dorm_mem_calloc((size_t)m->nops + 1, sizeof *st);
    if (!st) return NULL;
    st[0] = dorm_graph_state(r->cx, &r->g, use, i);
    for (int k = 0; st[k] && k < m->nops; k++) {
        st[k + 1] = dorm_state_clone(st[k]);
        if (st[k + 1] && dorm_op_state(r->cx, st[k + 1], &m->ops[k])) {
            dorm_state_free(st[k + 1]);
            st[k + 1] = NULL;
        }
    }
    if (!st[m->nops]) {
        for (int k = 0; k <= m->nops; k++) dorm_state_free(st[k]);
        dorm_mem_free(st);
        return NULL;
    }
    return st;
}

static void free_states(dorm_state **st, int n) {
    for (int k = 0; st && k <= n; k++) dorm_state_free(st[k]);
    dorm_mem_free(st);
}

/* Whether every table an initial migration creates exists already. */
static bool tables_exist(run *r, int i, const bool *use) {
    dorm_migration *m = r->g.nodes[i];
    if (!m->initial) return false;
    dorm_state **st = op_states(r, i, use);
    if (!st) return false;
    bool all = true, any = false;
    for (int k = 0; k < m->nops && all; k++) {
        if (m->ops[k].kind != DORM_OP_CREATE_MODEL) continue;
        any = true;
        dorm_mstate *ms = dorm_state_model(st[m->nops], m->app, m->ops[k].create->name);
        const char *table = ms ? dorm_mstate_table(st[m->nops], ms) : NULL;
        dorm_buf q = DORM_BUF_INIT;
        if (table) dorm_buf_quote(&q, r->cx->db->dialect->quote, table);
        const char *sql = table && !q.failed ? dorm_sprintf(r->cx, "SELECT 1 FROM %s WHERE 1 = 0", q.data) : NULL;
        dorm_buf_free(&q);
        all = sql && exec_sql(r->cx, sql) == DORM_OK;
    }
    dorm_error_clear(r->cx);
    free_states(st, m->nops);
    return all && any;
}

typedef struct apply_job {
    run *r;
    int i;
    bool backwards;
    bool fake;
    bool skipped;
} apply_job;

static int apply_run(void *payload) {
    apply_job *j = payload;
    run *r = j->r;
    dorm_migration *m = r->g.nodes[j->i];
    int rc = dorm_recorder_lock(r->cx);
    bool now[1] = {false};
    /* Another process may have done it while this one waited for the lock. */
    if (!rc) {
        dorm_graph one = {1, &m};
        rc = dorm_recorder_applied(r->cx, &one, now);
    }
    if (rc) return rc;
    if (now[0] != j->backwards) {
        j->skipped = true;
        return DORM_OK;
    }
    if (!j->fake) {
        dorm_state **st = op_states(r, j->i, r->applied);
        if (!st) return dorm_errcode(r->cx) ? dorm_errcode(r->cx) : DORM_ENOMEM;
        dorm_ddl ddl = {r->cx, r->apps, NULL, &r->progress, DORM_BUF_INIT};
        for (int n = 0; n < m->nops && !rc; n++) {
            int k = j->backwards ? m->nops - 1 - n : n;
            rc = dorm_op_database(&ddl, &m->ops[k], st[k], st[k + 1], j->backwards);
            if (rc)
                dorm_fail(r->cx, rc, "%s.%s, operation %d (%s): %s", m->app, m->name, k + 1,
                          dorm_op_describe(r->cx, &m->ops[k]), dorm_errmsg(r->cx));
        }
        if (dorm_ddl_finish(&ddl, rc) && !rc)
            rc = dorm_fail(r->cx, dorm_errcode(r->cx), "%s.%s, after its operations: %s", m->app, m->name,
                           dorm_errmsg(r->cx));
        free_states(st, m->nops);
        if (!rc) rc = check_foreign_keys(r->cx);
    }
    if (!rc) rc = dorm_recorder_record(r->cx, m, !j->backwards);
    return rc;
}

static int apply(run *r, int i, bool backwards) {
    dorm_migration *m = r->g.nodes[i];
    bool fake = r->o->fake || (!backwards && r->o->fake_initial && tables_exist(r, i, r->applied));
    if (r->o->verbosity > 0) {
        fprintf(r->out, "  %s %s.%s...", backwards ? "Unapplying" : "Applying", m->app, m->name);
        fflush(r->out);
    }
    apply_job j = {r, i, backwards, fake, false};
    int rc = foreign_keys(r->cx, false);
    if (!rc) rc = dorm_in_transaction(r->cx, apply_run, &j);
    bool done = !rc;
    if (rc && !fake && !r->cx->db->dialect->transactional_ddl) {
        char why[400];
        snprintf(why, sizeof why, "%s", dorm_errmsg(r->cx));
        rc = dorm_fail(r->cx, rc, "%s (this database has no transactional DDL: the operations of %s.%s before the "
                                  "failed one stay applied, and the migration is not recorded)",
                       why, m->app, m->name);
    }
    unlock(r->cx);
    rc = keys_back_on(r->cx, m, rc);
    dorm_progress_done(&r->progress);
    if (r->o->verbosity > 0)
        fprintf(r->out, "%s\n", rc ? " FAILED" : j.skipped ? " (done by another process)" : fake ? " FAKED" : " OK");
    if (done) r->applied[i] = !backwards;
    return rc;
}

static void print_plan(run *r, const int *plan, int n, bool backwards) {
    fputs("Planned operations:\n", r->out);
    if (!n) fputs("  No planned migration operations.\n", r->out);
    for (int p = 0; p < n; p++) {
        dorm_migration *m = r->g.nodes[plan[p]];
        fprintf(r->out, "%s.%s\n", m->app, m->name);
        for (int k = 0; k < m->nops; k++) {
            const dorm_op *op = &m->ops[backwards ? m->nops - 1 - k : k];
            bool irreversible = backwards && ((op->kind == DORM_OP_RUN_SQL && !op->reverse_sql) ||
                                              (op->kind == DORM_OP_RUN_C && !op->reverse_code));
            fprintf(r->out, "    %s%s%s\n", backwards ? "Undo " : "", dorm_op_describe(r->cx, op),
                    irreversible ? " -> IRREVERSIBLE" : "");
        }
    }
}

int dorm_migrate(dorm_ctx *cx, const dorm_app *const *apps, const dorm_migrate_opts *opts) {
    dorm_migrate_opts dflt = {.verbosity = 1};
    run r = {.cx = cx, .apps = apps, .o = opts ? opts : &dflt, };
    r.out = r.o->out ? r.o->out : stdout;
    dorm_progress_init(&r.progress, r.out);
    dorm_error_clear(cx);
    if (r.o->app) {
        bool known = false;
        for (size_t i = 0; apps && apps[i]; i++) known = known || strcmp(apps[i]->label, r.o->app) == 0;
        if (!known) return dorm_fail(cx, DORM_EVALUE, "No installed app with label '%s'.", r.o->app);
    }
    int rc = dorm_graph_load(cx, apps, &r.g);
    if (rc) return rc;
    r.applied = dorm_mem_calloc((size_t)(r.g.n ? r.g.n : 1), sizeof(bool));
    bool *mark = dorm_mem_calloc((size_t)(r.g.n ? r.g.n : 1), sizeof(bool));
    int *plan = dorm_mem_calloc((size_t)(r.g.n ? r.g.n : 1), sizeof(int));
    if (!r.applied || !mark || !plan) rc = DORM_ENOMEM;
    if (!rc) rc = dorm_recorder_ensure(cx);
    if (!rc) rc = dorm_recorder_applied(cx, &r.g, r.applied);
    if (!rc) rc = dorm_graph_replacements(cx, &r.g, r.applied);
    bool backwards = false;
    int target = -1;
    if (!rc && r.o->app && r.o->target) {
        if (strcmp(r.o->target, "zero") == 0) {
            backwards = true;
            for (int i = 0; i < r.g.n; i++)
                if (strcmp(r.g.nodes[i]->app, r.o->app) == 0) with_dependents(&r.g, i, mark);
        } else if ((target = find_target(cx, &r.g, r.o->app, r.o->target)) < 0) {
            rc = target;
        } else if (r.applied[target]) {
            /* Back to the target: its app's later migrations and their dependents go. */
            backwards = true;
            for (int i = target + 1; i < r.g.n; i++)
                if (strcmp(r.g.nodes[i]->app, r.o->app) == 0) with_dependents(&r.g, i, mark);
        } else {
            with_deps(&r.g, target, mark);
        }
    } else if (!rc) {
        for (int i = 0; i < r.g.n; i++)
            if (!r.o->app || strcmp(r.g.nodes[i]->app, r.o->app) == 0) with_deps(&r.g, i, mark);
    }
    int n = 0;
    for (int p = 0; !rc && p < r.g.n; p++) {
        int i = backwards ? r.g.n - 1 - p : p;
        if (mark[i] && r.applied[i] == backwards) plan[n++] = i;
    }
    /* The safety lint of what is about to be applied. */
    int warnings = 0;
    if (!rc && r.o->plan) print_plan(&r, plan, n, backwards);
    for (int p = 0; !rc && !backwards && (r.o->plan || r.o->strict) && p < n; p++) {
        dorm_state *before = dorm_graph_state(cx, &r.g, r.applied, plan[p]);
        if (!before) {
            rc = dorm_errcode(cx) ? dorm_errcode(cx) : DORM_ENOMEM;
            break;
        }
        unsigned backend = (cx->db->dialect->locks_on_alter ? DORM_LINT_LOCKS : 0) |
                           (cx->db->dialect->transactional_ddl ? 0 : DORM_LINT_DDL_COMMITS);
        warnings += dorm_lint(cx, r.g.nodes[plan[p]], before, backend, r.o->plan ? r.out : NULL);
        r.applied[plan[p]] = true;
        dorm_state_free(before);
    }
    if (!rc && !backwards && (r.o->plan || r.o->strict))
        for (int p = 0; p < n; p++) r.applied[plan[p]] = false;
    if (!rc && r.o->strict && warnings)
        rc = dorm_fail(cx, DORM_EVALUE, "%d migration safety warning%s (--strict).", warnings, warnings == 1 ? "" : "s");
    if (!rc && !r.o->plan) {
        if (r.o->verbosity > 0) {
            fputs("Operations to perform:\n", r.out);
            if (backwards && target < 0) fprintf(r.out, "  Unapply all migrations: %s\n", r.o->app);
            else if (target >= 0) fprintf(r.out, "  Target specific migration: %s, from %s\n", r.g.nodes[target]->name, r.o->app);
            else if (r.o->app) fprintf(r.out, "  Apply all migrations: %s\n", r.o->app);
            else {
                fputs("  Apply all migrations: ", r.out);
                for (size_t i = 0, k = 0; apps && apps[i]; i++)
                    if (apps[i]->migrations_dir) fprintf(r.out, "%s%s", k++ ? ", " : "", apps[i]->label);
                fputc('\n', r.out);
            }
            fputs("Running migrations:\n", r.out);
            if (!n) fputs("  No migrations to apply.\n", r.out);
        }
        for (int p = 0; p < n && !rc; p++) rc = apply(&r, plan[p], backwards);
    }
    dorm_mem_free(mark);
    dorm_mem_free(plan);
    dorm_mem_free(r.applied);
    dorm_graph_free(&r.g);
    return rc;
}

const char *dorm_sqlmigrate(dorm_ctx *cx, const dorm_app *const *apps, const char *app, const char *name,
                            bool backwards) {
    dorm_error_clear(cx);
    run r = {.cx = cx, .apps = apps};
    if (dorm_graph_load(cx, apps, &r.g)) return NULL;
    if (dorm_graph_replacements(cx, &r.g, NULL)) {
        dorm_graph_free(&r.g);
        return NULL;
    }
    const char *result = NULL;
    int i = find_target(cx, &r.g, app, name);
    dorm_state **st = i >= 0 ? op_states(&r, i, NULL) : NULL;
    if (st) {
        dorm_migration *m = r.g.nodes[i];
        dorm_buf b = DORM_BUF_INIT;
        dorm_ddl ddl = {cx, apps, &b, NULL, DORM_BUF_INIT};
        bool tx = cx->db->dialect->transactional_ddl;
        if (tx) dorm_buf_puts(&b, "BEGIN;\n");
        int rc = DORM_OK;
        for (int n = 0; n < m->nops && !rc; n++) {
            int k = backwards ? m->nops - 1 - n : n;
            /* Statements deferred by CreateModels print before the next operation's heading. */
            if (!dorm_op_keeps_deferred(&m->ops[k], backwards)) rc = dorm_ddl_flush(&ddl);
            if (rc) break;
            dorm_buf_printf(&b, "--\n-- %s\n--\n", dorm_op_describe(cx, &m->ops[k]));
            if (!dorm_op_has_ddl(&m->ops[k])) {
                dorm_buf_puts(&b, "-- (no-op)\n");
                continue;
            }
            rc = dorm_op_database(&ddl, &m->ops[k], st[k], st[k + 1], backwards);
        }
        rc = dorm_ddl_finish(&ddl, rc);
        if (tx) dorm_buf_puts(&b, "COMMIT;\n");
        if (!rc && !b.failed) result = dorm_strdup(cx, b.data);
        dorm_buf_free(&b);
        free_states(st, m->nops);
    }
    dorm_graph_free(&r.g);
    return result;
}

int dorm_showmigrations(dorm_ctx *cx, const dorm_app *const *apps, const char *app, bool plan, FILE *out) {
    dorm_error_clear(cx);
    out = out ? out : stdout;
    dorm_graph g;
    int rc = dorm_graph_load(cx, apps, &g);
    if (rc) return rc;
    bool *applied = dorm_mem_calloc((size_t)(g.n ? g.n : 1), sizeof(bool));
    if (!applied) rc = DORM_ENOMEM;
    if (!rc) rc = dorm_recorder_ensure(cx);
    if (!rc) rc = dorm_recorder_applied(cx, &g, applied);
    if (!rc) rc = dorm_graph_replacements(cx, &g, applied);
    for (int i = 0; !rc && plan && i < g.n; i++)
        if (!app || strcmp(g.nodes[i]->app, app) == 0)
            fprintf(out, "[%c]  %s.%s\n", applied[i] ? 'X' : ' ', g.nodes[i]->app, g.nodes[i]->name);
    for (size_t a = 0; !rc && !plan && apps && apps[a]; a++) {
        if (app && strcmp(apps[a]->label, app) != 0) continue;
        fprintf(out, "%s\n", apps[a]->label);
        int shown = 0;
        for (int i = 0; i < g.n; i++)
            if (strcmp(g.nodes[i]->app, apps[a]->label) == 0) {
                fprintf(out, " [%c] %s\n", applied[i] ? 'X' : ' ', g.nodes[i]->name);
                shown++;
            }
        if (!shown) fputs(" (no migrations)\n", out);
    }
    dorm_mem_free(applied);
    dorm_graph_free(&g);
    return rc;
}
