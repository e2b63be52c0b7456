/* test_shapes.c - compile once per query shape: a query of a shape run
 * before on the session is not compiled again and binds its own values
 * into the statement compiled then; queries that differ in anything their
 * SQL depends on are compiled (and with DORM_ASSERTS every hit is compiled
 * anyway and checked against the cache); the cache forgets statements the
 * statement cache drops, and is per session. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "backend/db.h"
#include "query/shape.h"
#include "testdb.h"

static void catalogue(void) {
    test_db_open();
    test_db_catalogue();
}

static dorm_qs *books(void) { return dorm_all(T.cx, Book); }

/* SELECTs compiled by the fetching calls so far. */
static uint64_t compiles(void) { return T.db->shape_compiles; }

static int64_t book_id(const char *title) {
    Book *b = dorm_get(books(), DQ("title", title));
    cr_assert_not_null(b, "%s", dorm_errmsg(T.cx));
    return b->id;
}

Test(shapes, get_by_pk_compiles_once, .init = catalogue, .fini = test_db_close) {
    int64_t emma = book_id("Emma"), farm = book_id("Animal Farm");
    uint64_t before = compiles(), hits = T.db->shape_hits;
    Book *a = dorm_get(books(), DQ("pk", emma));
    Book *b = dorm_get(books(), DQ("pk", farm));
    Book *c = dorm_get(books(), DQ("pk", emma));
    cr_assert(a && b && c, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(a->title, "Emma");
    cr_assert_str_eq(b->title, "Animal Farm");
    cr_assert_str_eq(c->title, "Emma");
    cr_assert_eq(compiles() - before, 1, "the first get compiles, the others are hits");
    cr_assert_eq(T.db->shape_hits - hits, 2);
    /* The hits ran the shape's own statement, not one looked up by text. */
    const dorm_shape_entry *en = T.db->link->last_shape;
    cr_assert(en && en->cs && en->cs->cached);
    cr_assert_eq(strncmp(en->cs->sql, en->sql, en->len), 0);
    cr_assert_null(dorm_get(books(), DQ("pk", -1)));
    cr_assert_eq(dorm_errcode(T.cx), DORM_EDOESNOTEXIST);
    cr_assert_eq(compiles() - before, 1);
}

static char logged[8][512];
static int nlogged;

static void keep(const char *sql, const char *params, double seconds, void *payload) {
    (void)seconds;
    (void)payload;
    if (nlogged < 8) snprintf(logged[nlogged++], sizeof logged[0], "%s %s", sql, params);
}

Test(shapes, same_sql_other_values, .init = catalogue, .fini = test_db_close) {
    size_t n1, n2;
    dorm_db_set_log(T.db, keep, NULL);
    nlogged = 0;
    void **few = dorm_list(dorm_filter(books(), DQ("pages__gt", 400)), &n1);
    void **all = dorm_list(dorm_filter(books(), DQ("pages__gt", 0)), &n2);
    dorm_db_set_log(T.db, NULL, NULL);
    cr_assert(few && all, "%s", dorm_errmsg(T.cx));
    cr_assert_lt(n1, n2);
    cr_assert_eq(n2, 8);
    cr_assert_eq(nlogged, 2);
    const char *p1 = strrchr(logged[0], '('), *p2 = strrchr(logged[1], '(');
    cr_assert_eq(p1 - logged[0], p2 - logged[1]);
    cr_assert_eq(strncmp(logged[0], logged[1], (size_t)(p1 - logged[0])), 0, "%s\n%s", logged[0], logged[1]);
    cr_assert_str_eq(p1, "(400,)");
    cr_assert_str_eq(p2, "(0,)");
}

/* Each query twice: the first of a new shape compiles, the second not. */
static void twice(dorm_qs *(*make)(void), size_t want) {
    for (int round = 0; round < 2; round++) {
        uint64_t before = compiles();
        size_t n = 0;
        cr_assert_not_null(dorm_list(make(), &n), "%s", dorm_errmsg(T.cx));
        cr_assert_eq(n, want, "round %d", round);
        cr_assert_eq(compiles() - before, round == 0 ? 1 : 0, "round %d", round);
    }
}

static dorm_qs *isnull_true(void) { return dorm_filter(dorm_all(T.cx, Author), DQ("birth_date__isnull", true)); }
static dorm_qs *isnull_false(void) { return dorm_filter(dorm_all(T.cx, Author), DQ("birth_date__isnull", false)); }
static dorm_qs *in_two(void) { return dorm_filter(books(), DQ("title__in", DLIST("Emma", "1984"))); }
static dorm_qs *in_three(void) { return dorm_filter(books(), DQ("title__in", DLIST("Emma", "1984", "Persuasion"))); }
static dorm_qs *first_two(void) { return dorm_slice(dorm_order_by(books(), "title"), 0, 2); }
static dorm_qs *first_three(void) { return dorm_slice(dorm_order_by(books(), "title"), 0, 3); }
static dorm_qs *by_pages(void) { return dorm_order_by(books(), "-pages"); }
static dorm_qs *contains_an(void) { return dorm_filter(books(), DQ("title__contains", "an")); }
static dorm_qs *exclude_or(void) {
    return dorm_exclude(books(), dorm_or(DQ("pages__lt", 200), DQ("title__startswith", "P")));
}

Test(shapes, what_the_sql_depends_on_is_in_the_key, .init = catalogue, .fini = test_db_close) {
    /* Counts are queries of other shapes (SELECT COUNT(*)). */
    size_t with = (size_t)dorm_count(isnull_false()), without = (size_t)dorm_count(isnull_true());
    cr_assert_eq(with + without, 3);
    twice(isnull_true, without);
    twice(isnull_false, with);
    twice(in_two, 2);
    twice(in_three, 3);
    twice(first_two, 2);
    twice(first_three, 3);
    twice(by_pages, 8);
    twice(exclude_or, (size_t)dorm_count(exclude_or()));
    twice(contains_an, 1);
    /* The pattern of another value is made from that value. */
    size_t n = 0;
    cr_assert_not_null(dorm_list(dorm_filter(books(), DQ("title__contains", "%")), &n));
    cr_assert_eq(n, 0);
    cr_assert_not_null(dorm_list(dorm_filter(books(), DQ("title__contains", "Farm")), &n));
    cr_assert_eq(n, 1);
}

Test(shapes, counts_and_exists_have_shapes_of_their_own, .init = catalogue, .fini = test_db_close) {
    cr_assert_eq(dorm_count(dorm_filter(books(), DQ("pages__gt", 0))), 8);
    uint64_t before = compiles();
    cr_assert_eq(dorm_count(dorm_filter(books(), DQ("pages__gt", 100000))), 0);
    cr_assert_eq(dorm_exists(dorm_filter(books(), DQ("pages__gt", 0))), 1);
    cr_assert_eq(dorm_exists(dorm_filter(books(), DQ("pages__gt", 100000))), 0);
    cr_assert_eq(compiles() - before, 1, "count hit, exists compiled once");
}

Test(shapes, expressions_compile_every_time, .init = catalogue, .fini = test_db_close) {
    for (int i = 0; i < 2; i++) {
        uint64_t before = compiles();
        dorm_qs *qs = dorm_annotate(dorm_all(T.cx, Author), DAS("n", DCount("books")));
        cr_assert_eq(dorm_len(qs), 3, "%s", dorm_errmsg(T.cx));
        cr_assert_eq(compiles() - before, 1);
    }
}

/* A statement the statement cache drops is forgotten by its shape too (the
 * next hit prepares it again), and a busy one is not shared. */
Test(shapes, statements_dropped_or_busy, .init = catalogue, .fini = test_db_close) {
    int64_t emma = book_id("Emma");
    cr_assert_not_null(dorm_get(books(), DQ("pk", emma)));
    char sql[64];
    dorm_errbuf e;
    for (int i = 0; i < 1100; i++) {
        snprintf(sql, sizeof sql, "SELECT %d", i);
        cr_assert_eq(dorm_db__query(T.db, sql, NULL, 0, NULL, NULL, &e), 0, "%s", e.msg);
    }
    const dorm_shape_entry *en = T.db->link->last_shape;
    cr_assert(en && en->sql);
    cr_assert_null(en->cs, "the statement cache dropped the statement: the shape forgot it");
    uint64_t before = compiles();
    Book *b = dorm_get(books(), DQ("pk", emma));
    cr_assert_not_null(b, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(b->title, "Emma");
    cr_assert_eq(compiles(), before);
    cr_assert_eq(T.db->link->last_shape, en);
    cr_assert_not_null(en->cs, "prepared again and kept");

    dorm_iter *it = dorm_iterator(dorm_filter(books(), DQ("pages__gt", 0)), 1);
    cr_assert_not_null(it);
    int rows = 0;
    for (Book *x; (x = dorm_next(it)); rows++) {
        size_t n = 0;
        cr_assert_not_null(dorm_list(dorm_filter(books(), DQ("pages__gt", x->pages - 1)), &n));
        cr_assert_geq(n, 1);
    }
    cr_assert_eq(rows, 8, "%s", dorm_errmsg(T.cx));
    dorm_iter_close(it);
}

/* Shapes belong to a session: another connection compiles its own. */
Test(shapes, per_session, .init = catalogue, .fini = test_db_close) {
    int64_t emma = book_id("Emma");
    cr_assert_not_null(dorm_get(books(), DQ("pk", emma)));
    /* SQLite's test database is in memory: the other is a new one. */
    bool sqlite = strncmp(test_db_url(), "sqlite", 6) == 0;
    dorm_db *other = sqlite ? dorm_db_open("sqlite://:memory:", T.reg) : test_db_connect("");
    dorm_ctx *cx = dorm_ctx_new(other);
    cr_assert_not_null(cx);
    if (sqlite) {
        cr_assert_eq(dorm_create_tables(cx, DORM_MODELS(&Author_model, &Book_model)), 0, "%s", dorm_errmsg(cx));
        Author *a = dorm_create(cx, Author, .name = "A");
        cr_assert_not_null(a, "%s", dorm_errmsg(cx));
        Book *made = dorm_create(cx, Book, .title = "Emma", .author.id = a->id, .isbn = "1", .genre = "FIC",
                                 .publication_date = dorm_date_ymd(1815, 12, 23), .pages = 1);
        cr_assert_not_null(made, "%s", dorm_errmsg(cx));
        emma = made->id;
    }
    uint64_t made_compiles = other->shape_compiles;
    Book *b = dorm_get(dorm_all(cx, Book), DQ("pk", emma));
    cr_assert_not_null(b, "%s", dorm_errmsg(cx));
    cr_assert_eq(other->shape_compiles - made_compiles, 1);
    cr_assert_eq(other->shape_hits, 0);
    cr_assert_not_null(dorm_get(dorm_all(cx, Book), DQ("pk", emma)));
    cr_assert_eq(other->shape_hits, 1);
    dorm_ctx_free(cx);
    dorm_db_close(other);
}

/* get() of a QuerySet of a shape run before, with conditions on the same
 * paths and values of the same kinds, runs the plan the first such get
 * made: no filter() resolution, no compile, each value prepared as
 * filter() prepares it (the QuerySet's own conditions bound from it). */
Test(shapes, get_plans, .init = catalogue, .fini = test_db_close) {
    Author *austen = dorm_get(dorm_all(T.cx, Author), DQ("name", "Jane Austen"));
    Author *orwell = dorm_get(dorm_all(T.cx, Author), DQ("name", "George Orwell"));
    cr_assert(austen && orwell, "%s", dorm_errmsg(T.cx));
    uint64_t before = compiles(), hits = T.db->shape_hits;
    Book *emma = dorm_get(dorm_filter(books(), DQ("genre", "FIC")), DQ("author", austen->id), DQ("pages__gt", 450));
    cr_assert_not_null(emma, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(emma->title, "Emma");
    Book *nineteen = dorm_get(dorm_filter(books(), DQ("genre", "FIC")), DQ("author", orwell->id), DQ("pages__gt", 300));
    cr_assert_not_null(nineteen, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(nineteen->title, "1984");
    Book *homage = dorm_get(dorm_filter(books(), DQ("genre", "HIS")), DQ("author", orwell->id), DQ("pages__gt", 100));
    cr_assert_not_null(homage, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(homage->title, "Homage to Catalonia");
    cr_assert_null(dorm_get(dorm_filter(books(), DQ("genre", "FIC")), DQ("author", austen->id), DQ("pages__gt", 400)));
    cr_assert_eq(dorm_errcode(T.cx), DORM_EMULTIPLE);
    cr_assert_str_eq(dorm_errmsg(T.cx), "get() returned more than one Book -- it returned 2!");
    cr_assert_eq(compiles() - before, 1, "the first get compiles, the others run its plan");
    cr_assert_eq(T.db->shape_hits - hits, 3);
    /* The last one ran from a plan: its parameters come from conditions
     * (the QuerySet's own genre, then get()'s author and pages). */
    const dorm_shape_entry *en = T.db->link->last_shape;
    cr_assert(en && en->nslots == 3);
    const dorm_shape_slot *slots = en->slots;
    cr_assert_eq(slots[0].cond, 0);
    cr_assert_eq(slots[1].cond, 1);
    cr_assert_eq(slots[2].cond, 2);

    /* A value that does not prepare fails as filter() fails. */
    char id[32];
    snprintf(id, sizeof id, "%lld", (long long)emma->id);
    Book *by_text = dorm_get(books(), DQ("pk", id));
    cr_assert(by_text && by_text->id == emma->id, "%s", dorm_errmsg(T.cx));
    dorm_qs *bad = dorm_filter(books(), DQ("pk", "Emma"));
    cr_assert_neq(dorm_qs_errcode(bad), 0);
    char want[256];
    snprintf(want, sizeof want, "%s", dorm_qs_errmsg(bad));
    cr_assert_null(dorm_get(books(), DQ("pk", "Emma")));
    cr_assert_eq(dorm_errcode(T.cx), dorm_qs_errcode(bad));
    cr_assert_str_eq(dorm_errmsg(T.cx), want);
    cr_assert_not_null(dorm_get(books(), DQ("pk", id)), "%s", dorm_errmsg(T.cx));

    /* None on a path a plan binds is IS NULL, its own shape. */
    cr_assert_not_null(dorm_get(dorm_all(T.cx, Author), DQ("birth_date", dorm_date_ymd(1903, 6, 25))));
    cr_assert_null(dorm_get(dorm_all(T.cx, Author), DQ("birth_date", NULL)));
    cr_assert_eq(dorm_errcode(T.cx), DORM_EDOESNOTEXIST, "%s", dorm_errmsg(T.cx));
    Author *again = dorm_get(dorm_all(T.cx, Author), DQ("birth_date", dorm_date_ymd(1775, 12, 16)));
    cr_assert(again && again->id == austen->id, "%s", dorm_errmsg(T.cx));
}
