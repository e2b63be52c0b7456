/* test_manager.c - the writing side of reverse related managers: add,
 * remove, clear, set and create, on a nullable key (Shelf/Item, models of
 * this file) and a non-null one (the shared Author/Book). */
#include <criterion/criterion.h>
#include <string.h>

#include "testdb.h"

typedef struct Shelf {
    DORM_OBJECT;
    int64_t id;
    const char *name;
} Shelf;

typedef struct Item {
    DORM_OBJECT;
    int64_t id;
    const char *label;
    DORM_FK(Shelf) shelf;
} Item;

DORM_MODEL_DECLARE(Shelf);
static const dorm_field Shelf_fields[] = {DORM_AUTO(Shelf, id), DORM_CHAR(Shelf, name, .max_length = 20), DORM_END};
const dorm_model Shelf_model = DORM_MODEL(Shelf, "store", Shelf_fields);
static const dorm_field Item_fields[] = {
    DORM_AUTO(Item, id),
    DORM_CHAR(Item, label, .max_length = 20),
    DORM_FOREIGN_KEY(Item, shelf, Shelf, .on_delete = DORM_SET_NULL, .null = true, .related_name = "items"),
    DORM_END,
};
const dorm_model Item_model = DORM_MODEL(Item, "store", Item_fields, .ordering = DORM_LIST("label"));
static const dorm_app store_app = {.label = "store", .models = DORM_MODELS(&Shelf_model, &Item_model)};

static dorm_ctx *cx;

static void open_store(void) {
    test_db_open_apps((const dorm_app *const[]){&store_app, NULL});
    cx = T.cx;
}

/* The labels of a shelf's items, from the database, "a|b". */
static const char *labels(Shelf *s) {
    static char out[256];
    out[0] = '\0';
    DORM_EACH(Item, it, dorm_related(s, "items")) {
        if (out[0]) strcat(out, "|");
        strcat(out, it->label);
    }
    return out;
}

static Item *item(const char *label) {
    Item *it = dorm_create(cx, Item, .label = label);
    cr_assert_not_null(it, "%s", dorm_errmsg(cx));
    return it;
}

TestSuite(manager, .init = open_store, .fini = test_db_close);

Test(manager, add_remove_clear_on_a_nullable_key) {
    Shelf *s = dorm_create(cx, Shelf, .name = "top");
    cr_assert_not_null(s);
    Item *a = item("a"), *b = item("b"), *c = item("c");
    cr_assert_eq(dorm_related_add(s, "items", (void *[]){a, b}, 2), 0, "%s", dorm_errmsg(cx));
    cr_assert_str_eq(labels(s), "a|b");
    cr_assert_eq(a->shelf.id, s->id, "add() sets the key in memory too");
    cr_assert_eq(a->shelf.obj, s);
    /* Removing an object of another shelf is refused, nothing changes. */
    cr_assert_eq(dorm_related_remove(s, "items", (void *[]){c}, 1), DORM_EDOESNOTEXIST);
    cr_assert_str_eq(dorm_errmsg(cx), "Item object is not related to Shelf.");
    cr_assert_eq(dorm_related_remove(s, "items", (void *[]){a}, 1), 0, "%s", dorm_errmsg(cx));
    cr_assert_str_eq(labels(s), "b");
    cr_assert(dorm_is_null(a, shelf));
    cr_assert_eq(dorm_related_clear(s, "items"), 0, "%s", dorm_errmsg(cx));
    cr_assert_str_eq(labels(s), "");
    cr_assert_eq(dorm_count(dorm_all(cx, Item)), 3, "clear() keeps the rows");
}

Test(manager, set_replaces_the_members) {
    Shelf *s = dorm_create(cx, Shelf, .name = "top");
    Item *a = item("a"), *b = item("b"), *c = item("c");
    cr_assert_eq(dorm_related_add(s, "items", (void *[]){a, b}, 2), 0);
    cr_assert_eq(dorm_related_set(s, "items", (void *[]){b, c}, 2), 0, "%s", dorm_errmsg(cx));
    cr_assert_str_eq(labels(s), "b|c");
    cr_assert_eq(dorm_related_set(s, "items", NULL, 0), 0, "%s", dorm_errmsg(cx));
    cr_assert_str_eq(labels(s), "");
}

Test(manager, create_sets_the_key_and_drops_the_prefetch) {
    Shelf *s = dorm_create(cx, Shelf, .name = "top");
    item("loose");
    Shelf **all = (Shelf **)dorm_list(dorm_prefetch_related(dorm_all(cx, Shelf), "items"), NULL);
    cr_assert_not_null(all);
    cr_assert_eq(dorm_count(dorm_related(all[0], "items")), 0);
    Item *made = dorm_related_create(all[0], "items", Item, .label = "new");
    cr_assert_not_null(made, "%s", dorm_errmsg(cx));
    cr_assert_eq(made->shelf.id, s->id);
    /* The prefetched (empty) list is stale now: it is not used any more. */
    cr_assert_eq(dorm_count(dorm_related(all[0], "items")), 1);
}

Test(manager, refuses_wrong_objects) {
    Shelf *s = dorm_create(cx, Shelf, .name = "top");
    Shelf *other = dorm_create(cx, Shelf, .name = "other");
    cr_assert_eq(dorm_related_add(s, "items", (void *[]){other}, 1), DORM_EVALUE);
    cr_assert_str_eq(dorm_errmsg(cx), "'Item' instance expected, got Shelf.");
    Item *unsaved = dorm_new(cx, Item);
    cr_assert_eq(dorm_related_add(s, "items", (void *[]){unsaved}, 1), DORM_EVALUE);
    cr_assert_eq(dorm_related_add(s, "nope", NULL, 0), DORM_EFIELD);
    Shelf *fresh = dorm_new(cx, Shelf);
    cr_assert_eq(dorm_related_clear(fresh, "items"), DORM_EVALUE);
}

Test(manager_fk, non_null_key_cannot_be_removed, .init = test_db_open, .fini = test_db_close) {
    test_db_catalogue();
    Author *austen = dorm_get(dorm_all(T.cx, Author), DQ("name", "Jane Austen"));
    Author *orwell = dorm_get(dorm_all(T.cx, Author), DQ("name", "George Orwell"));
    Book *emma = dorm_get(dorm_all(T.cx, Book), DQ("title", "Emma"));
    cr_assert(austen && orwell && emma);
    cr_assert_eq(dorm_related_clear(austen, "books"), DORM_EVALUE);
    cr_assert_eq(dorm_related_remove(austen, "books", (void *[]){emma}, 1), DORM_EVALUE);
    /* add() moves a book to another author. */
    cr_assert_eq(dorm_related_add(orwell, "books", (void *[]){emma}, 1), 0, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_count(dorm_related(orwell, "books")), 4);
    cr_assert_eq(dorm_count(dorm_related(austen, "books")), 2);
    Book *b = dorm_related_create(austen, "books", Book, .title = "Sanditon", .isbn = "1",
                                  .publication_date = dorm_date_ymd(1817, 3, 18));
    cr_assert_not_null(b, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(b->genre, "FIC", "defaults still apply");
    cr_assert_eq(dorm_count(dorm_related(austen, "books")), 3);
}
