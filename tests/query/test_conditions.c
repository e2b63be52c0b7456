/* test_conditions.c - condition trees at their edges: empty AND / OR / NOT
 * nodes (Django's empty Q matches every row, negated or not, and is left
 * out of the node it sits in), trees nested too deep for the where builder
 * and the databases, and JSONField's contains, which is containment where
 * the backend has it and refused where it has not (Django's NotSupportedError). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "testdb.h"

static dorm_qs *books(void) { return dorm_all(T.cx, Book); }

static bool on_sqlite(void) { return strncmp(test_db_url(), "sqlite", 6) == 0; }

static void catalogue(void) {
    test_db_open();
    test_db_catalogue();
}

static int64_t count(dorm_qs *qs) {
    int64_t n = dorm_count(qs);
    cr_assert_geq(n, 0, "%s", dorm_errmsg(T.cx));
    return n;
}

TestSuite(empty_q, .init = catalogue, .fini = test_db_close);

/* An empty node, as a C caller can write one: no children, or a NULL list. */
static const dorm_q no_kids_not = {DORM_Q_NOT, NULL, {DORM_T_NONE, 0, {0}}, NULL};

Test(empty_q, not_of_nothing_matches_everything) {
    cr_assert_eq(count(dorm_filter(books(), dorm_not(NULL))), 8);
    cr_assert_eq(count(dorm_filter(books(), &no_kids_not)), 8);
    cr_assert_eq(count(dorm_filter(books(), dorm_not(dorm_not(NULL)))), 8);
    cr_assert_eq(count(dorm_filter(books(), dorm_not(dorm_and(NULL)))), 8);
    cr_assert_eq(count(dorm_filter(books(), dorm_not(dorm_or(NULL)))), 8);
    cr_assert_eq(count(dorm_exclude(books(), dorm_not(NULL))), 8);
    cr_assert_eq(count(dorm_exclude(books(), dorm_and(NULL))), 8);
    cr_assert_eq(count(dorm_filter(books(), dorm_not(NULL), DQ("title", "Emma"))), 1);
    const char *sql = dorm_qs_sql(dorm_filter(books(), dorm_not(NULL)), NULL);
    cr_assert_not_null(sql, "%s", dorm_errmsg(T.cx));
    cr_assert_null(strstr(sql, "WHERE"), "%s", sql);
}

/* Q() | Q() is Q(); Q(a) | Q() is Q(a): the empty node is left out, it
 * does not make the OR always true. */
Test(empty_q, an_empty_node_is_left_out) {
    cr_assert_eq(count(dorm_filter(books(), dorm_or(NULL))), 8);
    cr_assert_eq(count(dorm_filter(books(), dorm_or(dorm_and(NULL), dorm_or(NULL)))), 8);
    cr_assert_eq(count(dorm_filter(books(), dorm_or(DQ("title", "Emma"), dorm_and(NULL)))), 1);
    cr_assert_eq(count(dorm_filter(books(), dorm_or(dorm_not(NULL), DQ("title", "Emma")))), 1);
    cr_assert_eq(count(dorm_filter(books(), dorm_not(dorm_or(DQ("title", "Emma"), dorm_and(NULL))))), 7);
    cr_assert_eq(count(dorm_exclude(books(), dorm_or(DQ("title", "Emma"), &no_kids_not))), 7);
}

/* A chain of `levels` NOT nodes (an even number means no negation) over
 * title = "Emma", built on the heap as a C caller could. */
static const dorm_q *not_chain(int levels) {
    dorm_q *nodes = calloc((size_t)levels + 1, sizeof *nodes);
    const dorm_q **kids = calloc(2 * ((size_t)levels + 1), sizeof *kids);
    cr_assert(nodes && kids);
    nodes[levels] = (dorm_q){DORM_Q_LEAF, "title", dorm_v_text("Emma"), NULL};
    for (int i = levels - 1; i >= 0; i--) {
        kids[2 * i] = &nodes[i + 1];
        nodes[i] = (dorm_q){i % 2 ? DORM_Q_AND : DORM_Q_NOT, NULL, {DORM_T_NONE, 0, {0}}, &kids[2 * i]};
    }
    return nodes;
}

/* Nodes of chains, freed at the end of the test (the QuerySet may keep
 * pointers to the paths; filter() copies values, not the tree). */
static void free_chain(const dorm_q *q) {
    free((void *)q[0].children);
    free((void *)q);
}

TestSuite(nesting, .init = catalogue, .fini = test_db_close);

Test(nesting, deep_trees_are_refused_before_the_stack_runs_out) {
    const char *msg = "Conditions are nested more than 1000 levels deep.";
    const dorm_q *deep = not_chain(30000);
    dorm_qs *qs = dorm_filter(books(), deep);
    cr_assert_eq(dorm_qs_errcode(qs), DORM_EVALUE, "%s", dorm_qs_errmsg(qs));
    cr_assert_str_eq(dorm_qs_errmsg(qs), msg);
    qs = dorm_exclude(books(), deep);
    cr_assert_str_eq(dorm_qs_errmsg(qs), msg);
    free_chain(deep);
    const dorm_q *over = not_chain(1001);
    cr_assert_str_eq(dorm_qs_errmsg(dorm_filter(books(), over)), msg);
    free_chain(over);
    /* 1000 levels compile; PostgreSQL runs them (SQLite's parser stops
     * near 50 nested parentheses and reports it). */
    const dorm_q *limit = not_chain(1000);
    qs = dorm_filter(books(), limit);
    cr_assert_eq(dorm_qs_errcode(qs), DORM_OK, "%s", dorm_qs_errmsg(qs));
    cr_assert_not_null(dorm_qs_sql(qs, NULL), "%s", dorm_errmsg(T.cx));
    if (!on_sqlite()) cr_assert_eq(count(qs), 1);
    free_chain(limit);
    const dorm_q *shallow = not_chain(40);
    cr_assert_eq(count(dorm_filter(books(), shallow)), 1);
    cr_assert_eq(count(dorm_exclude(books(), shallow)), 7);
    free_chain(shallow);
}

Test(nesting, deep_expressions_are_refused) {
    enum { LEVELS = 30000 };
    dorm_expr *nodes = calloc(LEVELS + 1, sizeof *nodes);
    cr_assert_not_null(nodes);
    nodes[LEVELS] = (dorm_expr){.kind = DORM_E_F, .name = "pages"};
    for (int i = LEVELS - 1; i >= 0; i--)
        nodes[i] = (dorm_expr){.kind = DORM_E_ADD, .a = &nodes[i + 1], .b = &nodes[LEVELS]};
    dorm_qs *qs = dorm_annotate(books(), DAS("x", &nodes[0]));
    cr_assert_eq(dorm_qs_errcode(qs), DORM_EVALUE);
    cr_assert_str_eq(dorm_qs_errmsg(qs), "Expressions are nested more than 1000 levels deep.");
    cr_assert_eq(dorm_update(books(), DSET("pages", (const dorm_expr *)&nodes[0])), DORM_EVALUE);
    cr_assert_eq(count(dorm_filter(books(), DQ("pages__lt", (const dorm_expr *)&nodes[LEVELS - 10]))), 8);
    free(nodes);
}

TestSuite(json_contains, .init = test_db_open, .fini = test_db_close);

Test(json_contains, is_containment_or_not_supported) {
    const char *docs[] = {"{\"a\": 1, \"b\": 2}", "{\"ab\": 1}", "[1, 2]", "{\"c\": {\"b\": 2}}"};
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++)
        cr_assert_not_null(dorm_create(T.cx, Everything, .json_f = docs[i]), "%s", dorm_errmsg(T.cx));
    dorm_qs *all = dorm_all(T.cx, Everything);
    dorm_qs *b2 = dorm_filter(all, DQ("json_f__contains", "{\"b\": 2}"));
    if (on_sqlite()) {
        const char *msg = "contains lookup is not supported on this database backend.";
        cr_assert_eq(dorm_qs_errcode(b2), DORM_ENOTSUPPORTED, "%s", dorm_qs_errmsg(b2));
        cr_assert_str_eq(dorm_qs_errmsg(b2), msg);
        cr_assert_lt(dorm_count(b2), 0);
        cr_assert_str_eq(dorm_error_name(dorm_errcode(T.cx)), "NotSupportedError");
        cr_assert_eq(dorm_qs_errcode(dorm_exclude(all, DQ("json_f__contains", "[1]"))), DORM_ENOTSUPPORTED);
        return;
    }
    /* Django's SQL: "json_f" @> %s, the JSON text bound as it is; MySQL's
     * JSON_CONTAINS(`json_f`, %s). */
    const char *sql = test_sql_std(dorm_qs_sql(b2, NULL));
    cr_assert(strstr(sql,
                     test_db_on_mysql() ? "WHERE JSON_CONTAINS(\"library_everything\".\"json_f\", ?)"
                                        : "WHERE \"library_everything\".\"json_f\" @> ?"),
              "%s", sql);
    cr_assert_eq(count(b2), 1);
    cr_assert_eq(count(dorm_filter(all, DQ("json_f__contains", "{\"a\": 1}"))), 1);
    cr_assert_eq(count(dorm_filter(all, DQ("json_f__contains", "[1]"))), 1);
    cr_assert_eq(count(dorm_filter(all, DQ("json_f__contains", "{}"))), 3);
    cr_assert_eq(count(dorm_exclude(all, DQ("json_f__contains", "{\"b\": 2}"))), 3);
}
