/* db.c - the connection handle: opening a database by URL through the driver
 * that claims its scheme, the per-connection prepared-statement cache keyed by
 * SQL text, running statements, and the statement log (Django's
 * django.db.backends debug format) with the query counter. */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend/db.h"
#include "core/alloc.h"

/* Statements kept per connection.  When full, the idle ones are dropped, so
 * SQL that varies without bound (IN lists of every length) cannot grow the
 * cache forever. */
#define STMT_CACHE_MAX 1024

static void set_error(dorm_db *db, const dorm_errbuf *e)
{
    db->err = e->code;
    snprintf(db->errmsg, sizeof db->errmsg, "%s", e->msg);
}

const dorm_driver *dorm_driver_find(const char *scheme)
{
    for (size_t i = 0; dorm_drivers[i]; i++)
        for (const char *const *s = dorm_drivers[i]->schemes; *s; s++)
            if (strcmp(*s, scheme) == 0) return dorm_drivers[i];
    return NULL;
}

static int unknown_scheme(const char *scheme, dorm_errbuf *e)
{
    char list[256] = "";
    size_t n = 0;
    for (size_t i = 0; dorm_drivers[i]; i++)
        for (const char *const *s = dorm_drivers[i]->schemes; *s; s++) {
            int w = snprintf(list + n, sizeof list - n, "%s%s", n ? ", " : "", *s);
            if (w < 0 || (size_t)w >= sizeof list - n) break;
            n += (size_t)w;
        }
    return dorm_err(e, DORM_ECONFIG, "Unsupported database URL scheme '%.64s' (supported: %s)", scheme, list);
}

static int open_url(dorm_db *db, const char *url, dorm_errbuf *e)
{
    if (!url) url = getenv("DATABASE_URL");
    if (!url || !*url) return dorm_err(e, DORM_ECONFIG, "No database URL given and DATABASE_URL is not set");
    int rc = dorm_url_parse(url, &db->url, e);
    if (rc) return rc;
    db->drv = dorm_driver_find(db->url.scheme);
    if (!db->drv) return unknown_scheme(db->url.scheme, e);
    if (db->drv->version != DORM_DRIVER_VERSION)
        return dorm_err(e, DORM_ECONFIG, "The %s driver has interface version %u, this libdorm needs %u",
                        db->drv->vendor, db->drv->version, (unsigned)DORM_DRIVER_VERSION);
    db->dialect = db->drv->dialect;
    return db->drv->open(&db->url, &db->conn, e);
}

dorm_db *dorm_db_open(const char *url, const dorm_registry *reg)
{
    dorm_db *db = dorm_mem_calloc(1, sizeof *db);
    if (!db) return NULL;
    db->reg = reg;
    const char *debug = getenv("DORM_DEBUG_SQL");
    db->log_stderr = debug && *debug && strcmp(debug, "0") != 0;
    dorm_errbuf e = {0, ""};
    if (open_url(db, url, &e)) {
        db->conn = NULL;
        set_error(db, &e);
    }
    return db;
}

static void finalize_entry(const void *key, size_t klen, void *value, void *payload)
{
    (void)key;
    (void)klen;
    dorm_db *db = payload;
    dorm_cached_stmt *cs = value;
    db->drv->finalize(cs->stmt);
    dorm_mem_free(cs);
}

void dorm_db_close(dorm_db *db)
{
    if (!db) return;
    if (db->conn) {
        /* Statements go first: a pending read would otherwise be aborted by
         * the rollback rather than closed cleanly. */
        dorm_hmap_each(&db->stmts, finalize_entry, db);
        if (db->atomic_depth > 0) {
            dorm_errbuf e;
            db->drv->exec(db->conn, "ROLLBACK", &e);
        }
        db->drv->close(db->conn);
    }
    dorm_hmap_free(&db->stmts);
    dorm_url_free(&db->url);
    dorm_mem_free(db);
}

int dorm_db_errcode(const dorm_db *db)
{
    return db ? db->err : DORM_ENOMEM;
}

const char *dorm_db_errmsg(const dorm_db *db)
{
    return db ? db->errmsg : "out of memory";
}

const char *dorm_db_vendor(const dorm_db *db)
{
    return db && db->drv ? db->drv->vendor : "";
}

void dorm_db_set_log(dorm_db *db, dorm_log_fn fn, void *payload)
{
    if (!db) return;
    db->log = fn;
    db->log_payload = payload;
}

uint64_t dorm_db_query_count(const dorm_db *db)
{
    return db ? db->queries : 0;
}

/* ---- statement log -------------------------------------------------------- */

/* Python's repr() of a str (quote choice and escapes), as Django's log shows
 * parameters.  Bytes >= 0x80 pass through: they are UTF-8 text. */
static void repr_text(dorm_buf *b, const char *s, size_t n, bool bytes)
{
    bool has_single = memchr(s, '\'', n) != NULL, has_double = memchr(s, '"', n) != NULL;
    char q = has_single && !has_double ? '"' : '\'';
    if (bytes) dorm_buf_putc(b, 'b');
    dorm_buf_putc(b, q);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\\' || c == (unsigned char)q) {
            dorm_buf_putc(b, '\\');
            dorm_buf_putc(b, (char)c);
        } else if (c == '\n') {
            dorm_buf_puts(b, "\\n");
        } else if (c == '\r') {
            dorm_buf_puts(b, "\\r");
        } else if (c == '\t') {
            dorm_buf_puts(b, "\\t");
        } else if (c < 0x20 || c == 0x7f || (bytes && c >= 0x80)) {
            dorm_buf_printf(b, "\\x%02x", c);
        } else {
            dorm_buf_putc(b, (char)c);
        }
    }
    dorm_buf_putc(b, q);
}

/* Python's repr() of a float: the shortest digits that read back the same,
 * fixed notation for exponents -4..15, scientific outside. */
static void repr_float(dorm_buf *b, double f)
{
    if (isnan(f)) {
        dorm_buf_puts(b, "nan");
        return;
    }
    if (isinf(f)) {
        dorm_buf_puts(b, f < 0 ? "-inf" : "inf");
        return;
    }
    char sci[40];
    int prec = 1;
    for (; prec < 17; prec++) {
        snprintf(sci, sizeof sci, "%.*e", prec - 1, f);
        if (strtod(sci, NULL) == f) break;
    }
    snprintf(sci, sizeof sci, "%.*e", prec - 1, f);
    char *ep = strchr(sci, 'e');
    int exp = atoi(ep + 1);
    if (exp < -4 || exp >= 16) {
        dorm_buf_puts(b, sci);
        return;
    }
    char digits[24];
    size_t nd = 0;
    const char *p = sci;
    if (*p == '-') {
        dorm_buf_putc(b, '-');
        p++;
    }
    for (; p < ep; p++)
        if (*p != '.') digits[nd++] = *p;
    if (exp < 0) {
        dorm_buf_puts(b, "0.");
        for (int i = -1; i > exp; i--) dorm_buf_putc(b, '0');
        dorm_buf_put(b, digits, nd);
        return;
    }
    size_t whole = (size_t)exp + 1;
    for (size_t i = 0; i < whole; i++) dorm_buf_putc(b, i < nd ? digits[i] : '0');
    dorm_buf_putc(b, '.');
    if (nd > whole)
        dorm_buf_put(b, digits + whole, nd - whole);
    else
        dorm_buf_putc(b, '0');
}

/* One parameter the way Django's log shows what it passed to the driver:
 * dates, times, decimals and UUIDs are the strings SQLite storage uses. */
static void repr_value(dorm_buf *b, const dorm_value *v)
{
    char tmp[DORM_FMT_MAX];
    size_t n;
    switch (v->type) {
    case DORM_T_BOOL: dorm_buf_puts(b, v->u.b ? "True" : "False"); return;
    case DORM_T_INT: dorm_buf_printf(b, "%lld", (long long)v->u.i); return;
    case DORM_T_FLOAT: repr_float(b, v->u.f); return;
    case DORM_T_TEXT:
        n = v->len == DORM_STRLEN ? strlen(v->u.s) : v->len;
        repr_text(b, n ? v->u.s : "", n, false);
        return;
    case DORM_T_BYTES: repr_text(b, v->len ? v->u.p : "", v->len, true); return;
    case DORM_T_DATE: n = dorm_date_format(v->u.date, tmp); break;
    case DORM_T_TIME: n = dorm_time_format(v->u.time, tmp); break;
    case DORM_T_DATETIME: n = dorm_datetime_format(v->u.dt, tmp); break;
    case DORM_T_DECIMAL: n = dorm_decimal_format(v->u.dec, tmp); break;
    case DORM_T_UUID: n = dorm_uuid_format(v->u.uuid, tmp); break;
    /* What Django's SQLite backend passes: microseconds. */
    case DORM_T_DURATION: dorm_buf_printf(b, "%lld", (long long)v->u.dur.usec); return;
    default: dorm_buf_puts(b, "None"); return;
    }
    repr_text(b, tmp, n, false);
}

void dorm_render_params(dorm_buf *b, const dorm_value *params, size_t n)
{
    dorm_buf_putc(b, '(');
    for (size_t i = 0; i < n; i++) {
        if (i) dorm_buf_puts(b, ", ");
        repr_value(b, &params[i]);
    }
    dorm_buf_puts(b, n == 1 ? ",)" : ")");
}

static bool logging(const dorm_db *db)
{
    return db->log || db->log_stderr;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Reports a statement to the log callback and/or stderr.  Without a
 * parameter list (exec), the parameters show as Django's args=None.  A
 * failed statement (rc < 0, its error in e) is reported with the error. */
static void log_statement(dorm_db *db, const char *sql, bool has_params, const dorm_value *params, size_t n,
                          double seconds, int rc, const dorm_errbuf *e)
{
    dorm_buf args = DORM_BUF_INIT, error = DORM_BUF_INIT;
    if (has_params)
        dorm_render_params(&args, params, n);
    else
        dorm_buf_puts(&args, "None");
    if (rc < 0) dorm_buf_printf(&error, "%s: %s", dorm_error_name(e->code ? e->code : rc), e->msg);
    const char *shown = args.failed ? "<out of memory>" : args.data;
    db->log_error = rc < 0 ? (error.failed ? "out of memory" : error.data) : NULL;
    if (db->log) db->log(sql, shown, seconds, db->log_payload);
    if (db->log_stderr && rc < 0) fprintf(stderr, "(%.3f) %s; args=%s; error=%s\n", seconds, sql, shown, db->log_error);
    else if (db->log_stderr) fprintf(stderr, "(%.3f) %s; args=%s\n", seconds, sql, shown);
    db->log_error = NULL;
    dorm_buf_free(&args);
    dorm_buf_free(&error);
}

const char *dorm_db_log_error(const dorm_db *db)
{
    return db ? db->log_error : NULL;
}

void dorm_db_log_failed(dorm_db *db, const char *sql, size_t len, const dorm_value *params, size_t n,
                        const dorm_errbuf *e)
{
    if (!logging(db)) return;
    char *text = dorm_mem_alloc(len + 1);
    if (!text) return;
    memcpy(text, sql, len);
    text[len] = '\0';
    log_statement(db, text, true, params, n, 0, e->code ? e->code : DORM_EPROGRAMMING, e);
    dorm_mem_free(text);
}

/* ---- statements ----------------------------------------------------------- */

static int closed(const dorm_db *db, dorm_errbuf *e)
{
    return dorm_err(e, db->err ? db->err : DORM_EOPERATIONAL, "The database is not open: %s",
                    db->errmsg[0] ? db->errmsg : "no connection");
}

/* A statement record with its own copy of the SQL text behind it. */
static int new_stmt(dorm_db *db, const char *sql, size_t len, bool cached, dorm_cached_stmt **out, dorm_errbuf *e)
{
    dorm_stmt *st;
    int rc = db->drv->prepare(db->conn, sql, len, &st, e);
    if (rc) return rc;
    dorm_cached_stmt *cs = dorm_mem_alloc(sizeof *cs + len + 1);
    if (!cs) {
        db->drv->finalize(st);
        return dorm_err(e, DORM_ENOMEM, "out of memory");
    }
    cs->stmt = st;
    cs->sql = (char *)(cs + 1);
    memcpy(cs->sql, sql, len);
    cs->sql[len] = '\0';
    cs->len = len;
    cs->busy = true;
    cs->cached = cached;
    *out = cs;
    return 0;
}

typedef struct idle_list {
    dorm_cached_stmt **items;
    size_t n;
} idle_list;

static void collect_idle(const void *key, size_t klen, void *value, void *payload)
{
    (void)key;
    (void)klen;
    idle_list *l = payload;
    dorm_cached_stmt *cs = value;
    if (!cs->busy) l->items[l->n++] = cs;
}

/* Drops every idle cached statement (busy ones are in use and stay). */
static void evict_idle(dorm_db *db)
{
    idle_list l = {dorm_mem_alloc(db->stmts.len * sizeof *l.items), 0};
    if (!l.items) return;
    dorm_hmap_each(&db->stmts, collect_idle, &l);
    for (size_t i = 0; i < l.n; i++) {
        dorm_hmap_del(&db->stmts, l.items[i]->sql, l.items[i]->len);
        db->drv->finalize(l.items[i]->stmt);
        dorm_mem_free(l.items[i]);
    }
    dorm_mem_free(l.items);
}

int dorm_db_prepare(dorm_db *db, const char *sql, size_t len, dorm_cached_stmt **out, dorm_errbuf *e)
{
    if (!db->conn) return closed(db, e);
    if (len == DORM_STRLEN) len = strlen(sql);
    dorm_cached_stmt *cs = dorm_hmap_get(&db->stmts, sql, len);
    if (cs && !cs->busy) {
        cs->busy = true;
        *out = cs;
        return 0;
    }
    if (cs) return new_stmt(db, sql, len, false, out, e);
    if (db->stmts.len >= STMT_CACHE_MAX) evict_idle(db);
    int rc = new_stmt(db, sql, len, true, &cs, e);
    if (rc) return rc;
    if (dorm_hmap_put(&db->stmts, cs->sql, cs->len, cs)) {
        /* Still usable, just not cached. */
        cs->cached = false;
    }
    *out = cs;
    return 0;
}

int dorm_db_run(dorm_db *db, dorm_cached_stmt *cs, const dorm_value *params, size_t nparams, dorm_errbuf *e)
{
    const dorm_driver *drv = db->drv;
    for (size_t i = 0; i < nparams; i++) {
        int rc = drv->bind(cs->stmt, (int)i, &params[i], e);
        if (rc) {
            if (logging(db)) log_statement(db, cs->sql, true, params, nparams, 0, rc, e);
            return rc;
        }
    }
    db->queries++;
    if (!logging(db)) return drv->step(cs->stmt, e);
    double start = now();
    int rc = drv->step(cs->stmt, e);
    log_statement(db, cs->sql, true, params, nparams, now() - start, rc, e);
    return rc;
}

int dorm_db_step(dorm_db *db, dorm_cached_stmt *cs, dorm_errbuf *e)
{
    return db->drv->step(cs->stmt, e);
}

void dorm_db_release(dorm_db *db, dorm_cached_stmt *cs)
{
    if (!cs) return;
    if (cs->cached) {
        db->drv->reset(cs->stmt);
        cs->busy = false;
        return;
    }
    db->drv->finalize(cs->stmt);
    dorm_mem_free(cs);
}

int dorm_db_exec(dorm_db *db, const char *sql, dorm_errbuf *e)
{
    if (!db->conn) return closed(db, e);
    db->queries++;
    if (!logging(db)) return db->drv->exec(db->conn, sql, e);
    double start = now();
    int rc = db->drv->exec(db->conn, sql, e);
    log_statement(db, sql, false, NULL, 0, now() - start, rc, e);
    return rc;
}

int dorm_db_query(dorm_db *db, const char *sql, const dorm_value *params, size_t nparams,
                  void (*row)(dorm_db *db, dorm_stmt *st, void *payload), void *payload, dorm_errbuf *e)
{
    dorm_cached_stmt *cs;
    int rc = dorm_db_prepare(db, sql, strlen(sql), &cs, e);
    if (rc < 0) return rc;
    rc = dorm_db_run(db, cs, params, nparams, e);
    while (rc == DORM_STEP_ROW) {
        if (row) row(db, cs->stmt, payload);
        rc = dorm_db_step(db, cs, e);
    }
    dorm_db_release(db, cs);
    return rc < 0 ? rc : 0;
}
