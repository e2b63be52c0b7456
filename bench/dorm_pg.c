/* dorm_pg.c - the benchmark workloads through dorm's public API only, on
 * PostgreSQL, with the data and checksums of raw_pg.c: the gap between the
 * two is what the ORM costs.  Usage: dorm_pg URL   (a postgres:// URL of an
 * empty database; one "bench ..." line per workload) */

#include <stdio.h>
#include <string.h>

#include <libpq-fe.h>

#include "dorm.h"

#include "common.h"
#include "pg_common.h"

#define IMPL "dorm"

typedef struct Author {
    DORM_OBJECT;
    int64_t id;
    const char *name;
    dorm_date birth_date;
    const char *biography;
} Author;

typedef struct Book {
    DORM_OBJECT;
    int64_t id;
    const char *title;
    DORM_FK(Author) author;
    dorm_date publication_date;
    const char *isbn;
    const char *genre;
    int32_t pages;
} Book;

static const dorm_field Author_fields[] = {
    DORM_AUTO(Author, id),
    DORM_CHAR(Author, name, .max_length = 100),
    DORM_DATE(Author, birth_date, .null = true, .blank = true),
    DORM_TEXT(Author, biography, .blank = true),
    DORM_END,
};
static const dorm_model Author_model =
    DORM_MODEL(Author, "library", Author_fields, .ordering = DORM_LIST("name"));

static const dorm_field Book_fields[] = {
    DORM_AUTO(Book, id),
    DORM_CHAR(Book, title, .max_length = 200),
    DORM_FOREIGN_KEY(Book, author, Author, .on_delete = DORM_CASCADE, .related_name = "books"),
    DORM_DATE(Book, publication_date),
    DORM_CHAR(Book, isbn, .max_length = 13, .unique = true),
    DORM_CHAR(Book, genre, .max_length = 3, .default_value = DORM_VTEXT("FIC"),
              .choices = DORM_CHOICES({DORM_VTEXT("FIC"), "Fiction"},
                                      {DORM_VTEXT("NON"), "Non-Fiction"},
                                      {DORM_VTEXT("SCI"), "Science"},
                                      {DORM_VTEXT("HIS"), "History"})),
    DORM_POSINT(Book, pages, .default_value = DORM_VINT(0)),
    DORM_END,
};
static const dorm_model Book_model =
    DORM_MODEL(Book, "library", Book_fields, .ordering = DORM_LIST("-publication_date"),
               .indexes = DORM_INDEXES({DORM_LIST("title"), NULL}, {DORM_LIST("isbn"), NULL}));

static const dorm_app library_app = {"library", DORM_MODELS(&Author_model, &Book_model)};

static dorm_date to_dorm(bench_date d)
{
    return dorm_date_ymd(d.year, d.month, d.day);
}

static bench_date from_dorm(dorm_date d)
{
    bench_date r = {d.year, d.month, d.day};
    return r;
}

static int fail(dorm_ctx *cx, const char *what)
{
    fprintf(stderr, "dorm_pg: %s: %s: %s\n", what, dorm_error_name(dorm_errcode(cx)),
            dorm_errmsg(cx));
    return -1;
}

static void hash_book(bench_hash *h, const Book *b)
{
    bench_hash_book(h, b->id, b->title, b->author.id, from_dorm(b->publication_date), b->isbn,
                    b->genre, b->pages);
}

/* create(): Model.objects.create() per object, in one atomic block. */
static int w_create(dorm_db *db, double *secs)
{
    dorm_ctx *cx = dorm_ctx_new(db);
    if (!cx) {
        fprintf(stderr, "dorm_pg: out of memory\n");
        return -1;
    }
    int64_t ids = 0;
    int rc = -1;
    double t0 = bench_now();
    if (dorm_atomic_begin(cx) < 0)
        goto out;
    for (int i = 1; i <= BENCH_AUTHORS; i++) {
        bench_author_row r;
        bench_author_make(i, &r);
        Author *a = dorm_create(cx, Author, .name = r.name, .birth_date = to_dorm(r.birth_date),
                                .biography = r.biography);
        if (!a)
            goto out;
        ids += a->id;
    }
    for (int j = 1; j <= BENCH_BOOKS; j++) {
        bench_book_row r;
        bench_book_make(j, &r);
        Book *b = dorm_create(cx, Book, .title = r.title, .author = {.id = r.author_id},
                              .publication_date = to_dorm(r.publication_date), .isbn = r.isbn,
                              .genre = r.genre, .pages = r.pages);
        if (!b)
            goto out;
        ids += b->id;
    }
    if (dorm_atomic_commit(cx) < 0)
        goto out;
    *secs = bench_now() - t0;
    if (ids == (int64_t)(BENCH_AUTHORS + 1) * BENCH_AUTHORS / 2 + (int64_t)(BENCH_BOOKS + 1) * BENCH_BOOKS / 2)
        rc = 0;
    else
        fprintf(stderr, "dorm_pg: create: ids were not 1..n\n");
out:
    if (dorm_errcode(cx) != DORM_OK)
        fail(cx, "create");
    if (dorm_in_atomic(cx))
        dorm_atomic_rollback(cx);
    dorm_ctx_free(cx);
    return rc;
}

/* bulk_create(): the objects built with dorm_new (Django's Model(...)), then
 * one dorm_bulk_create per model with the backend's batch size. */
static int w_bulk_create(dorm_db *db, double *secs)
{
    dorm_ctx *cx = dorm_ctx_new(db);
    if (!cx) {
        fprintf(stderr, "dorm_pg: out of memory\n");
        return -1;
    }
    int rc = -1;
    double t0 = bench_now();
    Author **authors = dorm_alloc(cx, sizeof *authors * BENCH_AUTHORS);
    Book **books = dorm_alloc(cx, sizeof *books * BENCH_BOOKS);
    if (!authors || !books)
        goto out;
    for (int i = 1; i <= BENCH_AUTHORS; i++) {
        bench_author_row r;
        bench_author_make(i, &r);
        Author *a = authors[i - 1] = dorm_new(cx, Author);
        if (!a || !(a->name = dorm_strdup(cx, r.name)) ||
            !(a->biography = dorm_strdup(cx, r.biography)))
            goto out;
        a->birth_date = to_dorm(r.birth_date);
    }
    if (dorm_bulk_create(cx, Author, authors, BENCH_AUTHORS, 0) < 0)
        goto out;
    for (int j = 1; j <= BENCH_BOOKS; j++) {
        bench_book_row r;
        bench_book_make(j, &r);
        Book *b = books[j - 1] = dorm_new(cx, Book);
        if (!b || !(b->title = dorm_strdup(cx, r.title)) || !(b->isbn = dorm_strdup(cx, r.isbn)))
            goto out;
        b->author.id = r.author_id;
        b->publication_date = to_dorm(r.publication_date);
        b->genre = r.genre;
        b->pages = r.pages;
    }
    if (dorm_bulk_create(cx, Book, books, BENCH_BOOKS, 0) < 0)
        goto out;
    *secs = bench_now() - t0;
    rc = 0;
out:
    if (rc < 0)
        fail(cx, "bulk_create");
    dorm_ctx_free(cx);
    return rc;
}

/* Drops the tables through `check` (a libpq connection for the untimed
 * work), opens a new dorm connection to `url` and creates the tables with
 * dorm_create_tables; NULL on error (message on stderr). */
static dorm_db *fresh_db(PGconn *check, const char *url, const dorm_registry *reg)
{
    if (bench_pg_drop_tables(check) < 0)
        return NULL;
    dorm_db *db = dorm_db_open(url, reg);
    if (!db || dorm_db_errcode(db) != DORM_OK) {
        fprintf(stderr, "dorm_pg: dorm_db_open: %s\n", db ? dorm_db_errmsg(db) : "out of memory");
        dorm_db_close(db);
        return NULL;
    }
    dorm_ctx *cx = dorm_ctx_new(db);
    int rc = cx ? dorm_create_tables(cx, DORM_MODELS(&Author_model, &Book_model)) : DORM_ENOMEM;
    if (rc < 0) {
        if (cx)
            fail(cx, "create_tables");
        else
            fprintf(stderr, "dorm_pg: out of memory\n");
        dorm_ctx_free(cx);
        dorm_db_close(db);
        return NULL;
    }
    dorm_ctx_free(cx);
    return db;
}

/* Runs a loading workload on fresh tables bench_runs() times and hashes what
 * the last run stored; that run's handle is left in *keep, the tables
 * vacuumed and analyzed. */
static int run_fresh(PGconn *check, const char *url, const dorm_registry *reg, const char *name,
                     int (*fn)(dorm_db *, double *), dorm_db **keep)
{
    double best = 1e300;
    uint64_t sum = 0;
    for (int run = 0, runs = bench_runs(); run < runs; run++) {
        double secs;
        dorm_db *db = fresh_db(check, url, reg);
        if (!db)
            return -1;
        if (fn(db, &secs) < 0 || bench_pg_db_checksum(check, &sum) < 0) {
            dorm_db_close(db);
            return -1;
        }
        if (secs < best)
            best = secs;
        if (run == runs - 1 && keep) {
            if (bench_pg_settle(check) < 0) {
                dorm_db_close(db);
                return -1;
            }
            *keep = db;
        } else {
            dorm_db_close(db);
        }
    }
    bench_report(IMPL, name, BENCH_AUTHORS + BENCH_BOOKS, best, sum);
    return 0;
}

/* list(Book.objects.all()), ordered by Meta.ordering. */
static int w_fetch_all(dorm_ctx *cx, double *secs, uint64_t *sum)
{
    size_t n = 0;
    double t0 = bench_now();
    dorm_qs *qs = dorm_all(cx, Book);
    void **objs = dorm_list(qs, &n);
    *secs = bench_now() - t0;
    if (!objs)
        return fail(cx, "fetch_all");
    bench_hash h;
    bench_hash_init(&h);
    DORM_EACH(Book, b, qs)
        hash_book(&h, b);
    *sum = h.h;
    if (n != BENCH_BOOKS) {
        fprintf(stderr, "dorm_pg: fetch_all: %zu books\n", n);
        return -1;
    }
    return 0;
}

/* list(Book.objects.values_list("title", flat=True)). */
static int w_values_flat(dorm_ctx *cx, double *secs, uint64_t *sum)
{
    size_t n = 0;
    double t0 = bench_now();
    const dorm_row **rows = dorm_rows(dorm_values_flat(dorm_all(cx, Book), "title"), &n);
    *secs = bench_now() - t0;
    if (!rows)
        return fail(cx, "values_list_flat");
    bench_hash h;
    bench_hash_init(&h);
    for (size_t i = 0; i < n; i++) {
        const dorm_value *v = &rows[i]->values[0];
        if (rows[i]->n != 1 || v->type != DORM_T_TEXT) {
            fprintf(stderr, "dorm_pg: values_list_flat: row %zu is not one text\n", i);
            return -1;
        }
        bench_hash_bytes(&h, v->u.s, v->len == DORM_STRLEN ? strlen(v->u.s) : v->len);
        bench_hash_bytes(&h, "\n", 1);
    }
    *sum = h.h;
    return 0;
}

/* Book.objects.get(pk=i) for i = 1..BENCH_GETS. */
static int w_get_pk(dorm_ctx *cx, double *secs, uint64_t *sum)
{
    double t0 = bench_now();
    Book **got = dorm_alloc(cx, sizeof *got * BENCH_GETS);
    if (!got)
        return fail(cx, "get_pk");
    for (int i = 1; i <= BENCH_GETS; i++)
        if (!(got[i - 1] = dorm_get(dorm_all(cx, Book), DQ("pk", i))))
            return fail(cx, "get_pk");
    *secs = bench_now() - t0;
    bench_hash h;
    bench_hash_init(&h);
    for (int i = 0; i < BENCH_GETS; i++)
        hash_book(&h, got[i]);
    *sum = h.h;
    return 0;
}

/* list(Book.objects.filter(pages__gt=t).order_by("-publication_date")[:10]). */
static int w_filter(dorm_ctx *cx, double *secs, uint64_t *sum)
{
    size_t total = 0;
    double t0 = bench_now();
    Book **got = dorm_alloc(cx, sizeof *got * BENCH_FILTERS * BENCH_SLICE);
    if (!got)
        return fail(cx, "filter_order_slice");
    for (int k = 1; k <= BENCH_FILTERS; k++) {
        size_t n = 0;
        dorm_qs *qs = dorm_filter(dorm_all(cx, Book), DQ("pages__gt", bench_filter_threshold(k)));
        void **objs = dorm_list(dorm_slice(dorm_order_by(qs, "-publication_date"), 0, BENCH_SLICE), &n);
        if (!objs || n > BENCH_SLICE)
            return fail(cx, "filter_order_slice");
        memcpy(got + total, objs, n * sizeof *objs);
        total += n;
    }
    *secs = bench_now() - t0;
    bench_hash h;
    bench_hash_init(&h);
    for (size_t i = 0; i < total; i++)
        hash_book(&h, got[i]);
    *sum = h.h;
    return 0;
}

/* Book.objects.filter(genre="FIC").update(pages=500 + r % 2). */
static int w_update(dorm_ctx *cx, double *secs, int64_t *matched)
{
    double t0 = bench_now();
    *matched = 0;
    for (int r = 0; r < BENCH_UPDATES; r++) {
        int64_t m = dorm_update(dorm_filter(dorm_all(cx, Book), DQ("genre", "FIC")),
                                DSET("pages", 500 + r % 2));
        if (m < 0)
            return fail(cx, "update_const");
        *matched += m;
    }
    *secs = bench_now() - t0;
    return 0;
}

/* Runs a workload bench_runs() times, each in its own context so arena growth
 * of one run does not weigh on the next; reports the best time. */
static int run_read(dorm_db *db, const char *name, long n,
                    int (*fn)(dorm_ctx *, double *, uint64_t *))
{
    double best = 1e300;
    uint64_t sum = 0;
    for (int run = 0, runs = bench_runs(); run < runs; run++) {
        double secs;
        dorm_ctx *cx = dorm_ctx_new(db);
        if (!cx) {
            fprintf(stderr, "dorm_pg: out of memory\n");
            return -1;
        }
        int rc = fn(cx, &secs, &sum);
        dorm_ctx_free(cx);
        if (rc < 0)
            return -1;
        if (secs < best)
            best = secs;
    }
    bench_report(IMPL, name, n, best, sum);
    return 0;
}

/* update_const: its checksum reads the table state after the last run. */
static int run_update(dorm_db *db, PGconn *check)
{
    double best = 1e300;
    int64_t matched = 0;
    uint64_t sum;
    for (int run = 0, runs = bench_runs(); run < runs; run++) {
        double secs;
        dorm_ctx *cx = dorm_ctx_new(db);
        if (!cx) {
            fprintf(stderr, "dorm_pg: out of memory\n");
            return -1;
        }
        int rc = w_update(cx, &secs, &matched);
        dorm_ctx_free(cx);
        if (rc < 0)
            return -1;
        if (secs < best)
            best = secs;
    }
    if (bench_pg_update_checksum(check, matched, &sum) < 0)
        return -1;
    bench_report(IMPL, "update_const", BENCH_UPDATES, best, sum);
    return 0;
}

static int schema_check(PGconn *check)
{
    uint64_t sum;
    if (bench_pg_schema_checksum(check, &sum) < 0)
        return -1;
    bench_check(IMPL, "schema", sum);
    return 0;
}

int main(int argc, char **argv)
{
    int rc = 1;
    dorm_db *db = NULL;
    dorm_registry *reg = NULL;
    if (argc != 2) {
        fprintf(stderr, "usage: dorm_pg URL\n");
        return 2;
    }
    const char *url = argv[1];
    PGconn *check = bench_pg_connect("dorm_pg", url);
    if (!check)
        return 1;
    reg = dorm_registry_new((const dorm_app *const[]){&library_app, NULL});
    if (!reg || dorm_registry_errcode(reg) != DORM_OK) {
        fprintf(stderr, "dorm_pg: registry: %s\n",
                reg ? dorm_registry_messages(reg) : "out of memory");
        goto out;
    }
    if (run_fresh(check, url, reg, "create", w_create, NULL) == 0 &&
        run_fresh(check, url, reg, "bulk_create", w_bulk_create, &db) == 0 && schema_check(check) == 0 &&
        run_read(db, "fetch_all", BENCH_BOOKS, w_fetch_all) == 0 &&
        run_read(db, "values_list_flat", BENCH_BOOKS, w_values_flat) == 0 &&
        run_read(db, "get_pk", BENCH_GETS, w_get_pk) == 0 &&
        run_read(db, "filter_order_slice", BENCH_FILTERS, w_filter) == 0 && run_update(db, check) == 0)
        rc = 0;
    dorm_db_close(db);
    if (bench_pg_drop_tables(check) < 0)
        rc = 1;
out:
    dorm_registry_free(reg);
    PQfinish(check);
    return rc;
}
