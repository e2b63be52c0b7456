/* validators.h - the shapes Django's field validators accept: slugs, email
 * addresses and URLs (validate_slug, EmailValidator, URLValidator). */
#ifndef DORM_MODEL_VALIDATORS_H
#define DORM_MODEL_VALIDATORS_H

#include <stdbool.h>

/* Whether a NUL-terminated UTF-8 string passes the validator.  An empty
 * string passes none of them (Django does not run validators on it). */
bool dorm_valid__slug(const char *s);
bool dorm_valid__email(const char *s);
bool dorm_valid__url(const char *s);

#endif
