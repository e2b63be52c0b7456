/* test_combinators.c - union(all=), intersection() and difference():
 * Django 3.2's compound SQL (bare parts on SQLite, parenthesised parts with
 * their own ordering on PostgreSQL and MariaDB), ordering by column
 * position, slices, values_list(), count(), exists(), first(), and Django's
 * errors for what cannot follow a combinator, cannot be in a part, or
 * (intersection and difference on MariaDB) the backend lacks. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "testdb.h"

static dorm_qs *authors(void) { return dorm_all(T.cx, Author); }

static void catalogue(void) {
    test_db_open();
    test_db_catalogue();
}

TestSuite(combinators, .init = catalogue, .fini = test_db_close);

static bool on_sqlite(void) { return strncmp(test_db_url(), "sqlite", 6) == 0; }

/* Django's SQL of qs on SQLite, PostgreSQL or MariaDB (whose backticks read
 * as quotes here). */
static void expect_sql(dorm_qs *qs, const char *sqlite, const char *pg, const char *my) {
    const char *got = dorm_qs_sql(qs, NULL);
    cr_assert_not_null(got, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(test_db_on_mysql() ? test_sql_std(got) : got, test_pick(sqlite, pg, my));
}

static const char *names(dorm_qs *qs) {
    static char out[512];
    size_t n, used = 0;
    Author **a = (Author **)dorm_list(qs, &n);
    cr_assert_not_null(a, "%s", dorm_errmsg(T.cx));
    out[0] = '\0';
    for (size_t i = 0; i < n; i++)
        used += (size_t)snprintf(out + used, sizeof out - used, "%s%s", i ? ", " : "", a[i]->name);
    return out;
}

#define A "\"library_author\""
#define COLS "SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\" FROM " A
#define J_SQLITE COLS " WHERE " A ".\"name\" GLOB ?"
#define J_PG "(" COLS " WHERE " A ".\"name\"::text LIKE $1)"
#define MODERN_SQLITE COLS " WHERE " A ".\"birth_date\" > ?"
#define MODERN_PG(n) "(" COLS " WHERE " A ".\"birth_date\" > $" #n ")"
/* Django's MySQL backend writes LIKE BINARY %s; dorm names the escape
 * character, its session having NO_BACKSLASH_ESCAPES (docs/design.md). */
#define J_MY "(" COLS " WHERE " A ".\"name\" LIKE BINARY ? ESCAPE '\\')"
#define MODERN_MY "(" MODERN_SQLITE ")"

/* Authors starting with J, and those born after 1900, each without
 * Author's Meta.ordering (a part of a compound statement cannot have one on
 * SQLite). */
#define JS dorm_clear_ordering(dorm_filter(authors(), DQ("name__startswith", "J")))
#define MODERN dorm_clear_ordering(dorm_filter(authors(), DQ("birth_date__year__gt", 1900)))

Test(combinators, union_sql_and_rows) {
    dorm_qs *qs = dorm_union(JS, MODERN);
    expect_sql(qs, J_SQLITE " UNION " MODERN_SQLITE, J_PG " UNION " MODERN_PG(2), J_MY " UNION " MODERN_MY);
    cr_assert_eq(dorm_count(qs), 3);
    qs = dorm_order_by(qs, "-name");
    expect_sql(qs, J_SQLITE " UNION " MODERN_SQLITE " ORDER BY (2) DESC",
               J_PG " UNION " MODERN_PG(2) " ORDER BY (2) DESC", J_MY " UNION " MODERN_MY " ORDER BY (2) DESC");
    cr_assert_str_eq(names(qs), "Jane Austen, J.R.R. Tolkien, George Orwell");
    expect_sql(dorm_slice(qs, 1, 2), J_SQLITE " UNION " MODERN_SQLITE " ORDER BY (2) DESC LIMIT 1 OFFSET 1",
               J_PG " UNION " MODERN_PG(2) " ORDER BY (2) DESC LIMIT 1 OFFSET 1",
               J_MY " UNION " MODERN_MY " ORDER BY (2) DESC LIMIT 1 OFFSET 1");
    cr_assert_str_eq(names(dorm_slice(qs, 1, 2)), "J.R.R. Tolkien");
    cr_assert_str_eq(names(dorm_reverse(qs)), "George Orwell, J.R.R. Tolkien, Jane Austen");
    Author *first = dorm_first(dorm_order_by(dorm_union(JS, MODERN), "name"));
    cr_assert_not_null(first, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(first->name, "George Orwell");
    /* values_list() of the union selects the column in each part. */
    qs = dorm_order_by(dorm_values_flat(dorm_union_all(JS, MODERN), "name"), "name");
    expect_sql(qs,
               "SELECT " A ".\"name\" FROM " A " WHERE " A ".\"name\" GLOB ? UNION ALL SELECT " A ".\"name\" FROM " A
               " WHERE " A ".\"birth_date\" > ? ORDER BY (1) ASC",
               "(SELECT " A ".\"name\" FROM " A " WHERE " A ".\"name\"::text LIKE $1) UNION ALL (SELECT " A
               ".\"name\" FROM " A " WHERE " A ".\"birth_date\" > $2) ORDER BY (1) ASC",
               "(SELECT " A ".\"name\" FROM " A " WHERE " A ".\"name\" LIKE BINARY ? ESCAPE '\\') UNION ALL (SELECT " A
               ".\"name\" FROM " A " WHERE " A ".\"birth_date\" > ?) ORDER BY (1) ASC");
    size_t n;
    const dorm_row **rows = dorm_rows(qs, &n);
    cr_assert_not_null(rows, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(n, 3);
    cr_assert_str_eq(rows[0]->values[0].u.s, "George Orwell");
    cr_assert_str_eq(rows[2]->values[0].u.s, "Jane Austen");
    cr_assert_eq(dorm_count(dorm_union_all(JS, MODERN, MODERN)), 4);
}

/* Django's NotSupportedError on MariaDB (its MySQL backend has neither
 * supports_select_intersection nor supports_select_difference), before any
 * SQL: for count(), exists() and the rows alike. */
static void refused(const char *what, dorm_qs *qs) {
    char msg[80];
    snprintf(msg, sizeof msg, "%s is not supported on this database backend.", what);
    cr_assert_eq(dorm_count(qs), DORM_ENOTSUPPORTED, "%s", what);
    cr_assert_str_eq(dorm_errmsg(T.cx), msg);
    cr_assert_eq(dorm_exists(qs), DORM_ENOTSUPPORTED, "%s", what);
    cr_assert_str_eq(dorm_errmsg(T.cx), msg);
    cr_assert_null(dorm_list(qs, NULL), "%s", what);
    cr_assert_str_eq(dorm_errmsg(T.cx), msg);
}

Test(combinators, intersection_difference_exists) {
    /* Django's intersection() with a none() part is that part, as is its
     * difference() from a none() first part: nothing combined to refuse. */
    dorm_qs *none = dorm_intersection(JS, dorm_none(MODERN));
    cr_assert_eq(dorm_count(none), 0);
    cr_assert_eq(dorm_count(dorm_only(none, "name")), 0, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_count(dorm_intersection(dorm_none(JS), MODERN)), 0);
    cr_assert_eq(dorm_exists(dorm_difference(dorm_none(JS), MODERN)), 0);
    cr_assert_eq(dorm_exists(dorm_union(JS, MODERN)), 1);
    /* A part that matches nothing is left out of a union. */
    cr_assert_str_eq(names(dorm_order_by(dorm_union(dorm_none(JS), MODERN), "name")), "George Orwell");
    if (test_db_on_mysql()) {
        refused("intersection", dorm_intersection(JS, MODERN));
        refused("difference", dorm_difference(JS, MODERN));
        return;
    }
    cr_assert_eq(dorm_count(dorm_intersection(JS, MODERN)), 0);
    /* exists() of an intersection or a difference looks at the rows (Django
     * selects (1) in each part, which makes any two non-empty parts meet). */
    cr_assert_eq(dorm_exists(dorm_intersection(JS, MODERN)), 0);
    cr_assert_str_eq(names(dorm_order_by(dorm_difference(JS, MODERN), "name")), "J.R.R. Tolkien, Jane Austen");
    cr_assert_eq(dorm_exists(dorm_difference(JS, MODERN)), 1);
    /* A part that matches nothing empties an intersection when compiled. */
    cr_assert_eq(dorm_count(dorm_intersection(dorm_filter(JS, DQ("pk__in", dorm_v_list(NULL, 0))), MODERN)), 0);
}

Test(combinators, refusals) {
    dorm_qs *u = dorm_union(JS, MODERN);
    const struct {
        dorm_qs *qs;
        const char *msg;
    } cases[] = {
        {dorm_filter(u, DQ("pk", 1)), "Calling QuerySet.filter() after union() is not supported."},
        {dorm_exclude(u, DQ("pk", 1)), "Calling QuerySet.exclude() after union() is not supported."},
        {dorm_annotate(u, DAS("n", DCount("books"))), "Calling QuerySet.annotate() after union() is not supported."},
        {dorm_distinct(u), "Calling QuerySet.distinct() after union() is not supported."},
        {dorm_only(dorm_intersection(JS, MODERN), "name"),
         "Calling QuerySet.only() after intersection() is not supported."},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cr_assert_eq(dorm_qs_errcode(cases[i].qs), DORM_ENOTSUPPORTED);
        cr_assert_str_eq(dorm_qs_errmsg(cases[i].qs), cases[i].msg);
    }
    cr_assert_null(dorm_get(u, DQ("pk", 1)));
    cr_assert_str_eq(dorm_errmsg(T.cx), "Calling QuerySet.get(...) with filters after union() is not supported.");
    cr_assert_eq(dorm_update(u, DSET("name", "x")), DORM_ENOTSUPPORTED);
    cr_assert_null(dorm_aggregate(u, DAS("n", DCount("id"))));
    cr_assert_str_eq(dorm_errmsg(T.cx), "Calling QuerySet.aggregate() after union() is not supported.");
    /* Ordering by what the union does not select. */
    cr_assert_null(dorm_list(dorm_order_by(u, "books__title"), NULL));
    cr_assert_eq(dorm_errcode(T.cx), DORM_EPROGRAMMING);
    cr_assert_str_eq(dorm_errmsg(T.cx), "ORDER BY term does not match any column in the result set.");
    /* A part with an ordering (Meta.ordering too) or a slice: SQLite has no
     * such compound statement (Django's DatabaseError); PostgreSQL and
     * MariaDB have. */
    dorm_qs *ordered = dorm_union(dorm_filter(authors(), DQ("name__startswith", "J")), MODERN);
    dorm_qs *sliced = dorm_union(dorm_slice(dorm_order_by(authors(), "name"), 0, 1), MODERN);
    if (on_sqlite()) {
        cr_assert_null(dorm_list(ordered, NULL));
        cr_assert_eq(dorm_errcode(T.cx), DORM_EPROGRAMMING);
        cr_assert_str_eq(dorm_errmsg(T.cx), "ORDER BY not allowed in subqueries of compound statements.");
        cr_assert_null(dorm_list(sliced, NULL));
        cr_assert_str_eq(dorm_errmsg(T.cx), "LIMIT/OFFSET not allowed in subqueries of compound statements.");
    } else {
        expect_sql(ordered, "",
                   "(" COLS " WHERE " A ".\"name\"::text LIKE $1 ORDER BY " A ".\"name\" ASC) UNION " MODERN_PG(2),
                   "(" COLS " WHERE " A ".\"name\" LIKE BINARY ? ESCAPE '\\' ORDER BY " A
                   ".\"name\" ASC) UNION " MODERN_MY);
        cr_assert_str_eq(names(dorm_order_by(ordered, "name")), "George Orwell, J.R.R. Tolkien, Jane Austen");
        cr_assert_str_eq(names(dorm_order_by(sliced, "name")), "George Orwell");
    }
}

/* The names a values_list("name", flat) QuerySet gives, ordered by name. */
static const char *flat_names(dorm_qs *qs) {
    static char out[512];
    size_t n, used = 0;
    const dorm_row **rows = dorm_rows(dorm_order_by(qs, "name"), &n);
    cr_assert_not_null(rows, "%s", dorm_errmsg(T.cx));
    out[0] = '\0';
    for (size_t i = 0; i < n; i++)
        used += (size_t)snprintf(out + used, sizeof out - used, "%s%s", i ? ", " : "", rows[i]->values[0].u.s);
    return out;
}

/* Django 3.2's union() of a none() QuerySet combines the others that are
 * not none(): one alone is the result itself, so filter() after it works;
 * none at all leaves the none().  A none() part of a union is not compiled
 * at all, not even for the ordering SQLite refuses in a part. */
Test(combinators, union_with_none) {
    dorm_qs *none = dorm_none(authors());
    dorm_qs *u = dorm_union(none, JS);
    const char *js_sql = dorm_qs_sql(JS, NULL);
    cr_assert_not_null(js_sql, "%s", dorm_errmsg(T.cx));
    expect_sql(u, js_sql, js_sql, test_db_on_mysql() ? test_sql_std(js_sql) : js_sql);
    dorm_qs *f = dorm_order_by(dorm_filter(u, DQ("pk__gt", 0)), "-name");
    cr_assert_eq(dorm_qs_errcode(f), DORM_OK, "%s", dorm_qs_errmsg(f));
    cr_assert_str_eq(names(f), "Jane Austen, J.R.R. Tolkien");
    cr_assert_eq(dorm_qs_errcode(dorm_filter(dorm_union_all(none, JS), DQ("pk__gt", 0))), DORM_OK);
    /* Two that are not none(): their union, which refuses filter(). */
    u = dorm_union(none, JS, MODERN);
    cr_assert_str_eq(names(dorm_order_by(u, "name")), "George Orwell, J.R.R. Tolkien, Jane Austen");
    cr_assert_eq(dorm_qs_errcode(dorm_filter(u, DQ("pk__gt", 0))), DORM_ENOTSUPPORTED);
    /* The none() among the others is dropped. */
    u = dorm_union_all(none, JS, dorm_none(authors()), MODERN);
    expect_sql(u, J_SQLITE " UNION ALL " MODERN_SQLITE, J_PG " UNION ALL " MODERN_PG(2), J_MY " UNION ALL " MODERN_MY);
    cr_assert_eq(dorm_count(u), 3);
    /* Only none(): the none() itself. */
    u = dorm_union(none, dorm_none(authors()));
    cr_assert_eq(dorm_qs_errcode(dorm_filter(u, DQ("pk__gt", 0))), DORM_OK);
    cr_assert_eq(dorm_count(u), 0);
    cr_assert_eq(dorm_exists(dorm_qs_union(none, NULL, 0, false)), 0);
    /* A part that could not be built (NULL) fails the combination: a list
     * cut short there would leave its rows out. */
    dorm_qs *unbuilt = NULL;
    cr_assert_eq(dorm_qs_errcode(dorm_union(JS, unbuilt, MODERN)), DORM_ENOMEM);
    cr_assert_eq(dorm_qs_errcode(dorm_intersection(JS, unbuilt)), DORM_ENOMEM);
    cr_assert_eq(dorm_qs_errcode(dorm_difference(JS, MODERN, unbuilt)), DORM_ENOMEM);
    /* none() of a union matches nothing and is still a union. */
    u = dorm_none(dorm_union(JS, MODERN));
    cr_assert_eq(dorm_count(u), 0);
    cr_assert_null(dorm_first(u));
    cr_assert_eq(dorm_qs_errcode(dorm_filter(u, DQ("pk__gt", 0))), DORM_ENOTSUPPORTED);
    /* The result is the other QuerySet, of its model and its columns. */
    cr_assert_str_eq(flat_names(dorm_union(dorm_none(dorm_all(T.cx, Book)), dorm_values_flat(JS, "name"))),
                     "J.R.R. Tolkien, Jane Austen");
    /* A union with a none() part (with Meta.ordering) is the other part alone. */
    u = dorm_union(JS, dorm_none(authors()));
    expect_sql(u, J_SQLITE, J_PG, J_MY);
    cr_assert_str_eq(names(dorm_order_by(u, "name")), "J.R.R. Tolkien, Jane Austen");
    cr_assert_eq(dorm_qs_errcode(dorm_filter(u, DQ("pk__gt", 0))), DORM_ENOTSUPPORTED);
    cr_assert_str_eq(names(dorm_order_by(dorm_union(JS, dorm_none(authors()), MODERN), "name")),
                     "George Orwell, J.R.R. Tolkien, Jane Austen");
    /* intersection() with a none() and difference() from one are that
     * none(), which filter() accepts. */
    cr_assert_eq(dorm_qs_errcode(dorm_filter(dorm_intersection(JS, none), DQ("pk__gt", 0))), DORM_OK);
    cr_assert_eq(dorm_qs_errcode(dorm_filter(dorm_intersection(none, JS), DQ("pk__gt", 0))), DORM_OK);
    cr_assert_eq(dorm_qs_errcode(dorm_filter(dorm_difference(none, JS), DQ("pk__gt", 0))), DORM_OK);
    if (test_db_on_mysql()) {
        refused("difference", dorm_difference(JS, dorm_none(authors())));
        return;
    }
    u = dorm_difference(JS, dorm_none(authors()));
    expect_sql(u, J_SQLITE, J_PG, J_MY);
    cr_assert_str_eq(names(dorm_order_by(u, "name")), "J.R.R. Tolkien, Jane Austen");
    cr_assert_eq(dorm_qs_errcode(dorm_filter(u, DQ("pk__gt", 0))), DORM_ENOTSUPPORTED);
}
