/* get_or_create.c - get_or_create() and update_or_create(): a get() by the
 * lookups, then a create from the exact lookups plus defaults in its own
 * atomic block; a unique violation on create means another writer won the
 * race, so the row is fetched again as Django does. */
#include <stdio.h>
#include <string.h>

#include "exec/route.h"

/* Applies the exact-match lookups and the defaults to a new object. */
static int fill(dorm_qs *qs, void *obj, const dorm_set *const *defaults, const dorm_q *const *lookups) {
    for (size_t i = 0; lookups && lookups[i]; i++) {
        const dorm_q *q = lookups[i];
        if (q->kind != DORM_Q_LEAF || strstr(q->path, "__")) continue;
        const dorm_fmeta *fm = strcmp(q->path, "pk") == 0 ? qs->meta->pk : dorm_meta__field(qs->meta, q->path);
        if (!fm) continue;
        dorm_value v;
        /* pk=(a, b) of a composite key sets its parts (Django's tuple assignment). */
        for (int k = 0;
             dorm_fmeta_composite(fm) && q->value.type == DORM_T_LIST && k < fm->nparts && k < (int)q->value.len; k++)
            if (dorm_prep__value(qs->cx, fm->parts[k], fm->parts[k]->value_kind, &q->value.u.list[k], &v) ||
                dorm_field__set(obj, fm->parts[k], &v))
                return dorm_errcode(qs->cx) ? dorm_errcode(qs->cx) : DORM_EVALUE;
        if (dorm_fmeta_composite(fm)) continue;
        if (dorm_prep__value(qs->cx, fm, fm->value_kind, &q->value, &v) || dorm_field__set(obj, fm, &v))
            return dorm_errcode(qs->cx) ? dorm_errcode(qs->cx) : DORM_EVALUE;
    }
    return dorm_apply__sets(qs->cx, qs->meta, obj, defaults);
}

int dorm_apply__sets(dorm_ctx *cx, const dorm_meta *m, void *obj, const dorm_set *const *sets) {
    for (size_t i = 0; sets && sets[i]; i++) {
        const dorm_fmeta *fm = dorm_meta__field(m, sets[i]->field);
        if (!fm)
            return dorm_ctx_fail(cx, DORM_EFIELD, "Invalid field name(s) for model %s: '%s'.", m->model->name,
                                 sets[i]->field);
        dorm_value v;
        if (dorm_prep__value(cx, fm, fm->value_kind, &sets[i]->value, &v) || dorm_field__set(obj, fm, &v))
            return dorm_errcode(cx) ? dorm_errcode(cx) : DORM_EVALUE;
    }
    return DORM_OK;
}

/* The create of get_or_create, run in atomic(). */
typedef struct creation {
    dorm_qs *qs;
    const dorm_set *const *defaults;
    const dorm_q *const *lookups;
    void *obj;
} creation;

static int create_run(void *payload) {
    creation *c = payload;
    dorm_ctx *cx = c->qs->cx;
    void *obj = dorm_new_(cx, c->qs->meta->model);
    if (!obj) return dorm_errcode(cx) ? dorm_errcode(cx) : DORM_ENOMEM;
    int rc = fill(c->qs, obj, c->defaults, c->lookups);
    if (!rc) rc = dorm_save(obj);
    if (!rc) c->obj = obj;
    return rc;
}

/* Django's get_or_create: get(), and when there is no such row, create it
 * in atomic() (a savepoint inside an open transaction, so that a failure
 * leaves that transaction usable).  An IntegrityError there means another
 * writer inserted the row after the get(): it is fetched again, and the
 * IntegrityError stands only when that finds nothing either.  The get()
 * runs before the write transaction, as in Django, so that SQLite takes its
 * write lock only for the insert. */
static void *get_or_create(dorm_qs *qs, bool *created, const dorm_set *const *defaults, const dorm_q *const *lookups) {
    void *obj = dorm_qs_get(qs, lookups);
    if (obj || dorm_errcode(qs->cx) != DORM_EDOESNOTEXIST) {
        *created = false;
        return obj;
    }
    dorm_error_clear(qs->cx);
    creation c = {qs, defaults, lookups, NULL};
    int rc = dorm_in__transaction(qs->cx, create_run, &c);
    if (rc == DORM_OK) {
        *created = true;
        return c.obj;
    }
    if (rc != DORM_EINTEGRITY) return NULL;
    char msg[512];
    snprintf(msg, sizeof msg, "%s", dorm_errmsg(qs->cx));
    obj = dorm_qs_get(qs, lookups);
    if (obj) {
        *created = false;
        return obj;
    }
    if (dorm_errcode(qs->cx) == DORM_EDOESNOTEXIST) dorm_ctx_fail(qs->cx, DORM_EINTEGRITY, "%s", msg);
    return NULL;
}

/* A QuerySet carrying an earlier error fails here with that error. */
static bool usable(dorm_qs *qs) {
    if (!qs) return false;
    if (!qs->err) return true;
    dorm_qs__reraise(qs);
    return false;
}

/* update_or_create: get_or_create and, for a row that was there, the
 * defaults applied and saved - all in one atomic() block, as Django's, the
 * row read with select_for_update so that a concurrent update waits for
 * this one (on backends with row locks). */
typedef struct update {
    dorm_qs *qs;
    bool *created;
    const dorm_set *const *defaults;
    const dorm_q *const *lookups;
    void *obj;
} update;

static int update_run(void *payload) {
    update *u = payload;
    dorm_ctx *cx = u->qs->cx;
    u->qs = dorm_select_for_update(u->qs);
    if (!usable(u->qs)) return dorm_errcode(cx) ? dorm_errcode(cx) : DORM_ENOMEM;
    u->obj = get_or_create(u->qs, u->created, u->defaults, u->lookups);
    if (!u->obj) return dorm_errcode(cx) ? dorm_errcode(cx) : DORM_ENOMEM;
    if (*u->created) return DORM_OK;
    int rc = fill(u->qs, u->obj, u->defaults, NULL);
    return rc ? rc : dorm_save(u->obj);
}

/* Both read and write on the database for writes (Django sets _for_write
 * first), so a replica's lag cannot make it insert a row that exists. */
void *dorm_qs_get_or_create(dorm_qs *qs, bool *created, const dorm_set *const *defaults, const dorm_q *const *lookups) {
    bool dummy;
    dorm_route r;
    if (!usable(qs) || dorm_route__qs(qs, true, &r)) return NULL;
    void *obj = get_or_create(qs, created ? created : &dummy, defaults, lookups);
    dorm_route__leave(qs->cx, &r);
    return obj;
}

void *dorm_qs_update_or_create(dorm_qs *qs, bool *created, const dorm_set *const *defaults,
                               const dorm_q *const *lookups) {
    bool dummy;
    if (!usable(qs)) return NULL;
    update u = {qs, created ? created : &dummy, defaults, lookups, NULL};
    dorm_route r;
    if (dorm_route__qs(qs, true, &r)) return NULL;
    int rc = dorm_in__transaction(qs->cx, update_run, &u);
    dorm_route__leave(qs->cx, &r);
    return rc < 0 ? NULL : u.obj;
}
