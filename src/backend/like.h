/* like.h - LIKE pattern values with the backslash as escape character,
 * shared by the dialects that spell pattern lookups that way. */
#ifndef DORM_BACKEND_LIKE_H
#define DORM_BACKEND_LIKE_H

#include "dorm/sys/driver.h"

/* Appends s[0..n) (NULs included) with '\', '%' and '_' escaped by '\',
 * after a '%' for contains / endswith (and their i-variants) and before one
 * for contains / startswith; iexact and any other lookup get no wildcard. */
void dorm_like__pattern(dorm_buf *out, dorm_lookup lk, const char *s, size_t n);

#endif
