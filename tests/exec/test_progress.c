/* test_progress.c - progress reports of long work (dorm_ctx_set_progress):
 * bulk_create, bulk_update, delete of many rows, loaddata, dumpdata, migrate
 * and its RunC functions each report from 0 to the whole, at most once per
 * hundredth, and end with a finished report (short of the whole when the
 * work failed); dorm_progress_bar draws on a terminal and nowhere else. */
#define _XOPEN_SOURCE 700 /* posix_openpt */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dorm/sys/driver.h"
#include "testdb.h"

#define MAX_EVENTS 512

typedef struct seen {
    char task[32], subject[96];
    int64_t done, total;
    bool finished;
} seen;

static seen events[MAX_EVENTS];
static int nevents;

static void record(const dorm_progress_event *ev, void *payload) {
    cr_assert_eq(payload, &events, "the payload given");
    cr_assert_lt(nevents, MAX_EVENTS, "more reports than one per hundredth");
    seen *s = &events[nevents++];
    snprintf(s->task, sizeof s->task, "%s", ev->task);
    snprintf(s->subject, sizeof s->subject, "%s", ev->subject ? ev->subject : "");
    s->done = ev->done;
    s->total = ev->total;
    s->finished = ev->finished;
}

static void open_db(void) {
    test_db_open();
    nevents = 0;
    dorm_ctx_set_progress(T.cx, record, &events);
}

TestSuite(progress, .init = open_db, .fini = test_db_close);

/* The reports of one piece of work, events[from..to): a first one at
 * `first`, then growing, at most one per hundredth, the last one finished
 * at `last` of `total`. */
static void expect_run(int from, int to, const char *task, const char *subject, int64_t first, int64_t last,
                       int64_t total) {
    cr_assert_gt(to, from, "%s reported nothing", task);
    cr_expect_leq(to - from, 102, "%s: %d reports", task, to - from);
    cr_expect_eq(events[from].done, first, "%s: first report at %lld", task, (long long)events[from].done);
    for (int i = from; i < to; i++) {
        cr_expect_str_eq(events[i].task, task);
        if (subject) cr_expect_str_eq(events[i].subject, subject);
        cr_expect_eq(events[i].total, total, "%s: total %lld", task, (long long)events[i].total);
        cr_expect_eq(events[i].finished, i == to - 1, "%s: only the last report is finished", task);
        if (i > from) cr_expect_geq(events[i].done, events[i - 1].done);
    }
    cr_expect_eq(events[to - 1].done, last, "%s: last report at %lld", task, (long long)events[to - 1].done);
}

static Author **authors(size_t n) {
    Author **objs = dorm_alloc(T.cx, n * sizeof *objs);
    for (size_t i = 0; i < n; i++) {
        objs[i] = dorm_new(T.cx, Author);
        objs[i]->name = dorm_sprintf(T.cx, "Author %zu", i);
    }
    return objs;
}

Test(progress, bulk_create_and_bulk_update_report_their_rows) {
    Author **objs = authors(2500);
    cr_assert_eq(dorm_bulk_create(T.cx, Author, objs, 2500, 100), 0, "%s", dorm_errmsg(T.cx));
    expect_run(0, nevents, "bulk_create", "library.Author", 0, 2500, 2500);
    cr_expect_geq(nevents, 25, "a report per batch of 100");

    nevents = 0;
    for (size_t i = 0; i < 2500; i++) objs[i]->biography = "updated";
    cr_assert_eq(dorm_bulk_update(T.cx, Author, objs, 2500, "biography"), 2500, "%s", dorm_errmsg(T.cx));
    expect_run(0, nevents, "bulk_update", "library.Author", 0, 2500, 2500);
}

Test(progress, a_failed_bulk_create_finishes_short) {
    Author *a = dorm_create(T.cx, Author, .name = "Jane Austen");
    cr_assert(a);
    nevents = 0;
    Book **books = dorm_alloc(T.cx, 300 * sizeof *books);
    for (int i = 0; i < 300; i++) {
        books[i] = dorm_new(T.cx, Book);
        books[i]->title = "Emma";
        books[i]->author.id = a->id;
        books[i]->publication_date = dorm_date_ymd(1815, 12, 23);
        books[i]->isbn = i == 250 ? "dup" : dorm_sprintf(T.cx, "%d", i);
    }
    books[10]->isbn = "dup";
    cr_assert_eq(dorm_bulk_create(T.cx, Book, books, 300, 100), DORM_EINTEGRITY);
    expect_run(0, nevents, "bulk_create", "library.Book", 0, events[nevents - 1].done, 300);
    cr_expect_lt(events[nevents - 1].done, 300, "the last report says how far it got");
}

Test(progress, delete_reports_the_rows_it_collected) {
    test_db_catalogue();
    Author **objs = authors(1200);
    cr_assert_eq(dorm_bulk_create(T.cx, Author, objs, 1200, 0), 0, "%s", dorm_errmsg(T.cx));
    nevents = 0;
    dorm_deleted d;
    cr_assert_eq(dorm_qs_delete(dorm_all(T.cx, Author), &d), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(d.total, 1203 + 8);
    /* The rows of every statement: 1203 authors, their 8 books, and the
     * 1203 keys Everything.maybe_author's SET_NULL update goes through. */
    expect_run(0, nevents, "delete", "library.Author", 0, 1203 + 8 + 1203, 1203 + 8 + 1203);
}

Test(progress, nothing_without_a_callback) {
    dorm_ctx_set_progress(T.cx, NULL, NULL);
    Author **objs = authors(300);
    cr_assert_eq(dorm_bulk_create(T.cx, Author, objs, 300, 10), 0);
    cr_expect_eq(nevents, 0);
}

Test(progress, loaddata_and_dumpdata) {
    test_tmpdir_make("dorm-progress");
    dorm_buf json = DORM_BUF_INIT;
    dorm_buf_puts(&json, "[");
    for (int i = 1; i <= 500; i++)
        dorm_buf_printf(&json, "%s{\"model\": \"library.author\", \"pk\": %d, \"fields\": {\"name\": \"A%d\"}}",
                        i > 1 ? ", " : "", i, i);
    dorm_buf_puts(&json, "]");
    test_write_file("authors.json", json.data);
    dorm_buf_free(&json);
    const char *path = test_tmpdir_path("authors.json");
    cr_assert_eq(dorm_loaddata(T.cx, (const char *const[]){path, NULL}, NULL), 0, "%s", dorm_errmsg(T.cx));
    expect_run(0, nevents, "loaddata", path, 0, 500, 500);

    nevents = 0;
    FILE *sink = fopen("/dev/null", "w");
    cr_assert_eq(dorm_dumpdata(T.cx, DORM_LIST("library.author"), 0, sink), 0, "%s", dorm_errmsg(T.cx));
    fclose(sink);
    expect_run(0, nevents, "dumpdata", "library.Author", 0, 500, 500);
    test_tmpdir_remove();
}

static int fill(dorm_ctx *cx, dorm_progress *p) {
    (void)cx;
    for (int i = 1; i <= 4; i++) dorm_progress_report(p, i, 4);
    return 0;
}

Test(progress, migrate_reports_each_migration_and_its_run_c) {
    const char *dir = test_tmpdir_make("dorm-progress");
    test_write_file("0001_initial.json",
                    "{\"initial\": true, \"dependencies\": [], \"operations\": [{\"operation\": \"CreateModel\", "
                    "\"name\": \"Item\", \"fields\": [[\"id\", {\"type\": \"AutoField\", \"primary_key\": true}]]}]}");
    test_write_file("0002_fill.json",
                    "{\"dependencies\": [[\"stock\", \"0001_initial\"]], \"operations\": "
                    "[{\"operation\": \"RunC\", \"code\": \"fill\"}]}");
    dorm_app stock = {.label = "stock",
                      .models = test_empty_app.models,
                      .migrations_dir = dir,
                      .functions = DORM_RUNCS({"fill", fill})};
    FILE *out = fopen("/dev/null", "w");
    int rc = dorm_migrate(T.cx, (const dorm_app *const[]){&stock, NULL}, &(dorm_migrate_opts){.out = out});
    fclose(out);
    cr_assert_eq(rc, 0, "%s", dorm_errmsg(T.cx));
    /* migrate 0/2 (0001), migrate 1/2 (0002), RunC 1/4 .. 4/4 and 4/4
     * finished, migrate 2/2 finished. */
    cr_assert_eq(nevents, 8, "%d reports", nevents);
    cr_expect(!strcmp(events[0].subject, "stock.0001_initial") && events[0].done == 0 && events[0].total == 2);
    cr_expect(!strcmp(events[1].subject, "stock.0002_fill") && events[1].done == 1 && !events[1].finished);
    expect_run(2, 7, "RunC", "fill", 1, 4, 4);
    cr_expect_str_eq(events[7].task, "migrate");
    cr_expect(events[7].finished && events[7].done == 2 && events[7].total == 2);
    test_tmpdir_remove();
}

Test(progress, the_bar_draws_on_a_terminal_only) {
    dorm_progress_event ev = {"loaddata", "books.json", 42, 100, false};
    FILE *file = tmpfile();
    dorm_progress_bar(&ev, file);
    cr_expect_eq(ftell(file), 0, "nothing on a file");
    fclose(file);

    int master = posix_openpt(O_RDWR | O_NOCTTY);
    cr_assert_geq(master, 0);
    cr_assert_eq(grantpt(master), 0);
    cr_assert_eq(unlockpt(master), 0);
    int slave = open(ptsname(master), O_RDWR | O_NOCTTY);
    cr_assert_geq(slave, 0);
    FILE *tty = fdopen(slave, "w");
    dorm_progress_bar(&ev, tty);
    ev.done = 100;
    ev.finished = true;
    dorm_progress_bar(&ev, tty);
    fflush(tty);
    /* A pty hands the bytes over in as many reads as it likes: read until
     * the closing newline, for two seconds at most. */
    char got[512];
    size_t n = 0;
    for (int tries = 0; n < sizeof got - 1 && !memchr(got, '\n', n) && tries < 200; tries++) {
        struct pollfd p = {master, POLLIN, 0};
        if (poll(&p, 1, 10) <= 0) continue;
        ssize_t r = read(master, got + n, sizeof got - 1 - n);
        if (r > 0) n += (size_t)r;
    }
    cr_assert_gt(n, 0);
    got[n] = '\0';
    cr_expect(strstr(got, "\r  loaddata books.json [############                  ]  42%"), "%s", got);
    cr_expect(strstr(got, "\r  loaddata books.json [##############################] 100%"), "%s", got);
    cr_expect(strchr(got, '\n'), "the last report ends the line");
    fclose(tty);
    close(master);
}
