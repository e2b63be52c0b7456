/* test_conditional.c - Case/When in annotate, filter, order_by, update()
 * and inside aggregates; Value, ExpressionWrapper and Django's "mixed types"
 * error; expressions in order_by with asc()/desc() and nulls_first/last; the
 * messages of misused functions.  Django 3.2's SQL (SQLite) and rows. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "testdb.h"

static dorm_qs *books(void) { return dorm_all(T.cx, Book); }
static dorm_qs *authors(void) { return dorm_all(T.cx, Author); }

static void catalogue(void) {
    test_db_open();
    test_db_catalogue();
}

TestSuite(conditional, .init = catalogue, .fini = test_db_close);

static bool on_sqlite(void) { return strncmp(test_db_url(), "sqlite", 6) == 0; }

static void expect_sql(dorm_qs *qs, const char *sql) {
    const char *got = dorm_qs_sql(qs, NULL);
    cr_assert_not_null(got, "%s", dorm_errmsg(T.cx));
    if (on_sqlite()) cr_assert_str_eq(got, sql);
}

static void expect_qs_error(dorm_qs *qs, int code, const char *msg) {
    cr_assert_eq(dorm_qs_errcode(qs), code, "%d: %s", dorm_qs_errcode(qs), dorm_qs_errmsg(qs));
    cr_assert_str_eq(dorm_qs_errmsg(qs), msg);
}

/* The titles of qs, joined by ", ". */
static const char *titles(dorm_qs *qs) {
    static char out[512];
    size_t n, used = 0;
    Book **b = (Book **)dorm_list(qs, &n);
    cr_assert_not_null(b, "%s", dorm_errmsg(T.cx));
    out[0] = '\0';
    for (size_t i = 0; i < n; i++)
        used += (size_t)snprintf(out + used, sizeof out - used, "%s%s", i ? ", " : "", b[i]->title);
    return out;
}

#define B "\"library_book\""
#define A "\"library_author\""
#define BOOK_COLUMNS                                                                                            \
    "SELECT " B ".\"id\", " B ".\"title\", " B ".\"author_id\", " B ".\"publication_date\", " B ".\"isbn\", " B \
    ".\"genre\", " B ".\"pages\""

/* A macro, not a function returning it: a compound literal lives until the
 * end of the block it is written in. */
#define SIZE                                                                                            \
    DCase(DWhen(DQ("pages__gte", 400), DValue("long")), DWhen(DQ("pages__gte", 250), DValue("medium")), \
          DDefault(DValue("short")))

Test(conditional, case_in_annotate_and_filter) {
    dorm_qs *qs = dorm_order_by(dorm_filter(dorm_annotate(books(), DAS("size", SIZE)), DQ("size", "medium")), "title");
    /* Django writes the conditions of an annotation it filters on in
     * parentheses (the lookup resolves its left side again). */
    expect_sql(qs,
               BOOK_COLUMNS ", CASE WHEN " B ".\"pages\" >= ? THEN ? WHEN " B ".\"pages\" >= ? THEN ? ELSE ? END AS "
                            "\"size\" FROM " B " WHERE CASE WHEN (" B ".\"pages\" >= ?) THEN ? WHEN (" B
                            ".\"pages\" >= ?) THEN ? ELSE ? END = ? ORDER BY " B ".\"title\" ASC");
    cr_assert_str_eq(titles(qs), "1984, The Hobbit");
    const dorm_value *v = dorm_annotation(dorm_first(qs), "size");
    cr_assert_not_null(v);
    cr_assert_str_eq(v->u.s, "medium");
    qs = dorm_order_by(dorm_exclude(dorm_annotate(books(), DAS("size", SIZE)), DQ("size", "short")), "title");
    cr_assert_str_eq(titles(qs), "1984, Emma, Pride and Prejudice, The Hobbit");
    /* A Case as the value compared with. */
    qs = dorm_order_by(
        dorm_filter(books(), DQ("pages__gt", DCase(DWhen(DQ("genre", "FIC"), DValue(400)), DDefault(DValue(200))))),
        "title");
    expect_sql(qs,
               BOOK_COLUMNS " FROM " B " WHERE " B ".\"pages\" > CASE WHEN " B
                            ".\"genre\" = ? THEN ? ELSE ? END ORDER BY " B ".\"title\" ASC");
    cr_assert_str_eq(titles(qs), "Emma, Homage to Catalonia, Pride and Prejudice");
    /* Without a default: ELSE NULL; a string result names a field. */
    qs = dorm_values_flat(dorm_filter(dorm_annotate(books(),
                                                    DAS("x",
                                                        DCase(DWhen(DQ("pages__gt", 400), DValue("long")),
                                                              DWhen(DQ("genre", "FIC"), "title")))),
                                      DQ("title", "Animal Farm")),
                          "x");
    const dorm_row *r = dorm_first(qs);
    cr_assert_not_null(r, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(r->values[0].u.s, "Animal Farm");
    r = dorm_first(dorm_values_flat(
        dorm_filter(dorm_annotate(books(), DAS("x", DCase(DWhen(DQ("genre", "NON"), "title")))), DQ("title", "Emma")),
        "x"));
    cr_assert_eq(r->values[0].type, DORM_T_NULL);
}

Test(conditional, case_in_update) {
    dorm_qs *fic = dorm_filter(books(), DQ("genre", "FIC"));
    int64_t before = dorm_aggregate(fic, DAS("s", DSum("pages")))->values[0].u.i;
    int64_t n = dorm_update(
        books(),
        DSET("pages", DCase(DWhen(DQ("genre", "FIC"), dorm_add(dorm_F("pages"), 1)), DDefault(dorm_F("pages")))));
    cr_assert_eq(n, 8, "%lld: %s", (long long)n, dorm_errmsg(T.cx));
    cr_assert_eq(dorm_aggregate(fic, DAS("s", DSum("pages")))->values[0].u.i, before + 6);
    cr_assert_eq(dorm_aggregate(books(), DAS("s", DSum("pages")))->values[0].u.i, 2271);
}

Test(conditional, case_inside_aggregates) {
    dorm_qs *qs = dorm_order_by(
        dorm_annotate(authors(), DAS("long", DCount(DCase(DWhen(DQ("books__pages__gt", 300), 1))))), "name");
    expect_sql(qs,
               "SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\", COUNT(CASE WHEN " B
               ".\"pages\" > ? THEN ? ELSE NULL END) AS \"long\" FROM " A " LEFT OUTER JOIN " B " ON (" A ".\"id\" = " B
               ".\"author_id\") GROUP BY " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A
               ".\"biography\" ORDER BY " A ".\"name\" ASC");
    size_t n;
    Author **a = (Author **)dorm_list(qs, &n);
    cr_assert_not_null(a, "%s", dorm_errmsg(T.cx));
    const int64_t want[] = {1, 1, 2};
    for (size_t i = 0; i < n; i++) cr_assert_eq(dorm_annotation(a[i], "long")->u.i, want[i]);
    /* HAVING on it: parenthesised conditions, as Django. */
    qs = dorm_values_flat(dorm_filter(qs, DQ("long__gte", 2)), "name");
    expect_sql(qs,
               "SELECT " A ".\"name\" FROM " A " LEFT OUTER JOIN " B " ON (" A ".\"id\" = " B
               ".\"author_id\") GROUP BY " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A
               ".\"biography\" HAVING COUNT(CASE WHEN (" B ".\"pages\" > ?) THEN ? ELSE NULL END) >= ? ORDER BY " A
               ".\"name\" ASC");
    cr_assert_eq(dorm_len(qs), 1);
    const dorm_row *r =
        dorm_aggregate(books(), DAS("s", DSum(DCase(DWhen(DQ("genre", "FIC"), "pages"), DDefault(DValue(0))))));
    cr_assert_not_null(r, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(r->values[0].u.i, 1905);
}

Test(conditional, values_and_wrappers) {
    dorm_qs *qs = dorm_slice(dorm_values_list(dorm_annotate(books(), DAS("v", DValue(3))), "v"), 0, 1);
    expect_sql(qs, "SELECT ? AS \"v\" FROM " B " ORDER BY " B ".\"publication_date\" DESC LIMIT 1");
    cr_assert_eq(((const dorm_row *)dorm_first(qs))->values[0].u.i, 3);
    /* Mixed types need an output field (Django's FieldError). */
    expect_qs_error(dorm_annotate(books(), DAS("x", dorm_add(dorm_F("pages"), dorm_F("title")))), DORM_EFIELD,
                    "Expression contains mixed types: PositiveIntegerField, CharField. You must set output_field.");
    expect_qs_error(dorm_annotate(books(), DAS("x", DCoalesce("pages", "title"))), DORM_EFIELD,
                    "Expression contains mixed types: PositiveIntegerField, CharField. You must set output_field.");
    qs =
        dorm_values_flat(dorm_annotate(dorm_filter(books(), DQ("title", "Emma")),
                                       DAS("x", DExpressionWrapper(dorm_div(dorm_F("pages"), 100.0), DORM_KIND_FLOAT))),
                         "x");
    cr_assert_float_eq(((const dorm_row *)dorm_first(qs))->values[0].u.f, 4.74, 1e-12);
    /* SQLite: CAST(... AS NUMERIC) wraps each arithmetic of a decimal output,
     * decided by the expression a wrapper holds (Django's SQLiteNumericMixin). */
    qs = dorm_values_list(
        dorm_annotate(dorm_all(T.cx, Everything),
                      DAS("a",
                          DExpressionWrapper(dorm_div(dorm_mul(dorm_F("decimal_f"), 1000), dorm_F("int_f")),
                                             DORM_KIND_DECIMAL, .max_digits = 10, .decimal_places = 4)),
                      DAS("w", DExpressionWrapper(dorm_mul(dorm_F("int_f"), 2), DORM_KIND_DECIMAL))),
        "a", "w");
    expect_sql(qs,
               "SELECT CAST((CAST((\"library_everything\".\"decimal_f\" * ?) AS NUMERIC) / "
               "\"library_everything\".\"int_f\") AS NUMERIC) AS \"a\", (\"library_everything\".\"int_f\" * ?) AS "
               "\"w\" FROM \"library_everything\"");
    /* update() needs no output field: Django resolves none there. */
    cr_assert_eq(dorm_update(dorm_filter(dorm_all(T.cx, Everything), DQ("id", 0)),
                             DSET("float_f", dorm_mul(dorm_F("int_f"), dorm_F("decimal_f")))),
                 0, "%s", dorm_errmsg(T.cx));
    /* An annotation of ExtractYear is compared as a date range (YearLookup). */
    qs = dorm_order_by(dorm_values_list(dorm_filter(dorm_annotate(books(), DAS("y", DExtractYear("publication_date"))),
                                                    DQ("y__gte", 1940)),
                                        "title", "y"),
                       "y");
    expect_sql(qs,
               "SELECT " B ".\"title\", dorm_extract('year', " B ".\"publication_date\") AS \"y\" FROM " B " WHERE " B
               ".\"publication_date\" >= ? ORDER BY \"y\" ASC");
    cr_assert_eq(dorm_len(qs), 3);
}

Test(conditional, expressions_in_order_by) {
    dorm_qs *qs = dorm_order_by(dorm_annotate(authors(), DAS("n", DCount("books"))), DDesc(dorm_F("n")), "name");
    expect_sql(qs,
               "SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\", COUNT(" B
               ".\"id\") AS \"n\" FROM " A " LEFT OUTER JOIN " B " ON (" A ".\"id\" = " B ".\"author_id\") GROUP BY " A
               ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\" ORDER BY COUNT(" B
               ".\"id\") DESC, " A ".\"name\" ASC");
    qs = dorm_order_by(authors(), DDesc("birth_date", .nulls_last = true));
    expect_sql(qs,
               "SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\" FROM " A " ORDER BY " A
               ".\"birth_date\" DESC NULLS LAST");
    /* reverse() turns asc(nulls_first) into desc(nulls_last). */
    expect_sql(dorm_reverse(dorm_order_by(authors(), DAsc("birth_date", .nulls_first = true))),
               "SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\" FROM " A " ORDER BY " A
               ".\"birth_date\" DESC NULLS LAST");
    const dorm_expr *order =
        DCase(DWhen(DQ("genre", "NON"), DValue(0)), DWhen(DQ("genre", "HIS"), DValue(1)), DDefault(DValue(2)));
    qs = dorm_slice(dorm_order_by(books(), order, "title"), 0, 4);
    expect_sql(qs,
               BOOK_COLUMNS " FROM " B " ORDER BY CASE WHEN " B ".\"genre\" = ? THEN ? WHEN " B
                            ".\"genre\" = ? THEN ? ELSE ? END ASC, " B ".\"title\" ASC LIMIT 4");
    cr_assert_str_eq(titles(qs), "On Fairy-Stories, Homage to Catalonia, 1984, Animal Farm");
    qs = dorm_slice(dorm_order_by(books(), DDesc(DLength("title")), "title"), 0, 3);
    expect_sql(qs, BOOK_COLUMNS " FROM " B " ORDER BY LENGTH(" B ".\"title\") DESC, " B ".\"title\" ASC LIMIT 3");
    cr_assert_str_eq(titles(qs), "Homage to Catalonia, Pride and Prejudice, On Fairy-Stories");
    /* DISTINCT selects an ordering expression it does not select already. */
    qs = dorm_slice(dorm_order_by(dorm_distinct(books()), DLower("title")), 0, 2);
    expect_sql(qs,
               "SELECT DISTINCT " B ".\"id\", " B ".\"title\", " B ".\"author_id\", " B ".\"publication_date\", " B
               ".\"isbn\", " B ".\"genre\", " B ".\"pages\", LOWER(" B ".\"title\") FROM " B " ORDER BY LOWER(" B
               ".\"title\") ASC LIMIT 2");
    cr_assert_str_eq(titles(qs), "1984, Animal Farm");
    expect_qs_error(dorm_order_by(books(), DDesc("pages", .nulls_first = true, .nulls_last = true)), DORM_EVALUE,
                    "nulls_first and nulls_last are mutually exclusive");
}

Test(conditional, misuse_gets_djangos_errors) {
    expect_qs_error(dorm_annotate(books(), DAS("x", DLower("title", "isbn"))), DORM_EVALUE,
                    "'Lower' takes exactly 1 argument (2 given)");
    expect_qs_error(dorm_annotate(books(), DAS("x", DCoalesce("title"))), DORM_EVALUE,
                    "Coalesce must take at least two expressions");
    expect_qs_error(dorm_annotate(dorm_annotate(authors(), DAS("n", DCount("books"))), DAS("m", DSum("n"))),
                    DORM_EFIELD, "Cannot compute Sum('n'): 'n' is an aggregate");
    expect_qs_error(dorm_annotate(books(), DAS("x", DFunc("Lowr", "title"))), DORM_EFIELD,
                    "Unknown function 'Lowr', perhaps you meant Lower or Power?");
    expect_qs_error(dorm_annotate(books(), DAS("x", DFunc("Nope", "title"))), DORM_EFIELD, "Unknown function 'Nope'.");
    expect_qs_error(dorm_annotate(books(), DAS("x", DExtractHour("publication_date"))), DORM_EVALUE,
                    "Cannot extract time component 'hour' from DateField 'publication_date'. ");
    expect_qs_error(dorm_annotate(books(), DAS("x", DExtractYear("title"))), DORM_EVALUE,
                    "Extract input expression must be DateField, DateTimeField, TimeField, or DurationField.");
    expect_qs_error(
        dorm_annotate(books(), DAS("x", DCase(DWhen(DQ("pages__gt", 1), 1), DDefault(0), DWhen(DQ("pages", 2), 2)))),
        DORM_EVALUE, "Default() must come last in Case().");
}
