/* test_inspectdb.c - inspectdb: the C models it writes for a database made
 * by dorm and for one made by Django 3.2 compile against libdorm and read
 * the rows back (foreign keys included); on PostgreSQL the code for the
 * test schema is checked and compiled. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/db.h"
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

/* Compiles dir/prog.c, the text `prog` (which includes models.c), against
 * this build's libdorm; with run_url, runs it and returns its output. */
static const char *compile_and_run_program(const char *prog, const char *run_url) {
    FILE *f = fopen(path_of("prog.c"), "w");
    fputs(prog, f);
    fclose(f);
#if defined(__SANITIZE_ADDRESS__)
    const char *san = "-fsanitize=address,undefined";
#else
    const char *san = "";
#endif
    char cmd[1024];
    snprintf(
        cmd, sizeof cmd,
        "cd '%s' && cc -std=c11 -Wall -Wextra -Werror %s %s -I'%s' prog.c '%s' $(pkg-config --libs %s) -lm -o prog "
        "2>&1 && ./prog '%s' 2>&1",
        dir, DORM_TEST_CFLAGS, san, DORM_TEST_INCLUDE, DORM_TEST_LIBRARY, DORM_TEST_PKGS,
        run_url ? run_url : "sqlite://:memory:");
    FILE *p = popen(cmd, "r");
    static char out[4096];
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = '\0';
    int status = pclose(p);
    cr_assert(!run_url || status == 0, "%s\n%s", cmd, out);
    return out;
}

static const char *compile_and_run(const char *run_url) { return compile_and_run_program(program, run_url); }

Test(inspectdb, dorm_made_database_round_trips) {
    /* A file database made by dorm (the test catalogue). */
    const char *url = dorm_sprintf(T.cx, "sqlite:///%s/made.db", dir);
    dorm_db *db = dorm_db_open(url, T.reg);
    dorm_ctx *cx = dorm_ctx_new(db);
    cr_assert(db && cx && dorm_db_errcode(db) == 0);
    cr_assert_eq(dorm_create_all(cx), 0, "%s", dorm_errmsg(cx));
    Author *a = dorm_create(cx, Author, .name = "Jane Austen");
    cr_assert_not_null(dorm_create(cx, Book, .title = "Emma", .author = {a->id, NULL},
                                   .publication_date = dorm_date_ymd(1815, 12, 23), .isbn = "9780141439587",
                                   .pages = 474));
    const char *code = inspect(cx);
    cr_expect(strstr(code, "DORM_FOREIGN_KEY(LibraryBook, author, LibraryAuthor, .on_delete = DORM_DO_NOTHING),"), "%s",
              code);
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
    snprintf(
        cmd, sizeof cmd,
        "mkdir -p '%s/library' && cd '%s' && touch library/__init__.py && printf '%%s\\n' "
        "'from django.db import models' "
        "'class Author(models.Model):' '    name = models.CharField(max_length=100)' "
        "'    class Meta: app_label = \"library\"' "
        "'class Book(models.Model):' '    title = models.CharField(max_length=200)' "
        "'    author = models.ForeignKey(Author, on_delete=models.CASCADE)' "
        "'    pages = models.PositiveIntegerField(default=0)' '    price = models.DecimalField(max_digits=6, "
        "decimal_places=2, null=True)' "
        "'    class Meta: app_label = \"library\"' > library/models.py && /usr/bin/python3 -c '"
        "import django; from django.conf import settings; "
        "settings.configure(INSTALLED_APPS=[\"library\"], DATABASES={\"default\": {\"ENGINE\": "
        "\"django.db.backends.sqlite3\", \"NAME\": \"django.db\"}}, "
        "DEFAULT_AUTO_FIELD=\"django.db.models.AutoField\"); "
        "django.setup(); from django.core.management import call_command; "
        "from django.db import connection; from library.models import Author, Book; "
        "se = connection.schema_editor(); se.__enter__(); se.create_model(Author); se.create_model(Book); "
        "se.__exit__(None, None, None); "
        "a = Author.objects.create(name=\"Tolkien\"); Book.objects.create(title=\"The Hobbit\", author=a, pages=310)'",
        dir, dir);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
    const char *url = dorm_sprintf(T.cx, "sqlite:///%s/django.db", dir);
    dorm_db *db = dorm_db_open(url, T.reg);
    dorm_ctx *cx = dorm_ctx_new(db);
    const char *code = inspect(cx);
    cr_expect(strstr(code,
                     "DORM_DECIMAL(LibraryBook, price, .null = true, .blank = true, .max_digits = 10, "
                     ".decimal_places = 5), /* max_digits and decimal_places have been guessed"),
              "%s", code);
    dorm_ctx_free(cx);
    dorm_db_close(db);
    cr_expect_str_eq(compile_and_run(url), "1 books\nThe Hobbit by Tolkien, 310 pages\n");
}

Test(inspectdb, test_schema_on_any_backend) {
    test_db_catalogue();
    const char *code = inspect(T.cx);
    cr_expect(strstr(code,
                     "typedef struct LibraryBook {\n    DORM_OBJECT;\n    int64_t id;\n    const char *title;\n"
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

static void exec_ok(const char *sql) {
    dorm_errbuf e = {0, ""};
    cr_assert_eq(dorm_db__exec(T.db, sql, &e), 0, "%s: %s", sql, e.msg);
}

/* A table whose primary key has several columns gets Django 5.2's
 * CompositePrimaryKey (Django 3.2 failed on it), one without any is left out
 * with a comment; a timestamp column is a DateTimeField. */
Test(inspectdb, composite_keys_and_timestamps) {
    exec_ok("CREATE TABLE \"enrolment\" (\"student\" integer NOT NULL, \"course\" integer NOT NULL, PRIMARY KEY "
            "(\"student\", \"course\"))");
    exec_ok("CREATE TABLE \"stamp\" (\"id\" integer PRIMARY KEY, \"at\" timestamp NULL)");
    exec_ok("CREATE TABLE \"loose\" (\"n\" integer)");
    const char *code = inspect(T.cx);
    cr_expect(strstr(code,
                     "static const dorm_field Enrolment_fields[] = {\n"
                     "    DORM_COMPOSITE_PK(\"student\", \"course\"),\n"
                     "    DORM_INT(Enrolment, student),\n"
                     "    DORM_INT(Enrolment, course),\n"),
              "%s", code);
    cr_expect(strstr(code, "    int32_t student;\n    int32_t course;\n"), "%s", code);
    cr_expect(strstr(code,
                     "/* Unable to inspect table 'loose'\n * The error was: it has no primary key; a dorm model "
                     "needs one. */\n"),
              "%s", code);
    cr_expect(strstr(code, "DORM_DATETIME(Stamp, at, .null = true, .blank = true),"), "%s", code);
    compile_and_run(NULL);
    FILE *f = fopen(path_of("prog"), "r");
    cr_expect_not_null(f, "the generated code compiles");
    if (f) fclose(f);
}

/* Prints every model's table and each field's name and column, bytes
 * outside printable ASCII as \xNN. */
static const char *printer =
    "#include \"models.c\"\n"
    "#include <stdio.h>\n"
    "static void show(const char *s) {\n"
    "    for (; *s; s++) (*s >= 32 && *s < 127) ? putchar(*s) : printf(\"\\\\x%02x\", (unsigned char)*s);\n"
    "}\n"
    "int main(void) {\n"
    "    for (const dorm_model *const *m = inspected_app.models; *m; m++) {\n"
    "        show((*m)->db_table);\n"
    "        putchar('\\n');\n"
    "        for (const dorm_field *f = (*m)->fields; f->name; f++) {\n"
    "            printf(\"  %s \", f->name);\n"
    "            show(f->db_column ? f->db_column : f->name);\n"
    "            putchar('\\n');\n"
    "        }\n"
    "    }\n"
    "    return 0;\n"
    "}\n";

/* A schema whose names would end a C string or comment, or are no C
 * identifiers: every name is escaped, members get Django's normalised
 * names with the real ones in .db_column, and the code compiles and holds
 * the names byte for byte. */
Test(inspectdb, hostile_names_stay_strings) {
    /* Only SQLite takes any words as a column's type. */
    bool typed = strncmp(test_db_url(), "postgres", 8) == 0 || test_db_on_mysql();
    exec_ok(dorm_sprintf(T.cx,
                         "CREATE TABLE \"evil\"\"table\\\" (\"id\" integer PRIMARY KEY, \"a\"\"b\\c\" text, "
                         "\"line\nbreak\" integer, \"*/ int x; /*\" text, \"int\" text, \"__x__\" text, \"9lives\" "
                         "text, \"Mixed\" text, \"a-b-c\" text, \"q?\?/\" text, \"caf\xc3\xa9\" text, \"w\" %s)",
                         typed ? "text" : "\"weird */ type\""));
    const char *code = inspect(T.cx);
    cr_expect(strstr(code, ".db_table = \"evil\\\"table\\\\\");"), "%s", code);
    cr_expect(strstr(code,
                     "DORM_TEXT(EvilTable, a_b_c, .db_column = \"a\\\"b\\\\c\", .null = true, .blank = true), "
                     "/* Field renamed to remove unsuitable characters. */"),
              "%s", code);
    cr_expect(strstr(code, ".db_column = \"line\\012break\""), "%s", code);
    cr_expect(strstr(code, ".db_column = \"q\\?\\?/\""), "trigraphs escaped: %s", code);
    cr_expect(strstr(code, "DORM_TEXT(EvilTable, int_field, .db_column = \"int\""), "%s", code);
    cr_expect(strstr(code, "DORM_TEXT(EvilTable, a_b_c_0, .db_column = \"a-b-c\""), "%s", code);
    if (!typed) cr_expect(strstr(code, "/* This field type is a guess. (weird *\\057 type) */"), "%s", code);
    const char *out = compile_and_run_program(printer, "-");
    cr_expect(strstr(out,
                     "evil\"table\\\n"
                     "  id id\n"
                     "  a_b_c a\"b\\c\n"
                     "  line_break line\\x0abreak\n"
                     "  field_int_x_field */ int x; /*\n"
                     "  int_field int\n"
                     "  field_x_field __x__\n"
                     "  number_9lives 9lives\n"
                     "  mixed Mixed\n"
                     "  a_b_c_0 a-b-c\n"
                     "  q_field q?\?/\n"
                     "  caf_field caf\\xc3\\xa9\n"
                     "  w w\n"),
              "%s", out);
}
