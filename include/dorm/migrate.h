/* dorm/migrate.h - Django's migrations for C programs: migration files are
 * JSON data under each app's migrations_dir; makemigrations writes them from
 * the difference between those files and the compiled models, migrate
 * applies or rolls them back in transactions, recorded in dorm_migrations. */
#ifndef DORM_MIGRATE_H
#define DORM_MIGRATE_H

#include <stdio.h>

#include "db.h"
#include "model.h"

/* What a RunC function reports progress with (a bar on a terminal). */
typedef struct dorm_progress dorm_progress;
void dorm_progress_report(dorm_progress *p, int64_t done, int64_t total);

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
} dorm_migrate_opts;

/* migrate: applies (or, to an earlier target, unapplies) migrations, each in
 * one transaction together with its record; a failing one leaves database and
 * record as they were and says which operation failed and why.  Concurrent
 * runs take a lock, so a migration is applied once.  0 or a negative error
 * recorded on cx. */
int dorm_migrate(dorm_ctx *cx, const dorm_app *const *apps, const dorm_migrate_opts *opts);

/* sqlmigrate: the SQL a migration runs (forwards or backwards), with Django's
 * "--\n-- Create model Book\n--" comments, in cx's arena; NULL on error. */
const char *dorm_sqlmigrate(dorm_ctx *cx, const dorm_app *const *apps, const char *app, const char *name,
                            bool backwards);

/* showmigrations: " [X] 0001_initial" per migration under each app, or the
 * plan ("[X]  library.0001_initial") with `plan`.  0 or a negative error. */
int dorm_showmigrations(dorm_ctx *cx, const dorm_app *const *apps, const char *app, bool plan, FILE *out);

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
    int verbosity;
    bool ddl_commits;         /* lint for a backend whose DDL commits the
                               * transaction (MySQL): several schema changes
                               * in one migration may be left half applied   */
} dorm_makemigrations_opts;

/* makemigrations: writes the migrations that bring each app's files up to its
 * compiled models.  Returns 0, 1 for --check with changes, or a negative
 * error recorded on cx.  Needs no database (cx may be on any). */
int dorm_makemigrations(dorm_ctx *cx, const dorm_app *const *apps, const dorm_makemigrations_opts *opts);

#endif
