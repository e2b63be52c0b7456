/* chars.h - the character helpers every parser and writer of dorm shares:
 * ASCII digit and hex tests that ignore the locale (unlike <ctype.h>), and
 * fixed-width decimal digits written by hand for the row-decoding paths. */
#ifndef DORM_CORE_CHARS_H
#define DORM_CORE_CHARS_H

#include <stdbool.h>

static inline bool dorm_is_digit(int c) { return c >= '0' && c <= '9'; }

/* The value of a hex digit of either case, or -1. */
static inline int dorm_hex_value(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static inline bool dorm_is_hex(int c) { return dorm_hex_value(c) >= 0; }

/* Writes v's last `width` decimal digits, zero-padded, at p; returns the
 * end. */
static inline char *dorm_put_digits(char *p, unsigned long v, int width) {
    for (int i = width - 1; i >= 0; i--, v /= 10) p[i] = (char)('0' + v % 10);
    return p + width;
}

#endif
