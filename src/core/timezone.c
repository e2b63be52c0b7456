/* timezone.c - a context's current time zone (Django's timezone.activate)
 * and wall times of instants, over the zones of core/tz.c. */
#include "dorm/timezone.h"

#include "core/ctx.h"

int dorm_ctx__zone(dorm_ctx *cx, const char *name, const dorm_tz **out) {
    *out = NULL;
    if (!name) {
        *out = cx->tz;
        return DORM_OK;
    }
    bool nomem;
    const dorm_tz *z = dorm_tz__get(&cx->zones, name, &nomem);
    if (nomem) return dorm_ctx_fail(cx, DORM_ENOMEM, "out of memory");
    if (!z) return dorm_ctx_fail(cx, DORM_EVALUE, "Unknown time zone '%.120s'.", name);
    if (!dorm_tz__is_utc(z)) *out = z;
    return DORM_OK;
}

int dorm_timezone_activate(dorm_ctx *cx, const char *name) {
    const dorm_tz *z;
    int rc = dorm_ctx__zone(cx, name ? name : "", &z);
    if (rc) return rc;
    cx->tz = z;
    return DORM_OK;
}

void dorm_timezone_deactivate(dorm_ctx *cx) { cx->tz = NULL; }

const char *dorm_timezone_current(const dorm_ctx *cx) { return cx->tz ? dorm_tz__name(cx->tz) : "UTC"; }

int dorm_timezone_localtime(dorm_ctx *cx, dorm_datetime t, const char *name, dorm_date *date, dorm_time *time,
                            int32_t *offset) {
    const dorm_tz *z;
    int rc = dorm_ctx__zone(cx, name, &z);
    if (rc) return rc;
    int64_t sec = t.usec / 1000000 - (t.usec % 1000000 < 0);
    int32_t off = z ? dorm_tz__offset(z, sec) : 0;
    dorm_datetime_split((dorm_datetime){t.usec + (int64_t)off * 1000000}, date, time);
    if (offset) *offset = off;
    return DORM_OK;
}
