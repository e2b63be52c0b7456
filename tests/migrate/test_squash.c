/* test_squash.c - squashmigrations: the folded operations, and the replaces
 * rule on a fresh database (the squashed migration runs), on one that
 * applied some originals (they carry on) and on one that applied all (the
 * squashed one is recorded without running). */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/db.h"
#include "migrate/migration.h"
#include "testdb.h"

static const char *dir;

static void open_empty(void) {
    test_db_open_apps((const dorm_app *const[]){&test_empty_app, NULL});
    dir = test_tmpdir_make("dorm-sq");
}

static void close_empty(void) {
    test_tmpdir_remove();
    test_db_close();
}

TestSuite(squash, .init = open_empty, .fini = close_empty);

static void write_migration(const char *name, const char *json) { test_write_file(dorm_sprintf(T.cx, "%s.json", name), json); }

static int64_t scalar(const char *sql) { return test_scalar(sql); }

static void three_migrations(void) {
    write_migration("0001_initial",
                    "{\"initial\": true, \"dependencies\": [], \"operations\": [{\"operation\": \"CreateModel\", \"name\": "
                    "\"Product\", \"fields\": [[\"id\", {\"type\": \"AutoField\", \"primary_key\": true}], [\"name\", "
                    "{\"type\": \"CharField\", \"max_length\": 50}], [\"note\", {\"type\": \"TextField\", \"null\": true}]]}]}");
    write_migration("0002_product_price",
                    "{\"dependencies\": [[\"shop\", \"0001_initial\"]], \"operations\": [{\"operation\": \"AddField\", "
                    "\"model_name\": \"product\", \"name\": \"price\", \"field\": {\"type\": \"IntegerField\", \"default\": 1}}]}");
    write_migration("0003_tidy",
                    "{\"dependencies\": [[\"shop\", \"0002_product_price\"]], \"operations\": ["
                    "{\"operation\": \"RemoveField\", \"model_name\": \"product\", \"name\": \"note\"},"
                    "{\"operation\": \"AlterField\", \"model_name\": \"product\", \"name\": \"name\", \"field\": "
                    "{\"type\": \"CharField\", \"max_length\": 80}},"
                    "{\"operation\": \"RunC\", \"code\": \"noop\", \"elidable\": true}]}");
}

static int migrate(const dorm_app *app, const char *target) {
    return dorm_migrate(T.cx, (const dorm_app *const[]){app, NULL},
                        &(dorm_migrate_opts){.app = target ? "shop" : NULL, .target = target, .verbosity = 0});
}

static int noop(dorm_ctx *cx, dorm_progress *p) {
    (void)cx, (void)p;
    return 0;
}

Test(squash, folds_and_replaces) {
    three_migrations();
    dorm_app app = {.label = "shop", .models = test_empty_app.models, .migrations_dir = dir, .functions = DORM_RUNCS({"noop", noop})};
    const dorm_app *apps[] = {&app, NULL};
    cr_assert_eq(dorm_squash(T.cx, apps, "shop", NULL, "0003", NULL, NULL), 0, "%s", dorm_errmsg(T.cx));
    dorm_migration *m = dorm_migration_read(T.cx, "shop", test_tmpdir_path("0001_squashed_0003_tidy.json"));
    cr_assert_not_null(m, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(m->nops, 1, "one CreateModel with the final fields");
    cr_expect_eq(m->ops[0].kind, DORM_OP_CREATE_MODEL);
    cr_expect_eq(m->ops[0].create->nfields, 3);
    cr_expect_str_eq(m->ops[0].create->fields[2].f.name, "price");
    cr_expect_eq(m->ops[0].create->fields[1].f.max_length, 80);
    cr_expect_eq(m->nreplaces, 3);
    cr_expect(m->initial);
    /* A fresh database runs the squashed migration only. */
    cr_assert_eq(migrate(&app, NULL), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(scalar("SELECT COUNT(*) FROM \"dorm_migrations\""), 1);
    cr_expect_eq(scalar("SELECT COUNT(*) FROM \"dorm_migrations\" WHERE \"name\" = '0001_squashed_0003_tidy'"), 1);
    dorm_errbuf e = {0, ""};
    cr_expect_eq(dorm_db_exec(T.db, "INSERT INTO \"shop_product\" (\"name\", \"price\") VALUES ('pen', 2)", &e), 0, "%s", e.msg);
}

Test(squash, databases_that_applied_the_originals) {
    three_migrations();
    dorm_app app = {.label = "shop", .models = test_empty_app.models, .migrations_dir = dir, .functions = DORM_RUNCS({"noop", noop})};
    cr_assert_eq(migrate(&app, "0001"), 0, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_squash(T.cx, (const dorm_app *const[]){&app, NULL}, "shop", "0001", "0003_tidy", "all", NULL), 0,
                 "%s", dorm_errmsg(T.cx));
    /* Partly applied: the originals carry on; once all are applied the
     * squashed one is recorded too (Django's check_replacements). */
    cr_assert_eq(migrate(&app, NULL), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(scalar("SELECT COUNT(*) FROM \"dorm_migrations\" WHERE \"name\" LIKE '000%'"), 4);
    cr_expect_eq(scalar("SELECT COUNT(*) FROM \"dorm_migrations\" WHERE \"name\" = '0001_all'"), 1);
    cr_assert_eq(migrate(&app, NULL), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(scalar("SELECT COUNT(*) FROM \"dorm_migrations\" WHERE \"name\" = '0001_all'"), 1);
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    cr_assert_eq(dorm_showmigrations(T.cx, (const dorm_app *const[]){&app, NULL}, NULL, false, out), 0);
    fclose(out);
    cr_expect_str_eq(buf, "shop\n [X] 0001_all (3 squashed migrations)\n");
    free(buf);
}
