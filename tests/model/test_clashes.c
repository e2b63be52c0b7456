/* test_clashes.c - Django's checks of reverse names: each relation's
 * accessor and query name against the target's fields (fields.E302, E303)
 * and the other relations to it (E304, E305), hidden relations
 * (related_name "+" or ending with "+") included, and the names themselves
 * (E306, E308, E309); messages and hints as Django 3.2 prints them for the
 * same models. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <stdio.h>

#include "checks.h"

#define HINT_RENAME(field, rel) \
    "\n\tHINT: Rename field '" field "', or add/change a related_name argument to the definition for field '" rel "'."
#define HINT_EITHER(rel, other) \
    "\n\tHINT: Add or change a related_name argument to the definition for '" rel "' or '" other "'."
#define E302(rel, field) \
    rel ": (fields.E302) Reverse accessor for '" rel "' clashes with field name '" field "'." HINT_RENAME(field, rel)
#define E303(rel, field) \
    rel ": (fields.E303) Reverse query name for '" rel "' clashes with field name '" field "'." HINT_RENAME(field, rel)
#define E304(rel, other)                                                                           \
    rel ": (fields.E304) Reverse accessor for '" rel "' clashes with reverse accessor for '" other \
        "'." HINT_EITHER(rel, other)
#define E305(rel, other)                                                                               \
    rel ": (fields.E305) Reverse query name for '" rel "' clashes with reverse query name for '" other \
        "'." HINT_EITHER(rel, other)

/* A model with one key to Target, `member`. */
#define ONE_KEY(T, Target, member) \
    typedef struct T {             \
        DORM_OBJECT;               \
        int64_t id;                \
        DORM_FK(Target) member;    \
    } T

/* Two keys to the same model, a and b. */
#define TWO_KEYS(T, Target) \
    typedef struct T {      \
        DORM_OBJECT;        \
        int64_t id;         \
        DORM_FK(Target) a;  \
        DORM_FK(Target) b;  \
    } T

typedef struct Shelf {
    DORM_OBJECT;
    int64_t id;
    const char *volume;
    int32_t cover;
} Shelf;
static const dorm_field Shelf_fields[] = {DORM_AUTO(Shelf, id), DORM_CHAR(Shelf, volume, .max_length = 10),
                                          DORM_INT(Shelf, cover), DORM_END};
static const dorm_model Shelf_model = DORM_MODEL(Shelf, "library", Shelf_fields);

/* ---- relations Django does not hide ---- */

ONE_KEY(Volume, Shelf, shelf);
static const dorm_field Volume_fields[] = {
    DORM_AUTO(Volume, id),
    DORM_FOREIGN_KEY(Volume, shelf, Shelf, .on_delete = DORM_CASCADE),
    DORM_END,
};
static const dorm_model Volume_model = DORM_MODEL(Volume, "library", Volume_fields);

Test(clashes, reverse_query_name_clashes_with_field) {
    /* The accessor "volume_set" is free; the query name "volume" is not. */
    test_expect_messages(DORM_MODELS(&Shelf_model, &Volume_model),
                         DORM_LIST(E303("library.Volume.shelf", "library.Shelf.volume")));
}

TWO_KEYS(Pair, Shelf);
static const dorm_field Pair_fields[] = {
    DORM_AUTO(Pair, id),
    DORM_FOREIGN_KEY(Pair, a, Shelf, .on_delete = DORM_CASCADE, .related_name = "items"),
    DORM_FOREIGN_KEY(Pair, b, Shelf, .on_delete = DORM_CASCADE, .related_name = "items"),
    DORM_END,
};
static const dorm_model Pair_model = DORM_MODEL(Pair, "library", Pair_fields);

Test(clashes, one_related_name_twice) {
    /* Each of the two keys reports its clashes, as each Django field does. */
    test_expect_messages(DORM_MODELS(&Shelf_model, &Pair_model),
                         DORM_LIST(E304("library.Pair.a", "library.Pair.b"), E305("library.Pair.a", "library.Pair.b"),
                                   E304("library.Pair.b", "library.Pair.a"), E305("library.Pair.b", "library.Pair.a")));
}

TWO_KEYS(Twin, Shelf);
static const dorm_field Twin_fields[] = {
    DORM_AUTO(Twin, id),
    DORM_FOREIGN_KEY(Twin, a, Shelf, .on_delete = DORM_CASCADE),
    DORM_FOREIGN_KEY(Twin, b, Shelf, .on_delete = DORM_CASCADE),
    DORM_END,
};
static const dorm_model Twin_model = DORM_MODEL(Twin, "library", Twin_fields);

Test(clashes, two_default_keys_clash_by_accessor_only) {
    /* Django compares a query name ("twin") with the other relation's
     * accessor ("twin_set"), not with its query name: no E305. */
    test_expect_messages(DORM_MODELS(&Shelf_model, &Twin_model),
                         DORM_LIST(E304("library.Twin.a", "library.Twin.b"), E304("library.Twin.b", "library.Twin.a")));
}

/* `check` prints them as Django's does, a message with its hint one issue. */
Test(clashes, check_counts_a_message_with_its_hint_once, .init = cr_redirect_stderr) {
    const dorm_app app = {.label = "library", .models = DORM_MODELS(&Shelf_model, &Twin_model)};
    char *argv[] = {"check", NULL};
    cr_expect_eq(dorm_manage(1, argv, (const dorm_app *const[]){&app, NULL}), 1);
    fflush(stderr);
    char want[1024];
    snprintf(want, sizeof want,
             "SystemCheckError: System check identified some issues:\n\nERRORS:\n%s\n%s\n\n"
             "System check identified 2 issues (0 silenced).\n",
             E304("library.Twin.a", "library.Twin.b"), E304("library.Twin.b", "library.Twin.a"));
    cr_expect_stderr_eq_str(want);
}

TWO_KEYS(Trio, Shelf);
static const dorm_field Trio_fields[] = {
    DORM_AUTO(Trio, id),
    DORM_FOREIGN_KEY(Trio, a, Shelf, .on_delete = DORM_CASCADE, .related_name = "foo", .related_query_name = "q"),
    DORM_FOREIGN_KEY(Trio, b, Shelf, .on_delete = DORM_CASCADE, .related_name = "q"),
    DORM_END,
};
static const dorm_model Trio_model = DORM_MODEL(Trio, "library", Trio_fields);

Test(clashes, query_name_against_the_other_accessor) {
    /* a's query name is b's accessor; b's query name "q" is not a's
     * accessor "foo". */
    test_expect_messages(DORM_MODELS(&Shelf_model, &Trio_model), DORM_LIST(E305("library.Trio.a", "library.Trio.b")));
}

TWO_KEYS(Mate, Shelf);
static const dorm_field Mate_fields[] = {
    DORM_AUTO(Mate, id),
    DORM_ONE_TO_ONE(Mate, a, Shelf, .on_delete = DORM_CASCADE),
    DORM_FOREIGN_KEY(Mate, b, Shelf, .on_delete = DORM_CASCADE, .related_name = "mate"),
    DORM_END,
};
static const dorm_model Mate_model = DORM_MODEL(Mate, "library", Mate_fields);

Test(clashes, one_to_one_accessor_is_the_model_name) {
    test_expect_messages(DORM_MODELS(&Shelf_model, &Mate_model),
                         DORM_LIST(E304("library.Mate.a", "library.Mate.b"), E305("library.Mate.a", "library.Mate.b"),
                                   E304("library.Mate.b", "library.Mate.a"), E305("library.Mate.b", "library.Mate.a")));
}

ONE_KEY(Crate, Shelf, b);
static const dorm_field Crate_fields[] = {
    DORM_AUTO(Crate, id),
    DORM_MANY_TO_MANY(Crate, a, Shelf),
    DORM_FOREIGN_KEY(Crate, b, Shelf, .on_delete = DORM_CASCADE, .related_name = "crate_set"),
    DORM_END,
};
static const dorm_model Crate_model = DORM_MODEL(Crate, "library", Crate_fields);

Test(clashes, many_to_many_against_a_key) {
    test_expect_messages(DORM_MODELS(&Shelf_model, &Crate_model),
                         DORM_LIST(E304("library.Crate.b", "library.Crate.a"),
                                   E305("library.Crate.b", "library.Crate.a"),
                                   E304("library.Crate.a", "library.Crate.b")));
}

/* The target's many-to-manys are among its fields; a symmetrical one has
 * no accessor, an asymmetrical hidden one a name of its own. */
typedef struct Case {
    DORM_OBJECT;
    int64_t id;
} Case;
DORM_MODEL_DECLARE(Case);
static const dorm_field Case_fields[] = {
    DORM_AUTO(Case, id),
    DORM_MANY_TO_MANY(Case, tags, Case),
    DORM_MANY_TO_MANY(Case, box_set, Case, .asymmetrical = true, .related_name = "+"),
    DORM_END,
};
const dorm_model Case_model = DORM_MODEL(Case, "library", Case_fields);
TWO_KEYS(Box, Case);
static const dorm_field Box_fields[] = {
    DORM_AUTO(Box, id),
    DORM_FOREIGN_KEY(Box, a, Case, .on_delete = DORM_CASCADE, .related_name = "tags"),
    DORM_FOREIGN_KEY(Box, b, Case, .on_delete = DORM_CASCADE),
    DORM_END,
};
static const dorm_model Box_model = DORM_MODEL(Box, "library", Box_fields);

Test(clashes, reverse_names_against_many_to_many_fields) {
    test_expect_messages(DORM_MODELS(&Case_model, &Box_model),
                         DORM_LIST(E302("library.Box.a", "library.Case.tags"),
                                   E303("library.Box.a", "library.Case.tags"),
                                   E302("library.Box.b", "library.Case.box_set")));
}

/* ---- the names themselves (fields.E306, E308, E309) ---- */

typedef struct Bad {
    DORM_OBJECT;
    int64_t id;
    DORM_FK(Shelf) a, b, c, d, e, f, h;
} Bad;
static const dorm_field Bad_fields[] = {
    DORM_AUTO(Bad, id),
    DORM_FOREIGN_KEY(Bad, a, Shelf, .on_delete = DORM_CASCADE, .related_name = "x y"),
    DORM_FOREIGN_KEY(Bad, b, Shelf, .on_delete = DORM_CASCADE, .related_name = "class"),
    DORM_FOREIGN_KEY(Bad, c, Shelf, .on_delete = DORM_CASCADE, .related_name = "ok_"),
    DORM_FOREIGN_KEY(Bad, d, Shelf, .on_delete = DORM_CASCADE, .related_name = "o__k"),
    DORM_FOREIGN_KEY(Bad, e, Shelf, .on_delete = DORM_CASCADE, .related_name = "x y+"),
    DORM_FOREIGN_KEY(Bad, f, Shelf, .on_delete = DORM_CASCADE, .related_name = "fine", .related_query_name = "q_"),
    DORM_MANY_TO_MANY(Bad, g, Shelf, .related_name = "m__n"),
    DORM_FOREIGN_KEY(Bad, h, Shelf, .on_delete = DORM_CASCADE, .related_name = "+", .related_query_name = "q__"),
    DORM_END,
};
static const dorm_model Bad_model = DORM_MODEL(Bad, "library", Bad_fields);

Test(clashes, reverse_names_themselves) {
    /* Any name ending with "+" goes; a hidden relation's query name is not
     * checked. */
#define QUERY_HINT "\n\tHINT: Add or change a related_name or related_query_name argument for this field."
    test_expect_messages(
        DORM_MODELS(&Shelf_model, &Bad_model),
        DORM_LIST("library.Bad.a: (fields.E306) The name 'x y' is invalid related_name for field Bad.a\n\tHINT: "
                  "Related name must be a valid Python identifier or end with a '+'",
                  "library.Bad.b: (fields.E306) The name 'class' is invalid related_name for field Bad.b\n\tHINT: "
                  "Related name must be a valid Python identifier or end with a '+'",
                  "library.Bad.c: (fields.E308) Reverse query name 'ok_' must not end with an underscore." QUERY_HINT,
                  "library.Bad.d: (fields.E309) Reverse query name 'o__k' must not contain '__'." QUERY_HINT,
                  "library.Bad.f: (fields.E308) Reverse query name 'q_' must not end with an underscore." QUERY_HINT,
                  "library.Bad.g: (fields.E309) Reverse query name 'm__n' must not contain '__'." QUERY_HINT));
#undef QUERY_HINT
}

/* ---- hidden relations ---- */

typedef struct Hidden {
    DORM_OBJECT;
    int64_t id;
    DORM_FK(Shelf) a;
    DORM_FK(Shelf) b;
    DORM_FK(Shelf) c;
    DORM_FK(Shelf) d;
    DORM_FK(Shelf) e;
} Hidden;
static const dorm_field Hidden_fields[] = {
    DORM_AUTO(Hidden, id),
    DORM_FOREIGN_KEY(Hidden, a, Shelf, .on_delete = DORM_CASCADE, .related_name = "+"),
    DORM_FOREIGN_KEY(Hidden, b, Shelf, .on_delete = DORM_CASCADE, .related_name = "+"),
    DORM_FOREIGN_KEY(Hidden, c, Shelf, .on_delete = DORM_CASCADE),
    DORM_FOREIGN_KEY(Hidden, d, Shelf, .on_delete = DORM_CASCADE, .related_name = "x+"),
    DORM_FOREIGN_KEY(Hidden, e, Shelf, .on_delete = DORM_CASCADE, .related_name = "x+"),
    DORM_END,
};
static const dorm_model Hidden_model = DORM_MODEL(Hidden, "library", Hidden_fields);
/* Not hidden, its query name "cover" would be a field of Shelf's. */
ONE_KEY(Cover, Shelf, shelf);
static const dorm_field Cover_fields[] = {
    DORM_AUTO(Cover, id),
    DORM_FOREIGN_KEY(Cover, shelf, Shelf, .on_delete = DORM_CASCADE, .related_name = "+"),
    DORM_END,
};
static const dorm_model Cover_model = DORM_MODEL(Cover, "library", Cover_fields);
TWO_KEYS(Rack, Shelf);
static const dorm_field Rack_fields[] = {
    DORM_AUTO(Rack, id),
    DORM_MANY_TO_MANY(Rack, m, Shelf, .related_name = "+"),
    DORM_MANY_TO_MANY(Rack, n, Shelf, .related_name = "+"),
    DORM_FOREIGN_KEY(Rack, a, Shelf, .on_delete = DORM_CASCADE, .related_name = "+"),
    DORM_FOREIGN_KEY(Rack, b, Shelf, .on_delete = DORM_CASCADE),
    DORM_END,
};
static const dorm_model Rack_model = DORM_MODEL(Rack, "library", Rack_fields);

Test(clashes, hidden_relations_clash_with_nothing) {
    /* Two keys and two many-to-manys with "+", two keys with "x+", next to
     * a key that is not hidden and one whose model name is a field. */
    dorm_registry *reg = test_registry_of(DORM_MODELS(&Shelf_model, &Hidden_model, &Cover_model, &Rack_model));
    cr_expect_str_eq(dorm_registry_messages(reg), "");
    cr_expect_eq(dorm_registry_errcode(reg), DORM_OK);
    dorm_registry_free(reg);
}

ONE_KEY(Tome, Shelf, shelf);
static const dorm_field Tome_fields[] = {
    DORM_AUTO(Tome, id),
    DORM_FOREIGN_KEY(Tome, shelf, Shelf, .on_delete = DORM_CASCADE, .related_name = "+",
                     .related_query_name = "volume"),
    DORM_END,
};
static const dorm_model Tome_model = DORM_MODEL(Tome, "library", Tome_fields);

Test(clashes, hidden_key_query_name_against_a_field) {
    /* Hiding skips the accessor's checks, not the query name's. */
    test_expect_messages(DORM_MODELS(&Shelf_model, &Tome_model),
                         DORM_LIST(E303("library.Tome.shelf", "library.Shelf.volume")));
}

TWO_KEYS(Duo, Shelf);
static const dorm_field Duo_fields[] = {
    DORM_AUTO(Duo, id),
    DORM_FOREIGN_KEY(Duo, a, Shelf, .on_delete = DORM_CASCADE, .related_name = "+", .related_query_name = "items"),
    DORM_FOREIGN_KEY(Duo, b, Shelf, .on_delete = DORM_CASCADE, .related_name = "items"),
    DORM_END,
};
static const dorm_model Duo_model = DORM_MODEL(Duo, "library", Duo_fields);

Test(clashes, hidden_key_query_name_against_an_accessor) {
    /* The hidden key a is not among the relations b is compared with. */
    test_expect_messages(DORM_MODELS(&Shelf_model, &Duo_model), DORM_LIST(E305("library.Duo.a", "library.Duo.b")));
}

ONE_KEY(Bin, Shelf, b);
static const dorm_field Bin_fields[] = {
    DORM_AUTO(Bin, id),
    DORM_MANY_TO_MANY(Bin, a, Shelf, .related_name = "+", .related_query_name = "items"),
    DORM_FOREIGN_KEY(Bin, b, Shelf, .on_delete = DORM_CASCADE, .related_name = "items"),
    DORM_END,
};
static const dorm_model Bin_model = DORM_MODEL(Bin, "library", Bin_fields);

Test(clashes, hidden_many_to_many_query_name_against_an_accessor) {
    test_expect_messages(DORM_MODELS(&Shelf_model, &Bin_model), DORM_LIST(E305("library.Bin.a", "library.Bin.b")));
}

ONE_KEY(Lot, Shelf, b);
static const dorm_field Lot_fields[] = {
    DORM_AUTO(Lot, id),
    DORM_MANY_TO_MANY(Lot, a, Shelf, .related_name = "+"),
    DORM_FOREIGN_KEY(Lot, b, Shelf, .on_delete = DORM_CASCADE, .related_name = "x",
                     .related_query_name = "_library_lot_a_+"),
    DORM_END,
};
static const dorm_model Lot_model = DORM_MODEL(Lot, "library", Lot_fields);

Test(clashes, hidden_many_to_many_keeps_a_generated_accessor) {
    /* Django renames a hidden many-to-many's related_name
     * "_<app>_<model>_<field>_+" and still compares with it. */
    test_expect_messages(DORM_MODELS(&Shelf_model, &Lot_model), DORM_LIST(E305("library.Lot.b", "library.Lot.a")));
}

/* ---- relations to a multi-table child and its parent ---- */

typedef struct Place {
    DORM_OBJECT;
    int64_t id;
} Place;
typedef struct Restaurant {
    Place place;
    DORM_FK(Place) place_ptr;
} Restaurant;
ONE_KEY(Guide, Place, a);
typedef struct Review {
    DORM_OBJECT;
    int64_t id;
    DORM_FK(Restaurant) a;
    DORM_FK(Restaurant) b;
    DORM_FK(Place) c;
} Review;
static const dorm_field Place_fields[] = {DORM_AUTO(Place, id), DORM_END};
static const dorm_model Place_model = DORM_MODEL(Place, "library", Place_fields);
static const dorm_field Restaurant_fields[] = {
    DORM_PARENT(Restaurant, place, Place),
    DORM_PARENT_LINK(Restaurant, place_ptr, Place),
    DORM_END,
};
static const dorm_model Restaurant_model = DORM_MODEL(Restaurant, "library", Restaurant_fields);
static const dorm_field Guide_fields[] = {
    DORM_AUTO(Guide, id),
    DORM_FOREIGN_KEY(Guide, a, Place, .on_delete = DORM_CASCADE, .related_name = "guides"),
    DORM_END,
};
static const dorm_model Guide_model = DORM_MODEL(Guide, "library", Guide_fields);
static const dorm_field Review_fields[] = {
    DORM_AUTO(Review, id),
    DORM_FOREIGN_KEY(Review, a, Restaurant, .on_delete = DORM_CASCADE, .related_name = "guides"),
    DORM_FOREIGN_KEY(Review, b, Restaurant, .on_delete = DORM_CASCADE, .related_name = "+",
                     .related_query_name = "restaurant"),
    DORM_FOREIGN_KEY(Review, c, Place, .on_delete = DORM_CASCADE, .related_name = "+",
                     .related_query_name = "restaurant"),
    DORM_END,
};
static const dorm_model Review_model = DORM_MODEL(Review, "library", Review_fields);

Test(clashes, a_child_inherits_its_parents_relations) {
    /* A relation to the child meets those to the parent, the parent link's
     * aside; one to the parent does not meet those to the child. */
    test_expect_messages(DORM_MODELS(&Place_model, &Restaurant_model, &Guide_model, &Review_model),
                         DORM_LIST(E304("library.Review.a", "library.Guide.a"),
                                   E305("library.Review.a", "library.Guide.a"),
                                   E305("library.Review.c", "library.Restaurant.place_ptr")));
}
