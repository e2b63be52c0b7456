/* test_inherit_migrations.c - makemigrations and migrate with inherited
 * models as Django 3.2 writes them: an abstract base's fields and Meta in
 * its children's CreateModel (the base itself in none), a multi-table
 * child's CreateModel with bases and its parent link, a proxy's CreateModel
 * with no fields and no table; sqlmigrate's text is Django's on each
 * backend. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testdb.h"

typedef struct TimeStamped {
    dorm_datetime created;
    dorm_datetime updated;
} TimeStamped;

typedef struct Person {
    DORM_OBJECT;
    int64_t id;
    TimeStamped stamped;
    const char *name;
} Person;

typedef struct Staff {
    DORM_OBJECT;
    Person person;
    DORM_FK(Person) person_ptr;
    const char *role;
} Staff;

typedef struct Patron {
    DORM_OBJECT;
    Person person;
} Patron;

DORM_MODEL_DECLARE(TimeStamped);
DORM_MODEL_DECLARE(Person);
DORM_MODEL_DECLARE(Staff);
DORM_MODEL_DECLARE(Patron);

static const dorm_field TimeStamped_fields[] = {
    DORM_DATETIME(TimeStamped, created, .auto_now_add = true),
    DORM_DATETIME(TimeStamped, updated, .auto_now = true),
    DORM_END,
};
const dorm_model TimeStamped_model =
    DORM_MODEL(TimeStamped, "family", TimeStamped_fields, .abstract = true, .ordering = DORM_LIST("-created"),
               .indexes = DORM_INDEXES({DORM_LIST("created"), "%(app_label)s_%(class)s_cr"}));

static const dorm_field Person_fields[] = {
    DORM_AUTO(Person, id),
    DORM_PARENT(Person, stamped, TimeStamped),
    DORM_CHAR(Person, name, .max_length = 100),
    DORM_END,
};
const dorm_model Person_model = DORM_MODEL(Person, "family", Person_fields);

static const dorm_field Staff_fields[] = {
    DORM_PARENT(Staff, person, Person),
    DORM_PARENT_LINK(Staff, person_ptr, Person),
    DORM_CHAR(Staff, role, .max_length = 50),
    DORM_END,
};
const dorm_model Staff_model = DORM_MODEL(Staff, "family", Staff_fields, .ordering = DORM_LIST("role"));

static const dorm_field Patron_fields[] = {DORM_PARENT(Patron, person, Person), DORM_END};
const dorm_model Patron_model =
    DORM_MODEL(Patron, "family", Patron_fields, .proxy = true, .ordering = DORM_LIST("-name"));

static dorm_app family = {.label = "family",
                          .models = DORM_MODELS(&TimeStamped_model, &Person_model, &Staff_model, &Patron_model)};

static void open_empty(void) {
    test_db_open_apps((const dorm_app *const[]){&test_empty_app, NULL});
    family.migrations_dir = test_tmpdir_make("dorm-inh");
}

static void close_empty(void) {
    test_tmpdir_remove();
    test_db_close();
}

TestSuite(inherit_migrations, .init = open_empty, .fini = close_empty);

Test(inherit_migrations, initial_migration_and_sqlmigrate) {
    const dorm_app *const apps[] = {&family, NULL};
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    int rc = dorm_makemigrations(T.cx, apps, &(dorm_makemigrations_opts){.out = out, .verbosity = 1});
    fclose(out);
    cr_assert_eq(rc, 0, "%s", dorm_errmsg(T.cx));
    cr_expect(strstr(buf,
                     "0001_initial.json\n"
                     "    - Create model Person\n"
                     "    - Create model Staff\n"
                     "    - Create index family_person_cr on field(s) created of model person\n"
                     "    - Create proxy model Patron\n"),
              "%s", buf);
    free(buf);
    const char *text = test_read_file(test_tmpdir_path("0001_initial.json"));
    cr_assert_not_null(text);
    /* The abstract base is in no CreateModel of its own; its Meta is Person's. */
    cr_expect_null(strstr(text, "TimeStamped"), "%s", text);
    cr_expect(strstr(text, "\"-created\""), "%s", text);
    cr_expect(strstr(text, "\"bases\": [") && strstr(text, "\"family.person\"\n"), "%s", text);
    cr_expect(strstr(text, "\"parent_link\": true"), "%s", text);
    cr_expect(strstr(text, "\"proxy\": true"), "%s", text);
    const char *sql = dorm_sqlmigrate(T.cx, apps, "family", "0001", false);
    cr_assert_not_null(sql, "%s", dorm_errmsg(T.cx));
    /* Django 3.2's `sqlmigrate family 0001` for the same models, per
     * backend (on MariaDB without a transaction: its DDL commits). */
    cr_expect_str_eq(sql, test_golden("inherit_sqlmigrate", "sql"));
    /* Nothing left to migrate, then applied: the tables work. */
    out = open_memstream(&buf, &len);
    rc = dorm_makemigrations(T.cx, apps, &(dorm_makemigrations_opts){.out = out, .check = true, .verbosity = 1});
    fclose(out);
    cr_expect_eq(rc, 0, "%s", buf);
    free(buf);
    cr_assert_eq(dorm_migrate(T.cx, apps, &(dorm_migrate_opts){.verbosity = 0}), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(test_scalar("SELECT COUNT(*) FROM family_staff"), 0);
    /* Backwards: the proxy drops nothing, the tables go. */
    sql = test_sql_std(dorm_sqlmigrate(T.cx, apps, "family", "0001", true));
    cr_expect(strstr(sql, "DROP TABLE \"family_staff\""), "%s", sql);
}
