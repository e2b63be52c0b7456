/* subqueries.c - the reports on Subquery/OuterRef (as annotations, in
 * filters and aggregates), Exists, window functions (Rank, DenseRank,
 * RowNumber, Lag, Lead, running sums) and union/intersection/difference. */
#include "report.h"

static dorm_qs *members(void) { return dorm_all(cx, Member); }
static dorm_qs *loans(void) { return dorm_all(cx, Loan); }

/* The first column of qs's rows, joined by ", ", after `label` (NULL:
 * none); false, printing nothing, when the backend cannot run qs (Django's
 * NotSupportedError, which the caller reports). */
static bool joined_after(const char *label, dorm_qs *qs) {
    size_t n;
    const dorm_row **rows = dorm_rows(qs, &n);
    if (!rows && dorm_errcode(cx) == DORM_ENOTSUPPORTED) return false;
    check_qs(qs);
    if (label) printf("%s ", label);
    for (size_t i = 0; i < n; i++) printf("%s%s", i ? ", " : "", str(&rows[i]->values[0]));
    putchar('\n');
    return true;
}

static void joined(dorm_qs *qs) { joined_after(NULL, qs); }

static void subqueries(void) {
    puts("==== Subquery + OuterRef (annotation) ====");
    dorm_qs *latest = dorm_order_by(dorm_filter(loans(), DQ("member", DOuterRef("pk"))), "-borrowed", "-id");
    uint64_t before = dorm_ctx_query_count(cx);
    dorm_qs *qs = dorm_order_by(
        dorm_annotate(members(), DAS("last_title", DSubquery(dorm_slice(dorm_values(latest, "book__title"), 0, 1))),
                      DAS("last_at", DSubquery(dorm_slice(dorm_values(latest, "borrowed"), 0, 1)))),
        "name");
    size_t n;
    Member **ms = (Member **)dorm_list(qs, &n);
    check_qs(qs);
    uint64_t queries = dorm_ctx_query_count(cx) - before;
    for (size_t i = 0; i < n; i++)
        printf("%s: %s at %s\n", ms[i]->name, str(ann(ms[i], "last_title")), iso(ann(ms[i], "last_at")));
    printf("queries: %llu\n", (unsigned long long)queries);
    puts("==== filter by Subquery ====");
    dorm_qs *latest_of_member =
        dorm_order_by(dorm_filter(loans(), DQ("member", DOuterRef("member"))), "-borrowed", "-id");
    qs = dorm_order_by(dorm_filter(loans(), DQ("pk", DSubquery(dorm_slice(dorm_values(latest_of_member, "pk"), 0, 1)))),
                       "member__name");
    DORM_EACH(Loan, l, qs) {
        Member *m = dorm_fk(l, member);
        Book *b = dorm_fk(l, book);
        check(m && b);
        printf("latest of %s: %s\n", m->name, b->title);
    }
    check_qs(qs);
    dorm_qs *top_fee = dorm_slice(dorm_values(dorm_order_by(loans(), "-fee", "id"), "book"), 0, 1);
    Book *b = dorm_get(dorm_all(cx, Book), DQ("pk", DSubquery(top_fee)));
    check(b != NULL);
    printf("book of the top fee: %s\n", b->title);
    printf("authors borrowed in 2025: ");
    joined(dorm_values_flat(
        dorm_order_by(
            dorm_filter(
                dorm_all(cx, Author),
                DQ("pk__in", DSubquery(dorm_values(dorm_filter(loans(), DQ("borrowed__year", 2025)), "book__author")))),
            "name"),
        "name"));
}

static void exists(void) {
    puts("==== Exists / ~Exists ====");
    dorm_qs *reviewed =
        dorm_filter(dorm_all(cx, Review), DQ("member", DOuterRef("member")), DQ("book", DOuterRef("book")));
    int64_t n = dorm_count(dorm_filter(loans(), DQE(DExists(reviewed))));
    check(n >= 0);
    printf("loans reviewed by the borrower: %lld\n", (long long)n);
    n = dorm_count(dorm_filter(loans(), dorm_not(DQE(DExists(reviewed)))));
    check(n >= 0);
    printf("loans not reviewed: %lld\n", (long long)n);
    dorm_qs *never = dorm_values_flat(
        dorm_order_by(
            dorm_filter(dorm_all(cx, Book), dorm_not(DQE(DExists(dorm_filter(loans(), DQ("book", DOuterRef("pk"))))))),
            "title"),
        "title");
    printf("never borrowed: ");
    joined(never);
    dorm_qs *qs = dorm_order_by(
        dorm_annotate(members(),
                      DAS("has_open",
                          DExists(dorm_filter(loans(), DQ("member", DOuterRef("pk")), DQ("returned__isnull", true))))),
        "name");
    DORM_EACH(Member, m, qs) printf("%s: open loan=%s\n", m->name, str(ann(m, "has_open")));
    check_qs(qs);
    puts("==== Subquery in an aggregate ====");
    dorm_qs *per_member =
        dorm_values(dorm_annotate(dorm_values(dorm_filter(loans(), DQ("member", DOuterRef("pk"))), "member"),
                                  DAS("c", DCount("id"))),
                    "c");
    const dorm_row *a = dorm_aggregate(dorm_annotate(members(), DAS("n", DCoalesce(DSubquery(per_member), DValue(0)))),
                                       DAS("total", DSum("n")), DAS("most", DMax("n")), DAS("least", DMin("n")));
    check(a != NULL);
    printf("total=%s most=%s least=%s\n", str(col(a, "total")), str(col(a, "most")), str(col(a, "least")));
    dorm_qs *stars =
        dorm_values(dorm_annotate(dorm_values(dorm_filter(dorm_all(cx, Review), DQ("book", DOuterRef("pk"))), "book"),
                                  DAS("a", DAvg("stars"))),
                    "a");
    a = dorm_aggregate(dorm_all(cx, Book), DAS("best", DMax(DSubquery(stars))));
    check(a != NULL);
    printf("best average stars: %.2f\n", col(a, "best")->u.f);
}

static void windows(void) {
    puts("==== Window: Rank / DenseRank / RowNumber ====");
    uint64_t before = dorm_ctx_query_count(cx);
    dorm_qs *qs = dorm_order_by(
        dorm_annotate(
            dorm_all(cx, Book),
            DAS("rank", DWindow(DRank(), .partition_by = DEXPRS("genre"), .order_by = DEXPRS(DDesc("pages")))),
            DAS("row", DWindow(DRowNumber(), .order_by = DEXPRS(DDesc("pages"), DAsc("title"))))),
        "genre", "rank", "title");
    size_t n;
    Book **bs = (Book **)dorm_list(qs, &n);
    check_qs(qs);
    uint64_t queries = dorm_ctx_query_count(cx) - before;
    for (size_t i = 0; i < n; i++)
        printf("%s #%s (row %s) %s %d\n", bs[i]->genre, str(ann(bs[i], "rank")), str(ann(bs[i], "row")), bs[i]->title,
               (int)bs[i]->pages);
    printf("queries: %llu\n", (unsigned long long)queries);
    qs = dorm_slice(
        dorm_values_list(
            dorm_order_by(dorm_annotate(dorm_all(cx, Review),
                                        DAS("dense", DWindow(DDenseRank(), .order_by = DEXPRS(DDesc("stars"))))),
                          "dense", "id"),
            "stars", "dense", "book__title"),
        0, 8);
    DORM_EACH_ROW(r, qs)
    printf("stars=%s dense_rank=%s %s\n", str(&r->values[0]), str(&r->values[1]), str(&r->values[2]));
    check_qs(qs);
    puts("==== Window: Lag / Lead ====");
#define BY_MEMBER .partition_by = DEXPRS("member"), .order_by = DEXPRS("borrowed", "id")
    qs = dorm_order_by(dorm_annotate(dorm_filter(loans(), DQ("member__name", "Zoë O'Brien")),
                                     DAS("prev", DWindow(DLag("book__title"), BY_MEMBER)),
                                     DAS("next_at", DWindow(DLead("borrowed"), BY_MEMBER)),
                                     DAS("prev_fee", DWindow(DLag("fee"), BY_MEMBER))),
                       "borrowed", "id");
    DORM_EACH(Loan, l, qs) {
        Book *b = dorm_fk(l, book);
        check(b != NULL);
        printf("%s: prev=%s next=%s prev_fee=%s\n", b->title, str(ann(l, "prev")), iso(ann(l, "next_at")),
               money(ann(l, "prev_fee")));
    }
    check_qs(qs);
    puts("==== Window: running Sum ====");
    qs = dorm_order_by(dorm_annotate(dorm_filter(loans(), DQ("member__name", "Percy 100%")),
                                     DAS("running", DWindow(DSum("fee"), BY_MEMBER)),
                                     DAS("nth", DWindow(DCount("id"), BY_MEMBER)),
                                     DAS("total", DWindow(DSum("fee"), .partition_by = DEXPRS("member")))),
                       "borrowed", "id");
#undef BY_MEMBER
    DORM_EACH(Loan, l, qs) {
        dorm_value fee = dorm_v_decimal(l->fee);
        printf("%s fee=%s running=%s n=%s total=%s\n", iso_t(l->borrowed), money(&fee), money(ann(l, "running")),
               str(ann(l, "nth")), money(ann(l, "total")));
    }
    check_qs(qs);
}

static void combinators(void) {
    puts("==== union ====");
    dorm_qs *paris = dorm_values_flat(dorm_filter(members(), DQ("city", "Paris")), "name");
    dorm_qs *early = dorm_values_flat(dorm_filter(members(), DQ("joined__lt", at("2023-04-01 00:00:00"))), "name");
    joined(dorm_order_by(dorm_union(paris, early), "name"));
    int64_t n = dorm_count(dorm_union(paris, early));
    check(n >= 0);
    printf("count: %lld\n", (long long)n);
    n = dorm_count(dorm_union_all(paris, early, early));
    check(n >= 0);
    printf("union all count: %lld\n", (long long)n);
    /* Book has Meta.ordering: each part needs order_by() (SQLite refuses an
     * ORDER BY inside a compound statement). */
    dorm_qs *both = dorm_order_by(
        dorm_union(dorm_values_list(dorm_clear_ordering(dorm_filter(dorm_all(cx, Book), DQ("genre", "SCI"))), "title",
                                    "pages"),
                   dorm_values_list(dorm_clear_ordering(dorm_filter(dorm_all(cx, Book), DQ("pages__gt", 400))), "title",
                                    "pages")),
        "-pages");
    size_t k;
    const dorm_row **rows = dorm_rows(both, &k);
    check_qs(both);
    for (size_t i = 0; i < k; i++)
        printf("%s%s %s", i ? " | " : "", str(&rows[i]->values[0]), str(&rows[i]->values[1]));
    putchar('\n');
    puts("==== intersection / difference ====");
    dorm_qs *borrowers = dorm_values_flat(dorm_filter(members(), DQ("loans__borrowed__year", 2025)), "name");
    dorm_qs *reviewers = dorm_values_flat(dorm_filter(members(), DQ("reviews__stars__gte", 5)), "name");
    /* The script's try / except django.db.NotSupportedError. */
    if (!joined_after("borrowed in 2025 and gave 5 stars:",
                      dorm_order_by(dorm_intersection(borrowers, reviewers), "name"))) {
        printf("NotSupportedError: %s\n", dorm_errmsg(cx));
        return;
    }
    n = dorm_count(dorm_intersection(borrowers, reviewers));
    check(n >= 0);
    printf("count: %lld\n", (long long)n);
    check(joined_after("borrowed in 2025, no 5 stars:", dorm_order_by(dorm_difference(borrowers, reviewers), "name")));
    n = dorm_count(dorm_difference(borrowers, reviewers));
    check(n >= 0);
    printf("count: %lld\n", (long long)n);
}

void report_subqueries(void) {
    subqueries();
    exists();
    windows();
    combinators();
}
