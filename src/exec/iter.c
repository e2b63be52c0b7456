/* iter.c - QuerySet.iterator(chunk_size): streams rows from one running
 * statement, materialising them into an arena of the iterator's own that is
 * rewound every chunk, so memory stays constant however many rows come. */
#include <string.h>

#include "exec/exec.h"

struct dorm_iter {
    dorm_qs *qs;
    dorm_cached_stmt *cs;     /* NULL: not running (ended or empty) */
    dorm_arena arena;
    size_t chunk, in_chunk;
    int err;
    bool started;
};

/* The arena is malloc'd: release it with the context by running out the
 * statement and freeing it at the end of the iteration. */
static void finish(dorm_iter *it) {
    if (it->cs) dorm_db_release(it->qs->cx->db, it->cs);
    it->cs = NULL;
    dorm_arena_free(&it->arena);
}

dorm_iter *dorm_iterator(dorm_qs *qs, size_t chunk_size) {
    if (!qs) return NULL;
    dorm_iter *it = dorm_alloc(qs->cx, sizeof *it);
    if (!it) return NULL;
    memset(it, 0, sizeof *it);
    it->qs = qs;
    it->chunk = chunk_size ? chunk_size : 2000;
    return it;
}

static int begin(dorm_iter *it) {
    dorm_qs *qs = it->qs;
    it->started = true;
    dorm_error_clear(qs->cx);
    if (qs->err) return dorm_qs_reraise(qs);
    if (qs->mode != DORM_MODE_OBJECTS)
        return dorm_fail(qs->cx, DORM_EVALUE, "dorm_iterator() streams objects; use dorm_rows() for values().");
    dorm_sql s;
    dorm_sql_init(&s, qs->cx);
    int rc = dorm_compile_select(qs, DORM_SELECT_ROWS, &s);
    if (rc == DORM_COMPILED) {
        rc = dorm_exec(qs->cx, &s, &it->cs);
        if (rc == DORM_STEP_DONE) finish(it);
        else if (rc == DORM_STEP_ROW) rc = DORM_OK;
    } else if (rc == DORM_COMPILED_EMPTY) {
        rc = DORM_OK;
    }
    dorm_sql_free(&s);
    return rc;
}

void *dorm_next(dorm_iter *it) {
    if (!it || it->err) return NULL;
    if (!it->started) {
        int rc = begin(it);
        if (rc < 0) {
            it->err = rc;
            return NULL;
        }
    } else if (it->cs) {
        int rc = dorm_exec_step(it->qs->cx, it->cs);
        if (rc < 0) it->err = rc;
        if (rc != DORM_STEP_ROW) finish(it);
    }
    if (!it->cs) return NULL;
    if (it->in_chunk == it->chunk) {
        dorm_arena_reset(&it->arena);
        it->in_chunk = 0;
    }
    it->in_chunk++;
    void *obj = dorm_materialize_row(it->qs->cx, &it->arena, it->qs, it->cs);
    if (!obj) {
        it->err = dorm_errcode(it->qs->cx) ? dorm_errcode(it->qs->cx) : DORM_ENOMEM;
        finish(it);
    }
    return obj;
}

int dorm_iter_errcode(const dorm_iter *it) { return it ? it->err : DORM_ENOMEM; }

void dorm_iter_close(dorm_iter *it) {
    if (it) finish(it);
}
