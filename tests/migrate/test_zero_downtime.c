/* test_zero_downtime.c - the safety lint's advice as operations: a NOT NULL
 * column added in three safe steps (AddField NULL; a batched, resumable RunC
 * backfill; AlterFieldConcurrently, which on PostgreSQL is a CHECK NOT VALID,
 * VALIDATE and SET NOT NULL, each committed on its own), a backfill that
 * fails half way and goes on from its checkpoint, and the operation's
 * refusals. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "backend/db.h"
#include "core/ctx.h"
#include "testdb.h"

typedef struct Product {
    DORM_OBJECT;
    int64_t id;
    const char *name;
    const char *code;
} Product;
static const dorm_field Product_fields[] = {DORM_AUTO(Product, id), DORM_CHAR(Product, name, .max_length = 50),
                                            DORM_CHAR(Product, code, .max_length = 20), DORM_END};
const dorm_model Product_model = DORM_MODEL(Product, "shop", Product_fields);

static int calls, fail_at;

/* Gives each product the code "C<id>", one chunk at a time. */
static int fill_chunk(dorm_ctx *cx, void **objs, size_t n, void *payload) {
    (void)payload;
    if (++calls == fail_at) return dorm_ctx_fail(cx, DORM_EOPERATIONAL, "the deploy was stopped");
    for (size_t i = 0; i < n; i++) {
        Product *p = objs[i];
        p->code = dorm_sprintf(cx, "C%lld", (long long)p->id);
    }
    return dorm_bulk_update(cx, Product, objs, n, "code") < 0 ? dorm_errcode(cx) : 0;
}

static int backfill(dorm_ctx *cx, dorm_progress *progress) {
    return dorm_migrate_batches(cx, "shop.fill_codes", dorm_all(cx, Product), 10, fill_chunk, NULL, progress);
}

static const char *dir;
static dorm_app app;
static const dorm_runc functions[] = {{"fill_codes", backfill}, {NULL, NULL}};

static dorm_registry *shop_reg;
static const dorm_registry *empty_reg;

/* The test database without tables; RunC sees the shop's compiled models. */
static void open_shop(void) {
    test_db_open_apps((const dorm_app *const[]){&test_empty_app, NULL});
    dir = test_tmpdir_make("dorm-zd");
    app = (dorm_app){
        .label = "shop", .models = DORM_MODELS(&Product_model), .migrations_dir = dir, .functions = functions};
    shop_reg = dorm_registry_new((const dorm_app *const[]){&app, NULL});
    cr_assert_eq(dorm_registry_errcode(shop_reg), DORM_OK, "%s", dorm_registry_messages(shop_reg));
    empty_reg = T.db->reg;
    T.db->reg = shop_reg;
    calls = 0;
    fail_at = 0;
}

static void close_shop(void) {
    T.db->reg = empty_reg;
    dorm_registry_free(shop_reg);
    test_tmpdir_remove();
    test_db_close();
}

TestSuite(zero_downtime, .init = open_shop, .fini = close_shop);

static void write_migration(const char *name, const char *json) {
    test_write_file(dorm_sprintf(T.cx, "%s.json", name), json);
}

static int migrate(void) {
    FILE *out = fopen("/dev/null", "w");
    int rc =
        dorm_migrate(T.cx, (const dorm_app *const[]){&app, NULL}, &(dorm_migrate_opts){.verbosity = 1, .out = out});
    fclose(out);
    return rc;
}

static void exec_ok(const char *sql) {
    dorm_errbuf e = {0, ""};
    cr_assert_eq(dorm_db__exec(T.db, sql, &e), 0, "%s: %s", sql, e.msg);
}

static bool on_postgres(void) { return strncmp(test_db_url(), "postgres", 8) == 0; }

#define INITIAL                                                                                                    \
    "{\"initial\": true, \"dependencies\": [], \"operations\": [{\"operation\": \"CreateModel\", \"name\": "       \
    "\"Product\", \"fields\": [[\"id\", {\"type\": \"AutoField\", \"primary_key\": true}], [\"name\", {\"type\": " \
    "\"CharField\", \"max_length\": 50}]]}]}"
#define STEP1                                                                                                    \
    "{\"dependencies\": [[\"shop\", \"0001_initial\"]], \"operations\": [{\"operation\": \"AddField\", "         \
    "\"model_name\": \"product\", \"name\": \"code\", \"field\": {\"type\": \"CharField\", \"max_length\": 20, " \
    "\"null\": true}}]}"
#define STEP2                                                                                                      \
    "{\"atomic\": false, \"dependencies\": [[\"shop\", \"0002_product_code\"]], \"operations\": [{\"operation\": " \
    "\"RunC\", \"code\": \"fill_codes\"}]}"
#define STEP3                                                                                                    \
    "{\"atomic\": false, \"dependencies\": [[\"shop\", \"0003_fill_codes\"]], \"operations\": [{\"operation\": " \
    "\"AlterFieldConcurrently\", \"model_name\": \"product\", \"name\": \"code\", \"field\": {\"type\": "        \
    "\"CharField\", \"max_length\": 20}}]}"

static char logged[8192];
static void keep(const char *sql, const char *params, double seconds, void *payload) {
    (void)params, (void)seconds, (void)payload;
    size_t n = strlen(logged);
    snprintf(logged + n, sizeof logged - n, "%s\n", sql);
}

Test(zero_downtime, not_null_column_in_three_steps) {
    write_migration("0001_initial", INITIAL);
    cr_assert_eq(migrate(), 0, "%s", dorm_errmsg(T.cx));
    for (int i = 0; i < 35; i++) exec_ok("INSERT INTO \"shop_product\" (\"name\") VALUES ('thing')");
    write_migration("0002_product_code", STEP1);
    write_migration("0003_fill_codes", STEP2);
    write_migration("0004_code_not_null", STEP3);
    logged[0] = '\0';
    dorm_db_set_log(T.db, keep, NULL);
    cr_assert_eq(migrate(), 0, "%s", dorm_errmsg(T.cx));
    dorm_db_set_log(T.db, NULL, NULL);
    cr_assert_eq(calls, 4, "35 rows in chunks of 10");
    cr_assert_eq(test_scalar("SELECT COUNT(*) FROM shop_product WHERE code = 'C' || CAST(id AS varchar(20))"), 35);
    cr_assert_eq(test_scalar("SELECT COUNT(*) FROM dorm_batches"), 0, "a finished backfill leaves no checkpoint");
    if (on_postgres()) {
        const char *steps[] = {"ADD CONSTRAINT \"dorm_notnull_",      "NOT VALID",
                               "VALIDATE CONSTRAINT \"dorm_notnull_", "ALTER COLUMN \"code\" SET NOT NULL",
                               "DROP CONSTRAINT \"dorm_notnull_",     NULL};
        const char *at = logged;
        for (int i = 0; steps[i]; i++) {
            const char *hit = strstr(at, steps[i]);
            cr_assert_not_null(hit, "step '%s' missing or out of order in:\n%s", steps[i], logged);
            at = hit;
        }
        cr_assert_null(strstr(logged, "ALTER COLUMN \"code\" TYPE"), "no rewrite:\n%s", logged);
        cr_assert_eq(
            test_scalar("SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = current_schema() "
                        "AND table_name = 'shop_product' AND column_name = 'code' AND is_nullable = 'NO'"),
            1);
    }
    dorm_errbuf e = {0, ""};
    cr_assert_neq(dorm_db__exec(T.db, "INSERT INTO \"shop_product\" (\"name\") VALUES ('no code')", &e), 0,
                  "the column is NOT NULL");
    /* Unapplied: NOT NULL goes (instantly), the backfill is irreversible. */
    FILE *out = fopen("/dev/null", "w");
    cr_assert_eq(dorm_migrate(T.cx, (const dorm_app *const[]){&app, NULL},
                              &(dorm_migrate_opts){.app = "shop", .target = "0003", .verbosity = 0, .out = out}),
                 0, "%s", dorm_errmsg(T.cx));
    fclose(out);
    exec_ok("INSERT INTO \"shop_product\" (\"name\") VALUES ('no code')");
}

Test(zero_downtime, a_stopped_backfill_resumes) {
    write_migration("0001_initial", INITIAL);
    write_migration("0002_product_code", STEP1);
    cr_assert_eq(migrate(), 0, "%s", dorm_errmsg(T.cx));
    for (int i = 0; i < 45; i++) exec_ok("INSERT INTO \"shop_product\" (\"name\") VALUES ('thing')");
    write_migration("0003_fill_codes", STEP2);
    fail_at = 3;
    cr_assert_neq(migrate(), 0);
    cr_assert(strstr(dorm_errmsg(T.cx), "the deploy was stopped"), "%s", dorm_errmsg(T.cx));
    cr_assert_eq(test_scalar("SELECT done FROM dorm_batches WHERE name = 'shop.fill_codes'"), 20);
    cr_assert_eq(test_scalar("SELECT COUNT(*) FROM shop_product WHERE code IS NOT NULL"), 20,
                 "two chunks committed, the third rolled back");
    cr_assert_eq(test_scalar("SELECT COUNT(*) FROM dorm_migrations WHERE name = '0003_fill_codes'"), 0);
    calls = 0;
    fail_at = 0;
    cr_assert_eq(migrate(), 0, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(calls, 3, "the run goes on with rows 21..45 only");
    cr_assert_eq(test_scalar("SELECT COUNT(*) FROM shop_product WHERE code IS NOT NULL"), 45);
    cr_assert_eq(test_scalar("SELECT COUNT(*) FROM dorm_batches"), 0);
}

Test(zero_downtime, refusals) {
    write_migration("0001_initial", INITIAL);
    write_migration("0002_product_code", STEP1);
    cr_assert_eq(migrate(), 0, "%s", dorm_errmsg(T.cx));
    write_migration(
        "0003_atomic",
        "{\"dependencies\": [[\"shop\", \"0002_product_code\"]], \"operations\": [{\"operation\": "
        "\"AlterFieldConcurrently\", \"model_name\": \"product\", \"name\": \"code\", \"field\": {\"type\": "
        "\"CharField\", \"max_length\": 20}}]}");
    cr_assert_neq(migrate(), 0);
    cr_assert(strstr(dorm_errmsg(T.cx), "The AlterFieldConcurrently operation cannot be executed inside a transaction"),
              "%s", dorm_errmsg(T.cx));
    write_migration("0003_atomic",
                    "{\"atomic\": false, \"dependencies\": [[\"shop\", \"0002_product_code\"]], \"operations\": [{"
                    "\"operation\": \"AlterFieldConcurrently\", \"model_name\": \"product\", \"name\": \"code\", "
                    "\"field\": {\"type\": \"CharField\", \"max_length\": 30}}]}");
    cr_assert_neq(migrate(), 0);
    cr_assert(strstr(dorm_errmsg(T.cx), "AlterFieldConcurrently makes a NULL column NOT NULL and changes nothing else"),
              "%s", dorm_errmsg(T.cx));
}
