/* util.c - the reports example's helpers: errors, and the value formats of
 * the Django script. */
#include <stdlib.h>
#include <string.h>

#include "report.h"

void check(bool ok) {
    if (ok) return;
    fprintf(stderr, "reports: %s: %s\n", dorm_error_name(dorm_errcode(cx)), dorm_errmsg(cx));
    exit(1);
}

void check_qs(dorm_qs *qs) {
    if (qs && dorm_qs_errcode(qs) == DORM_OK) return;
    fprintf(stderr, "reports: %s\n", qs ? dorm_qs_errmsg(qs) : "out of memory");
    exit(1);
}

const dorm_value *ann(const void *obj, const char *alias) {
    const dorm_value *v = dorm_annotation(obj, alias);
    if (!v) {
        fprintf(stderr, "reports: no annotation %s\n", alias);
        exit(1);
    }
    return v;
}

const dorm_value *col(const dorm_row *r, const char *name) {
    const dorm_value *v = dorm_row_get(r, name);
    if (!v) {
        fprintf(stderr, "reports: no column %s\n", name);
        exit(1);
    }
    return v;
}

static char *slot(void) {
    static char bufs[16][128];
    static int next;
    next = (next + 1) % 16;
    return bufs[next];
}

const char *iso_t(dorm_datetime t) {
    char *out = slot();
    dorm_date d;
    dorm_time tm;
    dorm_datetime_split(t, &d, &tm);
    snprintf(out, 128, "%04d-%02d-%02dT%02d:%02d:%02dZ", d.year, d.month, d.day, tm.hour, tm.minute, tm.second);
    return out;
}

const char *iso(const dorm_value *v) { return v->type == DORM_T_DATETIME ? iso_t(v->u.dt) : "None"; }

const char *money(const dorm_value *v) {
    char *out = slot();
    dorm_decimal d;
    if (v->type == DORM_T_DECIMAL && dorm_decimal_rescale(v->u.dec, 2, &d) == 0)
        dorm_decimal_format(d, out);
    else if (v->type == DORM_T_FLOAT)
        snprintf(out, 128, "%.2f", v->u.f);
    else if (v->type == DORM_T_INT)
        snprintf(out, 128, "%lld.00", (long long)v->u.i);
    else
        return "None";
    return out;
}

const char *dur(const dorm_value *v) {
    if (v->type != DORM_T_DURATION) return "None";
    char *out = slot();
    long long s = (long long)(v->u.dur.usec / 1000000);
    snprintf(out, 128, "%lldd %02lld:%02lld:%02lld", s / 86400, s % 86400 / 3600, s % 3600 / 60, s % 60);
    return out;
}

const char *str(const dorm_value *v) {
    char *out = slot();
    switch (v->type) {
    case DORM_T_NULL: return "None";
    case DORM_T_BOOL: return v->u.b ? "True" : "False";
    case DORM_T_INT: snprintf(out, 128, "%lld", (long long)v->u.i); return out;
    case DORM_T_FLOAT: snprintf(out, 128, "%g", v->u.f); return out;
    case DORM_T_TEXT: return v->u.s;
    case DORM_T_DECIMAL: dorm_decimal_format(v->u.dec, out); return out;
    case DORM_T_DATETIME: return iso(v);
    case DORM_T_DATE: dorm_date_format(v->u.date, out); return out;
    default: return "?";
    }
}

const char *repr(const dorm_value *v) {
    if (v->type != DORM_T_TEXT) return str(v);
    char *out = slot();
    snprintf(out, 128, "'%s'", v->u.s);
    return out;
}

const char *local(const dorm_value *v) {
    if (v->type != DORM_T_DATETIME) return "None";
    char *out = slot();
    dorm_date d;
    dorm_time t;
    int32_t off;
    check(dorm_timezone_localtime(cx, v->u.dt, NULL, &d, &t, &off) == 0);
    int a = off < 0 ? -off : off;
    snprintf(out, 128, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", d.year, d.month, d.day, t.hour, t.minute, t.second,
             off < 0 ? '-' : '+', a / 3600 % 24, a / 60 % 60);
    return out;
}

dorm_datetime at(const char *s) {
    dorm_datetime t;
    if (dorm_datetime_parse(s, strlen(s), &t)) {
        fprintf(stderr, "reports: bad instant %s\n", s);
        exit(1);
    }
    return t;
}
