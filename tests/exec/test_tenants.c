/* test_tenants.c - multi-tenancy: a schema per tenant (PostgreSQL; SQLite
 * and MariaDB refuse it), names checked and quoted, migrations applied per tenant
 * schema, each context seeing its tenant's tables, then public's (where
 * extensions live) as django-tenants does; and the row-level
 * tenant scope, which filters every query of a scoped model, gives new
 * objects their tenant and refuses unscoped queries and other tenants'
 * objects, on every backend. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "backend/db.h"
#include "testdb.h"

static bool on_postgres(void) { return strncmp(test_db_url(), "postgres", 8) == 0; }

typedef struct Note {
    DORM_OBJECT;
    int64_t id;
    const char *text;
} Note;
static const dorm_field Note_fields[] = {DORM_AUTO(Note, id), DORM_CHAR(Note, text, .max_length = 50), DORM_END};
const dorm_model Note_model = DORM_MODEL(Note, "notes", Note_fields, .ordering = DORM_LIST("text"));
static dorm_app notes = {.label = "notes", .models = DORM_MODELS(&Note_model)};

typedef struct Shop {
    DORM_OBJECT;
    int64_t id;
    const char *name;
} Shop;
typedef struct Order {
    DORM_OBJECT;
    int64_t id;
    DORM_FK(Shop) shop;
    const char *item;
} Order;
static const dorm_field Shop_fields[] = {DORM_AUTO(Shop, id), DORM_CHAR(Shop, name, .max_length = 50), DORM_END};
const dorm_model Shop_model = DORM_MODEL(Shop, "shops", Shop_fields);
static const dorm_field Order_fields[] = {
    DORM_AUTO(Order, id), DORM_FOREIGN_KEY(Order, shop, Shop, .on_delete = DORM_CASCADE, .related_name = "orders"),
    DORM_CHAR(Order, item, .max_length = 50), DORM_END};
const dorm_model Order_model = DORM_MODEL(Order, "shops", Order_fields, .ordering = DORM_LIST("item"));
static const dorm_app shops = {.label = "shops", .models = DORM_MODELS(&Shop_model, &Order_model)};

static char schemas[2][48];

static void drop_schemas(dorm_db *db) {
    for (int i = 0; i < 2; i++) {
        char sql[120];
        dorm_errbuf e;
        snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS \"%s\" CASCADE", schemas[i]);
        dorm_db__exec(db, sql, &e);
    }
}

Test(tenants, schema_names_are_checked) {
    test_db_open();
    const char *bad[] = {"", "1abc", "a b", "x\"; DROP TABLE y; --", "pg_catalog", "a-b", NULL};
    for (int i = 0; bad[i]; i++) {
        cr_assert_eq(dorm_ctx_set_schema(T.cx, bad[i]), DORM_EVALUE, "%s", bad[i]);
        cr_assert(strstr(dorm_errmsg(T.cx), "Invalid schema name"), "%s", dorm_errmsg(T.cx));
    }
    char long_name[70];
    memset(long_name, 'a', 64);
    long_name[64] = '\0';
    cr_assert_eq(dorm_ctx_set_schema(T.cx, long_name), DORM_EVALUE);
    if (!on_postgres()) {
        cr_assert_eq(dorm_ctx_set_schema(T.cx, "tenant"), DORM_ENOTSUPPORTED);
        char want[80];
        snprintf(want, sizeof want, "This database backend (%s) has no schemas.", dorm_db_vendor(T.db));
        cr_assert_str_eq(dorm_errmsg(T.cx), want);
    }
    cr_assert_null(dorm_ctx_schema(T.cx));
    test_db_close();
}

/* Two tenants, one migration history each, through one pool. */
Test(tenants, migrations_per_tenant_schema) {
    if (!on_postgres()) cr_skip_test("schemas are PostgreSQL's");
    const char *dir = test_tmpdir_make("dorm-tenant");
    notes.migrations_dir = dir;
    dorm_registry *reg = dorm_registry_new((const dorm_app *const[]){&notes, NULL});
    dorm_pool_opts opts = DORM_POOL_OPTS_INIT;
    opts.max_size = 1; /* both contexts on one server session, in turn */
    dorm_pool *pool = dorm_pool_new(test_db_url(), reg, &opts);
    cr_assert_eq(dorm_pool_errcode(pool), DORM_OK, "%s", dorm_pool_errmsg(pool));
    dorm_ctx *a = dorm_ctx_new_pool(pool), *b = dorm_ctx_new_pool(pool);
    FILE *out = fopen("/dev/null", "w");
    dorm_makemigrations_opts mo = {.out = out};
    cr_assert_eq(dorm_makemigrations(a, (const dorm_app *const[]){&notes, NULL}, &mo), 0, "%s", dorm_errmsg(a));
    for (int i = 0; i < 2; i++) snprintf(schemas[i], sizeof schemas[i], "tenant_%c_%ld", 'a' + i, (long)getpid());
    cr_assert_eq(dorm_schema_create(a, schemas[0]), 0, "%s", dorm_errmsg(a));
    cr_assert_eq(dorm_schema_create(a, schemas[1]), 0, "%s", dorm_errmsg(a));
    cr_assert_eq(dorm_ctx_set_schema(a, schemas[0]), 0, "%s", dorm_errmsg(a));
    cr_assert_eq(dorm_ctx_set_schema(b, schemas[1]), 0, "%s", dorm_errmsg(b));
    cr_assert_str_eq(dorm_ctx_schema(a), schemas[0]);
    dorm_migrate_opts mig = {.verbosity = 0, .out = out};
    cr_assert_eq(dorm_migrate(a, (const dorm_app *const[]){&notes, NULL}, &mig), 0, "%s", dorm_errmsg(a));
    cr_assert_not_null(dorm_create(a, Note, .text = "a's note"), "%s", dorm_errmsg(a));
    /* b's schema has no table until b migrates. */
    cr_assert_lt(dorm_count(dorm_all(b, Note)), 0);
    cr_assert(strstr(dorm_errmsg(b), "does not exist"), "%s", dorm_errmsg(b));
    cr_assert_eq(dorm_migrate(b, (const dorm_app *const[]){&notes, NULL}, &mig), 0, "%s", dorm_errmsg(b));
    cr_assert_not_null(dorm_create(b, Note, .text = "b's note"), "%s", dorm_errmsg(b));
    cr_assert_not_null(dorm_create(b, Note, .text = "b's other note"), "%s", dorm_errmsg(b));
    /* Turns on the one session: each sees its own rows. */
    for (int round = 0; round < 3; round++) {
        cr_assert_eq(dorm_count(dorm_all(a, Note)), 1, "%s", dorm_errmsg(a));
        cr_assert_eq(dorm_count(dorm_all(b, Note)), 2, "%s", dorm_errmsg(b));
        cr_assert_eq(dorm_atomic_begin(a), 0, "%s", dorm_errmsg(a));
        cr_assert_str_eq(((Note *)dorm_first(dorm_all(a, Note)))->text, "a's note");
        cr_assert_eq(dorm_atomic_commit(a), 0, "%s", dorm_errmsg(a));
    }
    /* Each schema has its own record of applied migrations. */
    dorm_cursor *c = dorm_cursor_new(b);
    cr_assert_eq(dorm_cursor_execute(c, "SELECT COUNT(*) FROM dorm_migrations", NULL, 0), 0, "%s", dorm_errmsg(b));
    cr_assert_eq(dorm_cursor_fetchone(c)[0].u.i, 1);
    dorm_cursor_close(c);
    /* Unbound, the context is back on the URL's search_path. */
    cr_assert_eq(dorm_ctx_set_schema(a, NULL), 0);
    c = dorm_cursor_new(a);
    cr_assert_eq(dorm_cursor_execute(c, "SELECT current_schemas(false)::text", NULL, 0), 0, "%s", dorm_errmsg(a));
    cr_assert_null(strstr(dorm_cursor_fetchone(c)[0].u.s, "tenant_"));
    dorm_cursor_close(c);
    dorm_ctx_free(a);
    dorm_ctx_free(b);
    dorm_pool_free(pool);
    fclose(out);
    dorm_db *db = dorm_db_open(test_db_url(), reg);
    drop_schemas(db);
    dorm_db_close(db);
    dorm_registry_free(reg);
    test_tmpdir_remove();
    notes.migrations_dir = NULL;
}

/* A model only public has (django-tenants' shared apps). */
typedef struct Pin {
    DORM_OBJECT;
    int64_t id;
    const char *label;
} Pin;
static const dorm_field Pin_fields[] = {DORM_AUTO(Pin, id), DORM_CHAR(Pin, label, .max_length = 50), DORM_END};
const dorm_model Pin_model = DORM_MODEL(Pin, "shared", Pin_fields);
static const dorm_app shared = {.label = "shared", .models = DORM_MODELS(&Pin_model)};

/* A database of this test's own (its public schema is the test's to
 * fill): test_db_url() with its database name replaced, then `more`. */
static char own_db[48];
static void own_url(char *out, size_t cap, const char *more) {
    const char *url = test_db_url(), *q = strchr(url, '?'), *end = q ? q : url + strlen(url), *slash = end;
    while (slash > url && slash[-1] != '/') slash--;
    snprintf(out, cap, "%.*s%s%s%s", (int)(slash - url), url, own_db, q ? q : "?", more);
}

static dorm_db *own_db_open(dorm_registry *reg, const char *more) {
    snprintf(own_db, sizeof own_db, "dorm_tenancy_%ld", (long)getpid());
    char sql[120], url[700];
    dorm_errbuf e = {0, ""};
    snprintf(sql, sizeof sql, "CREATE DATABASE \"%s\"", own_db);
    cr_assert_eq(dorm_db__exec(T.db, sql, &e), 0, "%s", e.msg);
    own_url(url, sizeof url, more);
    dorm_db *db = dorm_db_open(url, reg);
    cr_assert_eq(dorm_db_errcode(db), DORM_OK, "%s", dorm_db_errmsg(db));
    return db;
}

static void own_db_drop(void) {
    char sql[120];
    dorm_errbuf e = {0, ""};
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS \"%s\"", own_db);
    cr_expect_eq(dorm_db__exec(T.db, sql, &e), 0, "%s", e.msg);
}

static void exec_ok(dorm_db *db, const char *sql) {
    dorm_errbuf e = {0, ""};
    cr_assert_eq(dorm_db__exec(db, sql, &e), 0, "%s: %s", sql, e.msg);
}

static const char *first_text(dorm_ctx *cx, const char *sql) {
    dorm_cursor *c = dorm_cursor_new(cx);
    cr_assert_eq(dorm_cursor_execute(c, sql, NULL, 0), 0, "%s", dorm_errmsg(cx));
    const dorm_value *row = dorm_cursor_fetchone(c);
    cr_assert_not_null(row, "%s", dorm_errmsg(cx));
    const char *text = dorm_strdup(cx, row[0].u.s);
    dorm_cursor_close(c);
    return text;
}

/* SHA256 of a note's text: pgcrypto's DIGEST, installed in public. */
static const char *note_sha256(dorm_ctx *cx) {
    const dorm_row *r = dorm_first(dorm_values_flat(dorm_annotate(dorm_all(cx, Note), DAS("x", DSHA256("text"))), "x"));
    cr_assert_not_null(r, "%s", dorm_errmsg(cx));
    return r->values[0].u.s;
}

#define SHA256_OF_TENANTS "02281b389896878dbcf9d014dfb6e020031be87f8c4c888e50ea49d9eeb669b7"

/* A tenant's search_path is its schema, then public (django-tenants'): the
 * extensions there (pgcrypto) work in a tenant, public's tables are seen,
 * and a tenant's table shadows public's of the same name; on a direct
 * session (SET) and behind a transaction pooler (SET LOCAL). */
Test(tenants, public_follows_the_tenant) {
    if (!on_postgres()) cr_skip_test("schemas are PostgreSQL's");
    test_db_open();
    dorm_registry *reg = dorm_registry_new((const dorm_app *const[]){&notes, &shared, NULL});
    dorm_db *db = own_db_open(reg, "");
    dorm_ctx *cx = dorm_ctx_new(db);
    cr_assert_eq(dorm_create_all(cx), 0, "%s", dorm_errmsg(cx));
    cr_assert_not_null(dorm_create(cx, Note, .text = "public's note"), "%s", dorm_errmsg(cx));
    cr_assert_not_null(dorm_create(cx, Pin, .label = "shared pin"), "%s", dorm_errmsg(cx));
    exec_ok(db, "CREATE SCHEMA \"Tenant\"");
    exec_ok(db, "CREATE TABLE \"Tenant\".\"notes_note\" (LIKE public.\"notes_note\" INCLUDING ALL)");
    cr_assert_eq(dorm_ctx_set_schema(cx, "Tenant"), 0, "%s", dorm_errmsg(cx));
    cr_assert_str_eq(first_text(cx, "SHOW search_path"), "\"Tenant\", public");
    cr_assert_eq(dorm_count(dorm_all(cx, Note)), 0, "the tenant's notes_note shadows public's: %s", dorm_errmsg(cx));
    cr_assert_not_null(dorm_create(cx, Note, .text = "tenant's"), "%s", dorm_errmsg(cx));
    cr_assert_str_eq(note_sha256(cx), SHA256_OF_TENANTS);
    Pin *pin = dorm_first(dorm_all(cx, Pin));
    cr_assert_not_null(pin, "public's table is seen from the tenant: %s", dorm_errmsg(cx));
    cr_assert_str_eq(pin->label, "shared pin");
    /* public itself is the path alone. */
    cr_assert_eq(dorm_ctx_set_schema(cx, "public"), 0, "%s", dorm_errmsg(cx));
    cr_assert_str_eq(first_text(cx, "SHOW search_path"), "public");
    cr_assert_str_eq(((Note *)dorm_first(dorm_all(cx, Note)))->text, "public's note");
    dorm_ctx_free(cx);
    dorm_db_close(db);
    /* Behind a transaction pooler: SET LOCAL at each BEGIN. */
    char url[700];
    own_url(url, sizeof url, "&pooler=transaction");
    db = dorm_db_open(url, reg);
    cr_assert_eq(dorm_db_errcode(db), DORM_OK, "%s", dorm_db_errmsg(db));
    cx = dorm_ctx_new(db);
    cr_assert_eq(dorm_ctx_set_schema(cx, "Tenant"), 0, "%s", dorm_errmsg(cx));
    cr_assert_eq(dorm_atomic_begin(cx), 0, "%s", dorm_errmsg(cx));
    cr_assert_str_eq(first_text(cx, "SHOW search_path"), "\"Tenant\", public");
    cr_assert_str_eq(note_sha256(cx), SHA256_OF_TENANTS);
    cr_assert_eq(dorm_count(dorm_all(cx, Pin)), 1, "%s", dorm_errmsg(cx));
    cr_assert_eq(dorm_atomic_commit(cx), 0, "%s", dorm_errmsg(cx));
    dorm_ctx_free(cx);
    dorm_db_close(db);
    own_db_drop();
    dorm_registry_free(reg);
    test_db_close();
}

/* With public on its path, a tenant still migrates into its own schema,
 * with its own record of applied migrations, when public has both the
 * tables and the record (its shared apps migrated first). */
Test(tenants, tenant_migrates_beside_public) {
    if (!on_postgres()) cr_skip_test("schemas are PostgreSQL's");
    test_db_open();
    const char *dir = test_tmpdir_make("dorm-tenant");
    notes.migrations_dir = dir;
    dorm_registry *reg = dorm_registry_new((const dorm_app *const[]){&notes, NULL});
    dorm_db *db = own_db_open(reg, "");
    dorm_ctx *cx = dorm_ctx_new(db);
    FILE *out = fopen("/dev/null", "w");
    dorm_makemigrations_opts mo = {.out = out};
    const dorm_app *const apps[] = {&notes, NULL};
    cr_assert_eq(dorm_makemigrations(cx, apps, &mo), 0, "%s", dorm_errmsg(cx));
    dorm_migrate_opts mig = {.verbosity = 0, .out = out};
    cr_assert_eq(dorm_migrate(cx, apps, &mig), 0, "%s", dorm_errmsg(cx));
    cr_assert_eq(dorm_schema_create(cx, "tenant"), 0, "%s", dorm_errmsg(cx));
    cr_assert_eq(dorm_ctx_set_schema(cx, "tenant"), 0, "%s", dorm_errmsg(cx));
    cr_assert_eq(dorm_migrate(cx, apps, &mig), 0, "%s", dorm_errmsg(cx));
    cr_assert_not_null(dorm_create(cx, Note, .text = "tenant's"), "%s", dorm_errmsg(cx));
    cr_assert_str_eq(first_text(cx, "SELECT COUNT(*)::text FROM tenant.dorm_migrations"), "1");
    cr_assert_str_eq(first_text(cx, "SELECT COUNT(*)::text FROM tenant.notes_note"), "1");
    cr_assert_str_eq(first_text(cx, "SELECT COUNT(*)::text FROM public.notes_note"), "0");
    dorm_ctx_free(cx);
    dorm_db_close(db);
    fclose(out);
    own_db_drop();
    dorm_registry_free(reg);
    test_tmpdir_remove();
    notes.migrations_dir = NULL;
    test_db_close();
}

/* The row-level scope: orders belong to a shop. */
Test(tenants, row_level_scope) {
    test_db_open_apps((const dorm_app *const[]){&shops, NULL});
    Shop *s1 = dorm_create(T.cx, Shop, .name = "one"), *s2 = dorm_create(T.cx, Shop, .name = "two");
    cr_assert(s1 && s2, "%s", dorm_errmsg(T.cx));
    dorm_databases *dbs = dorm_databases_new(T.reg);
    char url[700];
    if (on_postgres())
        snprintf(url, sizeof url, "%s&options=-c%%20search_path%%3D%s", test_db_url(), test_db_schema());
    else
        snprintf(url, sizeof url, "sqlite:///%s/t.db", test_tmpdir_make("dorm-scope"));
    cr_assert_eq(dorm_databases_add(dbs, "default", url, NULL), 0, "%s", dorm_databases_errmsg(dbs));
    cr_assert_eq(
        dorm_databases_set_tenant_scope(dbs, (const dorm_tenant_scope[]){{&Order_model, "shop"}, {NULL, NULL}}), 0);
    dorm_ctx *one = dorm_ctx_new_databases(dbs), *two = dorm_ctx_new_databases(dbs);
    if (!on_postgres()) {
        cr_assert_eq(dorm_create_all(one), 0, "%s", dorm_errmsg(one));
        s1 = dorm_create(one, Shop, .name = "one");
        s2 = dorm_create(one, Shop, .name = "two");
    }
    /* Without a tenant, scoped models are refused; others are not. */
    cr_assert_lt(dorm_count(dorm_all(one, Order)), 0);
    cr_assert_eq(dorm_errcode(one), DORM_EPOLICY);
    cr_assert_str_eq(dorm_errmsg(one),
                     "Order is scoped by tenant and was queried without a tenant: call dorm_ctx_set_tenant() first.");
    cr_assert_null(dorm_create(one, Order, .item = "x"));
    cr_assert_eq(dorm_errcode(one), DORM_EPOLICY);
    cr_assert_eq(dorm_count(dorm_all(one, Shop)), 2, "%s", dorm_errmsg(one));
    cr_assert_eq(dorm_ctx_set_tenant(one, DV(s1->id)), 0);
    cr_assert_eq(dorm_ctx_set_tenant(two, DV(s2->id)), 0);
    /* New objects take the context's tenant. */
    Order *o1 = dorm_create(one, Order, .item = "apples");
    cr_assert_not_null(o1, "%s", dorm_errmsg(one));
    cr_assert_eq(o1->shop.id, s1->id);
    cr_assert_not_null(dorm_create(one, Order, .item = "pears"), "%s", dorm_errmsg(one));
    cr_assert_not_null(dorm_create(two, Order, .item = "bread"), "%s", dorm_errmsg(two));
    /* Every query is filtered, however it is written. */
    cr_assert_eq(dorm_count(dorm_all(one, Order)), 2, "%s", dorm_errmsg(one));
    cr_assert_eq(dorm_count(dorm_all(two, Order)), 1, "%s", dorm_errmsg(two));
    cr_assert_eq(dorm_count(dorm_filter(dorm_all(two, Order), DQ("item", "apples"))), 0);
    cr_assert_null(dorm_get(dorm_all(two, Order), DQ("pk", o1->id)));
    cr_assert_eq(dorm_errcode(two), DORM_EDOESNOTEXIST);
    cr_assert_eq(dorm_update(dorm_all(two, Order), DSET("item", "stale")), 1, "%s", dorm_errmsg(two));
    cr_assert_eq(dorm_count(dorm_filter(dorm_all(one, Order), DQ("item", "stale"))), 0);
    Shop *shop2 = dorm_get(dorm_all(two, Shop), DQ("pk", s2->id));
    cr_assert_eq(dorm_count(dorm_related(shop2, "orders")), 1, "%s", dorm_errmsg(two));
    /* Another tenant's object cannot be saved or deleted. */
    Order *forged = dorm_new(two, Order);
    forged->id = o1->id;
    forged->shop.id = s1->id;
    forged->item = "stolen";
    cr_assert_eq(dorm_save(forged), DORM_EPOLICY);
    cr_assert_str_eq(dorm_errmsg(two),
                     "This Order belongs to another tenant: a context of one tenant cannot write it.");
    /* ... nor bulk-updated, even among the context's own (nothing written). */
    Order *mine = dorm_get(dorm_all(two, Order), DQ("item", "stale"));
    cr_assert_not_null(mine, "%s", dorm_errmsg(two));
    mine->item = "fresh";
    cr_assert_eq(dorm_bulk_update(two, Order, ((Order *[]){mine, forged}), 2, "item"), DORM_EPOLICY);
    cr_assert_str_eq(dorm_errmsg(two),
                     "This Order belongs to another tenant: a context of one tenant cannot write it.");
    cr_assert_eq(dorm_count(dorm_filter(dorm_all(two, Order), DQ("item", "fresh"))), 0, "nothing was written");
    cr_assert_eq(dorm_count(dorm_filter(dorm_all(one, Order), DQ("item", "apples"))), 1, "one's row untouched");
    cr_assert_eq(dorm_bulk_update(two, Order, ((Order *[]){mine}), 1, "item"), 1, "%s", dorm_errmsg(two));
    cr_assert_eq(dorm_delete(o1, NULL), 0, "%s", dorm_errmsg(one));
    dorm_deleted d;
    cr_assert_eq(dorm_qs_delete(dorm_all(two, Order), &d), 0, "%s", dorm_errmsg(two));
    cr_assert_eq(d.total, 1);
    cr_assert_eq(dorm_count(dorm_all(one, Order)), 1, "two's delete() left one's rows alone");
    cr_assert_eq(dorm_ctx_set_tenant(one, dorm_v_float(1.5)), DORM_EVALUE);
    dorm_ctx_free(one);
    dorm_ctx_free(two);
    dorm_databases_free(dbs);
    if (!on_postgres()) test_tmpdir_remove();
    test_db_close();
}
