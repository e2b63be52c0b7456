/* models.h - the library app of the seed tutorial: Author and Book, declared
 * as in /work/shared/acceptance/library/models.py. */
#ifndef LIBRARY_MODELS_H
#define LIBRARY_MODELS_H

#include <dorm.h>

typedef struct Author {
    DORM_OBJECT;
    int64_t id;
    const char *name;
    dorm_date birth_date;
    const char *biography;
} Author;

typedef struct Book {
    DORM_OBJECT;
    int64_t id;
    const char *title;
    DORM_FK(Author) author;
    dorm_date publication_date;
    const char *isbn;
    const char *genre;
    int32_t pages;
} Book;

DORM_MODEL_DECLARE(Author);
DORM_MODEL_DECLARE(Book);
extern const dorm_app library_app;

#endif
