/* get_or_create.c - get_or_create() and update_or_create(): a get() by the
 * lookups, then a create from the exact lookups plus defaults, inside a
 * transaction; a unique violation on create means another writer won the
 * race, so the row is fetched again as Django does. */
#include <stdio.h>
#include <string.h>

#include "exec/exec.h"

/* Applies the exact-match lookups and the defaults to a new object. */
static int fill(dorm_qs *qs, void *obj, const dorm_set *const *defaults, const dorm_q *const *lookups) {
    for (size_t i = 0; lookups && lookups[i]; i++) {
        const dorm_q *q = lookups[i];
        if (q->kind != DORM_Q_LEAF || strstr(q->path, "__")) continue;
        const dorm_fmeta *fm = strcmp(q->path, "pk") == 0 ? qs->meta->pk : dorm_meta_field(qs->meta, q->path);
        if (!fm) continue;
        dorm_value v;
        if (dorm_prep_value(qs->cx, fm, fm->value_kind, &q->value, &v) || dorm_field_set(obj, fm, &v))
            return dorm_errcode(qs->cx) ? dorm_errcode(qs->cx) : DORM_EVALUE;
    }
    return dorm_apply_sets(qs->cx, qs->meta, obj, defaults);
}

int dorm_apply_sets(dorm_ctx *cx, const dorm_meta *m, void *obj, const dorm_set *const *sets) {
    for (size_t i = 0; sets && sets[i]; i++) {
        const dorm_fmeta *fm = dorm_meta_field(m, sets[i]->field);
        if (!fm)
            return dorm_fail(cx, DORM_EFIELD, "Invalid field name(s) for model %s: '%s'.", m->model->name,
                             sets[i]->field);
        dorm_value v;
        if (dorm_prep_value(cx, fm, fm->value_kind, &sets[i]->value, &v) || dorm_field_set(obj, fm, &v))
            return dorm_errcode(cx) ? dorm_errcode(cx) : DORM_EVALUE;
    }
    return DORM_OK;
}

typedef struct goc {
    dorm_qs *qs;
    bool *created;
    const dorm_set *const *defaults;
    const dorm_q *const *lookups;
    bool update;
    void *result;
} goc;

static int goc_run(void *payload) {
    goc *g = payload;
    dorm_ctx *cx = g->qs->cx;
    void *obj = dorm_qs_get(g->qs, g->lookups);
    if (obj) {
        *g->created = false;
        g->result = obj;
        if (!g->update) return DORM_OK;
        int rc = fill(g->qs, obj, g->defaults, NULL);
        return rc ? rc : dorm_save(obj);
    }
    if (dorm_errcode(cx) != DORM_EDOESNOTEXIST) return dorm_errcode(cx);
    obj = dorm_new_(cx, g->qs->meta->model);
    if (!obj) return dorm_errcode(cx) ? dorm_errcode(cx) : DORM_ENOMEM;
    int rc = fill(g->qs, obj, g->defaults, g->lookups);
    if (rc) return rc;
    rc = dorm_save(obj);
    if (rc) return rc;
    *g->created = true;
    g->result = obj;
    return DORM_OK;
}

static void *get_or_create(dorm_qs *qs, bool *created, const dorm_set *const *defaults, const dorm_q *const *lookups,
                           bool update) {
    bool dummy;
    if (!qs) return NULL;
    if (qs->err) {
        dorm_qs_reraise(qs);
        return NULL;
    }
    goc g = {qs, created ? created : &dummy, defaults, lookups, update, NULL};
    int rc = dorm_in_transaction(qs->cx, goc_run, &g);
    if (rc == DORM_EINTEGRITY && !update) {
        /* Someone else created it between our get() and create(). */
        char msg[512];
        snprintf(msg, sizeof msg, "%s", dorm_errmsg(qs->cx));
        void *obj = dorm_qs_get(qs, lookups);
        if (obj) {
            *g.created = false;
            return obj;
        }
        dorm_fail(qs->cx, DORM_EINTEGRITY, "%s", msg);
        return NULL;
    }
    return rc < 0 ? NULL : g.result;
}

void *dorm_qs_get_or_create(dorm_qs *qs, bool *created, const dorm_set *const *defaults, const dorm_q *const *lookups) {
    return get_or_create(qs, created, defaults, lookups, false);
}

void *dorm_qs_update_or_create(dorm_qs *qs, bool *created, const dorm_set *const *defaults,
                               const dorm_q *const *lookups) {
    return get_or_create(qs, created, defaults, lookups, true);
}
