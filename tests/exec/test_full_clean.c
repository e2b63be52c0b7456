/* test_full_clean.c - dorm_full_clean() against Django 3.2's full_clean() on
 * the same model: each case holds the messages Django gives (run with
 * python3-django), in Django's order (choices, null, blank, the related row,
 * then every validator) and words (singular "1 character", Python's repr of
 * values). */
#include <criterion/criterion.h>
#include <string.h>

#include "testdb.h"

typedef struct Label {
    DORM_OBJECT;
    dorm_uuid id;
} Label;

typedef struct Land {
    DORM_OBJECT;
    const char *code;
} Land;

typedef struct Item {
    DORM_OBJECT;
    int64_t id;
    const char *name, *one, *note, *maybe, *genre;
    int32_t rank;
    dorm_decimal price, one_digit, one_place;
    int32_t count;
    int16_t small;
    const char *slug, *email, *url;
    DORM_FK_TO(Label, dorm_uuid) tag;
    DORM_FK_TO(Land, const char *) land;
    dorm_datetime stamped;
    const char *fixed;
} Item;

DORM_MODEL_DECLARE(Label);
DORM_MODEL_DECLARE(Land);
DORM_MODEL_DECLARE(Item);

static const dorm_field Label_fields[] = {DORM_UUID(Label, id, .primary_key = true), DORM_END};
const dorm_model Label_model = DORM_MODEL(Label, "clean", Label_fields);
static const dorm_field Land_fields[] = {DORM_CHAR(Land, code, .max_length = 2, .primary_key = true), DORM_END};
const dorm_model Land_model = DORM_MODEL(Land, "clean", Land_fields);
static const dorm_field Item_fields[] = {
    DORM_AUTO(Item, id),
    DORM_CHAR(Item, name, .max_length = 5),
    DORM_CHAR(Item, one, .max_length = 1, .blank = true),
    DORM_TEXT(Item, note, .blank = true),
    DORM_CHAR(Item, maybe, .max_length = 5, .null = true, .blank = true),
    DORM_CHAR(Item, genre, .max_length = 3, .blank = true,
              .choices = DORM_CHOICES({DORM_VTEXT("FIC"), "Fiction"}, {DORM_VTEXT("NON"), "Non"})),
    DORM_INT(Item, rank, .choices = DORM_CHOICES({DORM_VINT(1), "one"}, {DORM_VINT(2), "two"}),
             .default_value = DORM_VINT(1)),
    DORM_DECIMAL(Item, price, .max_digits = 5, .decimal_places = 2, .default_value = DORM_VDECIMAL(0, 0)),
    DORM_DECIMAL(Item, one_digit, .max_digits = 1, .decimal_places = 0, .default_value = DORM_VDECIMAL(0, 0)),
    DORM_DECIMAL(Item, one_place, .max_digits = 3, .decimal_places = 1, .default_value = DORM_VDECIMAL(0, 0)),
    DORM_POSINT(Item, count),
    DORM_POSSMALLINT(Item, small),
    DORM_SLUG(Item, slug, .blank = true),
    DORM_EMAIL(Item, email, .blank = true),
    DORM_URL(Item, url, .blank = true),
    DORM_FOREIGN_KEY(Item, tag, Label, .on_delete = DORM_CASCADE, .null = true, .blank = true),
    DORM_FOREIGN_KEY(Item, land, Land, .on_delete = DORM_CASCADE, .null = true, .blank = true),
    DORM_DATETIME(Item, stamped, .auto_now_add = true),
    DORM_CHAR(Item, fixed, .max_length = 2, .not_editable = true, .null = true,
              .choices = DORM_CHOICES({DORM_VTEXT("A"), "a"})),
    DORM_END,
};
const dorm_model Item_model = DORM_MODEL(Item, "clean", Item_fields);
static const dorm_app clean_app = {.label = "clean", .models = DORM_MODELS(&Label_model, &Land_model, &Item_model)};

static void open_clean(void) { test_db_open_apps((const dorm_app *const[]){&clean_app, NULL}); }

TestSuite(full_clean, .init = open_clean, .fini = test_db_close);

/* A valid item: only `name` is required. */
static Item *item(void) {
    Item *i = dorm_new(T.cx, Item);
    cr_assert_not_null(i, "%s", dorm_errmsg(T.cx));
    i->name = "ok";
    return i;
}

/* full_clean's messages, or "OK". */
static const char *clean(Item *i) {
    int rc = dorm_full_clean(i);
    if (rc == DORM_OK) return "OK";
    cr_assert_eq(rc, DORM_EVALIDATION, "%s", dorm_errmsg(T.cx));
    return dorm_strdup(T.cx, dorm_errmsg(T.cx));
}

static dorm_decimal dec(const char *text) {
    dorm_decimal d;
    cr_assert_eq(dorm_decimal_parse(text, strlen(text), &d), 0, "%s", text);
    return d;
}

Test(full_clean, null_and_blank) {
    Item *i = item();
    cr_assert_str_eq(clean(i), "OK");
    i->name = "";
    cr_assert_str_eq(clean(i), "name: This field cannot be blank.");
    i->name = NULL;
    cr_assert_str_eq(clean(i), "name: This field cannot be null.");
    /* blank=True skips an empty value, NULL included (Django's clean_fields). */
    i = item();
    dorm_set_null(i, one);
    i->maybe = "";
    cr_assert_str_eq(clean(i), "OK");
    /* auto_now_add is Django's editable=False, blank=True: unset is fine. */
    dorm_set_null(i, stamped);
    cr_assert_str_eq(clean(i), "OK");
}

Test(full_clean, max_length_in_characters) {
    Item *i = item();
    i->name = "abcdef";
    cr_assert_str_eq(clean(i), "name: Ensure this value has at most 5 characters (it has 6).");
    i->name = "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"; /* five é */
    cr_assert_str_eq(clean(i), "OK");
    i->name = "ok";
    i->one = "ab";
    cr_assert_str_eq(clean(i), "one: Ensure this value has at most 1 character (it has 2).");
}

Test(full_clean, choices) {
    Item *i = item();
    i->genre = "XYZ";
    cr_assert_str_eq(clean(i), "genre: Value 'XYZ' is not a valid choice.");
    /* An invalid choice is the only message: Django runs no validator after it. */
    i->genre = "XYZW";
    cr_assert_str_eq(clean(i), "genre: Value 'XYZW' is not a valid choice.");
    i->genre = "a'b";
    cr_assert_str_eq(clean(i), "genre: Value \"a'b\" is not a valid choice.");
    i->genre = "NON";
    i->rank = 5;
    cr_assert_str_eq(clean(i), "rank: Value 5 is not a valid choice.");
    /* editable=False: no choices, null or blank check, validators still run. */
    i = item();
    i->fixed = "XYZ";
    cr_assert_str_eq(clean(i), "fixed: Ensure this value has at most 2 characters (it has 3).");
}

Test(full_clean, decimal_digits) {
    static const struct {
        const char *field, *value, *message;
    } cases[] = {
        {"price", "1234.5", "price: Ensure that there are no more than 3 digits before the decimal point."},
        {"price", "1.234", "price: Ensure that there are no more than 2 decimal places."},
        {"price", "1234", "price: Ensure that there are no more than 3 digits before the decimal point."},
        {"price", "123456", "price: Ensure that there are no more than 5 digits in total."},
        {"one_digit", "12", "one_digit: Ensure that there are no more than 1 digit in total."},
        {"one_place", "1.23", "one_place: Ensure that there are no more than 1 decimal place."},
        {"one_place", "123", "one_place: Ensure that there are no more than 2 digits before the decimal point."},
        {"price", "0.000", "price: Ensure that there are no more than 2 decimal places."},
        {"price", "1.500", "price: Ensure that there are no more than 2 decimal places."},
        {"price", "-123.45", "OK"},
        {"price", "0.001", "price: Ensure that there are no more than 2 decimal places."},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        Item *i = item();
        dorm_decimal d = dec(cases[k].value);
        if (strcmp(cases[k].field, "price") == 0)
            i->price = d;
        else if (strcmp(cases[k].field, "one_digit") == 0)
            i->one_digit = d;
        else
            i->one_place = d;
        cr_expect_str_eq(clean(i), cases[k].message, "%s = %s", cases[k].field, cases[k].value);
    }
}

Test(full_clean, positive_integers) {
    /* Django adds the range validator where the backend has one (its SQLite
     * backend has none and leaves -1 to the CHECK constraint); dorm checks
     * it on every backend. */
    Item *i = item();
    i->count = -1;
    i->small = -1;
    cr_assert_str_eq(clean(i),
                     "count: Ensure this value is greater than or equal to 0.\n"
                     "small: Ensure this value is greater than or equal to 0.");
}

Test(full_clean, slug_email_url) {
    Item *i = item();
    i->slug = "a b";
    cr_assert_str_eq(clean(i),
                     "slug: Enter a valid \xe2\x80\x9cslug\xe2\x80\x9d consisting of letters, numbers, "
                     "underscores or hyphens.");
    /* Every validator runs: the shape first, then max_length. */
    i->slug = "a ba ba ba ba ba ba ba ba ba ba ba ba ba ba ba ba ba ba ba b";
    cr_assert_str_eq(clean(i),
                     "slug: Enter a valid \xe2\x80\x9cslug\xe2\x80\x9d consisting of letters, numbers, "
                     "underscores or hyphens.\n"
                     "slug: Ensure this value has at most 50 characters (it has 60).");
    i->slug = "a-b_c9";
    i->email = "a@b.c";
    cr_assert_str_eq(clean(i), "email: Enter a valid email address.");
    i->email = "a@localhost";
    cr_assert_str_eq(clean(i), "OK");
    i->email = "a@b\xc3\xbc"
               "cher.ch";
    cr_assert_str_eq(clean(i), "OK");
    i->url = "http://example";
    cr_assert_str_eq(clean(i), "url: Enter a valid URL.");
    i->url = "http://localhost:8000/x";
    cr_assert_str_eq(clean(i), "OK");
}

Test(full_clean, several_fields_in_field_order) {
    Item *i = item();
    i->name = "";
    i->genre = "XYZ";
    i->email = "x";
    cr_assert_str_eq(clean(i),
                     "name: This field cannot be blank.\n"
                     "genre: Value 'XYZ' is not a valid choice.\n"
                     "email: Enter a valid email address.");
}

Test(full_clean, related_rows_by_uuid_and_text_keys) {
    Item *i = item();
    cr_assert_eq(dorm_uuid_parse("12345678123456781234567812345678", 32, &i->tag.id), 0);
    cr_assert_str_eq(clean(i),
                     "tag: label instance with id UUID('12345678-1234-5678-1234-567812345678') does not exist.");
    i = item();
    i->land.id = "FR";
    cr_assert_str_eq(clean(i), "land: land instance with code 'FR' does not exist.");
    cr_assert_not_null(dorm_create(T.cx, Land, .code = "FR"), "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(clean(i), "OK");
}
