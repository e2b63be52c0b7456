/* fetch.c - the QuerySet calls that run queries: evaluation into the result
 * cache (objects or values rows), len/count/exists/contains, get, first/last,
 * earliest/latest, in_bulk, and str(qs.query). */
#include <stdlib.h>
#include <string.h>

#include "exec/route.h"
#include "query/shape.h"
#include "core/alloc.h"

/* A growable array of pointers, moved to the arena at the end so the arena
 * holds one exact-size copy: its first PTRVEC_INLINE on the stack (a get()
 * or a short list allocates nothing), then in malloc memory. */
#define PTRVEC_INLINE 32

typedef struct ptrvec {
    void **v;
    size_t n, cap;
    void *inl[PTRVEC_INLINE];
} ptrvec;

static void ptrvec_init(ptrvec *p) {
    p->v = p->inl;
    p->n = 0;
    p->cap = PTRVEC_INLINE;
}

static int ptrvec_push(ptrvec *p, void *x) {
    if (p->n == p->cap) {
        size_t cap = p->cap * 2;
        void **v = dorm_mem__realloc(p->v == p->inl ? NULL : p->v, sizeof(void *) * cap);
        if (!v) return DORM_ENOMEM;
        if (p->v == p->inl) memcpy(v, p->inl, sizeof p->inl);
        p->v = v;
        p->cap = cap;
    }
    p->v[p->n++] = x;
    return DORM_OK;
}

static void ptrvec_free(ptrvec *p) {
    if (p->v != p->inl) dorm_mem__free(p->v);
}

static int start(dorm_qs *qs) {
    if (!qs) return DORM_ENOMEM;
    /* No call when there is nothing to clear, as in a loop of gets. */
    if (qs->cx->err || qs->cx->errmsg) dorm_error_clear(qs->cx);
    if (qs->err) return dorm_qs__reraise(qs);
    if (qs->outer_refs)
        return dorm_ctx_fail(
            qs->cx, DORM_EVALUE,
            "This queryset contains a reference to an outer query and may only be used in a subquery.");
    return DORM_OK;
}

void dorm_qs__note(dorm_qs *qs, int code) {
    if (!qs || qs->err) return;
    qs->fetch_err = code;
    qs->fetch_errmsg = NULL;
    if (code) {
        const char *msg = dorm_errcode(qs->cx) == code ? dorm_errmsg(qs->cx) : NULL;
        qs->fetch_errmsg = msg ? dorm_strdup(qs->cx, msg) : NULL;
        if (!qs->fetch_errmsg) qs->fetch_errmsg = dorm_error_name(code);
    }
}

/* Each public fetching call keeps its outcome on the QuerySet (the
 * context's error is the call's when it returns: start() cleared it). */
static void *noted(dorm_qs *qs, void *out) {
    if (qs) dorm_qs__note(qs, qs->cx->err);
    return out;
}

static int64_t noted_n(dorm_qs *qs, int64_t out) {
    noted(qs, NULL);
    return out;
}

static void *read_row(dorm_qs *qs, dorm_cached_stmt *cs) {
    if (qs->mode == DORM_MODE_OBJECTS) return dorm_materialize__row(qs->cx, &qs->cx->arena, qs, cs);
    dorm_row *row = dorm_alloc(qs->cx, sizeof(dorm_row));
    dorm_value *vals = dorm_alloc(qs->cx, sizeof(dorm_value) * (size_t)qs->ncols);
    if (!row || !vals) return NULL;
    for (int i = 0; i < qs->ncols; i++)
        if (dorm_read__value(qs->cx, &qs->cx->arena, qs->cols[i].out, cs, qs->cols[i].pos, &vals[i])) return NULL;
    row->n = (size_t)qs->ncols;
    row->names = qs->col_names;
    row->values = vals;
    return row;
}

/* Reads the rows of s, compiled for qs with the outcome rc, into out (an
 * object or a values row each); one_row: the query matches one row at
 * most (dorm_qs__one_row), so the statement is not stepped again after it.
 * 0 or an error on the context; out is the caller's to free either way. */
static inline int collect(dorm_qs *qs, dorm_sql *s, int rc, bool one_row, ptrvec *out) {
    if (rc == DORM_COMPILED_EMPTY) return DORM_OK;
    if (rc != DORM_COMPILED)
        return dorm_errcode(qs->cx) ? dorm_errcode(qs->cx) : dorm_ctx_fail(qs->cx, rc, "cannot compile query");
    dorm_cached_stmt *cs = NULL;
    rc = dorm__exec(qs->cx, s, &cs);
    bool held = rc >= 0;
    while (rc == DORM_STEP_ROW) {
        void *x = read_row(qs, cs);
        if (!x || ptrvec_push(out, x)) {
            rc = dorm_errcode(qs->cx) ? dorm_errcode(qs->cx) : dorm_ctx_fail(qs->cx, DORM_ENOMEM, "out of memory");
            break;
        }
        rc = one_row ? DORM_STEP_DONE : dorm_exec__step(qs->cx, cs);
    }
    if (held) dorm_db__release(qs->cx->db, cs);
    return rc < 0 ? rc : DORM_OK;
}

/* What follows reading a QuerySet's objects: its prefetch_related
 * lookups, and the batch the N+1 policy tells them by. */
static inline int loaded(dorm_qs *qs, void **objs, size_t n) {
    if (qs->mode != DORM_MODE_OBJECTS) return DORM_OK;
    int rc = qs->prefetch ? dorm_prefetch__objects(qs->cx, qs->meta, objs, n, qs->prefetch) : DORM_OK;
    if (!rc) dorm_policy__mark(qs->cx, objs, n);
    return rc;
}

/* Fills the result cache from s, compiled for qs with the outcome rc
 * (one_row as collect's). */
static int fill(dorm_qs *qs, dorm_sql *s, int rc, bool one_row) {
    ptrvec out;
    ptrvec_init(&out);
    rc = collect(qs, s, rc, one_row, &out);
    /* Every slot is written below: no need to zero them first. */
    void **arr = rc ? NULL : dorm_arena__alloc(&qs->cx->arena, sizeof(void *) * (out.n + 1));
    if (!rc && !arr) rc = dorm_ctx_fail(qs->cx, DORM_ENOMEM, "out of memory");
    if (rc) {
        ptrvec_free(&out);
        return rc;
    }
    /* A short list: no call to copy it. */
    if (out.n > 8)
        memcpy(arr, out.v, sizeof(void *) * out.n);
    else
        for (size_t i = 0; i < out.n; i++) arr[i] = out.v[i];
    arr[out.n] = NULL;
    ptrvec_free(&out);
    if ((rc = loaded(qs, arr, out.n))) return rc;
    qs->done = true;
    qs->nobjs = out.n;
    if (qs->mode == DORM_MODE_OBJECTS)
        qs->objs = arr;
    else
        qs->rows = (const dorm_row **)arr;
    return DORM_OK;
}

static int evaluate_on(dorm_qs *qs, bool one_row) {
    int rc = start(qs);
    if (rc || qs->done) return rc;
    dorm_sql s;
    dorm_shape shape;
    dorm_sql__init(&s, qs->cx);
    rc = fill(qs, &s, dorm_compile__shaped(qs, DORM_SELECT_ROWS, &s, &shape), one_row);
    dorm_shape__free(&shape);
    dorm_sql__free(&s);
    return rc;
}

/* Each call that runs SQL runs it on the QuerySet's database. */
static int evaluate_as(dorm_qs *qs, bool one_row) {
    if (!qs || qs->err || qs->done) return evaluate_on(qs, one_row);
    dorm_route r;
    int rc = dorm_route__qs(qs, false, &r);
    if (rc) return rc;
    rc = evaluate_on(qs, one_row);
    dorm_route__leave(qs->cx, &r);
    return rc;
}

static int evaluate(dorm_qs *qs) { return evaluate_as(qs, false); }

static void **list_on(dorm_qs *qs, size_t *n) {
    if (evaluate(qs)) return NULL;
    if (qs->mode != DORM_MODE_OBJECTS) {
        dorm_ctx_fail(qs->cx, DORM_EVALUE, "This QuerySet returns values rows: use dorm_rows().");
        return NULL;
    }
    if (n) *n = qs->nobjs;
    return qs->objs;
}

static const dorm_row **rows_on(dorm_qs *qs, size_t *n) {
    if (evaluate(qs)) return NULL;
    if (qs->mode == DORM_MODE_OBJECTS) {
        dorm_ctx_fail(qs->cx, DORM_EVALUE,
                      "This QuerySet returns objects: call dorm_values() or dorm_values_list() first.");
        return NULL;
    }
    if (n) *n = qs->nobjs;
    return qs->rows;
}

const dorm_value *dorm_row_get(const dorm_row *row, const char *name) {
    for (size_t i = 0; row && i < row->n; i++)
        if (strcmp(row->names[i], name) == 0) return &row->values[i];
    return NULL;
}

/* A count or a negative dorm_error: never -1 for "failed", which would read
 * as DORM_EDOESNOTEXIST. */
static int64_t count_or_error(dorm_qs *qs, int rc, int64_t n) {
    if (rc == DORM_OK) return n;
    int code = qs ? dorm_errcode(qs->cx) : DORM_OK;
    if (rc < 0) return rc;
    if (code) return code;
    /* A failure nothing named: named here, so that the context says why. */
    return qs ? dorm_ctx_fail(qs->cx, DORM_EOPERATIONAL, "count failed (status %d)", rc) : DORM_ENOMEM;
}

static int64_t len_on(dorm_qs *qs) {
    int rc = evaluate(qs);
    return count_or_error(qs, rc, rc ? 0 : (int64_t)qs->nobjs);
}

/* Runs a one-value query (COUNT / EXISTS); *out gets the integer. */
static int scalar(dorm_qs *qs, dorm_select_what what, int64_t *out) {
    dorm_route r;
    int rc = dorm_route__qs(qs, false, &r);
    *out = 0;
    if (rc) return rc;
    dorm_sql s;
    dorm_shape shape;
    dorm_sql__init(&s, qs->cx);
    rc = dorm_compile__shaped(qs, what, &s, &shape);
    if (rc == DORM_COMPILED) {
        dorm_cached_stmt *cs;
        rc = dorm__exec(qs->cx, &s, &cs);
        if (rc >= 0) {
            if (rc == DORM_STEP_ROW) *out = what == DORM_SELECT_EXISTS ? 1 : qs->cx->db->drv->column_int(cs->stmt, 0);
            dorm_db__release(qs->cx->db, cs);
            rc = DORM_OK;
        }
    } else if (rc == DORM_COMPILED_EMPTY) {
        rc = DORM_OK;
    }
    dorm_shape__free(&shape);
    dorm_sql__free(&s);
    dorm_route__leave(qs->cx, &r);
    return rc;
}

static int64_t count_on(dorm_qs *qs) {
    int rc = start(qs);
    if (rc || qs->done) return count_or_error(qs, rc, rc ? 0 : (int64_t)qs->nobjs);
    int64_t n = 0;
    rc = scalar(qs, DORM_SELECT_COUNT, &n);
    return count_or_error(qs, rc, n);
}

static int exists_on(dorm_qs *qs) {
    int rc = start(qs);
    if (rc) return rc;
    if (qs->done) return qs->nobjs > 0;
    int64_t n;
    rc = scalar(qs, DORM_SELECT_EXISTS, &n);
    return rc ? rc : (int)n;
}

static int contains_on(dorm_qs *qs, const void *obj) {
    int rc = start(qs);
    if (rc) return rc;
    if (!obj) return dorm_ctx_fail(qs->cx, DORM_EVALUE, "'obj' must be a model instance.");
    const dorm_meta *m = dorm_meta_of_obj(obj);
    if (m != qs->meta) return 0;
    if (!dorm_pk__is_set(obj))
        return dorm_ctx_fail(qs->cx, DORM_EVALUE, "QuerySet.contains() cannot be used on unsaved objects.");
    if (qs->done) {
        for (size_t i = 0; i < qs->nobjs; i++)
            if (qs->objs[i] == obj) return 1;
        dorm_value pk = dorm_pk__value(obj);
        for (size_t i = 0; i < qs->nobjs; i++) {
            dorm_value v = dorm_pk__value(qs->objs[i]);
            if (dorm_value_equal(&v, &pk)) return 1;
        }
        return 0;
    }
    dorm_value pk = dorm_pk__value(obj);
    return dorm_exists(dorm_qs_filter(qs, (const dorm_q *const[]){&(const dorm_q){DORM_Q_LEAF, "pk", pk, NULL}, NULL}));
}

/* Whether the QuerySet has an ordering (Django's QuerySet.ordered). */
static bool is_ordered(const dorm_qs *qs) {
    if (qs->ordered_explicitly) return qs->norder > 0;
    return !qs->group_by && qs->meta->ordering && qs->meta->ordering[0];
}

/* get(conds) through the plan of a get of the same shape (query/shape.h):
 * true when it ran (*n objects or rows were read, *first the first of
 * them; or the error is on the context, in *rc); false when the ordinary
 * way must run, and then *plan holds the key to keep this get's plan
 * under (plan->keyed). */
static bool get_planned(dorm_qs *qs, const dorm_q *const *conds, dorm_shape *plan, size_t *n, void **first, int *rc) {
    dorm_ctx *cx = qs->cx;
    plan->keyed = false;
    /* A context of one connection and no tenant filter: the query runs
     * where it is compiled, as the QuerySet is. */
    if (cx->conns || (cx->dbs && cx->dbs->scopes) || qs->low || qs->high >= 0) return false;
    /* What dorm_route__qs does for such a read. */
    dorm_route r;
    dorm_route__enter_db(cx, cx->db, &r);
    dorm_sql s;
    dorm_sql__init(&s, cx);
    bool hit = dorm_shape__get_plan(qs, conds, &s, plan);
    if (hit) {
        /* The rows read are get()'s alone: no result cache keeps them. */
        ptrvec out;
        ptrvec_init(&out);
        *rc = collect(qs, &s, DORM_COMPILED, plan->hit->one_row, &out);
        if (!*rc) *rc = loaded(qs, out.v, out.n);
        *n = out.n;
        *first = out.n ? out.v[0] : NULL;
        ptrvec_free(&out);
    }
    dorm_sql__free(&s);
    dorm_route__leave(cx, &r);
    return hit;
}

static void *get_on(dorm_qs *qs, const dorm_q *const *conds) {
    if (start(qs)) return NULL;
    if (qs->combinator && conds && conds[0]) {
        static const char *const names[] = {"", "union", "intersection", "difference"};
        dorm_ctx_fail(qs->cx, DORM_ENOTSUPPORTED, "Calling QuerySet.get(...) with filters after %s() is not supported.",
                      names[qs->combinator]);
        return NULL;
    }
    bool filtered = conds && conds[0];
    dorm_shape plan;
    size_t n = 0;
    void *first = NULL;
    int rc = DORM_OK;
    if (filtered && get_planned(qs, conds, &plan, &n, &first, &rc)) {
        if (rc) return NULL;
    } else {
        /* The filtered QuerySet is get()'s own: a copy on its stack, which no
         * result keeps (objects point at the context, not at their query). */
        dorm_qs own;
        dorm_qs *c = qs;
        if (filtered) {
            dorm_qs__copy(&own, qs);
            c = dorm_qs__filter_on(&own, conds);
        }
        if (!c->err && c->low == 0 && c->high < 0) {
            if (!filtered) {
                dorm_qs__copy(&own, qs);
                c = &own;
            }
            dorm_qs__get_limits(c);
        }
        if (c->err) {
            dorm_qs__reraise(c);
            return NULL;
        }
        if (evaluate_as(c, dorm_qs__one_row(c))) return NULL;
        if (filtered) dorm_shape__get_store(c->cx->db, &plan, c, conds);
        n = c->nobjs;
        first = !n ? NULL : c->mode == DORM_MODE_OBJECTS ? c->objs[0] : (void *)c->rows[0];
    }
    if (n == 1) return first;
    const char *name = qs->meta->model->name;
    if (n == 0)
        dorm_ctx_fail(qs->cx, DORM_EDOESNOTEXIST, "%s matching query does not exist.", name);
    else if (n >= DORM_GET_LIMIT)
        dorm_ctx_fail(qs->cx, DORM_EMULTIPLE, "get() returned more than one %s -- it returned more than %d!", name,
                      DORM_GET_LIMIT - 1);
    else
        dorm_ctx_fail(qs->cx, DORM_EMULTIPLE, "get() returned more than one %s -- it returned %zu!", name, n);
    return NULL;
}

static void *first_of(dorm_qs *qs) {
    qs = dorm_slice(qs, 0, 1);
    if (evaluate(qs)) return NULL;
    if (!qs->nobjs) return NULL;
    return qs->mode == DORM_MODE_OBJECTS ? qs->objs[0] : (void *)qs->rows[0];
}

static void *first_on(dorm_qs *qs) {
    if (start(qs)) return NULL;
    if (qs->done && is_ordered(qs))
        return !qs->nobjs ? NULL : qs->mode == DORM_MODE_OBJECTS ? qs->objs[0] : (void *)qs->rows[0];
    return first_of(is_ordered(qs) ? qs : dorm_order_by(qs, "pk"));
}

static void *last_on(dorm_qs *qs) {
    if (start(qs)) return NULL;
    return first_of(is_ordered(qs) ? dorm_reverse(qs) : dorm_order_by(qs, "-pk"));
}

static void *earliest_latest(dorm_qs *qs, const char *const *fields, bool latest) {
    if (start(qs)) return NULL;
    const char *fallback[2] = {qs->meta->get_latest_by, NULL};
    if (!fields || !fields[0]) fields = fallback;
    if (!fields[0]) {
        dorm_ctx_fail(qs->cx, DORM_EVALUE,
                      "earliest() and latest() require either fields as positional arguments or 'get_latest_by' in the "
                      "model's Meta.");
        return NULL;
    }
    size_t n = 0;
    while (fields[n]) n++;
    const char **ord = dorm_alloc(qs->cx, sizeof(char *) * (n + 1));
    if (!ord) return NULL;
    for (size_t i = 0; i < n; i++) {
        const char *f = fields[i];
        if (!latest)
            ord[i] = f;
        else
            ord[i] = f[0] == '-' ? f + 1 : dorm_sprintf(qs->cx, "-%s", f);
        if (!ord[i]) return NULL;
    }
    ord[n] = NULL;
    dorm_qs *c = dorm_slice(dorm_qs_order_by(qs, ord), 0, 1);
    if (!c || c->err) {
        if (c) dorm_qs__reraise(c);
        return NULL;
    }
    if (evaluate(c)) return NULL;
    if (c->nobjs) return c->mode == DORM_MODE_OBJECTS ? c->objs[0] : (void *)c->rows[0];
    dorm_ctx_fail(qs->cx, DORM_EDOESNOTEXIST, "%s matching query does not exist.", qs->meta->model->name);
    return NULL;
}

void *dorm_qs_earliest(dorm_qs *qs, const char *const *fields) { return noted(qs, earliest_latest(qs, fields, false)); }
void *dorm_qs_latest(dorm_qs *qs, const char *const *fields) { return noted(qs, earliest_latest(qs, fields, true)); }

/* in_bulk's map: keys sorted with their objects, searched by bisection;
 * integer keys as such, keys of other kinds by their bytes. */
typedef struct key_blob {
    const unsigned char *b;
    size_t n;
} key_blob;

struct dorm_map {
    size_t n;
    int64_t *keys;
    void **objs;
    key_blob *blobs;
    dorm_ctx *cx;
};

static int cmp_blob(const key_blob *a, const key_blob *b) {
    if (a->n != b->n) return a->n < b->n ? -1 : 1;
    return a->n ? memcmp(a->b, b->b, a->n) : 0;
}

static void sort_by_key(int64_t *keys, void **objs, size_t n) {
    for (size_t i = 1; i < n; i++) {
        int64_t k = keys[i];
        void *o = objs[i];
        size_t j = i;
        for (; j > 0 && keys[j - 1] > k; j--) {
            keys[j] = keys[j - 1];
            objs[j] = objs[j - 1];
        }
        keys[j] = k;
        objs[j] = o;
    }
}

/* in_bulk's objects: those whose key is among keys[0..n) (keys NULL:
 * every row), by key.  NULL on error (on the context). */
static void **bulk_objects(dorm_qs *qs, const dorm_value *keys, size_t n, size_t *count) {
    if (qs->low > 0 || qs->high >= 0) {
        dorm_ctx_fail(qs->cx, DORM_EVALUE, "Cannot use 'limit' or 'offset' with in_bulk().");
        return NULL;
    }
    dorm_qs *c = dorm_order_by(qs, "pk");
    if (keys)
        c = dorm_qs_filter(
            c, (const dorm_q *const[]){&(const dorm_q){DORM_Q_LEAF, "pk__in", dorm_v_list(keys, n), NULL}, NULL});
    void **objs = dorm_qs_list(c, count);
    if (!objs && c && c->err) dorm_qs__reraise(c);
    return objs;
}

static dorm_map *in_bulk_on(dorm_qs *qs, const int64_t *ids, size_t n) {
    if (start(qs)) return NULL;
    /* An MTI child's key is its parent link: the parent's integer. */
    dorm_kind pk = qs->meta->pk->value_kind;
    if (!dorm_kind__is_auto(pk) && pk != DORM_KIND_BIGINT) {
        dorm_ctx_fail(qs->cx, DORM_EVALUE, "dorm_in_bulk() needs an integer primary key.");
        return NULL;
    }
    dorm_value *ints = ids ? dorm_alloc(qs->cx, sizeof(dorm_value) * (n ? n : 1)) : NULL;
    if (ids && !ints) return NULL;
    for (size_t i = 0; ids && i < n; i++) ints[i] = dorm_v_int(ids[i]);
    size_t count;
    void **objs = bulk_objects(qs, ints, n, &count);
    if (!objs) return NULL;
    dorm_map *m = dorm_alloc(qs->cx, sizeof *m);
    int64_t *keys = dorm_alloc(qs->cx, sizeof(int64_t) * (count ? count : 1));
    void **vals = dorm_alloc(qs->cx, sizeof(void *) * (count ? count : 1));
    if (!m || !keys || !vals) return NULL;
    for (size_t i = 0; i < count; i++) {
        keys[i] = dorm_pk__value(objs[i]).u.i;
        vals[i] = objs[i];
    }
    sort_by_key(keys, vals, count);
    /* A join that repeats a row repeats its key: one entry, the last
     * (Django's dict). */
    size_t k = 0;
    for (size_t i = 0; i < count; i++) {
        if (k && keys[k - 1] == keys[i]) k--;
        keys[k] = keys[i];
        vals[k++] = vals[i];
    }
    *m = (dorm_map){k, keys, vals, NULL, qs->cx};
    return m;
}

void *dorm_map_get(const dorm_map *m, int64_t id) {
    size_t lo = 0, hi = m ? m->n : 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->keys[mid] == id) return m->objs[mid];
        if (m->keys[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

size_t dorm_map_len(const dorm_map *m) { return m ? m->n : 0; }

static dorm_map *in_bulk_keys_on(dorm_qs *qs, const dorm_value *keys, size_t n) {
    if (start(qs)) return NULL;
    size_t count;
    void **objs = bulk_objects(qs, keys, n, &count);
    if (!objs) return NULL;
    dorm_map *m = dorm_alloc(qs->cx, sizeof *m);
    key_blob *blobs = dorm_alloc(qs->cx, sizeof *blobs * (count ? count : 1));
    void **sorted = dorm_alloc(qs->cx, sizeof(void *) * (count ? count : 1));
    if (!m || !blobs || !sorted) return NULL;
    for (size_t i = 0; i < count; i++) {
        dorm_value pk = dorm_pk__value(objs[i]);
        const void *k = pk.type == DORM_T_NONE ? NULL : dorm_key__blob(qs->cx, &pk, &blobs[i].n);
        /* The bytes of a text key are the object's own, an integer's the value's: keep a copy. */
        if (!k || !(blobs[i].b = dorm_arena__memdup(&qs->cx->arena, k, blobs[i].n ? blobs[i].n : 1))) {
            dorm_ctx_fail(qs->cx, DORM_ENOMEM, "out of memory");
            return NULL;
        }
        sorted[i] = objs[i];
        /* Insertion into the sorted prefix (maps are small). */
        for (size_t j = i; j > 0 && cmp_blob(&blobs[j - 1], &blobs[j]) > 0; j--) {
            key_blob tb = blobs[j];
            void *to = sorted[j];
            blobs[j] = blobs[j - 1];
            sorted[j] = sorted[j - 1];
            blobs[j - 1] = tb;
            sorted[j - 1] = to;
        }
    }
    size_t k = 0; /* one entry per key, as in_bulk_on's */
    for (size_t i = 0; i < count; i++) {
        if (k && cmp_blob(&blobs[k - 1], &blobs[i]) == 0) k--;
        blobs[k] = blobs[i];
        sorted[k++] = sorted[i];
    }
    *m = (dorm_map){k, NULL, sorted, blobs, qs->cx};
    return m;
}

void *dorm_map_find(const dorm_map *m, const dorm_value *key) {
    if (!m || !key) return NULL;
    if (!m->blobs) return key->type == DORM_T_INT ? dorm_map_get(m, key->u.i) : NULL;
    key_blob want;
    if (!(want.b = dorm_key__blob(m->cx, key, &want.n))) return NULL;
    size_t lo = 0, hi = m->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = cmp_blob(&m->blobs[mid], &want);
        if (c == 0) return m->objs[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static const char *qs_sql_on(dorm_qs *qs, const char **params) {
    dorm_sql s;
    dorm_sql__init(&s, qs->cx);
    int rc = dorm_compile__select(qs, DORM_SELECT_ROWS, &s);
    const char *out = NULL;
    if (rc == DORM_COMPILED_EMPTY) {
        dorm_ctx_fail(qs->cx, DORM_EVALUE, "The query can match no row (Django's EmptyResultSet): no SQL would run.");
    } else if (rc >= 0 && !s.failed) {
        out = dorm_strdup(qs->cx, s.text.data ? s.text.data : "");
        if (params) {
            dorm_buf b = DORM_BUF_INIT;
            dorm_render__params(&b, s.params, s.nparams);
            *params = dorm_strdup(qs->cx, b.data ? b.data : "()");
            dorm_buf_free(&b);
        }
    } else if (rc < 0 && !dorm_errcode(qs->cx)) {
        dorm_ctx_fail(qs->cx, rc, "cannot compile query");
    }
    dorm_sql__free(&s);
    return out;
}

/* The SQL is the dialect's of the QuerySet's database. */
const char *dorm_qs_sql(dorm_qs *qs, const char **params) {
    dorm_route r;
    if (start(qs) || dorm_route__qs(qs, false, &r)) return NULL;
    const char *out = qs_sql_on(qs, params);
    dorm_route__leave(qs->cx, &r);
    return out;
}

static const dorm_row *aggregate_on(dorm_qs *qs, const dorm_named *const *aggs) {
    size_t n = 0;
    while (aggs && aggs[n]) n++;
    if (n == 0 || n > 64) {
        dorm_ctx_fail(qs->cx, DORM_EVALUE, "aggregate() needs between 1 and 64 aggregates.");
        return NULL;
    }
    dorm_qs *c = dorm_qs__clone(qs);
    if (c && dorm_qs__combined_refuse(c, "aggregate")) {
        dorm_qs__reraise(c);
        return NULL;
    }
    const dorm_rexpr **exprs = dorm_alloc(qs->cx, sizeof(void *) * n);
    const char **names = dorm_alloc(qs->cx, sizeof(char *) * (n + 1));
    dorm_value *vals = dorm_alloc(qs->cx, sizeof(dorm_value) * n);
    dorm_row *row = dorm_alloc(qs->cx, sizeof(dorm_row));
    if (!c || c->err || !exprs || !names || !vals || !row) {
        if (c && c->err) dorm_qs__reraise(c);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        const dorm_expr *e = aggs[i]->expr;
        names[i] = aggs[i]->alias ? aggs[i]->alias : (e ? dorm_default__alias(qs->cx, e) : NULL);
        if (!names[i]) {
            dorm_ctx_fail(qs->cx, DORM_EVALUE, "Complex aggregates require an alias");
            return NULL;
        }
        if (dorm_alias__check(qs->cx, names[i])) return NULL;
        if (dorm_expr__resolve_summary(c, e, &exprs[i]) || dorm_rexpr__output(c, exprs[i])) {
            dorm_qs__reraise(c);
            return NULL;
        }
        if (!exprs[i]->aggregate) {
            dorm_ctx_fail(qs->cx, DORM_EVALUE, "%s is not an aggregate expression", names[i]);
            return NULL;
        }
    }
    names[n] = NULL;
    dorm_sql s;
    dorm_sql__init(&s, qs->cx);
    int rc = dorm_compile__aggregate(c, exprs, names, n, &s);
    bool empty = rc == DORM_COMPILED_EMPTY;
    dorm_cached_stmt *cs = NULL;
    if (rc == DORM_COMPILED) rc = dorm__exec(qs->cx, &s, &cs);
    for (size_t i = 0; i < n && rc >= 0; i++) {
        /* Each value is read as its aggregate's output kind. */
        dorm_kind k = dorm_read__kind(exprs[i]->vkind);
        dorm_field f = {.name = names[i],
                        .kind = k,
                        .size = sizeof(dorm_uuid),
                        .decimal_places = dorm_rexpr__read_places(exprs[i]),
                        .null = true};
        dorm_fmeta fm = {.f = &f, .column = names[i], .attname = names[i], .value_kind = k};
        /* Over no rows Count() is 0 (its convert_value), every other aggregate NULL. */
        bool builtin = exprs[i]->is_aggregate && dorm_func__builtin(exprs[i]->def);
        bool count = builtin && strcmp(exprs[i]->def->name, "Count") == 0;
        /* Sum, Min and Max of a custom field give its type (Django's
         * output_field, read through from_db_value). */
        const dorm_rexpr *arg = builtin && exprs[i]->nargs ? exprs[i]->args[0] : NULL;
        const dorm_fmeta *col = arg && dorm_rexpr_is_col(arg) ? arg->field : NULL;
        bool custom = col && col->f->kind == DORM_KIND_CUSTOM &&
            (strcmp(exprs[i]->def->name, "Sum") == 0 || strcmp(exprs[i]->def->name, "Min") == 0 ||
             strcmp(exprs[i]->def->name, "Max") == 0);
        if (empty || rc != DORM_STEP_ROW)
            vals[i] = count ? dorm_v_int(0) : dorm_v_null();
        else if (dorm_read__value(qs->cx, &qs->cx->arena, custom ? col : &fm, cs, (int)i, &vals[i]))
            rc = dorm_errcode(qs->cx);
    }
    if (cs) dorm_db__release(qs->cx->db, cs);
    dorm_sql__free(&s);
    if (rc < 0) return NULL;
    row->n = n;
    row->names = names;
    row->values = vals;
    return row;
}

const dorm_row *dorm_qs_aggregate(dorm_qs *qs, const dorm_named *const *aggs) {
    dorm_route r;
    if (start(qs) || dorm_route__qs(qs, false, &r)) return noted(qs, NULL);
    const dorm_row *row = aggregate_on(qs, aggs);
    dorm_route__leave(qs->cx, &r);
    noted(qs, NULL);
    return row;
}

void **dorm_qs_list(dorm_qs *qs, size_t *n) { return noted(qs, list_on(qs, n)); }
const dorm_row **dorm_rows(dorm_qs *qs, size_t *n) { return noted(qs, rows_on(qs, n)); }
int64_t dorm_len(dorm_qs *qs) { return noted_n(qs, len_on(qs)); }
int64_t dorm_count(dorm_qs *qs) { return noted_n(qs, count_on(qs)); }
int dorm_exists(dorm_qs *qs) { return (int)noted_n(qs, exists_on(qs)); }
int dorm_contains(dorm_qs *qs, const void *obj) { return (int)noted_n(qs, contains_on(qs, obj)); }
void *dorm_qs_get(dorm_qs *qs, const dorm_q *const *conds) { return noted(qs, get_on(qs, conds)); }
void *dorm_first(dorm_qs *qs) { return noted(qs, first_on(qs)); }
void *dorm_last(dorm_qs *qs) { return noted(qs, last_on(qs)); }
dorm_map *dorm_in_bulk(dorm_qs *qs, const int64_t *ids, size_t n) { return noted(qs, in_bulk_on(qs, ids, n)); }
dorm_map *dorm_in_bulk_keys(dorm_qs *qs, const dorm_value *keys, size_t n) {
    return noted(qs, in_bulk_keys_on(qs, keys, n));
}
