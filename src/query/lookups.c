/* lookups.c - the lookup and transform tables: Django's built-in lookups
 * (exact, icontains, in, range, isnull, ...) and date transforms (year,
 * month, ..., date, time) as rows naming the field kinds they apply to, found
 * by (name, kind) after a program's own rows, as Django's register_lookup
 * finds them on a field class. */
#include <string.h>

#include "query/query.h"
#include "query/search.h"

#define BIT DORM_KIND_BIT
#define TEXTLIKE (DORM_KINDS_TEXT | BIT(DORM_KIND_JSON) | BIT(DORM_KIND_UUID))
#define DATES (BIT(DORM_KIND_DATE) | BIT(DORM_KIND_DATETIME))
#define TIMES (BIT(DORM_KIND_DATETIME) | BIT(DORM_KIND_TIME))

/* Pattern and regex lookups apply to text (and a UUID's text) only: on other
 * kinds Django silently casts, which hides mistakes.  A JSONField's
 * `contains` is containment (Django's DataContains), its own row. */
static const dorm_lookup_def builtin_lookups[DORM_LK__COUNT] = {
    [DORM_LK_EXACT] = {.name = "exact"},
    [DORM_LK_IEXACT] = {.name = "iexact", .kinds = TEXTLIKE},
    [DORM_LK_CONTAINS] = {.name = "contains", .kinds = TEXTLIKE & ~BIT(DORM_KIND_JSON)},
    [DORM_LK_ICONTAINS] = {.name = "icontains", .kinds = TEXTLIKE},
    [DORM_LK_STARTSWITH] = {.name = "startswith", .kinds = TEXTLIKE},
    [DORM_LK_ISTARTSWITH] = {.name = "istartswith", .kinds = TEXTLIKE},
    [DORM_LK_ENDSWITH] = {.name = "endswith", .kinds = TEXTLIKE},
    [DORM_LK_IENDSWITH] = {.name = "iendswith", .kinds = TEXTLIKE},
    [DORM_LK_GT] = {.name = "gt"},
    [DORM_LK_GTE] = {.name = "gte"},
    [DORM_LK_LT] = {.name = "lt"},
    [DORM_LK_LTE] = {.name = "lte"},
    [DORM_LK_IN] = {.name = "in"},
    [DORM_LK_RANGE] = {.name = "range"},
    [DORM_LK_ISNULL] = {.name = "isnull"},
    [DORM_LK_REGEX] = {.name = "regex", .kinds = TEXTLIKE},
    [DORM_LK_IREGEX] = {.name = "iregex", .kinds = TEXTLIKE},
    [DORM_LK_JSON_CONTAINS] = {.name = "contains", .kinds = BIT(DORM_KIND_JSON)},
    [DORM_LK_JSON_CONTAINED_BY] = {.name = "contained_by", .kinds = BIT(DORM_KIND_JSON)},
    [DORM_LK_HAS_KEY] = {.name = "has_key", .kinds = BIT(DORM_KIND_JSON)},
    [DORM_LK_HAS_KEYS] = {.name = "has_keys", .kinds = BIT(DORM_KIND_JSON)},
    [DORM_LK_HAS_ANY_KEYS] = {.name = "has_any_keys", .kinds = BIT(DORM_KIND_JSON)},
};

/* Django registers Extract* and TruncDate/TruncTime on DateField,
 * DateTimeField and TimeField under these names. */
static const dorm_lookup_def builtin_transforms[] = {
    {.name = "year", .kinds = DATES, .transform = "ExtractYear"},
    {.name = "iso_year", .kinds = DATES, .transform = "ExtractIsoYear"},
    {.name = "month", .kinds = DATES, .transform = "ExtractMonth"},
    {.name = "day", .kinds = DATES, .transform = "ExtractDay"},
    {.name = "week", .kinds = DATES, .transform = "ExtractWeek"},
    {.name = "week_day", .kinds = DATES, .transform = "ExtractWeekDay"},
    {.name = "iso_week_day", .kinds = DATES, .transform = "ExtractIsoWeekDay"},
    {.name = "quarter", .kinds = DATES, .transform = "ExtractQuarter"},
    {.name = "hour", .kinds = TIMES, .transform = "ExtractHour"},
    {.name = "minute", .kinds = TIMES, .transform = "ExtractMinute"},
    {.name = "second", .kinds = TIMES, .transform = "ExtractSecond"},
    {.name = "date", .kinds = BIT(DORM_KIND_DATETIME), .transform = "TruncDate"},
    {.name = "time", .kinds = BIT(DORM_KIND_DATETIME), .transform = "TruncTime"},
};

#define NTRANSFORMS (sizeof builtin_transforms / sizeof builtin_transforms[0])

static bool eqn(const char *name, const char *s, size_t n) {
    return name && strncmp(name, s, n) == 0 && name[n] == '\0';
}

static bool applies(const dorm_lookup_def *d, dorm_kind k, bool transform) {
    return (d->kinds == 0 || (d->kinds & BIT(k))) && (transform == (d->transform != NULL));
}

const dorm_lookup_def *dorm_lookup__find(const dorm_registry *reg, dorm_kind k, const char *s, size_t n,
                                         bool transform) {
    for (size_t i = 0; reg && reg->lookups && reg->lookups[i]; i++)
        if (eqn(reg->lookups[i]->name, s, n) && applies(reg->lookups[i], k, transform)) return reg->lookups[i];
    if (transform) {
        for (size_t i = 0; i < NTRANSFORMS; i++)
            if (eqn(builtin_transforms[i].name, s, n) && applies(&builtin_transforms[i], k, true))
                return &builtin_transforms[i];
        return NULL;
    }
    for (int i = 0; i < DORM_LK__COUNT; i++)
        if (eqn(builtin_lookups[i].name, s, n) && applies(&builtin_lookups[i], k, false)) return &builtin_lookups[i];
    if (eqn(dorm_search_lookup.name, s, n) && applies(&dorm_search_lookup, k, false)) return &dorm_search_lookup;
    return NULL;
}

bool dorm_lookup__named(const dorm_registry *reg, const char *s, size_t n) {
    for (size_t i = 0; reg && reg->lookups && reg->lookups[i]; i++)
        if (eqn(reg->lookups[i]->name, s, n)) return true;
    for (size_t i = 0; i < NTRANSFORMS; i++)
        if (eqn(builtin_transforms[i].name, s, n)) return true;
    for (int i = 0; i < DORM_LK__COUNT; i++)
        if (eqn(builtin_lookups[i].name, s, n)) return true;
    return eqn(dorm_search_lookup.name, s, n);
}

dorm_lookup dorm_lookup__code(const dorm_lookup_def *def) {
    if (def >= builtin_lookups && def < builtin_lookups + DORM_LK__COUNT) return (dorm_lookup)(def - builtin_lookups);
    return DORM_LK__COUNT;
}

const dorm_lookup_def *dorm_lookup__builtin(dorm_lookup lk) { return &builtin_lookups[lk]; }

const char *dorm_lookup__name(dorm_lookup lk) { return builtin_lookups[lk].name; }

size_t dorm_lookup__names(const dorm_registry *reg, dorm_kind k, bool lookups, const char **out, size_t max) {
    size_t n = 0;
    for (int pass = 0; pass < 2; pass++) {
        bool transform = pass == 0;
        if (!transform && !lookups) break;
        for (size_t i = 0; reg && reg->lookups && reg->lookups[i] && n < max; i++)
            if (reg->lookups[i]->name && applies(reg->lookups[i], k, transform)) out[n++] = reg->lookups[i]->name;
        if (transform) {
            for (size_t i = 0; i < NTRANSFORMS && n < max; i++)
                if (applies(&builtin_transforms[i], k, true)) out[n++] = builtin_transforms[i].name;
        } else {
            for (int i = 0; i < DORM_LK__COUNT && n < max; i++)
                if (applies(&builtin_lookups[i], k, false)) out[n++] = builtin_lookups[i].name;
        }
    }
    return n;
}
