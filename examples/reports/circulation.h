/* circulation.h - the circulation app of the reports example (Member,
 * Loan, Review), declared as in /work/shared/acceptance/circulation/
 * models.py; the library app (Author, Book) is examples/library's. */
#ifndef REPORTS_CIRCULATION_H
#define REPORTS_CIRCULATION_H

#include "models.h"

typedef struct Member {
    DORM_OBJECT;
    int64_t id;
    const char *name;
    const char *email;
    dorm_datetime joined;
    const char *city;
} Member;

typedef struct Loan {
    DORM_OBJECT;
    int64_t id;
    DORM_FK(Member) member;
    DORM_FK(Book) book;
    dorm_datetime borrowed;
    dorm_datetime returned;
    dorm_decimal fee;
} Loan;

typedef struct Review {
    DORM_OBJECT;
    int64_t id;
    DORM_FK(Book) book;
    DORM_FK(Member) member;
    int16_t stars;
    const char *body;
    const char *meta;
} Review;

DORM_MODEL_DECLARE(Member);
DORM_MODEL_DECLARE(Loan);
DORM_MODEL_DECLARE(Review);
extern const dorm_app circulation_app;

#endif
