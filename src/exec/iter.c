/* iter.c - QuerySet.iterator(chunk_size): streams rows from one running
 * statement, materialising them into an arena of the iterator's own that is
 * rewound every chunk, so memory stays constant however many rows come.
 * With prefetch_related, each chunk is read ahead and its relations loaded
 * with one query per level (Django 4.1's iterator(chunk_size)). */
#include <string.h>

#include "exec/route.h"

struct dorm_iter {
    dorm_qs *qs;
    dorm_db *db; /* the connection it streams from (routed at the start) */
    dorm_cached_stmt *cs; /* NULL: not running (ended or empty) */
    dorm_arena arena;
    size_t chunk, in_chunk;
    int err;
    bool started;
    void **ahead; /* prefetch_related: the chunk read ahead */
    size_t nahead, pos;
};

static void stop(dorm_iter *it) {
    if (it->cs) dorm_db__release(it->db, it->cs);
    it->cs = NULL;
}

/* The arena is malloc'd: it goes when the iteration hands out its last
 * object (the objects of a chunk read ahead live until then). */
static void finish(dorm_iter *it) {
    stop(it);
    dorm_arena__free(&it->arena);
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
    if (qs->err) return dorm_qs__reraise(qs);
    if (qs->mode != DORM_MODE_OBJECTS)
        return dorm_ctx_fail(qs->cx, DORM_EVALUE, "dorm_iterator() streams objects; use dorm_rows() for values().");
    dorm_sql s;
    dorm_sql__init(&s, qs->cx);
    int rc = dorm_compile__select(qs, DORM_SELECT_ROWS, &s);
    if (rc == DORM_COMPILED) {
        rc = dorm__exec(qs->cx, &s, &it->cs);
        if (rc == DORM_STEP_DONE)
            stop(it);
        else if (rc == DORM_STEP_ROW)
            rc = DORM_OK;
    } else if (rc == DORM_COMPILED_EMPTY) {
        rc = DORM_OK;
    }
    dorm_sql__free(&s);
    return rc;
}

/* The next row of the statement as an object, or NULL at the end (or on
 * error, kept in it->err). */
static void *next_row(dorm_iter *it) {
    if (!it->started) {
        int rc = begin(it);
        if (rc < 0) {
            it->err = rc;
            return NULL;
        }
    } else if (it->cs) {
        int rc = dorm_exec__step(it->qs->cx, it->cs);
        if (rc < 0) it->err = rc;
        if (rc != DORM_STEP_ROW) stop(it);
    }
    if (!it->cs) return NULL;
    void *obj = dorm_materialize__row(it->qs->cx, &it->arena, it->qs, it->cs);
    if (!obj) {
        it->err = dorm_errcode(it->qs->cx) ? dorm_errcode(it->qs->cx) : DORM_ENOMEM;
        stop(it);
    }
    return obj;
}

/* Reads the next chunk and prefetches its relations. */
static void read_ahead(dorm_iter *it) {
    dorm_arena__reset(&it->arena);
    it->nahead = it->pos = 0;
    it->ahead = dorm_arena__alloc(&it->arena, sizeof(void *) * (it->chunk + 1));
    if (!it->ahead) {
        it->err = DORM_ENOMEM;
        stop(it);
        return;
    }
    void *obj;
    while (it->nahead < it->chunk && (obj = next_row(it))) it->ahead[it->nahead++] = obj;
    it->ahead[it->nahead] = NULL;
    if (!it->err && it->nahead) {
        int rc = dorm_prefetch__objects(it->qs->cx, it->qs->meta, it->ahead, it->nahead, it->qs->prefetch);
        if (rc) {
            it->err = rc;
            it->nahead = 0;
            stop(it);
        }
    }
}

static void *next_on(dorm_iter *it);

/* Every step runs on the connection the iteration started on, whatever the
 * program ran in between (the statement stays open there). */
void *dorm_next(dorm_iter *it) {
    if (!it || it->err) return NULL;
    dorm_ctx *cx = it->qs->cx;
    dorm_route r;
    int rc = it->db ? dorm_route__enter_db(cx, it->db, &r) : dorm_route__qs(it->qs, false, &r);
    if (rc) {
        it->err = rc;
        dorm_qs__note(it->qs, rc);
        return NULL;
    }
    it->db = cx->db;
    bool first = !it->started;
    void *obj = next_on(it);
    dorm_route__leave(cx, &r);
    /* The QuerySet tells how its streaming began and ended, as a fetch. */
    if (first || !obj) dorm_qs__note(it->qs, it->err);
    return obj;
}

static void *next_on(dorm_iter *it) {
    void *obj;
    if (it->qs->prefetch && it->qs->mode == DORM_MODE_OBJECTS) {
        if (it->pos == it->nahead && (!it->started || it->cs)) read_ahead(it);
        obj = it->pos < it->nahead ? it->ahead[it->pos++] : NULL;
    } else {
        if (it->started && it->cs && it->in_chunk == it->chunk) {
            dorm_arena__reset(&it->arena);
            it->in_chunk = 0;
        }
        it->in_chunk++;
        obj = next_row(it);
    }
    if (!obj) finish(it);
    return obj;
}

int dorm_iter_errcode(const dorm_iter *it) { return it ? it->err : DORM_ENOMEM; }

void dorm_iter_close(dorm_iter *it) {
    if (it) finish(it);
}
