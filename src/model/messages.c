/* messages.c - the values in Django's messages: Python's str() and repr()
 * of a value (%(value)s, %(value)r) and Django's `message % params` with
 * the params of validators and field errors. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ctx.h"
#include "model/messages.h"

static size_t text_len(const dorm_value *v) { return v->len == DORM_STRLEN ? strlen(v->u.s) : v->len; }

/* Python's repr of a float, the shortest text reading back the same. */
static void float_str(double f, char *buf, size_t cap) {
    if (isnan(f)) {
        snprintf(buf, cap, "nan");
        return;
    }
    if (isinf(f)) {
        snprintf(buf, cap, f < 0 ? "-inf" : "inf");
        return;
    }
    for (int p = 1; p <= 17; p++) {
        snprintf(buf, cap, "%.*g", p, f);
        if (strtod(buf, NULL) == f) break;
    }
    /* Python writes 1e+16 as 1e+16 and 5 as 5.0. */
    if (!strpbrk(buf, ".en")) strncat(buf, ".0", cap - strlen(buf) - 1);
}

void dorm_value__str(dorm_buf *b, const dorm_value *v) {
    char tmp[DORM_FMT_MAX];
    switch (v->type) {
    case DORM_T_TEXT: dorm_buf_put(b, v->u.s, text_len(v)); return;
    case DORM_T_INT: dorm_buf_printf(b, "%lld", (long long)v->u.i); return;
    case DORM_T_BOOL: dorm_buf_puts(b, v->u.b ? "True" : "False"); return;
    case DORM_T_FLOAT: float_str(v->u.f, tmp, sizeof tmp); break;
    case DORM_T_DECIMAL: dorm_decimal_format(v->u.dec, tmp); break;
    case DORM_T_DATE: dorm_date_format(v->u.date, tmp); break;
    case DORM_T_TIME: dorm_time_format(v->u.time, tmp); break;
    case DORM_T_DATETIME:
        dorm_datetime_format(v->u.dt, tmp);
        dorm_buf_puts(b, tmp);
        dorm_buf_puts(b, "+00:00");
        return;
    case DORM_T_UUID: dorm_uuid_format_dashed(v->u.uuid, tmp); break;
    case DORM_T_DURATION: {
        /* Python's str(timedelta): "-1 day, 23:00:00", "0:01:00.500000". */
        int64_t day = INT64_C(86400000000), days = v->u.dur.usec / day, rem = v->u.dur.usec % day;
        if (rem < 0) rem += day, days--;
        if (days) dorm_buf_printf(b, "%lld day%s, ", (long long)days, days == 1 || days == -1 ? "" : "s");
        int64_t s = rem / 1000000;
        dorm_buf_printf(b, "%d:%02d:%02d", (int)(s / 3600), (int)(s / 60 % 60), (int)(s % 60));
        if (rem % 1000000) dorm_buf_printf(b, ".%06d", (int)(rem % 1000000));
        return;
    }
    default: dorm_buf_puts(b, "None"); return;
    }
    dorm_buf_puts(b, tmp);
}

void dorm_value__repr(dorm_buf *b, const dorm_value *v) {
    char tmp[DORM_FMT_MAX];
    switch (v->type) {
    case DORM_T_TEXT: {
        /* 'text', or "text" when it holds a quote and no double quote. */
        const char *s = v->u.s;
        size_t n = text_len(v);
        char q = memchr(s, '\'', n) && !memchr(s, '"', n) ? '"' : '\'';
        dorm_buf_putc(b, q);
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)s[i];
            if (c == '\\' || c == (unsigned char)q)
                dorm_buf_printf(b, "\\%c", c);
            else if (c == '\n')
                dorm_buf_puts(b, "\\n");
            else if (c == '\r')
                dorm_buf_puts(b, "\\r");
            else if (c == '\t')
                dorm_buf_puts(b, "\\t");
            else if (c < 0x20 || c == 0x7F)
                dorm_buf_printf(b, "\\x%02x", c);
            else
                dorm_buf_putc(b, (char)c);
        }
        dorm_buf_putc(b, q);
        return;
    }
    case DORM_T_UUID:
        dorm_uuid_format_dashed(v->u.uuid, tmp);
        dorm_buf_printf(b, "UUID('%s')", tmp);
        return;
    case DORM_T_DECIMAL:
        dorm_decimal_format(v->u.dec, tmp);
        dorm_buf_printf(b, "Decimal('%s')", tmp);
        return;
    case DORM_T_DATE:
        dorm_buf_printf(b, "datetime.date(%d, %d, %d)", v->u.date.year, v->u.date.month, v->u.date.day);
        return;
    case DORM_T_DURATION: {
        /* datetime.timedelta(days=-1, seconds=82800): the parts not zero. */
        int64_t day = INT64_C(86400000000), days = v->u.dur.usec / day, rem = v->u.dur.usec % day;
        if (rem < 0) rem += day, days--;
        long long parts[3] = {(long long)days, (long long)(rem / 1000000), (long long)(rem % 1000000)};
        const char *names[3] = {"days", "seconds", "microseconds"};
        dorm_buf_puts(b, "datetime.timedelta(");
        bool any = false;
        for (int i = 0; i < 3; i++)
            if (parts[i]) dorm_buf_printf(b, "%s%s=%lld", any ? ", " : "", names[i], parts[i]), any = true;
        dorm_buf_puts(b, any ? ")" : "0)");
        return;
    }
    default: dorm_value__str(b, v); return;
    }
}

const char *dorm_message__format(dorm_ctx *cx, const char *msg, const dorm_msg_params *p) {
    dorm_buf b = DORM_BUF_INIT;
    for (const char *s = msg; *s; s++) {
        const char *close = s[0] == '%' && s[1] == '(' ? strchr(s, ')') : NULL;
        if (s[0] == '%' && s[1] == '%') {
            dorm_buf_putc(&b, '%');
            s++;
            continue;
        }
        if (!close || !close[1]) {
            dorm_buf_putc(&b, *s);
            continue;
        }
        size_t n = (size_t)(close - s - 2);
        const char *name = s + 2;
        if (n == 5 && strncmp(name, "value", 5) == 0 && close[1] == 'r')
            dorm_value__repr(&b, p->value);
        else if (n == 5 && strncmp(name, "value", 5) == 0)
            dorm_value__str(&b, p->value);
        else if ((n == 11 && strncmp(name, "limit_value", 11) == 0) || (n == 3 && strncmp(name, "max", 3) == 0))
            dorm_value__str(&b, p->limit);
        else if (n == 10 && strncmp(name, "show_value", 10) == 0)
            dorm_buf_printf(&b, "%lld", (long long)p->show);
        else
            dorm_buf_put(&b, s, (size_t)(close - s) + 2);
        s = close + 1;
    }
    const char *r = b.failed ? NULL : dorm_strdup(cx, b.data ? b.data : "");
    dorm_buf_free(&b);
    return r;
}
