/* clean.c - full_clean(): Django's field validation of an object before it is
 * saved, in Django's order and words: a blank field with an empty value is
 * skipped; then choices, null and blank (Field.validate, first failure
 * only), the related row (ForeignKey.validate), then every validator (slug /
 * email / URL shape, max_length, integer range, decimal digits). */
#include <stdio.h>
#include <string.h>

#include "exec/exec.h"
#include "model/validators.h"

/* Characters of UTF-8 text, as Python's len() counts them. */
static size_t utf8_len(const char *s) {
    size_t n = 0;
    for (; *s; s++) n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static void add(dorm_buf *out, const dorm_fmeta *fm, const char *msg) {
    if (out->len) dorm_buf_putc(out, '\n');
    dorm_buf_printf(out, "%s: %s", fm->f->name, msg);
}

/* Python's repr() of a value, as Django's %(value)r shows it: 'text' (or
 * "text" when it holds a quote and no double quote), 5, True,
 * UUID('...'). */
static void put_repr(dorm_buf *b, const dorm_value *v) {
    char tmp[DORM_FMT_MAX];
    switch (v->type) {
    case DORM_T_TEXT: {
        const char *s = v->u.s;
        char q = strchr(s, '\'') && !strchr(s, '"') ? '"' : '\'';
        dorm_buf_putc(b, q);
        for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
            if (*p == '\\' || *p == (unsigned char)q) dorm_buf_printf(b, "\\%c", *p);
            else if (*p == '\n') dorm_buf_puts(b, "\\n");
            else if (*p == '\r') dorm_buf_puts(b, "\\r");
            else if (*p == '\t') dorm_buf_puts(b, "\\t");
            else if (*p < 0x20 || *p == 0x7F) dorm_buf_printf(b, "\\x%02x", *p);
            else dorm_buf_putc(b, (char)*p);
        }
        dorm_buf_putc(b, q);
        return;
    }
    case DORM_T_INT: dorm_buf_printf(b, "%lld", (long long)v->u.i); return;
    case DORM_T_BOOL: dorm_buf_puts(b, v->u.b ? "True" : "False"); return;
    case DORM_T_UUID:
        dorm_uuid_format_dashed(v->u.uuid, tmp);
        dorm_buf_printf(b, "UUID('%s')", tmp);
        return;
    case DORM_T_DECIMAL:
        dorm_decimal_format(v->u.dec, tmp);
        dorm_buf_printf(b, "Decimal('%s')", tmp);
        return;
    case DORM_T_FLOAT: dorm_buf_printf(b, "%.17g", v->u.f); return;
    default: dorm_buf_puts(b, "?"); return;
    }
}

/* "field: <before><repr of v><after>" */
static void add_repr(dorm_buf *out, const dorm_fmeta *fm, const char *before, const dorm_value *v, const char *after) {
    if (out->len) dorm_buf_putc(out, '\n');
    dorm_buf_printf(out, "%s: %s", fm->f->name, before);
    put_repr(out, v);
    dorm_buf_puts(out, after);
}

/* Django's ngettext: the singular when n is 1. */
static const char *plural(long long n, const char *one, const char *many) { return n == 1 ? one : many; }

static bool in_choices(const dorm_field *f, const dorm_value *v) {
    for (const dorm_choice *c = f->choices; c->label; c++) {
        dorm_value cv = c->value;
        if (cv.type == DORM_T_TEXT && v->type == DORM_T_TEXT && strcmp(cv.u.s, v->u.s) == 0) return true;
        if (cv.type == DORM_T_INT && v->type == DORM_T_INT && cv.u.i == v->u.i) return true;
    }
    return false;
}

/* Whether a value is one of Django's empty values (None, ''). */
static bool empty(const dorm_value *v) { return v->type == DORM_T_NULL || (v->type == DORM_T_TEXT && !v->u.s[0]); }

/* Field.validate: choices, then null, then blank; false after the first
 * failure (Django raises it, and runs no validator). */
static bool validate(dorm_buf *out, const dorm_fmeta *fm, const dorm_value *v) {
    const dorm_field *f = fm->f;
    if (f->choices && !empty(v) && !in_choices(f, v)) {
        add_repr(out, fm, "Value ", v, " is not a valid choice.");
        return false;
    }
    if (v->type == DORM_T_NULL && !f->null) {
        add(out, fm, "This field cannot be null.");
        return false;
    }
    if (!f->blank && empty(v)) {
        add(out, fm, "This field cannot be blank.");
        return false;
    }
    return true;
}

/* Field.run_validators: every validator of the field, in Django's order
 * (the kind's own, then max_length, then range and digits). */
static void run_validators(dorm_buf *out, const dorm_fmeta *fm, const dorm_value *v) {
    const dorm_field *f = fm->f;
    char msg[256];
    if (empty(v)) return;
    if (v->type == DORM_T_TEXT) {
        const char *s = v->u.s;
        if (f->kind == DORM_KIND_SLUG && !dorm_valid_slug(s))
            add(out, fm, "Enter a valid \xe2\x80\x9cslug\xe2\x80\x9d consisting of letters, numbers, underscores or hyphens.");
        if (f->kind == DORM_KIND_EMAIL && !dorm_valid_email(s)) add(out, fm, "Enter a valid email address.");
        if (f->kind == DORM_KIND_URL && !dorm_valid_url(s)) add(out, fm, "Enter a valid URL.");
        size_t n = utf8_len(s);
        int max = f->max_length ? f->max_length
                                : f->kind == DORM_KIND_EMAIL ? 254 : f->kind == DORM_KIND_URL ? 200
                                                                     : f->kind == DORM_KIND_SLUG ? 50 : 0;
        if (max && f->kind != DORM_KIND_TEXT && f->kind != DORM_KIND_JSON && n > (size_t)max) {
            snprintf(msg, sizeof msg, "Ensure this value has at most %d %s (it has %zu).", max,
                     plural(max, "character", "characters"), n);
            add(out, fm, msg);
        }
    }
    /* Django's range validators come from the backend; the C member already
     * bounds every kind but the sign of the positive ones (dorm checks it on
     * every backend, where Django's SQLite leaves it to the CHECK constraint). */
    if ((f->kind == DORM_KIND_POSINT || f->kind == DORM_KIND_POSSMALLINT) && v->type == DORM_T_INT && v->u.i < 0)
        add(out, fm, "Ensure this value is greater than or equal to 0.");
    if (f->kind == DORM_KIND_DECIMAL && v->type == DORM_T_DECIMAL) {
        int whole, frac;
        dorm_decimal_digits(v->u.dec, &whole, &frac);
        if (whole + frac > f->max_digits)
            snprintf(msg, sizeof msg, "Ensure that there are no more than %d %s in total.", f->max_digits,
                     plural(f->max_digits, "digit", "digits"));
        else if (frac > f->decimal_places)
            snprintf(msg, sizeof msg, "Ensure that there are no more than %d %s.", f->decimal_places,
                     plural(f->decimal_places, "decimal place", "decimal places"));
        else if (whole > f->max_digits - f->decimal_places)
            snprintf(msg, sizeof msg, "Ensure that there are no more than %d %s before the decimal point.",
                     f->max_digits - f->decimal_places, plural(f->max_digits - f->decimal_places, "digit", "digits"));
        else
            msg[0] = '\0';
        if (msg[0]) add(out, fm, msg);
    }
}

/* Django's ForeignKey.validate: the related row exists and satisfies
 * limit_choices_to.  0, or a negative error of the query (not a validation
 * message, which goes to out). */
static int check_related(dorm_ctx *cx, const dorm_fmeta *fm, const dorm_value *key, dorm_buf *out) {
    const char *by = fm->target_pk->f->name;
    dorm_qs *qs = dorm_qs_filter(dorm_qs_all(cx, fm->target->model),
                                 (const dorm_q *const[]){&(const dorm_q){DORM_Q_LEAF, by, *key, NULL}, NULL});
    if (fm->f->limit_choices_to) qs = dorm_qs_filter(qs, (const dorm_q *const[]){fm->f->limit_choices_to, NULL});
    int found = dorm_exists(qs);
    if (found < 0) return found;
    if (!found) {
        char before[160];
        snprintf(before, sizeof before, "%s instance with %s ", fm->target->verbose_name, by);
        add_repr(out, fm, before, key, " does not exist.");
    }
    return DORM_OK;
}

int dorm_full_clean(void *obj) {
    dorm_object *h = obj;
    const dorm_meta *m = h ? h->meta : NULL;
    if (!m) return DORM_EVALUE;
    dorm_error_clear(h->cx);
    dorm_buf out = DORM_BUF_INIT;
    for (int i = 0; i < m->nfields; i++) {
        const dorm_fmeta *fm = &m->fields[i];
        const dorm_field *f = fm->f;
        if (fm == m->pk && dorm_kind_is_auto(f->kind)) continue;
        dorm_value v = dorm_field_get(obj, fm);
        /* auto_now fields are Django's editable=False, blank=True. */
        bool automatic = f->auto_now || f->auto_now_add;
        if ((f->blank || automatic) && empty(&v)) continue;
        if (!f->not_editable && !automatic && !validate(&out, fm, &v)) continue;
        if (f->kind == DORM_KIND_FK && fm->target && v.type != DORM_T_NULL && check_related(h->cx, fm, &v, &out))
            break;
        run_validators(&out, fm, &v);
    }
    int rc = dorm_errcode(h->cx);
    if (rc) dorm_buf_free(&out);
    if (rc) return rc;
    if (out.failed) rc = dorm_fail(h->cx, DORM_ENOMEM, "out of memory");
    else if (out.len) rc = dorm_fail(h->cx, DORM_EVALIDATION, "%s", out.data);
    dorm_buf_free(&out);
    return rc;
}
