/* replicas.c - read replicas on a real PostgreSQL hot standby: each test
 * starts a private primary (scripts/pg_start.sh) and a standby made from it
 * by pg_basebackup -R (scripts/pg_standby.sh), routes a dorm_databases with
 * the replica router over them, and checks where reads and writes go (by
 * each alias's query count), replication lag (replay paused on the standby:
 * another context reads stale rows, the writer reads its own), reads inside
 * transactions, the end of the read-your-writes window, a standby that goes
 * down and comes back, and migrations kept off the replica. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
#include <criterion/hooks.h>

#include "backend/db.h"
#include "pgserver.h"
#include "testdb.h"

static const dorm_app app = {.label = "library", .models = DORM_MODELS(&Author_model, &Book_model)};

static struct {
    dorm_registry *reg;
    dorm_databases *dbs;
    dorm_db *standby; /* a plain connection to the standby, for replay control */
} S;

/* Seconds a context keeps reading from the primary after its write. */
#define WINDOW 0.5

static void sleep_s(double s) {
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

static void sql_on(dorm_db *db, const char *sql) {
    dorm_errbuf e;
    cr_assert_eq(dorm_db__exec(db, sql, &e), 0, "%s: %s", sql, e.msg);
}

/* Waits (at most 20 s) until the standby has replayed everything the
 * primary wrote so far. */
static void wait_replayed(dorm_ctx *cx) {
    dorm_cursor *c = dorm_cursor_new(cx);
    cr_assert_eq(dorm_cursor_execute(c, "SELECT pg_current_wal_insert_lsn()::text", NULL, 0), 0, "%s", dorm_errmsg(cx));
    const dorm_value *row = dorm_cursor_fetchone(c);
    cr_assert_not_null(row, "%s", dorm_errmsg(cx));
    char lsn[64];
    snprintf(lsn, sizeof lsn, "%s", row[0].u.s);
    dorm_cursor_close(c);
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT 1 WHERE pg_last_wal_replay_lsn() >= '%s'::pg_lsn", lsn);
    for (int i = 0; i < 400; i++) {
        dorm_errbuf e;
        dorm_cached_stmt *cs;
        cr_assert_eq(dorm_db__prepare(S.standby, sql, DORM_STRLEN, &cs, &e), 0, "%s", e.msg);
        bool found = dorm_db__run(S.standby, cs, NULL, 0, &e) == DORM_STEP_ROW;
        dorm_db__release(S.standby, cs);
        if (found) return;
        sleep_s(0.05);
    }
    cr_assert_fail("the standby did not catch up with %s in 20 s", lsn);
}

static void start(const char *name) {
    const char *primary = test_pg_server_start(name);
    char purl[600], surl[600];
    snprintf(purl, sizeof purl, "%s", primary);
    snprintf(surl, sizeof surl, "%s", test_pg_standby_start(name));
    S.reg = dorm_registry_new((const dorm_app *const[]){&app, NULL});
    S.dbs = dorm_databases_new(S.reg);
    dorm_pool_opts opts = DORM_POOL_OPTS_INIT;
    opts.retry_after = 0.5;
    cr_assert_eq(dorm_databases_add(S.dbs, "default", purl, &opts), 0, "%s", dorm_databases_errmsg(S.dbs));
    cr_assert_eq(dorm_databases_add(S.dbs, "replica", surl, &opts), 0, "%s", dorm_databases_errmsg(S.dbs));
    cr_assert_eq(dorm_databases_add_replica_router(S.dbs, "default", (const char *const[]){"replica", NULL}, WINDOW), 0,
                 "%s", dorm_databases_errmsg(S.dbs));
    S.standby = dorm_db_open(surl, S.reg);
    cr_assert_eq(dorm_db_errcode(S.standby), DORM_OK, "%s", dorm_db_errmsg(S.standby));
    dorm_ctx *cx = dorm_ctx_new_databases(S.dbs);
    cr_assert_eq(dorm_create_all(cx), 0, "%s", dorm_errmsg(cx));
    wait_replayed(cx);
    dorm_ctx_free(cx);
}

static void stop(const char *name) {
    dorm_db_close(S.standby);
    dorm_databases_free(S.dbs);
    dorm_registry_free(S.reg);
    memset(&S, 0, sizeof S);
    test_pg_standby_stop(name);
    test_pg_server_stop(name);
}

#define SCALE_TEST(name)                            \
    static void init_##name(void) { start(#name); } \
    static void fini_##name(void) { stop(#name); }  \
    Test(replicas, name, .init = init_##name, .fini = fini_##name, .timeout = 180)

ReportHook(POST_TEST)(struct criterion_test_stats *stats) {
    test_pg_standby_stop(stats->test->name);
    test_pg_server_stop(stats->test->name);
}

static uint64_t queries(dorm_ctx *cx, const char *alias) { return dorm_db_query_count(dorm_ctx_db_using(cx, alias)); }

static const char *served(dorm_ctx *cx, uint64_t d0, uint64_t r0) {
    bool d = queries(cx, "default") > d0, r = queries(cx, "replica") > r0;
    return d && r ? "both" : d ? "default" : r ? "replica" : "none";
}

/* Runs `stmt` and sets `where` to the alias that served its statements:
 * "default", "replica", "both" or "none". */
#define SERVED_BY(cx, where, stmt)                                           \
    do {                                                                     \
        uint64_t d0_ = queries(cx, "default"), r0_ = queries(cx, "replica"); \
        stmt;                                                                \
        where = served(cx, d0_, r0_);                                        \
    } while (0)

SCALE_TEST(reads_writes_and_lag) {
    dorm_ctx *writer = dorm_ctx_new_databases(S.dbs), *other = dorm_ctx_new_databases(S.dbs);
    cr_assert_str_eq(dorm_qs_db(dorm_all(other, Author)), "replica");
    cr_assert_str_eq(dorm_db_for_write(other, &Author_model, NULL), "default");
    const char *where;
    SERVED_BY(writer, where, cr_assert_not_null(dorm_create(writer, Author, .name = "first")));
    cr_assert_str_eq(where, "default", "writes go to the primary");
    SERVED_BY(writer, where, cr_assert_eq(dorm_count(dorm_all(writer, Author)), 1, "%s", dorm_errmsg(writer)));
    cr_assert_str_eq(where, "default", "the writer reads its own write from the primary");
    wait_replayed(writer);
    SERVED_BY(other, where, cr_assert_eq(dorm_count(dorm_all(other, Author)), 1, "%s", dorm_errmsg(other)));
    cr_assert_str_eq(where, "replica", "a context that did not write reads the replica");

    /* Replication lag, made certain: replay paused on the standby. */
    sql_on(S.standby, "SELECT pg_wal_replay_pause()");
    cr_assert_not_null(dorm_create(writer, Author, .name = "second"), "%s", dorm_errmsg(writer));
    SERVED_BY(other, where, cr_assert_eq(dorm_count(dorm_all(other, Author)), 1, "the replica lags: stale"));
    cr_assert_str_eq(where, "replica");
    SERVED_BY(writer, where, cr_assert_eq(dorm_count(dorm_all(writer, Author)), 2, "the writer sees its write"));
    cr_assert_str_eq(where, "default");
    sql_on(S.standby, "SELECT pg_wal_replay_resume()");
    wait_replayed(writer);
    cr_assert_eq(dorm_count(dorm_all(other, Author)), 2, "%s", dorm_errmsg(other));

    /* Past the window the writer reads the replica again. */
    sleep_s(WINDOW + 0.1);
    SERVED_BY(writer, where, dorm_count(dorm_all(writer, Author)));
    cr_assert_str_eq(where, "replica");

    /* Inside a transaction every read is on the primary, and the window
     * starts again from the commit of one that wrote. */
    cr_assert_eq(dorm_atomic_begin(writer), 0, "%s", dorm_errmsg(writer));
    SERVED_BY(writer, where, dorm_count(dorm_all(writer, Author)));
    cr_assert_str_eq(where, "default", "reads in a transaction are on the primary");
    cr_assert_not_null(dorm_create(writer, Author, .name = "third"), "%s", dorm_errmsg(writer));
    sleep_s(WINDOW + 0.1);
    cr_assert_eq(dorm_atomic_commit(writer), 0, "%s", dorm_errmsg(writer));
    SERVED_BY(writer, where, cr_assert_eq(dorm_count(dorm_all(writer, Author)), 3));
    cr_assert_str_eq(where, "default", "read-your-writes counts from the commit");
    /* Objects read from the replica belong to it; saving one writes to the
     * primary (the router's db_for_write). */
    sleep_s(WINDOW + 0.1);
    wait_replayed(writer);
    Author *a = dorm_get(dorm_all(other, Author), DQ("name", "first"));
    cr_assert_not_null(a, "%s", dorm_errmsg(other));
    cr_assert_str_eq(dorm_obj_db(a), "replica");
    a->name = "renamed";
    SERVED_BY(other, where, cr_assert_eq(dorm_save(a), 0, "%s", dorm_errmsg(other)));
    cr_assert_str_eq(where, "default");
    cr_assert_str_eq(dorm_obj_db(a), "default");
    /* The standby refuses writes sent to it explicitly. */
    Author *b = dorm_new(other, Author);
    b->name = "nowhere";
    cr_assert_neq(dorm_save_using(b, "replica"), 0);
    cr_assert(strstr(dorm_errmsg(other), "read-only transaction"), "%s", dorm_errmsg(other));
    dorm_ctx_free(writer);
    dorm_ctx_free(other);
}

SCALE_TEST(a_replica_that_goes_down) {
    dorm_ctx *cx = dorm_ctx_new_databases(S.dbs);
    cr_assert_not_null(dorm_create(cx, Author, .name = "kept"), "%s", dorm_errmsg(cx));
    wait_replayed(cx);
    sleep_s(WINDOW + 0.1);
    const char *where;
    SERVED_BY(cx, where, dorm_count(dorm_all(cx, Author)));
    cr_assert_str_eq(where, "replica");
    dorm_db_close(S.standby);
    S.standby = NULL;
    cr_assert(test_pg_standby_ctl("stop -m immediate"), "pg_ctl stop -m immediate failed");
    /* The replica's pooled session is dead: the read falls back to the
     * primary and succeeds, and so do the reads after it. */
    for (int i = 0; i < 3; i++) {
        SERVED_BY(cx, where, cr_assert_eq(dorm_count(dorm_all(cx, Author)), 1, "%s", dorm_errmsg(cx)));
        cr_assert_str_eq(where, "default", "read %d while the replica is down", i);
    }
    DORM_EACH(Author, x, dorm_all(cx, Author)) cr_assert_str_eq(x->name, "kept");
    cr_assert(test_pg_standby_ctl("start"), "pg_ctl start failed");
    /* Back after retry_after (0.5 s). */
    bool back = false;
    for (int i = 0; i < 100 && !back; i++) {
        sleep_s(0.1);
        SERVED_BY(cx, where, cr_assert_eq(dorm_count(dorm_all(cx, Author)), 1, "%s", dorm_errmsg(cx)));
        back = strcmp(where, "replica") == 0;
    }
    cr_assert(back, "reads did not return to the replica within 10 s");
    dorm_ctx_free(cx);
}

SCALE_TEST(migrations_stay_off_the_replica) {
    dorm_ctx *cx = dorm_ctx_new_databases(S.dbs);
    cr_assert_not(dorm_allow_migrate(cx, "replica", "library", &Author_model));
    cr_assert(dorm_allow_migrate(cx, "default", "library", &Author_model));
    cr_assert_not_null(dorm_ctx_use(cx, "replica"));
    uint64_t before = queries(cx, "replica");
    cr_assert_eq(dorm_create_all(cx), 0, "%s", dorm_errmsg(cx));
    cr_assert_eq(queries(cx, "replica") - before, 2, "an empty transaction only (BEGIN, COMMIT)");
    dorm_ctx_free(cx);
}
