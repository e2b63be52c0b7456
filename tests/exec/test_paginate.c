/* test_paginate.c - Django's Paginator (the transcript's "Pagination"
 * section, Django 3.2's numbers and messages) and keyset pagination: pages
 * that cover every row once in both directions with ties in the ordering,
 * no OFFSET, and tokens that are checked and bound, never pasted. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "testdb.h"

TestSuite(paginate, .init = test_db_open, .fini = test_db_close);

/* Authors "<prefix> 01" .. "<prefix> <n>". */
static void authors(const char *prefix, int n) {
    for (int i = 1; i <= n; i++) {
        char name[32];
        snprintf(name, sizeof name, "%s %02d", prefix, i);
        cr_assert_not_null(dorm_create(T.cx, Author, .name = dorm_strdup(T.cx, name)), "%s", dorm_errmsg(T.cx));
    }
}

static const char *names(dorm_qs *qs) {
    char buf[1024] = "";
    DORM_EACH(Author, a, qs) snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s", buf[0] ? ", " : "", a->name);
    cr_assert_eq(dorm_errcode(T.cx), DORM_OK, "%s", dorm_errmsg(T.cx));
    return dorm_strdup(T.cx, buf);
}

static char warned[512];
static void on_notice(const char *msg, void *payload) {
    (void)payload;
    snprintf(warned, sizeof warned, "%s", msg);
}

Test(paginate, paginator) {
    authors("Reader", 11);
    dorm_qs *readers =
        dorm_order_by(dorm_filter(dorm_all(T.cx, Author), DQ("name__startswith", "Reader")), "name", "id");
    dorm_paginator *p = dorm_paginator_new(readers, 4, NULL);
    cr_assert_not_null(p);
    cr_assert_eq(dorm_paginator_count(p), 11);
    cr_assert_eq(dorm_paginator_num_pages(p), 3);
    static const char *const want[] = {
        "<Page 1 of 3>: Reader 01, Reader 02, Reader 03, Reader 04 | start=1 end=4 has_previous=0 has_next=1",
        "<Page 2 of 3>: Reader 05, Reader 06, Reader 07, Reader 08 | start=5 end=8 has_previous=1 has_next=1",
        "<Page 3 of 3>: Reader 09, Reader 10, Reader 11 | start=9 end=11 has_previous=1 has_next=0",
    };
    for (int64_t i = 1; i <= 3; i++) {
        dorm_page *pg = dorm_paginator_page(p, i);
        cr_assert_not_null(pg, "%s", dorm_errmsg(T.cx));
        char line[256];
        snprintf(line, sizeof line, "%s: %s | start=%lld end=%lld has_previous=%d has_next=%d", dorm_page_repr(pg),
                 names(pg->object_list), (long long)dorm_page_start_index(pg), (long long)dorm_page_end_index(pg),
                 dorm_page_has_previous(pg), dorm_page_has_next(pg));
        cr_assert_str_eq(line, want[i - 1]);
    }
    dorm_page *two = dorm_paginator_page(p, 2);
    cr_assert_eq(dorm_page_previous_number(two), 1);
    cr_assert_eq(dorm_page_next_number(two), 3);
    cr_assert_null(dorm_paginator_page(p, 99));
    cr_assert_eq(dorm_errcode(T.cx), DORM_EEMPTYPAGE);
    cr_assert_str_eq(dorm_errmsg(T.cx), "That page contains no results");
    cr_assert_null(dorm_paginator_page(p, 0));
    cr_assert_str_eq(dorm_errmsg(T.cx), "That page number is less than 1");
    cr_assert_null(dorm_paginator_page_str(p, "x"));
    cr_assert_eq(dorm_errcode(T.cx), DORM_EPAGENOTANINTEGER);
    cr_assert_str_eq(dorm_errmsg(T.cx), "That page number is not an integer");
    cr_assert_eq(dorm_page_next_number(dorm_paginator_page(p, 3)), DORM_EEMPTYPAGE);
    cr_assert_str_eq(dorm_errmsg(T.cx), "That page contains no results");
    cr_assert_eq(dorm_page_previous_number(dorm_paginator_page(p, 1)), DORM_EEMPTYPAGE);
    cr_assert_str_eq(dorm_page_repr(dorm_paginator_get_page(p, "99")), "<Page 3 of 3>");
    cr_assert_str_eq(dorm_page_repr(dorm_paginator_get_page(p, "x")), "<Page 1 of 3>");
    /* Python's int(): blanks, a sign, underscores between digits. */
    cr_assert_eq(dorm_paginator_validate(p, " 2 "), 2);
    cr_assert_eq(dorm_paginator_validate(p, "+3"), 3);
    cr_assert_eq(dorm_paginator_validate(p, "0_3"), 3);
    cr_assert_eq(dorm_paginator_validate(p, "1.0"), DORM_EPAGENOTANINTEGER);
    cr_assert_eq(dorm_paginator_validate(p, "1__0"), DORM_EPAGENOTANINTEGER);
    cr_assert_eq(dorm_paginator_validate(p, ""), DORM_EPAGENOTANINTEGER);
    cr_assert_eq(dorm_paginator_validate(p, "-1"), DORM_EEMPTYPAGE);
    cr_assert_eq(dorm_paginator_validate(p, "99999999999999999999999"), DORM_EEMPTYPAGE);
    cr_assert_str_eq(dorm_errmsg(T.cx), "That page contains no results");
    dorm_paginator *orphans = dorm_paginator_new(readers, 4, &(dorm_paginator_opts){.orphans = 3});
    cr_assert_eq(dorm_paginator_num_pages(orphans), 2);
    cr_assert_str_eq(names(dorm_paginator_page(orphans, 2)->object_list),
                     "Reader 05, Reader 06, Reader 07, Reader 08, Reader 09, Reader 10, Reader 11");
    /* The count is one query, then cached; a page is one more. */
    uint64_t before = dorm_ctx_query_count(T.cx);
    dorm_paginator *fresh = dorm_paginator_new(readers, 4, NULL);
    dorm_paginator_num_pages(fresh);
    dorm_paginator_count(fresh);
    names(dorm_paginator_page(fresh, 2)->object_list);
    cr_assert_eq(dorm_ctx_query_count(T.cx) - before, 2);
}

Test(paginate, empty_lists_and_elided_range) {
    dorm_qs *none = dorm_order_by(dorm_filter(dorm_all(T.cx, Author), DQ("name", "nobody")), "name");
    dorm_paginator *p = dorm_paginator_new(none, 4, NULL);
    cr_assert_eq(dorm_paginator_num_pages(p), 1);
    dorm_page *first = dorm_paginator_page(p, 1);
    cr_assert_not_null(first, "allow_empty_first_page: %s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_page_start_index(first), 0);
    cr_assert_eq(dorm_page_end_index(first), 0);
    p = dorm_paginator_new(none, 4, &(dorm_paginator_opts){.no_empty_first_page = true});
    cr_assert_eq(dorm_paginator_num_pages(p), 0);
    cr_assert_null(dorm_paginator_page(p, 1));
    cr_assert_str_eq(dorm_errmsg(T.cx), "That page contains no results");
    cr_assert_null(dorm_paginator_new(none, 0, NULL));
    cr_assert_eq(dorm_errcode(T.cx), DORM_EVALUE);

    authors("A", 100);
    dorm_paginator *big = dorm_paginator_new(dorm_all(T.cx, Author), 5, NULL);
    size_t n;
    const int64_t *r = dorm_paginator_elided_range(big, 10, 1, 1, &n);
    cr_assert_not_null(r, "%s", dorm_errmsg(T.cx));
    char text[128] = "";
    for (size_t i = 0; i < n; i++) {
        if (r[i])
            snprintf(text + strlen(text), sizeof text - strlen(text), "%s%lld", i ? " " : "", (long long)r[i]);
        else
            snprintf(text + strlen(text), sizeof text - strlen(text), "%s…", i ? " " : "");
    }
    cr_assert_str_eq(text, "1 … 9 10 11 … 20", "Django's get_elided_page_range(10, on_each_side=1, on_ends=1)");
    r = dorm_paginator_elided_range(big, 1, 3, 2, &n);
    cr_assert_eq(n, 7);
    cr_assert(r[0] == 1 && r[3] == 4 && r[4] == 0 && r[5] == 19 && r[6] == 20, "1 2 3 4 … 19 20");
    r = dorm_paginator_elided_range(dorm_paginator_new(dorm_all(T.cx, Author), 50, NULL), 1, 3, 2, &n);
    cr_assert_eq(n, 2, "few pages: all of them");
}

/* Paginator(range(1, 101), 5) and Paginator([], 4): a sequence the
 * program holds, known by its length; pages give the indexes to slice it
 * with, no query runs and no warning is given. */
Test(paginate, a_sequence_of_a_count) {
    dorm_ctx_set_notice(T.cx, on_notice, NULL);
    warned[0] = '\0';
    uint64_t before = dorm_ctx_query_count(T.cx);
    dorm_paginator *p = dorm_paginator_new_count(T.cx, 100, 5, NULL);
    cr_assert_not_null(p, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_paginator_count(p), 100);
    cr_assert_eq(dorm_paginator_num_pages(p), 20);
    dorm_page *page = dorm_paginator_page(p, 3);
    cr_assert_not_null(page, "%s", dorm_errmsg(T.cx));
    cr_assert_null(page->object_list);
    cr_assert_eq(dorm_page_start_index(page), 11);
    cr_assert_eq(dorm_page_end_index(page), 15);
    cr_assert(dorm_page_has_next(page) && dorm_page_has_previous(page));
    cr_assert_str_eq(dorm_page_repr(page), "<Page 3 of 20>");
    cr_assert_null(dorm_paginator_page(p, 21));
    cr_assert_eq(dorm_errcode(T.cx), DORM_EEMPTYPAGE);
    cr_assert_str_eq(dorm_errmsg(T.cx), "That page contains no results");
    cr_assert_str_eq(dorm_page_repr(dorm_paginator_get_page(p, "x")), "<Page 1 of 20>");
    size_t n;
    const int64_t *r = dorm_paginator_elided_range(p, 10, 1, 1, &n);
    cr_assert(r && n == 7 && r[0] == 1 && r[1] == 0 && r[2] == 9 && r[4] == 11 && r[5] == 0 && r[6] == 20,
              "1 ... 9 10 11 ... 20");
    p = dorm_paginator_new_count(T.cx, 11, 4, &(dorm_paginator_opts){.orphans = 3});
    cr_assert_eq(dorm_paginator_num_pages(p), 2);
    page = dorm_paginator_page(p, 2);
    cr_assert(page && dorm_page_start_index(page) == 5 && dorm_page_end_index(page) == 11);
    cr_assert_eq(dorm_paginator_num_pages(dorm_paginator_new_count(T.cx, 0, 4, NULL)), 1);
    cr_assert_eq(dorm_paginator_num_pages(
                     dorm_paginator_new_count(T.cx, 0, 4, &(dorm_paginator_opts){.no_empty_first_page = true})),
                 0);
    cr_assert_eq(dorm_ctx_query_count(T.cx), before);
    cr_assert_str_eq(warned, "");
    cr_assert_null(dorm_paginator_new_count(T.cx, 10, 0, NULL));
    cr_assert_str_eq(dorm_errmsg(T.cx), "per_page must be a positive number, not 0.");
    cr_assert_null(dorm_paginator_new_count(T.cx, -1, 4, NULL));
    cr_assert_eq(dorm_errcode(T.cx), DORM_EVALUE);
    dorm_ctx_set_notice(T.cx, NULL, NULL);
}

Test(paginate, unordered_warning) {
    dorm_ctx_set_notice(T.cx, on_notice, NULL);
    warned[0] = '\0';
    dorm_paginator_new(dorm_all(T.cx, Author), 4, NULL);
    cr_assert_str_eq(warned, "", "Meta.ordering orders it");
    dorm_paginator_new(dorm_clear_ordering(dorm_all(T.cx, Author)), 4, NULL);
    cr_assert_str_eq(warned,
                     "UnorderedObjectListWarning: Pagination may yield inconsistent results with an "
                     "unordered object_list: library.Author QuerySet.");
    warned[0] = '\0';
    dorm_paginator_new(dorm_none(dorm_clear_ordering(dorm_all(T.cx, Author))), 4, NULL);
    cr_assert_str_eq(warned, "", "an empty QuerySet counts as ordered (Django's EmptyQuerySet)");
}

/* ---- keyset ---------------------------------------------------------------- */

/* Walks every page forward, then back from the last, checking that each
 * row is seen once in the order of `ref` (the QuerySet's ordering, then
 * the pk). */
static void walk(dorm_qs *qs, dorm_qs *ref, int64_t per_page) {
    size_t total;
    void **all = dorm_list(ref, &total);
    cr_assert_not_null(all, "%s", dorm_errmsg(T.cx));
    size_t seen = 0, pages = 0;
    const char *cursor = NULL, *last_prev = NULL;
    do {
        dorm_keyset_page *pg = dorm_keyset_paginate(qs, per_page, cursor);
        cr_assert_not_null(pg, "%s", dorm_errmsg(T.cx));
        cr_assert_eq(pg->previous == NULL, cursor == NULL);
        for (size_t i = 0; i < pg->n; i++, seen++)
            cr_assert_eq(((Author *)pg->objects[i])->id, ((Author *)all[seen])->id, "row %zu", seen);
        cursor = pg->next;
        last_prev = pg->previous;
        pages++;
    } while (cursor);
    cr_assert_eq(seen, total);
    cr_assert_eq(pages, total ? (total + (size_t)per_page - 1) / (size_t)per_page : 1);
    if (total == 0) return;
    /* Back from the last page. */
    cursor = last_prev;
    size_t end = total - (total % (size_t)per_page ? total % (size_t)per_page : (size_t)per_page);
    while (cursor) {
        dorm_keyset_page *pg = dorm_keyset_paginate(qs, per_page, cursor);
        cr_assert_not_null(pg, "%s", dorm_errmsg(T.cx));
        cr_assert_eq(pg->n, (size_t)per_page);
        end -= pg->n;
        for (size_t i = 0; i < pg->n; i++)
            cr_assert_eq(((Author *)pg->objects[i])->id, ((Author *)all[end + i])->id, "back, row %zu", end + i);
        cr_assert_not_null(pg->next);
        cursor = pg->previous;
    }
    cr_assert_eq(end, 0);
}

Test(paginate, keyset_covers_every_row_with_ties) {
    /* Ten names, each three times: the pk breaks the ties. */
    for (int r = 0; r < 3; r++) authors("Tie", 10);
    dorm_qs *all = dorm_all(T.cx, Author), *after = dorm_filter(all, DQ("name__gt", "Tie 05"));
    walk(all, dorm_order_by(all, "name", "id"), 4);
    walk(dorm_order_by(all, "-name"), dorm_order_by(all, "-name", "id"), 7);
    walk(dorm_order_by(all, "-name", "-id"), dorm_order_by(all, "-name", "-id"), 30);
    walk(dorm_order_by(after, "name", "-id"), dorm_order_by(after, "name", "-id"), 3);
    walk(dorm_filter(all, DQ("name", "nobody")), dorm_filter(all, DQ("name", "nobody")), 3);
}

Test(paginate, keyset_sql_and_tokens) {
    authors("K", 30);
    dorm_qs *qs = dorm_all(T.cx, Author);
    dorm_keyset_page *first = dorm_keyset_paginate(qs, 10, NULL);
    cr_assert_not_null(first, "%s", dorm_errmsg(T.cx));
    cr_assert_null(first->previous);
    cr_assert_not_null(first->next);
    for (const char *p = first->next; *p; p++) cr_assert(strchr("0123456789abcdef", *p), "hex token");
    test_log_start();
    dorm_keyset_page *second = dorm_keyset_paginate(qs, 10, first->next);
    const char *log = test_sql_std(test_log_stop());
    cr_assert_not_null(second, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(((Author *)second->objects[0])->name, "K 11");
    cr_assert_null(strstr(log, "OFFSET"), "%s", log);
    cr_assert(strstr(log, "\"library_author\".\"name\" >= "), "the leading key's range: %s", log);
    cr_assert(strstr(log, "\"library_author\".\"id\" > "), "%s", log);
    cr_assert_null(strstr(log, "K 10"), "values are bound: %s", log);

    /* A token of another ordering, or garbage, is refused. */
    cr_assert_null(dorm_keyset_paginate(dorm_order_by(qs, "-name"), 10, first->next));
    cr_assert_eq(dorm_errcode(T.cx), DORM_EVALUE);
    cr_assert_str_eq(dorm_errmsg(T.cx), "Invalid cursor: it is not a token of a page of this QuerySet's ordering.");
    static const char *const bad[] = {"", "zz", "abc", "00", "5b5d", "7b7d"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_assert_null(dorm_keyset_paginate(qs, 10, bad[i]), "%s", bad[i]);
        cr_assert_eq(dorm_errcode(T.cx), DORM_EVALUE);
    }
    /* A forged token with SQL in its values is a value like any other. */
    const char *forged = "[\"n\",\"name,id\",\"K 1' OR '1'='1\",1]";
    char hex[256] = "";
    for (const char *p = forged; *p; p++)
        snprintf(hex + strlen(hex), sizeof hex - strlen(hex), "%02x", (unsigned char)*p);
    dorm_keyset_page *pg = dorm_keyset_paginate(qs, 10, hex);
    cr_assert_not_null(pg, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(((Author *)pg->objects[0])->name, "K 10", "the rows after that text, by string order");
    const char *wrong_type = "[\"n\",\"name,id\",\"K 1\",\"x\"]";
    hex[0] = '\0';
    for (const char *p = wrong_type; *p; p++)
        snprintf(hex + strlen(hex), sizeof hex - strlen(hex), "%02x", (unsigned char)*p);
    cr_assert_null(dorm_keyset_paginate(qs, 10, hex));
    cr_assert_eq(dorm_errcode(T.cx), DORM_EVALUE);
}

Test(paginate, keyset_refusals) {
    cr_assert_null(dorm_keyset_paginate(dorm_clear_ordering(dorm_all(T.cx, Author)), 10, NULL));
    cr_assert_str_eq(dorm_errmsg(T.cx), "Keyset pagination needs an ordered QuerySet (order_by() or Meta.ordering).");
    cr_assert_null(dorm_keyset_paginate(dorm_order_by(dorm_all(T.cx, Author), "birth_date"), 10, NULL));
    cr_assert_str_eq(dorm_errmsg(T.cx), "Keyset pagination needs non-null ordering fields: 'birth_date' is nullable.");
    cr_assert_null(dorm_keyset_paginate(dorm_order_by(dorm_all(T.cx, Book), "author__name"), 10, NULL));
    cr_assert_eq(dorm_errcode(T.cx), DORM_EVALUE);
    cr_assert_null(dorm_keyset_paginate(dorm_slice(dorm_all(T.cx, Author), 0, 5), 10, NULL));
    cr_assert_str_eq(dorm_errmsg(T.cx), "Keyset pagination cannot start from a sliced QuerySet.");
    cr_assert_null(dorm_keyset_paginate(dorm_all(T.cx, Author), 0, NULL));
    /* Orderings of other kinds: dates and foreign keys. */
    test_db_catalogue();
    dorm_keyset_page *pg = dorm_keyset_paginate(dorm_all(T.cx, Book), 3, NULL);
    cr_assert_not_null(pg, "%s", dorm_errmsg(T.cx));
    pg = dorm_keyset_paginate(dorm_all(T.cx, Book), 3, pg->next);
    cr_assert_not_null(pg, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(((Book *)pg->objects[0])->title, "Homage to Catalonia", "by -publication_date");
    pg = dorm_keyset_paginate(dorm_order_by(dorm_all(T.cx, Book), "author_id", "-pages"), 5, NULL);
    cr_assert_not_null(pg, "%s", dorm_errmsg(T.cx));
    pg = dorm_keyset_paginate(dorm_order_by(dorm_all(T.cx, Book), "author_id", "-pages"), 5, pg->next);
    cr_assert_eq(pg->n, 3);
    cr_assert_str_eq(((Book *)pg->objects[0])->title, "Animal Farm");
}
