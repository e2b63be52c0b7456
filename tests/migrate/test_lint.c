/* test_lint.c - the migration safety lint: one test per warning (data loss
 * anywhere; locks and rewrites on PostgreSQL; several schema changes where
 * DDL commits, MySQL), what it names, and --strict refusing to apply. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migrate/migration.h"
#include "testdb.h"

static const char *dir;

static void open_empty(void) {
    test_db_open_apps((const dorm_app *const[]){&test_empty_app, NULL});
    dir = test_tmpdir_make("dorm-lint");
}

static void close_empty(void) {
    test_tmpdir_remove();
    test_db_close();
}

TestSuite(lint, .init = open_empty, .fini = close_empty);

static const char *initial =
    "{\"initial\": true, \"dependencies\": [], \"operations\": [{\"operation\": \"CreateModel\", \"name\": \"Item\", "
    "\"fields\": [[\"id\", {\"type\": \"AutoField\", \"primary_key\": true}], [\"name\", {\"type\": \"CharField\", "
    "\"max_length\": 50}], [\"note\", {\"type\": \"TextField\", \"null\": true}], [\"qty\", {\"type\": "
    "\"IntegerField\"}]]}]}";

/* The warnings of one operation (JSON) applied after the initial migration. */
static const char *lint(const char *op_json, unsigned backend, int *count) {
    test_write_file("0002_x.json",
                    dorm_sprintf(T.cx,
                                 "{\"dependencies\": [[\"stock\", \"0001_initial\"]], "
                                 "\"operations\": [%s]}",
                                 op_json));
    test_write_file("0001_initial.json", initial);
    dorm_migration *m1 = dorm_migration__read(T.cx, NULL, "stock", test_tmpdir_path("0001_initial.json"));
    dorm_migration *m2 = dorm_migration__read(T.cx, NULL, "stock", test_tmpdir_path("0002_x.json"));
    cr_assert(m1 && m2, "%s", dorm_errmsg(T.cx));
    dorm_state *st = dorm_state__new();
    cr_assert_eq(dorm_op__state(T.cx, st, &m1->ops[0]), 0, "%s", dorm_errmsg(T.cx));
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    *count = dorm__lint(T.cx, m2, st, NULL, backend, out);
    fclose(out);
    dorm_state__free(st);
    const char *r = dorm_strdup(T.cx, buf ? buf : "");
    free(buf);
    return r;
}

#define EXPECT_WARNING(json, pg, text)         \
    do {                                       \
        int n_;                                \
        const char *w_ = lint(json, pg, &n_);  \
        cr_expect_eq(n_, 1, "%s", w_);         \
        cr_expect(strstr(w_, text), "%s", w_); \
    } while (0)

Test(lint, data_loss_everywhere) {
    EXPECT_WARNING("{\"operation\": \"DeleteModel\", \"name\": \"Item\"}", false,
                   "operation 1 (Delete model Item): drops the table and every row in it.");
    EXPECT_WARNING(
        "{\"operation\": \"RemoveField\", \"model_name\": \"item\", \"name\": \"note\"}", false,
        "(Remove field note from item): drops the column and its data.\n    Safer: if this was a rename, make "
        "it a RenameField");
    EXPECT_WARNING(
        "{\"operation\": \"AlterField\", \"model_name\": \"item\", \"name\": \"name\", \"field\": {\"type\": "
        "\"CharField\", \"max_length\": 20}}",
        false, "narrows the column's type");
    int n;
    lint("{\"operation\": \"AlterField\", \"model_name\": \"item\", \"name\": \"name\", \"field\": {\"type\": "
         "\"CharField\", \"max_length\": 80}}",
         true, &n);
    cr_expect_eq(n, 0, "widening a varchar is safe");
    lint("{\"operation\": \"AddIndex\", \"model_name\": \"item\", \"index\": {\"fields\": [\"name\"], \"name\": "
         "\"i_n\"}}",
         false, &n);
    cr_expect_eq(n, 0, "SQLite has no concurrent writers to block");
}

Test(lint, locks_on_postgres) {
    EXPECT_WARNING("{\"operation\": \"AddIndex\", \"model_name\": \"item\", \"index\": {\"fields\": [\"name\"], "
                   "\"name\": \"i_n\"}}",
                   true, "builds an index without CONCURRENTLY");
    EXPECT_WARNING("{\"operation\": \"AddField\", \"model_name\": \"item\", \"name\": \"added\", \"field\": {\"type\": "
                   "\"DateTimeField\", \"default_callable\": true}}",
                   true, "adds a column with a volatile default");
    EXPECT_WARNING("{\"operation\": \"AddField\", \"model_name\": \"item\", \"name\": \"code\", \"field\": {\"type\": "
                   "\"IntegerField\"}}",
                   true, "adds a NOT NULL column without a default");
    EXPECT_WARNING("{\"operation\": \"AlterField\", \"model_name\": \"item\", \"name\": \"qty\", \"field\": {\"type\": "
                   "\"BigIntegerField\"}}",
                   true, "changes the column's type: PostgreSQL rewrites the table");
    EXPECT_WARNING(
        "{\"operation\": \"AlterField\", \"model_name\": \"item\", \"name\": \"note\", \"field\": {\"type\": "
        "\"TextField\"}}",
        true, "makes the column NOT NULL");
}

/* The advice for an index names the operations that take no lock, and
 * those operations are not flagged themselves. */
Test(lint, index_advice_points_at_concurrently) {
    const char *add = "{\"operation\": \"AddIndex\", \"model_name\": \"item\", \"index\": {\"fields\": [\"name\"], "
                      "\"name\": \"i_n\"}}";
    EXPECT_WARNING(add, true, "Safer: make it an AddIndexConcurrently in a migration with \"atomic\": false.");
    int n;
    lint("{\"operation\": \"AddIndexConcurrently\", \"model_name\": \"item\", \"index\": {\"fields\": [\"name\"], "
         "\"name\": \"i_n\"}}",
         true, &n);
    cr_expect_eq(n, 0);
    test_write_file("0001_initial.json", initial);
    test_write_file("0002_x.json",
                    dorm_sprintf(T.cx,
                                 "{\"dependencies\": [[\"stock\", \"0001_initial\"]], "
                                 "\"operations\": [%s]}",
                                 add));
    test_write_file("0003_y.json",
                    "{\"dependencies\": [[\"stock\", \"0002_x\"]], \"operations\": [{\"operation\": "
                    "\"RemoveIndex\", \"model_name\": \"item\", \"name\": \"i_n\"}]}");
    dorm_migration *m3 = dorm_migration__read(T.cx, NULL, "stock", test_tmpdir_path("0003_y.json"));
    cr_assert_not_null(m3, "%s", dorm_errmsg(T.cx));
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    cr_expect_eq(dorm__lint(T.cx, m3, NULL, NULL, true, out), 1);
    fclose(out);
    cr_expect(strstr(buf, "Safer: make it a RemoveIndexConcurrently in a migration with \"atomic\": false."), "%s",
              buf);
    free(buf);
}

Test(lint, new_tables_are_safe) {
    /* A table the same migration creates is empty and unused: its indexes
     * (makemigrations writes them as AddIndex after CreateModel) lock nothing. */
    int n;
    lint("{\"operation\": \"CreateModel\", \"name\": \"Shelf\", \"fields\": [[\"id\", {\"type\": \"AutoField\", "
         "\"primary_key\": true}], [\"label\", {\"type\": \"CharField\", \"max_length\": 9}]]}, "
         "{\"operation\": \"AddIndex\", \"model_name\": \"shelf\", \"index\": {\"fields\": [\"label\"], \"name\": "
         "\"s_l\"}}, "
         "{\"operation\": \"AddIndex\", \"model_name\": \"item\", \"index\": {\"fields\": [\"name\"], \"name\": "
         "\"i_n\"}}",
         true, &n);
    cr_expect_eq(n, 1, "only the index of the existing table");
}

Test(lint, several_schema_changes_where_ddl_commits) {
    const char *two = "{\"operation\": \"AddField\", \"model_name\": \"item\", \"name\": \"code\", \"field\": "
                      "{\"type\": \"IntegerField\", \"null\": true}}, "
                      "{\"operation\": \"AddIndex\", \"model_name\": \"item\", \"index\": {\"fields\": [\"name\"], "
                      "\"name\": \"i_n\"}}";
    EXPECT_WARNING(two, DORM_LINT_DDL_COMMITS,
                   "operation 2 (Create index i_n on field(s) name of model item): is one of several schema changes, "
                   "and this database commits each one (no transactional DDL)");
    int n;
    lint(two, 0, &n);
    cr_expect_eq(n, 0, "DDL in a transaction is all or nothing");
    lint("{\"operation\": \"AddIndex\", \"model_name\": \"item\", \"index\": {\"fields\": [\"name\"], \"name\": "
         "\"i_n\"}}",
         DORM_LINT_DDL_COMMITS, &n);
    cr_expect_eq(n, 0, "one change is applied or not");
}

Test(lint, strict_refuses_to_apply) {
    int n;
    lint("{\"operation\": \"RemoveField\", \"model_name\": \"item\", \"name\": \"note\"}", false, &n);
    dorm_app app = {.label = "stock", .models = test_empty_app.models, .migrations_dir = dir};
    int rc = dorm_migrate(T.cx, (const dorm_app *const[]){&app, NULL}, &(dorm_migrate_opts){.strict = true});
    cr_expect_eq(rc, DORM_EVALUE);
    cr_expect_str_eq(dorm_errmsg(T.cx), "1 migration safety warning (--strict).");
    rc = dorm_migrate(T.cx, (const dorm_app *const[]){&app, NULL}, &(dorm_migrate_opts){.verbosity = 0});
    cr_expect_eq(rc, 0, "%s", dorm_errmsg(T.cx));
}
