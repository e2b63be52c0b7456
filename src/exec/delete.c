/* delete.c - obj.delete() and qs.delete(): Django's deletion collector.  It
 * follows reverse foreign keys by their on_delete rule (CASCADE collects,
 * PROTECT refuses, RESTRICT refuses unless a CASCADE path deletes the same
 * rows, SET_NULL/SET_DEFAULT/SET(value) update, DO_NOTHING skips),
 * then runs every update and delete in one transaction, dependents first,
 * counting rows per model.  A query with nothing to follow is one DELETE. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/exec.h"
#include "core/alloc.h"

typedef struct batch {
    const dorm_meta *m;
    const dorm_fmeta *fk;       /* NULL: delete rows whose pk is in keys      */
    dorm_value set;             /* update: fk = set where fk in keys           */
    dorm_value *keys;
    size_t n;
} batch;

/* Rows a RESTRICT key protects, checked once everything is collected. */
typedef struct restricted {
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
    dorm_qs *qs;                /* what to delete                             */
    bool fast;                  /* nothing depends on it: one DELETE          */
    dorm_value *keys;           /* or these primary keys (obj.delete())       */
    size_t nkeys;
    int64_t total;
    const dorm_meta *counted[64];
    int64_t counts[64];
    size_t ncounted;
} collector;

static int add_batch(collector *c, batch b) {
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 8;
        batch *nb = dorm_mem_realloc(c->b, sizeof(batch) * cap);
        if (!nb) return dorm_fail(c->cx, DORM_ENOMEM, "out of memory");
        c->b = nb;
        c->cap = cap;
    }
    c->b[c->n++] = b;
    return DORM_OK;
}

static dorm_qs *filter_in(dorm_ctx *cx, const dorm_meta *m, const char *path, const dorm_value *keys, size_t n) {
    dorm_qs *qs = dorm_clear_ordering(dorm_qs_all(cx, m->model));
    return dorm_qs_filter(qs, (const dorm_q *const[]){&(const dorm_q){DORM_Q_LEAF, path, dorm_v_list(keys, n), NULL}, NULL});
}

/* One field's values ("pk": the primary keys) of a QuerySet, into the arena. */
static int fetch_values(dorm_qs *qs, const char *field, dorm_value **keys, size_t *n) {
    dorm_qs *v = dorm_qs_values_list(qs, true, (const char *const[]){field, NULL});
    size_t count;
    const dorm_row **rows = dorm_rows(v, &count);
    if (!rows) return v && v->err ? dorm_qs_reraise(v) : dorm_errcode(qs->cx);
    dorm_value *k = dorm_alloc(qs->cx, sizeof(dorm_value) * (count ? count : 1));
    if (!k) return DORM_ENOMEM;
    for (size_t i = 0; i < count; i++) k[i] = rows[i]->values[0];
    *keys = k;
    *n = count;
    return DORM_OK;
}

static int collect(collector *c, const dorm_meta *m, dorm_value *keys, size_t n, int depth) {
    if (n == 0) return DORM_OK;
    if (depth > 32) return dorm_fail(c->cx, DORM_EVALUE, "Deletion cascades deeper than 32 levels.");
    int rc = add_batch(c, (batch){m, NULL, dorm_v_null(), keys, n});
    if (rc) return rc;
    for (int i = 0; i < m->nreverse; i++) {
        const dorm_rel *r = &m->reverse[i];
        const dorm_fmeta *fk = r->fk;
        const char *path = dorm_sprintf(c->cx, "%s__in", fk->f->name);
        if (!path) return DORM_ENOMEM;
        /* What the key stores: the primary keys, or the field its to_field names. */
        dorm_value *rkeys = keys;
        size_t rn = n;
        if (fk->target_pk != m->pk &&
            (rc = fetch_values(filter_in(c->cx, m, "pk__in", keys, n), fk->target_pk->f->name, &rkeys, &rn)))
            return rc;
        switch (fk->f->on_delete) {
        case DORM_CASCADE: {
            dorm_value *sub;
            size_t ns;
            rc = fetch_values(filter_in(c->cx, r->model, path, rkeys, rn), "pk", &sub, &ns);
            if (!rc) rc = collect(c, r->model, sub, ns, depth + 1);
            break;
        }
        case DORM_PROTECT: {
            int found = dorm_exists(filter_in(c->cx, r->model, path, rkeys, rn));
            if (found < 0) return found;
            if (found)
                return dorm_fail(c->cx, DORM_EPROTECTED,
                                 "Cannot delete some instances of model '%s' because they are referenced through "
                                 "protected foreign keys: '%s.%s'.",
                                 m->model->name, r->model->model->name, fk->f->name);
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
                restricted *grown = dorm_mem_realloc(c->r, sizeof *grown * cap);
                if (!grown) return dorm_fail(c->cx, DORM_ENOMEM, "out of memory");
                c->r = grown;
                c->capr = cap;
            }
            c->r[c->nr++] = (restricted){r->model, fk, sub, ns};
            break;
        }
        case DORM_SET_NULL:
        case DORM_SET_DEFAULT:
        case DORM_SET: {
            dorm_value set = dorm_v_null();
            if (fk->f->on_delete != DORM_SET_NULL) {
                /* SET(callable) is called once per deletion, as Django does. */
                dorm_value d = fk->f->on_delete == DORM_SET_DEFAULT ? dorm_field_default(fk)
                               : fk->f->on_delete_set_fn            ? fk->f->on_delete_set_fn()
                                                                    : fk->f->on_delete_set;
                if ((rc = dorm_prep_value(c->cx, fk, fk->value_kind, &d, &set))) return rc;
            }
            rc = add_batch(c, (batch){r->model, fk, set, rkeys, rn});
            break;
        }
        default:
            break;
        }
        if (rc) return rc;
    }
    return DORM_OK;
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
    size_t chunk = (size_t)c->cx->db->dialect->max_params - 1;
    for (size_t off = 0; off < b->n; off += chunk) {
        size_t n = b->n - off < chunk ? b->n - off : chunk;
        const char *path = b->fk ? dorm_sprintf(c->cx, "%s__in", b->fk->f->name) : "pk__in";
        dorm_qs *qs = path ? filter_in(c->cx, b->m, path, b->keys + off, n) : NULL;
        if (!qs || qs->err) return qs ? dorm_qs_reraise(qs) : DORM_ENOMEM;
        dorm_sql s;
        dorm_sql_init(&s, c->cx);
        int rc = b->fk ? dorm_compile_update(qs, &b->fk, &b->set, NULL, 1, &s) : dorm_compile_delete(qs, &s);
        int64_t changed = rc == DORM_COMPILED ? dorm_exec_change(c->cx, &s) : 0;
        dorm_sql_free(&s);
        if (rc < 0) return rc;
        if (changed < 0) return (int)changed;
        if (!b->fk) count(c, b->m, changed);
    }
    return DORM_OK;
}

/* Whether the collector deletes the row of m with this key. */
static bool collected(const collector *c, const dorm_meta *m, const dorm_value *key) {
    for (size_t i = 0; i < c->n; i++) {
        if (c->b[i].fk || c->b[i].m != m) continue;
        for (size_t k = 0; k < c->b[i].n; k++)
            if (dorm_value_equal(&c->b[i].keys[k], key)) return true;
    }
    return false;
}

/* RestrictedError for rows a RESTRICT key protects that no CASCADE deletes. */
static int check_restricted(collector *c) {
    dorm_buf fields = DORM_BUF_INIT;
    for (size_t i = 0; i < c->nr; i++) {
        const restricted *r = &c->r[i];
        bool kept = false;
        for (size_t k = 0; k < r->n && !kept; k++) kept = !collected(c, r->m, &r->keys[k]);
        const char *name = dorm_sprintf(c->cx, "'%s.%s'", r->m->model->name, r->fk->f->name);
        if (kept && name && !strstr(fields.data ? fields.data : "", name))
            dorm_buf_printf(&fields, "%s%s", fields.len ? ", " : "", name);
    }
    int rc = DORM_OK;
    if (fields.len)
        rc = dorm_fail(c->cx, DORM_ERESTRICTED,
                       "Cannot delete some instances of model '%s' because they are referenced through restricted "
                       "foreign keys: %s.",
                       c->qs->meta->model->name, fields.data);
    dorm_buf_free(&fields);
    return rc;
}

static int run_all(void *payload) {
    collector *c = payload;
    if (c->fast) {
        dorm_sql s;
        dorm_sql_init(&s, c->cx);
        int rc = dorm_compile_delete(c->qs, &s);
        int64_t changed = rc == DORM_COMPILED ? dorm_exec_change(c->cx, &s) : 0;
        dorm_sql_free(&s);
        if (rc < 0) return rc;
        if (changed < 0) return (int)changed;
        count(c, c->qs->meta, changed);
        return DORM_OK;
    }
    /* Collect inside the transaction so what is deleted is what was seen. */
    int rc = c->keys ? DORM_OK : fetch_values(c->qs, "pk", &c->keys, &c->nkeys);
    if (!rc) rc = collect(c, c->qs->meta, c->keys, c->nkeys, 0);
    if (!rc) rc = check_restricted(c);
    if (rc) return rc;
    /* Updates (SET_NULL) first, then deletes from the deepest dependents up. */
    for (size_t i = 0; i < c->n; i++)
        if (c->b[i].fk) {
            int rc = run_batch(c, &c->b[i]);
            if (rc) return rc;
        }
    for (size_t i = c->n; i-- > 0;)
        if (!c->b[i].fk) {
            int rc = run_batch(c, &c->b[i]);
            if (rc) return rc;
        }
    return DORM_OK;
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

/* Whether deleting rows of m must look at other tables. */
static bool has_dependents(const dorm_meta *m) {
    for (int i = 0; i < m->nreverse; i++)
        if (m->reverse[i].fk->f->on_delete != DORM_DO_NOTHING) return true;
    return false;
}

/* Deletes what c describes, all or nothing, and reports the counts. */
static int delete_collected(collector *c, dorm_deleted *out) {
    c->fast = c->keys == NULL && !has_dependents(c->qs->meta);
    int rc = dorm_in_transaction(c->cx, run_all, c);
    if (rc >= 0) rc = finish(c, out);
    dorm_mem_free(c->b);
    dorm_mem_free(c->r);
    return rc < 0 ? rc : DORM_OK;
}

int dorm_qs_delete(dorm_qs *qs, dorm_deleted *out) {
    if (!qs) return DORM_ENOMEM;
    dorm_error_clear(qs->cx);
    if (qs->err) return dorm_qs_reraise(qs);
    if (qs->combinator) return dorm_qs_reraise(dorm_qs_combined_refuse(dorm_qs_clone(qs), "delete"));
    if (qs->low > 0 || qs->high >= 0) return dorm_fail(qs->cx, DORM_EVALUE, "Cannot use 'limit' or 'offset' with delete().");
    if (qs->distinct) return dorm_fail(qs->cx, DORM_EVALUE, "Cannot call delete() after .distinct().");
    if (qs->mode != DORM_MODE_OBJECTS)
        return dorm_fail(qs->cx, DORM_EVALUE, "Cannot call delete() after .values() or .values_list()");
    collector c;
    memset(&c, 0, sizeof c);
    c.cx = qs->cx;
    c.qs = dorm_clear_ordering(qs);
    if (!c.qs) return DORM_ENOMEM;
    return delete_collected(&c, out);
}

int dorm_delete(void *obj, dorm_deleted *out) {
    dorm_object *h = obj;
    if (!h || !h->meta) return DORM_EVALUE;
    const dorm_meta *m = h->meta;
    dorm_error_clear(h->cx);
    if (!dorm_pk_is_set(obj))
        return dorm_fail(h->cx, DORM_EVALUE,
                         "%s object can't be deleted because its %s attribute is set to None.", m->model->name,
                         m->pk->attname);
    collector c;
    memset(&c, 0, sizeof c);
    c.cx = h->cx;
    c.qs = dorm_qs_all(h->cx, m->model);
    c.keys = dorm_alloc(h->cx, sizeof(dorm_value));
    if (!c.qs || !c.keys) return DORM_ENOMEM;
    c.keys[0] = dorm_pk_value(obj);
    c.nkeys = 1;
    int rc = delete_collected(&c, out);
    if (rc == DORM_OK) {
        /* Django leaves the deleted instance with pk None. */
        memset(dorm_member(obj, m->pk), 0, m->pk->f->size);
        h->flags = (h->flags | DORM_OBJ_ADDING) & ~(uint32_t)DORM_OBJ_FROM_DB;
    }
    return rc;
}

const char *dorm_deleted_str(dorm_ctx *cx, const dorm_deleted *d) {
    dorm_buf b = DORM_BUF_INIT;
    for (size_t i = 0; d && i < d->n; i++) dorm_buf_printf(&b, "%s%s: %lld", i ? ", " : "", d->labels[i], (long long)d->counts[i]);
    const char *r = dorm_strdup(cx, b.data ? b.data : "");
    dorm_buf_free(&b);
    return r;
}
