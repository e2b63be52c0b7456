/* dates.c - Django's Extract and Trunc beyond their table rows: the generic
 * Trunc(x, kind) / Extract(x, name) by name, the checks of their input;
 * time zones: the zone a datetime is taken in (tzinfo=, or the context's
 * current one), the wall time a Trunc reads back as, and the instants the
 * bounds of __year are in that zone; and arithmetic of datetimes and
 * durations (TemporalSubtraction, DurationExpression). */
#include <stdio.h>
#include <string.h>

#include "core/ctx.h"
#include "query/query.h"

/* Names Trunc(x, kind) and Extract(x, name) accept: they select rows. */
static const char *const trunc_kinds[][2] = {
    {"year", "TruncYear"}, {"quarter", "TruncQuarter"}, {"month", "TruncMonth"},   {"week", "TruncWeek"},
    {"day", "TruncDay"},   {"hour", "TruncHour"},       {"minute", "TruncMinute"}, {"second", "TruncSecond"},
};
static const char *const extract_names[][2] = {
    {"year", "ExtractYear"},
    {"iso_year", "ExtractIsoYear"},
    {"month", "ExtractMonth"},
    {"day", "ExtractDay"},
    {"week", "ExtractWeek"},
    {"week_day", "ExtractWeekDay"},
    {"iso_week_day", "ExtractIsoWeekDay"},
    {"quarter", "ExtractQuarter"},
    {"hour", "ExtractHour"},
    {"minute", "ExtractMinute"},
    {"second", "ExtractSecond"},
};

int dorm_date__func_name(dorm_qs *qs, const dorm_expr *e, const char **name) {
    bool trunc = strcmp(e->func, "Trunc") == 0;
    if (!trunc && strcmp(e->func, "Extract") != 0) return DORM_OK;
    const char *const(*table)[2] = trunc ? trunc_kinds : extract_names;
    size_t n = trunc ? sizeof trunc_kinds / sizeof trunc_kinds[0] : sizeof extract_names / sizeof extract_names[0];
    if (!e->name)
        return dorm_qs__fail(qs, DORM_EVALUE, trunc ? "Trunc needs a kind." : "lookup_name must be provided")->err;
    for (size_t i = 0; i < n; i++)
        if (strcmp(table[i][0], e->name) == 0) {
            *name = table[i][1];
            return DORM_OK;
        }
    return dorm_qs__fail(qs, DORM_EVALUE, trunc ? "Invalid kind: %.40s" : "Invalid lookup_name: %.40s", e->name)->err;
}

/* Django's Extract checks of the input field. */
static int check_extract(dorm_qs *qs, const dorm_func_def *def, const dorm_rexpr *arg, int part) {
    dorm_kind k = arg->out;
    if (k != DORM_KIND_DATE && k != DORM_KIND_DATETIME && k != DORM_KIND_TIME &&
        (k != DORM_KIND_DURATION || part >= DORM_EX_DATE))
        return dorm_qs__fail(qs, DORM_EVALUE,
                             "Extract input expression must be DateField, DateTimeField, TimeField, or DurationField.")
            ->err;
    bool time_part = part == DORM_EX_HOUR || part == DORM_EX_MINUTE || part == DORM_EX_SECOND;
    if (k == DORM_KIND_DURATION && !qs->cx->db->dialect->native_duration)
        return dorm_qs__fail(qs, DORM_EVALUE, "Extract requires native DurationField database support.")->err;
    if (k == DORM_KIND_DURATION && !time_part && part != DORM_EX_DAY)
        return dorm_qs__fail(qs, DORM_EVALUE, "Cannot extract component '%s' from DurationField '%s'.",
                             extract_names[part][0], arg->field ? arg->field->f->name : "")
            ->err;
    if (k == DORM_KIND_DATE && time_part) {
        const char *field = arg->field ? arg->field->f->name : "";
        char part_name[16];
        snprintf(part_name, sizeof part_name, "%s", def->name + 7); /* "ExtractHour" -> "hour" */
        part_name[0] = (char)(part_name[0] - 'A' + 'a');
        return dorm_qs__fail(qs, DORM_EVALUE, "Cannot extract time component '%s' from DateField '%s'. ", part_name,
                             field)
            ->err;
    }
    return DORM_OK;
}

/* Django's TruncBase checks: a date has no time part to truncate to, a
 * time no date part. */
static int check_trunc(dorm_qs *qs, const char *part, const dorm_rexpr *arg) {
    dorm_kind k = arg->out;
    const char *field = arg->field ? arg->field->f->name : "";
    bool time_part = strcmp(part, "hour") == 0 || strcmp(part, "minute") == 0 || strcmp(part, "second") == 0;
    if (k != DORM_KIND_DATE && k != DORM_KIND_DATETIME && k != DORM_KIND_TIME)
        return dorm_qs__fail(qs, DORM_EVALUE, "'%s' isn't a DateField, TimeField, or DateTimeField.", field)->err;
    if ((k == DORM_KIND_DATE && time_part) || (k == DORM_KIND_TIME && !time_part))
        return dorm_qs__fail(qs, DORM_EVALUE,
                             k == DORM_KIND_DATE ? "Cannot truncate DateField '%s' to DateTimeField. "
                                                 : "Cannot truncate TimeField '%s' to DateTimeField. ",
                             field)
            ->err;
    return DORM_OK;
}

int dorm_date__func_check(dorm_qs *qs, const dorm_expr *e, const dorm_func_def *def, const dorm_rexpr *arg,
                          const char **tz) {
    const dorm_builtin_func *b = dorm_func__builtin(def);
    bool dated = b && (b->extract || b->trunc);
    int rc = DORM_OK;
    if (e->tzinfo && !dated) return dorm_qs__fail(qs, DORM_EVALUE, "%s takes no tzinfo.", def->name)->err;
    if (b && b->extract) rc = check_extract(qs, def, arg, b->extract - 1);
    if (!rc && b && b->trunc) rc = check_trunc(qs, b->trunc, arg);
    if (rc || !e->tzinfo) return rc;
    if (arg->out != DORM_KIND_DATETIME)
        return dorm_qs__fail(qs, DORM_EVALUE, "tzinfo can only be used with DateTimeField.")->err;
    const dorm_tz *z;
    if ((rc = dorm_ctx__zone(qs->cx, e->tzinfo, &z))) return dorm_qs__fail(qs, rc, "%s", dorm_errmsg(qs->cx))->err;
    *tz = z ? dorm_tz__name(z) : "UTC";
    return DORM_OK;
}

const char *dorm_rexpr__zone(const dorm_ctx *cx, const dorm_rexpr *e) {
    if (e->args[0]->vkind != DORM_KIND_DATETIME) return NULL;
    const char *tz = e->tz ? e->tz : cx->tz ? dorm_tz__name(cx->tz) : NULL;
    return tz && strcmp(tz, "UTC") != 0 ? tz : NULL;
}

bool dorm_rexpr__wall_time(const dorm_rexpr *e, const char **zone) {
    while (e && e->ops == &dorm_node_ref) e = e->target;
    if (!e || e->ops != &dorm_node_func || !e->trunc || e->out != DORM_KIND_DATETIME ||
        e->args[0]->vkind != DORM_KIND_DATETIME)
        return false;
    *zone = e->tz;
    return true;
}

int dorm_wall__to_instant(dorm_ctx *cx, const char *zone, dorm_datetime *t) {
    const dorm_tz *z;
    int rc = dorm_ctx__zone(cx, zone, &z);
    if (rc || !z) return rc;
    int64_t usec = t->usec % 1000000, local = t->usec / 1000000;
    if (usec < 0) {
        usec += 1000000;
        local--;
    }
    int64_t at[2];
    int n = dorm_tz__instants(z, local, at);
    if (n == 1) {
        t->usec = at[0] * 1000000 + usec;
        return DORM_OK;
    }
    char text[DORM_FMT_MAX];
    dorm_datetime_format(*t, text);
    /* pytz's localize(is_dst=None), as Django 3.2 calls it, refuses both. */
    return dorm_ctx_fail(cx, DORM_EVALUE, "%s is %s in %s (%s).", text, n ? "ambiguous" : "not a time that exists",
                         dorm_tz__name(z), n ? "AmbiguousTimeError" : "NonExistentTimeError");
}

dorm_datetime dorm_zone__bound(const dorm_ctx *cx, dorm_datetime wall) {
    if (!cx->tz) return wall;
    int64_t usec = wall.usec % 1000000, local = wall.usec / 1000000, at[2];
    if (usec < 0) {
        usec += 1000000;
        local--;
    }
    /* Midnight of January 1st is a time every zone has had once; a gap
     * would make the bound the instant after it. */
    int n = dorm_tz__instants(cx->tz, local, at);
    int64_t sec = n ? at[0] : local - dorm_tz__offset(cx->tz, local);
    return (dorm_datetime){sec * 1000000 + usec};
}

static const char *dialect_spelling(const dorm_dialect *d, const char *name) {
    for (const dorm_func_sql *f = d->functions; f && f->name; f++)
        if (strcmp(f->name, name) == 0) return f->sql;
    return NULL;
}

static bool temporal(dorm_kind k) { return k == DORM_KIND_DATE || k == DORM_KIND_DATETIME || k == DORM_KIND_TIME; }

int dorm_temporal__op(dorm_qs *qs, dorm_rexpr *r) {
    const dorm_dialect *d = qs->cx->db->dialect;
    dorm_kind a = r->args[0]->out, b = r->args[1]->out;
    if (strcmp(r->op, "-") == 0 && a == b && temporal(a)) {
        /* TemporalSubtraction: connection.ops.subtract_temporals. */
        const char *sql = dialect_spelling(d,
                                           a == DORM_KIND_DATE       ? "TemporalSubtractionDate"
                                               : a == DORM_KIND_TIME ? "TemporalSubtractionTime"
                                                                     : "TemporalSubtraction");
        if (!sql && a == DORM_KIND_DATE) sql = dialect_spelling(d, "TemporalSubtraction");
        if (sql) {
            r->sql = sql;
            r->bare = true;
        }
        r->out = r->vkind = DORM_KIND_DURATION;
        r->mixed = NULL;
        return DORM_OK;
    }
    if ((a == DORM_KIND_DURATION) == (b == DORM_KIND_DURATION) || !a || !b || d->native_duration) return DORM_OK;
    /* DurationExpression without native durations: connection.ops
     * .combine_duration_expression (SQLite's django_format_dtdelta). */
    bool add = strcmp(r->op, "+") == 0;
    if (!add && strcmp(r->op, "-") != 0)
        return dorm_qs__fail(qs, DORM_EVALUE, "Invalid connector for timedelta: %s.", r->op)->err;
    /* A duration plus a datetime is that datetime plus it: the spellings
     * take the duration second (MySQL's INTERVAL x MICROSECOND). */
    if (add && a == DORM_KIND_DURATION) {
        const dorm_rexpr **args = dorm_alloc(qs->cx, sizeof *args * 2);
        if (!args) return DORM_ENOMEM;
        args[0] = r->args[1];
        args[1] = r->args[0];
        r->args = args;
    }
    const char *sql = dialect_spelling(d, add ? "DurationAdd" : "DurationSub");
    if (sql) {
        r->sql = sql;
        r->bare = true;
    }
    return DORM_OK;
}
