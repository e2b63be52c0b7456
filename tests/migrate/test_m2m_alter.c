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

#define MODEL(name)                                                                                      \
    "{\"operation\": \"CreateModel\", \"name\": \"" name "\", \"fields\": [[\"id\", {\"type\": "         \
    "\"AutoField\", \"primary_key\": true}], [\"name\", {\"type\": \"CharField\", \"max_length\": 20}]]}"

#define INITIAL                                                                                               \
    "{\"initial\": true, \"dependencies\": [], \"operations\": [" MODEL("Tag") ", " MODEL("Label") ", "        \
    "{\"operation\": \"CreateModel\", \"name\": \"Book\", \"fields\": [[\"id\", {\"type\": \"AutoField\", "    \
    "\"primary_key\": true}], [\"title\", {\"type\": \"CharField\", \"max_length\": 20}], [\"tags\", "          \
    "{\"type\": \"ManyToManyField\", \"to\": \"shop.tag\"}]]}]}"

static void alter_tags(const char *field) {
    write_migration("0001_initial", INITIAL);
    write_migration("0002_alter", dorm_sprintf(T.cx,
                                               "{\"dependencies\": [[\"shop\", \"0001_initial\"]], \"operations\": "
                                               "[{\"operation\": \"AlterField\", \"model_name\": \"book\", "
                                               "\"name\": \"tags\", \"field\": %s}]}",
                                               field));
}

Test(m2m_alter, explore) {
    alter_tags("{\"type\": \"ManyToManyField\", \"to\": \"shop.label\"}");
    const dorm_app *const apps[] = {&shop, NULL};
    fprintf(stderr, "written\n");
    const char *sql = dorm_sqlmigrate(T.cx, apps, "shop", "0002", false);
    fprintf(stderr, "sqlm\n");
    printf("%s\n", sql ? sql : dorm_errmsg(T.cx));
    sql = dorm_sqlmigrate(T.cx, apps, "shop", "0002", true);
    printf("%s\n", sql ? sql : dorm_errmsg(T.cx));
    alter_tags("{\"type\": \"ManyToManyField\", \"to\": \"shop.tag\", \"db_table\": \"book_tag_links\"}");
    sql = dorm_sqlmigrate(T.cx, apps, "shop", "0002", false);
    printf("%s\n", sql ? sql : dorm_errmsg(T.cx));
}
