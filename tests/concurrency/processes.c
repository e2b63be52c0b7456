/* processes.c - four processes, a connection each, writing the same rows at
 * once: F() increments (the exact total, every failure reported),
 * get_or_create and update_or_create of the same keys, and on SQLite
 * read-modify-write blocks under transaction_mode=IMMEDIATE.  SQLite runs
 * on a file in WAL mode.  Every loop is bounded in count and time. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "backend/db.h"
#include "testdb.h"

#define WORKERS 4
#define KEYS 40
/* F() increments per worker: 100, times $DORM_STRESS (make test-stress). */
#define INCREMENTS (100 * stress())
/* Seconds a worker may run before it is killed and the test fails. */
#define DEADLINE (90 * stress())

/* $DORM_STRESS: how many times the usual work the load loops do (1 to 100). */
static int stress(void) {
    const char *s = getenv("DORM_STRESS");
    int n = s ? atoi(s) : 1;
    return n < 1 ? 1 : n > 100 ? 100 : n;
}

static bool on_sqlite(void) { return strncmp(test_db_url(), "sqlite", 6) == 0; }

static void open_shared(void) {
    if (on_sqlite()) {
        static char url[160];
        snprintf(url, sizeof url, "sqlite:///%s/shared.db", test_tmpdir_make("dorm-procs"));
        cr_assert_eq(setenv("DORM_TEST_URL", url, 1), 0);
    }
    test_db_open();
    if (on_sqlite()) {
        dorm_errbuf e = {0, ""};
        cr_assert_eq(dorm_db__exec(T.db, "PRAGMA journal_mode = WAL", &e), 0, "%s", e.msg);
    }
}

static void close_shared(void) {
    test_db_close();
    if (on_sqlite()) test_tmpdir_remove();
}

TestSuite(processes, .init = open_shared, .fini = close_shared, .timeout = 180);

/* What a worker did: failures counted, the first one's message kept. */
typedef struct tally {
    int failures;
    char first[400];
} tally;

static void failed(tally *t, dorm_ctx *cx, const char *what) {
    if (t->failures++ == 0) snprintf(t->first, sizeof t->first, "%s: %s", what, dorm_errmsg(cx));
}

typedef void (*work_fn)(dorm_ctx *cx, int worker, tally *t);

/* A worker process: its own connection to the test database (`query`
 * appended to the URL), fn, and one line of report on `fd`. */
static void worker(int fd, int n, const char *query, work_fn fn) {
    alarm(DEADLINE);
    char url[600];
    const char *u = test_db_url();
    snprintf(url, sizeof url, "%s%s%s", u, query[0] ? (strchr(u, '?') ? "&" : "?") : "", query);
    tally t = {0, ""};
    dorm_db *db = dorm_db_open(url, T.reg);
    dorm_ctx *cx = dorm_ctx_new(db);
    if (dorm_db_errcode(db) != DORM_OK) {
        t.failures = 1;
        snprintf(t.first, sizeof t.first, "open: %.380s", dorm_db_errmsg(db));
    } else {
        dorm_errbuf e = {0, ""};
        if (test_db_use_schema(db, &e) != 0) {
            t.failures = 1;
            snprintf(t.first, sizeof t.first, "%.390s", e.msg);
        } else {
            fn(cx, n, &t);
        }
    }
    char line[512];
    int len = snprintf(line, sizeof line, "worker %d: %d failures%s%s\n", n, t.failures, t.failures ? "; first: " : "",
                       t.first);
    if (write(fd, line, (size_t)len) != len) _exit(3);
    dorm_ctx_free(cx);
    dorm_db_close(db);
    _exit(t.failures ? 1 : 0);
}

/* Runs fn in WORKERS processes at once and fails the test, with every
 * worker's report, unless each of them ended without a failure. */
static void run_workers(const char *query, work_fn fn) {
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    pid_t pids[WORKERS];
    for (int i = 0; i < WORKERS; i++) {
        pids[i] = fork();
        cr_assert_neq(pids[i], -1);
        if (pids[i] == 0) {
            close(fds[0]);
            worker(fds[1], i, query, fn);
        }
    }
    close(fds[1]);
    char report[WORKERS * 512 + 1] = "";
    size_t used = 0;
    time_t end = time(NULL) + DEADLINE + 10;
    for (;;) {
        struct pollfd p = {fds[0], POLLIN, 0};
        int left = (int)(end - time(NULL));
        if (left <= 0 || poll(&p, 1, left * 1000) <= 0) break;
        ssize_t n = read(fds[0], report + used, sizeof report - 1 - used);
        if (n <= 0) break;
        used += (size_t)n;
    }
    report[used] = '\0';
    close(fds[0]);
    bool ok = true;
    for (int i = 0; i < WORKERS; i++) {
        int status = 0;
        pid_t done;
        while ((done = waitpid(pids[i], &status, WNOHANG)) == 0 && time(NULL) < end)
            nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
        if (done != pids[i]) {
            kill(pids[i], SIGKILL);
            waitpid(pids[i], &status, 0);
            ok = false;
        }
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) ok = false;
    }
    cr_assert(ok, "%s", report[0] ? report : "the workers reported nothing (killed?)");
}

static int64_t book_id;

static void seed_book(void) {
    Author *a = dorm_create(T.cx, Author, .name = "A");
    cr_assert_not_null(a, "%s", dorm_errmsg(T.cx));
    Book *b = dorm_create(T.cx, Book, .title = "counter", .author = {a->id, NULL},
                          .publication_date = dorm_date_ymd(2000, 1, 1), .isbn = "counter", .pages = 0);
    cr_assert_not_null(b, "%s", dorm_errmsg(T.cx));
    book_id = b->id;
}

static int32_t pages(void) {
    Book *b = dorm_get(dorm_all(T.cx, Book), DQ("pk", book_id));
    cr_assert_not_null(b, "%s", dorm_errmsg(T.cx));
    return b->pages;
}

static void increment(dorm_ctx *cx, int n, tally *t) {
    (void)n;
    for (int i = 0; i < INCREMENTS; i++) {
        dorm_qs *qs = dorm_filter(dorm_all(cx, Book), DQ("pk", book_id));
        if (dorm_update(qs, DSET("pages", dorm_add(dorm_F("pages"), 1))) != 1) failed(t, cx, "update");
    }
}

Test(processes, f_increments_add_up) {
    seed_book();
    run_workers("", increment);
    cr_assert_eq(pages(), WORKERS * INCREMENTS);
}

/* Read, add one in C, save: only correct when the block holds the write
 * lock from its start, which transaction_mode=IMMEDIATE gives on SQLite.
 * (On PostgreSQL this needs SELECT ... FOR UPDATE; F() is the way.) */
static void read_modify_write(dorm_ctx *cx, int n, tally *t) {
    (void)n;
    for (int i = 0; i < INCREMENTS; i++) {
        if (dorm_atomic_begin(cx) != 0) {
            failed(t, cx, "begin");
            continue;
        }
        Book *b = dorm_get(dorm_all(cx, Book), DQ("pk", book_id));
        bool ok = b != NULL;
        if (ok) {
            b->pages++;
            ok = dorm_save_fields(b, "pages") == 0;
        }
        if (!ok) failed(t, cx, "read and save");
        if (dorm_atomic_end(cx, ok) != 0 && ok) failed(t, cx, "commit");
    }
}

Test(processes, immediate_blocks_serialise_read_modify_write) {
    if (!on_sqlite()) cr_skip_test("transaction_mode is an SQLite option");
    seed_book();
    run_workers("transaction_mode=IMMEDIATE", read_modify_write);
    cr_assert_eq(pages(), WORKERS * INCREMENTS);
}

static void make_books(dorm_ctx *cx, int n, tally *t, bool update) {
    Author *a = dorm_get(dorm_all(cx, Author), DQ("name", "A"));
    if (!a) {
        failed(t, cx, "author");
        return;
    }
    char isbn[16], title[16];
    snprintf(title, sizeof title, "worker %d", n);
    for (int i = 0; i < KEYS; i++) {
        /* Each worker walks the keys from another starting point. */
        snprintf(isbn, sizeof isbn, "key-%d", (i + n * KEYS / WORKERS) % KEYS);
        bool created;
        const dorm_set *const *defaults = DORM_DEFAULTS(DSET("title", title), DSET("author", a->id),
                                                        DSET("publication_date", dorm_date_ymd(2020, 1, 1)));
        Book *b = update ? dorm_update_or_create(dorm_all(cx, Book), &created, defaults, DQ("isbn", isbn))
                         : dorm_get_or_create(dorm_all(cx, Book), &created, defaults, DQ("isbn", isbn));
        if (!b) failed(t, cx, update ? "update_or_create" : "get_or_create");
    }
}

static void get_or_create_all(dorm_ctx *cx, int n, tally *t) { make_books(cx, n, t, false); }

static void update_or_create_all(dorm_ctx *cx, int n, tally *t) { make_books(cx, n, t, true); }

/* Issue 12 item 12: in WAL mode a deferred transaction that read first
 * failed "database is locked" at its insert. */
Test(processes, get_or_create_from_four_processes) {
    cr_assert_not_null(dorm_create(T.cx, Author, .name = "A"), "%s", dorm_errmsg(T.cx));
    run_workers("", get_or_create_all);
    cr_assert_eq(dorm_count(dorm_all(T.cx, Book)), KEYS);
}

Test(processes, update_or_create_from_four_processes) {
    cr_assert_not_null(dorm_create(T.cx, Author, .name = "A"), "%s", dorm_errmsg(T.cx));
    run_workers("", update_or_create_all);
    cr_assert_eq(dorm_count(dorm_all(T.cx, Book)), KEYS);
}
