/* test_custom.c - a program's own functions, aggregates, lookups and
 * transforms, declared as table rows on its app (dorm_app.sql_functions /
 * .lookups) and used by name in annotate(), aggregate(), filter(),
 * values() and order_by(), with per-vendor SQL, on both backends. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "testdb.h"

/* First letter, upper-cased: spelled per vendor. */
static const dorm_vendor_sql initial_sql[] = {
    {"sqlite", "UPPER(SUBSTR(%1, 1, 1))"}, {"postgresql", "UPPER(LEFT(%1, 1))"}, {NULL, NULL}};
static const dorm_func_def initial = {.name = "Initial",
                                      .min_args = 1,
                                      .max_args = 1,
                                      .output = DORM_KIND_CHAR,
                                      .sql = "UPPER(SUBSTRING(%1, 1, 1))",
                                      .vendor_sql = initial_sql};
/* An aggregate: the spread of its argument. */
static const dorm_func_def spread = {
    .name = "Spread", .min_args = 1, .max_args = 1, .flags = DORM_FUNC_AGGREGATE, .sql = "(MAX(%1) - MIN(%1))"};
/* Django's documentation example of a custom lookup. */
static const dorm_lookup_def ne = {.name = "ne", .sql = "%1 <> %2"};
static const dorm_lookup_def initial_transform = {.name = "initial", .kinds = DORM_KINDS_TEXT, .transform = "Initial"};

static const dorm_app custom_app = {
    .label = "library",
    .models = DORM_MODELS(&Author_model, &Book_model, &Everything_model),
    .sql_functions = DORM_FUNCS(&initial, &spread),
    .lookups = DORM_LOOKUPS(&ne, &initial_transform),
};

static void open_custom(void) {
    test_db_open_apps((const dorm_app *const[]){&custom_app, NULL});
    test_db_catalogue();
}

TestSuite(custom, .init = open_custom, .fini = test_db_close);

static dorm_qs *books(void) { return dorm_all(T.cx, Book); }
static dorm_qs *authors(void) { return dorm_all(T.cx, Author); }

/* The WHERE clause of qs (from " WHERE "), with $n written as ? and
 * `quotes` as "quotes". */
static const char *where_of(dorm_qs *qs) {
    static char out[512];
    const char *sql = test_sql_std(dorm_qs_sql(qs, NULL));
    const char *w = strstr(sql, " WHERE ");
    cr_assert_not_null(w, "%s", sql);
    snprintf(out, sizeof out, "%s", w + 1);
    char *order = strstr(out, " ORDER BY");
    if (order) *order = '\0';
    return out;
}

#define B "\"library_book\""

Test(custom, functions_by_name) {
    dorm_qs *qs = dorm_order_by(
        dorm_values_list(dorm_annotate(books(), DAS("i", DFunc("Initial", "title"))), "title", "i"), "title");
    /* MariaDB has no spelling of its own: the function's default one. */
    const char *sql = test_sql_std(dorm_qs_sql(qs, NULL));
    cr_assert(
        strstr(sql,
               test_pick("UPPER(SUBSTR(" B ".\"title\", 1, 1)) AS \"i\"", "UPPER(LEFT(" B ".\"title\", 1)) AS \"i\"",
                         "UPPER(SUBSTRING(" B ".\"title\", 1, 1)) AS \"i\"")),
        "%s", sql);
    const dorm_row *r = dorm_first(qs);
    cr_assert_str_eq(r->values[0].u.s, "1984");
    cr_assert_str_eq(r->values[1].u.s, "1");
    r = dorm_last(qs);
    cr_assert_str_eq(r->values[1].u.s, "T");
    /* A program's aggregate groups and aggregates like a built-in one. */
    size_t n;
    Author **a = (Author **)dorm_list(
        dorm_order_by(dorm_annotate(authors(), DAS("s", DFunc("Spread", "books__pages"))), "name"), &n);
    cr_assert_not_null(a, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(n, 3);
    cr_assert_eq(dorm_annotation(a[0], "s")->u.i, 328 - 112);
    cr_assert_eq(dorm_annotation(a[2], "s")->u.i, 474 - 249);
    /* filter= takes Django's CASE form: a template may be more than one call. */
    const dorm_row *agg =
        dorm_aggregate(books(), DAS("s", DAggregate("Spread", "pages", .filter = DQ("genre", "FIC"))));
    cr_assert_not_null(agg, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(agg->values[0].u.i, 474 - 112);
    /* Its default alias is Django's. */
    agg = dorm_aggregate(books(), DAS(NULL, DAggregate("Spread", "pages")));
    cr_assert_not_null(dorm_row_get(agg, "pages__spread"));
    cr_assert_null(dorm_aggregate(books(), DAS("s", DAggregate("Spread", "pages", .distinct = true))));
    cr_assert_str_eq(dorm_errmsg(T.cx), "Spread does not allow distinct.");
}

Test(custom, lookups_by_name) {
    dorm_qs *qs = dorm_filter(books(), DQ("title__ne", "Emma"));
    cr_assert_str_eq(where_of(qs), "WHERE " B ".\"title\" <> ?");
    cr_assert_eq(dorm_count(qs), 7);
    cr_assert_eq(dorm_count(dorm_exclude(books(), DQ("title__ne", "Emma"))), 1);
    /* After a transform, on an annotation (HAVING), and with an expression. */
    cr_assert_eq(dorm_count(dorm_filter(books(), DQ("publication_date__year__ne", 1937))), 7);
    cr_assert_eq(dorm_count(dorm_filter(dorm_annotate(authors(), DAS("n", DCount("books"))), DQ("n__ne", 3))), 1);
    cr_assert_eq(dorm_count(dorm_filter(books(), DQ("pages__ne", dorm_F("pages")))), 0);
    /* The program's names are offered when one is mistyped. */
    dorm_qs *bad = dorm_filter(books(), DQ("title__nee", "x"));
    cr_assert_eq(dorm_qs_errcode(bad), DORM_EFIELD);
    cr_assert_str_eq(
        dorm_qs_errmsg(bad),
        "Unsupported lookup 'nee' for CharField or join on the field not permitted, perhaps you meant ne?");
}

Test(custom, transforms_by_name) {
    dorm_qs *qs = dorm_filter(books(), DQ("title__initial", "T"));
    cr_assert_str_eq(where_of(qs),
                     test_pick("WHERE UPPER(SUBSTR(" B ".\"title\", 1, 1)) = ?",
                               "WHERE UPPER(LEFT(" B ".\"title\", 1)) = ?",
                               "WHERE UPPER(SUBSTRING(" B ".\"title\", 1, 1)) = ?"));
    cr_assert_eq(dorm_count(qs), 1);
    cr_assert_eq(dorm_count(dorm_filter(books(), DQ("title__initial__in", DLIST("P", "E")))), 3);
    cr_assert_eq(dorm_count(dorm_filter(books(), DQ("title__initial__ne", "P"))), 6);
    /* In values() and order_by(), and under F(). */
    size_t n;
    const dorm_row **rows =
        dorm_rows(dorm_order_by(dorm_values(books(), "title__initial"), "-title__initial", "title"), &n);
    cr_assert_not_null(rows, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(n, 8);
    cr_assert_str_eq(rows[0]->values[0].u.s, "T");
    cr_assert_str_eq(dorm_row_get(rows[7], "title__initial")->u.s, "1");
    /* Homage to Catalonia, of genre HIS. */
    cr_assert_eq(dorm_count(dorm_filter(books(), DQ("genre__initial", dorm_F("title__initial")))), 1);
    /* Only for the kinds it names: pages is no text. */
    dorm_qs *bad = dorm_filter(books(), DQ("pages__initial", "T"));
    cr_assert_eq(dorm_qs_errcode(bad), DORM_EFIELD);
}
