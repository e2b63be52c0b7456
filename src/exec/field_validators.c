/* field_validators.c - Field.run_validators: a field's validators in
 * Django's order (the kind's own, the field's `.validators`, then
 * max_length, the integer range and the decimal digits), each failure with
 * Django's message, its params (%(value)s, %(limit_value)s, ...) and code,
 * and a code the field kind has a message for taking that message. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/exec.h"
#include "model/messages.h"
#include "model/regex.h"
#include "model/validators.h"

/* Characters of UTF-8 text, as Python's len() counts them. */
static size_t utf8_len(const char *s, size_t n) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++) k += ((unsigned char)s[i] & 0xC0) != 0x80;
    return k;
}

static size_t text_len(const dorm_value *v) { return v->len == DORM_STRLEN ? strlen(v->u.s) : v->len; }

/* The message a field kind gives to a validator code (its
 * error_messages): Django replaces the validator's own with it. */
static const char *kind_message(dorm_kind k, const char *code) {
    if (!code) return NULL;
    if (strcmp(code, "invalid_choice") == 0) return "Value %(value)r is not a valid choice.";
    if (strcmp(code, "null") == 0) return "This field cannot be null.";
    if (strcmp(code, "blank") == 0) return "This field cannot be blank.";
    if (strcmp(code, "invalid") != 0) return NULL;
    return dorm_kind__invalid_message(k);
}

const char *dorm_kind__invalid_message(dorm_kind k) {
    if (dorm_kind_is_int(k)) return "\xe2\x80\x9c%(value)s\xe2\x80\x9d value must be an integer.";
    switch (k) {
    case DORM_KIND_FLOAT: return "\xe2\x80\x9c%(value)s\xe2\x80\x9d value must be a float.";
    case DORM_KIND_DECIMAL: return "\xe2\x80\x9c%(value)s\xe2\x80\x9d value must be a decimal number.";
    case DORM_KIND_BOOL: return "\xe2\x80\x9c%(value)s\xe2\x80\x9d value must be either True or False.";
    case DORM_KIND_DATE:
        return "\xe2\x80\x9c%(value)s\xe2\x80\x9d value has an invalid date format. It must be in YYYY-MM-DD format.";
    case DORM_KIND_DATETIME:
        return "\xe2\x80\x9c%(value)s\xe2\x80\x9d value has an invalid format. It must be in YYYY-MM-DD "
               "HH:MM[:ss[.uuuuuu]][TZ] format.";
    case DORM_KIND_TIME:
        return "\xe2\x80\x9c%(value)s\xe2\x80\x9d value has an invalid format. It must be in HH:MM[:ss[.uuuuuu]] "
               "format.";
    case DORM_KIND_UUID: return "\xe2\x80\x9c%(value)s\xe2\x80\x9d is not a valid UUID.";
    case DORM_KIND_DURATION:
        return "\xe2\x80\x9c%(value)s\xe2\x80\x9d value has an invalid format. It must be in [DD] "
               "[[HH:]MM:]ss[.uuuuuu] format.";
    default: return NULL;
    }
}

/* Records one failure: `dflt` / `dflt_code` unless the validator (v, may
 * be NULL) overrides them, then the kind's own message for that code. */
static int fail(dorm_verrors *errs, const dorm_fmeta *fm, const dorm_validator *v, const char *dflt,
                const char *dflt_code, const dorm_msg_params *p) {
    const char *code = v && v->code ? v->code : dflt_code;
    const char *msg = v && v->message ? v->message : dflt;
    const char *own = kind_message(fm->f->kind, code);
    const char *text = dorm_message__format(errs->cx, own ? own : msg, p);
    if (!text) return DORM_ENOMEM;
    return dorm_verror_add(errs, fm->f->name, code, "%s", text);
}

/* A number as a double (an INT, FLOAT or DECIMAL). */
static double number(const dorm_value *v) {
    return v->type == DORM_T_INT ? (double)v->u.i : v->type == DORM_T_FLOAT ? v->u.f : dorm_decimal_to_double(v->u.dec);
}

/* An INT or DECIMAL as a decimal; false for other types. */
static bool as_decimal(const dorm_value *v, dorm_decimal *out) {
    char text[32];
    if (v->type == DORM_T_DECIMAL) *out = v->u.dec;
    if (v->type != DORM_T_INT) return v->type == DORM_T_DECIMAL;
    int n = snprintf(text, sizeof text, "%lld", (long long)v->u.i);
    return dorm_decimal_parse(text, (size_t)n, out) == 0;
}

static int64_t time_usec(dorm_time t) { return ((t.hour * 60 + t.minute) * 60 + t.second) * 1000000LL + t.usec; }

#define CMP(x, y) (((x) > (y)) - ((x) < (y)))

/* Compares a value with a limit as Python compares them (numbers across
 * int, float and Decimal; dates, times and text with their own kind).
 * false when they cannot be compared. */
static bool compare(const dorm_value *a, const dorm_value *b, int *out) {
    dorm_decimal x, y;
    bool na = a->type == DORM_T_INT || a->type == DORM_T_FLOAT || a->type == DORM_T_DECIMAL;
    bool nb = b->type == DORM_T_INT || b->type == DORM_T_FLOAT || b->type == DORM_T_DECIMAL;
    if (a->type == DORM_T_INT && b->type == DORM_T_INT)
        *out = CMP(a->u.i, b->u.i);
    else if ((a->type == DORM_T_DECIMAL || b->type == DORM_T_DECIMAL) && as_decimal(a, &x) && as_decimal(b, &y))
        *out = dorm_decimal_cmp(x, y);
    else if (na && nb)
        *out = CMP(number(a), number(b));
    else if (a->type != b->type)
        return false;
    else if (a->type == DORM_T_TEXT) {
        size_t la = text_len(a), lb = text_len(b);
        int c = memcmp(a->u.s, b->u.s, la < lb ? la : lb);
        *out = c ? c : CMP(la, lb);
    } else if (a->type == DORM_T_DATE)
        *out = CMP(dorm_date_to_days(a->u.date), dorm_date_to_days(b->u.date));
    else if (a->type == DORM_T_DATETIME)
        *out = CMP(a->u.dt.usec, b->u.dt.usec);
    else if (a->type == DORM_T_TIME)
        *out = CMP(time_usec(a->u.time), time_usec(b->u.time));
    else if (a->type == DORM_T_DURATION)
        *out = CMP(a->u.dur.usec, b->u.dur.usec);
    else if (a->type == DORM_T_BOOL)
        *out = (int)a->u.b - (int)b->u.b;
    else
        return false;
    return true;
}

/* len(value): characters of text, bytes of binary data; -1 for others. */
static int64_t length_of(const dorm_value *v) {
    if (v->type == DORM_T_TEXT) return (int64_t)utf8_len(v->u.s, text_len(v));
    if (v->type == DORM_T_BYTES) return (int64_t)v->len;
    return -1;
}

static const char *plural(int64_t n, const char *one, const char *many) { return n == 1 ? one : many; }

static int length(dorm_verrors *errs, const dorm_fmeta *fm, const dorm_validator *v, int64_t limit, bool at_least,
                  const dorm_value *value) {
    int64_t n = length_of(value);
    if (n < 0 || (at_least ? n >= limit : n <= limit)) return DORM_OK;
    dorm_value lim = dorm_v_int(limit);
    dorm_msg_params p = {value, &lim, n};
    const char *msg = at_least
        ? plural(limit, "Ensure this value has at least %(limit_value)d character (it has %(show_value)d).",
                 "Ensure this value has at least %(limit_value)d characters (it has %(show_value)d).")
        : plural(limit, "Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
                 "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).");
    return fail(errs, fm, v, msg, at_least ? "min_length" : "max_length", &p);
}

static int digits(dorm_verrors *errs, const dorm_fmeta *fm, const dorm_validator *v, int max_digits, int places,
                  const dorm_value *value) {
    if (value->type != DORM_T_DECIMAL) return DORM_OK;
    int whole, frac;
    dorm_decimal_digits(value->u.dec, &whole, &frac);
    dorm_value lim;
    const char *msg, *code;
    if (whole + frac > max_digits) {
        lim = dorm_v_int(max_digits);
        msg = plural(max_digits, "Ensure that there are no more than %(max)s digit in total.",
                     "Ensure that there are no more than %(max)s digits in total.");
        code = "max_digits";
    } else if (frac > places) {
        lim = dorm_v_int(places);
        msg = plural(places, "Ensure that there are no more than %(max)s decimal place.",
                     "Ensure that there are no more than %(max)s decimal places.");
        code = "max_decimal_places";
    } else if (whole > max_digits - places) {
        lim = dorm_v_int(max_digits - places);
        msg = plural(max_digits - places, "Ensure that there are no more than %(max)s digit before the decimal point.",
                     "Ensure that there are no more than %(max)s digits before the decimal point.");
        code = "max_whole_digits";
    } else {
        return DORM_OK;
    }
    dorm_msg_params p = {value, &lim, 0};
    return fail(errs, fm, v, msg, code, &p);
}

/* The shape validators of the kinds and of validators (validate_slug,
 * EmailValidator, URLValidator), on text. */
static int shape(dorm_verrors *errs, const dorm_fmeta *fm, const dorm_validator *v, dorm_validator_kind k,
                 const dorm_value *value) {
    if (value->type != DORM_T_TEXT) return DORM_OK;
    const char *s = value->u.s;
    dorm_msg_params p = {value, NULL, 0};
    if (k == DORM_VALIDATOR_SLUG && !dorm_valid__slug(s))
        return fail(
            errs, fm, v,
            "Enter a valid \xe2\x80\x9cslug\xe2\x80\x9d consisting of letters, numbers, underscores or hyphens.",
            "invalid", &p);
    if (k == DORM_VALIDATOR_EMAIL && !dorm_valid__email(s))
        return fail(errs, fm, v, "Enter a valid email address.", "invalid", &p);
    if (k == DORM_VALIDATOR_URL && !dorm_valid__url(s)) return fail(errs, fm, v, "Enter a valid URL.", "invalid", &p);
    return DORM_OK;
}

/* One validator of the field's list (index i). */
static int run_one(dorm_verrors *errs, const dorm_fmeta *fm, size_t i, const dorm_value *value) {
    const dorm_validator *v = &fm->f->validators[i];
    dorm_msg_params p = {value, &v->limit, 0};
    int c;
    switch (v->kind) {
    case DORM_VALIDATOR_MIN_VALUE:
        if (compare(value, &v->limit, &c) && c < 0)
            return fail(errs, fm, v, "Ensure this value is greater than or equal to %(limit_value)s.", "min_value", &p);
        return DORM_OK;
    case DORM_VALIDATOR_MAX_VALUE:
        if (compare(value, &v->limit, &c) && c > 0)
            return fail(errs, fm, v, "Ensure this value is less than or equal to %(limit_value)s.", "max_value", &p);
        return DORM_OK;
    case DORM_VALIDATOR_MIN_LENGTH:
    case DORM_VALIDATOR_MAX_LENGTH:
        return length(errs, fm, v, v->limit.u.i, v->kind == DORM_VALIDATOR_MIN_LENGTH, value);
    case DORM_VALIDATOR_REGEX: {
        /* RegexValidator searches str(value). */
        dorm_buf b = DORM_BUF_INIT;
        dorm_value__str(&b, value);
        int found = b.failed ? DORM_ENOMEM : dorm_regex__search(fm->regexes[i], b.data ? b.data : "", b.len);
        dorm_buf_free(&b);
        if (found < 0) return found;
        if ((found != 0) != v->inverse_match) return DORM_OK;
        return fail(errs, fm, v, "Enter a valid value.", "invalid", &p);
    }
    case DORM_VALIDATOR_EMAIL:
    case DORM_VALIDATOR_URL:
    case DORM_VALIDATOR_SLUG: return shape(errs, fm, v, v->kind, value);
    case DORM_VALIDATOR_DECIMAL: return digits(errs, fm, v, v->max_digits, v->decimal_places, value);
    case DORM_VALIDATOR_NO_NULL_CHARS: {
        /* A C string member cannot hold a NUL; a value with a length can.
         * Bytes never fail: Django looks for it in str(value), "b'\\x00'". */
        bool nul = value->type == DORM_T_TEXT && memchr(value->u.s, '\0', text_len(value));
        return nul ? fail(errs, fm, v, "Null characters are not allowed.", "null_characters_not_allowed", &p) : DORM_OK;
    }
    case DORM_VALIDATOR_FUNCTION:
        return v->fn(value, v->payload) ? DORM_OK : fail(errs, fm, v, "Enter a valid value.", "invalid", &p);
    default: return DORM_OK;
    }
}

/* Whether the field's own validators have a MinValueValidator at or above
 * `floor` (Django then adds no range validator of the backend's). */
static bool has_min_at_least(const dorm_field *f, int64_t floor) {
    for (size_t i = 0; f->validators && f->validators[i].kind; i++) {
        const dorm_validator *v = &f->validators[i];
        dorm_value lim = dorm_v_int(floor);
        int c;
        if (v->kind == DORM_VALIDATOR_MIN_VALUE && compare(&v->limit, &lim, &c) && c >= 0) return true;
    }
    return false;
}

int dorm_run__validators(dorm_verrors *errs, const dorm_fmeta *fm, const dorm_value *value) {
    const dorm_field *f = fm->f;
    int rc = DORM_OK;
    /* The kind's default_validators first. */
    if (f->kind == DORM_KIND_SLUG) rc = shape(errs, fm, NULL, DORM_VALIDATOR_SLUG, value);
    if (f->kind == DORM_KIND_EMAIL) rc = shape(errs, fm, NULL, DORM_VALIDATOR_EMAIL, value);
    if (f->kind == DORM_KIND_URL) rc = shape(errs, fm, NULL, DORM_VALIDATOR_URL, value);
    for (size_t i = 0; rc == DORM_OK && f->validators && f->validators[i].kind; i++) rc = run_one(errs, fm, i, value);
    /* CharField's MaxLengthValidator, appended after the field's own. */
    int max = f->max_length ? f->max_length : dorm_kind_max_length(f->kind);
    if (rc == DORM_OK && max && value->type == DORM_T_TEXT && f->kind != DORM_KIND_TEXT && f->kind != DORM_KIND_JSON &&
        f->kind != DORM_KIND_CUSTOM)
        rc = length(errs, fm, NULL, max, false, value);
    /* The range validators of IntegerField come from the backend; the C
     * member already bounds every kind but the sign of the positive ones
     * (checked on every backend, where Django's SQLite leaves it to the
     * CHECK constraint). */
    bool positive = f->kind == DORM_KIND_POSINT || f->kind == DORM_KIND_POSSMALLINT;
    if (rc == DORM_OK && positive && value->type == DORM_T_INT && value->u.i < 0 && !has_min_at_least(f, 0)) {
        dorm_value zero = dorm_v_int(0);
        dorm_msg_params p = {value, &zero, 0};
        rc = fail(errs, fm, NULL, "Ensure this value is greater than or equal to %(limit_value)s.", "min_value", &p);
    }
    if (rc == DORM_OK && f->kind == DORM_KIND_DECIMAL)
        rc = digits(errs, fm, NULL, f->max_digits, f->decimal_places, value);
    return rc;
}
