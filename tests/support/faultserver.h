/* faultserver.h - what the fault tests of a private server share
 * (tests/fault/pg_server.c, my_server.c): the server's controls, a
 * connection with the library models, and the scenarios every backend must
 * pass when its server is stopped, crashed and restarted outside and inside
 * transactions. */
#ifndef DORM_TEST_FAULTSERVER_H
#define DORM_TEST_FAULTSERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "testdb.h"

/* A kind of private server (pgserver.h, myserver.h). */
typedef struct test_server {
    const char *(*start)(const char *name); /* the server of test `name`: its URL  */
    bool (*ctl)(const char *args); /* "start", "stop -m fast|immediate"   */
    void (*stop)(const char *name); /* stops and removes it               */
    const char *url_suffix; /* appended to the URL, or ""          */
    const char *sleep_sql; /* a statement running 30 s            */
    const char *durable_sql; /* 1 when commits survive a crash      */
} test_server;

/* The open test: its server and connection. */
typedef struct test_fault {
    const test_server *srv;
    dorm_registry *reg;
    dorm_db *db;
    dorm_ctx *cx;
} test_fault;
extern test_fault F;

/* Starts the server of test `name` and opens it with the library models'
 * tables; close closes and removes it. */
void test_fault_open(const test_server *srv, const char *name);
void test_fault_close(const char *name);

/* Each test has a server of its own, named after the test; the file's
 * ReportHook(POST_TEST) stops it even when the test crashed before its
 * fini. */
#define DORM_SERVER_TEST(suite, srv, name)                            \
    static void init_##name(void) { test_fault_open(&(srv), #name); } \
    static void fini_##name(void) { test_fault_close(#name); }        \
    Test(suite, name, .init = init_##name, .fini = fini_##name, .timeout = 180)

/* The server stopped as by a crash (no shutdown; connections cut), or
 * started again; the test fails when the control fails. */
void test_fault_crash(void);
void test_fault_start(void);
/* The number of authors (the test fails on an error), and a new one. */
int64_t test_fault_authors(void);
Author *test_fault_author(const char *name);
/* The first column of the one row of `sql` as an integer. */
int64_t test_fault_scalar(const char *sql);

/* The scenarios (see docs/reliability.md). */
void test_fault_restarts_between_statements(void);
void test_fault_statements_fail_while_the_server_is_down(void);
void test_fault_crash_inside_an_atomic_block(void);
void test_fault_restart_inside_an_atomic_block(void);
void test_fault_own_transactions_end_themselves(void);
void test_fault_crash_during_a_statement(void);
void test_fault_acknowledged_commits_survive_a_crash(void);

#endif
