/* tz.h - time zones of the tz database: a zone read from its TZif file
 * ($TZDIR or /usr/share/zoneinfo), the UTC offset it has at an instant, and
 * the instants a local wall time stands for. */
#ifndef DORM_CORE_TZ_H
#define DORM_CORE_TZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct dorm_tz dorm_tz;

/* Whether name can name a zone: letters, digits and "_+-" in "/"-separated
 * parts, none starting with "." (so no path leaves the tz database). */
bool dorm_tz__name_valid(const char *name);
/* Zone `name`, read from the tz database ("UTC" needs none); NULL when the
 * name is invalid or no zone has it, or out of memory (*nomem set). */
dorm_tz *dorm_tz__load(const char *name, bool *nomem);
void dorm_tz__free(dorm_tz *z);
const char *dorm_tz__name(const dorm_tz *z);
/* Whether the zone is UTC (no offset, ever). */
bool dorm_tz__is_utc(const dorm_tz *z);
/* The UTC offset in seconds at instant t (seconds since the epoch). */
int32_t dorm_tz__offset(const dorm_tz *z, int64_t t);
/* The instants (seconds since the epoch, earlier first) at which the wall
 * clock of z reads `local` (seconds since the epoch of that wall time): 1,
 * 2 where clocks went back (ambiguous) or 0 where they skipped it. */
int dorm_tz__instants(const dorm_tz *z, int64_t local, int64_t out[2]);

/* Zones loaded once and kept (a context's). */
typedef struct dorm_tz_cache {
    dorm_tz *zones;
} dorm_tz_cache;
/* The zone `name` from the cache, loaded on first use; NULL as dorm_tz__load. */
const dorm_tz *dorm_tz__get(dorm_tz_cache *c, const char *name, bool *nomem);
void dorm_tz__cache_free(dorm_tz_cache *c);

#endif
