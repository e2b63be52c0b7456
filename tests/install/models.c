/* models.c - the field tables and the app of the consumer project. */
#include "models.h"

static const dorm_field Author_fields[] = {DORM_AUTO(Author, id), DORM_CHAR(Author, name, .max_length = 100), DORM_END};
const dorm_model Author_model = DORM_MODEL(Author, "shelf", Author_fields);

static const dorm_field Book_fields[] = {DORM_AUTO(Book, id), DORM_CHAR(Book, title, .max_length = 200),
                                         DORM_FOREIGN_KEY(Book, author, Author, .on_delete = DORM_CASCADE), DORM_END};
const dorm_model Book_model = DORM_MODEL(Book, "shelf", Book_fields);

static const dorm_app shelf = {.label = "shelf", .models = DORM_MODELS(&Author_model, &Book_model)};
const dorm_app *const consumer_apps[] = {&shelf, NULL};
