/* json.c - the reports on JSONField keys (lookups, KeyTextTransform in
 * values() and as an ordering) and the dashboard queries that combine
 * everything in one statement. */
#include "report.h"

static dorm_qs *reviews(void) { return dorm_all(cx, Review); }

/* The titles of the reviews' books, in id order, or "-". */
static const char *titles(dorm_qs *qs) {
    static char out[512];
    size_t used = 0;
    out[0] = '\0';
    DORM_EACH(Review, r, dorm_order_by(qs, "id")) {
        Book *b = dorm_fk(r, book);
        check(b != NULL);
        used += (size_t)snprintf(out + used, sizeof out - used, "%s%s", used ? ", " : "", b->title);
    }
    check(dorm_errcode(cx) == DORM_OK);
    return used ? out : "-";
}

static long long count(dorm_qs *qs) {
    int64_t n = dorm_count(qs);
    check(n >= 0);
    return (long long)n;
}

static dorm_qs *where(const dorm_q *q) { return dorm_filter(reviews(), q); }

static void keys(void) {
    puts("==== JSONField key lookups ====");
    printf("source=web: %lld\n", count(where(DQ("meta__source", "\"web\""))));
    printf("helpful>=8: %s\n", titles(where(DQ("meta__helpful__gte", 8))));
    /* PostgreSQL orders a JSON null below numbers: exclude it. */
    printf("helpful<2: %s\n", titles(dorm_exclude(where(DQ("meta__helpful__lt", 2)), DQ("meta__helpful", NULL))));
    printf("lang.code=fr: %s\n", titles(where(DQ("meta__lang__code", "\"fr\""))));
    printf("first tag=classic: %s\n", titles(where(DQ("meta__tags__0", "\"classic\""))));
    printf("has_key lang: %s\n", titles(where(DQ("meta__has_key", "lang"))));
    printf("has_keys source+tags: %lld\n", count(where(DQ("meta__has_keys", DLIST("source", "tags")))));
    printf("has_any_keys lang/extra: %lld\n", count(where(DQ("meta__has_any_keys", DLIST("lang", "extra")))));
    printf("no source key: %s\n", titles(where(DQ("meta__source__isnull", true))));
    printf("no tags key: %s\n", titles(where(DQ("meta__tags__isnull", true))));
    printf("helpful is JSON null: %s\n", titles(where(DQ("meta__helpful", NULL))));
    printf("source in (paper, app): %lld\n", count(where(DQ("meta__source__in", DLIST("\"paper\"", "\"app\"")))));
    puts("==== JSONField: KeyTextTransform in values ====");
    dorm_qs *qs = dorm_order_by(
        dorm_annotate(dorm_values(dorm_annotate(reviews(), DAS("src", DKeyTextTransform("source", "meta"))), "src"),
                      DAS("n", DCount("id")), DAS("stars", DAvg("stars"))),
        DAsc("src", .nulls_last = true));
    DORM_EACH_ROW(r, qs)
    printf("%s: %s reviews, avg %.2f\n", str(col(r, "src")), str(col(r, "n")), col(r, "stars")->u.f);
    check_qs(qs);
    qs = dorm_order_by(
        dorm_values_list(dorm_annotate(where(DQ("meta__lang__isnull", false)),
                                       DAS("code", DKeyTextTransform("code", DKeyTextTransform("lang", "meta")))),
                         "book__title", "code"),
        "id");
    DORM_EACH_ROW(r, qs) printf("%s: %s\n", str(&r->values[0]), str(&r->values[1]));
    check_qs(qs);
    puts("==== JSONField: order by a key ====");
    qs = dorm_slice(
        dorm_order_by(dorm_annotate(dorm_exclude(where(DQ("meta__helpful__isnull", false)), DQ("meta__helpful", NULL)),
                                    DAS("h", DCast(DKeyTextTransform("helpful", "meta"), DORM_KIND_INT))),
                      "-h", "id"),
        0, 4);
    DORM_EACH(Review, r, qs) {
        Book *b = dorm_fk(r, book);
        Member *m = dorm_fk(r, member);
        check(b && m);
        printf("%s %s by %s\n", str(ann(r, "h")), b->title, m->name);
    }
    check_qs(qs);
}

static void dashboard(void) {
    puts("==== dashboard: top members by fees ====");
    dorm_qs *loans = dorm_all(cx, Loan);
    dorm_qs *fav_genre = dorm_slice(
        dorm_values(
            dorm_order_by(dorm_annotate(dorm_values(dorm_filter(loans, DQ("member", DOuterRef("pk"))), "book__genre"),
                                        DAS("n", DCount("id"))),
                          "-n", "book__genre"),
            "book__genre"),
        0, 1);
    dorm_qs *last_review = dorm_order_by(dorm_filter(reviews(), DQ("member", DOuterRef("pk"))), "-id");
    dorm_decimal zero = DORM_DEC(0, 2);
    uint64_t before = dorm_ctx_query_count(cx);
    dorm_qs *qs = dorm_order_by(
        dorm_annotate(dorm_all(cx, Member),
                      DAS("fees",
                          DExpressionWrapper(DCoalesce(DSum("loans__fee"), DValue(zero)), DORM_KIND_DECIMAL,
                                             .max_digits = 8, .decimal_places = 2)),
                      DAS("loans_n", DCount("loans", .distinct = true)),
                      DAS("open_n", DCount("loans", .filter = DQ("loans__returned__isnull", true), .distinct = true)),
                      DAS("fav", DCoalesce(DSubquery(fav_genre), DValue("-"))),
                      DAS("last_stars", DSubquery(dorm_slice(dorm_values(last_review, "stars"), 0, 1))),
                      DAS("reviewer", DExists(dorm_filter(reviews(), DQ("member", DOuterRef("pk"))))),
                      DAS("tier",
                          DCase(DWhen(DQ("fees__gte", 9), DValue("gold")), DWhen(DQ("fees__gt", 0), DValue("silver")),
                                DDefault(DValue("none")))),
                      DAS("rank", DWindow(DRank(), .order_by = DEXPRS(DDesc("fees"))))),
        "rank", "name");
    size_t n;
    Member **ms = (Member **)dorm_list(qs, &n);
    check_qs(qs);
    check(ms != NULL);
    uint64_t queries = dorm_ctx_query_count(cx) - before;
    for (size_t i = 0; i < n; i++)
        printf("#%s %s: fees=%s loans=%s open=%s fav=%s tier=%s last_stars=%s reviewer=%s\n", str(ann(ms[i], "rank")),
               ms[i]->name, money(ann(ms[i], "fees")), str(ann(ms[i], "loans_n")), str(ann(ms[i], "open_n")),
               str(ann(ms[i], "fav")), str(ann(ms[i], "tier")), str(ann(ms[i], "last_stars")),
               str(ann(ms[i], "reviewer")));
    printf("queries: %llu\n", (unsigned long long)queries);
    puts("==== dashboard: genres ====");
    qs = dorm_order_by(dorm_annotate(dorm_values(loans, "book__genre"), DAS("loans", DCount("id")),
                                     DAS("readers", DCount("member", .distinct = true)), DAS("fees", DSum("fee")),
                                     DAS("y2024", DCount("id", .filter = DQ("borrowed__year", 2024))),
                                     DAS("first", DMin("borrowed")), DAS("last", DMax("borrowed"))),
                       "-loans", "book__genre");
    DORM_EACH_ROW(r, qs)
    printf("%s: loans=%s readers=%s fees=%s 2024=%s first=%.10s last=%.10s\n", str(col(r, "book__genre")),
           str(col(r, "loans")), str(col(r, "readers")), money(col(r, "fees")), str(col(r, "y2024")),
           iso(col(r, "first")), iso(col(r, "last")));
    check_qs(qs);
}

void report_json(void) {
    keys();
    dashboard();
}
