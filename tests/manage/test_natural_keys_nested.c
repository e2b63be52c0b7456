/* test_natural_keys_nested.c - natural keys naming relations (the target's
 * natural key flattened in, as Django's `(self.title,) +
 * self.author.natural_key()`) and natural keys inherited from an abstract
 * base, a concrete parent or a proxied model: Django 3.2's dumpdata output
 * byte for byte, loaddata, round trips, the checks. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "testdb.h"

static const char *dump_apps(const char *const *labels, dorm_dumpdata_opts opts) {
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    int rc = dorm_dumpdata_with(T.cx, labels, &opts, out);
    fclose(out);
    cr_assert_eq(rc, 0, "%s", dorm_errmsg(T.cx));
    const char *r = dorm_strdup(T.cx, buf);
    free(buf);
    return r;
}

static int load(const char *name) { return dorm_loaddata(T.cx, DORM_LIST(test_tmpdir_path(name)), NULL); }

/* A multi-table child without its key keeps its link to the parent (as the
 * parent's natural key), and loads back.  Django's models: Person(name
 * unique, natural_key (name,)), Staff(Person) with role; dumpdata club with
 * both flags. */
typedef struct Person {
    DORM_OBJECT;
    int64_t id;
    const char *name;
} Person;
typedef struct Staff {
    DORM_OBJECT;
    Person person;
    DORM_FK(Person) person_ptr;
    const char *role;
} Staff;
static const dorm_model Person_model, Staff_model;
static const dorm_field Person_fields[] = {DORM_AUTO(Person, id),
                                           DORM_CHAR(Person, name, .max_length = 50, .unique = true), DORM_END};
static const dorm_model Person_model = DORM_MODEL(Person, "club", Person_fields, .natural_key = DORM_LIST("name"));
static const dorm_field Staff_fields[] = {DORM_PARENT(Staff, person, Person),
                                          DORM_PARENT_LINK(Staff, person_ptr, Person),
                                          DORM_CHAR(Staff, role, .max_length = 50), DORM_END};
static const dorm_model Staff_model = DORM_MODEL(Staff, "club", Staff_fields, .natural_key = DORM_LIST("name"));
static const dorm_app club_app = {.label = "club", .models = DORM_MODELS(&Person_model, &Staff_model)};

/* Each test opens the apps it needs over this one. */
static void open_club(void) {
    test_db_open_apps((const dorm_app *const[]){&club_app, NULL});
    test_tmpdir_make("dorm-nk2");
}

static void close_db(void) {
    test_tmpdir_remove();
    test_db_close();
}

TestSuite(natural_keys, .init = open_club, .fini = close_db);

Test(natural_keys, a_child_keeps_its_parent_link) {
    cr_assert_not_null(dorm_create(T.cx, Person, .name = "Bob"));
    Staff *ann = dorm_new(T.cx, Staff);
    cr_assert_not_null(ann);
    ann->person.name = "Ann";
    ann->role = "chair";
    cr_assert_eq(dorm_save(ann), 0, "%s", dorm_errmsg(T.cx));
    const char *django = "[{\"model\": \"club.person\", \"fields\": {\"name\": \"Bob\"}}, {\"model\": \"club.person\", "
                         "\"fields\": {\"name\": \"Ann\"}}, {\"model\": \"club.staff\", \"fields\": {\"person_ptr\": "
                         "[\"Ann\"], \"role\": \"chair\"}}]\n";
    cr_expect_str_eq(
        dump_apps(DORM_LIST("club"), (dorm_dumpdata_opts){.natural_foreign = true, .natural_primary = true}), django);
    test_write_file("club.json", django);
    cr_assert_eq(dorm_qs_delete(dorm_all(T.cx, Person), NULL), 0, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_count(dorm_all(T.cx, Staff)), 0);
    cr_assert_eq(load("club.json"), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(dorm_count(dorm_all(T.cx, Person)), 2);
    Staff *again = dorm_get(dorm_all(T.cx, Staff), DQ("name", "Ann"));
    cr_assert_not_null(again, "%s", dorm_errmsg(T.cx));
    cr_expect_str_eq(again->role, "chair");
    cr_expect_str_eq(
        dump_apps(DORM_LIST("club"), (dorm_dumpdata_opts){.natural_foreign = true, .natural_primary = true}), django);
}

/* A natural key naming a relation: the target's natural key flattened into
 * it.  Django's models (app "nest"): Poet(name unique; natural_key
 * (name,)), Novel(title, author FK; natural_key (title,) +
 * author.natural_key(), dependencies ['nest.poet']), Chapter(number, book
 * FK; (number,) + book.natural_key()), Note(text, chapter FK null), with
 * managers whose get_by_natural_key(title, *author) looks the author up by
 * its own. */
typedef struct Poet {
    DORM_OBJECT;
    int64_t id;
    const char *name;
} Poet;
typedef struct Novel {
    DORM_OBJECT;
    int64_t id;
    const char *title;
    DORM_FK(Poet) author;
} Novel;
typedef struct Chapter {
    DORM_OBJECT;
    int64_t id;
    int32_t number;
    DORM_FK(Novel) book;
} Chapter;
typedef struct Note {
    DORM_OBJECT;
    int64_t id;
    const char *text;
    DORM_FK(Chapter) chapter;
} Note;
static const dorm_model Poet_model, Novel_model, Chapter_model, Note_model;
static const dorm_field Poet_fields[] = {DORM_AUTO(Poet, id), DORM_CHAR(Poet, name, .max_length = 100, .unique = true),
                                         DORM_END};
static const dorm_model Poet_model = DORM_MODEL(Poet, "nest", Poet_fields, .natural_key = DORM_LIST("name"));
static const dorm_field Novel_fields[] = {DORM_AUTO(Novel, id), DORM_CHAR(Novel, title, .max_length = 100),
                                          DORM_FOREIGN_KEY(Novel, author, Poet, .on_delete = DORM_CASCADE), DORM_END};
static const dorm_model Novel_model =
    DORM_MODEL(Novel, "nest", Novel_fields, .natural_key = DORM_LIST("title", "author"),
               .natural_key_dependencies = DORM_LIST("nest.poet"));
static const dorm_field Chapter_fields[] = {DORM_AUTO(Chapter, id), DORM_INT(Chapter, number),
                                            DORM_FOREIGN_KEY(Chapter, book, Novel, .on_delete = DORM_CASCADE),
                                            DORM_END};
static const dorm_model Chapter_model =
    DORM_MODEL(Chapter, "nest", Chapter_fields, .natural_key = DORM_LIST("number", "book"));
static const dorm_field Note_fields[] = {
    DORM_AUTO(Note, id), DORM_CHAR(Note, text, .max_length = 100),
    DORM_FOREIGN_KEY(Note, chapter, Chapter, .on_delete = DORM_CASCADE, .null = true), DORM_END};
static const dorm_model Note_model = DORM_MODEL(Note, "nest", Note_fields);
static const dorm_app nest_app = {.label = "nest",
                                  .models = DORM_MODELS(&Poet_model, &Novel_model, &Chapter_model, &Note_model)};

/* Django's rows: two authors, a book "Emma" by each, a chapter of Jane's,
 * a note on it and one on no chapter. */
static void fill_nest(void) {
    test_db_close();
    test_db_open_apps((const dorm_app *const[]){&nest_app, NULL});
    Poet *a = dorm_create(T.cx, Poet, .name = "Jane \"A\"");
    Poet *b = dorm_create(T.cx, Poet, .name = "Bob");
    cr_assert(a && b, "%s", dorm_errmsg(T.cx));
    Novel *emma = dorm_create(T.cx, Novel, .title = "Emma", .author = {a->id, NULL});
    cr_assert_not_null(emma, "%s", dorm_errmsg(T.cx));
    cr_assert_not_null(dorm_create(T.cx, Novel, .title = "Emma", .author = {b->id, NULL}), "%s", dorm_errmsg(T.cx));
    Chapter *c = dorm_create(T.cx, Chapter, .number = 3, .book = {emma->id, NULL});
    cr_assert_not_null(c, "%s", dorm_errmsg(T.cx));
    cr_assert_not_null(dorm_create(T.cx, Note, .text = "n", .chapter = {c->id, NULL}), "%s", dorm_errmsg(T.cx));
    Note *m = dorm_new(T.cx, Note);
    cr_assert_not_null(m);
    m->text = "m";
    dorm_set_null(m, chapter);
    cr_assert_eq(dorm_save(m), 0, "%s", dorm_errmsg(T.cx));
}

/* call_command('dumpdata', 'nest', use_natural_foreign_keys=True[,
 * use_natural_primary_keys=True]) */
static const char *const django_nest_foreign =
    "[{\"model\": \"nest.poet\", \"pk\": 1, \"fields\": {\"name\": \"Jane \\\"A\\\"\"}}, {\"model\": "
    "\"nest.poet\", \"pk\": 2, \"fields\": {\"name\": \"Bob\"}}, {\"model\": \"nest.novel\", \"pk\": 1, \"fields\": "
    "{\"title\": \"Emma\", \"author\": [\"Jane \\\"A\\\"\"]}}, {\"model\": \"nest.novel\", \"pk\": 2, \"fields\": "
    "{\"title\": \"Emma\", \"author\": [\"Bob\"]}}, {\"model\": \"nest.chapter\", \"pk\": 1, \"fields\": {\"number\": "
    "3, \"book\": [\"Emma\", \"Jane \\\"A\\\"\"]}}, {\"model\": \"nest.note\", \"pk\": 1, \"fields\": {\"text\": "
    "\"n\", \"chapter\": [3, \"Emma\", \"Jane \\\"A\\\"\"]}}, {\"model\": \"nest.note\", \"pk\": 2, \"fields\": "
    "{\"text\": \"m\", \"chapter\": null}}]\n";
static const char *const django_nest_both =
    "[{\"model\": \"nest.poet\", \"fields\": {\"name\": \"Jane \\\"A\\\"\"}}, {\"model\": \"nest.poet\", "
    "\"fields\": {\"name\": \"Bob\"}}, {\"model\": \"nest.novel\", \"fields\": {\"title\": \"Emma\", \"author\": "
    "[\"Jane \\\"A\\\"\"]}}, {\"model\": \"nest.novel\", \"fields\": {\"title\": \"Emma\", \"author\": [\"Bob\"]}}, "
    "{\"model\": \"nest.chapter\", \"fields\": {\"number\": 3, \"book\": [\"Emma\", \"Jane \\\"A\\\"\"]}}, "
    "{\"model\": \"nest.note\", \"pk\": 1, \"fields\": {\"text\": \"n\", \"chapter\": [3, \"Emma\", \"Jane "
    "\\\"A\\\"\"]}}, {\"model\": \"nest.note\", \"pk\": 2, \"fields\": {\"text\": \"m\", \"chapter\": null}}]\n";

Test(natural_keys, a_key_naming_a_relation_is_written_as_django_writes_it) {
    fill_nest();
    cr_expect_str_eq(dump_apps(DORM_LIST("nest"), (dorm_dumpdata_opts){.natural_foreign = true}), django_nest_foreign);
    cr_expect_str_eq(
        dump_apps(DORM_LIST("nest"), (dorm_dumpdata_opts){.natural_foreign = true, .natural_primary = true}),
        django_nest_both);
}

/* Loaded into an empty database, each level found by its own natural key;
 * the same fixture loads back over its rows (matched, not doubled), and in
 * reverse order too (every key then points forward). */
Test(natural_keys, a_key_naming_a_relation_round_trips) {
    fill_nest();
    test_write_file("nest.json", django_nest_both);
    cr_assert_eq(load("nest.json"), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(dorm_count(dorm_all(T.cx, Novel)), 2);
    cr_expect_eq(dorm_count(dorm_all(T.cx, Chapter)), 1);
    cr_assert_eq(dorm_qs_delete(dorm_all(T.cx, Poet), NULL), 0, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_qs_delete(dorm_all(T.cx, Note), NULL), 0, "%s", dorm_errmsg(T.cx));
    test_write_file(
        "reversed.json",
        "[{\"model\": \"nest.note\", \"pk\": 1, \"fields\": {\"text\": \"n\", \"chapter\": [3, \"Emma\", "
        "\"Jane \\\"A\\\"\"]}}, {\"model\": \"nest.chapter\", \"fields\": {\"number\": 3, \"book\": "
        "[\"Emma\", \"Jane \\\"A\\\"\"]}}, {\"model\": \"nest.novel\", \"fields\": {\"title\": \"Emma\", "
        "\"author\": [\"Bob\"]}}, {\"model\": \"nest.novel\", \"fields\": {\"title\": \"Emma\", \"author\": "
        "[\"Jane \\\"A\\\"\"]}}, {\"model\": \"nest.poet\", \"fields\": {\"name\": \"Bob\"}}, {\"model\": "
        "\"nest.poet\", \"fields\": {\"name\": \"Jane \\\"A\\\"\"}}]");
    cr_assert_eq(load("reversed.json"), 0, "%s", dorm_errmsg(T.cx));
    Note *n = dorm_get(dorm_all(T.cx, Note), DQ("pk", 1));
    cr_assert_not_null(n, "%s", dorm_errmsg(T.cx));
    Chapter *c = dorm_get(dorm_all(T.cx, Chapter), DQ("pk", n->chapter.id));
    cr_assert_not_null(c, "%s", dorm_errmsg(T.cx));
    Novel *b = dorm_get(dorm_all(T.cx, Novel), DQ("pk", c->book.id));
    cr_assert_not_null(b, "%s", dorm_errmsg(T.cx));
    Poet *a = dorm_get(dorm_all(T.cx, Poet), DQ("pk", b->author.id));
    cr_assert_not_null(a, "%s", dorm_errmsg(T.cx));
    cr_expect_str_eq(a->name, "Jane \"A\"");
    cr_expect_eq(dorm_count(dorm_all(T.cx, Novel)), 2);
    cr_expect_str_eq(dump_apps(DORM_LIST("nest.poet", "nest.novel", "nest.chapter"),
                               (dorm_dumpdata_opts){.natural_foreign = true, .natural_primary = true}),
                     "[{\"model\": \"nest.poet\", \"fields\": {\"name\": \"Bob\"}}, {\"model\": \"nest.poet\", "
                     "\"fields\": {\"name\": \"Jane \\\"A\\\"\"}}, {\"model\": \"nest.novel\", \"fields\": {\"title\": "
                     "\"Emma\", \"author\": [\"Bob\"]}}, {\"model\": \"nest.novel\", \"fields\": {\"title\": \"Emma\", "
                     "\"author\": [\"Jane \\\"A\\\"\"]}}, {\"model\": \"nest.chapter\", \"fields\": {\"number\": 3, "
                     "\"book\": [\"Emma\", \"Jane \\\"A\\\"\"]}}]\n");
}

/* A nested key naming no row is Django's DeserializationError with the
 * innermost model's DoesNotExist; a key of the wrong length names the
 * flattened count; nothing of the fixture stays. */
Test(natural_keys, a_nested_key_naming_no_row_fails_as_django) {
    fill_nest();
    test_write_file("nobody.json",
                    "[{\"model\": \"nest.note\", \"pk\": 9, \"fields\": {\"text\": \"n\", \"chapter\": "
                    "[3, \"Emma\", \"Nobody\"]}}]");
    cr_expect_lt(load("nobody.json"), 0);
    cr_expect_str_eq(dorm_errmsg(T.cx),
                     "Poet matching query does not exist.: (nest.note:pk=9) field_value was '[3, 'Emma', "
                     "'Nobody']'");
    test_write_file(
        "short.json",
        "[{\"model\": \"nest.note\", \"pk\": 9, \"fields\": {\"text\": \"n\", \"chapter\": [3, \"Emma\"]}}]");
    cr_expect_lt(load("short.json"), 0);
    char want[512];
    snprintf(want, sizeof want,
             "Problem installing fixture '%s': object 1 (nest.note:pk=9), field 'chapter': The natural key of "
             "Chapter has 3 value(s); 2 were given.",
             test_tmpdir_path("short.json"));
    cr_expect_str_eq(dorm_errmsg(T.cx), want);
    cr_expect_eq(dorm_count(dorm_all(T.cx, Note)), 2);
}

/* Inherited natural keys: Django inherits natural_key() from an abstract
 * base, and natural_key() and the manager (get_by_natural_key) from a
 * concrete parent, the proxied model's for a proxy.  Django's models (app
 * "guild", club.Person as above without Staff): Named(abstract; name
 * unique; natural_key (name,)), Tag(Named), Member(Person; rank),
 * Guest(Person, proxy), Badge(member, tag, guest FKs, the last with
 * related_name "guest_badges"); dumpdata club guild
 * with both flags. */
typedef struct Named {
    const char *name;
} Named;
typedef struct Tag {
    DORM_OBJECT;
    int64_t id;
    Named named;
} Tag;
typedef struct Member {
    DORM_OBJECT;
    Person person;
    DORM_FK(Person) person_ptr;
    int32_t rank;
} Member;
typedef struct Guest {
    DORM_OBJECT;
    Person person;
} Guest;
typedef struct Badge {
    DORM_OBJECT;
    int64_t id;
    DORM_FK(Member) member;
    DORM_FK(Tag) tag;
    DORM_FK(Guest) guest;
} Badge;
static const dorm_model Named_model, Tag_model, Member_model, Guest_model, Badge_model;
static const dorm_field Named_fields[] = {DORM_CHAR(Named, name, .max_length = 50, .unique = true), DORM_END};
static const dorm_model Named_model =
    DORM_MODEL(Named, "guild", Named_fields, .abstract = true, .natural_key = DORM_LIST("name"));
static const dorm_field Tag_fields[] = {DORM_AUTO(Tag, id), DORM_PARENT(Tag, named, Named), DORM_END};
static const dorm_model Tag_model = DORM_MODEL(Tag, "guild", Tag_fields);
static const dorm_field Member_fields[] = {DORM_PARENT(Member, person, Person),
                                           DORM_PARENT_LINK(Member, person_ptr, Person), DORM_INT(Member, rank),
                                           DORM_END};
static const dorm_model Member_model = DORM_MODEL(Member, "guild", Member_fields);
static const dorm_field Guest_fields[] = {DORM_PARENT(Guest, person, Person), DORM_END};
static const dorm_model Guest_model = DORM_MODEL(Guest, "guild", Guest_fields, .proxy = true);
static const dorm_field Badge_fields[] = {
    DORM_AUTO(Badge, id), DORM_FOREIGN_KEY(Badge, member, Member, .on_delete = DORM_CASCADE),
    DORM_FOREIGN_KEY(Badge, tag, Tag, .on_delete = DORM_CASCADE),
    DORM_FOREIGN_KEY(Badge, guest, Guest, .on_delete = DORM_CASCADE, .related_name = "guest_badges"), DORM_END};
static const dorm_model Badge_model = DORM_MODEL(Badge, "guild", Badge_fields);
static const dorm_app guild_app = {.label = "guild",
                                   .models = DORM_MODELS(&Tag_model, &Member_model, &Guest_model, &Badge_model)};

static const char *const django_guild =
    "[{\"model\": \"club.person\", \"fields\": {\"name\": \"Bob\"}}, {\"model\": \"club.person\", \"fields\": "
    "{\"name\": \"Ann\"}}, {\"model\": \"club.person\", \"fields\": {\"name\": \"Gus\"}}, {\"model\": \"guild.tag\", "
    "\"fields\": {\"name\": \"red\"}}, {\"model\": \"guild.member\", \"fields\": {\"person_ptr\": [\"Ann\"], "
    "\"rank\": 2}}, {\"model\": \"guild.badge\", \"pk\": 1, \"fields\": {\"member\": [\"Ann\"], \"tag\": "
    "[\"red\"], \"guest\": [\"Gus\"]}}]\n";

Test(natural_keys, natural_keys_are_inherited_as_django_inherits_them) {
    test_db_close();
    test_db_open_apps((const dorm_app *const[]){&club_app, &guild_app, NULL});
    cr_assert_not_null(dorm_create(T.cx, Person, .name = "Bob"));
    Member *ann = dorm_new(T.cx, Member);
    Guest *gus = dorm_new(T.cx, Guest);
    Tag *red = dorm_new(T.cx, Tag);
    cr_assert(ann && gus && red);
    ann->person.name = "Ann";
    ann->rank = 2;
    gus->person.name = "Gus";
    red->named.name = "red";
    cr_assert(dorm_save(ann) == 0 && dorm_save(gus) == 0 && dorm_save(red) == 0, "%s", dorm_errmsg(T.cx));
    Badge *b = dorm_create(T.cx, Badge, .member = {ann->person.id, NULL}, .tag = {red->id, NULL},
                           .guest = {gus->person.id, NULL});
    cr_assert_not_null(b, "%s", dorm_errmsg(T.cx));
    dorm_dumpdata_opts both = {.natural_foreign = true, .natural_primary = true};
    cr_expect_str_eq(dump_apps(DORM_LIST("club", "guild"), both), django_guild);
    test_write_file("guild.json", django_guild);
    cr_assert_eq(dorm_qs_delete(dorm_all(T.cx, Person), NULL), 0, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_qs_delete(dorm_all(T.cx, Tag), NULL), 0, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(load("guild.json"), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(dorm_count(dorm_all(T.cx, Member)), 1);
    cr_expect_str_eq(dump_apps(DORM_LIST("club", "guild"), both), django_guild);
    /* The same fixture again: every row matched by its inherited key. */
    cr_assert_eq(load("guild.json"), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(dorm_count(dorm_all(T.cx, Person)), 3);
    cr_expect_eq(dorm_count(dorm_all(T.cx, Tag)), 1);
}

/* A key naming a relation: its target must have a natural key, and the
 * target's key must not lead back to the model. */
typedef struct Plain {
    DORM_OBJECT;
    int64_t id;
} Plain;
typedef struct Pointing {
    DORM_OBJECT;
    int64_t id;
    DORM_FK(Plain) plain;
} Pointing;
static const dorm_model Plain_model, Pointing_model;
static const dorm_field Plain_fields[] = {DORM_AUTO(Plain, id), DORM_END};
static const dorm_model Plain_model = DORM_MODEL(Plain, "library", Plain_fields);
static const dorm_field Pointing_fields[] = {
    DORM_AUTO(Pointing, id), DORM_FOREIGN_KEY(Pointing, plain, Plain, .on_delete = DORM_CASCADE), DORM_END};
static const dorm_model Pointing_model =
    DORM_MODEL(Pointing, "library", Pointing_fields, .natural_key = DORM_LIST("plain"));

Test(natural_keys, checks_refuse_a_relation_to_a_model_without_a_natural_key) {
    test_expect_messages(DORM_MODELS(&Plain_model, &Pointing_model),
                         DORM_LIST("library.Pointing: (dorm.E038) 'natural_key' refers to the relation field 'plain', "
                                   "but 'library.Plain' has no natural key."));
}

/* A NULL relation in a natural key is written as nulls, one per value of
 * its target's key, and read back as NULL (Django's natural_key() raises
 * there). */
typedef struct Line {
    DORM_OBJECT;
    int64_t id;
    const char *text;
    DORM_FK(Novel) novel;
} Line;
typedef struct Quote {
    DORM_OBJECT;
    int64_t id;
    DORM_FK(Line) line;
} Quote;
static const dorm_model Line_model, Quote_model;
static const dorm_field Line_fields[] = {DORM_AUTO(Line, id), DORM_CHAR(Line, text, .max_length = 50),
                                         DORM_FOREIGN_KEY(Line, novel, Novel, .on_delete = DORM_CASCADE, .null = true),
                                         DORM_END};
static const dorm_model Line_model = DORM_MODEL(Line, "loose", Line_fields, .natural_key = DORM_LIST("text", "novel"));
static const dorm_field Quote_fields[] = {DORM_AUTO(Quote, id),
                                          DORM_FOREIGN_KEY(Quote, line, Line, .on_delete = DORM_CASCADE), DORM_END};
static const dorm_model Quote_model = DORM_MODEL(Quote, "loose", Quote_fields);
static const dorm_app loose_app = {.label = "loose", .models = DORM_MODELS(&Line_model, &Quote_model)};

Test(natural_keys, a_null_relation_in_a_key_is_nulls) {
    test_db_close();
    test_db_open_apps((const dorm_app *const[]){&nest_app, &loose_app, NULL});
    Poet *p = dorm_create(T.cx, Poet, .name = "Jane");
    cr_assert_not_null(p, "%s", dorm_errmsg(T.cx));
    Novel *n = dorm_create(T.cx, Novel, .title = "Emma", .author = {p->id, NULL});
    cr_assert_not_null(n, "%s", dorm_errmsg(T.cx));
    Line *with = dorm_create(T.cx, Line, .text = "a", .novel = {n->id, NULL});
    Line *alone = dorm_new(T.cx, Line);
    cr_assert(with && alone, "%s", dorm_errmsg(T.cx));
    alone->text = "a";
    dorm_set_null(alone, novel);
    cr_assert_eq(dorm_save(alone), 0, "%s", dorm_errmsg(T.cx));
    cr_assert_not_null(dorm_create(T.cx, Quote, .line = {alone->id, NULL}), "%s", dorm_errmsg(T.cx));
    cr_assert_not_null(dorm_create(T.cx, Quote, .line = {with->id, NULL}), "%s", dorm_errmsg(T.cx));
    const char *dump = "[{\"model\": \"loose.line\", \"fields\": {\"text\": \"a\", \"novel\": [\"Emma\", \"Jane\"]}}, "
                       "{\"model\": \"loose.line\", \"fields\": {\"text\": \"a\", \"novel\": null}}, {\"model\": "
                       "\"loose.quote\", \"pk\": 1, \"fields\": {\"line\": [\"a\", null, null]}}, {\"model\": "
                       "\"loose.quote\", \"pk\": 2, \"fields\": {\"line\": [\"a\", \"Emma\", \"Jane\"]}}]\n";
    cr_expect_str_eq(
        dump_apps(DORM_LIST("loose"), (dorm_dumpdata_opts){.natural_foreign = true, .natural_primary = true}), dump);
    /* Loaded back over the rows: each line matched by its natural key (the
     * NULL one too), each quote pointing at the same line. */
    test_write_file("lines.json", dump);
    cr_assert_eq(load("lines.json"), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(dorm_count(dorm_all(T.cx, Line)), 2);
    Quote *q = dorm_get(dorm_all(T.cx, Quote), DQ("pk", 1));
    cr_assert_not_null(q, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(q->line.id, alone->id);
    cr_expect_str_eq(
        dump_apps(DORM_LIST("loose"), (dorm_dumpdata_opts){.natural_foreign = true, .natural_primary = true}), dump);
}

/* A model with an abstract base and a concrete parent takes the natural key
 * of the first of them it lists, as Python's method lookup does.  Django:
 * Coded(abstract; code; natural_key (code,)), Ranked(Person, Coded),
 * Labelled(Coded, Person), Pin(ranked FK, labelled FK); dumpdata guild.pin
 * --natural-foreign. */
typedef struct Coded {
    const char *code;
} Coded;
typedef struct Ranked {
    DORM_OBJECT;
    Person person;
    DORM_FK(Person) person_ptr;
    Coded coded;
} Ranked;
typedef struct Labelled {
    DORM_OBJECT;
    Person person;
    DORM_FK(Person) person_ptr;
    Coded coded;
} Labelled;
typedef struct Pin {
    DORM_OBJECT;
    int64_t id;
    DORM_FK(Ranked) ranked;
    DORM_FK(Labelled) labelled;
} Pin;
static const dorm_model Coded_model, Ranked_model, Labelled_model, Pin_model;
static const dorm_field Coded_fields[] = {DORM_CHAR(Coded, code, .max_length = 10), DORM_END};
static const dorm_model Coded_model =
    DORM_MODEL(Coded, "order", Coded_fields, .abstract = true, .natural_key = DORM_LIST("code"));
static const dorm_field Ranked_fields[] = {DORM_PARENT(Ranked, person, Person),
                                           DORM_PARENT_LINK(Ranked, person_ptr, Person),
                                           DORM_PARENT(Ranked, coded, Coded), DORM_END};
static const dorm_model Ranked_model = DORM_MODEL(Ranked, "order", Ranked_fields);
static const dorm_field Labelled_fields[] = {DORM_PARENT(Labelled, coded, Coded), DORM_PARENT(Labelled, person, Person),
                                             DORM_PARENT_LINK(Labelled, person_ptr, Person), DORM_END};
static const dorm_model Labelled_model = DORM_MODEL(Labelled, "order", Labelled_fields);
static const dorm_field Pin_fields[] = {DORM_AUTO(Pin, id),
                                        DORM_FOREIGN_KEY(Pin, ranked, Ranked, .on_delete = DORM_CASCADE),
                                        DORM_FOREIGN_KEY(Pin, labelled, Labelled, .on_delete = DORM_CASCADE), DORM_END};
static const dorm_model Pin_model = DORM_MODEL(Pin, "order", Pin_fields);
static const dorm_app order_app = {.label = "order", .models = DORM_MODELS(&Ranked_model, &Labelled_model, &Pin_model)};

Test(natural_keys, the_first_base_listed_gives_the_key) {
    test_db_close();
    test_db_open_apps((const dorm_app *const[]){&club_app, &order_app, NULL});
    Ranked *r = dorm_new(T.cx, Ranked);
    Labelled *l = dorm_new(T.cx, Labelled);
    cr_assert(r && l);
    r->person.name = "Rita";
    r->coded.code = "r1";
    l->person.name = "Lou";
    l->coded.code = "l1";
    cr_assert(dorm_save(r) == 0 && dorm_save(l) == 0, "%s", dorm_errmsg(T.cx));
    cr_assert_not_null(dorm_create(T.cx, Pin, .ranked = {r->person.id, NULL}, .labelled = {l->person.id, NULL}), "%s",
                       dorm_errmsg(T.cx));
    const char *django =
        "[{\"model\": \"order.pin\", \"pk\": 1, \"fields\": {\"ranked\": [\"Rita\"], \"labelled\": [\"l1\"]}}]\n";
    cr_expect_str_eq(dump_apps(DORM_LIST("order.pin"), (dorm_dumpdata_opts){.natural_foreign = true}), django);
    test_write_file("pin.json", django);
    cr_assert_eq(load("pin.json"), 0, "%s", dorm_errmsg(T.cx));
    Pin *p = dorm_get(dorm_all(T.cx, Pin), DQ("pk", 1));
    cr_assert_not_null(p, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(p->labelled.id, l->person.id);
}
