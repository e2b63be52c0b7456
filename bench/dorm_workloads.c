/* dorm_workloads.c - the benchmark workloads through dorm's public API only,
 * shared by the SQLite and PostgreSQL programs (dorm_sqlite.c, dorm_pg.c),
 * which add what differs: opening fresh tables and reading checksums. */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <string.h>

#include "dorm_workloads.h"

static const dorm_field Author_fields[] = {
    DORM_AUTO(Author, id),
    DORM_CHAR(Author, name, .max_length = 100),
    DORM_DATE(Author, birth_date, .null = true, .blank = true),
    DORM_TEXT(Author, biography, .blank = true),
    DORM_END,
};
const dorm_model Author_model = DORM_MODEL(Author, "library", Author_fields, .ordering = DORM_LIST("name"));

static const dorm_field Tag_fields[] = {
    DORM_AUTO(Tag, id),
    DORM_CHAR(Tag, name, .max_length = 50, .unique = true),
    DORM_END,
};
const dorm_model Tag_model = DORM_MODEL(Tag, "library", Tag_fields);

static const dorm_field Book_fields[] = {
    DORM_AUTO(Book, id),
    DORM_CHAR(Book, title, .max_length = 200),
    DORM_FOREIGN_KEY(Book, author, Author, .on_delete = DORM_CASCADE, .related_name = "books"),
    DORM_DATE(Book, publication_date),
    DORM_CHAR(Book, isbn, .max_length = 13, .unique = true),
    DORM_CHAR(Book, genre, .max_length = 3, .default_value = DORM_VTEXT("FIC"),
              .choices = DORM_CHOICES({DORM_VTEXT("FIC"), "Fiction"}, {DORM_VTEXT("NON"), "Non-Fiction"},
                                      {DORM_VTEXT("SCI"), "Science"}, {DORM_VTEXT("HIS"), "History"})),
    DORM_POSINT(Book, pages, .default_value = DORM_VINT(0)),
    DORM_MANY_TO_MANY(Book, tags, Tag, .related_name = "books"),
    DORM_END,
};
const dorm_model Book_model =
    DORM_MODEL(Book, "library", Book_fields, .ordering = DORM_LIST("-publication_date"),
               .indexes = DORM_INDEXES({DORM_LIST("title"), NULL}, {DORM_LIST("isbn"), NULL}));

const dorm_app bench_library_app = {.label = "library", .models = DORM_MODELS(&Author_model, &Tag_model, &Book_model)};

static dorm_date to_dorm(bench_date d) { return dorm_date_ymd(d.year, d.month, d.day); }

static bench_date from_dorm(dorm_date d) {
    bench_date r = {d.year, d.month, d.day};
    return r;
}

int bench_dorm_fail(dorm_ctx *cx, const char *what) {
    fprintf(stderr, "dorm: %s: %s: %s\n", what, dorm_error_name(dorm_errcode(cx)), dorm_errmsg(cx));
    return -1;
}

static void hash_book(bench_hash *h, const Book *b) {
    bench_hash_book(h, b->id, b->title, b->author.id, from_dorm(b->publication_date), b->isbn, b->genre, b->pages);
}

/* create(): Model.objects.create() per object, in one atomic block. */
int bench_dorm_create(dorm_db *db, double *secs) {
    dorm_ctx *cx = dorm_ctx_new(db);
    if (!cx) {
        fprintf(stderr, "dorm: out of memory\n");
        return -1;
    }
    int64_t ids = 0;
    int rc = -1;
    double t0 = bench_now();
    if (dorm_atomic_begin(cx) < 0) goto out;
    for (int i = 1; i <= BENCH_AUTHORS; i++) {
        bench_author_row r;
        bench_author_make(i, &r);
        Author *a =
            dorm_create(cx, Author, .name = r.name, .birth_date = to_dorm(r.birth_date), .biography = r.biography);
        if (!a) goto out;
        ids += a->id;
    }
    for (int j = 1; j <= BENCH_BOOKS; j++) {
        bench_book_row r;
        bench_book_make(j, &r);
        Book *b = dorm_create(cx, Book, .title = r.title, .author = {.id = r.author_id},
                              .publication_date = to_dorm(r.publication_date), .isbn = r.isbn, .genre = r.genre,
                              .pages = r.pages);
        if (!b) goto out;
        ids += b->id;
    }
    if (dorm_atomic_commit(cx) < 0) goto out;
    *secs = bench_now() - t0;
    if (ids == (int64_t)(BENCH_AUTHORS + 1) * BENCH_AUTHORS / 2 + (int64_t)(BENCH_BOOKS + 1) * BENCH_BOOKS / 2)
        rc = 0;
    else
        fprintf(stderr, "dorm: create: ids were not 1..n\n");
out:
    if (dorm_errcode(cx) != DORM_OK) bench_dorm_fail(cx, "create");
    if (dorm_in_atomic(cx)) dorm_atomic_rollback(cx);
    dorm_ctx_free(cx);
    return rc;
}

/* bulk_create(): the objects built with dorm_new (Django's Model(...)), then
 * one dorm_bulk_create per model with the backend's batch size. */
int bench_dorm_bulk_create(dorm_db *db, double *secs) {
    dorm_ctx *cx = dorm_ctx_new(db);
    if (!cx) {
        fprintf(stderr, "dorm: out of memory\n");
        return -1;
    }
    int rc = -1;
    double t0 = bench_now();
    Author **authors = dorm_alloc(cx, sizeof *authors * BENCH_AUTHORS);
    Book **books = dorm_alloc(cx, sizeof *books * BENCH_BOOKS);
    if (!authors || !books) goto out;
    for (int i = 1; i <= BENCH_AUTHORS; i++) {
        bench_author_row r;
        bench_author_make(i, &r);
        Author *a = authors[i - 1] = dorm_new(cx, Author);
        if (!a || !(a->name = dorm_strdup(cx, r.name)) || !(a->biography = dorm_strdup(cx, r.biography))) goto out;
        a->birth_date = to_dorm(r.birth_date);
    }
    if (dorm_bulk_create(cx, Author, authors, BENCH_AUTHORS, 0) < 0) goto out;
    for (int j = 1; j <= BENCH_BOOKS; j++) {
        bench_book_row r;
        bench_book_make(j, &r);
        Book *b = books[j - 1] = dorm_new(cx, Book);
        if (!b || !(b->title = dorm_strdup(cx, r.title)) || !(b->isbn = dorm_strdup(cx, r.isbn))) goto out;
        b->author.id = r.author_id;
        b->publication_date = to_dorm(r.publication_date);
        b->genre = r.genre;
        b->pages = r.pages;
    }
    if (dorm_bulk_create(cx, Book, books, BENCH_BOOKS, 0) < 0) goto out;
    *secs = bench_now() - t0;
    rc = 0;
out:
    if (rc < 0) bench_dorm_fail(cx, "bulk_create");
    dorm_ctx_free(cx);
    return rc;
}

/* list(Book.objects.all()), ordered by Meta.ordering. */
int bench_dorm_fetch_all(dorm_ctx *cx, double *secs, uint64_t *sum) {
    size_t n = 0;
    double t0 = bench_now();
    dorm_qs *qs = dorm_all(cx, Book);
    void **objs = dorm_list(qs, &n);
    *secs = bench_now() - t0;
    if (!objs) return bench_dorm_fail(cx, "fetch_all");
    bench_hash h;
    bench_hash_init(&h);
    DORM_EACH(Book, b, qs)
    hash_book(&h, b);
    *sum = h.h;
    if (n != BENCH_BOOKS) {
        fprintf(stderr, "dorm: fetch_all: %zu books\n", n);
        return -1;
    }
    return 0;
}

/* list(Book.objects.values_list("title", flat=True)). */
int bench_dorm_values_flat(dorm_ctx *cx, double *secs, uint64_t *sum) {
    size_t n = 0;
    double t0 = bench_now();
    const dorm_row **rows = dorm_rows(dorm_values_flat(dorm_all(cx, Book), "title"), &n);
    *secs = bench_now() - t0;
    if (!rows) return bench_dorm_fail(cx, "values_list_flat");
    bench_hash h;
    bench_hash_init(&h);
    for (size_t i = 0; i < n; i++) {
        const dorm_value *v = &rows[i]->values[0];
        if (rows[i]->n != 1 || v->type != DORM_T_TEXT) {
            fprintf(stderr, "dorm: values_list_flat: row %zu is not one text\n", i);
            return -1;
        }
        bench_hash_bytes(&h, v->u.s, v->len == DORM_STRLEN ? strlen(v->u.s) : v->len);
        bench_hash_bytes(&h, "\n", 1);
    }
    *sum = h.h;
    return 0;
}

/* Book.objects.get(pk=i) for i = 1..BENCH_GETS. */
int bench_dorm_get_pk(dorm_ctx *cx, double *secs, uint64_t *sum) {
    double t0 = bench_now();
    Book **got = dorm_alloc(cx, sizeof *got * BENCH_GETS);
    if (!got) return bench_dorm_fail(cx, "get_pk");
    for (int i = 1; i <= BENCH_GETS; i++)
        if (!(got[i - 1] = dorm_get(dorm_all(cx, Book), DQ("pk", i)))) return bench_dorm_fail(cx, "get_pk");
    *secs = bench_now() - t0;
    bench_hash h;
    bench_hash_init(&h);
    for (int i = 0; i < BENCH_GETS; i++) hash_book(&h, got[i]);
    *sum = h.h;
    return 0;
}

/* list(Book.objects.filter(pages__gt=t).order_by("-publication_date")[:10]). */
int bench_dorm_filter(dorm_ctx *cx, double *secs, uint64_t *sum) {
    size_t total = 0;
    double t0 = bench_now();
    Book **got = dorm_alloc(cx, sizeof *got * BENCH_FILTERS * BENCH_SLICE);
    if (!got) return bench_dorm_fail(cx, "filter_order_slice");
    for (int k = 1; k <= BENCH_FILTERS; k++) {
        size_t n = 0;
        dorm_qs *qs = dorm_filter(dorm_all(cx, Book), DQ("pages__gt", bench_filter_threshold(k)));
        void **objs = dorm_list(dorm_slice(dorm_order_by(qs, "-publication_date"), 0, BENCH_SLICE), &n);
        if (!objs || n > BENCH_SLICE) return bench_dorm_fail(cx, "filter_order_slice");
        memcpy(got + total, objs, n * sizeof *objs);
        total += n;
    }
    *secs = bench_now() - t0;
    bench_hash h;
    bench_hash_init(&h);
    for (size_t i = 0; i < total; i++) hash_book(&h, got[i]);
    *sum = h.h;
    return 0;
}

/* Book.objects.filter(genre="FIC").update(pages=500 + r % 2). */
int bench_dorm_update(dorm_ctx *cx, double *secs, int64_t *matched) {
    double t0 = bench_now();
    *matched = 0;
    for (int r = 0; r < BENCH_UPDATES; r++) {
        int64_t m = dorm_update(dorm_filter(dorm_all(cx, Book), DQ("genre", "FIC")), DSET("pages", 500 + r % 2));
        if (m < 0) return bench_dorm_fail(cx, "update_const");
        *matched += m;
    }
    *secs = bench_now() - t0;
    return 0;
}

/* Book.objects.select_related("author").order_by("id"). */
int bench_dorm_select_related(dorm_ctx *cx, double *secs, uint64_t *sum) {
    double t0 = bench_now();
    size_t n;
    Book **books = (Book **)dorm_list(dorm_order_by(dorm_select_related(dorm_all(cx, Book), "author"), "id"), &n);
    *secs = bench_now() - t0;
    if (!books || n != BENCH_BOOKS) return bench_dorm_fail(cx, "select_related");
    bench_hash h;
    bench_hash_init(&h);
    for (size_t i = 0; i < n; i++) {
        hash_book(&h, books[i]);
        bench_hash_str(&h, books[i]->author.obj->name);
        bench_hash_str(&h, "\n");
    }
    *sum = h.h;
    return 0;
}

/* Author.objects.prefetch_related("books").order_by("id"). */
int bench_dorm_prefetch(dorm_ctx *cx, double *secs, uint64_t *sum) {
    double t0 = bench_now();
    size_t n;
    Author **authors =
        (Author **)dorm_list(dorm_order_by(dorm_prefetch_related(dorm_all(cx, Author), "books"), "id"), &n);
    *secs = bench_now() - t0;
    if (!authors || n != BENCH_AUTHORS) return bench_dorm_fail(cx, "prefetch_related");
    bench_hash h;
    bench_hash_init(&h);
    for (size_t i = 0; i < n; i++) {
        bench_hash_str(&h, authors[i]->name);
        bench_hash_str(&h, "\n");
        DORM_EACH(Book, b, dorm_related(authors[i], "books")) hash_book(&h, b);
    }
    *sum = h.h;
    return dorm_errcode(cx) ? bench_dorm_fail(cx, "prefetch_related") : 0;
}

/* Book.objects.filter(tags__name__in=[a, b]).distinct().order_by("id")[:20]. */
int bench_dorm_m2m(dorm_ctx *cx, double *secs, uint64_t *sum) {
    Book **found = dorm_alloc(cx, sizeof *found * BENCH_M2M_QUERIES * BENCH_M2M_LIMIT);
    size_t total = 0;
    double t0 = bench_now();
    for (int k = 1; found && k <= BENCH_M2M_QUERIES; k++) {
        char a[16], b[16];
        bench_m2m_tags(k, a, b);
        size_t n;
        Book **books = (Book **)dorm_list(
            dorm_slice(
                dorm_order_by(dorm_distinct(dorm_filter(dorm_all(cx, Book), DQ("tags__name__in", DLIST(a, b)))), "id"),
                0, BENCH_M2M_LIMIT),
            &n);
        if (!books) return bench_dorm_fail(cx, "m2m_filter_distinct");
        memcpy(found + total, books, sizeof *books * n);
        total += n;
    }
    *secs = bench_now() - t0;
    if (!found) return bench_dorm_fail(cx, "m2m_filter_distinct");
    bench_hash h;
    bench_hash_init(&h);
    for (size_t i = 0; i < total; i++) hash_book(&h, found[i]);
    *sum = h.h;
    return 0;
}

/* The checksum of the books every page read returned, in order. */
static int hash_pages(Book **got, size_t total, uint64_t *sum) {
    if (total != (size_t)BENCH_PAGE_QUERIES * BENCH_PER_PAGE) {
        fprintf(stderr, "dorm: page: %zu books\n", total);
        return -1;
    }
    bench_hash h;
    bench_hash_init(&h);
    for (size_t i = 0; i < total; i++) hash_book(&h, got[i]);
    *sum = h.h;
    return 0;
}

int bench_dorm_page_offset(dorm_ctx *cx, double *secs, uint64_t *sum) {
    size_t total = 0;
    Book **got = dorm_alloc(cx, sizeof *got * BENCH_PAGE_QUERIES * BENCH_PER_PAGE);
    if (!got) return bench_dorm_fail(cx, "page_offset");
    double t0 = bench_now();
    for (int q = 0; q < BENCH_PAGE_QUERIES; q++) {
        size_t n = 0;
        dorm_paginator *p = dorm_paginator_new(dorm_order_by(dorm_all(cx, Book), "title"), BENCH_PER_PAGE, NULL);
        dorm_page *page = p ? dorm_paginator_page(p, BENCH_PAGE) : NULL;
        void **objs = page ? dorm_list(page->object_list, &n) : NULL;
        if (!objs || n != BENCH_PER_PAGE) return bench_dorm_fail(cx, "page_offset");
        memcpy(got + total, objs, n * sizeof *objs);
        total += n;
    }
    *secs = bench_now() - t0;
    return hash_pages(got, total, sum);
}

int bench_dorm_page_keyset(dorm_ctx *cx, double *secs, uint64_t *sum) {
    dorm_qs *qs = dorm_order_by(dorm_all(cx, Book), "title");
    const char *cursor = NULL;
    for (int page = 1; page < BENCH_PAGE; page++) {
        dorm_keyset_page *p = dorm_keyset_paginate(qs, BENCH_PER_PAGE, cursor);
        if (!p || !p->next) return bench_dorm_fail(cx, "page_keyset (walking to the page)");
        cursor = p->next;
    }
    size_t total = 0;
    Book **got = dorm_alloc(cx, sizeof *got * BENCH_PAGE_QUERIES * BENCH_PER_PAGE);
    if (!got) return bench_dorm_fail(cx, "page_keyset");
    double t0 = bench_now();
    for (int q = 0; q < BENCH_PAGE_QUERIES; q++) {
        dorm_keyset_page *p = dorm_keyset_paginate(qs, BENCH_PER_PAGE, cursor);
        if (!p || p->n != BENCH_PER_PAGE) return bench_dorm_fail(cx, "page_keyset");
        memcpy(got + total, p->objects, p->n * sizeof *p->objects);
        total += p->n;
    }
    *secs = bench_now() - t0;
    return hash_pages(got, total, sum);
}

/* Runs a workload bench_runs() times, each in its own context so arena growth
 * of one run does not weigh on the next; reports the best time. */
/* Hashes rows as the expression workloads do (bench_hash_cell). */
static void hash_rows(const dorm_row *const *rows, size_t n, bench_hash *h) {
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < rows[i]->n; k++) {
            const dorm_value *v = &rows[i]->values[k];
            char num[24];
            const char *text = NULL;
            if (v->type == DORM_T_INT) {
                snprintf(num, sizeof num, "%lld", (long long)v->u.i);
                text = num;
            } else if (v->type == DORM_T_TEXT) {
                text = v->u.s;
            }
            bench_hash_cell(h, text, k + 1 == rows[i]->n);
        }
}

/* One QuerySet of workload `name` per k (read in the clock), then its rows
 * hashed. */
static int run_queries(dorm_ctx *cx, const char *name, int nq, dorm_qs *(*make)(dorm_ctx *, int), double *secs,
                       uint64_t *sum) {
    const dorm_row **rows[BENCH_EXPR_QUERIES];
    size_t n[BENCH_EXPR_QUERIES];
    double t0 = bench_now();
    for (int k = 1; k <= nq && k <= BENCH_EXPR_QUERIES; k++)
        if (!(rows[k - 1] = dorm_rows(make(cx, k), &n[k - 1]))) return bench_dorm_fail(cx, name);
    *secs = bench_now() - t0;
    bench_hash h;
    bench_hash_init(&h);
    for (int k = 0; k < nq && k < BENCH_EXPR_QUERIES; k++) hash_rows(rows[k], n[k], &h);
    *sum = h.h;
    return 0;
}

/* Book.objects.filter(pages__gt=t).values("author").annotate(n=Count("id"))
 * .filter(n__gte=6).order_by("author_id"): a count per author and HAVING. */
static dorm_qs *having_query(dorm_ctx *cx, int k) {
    return dorm_order_by(
        dorm_filter(dorm_annotate(dorm_values(dorm_filter(dorm_all(cx, Book), DQ("pages__gt", bench_expr_threshold(k))),
                                              "author"),
                                  DAS("n", DCount("id"))),
                    DQ("n__gte", BENCH_HAVING_MIN)),
        "author_id");
}

int bench_dorm_annotate_having(dorm_ctx *cx, double *secs, uint64_t *sum) {
    return run_queries(cx, "annotate_having", BENCH_EXPR_QUERIES, having_query, secs, sum);
}

/* Book.objects.filter(pages__gt=t).values("genre").annotate(n=Count("id"),
 * pages=Sum("pages")).order_by("genre"): GROUP BY. */
static dorm_qs *group_query(dorm_ctx *cx, int k) {
    return dorm_order_by(
        dorm_annotate(dorm_values(dorm_filter(dorm_all(cx, Book), DQ("pages__gt", bench_expr_threshold(k))), "genre"),
                      DAS("n", DCount("id")), DAS("pages", DSum("pages"))),
        "genre");
}

int bench_dorm_values_group(dorm_ctx *cx, double *secs, uint64_t *sum) {
    return run_queries(cx, "values_group", BENCH_EXPR_QUERIES, group_query, secs, sum);
}

/* Author.objects.annotate(latest=Subquery(Book.objects.filter(
 * author=OuterRef("pk")).order_by("-publication_date", "-id")
 * .values("title")[:1])).order_by("id").values_list("id", "latest"). */
static dorm_qs *latest_query(dorm_ctx *cx, int k) {
    (void)k;
    dorm_qs *latest =
        dorm_slice(dorm_values(dorm_order_by(dorm_filter(dorm_all(cx, Book), DQ("author", DOuterRef("pk"))),
                                             "-publication_date", "-id"),
                               "title"),
                   0, 1);
    return dorm_values_list(dorm_order_by(dorm_annotate(dorm_all(cx, Author), DAS("latest", DSubquery(latest))), "id"),
                            "id", "latest");
}

int bench_dorm_subquery_latest(dorm_ctx *cx, double *secs, uint64_t *sum) {
    return run_queries(cx, "subquery_latest", 1, latest_query, secs, sum);
}

/* Book.objects.annotate(r=Window(Rank(), partition_by=F("author"),
 * order_by=F("pages").desc())).order_by("id").values_list("id", "r"). */
static dorm_qs *rank_query(dorm_ctx *cx, int k) {
    (void)k;
    return dorm_values_list(dorm_order_by(dorm_annotate(dorm_all(cx, Book),
                                                        DAS("r",
                                                            DWindow(DRank(), .partition_by = DEXPRS("author"),
                                                                    .order_by = DEXPRS(DDesc("pages"))))),
                                          "id"),
                            "id", "r");
}

int bench_dorm_window_rank(dorm_ctx *cx, double *secs, uint64_t *sum) {
    return run_queries(cx, "window_rank", 1, rank_query, secs, sum);
}

/* Book.objects.filter(pages__lt=105 + k).order_by().values_list("id",
 * flat=True).union(Book.objects.filter(author=k).order_by()
 * .values_list("id", flat=True)).order_by("id"). */
static dorm_qs *union_query(dorm_ctx *cx, int k) {
    dorm_qs *few =
        dorm_values_flat(dorm_clear_ordering(dorm_filter(dorm_all(cx, Book), DQ("pages__lt", 105 + k))), "id");
    dorm_qs *by = dorm_values_flat(dorm_clear_ordering(dorm_filter(dorm_all(cx, Book), DQ("author", k))), "id");
    return dorm_order_by(dorm_union(few, by), "id");
}

int bench_dorm_union_filters(dorm_ctx *cx, double *secs, uint64_t *sum) {
    return run_queries(cx, "union_filters", BENCH_EXPR_QUERIES, union_query, secs, sum);
}

static int run_read_round(dorm_db *db, const char *name, long n, int (*fn)(dorm_ctx *, double *, uint64_t *)) {
    double best = 1e300;
    uint64_t sum = 0;
    for (int run = 0, runs = bench_runs(); run < runs; run++) {
        double secs;
        dorm_ctx *cx = dorm_ctx_new(db);
        if (!cx) {
            fprintf(stderr, "dorm: out of memory\n");
            return -1;
        }
        int rc = fn(cx, &secs, &sum);
        dorm_ctx_free(cx);
        if (rc < 0) return -1;
        if (secs < best) best = secs;
    }
    bench_report(IMPL, name, n, best, sum);
    return 0;
}

/* bench_rounds(name) rounds of it, paced by bench_step. */
int bench_dorm_run_read(dorm_db *db, const char *name, long n, int (*fn)(dorm_ctx *, double *, uint64_t *)) {
    for (int round = 0, rounds = bench_rounds(name); round < rounds; round++) {
        bench_step(name);
        if (run_read_round(db, name, n, fn) < 0) return -1;
    }
    return 0;
}

int bench_dorm_m2m_tables(dorm_db *db) {
    dorm_ctx *cx = dorm_ctx_new(db);
    const dorm_model *through = cx ? dorm_through(cx, &Book_model, "tags") : NULL;
    int rc = through ? dorm_create_tables(cx, (const dorm_model *const[]){&Tag_model, through, NULL}) : -1;
    if (rc < 0 && cx) bench_dorm_fail(cx, "m2m tables");
    dorm_ctx_free(cx);
    return rc < 0 ? -1 : 0;
}

int bench_dorm_run_expressions(dorm_db *db) {
    return bench_dorm_run_read(db, "annotate_having", BENCH_EXPR_QUERIES, bench_dorm_annotate_having) == 0 &&
            bench_dorm_run_read(db, "values_group", BENCH_EXPR_QUERIES, bench_dorm_values_group) == 0 &&
            bench_dorm_run_read(db, "subquery_latest", BENCH_AUTHORS, bench_dorm_subquery_latest) == 0 &&
            bench_dorm_run_read(db, "window_rank", BENCH_BOOKS, bench_dorm_window_rank) == 0 &&
            bench_dorm_run_read(db, "union_filters", BENCH_EXPR_QUERIES, bench_dorm_union_filters) == 0
        ? 0
        : -1;
}
