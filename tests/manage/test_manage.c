/* test_manage.c - the manage commands outside migrations: dumpdata and
 * loaddata (Django's fixture format, all or nothing, and a round trip with
 * Django 3.2 when python3-django is installed), flush, dbshell's command
 * line, check, and the dispatcher's errors. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "manage/shell.h"
#include "testdb.h"

static void open_catalogue(void) {
    test_db_open();
    test_tmpdir_make("dorm-fix");
}

static void close_catalogue(void) {
    test_tmpdir_remove();
    test_db_close();
}

TestSuite(manage, .init = open_catalogue, .fini = close_catalogue);

static const char *path_of(const char *name) { return test_tmpdir_path(name); }

static void write_text(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

static const char *dump(const char *const *labels, int indent) {
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    int rc = dorm_dumpdata(T.cx, labels, indent, out);
    fclose(out);
    cr_assert_eq(rc, 0, "%s", dorm_errmsg(T.cx));
    const char *r = dorm_strdup(T.cx, buf);
    free(buf);
    return r;
}

Test(manage, dumpdata_in_djangos_format) {
    Author *a = dorm_create(T.cx, Author, .name = "Jane Austen", .birth_date = dorm_date_ymd(1775, 12, 16),
                            .biography = "Novelist");
    cr_assert_not_null(a);
    cr_assert_not_null(dorm_create(T.cx, Book, .title = "Emma", .author = {a->id, NULL},
                                   .publication_date = dorm_date_ymd(1815, 12, 23), .isbn = "9780141439587",
                                   .pages = 474));
    const char *json = dump(DORM_LIST("library.author", "library.book"), 0);
    char expect[512];
    snprintf(
        expect, sizeof expect,
        "[{\"model\": \"library.author\", \"pk\": %lld, \"fields\": {\"name\": \"Jane Austen\", \"birth_date\": "
        "\"1775-12-16\", \"biography\": \"Novelist\"}}, {\"model\": \"library.book\", \"pk\": 1, \"fields\": "
        "{\"title\": \"Emma\", \"author\": %lld, \"publication_date\": \"1815-12-23\", \"isbn\": \"9780141439587\", "
        "\"genre\": \"FIC\", \"pages\": 474}}]\n",
        (long long)a->id, (long long)a->id);
    cr_expect_str_eq(json, expect);
    FILE *sink = fopen("/dev/null", "w");
    cr_expect_lt(dorm_dumpdata(T.cx, DORM_LIST("library.nope"), 0, sink), 0);
    fclose(sink);
    cr_expect_str_eq(dorm_errmsg(T.cx), "No installed app or model with label 'library.nope'.");
}

Test(manage, loaddata_round_trip_and_all_or_nothing) {
    test_db_catalogue();
    write_text(path_of("cat.json"), dump(DORM_LIST("library"), 2));
    cr_assert_eq(dorm__flush(T.cx), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(dorm_count(dorm_all(T.cx, Book)), 0);
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    cr_assert_eq(dorm_loaddata(T.cx, DORM_LIST(path_of("cat.json")), out), 0, "%s", dorm_errmsg(T.cx));
    fclose(out);
    cr_expect_str_eq(buf, "Installed 11 object(s) from 1 fixture(s)\n");
    free(buf);
    cr_expect_eq(dorm_count(dorm_filter(dorm_all(T.cx, Book), DQ("author__name", "George Orwell"))), 3);
    /* New rows continue after the loaded keys (sequences reset on PostgreSQL). */
    Author *fresh = dorm_create(T.cx, Author, .name = "New");
    cr_assert_not_null(fresh, "%s", dorm_errmsg(T.cx));
    cr_expect_gt(fresh->id, 3);
    /* A bad object anywhere: nothing of the fixture is installed. */
    write_text(path_of("bad.json"),
               "[{\"model\": \"library.author\", \"pk\": 50, \"fields\": {\"name\": \"Kept?\"}},"
               " {\"model\": \"library.nope\", \"pk\": 1, \"fields\": {}}]");
    cr_expect_lt(dorm_loaddata(T.cx, DORM_LIST(path_of("bad.json")), NULL), 0);
    cr_expect(strstr(dorm_errmsg(T.cx), "Invalid model identifier: 'library.nope'"), "%s", dorm_errmsg(T.cx));
    cr_expect_eq(dorm_count(dorm_filter(dorm_all(T.cx, Author), DQ("pk", 50))), 0);
    cr_expect_lt(dorm_loaddata(T.cx, DORM_LIST(path_of("missing.json")), NULL), 0);
    cr_expect_str_eq(dorm_errmsg(T.cx), "No fixture named 'missing' found.");
}

/* A book before its author: keys deferred to the commit (SQLite,
 * PostgreSQL), or checked after the load with the checks off (MySQL, as
 * Django); a key to no row fails the whole load, in Django's words. */
Test(manage, loaddata_rows_may_point_forward) {
    write_text(path_of("forward.json"),
               "[{\"model\": \"library.book\", \"pk\": 7, \"fields\": {\"title\": \"Emma\", \"author\": 40, "
               "\"publication_date\": \"1815-12-23\", \"isbn\": \"1\", \"genre\": \"FIC\", \"pages\": 474}},"
               " {\"model\": \"library.author\", \"pk\": 40, \"fields\": {\"name\": \"Jane Austen\"}}]");
    cr_assert_eq(dorm_loaddata(T.cx, DORM_LIST(path_of("forward.json")), NULL), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(dorm_count(dorm_filter(dorm_all(T.cx, Book), DQ("author__name", "Jane Austen"))), 1);
    write_text(path_of("dangling.json"),
               "[{\"model\": \"library.author\", \"pk\": 41, \"fields\": {\"name\": \"Kept?\"}},"
               " {\"model\": \"library.book\", \"pk\": 8, \"fields\": {\"title\": \"Lost\", \"author\": 99, "
               "\"publication_date\": \"2000-01-01\", \"isbn\": \"2\", \"genre\": \"FIC\", \"pages\": 1}}]");
    cr_expect_lt(dorm_loaddata(T.cx, DORM_LIST(path_of("dangling.json")), NULL), 0);
    cr_expect_eq(dorm_errcode(T.cx), DORM_EINTEGRITY, "%s", dorm_errmsg(T.cx));
    /* Django's check_constraints text, after where in the fixture it is. */
    cr_expect(strstr(dorm_errmsg(T.cx),
                     "object 2 (library.book:pk=8), field 'author': The row in table "
                     "'library_book' with primary key '8' has an invalid foreign key: "
                     "library_book.author_id contains a value '99' that does not have a "
                     "corresponding value in library_author.id."),
              "%s", dorm_errmsg(T.cx));
    cr_expect_eq(dorm_count(dorm_filter(dorm_all(T.cx, Author), DQ("pk", 41))), 0, "nothing of it is installed");
    cr_expect_eq(dorm_count(dorm_all(T.cx, Book)), 1);
}

Test(manage, flush_empties_every_table) {
    test_db_catalogue();
    cr_assert_eq(dorm__flush(T.cx), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(dorm_count(dorm_all(T.cx, Author)), 0);
    cr_expect_eq(dorm_count(dorm_all(T.cx, Book)), 0);
    Author *a = dorm_create(T.cx, Author, .name = "First again");
    cr_assert_not_null(a);
    cr_expect_eq(a->id, 1, "keys start again");
}

Test(manage, dbshell_command_lines) {
    dorm_client_cmd cmd;
    cr_assert_eq(dorm_dbshell__cmd("sqlite:////tmp/x.db", &cmd), 0);
    cr_expect_str_eq(cmd.argv[0], "sqlite3");
    cr_expect_str_eq(cmd.argv[1], "/tmp/x.db");
    cr_expect_null(cmd.argv[2]);
    cr_expect_null(cmd.password_env);
    cr_assert_eq(dorm_dbshell__cmd("postgres://bob:s3cret@db.example:5433/shop", &cmd), 0);
    const char *want[] = {"psql", "-U", "bob", "-h", "db.example", "-p", "5433", "shop", NULL};
    for (int i = 0; want[i]; i++) cr_expect_str_eq(cmd.argv[i], want[i]);
    cr_expect_null(cmd.argv[8]);
    cr_expect_str_eq(cmd.password_env, "PGPASSWORD");
    cr_expect_str_eq(cmd.password, "s3cret", "the password goes to PGPASSWORD, never argv");
    /* A socket folder and port given as query parameters (libpq's form). */
    cr_assert_eq(dorm_dbshell__cmd("postgres:///shop?host=/run/pg&port=6000&user=ann", &cmd), 0);
    const char *sock[] = {"psql", "-U", "ann", "-h", "/run/pg", "-p", "6000", "shop", NULL};
    for (int i = 0; sock[i]; i++) cr_expect_str_eq(cmd.argv[i], sock[i]);
    cr_expect_neq(dorm_dbshell__cmd("mongodb://x/y", &cmd), 0);
}

static int run_manage(const char *const *args) {
    int argc = 0;
    while (args[argc]) argc++;
    return dorm_manage(argc, (char **)args, (const dorm_app *const[]){NULL});
}

Test(manage, dispatcher_errors) {
    cr_expect_eq(run_manage(DORM_LIST("nope")), 1);
    cr_expect_eq(run_manage(DORM_LIST("check", "--bogus")), 2);
    cr_expect_eq(run_manage(DORM_LIST("check", "--verbosity", "99999999999999999999")), 2, "not atoi's overflow");
    cr_expect_eq(run_manage(DORM_LIST("check", "-v", "x")), 2);
    cr_expect_eq(run_manage(DORM_LIST("check", "--verbosity=2")), 0);
    cr_expect_eq(run_manage(DORM_LIST("check")), 0);
    cr_expect_eq(run_manage(DORM_LIST("help")), 0);
}

/* dorm_manage with the command's stderr in err. */
static int run_manage_err(const char *const *args, char *err, size_t size) {
    fflush(stderr);
    int saved = dup(2);
    FILE *tmp = tmpfile();
    dup2(fileno(tmp), 2);
    int rc = run_manage(args);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    rewind(tmp);
    size_t n = fread(err, 1, size - 1, tmp);
    err[n] = '\0';
    fclose(tmp);
    return rc;
}

/* Django refuses a serialization format it does not have; dorm has JSON. */
Test(manage, dumpdata_refuses_unknown_formats) {
    char err[256];
    cr_expect_eq(
        run_manage_err(DORM_LIST("dumpdata", "--database", "sqlite://:memory:", "--format", "yaml"), err, sizeof err),
        1);
    cr_expect_str_eq(err, "CommandError: Unknown serialization format: yaml\n");
    cr_expect_eq(
        run_manage_err(DORM_LIST("dumpdata", "--database", "sqlite://:memory:", "--format=xml"), err, sizeof err), 1);
    cr_expect_str_eq(err, "CommandError: Unknown serialization format: xml\n");
    cr_expect_eq(run_manage_err(DORM_LIST("dumpdata", "--database", "sqlite://:memory:", "--format", "json", "--output",
                                          "/dev/null"),
                                err, sizeof err),
                 0, "%s", err);
}

static const char *book(int pk, const char *author, const char *pages) {
    return dorm_sprintf(T.cx,
                        "{\"model\": \"library.book\", \"pk\": %d, \"fields\": {\"title\": \"T%d\", \"author\": %s, "
                        "\"publication_date\": \"2000-01-01\", \"isbn\": \"%d\", \"pages\": %s}}",
                        pk, pk, author, pk, pages);
}

/* loaddata's errors name the fixture file, the object and the field, in
 * Django's words where Django has them; nothing of a failed call stays. */
Test(manage, loaddata_errors_say_where) {
    const char *path = path_of("fix.json");
    const char *author = "{\"model\": \"library.author\", \"pk\": 1, \"fields\": {\"name\": \"A\"}}";
    /* A key to an object later in the fixtures is fine (checked at the end). */
    write_text(path, dorm_sprintf(T.cx, "[%s, %s]", book(1, "1", "10"), author));
    cr_assert_eq(dorm_loaddata(T.cx, DORM_LIST(path), NULL), 0, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm__flush(T.cx), 0);
    write_text(path, dorm_sprintf(T.cx, "[%s, %s]", author, book(1, "99", "10")));
    cr_expect_lt(dorm_loaddata(T.cx, DORM_LIST(path), NULL), 0);
    cr_expect_str_eq(dorm_errmsg(T.cx),
                     dorm_sprintf(T.cx,
                                  "Problem installing fixture '%s': object 2 (library.book:pk=1), field 'author': "
                                  "The row in table 'library_book' with primary key '1' has an invalid foreign key: "
                                  "library_book.author_id contains a value '99' that does not have a corresponding "
                                  "value in library_author.id.",
                                  path));
    cr_expect_eq(dorm_count(dorm_all(T.cx, Author)), 0, "all or nothing");
    write_text(path, dorm_sprintf(T.cx, "[%s, %s]", author, book(1, "1", "\"many\"")));
    cr_expect_lt(dorm_loaddata(T.cx, DORM_LIST(path), NULL), 0);
    cr_expect_str_eq(dorm_errmsg(T.cx),
                     dorm_sprintf(T.cx,
                                  "Problem installing fixture '%s': object 2 (library.book:pk=1), "
                                  "field 'pages': Field 'pages' expected a number but got 'many'.",
                                  path));
    /* A number out of the field's range (it was cast to INT64_MIN). */
    write_text(path, dorm_sprintf(T.cx, "[%s, %s]", author, book(1, "1", "1e300")));
    cr_expect_lt(dorm_loaddata(T.cx, DORM_LIST(path), NULL), 0);
    cr_expect_str_eq(dorm_errmsg(T.cx),
                     dorm_sprintf(T.cx,
                                  "Problem installing fixture '%s': object 2 (library.book:pk=1), "
                                  "field 'pages': value 1e+300 is out of range for "
                                  "PositiveIntegerField (0 to 2147483647)",
                                  path));
    write_text(path, dorm_sprintf(T.cx, "[%s, %s]", author, book(1, "1", "3000000000")));
    cr_expect_lt(dorm_loaddata(T.cx, DORM_LIST(path), NULL), 0);
    cr_expect(strstr(dorm_errmsg(T.cx), "field 'pages': value 3000000000 is out of range"), "%s", dorm_errmsg(T.cx));
    write_text(path, dorm_sprintf(T.cx, "[%s, %s]", author, book(1, "1e300", "1")));
    cr_expect_lt(dorm_loaddata(T.cx, DORM_LIST(path), NULL), 0);
    cr_expect(strstr(dorm_errmsg(T.cx), "field 'author': value 1e+300 is out of range"), "%s", dorm_errmsg(T.cx));
    write_text(path, "[{\"model\": \"library.author\", \"pk\": 1, \"fields\": {\"name\": \"A\", \"nick\": \"x\"}}]");
    cr_expect_lt(dorm_loaddata(T.cx, DORM_LIST(path), NULL), 0);
    cr_expect_str_eq(dorm_errmsg(T.cx),
                     dorm_sprintf(T.cx,
                                  "Problem installing fixture '%s': object 1 (library.author:pk=1): "
                                  "Author has no field named 'nick'",
                                  path));
    write_text(path, "[{\"model\": \"library.author\",");
    cr_expect_lt(dorm_loaddata(T.cx, DORM_LIST(path), NULL), 0);
    const char *prefix = dorm_sprintf(T.cx, "Problem installing fixture '%s': ", path);
    cr_expect(strncmp(dorm_errmsg(T.cx), prefix, strlen(prefix)) == 0, "%s", dorm_errmsg(T.cx));
    cr_expect_lt(dorm_loaddata(T.cx, DORM_LIST(path_of("missing.json")), NULL), 0);
    cr_expect_str_eq(dorm_errmsg(T.cx), "No fixture named 'missing' found.");
    cr_expect_eq(dorm_count(dorm_all(T.cx, Author)), 0);
}

/* ---- a round trip with Django (needs python3-django) ---- */

static const char *django_script =
    "import os, sys\n"
    "sys.path.insert(0, os.environ['WORK'])\n"
    "import django\n"
    "from django.conf import settings\n"
    "settings.configure(INSTALLED_APPS=['library'], USE_TZ=True, DEFAULT_AUTO_FIELD='django.db.models.AutoField',\n"
    "    DATABASES={'default': {'ENGINE': 'django.db.backends.sqlite3', 'NAME': os.environ['DB']}})\n"
    "django.setup()\n"
    "from django.core.management import call_command\n"
    "from django.db import connection\n"
    "from library.models import Author, Book\n"
    "with connection.schema_editor() as se:\n"
    "    se.create_model(Author); se.create_model(Book)\n"
    "if sys.argv[1] == 'dump':\n"
    "    a = Author.objects.create(name='Jane Austen', birth_date='1775-12-16', biography='Caf\\u00e9 \"quoted\"')\n"
    "    b = Author.objects.create(name='Anon')\n"
    "    Book.objects.create(title='Emma', author=a, publication_date='1815-12-23', isbn='9780141439587', pages=474)\n"
    "    Book.objects.create(title='X', author=b, publication_date='2001-01-01', isbn='1', genre='NON')\n"
    "    call_command('dumpdata', 'library.author', 'library.book', output=sys.argv[2])\n"
    "else:\n"
    "    call_command('loaddata', sys.argv[2], verbosity=0)\n"
    "    print(Author.objects.count(), Book.objects.count(), Book.objects.get(isbn='1').author.name)\n";

static const char *django_models =
    "from django.db import models\n"
    "class Author(models.Model):\n"
    "    name = models.CharField(max_length=100)\n"
    "    birth_date = models.DateField(null=True, blank=True)\n"
    "    biography = models.TextField(blank=True)\n"
    "    class Meta:\n"
    "        ordering = ['name']\n"
    "        app_label = 'library'\n"
    "class Book(models.Model):\n"
    "    title = models.CharField(max_length=200)\n"
    "    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name='books')\n"
    "    publication_date = models.DateField()\n"
    "    isbn = models.CharField(max_length=13, unique=True)\n"
    "    genre = models.CharField(max_length=3, default='FIC')\n"
    "    pages = models.PositiveIntegerField(default=0)\n"
    "    class Meta:\n"
    "        ordering = ['-publication_date']\n"
    "        app_label = 'library'\n";

static int django(const char *what, const char *fixture, char *out, size_t outlen) {
    char cmd[512];
    const char *dir = path_of("");
    snprintf(cmd, sizeof cmd, "cd '%s' && WORK='%s' DB='%s/%s.db' /usr/bin/python3 script.py %s '%s' 2>&1", dir, dir,
             dir, what, what, fixture);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    size_t n = fread(out, 1, outlen - 1, p);
    out[n] = '\0';
    return pclose(p);
}

Test(manage, fixture_round_trip_with_django) {
    if (system("/usr/bin/python3 -c 'import django' >/dev/null 2>&1") != 0)
        cr_skip_test("python3-django is not installed: the Django round trip is skipped");
    cr_assert_eq(mkdir(path_of("library"), 0700), 0);
    write_text(path_of("library/__init__.py"), "");
    write_text(path_of("library/models.py"), django_models);
    write_text(path_of("script.py"), django_script);
    char out[2048];
    cr_assert_eq(django("dump", path_of("django.json"), out, sizeof out), 0, "%s", out);
    /* Django's fixture loads into dorm... */
    cr_assert_eq(dorm_loaddata(T.cx, DORM_LIST(path_of("django.json")), NULL), 0, "%s", dorm_errmsg(T.cx));
    Author *a = dorm_get(dorm_all(T.cx, Author), DQ("name", "Jane Austen"));
    cr_assert_not_null(a, "%s", dorm_errmsg(T.cx));
    cr_expect_str_eq(a->biography, "Caf\xc3\xa9 \"quoted\"");
    /* ...dumping it again gives the same fixture... */
    write_text(path_of("dorm.json"), dump(DORM_LIST("library.author", "library.book"), 0));
    json_error_t err;
    json_t *mine = json_load_file(path_of("dorm.json"), 0, &err),
           *theirs = json_load_file(path_of("django.json"), 0, &err);
    cr_assert(mine && theirs);
    cr_expect(json_equal(mine, theirs), "dorm:\n%s\ndjango:\n%s", json_dumps(mine, 0), json_dumps(theirs, 0));
    json_decref(mine);
    json_decref(theirs);
    /* ...and Django loads dorm's. */
    cr_assert_eq(django("load", path_of("dorm.json"), out, sizeof out), 0, "%s", out);
    cr_expect_str_eq(out, "2 2 Anon\n");
}
