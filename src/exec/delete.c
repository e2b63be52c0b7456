/* delete.c - obj.delete() and qs.delete(): Django's deletion collector.  It
 * follows reverse foreign keys by their on_delete rule (CASCADE collects,
 * PROTECT refuses, RESTRICT refuses unless a CASCADE path deletes the same
 * rows, SET_NULL/SET_DEFAULT/SET(value) update, DO_NOTHING skips),
 * then runs every update and delete in one transaction, dependents first
 * (Django's model order), counting rows per model, with pre_delete for every
 * object first and post_delete after its model's rows went.  A query with
 * nothing to follow and no delete receivers is one DELETE.  A refusal names
 * every relation that blocks, and hands back the objects. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/route.h"
#include "core/alloc.h"

typedef struct batch {
    const dorm_meta *m;
    const dorm_fmeta *fk; /* NULL: delete rows whose pk is in keys      */
    dorm_value set; /* update: fk = set where fk in keys           */
    dorm_value *keys;
    size_t n;
    void **objs; /* delete: the objects, when signals want them */
    int source; /* delete: the batch whose rows cascaded here
                                 * through a non-null key (-1: none)          */
    int after; /* delete: a multi-table child's batch, whose
                                 * rows go before these parents' (-1: none)  */
} batch;

/* Rows a RESTRICT key protects, checked once everything is collected. */
typedef struct restricted {
    const dorm_meta *owner; /* the model whose rows the key points at   */
    const dorm_meta *m;
    const dorm_fmeta *fk;
    dorm_value *keys;
    size_t n;
} restricted;

typedef struct collector {
    dorm_ctx *cx;
    batch *b;
    size_t n, cap;
    restricted *r;
    size_t nr, capr;
    dorm_qs *qs; /* what to delete                             */
    bool fast; /* nothing depends on it: one DELETE          */
    dorm_value *keys; /* or these primary keys (obj.delete())       */
    void **objs; /* ... and objects (delete signals)           */
    size_t nkeys;
    int64_t total;
    int64_t work, worked; /* rows of every batch, and those run: progress */
    const dorm_meta *counted[64];
    int64_t counts[64];
    size_t ncounted;
    void **blocking; /* protected or restricted objects (arena)    */
    size_t nblocking, capblocking;
    dorm_hmap seen; /* (meta, primary key) of every collected row */
    dorm_hmap blocked; /* ... and of every blocking object          */
} collector;

static int add_batch(collector *c, batch b) {
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 8;
        batch *nb = dorm_mem__realloc(c->b, sizeof(batch) * cap);
        if (!nb) return dorm_ctx_fail(c->cx, DORM_ENOMEM, "out of memory");
        c->b = nb;
        c->cap = cap;
    }
    c->b[c->n++] = b;
    return DORM_OK;
}

static dorm_qs *filter_in(dorm_ctx *cx, const dorm_meta *m, const char *path, const dorm_value *keys, size_t n) {
    dorm_qs *qs = dorm_clear_ordering(dorm_qs_all(cx, m->model));
    return dorm_qs_filter(
        qs, (const dorm_q *const[]){&(const dorm_q){DORM_Q_LEAF, path, dorm_v_list(keys, n), NULL}, NULL});
}

/* The composite primary keys of a QuerySet's rows (Django's tuples). */
static int fetch_tuples(dorm_qs *qs, dorm_value **keys, size_t *n) {
    size_t count;
    void **objs = dorm_qs_list(qs, &count);
    if (!objs) return qs->err ? dorm_qs__reraise(qs) : dorm_errcode(qs->cx) ? dorm_errcode(qs->cx) : DORM_ENOMEM;
    dorm_value *k = dorm_alloc(qs->cx, sizeof(dorm_value) * (count ? count : 1));
    if (!k) return DORM_ENOMEM;
    for (size_t i = 0; i < count; i++)
        if ((k[i] = dorm_pk__value(objs[i])).type == DORM_T_NONE) return DORM_ENOMEM;
    *keys = k;
    *n = count;
    return DORM_OK;
}

/* One field's values ("pk": the primary keys) of a QuerySet, into the arena. */
static int fetch_values(dorm_qs *qs, const char *field, dorm_value **keys, size_t *n) {
    if (!qs) return DORM_ENOMEM;
    if (!qs->err && strcmp(field, "pk") == 0 && dorm_fmeta_composite(qs->meta->pk)) return fetch_tuples(qs, keys, n);
    dorm_qs *v = dorm_qs_values_list(qs, true, (const char *const[]){field, NULL});
    size_t count;
    const dorm_row **rows = dorm_rows(v, &count);
    if (!rows) return v && v->err ? dorm_qs__reraise(v) : dorm_errcode(qs->cx);
    dorm_value *k = dorm_alloc(qs->cx, sizeof(dorm_value) * (count ? count : 1));
    if (!k) return DORM_ENOMEM;
    for (size_t i = 0; i < count; i++) k[i] = rows[i]->values[0];
    *keys = k;
    *n = count;
    return DORM_OK;
}

/* The bytes a collected row is known by, its model's meta then its key:
 * in buf when they fit in cap bytes, else in the arena. */
static const void *seen_key(collector *c, const dorm_meta *m, const dorm_value *key, unsigned char *buf, size_t cap,
                            size_t *len) {
    size_t klen;
    const void *k = dorm_key__blob(c->cx, key, &klen);
    if (!k) return NULL;
    *len = sizeof m + klen;
    unsigned char *b = *len <= cap ? buf : dorm_alloc(c->cx, *len);
    if (!b) return NULL;
    memcpy(b, &m, sizeof m);
    memcpy(b + sizeof m, k, klen);
    return b;
}

/* Whether the collector deletes the row of m with this key. */
static bool collected(collector *c, const dorm_meta *m, const dorm_value *key) {
    unsigned char buf[sizeof(void *) + 64];
    size_t len;
    const void *k = seen_key(c, m, key, buf, sizeof buf, &len);
    return k && dorm_hmap__get(&c->seen, k, len);
}

/* Keeps the keys[0..*n) of rows not collected yet, and marks them collected,
 * as Django's Collector.add returns only new objects: a row reached twice
 * (a deletion that holds a parent and its children, a cycle) is looked at
 * once. */
static int keep_new(collector *c, const dorm_meta *m, dorm_value *keys, void **objs, size_t *n) {
    size_t kept = 0;
    for (size_t i = 0; i < *n; i++) {
        if (collected(c, m, &keys[i])) continue;
        size_t len;
        const void *k = seen_key(c, m, &keys[i], NULL, 0, &len);
        if (!k) return DORM_ENOMEM;
        if (dorm_hmap__put(&c->seen, k, len, (void *)k)) return dorm_ctx_fail(c->cx, DORM_ENOMEM, "out of memory");
        if (objs) objs[kept] = objs[i];
        keys[kept++] = keys[i];
    }
    *n = kept;
    return DORM_OK;
}

/* Adds the objects of qs to the ones that block the deletion, each once;
 * the number added. */
static int64_t add_blocking(collector *c, dorm_qs *qs) {
    size_t n;
    void **objs = dorm_qs_list(qs, &n);
    if (!objs) return qs && qs->err ? dorm_qs__reraise(qs) : dorm_errcode(c->cx) ? dorm_errcode(c->cx) : DORM_ENOMEM;
    int64_t added = 0;
    for (size_t i = 0; i < n; i++) {
        dorm_value pk = dorm_pk__value(objs[i]);
        size_t len;
        const void *k = seen_key(c, dorm_meta_of_obj(objs[i]), &pk, NULL, 0, &len);
        if (!k) return DORM_ENOMEM;
        if (dorm_hmap__get(&c->blocked, k, len)) continue;
        if (dorm_hmap__put(&c->blocked, k, len, objs[i])) return dorm_ctx_fail(c->cx, DORM_ENOMEM, "out of memory");
        if (c->nblocking == c->capblocking) {
            size_t cap = c->capblocking ? c->capblocking * 2 : 8;
            void **grown = dorm_alloc(c->cx, sizeof(void *) * (cap + 1));
            if (!grown) return DORM_ENOMEM;
            if (c->nblocking) memcpy(grown, c->blocking, sizeof(void *) * c->nblocking);
            c->blocking = grown;
            c->capblocking = cap;
        }
        c->blocking[c->nblocking++] = objs[i];
        c->blocking[c->nblocking] = NULL;
        added++;
    }
    return added;
}

/* Adds "'Model.field'" to a list of relation names, once. */
static void add_name(collector *c, dorm_buf *names, const dorm_rel *r) {
    const char *name = dorm_sprintf(c->cx, "'%s.%s'", r->model->model->name, r->fk->f->name);
    if (name && !strstr(names->data ? names->data : "", name))
        dorm_buf_printf(names, "%s%s", names->len ? ", " : "", name);
}

static bool signalled(dorm_ctx *cx, const dorm_meta *m) {
    return dorm_signal__wanted(cx, DORM_PRE_DELETE, m->model) || dorm_signal__wanted(cx, DORM_POST_DELETE, m->model);
}

/* The rows of a QuerySet of m to delete: their primary keys, and the
 * objects themselves (by pk) when delete receivers want them. */
static int fetch_rows(dorm_ctx *cx, dorm_qs *qs, dorm_value **keys, void ***objs, size_t *n) {
    *objs = NULL;
    if (!qs) return DORM_ENOMEM;
    if (!signalled(cx, qs->meta)) return fetch_values(qs, "pk", keys, n);
    size_t count;
    void **list = dorm_qs_list(dorm_order_by(qs, "pk"), &count);
    if (!list) return dorm_errcode(cx) ? dorm_errcode(cx) : DORM_ENOMEM;
    dorm_value *k = dorm_alloc(cx, sizeof(dorm_value) * (count ? count : 1));
    if (!k) return DORM_ENOMEM;
    for (size_t i = 0; i < count; i++) k[i] = dorm_pk__value(list[i]);
    *keys = k;
    *objs = list;
    *n = count;
    return DORM_OK;
}

static int collect(collector *c, const dorm_meta *m, dorm_value *keys, void **objs, size_t n, int depth, int source,
                   int after);

/* The parent row of each of a multi-table child's objects, for the delete
 * signals: Django builds them from the child's fields (no query), and so
 * does dorm, as the parent part of the child's struct. */
static void **parent_views(collector *c, void *const *objs, size_t n) {
    void **views = dorm_alloc(c->cx, sizeof(void *) * (n ? n : 1));
    for (size_t i = 0; views && i < n; i++) views[i] = dorm_parent__view(objs[i]);
    return views;
}

static int collect_parents(collector *c, const dorm_meta *m, const dorm_value *keys, void *const *objs, size_t n,
                           int depth, int self) {
    const dorm_meta *p = m->parent;
    dorm_value *pkeys;
    size_t pn = n;
    int rc = DORM_OK;
    if (m->parent_link == m->pk) {
        /* The link is the key: the parent's keys are the child's. */
        pkeys = dorm_alloc(c->cx, sizeof(dorm_value) * (n ? n : 1));
        if (!pkeys) return DORM_ENOMEM;
        memcpy(pkeys, keys, sizeof(dorm_value) * n);
    } else if ((rc = fetch_values(filter_in(c->cx, m, "pk__in", keys, n), m->parent_link->attname, &pkeys, &pn))) {
        return rc;
    }
    void **pobjs = NULL;
    if (signalled(c->cx, p)) {
        if (objs && m->parent_link == m->pk) {
            if (!(pobjs = parent_views(c, objs, n))) return DORM_ENOMEM;
        } else if ((rc = fetch_rows(c->cx, filter_in(c->cx, p, "pk__in", pkeys, pn), &pkeys, &pobjs, &pn))) {
            return rc;
        }
    }
    return collect(c, p, pkeys, pobjs, pn, depth + 1, -1, self);
}

/* Collects the rows of m with these primary keys and what depends on them.
 * Like Django's Collector.collect, every relation is looked at before a
 * protection refuses: the error names each protecting relation of m — for
 * a protection met down a CASCADE, the relation that cascaded — and
 * c->blocking holds the protected objects. */
static int collect(collector *c, const dorm_meta *m, dorm_value *keys, void **objs, size_t n, int depth, int source,
                   int after) {
    int rc = keep_new(c, m, keys, objs, &n);
    if (rc || n == 0) return rc;
    if (depth > 32) return dorm_ctx_fail(c->cx, DORM_EVALUE, "Deletion cascades deeper than 32 levels.");
    if ((rc = add_batch(c, (batch){m, NULL, dorm_v_null(), keys, n, objs, source, after}))) return rc;
    int self = (int)c->n - 1;
    /* A multi-table child's parent rows go too, after it (Django collects
     * them with reverse_dependency), with what depends on them. */
    if (m->parent && m->parent_link && (rc = collect_parents(c, m, keys, objs, n, depth, self))) return rc;
    dorm_buf protecting = DORM_BUF_INIT;
    for (int i = 0; rc == DORM_OK && i < m->nreverse; i++) {
        const dorm_rel *r = &m->reverse[i];
        const dorm_fmeta *fk = r->fk;
        const char *path = dorm_sprintf(c->cx, "%s__in", fk->f->name);
        if (!path) {
            rc = DORM_ENOMEM;
            break;
        }
        /* What the key stores: the primary keys, or the field its to_field names. */
        dorm_value *rkeys = keys;
        size_t rn = n;
        if (fk->target_pk != m->pk &&
            (rc = fetch_values(filter_in(c->cx, m, "pk__in", keys, n), fk->target_pk->f->name, &rkeys, &rn)))
            break;
        switch (fk->f->on_delete) {
        case DORM_CASCADE: {
            dorm_value *sub;
            void **subobjs;
            size_t ns;
            rc = fetch_rows(c->cx, filter_in(c->cx, r->model, path, rkeys, rn), &sub, &subobjs, &ns);
            /* Django orders by non-null cascades only: a nullable key does not
             * force its rows to go first. */
            if (!rc) rc = collect(c, r->model, sub, subobjs, ns, depth + 1, fk->f->null ? -1 : self, -1);
            /* Keys checked at once, row by row (MySQL): a nullable key is
             * set NULL before the rows go, so that rows pointing at each
             * other (or at one deleted earlier in the same statement) can
             * go (Django's CASCADE without can_defer_constraint_checks). */
            if (!rc && ns && fk->f->null && !c->cx->db->dialect->supports_deferrable_fk)
                rc = add_batch(c, (batch){r->model, fk, dorm_v_null(), rkeys, rn, NULL, -1, -1});
            if (rc == DORM_EPROTECTED) {
                add_name(c, &protecting, r);
                rc = DORM_OK;
            }
            break;
        }
        case DORM_PROTECT: {
            int64_t found = add_blocking(c, filter_in(c->cx, r->model, path, rkeys, rn));
            if (found < 0)
                rc = (int)found;
            else if (found)
                add_name(c, &protecting, r);
            break;
        }
        case DORM_RESTRICT: {
            /* Allowed if a CASCADE path deletes those rows too (Django 3.1+):
             * decided once everything is collected. */
            dorm_value *sub;
            size_t ns;
            rc = fetch_values(filter_in(c->cx, r->model, path, rkeys, rn), "pk", &sub, &ns);
            if (rc || !ns) break;
            if (c->nr == c->capr) {
                size_t cap = c->capr ? c->capr * 2 : 4;
                restricted *grown = dorm_mem__realloc(c->r, sizeof *grown * cap);
                if (!grown) {
                    rc = dorm_ctx_fail(c->cx, DORM_ENOMEM, "out of memory");
                    break;
                }
                c->r = grown;
                c->capr = cap;
            }
            c->r[c->nr++] = (restricted){m, r->model, fk, sub, ns};
            break;
        }
        case DORM_SET_NULL:
        case DORM_SET_DEFAULT:
        case DORM_SET: {
            dorm_value set = dorm_v_null();
            if (fk->f->on_delete != DORM_SET_NULL) {
                /* SET(callable) is called once per deletion, as Django does. */
                dorm_value d = fk->f->on_delete == DORM_SET_DEFAULT ? dorm_field__default(fk)
                    : fk->f->on_delete_set_fn                       ? fk->f->on_delete_set_fn()
                                                                    : fk->f->on_delete_set;
                if ((rc = dorm_prep__value(c->cx, fk, fk->value_kind, &d, &set))) break;
            }
            rc = add_batch(c, (batch){r->model, fk, set, rkeys, rn, NULL, -1, -1});
            break;
        }
        default: break;
        }
    }
    if (rc == DORM_OK && protecting.failed)
        rc = dorm_ctx_fail(c->cx, DORM_ENOMEM, "out of memory");
    else if (rc == DORM_OK && protecting.len)
        rc = dorm_ctx_fail(c->cx, DORM_EPROTECTED,
                           "Cannot delete some instances of model '%s' because they are referenced through protected "
                           "foreign keys: %s.",
                           m->model->name, protecting.data);
    dorm_buf_free(&protecting);
    return rc;
}

/* Adds deleted rows of m; models with none are left out, as Django's
 * Collector leaves them out of its per-model counts. */
static void count(collector *c, const dorm_meta *m, int64_t n) {
    if (n == 0) return;
    c->total += n;
    for (size_t i = 0; i < c->ncounted; i++)
        if (c->counted[i] == m) {
            c->counts[i] += n;
            return;
        }
    if (c->ncounted < 64) {
        c->counted[c->ncounted] = m;
        c->counts[c->ncounted++] = n;
    }
}

/* Runs a batch in chunks the backend can bind. */
static int run_batch(collector *c, const batch *b) {
    /* A composite key binds one parameter per part. */
    size_t per = !b->fk && dorm_fmeta_composite(b->m->pk) ? (size_t)b->m->pk->nparts : 1;
    size_t chunk = ((size_t)c->cx->db->dialect->max_params - 1) / per;
    for (size_t off = 0; off < b->n; off += chunk) {
        size_t n = b->n - off < chunk ? b->n - off : chunk;
        const char *path = b->fk ? dorm_sprintf(c->cx, "%s__in", b->fk->f->name) : "pk__in";
        dorm_qs *qs = path ? filter_in(c->cx, b->m, path, b->keys + off, n) : NULL;
        if (!qs || qs->err) return qs ? dorm_qs__reraise(qs) : DORM_ENOMEM;
        dorm_sql s;
        dorm_sql__init(&s, c->cx);
        int rc = b->fk ? dorm_compile__update(qs, &b->fk, &b->set, NULL, 1, &s) : dorm_compile__delete(qs, &s);
        int64_t changed = rc == DORM_COMPILED ? dorm_exec__change(c->cx, &s) : 0;
        dorm_sql__free(&s);
        if (rc < 0) return rc;
        if (changed < 0) return (int)changed;
        if (!b->fk) count(c, b->m, changed);
        c->worked += (int64_t)n;
        dorm_progress__emit(c->cx, "delete", c->qs->meta->label, c->worked, c->work);
    }
    return DORM_OK;
}

/* RestrictedError for rows a RESTRICT key protects that no CASCADE deletes;
 * those rows go to c->blocking. */
static int check_restricted(collector *c) {
    dorm_buf fields = DORM_BUF_INIT;
    int rc = DORM_OK;
    for (size_t i = 0; rc == DORM_OK && i < c->nr; i++) {
        const restricted *r = &c->r[i];
        dorm_value *kept = dorm_alloc(c->cx, sizeof(dorm_value) * r->n);
        size_t nkept = 0;
        if (!kept) {
            rc = DORM_ENOMEM;
            break;
        }
        for (size_t k = 0; k < r->n; k++)
            if (!collected(c, r->m, &r->keys[k])) kept[nkept++] = r->keys[k];
        if (!nkept) continue;
        int64_t added = add_blocking(c, filter_in(c->cx, r->m, "pk__in", kept, nkept));
        if (added < 0) rc = (int)added;
        const char *name = dorm_sprintf(c->cx, "'%s.%s'", r->m->model->name, r->fk->f->name);
        if (name && !strstr(fields.data ? fields.data : "", name))
            dorm_buf_printf(&fields, "%s%s", fields.len ? ", " : "", name);
    }
    if (rc == DORM_OK && fields.len)
        rc = dorm_ctx_fail(c->cx, DORM_ERESTRICTED,
                           "Cannot delete some instances of model '%s' because they are referenced through restricted "
                           "foreign keys: %s.",
                           c->qs->meta->model->name, fields.data);
    dorm_buf_free(&fields);
    return rc;
}

/* A model of the deletion and its objects for the signals (merged from its
 * batches, by pk, each once). */
typedef struct model_rows {
    const dorm_meta *m;
    void **objs;
    size_t n;
} model_rows;

/* Primary keys in Python's order for the kinds keys have; others keep
 * the order they came in. */
static int cmp_value(const dorm_value *x, const dorm_value *y) {
    if (x->type == DORM_T_INT && y->type == DORM_T_INT) return (x->u.i > y->u.i) - (x->u.i < y->u.i);
    if (x->type == DORM_T_TEXT && y->type == DORM_T_TEXT && x->u.s && y->u.s) return strcmp(x->u.s, y->u.s);
    if (x->type == DORM_T_UUID && y->type == DORM_T_UUID) return memcmp(x->u.uuid.bytes, y->u.uuid.bytes, 16);
    /* A composite key: Python's tuple order. */
    for (size_t i = 0; x->type == DORM_T_LIST && y->type == DORM_T_LIST && i < x->len && i < y->len; i++) {
        int r = cmp_value(&x->u.list[i], &y->u.list[i]);
        if (r) return r;
    }
    return 0;
}

static int cmp_pk(const void *a, const void *b) {
    dorm_value x = dorm_pk__value(*(void *const *)a), y = dorm_pk__value(*(void *const *)b);
    if (x.type == DORM_T_LIST || y.type == DORM_T_LIST) return cmp_value(&x, &y);
    if (x.type == DORM_T_INT && y.type == DORM_T_INT) return (x.u.i > y.u.i) - (x.u.i < y.u.i);
    if (x.type == DORM_T_TEXT && y.type == DORM_T_TEXT && x.u.s && y.u.s) return strcmp(x.u.s, y.u.s);
    if (x.type == DORM_T_UUID && y.type == DORM_T_UUID) return memcmp(x.u.uuid.bytes, y.u.uuid.bytes, 16);
    return 0;
}

static int gather_objs(collector *c, model_rows *mr) {
    size_t n = 0;
    for (size_t i = 0; i < c->n; i++)
        if (!c->b[i].fk && c->b[i].m == mr->m && c->b[i].objs) n += c->b[i].n;
    if (n == 0) return DORM_OK;
    void **objs = dorm_alloc(c->cx, sizeof *objs * n);
    if (!objs) return DORM_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i < c->n; i++)
        if (!c->b[i].fk && c->b[i].m == mr->m && c->b[i].objs) {
            memcpy(objs + k, c->b[i].objs, sizeof *objs * c->b[i].n);
            k += c->b[i].n;
        }
    qsort(objs, n, sizeof *objs, cmp_pk);
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        dorm_value pk = dorm_pk__value(objs[i]), last = kept ? dorm_pk__value(objs[kept - 1]) : dorm_v_null();
        if (!kept || !dorm_value_equal(&pk, &last)) objs[kept++] = objs[i];
    }
    mr->objs = objs;
    mr->n = kept;
    return DORM_OK;
}

static bool placed_model(const dorm_meta *m, const model_rows *placed, size_t nplaced) {
    for (size_t k = 0; k < nplaced; k++)
        if (placed[k].m == m) return true;
    return false;
}

/* Whether every model m's rows cascade to (a non-null key) is placed; a
 * model cascading to itself never is, as in Django. */
static bool ready(const collector *c, const dorm_meta *m, const model_rows *placed, size_t nplaced) {
    for (size_t i = 0; i < c->n; i++) {
        const batch *b = &c->b[i];
        /* A parent's rows wait for their children's. */
        if (!b->fk && b->m == m && b->after >= 0 && c->b[b->after].m != m &&
            !placed_model(c->b[b->after].m, placed, nplaced))
            return false;
        if (b->fk || b->source < 0 || c->b[b->source].m != m) continue;
        if (!placed_model(b->m, placed, nplaced)) return false;
    }
    /* Rows a RESTRICT key lets go (a CASCADE deletes them too) go before
     * the rows they point at: Django's RESTRICT adds that dependency, which
     * keys checked at once (MySQL) need. */
    for (size_t i = 0; i < c->nr; i++)
        if (c->r[i].owner == m && c->r[i].m != m && !placed_model(c->r[i].m, placed, nplaced)) return false;
    return true;
}

/* Django's Collector.sort(): the deleted models in the order they were
 * collected, each after those its rows cascade to through a non-null key;
 * left in collection order when a cycle prevents it. */
static int sort_models(collector *c, model_rows *out, size_t *nout) {
    size_t n = 0;
    for (size_t i = 0; i < c->n; i++) {
        bool seen = c->b[i].fk != NULL;
        for (size_t k = 0; k < n && !seen; k++) seen = out[k].m == c->b[i].m;
        if (!seen) out[n++] = (model_rows){c->b[i].m, NULL, 0};
    }
    model_rows *sorted = dorm_alloc(c->cx, sizeof *sorted * (n ? n : 1));
    if (!sorted) return DORM_ENOMEM;
    size_t ns = 0;
    bool found = true;
    while (ns < n && found) {
        found = false;
        for (size_t i = 0; i < n; i++) {
            bool placed = false;
            for (size_t k = 0; k < ns && !placed; k++) placed = sorted[k].m == out[i].m;
            if (placed || !ready(c, out[i].m, sorted, ns)) continue;
            sorted[ns++] = out[i];
            found = true;
        }
    }
    if (ns == n) memcpy(out, sorted, sizeof *out * n);
    *nout = n;
    for (size_t i = 0; i < n; i++) {
        int rc = gather_objs(c, &out[i]);
        if (rc) return rc;
    }
    return DORM_OK;
}

static int run_all(void *payload) {
    collector *c = payload;
    if (c->fast) {
        dorm_sql s;
        dorm_sql__init(&s, c->cx);
        int rc = dorm_compile__delete(c->qs, &s);
        int64_t changed = rc == DORM_COMPILED ? dorm_exec__change(c->cx, &s) : 0;
        dorm_sql__free(&s);
        if (rc < 0) return rc;
        if (changed < 0) return (int)changed;
        count(c, c->qs->meta, changed);
        return DORM_OK;
    }
    /* Collect inside the transaction so what is deleted is what was seen. */
    int rc = c->keys ? DORM_OK : fetch_rows(c->cx, c->qs, &c->keys, &c->objs, &c->nkeys);
    if (!rc) rc = collect(c, c->qs->meta, c->keys, c->objs, c->nkeys, 0, -1, -1);
    if (!rc) rc = check_restricted(c);
    for (size_t i = 0; !rc && i < c->n; i++) c->work += (int64_t)c->b[i].n;
    if (!rc) dorm_progress__emit(c->cx, "delete", c->qs->meta->label, 0, c->work);
    size_t nmodels = 0;
    model_rows *order = rc ? NULL : dorm_alloc(c->cx, sizeof *order * (c->n ? c->n : 1));
    if (!rc && !order) rc = DORM_ENOMEM;
    if (!rc) rc = sort_models(c, order, &nmodels);
    /* pre_delete for every object, dependents first, each model's by pk. */
    for (size_t i = 0; !rc && i < nmodels; i++)
        for (size_t k = 0; !rc && k < order[i].n; k++)
            rc = dorm_signal__delete(c->cx, DORM_PRE_DELETE, order[i].m, order[i].objs[k]);
    /* Updates (SET_NULL) first, then each model's deletes, then its
     * post_delete in reverse. */
    for (size_t i = 0; !rc && i < c->n; i++)
        if (c->b[i].fk) rc = run_batch(c, &c->b[i]);
    for (size_t i = 0; !rc && i < nmodels; i++) {
        for (size_t k = 0; !rc && k < c->n; k++)
            if (!c->b[k].fk && c->b[k].m == order[i].m) rc = run_batch(c, &c->b[k]);
        for (size_t k = order[i].n; !rc && k-- > 0;)
            rc = dorm_signal__delete(c->cx, DORM_POST_DELETE, order[i].m, order[i].objs[k]);
    }
    return rc;
}

static int cmp_label(const void *a, const void *b) {
    return strcmp((*(const dorm_meta *const *)a)->label, (*(const dorm_meta *const *)b)->label);
}

static int finish(collector *c, dorm_deleted *out) {
    if (out) {
        const dorm_meta **order = dorm_alloc(c->cx, sizeof(void *) * (c->ncounted ? c->ncounted : 1));
        const char **labels = dorm_alloc(c->cx, sizeof(char *) * (c->ncounted ? c->ncounted : 1));
        int64_t *counts = dorm_alloc(c->cx, sizeof(int64_t) * (c->ncounted ? c->ncounted : 1));
        if (!order || !labels || !counts) return DORM_ENOMEM;
        memcpy(order, c->counted, sizeof(void *) * c->ncounted);
        qsort(order, c->ncounted, sizeof(void *), cmp_label);
        for (size_t i = 0; i < c->ncounted; i++) {
            labels[i] = order[i]->label;
            for (size_t k = 0; k < c->ncounted; k++)
                if (c->counted[k] == order[i]) counts[i] = c->counts[k];
        }
        out->total = c->total;
        out->n = c->ncounted;
        out->labels = labels;
        out->counts = counts;
    }
    return DORM_OK;
}

/* Whether deleting rows of m must look at other tables: a multi-table
 * child's parent rows go too. */
static bool has_dependents(const dorm_meta *m) {
    if (m->parent) return true;
    for (int i = 0; i < m->nreverse; i++)
        if (m->reverse[i].fk->f->on_delete != DORM_DO_NOTHING) return true;
    return false;
}

/* Deletes what c describes, all or nothing, and reports the counts, or the
 * objects that blocked it. */
static int delete_collected(collector *c, dorm_deleted *out) {
    /* Django turns the fast path off when delete receivers want objects. */
    c->fast = c->keys == NULL && !has_dependents(c->qs->meta) && !signalled(c->cx, c->qs->meta);
    if (out) memset(out, 0, sizeof *out);
    int rc = dorm_in__transaction(c->cx, run_all, c);
    dorm_progress__finish(c->cx, "delete", c->qs->meta->label, rc < 0 ? c->worked : c->work, c->work);
    if (rc >= 0)
        rc = finish(c, out);
    else if (out && (rc == DORM_EPROTECTED || rc == DORM_ERESTRICTED)) {
        out->blocking = (void *const *)c->blocking;
        out->nblocking = c->nblocking;
    }
    dorm_mem__free(c->b);
    dorm_mem__free(c->r);
    dorm_hmap__free(&c->seen);
    dorm_hmap__free(&c->blocked);
    return rc < 0 ? rc : DORM_OK;
}

int dorm_qs_base_delete(dorm_qs *qs, dorm_deleted *out) {
    if (!qs) return DORM_ENOMEM;
    dorm_error_clear(qs->cx);
    if (qs->err) return dorm_qs__reraise(qs);
    if (qs->combinator) return dorm_qs__reraise(dorm_qs__combined_refuse(dorm_qs__clone(qs), "delete"));
    if (qs->low > 0 || qs->high >= 0)
        return dorm_ctx_fail(qs->cx, DORM_EVALUE, "Cannot use 'limit' or 'offset' with delete().");
    if (qs->distinct) return dorm_ctx_fail(qs->cx, DORM_EVALUE, "Cannot call delete() after .distinct().");
    if (qs->mode != DORM_MODE_OBJECTS)
        return dorm_ctx_fail(qs->cx, DORM_EVALUE, "Cannot call delete() after .values() or .values_list()");
    dorm_route r;
    int rc = dorm_route__qs(qs, true, &r);
    if (rc) return rc;
    collector c;
    memset(&c, 0, sizeof c);
    c.cx = qs->cx;
    c.qs = dorm_clear_ordering(qs);
    rc = c.qs ? delete_collected(&c, out) : DORM_ENOMEM;
    dorm_route__leave(qs->cx, &r);
    return rc;
}

int dorm_base_delete(void *obj, dorm_deleted *out) {
    dorm_object *h = obj;
    if (!h || !h->meta) return DORM_EVALUE;
    const dorm_meta *m = h->meta;
    dorm_error_clear(h->cx);
    if (!dorm_pk__is_set(obj))
        return dorm_ctx_fail(h->cx, DORM_EVALUE, "%s object can't be deleted because its %s attribute is set to None.",
                             m->model->name, m->pk->attname);
    collector c;
    memset(&c, 0, sizeof c);
    c.cx = h->cx;
    c.qs = dorm_qs_all(h->cx, m->model);
    c.keys = dorm_alloc(h->cx, sizeof(dorm_value));
    if (!c.qs || !c.keys) return DORM_ENOMEM;
    c.keys[0] = dorm_pk__value(obj);
    c.nkeys = 1;
    /* Receivers get the caller's own object, as in Django. */
    if (signalled(h->cx, m)) {
        c.objs = dorm_alloc(h->cx, sizeof(void *));
        if (!c.objs) return DORM_ENOMEM;
        c.objs[0] = obj;
    }
    dorm_route r;
    int rc = dorm_route__write(h->cx, m->model, obj, -1, &r);
    if (rc) return rc;
    rc = delete_collected(&c, out);
    dorm_route__leave(h->cx, &r);
    if (rc == DORM_OK) {
        /* Django leaves the deleted instance with pk None (a composite
         * key: each part). */
        for (int i = 0; dorm_fmeta_composite(m->pk) && i < m->pk->nparts; i++) {
            dorm_value none = dorm_v_null();
            dorm_field__set(obj, m->pk->parts[i], &none);
        }
        if (!dorm_fmeta_composite(m->pk)) memset(dorm_member(obj, m->pk), 0, m->pk->f->size);
        h->flags = (h->flags | DORM_OBJ_ADDING) & ~(uint32_t)DORM_OBJ_FROM_DB;
    }
    return rc;
}

const char *dorm_deleted_str(dorm_ctx *cx, const dorm_deleted *d) {
    dorm_buf b = DORM_BUF_INIT;
    for (size_t i = 0; d && i < d->n; i++)
        dorm_buf_printf(&b, "%s%s: %lld", i ? ", " : "", d->labels[i], (long long)d->counts[i]);
    const char *r = dorm_strdup(cx, b.data ? b.data : "");
    dorm_buf_free(&b);
    return r;
}
