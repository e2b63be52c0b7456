/* pool.h - the inside of dorm_pool for the connection handle: borrowing a
 * server session (dorm_link) and giving it back, and what a handle on the
 * pool needs to know of it. */
#ifndef DORM_BACKEND_POOL_H
#define DORM_BACKEND_POOL_H

#include "backend/db.h"
#include "dorm/pool.h"

/* A session for the caller's thread: an idle one (checked, and pinged when
 * it idled past health_check), else a new one while fewer than max_size are
 * open, else the first given back within wait_timeout.  0, or
 * DORM_EOPERATIONAL (timed out; the server cannot be reached, also at once
 * within retry_after of a failed connect) with *out untouched. */
int dorm_pool__borrow(dorm_pool *pool, dorm_link **out, dorm_errbuf *e);
/* Gives a session back (no statement running, no transaction open); a
 * `broken` one is closed instead. */
void dorm_pool__give_back(dorm_pool *pool, dorm_link *l, bool broken);
const dorm_registry *dorm_pool__registry(const dorm_pool *pool);
const dorm_driver *dorm_pool__driver(const dorm_pool *pool);

#endif
