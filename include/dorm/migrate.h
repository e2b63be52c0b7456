/* dorm/migrate.h - Django's migrations for C programs: migration files are
 * JSON data under each app's migrations_dir; makemigrations writes them from
 * the difference between those files and the compiled models, migrate
 * applies or rolls them back in transactions, recorded in dorm_migrations.
 * SPDX-License-Identifier: MIT (see LICENSE) */
#ifndef DORM_MIGRATE_H
#define DORM_MIGRATE_H

#include "api.h"

#include <stdio.h>

#include "db.h"
#include "model.h"
#include "query.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a RunC function reports progress with: `done` of `total` units of its
 * own, to the context's progress callback (dorm/progress.h) as the "RunC"
 * task; `manage migrate` draws it as a bar on a terminal. */
typedef struct dorm_progress dorm_progress;
DORM_API void dorm_progress_report(dorm_progress *p, int64_t done, int64_t total);

/* A batched, resumable data migration (for a RunC function, best in a
 * migration with "atomic": false): calls fn(cx, objs, n, payload) for the
 * objects of `qs` in chunks of `chunk` (0: 1000) in primary-key order, each
 * chunk in a transaction of its own together with a checkpoint named `name`
 * in the table dorm_batches; progress goes to `progress` (may be NULL).  A
 * run that stopped - a crash, a chunk that failed (fn returns a negative
 * dorm_error, that chunk is rolled back) - goes on after the last committed
 * chunk when it runs again; a finished run removes its checkpoint.  The
 * model needs an integer primary key.  Inside an atomic migration the
 * chunks are savepoints of its one transaction (nothing to resume).  0 or
 * a negative error recorded on cx. */
typedef int (*dorm_batch_fn)(dorm_ctx *cx, void **objs, size_t n, void *payload);
DORM_API int dorm_migrate_batches(dorm_ctx *cx, const char *name, dorm_qs *qs, size_t chunk, dorm_batch_fn fn, void *payload,
                         dorm_progress *progress);

/* What dorm_migrate does (the options of `manage migrate`); zero for the
 * defaults. */
typedef struct dorm_migrate_opts {
    const char *app;          /* NULL: every app                                  */
    const char *target;       /* NULL: the newest; "zero"; a migration name or a
                               * unique prefix of one ("0002")                   */
    bool plan;                /* print the plan (and its safety warnings) only    */
    bool fake;                /* record without running the operations            */
    bool fake_initial;        /* fake an initial migration whose tables exist     */
    bool strict;              /* safety warnings are errors                       */
    int verbosity;            /* 0: silent; 1: Django's progress lines            */
    FILE *out;                /* NULL: stdout                                     */
    const char *database;     /* --database: the alias to migrate (a context on
                               * dorm_databases); NULL: the alias in use. Its
                               * routers' allow_migrate decides which operations
                               * touch it (the others only change the state) */
} dorm_migrate_opts;

/* migrate: applies (or, to an earlier target, unapplies) migrations, each in
 * one transaction together with its record (a migration with "atomic":
 * false: each operation in its own, CONCURRENTLY ones in none); a failing
 * one leaves database and record as they were and says which operation
 * failed and why.  Concurrent runs take a lock, so a migration is applied
 * once.  Refuses an app with two leaf migrations, as Django does; with
 * nothing to apply, says when models have changes no migration has.  0 or a
 * negative error recorded on cx. */
DORM_API int dorm_migrate(dorm_ctx *cx, const dorm_app *const *apps, const dorm_migrate_opts *opts);

/* sqlmigrate: the SQL a migration runs (forwards or backwards), with Django's
 * "--\n-- Create model Book\n--" comments, in cx's arena; NULL on error. */
DORM_API const char *dorm_sqlmigrate(dorm_ctx *cx, const dorm_app *const *apps, const char *app, const char *name,
                            bool backwards);

/* showmigrations: " [X] 0001_initial" per migration under each app, or the
 * plan ("[X]  library.0001_initial") with `plan`.  0 or a negative error. */
DORM_API int dorm_showmigrations(dorm_ctx *cx, const dorm_app *const *apps, const char *app, bool plan, FILE *out);

/* What dorm_makemigrations does (the options of `manage makemigrations`;
 * it asks about renames and defaults only with `interactive`). */
typedef struct dorm_makemigrations_opts {
    const char *const *apps;  /* NULL-terminated labels to look at; NULL: all    */
    const char *name;         /* --name: the file's name after its number        */
    bool dry_run;             /* print what would be written                     */
    bool check;               /* exit status 1 when changes are not migrated     */
    bool empty;               /* an empty migration (for RunSQL / RunC)          */
    bool interactive;         /* ask about renames and one-off defaults          */
    bool strict;              /* safety warnings are errors (nothing written)    */
    bool locks_on_alter;      /* lint for the locks of a backend whose ALTER TABLE
                               * and CREATE INDEX block writers (PostgreSQL)     */
    FILE *in;                 /* answers (NULL: stdin)                           */
    FILE *out;                /* NULL: stdout                                    */
    int verbosity;            /* 0: silent; 1: what was written (Django's)       */
    bool merge;               /* --merge: a migration joining an app's leaves     */
    bool ddl_commits;         /* lint for a backend whose DDL commits the
                               * transaction (MySQL): several schema changes
                               * in one migration may be left half applied   */
} dorm_makemigrations_opts;

/* makemigrations: writes the migrations that bring each app's files up to its
 * compiled models (with --check: prints them and writes nothing; with
 * --merge: a merge migration for each app whose migrations branched, as
 * Django's makemigrations --merge).  Refuses, as Django does, an app whose
 * migrations have two leaves ("Conflicting migrations detected").  Returns
 * 0, 1 for --check with changes, or a negative error recorded on cx.  Needs
 * no database (cx may be on any). */
DORM_API int dorm_makemigrations(dorm_ctx *cx, const dorm_app *const *apps, const dorm_makemigrations_opts *opts);

#ifdef __cplusplus
}
#endif

#endif
