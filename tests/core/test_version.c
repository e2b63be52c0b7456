/* test_version.c - the version macros, dorm_version() and the files that
 * name the release agree: the library reports the headers' release, the
 * string spells the numbers, and CHANGELOG.md has a section for it. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "testdb.h"

Test(version, library_reports_the_headers_release) {
    cr_assert_str_eq(dorm_version(), DORM_VERSION);
    cr_assert_eq(dorm_version_number(), DORM_VERSION_NUMBER);
}

Test(version, string_spells_the_numbers) {
    char want[32];
    snprintf(want, sizeof want, "%d.%d.%d", DORM_VERSION_MAJOR, DORM_VERSION_MINOR, DORM_VERSION_PATCH);
    cr_assert_str_eq(DORM_VERSION, want);
    cr_assert_eq(DORM_VERSION_NUMBER, DORM_VERSION_MAJOR * 1000000 + DORM_VERSION_MINOR * 1000 + DORM_VERSION_PATCH);
#if DORM_VERSION_NUMBER < 1000
#error "DORM_VERSION_NUMBER must be usable in #if"
#endif
}

Test(version, changelog_has_a_section_for_the_release) {
    FILE *f = fopen(DORM_TEST_SOURCE_DIR "/CHANGELOG.md", "r");
    cr_assert_not_null(f);
    char line[256];
    bool found = false;
    while (!found && fgets(line, sizeof line, f))
        found = strncmp(line, "## [" DORM_VERSION "]", strlen("## [" DORM_VERSION "]")) == 0;
    fclose(f);
    cr_assert(found, "CHANGELOG.md has no \"## [%s]\" section", DORM_VERSION);
}
