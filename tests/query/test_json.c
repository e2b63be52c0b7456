/* test_json.c - JSONField keys and lookups (Django's KeyTransform,
 * KeyTextTransform, has_key/has_keys/has_any_keys, contains/contained_by,
 * isnull on a key, JSON null against SQL NULL) in filter, exclude, values,
 * order_by, annotate and update: the SQL and parameters each backend gets
 * (Django 3.2's, keys always bound) and the rows, on the eight documents of
 * the reference script. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "testdb.h"

static const char *const docs[] = {
    "{\"source\": \"web\", \"tags\": [\"classic\", \"romance\"], \"helpful\": 12}",
    "{\"source\": \"app\", \"tags\": [\"classic\"], \"helpful\": 3}",
    "{\"source\": \"web\", \"tags\": [\"sf\", \"politics\"], \"helpful\": 7, \"lang\": {\"code\": \"en\"}}",
    "{\"source\": \"paper\", \"tags\": [], \"helpful\": 0}",
    "{\"source\": \"web\", \"tags\": [\"satire\", \"classic\"], \"helpful\": null}",
    "{\"source\": \"app\", \"helpful\": 1}",
    "{\"tags\": [\"sf\"], \"helpful\": 5.5, \"x\\\"y\": \"q\"}",
    "{\"source\": \"Web\", \"tags\": [\"essays\"], \"helpful\": 8, \"lang\": {\"code\": \"fr\"}, \"flag\": true}",
};

static void documents(void) {
    test_db_open();
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++)
        cr_assert_not_null(dorm_create(T.cx, Everything, .json_f = docs[i]), "%s", dorm_errmsg(T.cx));
}

TestSuite(json, .init = documents, .fini = test_db_close);

static bool on_sqlite(void) { return strncmp(test_db_url(), "sqlite", 6) == 0; }

static dorm_qs *all(void) { return dorm_all(T.cx, Everything); }

/* The SQL of qs, MariaDB's `quotes` written as "quotes" (its placeholders
 * are SQLite's ?). */
static const char *sql_of(dorm_qs *qs, const char **params) {
    const char *sql = dorm_qs_sql(qs, params);
    return sql && test_db_on_mysql() ? test_sql_std(sql) : sql;
}

static const char *ids(dorm_qs *qs) { return test_ids(dorm_order_by(qs, "id")); }

/* Parameters as the statement log shows them, a Python tuple: the items. */
static const char *items(const char *params) {
    static char out[512];
    size_t n = params ? strlen(params) : 0;
    if (n < 2 || params[0] != '(' || params[n - 1] != ')') return params ? params : "(null)";
    n -= 2;
    if (n && params[n] == ',') n--;
    snprintf(out, sizeof out, "%.*s", (int)n, params + 1);
    return out;
}

#define E "\"library_everything\""
#define J E ".\"json_f\""

typedef struct json_case {
    const char *name;
    const dorm_q *q;
    const char *sqlite, *sqlite_params, *sqlite_ids; /* sqlite NULL: NotSupportedError */
    const char *pg, *pg_params, *pg_ids;
} json_case;

/* MariaDB's case `name`, from tests/data/json_key_lookups/mysql.txt: what
 * Django 3.2 sends MariaDB for the same filter (its WHERE clause, the
 * parameters and the rows, tab-separated, one case a line; made by a
 * Django script over a copy of these documents), but for dorm's MySQL
 * spellings of LIKE (with ESCAPE '\\') and regex (REGEXP CONCAT('(?-i)',
 * ...)) everywhere: the fields point into a static copy. */
static json_case mysql_case(const char *name) {
    static char text[16384];
    json_case c = {.name = name};
    snprintf(text, sizeof text, "%s", test_golden("json_key_lookups", "txt"));
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        char *f[4] = {line};
        for (int i = 1; i < 4 && f[i - 1]; i++)
            if ((f[i] = strchr(f[i - 1], '\t'))) *f[i]++ = '\0';
        if (!f[3] || strcmp(f[0], name) != 0) continue;
        c.pg = f[1];
        c.pg_params = f[2];
        c.pg_ids = f[3];
        return c;
    }
    cr_assert_fail("no MariaDB case '%s' in tests/data/json_key_lookups/mysql.txt", name);
    return c;
}

/* The WHERE clause of filter(q) and its rows, on this backend. */
static void check(const json_case *c) {
    json_case my;
    if (test_db_on_mysql()) {
        my = mysql_case(c->name);
        my.q = c->q;
        c = &my;
    }
    const char *want = on_sqlite() ? c->sqlite : c->pg;
    dorm_qs *qs = dorm_filter(all(), c->q);
    if (!want) {
        cr_expect_eq(dorm_qs_errcode(qs), DORM_ENOTSUPPORTED, "%s: %s", c->name, dorm_qs_errmsg(qs));
        return;
    }
    const char *params = NULL;
    const char *sql = dorm_qs_sql(qs, &params);
    cr_assert_not_null(sql, "%s: %s", c->name, dorm_qs_errmsg(qs));
    const char *where = strstr(sql, " WHERE ");
    cr_assert_not_null(where, "%s: %s", c->name, sql);
    cr_expect_str_eq(where + 7, want, "%s: %s", c->name, where + 7);
    cr_expect_str_eq(items(params), on_sqlite() ? c->sqlite_params : c->pg_params, "%s: %s", c->name, params);
    cr_expect_str_eq(ids(qs), on_sqlite() ? c->sqlite_ids : c->pg_ids, "%s", c->name);
}

#define KEY_S() "JSON_EXTRACT(" J ", ?)"
#define KEY_M "JSON_UNQUOTE(" KEY_S() ")"
#define KEY_P "(" J " -> $1)"
#define PATH_P "(" J " #> $1)"

Test(json, key_lookups) {
    const json_case cases[] = {
        {"key exact", DQ("json_f__source", "\"web\""), KEY_S() " = JSON_EXTRACT(?, '$')", "'$.\"source\"', '\"web\"'",
         "1,3,5", KEY_P " = $2", "'source', '\"web\"'", "1,3,5"},
        {"key gte", DQ("json_f__helpful__gte", 8), KEY_S() " >= ?", "'$.\"helpful\"', 8", "1,8", KEY_P " >= $2",
         "'helpful', '8'", "1,8"},
        /* jsonb orders a JSON null below numbers. */
        {"key lt", DQ("json_f__helpful__lt", 2), KEY_S() " < ?", "'$.\"helpful\"', 2", "4,6", KEY_P " < $2",
         "'helpful', '2'", "4,5,6"},
        {"nested key", DQ("json_f__lang__code", "\"fr\""), KEY_S() " = JSON_EXTRACT(?, '$')",
         "'$.\"lang\".\"code\"', '\"fr\"'", "8", PATH_P " = $2", "'{\"lang\",\"code\"}', '\"fr\"'", "8"},
        {"index", DQ("json_f__tags__0", "\"classic\""), KEY_S() " = JSON_EXTRACT(?, '$')",
         "'$.\"tags\"[0]', '\"classic\"'", "1,2", PATH_P " = $2", "'{\"tags\",\"0\"}', '\"classic\"'", "1,2"},
        {"index of the top", DQ("json_f__0", "\"x\""), KEY_S() " = JSON_EXTRACT(?, '$')", "'$[0]', '\"x\"'", "",
         "(" J " -> $1::integer) = $2", "0, '\"x\"'", ""},
        {"has_key", DQ("json_f__has_key", "lang"), "JSON_TYPE(" J ", ?) IS NOT NULL", "'$.\"lang\"'", "3,8", J " ? $1",
         "'lang'", "3,8"},
        {"has_keys", DQ("json_f__has_keys", DLIST("source", "tags")),
         "(JSON_TYPE(" J ", ?) IS NOT NULL AND JSON_TYPE(" J ", ?) IS NOT NULL)", "'$.\"source\"', '$.\"tags\"'",
         "1,2,3,4,5,8", J " ?& $1", "'{\"source\",\"tags\"}'", "1,2,3,4,5,8"},
        {"has_any_keys", DQ("json_f__has_any_keys", DLIST("lang", "extra")),
         "(JSON_TYPE(" J ", ?) IS NOT NULL OR JSON_TYPE(" J ", ?) IS NOT NULL)", "'$.\"lang\"', '$.\"extra\"'", "3,8",
         J " ?| $1", "'{\"lang\",\"extra\"}'", "3,8"},
        {"has_key of a key", DQ("json_f__lang__has_key", "code"), "JSON_TYPE(" J ", ?) IS NOT NULL",
         "'$.\"lang\".\"code\"'", "3,8", KEY_P " ? $2", "'lang', 'code'", "3,8"},
        {"has_keys of a key", DQ("json_f__lang__has_keys", DLIST("code")), "(JSON_TYPE(" J ", ?) IS NOT NULL)",
         "'$.\"lang\".\"code\"'", "3,8", KEY_P " ?& $2", "'lang', '{\"code\"}'", "3,8"},
        {"key isnull", DQ("json_f__source__isnull", true), "JSON_TYPE(" J ", ?) IS NULL", "'$.\"source\"'", "7",
         KEY_P " IS NULL", "'source'", "7"},
        {"key not isnull", DQ("json_f__source__isnull", false), "JSON_TYPE(" J ", ?) IS NOT NULL", "'$.\"source\"'",
         "1,2,3,4,5,6,8", KEY_P " IS NOT NULL", "'source'", "1,2,3,4,5,6,8"},
        {"index isnull", DQ("json_f__tags__0__isnull", true), "JSON_TYPE(" J ", ?) IS NULL", "'$.\"tags\"[0]'", "4,6",
         PATH_P " IS NULL", "'{\"tags\",\"0\"}'", "4,6"},
        {"JSON null", DQ("json_f__helpful", NULL), "JSON_TYPE(" J ", ?) = ?", "'$.\"helpful\"', 'null'", "5",
         KEY_P " = $2", "'helpful', 'null'", "5"},
        {"key in", DQ("json_f__source__in", DLIST("\"paper\"", "\"app\"")),
         KEY_S() " IN (JSON_EXTRACT(?, '$'), JSON_EXTRACT(?, '$'))", "'$.\"source\"', '\"paper\"', '\"app\"'", "2,4,6",
         KEY_P " IN ($2, $3)", "'source', '\"paper\"', '\"app\"'", "2,4,6"},
        {"numbers in", DQ("json_f__helpful__in", DLIST(0, 12)),
         KEY_S() " IN (JSON_EXTRACT(?, '$'), JSON_EXTRACT(?, '$'))", "'$.\"helpful\"', '0', '12'", "1,4",
         KEY_P " IN ($2, $3)", "'helpful', '0', '12'", "1,4"},
        /* Django binds range's JSON text as it is: SQLite compares it as text. */
        {"key range", DQ("json_f__helpful__range", DLIST(1, 5)), KEY_S() " BETWEEN ? AND ?",
         "'$.\"helpful\"', '1', '5'", "", KEY_P " BETWEEN $2 AND $3", "'helpful', '1', '5'", "2,6"},
        {"key iexact", DQ("json_f__source__iexact", "WEB"), KEY_S() " LIKE ? ESCAPE '\\'", "'$.\"source\"', 'WEB'",
         "1,3,5,8", "UPPER((" J " ->> $1)::text) = UPPER($2)", "'source', 'WEB'", "1,3,5,8"},
        {"key icontains", DQ("json_f__source__icontains", "E"), KEY_S() " LIKE ? ESCAPE '\\'", "'$.\"source\"', '%E%'",
         "1,3,4,5,8", "UPPER((" J " ->> $1)::text) LIKE UPPER($2)", "'source', '%E%'", "1,3,4,5,8"},
        {"key startswith", DQ("json_f__source__startswith", "w"), KEY_S() " GLOB ?", "'$.\"source\"', 'w*'", "1,3,5",
         "(" J " ->> $1)::text LIKE $2", "'source', 'w%'", "1,3,5"},
        {"key iendswith", DQ("json_f__source__iendswith", "B"), KEY_S() " LIKE ? ESCAPE '\\'", "'$.\"source\"', '%B'",
         "1,3,5,8", "UPPER((" J " ->> $1)::text) LIKE UPPER($2)", "'source', '%B'", "1,3,5,8"},
        {"key regex", DQ("json_f__source__regex", "^w"), KEY_S() " REGEXP ?", "'$.\"source\"', '^w'", "1,3,5",
         "(" J " ->> $1)::text ~ $2", "'source', '^w'", "1,3,5"},
        {"key iregex", DQ("json_f__source__iregex", "^W"), KEY_S() " REGEXP '(?i)' || ?", "'$.\"source\"', '^W'",
         "1,3,5,8", "(" J " ->> $1)::text ~* $2", "'source', '^W'", "1,3,5,8"},
        {"index startswith", DQ("json_f__tags__1__startswith", "c"), KEY_S() " GLOB ?", "'$.\"tags\"[1]', 'c*'", "5",
         "(" J " #>> $1)::text LIKE $2", "'{\"tags\",\"1\"}', 'c%'", "5"},
        {"key contains", DQ("json_f__source__contains", "\"e\""), NULL, NULL, NULL, KEY_P " @> $2", "'source', '\"e\"'",
         ""},
        {"contains", DQ("json_f__contains", "{\"source\": \"web\"}"), NULL, NULL, NULL, J " @> $1",
         "'{\"source\": \"web\"}'", "1,3,5"},
        {"contained_by", DQ("json_f__contained_by", "{\"source\": \"app\", \"helpful\": 1}"), NULL, NULL, NULL,
         J " <@ $1", "'{\"source\": \"app\", \"helpful\": 1}'", "6"},
        {"array key contains", DQ("json_f__tags__contains", "[\"classic\"]"), NULL, NULL, NULL, KEY_P " @> $2",
         "'tags', '[\"classic\"]'", "1,2,5"},
        {"float", DQ("json_f__helpful", 5.5), KEY_S() " = JSON_EXTRACT(?, '$')", "'$.\"helpful\"', '5.5'", "7",
         KEY_P " = $2", "'helpful', '5.5'", "7"},
        {"boolean", DQ("json_f__flag", (bool)true), KEY_S() " = JSON_EXTRACT(?, '$')", "'$.\"flag\"', 'true'", "8",
         KEY_P " = $2", "'flag', 'true'", "8"},
        {"array", DQ("json_f__tags", "[\"sf\"]"), KEY_S() " = JSON_EXTRACT(?, '$')", "'$.\"tags\"', '[\"sf\"]'", "7",
         KEY_P " = $2", "'tags', '[\"sf\"]'", "7"},
        {"object", DQ("json_f__lang", "{\"code\": \"en\"}"), KEY_S() " = JSON_EXTRACT(?, '$')",
         "'$.\"lang\"', '{\"code\": \"en\"}'", "3", KEY_P " = $2", "'lang', '{\"code\": \"en\"}'", "3"},
        /* A quote in a key is bound: escaped in SQLite's path (which then
         * finds nothing, as in Django), as it is on PostgreSQL. */
        {"quote in a key", DQ("json_f__x\"y", "\"q\""), KEY_S() " = JSON_EXTRACT(?, '$')", "'$.\"x\\\\\"y\"', '\"q\"'",
         "", KEY_P " = $2", "'x\"y', '\"q\"'", "7"},
        {"key gt float", DQ("json_f__helpful__gt", 2.5), KEY_S() " > ?", "'$.\"helpful\"', 2.5", "1,2,3,7,8",
         KEY_P " > $2", "'helpful', '2.5'", "1,2,3,7,8"},
        {"key lte", DQ("json_f__helpful__lte", 3), KEY_S() " <= ?", "'$.\"helpful\"', 3", "2,4,6", KEY_P " <= $2",
         "'helpful', '3'", "2,4,5,6"},
        {"key gt string", DQ("json_f__source__gt", "\"paper\""), KEY_S() " > ?", "'$.\"source\"', 'paper'", "1,3,5",
         KEY_P " > $2", "'source', '\"paper\"'", "1,3,5"},
        {"key against a key", DQ("json_f__source", dorm_F("json_f__source")), KEY_S() " = " KEY_S(),
         "'$.\"source\"', '$.\"source\"'", "1,2,3,4,5,6,8", KEY_P " = (" J " -> $2)", "'source', 'source'",
         "1,2,3,4,5,6,8"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) check(&cases[i]);
}

Test(json, exclude_json_null_has_no_null_guard) {
    dorm_qs *qs = dorm_exclude(all(), DQ("json_f__helpful", NULL));
    const char *sql = sql_of(qs, NULL);
    cr_assert_not_null(sql, "%s", dorm_qs_errmsg(qs));
    cr_expect(strstr(sql,
                     test_pick("WHERE NOT (JSON_TYPE(" J ", ?) = ?)", "WHERE NOT ((" J " -> $1) = $2)",
                               "WHERE NOT (" KEY_M " = JSON_EXTRACT(?, '$'))")),
              "%s", sql);
    cr_expect_str_eq(ids(qs), "1,2,3,4,6,7,8");
    /* Any other value: Django's guard for the nullable column. */
    qs = dorm_exclude(all(), DQ("json_f__source", "\"web\""));
    sql = sql_of(qs, NULL);
    cr_expect(strstr(sql,
                     test_pick("WHERE NOT (" KEY_S() " = JSON_EXTRACT(?, '$') AND " J " IS NOT NULL)",
                               "WHERE NOT (" KEY_P " = $2 AND " J " IS NOT NULL)",
                               "WHERE NOT (" KEY_M " = JSON_EXTRACT(?, '$') AND " J " IS NOT NULL)")),
              "%s", sql);
    cr_expect_str_eq(ids(qs), "2,4,6,8");
}

Test(json, json_null_and_sql_null) {
    cr_assert_not_null(dorm_create(T.cx, Everything, .json_f = NULL), "%s", dorm_errmsg(T.cx));
    cr_assert_not_null(dorm_create(T.cx, Everything, .json_f = "null"), "%s", dorm_errmsg(T.cx));
    dorm_qs *qs = dorm_filter(all(), DQ("json_f", NULL));
    const char *params;
    const char *sql = sql_of(qs, &params);
    cr_assert_not_null(sql, "%s", dorm_qs_errmsg(qs));
    cr_expect(strstr(sql,
                     test_pick("WHERE JSON_TYPE(" J ", '$') = ?", "WHERE " J " = $1",
                               "WHERE JSON_UNQUOTE(" J ") = JSON_EXTRACT(?, '$')")),
              "%s", sql);
    cr_expect_str_eq(items(params), "'null'");
    cr_expect_str_eq(ids(qs), "10");
    cr_expect_str_eq(ids(dorm_filter(all(), DQ("json_f__isnull", true))), "9");
    cr_expect_str_eq(ids(dorm_filter(all(), DQ("json_f__helpful", NULL))), "5");
    cr_expect_str_eq(ids(dorm_filter(all(), DQ("json_f__source__isnull", true))), "7,9,10");
    cr_expect_str_eq(ids(dorm_exclude(all(), DQ("json_f", NULL))), "1,2,3,4,5,6,7,8");
    cr_expect_str_eq(ids(dorm_filter(all(), DQ("json_f", "{\"source\": \"app\", \"helpful\": 1}"))), "6");
}

static const dorm_row *const *rows_of(dorm_qs *qs, size_t want) {
    size_t n;
    const dorm_row **rows = dorm_rows(qs, &n);
    cr_assert_not_null(rows, "%s", dorm_qs_errmsg(qs));
    cr_assert_eq(n, want);
    return rows;
}

static const char *text_of(const dorm_value *v) { return v->type == DORM_T_NULL ? "None" : v->u.s; }

Test(json, values_of_keys_are_json_text) {
    dorm_qs *qs = dorm_values(dorm_order_by(all(), "id"), "json_f__source", "json_f__helpful", "json_f__tags",
                              "json_f__tags__0", "json_f__lang__code", "json_f__flag");
    const char *params;
    const char *sql = sql_of(qs, &params);
    cr_assert_not_null(sql, "%s", dorm_qs_errmsg(qs));
    if (!strchr(sql, '$')) {
        cr_expect_str_eq(
            sql,
            "SELECT " KEY_S() ", " KEY_S() ", " KEY_S() ", " KEY_S() ", " KEY_S() ", " KEY_S() " FROM " E " ORDER BY " E
                                                                                               ".\"id\" ASC");
        cr_expect_str_eq(items(params),
                         "'$.\"source\"', '$.\"helpful\"', '$.\"tags\"', '$.\"tags\"[0]', "
                         "'$.\"lang\".\"code\"', '$.\"flag\"'");
    } else {
        cr_expect_str_eq(sql,
                         "SELECT (" J " -> $1), (" J " -> $2), (" J " -> $3), (" J " #> $4), (" J " #> $5), (" J
                         " -> $6) FROM " E " ORDER BY " E ".\"id\" ASC");
        cr_expect_str_eq(items(params),
                         "'source', 'helpful', 'tags', '{\"tags\",\"0\"}', '{\"lang\",\"code\"}', 'flag'");
    }
    const dorm_row *const *rows = rows_of(qs, 8);
    /* A string reads as its JSON text on every backend (SQLite hands back
     * its bare text); SQLite's JSON true is the integer 1, as in Django;
     * MariaDB keeps the text as it was stored. */
    cr_expect_str_eq(text_of(&rows[0]->values[0]), "\"web\"");
    cr_expect_str_eq(text_of(&rows[0]->values[1]), "12");
    cr_expect_str_eq(text_of(&rows[0]->values[2]),
                     on_sqlite() ? "[\"classic\",\"romance\"]" : "[\"classic\", \"romance\"]");
    cr_expect_str_eq(text_of(&rows[0]->values[3]), "\"classic\"");
    cr_expect_str_eq(text_of(&rows[0]->values[4]), "None");
    cr_expect_str_eq(text_of(&rows[2]->values[4]), "\"en\"");
    cr_expect_str_eq(text_of(&rows[3]->values[3]), "None");
    cr_expect_str_eq(text_of(&rows[4]->values[1]), on_sqlite() ? "None" : "null");
    cr_expect_str_eq(text_of(&rows[6]->values[0]), "None");
    cr_expect_str_eq(text_of(&rows[6]->values[1]), "5.5");
    cr_expect_str_eq(text_of(&rows[7]->values[5]), on_sqlite() ? "1" : "true");
}

Test(json, key_text_transform) {
    dorm_qs *qs = dorm_values_flat(
        dorm_order_by(dorm_annotate(all(), DAS("s", DKeyTextTransform("source", "json_f"))), "id"), "s");
    const char *params;
    const char *sql = sql_of(qs, &params);
    cr_assert_not_null(sql, "%s", dorm_qs_errmsg(qs));
    cr_expect_str_eq(sql,
                     test_pick("SELECT " KEY_S() " AS \"s\" FROM " E " ORDER BY " E ".\"id\" ASC",
                               "SELECT (" J " ->> $1) AS \"s\" FROM " E " ORDER BY " E ".\"id\" ASC",
                               "SELECT " KEY_M " AS \"s\" FROM " E " ORDER BY " E ".\"id\" ASC"));
    cr_expect_str_eq(items(params), on_sqlite() || test_db_on_mysql() ? "'$.\"source\"'" : "'source'");
    const dorm_row *const *rows = rows_of(qs, 8);
    const char *want[] = {"web", "app", "web", "paper", "web", "app", "None", "Web"};
    for (int i = 0; i < 8; i++) cr_expect_str_eq(text_of(&rows[i]->values[0]), want[i]);

    qs = dorm_values_flat(
        dorm_order_by(dorm_annotate(all(), DAS("s", DKeyTextTransform("code", DKeyTextTransform("lang", "json_f")))),
                      "id"),
        "s");
    sql = sql_of(qs, &params);
    cr_assert_not_null(sql, "%s", dorm_qs_errmsg(qs));
    cr_expect(
        strstr(sql,
               test_pick("SELECT " KEY_S() " AS \"s\"", "SELECT (" J " #>> $1) AS \"s\"", "SELECT " KEY_M " AS \"s\"")),
        "%s", sql);
    cr_expect_str_eq(items(params),
                     on_sqlite() || test_db_on_mysql() ? "'$.\"lang\".\"code\"'" : "'{\"lang\",\"code\"}'");
    rows = rows_of(qs, 8);
    cr_expect_str_eq(text_of(&rows[2]->values[0]), "en");
    cr_expect_str_eq(text_of(&rows[7]->values[0]), "fr");

    /* A KeyTextTransform compares as text (Django 4.2's KT(); Django 3.2
     * compares its text with JSON text and finds nothing on PostgreSQL). */
    qs = dorm_filter(dorm_annotate(all(), DAS("s", DKeyTextTransform("source", "json_f"))), DQ("s", "web"));
    cr_expect_str_eq(ids(qs), "1,3,5");
    /* KeyTransform keeps JSON. */
    qs = dorm_values_flat(dorm_order_by(dorm_annotate(all(), DAS("t", DKeyTransform("tags", "json_f"))), "id"), "t");
    rows = rows_of(qs, 8);
    cr_expect_str_eq(text_of(&rows[1]->values[0]), "[\"classic\"]");
    cr_expect_str_eq(text_of(&rows[5]->values[0]), "None");
}

Test(json, keys_in_annotate_order_by_and_grouping) {
    /* F() of a key, then a lookup on the annotation. */
    dorm_qs *qs = dorm_filter(dorm_annotate(all(), DAS("h", dorm_F("json_f__helpful"))), DQ("h__gt", 4));
    cr_expect_str_eq(ids(qs), "1,3,7,8");
    /* A key of a key annotation collapses into one path. */
    qs = dorm_filter(dorm_annotate(all(), DAS("l", DKeyTransform("lang", "json_f"))), DQ("l__code", "\"fr\""));
    const char *params;
    const char *sql = sql_of(qs, &params);
    cr_assert_not_null(sql, "%s", dorm_qs_errmsg(qs));
    cr_expect(strstr(sql,
                     test_pick("WHERE " KEY_S() " = JSON_EXTRACT(?, '$')", "WHERE (" J " #> $2) = $3",
                               "WHERE " KEY_M " = JSON_EXTRACT(?, '$')")),
              "%s", sql);
    cr_expect_str_eq(ids(qs), "8");

    /* MariaDB orders JSON_EXTRACT's text: "0" < "1" < "12" < "3" ... < "null"
     * (Django's order there too). */
    const char *by_helpful = test_ids(dorm_order_by(all(), "json_f__helpful", "id"));
    cr_expect_str_eq(by_helpful, test_pick("5,4,6,2,7,3,8,1", "5,4,6,2,7,3,8,1", "4,6,1,2,7,3,8,5"));
    /* PostgreSQL puts a missing key (NULL) first when descending. */
    qs = dorm_order_by(all(), "-json_f__source", "id");
    sql = sql_of(qs, &params);
    cr_assert_not_null(sql, "%s", dorm_qs_errmsg(qs));
    cr_expect(strstr(sql,
                     !strchr(sql, '$') ? " ORDER BY " KEY_S() " DESC, " E ".\"id\" ASC"
                                       : " ORDER BY (" J " -> $1) DESC, " E ".\"id\" ASC"),
              "%s", sql);
    cr_expect_str_eq(test_ids(qs), test_pick("1,3,5,4,2,6,8,7", "7,1,3,5,4,2,6,8", "1,3,5,4,2,6,8,7"));

    /* Grouped by a key's text. */
    qs = dorm_order_by(
        dorm_annotate(dorm_values(dorm_filter(dorm_annotate(all(), DAS("src", DKeyTextTransform("source", "json_f"))),
                                              DQ("src__in", DLIST("web", "app"))),
                                  "src"),
                      DAS("n", DCount("id"))),
        "-n");
    sql = sql_of(qs, &params);
    cr_assert_not_null(sql, "%s", dorm_qs_errmsg(qs));
    cr_expect(strstr(sql, test_pick("GROUP BY " KEY_S(), "GROUP BY (" J " ->> $1)", "GROUP BY " KEY_M)), "%s", sql);
    const dorm_row *const *g = rows_of(qs, 2);
    cr_expect_str_eq(g[0]->values[0].u.s, "web");
    cr_expect_eq(g[0]->values[1].u.i, 3);
    cr_expect_str_eq(g[1]->values[0].u.s, "app");
    cr_expect_eq(g[1]->values[1].u.i, 2);

    /* Cast of a key's text, ordered by it. */
    qs = dorm_values_flat(
        dorm_order_by(dorm_annotate(dorm_exclude(all(), DQ("json_f__helpful", 5.5)),
                                    DAS("h", DCast(DKeyTextTransform("helpful", "json_f"), DORM_KIND_INT))),
                      DDesc("h"), "id"),
        "h");
    size_t n;
    const dorm_row **rows = dorm_rows(qs, &n);
    cr_assert_not_null(rows, "%s", dorm_qs_errmsg(qs));
    char got[64] = "";
    for (size_t i = 0; i < n; i++) {
        const dorm_value *v = &rows[i]->values[0];
        if (i) strcat(got, ",");
        if (v->type == DORM_T_NULL)
            strcat(got, "None");
        else
            snprintf(got + strlen(got), sizeof got - strlen(got), "%lld", (long long)v->u.i);
    }
    /* MariaDB casts a JSON null to 0, as Django's query finds there. */
    cr_expect_str_eq(got, test_pick("12,8,7,3,1,0", "None,12,8,7,3,1,0", "12,8,7,3,1,0,0"));
}

Test(json, update_by_key) {
    int64_t n = dorm_update(dorm_filter(all(), DQ("json_f__helpful", NULL)), DSET("int_f", 1));
    cr_assert_eq(n, 1, "%s", dorm_errmsg(T.cx));
    cr_expect_str_eq(ids(dorm_filter(all(), DQ("int_f", 1))), "5");
}

Test(json, misuse) {
    dorm_qs *qs = dorm_filter(all(), DQ("json_f__source", "web"));
    cr_expect_eq(dorm_qs_errcode(qs), DORM_EVALUE);
    cr_expect_str_eq(dorm_qs_errmsg(qs),
                     "The value of 'json_f__source' is not JSON text: 'web' (a JSONField's values "
                     "are JSON: \"\\\"web\\\"\" for the string web).");
    qs = dorm_filter(all(), DQ("json_f__helpful__lt", NULL));
    cr_expect_str_eq(dorm_qs_errmsg(qs), "Cannot use None as a query value");
    dorm_decimal one;
    cr_assert_eq(dorm_decimal_from_double(1.0, 2, &one), 0);
    qs = dorm_filter(all(), DQ("json_f__helpful", one));
    cr_expect_str_eq(dorm_qs_errmsg(qs), "Object of type Decimal is not JSON serializable");
    qs = dorm_filter(all(), DQ("json_f__helpful", (dorm_duration){.usec = 1}));
    cr_expect_str_eq(dorm_qs_errmsg(qs), "Object of type timedelta is not JSON serializable");
    qs = dorm_annotate(all(), DAS("k", DKeyTransform("a", "char_f")));
    cr_expect_str_eq(dorm_qs_errmsg(qs), "KeyTransform() needs a JSON expression, not a CharField.");
    qs = dorm_filter(all(), DQ("json_f__has_keys", "source"));
    cr_expect_str_eq(dorm_qs_errmsg(qs), "The value of 'json_f__has_keys' must be a list (DLIST or dorm_v_list).");
    cr_expect_str_eq(ids(dorm_filter(all(), DQ("json_f__has_keys", dorm_v_list(NULL, 0)))), "");
    if (on_sqlite()) {
        qs = dorm_filter(all(), DQ("json_f__contained_by", "{}"));
        cr_expect_eq(dorm_qs_errcode(qs), DORM_ENOTSUPPORTED);
        cr_expect_str_eq(dorm_qs_errmsg(qs), "contained_by lookup is not supported on this database backend.");
    }
}
