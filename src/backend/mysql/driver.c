/* driver.c - the MySQL/MariaDB backend's statements: one server-side
 * prepared statement per SQL text, dorm values bound in the binary protocol
 * (text and bytes by pointer, no copy), results stored whole on the client
 * and fetched row by row into buffers bound once per run (no allocation
 * per row), and columns read back as dorm reads them (raw SQL's by their
 * types). */
#define _POSIX_C_SOURCE 200809L

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <errmsg.h>

#include "backend/mysql/conn.h"
#include "core/alloc.h"
#include "core/chars.h"

/* A bound value formatted into the scratch buffer keeps its offset, since
 * the buffer may move as it grows; NOT_SCRATCH marks one that points
 * elsewhere. */
#define NOT_SCRATCH ((size_t)-1)

/* How a result column is fetched. */
typedef enum col_kind { COL_INT, COL_FLOAT, COL_TIME, COL_TEXT } col_kind;

typedef struct col {
    col_kind kind;
    my_bool null, error;
    unsigned long len;
    bool is_unsigned;
    union {
        long long i;
        double f;
        MYSQL_TIME t;
    } v;
    char *buf; /* COL_TEXT: the value, NUL-terminated */
    size_t cap;
    char tmp[DORM_FMT_MAX]; /* other kinds read as text */
} col;

typedef union param {
    long long i;
    double f;
    MYSQL_TIME t;
    signed char b;
} param;

struct dorm_stmt {
    dorm_conn *c;
    MYSQL_STMT *st;
    char *sql;
    size_t len;
    unsigned generation; /* of the connection st was prepared on */
    bool reads; /* a SELECT: it changes no rows */
    unsigned nparams;
    MYSQL_BIND *pbind;
    param *pval;
    unsigned long *plen;
    size_t *poff;
    dorm_buf scratch;
    unsigned ncols, capcols;
    MYSQL_BIND *rbind;
    col *cols;
    bool executed; /* run since the last reset */
    bool stored; /* a result set is held on the client */
    int64_t changes, insert_id;
};

static int stmt_fail(dorm_stmt *s, dorm_errbuf *e) {
    int rc = dorm_my__fail(s->c, mysql_stmt_errno(s->st), mysql_stmt_error(s->st), e);
    dorm_my__track(s->c);
    return rc;
}

/* Whether the SQL reads rather than writes: its first word. */
static bool reads_only(const char *sql) {
    while (*sql == ' ' || *sql == '(' || *sql == '\n' || *sql == '\t') sql++;
    return strncasecmp(sql, "SELECT", 6) == 0 || strncasecmp(sql, "WITH", 4) == 0 || strncasecmp(sql, "SHOW", 4) == 0 ||
        strncasecmp(sql, "EXPLAIN", 7) == 0;
}

/* Creates the server-side statement of s on the current session (again
 * after a reconnection; the old handle died with its session). */
static int server_prepare(dorm_stmt *s, dorm_errbuf *e) {
    dorm_conn *c = s->c;
    if (s->st) mysql_stmt_close(s->st);
    s->st = mysql_stmt_init(c->my);
    if (!s->st) return dorm_err(e, DORM_ENOMEM, "out of memory");
    if (mysql_stmt_prepare(s->st, s->sql, (unsigned long)s->len)) {
        int rc = stmt_fail(s, e);
        mysql_stmt_close(s->st);
        s->st = NULL;
        return rc;
    }
    dorm_my__track(c);
    s->generation = c->generation;
    unsigned n = (unsigned)mysql_stmt_param_count(s->st);
    if (n > s->nparams || !s->pbind) {
        size_t k = n ? n : 1;
        MYSQL_BIND *b = dorm_mem__calloc(k, sizeof *b);
        param *v = dorm_mem__calloc(k, sizeof *v);
        unsigned long *l = dorm_mem__calloc(k, sizeof *l);
        size_t *o = dorm_mem__calloc(k, sizeof *o);
        if (!b || !v || !l || !o) {
            dorm_mem__free(b), dorm_mem__free(v), dorm_mem__free(l), dorm_mem__free(o);
            return dorm_err(e, DORM_ENOMEM, "out of memory");
        }
        dorm_mem__free(s->pbind), dorm_mem__free(s->pval), dorm_mem__free(s->plen), dorm_mem__free(s->poff);
        s->pbind = b, s->pval = v, s->plen = l, s->poff = o;
        for (unsigned i = 0; i < n; i++) {
            s->pbind[i].buffer_type = MYSQL_TYPE_NULL;
            s->poff[i] = NOT_SCRATCH;
        }
    }
    /* Prepared again (same SQL): the values bound for this run stay. */
    s->nparams = n;
    return 0;
}

static int my_exec(dorm_conn *c, const char *sql, dorm_errbuf *e) {
    int rc = dorm_my__ready(c, e);
    if (!rc) {
        rc = dorm_my__run_plain(c, sql, e);
        dorm_my__track(c);
    }
    /* A ROLLBACK ends the transaction whatever its outcome: a session that
     * is gone took the transaction with it, and the next statement may
     * reconnect. */
    if (rc && c->lost && strcmp(sql, "ROLLBACK") == 0) c->tx_open = false;
    return rc;
}

static void free_stmt(dorm_stmt *s) {
    for (unsigned i = 0; i < s->capcols; i++) dorm_mem__free(s->cols[i].buf);
    dorm_mem__free(s->cols);
    dorm_mem__free(s->rbind);
    dorm_mem__free(s->pbind);
    dorm_mem__free(s->pval);
    dorm_mem__free(s->plen);
    dorm_mem__free(s->poff);
    dorm_buf_free(&s->scratch);
    dorm_mem__free(s->sql);
    dorm_mem__free(s);
}

static int my_prepare(dorm_conn *c, const char *sql, size_t len, dorm_stmt **out, dorm_errbuf *e) {
    if (len > UINT_MAX) return dorm_err(e, DORM_EDATA, "SQL statement too long (%zu bytes)", len);
    if (memchr(sql, '\0', len)) return dorm_err(e, DORM_EPROGRAMMING, "The SQL text contains a NUL byte.");
    dorm_stmt *s = dorm_mem__calloc(1, sizeof *s);
    if (!s || !(s->sql = dorm_mem__alloc(len + 1))) {
        dorm_mem__free(s);
        return dorm_err(e, DORM_ENOMEM, "out of memory");
    }
    memcpy(s->sql, sql, len);
    s->sql[len] = '\0';
    s->len = len;
    s->c = c;
    s->reads = reads_only(s->sql);
    int rc = dorm_my__ready(c, e);
    if (!rc) rc = server_prepare(s, e);
    if (rc) {
        free_stmt(s);
        return rc;
    }
    *out = s;
    return 0;
}

static void to_time(MYSQL_TIME *t, enum enum_mysql_timestamp_type type, int y, int mo, int d, int h, int mi, int sec,
                    unsigned long usec) {
    memset(t, 0, sizeof *t);
    t->year = (unsigned)y, t->month = (unsigned)mo, t->day = (unsigned)d;
    t->hour = (unsigned)h, t->minute = (unsigned)mi, t->second = (unsigned)sec;
    t->second_part = usec;
    t->time_type = type;
}

/* Parameter i as text in the scratch buffer. */
static void scratch_text(dorm_stmt *s, unsigned i, enum enum_field_types type, const char *text, size_t n) {
    s->poff[i] = s->scratch.len;
    s->plen[i] = (unsigned long)n;
    s->pbind[i].buffer_type = type;
    dorm_buf_put(&s->scratch, text, n);
}

static int out_of_range(dorm_errbuf *e, int i, const char *what) {
    return dorm_err(e, DORM_EDATA, "parameter %d: %s value out of range", i + 1, what);
}

/* Values go in the binary protocol's own types: integers, doubles and
 * dates as such, text and bytes by pointer (they live until the statement
 * is released, dorm_db__run's contract), decimals as their digits.  Text
 * with a NUL byte is refused, as on every backend (C strings cannot carry
 * it back). */
static int my_bind(dorm_stmt *s, int i, const dorm_value *v, dorm_errbuf *e) {
    if (i < 0 || (unsigned)i >= s->nparams)
        return dorm_err(e, DORM_EPROGRAMMING, "parameter %d is out of range (the statement has %u)", i + 1, s->nparams);
    unsigned k = (unsigned)i;
    MYSQL_BIND *b = &s->pbind[k];
    param *p = &s->pval[k];
    memset(b, 0, sizeof *b);
    s->poff[k] = NOT_SCRATCH;
    b->length = &s->plen[k];
    b->buffer = p;
    char tmp[DORM_FMT_MAX];
    dorm_date d;
    dorm_time t;
    size_t n;
    switch (v->type) {
    case DORM_T_NULL: b->buffer_type = MYSQL_TYPE_NULL; return 0;
    case DORM_T_BOOL:
        p->b = v->u.b ? 1 : 0;
        b->buffer_type = MYSQL_TYPE_TINY;
        return 0;
    case DORM_T_INT:
        p->i = v->u.i;
        b->buffer_type = MYSQL_TYPE_LONGLONG;
        return 0;
    /* Django's DurationField on MySQL: microseconds in a bigint. */
    case DORM_T_DURATION:
        p->i = v->u.dur.usec;
        b->buffer_type = MYSQL_TYPE_LONGLONG;
        return 0;
    case DORM_T_FLOAT:
        p->f = v->u.f;
        b->buffer_type = MYSQL_TYPE_DOUBLE;
        return 0;
    case DORM_T_TEXT:
        if (!v->u.s && v->len == DORM_STRLEN) {
            b->buffer_type = MYSQL_TYPE_NULL;
            return 0;
        }
        if (!v->u.s && v->len)
            return dorm_err(e, DORM_EVALUE, "parameter %d: text of %zu bytes at NULL", i + 1, v->len);
        n = v->len == DORM_STRLEN ? strlen(v->u.s) : v->len;
        /* dorm reads text into C strings: a NUL would come back cut, so it
         * is refused here as on the other backends. */
        if (n && memchr(v->u.s, '\0', n))
            return dorm_err(e, DORM_EVALUE, "parameter %d: text cannot contain NUL (0x00) characters", i + 1);
        b->buffer_type = MYSQL_TYPE_STRING;
        b->buffer = (void *)(n ? v->u.s : "");
        s->plen[k] = (unsigned long)n;
        return 0;
    case DORM_T_BYTES:
        if (v->len && !v->u.p) return dorm_err(e, DORM_EVALUE, "parameter %d: %zu bytes at NULL", i + 1, v->len);
        b->buffer_type = MYSQL_TYPE_BLOB;
        b->buffer = (void *)(v->len ? v->u.p : "");
        s->plen[k] = (unsigned long)v->len;
        return 0;
    /* What Python's datetime cannot hold is refused, as on the other
     * backends (the server would take 0000-00-00 or a 24:00 time). */
    case DORM_T_DATE:
        if (!dorm_date_valid(v->u.date)) return out_of_range(e, i, "date");
        b->buffer_type = MYSQL_TYPE_DATE;
        to_time(&p->t, MYSQL_TIMESTAMP_DATE, v->u.date.year, v->u.date.month, v->u.date.day, 0, 0, 0, 0);
        return 0;
    case DORM_T_TIME:
        if (!dorm_time_valid(v->u.time)) return out_of_range(e, i, "time");
        b->buffer_type = MYSQL_TYPE_TIME;
        to_time(&p->t, MYSQL_TIMESTAMP_TIME, 0, 0, 0, v->u.time.hour, v->u.time.minute, v->u.time.second,
                v->u.time.usec);
        return 0;
    case DORM_T_DATETIME:
        /* UTC, stored naive, as Django with USE_TZ stores it on MySQL. */
        if (!dorm_datetime_valid(v->u.dt)) return out_of_range(e, i, "date");
        dorm_datetime_split(v->u.dt, &d, &t);
        b->buffer_type = MYSQL_TYPE_DATETIME;
        to_time(&p->t, MYSQL_TIMESTAMP_DATETIME, d.year, d.month, d.day, t.hour, t.minute, t.second, t.usec);
        return 0;
    case DORM_T_DECIMAL:
        n = dorm_decimal_format(v->u.dec, tmp);
        scratch_text(s, k, MYSQL_TYPE_NEWDECIMAL, tmp, n);
        return 0;
    case DORM_T_UUID:
        /* Django's char(32): hex without dashes. */
        n = dorm_uuid_format(v->u.uuid, tmp);
        scratch_text(s, k, MYSQL_TYPE_STRING, tmp, n);
        return 0;
    default: return dorm_err(e, DORM_EVALUE, "parameter %d: a value of type %d cannot be bound", i + 1, (int)v->type);
    }
}

static int grow_cols(dorm_stmt *s, unsigned n, dorm_errbuf *e) {
    if (n <= s->capcols) return 0;
    MYSQL_BIND *rb = dorm_mem__realloc(s->rbind, sizeof *rb * n);
    if (rb) s->rbind = rb;
    col *cols = dorm_mem__realloc(s->cols, sizeof *cols * n);
    if (cols) s->cols = cols;
    if (!rb || !cols) return dorm_err(e, DORM_ENOMEM, "out of memory");
    memset(s->cols + s->capcols, 0, sizeof *cols * (n - s->capcols));
    s->capcols = n;
    return 0;
}

/* Text buffer of column i grown to hold n bytes and a NUL. */
static int grow_text(col *c, size_t n, dorm_errbuf *e) {
    if (n + 1 <= c->cap) return 0;
    size_t cap = c->cap ? c->cap : 64;
    while (cap < n + 1) cap *= 2;
    char *buf = dorm_mem__realloc(c->buf, cap);
    if (!buf) return dorm_err(e, DORM_ENOMEM, "out of memory");
    c->buf = buf;
    c->cap = cap;
    return 0;
}

/* A text buffer starts as long as its column's declared width, up to
 * this; a longer value grows it (refetch_truncated). */
#define TEXT_START 1024

/* The result buffers of a stored result: integers as 64 bits, floats as
 * doubles, temporal values as MYSQL_TIME, everything else (text, decimals,
 * bytes, JSON) as bytes in a buffer that fits the column's declared width
 * or the longest value seen.  (STMT_ATTR_UPDATE_MAX_LENGTH would size them
 * exactly, at the cost of a walk over every stored row.) */
static int bind_results(dorm_stmt *s, dorm_errbuf *e) {
    int rc = grow_cols(s, s->ncols, e);
    if (rc) return rc;
    const MYSQL_FIELD *f = s->st->fields;
    for (unsigned i = 0; i < s->ncols; i++) {
        col *c = &s->cols[i];
        MYSQL_BIND *b = &s->rbind[i];
        memset(b, 0, sizeof *b);
        b->is_null = &c->null;
        b->length = &c->len;
        b->error = &c->error;
        c->is_unsigned = (f[i].flags & UNSIGNED_FLAG) != 0;
        switch (f[i].type) {
        case MYSQL_TYPE_TINY:
        case MYSQL_TYPE_SHORT:
        case MYSQL_TYPE_LONG:
        case MYSQL_TYPE_LONGLONG:
        case MYSQL_TYPE_INT24:
        case MYSQL_TYPE_YEAR:
            c->kind = COL_INT;
            b->buffer_type = MYSQL_TYPE_LONGLONG;
            b->buffer = &c->v.i;
            b->is_unsigned = c->is_unsigned;
            break;
        case MYSQL_TYPE_FLOAT:
        case MYSQL_TYPE_DOUBLE:
            c->kind = COL_FLOAT;
            b->buffer_type = MYSQL_TYPE_DOUBLE;
            b->buffer = &c->v.f;
            break;
        case MYSQL_TYPE_DATE:
        case MYSQL_TYPE_NEWDATE:
        case MYSQL_TYPE_DATETIME:
        case MYSQL_TYPE_TIMESTAMP:
        case MYSQL_TYPE_TIME:
            c->kind = COL_TIME;
            b->buffer_type = MYSQL_TYPE_DATETIME;
            b->buffer = &c->v.t;
            break;
        default:
            c->kind = COL_TEXT;
            if ((rc = grow_text(c, f[i].length < TEXT_START ? f[i].length : TEXT_START, e))) return rc;
            b->buffer_type = MYSQL_TYPE_STRING;
            b->buffer = c->buf;
            b->buffer_length = (unsigned long)c->cap;
            break;
        }
    }
    if (mysql_stmt_bind_result(s->st, s->rbind)) return stmt_fail(s, e);
    return 0;
}

/* Runs the statement with its bound parameters; a result set is stored. */
static int run(dorm_stmt *s, dorm_errbuf *e) {
    dorm_conn *c = s->c;
    int rc = dorm_my__ready(c, e);
    if (rc) return rc;
    if (s->scratch.failed) return dorm_err(e, DORM_ENOMEM, "out of memory");
    /* A statement prepared before a reconnection is gone from the server. */
    if ((!s->st || s->generation != c->generation) && (rc = server_prepare(s, e))) return rc;
    for (unsigned i = 0; i < s->nparams; i++)
        if (s->poff[i] != NOT_SCRATCH) s->pbind[i].buffer = s->scratch.data + s->poff[i];
    if (s->nparams && mysql_stmt_bind_param(s->st, s->pbind)) return stmt_fail(s, e);
    if (mysql_stmt_execute(s->st)) {
        /* A table a cached SELECT reads gained or lost columns (a
         * migration): the server prepared it again, the client refuses the
         * new column count.  A read is prepared again here and run again. */
        if (mysql_stmt_errno(s->st) != CR_NEW_STMT_METADATA || !s->reads) return stmt_fail(s, e);
        if ((rc = server_prepare(s, e))) return rc;
        if (s->nparams && mysql_stmt_bind_param(s->st, s->pbind)) return stmt_fail(s, e);
        if (mysql_stmt_execute(s->st)) return stmt_fail(s, e);
    }
    s->executed = true;
    s->ncols = mysql_stmt_field_count(s->st);
    if (s->ncols) {
        if (mysql_stmt_store_result(s->st)) return stmt_fail(s, e);
        s->stored = true;
        if ((rc = bind_results(s, e))) return rc;
        /* Rows changed, not rows read: a SELECT changes nothing. */
        s->changes = s->reads ? 0 : (int64_t)mysql_stmt_affected_rows(s->st);
    } else {
        s->changes = (int64_t)mysql_stmt_affected_rows(s->st);
        s->insert_id = (int64_t)mysql_stmt_insert_id(s->st);
    }
    dorm_my__track(c);
    return 0;
}

/* A value longer than its buffer is fetched again whole, into the buffer
 * grown for it (and for the rows after it). */
static int refetch_truncated(dorm_stmt *s, dorm_errbuf *e) {
    for (unsigned i = 0; i < s->ncols; i++) {
        col *c = &s->cols[i];
        if (c->kind != COL_TEXT || !c->error || c->len < c->cap) continue;
        int rc = grow_text(c, c->len, e);
        if (rc) return rc;
        MYSQL_BIND b = s->rbind[i];
        b.buffer = c->buf;
        b.buffer_length = (unsigned long)c->cap;
        if (mysql_stmt_fetch_column(s->st, &b, i, 0)) return stmt_fail(s, e);
        s->rbind[i].buffer = c->buf;
        s->rbind[i].buffer_length = (unsigned long)c->cap;
        c->buf[c->len] = '\0';
        c->error = 0;
    }
    return mysql_stmt_bind_result(s->st, s->rbind) ? stmt_fail(s, e) : 0;
}

static int my_step(dorm_stmt *s, dorm_errbuf *e) {
    if (!s->executed) {
        int rc = run(s, e);
        if (rc) return rc;
    }
    if (!s->stored) return DORM_STEP_DONE;
    int rc = mysql_stmt_fetch(s->st);
    if (rc == 0) return DORM_STEP_ROW;
    if (rc == MYSQL_NO_DATA) return DORM_STEP_DONE;
    if (rc == MYSQL_DATA_TRUNCATED) {
        rc = refetch_truncated(s, e);
        return rc ? rc : DORM_STEP_ROW;
    }
    return stmt_fail(s, e);
}

static int my_column_count(dorm_stmt *s) { return s->executed ? (int)s->ncols : 0; }

static const col *column(const dorm_stmt *s, int i) {
    return s->stored && i >= 0 && (unsigned)i < s->ncols ? &s->cols[i] : NULL;
}

static bool my_column_null(dorm_stmt *s, int i) {
    const col *c = column(s, i);
    return !c || c->null;
}

/* Integers of up to 18 digits, nearly every key and count, are parsed
 * here without strtoll; decimals give their integer part. */
static int64_t text_int(const char *v) {
    const char *p = v + (*v == '-');
    int64_t x = 0;
    int digits = 0;
    while (*p >= '0' && *p <= '9' && digits < 18) {
        x = x * 10 + (*p++ - '0');
        digits++;
    }
    if ((!*p || *p == '.') && digits) return *v == '-' ? -x : x;
    return strtoll(v, NULL, 10);
}

static int64_t my_column_int(dorm_stmt *s, int i) {
    const col *c = column(s, i);
    if (!c || c->null) return 0;
    switch (c->kind) {
    case COL_INT: return c->v.i;
    case COL_FLOAT: return (int64_t)c->v.f;
    case COL_TEXT: return text_int(c->buf);
    default: return 0;
    }
}

static double my_column_float(dorm_stmt *s, int i) {
    const col *c = column(s, i);
    if (!c || c->null) return 0;
    switch (c->kind) {
    case COL_INT: return c->is_unsigned ? (double)(unsigned long long)c->v.i : (double)c->v.i;
    case COL_FLOAT: return c->v.f;
    case COL_TEXT: return strtod(c->buf, NULL);
    default: return 0;
    }
}

/* Writes v as `width` decimal digits (zero-padded) at p; returns p after them. */
/* A temporal value as dorm's text: "YYYY-MM-DD", "HH:MM:SS[.ffffff]" or
 * "YYYY-MM-DD HH:MM:SS[.ffffff]", microseconds only when there are some.
 * Written by hand: every date of a fetched row comes through here. */
static size_t time_text(const MYSQL_TIME *t, char *out) {
    char *p = out;
    if (t->time_type != MYSQL_TIMESTAMP_TIME) {
        p = dorm_put_digits(p, t->year % 10000, 4);
        *p++ = '-';
        p = dorm_put_digits(p, t->month % 100, 2);
        *p++ = '-';
        p = dorm_put_digits(p, t->day % 100, 2);
        if (t->time_type == MYSQL_TIMESTAMP_DATE) {
            *p = '\0';
            return (size_t)(p - out);
        }
        *p++ = ' ';
        p = dorm_put_digits(p, t->hour % 100, 2);
    } else {
        /* A TIME value may be negative and past 24 hours. */
        if (t->neg) *p++ = '-';
        unsigned long h = t->hour + t->day * 24UL;
        p = dorm_put_digits(p, h % 1000, h >= 100 ? 3 : 2);
    }
    *p++ = ':';
    p = dorm_put_digits(p, t->minute % 100, 2);
    *p++ = ':';
    p = dorm_put_digits(p, t->second % 100, 2);
    if (t->second_part) {
        *p++ = '.';
        p = dorm_put_digits(p, t->second_part % 1000000, 6);
    }
    *p = '\0';
    return (size_t)(p - out);
}

static const char *my_column_text(dorm_stmt *s, int i, size_t *len) {
    *len = 0;
    const col *cc = column(s, i);
    if (!cc || cc->null) return NULL;
    col *c = &s->cols[i];
    switch (c->kind) {
    case COL_TEXT: *len = c->len; return c->buf;
    case COL_INT:
        *len = (size_t)snprintf(c->tmp, sizeof c->tmp, c->is_unsigned ? "%llu" : "%lld", c->v.i);
        return c->tmp;
    case COL_FLOAT: *len = (size_t)snprintf(c->tmp, sizeof c->tmp, "%.17g", c->v.f); return c->tmp;
    default: *len = time_text(&c->v.t, c->tmp); return c->tmp;
    }
}

static const void *my_column_blob(dorm_stmt *s, int i, size_t *len) { return my_column_text(s, i, len); }

static const char *my_column_name(dorm_stmt *s, int i) {
    return s->executed && s->st && s->st->fields && i >= 0 && (unsigned)i < s->ncols ? s->st->fields[i].name : NULL;
}

/* By the column's type as mysqlclient converts it for a Django cursor:
 * every integer (tinyint(1) too) an int, DECIMAL a Decimal, binary strings
 * (the charset "binary", 63) bytes, the rest, JSON included, text. */
static dorm_kind my_column_kind(dorm_stmt *s, int i) {
    if (my_column_null(s, i)) return DORM_KIND_NONE;
    const MYSQL_FIELD *f = &s->st->fields[i];
    switch (f->type) {
    case MYSQL_TYPE_TINY:
    case MYSQL_TYPE_SHORT:
    case MYSQL_TYPE_LONG:
    case MYSQL_TYPE_LONGLONG:
    case MYSQL_TYPE_INT24:
    case MYSQL_TYPE_YEAR: return DORM_KIND_BIGINT;
    case MYSQL_TYPE_FLOAT:
    case MYSQL_TYPE_DOUBLE: return DORM_KIND_FLOAT;
    case MYSQL_TYPE_DECIMAL:
    case MYSQL_TYPE_NEWDECIMAL: return DORM_KIND_DECIMAL;
    case MYSQL_TYPE_DATE:
    case MYSQL_TYPE_NEWDATE: return DORM_KIND_DATE;
    case MYSQL_TYPE_DATETIME:
    case MYSQL_TYPE_TIMESTAMP: return DORM_KIND_DATETIME;
    case MYSQL_TYPE_TIME: return DORM_KIND_TIME;
    case MYSQL_TYPE_BIT: return DORM_KIND_BINARY;
    default: return f->charsetnr == 63 ? DORM_KIND_BINARY : DORM_KIND_TEXT;
    }
}

static int64_t my_changes(dorm_stmt *s) { return s->changes; }

static int64_t my_last_insert_id(dorm_stmt *s) { return s->insert_id; }

/* Parameters are forgotten too: a borrowed pointer left bound could
 * otherwise be read by a later run that binds fewer values.  Freeing the
 * stored result is local: no round trip. */
static void my_reset(dorm_stmt *s) {
    if (s->stored && s->st) mysql_stmt_free_result(s->st);
    s->stored = s->executed = false;
    s->ncols = 0;
    s->changes = s->insert_id = 0;
    for (unsigned i = 0; i < s->nparams; i++) {
        s->pbind[i].buffer_type = MYSQL_TYPE_NULL;
        s->pbind[i].buffer = NULL;
        s->poff[i] = NOT_SCRATCH;
    }
    dorm_buf_reset(&s->scratch);
}

/* Closing sends COM_STMT_CLOSE, which the server does not answer; a
 * statement of a session that is gone is only freed. */
static void my_finalize(dorm_stmt *s) {
    if (!s) return;
    if (s->st) mysql_stmt_close(s->st);
    free_stmt(s);
}

/* dbshell: the mariadb client with the connection's user, socket or host,
 * port and database (Django's DatabaseClient); the password goes in
 * MYSQL_PWD, never in argv.  Query parameters win over the URL's parts. */
static int my_client(const dorm_url *url, dorm_client_cmd *cmd) {
    char num[16] = "";
    if (url->port) snprintf(num, sizeof num, "%d", url->port);
    const char *user = url->user, *password = url->password, *host = url->host, *port = num[0] ? num : NULL;
    const char *db = url->path && *url->path ? url->path : NULL, *sock = NULL, *charset = NULL;
    const char *ca = NULL, *cert = NULL, *key = NULL;
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
        else if (strcmp(k, "database") == 0)
            db = v;
        else if (strcmp(k, "unix_socket") == 0)
            sock = v;
        else if (strcmp(k, "charset") == 0)
            charset = v;
        else if (strcmp(k, "ssl_ca") == 0)
            ca = v;
        else if (strcmp(k, "ssl_cert") == 0)
            cert = v;
        else if (strcmp(k, "ssl_key") == 0)
            key = v;
    }
    if (!sock && host && strchr(host, '/')) sock = host, host = NULL;
    char arg[600];
    bool ok = dorm_client_arg(cmd, "mariadb");
#define OPT(fmt, v)                          \
    if (ok && (v)) {                         \
        snprintf(arg, sizeof arg, fmt, (v)); \
        ok = dorm_client_arg(cmd, arg);      \
    }
    OPT("--user=%s", user)
    OPT("--socket=%s", sock)
    OPT("--host=%s", host)
    OPT("--port=%s", port)
    OPT("--ssl-ca=%s", ca)
    OPT("--ssl-cert=%s", cert)
    OPT("--ssl-key=%s", key)
    OPT("--default-character-set=%s", charset)
#undef OPT
    if (ok && db) ok = dorm_client_arg(cmd, db);
    if (ok && password) {
        cmd->password_env = "MYSQL_PWD";
        ok = (cmd->password = dorm_client_keep(cmd, password)) != NULL;
    }
    return ok ? 0 : DORM_ENOMEM;
}

static const char *const schemes[] = {"mysql", "mariadb", NULL};

const dorm_driver dorm_my_driver = {
    .version = DORM_DRIVER_VERSION,
    .vendor = "mysql",
    .schemes = schemes,
    .dialect = &dorm_my_dialect,
    .open = dorm_my__open,
    .close = dorm_my__close,
    .exec = my_exec,
    .prepare = my_prepare,
    .bind = my_bind,
    .step = my_step,
    .column_count = my_column_count,
    .column_null = my_column_null,
    .column_int = my_column_int,
    .column_float = my_column_float,
    .column_text = my_column_text,
    .column_blob = my_column_blob,
    .changes = my_changes,
    .reset = my_reset,
    .finalize = my_finalize,
    .last_insert_id = my_last_insert_id,
    .introspect = dorm_my__introspect,
    .client = my_client,
    .column_name = my_column_name,
    .column_kind = my_column_kind,
};
