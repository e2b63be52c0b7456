/* myserver.c - the private MariaDB servers of fault tests (see myserver.h):
 * shell calls to scripts/mariadb_start.sh, mariadb_ctl.sh and
 * mariadb_stop.sh, each bounded by timeout(1). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "myserver.h"
#include "pgserver.h"

static char state[512], url[512];

/* The state file of test `name`, in the build tree.  The folder is short:
 * a unix socket path is limited to about 100 bytes. */
static void state_of(const char *name, char *st, size_t cap) {
    snprintf(st, cap, "%s/myf-%s.env", DORM_TEST_BUILD_DIR, name);
}

const char *test_my_server_start(const char *name) {
    if (system("{ command -v mariadbd || test -x /usr/sbin/mariadbd; } >/dev/null 2>&1 && "
               "command -v mariadb-install-db >/dev/null 2>&1") != 0)
        cr_skip_test("needs the MariaDB server programs (the Debian package mariadb-server)");
    char cmd[1536];
    state_of(name, state, sizeof state);
    snprintf(cmd, sizeof cmd,
             "DORM_MY_DURABLE=1 DORM_MY_STATE='%s' timeout 120 '%s/scripts/mariadb_start.sh' '%s/myf-%s' 2>&1", state,
             DORM_TEST_SOURCE_DIR, DORM_TEST_BUILD_DIR, name);
    test_server_url(cmd, "mysql", url, sizeof url);
    return url;
}

bool test_my_server_ctl(const char *args) {
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "DORM_MY_STATE='%s' timeout 120 '%s/scripts/mariadb_ctl.sh' %s", state,
             DORM_TEST_SOURCE_DIR, args);
    int status = system(cmd);
    return status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

void test_my_server_stop(const char *name) {
    char st[512], cmd[1024];
    state_of(name, st, sizeof st);
    if (access(st, F_OK) != 0) return;
    snprintf(cmd, sizeof cmd, "DORM_MY_STATE='%s' timeout 120 '%s/scripts/mariadb_stop.sh'", st, DORM_TEST_SOURCE_DIR);
    if (system(cmd) != 0) fprintf(stderr, "mariadb_stop.sh failed for %s\n", st);
}
