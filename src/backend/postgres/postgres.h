/* postgres.h - what the files of the PostgreSQL backend share: the driver and
 * dialect objects, the connection record (libpq handle, statement naming,
 * reconnection state) and the helpers that open, check and fail it. */
#ifndef DORM_BACKEND_POSTGRES_H
#define DORM_BACKEND_POSTGRES_H

#include <libpq-fe.h>

#include "dorm/error.h"
#include "dorm/sys/driver.h"

/* The PostgreSQL backend (vendor "postgresql", schemes "postgres" and
 * "postgresql"). */
extern const dorm_driver dorm_pg_driver;
/* How SQL is spelled for PostgreSQL (Django's postgresql DatabaseOperations). */
extern const dorm_dialect dorm_pg_dialect;

struct dorm_conn {
    PGconn *pg;
    bool prepare; /* server-side prepared statements (off for PgBouncer) */
    bool tx_pooled; /* pooler=transaction: no session state at all */
    bool tx_open; /* the server was in a transaction after the last command */
    bool server_left; /* the server sent FATAL: the session is ending */
    unsigned generation; /* bumped by every reconnection: older statements are gone */
    unsigned next_name; /* statement names "dorm_1", "dorm_2", ... */
    dorm_buf dealloc; /* "DEALLOCATE ..." of finalized statements, sent later */
    char where[192]; /* "host \"db.example\" port 5432" for messages */
};

/* Connects as `url` says (see docs/backends.md for the accepted options).
 * 0, DORM_ECONFIG for an option outside the allowlist or a bad value,
 * DORM_ENOMEM, or DORM_EOPERATIONAL naming the host or socket and libpq's
 * cause (never the password). */
int dorm_pg__open(const dorm_url *url, dorm_conn **out, dorm_errbuf *e);
/* Closes the connection and frees `c`. */
void dorm_pg__close(dorm_conn *c);

/* Makes the connection usable before a command: a connection the server
 * dropped while no transaction was open is re-established (Django's
 * CONN_HEALTH_CHECKS); one dropped inside a transaction is not, since its
 * work is gone.  0, or DORM_EOPERATIONAL. */
int dorm_pg__ready(dorm_conn *c, dorm_errbuf *e);
/* The driver's `session` hook: the session's number, -1 behind a
 * transaction pooler. */
int dorm_pg__session(dorm_conn *c);
/* introspect.c: the current schema's tables and columns (inspectdb). */
int dorm_pg__introspect(struct dorm_ctx *cx, dorm_itable **tables, size_t *n);
/* Records the transaction state after a command: call after every result. */
void dorm_pg__track(dorm_conn *c);
/* Fills `e` from a failed result (or the connection's message when `res` is
 * NULL), the dorm code chosen by SQLSTATE, and returns that code.  Does not
 * clear `res`. */
int dorm_pg__fail(dorm_conn *c, const PGresult *res, dorm_errbuf *e);

#endif
