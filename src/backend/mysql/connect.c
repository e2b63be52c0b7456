/* connect.c - MySQL/MariaDB connections: a dorm_url turned into libmariadb
 * options (query options only from an allowlist, each value checked), the
 * session set-up Django's backend does (utf8mb4, strict sql_mode, the
 * isolation level, autocommit) plus UTC and standard string literals, the
 * check that re-opens a connection the server dropped between requests,
 * and the mapping of server error numbers to dorm errors. */
#define _POSIX_C_SOURCE 200809L

#include <errmsg.h>
#include <mysqld_error.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "backend/mysql/conn.h"
#include "core/alloc.h"

/* Django's default isolation level for MySQL (3.2). */
#define DEFAULT_ISOLATION "READ COMMITTED"
/* Strict, as Django's documentation asks; NO_BACKSLASH_ESCAPES is always
 * added (see session_setup). */
#define DEFAULT_SQL_MODE "STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION"

static const char *const allowed =
    "unix_socket, host, port, user, password, database, charset, isolation_level, sql_mode, init_command, "
    "connect_timeout, read_timeout, write_timeout, ssl_mode, ssl_ca, ssl_capath, ssl_cert, ssl_key, ssl_cipher";

static int bad_value(dorm_errbuf *e, const char *key, const char *v, const char *why) {
    return dorm_err(e, DORM_ECONFIG, "MySQL URL option %s='%.64s' %s", key, v, why);
}

static int read_uint(const char *key, const char *v, unsigned max, unsigned *out, dorm_errbuf *e) {
    char *end;
    unsigned long n = strtoul(v, &end, 10);
    if (!*v || *end || *v == '-' || n > max) return bad_value(e, key, v, "is not a number in range");
    *out = (unsigned)n;
    return 0;
}

/* Django's isolation levels (case does not matter, as in Django). */
static int read_isolation(const char *v, const char **out, dorm_errbuf *e) {
    static const char *const levels[] = {"READ COMMITTED", "READ UNCOMMITTED", "REPEATABLE READ", "SERIALIZABLE"};
    for (size_t i = 0; i < sizeof levels / sizeof *levels; i++)
        if (strcasecmp(v, levels[i]) == 0) return *out = levels[i], 0;
    return dorm_err(e, DORM_ECONFIG,
                    "Invalid transaction isolation level '%.64s' specified. Use one of 'read committed', "
                    "'read uncommitted', 'repeatable read', 'serializable'.",
                    v);
}

/* A list of mode names ("STRICT_ALL_TABLES,ANSI_QUOTES"): letters, digits,
 * '_' and commas only, so that it can be written in a SET statement. */
static int read_sql_mode(const char *v, dorm_errbuf *e) {
    size_t n = strlen(v);
    if (!n || n > 400 || strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_,") != n)
        return bad_value(e, "sql_mode", v, "is not a comma-separated list of mode names");
    return 0;
}

/* MySQL Connector's ssl_mode words, as mysqlclient emulates them on
 * libmariadb: 1 DISABLED .. 5 VERIFY_IDENTITY. */
static int read_ssl_mode(const char *v, int *out, dorm_errbuf *e) {
    static const char *const modes[] = {"DISABLED", "PREFERRED", "REQUIRED", "VERIFY_CA", "VERIFY_IDENTITY"};
    for (int i = 0; i < 5; i++)
        if (strcasecmp(v, modes[i]) == 0) return *out = i + 1, 0;
    return bad_value(e, "ssl_mode", v, "must be DISABLED, PREFERRED, REQUIRED, VERIFY_CA or VERIFY_IDENTITY");
}

/* The options of `url`.  A host starting with '/' is a socket path, as in
 * Django's HOST setting. */
static int url_opts(const dorm_url *url, dorm_my_opts *o, dorm_errbuf *e) {
    memset(o, 0, sizeof *o);
    o->host = url->host;
    o->port = (unsigned)url->port;
    o->user = url->user;
    o->password = url->password;
    o->database = url->path[0] ? url->path : NULL;
    o->charset = "utf8mb4";
    o->isolation = DEFAULT_ISOLATION;
    o->sql_mode = DEFAULT_SQL_MODE;
    int rc = 0;
    for (size_t i = 0; i < url->nparams && !rc; i++) {
        const char *k = url->keys[i], *v = url->values[i];
        if (strcmp(k, "unix_socket") == 0)
            o->unix_socket = v;
        else if (strcmp(k, "host") == 0)
            o->host = v;
        else if (strcmp(k, "port") == 0)
            rc = read_uint(k, v, 65535, &o->port, e);
        else if (strcmp(k, "user") == 0)
            o->user = v;
        else if (strcmp(k, "password") == 0)
            o->password = v;
        else if (strcmp(k, "database") == 0)
            o->database = v;
        else if (strcmp(k, "charset") == 0) {
            /* dorm's text is UTF-8: only its spellings are accepted. */
            if (strcmp(v, "utf8mb4") != 0 && strcmp(v, "utf8") != 0 && strcmp(v, "utf8mb3") != 0)
                rc = bad_value(e, k, v, "must be utf8mb4 (or utf8): dorm's text is UTF-8");
            o->charset = v;
        } else if (strcmp(k, "isolation_level") == 0)
            rc = read_isolation(v, &o->isolation, e);
        else if (strcmp(k, "sql_mode") == 0) {
            rc = read_sql_mode(v, e);
            o->sql_mode = v;
        } else if (strcmp(k, "init_command") == 0)
            o->init_command = v;
        else if (strcmp(k, "connect_timeout") == 0)
            rc = read_uint(k, v, 86400, &o->connect_timeout, e);
        else if (strcmp(k, "read_timeout") == 0)
            rc = read_uint(k, v, 86400, &o->read_timeout, e);
        else if (strcmp(k, "write_timeout") == 0)
            rc = read_uint(k, v, 86400, &o->write_timeout, e);
        else if (strcmp(k, "ssl_mode") == 0)
            rc = read_ssl_mode(v, &o->ssl_mode, e);
        else if (strcmp(k, "ssl_ca") == 0)
            o->ssl_ca = v;
        else if (strcmp(k, "ssl_capath") == 0)
            o->ssl_capath = v;
        else if (strcmp(k, "ssl_cert") == 0)
            o->ssl_cert = v;
        else if (strcmp(k, "ssl_key") == 0)
            o->ssl_key = v;
        else if (strcmp(k, "ssl_cipher") == 0)
            o->ssl_cipher = v;
        else
            rc = dorm_err(e, DORM_ECONFIG, "Unsupported MySQL URL option '%.64s' (supported: %s)", k, allowed);
    }
    if (rc) return rc;
    if (o->host && o->host[0] == '/' && !o->unix_socket) {
        o->unix_socket = o->host;
        o->host = NULL;
    }
    /* As for PostgreSQL: a URL whose database name was lost in configuration
     * must not connect to no database at all. */
    if (!o->database || !*o->database)
        return dorm_err(e, DORM_ECONFIG,
                        "MySQL URL names no database: write mysql://user@host/dbname or add ?database=name");
    return 0;
}

/* "socket \"/run/x.sock\"", "host \"h\" port 3306" or "the default socket":
 * where messages say the server was. */
static void describe(const dorm_my_opts *o, char *out, size_t cap) {
    if (o->unix_socket)
        snprintf(out, cap, "socket \"%.150s\"", o->unix_socket);
    else if (!o->host || strcmp(o->host, "localhost") == 0)
        snprintf(out, cap, "the default socket");
    else if (o->port)
        snprintf(out, cap, "host \"%.150s\" port %u", o->host, o->port);
    else
        snprintf(out, cap, "host \"%.150s\"", o->host);
}

/* The server's message as Python shows MySQLdb's error, str((code, msg)):
 * "(1062, \"Duplicate entry 'x' for key 'isbn'\")". */
static void tuple_text(char *out, size_t cap, unsigned code, const char *msg) {
    bool single = strchr(msg, '\'') != NULL, dbl = strchr(msg, '"') != NULL;
    char q = single && !dbl ? '"' : '\'';
    size_t n = (size_t)snprintf(out, cap, "(%u, %c", code, q);
    for (const char *p = msg; *p && n + 4 < cap; p++) {
        if (*p == q || *p == '\\') out[n++] = '\\';
        out[n++] = *p == '\n' ? ' ' : *p;
    }
    if (n + 3 > cap) n = cap - 3;
    out[n++] = q;
    out[n++] = ')';
    out[n] = '\0';
}

static void set_option(MYSQL *my, enum mysql_option opt, const void *v) {
    if (v) mysql_optionsv(my, opt, v);
}

/* A new libmariadb connection as the options say, or NULL with the reason
 * in e.  CLIENT_FOUND_ROWS: an UPDATE reports the rows it matched, not the
 * ones it changed (Django's client flag); LOAD DATA LOCAL is refused, so a
 * server cannot ask for the client's files; multiple statements are off. */
static MYSQL *connect_server(dorm_conn *c, dorm_errbuf *e) {
    const dorm_my_opts *o = &c->o;
    MYSQL *my = mysql_init(NULL);
    if (!my) {
        dorm_err(e, DORM_ENOMEM, "out of memory");
        return NULL;
    }
    unsigned zero = 0;
    mysql_optionsv(my, MYSQL_OPT_LOCAL_INFILE, &zero);
    mysql_optionsv(my, MYSQL_SET_CHARSET_NAME, o->charset);
    if (o->connect_timeout) mysql_optionsv(my, MYSQL_OPT_CONNECT_TIMEOUT, &o->connect_timeout);
    if (o->read_timeout) mysql_optionsv(my, MYSQL_OPT_READ_TIMEOUT, &o->read_timeout);
    if (o->write_timeout) mysql_optionsv(my, MYSQL_OPT_WRITE_TIMEOUT, &o->write_timeout);
    set_option(my, MYSQL_OPT_SSL_CA, o->ssl_ca);
    set_option(my, MYSQL_OPT_SSL_CAPATH, o->ssl_capath);
    set_option(my, MYSQL_OPT_SSL_CERT, o->ssl_cert);
    set_option(my, MYSQL_OPT_SSL_KEY, o->ssl_key);
    set_option(my, MYSQL_OPT_SSL_CIPHER, o->ssl_cipher);
    if (o->ssl_mode) {
        my_bool enforce = o->ssl_mode >= 3, verify = o->ssl_mode >= 4;
        mysql_optionsv(my, MYSQL_OPT_SSL_ENFORCE, &enforce);
        mysql_optionsv(my, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &verify);
    }
    if (!mysql_real_connect(my, o->host, o->user, o->password, o->database, o->port, o->unix_socket,
                            CLIENT_FOUND_ROWS)) {
        char why[400];
        tuple_text(why, sizeof why, mysql_errno(my), mysql_error(my));
        dorm_err(e, mysql_errno(my) == CR_OUT_OF_MEMORY ? DORM_ENOMEM : DORM_EOPERATIONAL,
                 "Could not connect to MySQL at %s: %s", c->where, why);
        mysql_close(my);
        return NULL;
    }
    return my;
}

int dorm_my__run_plain(dorm_conn *c, const char *sql, dorm_errbuf *e) {
    if (mysql_real_query(c->my, sql, (unsigned long)strlen(sql))) return dorm_my__fail_conn(c, e);
    int more;
    do {
        MYSQL_RES *r = mysql_store_result(c->my);
        if (r)
            mysql_free_result(r);
        else if (mysql_field_count(c->my))
            return dorm_my__fail_conn(c, e);
        more = mysql_next_result(c->my);
        if (more > 0) return dorm_my__fail_conn(c, e);
    } while (more == 0);
    return 0;
}

/* The session Django's backend sets up (its init_connection_state: the
 * isolation level, SQL_AUTO_IS_NULL off; strict mode as its documentation
 * asks), plus UTC for the session's time functions, as dorm's datetimes
 * are UTC, and NO_BACKSLASH_ESCAPES: string literals in DDL (defaults,
 * check constraints) are standard SQL, quotes doubled, and a backslash is
 * itself.  in_to_exists off: an UPDATE or DELETE with an IN (SELECT ...),
 * which MariaDB does not run as a semi-join, materializes the subquery once
 * instead of running it again for every row (a long IN list's JSON_TABLE,
 * an exclude() across a relation).  The URL's init_command runs last, so
 * that it may change any of it (trusted input, like the URL). */
static int session_setup(dorm_conn *c, dorm_errbuf *e) {
    char sql[640];
    snprintf(sql, sizeof sql,
             "SET SESSION sql_mode = '%s,NO_BACKSLASH_ESCAPES', SESSION time_zone = '+00:00', "
             "SESSION sql_auto_is_null = 0, SESSION autocommit = 1, SESSION optimizer_switch = 'in_to_exists=off'",
             c->o.sql_mode);
    int rc = dorm_my__run_plain(c, sql, e);
    if (!rc && c->o.isolation) {
        snprintf(sql, sizeof sql, "SET SESSION TRANSACTION ISOLATION LEVEL %s", c->o.isolation);
        rc = dorm_my__run_plain(c, sql, e);
    }
    if (!rc && c->o.init_command) rc = dorm_my__run_plain(c, c->o.init_command, e);
    c->tx_open = false;
    if (!rc) dorm_my__track(c);
    return rc;
}

/* What the dialect relies on: INSERT ... RETURNING (10.5), JSON_TABLE
 * (10.6), compound statements outside stored programs (BEGIN NOT ATOMIC,
 * for the migration lock and constraint drops) - MariaDB 10.6 or later. */
static int check_server(dorm_conn *c, dorm_errbuf *e) {
    const char *info = mysql_get_server_info(c->my);
    unsigned long version = mysql_get_server_version(c->my);
    if (info && strstr(info, "MariaDB") && version >= 100600) return 0;
    return dorm_err(e, DORM_ENOTSUPPORTED,
                    "dorm's MySQL backend needs MariaDB 10.6 or later; the server at %s is %.64s", c->where,
                    info ? info : "of an unknown version");
}

int dorm_my__open(const dorm_url *url, dorm_conn **out, dorm_errbuf *e) {
    dorm_conn *c = dorm_mem__calloc(1, sizeof *c);
    if (!c) return dorm_err(e, DORM_ENOMEM, "out of memory");
    int rc = url_opts(url, &c->o, e);
    if (rc) {
        dorm_mem__free(c);
        return rc;
    }
    describe(&c->o, c->where, sizeof c->where);
    c->my = connect_server(c, e);
    if (!c->my) {
        dorm_mem__free(c);
        return e->code;
    }
    rc = check_server(c, e);
    if (!rc) rc = session_setup(c, e);
    if (rc) {
        dorm_my__close(c);
        return rc;
    }
    *out = c;
    return 0;
}

void dorm_my__close(dorm_conn *c) {
    if (!c) return;
    mysql_close(c->my);
    dorm_mem__free(c);
}

/* Whether the server ended an idle session (restart, KILL, wait_timeout):
 * with nothing asked, its socket turns readable (the end of the stream, or
 * a last error packet before it).  A poll() costs no round trip. */
static void notice_drop(dorm_conn *c) {
    struct pollfd pfd = {(int)mysql_get_socket(c->my), POLLIN, 0};
    if (pfd.fd >= 0 && poll(&pfd, 1, 0) > 0) c->lost = true;
}

static int lost(dorm_conn *c, const char *why, dorm_errbuf *e) {
    if (c->tx_open)
        return dorm_err(e, DORM_EOPERATIONAL,
                        "The connection to MySQL at %s was lost inside a transaction, whose work is gone; "
                        "roll the transaction back: %s",
                        c->where, why);
    return dorm_err(e, DORM_EOPERATIONAL, "The connection to MySQL at %s was lost: %s", c->where, why);
}

int dorm_my__ready(dorm_conn *c, dorm_errbuf *e) {
    if (!c->tx_open && !c->lost) notice_drop(c);
    if (!c->lost) return 0;
    if (c->tx_open) return lost(c, "the server ended the session", e);
    /* Statements prepared on the old session died with it. */
    MYSQL *my = connect_server(c, e);
    if (!my) {
        char why[sizeof e->msg];
        memcpy(why, e->msg, sizeof why);
        return dorm_err(e, e->code, "Could not reconnect: %.400s", why);
    }
    mysql_close(c->my);
    c->my = my;
    c->lost = false;
    c->generation++;
    return session_setup(c, e);
}

void dorm_my__track(dorm_conn *c) {
    unsigned status = 0;
    if (c->lost || mariadb_get_infov(c->my, MARIADB_CONNECTION_SERVER_STATUS, &status)) return;
    c->tx_open = (status & SERVER_STATUS_IN_TRANS) != 0;
}

/* mysqlclient's exception class by error number (its _mysql_Exception),
 * with the numbers Django's CursorWrapper moves to IntegrityError. */
static int code_of(unsigned code) {
    switch (code) {
    case CR_COMMANDS_OUT_OF_SYNC:
    case ER_DB_CREATE_EXISTS:
    case ER_SYNTAX_ERROR:
    case ER_PARSE_ERROR:
    case ER_NO_SUCH_TABLE:
    case ER_WRONG_DB_NAME:
    case ER_WRONG_TABLE_NAME:
    case ER_FIELD_SPECIFIED_TWICE:
    case ER_INVALID_GROUP_FUNC_USE:
    case ER_UNSUPPORTED_EXTENSION:
    case ER_TABLE_MUST_HAVE_COLUMNS:
    case ER_CANT_DO_THIS_DURING_AN_TRANSACTION: return DORM_EPROGRAMMING;
    case WARN_DATA_TRUNCATED:
    case ER_WARN_NULL_TO_NOTNULL:
    case ER_WARN_DATA_OUT_OF_RANGE:
    case ER_NO_DEFAULT:
    case ER_PRIMARY_CANT_HAVE_NULL:
    case ER_DATA_TOO_LONG:
    case ER_DATETIME_FUNCTION_OVERFLOW: return DORM_EDATA;
    case ER_DUP_ENTRY:
    case ER_DUP_UNIQUE:
    case ER_NO_REFERENCED_ROW:
    case ER_NO_REFERENCED_ROW_2:
    case ER_ROW_IS_REFERENCED:
    case ER_ROW_IS_REFERENCED_2:
    case ER_CANNOT_ADD_FOREIGN:
    case ER_NO_DEFAULT_FOR_FIELD:
    case ER_BAD_NULL_ERROR:
    /* Django: "BIGINT UNSIGNED value is out of range", CHECK constraints. */
    case 1690:
    case 3819:
    case 4025: return DORM_EINTEGRITY;
    case ER_WARNING_NOT_COMPLETE_ROLLBACK:
    case ER_NOT_SUPPORTED_YET:
    case ER_FEATURE_DISABLED:
    case ER_UNKNOWN_STORAGE_ENGINE: return DORM_ENOTSUPPORTED;
    case CR_OUT_OF_MEMORY:
    case ER_OUTOFMEMORY: return DORM_ENOMEM;
    default: return DORM_EOPERATIONAL;
    }
}

/* The errors of a session that is gone: the client's, and the server's
 * last words when it ends one (KILL, shutdown, MySQL's idle timeout). */
static bool is_lost(unsigned code) {
    return code == CR_SERVER_GONE_ERROR || code == CR_SERVER_LOST || code == CR_SERVER_LOST_EXTENDED ||
        code == ER_CONNECTION_KILLED || code == ER_SERVER_SHUTDOWN || code == 4031 /* client timeout */;
}

int dorm_my__fail(dorm_conn *c, unsigned code, const char *msg, dorm_errbuf *e) {
    char text[440];
    tuple_text(text, sizeof text, code, msg && *msg ? msg : "unknown error");
    if (is_lost(code)) {
        c->lost = true;
        return lost(c, text, e);
    }
    return dorm_err(e, code_of(code), "%s", text);
}

int dorm_my__fail_conn(dorm_conn *c, dorm_errbuf *e) {
    return dorm_my__fail(c, mysql_errno(c->my), mysql_error(c->my), e);
}
