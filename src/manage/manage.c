/* manage.c - dorm_manage(): the command table, option parsing shared by the
 * commands (flags, options with values, positionals; Django's "unrecognized
 * arguments" error), the database each command opens, and each command's
 * glue to its C function (migrations, fixtures, dbshell, flush, check). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dorm.h"
#include "backend/db.h"
#include "dorm/manage.h"
#include "manage/shell.h"
#include "migrate/migration.h"

typedef struct args {
    int npos;
    const char *pos[64];
    const char *database;
    int verbosity;
    bool flags[16];
    const char *values[16];
} args;

typedef struct command {
    const char *name;
    const char *help;
    const char *const *flags;       /* --names without a value                 */
    const char *const *options;     /* --names taking a value                  */
    int max_pos;
    bool needs_db;
    int (*run)(const struct command *c, args *a, const dorm_app *const *apps, dorm_ctx *cx);
} command;

static int index_of(const char *const *list, const char *name) {
    for (int i = 0; list && list[i]; i++)
        if (strcmp(list[i], name) == 0) return i;
    return -1;
}

static bool flag(const command *c, const args *a, const char *name) {
    int i = index_of(c->flags, name);
    return i >= 0 && a->flags[i];
}

static const char *value(const command *c, const args *a, const char *name) {
    int i = index_of(c->options, name);
    return i >= 0 ? a->values[i] : NULL;
}

static int parse(const command *c, int argc, char **argv, args *a) {
    memset(a, 0, sizeof *a);
    a->verbosity = 1;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        const char *eq = strchr(s, '=');
        char name[64];
        size_t n = eq ? (size_t)(eq - s) : strlen(s);
        if (s[0] == '-' && s[1] == '-' && n < sizeof name) {
            memcpy(name, s, n);
            name[n] = '\0';
            int k;
            if (strcmp(name, "--database") == 0 || strcmp(name, "--verbosity") == 0 ||
                (k = index_of(c->options, name)) >= 0) {
                const char *v = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
                if (!v) {
                    fprintf(stderr, "manage %s: error: argument %s: expected one argument\n", c->name, name);
                    return 2;
                }
                if (strcmp(name, "--database") == 0) a->database = v;
                else if (strcmp(name, "--verbosity") == 0) a->verbosity = atoi(v);
                else a->values[index_of(c->options, name)] = v;
                continue;
            }
            if (!eq && (k = index_of(c->flags, name)) >= 0) {
                a->flags[k] = true;
                continue;
            }
        } else if (s[0] == '-' && s[1] == 'v' && s[2] == '\0' && i + 1 < argc) {
            a->verbosity = atoi(argv[++i]);
            continue;
        } else if (s[0] != '-' && a->npos < c->max_pos) {
            a->pos[a->npos++] = s;
            continue;
        }
        fprintf(stderr, "manage %s: error: unrecognized arguments: %s\n", c->name, s);
        return 2;
    }
    return 0;
}

/* The command's failure in Django's words ("CommandError: ..."). */
static int failed(dorm_ctx *cx) {
    fprintf(stderr, "CommandError: %s\n", dorm_errmsg(cx));
    return 1;
}

static int cmd_check(const command *c, args *a, const dorm_app *const *apps, dorm_ctx *cx) {
    (void)c, (void)a, (void)cx;
    dorm_registry *reg = dorm_registry_new(apps);
    if (!reg) return 1;
    const char *msg = dorm_registry_messages(reg);
    int issues = 0;
    for (const char *p = msg; *p; p++) issues += *p == '\n';
    issues += *msg ? 1 : 0;
    if (issues) {
        fprintf(stderr, "SystemCheckError: System check identified some issues:\n\nERRORS:\n%s\n\n", msg);
        fprintf(stderr, "System check identified %d issue%s (0 silenced).\n", issues, issues == 1 ? "" : "s");
    } else {
        puts("System check identified no issues (0 silenced).");
    }
    dorm_registry_free(reg);
    return issues ? 1 : 0;
}

/* The dialect of the database named for the command, or NULL:
 * makemigrations' lint warns about its traits (PostgreSQL's locks on ALTER,
 * MySQL's committing DDL) without connecting. */
static const dorm_dialect *named_dialect(const args *a) {
    const char *url = a->database ? a->database : getenv("DATABASE_URL");
    dorm_url u;
    dorm_errbuf e = {0, ""};
    if (!url || dorm_url_parse(url, &u, &e) < 0) return NULL;
    const dorm_driver *drv = dorm_driver_find(u.scheme);
    dorm_url_free(&u);
    return drv ? drv->dialect : NULL;
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
        fputs("manage sqlmigrate: error: the following arguments are required: app_label, migration_name\n", stderr);
        return 2;
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
    const char *indent = value(c, a, "--indent"), *path = value(c, a, "--output");
    FILE *out = path ? fopen(path, "w") : stdout;
    if (!out) {
        fprintf(stderr, "CommandError: Cannot write %s.\n", path);
        return 1;
    }
    int rc = dorm_dumpdata(cx, a->pos, indent ? atoi(indent) : 0, out);
    if (path) fclose(out);
    return rc < 0 ? failed(cx) : 0;
}

static int cmd_loaddata(const command *c, args *a, const dorm_app *const *apps, dorm_ctx *cx) {
    (void)c, (void)apps;
    if (!a->npos) {
        fputs("CommandError: No database fixture specified. Please provide the path of at least one fixture in the "
              "command line.\n", stderr);
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
              "    Type 'yes' to continue, or 'no' to cancel: ", stdout);
        fflush(stdout);
        char line[16];
        if (!fgets(line, sizeof line, stdin) || strcmp(line, "yes\n") != 0) {
            puts("Flush cancelled.");
            return 0;
        }
    }
    return dorm_flush(cx) < 0 ? failed(cx) : 0;
}

static int cmd_dbshell(const command *c, args *a, const dorm_app *const *apps, dorm_ctx *cx) {
    (void)c, (void)apps, (void)cx;
    return dorm_dbshell(a->database ? a->database : getenv("DATABASE_URL"));
}

static int cmd_squashmigrations(const command *c, args *a, const dorm_app *const *apps, dorm_ctx *cx) {
    if (a->npos < 2) {
        fputs("manage squashmigrations: error: the following arguments are required: app_label, migration_name\n", stderr);
        return 2;
    }
    const char *start = a->npos == 3 ? a->pos[1] : NULL, *end = a->pos[a->npos - 1];
    return dorm_squash(cx, apps, a->pos[0], start, end, value(c, a, "--squashed-name"), stdout) < 0 ? failed(cx) : 0;
}

static int cmd_inspectdb(const command *c, args *a, const dorm_app *const *apps, dorm_ctx *cx) {
    (void)apps;
    a->pos[a->npos] = NULL;
    return dorm_inspectdb(cx, a->pos, value(c, a, "--app-label"), stdout) < 0 ? failed(cx) : 0;
}

static int cmd_help(const command *c, args *a, const dorm_app *const *apps, dorm_ctx *cx);

static const command commands[] = {
    {"check", "Checks the models for problems (the system checks).", NULL, NULL, 0, false, cmd_check},
    {"dbshell", "Runs the database's command-line client.", NULL, NULL, 0, true, cmd_dbshell},
    {"dumpdata", "Writes the rows of models as a JSON fixture.", NULL, DORM_LIST("--indent", "--output", "--format"),
     63, true, cmd_dumpdata},
    {"flush", "Removes every row from the model tables.", DORM_LIST("--noinput", "--no-input"), NULL, 0, true, cmd_flush},
    {"help", "Lists the commands.", NULL, NULL, 1, false, cmd_help},
    {"inspectdb", "Writes C models for the tables of an existing database.", NULL, DORM_LIST("--app-label"), 63, true,
     cmd_inspectdb},
    {"loaddata", "Installs JSON fixtures, all or nothing.", NULL, NULL, 63, true, cmd_loaddata},
    {"makemigrations", "Creates new migrations from the changes to the models.",
     DORM_LIST("--dry-run", "--check", "--empty", "--noinput", "--no-input", "--strict"), DORM_LIST("--name"), 7, false,
     cmd_makemigrations},
    {"migrate", "Updates the database schema: applies or unapplies migrations.",
     DORM_LIST("--plan", "--fake", "--fake-initial", "--noinput", "--no-input", "--strict"), NULL, 2, true, cmd_migrate},
    {"showmigrations", "Shows the migrations and whether they are applied.", DORM_LIST("--plan", "--list"), NULL, 1,
     true, cmd_showmigrations},
    {"sqlmigrate", "Prints the SQL of a migration.", DORM_LIST("--backwards"), NULL, 2, true, cmd_sqlmigrate},
    {"squashmigrations", "Squashes a run of an app's migrations into one.", DORM_LIST("--noinput", "--no-input"),
     DORM_LIST("--squashed-name"), 3, false, cmd_squashmigrations},
};

static int cmd_help(const command *c, args *a, const dorm_app *const *apps, dorm_ctx *cx) {
    (void)c, (void)a, (void)apps, (void)cx;
    puts("Type 'manage help <subcommand>' for help on a specific subcommand.\n\nAvailable subcommands:\n\n[dorm]");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) printf("    %-16s %s\n", commands[i].name, commands[i].help);
    return 0;
}

int dorm_manage(int argc, char **argv, const dorm_app *const *apps) {
    const char *name = argc > 0 ? argv[0] : "help";
    const command *c = NULL;
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(commands[i].name, name) == 0) c = &commands[i];
    if (!c) {
        fprintf(stderr, "Unknown command: '%s'\nType 'manage help' for usage.\n", name);
        return 1;
    }
    args a;
    int rc = parse(c, argc, argv, &a);
    if (rc) return rc;
    const char *url = a.database ? a.database : getenv("DATABASE_URL");
    if (!url) url = "sqlite://:memory:";
    if (c->needs_db && !a.database && !getenv("DATABASE_URL")) {
        fprintf(stderr, "CommandError: no database: give --database URL or set DATABASE_URL.\n");
        return 1;
    }
    dorm_registry *reg = dorm_registry_new(apps);
    if (!reg) return 1;
    dorm_db *db = dorm_db_open(c->needs_db ? url : "sqlite://:memory:", reg);
    dorm_ctx *cx = db ? dorm_ctx_new(db) : NULL;
    if (!db || dorm_db_errcode(db) || !cx) {
        fprintf(stderr, "CommandError: %s\n", db ? dorm_db_errmsg(db) : "out of memory");
        rc = 1;
    } else {
        rc = c->run(c, &a, apps, cx);
    }
    dorm_ctx_free(cx);
    dorm_db_close(db);
    dorm_registry_free(reg);
    return rc;
}
