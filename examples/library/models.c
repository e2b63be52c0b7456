/* models.c - field tables and Meta of the library app's models. */
#include "models.h"

static const dorm_field Author_fields[] = {
    DORM_AUTO(Author, id),
    DORM_CHAR(Author, name, .max_length = 100),
    DORM_DATE(Author, birth_date, .null = true, .blank = true),
    DORM_TEXT(Author, biography, .blank = true),
    DORM_END,
};
const dorm_model Author_model = DORM_MODEL(Author, "library", Author_fields, .ordering = DORM_LIST("name"));

static const dorm_field Book_fields[] = {
    DORM_AUTO(Book, id),
    DORM_CHAR(Book, title, .max_length = 200),
    DORM_FOREIGN_KEY(Book, author, Author, .on_delete = DORM_CASCADE, .related_name = "books"),
    DORM_DATE(Book, publication_date),
    DORM_CHAR(Book, isbn, .max_length = 13, .unique = true),
    DORM_CHAR(Book, genre, .max_length = 3, .default_value = DORM_VTEXT("FIC"),
              .choices = DORM_CHOICES({DORM_VTEXT("FIC"), "Fiction"}, {DORM_VTEXT("NON"), "Non-Fiction"},
                                      {DORM_VTEXT("SCI"), "Science"}, {DORM_VTEXT("HIS"), "History"})),
    DORM_POSINT(Book, pages, .default_value = DORM_VINT(0)),
    DORM_END,
};
const dorm_model Book_model =
    DORM_MODEL(Book, "library", Book_fields, .ordering = DORM_LIST("-publication_date"),
               .indexes = DORM_INDEXES({DORM_LIST("title"), NULL}, {DORM_LIST("isbn"), NULL}));

/* LIBRARY_MIGRATIONS: the migrations folder, given by the build. */
const dorm_app library_app = {
    .label = "library", .models = DORM_MODELS(&Author_model, &Book_model), .migrations_dir = LIBRARY_MIGRATIONS};
