/* expr.c - resolution of expressions (F(), arithmetic, aggregates) against a
 * Query, and the QuerySet calls built on them: annotate(), only(), defer(). */
#include <string.h>

#include "query/query.h"

static const char *const agg_names[] = {
    [DORM_E_COUNT] = "count", [DORM_E_SUM] = "sum", [DORM_E_AVG] = "avg", [DORM_E_MIN] = "min", [DORM_E_MAX] = "max",
};

static bool is_aggregate(dorm_expr_kind k) { return k >= DORM_E_COUNT && k <= DORM_E_MAX; }

const dorm_ann *dorm_qs_annotation(const dorm_qs *qs, const char *alias, size_t n) {
    for (int i = 0; i < qs->nann; i++)
        if (strncmp(qs->ann[i].alias, alias, n) == 0 && qs->ann[i].alias[n] == '\0') return &qs->ann[i];
    return NULL;
}

/* The kind an integer result is read as: every integer kind widens to BIGINT. */
static dorm_kind widen(dorm_kind k) {
    switch (k) {
    case DORM_KIND_AUTO:
    case DORM_KIND_BIGAUTO:
    case DORM_KIND_INT:
    case DORM_KIND_SMALLINT:
    case DORM_KIND_POSINT:
    case DORM_KIND_POSSMALLINT:
    case DORM_KIND_FK:
        return DORM_KIND_BIGINT;
    default:
        return k;
    }
}

static dorm_kind value_kind(const dorm_value *v) {
    switch (v->type) {
    case DORM_T_FLOAT:
        return DORM_KIND_FLOAT;
    case DORM_T_DECIMAL:
        return DORM_KIND_DECIMAL;
    case DORM_T_TEXT:
        return DORM_KIND_TEXT;
    case DORM_T_BOOL:
        return DORM_KIND_BOOL;
    case DORM_T_DATE:
        return DORM_KIND_DATE;
    case DORM_T_DATETIME:
        return DORM_KIND_DATETIME;
    default:
        return DORM_KIND_BIGINT;
    }
}

static int resolve(dorm_qs *qs, const dorm_expr *e, bool in_aggregate, int depth, const dorm_rexpr **out) {
    if (depth > DORM_MAX_DEPTH)
        return dorm_qs_fail(qs, DORM_EVALUE, "Expressions are nested more than %d levels deep.", DORM_MAX_DEPTH)->err;
    dorm_rexpr *r = dorm_alloc(qs->cx, sizeof *r);
    if (!r) return DORM_ENOMEM;
    r->kind = e->kind;
    r->decimal_places = -1;
    switch (e->kind) {
    case DORM_E_VALUE:
        if (e->value.type == DORM_T_EXPR || e->value.type == DORM_T_LIST || e->value.type == DORM_T_OBJECT ||
            e->value.type == DORM_T_QUERYSET)
            return dorm_qs_fail(qs, DORM_EVALUE, "Unsupported value in an expression.")->err;
        if (e->value.type == DORM_T_TEXT) {
            if (dorm_prep_value(qs->cx, NULL, DORM_KIND_TEXT, &e->value, &r->value))
                return dorm_qs_fail(qs, dorm_errcode(qs->cx), "%s", dorm_errmsg(qs->cx))->err;
        } else {
            r->value = e->value;
        }
        r->out = value_kind(&r->value);
        break;
    case DORM_E_F: {
        if (!e->name) return dorm_qs_fail(qs, DORM_EVALUE, "F() needs a field name.")->err;
        const dorm_ann *ann = dorm_qs_annotation(qs, e->name, strlen(e->name));
        if (ann) {
            if (in_aggregate && ann->e->aggregate)
                return dorm_qs_fail(qs, DORM_EFIELD, "Cannot compute an aggregate of the aggregate '%s'.", e->name)->err;
            r->ref = ann->alias;
            r->out = ann->e->out;
            r->decimal_places = ann->e->decimal_places;
            r->aggregate = ann->e->aggregate;
            break;
        }
        dorm_path p;
        int rc = dorm_path_resolve(qs, e->name, strlen(e->name),
                                   DORM_PATH_TRANSFORMS | (in_aggregate ? DORM_PATH_OUTER : 0), &p);
        if (rc) return rc;
        r->alias = p.alias;
        r->field = p.field;
        r->ntrans = p.ntrans;
        memcpy(r->trans, p.trans, sizeof r->trans);
        r->out = dorm_path_kind(p.field, p.ntrans, p.trans);
        r->decimal_places = p.ntrans ? 0 : p.field->f->decimal_places;
        break;
    }
    case DORM_E_ADD:
    case DORM_E_SUB:
    case DORM_E_MUL:
    case DORM_E_DIV: {
        if (!e->a || !e->b) return dorm_qs_fail(qs, DORM_EVALUE, "An arithmetic expression needs two operands.")->err;
        int rc = resolve(qs, e->a, in_aggregate, depth + 1, &r->a);
        if (!rc) rc = resolve(qs, e->b, in_aggregate, depth + 1, &r->b);
        if (rc) return rc;
        dorm_kind ka = r->a->out, kb = r->b->out;
        r->out = ka == DORM_KIND_FLOAT || kb == DORM_KIND_FLOAT       ? DORM_KIND_FLOAT
                 : ka == DORM_KIND_DECIMAL || kb == DORM_KIND_DECIMAL ? DORM_KIND_DECIMAL
                                                                      : ka;
        r->aggregate = r->a->aggregate || r->b->aggregate;
        break;
    }
    default: {
        if (!is_aggregate(e->kind)) return dorm_qs_fail(qs, DORM_EVALUE, "Unknown expression kind %d.", (int)e->kind)->err;
        if (in_aggregate) return dorm_qs_fail(qs, DORM_EFIELD, "Cannot nest an aggregate in an aggregate.")->err;
        r->aggregate = true;
        r->distinct = e->distinct;
        if (e->kind == DORM_E_COUNT && e->name && strcmp(e->name, "*") == 0) {
            /* COUNT(DISTINCT *) is no SQL: refused here, not by the database. */
            if (e->distinct)
                return dorm_qs_fail(qs, DORM_EVALUE, "Count('*') cannot be distinct: count a field instead.")->err;
            r->out = DORM_KIND_BIGINT;
            break;
        }
        if (e->a) {
            int rc = resolve(qs, e->a, true, depth + 1, &r->a);
            if (rc) return rc;
        } else {
            if (!e->name) return dorm_qs_fail(qs, DORM_EVALUE, "An aggregate needs a field path.")->err;
            int rc = resolve(qs, dorm_F(e->name), true, depth + 1, &r->a);
            if (rc) return rc;
        }
        dorm_kind in = r->a->out;
        if (e->kind == DORM_E_COUNT) r->out = DORM_KIND_BIGINT;
        else if (e->kind == DORM_E_AVG) r->out = in == DORM_KIND_DECIMAL ? DORM_KIND_DECIMAL : DORM_KIND_FLOAT;
        else r->out = widen(in);
        break;
    }
    }
    *out = r;
    return DORM_OK;
}

int dorm_expr_resolve(dorm_qs *qs, const dorm_expr *e, const dorm_rexpr **out) {
    if (!e) return dorm_qs_fail(qs, DORM_EVALUE, "No expression given.")->err;
    return resolve(qs, e, false, 0, out);
}

bool dorm_rexpr_joins(const dorm_qs *qs, const dorm_rexpr *e) {
    if (!e) return false;
    if (e->kind == DORM_E_F && e->ref) {
        const dorm_ann *ann = dorm_qs_annotation(qs, e->ref, strlen(e->ref));
        return ann && dorm_rexpr_joins(qs, ann->e);
    }
    if (e->kind == DORM_E_F && e->alias != 0) return true;
    return dorm_rexpr_joins(qs, e->a) || dorm_rexpr_joins(qs, e->b);
}

/* Django's default alias of aggregate(Avg("pages")): "pages__avg". */
const char *dorm_default_alias(dorm_ctx *cx, const dorm_expr *e) {
    if (!is_aggregate(e->kind) || !e->name) return NULL;
    return dorm_sprintf(cx, "%s__%s", e->name, agg_names[e->kind]);
}

/* Aliases name columns in SQL: identifier characters only (DESIGN.md's
 * allowlist), and no longer than the backend keeps a name, which it would
 * otherwise cut silently (PostgreSQL: 63 bytes). */
int dorm_alias_check(dorm_ctx *cx, const char *a) {
    if (!a) return dorm_fail(cx, DORM_EVALUE, "Complex annotations require an alias");
    size_t n = strlen(a);
    bool ok = n > 0 && ((a[0] >= 'A' && a[0] <= 'Z') || (a[0] >= 'a' && a[0] <= 'z') || a[0] == '_');
    for (size_t i = 1; ok && i < n; i++)
        ok = (a[i] >= 'A' && a[i] <= 'Z') || (a[i] >= 'a' && a[i] <= 'z') || (a[i] >= '0' && a[i] <= '9') || a[i] == '_';
    int max = cx->db->dialect->max_name_length ? cx->db->dialect->max_name_length : 200;
    if (ok && n <= (size_t)max) return DORM_OK;
    /* The alias as it may be shown: bytes that are not printable ASCII escaped. */
    dorm_buf shown = DORM_BUF_INIT;
    for (size_t i = 0; i < n && i < 80; i++) {
        unsigned char c = (unsigned char)a[i];
        if (c < 0x20 || c >= 0x7f || c == '\\') dorm_buf_printf(&shown, "\\x%02x", c);
        else dorm_buf_putc(&shown, (char)c);
    }
    if (n > 80) dorm_buf_puts(&shown, "...");
    int rc = ok ? dorm_fail(cx, DORM_EVALUE, "Column alias '%s' is longer than %d characters, the longest name this "
                                           "database keeps.", shown.data ? shown.data : "", max)
                : dorm_fail(cx, DORM_EVALUE, "Column alias '%s' is not allowed: an alias is a letter or underscore "
                                           "followed by letters, digits and underscores.", shown.data ? shown.data : "");
    dorm_buf_free(&shown);
    return rc;
}

void dorm_ann_describe(dorm_ann *a) {
    a->field.name = a->alias;
    a->field.kind = a->e->out;
    a->field.size = sizeof(dorm_decimal) > sizeof(dorm_uuid) ? sizeof(dorm_decimal) : sizeof(dorm_uuid);
    a->field.decimal_places = a->e->decimal_places;
    a->field.null = true;
    a->fm.f = &a->field;
    a->fm.column = a->alias;
    a->fm.attname = a->alias;
    a->fm.value_kind = a->e->out;
}

dorm_qs *dorm_qs_annotate(dorm_qs *qs, const dorm_named *const *anns) {
    if (!qs || qs->err) return qs;
    dorm_qs *c = dorm_qs_clone(qs);
    if (!c) return NULL;
    if (c->low > 0 || c->high >= 0) return dorm_qs_fail(c, DORM_EVALUE, "Cannot annotate a query once a slice has been taken.");
    if (c->mode != DORM_MODE_OBJECTS) return dorm_qs_fail(c, DORM_ENOTSUPPORTED, "%s", DORM_VALUES_ANNOTATE);
    size_t n = 0;
    while (anns && anns[n]) n++;
    dorm_ann *all = dorm_alloc(c->cx, sizeof(dorm_ann) * ((size_t)c->nann + n + 1));
    if (!all) return dorm_qs_fail(c, DORM_ENOMEM, "out of memory");
    if (c->nann) memcpy(all, c->ann, sizeof(dorm_ann) * (size_t)c->nann);
    for (size_t i = 0; i < n; i++) {
        const char *alias = anns[i]->alias ? anns[i]->alias : dorm_default_alias(c->cx, anns[i]->expr);
        if (dorm_alias_check(c->cx, alias)) return dorm_qs_fail(c, DORM_EVALUE, "%s", dorm_errmsg(c->cx));
        if (dorm_qs_annotation(c, alias, strlen(alias)) || dorm_meta_field(c->meta, alias) ||
            dorm_meta_reverse(c->meta, alias, strlen(alias)))
            return dorm_qs_fail(c, DORM_EVALUE, "The annotation '%s' conflicts with a field on the model.", alias);
        dorm_ann *a = &all[c->nann];
        memset(a, 0, sizeof *a);
        if (!(a->alias = dorm_strdup(c->cx, alias))) return dorm_qs_fail(c, DORM_ENOMEM, "out of memory");
        if (dorm_expr_resolve(c, anns[i]->expr, &a->e)) return c;
        dorm_ann_describe(a);
        c->nann++;
        c->ann = all;
        if (a->e->aggregate) c->group_by = true;
    }
    return c;
}

static dorm_qs *load_fields(dorm_qs *qs, const char *const *fields, bool only) {
    if (!qs || qs->err) return qs;
    dorm_qs *c = dorm_qs_clone(qs);
    if (!c) return NULL;
    uint64_t named = 0;
    for (size_t i = 0; fields && fields[i]; i++) {
        const dorm_fmeta *fm = strcmp(fields[i], "pk") == 0 ? c->meta->pk : dorm_meta_field(c->meta, fields[i]);
        if (!fm)
            return dorm_qs_fail(c, DORM_EFIELD, "%s has no field named '%s'", c->meta->model->name, fields[i]);
        for (int k = 0; k < fm->nparts; k++) named |= (uint64_t)1 << fm->parts[k]->index;
        if (!dorm_fmeta_composite(fm)) named |= (uint64_t)1 << fm->index;
    }
    uint64_t all = c->meta->nfields >= 64 ? ~(uint64_t)0 : (((uint64_t)1 << c->meta->nfields) - 1);
    /* defer() adds to what is deferred; only() replaces an earlier only() but
     * keeps fields an earlier defer() left out (Django). */
    if (only) {
        c->deferred = (all & ~named) | (c->only_mode ? 0 : c->deferred);
        c->only_mode = true;
    } else {
        c->deferred |= named;
    }
    /* The key is always loaded (a composite one: each part). */
    const dorm_fmeta *pk = c->meta->pk;
    for (int k = 0; k < pk->nparts; k++) c->deferred &= ~((uint64_t)1 << pk->parts[k]->index);
    if (!dorm_fmeta_composite(pk)) c->deferred &= ~((uint64_t)1 << pk->index);
    return c;
}

dorm_qs *dorm_qs_only(dorm_qs *qs, const char *const *fields) { return load_fields(qs, fields, true); }
dorm_qs *dorm_qs_defer(dorm_qs *qs, const char *const *fields) { return load_fields(qs, fields, false); }
