/* app.cpp - the same program in C++: models from the C file, every call
 * through the functions (the field and condition macros are C only). */
#include <iostream>

#include "models.h"

int main() {
    dorm_registry *reg = dorm_registry_new(consumer_apps);
    dorm_db *db = reg ? dorm_db_open("sqlite://:memory:", reg) : nullptr;
    dorm_ctx *cx = db && dorm_db_errcode(db) == DORM_OK ? dorm_ctx_new(db) : nullptr;
    int64_t n = -1;
    if (cx && dorm_create_all(cx) == DORM_OK) {
        Author *austen = static_cast<Author *>(dorm_new_(cx, &Author_model));
        austen->name = "Jane Austen";
        int rc = dorm_save(austen);
        for (const char *title : {"Emma", "Persuasion"}) {
            Book *b = static_cast<Book *>(dorm_new_(cx, &Book_model));
            b->title = title;
            b->author.id = austen->id;
            rc = rc ? rc : dorm_save(b);
        }
        const dorm_q jane = {DORM_Q_LEAF, "author__name__startswith", dorm_v_text("Jane"), nullptr};
        const dorm_q *const conds[] = {&jane, nullptr};
        if (rc == DORM_OK) n = dorm_count(dorm_qs_filter(dorm_qs_all(cx, &Book_model), conds));
    }
    if (n < 0) std::cerr << "app: " << (cx ? dorm_errmsg(cx) : db ? dorm_db_errmsg(db) : "out of memory") << "\n";
    else std::cout << "dorm " << dorm_version() << " (headers " << DORM_VERSION << "): " << n << " books by Jane\n";
    dorm_ctx_free(cx);
    dorm_db_close(db);
    dorm_registry_free(reg);
    return n == 2 ? 0 : 1;
}
