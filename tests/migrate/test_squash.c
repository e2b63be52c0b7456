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
#include "migrations.h"
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

static void write_migration(const char *name, const char *json) {
    test_write_file(dorm_sprintf(T.cx, "%s.json", name), json);
}

static int64_t scalar(const char *sql) { return test_scalar(sql); }

static void three_migrations(void) {
    write_migration(
        "0001_initial",
        "{\"initial\": true, \"dependencies\": [], \"operations\": [{\"operation\": \"CreateModel\", \"name\": "
        "\"Product\", \"fields\": [[\"id\", {\"type\": \"AutoField\", \"primary_key\": true}], [\"name\", "
        "{\"type\": \"CharField\", \"max_length\": 50}], [\"note\", {\"type\": \"TextField\", \"null\": true}]]}]}");
    write_migration(
        "0002_product_price",
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
    dorm_app app = {.label = "shop",
                    .models = test_empty_app.models,
                    .migrations_dir = dir,
                    .functions = DORM_RUNCS({"noop", noop})};
    const dorm_app *apps[] = {&app, NULL};
    cr_assert_eq(dorm__squash(T.cx, apps, "shop", NULL, "0003", NULL, NULL), 0, "%s", dorm_errmsg(T.cx));
    dorm_migration *m = dorm_migration__read(T.cx, NULL, "shop", test_tmpdir_path("0001_squashed_0003_tidy.json"));
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
    cr_expect_eq(dorm_db__exec(T.db, "INSERT INTO \"shop_product\" (\"name\", \"price\") VALUES ('pen', 2)", &e), 0,
                 "%s", e.msg);
}

Test(squash, databases_that_applied_the_originals) {
    three_migrations();
    dorm_app app = {.label = "shop",
                    .models = test_empty_app.models,
                    .migrations_dir = dir,
                    .functions = DORM_RUNCS({"noop", noop})};
    cr_assert_eq(migrate(&app, "0001"), 0, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm__squash(T.cx, (const dorm_app *const[]){&app, NULL}, "shop", "0001", "0003_tidy", "all", NULL), 0,
                 "%s", dorm_errmsg(T.cx));
    /* Partly applied: the originals carry on; once all are applied the
     * squashed one is recorded too (Django's check_replacements). */
    cr_assert_eq(migrate(&app, NULL), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(scalar("SELECT COUNT(*) FROM \"dorm_migrations\" WHERE \"name\" LIKE '000%'"), 4);
    cr_expect_eq(scalar("SELECT COUNT(*) FROM \"dorm_migrations\" WHERE \"name\" = '0001_all'"), 1);
    cr_assert_eq(migrate(&app, NULL), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(scalar("SELECT COUNT(*) FROM \"dorm_migrations\" WHERE \"name\" = '0001_all'"), 1);
    cr_expect_str_eq(test_showmigrations((const dorm_app *const[]){&app, NULL}, false),
                     "shop\n [X] 0001_all (3 squashed migrations)\n");
}

static const char *squash_output(const dorm_app *app, const char *start, const char *end, const char *name, int *rc) {
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    *rc = dorm__squash(T.cx, (const dorm_app *const[]){app, NULL}, "shop", start, end, name, out);
    fclose(out);
    const char *r = dorm_strdup(T.cx, buf ? buf : "");
    free(buf);
    return r;
}

/* After a squash: makemigrations numbers on from the highest number (no
 * second 0002), a prefix matching two files is refused as Django refuses
 * it, sqlmigrate shows a replaced migration, and showmigrations says how
 * many migrations a squashed one stands for. */
Test(squash, numbers_prefixes_and_replaced_migrations) {
    three_migrations();
    dorm_app app = {.label = "shop",
                    .models = test_empty_app.models,
                    .migrations_dir = dir,
                    .functions = DORM_RUNCS({"noop", noop})};
    const dorm_app *apps[] = {&app, NULL};
    int rc;
    const char *out = squash_output(&app, NULL, "0003", NULL, &rc);
    cr_assert_eq(rc, 0, "%s", dorm_errmsg(T.cx));
    cr_expect_str_eq(out,
                     dorm_sprintf(T.cx,
                                  "Will squash the following migrations:\n - 0001_initial\n - "
                                  "0002_product_price\n - 0003_tidy\nOptimizing...\n  Optimized from 5 "
                                  "operations to 1 operations.\nCreated new squashed migration "
                                  "%s/0001_squashed_0003_tidy.json\n  You should commit this migration but "
                                  "leave the old ones in place;\n  the new migration will be used for new "
                                  "installs. Once you are sure\n  all instances of the codebase have applied "
                                  "the migrations you squashed,\n  you can delete them.\n",
                                  dir));
    /* The models have no Product any more: the next migration deletes it, as 0004. */
    cr_assert_eq(dorm_makemigrations(T.cx, apps, &(dorm_makemigrations_opts){.verbosity = 0}), 0, "%s",
                 dorm_errmsg(T.cx));
    FILE *f = fopen(test_tmpdir_path("0004_delete_product.json"), "r");
    cr_expect_not_null(f, "numbered after 0003, not 0002");
    if (f) fclose(f);
    remove(test_tmpdir_path("0004_delete_product.json"));
    /* "0001" matches 0001_initial and 0001_squashed_0003_tidy. */
    const char *ambiguous = "More than one migration matches '0001' in app 'shop'. Please be more specific.";
    cr_expect_null(dorm_sqlmigrate(T.cx, apps, "shop", "0001", false));
    cr_expect_str_eq(dorm_errmsg(T.cx), ambiguous);
    cr_expect_neq(dorm_migrate(T.cx, apps, &(dorm_migrate_opts){.app = "shop", .target = "0001", .verbosity = 0}), 0);
    cr_expect_str_eq(dorm_errmsg(T.cx), ambiguous);
    squash_output(&app, "0001", "0003", "again", &rc);
    cr_expect_str_eq(dorm_errmsg(T.cx), ambiguous);
    /* A replaced migration's SQL, from the state its dependencies build. */
    const char *sql = test_sql_std(dorm_sqlmigrate(T.cx, apps, "shop", "0002_product_price", false));
    cr_expect(strstr(sql, "-- Add field price to product\n"), "%s", sql);
    cr_expect(strstr(sql, "\"price\""), "%s", sql);
    sql = dorm_sqlmigrate(T.cx, apps, "shop", "0001_squashed", false);
    cr_assert_not_null(sql, "%s", dorm_errmsg(T.cx));
    cr_expect(strstr(sql, "-- Create model Product\n"), "%s", sql);
    cr_expect_str_eq(test_showmigrations(apps, false), "shop\n [ ] 0001_squashed_0003_tidy (3 squashed migrations)\n");
}

/* The originals applied before the squashed file existed: showmigrations
 * marks it [-] until migrate records it. */
Test(squash, recorded_by_the_next_migrate) {
    three_migrations();
    dorm_app app = {.label = "shop",
                    .models = test_empty_app.models,
                    .migrations_dir = dir,
                    .functions = DORM_RUNCS({"noop", noop})};
    const dorm_app *apps[] = {&app, NULL};
    cr_assert_eq(migrate(&app, NULL), 0, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm__squash(T.cx, apps, "shop", NULL, "0003", NULL, NULL), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_str_eq(test_showmigrations(apps, false),
                     "shop\n [-] 0001_squashed_0003_tidy (3 squashed migrations) Run 'manage migrate' to finish "
                     "recording.\n");
    cr_expect_eq(scalar("SELECT COUNT(*) FROM \"dorm_migrations\" WHERE \"name\" LIKE '%squashed%'"), 0,
                 "showmigrations writes nothing");
    cr_assert_eq(migrate(&app, NULL), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(scalar("SELECT COUNT(*) FROM \"dorm_migrations\" WHERE \"name\" LIKE '%squashed%'"), 1);
}

/* Django's optimizer reduces across operations that do not touch the pair:
 * a field added and renamed on a model folds into its CreateModel although
 * another CreateModel sits between them, the CreateModel moving after it
 * when the new field points at it. */
Test(squash, folds_across_another_create_model) {
    write_migration(
        "0001_initial",
        "{\"initial\": true, \"dependencies\": [], \"operations\": [{\"operation\": \"CreateModel\", \"name\": "
        "\"Product\", \"fields\": [[\"id\", {\"type\": \"AutoField\", \"primary_key\": true}], [\"name\", "
        "{\"type\": \"CharField\", \"max_length\": 50}]]}]}");
    write_migration(
        "0002_tag",
        "{\"dependencies\": [[\"shop\", \"0001_initial\"]], \"operations\": [{\"operation\": \"CreateModel\", "
        "\"name\": \"Tag\", \"fields\": [[\"id\", {\"type\": \"AutoField\", \"primary_key\": true}], "
        "[\"label\", {\"type\": \"CharField\", \"max_length\": 20}]]}]}");
    write_migration("0003_changes",
                    "{\"dependencies\": [[\"shop\", \"0002_tag\"]], \"operations\": ["
                    "{\"operation\": \"RenameField\", \"model_name\": \"product\", \"old_name\": \"name\", "
                    "\"new_name\": \"title\"},"
                    "{\"operation\": \"AddField\", \"model_name\": \"product\", \"name\": \"price\", \"field\": "
                    "{\"type\": \"IntegerField\", \"default\": 1}},"
                    "{\"operation\": \"AddField\", \"model_name\": \"product\", \"name\": \"tag\", \"field\": "
                    "{\"type\": \"ForeignKey\", \"to\": \"shop.tag\", \"on_delete\": \"CASCADE\", \"null\": true}}]}");
    dorm_app app = {.label = "shop", .models = test_empty_app.models, .migrations_dir = dir};
    cr_assert_eq(dorm__squash(T.cx, (const dorm_app *const[]){&app, NULL}, "shop", NULL, "0003", NULL, NULL), 0, "%s",
                 dorm_errmsg(T.cx));
    dorm_migration *m = dorm_migration__read(T.cx, NULL, "shop", test_tmpdir_path("0001_squashed_0003_changes.json"));
    cr_assert_not_null(m, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(m->nops, 2, "Django's result: CreateModel Tag, then CreateModel Product with every field");
    cr_expect_str_eq(m->ops[0].create->name, "Tag");
    dorm_mstate *p = m->ops[1].create;
    cr_expect_str_eq(p->name, "Product");
    cr_assert_eq(p->nfields, 4);
    cr_expect_str_eq(p->fields[1].f.name, "title");
    cr_expect_str_eq(p->fields[2].f.name, "price");
    cr_expect_str_eq(p->fields[3].f.name, "tag");
    cr_assert_eq(migrate(&app, NULL), 0, "%s", dorm_errmsg(T.cx));
    dorm_errbuf e = {0, ""};
    cr_expect_eq(dorm_db__exec(T.db, "INSERT INTO \"shop_tag\" (\"label\") VALUES ('red')", &e), 0, "%s", e.msg);
    cr_expect_eq(
        dorm_db__exec(T.db, "INSERT INTO \"shop_product\" (\"title\", \"price\", \"tag_id\") VALUES ('pen', 2, 1)", &e),
        0, "%s", e.msg);
    cr_expect_eq(scalar("SELECT COUNT(*) FROM \"dorm_migrations\""), 1);
}
