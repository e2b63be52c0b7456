/* autodetect.h - what the two autodetector-order test files share: their
 * fixture (the test database, a folder per app under a temporary one) and
 * the models both declare versions around (Person, Tag, C; Bike's layout). */
#ifndef DORM_TEST_AUTODETECT_H
#define DORM_TEST_AUTODETECT_H

#include <criterion/criterion.h>

#include "migrations.h"
#include "testdb.h"

static void open_empty(void) {
    test_db_open_apps((const dorm_app *const[]){&test_empty_app, NULL});
    test_tmpdir_make("dorm-order");
}

static void close_empty(void) {
    test_tmpdir_remove();
    test_db_close();
}

/* The migrations folder of app `label` under the test's folder. */
static const char *dir_of(const char *label) { return test_tmpdir_path(label); }

typedef struct Person {
    DORM_OBJECT;
    int64_t id;
    const char *name;
} Person;
typedef struct Bike {
    DORM_OBJECT;
    int64_t id;
    DORM_FK(Person) rider;
} Bike;
typedef struct Tag {
    DORM_OBJECT;
    int64_t id;
    const char *label;
} Tag;
typedef struct C {
    DORM_OBJECT;
    int64_t id;
    int32_t x;
} C;

static const dorm_field Person_fields[] = {DORM_AUTO(Person, id), DORM_CHAR(Person, name, .max_length = 10), DORM_END};
static const dorm_model Person_model = DORM_MODEL(Person, "shop", Person_fields);
static const dorm_field Tag_fields[] = {DORM_AUTO(Tag, id), DORM_CHAR(Tag, label, .max_length = 10), DORM_END};
static const dorm_model Tag_model = DORM_MODEL(Tag, "shop", Tag_fields);
static const dorm_field C_fields[] = {DORM_AUTO(C, id), DORM_INT(C, x), DORM_END};
static const dorm_model C_model = DORM_MODEL(C, "beta", C_fields);

#endif
