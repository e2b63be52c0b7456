/* myserver.h - a private MariaDB server for tests that stop, kill and
 * restart their server: scripts/mariadb_start.sh into a folder of the build
 * tree, on a unix socket there, controlled with scripts/mariadb_ctl.sh. */
#ifndef DORM_TEST_MYSERVER_H
#define DORM_TEST_MYSERVER_H

#include <stdbool.h>

/* Starts the server of the test `name` (its folder and state file are
 * named after it), durable (InnoDB writes its log at every commit, so a
 * crash loses no acknowledged commit), and returns its URL, or skips the test when the server
 * programs are not installed.  Fails the test when the server does not
 * start within two minutes. */
const char *test_my_server_start(const char *name);
/* Runs scripts/mariadb_ctl.sh with `args` ("stop -m immediate", "start")
 * on that server: true when it succeeded. */
bool test_my_server_ctl(const char *args);
/* Stops and removes the server of `name`, if any (also from another
 * process than the one that started it). */
void test_my_server_stop(const char *name);

#endif
