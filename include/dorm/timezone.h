/* dorm/timezone.h - time zones (Django's django.utils.timezone with USE_TZ):
 * instants are UTC; a context's current time zone (UTC unless activated) is
 * the one Trunc*, Extract*, TruncDate and the __year, __month, __date ...
 * lookups of datetimes see them in, and a zone turns an instant into the
 * wall time shown to people.
 * SPDX-License-Identifier: MIT (see LICENSE) */
#ifndef DORM_TIMEZONE_H
#define DORM_TIMEZONE_H

#include "api.h"

#include "db.h"
#include "value.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Django's timezone.activate(name): the tz database's zone "Europe/Paris"
 * becomes cx's current time zone.  DORM_EVALUE for a name no zone has. */
DORM_API int dorm_timezone_activate(dorm_ctx *cx, const char *name);
/* Django's timezone.deactivate(): back to UTC. */
DORM_API void dorm_timezone_deactivate(dorm_ctx *cx);
/* The name of cx's current time zone ("UTC"); borrowed. */
DORM_API const char *dorm_timezone_current(const dorm_ctx *cx);
/* The wall time of instant t in zone `name` (NULL: the current one):
 * its date and time, and its offset from UTC in seconds (any may be NULL).
 * DORM_EVALUE for an unknown zone. */
DORM_API int dorm_timezone_localtime(dorm_ctx *cx, dorm_datetime t, const char *name, dorm_date *date, dorm_time *time,
                            int32_t *offset);

#ifdef __cplusplus
}
#endif

#endif
