/* cursor.c - Django's connection.cursor() for C: execute / executemany of
 * raw SQL with bound parameters, rows fetched one, some or all at a time as
 * typed values, rowcount and description, through the context's statement
 * execution (log, query count, atomic blocks). */
#include <string.h>

#include "exec/route.h"

struct dorm_cursor {
    dorm_ctx *cx;
    dorm_db *db; /* connections[alias]: the alias in use when made */
    dorm_cached_stmt *cs; /* the running statement, positioned on a row */
    dorm_sql sql; /* its text and parameters (bound: kept alive) */
    dorm_column *cols;
    size_t ncols;
    int64_t rowcount;
};

dorm_cursor *dorm_cursor_new(dorm_ctx *cx) {
    if (!cx) return NULL;
    dorm_cursor *c = dorm_alloc(cx, sizeof *c);
    if (!c) return NULL;
    c->cx = cx;
    c->db = dorm_route__conn(cx, cx->use);
    c->rowcount = -1;
    return c->db ? c : NULL;
}

static void close_on(dorm_cursor *c) {
    if (c->cs) dorm_db__release(c->cx->db, c->cs);
    c->cs = NULL;
    dorm_sql__free(&c->sql);
    memset(&c->sql, 0, sizeof c->sql);
}

/* The columns of the statement just run, with the kinds of its first row. */
static int describe(dorm_cursor *c) {
    const dorm_driver *drv = c->cx->db->drv;
    c->ncols = (size_t)drv->column_count(c->cs->stmt);
    c->cols = c->ncols ? dorm_alloc(c->cx, sizeof(dorm_column) * c->ncols) : NULL;
    if (c->ncols && !c->cols) return DORM_ENOMEM;
    for (size_t i = 0; i < c->ncols; i++) {
        c->cols[i].name = dorm_strdup(c->cx, drv->column_name(c->cs->stmt, (int)i));
        if (!c->cols[i].name) return DORM_ENOMEM;
        c->cols[i].kind = drv->column_kind(c->cs->stmt, (int)i);
    }
    return DORM_OK;
}

/* Runs sql with params (already arena copies).  A statement without rows
 * is done at once; one with rows stays, on its first row. */
static int run(dorm_cursor *c, const char *sql, const dorm_value *params, size_t n) {
    dorm_sql__init(&c->sql, c->cx);
    int rc = dorm_raw__compile(&c->sql, sql, params, n);
    if (!rc) rc = dorm__exec(c->cx, &c->sql, &c->cs);
    if (rc < 0) {
        c->cs = NULL;
        close_on(c);
        return rc;
    }
    if (describe(c)) {
        close_on(c);
        return dorm_ctx_fail(c->cx, DORM_ENOMEM, "out of memory");
    }
    if (rc == DORM_STEP_ROW || c->ncols) {
        c->rowcount = -1;
        if (rc == DORM_STEP_DONE) close_on(c);
        return DORM_OK;
    }
    c->rowcount = c->cx->db->drv->changes(c->cs->stmt);
    close_on(c);
    return DORM_OK;
}

static int execute_on(dorm_cursor *c, const char *sql, const dorm_value *params, size_t nparams) {
    dorm_error_clear(c->cx);
    close_on(c);
    c->ncols = 0;
    c->rowcount = -1;
    dorm_value *kept = dorm_raw__params(c->cx, params, nparams);
    return kept ? run(c, sql, kept, nparams) : DORM_ENOMEM;
}

typedef struct many_job {
    dorm_cursor *c;
    const char *sql;
    const dorm_value *params;
    size_t nparams, nrows;
    int64_t changed;
} many_job;

static int many_run(void *payload) {
    many_job *j = payload;
    for (size_t r = 0; r < j->nrows; r++) {
        int rc = run(j->c, j->sql, j->params + r * j->nparams, j->nparams);
        if (rc) return rc;
        /* A row-returning statement has no count; its rows are dropped. */
        close_on(j->c);
        if (j->c->rowcount > 0) j->changed += j->c->rowcount;
    }
    return DORM_OK;
}

static int executemany_on(dorm_cursor *c, const char *sql, const dorm_value *params, size_t nparams, size_t nrows) {
    dorm_error_clear(c->cx);
    close_on(c);
    c->ncols = 0;
    dorm_value *kept = dorm_raw__params(c->cx, params, nparams * nrows);
    if (!kept) return DORM_ENOMEM;
    many_job j = {c, sql, kept, nparams, nrows, 0};
    int rc = nrows ? dorm_in__transaction(c->cx, many_run, &j) : DORM_OK;
    c->ncols = 0;
    c->rowcount = rc ? -1 : j.changed;
    return rc;
}

/* The current row as values, then a step to the next one. */
static const dorm_value *next_row(dorm_cursor *c) {
    if (!c->cs) return NULL;
    dorm_value *row = dorm_alloc(c->cx, sizeof(dorm_value) * (c->ncols ? c->ncols : 1));
    for (size_t i = 0; row && i < c->ncols; i++)
        if (dorm_raw__value(c->cx, &c->cx->arena, c->cs, (int)i, &row[i])) row = NULL;
    int rc = row ? dorm_exec__step(c->cx, c->cs) : DORM_ENOMEM;
    if (rc != DORM_STEP_ROW) close_on(c);
    return rc < 0 ? NULL : row;
}

static const dorm_value *const *fetchmany_on(dorm_cursor *c, size_t size, size_t *n) {
    size_t count = 0, cap = size < 64 ? size + 1 : 64;
    const dorm_value **rows = dorm_alloc(c->cx, sizeof *rows * cap);
    if (!rows) return NULL;
    while (count < size && c->cs) {
        if (count + 1 == cap) {
            const dorm_value **grown = dorm_alloc(c->cx, sizeof *rows * cap * 2);
            if (!grown) return NULL;
            memcpy(grown, rows, sizeof *rows * count);
            rows = grown;
            cap *= 2;
        }
        if (!(rows[count] = next_row(c))) return NULL;
        count++;
    }
    rows[count] = NULL;
    if (n) *n = count;
    return rows;
}

/* ---- every call runs on the cursor's connection --------------------------- */

void dorm_cursor_close(dorm_cursor *c) {
    if (!c) return;
    dorm_route r;
    dorm_route__enter_db(c->cx, c->db, &r);
    close_on(c);
    dorm_route__leave(c->cx, &r);
}

int dorm_cursor_execute(dorm_cursor *c, const char *sql, const dorm_value *params, size_t nparams) {
    if (!c) return DORM_ENOMEM;
    dorm_route r;
    dorm_route__enter_db(c->cx, c->db, &r);
    r.write = true;
    int rc = execute_on(c, sql, params, nparams);
    dorm_route__leave(c->cx, &r);
    return rc;
}

int dorm_cursor_executemany(dorm_cursor *c, const char *sql, const dorm_value *params, size_t nparams, size_t nrows) {
    if (!c) return DORM_ENOMEM;
    dorm_route r;
    dorm_route__enter_db(c->cx, c->db, &r);
    r.write = true;
    int rc = executemany_on(c, sql, params, nparams, nrows);
    dorm_route__leave(c->cx, &r);
    return rc;
}

const dorm_value *const *dorm_cursor_fetchmany(dorm_cursor *c, size_t size, size_t *n) {
    if (!c) return NULL;
    dorm_error_clear(c->cx);
    dorm_route r;
    dorm_route__enter_db(c->cx, c->db, &r);
    const dorm_value *const *rows = fetchmany_on(c, size, n);
    dorm_route__leave(c->cx, &r);
    return rows;
}

const dorm_value *dorm_cursor_fetchone(dorm_cursor *c) {
    if (!c) return NULL;
    dorm_error_clear(c->cx);
    dorm_route r;
    dorm_route__enter_db(c->cx, c->db, &r);
    const dorm_value *row = next_row(c);
    dorm_route__leave(c->cx, &r);
    return row;
}

const dorm_value *const *dorm_cursor_fetchall(dorm_cursor *c, size_t *n) {
    return dorm_cursor_fetchmany(c, SIZE_MAX, n);
}

int64_t dorm_cursor_rowcount(const dorm_cursor *c) { return c ? c->rowcount : -1; }

const dorm_column *dorm_cursor_description(const dorm_cursor *c, size_t *n) {
    if (n) *n = c ? c->ncols : 0;
    return c && c->ncols ? c->cols : NULL;
}
