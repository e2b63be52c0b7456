/* command.h - what dorm_manage's commands are made of: their options and
 * positional arguments, the parsed command line, and the help and usage
 * text written from them (usage.c), as django-admin's argparse writes it. */
#ifndef DORM_MANAGE_COMMAND_H
#define DORM_MANAGE_COMMAND_H

#include <stdbool.h>
#include <stdio.h>

#include "dorm.h"

#define DORM_MANAGE_MAX_OPTIONS 16
#define DORM_MANAGE_MAX_POS 64

/* An option: its spelling ("--fake", "-n") and another one or NULL
 * ("--name", "--no-input"), first as Django declares them (the usage shows
 * the first); the placeholder of its value in the help ("NAME"; NULL: a
 * flag taking none) and its help text. */
typedef struct manage_option {
    const char *name;
    const char *alias;
    const char *metavar;
    const char *help;
} manage_option;

/* A positional argument: its name in the usage, its help text, and whether
 * it is optional ("[app_label]") and may repeat ("[app_label ...]"). */
typedef struct manage_positional {
    const char *name;
    const char *help;
    bool optional;
    bool repeats;
} manage_positional;

/* The parsed command line of one command. */
typedef struct manage_args {
    int npos;
    const char *pos[DORM_MANAGE_MAX_POS + 1];
    const char *database;
    int verbosity;
    bool help; /* -h / --help */
    bool skip_checks; /* --skip-checks */
    bool flags[DORM_MANAGE_MAX_OPTIONS]; /* by option index */
    const char *values[DORM_MANAGE_MAX_OPTIONS];
} manage_args;

struct manage_command;
struct dorm_dialect;
typedef int (*manage_run_fn)(const struct manage_command *c, manage_args *a, const dorm_app *const *apps, dorm_ctx *cx);

/* The system checks a command runs before its work (Django's
 * requires_system_checks; migrate runs those of its database too). */
typedef enum { MANAGE_CHECKS_NONE, MANAGE_CHECKS_MODELS, MANAGE_CHECKS_DATABASE } manage_checks;

/* A command: its name, one line saying what it does, its options and
 * positionals ({NULL}-terminated), the most positionals it takes, whether
 * it needs a database, the function running it and the checks before. */
typedef struct manage_command {
    const char *name;
    const char *help;
    const manage_option *options;
    const manage_positional *positionals;
    int max_pos;
    bool needs_db;
    manage_run_fn run;
    manage_checks checks;
} manage_command;

/* check.c: the system checks of `apps`, with those of the database of
 * dialect d when it is not NULL, printed as Django prints them: `counted`
 * for the `check` command (with the count, and the absence of issues, on
 * stdout), otherwise as before another command (issues only).  1 when one
 * is an error, else 0. */
int dorm_manage__check(const dorm_app *const *apps, const struct dorm_dialect *d, bool counted);

/* argparse's usage line(s): "usage: manage migrate [-h] ... [app_label]". */
void dorm_manage__usage(const manage_command *c, FILE *out);
/* `manage help <command>` / `manage <command> --help`: the usage, what the
 * command does, and each positional and option with its help, wrapped to
 * 79 columns as argparse writes them. */
void dorm_manage__help(const manage_command *c, FILE *out);

#endif
