/* opts.h - reading a caller's options struct by the size it was built with:
 * the public macros pass sizeof the struct the program saw, the library
 * copies that much and zeroes the members the program did not know of. */
#ifndef DORM_CORE_OPTS_H
#define DORM_CORE_OPTS_H

#include <stddef.h>
#include <string.h>

/* `given` (of `given_size` bytes, or NULL) copied into `copy` (`size`
 * bytes), the rest zero; returns copy, or NULL for NULL. */
static inline const void *dorm_opts__read(void *copy, size_t size, const void *given, size_t given_size) {
    if (!given) return NULL;
    memset(copy, 0, size);
    memcpy(copy, given, given_size < size ? given_size : size);
    return copy;
}

#endif
