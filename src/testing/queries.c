/* queries.c - assertNumQueries for a program's tests (dorm/testing.h): the
 * statements a connection runs, captured through its statement log (a log
 * callback the program set still gets each one), and Django's failure
 * message listing them when their number is not the one expected. */
#include <stdio.h>
#include <string.h>

#include "backend/db.h"
#include "core/ctx.h"
#include "dorm/testing.h"

struct dorm_queries {
    dorm_ctx *cx;
    dorm_db *db;
    dorm_log_fn prev; /* the log callback set before the capture */
    void *prev_payload;
    const char **items; /* "SQL; args=(...)", in the arena */
    size_t n, cap;
    bool active;
};

static void capture(const char *sql, const char *params, double seconds, void *payload) {
    dorm_queries *q = payload;
    if (q->prev) q->prev(sql, params, seconds, q->prev_payload);
    if (q->n == q->cap) {
        size_t cap = q->cap ? 2 * q->cap : 16;
        const char **items = dorm_arena__alloc(&q->cx->arena, cap * sizeof *items);
        if (!items) return;
        if (q->n) memcpy(items, q->items, q->n * sizeof *items);
        q->items = items;
        q->cap = cap;
    }
    size_t len = strlen(sql) + strlen(params) + sizeof "; args=";
    char *text = dorm_arena__alloc(&q->cx->arena, len);
    if (!text) return;
    snprintf(text, len, "%s; args=%s", sql, params);
    q->items[q->n++] = text;
}

dorm_queries *dorm_queries_start(dorm_ctx *cx) {
    if (!cx || !cx->db) return NULL;
    dorm_queries *q = dorm_arena__calloc(&cx->arena, sizeof *q);
    if (!q) return NULL;
    q->cx = cx;
    q->db = cx->db;
    q->prev = cx->db->log;
    q->prev_payload = cx->db->log_payload;
    q->active = true;
    dorm_db_set_log(cx->db, capture, q);
    return q;
}

void dorm_queries_stop(dorm_queries *q) {
    if (!q || !q->active) return;
    q->active = false;
    dorm_db_set_log(q->db, q->prev, q->prev_payload);
}

size_t dorm_queries_count(const dorm_queries *q) { return q ? q->n : 0; }

const char *dorm_queries_get(const dorm_queries *q, size_t i) { return q && i < q->n ? q->items[i] : NULL; }

const char *dorm_queries_check(dorm_queries *q, size_t expected) {
    if (!q) return "assertNumQueries: no capture (out of memory)";
    dorm_queries_stop(q);
    if (q->n == expected) return NULL;
    dorm_buf msg = DORM_BUF_INIT;
    dorm_buf_printf(&msg, "%zu != %zu : %zu queries executed, %zu expected\nCaptured queries were:\n", q->n, expected,
                    q->n, expected);
    for (size_t i = 0; i < q->n; i++) dorm_buf_printf(&msg, "%s%zu. %s", i ? "\n" : "", i + 1, q->items[i]);
    const char *text = msg.failed ? "assertNumQueries: out of memory" : dorm_arena__strdup(&q->cx->arena, msg.data);
    dorm_buf_free(&msg);
    return text ? text : "assertNumQueries: out of memory";
}
