/* test_checks_options.c - Django's checks of Meta options (models.E003,
 * E013, E016's hint, E033, E034) and of the names models share (models.E029
 * to E032): messages and hints as Django 3.2's `check` prints them. */
#include <criterion/criterion.h>

#include "checks.h"

typedef struct Shelf {
    DORM_OBJECT;
    int64_t id;
} Shelf;
static const dorm_field Shelf_fields[] = {DORM_AUTO(Shelf, id), DORM_END};
static const dorm_model Shelf_model = DORM_MODEL(Shelf, "library", Shelf_fields);

typedef struct Rack {
    DORM_OBJECT;
    int64_t id;
} Rack;
static const dorm_field Rack_fields[] = {DORM_AUTO(Rack, id), DORM_MANY_TO_MANY(Rack, shelves, Shelf), DORM_END};
static const dorm_model Rack_model = DORM_MODEL(
    Rack, "library", Rack_fields, .unique_together = DORM_UNIQUE_TOGETHER(DORM_LIST("shelves", "id")),
    .indexes = DORM_INDEXES({DORM_LIST("id"), "_bad"}, {DORM_LIST("id"), "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
                            {DORM_LIST("id"), "9lives"}, {DORM_LIST("id"), "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}));

Test(checks_options, many_to_many_in_unique_together_and_index_names) {
    test_expect_messages(
        DORM_MODELS(&Shelf_model, &Rack_model),
        DORM_LIST("library.Rack: (models.E013) 'unique_together' refers to a ManyToManyField 'shelves', but "
                  "ManyToManyFields are not permitted in 'unique_together'.",
                  "library.Rack: (models.E033) The index name '_bad' cannot start with an underscore or a number.",
                  "library.Rack: (models.E033) The index name '9lives' cannot start with an underscore or a number.",
                  "library.Rack: (models.E034) The index name 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' cannot be longer "
                  "than 30 characters."));
}

typedef struct Crate {
    DORM_OBJECT;
    int64_t id;
} Crate;
static const dorm_field Crate_fields[] = {DORM_AUTO(Crate, id), DORM_END};
static const dorm_model Crate_model = DORM_MODEL(
    Crate, "library", Crate_fields, .indexes = DORM_INDEXES({DORM_LIST("id"), "same"}, {DORM_LIST("id"), "twice"}),
    .constraints = DORM_CONSTRAINTS({DORM_CONSTRAINT_UNIQUE, "c1", DORM_LIST("id"), NULL}));

typedef struct Box {
    DORM_OBJECT;
    int64_t id;
} Box;
static const dorm_field Box_fields[] = {DORM_AUTO(Box, id), DORM_END};
static const dorm_model Box_model =
    DORM_MODEL(Box, "library", Box_fields,
               .indexes = DORM_INDEXES({DORM_LIST("id"), "same"}, {DORM_LIST("id"), "same"}, {DORM_LIST("id"), "once"}),
               .constraints = DORM_CONSTRAINTS({DORM_CONSTRAINT_UNIQUE, "c1", DORM_LIST("id"), NULL},
                                               {DORM_CONSTRAINT_UNIQUE, "c2", DORM_LIST("id"), NULL},
                                               {DORM_CONSTRAINT_UNIQUE, "c2", DORM_LIST("id"), NULL}));

typedef struct Bin {
    DORM_OBJECT;
    int64_t id;
} Bin;
static const dorm_field Bin_fields[] = {DORM_AUTO(Bin, id), DORM_END};
static const dorm_model Bin_model = DORM_MODEL(
    Bin, "library", Bin_fields, .indexes = DORM_INDEXES({DORM_LIST("id"), "twice"}, {DORM_LIST("id"), "twice"}));

Test(checks_options, index_and_constraint_names_once_among_models) {
    /* Labels sorted; a name twice in one model only is "for model". */
    test_expect_messages(
        DORM_MODELS(&Crate_model, &Box_model, &Bin_model),
        DORM_LIST("?: (models.E030) index name 'same' is not unique among models: library.Box, library.Crate.",
                  "?: (models.E030) index name 'twice' is not unique among models: library.Bin, library.Crate.",
                  "?: (models.E032) constraint name 'c1' is not unique among models: library.Box, library.Crate.",
                  "?: (models.E031) constraint name 'c2' is not unique for model library.Box."));
}

Test(checks_options, index_name_twice_in_one_model) {
    test_expect_messages(DORM_MODELS(&Bin_model),
                         DORM_LIST("?: (models.E029) index name 'twice' is not unique for model library.Bin."));
}

typedef struct Person {
    DORM_OBJECT;
    int64_t id;
    const char *name;
} Person;
static const dorm_field Person_fields[] = {DORM_AUTO(Person, id), DORM_CHAR(Person, name, .max_length = 50), DORM_END};
static const dorm_model Person_model = DORM_MODEL(Person, "library", Person_fields);

typedef struct Staff {
    DORM_OBJECT;
    Person person;
    DORM_FK(Person) person_ptr;
    const char *role;
} Staff;
static const dorm_field Staff_fields[] = {
    DORM_PARENT(Staff, person, Person),
    DORM_PARENT_LINK(Staff, person_ptr, Person),
    DORM_CHAR(Staff, role, .max_length = 50),
    DORM_END,
};
static const dorm_model Staff_model =
    DORM_MODEL(Staff, "library", Staff_fields, .unique_together = DORM_UNIQUE_TOGETHER(DORM_LIST("name", "role")));

Test(checks_options, parent_field_in_unique_together_has_a_hint) {
    test_expect_messages(DORM_MODELS(&Person_model, &Staff_model),
                         DORM_LIST("library.Staff: (models.E016) 'unique_together' refers to field 'name' which is not "
                                   "local to model 'Staff'.\n\tHINT: This issue may be caused by multi-table "
                                   "inheritance."));
}

typedef struct Author {
    DORM_OBJECT;
    int64_t id;
    const char *name;
} Author;
static const dorm_field Author_fields[] = {DORM_AUTO(Author, id), DORM_CHAR(Author, name, .max_length = 10), DORM_END};
static const dorm_model Author_model = DORM_MODEL(Author, "library", Author_fields);

typedef struct Book {
    DORM_OBJECT;
    int64_t id;
    DORM_FK(Author) author;
    int32_t pages;
} Book;
static const dorm_field Book_fields[] = {
    DORM_AUTO(Book, id),
    DORM_FOREIGN_KEY(Book, author, Author, .on_delete = DORM_CASCADE),
    DORM_INT(Book, pages),
    DORM_MANY_TO_MANY(Book, tags, Author, .related_name = "tagged"),
    DORM_END,
};
static const dorm_model Book_model = DORM_MODEL(
    Book, "library", Book_fields,
    .constraints = DORM_CONSTRAINTS(
        {DORM_CONSTRAINT_CHECK, "c1", NULL,
         dorm_or(DQC("author__name", DORM_VTEXT("x")), DQC("author__gt", DORM_VINT(1)), DQC("pk__gt", DORM_VINT(0)))},
        {DORM_CONSTRAINT_CHECK, "c2", NULL,
         dorm_and(DQC("nope__gt", DORM_VINT(1)), dorm_not(DQC("tags", DORM_VINT(1))), DQC("pages__gte", DORM_VINT(0)),
                  DQC("author__name__startswith", DORM_VTEXT("a")))}));

Test(checks_options, check_constraint_references) {
    /* A key's own lookups (author__gt) do not join; pk is no field name. */
    test_expect_messages(
        DORM_MODELS(&Author_model, &Book_model),
        DORM_LIST("library.Book: (models.E012) 'constraints' refers to the nonexistent field 'nope'.",
                  "library.Book: (models.E013) 'constraints' refers to a ManyToManyField 'tags', but "
                  "ManyToManyFields are not permitted in 'constraints'.",
                  "library.Book: (models.E041) 'constraints' refers to the joined field 'author__name'.",
                  "library.Book: (models.E041) 'constraints' refers to the joined field 'author__name__startswith'."));
}
