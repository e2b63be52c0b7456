/* aggregation.c - the reports on annotate/HAVING, values().annotate()
 * GROUP BY, aggregate(), conditional and distinct counts, and Case/When in
 * annotate, order_by and update(). */
#include <string.h>

#include "report.h"

static dorm_qs *members(void) { return dorm_all(cx, Member); }
static dorm_qs *books(void) { return dorm_all(cx, Book); }
static dorm_qs *loans(void) { return dorm_all(cx, Loan); }

static const dorm_row *aggregate_or_die(const dorm_row *r) {
    check(r != NULL);
    return r;
}

static void having(void) {
    puts("==== annotate + filter on the annotation (HAVING) ====");
    dorm_qs *qs =
        dorm_order_by(dorm_filter(dorm_annotate(members(), DAS("n", DCount("loans"))), DQ("n__gte", 5)), "-n", "name");
    DORM_EACH(Member, m, qs) printf("%s: %s loans\n", m->name, str(ann(m, "n")));
    check_qs(qs);
    puts("==== annotate + order_by the annotation ====");
    qs = dorm_order_by(dorm_annotate(members(), DAS("fees", DSum("loans__fee"))), DDesc("fees", .nulls_last = true),
                       "name");
    DORM_EACH(Member, m, qs) printf("%s: %s\n", m->name, money(ann(m, "fees")));
    check_qs(qs);
    qs = dorm_order_by(
        dorm_filter(dorm_annotate(books(), DAS("avg_stars", DAvg("reviews__stars")), DAS("n", DCount("reviews"))),
                    DQ("n__gte", 2)),
        "-avg_stars", "title");
    DORM_EACH(Book, b, qs) printf("%s: %s reviews, avg %.2f\n", b->title, str(ann(b, "n")), ann(b, "avg_stars")->u.f);
    check_qs(qs);
}

static void grouping(void) {
    puts("==== values().annotate(): GROUP BY genre ====");
    uint64_t before = dorm_ctx_query_count(cx);
    dorm_qs *qs = dorm_order_by(
        dorm_annotate(dorm_values(books(), "genre"), DAS("books", DCount("id")), DAS("pages", DSum("pages"))), "genre");
    size_t n;
    const dorm_row **rows = dorm_rows(qs, &n);
    check_qs(qs);
    uint64_t queries = dorm_ctx_query_count(cx) - before;
    for (size_t i = 0; i < n; i++)
        printf("%s: books=%s pages=%s\n", str(col(rows[i], "genre")), str(col(rows[i], "books")),
               str(col(rows[i], "pages")));
    printf("queries: %llu\n", (unsigned long long)queries);
    puts("==== values().annotate(): GROUP BY author, through loans ====");
    qs = dorm_order_by(dorm_annotate(dorm_values(loans(), "book__author__name"), DAS("loans", DCount("id")),
                                     DAS("readers", DCount("member", .distinct = true))),
                       "-loans", "book__author__name");
    DORM_EACH_ROW(r, qs)
    printf("%s: loans=%s readers=%s\n", str(col(r, "book__author__name")), str(col(r, "loans")),
           str(col(r, "readers")));
    check_qs(qs);
    puts("==== values().annotate(): GROUP BY two columns ====");
    qs = dorm_order_by(
        dorm_filter(dorm_annotate(dorm_values(loans(), "member__name", "book__genre"), DAS("n", DCount("id"))),
                    DQ("n__gte", 2)),
        "member__name", "book__genre");
    DORM_EACH_ROW(r, qs)
    printf("%s %s: %s\n", str(col(r, "member__name")), str(col(r, "book__genre")), str(col(r, "n")));
    check_qs(qs);
}

static void aggregates(void) {
    puts("==== aggregate() over a filtered QuerySet ====");
    const dorm_row *a = aggregate_or_die(dorm_aggregate(
        dorm_filter(loans(), DQ("borrowed__year", 2024)), DAS("n", DCount("id")), DAS("fees", DSum("fee")),
        DAS("top", DMax("fee")), DAS("low", DMin("fee")), DAS("avg", DAvg("fee"))));
    printf("2024: n=%s fees=%s top=%s low=%s avg=%s\n", str(col(a, "n")), money(col(a, "fees")), money(col(a, "top")),
           money(col(a, "low")), money(col(a, "avg")));
    a = aggregate_or_die(dorm_aggregate(dorm_annotate(members(), DAS("n", DCount("loans"))), DAS("most", DMax("n")),
                                        DAS("least", DMin("n")), DAS("total", DSum("n"))));
    printf("loans per member: most=%s least=%s total=%s\n", str(col(a, "most")), str(col(a, "least")),
           str(col(a, "total")));
    a = aggregate_or_die(dorm_aggregate(dorm_filter(loans(), DQ("member__city", "Nowhere")), DAS("fees", DSum("fee")),
                                        DAS("n", DCount("id"))));
    printf("empty: fees=%s n=%s\n", str(col(a, "fees")), str(col(a, "n")));
    puts("==== conditional aggregation (filter=) ====");
    uint64_t before = dorm_ctx_query_count(cx);
    dorm_qs *qs = dorm_order_by(
        dorm_annotate(members(), DAS("out", DCount("loans", .filter = DQ("loans__returned__isnull", true))),
                      DAS("paid", DCount("loans", .filter = DQ("loans__fee__gt", 0))),
                      DAS("y2023", DCount("loans", .filter = DQ("loans__borrowed__year", 2023)))),
        "name");
    size_t n;
    Member **ms = (Member **)dorm_list(qs, &n);
    check_qs(qs);
    uint64_t queries = dorm_ctx_query_count(cx) - before;
    for (size_t i = 0; i < n; i++)
        printf("%s: out=%s paid=%s 2023=%s\n", ms[i]->name, str(ann(ms[i], "out")), str(ann(ms[i], "paid")),
               str(ann(ms[i], "y2023")));
    printf("queries: %llu\n", (unsigned long long)queries);
    a = aggregate_or_die(dorm_aggregate(loans(), DAS("open", DCount("id", .filter = DQ("returned__isnull", true))),
                                        DAS("late_fees", DSum("fee", .filter = DQ("fee__gte", 2)))));
    printf("open=%s late_fees=%s\n", str(col(a, "open")), money(col(a, "late_fees")));
    puts("==== distinct counts ====");
    a = aggregate_or_die(dorm_aggregate(
        loans(), DAS("loans", DCount("id")), DAS("books", DCount("book", .distinct = true)),
        DAS("members", DCount("member", .distinct = true)), DAS("genres", DCount("book__genre", .distinct = true))));
    printf("loans=%s books=%s members=%s genres=%s\n", str(col(a, "loans")), str(col(a, "books")),
           str(col(a, "members")), str(col(a, "genres")));
    qs = dorm_order_by(dorm_annotate(members(), DAS("n_loans", DCount("loans")), DAS("n_reviews", DCount("reviews"))),
                       "name");
    DORM_EACH(Member, m, qs)
    printf("%s: joined loans=%s reviews=%s\n", m->name, str(ann(m, "n_loans")), str(ann(m, "n_reviews")));
    check_qs(qs);
    qs = dorm_order_by(dorm_annotate(members(), DAS("n_loans", DCount("loans", .distinct = true)),
                                     DAS("n_reviews", DCount("reviews", .distinct = true))),
                       "name");
    DORM_EACH(Member, m, qs)
    printf("%s: distinct loans=%s reviews=%s\n", m->name, str(ann(m, "n_loans")), str(ann(m, "n_reviews")));
    check_qs(qs);
}

#define SIZE                                                                                            \
    DCase(DWhen(DQ("pages__gte", 400), DValue("long")), DWhen(DQ("pages__gte", 250), DValue("medium")), \
          DDefault(DValue("short")))

static void conditional(void) {
    puts("==== Case / When in annotate ====");
    dorm_qs *qs = dorm_order_by(dorm_annotate(books(), DAS("size", SIZE)), "title");
    DORM_EACH(Book, b, qs) printf("%s: %s\n", b->title, str(ann(b, "size")));
    check_qs(qs);
    qs = dorm_order_by(
        dorm_annotate(dorm_values(dorm_annotate(books(), DAS("size", SIZE)), "size"), DAS("n", DCount("id"))), "size");
    DORM_EACH_ROW(r, qs) printf("%s=%s\n", str(col(r, "size")), str(col(r, "n")));
    check_qs(qs);
    puts("==== Case / When in order_by ====");
    qs = dorm_slice(dorm_order_by(books(),
                                  DCase(DWhen(DQ("genre", "SCI"), DValue(0)), DWhen(DQ("genre", "NON"), DValue(1)),
                                        DDefault(DValue(2))),
                                  "title"),
                    0, 6);
    DORM_EACH(Book, b, qs) printf("%s %s\n", b->genre, b->title);
    check_qs(qs);
    puts("==== Case / When in update() ====");
    dorm_decimal d999, d500, d100, d0;
    check(dorm_decimal_parse("9.99", 4, &d999) == 0 && dorm_decimal_parse("5.00", 4, &d500) == 0 &&
          dorm_decimal_parse("1.00", 4, &d100) == 0 && dorm_decimal_parse("0.00", 4, &d0) == 0);
    int64_t n =
        dorm_update(loans(),
                    DSET("fee",
                         DCase(DWhen(DQ("returned__isnull", true), DValue(d999)),
                               DWhen(DQ("fee__gte", d500), dorm_sub(dorm_F("fee"), d100)), DDefault(dorm_F("fee")))));
    check(n >= 0);
    printf("updated: %lld\n", (long long)n);
    qs =
        dorm_order_by(dorm_filter(loans(), dorm_or(DQ("returned__isnull", true), DQ("fee__gte", 4))), "borrowed", "id");
    DORM_EACH(Loan, l, qs) {
        Member *m = dorm_fk(l, member);
        check(m != NULL);
        dorm_value fee = dorm_v_decimal(l->fee);
        printf("%s %s: %s\n", iso_t(l->borrowed), m->name, money(&fee));
    }
    check_qs(qs);
    n = dorm_update(dorm_filter(loans(), DQ("returned__isnull", true)), DSET("fee", d0));
    check(n >= 0);
    printf("reset: %lld\n", (long long)n);
    printf("fees: %s\n", money(col(aggregate_or_die(dorm_aggregate(loans(), DAS("s", DSum("fee")))), "s")));
}

void report_aggregation(void) {
    having();
    grouping();
    aggregates();
    conditional();
}
