/* test_ordering.c - ordering by a relation (its Meta.ordering, or its key
 * when it has none) and DISTINCT with an ordering it does not select, which
 * Django answers by selecting the ordering terms too: the SQL Django 3.2
 * writes, and the rows it returns on every backend. */
#include <criterion/criterion.h>
#include <string.h>

#include "dorm/sys/driver.h"
#include "jp_models.h"
#include "testdb.h"

/* Writers b (mentor a) and a; volumes by b, a, b edited by a. */
static void open_jp(void) {
    test_db_open_jp();
    Writer *b = dorm_create(T.cx, Writer, .name = "b");
    Writer *a = dorm_create(T.cx, Writer, .name = "a");
    cr_assert(a && b, "%s", dorm_errmsg(T.cx));
    b->mentor.id = a->id;
    b->mentor.obj = a;
    cr_assert_eq(dorm_save(b), 0, "%s", dorm_errmsg(T.cx));
    cr_assert_not_null(dorm_create(T.cx, Volume, .title = "v1", .author = {b->id, b}, .pages = 1));
    cr_assert_not_null(dorm_create(T.cx, Volume, .title = "v2", .author = {a->id, a}, .pages = 2));
    cr_assert_not_null(
        dorm_create(T.cx, Volume, .title = "v3", .author = {b->id, b}, .editor = {a->id, a}, .pages = 3));
}

/* The SQL of qs in SQLite's spelling. */
static const char *sql_of(dorm_qs *qs) { return test_sql_std(dorm_qs_sql(qs, NULL)); }

/* The titles of qs, in order, joined by spaces. */
static const char *titles(dorm_qs *qs) {
    size_t n;
    void **all = dorm_list(qs, &n);
    cr_assert_not_null(all, "%s", dorm_errmsg(T.cx));
    dorm_buf b = DORM_BUF_INIT;
    for (size_t i = 0; i < n; i++) dorm_buf_printf(&b, "%s%s", i ? " " : "", ((Volume *)all[i])->title);
    const char *s = dorm_strdup(T.cx, b.data ? b.data : "");
    dorm_buf_free(&b);
    return s;
}

#define VOLUME_COLUMNS                                                                                         \
    "SELECT \"jp_book\".\"id\", \"jp_book\".\"title\", \"jp_book\".\"author_id\", \"jp_book\".\"editor_id\", " \
    "\"jp_book\".\"pages\" FROM \"jp_book\""

TestSuite(order_by_relation, .init = open_jp, .fini = test_db_close);

/* Django 3.2: a relation to a model without Meta.ordering orders by the key
 * column, with no join. */
Test(order_by_relation, without_meta_ordering_orders_by_the_key) {
    dorm_qs *v = dorm_all(T.cx, Volume);
    cr_assert_str_eq(sql_of(dorm_order_by(v, "author")), VOLUME_COLUMNS " ORDER BY \"jp_book\".\"author_id\" ASC");
    cr_assert_str_eq(sql_of(dorm_order_by(v, "-author")), VOLUME_COLUMNS " ORDER BY \"jp_book\".\"author_id\" DESC");
    cr_assert_str_eq(sql_of(dorm_order_by(v, "author__id")), VOLUME_COLUMNS " ORDER BY \"jp_book\".\"author_id\" ASC");
    cr_assert_str_eq(sql_of(dorm_order_by(v, "-editor")), VOLUME_COLUMNS " ORDER BY \"jp_book\".\"editor_id\" DESC");
    cr_assert_str_eq(sql_of(dorm_order_by(v, "author__mentor")),
                     VOLUME_COLUMNS " INNER JOIN \"jp_author\" ON (\"jp_book\".\"author_id\" = \"jp_author\".\"id\") "
                                    "ORDER BY \"jp_author\".\"mentor_id\" ASC");
    cr_assert_str_eq(sql_of(dorm_order_by(dorm_all(T.cx, Writer), "mentor__mentor")),
                     "SELECT \"jp_author\".\"id\", \"jp_author\".\"name\", \"jp_author\".\"mentor_id\" FROM "
                     "\"jp_author\" LEFT OUTER JOIN \"jp_author\" T2 ON (\"jp_author\".\"mentor_id\" = T2.\"id\") "
                     "ORDER BY T2.\"mentor_id\" ASC");
    /* b was created first (id 1), a second (id 2). */
    cr_assert_str_eq(titles(dorm_order_by(v, "author", "title")), "v1 v3 v2");
    cr_assert_str_eq(titles(dorm_order_by(v, "-author", "title")), "v2 v1 v3");
    cr_assert_str_eq(titles(dorm_order_by(v, "author__id", "-title")), "v3 v1 v2");
    cr_assert_str_eq(titles(dorm_order_by(v, "-author__pk", "title")), "v2 v1 v3");
}

/* A relation to a model with Meta.ordering follows it (Author: name). */
Test(distinct_ordering, relation_with_meta_ordering_follows_it) {
    test_db_catalogue();
    dorm_qs *b = dorm_all(T.cx, Book);
    const char *sql = sql_of(dorm_order_by(b, "-author", "title"));
    cr_assert(strstr(sql,
                     "INNER JOIN \"library_author\" ON (\"library_book\".\"author_id\" = \"library_author\".\"id\") "
                     "ORDER BY \"library_author\".\"name\" DESC, \"library_book\".\"title\" ASC"),
              "%s", sql);
    cr_assert(strstr(sql_of(dorm_order_by(b, "author_id")), "ORDER BY \"library_book\".\"author_id\" ASC"));
    cr_assert(strstr(sql_of(dorm_order_by(b, "author__id")), "ORDER BY \"library_book\".\"author_id\" ASC"));
    Book *first = dorm_first(dorm_order_by(b, "-author", "title"));
    cr_assert_not_null(first, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(first->title, "Emma");
}

TestSuite(distinct_ordering, .init = test_db_open, .fini = test_db_close);

#define BOOK_COLUMNS                                                                                 \
    "\"library_book\".\"id\", \"library_book\".\"title\", \"library_book\".\"author_id\", "          \
    "\"library_book\".\"publication_date\", \"library_book\".\"isbn\", \"library_book\".\"genre\", " \
    "\"library_book\".\"pages\""

/* Django 3.2's SQL for Book.objects.order_by('author__name').distinct() and
 * Book.objects.values_list('title', flat=True).distinct(). */
Test(distinct_ordering, selects_the_ordering_terms) {
    dorm_qs *b = dorm_all(T.cx, Book);
    cr_assert_str_eq(sql_of(dorm_distinct(dorm_order_by(b, "author__name"))),
                     "SELECT DISTINCT " BOOK_COLUMNS ", \"library_author\".\"name\" FROM \"library_book\" INNER JOIN "
                     "\"library_author\" ON (\"library_book\".\"author_id\" = \"library_author\".\"id\") ORDER BY "
                     "\"library_author\".\"name\" ASC");
    cr_assert_str_eq(sql_of(dorm_distinct(dorm_values_flat(b, "title"))),
                     "SELECT DISTINCT \"library_book\".\"title\", \"library_book\".\"publication_date\" FROM "
                     "\"library_book\" ORDER BY \"library_book\".\"publication_date\" DESC");
    cr_assert_str_eq(sql_of(dorm_distinct(dorm_order_by(dorm_values_flat(b, "title"), "author__name", "title"))),
                     "SELECT DISTINCT \"library_book\".\"title\", \"library_author\".\"name\" FROM \"library_book\" "
                     "INNER JOIN \"library_author\" ON (\"library_book\".\"author_id\" = \"library_author\".\"id\") "
                     "ORDER BY \"library_author\".\"name\" ASC, \"library_book\".\"title\" ASC");
    cr_assert_str_eq(sql_of(dorm_distinct(dorm_order_by(dorm_values_flat(b, "author__name"), "author__name"))),
                     "SELECT DISTINCT \"library_author\".\"name\" FROM \"library_book\" INNER JOIN \"library_author\" "
                     "ON (\"library_book\".\"author_id\" = \"library_author\".\"id\") ORDER BY "
                     "\"library_author\".\"name\" ASC");
    cr_assert_str_eq(sql_of(dorm_distinct(dorm_order_by(dorm_only(b, "title"), "-author__name"))),
                     "SELECT DISTINCT \"library_book\".\"id\", \"library_book\".\"title\", \"library_author\".\"name\" "
                     "FROM \"library_book\" INNER JOIN \"library_author\" ON (\"library_book\".\"author_id\" = "
                     "\"library_author\".\"id\") ORDER BY \"library_author\".\"name\" DESC");
    /* An aggregate's GROUP BY takes the ordering terms too (PostgreSQL
     * requires it); Django 3.2's SQL for
     * Book.objects.annotate(n=Count('id')).order_by('author__name'), which
     * on PostgreSQL and MySQL groups by the primary key and the other
     * table's term. */
    const char *group_by = test_pick(BOOK_COLUMNS, "\"library_book\".\"id\"", "\"library_book\".\"id\"");
    char want[1024];
    snprintf(want, sizeof want,
             "SELECT " BOOK_COLUMNS ", COUNT(\"library_book\".\"id\") AS \"n\" FROM \"library_book\" INNER JOIN "
             "\"library_author\" ON (\"library_book\".\"author_id\" = \"library_author\".\"id\") GROUP BY %s, "
             "\"library_author\".\"name\" ORDER BY \"library_author\".\"name\" ASC",
             group_by);
    cr_assert_str_eq(sql_of(dorm_order_by(dorm_annotate(b, DAS("n", DCount("id"))), "author__name")), want);
    cr_assert_str_eq(sql_of(dorm_distinct(dorm_order_by(dorm_all(T.cx, Author), "books__title"))),
                     "SELECT DISTINCT \"library_author\".\"id\", \"library_author\".\"name\", "
                     "\"library_author\".\"birth_date\", \"library_author\".\"biography\", \"library_book\".\"title\" "
                     "FROM \"library_author\" LEFT OUTER JOIN \"library_book\" ON (\"library_author\".\"id\" = "
                     "\"library_book\".\"author_id\") ORDER BY \"library_book\".\"title\" ASC");
}

/* The rows are Django's: distinct on the selected and the ordering columns,
 * which the rows do not show; PostgreSQL no longer refuses the query. */
Test(distinct_ordering, rows_as_django_returns_them) {
    test_db_catalogue();
    Author *austen = dorm_get(dorm_all(T.cx, Author), DQ("name", "Jane Austen"));
    cr_assert_not_null(austen, "%s", dorm_errmsg(T.cx));
    cr_assert_not_null(dorm_create(T.cx, Book, .title = "Emma", .author = {austen->id, austen},
                                   .publication_date = dorm_date_ymd(1816, 1, 1), .isbn = "x1"),
                       "%s", dorm_errmsg(T.cx));
    dorm_qs *b = dorm_all(T.cx, Book);
    size_t n;
    const dorm_row **rows = dorm_rows(dorm_distinct(dorm_values_flat(b, "title")), &n);
    cr_assert_not_null(rows, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(n, 9);
    for (size_t i = 0; i < n; i++) cr_assert_eq(rows[i]->n, 1);
    cr_assert_str_eq(rows[0]->values[0].u.s, "1984");
    /* count() drops the ordering first, as Django's does. */
    cr_assert_eq(dorm_count(dorm_distinct(dorm_values_flat(b, "title"))), 8, "%s", dorm_errmsg(T.cx));
    rows = dorm_rows(dorm_distinct(dorm_order_by(dorm_values_flat(b, "author__name"), "author__name")), &n);
    cr_assert_not_null(rows, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(n, 3);
    rows = dorm_rows(dorm_distinct(dorm_order_by(dorm_values(b, "genre"), "author__name", "genre")), &n);
    cr_assert_not_null(rows, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(n, 5, "%zu rows", n);
    cr_assert_eq(rows[0]->n, 1);
    size_t nobjs;
    void **objs = dorm_list(dorm_distinct(dorm_order_by(b, "author__name", "title")), &nobjs);
    cr_assert_not_null(objs, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(nobjs, 9);
    cr_assert_str_eq(((Book *)objs[0])->title, "1984");
    objs = dorm_list(dorm_distinct(dorm_order_by(dorm_all(T.cx, Author), "books__title")), &nobjs);
    cr_assert_not_null(objs, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(nobjs, 8);
    cr_assert_eq(dorm_count(dorm_distinct(dorm_order_by(dorm_all(T.cx, Author), "books__title"))), 3);
    objs = dorm_list(dorm_order_by(dorm_annotate(b, DAS("n", DCount("id"))), "author__name", "title"), &nobjs);
    cr_assert_not_null(objs, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(nobjs, 9);
    cr_assert_str_eq(((Book *)objs[0])->title, "1984");
}

/* Django 3.2 orders by transforms too: order_by('publication_date__month'). */
Test(distinct_ordering, by_a_transform) {
    test_db_catalogue();
    dorm_qs *b = dorm_all(T.cx, Book);
    Book *first = dorm_first(dorm_order_by(b, "-publication_date__month", "title"));
    cr_assert_not_null(first, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(first->title, "Emma");
    size_t n;
    const dorm_row **rows =
        dorm_rows(dorm_distinct(dorm_order_by(dorm_values_flat(b, "genre"), "publication_date__year")), &n);
    cr_assert_not_null(rows, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(n, 8);
    cr_assert_eq(rows[0]->n, 1);
    rows = dorm_rows(
        dorm_distinct(dorm_order_by(dorm_values_flat(b, "publication_date__year"), "publication_date__year")), &n);
    cr_assert_not_null(rows, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(n, 8);
    cr_assert_eq(rows[0]->values[0].u.i, 1813);
    const char *sql = sql_of(dorm_order_by(b, "publication_date__year"));
    cr_assert(strstr(sql, "ORDER BY ") && strstr(strstr(sql, "ORDER BY "), "\"library_book\".\"publication_date\")"),
              "%s", sql);
}
