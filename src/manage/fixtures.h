/* fixtures.h - what dumpdata.c and fixtures.c (loaddata) share: the base64
 * alphabet of BinaryField values in fixtures, and the length of a natural
 * key once the keys of its relations are flattened into it. */
#ifndef DORM_MANAGE_FIXTURES_H
#define DORM_MANAGE_FIXTURES_H

#include "model/meta.h"

#define DORM_FIXTURE__B64 "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

/* How deep natural keys may nest through relations (a cycle, which the
 * checks refuse, stops there). */
#define DORM_FIXTURE__NATURAL_DEPTH 16

/* The number of values of m's natural key in a fixture: one per field, a
 * relation's target's count for a relation. */
size_t dorm_fixture__natural_width(const dorm_meta *m, int depth);

#endif
