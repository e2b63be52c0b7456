/* test_natural_keys.c - natural keys in fixtures: dumpdata --natural-foreign
 * and --natural-primary (byte for byte what Django 3.2 prints for the same
 * models and rows, see the Django models below), loaddata resolving natural
 * keys (forward references, rows matched by natural key, Django's
 * DeserializationError, nothing half-loaded), round trips, the checks. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "testdb.h"

/* Django's models of the expected outputs (app "shelf"):
 *   class Volume(Model): title = CharField(100); writer = ForeignKey('Writer', CASCADE)
 *       press = ForeignKey('Press', SET_NULL, null=True); labels = ManyToManyField('Label')
 *       cowriters = ManyToManyField('Writer', related_name='cowritten')
 *   class Press(Model): name, city = CharField(50) x2
 *       def natural_key(self): return (self.name, self.city)
 *       natural_key.dependencies = ['shelf.writer']
 *   class Label(Model): label = CharField(30)
 *   class Writer(Model): name = CharField(100, unique=True); born = DateField(null=True)
 *       def natural_key(self): return (self.name,)
 * with managers whose get_by_natural_key is get(name=..[, city=..]). */
typedef struct Writer {
    DORM_OBJECT;
    int64_t id;
    const char *name;
    dorm_date born;
} Writer;
typedef struct Press {
    DORM_OBJECT;
    int64_t id;
    const char *name;
    const char *city;
} Press;
typedef struct Label {
    DORM_OBJECT;
    int64_t id;
    const char *label;
} Label;
typedef struct Volume {
    DORM_OBJECT;
    int64_t id;
    const char *title;
    DORM_FK(Writer) writer;
    DORM_FK(Press) press;
} Volume;
static const dorm_model Writer_model;
static const dorm_model Press_model;
static const dorm_model Label_model;
static const dorm_model Volume_model;

static const dorm_field Volume_fields[] = {
    DORM_AUTO(Volume, id),
    DORM_CHAR(Volume, title, .max_length = 100),
    DORM_FOREIGN_KEY(Volume, writer, Writer, .on_delete = DORM_CASCADE),
    DORM_FOREIGN_KEY(Volume, press, Press, .on_delete = DORM_SET_NULL, .null = true),
    DORM_MANY_TO_MANY(Volume, labels, Label),
    DORM_MANY_TO_MANY(Volume, cowriters, Writer, .related_name = "cowritten"),
    DORM_END,
};
static const dorm_model Volume_model = DORM_MODEL(Volume, "shelf", Volume_fields);
static const dorm_field Press_fields[] = {DORM_AUTO(Press, id), DORM_CHAR(Press, name, .max_length = 50),
                                          DORM_CHAR(Press, city, .max_length = 50), DORM_END};
static const dorm_model Press_model = DORM_MODEL(Press, "shelf", Press_fields, .natural_key = DORM_LIST("name", "city"),
                                                 .natural_key_dependencies = DORM_LIST("shelf.writer"));
static const dorm_field Label_fields[] = {DORM_AUTO(Label, id), DORM_CHAR(Label, label, .max_length = 30), DORM_END};
static const dorm_model Label_model = DORM_MODEL(Label, "shelf", Label_fields);
static const dorm_field Writer_fields[] = {DORM_AUTO(Writer, id),
                                           DORM_CHAR(Writer, name, .max_length = 100, .unique = true),
                                           DORM_DATE(Writer, born, .null = true), DORM_END};
static const dorm_model Writer_model = DORM_MODEL(Writer, "shelf", Writer_fields, .natural_key = DORM_LIST("name"));

static const dorm_app shelf_app = {.label = "shelf",
                                   .models = DORM_MODELS(&Volume_model, &Press_model, &Label_model, &Writer_model)};

static void open_shelf(void) {
    test_db_open_apps((const dorm_app *const[]){&shelf_app, NULL});
    test_tmpdir_make("dorm-nk");
}

static void close_shelf(void) {
    test_tmpdir_remove();
    test_db_close();
}

TestSuite(natural_keys, .init = open_shelf, .fini = close_shelf);

static const char *const obrien = "O'Brien \"the elder\"";

/* The rows of Django's script: two writers, two presses, a label, two
 * volumes with many-to-manys. */
static void fill(void) {
    Writer *a = dorm_create(T.cx, Writer, .name = "Jane Austen", .born = dorm_date_ymd(1775, 12, 16));
    Writer *b = dorm_new(T.cx, Writer);
    cr_assert(a && b, "%s", dorm_errmsg(T.cx));
    b->name = obrien;
    dorm_set_null(b, born);
    cr_assert_eq(dorm_save(b), 0, "%s", dorm_errmsg(T.cx));
    Press *p1 = dorm_create(T.cx, Press, .name = "Penguin", .city = "London");
    cr_assert_not_null(dorm_create(T.cx, Press, .name = "Penguin", .city = "New York"));
    Label *t = dorm_create(T.cx, Label, .label = "classic");
    Volume *v1 = dorm_create(T.cx, Volume, .title = "Emma", .writer = {a->id, NULL}, .press = {p1->id, NULL});
    Volume *v2 = dorm_new(T.cx, Volume);
    cr_assert(p1 && t && v1 && v2, "%s", dorm_errmsg(T.cx));
    v2->title = "Untitled";
    v2->writer.id = b->id;
    dorm_set_null(v2, press);
    cr_assert_eq(dorm_save(v2), 0, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_related_add(v1, "labels", (void *const[]){t}, 1), 0, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_related_add(v1, "cowriters", (void *const[]){b}, 1), 0, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_related_add(v2, "cowriters", (void *const[]){a, b}, 2), 0, "%s", dorm_errmsg(T.cx));
}

static const char *dump_with(dorm_dumpdata_opts opts) {
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    int rc = dorm_dumpdata_with(T.cx, DORM_LIST("shelf"), &opts, out);
    fclose(out);
    cr_assert_eq(rc, 0, "%s", dorm_errmsg(T.cx));
    const char *r = dorm_strdup(T.cx, buf);
    free(buf);
    return r;
}

/* call_command('dumpdata', 'shelf', indent=2, use_natural_foreign_keys=True,
 * use_natural_primary_keys=True) */
static const char *const django_both_indent2 = "[\n"
                                               "{\n"
                                               "  \"model\": \"shelf.label\",\n"
                                               "  \"pk\": 1,\n"
                                               "  \"fields\": {\n"
                                               "    \"label\": \"classic\"\n"
                                               "  }\n"
                                               "},\n"
                                               "{\n"
                                               "  \"model\": \"shelf.writer\",\n"
                                               "  \"fields\": {\n"
                                               "    \"name\": \"Jane Austen\",\n"
                                               "    \"born\": \"1775-12-16\"\n"
                                               "  }\n"
                                               "},\n"
                                               "{\n"
                                               "  \"model\": \"shelf.writer\",\n"
                                               "  \"fields\": {\n"
                                               "    \"name\": \"O'Brien \\\"the elder\\\"\",\n"
                                               "    \"born\": null\n"
                                               "  }\n"
                                               "},\n"
                                               "{\n"
                                               "  \"model\": \"shelf.press\",\n"
                                               "  \"fields\": {\n"
                                               "    \"name\": \"Penguin\",\n"
                                               "    \"city\": \"London\"\n"
                                               "  }\n"
                                               "},\n"
                                               "{\n"
                                               "  \"model\": \"shelf.press\",\n"
                                               "  \"fields\": {\n"
                                               "    \"name\": \"Penguin\",\n"
                                               "    \"city\": \"New York\"\n"
                                               "  }\n"
                                               "},\n"
                                               "{\n"
                                               "  \"model\": \"shelf.volume\",\n"
                                               "  \"pk\": 1,\n"
                                               "  \"fields\": {\n"
                                               "    \"title\": \"Emma\",\n"
                                               "    \"writer\": [\n"
                                               "      \"Jane Austen\"\n"
                                               "    ],\n"
                                               "    \"press\": [\n"
                                               "      \"Penguin\",\n"
                                               "      \"London\"\n"
                                               "    ],\n"
                                               "    \"labels\": [\n"
                                               "      1\n"
                                               "    ],\n"
                                               "    \"cowriters\": [\n"
                                               "      [\n"
                                               "        \"O'Brien \\\"the elder\\\"\"\n"
                                               "      ]\n"
                                               "    ]\n"
                                               "  }\n"
                                               "},\n"
                                               "{\n"
                                               "  \"model\": \"shelf.volume\",\n"
                                               "  \"pk\": 2,\n"
                                               "  \"fields\": {\n"
                                               "    \"title\": \"Untitled\",\n"
                                               "    \"writer\": [\n"
                                               "      \"O'Brien \\\"the elder\\\"\"\n"
                                               "    ],\n"
                                               "    \"press\": null,\n"
                                               "    \"labels\": [],\n"
                                               "    \"cowriters\": [\n"
                                               "      [\n"
                                               "        \"Jane Austen\"\n"
                                               "      ],\n"
                                               "      [\n"
                                               "        \"O'Brien \\\"the elder\\\"\"\n"
                                               "      ]\n"
                                               "    ]\n"
                                               "  }\n"
                                               "}\n"
                                               "]\n";

/* call_command('dumpdata', 'shelf', use_natural_foreign_keys=True) (dorm
 * ends the text with a newline, as its other dumps). */
static const char *const django_foreign =
    "[{\"model\": \"shelf.label\", \"pk\": 1, \"fields\": {\"label\": \"classic\"}}, {\"model\": \"shelf.writer\", "
    "\"pk\": 1, \"fields\": {\"name\": \"Jane Austen\", \"born\": \"1775-12-16\"}}, {\"model\": \"shelf.writer\", "
    "\"pk\": 2, \"fields\": {\"name\": \"O'Brien \\\"the elder\\\"\", \"born\": null}}, {\"model\": \"shelf.press\", "
    "\"pk\": 1, \"fields\": {\"name\": \"Penguin\", \"city\": \"London\"}}, {\"model\": \"shelf.press\", \"pk\": 2, "
    "\"fields\": {\"name\": \"Penguin\", \"city\": \"New York\"}}, {\"model\": \"shelf.volume\", \"pk\": 1, "
    "\"fields\": {\"title\": \"Emma\", \"writer\": [\"Jane Austen\"], \"press\": [\"Penguin\", \"London\"], "
    "\"labels\": [1], \"cowriters\": [[\"O'Brien \\\"the elder\\\"\"]]}}, {\"model\": \"shelf.volume\", \"pk\": 2, "
    "\"fields\": {\"title\": \"Untitled\", \"writer\": [\"O'Brien \\\"the elder\\\"\"], \"press\": null, "
    "\"labels\": [], \"cowriters\": [[\"Jane Austen\"], [\"O'Brien \\\"the elder\\\"\"]]}}]\n";

Test(natural_keys, dumpdata_writes_what_django_writes) {
    fill();
    cr_expect_str_eq(dump_with((dorm_dumpdata_opts){.indent = 2, .natural_foreign = true, .natural_primary = true}),
                     django_both_indent2);
    cr_expect_str_eq(dump_with((dorm_dumpdata_opts){.natural_foreign = true}), django_foreign);
    /* Without the flags: keys, and the models in the app's order. */
    const char *plain = dump_with((dorm_dumpdata_opts){0});
    cr_expect(
        strncmp(plain,
                "[{\"model\": \"shelf.volume\", \"pk\": 1, \"fields\": {\"title\": \"Emma\", \"writer\": 1, "
                "\"press\": 1, \"labels\": [1], \"cowriters\": [2]}}",
                strlen("[{\"model\": \"shelf.volume\", \"pk\": 1, \"fields\": {\"title\": \"Emma\", \"writer\": 1, "
                       "\"press\": 1, \"labels\": [1], \"cowriters\": [2]}}")) == 0,
        "%s", plain);
}

static int load(const char *name) { return dorm_loaddata(T.cx, DORM_LIST(test_tmpdir_path(name)), NULL); }

/* Dumped with both flags, loaded into an empty database: the same rows
 * (writers and presses get keys of their own, every relation follows). */
Test(natural_keys, round_trip_into_an_empty_database) {
    fill();
    /* Values only: quotes, a backslash, SQL and unicode go through bound. */
    cr_assert_not_null(dorm_create(T.cx, Writer, .name = "Zo\xc3\xab '); DROP TABLE shelf_writer; -- \\ \xe6\x9d\xb1"));
    Writer *z = dorm_get(dorm_all(T.cx, Writer), DQ("name__startswith", "Zo"));
    cr_assert_not_null(z, "%s", dorm_errmsg(T.cx));
    cr_assert_not_null(dorm_create(T.cx, Press, .name = "\"; --", .city = "M\xc3\xbcnchen"));
    Volume *v = dorm_create(T.cx, Volume, .title = "Third", .writer = {z->id, NULL});
    cr_assert_not_null(v, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_related_add(v, "cowriters", (void *const[]){z}, 1), 0, "%s", dorm_errmsg(T.cx));
    dorm_dumpdata_opts both = {.indent = 2, .natural_foreign = true, .natural_primary = true};
    const char *first = dump_with(both);
    size_t n = strlen(first);
    char *copy = malloc(n + 1);
    memcpy(copy, first, n + 1);
    close_shelf();
    open_shelf();
    test_write_file("shelf.json", copy);
    cr_assert_eq(load("shelf.json"), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_str_eq(dump_with(both), copy);
    free(copy);
    Volume *third = dorm_get(dorm_all(T.cx, Volume), DQ("title", "Third"));
    cr_assert_not_null(third, "%s", dorm_errmsg(T.cx));
    Writer *w = dorm_get(dorm_all(T.cx, Writer), DQ("pk", third->writer.id));
    cr_assert_not_null(w, "%s", dorm_errmsg(T.cx));
    cr_expect_str_eq(w->name, "Zo\xc3\xab '); DROP TABLE shelf_writer; -- \\ \xe6\x9d\xb1");
    cr_expect_eq(dorm_count(dorm_all(T.cx, Writer)), 3);
    cr_expect_eq(dorm_count(dorm_all(T.cx, Press)), 3);
    cr_expect_eq(dorm_count(dorm_related(third, "cowriters")), 1);
}

/* An object without "pk" is the row with its natural key when there is one
 * (updated, its key kept), else a new row; keys may point forward to
 * objects later in the fixtures. */
Test(natural_keys, loaddata_matches_rows_by_natural_key) {
    Writer *a = dorm_create(T.cx, Writer, .name = "Jane Austen");
    cr_assert_not_null(a, "%s", dorm_errmsg(T.cx));
    int64_t jane = a->id;
    test_write_file(
        "f.json",
        "[{\"model\": \"shelf.volume\", \"pk\": 7, \"fields\": {\"title\": \"Emma\", \"writer\": [\"Jane "
        "Austen\"], \"press\": [\"P\", \"Q\"], \"labels\": [], \"cowriters\": [[\"Bob\"], [\"Jane Austen\"]]}},"
        " {\"model\": \"shelf.press\", \"fields\": {\"name\": \"P\", \"city\": \"Q\"}},"
        " {\"model\": \"shelf.writer\", \"fields\": {\"name\": \"Jane Austen\", \"born\": \"1775-12-16\"}},"
        " {\"model\": \"shelf.writer\", \"fields\": {\"name\": \"Bob\"}}]");
    cr_assert_eq(load("f.json"), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(dorm_count(dorm_all(T.cx, Writer)), 2);
    Writer *again = dorm_get(dorm_all(T.cx, Writer), DQ("name", "Jane Austen"));
    cr_assert_not_null(again, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(again->id, jane);
    cr_expect_eq(again->born.year, 1775);
    Volume *v = dorm_get(dorm_all(T.cx, Volume), DQ("pk", 7));
    cr_assert_not_null(v, "%s", dorm_errmsg(T.cx));
    Press *p = dorm_get(dorm_all(T.cx, Press), DQ("name", "P"));
    cr_assert_not_null(p, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(v->writer.id, jane);
    cr_expect_eq(v->press.id, p->id);
    cr_expect_eq(dorm_count(dorm_related(v, "cowriters")), 2);
}

/* A natural key naming no row: Django's DeserializationError, and nothing
 * of the fixture stays. */
Test(natural_keys, loaddata_errors_leave_nothing) {
    cr_assert_not_null(dorm_create(T.cx, Writer, .name = "Jane Austen"));
    test_write_file("press.json",
                    "[{\"model\": \"shelf.label\", \"pk\": 1, \"fields\": {\"label\": \"x\"}},"
                    " {\"model\": \"shelf.volume\", \"pk\": 1, \"fields\": {\"title\": \"Emma\", \"writer\":"
                    " [\"Jane Austen\"], \"press\": [\"X\", \"Y\"], \"labels\": [], \"cowriters\": []}}]");
    cr_expect_lt(load("press.json"), 0);
    cr_expect_str_eq(dorm_errmsg(T.cx),
                     "Press matching query does not exist.: (shelf.volume:pk=1) field_value was '['X', 'Y']'");
    test_write_file("m2m.json",
                    "[{\"model\": \"shelf.label\", \"pk\": 1, \"fields\": {\"label\": \"x\"}},"
                    " {\"model\": \"shelf.volume\", \"pk\": 1, \"fields\": {\"title\": \"Emma\", \"writer\":"
                    " [\"Jane Austen\"], \"press\": null, \"labels\": [], \"cowriters\": [[\"Jane Austen\"],"
                    " [\"No'body\"]]}}]");
    cr_expect_lt(load("m2m.json"), 0);
    cr_expect_str_eq(dorm_errmsg(T.cx),
                     "Writer matching query does not exist.: (shelf.volume:pk=1) field_value was '[\"No'body\"]'");
    test_write_file("count.json",
                    "[{\"model\": \"shelf.volume\", \"pk\": 1, \"fields\": {\"title\": \"Emma\", \"writer\":"
                    " [\"Jane Austen\", \"x\"]}}]");
    cr_expect_lt(load("count.json"), 0);
    char want[512];
    snprintf(want, sizeof want,
             "Problem installing fixture '%s': object 1 (shelf.volume:pk=1), field 'writer': The natural key of "
             "Writer has 1 value(s); 2 were given.",
             test_tmpdir_path("count.json"));
    cr_expect_str_eq(dorm_errmsg(T.cx), want);
    cr_expect_eq(dorm_count(dorm_all(T.cx, Label)), 0);
    cr_expect_eq(dorm_count(dorm_all(T.cx, Volume)), 0);
    cr_expect_eq(dorm_count(dorm_all(T.cx, Writer)), 1);
}

/* Meta natural_key names the model's fields, a relation not leading back to
 * the model; its dependencies name models. */
typedef struct Badly {
    DORM_OBJECT;
    int64_t id;
    const char *name;
    DORM_FK(Badly) parent;
} Badly;
static const dorm_model Badly_model;
static const dorm_field Badly_fields[] = {
    DORM_AUTO(Badly, id), DORM_CHAR(Badly, name, .max_length = 10),
    DORM_FOREIGN_KEY(Badly, parent, Badly, .on_delete = DORM_CASCADE, .null = true), DORM_END};
static const dorm_model Badly_model =
    DORM_MODEL(Badly, "library", Badly_fields, .natural_key = DORM_LIST("name", "nope", "parent"),
               .natural_key_dependencies = DORM_LIST("library.Badly", "library.Gone", "nodot"));

Test(natural_keys, checks_refuse_what_is_not_a_field_or_model) {
    test_expect_messages(
        DORM_MODELS(&Badly_model),
        DORM_LIST("library.Badly: (dorm.E038) 'natural_key' refers to the nonexistent field 'nope'.",
                  "library.Badly: (dorm.E038) 'natural_key' refers to the relation field 'parent', whose natural "
                  "key refers back to 'library.Badly'.",
                  "library.Badly: (dorm.E038) 'natural_key_dependencies' refers to the unknown model 'library.Gone'.",
                  "library.Badly: (dorm.E038) 'natural_key_dependencies' refers to the unknown model 'nodot'."));
}

/* A key given as the natural key of an object later in the fixtures is set
 * once that one is in, a key that may not be NULL too (Django 3.2 fails
 * there: it saves the object with the key NULL first). */
Test(natural_keys, loaddata_natural_keys_may_point_forward) {
    test_write_file("f.json",
                    "[{\"model\": \"shelf.volume\", \"pk\": 1, \"fields\": {\"title\": \"Emma\", \"writer\":"
                    " [\"Bob\"], \"press\": null, \"labels\": [], \"cowriters\": []}},"
                    " {\"model\": \"shelf.writer\", \"fields\": {\"name\": \"Bob\"}}]");
    cr_assert_eq(load("f.json"), 0, "%s", dorm_errmsg(T.cx));
    Volume *v = dorm_get(dorm_all(T.cx, Volume), DQ("pk", 1));
    Writer *bob = dorm_get(dorm_all(T.cx, Writer), DQ("name", "Bob"));
    cr_assert(v && bob, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(v->writer.id, bob->id);
}

/* Django's sort_dependencies with a cycle (A and B wait for each other):
 * the last model skipped goes first.  Django's models: C(a=ForeignKey(A)),
 * A and B with natural_key (name,) and dependencies ['loop.b'] / ['loop.a']. */
typedef struct A {
    DORM_OBJECT;
    int64_t id;
    const char *name;
} A;
typedef struct B {
    DORM_OBJECT;
    int64_t id;
    const char *name;
} B;
typedef struct C {
    DORM_OBJECT;
    int64_t id;
    DORM_FK(A) a;
} C;
static const dorm_model A_model, B_model, C_model;
static const dorm_field A_fields[] = {DORM_AUTO(A, id), DORM_CHAR(A, name, .max_length = 10), DORM_END};
static const dorm_field B_fields[] = {DORM_AUTO(B, id), DORM_CHAR(B, name, .max_length = 10), DORM_END};
static const dorm_field C_fields[] = {DORM_AUTO(C, id), DORM_FOREIGN_KEY(C, a, A, .on_delete = DORM_CASCADE), DORM_END};
static const dorm_model C_model = DORM_MODEL(C, "loop", C_fields);
static const dorm_model A_model =
    DORM_MODEL(A, "loop", A_fields, .natural_key = DORM_LIST("name"), .natural_key_dependencies = DORM_LIST("loop.b"));
static const dorm_model B_model =
    DORM_MODEL(B, "loop", B_fields, .natural_key = DORM_LIST("name"), .natural_key_dependencies = DORM_LIST("loop.a"));
static const dorm_app loop_app = {.label = "loop", .models = DORM_MODELS(&C_model, &A_model, &B_model)};

Test(natural_keys, a_cycle_is_broken_as_django_breaks_it) {
    test_db_close();
    test_db_open_apps((const dorm_app *const[]){&loop_app, NULL});
    A *a = dorm_new(T.cx, A);
    B *b = dorm_new(T.cx, B);
    C *c = dorm_new(T.cx, C);
    cr_assert(a && b && c);
    a->name = "a";
    b->name = "b";
    cr_assert(dorm_save(a) == 0 && dorm_save(b) == 0, "%s", dorm_errmsg(T.cx));
    c->a.id = a->id;
    cr_assert_eq(dorm_save(c), 0, "%s", dorm_errmsg(T.cx));
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    int rc = dorm_dumpdata_with(T.cx, DORM_LIST("loop"),
                                &(dorm_dumpdata_opts){.natural_foreign = true, .natural_primary = true}, out);
    fclose(out);
    cr_expect_eq(rc, 0, "%s", dorm_errmsg(T.cx));
    cr_expect_str_eq(buf,
                     "[{\"model\": \"loop.b\", \"fields\": {\"name\": \"b\"}}, {\"model\": \"loop.a\", "
                     "\"fields\": {\"name\": \"a\"}}, {\"model\": \"loop.c\", \"pk\": 1, \"fields\": {\"a\": "
                     "[\"a\"]}}]\n");
    free(buf);
}

/* `manage dumpdata --natural-foreign --natural-primary` (on an SQLite file
 * the command opens itself). */
Test(natural_keys, manage_dumpdata_takes_the_flags) {
    char url[600];
    snprintf(url, sizeof url, "sqlite:///%s", test_tmpdir_path("cli.db"));
    dorm_db *db = dorm_db_open(url, T.reg);
    cr_assert_not_null(db);
    dorm_ctx *saved = T.cx;
    T.cx = dorm_ctx_new(db);
    cr_assert_eq(dorm_create_all(T.cx), 0, "%s", dorm_errmsg(T.cx));
    fill();
    dorm_ctx_free(T.cx);
    T.cx = saved;
    dorm_db_close(db);
    const char *out = test_tmpdir_path("cli.json");
    const char *args[] = {
        "dumpdata", "--database", url, "--natural-foreign", "--natural-primary", "--indent", "2", "-o",
        out,        "shelf",      NULL};
    cr_assert_eq(dorm_manage(10, (char **)args, (const dorm_app *const[]){&shelf_app, NULL}), 0);
    const char *text = test_read_file(out);
    cr_assert_not_null(text);
    cr_expect_str_eq(text, django_both_indent2);
}

/* Django's JSON serializer writes unicode as it is (ensure_ascii=False),
 * escaping control characters only.  Django: Label(label='Zo\u00eb \u6771
 * \u2028 \x1f\t/'), Writer(name='\u6771\u4eac "x"'), dumpdata shelf.label
 * shelf.writer with both flags. */
Test(natural_keys, dumpdata_writes_unicode_as_django) {
    cr_assert_not_null(dorm_create(T.cx, Label, .label = "Zo\xc3\xab \xe6\x9d\xb1 \xe2\x80\xa8 \x1f\t/"));
    Writer *w = dorm_new(T.cx, Writer);
    cr_assert_not_null(w);
    w->name = "\xe6\x9d\xb1\xe4\xba\xac \"x\"";
    dorm_set_null(w, born);
    cr_assert_eq(dorm_save(w), 0, "%s", dorm_errmsg(T.cx));
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    int rc = dorm_dumpdata_with(T.cx, DORM_LIST("shelf.label", "shelf.writer"),
                                &(dorm_dumpdata_opts){.natural_foreign = true, .natural_primary = true}, out);
    fclose(out);
    cr_expect_eq(rc, 0, "%s", dorm_errmsg(T.cx));
    cr_expect_str_eq(buf,
                     "[{\"model\": \"shelf.label\", \"pk\": 1, \"fields\": {\"label\": \"Zo\xc3\xab \xe6\x9d\xb1 "
                     "\xe2\x80\xa8 \\u001f\\t/\"}}, {\"model\": \"shelf.writer\", \"fields\": {\"name\": "
                     "\"\xe6\x9d\xb1\xe4\xba\xac \\\"x\\\"\", \"born\": null}}]\n");
    free(buf);
}
