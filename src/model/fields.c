/* fields.c - a model object's fields as values: reading members into
 * dorm_values, writing prepared values into members, defaults, primary keys,
 * null bits, and get_FOO_display. */
#include <stdio.h>
#include <string.h>

#include "core/ctx.h"
#include "model/custom.h"
#include "model/messages.h"

void dorm_object__init(void *obj, const dorm_meta *m, struct dorm_ctx *cx, uint32_t flags) {
    dorm_object *h = obj;
    h->model = m->model;
    h->meta = m;
    h->cx = cx;
    h->flags = flags;
}

void *dorm_parent__view(void *obj) {
    dorm_object *h = obj;
    const dorm_meta *m = h->meta;
    if (!m->parent) return NULL;
    dorm_object *v = (dorm_object *)((char *)obj + m->parent_offset);
    dorm_object__init(v, m->parent, h->cx, h->flags);
    /* The parent's fields are the child's first: the same bits. */
    uint64_t mask = m->parent->nfields >= 64 ? ~(uint64_t)0 : (((uint64_t)1 << m->parent->nfields) - 1);
    v->nulls = h->nulls & mask;
    v->deferred = h->deferred & mask;
    v->ext = NULL;
    return v;
}

dorm_value dorm_member__value(const dorm_fmeta *fm, const void *p) {
    switch (fm->f->kind) {
    case DORM_KIND_AUTO:
    case DORM_KIND_BIGAUTO:
    case DORM_KIND_BIGINT: return dorm_v_int(*(const int64_t *)p);
    case DORM_KIND_INT:
    case DORM_KIND_POSINT: return dorm_v_int(*(const int32_t *)p);
    case DORM_KIND_SMALLINT:
    case DORM_KIND_POSSMALLINT: return dorm_v_int(*(const int16_t *)p);
    case DORM_KIND_BOOL: return dorm_v_bool(*(const bool *)p);
    case DORM_KIND_FLOAT: return dorm_v_float(*(const double *)p);
    case DORM_KIND_CHAR:
    case DORM_KIND_TEXT:
    case DORM_KIND_SLUG:
    case DORM_KIND_EMAIL:
    case DORM_KIND_URL:
    case DORM_KIND_JSON:
    case DORM_KIND_FILE:
    case DORM_KIND_IMAGE: return dorm_v_text(*(const char *const *)p);
    case DORM_KIND_DATE: return dorm_v_date(*(const dorm_date *)p);
    case DORM_KIND_DATETIME: return dorm_v_datetime(*(const dorm_datetime *)p);
    case DORM_KIND_TIME: return dorm_v_time(*(const dorm_time *)p);
    case DORM_KIND_DECIMAL: return dorm_v_decimal(*(const dorm_decimal *)p);
    case DORM_KIND_UUID: return dorm_v_uuid(*(const dorm_uuid *)p);
    case DORM_KIND_BINARY: return dorm_v_bytes(*(const dorm_bytes *)p);
    case DORM_KIND_DURATION: return dorm_v_duration(*(const dorm_duration *)p);
    case DORM_KIND_FK:
        if (fm->f->text_key) return dorm_v_text(*(const char *const *)p);
        if (fm->f->uuid_key) return dorm_v_uuid(*(const dorm_uuid *)p);
        return dorm_v_int(*(const int64_t *)p);
    case DORM_KIND_CUSTOM: {
        dorm_value v = dorm_v_custom(p);
        v.len = fm->f->size;
        return v;
    }
    default: return dorm_v_null();
    }
}

dorm_value dorm_field__get(const void *obj, const dorm_fmeta *fm) {
    const dorm_object *h = obj;
    /* A member given a value after the field was NULL holds that value. */
    if ((h->nulls & ((uint64_t)1 << fm->index)) && dorm_member__is_zero(obj, fm)) return dorm_v_null();
    /* A program's type is stored as its to_db value. */
    if (fm->f->kind == DORM_KIND_CUSTOM) return dorm_custom__to_db(fm, dorm_cmember(obj, fm), h->cx);
    dorm_value v = dorm_member__value(fm, dorm_cmember(obj, fm));
    if (v.type == DORM_T_BYTES && !v.u.p && fm->f->null) return dorm_v_null();
    return v;
}

int dorm_field__set(void *obj, const dorm_fmeta *fm, const dorm_value *v) {
    dorm_object *h = obj;
    void *p = dorm_member(obj, fm);
    uint64_t bit = (uint64_t)1 << fm->index;
    if (v->type == DORM_T_NULL) {
        memset(p, 0, fm->f->size);
        h->nulls |= bit;
        return DORM_OK;
    }
    h->nulls &= ~bit;
    switch (fm->f->kind) {
    case DORM_KIND_AUTO:
    case DORM_KIND_BIGAUTO:
    case DORM_KIND_BIGINT:
        if (v->type != DORM_T_INT) break;
        *(int64_t *)p = v->u.i;
        return DORM_OK;
    case DORM_KIND_INT:
    case DORM_KIND_POSINT:
        if (v->type != DORM_T_INT) break;
        *(int32_t *)p = (int32_t)v->u.i;
        return DORM_OK;
    case DORM_KIND_SMALLINT:
    case DORM_KIND_POSSMALLINT:
        if (v->type != DORM_T_INT) break;
        *(int16_t *)p = (int16_t)v->u.i;
        return DORM_OK;
    case DORM_KIND_BOOL:
        if (v->type != DORM_T_BOOL) break;
        *(bool *)p = v->u.b;
        return DORM_OK;
    case DORM_KIND_FLOAT:
        if (v->type != DORM_T_FLOAT) break;
        *(double *)p = v->u.f;
        return DORM_OK;
    case DORM_KIND_CHAR:
    case DORM_KIND_TEXT:
    case DORM_KIND_SLUG:
    case DORM_KIND_EMAIL:
    case DORM_KIND_URL:
    case DORM_KIND_JSON:
    case DORM_KIND_FILE:
    case DORM_KIND_IMAGE:
        if (v->type != DORM_T_TEXT) break;
        *(const char **)p = v->u.s;
        return DORM_OK;
    case DORM_KIND_DATE:
        if (v->type != DORM_T_DATE) break;
        *(dorm_date *)p = v->u.date;
        return DORM_OK;
    case DORM_KIND_DATETIME:
        if (v->type != DORM_T_DATETIME) break;
        *(dorm_datetime *)p = v->u.dt;
        return DORM_OK;
    case DORM_KIND_TIME:
        if (v->type != DORM_T_TIME) break;
        *(dorm_time *)p = v->u.time;
        return DORM_OK;
    case DORM_KIND_DECIMAL:
        if (v->type != DORM_T_DECIMAL) break;
        *(dorm_decimal *)p = v->u.dec;
        return DORM_OK;
    case DORM_KIND_UUID:
        if (v->type != DORM_T_UUID) break;
        *(dorm_uuid *)p = v->u.uuid;
        return DORM_OK;
    case DORM_KIND_DURATION:
        if (v->type != DORM_T_DURATION) break;
        *(dorm_duration *)p = v->u.dur;
        return DORM_OK;
    case DORM_KIND_BINARY:
        if (v->type != DORM_T_BYTES) break;
        ((dorm_bytes *)p)->data = v->u.p;
        ((dorm_bytes *)p)->len = v->len;
        return DORM_OK;
    case DORM_KIND_FK: {
        /* A new key drops the cached object it no longer names. */
        dorm_value had = dorm_member__value(fm, p);
        if (fm->f->text_key) {
            if (v->type != DORM_T_TEXT) break;
            *(const char **)p = v->u.s;
        } else if (fm->f->uuid_key) {
            if (v->type != DORM_T_UUID) break;
            *(dorm_uuid *)p = v->u.uuid;
        } else {
            if (v->type != DORM_T_INT) break;
            *(int64_t *)p = v->u.i;
        }
        if (!dorm_value_equal(&had, v)) *dorm_fk_cache(p, fm) = NULL;
        return DORM_OK;
    }
    case DORM_KIND_CUSTOM: return dorm_custom__from_db(fm, v, p, h->cx) ? DORM_EVALUE : DORM_OK;
    default: break;
    }
    return DORM_EVALUE;
}

const void *dorm_key__bytes(const dorm_value *v, size_t *len) {
    switch (v->type) {
    case DORM_T_TEXT: *len = v->len == DORM_STRLEN ? strlen(v->u.s) : v->len; return v->u.s;
    case DORM_T_UUID: *len = sizeof v->u.uuid.bytes; return v->u.uuid.bytes;
    default: *len = sizeof v->u.i; return &v->u.i;
    }
}

bool dorm_field__has_default(const dorm_fmeta *fm) {
    return fm->f->default_fn != NULL || fm->f->default_value.type != DORM_T_NONE;
}

dorm_value dorm_field__default(const dorm_fmeta *fm) {
    if (fm->f->default_fn) return fm->f->default_fn();
    if (fm->f->default_value.type != DORM_T_NONE) return fm->f->default_value;
    if (fm->f->null) return dorm_v_null();
    if (dorm_kind_is_text(fm->f->kind)) return dorm_v_text("");
    return (dorm_value){DORM_T_NONE, 0, {.i = 0}};
}

bool dorm_member__is_zero(const void *obj, const dorm_fmeta *fm) {
    const unsigned char *p = dorm_cmember(obj, fm);
    for (size_t i = 0; i < fm->f->size; i++)
        if (p[i]) return false;
    return true;
}

dorm_value dorm_pk__value(const void *obj) {
    const dorm_meta *m = dorm_meta_of_obj(obj);
    if (!dorm_fmeta_composite(m->pk)) return dorm_field__get(obj, m->pk);
    /* Django's tuple: the values of the key's fields, in the arena. */
    const dorm_object *h = obj;
    dorm_value *parts = dorm_alloc(h->cx, sizeof(dorm_value) * (size_t)m->pk->nparts);
    if (!parts) return (dorm_value){DORM_T_NONE, 0, {.i = 0}};
    for (int i = 0; i < m->pk->nparts; i++)
        parts[i] = m->pk->parts[i] ? dorm_field__get(obj, m->pk->parts[i]) : dorm_v_null();
    return dorm_v_list(parts, (size_t)m->pk->nparts);
}

/* Whether field fm (a key or a key's part) holds a value on obj. */
static bool key_part_set(const void *obj, const dorm_fmeta *fm) {
    dorm_value v = dorm_field__get(obj, fm);
    if (v.type == DORM_T_NULL) return false;
    if (dorm_kind__is_auto(fm->f->kind)) return v.u.i != 0;
    return !dorm_member__is_zero(obj, fm);
}

bool dorm_pk__is_set(const void *obj) {
    const dorm_meta *m = dorm_meta_of_obj(obj);
    /* A composite key is set when every part is (Django: no None in the tuple). */
    for (int i = 0; dorm_fmeta_composite(m->pk) && i < m->pk->nparts; i++)
        if (!m->pk->parts[i] || dorm_field__get(obj, m->pk->parts[i]).type == DORM_T_NULL) return false;
    if (dorm_fmeta_composite(m->pk)) return true;
    return key_part_set(obj, m->pk);
}

const void *dorm_key__blob(struct dorm_ctx *cx, const dorm_value *v, size_t *len) {
    if (v->type != DORM_T_LIST) return dorm_key__bytes(v, len);
    /* Each part's bytes after its length, so that ("ab", "c") and ("a", "bc") differ. */
    size_t total = 0, n;
    for (size_t i = 0; i < v->len; i++) {
        dorm_key__bytes(&v->u.list[i], &n);
        total += sizeof n + n;
    }
    unsigned char *b = dorm_alloc(cx, total ? total : 1), *p = b;
    if (!b) return NULL;
    for (size_t i = 0; i < v->len; i++) {
        const void *k = dorm_key__bytes(&v->u.list[i], &n);
        memcpy(p, &n, sizeof n);
        memcpy(p + sizeof n, k, n);
        p += sizeof n + n;
    }
    *len = total;
    return b;
}

bool dorm_is_null_(const void *obj, const void *member) {
    const dorm_meta *m = dorm_meta_of_obj(obj);
    const dorm_fmeta *fm = m ? dorm_meta__field_at(m, obj, member) : NULL;
    return fm && dorm_field__get(obj, fm).type == DORM_T_NULL;
}

void dorm_set_null_(void *obj, const void *member, bool null) {
    const dorm_meta *m = dorm_meta_of_obj(obj);
    const dorm_fmeta *fm = m ? dorm_meta__field_at(m, obj, member) : NULL;
    if (!fm) return;
    dorm_object *h = obj;
    uint64_t bit = (uint64_t)1 << fm->index;
    if (null) {
        memset(dorm_member(obj, fm), 0, fm->f->size);
        h->nulls |= bit;
    } else {
        h->nulls &= ~bit;
    }
}

const char *dorm_display_(const void *obj, const void *member) {
    const dorm_meta *m = dorm_meta_of_obj(obj);
    const dorm_fmeta *fm = m ? dorm_meta__field_at(m, obj, member) : NULL;
    if (!fm) return NULL;
    dorm_value v = dorm_field__get(obj, fm);
    if (v.type == DORM_T_NULL) return NULL;
    for (const dorm_choice *c = fm->f->choices; c && c->label; c++) {
        dorm_value cv = c->value;
        if (cv.type == DORM_T_TEXT && v.type == DORM_T_TEXT && strcmp(cv.u.s, v.u.s) == 0) return c->label;
        if (cv.type == DORM_T_INT && (v.type == DORM_T_INT || v.type == DORM_T_BOOL) &&
            cv.u.i == (v.type == DORM_T_INT ? v.u.i : (int64_t)v.u.b))
            return c->label;
        if (cv.type == DORM_T_DURATION && v.type == DORM_T_DURATION && cv.u.dur.usec == v.u.dur.usec) return c->label;
    }
    if (v.type == DORM_T_TEXT) return v.u.s;
    /* No label: the value itself as text, as Django's force_str(value). */
    char buf[DORM_FMT_MAX];
    switch (v.type) {
    case DORM_T_INT: snprintf(buf, sizeof buf, "%lld", (long long)v.u.i); break;
    case DORM_T_BOOL: snprintf(buf, sizeof buf, "%s", v.u.b ? "True" : "False"); break;
    case DORM_T_FLOAT: snprintf(buf, sizeof buf, "%g", v.u.f); break;
    case DORM_T_DECIMAL: dorm_decimal_format(v.u.dec, buf); break;
    case DORM_T_DATE: dorm_date_format(v.u.date, buf); break;
    case DORM_T_DURATION: {
        dorm_buf b = DORM_BUF_INIT;
        dorm_value__str(&b, &v);
        snprintf(buf, sizeof buf, "%s", b.data ? b.data : "");
        dorm_buf_free(&b);
        break;
    }
    default: return "";
    }
    dorm_object *h = (dorm_object *)obj;
    return h->cx ? dorm_strdup(h->cx, buf) : NULL;
}
