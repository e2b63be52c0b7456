/* test_expressions.c - F() column references and arithmetic in filter() and
 * update(), and only()/defer(), on the acceptance catalogue, checked against
 * what Django 3.2 does for the same calls: values, counts, SQL and errors. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "testdb.h"

static dorm_qs *books(void) { return dorm_all(T.cx, Book); }
static dorm_qs *authors(void) { return dorm_all(T.cx, Author); }
static dorm_qs *everything(void) { return dorm_all(T.cx, Everything); }

static void catalogue(void) {
    test_db_open();
    test_db_catalogue();
}

static bool on_sqlite(void) { return strncmp(test_db_url(), "sqlite", 6) == 0; }

/* The last statement the connection ran, from the statement log. */
static char last_sql[2048], last_params[512];

static void remember(const char *sql, const char *params, double seconds, void *payload) {
    (void)seconds;
    (void)payload;
    snprintf(last_sql, sizeof last_sql, "%s", sql);
    snprintf(last_params, sizeof last_params, "%s", params ? params : "");
}

static void expect_error(int code, const char *msg) {
    cr_assert_eq(dorm_errcode(T.cx), code, "%d: %s", dorm_errcode(T.cx), dorm_errmsg(T.cx));
    cr_assert_str_eq(dorm_errmsg(T.cx), msg);
}

static void expect_qs_error(dorm_qs *qs, int code, const char *msg) {
    cr_assert_eq(dorm_qs_errcode(qs), code, "%d: %s", dorm_qs_errcode(qs), dorm_qs_errmsg(qs));
    cr_assert_str_eq(dorm_qs_errmsg(qs), msg);
}

/* The integer column `field` of every row of `qs` in id order. */
static size_t int_column(dorm_qs *qs, const char *field, int64_t *out, size_t max) {
    size_t n = 0;
    DORM_EACH_ROW(r, dorm_values_flat(dorm_order_by(qs, "id"), field)) {
        cr_assert(n < max);
        cr_assert_eq(r->values[0].type, DORM_T_INT, "%s is of type %d", field, (int)r->values[0].type);
        out[n++] = r->values[0].u.i;
    }
    cr_assert_eq(dorm_errcode(T.cx), DORM_OK, "%s", dorm_errmsg(T.cx));
    return n;
}

static void expect_ints(dorm_qs *qs, const char *field, const int64_t *want, size_t n) {
    int64_t got[16];
    cr_assert_eq(int_column(qs, field, got, 16), n);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(got[i], want[i], "%s of row %zu: %lld, not %lld", field, i, (long long)got[i], (long long)want[i]);
}

static void expect_floats(dorm_qs *qs, const char *field, const double *want, size_t n) {
    size_t i = 0;
    DORM_EACH_ROW(r, dorm_values_flat(dorm_order_by(qs, "id"), field)) {
        cr_assert(i < n);
        cr_assert_eq(r->values[0].type, DORM_T_FLOAT);
        cr_assert_float_eq(r->values[0].u.f, want[i], 1e-12, "%s of row %zu: %g, not %g", field, i, r->values[0].u.f,
                           want[i]);
        i++;
    }
    cr_assert_eq(i, n, "%s", dorm_errmsg(T.cx));
}

static Author *author_named(const char *name) {
    Author *a = dorm_get(authors(), DQ("name", name));
    cr_assert_not_null(a, "%s", dorm_errmsg(T.cx));
    return a;
}

/* The catalogue's pages in id order (Pride and Prejudice .. On Fairy-Stories). */
static const int64_t catalogue_pages[] = {432, 474, 249, 328, 112, 232, 310, 128};

Test(expressions, update_with_f_changes_only_matched_rows, .init = catalogue, .fini = test_db_close) {
    Author *tolkien = author_named("J.R.R. Tolkien");
    dorm_db_set_log(T.db, remember, NULL);
    int64_t n = dorm_update(dorm_filter(books(), DQ("author", tolkien)), DSET("pages", dorm_add(dorm_F("pages"), 10)));
    dorm_db_set_log(T.db, NULL, NULL);
    cr_assert_eq(n, 2, "%lld: %s", (long long)n, dorm_errmsg(T.cx));
    if (on_sqlite()) {
        /* Django: UPDATE ... SET "pages" = ("library_book"."pages" + 10) WHERE "library_book"."author_id" = 3 */
        cr_assert_str_eq(last_sql,
                         "UPDATE \"library_book\" SET \"pages\" = (\"library_book\".\"pages\" + ?) "
                         "WHERE \"library_book\".\"author_id\" = ?");
        cr_assert_str_eq(last_params, "(10, 3)");
    }
    const int64_t want[] = {432, 474, 249, 328, 112, 232, 320, 138};
    expect_ints(books(), "pages", want, 8);
    /* A second update adds again: the expression reads the current value. */
    cr_assert_eq(
        dorm_update(dorm_filter(books(), DQ("title", "The Hobbit")), DSET("pages", dorm_add(dorm_F("pages"), 10))), 1);
    cr_assert_eq(((Book *)dorm_get(books(), DQ("title", "The Hobbit")))->pages, 330);
}

Test(expressions, update_with_no_match_changes_nothing, .init = catalogue, .fini = test_db_close) {
    cr_assert_eq(dorm_update(dorm_filter(books(), DQ("pages__gt", 1000)), DSET("pages", dorm_add(dorm_F("pages"), 10))),
                 0);
    cr_assert_eq(dorm_update(dorm_none(books()), DSET("pages", dorm_add(dorm_F("pages"), 10))), 0);
    expect_ints(books(), "pages", catalogue_pages, 8);
}

Test(expressions, integer_arithmetic_in_update, .init = catalogue, .fini = test_db_close) {
    cr_assert_eq(dorm_update(dorm_filter(books(), DQ("author__name", "George Orwell")),
                             DSET("pages", dorm_sub(dorm_F("pages"), 2))),
                 3);
    cr_assert_eq(dorm_update(dorm_filter(books(), DQ("title", "Emma")), DSET("pages", dorm_mul(dorm_F("pages"), 2))),
                 1);
    /* Integer division truncates, as on Django's SQLite and PostgreSQL: 249 / 2 = 124; MySQL's "/" gives a
     * decimal, 124.5, which the integer column rounds to 125 (Django's result there too). */
    cr_assert_eq(
        dorm_update(dorm_filter(books(), DQ("title", "Persuasion")), DSET("pages", dorm_div(dorm_F("pages"), 2))), 1);
    const int64_t want[] = {432, 948, test_db_on_mysql() ? 125 : 124, 326, 110, 230, 310, 128};
    expect_ints(books(), "pages", want, 8);
    /* A value on the left: 1000 - pages. */
    cr_assert_eq(dorm_update(dorm_filter(books(), DQ("title", "Emma")), DSET("pages", dorm_sub(1000, dorm_F("pages")))),
                 1);
    cr_assert_eq(((Book *)dorm_get(books(), DQ("title", "Emma")))->pages, 52);
}

static void three_rows(void) {
    test_db_open();
    cr_assert_not_null(dorm_create(T.cx, Everything, .int_f = 5, .bigint_f = 3, .smallint_f = 5, .float_f = 1.5), "%s",
                       dorm_errmsg(T.cx));
    cr_assert_not_null(dorm_create(T.cx, Everything, .int_f = 2, .bigint_f = 9, .smallint_f = 1, .float_f = 2.5));
    cr_assert_not_null(dorm_create(T.cx, Everything, .int_f = 7, .bigint_f = 7, .smallint_f = 8, .float_f = 0.5));
}

Test(expressions, float_and_mixed_arithmetic_in_update, .init = three_rows, .fini = test_db_close) {
    cr_assert_eq(dorm_update(everything(), DSET("float_f", dorm_add(dorm_mul(dorm_F("float_f"), 2), 0.25))), 3, "%s",
                 dorm_errmsg(T.cx));
    expect_floats(everything(), "float_f", (const double[]){3.25, 5.25, 1.25}, 3);
    cr_assert_eq(dorm_update(everything(), DSET("float_f", dorm_div(dorm_F("float_f"), 2))), 3);
    expect_floats(everything(), "float_f", (const double[]){1.625, 2.625, 0.625}, 3);
    /* 5 / 2, 2 / 2, 7 / 2: truncated, or on MySQL decimals the integer column rounds. */
    bool my = test_db_on_mysql();
    cr_assert_eq(dorm_update(everything(), DSET("int_f", dorm_div(dorm_F("int_f"), 2))), 3);
    expect_ints(everything(), "int_f", my ? (const int64_t[]){3, 1, 4} : (const int64_t[]){2, 1, 3}, 3);
    /* Two columns in one expression. */
    cr_assert_eq(dorm_update(everything(), DSET("bigint_f", dorm_add(dorm_F("int_f"), dorm_F("smallint_f")))), 3);
    expect_ints(everything(), "bigint_f", my ? (const int64_t[]){8, 2, 12} : (const int64_t[]){7, 2, 11}, 3);
    /* An integer column times a float is a float. */
    cr_assert_eq(dorm_update(everything(), DSET("float_f", dorm_mul(dorm_F("int_f"), 1.5))), 3);
    expect_floats(everything(), "float_f", my ? (const double[]){4.5, 1.5, 6.0} : (const double[]){3.0, 1.5, 4.5}, 3);
    /* Several assignments in one UPDATE all read the row as it was; MySQL assigns left to right, the
     * second reading the first's new value (Django's result there too). */
    cr_assert_eq(dorm_update(everything(), DSET("int_f", dorm_F("smallint_f")), DSET("smallint_f", dorm_F("int_f"))),
                 3);
    expect_ints(everything(), "int_f", (const int64_t[]){5, 1, 8}, 3);
    expect_ints(everything(), "smallint_f", my ? (const int64_t[]){5, 1, 8} : (const int64_t[]){2, 1, 3}, 3);
}

/* Decimal column `field` of every row in id order, formatted ("NULL" for NULL). */
static void expect_decimals(dorm_qs *qs, const char *field, const char *const *want, size_t n) {
    size_t i = 0;
    DORM_EACH_ROW(r, dorm_values_flat(dorm_order_by(qs, "id"), field)) {
        cr_assert(i < n);
        char got[DORM_FMT_MAX] = "NULL";
        if (r->values[0].type != DORM_T_NULL) {
            cr_assert_eq(r->values[0].type, DORM_T_DECIMAL, "type %d", (int)r->values[0].type);
            dorm_decimal_format(r->values[0].u.dec, got);
        }
        cr_assert_str_eq(got, want[i], "%s of row %zu", field, i);
        i++;
    }
    cr_assert_eq(i, n, "%s", dorm_errmsg(T.cx));
}

Test(expressions, nulls_and_decimals, .init = three_rows, .fini = test_db_close) {
    const dorm_decimal d1_25 = DORM_DEC(125, 2), d10_10 = DORM_DEC(1010, 2), d0_05 = DORM_DEC(5, 2);
    cr_assert_eq(
        dorm_update(dorm_filter(everything(), DQ("id", 1)), DSET("nullable_int", NULL), DSET("decimal_f", d1_25)), 1);
    cr_assert_eq(
        dorm_update(dorm_filter(everything(), DQ("id", 2)), DSET("nullable_int", 4), DSET("decimal_f", d10_10)), 1);
    cr_assert_eq(dorm_update(dorm_filter(everything(), DQ("id", 3)), DSET("nullable_int", 10), DSET("decimal_f", NULL)),
                 1);
    /* NULL + 1 stays NULL. */
    cr_assert_eq(dorm_update(everything(), DSET("nullable_int", dorm_add(dorm_F("nullable_int"), 1))), 3);
    size_t i = 0;
    const int64_t want[] = {0, 5, 11};
    DORM_EACH_ROW(r, dorm_values_flat(dorm_order_by(everything(), "id"), "nullable_int")) {
        if (i == 0)
            cr_assert_eq(r->values[0].type, DORM_T_NULL);
        else
            cr_assert_eq(r->values[0].u.i, want[i]);
        i++;
    }
    cr_assert_eq(i, 3);
    /* A NULL compares as unknown: no row matches, and exclude() keeps them all. */
    cr_assert_eq(dorm_count(dorm_filter(everything(), DQ("nullable_int__lt", dorm_F("int_f")))), 0);
    cr_assert_eq(dorm_count(dorm_exclude(everything(), DQ("nullable_int__lt", dorm_F("int_f")))), 3);
    /* Decimal arithmetic keeps the field's scale (Django: 2.50, 20.20, None). */
    cr_assert_eq(dorm_update(everything(), DSET("decimal_f", dorm_mul(dorm_F("decimal_f"), 2))), 3, "%s",
                 dorm_errmsg(T.cx));
    expect_decimals(everything(), "decimal_f", (const char *const[]){"2.50", "20.20", "NULL"}, 3);
    cr_assert_eq(dorm_update(everything(), DSET("decimal_f", dorm_add(dorm_F("decimal_f"), d0_05))), 3);
    expect_decimals(everything(), "decimal_f", (const char *const[]){"2.55", "20.25", "NULL"}, 3);
}

Test(expressions, filter_compares_two_columns, .init = three_rows, .fini = test_db_close) {
    dorm_qs *gt = dorm_filter(everything(), DQ("int_f__gt", dorm_F("bigint_f")));
    if (on_sqlite()) {
        const char *sql = dorm_qs_sql(dorm_values_flat(gt, "id"), NULL);
        cr_assert_not_null(sql, "%s", dorm_errmsg(T.cx));
        cr_assert_str_eq(sql,
                         "SELECT \"library_everything\".\"id\" FROM \"library_everything\" "
                         "WHERE \"library_everything\".\"int_f\" > \"library_everything\".\"bigint_f\"");
    }
    expect_ints(gt, "id", (const int64_t[]){1}, 1);
    expect_ints(dorm_filter(everything(), DQ("int_f__gte", dorm_F("bigint_f"))), "id", (const int64_t[]){1, 3}, 2);
    expect_ints(dorm_filter(everything(), DQ("int_f", dorm_F("bigint_f"))), "id", (const int64_t[]){3}, 1);
    expect_ints(dorm_filter(everything(), DQ("int_f__lt", dorm_F("bigint_f"))), "id", (const int64_t[]){2}, 1);
    expect_ints(dorm_exclude(everything(), DQ("int_f", dorm_F("bigint_f"))), "id", (const int64_t[]){1, 2}, 2);
    /* Arithmetic on the right: float_f < int_f / 2 (integer division: 2, 1, 3). */
    expect_ints(dorm_filter(everything(), DQ("float_f__lt", dorm_div(dorm_F("int_f"), 2))), "id",
                (const int64_t[]){1, 3}, 2);
    expect_ints(
        dorm_filter(everything(), DQ("bigint_f__lt", dorm_sub(dorm_mul(dorm_F("int_f"), dorm_F("smallint_f")), 10))),
        "id", (const int64_t[]){1, 3}, 2);
    cr_assert_eq(dorm_count(dorm_filter(everything(), DQ("int_f__gt", dorm_add(dorm_F("bigint_f"), 100)))), 0);
}

Test(expressions, filter_with_f_across_a_relation, .init = catalogue, .fini = test_db_close) {
    dorm_qs *same = dorm_filter(books(), DQ("title", dorm_F("author__name")));
    if (on_sqlite()) {
        const char *sql = dorm_qs_sql(same, NULL);
        cr_assert_not_null(sql, "%s", dorm_errmsg(T.cx));
        cr_assert_str_eq(
            sql,
            "SELECT \"library_book\".\"id\", \"library_book\".\"title\", \"library_book\".\"author_id\", "
            "\"library_book\".\"publication_date\", \"library_book\".\"isbn\", \"library_book\".\"genre\", "
            "\"library_book\".\"pages\" FROM \"library_book\" INNER JOIN \"library_author\" ON "
            "(\"library_book\".\"author_id\" = \"library_author\".\"id\") WHERE \"library_book\".\"title\" "
            "= \"library_author\".\"name\" ORDER BY \"library_book\".\"publication_date\" DESC");
    }
    cr_assert_eq(dorm_count(same), 0, "%s", dorm_errmsg(T.cx));
    Author *orwell = author_named("George Orwell");
    cr_assert_not_null(dorm_create(T.cx, Book, .title = "George Orwell", .author = {orwell->id, NULL},
                                   .publication_date = dorm_date_ymd(1950, 1, 1), .isbn = "1", .pages = 10),
                       "%s", dorm_errmsg(T.cx));
    size_t n;
    Book **hits = (Book **)dorm_list(dorm_filter(books(), DQ("title", dorm_F("author__name"))), &n);
    cr_assert_not_null(hits, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(n, 1);
    cr_assert_str_eq(hits[0]->title, "George Orwell");
    cr_assert_eq(hits[0]->author.id, orwell->id);
    cr_assert_eq(dorm_count(dorm_exclude(books(), DQ("title", dorm_F("author__name")))), 8);
}

Test(expressions, update_refuses_joined_references, .init = catalogue, .fini = test_db_close) {
    cr_assert_eq(dorm_update(books(), DSET("title", dorm_F("author__name"))), DORM_EFIELD);
    expect_error(DORM_EFIELD, "Joined field references are not permitted in this query");
    cr_assert_eq(dorm_update(books(), DSET("pages", dorm_add(dorm_F("pages"), dorm_F("author__name")))), DORM_EFIELD);
    expect_error(DORM_EFIELD, "Joined field references are not permitted in this query");
    expect_ints(books(), "pages", catalogue_pages, 8);
    cr_assert_eq(dorm_count(dorm_filter(books(), DQ("title", "Emma"))), 1, "titles must be unchanged");
}

/* The reverse join a filter() made is reused by F("books__title"); the
 * UPDATE would have written that join's column. */
Test(expressions, update_refuses_a_multivalued_relation_the_filter_joined, .init = catalogue, .fini = test_db_close) {
    const char *msg = "Joined field references are not permitted in this query";
    dorm_qs *emma = dorm_filter(authors(), DQ("books__title", "Emma"));
    cr_assert_eq(dorm_update(emma, DSET("name", dorm_F("books__title"))), DORM_EFIELD);
    expect_error(DORM_EFIELD, msg);
    cr_assert_eq(dorm_update(authors(), DSET("name", dorm_F("books__title"))), DORM_EFIELD);
    expect_error(DORM_EFIELD, msg);
    /* Django says the same of an annotation that joins. */
    dorm_qs *counted = dorm_annotate(authors(), DAS("n", DCount("books")));
    cr_assert_eq(dorm_update(counted, DSET("name", dorm_F("n"))), DORM_EFIELD);
    expect_error(DORM_EFIELD, msg);
    cr_assert_eq(dorm_count(dorm_filter(authors(), DQ("name", "Jane Austen"))), 1, "names must be unchanged");
}

Test(expressions, key_of_a_relation_needs_no_join, .init = catalogue, .fini = test_db_close) {
    /* author__id is the book's own author_id column (Django trims the join). */
    dorm_db_set_log(T.db, remember, NULL);
    int64_t n = dorm_update(dorm_filter(books(), DQ("title", "Emma")),
                            DSET("pages", dorm_add(dorm_F("pages"), dorm_F("author__id"))));
    dorm_db_set_log(T.db, NULL, NULL);
    cr_assert_eq(n, 1, "%lld: %s", (long long)n, dorm_errmsg(T.cx));
    if (on_sqlite())
        cr_assert_str_eq(last_sql,
                         "UPDATE \"library_book\" SET \"pages\" = (\"library_book\".\"pages\" + "
                         "\"library_book\".\"author_id\") WHERE \"library_book\".\"title\" = ?");
    cr_assert_eq(((Book *)dorm_get(books(), DQ("title", "Emma")))->pages, 474 + author_named("Jane Austen")->id);
    dorm_qs *qs = dorm_filter(books(), DQ("pages__gt", dorm_F("author__id")));
    if (on_sqlite()) {
        const char *sql = dorm_qs_sql(dorm_values_flat(qs, "id"), NULL);
        cr_assert_not_null(sql, "%s", dorm_errmsg(T.cx));
        cr_assert_null(strstr(sql, "JOIN"), "%s", sql);
    }
    cr_assert_eq(dorm_count(qs), 8);
}

Test(expressions, unknown_field_in_f, .init = catalogue, .fini = test_db_close) {
    const char *book_nope =
        "Cannot resolve keyword 'nope' into field. Choices are: author, author_id, genre, id, isbn, pages, "
        "publication_date, title";
    expect_qs_error(dorm_filter(books(), DQ("pages__gt", dorm_F("nope"))), DORM_EFIELD, book_nope);
    expect_qs_error(dorm_filter(books(), DQ("pages__gt", dorm_add(dorm_F("pages"), dorm_F("nope")))), DORM_EFIELD,
                    book_nope);
    expect_qs_error(dorm_filter(books(), DQ("pages__gt", dorm_F("author__nope"))), DORM_EFIELD,
                    "Cannot resolve keyword 'nope' into field. Choices are: biography, birth_date, books, id, name");
    cr_assert_eq(dorm_update(books(), DSET("pages", dorm_F("nope"))), DORM_EFIELD);
    expect_error(DORM_EFIELD, book_nope);
    expect_ints(books(), "pages", catalogue_pages, 8);
}

Test(expressions, lookups_without_expression_support, .init = catalogue, .fini = test_db_close) {
    /* Django fails the first at the database (IN "col") and takes the F() in
     * the second for True; dorm refuses both when the QuerySet is built. */
    dorm_qs *in = dorm_filter(books(), DQ("pages__in", dorm_F("pages")));
    cr_assert_eq(dorm_qs_errcode(in), DORM_EVALUE, "%s", dorm_qs_errmsg(in));
    dorm_qs *isnull = dorm_filter(books(), DQ("pages__isnull", dorm_F("pages")));
    cr_assert_eq(dorm_qs_errcode(isnull), DORM_EVALUE, "%s", dorm_qs_errmsg(isnull));
    cr_assert_lt(dorm_count(in), 0);
    cr_assert_eq(dorm_errcode(T.cx), DORM_EVALUE);
}

/* ---- only() / defer(): which columns are loaded ---- */

static void expect_select(dorm_qs *qs, const char *sql) {
    if (!on_sqlite()) return;
    const char *got = dorm_qs_sql(qs, NULL);
    cr_assert_not_null(got, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(got, sql);
}

#define AUTHOR_ID "SELECT \"library_author\".\"id\""
#define AUTHOR_FROM " FROM \"library_author\" ORDER BY \"library_author\".\"name\" ASC"

Test(only_defer, select_lists_the_loaded_columns, .init = catalogue, .fini = test_db_close) {
    expect_select(dorm_only(authors(), "name"), AUTHOR_ID ", \"library_author\".\"name\"" AUTHOR_FROM);
    expect_select(dorm_only(authors(), "name", "birth_date"),
                  AUTHOR_ID ", \"library_author\".\"name\", \"library_author\".\"birth_date\"" AUTHOR_FROM);
    expect_select(dorm_defer(authors(), "biography"),
                  AUTHOR_ID ", \"library_author\".\"name\", \"library_author\".\"birth_date\"" AUTHOR_FROM);
    /* The primary key is always loaded. */
    expect_select(dorm_only(authors(), "id"), AUTHOR_ID AUTHOR_FROM);
    expect_select(dorm_defer(authors(), "id", "biography"),
                  AUTHOR_ID ", \"library_author\".\"name\", \"library_author\".\"birth_date\"" AUTHOR_FROM);
    /* A ForeignKey loads its key column. */
    expect_select(dorm_only(books(), "title", "author"),
                  "SELECT \"library_book\".\"id\", \"library_book\".\"title\", \"library_book\".\"author_id\" FROM "
                  "\"library_book\" ORDER BY \"library_book\".\"publication_date\" DESC");
}

Test(only_defer, defer_accumulates_and_only_replaces, .init = catalogue, .fini = test_db_close) {
    expect_select(dorm_defer(dorm_defer(authors(), "biography"), "birth_date"),
                  AUTHOR_ID ", \"library_author\".\"name\"" AUTHOR_FROM);
    expect_select(dorm_only(dorm_only(authors(), "name"), "biography"),
                  AUTHOR_ID ", \"library_author\".\"biography\"" AUTHOR_FROM);
    /* defer() after only() takes from the loaded set. */
    expect_select(dorm_defer(dorm_only(authors(), "name", "biography"), "name"),
                  AUTHOR_ID ", \"library_author\".\"biography\"" AUTHOR_FROM);
    /* The QuerySets they start from are unchanged. */
    dorm_qs *only_name = dorm_only(authors(), "name");
    dorm_only(only_name, "biography");
    dorm_defer(only_name, "name");
    expect_select(only_name, AUTHOR_ID ", \"library_author\".\"name\"" AUTHOR_FROM);
}

Test(only_defer, only_after_defer_keeps_the_deferred_out, .init = catalogue, .fini = test_db_close) {
    /* Django's add_immediate_loading: the fields named to only() less those
     * deferred before. */
    dorm_qs *qs = dorm_only(dorm_defer(authors(), "name"), "name", "biography");
    Author *a = dorm_first(qs);
    cr_assert_not_null(a, "%s", dorm_errmsg(T.cx));
    cr_assert(dorm_is_deferred(a, name));
    cr_assert(dorm_is_deferred(a, birth_date));
    cr_assert_not(dorm_is_deferred(a, biography));
    expect_select(qs, AUTHOR_ID ", \"library_author\".\"biography\"" AUTHOR_FROM);
}

Test(only_defer, deferred_members_stay_zero, .init = catalogue, .fini = test_db_close) {
    size_t n;
    Author **all = (Author **)dorm_list(dorm_only(authors(), "name"), &n);
    cr_assert_not_null(all, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(n, 3);
    cr_assert_str_eq(all[0]->name, "George Orwell");
    cr_assert_str_eq(all[1]->name, "J.R.R. Tolkien");
    cr_assert_str_eq(all[2]->name, "Jane Austen");
    for (size_t i = 0; i < n; i++) {
        Author *a = all[i];
        cr_assert_gt(a->id, 0, "the primary key is always loaded");
        cr_assert_null(a->biography);
        cr_assert_eq(a->birth_date.year, 0);
        cr_assert(dorm_is_deferred(a, biography));
        cr_assert(dorm_is_deferred(a, birth_date));
        cr_assert_not(dorm_is_deferred(a, name));
        cr_assert_not(dorm_is_deferred(a, id));
    }
    Author *austen = dorm_get(dorm_defer(authors(), "biography"), DQ("name", "Jane Austen"));
    cr_assert_not_null(austen, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(austen->birth_date.year, 1775);
    cr_assert_null(austen->biography);
    cr_assert(dorm_is_deferred(austen, biography));
    cr_assert_not(dorm_is_deferred(austen, birth_date));
    /* A fully loaded object has nothing deferred. */
    Author *full = dorm_get(authors(), DQ("name", "Jane Austen"));
    cr_assert_not_null(full);
    cr_assert_not(dorm_is_deferred(full, biography));
    cr_assert_str_eq(full->biography, "English novelist known for her six major novels.");
}

Test(only_defer, unknown_field, .init = catalogue, .fini = test_db_close) {
    expect_qs_error(dorm_only(authors(), "nope"), DORM_EFIELD, "Author has no field named 'nope'");
    expect_qs_error(dorm_defer(authors(), "name", "nope"), DORM_EFIELD, "Author has no field named 'nope'");
    dorm_qs *bad = dorm_only(authors(), "books__title");
    cr_assert_eq(dorm_qs_errcode(bad), DORM_EFIELD);
    cr_assert_null(dorm_list(bad, NULL));
    cr_assert_eq(dorm_errcode(T.cx), DORM_EFIELD);
}

Test(only_defer, save_writes_only_loaded_fields, .init = catalogue, .fini = test_db_close) {
    Author *a = dorm_get(dorm_only(authors(), "name"), DQ("name", "Jane Austen"));
    cr_assert_not_null(a, "%s", dorm_errmsg(T.cx));
    a->name = "J. Austen";
    dorm_db_set_log(T.db, remember, NULL);
    int rc = dorm_save(a);
    dorm_db_set_log(T.db, NULL, NULL);
    cr_assert_eq(rc, DORM_OK, "%s", dorm_errmsg(T.cx));
    if (on_sqlite()) {
        /* Django: UPDATE "library_author" SET "name" = 'J. Austen' WHERE "library_author"."id" = 1
         * (how the WHERE names the key is no matter here). */
        const char *set = "UPDATE \"library_author\" SET \"name\" = ? WHERE ";
        cr_assert(strncmp(last_sql, set, strlen(set)) == 0, "%s", last_sql);
        char want[64];
        snprintf(want, sizeof want, "('J. Austen', %lld)", (long long)a->id);
        cr_assert_str_eq(last_params, want);
    }
    Author *fresh = dorm_get(authors(), DQ("pk", a->id));
    cr_assert_not_null(fresh, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(fresh->name, "J. Austen");
    cr_assert_str_eq(fresh->biography, "English novelist known for her six major novels.");
    cr_assert_eq(fresh->birth_date.year, 1775);
    cr_assert_eq(fresh->birth_date.month, 12);
    cr_assert_eq(fresh->birth_date.day, 16);
}
