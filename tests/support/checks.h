/* checks.h - what the system-check tests share: the registry of one app
 * "library" and the expectation of its check messages, as Django's `check`
 * prints them (a message per line, its hint on the next line after a tab). */
#ifndef DORM_TEST_CHECKS_H
#define DORM_TEST_CHECKS_H

#include <stdbool.h>

#include <dorm.h>

/* A registry of the app "library" holding `models`; freed by the caller. */
dorm_registry *test_registry_of(const dorm_model *const *models);
/* Whether `message` (a line or more) is whole lines of `text`. */
bool test_has_message(const char *text, const char *message);
/* The registry of `models` must fail its checks with exactly the messages of
 * the NULL-terminated `messages` (each with its "\n\tHINT: ..." line if it
 * has one), in any order (Django's order is incidental). */
void test_expect_messages(const dorm_model *const *models, const char *const *messages);
/* The registry of `models` must fail its checks with one message starting
 * with `prefix` (for checks Django has no equivalent of). */
void test_expect_one_message(const dorm_model *const *models, const char *prefix);

#endif
