/* test_grouping.c - aggregation as Django does it: values().annotate()
 * grouping by the values() fields (with Django 3.2's Meta.ordering and
 * order_by rules), values() of annotations, HAVING on grouped values, and
 * alias(); each checked against Django 3.2's SQL and rows on the catalogue. */
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

TestSuite(grouping, .init = catalogue, .fini = test_db_close);

/* The SQL of qs: Django's on SQLite (`sqlite`), on PostgreSQL `pg` (NULL:
 * SQLite's with $n placeholders), and on MariaDB `my` with its `quotes`
 * written as "quotes" (NULL: SQLite's). */
static void expect_sql(dorm_qs *qs, const char *sqlite, const char *pg, const char *my) {
    const char *got = dorm_qs_sql(qs, NULL);
    cr_assert_not_null(got, "%s", dorm_errmsg(T.cx));
    test_expect_sql("sql", got, sqlite, pg, my);
}

/* The rows of qs rendered "a=1 b=x; ..." in order. */
static const char *rows_text(dorm_qs *qs) {
    static char out[2048];
    size_t n = 0, used = 0;
    const dorm_row **rows = dorm_rows(qs, &n);
    cr_assert_not_null(rows, "%s", dorm_errmsg(T.cx));
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < rows[i]->n; k++) {
            const dorm_value *v = &rows[i]->values[k];
            char val[64];
            if (v->type == DORM_T_INT)
                snprintf(val, sizeof val, "%lld", (long long)v->u.i);
            else if (v->type == DORM_T_TEXT)
                snprintf(val, sizeof val, "%s", v->u.s);
            else if (v->type == DORM_T_NULL)
                snprintf(val, sizeof val, "None");
            else
                snprintf(val, sizeof val, "<%d>", (int)v->type);
            used += (size_t)snprintf(out + used, sizeof out - used, "%s%s=%s", k ? " " : (i ? "; " : ""),
                                     rows[i]->names[k], val);
        }
    }
    return out;
}

#define B "\"library_book\""
#define A "\"library_author\""

Test(grouping, values_annotate_groups_by_the_values) {
    dorm_qs *qs = dorm_order_by(
        dorm_annotate(dorm_values(books(), "genre"), DAS("n", DCount("id")), DAS("pages", DSum("pages"))), "genre");
    expect_sql(qs,
               "SELECT " B ".\"genre\", COUNT(" B ".\"id\") AS \"n\", SUM(" B ".\"pages\") AS \"pages\" FROM " B
               " GROUP BY " B ".\"genre\" ORDER BY " B ".\"genre\" ASC",
               NULL, NULL);
    cr_assert_str_eq(rows_text(qs), "genre=FIC n=6 pages=1905; genre=HIS n=1 pages=232; genre=NON n=1 pages=128");
    /* values_list gives the same columns; ordering by the annotation uses its alias. */
    qs = dorm_order_by(dorm_annotate(dorm_values_list(books(), "genre"), DAS("n", DCount("id"))), "-n", "genre");
    expect_sql(qs,
               "SELECT " B ".\"genre\", COUNT(" B ".\"id\") AS \"n\" FROM " B " GROUP BY " B
               ".\"genre\" ORDER BY \"n\" DESC, " B ".\"genre\" ASC",
               NULL, NULL);
    cr_assert_str_eq(rows_text(qs), "genre=FIC n=6; genre=HIS n=1; genre=NON n=1");
}

/* Django 3.2 puts Meta.ordering in the GROUP BY of values().annotate() but
 * leaves it out of ORDER BY: one row per genre and date here.  order_by()
 * with no fields drops it. */
Test(grouping, meta_ordering_joins_the_group_by) {
    dorm_qs *qs = dorm_annotate(dorm_values(books(), "genre"), DAS("n", DCount("id")));
    expect_sql(qs,
               "SELECT " B ".\"genre\", COUNT(" B ".\"id\") AS \"n\" FROM " B " GROUP BY " B ".\"genre\", " B
               ".\"publication_date\"",
               NULL, NULL);
    cr_assert_eq(dorm_len(qs), 8);
    qs = dorm_clear_ordering(qs);
    /* MariaDB: the groups are not sorted (Django's force_no_ordering). */
    expect_sql(qs, "SELECT " B ".\"genre\", COUNT(" B ".\"id\") AS \"n\" FROM " B " GROUP BY " B ".\"genre\"", NULL,
               "SELECT " B ".\"genre\", COUNT(" B ".\"id\") AS \"n\" FROM " B " GROUP BY " B
               ".\"genre\" ORDER BY NULL");
    cr_assert_eq(dorm_len(qs), 3);
}

Test(grouping, having_on_values_across_a_relation) {
    dorm_qs *qs = dorm_order_by(
        dorm_filter(dorm_annotate(dorm_values(books(), "author__name"), DAS("n", DCount("id"))), DQ("n__gte", 3)),
        "author__name");
    expect_sql(
        qs,
        "SELECT " A ".\"name\", COUNT(" B ".\"id\") AS \"n\" FROM " B " INNER JOIN " A " ON (" B ".\"author_id\" = " A
        ".\"id\") GROUP BY " A ".\"name\" HAVING COUNT(" B ".\"id\") >= ? ORDER BY " A ".\"name\" ASC",
        "SELECT " A ".\"name\", COUNT(" B ".\"id\") AS \"n\" FROM " B " INNER JOIN " A " ON (" B ".\"author_id\" = " A
        ".\"id\") GROUP BY " A ".\"name\" HAVING COUNT(" B ".\"id\") >= $1 ORDER BY " A ".\"name\" ASC",
        NULL);
    cr_assert_str_eq(rows_text(qs), "author__name=George Orwell n=3; author__name=Jane Austen n=3");
}

/* values() after the annotation: the SELECT lists fields, then annotations
 * (Django's order), while each row keeps the order values() asked for. */
Test(grouping, values_of_annotations) {
    dorm_qs *qs = dorm_order_by(
        dorm_values(dorm_annotate(dorm_values(books(), "genre"), DAS("n", DCount("id"))), "n", "genre"), "genre");
    expect_sql(qs,
               "SELECT " B ".\"genre\", COUNT(" B ".\"id\") AS \"n\" FROM " B " GROUP BY " B ".\"genre\" ORDER BY " B
               ".\"genre\" ASC",
               NULL, NULL);
    cr_assert_str_eq(rows_text(qs), "n=6 genre=FIC; n=1 genre=HIS; n=1 genre=NON");
    /* An annotated QuerySet of objects keeps grouping by the object (every
     * field, or the key standing for them where the backend allows it). */
    qs = dorm_order_by(dorm_values(dorm_annotate(authors(), DAS("n", DCount("books"))), "name", "n"), "name");
    expect_sql(qs,
               "SELECT " A ".\"name\", COUNT(" B ".\"id\") AS \"n\" FROM " A " LEFT OUTER JOIN " B " ON (" A
               ".\"id\" = " B ".\"author_id\") GROUP BY " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A
               ".\"biography\" ORDER BY " A ".\"name\" ASC",
               "SELECT " A ".\"name\", COUNT(" B ".\"id\") AS \"n\" FROM " A " LEFT OUTER JOIN " B " ON (" A
               ".\"id\" = " B ".\"author_id\") GROUP BY " A ".\"id\" ORDER BY " A ".\"name\" ASC",
               "SELECT " A ".\"name\", COUNT(" B ".\"id\") AS \"n\" FROM " A " LEFT OUTER JOIN " B " ON (" A
               ".\"id\" = " B ".\"author_id\") GROUP BY " A ".\"id\" ORDER BY " A ".\"name\" ASC");
    cr_assert_str_eq(rows_text(qs), "name=George Orwell n=3; name=J.R.R. Tolkien n=2; name=Jane Austen n=3");
    qs = dorm_order_by(dorm_values_flat(dorm_annotate(authors(), DAS("n", DCount("books"))), "n"), "n");
    cr_assert_str_eq(rows_text(qs), "n=2; n=3; n=3");
    /* A non-aggregate annotation in values(), no GROUP BY. */
    qs = dorm_slice(
        dorm_order_by(dorm_values(dorm_annotate(books(), DAS("d", dorm_mul(dorm_F("pages"), 2))), "genre", "d"), "d"),
        0, 2);
    expect_sql(qs, "SELECT " B ".\"genre\", (" B ".\"pages\" * ?) AS \"d\" FROM " B " ORDER BY \"d\" ASC LIMIT 2", NULL,
               NULL);
    cr_assert_str_eq(rows_text(qs), "genre=FIC d=224; genre=NON d=256");
    /* values() with no fields: every field, then the annotations. */
    qs = dorm_filter(dorm_qs_values(dorm_annotate(authors(), DAS("n", DCount("books"))), NULL),
                     DQ("name", "J.R.R. Tolkien"));
    cr_assert_str_eq(rows_text(qs), "id=3 name=J.R.R. Tolkien birth_date=<7> biography= n=2");
}

/* Grouping by an expression: the expression is written again in GROUP BY
 * (a transform in values(), an annotation chosen by values()).  With $n
 * placeholders the repetition binds the same parameters: PostgreSQL must
 * see the SELECT's expression in the GROUP BY (psycopg2 pastes the values
 * into Django's SQL, so both copies read alike there). */
Test(grouping, group_by_expressions) {
    dorm_qs *qs = dorm_order_by(dorm_annotate(dorm_values(books(), "publication_date__year"), DAS("n", DCount("id"))),
                                "publication_date__year");
    expect_sql(qs,
               "SELECT dorm_extract('year', " B ".\"publication_date\"), COUNT(" B ".\"id\") AS \"n\" FROM " B
               " GROUP BY dorm_extract('year', " B ".\"publication_date\") ORDER BY dorm_extract('year', " B
               ".\"publication_date\") ASC",
               "SELECT EXTRACT('year' FROM " B ".\"publication_date\"), COUNT(" B ".\"id\") AS \"n\" FROM " B
               " GROUP BY EXTRACT('year' FROM " B ".\"publication_date\") ORDER BY EXTRACT('year' FROM " B
               ".\"publication_date\") ASC",
               "SELECT EXTRACT(YEAR FROM " B ".\"publication_date\"), COUNT(" B ".\"id\") AS \"n\" FROM " B
               " GROUP BY EXTRACT(YEAR FROM " B ".\"publication_date\") ORDER BY EXTRACT(YEAR FROM " B
               ".\"publication_date\") ASC");
    cr_assert_eq(dorm_len(qs), 8);
    const dorm_expr *size = DCase(DWhen(DQ("pages__gte", 400), DValue("long")), DDefault(DValue("short")));
    qs = dorm_order_by(
        dorm_annotate(dorm_values(dorm_annotate(books(), DAS("size", size)), "size"), DAS("n", DCount("id"))), "size");
    expect_sql(qs,
               "SELECT CASE WHEN " B ".\"pages\" >= ? THEN ? ELSE ? END AS \"size\", COUNT(" B
               ".\"id\") AS \"n\" FROM " B " GROUP BY CASE WHEN " B ".\"pages\" >= ? THEN ? ELSE ? END ORDER BY "
               "\"size\" ASC",
               "SELECT CASE WHEN " B ".\"pages\" >= $1 THEN $2::varchar ELSE $3::varchar END AS \"size\", COUNT(" B
               ".\"id\") AS \"n\" FROM " B " GROUP BY CASE WHEN " B
               ".\"pages\" >= $1 THEN $2::varchar ELSE $3::varchar END ORDER BY \"size\" ASC",
               NULL);
    cr_assert_str_eq(rows_text(qs), "size=long n=2; size=short n=6");
}

/* alias(): usable in filter() and order_by(), never selected (Django 3.2). */
Test(grouping, alias_is_not_selected) {
    dorm_qs *qs = dorm_order_by(dorm_filter(dorm_alias(authors(), DAS("n", DCount("books"))), DQ("n__gte", 3)), "name");
    expect_sql(qs,
               "SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\" FROM " A
               " LEFT OUTER JOIN " B " ON (" A ".\"id\" = " B ".\"author_id\") GROUP BY " A ".\"id\", " A
               ".\"name\", " A ".\"birth_date\", " A ".\"biography\" HAVING COUNT(" B ".\"id\") >= ? ORDER BY " A
               ".\"name\" ASC",
               "SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\" FROM " A
               " LEFT OUTER JOIN " B " ON (" A ".\"id\" = " B ".\"author_id\") GROUP BY " A ".\"id\" HAVING COUNT(" B
               ".\"id\") >= $1 ORDER BY " A ".\"name\" ASC",
               "SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\" FROM " A
               " LEFT OUTER JOIN " B " ON (" A ".\"id\" = " B ".\"author_id\") GROUP BY " A ".\"id\" HAVING COUNT(" B
               ".\"id\") >= ? ORDER BY " A ".\"name\" ASC");
    size_t n;
    Author **a = (Author **)dorm_list(qs, &n);
    cr_assert_not_null(a, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(n, 2);
    cr_assert_str_eq(a[0]->name, "George Orwell");
    cr_assert_str_eq(a[1]->name, "Jane Austen");
    cr_assert_null(dorm_annotation(a[0], "n"), "an alias is no annotation of the objects");
    /* Ordered by an alias: its expression. */
    qs = dorm_order_by(dorm_alias(authors(), DAS("n", DCount("books"))), "-n", "name");
    expect_sql(qs,
               "SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\" FROM " A
               " LEFT OUTER JOIN " B " ON (" A ".\"id\" = " B ".\"author_id\") GROUP BY " A ".\"id\", " A
               ".\"name\", " A ".\"birth_date\", " A ".\"biography\" ORDER BY COUNT(" B ".\"id\") DESC, " A
               ".\"name\" ASC",
               "SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\" FROM " A
               " LEFT OUTER JOIN " B " ON (" A ".\"id\" = " B ".\"author_id\") GROUP BY " A ".\"id\" ORDER BY COUNT(" B
               ".\"id\") DESC, " A ".\"name\" ASC",
               "SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\" FROM " A
               " LEFT OUTER JOIN " B " ON (" A ".\"id\" = " B ".\"author_id\") GROUP BY " A ".\"id\" ORDER BY COUNT(" B
               ".\"id\") DESC, " A ".\"name\" ASC");
    a = (Author **)dorm_list(qs, &n);
    cr_assert_eq(n, 3);
    cr_assert_str_eq(a[2]->name, "J.R.R. Tolkien");
    /* A later annotation may use it. */
    qs = dorm_order_by(
        dorm_annotate(dorm_alias(authors(), DAS("n", DCount("books"))), DAS("twice", dorm_mul(dorm_F("n"), 2))),
        "name");
    a = (Author **)dorm_list(qs, &n);
    cr_assert_not_null(a, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_annotation(a[0], "twice")->u.i, 6);
    /* values() cannot select one (Django's FieldError). */
    qs = dorm_values(dorm_alias(authors(), DAS("n", DCount("books"))), "name", "n");
    cr_assert_eq(dorm_qs_errcode(qs), DORM_EFIELD);
    cr_assert_str_eq(dorm_qs_errmsg(qs), "Cannot select the 'n' alias. Use annotate() to promote it.");
}

/* values() and annotate() in either order no longer fail; a name values()
 * selects may be reused as an annotation alias (Django checks _fields). */
Test(grouping, annotation_names_in_values_mode) {
    dorm_qs *qs = dorm_annotate(dorm_values(books(), "genre"), DAS("pages", DSum("pages")));
    cr_assert_eq(dorm_qs_errcode(qs), DORM_OK, "%s", dorm_qs_errmsg(qs));
    qs = dorm_annotate(dorm_values(books(), "genre"), DAS("genre", DCount("id")));
    cr_assert_eq(dorm_qs_errcode(qs), DORM_EVALUE);
    cr_assert_str_eq(dorm_qs_errmsg(qs), "The annotation 'genre' conflicts with a field on the model.");
}

/* A Case whose condition is on an aggregate annotation is an aggregate
 * itself (Django's When counts its condition): not grouped by, which both
 * databases refuse ("aggregate functions are not allowed in GROUP BY"). */
Test(grouping, case_on_an_aggregate_is_not_grouped_by) {
    dorm_qs *qs = dorm_values_list(
        dorm_order_by(
            dorm_annotate(authors(), DAS("n", DCount("books")),
                          DAS("tier", DCase(DWhen(DQ("n__gte", 3), DValue("many")), DDefault(DValue("few"))))),
            "name"),
        "name", "tier");
    const char *sql = dorm_qs_sql(qs, NULL);
    cr_assert_not_null(sql, "%s", dorm_qs_errmsg(qs));
    const char *group = strstr(sql, " GROUP BY ");
    cr_assert_not_null(group, "%s", sql);
    cr_expect_null(strstr(group, "CASE"), "%s", sql);
    /* MariaDB: the key alone, as Django (allows_group_by_pk). */
    if (test_db_on_mysql()) cr_expect(strstr(group, " GROUP BY `library_author`.`id` ORDER BY"), "%s", sql);
    cr_expect_str_eq(rows_text(qs),
                     "name=George Orwell tier=many; name=J.R.R. Tolkien tier=few; name=Jane Austen tier=many");
}
