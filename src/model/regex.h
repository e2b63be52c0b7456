/* regex.h - the compiled patterns of RegexValidators (see regex.c). */
#ifndef DORM_MODEL_REGEX_H
#define DORM_MODEL_REGEX_H

#include <stddef.h>

#include "dorm.h"

/* Compiles a RegexValidator pattern (Python's \d, \D, \A, \Z accepted) with
 * DORM_REGEX_* flags into *out (free with dorm_regex__free).  0, DORM_ENOMEM,
 * or DORM_EVALUE with the library's reason in err. */
int dorm_regex__compile(const char *pattern, int flags, void **out, char *err, size_t errlen);
/* re.search(pattern, s) for the NUL-terminated s of n bytes: 1, 0, or
 * DORM_ENOMEM. */
int dorm_regex__search(const void *re, const char *s, size_t n);
void dorm_regex__free(void *re);

#endif
