/* md5.h - MD5 digests (RFC 1321), used only to derive the index and
 * constraint names Django derives (names_digest), so that schemas match. */
#ifndef DORM_CORE_MD5_H
#define DORM_CORE_MD5_H

#include <stddef.h>
#include <stdint.h>

typedef struct dorm_md5 {
    uint32_t h[4];
    uint64_t len;
    unsigned char buf[64];
} dorm_md5;

void dorm_md5__init(dorm_md5 *c);
void dorm_md5__update(dorm_md5 *c, const void *data, size_t n);
/* Writes the 32 lowercase hex digits and a NUL into hex[33]. */
void dorm_md5__hex(dorm_md5 *c, char hex[33]);

#endif
