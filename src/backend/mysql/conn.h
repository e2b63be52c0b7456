/* conn.h - what the files of the MySQL/MariaDB backend share: the
 * connection record (libmariadb handle, the options it was opened with,
 * transaction and reconnection state) and the helpers that open, check and
 * fail it. */
#ifndef DORM_BACKEND_MYSQL_CONN_H
#define DORM_BACKEND_MYSQL_CONN_H

#include <mysql.h>

#include "backend/mysql/mysql.h"
#include "dorm/error.h"

/* What a connection was opened with, kept to open it again: strings are
 * borrowed from the dorm_url, which outlives the connection. */
typedef struct dorm_my_opts {
    const char *host, *user, *password, *database, *unix_socket;
    unsigned port;
    const char *charset; /* utf8mb4 unless the URL says utf8     */
    const char *isolation; /* "READ COMMITTED", ... or NULL (none) */
    const char *sql_mode;
    const char *init_command; /* trusted SQL run at every connection  */
    unsigned connect_timeout, read_timeout, write_timeout;
    const char *ssl_ca, *ssl_capath, *ssl_cert, *ssl_key, *ssl_cipher;
    int ssl_mode; /* 0: libmariadb's default, else 1..5   */
} dorm_my_opts;

struct dorm_conn {
    MYSQL *my;
    dorm_my_opts o;
    bool tx_open; /* the server was in a transaction after the last command */
    bool lost; /* a command met a dead session: reconnect before the next */
    unsigned generation; /* bumped by every reconnection: older statements are gone */
    char where[192]; /* "socket \"/run/mysqld/mysqld.sock\"" for messages */
};

/* Connects as `url` says (see docs/backends.md for the accepted options).
 * 0, DORM_ECONFIG for an option outside the allowlist or a bad value,
 * DORM_ENOMEM, or DORM_EOPERATIONAL naming the host or socket and the
 * server's cause (never the password). */
int dorm_my__open(const dorm_url *url, dorm_conn **out, dorm_errbuf *e);
/* Closes the connection and frees `c`. */
void dorm_my__close(dorm_conn *c);
/* Makes the connection usable before a command: one the server dropped
 * while no transaction was open is opened again (Django's
 * CONN_HEALTH_CHECKS); one dropped inside a transaction is not, since its
 * work is gone.  0, or DORM_EOPERATIONAL. */
int dorm_my__ready(dorm_conn *c, dorm_errbuf *e);
/* Records the transaction state after a command: call after every one. */
void dorm_my__track(dorm_conn *c);
/* Fills `e` from the error `code` / `msg` of the last command (of the
 * connection or of a statement, with its SQLSTATE), the dorm code chosen as
 * mysqlclient and Django choose the exception class, and returns it.  A
 * lost connection is noted for dorm_my__ready. */
int dorm_my__fail(dorm_conn *c, unsigned code, const char *msg, dorm_errbuf *e);
/* The connection's own error (mysql_errno / mysql_error) through dorm_my__fail. */
int dorm_my__fail_conn(dorm_conn *c, dorm_errbuf *e);
/* Runs parameterless SQL on the connection (text protocol), dropping any
 * result rows.  0 or the error through dorm_my__fail. */
int dorm_my__run_plain(dorm_conn *c, const char *sql, dorm_errbuf *e);
/* exprs.c: lhs, a column of kind `kind`, seen in zone tz (NULL: UTC) as
 * Django's _convert_field_to_tz writes it (CONVERT_TZ for a datetime); the
 * SQL is lhs itself or built in tmp. */
const char *dorm_my__in_zone(dorm_buf *tmp, const char *lhs, dorm_kind kind, const char *tz);
/* exprs.c: the dialect's trunc (Django's *_trunc_sql for MySQL). */
void dorm_my__trunc(dorm_buf *out, const char *part, dorm_kind kind, const char *lhs, const char *tz);
/* exprs.c: the functions spelled as Django's as_mysql spells them. */
extern const dorm_func_sql dorm_my_functions[];
/* exprs.c: JSONField keys and lookups. */
extern const dorm_json_sql dorm_my_json;
/* introspect.c: the current database's tables and columns (inspectdb). */
int dorm_my__introspect(struct dorm_ctx *cx, dorm_itable **tables, size_t *n);

#endif
