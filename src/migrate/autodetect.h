/* autodetect.h - the autodetector's working set (Django's
 * MigrationAutodetector): each app's generated operations with what they
 * wait for, shared by the change passes (detect.c), their arrangement into
 * migrations (arrange.c) and the makemigrations command (autodetect.c). */
#ifndef DORM_MIGRATE_AUTODETECT_H
#define DORM_MIGRATE_AUTODETECT_H

#include "migrate/migration.h"

/* What an operation waits for: Django's _auto_deps tuples
 * (app_label, model, field or None, created / removed / "alter" /
 * "foo_together_change"). */
typedef enum dorm_dep_kind {
    DORM_DEP_CREATED = 1, /* the model created (no field) or the field added */
    DORM_DEP_REMOVED, /* the model deleted (no field) or the field removed */
    DORM_DEP_ALTERED, /* the field altered */
    DORM_DEP_TOGETHER /* the model's unique_together changed */
} dorm_dep_kind;

typedef struct dorm_dep {
    const char *app, *model, *field;
    dorm_dep_kind kind;
} dorm_dep;

/* A generated operation and its dependencies (in the context's arena). */
typedef struct dorm_genop {
    dorm_op op;
    int ndeps;
    dorm_dep *deps;
} dorm_genop;

/* One app's operations, in the order they were generated, then sorted. */
typedef struct dorm_appops {
    const char *app;
    int n, cap;
    dorm_genop *ops; /* dorm_mem__ heap */
} dorm_appops;

typedef struct dorm_detector {
    dorm_ctx *cx;
    dorm_questioner q;
    bool quiet; /* ask nothing (--check, migrate's notice) */
    dorm_state *from, *to;
    int napps;
    dorm_appops *apps; /* the apps detected, by label order of the caller */
    dorm_state *scratch; /* where the optimizer's folded CreateModels live */
    int rc;
} dorm_detector;

/* ---- detect.c ---- */

/* The operations turning d->from into d->to for each app of d->apps, in
 * the order of Django's generate_* passes, asking d->q about renames and
 * one-off defaults.  0, or the error (also in d->rc, recorded on cx). */
int dorm_detect__changes(dorm_detector *d);
/* Frees the operation lists. */
void dorm_detect__free(dorm_detector *d);
/* s in ASCII lowercase (cx's arena; NULL when out of memory). */
const char *dorm_detect__lower(dorm_ctx *cx, const char *s);
/* Whether op is what dep waits for (Django's check_dependency). */
bool dorm_dep__met(const dorm_op *op, const dorm_dep *dep);

/* ---- arrange.c ---- */

/* Django's _sort_migrations, _build_migration_list, _optimize_migrations
 * and arrange_for_graph: d's operations ordered by their dependencies, cut
 * into migrations where another app's operations must come between,
 * optimized, numbered after g's files and named (`name`: --name) under
 * each app's migrations_dir.  *out (cx's arena) holds them in the order
 * Django prints them; *nout how many.  0 or an error recorded on cx. */
int dorm_arrange__migrations(dorm_detector *d, const dorm_graph *g, const dorm_app *const *apps, const char *name,
                             dorm_migration ***out, int *nout);
/* A new migration of app numbered `number` ("0002_<name>", its path under
 * the app's migrations_dir), without operations or dependencies; NULL when
 * out of memory. */
dorm_migration *dorm_arrange__migration(dorm_ctx *cx, const dorm_app *app, int number, const char *name);
/* The number after the highest of an app's migration files. */
int dorm_arrange__next_number(const dorm_graph *g, const char *app);
/* Django's get_migration_name_timestamp after a prefix: "auto_20240102_0304". */
const char *dorm_arrange__timestamp(dorm_ctx *cx, const char *prefix);

#endif
