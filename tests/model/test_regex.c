/* test_regex.c - RegexValidator patterns on libc's POSIX expressions: the
 * Python spellings dorm rewrites (\d, \D, \A, \Z, lazy quantifiers, "(?:",
 * "(?i)") and Python's `$` before a final newline, against re.search's
 * answers (python3), and the patterns POSIX cannot take. */
#include <criterion/criterion.h>
#include <string.h>

#include "model/regex.h"

static const struct {
    const char *pattern, *text;
    int found;
} cases[] = {
    {"^[A-Z]{2}[0-9]{3}$", "AB123", 1},
    {"^[A-Z]{2}[0-9]{3}$", "ab123", 0},
    {"^[A-Z]{2}[0-9]{3}$", "AB1234", 0},
    {"^[A-Z]{2}[0-9]{3}$", "AB123\n", 1},
    {"^[A-Z]{2}[0-9]{3}$", "AB123\n\n", 0},
    {"^[A-Z]{2}[0-9]{3}$", " AB123", 0},
    {"\\d+", "abc", 0},
    {"\\d+", "a1", 1},
    {"\\d+", "", 0},
    {"^\\D+$", "abc", 1},
    {"^\\D+$", "a1", 0},
    {"^[\\d_]+$", "1_2", 1},
    {"^[\\d_]+$", "1a", 0},
    {"\\Aab\\Z", "ab", 1},
    {"\\Aab\\Z", "ab\n", 0},
    {"\\Aab\\Z", "xab", 0},
    {"^a+?$", "", 0},
    {"^a+?$", "a", 1},
    {"^a+?$", "aa", 1},
    {"^(?:ab)+$", "abab", 1},
    {"^(?:ab)+$", "aba", 0},
    {"(?i)^abc$", "ABC", 1},
    {"(?i)^abc$", "abd", 0},
    {"^\\w+$", "abc_1", 1},
    {"^\\w+$", "a b", 0},
    {"^\\s*$", "  ", 1},
    {"^\\s*$", " x", 0},
    {"colou?r", "color", 1},
    {"colou?r", "colour", 1},
    {"colou?r", "colr", 0},
    {"^[]a]+$", "]a", 1},
    {"^[]a]+$", "b", 0},
    {"^[^]a]+$", "bc", 1},
    {"^[^]a]+$", "a", 0},
    {"a{2,3}?b", "aab", 1},
    {"a{2,3}?b", "ab", 0},
    {"^\\.$", ".", 1},
    {"^\\.$", "a", 0},
};

Test(regex, answers_of_python_re_search) {
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        void *re;
        char why[128];
        cr_assert_eq(dorm_regex__compile(cases[i].pattern, 0, &re, why, sizeof why), DORM_OK, "%s: %s",
                     cases[i].pattern, why);
        cr_expect_eq(dorm_regex__search(re, cases[i].text, strlen(cases[i].text)), cases[i].found, "%s on '%s'",
                     cases[i].pattern, cases[i].text);
        dorm_regex__free(re);
    }
}

Test(regex, ignorecase_flag_and_refused_patterns) {
    void *re;
    char why[128];
    cr_assert_eq(dorm_regex__compile("^abc$", DORM_REGEX_IGNORECASE, &re, why, sizeof why), DORM_OK);
    cr_assert_eq(dorm_regex__search(re, "AbC", 3), 1);
    dorm_regex__free(re);
    /* Look-arounds and inline groups other than (?:...) have no POSIX form. */
    cr_assert_eq(dorm_regex__compile("a(?=b)", 0, &re, why, sizeof why), DORM_EVALUE);
    cr_assert_neq(why[0], '\0');
    cr_assert_eq(dorm_regex__compile("(ab", 0, &re, why, sizeof why), DORM_EVALUE);
}
