/* test_inspectdb.c - inspectdb: the C models it writes for a database made
 * by dorm and for one made by Django 3.2 compile against libdorm and read
 * the rows back (foreign keys included); on PostgreSQL the code for the
 * test schema is checked and compiled. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testdb.h"

static const char *dir;

static void open_catalogue(void) {
    test_db_open();
    dir = test_tmpdir_make("dorm-insp");
}

static void close_catalogue(void) {
    test_tmpdir_remove();
    test_db_close();
}

TestSuite(inspectdb, .init = open_catalogue, .fini = close_catalogue);

static const char *path_of(const char *name) { return test_tmpdir_path(name); }

/* inspectdb of the database of cx into dir/models.c; its text. */
static const char *inspect(dorm_ctx *cx) {
    FILE *out = fopen(path_of("models.c"), "w");
    cr_assert_not_null(out);
    cr_assert_eq(dorm_inspectdb(cx, NULL, "legacy", out), 0, "%s", dorm_errmsg(cx));
    fclose(out);
    static char text[16384];
    FILE *f = fopen(path_of("models.c"), "r");
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    return text;
}

static const char *program =
    "#include \"models.c\"\n"
    "#include <stdio.h>\n"
    "int main(int argc, char **argv) {\n"
    "    (void)argc;\n"
    "    dorm_registry *reg = dorm_registry_new((const dorm_app *const[]){&inspected_app, NULL});\n"
    "    if (dorm_registry_errcode(reg)) { puts(dorm_registry_messages(reg)); return 1; }\n"
    "    dorm_db *db = dorm_db_open(argv[1], reg);\n"
    "    dorm_ctx *cx = dorm_ctx_new(db);\n"
    "    printf(\"%lld books\\n\", (long long)dorm_count(dorm_all(cx, LibraryBook)));\n"
    "    LibraryBook *b = dorm_first(dorm_order_by(dorm_all(cx, LibraryBook), \"title\"));\n"
    "    if (!b) { puts(dorm_errmsg(cx)); return 1; }\n"
    "    printf(\"%s by %s, %d pages\\n\", b->title, dorm_fk(b, author)->name, b->pages);\n"
    "    dorm_ctx_free(cx);\n"
    "    dorm_db_close(db);\n"
    "    dorm_registry_free(reg);\n"
    "    return 0;\n"
    "}\n";

/* Compiles dir/prog.c (which includes models.c) against this build's libdorm;
 * with run_url, runs it and returns its output. */
static const char *compile_and_run(const char *run_url) {
    FILE *f = fopen(path_of("prog.c"), "w");
    fputs(program, f);
    fclose(f);
#if defined(__SANITIZE_ADDRESS__)
    const char *san = "-fsanitize=address,undefined";
#else
    const char *san = "";
#endif
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && cc -std=c11 -Wall -Wextra -Werror %s %s -I'%s' prog.c '%s' $(pkg-config --libs sqlite3 libpq libmariadb "
             "jansson) -lm -o prog 2>&1 && ./prog '%s' 2>&1",
             dir, DORM_TEST_CFLAGS, san, DORM_TEST_INCLUDE, DORM_TEST_LIBRARY, run_url ? run_url : "sqlite://:memory:");
    FILE *p = popen(cmd, "r");
    static char out[4096];
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = '\0';
    int status = pclose(p);
    cr_assert(!run_url || status == 0, "%s\n%s", cmd, out);
    return out;
}

Test(inspectdb, dorm_made_database_round_trips) {
    /* A file database made by dorm (the test catalogue). */
    const char *url = dorm_sprintf(T.cx, "sqlite:///%s/made.db", dir);
    dorm_db *db = dorm_db_open(url, T.reg);
    dorm_ctx *cx = dorm_ctx_new(db);
    cr_assert(db && cx && dorm_db_errcode(db) == 0);
    cr_assert_eq(dorm_create_all(cx), 0, "%s", dorm_errmsg(cx));
    Author *a = dorm_create(cx, Author, .name = "Jane Austen");
    cr_assert_not_null(dorm_create(cx, Book, .title = "Emma", .author = {a->id, NULL}, .publication_date = dorm_date_ymd(1815, 12, 23),
                                   .isbn = "9780141439587", .pages = 474));
    const char *code = inspect(cx);
    cr_expect(strstr(code, "DORM_FOREIGN_KEY(LibraryBook, author, LibraryAuthor, .on_delete = DORM_DO_NOTHING),"), "%s", code);
    cr_expect(strstr(code, "DORM_CHAR(LibraryBook, isbn, .unique = true, .max_length = 13),"), "%s", code);
    cr_expect(strstr(code, "DORM_DATE(LibraryAuthor, birth_date, .null = true, .blank = true),"), "%s", code);
    cr_expect(strstr(code, ".db_table = \"library_everything\""), "%s", code);
    dorm_ctx_free(cx);
    dorm_db_close(db);
    cr_expect_str_eq(compile_and_run(url), "1 books\nEmma by Jane Austen, 474 pages\n");
}

Test(inspectdb, django_made_database) {
    if (strncmp(test_db_url(), "sqlite", 6) != 0) cr_skip_test("the Django database is an SQLite file");
    if (system("/usr/bin/python3 -c 'import django' >/dev/null 2>&1") != 0)
        cr_skip_test("python3-django is not installed");
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "mkdir -p '%s/library' && cd '%s' && touch library/__init__.py && printf '%%s\\n' "
             "'from django.db import models' "
             "'class Author(models.Model):' '    name = models.CharField(max_length=100)' "
             "'    class Meta: app_label = \"library\"' "
             "'class Book(models.Model):' '    title = models.CharField(max_length=200)' "
             "'    author = models.ForeignKey(Author, on_delete=models.CASCADE)' "
             "'    pages = models.PositiveIntegerField(default=0)' '    price = models.DecimalField(max_digits=6, decimal_places=2, null=True)' "
             "'    class Meta: app_label = \"library\"' > library/models.py && /usr/bin/python3 -c '"
             "import django; from django.conf import settings; "
             "settings.configure(INSTALLED_APPS=[\"library\"], DATABASES={\"default\": {\"ENGINE\": "
             "\"django.db.backends.sqlite3\", \"NAME\": \"django.db\"}}, DEFAULT_AUTO_FIELD=\"django.db.models.AutoField\"); "
             "django.setup(); from django.core.management import call_command; "
             "from django.db import connection; from library.models import Author, Book; "
             "se = connection.schema_editor(); se.__enter__(); se.create_model(Author); se.create_model(Book); se.__exit__(None, None, None); "
             "a = Author.objects.create(name=\"Tolkien\"); Book.objects.create(title=\"The Hobbit\", author=a, pages=310)'",
             dir, dir);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
    const char *url = dorm_sprintf(T.cx, "sqlite:///%s/django.db", dir);
    dorm_db *db = dorm_db_open(url, T.reg);
    dorm_ctx *cx = dorm_ctx_new(db);
    const char *code = inspect(cx);
    cr_expect(strstr(code, "DORM_DECIMAL(LibraryBook, price, .null = true, .blank = true, .max_digits = 10, "
                           ".decimal_places = 5), /* max_digits and decimal_places have been guessed"),
              "%s", code);
    dorm_ctx_free(cx);
    dorm_db_close(db);
    cr_expect_str_eq(compile_and_run(url), "1 books\nThe Hobbit by Tolkien, 310 pages\n");
}

Test(inspectdb, test_schema_on_any_backend) {
    test_db_catalogue();
    const char *code = inspect(T.cx);
    cr_expect(strstr(code, "typedef struct LibraryBook {\n    DORM_OBJECT;\n    int64_t id;\n    const char *title;\n"
                           "    DORM_FK(LibraryAuthor) author;\n"),
              "%s", code);
    cr_expect(strstr(code, "DORM_AUTO(LibraryAuthor, id),"), "%s", code);
    cr_expect(strstr(code, "const dorm_app inspected_app = {.label = APP_LABEL, .models = DORM_MODELS("), "%s", code);
    if (test_db_on_mysql()) {
        /* information_schema read as Django reads it: UNSIGNED is a positive
         * integer, MariaDB's json a longtext with a JSON_VALID check. */
        cr_expect(strstr(code, "DORM_POSINT(LibraryBook, pages),"), "%s", code);
        cr_expect(strstr(code, "DORM_JSON(LibraryEverything, json_f, .null = true, .blank = true),"), "%s", code);
        cr_expect(strstr(code, "DORM_TEXT(LibraryAuthor, biography),"), "%s", code);
        cr_expect(strstr(code, "DORM_CHAR(LibraryBook, isbn, .unique = true, .max_length = 13),"), "%s", code);
        const char *url = dorm_sprintf(T.cx, "%s%sdatabase=%s", test_db_url(), strchr(test_db_url(), '?') ? "&" : "?",
                                       test_db_schema());
        cr_expect_str_eq(compile_and_run(url), "8 books\n1984 by George Orwell, 328 pages\n");
        return;
    }
    compile_and_run(NULL);
    FILE *f = fopen(path_of("prog"), "r");
    cr_expect_not_null(f, "the generated code compiles");
    if (f) fclose(f);
}
