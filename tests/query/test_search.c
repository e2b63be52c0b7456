/* test_search.c - full-text search (Django 3.2's contrib.postgres.search):
 * the SQL and parameters of the search lookup, SearchVector, SearchQuery and
 * their combinations, SearchRank and SearchHeadline on PostgreSQL (Django's,
 * from a scratch project), their rows on a small corpus of books, and the
 * NotSupportedError every other backend gives before sending anything. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include <dorm/testing.h>

#include "testdb.h"

static bool on_pg(void) { return test_db_dialect()->full_text_search; }

static void corpus(void) {
    test_db_open();
    Author *a = dorm_create(T.cx, Author, .name = "Ann Cook",
                            .biography = "She wrote about cheese, wine and the long walks between the two.");
    cr_assert_not_null(a, "%s", dorm_errmsg(T.cx));
    static const char *const titles[] = {"The Cheese Shop", "A Tale of Two Cities", "Cheese and Wine: Cheese Guide",
                                         "Wine Country", "Moon Cheese"};
    static const char *const isbns[] = {"comedy", "history", "cheddar", "travel", "sf"};
    for (int i = 0; i < 5; i++)
        cr_assert_not_null(dorm_create(T.cx, Book, .title = titles[i], .isbn = isbns[i], .pages = 100 + i,
                                       .author = {a->id, NULL}, .publication_date = {2000 + i, 1, 1}),
                           "%s", dorm_errmsg(T.cx));
}

TestSuite(search, .init = corpus, .fini = test_db_close);

static dorm_qs *books(void) { return dorm_all(T.cx, Book); }

#define B "\"library_book\""

/* The SQL of qs from `from` (" WHERE ", "SELECT ") on, and its parameters. */
static void expect_sql(const char *name, dorm_qs *qs, const char *from, const char *want, const char *params) {
    const char *got_params = NULL;
    const char *sql = dorm_qs_sql(qs, &got_params);
    cr_assert_not_null(sql, "%s: %s", name, dorm_qs_errmsg(qs));
    const char *at = strstr(sql, from);
    cr_assert_not_null(at, "%s: %s", name, sql);
    const char *end = strstr(at, " ORDER BY ");
    size_t n = end ? (size_t)(end - at) : strlen(at);
    cr_expect(strlen(want) == n && strncmp(at, want, n) == 0, "%s:\n got %.*s\nwant %s", name, (int)n, at, want);
    cr_expect_str_eq(got_params, params, "%s: %s", name, got_params);
}

Test(search, lookup_sql) {
    if (!on_pg()) return;
    expect_sql("search", dorm_filter(books(), DQ("title__search", "cheese")), " WHERE ",
               " WHERE to_tsvector(COALESCE(" B ".\"title\", $1)) @@ plainto_tsquery($2)", "('', 'cheese')");
    expect_sql("search config", dorm_filter(books(), DQ("title__search", DSearchQuery("cheese", .config = "english"))),
               " WHERE ",
               " WHERE to_tsvector($1::regconfig, COALESCE(" B ".\"title\", $2)) @@ plainto_tsquery($3::regconfig, $4)",
               "('english', '', 'english', 'cheese')");
}

Test(search, vector_sql) {
    if (!on_pg()) return;
    dorm_qs *qs = dorm_filter(dorm_annotate(books(), DAS("search", DSearchVectors(DEXPRS("title", "isbn")))),
                              DQ("search", "cheese"));
    expect_sql("two fields", qs, " WHERE ",
               " WHERE to_tsvector(COALESCE(" B ".\"title\", $3) || ' ' || COALESCE(" B
               ".\"isbn\", $4)) @@ plainto_tsquery($5)",
               "('', '', '', '', 'cheese')");
    qs = dorm_filter(dorm_annotate(books(),
                                   DAS("search",
                                       dorm_add(DSearchVector("title", .config = "english", .weight = "A"),
                                                DSearchVector("isbn", .weight = "B")))),
                     DQ("search", DSearchQuery("cheese", .config = "french")));
    expect_sql("weights", qs, " WHERE ",
               " WHERE (setweight(to_tsvector($6::regconfig, COALESCE(" B ".\"title\", $7)), $8) || "
               "setweight(to_tsvector(COALESCE(" B ".\"isbn\", $9)), $10)) @@ plainto_tsquery($11::regconfig, $12)",
               "('english', '', 'A', '', 'B', 'english', '', 'A', '', 'B', 'french', 'cheese')");
    qs = dorm_filter(dorm_annotate(books(), DAS("s", DSearchVector("title", .config = "english"))), DQ("s", "x"));
    expect_sql("config of the vector", qs, " WHERE ",
               " WHERE to_tsvector($3::regconfig, COALESCE(" B ".\"title\", $4)) @@ plainto_tsquery($5::regconfig, $6)",
               "('english', '', 'english', '', 'english', 'x')");
}

Test(search, query_sql) {
    if (!on_pg()) return;
    dorm_qs *qs = dorm_filter(
        dorm_annotate(books(), DAS("search", DSearchVectors(DEXPRS("title", "pages")))),
        DQ("search",
           DSearchOr(DSearchAnd(DSearchQuery("a", .search_type = "phrase"), DSearchQuery("b", .search_type = "raw")),
                     DSearchQuery("c", .search_type = "websearch", .invert = true))));
    expect_sql("combined", qs, " WHERE ",
               " WHERE to_tsvector(COALESCE(" B ".\"title\", $3) || ' ' || COALESCE(CAST(" B
               ".\"pages\" AS text), $4)) @@ ((phraseto_tsquery($5) && to_tsquery($6)) || "
               "!!(websearch_to_tsquery($7)))",
               "('', '', '', '', 'a', 'b', 'c')");
}

Test(search, rank_and_headline_sql) {
    if (!on_pg()) return;
    expect_sql(
        "rank",
        dorm_values(dorm_annotate(books(), DAS("r", DSearchRank(DSearchVector("title"), DSearchQuery("x")))), "r"),
        "SELECT ", "SELECT ts_rank(to_tsvector(COALESCE(" B ".\"title\", $1)), plainto_tsquery($2)) AS \"r\" FROM " B,
        "('', 'x')");
    expect_sql("rank of a path and a string",
               dorm_values(dorm_annotate(books(), DAS("r", DSearchRank("title", "x"))), "r"), "SELECT ",
               "SELECT ts_rank(to_tsvector(COALESCE(" B ".\"title\", $1)), plainto_tsquery($2)) AS \"r\" FROM " B,
               "('', 'x')");
    expect_sql("rank options",
               dorm_values(dorm_annotate(books(),
                                         DAS("r",
                                             DSearchRank(DSearchVector("title"), DSearchQuery("x"),
                                                         .weights = DSEARCH_WEIGHTS(0.1, 0.2, 0.3, 1.0),
                                                         .normalization = 2, .cover_density = true))),
                           "r"),
               "SELECT ",
               "SELECT ts_rank_cd($1, to_tsvector(COALESCE(" B
               ".\"title\", $2)), plainto_tsquery($3), $4) AS \"r\" FROM " B,
               "('{0.1, 0.2, 0.3, 1}', '', 'x', 2)");
    expect_sql("headline",
               dorm_values(dorm_annotate(books(),
                                         DAS("h",
                                             DSearchHeadline("title", DSearchQuery("x"), .config = "english",
                                                             .start_sel = "<b>", .stop_sel = "</b>", .max_words = 5,
                                                             .min_words = 2, .short_word = 3, .highlight_all = true,
                                                             .max_fragments = 2, .fragment_delimiter = "..."))),
                           "h"),
               "SELECT ",
               "SELECT ts_headline($1::regconfig, " B ".\"title\", plainto_tsquery($2), $3) AS \"h\" FROM " B,
               "('english', 'x', \"StartSel='<b>', StopSel='</b>', MaxWords=5, MinWords=2, ShortWord=3, "
               "HighlightAll=true, MaxFragments=2, FragmentDelimiter='...'\")");
    expect_sql("headline of a string",
               dorm_values(dorm_annotate(books(), DAS("h", DSearchHeadline("title", "x"))), "h"), "SELECT ",
               "SELECT ts_headline(" B ".\"title\", plainto_tsquery($1)) AS \"h\" FROM " B, "('x',)");
}

/* The ids of qs's rows, ordered by `order` then id. */
static const char *ids_by(dorm_qs *qs, const char *order) { return test_ids(dorm_order_by(qs, order, "id")); }

Test(search, rows) {
    if (!on_pg()) return;
    cr_expect_str_eq(ids_by(dorm_filter(books(), DQ("title__search", "cheese")), "id"), "1,3,5");
    cr_expect_str_eq(ids_by(dorm_filter(books(), DQ("title__search", "wine cheese")), "id"), "3");
    cr_expect_str_eq(
        ids_by(dorm_filter(books(), DQ("title__search", DSearchQuery("cheese & !moon", .search_type = "raw"))), "id"),
        "1,3");
    cr_expect_str_eq(
        ids_by(dorm_filter(books(), DQ("title__search", DSearchQuery("\"cheese shop\"", .search_type = "websearch"))),
               "id"),
        "1");
    cr_expect_str_eq(ids_by(dorm_filter(books(), DQ("title__search", DSearchQuery("cheese", .invert = true))), "id"),
                     "2,4");
    dorm_qs *qs = dorm_annotate(books(),
                                DAS("search",
                                    dorm_add(DSearchVector("title", .config = "english", .weight = "A"),
                                             DSearchVector("isbn", .weight = "B"))));
    cr_expect_str_eq(
        ids_by(dorm_filter(qs, DQ("search", DSearchOr(DSearchQuery("cheddar"), DSearchQuery("travel")))), "id"), "3,4");
    cr_expect_str_eq(
        ids_by(dorm_filter(qs, DQ("search", DSearchAnd(DSearchQuery("wine"), DSearchQuery("guide")))), "id"), "3");
    /* Rank: two matches above one; weight A above weight B. */
    qs = dorm_filter(dorm_annotate(books(),
                                   DAS("rank",
                                       DSearchRank(dorm_add(DSearchVector("title", .weight = "A"),
                                                            DSearchVector("isbn", .weight = "B")),
                                                   DSearchQuery("cheese | cheddar", .search_type = "raw")))),
                     DQ("rank__gt", 0));
    cr_expect_str_eq(ids_by(qs, "-rank"), "3,1,5");
    size_t n;
    const dorm_row **rows = dorm_rows(dorm_values(dorm_order_by(qs, "-rank", "id"), "rank"), &n);
    cr_assert_not_null(rows, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(n, 3);
    cr_expect(rows[0]->values[0].type == DORM_T_FLOAT && rows[0]->values[0].u.f > rows[1]->values[0].u.f);
    cr_expect(rows[1]->values[0].u.f == rows[2]->values[0].u.f);
}

Test(search, headline) {
    if (!on_pg()) return;
    dorm_qs *qs =
        dorm_values(dorm_annotate(dorm_all(T.cx, Author),
                                  DAS("h",
                                      DSearchHeadline("biography", DSearchQuery("walk", .config = "english"),
                                                      .config = "english", .start_sel = "<b>", .stop_sel = "</b>"))),
                    "h");
    size_t n;
    const dorm_row **rows = dorm_rows(qs, &n);
    cr_assert_not_null(rows, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(n, 1);
    cr_expect_str_eq(rows[0]->values[0].u.s, "She wrote about cheese, wine and the long <b>walks</b> between the two.");
    qs = dorm_values(dorm_annotate(dorm_all(T.cx, Author),
                                   DAS("h",
                                       DSearchHeadline("biography", "cheese", .start_sel = "[it's ", .stop_sel = "]",
                                                       .max_words = 4, .min_words = 2))),
                     "h");
    rows = dorm_rows(qs, &n);
    cr_assert_not_null(rows, "%s", dorm_errmsg(T.cx));
    cr_expect_str_eq(rows[0]->values[0].u.s, "[it's cheese], wine");
}

/* Every search expression on a backend without full-text search: Django's
 * NotSupportedError naming it, and no statement sent. */
Test(search, refused_elsewhere) {
    if (on_pg()) return;
    struct {
        dorm_qs *qs;
        const char *what;
    } cases[] = {
        {dorm_filter(books(), DQ("title__search", "cheese")), "The search lookup"},
        {dorm_annotate(books(), DAS("v", DSearchVector("title"))), "SearchVector"},
        {dorm_annotate(books(), DAS("q", DSearchQuery("cheese"))), "SearchQuery"},
        {dorm_annotate(books(), DAS("q", DSearchAnd(DSearchQuery("a"), DSearchQuery("b")))), "SearchQuery"},
        {dorm_annotate(books(), DAS("r", DSearchRank("title", "cheese"))), "SearchRank"},
        {dorm_annotate(books(), DAS("h", DSearchHeadline("title", "cheese"))), "SearchHeadline"},
    };
    dorm_queries *q = dorm_queries_start(T.cx);
    cr_assert_not_null(q);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char want[256];
        snprintf(want, sizeof want,
                 "%s is not supported on this database backend: full-text search is PostgreSQL's "
                 "(django.contrib.postgres.search).",
                 cases[i].what);
        cr_expect_eq(dorm_count(cases[i].qs), DORM_ENOTSUPPORTED, "%s", cases[i].what);
        cr_expect_eq(dorm_qs_errcode(cases[i].qs), DORM_ENOTSUPPORTED, "%s", cases[i].what);
        cr_expect_str_eq(dorm_qs_errmsg(cases[i].qs), want);
    }
    const char *msg = dorm_queries_check(q, 0);
    cr_expect_null(msg, "%s", msg);
}

/* Bad input, on every backend before anything else. */
Test(search, bad_input) {
    if (!on_pg()) return;
    dorm_qs *qs = dorm_filter(books(), DQ("title__search", DSearchQuery("x", .search_type = "fuzzy")));
    cr_expect_eq(dorm_qs_errcode(qs), DORM_EVALUE);
    cr_expect_str_eq(dorm_qs_errmsg(qs), "Unknown search_type argument 'fuzzy'.");
    qs = dorm_annotate(books(), DAS("v", DSearchVector("title", .weight = "E")));
    cr_expect_str_eq(dorm_qs_errmsg(qs), "Unknown weight 'E': a SearchVector weight is 'A', 'B', 'C' or 'D'.");
    qs = dorm_annotate(books(), DAS("v", dorm_add(DSearchVector("title"), dorm_F("pages"))));
    cr_expect_str_eq(dorm_qs_errmsg(qs),
                     "SearchVector can only be combined with other SearchVector instances, got "
                     "PositiveIntegerField.");
    qs = dorm_annotate(books(), DAS("v", dorm_sub(DSearchVector("title"), DSearchVector("isbn"))));
    cr_expect_str_eq(dorm_qs_errmsg(qs), "Search expressions only combine as SearchVector + SearchVector.");
    qs = dorm_annotate(books(), DAS("v", dorm_add(DSearchQuery("a"), DSearchQuery("b"))));
    cr_expect_str_eq(dorm_qs_errmsg(qs), "Search expressions only combine as SearchVector + SearchVector.");
    qs = dorm_annotate(books(), DAS("q", DSearchAnd(DSearchQuery("a"), DSearchVector("title"))));
    cr_expect_eq(dorm_qs_errcode(qs), DORM_EVALUE);
    qs = dorm_filter(books(), DQ("pages__search", "x"));
    cr_expect_eq(dorm_qs_errcode(qs), DORM_EFIELD, "%s", dorm_qs_errmsg(qs));
}

/* The lookup across a relation, in exclude(), in get() (twice: a get()
 * plan must not keep one search's value for the next), and a rank of an
 * annotated vector named by F(). */
Test(search, in_other_places) {
    if (!on_pg()) return;
    cr_expect_str_eq(ids_by(dorm_filter(books(), DQ("author__name__search", "cook")), "id"), "1,2,3,4,5");
    cr_expect_str_eq(ids_by(dorm_exclude(books(), DQ("title__search", "cheese")), "id"), "2,4");
    Book *b = dorm_get(books(), DQ("title__search", "shop"));
    cr_assert_not_null(b, "%s", dorm_errmsg(T.cx));
    cr_expect_str_eq(b->title, "The Cheese Shop");
    b = dorm_get(books(), DQ("title__search", "country"));
    cr_assert_not_null(b, "%s", dorm_errmsg(T.cx));
    cr_expect_str_eq(b->title, "Wine Country");
    dorm_qs *qs = dorm_annotate(books(), DAS("v", DSearchVector("title")),
                                DAS("rank", DSearchRank(dorm_F("v"), DSearchQuery("moon"))));
    cr_expect_str_eq(test_ids(dorm_order_by(dorm_filter(qs, DQ("rank__gt", 0)), "-rank")), "5");
    expect_sql("rank of F(vector)", dorm_values(qs, "rank"), "SELECT ",
               "SELECT ts_rank(to_tsvector(COALESCE(" B ".\"title\", $1)), plainto_tsquery($2)) AS \"rank\" FROM " B,
               "('', 'moon')");
}
