/* test_ctx.c - the context: lifecycle, arena allocation through it, and the
 * error state (replacement, clearing, driver errors, Django names). */
#include <criterion/criterion.h>
#include <stdalign.h>
#include <stdint.h>
#include <string.h>

#include "core/ctx.h"

static int fake_db;
#define FAKE_DB ((dorm_db *)(void *)&fake_db)

Test(ctx, new_and_free) {
    dorm_ctx *cx = dorm_ctx_new(FAKE_DB);
    cr_assert_not_null(cx);
    cr_assert_eq(dorm_ctx_db(cx), FAKE_DB);
    cr_assert_eq(dorm_errcode(cx), DORM_OK);
    cr_assert_str_eq(dorm_errmsg(cx), "");
    dorm_ctx_free(cx);
    dorm_ctx_free(NULL);
    cx = dorm_ctx_new(NULL);
    cr_assert_null(dorm_ctx_db(cx));
    dorm_ctx_free(cx);
}

Test(ctx, null_context_reads_as_out_of_memory) {
    cr_assert_eq(dorm_errcode(NULL), DORM_ENOMEM);
    cr_assert_str_eq(dorm_errmsg(NULL), "out of memory");
    cr_assert_null(dorm_ctx_db(NULL));
    cr_assert_null(dorm_alloc(NULL, 8));
    cr_assert_null(dorm_strdup(NULL, "x"));
    cr_assert_null(dorm_sprintf(NULL, "x"));
    cr_assert_eq(dorm_ctx_fail(NULL, DORM_EFIELD, "x"), DORM_EFIELD);
    dorm_error_clear(NULL);
}

Test(ctx, fail_replaces_and_clear_empties) {
    dorm_ctx *cx = dorm_ctx_new(NULL);
    cr_assert_eq(dorm_ctx_fail(cx, DORM_EFIELD, "Cannot resolve keyword '%s' into field.", "titel"), DORM_EFIELD);
    cr_assert_eq(dorm_errcode(cx), DORM_EFIELD);
    cr_assert_str_eq(dorm_errmsg(cx), "Cannot resolve keyword 'titel' into field.");
    cr_assert_eq(dorm_ctx_fail(cx, DORM_EDOESNOTEXIST, "Book matching query does not exist."), DORM_EDOESNOTEXIST);
    cr_assert_eq(dorm_errcode(cx), DORM_EDOESNOTEXIST);
    cr_assert_str_eq(dorm_errmsg(cx), "Book matching query does not exist.");
    dorm_error_clear(cx);
    cr_assert_eq(dorm_errcode(cx), DORM_OK);
    cr_assert_str_eq(dorm_errmsg(cx), "");
    dorm_error_clear(cx);
    cr_assert_str_eq(dorm_errmsg(cx), "");
    dorm_ctx_free(cx);
}

Test(ctx, fail_may_quote_the_previous_message) {
    dorm_ctx *cx = dorm_ctx_new(NULL);
    dorm_ctx_fail(cx, DORM_EINTEGRITY, "UNIQUE constraint failed: %s", "library_book.isbn");
    dorm_ctx_fail(cx, DORM_EINTEGRITY, "while saving Book: %s", dorm_errmsg(cx));
    cr_assert_str_eq(dorm_errmsg(cx), "while saving Book: UNIQUE constraint failed: library_book.isbn");
    char big[3000];
    memset(big, 'z', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    dorm_ctx_fail(cx, DORM_EVALUE, "%s!", big);
    cr_assert_eq(strlen(dorm_errmsg(cx)), sizeof big, "messages are not cut");
    dorm_ctx_fail(cx, DORM_EVALUE, NULL);
    cr_assert_str_eq(dorm_errmsg(cx), "ValueError");
    dorm_ctx_free(cx);
}

Test(ctx, fail_errbuf) {
    dorm_ctx *cx = dorm_ctx_new(NULL);
    dorm_errbuf e;
    dorm_err(&e, DORM_EOPERATIONAL, "database is locked");
    cr_assert_eq(dorm_fail__errbuf(cx, &e), DORM_EOPERATIONAL);
    cr_assert_eq(dorm_errcode(cx), DORM_EOPERATIONAL);
    cr_assert_str_eq(dorm_errmsg(cx), "database is locked");
    dorm_err(&e, DORM_EPROGRAMMING, "near \"%%s\": syntax error");
    dorm_fail__errbuf(cx, &e);
    cr_assert_str_eq(dorm_errmsg(cx), "near \"%s\": syntax error", "a driver message is not a format");
    dorm_ctx_free(cx);
}

Test(ctx, alloc_strdup_sprintf) {
    dorm_ctx *cx = dorm_ctx_new(NULL);
    for (int i = 1; i < 200; i++) {
        unsigned char *p = dorm_alloc(cx, (size_t)i);
        cr_assert_not_null(p);
        cr_assert_eq((uintptr_t)p % alignof(max_align_t), 0);
        for (int j = 0; j < i; j++) cr_assert_eq(p[j], 0, "dorm_alloc zeroes");
        memset(p, 0xff, (size_t)i);
    }
    const char *src = "Jane Austen";
    char *s = dorm_strdup(cx, src);
    cr_assert_str_eq(s, src);
    cr_assert_neq(s, src);
    cr_assert_null(dorm_strdup(cx, NULL));
    cr_assert_eq(dorm_errcode(cx), DORM_OK, "a NULL string is not an error");
    char *f = dorm_sprintf(cx, "%s_%s_%d", "library", "book", 42);
    cr_assert_str_eq(f, "library_book_42");
    char big[20000];
    memset(big, 'q', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    char *g = dorm_sprintf(cx, "<%s>", big);
    cr_assert_eq(strlen(g), sizeof big + 1);
    cr_assert_eq(g[0], '<');
    cr_assert_eq(g[sizeof big], '>');
    cr_assert_eq(dorm_errcode(cx), DORM_OK);
    dorm_ctx_free(cx);
}

Test(ctx, allocation_failure_is_recorded) {
    dorm_ctx *cx = dorm_ctx_new(NULL);
    cr_assert_null(dorm_alloc(cx, SIZE_MAX - 4));
    cr_assert_eq(dorm_errcode(cx), DORM_ENOMEM);
    cr_assert_neq(strstr(dorm_errmsg(cx), "out of memory"), NULL);
    dorm_error_clear(cx);
    cr_assert_not_null(dorm_alloc(cx, 16), "the context stays usable");
    dorm_ctx_free(cx);
}

Test(ctx, error_names) {
    static const struct {
        int code;
        const char *name;
    } names[] = {
        {DORM_OK, "OK"},
        {DORM_EDOESNOTEXIST, "DoesNotExist"},
        {DORM_EMULTIPLE, "MultipleObjectsReturned"},
        {DORM_EFIELD, "FieldError"},
        {DORM_EVALIDATION, "ValidationError"},
        {DORM_EINTEGRITY, "IntegrityError"},
        {DORM_EPROTECTED, "ProtectedError"},
        {DORM_ERESTRICTED, "RestrictedError"},
        {DORM_EOPERATIONAL, "OperationalError"},
        {DORM_EPROGRAMMING, "ProgrammingError"},
        {DORM_ETRANSACTION, "TransactionManagementError"},
        {DORM_ENOMEM, "MemoryError"},
        {DORM_EVALUE, "ValueError"},
        {DORM_EDATA, "DataError"},
        {DORM_ECONFIG, "ImproperlyConfigured"},
        {DORM_EPOLICY, "QueryPolicyError"},
        {DORM_ENOTSUPPORTED, "NotSupportedError"},
        {DORM_EEMPTYPAGE, "EmptyPage"},
        {DORM_EPAGENOTANINTEGER, "PageNotAnInteger"},
        {-99, "UnknownError"},
        {1, "UnknownError"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        cr_assert_str_eq(dorm_error_name(names[i].code), names[i].name);
}
