/* dorm/manage.h - Django's manage.py for a C program: call dorm_manage from
 * main with the command line after the program's own arguments. */
#ifndef DORM_MANAGE_H
#define DORM_MANAGE_H

#include "model.h"

/* Runs one command, argv[0] being its name ("migrate", "makemigrations",
 * "sqlmigrate", "showmigrations", "check", "help"), on the database of
 * `--database URL` or $DATABASE_URL (commands that need one).  Output goes to
 * stdout, errors to stderr in Django's words.  Returns the exit status. */
int dorm_manage(int argc, char **argv, const dorm_app *const *apps);

#endif
