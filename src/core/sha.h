/* sha.h - SHA-1 and SHA-2 digests (FIPS 180-4: SHA-224, SHA-256, SHA-384,
 * SHA-512) as lowercase hex, for the SHA1 ... SHA512 SQL functions dorm
 * registers on SQLite (Django's hashlib ones); not for anything else. */
#ifndef DORM_CORE_SHA_H
#define DORM_CORE_SHA_H

#include <stddef.h>

typedef enum dorm_sha_kind { DORM_SHA1, DORM_SHA224, DORM_SHA256, DORM_SHA384, DORM_SHA512 } dorm_sha_kind;

/* The longest digest in hex, with its NUL (SHA-512: 64 bytes). */
#define DORM_SHA_HEX_MAX 129

/* Writes the hex digest of data[0..n) by algorithm k and a NUL into hex;
 * its length (40, 56, 64, 96 or 128 digits). */
size_t dorm_sha__hex(dorm_sha_kind k, const void *data, size_t n, char hex[DORM_SHA_HEX_MAX]);

#endif
