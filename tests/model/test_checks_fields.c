/* test_checks_fields.c - Django's checks of field options dorm's
 * declarations can still get wrong (fields.E007, E100, E133, E170, E201,
 * E202, E210, E330, E333-E336, E340): messages and hints as Django 3.2's
 * `check` prints them for the same models. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <stdio.h>
#include <string.h>

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

/* ---- warnings: printed, failing nothing ---- */

/* The registry of `models` must pass its checks with exactly the warnings
 * of `messages` (any order). */
static void expect_warnings(const dorm_model *const *models, const char *const *messages) {
    dorm_registry *reg = test_registry_of(models);
    const char *msg = dorm_registry_messages(reg);
    cr_expect_eq(dorm_registry_errcode(reg), DORM_OK, "%s", msg);
    size_t want = 0, got = *msg ? 1 : 0;
    for (; messages[want]; want++)
        cr_expect(test_has_message(msg, messages[want]), "missing \"%s\" in \"%s\"", messages[want], msg);
    for (const char *p = strchr(msg, '\n'); p; p = strchr(p + 1, '\n')) got += p[1] != '\t';
    cr_expect_eq(got, want, "%zu messages expected, got \"%s\"", want, msg);
    dorm_registry_free(reg);
}

typedef struct Item {
    DORM_OBJECT;
    int64_t id;
    int32_t n;
    DORM_FK(Shelf) shelf;
} Item;
static const dorm_field Item_fields[] = {
    DORM_AUTO(Item, id),
    DORM_INT(Item, n, .max_length = 5),
    DORM_FOREIGN_KEY(Item, shelf, Shelf, .on_delete = DORM_CASCADE, .unique = true),
    DORM_MANY_TO_MANY(Item, tags, Shelf, .null = true, .validators = DORM_VALIDATORS(DORM_MIN_LENGTH(1)),
                      .related_name = "items2"),
    DORM_END,
};
static const dorm_model Item_model = DORM_MODEL(Item, "library", Item_fields);

Test(checks_fields, ignored_options_are_warnings) {
    expect_warnings(
        DORM_MODELS(&Shelf_model, &Item_model),
        DORM_LIST("library.Item.n: (fields.W122) 'max_length' is ignored when used with IntegerField.\n\tHINT: "
                  "Remove 'max_length' from field",
                  "library.Item.shelf: (fields.W342) Setting unique=True on a ForeignKey has the same effect as "
                  "using a OneToOneField.\n\tHINT: ForeignKey(unique=True) is usually better served by a "
                  "OneToOneField.",
                  "library.Item.tags: (fields.W340) null has no effect on ManyToManyField.",
                  "library.Item.tags: (fields.W341) ManyToManyField does not support validators."));
}

typedef struct Reader {
    DORM_OBJECT;
    int64_t id;
} Reader;
static const dorm_model Reading_model;
static const dorm_model Reader_model;
static const dorm_field Reader_fields[] = {
    DORM_AUTO(Reader, id),
    DORM_MANY_TO_MANY(Reader, shelves, Shelf, .through = &Reading_model,
                      .limit_choices_to = DQC("id__gt", DORM_VINT(1))),
    DORM_END,
};
static const dorm_model Reader_model = DORM_MODEL(Reader, "library", Reader_fields);

typedef struct Reading {
    DORM_OBJECT;
    int64_t id;
    DORM_FK(Reader) reader;
    DORM_FK(Shelf) shelf;
} Reading;
static const dorm_field Reading_fields[] = {
    DORM_AUTO(Reading, id),
    DORM_FOREIGN_KEY(Reading, reader, Reader, .on_delete = DORM_CASCADE),
    DORM_FOREIGN_KEY(Reading, shelf, Shelf, .on_delete = DORM_CASCADE),
    DORM_END,
};
static const dorm_model Reading_model = DORM_MODEL(Reading, "library", Reading_fields);

Test(checks_fields, limit_choices_to_through_a_model) {
    expect_warnings(DORM_MODELS(&Shelf_model, &Reader_model, &Reading_model),
                    DORM_LIST("library.Reader.shelves: (fields.W343) limit_choices_to has no effect on "
                              "ManyToManyField with a through model."));
}

Test(checks_fields, warnings_only_pass_the_check_command, .init = cr_redirect_stderr) {
    const dorm_app app = {.label = "library", .models = DORM_MODELS(&Shelf_model, &Reader_model, &Reading_model)};
    char *argv[] = {"check", NULL};
    cr_expect_eq(dorm_manage(1, argv, (const dorm_app *const[]){&app, NULL}), 0);
    fflush(stderr);
    cr_expect_stderr_eq_str("System check identified some issues:\n\nWARNINGS:\nlibrary.Reader.shelves: "
                            "(fields.W343) limit_choices_to has no effect on ManyToManyField with a through "
                            "model.\n\nSystem check identified 1 issue (0 silenced).\n");
}

/* ---- errors found with warnings ---- */

typedef struct Tag {
    DORM_OBJECT;
    int64_t id;
    const char *code;
} Tag;
static const dorm_field Tag_fields[] = {DORM_AUTO(Tag, id), DORM_CHAR(Tag, code, .max_length = 5), DORM_END};
static const dorm_model Tag_model = DORM_MODEL(Tag, "library", Tag_fields);

typedef struct Label {
    DORM_OBJECT;
    int64_t id;
    const char *code;
} Label;
static const dorm_field Label_fields[] = {DORM_AUTO(Label, id), DORM_CHAR(Label, code, .max_length = 5), DORM_END};
static const dorm_model Label_model =
    DORM_MODEL(Label, "library", Label_fields, .unique_together = DORM_UNIQUE_TOGETHER(DORM_LIST("code")));

typedef struct Note {
    DORM_OBJECT;
    int64_t id;
    DORM_FK_TO(Tag, const char *) tag;
    DORM_FK_TO(Label, const char *) label;
    dorm_date when;
    int32_t n;
} Note;
static const dorm_field Note_fields[] = {
    DORM_AUTO(Note, id),
    DORM_FOREIGN_KEY(Note, tag, Tag, .on_delete = DORM_CASCADE, .to_field = "code"),
    DORM_FOREIGN_KEY(Note, label, Label, .on_delete = DORM_CASCADE, .to_field = "code"),
    DORM_DATE(Note, when, .auto_now = true, .default_value = DORM_VDATE(2000, 1, 1)),
    DORM_INT(Note, n, .max_length = 3),
    DORM_END,
};
static const dorm_model Note_model = DORM_MODEL(Note, "library", Note_fields);

Test(checks_fields, errors_and_warnings_in_their_groups, .init = cr_redirect_stderr) {
    /* Label.code is unique by unique_together alone: no E311 for it. */
    const dorm_app app = {.label = "library", .models = DORM_MODELS(&Tag_model, &Label_model, &Note_model)};
    char *argv[] = {"check", NULL};
    cr_expect_eq(dorm_manage(1, argv, (const dorm_app *const[]){&app, NULL}), 1);
    fflush(stderr);
    cr_expect_stderr_eq_str(
        "SystemCheckError: System check identified some issues:\n\nERRORS:\n"
        "library.Note.tag: (fields.E311) 'Tag.code' must be unique because it is referenced by a foreign key.\n"
        "\tHINT: Add unique=True to this field or add a UniqueConstraint (without condition) in the model "
        "Meta.constraints.\n"
        "library.Note.when: (fields.E160) The options auto_now, auto_now_add, and default are mutually exclusive. "
        "Only one of these options may be present.\n\nWARNINGS:\n"
        "library.Note.n: (fields.W122) 'max_length' is ignored when used with IntegerField.\n"
        "\tHINT: Remove 'max_length' from field\n\n"
        "System check identified 3 issues (0 silenced).\n");
}

/* Django checks max_length on CharField and its subclasses only: a
 * TextField, FileField or JSONField ignores it. */
typedef struct Lengths {
    DORM_OBJECT;
    int64_t id;
    const char *text, *slug, *email, *url, *file, *json;
} Lengths;
static const dorm_field Lengths_fields[] = {
    DORM_AUTO(Lengths, id),
    DORM_TEXT(Lengths, text, .max_length = -1),
    DORM_SLUG(Lengths, slug, .max_length = -1),
    DORM_EMAIL(Lengths, email, .max_length = -1),
    DORM_URL(Lengths, url, .max_length = -1),
    DORM_FILE(Lengths, file, .max_length = -1),
    DORM_JSON(Lengths, json, .max_length = -1),
    DORM_END,
};
static const dorm_model Lengths_model = DORM_MODEL(Lengths, "library", Lengths_fields);

Test(checks_fields, negative_max_length_only_on_char_fields) {
    test_expect_messages(DORM_MODELS(&Lengths_model),
                         DORM_LIST("library.Lengths.slug: (fields.E121) 'max_length' must be a positive integer.",
                                   "library.Lengths.email: (fields.E121) 'max_length' must be a positive integer.",
                                   "library.Lengths.url: (fields.E121) 'max_length' must be a positive integer."));
}

/* A name clash hides the column clash it causes (Django's Model.check). */
typedef struct Clash {
    DORM_OBJECT;
    int64_t code;
    int64_t id;
    int64_t a, b;
} Clash;
static const dorm_field Clash_fields[] = {
    DORM_BIGINT(Clash, code, .primary_key = true),
    DORM_BIGINT(Clash, id),
    DORM_BIGINT(Clash, a),
    DORM_BIGINT(Clash, b, .db_column = "a"),
    DORM_END,
};
static const dorm_model Clash_model = DORM_MODEL(Clash, "library", Clash_fields);

Test(checks_fields, name_clash_hides_column_clash) {
    test_expect_messages(DORM_MODELS(&Clash_model),
                         DORM_LIST("library.Clash: (models.E004) 'id' can only be used as a field name if the field "
                                   "also sets 'primary_key=True'."));
}

/* Django compares the model's own columns only: a child's column named as
 * one of its parent's (another table) is no clash. */
typedef struct Venue {
    DORM_OBJECT;
    int64_t id;
    int64_t code;
} Venue;
typedef struct Stage {
    Venue venue;
    DORM_FK(Venue) venue_ptr;
    int64_t number;
} Stage;
static const dorm_field Venue_fields[] = {DORM_AUTO(Venue, id), DORM_BIGINT(Venue, code), DORM_END};
static const dorm_model Venue_model = DORM_MODEL(Venue, "library", Venue_fields);
static const dorm_field Stage_fields[] = {
    DORM_PARENT(Stage, venue, Venue),
    DORM_PARENT_LINK(Stage, venue_ptr, Venue),
    DORM_BIGINT(Stage, number, .db_column = "code"),
    DORM_END,
};
static const dorm_model Stage_model = DORM_MODEL(Stage, "library", Stage_fields);

Test(checks_fields, a_childs_column_may_repeat_its_parents) {
    dorm_registry *reg = test_registry_of(DORM_MODELS(&Venue_model, &Stage_model));
    cr_assert_not_null(reg);
    cr_expect_eq(dorm_registry_errcode(reg), DORM_OK);
    cr_expect_str_eq(dorm_registry_messages(reg), "");
    dorm_registry_free(reg);
}
