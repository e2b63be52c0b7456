/* test_analytics_matrix.c - issue 13's matrix for aggregation, subqueries,
 * windows and set operations: the SQL of each on SQLite, PostgreSQL and
 * MariaDB (Django 3.2's, printed by its compiler for the same QuerySets, with
 * dorm's documented spellings: $n placeholders, typed where nothing else
 * types them; GLOB for startswith on SQLite) and the rows.  The other
 * files check one backend's SQL of these; this one holds all three. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "testdb.h"

static void catalogue(void) {
    test_db_open();
    test_db_catalogue();
}

TestSuite(analytics_matrix, .init = catalogue, .fini = test_db_close);

static dorm_qs *books(void) { return dorm_all(T.cx, Book); }
static dorm_qs *authors(void) { return dorm_all(T.cx, Author); }

/* Appends row r to out ("1 x 2.5000 None"), after "; " unless it is the
 * first. */
static void put_row(char *out, size_t size, const dorm_row *r) {
    size_t used = strlen(out);
    for (size_t k = 0; k < r->n; k++) {
        const dorm_value *v = &r->values[k];
        const char *sep = k ? " " : (used ? "; " : "");
        if (v->type == DORM_T_INT)
            used += (size_t)snprintf(out + used, size - used, "%s%lld", sep, (long long)v->u.i);
        else if (v->type == DORM_T_FLOAT)
            used += (size_t)snprintf(out + used, size - used, "%s%.4f", sep, v->u.f);
        else if (v->type == DORM_T_TEXT)
            used += (size_t)snprintf(out + used, size - used, "%s%s", sep, v->u.s);
        else if (v->type == DORM_T_BOOL)
            used += (size_t)snprintf(out + used, size - used, "%s%s", sep, v->u.b ? "True" : "False");
        else
            used += (size_t)snprintf(out + used, size - used, "%sNone", sep);
    }
}

static char text[2048];

/* The rows of qs as "1 x; 2 y" (floats with 4 decimals). */
static const char *rows_text(dorm_qs *qs) {
    size_t n = 0;
    const dorm_row **rows = dorm_rows(qs, &n);
    cr_assert_not_null(rows, "%s", dorm_errmsg(T.cx));
    text[0] = '\0';
    for (size_t i = 0; i < n; i++) put_row(text, sizeof text, rows[i]);
    return text;
}

/* An aggregate's row, as rows_text() writes one. */
static const char *rows_text_of(const dorm_row *r) {
    cr_assert_not_null(r, "%s", dorm_errmsg(T.cx));
    text[0] = '\0';
    put_row(text, sizeof text, r);
    return text;
}

/* The names of the authors of qs, joined by "; ". */
static const char *names(dorm_qs *qs) { return rows_text(dorm_values_flat(qs, "name")); }

#define B "\"library_book\""
#define A "\"library_author\""

Test(analytics_matrix, having_and_group_by) {
    dorm_qs *qs = dorm_order_by(
        dorm_annotate(dorm_values(books(), "genre"), DAS("n", DCount("id")), DAS("pages", DSum("pages"))), "genre");
    test_expect_qs_sql("grp_values", qs,
                       "SELECT " B ".\"genre\", COUNT(" B ".\"id\") AS \"n\", SUM(" B ".\"pages\") AS \"pages\" FROM " B
                       " GROUP BY " B ".\"genre\" ORDER BY " B ".\"genre\" ASC",
                       NULL, NULL);
    cr_expect_str_eq(rows_text(qs), "FIC 6 1905; HIS 1 232; NON 1 128");
    qs = dorm_annotate(dorm_values(books(), "genre"), DAS("n", DCount("id")));
    test_expect_qs_sql("grp_meta", qs,
                       "SELECT " B ".\"genre\", COUNT(" B ".\"id\") AS \"n\" FROM " B " GROUP BY " B ".\"genre\", " B
                       ".\"publication_date\"",
                       NULL, NULL);
    cr_expect_eq(dorm_len(qs), 8);
    test_expect_qs_sql("grp_meta_cleared", dorm_clear_ordering(qs),
                       "SELECT " B ".\"genre\", COUNT(" B ".\"id\") AS \"n\" FROM " B " GROUP BY " B ".\"genre\"", NULL,
                       "SELECT " B ".\"genre\", COUNT(" B ".\"id\") AS \"n\" FROM " B " GROUP BY " B
                       ".\"genre\" ORDER BY NULL");
    qs = dorm_order_by(dorm_annotate(dorm_values_list(books(), "genre"), DAS("n", DCount("id"))), "-n", "genre");
    test_expect_qs_sql("grp_order_alias", qs,
                       "SELECT " B ".\"genre\", COUNT(" B ".\"id\") AS \"n\" FROM " B " GROUP BY " B
                       ".\"genre\" ORDER BY \"n\" DESC, " B ".\"genre\" ASC",
                       NULL, NULL);
    cr_expect_str_eq(rows_text(qs), "FIC 6; HIS 1; NON 1");
    qs = dorm_order_by(
        dorm_filter(dorm_annotate(dorm_values(books(), "author__name"), DAS("n", DCount("id"))), DQ("n__gte", 3)),
        "author__name");
    test_expect_qs_sql("having_rel", qs,
                       "SELECT " A ".\"name\", COUNT(" B ".\"id\") AS \"n\" FROM " B " INNER JOIN " A " ON (" B
                       ".\"author_id\" = " A ".\"id\") GROUP BY " A ".\"name\" HAVING COUNT(" B
                       ".\"id\") >= ? ORDER BY " A ".\"name\" ASC",
                       NULL, NULL);
    cr_expect_str_eq(rows_text(qs), "George Orwell 3; Jane Austen 3");
    qs = dorm_order_by(dorm_filter(dorm_annotate(authors(), DAS("n", DCount("books"))), DQ("n__gte", 3)), "name");
    test_expect_qs_sql(
        "having_obj", qs,
        "SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\", COUNT(" B
        ".\"id\") AS \"n\" FROM " A " LEFT OUTER JOIN " B " ON (" A ".\"id\" = " B ".\"author_id\") GROUP BY " A
        ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\" HAVING COUNT(" B ".\"id\") >= ? ORDER BY " A
        ".\"name\" ASC",
        "SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\", COUNT(" B
        ".\"id\") AS \"n\" FROM " A " LEFT OUTER JOIN " B " ON (" A ".\"id\" = " B ".\"author_id\") GROUP BY " A
        ".\"id\" HAVING COUNT(" B ".\"id\") >= $1 ORDER BY " A ".\"name\" ASC",
        "SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\", COUNT(" B
        ".\"id\") AS \"n\" FROM " A " LEFT OUTER JOIN " B " ON (" A ".\"id\" = " B ".\"author_id\") GROUP BY " A
        ".\"id\" HAVING COUNT(" B ".\"id\") >= ? ORDER BY " A ".\"name\" ASC");
    cr_expect_str_eq(names(qs), "George Orwell; Jane Austen");
    qs = dorm_order_by(dorm_values(dorm_annotate(authors(), DAS("n", DCount("books"))), "name", "n"), "name");
    test_expect_qs_sql("values_of_ann", qs,
                       "SELECT " A ".\"name\", COUNT(" B ".\"id\") AS \"n\" FROM " A " LEFT OUTER JOIN " B " ON (" A
                       ".\"id\" = " B ".\"author_id\") GROUP BY " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A
                       ".\"biography\" ORDER BY " A ".\"name\" ASC",
                       "SELECT " A ".\"name\", COUNT(" B ".\"id\") AS \"n\" FROM " A " LEFT OUTER JOIN " B " ON (" A
                       ".\"id\" = " B ".\"author_id\") GROUP BY " A ".\"id\" ORDER BY " A ".\"name\" ASC",
                       "SELECT " A ".\"name\", COUNT(" B ".\"id\") AS \"n\" FROM " A " LEFT OUTER JOIN " B " ON (" A
                       ".\"id\" = " B ".\"author_id\") GROUP BY " A ".\"id\" ORDER BY " A ".\"name\" ASC");
    cr_expect_str_eq(rows_text(qs), "George Orwell 3; J.R.R. Tolkien 2; Jane Austen 3");
    qs = dorm_order_by(dorm_filter(dorm_alias(authors(), DAS("n", DCount("books"))), DQ("n__gte", 3)), "name");
    test_expect_qs_sql("alias_having", qs,
                       "SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\" FROM " A
                       " LEFT OUTER JOIN " B " ON (" A ".\"id\" = " B ".\"author_id\") GROUP BY " A ".\"id\", " A
                       ".\"name\", " A ".\"birth_date\", " A ".\"biography\" HAVING COUNT(" B
                       ".\"id\") >= ? ORDER BY " A ".\"name\" ASC",
                       "SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\" FROM " A
                       " LEFT OUTER JOIN " B " ON (" A ".\"id\" = " B ".\"author_id\") GROUP BY " A
                       ".\"id\" HAVING COUNT(" B ".\"id\") >= $1 ORDER BY " A ".\"name\" ASC",
                       "SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\" FROM " A
                       " LEFT OUTER JOIN " B " ON (" A ".\"id\" = " B ".\"author_id\") GROUP BY " A
                       ".\"id\" HAVING COUNT(" B ".\"id\") >= ? ORDER BY " A ".\"name\" ASC");
    cr_expect_str_eq(names(qs), "George Orwell; Jane Austen");
    qs = dorm_order_by(dorm_alias(authors(), DAS("n", DCount("books"))), "-n", "name");
    test_expect_qs_sql("alias_order", qs,
                       "SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\" FROM " A
                       " LEFT OUTER JOIN " B " ON (" A ".\"id\" = " B ".\"author_id\") GROUP BY " A ".\"id\", " A
                       ".\"name\", " A ".\"birth_date\", " A ".\"biography\" ORDER BY COUNT(" B ".\"id\") DESC, " A
                       ".\"name\" ASC",
                       "SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\" FROM " A
                       " LEFT OUTER JOIN " B " ON (" A ".\"id\" = " B ".\"author_id\") GROUP BY " A
                       ".\"id\" ORDER BY COUNT(" B ".\"id\") DESC, " A ".\"name\" ASC",
                       "SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\" FROM " A
                       " LEFT OUTER JOIN " B " ON (" A ".\"id\" = " B ".\"author_id\") GROUP BY " A
                       ".\"id\" ORDER BY COUNT(" B ".\"id\") DESC, " A ".\"name\" ASC");
    cr_expect_str_eq(names(qs), "George Orwell; Jane Austen; J.R.R. Tolkien");
}

/* GROUP BY as each backend's Django writes it (collapse_group_by): every
 * column on SQLite; on PostgreSQL each grouped primary key stands for the
 * other columns of its table (allows_group_by_selected_pks); on MariaDB the
 * base table's key stands for every column of the tables whose key is
 * grouped (allows_group_by_pk), and groups nothing else orders are ordered
 * by NULL so that the server does not sort them. */
Test(analytics_matrix, group_by_collapse) {
    dorm_qs *annotated = dorm_annotate(authors(), DAS("n", DCount("books")));
    test_log_start();
    cr_expect_eq(dorm_exists(annotated), 1);
    test_expect_sql("exists_grouped", test_log_stop(),
                    "SELECT (1) AS \"a\" FROM " A " LEFT OUTER JOIN " B " ON (" A ".\"id\" = " B
                    ".\"author_id\") GROUP BY " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A
                    ".\"biography\", (1) LIMIT 1",
                    "SELECT (1) AS \"a\" FROM " A " LEFT OUTER JOIN " B " ON (" A ".\"id\" = " B
                    ".\"author_id\") GROUP BY " A ".\"id\", (1) LIMIT 1",
                    "SELECT (1) AS \"a\" FROM " A " LEFT OUTER JOIN " B " ON (" A ".\"id\" = " B
                    ".\"author_id\") GROUP BY " A ".\"id\" ORDER BY NULL LIMIT 1");
    test_log_start();
    cr_expect_eq(dorm_exists(dorm_annotate(dorm_values(books(), "genre"), DAS("n", DCount("id")))), 1);
    test_expect_sql("exists_values_grouped", test_log_stop(),
                    "SELECT (1) AS \"a\" FROM " B " GROUP BY " B ".\"genre\", (1) LIMIT 1", NULL,
                    "SELECT (1) AS \"a\" FROM " B " GROUP BY " B ".\"genre\", (1) ORDER BY NULL LIMIT 1");
    dorm_qs *qs = dorm_slice(
        dorm_order_by(dorm_annotate(dorm_select_related(books(), "author"), DAS("n", DCount("author__books"))), "id"),
        0, 1);
    /* Django selects the annotations before the select_related columns;
     * dorm after them (its rows are read in that order): only the GROUP BY
     * is Django's here. */
    const char *sql = dorm_qs_sql(qs, NULL);
    cr_assert_not_null(sql, "%s", dorm_qs_errmsg(qs));
    test_expect_sql("selrel_grouped", strstr(sql, " GROUP BY "),
                    " GROUP BY " B ".\"id\", " B ".\"title\", " B ".\"author_id\", " B ".\"publication_date\", " B
                    ".\"isbn\", " B ".\"genre\", " B ".\"pages\", " A ".\"id\", " A ".\"name\", " A
                    ".\"birth_date\", " A ".\"biography\" ORDER BY " B ".\"id\" ASC LIMIT 1",
                    " GROUP BY " B ".\"id\", " A ".\"id\" ORDER BY " B ".\"id\" ASC LIMIT 1",
                    " GROUP BY " B ".\"id\" ORDER BY " B ".\"id\" ASC LIMIT 1");
    cr_expect_eq(dorm_annotation(dorm_first(qs), "n")->u.i, 3);
    qs = dorm_order_by(dorm_annotate(dorm_values(authors(), "id", "name"), DAS("n", DCount("books"))), "name");
    test_expect_qs_sql("values_pk_name", qs,
                       "SELECT " A ".\"id\", " A ".\"name\", COUNT(" B ".\"id\") AS \"n\" FROM " A " LEFT OUTER JOIN " B
                       " ON (" A ".\"id\" = " B ".\"author_id\") GROUP BY " A ".\"id\", " A ".\"name\" ORDER BY " A
                       ".\"name\" ASC",
                       "SELECT " A ".\"id\", " A ".\"name\", COUNT(" B ".\"id\") AS \"n\" FROM " A " LEFT OUTER JOIN " B
                       " ON (" A ".\"id\" = " B ".\"author_id\") GROUP BY " A ".\"id\" ORDER BY " A ".\"name\" ASC",
                       "SELECT " A ".\"id\", " A ".\"name\", COUNT(" B ".\"id\") AS \"n\" FROM " A " LEFT OUTER JOIN " B
                       " ON (" A ".\"id\" = " B ".\"author_id\") GROUP BY " A ".\"id\" ORDER BY " A ".\"name\" ASC");
    cr_expect_str_eq(rows_text(dorm_values_list(qs, "name", "n")), "George Orwell 3; J.R.R. Tolkien 2; Jane Austen 3");
    qs = dorm_order_by(
        dorm_values(dorm_annotate(authors(), DAS("n", DCount("books")), DAS("l", dorm_F("name"))), "l", "n", "id"),
        "l");
    test_expect_qs_sql(
        "expr_group", qs,
        "SELECT " A ".\"id\", COUNT(" B ".\"id\") AS \"n\", " A ".\"name\" AS \"l\" FROM " A " LEFT OUTER JOIN " B
        " ON (" A ".\"id\" = " B ".\"author_id\") GROUP BY " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A
        ".\"biography\" ORDER BY \"l\" ASC",
        "SELECT " A ".\"id\", COUNT(" B ".\"id\") AS \"n\", " A ".\"name\" AS \"l\" FROM " A " LEFT OUTER JOIN " B
        " ON (" A ".\"id\" = " B ".\"author_id\") GROUP BY " A ".\"id\" ORDER BY \"l\" ASC",
        "SELECT " A ".\"id\", COUNT(" B ".\"id\") AS \"n\", " A ".\"name\" AS \"l\" FROM " A " LEFT OUTER JOIN " B
        " ON (" A ".\"id\" = " B ".\"author_id\") GROUP BY " A ".\"id\" ORDER BY \"l\" ASC");
    cr_expect_str_eq(rows_text(dorm_values_list(qs, "l", "n")), "George Orwell 3; J.R.R. Tolkien 2; Jane Austen 3");
    test_expect_qs_sql("grouped_unordered_obj", dorm_clear_ordering(annotated),
                       "SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\", COUNT(" B
                       ".\"id\") AS \"n\" FROM " A " LEFT OUTER JOIN " B " ON (" A ".\"id\" = " B
                       ".\"author_id\") GROUP BY " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A
                       ".\"biography\"",
                       "SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\", COUNT(" B
                       ".\"id\") AS \"n\" FROM " A " LEFT OUTER JOIN " B " ON (" A ".\"id\" = " B
                       ".\"author_id\") GROUP BY " A ".\"id\"",
                       "SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\", COUNT(" B
                       ".\"id\") AS \"n\" FROM " A " LEFT OUTER JOIN " B " ON (" A ".\"id\" = " B
                       ".\"author_id\") GROUP BY " A ".\"id\" ORDER BY NULL");
    cr_expect_eq(dorm_len(dorm_clear_ordering(annotated)), 3);
    /* An expression HAVING compares with stays in the GROUP BY, its
     * parameter bound again. */
    qs = dorm_order_by(
        dorm_values_list(dorm_filter(annotated, DQ("n__gt", dorm_sub(DLength("name"), 11))), "name", "n"), "name");
    test_expect_qs_sql(
        "having_expr", qs,
        "SELECT " A ".\"name\", COUNT(" B ".\"id\") AS \"n\" FROM " A " LEFT OUTER JOIN " B " ON (" A ".\"id\" = " B
        ".\"author_id\") GROUP BY " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\", (LENGTH(" A
        ".\"name\") - ?) HAVING COUNT(" B ".\"id\") > (LENGTH(" A ".\"name\") - ?) ORDER BY " A ".\"name\" ASC",
        "SELECT " A ".\"name\", COUNT(" B ".\"id\") AS \"n\" FROM " A " LEFT OUTER JOIN " B " ON (" A ".\"id\" = " B
        ".\"author_id\") GROUP BY " A ".\"id\", (LENGTH(" A ".\"name\") - $1) HAVING COUNT(" B ".\"id\") > (LENGTH(" A
        ".\"name\") - $2) ORDER BY " A ".\"name\" ASC",
        "SELECT " A ".\"name\", COUNT(" B ".\"id\") AS \"n\" FROM " A " LEFT OUTER JOIN " B " ON (" A ".\"id\" = " B
        ".\"author_id\") GROUP BY " A ".\"id\", (CHAR_LENGTH(" A ".\"name\") - ?) HAVING COUNT(" B
        ".\"id\") > (CHAR_LENGTH(" A ".\"name\") - ?) ORDER BY " A ".\"name\" ASC");
    cr_expect_str_eq(rows_text(qs), "George Orwell 3; Jane Austen 3");
    test_expect_qs_sql("grouped_meta_obj", annotated,
                       "SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\", COUNT(" B
                       ".\"id\") AS \"n\" FROM " A " LEFT OUTER JOIN " B " ON (" A ".\"id\" = " B
                       ".\"author_id\") GROUP BY " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A
                       ".\"biography\"",
                       "SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\", COUNT(" B
                       ".\"id\") AS \"n\" FROM " A " LEFT OUTER JOIN " B " ON (" A ".\"id\" = " B
                       ".\"author_id\") GROUP BY " A ".\"id\"",
                       "SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\", COUNT(" B
                       ".\"id\") AS \"n\" FROM " A " LEFT OUTER JOIN " B " ON (" A ".\"id\" = " B
                       ".\"author_id\") GROUP BY " A ".\"id\"");
}

/* What HAVING reads of a table whose key is grouped: left out on
 * PostgreSQL (the key stands for it), kept on MariaDB (Django's MySQL rule
 * keeps HAVING's columns); a column of a table whose key is not grouped
 * stays on both.  (MariaDB's LIKE names its escape character: see
 * docs/design.md.)  Django 3.2's SQL for
 * Author.objects.annotate(n=Count("books")).filter(Q(n__gte=3) |
 * Q(name__startswith="J")), for books annotated with F("author__name"), and
 * with select_related("author") and the same OR on author__name. */
Test(analytics_matrix, group_by_collapse_having) {
    dorm_qs *qs = dorm_order_by(dorm_filter(dorm_annotate(authors(), DAS("n", DCount("books"))),
                                            dorm_or(DQ("n__gte", 3), DQ("name__startswith", "J"))),
                                "name");
    test_expect_qs_sql(
        "having_or_col", qs,
        "SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\", COUNT(" B
        ".\"id\") AS \"n\" FROM " A " LEFT OUTER JOIN " B " ON (" A ".\"id\" = " B ".\"author_id\") GROUP BY " A
        ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\" HAVING (COUNT(" B ".\"id\") >= ? OR " A
        ".\"name\" GLOB ?) ORDER BY " A ".\"name\" ASC",
        "SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\", COUNT(" B
        ".\"id\") AS \"n\" FROM " A " LEFT OUTER JOIN " B " ON (" A ".\"id\" = " B ".\"author_id\") GROUP BY " A
        ".\"id\" HAVING (COUNT(" B ".\"id\") >= $1 OR " A ".\"name\"::text LIKE $2) ORDER BY " A ".\"name\" ASC",
        "SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\", COUNT(" B
        ".\"id\") AS \"n\" FROM " A " LEFT OUTER JOIN " B " ON (" A ".\"id\" = " B ".\"author_id\") GROUP BY " A
        ".\"id\", " A ".\"name\" HAVING (COUNT(" B ".\"id\") >= ? OR " A
        ".\"name\" LIKE BINARY ? ESCAPE '\\') ORDER BY " A ".\"name\" ASC");
    cr_expect_str_eq(names(qs), "George Orwell; J.R.R. Tolkien; Jane Austen");
    /* An ordering expression with parameters joins the GROUP BY after the
     * columns PostgreSQL leaves out, and its ORDER BY repeats the GROUP
     * BY's $n (docs/design.md, "PostgreSQL parameters"); MariaDB's GROUP
     * BY is the key alone, as Django's. */
    qs = dorm_order_by(dorm_annotate(authors(), DAS("n", DCount("books"))),
                       DAsc(DCase(DWhen(DQ("name__startswith", "J"), DValue(1)), DDefault(DValue(0)))), "name");
    test_expect_qs_sql("order_case", qs,
                       "SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\", COUNT(" B
                       ".\"id\") AS \"n\" FROM " A " LEFT OUTER JOIN " B " ON (" A ".\"id\" = " B
                       ".\"author_id\") GROUP BY " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A
                       ".\"biography\", CASE WHEN " A ".\"name\" GLOB ? THEN ? ELSE ? END ORDER BY CASE WHEN " A
                       ".\"name\" GLOB ? THEN ? ELSE ? END ASC, " A ".\"name\" ASC",
                       "SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\", COUNT(" B
                       ".\"id\") AS \"n\" FROM " A " LEFT OUTER JOIN " B " ON (" A ".\"id\" = " B
                       ".\"author_id\") GROUP BY " A ".\"id\", CASE WHEN " A
                       ".\"name\"::text LIKE $1 THEN $2::integer ELSE $3::integer END ORDER BY CASE WHEN " A
                       ".\"name\"::text LIKE $1 THEN $2::integer ELSE $3::integer END ASC, " A ".\"name\" ASC",
                       "SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\", COUNT(" B
                       ".\"id\") AS \"n\" FROM " A " LEFT OUTER JOIN " B " ON (" A ".\"id\" = " B
                       ".\"author_id\") GROUP BY " A ".\"id\" ORDER BY CASE WHEN " A
                       ".\"name\" LIKE BINARY ? ESCAPE '\\' THEN ? ELSE ? END ASC, " A ".\"name\" ASC");
    cr_expect_str_eq(names(qs), "George Orwell; J.R.R. Tolkien; Jane Austen");
    qs = dorm_order_by(dorm_annotate(books(), DAS("n", DCount("author__books")), DAS("an", dorm_F("author__name"))),
                       "id");
    const char *sql = dorm_qs_sql(qs, NULL);
    cr_assert_not_null(sql, "%s", dorm_qs_errmsg(qs));
    test_expect_sql("related_col", strstr(sql, " GROUP BY "),
                    " GROUP BY " B ".\"id\", " B ".\"title\", " B ".\"author_id\", " B ".\"publication_date\", " B
                    ".\"isbn\", " B ".\"genre\", " B ".\"pages\", " A ".\"name\" ORDER BY " B ".\"id\" ASC",
                    " GROUP BY " B ".\"id\", " A ".\"name\" ORDER BY " B ".\"id\" ASC",
                    " GROUP BY " B ".\"id\", " A ".\"name\" ORDER BY " B ".\"id\" ASC");
    cr_expect_eq(dorm_len(qs), 8);
    qs = dorm_order_by(
        dorm_filter(dorm_annotate(dorm_select_related(books(), "author"), DAS("n", DCount("author__books"))),
                    dorm_or(DQ("n__gte", 3), DQ("author__name__startswith", "J"))),
        "id");
    sql = dorm_qs_sql(qs, NULL);
    cr_assert_not_null(sql, "%s", dorm_qs_errmsg(qs));
    test_expect_sql("selrel_having_or", strstr(sql, " GROUP BY "),
                    " GROUP BY " B ".\"id\", " B ".\"title\", " B ".\"author_id\", " B ".\"publication_date\", " B
                    ".\"isbn\", " B ".\"genre\", " B ".\"pages\", " A ".\"id\", " A ".\"name\", " A
                    ".\"birth_date\", " A ".\"biography\" HAVING (COUNT(T3.\"id\") >= ? OR " A
                    ".\"name\" GLOB ?) ORDER BY " B ".\"id\" ASC",
                    " GROUP BY " B ".\"id\", " A ".\"id\" HAVING (COUNT(T3.\"id\") >= $1 OR " A
                    ".\"name\"::text LIKE $2) ORDER BY " B ".\"id\" ASC",
                    " GROUP BY " B ".\"id\", " A ".\"name\" HAVING (COUNT(T3.\"id\") >= ? OR " A
                    ".\"name\" LIKE BINARY ? ESCAPE '\\') ORDER BY " B ".\"id\" ASC");
    cr_expect_eq(dorm_len(qs), 8);
}

/* aggregate() and count() of sliced, distinct and annotated QuerySets: the
 * statement that runs (Django's subquery with "__col" columns). */
Test(analytics_matrix, aggregate_over_querysets) {
    test_log_start();
    const dorm_row *r = dorm_aggregate(dorm_slice(dorm_order_by(books(), "pages"), 0, 3), DAS("s", DSum("pages")),
                                       DAS("m", DMax("pages")));
    test_expect_sql("agg_slice", test_log_stop(),
                    "SELECT SUM(\"__col1\"), MAX(\"__col1\") FROM (SELECT " B ".\"pages\" AS \"__col1\" FROM " B
                    " ORDER BY " B ".\"pages\" ASC LIMIT 3) subquery",
                    NULL, NULL);
    cr_expect_str_eq(rows_text_of(r), "472 232");
    test_log_start();
    cr_expect_eq(dorm_count(dorm_slice(books(), 2, 5)), 3);
    test_expect_sql("count_slice", test_log_stop(),
                    "SELECT COUNT(*) FROM (SELECT " B ".\"id\" AS Col1 FROM " B " ORDER BY " B
                    ".\"publication_date\" DESC LIMIT 3 OFFSET 2) subquery",
                    NULL, NULL);
    test_log_start();
    r = dorm_aggregate(dorm_distinct(books()), DAS(NULL, DSum("pages")));
    test_expect_sql("agg_distinct", test_log_stop(),
                    "SELECT SUM(\"__col1\") FROM (SELECT DISTINCT " B ".\"id\" AS Col1, " B ".\"title\" AS Col2, " B
                    ".\"author_id\" AS Col3, " B ".\"publication_date\" AS Col4, " B ".\"isbn\" AS Col5, " B
                    ".\"genre\" AS Col6, " B ".\"pages\" AS Col7, " B ".\"pages\" AS \"__col1\" FROM " B ") subquery",
                    NULL, NULL);
    cr_expect_str_eq(rows_text_of(r), "2265");
    test_log_start();
    cr_expect_eq(dorm_count(dorm_distinct(dorm_values(books(), "genre"))), 3);
    test_expect_sql("count_distinct_values", test_log_stop(),
                    "SELECT COUNT(*) FROM (SELECT DISTINCT " B ".\"genre\" AS Col1 FROM " B ") subquery", NULL, NULL);
    dorm_qs *annotated = dorm_annotate(authors(), DAS("n", DCount("books")));
    test_log_start();
    r = dorm_aggregate(annotated, DAS("most", DMax("n")), DAS("least", DMin("n")), DAS("total", DSum("n")));
    test_expect_sql("agg_annotated", test_log_stop(),
                    "SELECT MAX(\"n\"), MIN(\"n\"), SUM(\"n\") FROM (SELECT COUNT(" B ".\"id\") AS \"n\" FROM " A
                    " LEFT OUTER JOIN " B " ON (" A ".\"id\" = " B ".\"author_id\") GROUP BY " A ".\"id\") subquery",
                    NULL,
                    "SELECT MAX(\"n\"), MIN(\"n\"), SUM(\"n\") FROM (SELECT COUNT(" B ".\"id\") AS \"n\" FROM " A
                    " LEFT OUTER JOIN " B " ON (" A ".\"id\" = " B ".\"author_id\") GROUP BY " A
                    ".\"id\" ORDER BY NULL) subquery");
    cr_expect_str_eq(rows_text_of(r), "3 2 8");
    test_log_start();
    r = dorm_aggregate(dorm_filter(annotated, DQ("n__gte", 3)), DAS("s", DCount("id")), DAS("m", DAvg("n")));
    test_expect_sql("agg_annotated_having", test_log_stop(),
                    "SELECT COUNT(\"__col1\"), AVG(\"n\") FROM (SELECT COUNT(" B ".\"id\") AS \"n\", " A
                    ".\"id\" AS \"__col1\" FROM " A " LEFT OUTER JOIN " B " ON (" A ".\"id\" = " B
                    ".\"author_id\") GROUP BY " A ".\"id\" HAVING COUNT(" B ".\"id\") >= ?) subquery",
                    NULL,
                    "SELECT COUNT(\"__col1\"), AVG(\"n\") FROM (SELECT COUNT(" B ".\"id\") AS \"n\", " A
                    ".\"id\" AS \"__col1\" FROM " A " LEFT OUTER JOIN " B " ON (" A ".\"id\" = " B
                    ".\"author_id\") GROUP BY " A ".\"id\" HAVING COUNT(" B ".\"id\") >= ? ORDER BY NULL) subquery");
    cr_expect_str_eq(rows_text_of(r), "2 3.0000");
    test_log_start();
    r = dorm_aggregate(annotated, DAS("big", DCount("id", .filter = DQ("n__gte", 3))));
    test_expect_sql("agg_annotated_filter", test_log_stop(),
                    "SELECT COUNT(\"__col1\") FILTER (WHERE \"n\" >= ?) FROM (SELECT COUNT(" B ".\"id\") AS \"n\", " A
                    ".\"id\" AS \"__col1\" FROM " A " LEFT OUTER JOIN " B " ON (" A ".\"id\" = " B
                    ".\"author_id\") GROUP BY " A ".\"id\") subquery",
                    NULL,
                    "SELECT COUNT(CASE WHEN \"n\" >= ? THEN \"__col1\" ELSE NULL END) FROM (SELECT COUNT(" B
                    ".\"id\") AS \"n\", " A ".\"id\" AS \"__col1\" FROM " A " LEFT OUTER JOIN " B " ON (" A
                    ".\"id\" = " B ".\"author_id\") GROUP BY " A ".\"id\" ORDER BY NULL) subquery");
    cr_expect_str_eq(rows_text_of(r), "2");
    test_log_start();
    cr_expect_eq(dorm_count(dorm_annotate(dorm_values(books(), "genre"), DAS("n", DCount("id")))), 3);
    test_expect_sql("count_grouped", test_log_stop(),
                    "SELECT COUNT(*) FROM (SELECT " B ".\"genre\" AS Col1, COUNT(" B ".\"id\") AS \"n\" FROM " B
                    " GROUP BY " B ".\"genre\") subquery",
                    NULL,
                    "SELECT COUNT(*) FROM (SELECT " B ".\"genre\" AS Col1, COUNT(" B ".\"id\") AS \"n\" FROM " B
                    " GROUP BY " B ".\"genre\" ORDER BY NULL) subquery");
}

/* filter= (FILTER (WHERE ...), or Django's CASE where the backend has no
 * FILTER), distinct aggregates, StdDev and Variance. */
Test(analytics_matrix, aggregate_options) {
    test_log_start();
    const dorm_row *r = dorm_aggregate(books(), DAS("s", DSum("pages", .filter = DQ("genre", "FIC"))),
                                       DAS("n", DCount("id", .filter = DQ("pages__gt", 300))));
    test_expect_sql("agg_filter", test_log_stop(),
                    "SELECT SUM(" B ".\"pages\") FILTER (WHERE " B ".\"genre\" = ?) AS \"s\", COUNT(" B
                    ".\"id\") FILTER (WHERE " B ".\"pages\" > ?) AS \"n\" FROM " B,
                    NULL,
                    "SELECT SUM(CASE WHEN " B ".\"genre\" = ? THEN " B
                    ".\"pages\" ELSE NULL END) AS \"s\", COUNT(CASE WHEN " B ".\"pages\" > ? THEN " B
                    ".\"id\" ELSE NULL END) AS \"n\" FROM " B);
    cr_expect_str_eq(rows_text_of(r), "1905 4");
    dorm_qs *qs = dorm_order_by(
        dorm_values_list(dorm_annotate(authors(), DAS("n", DCount("books", .filter = DQ("books__pages__gt", 300)))),
                         "name", "n"),
        "name");
    test_expect_qs_sql("ann_filter", qs,
                       "SELECT " A ".\"name\", COUNT(" B ".\"id\") FILTER (WHERE " B ".\"pages\" > ?) AS \"n\" FROM " A
                       " LEFT OUTER JOIN " B " ON (" A ".\"id\" = " B ".\"author_id\") GROUP BY " A ".\"id\", " A
                       ".\"name\", " A ".\"birth_date\", " A ".\"biography\" ORDER BY " A ".\"name\" ASC",
                       "SELECT " A ".\"name\", COUNT(" B ".\"id\") FILTER (WHERE " B ".\"pages\" > $1) AS \"n\" FROM " A
                       " LEFT OUTER JOIN " B " ON (" A ".\"id\" = " B ".\"author_id\") GROUP BY " A
                       ".\"id\" ORDER BY " A ".\"name\" ASC",
                       "SELECT " A ".\"name\", COUNT(CASE WHEN " B ".\"pages\" > ? THEN " B
                       ".\"id\" ELSE NULL END) AS \"n\" FROM " A " LEFT OUTER JOIN " B " ON (" A ".\"id\" = " B
                       ".\"author_id\") GROUP BY " A ".\"id\" ORDER BY " A ".\"name\" ASC");
    cr_expect_str_eq(rows_text(qs), "George Orwell 1; J.R.R. Tolkien 1; Jane Austen 2");
    test_log_start();
    r = dorm_aggregate(books(), DAS("n", DCount("genre", .distinct = true)), DAS("s", DSum("pages", .distinct = true)),
                       DAS("a", DAvg("pages", .distinct = true)));
    test_expect_sql("agg_distinct_args", test_log_stop(),
                    "SELECT COUNT(DISTINCT " B ".\"genre\") AS \"n\", SUM(DISTINCT " B
                    ".\"pages\") AS \"s\", AVG(DISTINCT " B ".\"pages\") AS \"a\" FROM " B,
                    NULL, NULL);
    cr_expect_str_eq(rows_text_of(r), "3 2265 283.1250");
    test_log_start();
    r = dorm_aggregate(books(), DAS("s", DStdDev("pages")), DAS("v", DVariance("pages")),
                       DAS("ss", DStdDev("pages", .sample = true)), DAS("vs", DVariance("pages", .sample = true)));
    test_expect_sql("stddev", test_log_stop(),
                    "SELECT STDDEV_POP(" B ".\"pages\") AS \"s\", VAR_POP(" B ".\"pages\") AS \"v\", STDDEV_SAMP(" B
                    ".\"pages\") AS \"ss\", VAR_SAMP(" B ".\"pages\") AS \"vs\" FROM " B,
                    NULL, NULL);
    cr_expect_str_eq(rows_text_of(r), "121.6855 14807.3594 130.0873 16922.6964");
    test_log_start();
    r = dorm_aggregate(dorm_filter(books(), DQ("title", "Emma")), DAS("vs", DVariance("pages", .sample = true)),
                       DAS("v", DVariance("pages")));
    test_expect_sql("stddev_one", test_log_stop(),
                    "SELECT VAR_SAMP(" B ".\"pages\") AS \"vs\", VAR_POP(" B ".\"pages\") AS \"v\" FROM " B " WHERE " B
                    ".\"title\" = ?",
                    NULL, NULL);
    cr_expect_str_eq(rows_text_of(r), "None 0.0000");
}

Test(analytics_matrix, subqueries) {
    dorm_qs *latest = dorm_order_by(dorm_filter(books(), DQ("author", DOuterRef("pk"))), "-publication_date", "-id");
    dorm_qs *qs = dorm_order_by(
        dorm_annotate(authors(), DAS("last_title", DSubquery(dorm_slice(dorm_values(latest, "title"), 0, 1)))), "name");
    test_expect_qs_sql(
        "sub_ann", qs,
        "SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\", (SELECT U0.\"title\" FROM " B
        " U0 WHERE U0.\"author_id\" = " A
        ".\"id\" ORDER BY U0.\"publication_date\" DESC, U0.\"id\" DESC LIMIT 1) AS \"last_title\" FROM " A
        " ORDER BY " A ".\"name\" ASC",
        NULL, NULL);
    cr_expect_str_eq(rows_text(dorm_values_list(qs, "name", "last_title")),
                     "George Orwell 1984; J.R.R. Tolkien On Fairy-Stories; Jane Austen Persuasion");
    qs = dorm_order_by(authors(), DDesc(DSubquery(dorm_slice(dorm_values(latest, "pages"), 0, 1))));
    test_expect_qs_sql("sub_order", qs,
                       "SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\" FROM " A
                       " ORDER BY (SELECT U0.\"pages\" FROM " B " U0 WHERE U0.\"author_id\" = " A
                       ".\"id\" ORDER BY U0.\"publication_date\" DESC, U0.\"id\" DESC LIMIT 1) DESC",
                       NULL, NULL);
    cr_expect_str_eq(names(qs), "George Orwell; Jane Austen; J.R.R. Tolkien");
    dorm_qs *longest = dorm_slice(
        dorm_values(dorm_order_by(dorm_filter(books(), DQ("author", DOuterRef("author"))), "-pages"), "pk"), 0, 1);
    qs = dorm_order_by(dorm_filter(books(), DQ("pk", DSubquery(longest))), "title");
    test_expect_qs_sql("sub_value", qs,
                       "SELECT " B ".\"id\", " B ".\"title\", " B ".\"author_id\", " B ".\"publication_date\", " B
                       ".\"isbn\", " B ".\"genre\", " B ".\"pages\" FROM " B " WHERE " B
                       ".\"id\" = (SELECT U0.\"id\" FROM " B " U0 WHERE U0.\"author_id\" = " B
                       ".\"author_id\" ORDER BY U0.\"pages\" DESC LIMIT 1) ORDER BY " B ".\"title\" ASC",
                       NULL, NULL);
    cr_expect_str_eq(rows_text(dorm_values_flat(qs, "title")), "1984; Emma; The Hobbit");
    dorm_qs *his = dorm_values(dorm_filter(books(), DQ("genre", "HIS")), "author");
    qs = dorm_order_by(dorm_filter(authors(), DQ("pk__in", his)), "name");
    test_expect_qs_sql("in_values", qs,
                       "SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\" FROM " A
                       " WHERE " A ".\"id\" IN (SELECT U0.\"author_id\" FROM " B
                       " U0 WHERE U0.\"genre\" = ?) ORDER BY " A ".\"name\" ASC",
                       NULL, NULL);
    cr_expect_str_eq(names(qs), "George Orwell");
    qs = dorm_order_by(dorm_filter(authors(), DQ("pk__in", DSubquery(his))), "name");
    test_expect_qs_sql("in_subquery", qs,
                       "SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\" FROM " A
                       " WHERE " A ".\"id\" IN (SELECT U0.\"author_id\" FROM " B
                       " U0 WHERE U0.\"genre\" = ?) ORDER BY " A ".\"name\" ASC",
                       NULL, NULL);
    cr_expect_str_eq(names(qs), "George Orwell");
}

#define BOOK_SELECT                                                                                             \
    "SELECT " B ".\"id\", " B ".\"title\", " B ".\"author_id\", " B ".\"publication_date\", " B ".\"isbn\", " B \
    ".\"genre\", " B ".\"pages\" FROM " B

/* `x__in` a QuerySet of objects selects its primary key, named as Django
 * names it: a QuerySet of a whole model (nothing filtered, annotated or
 * narrowed with values(); ordering and slicing allowed) keeps its tables'
 * names, as its Query had none to relabel U0 when it became a subquery;
 * Exists() of one too.  Django 3.2's SQL for these QuerySets. */
Test(analytics_matrix, in_a_model_queryset) {
    dorm_qs *qs = dorm_filter(books(), DQ("pk__in", books()));
    test_expect_qs_sql("in_all", qs,
                       BOOK_SELECT " WHERE " B ".\"id\" IN (SELECT " B ".\"id\" FROM " B ") ORDER BY " B
                                   ".\"publication_date\" DESC",
                       NULL, NULL);
    cr_expect_eq(dorm_count(qs), 8);
    qs = dorm_order_by(dorm_filter(books(), DQ("pk__in", dorm_filter(books(), DQ("pages__gt", 300)))), "title");
    test_expect_qs_sql("in_filtered", qs,
                       BOOK_SELECT " WHERE " B ".\"id\" IN (SELECT U0.\"id\" FROM " B
                                   " U0 WHERE U0.\"pages\" > ?) ORDER BY " B ".\"title\" ASC",
                       NULL, NULL);
    cr_expect_str_eq(rows_text(dorm_values_flat(qs, "title")), "1984; Emma; Pride and Prejudice; The Hobbit");
    qs = dorm_filter(books(), DQ("author__in", dorm_filter(authors(), DQ("name__startswith", "J"))));
    test_expect_qs_sql("in_rel_filtered", qs,
                       BOOK_SELECT " WHERE " B ".\"author_id\" IN (SELECT U0.\"id\" FROM " A
                                   " U0 WHERE U0.\"name\" GLOB ?) ORDER BY " B ".\"publication_date\" DESC",
                       BOOK_SELECT " WHERE " B ".\"author_id\" IN (SELECT U0.\"id\" FROM " A
                                   " U0 WHERE U0.\"name\"::text LIKE $1) ORDER BY " B ".\"publication_date\" DESC",
                       BOOK_SELECT " WHERE " B ".\"author_id\" IN (SELECT U0.\"id\" FROM " A
                                   " U0 WHERE U0.\"name\" LIKE BINARY ? ESCAPE '\\') ORDER BY " B
                                   ".\"publication_date\" DESC");
    cr_expect_eq(dorm_count(qs), 5);
    qs = dorm_filter(books(), DQ("pk__in", dorm_values(books(), "id")));
    test_expect_qs_sql("in_values_id", qs,
                       BOOK_SELECT " WHERE " B ".\"id\" IN (SELECT U0.\"id\" FROM " B " U0) ORDER BY " B
                                   ".\"publication_date\" DESC",
                       NULL, NULL);
    cr_expect_eq(dorm_count(qs), 8);
    qs = dorm_exclude(books(), DQ("author__in", authors()));
    test_expect_qs_sql("not_in_all", qs,
                       BOOK_SELECT " WHERE NOT (" B ".\"author_id\" IN (SELECT " A ".\"id\" FROM " A ")) ORDER BY " B
                                   ".\"publication_date\" DESC",
                       NULL, NULL);
    cr_expect_eq(dorm_count(qs), 0);
    qs = dorm_filter(books(), DQ("pk__in", dorm_distinct(books())));
    test_expect_qs_sql("in_distinct", qs,
                       BOOK_SELECT " WHERE " B ".\"id\" IN (SELECT DISTINCT " B ".\"id\" FROM " B ") ORDER BY " B
                                   ".\"publication_date\" DESC",
                       NULL, NULL);
    cr_expect_eq(dorm_count(qs), 8);
    qs = dorm_values_list(dorm_order_by(dorm_annotate(books(), DAS("e", DExists(authors()))), "title"), "title", "e");
    test_expect_qs_sql("exists_all", qs,
                       "SELECT " B ".\"title\", EXISTS(SELECT (1) AS \"a\" FROM " A " LIMIT 1) AS \"e\" FROM " B
                       " ORDER BY " B ".\"title\" ASC",
                       NULL, NULL);
    cr_expect_str_eq(rows_text(dorm_slice(qs, 0, 1)), "1984 True");
    /* Sliced: the ordering stays, its join named after its table.  MariaDB
     * refuses LIMIT in an IN subquery (Django's SQL; the server's error). */
    qs = dorm_filter(books(), DQ("author__in", dorm_slice(authors(), 0, 2)));
    test_expect_qs_sql("in_sliced", qs,
                       BOOK_SELECT " WHERE " B ".\"author_id\" IN (SELECT " A ".\"id\" FROM " A " ORDER BY " A
                                   ".\"name\" ASC LIMIT 2) ORDER BY " B ".\"publication_date\" DESC",
                       NULL, NULL);
    if (!test_db_on_mysql()) cr_expect_eq(dorm_count(qs), 5);
    qs = dorm_order_by(dorm_filter(books(), DQ("pk__in", dorm_slice(dorm_order_by(books(), "author__name"), 0, 3))),
                       "title");
    test_expect_qs_sql("in_sliced_join", qs,
                       BOOK_SELECT " WHERE " B ".\"id\" IN (SELECT " B ".\"id\" FROM " B " INNER JOIN " A " ON (" B
                                   ".\"author_id\" = " A ".\"id\") ORDER BY " A ".\"name\" ASC LIMIT 3) ORDER BY " B
                                   ".\"title\" ASC",
                       NULL, NULL);
    if (!test_db_on_mysql()) cr_expect_eq(dorm_count(qs), 3);
}

Test(analytics_matrix, exists_and_outer_refs) {
    dorm_qs *long_books = dorm_filter(books(), DQ("author", DOuterRef("pk")), DQ("pages__gt", 400));
    dorm_qs *qs = dorm_order_by(dorm_filter(authors(), DQE(DExists(long_books))), "name");
    test_expect_qs_sql("exists", qs,
                       "SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\" FROM " A
                       " WHERE EXISTS(SELECT (1) AS \"a\" FROM " B " U0 WHERE (U0.\"author_id\" = " A
                       ".\"id\" AND U0.\"pages\" > ?) LIMIT 1) ORDER BY " A ".\"name\" ASC",
                       NULL, NULL);
    cr_expect_str_eq(names(qs), "Jane Austen");
    qs = dorm_order_by(dorm_filter(authors(), dorm_not(DQE(DExists(long_books)))), "name");
    test_expect_qs_sql("not_exists", qs,
                       "SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\" FROM " A
                       " WHERE NOT EXISTS(SELECT (1) AS \"a\" FROM " B " U0 WHERE (U0.\"author_id\" = " A
                       ".\"id\" AND U0.\"pages\" > ?) LIMIT 1) ORDER BY " A ".\"name\" ASC",
                       NULL, NULL);
    cr_expect_str_eq(names(qs), "George Orwell; J.R.R. Tolkien");
    qs = dorm_values_list(dorm_order_by(dorm_annotate(authors(), DAS("big", DExists(long_books))), "name"), "name",
                          "big");
    test_expect_qs_sql("exists_ann", qs,
                       "SELECT " A ".\"name\", EXISTS(SELECT (1) AS \"a\" FROM " B " U0 WHERE (U0.\"author_id\" = " A
                       ".\"id\" AND U0.\"pages\" > ?) LIMIT 1) AS \"big\" FROM " A " ORDER BY " A ".\"name\" ASC",
                       NULL, NULL);
    cr_expect_str_eq(rows_text(qs), "George Orwell False; J.R.R. Tolkien False; Jane Austen True");
    dorm_qs *same_genre =
        dorm_filter(books(), DQ("author", DOuterRef("pk")), DQ("genre", DOuterRef(DOuterRef("genre"))));
    qs = dorm_filter(books(), DQ("author__in", dorm_filter(authors(), DQE(DExists(same_genre)))));
    test_expect_qs_sql("two_levels", qs,
                       "SELECT " B ".\"id\", " B ".\"title\", " B ".\"author_id\", " B ".\"publication_date\", " B
                       ".\"isbn\", " B ".\"genre\", " B ".\"pages\" FROM " B " WHERE " B
                       ".\"author_id\" IN (SELECT V0.\"id\" FROM " A " V0 WHERE EXISTS(SELECT (1) AS \"a\" FROM " B
                       " U0 WHERE (U0.\"author_id\" = V0.\"id\" AND U0.\"genre\" = " B
                       ".\"genre\") LIMIT 1)) ORDER BY " B ".\"publication_date\" DESC",
                       NULL, NULL);
    cr_expect_eq(dorm_count(qs), 8);
    dorm_qs *per = dorm_values(dorm_annotate(dorm_values(dorm_filter(books(), DQ("author", DOuterRef("pk"))), "author"),
                                             DAS("c", DCount("id"))),
                               "c");
    qs = dorm_order_by(dorm_annotate(authors(), DAS("n", DCoalesce(DSubquery(per), 0))), "name");
    test_expect_qs_sql(
        "sub_in_agg_ann", qs,
        "SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A
        ".\"biography\", COALESCE((SELECT COUNT(U0.\"id\") AS \"c\" FROM " B " U0 WHERE U0.\"author_id\" = " A
        ".\"id\" GROUP BY U0.\"author_id\"), ?) AS \"n\" FROM " A " ORDER BY " A ".\"name\" ASC",
        "SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A
        ".\"biography\", COALESCE((SELECT COUNT(U0.\"id\") AS \"c\" FROM " B " U0 WHERE U0.\"author_id\" = " A
        ".\"id\" GROUP BY U0.\"author_id\"), $1::integer) AS \"n\" FROM " A " ORDER BY " A ".\"name\" ASC",
        "SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A
        ".\"biography\", COALESCE((SELECT COUNT(U0.\"id\") AS \"c\" FROM " B " U0 WHERE U0.\"author_id\" = " A
        ".\"id\" GROUP BY U0.\"author_id\" ORDER BY NULL), ?) AS \"n\" FROM " A " ORDER BY " A ".\"name\" ASC");
    cr_expect_str_eq(rows_text(dorm_values_list(qs, "name", "n")), "George Orwell 3; J.R.R. Tolkien 2; Jane Austen 3");
    test_log_start();
    const dorm_row *r = dorm_aggregate(dorm_annotate(authors(), DAS("n", DCoalesce(DSubquery(per), 0))),
                                       DAS("t", DSum("n")), DAS("m", DMax("n")));
    test_expect_sql("sub_in_agg", test_log_stop(),
                    "SELECT SUM(\"n\"), MAX(\"n\") FROM (SELECT COALESCE((SELECT COUNT(U0.\"id\") AS \"c\" FROM " B
                    " U0 WHERE U0.\"author_id\" = " A ".\"id\" GROUP BY U0.\"author_id\"), ?) AS \"n\" FROM " A
                    ") subquery",
                    "SELECT SUM(\"n\"), MAX(\"n\") FROM (SELECT COALESCE((SELECT COUNT(U0.\"id\") AS \"c\" FROM " B
                    " U0 WHERE U0.\"author_id\" = " A
                    ".\"id\" GROUP BY U0.\"author_id\"), $1::integer) AS \"n\" FROM " A ") subquery",
                    "SELECT SUM(\"n\"), MAX(\"n\") FROM (SELECT COALESCE((SELECT COUNT(U0.\"id\") AS \"c\" FROM " B
                    " U0 WHERE U0.\"author_id\" = " A
                    ".\"id\" GROUP BY U0.\"author_id\" ORDER BY NULL), ?) AS \"n\" FROM " A ") subquery");
    cr_expect_str_eq(rows_text_of(r), "8 3");
    test_log_start();
    r = dorm_aggregate(authors(), DAS("t", DSum(DSubquery(per))));
    test_expect_sql("sub_inside_agg", test_log_stop(),
                    "SELECT SUM((SELECT COUNT(U0.\"id\") AS \"c\" FROM " B " U0 WHERE U0.\"author_id\" = " A
                    ".\"id\" GROUP BY U0.\"author_id\")) AS \"t\" FROM " A,
                    NULL,
                    "SELECT SUM((SELECT COUNT(U0.\"id\") AS \"c\" FROM " B " U0 WHERE U0.\"author_id\" = " A
                    ".\"id\" GROUP BY U0.\"author_id\" ORDER BY NULL)) AS \"t\" FROM " A);
    cr_expect_str_eq(rows_text_of(r), "8");
}

Test(analytics_matrix, windows) {
    dorm_qs *qs =
        dorm_order_by(dorm_values_list(dorm_annotate(books(),
                                                     DAS("r",
                                                         DWindow(DRank(), .partition_by = DEXPRS(dorm_F("author")),
                                                                 .order_by = DEXPRS(DDesc("pages"))))),
                                       "title", "r"),
                      "author", "r");
    test_expect_qs_sql("w_rank", qs,
                       "SELECT " B ".\"title\", RANK() OVER (PARTITION BY " B ".\"author_id\" ORDER BY " B
                       ".\"pages\" DESC) AS \"r\" FROM " B " INNER JOIN " A " ON (" B ".\"author_id\" = " A
                       ".\"id\") ORDER BY " A ".\"name\" ASC, \"r\" ASC",
                       NULL, NULL);
    cr_expect_str_eq(rows_text(qs),
                     "1984 1; Homage to Catalonia 2; Animal Farm 3; The Hobbit 1; On Fairy-Stories 2; "
                     "Emma 1; Pride and Prejudice 2; Persuasion 3");
    qs = dorm_order_by(
        dorm_values_list(dorm_annotate(books(), DAS("rn", DWindow(DRowNumber(), .order_by = DEXPRS(DAsc("pages"))))),
                         "title", "rn"),
        "rn");
    test_expect_qs_sql("w_rownumber", qs,
                       "SELECT " B ".\"title\", ROW_NUMBER() OVER (ORDER BY " B ".\"pages\" ASC) AS \"rn\" FROM " B
                       " ORDER BY \"rn\" ASC",
                       NULL, NULL);
    cr_expect_str_eq(rows_text(qs),
                     "Animal Farm 1; On Fairy-Stories 2; Homage to Catalonia 3; Persuasion 4; "
                     "The Hobbit 5; 1984 6; Pride and Prejudice 7; Emma 8");
    qs = dorm_order_by(dorm_values_list(dorm_annotate(books(),
                                                      DAS("s",
                                                          DWindow(DSum("pages"), .partition_by = DEXPRS("author"),
                                                                  .order_by = DEXPRS(DAsc("publication_date"))))),
                                        "title", "s"),
                       "author", "publication_date");
    test_expect_qs_sql("w_sum", qs,
                       "SELECT " B ".\"title\", SUM(" B ".\"pages\") OVER (PARTITION BY " B ".\"author_id\" ORDER BY " B
                       ".\"publication_date\" ASC) AS \"s\" FROM " B " INNER JOIN " A " ON (" B ".\"author_id\" = " A
                       ".\"id\") ORDER BY " A ".\"name\" ASC, " B ".\"publication_date\" ASC",
                       NULL, NULL);
    cr_expect_str_eq(rows_text(qs),
                     "Homage to Catalonia 232; Animal Farm 344; 1984 672; The Hobbit 310; "
                     "On Fairy-Stories 438; Pride and Prejudice 432; Emma 906; Persuasion 1155");
    qs = dorm_order_by(
        dorm_values_list(dorm_annotate(books(),
                                       DAS("s",
                                           DWindow(DAvg("pages"), .order_by = DEXPRS(DAsc("publication_date")),
                                                   .frame = DRowRange(-1, 1)))),
                         "title", "s"),
        "publication_date");
    test_expect_qs_sql("w_rows", qs,
                       "SELECT " B ".\"title\", AVG(" B ".\"pages\") OVER (ORDER BY " B
                       ".\"publication_date\" ASC ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) AS \"s\" FROM " B
                       " ORDER BY " B ".\"publication_date\" ASC",
                       NULL, NULL);
    cr_expect_str_eq(rows_text(qs),
                     "Pride and Prejudice 453.0000; Emma 385.0000; Persuasion 344.3333; "
                     "The Hobbit 263.6667; Homage to Catalonia 218.0000; Animal Farm 157.3333; "
                     "On Fairy-Stories 189.3333; 1984 228.0000");
    qs = dorm_order_by(dorm_values_list(dorm_annotate(books(),
                                                      DAS("s",
                                                          DWindow(DSum("pages"), .order_by = DEXPRS(DAsc("pages")),
                                                                  .frame = DValueRange(DORM_UNBOUNDED, 0)))),
                                        "title", "s"),
                       "pages");
    test_expect_qs_sql("w_range", qs,
                       "SELECT " B ".\"title\", SUM(" B ".\"pages\") OVER (ORDER BY " B
                       ".\"pages\" ASC RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS \"s\" FROM " B
                       " ORDER BY " B ".\"pages\" ASC",
                       NULL, NULL);
    cr_expect_str_eq(rows_text(qs),
                     "Animal Farm 112; On Fairy-Stories 240; Homage to Catalonia 472; Persuasion 721; "
                     "The Hobbit 1031; 1984 1359; Pride and Prejudice 1791; Emma 2265");
    /* MariaDB's LAG takes no default: it refuses Django's statement too. */
    qs = dorm_order_by(
        dorm_values_list(
            dorm_annotate(books(), DAS("l", DWindow(DLag("pages", 1, 0), .order_by = DEXPRS(DAsc("pages"))))), "title",
            "l"),
        "pages");
    test_expect_qs_sql("w_lag", qs,
                       "SELECT " B ".\"title\", LAG(" B ".\"pages\", ?, ?) OVER (ORDER BY " B
                       ".\"pages\" ASC) AS \"l\" FROM " B " ORDER BY " B ".\"pages\" ASC",
                       "SELECT " B ".\"title\", LAG(" B ".\"pages\", $1::integer, $2::integer) OVER (ORDER BY " B
                       ".\"pages\" ASC) AS \"l\" FROM " B " ORDER BY " B ".\"pages\" ASC",
                       NULL);
    if (!test_db_on_mysql())
        cr_expect_str_eq(rows_text(qs),
                         "Animal Farm 0; On Fairy-Stories 112; Homage to Catalonia 128; Persuasion 232; "
                         "The Hobbit 249; 1984 310; Pride and Prejudice 328; Emma 432");
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
    test_expect_qs_sql(
        "w_many", qs,
        "SELECT " B ".\"title\", LEAD(" B ".\"title\", ?) OVER (ORDER BY " B ".\"pages\" ASC) AS \"l\", FIRST_VALUE(" B
        ".\"title\") OVER (PARTITION BY " B ".\"author_id\", " B ".\"genre\" ORDER BY " B
        ".\"pages\" ASC) AS \"f\", NTILE(?) OVER (ORDER BY " B ".\"pages\" ASC) AS \"nt\", NTH_VALUE(" B
        ".\"title\", ?) OVER (ORDER BY " B ".\"pages\" ASC) AS \"nv\", PERCENT_RANK() OVER (ORDER BY " B
        ".\"pages\" ASC) AS \"pr\", CUME_DIST() OVER (ORDER BY " B
        ".\"pages\" ASC) AS \"cd\", DENSE_RANK() OVER (ORDER BY " B ".\"genre\" ASC) AS \"dr\", LAST_VALUE(" B
        ".\"title\") OVER (ORDER BY " B ".\"pages\" ASC) AS \"lv\" FROM " B " ORDER BY " B ".\"pages\" ASC",
        "SELECT " B ".\"title\", LEAD(" B ".\"title\", $1::integer) OVER (ORDER BY " B
        ".\"pages\" ASC) AS \"l\", FIRST_VALUE(" B ".\"title\") OVER (PARTITION BY " B ".\"author_id\", " B
        ".\"genre\" ORDER BY " B ".\"pages\" ASC) AS \"f\", NTILE($2::integer) OVER (ORDER BY " B
        ".\"pages\" ASC) AS \"nt\", NTH_VALUE(" B ".\"title\", $3::integer) OVER (ORDER BY " B
        ".\"pages\" ASC) AS \"nv\", PERCENT_RANK() OVER (ORDER BY " B
        ".\"pages\" ASC) AS \"pr\", CUME_DIST() OVER (ORDER BY " B
        ".\"pages\" ASC) AS \"cd\", DENSE_RANK() OVER (ORDER BY " B ".\"genre\" ASC) AS \"dr\", LAST_VALUE(" B
        ".\"title\") OVER (ORDER BY " B ".\"pages\" ASC) AS \"lv\" FROM " B " ORDER BY " B ".\"pages\" ASC",
        NULL);
    cr_expect_str_eq(rows_text(dorm_slice(qs, 6, 8)),
                     "Pride and Prejudice Emma Persuasion 3 On Fairy-Stories 0.8571 0.8750 1 Pride and Prejudice; "
                     "Emma None Persuasion 3 On Fairy-Stories 1.0000 1.0000 1 Emma");
    dorm_qs *ranked = dorm_annotate(books(), DAS("r", DWindow(DRank(), .order_by = DEXPRS(DAsc("pages")))));
    test_log_start();
    cr_expect_eq(dorm_count(ranked), 8);
    test_expect_sql("w_count", test_log_stop(),
                    "SELECT COUNT(*) FROM (SELECT RANK() OVER (ORDER BY " B ".\"pages\" ASC) AS \"r\" FROM " B
                    ") subquery",
                    NULL, NULL);
    test_log_start();
    cr_expect_str_eq(rows_text_of(dorm_aggregate(ranked, DAS("m", DMax("r")))), "8");
    test_expect_sql("w_agg", test_log_stop(),
                    "SELECT MAX(\"r\") FROM (SELECT RANK() OVER (ORDER BY " B ".\"pages\" ASC) AS \"r\" FROM " B
                    ") subquery",
                    NULL, NULL);
}

/* Authors starting with J, and those born after 1900, without Author's
 * Meta.ordering (a part of a compound statement cannot have one on SQLite). */
#define JS dorm_clear_ordering(dorm_filter(authors(), DQ("name__startswith", "J")))
#define MODERN dorm_clear_ordering(dorm_filter(authors(), DQ("birth_date__year__gt", 1900)))

Test(analytics_matrix, set_operations) {
    dorm_qs *qs = dorm_union(JS, MODERN);
    test_log_start();
    cr_expect_eq(dorm_count(qs), 3);
    test_expect_sql(
        "union_count", test_log_stop(),
        "SELECT COUNT(*) FROM (SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\" FROM " A
        " WHERE " A ".\"name\" GLOB ? UNION SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A
        ".\"biography\" FROM " A " WHERE " A ".\"birth_date\" > ?) subquery",
        "SELECT COUNT(*) FROM ((SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\" FROM " A
        " WHERE " A ".\"name\"::text LIKE $1) UNION (SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A
        ".\"biography\" FROM " A " WHERE " A ".\"birth_date\" > $2)) subquery",
        "SELECT COUNT(*) FROM ((SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\" FROM " A
        " WHERE " A ".\"name\" LIKE BINARY ? ESCAPE '\\') UNION (SELECT " A ".\"id\", " A ".\"name\", " A
        ".\"birth_date\", " A ".\"biography\" FROM " A " WHERE " A ".\"birth_date\" > ?)) subquery");
    if (test_db_on_mysql()) return; /* intersection and difference: test_combinators.c */
    qs = dorm_intersection(JS, MODERN);
    test_expect_qs_sql("intersection", qs,
                       "SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\" FROM " A
                       " WHERE " A ".\"name\" GLOB ? INTERSECT SELECT " A ".\"id\", " A ".\"name\", " A
                       ".\"birth_date\", " A ".\"biography\" FROM " A " WHERE " A ".\"birth_date\" > ?",
                       "(SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\" FROM " A
                       " WHERE " A ".\"name\"::text LIKE $1) INTERSECT (SELECT " A ".\"id\", " A ".\"name\", " A
                       ".\"birth_date\", " A ".\"biography\" FROM " A " WHERE " A ".\"birth_date\" > $2)",
                       NULL);
    cr_expect_str_eq(names(qs), "");
    test_log_start();
    cr_expect_eq(dorm_count(qs), 0);
    test_expect_sql(
        "intersection_count", test_log_stop(),
        "SELECT COUNT(*) FROM (SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\" FROM " A
        " WHERE " A ".\"name\" GLOB ? INTERSECT SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A
        ".\"biography\" FROM " A " WHERE " A ".\"birth_date\" > ?) subquery",
        "SELECT COUNT(*) FROM ((SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\" FROM " A
        " WHERE " A ".\"name\"::text LIKE $1) INTERSECT (SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A
        ".\"biography\" FROM " A " WHERE " A ".\"birth_date\" > $2)) subquery",
        NULL);
    qs = dorm_order_by(dorm_difference(JS, MODERN), "name");
    test_expect_qs_sql(
        "difference", qs,
        "SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\" FROM " A " WHERE " A
        ".\"name\" GLOB ? EXCEPT SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\" FROM " A
        " WHERE " A ".\"birth_date\" > ? ORDER BY (2) ASC",
        "(SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\" FROM " A " WHERE " A
        ".\"name\"::text LIKE $1) EXCEPT (SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A
        ".\"biography\" FROM " A " WHERE " A ".\"birth_date\" > $2) ORDER BY (2) ASC",
        NULL);
    cr_expect_str_eq(names(qs), "J.R.R. Tolkien; Jane Austen");
    test_log_start();
    cr_expect_eq(dorm_count(dorm_difference(JS, MODERN)), 2);
    test_expect_sql(
        "difference_count", test_log_stop(),
        "SELECT COUNT(*) FROM (SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\" FROM " A
        " WHERE " A ".\"name\" GLOB ? EXCEPT SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A
        ".\"biography\" FROM " A " WHERE " A ".\"birth_date\" > ?) subquery",
        "SELECT COUNT(*) FROM ((SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\" FROM " A
        " WHERE " A ".\"name\"::text LIKE $1) EXCEPT (SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A
        ".\"biography\" FROM " A " WHERE " A ".\"birth_date\" > $2)) subquery",
        NULL);
}
