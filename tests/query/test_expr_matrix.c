/* test_expr_matrix.c - issue 13's matrix for expressions: Case/When in
 * filter, order_by, update() and aggregates, expressions and NULLs in
 * order_by, Cast to each field kind, Now, every Trunc and Extract in a time
 * zone, each lookup and a program's aggregate: the SQL of each on SQLite,
 * PostgreSQL and MariaDB (Django 3.2's, printed by its compiler for the
 * same QuerySets, with dorm's documented spellings) and the values; and
 * the misuses of item 11 with Django's messages.  test_functions.c holds
 * the functions' rows. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "testdb.h"

static void catalogue(void) {
    test_db_open();
    test_db_catalogue();
}

TestSuite(expr_matrix, .init = catalogue, .fini = test_db_close);

static dorm_qs *books(void) { return dorm_all(T.cx, Book); }
static dorm_qs *authors(void) { return dorm_all(T.cx, Author); }

/* What qs selects: its SQL between "SELECT " and the FROM of its table
 * (not an EXTRACT's FROM a column), MariaDB's `quotes` as "quotes", in a
 * static buffer. */
static const char *select_list(dorm_qs *qs) {
    static char out[512];
    const char *sql = dorm_qs_sql(qs, NULL);
    cr_assert_not_null(sql, "%s", dorm_qs_errmsg(qs));
    if (test_db_on_mysql()) sql = test_sql_std(sql);
    const char *from = strstr(sql, " FROM \"");
    while (from && strchr(from + 7, '"')[1] == '.') from = strstr(from + 7, " FROM \"");
    cr_assert(from && strncmp(sql, "SELECT ", 7) == 0, "%s", sql);
    snprintf(out, sizeof out, "%.*s", (int)(from - sql - 7), sql + 7);
    return out;
}

/* v as text: a datetime in `zone` (NULL: UTC) as isoformat() writes it,
 * bytes as their text, the rest as Python's str(). */
static const char *value_text(const dorm_value *v, const char *zone) {
    static char out[96];
    char tmp[DORM_FMT_MAX];
    switch (v->type) {
    case DORM_T_NULL: return "None";
    case DORM_T_INT: snprintf(out, sizeof out, "%lld", (long long)v->u.i); return out;
    case DORM_T_TEXT: return v->u.s;
    case DORM_T_BYTES: snprintf(out, sizeof out, "b'%.*s'", (int)v->len, (const char *)v->u.p); return out;
    case DORM_T_UUID: dorm_uuid_format_dashed(v->u.uuid, out); return out;
    case DORM_T_DECIMAL: dorm_decimal_format(v->u.dec, out); return out;
    case DORM_T_DATETIME: {
        dorm_date d;
        dorm_time t;
        int32_t off;
        cr_assert_eq(dorm_timezone_localtime(T.cx, v->u.dt, zone, &d, &t, &off), 0, "%s", dorm_errmsg(T.cx));
        dorm_date_format(d, tmp);
        int a = (int)(off < 0 ? -off : off);
        snprintf(out, sizeof out, "%.10sT%02u:%02u:%02u%c%02d:%02d", tmp, (unsigned)t.hour % 24u,
                 (unsigned)t.minute % 60u, (unsigned)t.second % 60u, off < 0 ? '-' : '+', a / 3600 % 24, a / 60 % 60);
        return out;
    }
    default: snprintf(out, sizeof out, "<type %d>", (int)v->type); return out;
    }
}

/* The first column of the rows of qs, joined by " | " (datetimes in zone). */
static const char *column(dorm_qs *qs, const char *zone) {
    static char out[1024];
    size_t n, used = 0;
    const dorm_row **rows = dorm_rows(qs, &n);
    cr_assert_not_null(rows, "%s", dorm_errmsg(T.cx));
    out[0] = '\0';
    for (size_t i = 0; i < n; i++)
        used += (size_t)snprintf(out + used, sizeof out - used, "%s%s", i ? " | " : "",
                                 value_text(&rows[i]->values[0], zone));
    return out;
}

#define B "\"library_book\""
#define A "\"library_author\""
#define E "\"library_everything\""

#define SIZE                                                                                            \
    DCase(DWhen(DQ("pages__gte", 400), DValue("long")), DWhen(DQ("pages__gte", 250), DValue("medium")), \
          DDefault(DValue("short")))

Test(expr_matrix, case_when) {
    dorm_qs *qs = dorm_order_by(dorm_filter(dorm_annotate(books(), DAS("size", SIZE)), DQ("size", "medium")), "title");
    test_expect_qs_sql(
        "case_filter", qs,
        "SELECT " B ".\"id\", " B ".\"title\", " B ".\"author_id\", " B ".\"publication_date\", " B ".\"isbn\", " B
        ".\"genre\", " B ".\"pages\", CASE WHEN " B ".\"pages\" >= ? THEN ? WHEN " B
        ".\"pages\" >= ? THEN ? ELSE ? END AS \"size\" FROM " B " WHERE CASE WHEN (" B
        ".\"pages\" >= ?) THEN ? WHEN (" B ".\"pages\" >= ?) THEN ? ELSE ? END = ? ORDER BY " B ".\"title\" ASC",
        "SELECT " B ".\"id\", " B ".\"title\", " B ".\"author_id\", " B ".\"publication_date\", " B ".\"isbn\", " B
        ".\"genre\", " B ".\"pages\", CASE WHEN " B ".\"pages\" >= $1 THEN $2::varchar WHEN " B
        ".\"pages\" >= $3 THEN $4::varchar ELSE $5::varchar END AS \"size\" FROM " B " WHERE CASE WHEN (" B
        ".\"pages\" >= $6) THEN $7::varchar WHEN (" B
        ".\"pages\" >= $8) THEN $9::varchar ELSE $10::varchar END = $11 ORDER BY " B ".\"title\" ASC",
        NULL);
    cr_expect_str_eq(column(dorm_values_flat(qs, "title"), NULL), "1984 | The Hobbit");
    qs = dorm_order_by(
        dorm_filter(books(), DQ("pages__gt", DCase(DWhen(DQ("genre", "FIC"), DValue(400)), DDefault(DValue(200))))),
        "title");
    test_expect_qs_sql("case_value", qs,
                       "SELECT " B ".\"id\", " B ".\"title\", " B ".\"author_id\", " B ".\"publication_date\", " B
                       ".\"isbn\", " B ".\"genre\", " B ".\"pages\" FROM " B " WHERE " B ".\"pages\" > CASE WHEN " B
                       ".\"genre\" = ? THEN ? ELSE ? END ORDER BY " B ".\"title\" ASC",
                       "SELECT " B ".\"id\", " B ".\"title\", " B ".\"author_id\", " B ".\"publication_date\", " B
                       ".\"isbn\", " B ".\"genre\", " B ".\"pages\" FROM " B " WHERE " B ".\"pages\" > CASE WHEN " B
                       ".\"genre\" = $1 THEN $2::integer ELSE $3::integer END ORDER BY " B ".\"title\" ASC",
                       NULL);
    cr_expect_str_eq(column(dorm_values_flat(qs, "title"), NULL), "Emma | Homage to Catalonia | Pride and Prejudice");
    qs = dorm_slice(dorm_order_by(books(),
                                  DCase(DWhen(DQ("genre", "NON"), DValue(0)), DWhen(DQ("genre", "HIS"), DValue(1)),
                                        DDefault(DValue(2))),
                                  "title"),
                    0, 4);
    test_expect_qs_sql(
        "case_order", qs,
        "SELECT " B ".\"id\", " B ".\"title\", " B ".\"author_id\", " B ".\"publication_date\", " B ".\"isbn\", " B
        ".\"genre\", " B ".\"pages\" FROM " B " ORDER BY CASE WHEN " B ".\"genre\" = ? THEN ? WHEN " B
        ".\"genre\" = ? THEN ? ELSE ? END ASC, " B ".\"title\" ASC LIMIT 4",
        "SELECT " B ".\"id\", " B ".\"title\", " B ".\"author_id\", " B ".\"publication_date\", " B ".\"isbn\", " B
        ".\"genre\", " B ".\"pages\" FROM " B " ORDER BY CASE WHEN " B ".\"genre\" = $1 THEN $2::integer WHEN " B
        ".\"genre\" = $3 THEN $4::integer ELSE $5::integer END ASC, " B ".\"title\" ASC LIMIT 4",
        NULL);
    cr_expect_str_eq(column(dorm_values_flat(qs, "title"), NULL),
                     "On Fairy-Stories | Homage to Catalonia | 1984 | Animal Farm");
    qs = dorm_order_by(dorm_annotate(authors(), DAS("long", DCount(DCase(DWhen(DQ("books__pages__gt", 300), 1))))),
                       "name");
    test_expect_qs_sql(
        "case_in_count", qs,
        "SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\", COUNT(CASE WHEN " B
        ".\"pages\" > ? THEN ? ELSE NULL END) AS \"long\" FROM " A " LEFT OUTER JOIN " B " ON (" A ".\"id\" = " B
        ".\"author_id\") GROUP BY " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\" ORDER BY " A
        ".\"name\" ASC",
        "SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\", COUNT(CASE WHEN " B
        ".\"pages\" > $1 THEN $2::integer ELSE NULL END) AS \"long\" FROM " A " LEFT OUTER JOIN " B " ON (" A
        ".\"id\" = " B ".\"author_id\") GROUP BY " A ".\"id\" ORDER BY " A ".\"name\" ASC",
        "SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\", COUNT(CASE WHEN " B
        ".\"pages\" > ? THEN ? ELSE NULL END) AS \"long\" FROM " A " LEFT OUTER JOIN " B " ON (" A ".\"id\" = " B
        ".\"author_id\") GROUP BY " A ".\"id\" ORDER BY " A ".\"name\" ASC");
    cr_expect_str_eq(column(dorm_values_flat(qs, "long"), NULL), "1 | 1 | 2");
    qs = dorm_values_flat(dorm_filter(qs, DQ("long__gte", 2)), "name");
    test_expect_qs_sql(
        "case_in_having", qs,
        "SELECT " A ".\"name\" FROM " A " LEFT OUTER JOIN " B " ON (" A ".\"id\" = " B ".\"author_id\") GROUP BY " A
        ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\" HAVING COUNT(CASE WHEN (" B
        ".\"pages\" > ?) THEN ? ELSE NULL END) >= ? ORDER BY " A ".\"name\" ASC",
        "SELECT " A ".\"name\" FROM " A " LEFT OUTER JOIN " B " ON (" A ".\"id\" = " B ".\"author_id\") GROUP BY " A
        ".\"id\" HAVING COUNT(CASE WHEN (" B ".\"pages\" > $1) THEN $2::integer ELSE NULL END) >= $3 ORDER BY " A
        ".\"name\" ASC",
        "SELECT " A ".\"name\" FROM " A " LEFT OUTER JOIN " B " ON (" A ".\"id\" = " B ".\"author_id\") GROUP BY " A
        ".\"id\" HAVING COUNT(CASE WHEN (" B ".\"pages\" > ?) THEN ? ELSE NULL END) >= ? ORDER BY " A ".\"name\" ASC");
    cr_expect_str_eq(column(qs, NULL), "Jane Austen");
    test_log_start();
    const dorm_row *r =
        dorm_aggregate(books(), DAS("s", DSum(DCase(DWhen(DQ("genre", "FIC"), "pages"), DDefault(DValue(0))))));
    test_expect_sql(
        "case_in_sum", test_log_stop(),
        "SELECT SUM(CASE WHEN " B ".\"genre\" = ? THEN " B ".\"pages\" ELSE ? END) AS \"s\" FROM " B,
        "SELECT SUM(CASE WHEN " B ".\"genre\" = $1 THEN " B ".\"pages\" ELSE $2::integer END) AS \"s\" FROM " B, NULL);
    cr_assert_not_null(r, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(r->values[0].u.i, 1905);
    test_log_start();
    int64_t n = dorm_update(
        books(),
        DSET("pages", DCase(DWhen(DQ("genre", "FIC"), dorm_add(dorm_F("pages"), 1)), DDefault(dorm_F("pages")))));
    test_expect_sql("case_update", test_log_stop(),
                    "UPDATE " B " SET \"pages\" = CASE WHEN (" B ".\"genre\" = ?) THEN (" B ".\"pages\" + ?) ELSE " B
                    ".\"pages\" END",
                    NULL, NULL);
    cr_expect_eq(n, 8, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(dorm_aggregate(books(), DAS("s", DSum("pages")))->values[0].u.i, 2271);
}

Test(expr_matrix, expressions_in_order_by) {
    dorm_qs *qs = dorm_filter(books(), DQ("title", dorm_F("author__name")));
    test_expect_qs_sql("f_rel", qs,
                       "SELECT " B ".\"id\", " B ".\"title\", " B ".\"author_id\", " B ".\"publication_date\", " B
                       ".\"isbn\", " B ".\"genre\", " B ".\"pages\" FROM " B " INNER JOIN " A " ON (" B
                       ".\"author_id\" = " A ".\"id\") WHERE " B ".\"title\" = " A ".\"name\" ORDER BY " B
                       ".\"publication_date\" DESC",
                       NULL, NULL);
    cr_expect_eq(dorm_count(qs), 0);
    qs = dorm_order_by(dorm_annotate(authors(), DAS("n", DCount("books"))), DDesc(dorm_F("n")), "name");
    test_expect_qs_sql("order_expr_desc", qs,
                       "SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\", COUNT(" B
                       ".\"id\") AS \"n\" FROM " A " LEFT OUTER JOIN " B " ON (" A ".\"id\" = " B
                       ".\"author_id\") GROUP BY " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A
                       ".\"biography\" ORDER BY COUNT(" B ".\"id\") DESC, " A ".\"name\" ASC",
                       "SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\", COUNT(" B
                       ".\"id\") AS \"n\" FROM " A " LEFT OUTER JOIN " B " ON (" A ".\"id\" = " B
                       ".\"author_id\") GROUP BY " A ".\"id\" ORDER BY COUNT(" B ".\"id\") DESC, " A ".\"name\" ASC",
                       "SELECT " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A ".\"biography\", COUNT(" B
                       ".\"id\") AS \"n\" FROM " A " LEFT OUTER JOIN " B " ON (" A ".\"id\" = " B
                       ".\"author_id\") GROUP BY " A ".\"id\" ORDER BY COUNT(" B ".\"id\") DESC, " A ".\"name\" ASC");
    cr_expect_str_eq(column(dorm_values_flat(qs, "name"), NULL), "George Orwell | Jane Austen | J.R.R. Tolkien");
    qs = dorm_slice(dorm_order_by(books(), DDesc(DLength("title")), "title"), 0, 3);
    test_expect_qs_sql("order_len", qs,
                       "SELECT " B ".\"id\", " B ".\"title\", " B ".\"author_id\", " B ".\"publication_date\", " B
                       ".\"isbn\", " B ".\"genre\", " B ".\"pages\" FROM " B " ORDER BY LENGTH(" B
                       ".\"title\") DESC, " B ".\"title\" ASC LIMIT 3",
                       NULL,
                       "SELECT " B ".\"id\", " B ".\"title\", " B ".\"author_id\", " B ".\"publication_date\", " B
                       ".\"isbn\", " B ".\"genre\", " B ".\"pages\" FROM " B " ORDER BY CHAR_LENGTH(" B
                       ".\"title\") DESC, " B ".\"title\" ASC LIMIT 3");
    cr_expect_str_eq(column(dorm_values_flat(qs, "title"), NULL),
                     "Homage to Catalonia | Pride and Prejudice | On Fairy-Stories");
    qs = dorm_slice(dorm_order_by(dorm_distinct(books()), DLower("title")), 0, 2);
    test_expect_qs_sql("distinct_order_expr", qs,
                       "SELECT DISTINCT " B ".\"id\", " B ".\"title\", " B ".\"author_id\", " B
                       ".\"publication_date\", " B ".\"isbn\", " B ".\"genre\", " B ".\"pages\", LOWER(" B
                       ".\"title\") FROM " B " ORDER BY LOWER(" B ".\"title\") ASC LIMIT 2",
                       NULL, NULL);
    size_t n;
    Book **b = (Book **)dorm_list(qs, &n);
    cr_assert_not_null(b, "%s", dorm_errmsg(T.cx));
    cr_expect(n == 2 && strcmp(b[0]->title, "1984") == 0 && strcmp(b[1]->title, "Animal Farm") == 0);
}

/* asc()/desc() with nulls_first/nulls_last, an author without a birth date
 * among the others. */
Test(expr_matrix, nulls_in_order_by) {
    cr_assert_not_null(dorm_create(T.cx, Author, .name = "Anonymous"), "%s", dorm_errmsg(T.cx));
    dorm_qs *qs = dorm_values_flat(dorm_order_by(authors(), DDesc("birth_date", .nulls_last = true)), "name");
    test_expect_qs_sql("nulls_last", qs,
                       "SELECT " A ".\"name\" FROM " A " ORDER BY " A ".\"birth_date\" DESC NULLS LAST", NULL,
                       "SELECT " A ".\"name\" FROM " A " ORDER BY " A ".\"birth_date\" DESC");
    cr_expect_str_eq(column(qs, NULL), "George Orwell | J.R.R. Tolkien | Jane Austen | Anonymous");
    qs = dorm_values_flat(dorm_order_by(authors(), DAsc("birth_date", .nulls_first = true)), "name");
    test_expect_qs_sql("nulls_first", qs,
                       "SELECT " A ".\"name\" FROM " A " ORDER BY " A ".\"birth_date\" ASC NULLS FIRST", NULL,
                       "SELECT " A ".\"name\" FROM " A " ORDER BY " A ".\"birth_date\" ASC");
    cr_expect_str_eq(column(qs, NULL), "Anonymous | Jane Austen | J.R.R. Tolkien | George Orwell");
    qs = dorm_values_flat(dorm_reverse(dorm_order_by(authors(), DAsc("birth_date", .nulls_first = true))), "name");
    test_expect_qs_sql("nulls_rev", qs,
                       "SELECT " A ".\"name\" FROM " A " ORDER BY " A ".\"birth_date\" DESC NULLS LAST", NULL,
                       "SELECT " A ".\"name\" FROM " A " ORDER BY " A ".\"birth_date\" DESC");
    cr_expect_str_eq(column(qs, NULL), "George Orwell | J.R.R. Tolkien | Jane Austen | Anonymous");
    qs = dorm_values_flat(dorm_order_by(authors(), DDesc("birth_date", .nulls_first = true)), "name");
    test_expect_qs_sql(
        "nulls_first_desc", qs, "SELECT " A ".\"name\" FROM " A " ORDER BY " A ".\"birth_date\" DESC NULLS FIRST", NULL,
        "SELECT " A ".\"name\" FROM " A " ORDER BY " A ".\"birth_date\" IS NOT NULL, " A ".\"birth_date\" DESC");
    cr_expect_str_eq(column(qs, NULL), "Anonymous | George Orwell | J.R.R. Tolkien | Jane Austen");
    qs = dorm_values_flat(dorm_order_by(authors(), DAsc("birth_date", .nulls_last = true)), "name");
    test_expect_qs_sql(
        "nulls_last_asc", qs, "SELECT " A ".\"name\" FROM " A " ORDER BY " A ".\"birth_date\" ASC NULLS LAST", NULL,
        "SELECT " A ".\"name\" FROM " A " ORDER BY " A ".\"birth_date\" IS NULL, " A ".\"birth_date\" ASC");
    cr_expect_str_eq(column(qs, NULL), "Jane Austen | J.R.R. Tolkien | George Orwell | Anonymous");
}

/* Cast to the field kinds test_functions.c does not cast to: the SELECT
 * list on each backend (Django's cast_db_type) and the value. */
Test(expr_matrix, cast_kinds) {
    const struct {
        const dorm_expr *e;
        const char *sqlite, *pg, *my, *value;
    } cases[] = {
        {DCast("pages", DORM_KIND_INT), "CAST(" B ".\"pages\" AS integer) AS \"x\"", NULL,
         "CAST(" B ".\"pages\" AS signed integer) AS \"x\"", "310"},
        {DCast("pages", DORM_KIND_POSINT), "CAST(" B ".\"pages\" AS integer unsigned) AS \"x\"",
         "CAST(" B ".\"pages\" AS integer) AS \"x\"", "CAST(" B ".\"pages\" AS unsigned integer) AS \"x\"", "310"},
        {DCast("pages", DORM_KIND_POSSMALLINT), "CAST(" B ".\"pages\" AS smallint unsigned) AS \"x\"",
         "CAST(" B ".\"pages\" AS smallint) AS \"x\"", "CAST(" B ".\"pages\" AS unsigned integer) AS \"x\"", "310"},
        {DCast("pages", DORM_KIND_BIGAUTO), "CAST(" B ".\"pages\" AS integer) AS \"x\"",
         "CAST(" B ".\"pages\" AS bigint) AS \"x\"", "CAST(" B ".\"pages\" AS signed integer) AS \"x\"", "310"},
        {DCast("pages", DORM_KIND_SLUG), "CAST(" B ".\"pages\" AS varchar(50)) AS \"x\"", NULL, NULL, "310"},
        {DCast("pages", DORM_KIND_EMAIL), "CAST(" B ".\"pages\" AS varchar(254)) AS \"x\"", NULL,
         "CAST(" B ".\"pages\" AS char(254)) AS \"x\"", "310"},
        {DCast("pages", DORM_KIND_URL), "CAST(" B ".\"pages\" AS varchar(200)) AS \"x\"", NULL,
         "CAST(" B ".\"pages\" AS char(200)) AS \"x\"", "310"},
        {DCast("pages", DORM_KIND_FILE), "CAST(" B ".\"pages\" AS varchar(100)) AS \"x\"", NULL, NULL, "310"},
        {DCast("pages", DORM_KIND_IMAGE), "CAST(" B ".\"pages\" AS varchar(100)) AS \"x\"", NULL, NULL, "310"},
        {DCast(DValue("12345678123456781234567812345678"), DORM_KIND_UUID), "CAST(? AS char(32)) AS \"x\"",
         "CAST($1 AS uuid) AS \"x\"", NULL, "12345678-1234-5678-1234-567812345678"},
        /* MariaDB has no CAST(... AS longblob), for Django's query too. */
        {DCast("title", DORM_KIND_BINARY), "CAST(" B ".\"title\" AS BLOB) AS \"x\"",
         "CAST(" B ".\"title\" AS bytea) AS \"x\"", "CAST(" B ".\"title\" AS longblob) AS \"x\"", "b'The Hobbit'"},
        {DCast("title", DORM_KIND_CHAR), "CAST(" B ".\"title\" AS text) AS \"x\"",
         "CAST(" B ".\"title\" AS varchar) AS \"x\"", "CAST(" B ".\"title\" AS char) AS \"x\"", "The Hobbit"},
    };
    dorm_qs *hobbit = dorm_filter(books(), DQ("title", "The Hobbit"));
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dorm_qs *qs = dorm_values_flat(dorm_annotate(hobbit, DAS("x", cases[i].e)), "x");
        test_expect_sql("cast", select_list(qs), cases[i].sqlite, cases[i].pg, cases[i].my);
        if (test_db_on_mysql() && cases[i].e->output == DORM_KIND_BINARY) {
            cr_expect_null(dorm_rows(qs, NULL));
            cr_expect(strstr(dorm_errmsg(T.cx), "(1064, \"You have an error in your SQL syntax"), "%s",
                      dorm_errmsg(T.cx));
            continue;
        }
        cr_expect_str_eq(column(qs, NULL), cases[i].value, "%zu", i);
    }
}

Test(expr_matrix, now) {
    dorm_qs *qs =
        dorm_values_flat(dorm_annotate(dorm_filter(books(), DQ("title", "The Hobbit")), DAS("x", DNow())), "x");
    test_expect_qs_sql("Now", qs,
                       "SELECT CURRENT_TIMESTAMP AS \"x\" FROM " B " WHERE " B ".\"title\" = ? ORDER BY " B
                       ".\"publication_date\" DESC",
                       "SELECT STATEMENT_TIMESTAMP() AS \"x\" FROM " B " WHERE " B ".\"title\" = $1 ORDER BY " B
                       ".\"publication_date\" DESC",
                       NULL);
    const dorm_row *r = dorm_first(qs);
    cr_assert_not_null(r, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(r->values[0].type, DORM_T_DATETIME);
    dorm_datetime now = dorm_datetime_now();
    cr_expect(now.usec - r->values[0].u.dt.usec < 60 * 1000000LL && r->values[0].u.dt.usec - now.usec < 60 * 1000000LL,
              "%lld, %lld", (long long)r->values[0].u.dt.usec, (long long)now.usec);
    qs = dorm_values_flat(dorm_slice(dorm_filter(books(), DQ("publication_date__lt", DNow())), 0, 1), "id");
    test_expect_qs_sql("NowFilter", qs,
                       "SELECT " B ".\"id\" FROM " B " WHERE " B ".\"publication_date\" < CURRENT_TIMESTAMP ORDER BY " B
                       ".\"publication_date\" DESC LIMIT 1",
                       "SELECT " B ".\"id\" FROM " B " WHERE " B
                       ".\"publication_date\" < STATEMENT_TIMESTAMP() ORDER BY " B ".\"publication_date\" DESC LIMIT 1",
                       NULL);
    cr_expect_eq(dorm_len(qs), 1);
}

/* Instants around Paris's 2023 changes of time, as test_timezones.c's. */
static void loans(void) {
    static const char *const instants[] = {
        "2022-12-31 23:30:00", "2023-01-01 00:30:00", "2023-03-26 00:59:00", "2023-03-26 01:00:00",
        "2023-10-29 00:30:00", "2023-10-29 01:30:00", "2023-12-31 22:59:59",
    };
    test_db_open();
    for (size_t i = 0; i < sizeof instants / sizeof instants[0]; i++) {
        dorm_datetime t;
        cr_assert_eq(dorm_datetime_parse(instants[i], strlen(instants[i]), &t), 0);
        cr_assert_not_null(dorm_create(T.cx, Everything, .datetime_f = t), "%s", dorm_errmsg(T.cx));
    }
}

/* Each Trunc and Extract of a datetime in Europe/Paris that
 * test_timezones.c does not write: the SELECT list (Django's SQL, with
 * dorm's dorm_trunc / dorm_extract on SQLite) and the values, shown in
 * Paris.  TruncHour, TruncMinute and TruncSecond leave out the two rows in
 * the hour that happened twice (pytz refuses them, as test_timezones.c
 * checks). */
Test(zone_matrix, dates_in_a_zone, .init = loans, .fini = test_db_close) {
    const struct {
        const char *name;
        const dorm_expr *e;
        const char *sqlite, *pg, *my, *values;
    } cases[] = {
        {"TruncQuarter", DTruncQuarter("datetime_f"),
         "dorm_trunc('quarter', " E ".\"datetime_f\", 'Europe/Paris') AS \"x\"",
         "DATE_TRUNC('quarter', " E ".\"datetime_f\" AT TIME ZONE 'Europe/Paris') AS \"x\"",
         "CAST(DATE_FORMAT(MAKEDATE(YEAR(CONVERT_TZ(" E
         ".\"datetime_f\", 'UTC', 'Europe/Paris')), 1) + INTERVAL QUARTER(CONVERT_TZ(" E
         ".\"datetime_f\", 'UTC', 'Europe/Paris')) QUARTER - INTERVAL 1 QUARTER, '%Y-%m-01 00:00:00') AS DATETIME) AS "
         "\"x\"",
         "2023-01-01T00:00:00+01:00 | 2023-01-01T00:00:00+01:00 | 2023-01-01T00:00:00+01:00 | "
         "2023-01-01T00:00:00+01:00 | 2023-10-01T00:00:00+02:00 | 2023-10-01T00:00:00+02:00 | "
         "2023-10-01T00:00:00+02:00"},
        {"TruncWeek", DTruncWeek("datetime_f"), "dorm_trunc('week', " E ".\"datetime_f\", 'Europe/Paris') AS \"x\"",
         "DATE_TRUNC('week', " E ".\"datetime_f\" AT TIME ZONE 'Europe/Paris') AS \"x\"",
         "CAST(DATE_FORMAT(DATE_SUB(CONVERT_TZ(" E
         ".\"datetime_f\", 'UTC', 'Europe/Paris'), INTERVAL WEEKDAY(CONVERT_TZ(" E
         ".\"datetime_f\", 'UTC', 'Europe/Paris')) DAY), '%Y-%m-%d 00:00:00') AS DATETIME) AS \"x\"",
         "2022-12-26T00:00:00+01:00 | 2022-12-26T00:00:00+01:00 | 2023-03-20T00:00:00+01:00 | "
         "2023-03-20T00:00:00+01:00 | 2023-10-23T00:00:00+02:00 | 2023-10-23T00:00:00+02:00 | "
         "2023-12-25T00:00:00+01:00"},
        {"TruncHour", DTruncHour("datetime_f"), "dorm_trunc('hour', " E ".\"datetime_f\", 'Europe/Paris') AS \"x\"",
         "DATE_TRUNC('hour', " E ".\"datetime_f\" AT TIME ZONE 'Europe/Paris') AS \"x\"",
         "CAST(DATE_FORMAT(CONVERT_TZ(" E
         ".\"datetime_f\", 'UTC', 'Europe/Paris'), '%Y-%m-%d %H:00:00') AS DATETIME) AS \"x\"",
         "2023-01-01T00:00:00+01:00 | 2023-01-01T01:00:00+01:00 | 2023-03-26T01:00:00+01:00 | "
         "2023-03-26T03:00:00+02:00 | 2023-12-31T23:00:00+01:00"},
        {"TruncMinute", DTruncMinute("datetime_f"),
         "dorm_trunc('minute', " E ".\"datetime_f\", 'Europe/Paris') AS \"x\"",
         "DATE_TRUNC('minute', " E ".\"datetime_f\" AT TIME ZONE 'Europe/Paris') AS \"x\"",
         "CAST(DATE_FORMAT(CONVERT_TZ(" E
         ".\"datetime_f\", 'UTC', 'Europe/Paris'), '%Y-%m-%d %H:%i:00') AS DATETIME) AS \"x\"",
         "2023-01-01T00:30:00+01:00 | 2023-01-01T01:30:00+01:00 | 2023-03-26T01:59:00+01:00 | "
         "2023-03-26T03:00:00+02:00 | 2023-12-31T23:59:00+01:00"},
        {"TruncSecond", DTruncSecond("datetime_f"),
         "dorm_trunc('second', " E ".\"datetime_f\", 'Europe/Paris') AS \"x\"",
         "DATE_TRUNC('second', " E ".\"datetime_f\" AT TIME ZONE 'Europe/Paris') AS \"x\"",
         "CAST(DATE_FORMAT(CONVERT_TZ(" E
         ".\"datetime_f\", 'UTC', 'Europe/Paris'), '%Y-%m-%d %H:%i:%s') AS DATETIME) AS \"x\"",
         "2023-01-01T00:30:00+01:00 | 2023-01-01T01:30:00+01:00 | 2023-03-26T01:59:00+01:00 | "
         "2023-03-26T03:00:00+02:00 | 2023-12-31T23:59:59+01:00"},
        {"ExtractMonth", DExtractMonth("datetime_f"),
         "dorm_extract('month', " E ".\"datetime_f\", 'Europe/Paris') AS \"x\"",
         "EXTRACT('month' FROM " E ".\"datetime_f\" AT TIME ZONE 'Europe/Paris') AS \"x\"",
         "EXTRACT(MONTH FROM CONVERT_TZ(" E ".\"datetime_f\", 'UTC', 'Europe/Paris')) AS \"x\"",
         "1 | 1 | 3 | 3 | 10 | 10 | 12"},
        {"ExtractDay", DExtractDay("datetime_f"), "dorm_extract('day', " E ".\"datetime_f\", 'Europe/Paris') AS \"x\"",
         "EXTRACT('day' FROM " E ".\"datetime_f\" AT TIME ZONE 'Europe/Paris') AS \"x\"",
         "EXTRACT(DAY FROM CONVERT_TZ(" E ".\"datetime_f\", 'UTC', 'Europe/Paris')) AS \"x\"",
         "1 | 1 | 26 | 26 | 29 | 29 | 31"},
        {"ExtractWeek", DExtractWeek("datetime_f"),
         "dorm_extract('week', " E ".\"datetime_f\", 'Europe/Paris') AS \"x\"",
         "EXTRACT('week' FROM " E ".\"datetime_f\" AT TIME ZONE 'Europe/Paris') AS \"x\"",
         "WEEK(CONVERT_TZ(" E ".\"datetime_f\", 'UTC', 'Europe/Paris'), 3) AS \"x\"",
         "52 | 52 | 12 | 12 | 43 | 43 | 52"},
        {"ExtractIsoYear", DExtractIsoYear("datetime_f"),
         "dorm_extract('iso_year', " E ".\"datetime_f\", 'Europe/Paris') AS \"x\"",
         "EXTRACT('isoyear' FROM " E ".\"datetime_f\" AT TIME ZONE 'Europe/Paris') AS \"x\"",
         "(TRUNCATE(YEARWEEK(CONVERT_TZ(" E ".\"datetime_f\", 'UTC', 'Europe/Paris'), 3), -2) / 100) AS \"x\"",
         "2022 | 2022 | 2023 | 2023 | 2023 | 2023 | 2023"},
        {"ExtractIsoWeekDay", DExtractIsoWeekDay("datetime_f"),
         "dorm_extract('iso_week_day', " E ".\"datetime_f\", 'Europe/Paris') AS \"x\"",
         "EXTRACT('isodow' FROM " E ".\"datetime_f\" AT TIME ZONE 'Europe/Paris') AS \"x\"",
         "(WEEKDAY(CONVERT_TZ(" E ".\"datetime_f\", 'UTC', 'Europe/Paris')) + 1) AS \"x\"",
         "7 | 7 | 7 | 7 | 7 | 7 | 7"},
        {"ExtractQuarter", DExtractQuarter("datetime_f"),
         "dorm_extract('quarter', " E ".\"datetime_f\", 'Europe/Paris') AS \"x\"",
         "EXTRACT('quarter' FROM " E ".\"datetime_f\" AT TIME ZONE 'Europe/Paris') AS \"x\"",
         "EXTRACT(QUARTER FROM CONVERT_TZ(" E ".\"datetime_f\", 'UTC', 'Europe/Paris')) AS \"x\"",
         "1 | 1 | 1 | 1 | 4 | 4 | 4"},
        {"ExtractMinute", DExtractMinute("datetime_f"),
         "dorm_extract('minute', " E ".\"datetime_f\", 'Europe/Paris') AS \"x\"",
         "EXTRACT('minute' FROM " E ".\"datetime_f\" AT TIME ZONE 'Europe/Paris') AS \"x\"",
         "EXTRACT(MINUTE FROM CONVERT_TZ(" E ".\"datetime_f\", 'UTC', 'Europe/Paris')) AS \"x\"",
         "30 | 30 | 59 | 0 | 30 | 30 | 59"},
        {"ExtractSecond", DExtractSecond("datetime_f"),
         "dorm_extract('second', " E ".\"datetime_f\", 'Europe/Paris') AS \"x\"",
         "FLOOR(EXTRACT('second' FROM " E ".\"datetime_f\" AT TIME ZONE 'Europe/Paris')) AS \"x\"",
         "EXTRACT(SECOND FROM CONVERT_TZ(" E ".\"datetime_f\", 'UTC', 'Europe/Paris')) AS \"x\"",
         "0 | 0 | 0 | 0 | 0 | 0 | 59"},
    };
    cr_assert_eq(dorm_timezone_activate(T.cx, "Europe/Paris"), 0, "%s", dorm_errmsg(T.cx));
    dorm_qs *all = dorm_order_by(dorm_all(T.cx, Everything), "id");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bool unambiguous =
            strncmp(cases[i].name, "Trunc", 5) == 0 && cases[i].name[5] != 'Q' && cases[i].name[5] != 'W';
        dorm_qs *qs = dorm_values_flat(
            dorm_annotate(unambiguous ? dorm_exclude(all, DQ("id__in", DLIST(5, 6))) : all, DAS("x", cases[i].e)), "x");
        test_expect_sql(cases[i].name, select_list(qs), cases[i].sqlite, cases[i].pg, cases[i].my);
        cr_expect_str_eq(column(qs, "Europe/Paris"), cases[i].values, "%s", cases[i].name);
    }
    dorm_timezone_deactivate(T.cx);
}

static void expect_qs_error(dorm_qs *qs, int code, const char *msg) {
    cr_expect_eq(dorm_qs_errcode(qs), code, "%d: %s", dorm_qs_errcode(qs), dorm_qs_errmsg(qs));
    cr_expect_str_eq(dorm_qs_errmsg(qs), msg);
}

/* Item 11's misuses that the other files do not make, with Django 3.2's
 * message (Round takes no precision before Django 4.0). */
Test(expr_matrix, misuse) {
    expect_qs_error(dorm_annotate(books(), DAS("x", DRound("pages", 2))), DORM_EVALUE,
                    "'Round' takes exactly 1 argument (2 given)");
    expect_qs_error(dorm_annotate(authors(), DAS("m", DSum(DCount("books")))), DORM_EFIELD,
                    "Cannot compute Sum('Count'): 'Count' is an aggregate");
    expect_qs_error(dorm_annotate(books(), DAS("r", DWindow(DSum("pages"), .frame = DRowRange(0, -1)))), DORM_EVALUE,
                    "end argument must be a positive integer, zero, or None, but got '-1'.");
    expect_qs_error(dorm_filter(books(), DQ("title__icontain", "x")), DORM_EFIELD,
                    "Unsupported lookup 'icontain' for CharField or join on the field not permitted, perhaps you meant "
                    "icontains or contains?");
    expect_qs_error(dorm_filter(books(), DQ("publication_date__year__foo", 1)), DORM_EFIELD,
                    "Unsupported lookup 'foo' for IntegerField or join on the field not permitted.");
    /* Cast and ExpressionWrapper targets are kinds with a column type
     * (dorm's own message: Django takes a field instance). */
    const dorm_kind no_type[] = {DORM_KIND_NONE,
                                 DORM_KIND_FK,
                                 DORM_KIND_M2M,
                                 DORM_KIND_CUSTOM,
                                 DORM_KIND_PARENT,
                                 DORM_KIND_COMPOSITE,
                                 (dorm_kind)DORM_KIND__COUNT};
    for (size_t i = 0; i < sizeof no_type / sizeof no_type[0]; i++) {
        expect_qs_error(dorm_annotate(books(), DAS("x", DCast("pages", no_type[i]))), DORM_EVALUE,
                        "The output field of Cast() must be a field kind with a column type.");
        expect_qs_error(dorm_annotate(books(), DAS("x", DExpressionWrapper(dorm_F("pages"), no_type[i]))), DORM_EVALUE,
                        "The output field of ExpressionWrapper() must be a field kind with a column type.");
    }
}

/* A program's aggregate (test_custom.c's Spread): its SQL on each backend,
 * grouped, in aggregate() and with filter= (inside it, where Django's
 * FILTER after the template is no SQL: docs/design.md). */
static const dorm_func_def spread = {
    .name = "Spread", .min_args = 1, .max_args = 1, .flags = DORM_FUNC_AGGREGATE, .sql = "(MAX(%1) - MIN(%1))"};
static const dorm_app spread_app = {
    .label = "library",
    .models = DORM_MODELS(&Author_model, &Book_model, &Everything_model),
    .sql_functions = DORM_FUNCS(&spread),
};

static void spread_catalogue(void) {
    test_db_open_apps((const dorm_app *const[]){&spread_app, NULL});
    test_db_catalogue();
}

Test(program_matrix, program_aggregate, .init = spread_catalogue, .fini = test_db_close) {
    dorm_qs *qs = dorm_order_by(
        dorm_values_list(dorm_annotate(authors(), DAS("s", DFunc("Spread", "books__pages"))), "name", "s"), "name");
    test_expect_qs_sql(
        "cu_spread", qs,
        "SELECT " A ".\"name\", (MAX(" B ".\"pages\") - MIN(" B ".\"pages\")) AS \"s\" FROM " A " LEFT OUTER JOIN " B
        " ON (" A ".\"id\" = " B ".\"author_id\") GROUP BY " A ".\"id\", " A ".\"name\", " A ".\"birth_date\", " A
        ".\"biography\" ORDER BY " A ".\"name\" ASC",
        "SELECT " A ".\"name\", (MAX(" B ".\"pages\") - MIN(" B ".\"pages\")) AS \"s\" FROM " A " LEFT OUTER JOIN " B
        " ON (" A ".\"id\" = " B ".\"author_id\") GROUP BY " A ".\"id\" ORDER BY " A ".\"name\" ASC",
        "SELECT " A ".\"name\", (MAX(" B ".\"pages\") - MIN(" B ".\"pages\")) AS \"s\" FROM " A " LEFT OUTER JOIN " B
        " ON (" A ".\"id\" = " B ".\"author_id\") GROUP BY " A ".\"id\" ORDER BY " A ".\"name\" ASC");
    size_t n;
    const dorm_row **rows = dorm_rows(qs, &n);
    cr_assert_not_null(rows, "%s", dorm_errmsg(T.cx));
    cr_expect(n == 3 && rows[0]->values[1].u.i == 216 && rows[1]->values[1].u.i == 182 &&
              rows[2]->values[1].u.i == 225);
    test_log_start();
    const dorm_row *r = dorm_aggregate(books(), DAS("s", DAggregate("Spread", "pages")));
    test_expect_sql("cu_spread_agg", test_log_stop(),
                    "SELECT (MAX(" B ".\"pages\") - MIN(" B ".\"pages\")) AS \"s\" FROM " B, NULL, NULL);
    cr_expect_eq(r ? r->values[0].u.i : -1, 362);
    test_log_start();
    r = dorm_aggregate(books(), DAS("s", DAggregate("Spread", "pages", .filter = DQ("genre", "FIC"))));
    test_expect_sql("cu_spread_filter", test_log_stop(),
                    "SELECT (MAX(CASE WHEN " B ".\"genre\" = ? THEN " B ".\"pages\" ELSE NULL END) - MIN(CASE WHEN " B
                    ".\"genre\" = ? THEN " B ".\"pages\" ELSE NULL END)) AS \"s\" FROM " B,
                    NULL, NULL);
    cr_expect_eq(r ? r->values[0].u.i : -1, 474 - 112);
}
