/* dorm/manage.h - Django's manage.py for a C program: call dorm_manage from
 * main with the command line after the program's own arguments.
 * SPDX-License-Identifier: MIT (see LICENSE) */
#ifndef DORM_MANAGE_H
#define DORM_MANAGE_H

#include "api.h"

#include <stdio.h>

#include "model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Runs one command, argv[0] being its name: "check", "dbshell", "dumpdata",
 * "flush", "help", "inspectdb", "loaddata", "makemigrations", "migrate",
 * "showmigrations", "sqlmigrate" or "squashmigrations" ("manage help" lists
 * them; docs/manage.md has their options), on the database of
 * `--database URL` or $DATABASE_URL (commands that need one).  Output goes to
 * stdout, errors to stderr in Django's words.  Returns the exit status: 0, 1
 * for an error (and makemigrations --check with changes), 2 for bad
 * arguments. */
DORM_API int dorm_manage(int argc, char **argv, const dorm_app *const *apps);

/* dumpdata: the rows of the models named by `labels` ("library",
 * "library.book"; NULL: all) as Django's JSON fixture, to `out`; indent > 0
 * pretty-prints (JSON is the one format: `manage dumpdata --format yaml`
 * is refused as Django refuses an unknown one).  Each model is read through
 * its default manager, as Django's dumpdata; dorm_dumpdata_all (`manage
 * dumpdata --all`) reads every row (its base manager).  0 or a negative
 * error recorded on cx. */
DORM_API int dorm_dumpdata(struct dorm_ctx *cx, const char *const *labels, int indent, FILE *out);
DORM_API int dorm_dumpdata_all(struct dorm_ctx *cx, const char *const *labels, int indent, FILE *out);
/* What dorm_dumpdata_with does (the options of `manage dumpdata`); zero for
 * the defaults, which are dorm_dumpdata's. */
typedef struct dorm_dumpdata_opts {
    int indent;               /* > 0: pretty-prints with this indent            */
    bool all;                 /* --all: every row (the base manager)            */
    /* --natural-foreign: a key or many-to-many value pointing at a model
     * that declares a natural_key is written as that natural key (a list),
     * and models are written after those they depend on (Django's
     * sort_dependencies, a cycle broken as Django breaks it). */
    bool natural_foreign;
    /* --natural-primary: objects of a model with a natural_key have no "pk". */
    bool natural_primary;
} dorm_dumpdata_opts;
/* dumpdata with options (NULL: the defaults).  0 or a negative error
 * recorded on cx. */
DORM_API int dorm_dumpdata_with_(struct dorm_ctx *cx, const char *const *labels, const dorm_dumpdata_opts *opts,
                                 FILE *out, size_t opts_size);
/* The call: it passes the size of the options struct the program was built
 * with (see dorm_migrate). */
#define dorm_dumpdata_with(...) dorm_dumpdata_with_(__VA_ARGS__, sizeof(dorm_dumpdata_opts))
/* loaddata: installs the objects of the fixture files (NULL-terminated), all
 * in one transaction, keeping their keys; a key given as a list is the
 * natural key of a row (set after the last object when that row comes
 * later), and an object without "pk" whose model has a natural_key is the
 * row with that natural key if there is one; "Installed N object(s) from M
 * fixture(s)" to `out` when not NULL.  0 or a negative error whose message
 * names the fixture file, the object and the field ("Problem installing
 * fixture 'x.json': object 2 (library.book:pk=1), field 'author': ..."), or
 * "No fixture named 'x' found.". */
DORM_API int dorm_loaddata(struct dorm_ctx *cx, const char *const *files, FILE *out);
/* inspectdb: C model code (structs, field tables, models, the app
 * `inspected_app` labelled app_label) for the tables of cx's database (all, or
 * those named), to `out`.  0 or a negative error. */
DORM_API int dorm_inspectdb(struct dorm_ctx *cx, const char *const *tables, const char *app_label, FILE *out);

#ifdef __cplusplus
}
#endif

#endif
