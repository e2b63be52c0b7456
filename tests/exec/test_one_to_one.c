/* test_one_to_one.c - OneToOneField: the unique key, the reverse accessor that
 * is one object (or Django's RelatedObjectDoesNotExist), traversal both ways,
 * select_related and deletion. */
#include <criterion/criterion.h>
#include <string.h>

#include "testdb.h"

typedef struct Person {
    DORM_OBJECT;
    int64_t id;
    const char *name;
} Person;

typedef struct Passport {
    DORM_OBJECT;
    int64_t id;
    const char *number;
    DORM_FK(Person) holder;
} Passport;

DORM_MODEL_DECLARE(Person);
static const dorm_field Person_fields[] = {DORM_AUTO(Person, id), DORM_CHAR(Person, name, .max_length = 20), DORM_END};
const dorm_model Person_model = DORM_MODEL(Person, "travel", Person_fields, .ordering = DORM_LIST("name"));
static const dorm_field Passport_fields[] = {
    DORM_AUTO(Passport, id),
    DORM_CHAR(Passport, number, .max_length = 20),
    DORM_ONE_TO_ONE(Passport, holder, Person, .on_delete = DORM_CASCADE),
    DORM_END,
};
const dorm_model Passport_model = DORM_MODEL(Passport, "travel", Passport_fields);
static const dorm_app travel_app = {.label = "travel", .models = DORM_MODELS(&Person_model, &Passport_model)};

static void open_travel(void) { test_db_open_apps((const dorm_app *const[]){&travel_app, NULL}); }

TestSuite(one_to_one, .init = open_travel, .fini = test_db_close);

Test(one_to_one, reverse_accessor_is_one_object) {
    Person *ann = dorm_create(T.cx, Person, .name = "Ann");
    Person *bob = dorm_create(T.cx, Person, .name = "Bob");
    cr_assert(ann && bob);
    Passport *p = dorm_create(T.cx, Passport, .number = "X1", .holder = {ann->id, NULL});
    cr_assert_not_null(p, "%s", dorm_errmsg(T.cx));
    Passport *got = dorm_related_one(ann, "passport");
    cr_assert_not_null(got, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(got->number, "X1");
    cr_assert_null(dorm_related_one(bob, "passport"));
    cr_assert_eq(dorm_errcode(T.cx), DORM_EDOESNOTEXIST);
    cr_assert_str_eq(dorm_errmsg(T.cx), "Person has no passport.");
    cr_assert_null(dorm_related_one(ann, "nope"));
    cr_assert_eq(dorm_errcode(T.cx), DORM_EFIELD);
}

Test(one_to_one, key_is_unique) {
    Person *ann = dorm_create(T.cx, Person, .name = "Ann");
    cr_assert_not_null(dorm_create(T.cx, Passport, .number = "X1", .holder = {ann->id, NULL}));
    cr_assert_null(dorm_create(T.cx, Passport, .number = "X2", .holder = {ann->id, NULL}));
    cr_assert_eq(dorm_errcode(T.cx), DORM_EINTEGRITY);
}

Test(one_to_one, traversal_select_related_and_delete) {
    Person *ann = dorm_create(T.cx, Person, .name = "Ann");
    Person *bob = dorm_create(T.cx, Person, .name = "Bob");
    cr_assert_not_null(dorm_create(T.cx, Passport, .number = "X1", .holder = {ann->id, NULL}));
    /* Reverse traversal uses the model name, as Django's related_query_name. */
    Person *found = dorm_get(dorm_all(T.cx, Person), DQ("passport__number", "X1"));
    cr_assert_not_null(found, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(found->name, "Ann");
    cr_assert_eq(dorm_count(dorm_filter(dorm_all(T.cx, Person), DQ("passport__isnull", true))), 1);
    uint64_t q0 = dorm_ctx_query_count(T.cx);
    DORM_EACH(Passport, p, dorm_select_related(dorm_all(T.cx, Passport), "holder"))
    cr_assert_str_eq(dorm_fk(p, holder)->name, "Ann");
    cr_assert_eq(dorm_ctx_query_count(T.cx) - q0, 1);
    dorm_deleted d;
    cr_assert_eq(dorm_delete(ann, &d), 0, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(dorm_deleted_str(T.cx, &d), "travel.Passport: 1, travel.Person: 1");
    cr_assert_eq(dorm_count(dorm_all(T.cx, Passport)), 0);
    (void)bob;
}

/* A visa holder must have a name starting with "A": limit_choices_to. */
typedef struct Visa {
    DORM_OBJECT;
    int64_t id;
    DORM_FK(Person) person;
} Visa;
static const dorm_field Visa_fields[] = {
    DORM_AUTO(Visa, id),
    DORM_FOREIGN_KEY(Visa, person, Person, .on_delete = DORM_CASCADE, .related_query_name = "visa_holder",
                     .limit_choices_to = DQC("name__startswith", DORM_VTEXT("A"))),
    DORM_END,
};
const dorm_model Visa_model = DORM_MODEL(Visa, "travel", Visa_fields);
static const dorm_app visa_app = {.label = "travel", .models = DORM_MODELS(&Person_model, &Visa_model)};

static void open_visa(void) { test_db_open_apps((const dorm_app *const[]){&visa_app, NULL}); }

Test(foreign_key_options, limit_choices_to_and_related_query_name, .init = open_visa, .fini = test_db_close) {
    Person *ann = dorm_create(T.cx, Person, .name = "Ann");
    Person *bob = dorm_create(T.cx, Person, .name = "Bob");
    Visa *v = dorm_new(T.cx, Visa);
    cr_assert(ann && bob && v);
    dorm_fk_set(v, person, ann);
    cr_assert_eq(dorm_full_clean(v), 0, "%s", dorm_errmsg(T.cx));
    dorm_fk_set(v, person, bob);
    cr_assert_eq(dorm_full_clean(v), DORM_EVALIDATION);
    cr_assert_str_eq(dorm_errmsg(T.cx), "person: person instance with id 2 does not exist.");
    v->person.id = 99;
    v->person.obj = NULL;
    cr_assert_eq(dorm_full_clean(v), DORM_EVALIDATION);
    cr_assert_str_eq(dorm_errmsg(T.cx), "person: person instance with id 99 does not exist.");
    dorm_fk_set(v, person, ann);
    cr_assert_eq(dorm_save(v), 0, "%s", dorm_errmsg(T.cx));
    /* The reverse side is filtered by related_query_name ... */
    cr_assert_eq(dorm_count(dorm_filter(dorm_all(T.cx, Person), DQ("visa_holder__id", v->id))), 1);
    /* ... and its accessor keeps the default name. */
    cr_assert_eq(dorm_count(dorm_related(ann, "visa_set")), 1);
}

Test(one_to_one, select_related_reverse_side) {
    Person *ann = dorm_create(T.cx, Person, .name = "Ann");
    cr_assert_not_null(dorm_create(T.cx, Person, .name = "Bob"));
    cr_assert_not_null(dorm_create(T.cx, Passport, .number = "X1", .holder = {ann->id, NULL}));
    dorm_qs *qs = dorm_select_related(dorm_all(T.cx, Person), "passport");
    const char *sql = test_sql_std(dorm_qs_sql(qs, NULL));
    cr_expect(
        strstr(sql,
               "LEFT OUTER JOIN \"travel_passport\" ON (\"travel_person\".\"id\" = \"travel_passport\".\"holder_id\")"),
        "%s", sql);
    uint64_t before = dorm_ctx_query_count(T.cx);
    size_t n;
    void **people = dorm_list(qs, &n);
    cr_assert_eq(n, 2, "%s", dorm_errmsg(T.cx));
    Passport *p = dorm_related_one(people[0], "passport");
    cr_assert_not_null(p, "%s", dorm_errmsg(T.cx));
    cr_expect_str_eq(p->number, "X1");
    cr_expect_eq(p->holder.obj, people[0], "the way back is known");
    cr_expect_null(dorm_related_one(people[1], "passport"));
    cr_expect_eq(dorm_errcode(T.cx), DORM_EDOESNOTEXIST);
    cr_expect_eq(dorm_ctx_query_count(T.cx) - before, 1, "one query in all");
    /* Both directions in one path, and an unknown name listing the choices. */
    void **back = dorm_list(dorm_select_related(dorm_all(T.cx, Passport), "holder__passport"), &n);
    cr_assert_eq(n, 1, "%s", dorm_errmsg(T.cx));
    cr_expect_str_eq(((Passport *)back[0])->holder.obj->name, "Ann");
    qs = dorm_select_related(dorm_all(T.cx, Person), "nope");
    cr_expect_str_eq(dorm_qs_errmsg(qs),
                     "Invalid field name(s) given in select_related: 'nope'. Choices are: passport");
}
