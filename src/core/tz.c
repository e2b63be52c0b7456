/* tz.c - zones of the tz database read from their TZif files (RFC 8536,
 * version 2 data), with the POSIX TZ rule of the file's footer for instants
 * after its last transition; offsets at instants and the instants of a wall
 * time, as pytz and PostgreSQL answer them. */
#include "core/tz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "dorm/value.h"

/* A POSIX TZ rule ("CET-1CEST,M3.5.0,M10.5.0/3"): standard and daylight
 * offsets east of UTC, and when daylight time starts and ends. */
typedef struct rule_date {
    char form; /* 'M' (month.week.day), 'J' (1..365, no Feb 29), 'n' (0..365) */
    int month, week, day;
    int32_t time; /* seconds after local midnight */
} rule_date;

typedef struct posix_rule {
    bool present, has_dst;
    int32_t std_off, dst_off;
    rule_date start, end;
} posix_rule;

struct dorm_tz {
    char *name;
    size_t ntrans, ntypes;
    int64_t *trans; /* transition instants, ascending        */
    uint8_t *type; /* the type in force from each           */
    int32_t *off; /* UTC offset of each type               */
    posix_rule rule; /* after the last transition             */
    struct dorm_tz *next;
};

bool dorm_tz__name_valid(const char *name) {
    size_t n = name ? strlen(name) : 0;
    if (!n || n > 120 || name[0] == '/' || name[n - 1] == '/') return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        bool part_start = i == 0 || name[i - 1] == '/';
        if (part_start && (c == '.' || c == '/' || c == '-')) return false;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '+' ||
              c == '-' || c == '/'))
            return false;
    }
    return true;
}

static int64_t be(const unsigned char *p, int bytes) {
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++) v = v << 8 | p[i];
    if (bytes == 4) return (int32_t)(uint32_t)v;
    return (int64_t)v;
}

/* ---- POSIX TZ rules ---- */

static const char *rule_name(const char *p) {
    if (*p == '<') {
        while (*p && *p != '>') p++;
        return *p ? p + 1 : NULL;
    }
    const char *s = p;
    while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')) p++;
    return p - s >= 3 ? p : NULL;
}

/* [+-]hh[:mm[:ss]] into seconds. */
static const char *rule_hms(const char *p, int32_t *out) {
    int sign = 1;
    if (*p == '+' || *p == '-') sign = *p++ == '-' ? -1 : 1;
    int32_t v = 0;
    for (int part = 0; part < 3; part++) {
        if (*p < '0' || *p > '9') return part ? p : NULL;
        int n = 0;
        while (*p >= '0' && *p <= '9') n = n * 10 + (*p++ - '0');
        v += n * (part == 0 ? 3600 : part == 1 ? 60 : 1);
        if (*p != ':' || part == 2) break;
        p++;
    }
    *out = sign * v;
    return p;
}

static const char *rule_date_parse(const char *p, rule_date *d) {
    d->time = 7200;
    if (*p == 'M') {
        d->form = 'M';
        if (sscanf(p + 1, "%d.%d.%d", &d->month, &d->week, &d->day) != 3) return NULL;
        p++;
        while ((*p >= '0' && *p <= '9') || *p == '.') p++;
    } else {
        d->form = *p == 'J' ? 'J' : 'n';
        if (*p == 'J') p++;
        if (*p < '0' || *p > '9') return NULL;
        d->day = 0;
        while (*p >= '0' && *p <= '9') d->day = d->day * 10 + (*p++ - '0');
    }
    if (*p == '/') p = rule_hms(p + 1, &d->time);
    return p;
}

static bool rule_parse(const char *p, posix_rule *r) {
    memset(r, 0, sizeof *r);
    int32_t off;
    if (!(p = rule_name(p)) || !(p = rule_hms(p, &off))) return false;
    r->std_off = r->dst_off = -off;
    r->present = true;
    if (!*p) return true;
    if (!(p = rule_name(p))) return false;
    r->has_dst = true;
    r->dst_off = r->std_off + 3600;
    if (*p && *p != ',') {
        if (!(p = rule_hms(p, &off))) return false;
        r->dst_off = -off;
    }
    if (*p != ',') {
        /* No dates: the US rules POSIX gives as the default. */
        r->start = (rule_date){'M', 3, 2, 0, 7200};
        r->end = (rule_date){'M', 11, 1, 0, 7200};
        return true;
    }
    if (!(p = rule_date_parse(p + 1, &r->start)) || *p != ',' || !(p = rule_date_parse(p + 1, &r->end))) return false;
    return true;
}

static bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

/* The local seconds since the epoch at which rule date d falls in year y. */
static int64_t rule_when(const rule_date *d, int y) {
    int64_t jan1 = dorm_date_to_days(dorm_date_ymd(y, 1, 1)), day;
    if (d->form == 'J') {
        day = jan1 + d->day - 1 + (leap(y) && d->day >= 60);
    } else if (d->form == 'n') {
        day = jan1 + d->day;
    } else {
        static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        int64_t first = dorm_date_to_days(dorm_date_ymd(y, d->month, 1));
        int wd = (int)((first % 7 + 11) % 7); /* 0 = Sunday; 1970-01-01 was a Thursday */
        int dom = 1 + (d->day - wd + 7) % 7 + (d->week - 1) * 7;
        int len = mdays[(d->month - 1) % 12] + (d->month == 2 && leap(y));
        while (dom > len) dom -= 7;
        day = first + dom - 1;
    }
    return day * 86400 + d->time;
}

static int32_t rule_offset(const posix_rule *r, int64_t t) {
    if (!r->has_dst) return r->std_off;
    dorm_date d = dorm_date_from_days((t + r->std_off) / 86400 - ((t + r->std_off) % 86400 < 0));
    int64_t start = rule_when(&r->start, d.year) - r->std_off, end = rule_when(&r->end, d.year) - r->dst_off;
    bool dst = start < end ? (t >= start && t < end) : !(t >= end && t < start);
    return dst ? r->dst_off : r->std_off;
}

/* ---- TZif ---- */

static bool parse_tzif(dorm_tz *z, const unsigned char *b, size_t n) {
    if (n < 44 || memcmp(b, "TZif", 4) != 0) return false;
    int tsize = 4;
    for (int pass = 0; pass < 2; pass++) {
        if (n < 44) return false;
        int64_t isut = be(b + 20, 4), isstd = be(b + 24, 4), leaps = be(b + 28, 4), timecnt = be(b + 32, 4),
                typecnt = be(b + 36, 4), charcnt = be(b + 40, 4);
        if (isut < 0 || isstd < 0 || leaps < 0 || timecnt < 0 || typecnt <= 0 || typecnt > 256 || charcnt < 0)
            return false;
        size_t body = (size_t)(timecnt * tsize + timecnt + typecnt * 6 + charcnt + leaps * (tsize + 4) + isstd + isut);
        if (n < 44 + body) return false;
        if (pass == 0 && b[4] >= '2') {
            /* Version 2+: the 64-bit data that follows replaces this. */
            b += 44 + body;
            n -= 44 + body;
            tsize = 8;
            continue;
        }
        const unsigned char *p = b + 44;
        z->ntrans = (size_t)timecnt;
        z->ntypes = (size_t)typecnt;
        z->trans = dorm_mem__alloc(sizeof *z->trans * (z->ntrans + 1));
        z->type = dorm_mem__alloc(z->ntrans + 1);
        z->off = dorm_mem__alloc(sizeof *z->off * z->ntypes);
        if (!z->trans || !z->type || !z->off) return false;
        for (size_t i = 0; i < z->ntrans; i++) z->trans[i] = be(p + i * (size_t)tsize, tsize);
        p += z->ntrans * (size_t)tsize;
        for (size_t i = 0; i < z->ntrans; i++) {
            if (p[i] >= z->ntypes) return false;
            z->type[i] = p[i];
        }
        p += z->ntrans;
        for (size_t i = 0; i < z->ntypes; i++) z->off[i] = (int32_t)be(p + i * 6, 4);
        b += 44 + body;
        n -= 44 + body;
        if (tsize == 8 && n > 2 && b[0] == '\n') {
            char footer[128];
            size_t k = 0;
            while (k + 1 < n && b[k + 1] != '\n' && k < sizeof footer - 1) {
                footer[k] = (char)b[k + 1];
                k++;
            }
            footer[k] = '\0';
            if (k && !rule_parse(footer, &z->rule)) z->rule.present = false;
        }
        return true;
    }
    return false;
}

static dorm_tz *new_zone(const char *name) {
    dorm_tz *z = dorm_mem__calloc(1, sizeof *z);
    if (z && !(z->name = dorm_mem__strdup(name))) {
        dorm_mem__free(z);
        return NULL;
    }
    return z;
}

dorm_tz *dorm_tz__load(const char *name, bool *nomem) {
    *nomem = false;
    if (!dorm_tz__name_valid(name)) return NULL;
    dorm_tz *z = new_zone(name);
    if (!z) {
        *nomem = true;
        return NULL;
    }
    if (strcmp(name, "UTC") == 0) return z;
    const char *dir = getenv("TZDIR");
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", name);
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    size_t len = 0;
    if (f) {
        long size = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
        if (size > 0 && size < (1 << 20) && fseek(f, 0, SEEK_SET) == 0 && (buf = dorm_mem__alloc((size_t)size)))
            len = fread(buf, 1, (size_t)size, f);
        else if (size > 0 && size < (1 << 20))
            *nomem = true;
        fclose(f);
    }
    bool ok = buf && parse_tzif(z, buf, len);
    dorm_mem__free(buf);
    if (!ok) {
        dorm_tz__free(z);
        return NULL;
    }
    return z;
}

void dorm_tz__free(dorm_tz *z) {
    if (!z) return;
    dorm_mem__free(z->name);
    dorm_mem__free(z->trans);
    dorm_mem__free(z->type);
    dorm_mem__free(z->off);
    dorm_mem__free(z);
}

const char *dorm_tz__name(const dorm_tz *z) { return z->name; }

bool dorm_tz__is_utc(const dorm_tz *z) {
    for (size_t i = 0; i < z->ntypes; i++)
        if (z->off[i]) return false;
    return !z->rule.present || (!z->rule.has_dst && z->rule.std_off == 0);
}

int32_t dorm_tz__offset(const dorm_tz *z, int64_t t) {
    if (!z->ntypes) return 0;
    if (!z->ntrans || t < z->trans[0]) return z->off[0];
    if (t >= z->trans[z->ntrans - 1] && z->rule.present) return rule_offset(&z->rule, t);
    size_t lo = 0, hi = z->ntrans;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (z->trans[mid] <= t)
            lo = mid;
        else
            hi = mid;
    }
    return z->off[z->type[lo]];
}

int dorm_tz__instants(const dorm_tz *z, int64_t local, int64_t out[2]) {
    /* Transitions are days apart: the offsets a day either side are the
     * only ones the wall time can have. */
    int32_t cands[3] = {dorm_tz__offset(z, local - 86400), dorm_tz__offset(z, local),
                        dorm_tz__offset(z, local + 86400)};
    int n = 0;
    for (int i = 0; i < 3; i++) {
        int64_t u = local - cands[i];
        if (dorm_tz__offset(z, u) != cands[i]) continue;
        if (n && (out[0] == u || (n == 2 && out[1] == u))) continue;
        if (n < 2) out[n++] = u;
    }
    if (n == 2 && out[1] < out[0]) {
        int64_t t = out[0];
        out[0] = out[1];
        out[1] = t;
    }
    return n;
}

const dorm_tz *dorm_tz__get(dorm_tz_cache *c, const char *name, bool *nomem) {
    *nomem = false;
    for (dorm_tz *z = c->zones; z; z = z->next)
        if (strcmp(z->name, name) == 0) return z;
    dorm_tz *z = dorm_tz__load(name, nomem);
    if (!z) return NULL;
    z->next = c->zones;
    c->zones = z;
    return z;
}

void dorm_tz__cache_free(dorm_tz_cache *c) {
    while (c->zones) {
        dorm_tz *next = c->zones->next;
        dorm_tz__free(c->zones);
        c->zones = next;
    }
}
