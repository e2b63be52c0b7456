/* paginate.c - the script's Pagination section: Django's Paginator over an
 * ordered QuerySet, its pages and errors, orphans, the elided page range
 * of a long list, empty lists and the warning for an unordered QuerySet. */
#include <stdio.h>
#include <string.h>

#include "lifecycle.h"

/* The warnings of the context (Python's warnings.catch_warnings). */
typedef struct caught {
    dorm_ctx *cx;
    const char *messages[8];
    int n;
} caught;

static void catch_warning(const char *message, void *payload) {
    caught *c = payload;
    if (c->n < 8) c->messages[c->n++] = dorm_strdup(c->cx, message);
}

static void page_error(dorm_ctx *cx, const char *number_repr, dorm_page *pg) {
    check(cx, pg == NULL);
    printf("page(%s): %s: %s\n", number_repr, dorm_error_name(dorm_errcode(cx)), dorm_errmsg(cx));
}

void pagination_section(lifecycle *run) {
    dorm_ctx *cx = run->cx;
    puts("==== Pagination ====");
    for (int i = 1; i < 12; i++) check(cx, dorm_create(cx, Person, .name = dorm_sprintf(cx, "Reader %02d", i)) != NULL);
    dorm_qs *readers = dorm_order_by(dorm_filter(dorm_all(cx, Person), DQ("name__startswith", "Reader")), "name", "id");
    dorm_paginator *paginator = dorm_paginator_new(readers, 4, NULL);
    check(cx, paginator != NULL);
    int64_t pages = dorm_paginator_num_pages(paginator);
    printf("count: %lld pages: %lld range:", (long long)dorm_paginator_count(paginator), (long long)pages);
    for (int64_t number = 1; number <= pages; number++) printf(" %lld", (long long)number);
    putchar('\n');
    for (int64_t number = 1; number <= pages; number++) {
        dorm_page *page = dorm_paginator_page(paginator, number);
        check(cx, page != NULL);
        printf("%s: %s | start=%lld end=%lld has_previous=%s has_next=%s\n", dorm_page_repr(page),
               names(page->object_list), (long long)dorm_page_start_index(page), (long long)dorm_page_end_index(page),
               py_bool(dorm_page_has_previous(page)), py_bool(dorm_page_has_next(page)));
    }
    dorm_page *page = dorm_paginator_page(paginator, 2);
    check(cx, page != NULL);
    printf("page 2: previous %lld next %lld\n", (long long)dorm_page_previous_number(page),
           (long long)dorm_page_next_number(page));
    page_error(cx, "99", dorm_paginator_page(paginator, 99));
    page_error(cx, "0", dorm_paginator_page(paginator, 0));
    page_error(cx, "'x'", dorm_paginator_page_str(paginator, "x"));
    page = dorm_paginator_page(paginator, 3);
    check(cx, page != NULL);
    if (dorm_page_next_number(page) == DORM_EEMPTYPAGE)
        printf("next of last page: %s: %s\n", dorm_error_name(DORM_EEMPTYPAGE), dorm_errmsg(cx));
    dorm_page *last = dorm_paginator_get_page(paginator, "99"), *first = dorm_paginator_get_page(paginator, "x");
    check(cx, last && first);
    printf("get_page(99): %s get_page('x'): %s\n", dorm_page_repr(last), dorm_page_repr(first));
    dorm_paginator *orphans = dorm_paginator_new(readers, 4, &(dorm_paginator_opts){.orphans = 3});
    check(cx, orphans != NULL);
    int64_t orphan_pages = dorm_paginator_num_pages(orphans);
    page = dorm_paginator_page(orphans, orphan_pages);
    check(cx, page != NULL);
    printf("orphans=3: pages %lld last page: %s\n", (long long)orphan_pages, names(page->object_list));

    /* Paginator(range(1, 101), 5): a sequence of 100 items. */
    dorm_paginator *big = dorm_paginator_new_count(cx, 100, 5, NULL);
    size_t n;
    const int64_t *elided = big ? dorm_paginator_elided_range(big, 10, 1, 1, &n) : NULL;
    check(cx, elided != NULL);
    fputs("elided:", stdout);
    /* 0 stands for Paginator.ELLIPSIS, "…". */
    for (size_t i = 0; i < n; i++) {
        if (elided[i])
            printf(" %lld", (long long)elided[i]);
        else
            fputs(" \xe2\x80\xa6", stdout);
    }
    putchar('\n');
    dorm_paginator *empty = dorm_paginator_new_count(cx, 0, 4, NULL);
    dorm_paginator *no_first = dorm_paginator_new_count(cx, 0, 4, &(dorm_paginator_opts){.no_empty_first_page = true});
    check(cx, empty && no_first);
    printf("empty list: pages %lld allow_empty_first_page=False: %lld\n", (long long)dorm_paginator_num_pages(empty),
           (long long)dorm_paginator_num_pages(no_first));

    caught warnings = {cx, {NULL}, 0};
    dorm_ctx_set_notice(cx, catch_warning, &warnings);
    check(cx, dorm_paginator_new(dorm_clear_ordering(dorm_all(cx, Person)), 4, NULL) != NULL);
    dorm_ctx_set_notice(cx, NULL, NULL);
    /* f"{category}: {message.split(':')[0]}": the notice is "Category: message". */
    for (int i = 0; i < warnings.n; i++) {
        const char *message = strstr(warnings.messages[i], ": ");
        int category = message ? (int)(message - warnings.messages[i]) : 0;
        const char *end = message ? strchr(message + 2, ':') : NULL;
        int length = message ? (end ? (int)(end - message - 2) : (int)strlen(message + 2)) : 0;
        printf("%.*s: %.*s\n", category, warnings.messages[i], length, message ? message + 2 : "");
    }
}
