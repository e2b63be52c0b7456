/* policy.c - the query policies of a context: counting statements against a
 * budget, and N+1 detection, which notices a relation loaded lazily for
 * several objects of one QuerySet and warns or refuses, naming the fix;
 * and where the context's warnings go. */
#include <stdio.h>
#include <string.h>

#include "exec/exec.h"

void dorm_ctx_set_nplusone(dorm_ctx *cx, dorm_nplusone policy, dorm_notice_fn notice, void *payload) {
    if (!cx) return;
    cx->nplusone = policy;
    cx->notice = notice;
    cx->notice_payload = payload;
}

void dorm_ctx_set_notice(dorm_ctx *cx, dorm_notice_fn notice, void *payload) {
    if (!cx) return;
    cx->notice = notice;
    cx->notice_payload = payload;
}

void dorm__notice(dorm_ctx *cx, const char *msg) {
    if (cx->notice)
        cx->notice(msg, cx->notice_payload);
    else
        fprintf(stderr, "dorm: %s\n", msg);
}

void dorm_ctx_set_query_budget(dorm_ctx *cx, int64_t max) {
    if (cx) cx->budget = max < 0 ? -1 : (int64_t)cx->queries + max;
}

uint64_t dorm_ctx_query_count(const dorm_ctx *cx) { return cx ? cx->queries : 0; }

int dorm_policy__query(dorm_ctx *cx) {
    if (cx->budget >= 0 && (int64_t)cx->queries >= cx->budget)
        return dorm_ctx_fail(cx, DORM_EPOLICY, "Query budget exceeded: this context may run no more statements.");
    cx->queries++;
    return DORM_OK;
}

void dorm_policy__mark(dorm_ctx *cx, void **objs, size_t n) {
    if (n < 2 || cx->nplusone == DORM_NPLUSONE_OFF) return;
    uint32_t batch = ++cx->batches;
    for (size_t i = 0; i < n; i++) ((dorm_object *)objs[i])->reserved = batch;
}

/* A (QuerySet, relation) pair and how often it was loaded lazily. */
typedef struct lazy_entry {
    struct {
        uint32_t batch;
        const void *relation;
    } key;
    unsigned times;
} lazy_entry;

int dorm_policy__lazy(void *obj, const void *relation, const char *name, bool forward) {
    dorm_object *h = obj;
    dorm_ctx *cx = h->cx;
    if (cx->nplusone == DORM_NPLUSONE_OFF || h->reserved == 0) return DORM_OK;
    lazy_entry probe;
    memset(&probe, 0, sizeof probe);
    probe.key.batch = h->reserved;
    probe.key.relation = relation;
    lazy_entry *e = dorm_hmap__get(&cx->lazy, &probe.key, sizeof probe.key);
    if (!e) {
        if (!(e = dorm_alloc(cx, sizeof *e))) return DORM_ENOMEM;
        *e = probe;
        if (dorm_hmap__put(&cx->lazy, &e->key, sizeof e->key, e))
            return dorm_ctx_fail(cx, DORM_ENOMEM, "out of memory");
    }
    if (e->times++ == 0) return DORM_OK;
    const dorm_meta *m = h->meta;
    char msg[512];
    snprintf(msg, sizeof msg,
             "N+1 queries: %s.%s is loaded one object at a time for the objects of one QuerySet; load it with "
             "%s(\"%s\") on that QuerySet.",
             m->model->name, name, forward ? "select_related" : "prefetch_related", name);
    if (cx->nplusone == DORM_NPLUSONE_STRICT) return dorm_ctx_fail(cx, DORM_EPOLICY, "%s", msg);
    /* Warn once per QuerySet and relation. */
    if (e->times == 2) dorm__notice(cx, msg);
    return DORM_OK;
}
