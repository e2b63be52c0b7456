/* fields.c - the field types of the lifecycle app (models.py's section 8):
 * MoneyField, an amount in whole cents stored in an integer column, and
 * TagListField, a list of words stored as one comma-separated text. */
#include <stdio.h>
#include <string.h>

#include "models.h"

/* ---- MoneyField ---- */

static const char NOT_MONEY[] = "'%(value)s' is not an amount of money.";

const char *money_format(Money m, char *buf) {
    unsigned long long c = m.cents < 0 ? 0ull - (unsigned long long)m.cents : (unsigned long long)m.cents;
    snprintf(buf, DORM_FMT_MAX, "%s%llu.%02llu", m.cents < 0 ? "-" : "", c / 100, c % 100);
    return buf;
}

/* Decimal(text).quantize(Decimal("0.01"), ROUND_HALF_UP) in cents: false for
 * text that is no number or does not fit. */
static bool cents_of(const char *text, size_t len, int64_t *out) {
    dorm_decimal d;
    char canon[DORM_FMT_MAX];
    while (len && text[len - 1] == ' ') len--;
    while (len && *text == ' ') text++, len--;
    if (dorm_decimal_parse(text, len, &d) || dorm_decimal_format(d, canon) == 0) return false;
    const char *p = canon + (d.neg ? 1 : 0);
    int64_t cents = 0;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (cents > INT64_MAX / 1000) return false;
        cents = cents * 10 + (*p - '0');
    }
    int places = 0;
    bool up = false;
    if (*p == '.')
        for (p++; *p; p++, places++) {
            if (places < 2) cents = cents * 10 + (*p - '0');
            if (places == 2) up = *p >= '5';
        }
    for (; places < 2; places++) cents *= 10;
    *out = d.neg ? -(cents + up) : cents + up;
    return true;
}

static dorm_value money_to_db(const void *member, dorm_ctx *cx) {
    (void)cx;
    return dorm_v_int(((const Money *)member)->cents);
}

static int money_from_db(const dorm_value *value, void *member, dorm_ctx *cx) {
    (void)cx;
    if (value->type != DORM_T_INT) return DORM_EDATA;
    ((Money *)member)->cents = value->u.i;
    return DORM_OK;
}

/* MoneyField.to_python: a number, a decimal or text, rounded to cents. */
static const char *money_to_c(const dorm_value *value, void *member, dorm_ctx *cx) {
    (void)cx;
    char text[DORM_FMT_MAX];
    Money *m = member;
    switch (value->type) {
    case DORM_T_CUSTOM: *m = *(const Money *)value->u.p; return NULL;
    case DORM_T_INT: snprintf(text, sizeof text, "%lld", (long long)value->u.i); break;
    case DORM_T_FLOAT: snprintf(text, sizeof text, "%.15g", value->u.f); break;
    case DORM_T_DECIMAL: dorm_decimal_format(value->u.dec, text); break;
    case DORM_T_TEXT: {
        size_t len = value->len == DORM_STRLEN ? strlen(value->u.s) : value->len;
        return cents_of(value->u.s, len, &m->cents) ? NULL : NOT_MONEY;
    }
    default: return NOT_MONEY;
    }
    return cents_of(text, strlen(text), &m->cents) ? NULL : NOT_MONEY;
}

static const char *money_to_text(const void *member, dorm_ctx *cx) {
    char buf[DORM_FMT_MAX];
    return dorm_strdup(cx, money_format(*(const Money *)member, buf));
}

const dorm_field_type MoneyField_type = {
    .name = "lifecycle.MoneyField",
    .internal = DORM_KIND_INT,
    .size = sizeof(Money),
    .to_db = money_to_db,
    .from_db = money_from_db,
    .to_c = money_to_c,
    .to_text = money_to_text,
    .lookups = DORM_LIST("exact", "in", "gt", "gte", "lt", "lte", "range", "isnull"),
    .description = "Money amount stored as integer cents",
};

/* ---- TagListField ---- */

/* The words of text split on commas, empty ones dropped, each stripped of
 * spaces when `strip` (to_python) or kept as stored (from_db_value). */
static int split_tags(const char *text, size_t len, bool strip, TagList *out, dorm_ctx *cx) {
    size_t cap = 1;
    for (size_t i = 0; i < len; i++) cap += text[i] == ',';
    const char **items = dorm_alloc(cx, sizeof(char *) * cap);
    if (!items) return DORM_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i <= len;) {
        size_t end = i;
        while (end < len && text[end] != ',') end++;
        size_t a = i, b = end;
        while (strip && a < b && text[a] == ' ') a++;
        while (strip && b > a && text[b - 1] == ' ') b--;
        if (b > a) {
            char *word = dorm_alloc(cx, b - a + 1);
            if (!word) return DORM_ENOMEM;
            memcpy(word, text + a, b - a);
            word[b - a] = '\0';
            items[n++] = word;
        }
        i = end + 1;
    }
    *out = (TagList){items, n};
    return DORM_OK;
}

/* get_prep_value: ",".join(tags). */
static dorm_value tags_to_db(const void *member, dorm_ctx *cx) {
    const TagList *t = member;
    size_t len = 1;
    for (size_t i = 0; i < t->n; i++) len += strlen(t->items[i]) + 1;
    char *s = dorm_alloc(cx, len);
    if (!s) return (dorm_value){DORM_T_NONE, 0, {0}};
    s[0] = '\0';
    for (size_t i = 0; i < t->n; i++) {
        if (i) strcat(s, ",");
        strcat(s, t->items[i]);
    }
    return dorm_v_text(s);
}

static int tags_from_db(const dorm_value *value, void *member, dorm_ctx *cx) {
    if (value->type != DORM_T_TEXT) return DORM_EDATA;
    return split_tags(value->u.s, value->len == DORM_STRLEN ? strlen(value->u.s) : value->len, false, member, cx);
}

static const char *tags_to_c(const dorm_value *value, void *member, dorm_ctx *cx) {
    if (value->type == DORM_T_CUSTOM) {
        *(TagList *)member = *(const TagList *)value->u.p;
        return NULL;
    }
    if (value->type != DORM_T_TEXT) return "'%(value)s' is not a list of tags.";
    size_t len = value->len == DORM_STRLEN ? strlen(value->u.s) : value->len;
    return split_tags(value->u.s, len, true, member, cx) ? "out of memory" : NULL;
}

static const char *tags_to_text(const void *member, dorm_ctx *cx) { return tags_to_db(member, cx).u.s; }

const dorm_field_type TagListField_type = {
    .name = "lifecycle.TagListField",
    .internal = DORM_KIND_TEXT,
    .size = sizeof(TagList),
    .to_db = tags_to_db,
    .from_db = tags_from_db,
    .to_c = tags_to_c,
    .to_text = tags_to_text,
    .description = "List of tags stored as comma-separated text",
};
