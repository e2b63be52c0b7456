/* test_system_checks.c - the system checks Django's commands run before
 * their work (BaseCommand.requires_system_checks; migrate runs them with
 * its database's): warnings printed on stderr and the command goes on, an
 * error stops it with "SystemCheckError: ..." and exit status 1; check,
 * dbshell, inspectdb and help run none. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "testdb.h"

typedef struct Counter {
    DORM_OBJECT;
    int64_t id;
    int32_t n;
} Counter;
/* fields.W122: a warning. */
static const dorm_field Counter_fields[] = {DORM_AUTO(Counter, id), DORM_INT(Counter, n, .max_length = 3), DORM_END};
static const dorm_model Counter_model = DORM_MODEL(Counter, "app", Counter_fields);

typedef struct Broken {
    DORM_OBJECT;
    int64_t id;
    int32_t n;
    const char *s;
} Broken;
/* ... and fields.E121: an error. */
static const dorm_field Broken_fields[] = {DORM_AUTO(Broken, id), DORM_INT(Broken, n, .max_length = 3),
                                           DORM_CHAR(Broken, s, .max_length = -1), DORM_END};
static const dorm_model Broken_model = DORM_MODEL(Broken, "app", Broken_fields);

/* A column name longer than MySQL's 64 characters: models.E018 only where
 * the database's checks run. */
typedef struct Wide {
    DORM_OBJECT;
    int64_t id;
    int32_t a_column_name_that_is_longer_than_the_sixty_four_characters_mysql_has;
} Wide;
static const dorm_field Wide_fields[] = {
    DORM_AUTO(Wide, id), DORM_INT(Wide, a_column_name_that_is_longer_than_the_sixty_four_characters_mysql_has),
    DORM_END};
static const dorm_model Wide_model = DORM_MODEL(Wide, "app", Wide_fields);

static const dorm_app warned = {.label = "app", .models = DORM_MODELS(&Counter_model)};
static const dorm_app broken = {.label = "app", .models = DORM_MODELS(&Broken_model)};
static const dorm_app wide = {.label = "app", .models = DORM_MODELS(&Wide_model)};

#define WARNINGS                                                                                                      \
    "\nWARNINGS:\napp.Counter.n: (fields.W122) 'max_length' is ignored when used with IntegerField.\n\tHINT: Remove " \
    "'max_length' from field\n"
#define WARNED "System check identified some issues:\n" WARNINGS
#define FAILED                                                                                                      \
    "SystemCheckError: System check identified some issues:\n\nERRORS:\napp.Broken.s: (fields.E121) 'max_length' "  \
    "must be a positive integer.\n\nWARNINGS:\napp.Broken.n: (fields.W122) 'max_length' is ignored when used with " \
    "IntegerField.\n\tHINT: Remove 'max_length' from field\n"

/* dorm_manage on app with stdout in out and stderr in err. */
static int run(const dorm_app *app, const char *const *args, char *out, char *err, size_t size) {
    fflush(stdout);
    fflush(stderr);
    int saved[2] = {dup(1), dup(2)};
    FILE *tmp[2] = {tmpfile(), tmpfile()};
    dup2(fileno(tmp[0]), 1);
    dup2(fileno(tmp[1]), 2);
    int argc = 0;
    while (args[argc]) argc++;
    int rc = dorm_manage(argc, (char **)args, (const dorm_app *const[]){app, NULL});
    fflush(stdout);
    fflush(stderr);
    char *bufs[2] = {out, err};
    for (int i = 0; i < 2; i++) {
        dup2(saved[i], i + 1);
        close(saved[i]);
        rewind(tmp[i]);
        size_t n = fread(bufs[i], 1, size - 1, tmp[i]);
        bufs[i][n] = '\0';
        fclose(tmp[i]);
    }
    return rc;
}

#define MEMORY "--database", "sqlite://:memory:"

/* Warnings go to stderr, before the command's own output, which follows. */
Test(system_checks, warnings_are_printed_and_the_command_runs) {
    static char out[4096], err[4096];
    cr_expect_eq(run(&warned, DORM_LIST("showmigrations", MEMORY), out, err, sizeof out), 0);
    cr_expect_str_eq(err, WARNED);
    cr_expect_str_eq(out, "app\n (no migrations)\n");
    cr_expect_eq(run(&warned, DORM_LIST("makemigrations", "--dry-run"), out, err, sizeof out), 0);
    cr_expect_str_eq(err, WARNED);
    cr_expect_str_eq(out, "No changes detected\n");
    cr_expect_eq(run(&warned, DORM_LIST("migrate", MEMORY), out, err, sizeof out), 0);
    cr_expect_str_eq(err, WARNED);
    cr_expect(strstr(out, "No migrations to apply.") != NULL, "%s", out);
    cr_expect_eq(run(&warned, DORM_LIST("loaddata", MEMORY, "missing.json"), out, err, sizeof out), 1);
    cr_expect_str_eq(err, WARNED "CommandError: No fixture named 'missing' found.\n");
    const char *const *others[] = {DORM_LIST("sqlmigrate", MEMORY, "app", "0001"), DORM_LIST("dumpdata", MEMORY),
                                   DORM_LIST("flush", "--noinput", MEMORY),
                                   DORM_LIST("squashmigrations", "app", "0001")};
    for (size_t i = 0; i < sizeof others / sizeof *others; i++) {
        run(&warned, others[i], out, err, sizeof out);
        cr_expect_eq(strncmp(err, WARNED, strlen(WARNED)), 0, "%s: %s", others[i][0], err);
    }
}

/* An error stops every command that runs the checks, before it connects. */
Test(system_checks, an_error_stops_the_command) {
    static char out[4096], err[4096];
    const char *const *cmds[] = {DORM_LIST("showmigrations", MEMORY),
                                 DORM_LIST("makemigrations", "--dry-run"),
                                 DORM_LIST("migrate", MEMORY),
                                 DORM_LIST("sqlmigrate", MEMORY, "app", "0001"),
                                 DORM_LIST("dumpdata", MEMORY),
                                 DORM_LIST("loaddata", MEMORY, "missing.json"),
                                 DORM_LIST("flush", "--noinput", MEMORY),
                                 DORM_LIST("squashmigrations", "app", "0001")};
    for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++) {
        cr_expect_eq(run(&broken, cmds[i], out, err, sizeof out), 1, "%s", cmds[i][0]);
        cr_expect_str_eq(err, FAILED, "%s", cmds[i][0]);
        cr_expect_str_eq(out, "", "%s", cmds[i][0]);
    }
}

/* Django's inspectdb, dbshell and check run no checks first (check prints
 * its own, counted). */
Test(system_checks, inspectdb_and_help_run_none) {
    static char out[8192], err[4096];
    cr_expect_eq(run(&broken, DORM_LIST("inspectdb", MEMORY), out, err, sizeof out), 0);
    cr_expect_str_eq(err, "");
    cr_expect_eq(run(&broken, DORM_LIST("help"), out, err, sizeof out), 0);
    cr_expect_str_eq(err, "");
    cr_expect_eq(run(&broken, DORM_LIST("check"), out, err, sizeof out), 1);
    cr_expect_str_eq(err, FAILED "\nSystem check identified 2 issues (0 silenced).\n");
}

/* migrate checks its database too (Django's check(databases=[database]));
 * the other commands do not.  Neither connects: the URL's server need not
 * exist. */
Test(system_checks, migrate_runs_its_databases_checks) {
    static char out[4096], err[4096];
    const char *url = "mysql://nobody@127.0.0.1:1/none";
    cr_expect_eq(run(&wide, DORM_LIST("migrate", "--database", url), out, err, sizeof out), 1);
    cr_expect_str_eq(err,
                     "SystemCheckError: System check identified some issues:\n\nERRORS:\napp.Wide: (models.E018) "
                     "Autogenerated column name too long for field "
                     "\"a_column_name_that_is_longer_than_the_sixty_four_characters_mysql_has\". Maximum "
                     "length is \"64\" for database \"default\".\n\tHINT: Set the column name manually using "
                     "'db_column'.\n");
    cr_expect_eq(run(&wide, DORM_LIST("showmigrations", "--database", url), out, err, sizeof out), 1);
    cr_expect_eq(strncmp(err, "CommandError: ", 14), 0, "%s", err);
}

/* --skip-checks (BaseCommand's option) runs the command without them; a
 * command that runs none does not take it. */
Test(system_checks, skip_checks) {
    static char out[4096], err[4096];
    cr_expect_eq(run(&broken, DORM_LIST("showmigrations", MEMORY, "--skip-checks"), out, err, sizeof out), 0);
    cr_expect_str_eq(err, "");
    cr_expect_str_eq(out, "app\n (no migrations)\n");
    cr_expect_eq(run(&warned, DORM_LIST("makemigrations", "--skip-checks", "--dry-run"), out, err, sizeof out), 0);
    cr_expect_str_eq(err, "");
    cr_expect_eq(run(&warned, DORM_LIST("inspectdb", MEMORY, "--skip-checks"), out, err, sizeof out), 2);
    cr_expect(strstr(err, "manage inspectdb: error: unrecognized arguments: --skip-checks\n"), "%s", err);
}
