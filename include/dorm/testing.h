/* dorm/testing.h - helpers for a program's own test suite, as Django's
 * TestCase: a test database built from the models or the migrations and
 * removed afterwards, each test inside a transaction rolled back at its end
 * with its fixtures loaded, and assertNumQueries.  Plain C calls returning
 * results and messages, so they serve Criterion, another framework or none
 * (docs/testing.md).  Not included by <dorm.h>: include <dorm/testing.h>.
 * SPDX-License-Identifier: MIT (see LICENSE) */
#ifndef DORM_TESTING_H
#define DORM_TESTING_H

#include "api.h"

#include <stdbool.h>
#include <stddef.h>

#include "db.h"
#include "model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A test database: the registry of the apps under test, a connection, and
 * the tables.  One per test process. */
typedef struct dorm_testdb dorm_testdb;

/* How dorm_testdb_setup builds the test database; zero for the defaults. */
typedef struct dorm_testdb_opts {
    /* The database to test on; NULL: $DORM_TEST_URL, else sqlite://:memory:.
     * On a server (PostgreSQL) the tables go in a schema of the process's own,
     * so test processes can share one database; test processes running at
     * once need an SQLite file each (or memory). */
    const char *url;
    /* true: build the tables by applying the apps' migrations (Django's test
     * runner); false: create the models' tables directly. */
    bool migrate;
} dorm_testdb_opts;

/* Opens the test database for `apps` (the registry is built and checked
 * here) and builds its tables.  Always returns a handle (NULL only when out
 * of memory): check dorm_testdb_errcode; tear down a failed handle too. */
DORM_API dorm_testdb *dorm_testdb_setup(const dorm_app *const *apps, const dorm_testdb_opts *opts);
/* Removes what setup built (the schema, or the tables and the migration
 * record), closes the connection and frees the handle.  Accepts NULL. */
DORM_API void dorm_testdb_teardown(dorm_testdb *t);
/* DORM_OK, or the error of the setup; its message (never NULL, borrowed). */
DORM_API int dorm_testdb_errcode(const dorm_testdb *t);
DORM_API const char *dorm_testdb_errmsg(const dorm_testdb *t);
/* The test database's connection and registry (borrowed). */
DORM_API dorm_db *dorm_testdb_db(const dorm_testdb *t);
DORM_API const dorm_registry *dorm_testdb_registry(const dorm_testdb *t);

/* Starts one test (Django's TestCase.setUp): a new context on the test
 * database, a transaction opened on it, and the fixture files (NULL or
 * NULL-terminated) loaded inside it.  The test's own atomic blocks become
 * savepoints.  Returns the context (NULL only when out of memory); check
 * dorm_errcode(cx): on a failure the transaction is rolled back already.
 * End it with dorm_testcase_end, whatever happened. */
DORM_API dorm_ctx *dorm_testcase_begin(dorm_testdb *t, const char *const *fixtures);
/* Ends the test: rolls back everything it wrote (every transaction level it
 * left open too) and frees the context.  0, or the error of the rollback.
 * Accepts NULL. */
DORM_API int dorm_testcase_end(dorm_ctx *cx);

/* The statements run through a context's connection, captured for
 * assertNumQueries. */
typedef struct dorm_queries dorm_queries;
/* Starts capturing every statement cx's connection runs (its statement log
 * callback still gets them).  The capture lives in cx's arena; NULL when
 * out of memory.  One capture per connection at a time. */
DORM_API dorm_queries *dorm_queries_start(dorm_ctx *cx);
/* Stops capturing; safe to call again.  The statements stay readable. */
DORM_API void dorm_queries_stop(dorm_queries *q);
/* How many statements were captured, and the i-th as "SQL; args=(...)"
 * (borrowed from the arena; NULL past the end). */
DORM_API size_t dorm_queries_count(const dorm_queries *q);
DORM_API const char *dorm_queries_get(const dorm_queries *q, size_t i);
/* assertNumQueries(expected): stops capturing and returns NULL when exactly
 * `expected` statements ran, else Django's failure message, in cx's arena:
 *   "3 != 2 : 3 queries executed, 2 expected\nCaptured queries were:\n1. ...\n2. ..."
 * Use it as cr_assert_null(msg, "%s", msg), or print it. */
DORM_API const char *dorm_queries_check(dorm_queries *q, size_t expected);

#ifdef __cplusplus
}
#endif

#endif
