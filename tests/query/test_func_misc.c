/* test_func_misc.c - the functions that are more than a call: Random()
 * (values in [0, 1), and order_by(Random()) beside order_by("?")),
 * Collate (a collation of each backend in annotate, filter and order_by,
 * and names Django refuses), JSONObject (nested, F() and arithmetic values,
 * NULL, quoted keys, the empty object, a key of it in a filter), and the
 * error a PostgreSQL server without pgcrypto gives SHA1 ... SHA512.  SQL
 * and results are Django 3.2's on each backend, with the JSON text as the
 * database writes it. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "backend/db.h"
#include "testdb.h"

static void catalogue(void) {
    test_db_open();
    test_db_catalogue();
}

TestSuite(func_misc, .init = catalogue, .fini = test_db_close);

/* The SELECT list of qs (between SELECT and FROM), in SQLite's quoting. */
static const char *select_list(dorm_qs *qs) {
    const char *sql = dorm_qs_sql(qs, NULL);
    cr_assert_not_null(sql, "%s", dorm_errmsg(T.cx));
    sql = test_sql_std(sql);
    const char *from = strstr(sql, " FROM ");
    cr_assert(strncmp(sql, "SELECT ", 7) == 0 && from, "%s", sql);
    return dorm_sprintf(T.cx, "%.*s", (int)(from - sql - 7), sql + 7);
}

/* The SQL of a QuerySet of books after FROM "library_book", in SQLite's
 * quoting. */
static const char *after_from(dorm_qs *qs) {
    static const char from[] = " FROM \"library_book\"";
    const char *sql = dorm_qs_sql(qs, NULL);
    cr_assert_not_null(sql, "%s", dorm_errmsg(T.cx));
    sql = test_sql_std(sql);
    const char *p = strstr(sql, from);
    cr_assert_not_null(p, "%s", sql);
    return p + strlen(from);
}

/* The titles qs gives, joined by "|". */
static const char *titles(dorm_qs *qs) {
    size_t n;
    const dorm_row **rows = dorm_rows(dorm_values_flat(qs, "title"), &n);
    cr_assert_not_null(rows, "%s", dorm_errmsg(T.cx));
    char *out = dorm_sprintf(T.cx, "%s", "");
    for (size_t i = 0; i < n; i++) out = dorm_sprintf(T.cx, "%s%s%s", out, i ? "|" : "", rows[i]->values[0].u.s);
    return out;
}

static dorm_qs *books(void) { return dorm_all(T.cx, Book); }

Test(func_misc, random) {
    /* Django's Random(): RAND() on SQLite (a function it registers, as dorm
     * does: a float in [0, 1), not SQLite's 64-bit RANDOM()). */
    dorm_qs *qs = dorm_values_flat(dorm_annotate(books(), DAS("x", DRandom())), "x");
    cr_expect_str_eq(select_list(qs), test_pick("RAND() AS \"x\"", "RANDOM() AS \"x\"", "RAND() AS \"x\""));
    size_t n;
    const dorm_row **rows = dorm_rows(qs, &n);
    cr_assert_not_null(rows, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(n, 8);
    bool differ = false;
    for (size_t i = 0; i < n; i++) {
        const dorm_value *v = &rows[i]->values[0];
        cr_assert_eq(v->type, DORM_T_FLOAT, "a FloatField");
        cr_expect(v->u.f >= 0.0 && v->u.f < 1.0, "%g", v->u.f);
        differ = differ || v->u.f != rows[0]->values[0].u.f;
    }
    cr_expect(differ, "a new value for each row");
    /* order_by(Random()) is Django's "RAND() ASC"; order_by("?") keeps
     * dorm's spelling (docs/design.md). */
    dorm_qs *shuffled = dorm_order_by(books(), DRandom());
    cr_expect_str_eq(after_from(shuffled),
                     test_pick(" ORDER BY RAND() ASC", " ORDER BY RANDOM() ASC", " ORDER BY RAND() ASC"));
    cr_expect_eq(dorm_count(shuffled), 8);
    size_t m;
    cr_assert_not_null(dorm_rows(dorm_values_flat(shuffled, "title"), &m), "%s", dorm_errmsg(T.cx));
    cr_expect_eq(m, 8);
    cr_assert_not_null(dorm_rows(dorm_values_flat(dorm_order_by(books(), "?"), "title"), &m), "%s", dorm_errmsg(T.cx));
    cr_expect_eq(m, 8);
    /* Arity as Django's Func checks it. */
    cr_expect_str_eq(dorm_qs_errmsg(dorm_annotate(books(), DAS("x", DFunc("Random", 1)))),
                     "'Random' takes exactly 0 arguments (1 given)");
}

/* A case-insensitive collation of each backend, and a binary one. */
#define CI test_pick("NOCASE", "und-x-icu", "utf8mb4_general_ci")
#define BIN test_pick("BINARY", "C", "utf8mb4_bin")

Test(func_misc, collate) {
    Author *tolkien = dorm_get(dorm_all(T.cx, Author), DQ("name", "J.R.R. Tolkien"));
    cr_assert_not_null(tolkien, "%s", dorm_errmsg(T.cx));
    cr_assert_not_null(dorm_create(T.cx, Book, .title = "a study in scarlet", .author = {tolkien->id, NULL},
                                   .publication_date = dorm_date_ymd(1887, 11, 1), .isbn = "9780140439083",
                                   .genre = "FIC", .pages = 188),
                       "%s", dorm_errmsg(T.cx));
    /* order_by: the lower-case title sorts among the others, or after all. */
    dorm_qs *qs = dorm_order_by(books(), DCollate("title", CI));
    const char *want = dorm_sprintf(T.cx, " ORDER BY \"library_book\".\"title\" COLLATE \"%s\" ASC", CI);
    cr_expect_str_eq(after_from(qs), want);
    cr_expect_str_eq(titles(qs),
                     "1984|a study in scarlet|Animal Farm|Emma|Homage to Catalonia|On Fairy-Stories|"
                     "Persuasion|Pride and Prejudice|The Hobbit");
    cr_expect_str_eq(titles(dorm_order_by(books(), DDesc(DCollate("title", BIN)))),
                     "a study in scarlet|The Hobbit|Pride and Prejudice|Persuasion|On Fairy-Stories|"
                     "Homage to Catalonia|Emma|Animal Farm|1984");
    /* filter: a value compared in the collation (PostgreSQL's ICU
     * collations are deterministic: equal only when the bytes are). */
    dorm_qs *eq = dorm_filter(books(), DQ("title", DCollate(DValue("THE HOBBIT"), CI)));
    want = dorm_sprintf(T.cx, " WHERE \"library_book\".\"title\" = %s COLLATE \"%s\"",
                        test_pick("?", "?::varchar", "?"), CI);
    cr_expect(strncmp(after_from(eq), want, strlen(want)) == 0, "%s", after_from(eq));
    cr_expect_str_eq(titles(eq), test_pick("The Hobbit", "", "The Hobbit"));
    /* annotate, then filter and order on the annotation. */
    dorm_qs *ann = dorm_annotate(books(), DAS("t", DCollate("title", CI)));
    cr_expect_str_eq(titles(dorm_filter(ann, DQ("t", "the HOBBIT"))), test_pick("The Hobbit", "", "The Hobbit"));
    cr_expect_str_eq(titles(dorm_filter(ann, DQ("t", "The Hobbit"))), "The Hobbit");
    cr_expect_str_eq(titles(dorm_order_by(dorm_filter(ann, DQ("t__lt", "B")), "t")),
                     "1984|a study in scarlet|Animal Farm");
    const dorm_row *r = dorm_first(dorm_values(dorm_filter(ann, DQ("title", "Emma")), "t"));
    cr_assert_not_null(r, "%s", dorm_errmsg(T.cx));
    cr_expect_str_eq(r->values[0].u.s, "Emma");
}

Test(func_misc, collate_names_refused) {
    /* Django's check, before any SQL: ^[\w\-]+$, with the name's repr. */
    static const struct {
        const char *name, *msg;
    } bad[] = {
        {"nocase\"; DROP TABLE library_book; --", "Invalid collation name: 'nocase\"; DROP TABLE library_book; --'."},
        {"x'y", "Invalid collation name: \"x'y\"."},
        {"", "Invalid collation name: ''."},
        {NULL, "Invalid collation name: None."},
        {"C collate \"x\"", "Invalid collation name: 'C collate \"x\"'."},
        {"a\nb", "Invalid collation name: 'a\\nb'."},
        /* Stricter than Django: ASCII only, and no longer than 63 bytes. */
        {"caf\xc3\xa9", "Invalid collation name: 'caf\xc3\xa9'."},
        {"a123456789012345678901234567890123456789012345678901234567890123",
         "Invalid collation name: 'a123456789012345678901234567890123456789012345678901234567890123'."},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        dorm_qs *qs = dorm_annotate(books(), DAS("x", DCollate("title", bad[i].name)));
        cr_expect_eq(dorm_qs_errcode(qs), DORM_EVALUE);
        cr_expect_str_eq(dorm_qs_errmsg(qs), bad[i].msg);
        cr_expect_str_eq(dorm_qs_errmsg(dorm_order_by(books(), DCollate("title", bad[i].name))), bad[i].msg);
        cr_expect_str_eq(dorm_qs_errmsg(dorm_filter(books(), DQ("title", DCollate(DValue("x"), bad[i].name)))),
                         bad[i].msg);
    }
    cr_expect_str_eq(dorm_qs_errmsg(dorm_annotate(books(), DAS("x", DFunc("Collate", "title")))),
                     "Invalid collation name: None.");
    /* A good name of 63 bytes passes the check (the server then decides). */
    dorm_qs *ok = dorm_annotate(books(),
                                DAS("x",
                                    DCollate("title",
                                             "C-123456789012345678901234567890123456789012345678"
                                             "901234567890")));
    cr_expect_eq(dorm_qs_errcode(ok), 0, "%s", dorm_qs_errmsg(ok));
    cr_expect_eq(dorm_count(books()), 8, "the table is still there");
}

/* The text of annotation "x" of The Hobbit (JSON, a digest). */
static const char *hobbit_text(const dorm_expr *e) {
    dorm_qs *qs = dorm_filter(dorm_all(T.cx, Book), DQ("title", "The Hobbit"));
    const dorm_row *r = dorm_first(dorm_values_flat(dorm_annotate(qs, DAS("x", e)), "x"));
    cr_assert_not_null(r, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(r->values[0].type, DORM_T_TEXT);
    return r->values[0].u.s;
}

Test(func_misc, json_object) {
    /* Nested objects, a decimal value, F() arithmetic. */
    const dorm_expr *nested = DJSONObject(DKV("a", DJSONObject(DKV("b", "pages"))), DKV("c", DValue(1.5)),
                                          DKV("twice", dorm_mul(dorm_F("pages"), 2)), DKV("low", DLower("title")));
    dorm_qs *qs = dorm_values_flat(dorm_annotate(books(), DAS("x", nested)), "x");
    cr_expect_str_eq(
        select_list(qs),
        test_pick(
            "JSON_OBJECT(?, JSON_OBJECT(?, \"library_book\".\"pages\"), ?, ?, ?, (\"library_book\".\"pages\" * ?), "
            "?, LOWER(\"library_book\".\"title\")) AS \"x\"",
            "JSONB_BUILD_OBJECT(?::varchar, JSONB_BUILD_OBJECT(?::varchar, \"library_book\".\"pages\"), "
            "?::varchar, ?::numeric, ?::varchar, (\"library_book\".\"pages\" * ?), ?::varchar, "
            "LOWER(\"library_book\".\"title\")) AS \"x\"",
            "JSON_OBJECT(?, JSON_OBJECT(?, \"library_book\".\"pages\"), ?, ?, ?, (\"library_book\".\"pages\" * ?), "
            "?, LOWER(\"library_book\".\"title\")) AS \"x\""));
    cr_expect_str_eq(hobbit_text(nested),
                     test_pick("{\"a\":{\"b\":310},\"c\":1.5,\"twice\":620,\"low\":\"the hobbit\"}",
                               "{\"a\": {\"b\": 310}, \"c\": 1.5, \"low\": \"the hobbit\", \"twice\": 620}",
                               "{\"a\": {\"b\": 310}, \"c\": 1.5, \"twice\": 620, \"low\": \"the hobbit\"}"));
    /* Keys are bound: quotes in them are JSON's business. */
    cr_expect_str_eq(hobbit_text(DJSONObject(DKV("we'ird \"k", "pages"), DKV("n", NULL))),
                     test_pick("{\"we'ird \\\"k\":310,\"n\":null}", "{\"n\": null, \"we'ird \\\"k\": 310}",
                               "{\"we'ird \\\"k\": 310, \"n\": null}"));
    cr_expect_str_eq(hobbit_text(DFunc("JSONObject")), "{}");
    /* A path across a relation, as in any argument. */
    cr_expect_str_eq(hobbit_text(DJSONObject(DKV("author", DJSONObject(DKV("name", "author__name"))))),
                     test_pick("{\"author\":{\"name\":\"J.R.R. Tolkien\"}}",
                               "{\"author\": {\"name\": \"J.R.R. Tolkien\"}}",
                               "{\"author\": {\"name\": \"J.R.R. Tolkien\"}}"));
    /* A key of the annotation in a filter (a JSON transform). */
    dorm_qs *ann = dorm_annotate(books(), DAS("j", DJSONObject(DKV("pages", "pages"), DKV("genre", "genre"))));
    cr_expect_str_eq(titles(dorm_order_by(dorm_filter(ann, DQ("j__pages__gt", 400)), "title")),
                     "Emma|Pride and Prejudice");
    cr_expect_eq(dorm_count(dorm_filter(ann, DQ("j__genre", "\"NON\""))), 1);
    /* Misuse. */
    cr_expect_str_eq(dorm_qs_errmsg(dorm_annotate(books(), DAS("x", DJSONObject(dorm_F("title"))))),
                     "JSONObject() takes its fields as DKV(key, value) pairs.");
    cr_expect_str_eq(dorm_qs_errmsg(dorm_annotate(books(), DAS("x", DKV("a", "title")))),
                     "DKV() can only be used inside JSONObject().");
    cr_expect_str_eq(dorm_qs_errmsg(dorm_annotate(books(), DAS("x", DJSONObject(DKV(NULL, "title"))))),
                     "JSONObject() takes its fields as DKV(key, value) pairs.");
}

/* SHA of UTF-8 text: the digest of its bytes, as hashlib's of
 * "caf\u00e9".encode() (Django's SQLite functions). */
Test(func_misc, sha_of_utf8) {
    cr_expect_str_eq(hobbit_text(DSHA256(DValue("caf\xc3\xa9"))),
                     "850f7dc43910ff890f8879c0ed26fe697c93a067ad93a7d50f466a7028a9bf4e");
    cr_expect_str_eq(hobbit_text(DSHA1(DValue("caf\xc3\xa9"))), "f424452a9673918c6f09b0cdd35b20be8e6ae7d7");
}

/* On a PostgreSQL server without pgcrypto on the search_path, SHA1 ...
 * SHA512 fail with the server's own words (docs/backends.md says what to
 * do); the test server has it in public, so the search_path leaves it out
 * here. */
Test(func_misc, sha_without_pgcrypto) {
    if (test_db_on_mysql() || strncmp(test_db_url(), "postgres", 8) != 0) return;
    char sql[96];
    snprintf(sql, sizeof sql, "SET search_path TO \"%s\"", test_db_schema());
    dorm_errbuf e = {0, ""};
    cr_assert_eq(dorm_db__exec(T.db, sql, &e), 0, "%s", e.msg);
    dorm_qs *qs = dorm_values_flat(dorm_annotate(books(), DAS("x", DSHA256("title"))), "x");
    cr_assert_null(dorm_rows(qs, NULL));
    cr_expect(strstr(dorm_errmsg(T.cx), "function digest(character varying, unknown) does not exist"), "%s",
              dorm_errmsg(T.cx));
}
