/* dorm/manage.h - Django's manage.py for a C program: call dorm_manage from
 * main with the command line after the program's own arguments. */
#ifndef DORM_MANAGE_H
#define DORM_MANAGE_H

#include <stdio.h>

#include "model.h"

/* Runs one command, argv[0] being its name ("migrate", "makemigrations",
 * "sqlmigrate", "showmigrations", "check", "help"), on the database of
 * `--database URL` or $DATABASE_URL (commands that need one).  Output goes to
 * stdout, errors to stderr in Django's words.  Returns the exit status. */
int dorm_manage(int argc, char **argv, const dorm_app *const *apps);

/* dumpdata: the rows of the models named by `labels` ("library",
 * "library.book"; NULL: all) as Django's JSON fixture, to `out`; indent > 0
 * pretty-prints.  0 or a negative error recorded on cx. */
int dorm_dumpdata(struct dorm_ctx *cx, const char *const *labels, int indent, FILE *out);
/* loaddata: installs the objects of the fixture files (NULL-terminated), all
 * in one transaction, keeping their keys; "Installed N object(s) from M
 * fixture(s)" to `out` when not NULL.  0 or a negative error. */
int dorm_loaddata(struct dorm_ctx *cx, const char *const *files, FILE *out);
/* inspectdb: C model code (structs, field tables, models, the app
 * `inspected_app` labelled app_label) for the tables of cx's database (all, or
 * those named), to `out`.  0 or a negative error. */
int dorm_inspectdb(struct dorm_ctx *cx, const char *const *tables, const char *app_label, FILE *out);

#endif
