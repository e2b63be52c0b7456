/* pool.c - eight threads share one dorm_pool of four connections: each has
 * a context on the pool and runs F() increments, get_or_create of shared
 * keys, atomic blocks and reads, so contexts borrow, wait for and give back
 * connections all the time; then the same through a dorm_databases with the
 * replica router over two aliases of the same database.  A plain program (Criterion cannot run under
 * ThreadSanitizer; make test-tsan builds it with -fsanitize=thread).  The
 * pool pings every connection it lends (health_check 0), so the check runs
 * under the sanitizer too.  The database is $DORM_TEST_URL's (an SQLite
 * file in WAL mode for the in-memory default; a schema of its own on
 * PostgreSQL).  Exit status 0 when every call succeeded, the totals are
 * exact and the pool never held more than four connections. */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/db.h"

#define THREADS 8
#define POOL 4
#define ROUNDS 40
#define KEYS 16
/* Seconds the program may run before SIGALRM ends it. */
#define DEADLINE 150

typedef struct Counter {
    DORM_OBJECT;
    int64_t id;
    const char *key;
    int32_t n;
} Counter;

static const dorm_field Counter_fields[] = {
    DORM_AUTO(Counter, id),
    DORM_CHAR(Counter, key, .max_length = 20, .unique = true),
    DORM_INT(Counter, n, .default_value = DORM_VINT(0)),
    DORM_END,
};
const dorm_model Counter_model = DORM_MODEL(Counter, "threads", Counter_fields);
static const dorm_app app = {.label = "threads", .models = DORM_MODELS(&Counter_model)};

static dorm_pool *pool;
static dorm_databases *dbs; /* phase two: primary + "replica" (the same database) */

typedef struct job {
    int n;
    int failures;
    char first[300];
} job;

static void failed(job *j, dorm_ctx *cx, const char *what) {
    if (j->failures++ == 0) snprintf(j->first, sizeof j->first, "%s: %.250s", what, dorm_errmsg(cx));
}

static void *work(void *payload) {
    job *j = payload;
    dorm_ctx *cx = dbs ? dorm_ctx_new_databases(dbs) : dorm_ctx_new_pool(pool);
    if (!cx) {
        j->failures = 1;
        snprintf(j->first, sizeof j->first, "context: out of memory");
        return NULL;
    }
    for (int i = 0; i < ROUNDS && !j->failures; i++) {
        dorm_qs *total = dorm_filter(dorm_all(cx, Counter), DQ("key", "total"));
        if (dorm_update(total, DSET("n", dorm_add(dorm_F("n"), 1))) != 1) failed(j, cx, "update");
        char key[16];
        snprintf(key, sizeof key, "k%d", (i + j->n * 3) % KEYS);
        bool created;
        if (!dorm_get_or_create(dorm_all(cx, Counter), &created, NULL, DQ("key", key))) failed(j, cx, "get_or_create");
        if (dorm_atomic_begin(cx) != 0) {
            failed(j, cx, "begin");
            continue;
        }
        bool ok =
            dorm_update(dorm_filter(dorm_all(cx, Counter), DQ("key", key)), DSET("n", dorm_add(dorm_F("n"), 1))) == 1;
        size_t n = 0;
        ok = ok && dorm_list(dorm_filter(dorm_all(cx, Counter), DQ("key__startswith", "k")), &n);
        if (!ok) failed(j, cx, "block");
        if (dorm_atomic_end(cx, ok) != 0 && ok) failed(j, cx, "commit");
        if (dorm_count(dorm_all(cx, Counter)) < 1) failed(j, cx, "count");
    }
    dorm_ctx_free(cx);
    return NULL;
}

static bool run_sql(dorm_db *db, const char *sql) {
    dorm_errbuf e = {0, ""};
    if (dorm_db__exec(db, sql, &e) == 0) return true;
    fprintf(stderr, "pool: %s: %s\n", sql, e.msg);
    return false;
}

int main(void) {
    alarm(DEADLINE);
    const char *base = getenv("DORM_TEST_URL");
    char schema[48] = "", dir[] = "/tmp/dorm-pool-XXXXXX", url[600];
    bool pg = base && strncmp(base, "postgres", 8) == 0;
    if (pg) {
        snprintf(schema, sizeof schema, "dorm_pool_%ld", (long)getpid());
        snprintf(url, sizeof url, "%s%soptions=-c%%20search_path%%3D%s", base, strchr(base, '?') ? "&" : "?", schema);
    } else {
        if (!mkdtemp(dir)) return perror("mkdtemp"), 2;
        snprintf(url, sizeof url, "sqlite:///%s/pool.db", dir);
    }
    dorm_registry *reg = dorm_registry_new((const dorm_app *const[]){&app, NULL});
    dorm_db *db = dorm_db_open(pg ? base : url, reg);
    if (dorm_db_errcode(db) != DORM_OK) return fprintf(stderr, "pool: %s\n", dorm_db_errmsg(db)), 2;
    char sql[160];
    snprintf(sql, sizeof sql, pg ? "CREATE SCHEMA %s" : "PRAGMA journal_mode = WAL", schema);
    if (!run_sql(db, sql)) return 2;
    dorm_pool_opts opts = DORM_POOL_OPTS_INIT;
    opts.max_size = POOL;
    opts.wait_timeout = 60;
    opts.health_check = 0;
    pool = dorm_pool_new(url, reg, &opts);
    if (dorm_pool_errcode(pool) != DORM_OK) return fprintf(stderr, "pool: %s\n", dorm_pool_errmsg(pool)), 2;
    dorm_ctx *cx = dorm_ctx_new_pool(pool);
    if (dorm_create_all(cx) != 0 || !dorm_create(cx, Counter, .key = "total"))
        return fprintf(stderr, "pool: set-up: %s\n", dorm_errmsg(cx)), 2;

    /* Phase one: contexts on one pool.  Phase two: contexts on a set of two
     * aliases of the same database with the replica router (its shared
     * counter, two pools, read-your-writes per context). */
    int status = 0;
    for (int phase = 1; phase <= 2; phase++) {
        if (phase == 2) {
            dbs = dorm_databases_new(reg);
            dorm_databases_add(dbs, "default", url, &opts);
            dorm_databases_add(dbs, "replica", url, &opts);
            if (dorm_databases_add_replica_router(dbs, "default", (const char *const[]){"replica", NULL}, 0))
                return fprintf(stderr, "pool: %s\n", dorm_databases_errmsg(dbs)), 2;
        }
        job jobs[THREADS];
        pthread_t threads[THREADS];
        for (int i = 0; i < THREADS; i++) {
            jobs[i] = (job){.n = i};
            if (pthread_create(&threads[i], NULL, work, &jobs[i]) != 0) return perror("pthread_create"), 2;
        }
        for (int i = 0; i < THREADS; i++) pthread_join(threads[i], NULL);
        for (int i = 0; i < THREADS; i++)
            if (jobs[i].failures) {
                printf("phase %d, thread %d: %d failures; first: %s\n", phase, i, jobs[i].failures, jobs[i].first);
                status = 1;
            }
        int want = phase * THREADS * ROUNDS;
        Counter *t = dorm_get(dorm_all(cx, Counter), DQ("key", "total"));
        int64_t total = t ? t->n : -1,
                keys = dorm_count(dorm_filter(dorm_all(cx, Counter), DQ("key__startswith", "k")));
        int64_t sum = 0;
        DORM_EACH(Counter, c, dorm_filter(dorm_all(cx, Counter), DQ("key__startswith", "k"))) sum += c->n;
        dorm_pool_stats st = dorm_pool_get_stats(phase == 1 ? pool : dorm_databases_pool(dbs, "replica"));
        printf("pool phase %d: total %lld (want %d), %lld keys (want %d), their sum %lld (want %d); %d connections "
               "(at most %d), %llu lent, %llu waits\n",
               phase, (long long)total, want, (long long)keys, KEYS, (long long)sum, want, st.size, POOL,
               (unsigned long long)st.borrows, (unsigned long long)st.waits);
        if (total != want || keys != KEYS || sum != want || st.size > POOL || st.size < 1) status = 1;
        if (st.idle != st.size) {
            printf("pool: %d of %d connections were not given back\n", st.size - st.idle, st.size);
            status = 1;
        }
    }
    dorm_ctx_free(cx);
    dorm_databases_free(dbs);
    dorm_pool_free(pool);
    if (pg) {
        snprintf(sql, sizeof sql, "DROP SCHEMA %s CASCADE", schema);
        run_sql(db, sql);
    }
    dorm_db_close(db);
    dorm_registry_free(reg);
    if (!pg) {
        const char *const files[] = {"pool.db", "pool.db-wal", "pool.db-shm"};
        for (int i = 0; i < 3; i++) {
            char path[64];
            snprintf(path, sizeof path, "%s/%s", dir, files[i]);
            remove(path);
        }
        rmdir(dir);
    }
    return status;
}
