/* version.c - the release of the library itself (dorm_version), compiled
 * from the same header a program compiles against, so that a program can
 * tell when the shared library it loaded is another release. */
#include "dorm/version.h"

const char *dorm_version(void) { return DORM_VERSION; }

int dorm_version_number(void) { return DORM_VERSION_NUMBER; }
