/* test_checks_fields.c - Django's checks of field options dorm's
 * declarations can still get wrong (fields.E007, E100, E133, E170, E201,
 * E202, E210, E330, E333-E336, E340): messages and hints as Django 3.2's
 * `check` prints them for the same models. */
#include <criterion/criterion.h>

#include "checks.h"

typedef struct Doc {
    DORM_OBJECT;
    int64_t id;
    dorm_bytes data;
    const char *f;
    dorm_decimal n;
    int64_t serial;
} Doc;
static const dorm_field Doc_fields[] = {
    DORM_AUTO(Doc, id),
    DORM_BINARY(Doc, data, .default_value = DORM_VTEXT("abc")),
    DORM_FILE(Doc, f, .upload_to = "/abs", .max_length = 100),
    DORM_DECIMAL(Doc, n, .max_digits = -1, .decimal_places = 1),
    {.name = "serial", .kind = DORM_KIND_BIGAUTO, .offset = offsetof(Doc, serial), .size = sizeof(int64_t)},
    DORM_END,
};
static const dorm_model Doc_model = DORM_MODEL(Doc, "library", Doc_fields);

Test(checks_fields, options_of_binary_file_decimal_and_auto_fields) {
    test_expect_messages(
        DORM_MODELS(&Doc_model),
        DORM_LIST("library.Doc.data: (fields.E170) BinaryField's default cannot be a string. Use bytes content "
                  "instead.",
                  "library.Doc.f: (fields.E202) FileField's 'upload_to' argument must be a relative path, not an "
                  "absolute path.\n\tHINT: Remove the leading slash.",
                  "library.Doc.n: (fields.E133) 'max_digits' must be a positive integer.",
                  "library.Doc.serial: (fields.E100) AutoFields must set primary_key=True."));
}

typedef struct Upload {
    DORM_OBJECT;
    const char *f;
} Upload;
static const dorm_field Upload_fields[] = {DORM_FILE(Upload, f, .primary_key = true, .max_length = 100), DORM_END};
static const dorm_model Upload_model = DORM_MODEL(Upload, "library", Upload_fields);

Test(checks_fields, file_field_as_primary_key) {
    test_expect_messages(DORM_MODELS(&Upload_model),
                         DORM_LIST("library.Upload.f: (fields.E201) 'primary_key' is not a valid argument for a "
                                   "FileField."));
}

typedef struct Ticket {
    DORM_OBJECT;
    int64_t id;
} Ticket;
static const dorm_field Ticket_fields[] = {DORM_AUTO(Ticket, id, .null = true), DORM_END};
static const dorm_model Ticket_model = DORM_MODEL(Ticket, "library", Ticket_fields);

Test(checks_fields, nullable_primary_key_has_a_hint) {
    test_expect_messages(DORM_MODELS(&Ticket_model),
                         DORM_LIST("library.Ticket.id: (fields.E007) Primary keys must not have null=True.\n\tHINT: "
                                   "Set null=False on the field, or remove primary_key=True argument."));
}

typedef struct Photo {
    DORM_OBJECT;
    int64_t id;
    const char *img;
} Photo;
static const dorm_field Photo_fields[] = {DORM_AUTO(Photo, id), DORM_IMAGE(Photo, img, .max_length = 100), DORM_END};
static const dorm_model Photo_model = DORM_MODEL(Photo, "library", Photo_fields);

Test(checks_fields, image_field_without_image_support_has_a_hint) {
    dorm_registry *reg = test_registry_of(DORM_MODELS(&Photo_model));
    if (dorm_images_supported())
        cr_expect_str_eq(dorm_registry_messages(reg), "");
    else
        cr_expect_str_eq(dorm_registry_messages(reg),
                         "library.Photo.img: (fields.E210) Cannot use ImageField because libdorm was built without "
                         "image support (libpng, libjpeg).\n\tHINT: Install libpng and libjpeg (their -dev packages) "
                         "and build libdorm again.");
    dorm_registry_free(reg);
}

/* ---- many-to-manys ---- */

typedef struct Shelf {
    DORM_OBJECT;
    int64_t id;
} Shelf;
static const dorm_field Shelf_fields[] = {DORM_AUTO(Shelf, id), DORM_END};
static const dorm_model Shelf_model = DORM_MODEL(Shelf, "library", Shelf_fields);

typedef struct Person {
    DORM_OBJECT;
    int64_t id;
} Person;
static const dorm_model Friendship_model;
static const dorm_model Person_model;
static const dorm_field Person_fields[] = {
    DORM_AUTO(Person, id), DORM_MANY_TO_MANY(Person, friends, Person, .through = &Friendship_model), DORM_END};
static const dorm_model Person_model = DORM_MODEL(Person, "library", Person_fields);

typedef struct Friendship {
    DORM_OBJECT;
    int64_t id;
    DORM_FK(Person) a;
    DORM_FK(Person) b;
    DORM_FK(Person) c;
} Friendship;
static const dorm_field Friendship_fields[] = {
    DORM_AUTO(Friendship, id),
    DORM_FOREIGN_KEY(Friendship, a, Person, .on_delete = DORM_CASCADE, .related_name = "+"),
    DORM_FOREIGN_KEY(Friendship, b, Person, .on_delete = DORM_CASCADE, .related_name = "+"),
    DORM_FOREIGN_KEY(Friendship, c, Person, .on_delete = DORM_CASCADE, .related_name = "+"),
    DORM_END,
};
static const dorm_model Friendship_model = DORM_MODEL(Friendship, "library", Friendship_fields);

Test(checks_fields, three_keys_to_self_in_the_through_model) {
    test_expect_messages(
        DORM_MODELS(&Person_model, &Friendship_model),
        DORM_LIST("library.Friendship: (fields.E333) The model is used as an intermediate model by "
                  "'library.Person.friends', but it has more than two foreign keys to 'Person', which is ambiguous. "
                  "You must specify which two foreign keys Django should use via the through_fields keyword "
                  "argument.\n\tHINT: Use through_fields to specify which two foreign keys Django should use."));
}

#define E334_E335(field, key, model)                                                                                 \
    "library.Group." field ": (fields.E" key ") The model is used as an intermediate model by 'library.Group." field \
    "', but it has more than one foreign key " model ", which is ambiguous. You must specify which foreign key "     \
    "Django should use via the through_fields keyword argument.\n\tHINT: If you want to create a recursive "         \
    "relationship, use ManyToManyField(\"self\", through=\"Membership\")."

typedef struct Group {
    DORM_OBJECT;
    int64_t id;
} Group;
static const dorm_model Membership_model;
static const dorm_field Group_fields[] = {
    DORM_AUTO(Group, id),
    DORM_MANY_TO_MANY(Group, members, Shelf, .through = &Membership_model, .related_name = "g1"),
    DORM_MANY_TO_MANY(Group, others, Shelf, .through = &Membership_model, .related_name = "g2"),
    DORM_MANY_TO_MANY(Group, tags, Shelf, .unique = true, .related_name = "g3"),
    DORM_MANY_TO_MANY(Group, pals, Shelf, .db_table = "library_shelf", .related_name = "g4"),
    DORM_END,
};
static const dorm_model Group_model = DORM_MODEL(Group, "library", Group_fields);

typedef struct Membership {
    DORM_OBJECT;
    int64_t id;
    DORM_FK(Group) g1;
    DORM_FK(Group) g2;
    DORM_FK(Shelf) s1;
    DORM_FK(Shelf) s2;
} Membership;
static const dorm_field Membership_fields[] = {
    DORM_AUTO(Membership, id),
    DORM_FOREIGN_KEY(Membership, g1, Group, .on_delete = DORM_CASCADE, .related_name = "+"),
    DORM_FOREIGN_KEY(Membership, g2, Group, .on_delete = DORM_CASCADE, .related_name = "+"),
    DORM_FOREIGN_KEY(Membership, s1, Shelf, .on_delete = DORM_CASCADE, .related_name = "+"),
    DORM_FOREIGN_KEY(Membership, s2, Shelf, .on_delete = DORM_CASCADE, .related_name = "+"),
    DORM_END,
};
static const dorm_model Membership_model = DORM_MODEL(Membership, "library", Membership_fields);

Test(checks_fields, many_to_many_options_and_through_keys) {
    test_expect_messages(
        DORM_MODELS(&Shelf_model, &Group_model, &Membership_model),
        DORM_LIST(E334_E335("members", "334", "from 'Group'"), E334_E335("members", "335", "to 'Shelf'"),
                  E334_E335("others", "334", "from 'Group'"), E334_E335("others", "335", "to 'Shelf'"),
                  "library.Group.pals: (fields.E340) The field's intermediary table 'library_shelf' clashes with "
                  "the table name of 'library.Shelf'.",
                  "library.Group.tags: (fields.E330) ManyToManyFields cannot be unique.",
                  "library.Group: (models.E003) The model has two identical many-to-many relations through the "
                  "intermediate model 'library.Membership'."));
}

typedef struct Loan {
    DORM_OBJECT;
    int64_t id;
    DORM_FK(Shelf) shelf;
} Loan;
static const dorm_field Loan_fields[] = {
    DORM_AUTO(Loan, id),
    DORM_FOREIGN_KEY(Loan, shelf, Shelf, .on_delete = DORM_CASCADE, .related_name = "+"),
    DORM_END,
};
static const dorm_model Loan_model = DORM_MODEL(Loan, "library", Loan_fields);

typedef struct Club {
    DORM_OBJECT;
    int64_t id;
} Club;
static const dorm_field Club_fields[] = {DORM_AUTO(Club, id),
                                         DORM_MANY_TO_MANY(Club, shelves, Shelf, .through = &Loan_model), DORM_END};
static const dorm_model Club_model = DORM_MODEL(Club, "library", Club_fields);

Test(checks_fields, through_model_without_a_key_to_a_side) {
    /* Django reports it on the join model, not on the field. */
    test_expect_messages(DORM_MODELS(&Shelf_model, &Club_model, &Loan_model),
                         DORM_LIST("library.Loan: (fields.E336) The model is used as an intermediate model by "
                                   "'library.Club.shelves', but it does not have a foreign key to 'Club' or 'Shelf'."));
}
