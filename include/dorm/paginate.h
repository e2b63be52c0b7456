/* dorm/paginate.h - splitting an ordered QuerySet into pages: Django's
 * Paginator (page numbers, LIMIT/OFFSET) and keyset pagination, which
 * Django lacks: pages that follow an opaque cursor token, cheap however
 * deep they go.
 * SPDX-License-Identifier: MIT (see LICENSE) */
#ifndef DORM_PAGINATE_H
#define DORM_PAGINATE_H

#include "api.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "query.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Paginator ---- */

/* Paginator(object_list, per_page, orphans, allow_empty_first_page), in
 * the context's arena.  An unordered QuerySet gets Django's
 * UnorderedObjectListWarning through the context's notice callback
 * (dorm_ctx_set_notice): "UnorderedObjectListWarning: Pagination may yield
 * inconsistent results with an unordered object_list: library.Book
 * QuerySet."  per_page < 1 is DORM_EVALUE (Django divides by it).  NULL on
 * error (the QuerySet's error, or DORM_ENOMEM). */
typedef struct dorm_paginator dorm_paginator;
/* Paginator's optional arguments (all zero: Django's defaults). */
typedef struct dorm_paginator_opts {
    int64_t orphans;              /* a last page this short joins the one before */
    bool no_empty_first_page;     /* Django's allow_empty_first_page=False        */
} dorm_paginator_opts;
/* The Paginator of qs (see above); opts may be NULL. */
DORM_API dorm_paginator *dorm_paginator_new(dorm_qs *qs, int64_t per_page, const dorm_paginator_opts *opts);
/* Paginator over a sequence the program holds, such as a C array of
 * `count` items (Django's Paginator of a list or a range): the same
 * pages, numbers and errors; a page's object_list is NULL, its items are
 * those from start_index() - 1 to end_index() - 1 of the sequence.  No
 * warning: a sequence has its own order.  NULL with DORM_EVALUE (per_page
 * < 1, count < 0) or DORM_ENOMEM. */
DORM_API dorm_paginator *dorm_paginator_new_count(dorm_ctx *cx, int64_t count, int64_t per_page,
                                         const dorm_paginator_opts *opts);
/* count (one COUNT query, then cached), num_pages, per_page; a negative
 * dorm_error on error (DORM_EVALUE for a NULL paginator). */
DORM_API int64_t dorm_paginator_count(dorm_paginator *p);
DORM_API int64_t dorm_paginator_num_pages(dorm_paginator *p);
DORM_API int64_t dorm_paginator_per_page(const dorm_paginator *p);

/* A page: its number and its objects, the QuerySet's slice (lazy: read
 * it with DORM_EACH / dorm_list; NULL for a paginator of a count). */
typedef struct dorm_page {
    int64_t number;               /* 1-based                                  */
    dorm_qs *object_list;         /* the page's objects (a sliced QuerySet), or
                                   * NULL (dorm_paginator_new_count)        */
    dorm_paginator *paginator;    /* the paginator it came from               */
} dorm_page;
/* page(number): the page, or NULL with Django's errors: DORM_EEMPTYPAGE
 * "That page number is less than 1" / "That page contains no results",
 * (dorm_page_str: DORM_EPAGENOTANINTEGER "That page number is not an
 * integer" for text that is not a whole number, as Python's int() reads
 * it).  get_page never fails on the number: not an integer gives the
 * first page, out of range the last. */
DORM_API dorm_page *dorm_paginator_page(dorm_paginator *p, int64_t number);
DORM_API dorm_page *dorm_paginator_page_str(dorm_paginator *p, const char *number);
DORM_API dorm_page *dorm_paginator_get_page(dorm_paginator *p, const char *number);
/* validate_number(): the number, or a negative dorm_error as above. */
DORM_API int64_t dorm_paginator_validate(dorm_paginator *p, const char *number);
/* get_elided_page_range(number, on_each_side, on_ends) (Django's defaults
 * are 3 and 2): page numbers with 0 standing for Django's ellipsis "…",
 * in the arena, *n of them; NULL on error (number as page() checks it). */
DORM_API const int64_t *dorm_paginator_elided_range(dorm_paginator *p, int64_t number, int64_t on_each_side, int64_t on_ends,
                                           size_t *n);

/* has_next(), has_previous(), has_other_pages(). */
DORM_API bool dorm_page_has_next(const dorm_page *pg);
DORM_API bool dorm_page_has_previous(const dorm_page *pg);
DORM_API bool dorm_page_has_other_pages(const dorm_page *pg);
/* next_page_number() / previous_page_number(): the number, or
 * DORM_EEMPTYPAGE with Django's message when there is none. */
DORM_API int64_t dorm_page_next_number(dorm_page *pg);
DORM_API int64_t dorm_page_previous_number(dorm_page *pg);
/* start_index() / end_index(): 1-based positions of the page's first and
 * last object in the whole list (0 for an empty list). */
DORM_API int64_t dorm_page_start_index(const dorm_page *pg);
DORM_API int64_t dorm_page_end_index(const dorm_page *pg);
/* "<Page 1 of 3>" (the arena). */
DORM_API const char *dorm_page_repr(const dorm_page *pg);

/* ---- keyset (cursor) pagination ---- */

/* Pages of `per_page` objects of an ordered QuerySet that follow a cursor
 * instead of counting an OFFSET: the next page is "the rows after the last
 * one shown" (WHERE (ordering) > (its values), served by an index on the
 * ordering), so page 1,000 costs what page 1 does.  The ordering is the
 * QuerySet's (order_by, else Meta.ordering), on non-null fields of the
 * model itself, with the primary key added last so that ties cannot repeat
 * or skip rows.  `cursor` is NULL for the first page, else a token from an
 * earlier page of the same QuerySet shape.  Tokens are opaque text (hex):
 * they carry the values of one row, which are checked against the fields'
 * kinds and bound as parameters, so a forged token can pick another page
 * but cannot change the SQL; a token of another ordering is refused
 * (DORM_EVALUE "Invalid cursor").  Unlike Paginator, no count is run and
 * pages have no numbers. */
typedef struct dorm_keyset_page {
    void **objects;           /* NULL-terminated, the arena */
    size_t n;                 /* how many objects                         */
    const char *next;         /* the page after this one; NULL on the last */
    const char *previous;     /* the page before; NULL on the first */
} dorm_keyset_page;
/* The page of `qs` after `cursor` (NULL: the first), in the arena; NULL on
 * error (DORM_EVALUE "Invalid cursor" for a token of another ordering). */
DORM_API dorm_keyset_page *dorm_keyset_paginate(dorm_qs *qs, int64_t per_page, const char *cursor);

#ifdef __cplusplus
}
#endif

#endif
