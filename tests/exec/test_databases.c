/* test_databases.c - several databases at once: the "Several databases"
 * sections of ../shared/acceptance/library_lifecycle.py (aliases, the
 * archive router, migrate per alias, using(), save(using=), _state.db, the
 * cross-database relation refusal) with Django's transcript, and the calls
 * around them (per-alias logs and counts, DATABASE_URL_<ALIAS>, atomic
 * blocks per alias, unknown aliases).  On SQLite the aliases are two
 * in-memory databases, on PostgreSQL two schemas of the test server. */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "backend/db.h"
#include "testdb.h"

typedef struct Person {
    DORM_OBJECT;
    int64_t id;
    const char *name;
} Person;

typedef struct ArchivedLoan {
    DORM_OBJECT;
    int64_t id;
    const char *title;
    const char *borrower;
    dorm_date returned_on;
    DORM_FK(Person) person;
} ArchivedLoan;

typedef struct Snapshot {
    DORM_OBJECT;
    int64_t id;
    const char *label;
} Snapshot;

static const char *person_str(const void *o) { return ((const Person *)o)->name; }
static const char *loan_str(const void *o) { return ((const ArchivedLoan *)o)->title; }
static const char *snapshot_str(const void *o) { return ((const Snapshot *)o)->label; }

static const dorm_field Person_fields[] = {DORM_AUTO(Person, id), DORM_CHAR(Person, name, .max_length = 100), DORM_END};
const dorm_model Person_model =
    DORM_MODEL(Person, "lifecycle", Person_fields, .ordering = DORM_LIST("name"), .str = person_str);
static const dorm_field ArchivedLoan_fields[] = {DORM_AUTO(ArchivedLoan, id),
                                                 DORM_CHAR(ArchivedLoan, title, .max_length = 100),
                                                 DORM_CHAR(ArchivedLoan, borrower, .max_length = 100),
                                                 DORM_DATE(ArchivedLoan, returned_on),
                                                 DORM_FOREIGN_KEY(ArchivedLoan, person, Person, .null = true,
                                                                  .blank = true, .on_delete = DORM_DO_NOTHING,
                                                                  .no_db_constraint = true, .related_name = "+"),
                                                 DORM_END};
const dorm_model ArchivedLoan_model = DORM_MODEL(ArchivedLoan, "lifecycle", ArchivedLoan_fields,
                                                 .ordering = DORM_LIST("returned_on", "title"), .str = loan_str);
static const dorm_field Snapshot_fields[] = {DORM_AUTO(Snapshot, id), DORM_CHAR(Snapshot, label, .max_length = 50),
                                             DORM_END};
const dorm_model Snapshot_model =
    DORM_MODEL(Snapshot, "lifecycle", Snapshot_fields, .ordering = DORM_LIST("label"), .str = snapshot_str);
static const dorm_app lifecycle = {.label = "lifecycle",
                                   .models = DORM_MODELS(&Person_model, &ArchivedLoan_model, &Snapshot_model)};

/* An app the router leaves alone (on both databases), with a many-to-many. */
typedef struct Shelf {
    DORM_OBJECT;
    int64_t id;
    const char *label;
} Shelf;
DORM_MODEL_DECLARE(Snapshot);
static const char *shelf_str(const void *o) { return ((const Shelf *)o)->label; }
static const dorm_field Shelf_fields[] = {DORM_AUTO(Shelf, id), DORM_CHAR(Shelf, label, .max_length = 50),
                                          DORM_MANY_TO_MANY(Shelf, snapshots, Snapshot), DORM_END};
const dorm_model Shelf_model = DORM_MODEL(Shelf, "shelves", Shelf_fields, .str = shelf_str);
static const dorm_app shelves = {.label = "shelves", .models = DORM_MODELS(&Shelf_model)};

/* lifecycle/routers.py's ArchiveRouter. */
static bool archive_only(const dorm_model *m) { return m == &ArchivedLoan_model; }
static const char *for_read(const dorm_model *m, const dorm_hints *h, void *p) {
    (void)h, (void)p;
    return archive_only(m) ? "archive" : NULL;
}
static int allow_relation(const void *a, const void *b, const dorm_hints *h, void *p) {
    (void)h, (void)p;
    if (dorm_obj_db(a) && dorm_obj_db(b)) return strcmp(dorm_obj_db(a), dorm_obj_db(b)) == 0;
    return -1;
}
static int allow_migrate(const char *db, const char *app, const char *model, const dorm_hints *h, void *p) {
    (void)h, (void)p;
    if (strcmp(app, "lifecycle") != 0 || !model) return -1;
    if (strcmp(model, "snapshot") == 0) return -1;
    if (strcmp(model, "archivedloan") == 0) return strcmp(db, "archive") == 0;
    return strcmp(db, "default") == 0;
}
static const dorm_router archive_router = {for_read, for_read, allow_relation, allow_migrate, NULL};

static struct {
    dorm_registry *reg;
    dorm_databases *dbs;
    dorm_ctx *cx;
    char schemas[2][48];
} S;

static bool on_postgres(void) { return strncmp(test_db_url(), "postgres", 8) == 0; }

/* The URL of alias i: an in-memory database, or a schema of its own on the
 * test server (made here, dropped at the end). */
static const char *alias_url(int i, char *buf, size_t cap) {
    if (!on_postgres()) return "sqlite://:memory:";
    snprintf(S.schemas[i], sizeof S.schemas[i], "dorm_alias_%ld_%d", (long)getpid(), i);
    dorm_db *db = dorm_db_open(test_db_url(), S.reg);
    char sql[160];
    snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS \"%s\" CASCADE; CREATE SCHEMA \"%s\"", S.schemas[i], S.schemas[i]);
    dorm_errbuf e;
    cr_assert_eq(dorm_db__exec(db, sql, &e), 0, "%s", e.msg);
    dorm_db_close(db);
    snprintf(buf, cap, "%s&options=-c%%20search_path%%3D%s", test_db_url(), S.schemas[i]);
    return buf;
}

static void setup(void) {
    S.reg = dorm_registry_new((const dorm_app *const[]){&lifecycle, &shelves, NULL});
    cr_assert_eq(dorm_registry_errcode(S.reg), DORM_OK, "%s", dorm_registry_messages(S.reg));
    S.dbs = dorm_databases_new(S.reg);
    char url[2][600];
    cr_assert_eq(dorm_databases_add(S.dbs, "default", alias_url(0, url[0], sizeof url[0]), NULL), 0, "%s",
                 dorm_databases_errmsg(S.dbs));
    cr_assert_eq(dorm_databases_add(S.dbs, "archive", alias_url(1, url[1], sizeof url[1]), NULL), 0, "%s",
                 dorm_databases_errmsg(S.dbs));
    cr_assert_eq(dorm_databases_add_router(S.dbs, &archive_router), 0);
    S.cx = dorm_ctx_new_databases(S.dbs);
    cr_assert_not_null(S.cx);
}

static void teardown(void) {
    dorm_ctx_free(S.cx);
    dorm_databases_free(S.dbs);
    if (on_postgres()) {
        dorm_db *db = dorm_db_open(test_db_url(), S.reg);
        for (int i = 0; i < 2; i++) {
            char sql[120];
            dorm_errbuf e;
            snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS \"%s\" CASCADE", S.schemas[i]);
            dorm_db__exec(db, sql, &e);
        }
        dorm_db_close(db);
    }
    dorm_registry_free(S.reg);
    memset(&S, 0, sizeof S);
}

TestSuite(databases, .init = setup, .fini = teardown);

/* The transcript written so far. */
static char out[4096];
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    size_t n = strlen(out);
    vsnprintf(out + n, sizeof out - n, fmt, ap);
    va_end(ap);
}

/* The lifecycle tables of an alias, ", "-joined, or "-" (Django's
 * connections[alias].introspection.table_names()). */
static const char *tables(const char *alias, char *buf, size_t cap) {
    const char *prev = dorm_ctx_use(S.cx, alias);
    cr_assert_not_null(prev, "%s", dorm_errmsg(S.cx));
    size_t n;
    const char *const *names = dorm_table_names(S.cx, &n);
    cr_assert_not_null(names, "%s", dorm_errmsg(S.cx));
    cr_assert_null(names[n]);
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++)
        if (strncmp(names[i], "lifecycle", 9) == 0)
            snprintf(buf + strlen(buf), cap - strlen(buf), "%s%s", buf[0] ? ", " : "", names[i]);
    dorm_ctx_use(S.cx, prev);
    return buf[0] ? buf : "-";
}

static const char *names(dorm_qs *qs, char *buf, size_t cap) {
    size_t n;
    void **objs = dorm_qs_list(qs, &n);
    cr_assert_not_null(objs, "%s", dorm_errmsg(S.cx));
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++)
        snprintf(buf + strlen(buf), cap - strlen(buf), "%s%s", i ? ", " : "", dorm_obj_str(objs[i]));
    return n ? buf : "-";
}

static const char *yes(bool b) { return b ? "True" : "False"; }

Test(databases, acceptance_sections) {
    dorm_ctx *cx = S.cx;
    char b1[512], b2[512];
    out[0] = '\0';
    say("==== Several databases: router and migrate ====\n");
    say("aliases: %s, %s\n", dorm_databases_alias(S.dbs, 0), dorm_databases_alias(S.dbs, 1));
    say("db_for_read ArchivedLoan: %s Person: %s\n", dorm_db_for_read(cx, &ArchivedLoan_model, NULL),
        dorm_db_for_read(cx, &Person_model, NULL));
    say("db_for_write ArchivedLoan: %s Snapshot: %s\n", dorm_db_for_write(cx, &ArchivedLoan_model, NULL),
        dorm_db_for_write(cx, &Snapshot_model, NULL));
    for (int i = 0; i < 2; i++) {
        const char *alias = i ? "archive" : "default";
        say("allow_migrate %s: ArchivedLoan=%s, Person=%s, Snapshot=%s\n", alias,
            yes(dorm_allow_migrate(cx, alias, "lifecycle", &ArchivedLoan_model)),
            yes(dorm_allow_migrate(cx, alias, "lifecycle", &Person_model)),
            yes(dorm_allow_migrate(cx, alias, "lifecycle", &Snapshot_model)));
    }
    cr_assert_eq(dorm_create_all(cx), 0, "%s", dorm_errmsg(cx));
    say("archive tables before migrate: %s\n", tables("archive", b1, sizeof b1));
    cr_assert_not_null(dorm_ctx_use(cx, "archive"));
    cr_assert_eq(dorm_create_all(cx), 0, "%s", dorm_errmsg(cx));
    cr_assert_not_null(dorm_ctx_use(cx, "default"));
    say("archive tables: %s\n", tables("archive", b1, sizeof b1));
    say("default tables: %s\n", tables("default", b1, sizeof b1));

    say("==== Several databases: using() and save(using=) ====\n");
    dorm_create(cx, Person, .name = "Ann");
    dorm_create(cx, Person, .name = "Bob");
    cr_assert_not_null(
        dorm_create(cx, ArchivedLoan, .title = "Emma", .borrower = "Ann", .returned_on = dorm_date_ymd(2023, 3, 1)),
        "%s", dorm_errmsg(cx));
    ArchivedLoan *loan = dorm_new(cx, ArchivedLoan);
    loan->title = "Persuasion";
    loan->borrower = "Bob";
    loan->returned_on = dorm_date_ymd(2023, 2, 1);
    cr_assert_eq(dorm_save(loan), 0, "%s", dorm_errmsg(cx));
    say("loan saved on: %s\n", dorm_obj_db(loan));
    say("archived loans: ");
    int k = 0;
    DORM_EACH(ArchivedLoan, l, dorm_all(cx, ArchivedLoan)) {
        char d[16];
        dorm_date_format(l->returned_on, d);
        say("%s%s %s (%s)", k++ ? ", " : "", d, l->title, l->borrower);
    }
    say("\n");
    say("read from: %s | Person reads from: %s\n", dorm_qs_db(dorm_all(cx, ArchivedLoan)),
        dorm_qs_db(dorm_all(cx, Person)));
    if (dorm_count(dorm_using(dorm_all(cx, ArchivedLoan), "default")) < 0 &&
        (dorm_errcode(cx) == DORM_EOPERATIONAL || dorm_errcode(cx) == DORM_EPROGRAMMING))
        say("no ArchivedLoan table on default: DatabaseError\n");
    dorm_create(cx, Snapshot, .label = "on default");
    Snapshot *s = dorm_new(cx, Snapshot);
    s->label = "on archive";
    cr_assert_eq(dorm_save_using(s, "archive"), 0, "%s", dorm_errmsg(cx));
    say("saved on: %s\n", dorm_obj_db(s));
    Snapshot *copy = dorm_get(dorm_all(cx, Snapshot), DQ("label", "on default"));
    cr_assert_not_null(copy, "%s", dorm_errmsg(cx));
    copy->label = "copied to archive";
    say("same pk on both databases: %s\n", yes(copy->id == s->id));
    cr_assert_eq(dorm_save_using(copy, "archive"), 0, "%s", dorm_errmsg(cx));
    say("save(using=) with that pk overwrote the archive row: %s\n",
        names(dorm_using(dorm_all(cx, Snapshot), "archive"), b1, sizeof b1));
    copy->id = 0;
    copy->label = "a real copy";
    cr_assert_eq(dorm_save_using(copy, "archive"), 0, "%s", dorm_errmsg(cx));
    say("default snapshots: %s\n", names(dorm_all(cx, Snapshot), b1, sizeof b1));
    say("archive snapshots: %s\n", names(dorm_using(dorm_all(cx, Snapshot), "archive"), b1, sizeof b1));
    say("loaded from: %s\n", dorm_obj_db(dorm_first(dorm_using(dorm_all(cx, Snapshot), "archive"))));
    say("counts default/archive: %lld / %lld\n", (long long)dorm_count(dorm_all(cx, Snapshot)),
        (long long)dorm_count(dorm_using(dorm_all(cx, Snapshot), "archive")));

    say("==== Several databases: cross-database relation ====\n");
    Person *ann = dorm_get(dorm_all(cx, Person), DQ("name", "Ann"));
    loan = dorm_get(dorm_all(cx, ArchivedLoan), DQ("title", "Emma"));
    cr_assert(ann && loan, "%s", dorm_errmsg(cx));
    if (dorm_fk_set(loan, person, ann) == DORM_EVALUE) say("ValueError: %s\n", dorm_errmsg(cx));
    cr_assert_eq(loan->person.id, 0, "the refused assignment left the key alone");
    cr_assert_null(loan->person.obj);
    Person *bob = dorm_get(dorm_all(cx, Person), DQ("name", "Bob"));
    say("allow_relation: %s %s\n", yes(dorm_allow_relation(cx, ann, loan)), yes(dorm_allow_relation(cx, ann, bob)));
    dorm_deleted d;
    cr_assert_eq(dorm_qs_delete(dorm_filter(dorm_all(cx, ArchivedLoan), DQ("title", "Emma")), &d), 0, "%s",
                 dorm_errmsg(cx));
    say("deleted on archive: %lld (%s)\n", (long long)d.total, dorm_deleted_str(cx, &d));
    say("archived loans left: %s\n", names(dorm_all(cx, ArchivedLoan), b2, sizeof b2));

    /* Django's transcript, less the "default tables" line (the acceptance
     * app has more models than these three). */
    const char *expected =
        "==== Several databases: router and migrate ====\n"
        "aliases: default, archive\n"
        "db_for_read ArchivedLoan: archive Person: default\n"
        "db_for_write ArchivedLoan: archive Snapshot: default\n"
        "allow_migrate default: ArchivedLoan=False, Person=True, Snapshot=True\n"
        "allow_migrate archive: ArchivedLoan=True, Person=False, Snapshot=True\n"
        "archive tables before migrate: -\n"
        "archive tables: lifecycle_archivedloan, lifecycle_snapshot\n"
        "default tables: lifecycle_person, lifecycle_snapshot\n"
        "==== Several databases: using() and save(using=) ====\n"
        "loan saved on: archive\n"
        "archived loans: 2023-02-01 Persuasion (Bob), 2023-03-01 Emma (Ann)\n"
        "read from: archive | Person reads from: default\n"
        "no ArchivedLoan table on default: DatabaseError\n"
        "saved on: archive\n"
        "same pk on both databases: True\n"
        "save(using=) with that pk overwrote the archive row: copied to archive\n"
        "default snapshots: on default\n"
        "archive snapshots: a real copy, copied to archive\n"
        "loaded from: archive\n"
        "counts default/archive: 1 / 2\n"
        "==== Several databases: cross-database relation ====\n"
        "ValueError: Cannot assign \"<Person: Ann>\": the current database router prevents this relation.\n"
        "allow_relation: False True\n"
        "deleted on archive: 1 (lifecycle.ArchivedLoan: 1)\n"
        "archived loans left: Persuasion\n";
    cr_assert_str_eq(out, expected);
}

/* connection.introspection.table_names() of the alias in use: its own
 * tables, sorted. */
Test(databases, table_names_of_the_alias_in_use) {
    dorm_ctx *cx = S.cx;
    cr_assert_eq(dorm_create_all(cx), 0, "%s", dorm_errmsg(cx));
    char b[512];
    cr_assert_str_eq(tables("default", b, sizeof b), "lifecycle_person, lifecycle_snapshot");
    cr_assert_str_eq(tables("archive", b, sizeof b), "-");
    cr_assert_not_null(dorm_ctx_use(cx, "archive"));
    cr_assert_eq(dorm_create_all(cx), 0, "%s", dorm_errmsg(cx));
    size_t n;
    const char *const *names = dorm_table_names(cx, &n);
    cr_assert_not_null(names, "%s", dorm_errmsg(cx));
    for (size_t i = 1; i < n; i++) cr_assert_lt(strcmp(names[i - 1], names[i]), 0, "%s, %s", names[i - 1], names[i]);
    cr_assert_not_null(dorm_ctx_use(cx, "default"));
    cr_assert_str_eq(tables("archive", b, sizeof b), "lifecycle_archivedloan, lifecycle_snapshot");
}

static int nlogged[2];
static void count_log(const char *sql, const char *params, double seconds, void *payload) {
    (void)sql, (void)params, (void)seconds;
    ++*(int *)payload;
}

/* connections[alias].queries: each alias has its own log and count. */
Test(databases, per_alias_logs_and_counts) {
    dorm_ctx *cx = S.cx;
    cr_assert_eq(dorm_create_all(cx), 0, "%s", dorm_errmsg(cx));
    cr_assert_not_null(dorm_ctx_use(cx, "archive"));
    cr_assert_eq(dorm_create_all(cx), 0, "%s", dorm_errmsg(cx));
    cr_assert_not_null(dorm_ctx_use(cx, "default"));
    dorm_db *def = dorm_ctx_db_using(cx, "default"), *arc = dorm_ctx_db_using(cx, "archive");
    cr_assert(def && arc && def != arc);
    dorm_db_set_log(def, count_log, &nlogged[0]);
    dorm_db_set_log(arc, count_log, &nlogged[1]);
    uint64_t q0 = dorm_db_query_count(def), q1 = dorm_db_query_count(arc);
    dorm_create(cx, Person, .name = "Ann");
    dorm_create(cx, ArchivedLoan, .title = "Emma", .borrower = "Ann", .returned_on = dorm_date_ymd(2023, 3, 1));
    dorm_create(cx, ArchivedLoan, .title = "Ivanhoe", .borrower = "Ann", .returned_on = dorm_date_ymd(2023, 3, 2));
    cr_assert_eq(dorm_count(dorm_all(cx, ArchivedLoan)), 2);
    cr_assert_eq(dorm_db_query_count(def) - q0, 1);
    cr_assert_eq(dorm_db_query_count(arc) - q1, 3);
    cr_assert_eq(nlogged[0], 1);
    cr_assert_eq(nlogged[1], 3);
    /* delete(using=): the row goes from the database named, whatever the
     * routers would say (Snapshot's writes go to default). */
    Snapshot *s = dorm_new(cx, Snapshot);
    s->label = "archived";
    cr_assert_eq(dorm_save_using(s, "archive"), 0, "%s", dorm_errmsg(cx));
    dorm_create(cx, Snapshot, .label = "kept on default");
    Snapshot *ghost = dorm_new(cx, Snapshot);
    ghost->id = s->id;
    cr_assert_eq(dorm_delete_using(ghost, "archive", NULL), 0, "%s", dorm_errmsg(cx));
    cr_assert_eq(dorm_count(dorm_using(dorm_all(cx, Snapshot), "archive")), 0);
    cr_assert_eq(dorm_count(dorm_all(cx, Snapshot)), 1);
    cr_assert_null(dorm_ctx_db_using(cx, "nope"));
    cr_assert_eq(dorm_errcode(cx), DORM_ECONFIG);
    cr_assert_str_eq(dorm_errmsg(cx), "The connection 'nope' doesn't exist.");
    dorm_qs *bad = dorm_using(dorm_all(cx, Person), "nope");
    cr_assert_lt(dorm_count(bad), 0);
    cr_assert_str_eq(dorm_errmsg(cx), "The connection 'nope' doesn't exist.");
}

/* atomic(using=): a block on one alias leaves the other in autocommit;
 * commit ends the innermost block wherever it is. */
Test(databases, atomic_blocks_per_alias) {
    dorm_ctx *cx = S.cx;
    cr_assert_eq(dorm_create_all(cx), 0, "%s", dorm_errmsg(cx));
    cr_assert_not_null(dorm_ctx_use(cx, "archive"));
    cr_assert_eq(dorm_create_all(cx), 0, "%s", dorm_errmsg(cx));
    cr_assert_not_null(dorm_ctx_use(cx, "default"));
    cr_assert_eq(dorm_atomic_begin_using(cx, "archive", 0), 0, "%s", dorm_errmsg(cx));
    cr_assert(dorm_in_atomic_using(cx, "archive"));
    cr_assert_not(dorm_in_atomic_using(cx, "default"));
    dorm_create(cx, ArchivedLoan, .title = "Emma", .borrower = "Ann", .returned_on = dorm_date_ymd(2023, 3, 1));
    dorm_create(cx, Person, .name = "Ann");
    cr_assert_eq(dorm_atomic_rollback(cx), 0, "%s", dorm_errmsg(cx));
    cr_assert_not(dorm_in_atomic_using(cx, "archive"));
    cr_assert_eq(dorm_count(dorm_all(cx, ArchivedLoan)), 0, "the archive block was rolled back");
    cr_assert_eq(dorm_count(dorm_all(cx, Person)), 1, "default was in autocommit");
    cr_assert_eq(dorm_atomic_begin_using(cx, "nope", 0), DORM_ECONFIG);
}

/* DATABASES from the environment: DATABASE_URL and DATABASE_URL_<ALIAS>. */
Test(databases, aliases_from_the_environment) {
    if (on_postgres()) cr_skip_test("the environment test uses SQLite files");
    char dir[] = "/tmp/dorm-env-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char a[64], b[64], c[64];
    snprintf(a, sizeof a, "sqlite:///%s/a.db", dir);
    snprintf(b, sizeof b, "sqlite:///%s/b.db", dir);
    snprintf(c, sizeof c, "sqlite:///%s/c.db", dir);
    setenv("DATABASE_URL", a, 1);
    setenv("DATABASE_URL_REPORTS", c, 1);
    setenv("DATABASE_URL_ARCHIVE", b, 1);
    dorm_databases *dbs = dorm_databases_new(S.reg);
    cr_assert_eq(dorm_databases_add_env(dbs, NULL), 0, "%s", dorm_databases_errmsg(dbs));
    cr_assert_eq(dorm_databases_count(dbs), 3);
    cr_assert_str_eq(dorm_databases_alias(dbs, 0), "default");
    cr_assert_str_eq(dorm_databases_alias(dbs, 1), "archive");
    cr_assert_str_eq(dorm_databases_alias(dbs, 2), "reports");
    cr_assert_eq(dorm_databases_add(dbs, "archive", b, NULL), DORM_ECONFIG);
    cr_assert_str_eq(dorm_databases_errmsg(dbs), "The database alias 'archive' is defined twice.");
    cr_assert_eq(dorm_databases_add(dbs, "bad alias", b, NULL), DORM_ECONFIG);
    dorm_databases_free(dbs);
    unsetenv("DATABASE_URL_REPORTS");
    unsetenv("DATABASE_URL_ARCHIVE");
    unsetenv("DATABASE_URL");
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

static dorm_app lifecycle_dir;

/* makemigrations checks the history of every database its models may be
 * migrated to (allow_migrate), as Django's does. */
Test(databases, makemigrations_checks_the_history_per_database) {
    dorm_ctx *cx = S.cx;
    lifecycle_dir = lifecycle;
    lifecycle_dir.migrations_dir = test_tmpdir_make("dorm-hist");
    const dorm_app *const apps[] = {&lifecycle_dir, NULL};
    FILE *out = fopen("/dev/null", "w");
    dorm_makemigrations_opts mo = {.out = out};
    cr_assert_eq(dorm_makemigrations(cx, apps, &mo), 0, "%s", dorm_errmsg(cx));
    char path[128];
    snprintf(path, sizeof path, "%s/0002_nothing.json", lifecycle_dir.migrations_dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("{\"dependencies\": [[\"lifecycle\", \"0001_initial\"]], \"operations\": []}", f);
    fclose(f);
    dorm_migrate_opts mig = {.database = "archive", .verbosity = 0, .out = out};
    cr_assert_eq(dorm_migrate(cx, apps, &mig), 0, "%s", dorm_errmsg(cx));
    cr_assert_not_null(dorm_ctx_use(cx, "archive"));
    dorm_cursor *c = dorm_cursor_new(cx);
    cr_assert_eq(dorm_cursor_execute(c, "DELETE FROM dorm_migrations WHERE name = '0001_initial'", NULL, 0), 0, "%s",
                 dorm_errmsg(cx));
    dorm_cursor_close(c);
    cr_assert_not_null(dorm_ctx_use(cx, "default"));
    cr_assert_eq(dorm_makemigrations(cx, apps, &mo), DORM_EVALUE);
    cr_assert_str_eq(dorm_errmsg(cx),
                     "InconsistentMigrationHistory: Migration lifecycle.0002_nothing is applied before "
                     "its dependency lifecycle.0001_initial on database 'archive'.");
    fclose(out);
    test_tmpdir_remove();
}

/* A many-to-many manager refuses an object of another database (Django's
 * _get_target_ids and its message), before any row is written; objects of
 * its own database are added. */
Test(databases, many_to_many_add_across_databases) {
    dorm_ctx *cx = S.cx;
    for (int i = 0; i < 2; i++) {
        cr_assert_not_null(dorm_ctx_use(cx, i ? "archive" : "default"));
        cr_assert_eq(dorm_create_all(cx), 0, "%s", dorm_errmsg(cx));
    }
    dorm_ctx_use(cx, "default");
    Shelf *shelf = dorm_new(cx, Shelf);
    shelf->label = "front";
    cr_assert_eq(dorm_save(shelf), 0, "%s", dorm_errmsg(cx));
    Snapshot *here = dorm_new(cx, Snapshot), *there = dorm_new(cx, Snapshot);
    here->label = "here";
    there->label = "there";
    cr_assert_eq(dorm_save(here), 0, "%s", dorm_errmsg(cx));
    cr_assert_eq(dorm_save_using(there, "archive"), 0, "%s", dorm_errmsg(cx));
    uint64_t before = dorm_ctx_query_count(cx);
    cr_assert_eq(dorm_related_add(shelf, "snapshots", (void *[]){here, there}, 2), DORM_EVALUE);
    cr_assert_str_eq(dorm_errmsg(cx),
                     "Cannot add \"<Snapshot: there>\": instance is on database \"default\", value is on database "
                     "\"archive\"");
    cr_assert_eq(dorm_ctx_query_count(cx), before, "refused before any SQL");
    cr_assert_eq(dorm_related_add(shelf, "snapshots", (void *[]){here}, 1), 0, "%s", dorm_errmsg(cx));
    cr_assert_eq(dorm_count(dorm_related(shelf, "snapshots")), 1);
}
