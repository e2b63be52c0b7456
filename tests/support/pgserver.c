/* pgserver.c - the private PostgreSQL servers of fault and scale-out tests
 * (see pgserver.h): shell calls to scripts/pg_start.sh, pg_standby.sh,
 * pgbouncer_start.sh, pg_ctl.sh and the stop scripts, each bounded by
 * timeout(1). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "pgserver.h"

static char state[512], url[512], standby_state[512], standby_url[512], pgb_url[512];

/* The state file and folder of test `name`, in the build tree. */
static void paths(const char *name, char *st, size_t stcap, char *dir, size_t dircap) {
    snprintf(st, stcap, "%s/pgf-%s.env", DORM_TEST_BUILD_DIR, name);
    if (dir) snprintf(dir, dircap, "%s/pgf-%s", DORM_TEST_BUILD_DIR, name);
}

static bool have_initdb(void) {
    return system("{ command -v pg_config && test -x \"$(pg_config --bindir)/initdb\"; } >/dev/null 2>&1 || "
                  "ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1") == 0;
}

void test_server_url(const char *cmd, const char *scheme, char *out, size_t cap) {
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p, "popen %s", cmd);
    char line[512], last[512] = "", text[2048] = "";
    while (fgets(line, sizeof line, p)) {
        line[strcspn(line, "\n")] = '\0';
        snprintf(last, sizeof last, "%s", line);
        size_t n = strlen(text);
        snprintf(text + n, sizeof text - n, "%s\n", line);
    }
    int status = pclose(p);
    cr_assert(status == 0 && strncmp(last, scheme, strlen(scheme)) == 0, "%s failed:\n%s", cmd, text);
    snprintf(out, cap, "%s", last);
}

const char *test_pg_server_start(const char *name) {
    if (!have_initdb()) cr_skip_test("needs the PostgreSQL server programs (initdb)");
    char dir[512], cmd[1536];
    paths(name, state, sizeof state, dir, sizeof dir);
    snprintf(cmd, sizeof cmd, "DORM_PG_STATE='%s' timeout 120 '%s/scripts/pg_start.sh' '%s' 2>&1", state,
             DORM_TEST_SOURCE_DIR, dir);
    test_server_url(cmd, "postgres", url, sizeof url);
    return url;
}

const char *test_pg_standby_start(const char *name) {
    char dir[512], cmd[2048];
    snprintf(standby_state, sizeof standby_state, "%s/pgf-%s-standby.env", DORM_TEST_BUILD_DIR, name);
    snprintf(dir, sizeof dir, "%s/pgf-%s-standby", DORM_TEST_BUILD_DIR, name);
    snprintf(cmd, sizeof cmd, "DORM_PG_STATE='%s' timeout 150 '%s/scripts/pg_standby.sh' '%s' '%s' 2>&1", standby_state,
             DORM_TEST_SOURCE_DIR, state, dir);
    test_server_url(cmd, "postgres", standby_url, sizeof standby_url);
    return standby_url;
}

bool test_pg_standby_ctl(const char *args) {
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "DORM_PG_STATE='%s' timeout 120 '%s/scripts/pg_ctl.sh' %s", standby_state,
             DORM_TEST_SOURCE_DIR, args);
    int status = system(cmd);
    return status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

void test_pg_standby_stop(const char *name) {
    char st[512], cmd[1024];
    snprintf(st, sizeof st, "%s/pgf-%s-standby.env", DORM_TEST_BUILD_DIR, name);
    if (access(st, F_OK) != 0) return;
    snprintf(cmd, sizeof cmd, "DORM_PG_STATE='%s' timeout 120 '%s/scripts/pg_stop.sh'", st, DORM_TEST_SOURCE_DIR);
    if (system(cmd) != 0) fprintf(stderr, "pg_stop.sh failed for %s\n", st);
}

const char *test_pgbouncer_start(const char *name, int pool) {
    if (system("command -v pgbouncer >/dev/null 2>&1 || test -x /usr/sbin/pgbouncer") != 0)
        cr_skip_test("needs pgbouncer (the Debian package pgbouncer; scripts/deps.sh installs it)");
    char st[512], dir[512], cmd[2048];
    snprintf(st, sizeof st, "%s/pgf-%s-pgb.env", DORM_TEST_BUILD_DIR, name);
    snprintf(dir, sizeof dir, "%s/pgf-%s-pgb", DORM_TEST_BUILD_DIR, name);
    snprintf(cmd, sizeof cmd, "DORM_PGB_STATE='%s' timeout 60 '%s/scripts/pgbouncer_start.sh' '%s' '%s' %d 2>&1", st,
             DORM_TEST_SOURCE_DIR, state, dir, pool);
    test_server_url(cmd, "postgres", pgb_url, sizeof pgb_url);
    return pgb_url;
}

void test_pgbouncer_stop(const char *name) {
    char st[512], cmd[1024];
    snprintf(st, sizeof st, "%s/pgf-%s-pgb.env", DORM_TEST_BUILD_DIR, name);
    if (access(st, F_OK) != 0) return;
    snprintf(cmd, sizeof cmd, "DORM_PGB_STATE='%s' timeout 30 '%s/scripts/pgbouncer_stop.sh'", st,
             DORM_TEST_SOURCE_DIR);
    if (system(cmd) != 0) fprintf(stderr, "pgbouncer_stop.sh failed for %s\n", st);
}

bool test_pg_server_ctl(const char *args) {
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "DORM_PG_STATE='%s' timeout 120 '%s/scripts/pg_ctl.sh' %s", state, DORM_TEST_SOURCE_DIR,
             args);
    int status = system(cmd);
    return status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

void test_pg_server_stop(const char *name) {
    char st[512], cmd[1024];
    paths(name, st, sizeof st, NULL, 0);
    if (access(st, F_OK) != 0) return;
    snprintf(cmd, sizeof cmd, "DORM_PG_STATE='%s' timeout 120 '%s/scripts/pg_stop.sh'", st, DORM_TEST_SOURCE_DIR);
    if (system(cmd) != 0) fprintf(stderr, "pg_stop.sh failed for %s\n", st);
}
