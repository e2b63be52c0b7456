/* queryset.c - the chainable QuerySet calls that build queries without
 * running them: all, filter, exclude, order_by, reverse, distinct, none,
 * slicing, values / values_list.  Each returns a clone; errors are sticky. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "query/query.h"

/* The copy leaves the result cache behind. */
static void uncached(dorm_qs *c) {
    c->done = false;
    c->objs = NULL;
    c->nobjs = 0;
    c->rows = NULL;
    c->fetch_err = 0;
    c->fetch_errmsg = NULL;
}

dorm_qs *dorm_qs__clone(const dorm_qs *qs) {
    /* One copy, not zeroed first: a QuerySet is cloned at every call. */
    dorm_qs *c = dorm_arena__memdup(&qs->cx->arena, qs, sizeof *c);
    if (!c) {
        dorm_ctx_fail(qs->cx, DORM_ENOMEM, "out of memory (allocating %zu bytes)", sizeof *c);
        return NULL;
    }
    uncached(c);
    return c;
}

void dorm_qs__copy(dorm_qs *out, const dorm_qs *qs) {
    *out = *qs;
    uncached(out);
}

void dorm_qs__get_limits(dorm_qs *c) {
    c->ordered_explicitly = true;
    c->reversed = false;
    c->order = NULL;
    c->norder = 0;
    c->high = DORM_GET_LIMIT;
}

dorm_qs *dorm_qs__fail(dorm_qs *qs, int code, const char *fmt, ...) {
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    qs->err = code;
    qs->errmsg = dorm_strdup(qs->cx, buf);
    dorm_ctx_fail(qs->cx, code, "%s", buf);
    return qs;
}

int dorm_qs__reraise(const dorm_qs *qs) {
    /* A step that failed without failing qs (an allocation in resolving)
     * left its error on the context: keep it, never replace it by OK. */
    if (!qs->err)
        return dorm_errcode(qs->cx) ? dorm_errcode(qs->cx) : dorm_ctx_fail(qs->cx, DORM_ENOMEM, "out of memory");
    return dorm_ctx_fail(qs->cx, qs->err, "%s", qs->errmsg ? qs->errmsg : dorm_error_name(qs->err));
}

static const char *unregistered = "Model '%s' is not registered with this database's registry.";

const dorm_meta *dorm_model__meta(dorm_ctx *cx, const dorm_model *model) {
    const dorm_meta *m = dorm_meta__of(cx->db ? cx->db->reg : NULL, model);
    if (!m) dorm_ctx_fail(cx, DORM_ECONFIG, unregistered, model && model->name ? model->name : "?");
    return m;
}

dorm_qs *dorm_qs_all(dorm_ctx *cx, const dorm_model *model) {
    if (!cx) return NULL;
    /* Written whole, not zeroed by a call and then set: every query
     * starts here. */
    dorm_qs *qs = dorm_arena__alloc(&cx->arena, sizeof *qs);
    if (!qs) {
        dorm_ctx_fail(cx, DORM_ENOMEM, "out of memory (allocating %zu bytes)", sizeof *qs);
        return NULL;
    }
    const dorm_registry *reg = cx->db ? cx->db->reg : NULL;
    const dorm_meta *meta = cx->last_meta;
    if (!meta || cx->last_model != model || cx->last_reg != reg) {
        meta = dorm_meta__of(reg, model);
        if (meta) {
            cx->last_reg = reg;
            cx->last_model = model;
            cx->last_meta = meta;
        }
    }
    *qs = (dorm_qs){.cx = cx, .high = -1, .meta = meta};
    /* Django's AttributeError for Model.objects of an abstract model. */
    if (!qs->meta && model && model->abstract)
        return dorm_qs__fail(qs, DORM_EVALUE, "Manager isn't available; '%s.%s' is abstract", model->app_label,
                             model->name);
    if (!qs->meta) return dorm_qs__fail(qs, DORM_ECONFIG, unregistered, model && model->name ? model->name : "?");
    return qs;
}

/* Starts a chained call: NULL stays NULL, a failed QuerySet is returned as it
 * is (sticky errors), otherwise a clone to modify. */
static dorm_qs *chain(dorm_qs *qs) {
    if (!qs || qs->err) return qs;
    dorm_qs *c = dorm_qs__clone(qs);
    if (!c) dorm_ctx_fail(qs->cx, DORM_ENOMEM, "out of memory");
    return c;
}

/* filter() / exclude() on c, a private copy. */
static dorm_qs *filter_into(dorm_qs *c, const dorm_q *const *conds, bool negate) {
    if (dorm_qs__combined_refuse(c, negate ? "exclude" : "filter")) return c;
    if (c->low > 0 || c->high >= 0)
        return dorm_qs__fail(c, DORM_EVALUE, "Cannot filter a query once a slice has been taken.");
    if (!conds || !conds[0]) return c;
    int rc = dorm_where__add(c, conds, negate);
    if (rc && !c->err) dorm_qs__fail(c, rc, "%s", dorm_errmsg(c->cx));
    return c;
}

static dorm_qs *filter_common(dorm_qs *qs, const dorm_q *const *conds, bool negate) {
    dorm_qs *c = chain(qs);
    return !c || c->err ? c : filter_into(c, conds, negate);
}

dorm_qs *dorm_qs__filter_on(dorm_qs *c, const dorm_q *const *conds) { return filter_into(c, conds, false); }

dorm_qs *dorm_qs_filter(dorm_qs *qs, const dorm_q *const *conds) { return filter_common(qs, conds, false); }
dorm_qs *dorm_qs_exclude(dorm_qs *qs, const dorm_q *const *conds) { return filter_common(qs, conds, true); }

static dorm_qs *order_by(dorm_qs *qs, const char *const *fields, const dorm_expr *const *items) {
    dorm_qs *c = chain(qs);
    if (!c || c->err) return c;
    if (c->low > 0 || c->high >= 0)
        return dorm_qs__fail(c, DORM_EVALUE, "Cannot reorder a query once a slice has been taken.");
    c->ordered_explicitly = true;
    c->reversed = false;
    c->order = NULL;
    c->norder = 0;
    int rc = items ? dorm_order__resolve_exprs(c, items) : dorm_order__resolve(c, fields);
    if (rc && !c->err) dorm_qs__fail(c, rc, "%s", dorm_errmsg(c->cx));
    return c;
}

dorm_qs *dorm_qs_order_by(dorm_qs *qs, const char *const *fields) { return order_by(qs, fields, NULL); }
dorm_qs *dorm_qs_order_by_exprs(dorm_qs *qs, const dorm_expr *const *items) { return order_by(qs, NULL, items); }

dorm_qs *dorm_clear_ordering(dorm_qs *qs) { return dorm_qs_order_by(qs, (const char *const[]){NULL}); }

dorm_qs *dorm_reverse(dorm_qs *qs) {
    dorm_qs *c = chain(qs);
    if (!c || c->err) return c;
    if (c->low > 0 || c->high >= 0)
        return dorm_qs__fail(c, DORM_EVALUE, "Cannot reverse a query once a slice has been taken.");
    c->reversed = !c->reversed;
    return c;
}

dorm_qs *dorm_distinct(dorm_qs *qs) {
    dorm_qs *c = chain(qs);
    if (c && !c->err && !dorm_qs__combined_refuse(c, "distinct")) c->distinct = true;
    return c;
}

dorm_qs *dorm_none(dorm_qs *qs) {
    dorm_qs *c = chain(qs);
    if (c && !c->err) c->empty = true;
    return c;
}

dorm_qs *dorm_slice(dorm_qs *qs, int64_t start, int64_t stop) {
    dorm_qs *c = chain(qs);
    if (!c || c->err) return c;
    if (start < 0 || stop < 0) return dorm_qs__fail(c, DORM_EVALUE, "Negative indexing is not supported.");
    /* Slicing a sliced QuerySet narrows the window, as Django's set_limits. */
    int64_t low = c->low + start;
    int64_t high = stop == DORM_NOLIMIT ? c->high : c->low + stop;
    if (c->high >= 0 && high > c->high) high = c->high;
    if (high >= 0 && low > high) low = high;
    c->low = low;
    c->high = high;
    return c;
}

/* How a transformed values() column is read: a nullable field of the
 * transform's result kind, named after the path. */
static const dorm_fmeta *transformed(dorm_qs *qs, const char *name, const dorm_rexpr *e) {
    dorm_kind kind = e->vkind;
    dorm_field *f = dorm_alloc(qs->cx, sizeof *f);
    dorm_fmeta *fm = dorm_alloc(qs->cx, sizeof *fm);
    if (!f || !fm) return NULL;
    memset(f, 0, sizeof *f);
    memset(fm, 0, sizeof *fm);
    f->name = name;
    f->kind = kind;
    f->size = sizeof(dorm_decimal) > sizeof(dorm_uuid) ? sizeof(dorm_decimal) : sizeof(dorm_uuid);
    f->decimal_places = dorm_rexpr__read_places(e);
    f->null = true;
    fm->f = f;
    fm->column = fm->attname = name;
    fm->value_kind = kind;
    fm->read_as = (uint8_t)dorm_rexpr__read_as(qs, e, &fm->zone);
    return fm;
}

/* The annotations values() with no fields selects: all but alias()es. */
static size_t visible_annotations(const dorm_qs *qs) {
    size_t n = 0;
    for (int i = 0; i < qs->nann; i++) n += !qs->ann[i].hidden;
    return n;
}

/* values() of a QuerySet grouped by its objects (annotate() with an
 * aggregate first) keeps grouping by every field and the annotations, as
 * Django's set_values does. */
static int group_by_objects(dorm_qs *c) {
    const dorm_meta *m = c->meta;
    const dorm_rexpr **group = dorm_alloc(c->cx, sizeof *group * (size_t)(m->nfields + c->nann + 1));
    if (!group) return DORM_ENOMEM;
    int n = 0;
    for (int i = 0; i < m->nfields; i++)
        if (!(group[n++] = dorm_rexpr__col(c, 0, &m->fields[i]))) return DORM_ENOMEM;
    for (int i = 0; i < c->nann; i++)
        if (!c->ann[i].hidden) group[n++] = c->ann[i].e;
    c->group = group;
    c->ngroup = n;
    return DORM_OK;
}

static dorm_qs *values_common(dorm_qs *qs, dorm_qs_mode mode, const char *const *fields) {
    dorm_qs *c = chain(qs);
    if (!c || c->err) return c;
    size_t n = 0;
    while (fields && fields[n]) n++;
    if (mode == DORM_MODE_FLAT && n != 1)
        return dorm_qs__fail(c, DORM_EVALUE,
                             "'flat' is not valid when values_list is called with more than one field.");
    const dorm_meta *m = c->meta;
    size_t total = n ? n : (size_t)m->nfields + visible_annotations(c);
    dorm_col *cols = dorm_alloc(c->cx, sizeof(dorm_col) * (total ? total : 1));
    const char **names = dorm_alloc(c->cx, sizeof(char *) * (total + 1));
    if (!cols || !names) return dorm_qs__fail(c, DORM_ENOMEM, "out of memory");
    memset(cols, 0, sizeof(dorm_col) * total);
    if (c->group_by && !c->ngroup && group_by_objects(c)) return dorm_qs__fail(c, DORM_ENOMEM, "out of memory");
    for (size_t i = 0, a = 0; i < total; i++) {
        const dorm_ann *ann = n ? dorm_qs__annotation(c, fields[i], strlen(fields[i])) : NULL;
        if (!n && i >= (size_t)m->nfields) {
            while (c->ann[a].hidden) a++;
            ann = &c->ann[a++];
        }
        if (ann && ann->hidden)
            return dorm_qs__fail(c, DORM_EFIELD, "Cannot select the '%s' alias. Use annotate() to promote it.",
                                 ann->alias);
        if (ann) {
            cols[i].ann = (int)(ann - c->ann) + 1;
            cols[i].name = ann->alias;
            cols[i].out = &ann->fm;
        } else if (n) {
            dorm_path p;
            int rc = dorm_path__resolve(c, fields[i], strlen(fields[i]), DORM_PATH_OUTER | DORM_PATH_TRANSFORMS, &p);
            if (rc) return c->err ? c : dorm_qs__fail(c, rc, "%s", dorm_errmsg(c->cx));
            cols[i].alias = p.alias;
            cols[i].field = p.field;
            cols[i].name = fields[i];
            cols[i].expr = p.expr;
            cols[i].out = p.expr ? transformed(c, fields[i], p.expr) : p.field;
            if (!cols[i].out) return dorm_qs__fail(c, DORM_ENOMEM, "out of memory");
        } else {
            /* A parent's field is read from the parent's join. */
            const dorm_meta *owner = m;
            const dorm_fmeta *fm = &m->fields[i];
            if (dorm_inherit__owner(c, &cols[i].alias, &owner, &fm))
                return dorm_qs__fail(c, DORM_ENOMEM, "out of memory");
            cols[i].field = cols[i].out = fm;
            cols[i].name = m->fields[i].attname;
        }
        names[i] = cols[i].name;
    }
    names[total] = NULL;
    c->mode = mode;
    c->cols = cols;
    c->ncols = (int)total;
    c->col_names = names;
    dorm_cols__place(c);
    /* values() of a union selects those columns in each part that selects
     * objects (Django's get_combinator_sql). */
    if (c->combinator) {
        dorm_qs **parts = dorm_alloc(c->cx, sizeof *parts * (size_t)(c->ncombined + 1));
        if (!parts) return dorm_qs__fail(c, DORM_ENOMEM, "out of memory");
        for (int i = 0; i < c->ncombined; i++) {
            parts[i] = c->combined[i];
            if (parts[i]->mode == DORM_MODE_OBJECTS) parts[i] = values_common(parts[i], mode, names);
            if (!parts[i] || parts[i]->err)
                return dorm_qs__fail(c, parts[i] ? parts[i]->err : DORM_ENOMEM, "%s", dorm_qs_errmsg(parts[i]));
        }
        parts[c->ncombined] = NULL;
        c->combined = (dorm_qs *const *)parts;
    }
    return c;
}

dorm_qs *dorm_qs_values(dorm_qs *qs, const char *const *fields) { return values_common(qs, DORM_MODE_VALUES, fields); }

dorm_qs *dorm_qs_values_list(dorm_qs *qs, bool flat, const char *const *fields) {
    return values_common(qs, flat ? DORM_MODE_FLAT : DORM_MODE_VALUES_LIST, fields);
}

int dorm_qs_errcode(const dorm_qs *qs) { return !qs ? DORM_ENOMEM : qs->err ? qs->err : qs->fetch_err; }
const char *dorm_qs_errmsg(const dorm_qs *qs) {
    const char *msg = !qs ? NULL : qs->err ? qs->errmsg : qs->fetch_errmsg;
    return msg ? msg : "";
}
dorm_ctx *dorm_qs_ctx(const dorm_qs *qs) { return qs ? qs->cx : NULL; }
