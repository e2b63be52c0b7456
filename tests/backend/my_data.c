/* my_data.c - MySQL/MariaDB with models: every field kind round-trips
 * exactly (decimal, UTC datetimes stored naive, bytes and text with NUL,
 * char(32) uuids, json, bool), the DDL is Django 3.2's on MariaDB word for
 * word, server errors map to Django's classes with mysqlclient's text, and
 * a transaction goes on after an error. */
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

/* Models whose indexes Django leaves out on MySQL: a text column's (no
 * full-width index), a key's (InnoDB indexes it for its constraint); and a
 * name past 64 characters shortened as Django shortens it. */
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

static void my_open(void) {
    if (!test_db_on_mysql()) cr_skip_test("needs DORM_TEST_URL=mysql://...");
    test_db_open();
}

/* The text the server gives for `sql` (one row, one column), in `out`. */
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

TestSuite(my_data, .init = my_open, .fini = test_db_close);

Test(my_data, every_kind_round_trips) {
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
    cr_assert_eq(g->time_f.hour, 23);
    cr_assert_eq(memcmp(g->uuid_f.bytes, u.bytes, 16), 0);
    cr_assert_eq(g->binary_f.len, sizeof bytes);
    cr_assert_eq(memcmp(g->binary_f.data, bytes, sizeof bytes), 0);
    /* MariaDB's json is text: the document comes back as written. */
    cr_assert_str_eq(g->json_f, "{\"a\": [1, 2.5, null], \"b\": \"\\u00e9\"}");
    cr_assert_neq(g->created.usec, 0, "auto_now_add was written");

    /* Stored as Django stores them: datetimes naive in UTC, uuids as 32 hex
     * digits, booleans as 1; text with a NUL byte is refused, as on every
     * backend (a C string would read it back cut). */
    cr_assert_eq(dorm_update(dorm_all(T.cx, Everything), DSET("text_f", dorm_v_textn("nul\0byte", 8))), DORM_EVALUE);
    cr_assert_eq(dorm_update(dorm_all(T.cx, Everything), DSET("text_f", "8 bytes!")), 1, "%s", dorm_errmsg(T.cx));
    char text[128];
    server_text("SELECT CONCAT(\"datetime_f\", ' ', \"time_f\", ' ', \"decimal_f\") FROM \"library_everything\"", text,
                sizeof text);
    cr_assert_str_eq(text, "2024-02-29 23:59:58.123456 23:59:59.999999 12345678.91");
    server_text("SELECT CONCAT(\"uuid_f\", ' ', \"bool_f\", ' ', LENGTH(\"text_f\"), ' ', HEX(\"binary_f\")) FROM "
                "\"library_everything\"",
                text, sizeof text);
    cr_assert_str_eq(text, "123456789abcdef0123456789abcdef0 1 8 0001FF005C78");
}

Test(my_data, lookups_bind_every_kind) {
    dorm_uuid u;
    cr_assert_eq(dorm_uuid_parse("0123456789abcdef0123456789abcdef", 32, &u), 0);
    static const unsigned char bytes[] = {'a', 0, 'b'};
    Everything *e =
        dorm_create(T.cx, Everything, .char_f = "50%_off\\", .text_f = "Zo\xc3\xab", .decimal_f = DORM_DEC(-5, 1),
                    .bool_f = false, .datetime_f = dorm_datetime_utc(2001, 2, 3, 4, 5, 6, 0), .uuid_f = u,
                    .binary_f = {bytes, sizeof bytes}, .float_f = -1e300, .time_f = dorm_time_hms(4, 5, 6, 7));
    cr_assert_not_null(e, "%s", dorm_errmsg(T.cx));
    dorm_qs *all = dorm_all(T.cx, Everything);
    cr_assert_eq(dorm_count(dorm_filter(all, DQ("decimal_f", ((dorm_decimal)DORM_DEC(-50, 2))))), 1);
    cr_assert_eq(dorm_count(dorm_filter(all, DQ("bool_f", false))), 1);
    cr_assert_eq(dorm_count(dorm_filter(all, DQ("uuid_f", u))), 1);
    cr_assert_eq(dorm_count(dorm_filter(all, DQ("binary_f", ((dorm_bytes){bytes, sizeof bytes})))), 1);
    cr_assert_eq(dorm_count(dorm_filter(all, DQ("float_f__lt", -1e299))), 1);
    cr_assert_eq(dorm_count(dorm_filter(all, DQ("datetime_f", dorm_datetime_utc(2001, 2, 3, 4, 5, 6, 0)))), 1);
    cr_assert_eq(dorm_count(dorm_filter(all, DQ("time_f", dorm_time_hms(4, 5, 6, 7)))), 1);
    cr_assert_eq(dorm_count(dorm_filter(all, DQ("datetime_f__hour", 4))), 1);
    /* LIKE wildcards in the value match literally.  The i-lookups leave the
     * case to the column's collation, as Django's LIKE / REGEXP do: on
     * utf8mb4_bin (the test server's) they match case. */
    cr_assert_eq(dorm_count(dorm_filter(all, DQ("char_f__contains", "%_off\\"))), 1);
    cr_assert_eq(dorm_count(dorm_filter(all, DQ("char_f__contains", "%_OFF\\"))), 0);
    cr_assert_eq(dorm_count(dorm_filter(all, DQ("char_f__icontains", "0%_off"))), 1);
    cr_assert_eq(dorm_count(dorm_filter(all, DQ("char_f__icontains", "0%_OFF"))), 0);
    cr_assert_eq(dorm_count(dorm_filter(all, DQ("char_f__contains", "0_o"))), 0);
    cr_assert_eq(dorm_count(dorm_filter(all, DQ("char_f__iexact", "50%_off\\"))), 1);
    cr_assert_eq(dorm_count(dorm_filter(all, DQ("char_f__iexact", "50%_off"))), 0);
    cr_assert_eq(dorm_count(dorm_filter(all, DQ("char_f__iexact", "50%_OFF\\"))), 0);
    cr_assert_eq(dorm_count(dorm_filter(all, DQ("text_f__iexact", "Zo\xc3\xab"))), 1);
    cr_assert_eq(dorm_count(dorm_filter(all, DQ("text_f__iexact", "ZO\xc3\x8b"))), 0);
    cr_assert_eq(dorm_count(dorm_filter(all, DQ("text_f__iexact", "Zoe"))), 0, "accents count");
    cr_assert_eq(dorm_count(dorm_filter(all, DQ("char_f__regex", "^5[0-9]%"))), 1);
    cr_assert_eq(dorm_count(dorm_filter(all, DQ("char_f__regex", "OFF"))), 0);
    cr_assert_eq(dorm_count(dorm_filter(all, DQ("char_f__iregex", "off"))), 1);
    cr_assert_eq(dorm_count(dorm_filter(all, DQ("char_f__iregex", "OFF"))), 0);
    /* Text with a NUL is refused, never cut to "50". */
    cr_assert_lt(dorm_count(dorm_filter(all, DQ("char_f", dorm_v_textn("50\0x", 4)))), 0);
    cr_assert_eq(dorm_errcode(T.cx), DORM_EVALUE, "%s", dorm_errmsg(T.cx));
}

/* Text longer than the buffer a column starts with (its declared width, 1
 * KiB at most) is read whole: the row is fetched again into a grown buffer,
 * which the rows after it keep. */
Test(my_data, long_text_is_read_whole) {
    static const size_t sizes[] = {10, 5000, 300, 200000, 1023, 1024, 1025, 0};
    char *texts[8];
    for (size_t i = 0; i < 8; i++) {
        texts[i] = dorm_alloc(T.cx, sizes[i] + 1);
        cr_assert_not_null(texts[i]);
        for (size_t k = 0; k < sizes[i]; k++) texts[i][k] = (char)('a' + (k + i) % 26);
        texts[i][sizes[i]] = '\0';
        cr_assert_not_null(dorm_create(T.cx, Author, .name = dorm_sprintf(T.cx, "A%zu", i), .biography = texts[i]),
                           "%s", dorm_errmsg(T.cx));
    }
    for (int pass = 0; pass < 2; pass++) {
        size_t n;
        void **all = dorm_list(dorm_order_by(dorm_all(T.cx, Author), pass ? "-id" : "id"), &n);
        cr_assert_not_null(all, "%s", dorm_errmsg(T.cx));
        cr_assert_eq(n, 8);
        for (size_t i = 0; i < 8; i++) {
            size_t k = pass ? 7 - i : i;
            const char *bio = ((Author *)all[i])->biography;
            cr_assert_eq(strlen(bio), sizes[k], "row %zu: %zu bytes, not %zu", k, strlen(bio), sizes[k]);
            cr_assert_str_eq(bio, texts[k]);
        }
    }
}

Test(my_data, bulk_create_returns_every_id) {
    Author a[3] = {{.name = "A"}, {.name = "B"}, {.name = "C"}};
    void *objs[] = {&a[0], &a[1], &a[2]};
    cr_assert_eq(dorm_bulk_create(T.cx, Author, objs, 3, 0), DORM_OK, "%s", dorm_errmsg(T.cx));
    cr_assert(a[0].id > 0 && a[1].id == a[0].id + 1 && a[2].id == a[1].id + 1);
}

Test(my_data, unique_violation_then_the_transaction_goes_on) {
    test_db_catalogue();
    Author *austen = dorm_get(dorm_all(T.cx, Author), DQ("name", "Jane Austen"));
    cr_assert_not_null(austen);
    cr_assert_eq(dorm_atomic_begin(T.cx), DORM_OK);
    cr_assert_eq(dorm_atomic_begin(T.cx), DORM_OK);
    Book *dup = dorm_create(T.cx, Book, .title = "Dup", .author = {austen->id, NULL},
                            .publication_date = dorm_date_ymd(2000, 1, 1), .isbn = "9780141439518");
    cr_assert_null(dup);
    cr_assert_eq(dorm_errcode(T.cx), DORM_EINTEGRITY);
    /* str() of mysqlclient's error, as Django shows it. */
    cr_assert_str_eq(dorm_errmsg(T.cx), "(1062, \"Duplicate entry '9780141439518' for key 'isbn'\")");
    cr_assert_eq(dorm_atomic_rollback(T.cx), DORM_OK, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_count(dorm_all(T.cx, Book)), 8, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_atomic_commit(T.cx), DORM_OK, "%s", dorm_errmsg(T.cx));
    /* The server itself lets a transaction go on after a failed statement. */
    dorm_errbuf e = {0, ""};
    cr_assert_eq(dorm_db__begin(T.db, &e), 0);
    cr_assert_eq(dorm_db__exec(T.db, "SELECT * FROM \"no_such_table\"", &e), DORM_EPROGRAMMING);
    cr_assert_eq(dorm_db__exec(T.db, "SELECT 1", &e), 0, "%s", e.msg);
    cr_assert_eq(dorm_db__rollback(T.db, &e), 0, "%s", e.msg);
}

/* The error of `sql` (run on the test connection), its message in e. */
static int exec_error(const char *sql, dorm_errbuf *e) { return dorm_db__exec(T.db, sql, e); }

Test(my_data, error_numbers_map_to_djangos_classes) {
    /* 1452: a foreign key, checked at once. */
    Book *b = dorm_create(T.cx, Book, .title = "Orphan", .author = {987654, NULL},
                          .publication_date = dorm_date_ymd(2000, 1, 1), .isbn = "1");
    cr_assert_null(b);
    cr_assert_eq(dorm_errcode(T.cx), DORM_EINTEGRITY, "%s", dorm_errmsg(T.cx));
    cr_assert(strstr(dorm_errmsg(T.cx), "(1452, 'Cannot add or update a child row: a foreign key constraint fails"),
              "%s", dorm_errmsg(T.cx));
    dorm_errbuf err = {0, ""};
    static const char insert[] = "INSERT INTO \"library_everything\" (\"char_f\", \"text_f\", \"slug_f\", \"email_f\", "
                                 "\"url_f\", \"int_f\", \"bigint_f\", \"smallint_f\", \"posint_f\", \"possmallint_f\", "
                                 "\"float_f\", \"bool_f\") VALUES ";
    char sql[512];
    /* 1264: out of range, a DataError (an UNSIGNED column's negative value too). */
    snprintf(sql, sizeof sql, "%s('', '', '', '', '', 1, 1, 99999, 1, 1, 1, true)", insert);
    cr_assert_eq(exec_error(sql, &err), DORM_EDATA, "%s", err.msg);
    cr_assert_str_eq(err.msg, "(1264, \"Out of range value for column 'smallint_f' at row 1\")");
    /* 1406: too long for the column (strict mode). */
    snprintf(sql, sizeof sql, "%s('a string longer than twenty', '', '', '', '', 1, 1, 1, 1, 1, 1, true)", insert);
    cr_assert_eq(exec_error(sql, &err), DORM_EDATA, "%s", err.msg);
    cr_assert_str_eq(err.msg, "(1406, \"Data too long for column 'char_f' at row 1\")");
    /* 1048: NOT NULL, an IntegrityError in Django. */
    snprintf(sql, sizeof sql, "%s(NULL, '', '', '', '', 1, 1, 1, 1, 1, 1, true)", insert);
    cr_assert_eq(exec_error(sql, &err), DORM_EINTEGRITY, "%s", err.msg);
    cr_assert_str_eq(err.msg, "(1048, \"Column 'char_f' cannot be null\")");
    /* 1146 and 1064: programming errors. */
    cr_assert_eq(exec_error("SELECT * FROM \"no_such_table\"", &err), DORM_EPROGRAMMING);
    cr_assert(strstr(err.msg, "(1146, \"Table '") && strstr(err.msg, ".no_such_table' doesn't exist\")"), "%s",
              err.msg);
    cr_assert_eq(exec_error("SELEKT 1", &err), DORM_EPROGRAMMING);
    cr_assert(strncmp(err.msg, "(1064, ", 7) == 0, "%s", err.msg);
    /* 1054: an unknown column is an OperationalError in mysqlclient. */
    cr_assert_eq(exec_error("SELECT \"nope\" FROM \"library_book\"", &err), DORM_EOPERATIONAL);
    /* 1235: LIMIT in an IN subquery, a NotSupportedError. */
    cr_assert_eq(exec_error("SELECT 1 FROM \"library_book\" WHERE \"id\" IN (SELECT \"id\" FROM \"library_author\" "
                            "LIMIT 1)",
                            &err),
                 DORM_ENOTSUPPORTED);
}

/* A lock held by another connection: lock wait timeout, an OperationalError
 * that leaves the waiting transaction usable. */
Test(my_data, lock_wait_timeout_is_operational) {
    test_db_catalogue();
    dorm_db *other = dorm_db_open(test_db_url(), NULL);
    cr_assert_eq(dorm_db_errcode(other), DORM_OK, "%s", dorm_db_errmsg(other));
    dorm_errbuf e = {0, ""};
    cr_assert_eq(test_db_use_schema(other, &e), 0, "%s", e.msg);
    cr_assert_eq(dorm_db__exec(other, "SET SESSION innodb_lock_wait_timeout = 1", &e), 0, "%s", e.msg);
    cr_assert_eq(dorm_db__begin(T.db, &e), 0);
    cr_assert_eq(dorm_db__exec(T.db, "UPDATE \"library_book\" SET \"pages\" = 1", &e), 0, "%s", e.msg);
    cr_assert_eq(dorm_db__begin(other, &e), 0);
    cr_assert_eq(dorm_db__exec(other, "UPDATE `library_book` SET `pages` = 2", &e), DORM_EOPERATIONAL, "%s", e.msg);
    cr_assert(strstr(e.msg, "(1205, 'Lock wait timeout exceeded"), "%s", e.msg);
    cr_assert_eq(dorm_db__rollback(other, &e), 0, "%s", e.msg);
    cr_assert_eq(dorm_db__rollback(T.db, &e), 0, "%s", e.msg);
    dorm_db_close(other);
}

/* CLIENT_FOUND_ROWS: an update reports the rows it matched, not only the
 * ones it changed (Django's client flag). */
Test(my_data, updates_count_the_rows_they_match) {
    test_db_catalogue();
    cr_assert_eq(dorm_update(dorm_filter(dorm_all(T.cx, Book), DQ("title", "Emma")), DSET("pages", 474)), 1);
    cr_assert_eq(dorm_update(dorm_all(T.cx, Book), DSET("genre", "FIC")), 8);
}

Test(my_data, ddl_in_djangos_words) {
    /* Django 3.2's schema_editor(collect_sql=True).create_model() on
     * MariaDB 10.11: no index for the key (InnoDB makes one for the
     * constraint), none for a text column. */
    cr_assert_str_eq(
        test_sql_std(dorm_create_table_sql(T.cx, &Book_model)),
        "CREATE TABLE \"library_book\" (\"id\" integer AUTO_INCREMENT NOT NULL PRIMARY KEY, \"title\" "
        "varchar(200) NOT NULL, \"author_id\" integer NOT NULL, \"publication_date\" date NOT NULL, "
        "\"isbn\" varchar(13) NOT NULL UNIQUE, \"genre\" varchar(3) NOT NULL, \"pages\" integer UNSIGNED "
        "NOT NULL CHECK (\"pages\" >= 0));\n"
        "ALTER TABLE \"library_book\" ADD CONSTRAINT \"library_book_author_id_d9a3b67e_fk_library_author_id\" "
        "FOREIGN KEY (\"author_id\") REFERENCES \"library_author\" (\"id\");\n"
        "CREATE INDEX \"library_boo_title_c38ef2_idx\" ON \"library_book\" (\"title\");\n"
        "CREATE INDEX \"library_boo_isbn_951e8b_idx\" ON \"library_book\" (\"isbn\");\n");
    cr_assert_str_eq(
        test_sql_std(dorm_create_table_sql(T.cx, &Everything_model)),
        "CREATE TABLE \"library_everything\" (\"id\" integer AUTO_INCREMENT NOT NULL PRIMARY KEY, \"char_f\" "
        "varchar(20) "
        "NOT NULL, \"text_f\" longtext NOT NULL, \"slug_f\" varchar(50) NOT NULL, \"email_f\" varchar(254) NOT NULL, "
        "\"url_f\" varchar(200) NOT NULL, \"int_f\" integer NOT NULL, \"bigint_f\" bigint NOT NULL, \"smallint_f\" "
        "smallint NOT NULL, \"posint_f\" integer UNSIGNED NOT NULL CHECK (\"posint_f\" >= 0), \"possmallint_f\" "
        "smallint "
        "UNSIGNED NOT NULL CHECK (\"possmallint_f\" >= 0), \"float_f\" double precision NOT NULL, \"decimal_f\" "
        "numeric(10, 2) NULL, \"bool_f\" bool NOT NULL, \"date_f\" date NULL, \"datetime_f\" datetime(6) NULL, "
        "\"time_f\" time(6) NULL, \"uuid_f\" char(32) NULL, \"json_f\" json NULL, \"binary_f\" longblob NULL, "
        "\"nullable_int\" integer NULL, \"created\" datetime(6) NULL, \"modified\" datetime(6) NULL, "
        "\"maybe_author_id\" "
        "integer NULL);\n"
        "ALTER TABLE \"library_everything\" ADD CONSTRAINT "
        "\"library_everything_maybe_author_id_46d19225_fk_library_author_id\" FOREIGN KEY (\"maybe_author_id\") "
        "REFERENCES \"library_author\" (\"id\");\n"
        "CREATE INDEX \"library_everything_slug_f_a7c92614\" ON \"library_everything\" (\"slug_f\");\n");
}

/* The test's connection, with its database, under the registry of `apps`. */
static dorm_ctx *with_models(dorm_registry **reg, const dorm_model *const *models) {
    *reg = dorm_registry_new((const dorm_app *const[]){&(const dorm_app){.label = "shop", .models = models}, NULL});
    cr_assert_eq(dorm_registry_errcode(*reg), DORM_OK, "%s", dorm_registry_messages(*reg));
    T.db->reg = *reg;
    return dorm_ctx_new(T.db);
}

Test(my_data, table_constraints) {
    const dorm_registry *saved = T.db->reg;
    dorm_registry *reg;
    dorm_ctx *cx = with_models(&reg, DORM_MODELS(&Priced_model));
    cr_assert_str_eq(test_sql_std(dorm_create_table_sql(cx, &Priced_model)),
                     "CREATE TABLE \"shop_priced\" (\"id\" integer AUTO_INCREMENT NOT NULL PRIMARY KEY, \"label\" "
                     "varchar(20) NOT NULL, \"cents\" integer NOT NULL, CONSTRAINT \"priced_label_uniq\" UNIQUE "
                     "(\"label\"), CONSTRAINT \"priced_cents_gte_0\" CHECK (\"cents\" >= 0));\n");
    cr_assert_eq(dorm_create_tables(cx, DORM_MODELS(&Priced_model)), DORM_OK, "%s", dorm_errmsg(cx));
    cr_assert_not_null(dorm_create(cx, Priced, .label = "a", .cents = 5), "%s", dorm_errmsg(cx));
    /* 4025: a CHECK constraint, an IntegrityError in Django. */
    cr_assert_null(dorm_create(cx, Priced, .label = "b", .cents = -5));
    cr_assert_eq(dorm_errcode(cx), DORM_EINTEGRITY, "%s", dorm_errmsg(cx));
    cr_assert(strstr(dorm_errmsg(cx), "(4025, 'CONSTRAINT `priced_cents_gte_0` failed"), "%s", dorm_errmsg(cx));
    cr_assert_null(dorm_create(cx, Priced, .label = "a", .cents = 6));
    cr_assert_eq(dorm_errcode(cx), DORM_EINTEGRITY, "%s", dorm_errmsg(cx));
    dorm_ctx_free(cx);
    T.db->reg = saved;
    dorm_registry_free(reg);
}

Test(my_data, deferred_ddl_in_djangos_words) {
    const dorm_registry *saved = T.db->reg;
    dorm_registry *reg;
    dorm_ctx *cx = with_models(&reg, DORM_MODELS(&Pub_model, &Ed_model, &Long_model));
    cr_assert_str_eq(test_sql_std(dorm_create_table_sql(cx, &Pub_model)),
                     "CREATE TABLE \"shop_pub\" (\"code\" varchar(10) NOT NULL PRIMARY KEY, \"slug\" varchar(50) NOT "
                     "NULL, \"email\" varchar(254) NOT NULL UNIQUE, \"notes\" longtext NOT NULL);\n"
                     "CREATE INDEX \"shop_pub_slug_ee97ba30\" ON \"shop_pub\" (\"slug\");\n");
    cr_assert_str_eq(test_sql_std(dorm_create_table_sql(cx, &Ed_model)),
                     "CREATE TABLE \"shop_ed\" (\"id\" integer AUTO_INCREMENT NOT NULL PRIMARY KEY, \"pub_id\" "
                     "varchar(10) NOT NULL, \"a\" integer NOT NULL, \"b\" integer NOT NULL);\n"
                     "ALTER TABLE \"shop_ed\" ADD CONSTRAINT \"shop_ed_a_b_6796603e_uniq\" UNIQUE (\"a\", \"b\");\n"
                     "ALTER TABLE \"shop_ed\" ADD CONSTRAINT \"shop_ed_pub_id_3a8a07f6_fk_shop_pub_code\" FOREIGN KEY "
                     "(\"pub_id\") REFERENCES \"shop_pub\" (\"code\");\n");
    cr_assert_str_eq(test_sql_std(dorm_create_table_sql(cx, &Long_model)),
                     "CREATE TABLE \"shop_averyveryverylongmodelnamethatkeepsgoingon\" (\"id\" integer AUTO_INCREMENT "
                     "NOT NULL PRIMARY KEY, \"publisher_of_record_id\" varchar(10) NOT NULL);\n"
                     "ALTER TABLE \"shop_averyveryverylongmodelnamethatkeepsgoingon\" ADD CONSTRAINT "
                     "\"shop_averyveryverylo_publisher_of_record__a6853d09_fk_shop_pub_\" FOREIGN KEY "
                     "(\"publisher_of_record_id\") REFERENCES \"shop_pub\" (\"code\");\n");
    cr_assert_eq(dorm_create_tables(cx, DORM_MODELS(&Pub_model, &Ed_model, &Long_model)), DORM_OK, "%s",
                 dorm_errmsg(cx));
    cr_assert_not_null(dorm_create(cx, Pub, .code = "p", .slug = "s", .email = "e", .notes = "n"), "%s",
                       dorm_errmsg(cx));
    cr_assert_not_null(dorm_create(cx, Ed, .pub = {"p", NULL}, .a = 1, .b = 2), "%s", dorm_errmsg(cx));
    cr_assert_null(dorm_create(cx, Ed, .pub = {"p", NULL}, .a = 1, .b = 2));
    cr_assert_eq(dorm_errcode(cx), DORM_EINTEGRITY, "%s", dorm_errmsg(cx));
    dorm_ctx_free(cx);
    T.db->reg = saved;
    dorm_registry_free(reg);
}
