/* prep.c - turns a value given in a filter, update or default into the value
 * a field stores (Django's Field.get_prep_value / to_python): strings parsed
 * into dates and numbers, objects into their keys, text copied into the arena
 * so a QuerySet never depends on the caller's buffers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/custom.h"
#include "model/messages.h"
#include "query/query.h"

static size_t vlen(const dorm_value *v) { return v->len == DORM_STRLEN ? strlen(v->u.s) : v->len; }

/* Records Django's message for a value a field cannot take.  `fmt` has two %s:
 * the field name and the value when name_first, else the value (and a spare). */
static int fail_value(dorm_ctx *cx, int code, const char *fmt, bool name_first, const dorm_fmeta *fm,
                      const dorm_value *v) {
    char shown[64];
    if (v->type == DORM_T_TEXT) {
        size_t n = vlen(v);
        snprintf(shown, sizeof shown, "%.*s", (int)(n > 40 ? 40 : n), v->u.s);
    } else if (v->type == DORM_T_INT) {
        snprintf(shown, sizeof shown, "%lld", (long long)v->u.i);
    } else if (v->type == DORM_T_FLOAT) {
        snprintf(shown, sizeof shown, "%g", v->u.f);
    } else {
        snprintf(shown, sizeof shown, "<%s>", v->type == DORM_T_OBJECT ? "object" : "value");
    }
    const char *name = fm ? fm->f->name : "?";
    return name_first ? dorm_ctx_fail(cx, code, fmt, name, shown) : dorm_ctx_fail(cx, code, fmt, shown, name);
}

static int bad(dorm_ctx *cx, int code, const char *fmt, const dorm_fmeta *fm, const dorm_value *v) {
    return fail_value(cx, code, fmt, false, fm, v);
}

static int bad_named(dorm_ctx *cx, const char *fmt, const dorm_fmeta *fm, const dorm_value *v) {
    return fail_value(cx, DORM_EVALUE, fmt, true, fm, v);
}

static int parse_int(const dorm_value *v, int64_t *out) {
    size_t n = vlen(v);
    char tmp[32];
    if (n == 0 || n >= sizeof tmp) return -1;
    memcpy(tmp, v->u.s, n);
    tmp[n] = '\0';
    char *end;
    errno = 0;
    long long x = strtoll(tmp, &end, 10);
    while (*end == ' ') end++;
    if (errno || *end) return -1;
    *out = x;
    return 0;
}

static int to_int(dorm_ctx *cx, const dorm_fmeta *fm, const dorm_value *in, dorm_value *out) {
    *out = dorm_v_int(0);
    switch (in->type) {
    case DORM_T_INT: out->u.i = in->u.i; return 0;
    case DORM_T_BOOL: out->u.i = in->u.b; return 0;
    case DORM_T_FLOAT:
        /* Outside int64's range (or NaN) the cast is undefined: refused. */
        if (!(in->u.f >= -9223372036854775808.0 && in->u.f < 9223372036854775808.0)) break;
        out->u.i = (int64_t)in->u.f;
        return 0;
    case DORM_T_TEXT:
        if (parse_int(in, &out->u.i) == 0) return 0;
        break;
    default: break;
    }
    return bad_named(cx, "Field '%s' expected a number but got '%s'.", fm, in);
}

static int to_text(dorm_ctx *cx, const dorm_fmeta *fm, const dorm_value *in, dorm_value *out) {
    char tmp[DORM_FMT_MAX];
    switch (in->type) {
    case DORM_T_TEXT: {
        size_t n = vlen(in);
        char *s = dorm_alloc(cx, n + 1);
        if (!s) return DORM_ENOMEM;
        memcpy(s, in->u.s, n);
        s[n] = '\0';
        *out = dorm_v_textn(s, n);
        return 0;
    }
    case DORM_T_INT: snprintf(tmp, sizeof tmp, "%lld", (long long)in->u.i); break;
    case DORM_T_DATE: dorm_date_format(in->u.date, tmp); break;
    default: return bad_named(cx, "Field '%s' expected a string but got '%s'.", fm, in);
    }
    char *s = dorm_strdup(cx, tmp);
    if (!s) return DORM_ENOMEM;
    *out = dorm_v_textn(s, strlen(s));
    return 0;
}

static int to_bool(dorm_ctx *cx, const dorm_fmeta *fm, const dorm_value *in, dorm_value *out) {
    if (in->type == DORM_T_BOOL) {
        *out = *in;
        return 0;
    }
    if (in->type == DORM_T_INT && (in->u.i == 0 || in->u.i == 1)) {
        *out = dorm_v_bool(in->u.i == 1);
        return 0;
    }
    if (in->type == DORM_T_TEXT) {
        static const char *const yes[] = {"t", "True", "1"}, *const no[] = {"f", "False", "0"};
        size_t n = vlen(in);
        for (int i = 0; i < 3; i++) {
            if (strlen(yes[i]) == n && memcmp(yes[i], in->u.s, n) == 0) {
                *out = dorm_v_bool(true);
                return 0;
            }
            if (strlen(no[i]) == n && memcmp(no[i], in->u.s, n) == 0) {
                *out = dorm_v_bool(false);
                return 0;
            }
        }
    }
    return bad(cx, DORM_EVALIDATION, "'%s' value must be either True or False.", fm, in);
}

static int to_float(dorm_ctx *cx, const dorm_fmeta *fm, const dorm_value *in, dorm_value *out) {
    switch (in->type) {
    case DORM_T_FLOAT: *out = *in; return 0;
    case DORM_T_INT: *out = dorm_v_float((double)in->u.i); return 0;
    case DORM_T_DECIMAL: *out = dorm_v_float(dorm_decimal_to_double(in->u.dec)); return 0;
    case DORM_T_TEXT: {
        char tmp[64];
        size_t n = vlen(in);
        if (n > 0 && n < sizeof tmp) {
            memcpy(tmp, in->u.s, n);
            tmp[n] = '\0';
            char *end;
            double d = strtod(tmp, &end);
            if (*end == '\0') {
                *out = dorm_v_float(d);
                return 0;
            }
        }
        break;
    }
    default: break;
    }
    return bad_named(cx, "Field '%s' expected a number but got '%s'.", fm, in);
}

static int to_decimal(dorm_ctx *cx, const dorm_fmeta *fm, const dorm_value *in, dorm_value *out) {
    dorm_decimal d;
    switch (in->type) {
    case DORM_T_DECIMAL: *out = *in; return 0;
    case DORM_T_INT: *out = dorm_v_decimal(dorm_decimal_from_int(in->u.i, 0)); return 0;
    case DORM_T_FLOAT:
        if (dorm_decimal_from_double(in->u.f, fm && fm->f->decimal_places > 0 ? fm->f->decimal_places : 6, &d) == 0) {
            *out = dorm_v_decimal(d);
            return 0;
        }
        break;
    case DORM_T_TEXT:
        if (dorm_decimal_parse(in->u.s, vlen(in), &d) == 0) {
            *out = dorm_v_decimal(d);
            return 0;
        }
        break;
    default: break;
    }
    return bad(cx, DORM_EVALIDATION, "'%s' value must be a decimal number.", fm, in);
}

static int to_date(dorm_ctx *cx, const dorm_fmeta *fm, const dorm_value *in, dorm_value *out) {
    dorm_date d;
    if (in->type == DORM_T_DATE) {
        *out = *in;
        return 0;
    }
    if (in->type == DORM_T_DATETIME) {
        if (!dorm_datetime_valid(in->u.dt)) return dorm_ctx_fail(cx, DORM_EDATA, "date value out of range");
        dorm_datetime_split(in->u.dt, &d, NULL);
        *out = dorm_v_date(d);
        return 0;
    }
    if (in->type == DORM_T_TEXT && dorm_date_parse(in->u.s, vlen(in), &d) == 0) {
        *out = dorm_v_date(d);
        return 0;
    }
    return bad(cx, DORM_EVALIDATION, "'%s' value has an invalid date format. It must be in YYYY-MM-DD format.", fm, in);
}

static int to_datetime(dorm_ctx *cx, const dorm_fmeta *fm, const dorm_value *in, dorm_value *out) {
    dorm_datetime t;
    if (in->type == DORM_T_DATETIME) {
        *out = *in;
        return 0;
    }
    if (in->type == DORM_T_DATE) {
        *out = dorm_v_datetime(dorm_datetime_utc(in->u.date.year, in->u.date.month, in->u.date.day, 0, 0, 0, 0));
        return 0;
    }
    int rc = in->type == DORM_T_TEXT ? dorm_datetime_parse(in->u.s, vlen(in), &t) : DORM_EVALUE;
    if (rc == 0) {
        *out = dorm_v_datetime(t);
        return 0;
    }
    if (rc == DORM_EDATA)
        return bad(cx, DORM_EDATA, "'%s' value is out of range: datetimes are years 1 to 9999 in UTC.", fm, in);
    return bad(cx, DORM_EVALIDATION,
               "'%s' value has an invalid format. It must be in YYYY-MM-DD HH:MM[:ss[.uuuuuu]][TZ] format.", fm, in);
}

static int to_time(dorm_ctx *cx, const dorm_fmeta *fm, const dorm_value *in, dorm_value *out) {
    dorm_time t;
    if (in->type == DORM_T_TIME) {
        *out = *in;
        return 0;
    }
    if (in->type == DORM_T_TEXT && dorm_time_parse(in->u.s, vlen(in), &t) == 0) {
        *out = dorm_v_time(t);
        return 0;
    }
    return bad(cx, DORM_EVALIDATION, "'%s' value has an invalid format. It must be in HH:MM[:ss[.uuuuuu]] format.", fm,
               in);
}

static int to_uuid(dorm_ctx *cx, const dorm_fmeta *fm, const dorm_value *in, dorm_value *out) {
    dorm_uuid u;
    if (in->type == DORM_T_UUID) {
        *out = *in;
        return 0;
    }
    if (in->type == DORM_T_TEXT && dorm_uuid_parse(in->u.s, vlen(in), &u) == 0) {
        *out = dorm_v_uuid(u);
        return 0;
    }
    return bad(cx, DORM_EVALIDATION, "'%s' is not a valid UUID.", fm, in);
}

static int to_duration(dorm_ctx *cx, const dorm_fmeta *fm, const dorm_value *in, dorm_value *out) {
    dorm_duration d;
    if (in->type == DORM_T_DURATION) {
        *out = *in;
        return 0;
    }
    if (in->type == DORM_T_TEXT && dorm_duration_parse(in->u.s, vlen(in), &d) == 0) {
        *out = dorm_v_duration(d);
        return 0;
    }
    return bad(cx, DORM_EVALIDATION,
               "'%s' value has an invalid format. It must be in [DD] [[HH:]MM:]ss[.uuuuuu] format.", fm, in);
}

static int to_bytes(dorm_ctx *cx, const dorm_fmeta *fm, const dorm_value *in, dorm_value *out) {
    if (in->type == DORM_T_BYTES || in->type == DORM_T_TEXT) {
        size_t n = in->type == DORM_T_TEXT ? vlen(in) : in->len;
        void *p = n ? dorm_alloc(cx, n) : NULL;
        if (n && !p) return DORM_ENOMEM;
        if (n) memcpy(p, in->u.p, n);
        out->type = DORM_T_BYTES;
        out->len = n;
        out->u.p = p;
        return 0;
    }
    return bad_named(cx, "Field '%s' expected bytes but got '%s'.", fm, in);
}

/* The key value of a model instance given where `expected` objects are
 * compared (a ForeignKey to it: the field it stores; its own primary key). */
static int object_key(dorm_ctx *cx, const dorm_meta *expected, const dorm_fmeta *key, const dorm_value *in,
                      dorm_value *out) {
    const dorm_object *h = in->u.p;
    const dorm_meta *om = h->meta;
    /* A proxy's and a multi-table child's objects are the model's too (Django's
     * check_rel_lookup_compatible). */
    if (!om || (expected && !dorm_meta_is_a(om, expected)))
        return dorm_ctx_fail(cx, DORM_EVALUE, "Cannot query \"%s\": Must be \"%s\" instance.",
                             om ? om->model->name : "object", expected ? expected->model->name : "?");
    const dorm_fmeta *pk = key ? dorm_field_in(om, key) : om->pk;
    dorm_value v = dorm_field__get(in->u.p, pk);
    if (v.type == DORM_T_NULL || ((h->flags & DORM_OBJ_ADDING) && dorm_kind__is_auto(pk->f->kind) && v.u.i == 0))
        return dorm_ctx_fail(cx, DORM_EVALUE, "Model instances passed to related filters must be saved.");
    *out = v;
    return DORM_OK;
}

/* A value for a field of a program's type (Django's get_prep_value): its
 * to_c into a member, then the member's to_db; a member of the type given
 * as dorm_v_custom is taken as it is. */
static int custom_value(dorm_ctx *cx, const dorm_fmeta *fm, const dorm_value *in, dorm_value *out) {
    void *member = dorm_alloc(cx, fm->f->size);
    if (!member) return DORM_ENOMEM;
    const char *why = NULL;
    if (in->type == DORM_T_CUSTOM)
        memcpy(member, in->u.p, fm->f->size);
    else
        why = fm->f->type->to_c(in, member, cx);
    if (why) {
        const char *msg = dorm_message__format(cx, why, &(dorm_msg_params){in, NULL, 0});
        return msg ? dorm_ctx_fail(cx, DORM_EVALIDATION, "%s", msg) : DORM_ENOMEM;
    }
    *out = dorm_custom__to_db(fm, member, cx);
    return out->type == DORM_T_NONE ? DORM_ENOMEM : 0;
}

int dorm_prep__value(dorm_ctx *cx, const dorm_fmeta *fm, dorm_kind kind, const dorm_value *in, dorm_value *out) {
    if (dorm_prep__int_as_is(fm, kind, in)) {
        *out = dorm_v_int(in->u.i);
        return 0;
    }
    if (in->type == DORM_T_NULL) {
        *out = *in;
        return 0;
    }
    if (fm && fm->f->kind == DORM_KIND_CUSTOM && kind == fm->value_kind) return custom_value(cx, fm, in, out);
    if (in->type == DORM_T_OBJECT && fm && fm->f->kind == DORM_KIND_FK && kind == fm->value_kind)
        return object_key(cx, fm->target, fm->target_pk, in, out);
    if (in->type == DORM_T_OBJECT && fm && fm == fm->owner->pk) return object_key(cx, fm->owner, fm, in, out);
    if (fm && fm->f->kind == DORM_KIND_FK && kind == fm->value_kind)
        return dorm_prep__value(cx, fm->target_pk, fm->value_kind, in, out);
    if (dorm_kind_is_int(kind) || kind == DORM_KIND_FK) return to_int(cx, fm, in, out);
    switch (kind) {
    case DORM_KIND_CHAR:
    case DORM_KIND_TEXT:
    case DORM_KIND_SLUG:
    case DORM_KIND_EMAIL:
    case DORM_KIND_URL:
    case DORM_KIND_JSON:
    case DORM_KIND_FILE:
    case DORM_KIND_IMAGE: return to_text(cx, fm, in, out);
    case DORM_KIND_BOOL: return to_bool(cx, fm, in, out);
    case DORM_KIND_FLOAT: return to_float(cx, fm, in, out);
    case DORM_KIND_DECIMAL: return to_decimal(cx, fm, in, out);
    case DORM_KIND_DATE: return to_date(cx, fm, in, out);
    case DORM_KIND_DATETIME: return to_datetime(cx, fm, in, out);
    case DORM_KIND_TIME: return to_time(cx, fm, in, out);
    case DORM_KIND_UUID: return to_uuid(cx, fm, in, out);
    case DORM_KIND_BINARY: return to_bytes(cx, fm, in, out);
    case DORM_KIND_DURATION: return to_duration(cx, fm, in, out);
    default: return dorm_ctx_fail(cx, DORM_EVALUE, "Field '%s' cannot take a value.", fm ? fm->f->name : "?");
    }
}
