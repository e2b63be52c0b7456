/* migration.h - migrations and their operations (Django's Migration and
 * Operation classes): what each operation does to the state, the DDL it runs
 * forwards and backwards, and the files, graph and executor that use them. */
#ifndef DORM_MIGRATE_MIGRATION_H
#define DORM_MIGRATE_MIGRATION_H

#include <stdio.h>

#include "backend/schema.h"
#include "migrate/state.h"

typedef enum dorm_op_kind {
    DORM_OP_CREATE_MODEL = 1,
    DORM_OP_DELETE_MODEL,
    DORM_OP_RENAME_MODEL,
    DORM_OP_ALTER_MODEL_TABLE,
    DORM_OP_ALTER_MODEL_OPTIONS,
    DORM_OP_ADD_FIELD,
    DORM_OP_REMOVE_FIELD,
    DORM_OP_ALTER_FIELD,
    DORM_OP_RENAME_FIELD,
    DORM_OP_ADD_INDEX,
    DORM_OP_REMOVE_INDEX,
    DORM_OP_RENAME_INDEX,
    DORM_OP_ADD_CONSTRAINT,
    DORM_OP_REMOVE_CONSTRAINT,
    DORM_OP_ALTER_UNIQUE_TOGETHER,
    DORM_OP_RUN_SQL,
    DORM_OP_RUN_C,
    DORM_OP__COUNT
} dorm_op_kind;

/* One operation.  `model` names the model (CreateModel: its name; others
 * Django's model_name); the other members are those of its kind. */
typedef struct dorm_op {
    dorm_op_kind kind;
    const char *app; /* the migration's app                    */
    const char *model;
    const char *name; /* field, index or constraint name        */
    const char *old_name; /* Rename*                                */
    const char *new_name;
    dorm_fstate field; /* AddField, AlterField                   */
    bool preserve_default; /* false: field's default is one-off      */
    dorm_mstate *create; /* CreateModel; AlterModelOptions' options */
    dorm_index index; /* AddIndex                               */
    dorm_constraint constraint; /* AddConstraint                          */
    const char *const *const *together; /* AlterUniqueTogether              */
    const char *table; /* AlterModelTable (NULL: the default)    */
    const char *const *sql; /* RunSQL statements                      */
    const char *const *reverse_sql; /* NULL: irreversible; empty list: no-op  */
    const char *code; /* RunC function names (reverse NULL:     */
    const char *reverse_code; /*   irreversible)                        */
    bool elidable;
    /* AddIndex / RemoveIndex spelled CONCURRENTLY (PostgreSQL's
     * AddIndexConcurrently, RemoveIndexConcurrently): only in a migration
     * with "atomic": false. */
    bool concurrently;
} dorm_op;

typedef struct dorm_mig_key {
    const char *app;
    const char *name;
} dorm_mig_key;

typedef struct dorm_migration {
    const char *app;
    const char *name; /* "0002_book_isbn"                       */
    const char *path;
    bool initial;
    bool atomic; /* false: no transaction around it        */
    int ndeps;
    dorm_mig_key *deps;
    int nreplaces;
    dorm_mig_key *replaces;
    int nops;
    dorm_op *ops;
} dorm_migration;

/* ---- ops.c ---- */

/* Applies op to the state in place.  0, or DORM_EVALUE with a message on cx
 * naming what is missing ("No model 'library.book' in the state."), or
 * DORM_ENOMEM (recorded on cx; the state is then incomplete). */
int dorm_op__state(dorm_ctx *cx, dorm_state *st, const dorm_op *op);
/* Django's describe(): "Create model Book", "Add field isbn to book". */
const char *dorm_op__describe(dorm_ctx *cx, const dorm_op *op);
/* Whether an operation changes the database (RunSQL/RunC count). */
bool dorm_op__has_ddl(const dorm_op *op);
/* Whether a blank field of kind k takes "" where rows need a value (Django's
 * empty_strings_allowed: the text kinds but JSONField). */
bool dorm_kind__blank_is_empty(dorm_kind k);

/* Where DDL goes: executed on cx's connection, or only collected. */
typedef struct dorm_ddl {
    dorm_ctx *cx;
    bool atomic; /* inside the migration's transaction      */
    const dorm_app *const *apps; /* RunC functions                          */
    dorm_buf *collect; /* non-NULL: append "<sql>;\n" instead     */
    /* Django's deferred_sql: what follows the CREATE TABLEs of consecutive
     * CreateModels (foreign keys, indexes), run before any other operation
     * and at the end of the migration (dorm_ddl__finish). */
    dorm_buf later;
} dorm_ddl;

/* The DDL of op between states `from` (before it) and `to` (after it),
 * forwards, or backwards (undoing it: turning `to`'s schema into `from`'s).
 * 0 or a negative error recorded on ddl->cx. */
int dorm_op__database(dorm_ddl *ddl, const dorm_op *op, const dorm_state *from, const dorm_state *to, bool backwards);
/* Runs the deferred statements: 0 or the first error. */
int dorm_ddl__flush(dorm_ddl *ddl);
/* Whether op (that way round) leaves the deferred statements waiting. */
bool dorm_op__keeps_deferred(const dorm_op *op, bool backwards);
/* The same when rc is 0, then frees them; returns rc or the first error. */
int dorm_ddl__finish(dorm_ddl *ddl, int rc);
/* What the operations' DDL is made with: a statement run (or collected for
 * sqlmigrate), a model's table definition in a rendered state, its table
 * created (indexes and keys deferred) or dropped.  0 or an error. */
int dorm_ddl__emit(const char *sql, void *payload);
int dorm_ddl__table_def(dorm_ddl *ddl, const dorm_rendered *r, const dorm_meta *m, dorm_table_def *t);
int dorm_ddl__create_table(dorm_ddl *ddl, const dorm_rendered *r, const dorm_meta *m);
int dorm_ddl__drop_table(dorm_ddl *ddl, const dorm_meta *m);

/* ---- join_tables.c ---- */

/* RenameModel's changes to the automatic join tables (and, where keys are
 * constraints of their own, to every key to the renamed model). */
int dorm_op__rename_join_tables(dorm_ddl *ddl, const dorm_op *op, const dorm_rendered *rf, const dorm_rendered *rt,
                                bool backwards);
/* Whether an AlterField changes a ManyToManyField (or turns one into or out
 * of one): its database side is dorm_op__alter_m2m's. */
bool dorm_op__alters_m2m(const dorm_op *op, const dorm_state *from);
int dorm_op__alter_m2m(dorm_ddl *ddl, const dorm_op *op, const dorm_rendered *rf, const dorm_rendered *rt,
                       bool backwards);

/* ---- file.c ---- */

/* The words of the file format, for writer.c too: operation names (by
 * dorm_op_kind) and on_delete names (by dorm_on_delete; NULL for unset). */
extern const char *const dorm_op_names[DORM_OP__COUNT];
extern const char *const dorm_on_delete_names[DORM_SET + 1];

/* Reads a migration file of app `app`; a field type of the program's is
 * found by its name among `apps` (dorm_field__type_find).  NULL with
 * DORM_EVALUE/DORM_ECONFIG on cx naming the file, the operation and the
 * problem: names that are not identifiers, numbers out of their range,
 * tables named like the database's own, field types the apps lack. */
dorm_migration *dorm_migration__read(dorm_ctx *cx, const dorm_app *const *apps, const char *app, const char *path);
/* The values an integer kind stores (Django's ranges of the integer
 * fields); false for the other kinds. */
bool dorm_kind__int_range(dorm_kind k, int64_t *lo, int64_t *hi);
/* The number a migration name starts with ("0012_x" -> 12; a squashed
 * "0001_squashed_0004_x" -> 4, as Django 4.0 reads it), or 0 for none. */
int dorm_migration__number(const char *name);

/* ---- writer.c ---- */

/* Writes a migration as JSON text (stable: keys in a fixed order). */
char *dorm_migration__dump(dorm_ctx *cx, const dorm_migration *m);
/* A field's canonical JSON (what the autodetector compares). */
char *dorm_fstate__dump(dorm_ctx *cx, const dorm_fstate *f);
/* A constraint's canonical JSON (the same; NULL when out of memory). */
char *dorm_constraint__dump(dorm_ctx *cx, const dorm_constraint *k);

/* ---- loader.c ---- */

/* The migrations of every app (files of each app's migrations_dir, in name
 * order) and their graph. */
typedef struct dorm_graph {
    int n;
    dorm_migration **nodes; /* in a dependency order                   */
    int ndisk;
    dorm_migration **disk; /* every file, replaced ones too           */
} dorm_graph;

int dorm_graph__load(dorm_ctx *cx, const dorm_app *const *apps, dorm_graph *g);
void dorm_graph__free(dorm_graph *g);
dorm_migration *dorm_graph__find(const dorm_graph *g, const char *app, const char *name);
/* The state after applying the nodes marked in `use` (NULL: all), in order,
 * stopping before node `stop` (-1: none). */
dorm_state *dorm_graph__state(dorm_ctx *cx, const dorm_graph *g, const bool *use, int stop);
/* Re-sorts the graph (dependencies first), `applied` (may be NULL) along. */
int dorm_graph__sort(dorm_ctx *cx, dorm_graph *g, bool *applied);
/* squash.c: resolves squashed migrations against what is applied (NULL:
 * nothing): all originals applied -> the squashed one counts as applied
 * (migrate records it: dorm_record__replacements); none -> the squashed one
 * replaces them; some -> the originals stay and the squashed one goes. */
int dorm_graph__replacements(dorm_ctx *cx, dorm_graph *g, bool *applied);
/* squashmigrations: the migrations of `app` from `start` (NULL: the first)
 * to `end` in one new file named <start number>_squashed_<end> (or
 * <number>_<name>), reduced by the optimizer unless `optimize` is false
 * (--no-optimize); what it did to `out`. */
int dorm__squash(dorm_ctx *cx, const dorm_app *const *apps, const char *app, const char *start, const char *end,
                 const char *name, bool optimize, FILE *out);
/* optimize.c: Django's migration optimizer over ops[0..n) of `app` (in
 * place); folded CreateModels live in `scratch`'s arena.  The new number of
 * operations, or a negative error recorded on cx. */
int dorm__optimize(dorm_ctx *cx, dorm_state *scratch, const char *app, dorm_op *ops, int n);
/* The leaf migration of an app (the newest), or NULL. */
dorm_migration *dorm_graph__leaf(const dorm_graph *g, const char *app);
/* Every leaf of an app (a migration no other of the app depends on), by
 * name, into out (room for g->n); how many. */
int dorm_graph__leaves(const dorm_graph *g, const char *app, dorm_migration **out);
/* Django's detect_conflicts: 0, or DORM_ECONFIG with Django's message when
 * an app of `apps` (those named in `only`; NULL: all) has several leaves. */
int dorm_graph__conflicts(dorm_ctx *cx, const dorm_graph *g, const dorm_app *const *apps, const char *const *only);
/* The migration file of `app` named `prefix`, or the one whose name starts
 * with it (Django's get_migration_by_prefix over every file, replaced ones
 * too): 0, or DORM_EVALUE with Django's "More than one migration matches"
 * or "Cannot find a migration matching" message. */
int dorm_graph__find_prefix(dorm_ctx *cx, const dorm_graph *g, const char *app, const char *prefix,
                            dorm_migration **out);

/* ---- recorder.c ---- */

int dorm_recorder__ensure(dorm_ctx *cx);
/* Marks applied[i] for every node of g recorded as applied. */
int dorm_recorder__applied(dorm_ctx *cx, const dorm_graph *g, bool *applied);
int dorm_recorder__record(dorm_ctx *cx, const dorm_migration *m, bool applied);
/* Records every squashed migration whose originals are all recorded and
 * itself not yet (Django's check_replacements).  0 or the error. */
int dorm_record__replacements(dorm_ctx *cx, const dorm_graph *g);
/* Serialises migrating processes until the transaction ends: the dialect's
 * lock (PostgreSQL's advisory lock), else the database's write lock, taken
 * by a write to dorm_migrations that changes nothing.  0 or the error. */
int dorm_recorder__lock(dorm_ctx *cx);

/* ---- progress.c ---- */

/* What a RunC function reports with: its reports go to the context's
 * progress callback (task "RunC", the function's name). */
struct dorm_progress {
    dorm_ctx *cx;
    const char *function;
    int64_t done, total; /* the last report */
};
void dorm_progress__init(dorm_progress *p, dorm_ctx *cx, const char *function);
/* The function returned: its last report, the whole when it succeeded. */
void dorm_progress__done(dorm_progress *p, bool ok);

/* ---- history.c ---- */

/* makemigrations' consistency check (Django's check_consistent_history) on
 * every database of cx that one of the apps' models may be migrated to: 0,
 * or DORM_EVALUE naming the migration applied before its dependency. */
int dorm_check__consistent_history(dorm_ctx *cx, const dorm_graph *g, const dorm_app *const *apps);

/* ---- autodetect.c ---- */

/* The apps (of those with migrations) whose models have changes their
 * files do not have, as "'library', 'shop'" appended to out, by label;
 * how many, or a negative error recorded on cx.  Asks nothing. */
int dorm_changed__apps(dorm_ctx *cx, const dorm_app *const *apps, dorm_buf *out);

/* ---- questioner.c ---- */

/* What makemigrations asks through (Django's questioner). */
typedef struct dorm_questioner {
    dorm_ctx *cx;
    FILE *in, *out;
    bool interactive; /* false: the answers are the defaults     */
} dorm_questioner;

/* A question answered y or n ("Please answer yes or no: " otherwise); an
 * empty answer, the end of the input or a non-interactive run: dflt. */
bool dorm_ask__yes(dorm_questioner *q, const char *question, bool dflt);
/* A NOT NULL field f added to model's rows: Django's fixes offered and a
 * one-off default (for auto_now_add, "timezone.now" offered) set on f.  0,
 * or DORM_EVALUE when the user quits or the run is not interactive (with
 * Django's message). */
int dorm_ask__not_null_addition(dorm_questioner *q, const char *model, dorm_fstate *f);
/* A nullable field made NOT NULL: 0 with a one-off default set on f, 1 to
 * go on without one ("Ignore for now"; always when not interactive), or
 * DORM_EVALUE when the user quits. */
int dorm_ask__not_null_alteration(dorm_questioner *q, const char *model, dorm_fstate *f);

/* ---- lint.c ---- */

/* What the lint looks for besides data loss, by the backend's traits
 * (bits of dorm__lint's `backend`): ALTER TABLE and CREATE INDEX locking a
 * busy table (PostgreSQL), DDL committing the transaction (MySQL). */
enum { DORM_LINT_LOCKS = 1, DORM_LINT_DDL_COMMITS = 2 };
/* The safety warnings of a migration applied on `before` (printed to out when
 * not NULL), the models that `earlier` (NULL-terminated, may be NULL:
 * migrations made in the same run, not in `before`) create counting as
 * new; the number of warnings. */
int dorm__lint(dorm_ctx *cx, const dorm_migration *m, const dorm_state *before, const dorm_migration *const *earlier,
               unsigned backend, FILE *out);

#endif
