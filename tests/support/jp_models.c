/* jp_models.c - the Writer and Volume test models (see jp_models.h). */
#include "jp_models.h"
#include "testdb.h"

static const dorm_field Writer_fields[] = {
    DORM_AUTO(Writer, id),
    DORM_CHAR(Writer, name, .max_length = 50),
    DORM_FOREIGN_KEY(Writer, mentor, Writer, .null = true, .on_delete = DORM_SET_NULL, .related_name = "mentees"),
    DORM_END,
};
const dorm_model Writer_model = DORM_MODEL(Writer, "jp", Writer_fields, .db_table = "jp_author");

static const dorm_field Volume_fields[] = {
    DORM_AUTO(Volume, id),
    DORM_CHAR(Volume, title, .max_length = 50),
    DORM_FOREIGN_KEY(Volume, author, Writer, .on_delete = DORM_CASCADE, .related_name = "books"),
    DORM_FOREIGN_KEY(Volume, editor, Writer, .null = true, .on_delete = DORM_SET_NULL, .related_name = "edited"),
    DORM_INT(Volume, pages),
    DORM_END,
};
const dorm_model Volume_model = DORM_MODEL(Volume, "jp", Volume_fields, .db_table = "jp_book");

static const dorm_app jp_app = {.label = "jp", .models = DORM_MODELS(&Writer_model, &Volume_model)};

void test_db_open_jp(void) { test_db_open_apps((const dorm_app *const[]){&jp_app, NULL}); }
