/* fuzz.c - the models, database and files the fuzz targets share (fuzz.h). */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static const dorm_field Publisher_fields[] = {
    DORM_AUTO(Publisher, id),
    DORM_CHAR(Publisher, name, .max_length = 50, .unique = true),
    DORM_END,
};
const dorm_model Publisher_model = DORM_MODEL(Publisher, "lib", Publisher_fields);

static const dorm_field Author_fields[] = {
    DORM_AUTO(Author, id),
    DORM_CHAR(Author, name, .max_length = 100),
    DORM_DATE(Author, born, .null = true, .blank = true),
    DORM_FOREIGN_KEY(Author, mentor, Author, .on_delete = DORM_SET_NULL, .null = true, .related_name = "pupils"),
    DORM_END,
};
const dorm_model Author_model = DORM_MODEL(Author, "lib", Author_fields, .ordering = DORM_LIST("name"));

static const dorm_field Profile_fields[] = {
    DORM_AUTO(Profile, id),
    DORM_ONE_TO_ONE(Profile, author, Author, .on_delete = DORM_CASCADE),
    DORM_TEXT(Profile, bio, .blank = true),
    DORM_END,
};
const dorm_model Profile_model = DORM_MODEL(Profile, "lib", Profile_fields);

static const dorm_field Tag_fields[] = {
    DORM_AUTO(Tag, id),
    DORM_SLUG(Tag, name, .max_length = 30, .unique = true),
    DORM_END,
};
const dorm_model Tag_model = DORM_MODEL(Tag, "lib", Tag_fields, .ordering = DORM_LIST("name"));

static const dorm_field Book_fields[] = {
    DORM_AUTO(Book, id),
    DORM_CHAR(Book, title, .max_length = 200),
    DORM_FOREIGN_KEY(Book, author, Author, .on_delete = DORM_CASCADE, .related_name = "books"),
    DORM_FOREIGN_KEY(Book, publisher, Publisher, .on_delete = DORM_PROTECT, .null = true),
    DORM_INT(Book, pages, .default_value = DORM_VINT(0)),
    DORM_DECIMAL(Book, price, .max_digits = 8, .decimal_places = 2, .null = true),
    DORM_DATETIME(Book, published, .null = true),
    DORM_TIME(Book, starts, .null = true),
    DORM_UUID(Book, code, .null = true),
    DORM_JSON(Book, extra, .null = true),
    DORM_BINARY(Book, cover, .null = true),
    DORM_FLOAT(Book, rating, .null = true),
    DORM_BOOL(Book, in_print, .default_value = DORM_VBOOL(true)),
    DORM_SMALLINT(Book, copies, .default_value = DORM_VINT(1)),
    DORM_BIGINT(Book, sold, .default_value = DORM_VINT(0)),
    DORM_MANY_TO_MANY(Book, tags, Tag, .related_name = "books"),
    DORM_END,
};
const dorm_model Book_model = DORM_MODEL(Book, "lib", Book_fields, .ordering = DORM_LIST("-published", "title"));

static dorm_qs *shown(dorm_qs *qs) { return dorm_filter(qs, DQ("hidden", false)); }
static dorm_qs *hidden(dorm_qs *qs) { return dorm_filter(qs, DQ("hidden", true)); }
static dorm_qs *with_code(dorm_qs *qs) { return dorm_filter(qs, DQ("code__isnull", false)); }

static const dorm_field Place_fields[] = {
    DORM_AUTO(Place, id),
    DORM_CHAR(Place, name, .max_length = 20, .unique = true),
    DORM_CHAR(Place, code, .max_length = 8, .unique = true, .null = true),
    DORM_BOOL(Place, hidden, .default_value = DORM_VBOOL(false)),
    DORM_END,
};
const dorm_model Place_model = DORM_MODEL(
    Place, "lib", Place_fields, .managers = DORM_MANAGERS({"objects", shown, NULL}, {"hidden", hidden, NULL}));

static const dorm_field Shop_fields[] = {
    DORM_PARENT(Shop, place, Place),
    DORM_PARENT_LINK(Shop, place_ptr, Place),
    DORM_CHAR(Shop, kind, .max_length = 20),
    DORM_INT(Shop, rank, .unique = true, .null = true),
    DORM_END,
};
const dorm_model Shop_model = DORM_MODEL(Shop, "lib", Shop_fields);

static const dorm_field Kiosk_fields[] = {DORM_PARENT(Kiosk, place, Place), DORM_END};
const dorm_model Kiosk_model =
    DORM_MODEL(Kiosk, "lib", Kiosk_fields, .proxy = true, .managers = DORM_MANAGERS({"objects", with_code, NULL}));

static const dorm_field Visit_fields[] = {
    DORM_AUTO(Visit, id),
    DORM_FOREIGN_KEY(Visit, place, Place, .on_delete = DORM_CASCADE, .to_field = "name", .related_name = "visits"),
    DORM_INT(Visit, guests, .default_value = DORM_VINT(0)),
    DORM_END,
};
const dorm_model Visit_model = DORM_MODEL(Visit, "lib", Visit_fields);

static const dorm_app lib = {
    .label = "lib",
    .models = DORM_MODELS(&Publisher_model, &Author_model, &Profile_model, &Tag_model, &Book_model, &Place_model,
                          &Shop_model, &Kiosk_model, &Visit_model),
};
const dorm_app *const fuzz_apps[] = {&lib, NULL};

fuzz_db *fuzz_db_get(void) {
    static fuzz_db d;
    if (d.cx) return &d;
    d.reg = dorm_registry_new(fuzz_apps);
    if (!d.reg || dorm_registry_errcode(d.reg)) fuzz_fail("registry: %s", d.reg ? dorm_registry_messages(d.reg) : "");
    d.db = dorm_db_open("sqlite://:memory:", d.reg);
    if (!d.db || dorm_db_errcode(d.db)) fuzz_fail("open: %s", d.db ? dorm_db_errmsg(d.db) : "");
    d.cx = dorm_ctx_new(d.db);
    if (!d.cx || dorm_create_all(d.cx)) fuzz_fail("tables: %s", dorm_errmsg(d.cx));
    return &d;
}

static char dir[64];

/* libFuzzer ends with exit(): the folder goes with the process. */
static void remove_dir(void) {
    char cmd[96];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", dir);
}

const char *fuzz_dir(void) {
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/dorm-fuzz-XXXXXX");
        if (!mkdtemp(dir)) fuzz_fail("mkdtemp failed");
        atexit(remove_dir);
    }
    return dir;
}

const char *fuzz_path(const char *name) {
    static char path[160];
    snprintf(path, sizeof path, "%s/%s", fuzz_dir(), name);
    return path;
}

void fuzz_write(const char *path, const uint8_t *data, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, n, f) != n || fclose(f) != 0) fuzz_fail("cannot write %s", path);
}

void fuzz_fail(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("dorm fuzz finding: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}
