/* test_on_delete.c - PROTECT and RESTRICT refusals in Django 3.2's words
 * (every protecting relation, protections met down a CASCADE named by the
 * relation that cascaded, the blocking objects handed back; a row reached
 * twice looked at once), on_delete=SET_DEFAULT, a hidden relation's rule
 * and DO_NOTHING. */
#include <criterion/criterion.h>
#include <string.h>

#include "testdb.h"

typedef struct Category {
    DORM_OBJECT;
    int64_t id;
    const char *name;
    DORM_FK(Category) parent;
} Category;

typedef struct Product {
    DORM_OBJECT;
    int64_t id;
    const char *name;
    DORM_FK(Category) category;
} Product;

typedef struct Item {
    DORM_OBJECT;
    int64_t id;
    const char *name;
    DORM_FK(Category) category;
} Item;

typedef struct Sticker {
    DORM_OBJECT;
    int64_t id;
    DORM_FK(Category) category;
    DORM_FK(Category) backup;
} Sticker;

typedef struct Label {
    DORM_OBJECT;
    int64_t id;
    DORM_FK(Category) category;
    DORM_FK(Category) note;
} Label;

DORM_MODEL_DECLARE(Label);
DORM_MODEL_DECLARE(Category);
DORM_MODEL_DECLARE(Product);
DORM_MODEL_DECLARE(Item);
DORM_MODEL_DECLARE(Sticker);

static int64_t general_id;
static dorm_value general(void) { return dorm_v_int(general_id); }

static const dorm_field Category_fields[] = {
    DORM_AUTO(Category, id),
    DORM_CHAR(Category, name, .max_length = 10),
    DORM_FOREIGN_KEY(Category, parent, Category, .on_delete = DORM_CASCADE, .null = true, .related_name = "children"),
    DORM_END,
};
const dorm_model Category_model = DORM_MODEL(Category, "shop", Category_fields, .ordering = DORM_LIST("name"));
static const dorm_field Product_fields[] = {
    DORM_AUTO(Product, id),
    DORM_CHAR(Product, name, .max_length = 10),
    DORM_FOREIGN_KEY(Product, category, Category, .on_delete = DORM_PROTECT, .related_name = "products"),
    DORM_END,
};
const dorm_model Product_model = DORM_MODEL(Product, "shop", Product_fields, .ordering = DORM_LIST("name"));
static const dorm_field Item_fields[] = {
    DORM_AUTO(Item, id),
    DORM_CHAR(Item, name, .max_length = 10),
    DORM_FOREIGN_KEY(Item, category, Category, .on_delete = DORM_RESTRICT, .related_name = "items"),
    DORM_END,
};
const dorm_model Item_model = DORM_MODEL(Item, "shop", Item_fields, .ordering = DORM_LIST("name"));
static const dorm_field Sticker_fields[] = {
    DORM_AUTO(Sticker, id),
    DORM_FOREIGN_KEY(Sticker, category, Category, .on_delete = DORM_SET_DEFAULT, .default_fn = general,
                     .related_name = "stickers"),
    DORM_FOREIGN_KEY(Sticker, backup, Category, .on_delete = DORM_SET_DEFAULT, .null = true,
                     .default_value = DORM_VINT(1), .related_name = "+"),
    DORM_END,
};
const dorm_model Sticker_model = DORM_MODEL(Sticker, "shop", Sticker_fields);
/* Both keys hidden (related_name "+"): no accessor, but their rules apply. */
static const dorm_field Label_fields[] = {
    DORM_AUTO(Label, id),
    DORM_FOREIGN_KEY(Label, category, Category, .on_delete = DORM_CASCADE, .related_name = "+"),
    DORM_FOREIGN_KEY(Label, note, Category, .on_delete = DORM_DO_NOTHING, .null = true, .related_name = "+"),
    DORM_END,
};
const dorm_model Label_model = DORM_MODEL(Label, "shop", Label_fields);
static const dorm_app shop_app = {
    .label = "shop", .models = DORM_MODELS(&Category_model, &Product_model, &Item_model, &Sticker_model, &Label_model)};

static void open_shop(void) { test_db_open_apps((const dorm_app *const[]){&shop_app, NULL}); }

TestSuite(on_delete, .init = open_shop, .fini = test_db_close);

typedef struct tree {
    Category *c1, *c2;
} tree;

/* c2 is a child of c1 (Category.parent, CASCADE). */
static tree make_tree(void) {
    tree t;
    t.c1 = dorm_create(T.cx, Category, .name = "c1");
    cr_assert_not_null(t.c1, "%s", dorm_errmsg(T.cx));
    t.c2 = dorm_create(T.cx, Category, .name = "c2", .parent = {t.c1->id, NULL});
    cr_assert_not_null(t.c2, "%s", dorm_errmsg(T.cx));
    return t;
}

/* The names of the objects that blocked a deletion, sorted. */
static const char *blocking(const dorm_deleted *d) {
    const char *names[8];
    size_t n = d->nblocking;
    cr_assert_leq(n, 8);
    cr_assert_null(d->blocking[n], "NULL-terminated");
    for (size_t i = 0; i < n; i++) {
        const dorm_object *o = d->blocking[i];
        names[i] = o->model == &Product_model ? ((const Product *)o)->name : ((const Item *)o)->name;
    }
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
            const char *x = names[j];
            names[j] = names[j - 1];
            names[j - 1] = x;
        }
    char buf[128] = "";
    for (size_t i = 0; i < n; i++) {
        if (i) strcat(buf, ",");
        strcat(buf, names[i]);
    }
    return dorm_strdup(T.cx, buf);
}

static int64_t count(const dorm_model *model) { return dorm_count(dorm_qs_all(T.cx, model)); }

Test(on_delete, protect_names_every_protecting_relation) {
    tree t = make_tree();
    cr_assert_not_null(dorm_create(T.cx, Product, .name = "p1", .category = {t.c1->id, NULL}));
    cr_assert_not_null(dorm_create(T.cx, Product, .name = "p2", .category = {t.c2->id, NULL}));
    dorm_deleted d;
    cr_assert_eq(dorm_delete(t.c1, &d), DORM_EPROTECTED);
    /* Django 3.2: p2 protects c2, which c1's deletion reaches through
     * Category.parent; p1 protects c1 itself. */
    cr_assert_str_eq(dorm_errmsg(T.cx),
                     "Cannot delete some instances of model 'Category' because they are referenced "
                     "through protected foreign keys: 'Category.parent', 'Product.category'.");
    cr_assert_str_eq(blocking(&d), "p1,p2");
    cr_assert_eq(count(&Category_model), 2, "nothing deleted");
    cr_assert_eq(dorm_delete(t.c2, &d), DORM_EPROTECTED);
    cr_assert_str_eq(dorm_errmsg(T.cx),
                     "Cannot delete some instances of model 'Category' because they are referenced "
                     "through protected foreign keys: 'Product.category'.");
    cr_assert_str_eq(blocking(&d), "p2");
}

Test(on_delete, protect_reached_only_through_a_cascade) {
    tree t = make_tree();
    cr_assert_not_null(dorm_create(T.cx, Product, .name = "p2", .category = {t.c2->id, NULL}));
    dorm_deleted d;
    cr_assert_eq(dorm_delete(t.c1, &d), DORM_EPROTECTED);
    cr_assert_str_eq(dorm_errmsg(T.cx),
                     "Cannot delete some instances of model 'Category' because they are referenced "
                     "through protected foreign keys: 'Category.parent'.");
    cr_assert_str_eq(blocking(&d), "p2");
    cr_assert_eq(d.total, 0);
}

Test(on_delete, a_row_reached_twice_is_looked_at_once) {
    tree t = make_tree();
    cr_assert_not_null(dorm_create(T.cx, Product, .name = "p1", .category = {t.c1->id, NULL}));
    cr_assert_not_null(dorm_create(T.cx, Product, .name = "p2", .category = {t.c2->id, NULL}));
    dorm_deleted d;
    /* Both categories are deleted: c2 is not reached again through its
     * parent, so only Product.category protects (as in Django). */
    cr_assert_eq(dorm_qs_delete(dorm_all(T.cx, Category), &d), DORM_EPROTECTED);
    cr_assert_str_eq(dorm_errmsg(T.cx),
                     "Cannot delete some instances of model 'Category' because they are referenced "
                     "through protected foreign keys: 'Product.category'.");
    cr_assert_str_eq(blocking(&d), "p1,p2");
    cr_assert_eq(dorm_qs_delete(dorm_all(T.cx, Product), NULL), DORM_OK, "%s", dorm_errmsg(T.cx));
    /* A cycle ends: each category is collected once. */
    t.c1->parent.id = t.c2->id;
    cr_assert_eq(dorm_save(t.c1), DORM_OK, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_delete(t.c1, &d), DORM_OK, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(dorm_deleted_str(T.cx, &d), "shop.Category: 2");
}

Test(on_delete, restrict_hands_back_the_restricted_objects) {
    tree t = make_tree();
    cr_assert_not_null(dorm_create(T.cx, Item, .name = "i1", .category = {t.c1->id, NULL}));
    cr_assert_not_null(dorm_create(T.cx, Item, .name = "i2", .category = {t.c2->id, NULL}));
    dorm_deleted d;
    cr_assert_eq(dorm_delete(t.c2, &d), DORM_ERESTRICTED);
    cr_assert_str_eq(dorm_errmsg(T.cx),
                     "Cannot delete some instances of model 'Category' because they are referenced "
                     "through restricted foreign keys: 'Item.category'.");
    cr_assert_str_eq(blocking(&d), "i2");
    cr_assert_eq(dorm_delete(t.c1, &d), DORM_ERESTRICTED);
    cr_assert_str_eq(dorm_errmsg(T.cx),
                     "Cannot delete some instances of model 'Category' because they are referenced "
                     "through restricted foreign keys: 'Item.category'.");
    cr_assert_str_eq(blocking(&d), "i1,i2");
    cr_assert_eq(count(&Item_model), 2, "nothing deleted");
}

Test(on_delete, set_default_writes_the_default_key) {
    Category *general_cat = dorm_create(T.cx, Category, .name = "general");
    cr_assert_not_null(general_cat, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(general_cat->id, 1, "the backup key's default is 1");
    general_id = general_cat->id;
    tree t = make_tree();
    Sticker *s = dorm_create(T.cx, Sticker, .category = {t.c2->id, NULL}, .backup = {t.c2->id, NULL});
    Sticker *other = dorm_create(T.cx, Sticker, .category = {general_id, NULL});
    cr_assert(s && other, "%s", dorm_errmsg(T.cx));
    dorm_deleted d;
    cr_assert_eq(dorm_delete(t.c1, &d), DORM_OK, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(dorm_deleted_str(T.cx, &d), "shop.Category: 2", "SET_DEFAULT rows are updated, not counted");
    cr_assert_eq(dorm_refresh(s), DORM_OK, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(s->category.id, general_id, "default_fn");
    cr_assert_eq(s->backup.id, 1, "default_value");
    cr_assert_eq(dorm_count(dorm_related(general_cat, "stickers")), 2);
    /* A default naming a row that is gone fails the whole deletion. */
    cr_assert_lt(dorm_delete(general_cat, NULL), 0);
    cr_assert_eq(dorm_errcode(T.cx), DORM_EINTEGRITY, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(count(&Category_model), 1);
}

Test(on_delete, hidden_relations_keep_their_rule) {
    tree t = make_tree();
    cr_assert_not_null(dorm_create(T.cx, Label, .category = {t.c2->id, NULL}));
    dorm_deleted d;
    cr_assert_eq(dorm_delete(t.c2, &d), DORM_OK, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(dorm_deleted_str(T.cx, &d), "shop.Category: 1, shop.Label: 1", "CASCADE along related_name \"+\"");
}

Test(on_delete, do_nothing_leaves_it_to_the_constraint) {
    tree t = make_tree();
    Category *other = dorm_create(T.cx, Category, .name = "other");
    cr_assert_not_null(other, "%s", dorm_errmsg(T.cx));
    cr_assert_not_null(dorm_create(T.cx, Label, .category = {other->id, NULL}, .note = {t.c1->id, NULL}));
    /* The deferred key check fails the deletion's commit: nothing deleted. */
    cr_assert_eq(dorm_delete(t.c1, NULL), DORM_EINTEGRITY, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(count(&Category_model), 3);
    cr_assert_eq(count(&Label_model), 1);
}
