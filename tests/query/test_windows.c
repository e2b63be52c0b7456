/* test_windows.c - Window() with RowNumber, Rank, DenseRank, PercentRank,
 * CumeDist, Ntile, Lag, Lead, FirstValue, LastValue, NthValue and
 * aggregates over a partition, an ordering and a RowRange / ValueRange
 * frame; filtering on one is refused as Django refuses it.  Django 3.2's
 * SQL (SQLite) and rows on both backends. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "testdb.h"

static dorm_qs *books(void) { return dorm_all(T.cx, Book); }

static void catalogue(void) {
    test_db_open();
    test_db_catalogue();
}

TestSuite(windows, .init = catalogue, .fini = test_db_close);

static bool on_sqlite(void) { return strncmp(test_db_url(), "sqlite", 6) == 0; }

static void expect_sql(dorm_qs *qs, const char *sql) {
    const char *got = dorm_qs_sql(qs, NULL);
    cr_assert_not_null(got, "%s", dorm_errmsg(T.cx));
    if (on_sqlite()) cr_assert_str_eq(got, sql);
}

/* The rows of qs as "title=value; ..." (values printed as Python would). */
static const char *rows_text(dorm_qs *qs) {
    static char out[2048];
    size_t n, used = 0;
    const dorm_row **rows = dorm_rows(qs, &n);
    cr_assert_not_null(rows, "%s", dorm_errmsg(T.cx));
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        used += (size_t)snprintf(out + used, sizeof out - used, "%s%s", i ? "; " : "", rows[i]->values[0].u.s);
        for (size_t k = 1; k < rows[i]->n; k++) {
            const dorm_value *v = &rows[i]->values[k];
            if (v->type == DORM_T_INT)
                used += (size_t)snprintf(out + used, sizeof out - used, "=%lld", (long long)v->u.i);
            else if (v->type == DORM_T_FLOAT)
                used += (size_t)snprintf(out + used, sizeof out - used, "=%.4f", v->u.f);
            else if (v->type == DORM_T_TEXT)
                used += (size_t)snprintf(out + used, sizeof out - used, "=%s", v->u.s);
            else
                used += (size_t)snprintf(out + used, sizeof out - used, "=None");
        }
    }
    return out;
}

#define B "\"library_book\""

Test(windows, rank_per_partition) {
    dorm_qs *qs =
        dorm_order_by(dorm_values_list(dorm_annotate(books(),
                                                     DAS("r",
                                                         DWindow(DRank(), .partition_by = DEXPRS(dorm_F("author")),
                                                                 .order_by = DEXPRS(DDesc("pages"))))),
                                       "title", "r"),
                      "author", "r");
    expect_sql(qs,
               "SELECT " B ".\"title\", RANK() OVER (PARTITION BY " B ".\"author_id\" ORDER BY " B
               ".\"pages\" DESC) AS \"r\" FROM " B " INNER JOIN \"library_author\" ON (" B
               ".\"author_id\" = \"library_author\".\"id\") ORDER BY \"library_author\".\"name\" ASC, \"r\" ASC");
    cr_assert_str_eq(rows_text(qs),
                     "1984=1; Homage to Catalonia=2; Animal Farm=3; The Hobbit=1; On Fairy-Stories=2; "
                     "Emma=1; Pride and Prejudice=2; Persuasion=3");
    qs = dorm_order_by(
        dorm_values_list(dorm_annotate(books(), DAS("rn", DWindow(DRowNumber(), .order_by = DEXPRS(DAsc("pages"))))),
                         "title", "rn"),
        "rn");
    expect_sql(qs,
               "SELECT " B ".\"title\", ROW_NUMBER() OVER (ORDER BY " B ".\"pages\" ASC) AS \"rn\" FROM " B
               " ORDER BY \"rn\" ASC");
    cr_assert_str_eq(rows_text(qs),
                     "Animal Farm=1; On Fairy-Stories=2; Homage to Catalonia=3; Persuasion=4; The Hobbit=5; "
                     "1984=6; Pride and Prejudice=7; Emma=8");
}

Test(windows, aggregates_over_frames) {
    dorm_qs *qs =
        dorm_order_by(dorm_values_list(dorm_annotate(books(),
                                                     DAS("s",
                                                         DWindow(DSum("pages"), .partition_by = DEXPRS("author"),
                                                                 .order_by = DEXPRS(DAsc("publication_date"))))),
                                       "title", "s"),
                      "author", "publication_date");
    expect_sql(qs,
               "SELECT " B ".\"title\", SUM(" B ".\"pages\") OVER (PARTITION BY " B ".\"author_id\" ORDER BY " B
               ".\"publication_date\" ASC) AS \"s\" FROM " B " INNER JOIN \"library_author\" ON (" B
               ".\"author_id\" = \"library_author\".\"id\") ORDER BY \"library_author\".\"name\" ASC, " B
               ".\"publication_date\" ASC");
    cr_assert_str_eq(rows_text(qs),
                     "Homage to Catalonia=232; Animal Farm=344; 1984=672; The Hobbit=310; "
                     "On Fairy-Stories=438; Pride and Prejudice=432; Emma=906; Persuasion=1155");
    qs = dorm_order_by(
        dorm_values_list(dorm_annotate(books(),
                                       DAS("s",
                                           DWindow(DAvg("pages"), .order_by = DEXPRS(DAsc("publication_date")),
                                                   .frame = DRowRange(-1, 1)))),
                         "title", "s"),
        "publication_date");
    expect_sql(qs,
               "SELECT " B ".\"title\", AVG(" B ".\"pages\") OVER (ORDER BY " B
               ".\"publication_date\" ASC ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) AS \"s\" FROM " B " ORDER BY " B
               ".\"publication_date\" ASC");
    cr_assert_str_eq(rows_text(qs),
                     "Pride and Prejudice=453.0000; Emma=385.0000; Persuasion=344.3333; The Hobbit=263.6667; "
                     "Homage to Catalonia=218.0000; Animal Farm=157.3333; On Fairy-Stories=189.3333; "
                     "1984=228.0000");
    qs = dorm_order_by(dorm_values_list(dorm_annotate(books(),
                                                      DAS("s",
                                                          DWindow(DSum("pages"), .order_by = DEXPRS(DAsc("pages")),
                                                                  .frame = DValueRange(DORM_UNBOUNDED, 0)))),
                                        "title", "s"),
                       "pages");
    expect_sql(qs,
               "SELECT " B ".\"title\", SUM(" B ".\"pages\") OVER (ORDER BY " B
               ".\"pages\" ASC RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS \"s\" FROM " B " ORDER BY " B
               ".\"pages\" ASC");
    cr_assert_str_eq(rows_text(qs),
                     "Animal Farm=112; On Fairy-Stories=240; Homage to Catalonia=472; Persuasion=721; "
                     "The Hobbit=1031; 1984=1359; Pride and Prejudice=1791; Emma=2265");
}

Test(windows, value_functions) {
    dorm_qs *qs = dorm_order_by(
        dorm_values_list(
            dorm_annotate(books(), DAS("l", DWindow(DLag("pages", 1, 0), .order_by = DEXPRS(DAsc("pages"))))), "title",
            "l"),
        "pages");
    expect_sql(qs,
               "SELECT " B ".\"title\", LAG(" B ".\"pages\", ?, ?) OVER (ORDER BY " B ".\"pages\" ASC) AS \"l\" FROM " B
               " ORDER BY " B ".\"pages\" ASC");
    if (test_db_on_mysql()) {
        /* MariaDB's LAG takes no default: the server refuses the statement,
         * as it does Django's (the same SQL). */
        cr_assert_null(dorm_rows(qs, NULL));
        cr_assert_eq(dorm_errcode(T.cx), DORM_EPROGRAMMING);
        cr_assert(strstr(dorm_errmsg(T.cx), "(1064, \"You have an error in your SQL syntax"), "%s", dorm_errmsg(T.cx));
    } else {
        cr_assert_str_eq(rows_text(qs),
                         "Animal Farm=0; On Fairy-Stories=112; Homage to Catalonia=128; Persuasion=232; "
                         "The Hobbit=249; 1984=310; Pride and Prejudice=328; Emma=432");
    }
    const dorm_expr *const *by_pages = DEXPRS(DAsc("pages"));
    qs = dorm_order_by(
        dorm_values_list(
            dorm_annotate(books(), DAS("l", DWindow(DLead("title"), .order_by = by_pages)),
                          DAS("f",
                              DWindow(DFirstValue("title"), .partition_by = DEXPRS(dorm_F("author"), dorm_F("genre")),
                                      .order_by = by_pages)),
                          DAS("nt", DWindow(DNtile(3), .order_by = by_pages)),
                          DAS("nv", DWindow(DNthValue("title", 2), .order_by = by_pages)),
                          DAS("pr", DWindow(DPercentRank(), .order_by = by_pages)),
                          DAS("cd", DWindow(DCumeDist(), .order_by = by_pages)),
                          DAS("dr", DWindow(DDenseRank(), .order_by = DEXPRS(DAsc("genre")))),
                          DAS("lv", DWindow(DLastValue("title"), .order_by = by_pages))),
            "title", "l", "f", "nt", "nv", "pr", "cd", "dr", "lv"),
        "pages");
    expect_sql(
        qs,
        "SELECT " B ".\"title\", LEAD(" B ".\"title\", ?) OVER (ORDER BY " B ".\"pages\" ASC) AS \"l\", FIRST_VALUE(" B
        ".\"title\") OVER (PARTITION BY " B ".\"author_id\", " B ".\"genre\" ORDER BY " B
        ".\"pages\" ASC) AS \"f\", NTILE(?) OVER (ORDER BY " B ".\"pages\" ASC) AS \"nt\", NTH_VALUE(" B
        ".\"title\", ?) OVER (ORDER BY " B ".\"pages\" ASC) AS \"nv\", PERCENT_RANK() OVER (ORDER BY " B
        ".\"pages\" ASC) AS \"pr\", CUME_DIST() OVER (ORDER BY " B ".\"pages\" ASC) AS \"cd\", DENSE_RANK() OVER "
        "(ORDER BY " B ".\"genre\" ASC) AS \"dr\", LAST_VALUE(" B ".\"title\") OVER (ORDER BY " B
        ".\"pages\" ASC) AS \"lv\" FROM " B " ORDER BY " B ".\"pages\" ASC");
    cr_assert_str_eq(
        rows_text(qs),
        "Animal Farm=On Fairy-Stories=Animal Farm=1=None=0.0000=0.1250=1=Animal Farm; "
        "On Fairy-Stories=Homage to Catalonia=On Fairy-Stories=1=On Fairy-Stories=0.1429=0.2500=3=On Fairy-Stories; "
        "Homage to Catalonia=Persuasion=Homage to Catalonia=1=On Fairy-Stories=0.2857=0.3750=2=Homage to Catalonia; "
        "Persuasion=The Hobbit=Persuasion=2=On Fairy-Stories=0.4286=0.5000=1=Persuasion; "
        "The Hobbit=1984=The Hobbit=2=On Fairy-Stories=0.5714=0.6250=1=The Hobbit; "
        "1984=Pride and Prejudice=Animal Farm=2=On Fairy-Stories=0.7143=0.7500=1=1984; "
        "Pride and Prejudice=Emma=Persuasion=3=On Fairy-Stories=0.8571=0.8750=1=Pride and Prejudice; "
        "Emma=None=Persuasion=3=On Fairy-Stories=1.0000=1.0000=1=Emma");
}

Test(windows, misuse) {
    dorm_qs *ranked = dorm_annotate(books(), DAS("r", DWindow(DRank(), .order_by = DEXPRS(DAsc("pages")))));
    dorm_qs *qs = dorm_filter(ranked, DQ("r", 1));
    cr_assert_eq(dorm_qs_errcode(qs), DORM_ENOTSUPPORTED);
    cr_assert_str_eq(dorm_qs_errmsg(qs), "Window is disallowed in the filter clause.");
    qs = dorm_filter(ranked, DQ("pages__gt", dorm_F("r")));
    cr_assert_str_eq(dorm_qs_errmsg(qs), "Window is disallowed in the filter clause.");
    qs = dorm_annotate(books(), DAS("r", DRank()));
    cr_assert_str_eq(dorm_qs_errmsg(qs), "Rank is a window function: use it inside Window().");
    qs = dorm_annotate(books(), DAS("r", DWindow(dorm_F("pages"))));
    cr_assert_str_eq(dorm_qs_errmsg(qs), "Expression 'the expression' isn't compatible with OVER clauses.");
    qs = dorm_annotate(books(), DAS("r", DWindow(DSum("pages"), .frame = DRowRange(1, 0))));
    cr_assert_str_eq(dorm_qs_errmsg(qs), "start argument must be a negative integer, zero, or None, but got '1'.");
    /* count() and aggregate() of a QuerySet with a window work over a subquery. */
    cr_assert_eq(dorm_count(ranked), 8);
    const dorm_row *r = dorm_aggregate(ranked, DAS("m", DMax("r")));
    cr_assert_not_null(r, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(r->values[0].u.i, 8);
}

/* A window of decimal output is cast as a whole on SQLite (Django's
 * Window.as_sqlite): CAST(... OVER (...) AS NUMERIC), not a CAST inside
 * OVER, which SQLite refuses. */
Test(windows, decimal_window) {
    const char *fees[] = {"0.50", "2.15", "1.10"};
    for (int i = 0; i < 3; i++) {
        dorm_decimal d;
        cr_assert_eq(dorm_decimal_parse(fees[i], 4, &d), 0);
        cr_assert_not_null(dorm_create(T.cx, Everything, .decimal_f = d), "%s", dorm_errmsg(T.cx));
    }
    dorm_qs *qs = dorm_values_list(
        dorm_order_by(dorm_annotate(dorm_all(T.cx, Everything),
                                    DAS("prev", DWindow(DLag("decimal_f"), .order_by = DEXPRS("id"))),
                                    DAS("running", DWindow(DSum("decimal_f"), .order_by = DEXPRS("id")))),
                      "id"),
        "prev", "running");
    const char *sql = dorm_qs_sql(qs, NULL);
    cr_assert_not_null(sql, "%s", dorm_qs_errmsg(qs));
    if (on_sqlite())
        cr_expect(strstr(sql,
                         "SELECT CAST(LAG(\"library_everything\".\"decimal_f\", ?) OVER (ORDER BY "
                         "\"library_everything\".\"id\") AS NUMERIC) AS \"prev\", "
                         "CAST(SUM(\"library_everything\".\"decimal_f\") "
                         "OVER (ORDER BY \"library_everything\".\"id\") AS NUMERIC) AS \"running\" FROM"),
                  "%s", sql);
    size_t n;
    const dorm_row **rows = dorm_rows(qs, &n);
    cr_assert_not_null(rows, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(n, 3);
    char a[DORM_FMT_MAX], b[DORM_FMT_MAX];
    cr_expect_eq(rows[0]->values[0].type, DORM_T_NULL);
    dorm_decimal_format(rows[2]->values[0].u.dec, a);
    dorm_decimal_format(rows[2]->values[1].u.dec, b);
    /* Django's SQLite converter: a function's float to 15 digits, unrounded. */
    cr_expect_str_eq(a, on_sqlite() ? "2.15000000000000" : "2.15");
    cr_expect_str_eq(b, "3.75");
}
