/* batch.c - batched, resumable data migrations: a RunC function hands a
 * QuerySet and a per-chunk function to dorm_migrate_batches, which walks the
 * rows in primary-key order, a chunk per transaction together with a
 * checkpoint row in dorm_batches, so a run that stopped (a crash, a failed
 * chunk, a deploy) goes on after the last committed chunk. */
#include <stdio.h>
#include <string.h>

#include "exec/exec.h"

#define CHECKPOINTS "dorm_batches"

typedef struct batch_job {
    dorm_ctx *cx;
    const char *name;
    dorm_qs *qs;
    size_t chunk;
    dorm_batch_fn fn;
    void *payload;
    int64_t last; /* the last primary key done */
    int64_t done; /* rows done, earlier runs included */
    size_t n; /* rows of the chunk just run */
} batch_job;

static int exec_sql(dorm_ctx *cx, const char *sql, const dorm_value *params, size_t n) {
    dorm_sql s;
    dorm_sql__init(&s, cx);
    int rc = dorm_raw__compile(&s, sql, params, n);
    int64_t changed = rc ? rc : dorm_exec__change(cx, &s);
    dorm_sql__free(&s);
    return changed < 0 ? (int)changed : 0;
}

/* The checkpoint of `name`: 1 with last/done filled, 0 for none. */
static int checkpoint(batch_job *j) {
    dorm_sql s;
    dorm_sql__init(&s, j->cx);
    dorm_value name = dorm_v_text(j->name);
    int rc = dorm_raw__compile(&s, "SELECT last_pk, done FROM " CHECKPOINTS " WHERE name = %s", &name, 1);
    dorm_cached_stmt *cs = NULL;
    if (!rc) rc = dorm__exec(j->cx, &s, &cs);
    if (rc == DORM_STEP_ROW) {
        j->last = j->cx->db->drv->column_int(cs->stmt, 0);
        j->done = j->cx->db->drv->column_int(cs->stmt, 1);
    }
    if (rc >= 0) dorm_db__release(j->cx->db, cs);
    dorm_sql__free(&s);
    return rc < 0 ? rc : rc == DORM_STEP_ROW;
}

/* One chunk: the next rows after the checkpoint, the program's function,
 * and the checkpoint moved past them, all in one transaction. */
static int chunk_run(void *payload) {
    batch_job *j = payload;
    const dorm_q after = {DORM_Q_LEAF, "pk__gt", dorm_v_int(j->last), NULL};
    dorm_qs *next = dorm_slice(dorm_qs_order_by(dorm_qs_filter(j->qs, (const dorm_q *const[]){&after, NULL}),
                                                (const char *const[]){"pk", NULL}),
                               0, (int64_t)j->chunk);
    void **objs = dorm_qs_list(next, &j->n);
    if (!objs) return dorm_errcode(j->cx) ? dorm_errcode(j->cx) : DORM_ENOMEM;
    if (j->n == 0) return 0;
    int rc = j->fn(j->cx, objs, j->n, j->payload);
    if (rc) return rc < 0 ? rc : DORM_EVALUE;
    int64_t last = dorm_pk__value(objs[j->n - 1]).u.i;
    dorm_value params[3] = {dorm_v_text(j->name), dorm_v_int(last), dorm_v_int(j->done + (int64_t)j->n)};
    rc = exec_sql(j->cx, "DELETE FROM " CHECKPOINTS " WHERE name = %s", params, 1);
    if (!rc) rc = exec_sql(j->cx, "INSERT INTO " CHECKPOINTS " (name, last_pk, done) VALUES (%s, %s, %s)", params, 3);
    if (rc) return rc;
    j->last = last;
    j->done += (int64_t)j->n;
    return 0;
}

int dorm_migrate_batches(dorm_ctx *cx, const char *name, dorm_qs *qs, size_t chunk, dorm_batch_fn fn, void *payload,
                         dorm_progress *progress) {
    if (!cx || !qs) return DORM_ENOMEM;
    if (qs->err) return dorm_qs__reraise(qs);
    if (!name || !*name || strlen(name) > 255 || !fn)
        return dorm_ctx_fail(cx, DORM_EVALUE,
                             "dorm_migrate_batches() needs a name (at most 255 characters) and a function.");
    if (!dorm_kind__is_auto(qs->meta->pk->f->kind) && qs->meta->pk->f->kind != DORM_KIND_BIGINT)
        return dorm_ctx_fail(cx, DORM_ENOTSUPPORTED,
                             "dorm_migrate_batches() walks an integer primary key; %s has none.",
                             qs->meta->model->name);
    batch_job j = {cx, name, qs, chunk ? chunk : 1000, fn, payload, 0, 0, 0};
    int rc = exec_sql(cx,
                      "CREATE TABLE IF NOT EXISTS " CHECKPOINTS
                      " (name varchar(255) NOT NULL PRIMARY KEY, last_pk bigint NOT NULL, done bigint NOT NULL)",
                      NULL, 0);
    if (!rc) rc = checkpoint(&j) < 0 ? dorm_errcode(cx) : 0;
    if (rc) return rc;
    const dorm_q after = {DORM_Q_LEAF, "pk__gt", dorm_v_int(j.last), NULL};
    int64_t left = dorm_count(dorm_qs_filter(qs, (const dorm_q *const[]){&after, NULL}));
    if (left < 0) return dorm_errcode(cx);
    int64_t total = j.done + left;
    do {
        rc = dorm_in__transaction(cx, chunk_run, &j);
        if (!rc) dorm_progress_report(progress, j.done, total);
    } while (!rc && j.n == j.chunk);
    if (rc) return rc;
    /* Finished: a later run (after the migration was unapplied) starts over. */
    dorm_value key = dorm_v_text(name);
    return exec_sql(cx, "DELETE FROM " CHECKPOINTS " WHERE name = %s", &key, 1);
}
