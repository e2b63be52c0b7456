/* pg_data.c - PostgreSQL with models: every field kind round-trips exactly
 * (numeric, UTC timestamptz, bytea with NUL, uuid, jsonb, boolean) and is
 * stored in its native type; SQLSTATEs map to dorm's errors and the
 * connection is usable again once the failed transaction is rolled back. */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "backend/db.h"
#include "testdb.h"

/* A model with table constraints, in an app of its own. */
typedef struct Priced {
    DORM_OBJECT;
    int64_t id;
    const char *label;
    int32_t cents;
} Priced;
static const dorm_q cents_not_negative = {DORM_Q_LEAF, "cents__gte", DORM_VINT(0), NULL};
static const dorm_field Priced_fields[] = {
    DORM_AUTO(Priced, id),
    DORM_CHAR(Priced, label, .max_length = 20),
    DORM_INT(Priced, cents),
    DORM_END,
};
static const dorm_model Priced_model = DORM_MODEL(
    Priced, "shop", Priced_fields,
    .constraints = DORM_CONSTRAINTS({DORM_CONSTRAINT_UNIQUE, "priced_label_uniq", DORM_LIST("label"), NULL},
                                    {DORM_CONSTRAINT_CHECK, "priced_cents_gte_0", NULL, &cents_not_negative}));

/* Models whose PostgreSQL DDL has every deferred statement of Django's:
 * "_like" indexes (varchar and text, primary key, unique, db_index, a key to
 * a varchar), unique_together as a constraint, foreign keys by ALTER TABLE,
 * and names past 63 characters shortened as Django shortens them. */
typedef struct Pub {
    DORM_OBJECT;
    const char *code;
    const char *slug;
    const char *email;
    const char *notes;
} Pub;
typedef struct Ed {
    DORM_OBJECT;
    int64_t id;
    DORM_FK_TO(Pub, const char *) pub;
    int32_t a, b;
} Ed;
typedef struct Averyveryverylongmodelnamethatkeepsgoingon {
    DORM_OBJECT;
    int64_t id;
    DORM_FK_TO(Pub, const char *) publisher_of_record;
} Averyveryverylongmodelnamethatkeepsgoingon;
DORM_MODEL_DECLARE(Pub);
static const dorm_field Pub_fields[] = {
    DORM_CHAR(Pub, code, .max_length = 10, .primary_key = true),
    DORM_SLUG(Pub, slug, .max_length = 50),
    DORM_EMAIL(Pub, email, .max_length = 254, .unique = true),
    DORM_TEXT(Pub, notes, .db_index = true),
    DORM_END,
};
const dorm_model Pub_model = DORM_MODEL(Pub, "shop", Pub_fields);
static const dorm_field Ed_fields[] = {
    DORM_AUTO(Ed, id), DORM_FOREIGN_KEY(Ed, pub, Pub, .on_delete = DORM_CASCADE), DORM_INT(Ed, a), DORM_INT(Ed, b),
    DORM_END,
};
static const dorm_model Ed_model =
    DORM_MODEL(Ed, "shop", Ed_fields, .unique_together = DORM_UNIQUE_TOGETHER(DORM_LIST("a", "b")));
static const dorm_field Long_fields[] = {
    DORM_AUTO(Averyveryverylongmodelnamethatkeepsgoingon, id),
    DORM_FOREIGN_KEY(Averyveryverylongmodelnamethatkeepsgoingon, publisher_of_record, Pub, .on_delete = DORM_CASCADE),
    DORM_END,
};
static const dorm_model Long_model = DORM_MODEL(Averyveryverylongmodelnamethatkeepsgoingon, "shop", Long_fields);

static void pg_open(void) {
    if (strncmp(test_db_url(), "postgres", 8) != 0) cr_skip_test("needs DORM_TEST_URL=postgres://...");
    test_db_open();
}

/* The text PostgreSQL gives for `sql` (one row, one column), in `out`. */
static void server_text(const char *sql, char *out, size_t cap) {
    dorm_cached_stmt *cs;
    dorm_errbuf e = {0, ""};
    cr_assert_eq(dorm_db__prepare(T.db, sql, DORM_STRLEN, &cs, &e), 0, "%s: %s", sql, e.msg);
    cr_assert_eq(dorm_db__run(T.db, cs, NULL, 0, &e), DORM_STEP_ROW, "%s: %s", sql, e.msg);
    size_t n;
    const char *s = T.db->drv->column_text(cs->stmt, 0, &n);
    snprintf(out, cap, "%.*s", (int)n, s ? s : "NULL");
    dorm_db__release(T.db, cs);
}

Test(pg_data, every_kind_round_trips, .init = pg_open, .fini = test_db_close) {
    static const unsigned char bytes[] = {0, 1, 0xff, 0, '\\', 'x'};
    dorm_uuid u;
    cr_assert_eq(dorm_uuid_parse("12345678-9abc-def0-1234-56789abcdef0", 36, &u), 0);
    dorm_datetime when = dorm_datetime_utc(2024, 2, 29, 23, 59, 58, 123456);
    Everything *e = dorm_create(
        T.cx, Everything, .char_f = "caf\xc3\xa9 'q' \"d\"", .text_f = "line\nbreak", .int_f = -2147483647 - 1,
        .bigint_f = INT64_MAX, .smallint_f = -32768, .posint_f = 2147483647, .possmallint_f = 32767,
        .float_f = 0.1 + 0.2, .decimal_f = DORM_DEC(1234567891, 2), .bool_f = true, .date_f = dorm_date_ymd(1, 1, 1),
        .datetime_f = when, .time_f = dorm_time_hms(23, 59, 59, 999999), .uuid_f = u,
        .json_f = "{\"a\": [1, 2.5, null], \"b\": \"\\u00e9\"}", .binary_f = {bytes, sizeof bytes});
    cr_assert_not_null(e, "%s", dorm_errmsg(T.cx));
    cr_assert_gt(e->id, 0);
    Everything *g = dorm_get(dorm_all(T.cx, Everything), DQ("pk", e->id));
    cr_assert_not_null(g, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(g->char_f, "caf\xc3\xa9 'q' \"d\"");
    cr_assert_str_eq(g->text_f, "line\nbreak");
    cr_assert_eq(g->int_f, -2147483647 - 1);
    cr_assert_eq(g->bigint_f, INT64_MAX);
    cr_assert_eq(g->smallint_f, -32768);
    cr_assert_eq(g->posint_f, 2147483647);
    cr_assert_eq(g->possmallint_f, 32767);
    cr_assert_eq(g->float_f, 0.1 + 0.2, "doubles keep all 17 digits");
    cr_assert_eq(dorm_decimal_cmp(g->decimal_f, dorm_decimal_from_int(1234567891, 2)), 0);
    cr_assert_eq(g->decimal_f.scale, 2);
    cr_assert(g->bool_f);
    cr_assert_eq(g->date_f.year, 1);
    cr_assert_eq(g->datetime_f.usec, when.usec);
    cr_assert_eq(g->time_f.usec, 999999);
    cr_assert_eq(memcmp(g->uuid_f.bytes, u.bytes, 16), 0);
    cr_assert_eq(g->binary_f.len, sizeof bytes);
    cr_assert_eq(memcmp(g->binary_f.data, bytes, sizeof bytes), 0);
    /* jsonb keeps the value, not the spelling. */
    cr_assert_str_eq(g->json_f, "{\"a\": [1, 2.5, null], \"b\": \"\xc3\xa9\"}");
    cr_assert_neq(g->created.usec, 0, "auto_now_add was written");

    /* Stored in PostgreSQL's own types, datetimes in UTC. */
    char text[128];
    server_text("SELECT pg_typeof(\"datetime_f\")::text || ' ' || \"datetime_f\"::text FROM \"library_everything\"",
                text, sizeof text);
    cr_assert_str_eq(text, "timestamp with time zone 2024-02-29 23:59:58.123456+00");
    server_text("SELECT \"decimal_f\"::text || ' ' || pg_typeof(\"decimal_f\")::text FROM \"library_everything\"", text,
                sizeof text);
    cr_assert_str_eq(text, "12345678.91 numeric");
    server_text("SELECT \"uuid_f\"::text || ' ' || \"bool_f\"::text || ' ' || pg_typeof(\"json_f\")::text "
                "FROM \"library_everything\"",
                text, sizeof text);
    cr_assert_str_eq(text, "12345678-9abc-def0-1234-56789abcdef0 true jsonb");
    server_text("SELECT encode(\"binary_f\", 'hex') FROM \"library_everything\"", text, sizeof text);
    cr_assert_str_eq(text, "0001ff005c78");
}

Test(pg_data, lookups_bind_every_kind, .init = pg_open, .fini = test_db_close) {
    dorm_uuid u;
    cr_assert_eq(dorm_uuid_parse("0123456789abcdef0123456789abcdef", 32, &u), 0);
    static const unsigned char bytes[] = {'a', 0, 'b'};
    Everything *e = dorm_create(T.cx, Everything, .char_f = "50%_off\\", .decimal_f = DORM_DEC(-5, 1), .bool_f = false,
                                .datetime_f = dorm_datetime_utc(2001, 2, 3, 4, 5, 6, 0), .uuid_f = u,
                                .binary_f = {bytes, sizeof bytes}, .float_f = -1e300);
    cr_assert_not_null(e, "%s", dorm_errmsg(T.cx));
    dorm_qs *all = dorm_all(T.cx, Everything);
    cr_assert_eq(dorm_count(dorm_filter(all, DQ("decimal_f", ((dorm_decimal)DORM_DEC(-50, 2))))), 1);
    cr_assert_eq(dorm_count(dorm_filter(all, DQ("bool_f", false))), 1);
    cr_assert_eq(dorm_count(dorm_filter(all, DQ("uuid_f", u))), 1);
    cr_assert_eq(dorm_count(dorm_filter(all, DQ("binary_f", ((dorm_bytes){bytes, sizeof bytes})))), 1);
    cr_assert_eq(dorm_count(dorm_filter(all, DQ("float_f__lt", -1e299))), 1);
    cr_assert_eq(dorm_count(dorm_filter(all, DQ("datetime_f", dorm_datetime_utc(2001, 2, 3, 4, 5, 6, 0)))), 1);
    cr_assert_eq(dorm_count(dorm_filter(all, DQ("datetime_f__hour", 4))), 1);
    /* LIKE wildcards in the value match literally. */
    cr_assert_eq(dorm_count(dorm_filter(all, DQ("char_f__contains", "%_off\\"))), 1);
    cr_assert_eq(dorm_count(dorm_filter(all, DQ("char_f__icontains", "0%_OFF"))), 1);
    cr_assert_eq(dorm_count(dorm_filter(all, DQ("char_f__contains", "0_o"))), 0);
    cr_assert_eq(dorm_count(dorm_filter(all, DQ("char_f__iexact", "50%_OFF\\"))), 1);
    cr_assert_eq(dorm_count(dorm_filter(all, DQ("char_f__regex", "^5[0-9]%"))), 1);
    cr_assert_eq(dorm_count(dorm_filter(all, DQ("char_f__iregex", "OFF"))), 1);
    /* Text with a NUL cannot travel as a PostgreSQL text parameter: refused, never cut. */
    cr_assert_lt(dorm_count(dorm_filter(all, DQ("char_f", dorm_v_textn("50\0x", 4)))), 0);
    cr_assert_eq(dorm_errcode(T.cx), DORM_EVALUE, "%s", dorm_errmsg(T.cx));
    cr_assert(strstr(dorm_errmsg(T.cx), "NUL"), "%s", dorm_errmsg(T.cx));
}

Test(pg_data, bulk_create_returns_every_id, .init = pg_open, .fini = test_db_close) {
    Author a[3] = {{.name = "A"}, {.name = "B"}, {.name = "C"}};
    void *objs[] = {&a[0], &a[1], &a[2]};
    cr_assert_eq(dorm_bulk_create(T.cx, Author, objs, 3, 0), DORM_OK, "%s", dorm_errmsg(T.cx));
    cr_assert(a[0].id > 0 && a[1].id == a[0].id + 1 && a[2].id == a[1].id + 1);
}

Test(pg_data, unique_violation_then_the_transaction_goes_on, .init = pg_open, .fini = test_db_close) {
    test_db_catalogue();
    Author *austen = dorm_get(dorm_all(T.cx, Author), DQ("name", "Jane Austen"));
    cr_assert_not_null(austen);
    cr_assert_eq(dorm_atomic_begin(T.cx), DORM_OK);
    /* Django's way to go on after an error: the save in a nested atomic block. */
    cr_assert_eq(dorm_atomic_begin(T.cx), DORM_OK);
    Book *dup = dorm_create(T.cx, Book, .title = "Dup", .author = {austen->id, NULL},
                            .publication_date = dorm_date_ymd(2000, 1, 1), .isbn = "9780141439518");
    cr_assert_null(dup);
    cr_assert_eq(dorm_errcode(T.cx), DORM_EINTEGRITY);
    cr_assert(strstr(dorm_errmsg(T.cx), "duplicate key value violates unique constraint"), "%s", dorm_errmsg(T.cx));
    cr_assert(strstr(dorm_errmsg(T.cx), "DETAIL:  Key (isbn)=(9780141439518) already exists."), "%s",
              dorm_errmsg(T.cx));
    cr_assert_eq(dorm_atomic_rollback(T.cx), DORM_OK, "%s", dorm_errmsg(T.cx));
    /* The savepoint is rolled back: the transaction itself is still good. */
    cr_assert_eq(dorm_count(dorm_all(T.cx, Book)), 8, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_atomic_commit(T.cx), DORM_OK, "%s", dorm_errmsg(T.cx));
}

Test(pg_data, aborted_transaction_until_rolled_back, .init = pg_open, .fini = test_db_close) {
    dorm_errbuf e = {0, ""};
    cr_assert_eq(dorm_db__begin(T.db, &e), 0);
    cr_assert_eq(dorm_db__exec(T.db, "SELECT 1/0", &e), DORM_EDATA);
    cr_assert_str_eq(e.msg, "division by zero");
    cr_assert_eq(dorm_db__exec(T.db, "SELECT 1", &e), DORM_ETRANSACTION);
    cr_assert(strstr(e.msg, "current transaction is aborted"), "%s", e.msg);
    cr_assert_eq(dorm_db__rollback(T.db, &e), 0, "%s", e.msg);
    cr_assert_eq(dorm_db__exec(T.db, "SELECT 1", &e), 0, "%s", e.msg);
}

Test(pg_data, sqlstate_classes, .init = pg_open, .fini = test_db_close) {
    /* 23503: a foreign key checked at the end of the autocommit statement. */
    Book *b = dorm_create(T.cx, Book, .title = "Orphan", .author = {987654, NULL},
                          .publication_date = dorm_date_ymd(2000, 1, 1), .isbn = "1");
    cr_assert_null(b);
    cr_assert_eq(dorm_errcode(T.cx), DORM_EINTEGRITY, "%s", dorm_errmsg(T.cx));
    cr_assert(strstr(dorm_errmsg(T.cx), "violates foreign key constraint"), "%s", dorm_errmsg(T.cx));
    /* 23514: the CHECK of a positive integer field, as Django creates it. */
    Everything *e = dorm_create(T.cx, Everything, .posint_f = -1);
    cr_assert_null(e);
    cr_assert_eq(dorm_errcode(T.cx), DORM_EINTEGRITY, "%s", dorm_errmsg(T.cx));
    cr_assert(strstr(dorm_errmsg(T.cx), "violates check constraint"), "%s", dorm_errmsg(T.cx));
    /* 22003: out of range for the column. */
    dorm_errbuf err = {0, ""};
    cr_assert_eq(dorm_db__exec(T.db,
                               "INSERT INTO \"library_everything\" (\"char_f\", \"text_f\", \"slug_f\", "
                               "\"email_f\", \"url_f\", \"int_f\", \"bigint_f\", \"smallint_f\", \"posint_f\", "
                               "\"possmallint_f\", \"float_f\", \"bool_f\") "
                               "VALUES ('', '', '', '', '', 1, 1, 99999, 1, 1, 1, true)",
                               &err),
                 DORM_EDATA, "%s", err.msg);
    cr_assert_str_eq(err.msg, "smallint out of range");
    /* 42P01: a missing table is a programming error on PostgreSQL. */
    cr_assert_eq(dorm_db__exec(T.db, "SELECT * FROM \"no_such_table\"", &err), DORM_EPROGRAMMING);
    cr_assert_str_eq(err.msg, "relation \"no_such_table\" does not exist");
}

Test(pg_data, ddl_in_djangos_words, .init = pg_open, .fini = test_db_close) {
    /* Django 3.2's schema_editor(collect_sql=True).create_model(Book), word
     * for word: the foreign key added by ALTER TABLE under Django's name, and
     * the "_like" index of the unique varchar. */
    const char *sql = dorm_create_table_sql(T.cx, &Book_model);
    cr_assert_not_null(sql, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(
        sql,
        "CREATE TABLE \"library_book\" (\"id\" serial NOT NULL PRIMARY KEY, \"title\" varchar(200) NOT "
        "NULL, \"author_id\" integer NOT NULL, \"publication_date\" date NOT NULL, \"isbn\" varchar(13) "
        "NOT NULL UNIQUE, \"genre\" varchar(3) NOT NULL, \"pages\" integer NOT NULL CHECK (\"pages\" >= "
        "0));\n"
        "ALTER TABLE \"library_book\" ADD CONSTRAINT \"library_book_author_id_d9a3b67e_fk_library_author_id\" "
        "FOREIGN KEY (\"author_id\") REFERENCES \"library_author\" (\"id\") DEFERRABLE INITIALLY DEFERRED;\n"
        "CREATE INDEX \"library_book_author_id_d9a3b67e\" ON \"library_book\" (\"author_id\");\n"
        "CREATE INDEX \"library_book_isbn_0cd15ca6_like\" ON \"library_book\" (\"isbn\" "
        "varchar_pattern_ops);\n"
        "CREATE INDEX \"library_boo_title_c38ef2_idx\" ON \"library_book\" (\"title\");\n"
        "CREATE INDEX \"library_boo_isbn_951e8b_idx\" ON \"library_book\" (\"isbn\");\n");
    sql = dorm_create_table_sql(T.cx, &Everything_model);
    cr_assert_not_null(sql, "%s", dorm_errmsg(T.cx));
    static const char *const want[] = {
        "\"float_f\" double precision NOT NULL",
        "\"decimal_f\" numeric(10, 2) NULL",
        "\"bool_f\" boolean NOT NULL",
        "\"datetime_f\" timestamp with time zone NULL",
        "\"time_f\" time NULL",
        "\"uuid_f\" uuid NULL",
        "\"json_f\" jsonb NULL",
        "\"binary_f\" bytea NULL",
        "\"possmallint_f\" smallint NOT NULL CHECK (\"possmallint_f\" >= 0)",
        "\"bigint_f\" bigint NOT NULL",
        "\"slug_f\" varchar(50) NOT NULL",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) cr_assert(strstr(sql, want[i]), "%s in %s", want[i], sql);
}

Test(pg_data, table_constraints, .init = pg_open, .fini = test_db_close) {
    dorm_registry *reg = dorm_registry_new(
        (const dorm_app *const[]){&(const dorm_app){.label = "shop", .models = DORM_MODELS(&Priced_model)}, NULL});
    cr_assert_eq(dorm_registry_errcode(reg), DORM_OK, "%s", dorm_registry_messages(reg));
    /* The test's connection, with its schema, under the shop registry. */
    const dorm_registry *saved = T.db->reg;
    T.db->reg = reg;
    dorm_ctx *cx = dorm_ctx_new(T.db);
    const char *sql = dorm_create_table_sql(cx, &Priced_model);
    cr_assert_not_null(sql, "%s", dorm_errmsg(cx));
    cr_assert(strstr(sql,
                     ", CONSTRAINT \"priced_label_uniq\" UNIQUE (\"label\"), CONSTRAINT "
                     "\"priced_cents_gte_0\" CHECK (\"cents\" >= 0))"),
              "%s", sql);
    cr_assert_eq(dorm_create_tables(cx, DORM_MODELS(&Priced_model)), DORM_OK, "%s", dorm_errmsg(cx));
    cr_assert_not_null(dorm_create(cx, Priced, .label = "a", .cents = 5), "%s", dorm_errmsg(cx));
    cr_assert_null(dorm_create(cx, Priced, .label = "b", .cents = -5));
    cr_assert_eq(dorm_errcode(cx), DORM_EINTEGRITY, "%s", dorm_errmsg(cx));
    cr_assert(strstr(dorm_errmsg(cx), "priced_cents_gte_0"), "%s", dorm_errmsg(cx));
    cr_assert_null(dorm_create(cx, Priced, .label = "a", .cents = 6));
    cr_assert_eq(dorm_errcode(cx), DORM_EINTEGRITY, "%s", dorm_errmsg(cx));
    dorm_ctx_free(cx);
    T.db->reg = saved;
    dorm_registry_free(reg);
}

Test(pg_data, deferred_ddl_in_djangos_words, .init = pg_open, .fini = test_db_close) {
    dorm_registry *reg = dorm_registry_new((const dorm_app *const[]){
        &(const dorm_app){.label = "shop", .models = DORM_MODELS(&Pub_model, &Ed_model, &Long_model)}, NULL});
    cr_assert_eq(dorm_registry_errcode(reg), DORM_OK, "%s", dorm_registry_messages(reg));
    const dorm_registry *saved = T.db->reg;
    T.db->reg = reg;
    dorm_ctx *cx = dorm_ctx_new(T.db);
    /* Django 3.2's schema_editor(collect_sql=True).create_model() of each. */
    cr_assert_str_eq(dorm_create_table_sql(cx, &Pub_model),
                     "CREATE TABLE \"shop_pub\" (\"code\" varchar(10) NOT NULL PRIMARY KEY, \"slug\" varchar(50) NOT "
                     "NULL, \"email\" varchar(254) NOT NULL UNIQUE, \"notes\" text NOT NULL);\n"
                     "CREATE INDEX \"shop_pub_code_e0c9f174_like\" ON \"shop_pub\" (\"code\" varchar_pattern_ops);\n"
                     "CREATE INDEX \"shop_pub_slug_ee97ba30\" ON \"shop_pub\" (\"slug\");\n"
                     "CREATE INDEX \"shop_pub_slug_ee97ba30_like\" ON \"shop_pub\" (\"slug\" varchar_pattern_ops);\n"
                     "CREATE INDEX \"shop_pub_email_c4efde8e_like\" ON \"shop_pub\" (\"email\" varchar_pattern_ops);\n"
                     "CREATE INDEX \"shop_pub_notes_36bf93cd\" ON \"shop_pub\" (\"notes\");\n"
                     "CREATE INDEX \"shop_pub_notes_36bf93cd_like\" ON \"shop_pub\" (\"notes\" text_pattern_ops);\n");
    cr_assert_str_eq(
        dorm_create_table_sql(cx, &Ed_model),
        "CREATE TABLE \"shop_ed\" (\"id\" serial NOT NULL PRIMARY KEY, \"pub_id\" varchar(10) NOT NULL, "
        "\"a\" integer NOT NULL, \"b\" integer NOT NULL);\n"
        "ALTER TABLE \"shop_ed\" ADD CONSTRAINT \"shop_ed_a_b_6796603e_uniq\" UNIQUE (\"a\", \"b\");\n"
        "ALTER TABLE \"shop_ed\" ADD CONSTRAINT \"shop_ed_pub_id_3a8a07f6_fk_shop_pub_code\" FOREIGN KEY "
        "(\"pub_id\") REFERENCES \"shop_pub\" (\"code\") DEFERRABLE INITIALLY DEFERRED;\n"
        "CREATE INDEX \"shop_ed_pub_id_3a8a07f6\" ON \"shop_ed\" (\"pub_id\");\n"
        "CREATE INDEX \"shop_ed_pub_id_3a8a07f6_like\" ON \"shop_ed\" (\"pub_id\" varchar_pattern_ops);\n");
    cr_assert_str_eq(dorm_create_table_sql(cx, &Long_model),
                     "CREATE TABLE \"shop_averyveryverylongmodelnamethatkeepsgoingon\" (\"id\" serial NOT NULL PRIMARY "
                     "KEY, \"publisher_of_record_id\" varchar(10) NOT NULL);\n"
                     "ALTER TABLE \"shop_averyveryverylongmodelnamethatkeepsgoingon\" ADD CONSTRAINT "
                     "\"shop_averyveryverylo_publisher_of_record__a6853d09_fk_shop_pub_\" FOREIGN KEY "
                     "(\"publisher_of_record_id\") REFERENCES \"shop_pub\" (\"code\") DEFERRABLE INITIALLY DEFERRED;\n"
                     "CREATE INDEX \"shop_averyveryverylongmode_publisher_of_record_id_a6853d09\" ON "
                     "\"shop_averyveryverylongmodelnamethatkeepsgoingon\" (\"publisher_of_record_id\");\n"
                     "CREATE INDEX \"shop_averyveryverylongmo_publisher_of_record_id_a6853d09_like\" ON "
                     "\"shop_averyveryverylongmodelnamethatkeepsgoingon\" (\"publisher_of_record_id\" "
                     "varchar_pattern_ops);\n");
    /* The server takes it, and enforces unique_together as a constraint. */
    cr_assert_eq(dorm_create_tables(cx, DORM_MODELS(&Pub_model, &Ed_model, &Long_model)), DORM_OK, "%s",
                 dorm_errmsg(cx));
    cr_assert_eq(test_scalar("SELECT count(*) FROM pg_constraint WHERE conname = 'shop_ed_a_b_6796603e_uniq' AND "
                             "contype = 'u'"),
                 1);
    cr_assert_not_null(dorm_create(cx, Pub, .code = "p", .slug = "s", .email = "e", .notes = "n"), "%s",
                       dorm_errmsg(cx));
    cr_assert_not_null(dorm_create(cx, Ed, .pub = {"p", NULL}, .a = 1, .b = 2), "%s", dorm_errmsg(cx));
    cr_assert_null(dorm_create(cx, Ed, .pub = {"p", NULL}, .a = 1, .b = 2));
    cr_assert_eq(dorm_errcode(cx), DORM_EINTEGRITY, "%s", dorm_errmsg(cx));
    dorm_ctx_free(cx);
    T.db->reg = saved;
    dorm_registry_free(reg);
}
