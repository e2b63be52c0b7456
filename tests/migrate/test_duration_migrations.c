/* test_duration_migrations.c - a DurationField in migrations: the file
 * makemigrations writes (its default as Django's duration_string) and
 * reads back with nothing left to change, sqlmigrate's SQL as Django 3.2's
 * on each backend (bigint, interval), AddField filling existing rows with
 * the default, and a one-off default typed at the questioner. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/db.h"
#include "core/ctx.h"
#include "migrations.h"
#include "testdb.h"

/* Version 1: a task with a name. */
typedef struct Task {
    DORM_OBJECT;
    int64_t id;
    const char *name;
} Task;
DORM_MODEL_DECLARE(Task);
static const dorm_field Task_fields[] = {DORM_AUTO(Task, id), DORM_CHAR(Task, name, .max_length = 50), DORM_END};
const dorm_model Task_model = DORM_MODEL(Task, "plan", Task_fields);

/* Version 2: a pause and time spent (90 minutes by default), in the order
 * Django's autodetector adds them (sorted by name). */
typedef struct Task2 {
    DORM_OBJECT;
    int64_t id;
    const char *name;
    dorm_duration pause;
    dorm_duration spent;
} Task2;
static const dorm_field Task2_fields[] = {
    DORM_AUTO(Task2, id),
    DORM_CHAR(Task2, name, .max_length = 50),
    DORM_DURATION(Task2, pause, .null = true),
    DORM_DURATION(Task2, spent, .default_value = DORM_VDURATION(0, 5400, 0)),
    DORM_END,
};
static const dorm_model Task2_model = {
    .abi = DORM_MODEL_ABI, .name = "Task", .app_label = "plan", .size = sizeof(Task2), .fields = Task2_fields};

/* Version 3: a required estimate of a minute at least, no default (the
 * questioner asks). */
typedef struct Task3 {
    DORM_OBJECT;
    int64_t id;
    const char *name;
    dorm_duration spent;
    dorm_duration pause;
    dorm_duration estimate;
} Task3;
static const dorm_field Task3_fields[] = {
    DORM_AUTO(Task3, id),
    DORM_CHAR(Task3, name, .max_length = 50),
    DORM_DURATION(Task3, spent, .default_value = DORM_VDURATION(0, 5400, 0)),
    DORM_DURATION(Task3, pause, .null = true),
    DORM_DURATION(Task3, estimate),
    DORM_END,
};
static const dorm_model Task3_model = {.abi = DORM_MODEL_ABI,
                                       .name = "Task",
                                       .app_label = "plan",
                                       .size = sizeof(Task3),
                                       .fields = Task3_fields,
                                       .constraints =
                                           DORM_CONSTRAINTS({DORM_CONSTRAINT_CHECK, "plan_task_estimate_min", NULL,
                                                             DQC("estimate__gte", DORM_VDURATION(0, 60, 0))})};

static const char *dir;

static void open_empty(void) {
    test_db_open_apps((const dorm_app *const[]){&test_empty_app, NULL});
    dir = test_tmpdir_make("dorm-dur");
}

static void close_empty(void) {
    test_tmpdir_remove();
    test_db_close();
}

TestSuite(duration_migrations, .init = open_empty, .fini = close_empty);

/* --check: makemigrations writes nothing, and fails on changes. */
static const dorm_makemigrations_opts check = {.check = true};

static int migrate(const dorm_app *const *apps) {
    return dorm_migrate(T.cx, apps, &(dorm_migrate_opts){.verbosity = 0});
}

/* SQL reading a duration column of the task as microseconds. */
static const char *usec_of(const char *column) {
    static char sql[128];
    if (test_db_dialect()->native_duration)
        snprintf(sql, sizeof sql, "SELECT CAST(EXTRACT(EPOCH FROM %s) * 1000000 AS bigint) FROM plan_task", column);
    else
        snprintf(sql, sizeof sql, "SELECT %s FROM plan_task", column);
    return sql;
}

static void exec_ok(const char *sql) {
    dorm_errbuf e = {0, ""};
    cr_assert_eq(dorm_db__exec(T.db, sql, &e), 0, "%s: %s", sql, e.msg);
}

/* Django 3.2's `sqlmigrate plan 0002` for the same change (on SQLite dorm
 * adds a nullable column with ALTER TABLE where Django rebuilds the table:
 * docs/migrations.md). */
#define SQLITE_0002                                                                                                 \
    "BEGIN;\n"                                                                                                      \
    "--\n"                                                                                                          \
    "-- Add field pause to task\n"                                                                                  \
    "--\n"                                                                                                          \
    "ALTER TABLE \"plan_task\" ADD COLUMN \"pause\" bigint NULL;\n"                                                 \
    "--\n"                                                                                                          \
    "-- Add field spent to task\n"                                                                                  \
    "--\n"                                                                                                          \
    "CREATE TABLE \"new__plan_task\" (\"id\" integer NOT NULL PRIMARY KEY AUTOINCREMENT, \"name\" varchar(50) NOT " \
    "NULL, \"pause\" bigint NULL, \"spent\" bigint NOT NULL);\n"                                                    \
    "INSERT INTO \"new__plan_task\" (\"id\", \"name\", \"pause\", \"spent\") SELECT \"id\", \"name\", \"pause\", "  \
    "5400000000 FROM \"plan_task\";\n"                                                                              \
    "DROP TABLE \"plan_task\";\n"                                                                                   \
    "ALTER TABLE \"new__plan_task\" RENAME TO \"plan_task\";\n"                                                     \
    "COMMIT;\n"
#define PG_0002                                                                                                   \
    "BEGIN;\n"                                                                                                    \
    "--\n"                                                                                                        \
    "-- Add field pause to task\n"                                                                                \
    "--\n"                                                                                                        \
    "ALTER TABLE \"plan_task\" ADD COLUMN \"pause\" interval NULL;\n"                                             \
    "--\n"                                                                                                        \
    "-- Add field spent to task\n"                                                                                \
    "--\n"                                                                                                        \
    "ALTER TABLE \"plan_task\" ADD COLUMN \"spent\" interval DEFAULT '0 days 5400.000000 seconds'::interval NOT " \
    "NULL;\n"                                                                                                     \
    "ALTER TABLE \"plan_task\" ALTER COLUMN \"spent\" DROP DEFAULT;\n"                                            \
    "COMMIT;\n"
#define MY_0002                                                                        \
    "--\n"                                                                             \
    "-- Add field pause to task\n"                                                     \
    "--\n"                                                                             \
    "ALTER TABLE `plan_task` ADD COLUMN `pause` bigint NULL;\n"                        \
    "--\n"                                                                             \
    "-- Add field spent to task\n"                                                     \
    "--\n"                                                                             \
    "ALTER TABLE `plan_task` ADD COLUMN `spent` bigint DEFAULT 5400000000 NOT NULL;\n" \
    "ALTER TABLE `plan_task` ALTER COLUMN `spent` DROP DEFAULT;\n"

Test(duration_migrations, added_fields_written_read_and_applied) {
    dorm_app v1 = {.label = "plan", .models = DORM_MODELS(&Task_model), .migrations_dir = dir};
    int rc;
    test_makemigrations((const dorm_app *const[]){&v1, NULL}, NULL, NULL, &rc);
    cr_assert_eq(rc, 0, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(migrate((const dorm_app *const[]){&v1, NULL}), 0, "%s", dorm_errmsg(T.cx));
    exec_ok("INSERT INTO plan_task (name) VALUES ('old')");

    dorm_app v2 = {.label = "plan", .models = DORM_MODELS(&Task2_model), .migrations_dir = dir};
    const dorm_app *apps2[] = {&v2, NULL};
    const char *out = test_makemigrations(apps2, NULL, NULL, &rc);
    cr_assert_eq(rc, 0, "%s\n%s", dorm_errmsg(T.cx), out);
    cr_expect(strstr(out, "    - Add field pause to task\n    - Add field spent to task\n"), "%s", out);
    const char *p = strstr(out, dir), *end = p ? strchr(p, '\n') : NULL;
    cr_assert_not_null(end, "%s", out);
    char *text = test_read_file(dorm_arena__strndup(&T.cx->arena, p, (size_t)(end - p)));
    cr_assert_not_null(text);
    test_squeeze(text);
    /* Django's migration holds timedelta(seconds=5400); the file holds its
     * duration_string. */
    cr_expect(strstr(text, "\"name\":\"spent\",\"field\":{\"type\":\"DurationField\",\"default\":\"01:30:00\"}"), "%s",
              text);
    cr_expect(strstr(text, "\"name\":\"pause\",\"field\":{\"type\":\"DurationField\",\"null\":true}"), "%s", text);
    /* Read back, the files leave nothing to change. */
    test_makemigrations(apps2, NULL, &check, &rc);
    cr_expect_eq(rc, 0, "%s", dorm_errmsg(T.cx));

    const char *sql = dorm_sqlmigrate(T.cx, apps2, "plan", "0002", false);
    cr_assert_not_null(sql, "%s", dorm_errmsg(T.cx));
    cr_expect_str_eq(sql, test_pick(SQLITE_0002, PG_0002, MY_0002));
    cr_assert_eq(migrate(apps2), 0, "%s", dorm_errmsg(T.cx));
    /* The row there before has the default. */
    cr_expect_eq(test_scalar(usec_of("spent")), INT64_C(5400000000));
    cr_expect_eq(test_scalar("SELECT COUNT(*) FROM plan_task WHERE pause IS NULL"), 1);
}

Test(duration_migrations, initial_create_table) {
    dorm_app v3 = {.label = "plan", .models = DORM_MODELS(&Task3_model), .migrations_dir = dir};
    const dorm_app *apps[] = {&v3, NULL};
    int rc;
    test_makemigrations(apps, NULL, NULL, &rc);
    cr_assert_eq(rc, 0, "%s", dorm_errmsg(T.cx));
    const char *sql = dorm_sqlmigrate(T.cx, apps, "plan", "0001", false);
    cr_assert_not_null(sql, "%s", dorm_errmsg(T.cx));
    cr_expect(strstr(sql,
                     test_pick("CREATE TABLE \"plan_task\" (\"id\" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "
                               "\"name\" varchar(50) NOT NULL, \"spent\" bigint NOT NULL, \"pause\" bigint NULL, "
                               "\"estimate\" bigint NOT NULL);",
                               "CREATE TABLE \"plan_task\" (\"id\" serial NOT NULL PRIMARY KEY, \"name\" "
                               "varchar(50) NOT NULL, \"spent\" interval NOT NULL, \"pause\" interval NULL, "
                               "\"estimate\" interval NOT NULL);",
                               "CREATE TABLE `plan_task` (`id` integer AUTO_INCREMENT NOT NULL PRIMARY KEY, "
                               "`name` varchar(50) NOT NULL, `spent` bigint NOT NULL, `pause` bigint NULL, "
                               "`estimate` bigint NOT NULL);")),
              "%s", sql);
    /* The check's constant as Django's schema editor quotes it. */
    cr_expect(strstr(sql,
                     test_pick("CONSTRAINT \"plan_task_estimate_min\" CHECK (\"estimate\" >= 60000000)",
                               "ALTER TABLE \"plan_task\" ADD CONSTRAINT \"plan_task_estimate_min\" CHECK "
                               "(\"estimate\" >= '0 days 60.000000 seconds'::interval);",
                               "ALTER TABLE `plan_task` ADD CONSTRAINT `plan_task_estimate_min` CHECK (`estimate` "
                               ">= 60000000);")),
              "%s", sql);
    cr_assert_eq(migrate(apps), 0, "%s", dorm_errmsg(T.cx));
    test_makemigrations(apps, NULL, &check, &rc);
    cr_expect_eq(rc, 0, "%s", dorm_errmsg(T.cx));
}

Test(duration_migrations, one_off_default) {
    dorm_app v2 = {.label = "plan", .models = DORM_MODELS(&Task2_model), .migrations_dir = dir};
    int rc;
    test_makemigrations((const dorm_app *const[]){&v2, NULL}, NULL, NULL, &rc);
    cr_assert_eq(rc, 0, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(migrate((const dorm_app *const[]){&v2, NULL}), 0, "%s", dorm_errmsg(T.cx));
    exec_ok(test_pick("INSERT INTO plan_task (name, spent) VALUES ('old', 0)",
                      "INSERT INTO plan_task (name, spent) VALUES ('old', '0'::interval)",
                      "INSERT INTO plan_task (name, spent) VALUES ('old', 0)"));
    dorm_app v3 = {.label = "plan", .models = DORM_MODELS(&Task3_model), .migrations_dir = dir};
    const dorm_app *apps3[] = {&v3, NULL};
    /* A text is parse_duration's; what it cannot read, and a number, are
     * asked again. */
    const char *out = test_makemigrations(apps3, "1\n'a while'\n3600\n'2 days, 0:30:00'\n", NULL, &rc);
    cr_assert_eq(rc, 0, "%s\n%s", dorm_errmsg(T.cx), out);
    cr_expect(strstr(out, "Invalid input: DurationField does not hold the text 'a while'"), "%s", out);
    cr_expect(strstr(out, "Invalid input: 3600 is a number, and estimate is a DurationField"), "%s", out);
    cr_assert_eq(migrate(apps3), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(test_scalar(usec_of("estimate")), dorm_timedelta(2, 1800, 0).usec);
}
