/* test_migrate.c - migrations end to end on the test database: files written
 * by hand or by makemigrations, applied and rolled back with their rows kept,
 * each operation's DDL, RunSQL/RunC, a failing migration leaving everything
 * as it was, fake and fake-initial, sqlmigrate and showmigrations output. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend/db.h"
#include "core/ctx.h"
#include "migrate/migration.h"
#include "migrations.h"
#include "testdb.h"

static const char *dir;

static void open_empty(void) {
    test_db_open_apps((const dorm_app *const[]){&test_empty_app, NULL});
    dir = test_tmpdir_make("dorm-mig");
}

static void close_empty(void) {
    test_tmpdir_remove();
    test_db_close();
}

TestSuite(migrate, .init = open_empty, .fini = close_empty);

static void write_migration(const char *name, const char *json) {
    test_write_file(dorm_sprintf(T.cx, "%s.json", name), json);
}

static int64_t scalar(const char *sql) { return test_scalar(sql); }

static bool table_exists(const char *table) {
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT 1 FROM \"%s\" WHERE 1 = 0", table);
    dorm_errbuf e = {0, ""};
    return dorm_db__exec(T.db, sql, &e) == 0;
}

static void exec_ok(const char *sql) {
    dorm_errbuf e = {0, ""};
    cr_assert_eq(dorm_db__exec(T.db, sql, &e), 0, "%s: %s", sql, e.msg);
}

static dorm_app shop(void) {
    return (dorm_app){.label = "shop", .models = test_empty_app.models, .migrations_dir = dir};
}

static int migrate_to(const dorm_app *app, const char *target) {
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    int rc =
        dorm_migrate(T.cx, (const dorm_app *const[]){app, NULL},
                     &(dorm_migrate_opts){.app = target ? "shop" : NULL, .target = target, .verbosity = 1, .out = out});
    fclose(out);
    free(buf);
    return rc;
}

#define INITIAL                                                                                                    \
    "{\"initial\": true, \"dependencies\": [], \"operations\": [{\"operation\": \"CreateModel\", \"name\": "       \
    "\"Product\", \"fields\": [[\"id\", {\"type\": \"AutoField\", \"primary_key\": true}], [\"name\", {\"type\": " \
    "\"CharField\", \"max_length\": 50}]]}]}"

Test(migrate, apply_and_unapply_keep_rows) {
    dorm_app app = shop();
    write_migration("0001_initial", INITIAL);
    write_migration("0002_product_price",
                    "{\"dependencies\": [[\"shop\", \"0001_initial\"]], \"operations\": [{\"operation\": \"AddField\", "
                    "\"model_name\": \"product\", \"name\": \"price\", \"field\": {\"type\": \"IntegerField\", "
                    "\"default\": 7}}]}");
    cr_assert_eq(migrate_to(&app, "0001"), 0, "%s", dorm_errmsg(T.cx));
    exec_ok("INSERT INTO \"shop_product\" (\"name\") VALUES ('pen')");
    exec_ok("INSERT INTO \"shop_product\" (\"name\") VALUES ('ink')");
    cr_assert_eq(migrate_to(&app, NULL), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(scalar("SELECT COUNT(*) FROM \"shop_product\" WHERE \"price\" = 7"), 2,
                 "existing rows get the default");
    cr_expect_eq(scalar("SELECT COUNT(*) FROM \"dorm_migrations\" WHERE \"app\" = 'shop'"), 2);
    /* Back to 0001: the column goes, the rows stay. */
    cr_assert_eq(migrate_to(&app, "0001_initial"), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(scalar("SELECT COUNT(*) FROM \"shop_product\""), 2);
    dorm_errbuf e = {0, ""};
    /* (SQLite reads an unknown "column" in a SELECT as a string: insert instead.) */
    cr_expect_neq(dorm_db__exec(T.db, "INSERT INTO \"shop_product\" (\"name\", \"price\") VALUES ('x', 1)", &e), 0);
    cr_expect_eq(scalar("SELECT COUNT(*) FROM \"dorm_migrations\" WHERE \"app\" = 'shop'"), 1);
    cr_assert_eq(migrate_to(&app, "zero"), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_not(table_exists("shop_product"));
    cr_expect_eq(scalar("SELECT COUNT(*) FROM \"dorm_migrations\""), 0);
}

Test(migrate, alter_rename_and_constraints_keep_rows) {
    dorm_app app = shop();
    write_migration("0001_initial", INITIAL);
    cr_assert_eq(migrate_to(&app, NULL), 0, "%s", dorm_errmsg(T.cx));
    exec_ok("INSERT INTO \"shop_product\" (\"name\") VALUES ('pen')");
    /* MySQL indexes no TEXT column whole: there (as Django would have to) the note is a varchar. */
    const char *note = test_db_on_mysql() ? "{\"type\": \"CharField\", \"max_length\": 100, \"null\": true}"
                                          : "{\"type\": \"TextField\", \"null\": true}";
    write_migration(
        "0002_changes",
        dorm_sprintf(T.cx,
                     "{\"dependencies\": [[\"shop\", \"0001_initial\"]], \"operations\": ["
                     "{\"operation\": \"AlterField\", \"model_name\": \"product\", \"name\": \"name\", \"field\": "
                     "{\"type\": \"CharField\", \"max_length\": 120, \"unique\": true}},"
                     "{\"operation\": \"RenameField\", \"model_name\": \"product\", \"old_name\": \"name\", "
                     "\"new_name\": \"title\"},"
                     "{\"operation\": \"AddField\", \"model_name\": \"product\", \"name\": \"note\", \"field\": "
                     "%s},"
                     "{\"operation\": \"AddIndex\", \"model_name\": \"product\", \"index\": {\"fields\": [\"title\", "
                     "\"-note\"], "
                     "\"name\": \"shop_title_idx\"}},"
                     "{\"operation\": \"AddConstraint\", \"model_name\": \"product\", \"constraint\": {\"type\": "
                     "\"CheckConstraint\", \"name\": \"title_not_empty\", \"check\": {\"not\": [{\"path\": \"title\", "
                     "\"value\": \"\"}]}}},"
                     "{\"operation\": \"AlterModelTable\", \"name\": \"product\", \"table\": \"shop_items\"}]}",
                     note));
    cr_assert_eq(migrate_to(&app, NULL), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(scalar("SELECT COUNT(*) FROM \"shop_items\" WHERE \"title\" = 'pen'"), 1);
    dorm_errbuf e = {0, ""};
    cr_expect_neq(dorm_db__exec(T.db, "INSERT INTO \"shop_items\" (\"title\") VALUES ('pen')", &e), 0, "unique");
    cr_expect_neq(dorm_db__exec(T.db, "INSERT INTO \"shop_items\" (\"title\") VALUES ('')", &e), 0, "check");
    exec_ok(
        "INSERT INTO \"shop_items\" (\"title\") VALUES ('a name longer than fifty characters, which 0001 refused!')");
    exec_ok("DELETE FROM \"shop_items\" WHERE \"title\" <> 'pen'");
    bool pg = strncmp(test_db_url(), "postgres", 8) == 0;
    /* On PostgreSQL the now unique varchar has Django's "_like" index, and its
     * UNIQUE constraint Django's name from the time it was added. */
    if (pg) {
        cr_expect_eq(scalar("SELECT COUNT(*) FROM pg_indexes WHERE schemaname = current_schema() AND tablename = "
                            "'shop_items' AND indexname LIKE 'shop_items_title_%_like' AND indexdef LIKE "
                            "'%varchar_pattern_ops%'"),
                     1);
        cr_expect_eq(scalar("SELECT COUNT(*) FROM pg_constraint WHERE conrelid = 'shop_items'::regclass AND contype = "
                            "'u' AND conname LIKE 'shop_product_name_%_uniq'"),
                     1);
    }
    /* And all of it undone, the row still there under its old column. */
    cr_assert_eq(migrate_to(&app, "0001"), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(scalar("SELECT COUNT(*) FROM \"shop_product\" WHERE \"name\" = 'pen'"), 1);
    cr_expect_not(table_exists("shop_items"));
    if (pg)
        cr_expect_eq(scalar("SELECT COUNT(*) FROM pg_indexes WHERE schemaname = current_schema() AND indexname LIKE "
                            "'%_like'"),
                     0);
}

Test(migrate, failing_migration_changes_nothing) {
    dorm_app app = shop();
    write_migration("0001_initial", INITIAL);
    write_migration(
        "0002_broken",
        "{\"dependencies\": [[\"shop\", \"0001_initial\"]], \"operations\": ["
        "{\"operation\": \"CreateModel\", \"name\": \"Order\", \"fields\": [[\"id\", {\"type\": \"AutoField\", "
        "\"primary_key\": true}]]},"
        "{\"operation\": \"RunSQL\", \"sql\": [\"INSERT INTO no_such_table VALUES (1)\"], \"reverse_sql\": []}]}");
    cr_assert_neq(migrate_to(&app, NULL), 0);
    cr_expect(strstr(dorm_errmsg(T.cx), "shop.0002_broken, operation 2 (Raw SQL operation): "), "%s",
              dorm_errmsg(T.cx));
    cr_expect(table_exists("shop_product"), "0001 was applied before");
    if (test_db_on_mysql()) {
        /* DDL commits: the first operation stays, and the error says so. */
        cr_expect(strstr(dorm_errmsg(T.cx),
                         "this database has no transactional DDL: the operations of "
                         "shop.0002_broken before the failed one stay applied"),
                  "%s", dorm_errmsg(T.cx));
        cr_expect(table_exists("shop_order"), "0002's first operation stays");
    } else {
        cr_expect_not(table_exists("shop_order"), "0002's first operation was rolled back");
    }
    cr_expect_eq(scalar("SELECT COUNT(*) FROM \"dorm_migrations\""), 1);
}

static int fill_rows(dorm_ctx *cx, dorm_progress *p) {
    dorm_errbuf e = {0, ""};
    for (int i = 0; i < 3; i++) {
        if (dorm_db__exec(cx->db, "INSERT INTO \"shop_product\" (\"name\") VALUES ('made by C')", &e) < 0)
            return dorm_fail__errbuf(cx, &e);
        dorm_progress_report(p, i + 1, 3);
    }
    return 0;
}

static int empty_rows(dorm_ctx *cx, dorm_progress *p) {
    (void)p;
    dorm_errbuf e = {0, ""};
    return dorm_db__exec(cx->db, "DELETE FROM \"shop_product\" WHERE \"name\" = 'made by C'", &e) < 0
        ? dorm_fail__errbuf(cx, &e)
        : 0;
}

Test(migrate, run_c_forwards_and_backwards) {
    dorm_app app = shop();
    app.functions = DORM_RUNCS({"fill_rows", fill_rows}, {"empty_rows", empty_rows});
    write_migration("0001_initial", INITIAL);
    write_migration("0002_data",
                    "{\"dependencies\": [[\"shop\", \"0001_initial\"]], \"operations\": [{\"operation\": "
                    "\"RunC\", \"code\": \"fill_rows\", \"reverse_code\": \"empty_rows\"}]}");
    cr_assert_eq(migrate_to(&app, NULL), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(scalar("SELECT COUNT(*) FROM \"shop_product\""), 3);
    cr_assert_eq(migrate_to(&app, "0001"), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(scalar("SELECT COUNT(*) FROM \"shop_product\""), 0);
    write_migration("0003_bad",
                    "{\"dependencies\": [[\"shop\", \"0002_data\"]], \"operations\": [{\"operation\": "
                    "\"RunC\", \"code\": \"missing\"}]}");
    cr_assert_neq(migrate_to(&app, NULL), 0);
    cr_expect(strstr(dorm_errmsg(T.cx), "RunC: app 'shop' registers no function named 'missing'."), "%s",
              dorm_errmsg(T.cx));
    cr_expect_eq(scalar("SELECT COUNT(*) FROM \"dorm_migrations\""), 2, "0002 applied, 0003 not");
}

Test(migrate, fake_and_fake_initial) {
    dorm_app app = shop();
    write_migration("0001_initial", INITIAL);
    exec_ok("CREATE TABLE \"shop_product\" (\"id\" integer PRIMARY KEY, \"name\" varchar(50) NOT NULL)");
    cr_assert_neq(migrate_to(&app, NULL), 0, "the table exists already");
    int rc = dorm_migrate(T.cx, (const dorm_app *const[]){&app, NULL}, &(dorm_migrate_opts){.fake_initial = true});
    cr_assert_eq(rc, 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(scalar("SELECT COUNT(*) FROM \"dorm_migrations\""), 1);
    rc = dorm_migrate(T.cx, (const dorm_app *const[]){&app, NULL},
                      &(dorm_migrate_opts){.app = "shop", .target = "zero", .fake = true});
    cr_assert_eq(rc, 0, "%s", dorm_errmsg(T.cx));
    cr_expect(table_exists("shop_product"), "--fake runs nothing");
    cr_expect_eq(scalar("SELECT COUNT(*) FROM \"dorm_migrations\""), 0);
}

Test(migrate, sqlmigrate_and_showmigrations) {
    dorm_app app = shop();
    write_migration("0001_initial", INITIAL);
    const dorm_app *apps[] = {&app, NULL};
    const char *sql = test_sql_std(dorm_sqlmigrate(T.cx, apps, "shop", "0001", false));
    /* No transaction around DDL where DDL commits (MySQL), as Django prints it. */
    const char *begin = test_db_on_mysql() ? "" : "BEGIN;\n";
    cr_expect(strncmp(sql, begin, strlen(begin)) == 0, "%s", sql);
    cr_expect(strstr(sql, "--\n-- Create model Product\n--\nCREATE TABLE \"shop_product\" (\"id\" "), "%s", sql);
    cr_expect(!strstr(sql, "COMMIT;\n") == test_db_on_mysql(), "%s", sql);
    sql = test_sql_std(dorm_sqlmigrate(T.cx, apps, "shop", "0001", true));
    cr_expect(strstr(sql, "DROP TABLE \"shop_product\";\n"), "%s", sql);
    cr_expect_str_eq(test_showmigrations(apps, false), "shop\n [ ] 0001_initial\n");
    cr_assert_eq(migrate_to(&app, NULL), 0);
    cr_expect_str_eq(test_showmigrations(apps, true), "[X]  shop.0001_initial\n");
    cr_expect_null(dorm_sqlmigrate(T.cx, apps, "shop", "0009", false));
    cr_expect_str_eq(dorm_errmsg(T.cx), "Cannot find a migration matching '0009' from app 'shop'.");
}

Test(migrate, files_are_checked) {
    dorm_app app = shop();
    write_migration("0001_initial",
                    "{\"dependencies\": [], \"operations\": [{\"operation\": \"CreateModel\", \"name\": "
                    "\"Product\", \"fields\": [[\"id\", {\"type\": \"AutoField\", \"primary_key\": true}], "
                    "[\"x\\\"; DROP TABLE y; --\", {\"type\": \"IntegerField\"}]]}]}");
    cr_assert_neq(migrate_to(&app, NULL), 0);
    cr_expect(strstr(dorm_errmsg(T.cx), "0001_initial.json: operation 1: invalid field name"), "%s", dorm_errmsg(T.cx));
    write_migration("0001_initial", "{\"dependencies\": [[\"shop\", \"0000_none\"]], \"operations\": []}");
    cr_assert_neq(migrate_to(&app, NULL), 0);
    cr_expect_str_eq(dorm_errmsg(T.cx),
                     "Migration shop.0001_initial dependencies reference nonexistent parent node "
                     "('shop', '0000_none')");
    write_migration("0001_initial", "{\"dependencies\": [], \"operations\": [{\"operation\": \"DropEverything\"}]}");
    cr_assert_neq(migrate_to(&app, NULL), 0);
    cr_expect(strstr(dorm_errmsg(T.cx), "operation 1: unknown operation 'DropEverything'"), "%s", dorm_errmsg(T.cx));
}

Test(migrate, model_level_operations_both_ways) {
    dorm_app app = shop();
    write_migration("0001_initial", INITIAL);
    write_migration(
        "0002_more",
        "{\"dependencies\": [[\"shop\", \"0001_initial\"]], \"operations\": ["
        "{\"operation\": \"CreateModel\", \"name\": \"Tag\", \"fields\": [[\"id\", {\"type\": \"AutoField\", "
        "\"primary_key\": true}], [\"label\", {\"type\": \"CharField\", \"max_length\": 20}]]},"
        "{\"operation\": \"AddField\", \"model_name\": \"product\", \"name\": \"tags\", \"field\": "
        "{\"type\": \"ManyToManyField\", \"to\": \"shop.tag\"}},"
        "{\"operation\": \"AddField\", \"model_name\": \"product\", \"name\": \"main_tag\", \"field\": "
        "{\"type\": \"ForeignKey\", \"to\": \"shop.tag\", \"on_delete\": \"SET_NULL\", \"null\": true}},"
        "{\"operation\": \"AlterUniqueTogether\", \"name\": \"product\", \"unique_together\": [[\"name\", "
        "\"main_tag\"]]},"
        "{\"operation\": \"AddIndex\", \"model_name\": \"tag\", \"index\": {\"fields\": [\"label\"], \"name\": "
        "\"tag_label_idx\"}},"
        "{\"operation\": \"RenameIndex\", \"model_name\": \"tag\", \"old_name\": \"tag_label_idx\", \"new_name\": "
        "\"tag_lbl_idx\"},"
        "{\"operation\": \"AddConstraint\", \"model_name\": \"tag\", \"constraint\": {\"type\": \"UniqueConstraint\", "
        "\"name\": \"tag_label_uniq\", \"fields\": [\"label\"]}},"
        "{\"operation\": \"AlterModelOptions\", \"name\": \"tag\", \"options\": {\"ordering\": [\"label\"]}},"
        "{\"operation\": \"RenameModel\", \"old_name\": \"Tag\", \"new_name\": \"Label\"}]}");
    cr_assert_eq(migrate_to(&app, NULL), 0, "%s", dorm_errmsg(T.cx));
    cr_expect(table_exists("shop_label"));
    cr_expect(table_exists("shop_product_tags"));
    exec_ok("INSERT INTO \"shop_label\" (\"label\") VALUES ('red')");
    dorm_errbuf e = {0, ""};
    cr_expect_neq(dorm_db__exec(T.db, "INSERT INTO \"shop_label\" (\"label\") VALUES ('red')", &e), 0, "unique label");
    exec_ok("INSERT INTO \"shop_product\" (\"name\", \"main_tag_id\") VALUES ('pen', 1)");
    cr_expect_neq(dorm_db__exec(T.db, "INSERT INTO \"shop_product\" (\"name\", \"main_tag_id\") VALUES ('pen', 1)", &e),
                  0, "unique together");
    /* As Django: a UNIQUE constraint on PostgreSQL, and the key to the renamed
     * model re-created under the name of its new table. */
    if (strncmp(test_db_url(), "postgres", 8) == 0) {
        cr_expect_eq(
            scalar("SELECT COUNT(*) FROM pg_constraint WHERE conrelid = 'shop_product'::regclass AND contype = "
                   "'u' AND conname LIKE 'shop_product_name_main_tag_id_%_uniq'"),
            1);
        cr_expect_eq(
            scalar("SELECT COUNT(*) FROM pg_constraint WHERE conrelid = 'shop_product'::regclass AND contype = "
                   "'f' AND conname LIKE 'shop_product_main_tag_id_%_fk_shop_label_id'"),
            1);
        cr_expect_eq(scalar("SELECT COUNT(*) FROM pg_constraint WHERE conrelid = 'shop_product_tags'::regclass AND "
                            "contype = 'f' AND conname LIKE 'shop_product_tags_label_id_%_fk_shop_label_id'"),
                     1);
    }
    /* On PostgreSQL the indexes whose names follow a renamed table or column
     * are renamed, not built again over every row. */
    if (strncmp(test_db_url(), "postgres", 8) == 0) {
        const char *sql = dorm_sqlmigrate(T.cx, (const dorm_app *const[]){&app, NULL}, "shop", "0002", false);
        cr_assert_not_null(sql, "%s", dorm_errmsg(T.cx));
        cr_expect(strstr(sql, "ALTER INDEX \"shop_product_tags_tag_id_"), "%s", sql);
        cr_expect(strstr(sql, "RENAME CONSTRAINT \"shop_product_tags_product_id_tag_id_"), "%s", sql);
        cr_expect_null(strstr(sql, "DROP INDEX"), "%s", sql);
    }
    /* RenameModel renamed the join table's key column after the model, as Django. */
    exec_ok("INSERT INTO \"shop_product_tags\" (\"product_id\", \"label_id\") VALUES (1, 1)");
    /* Back: the join table, key, constraints and the model go; the product stays. */
    cr_assert_eq(migrate_to(&app, "0001"), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_not(table_exists("shop_label"));
    cr_expect_not(table_exists("shop_tag"));
    cr_expect_not(table_exists("shop_product_tags"));
    cr_expect_eq(scalar("SELECT COUNT(*) FROM \"shop_product\" WHERE \"name\" = 'pen'"), 1);
    /* And forwards again from there. */
    exec_ok("DELETE FROM \"shop_product\"");
    cr_assert_eq(migrate_to(&app, NULL), 0, "%s", dorm_errmsg(T.cx));
    cr_expect(table_exists("shop_label"));
}

Test(migrate, concurrent_processes_apply_once) {
    if (strncmp(test_db_url(), "sqlite://:memory:", 17) == 0) {
        /* Processes cannot share an in-memory database: use a file. */
        char url[128];
        snprintf(url, sizeof url, "sqlite:///%s/db.sqlite3", dir);
        setenv("DORM_CONCURRENT_URL", url, 1);
    } else {
        setenv("DORM_CONCURRENT_URL", test_db_url(), 1);
    }
    write_migration("0001_initial", INITIAL);
    write_migration("0002_slow",
                    "{\"dependencies\": [[\"shop\", \"0001_initial\"]], \"operations\": [{\"operation\": "
                    "\"AddField\", \"model_name\": \"product\", \"name\": \"price\", \"field\": {\"type\": "
                    "\"IntegerField\", \"default\": 1}}]}");
    dorm_app app = shop();
    const dorm_app *apps[] = {&app, NULL};
    pid_t kids[2];
    for (int k = 0; k < 2; k++) {
        kids[k] = fork();
        cr_assert_neq(kids[k], -1);
        if (kids[k] == 0) {
            dorm_registry *reg = dorm_registry_new(apps);
            dorm_db *db = dorm_db_open(getenv("DORM_CONCURRENT_URL"), reg);
            dorm_ctx *cx = dorm_ctx_new(db);
            /* On a server each test has its own schema: use the same one. */
            dorm_errbuf e = {0, ""};
            test_db_use_schema(db, &e);
            int rc = dorm_migrate(cx, apps, &(dorm_migrate_opts){.verbosity = 0});
            if (rc) fprintf(stderr, "child: %s\n", dorm_errmsg(cx));
            _exit(rc == 0 ? 0 : 1);
        }
    }
    int ok = 0;
    for (int k = 0; k < 2; k++) {
        int status = 0;
        waitpid(kids[k], &status, 0);
        ok += WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }
    cr_expect_eq(ok, 2, "both runs succeed: the second finds the work done");
    if (strncmp(test_db_url(), "postgres", 8) == 0)
        cr_expect_eq(scalar("SELECT COUNT(*) FROM \"dorm_migrations\""), 2, "each migration recorded once");
}

/* As Django, the indexes and foreign keys of consecutive CreateModels follow
 * all their CREATE TABLEs (sqlmigrate shows it); makemigrations' shape for
 * two models pointing at each other (the second key added by AddField)
 * applies and goes back on both backends. */
Test(migrate, create_models_defer_their_keys) {
    dorm_app app = shop();
    write_migration(
        "0001_initial",
        "{\"initial\": true, \"dependencies\": [], \"operations\": ["
        "{\"operation\": \"CreateModel\", \"name\": \"Hen\", \"fields\": [[\"id\", {\"type\": \"AutoField\", "
        "\"primary_key\": true}], [\"name\", {\"type\": \"CharField\", \"max_length\": 20, \"db_index\": true}]]},"
        "{\"operation\": \"CreateModel\", \"name\": \"Egg\", \"fields\": [[\"id\", {\"type\": \"AutoField\", "
        "\"primary_key\": true}], [\"mother\", {\"type\": \"ForeignKey\", \"to\": \"shop.hen\", "
        "\"on_delete\": \"CASCADE\"}]]},"
        "{\"operation\": \"AddField\", \"model_name\": \"hen\", \"name\": \"favourite\", \"field\": "
        "{\"type\": \"ForeignKey\", \"to\": \"shop.egg\", \"on_delete\": \"SET_NULL\", \"null\": true, "
        "\"related_name\": \"+\"}}]}");
    const dorm_app *apps[] = {&app, NULL};
    const char *sql = test_sql_std(dorm_sqlmigrate(T.cx, apps, "shop", "0001", false));
    const char *egg = strstr(sql, "CREATE TABLE \"shop_egg\""),
               *hen_index = strstr(sql, "CREATE INDEX \"shop_hen_name_");
    const char *add = strstr(sql, "-- Add field favourite to hen");
    cr_assert(egg && hen_index && add && egg < hen_index && hen_index < add, "%s", sql);
    cr_assert_eq(migrate_to(&app, NULL), 0, "%s", dorm_errmsg(T.cx));
    exec_ok("INSERT INTO \"shop_hen\" (\"name\") VALUES ('Ginger')");
    exec_ok("INSERT INTO \"shop_egg\" (\"mother_id\") VALUES (1)");
    exec_ok("UPDATE \"shop_hen\" SET \"favourite_id\" = 1");
    cr_assert_eq(migrate_to(&app, "zero"), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_not(table_exists("shop_hen"));
}

/* migrate's output into a string (the plan, progress lines, notices). */
static const char *migrate_output(const dorm_app *app, const dorm_migrate_opts *opts, int *rc) {
    char *buf = NULL;
    size_t len = 0;
    dorm_migrate_opts o = *opts;
    o.out = open_memstream(&buf, &len);
    *rc = dorm_migrate(T.cx, (const dorm_app *const[]){app, NULL}, &o);
    fclose(o.out);
    const char *r = dorm_strdup(T.cx, buf ? buf : "");
    free(buf);
    return r;
}

static int noop(dorm_ctx *cx, dorm_progress *p) {
    (void)cx, (void)p;
    return 0;
}

#define PRICE                                                                                            \
    "{\"dependencies\": [[\"shop\", \"0001_initial\"]], \"operations\": [{\"operation\": \"AddField\", " \
    "\"model_name\": \"product\", \"name\": \"price\", \"field\": {\"type\": \"IntegerField\", \"default\": 7}}]}"

/* --plan prints Django's plan (operations in their own order either way,
 * "Undo" backwards, RunSQL's statement cut to 40 characters, IRREVERSIBLE)
 * and changes nothing. */
Test(migrate, plan_prints_what_would_run) {
    dorm_app app = shop();
    write_migration("0001_initial", INITIAL);
    write_migration("0002_product_price", PRICE);
    write_migration("0003_data",
                    "{\"dependencies\": [[\"shop\", \"0002_product_price\"]], \"operations\": [{\"operation\": "
                    "\"RunSQL\", \"sql\": \"UPDATE \\\"shop_product\\\" SET \\\"price\\\" = 8\"}, "
                    "{\"operation\": \"RunC\", \"code\": \"noop\"}]}");
    int rc;
    const char *out = migrate_output(&app, &(dorm_migrate_opts){.plan = true, .verbosity = 1}, &rc);
    cr_assert_eq(rc, 0, "%s", dorm_errmsg(T.cx));
    cr_expect_str_eq(out,
                     "Planned operations:\n"
                     "shop.0001_initial\n    Create model Product\n"
                     "shop.0002_product_price\n    Add field price to product\n"
                     "shop.0003_data\n    Raw SQL operation -> UPDATE \"shop_product\" SET \"price\" =\xe2\x80\xa6\n"
                     "    Raw C operation\n");
    cr_expect_not(table_exists("shop_product"), "--plan runs nothing");
    cr_expect_eq(scalar("SELECT COUNT(*) FROM \"dorm_migrations\""), 0);
    cr_assert_eq(migrate_to(&app, "0002"), 0, "%s", dorm_errmsg(T.cx));
    out = migrate_output(&app, &(dorm_migrate_opts){.plan = true, .app = "shop", .target = "0002"}, &rc);
    cr_expect_str_eq(out, "Planned operations:\n  No planned migration operations.\n");
    out = migrate_output(&app, &(dorm_migrate_opts){.plan = true, .app = "shop", .target = "zero"}, &rc);
    cr_expect_str_eq(out,
                     "Planned operations:\n"
                     "shop.0002_product_price\n    Undo Add field price to product\n"
                     "shop.0001_initial\n    Undo Create model Product\n");
    /* Back over RunSQL and RunC that have no way back. */
    app.functions = DORM_RUNCS({"noop", noop});
    cr_assert_eq(migrate_to(&app, NULL), 0, "%s", dorm_errmsg(T.cx));
    out = migrate_output(&app, &(dorm_migrate_opts){.plan = true, .app = "shop", .target = "0002"}, &rc);
    cr_expect_str_eq(out,
                     "Planned operations:\n"
                     "shop.0003_data\n    Raw SQL operation -> IRREVERSIBLE\n    Raw C operation -> IRREVERSIBLE\n");
    cr_expect_eq(scalar("SELECT COUNT(*) FROM \"dorm_migrations\""), 3);
}

#define ADD_FIELD(dep, field)                                                                                       \
    "{\"dependencies\": [[\"shop\", \"" dep "\"]], \"operations\": [{\"operation\": \"AddField\", \"model_name\": " \
    "\"product\", \"name\": \"" field "\", \"field\": {\"type\": \"IntegerField\", \"null\": true}}]}"

static const char *makemigrations_output(const dorm_app *app, const dorm_makemigrations_opts *opts, int *rc) {
    char *buf = NULL;
    size_t len = 0;
    dorm_makemigrations_opts o = *opts;
    o.out = open_memstream(&buf, &len);
    *rc = dorm_makemigrations(T.cx, (const dorm_app *const[]){app, NULL}, &o);
    fclose(o.out);
    const char *r = dorm_strdup(T.cx, buf ? buf : "");
    free(buf);
    return r;
}

/* Two migrations after the same one: migrate and makemigrations refuse with
 * Django's message; makemigrations --merge joins them; then all applies. */
Test(migrate, two_leaves_conflict_until_merged) {
    dorm_app app = shop();
    write_migration("0001_initial", INITIAL);
    write_migration("0002_a", ADD_FIELD("0001_initial", "a"));
    write_migration("0002_b", ADD_FIELD("0001_initial", "b"));
    const char *conflict = "Conflicting migrations detected; multiple leaf nodes in the migration graph: (0002_a, "
                           "0002_b in shop).\nTo fix them run 'manage makemigrations --merge'";
    cr_assert_neq(migrate_to(&app, NULL), 0);
    cr_expect_str_eq(dorm_errmsg(T.cx), conflict);
    cr_expect_not(table_exists("shop_product"), "nothing applied");
    int rc;
    makemigrations_output(&app, &(dorm_makemigrations_opts){.verbosity = 1}, &rc);
    cr_expect_lt(rc, 0);
    cr_expect_str_eq(dorm_errmsg(T.cx), conflict);
    const char *out = makemigrations_output(&app, &(dorm_makemigrations_opts){.merge = true, .verbosity = 1}, &rc);
    cr_assert_eq(rc, 0, "%s", dorm_errmsg(T.cx));
    cr_expect_str_eq(out,
                     dorm_sprintf(T.cx,
                                  "Merging shop\n  Branch 0002_a\n    - Add field a to product\n  Branch "
                                  "0002_b\n    - Add field b to product\n\nCreated new merge migration "
                                  "%s/0003_merge_0002_a_0002_b.json\n",
                                  dir));
    dorm_migration *m = dorm_migration__read(T.cx, NULL, "shop", test_tmpdir_path("0003_merge_0002_a_0002_b.json"));
    cr_assert_not_null(m, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(m->nops, 0);
    cr_assert_eq(m->ndeps, 2);
    cr_expect_str_eq(m->deps[0].name, "0002_a");
    cr_expect_str_eq(m->deps[1].name, "0002_b");
    cr_assert_eq(migrate_to(&app, NULL), 0, "%s", dorm_errmsg(T.cx));
    exec_ok("INSERT INTO \"shop_product\" (\"name\", \"a\", \"b\") VALUES ('pen', 1, 2)");
    cr_expect_eq(scalar("SELECT COUNT(*) FROM \"dorm_migrations\""), 4);
    out = makemigrations_output(&app, &(dorm_makemigrations_opts){.merge = true, .verbosity = 1}, &rc);
    cr_expect_str_eq(out, "No conflicts detected to merge.\n");
    /* --name names the merge; interactively it asks first. */
    write_migration("0004_c", ADD_FIELD("0003_merge_0002_a_0002_b", "c"));
    write_migration("0004_d", ADD_FIELD("0003_merge_0002_a_0002_b", "d"));
    FILE *in = fmemopen((void *)"n\n", 3, "r");
    out = makemigrations_output(
        &app, &(dorm_makemigrations_opts){.merge = true, .interactive = true, .in = in, .name = "join", .verbosity = 1},
        &rc);
    fclose(in);
    cr_expect(strstr(out, "Do you want to merge these migration branches? [y/N] "), "%s", out);
    FILE *probe = fopen(test_tmpdir_path("0005_join.json"), "r");
    cr_expect_null(probe, "answered no: nothing written");
    if (probe) fclose(probe);
    makemigrations_output(&app, &(dorm_makemigrations_opts){.merge = true, .name = "join"}, &rc);
    cr_assert_eq(rc, 0, "%s", dorm_errmsg(T.cx));
    cr_expect_not_null(dorm_migration__read(T.cx, NULL, "shop", test_tmpdir_path("0005_join.json")), "%s",
                       dorm_errmsg(T.cx));
    /* A --name that is not an identifier could leave the folder: refused. */
    makemigrations_output(&app, &(dorm_makemigrations_opts){.name = "../escape"}, &rc);
    cr_expect_lt(rc, 0);
    cr_expect_str_eq(dorm_errmsg(T.cx),
                     "The migration name must be a valid identifier (letters, digits and underscores).");
}

#define CONCURRENT_INDEX(atomic, op)                                                                               \
    "{" atomic "\"dependencies\": [[\"shop\", \"0001_initial\"]], \"operations\": [{\"operation\": \"AddField\", " \
    "\"model_name\": \"product\", \"name\": \"note\", \"field\": {\"type\": \"TextField\", \"null\": true}}, "     \
    "{\"operation\": \"" op "\", \"model_name\": \"product\", \"index\": {\"fields\": [\"name\"], \"name\": "      \
    "\"shop_name_idx\"}}]}"

/* AddIndexConcurrently (django.contrib.postgres) inside a transaction is
 * refused with Django's message, on every backend with transactional DDL,
 * and nothing is applied.  MariaDB runs no migration in a transaction
 * (Django's atomic_migration needs can_rollback_ddl): there the operation
 * is refused as PostgreSQL's, after the AddField before it ran. */
Test(migrate, concurrently_needs_a_non_atomic_migration) {
    dorm_app app = shop();
    write_migration("0001_initial", INITIAL);
    write_migration("0002_index", CONCURRENT_INDEX("", "AddIndexConcurrently"));
    bool tx = test_db_dialect()->transactional_ddl;
    const char *msg = tx
        ? "The AddIndexConcurrently operation cannot be executed inside a transaction (set \"atomic\": "
          "false on the migration)."
        : "The AddIndexConcurrently operation is not supported on mysql: it is PostgreSQL's.";
    cr_assert_neq(migrate_to(&app, NULL), 0);
    cr_expect(strstr(dorm_errmsg(T.cx), msg), "%s", dorm_errmsg(T.cx));
    cr_expect(strstr(dorm_errmsg(T.cx),
                     "operation 2 (Concurrently create index shop_name_idx on field(s) name of model "
                     "product)"),
              "%s", dorm_errmsg(T.cx));
    cr_expect_eq(scalar("SELECT COUNT(*) FROM \"dorm_migrations\""), 1, "0002 not recorded");
    exec_ok("INSERT INTO \"shop_product\" (\"name\") VALUES ('pen')");
    dorm_errbuf e = {0, ""};
    cr_expect_eq(dorm_db__exec(T.db, "INSERT INTO \"shop_product\" (\"name\", \"note\") VALUES ('x', 'y')", &e) == 0,
                 !tx, "the AddField rolled back only with transactional DDL: %s", e.msg);
    cr_expect_null(dorm_sqlmigrate(T.cx, (const dorm_app *const[]){&app, NULL}, "shop", "0002", false));
    cr_expect(strstr(dorm_errmsg(T.cx), msg), "%s", dorm_errmsg(T.cx));
}

/* "atomic": false: each operation in its own transaction, the CONCURRENTLY
 * ones in none (PostgreSQL), the record at the end; elsewhere the
 * concurrent index is refused, and what ran before it stays, as in Django. */
Test(migrate, non_atomic_migration) {
    dorm_app app = shop();
    const dorm_app *apps[] = {&app, NULL};
    write_migration("0001_initial", INITIAL);
    write_migration("0002_index", CONCURRENT_INDEX("\"atomic\": false, ", "AddIndexConcurrently"));
    bool pg = strncmp(test_db_url(), "postgres", 8) == 0;
    if (!pg) {
        cr_assert_neq(migrate_to(&app, NULL), 0);
        char want[96];
        snprintf(want, sizeof want, "The AddIndexConcurrently operation is not supported on %s: it is PostgreSQL's.",
                 dorm_db_vendor(T.db));
        cr_expect(strstr(dorm_errmsg(T.cx), want), "%s", dorm_errmsg(T.cx));
        exec_ok("INSERT INTO \"shop_product\" (\"name\", \"note\") VALUES ('kept', 'the first operation stays')");
        cr_expect_eq(scalar("SELECT COUNT(*) FROM \"dorm_migrations\""), 1, "0002 not recorded");
        return;
    }
    const char *sql = dorm_sqlmigrate(T.cx, apps, "shop", "0002", false);
    cr_assert_not_null(sql, "%s", dorm_errmsg(T.cx));
    cr_expect_null(strstr(sql, "BEGIN;"), "no transaction: %s", sql);
    cr_expect(strstr(sql, "CREATE INDEX CONCURRENTLY \"shop_name_idx\" ON \"shop_product\" (\"name\");\n"), "%s", sql);
    sql = dorm_sqlmigrate(T.cx, apps, "shop", "0002", true);
    cr_expect(strstr(sql, "DROP INDEX CONCURRENTLY IF EXISTS \"shop_name_idx\";\n"), "%s", sql);
    cr_assert_eq(migrate_to(&app, NULL), 0, "%s", dorm_errmsg(T.cx));
    const char *idx =
        "SELECT COUNT(*) FROM pg_indexes WHERE schemaname = current_schema() AND indexname = 'shop_name_idx'";
    cr_expect_eq(scalar(idx), 1);
    cr_expect_eq(scalar("SELECT COUNT(*) FROM \"dorm_migrations\""), 2);
    write_migration("0003_drop",
                    "{\"atomic\": false, \"dependencies\": [[\"shop\", \"0002_index\"]], \"operations\": "
                    "[{\"operation\": \"RemoveIndexConcurrently\", \"model_name\": \"product\", \"name\": "
                    "\"shop_name_idx\"}]}");
    cr_assert_eq(migrate_to(&app, NULL), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(scalar(idx), 0);
    cr_assert_eq(migrate_to(&app, "0001"), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(scalar(idx), 0, "built again by 0003 backwards, dropped by 0002 backwards");
    cr_expect_eq(scalar("SELECT COUNT(*) FROM \"dorm_migrations\""), 1);
}

/* A failing operation of a non-atomic migration keeps the ones before it
 * and leaves the migration unrecorded (Django's non-atomic migrations). */
Test(migrate, non_atomic_failure_keeps_earlier_operations) {
    dorm_app app = shop();
    write_migration("0001_initial", INITIAL);
    write_migration(
        "0002_broken",
        "{\"atomic\": false, \"dependencies\": [[\"shop\", \"0001_initial\"]], \"operations\": ["
        "{\"operation\": \"AddField\", \"model_name\": \"product\", \"name\": \"note\", \"field\": "
        "{\"type\": \"TextField\", \"null\": true}},"
        "{\"operation\": \"RunSQL\", \"sql\": [\"INSERT INTO no_such_table VALUES (1)\"], \"reverse_sql\": []}]}");
    cr_assert_neq(migrate_to(&app, NULL), 0);
    cr_expect(strstr(dorm_errmsg(T.cx), "shop.0002_broken, operation 2 (Raw SQL operation): "), "%s",
              dorm_errmsg(T.cx));
    exec_ok("INSERT INTO \"shop_product\" (\"name\", \"note\") VALUES ('x', 'added by operation 1')");
    cr_expect_eq(scalar("SELECT COUNT(*) FROM \"dorm_migrations\""), 1);
}

/* Tables named like the database's own catalogue, and numbers out of their
 * range, are refused when the file is read or applied. */
Test(migrate, reserved_names_and_ranges_in_files) {
    dorm_app app = shop();
    const char *fmt = "{\"dependencies\": [], \"operations\": [{\"operation\": \"CreateModel\", \"name\": \"%s\", "
                      "\"fields\": [[\"id\", {\"type\": \"AutoField\", \"primary_key\": true}], [\"qty\", {\"type\": "
                      "\"IntegerField\"%s}]]%s}]}";
    write_migration("0001_initial",
                    dorm_sprintf(T.cx, fmt, "Master", "", ", \"options\": {\"db_table\": \"sqlite_master\"}"));
    cr_assert_neq(migrate_to(&app, NULL), 0);
    cr_expect(strstr(dorm_errmsg(T.cx), "the table name 'sqlite_master' is reserved for the database's own tables"),
              "%s", dorm_errmsg(T.cx));
    write_migration("0001_initial", dorm_sprintf(T.cx, fmt, "Proc", "", ", \"options\": {\"db_table\": \"PG_proc\"}"));
    cr_assert_neq(migrate_to(&app, NULL), 0);
    cr_expect(strstr(dorm_errmsg(T.cx), "the table name 'PG_proc' is reserved"), "%s", dorm_errmsg(T.cx));
    /* The table a name makes: app "pg" and model Class would be pg_class. */
    dorm_app pg = {.label = "pg", .models = test_empty_app.models, .migrations_dir = dir};
    write_migration("0001_initial", dorm_sprintf(T.cx, fmt, "Class", "", ""));
    cr_assert_neq(dorm_migrate(T.cx, (const dorm_app *const[]){&pg, NULL}, &(dorm_migrate_opts){.verbosity = 0}), 0);
    cr_expect(strstr(dorm_errmsg(T.cx), "the table name 'pg_class' is reserved"), "%s", dorm_errmsg(T.cx));
    write_migration("0001_initial", dorm_sprintf(T.cx, fmt, "Item", "", ""));
    write_migration("0002_rename",
                    "{\"dependencies\": [[\"shop\", \"0001_initial\"]], \"operations\": [{\"operation\": "
                    "\"AlterModelTable\", \"name\": \"item\", \"table\": \"sqlite_sequence\"}]}");
    cr_assert_neq(migrate_to(&app, NULL), 0);
    cr_expect(strstr(dorm_errmsg(T.cx), "'sqlite_sequence' is reserved"), "%s", dorm_errmsg(T.cx));
    cr_expect_not(table_exists("shop_item"), "refused before anything ran");
    remove(test_tmpdir_path("0002_rename.json"));
    /* A length past int, and an integer default out of its field's range. */
    write_migration("0001_initial",
                    "{\"dependencies\": [], \"operations\": [{\"operation\": \"CreateModel\", \"name\": "
                    "\"Item\", \"fields\": [[\"id\", {\"type\": \"AutoField\", \"primary_key\": true}], "
                    "[\"name\", {\"type\": \"CharField\", \"max_length\": 99999999999}]]}]}");
    cr_assert_neq(migrate_to(&app, NULL), 0);
    cr_expect(strstr(dorm_errmsg(T.cx),
                     "0001_initial.json: operation 1: \"max_length\" must be between 1 and 2147483647 "
                     "(got 99999999999)"),
              "%s", dorm_errmsg(T.cx));
    write_migration("0001_initial", dorm_sprintf(T.cx, fmt, "Item", ", \"default\": 1e300", ""));
    cr_assert_neq(migrate_to(&app, NULL), 0);
    cr_expect(strstr(dorm_errmsg(T.cx),
                     "field 'qty': default 1e+300 does not fit IntegerField (an integer from "
                     "-2147483648 to 2147483647)"),
              "%s", dorm_errmsg(T.cx));
    write_migration("0001_initial", dorm_sprintf(T.cx, fmt, "Item", ", \"default\": 3000000000", ""));
    cr_assert_neq(migrate_to(&app, NULL), 0);
    cr_expect(strstr(dorm_errmsg(T.cx), "default 3000000000 does not fit IntegerField"), "%s", dorm_errmsg(T.cx));
    write_migration("0001_initial", dorm_sprintf(T.cx, fmt, "Item", ", \"default\": 12.0", ""));
    cr_assert_eq(migrate_to(&app, NULL), 0, "an integral number fits: %s", dorm_errmsg(T.cx));
}
