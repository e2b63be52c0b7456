/* models.h - the consumer project's models, shared by its C and C++
 * programs; declared in C (models.c), as C++ programs must. */
#ifndef CONSUMER_MODELS_H
#define CONSUMER_MODELS_H

#include <dorm.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct Author {
    DORM_OBJECT;
    int64_t id;
    const char *name;
} Author;

typedef struct Book {
    DORM_OBJECT;
    int64_t id;
    const char *title;
    DORM_FK(Author) author;
} Book;

DORM_MODEL_DECLARE(Author);
DORM_MODEL_DECLARE(Book);
extern const dorm_app *const consumer_apps[];

#ifdef __cplusplus
}
#endif

#endif
