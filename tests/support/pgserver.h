/* pgserver.h - a private PostgreSQL server for tests that stop, crash and
 * restart their server: scripts/pg_start.sh into a folder of the build
 * tree, on a unix socket there, controlled with scripts/pg_ctl.sh. */
#ifndef DORM_TEST_PGSERVER_H
#define DORM_TEST_PGSERVER_H

#include <stdbool.h>

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

#endif
