/* raw_pg.c - the floor on PostgreSQL: the workloads hand-written against libpq
 * as an expert would (statements prepared once, PQexecPrepared with text
 * parameters, PQgetvalue parsed straight into structs, strings in an arena).
 * Usage: raw_pg URL   (an empty database; one "bench ..." line per workload) */
#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "common.h"
#include "raw_common.h"
#include "pg_common.h"

#define IMPL "raw"

/* Django 3.2's DDL for the library models on PostgreSQL
 * (schema_editor(collect_sql=True)). */
static const char ddl[] =
    "CREATE TABLE \"library_author\" (\"id\" serial NOT NULL PRIMARY KEY, \"name\" varchar(100) "
    "NOT NULL, \"birth_date\" date NULL, \"biography\" text NOT NULL);"
    "CREATE TABLE \"library_book\" (\"id\" serial NOT NULL PRIMARY KEY, \"title\" varchar(200) NOT "
    "NULL, \"author_id\" integer NOT NULL, \"publication_date\" date NOT NULL, \"isbn\" varchar(13) "
    "NOT NULL UNIQUE, \"genre\" varchar(3) NOT NULL, \"pages\" integer NOT NULL CHECK (\"pages\" >= "
    "0));"
    "ALTER TABLE \"library_book\" ADD CONSTRAINT \"library_book_author_id_d9a3b67e_fk_library_author_id\" "
    "FOREIGN KEY (\"author_id\") REFERENCES \"library_author\" (\"id\") DEFERRABLE INITIALLY DEFERRED;"
    "CREATE INDEX \"library_book_author_id_d9a3b67e\" ON \"library_book\" (\"author_id\");"
    "CREATE INDEX \"library_book_isbn_0cd15ca6_like\" ON \"library_book\" (\"isbn\" varchar_pattern_ops);"
    "CREATE INDEX \"library_boo_title_c38ef2_idx\" ON \"library_book\" (\"title\");"
    "CREATE INDEX \"library_boo_isbn_951e8b_idx\" ON \"library_book\" (\"isbn\");";

#define AUTHOR_INSERT "INSERT INTO \"library_author\" (\"name\", \"birth_date\", \"biography\") VALUES "
#define BOOK_INSERT                                                                            \
    "INSERT INTO \"library_book\" (\"title\", \"author_id\", \"publication_date\", \"isbn\", " \
    "\"genre\", \"pages\") VALUES "
#define BOOK_COLUMNS                                                                       \
    "SELECT \"id\", \"title\", \"author_id\", \"publication_date\", \"isbn\", \"genre\", " \
    "\"pages\" FROM \"library_book\" "

/* The protocol's limit on parameters per statement, which dorm's
 * bulk_create batches by too (10,922 books or 21,845 authors a statement). */
#define MAX_PARAMS 65535

static const char *arena_text(arena *a, const PGresult *r, int row, int col) {
    return arena_copy(a, PQgetvalue(r, row, col), (size_t)PQgetlength(r, row, col));
}

/* The server's text form of an integer column. */
static int64_t int_value(const PGresult *r, int row, int col) {
    const char *s = PQgetvalue(r, row, col);
    int neg = *s == '-';
    int64_t v = 0;
    for (s += neg; *s; s++) v = v * 10 + (*s - '0');
    return neg ? -v : v;
}

/* Reads row `row` of a BOOK_COLUMNS result; -1 when out of memory or a
 * column is malformed. */
static int read_book(const PGresult *r, int row, arena *a, book *b) {
    b->id = int_value(r, row, 0);
    b->title = arena_text(a, r, row, 1);
    b->author_id = int_value(r, row, 2);
    const char *d = PQgetvalue(r, row, 3);
    if (PQgetlength(r, row, 3) != 10) return -1;
    b->publication_date.year = raw_digits(d, 4);
    b->publication_date.month = raw_digits(d + 5, 2);
    b->publication_date.day = raw_digits(d + 8, 2);
    b->isbn = arena_text(a, r, row, 4);
    b->genre = arena_text(a, r, row, 5);
    b->pages = (int32_t)int_value(r, row, 6);
    return b->title && b->isbn && b->genre ? 0 : -1;
}

static int fail(PGconn *c, const char *what) {
    fprintf(stderr, "raw_pg: %s: %s", what, PQerrorMessage(c));
    return -1;
}

static int oom(void) {
    fprintf(stderr, "raw_pg: out of memory\n");
    return -1;
}

/* Creates the server-side statement `name`. */
static int prepare(PGconn *c, const char *name, const char *sql) {
    PGresult *r = PQprepare(c, name, sql, 0, NULL);
    int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : fail(c, sql);
    PQclear(r);
    return rc;
}

/* Runs prepared statement `name`; the result, or NULL when it failed (the
 * message printed) or did not give `want`. */
static PGresult *run(PGconn *c, const char *name, int n, const char *const *values, ExecStatusType want) {
    PGresult *r = PQexecPrepared(c, name, n, values, NULL, NULL, 0);
    if (PQresultStatus(r) == want) return r;
    fail(c, name);
    PQclear(r);
    return NULL;
}

/* The parameters of one author or book in text form, kept until the
 * statement has run. */
typedef struct author_params {
    bench_author_row r;
    char date[11];
} author_params;
typedef struct book_params {
    bench_book_row r;
    char date[11], author_id[24], pages[12];
} book_params;

static void author_values(int i, author_params *p, const char **v) {
    bench_author_make(i, &p->r);
    bench_date_format(p->r.birth_date, p->date);
    v[0] = p->r.name;
    v[1] = p->date;
    v[2] = p->r.biography;
}

static void book_values(int j, book_params *p, const char **v) {
    bench_book_make(j, &p->r);
    bench_date_format(p->r.publication_date, p->date);
    snprintf(p->author_id, sizeof p->author_id, "%" PRId64, p->r.author_id);
    snprintf(p->pages, sizeof p->pages, "%d", p->r.pages);
    v[0] = p->r.title;
    v[1] = p->author_id;
    v[2] = p->date;
    v[3] = p->r.isbn;
    v[4] = p->r.genre;
    v[5] = p->pages;
}

/* create(): one INSERT ... RETURNING "id" per object, the id read back as
 * the ORMs set obj.id, all in one transaction. */
static int w_create(PGconn *c, double *secs) {
    int64_t ids = 0;
    int rc = -1;
    double t0 = bench_now();
    if (bench_pg_exec(c, "BEGIN") < 0) return -1;
    if (prepare(c, "author", AUTHOR_INSERT "($1, $2, $3) RETURNING \"id\"") < 0 ||
        prepare(c, "book", BOOK_INSERT "($1, $2, $3, $4, $5, $6) RETURNING \"id\"") < 0)
        goto out;
    for (int i = 1; i <= BENCH_AUTHORS; i++) {
        author_params p;
        const char *v[3];
        author_values(i, &p, v);
        PGresult *r = run(c, "author", 3, v, PGRES_TUPLES_OK);
        if (!r) goto out;
        ids += int_value(r, 0, 0);
        PQclear(r);
    }
    for (int j = 1; j <= BENCH_BOOKS; j++) {
        book_params p;
        const char *v[6];
        book_values(j, &p, v);
        PGresult *r = run(c, "book", 6, v, PGRES_TUPLES_OK);
        if (!r) goto out;
        ids += int_value(r, 0, 0);
        PQclear(r);
    }
    if (bench_pg_exec(c, "COMMIT") < 0) goto out;
    *secs = bench_now() - t0;
    if (ids == (int64_t)(BENCH_AUTHORS + 1) * BENCH_AUTHORS / 2 + (int64_t)(BENCH_BOOKS + 1) * BENCH_BOOKS / 2)
        rc = 0;
    else
        fprintf(stderr, "raw_pg: create: ids were not 1..n\n");
out:
    if (PQtransactionStatus(c) != PQTRANS_IDLE) bench_pg_exec(c, "ROLLBACK");
    return rc;
}

/* The SQL of a multi-row INSERT of `rows` rows of `ncols` parameters each,
 * with RETURNING "id"; malloc'd, or NULL. */
static char *multi_sql(const char *head, int ncols, int rows) {
    size_t cap = strlen(head) + (size_t)rows * (size_t)ncols * 10 + 32;
    char *sql = malloc(cap);
    if (!sql) return NULL;
    size_t len = strlen(head);
    memcpy(sql, head, len);
    for (int q = 0, p = 1; q < rows; q++) {
        len += (size_t)snprintf(sql + len, cap - len, q ? ", (" : "(");
        for (int k = 0; k < ncols; k++, p++) len += (size_t)snprintf(sql + len, cap - len, k ? ", $%d" : "$%d", p);
        sql[len++] = ')';
    }
    snprintf(sql + len, cap - len, " RETURNING \"id\"");
    return sql;
}

/* Inserts rows 1..total of a table in one transaction, MAX_PARAMS / ncols
 * rows per statement: the full-batch statement is prepared once and reused,
 * the last partial batch gets its own.  The ids read back are summed into
 * *ids. */
static int insert_batched(PGconn *c, int total, int ncols, const char *head, int is_book, int64_t *ids) {
    int per = MAX_PARAMS / ncols, rc = -1, have_full = 0;
    static const char *const book_names[2] = {"book_full", "book_part"};
    static const char *const author_names[2] = {"author_full", "author_part"};
    const char *const *names = is_book ? book_names : author_names;
    book_params *books = is_book ? malloc(sizeof *books * (size_t)per) : NULL;
    author_params *authors = is_book ? NULL : malloc(sizeof *authors * (size_t)per);
    const char **values = malloc(sizeof *values * (size_t)per * (size_t)ncols);
    if ((!books && !authors) || !values) {
        oom();
        goto out;
    }
    if (bench_pg_exec(c, "BEGIN") < 0) goto out;
    for (int j = 1; j <= total; j += per) {
        int k = total - j + 1 < per ? total - j + 1 : per;
        const char *name = k == per ? names[0] : names[1];
        if (k < per || !have_full) {
            char *sql = multi_sql(head, ncols, k);
            int prc = sql ? prepare(c, name, sql) : oom();
            free(sql);
            if (prc < 0) goto rollback;
            have_full |= k == per;
        }
        for (int q = 0; q < k; q++) {
            if (is_book)
                book_values(j + q, &books[q], values + q * ncols);
            else
                author_values(j + q, &authors[q], values + q * ncols);
        }
        PGresult *r = run(c, name, k * ncols, values, PGRES_TUPLES_OK);
        if (!r) goto rollback;
        for (int q = 0, n = PQntuples(r); q < n; q++) *ids += int_value(r, q, 0);
        PQclear(r);
    }
    if (bench_pg_exec(c, "COMMIT") == 0) rc = 0;
    goto out;
rollback:
    bench_pg_exec(c, "ROLLBACK");
out:
    free(books);
    free(authors);
    free(values);
    return rc;
}

/* bulk_create(): multi-row INSERT ... RETURNING, one transaction per table
 * as Django's. */
static int w_bulk_create(PGconn *c, double *secs) {
    int64_t ids = 0;
    double t0 = bench_now();
    if (insert_batched(c, BENCH_AUTHORS, 3, AUTHOR_INSERT, 0, &ids) < 0 ||
        insert_batched(c, BENCH_BOOKS, 6, BOOK_INSERT, 1, &ids) < 0)
        return -1;
    *secs = bench_now() - t0;
    if (ids != (int64_t)(BENCH_AUTHORS + 1) * BENCH_AUTHORS / 2 + (int64_t)(BENCH_BOOKS + 1) * BENCH_BOOKS / 2) {
        fprintf(stderr, "raw_pg: bulk_create: ids were not 1..n\n");
        return -1;
    }
    return 0;
}

/* Runs a loading workload `fn` on fresh tables over a new connection: drop
 * them, run the DDL, time fn, then hash what was stored.  The last run's
 * connection is left in *keep for the workloads that read, the tables
 * vacuumed and analyzed. */
static int run_fresh_round(const char *url, const char *name, int (*fn)(PGconn *, double *), PGconn **keep) {
    double best = 1e300;
    uint64_t sum = 0;
    for (int run = 0, runs = bench_runs(); run < runs; run++) {
        double secs;
        PGconn *c = bench_pg_connect("raw_pg", url);
        if (!c) return -1;
        if (bench_pg_drop_tables(c) < 0 || bench_pg_exec(c, ddl) < 0 || fn(c, &secs) < 0 ||
            bench_pg_db_checksum(c, &sum) < 0) {
            PQfinish(c);
            return -1;
        }
        if (secs < best) best = secs;
        if (run == runs - 1 && keep) {
            if (bench_pg_settle(c) < 0) {
                PQfinish(c);
                return -1;
            }
            *keep = c;
        } else {
            PQfinish(c);
        }
    }
    bench_report(IMPL, name, BENCH_AUTHORS + BENCH_BOOKS, best, sum);
    return 0;
}

/* bench_rounds(name) rounds of it, paced by bench_step. */
static int run_fresh(const char *url, const char *name, int (*fn)(PGconn *, double *), PGconn **keep) {
    for (int round = 0, rounds = bench_rounds(name); round < rounds; round++) {
        bench_step(name);
        if (run_fresh_round(url, name, fn, round == rounds - 1 ? keep : NULL) < 0) return -1;
    }
    return 0;
}

/* Each reading statement is prepared on the first run of its workload and
 * reused by the later runs, as a program keeps its statements. */
static int prepare_once(PGconn *c, int *done, const char *name, const char *sql) {
    if (*done) return 0;
    if (prepare(c, name, sql) < 0) return -1;
    *done = 1;
    return 0;
}

/* Runs prepared statement `name` with text parameters v and appends the
 * books of its (at most `limit`) rows to books[*n].  0 or -1. */
static int read_books(PGconn *c, const char *name, int np, const char *const *v, int limit, arena *ar, book *books,
                      size_t *n) {
    PGresult *r = run(c, name, np, v, PGRES_TUPLES_OK);
    int rc = !r ? -1 : PQntuples(r) > limit ? fail(c, name) : 0;
    for (int i = 0, m = r ? PQntuples(r) : 0; i < m && rc == 0; i++) rc = read_book(r, i, ar, &books[(*n)++]);
    PQclear(r);
    return rc;
}

/* list(Book.objects.all()), ordered by Meta.ordering (-publication_date). */
static int w_fetch_all(PGconn *c, double *secs, uint64_t *sum) {
    static int prepared;
    arena ar = {NULL};
    int rc = 0;
    double t0 = bench_now();
    if (prepare_once(c, &prepared, "fetch_all", BOOK_COLUMNS "ORDER BY \"publication_date\" DESC") < 0) return -1;
    PGresult *r = run(c, "fetch_all", 0, NULL, PGRES_TUPLES_OK);
    if (!r) return -1;
    size_t n = (size_t)PQntuples(r);
    book *books = malloc(sizeof *books * (n ? n : 1));
    if (!books) {
        PQclear(r);
        return oom();
    }
    for (size_t i = 0; i < n && rc == 0; i++) rc = read_book(r, (int)i, &ar, &books[i]);
    PQclear(r);
    *secs = bench_now() - t0;
    if (rc == 0 && n == BENCH_BOOKS) {
        *sum = raw_books_sum(books, n);
    } else {
        rc = fail(c, "fetch_all");
    }
    free(books);
    arena_free(&ar);
    return rc;
}

/* list(Book.objects.values_list("title", flat=True)). */
static int w_values_flat(PGconn *c, double *secs, uint64_t *sum) {
    static int prepared;
    arena ar = {NULL};
    int rc = 0;
    double t0 = bench_now();
    if (prepare_once(c, &prepared, "values_flat",
                     "SELECT \"title\" FROM \"library_book\" ORDER BY \"publication_date\" DESC") < 0)
        return -1;
    PGresult *r = run(c, "values_flat", 0, NULL, PGRES_TUPLES_OK);
    if (!r) return -1;
    size_t n = (size_t)PQntuples(r);
    const char **titles = malloc(sizeof *titles * (n ? n : 1));
    if (!titles) {
        PQclear(r);
        return oom();
    }
    for (size_t i = 0; i < n && rc == 0; i++)
        if (!(titles[i] = arena_text(&ar, r, (int)i, 0))) rc = oom();
    PQclear(r);
    *secs = bench_now() - t0;
    if (rc == 0 && n == BENCH_BOOKS) {
        bench_hash h;
        bench_hash_init(&h);
        for (size_t i = 0; i < n; i++) {
            bench_hash_str(&h, titles[i]);
            bench_hash_bytes(&h, "\n", 1);
        }
        *sum = h.h;
    } else if (rc == 0) {
        rc = fail(c, "values_list_flat");
    }
    free(titles);
    arena_free(&ar);
    return rc;
}

/* Book.objects.get(pk=i) for i = 1..BENCH_GETS. */
static int w_get_pk(PGconn *c, double *secs, uint64_t *sum) {
    static int prepared;
    arena ar = {NULL};
    int rc = 0;
    double t0 = bench_now();
    book *books = malloc(sizeof *books * BENCH_GETS);
    if (!books) return oom();
    if (prepare_once(c, &prepared, "get_pk", BOOK_COLUMNS "WHERE \"id\" = $1") < 0) {
        free(books);
        return -1;
    }
    for (int i = 1; i <= BENCH_GETS && rc == 0; i++) {
        char id[12];
        const char *v[1] = {id};
        snprintf(id, sizeof id, "%d", i);
        PGresult *r = run(c, "get_pk", 1, v, PGRES_TUPLES_OK);
        if (!r || PQntuples(r) != 1 || read_book(r, 0, &ar, &books[i - 1]) < 0)
            rc = r ? fail(c, "get_pk: no such book") : -1;
        PQclear(r);
    }
    *secs = bench_now() - t0;
    if (rc == 0) {
        *sum = raw_books_sum(books, BENCH_GETS);
    }
    free(books);
    arena_free(&ar);
    return rc;
}

/* list(Book.objects.filter(pages__gt=t).order_by("-publication_date")[:10]). */
static int w_filter(PGconn *c, double *secs, uint64_t *sum) {
    static int prepared;
    arena ar = {NULL};
    size_t n = 0;
    int rc = 0;
    double t0 = bench_now();
    book *books = malloc(sizeof *books * BENCH_FILTERS * BENCH_SLICE);
    if (!books) return oom();
    if (prepare_once(c, &prepared, "filter",
                     BOOK_COLUMNS "WHERE \"pages\" > $1 ORDER BY \"publication_date\" DESC LIMIT 10") < 0) {
        free(books);
        return -1;
    }
    for (int k = 1; k <= BENCH_FILTERS && rc == 0; k++) {
        char t[12];
        const char *v[1] = {t};
        snprintf(t, sizeof t, "%d", bench_filter_threshold(k));
        rc = read_books(c, "filter", 1, v, BENCH_SLICE, &ar, books, &n);
    }
    *secs = bench_now() - t0;
    if (rc == 0) {
        *sum = raw_books_sum(books, n);
    }
    free(books);
    arena_free(&ar);
    return rc;
}

/* Book.objects.filter(genre="FIC").update(pages=500 + r % 2), each in its
 * own (autocommit) transaction like Django's. */
static int w_update(PGconn *c, double *secs, int64_t *matched) {
    static int prepared;
    int rc = 0;
    double t0 = bench_now();
    *matched = 0;
    if (prepare_once(c, &prepared, "update", "UPDATE \"library_book\" SET \"pages\" = $1 WHERE \"genre\" = $2") < 0)
        return -1;
    for (int r = 0; r < BENCH_UPDATES && rc == 0; r++) {
        const char *v[2] = {r % 2 ? "501" : "500", "FIC"};
        PGresult *res = run(c, "update", 2, v, PGRES_COMMAND_OK);
        if (!res)
            rc = -1;
        else
            *matched += strtoll(PQcmdTuples(res), NULL, 10);
        PQclear(res);
    }
    *secs = bench_now() - t0;
    return rc;
}

#define BOOK_QUALIFIED                                                                               \
    "SELECT \"library_book\".\"id\", \"library_book\".\"title\", \"library_book\".\"author_id\", "   \
    "\"library_book\".\"publication_date\", \"library_book\".\"isbn\", \"library_book\".\"genre\", " \
    "\"library_book\".\"pages\""

/* Book.objects.select_related("author").order_by("id"): one join. */
static int w_select_related(PGconn *c, double *secs, uint64_t *sum) {
    static int prepared;
    arena ar = {NULL};
    int rc = 0;
    double t0 = bench_now();
    if (prepare_once(c, &prepared, "select_related",
                     BOOK_QUALIFIED ", \"library_author\".\"id\", \"library_author\".\"name\", "
                                    "\"library_author\".\"birth_date\", \"library_author\".\"biography\" FROM "
                                    "\"library_book\" INNER JOIN \"library_author\" ON (\"library_book\".\"author_id\" "
                                    "= \"library_author\".\"id\") ORDER BY \"library_book\".\"id\" ASC") < 0)
        return -1;
    PGresult *r = run(c, "select_related", 0, NULL, PGRES_TUPLES_OK);
    if (!r) return -1;
    size_t n = (size_t)PQntuples(r);
    book *books = malloc(sizeof *books * (n ? n : 1));
    const char **names = malloc(sizeof *names * (n ? n : 1));
    if (!books || !names) rc = oom();
    /* Each row's author is read whole, as an ORM loads it. */
    for (size_t i = 0; i < n && rc == 0; i++) {
        int row = (int)i;
        const char *d = PQgetvalue(r, row, 9);
        bench_date birth = {0, 0, 0};
        if (PQgetlength(r, row, 9) == 10)
            birth = (bench_date){raw_digits(d, 4), raw_digits(d + 5, 2), raw_digits(d + 8, 2)};
        (void)birth;
        if (read_book(r, row, &ar, &books[i]) < 0 || int_value(r, row, 7) != books[i].author_id ||
            !(names[i] = arena_text(&ar, r, row, 8)) || !arena_text(&ar, r, row, 10))
            rc = -1;
    }
    PQclear(r);
    *secs = bench_now() - t0;
    if (rc == 0 && n == BENCH_BOOKS) {
        bench_hash h;
        bench_hash_init(&h);
        for (size_t i = 0; i < n; i++) {
            hash_books(&books[i], 1, &h);
            bench_hash_str(&h, names[i]);
            bench_hash_str(&h, "\n");
        }
        *sum = h.h;
    } else if (rc == 0) {
        rc = fail(c, "select_related");
    }
    free(books);
    free(names);
    arena_free(&ar);
    return rc;
}

/* Author.objects.prefetch_related("books").order_by("id"): the authors, then
 * their books by one IN list of every key (PostgreSQL has no parameter limit
 * Django would batch by), in Book's Meta.ordering, grouped onto their
 * authors. */
static int w_prefetch(PGconn *c, double *secs, uint64_t *sum) {
    static int prepared, prepared_books;
    arena ar = {NULL};
    int rc = -1;
    double t0 = bench_now();
    const char **names = malloc(sizeof *names * BENCH_AUTHORS);
    const char **keys = malloc(sizeof *keys * BENCH_AUTHORS);
    book *books = malloc(sizeof *books * BENCH_BOOKS);
    size_t *count = calloc(BENCH_AUTHORS + 1, sizeof *count), *start = calloc(BENCH_AUTHORS + 2, sizeof *start);
    const book **slots = malloc(sizeof *slots * BENCH_BOOKS);
    char *sql = malloc(512 + BENCH_AUTHORS * 8);
    PGresult *ra = NULL, *rb = NULL;
    size_t na = 0, nb = 0;
    if (!names || !keys || !books || !count || !start || !slots || !sql) {
        oom();
        goto out;
    }
    char *p = sql + sprintf(sql, "%s FROM \"library_book\" WHERE \"library_book\".\"author_id\" IN (", BOOK_QUALIFIED);
    for (int i = 0; i < BENCH_AUTHORS; i++) p += sprintf(p, i ? ", $%d" : "$%d", i + 1);
    strcpy(p, ") ORDER BY \"library_book\".\"publication_date\" DESC");
    if (prepare_once(c, &prepared, "prefetch_authors",
                     "SELECT \"id\", \"name\", \"birth_date\", \"biography\" FROM \"library_author\" "
                     "ORDER BY \"id\" ASC") < 0 ||
        prepare_once(c, &prepared_books, "prefetch_books", sql) < 0)
        goto out;
    if (!(ra = run(c, "prefetch_authors", 0, NULL, PGRES_TUPLES_OK))) goto out;
    na = (size_t)PQntuples(ra);
    for (size_t i = 0; i < na && i < BENCH_AUTHORS; i++) {
        /* The key goes back to the server as the text it came in. */
        keys[i] = PQgetvalue(ra, (int)i, 0);
        names[i] = arena_text(&ar, ra, (int)i, 1);
        arena_text(&ar, ra, (int)i, 3);
    }
    if (na != BENCH_AUTHORS || !(rb = run(c, "prefetch_books", (int)na, keys, PGRES_TUPLES_OK))) goto out;
    nb = (size_t)PQntuples(rb);
    for (size_t i = 0; i < nb && i < BENCH_BOOKS; i++)
        if (read_book(rb, (int)i, &ar, &books[i]) < 0) goto out;
    /* Authors are 1..n here: group by key, in query order. */
    raw_group_by_author(books, nb, na, count, start, slots);
    *secs = bench_now() - t0;
    *sum = raw_hash_by_author(names, na, count, slots);
    rc = nb == BENCH_BOOKS ? 0 : -1;
out:
    PQclear(ra);
    PQclear(rb);
    free(names);
    free(keys);
    free(books);
    free(count);
    free(start);
    free(slots);
    free(sql);
    arena_free(&ar);
    return rc == 0 ? 0 : fail(c, "prefetch_related");
}

/* Book.objects.filter(tags__name__in=[a, b]).distinct().order_by("id")[:20]. */
static int w_m2m(PGconn *c, double *secs, uint64_t *sum) {
    static int prepared;
    arena ar = {NULL};
    int rc = 0;
    size_t n = 0;
    double t0 = bench_now();
    book *books = malloc(sizeof *books * BENCH_M2M_QUERIES * BENCH_M2M_LIMIT);
    if (!books) return oom();
    if (prepare_once(c, &prepared, "m2m",
                     "SELECT DISTINCT \"library_book\".\"id\", \"library_book\".\"title\", "
                     "\"library_book\".\"author_id\", \"library_book\".\"publication_date\", "
                     "\"library_book\".\"isbn\", \"library_book\".\"genre\", \"library_book\".\"pages\" "
                     "FROM \"library_book\" INNER JOIN \"library_book_tags\" ON (\"library_book\".\"id\" = "
                     "\"library_book_tags\".\"book_id\") INNER JOIN \"library_tag\" ON "
                     "(\"library_book_tags\".\"tag_id\" = \"library_tag\".\"id\") WHERE \"library_tag\".\"name\" "
                     "IN ($1, $2) ORDER BY \"library_book\".\"id\" ASC LIMIT 20") < 0) {
        free(books);
        return -1;
    }
    for (int k = 1; k <= BENCH_M2M_QUERIES && rc == 0; k++) {
        char a[16], b[16];
        const char *v[2] = {a, b};
        bench_m2m_tags(k, a, b);
        rc = read_books(c, "m2m", 2, v, BENCH_M2M_LIMIT, &ar, books, &n);
    }
    *secs = bench_now() - t0;
    if (rc == 0) {
        *sum = raw_books_sum(books, n);
    }
    free(books);
    arena_free(&ar);
    return rc;
}

/* The many-to-many tables (Django's DDL) and their rows, untimed. */
static int m2m_setup(PGconn *c) {
    if (bench_pg_exec(c,
                      "CREATE TABLE \"library_tag\" (\"id\" serial NOT NULL PRIMARY KEY, \"name\" varchar(50) "
                      "NOT NULL UNIQUE);"
                      "CREATE TABLE \"library_book_tags\" (\"id\" serial NOT NULL PRIMARY KEY, \"book_id\" "
                      "integer NOT NULL, \"tag_id\" integer NOT NULL);"
                      "CREATE INDEX \"library_tag_name_ab7afb55_like\" ON \"library_tag\" (\"name\" "
                      "varchar_pattern_ops);"
                      "ALTER TABLE \"library_book_tags\" ADD CONSTRAINT "
                      "\"library_book_tags_book_id_tag_id_c3660ce1_uniq\" UNIQUE (\"book_id\", \"tag_id\");"
                      "ALTER TABLE \"library_book_tags\" ADD CONSTRAINT "
                      "\"library_book_tags_book_id_7c6729bd_fk_library_book_id\" FOREIGN KEY (\"book_id\") "
                      "REFERENCES \"library_book\" (\"id\") DEFERRABLE INITIALLY DEFERRED;"
                      "ALTER TABLE \"library_book_tags\" ADD CONSTRAINT "
                      "\"library_book_tags_tag_id_ad3c9ecb_fk_library_tag_id\" FOREIGN KEY (\"tag_id\") "
                      "REFERENCES \"library_tag\" (\"id\") DEFERRABLE INITIALLY DEFERRED;"
                      "CREATE INDEX \"library_book_tags_book_id_7c6729bd\" ON \"library_book_tags\" (\"book_id\");"
                      "CREATE INDEX \"library_book_tags_tag_id_ad3c9ecb\" ON \"library_book_tags\" (\"tag_id\");") < 0)
        return -1;
    return bench_pg_m2m_fill(c);
}

/* Runs a workload on the loaded tables bench_runs() times; reports the best
 * time and the last run's checksum. */
static int run_read_round(PGconn *c, const char *name, long n, int (*fn)(PGconn *, double *, uint64_t *)) {
    double best = 1e300;
    uint64_t sum = 0;
    for (int run = 0, runs = bench_runs(); run < runs; run++) {
        double secs;
        if (fn(c, &secs, &sum) < 0) return -1;
        if (secs < best) best = secs;
    }
    bench_report(IMPL, name, n, best, sum);
    return 0;
}

/* bench_rounds(name) rounds of it, paced by bench_step. */
static int run_read(PGconn *c, const char *name, long n, int (*fn)(PGconn *, double *, uint64_t *)) {
    for (int round = 0, rounds = bench_rounds(name); round < rounds; round++) {
        bench_step(name);
        if (run_read_round(c, name, n, fn) < 0) return -1;
    }
    return 0;
}

/* update_const: its checksum reads the table state after the last run. */
static int run_update_round(PGconn *c) {
    double best = 1e300;
    int64_t matched = 0;
    uint64_t sum;
    for (int run = 0, runs = bench_runs(); run < runs; run++) {
        double secs;
        if (w_update(c, &secs, &matched) < 0) return -1;
        if (secs < best) best = secs;
    }
    if (bench_pg_update_checksum(c, matched, &sum) < 0) return -1;
    bench_report(IMPL, "update_const", BENCH_UPDATES, best, sum);
    return 0;
}

/* bench_rounds(name) rounds of it, paced by bench_step. */
static int run_update(PGconn *c) {
    for (int round = 0, rounds = bench_rounds("update_const"); round < rounds; round++) {
        bench_step("update_const");
        if (run_update_round(c) < 0) return -1;
    }
    return 0;
}

/* The expression workloads: dorm's SQL (Django's), rows hashed as text. */
static void having_params(int k, char (*v)[24]) {
    snprintf(v[0], 24, "%d", bench_expr_threshold(k));
    snprintf(v[1], 24, "%d", BENCH_HAVING_MIN);
}

static void group_params(int k, char (*v)[24]) { snprintf(v[0], 24, "%d", bench_expr_threshold(k)); }

static void union_params(int k, char (*v)[24]) {
    snprintf(v[0], 24, "%d", 105 + k);
    snprintf(v[1], 24, "%d", k);
}

static int w_annotate_having(PGconn *c, double *secs, uint64_t *sum) {
    static int prepared;
    return bench_pg_rows(
        c, "having", &prepared,
        "SELECT \"library_book\".\"author_id\", COUNT(\"library_book\".\"id\") AS \"n\" FROM "
        "\"library_book\" WHERE \"library_book\".\"pages\" > $1 GROUP BY \"library_book\".\"author_id\" "
        "HAVING COUNT(\"library_book\".\"id\") >= $2 ORDER BY \"library_book\".\"author_id\" ASC",
        BENCH_EXPR_QUERIES, 2, having_params, secs, sum);
}

static int w_values_group(PGconn *c, double *secs, uint64_t *sum) {
    static int prepared;
    return bench_pg_rows(c, "group", &prepared,
                         "SELECT \"library_book\".\"genre\", COUNT(\"library_book\".\"id\") AS \"n\", "
                         "SUM(\"library_book\".\"pages\") AS \"pages\" FROM \"library_book\" WHERE "
                         "\"library_book\".\"pages\" > $1 GROUP BY \"library_book\".\"genre\" ORDER BY "
                         "\"library_book\".\"genre\" ASC",
                         BENCH_EXPR_QUERIES, 1, group_params, secs, sum);
}

static int w_subquery_latest(PGconn *c, double *secs, uint64_t *sum) {
    static int prepared;
    return bench_pg_rows(
        c, "latest", &prepared,
        "SELECT \"library_author\".\"id\", (SELECT U0.\"title\" FROM \"library_book\" U0 WHERE "
        "U0.\"author_id\" = \"library_author\".\"id\" ORDER BY U0.\"publication_date\" DESC, U0.\"id\" "
        "DESC LIMIT 1) AS \"latest\" FROM \"library_author\" ORDER BY \"library_author\".\"id\" ASC",
        1, 0, NULL, secs, sum);
}

static int w_window_rank(PGconn *c, double *secs, uint64_t *sum) {
    static int prepared;
    return bench_pg_rows(c, "rank", &prepared,
                         "SELECT \"library_book\".\"id\", RANK() OVER (PARTITION BY \"library_book\".\"author_id\" "
                         "ORDER BY \"library_book\".\"pages\" DESC) AS \"r\" FROM \"library_book\" ORDER BY "
                         "\"library_book\".\"id\" ASC",
                         1, 0, NULL, secs, sum);
}

static int w_union_filters(PGconn *c, double *secs, uint64_t *sum) {
    static int prepared;
    return bench_pg_rows(c, "union", &prepared,
                         "(SELECT \"library_book\".\"id\" FROM \"library_book\" WHERE \"library_book\".\"pages\" < $1) "
                         "UNION (SELECT \"library_book\".\"id\" FROM \"library_book\" WHERE "
                         "\"library_book\".\"author_id\" = $2) ORDER BY (1) ASC",
                         BENCH_EXPR_QUERIES, 2, union_params, secs, sum);
}

int main(int argc, char **argv) {
    PGconn *c = NULL;
    uint64_t schema;
    int rc = 1;
    if (argc != 2) {
        fprintf(stderr, "usage: raw_pg URL\n");
        return 2;
    }
    if (run_fresh(argv[1], "create", w_create, NULL) == 0 &&
        run_fresh(argv[1], "bulk_create", w_bulk_create, &c) == 0 && bench_pg_schema_checksum(c, &schema) == 0) {
        bench_check(IMPL, "schema", schema);
        if (run_read(c, "fetch_all", BENCH_BOOKS, w_fetch_all) == 0 &&
            run_read(c, "values_list_flat", BENCH_BOOKS, w_values_flat) == 0 &&
            run_read(c, "get_pk", BENCH_GETS, w_get_pk) == 0 &&
            run_read(c, "filter_order_slice", BENCH_FILTERS, w_filter) == 0 && run_update(c) == 0 &&
            run_read(c, "select_related", BENCH_BOOKS, w_select_related) == 0 &&
            run_read(c, "prefetch_related", BENCH_AUTHORS, w_prefetch) == 0 && m2m_setup(c) == 0 &&
            run_read(c, "m2m_filter_distinct", BENCH_M2M_QUERIES, w_m2m) == 0 &&
            run_read(c, "annotate_having", BENCH_EXPR_QUERIES, w_annotate_having) == 0 &&
            run_read(c, "values_group", BENCH_EXPR_QUERIES, w_values_group) == 0 &&
            run_read(c, "subquery_latest", BENCH_AUTHORS, w_subquery_latest) == 0 &&
            run_read(c, "window_rank", BENCH_BOOKS, w_window_rank) == 0 &&
            run_read(c, "union_filters", BENCH_EXPR_QUERIES, w_union_filters) == 0)
            rc = 0;
    }
    if (c && bench_pg_drop_tables(c) < 0) rc = 1;
    PQfinish(c);
    return rc;
}
