/* test_loader.c - the migration graph's special keys as Django's
 * MigrationLoader.check_key resolves them: ("app", "__first__") is the
 * first by name of the app's roots, "__latest__" its first leaf; a
 * "__first__" of the migration's own app is ignored, a "__latest__" of it is
 * a missing node. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/ctx.h"
#include "migrate/migration.h"
#include "migrations.h"
#include "testdb.h"

static void open_empty(void) {
    test_db_open_apps((const dorm_app *const[]){&test_empty_app, NULL});
    test_tmpdir_make("dorm-loader");
}

static void close_empty(void) {
    test_tmpdir_remove();
    test_db_close();
}

TestSuite(loader, .init = open_empty, .fini = close_empty);

/* The app `label`, its migrations in the folder of that name. */
static dorm_app app_of(const char *label) {
    const char *dir = test_tmpdir_path(label);
    mkdir(dir, 0700);
    return (dorm_app){.label = label, .models = test_empty_app.models, .migrations_dir = dir};
}

/* A migration of no operations with the dependencies `deps` (JSON pairs). */
static void write_migration(const char *app, const char *name, const char *deps) {
    test_write_file(dorm_sprintf(T.cx, "%s/%s.json", app, name),
                    dorm_sprintf(T.cx, "{\"dependencies\": [%s], \"operations\": []}", deps));
}

/* "app.name, app.name" of m's dependencies once the graph is loaded. */
static const char *deps_of(const dorm_graph *g, const char *app, const char *name) {
    const dorm_migration *m = dorm_graph__find(g, app, name);
    cr_assert(m, "%s.%s not in the graph", app, name);
    const char *s = "";
    for (int i = 0; i < m->ndeps; i++)
        s = dorm_sprintf(T.cx, "%s%s%s.%s", s, i ? ", " : "", m->deps[i].app, m->deps[i].name);
    return s;
}

static int load(const dorm_app *const *apps, dorm_graph *g) {
    int rc = dorm_graph__load(T.cx, apps, g);
    if (rc) memset(g, 0, sizeof *g);
    return rc;
}

/* The graph of `apps` does not load, for a reason saying `why`. */
static void expect_refused(const dorm_app *const *apps, const char *why) {
    dorm_graph g;
    cr_expect_neq(load(apps, &g), 0);
    cr_expect(strstr(dorm_errmsg(T.cx), why), "%s", dorm_errmsg(T.cx));
}

/* The graph of `apps` loads, and app.name's dependencies are `want`. */
static void expect_deps(const dorm_app *const *apps, const char *app, const char *name, const char *want) {
    dorm_graph g;
    cr_assert_eq(load(apps, &g), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_str_eq(deps_of(&g, app, name), want);
    dorm_graph__free(&g);
}

Test(loader, first_is_the_first_root_by_name) {
    /* lib's other root 0000_data comes before 0001_initial, which the
     * rest builds on; in sec the first by name, a_second, is no root. */
    dorm_app lib = app_of("lib"), sec = app_of("sec"), shop = app_of("shop");
    write_migration("lib", "0000_data", "");
    write_migration("lib", "0001_initial", "");
    write_migration("lib", "0002_x", "[\"lib\", \"0001_initial\"]");
    write_migration("sec", "b_first", "");
    write_migration("sec", "a_second", "[\"sec\", \"b_first\"]");
    write_migration("shop", "0001_initial", "[\"lib\", \"__first__\"], [\"sec\", \"__first__\"]");
    expect_deps((const dorm_app *const[]){&lib, &sec, &shop, NULL}, "shop", "0001_initial",
                "lib.0000_data, sec.b_first");
}

Test(loader, an_own_first_leaves_a_root_a_root) {
    /* lib's 0001_initial depends on lib's own __first__ only, which Django
     * ignores: it is a root, and before 0002_other by name. */
    dorm_app shop = app_of("shop"), lib = app_of("lib");
    write_migration("shop", "0001_initial", "[\"lib\", \"__first__\"]");
    write_migration("lib", "0001_initial", "[\"lib\", \"__first__\"]");
    write_migration("lib", "0002_other", "");
    const dorm_app *const apps[] = {&shop, &lib, NULL};
    expect_deps(apps, "shop", "0001_initial", "lib.0001_initial");
    expect_deps(apps, "lib", "0001_initial", "");
}

Test(loader, latest_is_the_first_leaf_by_name) {
    dorm_app lib = app_of("lib"), shop = app_of("shop");
    write_migration("lib", "0001_initial", "");
    write_migration("lib", "0002_b", "[\"lib\", \"0001_initial\"]");
    write_migration("shop", "0001_initial", "[\"lib\", \"__first__\"], [\"lib\", \"__latest__\"]");
    expect_deps((const dorm_app *const[]){&lib, &shop, NULL}, "shop", "0001_initial", "lib.0001_initial, lib.0002_b");
}

Test(loader, an_own_latest_is_a_missing_node) {
    dorm_app lib = app_of("lib");
    write_migration("lib", "0001_initial", "");
    write_migration("lib", "0002_b", "[\"lib\", \"__latest__\"]");
    expect_refused((const dorm_app *const[]){&lib, NULL},
                   "Migration lib.0002_b dependencies reference nonexistent parent node ('lib', '__latest__')");
}

Test(loader, apps_without_migrations_and_unknown_apps) {
    /* lib has no folder: both of its keys go; an app not installed is an
     * error. */
    dorm_app lib = {.label = "lib", .models = test_empty_app.models, .migrations_dir = "/nonexistent"};
    dorm_app shop = app_of("shop");
    write_migration("shop", "0001_initial", "[\"lib\", \"__first__\"], [\"lib\", \"__latest__\"]");
    expect_deps((const dorm_app *const[]){&lib, &shop, NULL}, "shop", "0001_initial", "");
    write_migration("shop", "0001_initial", "[\"nope\", \"__first__\"]");
    expect_refused((const dorm_app *const[]){&shop, NULL}, "Dependency on unknown app: nope");
}

Test(loader, first_of_a_squashed_app_runs_the_squash) {
    /* __first__ is the replaced 0001_initial (before 0001_squashed_0002_b
     * by name); nothing applied, the squash stands in for it. */
    dorm_app lib = app_of("lib"), shop = app_of("shop");
    write_migration("lib", "0001_initial", "");
    write_migration("lib", "0002_b", "[\"lib\", \"0001_initial\"]");
    test_write_file("lib/0001_squashed_0002_b.json",
                    "{\"dependencies\": [], \"replaces\": [[\"lib\", \"0001_initial\"], [\"lib\", \"0002_b\"]], "
                    "\"operations\": []}");
    write_migration("shop", "0001_initial", "[\"lib\", \"__first__\"]");
    const dorm_app *const apps[] = {&lib, &shop, NULL};
    expect_deps(apps, "shop", "0001_initial", "lib.0001_initial");
    cr_expect_str_eq(test_showmigrations(apps, true), "[ ]  lib.0001_squashed_0002_b\n[ ]  shop.0001_initial\n");
}

Test(loader, hidden_related_names_read_back) {
    /* Django takes any related_name ending with "+" (its hidden
     * many-to-manys get "_<app>_<model>_<field>_+"); other names must be
     * identifiers (Django's fields.E306). */
    dorm_app lib = app_of("lib");
    write_migration("lib", "0001_initial", "");
    test_write_file("lib/0002_keys.json",
                    "{\"dependencies\": [[\"lib\", \"0001_initial\"]], \"operations\": [{\"operation\": "
                    "\"CreateModel\", \"name\": \"Shelf\", \"fields\": [[\"id\", {\"type\": \"AutoField\", "
                    "\"primary_key\": true}]]}, {\"operation\": \"CreateModel\", \"name\": \"Pair\", \"fields\": "
                    "[[\"id\", {\"type\": \"AutoField\", \"primary_key\": true}], [\"a\", {\"type\": \"ForeignKey\", "
                    "\"to\": \"lib.shelf\", \"on_delete\": \"CASCADE\", \"related_name\": \"x y+\"}], [\"b\", "
                    "{\"type\": \"ForeignKey\", \"to\": \"lib.shelf\", \"on_delete\": \"CASCADE\", "
                    "\"related_name\": \"x+\"}]]}]}");
    expect_deps((const dorm_app *const[]){&lib, NULL}, "lib", "0002_keys", "lib.0001_initial");
    test_write_file("lib/0003_bad.json",
                    "{\"dependencies\": [[\"lib\", \"0002_keys\"]], \"operations\": [{\"operation\": "
                    "\"AlterField\", \"model_name\": \"pair\", \"name\": \"a\", \"field\": {\"type\": "
                    "\"ForeignKey\", \"to\": \"lib.shelf\", \"on_delete\": \"CASCADE\", \"related_name\": \"x y\"}}]}");
    expect_refused((const dorm_app *const[]){&lib, NULL}, "operation 1: invalid related_name 'x y'");
}
