/* test_selrel_annotate.c - select_related() with annotate(): Django 3.2
 * selects the annotations after the model's own columns and before the
 * related models' (and groups by them in that order), on SQLite, PostgreSQL
 * and MariaDB; the objects and annotation values read from those columns. */
#include <criterion/criterion.h>
#include <string.h>

#include "testdb.h"

static void catalogue(void) {
    test_db_open();
    test_db_catalogue();
}

TestSuite(selrel_annotate, .init = catalogue, .fini = test_db_close);

#define A "\"library_author\""
#define B "\"library_book\""
#define E "\"library_everything\""
#define BOOK_COLS                                                                                                      \
    B ".\"id\", " B ".\"title\", " B ".\"author_id\", " B ".\"publication_date\", " B ".\"isbn\", " B ".\"genre\", " B \
      ".\"pages\""
#define AUTHOR_COLS A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\""
#define FROM_BOOKS " FROM " B " INNER JOIN " A " ON (" B ".\"author_id\" = " A ".\"id\")"
#define AUTHORS_BOOKS " LEFT OUTER JOIN " B " T3 ON (" A ".\"id\" = T3.\"author_id\")"
#define BY_TITLE " ORDER BY " B ".\"title\" ASC"

static dorm_qs *books_with_authors(void) {
    return dorm_order_by(dorm_select_related(dorm_all(T.cx, Book), "author"), "title");
}

/* Each author's number of books in the catalogue. */
static int64_t books_of(const char *author) {
    return strcmp(author, "Jane Austen") == 0 || strcmp(author, "George Orwell") == 0 ? 3 : 2;
}

/* The rows of qs: every book with its author (from the joined columns),
 * and the annotations x = pages + 1 and n = the author's books when
 * asked for. */
static void expect_books(const char *name, dorm_qs *qs, bool x, bool n) {
    size_t count = 0;
    Book **rows = (Book **)dorm_list(qs, &count);
    cr_assert_not_null(rows, "%s: %s", name, dorm_errmsg(T.cx));
    cr_assert_eq(count, 8, "%s", name);
    cr_expect_str_eq(rows[0]->title, "1984", "%s", name);
    for (size_t i = 0; i < count; i++) {
        const Book *b = rows[i];
        cr_assert_not_null(b->author.obj, "%s: %s", name, b->title);
        cr_expect_eq(b->author.obj->id, b->author.id, "%s: %s", name, b->title);
        bool orwell = strcmp(b->title, "1984") == 0 || strcmp(b->title, "Animal Farm") == 0;
        if (orwell) cr_expect_str_eq(b->author.obj->name, "George Orwell", "%s", name);
        cr_expect_eq(b->author.obj->birth_date.year > 1700, true, "%s: %s", name, b->title);
        if (x) {
            const dorm_value *v = dorm_annotation(b, "x");
            cr_assert_not_null(v, "%s", name);
            cr_expect_eq(v->u.i, b->pages + 1, "%s: %s", name, b->title);
        }
        if (n) {
            const dorm_value *v = dorm_annotation(b, "n");
            cr_assert_not_null(v, "%s", name);
            cr_expect_eq(v->u.i, books_of(b->author.obj->name), "%s: %s", name, b->title);
        }
    }
}

Test(selrel_annotate, aggregate) {
    dorm_qs *qs = dorm_annotate(books_with_authors(), DAS("n", DCount("author__books")));
    test_expect_qs_sql("count", qs,
                       "SELECT " BOOK_COLS ", COUNT(T3.\"id\") AS \"n\", " AUTHOR_COLS FROM_BOOKS AUTHORS_BOOKS
                       " GROUP BY " BOOK_COLS ", " AUTHOR_COLS BY_TITLE,
                       "SELECT " BOOK_COLS ", COUNT(T3.\"id\") AS \"n\", " AUTHOR_COLS FROM_BOOKS AUTHORS_BOOKS
                       " GROUP BY " B ".\"id\", " A ".\"id\"" BY_TITLE,
                       "SELECT " BOOK_COLS ", COUNT(T3.\"id\") AS \"n\", " AUTHOR_COLS FROM_BOOKS AUTHORS_BOOKS
                       " GROUP BY " B ".\"id\"" BY_TITLE);
    expect_books("count", qs, false, true);
}

/* An expression x = pages + 1, written or through an alias(), which is not
 * selected: the related columns follow x. */
Test(selrel_annotate, expression) {
    const char *sql = "SELECT " BOOK_COLS ", (" B ".\"pages\" + ?) AS \"x\", " AUTHOR_COLS FROM_BOOKS BY_TITLE;
    dorm_qs *written = dorm_annotate(books_with_authors(), DAS("x", dorm_add(dorm_F("pages"), 1)));
    dorm_qs *aliased =
        dorm_annotate(dorm_alias(books_with_authors(), DAS("y", dorm_F("pages"))), DAS("x", dorm_add(dorm_F("y"), 1)));
    test_expect_qs_sql("expr", written, sql, NULL, NULL);
    test_expect_qs_sql("alias", aliased, sql, NULL, NULL);
    expect_books("expr", written, true, false);
    expect_books("alias", aliased, true, false);
}

/* PostgreSQL's GROUP BY repeats the selected expression's $1 (server-side
 * parameters: two would be two expressions; docs/design.md). */
Test(selrel_annotate, expression_and_aggregate) {
    dorm_qs *qs =
        dorm_annotate(books_with_authors(), DAS("x", dorm_add(dorm_F("pages"), 1)), DAS("n", DCount("author__books")));
    test_expect_qs_sql("both", qs,
                       "SELECT " BOOK_COLS ", (" B
                       ".\"pages\" + ?) AS \"x\", COUNT(T3.\"id\") AS \"n\", " AUTHOR_COLS FROM_BOOKS AUTHORS_BOOKS
                       " GROUP BY " BOOK_COLS ", (" B ".\"pages\" + ?), " AUTHOR_COLS BY_TITLE,
                       "SELECT " BOOK_COLS ", (" B
                       ".\"pages\" + $1) AS \"x\", COUNT(T3.\"id\") AS \"n\", " AUTHOR_COLS FROM_BOOKS AUTHORS_BOOKS
                       " GROUP BY " B ".\"id\", (" B ".\"pages\" + $1), " A ".\"id\"" BY_TITLE,
                       "SELECT " BOOK_COLS ", (" B
                       ".\"pages\" + ?) AS \"x\", COUNT(T3.\"id\") AS \"n\", " AUTHOR_COLS FROM_BOOKS AUTHORS_BOOKS
                       " GROUP BY " B ".\"id\"" BY_TITLE);
    expect_books("both", qs, true, true);
}

/* values() selects no related columns, with select_related or without. */
Test(selrel_annotate, values) {
    dorm_qs *qs = dorm_values(dorm_annotate(books_with_authors(), DAS("n", DCount("author__books"))), "title", "n");
    test_expect_qs_sql(
        "values", qs,
        "SELECT " B ".\"title\", COUNT(T3.\"id\") AS \"n\"" FROM_BOOKS AUTHORS_BOOKS " GROUP BY " BOOK_COLS BY_TITLE,
        "SELECT " B ".\"title\", COUNT(T3.\"id\") AS \"n\"" FROM_BOOKS AUTHORS_BOOKS " GROUP BY " B ".\"id\"" BY_TITLE,
        "SELECT " B ".\"title\", COUNT(T3.\"id\") AS \"n\"" FROM_BOOKS AUTHORS_BOOKS " GROUP BY " B ".\"id\"" BY_TITLE);
    size_t count = 0;
    const dorm_row **rows = dorm_rows(qs, &count);
    cr_assert_not_null(rows, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(count, 8);
    cr_expect_str_eq(dorm_row_get(rows[0], "title")->u.s, "1984");
    cr_expect_eq(dorm_row_get(rows[0], "n")->u.i, 3);
}

/* A nullable key: LEFT OUTER JOIN, and no related object where it found no
 * row, its key read after the annotation. */
Test(selrel_annotate, nullable_relation) {
    Author *orwell = dorm_get(dorm_all(T.cx, Author), DQ("name", "George Orwell"));
    cr_assert_not_null(orwell, "%s", dorm_errmsg(T.cx));
    cr_assert_not_null(dorm_create(T.cx, Everything, .char_f = "a", .maybe_author = {orwell->id, NULL}), "%s",
                       dorm_errmsg(T.cx));
    cr_assert_not_null(dorm_create(T.cx, Everything, .char_f = "b"), "%s", dorm_errmsg(T.cx));
    dorm_qs *qs =
        dorm_annotate(dorm_order_by(dorm_select_related(dorm_all(T.cx, Everything), "maybe_author"), "char_f"),
                      DAS("up", DUpper("char_f")));
    size_t count = 0;
    Everything **rows = (Everything **)dorm_list(qs, &count);
    cr_assert_not_null(rows, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(count, 2);
    cr_assert_not_null(rows[0]->maybe_author.obj);
    cr_expect_str_eq(rows[0]->maybe_author.obj->name, "George Orwell");
    cr_expect_str_eq(dorm_annotation(rows[0], "up")->u.s, "A");
    cr_expect_null(rows[1]->maybe_author.obj);
    cr_expect_str_eq(dorm_annotation(rows[1], "up")->u.s, "B");
    const char *sql = dorm_qs_sql(qs, NULL);
    cr_assert_not_null(sql, "%s", dorm_errmsg(T.cx));
    const char *up = strstr(sql, " AS \"up\""), *author = strstr(sql, "\"library_author\".\"id\"");
    if (test_db_on_mysql()) up = strstr(sql, " AS `up`"), author = strstr(sql, "`library_author`.`id`");
    cr_expect(up && author && up < author, "the annotation before the related columns: %s", sql);
}
