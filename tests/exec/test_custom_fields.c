/* test_custom_fields.c - field types of the program's own: the lifecycle
 * transcript's MoneyField (an amount as a C struct of cents, an integer
 * column) and TagListField (a C array of words, comma-separated text), in
 * filters, values(), ordering, aggregates, update, full_clean and
 * to_python, fixtures and migrations, with Django 3.2's answers on the same
 * models; a type's column per backend; the system checks of a type. */
#define _POSIX_C_SOURCE 200809L /* fmemopen, open_memstream */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/db.h"
#include "testdb.h"

typedef struct Money {
    int64_t cents;
} Money;

typedef struct TagList {
    const char **items;
    size_t n;
} TagList;

DORM_FIELD_TYPE_DECLARE(MoneyField, Money);
DORM_FIELD_TYPE_DECLARE(TagListField, TagList);

/* ---- MoneyField: a Decimal amount in Python, whole cents in the column ---- */

static dorm_value money_to_db(const void *member, dorm_ctx *cx) {
    (void)cx;
    return dorm_v_int(((const Money *)member)->cents);
}

static int money_from_db(const dorm_value *v, void *member, dorm_ctx *cx) {
    (void)cx;
    if (v->type != DORM_T_INT) return DORM_EDATA;
    ((Money *)member)->cents = v->u.i;
    return DORM_OK;
}

/* Decimal(text).quantize(Decimal("0.01"), ROUND_HALF_UP) in cents; false
 * for text that is no number. */
static bool cents_of(const char *text, int64_t *out) {
    dorm_decimal d;
    char canon[DORM_FMT_MAX];
    size_t n = strlen(text);
    while (n && text[n - 1] == ' ') n--;
    while (n && *text == ' ') text++, n--;
    if (dorm_decimal_parse(text, n, &d)) return false;
    dorm_decimal_format(d, canon);
    const char *p = canon;
    bool neg = *p == '-';
    if (neg) p++;
    int64_t whole = 0, frac = 0;
    for (; *p >= '0' && *p <= '9'; p++) whole = whole * 10 + (*p - '0');
    int digits = 0;
    bool up = false;
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9'; p++, digits++) {
            if (digits < 2) frac = frac * 10 + (*p - '0');
            if (digits == 2) up = *p >= '5';
        }
    if (digits == 1) frac *= 10;
    int64_t cents = whole * 100 + frac + (up ? 1 : 0);
    *out = neg ? -cents : cents;
    return true;
}

static const char *money_to_c(const dorm_value *v, void *member, dorm_ctx *cx) {
    (void)cx;
    char text[DORM_FMT_MAX];
    switch (v->type) {
    case DORM_T_INT: snprintf(text, sizeof text, "%lld", (long long)v->u.i); break;
    case DORM_T_FLOAT: snprintf(text, sizeof text, "%.15g", v->u.f); break;
    case DORM_T_DECIMAL: dorm_decimal_format(v->u.dec, text); break;
    case DORM_T_TEXT: snprintf(text, sizeof text, "%s", v->u.s); break;
    default: return "'%(value)s' is not an amount of money.";
    }
    return cents_of(text, &((Money *)member)->cents) ? NULL : "'%(value)s' is not an amount of money.";
}

/* "12.50" */
static const char *money_text(const Money *m, char *buf) {
    int64_t c = m->cents < 0 ? -m->cents : m->cents;
    sprintf(buf, "%s%lld.%02lld", m->cents < 0 ? "-" : "", (long long)(c / 100), (long long)(c % 100));
    return buf;
}

static const char *money_to_text(const void *member, dorm_ctx *cx) {
    char buf[32];
    return dorm_strdup(cx, money_text(member, buf));
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

/* ---- TagListField: a list of words in Python, one comma-separated text ---- */

/* The words of text (n bytes) split on commas, empty ones dropped, each
 * stripped of spaces when `strip` (Django's to_python) or not (from_db). */
static int split_tags(const char *text, size_t n, bool strip, TagList *out, dorm_ctx *cx) {
    size_t cap = 1;
    for (size_t i = 0; i < n; i++) cap += text[i] == ',';
    const char **items = dorm_alloc(cx, sizeof(char *) * cap);
    if (!items) return DORM_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i <= n;) {
        size_t j = i;
        while (j < n && text[j] != ',') j++;
        size_t a = i, b = j;
        while (strip && a < b && text[a] == ' ') a++;
        while (strip && b > a && text[b - 1] == ' ') b--;
        if (b > a) {
            char *w = dorm_alloc(cx, b - a + 1);
            if (!w) return DORM_ENOMEM;
            memcpy(w, text + a, b - a);
            items[k++] = w;
        }
        i = j + 1;
    }
    *out = (TagList){items, k};
    return DORM_OK;
}

static dorm_value tags_to_db(const void *member, dorm_ctx *cx) {
    const TagList *t = member;
    size_t len = 1;
    for (size_t i = 0; i < t->n; i++) len += strlen(t->items[i]) + 1;
    char *s = dorm_alloc(cx, len), *o = s;
    if (!s) return (dorm_value){DORM_T_NONE, 0, {0}};
    for (size_t i = 0; i < t->n; i++) o += sprintf(o, "%s%s", i ? "," : "", t->items[i]);
    return dorm_v_text(s);
}

static int tags_from_db(const dorm_value *v, void *member, dorm_ctx *cx) {
    if (v->type != DORM_T_TEXT) return DORM_EDATA;
    return split_tags(v->u.s, v->len == DORM_STRLEN ? strlen(v->u.s) : v->len, false, member, cx);
}

static const char *tags_to_c(const dorm_value *v, void *member, dorm_ctx *cx) {
    if (v->type != DORM_T_TEXT) return "'%(value)s' is not a list of tags.";
    return split_tags(v->u.s, strlen(v->u.s), true, member, cx) ? "out of memory" : NULL;
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

typedef struct Purchase {
    DORM_OBJECT;
    int64_t id;
    const char *title;
    Money price;
    TagList tags;
} Purchase;
DORM_MODEL_DECLARE(Purchase);
static const dorm_field Purchase_fields[] = {
    DORM_AUTO(Purchase, id),
    DORM_CHAR(Purchase, title, .max_length = 100),
    DORM_CUSTOM(Purchase, price, MoneyField),
    DORM_CUSTOM(Purchase, tags, TagListField, .blank = true),
    DORM_END,
};
const dorm_model Purchase_model = DORM_MODEL(Purchase, "lifecycle", Purchase_fields, .ordering = DORM_LIST("title"));
static const dorm_app lifecycle_app = {.label = "lifecycle", .models = DORM_MODELS(&Purchase_model)};

static dorm_ctx *cx;

static void open_purchases(void) {
    test_db_open_apps((const dorm_app *const[]){&lifecycle_app, NULL});
    cx = T.cx;
}

TestSuite(custom_fields, .init = open_purchases, .fini = test_db_close);

static TagList tags(size_t n, const char **items) { return (TagList){items, n}; }

static dorm_decimal dec(const char *s) {
    dorm_decimal d;
    cr_assert_eq(dorm_decimal_parse(s, strlen(s), &d), 0);
    return d;
}

/* The transcript's four purchases. */
static void purchases(void) {
    static const char *atlas[] = {"maps", "reference"}, *poetry[] = {"poetry"}, *diary[] = {"poetry", "reference"};
    cr_assert_not_null(dorm_create(cx, Purchase, .title = "Atlas", .price = {1250}, .tags = tags(2, atlas)), "%s",
                       dorm_errmsg(cx));
    Purchase *b = dorm_new(cx, Purchase);
    b->title = "Bestiary";
    b->tags = tags(1, poetry);
    cr_assert_eq(dorm_field_assign(b, "price", "7.3"), DORM_OK, "%s", dorm_errmsg(cx));
    cr_assert_eq(dorm_save(b), DORM_OK, "%s", dorm_errmsg(cx));
    Purchase *c = dorm_new(cx, Purchase);
    c->title = "Codex";
    cr_assert_eq(dorm_field_assign(c, "price", dec("19.999")), DORM_OK, "%s", dorm_errmsg(cx));
    cr_assert_eq(dorm_save(c), DORM_OK, "%s", dorm_errmsg(cx));
    Purchase *d = dorm_new(cx, Purchase);
    d->title = "Diary";
    d->tags = tags(2, diary);
    cr_assert_eq(dorm_field_assign(d, "price", dec("0.05")), DORM_OK, "%s", dorm_errmsg(cx));
    cr_assert_eq(dorm_save(d), DORM_OK, "%s", dorm_errmsg(cx));
}

/* "Atlas: price=12.50 tags=[maps, reference]" of a purchase. */
static const char *line(const Purchase *p) {
    static char out[256];
    char m[32];
    int k = snprintf(out, sizeof out, "%s: price=%s tags=[", p->title, money_text(&p->price, m));
    for (size_t i = 0; i < p->tags.n; i++)
        k += snprintf(out + k, sizeof out - (size_t)k, "%s%s", i ? ", " : "", p->tags.items[i]);
    snprintf(out + k, sizeof out - (size_t)k, "]");
    return out;
}

/* The titles of a QuerySet, "A, B". */
static const char *names(dorm_qs *qs) {
    static char out[256];
    out[0] = '\0';
    void **objs = dorm_list(qs, NULL);
    cr_assert_not_null(objs, "%s", dorm_errmsg(cx));
    for (size_t i = 0; objs[i]; i++) {
        if (i) strcat(out, ", ");
        strcat(out, ((Purchase *)objs[i])->title);
    }
    return out[0] ? out : "-";
}

Test(custom_fields, stored_as_the_type_says_and_read_back) {
    purchases();
    const char *want[] = {"Atlas: price=12.50 tags=[maps, reference]", "Bestiary: price=7.30 tags=[poetry]",
                          "Codex: price=20.00 tags=[]", "Diary: price=0.05 tags=[poetry, reference]"};
    size_t i = 0;
    DORM_EACH(Purchase, p, dorm_all(cx, Purchase)) cr_expect_str_eq(line(p), want[i++]);
    cr_assert_eq(i, 4, "%s", dorm_errmsg(cx));
    cr_assert_eq(test_scalar("SELECT price FROM lifecycle_purchase WHERE title = 'Atlas'"), 1250);
    cr_assert_eq(test_scalar("SELECT price FROM lifecycle_purchase WHERE title = 'Diary'"), 5);
    cr_assert_eq(test_scalar("SELECT COUNT(*) FROM lifecycle_purchase WHERE tags = 'maps,reference'"), 1);
    cr_assert_eq(test_scalar("SELECT COUNT(*) FROM lifecycle_purchase WHERE tags = ''"), 1);
    /* refresh reads through from_db too. */
    Purchase *a = dorm_get(dorm_all(cx, Purchase), DQ("title", "Atlas"));
    a->price.cents = 0;
    cr_assert_eq(dorm_refresh(a), DORM_OK, "%s", dorm_errmsg(cx));
    cr_assert_str_eq(line(a), want[0]);
}

Test(custom_fields, filters_convert_their_values) {
    purchases();
    static const char *pr[] = {"poetry", "reference"};
    TagList both = tags(2, pr), none = tags(0, NULL);
    cr_assert_str_eq(names(dorm_filter(dorm_all(cx, Purchase), DQ("price__gte", dec("10")))), "Atlas, Codex");
    cr_assert_str_eq(names(dorm_filter(dorm_all(cx, Purchase), DQ("price", "7.30"))), "Bestiary");
    cr_assert_str_eq(names(dorm_filter(dorm_all(cx, Purchase), DQ("price__in", DLIST(dec("0.05"), dec("20.00"))))),
                     "Codex, Diary");
    cr_assert_str_eq(names(dorm_filter(dorm_all(cx, Purchase), DQ("tags", dorm_v_custom(&both)))), "Diary");
    cr_assert_str_eq(names(dorm_filter(dorm_all(cx, Purchase), DQ("tags__contains", "poetry"))), "Bestiary, Diary");
    cr_assert_str_eq(names(dorm_filter(dorm_all(cx, Purchase), DQ("tags", dorm_v_custom(&none)))), "Codex");
    cr_assert_str_eq(names(dorm_filter(dorm_all(cx, Purchase), DQ("price__range", DLIST(1, 13)))), "Atlas, Bestiary");
    cr_assert_str_eq(names(dorm_order_by(dorm_all(cx, Purchase), "-price", "title")), "Codex, Atlas, Bestiary, Diary");
    /* A value the type cannot take, and a lookup it does not list. */
    dorm_qs *bad = dorm_filter(dorm_all(cx, Purchase), DQ("price", "abc"));
    cr_assert_eq(dorm_qs_errcode(bad), DORM_EVALIDATION);
    cr_assert_str_eq(dorm_qs_errmsg(bad), "'abc' is not an amount of money.");
    bad = dorm_filter(dorm_all(cx, Purchase), DQ("price__contains", "1"));
    cr_assert_eq(dorm_qs_errcode(bad), DORM_EFIELD);
    cr_assert_str_eq(dorm_qs_errmsg(bad),
                     "Unsupported lookup 'contains' for lifecycle.MoneyField or join on the field "
                     "not permitted.");
}

Test(custom_fields, values_aggregates_and_update) {
    purchases();
    const char *want[] = {"Atlas 12.50 maps,reference", "Bestiary 7.30 poetry", "Diary 0.05 poetry,reference"};
    size_t i = 0;
    DORM_EACH_ROW(
        r, dorm_values(dorm_filter(dorm_all(cx, Purchase), DQ("price__lt", dec("15"))), "title", "price", "tags")) {
        const dorm_value *price = dorm_row_get(r, "price"), *tl = dorm_row_get(r, "tags");
        cr_assert_eq(price->type, DORM_T_CUSTOM);
        cr_assert_eq(tl->type, DORM_T_CUSTOM);
        const TagList *t = tl->u.p;
        char m[32], got[128];
        int k = snprintf(got, sizeof got, "%s %s ", dorm_row_get(r, "title")->u.s, money_text(price->u.p, m));
        for (size_t w = 0; w < t->n; w++)
            k += snprintf(got + k, sizeof got - (size_t)k, "%s%s", w ? "," : "", t->items[w]);
        cr_expect_str_eq(got, want[i++]);
    }
    cr_assert_eq(i, 3, "%s", dorm_errmsg(cx));
    char flat[128] = "", m[32];
    DORM_EACH_ROW(r, dorm_values_flat(dorm_all(cx, Purchase), "price")) {
        if (flat[0]) strcat(flat, ", ");
        strcat(flat, money_text(r->values[0].u.p, m));
    }
    cr_assert_str_eq(flat, "12.50, 7.30, 20.00, 0.05");
    /* Sum(price) is a MoneyField value (Django's output_field). */
    const dorm_row *agg = dorm_aggregate(dorm_all(cx, Purchase), DAS("total", DSum("price")));
    cr_assert_not_null(agg, "%s", dorm_errmsg(cx));
    cr_assert_eq(dorm_row_get(agg, "total")->type, DORM_T_CUSTOM);
    cr_assert_str_eq(money_text(dorm_row_get(agg, "total")->u.p, m), "39.85");
    cr_assert_eq(dorm_update(dorm_filter(dorm_all(cx, Purchase), DQ("title", "Codex")), DSET("price", dec("18"))), 1,
                 "%s", dorm_errmsg(cx));
    Purchase *c = dorm_get(dorm_all(cx, Purchase), DQ("title", "Codex"));
    cr_assert_str_eq(money_text(&c->price, m), "18.00");
    /* bulk_update writes through to_db too. */
    c->price.cents = 1999;
    cr_assert_eq(dorm_bulk_update(cx, Purchase, (void *[]){c}, 1, "price"), 1, "%s", dorm_errmsg(cx));
    cr_assert_eq(test_scalar("SELECT price FROM lifecycle_purchase WHERE title = 'Codex'"), 1999);
}

Test(custom_fields, to_python_and_full_clean) {
    Purchase *p = dorm_new(cx, Purchase);
    p->title = "Errata";
    cr_assert_eq(dorm_field_assign(p, "price", "abc"), DORM_EVALIDATION);
    cr_assert_str_eq(dorm_errmsg(cx), "price: 'abc' is not an amount of money.");
    cr_assert_eq(dorm_field_assign(p, "price", "3.456"), DORM_OK, "%s", dorm_errmsg(cx));
    char m[32];
    cr_assert_str_eq(money_text(&p->price, m), "3.46");
    cr_assert_eq(dorm_field_assign(p, "tags", "a, b,,c"), DORM_OK, "%s", dorm_errmsg(cx));
    cr_assert_eq(p->tags.n, 3);
    cr_assert_str_eq(p->tags.items[1], "b");
    cr_assert_eq(dorm_full_clean(p), DORM_OK, "%s", dorm_errmsg(cx));
    /* blank=True: an empty list is skipped; price is not blank. */
    p->tags = tags(0, NULL);
    cr_assert_eq(dorm_full_clean(p), DORM_OK, "%s", dorm_errmsg(cx));
    cr_assert_str_eq(dorm_field_internal_type(&Purchase_model, "price"), "IntegerField");
    cr_assert_str_eq(dorm_field_internal_type(&Purchase_model, "tags"), "TextField");
    cr_assert_str_eq(dorm_field_internal_type(&Purchase_model, "title"), "CharField");
    cr_assert_null(dorm_field_internal_type(&Purchase_model, "nope"));
}

Test(custom_fields, fixtures_hold_the_text_form) {
    purchases();
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    cr_assert_eq(dorm_dumpdata(cx, DORM_LIST("lifecycle"), 0, f), DORM_OK, "%s", dorm_errmsg(cx));
    fclose(f);
    cr_assert(strstr(text,
                     "{\"model\": \"lifecycle.purchase\", \"pk\": 1, \"fields\": {\"title\": \"Atlas\", \"price\": "
                     "\"12.50\", \"tags\": \"maps,reference\"}}"),
              "%s", text);
    cr_assert(strstr(text, "\"title\": \"Codex\", \"price\": \"20.00\", \"tags\": \"\"}"), "%s", text);
    const char *dir = test_tmpdir_make("dorm-cf");
    (void)dir;
    test_write_file("p.json", text);
    free(text);
    cr_assert_eq(dorm_qs_delete(dorm_all(cx, Purchase), NULL), DORM_OK, "%s", dorm_errmsg(cx));
    cr_assert_eq(dorm_loaddata(cx, DORM_LIST(test_tmpdir_path("p.json")), NULL), DORM_OK, "%s", dorm_errmsg(cx));
    Purchase *d = dorm_get(dorm_all(cx, Purchase), DQ("title", "Diary"));
    cr_assert_not_null(d, "%s", dorm_errmsg(cx));
    cr_assert_str_eq(line(d), "Diary: price=0.05 tags=[poetry, reference]");
    test_tmpdir_remove();
}

/* ---- migrations and column types ---- */

/* The column type BigMoneyField_type names for the test's backend. */
static const char *column_type(void) {
    return strcmp(T.db->drv->vendor, "postgresql") == 0 ? "numeric(12, 0)"
        : strcmp(T.db->drv->vendor, "mysql") == 0       ? "decimal(12, 0)"
                                                        : "decimal";
}

/* A type whose column is its own per backend. */
const dorm_field_type BigMoneyField_type = {
    .name = "lifecycle.BigMoneyField",
    .internal = DORM_KIND_INT,
    .size = sizeof(Money),
    .to_db = money_to_db,
    .from_db = money_from_db,
    .to_c = money_to_c,
    .db_types = DORM_DB_TYPES({"postgresql", "numeric(12, 0)"}, {"sqlite", "decimal"}, {"mysql", "decimal(12, 0)"}),
};
typedef Money BigMoneyField_c;

typedef struct Ledger {
    DORM_OBJECT;
    int64_t id;
    Money amount;
} Ledger;
static const dorm_field Ledger_fields[] = {DORM_AUTO(Ledger, id), DORM_CUSTOM(Ledger, amount, BigMoneyField), DORM_END};
static const dorm_model Ledger_model = DORM_MODEL(Ledger, "books", Ledger_fields);

Test(custom_fields, a_column_type_per_backend) {
    const dorm_app books = {.label = "books", .models = DORM_MODELS(&Ledger_model)};
    dorm_registry *reg = dorm_registry_new((const dorm_app *const[]){&books, NULL});
    cr_assert_eq(dorm_registry_errcode(reg), DORM_OK, "%s", dorm_registry_messages(reg));
    const dorm_registry *saved = T.db->reg;
    T.db->reg = reg;
    const char *sql = dorm_create_table_sql(cx, &Ledger_model);
    cr_assert_not_null(sql, "%s", dorm_errmsg(cx));
    char want[128];
    snprintf(want, sizeof want, "\"amount\" %s NOT NULL", column_type());
    sql = test_sql_std(sql);
    cr_assert(strstr(sql, want), "%s", sql);
    cr_assert_eq(dorm_create_tables(cx, DORM_MODELS(&Ledger_model)), DORM_OK, "%s", dorm_errmsg(cx));
    cr_assert_not_null(dorm_create(cx, Ledger, .amount = {4200}), "%s", dorm_errmsg(cx));
    Ledger *l = dorm_get(dorm_qs_all(cx, &Ledger_model), DQ("amount__gt", 41));
    cr_assert_not_null(l, "%s", dorm_errmsg(cx));
    cr_assert_eq(l->amount.cents, 4200);
    cr_assert_eq(dorm_drop_tables(cx, DORM_MODELS(&Ledger_model)), DORM_OK, "%s", dorm_errmsg(cx));
    T.db->reg = saved;
    dorm_registry_free(reg);
}

static char *slurp(const char *path) {
    static char text[8192];
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s", path);
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    return text;
}

typedef struct Shop {
    DORM_OBJECT;
    int64_t id;
    Money price;
    TagList tags;
} Shop;
static const dorm_field Shop_fields[] = {
    DORM_AUTO(Shop, id),
    DORM_CUSTOM(Shop, price, MoneyField, .null = true),
    DORM_CUSTOM(Shop, tags, TagListField, .blank = true),
    DORM_END,
};
static const dorm_model Shop_model = DORM_MODEL(Shop, "shops", Shop_fields);
static const dorm_field Shop0_fields[] = {DORM_AUTO(Shop, id), DORM_END};
static const dorm_model Shop0_model = {
    .name = "Shop", .app_label = "shops", .size = sizeof(Shop), .fields = Shop0_fields};

Test(custom_fields, migrations_record_the_type_by_name) {
    const char *dir = test_tmpdir_make("dorm-cm");
    dorm_app v1 = {.label = "shops", .models = DORM_MODELS(&Shop_model), .migrations_dir = dir};
    const dorm_app *apps[] = {&v1, NULL};
    FILE *out = fopen("/dev/null", "w");
    int rc = dorm_makemigrations(cx, apps, &(dorm_makemigrations_opts){.out = out});
    cr_assert_eq(rc, 0, "%s", dorm_errmsg(cx));
    const char *file = slurp(test_tmpdir_path("0001_initial.json"));
    cr_assert(strstr(file,
                     "\"price\",\n                    {\n                        \"type\": \"lifecycle.MoneyField\",\n"
                     "                        \"null\": true\n"),
              "%s", file);
    cr_assert(strstr(file, "\"type\": \"lifecycle.TagListField\",\n                        \"blank\": true"), "%s",
              file);
    /* Read back by name: nothing left to migrate, and migrate builds it. */
    rc = dorm_makemigrations(cx, apps, &(dorm_makemigrations_opts){.out = out, .check = true});
    cr_assert_eq(rc, 0, "%s", dorm_errmsg(cx));
    cr_assert_eq(dorm_migrate(cx, apps, &(dorm_migrate_opts){.verbosity = 0}), DORM_OK, "%s", dorm_errmsg(cx));
    const char *sql = dorm_sqlmigrate(cx, apps, "shops", "0001_initial", false);
    cr_assert_not_null(sql, "%s", dorm_errmsg(cx));
    sql = test_sql_std(sql);
    cr_assert(strstr(sql, "\"price\" integer NULL"), "%s", sql);
    cr_assert(strstr(sql, test_db_on_mysql() ? "\"tags\" longtext NOT NULL" : "\"tags\" text NOT NULL"), "%s", sql);
    /* An app whose models no longer use the type lists it to read its files. */
    dorm_app v0 = {.label = "shops", .models = DORM_MODELS(&Shop0_model), .migrations_dir = dir};
    const dorm_app *gone[] = {&v0, NULL};
    cr_assert_null(dorm_sqlmigrate(cx, gone, "shops", "0001_initial", false));
    cr_assert(strstr(dorm_errmsg(cx), "unknown field type 'lifecycle.MoneyField'"), "%s", dorm_errmsg(cx));
    v0.field_types = DORM_FIELD_TYPES(&MoneyField_type, &TagListField_type);
    cr_assert_not_null(dorm_sqlmigrate(cx, gone, "shops", "0001_initial", false), "%s", dorm_errmsg(cx));
    cr_assert_eq(dorm_migrate(cx, apps, &(dorm_migrate_opts){.target = "zero", .app = "shops"}), DORM_OK, "%s",
                 dorm_errmsg(cx));
    fclose(out);
    test_tmpdir_remove();
}

/* ---- system checks ---- */

static const char *money_bad_c(const dorm_value *v, void *member, dorm_ctx *cx) {
    (void)v, (void)member, (void)cx;
    return NULL;
}
static const dorm_field_type Broken_type = {
    .name = "Broken", .internal = DORM_KIND_INT, .size = 4, .to_c = money_bad_c};
static const dorm_field_type Wrong_type = {.name = "bad name!",
                                           .internal = DORM_KIND_FK,
                                           .size = sizeof(Money),
                                           .to_db = money_to_db,
                                           .from_db = money_from_db,
                                           .to_c = money_to_c};
static const dorm_field_type Sized_type = {.name = "Sized",
                                           .internal = DORM_KIND_INT,
                                           .size = 4,
                                           .to_db = money_to_db,
                                           .from_db = money_from_db,
                                           .to_c = money_to_c};
static const dorm_field_type Twin_type = {.name = "lifecycle.MoneyField",
                                          .internal = DORM_KIND_INT,
                                          .size = sizeof(Money),
                                          .to_db = money_to_db,
                                          .from_db = money_from_db,
                                          .to_c = money_to_c};

typedef struct Odd {
    DORM_OBJECT;
    int64_t id;
    Money a, b, c, d, e;
} Odd;
static const dorm_field Odd_fields[] = {
    DORM_AUTO(Odd, id),
    {.name = "a", .kind = DORM_KIND_CUSTOM, .offset = offsetof(Odd, a), .size = sizeof(Money), .type = &Broken_type},
    {.name = "b", .kind = DORM_KIND_CUSTOM, .offset = offsetof(Odd, b), .size = sizeof(Money), .type = &Wrong_type},
    {.name = "c", .kind = DORM_KIND_CUSTOM, .offset = offsetof(Odd, c), .size = sizeof(Money), .type = &Sized_type},
    {.name = "d", .kind = DORM_KIND_CUSTOM, .offset = offsetof(Odd, d), .size = sizeof(Money), .type = &Twin_type},
    DORM_CUSTOM(Odd, e, MoneyField),
    DORM_END,
};
static const dorm_model Odd_model = DORM_MODEL(Odd, "odd", Odd_fields);

Test(custom_field_checks, types_are_checked) {
    const dorm_app odd = {.label = "odd", .models = DORM_MODELS(&Odd_model)};
    dorm_registry *reg = dorm_registry_new((const dorm_app *const[]){&odd, NULL});
    cr_assert_eq(dorm_registry_errcode(reg), DORM_ECONFIG);
    cr_assert_str_eq(
        dorm_registry_messages(reg),
        "odd.Odd.a: (dorm.E026) A field of a custom type needs its dorm_field_type with to_db, from_db and "
        "to_c.\n"
        "odd.Odd.b: (dorm.E026) The field type name 'bad name!' is not letters, digits, '_' and '.'.\n"
        "odd.Odd.c: (dorm.E027) The member is 8 bytes; the field type Sized takes 4.\n"
        "odd.Odd.d: (dorm.E028) Another field type is also named 'lifecycle.MoneyField': migration files "
        "name types by it.\n"
        "odd.Odd.e: (dorm.E028) Another field type is also named 'lifecycle.MoneyField': migration files "
        "name types by it.");
    dorm_registry_free(reg);
}
