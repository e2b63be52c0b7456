/* path.c - resolution of Django's "field__relation__transform__lookup" paths
 * against the registry: walks forward and reverse relations (adding or reusing
 * joins), then transforms and the final lookup.  Errors carry Django's
 * FieldError messages. */
#include <string.h>

#include "query/query.h"

static const char *const lookup_names[DORM_LK__COUNT] = {
    [DORM_LK_EXACT] = "exact",           [DORM_LK_IEXACT] = "iexact",
    [DORM_LK_CONTAINS] = "contains",     [DORM_LK_ICONTAINS] = "icontains",
    [DORM_LK_STARTSWITH] = "startswith", [DORM_LK_ISTARTSWITH] = "istartswith",
    [DORM_LK_ENDSWITH] = "endswith",     [DORM_LK_IENDSWITH] = "iendswith",
    [DORM_LK_GT] = "gt",                 [DORM_LK_GTE] = "gte",
    [DORM_LK_LT] = "lt",                 [DORM_LK_LTE] = "lte",
    [DORM_LK_IN] = "in",                 [DORM_LK_RANGE] = "range",
    [DORM_LK_ISNULL] = "isnull",         [DORM_LK_REGEX] = "regex",
    [DORM_LK_IREGEX] = "iregex",
};

static const char *const transform_names[DORM_EX__COUNT] = {
    [DORM_EX_YEAR] = "year",       [DORM_EX_ISO_YEAR] = "iso_year", [DORM_EX_MONTH] = "month",
    [DORM_EX_DAY] = "day",         [DORM_EX_WEEK] = "week",         [DORM_EX_WEEK_DAY] = "week_day",
    [DORM_EX_ISO_WEEK_DAY] = "iso_week_day", [DORM_EX_QUARTER] = "quarter", [DORM_EX_HOUR] = "hour",
    [DORM_EX_MINUTE] = "minute",   [DORM_EX_SECOND] = "second",     [DORM_EX_DATE] = "date",
    [DORM_EX_TIME] = "time",
};

static bool eqn(const char *name, const char *s, size_t n) { return strncmp(name, s, n) == 0 && name[n] == '\0'; }

int dorm_lookup_by_name(const char *s, size_t n) {
    for (int i = 0; i < DORM_LK__COUNT; i++)
        if (eqn(lookup_names[i], s, n)) return i;
    return -1;
}

const char *dorm_lookup_name(dorm_lookup lk) { return lookup_names[lk]; }

static int transform_by_name(const char *s, size_t n) {
    for (int i = 0; i < DORM_EX__COUNT; i++)
        if (eqn(transform_names[i], s, n)) return i;
    return -1;
}

/* Which transforms a value kind offers (Django registers them per field class). */
static bool transform_allowed(dorm_kind k, dorm_extract ex) {
    switch (k) {
    case DORM_KIND_DATE:
        return ex <= DORM_EX_QUARTER;
    case DORM_KIND_DATETIME:
        return true;
    case DORM_KIND_TIME:
        return ex == DORM_EX_HOUR || ex == DORM_EX_MINUTE || ex == DORM_EX_SECOND;
    default:
        return false;
    }
}

dorm_kind dorm_path_kind(const dorm_fmeta *fm, int ntrans, const dorm_extract *trans) {
    if (ntrans == 0) return fm->value_kind;
    switch (trans[ntrans - 1]) {
    case DORM_EX_DATE:
        return DORM_KIND_DATE;
    case DORM_EX_TIME:
        return DORM_KIND_TIME;
    default:
        return DORM_KIND_INT;
    }
}

/* Lookups a value kind accepts.  Pattern and regex lookups apply to text only:
 * on other kinds Django silently casts, which hides mistakes. */
static bool lookup_allowed(dorm_kind k, int lk) {
    switch (lk) {
    case DORM_LK_IEXACT:
    case DORM_LK_CONTAINS:
    case DORM_LK_ICONTAINS:
    case DORM_LK_STARTSWITH:
    case DORM_LK_ISTARTSWITH:
    case DORM_LK_ENDSWITH:
    case DORM_LK_IENDSWITH:
    case DORM_LK_REGEX:
    case DORM_LK_IREGEX:
        return dorm_kind_is_text(k) || k == DORM_KIND_UUID;
    default:
        return true;
    }
}

static const char *kind_label(dorm_kind k) { return dorm_kind_name(k); }

static const char *alias_name(const dorm_qs *qs, int alias) {
    return alias == 0 ? qs->meta->db_table : qs->joins[alias - 1].alias;
}

/* Django names a table's first alias after the table, later ones T<n>. */
static const char *new_alias(dorm_qs *qs, const dorm_meta *model) {
    bool used = strcmp(qs->meta->db_table, model->db_table) == 0;
    for (int i = 0; !used && i < qs->njoins; i++) used = strcmp(qs->joins[i].alias, model->db_table) == 0;
    if (!used) return model->db_table;
    return dorm_sprintf(qs->cx, "T%d", qs->njoins + 2);
}

int dorm_path_join(dorm_qs *qs, int parent, const dorm_fmeta *fk, bool reverse, int flags) {
    for (int i = 0; i < qs->njoins; i++) {
        const dorm_join *j = &qs->joins[i];
        if (j->parent == parent && j->fk == fk && j->reverse == reverse &&
            (!reverse || j->generation == qs->generation || (flags & DORM_PATH_OUTER)))
            return i + 1;
    }
    dorm_join *joins = dorm_alloc(qs->cx, sizeof(dorm_join) * (size_t)(qs->njoins + 1));
    if (!joins) return DORM_ENOMEM;
    if (qs->njoins) memcpy(joins, qs->joins, sizeof(dorm_join) * (size_t)qs->njoins);
    dorm_join *j = &joins[qs->njoins];
    const dorm_meta *model = reverse ? fk->owner : fk->target;
    bool parent_outer = parent > 0 && joins[parent - 1].outer;
    j->parent = parent;
    j->fk = fk;
    j->reverse = reverse;
    j->model = model;
    j->nullable = reverse || fk->f->null || (parent > 0 && joins[parent - 1].nullable);
    j->outer = parent_outer || (j->nullable && (flags & DORM_PATH_OUTER));
    j->generation = qs->generation;
    j->alias = new_alias(qs, model);
    if (!j->alias) return DORM_ENOMEM;
    qs->joins = joins;
    qs->njoins++;
    return qs->njoins;
}

static int field_error(dorm_qs *qs, const char *fmt, const char *a, size_t an, const char *b) {
    dorm_qs_fail(qs, DORM_EFIELD, fmt, (int)an, a, b);
    return DORM_EFIELD;
}

/* Transforms and the lookup after the last field. */
static int resolve_tail(dorm_qs *qs, const char *p, const char *end, int flags, dorm_path *out) {
    while (p < end) {
        const char *sep = strstr(p, "__");
        if (!sep || sep > end) sep = end;
        size_t n = (size_t)(sep - p);
        dorm_kind k = dorm_path_kind(out->field, out->ntrans, out->trans);
        int ex = transform_by_name(p, n);
        if (ex >= 0 && transform_allowed(k, (dorm_extract)ex) && out->ntrans < DORM_MAX_TRANSFORMS &&
            (flags & (DORM_PATH_LOOKUPS | DORM_PATH_TRANSFORMS))) {
            out->trans[out->ntrans++] = (dorm_extract)ex;
        } else {
            int lk = (flags & DORM_PATH_LOOKUPS) ? dorm_lookup_by_name(p, n) : -1;
            if (lk < 0 || sep != end || !lookup_allowed(k, lk))
                return field_error(qs, "Unsupported lookup '%.*s' for %s or join on the field not permitted.", p, n,
                                   kind_label(k == DORM_KIND_INT && out->ntrans == 0 ? out->field->f->kind : k));
            out->lookup = lk;
        }
        p = sep == end ? end : sep + 2;
    }
    return DORM_OK;
}

int dorm_path_resolve(dorm_qs *qs, const char *path, size_t len, int flags, dorm_path *out) {
    const dorm_meta *m = qs->meta;
    const char *p = path, *end = path + len;
    memset(out, 0, sizeof *out);
    out->lookup = -1;
    int alias = 0;
    bool nullable = false;
    if (len == 0) return field_error(qs, "Cannot resolve keyword '%.*s' into field. Choices are: %s", p, 0, m->choices_list);
    while (p < end) {
        const char *sep = strstr(p, "__");
        if (!sep || sep > end) sep = end;
        size_t n = (size_t)(sep - p);
        const dorm_fmeta *fm = (n == 2 && strncmp(p, "pk", 2) == 0) ? m->pk : dorm_meta_fieldn(m, p, n);
        const dorm_rel *mm = fm ? NULL : dorm_meta_m2m(m, p, n);
        if (mm) {
            /* This side -> join table (multi-valued), then join table -> other side. */
            int a = dorm_path_join(qs, alias, mm->fk, true, flags);
            if (a < 0) return a;
            const char *q = sep == end ? end : sep + 2, *sep2 = strstr(q, "__");
            if (!sep2 || sep2 > end) sep2 = end;
            size_t n2 = (size_t)(sep2 - q);
            const dorm_meta *t = mm->model;
            bool key = q != end && ((n2 == 2 && strncmp(q, "pk", 2) == 0) || eqn(t->pk->f->name, q, n2));
            /* tags, tags__in, tags__pk compare the join table's key (Django trims the last join). */
            if (q == end || key || (!dorm_meta_fieldn(t, q, n2) && !dorm_meta_reverse(t, q, n2) &&
                                    !dorm_meta_m2m(t, q, n2))) {
                out->field = mm->to_fk;
                out->alias = a;
                out->nullable = true;
                return resolve_tail(qs, key ? (sep2 == end ? end : sep2 + 2) : q, end, flags, out);
            }
            alias = dorm_path_join(qs, a, mm->to_fk, false, flags);
            if (alias < 0) return alias;
            m = t;
            nullable = true;
            p = q;
            continue;
        }
        if (!fm) {
            const dorm_rel *rel = dorm_meta_reverse(m, p, n);
            if (!rel)
                return field_error(qs, "Cannot resolve keyword '%.*s' into field. Choices are: %s", p, n,
                                   m->choices_list);
            int a = dorm_path_join(qs, alias, rel->fk, true, flags);
            if (a < 0) return a;
            alias = a;
            m = rel->model;
            nullable = true;
            const char *q = sep + 2, *sep2 = sep == end ? end : strstr(q, "__");
            if (!sep2 || sep2 > end) sep2 = end;
            size_t n2 = (size_t)(sep2 - q);
            /* books / books__isnull / books__in compare the related primary key. */
            bool tail = sep == end || (!(n2 == 2 && strncmp(q, "pk", 2) == 0) && !dorm_meta_fieldn(m, q, n2) &&
                                       !dorm_meta_reverse(m, q, n2) && !dorm_meta_m2m(m, q, n2) &&
                                       (dorm_lookup_by_name(q, n2) >= 0 || transform_by_name(q, n2) >= 0));
            if (tail) {
                out->field = m->pk;
                out->alias = alias;
                out->nullable = true;
                return resolve_tail(qs, sep == end ? end : q, end, flags, out);
            }
            p = q;
            continue;
        }
        nullable = nullable || fm->f->null;
        bool is_fk = fm->f->kind == DORM_KIND_FK && fm->target;
        bool by_attname = fm->attname != fm->f->name && n == strlen(fm->attname) && strncmp(p, fm->attname, n) == 0;
        if (!is_fk || by_attname || sep == end) {
            out->field = fm;
            out->alias = alias;
            out->nullable = nullable;
            return resolve_tail(qs, sep == end ? end : sep + 2, end, flags, out);
        }
        /* A relation with more parts: a field of the target, or a lookup on the key. */
        const char *q = sep + 2;
        const char *sep2 = strstr(q, "__");
        if (!sep2 || sep2 > end) sep2 = end;
        size_t n2 = (size_t)(sep2 - q);
        const dorm_meta *t = fm->target;
        const dorm_fmeta *next = (n2 == 2 && strncmp(q, "pk", 2) == 0) ? t->pk : dorm_meta_fieldn(t, q, n2);
        const dorm_rel *nrel = next ? NULL : dorm_meta_reverse(t, q, n2);
        if (!next && !nrel && !dorm_meta_m2m(t, q, n2)) {
            if (dorm_lookup_by_name(q, n2) >= 0 || transform_by_name(q, n2) >= 0) {
                out->field = fm;
                out->alias = alias;
                out->nullable = nullable;
                return resolve_tail(qs, q, end, flags, out);
            }
            if (!(flags & DORM_PATH_LOOKUPS))
                return field_error(qs, "Cannot resolve keyword '%.*s' into field. Choices are: %s", q, n2,
                                   t->choices_list);
            return field_error(qs, "Related Field got invalid lookup: %.*s%s", q, n2, "");
        }
        if (next && next == t->pk && fm->target_pk == t->pk) {
            /* author__id is author_id: no join needed (Django trims it). */
            out->field = fm;
            out->alias = alias;
            out->nullable = nullable;
            return resolve_tail(qs, sep2 == end ? end : sep2 + 2, end, flags, out);
        }
        int a = dorm_path_join(qs, alias, fm, false, flags);
        if (a < 0) return a;
        alias = a;
        m = t;
        p = q;
    }
    out->alias = alias;
    out->nullable = nullable;
    return DORM_OK;
}

const char *dorm_alias_name(const dorm_qs *qs, int alias) { return alias_name(qs, alias); }
