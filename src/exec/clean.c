/* clean.c - full_clean(): Django's validation of an object before it is
 * saved, in Django's order and words: clean_fields (a blank field with an
 * empty value skipped; choices, null and blank, first failure only; the
 * related row; then the field's validators), the model's clean() hook, then
 * validate_unique on the fields that passed; and the error list they fill,
 * grouped by field as Django's error_dict. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/opts.h"
#include "exec/exec.h"
#include "model/messages.h"

int dorm_verror_add(dorm_verrors *errors, const char *field, const char *code, const char *fmt, ...) {
    if (!errors || !errors->cx) return DORM_EVALUE;
    dorm_ctx *cx = errors->cx;
    if (errors->n == errors->cap) {
        size_t cap = errors->cap ? errors->cap * 2 : 8;
        dorm_verror *grown = dorm_alloc(cx, sizeof *grown * cap);
        if (!grown) return DORM_ENOMEM;
        if (errors->n) memcpy(grown, errors->items, sizeof *grown * errors->n);
        errors->items = grown;
        errors->cap = cap;
    }
    va_list ap;
    va_start(ap, fmt);
    char one[512];
    int len = vsnprintf(one, sizeof one, fmt, ap);
    va_end(ap);
    char *msg = len < 0 ? NULL : dorm_alloc(cx, (size_t)len + 1);
    if (msg && (size_t)len < sizeof one)
        memcpy(msg, one, (size_t)len + 1);
    else if (msg) {
        va_start(ap, fmt);
        vsnprintf(msg, (size_t)len + 1, fmt, ap);
        va_end(ap);
    }
    const char *name = dorm_strdup(cx, field ? field : DORM_NON_FIELD_ERRORS);
    const char *kept = code ? dorm_strdup(cx, code) : NULL;
    if (!msg || !name || (code && !kept)) return DORM_ENOMEM;
    /* After the field's last error: Django's error_dict keeps a field's
     * messages together, fields in the order they first failed. */
    size_t at = errors->n;
    for (size_t i = errors->n; i > 0; i--)
        if (strcmp(errors->items[i - 1].field, name) == 0) {
            at = i;
            break;
        }
    memmove(&errors->items[at + 1], &errors->items[at], sizeof *errors->items * (errors->n - at));
    errors->items[at] = (dorm_verror){name, msg, kept};
    errors->n++;
    return DORM_OK;
}

const char *dorm_verrors_of(const dorm_verrors *errors, const char *field, const char *sep) {
    if (!errors || !errors->cx) return NULL;
    dorm_buf b = DORM_BUF_INIT;
    bool any = false;
    for (size_t i = 0; i < errors->n; i++) {
        if (strcmp(errors->items[i].field, field ? field : DORM_NON_FIELD_ERRORS) != 0) continue;
        if (any) dorm_buf_puts(&b, sep ? sep : "");
        dorm_buf_puts(&b, errors->items[i].message);
        any = true;
    }
    const char *r = any && !b.failed ? dorm_strdup(errors->cx, b.data) : NULL;
    dorm_buf_free(&b);
    return r;
}

static bool in_list(const char *const *list, const char *name) {
    for (size_t i = 0; list && list[i]; i++)
        if (strcmp(list[i], name) == 0) return true;
    return false;
}

static bool in_choices(const dorm_field *f, const dorm_value *v) {
    for (const dorm_choice *c = f->choices; c->label; c++) {
        dorm_value cv = c->value;
        if (cv.type == DORM_T_TEXT && v->type == DORM_T_TEXT && strcmp(cv.u.s, v->u.s) == 0) return true;
        if (cv.type == DORM_T_INT && v->type == DORM_T_INT && cv.u.i == v->u.i) return true;
        if (cv.type == DORM_T_DURATION && v->type == DORM_T_DURATION && cv.u.dur.usec == v->u.dur.usec) return true;
    }
    return false;
}

/* Whether a value is one of Django's empty values (None, ''). */
static bool empty(const dorm_value *v) { return v->type == DORM_T_NULL || (v->type == DORM_T_TEXT && !v->u.s[0]); }

/* Field.validate: choices, then null, then blank; false after the first
 * failure (Django raises it, and runs no validator). */
static int validate(dorm_verrors *errs, const dorm_fmeta *fm, const dorm_value *v, bool *ok) {
    const dorm_field *f = fm->f;
    *ok = false;
    if (f->choices && !empty(v) && !in_choices(f, v)) {
        dorm_buf b = DORM_BUF_INIT;
        dorm_buf_puts(&b, "Value ");
        dorm_value__repr(&b, v);
        dorm_buf_puts(&b, " is not a valid choice.");
        int rc = b.failed ? DORM_ENOMEM : dorm_verror_add(errs, f->name, "invalid_choice", "%s", b.data);
        dorm_buf_free(&b);
        return rc;
    }
    if (v->type == DORM_T_NULL && !f->null) return dorm_verror_add(errs, f->name, "null", "This field cannot be null.");
    if (!f->blank && empty(v)) return dorm_verror_add(errs, f->name, "blank", "This field cannot be blank.");
    *ok = true;
    return DORM_OK;
}

/* Django's ForeignKey.validate: the related row exists (through the base
 * manager) and satisfies limit_choices_to. */
static int check_related(dorm_ctx *cx, const dorm_fmeta *fm, const dorm_value *key, dorm_verrors *errs) {
    const char *by = fm->target_pk->f->name;
    dorm_qs *qs = dorm_qs_filter(dorm_qs_base(cx, fm->target->model),
                                 (const dorm_q *const[]){&(const dorm_q){DORM_Q_LEAF, by, *key, NULL}, NULL});
    if (fm->f->limit_choices_to) qs = dorm_qs_filter(qs, (const dorm_q *const[]){fm->f->limit_choices_to, NULL});
    int found = dorm_exists(qs);
    if (found < 0) return found;
    if (found) return DORM_OK;
    dorm_buf b = DORM_BUF_INIT;
    dorm_buf_printf(&b, "%s instance with %s ", fm->target->verbose_name, by);
    dorm_value__repr(&b, key);
    dorm_buf_puts(&b, " does not exist.");
    int rc = b.failed ? DORM_ENOMEM : dorm_verror_add(errs, fm->f->name, "invalid", "%s", b.data);
    dorm_buf_free(&b);
    return rc;
}

/* Model.clean_fields(exclude) into errs: 0, or the error of a query. */
static int clean_fields(void *obj, const char *const *exclude, dorm_verrors *errs) {
    dorm_object *h = obj;
    const dorm_meta *m = h->meta;
    for (int i = 0; i < m->nfields; i++) {
        const dorm_fmeta *fm = &m->fields[i];
        const dorm_field *f = fm->f;
        if (in_list(exclude, f->name)) continue;
        if (fm == m->pk && dorm_kind__is_auto(f->kind)) continue;
        dorm_value v = dorm_field__get(obj, fm);
        /* auto_now fields are Django's editable=False, blank=True. */
        bool automatic = f->auto_now || f->auto_now_add;
        if ((f->blank || automatic) && empty(&v)) continue;
        bool ok = true;
        int rc = f->not_editable || automatic ? DORM_OK : validate(errs, fm, &v, &ok);
        if (!rc && ok && f->kind == DORM_KIND_FK && fm->target && v.type != DORM_T_NULL)
            rc = check_related(h->cx, fm, &v, errs);
        /* A program's type: its own Field.validate. */
        if (!rc && ok && f->kind == DORM_KIND_CUSTOM && f->type->validate && v.type != DORM_T_NULL)
            rc = f->type->validate(dorm_cmember(obj, fm), f->name, errs);
        if (!rc && ok && !empty(&v)) rc = dorm_run__validators(errs, fm, &v);
        if (rc) return rc;
    }
    return DORM_OK;
}

/* The model's clean() hook into errs: 0, or the hook's own failure. */
static int model_clean(void *obj, dorm_verrors *errs) {
    const dorm_object *h = obj;
    int rc = h->model->clean ? h->model->clean(obj, errs) : DORM_OK;
    /* A hook that added errors may say so by its result too. */
    return rc == DORM_EVALIDATION ? DORM_OK : rc;
}

/* The fields of exclude and those with errors (validate_unique skips them). */
static const char *const *failed_or_excluded(dorm_ctx *cx, const char *const *exclude, const dorm_verrors *errs) {
    size_t n = 0;
    while (exclude && exclude[n]) n++;
    const char **all = dorm_alloc(cx, sizeof(char *) * (n + errs->n + 1));
    if (!all) return NULL;
    for (size_t i = 0; i < n; i++) all[i] = exclude[i];
    for (size_t i = 0; i < errs->n; i++)
        if (strcmp(errs->items[i].field, DORM_NON_FIELD_ERRORS) != 0) all[n++] = errs->items[i].field;
    all[n] = NULL;
    return all;
}

/* The outcome of a validation: DORM_EVALIDATION with "field: message"
 * lines when errs has any, else rc. */
static int outcome(dorm_ctx *cx, int rc, const dorm_verrors *errs, dorm_verrors *out) {
    if (out) *out = *errs;
    if (rc) return rc;
    if (!errs->n) return DORM_OK;
    dorm_buf b = DORM_BUF_INIT;
    for (size_t i = 0; i < errs->n; i++)
        dorm_buf_printf(&b, "%s%s: %s", i ? "\n" : "", errs->items[i].field, errs->items[i].message);
    rc = b.failed ? dorm_ctx_fail(cx, DORM_ENOMEM, "out of memory") : dorm_ctx_fail(cx, DORM_EVALIDATION, "%s", b.data);
    dorm_buf_free(&b);
    return rc;
}

/* The object's context with its error cleared and an empty error list; NULL
 * for something that is not a dorm object. */
static dorm_ctx *begin(void *obj, dorm_verrors *errs, dorm_verrors *out) {
    dorm_object *h = obj;
    if (out) memset(out, 0, sizeof *out);
    if (!h || !h->meta) return NULL;
    dorm_error_clear(h->cx);
    *errs = (dorm_verrors){0, NULL, h->cx, 0};
    return h->cx;
}

int dorm_full_clean_ex_(void *obj, const dorm_clean_opts *opts, dorm_verrors *out, size_t opts_size) {
    dorm_clean_opts opts_copy_;
    opts = dorm_opts__read(&opts_copy_, sizeof opts_copy_, opts, opts_size);
    dorm_verrors errs;
    dorm_ctx *cx = begin(obj, &errs, out);
    if (!cx) return DORM_EVALUE;
    const char *const *exclude = opts ? opts->exclude : NULL;
    int rc = clean_fields(obj, exclude, &errs);
    /* clean() runs even when fields failed, as Django's. */
    if (!rc) rc = model_clean(obj, &errs);
    if (!rc && !(opts && opts->skip_unique)) {
        const char *const *skip = failed_or_excluded(cx, exclude, &errs);
        rc = skip ? dorm_unique__check(obj, skip, &errs) : DORM_ENOMEM;
    }
    return outcome(cx, rc, &errs, out);
}

int dorm_full_clean(void *obj) { return dorm_full_clean_ex(obj, NULL, NULL); }

int dorm_clean_fields(void *obj, const char *const *exclude, dorm_verrors *out) {
    dorm_verrors errs;
    dorm_ctx *cx = begin(obj, &errs, out);
    return cx ? outcome(cx, clean_fields(obj, exclude, &errs), &errs, out) : DORM_EVALUE;
}

int dorm_validate_unique(void *obj, const char *const *exclude, dorm_verrors *out) {
    dorm_verrors errs;
    dorm_ctx *cx = begin(obj, &errs, out);
    return cx ? outcome(cx, dorm_unique__check(obj, exclude, &errs), &errs, out) : DORM_EVALUE;
}
