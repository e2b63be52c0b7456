/* keyset.c - keyset (cursor) pagination: the page after (or before) a row
 * of an ordered QuerySet, found by comparing the ordering's columns with
 * that row's values instead of skipping an OFFSET, with the primary key as
 * the last tiebreaker.  The row travels as an opaque token: hex of a JSON
 * array ["n" or "p", ordering, values...] whose values are checked against
 * the fields and only ever bound. */
#include <jansson.h>
#include <string.h>

#include "exec/exec.h"
#include "core/alloc.h"
#include "core/chars.h"

#define MAX_KEYS 16

/* The ordering of a keyset: fields of the model and their directions, the
 * primary key last, and its text ("title,-id") that tokens carry. */
typedef struct keys {
    const dorm_fmeta *f[MAX_KEYS];
    bool desc[MAX_KEYS];
    int n;
    const char *spec;
} keys;

static int refuse(dorm_ctx *cx, const char *why) {
    return dorm_ctx_fail(cx, DORM_EVALUE, "Keyset pagination %s.", why);
}

static int add_key(dorm_ctx *cx, keys *k, const dorm_fmeta *fm, bool desc) {
    for (int i = 0; i < k->n; i++)
        if (k->f[i] == fm) return DORM_OK;
    if (k->n == MAX_KEYS) return refuse(cx, "orders by at most 16 fields");
    if (fm->f->null)
        return dorm_ctx_fail(cx, DORM_EVALUE, "Keyset pagination needs non-null ordering fields: '%s' is nullable.",
                             fm->f->name);
    if (fm->f->kind == DORM_KIND_BINARY || fm->f->kind == DORM_KIND_JSON)
        return dorm_ctx_fail(cx, DORM_EVALUE, "Keyset pagination cannot order by '%s' (a %s).", fm->f->name,
                             dorm_kind__name(fm->f->kind));
    k->f[k->n] = fm;
    k->desc[k->n++] = desc;
    return DORM_OK;
}

/* The QuerySet's ordering (order_by, else Meta.ordering) plus the pk. */
static int ordering_keys(dorm_qs *qs, keys *k) {
    dorm_ctx *cx = qs->cx;
    dorm_qs tmp = *qs;
    const char *const *meta = qs->meta->ordering;
    if (!qs->ordered_explicitly && meta && meta[0] && dorm_order__resolve(&tmp, meta)) return dorm_errcode(cx);
    if (tmp.norder == 0) return refuse(cx, "needs an ordered QuerySet (order_by() or Meta.ordering)");
    k->n = 0;
    for (int i = 0; i < tmp.norder; i++) {
        const dorm_order *o = &tmp.order[i];
        /* A multi-table parent's fields are the model's own (read from its copy). */
        bool inherited = o->field && o->alias != 0 && dorm_inherit__selected(&tmp, o->alias, o->field);
        if (o->random || o->ref || o->expr || (o->alias != 0 && !inherited) || !o->field)
            return refuse(cx,
                          "orders by fields of the model itself only (no relations, annotations, transforms "
                          "or random order)");
        int rc = add_key(cx, k, inherited ? dorm_field_in(qs->meta, o->field) : o->field, o->desc);
        if (rc) return rc;
    }
    /* The key last (a composite key: each part). */
    const dorm_fmeta *pk = qs->meta->pk;
    int rc = DORM_OK;
    for (int i = 0; dorm_fmeta_composite(pk) && i < pk->nparts && !rc; i++) rc = add_key(cx, k, pk->parts[i], false);
    if (!dorm_fmeta_composite(pk)) rc = add_key(cx, k, pk, false);
    if (rc) return rc;
    dorm_buf b = DORM_BUF_INIT;
    for (int i = 0; i < k->n; i++) dorm_buf_printf(&b, "%s%s%s", i ? "," : "", k->desc[i] ? "-" : "", k->f[i]->attname);
    k->spec = b.failed ? NULL : dorm_strdup(cx, b.data);
    dorm_buf_free(&b);
    return k->spec ? DORM_OK : DORM_ENOMEM;
}

/* ---- tokens ------------------------------------------------------------------ */

static json_t *json_of(const dorm_value *v) {
    char tmp[DORM_FMT_MAX];
    switch (v->type) {
    case DORM_T_INT: return json_integer(v->u.i);
    case DORM_T_FLOAT: return json_real(v->u.f);
    case DORM_T_BOOL: return json_boolean(v->u.b);
    case DORM_T_TEXT:
        return json_stringn(v->u.s ? v->u.s : "", v->len == DORM_STRLEN && v->u.s ? strlen(v->u.s) : v->len);
    case DORM_T_DATE: return json_stringn(tmp, dorm_date_format(v->u.date, tmp));
    case DORM_T_TIME: return json_stringn(tmp, dorm_time_format(v->u.time, tmp));
    case DORM_T_DATETIME: return json_stringn(tmp, dorm_datetime_format(v->u.dt, tmp));
    case DORM_T_DECIMAL: return json_stringn(tmp, dorm_decimal_format(v->u.dec, tmp));
    case DORM_T_UUID: return json_stringn(tmp, dorm_uuid_format(v->u.uuid, tmp));
    case DORM_T_DURATION: return json_stringn(tmp, dorm_duration_format(v->u.dur, tmp));
    default: return NULL;
    }
}

/* The token of obj's row: which way it leads ("n": the rows after it, "p":
 * the rows before it), the ordering, the row's values. */
static const char *token(dorm_ctx *cx, const keys *k, const void *obj, const char *way) {
    json_t *a = json_array();
    int bad = !a || json_array_append_new(a, json_string(way)) || json_array_append_new(a, json_string(k->spec));
    for (int i = 0; !bad && i < k->n; i++) {
        dorm_value v = dorm_field__get(obj, k->f[i]);
        bad = json_array_append_new(a, json_of(&v));
    }
    char *text = bad ? NULL : json_dumps(a, JSON_COMPACT);
    json_decref(a);
    char *hex = text ? dorm_alloc(cx, strlen(text) * 2 + 1) : NULL;
    for (size_t i = 0; hex && text[i]; i++) {
        static const char digits[] = "0123456789abcdef";
        hex[2 * i] = digits[(unsigned char)text[i] >> 4];
        hex[2 * i + 1] = digits[(unsigned char)text[i] & 15];
        hex[2 * i + 2] = '\0';
    }
    dorm_mem__free(text);
    if (!hex) dorm_ctx_fail(cx, DORM_ENOMEM, "out of memory");
    return hex;
}

static int invalid(dorm_ctx *cx) {
    return dorm_ctx_fail(cx, DORM_EVALUE, "Invalid cursor: it is not a token of a page of this QuerySet's ordering.");
}

/* Reads a token back: its way and the row's values, prepared for their
 * fields.  0, or DORM_EVALUE "Invalid cursor". */
static int read_token(dorm_ctx *cx, const keys *k, const char *cursor, bool *before, dorm_value *vals) {
    size_t n = strlen(cursor);
    if (n == 0 || n % 2 || n > 65536) return invalid(cx);
    char *text = dorm_alloc(cx, n / 2 + 1);
    if (!text) return DORM_ENOMEM;
    for (size_t i = 0; i < n / 2; i++) {
        int hi = dorm_hex_value(cursor[2 * i]), lo = dorm_hex_value(cursor[2 * i + 1]);
        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) return invalid(cx);
        text[i] = (char)(hi * 16 + lo);
    }
    text[n / 2] = '\0';
    json_t *a = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
    const char *way = json_string_value(json_array_get(a, 0)), *spec = json_string_value(json_array_get(a, 1));
    int rc = a && json_is_array(a) && json_array_size(a) == (size_t)k->n + 2 && way && spec &&
            strcmp(spec, k->spec) == 0 && (strcmp(way, "n") == 0 || strcmp(way, "p") == 0)
        ? DORM_OK
        : DORM_EVALUE;
    if (!rc) *before = way[0] == 'p';
    for (int i = 0; !rc && i < k->n; i++) {
        json_t *j = json_array_get(a, (size_t)i + 2);
        dorm_value v;
        if (json_is_integer(j))
            v = dorm_v_int(json_integer_value(j));
        else if (json_is_real(j))
            v = dorm_v_float(json_real_value(j));
        else if (json_is_boolean(j))
            v = dorm_v_bool(json_is_true(j));
        else if (json_is_string(j))
            v = dorm_v_text(dorm_strdup(cx, json_string_value(j)));
        else
            rc = DORM_EVALUE;
        if (!rc && (dorm_prep__value(cx, k->f[i], k->f[i]->value_kind, &v, &vals[i]) || vals[i].type == DORM_T_NULL))
            rc = DORM_EVALUE;
    }
    json_decref(a);
    return rc ? invalid(cx) : DORM_OK;
}

/* ---- the condition -------------------------------------------------------------- */

static dorm_q *leaf(dorm_ctx *cx, const dorm_fmeta *fm, const char *lookup, dorm_value v) {
    dorm_q *q = dorm_alloc(cx, sizeof *q);
    const char *path = dorm_sprintf(cx, "%s__%s", fm->attname, lookup);
    if (!q || !path) return NULL;
    *q = (dorm_q){DORM_Q_LEAF, path, v, NULL};
    return q;
}

static dorm_q *group(dorm_ctx *cx, dorm_q_kind kind, const dorm_q **kids, int n) {
    dorm_q *q = dorm_alloc(cx, sizeof *q);
    const dorm_q **list = dorm_alloc(cx, sizeof *list * (size_t)(n + 1));
    if (!q || !list) return NULL;
    memcpy(list, kids, sizeof *list * (size_t)n);
    list[n] = NULL;
    *q = (dorm_q){kind, NULL, {DORM_T_NONE, 0, {0}}, list};
    return q;
}

/* Rows after `vals` in the ordering (before it: `flip`): the first key's
 * range, which an index on it serves, then the exact comparison
 * (a > x) OR (a = x AND b > y) OR ... */
static const dorm_q *after(dorm_ctx *cx, const keys *k, const dorm_value *vals, bool flip) {
    const dorm_q *alts[MAX_KEYS], *terms[MAX_KEYS + 1];
    for (int i = 0; i < k->n; i++) {
        int nt = 0;
        for (int j = 0; j < i; j++)
            if (!(terms[nt++] = leaf(cx, k->f[j], "exact", vals[j]))) return NULL;
        if (!(terms[nt++] = leaf(cx, k->f[i], k->desc[i] != flip ? "lt" : "gt", vals[i]))) return NULL;
        if (!(alts[i] = nt == 1 ? terms[0] : group(cx, DORM_Q_AND, terms, nt))) return NULL;
    }
    const dorm_q *exact = k->n == 1 ? alts[0] : group(cx, DORM_Q_OR, alts, k->n);
    if (k->n == 1 || !exact) return exact;
    const dorm_q *both[2] = {leaf(cx, k->f[0], k->desc[0] != flip ? "lte" : "gte", vals[0]), exact};
    return both[0] ? group(cx, DORM_Q_AND, both, 2) : NULL;
}

/* order_by() of the keys, reversed with `flip`. */
static dorm_qs *order_keys(dorm_qs *qs, const keys *k, bool flip) {
    const char *names[MAX_KEYS + 1];
    for (int i = 0; i < k->n; i++)
        if (!(names[i] = dorm_sprintf(qs->cx, "%s%s", k->desc[i] != flip ? "-" : "", k->f[i]->attname))) return NULL;
    names[k->n] = NULL;
    return dorm_qs_order_by(qs, names);
}

dorm_keyset_page *dorm_keyset_paginate(dorm_qs *qs, int64_t per_page, const char *cursor) {
    if (!qs) return NULL;
    dorm_ctx *cx = qs->cx;
    dorm_error_clear(cx);
    if (qs->err) {
        dorm_qs__reraise(qs);
        return NULL;
    }
    keys k;
    dorm_value vals[MAX_KEYS];
    bool before = false;
    int rc = per_page < 1               ? refuse(cx, "needs a positive per_page")
        : qs->low > 0 || qs->high >= 0  ? refuse(cx, "cannot start from a sliced QuerySet")
        : qs->mode != DORM_MODE_OBJECTS ? refuse(cx, "reads model objects, not values()")
                                        : ordering_keys(qs, &k);
    if (!rc && cursor) rc = read_token(cx, &k, cursor, &before, vals);
    if (rc) return NULL;
    dorm_qs *page = qs;
    if (cursor) {
        const dorm_q *cond = after(cx, &k, vals, before);
        if (!cond) return NULL;
        page = dorm_qs_filter(page, (const dorm_q *const[]){cond, NULL});
    }
    /* One row more than the page tells whether another page follows. */
    size_t n;
    void **objs = dorm_list(dorm_slice(order_keys(page, &k, before), 0, per_page + 1), &n);
    dorm_keyset_page *out = objs ? dorm_alloc(cx, sizeof *out) : NULL;
    if (!out) return NULL;
    bool more = n > (size_t)per_page;
    if (more) n = (size_t)per_page;
    objs[n] = NULL;
    if (before)
        for (size_t i = 0; i < n / 2; i++) {
            void *t = objs[i];
            objs[i] = objs[n - 1 - i];
            objs[n - 1 - i] = t;
        }
    out->objects = objs;
    out->n = n;
    /* Going forward, more rows mean a next page and a cursor means a page
     * before; going back, the reverse. */
    bool has_next = before ? n > 0 : more, has_prev = before ? more : cursor != NULL && n > 0;
    out->next = has_next ? token(cx, &k, objs[n - 1], "n") : NULL;
    out->previous = has_prev ? token(cx, &k, objs[0], "p") : NULL;
    if ((has_next && !out->next) || (has_prev && !out->previous)) return NULL;
    return out;
}
