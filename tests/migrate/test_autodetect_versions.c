/* test_autodetect_versions.c - makemigrations over versions of models, in
 * Django 3.2's order and grouping as test_autodetect_order.c: migration
 * names (Django's suggest_name), a many-to-many turned key, a renamed model
 * new relations point at, --strict, a constraint redefined, a through model
 * and a child created then deleted.  Each version's migration is applied. */
#define _POSIX_C_SOURCE 200809L
#include <stddef.h>

#include "autodetect.h"
#include "backend/db.h"
#include "core/ctx.h"

TestSuite(autodetect_versions, .init = open_empty, .fini = close_empty);

/* ---- migration names: Django's suggest_name --------------------------------- */

typedef struct Named {
    DORM_OBJECT;
    int64_t id;
    const char *name, *code;
} Named;
typedef struct Bee {
    DORM_OBJECT;
    int64_t id;
    int32_t x;
} Bee;
typedef struct Ant {
    DORM_OBJECT;
    int64_t id;
    int32_t y;
} Ant;

static const dorm_field Named1_fields[] = {DORM_AUTO(Named, id), DORM_CHAR(Named, name, .max_length = 10),
                                           DORM_CHAR(Named, code, .max_length = 10), DORM_END};
static const dorm_field Named2_fields[] = {DORM_AUTO(Named, id), DORM_CHAR(Named, name, .max_length = 10),
                                           DORM_CHAR(Named, code, .max_length = 12), DORM_END};
static const dorm_field Named5_fields[] = {
    DORM_AUTO(Named, id),
    {.kind = DORM_KIND_CHAR, .name = "title", .offset = offsetof(Named, name), .max_length = 10},
    DORM_CHAR(Named, code, .max_length = 12),
    DORM_END,
};
#define NAMED(fields_, ...)                                                                                   \
    {                                                                                                         \
        .abi = DORM_MODEL_ABI, .name = "Item", .app_label = "shop", .size = sizeof(Named), .fields = fields_, \
        __VA_ARGS__                                                                                           \
    }
static const dorm_model Named1_model = NAMED(Named1_fields, .abstract = false);
static const dorm_model Named2_model = NAMED(Named2_fields, .abstract = false);
static const dorm_model Named3_model =
    NAMED(Named2_fields, .indexes = DORM_INDEXES({DORM_LIST("code"), "item_code_idx"}));
static const dorm_model Named5_model =
    NAMED(Named5_fields, .indexes = DORM_INDEXES({DORM_LIST("code"), "item_code_idx"}));
static const dorm_model Named6_model =
    NAMED(Named5_fields, .indexes = DORM_INDEXES({DORM_LIST("code"), "item_code_idx"}), .ordering = DORM_LIST("title"));
static const dorm_model Named8_model = NAMED(Named5_fields, .ordering = DORM_LIST("title"), .db_table = "items");
static const dorm_field Bee_fields[] = {DORM_AUTO(Bee, id), DORM_INT(Bee, x), DORM_END};
static const dorm_model Bee_model = DORM_MODEL(Bee, "shop", Bee_fields);
static const dorm_model Bee2_model = DORM_MODEL(
    Bee, "shop", Bee_fields,
    .constraints = DORM_CONSTRAINTS({DORM_CONSTRAINT_CHECK, "bee_x_pos", NULL, DQC("x__gte", DORM_VINT(0))}));
static const dorm_field Ant_fields[] = {DORM_AUTO(Ant, id), DORM_INT(Ant, y), DORM_END};
static const dorm_model Ant_model = DORM_MODEL(Ant, "shop", Ant_fields);

/* One operation names the migration after it; CreateModels alone, after
 * their models in name order; anything else gets auto_<time>. */
Test(autodetect_versions, migration_names) {
    const dorm_model *const *versions[] = {
        DORM_MODELS(&Named1_model),
        DORM_MODELS(&Named2_model),
        DORM_MODELS(&Named3_model),
        DORM_MODELS(&Named3_model, &Bee_model, &Ant_model),
        DORM_MODELS(&Named5_model, &Bee_model, &Ant_model),
        DORM_MODELS(&Named6_model, &Bee_model, &Ant_model),
        DORM_MODELS(&Named6_model, &Bee_model),
        DORM_MODELS(&Named8_model, &Bee2_model),
    };
    dorm_app app = {.label = "shop", .migrations_dir = dir_of("shop")};
    const dorm_app *const apps[] = {&app, NULL};
    for (size_t v = 0; v < sizeof versions / sizeof *versions; v++) {
        app.models = versions[v];
        test_makemigrations_applied(apps, v == 4 ? "y\n" : NULL, NULL);
    }
    cr_expect_str_eq(test_migrations_summary(apps),
                     "shop/0001_initial: initial\n"
                     "  Create model Item [id, name, code]\n"
                     "shop/0002_alter_item_code: shop/0001_initial\n"
                     "  Alter field code on item\n"
                     "shop/0003_item_item_code_idx: shop/0002_alter_item_code\n"
                     "  Create index item_code_idx on field(s) code of model item\n"
                     "shop/0004_ant_bee: shop/0003_item_item_code_idx\n"
                     "  Create model Ant [id, y]\n"
                     "  Create model Bee [id, x]\n"
                     "shop/0005_rename_name_item_title: shop/0004_ant_bee\n"
                     "  Rename field name on item to title\n"
                     "shop/0006_alter_item_options: shop/0005_rename_name_item_title\n"
                     "  Change Meta options on item\n"
                     "shop/0007_delete_ant: shop/0006_alter_item_options\n"
                     "  Delete model Ant\n"
                     "shop/0008_auto: shop/0007_delete_ant\n"
                     "  Remove index item_code_idx from item\n"
                     "  Create constraint bee_x_pos on model bee\n"
                     "  Rename table for item to items\n");
}

/* ---- a many-to-many turned into a key; unique_together compared as sets ---- */

typedef struct Mixed {
    DORM_OBJECT;
    int64_t id;
    const char *name, *code;
    DORM_FK(Tag) tags;
} Mixed;
static const dorm_field Mixed1_fields[] = {
    DORM_AUTO(Mixed, id),
    DORM_CHAR(Mixed, name, .max_length = 10),
    DORM_CHAR(Mixed, code, .max_length = 10),
    DORM_MANY_TO_MANY(Mixed, tags, Tag),
    DORM_END,
};
static const dorm_field Mixed2_fields[] = {
    DORM_AUTO(Mixed, id),
    DORM_CHAR(Mixed, name, .max_length = 10),
    DORM_CHAR(Mixed, code, .max_length = 10),
    DORM_FOREIGN_KEY(Mixed, tags, Tag, .on_delete = DORM_CASCADE, .null = true),
    DORM_END,
};
static const dorm_model Mixed1_model = {.abi = DORM_MODEL_ABI,
                                        .name = "Item",
                                        .app_label = "shop",
                                        .size = sizeof(Mixed),
                                        .fields = Mixed1_fields,
                                        .unique_together =
                                            DORM_UNIQUE_TOGETHER(DORM_LIST("name", "code"), DORM_LIST("id", "name"))};
static const dorm_model Mixed2_model = {.abi = DORM_MODEL_ABI,
                                        .name = "Item",
                                        .app_label = "shop",
                                        .size = sizeof(Mixed),
                                        .fields = Mixed2_fields,
                                        .unique_together =
                                            DORM_UNIQUE_TOGETHER(DORM_LIST("id", "name"), DORM_LIST("name", "code"))};

/* Django removes the field and adds it again; the same unique_together in
 * another order is no change. */
Test(autodetect_versions, many_to_many_turned_key_and_together_as_sets) {
    dorm_app v1 = {.label = "shop", .models = DORM_MODELS(&Tag_model, &Mixed1_model), .migrations_dir = dir_of("shop")};
    test_makemigrations_applied((const dorm_app *const[]){&v1, NULL}, NULL, NULL);
    dorm_app v2 = {
        .label = "shop", .models = DORM_MODELS(&Tag_model, &Mixed2_model), .migrations_dir = v1.migrations_dir};
    const dorm_app *const apps[] = {&v2, NULL};
    test_makemigrations_applied(apps, NULL, NULL);
    cr_expect_str_eq(test_migrations_summary(apps),
                     "shop/0001_initial: initial\n"
                     "  Create model Tag [id, label]\n"
                     "  Create model Item [id, name, code, tags]\n"
                     "shop/0002_auto: shop/0001_initial\n"
                     "  Remove field tags from item\n"
                     "  Add field tags to item\n");
}

/* ---- a renamed model that new models point at (a deliberate difference) ---- */

typedef struct Human {
    DORM_OBJECT;
    int64_t id;
    const char *name;
} Human;
typedef struct Wheel {
    DORM_OBJECT;
    int64_t id;
    DORM_FK(Human) human;
} Wheel;
typedef struct Clerk {
    DORM_OBJECT;
    Human human;
    DORM_FK(Human) human_ptr;
    int32_t level;
} Clerk;
DORM_MODEL_DECLARE(Human);

static const dorm_field Human_fields[] = {DORM_AUTO(Human, id), DORM_CHAR(Human, name, .max_length = 10), DORM_END};
const dorm_model Human_model = DORM_MODEL(Human, "shop", Human_fields, .ordering = DORM_LIST("name"));
static const dorm_field Owned_fields[] = {
    DORM_AUTO(Bike, id),
    {.kind = DORM_KIND_FK,
     .name = "owner",
     .offset = offsetof(Bike, rider),
     .to = &Human_model,
     .on_delete = DORM_CASCADE},
    DORM_END,
};
static const dorm_model Owned_model = {
    .abi = DORM_MODEL_ABI, .name = "Car", .app_label = "shop", .size = sizeof(Bike), .fields = Owned_fields};
static const dorm_field Owned1_fields[] = {
    DORM_AUTO(Bike, id),
    {.kind = DORM_KIND_FK,
     .name = "owner",
     .offset = offsetof(Bike, rider),
     .to = &Person_model,
     .on_delete = DORM_CASCADE},
    DORM_END,
};
static const dorm_model Owned1_model = {
    .abi = DORM_MODEL_ABI, .name = "Car", .app_label = "shop", .size = sizeof(Bike), .fields = Owned1_fields};
static const dorm_field Wheel_fields[] = {DORM_AUTO(Wheel, id),
                                          DORM_FOREIGN_KEY(Wheel, human, Human, .on_delete = DORM_CASCADE), DORM_END};
static const dorm_model Wheel_model = DORM_MODEL(Wheel, "shop", Wheel_fields);
static const dorm_field Clerk_fields[] = {
    DORM_PARENT(Clerk, human, Human),
    DORM_PARENT_LINK(Clerk, human_ptr, Human),
    DORM_INT(Clerk, level),
    DORM_END,
};
static const dorm_model Clerk_model = DORM_MODEL(Clerk, "shop", Clerk_fields);

/* Django 3.2 makes the rename wait for the new models pointing at the
 * model, after operations that already use its new name (its migration
 * then fails); dorm renames first and counts the rename as the creation
 * new models wait for. */
Test(autodetect_versions, renamed_model_before_its_new_relations) {
    dorm_app v1 = {
        .label = "shop", .models = DORM_MODELS(&Person_model, &Owned1_model), .migrations_dir = dir_of("shop")};
    test_makemigrations_applied((const dorm_app *const[]){&v1, NULL}, NULL, NULL);
    dorm_app v2 = {.label = "shop",
                   .models = DORM_MODELS(&Human_model, &Owned_model, &Wheel_model, &Clerk_model),
                   .migrations_dir = v1.migrations_dir};
    const dorm_app *const apps[] = {&v2, NULL};
    const char *out = test_makemigrations_applied(apps, "y\n", NULL);
    cr_expect(strstr(out, "Did you rename the shop.Person model to Human? [y/N] "), "%s", out);
    cr_expect_str_eq(test_migrations_summary(apps),
                     "shop/0001_initial: initial\n"
                     "  Create model Person [id, name]\n"
                     "  Create model Car [id, owner]\n"
                     "shop/0002_auto: shop/0001_initial\n"
                     "  Rename model Person to Human\n"
                     "  Change Meta options on human\n"
                     "  Create model Clerk [human_ptr, level]\n"
                     "  Create model Wheel [id, human]\n");
}

/* ---- --strict writes none of a run's migrations --------------------------- */

typedef struct D {
    DORM_OBJECT;
    int64_t id;
} D;
static const dorm_field D_fields[] = {DORM_AUTO(D, id), DORM_END};
static const dorm_model D_model = DORM_MODEL(D, "alpha", D_fields);

Test(autodetect_versions, strict_writes_no_migration_of_the_run) {
    dorm_app alpha = {.label = "alpha", .models = DORM_MODELS(NULL), .migrations_dir = dir_of("alpha")};
    dorm_app beta = {.label = "beta", .models = DORM_MODELS(&C_model), .migrations_dir = dir_of("beta")};
    test_makemigrations_applied((const dorm_app *const[]){&alpha, &beta, NULL}, NULL, NULL);
    alpha.models = DORM_MODELS(&D_model);
    beta.models = DORM_MODELS(NULL);
    int rc;
    test_makemigrations((const dorm_app *const[]){&alpha, &beta, NULL}, NULL,
                        &(dorm_makemigrations_opts){.strict = true}, &rc);
    cr_expect_lt(rc, 0);
    cr_expect_str_eq(dorm_errmsg(T.cx), "1 migration safety warning (--strict): nothing written.");
    cr_expect_null(test_read_file(dorm_sprintf(T.cx, "%s/0001_initial.json", alpha.migrations_dir)),
                   "alpha's migration, before beta's, is not written either");
}

/* ---- a constraint redefined under its name -------------------------------- */

static const dorm_model Bee3_model = DORM_MODEL(
    Bee, "shop", Bee_fields,
    .constraints = DORM_CONSTRAINTS({DORM_CONSTRAINT_CHECK, "bee_x_pos", NULL, DQC("x__gte", DORM_VINT(1))}));

/* Django compares constraints whole: removed, then added again. */
Test(autodetect_versions, constraint_redefined_under_its_name) {
    dorm_app app = {.label = "shop", .models = DORM_MODELS(&Bee2_model), .migrations_dir = dir_of("shop")};
    const dorm_app *const apps[] = {&app, NULL};
    test_makemigrations_applied(apps, NULL, NULL);
    app.models = DORM_MODELS(&Bee3_model);
    test_makemigrations_applied(apps, NULL, NULL);
    cr_expect_str_eq(test_migrations_summary(apps),
                     "shop/0001_initial: initial\n"
                     "  Create model Bee [id, x]\n"
                     "  Create constraint bee_x_pos on model bee\n"
                     "shop/0002_auto: shop/0001_initial\n"
                     "  Remove constraint bee_x_pos from model bee\n"
                     "  Create constraint bee_x_pos on model bee\n");
    dorm_errbuf e = {0, ""};
    cr_expect_neq(dorm_db__exec(T.db, "INSERT INTO shop_bee (x) VALUES (0)", &e), 0, "the new check holds");
    cr_expect_eq(dorm_db__exec(T.db, "INSERT INTO shop_bee (x) VALUES (1)", &e), 0, "%s", e.msg);
}

/* ---- a through model, a multi-table child; then deleted ------------------- */

typedef struct Scribe {
    DORM_OBJECT;
    int64_t id;
    const char *name;
} Scribe;
typedef struct Editor {
    DORM_OBJECT;
    Person person;
    DORM_FK(Person) person_ptr;
    const char *role;
} Editor;
typedef struct Tome {
    DORM_OBJECT;
    int64_t id;
    const char *title;
    DORM_FK(Editor) editor;
} Tome;
typedef struct Authorship {
    DORM_OBJECT;
    int64_t id;
    DORM_FK(Tome) book;
    DORM_FK(Scribe) writer;
    int32_t share;
} Authorship;
DORM_MODEL_DECLARE(Scribe);
DORM_MODEL_DECLARE(Editor);
DORM_MODEL_DECLARE(Tome);
DORM_MODEL_DECLARE(Authorship);

static const dorm_field Scribe_fields[] = {DORM_AUTO(Scribe, id), DORM_CHAR(Scribe, name, .max_length = 10), DORM_END};
const dorm_model Scribe_model = {
    .abi = DORM_MODEL_ABI, .name = "Writer", .app_label = "shop", .size = sizeof(Scribe), .fields = Scribe_fields};
static const dorm_field Editor_fields[] = {
    DORM_PARENT(Editor, person, Person),
    DORM_PARENT_LINK(Editor, person_ptr, Person),
    DORM_CHAR(Editor, role, .max_length = 10),
    DORM_END,
};
const dorm_model Editor_model = {
    .abi = DORM_MODEL_ABI, .name = "Staff", .app_label = "shop", .size = sizeof(Editor), .fields = Editor_fields};
static const dorm_field Tome_fields[] = {
    DORM_AUTO(Tome, id),
    DORM_CHAR(Tome, title, .max_length = 10),
    DORM_MANY_TO_MANY(Tome, authors, Scribe, .through = &Authorship_model),
    DORM_FOREIGN_KEY(Tome, editor, Editor, .on_delete = DORM_SET_NULL, .null = true),
    DORM_END,
};
const dorm_model Tome_model = {
    .abi = DORM_MODEL_ABI, .name = "Book", .app_label = "shop", .size = sizeof(Tome), .fields = Tome_fields};
static const dorm_field Tome2_fields[] = {DORM_AUTO(Tome, id), DORM_CHAR(Tome, title, .max_length = 10), DORM_END};
static const dorm_model Tome2_model = {
    .abi = DORM_MODEL_ABI, .name = "Book", .app_label = "shop", .size = sizeof(Tome), .fields = Tome2_fields};
static const dorm_field Authorship_fields[] = {
    DORM_AUTO(Authorship, id),
    DORM_FOREIGN_KEY(Authorship, book, Tome, .on_delete = DORM_CASCADE),
    DORM_FOREIGN_KEY(Authorship, writer, Scribe, .on_delete = DORM_CASCADE),
    DORM_INT(Authorship, share),
    DORM_END,
};
const dorm_model Authorship_model = DORM_MODEL(Authorship, "shop", Authorship_fields);

/* A through model's keys wait for the models they point at; deleting,
 * the keys of the deleted models go first (folded into their DeleteModel
 * where nothing stands between). */
Test(autodetect_versions, through_model_and_child_created_then_deleted) {
    dorm_app app = {.label = "shop",
                    .models = DORM_MODELS(&Person_model, &Editor_model, &Tome_model, &Scribe_model, &Authorship_model),
                    .migrations_dir = dir_of("shop")};
    const dorm_app *const apps[] = {&app, NULL};
    test_makemigrations_applied(apps, NULL, NULL);
    app.models = DORM_MODELS(&Person_model, &Tome2_model);
    test_makemigrations_applied(apps, NULL, NULL);
    cr_expect_str_eq(test_migrations_summary(apps),
                     "shop/0001_initial: initial\n"
                     "  Create model Authorship [id, share]\n"
                     "  Create model Person [id, name]\n"
                     "  Create model Writer [id, name]\n"
                     "  Create model Staff [person_ptr, role]\n"
                     "  Create model Book [id, title, authors, editor]\n"
                     "  Add field book to authorship\n"
                     "  Add field writer to authorship\n"
                     "shop/0002_auto: shop/0001_initial\n"
                     "  Remove field person_ptr from staff\n"
                     "  Remove field authors from book\n"
                     "  Remove field editor from book\n"
                     "  Delete model Authorship\n"
                     "  Delete model Staff\n"
                     "  Delete model Writer\n");
}
