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
    cr_assert_eq(dorm__squash(T.cx, apps, "shop", NULL, "0003", NULL, true, NULL), 0, "%s", dorm_errmsg(T.cx));
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
    cr_assert_eq(
        dorm__squash(T.cx, (const dorm_app *const[]){&app, NULL}, "shop", "0001", "0003_tidy", "all", true, NULL), 0,
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

static const char *squash_output(const dorm_app *app, const char *start, const char *end, const char *name,
                                 bool optimize, int *rc) {
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    *rc = dorm__squash(T.cx, (const dorm_app *const[]){app, NULL}, "shop", start, end, name, optimize, out);
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
    const char *out = squash_output(&app, NULL, "0003", NULL, true, &rc);
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
    squash_output(&app, "0001", "0003", "again", true, &rc);
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
    cr_assert_eq(dorm__squash(T.cx, apps, "shop", NULL, "0003", NULL, true, NULL), 0, "%s", dorm_errmsg(T.cx));
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
    cr_assert_eq(dorm__squash(T.cx, (const dorm_app *const[]){&app, NULL}, "shop", NULL, "0003", NULL, true, NULL), 0,
                 "%s", dorm_errmsg(T.cx));
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

/* squashmigrations end to end against Django 3.2: Django's command, given
 * the same migrations, prints `output` and writes the operations described
 * in `operations` (describe(), a line each); the squashed migration then
 * applies on a database that has none of them. */
typedef struct squash_case {
    const char *name;
    const char *files[5][2]; /* name, text */
    const char *start, *end, *squashed;
    bool no_optimize; /* --no-optimize */
    const char *output; /* up to the optimizer's line */
    const char *operations;
} squash_case;

static const squash_case like_django[] = {
    {"across_models_django",
     {{"0001_initial",
       "{\"initial\": true, \"dependencies\": [], \"operations\": [{\"operation\": \"CreateModel\", \"name\": "
       "\"Author\", \"fields\": [[\"id\", {\"type\": \"AutoField\", \"primary_key\": true}], [\"name\", {\"type\": "
       "\"CharField\", \"max_length\": 50}]]}, {\"operation\": \"CreateModel\", \"name\": \"Book\", \"fields\": "
       "[[\"id\", {\"type\": \"AutoField\", \"primary_key\": true}], [\"title\", {\"type\": \"CharField\", "
       "\"max_length\": 50}], [\"author\", {\"type\": \"ForeignKey\", \"to\": \"shop.author\", \"on_delete\": "
       "\"CASCADE\"}]]}]}"},
      {"0002_tag",
       "{\"dependencies\": [[\"shop\", \"0001_initial\"]], \"operations\": [{\"operation\": \"CreateModel\", \"name\": "
       "\"Tag\", \"fields\": [[\"id\", {\"type\": \"AutoField\", \"primary_key\": true}], [\"label\", {\"type\": "
       "\"CharField\", \"max_length\": 20}]]}, {\"operation\": \"AddField\", \"model_name\": \"Book\", \"name\": "
       "\"tag\", \"field\": {\"type\": \"ForeignKey\", \"to\": \"shop.tag\", \"on_delete\": \"CASCADE\", \"null\": "
       "true}}, {\"operation\": \"AddField\", \"model_name\": \"Author\", \"name\": \"email\", \"field\": {\"type\": "
       "\"CharField\", \"max_length\": 30, \"null\": true}}]}"},
      {"0003_changes",
       "{\"dependencies\": [[\"shop\", \"0002_tag\"]], \"operations\": [{\"operation\": \"RenameField\", "
       "\"model_name\": \"Book\", \"old_name\": \"title\", \"new_name\": \"name\"}, {\"operation\": \"RemoveField\", "
       "\"model_name\": \"Book\", \"name\": \"author\"}, {\"operation\": \"DeleteModel\", \"name\": \"Author\"}, "
       "{\"operation\": \"AlterField\", \"model_name\": \"Tag\", \"name\": \"label\", \"field\": {\"type\": "
       "\"CharField\", \"max_length\": 30}}]}"}},
     NULL,
     "0003",
     "0001_squashed_0003_changes",
     false,
     "Will squash the following migrations:\n - 0001_initial\n - 0002_tag\n - 0003_changes\nOptimizing...\n  Optimized "
     "from 9 operations to 2 operations.\n",
     "Create model Tag\nCreate model Book\n"},
    /* Django moves Book's CreateModel, with its key to shop.tag, after the
     * rename of Tag: its file fails ("Related model 'shop.tag' cannot be
     * resolved"). dorm keeps the key before the rename. */
    {"across_models",
     {{"0001_initial",
       "{\"initial\": true, \"dependencies\": [], \"operations\": [{\"operation\": \"CreateModel\", \"name\": "
       "\"Author\", \"fields\": [[\"id\", {\"type\": \"AutoField\", \"primary_key\": true}], [\"name\", {\"type\": "
       "\"CharField\", \"max_length\": 50}]]}, {\"operation\": \"CreateModel\", \"name\": \"Book\", \"fields\": "
       "[[\"id\", {\"type\": \"AutoField\", \"primary_key\": true}], [\"title\", {\"type\": \"CharField\", "
       "\"max_length\": 50}], [\"author\", {\"type\": \"ForeignKey\", \"to\": \"shop.author\", \"on_delete\": "
       "\"CASCADE\"}]]}]}"},
      {"0002_tag",
       "{\"dependencies\": [[\"shop\", \"0001_initial\"]], \"operations\": [{\"operation\": \"CreateModel\", \"name\": "
       "\"Tag\", \"fields\": [[\"id\", {\"type\": \"AutoField\", \"primary_key\": true}], [\"label\", {\"type\": "
       "\"CharField\", \"max_length\": 20}]]}, {\"operation\": \"AddField\", \"model_name\": \"Book\", \"name\": "
       "\"tag\", \"field\": {\"type\": \"ForeignKey\", \"to\": \"shop.tag\", \"on_delete\": \"CASCADE\", \"null\": "
       "true}}, {\"operation\": \"AlterModelTable\", \"name\": \"Tag\", \"table\": \"shop_labels\"}]}"},
      {"0003_changes",
       "{\"dependencies\": [[\"shop\", \"0002_tag\"]], \"operations\": [{\"operation\": \"RenameModel\", \"old_name\": "
       "\"Tag\", \"new_name\": \"Label\"}, {\"operation\": \"AddField\", \"model_name\": \"Label\", \"name\": "
       "\"color\", \"field\": {\"type\": \"CharField\", \"max_length\": 10, \"null\": true}}, {\"operation\": "
       "\"RenameField\", \"model_name\": \"Book\", \"old_name\": \"title\", \"new_name\": \"name\"}, {\"operation\": "
       "\"RemoveField\", \"model_name\": \"Book\", \"name\": \"author\"}, {\"operation\": \"DeleteModel\", \"name\": "
       "\"Author\"}]}"}},
     NULL,
     "0003",
     "0001_squashed_0003_changes",
     false,
     "Will squash the following migrations:\n - 0001_initial\n - 0002_tag\n - 0003_changes\nOptimizing...\n  Optimized "
     "from 10 operations to 5 operations.\n",
     "Create model Tag\nCreate model Book\nRename table for Tag to shop_labels\nRename model Tag to Label\nAdd field "
     "color to Label\n"},
    {"elidable",
     {{"0001_initial",
       "{\"initial\": true, \"dependencies\": [], \"operations\": [{\"operation\": \"CreateModel\", \"name\": "
       "\"Product\", \"fields\": [[\"id\", {\"type\": \"AutoField\", \"primary_key\": true}], [\"name\", {\"type\": "
       "\"CharField\", \"max_length\": 50}]]}]}"},
      {"0002_price",
       "{\"dependencies\": [[\"shop\", \"0001_initial\"]], \"operations\": [{\"operation\": \"RunSQL\", \"sql\": "
       "[\"SELECT 1\"], \"elidable\": true, \"reverse_sql\": [\"SELECT 1\"]}, {\"operation\": \"AddField\", "
       "\"model_name\": \"Product\", \"name\": \"price\", \"field\": {\"type\": \"CharField\", \"max_length\": 10, "
       "\"null\": true}}]}"},
      {"0003_tidy",
       "{\"dependencies\": [[\"shop\", \"0002_price\"]], \"operations\": [{\"operation\": \"RunC\", \"code\": "
       "\"noop\", \"elidable\": true, \"reverse_code\": \"noop\"}, {\"operation\": \"AlterField\", \"model_name\": "
       "\"Product\", \"name\": \"price\", \"field\": {\"type\": \"CharField\", \"max_length\": 20, \"null\": true}}, "
       "{\"operation\": \"RunC\", \"code\": \"noop\", \"reverse_code\": \"noop\"}]}"}},
     NULL,
     "0003",
     "0001_squashed_0003_tidy",
     false,
     "Will squash the following migrations:\n - 0001_initial\n - 0002_price\n - 0003_tidy\nOptimizing...\n  Optimized "
     "from 6 operations to 2 operations.\n",
     "Create model Product\nRaw C operation\n"},
    {"unique_together",
     {{"0001_initial",
       "{\"initial\": true, \"dependencies\": [], \"operations\": [{\"operation\": \"CreateModel\", \"name\": "
       "\"Item\", \"fields\": [[\"id\", {\"type\": \"AutoField\", \"primary_key\": true}], [\"a\", {\"type\": "
       "\"IntegerField\"}], [\"b\", {\"type\": \"IntegerField\"}]]}, {\"operation\": \"AlterUniqueTogether\", "
       "\"name\": \"Item\", \"unique_together\": [[\"a\", \"b\"]]}]}"},
      {"0002_item_c",
       "{\"dependencies\": [[\"shop\", \"0001_initial\"]], \"operations\": [{\"operation\": \"RenameField\", "
       "\"model_name\": \"Item\", \"old_name\": \"b\", \"new_name\": \"c\"}, {\"operation\": \"AddField\", "
       "\"model_name\": \"Item\", \"name\": \"d\", \"field\": {\"type\": \"CharField\", \"max_length\": 5, \"null\": "
       "true}}, {\"operation\": \"RemoveField\", \"model_name\": \"Item\", \"name\": \"a\"}]}"}},
     NULL,
     "0002",
     "0001_squashed_0002_item_c",
     false,
     "Will squash the following migrations:\n - 0001_initial\n - 0002_item_c\nOptimizing...\n  Optimized from 5 "
     "operations to 1 operations.\n",
     "Create model Item\n"},
    {"from_second",
     {{"0001_initial",
       "{\"initial\": true, \"dependencies\": [], \"operations\": [{\"operation\": \"CreateModel\", \"name\": "
       "\"Author\", \"fields\": [[\"id\", {\"type\": \"AutoField\", \"primary_key\": true}], [\"name\", {\"type\": "
       "\"CharField\", \"max_length\": 50}]]}]}"},
      {"0002_book",
       "{\"dependencies\": [[\"shop\", \"0001_initial\"]], \"operations\": [{\"operation\": \"CreateModel\", \"name\": "
       "\"Book\", \"fields\": [[\"id\", {\"type\": \"AutoField\", \"primary_key\": true}], [\"title\", {\"type\": "
       "\"CharField\", \"max_length\": 50}]]}]}"},
      {"0003_book_author",
       "{\"dependencies\": [[\"shop\", \"0002_book\"]], \"operations\": [{\"operation\": \"AddField\", \"model_name\": "
       "\"Book\", \"name\": \"author\", \"field\": {\"type\": \"ForeignKey\", \"to\": \"shop.author\", \"on_delete\": "
       "\"CASCADE\", \"null\": true}}, {\"operation\": \"AlterField\", \"model_name\": \"Book\", \"name\": \"author\", "
       "\"field\": {\"type\": \"ForeignKey\", \"to\": \"shop.author\", \"on_delete\": \"CASCADE\", \"null\": true}}]}"},
      {"0004_sql",
       "{\"dependencies\": [[\"shop\", \"0003_book_author\"]], \"operations\": [{\"operation\": \"RunSQL\", \"sql\": "
       "[\"SELECT 1\"], \"reverse_sql\": [\"SELECT 1\"]}, {\"operation\": \"AddField\", \"model_name\": \"Book\", "
       "\"name\": \"isbn\", \"field\": {\"type\": \"CharField\", \"max_length\": 13, \"null\": true}}]}"}},
     "0002",
     "0004",
     "0002_book_squashed_0004_sql",
     false,
     "Will squash the following migrations:\n - 0002_book\n - 0003_book_author\n - 0004_sql\nOptimizing...\n  "
     "Optimized from 5 operations to 3 operations.\n",
     "Create model Book\nRaw SQL operation\nAdd field isbn to Book\n"},
    {"nothing_to_optimize",
     {{"0001_initial",
       "{\"initial\": true, \"dependencies\": [], \"operations\": [{\"operation\": \"CreateModel\", \"name\": "
       "\"Author\", \"fields\": [[\"id\", {\"type\": \"AutoField\", \"primary_key\": true}], [\"name\", {\"type\": "
       "\"CharField\", \"max_length\": 50}]]}]}"},
      {"0002_sql",
       "{\"dependencies\": [[\"shop\", \"0001_initial\"]], \"operations\": [{\"operation\": \"RunSQL\", \"sql\": "
       "[\"SELECT 1\"], \"reverse_sql\": [\"SELECT 1\"]}]}"}},
     NULL,
     "0002",
     "0001_squashed_0002_sql",
     false,
     "Will squash the following migrations:\n - 0001_initial\n - 0002_sql\nOptimizing...\n  No optimizations "
     "possible.\n",
     "Create model Author\nRaw SQL operation\n"},
    /* Django moves the second rename before the key to shop.baa: its file
     * fails ("Related model 'shop.baa' cannot be resolved"). dorm keeps the
     * order. */
    {"renamed_model_pointed_at",
     {{"0001_initial",
       "{\"initial\": true, \"dependencies\": [], \"operations\": [{\"operation\": \"CreateModel\", \"name\": \"Foo\", "
       "\"fields\": [[\"id\", {\"type\": \"AutoField\", \"primary_key\": true}]]}, {\"operation\": \"CreateModel\", "
       "\"name\": \"Bar\", \"fields\": [[\"id\", {\"type\": \"AutoField\", \"primary_key\": true}]]}]}"},
      {"0002_baa",
       "{\"dependencies\": [[\"shop\", \"0001_initial\"]], \"operations\": [{\"operation\": \"RenameModel\", "
       "\"old_name\": \"Foo\", \"new_name\": \"Baa\"}]}"},
      {"0003_bar_baa",
       "{\"dependencies\": [[\"shop\", \"0002_baa\"]], \"operations\": [{\"operation\": \"AddField\", \"model_name\": "
       "\"Bar\", \"name\": \"baa\", \"field\": {\"type\": \"ForeignKey\", \"to\": \"shop.baa\", \"on_delete\": "
       "\"CASCADE\", \"null\": true}}]}"},
      {"0004_bar2",
       "{\"dependencies\": [[\"shop\", \"0003_bar_baa\"]], \"operations\": [{\"operation\": \"RenameModel\", "
       "\"old_name\": \"Baa\", \"new_name\": \"Bar2\"}]}"}},
     "0002",
     "0004",
     "0002_baa_squashed_0004_bar2",
     false,
     "Will squash the following migrations:\n - 0002_baa\n - 0003_bar_baa\n - 0004_bar2\nOptimizing...\n  No "
     "optimizations possible.\n",
     "Rename model Foo to Baa\nAdd field baa to Bar\nRename model Baa to Bar2\n"},
    {"no_optimize",
     {{"0001_initial",
       "{\"initial\": true, \"dependencies\": [], \"operations\": [{\"operation\": \"CreateModel\", \"name\": "
       "\"Product\", \"fields\": [[\"id\", {\"type\": \"AutoField\", \"primary_key\": true}], [\"name\", {\"type\": "
       "\"CharField\", \"max_length\": 50}]]}]}"},
      {"0002_price",
       "{\"dependencies\": [[\"shop\", \"0001_initial\"]], \"operations\": [{\"operation\": \"RunSQL\", \"sql\": "
       "[\"SELECT 1\"], \"elidable\": true, \"reverse_sql\": [\"SELECT 1\"]}, {\"operation\": \"AddField\", "
       "\"model_name\": \"Product\", \"name\": \"price\", \"field\": {\"type\": \"CharField\", \"max_length\": 10, "
       "\"null\": true}}]}"}},
     NULL,
     "0002",
     "0001_squashed_0002_price",
     true,
     "Will squash the following migrations:\n - 0001_initial\n - 0002_price\n(Skipping optimization.)\n",
     "Create model Product\nRaw SQL operation\nAdd field price to Product\n"},
};

static void squash_like_django(const char *name) {
    const squash_case *c = NULL;
    for (size_t i = 0; i < sizeof like_django / sizeof *like_django; i++)
        if (strcmp(like_django[i].name, name) == 0) c = &like_django[i];
    cr_assert_not_null(c);
    for (int i = 0; i < 5 && c->files[i][0]; i++) write_migration(c->files[i][0], c->files[i][1]);
    dorm_app app = {.label = "shop",
                    .models = test_empty_app.models,
                    .migrations_dir = dir,
                    .functions = DORM_RUNCS({"noop", noop})};
    int rc;
    const char *out = squash_output(&app, c->start, c->end, NULL, !c->no_optimize, &rc);
    cr_assert_eq(rc, 0, "%s", dorm_errmsg(T.cx));
    const char *created = strstr(out, "Created new squashed migration");
    cr_assert_not_null(created, "%s", out);
    cr_expect_str_eq(dorm_sprintf(T.cx, "%.*s", (int)(created - out), out), c->output);
    dorm_migration *m =
        dorm_migration__read(T.cx, NULL, "shop", test_tmpdir_path(dorm_sprintf(T.cx, "%s.json", c->squashed)));
    cr_assert_not_null(m, "%s", dorm_errmsg(T.cx));
    dorm_buf b = DORM_BUF_INIT;
    for (int i = 0; i < m->nops; i++) dorm_buf_printf(&b, "%s\n", dorm_op__describe(T.cx, &m->ops[i]));
    cr_expect_str_eq(b.data ? b.data : "", c->operations);
    dorm_buf_free(&b);
    cr_assert_eq(migrate(&app, NULL), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(
        scalar(dorm_sprintf(T.cx, "SELECT COUNT(*) FROM \"dorm_migrations\" WHERE \"name\" = '%s'", c->squashed)), 1);
}

Test(squash, like_django_across_models) { squash_like_django("across_models_django"); }
Test(squash, like_django_elidable_operations) { squash_like_django("elidable"); }
Test(squash, like_django_unique_together) { squash_like_django("unique_together"); }
Test(squash, like_django_from_a_start) { squash_like_django("from_second"); }
Test(squash, like_django_nothing_to_optimize) { squash_like_django("nothing_to_optimize"); }
Test(squash, like_django_no_optimize) { squash_like_django("no_optimize"); }
Test(squash, keeps_a_key_before_the_rename_of_its_model) { squash_like_django("across_models"); }
Test(squash, keeps_a_rename_after_a_key_to_the_old_name) { squash_like_django("renamed_model_pointed_at"); }
