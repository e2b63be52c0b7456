/* json.c - JSONField keys and lookups, as Django's fields/json.py: the key
 * node (KeyTransform, KeyTextTransform) whose chains collapse into one bound
 * path, the JSON text the lookups bind (None is JSON null), and how has_key,
 * isnull on a key, exact and in are written on each backend. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query/compiler.h"

static const dorm_rexpr *unref(const dorm_rexpr *e) {
    while (e && e->ops == &dorm_node_ref) e = e->target;
    return e;
}

/* e as a key node (through annotation references), or NULL. */
static const dorm_rexpr *as_key(const dorm_rexpr *e) {
    e = unref(e);
    return e && e->ops == &dorm_node_key ? e : NULL;
}

/* A chain of keys collapsed (Django's preprocess_lhs): the JSON they are
 * keys of and the keys, outermost last. */
typedef struct chain {
    const dorm_rexpr *base;
    const char **keys;
    size_t n;
} chain;

static bool collapse(dorm_ctx *cx, const dorm_rexpr *e, chain *c) {
    size_t n = 0;
    for (const dorm_rexpr *k = as_key(e); k; k = as_key(k->args[0])) n++;
    c->keys = dorm_arena__alloc(&cx->arena, sizeof *c->keys * (n ? n : 1));
    if (!c->keys) return false;
    c->n = n;
    const dorm_rexpr *k = as_key(e);
    for (size_t i = n; i > 0; i--) {
        c->keys[i - 1] = k->key;
        c->base = k->args[0];
        k = as_key(k->args[0]);
    }
    return true;
}

bool dorm_json_index(const char *key, int64_t *out) {
    const char *p = key + (key[0] == '-' || key[0] == '+');
    if (!*p) return false;
    for (const char *q = p; *q; q++)
        if (*q < '0' || *q > '9') return false;
    char *end;
    errno = 0;
    long long v = strtoll(key, &end, 10);
    if (errno || *end) return false;
    *out = v;
    return true;
}

/* The next code point of UTF-8 text at *p (advanced); a byte that starts no
 * valid sequence is taken as itself. */
static uint32_t next_cp(const unsigned char **p) {
    const unsigned char *s = *p;
    int len = s[0] < 0x80 ? 1 : (s[0] >> 5) == 6 ? 2 : (s[0] >> 4) == 14 ? 3 : (s[0] >> 3) == 30 ? 4 : 0;
    uint32_t cp = len == 1 ? s[0] : len == 2 ? s[0] & 0x1f : len == 3 ? s[0] & 0x0f : s[0] & 0x07;
    for (int i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            len = 0;
            break;
        }
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if (!len) {
        (*p)++;
        return s[0];
    }
    *p += len;
    return cp;
}

/* Python's json.dumps(key): a quoted string, ASCII only. */
static void dumps_string(dorm_buf *out, const char *key) {
    dorm_buf_putc(out, '"');
    for (const unsigned char *p = (const unsigned char *)key; *p;) {
        uint32_t c = next_cp(&p);
        switch (c) {
        case '"': dorm_buf_puts(out, "\\\""); continue;
        case '\\': dorm_buf_puts(out, "\\\\"); continue;
        case '\n': dorm_buf_puts(out, "\\n"); continue;
        case '\r': dorm_buf_puts(out, "\\r"); continue;
        case '\t': dorm_buf_puts(out, "\\t"); continue;
        case '\b': dorm_buf_puts(out, "\\b"); continue;
        case '\f': dorm_buf_puts(out, "\\f"); continue;
        default: break;
        }
        if (c >= 0x20 && c < 0x7f) {
            dorm_buf_putc(out, (char)c);
        } else if (c < 0x10000) {
            dorm_buf_printf(out, "\\u%04x", (unsigned)c);
        } else {
            c -= 0x10000;
            dorm_buf_printf(out, "\\u%04x\\u%04x", (unsigned)(0xd800 | (c >> 10)), (unsigned)(0xdc00 | (c & 0x3ff)));
        }
    }
    dorm_buf_putc(out, '"');
}

void dorm_json_path(dorm_buf *out, const char *const *keys, size_t n, bool root) {
    if (root) dorm_buf_putc(out, '$');
    for (size_t i = 0; i < n; i++) {
        int64_t idx;
        if (dorm_json_index(keys[i], &idx)) {
            dorm_buf_printf(out, "[%lld]", (long long)idx);
        } else {
            dorm_buf_putc(out, '.');
            dumps_string(out, keys[i]);
        }
    }
}

/* ---- the key node ---- */

typedef struct kwriter {
    dorm_sqlw w;
    dorm_sql *s;
    const dorm_qs *qs;
    const dorm_rexpr *base;
} kwriter;

static void kw_arg(dorm_sqlw *w, int i) {
    kwriter *k = w->impl;
    if (i == 0) dorm_rexpr_sql(k->s, k->qs, k->base);
}

static void kw_param(dorm_sqlw *w, const dorm_value *v) { dorm_sql__param(((kwriter *)w->impl)->s, v); }

static void kw_text_param(dorm_sqlw *w, const char *s, size_t n) {
    dorm_sql__text_param(((kwriter *)w->impl)->s, s, n);
}

/* Templates of the json rows: %1 the JSON. */
static void kw_tmpl(dorm_sqlw *w, const char *sql) {
    for (const char *p = sql ? sql : ""; *p; p++) {
        if (p[0] == '%' && p[1] == '1') {
            w->arg(w, 0);
            p++;
        } else {
            dorm_buf_putc(w->out, *p);
        }
    }
}

static void key_sql(dorm_sql *s, const dorm_qs *qs, const dorm_rexpr *e) {
    chain c;
    if (!collapse(s->cx, e, &c)) {
        s->failed = true;
        return;
    }
    kwriter k = {.s = s, .qs = qs, .base = c.base};
    k.w = (dorm_sqlw){.out = &s->text,
                      .nargs = 1,
                      .kind = e->out,
                      .arg = kw_arg,
                      .param = kw_param,
                      .tmpl = kw_tmpl,
                      .impl = &k,
                      .text_param = kw_text_param};
    s->d->json->key(&k.w, c.keys, c.n, e->key_text);
}

const dorm_node_ops dorm_node_key = {key_sql};

dorm_rexpr *dorm_rexpr__key(dorm_qs *qs, const dorm_rexpr *base, const char *key, size_t n, bool text) {
    dorm_rexpr *r = dorm_alloc(qs->cx, sizeof *r);
    const dorm_rexpr **args = dorm_alloc(qs->cx, sizeof *args);
    char *name = dorm_alloc(qs->cx, n + 1);
    if (!r || !args || !name) return NULL;
    memset(r, 0, sizeof *r);
    memcpy(name, key, n);
    name[n] = '\0';
    args[0] = base;
    r->ops = &dorm_node_key;
    r->nargs = 1;
    r->args = args;
    r->key = name;
    r->key_text = text;
    /* Django 3.2 keeps JSONField as a KeyTextTransform's output (and then
     * compares its text with JSON text); dorm reads and compares it as the
     * text it is, as Django 4.2's KT() does. */
    r->out = r->vkind = text ? DORM_KIND_TEXT : DORM_KIND_JSON;
    r->aggregate = base->aggregate;
    return r;
}

bool dorm_rexpr__json_unwrapped(const dorm_qs *qs, const dorm_rexpr *e) {
    const dorm_json_sql *j = qs->cx->db->dialect->json;
    return j && !j->native && e && e->vkind == DORM_KIND_JSON && !dorm_rexpr_is_col(unref(e));
}

int dorm_rexpr__read_as(const dorm_qs *qs, const dorm_rexpr *e, const char **zone) {
    *zone = NULL;
    if (dorm_rexpr__json_unwrapped(qs, e)) return DORM_READ_JSON_UNWRAPPED;
    return dorm_rexpr__wall_time(e, zone) ? DORM_READ_WALL_TIME : DORM_READ_PLAIN;
}

/* ---- values the JSON lookups bind ---- */

static const char *python_type(dorm_type t) {
    switch (t) {
    case DORM_T_DECIMAL: return "Decimal";
    case DORM_T_DATE: return "date";
    case DORM_T_DATETIME: return "datetime";
    case DORM_T_TIME: return "time";
    case DORM_T_UUID: return "UUID";
    case DORM_T_BYTES: return "bytes";
    case DORM_T_DURATION: return "timedelta";
    default: return "object";
    }
}

/* Python's repr of a float, the shortest text that reads back as it. */
static void float_text(char *out, size_t size, double f) {
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(out, size, "%.*g", prec, f);
        if (strtod(out, NULL) == f) break;
    }
    if (!strpbrk(out, ".eEn")) strncat(out, ".0", size - strlen(out) - 1);
}

/* The JSON text v stands for (Django's JSONField.get_prep_value): a string
 * is JSON text already (as a JSONField's member is), numbers and booleans
 * are written as JSON, None is JSON null. */
static int json_text(dorm_qs *qs, const dorm_value *v, const char *path, dorm_value *out) {
    char tmp[40];
    switch (v->type) {
    case DORM_T_NULL: *out = dorm_v_text("null"); return DORM_OK;
    case DORM_T_BOOL: *out = dorm_v_text(v->u.b ? "true" : "false"); return DORM_OK;
    case DORM_T_INT: snprintf(tmp, sizeof tmp, "%lld", (long long)v->u.i); break;
    case DORM_T_FLOAT:
        if (!isfinite(v->u.f))
            return dorm_qs__fail(qs, DORM_EVALUE, "Out of range float values are not JSON compliant")->err;
        float_text(tmp, sizeof tmp, v->u.f);
        break;
    case DORM_T_TEXT: {
        size_t n = v->len == DORM_STRLEN ? strlen(v->u.s) : v->len;
        json_error_t err;
        json_t *j = json_loadb(v->u.s, n, JSON_DECODE_ANY, &err);
        if (!j)
            return dorm_qs__fail(qs, DORM_EVALUE,
                                 "The value of '%s' is not JSON text: '%.40s' (a JSONField's values are JSON: "
                                 "\"\\\"web\\\"\" for the string web).",
                                 path, v->u.s)
                ->err;
        json_decref(j);
        *out = *v;
        return DORM_OK;
    }
    default:
        return dorm_qs__fail(qs, DORM_EVALUE, "Object of type %s is not JSON serializable", python_type(v->type))->err;
    }
    char *copy = dorm_strdup(qs->cx, tmp);
    if (!copy) return DORM_ENOMEM;
    *out = dorm_v_text(copy);
    return DORM_OK;
}

/* What a backend without native JSON compares a key with for gt/lt (Django's
 * KeyTransformNumericLookupMixin: json.loads of the JSON text): the number,
 * string or boolean it holds; an array or object stays JSON text. */
static int decoded(dorm_qs *qs, dorm_value *v) {
    json_t *j = json_loadb(v->u.s, v->len == DORM_STRLEN ? strlen(v->u.s) : v->len, JSON_DECODE_ANY, NULL);
    if (!j) return DORM_OK;
    int rc = DORM_OK;
    if (json_is_integer(j)) {
        *v = dorm_v_int(json_integer_value(j));
    } else if (json_is_real(j)) {
        *v = dorm_v_float(json_real_value(j));
    } else if (json_is_boolean(j)) {
        *v = dorm_v_bool(json_is_true(j));
    } else if (json_is_null(j)) {
        *v = dorm_v_null();
    } else if (json_is_string(j)) {
        char *s = dorm_alloc(qs->cx, json_string_length(j) + 1);
        if (!s)
            rc = DORM_ENOMEM;
        else {
            memcpy(s, json_string_value(j), json_string_length(j) + 1);
            *v = dorm_v_textn(s, json_string_length(j));
        }
    }
    json_decref(j);
    return rc;
}

/* A key name for has_key & co. (Django str()s them). */
static int key_name(dorm_qs *qs, const dorm_value *v, const char *path, dorm_value *out) {
    if (v->type == DORM_T_TEXT) {
        *out = *v;
        return DORM_OK;
    }
    if (v->type != DORM_T_INT) return dorm_qs__fail(qs, DORM_EVALUE, "The keys of '%s' must be strings.", path)->err;
    char *s = dorm_sprintf(qs->cx, "%lld", (long long)v->u.i);
    if (!s) return DORM_ENOMEM;
    *out = dorm_v_text(s);
    return DORM_OK;
}

static int list_of(dorm_qs *qs, const dorm_value *v, const char *path, bool keys, dorm_value *out) {
    if (v->type != DORM_T_LIST || (v->len && !v->u.list))
        return dorm_qs__fail(qs, DORM_EVALUE, "The value of '%s' must be a list (DLIST or dorm_v_list).", path)->err;
    dorm_value *items = dorm_alloc(qs->cx, sizeof *items * (v->len ? v->len : 1));
    if (!items) return DORM_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < v->len; i++) {
        const dorm_value *x = &v->u.list[i];
        /* In drops None (Django's In.process_rhs). */
        if (!keys && x->type == DORM_T_NULL) continue;
        int rc = keys ? key_name(qs, x, path, &items[n]) : json_text(qs, x, path, &items[n]);
        if (rc) return rc;
        n++;
    }
    *out = dorm_v_list(items, n);
    return DORM_OK;
}

static bool is_text_lookup(dorm_lookup lk) {
    return (lk >= DORM_LK_IEXACT && lk <= DORM_LK_IENDSWITH) || lk == DORM_LK_REGEX || lk == DORM_LK_IREGEX;
}

int dorm_json__leaf(dorm_qs *qs, dorm_where *w, const dorm_value *v, const char *path, bool *handled) {
    const dorm_json_sql *j = qs->cx->db->dialect->json;
    const dorm_rexpr *key = as_key(w->lhs);
    int rc = DORM_OK;
    *handled = false;
    if (key && is_text_lookup(w->lookup)) {
        /* Django's KeyTransformTextLookupMixin: the key compared as text. */
        if (!key->key_text && !(w->lhs = dorm_rexpr__key(qs, key->args[0], key->key, strlen(key->key), true)))
            return DORM_ENOMEM;
        return DORM_OK;
    }
    switch (w->lookup) {
    case DORM_LK_HAS_KEY: rc = key_name(qs, v, path, &w->rhs); break;
    case DORM_LK_HAS_KEYS:
    case DORM_LK_HAS_ANY_KEYS:
        rc = list_of(qs, v, path, true, &w->rhs);
        if (!rc && !w->rhs.len) w->kind = DORM_W_NOTHING;
        break;
    case DORM_LK_ISNULL:
        if (!key) return DORM_OK;
        if (v->type != DORM_T_BOOL && !(v->type == DORM_T_INT && (v->u.i == 0 || v->u.i == 1)))
            return dorm_qs__fail(qs, DORM_EVALUE, "The QuerySet value for an isnull lookup must be True or False.")
                ->err;
        w->rhs = dorm_v_bool(v->type == DORM_T_BOOL ? v->u.b : v->u.i == 1);
        break;
    case DORM_LK_IN:
        rc = list_of(qs, v, path, false, &w->rhs);
        if (!rc && !w->rhs.len) w->kind = DORM_W_NOTHING;
        break;
    case DORM_LK_RANGE:
        if (v->type != DORM_T_LIST || v->len != 2 || !v->u.list)
            return dorm_qs__fail(qs, DORM_EVALUE, "The value of '%s' must be a list of two values.", path)->err;
        if (v->u.list[0].type == DORM_T_NULL || v->u.list[1].type == DORM_T_NULL)
            return dorm_qs__fail(qs, DORM_EVALUE, "Cannot use None as a query value")->err;
        rc = list_of(qs, v, path, false, &w->rhs);
        break;
    case DORM_LK_EXACT:
        /* None is JSON null (Django's can_use_none_as_rhs); isnull=True is SQL NULL. */
        w->json_null = v->type == DORM_T_NULL;
        rc = json_text(qs, v, path, &w->rhs);
        break;
    case DORM_LK_GT:
    case DORM_LK_GTE:
    case DORM_LK_LT:
    case DORM_LK_LTE:
    case DORM_LK_JSON_CONTAINS:
    case DORM_LK_JSON_CONTAINED_BY:
        if (v->type == DORM_T_NULL) return dorm_qs__fail(qs, DORM_EVALUE, "Cannot use None as a query value")->err;
        rc = json_text(qs, v, path, &w->rhs);
        if (!rc && key && j && !j->native && w->lookup <= DORM_LK_LTE) rc = decoded(qs, &w->rhs);
        break;
    default: return DORM_OK;
    }
    if (rc) return rc;
    *handled = true;
    w->json = w->lookup == DORM_LK_EXACT || w->lookup == DORM_LK_IN || w->lookup == DORM_LK_ISNULL ||
        w->lookup >= DORM_LK_HAS_KEY || (w->lookup == DORM_LK_JSON_CONTAINED_BY && j && j->contained_by);
    return DORM_OK;
}

/* ---- writing the leaves ---- */

/* Writes a JSON path template (dorm_json_sql.has_path / type) for the JSON
 * of chain c (the column when the leaf has no key) and the path: c's keys
 * then `more` (NULL: none; "$" alone is written as a literal, as Django). */
static void path_tmpl(dorm_sql *s, const dorm_qs *qs, const dorm_where *w, const chain *c, const char *tmpl,
                      const char *more) {
    for (const char *p = tmpl; *p; p++) {
        if (p[0] != '%' || (p[1] != '1' && p[1] != '2')) {
            dorm_buf_putc(&s->text, *p);
            continue;
        }
        if (*++p == '1') {
            if (c->n)
                dorm_rexpr_sql(s, qs, c->base);
            else
                dorm_leaf__lhs(s, qs, w);
            continue;
        }
        if (!c->n && !more) {
            dorm_buf_puts(&s->text, "'$'");
            continue;
        }
        dorm_buf path = DORM_BUF_INIT;
        dorm_json_path(&path, c->keys, c->n, true);
        if (more) dorm_json_path(&path, &more, 1, false);
        if (path.failed) s->failed = true;
        dorm_sql__text_param(s, path.data ? path.data : "", path.len);
        dorm_buf_free(&path);
    }
}

/* A bound JSON text compared with a key (with the column too where exact
 * binds it as a value): as a JSON value where the dialect needs it
 * ("JSON_EXTRACT(%s, '$')"); `in`: an item of in. */
static void json_value(dorm_sql *s, const chain *c, const dorm_value *v, bool in) {
    const dorm_json_sql *j = s->d->json;
    const char *t = c->n || j->exact_as_value ? (in && j->in_value ? j->in_value : j->value) : NULL;
    const char *p = t ? strstr(t, "%s") : NULL;
    if (p) dorm_buf_put(&s->text, t, (size_t)(p - t));
    dorm_sql__param(s, v);
    if (p) dorm_buf_puts(&s->text, p + 2);
}

static void has_keys_sql(dorm_sql *s, const dorm_qs *qs, const dorm_where *w, const chain *c) {
    const dorm_value *keys = w->lookup == DORM_LK_HAS_KEY ? &w->rhs : w->rhs.u.list;
    size_t n = w->lookup == DORM_LK_HAS_KEY ? 1 : w->rhs.len;
    const char *tmpl = s->d->json->has_path;
    if (!tmpl) {
        /* "lhs ? key", "lhs ?& keys": the keys as an array parameter. */
        dorm_leaf__lhs(s, qs, w);
        dorm_buf_putc(&s->text, ' ');
        const char *op = s->d->operators[w->lookup], *p = strstr(op, "%s");
        dorm_buf_put(&s->text, op, p ? (size_t)(p - op) : strlen(op));
        if (w->lookup == DORM_LK_HAS_KEY) {
            dorm_sql__param(s, &w->rhs);
        } else {
            dorm_buf arr = DORM_BUF_INIT;
            if (!s->d->array_param || !s->d->array_param(&arr, keys, n) || arr.failed) s->failed = true;
            dorm_sql__text_param(s, arr.data ? arr.data : "", arr.len);
            dorm_buf_free(&arr);
        }
        if (p) dorm_buf_puts(&s->text, p + 2);
        return;
    }
    bool many = w->lookup != DORM_LK_HAS_KEY;
    if (many) dorm_buf_putc(&s->text, '(');
    for (size_t i = 0; i < n; i++) {
        if (i) dorm_buf_puts(&s->text, w->lookup == DORM_LK_HAS_KEYS ? " AND " : " OR ");
        path_tmpl(s, qs, w, c, tmpl, keys[i].u.s);
    }
    if (many) dorm_buf_putc(&s->text, ')');
}

bool dorm_json__leaf_sql(dorm_sql *s, const dorm_qs *qs, const dorm_where *w) {
    const dorm_json_sql *j = s->d->json;
    chain c = {0};
    if (!j || !collapse(s->cx, w->lhs, &c)) {
        s->failed = true;
        return true;
    }
    switch (w->lookup) {
    case DORM_LK_HAS_KEY:
    case DORM_LK_HAS_KEYS:
    case DORM_LK_HAS_ANY_KEYS: has_keys_sql(s, qs, w, &c); return true;
    case DORM_LK_ISNULL:
        /* Django's KeyTransformIsNull on a JSON path backend: whether the
         * path is there. */
        if (!j->type) return false;
        path_tmpl(s, qs, w, &c, j->type, NULL);
        dorm_buf_puts(&s->text, w->rhs.u.b ? " IS NULL" : " IS NOT NULL");
        return true;
    case DORM_LK_EXACT:
        if (w->json_null && j->type && !j->exact_as_value) {
            /* JSON null: the type at the path is 'null' (Django's JSON_TYPE). */
            path_tmpl(s, qs, w, &c, j->type, NULL);
            dorm_buf_puts(&s->text, " = ");
            dorm_sql__param(s, &w->rhs);
            return true;
        }
        dorm_leaf__lhs(s, qs, w);
        dorm_buf_puts(&s->text, " = ");
        json_value(s, &c, &w->rhs, false);
        return true;
    case DORM_LK_IN:
        dorm_leaf__lhs(s, qs, w);
        dorm_buf_puts(&s->text, " IN (");
        for (size_t i = 0; i < w->rhs.len; i++) {
            if (i) dorm_buf_puts(&s->text, ", ");
            json_value(s, &c, &w->rhs.u.list[i], true);
        }
        dorm_buf_putc(&s->text, ')');
        return true;
    case DORM_LK_JSON_CONTAINED_BY:
        for (const char *p = j->contained_by; *p; p++) {
            if (p[0] == '%' && (p[1] == '1' || p[1] == '2')) {
                if (*++p == '1')
                    dorm_leaf__lhs(s, qs, w);
                else
                    dorm_sql__param(s, &w->rhs);
            } else {
                dorm_buf_putc(&s->text, *p);
            }
        }
        return true;
    default: return false;
    }
}

/* The lookups Django's lookup_cast wraps (its BuiltinLookups). */
static bool casts(dorm_lookup lk) { return lk <= DORM_LK_RANGE || lk == DORM_LK_REGEX || lk == DORM_LK_IREGEX; }

static bool folding(dorm_lookup lk) {
    return lk == DORM_LK_IEXACT || lk == DORM_LK_ICONTAINS || lk == DORM_LK_ISTARTSWITH || lk == DORM_LK_IENDSWITH ||
        lk == DORM_LK_IREGEX;
}

bool dorm_json__folds(const dorm_sql *s, const dorm_where *w) {
    const dorm_json_sql *j = s->d->json;
    const dorm_rexpr *k = as_key(w->lhs);
    return j && j->fold_case && k && k->key_text && folding(w->lookup);
}

const char *dorm_json__lhs_cast(const dorm_sql *s, const dorm_where *w) {
    const dorm_json_sql *j = s->d->json;
    if (!j || w->lookup >= DORM_LK__COUNT || !casts(w->lookup)) return NULL;
    if (dorm_json__folds(s, w)) return "LOWER(%s)";
    dorm_kind kind = w->lhs ? w->lhs->vkind : w->field ? w->field->value_kind : DORM_KIND_TEXT;
    return kind == DORM_KIND_JSON ? j->lookup_cast : NULL;
}
