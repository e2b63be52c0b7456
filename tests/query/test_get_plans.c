/* test_get_plans.c - the fast ways of a repeated get(): the session's last
 * plan picked out again without building its key (only when what it
 * compares says the key would be the same), and a get whose conditions pin
 * one row stopping at that row while a get that can match several still
 * counts them (MultipleObjectsReturned). */
#include <criterion/criterion.h>
#include <string.h>

#include "backend/db.h"
#include "query/shape.h"
#include "testdb.h"

static void catalogue(void) {
    test_db_open();
    test_db_catalogue();
}

static dorm_qs *books(void) { return dorm_all(T.cx, Book); }
static dorm_qs *authors(void) { return dorm_all(T.cx, Author); }

static int64_t book_id(const char *title) {
    Book *b = dorm_get(books(), DQ("title", title));
    cr_assert_not_null(b, "%s", dorm_errmsg(T.cx));
    return b->id;
}

static void expect_title(Book *b, const char *title) {
    cr_assert_not_null(b, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(b->title, title);
}

/* The memo answers for a plain Model.objects get only, and only with the
 * plan the whole key finds: anything else it compares differs, and the
 * get goes the long way to the right plan. */
Test(get_plans, last_plan_memo, .init = catalogue, .fini = test_db_close) {
    int64_t emma = book_id("Emma"), farm = book_id("Animal Farm");
    expect_title(dorm_get(books(), DQ("pk", emma)), "Emma");
    expect_title(dorm_get(books(), DQ("pk", farm)), "Animal Farm");
    const dorm_plan_memo *mo = &T.db->link->last_plan;
    cr_assert_not_null(mo->en, "a plain get by pk is kept");
    const dorm_shape_entry *by_pk = mo->en;
    uint64_t compiles = T.db->shape_compiles, hits = T.db->shape_hits;
    expect_title(dorm_get(books(), DQ("pk", emma)), "Emma");
    cr_assert_eq(T.db->shape_hits - hits, 1);
    cr_assert_eq(T.db->shape_compiles, compiles);
    cr_assert_eq(mo->en, by_pk);

    /* The same buffer naming another path of the same value type: the
     * memo compares the text, not where it lives. */
    char path[16] = "pk";
    expect_title(dorm_get(books(), DQ(path, emma)), "Emma");
    strcpy(path, "pages");
    expect_title(dorm_get(books(), DQ(path, 328)), "1984");
    strcpy(path, "pk");
    expect_title(dorm_get(books(), DQ(path, farm)), "Animal Farm");

    /* Another value type, another model, more conditions. */
    char id[32];
    snprintf(id, sizeof id, "%lld", (long long)emma);
    expect_title(dorm_get(books(), DQ("pk", id)), "Emma");
    Author *austen = dorm_get(authors(), DQ("name", "Jane Austen"));
    cr_assert_not_null(austen, "%s", dorm_errmsg(T.cx));
    Author *again = dorm_get(authors(), DQ("pk", austen->id));
    cr_assert(again && again->id == austen->id, "%s", dorm_errmsg(T.cx));
    expect_title(dorm_get(books(), DQ("pk", emma), DQ("genre", "FIC")), "Emma");
    cr_assert_null(dorm_get(books(), DQ("pk", emma), DQ("genre", "HIS")));
    cr_assert_eq(dorm_errcode(T.cx), DORM_EDOESNOTEXIST);

    /* QuerySets whose key holds more than the model: their own plans. */
    expect_title(dorm_get(books(), DQ("pk", emma)), "Emma");
    cr_assert_null(dorm_get(dorm_filter(books(), DQ("genre", "HIS")), DQ("pk", emma)));
    cr_assert_eq(dorm_errcode(T.cx), DORM_EDOESNOTEXIST, "%s", dorm_errmsg(T.cx));
    cr_assert_null(dorm_get(dorm_none(books()), DQ("pk", emma)));
    cr_assert_eq(dorm_errcode(T.cx), DORM_EDOESNOTEXIST, "%s", dorm_errmsg(T.cx));
    const dorm_row *row = dorm_get(dorm_values(books(), "title"), DQ("pk", farm));
    cr_assert_not_null(row, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(dorm_row_get(row, "title")->u.s, "Animal Farm");
    Book *only = dorm_get(dorm_only(books(), "title"), DQ("pk", farm));
    cr_assert_not_null(only, "%s", dorm_errmsg(T.cx));
    cr_assert(dorm_is_deferred(only, isbn));
    Book *related = dorm_get(dorm_select_related(books(), "author"), DQ("pk", emma));
    cr_assert_not_null(related, "%s", dorm_errmsg(T.cx));
    cr_assert_not_null(related->author.obj);
    cr_assert_str_eq(((Author *)related->author.obj)->name, "Jane Austen");
    /* An ordering get() clears anyway: the memo's plan serves it. */
    expect_title(dorm_get(dorm_order_by(books(), "title"), DQ("pk", farm)), "Animal Farm");
    cr_assert_eq(mo->en, by_pk);

    /* Every shape forgotten (the cache full, a new session): the memo too. */
    dorm_link__shapes_clear(T.db->link, true);
    cr_assert_null(mo->en);
    expect_title(dorm_get(books(), DQ("pk", emma)), "Emma");
    expect_title(dorm_get(books(), DQ("pk", farm)), "Animal Farm");
}

static bool one_row(dorm_qs *qs) {
    cr_assert(qs && !dorm_qs_errcode(qs), "%s", dorm_errmsg(T.cx));
    return dorm_qs__one_row(qs);
}

/* What lets a get() stop at its row: the primary key or a unique column
 * pinned by a condition ANDed at the top, and no join that repeats rows. */
Test(get_plans, one_row_queries, .init = catalogue, .fini = test_db_close) {
    const dorm_value pks[] = {dorm_v_int(1), dorm_v_int(2)};
    cr_assert(one_row(dorm_filter(books(), DQ("pk", 1))));
    cr_assert(one_row(dorm_filter(books(), DQ("id", 1))));
    cr_assert(one_row(dorm_filter(books(), DQ("isbn", "9780141439587"))));
    cr_assert(one_row(dorm_filter(books(), DQ("genre", "FIC"), DQ("pk", 1))));
    cr_assert(one_row(dorm_filter(books(), DQ("author__name", "Jane Austen"), DQ("pk", 1))));
    cr_assert(one_row(dorm_select_related(dorm_filter(books(), DQ("pk", 1)), "author")));
    cr_assert_not(one_row(books()));
    cr_assert_not(one_row(dorm_filter(books(), DQ("genre", "FIC"))));
    cr_assert_not(one_row(dorm_filter(books(), DQ("pk__gt", 1))));
    cr_assert_not(one_row(dorm_filter(books(), DQ("pk__in", dorm_v_list(pks, 2)))));
    cr_assert_not(one_row(dorm_filter(books(), DQ("isbn", NULL))));
    cr_assert_not(one_row(dorm_filter(books(), DQ("isbn__iexact", "9780141439587"))));
    cr_assert_not(one_row(dorm_filter(books(), dorm_or(DQ("pk", 1), DQ("pk", 2)))));
    cr_assert_not(one_row(dorm_exclude(books(), DQ("pk", 1))));
    cr_assert_not(one_row(dorm_filter(authors(), DQ("books__pages__gt", 100), DQ("pk", 1))));
}

/* A get through a join that repeats rows still reads them all, on its
 * first run and from its plan. */
Test(get_plans, several_rows_still_counted, .init = catalogue, .fini = test_db_close) {
    Author *austen = dorm_get(authors(), DQ("name", "Jane Austen"));
    cr_assert_not_null(austen, "%s", dorm_errmsg(T.cx));
    for (int run = 0; run < 3; run++) {
        cr_assert_null(dorm_get(dorm_filter(authors(), DQ("books__pages__gt", 300)), DQ("pk", austen->id)));
        cr_assert_eq(dorm_errcode(T.cx), DORM_EMULTIPLE, "run %d: %s", run, dorm_errmsg(T.cx));
        cr_assert_str_eq(dorm_errmsg(T.cx), "get() returned more than one Author -- it returned 2!");
    }
    for (int run = 0; run < 3; run++) {
        cr_assert_null(dorm_get(books(), DQ("genre", "FIC")));
        cr_assert_eq(dorm_errcode(T.cx), DORM_EMULTIPLE, "run %d: %s", run, dorm_errmsg(T.cx));
        cr_assert_str_eq(dorm_errmsg(T.cx), "get() returned more than one Book -- it returned 6!");
    }
    Author *one = dorm_get(dorm_filter(authors(), DQ("books__pages__gt", 450)), DQ("pk", austen->id));
    cr_assert(one && one->id == austen->id, "%s", dorm_errmsg(T.cx));
}
