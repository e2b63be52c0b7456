/* test_m2m_alter.c - AlterField of a ManyToManyField as Django 3.2 does it:
 * the automatic join table renamed (db_table) and its key column repointed
 * (to), forwards and backwards with the rows kept; sqlmigrate's text; the
 * refusals of M2M <-> non-M2M and through= changes. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/db.h"
#include "core/ctx.h"
#include "migrations.h"
#include "testdb.h"

static dorm_app shop;

static void open_empty(void) {
    test_db_open_apps((const dorm_app *const[]){&test_empty_app, NULL});
    shop = (dorm_app){.label = "shop", .models = test_empty_app.models, .migrations_dir = test_tmpdir_make("dorm-m2m")};
}

static void close_empty(void) {
    test_tmpdir_remove();
    test_db_close();
}

TestSuite(m2m_alter, .init = open_empty, .fini = close_empty);

static void write_migration(const char *name, const char *json) {
    test_write_file(dorm_sprintf(T.cx, "%s.json", name), json);
}

#define MODEL(name)                                                                              \
    "{\"operation\": \"CreateModel\", \"name\": \"" name "\", \"fields\": [[\"id\", {\"type\": " \
    "\"AutoField\", \"primary_key\": true}], [\"name\", {\"type\": \"CharField\", \"max_length\": 20}]]}"

#define INITIAL                                                                                                     \
    "{\"initial\": true, \"dependencies\": [], \"operations\": [" MODEL("Tag") ", " MODEL(                          \
        "Label") ", "                                                                                               \
                 "{\"operation\": \"CreateModel\", \"name\": \"Book\", \"fields\": [[\"id\", {\"type\": "           \
                 "\"AutoField\", "                                                                                  \
                 "\"primary_key\": true}], [\"title\", {\"type\": \"CharField\", \"max_length\": 20}], [\"tags\", " \
                 "{\"type\": \"ManyToManyField\", \"to\": \"shop.tag\"}]]}]}"

/* 0002 points tags at Label, 0003 moves its join table to book_tag_links. */
static void write_migrations(void) {
    write_migration("0001_initial", INITIAL);
    write_migration("0002_alter_book_tags",
                    "{\"dependencies\": [[\"shop\", \"0001_initial\"]], \"operations\": [{\"operation\": "
                    "\"AlterField\", \"model_name\": \"book\", \"name\": \"tags\", \"field\": {\"type\": "
                    "\"ManyToManyField\", \"to\": \"shop.label\"}}]}");
    write_migration("0003_alter_book_tags_table",
                    "{\"dependencies\": [[\"shop\", \"0002_alter_book_tags\"]], \"operations\": [{\"operation\": "
                    "\"AlterField\", \"model_name\": \"book\", \"name\": \"tags\", \"field\": {\"type\": "
                    "\"ManyToManyField\", \"to\": \"shop.label\", \"db_table\": \"book_tag_links\", "
                    "\"related_name\": \"books\"}}]}");
}

static int migrate_to(const char *target) {
    return dorm_migrate(T.cx, (const dorm_app *const[]){&shop, NULL},
                        &(dorm_migrate_opts){.app = "shop", .target = target, .verbosity = 0});
}

static void exec_ok(const char *sql) {
    dorm_errbuf e = {0, ""};
    cr_assert_eq(dorm_db__exec(T.db, sql, &e), 0, "%s: %s", sql, e.msg);
}

/* The SQL of both alterations, forwards and backwards.  SQLite: Django's
 * table rebuild for the new key (the columns in the order Django's
 * `migrate` leaves them: its `sqlmigrate` puts the altered one first), and
 * for the new table name Django's copy into a new table (`sqlmigrate shop
 * 0003` of Django 3.2 over the same models, the INSERT's columns quoted).
 * PostgreSQL and MariaDB: Django's RENAME COLUMN / RENAME TABLE and the key
 * dropped and added again, with the indexes named after the column or
 * table renamed as dorm's RenameModel does (docs/design.md). */
Test(m2m_alter, sqlmigrate_both_ways) {
    write_migrations();
    const dorm_app *const apps[] = {&shop, NULL};
    dorm_buf all = DORM_BUF_INIT;
    const char *const names[] = {"0002", "0003"};
    for (int back = 0; back < 2; back++)
        for (int i = 0; i < 2; i++) {
            const char *sql = dorm_sqlmigrate(T.cx, apps, "shop", names[back ? 1 - i : i], back);
            cr_assert_not_null(sql, "%s", dorm_errmsg(T.cx));
            dorm_buf_printf(&all, "%s", sql);
        }
    cr_expect_str_eq(all.data, test_golden("m2m_alter_sqlmigrate", "sql"));
    dorm_buf_free(&all);
}

Test(m2m_alter, apply_and_unapply_keep_rows) {
    write_migrations();
    cr_assert_eq(migrate_to("0001"), 0, "%s", dorm_errmsg(T.cx));
    exec_ok("INSERT INTO shop_book (id, title) VALUES (1, 'Emma')");
    exec_ok("INSERT INTO shop_tag (id, name) VALUES (1, 'novel')");
    exec_ok("INSERT INTO shop_label (id, name) VALUES (1, 'classic')");
    exec_ok("INSERT INTO shop_book_tags (id, book_id, tag_id) VALUES (5, 1, 1)");
    cr_assert_eq(migrate_to("0002"), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(test_scalar("SELECT label_id FROM shop_book_tags WHERE id = 5 AND book_id = 1"), 1);
    cr_assert_eq(migrate_to(NULL), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(test_scalar("SELECT label_id FROM book_tag_links WHERE id = 5 AND book_id = 1"), 1);
    /* The key points at Label now, unique together with the book. */
    dorm_errbuf e = {0, ""};
    cr_expect_neq(dorm_db__exec(T.db, "INSERT INTO book_tag_links (book_id, label_id) VALUES (1, 1)", &e), 0);
    cr_assert_eq(migrate_to("0001"), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(test_scalar("SELECT tag_id FROM shop_book_tags WHERE id = 5 AND book_id = 1"), 1);
    cr_expect_eq(test_scalar("SELECT COUNT(*) FROM shop_book_tags"), 1);
}

/* A new target and a new table at once: on SQLite the rows are copied into
 * the new table's renamed key column. */
Test(m2m_alter, target_and_table_at_once) {
    write_migration("0001_initial", INITIAL);
    write_migration("0002_alter",
                    "{\"dependencies\": [[\"shop\", \"0001_initial\"]], \"operations\": [{\"operation\": "
                    "\"AlterField\", \"model_name\": \"book\", \"name\": \"tags\", \"field\": {\"type\": "
                    "\"ManyToManyField\", \"to\": \"shop.label\", \"db_table\": \"book_labels\"}}]}");
    cr_assert_eq(migrate_to("0001"), 0, "%s", dorm_errmsg(T.cx));
    exec_ok("INSERT INTO shop_book (id, title) VALUES (1, 'Emma')");
    exec_ok("INSERT INTO shop_tag (id, name) VALUES (2, 'novel')");
    exec_ok("INSERT INTO shop_label (id, name) VALUES (2, 'classic')");
    exec_ok("INSERT INTO shop_book_tags (id, book_id, tag_id) VALUES (7, 1, 2)");
    cr_assert_eq(migrate_to(NULL), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(test_scalar("SELECT label_id FROM book_labels WHERE id = 7 AND book_id = 1"), 2);
    cr_assert_eq(migrate_to("0001"), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(test_scalar("SELECT tag_id FROM shop_book_tags WHERE id = 7 AND book_id = 1"), 2);
}

/* Django's schema editor refuses these (its autodetector writes them for
 * through= added or removed); nothing is changed. */
Test(m2m_alter, incompatible_alterations_refused) {
    static const char *const fields[] = {
        "{\"type\": \"ForeignKey\", \"to\": \"shop.tag\", \"on_delete\": \"CASCADE\", \"null\": true}",
        "{\"type\": \"ManyToManyField\", \"to\": \"shop.tag\", \"through\": \"shop.link\"}",
    };
    for (size_t i = 0; i < 2; i++) {
        write_migration("0001_initial", INITIAL);
        write_migration("0002_link",
                        "{\"dependencies\": [[\"shop\", \"0001_initial\"]], \"operations\": [{\"operation\": "
                        "\"CreateModel\", \"name\": \"Link\", \"fields\": [[\"id\", {\"type\": \"AutoField\", "
                        "\"primary_key\": true}], [\"book\", {\"type\": \"ForeignKey\", \"to\": \"shop.book\", "
                        "\"on_delete\": \"CASCADE\"}], [\"tag\", {\"type\": \"ForeignKey\", \"to\": \"shop.tag\", "
                        "\"on_delete\": \"CASCADE\"}]]}]}");
        write_migration("0003_alter",
                        dorm_sprintf(T.cx,
                                     "{\"dependencies\": [[\"shop\", \"0002_link\"]], \"operations\": "
                                     "[{\"operation\": \"AlterField\", \"model_name\": \"book\", \"name\": \"tags\", "
                                     "\"field\": %s}]}",
                                     fields[i]));
        cr_assert_eq(migrate_to("0002"), 0, "%s", dorm_errmsg(T.cx));
        exec_ok("INSERT INTO shop_book (id, title) VALUES (1, 'Emma')");
        exec_ok("INSERT INTO shop_tag (id, name) VALUES (1, 'novel')");
        exec_ok("INSERT INTO shop_book_tags (book_id, tag_id) VALUES (1, 1)");
        cr_assert_neq(migrate_to(NULL), 0);
        const char *want = "shop.0003_alter, operation 1 (Alter field tags on book): Cannot alter field shop.Book.tags "
                           "into shop.Book.tags - they are not compatible types (you cannot alter to or from M2M "
                           "fields, or add or remove through= on M2M fields)";
        cr_expect_eq(strncmp(dorm_errmsg(T.cx), want, strlen(want)), 0, "%s", dorm_errmsg(T.cx));
        cr_expect_eq(test_scalar("SELECT COUNT(*) FROM shop_book_tags"), 1);
        cr_assert_eq(migrate_to("zero"), 0, "%s", dorm_errmsg(T.cx));
    }
    /* Out of a many-to-many into a key, the other way round, refused too. */
    write_migration("0003_alter",
                    "{\"dependencies\": [[\"shop\", \"0002_link\"]], \"operations\": [{\"operation\": \"AlterField\", "
                    "\"model_name\": \"link\", \"name\": \"tag\", \"field\": {\"type\": \"ManyToManyField\", \"to\": "
                    "\"shop.tag\"}}]}");
    cr_assert_null(dorm_sqlmigrate(T.cx, (const dorm_app *const[]){&shop, NULL}, "shop", "0003", false));
    cr_expect_str_eq(dorm_errmsg(T.cx),
                     "Cannot alter field shop.Link.tag into shop.Link.tag - they are not compatible types (you cannot "
                     "alter to or from M2M fields, or add or remove through= on M2M fields)");
}

/* A related_name is no schema (Django's _field_should_be_altered): the
 * AlterField has no SQL. */
Test(m2m_alter, related_name_alone_is_no_sql) {
    write_migration("0001_initial", INITIAL);
    write_migration("0002_alter",
                    "{\"dependencies\": [[\"shop\", \"0001_initial\"]], \"operations\": [{\"operation\": "
                    "\"AlterField\", \"model_name\": \"book\", \"name\": \"tags\", \"field\": {\"type\": "
                    "\"ManyToManyField\", \"to\": \"shop.tag\", \"related_name\": \"books\"}}]}");
    const char *sql = dorm_sqlmigrate(T.cx, (const dorm_app *const[]){&shop, NULL}, "shop", "0002", false);
    cr_assert_not_null(sql, "%s", dorm_errmsg(T.cx));
    cr_expect_null(strstr(sql, "TABLE"), "%s", sql);
    cr_expect_null(strstr(sql, "INDEX"), "%s", sql);
    cr_assert_eq(migrate_to(NULL), 0, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(migrate_to("zero"), 0, "%s", dorm_errmsg(T.cx));
}

/* Between two through models Django's schema editor does nothing. */
Test(m2m_alter, through_to_through_is_no_sql) {
    write_migration(
        "0001_initial",
        "{\"initial\": true, \"dependencies\": [], \"operations\": [" MODEL("Tag") ", " MODEL(
            "Label") ", "
                     "{\"operation\": \"CreateModel\", \"name\": \"Book\", \"fields\": [[\"id\", {\"type\": "
                     "\"AutoField\", \"primary_key\": true}]]}, {\"operation\": \"CreateModel\", \"name\": \"Link\", "
                     "\"fields\": [[\"id\", {\"type\": \"AutoField\", \"primary_key\": true}], [\"book\", {\"type\": "
                     "\"ForeignKey\", \"to\": \"shop.book\", \"on_delete\": \"CASCADE\"}], [\"tag\", {\"type\": "
                     "\"ForeignKey\", \"to\": \"shop.tag\", \"on_delete\": \"CASCADE\"}]]}, {\"operation\": "
                     "\"AddField\", \"model_name\": \"book\", \"name\": \"tags\", \"field\": {\"type\": "
                     "\"ManyToManyField\", \"to\": \"shop.tag\", \"through\": \"shop.link\"}}]}");
    write_migration("0002_alter",
                    "{\"dependencies\": [[\"shop\", \"0001_initial\"]], \"operations\": [{\"operation\": "
                    "\"AlterField\", \"model_name\": \"book\", \"name\": \"tags\", \"field\": {\"type\": "
                    "\"ManyToManyField\", \"to\": \"shop.tag\", \"through\": \"shop.link\", \"related_name\": "
                    "\"books\"}}]}");
    const char *sql =
        test_sql_std(dorm_sqlmigrate(T.cx, (const dorm_app *const[]){&shop, NULL}, "shop", "0002", false));
    cr_expect_null(strstr(sql, "ALTER"), "%s", sql);
    cr_expect_null(strstr(sql, "CREATE"), "%s", sql);
    cr_assert_eq(migrate_to(NULL), 0, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(migrate_to("zero"), 0, "%s", dorm_errmsg(T.cx));
}

/* ---- makemigrations from C models, then the ORM over the altered table --- */

typedef struct MTag {
    DORM_OBJECT;
    int64_t id;
    const char *name;
} MTag;
typedef struct MLabel {
    DORM_OBJECT;
    int64_t id;
    const char *name;
} MLabel;
typedef struct MBook {
    DORM_OBJECT;
    int64_t id;
    const char *title;
} MBook;
DORM_MODEL_DECLARE(MTag);
DORM_MODEL_DECLARE(MLabel);
DORM_MODEL_DECLARE(MBook);

static const dorm_field MTag_fields[] = {DORM_AUTO(MTag, id), DORM_CHAR(MTag, name, .max_length = 20), DORM_END};
const dorm_model MTag_model = {
    .abi = DORM_MODEL_ABI, .name = "Tag", .app_label = "shop", .size = sizeof(MTag), .fields = MTag_fields};
static const dorm_field MLabel_fields[] = {DORM_AUTO(MLabel, id), DORM_CHAR(MLabel, name, .max_length = 20), DORM_END};
const dorm_model MLabel_model = {
    .abi = DORM_MODEL_ABI, .name = "Label", .app_label = "shop", .size = sizeof(MLabel), .fields = MLabel_fields};
static const dorm_field MBook1_fields[] = {DORM_AUTO(MBook, id), DORM_CHAR(MBook, title, .max_length = 20),
                                           DORM_MANY_TO_MANY(MBook, tags, MTag), DORM_END};
static const dorm_field MBook2_fields[] = {
    DORM_AUTO(MBook, id), DORM_CHAR(MBook, title, .max_length = 20),
    DORM_MANY_TO_MANY(MBook, tags, MLabel, .db_table = "book_tag_links", .related_name = "books"), DORM_END};
static const dorm_model MBook1_model = {
    .abi = DORM_MODEL_ABI, .name = "Book", .app_label = "shop", .size = sizeof(MBook), .fields = MBook1_fields};
const dorm_model MBook_model = {
    .abi = DORM_MODEL_ABI, .name = "Book", .app_label = "shop", .size = sizeof(MBook), .fields = MBook2_fields};

Test(m2m_alter, makemigrations_then_the_orm) {
    dorm_app v1 = {.label = "shop",
                   .models = DORM_MODELS(&MTag_model, &MLabel_model, &MBook1_model),
                   .migrations_dir = shop.migrations_dir};
    test_makemigrations_applied((const dorm_app *const[]){&v1, NULL}, NULL, NULL);
    /* Fresh tables: the tag and the label both get id 1 (the sequences
     * stay right for the ORM's inserts). */
    exec_ok("INSERT INTO shop_book (title) VALUES ('Emma')");
    exec_ok("INSERT INTO shop_tag (name) VALUES ('novel')");
    exec_ok("INSERT INTO shop_label (name) VALUES ('classic')");
    exec_ok("INSERT INTO shop_book_tags (book_id, tag_id) SELECT shop_book.id, shop_tag.id FROM shop_book, shop_tag");
    dorm_app v2 = {.label = "shop",
                   .models = DORM_MODELS(&MTag_model, &MLabel_model, &MBook_model),
                   .migrations_dir = shop.migrations_dir};
    const dorm_app *const apps[] = {&v2, NULL};
    /* As Django's autodetector: one AlterField for the new target, table
     * and related_name. */
    const char *out = test_makemigrations_applied(apps, NULL, NULL);
    cr_expect(strstr(out, "0002_alter_book_tags.json\n    - Alter field tags on book\n"), "%s", out);
    const char *text = test_read_file(test_tmpdir_path("0002_alter_book_tags.json"));
    cr_assert_not_null(text);
    cr_expect(strstr(text, "\"db_table\": \"book_tag_links\""), "%s", text);
    cr_expect(strstr(text, "\"to\": \"shop.label\""), "%s", text);
    dorm_registry *reg = dorm_registry_new(apps);
    cr_assert_eq(dorm_registry_errcode(reg), DORM_OK, "%s", dorm_registry_messages(reg));
    const dorm_registry *saved = T.db->reg;
    T.db->reg = reg;
    MBook *b = dorm_get(dorm_all(T.cx, MBook), DQ("tags__name", "classic"));
    cr_assert_not_null(b, "%s", dorm_errmsg(T.cx));
    MLabel *l = dorm_create(T.cx, MLabel, .name = "poetry");
    cr_assert_not_null(l, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_related_add(b, "tags", (void *[]){l}, 1), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(test_scalar("SELECT COUNT(*) FROM book_tag_links"), 2);
    cr_expect_eq(dorm_count(dorm_related(l, "books")), 1, "%s", dorm_errmsg(T.cx));
    size_t n = 0;
    void **books = dorm_list(dorm_prefetch_related(dorm_all(T.cx, MBook), "tags"), &n);
    cr_assert_eq(n, 1, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(dorm_count(dorm_related(books[0], "tags")), 2, "%s", dorm_errmsg(T.cx));
    T.db->reg = saved;
    dorm_registry_free(reg);
}

/* ---- through= added: Django's autodetector writes an AlterField, which
 * its schema editor refuses ------------------------------------------------ */

typedef struct MLink {
    DORM_OBJECT;
    int64_t id;
    DORM_FK(MBook) book;
    DORM_FK(MTag) tag;
} MLink;
/* Two versions of Book and of the Link pointing at it (the C types of both
 * are MBook and MLink). */
typedef MBook BookA, BookB;
extern const dorm_model BookA_model, BookB_model, LinkA_model, LinkB_model;
static const dorm_field LinkA_fields[] = {DORM_AUTO(MLink, id),
                                          DORM_FOREIGN_KEY(MLink, book, BookA, .on_delete = DORM_CASCADE),
                                          DORM_FOREIGN_KEY(MLink, tag, MTag, .on_delete = DORM_CASCADE), DORM_END};
static const dorm_field LinkB_fields[] = {DORM_AUTO(MLink, id),
                                          DORM_FOREIGN_KEY(MLink, book, BookB, .on_delete = DORM_CASCADE),
                                          DORM_FOREIGN_KEY(MLink, tag, MTag, .on_delete = DORM_CASCADE), DORM_END};
static const dorm_field BookB_fields[] = {DORM_AUTO(MBook, id), DORM_CHAR(MBook, title, .max_length = 20),
                                          DORM_MANY_TO_MANY(MBook, tags, MTag, .through = &LinkB_model), DORM_END};
#define SHOP_MODEL(name_, type, fields_) \
    { .abi = DORM_MODEL_ABI, .name = name_, .app_label = "shop", .size = sizeof(type), .fields = fields_ }
const dorm_model LinkA_model = SHOP_MODEL("Link", MLink, LinkA_fields);
const dorm_model LinkB_model = SHOP_MODEL("Link", MLink, LinkB_fields);
const dorm_model BookA_model = SHOP_MODEL("Book", MBook, MBook1_fields);
const dorm_model BookB_model = SHOP_MODEL("Book", MBook, BookB_fields);

Test(m2m_alter, through_added_is_written_then_refused) {
    dorm_app v1 = {.label = "shop",
                   .models = DORM_MODELS(&MTag_model, &MLabel_model, &BookA_model, &LinkA_model),
                   .migrations_dir = shop.migrations_dir};
    test_makemigrations_applied((const dorm_app *const[]){&v1, NULL}, NULL, NULL);
    dorm_app v2 = {.label = "shop",
                   .models = DORM_MODELS(&MTag_model, &MLabel_model, &BookB_model, &LinkB_model),
                   .migrations_dir = shop.migrations_dir};
    const dorm_app *const apps[] = {&v2, NULL};
    int rc;
    const char *out = test_makemigrations(apps, NULL, NULL, &rc);
    cr_assert_eq(rc, 0, "%s", out);
    cr_expect(strstr(out, "    - Alter field tags on book\n"), "%s", out);
    cr_assert_neq(dorm_migrate(T.cx, apps, &(dorm_migrate_opts){.verbosity = 0}), 0);
    cr_expect(strstr(dorm_errmsg(T.cx),
                     "Cannot alter field shop.Book.tags into shop.Book.tags - they are not "
                     "compatible types"),
              "%s", dorm_errmsg(T.cx));
}
