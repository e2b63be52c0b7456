/* driver.c - the SQLite backend's driver: opening a database file (with
 * foreign keys on, as Django does, and the URL's busy timeout and
 * transaction mode, which says how transactions begin), preparing, binding
 * dorm values in Django's SQLite storage formats, stepping, reading columns,
 * and mapping SQLite's result codes to dorm errors with SQLite's own
 * messages. */
#define _POSIX_C_SOURCE 200809L

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "backend/sqlite/sqlite.h"
#include "core/alloc.h"
#include "core/decimal.h"

/* Milliseconds a statement waits for a lock held by another connection. */
#define BUSY_TIMEOUT_MS 5000

/* How a transaction starts (Django's OPTIONS["transaction_mode"]). */
typedef enum tx_mode { TX_DEFERRED, TX_IMMEDIATE, TX_EXCLUSIVE } tx_mode;

struct dorm_conn {
    sqlite3 *db;
    tx_mode mode;
};

struct dorm_stmt {
    sqlite3_stmt *st;
    sqlite3 *db;
    int64_t changes; /* of the last run that reached SQLITE_DONE */
    int64_t rowid; /* last_insert_rowid after that run            */
    int nparams; /* its placeholders                            */
    int bound; /* the last one bound since the last reset     */
};

/* Django's sqlite3 backend raises IntegrityError for constraint failures,
 * OperationalError for locking, I/O and SQL errors (no such table, syntax)
 * and DataError for values too big or of the wrong type. */
static int code_of(int rc) {
    switch (rc & 0xff) {
    case SQLITE_CONSTRAINT: return DORM_EINTEGRITY;
    case SQLITE_TOOBIG:
    case SQLITE_RANGE:
    case SQLITE_MISMATCH: return DORM_EDATA;
    case SQLITE_NOMEM: return DORM_ENOMEM;
    case SQLITE_MISUSE: return DORM_EPROGRAMMING;
    default: return DORM_EOPERATIONAL;
    }
}

/* The error of the last call on `db`, with SQLite's message as is
 * ("UNIQUE constraint failed: library_book.isbn", as Django passes it on). */
static int fail(sqlite3 *db, int rc, dorm_errbuf *e) {
    return dorm_err(e, code_of(rc), "%s", db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
}

static int read_mode(const char *v, tx_mode *mode, dorm_errbuf *e) {
    static const char *const names[] = {"DEFERRED", "IMMEDIATE", "EXCLUSIVE"};
    for (int m = 0; m < 3; m++)
        if (strcasecmp(v, names[m]) == 0) return *mode = (tx_mode)m, 0;
    return dorm_err(e, DORM_ECONFIG,
                    "SQLite URL option transaction_mode='%.64s' must be DEFERRED, EXCLUSIVE or IMMEDIATE", v);
}

/* Checks the URL's parts and reads its options, "timeout" (seconds) and
 * "transaction_mode", as Django's OPTIONS; anything else is refused, not
 * ignored. */
static int check_url(const dorm_url *url, int *timeout_ms, tx_mode *mode, dorm_errbuf *e) {
    if (url->host || url->user || url->password || url->port)
        return dorm_err(e, DORM_ECONFIG,
                        "SQLite URLs take no host, user, password or port: write sqlite:///relative/file.db, "
                        "sqlite:////absolute/file.db or sqlite://:memory:");
    if (!url->path[0])
        return dorm_err(e, DORM_ECONFIG,
                        "SQLite URL has no file path: write sqlite:///relative/file.db, "
                        "sqlite:////absolute/file.db or sqlite://:memory:");
    *timeout_ms = BUSY_TIMEOUT_MS;
    *mode = TX_DEFERRED;
    for (size_t i = 0; i < url->nparams; i++) {
        if (strcmp(url->keys[i], "transaction_mode") == 0) {
            int rc = read_mode(url->values[i], mode, e);
            if (rc) return rc;
            continue;
        }
        if (strcmp(url->keys[i], "timeout") != 0)
            return dorm_err(e, DORM_ECONFIG,
                            "Unsupported SQLite URL option '%.64s' (supported: timeout, transaction_mode)",
                            url->keys[i]);
        char *end;
        double s = strtod(url->values[i], &end);
        if (end == url->values[i] || *end || !(s >= 0 && s <= INT_MAX / 1000))
            return dorm_err(e, DORM_ECONFIG, "SQLite URL option timeout='%.64s' is not a number of seconds",
                            url->values[i]);
        *timeout_ms = (int)(s * 1000);
    }
    return 0;
}

static int open_failed(sqlite3 *db, int rc, const char *path, dorm_errbuf *e) {
    /* Out of memory in dorm's own set-up (a zone cache) leaves no message on db. */
    const char *msg = db && (rc & 0xff) != SQLITE_NOMEM ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    int sys = db ? sqlite3_system_errno(db) : 0;
    char why[128] = "";
    if (sys && strerror_r(sys, why, sizeof why) != 0) why[0] = '\0';
    dorm_err(e, (rc & 0xff) == SQLITE_NOMEM ? DORM_ENOMEM : DORM_EOPERATIONAL,
             "unable to open database file '%.300s': %s%s%s%s", path, msg, why[0] ? " (" : "", why, why[0] ? ")" : "");
    sqlite3_close(db);
    return e->code;
}

static int sq_open(const dorm_url *url, dorm_conn **out, dorm_errbuf *e) {
    int timeout_ms = BUSY_TIMEOUT_MS;
    tx_mode mode = TX_DEFERRED;
    int rc = check_url(url, &timeout_ms, &mode, e);
    if (rc) return rc;
    dorm_conn *c = dorm_mem__alloc(sizeof *c);
    if (!c) return dorm_err(e, DORM_ENOMEM, "out of memory");
    /* NOMUTEX: a connection belongs to one thread at a time, so SQLite's
     * per-connection mutex would only cost time.  No SQLITE_OPEN_URI: the
     * path is a file name, never "file:...?options". */
    sqlite3 *db = NULL;
    rc = sqlite3_open_v2(url->path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        dorm_mem__free(c);
        return open_failed(db, rc, url->path, e);
    }
    rc = sqlite3_exec(db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_busy_timeout(db, timeout_ms);
    if (rc == SQLITE_OK) rc = dorm_sqlite__register_functions(db);
    if (rc != SQLITE_OK) {
        dorm_mem__free(c);
        return open_failed(db, rc, url->path, e);
    }
    c->db = db;
    c->mode = mode;
    *out = c;
    return 0;
}

static void sq_close(dorm_conn *c) {
    /* close_v2: a statement someone forgot to release is closed with the
     * connection instead of keeping the file open forever. */
    sqlite3_close_v2(c->db);
    dorm_mem__free(c);
}

/* A deferred transaction takes SQLite's write lock at its first write, and
 * when another connection wrote since its first read, it cannot have it
 * ("database is locked" at once: the busy timeout cannot help a reader that
 * must see the other writer's work).  A transaction known to write takes
 * the lock at BEGIN, where the busy timeout waits for it. */
static const char *sq_begin_sql(dorm_conn *c, bool write) {
    if (c->mode == TX_EXCLUSIVE) return "BEGIN EXCLUSIVE";
    return write || c->mode == TX_IMMEDIATE ? "BEGIN IMMEDIATE" : "BEGIN";
}

static int sq_exec(dorm_conn *c, const char *sql, dorm_errbuf *e) {
    int rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : fail(c->db, rc, e);
}

/* Whether only blanks, semicolons and comments follow the first statement. */
static bool only_trailer(const char *p, const char *end) {
    while (p < end) {
        if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' || *p == ';') {
            p++;
        } else if (end - p >= 2 && p[0] == '-' && p[1] == '-') {
            while (p < end && *p != '\n') p++;
        } else if (end - p >= 2 && p[0] == '/' && p[1] == '*') {
            p += 2;
            while (p < end && !(end - p >= 2 && p[0] == '*' && p[1] == '/')) p++;
            p = p < end ? p + 2 : end;
        } else {
            return false;
        }
    }
    return true;
}

static int sq_prepare(dorm_conn *c, const char *sql, size_t len, dorm_stmt **out, dorm_errbuf *e) {
    if (len > INT_MAX) return dorm_err(e, DORM_EDATA, "SQL statement too long (%zu bytes)", len);
    sqlite3_stmt *st = NULL;
    const char *tail = NULL;
    int rc = sqlite3_prepare_v3(c->db, sql, (int)len, SQLITE_PREPARE_PERSISTENT, &st, &tail);
    if (rc != SQLITE_OK) return fail(c->db, rc, e);
    if (!st) return dorm_err(e, DORM_EPROGRAMMING, "The SQL text holds no statement.");
    if (!only_trailer(tail, sql + len)) {
        sqlite3_finalize(st);
        return dorm_err(e, DORM_EPROGRAMMING, "You can only execute one statement at a time.");
    }
    dorm_stmt *s = dorm_mem__alloc(sizeof *s);
    if (!s) {
        sqlite3_finalize(st);
        return dorm_err(e, DORM_ENOMEM, "out of memory");
    }
    s->st = st;
    s->db = c->db;
    s->changes = 0;
    s->nparams = sqlite3_bind_parameter_count(st);
    s->bound = 0;
    *out = s;
    return 0;
}

/* Text and bytes are bound SQLITE_STATIC (no copy): dorm_db__run's contract
 * makes the caller keep them alive until the statement is released.  Values
 * formatted here live on the stack, so SQLite copies them (TRANSIENT). */
static int sq_bind(dorm_stmt *s, int i, const dorm_value *v, dorm_errbuf *e) {
    sqlite3_stmt *st = s->st;
    int idx = i + 1;
    char tmp[DORM_FMT_MAX];
    size_t n;
    int rc;
    switch (v->type) {
    case DORM_T_NULL: rc = sqlite3_bind_null(st, idx); break;
    case DORM_T_BOOL: rc = sqlite3_bind_int(st, idx, v->u.b ? 1 : 0); break;
    case DORM_T_INT: rc = sqlite3_bind_int64(st, idx, v->u.i); break;
    case DORM_T_FLOAT: rc = sqlite3_bind_double(st, idx, v->u.f); break;
    case DORM_T_TEXT:
        if (!v->u.s && v->len == DORM_STRLEN) {
            rc = sqlite3_bind_null(st, idx);
            break;
        }
        if (!v->u.s && v->len) return dorm_err(e, DORM_EVALUE, "parameter %d: text of %zu bytes at NULL", idx, v->len);
        n = v->len == DORM_STRLEN ? strlen(v->u.s) : v->len;
        /* SQLite would keep it, but dorm reads text into C strings: refused
         * here as PostgreSQL refuses it, rather than read back cut short. */
        if (v->len != DORM_STRLEN && n && memchr(v->u.s, '\0', n))
            return dorm_err(e, DORM_EVALUE, "parameter %d: text cannot contain NUL (0x00) characters", idx);
        rc = sqlite3_bind_text64(st, idx, n ? v->u.s : "", n, SQLITE_STATIC, SQLITE_UTF8);
        break;
    case DORM_T_BYTES:
        if (!v->len) {
            rc = sqlite3_bind_zeroblob(st, idx, 0);
            break;
        }
        if (!v->u.p) return dorm_err(e, DORM_EVALUE, "parameter %d: %zu bytes at NULL", idx, v->len);
        rc = sqlite3_bind_blob64(st, idx, v->u.p, v->len, SQLITE_STATIC);
        break;
    case DORM_T_DURATION: rc = sqlite3_bind_int64(st, idx, v->u.dur.usec); break;
    case DORM_T_DATE:
    case DORM_T_DATETIME:
    case DORM_T_TIME:
    case DORM_T_DECIMAL:
    case DORM_T_UUID:
        n = v->type == DORM_T_DATE       ? dorm_date_format(v->u.date, tmp)
            : v->type == DORM_T_DATETIME ? dorm_datetime_format(v->u.dt, tmp)
            : v->type == DORM_T_TIME     ? dorm_time_format(v->u.time, tmp)
            : v->type == DORM_T_DECIMAL  ? dorm_decimal_format(v->u.dec, tmp)
                                         : dorm_uuid_format(v->u.uuid, tmp);
        /* Formatting writes nothing for what Python's datetime cannot hold. */
        if (!n)
            return dorm_err(e, DORM_EDATA, "parameter %d: %s value out of range", idx,
                            v->type == DORM_T_TIME ? "time" : "date");
        rc = sqlite3_bind_text(st, idx, tmp, (int)n, SQLITE_TRANSIENT);
        break;
    default: return dorm_err(e, DORM_EVALUE, "parameter %d: a value of type %d cannot be bound", idx, (int)v->type);
    }
    if (rc == SQLITE_RANGE)
        return dorm_err(e, DORM_EPROGRAMMING,
                        "Incorrect number of bindings supplied. The current statement uses %d, and there are "
                        "more supplied.",
                        sqlite3_bind_parameter_count(st));
    if (rc != SQLITE_OK) return fail(s->db, rc, e);
    if (idx > s->bound) s->bound = idx;
    return 0;
}

static int sq_step(dorm_stmt *s, dorm_errbuf *e) {
    /* A reset keeps the last run's values (sqlite3_clear_bindings on every
     * release cost a call a query): the placeholders this run left unbound
     * (dorm_db__run binds the first ones in order) are NULL, as they would
     * be after a clear. */
    while (s->bound < s->nparams) sqlite3_bind_null(s->st, ++s->bound);
    int rc = sqlite3_step(s->st);
    if (rc == SQLITE_ROW) return DORM_STEP_ROW;
    if (rc == SQLITE_DONE) {
        s->changes = sqlite3_stmt_readonly(s->st) ? 0 : sqlite3_changes64(s->db);
        s->rowid = sqlite3_last_insert_rowid(s->db);
        return DORM_STEP_DONE;
    }
    return fail(s->db, rc, e);
}

static int sq_column_count(dorm_stmt *s) { return sqlite3_column_count(s->st); }

static bool sq_column_null(dorm_stmt *s, int i) { return sqlite3_column_type(s->st, i) == SQLITE_NULL; }

static int64_t sq_column_int(dorm_stmt *s, int i) { return sqlite3_column_int64(s->st, i); }

static double sq_column_float(dorm_stmt *s, int i) { return sqlite3_column_double(s->st, i); }

static const char *sq_column_text(dorm_stmt *s, int i, size_t *len) {
    /* One column lookup for both calls: sqlite3_column_text and _bytes each
     * check the index and the connection's error state again. */
    sqlite3_value *v = sqlite3_column_value(s->st, i);
    const char *p = (const char *)sqlite3_value_text(v);
    *len = p ? (size_t)sqlite3_value_bytes(v) : 0;
    return p;
}

/* A decimal column is stored as INTEGER or REAL (its NUMERIC affinity keeps
 * 15 significant digits of a REAL) or, not being a number, as TEXT. */
static int sq_column_decimal(dorm_stmt *s, int i, dorm_decimal *out) {
    sqlite3_value *v = sqlite3_column_value(s->st, i);
    switch (sqlite3_value_type(v)) {
    case SQLITE_INTEGER: *out = dorm_decimal_from_int(sqlite3_value_int64(v), 0); return 0;
    case SQLITE_FLOAT: return dorm_decimal__from_real(sqlite3_value_double(v), out);
    default: return dorm_decimal__read((const char *)sqlite3_value_text(v), (size_t)sqlite3_value_bytes(v), out);
    }
}

static const void *sq_column_blob(dorm_stmt *s, int i, size_t *len) {
    const void *p = sqlite3_column_blob(s->st, i);
    *len = p ? (size_t)sqlite3_column_bytes(s->st, i) : 0;
    return p;
}

static const char *sq_column_name(dorm_stmt *s, int i) { return sqlite3_column_name(s->st, i); }

/* SQLite's values carry their own storage class, whatever the column says. */
static dorm_kind sq_column_kind(dorm_stmt *s, int i) {
    switch (sqlite3_column_type(s->st, i)) {
    case SQLITE_INTEGER: return DORM_KIND_BIGINT;
    case SQLITE_FLOAT: return DORM_KIND_FLOAT;
    case SQLITE_TEXT: return DORM_KIND_TEXT;
    case SQLITE_BLOB: return DORM_KIND_BINARY;
    default: return DORM_KIND_NONE;
    }
}

static int64_t sq_changes(dorm_stmt *s) { return s->changes; }

static int64_t sq_last_insert_id(dorm_stmt *s) { return s->rowid; }

/* Bindings are cleared too: a borrowed pointer left bound could otherwise be
 * read by a later run that binds fewer values. */
static void sq_reset(dorm_stmt *s) {
    sqlite3_reset(s->st);
    s->bound = 0;
    s->changes = 0;
}

static void sq_finalize(dorm_stmt *s) {
    if (!s) return;
    sqlite3_finalize(s->st);
    dorm_mem__free(s);
}

/* dbshell: the sqlite3 shell on the database file. */
static int sq_client(const dorm_url *url, dorm_client_cmd *cmd) {
    bool ok = dorm_client_arg(cmd, "sqlite3") && dorm_client_arg(cmd, url->path && *url->path ? url->path : ":memory:");
    return ok ? 0 : DORM_ENOMEM;
}

/* Each connection to :memory: opens a database of its own. */
static bool sq_private_database(const dorm_url *url) { return strcmp(url->path, ":memory:") == 0; }

static const char *const schemes[] = {"sqlite", NULL};

const dorm_driver dorm_sqlite_driver = {
    .version = DORM_DRIVER_VERSION,
    .vendor = "sqlite",
    .schemes = schemes,
    .dialect = &dorm_sqlite_dialect,
    .open = sq_open,
    .close = sq_close,
    .exec = sq_exec,
    .prepare = sq_prepare,
    .bind = sq_bind,
    .step = sq_step,
    .column_count = sq_column_count,
    .column_null = sq_column_null,
    .column_int = sq_column_int,
    .column_float = sq_column_float,
    .column_text = sq_column_text,
    .column_blob = sq_column_blob,
    .changes = sq_changes,
    .reset = sq_reset,
    .finalize = sq_finalize,
    .last_insert_id = sq_last_insert_id,
    .introspect = dorm_sqlite__introspect,
    .client = sq_client,
    .begin_sql = sq_begin_sql,
    .column_decimal = sq_column_decimal,
    .column_name = sq_column_name,
    .column_kind = sq_column_kind,
    .private_database = sq_private_database,
};
