/* path.c - resolution of Django's "field__relation__transform__lookup" paths
 * against the registry: walks forward and reverse relations (adding or reusing
 * joins), then transforms and the final lookup.  Errors carry Django's
 * FieldError messages, with its "perhaps you meant ...?" for a lookup typo. */
#include <string.h>

#include "model/custom.h"
#include "query/query.h"

/* One "__"-separated part of a path (may be empty: "title__"). */
typedef struct part {
    const char *s;
    size_t n;
} part;

static bool eqn(const char *name, const char *s, size_t n) { return strncmp(name, s, n) == 0 && name[n] == '\0'; }

static bool is_pk(part p) { return p.n == 2 && strncmp(p.s, "pk", 2) == 0; }

static bool is_lookup_or_transform(const dorm_qs *qs, part p) { return dorm_lookup__named(qs->cx->db->reg, p.s, p.n); }

/* Whether a field of a program's type takes lookup or transform `p`
 * (directly on the field: its type's list, when it has one). */
static bool custom_allows(const dorm_path *out, part p) {
    const dorm_field_type *t = out->field && out->field->f->kind == DORM_KIND_CUSTOM ? out->field->f->type : NULL;
    if (!t || !t->lookups || out->expr) return true;
    for (size_t i = 0; t->lookups[i]; i++)
        if (eqn(t->lookups[i], p.s, p.n)) return true;
    return false;
}

static const char *alias_name(const dorm_qs *qs, int alias) {
    if (qs->alias_names) return qs->alias_names[alias];
    return alias == 0 ? qs->meta->db_table : qs->joins[alias - 1].alias;
}

/* Django names a table's first alias after the table, later ones T<n>. */
static const char *new_alias(dorm_qs *qs, const dorm_meta *model) {
    bool used = strcmp(qs->meta->db_table, model->db_table) == 0;
    for (int i = 0; !used && i < qs->njoins; i++) used = strcmp(qs->joins[i].alias, model->db_table) == 0;
    if (!used) return model->db_table;
    return dorm_sprintf(qs->cx, "T%d", qs->njoins + 2);
}

int dorm_path__join(dorm_qs *qs, int parent, const dorm_fmeta *fk, bool reverse, int flags) {
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

static int field_error(dorm_qs *qs, const char *fmt, part p, const char *b) {
    dorm_qs__fail(qs, DORM_EFIELD, fmt, (int)p.n, p.s, b);
    return DORM_EFIELD;
}

static int unknown_keyword(dorm_qs *qs, const dorm_meta *m, part p) {
    return field_error(qs, "Cannot resolve keyword '%.*s' into field. Choices are: %s", p, m->choices_list);
}

/* Django's ", perhaps you meant a or b?" for a lookup or transform name
 * close to one the kind offers, else ".". */
static const char *suggestion(dorm_qs *qs, dorm_kind k, part p, int flags) {
    const char *cands[128], *best[3];
    size_t n = (flags & (DORM_PATH_LOOKUPS | DORM_PATH_TRANSFORMS))
        ? dorm_lookup__names(qs->cx->db->reg, k, flags & DORM_PATH_LOOKUPS, cands, 128)
        : 0;
    int nb = dorm_close__matches(p.s, p.n, cands, n, best);
    if (!nb) return ".";
    const char *s = dorm_sprintf(qs->cx, ", perhaps you meant %s%s%s%s%s?", best[0], nb > 1 ? " or " : "",
                                 nb > 1 ? best[1] : "", nb > 2 ? " or " : "", nb > 2 ? best[2] : "");
    return s ? s : ".";
}

/* A name after a relation that is no field of the related model m: Django's
 * "Related Field got invalid lookup" when it looks like a lookup (or is
 * empty, a path ending in "__"), else the related model's fields. */
static int after_relation(dorm_qs *qs, const dorm_meta *m, part p, int flags) {
    const char *cands[128], *best[3];
    size_t n = dorm_lookup__names(qs->cx->db->reg, DORM_KIND_NONE, true, cands, 128);
    if ((flags & DORM_PATH_LOOKUPS) && (p.n == 0 || dorm_close__matches(p.s, p.n, cands, n, best) > 0))
        return field_error(qs, "Related Field got invalid lookup: %.*s%s", p, "");
    return unknown_keyword(qs, m, p);
}

/* Transforms and the lookup after the last field (parts[0..n)); out->expr
 * gets the transforms (it stays NULL for the bare column).  `field` names the field for messages; `related`: it is a
 * relation, whose parts are lookups on its key. */
static int resolve_tail(dorm_qs *qs, const part *parts, int n, int flags, const char *field, bool related,
                        const dorm_meta *target, dorm_path *out) {
    const dorm_registry *reg = qs->cx->db->reg;
    bool transformed = false;
    for (int i = 0; i < n; i++) {
        part p = parts[i];
        dorm_kind k = out->expr ? out->expr->vkind : out->field->value_kind;
        const dorm_lookup_def *t =
            (flags & (DORM_PATH_LOOKUPS | DORM_PATH_TRANSFORMS)) ? dorm_lookup__find(reg, k, p.s, p.n, true) : NULL;
        const dorm_func_def *fn = t ? dorm_func__find(reg, t->transform, strlen(t->transform)) : NULL;
        if (fn && custom_allows(out, p)) {
            if (!out->expr && !(out->expr = dorm_rexpr__col(qs, out->alias, out->field))) return DORM_ENOMEM;
            if (!(out->expr = dorm_rexpr__transform(qs, fn, out->expr))) return DORM_ENOMEM;
            transformed = true;
            continue;
        }
        const dorm_lookup_def *lk = (flags & DORM_PATH_LOOKUPS) ? dorm_lookup__find(reg, k, p.s, p.n, false) : NULL;
        if (lk && i == n - 1 && custom_allows(out, p)) {
            out->lookup = lk;
            return DORM_OK;
        }
        /* Any other name after a JSONField is a key (Django's KeyTransformFactory). */
        if (k == DORM_KIND_JSON && !related && (flags & (DORM_PATH_LOOKUPS | DORM_PATH_TRANSFORMS))) {
            if (!out->expr && !(out->expr = dorm_rexpr__col(qs, out->alias, out->field))) return DORM_ENOMEM;
            if (!(out->expr = dorm_rexpr__key(qs, out->expr, p.s, p.n, false))) return DORM_ENOMEM;
            transformed = true;
            continue;
        }
        if (related && !transformed) {
            if (flags & DORM_PATH_LOOKUPS) return field_error(qs, "Related Field got invalid lookup: %.*s%s", p, "");
            return unknown_keyword(qs, target, p);
        }
        if (!(flags & DORM_PATH_LOOKUPS))
            return field_error(qs, "Cannot resolve keyword '%.*s' into field. Join on '%s' not permitted.", p, field);
        const char *label =
            !transformed && out->field && (k == DORM_KIND_INT || out->field->f->kind == DORM_KIND_CUSTOM)
            ? dorm_field__class(out->field->f)
            : dorm_kind__name(k);
        dorm_qs__fail(qs, DORM_EFIELD, "Unsupported lookup '%.*s' for %s or join on the field not permitted%s",
                      (int)p.n, p.s, label, suggestion(qs, k, p, flags));
        return DORM_EFIELD;
    }
    return DORM_OK;
}

/* Paths of up to this many parts are split into the caller's buffer. */
#define PARTS_INLINE 8

/* Splits path into its parts (into buf when they fit, else in the arena);
 * the count, or DORM_ENOMEM. */
static int split(dorm_qs *qs, const char *path, size_t len, part *buf, part **out) {
    int n = 1;
    for (size_t i = 0; i + 1 < len; i++)
        if (path[i] == '_' && path[i + 1] == '_') {
            n++;
            i++;
        }
    part *parts = n <= PARTS_INLINE ? buf : dorm_alloc(qs->cx, sizeof(part) * (size_t)n);
    if (!parts) return DORM_ENOMEM;
    const char *p = path, *end = path + len;
    for (int i = 0; i < n; i++) {
        const char *sep = p;
        while (sep + 1 < end && !(sep[0] == '_' && sep[1] == '_')) sep++;
        if (sep + 1 >= end) sep = end;
        parts[i] = (part){p, (size_t)(sep - p)};
        p = sep == end ? end : sep + 2;
    }
    *out = parts;
    return n;
}

/* Whether part p names something of model m a path can walk into. */
static bool walkable(const dorm_meta *m, part p) {
    return is_pk(p) || dorm_meta__fieldn(m, p.s, p.n) || dorm_meta__reverse(m, p.s, p.n) || dorm_meta__m2m(m, p.s, p.n);
}

/* A path of one name, "pk" or a field of a model with no parent ("title"):
 * what the loop of dorm_path__resolve does for it, without splitting it
 * (get(pk=...) in a loop).  False for any other path. */
static bool own_field(const dorm_qs *qs, const char *path, size_t len, dorm_path *out) {
    for (size_t i = 0; i + 1 < len; i++)
        if (path[i] == '_' && path[i + 1] == '_') return false;
    const dorm_meta *m = qs->meta;
    const dorm_fmeta *fm;
    if (len == 2 && path[0] == 'p' && path[1] == 'k')
        fm = m->pk;
    else if (m->parent)
        return false; /* the name may be an ancestor's (dorm_path__up) */
    else
        fm = dorm_meta__fieldn(m, path, len);
    if (!fm) return false;
    bool is_fk = fm->f->kind == DORM_KIND_FK && fm->target;
    bool by_attname = fm->attname != fm->f->name && eqn(fm->attname, path, len);
    out->field = fm;
    out->nullable = fm->f->null;
    out->relation = is_fk && !by_attname;
    return true;
}

int dorm_path__resolve(dorm_qs *qs, const char *path, size_t len, int flags, dorm_path *out) {
    const dorm_meta *m = qs->meta;
    memset(out, 0, sizeof *out);
    if (own_field(qs, path, len, out)) return DORM_OK;
    part buf[PARTS_INLINE], *parts;
    int np = split(qs, path, len, buf, &parts);
    if (np < 0) return np;
    int alias = 0;
    bool nullable = false;
    for (int i = 0; i < np; i++) {
        part p = parts[i];
        bool last = i == np - 1;
        const dorm_fmeta *fm;
        int up = dorm_path__up(qs, &alias, &m, p.s, p.n, flags, &fm);
        if (up) return up;
        if (!fm) fm = is_pk(p) ? m->pk : dorm_meta__fieldn(m, p.s, p.n);
        const dorm_rel *mm = fm ? NULL : dorm_meta__m2m(m, p.s, p.n);
        if (mm) {
            /* This side -> join table (multi-valued), then join table -> other side. */
            int a = dorm_path__join(qs, alias, mm->fk, true, flags);
            if (a < 0) return a;
            const dorm_meta *t = mm->model;
            part q = last ? (part){"", 0} : parts[i + 1];
            bool key = !last && (is_pk(q) || eqn(t->pk->f->name, q.s, q.n));
            /* tags, tags__in, tags__pk compare the join table's key (Django trims the last join). */
            if (last || key || !walkable(t, q)) {
                if (!last && !key && !is_lookup_or_transform(qs, q)) return after_relation(qs, t, q, flags);
                out->field = mm->to_fk;
                out->alias = a;
                out->nullable = true;
                int skip = i + 1 + (key ? 1 : 0);
                return resolve_tail(qs, parts + skip, np - skip, flags, p.s, true, t, out);
            }
            alias = dorm_path__join(qs, a, mm->to_fk, false, flags);
            if (alias < 0) return alias;
            m = t;
            nullable = true;
            continue;
        }
        if (!fm) {
            const dorm_rel *rel = dorm_meta__reverse(m, p.s, p.n);
            if (!rel) return i == 0 ? unknown_keyword(qs, m, p) : after_relation(qs, m, p, flags);
            int a = dorm_path__join(qs, alias, rel->fk, true, flags);
            if (a < 0) return a;
            alias = a;
            m = rel->model;
            nullable = true;
            /* books / books__isnull / books__in compare the related primary key. */
            if (last || (!walkable(m, parts[i + 1]) && is_lookup_or_transform(qs, parts[i + 1]))) {
                out->field = m->pk;
                out->alias = alias;
                out->nullable = true;
                return resolve_tail(qs, parts + i + 1, np - i - 1, flags, p.s, true, m, out);
            }
            continue;
        }
        nullable = nullable || fm->f->null;
        bool is_fk = fm->f->kind == DORM_KIND_FK && fm->target;
        bool by_attname = fm->attname != fm->f->name && eqn(fm->attname, p.s, p.n);
        if (!is_fk || by_attname || last) {
            out->field = fm;
            out->alias = alias;
            out->nullable = nullable;
            out->relation = is_fk && !by_attname;
            return resolve_tail(qs, parts + i + 1, np - i - 1, flags, fm->f->name, false, NULL, out);
        }
        /* A relation with more parts: a field of the target, or a lookup on the key. */
        part q = parts[i + 1];
        const dorm_meta *t = fm->target;
        const dorm_fmeta *next = is_pk(q) ? t->pk : dorm_meta__fieldn(t, q.s, q.n);
        if (!walkable(t, q)) {
            if (!is_lookup_or_transform(qs, q)) return after_relation(qs, t, q, flags);
            out->field = fm;
            out->alias = alias;
            out->nullable = nullable;
            return resolve_tail(qs, parts + i + 1, np - i - 1, flags, fm->f->name, true, t, out);
        }
        if (next && next == t->pk && fm->target_pk == t->pk) {
            /* author__id is author_id: no join needed (Django trims it). */
            out->field = fm;
            out->alias = alias;
            out->nullable = nullable;
            return resolve_tail(qs, parts + i + 2, np - i - 2, flags, fm->f->name, false, NULL, out);
        }
        int a = dorm_path__join(qs, alias, fm, false, flags);
        if (a < 0) return a;
        alias = a;
        m = t;
    }
    return unknown_keyword(qs, m, (part){"", 0});
}

int dorm_path__on_expr(dorm_qs *qs, const dorm_rexpr *base, const char *rest, const char *name, int flags,
                       dorm_path *out) {
    memset(out, 0, sizeof *out);
    out->expr = base;
    if (!rest[0]) return DORM_OK;
    part buf[PARTS_INLINE], *parts;
    int np = split(qs, rest, strlen(rest), buf, &parts);
    if (np < 0) return np;
    return resolve_tail(qs, parts, np, flags, name, false, NULL, out);
}

const char *dorm_alias__name(const dorm_qs *qs, int alias) { return alias_name(qs, alias); }
