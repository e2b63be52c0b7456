/* functions.c - the reports on database functions (Coalesce, Concat,
 * NullIf, Lower/Upper/Length/Substr, Replace/StrIndex, Greatest/Least,
 * Abs/Round/Mod), LIKE with wildcards in the value, Cast,
 * ExpressionWrapper and F() across relations. */
#include <string.h>

#include "report.h"

static dorm_qs *members(void) { return dorm_all(cx, Member); }
static dorm_qs *books(void) { return dorm_all(cx, Book); }
static dorm_qs *loans(void) { return dorm_all(cx, Loan); }

/* Python's int() of a number value. */
static long long whole(const dorm_value *v) { return v->type == DORM_T_FLOAT ? (long long)v->u.f : (long long)v->u.i; }

static void strings(void) {
    puts("==== functions: Coalesce / Concat / NullIf ====");
    dorm_qs *qs = dorm_order_by(dorm_annotate(members(), DAS("where", DCoalesce("city", DValue("(no city)"))),
                                              DAS("label", DConcat("name", DValue(" <"), "email", DValue(">"))),
                                              DAS("blank", DNullIf("city", DValue("Paris")))),
                                "id");
    DORM_EACH(Member, m, qs) printf("%s | %s | %s\n", str(ann(m, "label")), str(ann(m, "where")), str(ann(m, "blank")));
    check_qs(qs);
    qs = dorm_order_by(
        dorm_annotate(dorm_all(cx, Author), DAS("born", DCoalesce(DExtractYear("birth_date"), DValue(0)))), "id");
    DORM_EACH(Author, a, qs) printf("%s: %s\n", a->name, str(ann(a, "born")));
    check_qs(qs);
    puts("==== functions: Lower / Upper / Length / Substr ====");
    qs = dorm_order_by(
        dorm_annotate(
            dorm_filter(members(), DQ("name__in", DLIST("Ada Lovelace", "bob_smith", "Percy 100%", "Noor Haddad"))),
            DAS("lo", DLower("name")), DAS("up", DUpper("name")), DAS("n", DLength("name")),
            DAS("ini", DSubstr("name", 1, 3))),
        "id");
    DORM_EACH(Member, m, qs)
    printf("%s | %s | %s | %s\n", str(ann(m, "lo")), str(ann(m, "up")), str(ann(m, "n")), str(ann(m, "ini")));
    check_qs(qs);
    qs = dorm_order_by(dorm_annotate(members(), DAS("n", DLength("name"))), "-n", "id");
    DORM_EACH(Member, m, qs) printf("%s %s\n", str(ann(m, "n")), m->name);
    check_qs(qs);
    puts("==== functions: Replace / StrIndex ====");
    qs = dorm_order_by(
        dorm_annotate(members(), DAS("host", DReplace("email", DValue("@example.com"), DValue("@lib.test"))),
                      DAS("at", DStrIndex("email", DValue("@"))), DAS("o", DStrIndex("name", DValue("o")))),
        "id");
    DORM_EACH(Member, m, qs) printf("%s at=%s o=%s\n", str(ann(m, "host")), str(ann(m, "at")), str(ann(m, "o")));
    check_qs(qs);
}

static void numbers(void) {
    puts("==== functions: Greatest / Least ====");
    dorm_qs *qs = dorm_order_by(
        dorm_annotate(books(), DAS("most", DGreatest("pages", DValue(300))), DAS("least", DLeast("pages", DValue(300))),
                      DAS("hi", DGreatest(DCount("loans", .distinct = true), DCount("reviews", .distinct = true)))),
        "title");
    DORM_EACH(Book, b, qs)
    printf("%s: greatest=%s least=%s max(loans,reviews)=%s\n", b->title, str(ann(b, "most")), str(ann(b, "least")),
           str(ann(b, "hi")));
    check_qs(qs);
    puts("==== functions: Abs / Round / Mod ====");
    qs = dorm_order_by(
        dorm_annotate(books(), DAS("diff", DAbs(dorm_sub(DCast("pages", DORM_KIND_INT), 300))),
                      DAS("mod", DMod("pages", 7)),
                      DAS("hundreds", DRound(DExpressionWrapper(dorm_div(dorm_F("pages"), 100.0), DORM_KIND_FLOAT)))),
        "title");
    DORM_EACH(Book, b, qs)
    printf("%s: |pages-300|=%s pages%%7=%lld round(pages/100)=%lld\n", b->title, str(ann(b, "diff")),
           whole(ann(b, "mod")), whole(ann(b, "hundreds")));
    check_qs(qs);
}

/* Python's repr() of a str: single quotes unless it holds one. */
static const char *py_repr(const char *s) {
    static char out[64];
    char q = strchr(s, '\'') && !strchr(s, '"') ? '"' : '\'';
    snprintf(out, sizeof out, "%c%s%c", q, s, q);
    return out;
}

static void like(void) {
    puts("==== LIKE with %, _ and ' in the value ====");
    static const char *const lookups[][2] = {{"name__contains", "%"},  {"name__contains", "_"},
                                             {"name__contains", "'"},  {"name__startswith", "Perc"},
                                             {"name__endswith", "ux"}, {"email__contains", "_s"}};
    for (size_t i = 0; i < sizeof lookups / sizeof lookups[0]; i++) {
        dorm_qs *qs =
            dorm_values_flat(dorm_order_by(dorm_filter(members(), DQ(lookups[i][0], lookups[i][1])), "name"), "name");
        printf("%s=%s: ", lookups[i][0], py_repr(lookups[i][1]));
        size_t n;
        const dorm_row **rows = dorm_rows(qs, &n);
        check_qs(qs);
        for (size_t k = 0; k < n; k++) printf("%s%s", k ? ", " : "", str(&rows[k]->values[0]));
        puts(n ? "" : "-");
    }
}

static void casts(void) {
    puts("==== Cast ====");
    dorm_qs *qs = dorm_order_by(
        dorm_annotate(dorm_values(dorm_all(cx, Review), "book__title"),
                      DAS("avg", DCast(DAvg("stars"), DORM_KIND_DECIMAL, .max_digits = 4, .decimal_places = 2)),
                      DAS("floor", DCast(DMin("stars"), DORM_KIND_CHAR)),
                      DAS("n", DCast(DCount("id"), DORM_KIND_CHAR))),
        "book__title");
    DORM_EACH_ROW(r, qs)
    printf("%s: avg=%s min=%s n=%s\n", str(col(r, "book__title")), money(col(r, "avg")), repr(col(r, "floor")),
           repr(col(r, "n")));
    check_qs(qs);
    qs = dorm_slice(
        dorm_order_by(dorm_annotate(dorm_annotate(books(), DAS("p", DCast("pages", DORM_KIND_CHAR)),
                                                  DAS("y", DCast(DExtractYear("publication_date"), DORM_KIND_CHAR))),
                                    DAS("code", DConcat("genre", DValue("-"), "y", DValue("-"), "p"))),
                      "title"),
        0, 4);
    DORM_EACH(Book, b, qs) puts(str(ann(b, "code")));
    check_qs(qs);
    /* Cast of a decimal to an integer truncates on SQLite, rounds elsewhere:
     * only fees below 50 cents. */
    static const char *const fees[] = {"1.10", "1.25", "2.15", "2.40", "3.30", "4.25"};
    dorm_value cents[6];
    for (int i = 0; i < 6; i++) {
        dorm_decimal d;
        check(dorm_decimal_parse(fees[i], 4, &d) == 0);
        cents[i] = dorm_v_decimal(d);
    }
    qs = dorm_order_by(dorm_annotate(dorm_filter(loans(), DQ("fee__in", dorm_v_list(cents, 6))),
                                     DAS("whole", DCast("fee", DORM_KIND_INT))),
                       "borrowed", "id");
    DORM_EACH(Loan, l, qs) {
        dorm_value fee = dorm_v_decimal(l->fee);
        printf("%s -> %s\n", money(&fee), str(ann(l, "whole")));
    }
    check_qs(qs);
}

static void wrappers(void) {
    puts("==== ExpressionWrapper (mixed arithmetic) ====");
    dorm_qs *qs = dorm_order_by(
        dorm_annotate(dorm_filter(loans(), DQ("fee__gt", 0)),
                      DAS("per_page",
                          DExpressionWrapper(dorm_div(dorm_mul(dorm_F("fee"), 1000), dorm_F("book__pages")),
                                             DORM_KIND_DECIMAL, .max_digits = 10, .decimal_places = 4)),
                      DAS("cost",
                          DExpressionWrapper(dorm_mul(dorm_F("fee"), dorm_F("book__pages")), DORM_KIND_DECIMAL,
                                             .max_digits = 12, .decimal_places = 2))),
        "borrowed", "id");
    DORM_EACH(Loan, l, qs) {
        Book *b = dorm_fk(l, book);
        check(b != NULL);
        printf("%s: fee*pages=%s per 1000 pages=%s\n", b->title, money(ann(l, "cost")), money(ann(l, "per_page")));
    }
    check_qs(qs);
    puts("==== F() across relations ====");
    qs = dorm_order_by(
        dorm_filter(dorm_annotate(loans(), DAS("title", dorm_F("book__title")),
                                  DAS("author", dorm_F("book__author__name")), DAS("who", dorm_F("member__name")),
                                  DAS("city", dorm_F("member__city"))),
                    DQ("member__city", "Paris")),
        "borrowed", "id");
    DORM_EACH(Loan, l, qs)
    printf("%s %s (%s) %s by %s\n", iso_t(l->borrowed), str(ann(l, "who")), str(ann(l, "city")), str(ann(l, "title")),
           str(ann(l, "author")));
    check_qs(qs);
    int64_t n =
        dorm_count(dorm_filter(loans(), DQ("book__pages__gt", 300), DQ("borrowed__gt", dorm_F("member__joined"))));
    check(n >= 0);
    printf("pages > 300 and borrowed after joining: %lld\n", (long long)n);
}

void report_functions(void) {
    strings();
    numbers();
    like();
    casts();
    wrappers();
}
