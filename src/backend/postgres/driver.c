/* driver.c - the PostgreSQL backend's statements: one server-side prepared
 * statement per SQL text (or unnamed ones when preparation is off), dorm
 * values bound as text parameters ($1, $2, ...) and bytes as binary, whole
 * results walked row by row, and text columns read back as dorm reads them. */
#define _POSIX_C_SOURCE 200809L

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/postgres/postgres.h"
#include "core/alloc.h"
#include "core/chars.h"
#include "core/duration.h"

/* A bound value that is not a caller's NUL-terminated string is formatted or
 * copied into the statement's scratch buffer; its offset is kept, because
 * the buffer may move as it grows, and turned into a pointer when run.
 * NOT_SCRATCH marks a value that points elsewhere (or is NULL). */
#define NOT_SCRATCH ((size_t)-1)

struct dorm_stmt {
    dorm_conn *c;
    char *sql; /* owned, NUL-terminated */
    char name[24]; /* server-side name, "" when unnamed */
    unsigned generation; /* of the connection the name was prepared on */
    bool prepared;
    int nparams; /* bound so far (highest index + 1) */
    int cap;
    const char **values;
    int *lengths;
    int *formats;
    size_t *offsets; /* into scratch, or NOT_SCRATCH */
    dorm_buf scratch;
    PGresult *res;
    int row; /* current row of res, -1 before the first */
    int nrows;
    int nfields; /* columns of res (0 without one) */
    int64_t changes;
    dorm_buf blob; /* the decoded bytea of the last column_blob */
};

/* Sends the DEALLOCATEs of finalized statements, in one round trip, outside
 * transactions only: a failure there must not abort the caller's work. */
static void flush_deallocs(dorm_conn *c) {
    if (!c->dealloc.len || PQtransactionStatus(c->pg) != PQTRANS_IDLE) return;
    PGresult *r = PQexec(c->pg, c->dealloc.data);
    PQclear(r);
    dorm_buf_reset(&c->dealloc);
    dorm_pg__track(c);
}

/* Creates the server-side statement of s under a new name. */
static int server_prepare(dorm_stmt *s, dorm_errbuf *e) {
    dorm_conn *c = s->c;
    flush_deallocs(c);
    snprintf(s->name, sizeof s->name, "dorm_%u", ++c->next_name);
    PGresult *r = PQprepare(c->pg, s->name, s->sql, 0, NULL);
    int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : dorm_pg__fail(c, r, e);
    PQclear(r);
    dorm_pg__track(c);
    if (rc) return rc;
    s->prepared = true;
    s->generation = c->generation;
    return 0;
}

static int pg_exec(dorm_conn *c, const char *sql, dorm_errbuf *e) {
    int rc = dorm_pg__ready(c, e);
    if (!rc) {
        PGresult *r = PQexec(c->pg, sql);
        ExecStatusType st = PQresultStatus(r);
        rc = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? 0 : dorm_pg__fail(c, r, e);
        PQclear(r);
        dorm_pg__track(c);
    }
    /* A ROLLBACK ends the transaction whatever its outcome: a session that
     * is gone (noticed before it was sent, or by sending it) took the
     * transaction with it, and the next statement may reconnect. */
    if (rc && (PQstatus(c->pg) != CONNECTION_OK || c->server_left) && strcmp(sql, "ROLLBACK") == 0) c->tx_open = false;
    return rc;
}

static int pg_prepare(dorm_conn *c, const char *sql, size_t len, dorm_stmt **out, dorm_errbuf *e) {
    if (len > INT_MAX) return dorm_err(e, DORM_EDATA, "SQL statement too long (%zu bytes)", len);
    if (memchr(sql, '\0', len)) return dorm_err(e, DORM_EPROGRAMMING, "The SQL text contains a NUL byte.");
    dorm_stmt *s = dorm_mem__calloc(1, sizeof *s);
    if (!s || !(s->sql = dorm_mem__alloc(len + 1))) {
        dorm_mem__free(s);
        return dorm_err(e, DORM_ENOMEM, "out of memory");
    }
    memcpy(s->sql, sql, len);
    s->sql[len] = '\0';
    s->c = c;
    s->row = -1;
    int rc = c->prepare ? dorm_pg__ready(c, e) : 0;
    if (!rc && c->prepare) rc = server_prepare(s, e);
    if (rc) {
        dorm_mem__free(s->sql);
        dorm_mem__free(s);
        return rc;
    }
    *out = s;
    return 0;
}

static int grow_params(dorm_stmt *s, int n, dorm_errbuf *e) {
    if (n <= s->cap) return 0;
    int cap = s->cap ? s->cap : 8;
    while (cap < n) cap *= 2;
    const char **values = dorm_mem__realloc(s->values, sizeof *values * (size_t)cap);
    if (values) s->values = values;
    int *lengths = dorm_mem__realloc(s->lengths, sizeof *lengths * (size_t)cap);
    if (lengths) s->lengths = lengths;
    int *formats = dorm_mem__realloc(s->formats, sizeof *formats * (size_t)cap);
    if (formats) s->formats = formats;
    size_t *offsets = dorm_mem__realloc(s->offsets, sizeof *offsets * (size_t)cap);
    if (offsets) s->offsets = offsets;
    if (!values || !lengths || !formats || !offsets) return dorm_err(e, DORM_ENOMEM, "out of memory");
    s->cap = cap;
    return 0;
}

/* Parameter i as text in the scratch buffer (NUL-terminated there). */
static void scratch_text(dorm_stmt *s, int i, const char *text, size_t n) {
    s->values[i] = NULL;
    s->offsets[i] = s->scratch.len;
    s->lengths[i] = 0;
    s->formats[i] = 0;
    dorm_buf_put(&s->scratch, text, n);
    dorm_buf_putc(&s->scratch, '\0');
}

static void put_float(char *tmp, double f) {
    if (isnan(f))
        strcpy(tmp, "NaN");
    else if (isinf(f))
        strcpy(tmp, f < 0 ? "-Infinity" : "Infinity");
    else
        snprintf(tmp, DORM_FMT_MAX, "%.17g", f);
}

/* Text format for everything but bytes, so the server reads each value in
 * the type it infers for its placeholder; bytes go as binary (raw), which
 * is how a bytea carries NUL bytes. */
static int pg_bind(dorm_stmt *s, int i, const dorm_value *v, dorm_errbuf *e) {
    int idx = i + 1;
    if (i < 0 || i >= 65535) return dorm_err(e, DORM_EPROGRAMMING, "parameter %d is out of range", idx);
    int rc = grow_params(s, i + 1, e);
    if (rc) return rc;
    for (int k = s->nparams; k < i; k++) {
        s->values[k] = NULL;
        s->offsets[k] = NOT_SCRATCH;
        s->lengths[k] = 0;
        s->formats[k] = 0;
    }
    if (i >= s->nparams) s->nparams = i + 1;
    s->values[i] = NULL;
    s->offsets[i] = NOT_SCRATCH;
    s->lengths[i] = 0;
    s->formats[i] = 0;
    char tmp[DORM_FMT_MAX];
    size_t n;
    switch (v->type) {
    case DORM_T_NULL: return 0;
    case DORM_T_BOOL: scratch_text(s, i, v->u.b ? "true" : "false", v->u.b ? 4 : 5); return 0;
    case DORM_T_INT: n = (size_t)snprintf(tmp, sizeof tmp, "%lld", (long long)v->u.i); break;
    case DORM_T_FLOAT:
        put_float(tmp, v->u.f);
        n = strlen(tmp);
        break;
    case DORM_T_TEXT:
        if (!v->u.s && v->len == DORM_STRLEN) return 0;
        if (!v->u.s && v->len) return dorm_err(e, DORM_EVALUE, "parameter %d: text of %zu bytes at NULL", idx, v->len);
        if (v->len == DORM_STRLEN) {
            s->values[i] = v->u.s;
            return 0;
        }
        if (v->len && memchr(v->u.s, '\0', v->len))
            return dorm_err(e, DORM_EVALUE, "parameter %d: PostgreSQL text cannot contain NUL (0x00) characters", idx);
        scratch_text(s, i, v->len ? v->u.s : "", v->len);
        return 0;
    case DORM_T_BYTES:
        if (v->len && !v->u.p) return dorm_err(e, DORM_EVALUE, "parameter %d: %zu bytes at NULL", idx, v->len);
        if (v->len > INT_MAX) return dorm_err(e, DORM_EDATA, "parameter %d: %zu bytes is too long", idx, v->len);
        s->values[i] = v->len ? v->u.p : "";
        s->lengths[i] = (int)v->len;
        s->formats[i] = 1;
        return 0;
    case DORM_T_DATE: n = dorm_date_format(v->u.date, tmp); break;
    case DORM_T_TIME: n = dorm_time_format(v->u.time, tmp); break;
    case DORM_T_DATETIME:
        n = dorm_datetime_format(v->u.dt, tmp);
        if (n) {
            memcpy(tmp + n, "+00:00", 7);
            n += 6;
        }
        break;
    case DORM_T_DECIMAL: n = dorm_decimal_format(v->u.dec, tmp); break;
    case DORM_T_UUID: n = dorm_uuid_format_dashed(v->u.uuid, tmp); break;
    case DORM_T_DURATION: n = dorm_duration__interval(v->u.dur, tmp); break;
    default: return dorm_err(e, DORM_EVALUE, "parameter %d: a value of type %d cannot be bound", idx, (int)v->type);
    }
    /* Formatting writes nothing for what Python's datetime cannot hold. */
    if (!n)
        return dorm_err(e, DORM_EDATA, "parameter %d: %s value out of range", idx,
                        v->type == DORM_T_TIME ? "time" : "date");
    scratch_text(s, i, tmp, n);
    return 0;
}

/* Whether a failed run is the server refusing a prepared statement whose
 * result columns changed under it (a column's type altered since it was
 * prepared: "cached plan must not change result type").  The source
 * function is not translated, unlike the message. */
static bool stale_plan(const PGresult *res) {
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    const char *fn = PQresultErrorField(res, PG_DIAG_SOURCE_FUNCTION);
    return state && strcmp(state, "0A000") == 0 && fn && strcmp(fn, "RevalidateCachedQuery") == 0;
}

/* Drops the server-side statement of s (its DEALLOCATE is sent later), so
 * that the next run prepares it again. */
static void forget_prepared(dorm_stmt *s) {
    dorm_conn *c = s->c;
    if (s->prepared && s->generation == c->generation) {
        dorm_buf_puts(&c->dealloc, "DEALLOCATE ");
        dorm_buf_puts(&c->dealloc, s->name);
        dorm_buf_puts(&c->dealloc, ";");
        if (c->dealloc.failed) dorm_buf_reset(&c->dealloc);
    }
    s->prepared = false;
}

static PGresult *send(dorm_stmt *s) {
    dorm_conn *c = s->c;
    PGresult *r = c->prepare ? PQexecPrepared(c->pg, s->name, s->nparams, s->values, s->lengths, s->formats, 0)
                             : PQexecParams(c->pg, s->sql, s->nparams, NULL, s->values, s->lengths, s->formats, 0);
    dorm_pg__track(c);
    return r;
}

/* Runs the statement with its bound parameters; fills res. */
static int run(dorm_stmt *s, dorm_errbuf *e) {
    dorm_conn *c = s->c;
    int rc = dorm_pg__ready(c, e);
    if (rc) return rc;
    if (s->scratch.failed) return dorm_err(e, DORM_ENOMEM, "out of memory");
    for (int i = 0; i < s->nparams; i++)
        if (s->offsets[i] != NOT_SCRATCH) s->values[i] = s->scratch.data + s->offsets[i];
    /* A statement prepared before a reconnection is gone from the server. */
    if (c->prepare && (!s->prepared || s->generation != c->generation) && (rc = server_prepare(s, e))) return rc;
    s->res = send(s);
    /* After a migration changed a column's type, the statement is prepared
     * again: at once when no transaction is open (the error aborted none),
     * else at its next run, after the caller's rollback. */
    if (c->prepare && PQresultStatus(s->res) == PGRES_FATAL_ERROR && stale_plan(s->res)) {
        forget_prepared(s);
        if (!c->tx_open) {
            PQclear(s->res);
            s->res = NULL;
            if ((rc = server_prepare(s, e))) return rc;
            s->res = send(s);
        }
    }
    ExecStatusType st = PQresultStatus(s->res);
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
        s->nrows = PQntuples(s->res);
        s->nfields = PQnfields(s->res);
        s->row = -1;
        /* Rows changed, not rows read: a SELECT changes nothing. */
        const char *status = PQcmdStatus(s->res);
        s->changes = strncmp(status, "SELECT", 6) == 0 ? 0 : strtoll(PQcmdTuples(s->res), NULL, 10);
        return 0;
    }
    rc = dorm_pg__fail(c, s->res, e);
    PQclear(s->res);
    s->res = NULL;
    s->row = -1;
    s->nrows = s->nfields = 0;
    return rc;
}

static int pg_step(dorm_stmt *s, dorm_errbuf *e) {
    if (!s->res) {
        int rc = run(s, e);
        if (rc) return rc;
    }
    if (s->row < s->nrows) s->row++;
    return s->row < s->nrows ? DORM_STEP_ROW : DORM_STEP_DONE;
}

static int pg_column_count(dorm_stmt *s) { return s->res ? PQnfields(s->res) : 0; }

static bool in_row(const dorm_stmt *s, int i) { return s->row >= 0 && s->row < s->nrows && i >= 0 && i < s->nfields; }

static bool pg_column_null(dorm_stmt *s, int i) { return !in_row(s, i) || PQgetisnull(s->res, s->row, i); }

/* Booleans arrive as "t" / "f"; EXTRACT results as numerics ("5.000000"),
 * whose integer part is what an integer read wants.  Plain integers of up to
 * 18 digits, nearly every key and count, are read here without strtoll.  A
 * NULL reads as "" and so as 0. */
static int64_t pg_column_int(dorm_stmt *s, int i) {
    if (!in_row(s, i)) return 0;
    const char *v = PQgetvalue(s->res, s->row, i);
    const char *p = v + (v[0] == '-');
    int64_t x = 0;
    int digits = 0;
    while (*p >= '0' && *p <= '9' && digits < 18) {
        x = x * 10 + (*p++ - '0');
        digits++;
    }
    if (!*p && digits) return v[0] == '-' ? -x : x;
    if (v[0] == 't' && !v[1]) return 1;
    if (v[0] == 'f' && !v[1]) return 0;
    return strtoll(v, NULL, 10);
}

static double pg_column_float(dorm_stmt *s, int i) {
    if (pg_column_null(s, i)) return 0;
    return strtod(PQgetvalue(s->res, s->row, i), NULL);
}

/* A NULL has length 0: only an empty value needs the NULL test. */
static const char *pg_column_text(dorm_stmt *s, int i, size_t *len) {
    *len = 0;
    if (!in_row(s, i)) return NULL;
    int n = PQgetlength(s->res, s->row, i);
    if (n == 0 && PQgetisnull(s->res, s->row, i)) return NULL;
    *len = (size_t)n;
    return PQgetvalue(s->res, s->row, i);
}

/* A bytea column in its text form: hex ("\x00ff", the default since
 * PostgreSQL 9.0) decoded here; the old escape form through libpq.  The
 * bytes live in the statement until the next read. */
static const void *pg_column_blob(dorm_stmt *s, int i, size_t *len) {
    size_t n;
    const char *v = pg_column_text(s, i, &n);
    *len = 0;
    if (!v) return NULL;
    dorm_buf_reset(&s->blob);
    if (n >= 2 && v[0] == '\\' && v[1] == 'x') {
        for (size_t k = 2; k + 1 < n; k += 2) {
            int hi = dorm_hex_value(v[k]), lo = dorm_hex_value(v[k + 1]);
            if (hi < 0 || lo < 0) break;
            dorm_buf_putc(&s->blob, (char)(hi * 16 + lo));
        }
    } else {
        size_t m;
        unsigned char *raw = PQunescapeBytea((const unsigned char *)v, &m);
        if (!raw) return NULL;
        dorm_buf_put(&s->blob, (const char *)raw, m);
        PQfreemem(raw);
    }
    if (s->blob.failed) return NULL;
    *len = s->blob.len;
    return s->blob.len ? s->blob.data : "";
}

static const char *pg_column_name(dorm_stmt *s, int i) {
    return s->res && i >= 0 && i < PQnfields(s->res) ? PQfname(s->res, i) : NULL;
}

/* By the column's type OID (the server's catalog/pg_type.dat; libpq ships
 * no header with them). */
static dorm_kind pg_column_kind(dorm_stmt *s, int i) {
    if (pg_column_null(s, i)) return DORM_KIND_NONE;
    switch (PQftype(s->res, i)) {
    case 16: return DORM_KIND_BOOL; /* bool        */
    case 17: return DORM_KIND_BINARY; /* bytea       */
    case 20:
    case 21:
    case 23:
    case 26: return DORM_KIND_BIGINT; /* int8, int2, int4, oid */
    case 700:
    case 701: return DORM_KIND_FLOAT; /* float4, float8 */
    case 1700: return DORM_KIND_DECIMAL; /* numeric     */
    case 1082: return DORM_KIND_DATE;
    case 1083: return DORM_KIND_TIME;
    case 1114:
    case 1184: return DORM_KIND_DATETIME; /* timestamp, timestamptz */
    case 2950: return DORM_KIND_UUID;
    case 1186: return DORM_KIND_DURATION; /* interval */
    case 114:
    case 3802: return DORM_KIND_JSON; /* json, jsonb */
    default: return DORM_KIND_TEXT;
    }
}

static int64_t pg_changes(dorm_stmt *s) { return s->changes; }

/* Parameters are forgotten too: a borrowed pointer left bound could
 * otherwise be read by a later run that binds fewer values. */
static void pg_reset(dorm_stmt *s) {
    PQclear(s->res);
    s->res = NULL;
    s->row = -1;
    s->nrows = 0;
    s->nfields = 0;
    s->nparams = 0;
    s->changes = 0;
    dorm_buf_reset(&s->scratch);
}

/* The server-side statement is deallocated with the next statement the
 * connection prepares, not now: finalizing the whole cache at close would
 * otherwise cost one round trip per statement. */
static void pg_finalize(dorm_stmt *s) {
    if (!s) return;
    forget_prepared(s);
    PQclear(s->res);
    dorm_buf_free(&s->scratch);
    dorm_buf_free(&s->blob);
    dorm_mem__free(s->values);
    dorm_mem__free(s->lengths);
    dorm_mem__free(s->formats);
    dorm_mem__free(s->offsets);
    dorm_mem__free(s->sql);
    dorm_mem__free(s);
}

/* dbshell: psql with the connection's user, host (or socket folder), port
 * and database (Django's DatabaseClient); the password goes in PGPASSWORD,
 * never in argv.  Query parameters win over the URL's parts, as in libpq. */
static int pg_client(const dorm_url *url, dorm_client_cmd *cmd) {
    char num[16] = "";
    if (url->port) snprintf(num, sizeof num, "%d", url->port);
    const char *user = url->user, *password = url->password, *host = url->host, *port = num[0] ? num : NULL;
    const char *db = url->path && *url->path ? url->path : "postgres";
    for (size_t i = 0; i < url->nparams; i++) {
        const char *k = url->keys[i], *v = url->values[i];
        if (strcmp(k, "user") == 0)
            user = v;
        else if (strcmp(k, "password") == 0)
            password = v;
        else if (strcmp(k, "host") == 0)
            host = v;
        else if (strcmp(k, "port") == 0)
            port = v;
        else if (strcmp(k, "dbname") == 0)
            db = v;
    }
    bool ok = dorm_client_arg(cmd, "psql");
    if (ok && user) ok = dorm_client_arg(cmd, "-U") && dorm_client_arg(cmd, user);
    if (ok && host) ok = dorm_client_arg(cmd, "-h") && dorm_client_arg(cmd, host);
    if (ok && port) ok = dorm_client_arg(cmd, "-p") && dorm_client_arg(cmd, port);
    if (ok) ok = dorm_client_arg(cmd, db);
    if (ok && password) {
        cmd->password_env = "PGPASSWORD";
        ok = (cmd->password = dorm_client_keep(cmd, password)) != NULL;
    }
    return ok ? 0 : DORM_ENOMEM;
}

static const char *const schemes[] = {"postgres", "postgresql", NULL};

const dorm_driver dorm_pg_driver = {
    .version = DORM_DRIVER_VERSION,
    .vendor = "postgresql",
    .schemes = schemes,
    .dialect = &dorm_pg_dialect,
    .open = dorm_pg__open,
    .close = dorm_pg__close,
    .exec = pg_exec,
    .prepare = pg_prepare,
    .bind = pg_bind,
    .step = pg_step,
    .column_count = pg_column_count,
    .column_null = pg_column_null,
    .column_int = pg_column_int,
    .column_float = pg_column_float,
    .column_text = pg_column_text,
    .column_blob = pg_column_blob,
    .changes = pg_changes,
    .reset = pg_reset,
    .finalize = pg_finalize,
    .last_insert_id = NULL,
    .introspect = dorm_pg__introspect,
    .client = pg_client,
    .column_name = pg_column_name,
    .column_kind = pg_column_kind,
    .check = dorm_pg__ready,
    .session = dorm_pg__session,
};
