/* test_aggregates.c - annotate() and aggregate() with Count, Sum, Avg, Min and
 * Max on the acceptance catalogue plus an author without books, checked
 * against the values, types and SQLite SQL of Django 3.2 for the same calls. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "testdb.h"

static dorm_qs *books(void) { return dorm_all(T.cx, Book); }
static dorm_qs *authors(void) { return dorm_all(T.cx, Author); }

static bool on_sqlite(void) { return strncmp(test_db_url(), "sqlite", 6) == 0; }

/* The catalogue and "Nobody", an author with no books (ids 1..4). */
static void catalogue(void) {
    test_db_open();
    test_db_catalogue();
    cr_assert_not_null(dorm_create(T.cx, Author, .name = "Nobody"), "%s", dorm_errmsg(T.cx));
}

static void expect_qs_error(dorm_qs *qs, int code, const char *msg) {
    cr_assert_eq(dorm_qs_errcode(qs), code, "%d: %s", dorm_qs_errcode(qs), dorm_qs_errmsg(qs));
    cr_assert_str_eq(dorm_qs_errmsg(qs), msg);
}

static void expect_error(int code, const char *msg) {
    cr_assert_eq(dorm_errcode(T.cx), code, "%d: %s", dorm_errcode(T.cx), dorm_errmsg(T.cx));
    cr_assert_str_eq(dorm_errmsg(T.cx), msg);
}

static void expect_sql(dorm_qs *qs, const char *sql) {
    if (!on_sqlite()) return;
    const char *got = dorm_qs_sql(qs, NULL);
    cr_assert_not_null(got, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(got, sql);
}

/* The objects of `qs`, which must be `n`. */
static void **fetch(dorm_qs *qs, size_t n) {
    size_t got;
    void **all = dorm_list(qs, &got);
    cr_assert_not_null(all, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(got, n, "%zu objects, not %zu", got, n);
    return all;
}

/* The value of an annotation: INT `want`, or NULL when `null`. */
static void expect_int(const void *obj, const char *alias, int64_t want) {
    const dorm_value *v = dorm_annotation(obj, alias);
    cr_assert_not_null(v, "no annotation %s", alias);
    cr_assert_eq(v->type, DORM_T_INT, "%s has type %d", alias, (int)v->type);
    cr_assert_eq(v->u.i, want, "%s = %lld, not %lld", alias, (long long)v->u.i, (long long)want);
}

static void expect_float(const void *obj, const char *alias, double want) {
    const dorm_value *v = dorm_annotation(obj, alias);
    cr_assert_not_null(v, "no annotation %s", alias);
    cr_assert_eq(v->type, DORM_T_FLOAT, "%s has type %d", alias, (int)v->type);
    cr_assert_float_eq(v->u.f, want, 1e-9, "%s = %g, not %g", alias, v->u.f, want);
}

static void expect_null(const void *obj, const char *alias) {
    const dorm_value *v = dorm_annotation(obj, alias);
    cr_assert_not_null(v, "no annotation %s", alias);
    cr_assert_eq(v->type, DORM_T_NULL, "%s has type %d", alias, (int)v->type);
}

static const char *name_of(void *obj) { return ((Author *)obj)->name; }

#define AUTHOR_COLUMNS                                                                                   \
    "SELECT \"library_author\".\"id\", \"library_author\".\"name\", \"library_author\".\"birth_date\", " \
    "\"library_author\".\"biography\""
#define BOOKS_OUTER                                                                              \
    " FROM \"library_author\" LEFT OUTER JOIN \"library_book\" ON (\"library_author\".\"id\" = " \
    "\"library_book\".\"author_id\")"
#define AUTHOR_GROUP                                                                                        \
    " GROUP BY \"library_author\".\"id\", \"library_author\".\"name\", \"library_author\".\"birth_date\", " \
    "\"library_author\".\"biography\""
#define BY_ID " ORDER BY \"library_author\".\"id\" ASC"

/* ---- annotate() ---- */

Test(annotate, count_per_author, .init = catalogue, .fini = test_db_close) {
    dorm_qs *qs = dorm_order_by(dorm_annotate(authors(), DAS("num_books", DCount("books"))), "id");
    expect_sql(qs, AUTHOR_COLUMNS ", COUNT(\"library_book\".\"id\") AS \"num_books\"" BOOKS_OUTER AUTHOR_GROUP BY_ID);
    void **a = fetch(qs, 4);
    cr_assert_str_eq(name_of(a[0]), "Jane Austen");
    expect_int(a[0], "num_books", 3);
    expect_int(a[1], "num_books", 3);
    expect_int(a[2], "num_books", 2);
    cr_assert_str_eq(name_of(a[3]), "Nobody");
    expect_int(a[3], "num_books", 0);
    /* The objects are complete Authors too. */
    cr_assert_str_eq(((Author *)a[0])->biography, "English novelist known for her six major novels.");
    cr_assert_eq(((Author *)a[1])->birth_date.year, 1903);
}

Test(annotate, group_by_ignores_meta_ordering, .init = catalogue, .fini = test_db_close) {
    /* Django 3.1+ leaves Meta.ordering out of GROUP BY queries, and first()
     * of such an unordered QuerySet orders by the primary key. */
    dorm_qs *qs = dorm_annotate(authors(), DAS("num_books", DCount("books")));
    expect_sql(qs, AUTHOR_COLUMNS ", COUNT(\"library_book\".\"id\") AS \"num_books\"" BOOKS_OUTER AUTHOR_GROUP);
    void *first = dorm_first(qs);
    cr_assert_not_null(first, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(name_of(first), "Jane Austen");
    void *last = dorm_last(qs);
    cr_assert_not_null(last, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(name_of(last), "Nobody");
}

Test(annotate, sum_is_null_without_rows, .init = catalogue, .fini = test_db_close) {
    void **a = fetch(dorm_order_by(dorm_annotate(authors(), DAS("total_pages", DSum("books__pages"))), "id"), 4);
    expect_int(a[0], "total_pages", 1155);
    expect_int(a[1], "total_pages", 672);
    expect_int(a[2], "total_pages", 438);
    expect_null(a[3], "total_pages");
}

Test(annotate, avg_min_max_together, .init = catalogue, .fini = test_db_close) {
    dorm_qs *qs = dorm_order_by(dorm_annotate(authors(), DAS("avg", DAvg("books__pages")),
                                              DAS("mn", DMin("books__pages")), DAS("mx", DMax("books__pages"))),
                                "id");
    expect_sql(qs,
               AUTHOR_COLUMNS
               ", AVG(\"library_book\".\"pages\") AS \"avg\", MIN(\"library_book\".\"pages\") AS \"mn\", "
               "MAX(\"library_book\".\"pages\") AS \"mx\"" BOOKS_OUTER AUTHOR_GROUP BY_ID);
    void **a = fetch(qs, 4);
    const double avg[] = {385.0, 224.0, 219.0};
    const int64_t mn[] = {249, 112, 128}, mx[] = {474, 328, 310};
    for (int i = 0; i < 3; i++) {
        expect_float(a[i], "avg", avg[i]);
        expect_int(a[i], "mn", mn[i]);
        expect_int(a[i], "mx", mx[i]);
    }
    expect_null(a[3], "avg");
    expect_null(a[3], "mn");
    expect_null(a[3], "mx");
}

Test(annotate, count_distinct, .init = catalogue, .fini = test_db_close) {
    dorm_qs *qs = dorm_order_by(dorm_annotate(authors(), DAS("g", DCount("books__genre", .distinct = true))), "id");
    expect_sql(qs,
               AUTHOR_COLUMNS ", COUNT(DISTINCT \"library_book\".\"genre\") AS \"g\"" BOOKS_OUTER AUTHOR_GROUP BY_ID);
    void **a = fetch(qs, 4);
    const int64_t want[] = {1, 2, 2, 0};
    for (int i = 0; i < 4; i++) expect_int(a[i], "g", want[i]);
    /* Without distinct every joined row counts. */
    a = fetch(dorm_order_by(dorm_annotate(authors(), DAS("g", DCount("books__genre"))), "id"), 4);
    expect_int(a[0], "g", 3);
}

Test(annotate, several_calls_and_arithmetic, .init = catalogue, .fini = test_db_close) {
    dorm_qs *qs = dorm_annotate(authors(), DAS("n", DCount("books")), DAS("s", DSum("books__pages")));
    qs = dorm_order_by(dorm_annotate(qs, DAS("p", dorm_mul(DSum("books__pages"), 2))), "id");
    void **a = fetch(qs, 4);
    expect_int(a[0], "n", 3);
    expect_int(a[0], "s", 1155);
    expect_int(a[0], "p", 2310);
    expect_int(a[2], "p", 876);
    expect_null(a[3], "p");
}

Test(annotate, annotation_built_on_another, .init = catalogue, .fini = test_db_close) {
    /* Django: annotate(n=Count("books")).annotate(d=F("n") * 2) writes
     * (COUNT("library_book"."id") * 2) AS "d". */
    void **a = fetch(dorm_order_by(dorm_annotate(dorm_annotate(authors(), DAS("n", DCount("books"))),
                                                 DAS("d", dorm_mul(dorm_F("n"), 2))),
                                   "id"),
                     4);
    const int64_t d[] = {6, 6, 4, 0};
    for (int i = 0; i < 4; i++) expect_int(a[i], "d", d[i]);
}

Test(annotate, expressions_without_aggregates, .init = catalogue, .fini = test_db_close) {
    dorm_qs *qs = dorm_order_by(dorm_annotate(books(), DAS("double", dorm_mul(dorm_F("pages"), 2))), "id");
    if (on_sqlite()) {
        const char *sql = dorm_qs_sql(qs, NULL);
        cr_assert_not_null(sql, "%s", dorm_errmsg(T.cx));
        cr_assert_null(strstr(sql, "GROUP BY"), "%s", sql);
    }
    void **b = fetch(qs, 8);
    expect_int(b[0], "double", 864);
    expect_int(b[7], "double", 256);
    b = fetch(dorm_order_by(dorm_annotate(books(), DAS("aname", dorm_F("author__name"))), "id"), 8);
    const dorm_value *v = dorm_annotation(b[0], "aname");
    cr_assert_not_null(v);
    cr_assert_eq(v->type, DORM_T_TEXT);
    cr_assert_str_eq(v->u.s, "Jane Austen");
}

Test(annotate, ordered_by_annotation, .init = catalogue, .fini = test_db_close) {
    dorm_qs *qs = dorm_order_by(dorm_annotate(authors(), DAS("num_books", DCount("books"))), "-num_books", "name");
    expect_sql(qs,
               AUTHOR_COLUMNS ", COUNT(\"library_book\".\"id\") AS \"num_books\"" BOOKS_OUTER AUTHOR_GROUP
                              " ORDER BY \"num_books\" DESC, \"library_author\".\"name\" ASC");
    void **a = fetch(qs, 4);
    const char *names[] = {"George Orwell", "Jane Austen", "J.R.R. Tolkien", "Nobody"};
    const int64_t n[] = {3, 3, 2, 0};
    for (int i = 0; i < 4; i++) {
        cr_assert_str_eq(name_of(a[i]), names[i]);
        expect_int(a[i], "num_books", n[i]);
    }
    void *top = dorm_first(qs);
    cr_assert_not_null(top, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(name_of(top), "George Orwell");
    expect_int(top, "num_books", 3);
    a = fetch(dorm_order_by(dorm_annotate(authors(), DAS("num_books", DCount("books"))), "num_books", "name"), 4);
    cr_assert_str_eq(name_of(a[0]), "Nobody");
    cr_assert_str_eq(name_of(a[3]), "Jane Austen");
}

Test(annotate, count_counts_objects, .init = catalogue, .fini = test_db_close) {
    dorm_qs *qs = dorm_annotate(authors(), DAS("num_books", DCount("books")));
    cr_assert_eq(dorm_count(qs), 4, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_len(qs), 4);
    cr_assert_eq(dorm_count(dorm_filter(qs, DQ("name__startswith", "J"))), 2);
    cr_assert_eq(dorm_exists(qs), 1);
}

Test(annotate, filter_before_annotate_restricts_counted_rows, .init = catalogue, .fini = test_db_close) {
    dorm_qs *qs = dorm_order_by(
        dorm_annotate(dorm_filter(authors(), DQ("books__pages__gt", 300)), DAS("n", DCount("books"))), "id");
    expect_sql(qs,
               AUTHOR_COLUMNS ", COUNT(\"library_book\".\"id\") AS \"n\" FROM \"library_author\" INNER JOIN "
                              "\"library_book\" ON (\"library_author\".\"id\" = \"library_book\".\"author_id\") "
                              "WHERE \"library_book\".\"pages\" > ?" AUTHOR_GROUP BY_ID);
    void **a = fetch(qs, 3);
    expect_int(a[0], "n", 2);
    expect_int(a[1], "n", 1);
    expect_int(a[2], "n", 1);
    cr_assert_eq(dorm_count(qs), 3);
    /* A filter on the model's own columns keeps the counts whole. */
    a = fetch(
        dorm_order_by(dorm_filter(dorm_annotate(authors(), DAS("n", DCount("books")), DAS("s", DSum("books__pages"))),
                                  DQ("name__startswith", "J")),
                      "id"),
        2);
    expect_int(a[0], "n", 3);
    expect_int(a[0], "s", 1155);
    expect_int(a[1], "n", 2);
    expect_int(a[1], "s", 438);
}

Test(annotate, filter_after_annotate_joins_again, .init = catalogue, .fini = test_db_close) {
    /* Django joins the relation a second time for the filter, so each
     * counted book is repeated once per matching book: 6, 3, 2. */
    void **a =
        fetch(dorm_order_by(
                  dorm_filter(dorm_annotate(authors(), DAS("n", DCount("books"))), DQ("books__pages__gt", 300)), "id"),
              3);
    expect_int(a[0], "n", 6);
    expect_int(a[1], "n", 3);
    expect_int(a[2], "n", 2);
}

Test(annotate, only_groups_by_loaded_columns, .init = catalogue, .fini = test_db_close) {
    dorm_qs *qs = dorm_order_by(dorm_annotate(dorm_only(authors(), "name"), DAS("n", DCount("books"))), "id");
    expect_sql(qs,
               "SELECT \"library_author\".\"id\", \"library_author\".\"name\", COUNT(\"library_book\".\"id\") AS "
               "\"n\"" BOOKS_OUTER " GROUP BY \"library_author\".\"id\", \"library_author\".\"name\"" BY_ID);
    void **a = fetch(qs, 4);
    expect_int(a[0], "n", 3);
    cr_assert_null(((Author *)a[0])->biography);
    cr_assert(dorm_is_deferred((Author *)a[0], biography));
}

Test(annotate, unknown_alias_reads_null, .init = catalogue, .fini = test_db_close) {
    void **a = fetch(dorm_order_by(dorm_annotate(authors(), DAS("n", DCount("books"))), "id"), 4);
    cr_assert_null(dorm_annotation(a[0], "m"));
    cr_assert_null(dorm_annotation(a[0], "N"));
    cr_assert_null(dorm_annotation(a[0], "name"), "fields are not annotations");
    void *plain = dorm_first(authors());
    cr_assert_not_null(plain);
    cr_assert_null(dorm_annotation(plain, "n"));
    cr_assert_null(dorm_annotation(NULL, "n"));
}

/* Whether annotate() and aggregate() both refuse `alias` with DORM_EVALUE. */
static void expect_alias_refused(const char *alias) {
    dorm_qs *qs = dorm_annotate(authors(), DAS(alias, DCount("books")));
    cr_assert_eq(dorm_qs_errcode(qs), DORM_EVALUE, "annotate alias \"%s\": %d", alias, dorm_qs_errcode(qs));
    cr_assert_null(dorm_list(qs, NULL));
    cr_assert_null(dorm_aggregate(books(), DAS(alias, DSum("pages"))), "aggregate alias \"%s\"", alias);
    cr_assert_eq(dorm_errcode(T.cx), DORM_EVALUE, "aggregate alias \"%s\": %d", alias, dorm_errcode(T.cx));
}

Test(annotate, invalid_aliases_are_refused, .init = catalogue, .fini = test_db_close) {
    const char *bad[] = {"num books", "num\tbooks", "n\n", "n'",    "n\"",   "n`", "n;",
                         "n--",       "n/*",        "n#",  "n\x01", "n\x7f", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) expect_alias_refused(bad[i]);
    void **a = fetch(dorm_order_by(dorm_annotate(authors(), DAS("_n_books2", DCount("books"))), "id"), 4);
    expect_int(a[0], "_n_books2", 3);
}

Test(annotate, aliases_django_also_refuses, .init = catalogue, .fini = test_db_close) {
    /* FORBIDDEN_ALIAS_PATTERN of Django 3.2.25: ['`"\]\[;\s\x00-\x1F\x7F-\x9F]|#|--|/\*|\*\/ */
    const char *bad[] = {"n*/", "n[", "n]", "n\xc2\x85" /* U+0085, a C1 control */};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) expect_alias_refused(bad[i]);
}

/* An allowlist, not a blocklist: anything but identifier characters is
 * refused, also what Django's pattern lets through. */
Test(annotate, aliases_are_identifiers, .init = catalogue, .fini = test_db_close) {
    const char *bad[] = {"a.b",
                         "n-books",
                         "a\xe2\x80\x99"
                         "b" /* U+2019 */,
                         "a\xe2\x80\x8b"
                         "b" /* U+200B */,
                         "a\xff",
                         "1n",
                         "n$",
                         "n%",
                         "n\\",
                         "n(",
                         "caf\xc3\xa9"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) expect_alias_refused(bad[i]);
    expect_qs_error(dorm_annotate(authors(),
                                  DAS("a\xe2\x80\x8b"
                                      "b",
                                      DCount("books"))),
                    DORM_EVALUE,
                    "Column alias 'a\\xe2\\x80\\x8bb' is not allowed: an alias is a letter or underscore followed by "
                    "letters, digits and underscores.");
}

/* PostgreSQL keeps 63 bytes of a name and cuts the rest silently: a longer
 * alias is refused there; elsewhere names may be 200 characters long. */
Test(annotate, long_aliases, .init = catalogue, .fini = test_db_close) {
    char a63[64], a64[65], a201[202];
    memset(a63, 'n', 63), a63[63] = '\0';
    memset(a64, 'n', 64), a64[64] = '\0';
    memset(a201, 'n', 201), a201[201] = '\0';
    void **a = fetch(dorm_order_by(dorm_annotate(authors(), DAS(a63, DCount("books"))), "id"), 4);
    expect_int(a[0], a63, 3);
    expect_alias_refused(a201);
    if (on_sqlite() || test_db_on_mysql()) {
        a = fetch(dorm_order_by(dorm_annotate(authors(), DAS(a64, DCount("books"))), "id"), 4);
        expect_int(a[0], a64, 3);
        if (test_db_on_mysql()) {
            /* MySQL's names have 64 characters at most (Django's max_name_length there). */
            char a65[66], msg[256];
            memset(a65, 'n', 65), a65[65] = '\0';
            snprintf(msg, sizeof msg,
                     "Column alias '%s' is longer than 64 characters, the longest name this database keeps.", a65);
            expect_qs_error(dorm_annotate(authors(), DAS(a65, DCount("books"))), DORM_EVALUE, msg);
        }
        return;
    }
    expect_alias_refused(a64);
    char msg[256];
    snprintf(msg, sizeof msg, "Column alias '%s' is longer than 63 characters, the longest name this database keeps.",
             a64);
    expect_qs_error(dorm_annotate(authors(), DAS(a64, DCount("books"))), DORM_EVALUE, msg);
}

Test(annotate, invalid_alias_message, .init = catalogue, .fini = test_db_close) {
    const char *msg =
        "Column alias 'num books' is not allowed: an alias is a letter or underscore followed by letters, "
        "digits and underscores.";
    expect_qs_error(dorm_annotate(authors(), DAS("num books", DCount("books"))), DORM_EVALUE, msg);
    cr_assert_null(dorm_aggregate(books(), DAS("n;", DSum("pages"))));
    expect_error(DORM_EVALUE,
                 "Column alias 'n;' is not allowed: an alias is a letter or underscore followed by "
                 "letters, digits and underscores.");
}

Test(annotate, alias_clashing_with_a_field, .init = catalogue, .fini = test_db_close) {
    expect_qs_error(dorm_annotate(authors(), DAS("name", DCount("books"))), DORM_EVALUE,
                    "The annotation 'name' conflicts with a field on the model.");
    expect_qs_error(dorm_annotate(authors(), DAS("books", DCount("books"))), DORM_EVALUE,
                    "The annotation 'books' conflicts with a field on the model.");
    expect_qs_error(dorm_annotate(books(), DAS("author_id", DCount("id"))), DORM_EVALUE,
                    "The annotation 'author_id' conflicts with a field on the model.");
}

Test(annotate, unknown_path, .init = catalogue, .fini = test_db_close) {
    expect_qs_error(dorm_annotate(authors(), DAS("n", DCount("bookz"))), DORM_EFIELD,
                    "Cannot resolve keyword 'bookz' into field. Choices are: biography, birth_date, books, id, name");
}

/* ---- aggregate() ---- */

static const dorm_value *field(const dorm_row *r, const char *name) {
    cr_assert_not_null(r, "%s", dorm_errmsg(T.cx));
    const dorm_value *v = dorm_row_get(r, name);
    cr_assert_not_null(v, "no value %s", name);
    return v;
}

static void row_int(const dorm_row *r, const char *name, int64_t want) {
    const dorm_value *v = field(r, name);
    cr_assert_eq(v->type, DORM_T_INT, "%s has type %d", name, (int)v->type);
    cr_assert_eq(v->u.i, want, "%s = %lld, not %lld", name, (long long)v->u.i, (long long)want);
}

static void row_null(const dorm_row *r, const char *name) {
    cr_assert_eq(field(r, name)->type, DORM_T_NULL, "%s has type %d", name, (int)field(r, name)->type);
}

Test(aggregate, default_alias, .init = catalogue, .fini = test_db_close) {
    const dorm_row *r = dorm_aggregate(books(), DAS(NULL, DAvg("pages")));
    const dorm_value *v = field(r, "pages__avg");
    cr_assert_eq(r->n, 1);
    cr_assert_str_eq(r->names[0], "pages__avg");
    cr_assert_eq(v->type, DORM_T_FLOAT);
    cr_assert_float_eq(v->u.f, 283.125, 1e-12);
    r = dorm_aggregate(books(), DAS(NULL, DSum("pages")), DAS(NULL, DCount("id")), DAS(NULL, DMax("pages")),
                       DAS(NULL, DMin("pages")));
    row_int(r, "pages__sum", 2265);
    row_int(r, "id__count", 8);
    row_int(r, "pages__max", 474);
    row_int(r, "pages__min", 112);
    cr_assert_null(dorm_row_get(r, "pages__avg"));
}

Test(aggregate, named, .init = catalogue, .fini = test_db_close) {
    const dorm_row *r = dorm_aggregate(books(), DAS("total", DCount("id")), DAS("longest", DMax("pages")),
                                       DAS("shortest", DMin("pages")), DAS("pages", DSum("pages")));
    cr_assert_eq(r ? r->n : 0, 4, "%s", dorm_errmsg(T.cx));
    const char *order[] = {"total", "longest", "shortest", "pages"};
    for (int i = 0; i < 4; i++) cr_assert_str_eq(r->names[i], order[i]);
    row_int(r, "total", 8);
    row_int(r, "longest", 474);
    row_int(r, "shortest", 112);
    row_int(r, "pages", 2265);
}

Test(aggregate, over_a_filtered_queryset, .init = catalogue, .fini = test_db_close) {
    const dorm_row *r = dorm_aggregate(dorm_filter(books(), DQ("genre", "FIC")), DAS(NULL, DSum("pages")),
                                       DAS(NULL, DCount("id")), DAS(NULL, DMax("pages")));
    row_int(r, "pages__sum", 1905);
    row_int(r, "id__count", 6);
    row_int(r, "pages__max", 474);
    /* Ordering plays no part. */
    r = dorm_aggregate(dorm_order_by(dorm_filter(books(), DQ("author__name", "George Orwell")), "-pages"),
                       DAS("s", DSum("pages")));
    row_int(r, "s", 672);
}

Test(aggregate, over_no_rows, .init = catalogue, .fini = test_db_close) {
    const dorm_named *const aggs[] = {DAS("n", DCount("id")), DAS("s", DSum("pages")), DAS("a", DAvg("pages")),
                                      DAS("m", DMax("pages")), NULL};
    const dorm_row *r = dorm_qs_aggregate(dorm_filter(books(), DQ("pages__gt", 1000)), aggs);
    row_int(r, "n", 0);
    row_null(r, "s");
    row_null(r, "a");
    row_null(r, "m");
    /* none() runs no query and gives the same. */
    uint64_t before = dorm_db_query_count(T.db);
    r = dorm_qs_aggregate(dorm_none(books()), aggs);
    row_int(r, "n", 0);
    row_null(r, "s");
    row_null(r, "a");
    row_null(r, "m");
    cr_assert_eq(dorm_db_query_count(T.db), before);
}

Test(aggregate, over_a_relation, .init = catalogue, .fini = test_db_close) {
    row_int(dorm_aggregate(authors(), DAS(NULL, DSum("books__pages"))), "books__pages__sum", 2265);
    row_int(dorm_aggregate(authors(), DAS(NULL, DCount("books"))), "books__count", 8);
    row_int(dorm_aggregate(dorm_filter(authors(), DQ("name__startswith", "J")), DAS(NULL, DSum("books__pages"))),
            "books__pages__sum", 1593);
    row_null(dorm_aggregate(dorm_filter(authors(), DQ("name", "Nobody")), DAS(NULL, DSum("books__pages"))),
             "books__pages__sum");
    row_int(dorm_aggregate(books(), DAS(NULL, DCount("author", .distinct = true))), "author__count", 3);
    row_int(dorm_aggregate(books(), DAS(NULL, DCount("genre", .distinct = true))), "genre__count", 3);
}

Test(aggregate, transform_in_path, .init = catalogue, .fini = test_db_close) {
    /* Django 3.2 resolves transforms in aggregate paths like in filters. */
    row_int(dorm_aggregate(books(), DAS(NULL, DMax("author__birth_date__year"))), "author__birth_date__year__max",
            1903);
}

Test(aggregate, of_expressions, .init = catalogue, .fini = test_db_close) {
    row_int(dorm_aggregate(books(), DAS("s", DSum(NULL, .a = dorm_mul(dorm_F("pages"), 2)))), "s", 4530);
    const dorm_row *r = dorm_aggregate(books(), DAS("a", DAvg(NULL, .a = dorm_div(dorm_F("pages"), 2))));
    cr_assert_eq(field(r, "a")->type, DORM_T_FLOAT);
    /* pages / 2 truncates, but for MySQL's "/" (a decimal: 124.5 is kept). */
    cr_assert_float_eq(field(r, "a")->u.f, test_db_on_mysql() ? 141.5625 : 141.5, 1e-12);
    cr_assert_null(dorm_aggregate(books(), DAS(NULL, DSum(NULL, .a = dorm_mul(dorm_F("pages"), 2)))));
    expect_error(DORM_EVALUE, "Complex aggregates require an alias");
}

Test(aggregate, refuses_what_is_not_an_aggregate, .init = catalogue, .fini = test_db_close) {
    cr_assert_null(dorm_aggregate(books(), DAS(NULL, DSum("nope"))));
    expect_error(DORM_EFIELD,
                 "Cannot resolve keyword 'nope' into field. Choices are: author, author_id, genre, id, isbn, "
                 "pages, publication_date, title");
    cr_assert_null(dorm_aggregate(books(), DAS("x", dorm_add(dorm_F("pages"), 1))));
    cr_assert_eq(dorm_errcode(T.cx), DORM_EVALUE, "%s", dorm_errmsg(T.cx));
    cr_assert_null(dorm_aggregate(books(), DAS("x", dorm_F("pages"))));
    expect_error(DORM_EVALUE, "x is not an aggregate expression");
}

Test(aggregate, over_a_slice, .init = catalogue, .fini = test_db_close) {
    /* Django aggregates over the slice in a subquery: the three newest
     * books (328 + 128 + 112), all but the two newest. */
    row_int(dorm_aggregate(dorm_slice(books(), 0, 3), DAS(NULL, DSum("pages"))), "pages__sum", 568);
    row_int(dorm_aggregate(dorm_slice(books(), 2, DORM_NOLIMIT), DAS(NULL, DSum("pages"))), "pages__sum", 1809);
}

static void decimal_rows(void) {
    test_db_open();
    cr_assert_not_null(dorm_create(T.cx, Everything, .int_f = 5, .decimal_f = DORM_DEC(255, 2)), "%s",
                       dorm_errmsg(T.cx));
    cr_assert_not_null(dorm_create(T.cx, Everything, .int_f = 2, .decimal_f = DORM_DEC(2025, 2)), "%s",
                       dorm_errmsg(T.cx));
    Everything *e = dorm_create(T.cx, Everything, .int_f = 7);
    cr_assert_not_null(e, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_update(dorm_filter(dorm_all(T.cx, Everything), DQ("pk", e->id)), DSET("decimal_f", NULL)), 1);
}

static void expect_decimal(const dorm_value *v, int64_t coef, int scale) {
    cr_assert_not_null(v, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(v->type, DORM_T_DECIMAL, "type %d", (int)v->type);
    char got[DORM_FMT_MAX];
    dorm_decimal_format(v->u.dec, got);
    cr_assert_eq(dorm_decimal_cmp(v->u.dec, (dorm_decimal)DORM_DEC(coef, scale)), 0, "got %s", got);
}

Test(aggregate, decimals, .init = decimal_rows, .fini = test_db_close) {
    /* Django: Sum 22.80, Avg 11.40, Max 20.25, all Decimal; NULL rows skipped. */
    const dorm_row *r =
        dorm_aggregate(dorm_all(T.cx, Everything), DAS(NULL, DSum("decimal_f")), DAS(NULL, DAvg("decimal_f")),
                       DAS(NULL, DMax("decimal_f")), DAS(NULL, DCount("decimal_f")));
    expect_decimal(field(r, "decimal_f__sum"), 228, 1);
    expect_decimal(field(r, "decimal_f__avg"), 114, 1);
    expect_decimal(field(r, "decimal_f__max"), 2025, 2);
    row_int(r, "decimal_f__count", 2);
    /* decimal * integer per row: 12.75, 40.50, NULL. */
    void **e = fetch(
        dorm_order_by(
            dorm_annotate(dorm_all(T.cx, Everything), DAS("d", dorm_mul(dorm_F("decimal_f"), dorm_F("int_f")))), "id"),
        3);
    expect_decimal(dorm_annotation(e[0], "d"), 1275, 2);
    expect_decimal(dorm_annotation(e[1], "d"), 405, 1);
    expect_null(e[2], "d");
}
