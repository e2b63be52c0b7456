/* test_autodetect_order.c - makemigrations writes Django 3.2's operations in
 * Django's order and grouping: the same model changes given to Django's
 * makemigrations printed the summaries held here (app/migration:
 * dependencies, then each operation, a CreateModel with its fields).  Each
 * version's migration is applied, so the order also works on the backend.
 * Within one run: fields and models by name, kept models' changes, deletions,
 * proxies and children, keys between apps (more in
 * test_autodetect_versions.c). */
#define _POSIX_C_SOURCE 200809L
#include <stddef.h>

#include "autodetect.h"
#include "backend/db.h"
#include "core/ctx.h"

TestSuite(autodetect_order, .init = open_empty, .fini = close_empty);

/* ---- fields added to a model: by name ------------------------------------- */

typedef struct Product {
    DORM_OBJECT;
    int64_t id;
    const char *name;
    int32_t zeta, alpha, mid;
} Product;
static const dorm_field Product1_fields[] = {DORM_AUTO(Product, id), DORM_CHAR(Product, name, .max_length = 50),
                                             DORM_END};
static const dorm_field Product2_fields[] = {
    DORM_AUTO(Product, id),
    DORM_CHAR(Product, name, .max_length = 50),
    DORM_INT(Product, zeta, .default_value = DORM_VINT(1)),
    DORM_INT(Product, alpha, .default_value = DORM_VINT(2)),
    DORM_INT(Product, mid, .null = true),
    DORM_END,
};
static const dorm_model Product1_model = DORM_MODEL(Product, "shop", Product1_fields);
static const dorm_model Product2_model = DORM_MODEL(Product, "shop", Product2_fields);

Test(autodetect_order, added_fields_by_name) {
    dorm_app v1 = {.label = "shop", .models = DORM_MODELS(&Product1_model), .migrations_dir = dir_of("shop")};
    test_makemigrations_applied((const dorm_app *const[]){&v1, NULL}, NULL, NULL);
    dorm_app v2 = {.label = "shop", .models = DORM_MODELS(&Product2_model), .migrations_dir = v1.migrations_dir};
    const dorm_app *const apps[] = {&v2, NULL};
    test_makemigrations_applied(apps, NULL, NULL);
    cr_expect_str_eq(test_migrations_summary(apps),
                     "shop/0001_initial: initial\n"
                     "  Create model Product [id, name]\n"
                     "shop/0002_auto: shop/0001_initial\n"
                     "  Add field alpha to product\n"
                     "  Add field mid to product\n"
                     "  Add field zeta to product\n");
}

/* ---- an initial migration: models by name, those with keys after ---------- */

typedef struct Animal {
    DORM_OBJECT;
    int64_t id;
    const char *kind;
} Animal;
typedef struct Zoo {
    DORM_OBJECT;
    int64_t id;
    const char *name;
    DORM_FK(Animal) star;
    const char *city;
} Zoo;
typedef struct Keeper {
    DORM_OBJECT;
    int64_t id;
    DORM_FK(Zoo) zoo;
    const char *name;
    DORM_FK(Keeper) boss;
} Keeper;
typedef struct Bird {
    DORM_OBJECT;
    int64_t id;
    int32_t wing;
} Bird;
DORM_MODEL_DECLARE(Animal);
DORM_MODEL_DECLARE(Zoo);
DORM_MODEL_DECLARE(Keeper);

static const dorm_field Zoo_fields[] = {
    DORM_AUTO(Zoo, id),
    DORM_CHAR(Zoo, name, .max_length = 10),
    DORM_FOREIGN_KEY(Zoo, star, Animal, .on_delete = DORM_CASCADE, .related_name = "+"),
    DORM_CHAR(Zoo, city, .max_length = 10),
    DORM_END,
};
const dorm_model Zoo_model =
    DORM_MODEL(Zoo, "shop", Zoo_fields, .indexes = DORM_INDEXES({DORM_LIST("name"), "zoo_name_idx"}),
               .unique_together = DORM_UNIQUE_TOGETHER(DORM_LIST("name", "city")));
static const dorm_field Animal_fields[] = {DORM_AUTO(Animal, id), DORM_CHAR(Animal, kind, .max_length = 10), DORM_END};
const dorm_model Animal_model = DORM_MODEL(
    Animal, "shop", Animal_fields,
    .constraints = DORM_CONSTRAINTS({DORM_CONSTRAINT_CHECK, "kind_set", NULL, dorm_not(DQC("kind", DORM_VTEXT("")))}),
    .indexes = DORM_INDEXES({DORM_LIST("kind"), "animal_kind_idx"}));
static const dorm_field Keeper_fields[] = {
    DORM_AUTO(Keeper, id),
    DORM_FOREIGN_KEY(Keeper, zoo, Zoo, .on_delete = DORM_CASCADE),
    DORM_CHAR(Keeper, name, .max_length = 10),
    DORM_MANY_TO_MANY(Keeper, pets, Animal),
    DORM_FOREIGN_KEY(Keeper, boss, Keeper, .on_delete = DORM_CASCADE, .null = true),
    DORM_END,
};
const dorm_model Keeper_model =
    DORM_MODEL(Keeper, "shop", Keeper_fields, .unique_together = DORM_UNIQUE_TOGETHER(DORM_LIST("zoo", "name")),
               .indexes = DORM_INDEXES({DORM_LIST("name"), "keeper_name_idx"}));
static const dorm_field Bird_fields[] = {DORM_AUTO(Bird, id), DORM_INT(Bird, wing), DORM_END};
static const dorm_model Bird_model =
    DORM_MODEL(Bird, "shop", Bird_fields, .ordering = DORM_LIST("wing"), .db_table = "birds");

/* CreateModels by name, keys added after them (folded back unless an index
 * between stops the optimizer), then each model's indexes, constraints
 * and unique_together in layers of what they wait for. */
Test(autodetect_order, initial_models_by_name_and_dependencies) {
    dorm_app app = {.label = "shop",
                    .models = DORM_MODELS(&Zoo_model, &Animal_model, &Keeper_model, &Bird_model),
                    .migrations_dir = dir_of("shop")};
    const dorm_app *const apps[] = {&app, NULL};
    test_makemigrations_applied(apps, NULL, NULL);
    cr_expect_str_eq(test_migrations_summary(apps),
                     "shop/0001_initial: initial\n"
                     "  Create model Animal [id, kind]\n"
                     "  Create model Bird [id, wing]\n"
                     "  Create model Zoo [id, name, city, star]\n"
                     "  Create model Keeper [id, name, boss, pets, zoo]\n"
                     "  Create index animal_kind_idx on field(s) kind of model animal\n"
                     "  Create constraint kind_set on model animal\n"
                     "  Create index zoo_name_idx on field(s) name of model zoo\n"
                     "  Alter unique_together for zoo (1 constraint(s))\n"
                     "  Create index keeper_name_idx on field(s) name of model keeper\n"
                     "  Alter unique_together for keeper (1 constraint(s))\n");
}

/* ---- changes to kept models: Django's passes in its order ----------------- */

typedef struct Tag2 {
    DORM_OBJECT;
    int64_t id;
    const char *label;
} Tag2;
typedef struct Item {
    DORM_OBJECT;
    int64_t id;
    const char *name, *code;
    int32_t old, bad, size;
    DORM_FK(Tag) tag;
} Item;
typedef struct Item2 {
    DORM_OBJECT;
    int64_t id;
    const char *title, *code;
    int32_t size, zed, alpha;
} Item2;
DORM_MODEL_DECLARE(Tag2);

static const dorm_field Tag2_fields[] = {DORM_AUTO(Tag2, id), DORM_CHAR(Tag2, label, .max_length = 20), DORM_END};
const dorm_model Tag2_model = {
    .abi = DORM_MODEL_ABI, .name = "Tag", .app_label = "shop", .size = sizeof(Tag2), .fields = Tag2_fields};
static const dorm_field Item_fields[] = {
    DORM_AUTO(Item, id),
    DORM_CHAR(Item, name, .max_length = 10),
    DORM_CHAR(Item, code, .max_length = 10),
    DORM_INT(Item, old, .null = true),
    DORM_INT(Item, bad, .null = true),
    DORM_INT(Item, size),
    DORM_FOREIGN_KEY(Item, tag, Tag, .on_delete = DORM_CASCADE),
    DORM_END,
};
static const dorm_model Item_model =
    DORM_MODEL(Item, "shop", Item_fields, .unique_together = DORM_UNIQUE_TOGETHER(DORM_LIST("name", "old")),
               .indexes = DORM_INDEXES({DORM_LIST("bad"), "item_bad_idx"}));
static const dorm_field Item2_fields[] = {
    DORM_AUTO(Item2, id),
    DORM_CHAR(Item2, title, .max_length = 10),
    DORM_CHAR(Item2, code, .max_length = 12),
    DORM_INT(Item2, size, .null = true),
    DORM_MANY_TO_MANY(Item2, tags, Tag2),
    DORM_INT(Item2, zed, .default_value = DORM_VINT(0)),
    DORM_INT(Item2, alpha, .default_value = DORM_VINT(0)),
    DORM_END,
};
static const dorm_model Item2_model = {.abi = DORM_MODEL_ABI,
                                       .name = "Item",
                                       .app_label = "shop",
                                       .size = sizeof(Item2),
                                       .fields = Item2_fields,
                                       .unique_together = DORM_UNIQUE_TOGETHER(DORM_LIST("title", "code")),
                                       .indexes = DORM_INDEXES({DORM_LIST("code"), "item_code_idx"})};

/* Removed indexes, renamed, added and altered fields (sorted by model,
 * then field), unique_together, added indexes; the removed fields wait
 * for the unique_together change. */
Test(autodetect_order, kept_model_changes) {
    dorm_app v1 = {.label = "shop", .models = DORM_MODELS(&Tag_model, &Item_model), .migrations_dir = dir_of("shop")};
    test_makemigrations_applied((const dorm_app *const[]){&v1, NULL}, NULL, NULL);
    dorm_app v2 = {
        .label = "shop", .models = DORM_MODELS(&Tag2_model, &Item2_model), .migrations_dir = v1.migrations_dir};
    const dorm_app *const apps[] = {&v2, NULL};
    const char *out = test_makemigrations_applied(apps, "y\n", NULL);
    cr_expect(strstr(out, "Did you rename item.name to item.title (a CharField)? [y/N] "), "%s", out);
    cr_expect_str_eq(test_migrations_summary(apps),
                     "shop/0001_initial: initial\n"
                     "  Create model Tag [id, label]\n"
                     "  Create model Item [id, name, code, old, bad, size, tag]\n"
                     "  Create index item_bad_idx on field(s) bad of model item\n"
                     "  Alter unique_together for item (1 constraint(s))\n"
                     "shop/0002_auto: shop/0001_initial\n"
                     "  Remove index item_bad_idx from item\n"
                     "  Rename field name on item to title\n"
                     "  Add field alpha to item\n"
                     "  Add field tags to item\n"
                     "  Add field zed to item\n"
                     "  Alter field code on item\n"
                     "  Alter field size on item\n"
                     "  Alter field label on tag\n"
                     "  Alter unique_together for item (1 constraint(s))\n"
                     "  Create index item_code_idx on field(s) code of model item\n"
                     "  Remove field bad from item\n"
                     "  Remove field old from item\n"
                     "  Remove field tag from item\n");
}

/* ---- models deleted and created ------------------------------------------- */

typedef struct Old {
    DORM_OBJECT;
    int64_t id;
    DORM_FK(Tag) tag;
    const char *note;
} Old;
typedef struct Gone {
    DORM_OBJECT;
    int64_t id;
    int32_t x;
} Gone;
typedef struct Stock {
    DORM_OBJECT;
    int64_t id;
    const char *name;
    DORM_FK(Gone) gone;
} Stock;
typedef struct Stock2 {
    DORM_OBJECT;
    int64_t id;
    const char *name;
    int32_t price;
} Stock2;
typedef struct New {
    DORM_OBJECT;
    int64_t id;
    DORM_FK(Stock2) item;
} New;
typedef struct Alone {
    DORM_OBJECT;
    int64_t id;
    int32_t y;
} Alone;
DORM_MODEL_DECLARE(Gone);
DORM_MODEL_DECLARE(Stock2);

static const dorm_field Old_fields[] = {
    DORM_AUTO(Old, id),
    DORM_FOREIGN_KEY(Old, tag, Tag, .on_delete = DORM_CASCADE),
    DORM_CHAR(Old, note, .max_length = 10),
    DORM_END,
};
static const dorm_model Old_model =
    DORM_MODEL(Old, "shop", Old_fields, .unique_together = DORM_UNIQUE_TOGETHER(DORM_LIST("note", "tag")));
static const dorm_field Gone_fields[] = {DORM_AUTO(Gone, id), DORM_INT(Gone, x), DORM_END};
const dorm_model Gone_model = DORM_MODEL(Gone, "shop", Gone_fields);
static const dorm_field Stock_fields[] = {
    DORM_AUTO(Stock, id),
    DORM_CHAR(Stock, name, .max_length = 10),
    DORM_FOREIGN_KEY(Stock, gone, Gone, .on_delete = DORM_CASCADE),
    DORM_END,
};
static const dorm_model Stock_model = {
    .abi = DORM_MODEL_ABI, .name = "Item", .app_label = "shop", .size = sizeof(Stock), .fields = Stock_fields};
static const dorm_field Stock2_fields[] = {
    DORM_AUTO(Stock2, id),
    DORM_CHAR(Stock2, name, .max_length = 10),
    DORM_INT(Stock2, price, .default_value = DORM_VINT(0)),
    DORM_END,
};
const dorm_model Stock2_model = {
    .abi = DORM_MODEL_ABI, .name = "Item", .app_label = "shop", .size = sizeof(Stock2), .fields = Stock2_fields};
static const dorm_field New_fields[] = {
    DORM_AUTO(New, id),
    DORM_FOREIGN_KEY(New, item, Stock2, .on_delete = DORM_CASCADE),
    DORM_END,
};
static const dorm_model New_model = DORM_MODEL(New, "shop", New_fields);
static const dorm_field Alone_fields[] = {DORM_AUTO(Alone, id), DORM_INT(Alone, y), DORM_END};
static const dorm_model Alone_model = DORM_MODEL(Alone, "shop", Alone_fields);

/* New models first, then the deleted ones' unique_together and keys, the
 * other changes, the DeleteModels once their keys are gone; a key of a new
 * model stays an AddField where a DeleteModel stops the optimizer. */
Test(autodetect_order, deleted_and_created_models) {
    dorm_app v1 = {.label = "shop",
                   .models = DORM_MODELS(&Tag_model, &Old_model, &Gone_model, &Stock_model),
                   .migrations_dir = dir_of("shop")};
    test_makemigrations_applied((const dorm_app *const[]){&v1, NULL}, NULL, NULL);
    dorm_app v2 = {.label = "shop",
                   .models = DORM_MODELS(&Tag_model, &Stock2_model, &New_model, &Alone_model),
                   .migrations_dir = v1.migrations_dir};
    const dorm_app *const apps[] = {&v2, NULL};
    test_makemigrations_applied(apps, NULL, NULL);
    cr_expect_str_eq(test_migrations_summary(apps),
                     "shop/0001_initial: initial\n"
                     "  Create model Gone [id, x]\n"
                     "  Create model Tag [id, label]\n"
                     "  Create model Item [id, name, gone]\n"
                     "  Create model Old [id, note, tag]\n"
                     "shop/0002_auto: shop/0001_initial\n"
                     "  Create model Alone [id, y]\n"
                     "  Create model New [id]\n"
                     "  Alter unique_together for old (0 constraint(s))\n"
                     "  Remove field tag from old\n"
                     "  Remove field gone from item\n"
                     "  Add field price to item\n"
                     "  Delete model Gone\n"
                     "  Delete model Old\n"
                     "  Add field item to new\n");
}

/* A unique_together led by a foreign key, then removed: InnoDB's key uses
 * the unique index, so MariaDB refuses to drop it (error 1553) unless the
 * key column first gets an index of its own, as Django's MySQL schema
 * editor gives it. */
typedef struct Keyed {
    DORM_OBJECT;
    int64_t id;
    DORM_FK(Tag) tag;
    const char *note;
} Keyed;
static const dorm_field Keyed_fields[] = {
    DORM_AUTO(Keyed, id),
    DORM_FOREIGN_KEY(Keyed, tag, Tag, .on_delete = DORM_CASCADE),
    DORM_CHAR(Keyed, note, .max_length = 10),
    DORM_END,
};
static const dorm_model Keyed1_model =
    DORM_MODEL(Keyed, "shop", Keyed_fields, .unique_together = DORM_UNIQUE_TOGETHER(DORM_LIST("tag", "note")));
static const dorm_model Keyed2_model = DORM_MODEL(Keyed, "shop", Keyed_fields);

Test(autodetect_order, unique_together_led_by_key_removed) {
    dorm_app v1 = {.label = "shop", .models = DORM_MODELS(&Tag_model, &Keyed1_model), .migrations_dir = dir_of("shop")};
    test_makemigrations_applied((const dorm_app *const[]){&v1, NULL}, NULL, NULL);
    dorm_app v2 = {
        .label = "shop", .models = DORM_MODELS(&Tag_model, &Keyed2_model), .migrations_dir = v1.migrations_dir};
    const dorm_app *const apps[] = {&v2, NULL};
    test_makemigrations_applied(apps, NULL, NULL);
    cr_expect_str_eq(test_migrations_summary(apps),
                     "shop/0001_initial: initial\n"
                     "  Create model Tag [id, label]\n"
                     "  Create model Keyed [id, note, tag]\n"
                     "shop/0002_alter_keyed_unique_together: shop/0001_initial\n"
                     "  Alter unique_together for keyed (0 constraint(s))\n");
    /* Django's sqlmigrate on MariaDB: "CREATE INDEX `shop_keyed_tag_id_cbed06a5` ON `shop_keyed` (`tag_id`);"
     * then the DROP INDEX; dorm's statement names the same index. */
    const dorm_alter_sql *alter = T.db->dialect->alter;
    const char *sql = dorm_sqlmigrate(T.cx, apps, "shop", "0002_alter_keyed_unique_together", false);
    cr_assert_not_null(sql, "%s", dorm_errmsg(T.cx));
    if (alter && alter->keep_key_index)
        cr_expect(strstr(sql, "CREATE INDEX `shop_keyed_tag_id_cbed06a5` ON `shop_keyed` (`tag_id`)"), "%s", sql);
    else
        cr_expect_null(strstr(sql, "CREATE INDEX"), "%s", sql);
}

/* ---- proxies, a multi-table child, Meta options and tables ---------------- */

typedef struct Boss {
    DORM_OBJECT;
    Person person;
} Boss;
typedef struct Car {
    DORM_OBJECT;
    int64_t id;
    DORM_FK(Person) owner;
    const char *model;
} Car;
typedef struct Staff {
    DORM_OBJECT;
    Person person;
    DORM_FK(Person) person_ptr;
    int32_t level;
} Staff;
DORM_MODEL_DECLARE(Person2);

const dorm_model Person2_model = {.abi = DORM_MODEL_ABI,
                                  .name = "Person",
                                  .app_label = "shop",
                                  .size = sizeof(Person),
                                  .fields = Person_fields,
                                  .db_table = "humans"};
static const dorm_field Boss_fields[] = {DORM_PARENT(Boss, person, Person), DORM_END};
static const dorm_model Boss_model = DORM_MODEL(Boss, "shop", Boss_fields, .proxy = true);
static const dorm_field Chief_fields[] = {
    {.kind = DORM_KIND_PARENT, .name = "person", .offset = offsetof(Boss, person), .to = &Person2_model}, DORM_END};
static const dorm_model Chief_model = {.abi = DORM_MODEL_ABI,
                                       .name = "Chief",
                                       .app_label = "shop",
                                       .size = sizeof(Boss),
                                       .fields = Chief_fields,
                                       .proxy = true,
                                       .ordering = DORM_LIST("name")};
static const dorm_field Car_fields[] = {
    DORM_AUTO(Car, id),
    DORM_FOREIGN_KEY(Car, owner, Person, .on_delete = DORM_CASCADE),
    DORM_CHAR(Car, model, .max_length = 10),
    DORM_END,
};
static const dorm_model Car_model = DORM_MODEL(Car, "shop", Car_fields, .ordering = DORM_LIST("model"));
static const dorm_field Car2_fields[] = {
    DORM_AUTO(Car, id),
    {.kind = DORM_KIND_FK,
     .name = "owner",
     .offset = offsetof(Car, owner),
     .to = &Person2_model,
     .on_delete = DORM_CASCADE},
    DORM_CHAR(Car, model, .max_length = 10),
    DORM_END,
};
static const dorm_model Car2_model = {.abi = DORM_MODEL_ABI,
                                      .name = "Car",
                                      .app_label = "shop",
                                      .size = sizeof(Car),
                                      .fields = Car2_fields,
                                      .ordering = DORM_LIST("-model"),
                                      .verbose_name = "auto",
                                      .db_table = "cars"};
static const dorm_field Bike_fields[] = {
    DORM_AUTO(Bike, id),
    DORM_FOREIGN_KEY(Bike, rider, Person, .on_delete = DORM_CASCADE),
    DORM_END,
};
static const dorm_model Bike_model = DORM_MODEL(Bike, "shop", Bike_fields);
static const dorm_field Bike2_fields[] = {
    DORM_AUTO(Bike, id),
    {.kind = DORM_KIND_FK,
     .name = "rider",
     .offset = offsetof(Bike, rider),
     .to = &Person2_model,
     .on_delete = DORM_CASCADE},
    DORM_END,
};
static const dorm_model Bike2_model = {.abi = DORM_MODEL_ABI,
                                       .name = "Bike",
                                       .app_label = "shop",
                                       .size = sizeof(Bike),
                                       .fields = Bike2_fields,
                                       .get_latest_by = "id"};
static const dorm_field Staff_fields[] = {
    {.kind = DORM_KIND_PARENT, .name = "person", .offset = offsetof(Staff, person), .to = &Person2_model},
    {.kind = DORM_KIND_FK,
     .name = "person_ptr",
     .offset = offsetof(Staff, person_ptr),
     .to = &Person2_model,
     .one_to_one = true,
     .unique = true,
     .parent_link = true,
     .primary_key = true,
     .on_delete = DORM_CASCADE},
    DORM_INT(Staff, level),
    DORM_END,
};
static const dorm_model Staff_model = DORM_MODEL(Staff, "shop", Staff_fields);

/* New concrete models (a child with its parent link), deleted and new
 * proxies, Meta options, then tables, each pass by model name. */
Test(autodetect_order, proxies_options_and_tables) {
    dorm_app v1 = {.label = "shop",
                   .models = DORM_MODELS(&Person_model, &Boss_model, &Car_model, &Bike_model),
                   .migrations_dir = dir_of("shop")};
    test_makemigrations_applied((const dorm_app *const[]){&v1, NULL}, NULL, NULL);
    dorm_app v2 = {.label = "shop",
                   .models = DORM_MODELS(&Person2_model, &Chief_model, &Car2_model, &Bike2_model, &Staff_model),
                   .migrations_dir = v1.migrations_dir};
    const dorm_app *const apps[] = {&v2, NULL};
    test_makemigrations_applied(apps, NULL, NULL);
    cr_expect_str_eq(test_migrations_summary(apps),
                     "shop/0001_initial: initial\n"
                     "  Create model Person [id, name]\n"
                     "  Create model Car [id, model, owner]\n"
                     "  Create model Bike [id, rider]\n"
                     "  Create proxy model Boss []\n"
                     "shop/0002_auto: shop/0001_initial\n"
                     "  Create model Staff [person_ptr, level]\n"
                     "  Delete model Boss\n"
                     "  Create proxy model Chief []\n"
                     "  Change Meta options on bike\n"
                     "  Change Meta options on car\n"
                     "  Rename table for car to cars\n"
                     "  Rename table for person to humans\n");
}

/* ---- keys both ways between two apps -------------------------------------- */

typedef struct A {
    DORM_OBJECT;
    int64_t id;
    struct {
        int64_t id;
        struct B *obj;
    } beta;
    const char *name;
} A;
typedef struct B {
    DORM_OBJECT;
    int64_t id;
    DORM_FK(A) alpha;
} B;
DORM_MODEL_DECLARE(A);
DORM_MODEL_DECLARE(B);

static const dorm_field A_fields[] = {
    DORM_AUTO(A, id),
    DORM_FOREIGN_KEY(A, beta, B, .on_delete = DORM_CASCADE),
    DORM_CHAR(A, name, .max_length = 5),
    DORM_END,
};
const dorm_model A_model = DORM_MODEL(A, "alpha", A_fields);
static const dorm_field B_fields[] = {DORM_AUTO(B, id), DORM_FOREIGN_KEY(B, alpha, A, .on_delete = DORM_CASCADE),
                                      DORM_END};
const dorm_model B_model = DORM_MODEL(B, "beta", B_fields);

/* Django's _build_migration_list: alpha's key to beta waits in a second
 * migration of alpha, after beta's, which needs alpha's first.  The safety
 * lint knows that key goes to a table made in the same run (a NOT NULL
 * column added to it is no danger). */
Test(autodetect_order, keys_between_apps_cut_into_migrations) {
    dorm_app alpha = {.label = "alpha", .models = DORM_MODELS(&A_model), .migrations_dir = dir_of("alpha")};
    dorm_app beta = {.label = "beta", .models = DORM_MODELS(&B_model, &C_model), .migrations_dir = dir_of("beta")};
    const dorm_app *const apps[] = {&beta, &alpha, NULL};
    const char *out =
        test_makemigrations_applied(apps, NULL, &(dorm_makemigrations_opts){.strict = true, .locks_on_alter = true});
    cr_expect_str_eq(out,
                     dorm_sprintf(T.cx,
                                  "Migrations for 'alpha':\n"
                                  "  %s/0001_initial.json\n"
                                  "    - Create model A\n"
                                  "  %s/0002_a_beta.json\n"
                                  "    - Add field beta to a\n"
                                  "Migrations for 'beta':\n"
                                  "  %s/0001_initial.json\n"
                                  "    - Create model C\n"
                                  "    - Create model B\n",
                                  alpha.migrations_dir, alpha.migrations_dir, beta.migrations_dir));
    cr_expect_str_eq(test_migrations_summary((const dorm_app *const[]){&alpha, &beta, NULL}),
                     "alpha/0001_initial: initial\n"
                     "  Create model A [id, name]\n"
                     "alpha/0002_a_beta: initial alpha/0001_initial beta/0001_initial\n"
                     "  Add field beta to a\n"
                     "beta/0001_initial: initial alpha/0001_initial\n"
                     "  Create model C [id, x]\n"
                     "  Create model B [id, alpha]\n");
}
