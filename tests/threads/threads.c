/* threads.c - four threads, a connection and a context each, sharing one
 * model registry: F() increments, get_or_create of the same keys, updates
 * and queries, at once.  A plain program, not a Criterion one (Criterion
 * cannot run under ThreadSanitizer): `make test-tsan` builds it with
 * -fsanitize=thread to check that nothing in libdorm is shared between
 * connections unguarded (a connection belongs to one thread at a time; the
 * registry is read-only once built).  The database is $DORM_TEST_URL's, an
 * SQLite file in WAL mode for the in-memory default; on PostgreSQL the
 * tables go in a schema of their own, named through the URL's options, on
 * MySQL/MariaDB in a database of their own, named by the URL's database.
 * Exit status 0 when every call succeeded and the totals are exact. */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/db.h"

#define THREADS 4
#define KEYS 20
/* Rounds per thread: 60, times $DORM_STRESS (make test-stress). */
#define ROUNDS (60 * stress())
/* Seconds the program may run before SIGALRM ends it. */
#define DEADLINE (120 * stress())

/* $DORM_STRESS: how many times the usual work the loops do (1 to 100). */
static int stress(void) {
    const char *s = getenv("DORM_STRESS");
    int n = s ? atoi(s) : 1;
    return n < 1 ? 1 : n > 100 ? 100 : n;
}

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

static dorm_registry *reg;
static char url[512];

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
    dorm_db *db = dorm_db_open(url, reg);
    dorm_ctx *cx = dorm_ctx_new(db);
    if (!cx || dorm_db_errcode(db) != DORM_OK) {
        j->failures = 1;
        snprintf(j->first, sizeof j->first, "open: %.250s", dorm_db_errmsg(db));
    }
    for (int i = 0; i < ROUNDS && !j->failures; i++) {
        dorm_qs *total = dorm_filter(dorm_all(cx, Counter), DQ("key", "total"));
        if (dorm_update(total, DSET("n", dorm_add(dorm_F("n"), 1))) != 1) failed(j, cx, "update");
        char key[16];
        snprintf(key, sizeof key, "k%d", (i + j->n * 5) % KEYS);
        bool created;
        Counter *c = dorm_get_or_create(dorm_all(cx, Counter), &created, NULL, DQ("key", key));
        if (!c) failed(j, cx, "get_or_create");
        if (dorm_atomic_begin(cx) != 0) {
            failed(j, cx, "begin");
            continue;
        }
        bool ok =
            dorm_update(dorm_filter(dorm_all(cx, Counter), DQ("key", key)), DSET("n", dorm_add(dorm_F("n"), 1))) == 1;
        size_t n = 0;
        ok = ok && dorm_list(dorm_order_by(dorm_filter(dorm_all(cx, Counter), DQ("key__startswith", "k")), "-n"), &n);
        if (!ok) failed(j, cx, "block");
        if (dorm_atomic_end(cx, ok) != 0 && ok) failed(j, cx, "commit");
    }
    dorm_ctx_free(cx);
    dorm_db_close(db);
    return NULL;
}

static int64_t count_where(dorm_ctx *cx, const char *key) {
    Counter *c = dorm_get(dorm_all(cx, Counter), DQ("key", key));
    return c ? c->n : -1;
}

/* Runs `sql` on the first connection; false (with a message) on failure. */
static bool run_sql(dorm_db *db, const char *sql) {
    dorm_errbuf e = {0, ""};
    if (dorm_db__exec(db, sql, &e) == 0) return true;
    fprintf(stderr, "threads: %s: %s\n", sql, e.msg);
    return false;
}

int main(void) {
    alarm(DEADLINE);
    const char *base = getenv("DORM_TEST_URL");
    char schema[48] = "", dir[] = "/tmp/dorm-threads-XXXXXX";
    bool my = base && (strncmp(base, "mysql", 5) == 0 || strncmp(base, "mariadb", 7) == 0);
    bool server = my || (base && strncmp(base, "postgres", 8) == 0);
    if (server) {
        snprintf(schema, sizeof schema, "dorm_threads_%ld", (long)getpid());
        snprintf(url, sizeof url, my ? "%s%sdatabase=%s" : "%s%soptions=-c%%20search_path%%3D%s", base,
                 strchr(base, '?') ? "&" : "?", schema);
    } else {
        if (!mkdtemp(dir)) return perror("mkdtemp"), 2;
        snprintf(url, sizeof url, "sqlite:///%s/threads.db", dir);
    }
    reg = dorm_registry_new((const dorm_app *const[]){&app, NULL});
    dorm_db *db = dorm_db_open(server ? base : url, reg);
    dorm_ctx *cx = dorm_ctx_new(db);
    if (!cx || dorm_db_errcode(db) != DORM_OK) return fprintf(stderr, "threads: %s\n", dorm_db_errmsg(db)), 2;
    char sql[160];
    snprintf(sql, sizeof sql,
             my           ? "CREATE DATABASE %s"
                 : server ? "CREATE SCHEMA %s"
                          : "PRAGMA journal_mode = WAL",
             schema);
    bool ok = run_sql(db, sql);
    if (server) {
        snprintf(sql, sizeof sql, my ? "USE %s" : "SET search_path TO %s", schema);
        ok = ok && run_sql(db, sql);
    }
    ok = ok && dorm_create_all(cx) == 0 && dorm_create(cx, Counter, .key = "total");
    if (!ok) return fprintf(stderr, "threads: set-up: %s\n", dorm_errmsg(cx)), 2;

    job jobs[THREADS];
    pthread_t threads[THREADS];
    for (int i = 0; i < THREADS; i++) {
        jobs[i] = (job){.n = i};
        if (pthread_create(&threads[i], NULL, work, &jobs[i]) != 0) return perror("pthread_create"), 2;
    }
    for (int i = 0; i < THREADS; i++) pthread_join(threads[i], NULL);

    int status = 0;
    for (int i = 0; i < THREADS; i++)
        if (jobs[i].failures) {
            printf("thread %d: %d failures; first: %s\n", i, jobs[i].failures, jobs[i].first);
            status = 1;
        }
    int64_t total = count_where(cx, "total"),
            keys = dorm_count(dorm_filter(dorm_all(cx, Counter), DQ("key__startswith", "k")));
    int64_t sum = 0;
    DORM_EACH(Counter, c, dorm_filter(dorm_all(cx, Counter), DQ("key__startswith", "k"))) sum += c->n;
    printf("threads: total %lld (want %d), %lld keys (want %d), their sum %lld (want %d)\n", (long long)total,
           THREADS * ROUNDS, (long long)keys, KEYS, (long long)sum, THREADS * ROUNDS);
    if (total != THREADS * ROUNDS || keys != KEYS || sum != THREADS * ROUNDS) status = 1;

    if (server) {
        snprintf(sql, sizeof sql, my ? "DROP DATABASE %s" : "DROP SCHEMA %s CASCADE", schema);
        run_sql(db, sql);
    }
    dorm_ctx_free(cx);
    dorm_db_close(db);
    dorm_registry_free(reg);
    if (!server) {
        char path[64];
        snprintf(path, sizeof path, "%s/threads.db", dir);
        remove(path);
        snprintf(path, sizeof path, "%s/threads.db-wal", dir);
        remove(path);
        snprintf(path, sizeof path, "%s/threads.db-shm", dir);
        remove(path);
        rmdir(dir);
    }
    return status;
}
