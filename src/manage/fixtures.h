/* fixtures.h - what dumpdata.c and fixtures.c (loaddata) share: the base64
 * alphabet of BinaryField values in fixtures. */
#ifndef DORM_MANAGE_FIXTURES_H
#define DORM_MANAGE_FIXTURES_H

#define DORM_FIXTURE__B64 "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

#endif
