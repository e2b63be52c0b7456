/* dorm/version.h - which release of dorm a program is compiled against (the
 * DORM_VERSION macros) and which one it runs with (dorm_version).  The
 * numbers below are the one place the version is written: CMake reads them.
 * SPDX-License-Identifier: MIT (see LICENSE) */
#ifndef DORM_VERSION_H
#define DORM_VERSION_H

#include "api.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The release of these headers, in semantic versioning (CONTRIBUTING.md says
 * what each number promises). */
#define DORM_VERSION_MAJOR 0
#define DORM_VERSION_MINOR 1
#define DORM_VERSION_PATCH 0

#define DORM__VERSION_STR_(a, b, c) #a "." #b "." #c
#define DORM__VERSION_STR(a, b, c) DORM__VERSION_STR_(a, b, c)
/* The release as a string, "0.1.0". */
#define DORM_VERSION DORM__VERSION_STR(DORM_VERSION_MAJOR, DORM_VERSION_MINOR, DORM_VERSION_PATCH)
/* The release as one number that grows with each release, for `#if` tests:
 * MAJOR * 1000000 + MINOR * 1000 + PATCH (0.1.0 is 1000). */
#define DORM_VERSION_NUMBER (DORM_VERSION_MAJOR * 1000000 + DORM_VERSION_MINOR * 1000 + DORM_VERSION_PATCH)

/* The release of the library the program runs with, "0.1.0" (static
 * string).  It differs from DORM_VERSION when the program was compiled
 * against other headers than the shared library it loaded. */
DORM_API const char *dorm_version(void);
/* The same as a DORM_VERSION_NUMBER. */
DORM_API int dorm_version_number(void);

#ifdef __cplusplus
}
#endif

#endif
