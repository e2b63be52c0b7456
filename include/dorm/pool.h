/* dorm/pool.h - a pool of connections to one database that threads share:
 * contexts made on it borrow a connection for each statement or transaction
 * and give it back, so N threads need only as many connections as run at
 * once.  Bounded size and wait, health checks, reconnects.
 * SPDX-License-Identifier: MIT (see LICENSE) */
#ifndef DORM_POOL_H
#define DORM_POOL_H

#include "api.h"

#include <stdint.h>

#include "db.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Shared by any number of threads (every call is thread-safe); the
 * contexts made on it belong to one thread each. */
typedef struct dorm_pool dorm_pool;

/* A pool's settings (DORM_POOL_OPTS_INIT: the defaults). */
typedef struct dorm_pool_opts {
    /* Connections open at most (default 8).  An in-memory SQLite database
     * lives in one connection, so its pool holds one whatever this says. */
    int max_size;
    /* Seconds a borrow waits for a connection when all are in use (default
     * 10); then the statement fails with DORM_EOPERATIONAL. */
    double wait_timeout;
    /* A connection idle this many seconds is pinged (SELECT 1) before it is
     * lent, and replaced when the ping fails (default 30; 0: every time;
     * < 0: never).  A session the server ended is noticed and re-opened
     * before every lend anyway, at no cost (PostgreSQL). */
    double health_check;
    /* After a connection could not be opened, borrows fail at once with that
     * error for this many seconds instead of each waiting for the server
     * (default 1): a router falls back to another database quickly. */
    double retry_after;
} dorm_pool_opts;

/* The defaults: 8 connections, 10 s wait, 30 s health check, 1 s retry. */
#define DORM_POOL_OPTS_INIT {8, 10.0, 30.0, 1.0}

/* A pool for the database at `url` (as dorm_db_open takes it; NULL:
 * $DATABASE_URL) and the models of `reg`.  One connection is opened at
 * once, so a bad URL or an unreachable server is reported here: check
 * dorm_pool_errcode.  opts NULL: the defaults.  NULL only when out of
 * memory.  The registry must outlive the pool. */
DORM_API dorm_pool *dorm_pool_new(const char *url, const dorm_registry *reg, const dorm_pool_opts *opts);
/* DORM_OK or the error of dorm_pool_new (DORM_ECONFIG, DORM_EOPERATIONAL). */
DORM_API int dorm_pool_errcode(const dorm_pool *pool);
/* Its message; never NULL; borrowed. */
DORM_API const char *dorm_pool_errmsg(const dorm_pool *pool);
/* Closes every connection.  Every context made on the pool must be freed
 * first.  Accepts NULL. */
DORM_API void dorm_pool_free(dorm_pool *pool);

/* A context on the pool (alias "default"): it borrows a connection for each
 * statement, or from dorm_atomic_begin to the end of the transaction, and
 * for as long as an iterator streams.  Free with dorm_ctx_free.  NULL when
 * out of memory or for a pool that failed to open (see dorm_pool_errcode). */
DORM_API dorm_ctx *dorm_ctx_new_pool(dorm_pool *pool);

/* What a pool holds and has done (dorm_pool_get_stats). */
typedef struct dorm_pool_stats {
    int size;                 /* connections open        */
    int idle;                 /* of which not lent       */
    uint64_t borrows;         /* connections lent        */
    uint64_t waits;           /* borrows that had to wait */
    uint64_t timeouts;        /* waits that timed out    */
    uint64_t connects;        /* connections opened      */
    uint64_t replaced;        /* connections found dead and closed */
} dorm_pool_stats;
/* A snapshot of the pool's counters. */
DORM_API dorm_pool_stats dorm_pool_get_stats(dorm_pool *pool);

#ifdef __cplusplus
}
#endif

#endif
