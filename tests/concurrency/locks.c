/* locks.c - select_for_update between two connections on PostgreSQL: a
 * locked row refuses NOWAIT, is left out by SKIP LOCKED, and makes a second
 * read-modify-write wait for the first one's commit, so no update is lost.
 * SQLite has no row locks (Django ignores select_for_update there). */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>

#include "testdb.h"

static void open_pg(void) {
    test_db_open();
    if (strcmp(dorm_db_vendor(T.db), "postgresql") != 0) {
        test_db_close();
        cr_skip_test("row locks are PostgreSQL's (SQLite locks the whole database)");
    }
}

TestSuite(locks, .init = open_pg, .fini = test_db_close, .timeout = 60);

static Author *author(dorm_ctx *cx, const char *name) { return dorm_get(dorm_all(cx, Author), DQ("name", name)); }

Test(locks, nowait_and_skip_locked) {
    cr_assert_not_null(dorm_create(T.cx, Author, .name = "Alice"));
    cr_assert_not_null(dorm_create(T.cx, Author, .name = "Bruno"));
    dorm_db *db2 = test_db_connect("");
    dorm_ctx *cx2 = dorm_ctx_new(db2);
    cr_assert_eq(dorm_atomic_begin(T.cx), 0);
    Author *a = dorm_get(dorm_select_for_update(dorm_all(T.cx, Author)), DQ("name", "Alice"));
    cr_assert_not_null(a, "%s", dorm_errmsg(T.cx));

    cr_assert_eq(dorm_atomic_begin(cx2), 0);
    cr_assert_null(dorm_get(dorm_select_for_update_with(dorm_all(cx2, Author), &(dorm_lock_opts){.nowait = true}),
                            DQ("name", "Alice")));
    cr_assert_eq(dorm_errcode(cx2), DORM_EOPERATIONAL, "%s", dorm_errmsg(cx2));
    cr_assert(strstr(dorm_errmsg(cx2), "could not obtain lock on row"), "%s", dorm_errmsg(cx2));
    cr_assert_eq(dorm_atomic_rollback(cx2), 0);

    cr_assert_eq(dorm_atomic_begin(cx2), 0);
    size_t n;
    Author **free_rows = (Author **)dorm_list(
        dorm_select_for_update_with(dorm_all(cx2, Author), &(dorm_lock_opts){.skip_locked = true}), &n);
    cr_assert_not_null(free_rows, "%s", dorm_errmsg(cx2));
    cr_assert_eq(n, 1);
    cr_assert_str_eq(free_rows[0]->name, "Bruno");
    /* A plain read is not blocked. */
    cr_assert_eq(dorm_count(dorm_all(cx2, Author)), 2);
    cr_assert_eq(dorm_atomic_commit(cx2), 0);
    cr_assert_eq(dorm_atomic_commit(T.cx), 0);
    dorm_ctx_free(cx2);
    dorm_db_close(db2);
}

/* The other connection's read-modify-write of the same row, in a thread:
 * its select_for_update waits for the first transaction to end. */
typedef struct adder {
    dorm_db *db;
    int rc;
    char msg[256];
} adder;

static void *add_one(void *payload) {
    adder *ad = payload;
    dorm_ctx *cx = dorm_ctx_new(ad->db);
    ad->rc = dorm_atomic_begin(cx);
    Author *a = ad->rc ? NULL : dorm_get(dorm_select_for_update(dorm_all(cx, Author)), DQ("name", "Alice"));
    if (a) {
        a->biography = dorm_sprintf(cx, "%s+1", a->biography);
        ad->rc = dorm_save(a);
    } else if (!ad->rc) {
        ad->rc = dorm_errcode(cx);
    }
    int end = dorm_atomic_end(cx, ad->rc == 0);
    if (!ad->rc) ad->rc = end;
    strncpy(ad->msg, dorm_errmsg(cx), sizeof ad->msg - 1);
    dorm_ctx_free(cx);
    return NULL;
}

Test(locks, no_lost_update) {
    cr_assert_not_null(dorm_create(T.cx, Author, .name = "Alice", .biography = "0"));
    adder ad = {.db = test_db_connect("")};
    cr_assert_eq(dorm_atomic_begin(T.cx), 0);
    Author *a = dorm_get(dorm_select_for_update(dorm_all(T.cx, Author)), DQ("name", "Alice"));
    cr_assert_not_null(a, "%s", dorm_errmsg(T.cx));
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, add_one, &ad), 0);
    /* Give the other its chance to read the row first: the lock stops it. */
    nanosleep(&(struct timespec){0, 200 * 1000 * 1000}, NULL);
    a->biography = "0+10";
    cr_assert_eq(dorm_save(a), 0, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_atomic_commit(T.cx), 0, "%s", dorm_errmsg(T.cx));
    pthread_join(t, NULL);
    cr_assert_eq(ad.rc, 0, "%s", ad.msg);
    cr_assert_str_eq(author(T.cx, "Alice")->biography, "0+10+1", "both updates kept");
    dorm_db_close(ad.db);
}
