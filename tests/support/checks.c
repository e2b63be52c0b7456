/* checks.c - the system-check tests' registry of one app and the
 * expectations of its messages (see checks.h). */
#include "checks.h"

#include <criterion/criterion.h>
#include <string.h>

dorm_registry *test_registry_of(const dorm_model *const *models) {
    const dorm_app app = {.label = "library", .models = models};
    dorm_registry *reg = dorm_registry_new((const dorm_app *const[]){&app, NULL});
    cr_assert(reg, "registry: out of memory");
    return reg;
}

bool test_has_message(const char *text, const char *message) {
    size_t n = strlen(message);
    for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        if (strncmp(p, message, n) == 0 && (p[n] == '\n' || p[n] == '\0')) return true;
    return false;
}

void test_expect_messages(const dorm_model *const *models, const char *const *messages) {
    dorm_registry *reg = test_registry_of(models);
    const char *msg = dorm_registry_messages(reg);
    cr_expect_eq(dorm_registry_errcode(reg), DORM_ECONFIG);
    size_t want = 0, got = *msg ? 1 : 0;
    for (; messages[want]; want++)
        cr_expect(test_has_message(msg, messages[want]), "missing \"%s\" in \"%s\"", messages[want], msg);
    /* A hint's line belongs to the message above it. */
    for (const char *p = strchr(msg, '\n'); p; p = strchr(p + 1, '\n')) got += p[1] != '\t';
    cr_expect_eq(got, want, "%zu messages expected, got \"%s\"", want, msg);
    dorm_registry_free(reg);
}

void test_expect_one_message(const dorm_model *const *models, const char *prefix) {
    dorm_registry *reg = test_registry_of(models);
    const char *msg = dorm_registry_messages(reg);
    cr_expect_eq(dorm_registry_errcode(reg), DORM_ECONFIG);
    cr_expect(strncmp(msg, prefix, strlen(prefix)) == 0, "got \"%s\", wanted \"%s...\"", msg, prefix);
    cr_expect_null(strchr(msg, '\n'), "one message only, got \"%s\"", msg);
    dorm_registry_free(reg);
}
