/* materialize.c - rows to objects and objects to values: column values are
 * written straight into struct members at their offsets, strings copied into
 * the context's arena (no malloc per row), and members read back as the
 * values the database stores. */
#include <jansson.h>
#include <string.h>

#include "core/decimal.h"
#include "core/duration.h"
#include "exec/route.h"
#include "model/custom.h"

static int bad_data(dorm_ctx *cx, const dorm_fmeta *fm, const char *s, size_t n) {
    return dorm_ctx_fail(cx, DORM_EDATA, "Invalid value '%.*s' in column \"%s\" for %s.", (int)(n > 40 ? 40 : n), s,
                         fm->column, dorm_kind__name(fm->f->kind));
}

/* A member is a C string: text with a NUL byte (SQLite keeps what another
 * program wrote) would read cut short, and be written back so on save. */
static int nul_in_text(dorm_ctx *cx, const dorm_fmeta *fm) {
    return dorm_ctx_fail(
        cx, DORM_EDATA,
        "Text in column \"%s\" (field '%s') contains a NUL (0x00) character, which a C string cannot hold.", fm->column,
        fm->f->name);
}

/* Why copy_text failed: no copy (out of memory), or a NUL in the text. */
static int copy_failed(dorm_ctx *cx, const dorm_fmeta *fm, const char *copy) {
    return copy ? nul_in_text(cx, fm) : dorm_ctx_fail(cx, DORM_ENOMEM, "out of memory");
}

/* The text s[0..n) as a C string in the arena: 0, or an error on cx. */
static inline int copy_text(dorm_ctx *cx, dorm_arena *arena, const dorm_fmeta *fm, const char *s, size_t n, void *p) {
    size_t len;
    if (!s) s = "", n = 0;
    char *c = dorm_arena__cstr(arena, s, n, &len);
    if (!c || len != n) return copy_failed(cx, fm, c);
    *(char **)p = c;
    return DORM_OK;
}

static int decode(dorm_ctx *cx, dorm_arena *arena, const dorm_fmeta *fm, dorm_stmt *st, int col, void *p);

/* Storage for a member of any built-in kind. */
typedef union any_member {
    int64_t i64;
    double f;
    dorm_decimal dec;
    dorm_uuid uuid;
    dorm_bytes bytes;
    void *ptrs[2];
    DORM_FK_TO(dorm_object, dorm_uuid) uuid_key;
} any_member;

/* The kinds decode() leaves out of line: rarer, or parsed at length anyway. */
static int decode_other(dorm_ctx *cx, dorm_arena *arena, const dorm_fmeta *fm, dorm_stmt *st, int col, void *p) {
    const dorm_driver *drv = cx->db->drv;
    size_t n;
    const char *s;
    switch (fm->f->kind) {
    case DORM_KIND_SMALLINT:
    case DORM_KIND_POSSMALLINT: *(int16_t *)p = (int16_t)drv->column_int(st, col); break;
    case DORM_KIND_BOOL: *(bool *)p = drv->column_int(st, col) != 0; break;
    case DORM_KIND_FLOAT: *(double *)p = drv->column_float(st, col); break;
    case DORM_KIND_DATE:
        s = drv->column_text(st, col, &n);
        if (dorm_date_parse(s, n, p)) {
            /* Django's SQLite datetimes read through a date field keep their date. */
            dorm_datetime t;
            if (dorm_datetime_parse(s, n, &t)) return bad_data(cx, fm, s, n);
            dorm_datetime_split(t, p, NULL);
        }
        break;
    case DORM_KIND_DATETIME:
        s = drv->column_text(st, col, &n);
        if (dorm_datetime_parse(s, n, p)) return bad_data(cx, fm, s, n);
        break;
    case DORM_KIND_TIME:
        s = drv->column_text(st, col, &n);
        if (dorm_time_parse(s, n, p)) return bad_data(cx, fm, s, n);
        break;
    case DORM_KIND_DECIMAL: {
        /* As Django's converters: what the backend gives (SQLite: a REAL's 15
         * significant digits), then a column's values rounded to its places.
         * A value SQLite rounded may not fit them any more: it is returned
         * as read. */
        dorm_decimal d;
        int rc;
        if (drv->column_decimal) {
            rc = drv->column_decimal(st, col, &d);
        } else {
            s = drv->column_text(st, col, &n);
            rc = dorm_decimal__read(s, n, &d);
        }
        if (rc) {
            s = drv->column_text(st, col, &n);
            return bad_data(cx, fm, s, n);
        }
        if (fm->f->decimal_places < 0 || dorm_decimal_rescale(d, fm->f->decimal_places, p)) *(dorm_decimal *)p = d;
        break;
    }
    case DORM_KIND_UUID:
        s = drv->column_text(st, col, &n);
        if (dorm_uuid_parse(s, n, p)) return bad_data(cx, fm, s, n);
        break;
    case DORM_KIND_DURATION:
        s = drv->column_text(st, col, &n);
        if (dorm_duration__read(s, n, p)) return bad_data(cx, fm, s, n);
        break;
    case DORM_KIND_BINARY: {
        const void *b = drv->column_blob(st, col, &n);
        dorm_bytes *out = p;
        out->len = n;
        /* An empty value is not NULL: it points at a static empty string. */
        out->data = n ? dorm_arena__memdup(arena, b, n) : "";
        if (n && !out->data) return dorm_ctx_fail(cx, DORM_ENOMEM, "out of memory");
        break;
    }
    case DORM_KIND_CUSTOM: {
        /* The column as the type's internal kind, then its from_db. */
        any_member raw;
        memset(&raw, 0, sizeof raw);
        int rc = decode(cx, arena, fm->storage, st, col, &raw);
        dorm_value v = rc ? dorm_v_null() : dorm_member__value(fm->storage, &raw);
        return rc ? rc : dorm_custom__from_db(fm, &v, p, cx);
    }
    case DORM_KIND_FK:
        /* A key stored as text or as a UUID (DORM_FK_TO); integer keys are
         * decode()'s. */
        *dorm_fk_cache(p, fm) = NULL;
        s = drv->column_text(st, col, &n);
        if (fm->f->uuid_key) {
            if (dorm_uuid_parse(s, n, p)) return bad_data(cx, fm, s, n);
            break;
        }
        return copy_text(cx, arena, fm, s, n, p);
    default: return dorm_ctx_fail(cx, DORM_EDATA, "Field '%s' has no storage.", fm->f->name);
    }
    return DORM_OK;
}

/* decode_common's answer for a kind it leaves to decode_other. */
#define DECODE_OTHER 1

/* The kinds most columns have (text, integers, integer keys), small enough
 * to inline into the per-row loop of read_members; DECODE_OTHER for the
 * others. */
static inline int decode_common(dorm_ctx *cx, const dorm_driver *drv, dorm_arena *arena, const dorm_fmeta *fm,
                                dorm_stmt *st, int col, void *p) {
    const dorm_field *f = fm->f;
    if (dorm_kind_is_text(f->kind)) {
        size_t n;
        const char *s = drv->column_text(st, col, &n);
        return copy_text(cx, arena, fm, s, n, p);
    }
    switch (f->kind) {
    case DORM_KIND_AUTO:
    case DORM_KIND_BIGAUTO:
    case DORM_KIND_BIGINT: *(int64_t *)p = drv->column_int(st, col); return DORM_OK;
    case DORM_KIND_INT:
    case DORM_KIND_POSINT: *(int32_t *)p = (int32_t)drv->column_int(st, col); return DORM_OK;
    case DORM_KIND_FK:
        if (f->text_key || f->uuid_key) return DECODE_OTHER;
        *dorm_fk_cache(p, fm) = NULL;
        *(int64_t *)p = drv->column_int(st, col);
        return DORM_OK;
    default: return DECODE_OTHER;
    }
}

/* Decodes the non-NULL column `col` into the member storage `p` of field fm. */
static int decode(dorm_ctx *cx, dorm_arena *arena, const dorm_fmeta *fm, dorm_stmt *st, int col, void *p) {
    int rc = decode_common(cx, cx->db->drv, arena, fm, st, col, p);
    return rc == DECODE_OTHER ? decode_other(cx, arena, fm, st, col, p) : rc;
}

int dorm_read__field(dorm_ctx *cx, dorm_arena *arena, void *obj, const dorm_fmeta *fm, dorm_cached_stmt *cs, int col) {
    void *p = dorm_member(obj, fm);
    uint64_t bit = (uint64_t)1 << fm->index;
    dorm_object *h = obj;
    if (fm->f->null && cx->db->drv->column_null(cs->stmt, col)) {
        memset(p, 0, fm->f->size);
        h->nulls |= bit;
        return DORM_OK;
    }
    h->nulls &= ~bit;
    return decode(cx, arena, fm, cs->stmt, col, p);
}

/* Reads the fields not in `deferred` of a zeroed object from columns col...
 * A NOT NULL column of a row holds no NULL (the schema says so): one driver
 * call per column saved.  A LEFT OUTER JOIN that found no row is caught on
 * its primary key before the object is read.  The NULL bits are gathered and
 * stored once. */
static int read_members(dorm_ctx *cx, dorm_arena *arena, const dorm_meta *m, dorm_stmt *st, int col, uint64_t deferred,
                        void *obj) {
    const dorm_driver *drv = cx->db->drv;
    uint64_t nulls = 0, bit = 1;
    /* A field's bit is 1 << its index (at most 64 fields). */
    for (const dorm_fmeta *fm = m->fields, *end = fm + m->nfields; fm < end; fm++, bit <<= 1) {
        if (deferred & bit) continue;
        if (fm->f->null && drv->column_null(st, col)) {
            nulls |= bit;
        } else {
            void *p = (char *)obj + fm->f->offset;
            int rc = decode_common(cx, drv, arena, fm, st, col, p);
            if (rc == DECODE_OTHER) rc = decode_other(cx, arena, fm, st, col, p);
            if (rc) return dorm_errcode(cx);
        }
        col++;
    }
    ((dorm_object *)obj)->nulls = nulls;
    return DORM_OK;
}

void *dorm_materialize__some(dorm_ctx *cx, dorm_arena *arena, const dorm_meta *m, dorm_cached_stmt *cs, int col,
                             uint64_t deferred) {
    void *obj = dorm_arena__calloc(arena, m->model->size);
    if (!obj) {
        dorm_ctx_fail(cx, DORM_ENOMEM, "out of memory");
        return NULL;
    }
    dorm_object__init(obj, m, cx, DORM_OBJ_FROM_DB | dorm_route_obj_flag(cx));
    ((dorm_object *)obj)->deferred = deferred;
    return read_members(cx, arena, m, cs->stmt, col, deferred, obj) ? NULL : obj;
}

void *dorm__materialize(dorm_ctx *cx, dorm_arena *arena, const dorm_meta *m, dorm_cached_stmt *cs, int col) {
    return dorm_materialize__some(cx, arena, m, cs, col, 0);
}

dorm_obj_ext *dorm_obj__ext_of(void *obj) {
    dorm_object *h = obj;
    if (!h->ext) h->ext = dorm_alloc(h->cx, sizeof(dorm_obj_ext));
    return h->ext;
}

const dorm_value *dorm_annotation(const void *obj, const char *alias) {
    const dorm_obj_ext *x = obj ? ((const dorm_object *)obj)->ext : NULL;
    for (int i = 0; x && i < x->nann; i++)
        if (!x->ann[i].hidden && strcmp(x->ann[i].alias, alias) == 0) return &x->values[i];
    return NULL;
}

bool dorm_is_deferred_(const void *obj, const void *member) {
    const dorm_meta *m = dorm_meta_of_obj(obj);
    const dorm_fmeta *fm = m ? dorm_meta__field_at(m, obj, member) : NULL;
    return fm && (((const dorm_object *)obj)->deferred & ((uint64_t)1 << fm->index));
}

/* A reverse one-to-one loaded by select_related: the parent's relation
 * cache holds it, or holds nothing when the join found no row, so that
 * dorm_related_one answers either way without a query. */
static int cache_one(dorm_ctx *cx, dorm_arena *arena, void *parent, const dorm_selrel *sr, void *child) {
    dorm_obj_ext *x = dorm_obj__ext_of(parent);
    dorm_relcache *c = dorm_arena__alloc(arena, sizeof *c);
    void **one = dorm_arena__alloc(arena, sizeof(void *) * 2);
    if (!x || !c || !one) return dorm_ctx_fail(cx, DORM_ENOMEM, "out of memory");
    one[0] = child;
    one[1] = NULL;
    *c = (dorm_relcache){sr->rel, NULL, one, child ? 1 : 0, x->rels};
    x->rels = c;
    if (child) *dorm_fk_cache(dorm_member(child, sr->fk), sr->fk) = parent;
    return DORM_OK;
}

/* A row's object with its select_related objects and annotations. */
static void *with_related(dorm_ctx *cx, dorm_arena *arena, const dorm_qs *qs, dorm_cached_stmt *cs) {
    void *objs[1 + 32];
    objs[0] = dorm_materialize__some(cx, arena, qs->meta, cs, 0, qs->deferred);
    if (!objs[0]) return NULL;
    int col = 0;
    for (int i = 0; i < qs->meta->nfields; i++) col += !(qs->deferred & ((uint64_t)1 << i));
    /* The annotations come first, then the related models (Django's order). */
    int ann_col = col;
    for (int i = 0; i < qs->nann; i++) col += !qs->ann[i].hidden;
    for (int r = 0; r < qs->nselrel && r < 32; r++) {
        const dorm_selrel *sr = &qs->selrel[r];
        const dorm_meta *t = dorm_selrel_model(sr);
        int pkcol = col + t->pk->index;
        /* A LEFT OUTER JOIN that found no row gives a NULL key: no object. */
        objs[r + 1] = cx->db->drv->column_null(cs->stmt, pkcol) ? NULL : dorm__materialize(cx, arena, t, cs, col);
        if (!objs[r + 1] && !cx->db->drv->column_null(cs->stmt, pkcol)) return NULL;
        void *parent = objs[sr->parent];
        if (parent && !sr->rel) *dorm_fk_cache(dorm_member(parent, sr->fk), sr->fk) = objs[r + 1];
        if (parent && sr->rel && cache_one(cx, arena, parent, sr, objs[r + 1])) return NULL;
        col += t->nfields;
    }
    if (qs->nann) {
        /* Annotation values live in the object's extension block. */
        dorm_obj_ext *x = dorm_obj__ext_of(objs[0]);
        dorm_value *vals = x ? dorm_arena__alloc(arena, sizeof(dorm_value) * (size_t)qs->nann) : NULL;
        if (!vals) {
            dorm_ctx_fail(cx, DORM_ENOMEM, "out of memory");
            return NULL;
        }
        for (int i = 0; i < qs->nann; i++) {
            /* An alias() is not selected: it reads as no value. */
            if (qs->ann[i].hidden)
                vals[i] = dorm_v_null();
            else if (dorm_read__value(cx, arena, &qs->ann[i].fm, cs, ann_col++, &vals[i]))
                return NULL;
        }
        x->nann = qs->nann;
        x->ann = qs->ann;
        x->values = vals;
    }
    return objs[0];
}

void *dorm_materialize__row(dorm_ctx *cx, dorm_arena *arena, const dorm_qs *qs, dorm_cached_stmt *cs) {
    if (!qs->nselrel && !qs->nann) return dorm_materialize__some(cx, arena, qs->meta, cs, 0, qs->deferred);
    return with_related(cx, arena, qs, cs);
}

/* A JSON expression's value from a backend that unwraps scalars (SQLite's
 * JSON_EXTRACT gives a JSON string's bare text): JSON text as it is, any
 * other text as the JSON string it was (Django's JSONField.from_db_value
 * tries json.loads and keeps the string). */
static int read_unwrapped_json(dorm_ctx *cx, dorm_arena *arena, dorm_stmt *st, int col, dorm_value *out) {
    size_t n;
    const char *s = cx->db->drv->column_text(st, col, &n);
    if (!s) s = "", n = 0;
    json_t *j = json_loadb(s, n, JSON_DECODE_ANY, NULL);
    dorm_buf b = DORM_BUF_INIT;
    if (j) {
        json_decref(j);
        dorm_buf_put(&b, s, n);
    } else {
        dorm_buf_putc(&b, '"');
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)s[i];
            if (c == '"' || c == '\\')
                dorm_buf_printf(&b, "\\%c", c);
            else if (c < 0x20)
                dorm_buf_printf(&b, "\\u%04x", c);
            else
                dorm_buf_putc(&b, (char)c);
        }
        dorm_buf_putc(&b, '"');
    }
    size_t len = b.len;
    char *text = b.failed ? NULL : dorm_arena__strndup(arena, b.data ? b.data : "", len);
    dorm_buf_free(&b);
    if (!text) return dorm_ctx_fail(cx, DORM_ENOMEM, "out of memory");
    *out = dorm_v_textn(text, len);
    return DORM_OK;
}

int dorm_read__value(dorm_ctx *cx, dorm_arena *arena, const dorm_fmeta *fm, dorm_cached_stmt *cs, int col,
                     dorm_value *out) {
    /* Storage for any member kind, so values() shares the objects' decoder. */
    any_member member;
    /* values() may read a NOT NULL column across a LEFT OUTER JOIN. */
    if (cx->db->drv->column_null(cs->stmt, col)) {
        *out = dorm_v_null();
        return DORM_OK;
    }
    if (fm->read_as == DORM_READ_JSON_UNWRAPPED) return read_unwrapped_json(cx, arena, cs->stmt, col, out);
    memset(&member, 0, sizeof member);
    /* A custom field's member may be any size: it lives in the arena. */
    void *p = fm->f->kind == DORM_KIND_CUSTOM ? dorm_arena__calloc(arena, fm->f->size) : &member;
    if (!p) return dorm_ctx_fail(cx, DORM_ENOMEM, "out of memory");
    int rc = decode(cx, arena, fm, cs->stmt, col, p);
    if (rc) return rc;
    *out = dorm_member__value(fm, p);
    /* A Trunc in a time zone gives that zone's wall time (Django's make_aware). */
    if (fm->read_as == DORM_READ_WALL_TIME && out->type == DORM_T_DATETIME)
        return dorm_wall__to_instant(cx, fm->zone, &out->u.dt);
    return DORM_OK;
}
