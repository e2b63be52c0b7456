/* jp_models.h - a second pair of test models, Writer and Volume (tables
 * jp_author, jp_book): no Meta.ordering, a nullable self-reference and two
 * keys to one model, as the join promotion and ordering tests need them. */
#ifndef DORM_TEST_JP_MODELS_H
#define DORM_TEST_JP_MODELS_H

#include <dorm.h>

typedef struct Writer {
    DORM_OBJECT;
    int64_t id;
    const char *name;
    DORM_FK(Writer) mentor;
} Writer;

typedef struct Volume {
    DORM_OBJECT;
    int64_t id;
    const char *title;
    DORM_FK(Writer) author;
    DORM_FK(Writer) editor;
    int32_t pages;
} Volume;

DORM_MODEL_DECLARE(Writer);
DORM_MODEL_DECLARE(Volume);

/* Opens the test database (testdb.h) with the "jp" app only. */
void test_db_open_jp(void);

#endif
