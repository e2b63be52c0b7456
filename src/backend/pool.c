/* pool.c - dorm_pool: server sessions to one database shared by threads.
 * One mutex guards the idle list and the counters; connecting, checking and
 * closing happen outside it, so a slow server never blocks other borrowers
 * longer than their own wait. */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/opts.h"
#include "backend/pool.h"
#include "core/alloc.h"
#include "core/ctx.h"

struct dorm_pool {
    pthread_mutex_t mu;
    pthread_cond_t freed; /* a session was given back or a slot freed */
    const dorm_registry *reg;
    const dorm_driver *drv;
    dorm_url url;
    dorm_pool_opts opts;
    dorm_link *idle; /* most recently given back first */
    int size; /* sessions open: idle, lent, or being opened */
    double down_until; /* a connect failed: borrows fail until then */
    dorm_errbuf down; /* ... with this error */
    dorm_pool_stats stats;
    int err;
    char errmsg[512];
};

static void fail_new(dorm_pool *p, const dorm_errbuf *e) {
    p->err = e->code;
    snprintf(p->errmsg, sizeof p->errmsg, "%s", e->msg);
}

static int open_link(dorm_pool *p, dorm_link **out, dorm_errbuf *e) {
    dorm_link *l = dorm_mem__calloc(1, sizeof *l);
    if (!l) return dorm_err(e, DORM_ENOMEM, "out of memory");
    int rc = p->drv->open(&p->url, &l->conn, e);
    if (rc) {
        dorm_mem__free(l);
        return rc;
    }
    *out = l;
    return 0;
}

static int setup(dorm_pool *p, const char *url, dorm_errbuf *e) {
    if (!url) url = getenv("DATABASE_URL");
    if (!url || !*url) return dorm_err(e, DORM_ECONFIG, "No database URL given and DATABASE_URL is not set");
    int rc = dorm_url__parse(url, &p->url, e);
    if (rc) return rc;
    p->drv = dorm_driver__find(p->url.scheme);
    if (!p->drv) return dorm_err(e, DORM_ECONFIG, "Unsupported database URL scheme '%.64s'", p->url.scheme);
    if (p->opts.max_size < 1)
        return dorm_err(e, DORM_ECONFIG, "A pool's max_size must be at least 1, not %d", p->opts.max_size);
    if (!(p->opts.wait_timeout >= 0)) return dorm_err(e, DORM_ECONFIG, "A pool's wait_timeout must not be negative");
    if (p->drv->private_database && p->drv->private_database(&p->url)) p->opts.max_size = 1;
    /* The first session is opened now, so a bad URL shows at once. */
    dorm_link *l;
    rc = open_link(p, &l, e);
    if (rc) return rc;
    l->idle_since = dorm__now();
    p->idle = l;
    p->size = 1;
    p->stats.connects = 1;
    return 0;
}

dorm_pool *dorm_pool_new_(const char *url, const dorm_registry *reg, const dorm_pool_opts *opts, size_t opts_size) {
    dorm_pool_opts opts_copy_;
    opts = dorm_opts__read(&opts_copy_, sizeof opts_copy_, opts, opts_size);
    dorm_pool *p = dorm_mem__calloc(1, sizeof *p);
    if (!p) return NULL;
    if (pthread_mutex_init(&p->mu, NULL) != 0) {
        dorm_mem__free(p);
        return NULL;
    }
    pthread_condattr_t ca;
    bool cond = pthread_condattr_init(&ca) == 0;
    cond = cond && pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0 && pthread_cond_init(&p->freed, &ca) == 0;
    pthread_condattr_destroy(&ca);
    if (!cond) {
        pthread_mutex_destroy(&p->mu);
        dorm_mem__free(p);
        return NULL;
    }
    p->reg = reg;
    p->opts = opts ? *opts : (dorm_pool_opts)DORM_POOL_OPTS_INIT;
    dorm_errbuf e = {0, ""};
    if (setup(p, url, &e)) fail_new(p, &e);
    return p;
}

int dorm_pool_errcode(const dorm_pool *p) { return p ? p->err : DORM_ENOMEM; }

const char *dorm_pool_errmsg(const dorm_pool *p) { return p ? p->errmsg : "out of memory"; }

void dorm_pool_free(dorm_pool *p) {
    if (!p) return;
    while (p->idle) {
        dorm_link *l = p->idle;
        p->idle = l->next;
        dorm_link__free(p->drv, l);
    }
    pthread_cond_destroy(&p->freed);
    pthread_mutex_destroy(&p->mu);
    dorm_url__free(&p->url);
    dorm_mem__free(p);
}

const dorm_registry *dorm_pool__registry(const dorm_pool *p) { return p->reg; }

const dorm_driver *dorm_pool__driver(const dorm_pool *p) { return p->drv; }

dorm_pool_stats dorm_pool_get_stats(dorm_pool *p) {
    dorm_pool_stats s = {0};
    if (!p) return s;
    pthread_mutex_lock(&p->mu);
    s = p->stats;
    s.size = p->size;
    for (dorm_link *l = p->idle; l; l = l->next) s.idle++;
    pthread_mutex_unlock(&p->mu);
    return s;
}

/* An idle session made ready to lend: the driver's check (which re-opens a
 * session the server ended) and, past health_check, a ping. */
static int check_link(dorm_pool *p, dorm_link *l, dorm_errbuf *e) {
    int rc = p->drv->check ? p->drv->check(l->conn, e) : 0;
    double h = p->opts.health_check;
    if (!rc && h >= 0 && dorm__now() - l->idle_since >= h) rc = p->drv->exec(l->conn, "SELECT 1", e);
    return rc;
}

static void abs_deadline(double seconds, struct timespec *ts) {
    clock_gettime(CLOCK_MONOTONIC, ts);
    double whole = (double)ts->tv_sec + (double)ts->tv_nsec / 1e9 + seconds;
    ts->tv_sec = (time_t)whole;
    ts->tv_nsec = (long)((whole - (double)ts->tv_sec) * 1e9);
}

int dorm_pool__borrow(dorm_pool *p, dorm_link **out, dorm_errbuf *e) {
    if (p->err) return dorm_err(e, p->err, "%s", p->errmsg);
    struct timespec deadline;
    bool waited = false;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        if (p->idle) {
            dorm_link *l = p->idle;
            p->idle = l->next;
            p->stats.borrows++;
            pthread_mutex_unlock(&p->mu);
            if (check_link(p, l, e) == 0) {
                l->next = NULL;
                *out = l;
                return 0;
            }
            /* Dead: closed, and its slot taken by a new session below. */
            dorm_link__free(p->drv, l);
            pthread_mutex_lock(&p->mu);
            p->size--;
            p->stats.borrows--;
            p->stats.replaced++;
            continue;
        }
        if (p->size < p->opts.max_size) {
            if (dorm__now() < p->down_until) {
                *e = p->down;
                pthread_mutex_unlock(&p->mu);
                return e->code;
            }
            p->size++;
            pthread_mutex_unlock(&p->mu);
            dorm_link *l;
            int rc = open_link(p, &l, e);
            pthread_mutex_lock(&p->mu);
            if (rc) {
                p->size--;
                if (rc == DORM_EOPERATIONAL) {
                    p->down_until = dorm__now() + p->opts.retry_after;
                    p->down = *e;
                }
                pthread_cond_signal(&p->freed);
                pthread_mutex_unlock(&p->mu);
                return rc;
            }
            p->down_until = 0;
            p->stats.connects++;
            p->stats.borrows++;
            pthread_mutex_unlock(&p->mu);
            *out = l;
            return 0;
        }
        if (!waited) {
            waited = true;
            p->stats.waits++;
            abs_deadline(p->opts.wait_timeout, &deadline);
        }
        if (pthread_cond_timedwait(&p->freed, &p->mu, &deadline) != 0 && !p->idle && p->size >= p->opts.max_size) {
            p->stats.timeouts++;
            int max = p->opts.max_size;
            pthread_mutex_unlock(&p->mu);
            return dorm_err(e, DORM_EOPERATIONAL,
                            "No connection to the %s database became free within %g seconds (all %d of the pool's "
                            "connections are in use)",
                            p->drv->vendor, p->opts.wait_timeout, max);
        }
    }
}

void dorm_pool__give_back(dorm_pool *p, dorm_link *l, bool broken) {
    if (broken) {
        dorm_link__free(p->drv, l);
        pthread_mutex_lock(&p->mu);
        p->size--;
        p->stats.replaced++;
    } else {
        l->idle_since = dorm__now();
        pthread_mutex_lock(&p->mu);
        l->next = p->idle;
        p->idle = l;
    }
    pthread_cond_signal(&p->freed);
    pthread_mutex_unlock(&p->mu);
}
