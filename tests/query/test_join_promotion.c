/* test_join_promotion.c - INNER or LEFT OUTER exactly as Django 3.2 chooses
 * them (its JoinPromoter: OR votes, NOT, isnull, nullable chains, demotion
 * by a later AND), checked against the SQL Django prints for the same
 * models and queries (FROM ... onwards, parameters as ?). */
#include <criterion/criterion.h>
#include <string.h>

#include "jp_models.h"
#include "testdb.h"

TestSuite(join_promotion, .init = test_db_open_jp, .fini = test_db_close);

/* The SQL from FROM on, in SQLite's spelling. */
static const char *from_part(dorm_qs *qs) {
    const char *sql = test_sql_std(dorm_qs_sql(qs, NULL));
    const char *from = strstr(sql, " FROM ");
    cr_assert_not_null(from, "%s", sql);
    return from + 6;
}

#define EXPECT(qs, sql)                                          \
    do {                                                         \
        const char *got_ = from_part(qs);                        \
        cr_expect_str_eq(got_, sql, "%s\n  got: %s", #qs, got_); \
    } while (0)

Test(join_promotion, as_django) {
    dorm_qs *B = dorm_all(T.cx, Volume), *A = dorm_all(T.cx, Writer);
    /* B.filter(editor__name='x') */
    EXPECT(dorm_filter(B, DQ("editor__name", "x")),
           "\"jp_book\" INNER JOIN \"jp_author\" ON (\"jp_book\".\"editor_id\" = \"jp_author\".\"id\") WHERE "
           "\"jp_author\".\"name\" = ?");
    /* B.filter(Q(editor__name='x')|Q(title='y')) */
    EXPECT(dorm_filter(B, dorm_or(DQ("editor__name", "x"), DQ("title", "y"))),
           "\"jp_book\" LEFT OUTER JOIN \"jp_author\" ON (\"jp_book\".\"editor_id\" = \"jp_author\".\"id\") WHERE "
           "(\"jp_author\".\"name\" = ? OR \"jp_book\".\"title\" = ?)");
    /* B.filter(Q(author__name='x')|Q(title='y')) */
    EXPECT(dorm_filter(B, dorm_or(DQ("author__name", "x"), DQ("title", "y"))),
           "\"jp_book\" INNER JOIN \"jp_author\" ON (\"jp_book\".\"author_id\" = \"jp_author\".\"id\") WHERE "
           "(\"jp_author\".\"name\" = ? OR \"jp_book\".\"title\" = ?)");
    /* B.filter(Q(editor__name='x')|Q(editor__name='y')) */
    EXPECT(dorm_filter(B, dorm_or(DQ("editor__name", "x"), DQ("editor__name", "y"))),
           "\"jp_book\" INNER JOIN \"jp_author\" ON (\"jp_book\".\"editor_id\" = \"jp_author\".\"id\") WHERE "
           "(\"jp_author\".\"name\" = ? OR \"jp_author\".\"name\" = ?)");
    /* B.exclude(editor__name='x') */
    EXPECT(dorm_exclude(B, DQ("editor__name", "x")),
           "\"jp_book\" LEFT OUTER JOIN \"jp_author\" ON (\"jp_book\".\"editor_id\" = \"jp_author\".\"id\") WHERE NOT "
           "(\"jp_author\".\"name\" = ? AND \"jp_author\".\"name\" IS NOT NULL)");
    /* B.filter(editor__isnull=True) */
    EXPECT(dorm_filter(B, DQ("editor__isnull", true)), "\"jp_book\" WHERE \"jp_book\".\"editor_id\" IS NULL");
    /* B.filter(editor__name__isnull=True) */
    EXPECT(dorm_filter(B, DQ("editor__name__isnull", true)),
           "\"jp_book\" LEFT OUTER JOIN \"jp_author\" ON (\"jp_book\".\"editor_id\" = \"jp_author\".\"id\") WHERE "
           "\"jp_author\".\"name\" IS NULL");
    /* B.filter(editor__mentor__name='x') */
    EXPECT(dorm_filter(B, DQ("editor__mentor__name", "x")),
           "\"jp_book\" INNER JOIN \"jp_author\" ON (\"jp_book\".\"editor_id\" = \"jp_author\".\"id\") INNER JOIN "
           "\"jp_author\" T3 ON (\"jp_author\".\"mentor_id\" = T3.\"id\") WHERE T3.\"name\" = ?");
    /* B.filter(Q(editor__mentor__name='x')|Q(pages=1)) */
    EXPECT(dorm_filter(B, dorm_or(DQ("editor__mentor__name", "x"), DQ("pages", 1))),
           "\"jp_book\" LEFT OUTER JOIN \"jp_author\" ON (\"jp_book\".\"editor_id\" = \"jp_author\".\"id\") LEFT OUTER "
           "JOIN \"jp_author\" T3 ON (\"jp_author\".\"mentor_id\" = T3.\"id\") WHERE (T3.\"name\" = ? OR "
           "\"jp_book\".\"pages\" = ?)");
    /* B.filter(Q(editor__name='x')|Q(title='y'), editor__name='z') */
    EXPECT(dorm_filter(B, dorm_or(DQ("editor__name", "x"), DQ("title", "y")), DQ("editor__name", "z")),
           "\"jp_book\" INNER JOIN \"jp_author\" ON (\"jp_book\".\"editor_id\" = \"jp_author\".\"id\") WHERE "
           "((\"jp_author\".\"name\" = ? OR \"jp_book\".\"title\" = ?) AND \"jp_author\".\"name\" = ?)");
    /* B.filter(Q(editor__name='x')|Q(title='y')).filter(editor__name='z') */
    EXPECT(dorm_filter(dorm_filter(B, dorm_or(DQ("editor__name", "x"), DQ("title", "y"))), DQ("editor__name", "z")),
           "\"jp_book\" INNER JOIN \"jp_author\" ON (\"jp_book\".\"editor_id\" = \"jp_author\".\"id\") WHERE "
           "((\"jp_author\".\"name\" = ? OR \"jp_book\".\"title\" = ?) AND \"jp_author\".\"name\" = ?)");
    /* B.order_by('editor__name') */
    EXPECT(dorm_order_by(B, "editor__name"),
           "\"jp_book\" LEFT OUTER JOIN \"jp_author\" ON (\"jp_book\".\"editor_id\" = \"jp_author\".\"id\") ORDER BY "
           "\"jp_author\".\"name\" ASC");
    /* B.filter(~Q(editor__name='x')) */
    EXPECT(dorm_filter(B, dorm_not(DQ("editor__name", "x"))),
           "\"jp_book\" LEFT OUTER JOIN \"jp_author\" ON (\"jp_book\".\"editor_id\" = \"jp_author\".\"id\") WHERE NOT "
           "(\"jp_author\".\"name\" = ? AND \"jp_author\".\"name\" IS NOT NULL)");
    /* B.filter(Q(editor__name='x'), Q(author__name='y')): C conditions keep their order
     * (Django sorts keyword arguments, not positional Q objects). */
    EXPECT(dorm_filter(B, DQ("editor__name", "x"), DQ("author__name", "y")),
           "\"jp_book\" INNER JOIN \"jp_author\" ON (\"jp_book\".\"editor_id\" = \"jp_author\".\"id\") INNER JOIN "
           "\"jp_author\" T3 ON (\"jp_book\".\"author_id\" = T3.\"id\") WHERE (\"jp_author\".\"name\" = ? AND "
           "T3.\"name\" = ?)");
    /* A.filter(books__title='x') */
    EXPECT(dorm_filter(A, DQ("books__title", "x")),
           "\"jp_author\" INNER JOIN \"jp_book\" ON (\"jp_author\".\"id\" = \"jp_book\".\"author_id\") WHERE "
           "\"jp_book\".\"title\" = ?");
    /* A.filter(Q(books__title='x')|Q(name='y')) */
    EXPECT(dorm_filter(A, dorm_or(DQ("books__title", "x"), DQ("name", "y"))),
           "\"jp_author\" LEFT OUTER JOIN \"jp_book\" ON (\"jp_author\".\"id\" = \"jp_book\".\"author_id\") WHERE "
           "(\"jp_book\".\"title\" = ? OR \"jp_author\".\"name\" = ?)");
    /* A.filter(books__isnull=True) */
    EXPECT(dorm_filter(A, DQ("books__isnull", true)),
           "\"jp_author\" LEFT OUTER JOIN \"jp_book\" ON (\"jp_author\".\"id\" = \"jp_book\".\"author_id\") WHERE "
           "\"jp_book\".\"id\" IS NULL");
    /* A.filter(mentor__mentor__name='x') */
    EXPECT(dorm_filter(A, DQ("mentor__mentor__name", "x")),
           "\"jp_author\" INNER JOIN \"jp_author\" T2 ON (\"jp_author\".\"mentor_id\" = T2.\"id\") INNER JOIN "
           "\"jp_author\" T3 ON (T2.\"mentor_id\" = T3.\"id\") WHERE T3.\"name\" = ?");
    /* A.filter(Q(mentor__name='x')|Q(mentor__isnull=True)) */
    EXPECT(dorm_filter(A, dorm_or(DQ("mentor__name", "x"), DQ("mentor__isnull", true))),
           "\"jp_author\" LEFT OUTER JOIN \"jp_author\" T2 ON (\"jp_author\".\"mentor_id\" = T2.\"id\") WHERE "
           "(T2.\"name\" = ? OR \"jp_author\".\"mentor_id\" IS NULL)");
    /* B.filter(Q(editor__name='x')&Q(title='y')|Q(pages=2)) */
    EXPECT(dorm_filter(B, dorm_or(dorm_and(DQ("editor__name", "x"), DQ("title", "y")), DQ("pages", 2))),
           "\"jp_book\" LEFT OUTER JOIN \"jp_author\" ON (\"jp_book\".\"editor_id\" = \"jp_author\".\"id\") WHERE "
           "((\"jp_author\".\"name\" = ? AND \"jp_book\".\"title\" = ?) OR \"jp_book\".\"pages\" = ?)");
    /* B.values('title','editor__name') */
    EXPECT(dorm_values(B, "title", "editor__name"),
           "\"jp_book\" LEFT OUTER JOIN \"jp_author\" ON (\"jp_book\".\"editor_id\" = \"jp_author\".\"id\")");
    /* B.filter(editor__isnull=False) */
    EXPECT(dorm_filter(B, DQ("editor__isnull", false)), "\"jp_book\" WHERE \"jp_book\".\"editor_id\" IS NOT NULL");
    /* B.filter(editor__mentor__isnull=True) */
    EXPECT(dorm_filter(B, DQ("editor__mentor__isnull", true)),
           "\"jp_book\" LEFT OUTER JOIN \"jp_author\" ON (\"jp_book\".\"editor_id\" = \"jp_author\".\"id\") WHERE "
           "\"jp_author\".\"mentor_id\" IS NULL");
    /* A.filter(Q(books__title='x')|Q(books__title='y')) */
    EXPECT(dorm_filter(A, dorm_or(DQ("books__title", "x"), DQ("books__title", "y"))),
           "\"jp_author\" INNER JOIN \"jp_book\" ON (\"jp_author\".\"id\" = \"jp_book\".\"author_id\") WHERE "
           "(\"jp_book\".\"title\" = ? OR \"jp_book\".\"title\" = ?)");
    /* A.filter(Q(books__title='x')|Q(books__editor__name='y')) */
    EXPECT(dorm_filter(A, dorm_or(DQ("books__title", "x"), DQ("books__editor__name", "y"))),
           "\"jp_author\" INNER JOIN \"jp_book\" ON (\"jp_author\".\"id\" = \"jp_book\".\"author_id\") LEFT OUTER JOIN "
           "\"jp_author\" T3 ON (\"jp_book\".\"editor_id\" = T3.\"id\") WHERE (\"jp_book\".\"title\" = ? OR "
           "T3.\"name\" = ?)");
    /* B.filter(~(Q(editor__name='x')|Q(title='y'))) */
    EXPECT(dorm_filter(B, dorm_not(dorm_or(DQ("editor__name", "x"), DQ("title", "y")))),
           "\"jp_book\" LEFT OUTER JOIN \"jp_author\" ON (\"jp_book\".\"editor_id\" = \"jp_author\".\"id\") WHERE NOT "
           "(((\"jp_author\".\"name\" = ? AND \"jp_author\".\"name\" IS NOT NULL) OR \"jp_book\".\"title\" = ?))");
    /* B.order_by('editor__name').filter(Q(editor__name='x')|Q(editor__name='y')) */
    EXPECT(dorm_filter(dorm_order_by(B, "editor__name"), dorm_or(DQ("editor__name", "x"), DQ("editor__name", "y"))),
           "\"jp_book\" INNER JOIN \"jp_author\" ON (\"jp_book\".\"editor_id\" = \"jp_author\".\"id\") WHERE "
           "(\"jp_author\".\"name\" = ? OR \"jp_author\".\"name\" = ?) ORDER BY \"jp_author\".\"name\" ASC");
    /* B.filter(editor__name='z').filter(Q(editor__name='x')|Q(title='y')) */
    EXPECT(dorm_filter(dorm_filter(B, DQ("editor__name", "z")), dorm_or(DQ("editor__name", "x"), DQ("title", "y"))),
           "\"jp_book\" INNER JOIN \"jp_author\" ON (\"jp_book\".\"editor_id\" = \"jp_author\".\"id\") WHERE "
           "(\"jp_author\".\"name\" = ? AND (\"jp_author\".\"name\" = ? OR \"jp_book\".\"title\" = ?))");
    /* B.filter(Q(editor__name='x')|Q(title='y'), editor__name='z') in the other order */
    EXPECT(dorm_filter(B, DQ("editor__name", "z"), dorm_or(DQ("editor__name", "x"), DQ("title", "y"))),
           "\"jp_book\" INNER JOIN \"jp_author\" ON (\"jp_book\".\"editor_id\" = \"jp_author\".\"id\") WHERE "
           "(\"jp_author\".\"name\" = ? AND (\"jp_author\".\"name\" = ? OR \"jp_book\".\"title\" = ?))");
}
