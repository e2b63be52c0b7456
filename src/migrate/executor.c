/* executor.c - migrate, sqlmigrate and showmigrations: the plan to a target
 * (forwards, or backwards through dependents), each migration applied or
 * unapplied in one transaction with its record and a lock against a second
 * migrating process, Django's progress lines, and the SQL of a migration. */
#include <stdlib.h>
#include <string.h>

#include "core/opts.h"
#include "backend/db.h"
#include "exec/route.h"
#include "migrate/migration.h"
#include "core/alloc.h"

/* The node an app's target names: a full name or a prefix matching one
 * migration file only.  A replaced migration is not a node (its squashed
 * migration stands for it). */
static int find_target(dorm_ctx *cx, const dorm_graph *g, const char *app, const char *target) {
    dorm_migration *m;
    int rc = dorm_graph__find_prefix(cx, g, app, target, &m);
    if (rc) return rc;
    for (int i = 0; i < g->n; i++)
        if (g->nodes[i] == m) return i;
    for (int i = 0; i < g->n; i++)
        for (int r = 0; r < g->nodes[i]->nreplaces; r++)
            if (strcmp(g->nodes[i]->replaces[r].app, app) == 0 && strcmp(g->nodes[i]->replaces[r].name, m->name) == 0)
                return dorm_ctx_fail(cx, DORM_EVALUE, "Migration %s.%s is replaced by %s.%s here: target that one.",
                                     app, m->name, app, g->nodes[i]->name);
    return dorm_ctx_fail(cx, DORM_EVALUE, "Cannot find a migration matching '%s' from app '%s'.", target, app);
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
} run;

static int exec_sql(dorm_ctx *cx, const char *sql) {
    dorm_errbuf e = {0, ""};
    return dorm_db__exec(cx->db, sql, &e) < 0 ? dorm_fail__errbuf(cx, &e) : DORM_OK;
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
    return dorm_ctx_fail(cx, dorm_errcode(cx), "%s.%s %s%s%s, and foreign key checks could not be turned back on: %s",
                         m->app, m->name, rc ? "failed (" : "was committed", before, rc ? ")" : "", dorm_errmsg(cx));
}

/* Releases a migration lock that outlives the transaction (the dialect's
 * migration_unlock), whatever the migration's outcome; a failure is not
 * reported: the lock then went with the session. */
static void unlock(dorm_ctx *cx) {
    const char *sql = cx->db->dialect->migration_unlock;
    dorm_errbuf e = {0, ""};
    if (sql) dorm_db__exec(cx->db, sql, &e);
}

static int check_foreign_keys(dorm_ctx *cx) {
    const char *sql = cx->db->dialect->constraint_check_query;
    if (!sql) return DORM_OK;
    dorm_errbuf e = {0, ""};
    dorm_cached_stmt *cs;
    int rc = dorm_db__prepare(cx->db, sql, strlen(sql), &cs, &e);
    if (rc < 0) return dorm_fail__errbuf(cx, &e);
    rc = dorm_db__run(cx->db, cs, NULL, 0, &e);
    if (rc == DORM_STEP_ROW) {
        size_t n;
        const char *table = cx->db->drv->column_text(cs->stmt, 0, &n);
        dorm_ctx_fail(cx, DORM_EINTEGRITY, "A row of table '%.*s' refers to a row that does not exist.", (int)n,
                      table ? table : "?");
        rc = DORM_EINTEGRITY;
    } else if (rc < 0) {
        rc = dorm_fail__errbuf(cx, &e);
    }
    dorm_db__release(cx->db, cs);
    return rc < 0 ? rc : DORM_OK;
}

/* The state before node i given what is applied (use), then one state per
 * operation of it: states[k] is the state before operation k. */
static dorm_state **op_states(run *r, int i, const bool *use) {
    dorm_migration *m = r->g.nodes[i];
    dorm_state **st = dorm_mem__calloc((size_t)m->nops + 1, sizeof *st);
    if (!st) return NULL;
    st[0] = dorm_graph__state(r->cx, &r->g, use, i);
    for (int k = 0; k < m->nops && st[k]; k++) {
        st[k + 1] = dorm_state__clone(st[k]);
        if (st[k + 1] && dorm_op__state(r->cx, st[k + 1], &m->ops[k])) {
            dorm_state__free(st[k + 1]);
            st[k + 1] = NULL;
        }
    }
    if (!st[m->nops]) {
        for (int k = 0; k <= m->nops; k++) dorm_state__free(st[k]);
        dorm_mem__free(st);
        return NULL;
    }
    return st;
}

static void free_states(dorm_state **st, int n) {
    for (int k = 0; st && k <= n; k++) dorm_state__free(st[k]);
    dorm_mem__free(st);
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
        dorm_mstate *ms = dorm_state__model(st[m->nops], m->app, m->ops[k].create->name);
        const char *table = ms ? dorm_mstate__table(st[m->nops], ms) : NULL;
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
    dorm_state **st; /* the states around each operation      */
    int step; /* non-atomic: the operation to run      */
    unsigned long failures; /* dorm_mem__failures() when it began     */
} apply_job;

/* DDL or states computed while an allocation failed may be wrong: what ran
 * is never committed, and the failure is reported as what it is. */
static int memory_checked(apply_job *j, int rc) {
    if (dorm_mem__failures() == j->failures) return rc;
    dorm_migration *m = j->r->g.nodes[j->i];
    return dorm_ctx_fail(j->r->cx, DORM_ENOMEM, "%s.%s: out of memory", m->app, m->name);
}

/* Takes the migration lock, then looks again: another process may have
 * done the work while this one waited for it. */
static int claim(apply_job *j) {
    run *r = j->r;
    dorm_migration *m = r->g.nodes[j->i];
    int rc = dorm_recorder__lock(r->cx);
    bool now[1] = {false};
    if (!rc) {
        dorm_graph one = {1, &m, 0, NULL};
        rc = dorm_recorder__applied(r->cx, &one, now);
    }
    if (!rc && now[0] != j->backwards) j->skipped = true;
    return rc;
}

/* Operations first..last of the migration (counted in the run's direction)
 * and the statements they deferred; `atomic`: inside a transaction. */
static int run_ops(apply_job *j, int first, int last, bool atomic) {
    run *r = j->r;
    dorm_migration *m = r->g.nodes[j->i];
    dorm_ddl ddl = {r->cx, atomic, r->apps, NULL, DORM_BUF_INIT};
    int rc = DORM_OK;
    for (int n = first; n <= last && !rc; n++) {
        int k = j->backwards ? m->nops - 1 - n : n;
        rc = dorm_op__database(&ddl, &m->ops[k], j->st[k], j->st[k + 1], j->backwards);
        if (rc)
            dorm_ctx_fail(r->cx, rc, "%s.%s, operation %d (%s): %s", m->app, m->name, k + 1,
                          dorm_op__describe(r->cx, &m->ops[k]), dorm_errmsg(r->cx));
    }
    if (dorm_ddl__finish(&ddl, rc) && !rc)
        rc = dorm_ctx_fail(r->cx, dorm_errcode(r->cx), "%s.%s, after its operations: %s", m->app, m->name,
                           dorm_errmsg(r->cx));
    return memory_checked(j, rc);
}

static int record_run(void *payload) {
    apply_job *j = payload;
    int rc = memory_checked(j, check_foreign_keys(j->r->cx));
    return memory_checked(j, rc ? rc : dorm_recorder__record(j->r->cx, j->r->g.nodes[j->i], !j->backwards));
}

/* An atomic migration: lock, operations and record in one transaction. */
static int apply_run(void *payload) {
    apply_job *j = payload;
    int rc = claim(j);
    if (rc || j->skipped) return rc;
    if (!j->fake) rc = run_ops(j, 0, j->r->g.nodes[j->i]->nops - 1, true);
    return rc ? rc : record_run(j);
}

static int claim_run(void *payload) { return claim(payload); }

static int op_run(void *payload) {
    apply_job *j = payload;
    return run_ops(j, j->step, j->step, true);
}

/* The last transaction of a non-atomic migration: its record, unless a
 * second process recorded it meanwhile. */
static int finish_run(void *payload) {
    apply_job *j = payload;
    int rc = claim(j);
    return rc || j->skipped ? rc : record_run(j);
}

/* A migration with "atomic": false (Django's Migration.atomic): each
 * operation in a transaction of its own, the CONCURRENTLY ones and RunC in
 * none (Django runs RunPython there in autocommit: a batched data migration
 * commits chunk by chunk), the record at the end.  A failure keeps the
 * operations done before it and leaves the migration unapplied, as in
 * Django. */
static int apply_nonatomic(apply_job *j) {
    dorm_ctx *cx = j->r->cx;
    dorm_migration *m = j->r->g.nodes[j->i];
    int rc = dorm_in__transaction(cx, claim_run, j);
    for (int n = 0; !rc && !j->skipped && n < m->nops; n++) {
        j->step = n;
        const dorm_op *op = &m->ops[j->backwards ? m->nops - 1 - n : n];
        bool outside = op->concurrently || op->kind == DORM_OP_RUN_C;
        rc = outside ? run_ops(j, n, n, false) : dorm_in__transaction(cx, op_run, j);
    }
    if (!rc && !j->skipped) rc = dorm_in__transaction(cx, finish_run, j);
    return rc;
}

static int apply(run *r, int i, bool backwards) {
    dorm_migration *m = r->g.nodes[i];
    bool fake = r->o->fake || (!backwards && r->o->fake_initial && tables_exist(r, i, r->applied));
    if (r->o->verbosity > 0) {
        fprintf(r->out, "  %s %s.%s...", backwards ? "Unapplying" : "Applying", m->app, m->name);
        fflush(r->out);
    }
    apply_job j = {r, i, backwards, fake, false, NULL, 0, dorm_mem__failures()};
    int rc = DORM_OK;
    if (!fake && !(j.st = op_states(r, i, r->applied))) rc = dorm_errcode(r->cx) ? dorm_errcode(r->cx) : DORM_ENOMEM;
    if (!rc) rc = foreign_keys(r->cx, false);
    if (!rc) rc = m->atomic || fake ? dorm_in__transaction(r->cx, apply_run, &j) : apply_nonatomic(&j);
    bool done = !rc;
    if (rc && !fake && !r->cx->db->dialect->transactional_ddl) {
        char why[400];
        snprintf(why, sizeof why, "%s", dorm_errmsg(r->cx));
        rc = dorm_ctx_fail(r->cx, rc,
                           "%s (this database has no transactional DDL: the operations of %s.%s before the "
                           "failed one stay applied, and the migration is not recorded)",
                           why, m->app, m->name);
    }
    unlock(r->cx);
    rc = keys_back_on(r->cx, m, rc);
    free_states(j.st, m->nops);
    if (r->o->verbosity > 0)
        fprintf(r->out, "%s\n", rc ? " FAILED" : j.skipped ? " (done by another process)" : fake ? " FAKED" : " OK");
    if (done) r->applied[i] = !backwards;
    return rc;
}

/* Django's describe_operation for --plan: "Undo " before an operation run
 * backwards, " -> <sql>" after RunSQL (cut to 40 characters with an
 * ellipsis), " -> IRREVERSIBLE" where there is no way back. */
static void plan_line(run *r, const dorm_op *op, bool backwards) {
    dorm_buf action = DORM_BUF_INIT;
    const char *prefix = "";
    bool code = op->kind == DORM_OP_RUN_SQL || op->kind == DORM_OP_RUN_C;
    const char *const *sql = backwards ? op->reverse_sql : op->sql;
    if (code &&
        ((op->kind == DORM_OP_RUN_SQL && !sql) || (op->kind == DORM_OP_RUN_C && backwards && !op->reverse_code)))
        dorm_buf_puts(&action, " -> IRREVERSIBLE");
    else if (op->kind == DORM_OP_RUN_SQL && sql[0])
        for (size_t i = 0; sql[i]; i++) {
            dorm_buf_puts(&action, i ? "; " : " -> ");
            for (const char *p = sql[i]; *p; p++)
                if (*p != '\n') dorm_buf_putc(&action, *p);
        }
    else if (!code && backwards)
        prefix = "Undo ";
    /* Django's Truncator.chars(40): 40 characters, the last one "…". */
    size_t chars = 0, cut = 0;
    for (size_t i = 0; i < action.len; i++)
        if (((unsigned char)action.data[i] & 0xc0) != 0x80 && ++chars == 40) cut = i;
    if (chars > 40) action.len = cut;
    fprintf(r->out, "    %s%s%.*s%s\n", prefix, dorm_op__describe(r->cx, op), (int)action.len,
            action.data ? action.data : "", chars > 40 ? "\xe2\x80\xa6" : "");
    dorm_buf_free(&action);
}

/* migrate --plan (Django's): each migration and its operations, in their
 * own order either way. */
static void print_plan(run *r, const int *plan, int n, bool backwards) {
    fputs("Planned operations:\n", r->out);
    if (!n) fputs("  No planned migration operations.\n", r->out);
    for (int p = 0; p < n; p++) {
        dorm_migration *m = r->g.nodes[plan[p]];
        fprintf(r->out, "%s.%s\n", m->app, m->name);
        for (int k = 0; k < m->nops; k++) plan_line(r, &m->ops[k], backwards);
    }
}

/* Nothing to apply: Django's notice when the models have changes that no
 * migration has (a failure to tell is not migrate's failure). */
static void warn_changes(dorm_ctx *cx, const dorm_app *const *apps, FILE *out) {
    dorm_buf labels = DORM_BUF_INIT;
    if (dorm_changed__apps(cx, apps, &labels) > 0 && !labels.failed)
        fprintf(out,
                "  Your models in app(s): %s have changes that are not yet reflected in a migration, and so won't "
                "be applied.\n  Run 'manage makemigrations' to make new migrations, and then re-run 'manage "
                "migrate' to apply them.\n",
                labels.data);
    dorm_buf_free(&labels);
    dorm_error_clear(cx);
}

static int migrate_on(dorm_ctx *cx, const dorm_app *const *apps, const dorm_migrate_opts *opts);

/* On the database of opts->database, else the alias in use (Django's
 * --database), holding one session throughout: SQLite's foreign-key switch
 * belongs to the session. */
int dorm_migrate_(dorm_ctx *cx, const dorm_app *const *apps, const dorm_migrate_opts *opts, size_t opts_size) {
    dorm_migrate_opts opts_copy_;
    opts = dorm_opts__read(&opts_copy_, sizeof opts_copy_, opts, opts_size);
    if (!cx) return DORM_ENOMEM;
    const char *before = NULL;
    if (opts && opts->database && !(before = dorm_ctx_use(cx, opts->database))) return dorm_errcode(cx);
    dorm_route r;
    int rc = dorm_route__use(cx, &r);
    dorm_errbuf e;
    if (!rc && dorm_db__hold(cx->db, &e))
        rc = dorm_fail__errbuf(cx, &e);
    else if (!rc) {
        rc = migrate_on(cx, apps, opts);
        dorm_db__unhold(cx->db);
    }
    if (r.db) dorm_route__leave(cx, &r);
    if (before) dorm_ctx_use(cx, before);
    return rc;
}

static int migrate_on(dorm_ctx *cx, const dorm_app *const *apps, const dorm_migrate_opts *opts) {
    dorm_migrate_opts dflt = {.verbosity = 1};
    run r = {
        .cx = cx,
        .apps = apps,
        .o = opts ? opts : &dflt,
    };
    r.out = r.o->out ? r.o->out : stdout;
    dorm_error_clear(cx);
    if (r.o->app) {
        bool known = false;
        for (size_t i = 0; apps && apps[i]; i++) known = known || strcmp(apps[i]->label, r.o->app) == 0;
        if (!known) return dorm_ctx_fail(cx, DORM_EVALUE, "No installed app with label '%s'.", r.o->app);
    }
    int rc = dorm_graph__load(cx, apps, &r.g);
    if (rc) return dorm__record(cx, rc);
    r.applied = dorm_mem__calloc((size_t)(r.g.n ? r.g.n : 1), sizeof(bool));
    bool *mark = dorm_mem__calloc((size_t)(r.g.n ? r.g.n : 1), sizeof(bool));
    int *plan = dorm_mem__calloc((size_t)(r.g.n ? r.g.n : 1), sizeof(int));
    if (!r.applied || !mark || !plan) rc = DORM_ENOMEM;
    if (!rc) rc = dorm_recorder__ensure(cx);
    if (!rc) rc = dorm_recorder__applied(cx, &r.g, r.applied);
    if (!rc) rc = dorm_graph__replacements(cx, &r.g, r.applied);
    if (!rc) rc = dorm_graph__conflicts(cx, &r.g, apps, NULL);
    /* Every file's operations are checked against the state before any runs:
     * a broken later file stops the run before an earlier one is applied. */
    dorm_state *last = rc ? NULL : dorm_graph__state(cx, &r.g, NULL, -1);
    if (!rc && !last) rc = dorm_errcode(cx) ? dorm_errcode(cx) : DORM_ENOMEM;
    dorm_state__free(last);
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
        dorm_state *before = dorm_graph__state(cx, &r.g, r.applied, plan[p]);
        if (!before) {
            rc = dorm_errcode(cx) ? dorm_errcode(cx) : DORM_ENOMEM;
            break;
        }
        unsigned backend = (cx->db->dialect->locks_on_alter ? DORM_LINT_LOCKS : 0) |
            (cx->db->dialect->transactional_ddl ? 0 : DORM_LINT_DDL_COMMITS);
        warnings += dorm__lint(cx, r.g.nodes[plan[p]], before, NULL, backend, r.o->plan ? r.out : NULL);
        r.applied[plan[p]] = true;
        dorm_state__free(before);
    }
    if (!rc && !backwards && (r.o->plan || r.o->strict))
        for (int p = 0; p < n; p++) r.applied[plan[p]] = false;
    if (!rc && r.o->strict && warnings)
        rc = dorm_ctx_fail(cx, DORM_EVALUE, "%d migration safety warning%s (--strict).", warnings,
                           warnings == 1 ? "" : "s");
    if (!rc && !r.o->plan) {
        if (r.o->verbosity > 0) {
            fputs("Operations to perform:\n", r.out);
            if (backwards && target < 0)
                fprintf(r.out, "  Unapply all migrations: %s\n", r.o->app);
            else if (target >= 0)
                fprintf(r.out, "  Target specific migration: %s, from %s\n", r.g.nodes[target]->name, r.o->app);
            else if (r.o->app)
                fprintf(r.out, "  Apply all migrations: %s\n", r.o->app);
            else {
                fputs("  Apply all migrations: ", r.out);
                for (size_t i = 0, k = 0; apps && apps[i]; i++)
                    if (apps[i]->migrations_dir) fprintf(r.out, "%s%s", k++ ? ", " : "", apps[i]->label);
                fputc('\n', r.out);
            }
        }
        /* Django's migrate sends pre_migrate for every app before its
         * "Running migrations:" and post_migrate after them. */
        rc = dorm_signal__migrate(cx, DORM_PRE_MIGRATE, apps, r.o->verbosity, false);
        if (!rc && r.o->verbosity > 0) {
            fputs("Running migrations:\n", r.out);
            if (!n) fputs("  No migrations to apply.\n", r.out);
            if (!n) warn_changes(cx, apps, r.out);
        }
        int done = 0;
        const char *name = NULL;
        for (; done < n && !rc; done++) {
            const dorm_migration *m = r.g.nodes[plan[done]];
            if (cx->progress) name = dorm_sprintf(cx, "%s.%s", m->app, m->name);
            dorm_progress__emit(cx, "migrate", name, done, n);
            rc = apply(&r, plan[done], backwards);
        }
        dorm_progress__finish(cx, "migrate", name, rc ? done - 1 : done, n);
        if (!rc) rc = dorm_record__replacements(cx, &r.g);
        if (!rc) rc = dorm_signal__migrate(cx, DORM_POST_MIGRATE, apps, r.o->verbosity, false);
    }
    dorm_mem__free(mark);
    dorm_mem__free(plan);
    dorm_mem__free(r.applied);
    dorm_graph__free(&r.g);
    return dorm__record(cx, rc);
}

const char *dorm_sqlmigrate(dorm_ctx *cx, const dorm_app *const *apps, const char *app, const char *name,
                            bool backwards) {
    dorm_error_clear(cx);
    unsigned long failures = dorm_mem__failures();
    run r = {.cx = cx, .apps = apps};
    /* As Django's sqlmigrate, squashed and replaced migrations alike are
     * shown: no replacements, and the state is that of what the migration
     * depends on. */
    int rc = dorm_graph__load(cx, apps, &r.g);
    if (rc) {
        dorm__record(cx, rc);
        return NULL;
    }
    const char *result = NULL;
    int i = find_target(cx, &r.g, app, name);
    bool *deps = i >= 0 ? dorm_mem__calloc((size_t)r.g.n, sizeof(bool)) : NULL;
    if (i >= 0 && !deps) dorm_ctx_fail(cx, DORM_ENOMEM, "out of memory");
    if (deps) {
        with_deps(&r.g, i, deps);
        deps[i] = false;
    }
    dorm_state **st = deps ? op_states(&r, i, deps) : NULL;
    dorm_mem__free(deps);
    if (st) {
        dorm_migration *m = r.g.nodes[i];
        dorm_buf b = DORM_BUF_INIT;
        dorm_ddl ddl = {cx, m->atomic, apps, &b, DORM_BUF_INIT};
        bool tx = cx->db->dialect->transactional_ddl && m->atomic;
        if (tx) dorm_buf_puts(&b, "BEGIN;\n");
        for (int n = 0; n < m->nops && !rc; n++) {
            int k = backwards ? m->nops - 1 - n : n;
            /* Statements deferred by CreateModels print before the next operation's heading. */
            if (!dorm_op__keeps_deferred(&m->ops[k], backwards)) rc = dorm_ddl__flush(&ddl);
            if (rc) break;
            dorm_buf_printf(&b, "--\n-- %s\n--\n", dorm_op__describe(cx, &m->ops[k]));
            if (!dorm_op__has_ddl(&m->ops[k])) {
                dorm_buf_puts(&b, "-- (no-op)\n");
                continue;
            }
            rc = dorm_op__database(&ddl, &m->ops[k], st[k], st[k + 1], backwards);
        }
        rc = dorm_ddl__finish(&ddl, rc);
        if (tx) dorm_buf_puts(&b, "COMMIT;\n");
        if (!rc && !b.failed) result = dorm_strdup(cx, b.data);
        dorm_buf_free(&b);
        free_states(st, m->nops);
    }
    dorm_graph__free(&r.g);
    /* SQL computed while an allocation failed may be missing statements. */
    if (dorm_mem__failures() != failures) {
        dorm_ctx_fail(cx, DORM_ENOMEM, "out of memory");
        return NULL;
    }
    if (!result && !dorm_errcode(cx)) dorm_ctx_fail(cx, DORM_ENOMEM, "out of memory");
    return result;
}

static int showmigrations_on(dorm_ctx *cx, const dorm_app *const *apps, const char *app, bool plan, FILE *out);

int dorm_showmigrations(dorm_ctx *cx, const dorm_app *const *apps, const char *app, bool plan, FILE *out) {
    dorm_route r;
    if (!cx) return DORM_ENOMEM;
    int rc = dorm_route__use(cx, &r);
    if (rc) return rc;
    rc = showmigrations_on(cx, apps, app, plan, out);
    dorm_route__leave(cx, &r);
    return rc;
}

static int showmigrations_on(dorm_ctx *cx, const dorm_app *const *apps, const char *app, bool plan, FILE *out) {
    dorm_error_clear(cx);
    out = out ? out : stdout;
    dorm_graph g;
    int rc = dorm_graph__load(cx, apps, &g);
    if (rc) return dorm__record(cx, rc);
    bool *applied = dorm_mem__calloc((size_t)(g.n ? g.n : 1), sizeof(bool));
    bool *recorded = dorm_mem__calloc((size_t)(g.n ? g.n : 1), sizeof(bool));
    if (!applied || !recorded) rc = dorm_ctx_fail(cx, DORM_ENOMEM, "out of memory");
    if (!rc) rc = dorm_recorder__ensure(cx);
    if (!rc) rc = dorm_recorder__applied(cx, &g, applied);
    if (!rc) rc = dorm_graph__replacements(cx, &g, applied);
    if (!rc) rc = dorm_recorder__applied(cx, &g, recorded);
    for (int i = 0; !rc && plan && i < g.n; i++)
        if (!app || strcmp(g.nodes[i]->app, app) == 0)
            fprintf(out, "[%c]  %s.%s\n", applied[i] ? 'X' : ' ', g.nodes[i]->app, g.nodes[i]->name);
    for (size_t a = 0; !rc && !plan && apps && apps[a]; a++) {
        if (app && strcmp(apps[a]->label, app) != 0) continue;
        fprintf(out, "%s\n", apps[a]->label);
        int shown = 0;
        for (int i = 0; i < g.n; i++) {
            const dorm_migration *m = g.nodes[i];
            if (strcmp(m->app, apps[a]->label) != 0) continue;
            /* Django's titles: a squashed migration says how many it stands
             * for; one whose originals are all applied but which is not
             * recorded yet is marked [-] until migrate records it. */
            char squashed[48] = "";
            if (m->nreplaces) snprintf(squashed, sizeof squashed, " (%d squashed migrations)", m->nreplaces);
            char mark = applied[i] ? (recorded[i] ? 'X' : '-') : ' ';
            fprintf(out, " [%c] %s%s%s\n", mark, m->name, squashed,
                    mark == '-' ? " Run 'manage migrate' to finish recording." : "");
            shown++;
        }
        if (!shown) fputs(" (no migrations)\n", out);
    }
    dorm_mem__free(recorded);
    dorm_mem__free(applied);
    dorm_graph__free(&g);
    return dorm__record(cx, rc);
}
