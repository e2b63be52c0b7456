/* dates.c - the reports on dates: Trunc and Extract functions in UTC and
 * under timezone.override(Europe/Paris), the context's current zone; the
 * __year/__month lookups in each, and durations (a datetime minus a
 * datetime, a datetime plus a timedelta). */
#include "report.h"

static dorm_qs *loans(void) { return dorm_all(cx, Loan); }

static void by_period(const dorm_expr *period, bool show_local) {
    dorm_qs *qs = dorm_order_by(
        dorm_annotate(dorm_values(dorm_annotate(loans(), DAS("y", period)), "y"), DAS("n", DCount("id"))), "y");
    DORM_EACH_ROW(r, qs) printf("%s: %s\n", show_local ? local(col(r, "y")) : iso(col(r, "y")), str(col(r, "n")));
    check_qs(qs);
}

static void utc(void) {
    puts("==== TruncYear / TruncMonth / TruncDate (UTC) ====");
    by_period(DTruncYear("borrowed"), false);
    dorm_qs *qs =
        dorm_order_by(dorm_annotate(dorm_values(dorm_annotate(dorm_filter(loans(), DQ("borrowed__year", 2024)),
                                                              DAS("m", DTruncMonth("borrowed"))),
                                                "m"),
                                    DAS("n", DCount("id")), DAS("fees", DSum("fee"))),
                      "m");
    DORM_EACH_ROW(r, qs) printf("%s: %s %s\n", iso(col(r, "m")), str(col(r, "n")), money(col(r, "fees")));
    check_qs(qs);
    qs = dorm_order_by(dorm_filter(dorm_annotate(loans(), DAS("d", DTruncDate("borrowed"))),
                                   DQ("borrowed__gte", at("2024-12-30 00:00:00")),
                                   DQ("borrowed__lt", at("2025-01-02 00:00:00"))),
                       "borrowed", "id");
    DORM_EACH(Loan, l, qs) printf("%s -> %s\n", iso_t(l->borrowed), str(ann(l, "d")));
    check_qs(qs);
    puts("==== ExtractYear / ExtractWeekDay / ExtractIsoYear ====");
    qs = dorm_order_by(
        dorm_filter(dorm_annotate(loans(), DAS("y", DExtractYear("borrowed")), DAS("wd", DExtractWeekDay("borrowed")),
                                  DAS("iy", DExtractIsoYear("borrowed"))),
                    dorm_or(DQ("borrowed__month", 1), DQ("borrowed__month", 12))),
        "borrowed", "id");
    DORM_EACH(Loan, l, qs)
    printf("%s year=%s weekday=%s isoyear=%s\n", iso_t(l->borrowed), str(ann(l, "y")), str(ann(l, "wd")),
           str(ann(l, "iy")));
    check_qs(qs);
    qs = dorm_order_by(dorm_annotate(dorm_values(dorm_annotate(loans(), DAS("wd", DExtractWeekDay("borrowed"))), "wd"),
                                     DAS("n", DCount("id"))),
                       "wd");
    DORM_EACH_ROW(r, qs) printf("weekday %s: %s\n", str(col(r, "wd")), str(col(r, "n")));
    check_qs(qs);
}

static void count_of(const char *label, const char *path, int value) {
    int64_t n = dorm_count(dorm_filter(loans(), DQ(path, value)));
    check(n >= 0);
    printf("%s: %lld\n", label, (long long)n);
}

static void paris(void) {
    puts("==== timezone.override('Europe/Paris') ====");
    check(dorm_timezone_activate(cx, "Europe/Paris") == 0);
    by_period(DTruncYear("borrowed"), true);
    dorm_qs *qs =
        dorm_order_by(dorm_annotate(dorm_values(dorm_annotate(loans(), DAS("y", DExtractYear("borrowed"))), "y"),
                                    DAS("n", DCount("id"))),
                      "y");
    DORM_EACH_ROW(r, qs) printf("year %s: %s\n", str(col(r, "y")), str(col(r, "n")));
    check_qs(qs);
    qs = dorm_order_by(
        dorm_filter(dorm_annotate(loans(), DAS("m", DTruncMonth("borrowed")), DAS("d", DTruncDate("borrowed"))),
                    dorm_or(DQ("borrowed__month", 1), DQ("borrowed__month", 12), DQ("borrowed__month", 3),
                            DQ("borrowed__month", 10), DQ("borrowed__month", 9))),
        "borrowed", "id");
    DORM_EACH(Loan, l, qs) printf("%s -> %s month=%s\n", iso_t(l->borrowed), str(ann(l, "d")), local(ann(l, "m")));
    check_qs(qs);
    count_of("borrowed__year=2023 in Paris", "borrowed__year", 2023);
    count_of("borrowed__month=1 in Paris", "borrowed__month", 1);
    dorm_timezone_deactivate(cx);
    count_of("borrowed__year=2023 in UTC", "borrowed__year", 2023);
    count_of("borrowed__month=1 in UTC", "borrowed__month", 1);
}

#define KEPT DExpressionWrapper(dorm_sub(dorm_F("returned"), dorm_F("borrowed")), DORM_KIND_DURATION)

static void durations(void) {
    puts("==== date arithmetic (DurationField) ====");
    dorm_qs *qs =
        dorm_slice(dorm_order_by(dorm_filter(dorm_annotate(loans(), DAS("kept", KEPT)), DQ("returned__isnull", false)),
                                 "-kept", "id"),
                   0, 5);
    DORM_EACH(Loan, l, qs) {
        Member *m = dorm_fk(l, member);
        Book *b = dorm_fk(l, book);
        check(m && b);
        printf("%s kept %s: %s\n", m->name, b->title, dur(ann(l, "kept")));
    }
    check_qs(qs);
    int64_t n =
        dorm_count(dorm_filter(dorm_annotate(loans(), DAS("kept", KEPT)), DQ("kept__gt", dorm_timedelta(30, 0, 0))));
    check(n >= 0);
    printf("kept over 30 days: %lld\n", (long long)n);
    const dorm_row *a = dorm_aggregate(dorm_annotate(loans(), DAS("kept", KEPT)), DAS("longest", DMax("kept")),
                                       DAS("shortest", DMin("kept")));
    check(a != NULL);
    printf("longest=%s shortest=%s\n", dur(col(a, "longest")), dur(col(a, "shortest")));
    qs = dorm_order_by(dorm_filter(loans(), DQ("returned__lt", dorm_add(dorm_F("borrowed"), dorm_timedelta(7, 0, 0)))),
                       "borrowed", "id");
    DORM_EACH(Loan, l, qs) {
        Member *m = dorm_fk(l, member);
        Book *b = dorm_fk(l, book);
        check(m && b);
        printf("back within a week: %s %s\n", m->name, b->title);
    }
    check_qs(qs);
}

void report_dates(void) {
    utc();
    paris();
    durations();
}
