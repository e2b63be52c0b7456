/* value.c - equality of dorm_values: same type and same content, the way
 * choices, caches and tests compare them. */
#include <string.h>

#include "dorm/value.h"

static size_t text_len(const dorm_value *v) {
    if (!v->u.s) return 0;
    return v->len == DORM_STRLEN ? strlen(v->u.s) : v->len;
}

static bool bytes_equal(const void *a, size_t alen, const void *b, size_t blen) {
    return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

/* Decimals compare by value, as Python's Decimal does: 1.5 equals 1.50. */
bool dorm_value_equal(const dorm_value *a, const dorm_value *b) {
    if (a == b) return true;
    if (!a || !b || a->type != b->type) return false;
    switch (a->type) {
    case DORM_T_NONE:
    case DORM_T_NULL: return true;
    case DORM_T_BOOL: return a->u.b == b->u.b;
    case DORM_T_INT: return a->u.i == b->u.i;
    case DORM_T_FLOAT: return a->u.f == b->u.f;
    case DORM_T_TEXT:
        if (!a->u.s || !b->u.s) return a->u.s == b->u.s;
        return bytes_equal(a->u.s, text_len(a), b->u.s, text_len(b));
    case DORM_T_BYTES: return bytes_equal(a->u.p, a->len, b->u.p, b->len);
    case DORM_T_DATE:
        return a->u.date.year == b->u.date.year && a->u.date.month == b->u.date.month && a->u.date.day == b->u.date.day;
    case DORM_T_TIME:
        return a->u.time.hour == b->u.time.hour && a->u.time.minute == b->u.time.minute &&
            a->u.time.second == b->u.time.second && a->u.time.usec == b->u.time.usec;
    case DORM_T_DATETIME: return a->u.dt.usec == b->u.dt.usec;
    case DORM_T_DURATION: return a->u.dur.usec == b->u.dur.usec;
    case DORM_T_DECIMAL: return dorm_decimal_cmp(a->u.dec, b->u.dec) == 0;
    case DORM_T_UUID: return memcmp(a->u.uuid.bytes, b->u.uuid.bytes, 16) == 0;
    case DORM_T_LIST:
        if (a->len != b->len) return false;
        for (size_t i = 0; i < a->len; i++)
            if (!dorm_value_equal(&a->u.list[i], &b->u.list[i])) return false;
        return true;
    case DORM_T_OBJECT:
    case DORM_T_QUERYSET:
    case DORM_T_EXPR: return a->u.p == b->u.p;
    case DORM_T_CUSTOM: return a->u.p == b->u.p || (a->len && bytes_equal(a->u.p, a->len, b->u.p, b->len));
    }
    return false;
}
