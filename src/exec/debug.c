/* debug.c - what a QuerySet runs, for people: its SELECT with the
 * parameters written in as Django's str(qs.query) shows them, and explain()
 * with the backend's prefix, formats and options from closed lists. */
#define _POSIX_C_SOURCE 200809L /* strcasecmp */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/opts.h"
#include "exec/route.h"

/* Compiles qs's SELECT into s (to free with dorm_sql__free on success); 0
 * or a negative error on the context. */
static int compile(dorm_qs *qs, dorm_sql *s) {
    if (!qs) return DORM_ENOMEM;
    dorm_error_clear(qs->cx);
    if (qs->err) return dorm_qs__reraise(qs);
    dorm_sql__init(s, qs->cx);
    int rc = dorm_compile__select(qs, DORM_SELECT_ROWS, s);
    if (rc == DORM_COMPILED_EMPTY)
        rc = dorm_ctx_fail(qs->cx, DORM_EVALUE,
                           "The query can match no row (Django's EmptyResultSet): no SQL would run.");
    else if (rc < 0 || s->failed || s->text.failed)
        rc = dorm_errcode(qs->cx) ? dorm_errcode(qs->cx) : dorm_ctx_fail(qs->cx, DORM_ENOMEM, "out of memory");
    if (rc) dorm_sql__free(s);
    return rc;
}

/* The placeholder at p, if any: its parameter index and length.  dorm's
 * SQL has no '?' or '$' outside placeholders and quoted text. */
static bool placeholder(const dorm_sql *s, const char *p, size_t *index, size_t *len, size_t *next) {
    if (s->d->param_style == DORM_PARAM_DOLLAR) {
        if (*p != '$' || !isdigit((unsigned char)p[1])) return false;
        char *end;
        *index = (size_t)strtoul(p + 1, &end, 10) - 1;
        *len = (size_t)(end - p);
        return *index < s->nparams;
    }
    if (*p != '?') return false;
    *index = (*next)++;
    *len = 1;
    return *index < s->nparams;
}

static const char *qs_str_on(dorm_qs *qs);
static const char *explain_on(dorm_qs *qs, const dorm_explain_opts *opts);

/* Both are the SQL of the QuerySet's database. */
const char *dorm_qs_str(dorm_qs *qs) {
    dorm_route r;
    if (!qs || qs->err) return qs_str_on(qs);
    if (dorm_route__qs(qs, false, &r)) return NULL;
    const char *out = qs_str_on(qs);
    dorm_route__leave(qs->cx, &r);
    return out;
}

const char *dorm_qs_explain_(dorm_qs *qs, const dorm_explain_opts *opts, size_t opts_size) {
    dorm_explain_opts opts_copy_;
    opts = dorm_opts__read(&opts_copy_, sizeof opts_copy_, opts, opts_size);
    dorm_route r;
    if (!qs || qs->err) return explain_on(qs, opts);
    if (dorm_route__qs(qs, false, &r)) return NULL;
    const char *out = explain_on(qs, opts);
    dorm_route__leave(qs->cx, &r);
    return out;
}

static const char *qs_str_on(dorm_qs *qs) {
    dorm_sql s;
    if (compile(qs, &s)) return NULL;
    dorm_buf out = DORM_BUF_INIT;
    size_t next = 0;
    for (const char *p = s.text.data; *p;) {
        if (*p == '\'' || *p == '"') {
            /* Quoted text and names are copied whole (a doubled quote stays inside). */
            const char *q = p + 1;
            while (*q && !(*q == *p && q[1] != *p)) q += *q == *p ? 2 : 1;
            size_t n = (size_t)(q - p) + (*q ? 1 : 0);
            dorm_buf_put(&out, p, n);
            p += n;
            continue;
        }
        size_t index, len;
        if (placeholder(&s, p, &index, &len, &next)) {
            dorm_render__value(&out, &s.params[index], false);
            p += len;
            continue;
        }
        dorm_buf_putc(&out, *p++);
    }
    const char *text = out.failed ? NULL : dorm_strdup(qs->cx, out.data ? out.data : "");
    if (out.failed) dorm_ctx_fail(qs->cx, DORM_ENOMEM, "out of memory");
    dorm_buf_free(&out);
    dorm_sql__free(&s);
    return text;
}

/* ---- explain() -------------------------------------------------------------- */

static const char *in_list(const char *const *list, const char *name) {
    for (size_t i = 0; list && list[i]; i++)
        if (strcasecmp(list[i], name) == 0) return list[i];
    return NULL;
}

static int cmp_names(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

/* An unknown option's name as Django reports it: upper-cased by a backend
 * that normalises the options it takes (PostgreSQL's spelling), else as
 * given. */
static const char *upper(dorm_ctx *cx, const dorm_dialect *d, const char *name) {
    char *s = dorm_strdup(cx, name);
    for (char *p = s; s && d->explain_options && !d->explain_sql && *p; p++) *p = (char)toupper((unsigned char)*p);
    return s;
}

/* Django's explain_query_prefix: the prefix, then "(NAME true, ..., FORMAT x)"
 * from the dialect's lists; anything else refused before any SQL. */
static int explain_prefix(dorm_ctx *cx, const dorm_dialect *d, const dorm_explain_opts *o, dorm_buf *b) {
    if (!d->explain_prefix)
        return dorm_ctx_fail(cx, DORM_ENOTSUPPORTED, "This backend does not support explaining query execution.");
    if (o && o->format && !in_list(d->explain_formats, o->format)) {
        dorm_buf msg = DORM_BUF_INIT;
        for (const char *p = o->format; *p; p++) dorm_buf_putc(&msg, (char)toupper((unsigned char)*p));
        dorm_buf_puts(&msg, " is not a recognized format.");
        for (size_t i = 0; d->explain_formats && d->explain_formats[i]; i++)
            dorm_buf_printf(&msg, "%s%s", i ? ", " : " Allowed formats: ", d->explain_formats[i]);
        int rc = dorm_ctx_fail(cx, DORM_EVALUE, "%s", msg.failed ? "Unknown format." : msg.data);
        dorm_buf_free(&msg);
        return rc;
    }
    size_t n = o && o->options ? o->noptions : 0;
    const char **unknown = dorm_alloc(cx, sizeof(char *) * (n ? n : 1));
    if (!unknown) return DORM_ENOMEM;
    size_t nunknown = 0;
    for (size_t i = 0; i < n; i++)
        if (!o->options[i].name || !in_list(d->explain_options, o->options[i].name))
            unknown[nunknown++] = o->options[i].name ? upper(cx, d, o->options[i].name) : "(null)";
    if (nunknown) {
        for (size_t i = 0; i < nunknown; i++)
            if (!unknown[i]) return DORM_ENOMEM;
        qsort(unknown, nunknown, sizeof *unknown, cmp_names);
        dorm_buf msg = DORM_BUF_INIT;
        for (size_t i = 0; i < nunknown; i++) dorm_buf_printf(&msg, "%s%s", i ? ", " : "Unknown options: ", unknown[i]);
        int rc = dorm_ctx_fail(cx, DORM_EVALUE, "%s", msg.failed ? "Unknown options." : msg.data);
        dorm_buf_free(&msg);
        return rc;
    }
    /* The options in the dialect's order, the last value given for each. */
    size_t nknown = 0;
    while (d->explain_options && d->explain_options[nknown]) nknown++;
    int *values = dorm_alloc(cx, sizeof(int) * (nknown ? nknown : 1));
    if (!values) return DORM_ENOMEM;
    for (size_t k = 0; k < nknown; k++) {
        values[k] = -1;
        for (size_t i = 0; i < n; i++)
            if (strcasecmp(o->options[i].name, d->explain_options[k]) == 0) values[k] = o->options[i].value;
    }
    const char *format = o && o->format ? in_list(d->explain_formats, o->format) : NULL;
    if (d->explain_sql) {
        d->explain_sql(b, format, values);
        dorm_buf_putc(b, ' ');
        return DORM_OK;
    }
    dorm_buf_puts(b, d->explain_prefix);
    bool any = false;
    for (size_t k = 0; k < nknown; k++) {
        if (values[k] < 0) continue;
        dorm_buf_printf(b, "%s%s %s", any ? ", " : " (", d->explain_options[k], values[k] ? "true" : "false");
        any = true;
    }
    if (format) {
        dorm_buf_printf(b, "%sFORMAT %s", any ? ", " : " (", format);
        any = true;
    }
    if (any) dorm_buf_putc(b, ')');
    dorm_buf_putc(b, ' ');
    return DORM_OK;
}

static const char *explain_on(dorm_qs *qs, const dorm_explain_opts *opts) {
    dorm_sql s;
    if (compile(qs, &s)) return NULL;
    dorm_ctx *cx = qs->cx;
    dorm_sql ex = s;
    ex.text = (dorm_buf)DORM_BUF_INIT;
    int rc = explain_prefix(cx, s.d, opts, &ex.text);
    if (!rc) dorm_buf_put(&ex.text, s.text.data, s.text.len);
    dorm_buf out = DORM_BUF_INIT;
    dorm_cached_stmt *cs = NULL;
    if (!rc) rc = dorm__exec(cx, &ex, &cs);
    while (rc == DORM_STEP_ROW) {
        int ncols = cx->db->drv->column_count(cs->stmt);
        if (out.len) dorm_buf_putc(&out, '\n');
        for (int i = 0; i < ncols; i++) {
            dorm_value v;
            if ((rc = dorm_raw__value(cx, &cx->arena, cs, i, &v))) break;
            if (i) dorm_buf_putc(&out, ' ');
            dorm_render__value(&out, &v, false);
        }
        if (!rc) rc = dorm_exec__step(cx, cs);
    }
    if (cs) dorm_db__release(cx->db, cs);
    const char *plan = rc < 0 || out.failed ? NULL : dorm_strdup(cx, out.data ? out.data : "");
    if (rc >= 0 && out.failed) dorm_ctx_fail(cx, DORM_ENOMEM, "out of memory");
    dorm_buf_free(&out);
    dorm_buf_free(&ex.text);
    dorm_sql__free(&s);
    return plan;
}
