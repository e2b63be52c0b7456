/* test_fields.c - every field kind saved and read back equal (exact decimals,
 * unicode, quotes, NUL bytes, microseconds), NULLs and null bits, Django's
 * defaults, auto_now / auto_now_add and get_FOO_display. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "testdb.h"

/* A fresh copy of row `id`, read from the database. */
static Everything *fetch(int64_t id) {
    Everything *e = dorm_get(dorm_all(T.cx, Everything), DQ("pk", id));
    cr_assert(e, "get(pk=%lld): %s", (long long)id, dorm_errmsg(T.cx));
    return e;
}

static void expect_text(const char *got, const char *want, const char *what) {
    cr_assert_not_null(got, "%s is NULL", what);
    cr_expect_str_eq(got, want, "%s", what);
}

static void expect_same_date(dorm_date a, dorm_date b, const char *what) {
    cr_expect(a.year == b.year && a.month == b.month && a.day == b.day, "%s: %d-%d-%d != %d-%d-%d", what, a.year,
              a.month, a.day, b.year, b.month, b.day);
}

/* Every member of `got` equals the one of `want`. */
static void expect_same(const Everything *got, const Everything *want) {
    expect_text(got->char_f, want->char_f, "char_f");
    expect_text(got->text_f, want->text_f, "text_f");
    expect_text(got->slug_f, want->slug_f, "slug_f");
    expect_text(got->email_f, want->email_f, "email_f");
    expect_text(got->url_f, want->url_f, "url_f");
    cr_expect_eq(got->int_f, want->int_f, "int_f");
    cr_expect_eq(got->bigint_f, want->bigint_f, "bigint_f");
    cr_expect_eq(got->smallint_f, want->smallint_f, "smallint_f");
    cr_expect_eq(got->posint_f, want->posint_f, "posint_f");
    cr_expect_eq(got->possmallint_f, want->possmallint_f, "possmallint_f");
    cr_expect(got->float_f == want->float_f, "float_f: %.17g != %.17g", got->float_f, want->float_f);
    char a[DORM_FMT_MAX], b[DORM_FMT_MAX];
    dorm_decimal_format(got->decimal_f, a);
    dorm_decimal_format(want->decimal_f, b);
    cr_expect_str_eq(a, b, "decimal_f");
    cr_expect_eq(got->bool_f, want->bool_f, "bool_f");
    expect_same_date(got->date_f, want->date_f, "date_f");
    cr_expect_eq(got->datetime_f.usec, want->datetime_f.usec, "datetime_f");
    cr_expect(got->time_f.hour == want->time_f.hour && got->time_f.minute == want->time_f.minute &&
                  got->time_f.second == want->time_f.second && got->time_f.usec == want->time_f.usec,
              "time_f");
    cr_expect_eq(memcmp(got->uuid_f.bytes, want->uuid_f.bytes, 16), 0, "uuid_f");
    expect_text(got->json_f, want->json_f, "json_f");
    cr_assert_eq(got->binary_f.len, want->binary_f.len, "binary_f length");
    if (want->binary_f.len) cr_expect_eq(memcmp(got->binary_f.data, want->binary_f.data, want->binary_f.len), 0);
    cr_expect_eq(got->nullable_int, want->nullable_int, "nullable_int");
    cr_expect_eq(got->maybe_author.id, want->maybe_author.id, "maybe_author");
    cr_expect_not(dorm_is_null(got, nullable_int));
    cr_expect_not(dorm_is_null(got, decimal_f));
    cr_expect_not(dorm_is_null(got, date_f));
    cr_expect_not(dorm_is_null(got, time_f));
    cr_expect_not(dorm_is_null(got, binary_f));
}

static dorm_uuid uuid_of(const char *s) {
    dorm_uuid u;
    cr_assert_eq(dorm_uuid_parse(s, strlen(s), &u), 0);
    return u;
}

Test(fields, round_trip_of_every_kind, .init = test_db_open, .fini = test_db_close) {
    Author *a = dorm_create(T.cx, Author, .name = "Zoë");
    cr_assert(a, "%s", dorm_errmsg(T.cx));
    Everything *e = dorm_create(
        T.cx, Everything, .char_f = "héllo 'x' \"y\"",
        .text_f = "Zoë — 日本語 🚀\nO'Brien said \"hi\"; DROP TABLE x; --", .slug_f = "a-slug_1",
        .email_f = "zoe@example.com", .url_f = "https://example.com/a?b=1&c='2'", .int_f = 42, .bigint_f = INT64_MAX,
        .smallint_f = -12345, .posint_f = INT32_MAX, .possmallint_f = INT16_MAX, .float_f = 3.141592653589793,
        .decimal_f = DORM_DEC(1234, 2), .bool_f = true, .date_f = dorm_date_ymd(2024, 2, 29),
        .datetime_f = dorm_datetime_utc(2021, 3, 4, 5, 6, 7, 891011), .time_f = dorm_time_hms(23, 59, 59, 999999),
        .uuid_f = uuid_of("12345678-9abc-def0-1234-56789abcdef0"), .json_f = "{\"a\": [1, 2.5, \"x\"], \"b\": null}",
        .binary_f = {"a\0b\xff", 4}, .nullable_int = -5, .maybe_author = {a->id, NULL});
    cr_assert(e, "%s", dorm_errmsg(T.cx));
    cr_assert_gt(e->id, 0);
    Everything *got = fetch(e->id);
    cr_assert_neq(got, e);
    expect_same(got, e);
    char text[DORM_FMT_MAX];
    dorm_decimal_format(got->decimal_f, text);
    cr_expect_str_eq(text, "12.34");
    cr_expect_eq(dorm_decimal_cmp(got->decimal_f, dorm_decimal_from_int(1234, 2)), 0);
    cr_expect_eq(got->decimal_f.scale, 2);
    cr_expect_eq(got->datetime_f.usec % 1000000, 891011, "microseconds are kept");
}

Test(fields, round_trip_of_extreme_values, .init = test_db_open, .fini = test_db_close) {
    Everything *e =
        dorm_create(T.cx, Everything, .char_f = "", .text_f = "", .slug_f = "", .email_f = "", .url_f = "",
                    .int_f = INT32_MIN, .bigint_f = INT64_MIN, .smallint_f = INT16_MIN, .posint_f = 1,
                    .possmallint_f = 1, .float_f = -1.5e300, .decimal_f = DORM_DEC(-9999999999, 2),
                    .date_f = dorm_date_ymd(1, 1, 1), .datetime_f = dorm_datetime_utc(1969, 12, 31, 23, 59, 59, 500000),
                    .time_f = dorm_time_hms(0, 0, 0, 1), .uuid_f = uuid_of("ffffffffffffffffffffffffffffffff"),
                    .json_f = "[]", .binary_f = {"\0", 1}, .nullable_int = INT32_MAX);
    cr_assert(e, "%s", dorm_errmsg(T.cx));
    cr_expect_lt(e->datetime_f.usec, 0, "an instant before 1970");
    Everything *got = fetch(e->id);
    expect_same(got, e);
    char text[DORM_FMT_MAX];
    dorm_decimal_format(got->decimal_f, text);
    cr_expect_str_eq(text, "-99999999.99");
    cr_expect_not(dorm_is_null(got, char_f), "\"\" is not NULL");
}

Test(fields, decimals_are_exact, .init = test_db_open, .fini = test_db_close) {
    static const char *const values[] = {"12.34",       "-0.01",        "0.10", "0.30", "10.00",
                                         "99999999.99", "-99999999.99", "1.05", "0.00"};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        dorm_decimal d;
        cr_assert_eq(dorm_decimal_parse(values[i], strlen(values[i]), &d), 0);
        Everything *e = dorm_new(T.cx, Everything);
        cr_assert(e);
        e->decimal_f = d;
        dorm_set_null_(e, &e->decimal_f, false);
        cr_assert_eq(dorm_save(e), 0, "%s", dorm_errmsg(T.cx));
        Everything *got = fetch(e->id);
        char text[DORM_FMT_MAX];
        dorm_decimal_format(got->decimal_f, text);
        cr_expect_str_eq(text, values[i], "decimal %s read back as %s", values[i], text);
        cr_expect_eq(got->decimal_f.scale, 2, "decimal_places is the scale of %s", values[i]);
    }
}

Test(fields, binary_keeps_every_byte, .init = test_db_open, .fini = test_db_close) {
    static const unsigned char bytes[] = {0, 1, 'x', 0, 0xff, 0x80, '\'', 0};
    Everything *e = dorm_create(T.cx, Everything, .binary_f = {bytes, sizeof bytes});
    cr_assert(e, "%s", dorm_errmsg(T.cx));
    Everything *got = fetch(e->id);
    cr_assert_eq(got->binary_f.len, sizeof bytes);
    cr_expect_eq(memcmp(got->binary_f.data, bytes, sizeof bytes), 0);
    /* b"" is a value, not None. */
    Everything *empty = dorm_create(T.cx, Everything, .binary_f = {"", 0});
    cr_assert(empty, "%s", dorm_errmsg(T.cx));
    cr_expect_not(dorm_is_null(empty, binary_f));
    got = fetch(empty->id);
    cr_expect_eq(got->binary_f.len, 0);
    cr_expect_not(dorm_is_null(got, binary_f), "an empty BinaryField value read back as NULL");
    cr_expect_eq(dorm_count(dorm_filter(dorm_all(T.cx, Everything), DQ("binary_f__isnull", true))), 0);
}

Test(fields, null_round_trip, .init = test_db_open, .fini = test_db_close) {
    Everything *e = dorm_new(T.cx, Everything);
    cr_assert(e);
    cr_assert_eq(dorm_save(e), 0, "%s", dorm_errmsg(T.cx));
    Everything *got = fetch(e->id);
    cr_expect(dorm_is_null(got, decimal_f));
    cr_expect(dorm_is_null(got, date_f));
    cr_expect(dorm_is_null(got, datetime_f));
    cr_expect(dorm_is_null(got, time_f));
    cr_expect(dorm_is_null(got, uuid_f));
    cr_expect(dorm_is_null(got, json_f));
    cr_expect_null(got->json_f);
    cr_expect(dorm_is_null(got, binary_f));
    cr_expect(dorm_is_null(got, nullable_int));
    cr_expect(dorm_is_null(got, maybe_author));
    cr_expect_null(dorm_fk(got, maybe_author));
    /* Not-null fields hold their defaults, not NULL. */
    cr_expect_not(dorm_is_null(got, int_f));
    cr_expect_not(dorm_is_null(got, char_f));
    cr_expect_not(dorm_is_null(got, bool_f));
    cr_expect_not(dorm_is_null(got, created));
    /* The database agrees: every nullable column IS NULL. */
    static const char *const isnull[] = {"decimal_f__isnull", "date_f__isnull",       "datetime_f__isnull",
                                         "time_f__isnull",    "uuid_f__isnull",       "json_f__isnull",
                                         "binary_f__isnull",  "nullable_int__isnull", "maybe_author__isnull"};
    for (size_t i = 0; i < sizeof isnull / sizeof isnull[0]; i++)
        cr_expect_eq(dorm_count(dorm_filter(dorm_all(T.cx, Everything), DQ(isnull[i], true))), 1, "%s", isnull[i]);
}

Test(fields, set_null_then_save, .init = test_db_open, .fini = test_db_close) {
    Author *a = dorm_create(T.cx, Author, .name = "A");
    Everything *e = dorm_create(T.cx, Everything, .decimal_f = DORM_DEC(5, 1), .date_f = dorm_date_ymd(2000, 1, 2),
                                .datetime_f = {1}, .time_f = dorm_time_hms(1, 2, 3, 0), .uuid_f = dorm_uuid4(),
                                .json_f = "{}", .binary_f = {"x", 1}, .nullable_int = 3, .maybe_author = {a->id, NULL});
    cr_assert(a && e, "%s", dorm_errmsg(T.cx));
    cr_expect_not(dorm_is_null(e, nullable_int));
    dorm_set_null(e, decimal_f);
    dorm_set_null(e, date_f);
    dorm_set_null(e, datetime_f);
    dorm_set_null(e, time_f);
    dorm_set_null(e, uuid_f);
    dorm_set_null(e, json_f);
    dorm_set_null(e, binary_f);
    dorm_set_null(e, nullable_int);
    dorm_set_null(e, maybe_author);
    /* Setting None clears the attribute too. */
    cr_expect(dorm_is_null(e, nullable_int));
    cr_expect_eq(e->nullable_int, 0);
    cr_expect_null(e->json_f);
    cr_expect_eq(e->maybe_author.id, 0);
    cr_assert_eq(dorm_save(e), 0, "%s", dorm_errmsg(T.cx));
    Everything *got = fetch(e->id);
    cr_expect(dorm_is_null(got, decimal_f));
    cr_expect(dorm_is_null(got, date_f));
    cr_expect(dorm_is_null(got, datetime_f));
    cr_expect(dorm_is_null(got, time_f));
    cr_expect(dorm_is_null(got, uuid_f));
    cr_expect(dorm_is_null(got, json_f));
    cr_expect(dorm_is_null(got, binary_f));
    cr_expect(dorm_is_null(got, nullable_int));
    cr_expect(dorm_is_null(got, maybe_author));
}

Test(fields, assigning_a_null_field_stores_the_value, .init = test_db_open, .fini = test_db_close) {
    /* e = Everything(); e.nullable_int = 5; e.save() stores 5 in Django. */
    Everything *e = dorm_new(T.cx, Everything);
    cr_assert(e);
    cr_expect(dorm_is_null(e, nullable_int), "Django's default of a null=True field is None");
    e->nullable_int = 5;
    e->json_f = "[1]";
    e->decimal_f = (dorm_decimal)DORM_DEC(150, 2);
    e->date_f = dorm_date_ymd(2020, 5, 6);
    cr_assert_eq(dorm_save(e), 0, "%s", dorm_errmsg(T.cx));
    Everything *got = fetch(e->id);
    cr_expect_not(dorm_is_null(got, nullable_int), "an assigned member was saved as NULL");
    cr_expect_eq(got->nullable_int, 5);
    cr_expect_not(dorm_is_null(got, json_f));
    cr_expect_not(dorm_is_null(got, decimal_f));
    cr_expect_eq(dorm_decimal_cmp(got->decimal_f, dorm_decimal_from_int(150, 2)), 0);
    cr_expect_not(dorm_is_null(got, date_f));
    /* The same on an object loaded with NULLs. */
    Everything *made = dorm_create(T.cx, Everything);
    cr_assert(made, "%s", dorm_errmsg(T.cx));
    Everything *n = fetch(made->id);
    cr_assert(dorm_is_null(n, nullable_int));
    n->nullable_int = 9;
    cr_assert_eq(dorm_save(n), 0, "%s", dorm_errmsg(T.cx));
    got = fetch(n->id);
    cr_expect_not(dorm_is_null(got, nullable_int));
    cr_expect_eq(got->nullable_int, 9);
}

Test(fields, defaults_of_new_objects, .init = test_db_open, .fini = test_db_close) {
    Everything *e = dorm_new(T.cx, Everything);
    cr_assert(e);
    cr_expect_eq(e->int_f, 7, "int_f has default 7");
    cr_expect_not(dorm_is_null(e, int_f));
    expect_text(e->char_f, "", "char_f defaults to \"\"");
    expect_text(e->text_f, "", "text_f defaults to \"\"");
    expect_text(e->slug_f, "", "slug_f defaults to \"\"");
    cr_expect_eq(e->bigint_f, 0);
    cr_expect_not(e->bool_f);
    cr_expect_eq(e->id, 0, "not saved: no primary key");
    Book *b = dorm_new(T.cx, Book);
    cr_assert(b);
    expect_text(b->genre, "FIC", "genre default");
    cr_expect_eq(b->pages, 0);
    cr_assert_eq(dorm_save(e), 0, "%s", dorm_errmsg(T.cx));
    Everything *got = fetch(e->id);
    cr_expect_eq(got->int_f, 7);
    expect_text(got->char_f, "", "char_f saved as \"\"");
    cr_expect_not(dorm_is_null(got, char_f));
}

Test(fields, create_applies_defaults_to_zero_members, .init = test_db_open, .fini = test_db_close) {
    Everything *e = dorm_create(T.cx, Everything, .bigint_f = 1);
    cr_assert(e, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(e->int_f, 7, "a member left 0 takes the default");
    expect_text(e->char_f, "", "a char member left NULL takes \"\"");
    Everything *got = fetch(e->id);
    cr_expect_eq(got->int_f, 7);
    expect_text(got->char_f, "", "char_f");
    expect_text(got->url_f, "", "url_f");
    cr_expect_not(dorm_is_null(got, char_f));
    cr_expect(dorm_is_null(got, nullable_int), "a nullable member left 0 is None");
    Everything *other = dorm_create(T.cx, Everything, .int_f = 8);
    cr_assert(other);
    cr_expect_eq(fetch(other->id)->int_f, 8);
    /* An explicit 0 over a non-zero default goes through dorm_new. */
    Everything *zero = dorm_new(T.cx, Everything);
    zero->int_f = 0;
    cr_assert_eq(dorm_save(zero), 0);
    cr_expect_eq(fetch(zero->id)->int_f, 0);
    Author *a = dorm_create(T.cx, Author, .name = "A");
    Book *b = dorm_create(T.cx, Book, .title = "T", .author = {a->id, NULL},
                          .publication_date = dorm_date_ymd(2000, 1, 1), .isbn = "1");
    cr_assert(b, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(dorm_count(dorm_filter(dorm_all(T.cx, Book), DQ("genre", "FIC"), DQ("pages", 0))), 1);
}

/* Waits until the clock has moved on by at least a millisecond. */
static void tick(void) {
    dorm_datetime t0 = dorm_datetime_now();
    while (dorm_datetime_now().usec < t0.usec + 1000) continue;
}

Test(fields, auto_now_and_auto_now_add, .init = test_db_open, .fini = test_db_close) {
    dorm_datetime before = dorm_datetime_now();
    Everything *e = dorm_create(T.cx, Everything, .created = dorm_datetime_utc(2000, 1, 1, 0, 0, 0, 0));
    dorm_datetime after = dorm_datetime_now();
    cr_assert(e, "%s", dorm_errmsg(T.cx));
    cr_expect(e->created.usec >= before.usec && e->created.usec <= after.usec,
              "auto_now_add sets the current time on insert, whatever was given");
    cr_expect(e->modified.usec >= before.usec && e->modified.usec <= after.usec, "auto_now is set on insert");
    Everything *got = fetch(e->id);
    cr_expect_eq(got->created.usec, e->created.usec);
    cr_expect_eq(got->modified.usec, e->modified.usec);
    dorm_datetime created = e->created, modified = e->modified;
    tick();
    e->int_f = 99;
    cr_assert_eq(dorm_save(e), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_gt(e->modified.usec, modified.usec, "auto_now is updated on save");
    cr_expect_eq(e->created.usec, created.usec, "auto_now_add is not");
    got = fetch(e->id);
    cr_expect_eq(got->modified.usec, e->modified.usec);
    cr_expect_eq(got->created.usec, created.usec);
    /* Also when the object comes from the database. */
    tick();
    cr_assert_eq(dorm_save(got), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_gt(got->modified.usec, e->modified.usec);
    cr_expect_eq(fetch(e->id)->created.usec, created.usec);
}

Test(fields, auto_now_with_update_fields, .init = test_db_open, .fini = test_db_close) {
    Everything *e = dorm_create(T.cx, Everything, .int_f = 1);
    cr_assert(e, "%s", dorm_errmsg(T.cx));
    dorm_datetime modified = e->modified;
    tick();
    /* Django runs pre_save only for the listed fields: modified is not
     * touched, in memory or in the database. */
    e->int_f = 2;
    cr_assert_eq(dorm_save_fields(e, "int_f"), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(e->modified.usec, modified.usec, "an unlisted auto_now member changed in memory");
    Everything *got = fetch(e->id);
    cr_expect_eq(got->int_f, 2);
    cr_expect_eq(got->modified.usec, modified.usec, "an unlisted auto_now column was written");
    /* Listed, it is set to the current time. */
    dorm_datetime before = dorm_datetime_now();
    cr_assert_eq(dorm_save_fields(e, "modified"), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_geq(e->modified.usec, before.usec);
    cr_expect_eq(fetch(e->id)->modified.usec, e->modified.usec);
}

Test(fields, get_display, .init = test_db_open, .fini = test_db_close) {
    Book *b = dorm_new(T.cx, Book);
    cr_assert(b);
    cr_expect_str_eq(dorm_get_display(b, genre), "Fiction", "the default FIC");
    b->genre = "NON";
    cr_expect_str_eq(dorm_get_display(b, genre), "Non-Fiction");
    b->genre = "HIS";
    cr_expect_str_eq(dorm_get_display(b, genre), "History");
    b->genre = "XYZ";
    cr_expect_str_eq(dorm_get_display(b, genre), "XYZ", "an unknown value displays as itself");
    b->genre = "FI";
    cr_expect_str_eq(dorm_get_display(b, genre), "FI", "no prefix matching");
    /* Fields without choices display their value. */
    b->title = "Emma";
    cr_expect_str_eq(dorm_get_display(b, title), "Emma");
    b->pages = 474;
    cr_expect_str_eq(dorm_get_display(b, pages), "474");
    /* A loaded object too. */
    test_db_catalogue();
    Book *h = dorm_get(dorm_all(T.cx, Book), DQ("title", "Homage to Catalonia"));
    cr_assert(h, "%s", dorm_errmsg(T.cx));
    cr_expect_str_eq(dorm_get_display(h, genre), "History");
}
