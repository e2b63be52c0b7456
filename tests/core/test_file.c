/* test_file.c - files written whole or not at all (core/file.c): the new
 * content replaces the old only when complete, a failed write leaves the old
 * file, a symbolic link keeps pointing at its (replaced) target, an existing
 * file keeps its permissions, and what is not a regular file (a FIFO, like
 * /dev/null) is written in place, never replaced by a regular file. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/file.h"

static char dir[64];

static void make_dir(void) {
    snprintf(dir, sizeof dir, "/tmp/dorm-file-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void remove_dir(void) {
    char cmd[96];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_expect_eq(system(cmd), 0);
}

TestSuite(file, .init = make_dir, .fini = remove_dir);

static const char *in_dir(const char *name) {
    static char path[2][128];
    static int k;
    k ^= 1;
    snprintf(path[k], sizeof path[k], "%s/%s", dir, name);
    return path[k];
}

static const char *content(const char *path) {
    static char buf[256];
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s", path);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* Files in the folder other than `a` and `b` (a temporary file left behind). */
static int others(const char *a, const char *b) {
    char cmd[256];
    snprintf(cmd, sizeof cmd, "test $(ls -A '%s' | grep -v -x -e '%s' -e '%s' | wc -l) -eq 0", dir, a, b ? b : a);
    return system(cmd) != 0;
}

Test(file, replaces_only_when_complete) {
    const char *p = in_dir("m.json");
    cr_assert_eq(dorm_file__write(p, "first\n"), 0);
    cr_expect_str_eq(content(p), "first\n");
    dorm_file wf;
    cr_assert_eq(dorm_file__create(&wf, p), 0);
    fputs("half of the sec", wf.f);
    cr_expect_str_eq(content(p), "first\n", "the old content stays while the new one is written");
    cr_expect_neq(dorm_file__finish(&wf, false), 0);
    cr_expect_str_eq(content(p), "first\n", "a failed write leaves the old file");
    cr_expect_eq(others("m.json", NULL), 0, "no temporary file is left");
    cr_assert_eq(dorm_file__write(p, "second\n"), 0);
    cr_expect_str_eq(content(p), "second\n");
    cr_expect_eq(others("m.json", NULL), 0);
}

Test(file, keeps_permissions_and_follows_links) {
    const char *p = in_dir("target.json"), *link = in_dir("link.json");
    cr_assert_eq(dorm_file__write(p, "old"), 0);
    cr_assert_eq(chmod(p, 0640), 0);
    cr_assert_eq(symlink("target.json", link), 0);
    cr_assert_eq(dorm_file__write(link, "new"), 0);
    struct stat st;
    cr_assert_eq(lstat(link, &st), 0);
    cr_expect(S_ISLNK(st.st_mode), "the link is still a link");
    cr_expect_str_eq(content(p), "new", "its target was replaced");
    cr_assert_eq(stat(p, &st), 0);
    cr_expect_eq(st.st_mode & 0777, 0640);
    cr_expect_eq(others("target.json", "link.json"), 0);
}

Test(file, writes_a_special_file_in_place) {
    const char *fifo = in_dir("fifo");
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    int reader = open(fifo, O_RDONLY | O_NONBLOCK);
    cr_assert_geq(reader, 0);
    cr_assert_eq(dorm_file__write(fifo, "through"), 0);
    struct stat st;
    cr_assert_eq(lstat(fifo, &st), 0);
    cr_expect(S_ISFIFO(st.st_mode), "the FIFO was replaced by a regular file");
    char buf[16] = "";
    cr_expect_eq(read(reader, buf, sizeof buf - 1), 7);
    cr_expect_str_eq(buf, "through");
    close(reader);
    cr_expect_eq(others("fifo", NULL), 0);
}
