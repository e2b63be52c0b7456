/* debug.c - the script's Query debugging section: str(qs.query), explain(),
 * and the queries loops run, counted as Django's CaptureQueriesContext
 * counts them (the default connection's statement log). */
#include <stdio.h>

#include "lifecycle.h"

/* CaptureQueriesContext(connection), and connection.queries: the
 * statements logged while some capture was on. */
typedef struct capture {
    dorm_db *db;
    size_t captured;
} capture;

static size_t connection_queries;

static void captured(const char *sql, const char *params, double seconds, void *payload) {
    (void)sql, (void)params, (void)seconds;
    ((capture *)payload)->captured++;
    connection_queries++;
}

static capture *capture_start(capture *c, dorm_ctx *cx) {
    c->db = dorm_ctx_db_using(cx, "default");
    check(cx, c->db != NULL);
    c->captured = 0;
    dorm_db_set_log(c->db, captured, c);
    return c;
}

static size_t capture_stop(capture *c) {
    dorm_db_set_log(c->db, NULL, NULL);
    return c->captured;
}

/* print(qs.query) */
static void print_query(dorm_ctx *cx, dorm_qs *qs) {
    const char *sql = dorm_qs_str(qs);
    check(cx, sql != NULL);
    puts(sql);
}

void debugging_section(lifecycle *run) {
    dorm_ctx *cx = run->cx;
    puts("==== Query debugging ====");
    print_query(cx, dorm_values(dorm_filter(dorm_all(cx, Person), DQ("name", "Ann")), "name"));
    print_query(
        cx,
        dorm_values_list(dorm_order_by(dorm_filter(dorm_all(cx, Article), DQ("status", "pub")), "-title"), "title"));
    print_query(cx, dorm_filter(dorm_only(dorm_all(cx, Person), "name"), DQ("name__in", DLIST("Ann", "Bob"))));
    const char *plan = dorm_qs_explain(dorm_filter(dorm_all(cx, Person), DQ("name", "Ann")), NULL);
    printf("explain() gives text: %s\n", py_bool(plan && *plan));
    printf("articles: %lld\n", (long long)dorm_count(dorm_all(cx, Article)));
    capture c;

    capture_start(&c, cx);
    EACH(Article, a, dorm_order_by(dorm_all(cx, Article), "title")) check(cx, dorm_fk(a, author) != NULL);
    printf("N+1 loop: %zu queries\n", capture_stop(&c));
    capture_start(&c, cx);
    EACH(Article, a, dorm_order_by(dorm_select_related(dorm_all(cx, Article), "author"), "title"))
    check(cx, dorm_fk(a, author) != NULL);
    printf("select_related: %zu query\n", capture_stop(&c));
    capture_start(&c, cx);
    EACH(Article, a, dorm_order_by(dorm_prefetch_related(dorm_all(cx, Article), "author"), "title"))
    check(cx, dorm_fk(a, author) != NULL);
    printf("prefetch_related (foreign key): %zu queries\n", capture_stop(&c));
    capture_start(&c, cx);
    EACH(Article, a, dorm_order_by(dorm_all(cx, Article), "title"))
    check(cx, dorm_list(dorm_related(a, "labels"), NULL));
    printf("many-to-many N+1: %zu queries\n", capture_stop(&c));
    capture_start(&c, cx);
    const char *rows = "";
    EACH(Article, a, dorm_order_by(dorm_prefetch_related(dorm_all(cx, Article), "labels"), "title")) {
        const char *slugs = "";
        EACH(Label, l, dorm_related(a, "labels")) slugs = dorm_sprintf(cx, "%s%s%s", slugs, *slugs ? "," : "", l->slug);
        rows = dorm_sprintf(cx, "%s%s%s[%s]", rows, *rows ? " " : "", a->title, slugs);
    }
    printf("prefetch_related (many-to-many): %zu queries\n", capture_stop(&c));
    puts(rows);
    capture_start(&c, cx);
    EACH(Person, p,
         dorm_order_by(dorm_filter(dorm_annotate(dorm_all(cx, Person), DAS("n", DCount("articles"))), DQ("n__gt", 0)),
                       "name"))
    printf("%s: %lld articles\n", p->name, (long long)dorm_annotation(p, "n")->u.i);
    printf("annotate: %zu query\n", capture_stop(&c));
    capture_start(&c, cx);
    dorm_qs *qs = dorm_filter(dorm_all(cx, Article), DQ("status", "pub"));
    printf("lazy: no query yet: %zu\n", c.captured);
    check(cx, dorm_len(qs) >= 0 && dorm_len(qs) >= 0);
    printf("evaluated twice, cached: %zu query\n", capture_stop(&c));
    printf("connection.queries keeps what the contexts captured (DEBUG=False): %zu\n", connection_queries);
}
