/* test_buf.c - dorm_buf growth, printf, identifier quoting, the failure
 * state, and dorm_err. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "dorm/error.h"
#include "dorm/sys/driver.h"

Test(buf, put_grows_and_terminates) {
    dorm_buf b = DORM_BUF_INIT;
    for (int i = 0; i < 10000; i++) {
        dorm_buf_putc(&b, (char)('a' + i % 26));
        cr_assert_eq(b.len, (size_t)i + 1);
        cr_assert_eq(b.data[b.len], '\0');
    }
    for (int i = 0; i < 10000; i++) cr_assert_eq(b.data[i], 'a' + i % 26);
    cr_assert_geq(b.cap, b.len + 1);
    dorm_buf_reset(&b);
    cr_assert_eq(b.len, 0);
    cr_assert_str_eq(b.data, "");
    dorm_buf_puts(&b, "SELECT ");
    dorm_buf_put(&b, "1 2", 1);
    dorm_buf_puts(&b, NULL);
    dorm_buf_put(&b, "x\0y", 3);
    cr_assert_eq(b.len, 11);
    cr_assert_eq(memcmp(b.data, "SELECT 1x\0y", 12), 0);
    cr_assert_not(b.failed);
    dorm_buf_free(&b);
    cr_assert(b.data == NULL && b.len == 0 && b.cap == 0);
    dorm_buf_free(&b);
}

Test(buf, printf_appends_and_grows) {
    dorm_buf b = DORM_BUF_INIT;
    dorm_buf_printf(&b, "%s=%d", "pages", 400);
    cr_assert_str_eq(b.data, "pages=400");
    char big[5000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    dorm_buf_printf(&b, " [%s] %d", big, 7);
    cr_assert_eq(b.len, 9 + 2 + 4999 + 3);
    cr_assert_eq(strncmp(b.data, "pages=400 [x", 12), 0);
    cr_assert_str_eq(b.data + b.len - 3, "] 7");
    cr_assert_eq(strlen(b.data), b.len);
    for (int i = 0; i < 100; i++) dorm_buf_printf(&b, "$%d,", i);
    cr_assert_str_eq(b.data + b.len - 4, "$99,");
    dorm_buf_free(&b);
}

Test(buf, quote_doubles_the_quote_character) {
    dorm_buf b = DORM_BUF_INIT;
    dorm_buf_quote(&b, '"', "library_book");
    cr_assert_str_eq(b.data, "\"library_book\"");
    dorm_buf_reset(&b);
    dorm_buf_quote(&b, '"', "a\"b");
    cr_assert_str_eq(b.data, "\"a\"\"b\"");
    dorm_buf_reset(&b);
    dorm_buf_quote(&b, '"', "\"\"");
    cr_assert_str_eq(b.data, "\"\"\"\"\"\"");
    dorm_buf_reset(&b);
    dorm_buf_quote(&b, '`', "x`; DROP TABLE t; --`");
    cr_assert_str_eq(b.data, "`x``; DROP TABLE t; --```");
    dorm_buf_reset(&b);
    dorm_buf_quote(&b, '`', "say \"hi\"");
    cr_assert_str_eq(b.data, "`say \"hi\"`");
    dorm_buf_reset(&b);
    dorm_buf_quote(&b, '"', "");
    cr_assert_str_eq(b.data, "\"\"");
    dorm_buf_free(&b);
}

Test(buf, failure_keeps_content_until_reset) {
    dorm_buf b = DORM_BUF_INIT;
    dorm_buf_puts(&b, "SELECT 1");
    dorm_buf_put(&b, "x", SIZE_MAX - 2);
    cr_assert(b.failed);
    cr_assert_str_eq(b.data, "SELECT 1");
    /* Later writes are dropped: the text is never silently shortened. */
    dorm_buf_puts(&b, " FROM t");
    dorm_buf_putc(&b, ';');
    dorm_buf_printf(&b, "%d", 5);
    dorm_buf_quote(&b, '"', "t");
    cr_assert_str_eq(b.data, "SELECT 1");
    cr_assert_eq(b.len, 8);
    dorm_buf_reset(&b);
    cr_assert_not(b.failed);
    dorm_buf_puts(&b, "ok");
    cr_assert_str_eq(b.data, "ok");
    dorm_buf_free(&b);
}

Test(buf, err_fills_the_record) {
    dorm_errbuf e = {0, ""};
    cr_assert_eq(dorm_err(&e, DORM_EINTEGRITY, "UNIQUE constraint failed: %s.%s", "library_book", "isbn"),
                 DORM_EINTEGRITY);
    cr_assert_eq(e.code, DORM_EINTEGRITY);
    cr_assert_str_eq(e.msg, "UNIQUE constraint failed: library_book.isbn");
    char big[2000];
    memset(big, 'y', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    dorm_err(&e, DORM_EOPERATIONAL, "%s", big);
    cr_assert_eq(strlen(e.msg), sizeof e.msg - 1, "long messages are cut to the record");
    cr_assert_eq(dorm_err(NULL, DORM_EDATA, "x"), DORM_EDATA);
}
