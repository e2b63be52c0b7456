/* test_files.c - FileField and ImageField as Django stores them: the name
 * upload_to gives a file, saved under a free name (Django's "_<7 random
 * characters>" suffix) in a filesystem storage that refuses to leave its
 * root, url / size / path / open, files removed only when asked, and an
 * image's width and height read into its dimension fields. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "testdb.h"

static dorm_storage media = DORM_FILE_STORAGE(NULL, "/media/");

typedef struct Doc {
    DORM_OBJECT;
    int64_t id;
    const char *title;
    const char *attachment;
    const char *picture;
    int32_t pic_w;
    int32_t pic_h;
} Doc;
DORM_MODEL_DECLARE(Doc);

/* upload_to as a function: "pictures/<title>/<filename>". */
static const char *picture_name(const void *obj, const char *filename, dorm_ctx *cx) {
    return dorm_sprintf(cx, "pictures/%s/%s", ((const Doc *)obj)->title, filename);
}

static const dorm_field Doc_fields[] = {
    DORM_AUTO(Doc, id),
    DORM_CHAR(Doc, title, .max_length = 50),
    DORM_FILE(Doc, attachment, .upload_to = "docs/%Y/", .storage = &media, .blank = true),
    DORM_IMAGE(Doc, picture, .upload_to_fn = picture_name, .width_field = "pic_w", .height_field = "pic_h",
               .storage = &media, .blank = true),
    DORM_INT(Doc, pic_w, .null = true),
    DORM_INT(Doc, pic_h, .null = true),
    DORM_END,
};
const dorm_model Doc_model = DORM_MODEL(Doc, "files", Doc_fields);
static const dorm_app files_app = {.label = "files", .models = DORM_MODELS(&Doc_model)};

static void open_files(void) {
    test_db_open_apps((const dorm_app *const[]){&files_app, NULL});
    media.location = test_tmpdir_make("dorm-media");
}

static void close_files(void) {
    test_tmpdir_remove();
    test_db_close();
}

TestSuite(files, .init = open_files, .fini = close_files);

/* A 3x2 PNG and a 5x4 JPEG. */
static const unsigned char png[] = {
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x03, 0x00, 0x00, 0x00, 0x02, 0x08, 0x02, 0x00, 0x00, 0x00, 0x12, 0x16, 0xf1, 0x4d, 0x00, 0x00, 0x00, 0x10, 0x49,
    0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0x00, 0x41, 0x0c, 0x70, 0x16, 0x00, 0x41, 0xd2, 0x05, 0xfb,
    0x87, 0xf0, 0xb9, 0x48, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};
static const unsigned char jpeg[] = {
    0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00,
    0x00, 0xff, 0xdb, 0x00, 0x43, 0x00, 0x50, 0x37, 0x3c, 0x46, 0x3c, 0x32, 0x50, 0x46, 0x41, 0x46, 0x5a, 0x55, 0x50,
    0x5f, 0x78, 0xc8, 0x82, 0x78, 0x6e, 0x6e, 0x78, 0xf5, 0xaf, 0xb9, 0x91, 0xc8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xc0, 0x00, 0x0b, 0x08, 0x00,
    0x04, 0x00, 0x05, 0x01, 0x01, 0x11, 0x00, 0xff, 0xc4, 0x00, 0x1f, 0x00, 0x00, 0x01, 0x05, 0x01, 0x01, 0x01, 0x01,
    0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09,
    0x0a, 0x0b, 0xff, 0xc4, 0x00, 0xb5, 0x10, 0x00, 0x02, 0x01, 0x03, 0x03, 0x02, 0x04, 0x03, 0x05, 0x05, 0x04, 0x04,
    0x00, 0x00, 0x01, 0x7d, 0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61,
    0x07, 0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0, 0x24, 0x33,
    0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x34, 0x35, 0x36,
    0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59,
    0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x83, 0x84,
    0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5,
    0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6,
    0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6,
    0xe7, 0xe8, 0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xff, 0xda, 0x00, 0x08, 0x01,
    0x01, 0x00, 0x00, 0x3f, 0x00, 0xa5, 0x5f, 0xff, 0xd9};

static const char *year_dir(void) {
    static char buf[16];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(buf, sizeof buf, "docs/%Y/", &tm);
    return buf;
}

Test(files, column_is_djangos_varchar) {
    const char *ddl = test_sql_std(dorm_create_table_sql(T.cx, &Doc_model));
    cr_expect(strstr(ddl, "\"attachment\" varchar(100) NOT NULL, \"picture\" varchar(100) NOT NULL"), "%s", ddl);
}

Test(files, save_url_size_open_and_free_names) {
    Doc *d = dorm_create(T.cx, Doc, .title = "q1");
    cr_assert_not_null(d, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_file_save(d, attachment, "report.txt", "hello", 5, true), 0, "%s", dorm_errmsg(T.cx));
    char want[64];
    snprintf(want, sizeof want, "%sreport.txt", year_dir());
    cr_expect_str_eq(d->attachment, want);
    Doc *got = dorm_get(dorm_all(T.cx, Doc), DQ("pk", d->id));
    cr_expect_str_eq(got->attachment, want, "saved into the row");
    cr_expect_str_eq(dorm_filesystem_ops.url(&media, T.cx, "docs/a b+c.txt"), "/media/docs/a%20b%2Bc.txt");
    char url[80];
    snprintf(url, sizeof url, "/media/%s", want);
    cr_expect_str_eq(dorm_file_url(got, attachment), url);
    cr_expect_eq(dorm_file_size(got, attachment), 5);
    char path[512];
    snprintf(path, sizeof path, "%s/%s", media.location, want);
    cr_expect_str_eq(dorm_file_path(got, attachment), path);
    FILE *f = dorm_file_open(got, attachment, "rb");
    cr_assert_not_null(f, "%s", dorm_errmsg(T.cx));
    char text[8] = "";
    cr_expect_eq(fread(text, 1, sizeof text, f), 5);
    fclose(f);
    cr_expect_str_eq(text, "hello");
    /* The same name again: Django's "_" and 7 letters or digits before the extension. */
    Doc *e = dorm_create(T.cx, Doc, .title = "q2");
    cr_assert_eq(dorm_file_save(e, attachment, "report.txt", "again", 5, false), 0, "%s", dorm_errmsg(T.cx));
    size_t dl = strlen(year_dir());
    cr_expect_eq(strlen(e->attachment), dl + strlen("report_xxxxxxx.txt"), "%s", e->attachment);
    cr_expect(strncmp(e->attachment + dl, "report_", 7) == 0 &&
                  strcmp(e->attachment + strlen(e->attachment) - 4, ".txt") == 0,
              "%s", e->attachment);
    for (size_t i = dl + 7; i < dl + 14; i++)
        cr_expect((e->attachment[i] >= 'a' && e->attachment[i] <= 'z') ||
                      (e->attachment[i] >= 'A' && e->attachment[i] <= 'Z') ||
                      (e->attachment[i] >= '0' && e->attachment[i] <= '9'),
                  "%s", e->attachment);
    /* Names are made valid (Django's get_valid_filename), and queried as text. */
    cr_assert_eq(dorm_file_save(e, attachment, "john's portrait in 2004.jpg", "x", 1, true), 0, "%s",
                 dorm_errmsg(T.cx));
    snprintf(want, sizeof want, "%sjohns_portrait_in_2004.jpg", year_dir());
    cr_expect_str_eq(e->attachment, want);
    cr_expect_eq(dorm_count(dorm_filter(dorm_all(T.cx, Doc), DQ("attachment__endswith", "2004.jpg"))), 1);
    /* A file without a name. */
    Doc *none = dorm_create(T.cx, Doc, .title = "none");
    cr_expect_null(dorm_file_url(none, attachment));
    cr_expect_str_eq(dorm_errmsg(T.cx), "The 'attachment' attribute has no file associated with it.");
}

Test(files, names_never_leave_the_storage) {
    Doc *d = dorm_create(T.cx, Doc, .title = "..");
    cr_assert_not_null(d);
    cr_expect_eq(dorm_file_save(d, attachment, "../../etc/passwd", "x", 1, false), DORM_ESUSPICIOUS);
    char want[80];
    snprintf(want, sizeof want, "Detected path traversal attempt in '%s../../etc/passwd'", year_dir());
    cr_expect_str_eq(dorm_errmsg(T.cx), want);
    /* upload_to's function naming a place above the root. */
    Doc *p = dorm_create(T.cx, Doc, .title = "../../../out");
    cr_expect_eq(dorm_file_save(p, picture, "x.png", png, sizeof png, false), DORM_ESUSPICIOUS);
    cr_expect_eq(dorm_file_save(d, attachment, "..", "x", 1, false), DORM_ESUSPICIOUS);
    snprintf(want, sizeof want, "Could not derive file name from '%s..'", year_dir());
    cr_expect_str_eq(dorm_errmsg(T.cx), want);
    /* The storage itself: safe_join's message. */
    cr_expect_null(dorm_storage_save(&media, T.cx, "a/../../b", "x", 1, 0));
    cr_expect_str_eq(dorm_errmsg(T.cx), "Detected path traversal attempt in 'a/../../b'");
    cr_expect_eq(dorm_filesystem_ops.exists(&media, T.cx, "/etc/passwd"), DORM_ESUSPICIOUS);
    cr_expect(
        strstr(dorm_errmsg(T.cx), "The joined path (/etc/passwd) is located outside of the base path component ("),
        "%s", dorm_errmsg(T.cx));
    struct stat st;
    char path[512];
    snprintf(path, sizeof path, "%s/../b", media.location);
    cr_expect_neq(stat(path, &st), 0, "nothing written outside");
}

Test(files, files_go_only_when_asked) {
    Doc *d = dorm_create(T.cx, Doc, .title = "keep");
    cr_assert_eq(dorm_file_save(d, attachment, "a.txt", "abc", 3, true), 0, "%s", dorm_errmsg(T.cx));
    const char *path = dorm_strdup(T.cx, dorm_file_path(d, attachment));
    Doc *e = dorm_create(T.cx, Doc, .title = "drop");
    cr_assert_eq(dorm_file_save(e, attachment, "b.txt", "abc", 3, true), 0, "%s", dorm_errmsg(T.cx));
    const char *epath = dorm_strdup(T.cx, dorm_file_path(e, attachment));
    struct stat st;
    cr_assert_eq(dorm_delete(d, NULL), 0);
    cr_expect_eq(stat(path, &st), 0, "deleting the row keeps the file (Django)");
    cr_assert_eq(dorm_file_delete(e, attachment, true), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_neq(stat(epath, &st), 0);
    cr_expect_str_eq(e->attachment, "");
    Doc *got = dorm_get(dorm_all(T.cx, Doc), DQ("title", "drop"));
    cr_expect_str_eq(got->attachment, "");
    cr_expect_eq(dorm_file_delete(e, attachment, false), 0, "no file: nothing to do");
}

Test(files, long_names_fit_max_length) {
    char name[120];
    memset(name, 'n', 90);
    strcpy(name + 90, ".txt");
    const char *first = dorm_storage_save(&media, T.cx, name, "x", 1, 100);
    cr_assert_not_null(first, "%s", dorm_errmsg(T.cx));
    cr_expect_str_eq(first, name);
    const char *second = dorm_storage_save(&media, T.cx, name, "x", 1, 100);
    cr_assert_not_null(second, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(strlen(second), 100, "%s", second);
    cr_expect(strcmp(second + 96, ".txt") == 0 && second[88] == '_', "%s", second);
    cr_expect_null(dorm_storage_save(&media, T.cx, name, "x", 1, 12));
    cr_expect(strstr(dorm_errmsg(T.cx), "Storage can not find an available filename for"), "%s", dorm_errmsg(T.cx));
}

Test(files, image_dimensions) {
    int w = 0, h = 0;
    if (!dorm_images_supported()) {
        cr_expect_eq(dorm_image_size(png, sizeof png, &w, &h), DORM_ENOTSUPPORTED);
        return;
    }
    cr_assert_eq(dorm_image_size(png, sizeof png, &w, &h), 0);
    cr_expect(w == 3 && h == 2, "%dx%d", w, h);
    cr_assert_eq(dorm_image_size(jpeg, sizeof jpeg, &w, &h), 0);
    cr_expect(w == 5 && h == 4, "%dx%d", w, h);
    cr_expect_eq(dorm_image_size("GIF89a", 6, &w, &h), DORM_EVALUE);
    cr_expect_eq(dorm_image_size(png, 20, &w, &h), DORM_EVALUE, "a cut PNG is no image");
    Doc *d = dorm_create(T.cx, Doc, .title = "pics");
    cr_assert_eq(dorm_file_save(d, picture, "logo.png", png, sizeof png, true), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_str_eq(d->picture, "pictures/pics/logo.png");
    cr_expect(d->pic_w == 3 && d->pic_h == 2);
    Doc *got = dorm_get(dorm_all(T.cx, Doc), DQ("pic_w", 3));
    cr_assert_not_null(got, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_file_save(got, picture, "photo.jpg", jpeg, sizeof jpeg, true), 0, "%s", dorm_errmsg(T.cx));
    got = dorm_get(dorm_all(T.cx, Doc), DQ("pk", d->id));
    cr_expect(got->pic_w == 5 && got->pic_h == 4);
    cr_assert_eq(dorm_file_save(got, picture, "notes.png", "plain text", 10, true), 0, "%s", dorm_errmsg(T.cx));
    got = dorm_get(dorm_all(T.cx, Doc), DQ("pk", d->id));
    cr_expect(dorm_is_null(got, pic_w) && dorm_is_null(got, pic_h), "not an image: no size (Django's None)");
}

/* Migrations record upload_to and the dimension fields, as Django's
 * deconstruct() writes them; the checks refuse dimension fields that are
 * no integer fields. */
typedef struct Pic {
    DORM_OBJECT;
    int64_t id;
    const char *image;
    const char *size;
} Pic;
DORM_MODEL_DECLARE(Pic);
static const dorm_field Pic_fields[] = {
    DORM_AUTO(Pic, id),
    DORM_IMAGE(Pic, image, .width_field = "size", .height_field = "nope", .storage = &media),
    DORM_CHAR(Pic, size, .max_length = 10),
    DORM_END,
};
const dorm_model Pic_model = DORM_MODEL(Pic, "bad", Pic_fields);

Test(files, migrations_and_checks) {
    const dorm_app bad = {.label = "bad", .models = DORM_MODELS(&Pic_model)};
    dorm_registry *reg = dorm_registry_new((const dorm_app *const[]){&bad, NULL});
    cr_assert_not_null(reg);
    const char *msg = dorm_registry_messages(reg);
    cr_expect(
        strstr(msg, "bad.Pic.image: (dorm.E036) 'size' must name an integer field of the model for the image's width."),
        "%s", msg);
    cr_expect(strstr(msg,
                     "bad.Pic.image: (dorm.E036) 'nope' must name an integer field of the model for the image's "
                     "height."),
              "%s", msg);
    dorm_registry_free(reg);
    dorm_app app = files_app;
    app.migrations_dir = test_tmpdir_path("migrations");
    const dorm_app *const apps[] = {&app, NULL};
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    cr_assert_eq(dorm_makemigrations(T.cx, apps, &(dorm_makemigrations_opts){.out = out, .verbosity = 1}), 0, "%s",
                 dorm_errmsg(T.cx));
    fclose(out);
    free(buf);
    char *text = test_read_file(test_tmpdir_path("migrations/0001_initial.json"));
    cr_assert_not_null(text);
    test_squeeze(text);
    cr_expect(strstr(text, "[\"attachment\",{\"type\":\"FileField\",\"blank\":true,\"upload_to\":\"docs/%Y/\"}]"), "%s",
              text);
    cr_expect(strstr(text,
                     "[\"picture\",{\"type\":\"ImageField\",\"blank\":true,\"width_field\":\"pic_w\",\"height_field\":"
                     "\"pic_h\"}]"),
              "%s", text);
    const char *sql = test_sql_std(dorm_sqlmigrate(T.cx, apps, "files", "0001", false));
    cr_expect(strstr(sql, "\"attachment\" varchar(100) NOT NULL"), "%s", sql);
}
