/* test_field_types.c - a field macro on a member of the wrong type stops the
 * build, and the compiler's first error is one readable line naming the
 * member and the C type it needs (a static assertion), not _Generic's. */
#define _POSIX_C_SOURCE 200809L /* popen */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

static const char *models = "#include <dorm.h>\n"
                            "typedef struct Author { DORM_OBJECT; int64_t id; } Author;\n"
                            "typedef struct Tag { DORM_OBJECT; dorm_uuid id; } Tag;\n"
                            "typedef struct Book {\n"
                            "    DORM_OBJECT;\n"
                            "    int64_t id;\n"
                            "    const char *title;\n"
                            "    int32_t pages;\n"
                            "    int64_t plain;\n"
                            "    DORM_FK(Author) author;\n"
                            "    DORM_FK_TO(Tag, double) tag;\n"
                            "} Book;\n"
                            "DORM_MODEL_DECLARE(Author);\n"
                            "DORM_MODEL_DECLARE(Tag);\n"
                            "const dorm_field Book_fields[] = {\n"
                            "    DORM_AUTO(Book, id),\n"
                            "    %s,\n"
                            "    DORM_END,\n"
                            "};\n";

/* The first line of the compiler's output that reports an error. */
static const char *first_error(const char *field) {
    char path[] = "/tmp/dorm-field-types-XXXXXX";
    static char line[1024];
    char src[2048], cmd[4096];
    cr_assert_not_null(mkdtemp(path));
    snprintf(src, sizeof src, models, field);
    char file[64];
    snprintf(file, sizeof file, "%s/bad.c", path);
    FILE *f = fopen(file, "w");
    cr_assert_not_null(f);
    fputs(src, f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "cc -std=c11 -pedantic -Wall -Wextra -Werror -fsyntax-only -I'%s' '%s' 2>&1; rm -r '%s'",
             DORM_TEST_INCLUDE, file, path);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    line[0] = '\0';
    char buf[1024];
    while (fgets(buf, sizeof buf, p))
        if (!line[0] && strstr(buf, "error")) snprintf(line, sizeof line, "%s", buf);
    pclose(p);
    return line;
}

static void expect_assertion(const char *field, const char *message) {
    const char *line = first_error(field);
    cr_assert(strstr(line, "static assertion failed") || strstr(line, "static_assert failed"), "%s", line);
    cr_assert(strstr(line, message), "%s\nwanted: %s", line, message);
}

Test(field_types, a_right_model_compiles) {
    cr_assert_str_eq(first_error("DORM_INT(Book, pages)"), "");
    cr_assert_str_eq(first_error("DORM_FOREIGN_KEY(Book, author, Author, .on_delete = DORM_CASCADE)"), "");
}

Test(field_types, a_scalar_member_of_another_type) {
    expect_assertion("DORM_INT(Book, title)", "dorm: member Book.title must be declared int32_t");
    expect_assertion("DORM_CHAR(Book, pages, .max_length = 10)",
                     "dorm: member Book.pages must be declared const char *");
    expect_assertion("DORM_BIGINT(Book, pages)", "dorm: member Book.pages must be declared int64_t");
    expect_assertion("DORM_UUID(Book, title)", "dorm: member Book.title must be declared dorm_uuid");
    expect_assertion("DORM_DURATION(Book, plain)", "dorm: member Book.plain must be declared dorm_duration");
}

Test(field_types, a_relation_member_of_another_type) {
    const char *want = "dorm: member Book.%s must be declared DORM_FK(%s), DORM_FK_TO(%s, const char *) or "
                       "DORM_FK_TO(%s, dorm_uuid)";
    char msg[256];
    snprintf(msg, sizeof msg, want, "plain", "Author", "Author", "Author", "Author");
    expect_assertion("DORM_FOREIGN_KEY(Book, plain, Author, .on_delete = DORM_CASCADE)", msg);
    snprintf(msg, sizeof msg, want, "author", "Tag", "Tag", "Tag", "Tag");
    expect_assertion("DORM_FOREIGN_KEY(Book, author, Tag, .on_delete = DORM_CASCADE)", msg);
    snprintf(msg, sizeof msg, want, "tag", "Tag", "Tag", "Tag", "Tag");
    expect_assertion("DORM_ONE_TO_ONE(Book, tag, Tag, .on_delete = DORM_CASCADE)", msg);
}
