/* dorm/api.h - DORM_API, the mark on every function and object libdorm
 * exports: the library is built with hidden visibility, so what a public
 * header does not declare with DORM_API stays out of libdorm.so's ABI.
 * SPDX-License-Identifier: MIT (see LICENSE) */
#ifndef DORM_API_H
#define DORM_API_H

/* Default visibility where the compiler has the attribute (GCC, Clang);
 * elsewhere nothing, and every symbol is exported as the platform does. */
#if defined(__GNUC__) && __GNUC__ >= 4
#define DORM_API __attribute__((visibility("default")))
#else
#define DORM_API
#endif

#endif
