/* raw.c - raw SQL: Django's placeholders ("%s", "%%") turned into the
 * dialect's with every value bound, result columns read by the kind the
 * driver reports, and Model.objects.raw() mapping rows onto a model (fields
 * by column, the rest deferred, extra columns as annotations). */
#include <string.h>

#include "exec/route.h"

int dorm_raw__compile(dorm_sql *s, const char *sql, const dorm_value *params, size_t n) {
    dorm_ctx *cx = s->cx;
    if (!sql) return dorm_ctx_fail(cx, DORM_EVALUE, "Raw SQL must not be NULL.");
    if (!cx->db->drv->column_name || !cx->db->drv->column_kind)
        return dorm_ctx_fail(cx, DORM_ENOTSUPPORTED, "The %s backend does not run raw SQL.", cx->db->drv->vendor);
    /* First the whole text is checked, so nothing half-built runs. */
    size_t wanted = 0;
    for (const char *p = sql; *p; p++) {
        if (*p != '%') continue;
        if (p[1] == 's')
            wanted++;
        else if (p[1] != '%')
            return dorm_ctx_fail(cx, DORM_EPROGRAMMING,
                                 "Unsupported format character in raw SQL at offset %zu: use %%s for a parameter and "
                                 "%%%% for a percent sign.",
                                 (size_t)(p - sql));
        p++;
    }
    if (wanted != n)
        return dorm_ctx_fail(cx, DORM_EPROGRAMMING, "Raw SQL has %zu placeholders (%%s) but %zu parameters were given.",
                             wanted, n);
    for (size_t i = 0; i < n; i++)
        if (params[i].type == DORM_T_LIST || params[i].type == DORM_T_NONE || params[i].type >= DORM_T_OBJECT)
            return dorm_ctx_fail(cx, DORM_EPROGRAMMING, "Raw SQL parameter %zu is not a single value.", i + 1);
    size_t used = 0;
    for (const char *p = sql; *p; p++) {
        if (*p != '%')
            dorm_buf_putc(&s->text, *p);
        else if (*++p == '%')
            dorm_buf_putc(&s->text, '%');
        else
            dorm_sql__param(s, &params[used++]);
    }
    return (s->failed || s->text.failed) ? dorm_ctx_fail(cx, DORM_ENOMEM, "out of memory") : DORM_OK;
}

/* How a raw column of each kind is decoded: a field description of it. */
static const dorm_field raw_fields[DORM_KIND__COUNT] = {
    [DORM_KIND_BIGINT] = {.name = "?", .kind = DORM_KIND_BIGINT},
    [DORM_KIND_FLOAT] = {.name = "?", .kind = DORM_KIND_FLOAT},
    [DORM_KIND_BOOL] = {.name = "?", .kind = DORM_KIND_BOOL},
    [DORM_KIND_TEXT] = {.name = "?", .kind = DORM_KIND_TEXT},
    [DORM_KIND_JSON] = {.name = "?", .kind = DORM_KIND_JSON},
    [DORM_KIND_BINARY] = {.name = "?", .kind = DORM_KIND_BINARY},
    [DORM_KIND_DATE] = {.name = "?", .kind = DORM_KIND_DATE},
    [DORM_KIND_DATETIME] = {.name = "?", .kind = DORM_KIND_DATETIME},
    [DORM_KIND_TIME] = {.name = "?", .kind = DORM_KIND_TIME},
    [DORM_KIND_UUID] = {.name = "?", .kind = DORM_KIND_UUID},
    [DORM_KIND_DURATION] = {.name = "?", .kind = DORM_KIND_DURATION},
};

int dorm_raw__value(dorm_ctx *cx, dorm_arena *arena, dorm_cached_stmt *cs, int col, dorm_value *out) {
    const dorm_driver *drv = cx->db->drv;
    dorm_kind kind = drv->column_kind(cs->stmt, col);
    if (kind == DORM_KIND_NONE) {
        *out = dorm_v_null();
        return DORM_OK;
    }
    if (kind == DORM_KIND_DECIMAL) {
        /* Exactly as the server wrote it: a raw column has no field scale. */
        size_t n;
        const char *s = drv->column_text(cs->stmt, col, &n);
        dorm_decimal d;
        if (dorm_decimal_parse(s, n, &d))
            return dorm_ctx_fail(cx, DORM_EDATA, "Invalid value '%.*s' in column \"%s\" for DecimalField.",
                                 (int)(n > 40 ? 40 : n), s, drv->column_name(cs->stmt, col));
        *out = dorm_v_decimal(d);
        return DORM_OK;
    }
    if (kind < 0 || kind >= DORM_KIND__COUNT || !raw_fields[kind].kind) kind = DORM_KIND_TEXT;
    dorm_fmeta fm = {.f = &raw_fields[kind], .column = drv->column_name(cs->stmt, col), .value_kind = kind};
    return dorm_read__value(cx, arena, &fm, cs, col, out);
}

/* ---- Model.objects.raw() --------------------------------------------------- */

struct dorm_raw {
    dorm_ctx *cx;
    const dorm_meta *m;
    const dorm_model *model;
    const char *sql;
    dorm_value *params;
    size_t nparams;
    const char *const *translations;
    const char **columns;
    size_t ncols;
};

dorm_value *dorm_raw__params(dorm_ctx *cx, const dorm_value *params, size_t n) {
    dorm_value *out = dorm_alloc(cx, sizeof(dorm_value) * (n ? n : 1));
    for (size_t i = 0; out && i < n; i++) {
        out[i] = params[i];
        if (params[i].type == DORM_T_TEXT && params[i].u.s) {
            size_t len = params[i].len == DORM_STRLEN ? strlen(params[i].u.s) : params[i].len;
            out[i].u.s = dorm_arena__strndup(&cx->arena, params[i].u.s, len);
        } else if (params[i].type == DORM_T_BYTES && params[i].len) {
            out[i].u.p = dorm_arena__memdup(&cx->arena, params[i].u.p, params[i].len);
        } else {
            continue;
        }
        if (!out[i].u.p) {
            dorm_ctx_fail(cx, DORM_ENOMEM, "out of memory");
            return NULL;
        }
    }
    return out;
}

dorm_raw *dorm_raw_query(dorm_ctx *cx, const dorm_model *model, const char *sql, const dorm_value *params,
                         size_t nparams, const char *const *translations) {
    if (!cx) return NULL;
    dorm_raw *r = dorm_alloc(cx, sizeof *r);
    if (!r) return NULL;
    r->cx = cx;
    r->model = model;
    r->m = cx->db ? dorm_meta__of(cx->db->reg, model) : NULL;
    r->sql = sql ? dorm_strdup(cx, sql) : NULL;
    r->params = dorm_raw__params(cx, params, nparams);
    if ((sql && !r->sql) || !r->params) return NULL;
    r->nparams = nparams;
    size_t nt = 0;
    while (translations && translations[nt]) nt++;
    if (nt) {
        const char **t = dorm_alloc(cx, sizeof *t * (nt + 1));
        if (!t) return NULL;
        for (size_t i = 0; i < nt; i++)
            if (!(t[i] = dorm_strdup(cx, translations[i]))) return NULL;
        t[nt] = NULL;
        r->translations = t;
    }
    return r;
}

const dorm_model *dorm_raw_model(const dorm_raw *r) { return r ? r->model : NULL; }

/* A result column's name after the translations. */
static const char *translated(const dorm_raw *r, const char *name) {
    for (size_t i = 0; r->translations && r->translations[i] && r->translations[i + 1]; i += 2)
        if (strcmp(r->translations[i], name) == 0) return r->translations[i + 1];
    return name;
}

/* Where each column goes: a field, or an annotation (its index). */
typedef struct raw_map {
    const dorm_fmeta **field; /* per column, NULL: an annotation */
    dorm_ann *ann;
    int nann;
    uint64_t deferred;
} raw_map;

static int map_columns(dorm_raw *r, dorm_cached_stmt *cs, raw_map *map) {
    dorm_ctx *cx = r->cx;
    const dorm_driver *drv = cx->db->drv;
    size_t n = (size_t)drv->column_count(cs->stmt);
    r->columns = dorm_alloc(cx, sizeof(char *) * (n + 1));
    map->field = dorm_alloc(cx, sizeof(dorm_fmeta *) * (n ? n : 1));
    map->ann = dorm_alloc(cx, sizeof(dorm_ann) * (n ? n : 1));
    if (!r->columns || !map->field || !map->ann) return DORM_ENOMEM;
    map->deferred = 0;
    for (int i = 0; i < r->m->nfields; i++) map->deferred |= (uint64_t)1 << i;
    bool has_pk = false;
    for (size_t i = 0; i < n; i++) {
        const char *name = dorm_strdup(cx, translated(r, drv->column_name(cs->stmt, (int)i)));
        if (!name) return DORM_ENOMEM;
        r->columns[i] = name;
        map->field[i] = NULL;
        for (int k = 0; k < r->m->nfields && !map->field[i]; k++)
            if (strcmp(r->m->fields[k].column, name) == 0) map->field[i] = &r->m->fields[k];
        if (map->field[i]) {
            map->deferred &= ~((uint64_t)1 << map->field[i]->index);
            has_pk = has_pk || map->field[i] == r->m->pk;
            continue;
        }
        dorm_ann *a = &map->ann[map->nann++];
        memset(a, 0, sizeof *a);
        a->alias = name;
    }
    r->columns[n] = NULL;
    r->ncols = n;
    /* A composite key: every part selected. */
    const dorm_fmeta *pk = r->m->pk;
    for (int i = 0; dorm_fmeta_composite(pk) && i < pk->nparts; i++) {
        has_pk = !(map->deferred & ((uint64_t)1 << pk->parts[i]->index));
        if (!has_pk) break;
    }
    if (!has_pk) return dorm_ctx_fail(cx, DORM_EFIELD, "Raw query must include the primary key");
    return DORM_OK;
}

/* One object from the current row. */
static void *raw_object(dorm_raw *r, dorm_cached_stmt *cs, const raw_map *map) {
    dorm_ctx *cx = r->cx;
    void *obj = dorm_alloc(cx, r->m->model->size);
    if (!obj) return NULL;
    dorm_object__init(obj, r->m, cx, DORM_OBJ_FROM_DB | dorm_route_obj_flag(cx));
    ((dorm_object *)obj)->deferred = map->deferred;
    dorm_value *extra = map->nann ? dorm_alloc(cx, sizeof(dorm_value) * (size_t)map->nann) : NULL;
    if (map->nann && !extra) return NULL;
    for (size_t i = 0, k = 0; i < r->ncols; i++) {
        int rc = map->field[i] ? dorm_read__field(cx, &cx->arena, obj, map->field[i], cs, (int)i)
                               : dorm_raw__value(cx, &cx->arena, cs, (int)i, &extra[k++]);
        if (rc) return NULL;
    }
    if (map->nann) {
        dorm_obj_ext *x = dorm_obj__ext_of(obj);
        if (!x) return NULL;
        x->nann = map->nann;
        x->ann = map->ann;
        x->values = extra;
    }
    return obj;
}

static void **raw_list_on(dorm_raw *r, size_t *n);

/* raw() reads where the model's reads go (Django's RawQuerySet.db). */
void **dorm_raw_list(dorm_raw *r, size_t *n) {
    dorm_route route;
    if (!r || dorm_route__read(r->cx, r->model, NULL, -1, &route)) return NULL;
    void **objs = raw_list_on(r, n);
    dorm_route__leave(r->cx, &route);
    return objs;
}

static void **raw_list_on(dorm_raw *r, size_t *n) {
    dorm_ctx *cx = r->cx;
    dorm_error_clear(cx);
    if (!r->m) {
        dorm_ctx_fail(cx, DORM_ECONFIG, "Model '%s' is not registered with this database's registry.",
                      r->model && r->model->name ? r->model->name : "?");
        return NULL;
    }
    dorm_sql s;
    dorm_sql__init(&s, cx);
    dorm_cached_stmt *cs = NULL;
    int rc = dorm_raw__compile(&s, r->sql, r->params, r->nparams);
    if (!rc) rc = dorm__exec(cx, &s, &cs);
    raw_map map = {0};
    if (rc >= 0) rc = map_columns(r, cs, &map) ? dorm_errcode(cx) : rc;
    size_t count = 0, cap = 16;
    void **objs = rc >= 0 ? dorm_alloc(cx, sizeof(void *) * cap) : NULL;
    if (rc >= 0 && !objs) rc = DORM_ENOMEM;
    while (rc == DORM_STEP_ROW) {
        if (count + 1 == cap) {
            void **grown = dorm_alloc(cx, sizeof(void *) * cap * 2);
            if (!grown) {
                rc = DORM_ENOMEM;
                break;
            }
            memcpy(grown, objs, sizeof(void *) * count);
            objs = grown;
            cap *= 2;
        }
        if (!(objs[count++] = raw_object(r, cs, &map))) {
            rc = dorm_errcode(cx) ? dorm_errcode(cx) : DORM_ENOMEM;
            break;
        }
        rc = dorm_exec__step(cx, cs);
    }
    if (cs) dorm_db__release(cx->db, cs);
    dorm_sql__free(&s);
    if (rc < 0) {
        if (!cx->err) dorm_ctx_fail(cx, rc, "%s", dorm_error_name(rc));
        return NULL;
    }
    objs[count] = NULL;
    dorm_policy__mark(cx, objs, count);
    if (n) *n = count;
    return objs;
}

const char *const *dorm_raw_columns(dorm_raw *r, size_t *n) {
    if (!r) return NULL;
    if (!r->columns && !dorm_raw_list(r, NULL) && !r->columns) return NULL;
    if (n) *n = r->ncols;
    return r->columns;
}
