/* custom.c - the script's custom field types section: MoneyField and
 * TagListField in saves, the stored columns, filters, values(), ordering,
 * Sum(), update(), to_python and get_internal_type. */
#include <stdio.h>
#include <string.h>

#include "lifecycle.h"

static dorm_decimal decimal(const char *text) {
    dorm_decimal d = {{0}, 0, false};
    dorm_decimal_parse(text, strlen(text), &d);
    return d;
}

static const char *money_text(dorm_ctx *cx, const Money *m) {
    char buf[DORM_FMT_MAX];
    return dorm_strdup(cx, money_format(*m, buf));
}

/* "[a, b]" */
static const char *tags_text(dorm_ctx *cx, const TagList *t) {
    const char *out = "[";
    for (size_t i = 0; i < t->n; i++) out = dorm_sprintf(cx, "%s%s%s", out, i ? ", " : "", t->items[i]);
    return dorm_sprintf(cx, "%s]", out);
}

/* Purchase.objects.create(title=..., price=<any value>, tags=[...]): the
 * price goes through the field's to_python, as Django's get_prep_value. */
static void purchase(dorm_ctx *cx, const char *title, dorm_value price, TagList tags) {
    Purchase *p = dorm_new(cx, Purchase);
    check(cx, p != NULL);
    p->title = title;
    p->tags = tags;
    check(cx, dorm_field_assign(p, "price", price) == 0);
    check(cx, dorm_save(p) == 0);
}

void custom_field_section(lifecycle *run) {
    dorm_ctx *cx = run->cx;
    puts("==== Custom field types: MoneyField and TagListField ====");
    static const char *const maps_reference[] = {"maps", "reference"}, *const poetry[] = {"poetry"},
                             *const poetry_reference[] = {"poetry", "reference"};
    purchase(cx, "Atlas", DV(decimal("12.50")), (TagList){maps_reference, 2});
    purchase(cx, "Bestiary", DV("7.3"), (TagList){poetry, 1});
    purchase(cx, "Codex", DV(decimal("19.999")), (TagList){NULL, 0});
    purchase(cx, "Diary", DV(decimal("0.05")), (TagList){poetry_reference, 2});
    EACH(Purchase, p, dorm_all(cx, Purchase))
    printf("%s: price=%s tags=%s\n", p->title, money_text(cx, &p->price), tags_text(cx, &p->tags));
    dorm_cursor *c = dorm_cursor_new(cx);
    check(cx,
          c &&
              dorm_cursor_execute(c, "SELECT title, price, tags FROM lifecycle_purchase ORDER BY title", NULL, 0) == 0);
    for (const dorm_value *row; (row = dorm_cursor_fetchone(c));)
        printf("stored: %s price=%lld tags='%s'\n", row[0].u.s, (long long)row[1].u.i, row[2].u.s);
    check(cx, dorm_errcode(cx) == DORM_OK);
    dorm_cursor_close(c);

    dorm_qs *all = dorm_all(cx, Purchase);
    TagList both = {poetry_reference, 2}, none = {NULL, 0};
    printf("price >= 10: %s\n", names(dorm_filter(all, DQ("price__gte", decimal("10")))));
    printf("price = 7.30: %s\n", names(dorm_filter(all, DQ("price", "7.30"))));
    printf("price in (0.05, 20.00): %s\n",
           names(dorm_filter(all, DQ("price__in", DLIST(decimal("0.05"), decimal("20.00"))))));
    printf("tags exact [poetry, reference]: %s\n", names(dorm_filter(all, DQ("tags", dorm_v_custom(&both)))));
    printf("tags contains 'poetry': %s\n", names(dorm_filter(all, DQ("tags__contains", "poetry"))));
    printf("no tags: %s\n", names(dorm_filter(all, DQ("tags", dorm_v_custom(&none)))));
    EACH_ROW(row, dorm_values(dorm_filter(all, DQ("price__lt", decimal("15"))), "title", "price", "tags"))
    printf("values: title=%s price=%s tags=%s\n", dorm_row_get(row, "title")->u.s,
           money_text(cx, dorm_row_get(row, "price")->u.p), tags_text(cx, dorm_row_get(row, "tags")->u.p));
    fputs("values_list price: ", stdout);
    const char *sep = "";
    EACH_ROW(row, dorm_values_flat(all, "price")) {
        printf("%s%s", sep, money_text(cx, row->values[0].u.p));
        sep = ", ";
    }
    putchar('\n');
    printf("order_by -price: %s\n", names(dorm_order_by(all, "-price", "title")));
    const dorm_row *agg = dorm_aggregate(all, DAS("total", DSum("price")));
    check(cx, agg != NULL);
    printf("Sum(price): %s\n", money_text(cx, dorm_row_get(agg, "total")->u.p));
    printf("updated: %lld\n",
           (long long)dorm_update(dorm_filter(all, DQ("title", "Codex")), DSET("price", decimal("18"))));
    Purchase *codex = dorm_get(all, DQ("title", "Codex"));
    check(cx, codex != NULL);
    printf("Codex: %s\n", money_text(cx, &codex->price));
    /* Purchase(price="abc").full_clean(): a C Money cannot hold "abc", so
     * to_python refuses it when it is assigned, with full_clean's words. */
    Purchase *bad = dorm_new(cx, Purchase);
    check(cx, bad != NULL);
    bad->title = "Errata";
    if (dorm_field_assign(bad, "price", "abc") == DORM_EVALIDATION) printf("  %s\n", dorm_errmsg(cx));
    Money m;
    dorm_value text = DV("3.456");
    check(cx, MoneyField_type.to_c(&text, &m, cx) == NULL);
    printf("to_python('3.456'): %s\n", money_text(cx, &m));
    TagList t;
    text = DV("a, b,,c");
    check(cx, TagListField_type.to_c(&text, &t, cx) == NULL);
    printf("to_python('a, b,,c'): %s\n", tags_text(cx, &t));
    printf("internal type: %s %s\n", dorm_field_internal_type(&Purchase_model, "price"),
           dorm_field_internal_type(&Purchase_model, "tags"));
}
