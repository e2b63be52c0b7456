/* fuzz.h - what the libFuzzer targets share: models with every field kind and
 * every kind of relation (a to_field ForeignKey too), filtering managers,
 * multi-table inheritance and a proxy, an in-memory SQLite database with
 * their tables,
 * a private folder for the files a target writes, and the rule that a
 * finding is reported by abort() (libFuzzer keeps the input). */
#ifndef DORM_FUZZ_H
#define DORM_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include <dorm.h>

typedef struct Publisher {
    DORM_OBJECT;
    int64_t id;
    const char *name;
} Publisher;

typedef struct Author {
    DORM_OBJECT;
    int64_t id;
    const char *name;
    dorm_date born;
    DORM_FK(Author) mentor;
} Author;

typedef struct Profile {
    DORM_OBJECT;
    int64_t id;
    DORM_FK(Author) author;
    const char *bio;
} Profile;

typedef struct Tag {
    DORM_OBJECT;
    int64_t id;
    const char *name;
} Tag;

typedef struct Book {
    DORM_OBJECT;
    int64_t id;
    const char *title;
    DORM_FK(Author) author;
    DORM_FK(Publisher) publisher;
    int32_t pages;
    dorm_decimal price;
    dorm_datetime published;
    dorm_time starts;
    dorm_uuid code;
    const char *extra;
    dorm_bytes cover;
    double rating;
    bool in_print;
    int16_t copies;
    int64_t sold;
} Book;

/* Places hide some rows: the default manager ("objects") shows the rows
 * not hidden, "hidden" the others; name is unique, code unique and
 * nullable. */
typedef struct Place {
    DORM_OBJECT;
    int64_t id;
    const char *name;
    const char *code;
    bool hidden;
} Place;

/* A multi-table child of Place (its managers inherited), with a unique
 * nullable integer of its own. */
typedef struct Shop {
    DORM_OBJECT;
    Place place;
    DORM_FK(Place) place_ptr;
    const char *kind;
    int32_t rank;
} Shop;

/* A proxy of Place whose default manager shows the places with a code. */
typedef struct Kiosk {
    DORM_OBJECT;
    Place place;
} Kiosk;

/* A ForeignKey to Place's name (to_field), text in the member. */
typedef struct Visit {
    DORM_OBJECT;
    int64_t id;
    DORM_FK_TO(Place, const char *) place;
    int32_t guests;
} Visit;

DORM_MODEL_DECLARE(Publisher);
DORM_MODEL_DECLARE(Author);
DORM_MODEL_DECLARE(Profile);
DORM_MODEL_DECLARE(Tag);
DORM_MODEL_DECLARE(Book);
DORM_MODEL_DECLARE(Place);
DORM_MODEL_DECLARE(Shop);
DORM_MODEL_DECLARE(Kiosk);
DORM_MODEL_DECLARE(Visit);

/* The app of those models ("lib"), NULL-terminated in a list. */
extern const dorm_app *const fuzz_apps[];

/* The process's database: registry, connection and context on
 * sqlite://:memory: with the tables created, made on first use. */
typedef struct fuzz_db {
    dorm_registry *reg;
    dorm_db *db;
    dorm_ctx *cx;
} fuzz_db;
fuzz_db *fuzz_db_get(void);

/* A folder of this process under /tmp, made on first use; `fuzz_path`
 * names a file in it (a static buffer). */
const char *fuzz_dir(void);
const char *fuzz_path(const char *name);
/* Writes `n` bytes to `path` (aborts when it cannot). */
void fuzz_write(const char *path, const uint8_t *data, size_t n);

/* A finding: prints why (with the input's text when short) and aborts. */
void fuzz_fail(const char *fmt, ...);

#endif
