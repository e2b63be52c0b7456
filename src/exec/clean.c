/* clean.c - full_clean(): Django's field validation of an object before it is
 * saved (null, blank, max_length, choices, decimal digits, integer ranges,
 * slug / email / URL shapes, related rows that exist within limit_choices_to),
 * with Django's messages, per field. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "exec/exec.h"

/* Characters of UTF-8 text, as Python's len() counts them. */
static size_t utf8_len(const char *s) {
    size_t n = 0;
    for (; *s; s++) n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static bool is_slug(const char *s) {
    if (!*s) return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-') return false;
    return true;
}

/* Django's EmailValidator, in its simple shape: local@domain.tld. */
static bool is_email(const char *s) {
    const char *at = strchr(s, '@');
    if (!at || at == s || strchr(at + 1, '@')) return false;
    const char *dot = strrchr(at + 1, '.');
    if (!dot || dot == at + 1 || !dot[1]) return false;
    for (const char *p = s; *p; p++)
        if (isspace((unsigned char)*p)) return false;
    return true;
}

static bool is_url(const char *s) {
    const char *schemes[] = {"http://", "https://", "ftp://", "ftps://"};
    for (size_t i = 0; i < 4; i++) {
        size_t n = strlen(schemes[i]);
        if (strncmp(s, schemes[i], n) == 0 && s[n] && s[n] != '/' && !strchr(s, ' ')) return true;
    }
    return false;
}

static void add(dorm_buf *out, const dorm_fmeta *fm, const char *msg) {
    if (out->len) dorm_buf_putc(out, '\n');
    dorm_buf_printf(out, "%s: %s", fm->f->name, msg);
}

static bool in_choices(const dorm_field *f, const dorm_value *v) {
    for (const dorm_choice *c = f->choices; c->label; c++) {
        dorm_value cv = c->value;
        if (cv.type == DORM_T_TEXT && v->type == DORM_T_TEXT && strcmp(cv.u.s, v->u.s) == 0) return true;
        if (cv.type == DORM_T_INT && v->type == DORM_T_INT && cv.u.i == v->u.i) return true;
    }
    return false;
}

static void check_value(dorm_buf *out, const dorm_fmeta *fm, const dorm_value *v) {
    const dorm_field *f = fm->f;
    char msg[256];
    if (v->type == DORM_T_TEXT) {
        size_t n = utf8_len(v->u.s);
        int max = f->max_length ? f->max_length
                                : f->kind == DORM_KIND_EMAIL ? 254 : f->kind == DORM_KIND_URL ? 200
                                                                     : f->kind == DORM_KIND_SLUG ? 50 : 0;
        if (max && f->kind != DORM_KIND_TEXT && f->kind != DORM_KIND_JSON && n > (size_t)max) {
            snprintf(msg, sizeof msg, "Ensure this value has at most %d characters (it has %zu).", max, n);
            add(out, fm, msg);
        }
        if (f->kind == DORM_KIND_SLUG && n && !is_slug(v->u.s))
            add(out, fm, "Enter a valid \xe2\x80\x9cslug\xe2\x80\x9d consisting of letters, numbers, underscores or hyphens.");
        if (f->kind == DORM_KIND_EMAIL && n && !is_email(v->u.s)) add(out, fm, "Enter a valid email address.");
        if (f->kind == DORM_KIND_URL && n && !is_url(v->u.s)) add(out, fm, "Enter a valid URL.");
    }
    if (f->choices && !in_choices(f, v)) {
        if (v->type == DORM_T_TEXT) snprintf(msg, sizeof msg, "Value '%s' is not a valid choice.", v->u.s);
        else snprintf(msg, sizeof msg, "Value %lld is not a valid choice.", (long long)v->u.i);
        add(out, fm, msg);
    }
    if ((f->kind == DORM_KIND_POSINT || f->kind == DORM_KIND_POSSMALLINT) && v->type == DORM_T_INT && v->u.i < 0)
        add(out, fm, "Ensure this value is greater than or equal to 0.");
    if (f->kind == DORM_KIND_DECIMAL && v->type == DORM_T_DECIMAL) {
        int whole, frac;
        dorm_decimal_digits(v->u.dec, &whole, &frac);
        if (whole + frac > f->max_digits) {
            snprintf(msg, sizeof msg, "Ensure that there are no more than %d digits in total.", f->max_digits);
            add(out, fm, msg);
        } else if (frac > f->decimal_places) {
            snprintf(msg, sizeof msg, "Ensure that there are no more than %d decimal places.", f->decimal_places);
            add(out, fm, msg);
        } else if (whole > f->max_digits - f->decimal_places) {
            snprintf(msg, sizeof msg, "Ensure that there are no more than %d digits before the decimal point.",
                     f->max_digits - f->decimal_places);
            add(out, fm, msg);
        }
    }
}

/* Django's ForeignKey.validate: the related row exists and satisfies
 * limit_choices_to.  0, or a negative error of the query (not a validation
 * message, which goes to out). */
static int check_related(dorm_ctx *cx, const dorm_fmeta *fm, const dorm_value *key, dorm_buf *out) {
    dorm_qs *qs = dorm_qs_filter(dorm_qs_all(cx, fm->target->model),
                                 (const dorm_q *const[]){&(const dorm_q){DORM_Q_LEAF, "pk", *key, NULL}, NULL});
    if (fm->f->limit_choices_to) qs = dorm_qs_filter(qs, (const dorm_q *const[]){fm->f->limit_choices_to, NULL});
    int found = dorm_exists(qs);
    if (found < 0) return found;
    if (!found) {
        char msg[160];
        snprintf(msg, sizeof msg, "%s instance with %s %lld does not exist.", fm->target->verbose_name,
                 fm->target->pk->f->name, (long long)key->u.i);
        add(out, fm, msg);
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
        if (f->not_editable || (fm == m->pk && dorm_kind_is_auto(f->kind))) continue;
        dorm_value v = dorm_field_get(obj, fm);
        if (v.type == DORM_T_NULL) {
            if (!f->null) add(&out, fm, "This field cannot be null.");
            continue;
        }
        if (!f->blank && v.type == DORM_T_TEXT && v.u.s[0] == '\0') {
            add(&out, fm, "This field cannot be blank.");
            continue;
        }
        check_value(&out, fm, &v);
        if (f->kind == DORM_KIND_FK && fm->target && check_related(h->cx, fm, &v, &out)) break;
    }
    int rc = dorm_errcode(h->cx);
    if (rc) dorm_buf_free(&out);
    if (rc) return rc;
    if (out.failed) rc = dorm_fail(h->cx, DORM_ENOMEM, "out of memory");
    else if (out.len) rc = dorm_fail(h->cx, DORM_EVALIDATION, "%s", out.data);
    dorm_buf_free(&out);
    return rc;
}
