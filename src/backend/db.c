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
#include "backend/pool.h"
#include "core/alloc.h"

/* Statements kept per connection.  When full, the idle ones are dropped, so
 * SQL that varies without bound (IN lists of every length) cannot grow the
 * cache forever. */
#define STMT_CACHE_MAX 1024

static void set_error(dorm_db *db, const dorm_errbuf *e) {
    db->err = e->code;
    snprintf(db->errmsg, sizeof db->errmsg, "%s", e->msg);
}

const dorm_driver *dorm_driver__find(const char *scheme) {
    for (size_t i = 0; dorm_drivers[i]; i++)
        for (const char *const *s = dorm_drivers[i]->schemes; *s; s++)
            if (strcmp(*s, scheme) == 0) return dorm_drivers[i];
    return NULL;
}

static int unknown_scheme(const char *scheme, dorm_errbuf *e) {
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

double dorm__now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int open_url(dorm_db *db, const char *url, dorm_errbuf *e) {
    if (!url) url = getenv("DATABASE_URL");
    if (!url || !*url) return dorm_err(e, DORM_ECONFIG, "No database URL given and DATABASE_URL is not set");
    int rc = dorm_url__parse(url, &db->url, e);
    if (rc) return rc;
    db->drv = dorm_driver__find(db->url.scheme);
    if (!db->drv) return unknown_scheme(db->url.scheme, e);
    if (db->drv->version != DORM_DRIVER_VERSION)
        return dorm_err(e, DORM_ECONFIG, "The %s driver has interface version %u, this libdorm needs %u",
                        db->drv->vendor, db->drv->version, (unsigned)DORM_DRIVER_VERSION);
    db->dialect = db->drv->dialect;
    db->link = dorm_mem__calloc(1, sizeof *db->link);
    if (!db->link) return dorm_err(e, DORM_ENOMEM, "out of memory");
    rc = db->drv->open(&db->url, &db->link->conn, e);
    if (rc) {
        dorm_mem__free(db->link);
        db->link = NULL;
    }
    return rc;
}

static dorm_db *new_db(const dorm_registry *reg) {
    dorm_db *db = dorm_mem__calloc(1, sizeof *db);
    if (!db) return NULL;
    db->reg = reg;
    db->alias = "default";
    db->alias_no = 1;
    const char *debug = getenv("DORM_DEBUG_SQL");
    db->log_stderr = debug && *debug && strcmp(debug, "0") != 0;
    return db;
}

dorm_db *dorm_db_open(const char *url, const dorm_registry *reg) {
    dorm_db *db = new_db(reg);
    if (!db) return NULL;
    dorm_errbuf e = {0, ""};
    if (open_url(db, url, &e)) set_error(db, &e);
    return db;
}

dorm_db *dorm_db__on_pool(struct dorm_pool *pool, const char *alias) {
    dorm_db *db = new_db(dorm_pool__registry(pool));
    if (!db) return NULL;
    db->pool = pool;
    db->alias = alias;
    db->drv = dorm_pool__driver(pool);
    db->dialect = db->drv->dialect;
    return db;
}

static void finalize_entry(const void *key, size_t klen, void *value, void *payload) {
    (void)key;
    (void)klen;
    const dorm_driver *drv = payload;
    dorm_cached_stmt *cs = value;
    drv->finalize(cs->stmt);
    dorm_mem__free(cs);
}

void dorm_link__free(const dorm_driver *drv, dorm_link *l) {
    if (!l) return;
    dorm_mem__free(l->schema);
    dorm_link__shapes_clear(l, true);
    dorm_hmap__each(&l->stmts, finalize_entry, (void *)drv);
    dorm_hmap__free(&l->stmts);
    drv->close(l->conn);
    dorm_mem__free(l);
}

static void reset_busy(const void *key, size_t klen, void *value, void *payload) {
    (void)key;
    (void)klen;
    const dorm_driver *drv = payload;
    dorm_cached_stmt *cs = value;
    if (cs->busy) drv->reset(cs->stmt);
    cs->busy = false;
}

void dorm_db_close(dorm_db *db) {
    if (!db) return;
    if (db->link) {
        /* Statements go first: a pending read would otherwise be aborted by
         * the rollback rather than closed cleanly.  A pool's session keeps
         * its statements for the next borrower. */
        dorm_link *l = db->link;
        if (!db->pool) dorm_link__shapes_clear(l, true);
        dorm_hmap__each(&l->stmts, db->pool ? reset_busy : finalize_entry, (void *)db->drv);
        if (!db->pool) dorm_hmap__free(&l->stmts);
        dorm_errbuf e;
        bool clean = db->atomic_depth == 0 || db->drv->exec(l->conn, "ROLLBACK", &e) == 0;
        if (db->pool) {
            dorm_pool__give_back(db->pool, l, !clean);
        } else {
            db->drv->close(l->conn);
            dorm_mem__free(l->schema);
            dorm_mem__free(l);
        }
    }
    dorm_db__drop_hooks(db);
    dorm_mem__free(db->schema);
    dorm_url__free(&db->url);
    dorm_mem__free(db);
}

int dorm_db_errcode(const dorm_db *db) { return db ? db->err : DORM_ENOMEM; }

const char *dorm_db_errmsg(const dorm_db *db) { return db ? db->errmsg : "out of memory"; }

const char *dorm_db_vendor(const dorm_db *db) { return db && db->drv ? db->drv->vendor : ""; }

void dorm_db_set_log(dorm_db *db, dorm_log_fn fn, void *payload) {
    if (!db) return;
    db->log = fn;
    db->log_payload = payload;
}

uint64_t dorm_db_query_count(const dorm_db *db) { return db ? db->queries : 0; }

/* ---- statement log -------------------------------------------------------- */

/* Python's repr() of a str (quote choice and escapes), as Django's log shows
 * parameters.  Bytes >= 0x80 pass through: they are UTF-8 text. */
static void repr_text(dorm_buf *b, const char *s, size_t n, bool bytes) {
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
static void repr_float(dorm_buf *b, double f) {
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

/* One parameter the way Django's log shows what it passed to the driver
 * (repr()), or str() when !quoted (str(qs.query)): dates, times, decimals
 * and UUIDs are the strings SQLite storage uses. */
void dorm_render__value(dorm_buf *b, const dorm_value *v, bool quoted) {
    char tmp[DORM_FMT_MAX];
    size_t n;
    switch (v->type) {
    case DORM_T_BOOL: dorm_buf_puts(b, v->u.b ? "True" : "False"); return;
    case DORM_T_INT: dorm_buf_printf(b, "%lld", (long long)v->u.i); return;
    case DORM_T_FLOAT: repr_float(b, v->u.f); return;
    case DORM_T_TEXT:
        n = v->len == DORM_STRLEN ? strlen(v->u.s) : v->len;
        if (quoted)
            repr_text(b, n ? v->u.s : "", n, false);
        else
            dorm_buf_put(b, n ? v->u.s : "", n);
        return;
    case DORM_T_BYTES: repr_text(b, v->len ? v->u.p : "", v->len, true); return;
    case DORM_T_DATE: n = dorm_date_format(v->u.date, tmp); break;
    case DORM_T_TIME: n = dorm_time_format(v->u.time, tmp); break;
    case DORM_T_DATETIME: n = dorm_datetime_format(v->u.dt, tmp); break;
    case DORM_T_DECIMAL: n = dorm_decimal_format(v->u.dec, tmp); break;
    case DORM_T_UUID: n = dorm_uuid_format(v->u.uuid, tmp); break;
    /* What Django's SQLite backend passes: microseconds. */
    case DORM_T_DURATION: dorm_buf_printf(b, "%lld", (long long)v->u.dur.usec); return;
    case DORM_T_LIST:
        dorm_buf_putc(b, '[');
        for (size_t i = 0; i < v->len; i++) {
            if (i) dorm_buf_puts(b, ", ");
            dorm_render__value(b, &v->u.list[i], true);
        }
        dorm_buf_putc(b, ']');
        return;
    default: dorm_buf_puts(b, "None"); return;
    }
    if (quoted)
        repr_text(b, tmp, n, false);
    else
        dorm_buf_put(b, tmp, n);
}

void dorm_render__params(dorm_buf *b, const dorm_value *params, size_t n) {
    dorm_buf_putc(b, '(');
    for (size_t i = 0; i < n; i++) {
        if (i) dorm_buf_puts(b, ", ");
        dorm_render__value(b, &params[i], true);
    }
    dorm_buf_puts(b, n == 1 ? ",)" : ")");
}

static bool logging(const dorm_db *db) { return db->log || db->log_stderr; }

/* Reports a statement to the log callback and/or stderr.  Without a
 * parameter list (exec), the parameters show as Django's args=None.  A
 * failed statement (rc < 0, its error in e) is reported with the error. */
static void log_statement(dorm_db *db, const char *sql, bool has_params, const dorm_value *params, size_t n,
                          double seconds, int rc, const dorm_errbuf *e) {
    dorm_buf args = DORM_BUF_INIT, error = DORM_BUF_INIT;
    if (has_params)
        dorm_render__params(&args, params, n);
    else
        dorm_buf_puts(&args, "None");
    if (rc < 0) dorm_buf_printf(&error, "%s: %s", dorm_error_name(e->code ? e->code : rc), e->msg);
    const char *shown = args.failed ? "<out of memory>" : args.data;
    db->log_error = rc < 0 ? (error.failed ? "out of memory" : error.data) : NULL;
    if (db->log) db->log(sql, shown, seconds, db->log_payload);
    if (db->log_stderr && rc < 0)
        fprintf(stderr, "(%.3f) %s; args=%s; error=%s\n", seconds, sql, shown, db->log_error);
    else if (db->log_stderr)
        fprintf(stderr, "(%.3f) %s; args=%s\n", seconds, sql, shown);
    db->log_error = NULL;
    dorm_buf_free(&args);
    dorm_buf_free(&error);
}

const char *dorm_db_log_error(const dorm_db *db) { return db ? db->log_error : NULL; }

void dorm_db__log_failed(dorm_db *db, const char *sql, size_t len, const dorm_value *params, size_t n,
                         const dorm_errbuf *e) {
    if (!logging(db)) return;
    char *text = dorm_mem__alloc(len + 1);
    if (!text) return;
    memcpy(text, sql, len);
    text[len] = '\0';
    log_statement(db, text, true, params, n, 0, e->code ? e->code : DORM_EPROGRAMMING, e);
    dorm_mem__free(text);
}

/* ---- statements ----------------------------------------------------------- */

static int closed(const dorm_db *db, dorm_errbuf *e) {
    return dorm_err(e, db->err ? db->err : DORM_EOPERATIONAL, "The database is not open: %s",
                    db->errmsg[0] ? db->errmsg : "no connection");
}

/* A statement record with its own copy of the SQL text behind it. */
static int new_stmt(dorm_db *db, const char *sql, size_t len, bool cached, dorm_cached_stmt **out, dorm_errbuf *e) {
    dorm_stmt *st;
    int rc = db->drv->prepare(db->link->conn, sql, len, &st, e);
    if (rc) return rc;
    dorm_cached_stmt *cs = dorm_mem__alloc(sizeof *cs + len + 1);
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

static void collect_idle(const void *key, size_t klen, void *value, void *payload) {
    (void)key;
    (void)klen;
    idle_list *l = payload;
    dorm_cached_stmt *cs = value;
    if (!cs->busy) l->items[l->n++] = cs;
}

/* Drops every idle cached statement (busy ones are in use and stay). */
static void evict_idle(dorm_db *db) {
    dorm_hmap *stmts = &db->link->stmts;
    idle_list l = {dorm_mem__alloc(stmts->len * sizeof *l.items), 0};
    if (!l.items) return;
    dorm_link__shapes_clear(db->link, false);
    dorm_hmap__each(stmts, collect_idle, &l);
    for (size_t i = 0; i < l.n; i++) {
        dorm_hmap__del(stmts, l.items[i]->sql, l.items[i]->len);
        db->drv->finalize(l.items[i]->stmt);
        dorm_mem__free(l.items[i]);
    }
    dorm_mem__free(l.items);
}

/* ---- the session a statement runs on ---------------------------------------- */

int dorm_db__link(dorm_db *db, dorm_errbuf *e) {
    if (db->link) return 0;
    if (!db->pool) return closed(db, e);
    return dorm_pool__borrow(db->pool, &db->link, e);
}

void dorm_db__idle(dorm_db *db) {
    if (!db->pool || !db->link || db->busy || db->holds || db->atomic_depth) return;
    dorm_link *l = db->link;
    db->link = NULL;
    dorm_pool__give_back(db->pool, l, false);
}

int dorm_db__hold(dorm_db *db, dorm_errbuf *e) {
    int rc = dorm_db__link(db, e);
    if (!rc) db->holds++;
    return rc;
}

void dorm_db__unhold(dorm_db *db) {
    if (db->holds > 0) db->holds--;
    dorm_db__idle(db);
}

static int prepare_on(dorm_db *db, const char *sql, size_t len, dorm_cached_stmt **out, dorm_errbuf *e) {
    dorm_hmap *stmts = &db->link->stmts;
    dorm_cached_stmt *cs = dorm_hmap__get(stmts, sql, len);
    if (cs && !cs->busy) {
        cs->busy = true;
        *out = cs;
        return 0;
    }
    if (cs) return new_stmt(db, sql, len, false, out, e);
    if (stmts->len >= STMT_CACHE_MAX) evict_idle(db);
    int rc = new_stmt(db, sql, len, true, &cs, e);
    if (rc) return rc;
    if (dorm_hmap__put(stmts, cs->sql, cs->len, cs)) {
        /* Still usable, just not cached. */
        cs->cached = false;
    }
    *out = cs;
    return 0;
}

static int session_of(const dorm_db *db) { return db->drv->session ? db->drv->session(db->link->conn) : 0; }

static bool same(const char *a, const char *b) { return a == b || (a && b && strcmp(a, b) == 0); }

static int run_exec(dorm_db *db, const char *sql, dorm_errbuf *e) {
    db->queries++;
    if (!logging(db)) return db->drv->exec(db->link->conn, sql, e);
    double start = dorm__now();
    int rc = db->drv->exec(db->link->conn, sql, e);
    log_statement(db, sql, false, NULL, 0, dorm__now() - start, rc, e);
    return rc;
}

int dorm_db__search_path(dorm_db *db, bool local, dorm_errbuf *e) {
    dorm_buf sql = DORM_BUF_INIT;
    db->dialect->search_path_sql(&sql, db->schema, local);
    int rc = sql.failed ? dorm_err(e, DORM_ENOMEM, "out of memory") : run_exec(db, sql.data, e);
    dorm_buf_free(&sql);
    return rc;
}

/* A tenant's search_path on the session a statement is about to run on: set
 * once per session (again after the driver re-opened it), or refused
 * outside a transaction behind a transaction pooler, where only SET LOCAL
 * (at BEGIN) is safe. */
static int sync_schema(dorm_db *db, dorm_errbuf *e) {
    dorm_link *l = db->link;
    if (!db->schema && !l->schema) return 0;
    int rc = db->drv->check ? db->drv->check(l->conn, e) : 0;
    if (rc) return rc;
    int session = session_of(db);
    if (session < 0) {
        if (!db->schema || db->atomic_depth > 0 || db->beginning) return 0;
        return dorm_err(e, DORM_ETRANSACTION,
                        "A context bound to schema \"%s\" behind a transaction pooler runs its statements inside "
                        "atomic blocks: its search_path is set with SET LOCAL, which lasts one transaction.",
                        db->schema);
    }
    if (same(l->schema, db->schema) && l->session == session) return 0;
    if (!db->schema && l->session != session) {
        /* A new session has its default search_path already. */
        dorm_mem__free(l->schema);
        l->schema = NULL;
        return 0;
    }
    char *copy = db->schema ? dorm_mem__strdup(db->schema) : NULL;
    if (db->schema && !copy) return dorm_err(e, DORM_ENOMEM, "out of memory");
    rc = dorm_db__search_path(db, false, e);
    if (rc) {
        dorm_mem__free(copy);
        return rc;
    }
    dorm_mem__free(l->schema);
    l->schema = copy;
    l->session = session;
    return 0;
}

/* The session a statement is about to be prepared on, with its tenant's
 * search_path.  0, or the error (the session given back). */
static int session_for_statement(dorm_db *db, dorm_errbuf *e) {
    int rc = db->link ? 0 : dorm_db__link(db, e);
    if (!rc && (db->schema || db->link->schema)) rc = sync_schema(db, e);
    if (rc) dorm_db__idle(db);
    return rc;
}

int dorm_db__prepare(dorm_db *db, const char *sql, size_t len, dorm_cached_stmt **out, dorm_errbuf *e) {
    int rc = session_for_statement(db, e);
    if (rc) return rc;
    if (len == DORM_STRLEN) len = strlen(sql);
    rc = prepare_on(db, sql, len, out, e);
    if (rc == 0)
        db->busy++;
    else
        dorm_db__idle(db);
    return rc;
}

int dorm_db__prepare_shape(dorm_db *db, dorm_shape_entry *en, dorm_cached_stmt **out, dorm_errbuf *e) {
    /* The session is there and its schema set, as every hit but the first finds it. */
    int rc = db->link && !db->schema && !db->link->schema ? 0 : session_for_statement(db, e);
    if (rc) return rc;
    dorm_cached_stmt *cs = en->cs;
    if (cs && !cs->busy) {
        cs->busy = true;
    } else if ((rc = prepare_on(db, en->sql, en->len, &cs, e))) {
        dorm_db__idle(db);
        return rc;
    } else if (cs->cached) {
        en->cs = cs;
    }
    *out = cs;
    db->busy++;
    return 0;
}

int dorm_db__run(dorm_db *db, dorm_cached_stmt *cs, const dorm_value *params, size_t nparams, dorm_errbuf *e) {
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
    double start = dorm__now();
    int rc = drv->step(cs->stmt, e);
    log_statement(db, cs->sql, true, params, nparams, dorm__now() - start, rc, e);
    return rc;
}

int dorm_db__step(dorm_db *db, dorm_cached_stmt *cs, dorm_errbuf *e) { return db->drv->step(cs->stmt, e); }

void dorm_db__release(dorm_db *db, dorm_cached_stmt *cs) {
    if (!cs) return;
    if (cs->cached) {
        db->drv->reset(cs->stmt);
        cs->busy = false;
    } else {
        db->drv->finalize(cs->stmt);
        dorm_mem__free(cs);
    }
    db->busy--;
    if (db->pool) dorm_db__idle(db);
}

int dorm_db__exec(dorm_db *db, const char *sql, dorm_errbuf *e) {
    int rc = db->link ? 0 : dorm_db__link(db, e);
    if (rc) return rc;
    if (db->schema || db->link->schema) rc = sync_schema(db, e);
    if (!rc) rc = run_exec(db, sql, e);
    if (db->pool) dorm_db__idle(db);
    return rc;
}

int dorm_db__query(dorm_db *db, const char *sql, const dorm_value *params, size_t nparams,
                   void (*row)(dorm_db *db, dorm_stmt *st, void *payload), void *payload, dorm_errbuf *e) {
    dorm_cached_stmt *cs;
    int rc = dorm_db__prepare(db, sql, strlen(sql), &cs, e);
    if (rc < 0) return rc;
    rc = dorm_db__run(db, cs, params, nparams, e);
    while (rc == DORM_STEP_ROW) {
        if (row) row(db, cs->stmt, payload);
        rc = dorm_db__step(db, cs, e);
    }
    dorm_db__release(db, cs);
    return rc < 0 ? rc : 0;
}
