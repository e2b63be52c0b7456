/* pgbouncer.c - dorm behind a real PgBouncer in transaction pooling mode
 * (scripts/pgbouncer_start.sh, the Debian package), in front of a private
 * PostgreSQL server: more dorm connections than server connections, so
 * consecutive transactions of one connection reach different server
 * sessions.  With pooler=transaction nothing relies on session state:
 * statements are unnamed (PgBouncer 1.18 cannot carry prepared ones), the
 * time zone dorm sets is one PgBouncer tracks, and a tenant's search_path is
 * SET LOCAL in each transaction. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/hooks.h>

#include "backend/db.h"
#include "pgserver.h"
#include "testdb.h"

static const dorm_app app = {.label = "library", .models = DORM_MODELS(&Author_model, &Book_model)};

#define CLIENTS 6

static struct {
    dorm_registry *reg;
    char direct[600]; /* the server itself */
    char bouncer[600]; /* through PgBouncer, pooler=transaction */
} S;

static void sql_on(const char *url, const char *sql) {
    dorm_db *db = dorm_db_open(url, S.reg);
    cr_assert_eq(dorm_db_errcode(db), DORM_OK, "%s", dorm_db_errmsg(db));
    dorm_errbuf e;
    cr_assert_eq(dorm_db__exec(db, sql, &e), 0, "%s: %s", sql, e.msg);
    dorm_db_close(db);
}

static void start(const char *name) {
    snprintf(S.direct, sizeof S.direct, "%s", test_pg_server_start(name));
    S.reg = dorm_registry_new((const dorm_app *const[]){&app, NULL});
    /* New server sessions start far from UTC: a session dorm did not set
     * up would show it. */
    sql_on(S.direct, "ALTER DATABASE dorm_test SET timezone TO 'Asia/Tokyo'");
    snprintf(S.bouncer, sizeof S.bouncer, "%s&pooler=transaction", test_pgbouncer_start(name, 2));
}

static void stop(const char *name) {
    dorm_registry_free(S.reg);
    memset(&S, 0, sizeof S);
    test_pgbouncer_stop(name);
    test_pg_server_stop(name);
}

#define BOUNCER_TEST(name)                          \
    static void init_##name(void) { start(#name); } \
    static void fini_##name(void) { stop(#name); }  \
    Test(pgbouncer, name, .init = init_##name, .fini = fini_##name, .timeout = 180)

ReportHook(POST_TEST)(struct criterion_test_stats *stats) {
    test_pgbouncer_stop(stats->test->name);
    test_pg_server_stop(stats->test->name);
}

static int64_t scalar(dorm_ctx *cx, const char *sql) {
    dorm_cursor *c = dorm_cursor_new(cx);
    cr_assert_eq(dorm_cursor_execute(c, sql, NULL, 0), 0, "%s: %s", sql, dorm_errmsg(cx));
    const dorm_value *row = dorm_cursor_fetchone(c);
    cr_assert_not_null(row, "%s", dorm_errmsg(cx));
    int64_t v = row[0].u.i;
    dorm_cursor_close(c);
    return v;
}

/* Six dorm connections (contexts on a pool of six) over two server
 * connections: interleaved transactions and autocommit statements, bulk
 * operations and get_or_create all work, and the server never saw a named
 * prepared statement. */
BOUNCER_TEST(transaction_pooling) {
    dorm_pool_opts opts = DORM_POOL_OPTS_INIT;
    opts.max_size = CLIENTS;
    dorm_pool *pool = dorm_pool_new(S.bouncer, S.reg, &opts);
    cr_assert_eq(dorm_pool_errcode(pool), DORM_OK, "%s", dorm_pool_errmsg(pool));
    dorm_ctx *cx[CLIENTS];
    for (int i = 0; i < CLIENTS; i++) cx[i] = dorm_ctx_new_pool(pool);
    cr_assert_eq(dorm_create_all(cx[0]), 0, "%s", dorm_errmsg(cx[0]));
    /* Every context opens a transaction at once: only two can run on the
     * server at a time, PgBouncer queues the others. */
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 2; i++) cr_assert_eq(dorm_atomic_begin(cx[i]), 0, "%s", dorm_errmsg(cx[i]));
        for (int i = 0; i < 2; i++) {
            char name[32];
            snprintf(name, sizeof name, "a%d-%d", i, round);
            cr_assert_not_null(dorm_create(cx[i], Author, .name = dorm_strdup(cx[i], name)), "%s", dorm_errmsg(cx[i]));
        }
        for (int i = 0; i < 2; i++) cr_assert_eq(dorm_atomic_commit(cx[i]), 0, "%s", dorm_errmsg(cx[i]));
        for (int i = 2; i < CLIENTS; i++) {
            bool created;
            cr_assert_not_null(dorm_get_or_create(dorm_all(cx[i], Author), &created, NULL, DQ("name", "shared")), "%s",
                               dorm_errmsg(cx[i]));
            cr_assert_geq(dorm_count(dorm_filter(dorm_all(cx[i], Author), DQ("name__startswith", "a"))),
                          2 * (round + 1), "%s", dorm_errmsg(cx[i]));
        }
    }
    Author *batch[20];
    for (int i = 0; i < 20; i++) {
        batch[i] = dorm_new(cx[3], Author);
        batch[i]->name = "batch";
    }
    cr_assert_eq(dorm_bulk_create(cx[3], Author, batch, 20, 7), 0, "%s", dorm_errmsg(cx[3]));
    cr_assert_eq(dorm_count(dorm_all(cx[4], Author)), 6 + 1 + 20, "%s", dorm_errmsg(cx[4]));
    /* The same statement again and again, from every connection. */
    for (int k = 0; k < 20; k++)
        cr_assert_eq(dorm_count(dorm_filter(dorm_all(cx[k % CLIENTS], Author), DQ("name", "shared"))), 1);
    cr_assert_eq(scalar(cx[5], "SELECT COUNT(*) FROM pg_prepared_statements"), 0);
    /* Rolled-back work stays rolled back, on whichever server session. */
    cr_assert_eq(dorm_atomic_begin(cx[1]), 0, "%s", dorm_errmsg(cx[1]));
    cr_assert_eq(dorm_qs_delete(dorm_all(cx[1], Author), NULL), 0, "%s", dorm_errmsg(cx[1]));
    cr_assert_eq(dorm_atomic_rollback(cx[1]), 0, "%s", dorm_errmsg(cx[1]));
    cr_assert_eq(dorm_count(dorm_all(cx[2], Author)), 27, "%s", dorm_errmsg(cx[2]));
    for (int i = 0; i < CLIENTS; i++) dorm_ctx_free(cx[i]);
    dorm_pool_free(pool);
}

/* The time zone dorm sets when it connects is a parameter PgBouncer tracks
 * and sets again on every server session it links: every statement, on
 * every session, reads and writes in UTC. */
BOUNCER_TEST(session_settings) {
    dorm_db *db[CLIENTS];
    dorm_ctx *cx[CLIENTS];
    for (int i = 0; i < CLIENTS; i++) {
        db[i] = dorm_db_open(S.bouncer, S.reg);
        cr_assert_eq(dorm_db_errcode(db[i]), DORM_OK, "%s", dorm_db_errmsg(db[i]));
        cx[i] = dorm_ctx_new(db[i]);
    }
    dorm_ctx *direct_cx = dorm_ctx_new(dorm_db_open(S.direct, S.reg));
    cr_assert_eq(scalar(direct_cx, "SELECT CASE WHEN current_setting('TimeZone') = 'Asia/Tokyo' THEN 1 ELSE 0 END"), 0,
                 "dorm's own session is in UTC");
    for (int k = 0; k < 4 * CLIENTS; k++) {
        dorm_ctx *c = cx[k % CLIENTS];
        cr_assert_eq(scalar(c, "SELECT CASE WHEN current_setting('TimeZone') IN ('UTC', 'Etc/UTC') THEN 1 ELSE 0 END"),
                     1, "statement %d ran outside UTC", k);
        cr_assert_eq(scalar(c, "SELECT EXTRACT(HOUR FROM '2024-01-02 03:04:05+00'::timestamptz)::int"), 3);
    }
    dorm_db *d = dorm_ctx_db(direct_cx);
    dorm_ctx_free(direct_cx);
    dorm_db_close(d);
    for (int i = 0; i < CLIENTS; i++) {
        dorm_ctx_free(cx[i]);
        dorm_db_close(db[i]);
    }
}

/* Two tenants on ONE server connection (pool size 1 in PgBouncer would do;
 * two here): their transactions interleave on the same server sessions and
 * neither ever sees the other's schema; outside a transaction the tenant
 * context is refused rather than run with whatever search_path the
 * session has. */
BOUNCER_TEST(tenant_schemas) {
    sql_on(S.direct, "CREATE SCHEMA tenant_a; CREATE SCHEMA tenant_b");
    dorm_pool_opts opts = DORM_POOL_OPTS_INIT;
    opts.max_size = 4;
    dorm_pool *pool = dorm_pool_new(S.bouncer, S.reg, &opts);
    cr_assert_eq(dorm_pool_errcode(pool), DORM_OK, "%s", dorm_pool_errmsg(pool));
    dorm_ctx *a = dorm_ctx_new_pool(pool), *b = dorm_ctx_new_pool(pool);
    cr_assert_eq(dorm_ctx_set_schema(a, "tenant_a"), 0, "%s", dorm_errmsg(a));
    cr_assert_eq(dorm_ctx_set_schema(b, "tenant_b"), 0, "%s", dorm_errmsg(b));
    cr_assert_lt(dorm_count(dorm_all(a, Author)), 0);
    cr_assert_eq(dorm_errcode(a), DORM_ETRANSACTION);
    cr_assert(strstr(dorm_errmsg(a), "runs its statements inside atomic blocks"), "%s", dorm_errmsg(a));
    cr_assert_eq(dorm_create_all(a), 0, "%s", dorm_errmsg(a));
    cr_assert_eq(dorm_create_all(b), 0, "%s", dorm_errmsg(b));
    for (int round = 0; round < 5; round++) {
        cr_assert_eq(dorm_atomic_begin(a), 0, "%s", dorm_errmsg(a));
        cr_assert_eq(dorm_atomic_begin(b), 0, "%s", dorm_errmsg(b));
        cr_assert_not_null(dorm_create(a, Author, .name = "of a"), "%s", dorm_errmsg(a));
        cr_assert_not_null(dorm_create(b, Author, .name = "of b"), "%s", dorm_errmsg(b));
        cr_assert_eq(dorm_count(dorm_filter(dorm_all(a, Author), DQ("name", "of b"))), 0);
        cr_assert_eq(dorm_count(dorm_filter(dorm_all(b, Author), DQ("name", "of a"))), 0);
        cr_assert_eq(dorm_atomic_commit(b), 0, "%s", dorm_errmsg(b));
        cr_assert_eq(dorm_atomic_commit(a), 0, "%s", dorm_errmsg(a));
    }
    dorm_ctx *direct = dorm_ctx_new(dorm_db_open(S.direct, S.reg));
    cr_assert_eq(scalar(direct, "SELECT COUNT(*) FROM tenant_a.library_author WHERE name = 'of a'"), 5);
    cr_assert_eq(scalar(direct, "SELECT COUNT(*) FROM tenant_b.library_author WHERE name = 'of b'"), 5);
    cr_assert_eq(scalar(direct, "SELECT COUNT(*) FROM tenant_a.library_author WHERE name = 'of b'"), 0);
    cr_assert_eq(scalar(direct,
                        "SELECT COUNT(*) FROM pg_tables WHERE tablename = 'library_author' AND "
                        "schemaname NOT IN ('tenant_a', 'tenant_b')"),
                 0, "nothing leaked into the default schema");
    dorm_db *d = dorm_ctx_db(direct);
    dorm_ctx_free(direct);
    dorm_db_close(d);
    dorm_ctx_free(a);
    dorm_ctx_free(b);
    dorm_pool_free(pool);
}
