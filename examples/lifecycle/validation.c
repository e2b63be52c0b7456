/* validation.c - the script's validation sections: full_clean with
 * validators, choices, blank, max_length and clean(), the messages and
 * codes by field; validate_unique with exclusions; and save(), which does
 * not validate. */
#include <stdio.h>
#include <string.h>

#include "lifecycle.h"

/* The script's `good` member, with the fields the caller changes after. */
static Membership *member(dorm_ctx *cx, const char *code, int card_no) {
    Membership *m = dorm_new(cx, Membership);
    check(cx, m != NULL);
    m->code = code;
    m->name = "Gail";
    m->nickname = "";
    m->level = "B";
    m->age = 30;
    m->slots = 2;
    m->city = "Oslo";
    m->card_no = card_no;
    m->starts = dorm_date_ymd(2024, 1, 1);
    return m;
}

/* The errors of a validation that must fail (the script's except clause). */
static void expect_errors(dorm_ctx *cx, int rc, const dorm_verrors *e) {
    check(cx, rc == DORM_EVALIDATION);
    print_errors(e);
}

/* A validation that must pass. */
static void expect_none(dorm_ctx *cx, int rc) { check(cx, rc == DORM_OK); }

static Membership *full_clean(dorm_ctx *cx) {
    puts("==== Validation: full_clean ====");
    Membership *first = member(cx, "AB123", 1);
    expect_none(cx, dorm_full_clean(first));
    check(cx, dorm_save(first) == 0);
    printf("valid member saved: %s\n", first->code);
    Membership *bad = member(cx, "ab1234", 1);
    bad->name = "";
    bad->nickname = "xxxxxxxxxxxxxxxxxxxxx";
    bad->level = "Z";
    bad->age = 7;
    bad->slots = 3;
    bad->starts = dorm_date_ymd(2024, 5, 1);
    bad->ends = dorm_date_ymd(2024, 4, 1);
    dorm_verrors e;
    check(cx, dorm_full_clean_ex(bad, NULL, &e) == DORM_EVALIDATION);
    const char **fields = error_fields(&e);
    fputs("ValidationError, fields: ", stdout);
    for (size_t i = 0; fields[i]; i++) printf("%s%s", i ? ", " : "", fields[i]);
    putchar('\n');
    print_errors(&e);
    fputs("codes: ", stdout);
    for (size_t i = 0; fields[i]; i++) {
        printf("%s%s=", i ? "; " : "", fields[i]);
        const char *sep = "";
        for (size_t k = 0; k < e.n; k++)
            if (strcmp(e.items[k].field, fields[i]) == 0) {
                printf("%s%s", sep, e.items[k].code ? e.items[k].code : "None");
                sep = ",";
            }
    }
    putchar('\n');
    Membership *too_old = member(cx, "CD456", 2);
    too_old->age = 121;
    too_old->slots = 4;
    expect_errors(cx, dorm_full_clean_ex(too_old, NULL, &e), &e);
    /* A C int cannot hold "abc": the field's to_python refuses it when it
     * is assigned, with full_clean's message. */
    Membership *not_int = member(cx, "EF789", 3);
    check(cx, dorm_field_assign(not_int, "age", "abc") == DORM_EVALIDATION);
    printf("  %s\n", dorm_errmsg(cx));
    return first;
}

static void unique(dorm_ctx *cx, Membership *first) {
    puts("==== Validation: unique and unique_together ====");
    Membership *dup = member(cx, "AB123", 1);
    dup->name = "Hal";
    dorm_verrors e;
    expect_errors(cx, dorm_full_clean_ex(dup, NULL, &e), &e);
    check(cx, dorm_validate_unique(dup, DORM_LIST("code"), &e) == DORM_EVALIDATION);
    puts("exclude code:");
    print_errors(&e);
    expect_none(cx, dorm_validate_unique(dup, DORM_LIST("code", "city"), &e));
    puts("exclude code and city: no errors");
    check(cx, dorm_full_clean_ex(dup, &(dorm_clean_opts){.exclude = DORM_LIST("code")}, &e) == DORM_EVALIDATION);
    puts("full_clean(exclude=[code]):");
    print_errors(&e);
    expect_none(cx, dorm_full_clean_ex(dup, &(dorm_clean_opts){.skip_unique = true}, &e));
    puts("full_clean(validate_unique=False): no errors");
    expect_none(cx, dorm_full_clean(first));
    puts("an existing row does not clash with itself: no errors");
    Membership *backwards = member(cx, "GH012", 9);
    backwards->starts = dorm_date_ymd(2024, 2, 1);
    backwards->ends = dorm_date_ymd(2024, 1, 31);
    check(cx, dorm_full_clean_ex(backwards, NULL, &e) == DORM_EVALIDATION);
    const char **fields = error_fields(&e);
    fputs("clean() only: ", stdout);
    for (size_t i = 0; fields[i]; i++) printf("%s%s", i ? ", " : "", fields[i]);
    printf(" NON_FIELD_ERRORS is '%s'\n", DORM_NON_FIELD_ERRORS);
    print_errors(&e);
}

static void save_without_clean(dorm_ctx *cx) {
    puts("==== save() does not call full_clean ====");
    Membership *lax = member(cx, "ZZ999", 7);
    lax->level = "Z";
    lax->age = 5;
    lax->slots = 3;
    check(cx, dorm_save(lax) == 0);
    check(cx, dorm_refresh(lax) == 0);
    printf("saved invalid member: code=%s level=%s age=%d slots=%d\n", lax->code, lax->level, lax->age, lax->slots);
    printf("get_level_display for an invalid choice: %s\n", dorm_get_display(lax, level));
    printf("members: %s\n", names(dorm_all(cx, Membership)));
}

void validation_sections(lifecycle *run) {
    Membership *first = full_clean(run->cx);
    unique(run->cx, first);
    save_without_clean(run->cx);
}
