/* test_testing.c - the helpers of dorm/testing.h for a program's own test
 * suite: the test database from the models or the migrations (torn down
 * afterwards), each test case a transaction rolled back at its end with its
 * fixtures, assertNumQueries and its Django message; on every backend. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dorm/testing.h>

#include "testdb.h"

typedef struct Note {
    DORM_OBJECT;
    int64_t id;
    const char *text;
} Note;
static const dorm_field Note_fields[] = {DORM_AUTO(Note, id), DORM_CHAR(Note, text, .max_length = 100), DORM_END};
const dorm_model Note_model = DORM_MODEL(Note, "notes", Note_fields);

static const dorm_app library = {.label = "library", .models = DORM_MODELS(&Author_model, &Book_model)};
static const dorm_app *const apps[] = {&library, NULL};

static dorm_testdb *tdb;

static void setup(void) {
    tdb = dorm_testdb_setup(apps, NULL);
    cr_assert(tdb);
    cr_assert_eq(dorm_testdb_errcode(tdb), DORM_OK, "%s", dorm_testdb_errmsg(tdb));
}

static void teardown(void) { dorm_testdb_teardown(tdb); }

TestSuite(testing, .init = setup, .fini = teardown);

static int64_t authors(dorm_ctx *cx) { return dorm_count(dorm_all(cx, Author)); }

Test(testing, each_test_case_is_rolled_back) {
    dorm_ctx *cx = dorm_testcase_begin(tdb, NULL);
    cr_assert(cx && !dorm_errcode(cx), "%s", dorm_errmsg(cx));
    cr_assert(dorm_create(cx, Author, .name = "Jane Austen"), "%s", dorm_errmsg(cx));
    /* The test's own blocks are savepoints: a commit there is not the end. */
    cr_assert_eq(dorm_atomic_begin(cx), 0);
    cr_assert(dorm_create(cx, Author, .name = "George Orwell"));
    cr_assert_eq(dorm_atomic_commit(cx), 0);
    cr_expect_eq(authors(cx), 2);
    /* A block the test leaves open goes too. */
    cr_assert_eq(dorm_atomic_begin(cx), 0);
    cr_assert(dorm_create(cx, Author, .name = "J.R.R. Tolkien"));
    cr_assert_eq(dorm_testcase_end(cx), 0);

    cx = dorm_testcase_begin(tdb, NULL);
    cr_assert(cx && !dorm_errcode(cx), "%s", dorm_errmsg(cx));
    cr_expect_eq(authors(cx), 0, "the next test starts from empty tables");
    cr_expect_eq(dorm_testcase_end(cx), 0);
}

Test(testing, fixtures_are_loaded_per_test_case) {
    const char *dir = test_tmpdir_make("dorm-testing");
    char path[256];
    snprintf(path, sizeof path, "%s/authors.json", dir);
    FILE *f = fopen(path, "w");
    cr_assert(f);
    fputs("[{\"model\": \"library.author\", \"pk\": 1, \"fields\": {\"name\": \"Jane Austen\"}},"
          " {\"model\": \"library.author\", \"pk\": 2, \"fields\": {\"name\": \"George Orwell\"}}]",
          f);
    fclose(f);
    dorm_ctx *cx = dorm_testcase_begin(tdb, (const char *const[]){path, NULL});
    cr_assert(cx && !dorm_errcode(cx), "%s", dorm_errmsg(cx));
    cr_expect_eq(authors(cx), 2);
    Author *a = dorm_get(dorm_all(cx, Author), DQ("pk", 2));
    cr_expect(a && strcmp(a->name, "George Orwell") == 0);
    cr_expect_eq(dorm_testcase_end(cx), 0);

    cx = dorm_testcase_begin(tdb, NULL);
    cr_expect_eq(authors(cx), 0, "fixtures go with their test case");
    dorm_testcase_end(cx);

    /* A missing fixture: the test case reports why and holds nothing. */
    cx = dorm_testcase_begin(tdb, (const char *const[]){path, "/nonexistent/more.json", NULL});
    cr_assert(cx);
    cr_expect_neq(dorm_errcode(cx), DORM_OK);
    cr_expect_str_eq(dorm_errmsg(cx), "No fixture named 'more' found.");
    cr_expect_not(dorm_in_atomic(cx));
    cr_expect_eq(dorm_testcase_end(cx), 0);
    test_tmpdir_remove();
}

static int logged;
static void count_log(const char *sql, const char *params, double seconds, void *payload) {
    (void)sql, (void)params, (void)seconds, (void)payload;
    logged++;
}

Test(testing, assert_num_queries) {
    dorm_ctx *cx = dorm_testcase_begin(tdb, NULL);
    cr_assert(cx && !dorm_errcode(cx));
    dorm_db_set_log(dorm_testdb_db(tdb), count_log, NULL);
    logged = 0;
    dorm_queries *q = dorm_queries_start(cx);
    cr_assert(q);
    cr_assert(dorm_create(cx, Author, .name = "Jane Austen"));
    cr_expect_eq(authors(cx), 1);
    cr_expect_eq(dorm_queries_count(q), 2, "an INSERT and a COUNT");
    cr_expect_eq(logged, 2, "the program's log callback still gets every statement");
    cr_expect_null(dorm_queries_check(q, 2));
    cr_expect_eq(authors(cx), 1);
    cr_expect_eq(dorm_queries_count(q), 2, "stopped by the check");

    q = dorm_queries_start(cx);
    cr_expect_eq(authors(cx), 1);
    const char *msg = dorm_queries_check(q, 3);
    cr_assert_not_null(msg);
    const char *head = "1 != 3 : 1 queries executed, 3 expected\nCaptured queries were:\n1. SELECT COUNT(*) ";
    cr_expect_eq(strncmp(msg, head, strlen(head)), 0, "%s", msg);
    cr_expect(strstr(msg, "; args=()"), "%s", msg);
    cr_expect_str_eq(dorm_queries_get(q, 0),
                     msg +
                         strlen("1 != 3 : 1 queries executed, 3 expected\n"
                                "Captured queries were:\n1. "));
    cr_expect_null(dorm_queries_get(q, 1));
    dorm_queries_stop(q);
    logged = 0;
    cr_expect_eq(authors(cx), 1);
    cr_expect_eq(logged, 1, "the program's callback is back");
    dorm_db_set_log(dorm_testdb_db(tdb), NULL, NULL);
    dorm_testcase_end(cx);
}

Test(testing_alone, bad_setups_say_why) {
    dorm_testdb *t = dorm_testdb_setup(apps, &(dorm_testdb_opts){.url = "nosuch://x"});
    cr_assert(t);
    cr_expect_eq(dorm_testdb_errcode(t), DORM_ECONFIG);
    cr_expect(strstr(dorm_testdb_errmsg(t), "test database: opening the database: "), "%s", dorm_testdb_errmsg(t));
    dorm_ctx *cx = dorm_testcase_begin(t, NULL);
    cr_expect(cx && dorm_errcode(cx) == DORM_ECONFIG, "a test case on it carries the setup's error");
    cr_expect_str_eq(dorm_errmsg(cx), dorm_testdb_errmsg(t));
    dorm_testcase_end(cx);
    dorm_testdb_teardown(t);

    const dorm_app broken = {.label = "library", .models = DORM_MODELS(&Book_model)};
    t = dorm_testdb_setup((const dorm_app *const[]){&broken, NULL}, NULL);
    cr_expect_eq(dorm_testdb_errcode(t), DORM_ECONFIG);
    cr_expect(strstr(dorm_testdb_errmsg(t), "test database: system checks: "), "%s", dorm_testdb_errmsg(t));
    dorm_testdb_teardown(t);
}

/* Django's test runner: the schema from the migrations, recorded. */
Test(testing_alone, built_by_migrating) {
    const char *dir = test_tmpdir_make("dorm-testing");
    char path[256];
    snprintf(path, sizeof path, "%s/0001_initial.json", dir);
    FILE *f = fopen(path, "w");
    cr_assert(f);
    fputs("{\"initial\": true, \"dependencies\": [], \"operations\": [{\"operation\": \"CreateModel\", \"name\": "
          "\"Note\", \"fields\": [[\"id\", {\"type\": \"AutoField\", \"primary_key\": true}], [\"text\", "
          "{\"type\": \"CharField\", \"max_length\": 100}]]}]}",
          f);
    fclose(f);
    const dorm_app notes = {.label = "notes", .models = DORM_MODELS(&Note_model), .migrations_dir = dir};
    dorm_testdb *t = dorm_testdb_setup((const dorm_app *const[]){&notes, NULL}, &(dorm_testdb_opts){.migrate = true});
    cr_assert_eq(dorm_testdb_errcode(t), DORM_OK, "%s", dorm_testdb_errmsg(t));
    dorm_ctx *cx = dorm_testcase_begin(t, NULL);
    cr_assert(dorm_create(cx, Note, .text = "migrated"), "%s", dorm_errmsg(cx));
    cr_expect_eq(dorm_count(dorm_all(cx, Note)), 1);
    dorm_testcase_end(cx);
    dorm_testdb_teardown(t);
    test_tmpdir_remove();
}

/* Teardown leaves nothing behind in a database that outlives the test. */
Test(testing_alone, teardown_removes_the_tables_of_a_file_database) {
    const char *dir = test_tmpdir_make("dorm-testing");
    char url[256];
    snprintf(url, sizeof url, "sqlite:///%s/suite.db", dir);
    dorm_testdb *t = dorm_testdb_setup(apps, &(dorm_testdb_opts){.url = url});
    cr_assert_eq(dorm_testdb_errcode(t), DORM_OK, "%s", dorm_testdb_errmsg(t));
    dorm_testdb_teardown(t);
    dorm_registry *reg = dorm_registry_new(apps);
    dorm_db *db = dorm_db_open(url, reg);
    dorm_ctx *cx = dorm_ctx_new(db);
    cr_expect_lt(dorm_count(dorm_all(cx, Author)), 0, "the table is gone");
    dorm_ctx_free(cx);
    dorm_db_close(db);
    dorm_registry_free(reg);
    test_tmpdir_remove();
}
