/* circulation.c - field tables and Meta of the circulation app. */
#include "circulation.h"

static const dorm_field Member_fields[] = {
    DORM_AUTO(Member, id),
    DORM_CHAR(Member, name, .max_length = 100),
    DORM_CHAR(Member, email, .max_length = 254, .unique = true),
    DORM_DATETIME(Member, joined),
    DORM_CHAR(Member, city, .max_length = 60, .null = true, .blank = true),
    DORM_END,
};
const dorm_model Member_model = DORM_MODEL(Member, "circulation", Member_fields);

static const dorm_field Loan_fields[] = {
    DORM_AUTO(Loan, id),
    DORM_FOREIGN_KEY(Loan, member, Member, .on_delete = DORM_CASCADE, .related_name = "loans"),
    DORM_FOREIGN_KEY(Loan, book, Book, .on_delete = DORM_CASCADE, .related_name = "loans"),
    DORM_DATETIME(Loan, borrowed),
    DORM_DATETIME(Loan, returned, .null = true, .blank = true),
    DORM_DECIMAL(Loan, fee, .max_digits = 6, .decimal_places = 2, .default_value = DORM_VDECIMAL(0, 2)),
    DORM_END,
};
const dorm_model Loan_model = DORM_MODEL(Loan, "circulation", Loan_fields);

static const dorm_q stars_from_1 = {DORM_Q_LEAF, "stars__gte", DORM_VINT(1), NULL};
static const dorm_q stars_to_5 = {DORM_Q_LEAF, "stars__lte", DORM_VINT(5), NULL};
static const dorm_q *const stars_both[] = {&stars_from_1, &stars_to_5, NULL};
static const dorm_q stars_1_to_5 = {DORM_Q_AND, NULL, {DORM_T_NONE, 0, {0}}, stars_both};

static const dorm_field Review_fields[] = {
    DORM_AUTO(Review, id),
    DORM_FOREIGN_KEY(Review, book, Book, .on_delete = DORM_CASCADE, .related_name = "reviews"),
    DORM_FOREIGN_KEY(Review, member, Member, .on_delete = DORM_CASCADE, .related_name = "reviews"),
    DORM_SMALLINT(Review, stars),
    DORM_TEXT(Review, body),
    DORM_JSON(Review, meta, .default_value = DORM_VTEXT("{}")),
    DORM_END,
};
const dorm_model Review_model =
    DORM_MODEL(Review, "circulation", Review_fields,
               .constraints = DORM_CONSTRAINTS({DORM_CONSTRAINT_CHECK, "review_stars_1_to_5", NULL, &stars_1_to_5}));

const dorm_app circulation_app = {.label = "circulation",
                                  .models = DORM_MODELS(&Member_model, &Loan_model, &Review_model)};
