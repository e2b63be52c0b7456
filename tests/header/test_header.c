/* tests/header/test_header.c - dorm.h on its own must compile as strict ISO C11
 * (-std=c11 -pedantic -Wall -Wextra -Werror), including the macros a program
 * expands: field tables of every kind, Meta options, DV/DLIST/DQ/DSET. */
#include "dorm.h"
#include "dorm/testing.h"

typedef struct Cents {
    int64_t n;
} Cents;
DORM_FIELD_TYPE_DECLARE(CentsField, Cents);

typedef struct Author {
    DORM_OBJECT;
    int64_t id;
    const char *name;
    Cents fee;
} Author;

typedef struct Book {
    DORM_OBJECT;
    int64_t id;
    const char *title;
    const char *body;
    const char *slug;
    const char *email;
    const char *url;
    const char *meta;
    int32_t pages;
    int64_t copies;
    int16_t shelf;
    int32_t sold;
    int16_t rank;
    double rating;
    dorm_decimal price;
    bool in_print;
    dorm_date published;
    dorm_datetime added;
    dorm_time opens;
    dorm_uuid isbn;
    dorm_bytes cover;
    DORM_FK(Author) author;
    DORM_FK_TO(Author, dorm_uuid) editor;
} Book;

DORM_MODEL_DECLARE(Author);
DORM_MODEL_DECLARE(Book);

/* DQ() types its value through a function call, which a static initialiser
 * cannot hold; a static check constraint spells its value with DORM_V*. */
static const dorm_q pages_not_negative = {DORM_Q_LEAF, "pages__gte", DORM_VINT(0), NULL};

static bool is_even(const dorm_value *v, const void *payload) {
    (void)payload;
    return v->u.i % 2 == 0;
}

static struct dorm_qs *named(struct dorm_qs *qs) { return qs; }

static int no_delete(struct dorm_qs *qs, struct dorm_deleted *out) {
    (void)qs, (void)out;
    return 0;
}

static const dorm_qs_class plain_qs = {"PlainQuerySet", no_delete};

static dorm_value cents_to_db(const void *member, struct dorm_ctx *cx) {
    (void)cx;
    return dorm_v_int(((const Cents *)member)->n);
}

static int cents_from_db(const dorm_value *v, void *member, struct dorm_ctx *cx) {
    (void)cx;
    ((Cents *)member)->n = v->u.i;
    return 0;
}

static const char *cents_to_c(const dorm_value *v, void *member, struct dorm_ctx *cx) {
    (void)cx;
    if (v->type != DORM_T_INT) return "'%(value)s' is not a number of cents.";
    ((Cents *)member)->n = v->u.i;
    return NULL;
}

const dorm_field_type CentsField_type = {.name = "library.CentsField",
                                         .internal = DORM_KIND_BIGINT,
                                         .size = sizeof(Cents),
                                         .to_db = cents_to_db,
                                         .from_db = cents_from_db,
                                         .to_c = cents_to_c,
                                         .db_types = DORM_DB_TYPES({"postgresql", "bigint"}),
                                         .lookups = DORM_LIST("exact", "gt")};

static const dorm_field Author_fields[] = {
    DORM_BIGAUTO(Author, id),
    DORM_CHAR(Author, name, .max_length = 100,
              .validators = DORM_VALIDATORS(DORM_MIN_LENGTH(2), DORM_MAX_LENGTH(90, .message = "Too long."),
                                            DORM_REGEX("^[A-Z]", .flags = DORM_REGEX_IGNORECASE),
                                            DORM_EMAIL_VALIDATOR(), DORM_URL_VALIDATOR(.code = "url"),
                                            DORM_SLUG_VALIDATOR(), DORM_PROHIBIT_NULL_CHARACTERS())),
    DORM_CUSTOM(Author, fee, CentsField, .null = true),
    DORM_END,
};

static const dorm_field Book_fields[] = {
    DORM_AUTO(Book, id),
    DORM_CHAR(Book, title, .max_length = 200, .db_index = true),
    DORM_TEXT(Book, body, .blank = true),
    DORM_SLUG(Book, slug, .unique = true),
    DORM_EMAIL(Book, email, .null = true),
    DORM_URL(Book, url),
    DORM_JSON(Book, meta, .null = true),
    DORM_INT(Book, pages, .default_value = DORM_VINT(0),
             .validators = DORM_VALIDATORS(DORM_MIN_VALUE(0), DORM_MAX_VALUE(5000, .code = "big"),
                                           DORM_VALIDATOR(is_even, NULL, .message = "%(value)s is odd."))),
    DORM_BIGINT(Book, copies),
    DORM_SMALLINT(Book, shelf),
    DORM_POSINT(Book, sold),
    DORM_POSSMALLINT(Book, rank, .choices = DORM_CHOICES({DORM_VINT(1), "First"}, {DORM_VINT(2), "Second"})),
    DORM_FLOAT(Book, rating),
    DORM_DECIMAL(Book, price, .max_digits = 6, .decimal_places = 2, .default_value = DORM_VDECIMAL(0, 2),
                 .validators = DORM_VALIDATORS(DORM_MIN_VALUE_OF(DORM_VDECIMAL(1, 2)), DORM_DECIMAL_VALIDATOR(5, 2))),
    DORM_BOOL(Book, in_print, .default_value = DORM_VBOOL(true)),
    DORM_DATE(Book, published, .default_value = DORM_VDATE(1900, 1, 1)),
    DORM_DATETIME(Book, added, .auto_now_add = true),
    DORM_TIME(Book, opens),
    DORM_UUID(Book, isbn),
    DORM_BINARY(Book, cover),
    DORM_FOREIGN_KEY(Book, author, Author, .on_delete = DORM_CASCADE, .related_name = "books"),
    DORM_FOREIGN_KEY(Book, editor, Author, .on_delete = DORM_CASCADE, .related_name = "+"),
    DORM_END,
};

const dorm_model Author_model =
    DORM_MODEL(Author, "library", Author_fields, .ordering = DORM_LIST("name"),
               .managers = DORM_MANAGERS({"objects", named, &plain_qs}, {"everyone", NULL, NULL}),
               .default_manager_name = "objects");
const dorm_model Book_model =
    DORM_MODEL(Book, "library", Book_fields, .ordering = DORM_LIST("-published", "title"),
               .indexes = DORM_INDEXES({DORM_LIST("title", "-published"), "book_title_idx"}),
               .unique_together = DORM_UNIQUE_TOGETHER(DORM_LIST("title", "author")),
               .constraints = DORM_CONSTRAINTS({DORM_CONSTRAINT_UNIQUE, "book_slug_uniq", DORM_LIST("slug"), NULL},
                                               {DORM_CONSTRAINT_CHECK, "book_pages_gte_0", NULL, &pages_not_negative}),
               .verbose_name_plural = "books");

static const dorm_app library_app = {.label = "library",
                                     .models = DORM_MODELS(&Author_model, &Book_model),
                                     .field_types = DORM_FIELD_TYPES(&CentsField_type)};

int main(void) {
    const Book *none = NULL;
    const dorm_q *q = dorm_or(DQ("pages__gt", 400), DQ("title", "1984"),
                              dorm_and(DQ("in_print", true), dorm_not(DQ("published__gt", dorm_date_ymd(1900, 1, 1)))),
                              DQ("pages__in", DLIST(1, 2, 3)), DQ("rating__lt", 4.5), DQ("author", none));
    const dorm_set *set = DSET("pages", 10);
    int failures = 0;

    failures += library_app.models[1] != &Book_model;
    failures += Book_fields[20].to != &Author_model;
    failures += Book_fields[20].uuid_key || !Book_fields[21].uuid_key;
    failures += q->kind != DORM_Q_OR || q->children[0]->value.type != DORM_T_INT;
    failures += q->children[1]->value.type != DORM_T_TEXT;
    failures += q->children[3]->value.type != DORM_T_LIST || q->children[3]->value.len != 3;
    failures += q->children[4]->value.type != DORM_T_FLOAT;
    failures += q->children[5]->value.type != DORM_T_NULL;
    failures += set->value.type != DORM_T_INT || set->value.u.i != 10;
    failures += Author_fields[1].validators[3].kind != DORM_VALIDATOR_EMAIL;
    failures += Book_fields[7].validators[2].kind != DORM_VALIDATOR_FUNCTION || Book_fields[7].validators[3].kind;
    failures += Author_model.managers[1].name[0] != 'e' || Author_model.managers[2].name != NULL;
    failures += Author_fields[2].type != &CentsField_type || Author_fields[2].kind != DORM_KIND_CUSTOM;
    failures += DQ("fee", dorm_v_custom(&(Cents){5}))->value.type != DORM_T_CUSTOM;
    return failures == 0 ? 0 : 1;
}
