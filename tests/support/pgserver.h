/* pgserver.h - a private PostgreSQL server for tests that stop, crash and
 * restart their server: scripts/pg_start.sh into a folder of the build
 * tree, on a unix socket there, controlled with scripts/pg_ctl.sh; with a
 * hot standby and a PgBouncer in front of it for the scale-out tests. */
#ifndef DORM_TEST_PGSERVER_H
#define DORM_TEST_PGSERVER_H

#include <stdbool.h>

/* Runs the shell command `cmd` (a start script) whose last line of output
 * is a URL of `scheme` ("postgres", "mysql") into out; fails the test with
 * the command's output otherwise. */
void test_server_url(const char *cmd, const char *scheme, char *out, size_t cap);

/* Starts the server of the test `name` (its folder and state file are
 * named after it) and returns its URL, or skips the test when the server
 * programs are not installed.  Fails the test when the server does not
 * start within two minutes. */
const char *test_pg_server_start(const char *name);
/* Runs scripts/pg_ctl.sh with `args` ("stop -m immediate", "start") on
 * that server: true when pg_ctl succeeded. */
bool test_pg_server_ctl(const char *args);
/* Stops and removes the server of `name`, if any (also from another
 * process than the one that started it). */
void test_pg_server_stop(const char *name);

/* A hot standby of the server of `name` (scripts/pg_standby.sh), its URL;
 * ctl runs pg_ctl.sh on it; stop removes it. */
const char *test_pg_standby_start(const char *name);
bool test_pg_standby_ctl(const char *args);
void test_pg_standby_stop(const char *name);
/* PgBouncer in transaction mode with `pool` server connections in front of
 * the server of `name` (scripts/pgbouncer_start.sh), its URL (prepare=0);
 * skips the test when the pgbouncer program is not installed. */
const char *test_pgbouncer_start(const char *name, int pool);
void test_pgbouncer_stop(const char *name);

#endif
