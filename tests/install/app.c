/* app.c - a C program of a project that uses an installed dorm: the field
 * macros, DQ and dorm_create, on SQLite in memory. */
#include <stdio.h>

#include "models.h"

int main(void) {
    dorm_registry *reg = dorm_registry_new(consumer_apps);
    dorm_db *db = reg ? dorm_db_open("sqlite://:memory:", reg) : NULL;
    dorm_ctx *cx = db && dorm_db_errcode(db) == DORM_OK ? dorm_ctx_new(db) : NULL;
    int64_t n = -1;
    if (cx && dorm_create_all(cx) == DORM_OK) {
        Author *austen = dorm_create(cx, Author, .name = "Jane Austen");
        if (austen) {
            dorm_create(cx, Book, .title = "Emma", .author = {austen->id, austen});
            dorm_create(cx, Book, .title = "Persuasion", .author = {austen->id, austen});
        }
        n = dorm_count(dorm_filter(dorm_all(cx, Book), DQ("author__name__startswith", "Jane")));
    }
    if (n < 0)
        fprintf(stderr, "app: %s\n", cx ? dorm_errmsg(cx) : db ? dorm_db_errmsg(db) : "out of memory");
    else
        printf("dorm %s (headers %s): %lld books by Jane\n", dorm_version(), DORM_VERSION, (long long)n);
    dorm_ctx_free(cx);
    dorm_db_close(db);
    dorm_registry_free(reg);
    return n == 2 ? 0 : 1;
}
