/* paginator.c - Django's Paginator over a QuerySet (the count: one query;
 * pages: slices of it) or over a sequence the program holds (a count of
 * items), page numbers validated with Django's errors
 * (numbers given as text read as Python's int() reads them), orphans,
 * allow_empty_first_page, the elided page range and the warning for an
 * unordered QuerySet. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/opts.h"
#include "exec/exec.h"

struct dorm_paginator {
    dorm_ctx *cx;
    dorm_qs *qs; /* NULL: a sequence of `count` items */
    int64_t per_page;
    dorm_paginator_opts o;
    int64_t count; /* -1 until counted */
};

/* Django's QuerySet.ordered. */
static bool ordered(const dorm_qs *qs) {
    if (qs->empty || qs->norder > 0) return true;
    const char *const *meta = qs->meta->ordering;
    return !qs->ordered_explicitly && meta && meta[0] && !qs->group_by;
}

dorm_paginator *dorm_paginator_new_(dorm_qs *qs, int64_t per_page, const dorm_paginator_opts *opts, size_t opts_size) {
    dorm_paginator_opts opts_copy_;
    opts = dorm_opts__read(&opts_copy_, sizeof opts_copy_, opts, opts_size);
    if (!qs) return NULL;
    dorm_error_clear(qs->cx);
    if (qs->err) {
        dorm_qs__reraise(qs);
        return NULL;
    }
    if (per_page < 1) {
        dorm_ctx_fail(qs->cx, DORM_EVALUE, "per_page must be a positive number, not %lld.", (long long)per_page);
        return NULL;
    }
    dorm_paginator *p = dorm_alloc(qs->cx, sizeof *p);
    if (!p) return NULL;
    p->cx = qs->cx;
    p->qs = qs;
    p->per_page = per_page;
    if (opts) p->o = *opts;
    if (p->o.orphans < 0) p->o.orphans = 0;
    p->count = -1;
    if (!ordered(qs)) {
        char msg[256];
        snprintf(msg, sizeof msg,
                 "UnorderedObjectListWarning: Pagination may yield inconsistent results with an unordered "
                 "object_list: %s QuerySet.",
                 qs->meta->label);
        dorm__notice(qs->cx, msg);
    }
    return p;
}

dorm_paginator *dorm_paginator_new_count_(dorm_ctx *cx, int64_t count, int64_t per_page,
                                          const dorm_paginator_opts *opts, size_t opts_size) {
    dorm_paginator_opts opts_copy_;
    opts = dorm_opts__read(&opts_copy_, sizeof opts_copy_, opts, opts_size);
    dorm_error_clear(cx);
    if (per_page < 1) {
        dorm_ctx_fail(cx, DORM_EVALUE, "per_page must be a positive number, not %lld.", (long long)per_page);
        return NULL;
    }
    if (count < 0) {
        dorm_ctx_fail(cx, DORM_EVALUE, "count must not be negative, not %lld.", (long long)count);
        return NULL;
    }
    dorm_paginator *p = dorm_alloc(cx, sizeof *p);
    if (!p) return NULL;
    *p = (dorm_paginator){cx, NULL, per_page, opts ? *opts : (dorm_paginator_opts){0, false}, count};
    if (p->o.orphans < 0) p->o.orphans = 0;
    return p;
}

int64_t dorm_paginator_per_page(const dorm_paginator *p) { return p ? p->per_page : DORM_EVALUE; }

int64_t dorm_paginator_count(dorm_paginator *p) {
    if (!p) return DORM_EVALUE;
    if (p->count < 0) {
        int64_t n = dorm_count(p->qs);
        if (n < 0) return n;
        p->count = n;
    }
    return p->count;
}

int64_t dorm_paginator_num_pages(dorm_paginator *p) {
    int64_t count = dorm_paginator_count(p);
    if (count < 0) return count;
    if (count == 0 && p->o.no_empty_first_page) return 0;
    int64_t hits = count - p->o.orphans > 1 ? count - p->o.orphans : 1;
    return (hits + p->per_page - 1) / p->per_page;
}

/* validate_number() of an integer: the number, or DORM_EEMPTYPAGE. */
static int64_t validate(dorm_paginator *p, int64_t number) {
    dorm_ctx *cx = p->cx;
    if (number < 1) return dorm_ctx_fail(cx, DORM_EEMPTYPAGE, "That page number is less than 1");
    int64_t pages = dorm_paginator_num_pages(p);
    if (pages < 0) return dorm_errcode(cx) ? dorm_errcode(cx) : DORM_ENOMEM;
    if (number > pages && !(number == 1 && !p->o.no_empty_first_page))
        return dorm_ctx_fail(cx, DORM_EEMPTYPAGE, "That page contains no results");
    return number;
}

/* Python's int(text): blanks around, a sign, digits with single '_'
 * between them.  0 and *out, or -1; a number too large for int64 reads
 * as the largest one of its sign (it is out of range either way). */
static int parse_int(const char *s, int64_t *out) {
    while (isspace((unsigned char)*s)) s++;
    bool neg = *s == '-';
    if (*s == '-' || *s == '+') s++;
    if (!isdigit((unsigned char)*s)) return -1;
    uint64_t v = 0;
    bool big = false;
    for (; isdigit((unsigned char)*s) || (*s == '_' && isdigit((unsigned char)s[1])); s++) {
        if (*s == '_') continue;
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            big = true;
        else
            v = v * 10 + d;
    }
    while (isspace((unsigned char)*s)) s++;
    if (*s) return -1;
    if (big || v > (uint64_t)INT64_MAX)
        *out = neg ? INT64_MIN : INT64_MAX;
    else
        *out = neg ? -(int64_t)v : (int64_t)v;
    return 0;
}

int64_t dorm_paginator_validate(dorm_paginator *p, const char *number) {
    if (!p) return DORM_ENOMEM;
    dorm_error_clear(p->cx);
    int64_t n;
    if (!number || parse_int(number, &n))
        return dorm_ctx_fail(p->cx, DORM_EPAGENOTANINTEGER, "That page number is not an integer");
    return validate(p, n);
}

static dorm_page *make_page(dorm_paginator *p, int64_t number) {
    int64_t bottom = (number - 1) * p->per_page, top = bottom + p->per_page;
    if (top + p->o.orphans >= p->count) top = p->count;
    dorm_page *pg = dorm_alloc(p->cx, sizeof *pg);
    if (!pg) return NULL;
    pg->number = number;
    pg->paginator = p;
    if (!p->qs) return pg;
    pg->object_list = dorm_slice(p->qs, bottom, top);
    return pg->object_list ? pg : NULL;
}

dorm_page *dorm_paginator_page(dorm_paginator *p, int64_t number) {
    if (!p) return NULL;
    dorm_error_clear(p->cx);
    number = validate(p, number);
    return number < 0 ? NULL : make_page(p, number);
}

dorm_page *dorm_paginator_page_str(dorm_paginator *p, const char *number) {
    int64_t n = dorm_paginator_validate(p, number);
    return n < 0 ? NULL : make_page(p, n);
}

dorm_page *dorm_paginator_get_page(dorm_paginator *p, const char *number) {
    int64_t n = dorm_paginator_validate(p, number);
    if (n == DORM_EPAGENOTANINTEGER)
        n = 1;
    else if (n == DORM_EEMPTYPAGE)
        n = dorm_paginator_num_pages(p);
    if (n < 0) return NULL;
    dorm_error_clear(p->cx);
    return dorm_paginator_page(p, n);
}

const int64_t *dorm_paginator_elided_range(dorm_paginator *p, int64_t number, int64_t on_each_side, int64_t on_ends,
                                           size_t *n) {
    if (!p) return NULL;
    dorm_error_clear(p->cx);
    number = validate(p, number);
    if (number < 0) return NULL;
    int64_t pages = dorm_paginator_num_pages(p);
    if (on_each_side < 0) on_each_side = 0;
    if (on_ends < 0) on_ends = 0;
    /* Django's generator: at most 2 (ends + sides) + 3 numbers. */
    int64_t cap = on_ends * 2 + on_each_side * 2 + 4;
    int64_t *out = dorm_alloc(p->cx, sizeof *out * (size_t)cap);
    if (!out) return NULL;
    size_t k = 0;
    if (pages <= (on_each_side + on_ends) * 2) {
        for (int64_t i = 1; i <= pages; i++) out[k++] = i;
    } else {
        if (number > 1 + on_each_side + on_ends + 1) {
            for (int64_t i = 1; i <= on_ends; i++) out[k++] = i;
            out[k++] = 0;
            for (int64_t i = number - on_each_side; i <= number; i++) out[k++] = i;
        } else {
            for (int64_t i = 1; i <= number; i++) out[k++] = i;
        }
        if (number < pages - on_each_side - on_ends - 1) {
            for (int64_t i = number + 1; i <= number + on_each_side; i++) out[k++] = i;
            out[k++] = 0;
            for (int64_t i = pages - on_ends + 1; i <= pages; i++) out[k++] = i;
        } else {
            for (int64_t i = number + 1; i <= pages; i++) out[k++] = i;
        }
    }
    if (n) *n = k;
    return out;
}

/* ---- pages ------------------------------------------------------------------- */

bool dorm_page_has_next(const dorm_page *pg) { return pg && pg->number < dorm_paginator_num_pages(pg->paginator); }

bool dorm_page_has_previous(const dorm_page *pg) { return pg && pg->number > 1; }

bool dorm_page_has_other_pages(const dorm_page *pg) { return dorm_page_has_next(pg) || dorm_page_has_previous(pg); }

int64_t dorm_page_next_number(dorm_page *pg) {
    if (!pg) return DORM_ENOMEM;
    dorm_error_clear(pg->paginator->cx);
    return validate(pg->paginator, pg->number + 1);
}

int64_t dorm_page_previous_number(dorm_page *pg) {
    if (!pg) return DORM_ENOMEM;
    dorm_error_clear(pg->paginator->cx);
    return validate(pg->paginator, pg->number - 1);
}

int64_t dorm_page_start_index(const dorm_page *pg) {
    if (!pg || pg->paginator->count <= 0) return 0;
    return pg->paginator->per_page * (pg->number - 1) + 1;
}

int64_t dorm_page_end_index(const dorm_page *pg) {
    if (!pg) return 0;
    if (pg->number == dorm_paginator_num_pages(pg->paginator)) return pg->paginator->count;
    return pg->number * pg->paginator->per_page;
}

const char *dorm_page_repr(const dorm_page *pg) {
    if (!pg) return NULL;
    return dorm_sprintf(pg->paginator->cx, "<Page %lld of %lld>", (long long)pg->number,
                        (long long)dorm_paginator_num_pages(pg->paginator));
}
