/* test_help.c - manage's help as django-admin's: `manage help <command>`
 * and `manage <command> --help` print the command's usage, positionals and
 * options with their help (argparse's layout, 79 columns), with no
 * database; a bad option prints the usage naming the valid ones; an
 * unknown command gets Django's "Did you mean ...?". */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testdb.h"

static char out[16384], err[4096];

static void slurp(FILE *f, char *buf, size_t size) {
    rewind(f);
    size_t n = fread(buf, 1, size - 1, f);
    buf[n] = '\0';
    fclose(f);
}

/* dorm_manage with no apps, its stdout in `out` and its stderr in `err`. */
static int manage(const char *const *args) {
    int argc = 0;
    while (args[argc]) argc++;
    fflush(stdout);
    fflush(stderr);
    int saved_out = dup(1), saved_err = dup(2);
    FILE *o = tmpfile(), *e = tmpfile();
    dup2(fileno(o), 1);
    dup2(fileno(e), 2);
    int rc = dorm_manage(argc, (char **)args, (const dorm_app *const[]){NULL});
    fflush(stdout);
    fflush(stderr);
    dup2(saved_out, 1);
    dup2(saved_err, 2);
    close(saved_out);
    close(saved_err);
    slurp(o, out, sizeof out);
    slurp(e, err, sizeof err);
    return rc;
}

static void no_database(void) { unsetenv("DATABASE_URL"); }

TestSuite(help, .init = no_database);

static const char *const commands[] = {"check",   "dbshell",        "dumpdata",   "flush",
                                       "help",    "inspectdb",      "loaddata",   "makemigrations",
                                       "migrate", "showmigrations", "sqlmigrate", "squashmigrations",
                                       NULL};

Test(help, help_lists_every_command) {
    cr_assert_eq(manage(DORM_LIST("help")), 0);
    for (int i = 0; commands[i]; i++) {
        char line[64];
        snprintf(line, sizeof line, "\n    %-16s ", commands[i]);
        cr_expect(strstr(out, line), "help does not list %s:\n%s", commands[i], out);
    }
}

/* Every command's page: usage first, its own options, the common ones, no
 * line past 79 columns (argparse's width on an 80-column terminal). */
Test(help, every_command_has_a_page_within_79_columns) {
    for (int i = 0; commands[i]; i++) {
        cr_assert_eq(manage(DORM_LIST("help", commands[i])), 0, "%s: %s", commands[i], err);
        char usage[64];
        snprintf(usage, sizeof usage, "usage: manage %s [-h] ", commands[i]);
        cr_expect_eq(strncmp(out, usage, strlen(usage)), 0, "%s", out);
        cr_expect(strstr(out, "\noptions:\n  -h, --help            show this help message and exit\n"), "%s", out);
        cr_expect(strstr(out, "\n  --database URL        The database to work on"), "%s", out);
        cr_expect(strstr(out, "\n  -v {0,1,2,3}, --verbosity {0,1,2,3}\n"), "%s", out);
        for (const char *line = out; *line;) {
            size_t n = strcspn(line, "\n");
            cr_expect_leq(n, 79, "%s: a line of %zu columns: %.*s", commands[i], n, (int)n, line);
            line += n + (line[n] == '\n');
        }
    }
}

Test(help, help_command_and_dash_dash_help_print_the_same_page) {
    cr_assert_eq(manage(DORM_LIST("help", "migrate")), 0);
    char page[sizeof out];
    strcpy(page, out);
    cr_assert_eq(manage(DORM_LIST("migrate", "--help")), 0, "no database needed: %s", err);
    cr_expect_str_eq(out, page);
    cr_assert_eq(manage(DORM_LIST("migrate", "-h", "--fake")), 0);
    cr_expect_str_eq(out, page);
    for (const char *const *o = DORM_LIST("--noinput, --no-input", "--fake ", "--fake-initial", "--plan", "--strict",
                                          "  app_label ", "  migration_name ", "\"zero\"");
         *o; o++)
        cr_expect(strstr(page, *o), "migrate's help lacks %s:\n%s", *o, page);
}

/* The layout, byte for byte, of a short page. */
Test(help, sqlmigrate_page) {
    cr_assert_eq(manage(DORM_LIST("sqlmigrate", "--help")), 0);
    cr_expect_str_eq(out,
                     "usage: manage sqlmigrate [-h] [--backwards] [--database URL] [-v {0,1,2,3}]\n"
                     "                         [--skip-checks] app_label migration_name\n"
                     "\n"
                     "Prints the SQL statements for the named migration.\n"
                     "\n"
                     "positional arguments:\n"
                     "  app_label             App label of the application containing the migration.\n"
                     "  migration_name        Migration name to print the SQL for.\n"
                     "\n"
                     "options:\n"
                     "  -h, --help            show this help message and exit\n"
                     "  --backwards           Creates SQL to unapply the migration, rather than to\n"
                     "                        apply it\n"
                     "  --database URL        The database to work on, as a URL (sqlite:///file.db,\n"
                     "                        postgres://...). Defaults to $DATABASE_URL.\n"
                     "  -v {0,1,2,3}, --verbosity {0,1,2,3}\n"
                     "                        Verbosity level; 0=minimal output, 1=normal output,\n"
                     "                        2=verbose output, 3=very verbose output\n"
                     "  --skip-checks         Skip system checks.\n");
}

Test(help, an_unknown_option_is_refused_with_the_valid_ones) {
    cr_assert_eq(manage(DORM_LIST("migrate", "--fakee")), 2);
    cr_expect_eq(strncmp(err, "usage: manage migrate [-h] [--noinput] [--fake] [--fake-initial] [--plan]", 73), 0, "%s",
                 err);
    cr_expect(strstr(err, "\nmanage migrate: error: unrecognized arguments: --fakee\n"), "%s", err);
    cr_expect_str_eq(out, "");
    cr_assert_eq(manage(DORM_LIST("showmigrations", "--fake")), 2, "migrate's option is not showmigrations'");
    cr_expect(strstr(err, "[--list] [--plan]"), "%s", err);
    cr_assert_eq(manage(DORM_LIST("migrate", "-v", "7")), 2);
    cr_expect(strstr(err,
                     "manage migrate: error: argument -v/--verbosity: invalid choice: '7' (choose from 0, 1, 2, "
                     "3)\n"),
              "%s", err);
    cr_assert_eq(manage(DORM_LIST("sqlmigrate", "library", "--database", "sqlite://:memory:")), 2);
    cr_expect(strstr(err, "error: the following arguments are required: app_label, migration_name\n"), "%s", err);
}

Test(help, short_and_long_spellings) {
    cr_expect_eq(manage(DORM_LIST("makemigrations", "-n", "first", "--dry-run", "--no-input")), 0, "%s", err);
    cr_expect_eq(manage(DORM_LIST("makemigrations", "--name=first", "--dry-run", "--noinput")), 0, "%s", err);
    cr_expect_eq(manage(DORM_LIST("makemigrations", "--dry-run=yes")), 2, "a flag takes no value");
}

Test(help, an_unknown_command_gets_the_closest_name) {
    cr_expect_eq(manage(DORM_LIST("migrat")), 1);
    cr_expect_str_eq(err, "Unknown command: 'migrat'. Did you mean migrate?\nType 'manage help' for usage.\n");
    cr_expect_eq(manage(DORM_LIST("help", "sqlmigrat")), 1);
    cr_expect_str_eq(err, "Unknown command: 'sqlmigrat'. Did you mean sqlmigrate?\nType 'manage help' for usage.\n");
    cr_expect_eq(manage(DORM_LIST("frobnicate")), 1);
    cr_expect_str_eq(err, "Unknown command: 'frobnicate'\nType 'manage help' for usage.\n");
}
