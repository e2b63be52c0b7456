/* test_inherit_chain.c - inheritance beyond the acceptance script: an
 * abstract base with a relation ("%(app_label)s_%(class)s" names), Meta
 * options and managers, two levels of multi-table children, their bulk
 * calls, select_related and fixtures, and the system checks. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testdb.h"

typedef struct Keeper {
    DORM_OBJECT;
    int64_t id;
    const char *name;
} Keeper;

typedef struct Tag {
    DORM_OBJECT;
    int64_t id;
    const char *word;
} Tag;

/* Abstract: a keeper, a soft-delete flag, two managers, Meta. */
typedef struct Kept {
    DORM_FK(Keeper) keeper;
    bool deleted;
} Kept;

typedef struct Animal {
    DORM_OBJECT;
    int64_t id;
    Kept kept;
    const char *name;
} Animal;

typedef struct Bird {
    DORM_OBJECT;
    Animal animal;
    DORM_FK(Animal) animal_ptr;
    int32_t wingspan;
} Bird;

typedef struct Parrot {
    DORM_OBJECT;
    Bird bird;
    DORM_FK(Bird) bird_ptr;
    const char *words;
} Parrot;

typedef struct Tool {
    DORM_OBJECT;
    int64_t id;
    Kept kept;
    int32_t size;
} Tool;

DORM_MODEL_DECLARE(Keeper);
DORM_MODEL_DECLARE(Tag);
DORM_MODEL_DECLARE(Kept);
DORM_MODEL_DECLARE(Animal);
DORM_MODEL_DECLARE(Bird);
DORM_MODEL_DECLARE(Parrot);
DORM_MODEL_DECLARE(Tool);

static const dorm_field Keeper_fields[] = {DORM_AUTO(Keeper, id), DORM_CHAR(Keeper, name, .max_length = 30), DORM_END};
const dorm_model Keeper_model = DORM_MODEL(Keeper, "zoo", Keeper_fields);
static const dorm_field Tag_fields[] = {DORM_AUTO(Tag, id), DORM_CHAR(Tag, word, .max_length = 20), DORM_END};
const dorm_model Tag_model = DORM_MODEL(Tag, "zoo", Tag_fields);

static dorm_qs *alive(dorm_qs *qs) { return dorm_filter(qs, DQ("deleted", false)); }

static const dorm_field Kept_fields[] = {
    DORM_FOREIGN_KEY(Kept, keeper, Keeper, .on_delete = DORM_CASCADE, .related_name = "%(app_label)s_%(class)s_items"),
    DORM_BOOL(Kept, deleted),
    DORM_MANY_TO_MANY(Kept, tags, Tag, .related_name = "%(class)s_things"),
    DORM_END,
};
const dorm_model Kept_model =
    DORM_MODEL(Kept, "zoo", Kept_fields, .abstract = true, .ordering = DORM_LIST("-id"),
               .indexes = DORM_INDEXES({DORM_LIST("deleted"), "%(class)s_del_idx"}),
               .managers = DORM_MANAGERS({"objects", alive, NULL}, {"all_objects", NULL, NULL}));

static const dorm_field Animal_fields[] = {
    DORM_AUTO(Animal, id),
    DORM_PARENT(Animal, kept, Kept),
    DORM_CHAR(Animal, name, .max_length = 30),
    DORM_END,
};
const dorm_model Animal_model = DORM_MODEL(Animal, "zoo", Animal_fields);

static const dorm_field Bird_fields[] = {
    DORM_PARENT(Bird, animal, Animal),
    DORM_PARENT_LINK(Bird, animal_ptr, Animal),
    DORM_INT(Bird, wingspan),
    DORM_END,
};
const dorm_model Bird_model = DORM_MODEL(Bird, "zoo", Bird_fields);

static const dorm_field Parrot_fields[] = {
    DORM_PARENT(Parrot, bird, Bird),
    DORM_PARENT_LINK(Parrot, bird_ptr, Bird),
    DORM_CHAR(Parrot, words, .max_length = 50),
    DORM_END,
};
const dorm_model Parrot_model = DORM_MODEL(Parrot, "zoo", Parrot_fields, .ordering = DORM_LIST("words"));

static const dorm_field Tool_fields[] = {
    DORM_AUTO(Tool, id),
    DORM_PARENT(Tool, kept, Kept),
    DORM_INT(Tool, size),
    DORM_END,
};
const dorm_model Tool_model = DORM_MODEL(Tool, "zoo", Tool_fields, .ordering = DORM_EMPTY_LIST);

static const dorm_app zoo_app = {
    .label = "zoo",
    .models = DORM_MODELS(&Keeper_model, &Tag_model, &Animal_model, &Bird_model, &Parrot_model, &Tool_model),
};

static void open_zoo(void) { test_db_open_apps((const dorm_app *const[]){&zoo_app, NULL}); }

TestSuite(inherit_chain, .init = open_zoo, .fini = test_db_close);

static Parrot *polly(Keeper *k) {
    Parrot *p = dorm_create(T.cx, Parrot,
                            .bird = {.animal = {.name = "Polly", .kept = {.keeper = {k->id, NULL}}}, .wingspan = 30},
                            .words = "hello");
    cr_assert_not_null(p, "%s", dorm_errmsg(T.cx));
    return p;
}

Test(inherit_chain, abstract_base_relation_names_and_meta) {
    Keeper *k = dorm_create(T.cx, Keeper, .name = "Kim");
    cr_assert_not_null(dorm_create(T.cx, Animal, .name = "Rex", .kept = {.keeper = {k->id, NULL}}));
    cr_assert_not_null(dorm_create(T.cx, Tool, .size = 3, .kept = {.keeper = {k->id, NULL}}));
    cr_assert_eq(dorm_count(dorm_related(k, "zoo_animal_items")), 1, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_count(dorm_related(k, "zoo_tool_items")), 1, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_count(dorm_filter(dorm_all(T.cx, Keeper), DQ("zoo_tool_items__size", 3))), 1);
    const char *ddl = test_sql_std(dorm_create_table_sql(T.cx, &Animal_model));
    cr_expect(strstr(ddl, "CREATE INDEX \"animal_del_idx\" ON \"zoo_animal\" (\"deleted\")"), "%s", ddl);
    ddl = test_sql_std(dorm_create_table_sql(T.cx, &Tool_model));
    cr_expect(strstr(ddl, "CREATE INDEX \"tool_del_idx\""), "%s", ddl);
    dorm_model_info info;
    cr_assert_eq(dorm_model_describe(T.cx, &Animal_model, &info), 0);
    cr_expect_str_eq(info.field_names, "id, keeper, deleted, name");
    cr_expect_str_eq(info.ordering[0], "-id");
    cr_expect_str_eq(info.default_manager, "objects");
    cr_assert_eq(dorm_model_describe(T.cx, &Bird_model, &info), 0);
    cr_expect_str_eq(info.ordering[0], "-id", "a child inherits its parent's ordering");
    cr_assert_eq(dorm_model_describe(T.cx, &Tool_model, &info), 0);
    cr_expect_null(info.ordering[0], "an empty list overrides the base's");
    cr_assert_eq(dorm_model_describe(T.cx, &Kept_model, &info), 0);
    cr_expect(info.abstract);
    cr_expect_str_eq(info.field_names, "keeper, deleted");
    /* The base's many-to-many: a join table per child, reached from a
     * multi-table grandchild through its parents. */
    Tag *t = dorm_create(T.cx, Tag, .word = "loud");
    Animal *rex = dorm_get(dorm_all(T.cx, Animal), DQ("name", "Rex"));
    Tool *tool = dorm_first(dorm_all(T.cx, Tool));
    void *tags[] = {t};
    cr_assert_eq(dorm_related_add(rex, "tags", tags, 1), 0, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_related_add(tool, "tags", tags, 1), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(test_scalar("SELECT COUNT(*) FROM zoo_animal_tags"), 1);
    cr_expect_eq(test_scalar("SELECT COUNT(*) FROM zoo_tool_tags"), 1);
    cr_expect_eq(dorm_count(dorm_related(t, "animal_things")), 1, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(dorm_count(dorm_related(t, "tool_things")), 1, "%s", dorm_errmsg(T.cx));
    Parrot *p = polly(k);
    cr_assert_eq(dorm_related_add(p, "tags", tags, 1), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(dorm_count(dorm_filter(dorm_all(T.cx, Parrot), DQ("tags__word", "loud"))), 1, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(dorm_count(dorm_related(p, "tags")), 1, "%s", dorm_errmsg(T.cx));
    cr_expect_str_eq(dorm_qs_errmsg(dorm_all(T.cx, Kept)), "Manager isn't available; 'zoo.Kept' is abstract");
}

Test(inherit_chain, managers_come_from_the_bases) {
    Keeper *k = dorm_create(T.cx, Keeper, .name = "Kim");
    polly(k);
    Bird *b = dorm_create(T.cx, Bird, .animal = {.name = "Gone", .kept = {.keeper = {k->id, NULL}, .deleted = true}});
    cr_assert_not_null(b, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(dorm_count(dorm_all(T.cx, Animal)), 1);
    cr_expect_eq(dorm_count(dorm_manager_all(T.cx, Animal, "all_objects")), 2);
    cr_expect_eq(dorm_count(dorm_all(T.cx, Bird)), 1);
    cr_expect_eq(dorm_count(dorm_manager_all(T.cx, Bird, "all_objects")), 2);
    cr_expect_eq(dorm_count(dorm_all(T.cx, Parrot)), 1);
}

Test(inherit_chain, two_levels_of_children) {
    Keeper *k = dorm_create(T.cx, Keeper, .name = "Kim");
    Parrot *p = polly(k);
    cr_expect_eq(p->bird.animal.id, p->bird_ptr.id);
    cr_expect_eq(p->bird.animal_ptr.id, p->bird.animal.id);
    cr_expect_eq(test_scalar("SELECT COUNT(*) FROM zoo_animal"), 1);
    cr_expect_eq(test_scalar("SELECT COUNT(*) FROM zoo_bird"), 1);
    cr_expect_eq(test_scalar("SELECT COUNT(*) FROM zoo_parrot"), 1);
    Parrot *got = dorm_get(dorm_all(T.cx, Parrot), DQ("name", "Polly"), DQ("wingspan", 30), DQ("keeper__name", "Kim"));
    cr_assert_not_null(got, "%s", dorm_errmsg(T.cx));
    cr_expect_str_eq(got->bird.animal.name, "Polly");
    cr_expect_str_eq(got->words, "hello");
    cr_expect_eq(got->bird.animal.kept.keeper.id, k->id);
    cr_expect_eq(dorm_count(dorm_filter(dorm_all(T.cx, Keeper), DQ("zoo_animal_items__bird__parrot__words", "hello"))),
                 1);
    /* The parent link is the parent part, no query. */
    uint64_t q0 = dorm_ctx_query_count(T.cx);
    Bird *as_bird = dorm_fk(got, bird_ptr);
    cr_assert_not_null(as_bird);
    cr_expect_eq(as_bird->wingspan, 30);
    Animal *as_animal = dorm_fk(as_bird, animal_ptr);
    cr_expect_str_eq(as_animal->name, "Polly");
    cr_expect_eq(dorm_ctx_query_count(T.cx) - q0, 0);
    /* Saving the parent part writes the parent's row only. */
    as_animal->name = "Pol";
    cr_assert_eq(dorm_save(as_animal), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(dorm_count(dorm_filter(dorm_all(T.cx, Parrot), DQ("name", "Pol"))), 1);
    cr_expect_eq(dorm_update(dorm_all(T.cx, Parrot), DSET("name", "P2"), DSET("wingspan", 31), DSET("words", "hi")), 1,
                 "%s", dorm_errmsg(T.cx));
    got = dorm_get(dorm_all(T.cx, Parrot), DQ("words", "hi"));
    cr_assert_not_null(got, "%s", dorm_errmsg(T.cx));
    cr_expect_str_eq(got->bird.animal.name, "P2");
    cr_expect_eq(got->bird.wingspan, 31);
    dorm_deleted d;
    cr_assert_eq(dorm_delete(got, &d), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_str_eq(dorm_deleted_str(T.cx, &d), "zoo.Animal: 1, zoo.Bird: 1, zoo.Parrot: 1");
    polly(k);
    cr_assert_eq(dorm_qs_delete(dorm_manager_all(T.cx, Animal, "all_objects"), &d), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_str_eq(dorm_deleted_str(T.cx, &d), "zoo.Animal: 1, zoo.Bird: 1, zoo.Parrot: 1");
    cr_expect_eq(test_scalar("SELECT COUNT(*) FROM zoo_parrot"), 0);
}

Test(inherit_chain, bulk_calls_and_select_related) {
    Keeper *k = dorm_create(T.cx, Keeper, .name = "Kim");
    Bird *b = dorm_new(T.cx, Bird);
    b->animal.name = "Tweety";
    b->animal.kept.keeper.id = k->id;
    void *one[] = {b};
    cr_expect_eq(dorm_bulk_create(T.cx, Bird, one, 1, 0), DORM_EVALUE);
    cr_expect_str_eq(dorm_errmsg(T.cx), "Can't bulk create a multi-table inherited model");
    cr_assert_eq(dorm_save(b), 0, "%s", dorm_errmsg(T.cx));
    Bird *c = dorm_create(T.cx, Bird, .animal = {.name = "Zazu", .kept = {.keeper = {k->id, NULL}}}, .wingspan = 2);
    cr_assert_not_null(c);
    b->animal.name = "Tweety B";
    b->wingspan = 9;
    c->animal.name = "Zazu B";
    void *two[] = {b, c};
    int64_t n = dorm_bulk_update(T.cx, Bird, two, 2, "name", "wingspan");
    cr_assert_eq(n, 2, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(dorm_count(dorm_filter(dorm_all(T.cx, Bird), DQ("name__endswith", " B"))), 2);
    cr_expect_eq(dorm_count(dorm_filter(dorm_all(T.cx, Bird), DQ("wingspan", 9))), 1);
    uint64_t q0 = dorm_ctx_query_count(T.cx);
    size_t nb;
    void **birds = dorm_list(dorm_select_related(dorm_order_by(dorm_all(T.cx, Bird), "name"), "keeper"), &nb);
    cr_assert_not_null(birds, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(nb, 2);
    Bird *first = birds[0];
    cr_expect_str_eq(dorm_fk(first, animal.kept.keeper)->name, "Kim");
    cr_expect_eq(dorm_ctx_query_count(T.cx) - q0, 1);
}

Test(inherit_chain, dumpdata_writes_each_table_s_fields) {
    Keeper *k = dorm_create(T.cx, Keeper, .name = "Kim");
    Bird *b = dorm_create(T.cx, Bird, .animal = {.name = "Zazu", .kept = {.keeper = {k->id, NULL}}}, .wingspan = 2);
    cr_assert_not_null(b);
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    cr_assert_eq(dorm_dumpdata_all(T.cx, DORM_LIST("zoo.bird", "zoo.animal"), 0, out), 0, "%s", dorm_errmsg(T.cx));
    fclose(out);
    char want[256];
    snprintf(want, sizeof want, "{\"model\": \"zoo.bird\", \"pk\": %lld, \"fields\": {\"wingspan\": 2}}",
             (long long)b->animal.id);
    cr_expect(strstr(buf, want), "%s", buf);
    cr_expect(strstr(buf, "\"model\": \"zoo.animal\""), "%s", buf);
    free(buf);
}

/* The checks of inheritance: Django's words where Django has them. */
typedef struct Orphan {
    DORM_OBJECT;
    Animal animal;
    int32_t legs;
} Orphan;
DORM_MODEL_DECLARE(Orphan);
static const dorm_field Orphan_fields[] = {DORM_PARENT(Orphan, animal, Animal), DORM_INT(Orphan, legs), DORM_END};
const dorm_model Orphan_model = DORM_MODEL(Orphan, "bad", Orphan_fields);

typedef struct Fat {
    DORM_OBJECT;
    Animal animal;
    int32_t weight;
} Fat;
DORM_MODEL_DECLARE(Fat);
static const dorm_field Fat_fields[] = {DORM_PARENT(Fat, animal, Animal), DORM_INT(Fat, weight), DORM_END};
const dorm_model Fat_model = DORM_MODEL(Fat, "bad", Fat_fields, .proxy = true);

Test(inherit_chain, checks) {
    const dorm_app bad = {.label = "bad", .models = DORM_MODELS(&Orphan_model, &Fat_model)};
    dorm_registry *reg = dorm_registry_new((const dorm_app *const[]){&zoo_app, &bad, NULL});
    cr_assert_not_null(reg);
    cr_expect_eq(dorm_registry_errcode(reg), DORM_ECONFIG);
    const char *msg = dorm_registry_messages(reg);
    cr_expect(strstr(msg,
                     "bad.Orphan: (dorm.E032) The model inherits from 'Animal' but has no parent link to it: "
                     "declare DORM_PARENT_LINK(Orphan, animal_ptr, Animal)."),
              "%s", msg);
    cr_expect(strstr(msg, "bad.Fat: (models.E017) Proxy model 'Fat' contains model fields."), "%s", msg);
    dorm_registry_free(reg);
}

/* Keyset pages of a child ordered by its parent's field. */
Test(inherit_chain, keyset_pages_of_a_child) {
    Keeper *k = dorm_create(T.cx, Keeper, .name = "Kim");
    const char *birds[] = {"Cid", "Ada", "Bea", "Dot", "Eve"};
    for (int i = 0; i < 5; i++)
        cr_assert_not_null(dorm_create(T.cx, Bird, .animal = {.name = birds[i], .kept = {.keeper = {k->id, NULL}}}));
    dorm_qs *qs = dorm_order_by(dorm_all(T.cx, Bird), "name");
    dorm_keyset_page *p1 = dorm_keyset_paginate(qs, 2, NULL);
    cr_assert_not_null(p1, "%s", dorm_errmsg(T.cx));
    cr_expect_str_eq(((Bird *)p1->objects[0])->animal.name, "Ada");
    cr_expect_str_eq(((Bird *)p1->objects[1])->animal.name, "Bea");
    dorm_keyset_page *p2 = dorm_keyset_paginate(qs, 2, p1->next);
    cr_assert_not_null(p2, "%s", dorm_errmsg(T.cx));
    cr_expect_str_eq(((Bird *)p2->objects[0])->animal.name, "Cid");
    cr_expect_str_eq(((Bird *)p2->objects[1])->animal.name, "Dot");
}
