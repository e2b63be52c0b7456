/* models.h - the lifecycle app of the acceptance script (its models.py and
 * routers.py ported): inheritance, managers, validation, transactions,
 * several databases and field types of the program's own. */
#ifndef LIFECYCLE_MODELS_H
#define LIFECYCLE_MODELS_H

#include <dorm.h>

/* ---- 1. inheritance ---- */

/* The abstract base: its fields are spliced into each model embedding it. */
typedef struct TimeStamped {
    dorm_datetime created;
    dorm_datetime updated;
} TimeStamped;

typedef struct Person {
    DORM_OBJECT;
    int64_t id;
    TimeStamped stamped;
    const char *name;
} Person;

/* Multi-table inheritance: a Staff row extends a Person row. */
typedef struct Staff {
    DORM_OBJECT;
    Person person;
    DORM_FK(Person) person_ptr;
    const char *role;
} Staff;

/* A proxy: Person's rows, its own manager and ordering. */
typedef struct Patron {
    DORM_OBJECT;
    Person person;
} Patron;

/* Patron.badge(), in buf. */
const char *patron_badge(const Patron *p, char *buf, size_t size);

/* ---- 2. managers and querysets ---- */

typedef struct Notice {
    DORM_OBJECT;
    int64_t id;
    const char *title;
    dorm_datetime deleted_at;
} Notice;

typedef struct Label {
    DORM_OBJECT;
    const char *slug;
} Label;

typedef struct Article {
    DORM_OBJECT;
    int64_t id;
    const char *title;
    DORM_FK(Person) author;
    const char *status;
} Article;

/* SoftDeleteQuerySet's methods (delete() is the QuerySet class's). */
dorm_qs *notices_alive(dorm_qs *qs);
dorm_qs *notices_dead(dorm_qs *qs);
int notices_hard_delete(dorm_qs *qs, dorm_deleted *out);
/* ArticleQuerySet's methods. */
dorm_qs *articles_published(dorm_qs *qs);
dorm_qs *articles_drafts(dorm_qs *qs);
dorm_qs *articles_by_author(dorm_qs *qs, const char *name);
/* ArticleQuerySet.titles(): the titles, ", "-joined (the arena); NULL on
 * error. */
const char *articles_titles(dorm_qs *qs);

/* ---- 4. validation ---- */

typedef struct Membership {
    DORM_OBJECT;
    int64_t id;
    const char *code;
    const char *name;
    const char *nickname;
    const char *level;
    int32_t age;
    int32_t slots;
    const char *city;
    int32_t card_no;
    dorm_date starts;
    dorm_date ends;
} Membership;

/* ---- 5. transactions ---- */

typedef struct Account {
    DORM_OBJECT;
    int64_t id;
    const char *name;
    int32_t balance;
} Account;

/* ---- 7. several databases ---- */

/* Lives only in the "archive" database (see the router). */
typedef struct ArchivedLoan {
    DORM_OBJECT;
    int64_t id;
    const char *title;
    const char *borrower;
    dorm_date returned_on;
    DORM_FK(Person) person;
} ArchivedLoan;

/* Allowed in every database: the router has no opinion about it. */
typedef struct Snapshot {
    DORM_OBJECT;
    int64_t id;
    const char *label;
} Snapshot;

/* routers.py's ArchiveRouter. */
extern const dorm_router archive_router;

/* ---- 8. field types of the program's own ---- */

/* A money amount: whole cents, in C and in the database. */
typedef struct Money {
    int64_t cents;
} Money;

/* A list of words: one comma-separated text in the database. */
typedef struct TagList {
    const char *const *items;
    size_t n;
} TagList;

DORM_FIELD_TYPE_DECLARE(MoneyField, Money);
DORM_FIELD_TYPE_DECLARE(TagListField, TagList);

/* "12.50": the amount as Decimal prints it, in buf (DORM_FMT_MAX bytes). */
const char *money_format(Money m, char *buf);

typedef struct Purchase {
    DORM_OBJECT;
    int64_t id;
    const char *title;
    MoneyField_c price;
    TagListField_c tags;
} Purchase;

DORM_MODEL_DECLARE(TimeStamped);
DORM_MODEL_DECLARE(Person);
DORM_MODEL_DECLARE(Staff);
DORM_MODEL_DECLARE(Patron);
DORM_MODEL_DECLARE(Notice);
DORM_MODEL_DECLARE(Label);
DORM_MODEL_DECLARE(Article);
DORM_MODEL_DECLARE(Membership);
DORM_MODEL_DECLARE(Account);
DORM_MODEL_DECLARE(ArchivedLoan);
DORM_MODEL_DECLARE(Snapshot);
DORM_MODEL_DECLARE(Purchase);
extern const dorm_app lifecycle_app;

#endif
