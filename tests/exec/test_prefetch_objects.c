/* test_prefetch_objects.c - Django's Prefetch(lookup, queryset, to_attr):
 * a filtered and ordered last level, to_attr lists that leave the relation's
 * own cache alone, lookups through a to_attr, forward keys, and the errors. */
#include <criterion/criterion.h>
#include <string.h>

#include "testdb.h"

static void open_catalogue(void) {
    test_db_open();
    test_db_catalogue();
}

TestSuite(prefetch_objects, .init = open_catalogue, .fini = test_db_close);

static const char *titles(void **objs, size_t n) {
    char buf[512] = "";
    for (size_t i = 0; i < n; i++) {
        if (i) strcat(buf, "|");
        strcat(buf, ((Book *)objs[i])->title);
    }
    return dorm_strdup(T.cx, buf);
}

static void **authors(dorm_qs *qs, size_t *n) {
    void **objs = dorm_list(dorm_order_by(qs, "name"), n);
    cr_assert_not_null(objs, "%s", dorm_errmsg(T.cx));
    return objs;
}

Test(prefetch_objects, queryset_filters_and_orders_the_cache) {
    dorm_qs *long_books = dorm_order_by(dorm_filter(dorm_all(T.cx, Book), DQ("pages__gt", 300)), "-pages");
    uint64_t before = dorm_ctx_query_count(T.cx);
    size_t n;
    void **as = authors(dorm_prefetch_with(dorm_all(T.cx, Author), DPrefetch("books", long_books, NULL)), &n);
    cr_assert_eq(n, 3);
    cr_assert_eq(dorm_ctx_query_count(T.cx) - before, 2);
    /* George Orwell, J.R.R. Tolkien, Jane Austen */
    size_t k;
    void **bs = dorm_list(dorm_related(as[2], "books"), &k);
    cr_assert_str_eq(titles(bs, k), "Emma|Pride and Prejudice");
    bs = dorm_list(dorm_related(as[0], "books"), &k);
    cr_assert_str_eq(titles(bs, k), "1984");
    bs = dorm_list(dorm_related(as[1], "books"), &k);
    cr_assert_str_eq(titles(bs, k), "The Hobbit");
    cr_assert_eq(dorm_ctx_query_count(T.cx) - before, 2);
}

Test(prefetch_objects, to_attr_keeps_the_manager_whole) {
    dorm_qs *fiction = dorm_order_by(dorm_filter(dorm_all(T.cx, Book), DQ("genre", "NON")), "title");
    size_t n, k;
    void **as = authors(dorm_prefetch_with(dorm_all(T.cx, Author), DPrefetch("books", fiction, "essays")), &n);
    uint64_t before = dorm_ctx_query_count(T.cx);
    void **es = dorm_prefetched(as[1], "essays", &k);
    cr_assert_not_null(es, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(titles(es, k), "On Fairy-Stories");
    es = dorm_prefetched(as[2], "essays", &k);
    cr_assert_eq(k, 0);
    cr_assert_null(es[0]);
    cr_assert_eq(dorm_ctx_query_count(T.cx) - before, 0);
    /* The relation itself was not prefetched: it queries, and sees every book. */
    cr_assert_eq(dorm_count(dorm_related(as[1], "books")), 2);
    cr_assert_null(dorm_prefetched(as[1], "nope", &k));
    cr_assert_eq(dorm_errcode(T.cx), DORM_EFIELD);
    cr_assert_str_eq(dorm_errmsg(T.cx), "'Author' object has no attribute 'nope'");
}

Test(prefetch_objects, lookups_go_through_to_attr) {
    dorm_qs *recent = dorm_filter(dorm_all(T.cx, Book), DQ("publication_date__year__gte", 1940));
    uint64_t before = dorm_ctx_query_count(T.cx);
    size_t n, k;
    void **as = authors(dorm_prefetch_with(dorm_all(T.cx, Author), DPrefetch("books", recent, "recent"),
                                           DPrefetch("recent__author", NULL, NULL)),
                        &n);
    /* authors, their recent books; the way back to the author is known already. */
    cr_assert_eq(dorm_ctx_query_count(T.cx) - before, 2);
    void **rs = dorm_prefetched(as[0], "recent", &k);
    cr_assert_str_eq(titles(rs, k), "1984|Animal Farm");
    cr_assert_eq(dorm_fk((Book *)rs[0], author), as[0]);
    cr_assert_eq(dorm_ctx_query_count(T.cx) - before, 2);
}

Test(prefetch_objects, forward_key_with_to_attr) {
    dorm_qs *named_j = dorm_filter(dorm_all(T.cx, Author), DQ("name__startswith", "J"));
    size_t n, k;
    void **bs = dorm_list(
        dorm_order_by(dorm_prefetch_with(dorm_all(T.cx, Book), DPrefetch("author", named_j, "j_author")), "title"), &n);
    cr_assert_not_null(bs, "%s", dorm_errmsg(T.cx));
    /* 1984 (Orwell): none; Animal Farm (Orwell): none; Emma (Austen): one. */
    cr_assert_str_eq(((Book *)bs[0])->title, "1984");
    void **one = dorm_prefetched(bs[0], "j_author", &k);
    cr_assert_not_null(one);
    cr_assert_eq(k, 0);
    one = dorm_prefetched(bs[2], "j_author", &k);
    cr_assert_eq(k, 1);
    cr_assert_str_eq(((Author *)one[0])->name, "Jane Austen");
    /* dorm_fk is untouched by a to_attr prefetch. */
    cr_assert_null(((Book *)bs[2])->author.obj);
}

Test(prefetch_objects, errors) {
    size_t n;
    dorm_qs *qs = dorm_prefetch_with(dorm_all(T.cx, Author), DPrefetch("books", dorm_all(T.cx, Author), NULL));
    cr_assert_null(dorm_list(qs, &n));
    cr_assert_str_eq(dorm_errmsg(T.cx), "The Prefetch queryset of 'books' must be a QuerySet of Book, not of Author.");
    qs = dorm_prefetch_with(dorm_all(T.cx, Author),
                            DPrefetch("books", dorm_values(dorm_all(T.cx, Book), "title"), NULL));
    cr_assert_eq(dorm_qs_errcode(qs), DORM_EVALUE);
    cr_assert_str_eq(dorm_qs_errmsg(qs), "Prefetch querysets cannot use raw(), values(), and values_list().");
    qs = dorm_prefetch_with(dorm_all(T.cx, Author), DPrefetch("books", NULL, "name"));
    cr_assert_null(dorm_list(qs, &n));
    cr_assert_str_eq(dorm_errmsg(T.cx), "to_attr=name conflicts with a field on the Author model.");
    qs = dorm_prefetch_with(dorm_all(T.cx, Author), DPrefetch("books", NULL, "bad name"));
    cr_assert_eq(dorm_qs_errcode(qs), DORM_EVALUE);
}

/* A QuerySet that could not be built (NULL, as every call gives it when an
 * allocation fails) fails the prefetch: loading every related row instead
 * would drop its filter without a word.  NULL written as NULL is the
 * default QuerySet. */
Test(prefetch_objects, unbuilt_queryset_fails) {
    size_t n;
    dorm_qs *unbuilt = NULL;
    dorm_qs *qs = dorm_prefetch_with(dorm_all(T.cx, Author), DPrefetch("books", unbuilt, "long"));
    cr_assert_eq(dorm_qs_errcode(qs), DORM_ENOMEM);
    cr_assert_null(dorm_list(qs, &n));
    cr_assert_eq(dorm_errcode(T.cx), DORM_ENOMEM);
    qs = dorm_prefetch_with(dorm_all(T.cx, Author), DPrefetch("books", NULL, "all_books"));
    cr_assert_not_null(dorm_list(qs, &n), "%s", dorm_errmsg(T.cx));
}
