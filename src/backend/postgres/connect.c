/* connect.c - PostgreSQL connections: a dorm_url turned into libpq keywords
 * (query options only from an allowlist, `options` only as settings, a
 * database name required), session set-up (UTF-8, UTC), the check that
 * re-opens a connection the server dropped between requests, and the
 * mapping of SQLSTATE classes (and lost connections) to dorm errors. */
#define _POSIX_C_SOURCE 200809L

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/postgres/postgres.h"
#include "core/alloc.h"

/* libpq keywords a URL may pass through as query parameters.  None of them
 * runs SQL; "options" only sets server settings.  host, port, user, password
 * and dbname may also come from the query, as in libpq's own URIs. */
static const char *const allowed[] = {
    "host",
    "port",
    "user",
    "password",
    "dbname",
    "sslmode",
    "sslrootcert",
    "sslcert",
    "sslkey",
    "sslpassword",
    "sslcrl",
    "connect_timeout",
    "application_name",
    "options",
    "target_session_attrs",
    "gssencmode",
    "keepalives",
    "keepalives_idle",
    "keepalives_interval",
    "keepalives_count",
    "tcp_user_timeout",
    "channel_binding",
    NULL,
};

/* Room for the URL's parts, every allowed option, client_encoding and the
 * terminator. */
#define MAX_KEYWORDS 32

typedef struct conn_params {
    const char *keys[MAX_KEYWORDS];
    const char *values[MAX_KEYWORDS];
    int n;
} conn_params;

/* Sets `key` to `value`, replacing an earlier setting of the same key. */
static void set_param(conn_params *p, const char *key, const char *value) {
    for (int i = 0; i < p->n; i++)
        if (strcmp(p->keys[i], key) == 0) {
            p->values[i] = value;
            return;
        }
    p->keys[p->n] = key;
    p->values[p->n] = value;
    p->n++;
}

static const char *get_param(const conn_params *p, const char *key) {
    for (int i = 0; i < p->n; i++)
        if (strcmp(p->keys[i], key) == 0) return p->values[i];
    return NULL;
}

static bool is_allowed(const char *key) {
    for (const char *const *k = allowed; *k; k++)
        if (strcmp(*k, key) == 0) return true;
    return false;
}

/* dorm's own switch: prepare=0 runs every statement unnamed (PQexecParams),
 * which PgBouncer in transaction mode needs. */
static int read_prepare(const char *v, bool *out, dorm_errbuf *e) {
    static const char *const on[] = {"1", "true", "on", "yes", NULL}, *const off[] = {"0", "false", "off", "no", NULL};
    for (int i = 0; on[i]; i++)
        if (strcmp(v, on[i]) == 0) return *out = true, 0;
    for (int i = 0; off[i]; i++)
        if (strcmp(v, off[i]) == 0) return *out = false, 0;
    return dorm_err(e, DORM_ECONFIG, "PostgreSQL URL option prepare='%.32s' must be 0 or 1", v);
}

static bool ident_char(char ch, bool first) {
    return ch == '_' || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (!first && ch >= '0' && ch <= '9');
}

/* A setting name as the server spells them: an identifier, or two joined by
 * a dot (an extension's "auto_explain.log_min_duration"). */
static bool setting_name(const char *s, size_t n) {
    size_t dots = 0;
    bool start = true;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '.' && !start && ++dots == 1) {
            start = true;
            continue;
        }
        if (!ident_char(s[i], start)) return false;
        start = false;
    }
    return n > 0 && !start && n <= 63;
}

/* libpq's `options` is a command line for the server process, and the
 * server takes more than settings from it.  Only "-c name=value" pairs
 * (also "-cname=value" and "--name=value") pass, the value without blanks,
 * quotes, backslashes or control characters, so that nothing but one
 * setting per pair can be read from it. */
static int check_options(const char *v, dorm_errbuf *e) {
    const char *p = v;
    bool any = false;
    for (;;) {
        while (*p == ' ') p++;
        if (!*p) break;
        size_t n = strcspn(p, " ");
        const char *pair = NULL;
        if (n == 2 && strncmp(p, "-c", 2) == 0) {
            p += n;
            while (*p == ' ') p++;
            n = strcspn(p, " ");
            pair = p;
        } else if (n > 2 && (strncmp(p, "-c", 2) == 0 || strncmp(p, "--", 2) == 0)) {
            pair = p + 2;
            n -= 2;
        }
        const char *eq = pair ? memchr(pair, '=', n) : NULL;
        bool value_ok = eq && eq + 1 < pair + n;
        for (const char *q = eq ? eq + 1 : NULL; value_ok && q < pair + n; q++)
            if ((unsigned char)*q < 0x21 || *q == 0x7f || *q == '\\' || *q == '\'' || *q == '"') value_ok = false;
        if (!value_ok || !setting_name(pair, (size_t)(eq - pair)))
            return dorm_err(e, DORM_ECONFIG,
                            "PostgreSQL URL option options='%.100s' is not a list of -c name=value settings "
                            "(a value holds no blanks, quotes or backslashes)",
                            v);
        p = (pair ? pair : p) + n;
        any = true;
    }
    if (!any) return dorm_err(e, DORM_ECONFIG, "PostgreSQL URL option options is empty");
    return 0;
}

/* The keywords of `url` for PQconnectdbParams.  Strings are borrowed from
 * the URL except the port, written into `port`. */
/* dorm's own pooler=transaction: statements of one connection may reach
 * different server sessions (PgBouncer's transaction pooling), so nothing
 * may rely on session state: no server-side prepared statements, and
 * settings only with SET LOCAL inside a transaction. */
static int read_pooler(const char *v, bool *pooled, dorm_errbuf *e) {
    if (strcmp(v, "transaction") == 0 || strcmp(v, "session") == 0) {
        *pooled = strcmp(v, "transaction") == 0;
        return 0;
    }
    return dorm_err(e, DORM_ECONFIG, "PostgreSQL URL option pooler='%.32s' must be transaction or session", v);
}

static int url_params(const dorm_url *url, conn_params *p, char port[8], bool *prepare, bool *pooled, dorm_errbuf *e) {
    p->n = 0;
    *prepare = true;
    *pooled = false;
    if (url->host) set_param(p, "host", url->host);
    if (url->port) {
        snprintf(port, 8, "%d", url->port);
        set_param(p, "port", port);
    }
    if (url->user) set_param(p, "user", url->user);
    if (url->password) set_param(p, "password", url->password);
    if (url->path[0]) set_param(p, "dbname", url->path);
    int rc;
    for (size_t i = 0; i < url->nparams; i++) {
        const char *k = url->keys[i];
        if (strcmp(k, "prepare") == 0) {
            rc = read_prepare(url->values[i], prepare, e);
            if (rc) return rc;
            continue;
        }
        if (strcmp(k, "pooler") == 0) {
            rc = read_pooler(url->values[i], pooled, e);
            if (rc) return rc;
            continue;
        }
        if (!is_allowed(k))
            return dorm_err(
                e, DORM_ECONFIG,
                "Unsupported PostgreSQL URL option '%.64s' (supported: prepare, pooler, sslmode, sslrootcert, "
                "sslcert, sslkey, sslpassword, sslcrl, connect_timeout, application_name, options, "
                "target_session_attrs, gssencmode, keepalives, keepalives_idle, keepalives_interval, "
                "keepalives_count, tcp_user_timeout, channel_binding, host, port, user, password, dbname)",
                k);
        if (strcmp(k, "options") == 0 && (rc = check_options(url->values[i], e))) return rc;
        if (p->n >= MAX_KEYWORDS - 2) return dorm_err(e, DORM_ECONFIG, "Too many PostgreSQL URL options");
        set_param(p, k, url->values[i]);
    }
    /* As Django refuses an empty NAME: libpq would otherwise pick a
     * database from $PGDATABASE or the user's name, which a URL with its
     * name forgotten should not silently reach. */
    const char *db = get_param(p, "dbname");
    if (!db || !*db)
        return dorm_err(e, DORM_ECONFIG,
                        "PostgreSQL URL names no database: write postgres://user@host/dbname or add ?dbname=name");
    /* dorm's text is UTF-8 whatever the server's default. */
    set_param(p, "client_encoding", "UTF8");
    p->keys[p->n] = NULL;
    p->values[p->n] = NULL;
    return 0;
}

/* "host \"h\" port 5432", "socket directory \"/run/x\" port 5432" or "the
 * default socket": where messages say the server was. */
static void describe(const conn_params *p, char *out, size_t cap) {
    const char *host = get_param(p, "host"), *port = get_param(p, "port");
    int n;
    if (!host || !*host)
        n = snprintf(out, cap, "the default socket");
    else if (host[0] == '/' || host[0] == '@')
        n = snprintf(out, cap, "socket directory \"%.120s\"", host);
    else
        n = snprintf(out, cap, "host \"%.120s\"", host);
    if (port && n >= 0 && (size_t)n < cap) snprintf(out + n, cap - (size_t)n, " port %.8s", port);
}

/* libpq's message on one line: trailing newlines dropped, inner ones (and
 * the tabs of its hints) turned into spaces. */
static void one_line(char *dst, size_t cap, const char *src) {
    size_t n = 0;
    for (const char *s = src ? src : ""; *s && n + 1 < cap; s++) {
        char ch = *s == '\n' || *s == '\t' ? ' ' : *s;
        if (ch == ' ' && (n == 0 || dst[n - 1] == ' ')) continue;
        dst[n++] = ch;
    }
    while (n && dst[n - 1] == ' ') n--;
    dst[n] = '\0';
}

/* Session settings dorm relies on: datetimes in UTC, as Django sets them
 * with USE_TZ.  Run after every (re)connection; a SET, not a startup option,
 * because PgBouncer refuses unknown startup parameters. */
static int session_setup(dorm_conn *c, dorm_errbuf *e) {
    const char *tz = PQparameterStatus(c->pg, "TimeZone");
    if (tz && (strcmp(tz, "UTC") == 0 || strcmp(tz, "Etc/UTC") == 0)) return 0;
    PGresult *r = PQexec(c->pg, "SET TIME ZONE 'UTC'");
    int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : dorm_pg__fail(c, r, e);
    PQclear(r);
    return rc;
}

/* Server messages outside a result.  Notices are not printed (psycopg2
 * keeps them to itself too); a FATAL one is the server ending the session
 * (shutdown, pg_terminate_backend, idle timeout), noted for dorm_pg__ready. */
static void on_notice(void *arg, const PGresult *res) {
    dorm_conn *c = arg;
    const char *severity = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
    if (severity && (strcmp(severity, "FATAL") == 0 || strcmp(severity, "PANIC") == 0)) c->server_left = true;
}

int dorm_pg__open(const dorm_url *url, dorm_conn **out, dorm_errbuf *e) {
    conn_params p;
    char port[8];
    bool prepare, pooled;
    int rc = url_params(url, &p, port, &prepare, &pooled, e);
    if (rc) return rc;
    dorm_conn *c = dorm_mem__calloc(1, sizeof *c);
    if (!c) return dorm_err(e, DORM_ENOMEM, "out of memory");
    c->prepare = prepare && !pooled;
    c->tx_pooled = pooled;
    describe(&p, c->where, sizeof c->where);
    /* expand_dbname = 0: a database name is a name, never a connection string. */
    c->pg = PQconnectdbParams(p.keys, p.values, 0);
    if (!c->pg) {
        dorm_mem__free(c);
        return dorm_err(e, DORM_ENOMEM, "out of memory");
    }
    if (PQstatus(c->pg) != CONNECTION_OK) {
        char why[400];
        one_line(why, sizeof why, PQerrorMessage(c->pg));
        dorm_err(e, DORM_EOPERATIONAL, "Could not connect to PostgreSQL at %s: %s", c->where, why);
        dorm_pg__close(c);
        return e->code;
    }
    PQsetNoticeReceiver(c->pg, on_notice, c);
    rc = session_setup(c, e);
    if (rc) {
        dorm_pg__close(c);
        return rc;
    }
    *out = c;
    return 0;
}

void dorm_pg__close(dorm_conn *c) {
    if (!c) return;
    PQfinish(c->pg);
    dorm_buf_free(&c->dealloc);
    dorm_mem__free(c);
}

/* Whether the server ended an idle session (restart, idle timeout,
 * pg_terminate_backend): its socket then turns readable with nothing asked,
 * and what it says is a FATAL notice (see on_notice) or the end of the
 * stream.  A poll() costs no round trip; parsing happens in PQisBusy. */
static void notice_drop(dorm_conn *c) {
    for (int round = 0; round < 4 && PQstatus(c->pg) == CONNECTION_OK && !c->server_left; round++) {
        struct pollfd pfd = {PQsocket(c->pg), POLLIN, 0};
        if (pfd.fd < 0 || poll(&pfd, 1, 0) <= 0) return;
        if (!PQconsumeInput(c->pg)) return;
        PQisBusy(c->pg);
        PGnotify *n;
        while ((n = PQnotifies(c->pg))) PQfreemem(n);
    }
}

static int lost(dorm_conn *c, dorm_errbuf *e) {
    char why[400];
    one_line(why, sizeof why, PQerrorMessage(c->pg));
    if (!why[0]) snprintf(why, sizeof why, "the server ended the session");
    if (c->tx_open)
        return dorm_err(e, DORM_EOPERATIONAL,
                        "The connection to PostgreSQL at %s was lost inside a transaction, whose work is gone; "
                        "roll the transaction back: %s",
                        c->where, why);
    return dorm_err(e, DORM_EOPERATIONAL, "The connection to PostgreSQL at %s was lost: %s", c->where, why);
}

int dorm_pg__ready(dorm_conn *c, dorm_errbuf *e) {
    if (!c->tx_open) notice_drop(c);
    if (PQstatus(c->pg) == CONNECTION_OK && !c->server_left) return 0;
    if (c->tx_open) return lost(c, e);
    PQreset(c->pg);
    /* Server-side statements and pending deallocations died with the session. */
    c->generation++;
    c->server_left = false;
    dorm_buf_reset(&c->dealloc);
    if (PQstatus(c->pg) != CONNECTION_OK) {
        char why[400];
        one_line(why, sizeof why, PQerrorMessage(c->pg));
        return dorm_err(e, DORM_EOPERATIONAL, "Could not reconnect to PostgreSQL at %s: %s", c->where, why);
    }
    return session_setup(c, e);
}

void dorm_pg__track(dorm_conn *c) {
    PGTransactionStatusType t = PQtransactionStatus(c->pg);
    if (t == PQTRANS_UNKNOWN) return; /* connection gone: keep what was known */
    c->tx_open = t != PQTRANS_IDLE;
}

/* Django's psycopg2 error classes by SQLSTATE class, as dorm codes. */
static int code_of(const char *state) {
    if (!state || strlen(state) != 5) return DORM_EOPERATIONAL;
    if (strncmp(state, "23", 2) == 0) return DORM_EINTEGRITY;
    if (strncmp(state, "22", 2) == 0) return DORM_EDATA;
    if (strncmp(state, "42", 2) == 0 || strcmp(state, "0A000") == 0) return DORM_EPROGRAMMING;
    /* "current transaction is aborted": the work of the transaction is lost
     * until it is rolled back, which is what TransactionManagementError says. */
    if (strcmp(state, "25P02") == 0) return DORM_ETRANSACTION;
    if (strcmp(state, "53200") == 0) return DORM_ENOMEM;
    return DORM_EOPERATIONAL;
}

int dorm_pg__fail(dorm_conn *c, const PGresult *res, dorm_errbuf *e) {
    char msg[400], detail[200] = "";
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    /* A command that could not be sent to a session the server ended fails
     * with libpq's "server closed the connection unexpectedly" while the
     * connection still reads as OK: reading what is left of the socket
     * makes libpq see the end of the stream (it never blocks). */
    if (PQstatus(c->pg) == CONNECTION_OK && (!state || strncmp(state, "57P", 3) == 0 || strncmp(state, "08", 2) == 0))
        PQconsumeInput(c->pg);
    if (PQstatus(c->pg) != CONNECTION_OK) return lost(c, e);
    const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (primary) {
        snprintf(msg, sizeof msg, "%s", primary);
        const char *d = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
        if (d) one_line(detail, sizeof detail, d);
    } else {
        one_line(msg, sizeof msg, res ? PQresultErrorMessage(res) : PQerrorMessage(c->pg));
        if (!msg[0]) one_line(msg, sizeof msg, PQerrorMessage(c->pg));
    }
    if (!res && !msg[0]) return dorm_err(e, DORM_ENOMEM, "out of memory");
    /* psycopg2's str(error): the message, then DETAIL on its own line. */
    return dorm_err(e, code_of(state), "%s%s%s", msg, detail[0] ? "\nDETAIL:  " : "", detail);
}

int dorm_pg__session(dorm_conn *c) { return c->tx_pooled ? -1 : (int)(c->generation & 0x7fffffff); }
