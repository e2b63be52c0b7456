/* test_compiler.c - the exact SQL and parameters QuerySets compile to on
 * SQLite, checked against what Django 3.2 prints for the same QuerySet (with
 * its inlined values moved back into the parameter tuple), and the shapes of
 * the COUNT / EXISTS statements that actually run. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "testdb.h"

/* SQL spelling is backend-specific: these tests run on SQLite only. */
static void sqlite_only(void) {
    if (strncmp(test_db_url(), "sqlite", 6) != 0) cr_skip_test("SQL spelling of SQLite");
}

/* Expected SQL is written with ` for the identifier quote, for legibility. */
static const char *dq(const char *s) {
    char *out = dorm_strdup(T.cx, s);
    cr_assert_not_null(out);
    for (char *p = out; *p; p++)
        if (*p == '`') *p = '"';
    return out;
}

static void expect_sql(dorm_qs *qs, const char *sql, const char *params) {
    const char *got_params = NULL;
    const char *got = dorm_qs_sql(qs, &got_params);
    cr_assert_not_null(got, "dorm_qs_sql failed: %s", dorm_errmsg(T.cx));
    cr_assert_str_eq(got, dq(sql));
    cr_assert_not_null(got_params);
    cr_assert_str_eq(got_params, params);
}

#define BOOK_COLUMNS                                                                     \
    "`library_book`.`id`, `library_book`.`title`, `library_book`.`author_id`, "          \
    "`library_book`.`publication_date`, `library_book`.`isbn`, `library_book`.`genre`, " \
    "`library_book`.`pages` FROM `library_book`"
#define BOOK_SELECT "SELECT " BOOK_COLUMNS
#define AUTHOR_SELECT                                                                        \
    "SELECT `library_author`.`id`, `library_author`.`name`, `library_author`.`birth_date`, " \
    "`library_author`.`biography` FROM `library_author`"
#define BOOK_ORDER " ORDER BY `library_book`.`publication_date` DESC"
#define AUTHOR_ORDER " ORDER BY `library_author`.`name` ASC"
#define JOIN_AUTHOR " INNER JOIN `library_author` ON (`library_book`.`author_id` = `library_author`.`id`)"

static dorm_qs *books(void) { return dorm_all(T.cx, Book); }
static dorm_qs *authors(void) { return dorm_all(T.cx, Author); }

Test(compiler, all_uses_meta_ordering, .init = test_db_open, .fini = test_db_close) {
    sqlite_only();
    expect_sql(books(), BOOK_SELECT BOOK_ORDER, "()");
    expect_sql(authors(), AUTHOR_SELECT AUTHOR_ORDER, "()");
    /* Everything has no Meta.ordering: no ORDER BY at all. */
    expect_sql(dorm_values(dorm_all(T.cx, Everything), "id"),
               "SELECT `library_everything`.`id` FROM `library_everything`", "()");
}

Test(compiler, several_conditions_are_one_flat_and, .init = test_db_open, .fini = test_db_close) {
    sqlite_only();
    const char *sql = BOOK_SELECT " WHERE (`library_book`.`genre` = ? AND `library_book`.`pages` > ?)" BOOK_ORDER;
    expect_sql(dorm_filter(books(), DQ("genre", "FIC"), DQ("pages__gt", 300)), sql, "('FIC', 300)");
    /* filter().filter() on single-valued fields is the same flat AND. */
    expect_sql(dorm_filter(dorm_filter(books(), DQ("genre", "FIC")), DQ("pages__gt", 300)), sql, "('FIC', 300)");
    expect_sql(dorm_filter(books(), DQ("genre", "FIC")), BOOK_SELECT " WHERE `library_book`.`genre` = ?" BOOK_ORDER,
               "('FIC',)");
}

Test(compiler, exclude_on_non_null_column, .init = test_db_open, .fini = test_db_close) {
    sqlite_only();
    expect_sql(dorm_exclude(books(), DQ("genre", "FIC")),
               BOOK_SELECT " WHERE NOT (`library_book`.`genre` = ?)" BOOK_ORDER, "('FIC',)");
    /* Conditions of one exclude() call are negated together. */
    expect_sql(dorm_exclude(books(), DQ("genre", "FIC"), DQ("pages__gt", 300)),
               BOOK_SELECT " WHERE NOT (`library_book`.`genre` = ? AND `library_book`.`pages` > ?)" BOOK_ORDER,
               "('FIC', 300)");
    expect_sql(dorm_exclude(dorm_exclude(books(), DQ("genre", "FIC")), DQ("pages", 3)),
               BOOK_SELECT " WHERE (NOT (`library_book`.`genre` = ?) AND NOT (`library_book`.`pages` = ?))" BOOK_ORDER,
               "('FIC', 3)");
}

Test(compiler, exclude_on_nullable_column_keeps_null_rows, .init = test_db_open, .fini = test_db_close) {
    sqlite_only();
    expect_sql(
        dorm_exclude(authors(), DQ("birth_date", dorm_date_ymd(1900, 1, 1))),
        AUTHOR_SELECT
        " WHERE NOT (`library_author`.`birth_date` = ? AND `library_author`.`birth_date` IS NOT NULL)" AUTHOR_ORDER,
        "('1900-01-01',)");
    expect_sql(dorm_exclude(authors(), DQ("birth_date__year", 1903)),
               AUTHOR_SELECT " WHERE NOT (`library_author`.`birth_date` BETWEEN ? AND ? AND "
                             "`library_author`.`birth_date` IS NOT NULL)" AUTHOR_ORDER,
               "('1903-01-01', '1903-12-31')");
    expect_sql(dorm_exclude(authors(), DQ("birth_date__month", 6)),
               AUTHOR_SELECT " WHERE NOT (dorm_extract('month', `library_author`.`birth_date`) = ? AND "
                             "`library_author`.`birth_date` IS NOT NULL)" AUTHOR_ORDER,
               "(6,)");
    /* A nullable integer next to a filter on it (Django's exact output). */
    expect_sql(
        dorm_exclude(dorm_filter(dorm_values(dorm_all(T.cx, Everything), "id"), DQ("nullable_int__gt", 3)),
                     DQ("nullable_int", 5)),
        "SELECT `library_everything`.`id` FROM `library_everything` WHERE (`library_everything`.`nullable_int` > ? "
        "AND NOT (`library_everything`.`nullable_int` = ? AND `library_everything`.`nullable_int` IS NOT NULL))",
        "(3, 5)");
}

Test(compiler, q_or_inside_and, .init = test_db_open, .fini = test_db_close) {
    sqlite_only();
    expect_sql(dorm_filter(books(), dorm_or(DQ("genre", "HIS"), DQ("pages__gt", 400)), DQ("title__startswith", "P")),
               BOOK_SELECT " WHERE ((`library_book`.`genre` = ? OR `library_book`.`pages` > ?) AND "
                           "`library_book`.`title` GLOB ?)" BOOK_ORDER,
               "('HIS', 400, 'P*')");
    expect_sql(dorm_filter(books(), dorm_or(DQ("genre", "HIS"), dorm_and(DQ("genre", "FIC"), DQ("pages__lt", 200)))),
               BOOK_SELECT " WHERE (`library_book`.`genre` = ? OR (`library_book`.`genre` = ? AND "
                           "`library_book`.`pages` < ?))" BOOK_ORDER,
               "('HIS', 'FIC', 200)");
}

Test(compiler, negated_q, .init = test_db_open, .fini = test_db_close) {
    sqlite_only();
    expect_sql(dorm_filter(books(), dorm_not(DQ("genre", "FIC"))),
               BOOK_SELECT " WHERE NOT (`library_book`.`genre` = ?)" BOOK_ORDER, "('FIC',)");
    expect_sql(dorm_filter(books(), dorm_not(dorm_or(DQ("genre", "FIC"), DQ("pages", 1)))),
               BOOK_SELECT " WHERE NOT ((`library_book`.`genre` = ? OR `library_book`.`pages` = ?))" BOOK_ORDER,
               "('FIC', 1)");
}

Test(compiler, filter_across_foreign_key, .init = test_db_open, .fini = test_db_close) {
    sqlite_only();
    expect_sql(dorm_filter(books(), DQ("author__name", "George Orwell")),
               BOOK_SELECT JOIN_AUTHOR " WHERE `library_author`.`name` = ?" BOOK_ORDER, "('George Orwell',)");
    /* author__id and author_id read the key column: no join. */
    const char *by_key = BOOK_SELECT " WHERE `library_book`.`author_id` = ?" BOOK_ORDER;
    expect_sql(dorm_filter(books(), DQ("author__id", 2)), by_key, "(2,)");
    expect_sql(dorm_filter(books(), DQ("author_id", 2)), by_key, "(2,)");
    expect_sql(dorm_filter(books(), DQ("author", 2)), by_key, "(2,)");
    /* The reverse relation joins the other way round. */
    expect_sql(dorm_filter(authors(), DQ("books__title", "Emma")),
               AUTHOR_SELECT " INNER JOIN `library_book` ON (`library_author`.`id` = `library_book`.`author_id`)"
                             " WHERE `library_book`.`title` = ?" AUTHOR_ORDER,
               "('Emma',)");
    /* A multi-valued relation in a second filter() call joins again (T3). */
    expect_sql(dorm_filter(dorm_filter(authors(), DQ("books__genre", "FIC")), DQ("books__pages__lt", 200)),
               AUTHOR_SELECT " INNER JOIN `library_book` ON (`library_author`.`id` = `library_book`.`author_id`)"
                             " INNER JOIN `library_book` T3 ON (`library_author`.`id` = T3.`author_id`)"
                             " WHERE (`library_book`.`genre` = ? AND T3.`pages` < ?)" AUTHOR_ORDER,
               "('FIC', 200)");
    /* Filtering and ordering on the same relation share one join. */
    expect_sql(dorm_order_by(dorm_filter(books(), DQ("author__name", "x")), "author__name"),
               BOOK_SELECT JOIN_AUTHOR " WHERE `library_author`.`name` = ? ORDER BY `library_author`.`name` ASC",
               "('x',)");
}

Test(compiler, nullable_foreign_key_joins, .init = test_db_open, .fini = test_db_close) {
    sqlite_only();
    dorm_qs *ids = dorm_values(dorm_all(T.cx, Everything), "id");
    const char *sel = "SELECT `library_everything`.`id` FROM `library_everything`";
    const char *inner =
        " INNER JOIN `library_author` ON (`library_everything`.`maybe_author_id` = `library_author`.`id`)";
    const char *outer =
        " LEFT OUTER JOIN `library_author` ON (`library_everything`.`maybe_author_id` = `library_author`.`id`)";
    char want[1024];
    /* A filter needs a related row: INNER JOIN even through a nullable key. */
    snprintf(want, sizeof want, "%s%s WHERE `library_author`.`name` = ?", sel, inner);
    expect_sql(dorm_filter(ids, DQ("maybe_author__name", "x")), want, "('x',)");
    /* exclude and OR must keep rows without an author: LEFT OUTER JOIN. */
    snprintf(want, sizeof want, "%s%s WHERE NOT (`library_author`.`name` = ? AND `library_author`.`name` IS NOT NULL)",
             sel, outer);
    expect_sql(dorm_exclude(ids, DQ("maybe_author__name", "x")), want, "('x',)");
    snprintf(want, sizeof want, "%s%s WHERE (`library_author`.`name` = ? OR `library_everything`.`char_f` = ?)", sel,
             outer);
    expect_sql(dorm_filter(ids, dorm_or(DQ("maybe_author__name", "x"), DQ("char_f", "y"))), want, "('x', 'y')");
    /* Ordering and values() never drop rows either. */
    snprintf(want, sizeof want, "%s%s ORDER BY `library_author`.`name` ASC", sel, outer);
    expect_sql(dorm_order_by(ids, "maybe_author__name"), want, "()");
    expect_sql(dorm_order_by(ids, "maybe_author"), want, "()");
    snprintf(want, sizeof want,
             "SELECT `library_everything`.`char_f`, `library_author`.`name` FROM `library_everything`%s", outer);
    expect_sql(dorm_values(dorm_all(T.cx, Everything), "char_f", "maybe_author__name"), want, "()");
}

Test(compiler, order_by_across_foreign_key, .init = test_db_open, .fini = test_db_close) {
    sqlite_only();
    expect_sql(dorm_order_by(books(), "author__name", "-pages"),
               BOOK_SELECT JOIN_AUTHOR " ORDER BY `library_author`.`name` ASC, `library_book`.`pages` DESC", "()");
    /* A relation orders by the related model's Meta.ordering. */
    expect_sql(dorm_order_by(books(), "author"), BOOK_SELECT JOIN_AUTHOR " ORDER BY `library_author`.`name` ASC", "()");
    expect_sql(dorm_order_by(books(), "-author"), BOOK_SELECT JOIN_AUTHOR " ORDER BY `library_author`.`name` DESC",
               "()");
    expect_sql(dorm_order_by(books(), "author_id"), BOOK_SELECT " ORDER BY `library_book`.`author_id` ASC", "()");
    expect_sql(dorm_order_by(books(), "-pk"), BOOK_SELECT " ORDER BY `library_book`.`id` DESC", "()");
    expect_sql(dorm_clear_ordering(books()), BOOK_SELECT, "()");
}

Test(compiler, order_by_random_and_reverse, .init = test_db_open, .fini = test_db_close) {
    sqlite_only();
    /* Django prints RAND() ASC, a function it registers on SQLite; RANDOM()
     * is SQLite's own. */
    expect_sql(dorm_order_by(books(), "?"), BOOK_SELECT " ORDER BY RANDOM()", "()");
    expect_sql(dorm_reverse(dorm_order_by(books(), "pages")), BOOK_SELECT " ORDER BY `library_book`.`pages` DESC",
               "()");
    expect_sql(dorm_reverse(books()), BOOK_SELECT " ORDER BY `library_book`.`publication_date` ASC", "()");
    expect_sql(dorm_reverse(dorm_reverse(books())), BOOK_SELECT BOOK_ORDER, "()");
    expect_sql(dorm_distinct(books()), "SELECT DISTINCT " BOOK_COLUMNS BOOK_ORDER, "()");
}

Test(compiler, slicing, .init = test_db_open, .fini = test_db_close) {
    sqlite_only();
    expect_sql(dorm_slice(books(), 1, 3), BOOK_SELECT BOOK_ORDER " LIMIT 2 OFFSET 1", "()");
    expect_sql(dorm_slice(books(), 2, DORM_NOLIMIT), BOOK_SELECT BOOK_ORDER " LIMIT -1 OFFSET 2", "()");
    expect_sql(dorm_slice(books(), 0, 5), BOOK_SELECT BOOK_ORDER " LIMIT 5", "()");
    /* A slice of a slice narrows the window: qs[1:5][1:2] is qs[2:3]. */
    expect_sql(dorm_slice(dorm_slice(books(), 1, 5), 1, 2), BOOK_SELECT BOOK_ORDER " LIMIT 1 OFFSET 2", "()");
}

Test(compiler, values_columns, .init = test_db_open, .fini = test_db_close) {
    sqlite_only();
    expect_sql(dorm_values(books(), "title", "author__name"),
               "SELECT `library_book`.`title`, `library_author`.`name` FROM `library_book`" JOIN_AUTHOR BOOK_ORDER,
               "()");
    expect_sql(dorm_values_flat(dorm_order_by(books(), "title"), "title"),
               "SELECT `library_book`.`title` FROM `library_book` ORDER BY `library_book`.`title` ASC", "()");
    expect_sql(dorm_qs_values(books(), NULL), BOOK_SELECT BOOK_ORDER, "()");
}

Test(compiler, year_is_a_date_range, .init = test_db_open, .fini = test_db_close) {
    sqlite_only();
    const char *col = BOOK_SELECT " WHERE `library_book`.`publication_date`";
    char want[1024];
    snprintf(want, sizeof want, "%s BETWEEN ? AND ?%s", col, BOOK_ORDER);
    expect_sql(dorm_filter(books(), DQ("publication_date__year", 1945)), want, "('1945-01-01', '1945-12-31')");
    snprintf(want, sizeof want, "%s >= ?%s", col, BOOK_ORDER);
    expect_sql(dorm_filter(books(), DQ("publication_date__year__gte", 1945)), want, "('1945-01-01',)");
    snprintf(want, sizeof want, "%s > ?%s", col, BOOK_ORDER);
    expect_sql(dorm_filter(books(), DQ("publication_date__year__gt", 1945)), want, "('1945-12-31',)");
    snprintf(want, sizeof want, "%s < ?%s", col, BOOK_ORDER);
    expect_sql(dorm_filter(books(), DQ("publication_date__year__lt", 1945)), want, "('1945-01-01',)");
    snprintf(want, sizeof want, "%s <= ?%s", col, BOOK_ORDER);
    expect_sql(dorm_filter(books(), DQ("publication_date__year__lte", 1945)), want, "('1945-12-31',)");
    /* A datetime year spans the whole UTC year. */
    expect_sql(dorm_filter(dorm_values(dorm_all(T.cx, Everything), "id"), DQ("datetime_f__year", 2021)),
               "SELECT `library_everything`.`id` FROM `library_everything` WHERE `library_everything`.`datetime_f` "
               "BETWEEN ? AND ?",
               "('2021-01-01 00:00:00', '2021-12-31 23:59:59.999999')");
}

Test(compiler, date_parts_use_dorm_extract, .init = test_db_open, .fini = test_db_close) {
    sqlite_only();
    static const char *const parts[] = {"week_day", "iso_week_day", "quarter", "week", "month", "day", "iso_year"};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        char path[64], want[1024];
        snprintf(path, sizeof path, "publication_date__%s", parts[i]);
        snprintf(want, sizeof want,
                 BOOK_SELECT " WHERE dorm_extract('%s', `library_book`.`publication_date`) = ?" BOOK_ORDER, parts[i]);
        expect_sql(dorm_filter(books(), DQ(path, 1)), want, "(1,)");
    }
    expect_sql(dorm_filter(books(), DQ("publication_date__month__in", DLIST(12, 1))),
               BOOK_SELECT " WHERE dorm_extract('month', `library_book`.`publication_date`) IN (?, ?)" BOOK_ORDER,
               "(12, 1)");
    dorm_qs *ids = dorm_values(dorm_all(T.cx, Everything), "id");
    expect_sql(dorm_filter(ids, DQ("datetime_f__hour", 5)),
               "SELECT `library_everything`.`id` FROM `library_everything` WHERE "
               "dorm_extract('hour', `library_everything`.`datetime_f`) = ?",
               "(5,)");
    expect_sql(dorm_filter(ids, DQ("datetime_f__date", dorm_date_ymd(2021, 3, 4))),
               "SELECT `library_everything`.`id` FROM `library_everything` WHERE "
               "dorm_extract('date', `library_everything`.`datetime_f`) = ?",
               "('2021-03-04',)");
}

Test(compiler, in_range_isnull, .init = test_db_open, .fini = test_db_close) {
    sqlite_only();
    expect_sql(dorm_filter(books(), DQ("pages__in", DLIST(112, 128))),
               BOOK_SELECT " WHERE `library_book`.`pages` IN (?, ?)" BOOK_ORDER, "(112, 128)");
    expect_sql(dorm_filter(books(), DQ("pages__range", DLIST(100, 200))),
               BOOK_SELECT " WHERE `library_book`.`pages` BETWEEN ? AND ?" BOOK_ORDER, "(100, 200)");
    expect_sql(dorm_filter(authors(), DQ("birth_date__isnull", true)),
               AUTHOR_SELECT " WHERE `library_author`.`birth_date` IS NULL" AUTHOR_ORDER, "()");
    expect_sql(dorm_filter(authors(), DQ("birth_date__isnull", false)),
               AUTHOR_SELECT " WHERE `library_author`.`birth_date` IS NOT NULL" AUTHOR_ORDER, "()");
    /* exact=None and iexact=None are isnull=True. */
    expect_sql(dorm_filter(authors(), DQ("birth_date", NULL)),
               AUTHOR_SELECT " WHERE `library_author`.`birth_date` IS NULL" AUTHOR_ORDER, "()");
    expect_sql(dorm_filter(books(), DQ("title__iexact", NULL)),
               BOOK_SELECT " WHERE `library_book`.`title` IS NULL" BOOK_ORDER, "()");
}

Test(compiler, pattern_lookups, .init = test_db_open, .fini = test_db_close) {
    sqlite_only();
    const char *like = BOOK_SELECT " WHERE `library_book`.`title` LIKE ? ESCAPE '\\'" BOOK_ORDER;
    const char *glob = BOOK_SELECT " WHERE `library_book`.`title` GLOB ?" BOOK_ORDER;
    expect_sql(dorm_filter(books(), DQ("title__iexact", "emma")), like, "('emma',)");
    expect_sql(dorm_filter(books(), DQ("title__icontains", "farm")), like, "('%farm%',)");
    expect_sql(dorm_filter(books(), DQ("title__istartswith", "the")), like, "('the%',)");
    expect_sql(dorm_filter(books(), DQ("title__iendswith", "ION")), like, "('%ION',)");
    /* DECISION (dialect.c): the case-sensitive ones use GLOB on SQLite. */
    expect_sql(dorm_filter(books(), DQ("title__contains", "Farm")), glob, "('*Farm*',)");
    expect_sql(dorm_filter(books(), DQ("title__startswith", "The")), glob, "('The*',)");
    expect_sql(dorm_filter(books(), DQ("title__endswith", "ion")), glob, "('*ion',)");
    /* Wildcards in the value are escaped, as Django's '%50\\%\\_off%'. */
    expect_sql(dorm_filter(books(), DQ("title__icontains", "50%_off\\")), like, "('%50\\\\%\\\\_off\\\\\\\\%',)");
    expect_sql(dorm_filter(books(), DQ("title__contains", "a*b?[c")), glob, "('*a[*]b[?][[]c*',)");
}

Test(compiler, regex_lookups, .init = test_db_open, .fini = test_db_close) {
    sqlite_only();
    expect_sql(dorm_filter(books(), DQ("title__regex", "^P")),
               BOOK_SELECT " WHERE `library_book`.`title` REGEXP ?" BOOK_ORDER, "('^P',)");
    expect_sql(dorm_filter(books(), DQ("title__iregex", "^p")),
               BOOK_SELECT " WHERE `library_book`.`title` REGEXP '(?i)' || ?" BOOK_ORDER, "('^p',)");
}

Test(compiler, values_are_parameters_not_text, .init = test_db_open, .fini = test_db_close) {
    sqlite_only();
    expect_sql(dorm_filter(books(), DQ("title", "O'Brien\"; DROP TABLE x; --")),
               BOOK_SELECT " WHERE `library_book`.`title` = ?" BOOK_ORDER, "('O\\'Brien\"; DROP TABLE x; --',)");
}

Test(compiler, empty_in_is_dropped_or_runs_nothing, .init = test_db_open, .fini = test_db_close) {
    sqlite_only();
    test_db_catalogue();
    /* Inside an OR the impossible branch disappears; exclude() of it is all rows. */
    expect_sql(dorm_filter(books(), dorm_or(DQ("pages__in", dorm_v_list(NULL, 0)), DQ("genre", "HIS"))),
               BOOK_SELECT " WHERE `library_book`.`genre` = ?" BOOK_ORDER, "('HIS',)");
    expect_sql(dorm_exclude(books(), DQ("pages__in", dorm_v_list(NULL, 0))), BOOK_SELECT BOOK_ORDER, "()");
    dorm_qs *none = dorm_filter(books(), DQ("pages__in", dorm_v_list(NULL, 0)), DQ("genre", "FIC"));
    uint64_t before = dorm_db_query_count(T.db);
    size_t n = 99;
    cr_assert_not_null(dorm_list(none, &n));
    cr_assert_eq(n, 0);
    cr_assert_eq(dorm_count(dorm_filter(books(), DQ("pages__in", dorm_v_list(NULL, 0)))), 0);
    cr_assert_eq(dorm_exists(dorm_filter(books(), DQ("pages__in", dorm_v_list(NULL, 0)))), 0);
    cr_assert_eq(dorm_db_query_count(T.db), before, "an empty __in must not run a query");
    cr_assert_eq(dorm_count(dorm_exclude(books(), DQ("pages__in", dorm_v_list(NULL, 0)))), 8);
}

/* The statements the connection ran, captured from the statement log. */
typedef struct captured {
    int n;
    char sql[8][2048];
    char params[8][256];
} captured;

static void capture(const char *sql, const char *params, double seconds, void *payload) {
    (void)seconds;
    captured *c = payload;
    if (c->n < 8) {
        snprintf(c->sql[c->n], sizeof c->sql[0], "%s", sql);
        snprintf(c->params[c->n], sizeof c->params[0], "%s", params);
    }
    c->n++;
}

Test(compiler, count_and_exists_statements, .init = test_db_open, .fini = test_db_close) {
    sqlite_only();
    test_db_catalogue();
    captured c = {0};
    dorm_db_set_log(T.db, capture, &c);
    cr_assert_eq(dorm_count(dorm_filter(books(), DQ("genre", "FIC"))), 6);
    cr_assert_eq(dorm_exists(dorm_filter(books(), DQ("genre", "FIC"))), 1);
    cr_assert_eq(dorm_count(dorm_slice(books(), 2, 5)), 3);
    cr_assert_eq(dorm_count(dorm_distinct(dorm_values(books(), "genre"))), 3);
    dorm_db_set_log(T.db, NULL, NULL);
    cr_assert_eq(c.n, 4);
    cr_assert_str_eq(c.sql[0], dq("SELECT COUNT(*) AS `__count` FROM `library_book` WHERE `library_book`.`genre` = ?"));
    cr_assert_str_eq(c.params[0], "('FIC',)");
    cr_assert_str_eq(c.sql[1], dq("SELECT (1) AS `a` FROM `library_book` WHERE `library_book`.`genre` = ? LIMIT 1"));
    cr_assert_str_eq(c.params[1], "('FIC',)");
    /* Sliced or distinct counts wrap the query, as Django does. */
    const char *wrap = "SELECT COUNT(*) FROM (SELECT ";
    for (int i = 2; i < 4; i++) {
        cr_assert(strncmp(c.sql[i], wrap, strlen(wrap)) == 0, "%s", c.sql[i]);
        const char *tail = i == 2 ? " LIMIT 3 OFFSET 2) subquery" : ") subquery";
        size_t n = strlen(c.sql[i]), tn = strlen(tail);
        cr_assert(n > tn && strcmp(c.sql[i] + n - tn, tail) == 0, "%s", c.sql[i]);
    }
    cr_assert(strstr(c.sql[3], "SELECT DISTINCT \"library_book\".\"genre\"") != NULL, "%s", c.sql[3]);
}
