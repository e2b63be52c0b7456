/* test_validation.c - validators on fields, the model's clean(), full_clean
 * with exclude, clean_fields, validate_unique and the assignment of values
 * of any type, against Django 3.2 on the same models (the lifecycle
 * transcript's Membership, and Gadget: answers from python3-django), with
 * Django's messages, codes and order. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "testdb.h"

typedef struct Membership {
    DORM_OBJECT;
    int64_t id;
    const char *code, *name, *nickname, *level;
    int32_t age, slots;
    const char *city;
    int32_t card_no;
    dorm_date starts, ends;
} Membership;

typedef struct Shelf {
    DORM_OBJECT;
    int64_t id;
    const char *name;
} Shelf;

typedef struct Gadget {
    DORM_OBJECT;
    int64_t id;
    const char *label, *one;
    dorm_decimal price;
    double ratio;
    dorm_date day;
    int32_t digits;
    const char *mail, *site, *tag, *word;
    int32_t count;
    DORM_FK(Shelf) shelf;
    const char *serial;
} Gadget;

DORM_MODEL_DECLARE(Membership);
DORM_MODEL_DECLARE(Shelf);
DORM_MODEL_DECLARE(Gadget);

static bool is_even(const dorm_value *v, const void *payload) {
    (void)payload;
    return v->u.i % 2 == 0;
}

/* Membership.clean(): ends before starts is a non-field error. */
static int membership_clean(void *obj, dorm_verrors *errors) {
    Membership *m = obj;
    if (!dorm_is_null(m, ends) && !dorm_is_null(m, starts) && dorm_date_to_days(m->ends) < dorm_date_to_days(m->starts))
        return dorm_verror_add(errors, NULL, NULL, "Membership ends before it starts.");
    return DORM_OK;
}

static const dorm_field Membership_fields[] = {
    DORM_AUTO(Membership, id),
    DORM_CHAR(Membership, code, .max_length = 5, .unique = true,
              .validators = DORM_VALIDATORS(
                  DORM_REGEX("^[A-Z]{2}[0-9]{3}$", .message = "Code must be two capitals and three digits."))),
    DORM_CHAR(Membership, name, .max_length = 20),
    DORM_CHAR(Membership, nickname, .max_length = 20, .blank = true),
    DORM_CHAR(Membership, level, .max_length = 1,
              .choices = DORM_CHOICES({DORM_VTEXT("B"), "Basic"}, {DORM_VTEXT("P"), "Premium"})),
    DORM_INT(Membership, age, .validators = DORM_VALIDATORS(DORM_MIN_VALUE(12), DORM_MAX_VALUE(120))),
    DORM_INT(Membership, slots, .default_value = DORM_VINT(2),
             .validators = DORM_VALIDATORS(
                 DORM_VALIDATOR(is_even, NULL, .message = "%(value)s is not an even number.", .code = "odd"))),
    DORM_CHAR(Membership, city, .max_length = 30),
    DORM_INT(Membership, card_no),
    DORM_DATE(Membership, starts),
    DORM_DATE(Membership, ends, .null = true, .blank = true),
    DORM_END,
};
const dorm_model Membership_model =
    DORM_MODEL(Membership, "val", Membership_fields, .ordering = DORM_LIST("code"),
               .unique_together = DORM_UNIQUE_TOGETHER(DORM_LIST("city", "card_no")), .clean = membership_clean);

static const dorm_field Shelf_fields[] = {DORM_AUTO(Shelf, id), DORM_CHAR(Shelf, name, .max_length = 10), DORM_END};
const dorm_model Shelf_model = DORM_MODEL(Shelf, "val", Shelf_fields);

/* Gadget.clean(): errors of named fields, after their own. */
static int gadget_clean(void *obj, dorm_verrors *errors) {
    Gadget *g = obj;
    if (!g->label || strcmp(g->label, "bad") != 0) return DORM_OK;
    int rc = dorm_verror_add(errors, "label", "bad", "Label is bad.");
    if (!rc) rc = dorm_verror_add(errors, "one", NULL, "One is bad too.");
    return rc ? rc : DORM_EVALIDATION;
}

static const dorm_field Gadget_fields[] = {
    DORM_AUTO(Gadget, id),
    DORM_CHAR(Gadget, label, .max_length = 6, .blank = true,
              .validators = DORM_VALIDATORS(
                  DORM_MIN_LENGTH(3),
                  DORM_REGEX("[aeiou]", .inverse_match = true, .message = "No vowels.", .code = "vowel"))),
    DORM_CHAR(Gadget, one, .max_length = 8, .blank = true,
              .validators = DORM_VALIDATORS(DORM_MIN_LENGTH(1), DORM_MAX_LENGTH(1))),
    DORM_DECIMAL(Gadget, price, .max_digits = 6, .decimal_places = 2, .default_value = DORM_VDECIMAL(10, 1),
                 .validators = DORM_VALIDATORS(DORM_MIN_VALUE_OF(DORM_VDECIMAL(50, 2)), DORM_DECIMAL_VALIDATOR(4, 1))),
    DORM_FLOAT(Gadget, ratio, .default_value = DORM_VFLOAT(1.0),
               .validators = DORM_VALIDATORS(DORM_MIN_VALUE_OF(DORM_VFLOAT(0.5)), DORM_MAX_VALUE(2))),
    DORM_DATE(Gadget, day, .null = true, .blank = true,
              .validators = DORM_VALIDATORS(DORM_MAX_VALUE_OF(DORM_VDATE(2030, 1, 1)))),
    DORM_INT(Gadget, digits, .default_value = DORM_VINT(100), .validators = DORM_VALIDATORS(DORM_REGEX("^[0-9]{3}$"))),
    DORM_CHAR(Gadget, mail, .max_length = 40, .blank = true, .validators = DORM_VALIDATORS(DORM_EMAIL_VALIDATOR())),
    DORM_CHAR(Gadget, site, .max_length = 40, .blank = true, .validators = DORM_VALIDATORS(DORM_URL_VALIDATOR())),
    DORM_SLUG(Gadget, tag, .max_length = 5, .blank = true,
              .validators = DORM_VALIDATORS(DORM_REGEX("^x", .message = "Starts with x."))),
    DORM_CHAR(Gadget, word, .max_length = 10, .blank = true,
              .validators = DORM_VALIDATORS(DORM_REGEX("^abc$", .flags = DORM_REGEX_IGNORECASE))),
    DORM_POSINT(Gadget, count, .default_value = DORM_VINT(5), .validators = DORM_VALIDATORS(DORM_MIN_VALUE(5))),
    DORM_FOREIGN_KEY(Gadget, shelf, Shelf, .on_delete = DORM_CASCADE, .null = true, .blank = true),
    DORM_CHAR(Gadget, serial, .max_length = 10, .null = true, .blank = true, .unique = true),
    DORM_END,
};
const dorm_model Gadget_model = DORM_MODEL(
    Gadget, "val", Gadget_fields, .unique_together = DORM_UNIQUE_TOGETHER(DORM_LIST("shelf", "label", "one")),
    .constraints = DORM_CONSTRAINTS({DORM_CONSTRAINT_UNIQUE, "tag_word", DORM_LIST("tag", "word"), NULL}),
    .clean = gadget_clean);

static const dorm_app val_app = {.label = "val", .models = DORM_MODELS(&Membership_model, &Shelf_model, &Gadget_model)};

static dorm_ctx *cx;

static void open_val(void) {
    test_db_open_apps((const dorm_app *const[]){&val_app, NULL});
    cx = T.cx;
}

TestSuite(validation, .init = open_val, .fini = test_db_close);

/* Every error as Django's "   field: message [code]" lines. */
static const char *lines(const dorm_verrors *e) {
    static char out[4096];
    out[0] = '\0';
    for (size_t i = 0; i < e->n; i++) {
        char one[512];
        snprintf(one, sizeof one, "%s   %s: %s [%s]", i ? "\n" : "", e->items[i].field, e->items[i].message,
                 e->items[i].code ? e->items[i].code : "None");
        strcat(out, one);
    }
    return out[0] ? out : "OK";
}

/* full_clean(exclude) of obj, as lines. */
static const char *full(void *obj, const char *const *exclude) {
    dorm_verrors e;
    int rc = dorm_full_clean_ex(obj, &(dorm_clean_opts){.exclude = exclude}, &e);
    cr_assert(rc == DORM_OK || rc == DORM_EVALIDATION, "%s", dorm_errmsg(cx));
    cr_assert_eq(rc == DORM_OK, e.n == 0);
    return lines(&e);
}

static Membership *member(const char *code, const char *name, int age, int slots, int card_no) {
    Membership *m = dorm_new(cx, Membership);
    m->code = code;
    m->name = name;
    m->nickname = "";
    m->level = "B";
    m->age = age;
    m->slots = slots;
    m->city = "Oslo";
    m->card_no = card_no;
    m->starts = dorm_date_ymd(2024, 1, 1);
    return m;
}

Test(validation, membership_of_the_transcript) {
    Membership *first = member("AB123", "Gail", 30, 2, 1);
    cr_assert_eq(dorm_full_clean(first), DORM_OK, "%s", dorm_errmsg(cx));
    cr_assert_eq(dorm_save(first), DORM_OK, "%s", dorm_errmsg(cx));
    Membership *bad = member("ab1234", "", 7, 3, 1);
    bad->nickname = "xxxxxxxxxxxxxxxxxxxxx";
    bad->level = "Z";
    bad->starts = dorm_date_ymd(2024, 5, 1);
    bad->ends = dorm_date_ymd(2024, 4, 1);
    dorm_verrors e;
    cr_assert_eq(dorm_full_clean_ex(bad, NULL, &e), DORM_EVALIDATION);
    /* Django's error_dict order: fields as they failed, then __all__. */
    cr_assert_str_eq(lines(&e),
                     "   code: Code must be two capitals and three digits. [invalid]\n"
                     "   code: Ensure this value has at most 5 characters (it has 6). [max_length]\n"
                     "   name: This field cannot be blank. [blank]\n"
                     "   nickname: Ensure this value has at most 20 characters (it has 21). [max_length]\n"
                     "   level: Value 'Z' is not a valid choice. [invalid_choice]\n"
                     "   age: Ensure this value is greater than or equal to 12. [min_value]\n"
                     "   slots: 3 is not an even number. [odd]\n"
                     "   __all__: Membership ends before it starts. [None]\n"
                     "   __all__: Membership with this City and Card no already exists. [unique_together]");
    cr_assert_str_eq(dorm_verrors_of(&e, DORM_NON_FIELD_ERRORS, " | "),
                     "Membership ends before it starts. | Membership with this City and Card no already exists.");
    cr_assert_str_eq(
        dorm_verrors_of(&e, "code", " | "),
        "Code must be two capitals and three digits. | Ensure this value has at most 5 characters (it has 6).");
    cr_assert_null(dorm_verrors_of(&e, "city", " | "));
    /* dorm_errmsg has the same, one "field: message" line each. */
    cr_assert(strncmp(dorm_errmsg(cx), "code: Code must be two capitals and three digits.\ncode: Ensure", 62) == 0,
              "%s", dorm_errmsg(cx));
    Membership *too_old = member("CD456", "Gail", 121, 4, 2);
    cr_assert_str_eq(full(too_old, NULL), "   age: Ensure this value is less than or equal to 120. [max_value]");
    /* to_python of a value the field cannot take. */
    Membership *not_int = member("EF789", "Gail", 30, 2, 3);
    cr_assert_eq(dorm_field_assign(not_int, "age", "abc"), DORM_EVALIDATION);
    cr_assert_str_eq(dorm_errmsg(cx),
                     "age: \xe2\x80\x9c"
                     "abc\xe2\x80\x9d value must be an integer.");
    cr_assert_eq(not_int->age, 30);
    cr_assert_eq(dorm_field_assign(not_int, "age", " 42 "), DORM_OK, "%s", dorm_errmsg(cx));
    cr_assert_eq(not_int->age, 42);
    cr_assert_eq(dorm_field_assign(not_int, "starts", "2024-02-30"), DORM_EVALIDATION);
    cr_assert_str_eq(dorm_errmsg(cx),
                     "starts: \xe2\x80\x9c"
                     "2024-02-30\xe2\x80\x9d value has the correct format "
                     "(YYYY-MM-DD) but it is an invalid date.");
    cr_assert_eq(dorm_field_assign(not_int, "starts", "soon"), DORM_EVALIDATION);
    cr_assert_str_eq(dorm_errmsg(cx),
                     "starts: \xe2\x80\x9c"
                     "soon\xe2\x80\x9d value has an invalid date format. It "
                     "must be in YYYY-MM-DD format.");
    cr_assert_eq(dorm_field_assign(not_int, "name", 5), DORM_OK, "%s", dorm_errmsg(cx));
    cr_assert_str_eq(not_int->name, "5");
    cr_assert_eq(dorm_field_assign(not_int, "nope", 5), DORM_EFIELD);
    /* A related object: its key, and the object cached. */
    Shelf *s = dorm_create(cx, Shelf, .name = "s");
    Gadget *g = dorm_new(cx, Gadget);
    cr_assert_eq(dorm_field_assign(g, "shelf", s), DORM_OK, "%s", dorm_errmsg(cx));
    cr_assert_eq(g->shelf.id, s->id);
    cr_assert_eq(g->shelf.obj, s);
    cr_assert_eq(dorm_field_assign(g, "shelf", not_int), DORM_EVALUE);
    cr_assert_str_eq(dorm_errmsg(cx),
                     "Cannot assign \"<Membership: Membership object (None)>\": \"Gadget.shelf\" must "
                     "be a \"Shelf\" instance.");
}

Test(validation, unique_and_unique_together_with_exclude) {
    Membership *first = member("AB123", "Gail", 30, 2, 1);
    cr_assert_eq(dorm_save(first), DORM_OK, "%s", dorm_errmsg(cx));
    Membership *dup = member("AB123", "Hal", 30, 2, 1);
    cr_assert_str_eq(full(dup, NULL),
                     "   __all__: Membership with this City and Card no already exists. [unique_together]\n"
                     "   code: Membership with this Code already exists. [unique]");
    dorm_verrors e;
    cr_assert_eq(dorm_validate_unique(dup, DORM_LIST("code"), &e), DORM_EVALIDATION);
    cr_assert_str_eq(lines(&e), "   __all__: Membership with this City and Card no already exists. [unique_together]");
    cr_assert_eq(dorm_validate_unique(dup, DORM_LIST("code", "city"), &e), DORM_OK, "%s", dorm_errmsg(cx));
    cr_assert_str_eq(full(dup, DORM_LIST("code")),
                     "   __all__: Membership with this City and Card no already exists. [unique_together]");
    cr_assert_eq(dorm_full_clean_ex(dup, &(dorm_clean_opts){.skip_unique = true}, &e), DORM_OK, "%s", dorm_errmsg(cx));
    /* An existing row does not clash with itself. */
    cr_assert_str_eq(full(first, NULL), "OK");
    Membership *loaded = dorm_get(dorm_all(cx, Membership), DQ("code", "AB123"));
    cr_assert_str_eq(full(loaded, NULL), "OK");
    /* clean() alone. */
    Membership *order = member("GH012", "Gail", 30, 2, 9);
    order->starts = dorm_date_ymd(2024, 2, 1);
    order->ends = dorm_date_ymd(2024, 1, 31);
    cr_assert_str_eq(full(order, NULL), "   __all__: Membership ends before it starts. [None]");
}

Test(validation, save_does_not_call_full_clean) {
    Membership *lax = member("ZZ999", "Gail", 5, 3, 7);
    lax->level = "Z";
    cr_assert_eq(dorm_save(lax), DORM_OK, "%s", dorm_errmsg(cx));
    cr_assert_eq(dorm_refresh(lax), DORM_OK, "%s", dorm_errmsg(cx));
    cr_assert_eq(lax->age, 5);
    cr_assert_str_eq(lax->level, "Z");
    cr_assert_str_eq(dorm_get_display(lax, level), "Z");
}

static Gadget *gadget(void) {
    Gadget *g = dorm_new(cx, Gadget);
    cr_assert_not_null(g, "%s", dorm_errmsg(cx));
    return g;
}

static dorm_decimal dec(const char *s) {
    dorm_decimal d;
    cr_assert_eq(dorm_decimal_parse(s, strlen(s), &d), 0);
    return d;
}

Test(validation, each_validator_in_django_order) {
    Gadget *g = gadget();
    cr_assert_str_eq(full(g, NULL), "OK");
    g->label = "xy";
    cr_assert_str_eq(full(g, NULL), "   label: Ensure this value has at least 3 characters (it has 2). [min_length]");
    g->label = "abcdefg";
    cr_assert_str_eq(full(g, NULL),
                     "   label: No vowels. [vowel]\n"
                     "   label: Ensure this value has at most 6 characters (it has 7). [max_length]");
    g = gadget();
    g->one = "ab";
    cr_assert_str_eq(full(g, NULL), "   one: Ensure this value has at most 1 character (it has 2). [max_length]");
    g = gadget();
    g->price = dec("0.25");
    cr_assert_str_eq(full(g, NULL),
                     "   price: Ensure this value is greater than or equal to 0.50. [min_value]\n"
                     "   price: Ensure that there are no more than 1 decimal place. [max_decimal_places]");
    g->price = dec("123.45");
    cr_assert_str_eq(full(g, NULL), "   price: Ensure that there are no more than 4 digits in total. [max_digits]");
    g = gadget();
    g->ratio = 0.25;
    cr_assert_str_eq(full(g, NULL), "   ratio: Ensure this value is greater than or equal to 0.5. [min_value]");
    g->ratio = 2.5;
    cr_assert_str_eq(full(g, NULL), "   ratio: Ensure this value is less than or equal to 2. [max_value]");
    g = gadget();
    g->day = dorm_date_ymd(2031, 5, 1);
    cr_assert_str_eq(full(g, NULL), "   day: Ensure this value is less than or equal to 2030-01-01. [max_value]");
    /* An IntegerField's own message for the code "invalid". */
    g = gadget();
    g->digits = 12;
    cr_assert_str_eq(full(g, NULL),
                     "   digits: \xe2\x80\x9c"
                     "12\xe2\x80\x9d value must be an integer. [invalid]");
    g = gadget();
    g->mail = "nope";
    g->site = "nope";
    cr_assert_str_eq(full(g, NULL),
                     "   mail: Enter a valid email address. [invalid]\n"
                     "   site: Enter a valid URL. [invalid]");
    /* SlugField: validate_slug, the field's validators, then max_length. */
    g = gadget();
    g->tag = "a b";
    cr_assert_str_eq(full(g, NULL),
                     "   tag: Enter a valid \xe2\x80\x9cslug\xe2\x80\x9d consisting of letters, numbers, "
                     "underscores or hyphens. [invalid]\n"
                     "   tag: Starts with x. [invalid]");
    g->tag = "abcdefg";
    cr_assert_str_eq(full(g, NULL),
                     "   tag: Starts with x. [invalid]\n"
                     "   tag: Ensure this value has at most 5 characters (it has 7). [max_length]");
    g = gadget();
    g->word = "ABC";
    cr_assert_str_eq(full(g, NULL), "OK");
    /* Python's $ matches before a final newline. */
    g->word = "abc\n";
    cr_assert_str_eq(full(g, NULL), "OK");
    g->word = "abcd";
    cr_assert_str_eq(full(g, NULL), "   word: Enter a valid value. [invalid]");
    /* A MinValueValidator at or above 0 replaces the positive range's. */
    g = gadget();
    g->count = -1;
    cr_assert_str_eq(full(g, NULL), "   count: Ensure this value is greater than or equal to 5. [min_value]");
}

Test(validation, clean_adds_field_errors_after_their_own) {
    Gadget *g = gadget();
    g->label = "bad";
    g->one = "ab";
    cr_assert_str_eq(full(g, NULL),
                     "   label: No vowels. [vowel]\n"
                     "   label: Label is bad. [bad]\n"
                     "   one: Ensure this value has at most 1 character (it has 2). [max_length]\n"
                     "   one: One is bad too. [None]");
}

Test(validation, unique_checks_of_gadget) {
    Shelf *s = dorm_create(cx, Shelf, .name = "s");
    cr_assert_not_null(s, "%s", dorm_errmsg(cx));
    Gadget *g = gadget();
    g->label = "xyz", g->one = "q", g->serial = "S1", g->tag = "xa", g->word = "abc", g->mail = "a@b.co",
    g->site = "http://x.co";
    dorm_fk_set(g, shelf, s);
    cr_assert_str_eq(full(g, NULL), "OK");
    cr_assert_eq(dorm_save(g), DORM_OK, "%s", dorm_errmsg(cx));
    Gadget *h = gadget();
    *h = *g;
    h->_dorm.flags = g->_dorm.flags;
    h->id = 0;
    h->_dorm.flags |= DORM_OBJ_ADDING;
    cr_assert_str_eq(full(h, NULL),
                     "   __all__: Gadget with this Shelf, Label and One already exists. [unique_together]\n"
                     "   __all__: Gadget with this Tag and Word already exists. [unique_together]\n"
                     "   serial: Gadget with this Serial already exists. [unique]");
    cr_assert_str_eq(full(h, DORM_LIST("one", "serial")),
                     "   __all__: Gadget with this Tag and Word already exists. [unique_together]");
    cr_assert_str_eq(full(g, NULL), "OK");
    /* A new object with the key of a row: Django's "ID" label. */
    Gadget *k = gadget();
    k->id = g->id;
    k->label = "zzz";
    k->tag = "xb";
    cr_assert_str_eq(full(k, NULL), "   id: Gadget with this ID already exists. [unique]");
    /* A NULL in a check skips it. */
    Gadget *n = gadget();
    n->label = "xyz", n->one = "q";
    dorm_set_null(n, serial);
    cr_assert_str_eq(full(n, NULL), "OK");
    dorm_verrors e;
    h->tag = "xa", h->word = "abc";
    cr_assert_eq(dorm_validate_unique(h, DORM_LIST("tag"), &e), DORM_EVALIDATION);
    cr_assert_str_eq(lines(&e),
                     "   __all__: Gadget with this Shelf, Label and One already exists. [unique_together]\n"
                     "   serial: Gadget with this Serial already exists. [unique]");
    h->label = "xy";
    cr_assert_eq(dorm_clean_fields(h, DORM_LIST("label"), &e), DORM_OK, "%s", dorm_errmsg(cx));
}

typedef struct Bad {
    DORM_OBJECT;
    int64_t id;
    const char *code;
} Bad;
static const dorm_field Bad_fields[] = {
    DORM_AUTO(Bad, id),
    DORM_CHAR(Bad, code, .max_length = 5,
              .validators = DORM_VALIDATORS(DORM_REGEX("a(b"), {.kind = DORM_VALIDATOR_FUNCTION}, DORM_MIN_LENGTH(2))),
    DORM_END,
};
static const dorm_model Bad_model = DORM_MODEL(Bad, "bad", Bad_fields);

Test(validation_checks, broken_validators_are_system_check_errors) {
    const dorm_app bad = {.label = "bad", .models = DORM_MODELS(&Bad_model)};
    dorm_registry *reg = dorm_registry_new((const dorm_app *const[]){&bad, NULL});
    cr_assert_eq(dorm_registry_errcode(reg), DORM_ECONFIG);
    const char *msg = dorm_registry_messages(reg);
    cr_assert(strstr(msg, "bad.Bad.code: (dorm.E024) The regular expression 'a(b' of validator 1 does not compile: "),
              "%s", msg);
    cr_assert(strstr(msg, "bad.Bad.code: (dorm.E025) Validator 2 is incomplete"), "%s", msg);
    dorm_registry_free(reg);
}
