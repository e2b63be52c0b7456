/* manage.c - dorm_manage(): the command table (each command's options and
 * arguments with their help, as django-admin's), the option parsing shared
 * by the commands (flags, options with values, positionals; Django's
 * "unrecognized arguments" error after the usage), the database each
 * command opens, and each command's glue to its C function (migrations,
 * fixtures, dbshell, flush, check). */
#define _POSIX_C_SOURCE 200809L /* fileno */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dorm.h"
#include "backend/db.h"
#include "core/file.h"
#include "dorm/manage.h"
#include "manage/command.h"
#include "manage/shell.h"
#include "migrate/migration.h"
#include "query/query.h"

typedef manage_args args;
typedef manage_command command;

/* The index of the option spelled `name` (its name or its alias), or -1. */
static int option_index(const command *c, const char *name) {
    for (int i = 0; c->options && c->options[i].name; i++)
        if (strcmp(c->options[i].name, name) == 0 || (c->options[i].alias && strcmp(c->options[i].alias, name) == 0))
            return i;
    return -1;
}

static bool flag(const command *c, const args *a, const char *name) {
    int i = option_index(c, name);
    return i >= 0 && a->flags[i];
}

static const char *value(const command *c, const args *a, const char *name) {
    int i = option_index(c, name);
    return i >= 0 ? a->values[i] : NULL;
}

/* A small number option (--indent): digits only, at most 99; -1 for
 * anything else. */
static int small_number(const char *s) {
    int n = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9' || p - s >= 2) return -1;
        n = n * 10 + (*p - '0');
    }
    return *s ? n : -1;
}

/* argparse's refusal of a command line: the usage (which names every
 * option the command takes), then the error; exit status 2. */
static int bad_arguments(const command *c, const char *fmt, ...) {
    dorm_manage__usage(c, stderr);
    fprintf(stderr, "manage %s: error: ", c->name);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return 2;
}

static int parse(const command *c, int argc, char **argv, args *a) {
    memset(a, 0, sizeof *a);
    a->verbosity = 1;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0) {
            a->help = true;
            continue;
        }
        if (s[0] != '-' || !s[1]) {
            if (a->npos >= c->max_pos) return bad_arguments(c, "unrecognized arguments: %s", s);
            a->pos[a->npos++] = s;
            continue;
        }
        const char *eq = s[1] == '-' ? strchr(s, '=') : NULL;
        char name[64];
        size_t n = eq ? (size_t)(eq - s) : strlen(s);
        if (n >= sizeof name) return bad_arguments(c, "unrecognized arguments: %s", s);
        memcpy(name, s, n);
        name[n] = '\0';
        if (strcmp(s, "--skip-checks") == 0 && c->checks != MANAGE_CHECKS_NONE) {
            a->skip_checks = true;
            continue;
        }
        bool database = strcmp(name, "--database") == 0;
        bool verbose = strcmp(name, "--verbosity") == 0 || strcmp(name, "-v") == 0;
        int k = option_index(c, name);
        bool takes_value = database || verbose || (k >= 0 && c->options[k].metavar);
        if (!takes_value) {
            if (k < 0 || eq) return bad_arguments(c, "unrecognized arguments: %s", s);
            a->flags[k] = true;
            continue;
        }
        const char *v = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
        if (!v) return bad_arguments(c, "argument %s: expected one argument", name);
        if (database) {
            a->database = v;
        } else if (!verbose) {
            a->values[k] = v;
        } else if (v[0] >= '0' && v[0] <= '3' && !v[1]) {
            a->verbosity = v[0] - '0';
        } else {
            return bad_arguments(c, "argument -v/--verbosity: invalid choice: '%s' (choose from 0, 1, 2, 3)", v);
        }
    }
    return 0;
}

/* The command's failure in Django's words ("CommandError: ..."). */
static int failed(dorm_ctx *cx) {
    fprintf(stderr, "CommandError: %s\n", dorm_errmsg(cx));
    return 1;
}

/* The dialect of the database named for the command, or NULL:
 * makemigrations' lint warns about its traits (PostgreSQL's locks on ALTER,
 * MySQL's committing DDL) without connecting. */
static const dorm_dialect *named_dialect(const args *a) {
    const char *url = a->database ? a->database : getenv("DATABASE_URL");
    dorm_url u;
    dorm_errbuf e = {0, ""};
    if (!url || dorm_url__parse(url, &u, &e) < 0) return NULL;
    const dorm_driver *drv = dorm_driver__find(u.scheme);
    dorm_url__free(&u);
    return drv ? drv->dialect : NULL;
}

/* With --database, the checks of that database's backend too (without
 * connecting: its dialect is enough). */
static int cmd_check(const command *c, args *a, const dorm_app *const *apps, dorm_ctx *cx) {
    (void)c, (void)cx;
    return dorm_manage__check(apps, a->database ? named_dialect(a) : NULL, true);
}

static int cmd_makemigrations(const command *c, args *a, const dorm_app *const *apps, dorm_ctx *cx) {
    const dorm_dialect *d = named_dialect(a);
    dorm_makemigrations_opts o = {.apps = a->npos ? a->pos : NULL,
                                  .name = value(c, a, "--name"),
                                  .dry_run = flag(c, a, "--dry-run"),
                                  .check = flag(c, a, "--check"),
                                  .empty = flag(c, a, "--empty"),
                                  .interactive = !flag(c, a, "--noinput") && !flag(c, a, "--no-input"),
                                  .strict = flag(c, a, "--strict"),
                                  .locks_on_alter = d && d->locks_on_alter,
                                  .verbosity = a->verbosity,
                                  .merge = flag(c, a, "--merge"),
                                  .ddl_commits = d && !d->transactional_ddl};
    a->pos[a->npos] = NULL;
    if (o.empty && !a->npos) {
        fputs("CommandError: You must supply at least one app label when using --empty.\n", stderr);
        return 1;
    }
    int rc = dorm_makemigrations(cx, apps, &o);
    return rc < 0 ? failed(cx) : rc;
}

static int cmd_migrate(const command *c, args *a, const dorm_app *const *apps, dorm_ctx *cx) {
    dorm_migrate_opts o = {.app = a->npos > 0 ? a->pos[0] : NULL,
                           .target = a->npos > 1 ? a->pos[1] : NULL,
                           .plan = flag(c, a, "--plan"),
                           .fake = flag(c, a, "--fake"),
                           .fake_initial = flag(c, a, "--fake-initial"),
                           .strict = flag(c, a, "--strict"),
                           .verbosity = a->verbosity};
    return dorm_migrate(cx, apps, &o) < 0 ? failed(cx) : 0;
}

static int cmd_sqlmigrate(const command *c, args *a, const dorm_app *const *apps, dorm_ctx *cx) {
    if (a->npos != 2) {
        return bad_arguments(c, "the following arguments are required: app_label, migration_name");
    }
    const char *sql = dorm_sqlmigrate(cx, apps, a->pos[0], a->pos[1], flag(c, a, "--backwards"));
    if (!sql) return failed(cx);
    fputs(sql, stdout);
    return 0;
}

static int cmd_showmigrations(const command *c, args *a, const dorm_app *const *apps, dorm_ctx *cx) {
    return dorm_showmigrations(cx, apps, a->npos ? a->pos[0] : NULL, flag(c, a, "--plan"), stdout) < 0 ? failed(cx) : 0;
}

static int cmd_dumpdata(const command *c, args *a, const dorm_app *const *apps, dorm_ctx *cx) {
    (void)apps;
    a->pos[a->npos] = NULL;
    const char *indent = value(c, a, "--indent"), *path = value(c, a, "--output"), *format = value(c, a, "--format");
    if (indent && small_number(indent) < 0) {
        return bad_arguments(c, "argument --indent: invalid int value: '%s'", indent);
    }
    /* Django's serializers that dorm has: JSON only. */
    if (format && strcmp(format, "json") != 0) {
        fprintf(stderr, "CommandError: Unknown serialization format: %s\n", format);
        return 1;
    }
    /* The --output file appears whole or not at all. */
    dorm_file wf = {stdout, NULL, NULL};
    FILE *out = path ? (dorm_file__create(&wf, path) == 0 ? wf.f : NULL) : stdout;
    if (!out) {
        fprintf(stderr, "CommandError: Cannot write %s: %s.\n", path,
                errno == ENOMEM ? "out of memory" : strerror(errno));
        return 1;
    }
    dorm_dumpdata_opts opts = {.indent = indent ? small_number(indent) : 0,
                               .all = flag(c, a, "--all"),
                               .natural_foreign = flag(c, a, "--natural-foreign"),
                               .natural_primary = flag(c, a, "--natural-primary")};
    int rc = dorm_dumpdata_with(cx, a->pos, &opts, out);
    if (path && dorm_file__finish(&wf, rc == 0) != 0 && rc == 0) {
        fprintf(stderr, "CommandError: Cannot write %s: %s.\n", path, strerror(errno));
        return 1;
    }
    return rc < 0 ? failed(cx) : 0;
}

static int cmd_loaddata(const command *c, args *a, const dorm_app *const *apps, dorm_ctx *cx) {
    (void)c, (void)apps;
    if (!a->npos) {
        fputs("CommandError: No database fixture specified. Please provide the path of at least one fixture in the "
              "command line.\n",
              stderr);
        return 1;
    }
    a->pos[a->npos] = NULL;
    return dorm_loaddata(cx, a->pos, a->verbosity > 0 ? stdout : NULL) < 0 ? failed(cx) : 0;
}

static int cmd_flush(const command *c, args *a, const dorm_app *const *apps, dorm_ctx *cx) {
    (void)apps;
    if (!flag(c, a, "--noinput") && !flag(c, a, "--no-input")) {
        fputs("You have requested a flush of the database.\nThis will IRREVERSIBLY DESTROY all data currently in the "
              "database,\nand return each table to an empty state.\nAre you sure you want to do this?\n\n"
              "    Type 'yes' to continue, or 'no' to cancel: ",
              stdout);
        fflush(stdout);
        char line[16];
        if (!fgets(line, sizeof line, stdin) || strcmp(line, "yes\n") != 0) {
            puts("Flush cancelled.");
            return 0;
        }
    }
    return dorm__flush(cx) < 0 ? failed(cx) : 0;
}

static int cmd_dbshell(const command *c, args *a, const dorm_app *const *apps, dorm_ctx *cx) {
    (void)c, (void)apps, (void)cx;
    return dorm__dbshell(a->database ? a->database : getenv("DATABASE_URL"));
}

static int cmd_squashmigrations(const command *c, args *a, const dorm_app *const *apps, dorm_ctx *cx) {
    if (a->npos < 2) {
        return bad_arguments(c, "the following arguments are required: app_label, migration_name");
    }
    const char *start = a->npos == 3 ? a->pos[1] : NULL, *end = a->pos[a->npos - 1];
    const char *name = value(c, a, "--squashed-name");
    int rc = dorm__squash(cx, apps, a->pos[0], start, end, name, !flag(c, a, "--no-optimize"), stdout);
    return rc < 0 ? failed(cx) : 0;
}

static int cmd_inspectdb(const command *c, args *a, const dorm_app *const *apps, dorm_ctx *cx) {
    (void)apps;
    a->pos[a->npos] = NULL;
    return dorm_inspectdb(cx, a->pos, value(c, a, "--app-label"), stdout) < 0 ? failed(cx) : 0;
}

static int cmd_help(const command *c, args *a, const dorm_app *const *apps, dorm_ctx *cx);

/* Django's words for the options both makemigrations and migrate have. */
#define NOINPUT \
    { "--noinput", "--no-input", NULL, "Tells dorm to NOT prompt the user for input of any kind." }
#define STRICT(what) \
    { "--strict", NULL, NULL, "Treat the safety lint's warnings as errors" what "." }
#define END_OPTIONS \
    { NULL, NULL, NULL, NULL }
#define END_POSITIONALS \
    { NULL, NULL, false, false }

static const command commands[] = {
    {"check", "Checks the models for problems (Django's system checks).", NULL, NULL, 0, false, cmd_check,
     MANAGE_CHECKS_NONE},
    {"dbshell", "Runs the command-line client of the database (sqlite3, psql).", NULL, NULL, 0, true, cmd_dbshell,
     MANAGE_CHECKS_NONE},
    {"dumpdata", "Output the contents of the database as a fixture of the given format.",
     (const manage_option[]){
         {"--format", NULL, "FORMAT",
          "Specifies the output serialization format for fixtures (json, the one "
          "dorm writes)."},
         {"--indent", NULL, "INDENT", "Specifies the indent level to use when pretty-printing output."},
         {"--natural-foreign", NULL, NULL, "Use natural foreign keys if they are available."},
         {"--natural-primary", NULL, NULL, "Use natural primary keys if they are available."},
         {"-a", "--all", NULL,
          "Use Django's base manager to dump all models stored in the database, including "
          "those that would otherwise be filtered or modified by a custom manager."},
         {"-o", "--output", "OUTPUT", "Specifies file to which the output is written."},
         END_OPTIONS},
     (const manage_positional[]){{"app_label[.ModelName]",
                                  "Restricts dumped data to the specified app_label or "
                                  "app_label.ModelName.",
                                  true, true},
                                 END_POSITIONALS},
     DORM_MANAGE_MAX_POS, true, cmd_dumpdata, MANAGE_CHECKS_MODELS},
    {"flush",
     "Removes ALL DATA from the model tables, in one transaction. The record of applied migrations "
     "is kept.",
     (const manage_option[]){NOINPUT, END_OPTIONS}, NULL, 0, true, cmd_flush, MANAGE_CHECKS_MODELS},
    {"help", "Lists the commands, or describes one with its options.", NULL,
     (const manage_positional[]){{"subcommand", "The command to describe.", true, false}, END_POSITIONALS}, 1, false,
     cmd_help, MANAGE_CHECKS_NONE},
    {"inspectdb", "Introspects the database tables and outputs C models for them.",
     (const manage_option[]){
         {"--app-label", NULL, "LABEL", "The app label of the models written (default: inspected)."}, END_OPTIONS},
     (const manage_positional[]){{"table", "Selects what tables should be introspected.", true, true}, END_POSITIONALS},
     DORM_MANAGE_MAX_POS, true, cmd_inspectdb, MANAGE_CHECKS_NONE},
    {"loaddata", "Installs the named fixture(s) in the database, all in one transaction.", NULL,
     (const manage_positional[]){{"fixture", "Fixture files.", false, true}, END_POSITIONALS}, DORM_MANAGE_MAX_POS,
     true, cmd_loaddata, MANAGE_CHECKS_MODELS},
    {"makemigrations", "Creates new migration(s) for apps.",
     (const manage_option[]){
         {"--dry-run", NULL, NULL, "Just show what migrations would be made; don't actually write them."},
         {"--merge", NULL, NULL, "Enable fixing of migration conflicts."},
         {"--empty", NULL, NULL, "Create an empty migration."},
         NOINPUT,
         {"-n", "--name", "NAME", "Use this name for migration file(s)."},
         {"--check", NULL, NULL, "Exit with a non-zero status if model changes are missing migrations."},
         STRICT(" (nothing is written)"),
         END_OPTIONS},
     (const manage_positional[]){{"app_label", "Specify the app label(s) to create migrations for.", true, true},
                                 END_POSITIONALS},
     7, false, cmd_makemigrations, MANAGE_CHECKS_MODELS},
    {"migrate", "Updates database schema: applies or unapplies migrations.",
     (const manage_option[]){NOINPUT,
                             {"--fake", NULL, NULL, "Mark migrations as run without actually running them."},
                             {"--fake-initial", NULL, NULL,
                              "Detect if tables already exist and fake-apply initial migrations if so. "
                              "Make sure that the current database schema matches your initial "
                              "migration before using this flag. dorm will only check for an existing "
                              "table name."},
                             {"--plan", NULL, NULL, "Shows a list of the migration actions that will be performed."},
                             STRICT(""),
                             END_OPTIONS},
     (const manage_positional[]){{"app_label", "App label of an application to synchronize the state.", true, false},
                                 {"migration_name",
                                  "Database state will be brought to the state after that migration. Use the name "
                                  "\"zero\" to unapply all migrations.",
                                  true, false},
                                 END_POSITIONALS},
     2, true, cmd_migrate, MANAGE_CHECKS_DATABASE},
    {"showmigrations", "Shows all available migrations for the current project.",
     (const manage_option[]){{"--list", "-l", NULL, "Shows a list of all migrations and which are applied."},
                             {"--plan", "-p", NULL, "Shows all migrations in the order they will be applied."},
                             END_OPTIONS},
     (const manage_positional[]){{"app_label", "App label of an application to limit the output to.", true, false},
                                 END_POSITIONALS},
     1, true, cmd_showmigrations, MANAGE_CHECKS_MODELS},
    {"sqlmigrate", "Prints the SQL statements for the named migration.",
     (const manage_option[]){
         {"--backwards", NULL, NULL, "Creates SQL to unapply the migration, rather than to apply it"}, END_OPTIONS},
     (const manage_positional[]){{"app_label", "App label of the application containing the migration.", false, false},
                                 {"migration_name", "Migration name to print the SQL for.", false, false},
                                 END_POSITIONALS},
     2, true, cmd_sqlmigrate, MANAGE_CHECKS_MODELS},
    {"squashmigrations",
     "Squashes an existing set of migrations (from first until specified) into a single new "
     "one.",
     (const manage_option[]){{"--no-optimize", NULL, NULL, "Do not try to optimize the squashed operations."},
                             NOINPUT,
                             {"--squashed-name", NULL, "SQUASHED_NAME", "Sets the name of the new squashed migration."},
                             END_OPTIONS},
     (const manage_positional[]){
         {"app_label", "App label of the application to squash migrations for.", false, false},
         {"start_migration_name", "Migrations will be squashed starting from and including this migration.", true,
          false},
         {"migration_name", "Migrations will be squashed until and including this migration.", false, false},
         END_POSITIONALS},
     3, false, cmd_squashmigrations, MANAGE_CHECKS_MODELS},
};

static const command *find_command(const char *name) {
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(commands[i].name, name) == 0) return &commands[i];
    return NULL;
}

/* Django's answer to a command it does not have, with difflib's closest
 * name: "Unknown command: 'migrat'. Did you mean migrate?". */
static int unknown_command(const char *name) {
    const char *names[sizeof commands / sizeof commands[0]], *close[3];
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) names[i] = commands[i].name;
    int n = dorm_close__matches(name, strlen(name), names, sizeof names / sizeof names[0], close);
    fprintf(stderr, "Unknown command: '%s'", name);
    if (n > 0) fprintf(stderr, ". Did you mean %s?", close[0]);
    fputs("\nType 'manage help' for usage.\n", stderr);
    return 1;
}

static int cmd_help(const command *c, args *a, const dorm_app *const *apps, dorm_ctx *cx) {
    (void)c, (void)apps, (void)cx;
    if (a->npos == 1) {
        const command *described = find_command(a->pos[0]);
        if (!described) return unknown_command(a->pos[0]);
        dorm_manage__help(described, stdout);
        return 0;
    }
    puts("Type 'manage help <subcommand>' for help on a specific subcommand.\n\nAvailable subcommands:\n\n[dorm]");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        /* The help up to its first full stop or " (". */
        const char *help = commands[i].help, *paren = strstr(help, " (");
        int n = (int)strcspn(help, ".");
        if (paren && paren - help < n) n = (int)(paren - help);
        printf("    %-16s %.*s\n", commands[i].name, n, help);
    }
    return 0;
}

/* The commands' progress bar, on stderr when that is a terminal (so that a
 * fixture dumped to stdout stays clean).  migrate's own reports are left
 * out: its lines say which migration runs; a RunC bar starts below the
 * migration's line. */
typedef struct manage_bar {
    const char *drawing; /* the subject of the bar being drawn */
} manage_bar;

static void draw_bar(const dorm_progress_event *ev, void *payload) {
    manage_bar *b = payload;
    if (strcmp(ev->task, "migrate") == 0) return;
    if (strcmp(ev->task, "RunC") == 0 && b->drawing != ev->subject && isatty(fileno(stdout))) {
        fputc('\n', stdout);
        fflush(stdout);
    }
    b->drawing = ev->finished ? NULL : ev->subject;
    dorm_progress_bar(ev, stderr);
}

int dorm_manage(int argc, char **argv, const dorm_app *const *apps) {
    const char *name = argc > 0 ? argv[0] : "help";
    const command *c = find_command(name);
    if (!c) return unknown_command(name);
    args a;
    int rc = parse(c, argc, argv, &a);
    if (rc) return rc;
    if (a.help) {
        dorm_manage__help(c, stdout);
        return 0;
    }
    if (c->run == cmd_help) return cmd_help(c, &a, apps, NULL);
    const char *url = a.database ? a.database : getenv("DATABASE_URL");
    if (!url) url = "sqlite://:memory:";
    if (c->needs_db && !a.database && !getenv("DATABASE_URL")) {
        fprintf(stderr, "CommandError: no database: give --database URL or set DATABASE_URL.\n");
        return 1;
    }
    /* Django's BaseCommand.execute: warnings are printed, an error stops
     * the command before it connects. */
    if (c->checks != MANAGE_CHECKS_NONE && !a.skip_checks &&
        dorm_manage__check(apps, c->checks == MANAGE_CHECKS_DATABASE ? named_dialect(&a) : NULL, false))
        return 1;
    dorm_registry *reg = dorm_registry_new(apps);
    if (!reg || dorm_registry_errcode(reg) == DORM_ENOMEM) {
        fputs("CommandError: out of memory\n", stderr);
        dorm_registry_free(reg);
        return 1;
    }
    dorm_db *db = dorm_db_open(c->needs_db ? url : "sqlite://:memory:", reg);
    dorm_ctx *cx = db ? dorm_ctx_new(db) : NULL;
    if (!db || dorm_db_errcode(db) || !cx) {
        fprintf(stderr, "CommandError: %s\n", db && dorm_db_errcode(db) ? dorm_db_errmsg(db) : "out of memory");
        rc = 1;
    } else {
        manage_bar bar = {NULL};
        if (a.verbosity > 0 && isatty(fileno(stderr))) dorm_ctx_set_progress(cx, draw_bar, &bar);
        rc = c->run(c, &a, apps, cx);
    }
    dorm_ctx_free(cx);
    dorm_db_close(db);
    dorm_registry_free(reg);
    return rc;
}
