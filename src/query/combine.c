/* combine.c - union(), intersection() and difference(): a QuerySet made of
 * others, written as Django's get_combinator_sql writes it (each part in
 * parentheses with its own ordering and slice where the backend allows it,
 * bare parts that may have neither otherwise), ordered by the positions of
 * the selected columns, counted over a subquery; and Django's refusal of
 * what cannot follow a combinator. */
#include <string.h>

#include "core/assert.h"
#include "query/compiler.h"

static const char *const names[] = {[DORM_COMBINE_UNION] = "union",
                                    [DORM_COMBINE_INTERSECTION] = "intersection",
                                    [DORM_COMBINE_DIFFERENCE] = "difference"};
static const char *const keywords[] = {[DORM_COMBINE_UNION] = " UNION ",
                                       [DORM_COMBINE_INTERSECTION] = " INTERSECT ",
                                       [DORM_COMBINE_DIFFERENCE] = " EXCEPT "};

dorm_qs *dorm_qs__combined_refuse(dorm_qs *qs, const char *operation) {
    if (qs && !qs->err && qs->combinator)
        return dorm_qs__fail(qs, DORM_ENOTSUPPORTED, "Calling QuerySet.%s() after %s() is not supported.", operation,
                             names[qs->combinator]);
    return NULL;
}

/* A failed clone of qs (NULL when even the clone fails). */
static dorm_qs *fail_clone(const dorm_qs *qs, int code, const char *msg) {
    dorm_qs *c = dorm_qs__clone(qs);
    return c ? dorm_qs__fail(c, code, "%s", msg) : NULL;
}

static dorm_qs *combine(dorm_qs *qs, dorm_qs *const *others, size_t n, int combinator, bool all) {
    if (!qs || qs->err) return qs;
    if (n && !others) return fail_clone(qs, DORM_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        if (!others[i]) return fail_clone(qs, DORM_ENOMEM, "out of memory");
        if (others[i]->err) return fail_clone(qs, others[i]->err, dorm_qs_errmsg(others[i]));
    }
    /* Django's intersection() with a none() part is that part, as is its
     * difference() from a none() first part: no combination, so nothing a
     * backend without INTERSECT or EXCEPT refuses. */
    if (combinator != DORM_COMBINE_UNION && qs->empty) return dorm_qs__clone(qs);
    if (qs->empty) {
        /* Django's union() of a none() QuerySet: the union of the others
         * that are not none(); one alone is that QuerySet itself (which
         * filter() and the like accept), none at all the none(). */
        dorm_qs **rest = dorm_alloc(qs->cx, sizeof *rest * (n + 1));
        if (!rest) return fail_clone(qs, DORM_ENOMEM, "out of memory");
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (!others[i]->empty) rest[k++] = others[i];
        rest[k] = NULL;
        if (k <= 1) return dorm_qs__clone(k ? rest[0] : qs);
        qs = rest[0];
        others = rest + 1;
        n = k - 1;
    }
    for (size_t i = 0; combinator == DORM_COMBINE_INTERSECTION && i < n; i++)
        if (others[i]->empty) return dorm_qs__clone(others[i]);
    dorm_qs **parts = dorm_alloc(qs->cx, sizeof *parts * (n + 2));
    if (!parts) return fail_clone(qs, DORM_ENOMEM, "out of memory");
    dorm_qs *c = dorm_qs__clone(qs);
    if (!c) return NULL;
    parts[0] = (dorm_qs *)qs;
    memcpy(parts + 1, others, sizeof *parts * n);
    parts[n + 1] = NULL;
    /* The combination keeps the first part's columns, nothing else of it. */
    c->combinator = combinator;
    c->combinator_all = all;
    c->combined = (dorm_qs *const *)parts;
    c->ncombined = (int)n + 1;
    c->where = NULL;
    c->njoins = 0;
    c->ordered_explicitly = true;
    c->norder = 0;
    c->reversed = false;
    c->low = 0;
    c->high = -1;
    c->empty = false;
    return c;
}

dorm_qs *dorm_qs_union(dorm_qs *qs, dorm_qs *const *others, size_t n, bool all) {
    return combine(qs, others, n, DORM_COMBINE_UNION, all);
}
dorm_qs *dorm_qs_intersection(dorm_qs *qs, dorm_qs *const *others, size_t n) {
    return combine(qs, others, n, DORM_COMBINE_INTERSECTION, false);
}
dorm_qs *dorm_qs_difference(dorm_qs *qs, dorm_qs *const *others, size_t n) {
    return combine(qs, others, n, DORM_COMBINE_DIFFERENCE, false);
}

/* The 1-based position of an ordering term among the selected columns, or 0. */
static int position(const dorm_qs *qs, const dorm_order *o) {
    if (o->random) return 0;
    if (qs->mode == DORM_MODE_OBJECTS) {
        if (o->ref || o->expr || o->alias != 0) return 0;
        for (int i = 0, k = 0; i < qs->meta->nfields; i++) {
            if (qs->deferred & ((uint64_t)1 << i)) continue;
            k++;
            if (&qs->meta->fields[i] == o->field) return k;
        }
        return 0;
    }
    for (int i = 0; i < qs->ncols; i++) {
        const dorm_col *c = &qs->cols[i];
        bool same = c->ann
            ? o->ref && strcmp(o->ref, qs->ann[c->ann - 1].alias) == 0
            : !o->ref && c->alias == o->alias && c->field == o->field && dorm_rexpr__same(c->expr, o->expr);
        if (same) return c->pos + 1;
    }
    return 0;
}

/* One part: in parentheses with its ordering and slice, or bare where the
 * backend refuses those in a compound statement (Django's
 * supports_slicing_ordering_in_compound). */
static int part_sql(dorm_sql *s, const dorm_qs *part, bool exists) {
    if (s->d->compound_parens) {
        dorm_buf_putc(&s->text, '(');
        int rc = dorm_compile__select(part, exists ? DORM_SELECT_EXISTS : DORM_SELECT_ROWS, s);
        dorm_buf_putc(&s->text, ')');
        return rc;
    }
    const char *const *meta = part->meta->ordering;
    if (part->low > 0 || part->high >= 0)
        return dorm_qs__fail((dorm_qs *)part, DORM_EPROGRAMMING,
                             "LIMIT/OFFSET not allowed in subqueries of compound "
                             "statements.")
            ->err;
    if ((part->ordered_explicitly && part->norder) || (!part->ordered_explicitly && meta && meta[0]))
        return dorm_qs__fail((dorm_qs *)part, DORM_EPROGRAMMING,
                             "ORDER BY not allowed in subqueries of compound "
                             "statements.")
            ->err;
    if (!exists) return dorm_compile__select(part, DORM_SELECT_ROWS, s);
    size_t start = s->text.len;
    dorm_buf_puts(&s->text, "SELECT (1) AS ");
    dorm_sql__name(s, "a");
    return dorm_compile__rest(part, s, &(dorm_rest){.start = start});
}

int dorm_compile__combined(const dorm_qs *qs, dorm_sql *s, bool exists, bool ordered) {
    int written = 0;
    /* Django's get_combinator_sql, before any SQL. */
    if ((qs->combinator == DORM_COMBINE_INTERSECTION && s->d->no_select_intersection) ||
        (qs->combinator == DORM_COMBINE_DIFFERENCE && s->d->no_select_difference))
        return dorm_ctx_fail(s->cx, DORM_ENOTSUPPORTED, "%s is not supported on this database backend.",
                             names[qs->combinator]);
    /* Parts selecting (1) are one row to INTERSECT and EXCEPT: those keep
     * their columns, and the whole is limited to a row. */
    bool ones = exists && qs->combinator == DORM_COMBINE_UNION;
    for (int i = 0; i < qs->ncombined; i++) {
        /* Django compiles no none() part, not even to check its ordering
         * and slice; none() of the whole empties every part (set_empty). */
        if (qs->empty || qs->combined[i]->empty) continue;
        size_t mark = s->text.len, pmark = s->nparams;
        if (written) dorm_buf_puts(&s->text, qs->combinator_all ? " UNION ALL " : keywords[qs->combinator]);
        int rc = part_sql(s, qs->combined[i], ones);
        if (rc < 0) {
            const dorm_qs *p = qs->combined[i];
            if (p->err) dorm_qs__reraise(p);
            return rc;
        }
        if (rc == DORM_COMPILED) {
            written++;
            continue;
        }
        /* Django leaves out a part matching nothing from a union, and from
         * a difference unless it is the first; an intersection matches nothing. */
        DORM_ASSERT(mark <= s->text.len);
        s->text.len = mark;
        if (s->text.data) s->text.data[mark] = '\0';
        s->nparams = pmark;
        if (qs->combinator == DORM_COMBINE_INTERSECTION || (qs->combinator == DORM_COMBINE_DIFFERENCE && i == 0))
            return DORM_COMPILED_EMPTY;
    }
    if (!written) return DORM_COMPILED_EMPTY;
    for (int i = 0; ordered && i < qs->norder; i++) {
        int pos = position(qs, &qs->order[i]);
        if (!pos)
            return dorm_ctx_fail(qs->cx, DORM_EPROGRAMMING,
                                 "ORDER BY term does not match any column in the result set.");
        dorm_buf_printf(&s->text, "%s(%d) %s", i ? ", " : " ORDER BY ", pos,
                        qs->order[i].desc != qs->reversed ? "DESC" : "ASC");
    }
    if (exists)
        s->d->limit_offset(&s->text, 1, 0);
    else if (ordered && (qs->low > 0 || qs->high >= 0))
        s->d->limit_offset(&s->text, qs->high >= 0 ? qs->high - qs->low : -1, qs->low);
    if (qs->high >= 0 && qs->high == qs->low) return DORM_COMPILED_EMPTY;
    return dorm_sql__compiled(s);
}

int dorm_compile__combined_count(const dorm_qs *qs, dorm_sql *s) {
    dorm_buf_puts(&s->text, "SELECT COUNT(*) FROM (");
    /* The ordering counts only where it picks the rows of a slice. */
    int rc = dorm_compile__combined(qs, s, false, qs->low > 0 || qs->high >= 0);
    dorm_buf_puts(&s->text, ") subquery");
    return rc;
}
