/* test_makemigrations.c - the autodetector: an initial migration from the
 * models, then changes between two versions of them (added, renamed and
 * altered fields, a new model with a many-to-many to it, an index), renames
 * asked and answered, one-off defaults, --check, cross-app dependencies,
 * and the files applied with their rows kept. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/db.h"
#include "core/ctx.h"
#include "migrations.h"
#include "testdb.h"

/* Version 1 of the shop app. */
typedef struct Product {
    DORM_OBJECT;
    int64_t id;
    const char *name;
} Product;
DORM_MODEL_DECLARE(Product);
static const dorm_field Product_fields[] = {DORM_AUTO(Product, id), DORM_CHAR(Product, name, .max_length = 50),
                                            DORM_END};
const dorm_model Product_model = DORM_MODEL(Product, "shop", Product_fields);

/* Version 2: name renamed to title and longer, a price, tags; a Tag model. */
typedef struct Tag {
    DORM_OBJECT;
    int64_t id;
    const char *label;
} Tag;
DORM_MODEL_DECLARE(Tag);
static const dorm_field Tag_fields[] = {DORM_AUTO(Tag, id), DORM_CHAR(Tag, label, .max_length = 20), DORM_END};
const dorm_model Tag_model = DORM_MODEL(Tag, "shop", Tag_fields);

typedef struct Product2 {
    DORM_OBJECT;
    int64_t id;
    const char *title;
    int32_t price;
} Product2;
static const dorm_field Product2_fields[] = {
    DORM_AUTO(Product2, id),
    DORM_CHAR(Product2, title, .max_length = 50),
    DORM_INT(Product2, price, .default_value = DORM_VINT(5)),
    DORM_MANY_TO_MANY(Product2, tags, Tag),
    DORM_END,
};
static const dorm_model Product2_model = {.abi = DORM_MODEL_ABI,
                                          .name = "Product",
                                          .app_label = "shop",
                                          .size = sizeof(Product2),
                                          .fields = Product2_fields,
                                          .indexes = DORM_INDEXES({DORM_LIST("title"), "shop_title_idx"})};

/* A second app pointing at the first. */
typedef struct Review {
    DORM_OBJECT;
    int64_t id;
    DORM_FK(Product) product;
    int32_t stars;
} Review;
DORM_MODEL_DECLARE(Review);
static const dorm_field Review_fields[] = {
    DORM_AUTO(Review, id),
    DORM_FOREIGN_KEY(Review, product, Product, .on_delete = DORM_CASCADE),
    DORM_INT(Review, stars),
    DORM_END,
};
const dorm_model Review_model = DORM_MODEL(Review, "reviews", Review_fields);

static const char *dir, *dir2;

static void open_empty(void) {
    test_db_open_apps((const dorm_app *const[]){&test_empty_app, NULL});
    dir = test_tmpdir_make("dorm-mk");
    dir2 = test_tmpdir_path("reviews");
}

static void close_empty(void) {
    test_tmpdir_remove();
    test_db_close();
}

TestSuite(makemigrations, .init = open_empty, .fini = close_empty);

/* --check: makemigrations writes nothing, and fails on changes. */
static const dorm_makemigrations_opts check = {.check = true};

static void exec_ok(const char *sql) {
    dorm_errbuf e = {0, ""};
    cr_assert_eq(dorm_db__exec(T.db, sql, &e), 0, "%s: %s", sql, e.msg);
}

static int migrate(const dorm_app *const *apps) {
    return dorm_migrate(T.cx, apps, &(dorm_migrate_opts){.verbosity = 0});
}

Test(makemigrations, initial_then_changes) {
    dorm_app v1 = {.label = "shop", .models = DORM_MODELS(&Product_model), .migrations_dir = dir};
    const dorm_app *apps1[] = {&v1, NULL};
    int rc;
    const char *out = test_makemigrations(apps1, NULL, NULL, &rc);
    cr_assert_eq(rc, 0, "%s", dorm_errmsg(T.cx));
    char expect[256];
    snprintf(expect, sizeof expect, "Migrations for 'shop':\n  %s/0001_initial.json\n    - Create model Product\n",
             dir);
    cr_expect_str_eq(out, expect);
    cr_expect_str_eq(test_makemigrations(apps1, NULL, NULL, &rc), "No changes detected\n");
    cr_assert_eq(migrate(apps1), 0, "%s", dorm_errmsg(T.cx));
    exec_ok("INSERT INTO \"shop_product\" (\"name\") VALUES ('pen')");

    dorm_app v2 = {.label = "shop", .models = DORM_MODELS(&Tag_model, &Product2_model), .migrations_dir = dir};
    const dorm_app *apps2[] = {&v2, NULL};
    test_makemigrations(apps2, NULL, &check, &rc);
    cr_expect_eq(rc, 1, "--check: the models changed");
    out = test_makemigrations(apps2, "y\n", NULL, &rc);
    cr_assert_eq(rc, 0, "%s", dorm_errmsg(T.cx));
    cr_expect(strstr(out, "Did you rename product.name to product.title (a CharField)? [y/N] "), "%s", out);
    cr_expect(strstr(out, "0002_auto_"), "%s", out);
    const char *ops = strstr(out, "    - ");
    cr_assert_not_null(ops, "%s", out);
    cr_expect_str_eq(ops,
                     "    - Create model Tag\n    - Rename field name on product to title\n"
                     "    - Add field price to product\n"
                     "    - Create index shop_title_idx on field(s) title of model product\n"
                     "    - Add field tags to product\n");
    test_makemigrations(apps2, NULL, &check, &rc);
    cr_expect_eq(rc, 0, "--check: all migrated");
    cr_assert_eq(migrate(apps2), 0, "%s", dorm_errmsg(T.cx));
    /* The row kept its name under the new column, with the default price. */
    dorm_registry *reg = dorm_registry_new(apps2);
    cr_assert_eq(dorm_registry_errcode(reg), DORM_OK, "%s", dorm_registry_messages(reg));
    dorm_db *db = T.db;
    const dorm_registry *saved = db->reg;
    db->reg = reg;
    Product2 *p = dorm_qs_get(dorm_qs_all(T.cx, &Product2_model), NULL);
    cr_assert_not_null(p, "%s", dorm_errmsg(T.cx));
    cr_expect_str_eq(p->title, "pen");
    cr_expect_eq(p->price, 5);
    Tag *t = dorm_create(T.cx, Tag, .label = "office");
    cr_assert_not_null(t, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(dorm_related_add(p, "tags", (void *[]){t}, 1), DORM_OK, "%s", dorm_errmsg(T.cx));
    db->reg = saved;
    dorm_registry_free(reg);
}

Test(makemigrations, noinput_means_no_rename) {
    dorm_app v1 = {.label = "shop", .models = DORM_MODELS(&Product_model), .migrations_dir = dir};
    int rc;
    test_makemigrations((const dorm_app *const[]){&v1, NULL}, NULL, NULL, &rc);
    cr_assert_eq(rc, 0);
    dorm_app v2 = {.label = "shop", .models = DORM_MODELS(&Tag_model, &Product2_model), .migrations_dir = dir};
    /* Not asked, name/title is not a rename: title is a new NOT NULL field. */
    test_makemigrations((const dorm_app *const[]){&v2, NULL}, NULL, NULL, &rc);
    cr_expect_lt(rc, 0);
    cr_expect_str_eq(dorm_errmsg(T.cx),
                     "You are trying to add a non-nullable field 'title' to product without a "
                     "default; we can't do that (the database needs something to populate existing rows).");
    /* Answering no to the rename, then giving a default (Django's fix 1). */
    const char *out = test_makemigrations((const dorm_app *const[]){&v2, NULL}, "n\n1\n'untitled'\n", NULL, &rc);
    cr_assert_eq(rc, 0, "%s", dorm_errmsg(T.cx));
    cr_expect(strstr(out, "    - Add field title to product\n"), "%s", out);
    cr_expect(strstr(out, "    - Remove field name from product\n"), "%s", out);
}

typedef struct Strict {
    DORM_OBJECT;
    int64_t id;
    const char *name;
    int32_t qty;
} Strict;
static const dorm_field Strict_fields[] = {DORM_AUTO(Strict, id), DORM_CHAR(Strict, name, .max_length = 50),
                                           DORM_INT(Strict, qty), DORM_END};
static const dorm_model Strict_model = {
    .abi = DORM_MODEL_ABI, .name = "Product", .app_label = "shop", .size = sizeof(Strict), .fields = Strict_fields};

Test(makemigrations, not_null_field_needs_a_default) {
    dorm_app v1 = {.label = "shop", .models = DORM_MODELS(&Product_model), .migrations_dir = dir};
    int rc;
    test_makemigrations((const dorm_app *const[]){&v1, NULL}, NULL, NULL, &rc);
    cr_assert_eq(migrate((const dorm_app *const[]){&v1, NULL}), 0, "%s", dorm_errmsg(T.cx));
    exec_ok("INSERT INTO \"shop_product\" (\"name\") VALUES ('pen')");
    dorm_app v2 = {.label = "shop", .models = DORM_MODELS(&Strict_model), .migrations_dir = dir};
    test_makemigrations((const dorm_app *const[]){&v2, NULL}, NULL, NULL, &rc);
    cr_expect_lt(rc, 0);
    cr_expect_str_eq(dorm_errmsg(T.cx),
                     "You are trying to add a non-nullable field 'qty' to product without a default; "
                     "we can't do that (the database needs something to populate existing rows).");
    /* Interactively: a one-off default for the existing rows only. */
    const char *out = test_makemigrations((const dorm_app *const[]){&v2, NULL}, "1\n3\n", NULL, &rc);
    cr_assert_eq(rc, 0, "%s", dorm_errmsg(T.cx));
    cr_expect(strstr(out, "0002_product_qty.json"), "%s", out);
    const char *text = test_read_file(test_tmpdir_path("0002_product_qty.json"));
    cr_assert_not_null(text);
    cr_expect(strstr(text, "\"default\": 3"), "%s", text);
    cr_expect(strstr(text, "\"preserve_default\": false"), "%s", text);
    cr_assert_eq(migrate((const dorm_app *const[]){&v2, NULL}), 0, "%s", dorm_errmsg(T.cx));
    exec_ok("INSERT INTO \"shop_product\" (\"name\", \"qty\") VALUES ('ink', 1)");
}

Test(makemigrations, cross_app_dependency) {
    dorm_app shop = {.label = "shop", .models = DORM_MODELS(&Product_model), .migrations_dir = dir};
    dorm_app reviews = {.label = "reviews", .models = DORM_MODELS(&Review_model), .migrations_dir = dir2};
    int rc;
    test_makemigrations((const dorm_app *const[]){&shop, &reviews, NULL}, NULL, NULL, &rc);
    cr_assert_eq(rc, 0, "%s", dorm_errmsg(T.cx));
    const char *text = test_read_file(test_tmpdir_path("reviews/0001_initial.json"));
    cr_assert_not_null(text);
    cr_expect(
        strstr(text,
               "\"dependencies\": [\n        [\n            \"shop\",\n            \"0001_initial\"\n        ]\n    ]"),
        "%s", text);
    /* Migrating only the second app brings the first along. */
    rc = dorm_migrate(T.cx, (const dorm_app *const[]){&shop, &reviews, NULL},
                      &(dorm_migrate_opts){.app = "reviews", .verbosity = 0});
    cr_assert_eq(rc, 0, "%s", dorm_errmsg(T.cx));
    int rc2 = dorm_makemigrations(T.cx, (const dorm_app *const[]){&shop, &reviews, NULL},
                                  &(dorm_makemigrations_opts){.apps = DORM_LIST("nope")});
    cr_expect_lt(rc2, 0);
    cr_expect_str_eq(dorm_errmsg(T.cx), "App 'nope' could not be found. Is it in the apps list?");
}

/* The same fields under another name, then constraints and unique_together. */
typedef struct Item {
    DORM_OBJECT;
    int64_t id;
    const char *name;
} Item;
static const dorm_field Item_fields[] = {DORM_AUTO(Item, id), DORM_CHAR(Item, name, .max_length = 50), DORM_END};
static const dorm_model Item_model = {
    .abi = DORM_MODEL_ABI, .name = "Item", .app_label = "shop", .size = sizeof(Item), .fields = Item_fields};
static const dorm_model Item2_model = {
    .abi = DORM_MODEL_ABI,
    .name = "Item",
    .app_label = "shop",
    .size = sizeof(Item),
    .fields = Item_fields,
    .unique_together = DORM_UNIQUE_TOGETHER(DORM_LIST("id", "name")),
    .constraints =
        DORM_CONSTRAINTS({DORM_CONSTRAINT_UNIQUE, "item_name_uniq", DORM_LIST("name"), NULL},
                         {DORM_CONSTRAINT_CHECK, "item_name_set", NULL, dorm_not(DQC("name", DORM_VTEXT("")))}),
};

Test(makemigrations, renamed_model_and_constraints) {
    dorm_app v1 = {.label = "shop", .models = DORM_MODELS(&Product_model), .migrations_dir = dir};
    int rc;
    test_makemigrations((const dorm_app *const[]){&v1, NULL}, NULL, NULL, &rc);
    cr_assert_eq(migrate((const dorm_app *const[]){&v1, NULL}), 0, "%s", dorm_errmsg(T.cx));
    exec_ok("INSERT INTO \"shop_product\" (\"name\") VALUES ('pen')");
    dorm_app v2 = {.label = "shop", .models = DORM_MODELS(&Item_model), .migrations_dir = dir};
    const char *out = test_makemigrations((const dorm_app *const[]){&v2, NULL}, "y\n", NULL, &rc);
    cr_assert_eq(rc, 0, "%s", dorm_errmsg(T.cx));
    cr_expect(strstr(out, "Did you rename the shop.Product model to Item? [y/N] "), "%s", out);
    cr_expect(strstr(out, "    - Rename model Product to Item\n"), "%s", out);
    cr_assert_eq(migrate((const dorm_app *const[]){&v2, NULL}), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(test_scalar("SELECT COUNT(*) FROM \"shop_item\" WHERE \"name\" = 'pen'"), 1,
                 "the row moved with the table");
    dorm_app v3 = {.label = "shop", .models = DORM_MODELS(&Item2_model), .migrations_dir = dir};
    out = test_makemigrations((const dorm_app *const[]){&v3, NULL}, NULL, NULL, &rc);
    cr_assert_eq(rc, 0, "%s", dorm_errmsg(T.cx));
    cr_expect(strstr(out, "    - Alter unique_together for item (1 constraint(s))\n"), "%s", out);
    cr_expect(strstr(out, "    - Create constraint item_name_uniq on model item\n"), "%s", out);
    cr_expect(strstr(out, "    - Create constraint item_name_set on model item\n"), "%s", out);
    cr_assert_eq(migrate((const dorm_app *const[]){&v3, NULL}), 0, "%s", dorm_errmsg(T.cx));
    dorm_errbuf e = {0, ""};
    cr_expect_neq(dorm_db__exec(T.db, "INSERT INTO \"shop_item\" (\"name\") VALUES ('pen')", &e), 0, "unique name");
    cr_expect_neq(dorm_db__exec(T.db, "INSERT INTO \"shop_item\" (\"name\") VALUES ('')", &e), 0, "check");
    /* Dropping them again is detected too. */
    out = test_makemigrations((const dorm_app *const[]){&v2, NULL}, NULL, NULL, &rc);
    cr_expect(strstr(out, "    - Remove constraint item_name_uniq from model item\n"), "%s", out);
    cr_assert_eq(migrate((const dorm_app *const[]){&v2, NULL}), 0, "%s", dorm_errmsg(T.cx));
    exec_ok("INSERT INTO \"shop_item\" (\"name\") VALUES ('pen')");
}

static const dorm_field Wide_fields[] = {DORM_AUTO(Item, id), DORM_CHAR(Item, name, .max_length = 80, .db_index = true),
                                         DORM_END};
static const dorm_model Wide_model = {
    .abi = DORM_MODEL_ABI, .name = "Item", .app_label = "shop", .size = sizeof(Item), .fields = Wide_fields};

Test(makemigrations, altered_field_and_deleted_model) {
    dorm_app v1 = {.label = "shop", .models = DORM_MODELS(&Tag_model, &Item_model), .migrations_dir = dir};
    int rc;
    test_makemigrations((const dorm_app *const[]){&v1, NULL}, NULL, NULL, &rc);
    cr_assert_eq(migrate((const dorm_app *const[]){&v1, NULL}), 0, "%s", dorm_errmsg(T.cx));
    exec_ok("INSERT INTO \"shop_item\" (\"name\") VALUES ('pen')");
    dorm_app v2 = {.label = "shop", .models = DORM_MODELS(&Wide_model), .migrations_dir = dir};
    const char *out = test_makemigrations((const dorm_app *const[]){&v2, NULL}, NULL, NULL, &rc);
    cr_assert_eq(rc, 0, "%s", dorm_errmsg(T.cx));
    cr_expect(strstr(out, "    - Delete model Tag\n    - Alter field name on item\n"), "%s", out);
    cr_expect(strstr(out, "WARNING"), "deleting a model is flagged: %s", out);
    cr_assert_eq(migrate((const dorm_app *const[]){&v2, NULL}), 0, "%s", dorm_errmsg(T.cx));
    exec_ok("INSERT INTO \"shop_item\" (\"name\") VALUES ('a name of more than fifty characters fits now, sixty')");
    cr_expect_eq(test_scalar("SELECT COUNT(*) FROM \"shop_item\""), 2);
}

/* Django's db_index defaults survive the migration file: written only where
 * they differ (a SlugField or ForeignKey without its index), read back the same. */
typedef struct Post {
    DORM_OBJECT;
    int64_t id;
    DORM_FK(Tag) tag;
    const char *slug, *code;
} Post;
DORM_MODEL_DECLARE(Post);
static const dorm_field Post_fields[] = {
    DORM_AUTO(Post, id),
    DORM_FOREIGN_KEY(Post, tag, Tag, .on_delete = DORM_CASCADE, .no_db_index = true),
    DORM_SLUG(Post, slug, .max_length = 50),
    DORM_SLUG(Post, code, .max_length = 50, .no_db_index = true),
    DORM_END,
};
const dorm_model Post_model = DORM_MODEL(Post, "shop", Post_fields);

Test(makemigrations, db_index_defaults_round_trip) {
    dorm_app app = {.label = "shop", .models = DORM_MODELS(&Tag_model, &Post_model), .migrations_dir = dir};
    const dorm_app *apps[] = {&app, NULL};
    int rc;
    test_makemigrations(apps, NULL, NULL, &rc);
    cr_assert_eq(rc, 0, "%s", dorm_errmsg(T.cx));
    char *text = test_read_file(test_tmpdir_path("0001_initial.json"));
    cr_assert_not_null(text);
    /* Without the layout's white space. */
    test_squeeze(text);
    cr_expect(strstr(text, "[\"slug\",{\"type\":\"SlugField\",\"max_length\":50}]"), "%s", text);
    cr_expect(strstr(text, "[\"code\",{\"type\":\"SlugField\",\"max_length\":50,\"db_index\":false}]"), "%s", text);
    cr_expect(strstr(text, "\"db_index\":false,\"to\":\"shop.tag\""), "%s", text);
    test_makemigrations(apps, NULL, &check, &rc);
    cr_expect_eq(rc, 0, "--check: the file says what the models say");
    cr_assert_eq(migrate(apps), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(test_scalar("SELECT COUNT(*) FROM \"shop_post\""), 0);
}

/* Version 2 of Product with auto_now fields and a blank text field. */
typedef struct Stamped {
    DORM_OBJECT;
    int64_t id;
    const char *name;
    dorm_datetime created, modified;
    const char *note;
} Stamped;
static const dorm_field Stamped_fields[] = {
    DORM_AUTO(Stamped, id),
    DORM_CHAR(Stamped, name, .max_length = 50),
    DORM_DATETIME(Stamped, created, .auto_now_add = true),
    DORM_DATETIME(Stamped, modified, .auto_now = true),
    DORM_TEXT(Stamped, note, .blank = true),
    DORM_END,
};
static const dorm_model Stamped_model = {
    .abi = DORM_MODEL_ABI, .name = "Product", .app_label = "shop", .size = sizeof(Stamped), .fields = Stamped_fields};

/* Without white space, for comparing JSON text. */
static const char *squeezed(const char *text) {
    char *s = dorm_strdup(T.cx, text), *w = s;
    for (const char *r = text; *r; r++)
        if (*r != ' ' && *r != '\n') *w++ = *r;
    *w = '\0';
    return s;
}

/* As Django: existing rows get the time of the migration for auto_now and
 * (offered as the one-off default "timezone.now") auto_now_add fields, and
 * "" for a blank text field, which is not asked about. */
Test(makemigrations, auto_now_and_blank_fields_on_rows) {
    dorm_app v1 = {.label = "shop", .models = DORM_MODELS(&Product_model), .migrations_dir = dir};
    int rc;
    test_makemigrations((const dorm_app *const[]){&v1, NULL}, NULL, NULL, &rc);
    cr_assert_eq(migrate((const dorm_app *const[]){&v1, NULL}), 0, "%s", dorm_errmsg(T.cx));
    exec_ok("INSERT INTO \"shop_product\" (\"name\") VALUES ('pen')");
    dorm_app v2 = {.label = "shop", .models = DORM_MODELS(&Stamped_model), .migrations_dir = dir};
    const dorm_app *apps2[] = {&v2, NULL};
    test_makemigrations(apps2, NULL, NULL, &rc);
    cr_expect_lt(rc, 0);
    cr_expect_str_eq(dorm_errmsg(T.cx),
                     "You are trying to add the field 'created' with 'auto_now_add=True' to product "
                     "without a default; the database needs something to populate existing rows.");
    /* Option 1, then Enter: the default offered. */
    const char *out = test_makemigrations(apps2, "1\n\n", NULL, &rc);
    cr_assert_eq(rc, 0, "%s", dorm_errmsg(T.cx));
    cr_expect(strstr(out,
                     "You are trying to add the field 'created' with 'auto_now_add=True' to product without a "
                     "default; the database needs something to populate existing rows.\n\n"
                     " 1) Provide a one-off default now (will be set on all existing rows)\n"
                     " 2) Quit, and let me add a default in the model's field table\n"
                     "Select an option: Please enter the default value now"),
              "%s", out);
    cr_expect(strstr(out,
                     "You can accept the default 'timezone.now' by pressing 'Enter' or you can provide another "
                     "value.\nType 'exit' to exit this prompt\n[default: timezone.now] >>> Migrations for 'shop':"),
              "one question only: %s", out);
    const char *p = strstr(out, dir), *end = p ? strchr(p, '\n') : NULL;
    cr_assert_not_null(end, "%s", out);
    const char *text = squeezed(test_read_file(dorm_arena__strndup(&T.cx->arena, p, (size_t)(end - p))));
    cr_expect(strstr(text,
                     "\"name\":\"created\",\"field\":{\"type\":\"DateTimeField\",\"default\":{\"callable\":"
                     "\"timezone.now\"},\"auto_now_add\":true},\"preserve_default\":false}"),
              "%s", text);
    cr_expect(strstr(text, "\"name\":\"modified\",\"field\":{\"type\":\"DateTimeField\",\"auto_now\":true}}"), "%s",
              text);
    cr_expect(strstr(text, "\"name\":\"note\",\"field\":{\"type\":\"TextField\",\"blank\":true}}"), "%s", text);
    cr_assert_eq(migrate(apps2), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(test_scalar("SELECT COUNT(*) FROM \"shop_product\" WHERE \"created\" IS NOT NULL AND \"modified\" IS "
                             "NOT NULL AND \"note\" = ''"),
                 1);
    /* The time is the migration's. */
    dorm_registry *reg = dorm_registry_new(apps2);
    const dorm_registry *saved = T.db->reg;
    T.db->reg = reg;
    Stamped *s = dorm_qs_get(dorm_qs_all(T.cx, &Stamped_model), NULL);
    cr_assert_not_null(s, "%s", dorm_errmsg(T.cx));
    int64_t age = dorm_datetime_now().usec - s->created.usec;
    cr_expect(age >= 0 && age < 60 * 1000000LL, "created %lld us ago", (long long)age);
    T.db->reg = saved;
    dorm_registry_free(reg);
    test_makemigrations(apps2, NULL, &check, &rc);
    cr_expect_eq(rc, 0, "the one-off default is not the model's: no change");
}

/* Version 2 with NOT NULL fields that need a value for the existing rows. */
typedef struct Typed {
    DORM_OBJECT;
    int64_t id;
    const char *name, *code;
    int32_t qty;
    bool flag;
} Typed;
static const dorm_field Typed_fields[] = {
    DORM_AUTO(Typed, id),
    DORM_CHAR(Typed, name, .max_length = 50),
    DORM_CHAR(Typed, code, .max_length = 10),
    DORM_INT(Typed, qty),
    DORM_BOOL(Typed, flag),
    DORM_END,
};
static const dorm_model Typed_model = {
    .abi = DORM_MODEL_ABI, .name = "Product", .app_label = "shop", .size = sizeof(Typed), .fields = Typed_fields};

/* One-off defaults are values, not the text typed: '' is the empty string,
 * numbers are range-checked for the field, True is a boolean; a bare word
 * or an empty line asks again, as Django's prompt does. */
Test(makemigrations, one_off_defaults_are_parsed) {
    dorm_app v1 = {.label = "shop", .models = DORM_MODELS(&Product_model), .migrations_dir = dir};
    int rc;
    test_makemigrations((const dorm_app *const[]){&v1, NULL}, NULL, NULL, &rc);
    cr_assert_eq(migrate((const dorm_app *const[]){&v1, NULL}), 0, "%s", dorm_errmsg(T.cx));
    exec_ok("INSERT INTO \"shop_product\" (\"name\") VALUES ('pen')");
    dorm_app v2 = {.label = "shop", .models = DORM_MODELS(&Typed_model), .migrations_dir = dir};
    const dorm_app *apps2[] = {&v2, NULL};
    /* Asked about in the order of their names (code, flag, qty), as Django asks. */
    const char *out =
        test_makemigrations(apps2, "x\n1\nuntitled\n\n\"\"\n1\nTrue\n1\n99999999999\n'7'\n7\n", NULL, &rc);
    cr_assert_eq(rc, 0, "%s\n%s", dorm_errmsg(T.cx), out);
    cr_expect(strstr(out, "Select an option: Please select a valid option: "), "%s", out);
    cr_expect(strstr(out,
                     ">>> Invalid input: name 'untitled' is not defined (text needs quotes: 'untitled')\n>>> "
                     "Please enter some code, or 'exit' (with no quotes) to exit.\n>>> "),
              "%s", out);
    cr_expect(strstr(out, "Invalid input: 99999999999 is out of range for IntegerField (-2147483648 to 2147483647)"),
              "%s", out);
    cr_expect(strstr(out, "Invalid input: IntegerField does not hold the text '7'"), "%s", out);
    const char *p = strstr(out, dir), *end = p ? strchr(p, '\n') : NULL;
    cr_assert_not_null(end, "%s", out);
    const char *text = squeezed(test_read_file(dorm_arena__strndup(&T.cx->arena, p, (size_t)(end - p))));
    cr_expect(strstr(text, "{\"type\":\"CharField\",\"max_length\":10,\"default\":\"\"},\"preserve_default\":false"),
              "%s", text);
    cr_expect(strstr(text, "{\"type\":\"IntegerField\",\"default\":7},\"preserve_default\":false"), "%s", text);
    cr_expect(strstr(text, "{\"type\":\"BooleanField\",\"default\":true},\"preserve_default\":false"), "%s", text);
    cr_assert_eq(migrate(apps2), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(test_scalar("SELECT COUNT(*) FROM \"shop_product\" WHERE \"code\" = '' AND \"qty\" = 7 AND \"flag\""),
                 1);
    /* 'exit' quits without writing. */
    dorm_app v3 = {.label = "shop", .models = DORM_MODELS(&Stamped_model), .migrations_dir = dir};
    test_makemigrations((const dorm_app *const[]){&v3, NULL}, "1\nexit\n", NULL, &rc);
    cr_expect_lt(rc, 0);
    cr_expect_str_eq(dorm_errmsg(T.cx), "makemigrations: no one-off default given for product.created.");
    test_makemigrations((const dorm_app *const[]){&v3, NULL}, "2\n", NULL, &rc);
    cr_expect_lt(rc, 0, "option 2 quits");
}

/* --check says what it would write (Django prints the changes) and writes
 * nothing; migrate with nothing to apply says the models changed. */
Test(makemigrations, check_and_migrate_report_unmigrated_changes) {
    dorm_app v1 = {.label = "shop", .models = DORM_MODELS(&Product_model), .migrations_dir = dir};
    int rc;
    test_makemigrations((const dorm_app *const[]){&v1, NULL}, NULL, NULL, &rc);
    cr_assert_eq(migrate((const dorm_app *const[]){&v1, NULL}), 0, "%s", dorm_errmsg(T.cx));
    dorm_app v2 = {.label = "shop", .models = DORM_MODELS(&Tag_model, &Product_model), .migrations_dir = dir};
    const dorm_app *apps2[] = {&v2, NULL};
    const char *out = test_makemigrations(apps2, NULL, &check, &rc);
    cr_expect_eq(rc, 1);
    cr_expect_str_eq(out,
                     dorm_sprintf(T.cx, "Migrations for 'shop':\n  %s/0002_tag.json\n    - Create model Tag\n", dir));
    cr_expect_null(test_read_file(test_tmpdir_path("0002_tag.json")), "--check writes nothing");
    char *buf = NULL;
    size_t len = 0;
    FILE *mout = open_memstream(&buf, &len);
    cr_assert_eq(dorm_migrate(T.cx, apps2, &(dorm_migrate_opts){.verbosity = 1, .out = mout}), 0, "%s",
                 dorm_errmsg(T.cx));
    fclose(mout);
    cr_expect_str_eq(buf,
                     "Operations to perform:\n  Apply all migrations: shop\nRunning migrations:\n"
                     "  No migrations to apply.\n"
                     "  Your models in app(s): 'shop' have changes that are not yet reflected in a migration, and "
                     "so won't be applied.\n"
                     "  Run 'manage makemigrations' to make new migrations, and then re-run 'manage migrate' to "
                     "apply them.\n");
    free(buf);
    buf = NULL;
    mout = open_memstream(&buf, &len);
    cr_assert_eq(
        dorm_migrate(T.cx, (const dorm_app *const[]){&v1, NULL}, &(dorm_migrate_opts){.verbosity = 1, .out = mout}), 0);
    fclose(mout);
    cr_expect_null(strstr(buf, "Your models"), "%s", buf);
    free(buf);
}

/* --empty names an app's first migration "initial" but, as Django's, does
 * not mark it initial: only the autodetector's first migrations are. */
Test(makemigrations, empty_first_migration_is_not_initial) {
    dorm_app shop = {.label = "shop", .models = DORM_MODELS(&Product_model), .migrations_dir = dir};
    const dorm_app *apps[] = {&shop, NULL};
    int rc = dorm_makemigrations(T.cx, apps, &(dorm_makemigrations_opts){.empty = true, .verbosity = 0});
    cr_assert_eq(rc, 0, "%s", dorm_errmsg(T.cx));
    const char *text = test_read_file(test_tmpdir_path("0001_initial.json"));
    cr_assert_not_null(text);
    cr_expect_null(strstr(text, "\"initial\""), "%s", text);
    cr_expect(strstr(text, "\"operations\": []"), "%s", text);
}

/* A key to a model of an app without migrations depends on ("shop",
 * "__first__"), as Django writes it; the loader drops that while the app
 * has no migrations and reads it as the app's first migration once it has. */
Test(makemigrations, key_to_an_app_without_migrations) {
    dorm_app plain = {.label = "shop", .models = DORM_MODELS(&Product_model)};
    dorm_app reviews = {.label = "reviews", .models = DORM_MODELS(&Review_model), .migrations_dir = dir2};
    int rc;
    test_makemigrations((const dorm_app *const[]){&plain, &reviews, NULL}, NULL, NULL, &rc);
    cr_assert_eq(rc, 0, "%s", dorm_errmsg(T.cx));
    const char *text = test_read_file(test_tmpdir_path("reviews/0001_initial.json"));
    cr_assert_not_null(text);
    cr_expect(
        strstr(text,
               "\"dependencies\": [\n        [\n            \"shop\",\n            \"__first__\"\n        ]\n    ]"),
        "%s", text);
    cr_expect_str_eq(test_makemigrations((const dorm_app *const[]){&plain, &reviews, NULL}, NULL, NULL, &rc),
                     "No changes detected\n");
    cr_assert_eq(rc, 0, "%s", dorm_errmsg(T.cx));

    dorm_app shop = {.label = "shop", .models = DORM_MODELS(&Product_model), .migrations_dir = dir};
    const dorm_app *apps[] = {&shop, &reviews, NULL};
    test_makemigrations(apps, NULL, NULL, &rc);
    cr_assert_eq(rc, 0, "%s", dorm_errmsg(T.cx));
    cr_assert_not_null(test_read_file(test_tmpdir_path("0001_initial.json")));
    cr_expect_str_eq(test_makemigrations(apps, NULL, NULL, &rc), "No changes detected\n");
    /* Migrating only the second app brings the first along. */
    rc = dorm_migrate(T.cx, apps, &(dorm_migrate_opts){.app = "reviews", .verbosity = 0});
    cr_assert_eq(rc, 0, "%s", dorm_errmsg(T.cx));
    exec_ok("INSERT INTO \"shop_product\" (\"name\") VALUES ('pen')");
}

/* makemigrations for named apps detects every app's changes and writes the
 * named apps' migrations and those they depend on (Django's _trim_to_apps). */
Test(makemigrations, named_app_brings_its_dependencies) {
    dorm_app shop = {.label = "shop", .models = DORM_MODELS(&Product_model), .migrations_dir = dir};
    dorm_app reviews = {.label = "reviews", .models = DORM_MODELS(&Review_model), .migrations_dir = dir2};
    const dorm_app *apps[] = {&shop, &reviews, NULL};
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    int rc = dorm_makemigrations(T.cx, apps,
                                 &(dorm_makemigrations_opts){.apps = DORM_LIST("reviews"), .out = out, .verbosity = 1});
    fclose(out);
    cr_assert_eq(rc, 0, "%s", dorm_errmsg(T.cx));
    char expect[512];
    snprintf(expect, sizeof expect,
             "Migrations for 'shop':\n  %s/0001_initial.json\n    - Create model Product\n"
             "Migrations for 'reviews':\n  %s/0001_initial.json\n    - Create model Review\n",
             dir, dir2);
    cr_expect_str_eq(buf, expect);
    free(buf);
    cr_assert_eq(dorm_migrate(T.cx, apps, &(dorm_migrate_opts){.verbosity = 0}), 0, "%s", dorm_errmsg(T.cx));
}

/* The other way round: the named app's migrations need no other app's, so
 * the other app's changes are left for later. */
Test(makemigrations, named_app_leaves_the_others) {
    dorm_app shop = {.label = "shop", .models = DORM_MODELS(&Product_model), .migrations_dir = dir};
    dorm_app reviews = {.label = "reviews", .models = DORM_MODELS(&Review_model), .migrations_dir = dir2};
    const dorm_app *apps[] = {&shop, &reviews, NULL};
    int rc = dorm_makemigrations(T.cx, apps, &(dorm_makemigrations_opts){.apps = DORM_LIST("shop"), .verbosity = 0});
    cr_assert_eq(rc, 0, "%s", dorm_errmsg(T.cx));
    cr_expect_not_null(test_read_file(test_tmpdir_path("0001_initial.json")));
    cr_expect_null(test_read_file(test_tmpdir_path("reviews/0001_initial.json")));
}
