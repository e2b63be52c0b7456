/* raw_my.c - the floor on MariaDB: the workloads hand-written against
 * libmariadb as an expert would (statements prepared once, values bound in
 * the binary protocol, results stored and fetched into bound buffers,
 * strings copied into an arena).  Usage: raw_my URL   (an empty database;
 * one "bench ..." line per workload) */
#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mysql.h>

#include "common.h"
#include "my_common.h"
#include "raw_common.h"

#define IMPL "raw"

/* Django 3.2's DDL for the library models on MariaDB
 * (schema_editor(collect_sql=True)), one statement each. */
static const char *const ddl[] = {
    "CREATE TABLE `library_author` (`id` integer AUTO_INCREMENT NOT NULL PRIMARY KEY, `name` varchar(100) NOT NULL, "
    "`birth_date` date NULL, `biography` longtext NOT NULL)",
    "CREATE TABLE `library_book` (`id` integer AUTO_INCREMENT NOT NULL PRIMARY KEY, `title` varchar(200) NOT NULL, "
    "`author_id` integer NOT NULL, `publication_date` date NOT NULL, `isbn` varchar(13) NOT NULL UNIQUE, `genre` "
    "varchar(3) NOT NULL, `pages` integer UNSIGNED NOT NULL CHECK (`pages` >= 0))",
    "ALTER TABLE `library_book` ADD CONSTRAINT `library_book_author_id_d9a3b67e_fk_library_author_id` FOREIGN KEY "
    "(`author_id`) REFERENCES `library_author` (`id`)",
    "CREATE INDEX `library_boo_title_c38ef2_idx` ON `library_book` (`title`)",
    "CREATE INDEX `library_boo_isbn_951e8b_idx` ON `library_book` (`isbn`)",
    NULL,
};

#define AUTHOR_INSERT "INSERT INTO `library_author` (`name`, `birth_date`, `biography`) VALUES "
#define BOOK_INSERT \
    "INSERT INTO `library_book` (`title`, `author_id`, `publication_date`, `isbn`, `genre`, `pages`) VALUES "
#define BOOK_COLUMNS \
    "SELECT `id`, `title`, `author_id`, `publication_date`, `isbn`, `genre`, `pages` FROM `library_book` "
#define BOOK_QUALIFIED                                                                 \
    "SELECT `library_book`.`id`, `library_book`.`title`, `library_book`.`author_id`, " \
    "`library_book`.`publication_date`, `library_book`.`isbn`, `library_book`.`genre`, `library_book`.`pages`"

/* The protocol's limit on parameters per statement, which dorm's
 * bulk_create batches by too. */
#define MAX_PARAMS 65535

static int fail_c(MYSQL *c, const char *what) {
    fprintf(stderr, "raw_my: %s: %s\n", what, mysql_error(c));
    return -1;
}

static int fail_s(MYSQL_STMT *s, const char *what) {
    fprintf(stderr, "raw_my: %s: %s\n", what, mysql_stmt_error(s));
    return -1;
}

static int oom(void) {
    fprintf(stderr, "raw_my: out of memory\n");
    return -1;
}

static MYSQL_STMT *prepare(MYSQL *c, const char *sql) {
    MYSQL_STMT *s = mysql_stmt_init(c);
    if (!s) {
        oom();
        return NULL;
    }
    if (mysql_stmt_prepare(s, sql, (unsigned long)strlen(sql))) {
        fail_s(s, sql);
        mysql_stmt_close(s);
        return NULL;
    }
    return s;
}

/* Parameter and result bindings. */
static void bind_text(MYSQL_BIND *b, const char *s, unsigned long *len) {
    memset(b, 0, sizeof *b);
    *len = (unsigned long)strlen(s);
    b->buffer_type = MYSQL_TYPE_STRING;
    b->buffer = (void *)s;
    b->length = len;
}

static void bind_int(MYSQL_BIND *b, long long *v) {
    memset(b, 0, sizeof *b);
    b->buffer_type = MYSQL_TYPE_LONGLONG;
    b->buffer = v;
}

static void bind_date(MYSQL_BIND *b, MYSQL_TIME *t, bench_date d) {
    memset(t, 0, sizeof *t);
    t->year = (unsigned)d.year, t->month = (unsigned)d.month, t->day = (unsigned)d.day;
    t->time_type = MYSQL_TIMESTAMP_DATE;
    memset(b, 0, sizeof *b);
    b->buffer_type = MYSQL_TYPE_DATE;
    b->buffer = t;
}

/* The result buffers of a book row (BOOK_COLUMNS order). */
typedef struct book_row {
    long long id, author_id, pages;
    char title[801], isbn[53], genre[13];
    unsigned long title_len, isbn_len, genre_len;
    MYSQL_TIME date;
    MYSQL_BIND b[7];
} book_row;

static void out_text(MYSQL_BIND *b, char *buf, size_t cap, unsigned long *len) {
    memset(b, 0, sizeof *b);
    b->buffer_type = MYSQL_TYPE_STRING;
    b->buffer = buf;
    b->buffer_length = (unsigned long)cap;
    b->length = len;
}

static void book_row_bind(book_row *r) {
    bind_int(&r->b[0], &r->id);
    out_text(&r->b[1], r->title, sizeof r->title, &r->title_len);
    bind_int(&r->b[2], &r->author_id);
    memset(&r->b[3], 0, sizeof r->b[3]);
    r->b[3].buffer_type = MYSQL_TYPE_DATE;
    r->b[3].buffer = &r->date;
    out_text(&r->b[4], r->isbn, sizeof r->isbn, &r->isbn_len);
    out_text(&r->b[5], r->genre, sizeof r->genre, &r->genre_len);
    bind_int(&r->b[6], &r->pages);
}

static int book_of(const book_row *r, arena *a, book *b) {
    b->id = r->id;
    b->title = arena_copy(a, r->title, r->title_len);
    b->author_id = r->author_id;
    b->publication_date = (bench_date){(int)r->date.year, (int)r->date.month, (int)r->date.day};
    b->isbn = arena_copy(a, r->isbn, r->isbn_len);
    b->genre = arena_copy(a, r->genre, r->genre_len);
    b->pages = (int32_t)r->pages;
    return b->title && b->isbn && b->genre ? 0 : oom();
}

/* Runs `s` with `params` bound (or none) and stores its result; its
 * results are bound to `out` when there are some.  0 or -1. */
static int execute(MYSQL_STMT *s, MYSQL_BIND *params, MYSQL_BIND *out, const char *what) {
    if ((params && mysql_stmt_bind_param(s, params)) || mysql_stmt_execute(s) ||
        (out && (mysql_stmt_store_result(s) || mysql_stmt_bind_result(s, out))))
        return fail_s(s, what);
    return 0;
}

typedef struct author_params {
    bench_author_row r;
    MYSQL_TIME date;
    unsigned long name_len, bio_len;
} author_params;

typedef struct book_params {
    bench_book_row r;
    MYSQL_TIME date;
    long long author_id, pages;
    unsigned long title_len, isbn_len, genre_len;
} book_params;

static void author_bind(int i, author_params *p, MYSQL_BIND *b) {
    bench_author_make(i, &p->r);
    bind_text(&b[0], p->r.name, &p->name_len);
    bind_date(&b[1], &p->date, p->r.birth_date);
    bind_text(&b[2], p->r.biography, &p->bio_len);
}

static void book_bind(int j, book_params *p, MYSQL_BIND *b) {
    bench_book_make(j, &p->r);
    p->author_id = p->r.author_id;
    p->pages = p->r.pages;
    bind_text(&b[0], p->r.title, &p->title_len);
    bind_int(&b[1], &p->author_id);
    bind_date(&b[2], &p->date, p->r.publication_date);
    bind_text(&b[3], p->r.isbn, &p->isbn_len);
    bind_text(&b[4], p->r.genre, &p->genre_len);
    bind_int(&b[5], &p->pages);
}

static const int64_t all_ids =
    (int64_t)(BENCH_AUTHORS + 1) * BENCH_AUTHORS / 2 + (int64_t)(BENCH_BOOKS + 1) * BENCH_BOOKS / 2;

/* create(): one INSERT per object, its id read as LAST_INSERT_ID (the ORMs
 * set obj.id), all in one transaction. */
static int w_create(MYSQL *c, double *secs) {
    int64_t ids = 0;
    int rc = -1;
    double t0 = bench_now();
    MYSQL_STMT *sa = NULL, *sb = NULL;
    if (bench_my_exec(c, "BEGIN") < 0) return -1;
    if (!(sa = prepare(c, AUTHOR_INSERT "(?, ?, ?)")) || !(sb = prepare(c, BOOK_INSERT "(?, ?, ?, ?, ?, ?)"))) goto out;
    for (int i = 1; i <= BENCH_AUTHORS; i++) {
        author_params p;
        MYSQL_BIND b[3];
        author_bind(i, &p, b);
        if (execute(sa, b, NULL, "create author") < 0) goto out;
        ids += (int64_t)mysql_stmt_insert_id(sa);
    }
    for (int j = 1; j <= BENCH_BOOKS; j++) {
        book_params p;
        MYSQL_BIND b[6];
        book_bind(j, &p, b);
        if (execute(sb, b, NULL, "create book") < 0) goto out;
        ids += (int64_t)mysql_stmt_insert_id(sb);
    }
    if (bench_my_exec(c, "COMMIT") < 0) goto out;
    *secs = bench_now() - t0;
    if (ids == all_ids)
        rc = 0;
    else
        fprintf(stderr, "raw_my: create: ids were not 1..n\n");
out:
    if (rc) bench_my_exec(c, "ROLLBACK");
    if (sa) mysql_stmt_close(sa);
    if (sb) mysql_stmt_close(sb);
    return rc;
}

/* The SQL of a multi-row INSERT of `rows` rows of `ncols` parameters each,
 * with RETURNING `id`; malloc'd, or NULL. */
static char *multi_sql(const char *head, int ncols, int rows) {
    size_t cap = strlen(head) + (size_t)rows * (size_t)ncols * 3 + (size_t)rows * 4 + 32;
    char *sql = malloc(cap);
    if (!sql) return NULL;
    size_t len = strlen(head);
    memcpy(sql, head, len);
    for (int q = 0; q < rows; q++) {
        if (q) sql[len++] = ',', sql[len++] = ' ';
        sql[len++] = '(';
        for (int k = 0; k < ncols; k++) {
            if (k) sql[len++] = ',', sql[len++] = ' ';
            sql[len++] = '?';
        }
        sql[len++] = ')';
    }
    snprintf(sql + len, cap - len, " RETURNING `id`");
    return sql;
}

/* Inserts rows 1..total of a table in one transaction, MAX_PARAMS / ncols
 * rows per statement (the full-batch statement prepared once, the last
 * partial batch its own); the ids read back are summed into *ids. */
static int insert_batched(MYSQL *c, int total, int ncols, const char *head, int is_book, int64_t *ids) {
    int per = MAX_PARAMS / ncols, rc = -1;
    MYSQL_STMT *full = NULL, *part = NULL;
    book_params *books = is_book ? malloc(sizeof *books * (size_t)per) : NULL;
    author_params *authors = is_book ? NULL : malloc(sizeof *authors * (size_t)per);
    MYSQL_BIND *b = malloc(sizeof *b * (size_t)per * (size_t)ncols);
    if ((!books && !authors) || !b) {
        oom();
        goto out;
    }
    if (bench_my_exec(c, "BEGIN") < 0) goto out;
    for (int j = 1; j <= total; j += per) {
        int k = total - j + 1 < per ? total - j + 1 : per;
        MYSQL_STMT **s = k == per ? &full : &part;
        if (!*s) {
            char *sql = multi_sql(head, ncols, k);
            *s = sql ? prepare(c, sql) : NULL;
            free(sql);
            if (!*s) goto rollback;
        }
        for (int q = 0; q < k; q++) {
            if (is_book)
                book_bind(j + q, &books[q], b + q * ncols);
            else
                author_bind(j + q, &authors[q], b + q * ncols);
        }
        long long id;
        MYSQL_BIND out;
        bind_int(&out, &id);
        if (execute(*s, b, &out, "bulk insert") < 0) goto rollback;
        while (mysql_stmt_fetch(*s) == 0) *ids += id;
        mysql_stmt_free_result(*s);
    }
    if (bench_my_exec(c, "COMMIT") == 0) rc = 0;
    goto out;
rollback:
    bench_my_exec(c, "ROLLBACK");
out:
    if (full) mysql_stmt_close(full);
    if (part) mysql_stmt_close(part);
    free(books);
    free(authors);
    free(b);
    return rc;
}

/* bulk_create(): multi-row INSERT ... RETURNING, one transaction per table
 * as Django's. */
static int w_bulk_create(MYSQL *c, double *secs) {
    int64_t ids = 0;
    double t0 = bench_now();
    if (insert_batched(c, BENCH_AUTHORS, 3, AUTHOR_INSERT, 0, &ids) < 0 ||
        insert_batched(c, BENCH_BOOKS, 6, BOOK_INSERT, 1, &ids) < 0)
        return -1;
    *secs = bench_now() - t0;
    if (ids != all_ids) {
        fprintf(stderr, "raw_my: bulk_create: ids were not 1..n\n");
        return -1;
    }
    return 0;
}

/* Runs a loading workload `fn` on fresh tables over a new connection: drop
 * them, run the DDL, time fn, then hash what was stored.  The last run's
 * connection is left in *keep for the workloads that read, the tables
 * analyzed. */
static int run_fresh_round(const char *url, const char *name, int (*fn)(MYSQL *, double *), MYSQL **keep) {
    double best = 1e300;
    uint64_t sum = 0;
    for (int run = 0, runs = bench_runs(); run < runs; run++) {
        double secs;
        MYSQL *c = bench_my_connect("raw_my", url);
        if (!c) return -1;
        int rc = bench_my_drop_tables(c);
        for (size_t i = 0; rc == 0 && ddl[i]; i++) rc = bench_my_exec(c, ddl[i]);
        if (rc < 0 || fn(c, &secs) < 0 || bench_my_db_checksum(c, &sum) < 0) {
            mysql_close(c);
            return -1;
        }
        if (secs < best) best = secs;
        if (run == runs - 1 && keep) {
            if (bench_my_settle(c) < 0) {
                mysql_close(c);
                return -1;
            }
            *keep = c;
        } else {
            mysql_close(c);
        }
    }
    bench_report(IMPL, name, BENCH_AUTHORS + BENCH_BOOKS, best, sum);
    return 0;
}

/* bench_rounds(name) rounds of it, paced by bench_step. */
static int run_fresh(const char *url, const char *name, int (*fn)(MYSQL *, double *), MYSQL **keep) {
    for (int round = 0, rounds = bench_rounds(name); round < rounds; round++) {
        bench_step(name);
        if (run_fresh_round(url, name, fn, round == rounds - 1 ? keep : NULL) < 0) return -1;
    }
    return 0;
}

/* Each reading statement is prepared on the first run of its workload and
 * reused by the later runs, as a program keeps its statements. */
static int prepare_once(MYSQL *c, MYSQL_STMT **s, const char *sql) {
    if (!*s) *s = prepare(c, sql);
    return *s ? 0 : -1;
}

/* Runs `s` with `params` and appends the books of its (at most `limit`)
 * rows to books[*n].  0 or -1. */
static int read_books(MYSQL_STMT *s, MYSQL_BIND *params, unsigned long long limit, arena *ar, book *books, size_t *n) {
    book_row r;
    book_row_bind(&r);
    if (execute(s, params, r.b, "read books") < 0) return -1;
    int rc = mysql_stmt_num_rows(s) > limit ? -1 : 0;
    while (rc == 0 && mysql_stmt_fetch(s) == 0) rc = book_of(&r, ar, &books[(*n)++]);
    mysql_stmt_free_result(s);
    return rc;
}

static MYSQL_STMT *s_fetch_all, *s_values, *s_get, *s_filter, *s_update, *s_related, *s_authors, *s_prefetch, *s_m2m;

/* list(Book.objects.all()), ordered by Meta.ordering (-publication_date). */
static int w_fetch_all(MYSQL *c, double *secs, uint64_t *sum) {
    arena ar = {NULL};
    double t0 = bench_now();
    if (prepare_once(c, &s_fetch_all, BOOK_COLUMNS "ORDER BY `publication_date` DESC") < 0) return -1;
    book_row r;
    book_row_bind(&r);
    if (execute(s_fetch_all, NULL, r.b, "fetch_all") < 0) return -1;
    size_t n = (size_t)mysql_stmt_num_rows(s_fetch_all), i = 0;
    book *books = malloc(sizeof *books * (n ? n : 1));
    int rc = books ? 0 : oom();
    while (rc == 0 && mysql_stmt_fetch(s_fetch_all) == 0) rc = book_of(&r, &ar, &books[i++]);
    mysql_stmt_free_result(s_fetch_all);
    *secs = bench_now() - t0;
    if (rc == 0 && i == BENCH_BOOKS)
        *sum = raw_books_sum(books, i);
    else if (rc == 0)
        rc = fail_c(c, "fetch_all");
    free(books);
    arena_free(&ar);
    return rc;
}

/* list(Book.objects.values_list("title", flat=True)). */
static int w_values_flat(MYSQL *c, double *secs, uint64_t *sum) {
    arena ar = {NULL};
    double t0 = bench_now();
    if (prepare_once(c, &s_values, "SELECT `title` FROM `library_book` ORDER BY `publication_date` DESC") < 0)
        return -1;
    char title[801];
    unsigned long len;
    MYSQL_BIND out;
    out_text(&out, title, sizeof title, &len);
    if (execute(s_values, NULL, &out, "values_list_flat") < 0) return -1;
    size_t n = (size_t)mysql_stmt_num_rows(s_values), i = 0;
    const char **titles = malloc(sizeof *titles * (n ? n : 1));
    int rc = titles ? 0 : oom();
    while (rc == 0 && mysql_stmt_fetch(s_values) == 0)
        if (!(titles[i++] = arena_copy(&ar, title, len))) rc = oom();
    mysql_stmt_free_result(s_values);
    *secs = bench_now() - t0;
    if (rc == 0 && i == BENCH_BOOKS) {
        bench_hash h;
        bench_hash_init(&h);
        for (size_t k = 0; k < i; k++) {
            bench_hash_str(&h, titles[k]);
            bench_hash_bytes(&h, "\n", 1);
        }
        *sum = h.h;
    } else if (rc == 0) {
        rc = fail_c(c, "values_list_flat");
    }
    free(titles);
    arena_free(&ar);
    return rc;
}

/* Book.objects.get(pk=i) for i = 1..BENCH_GETS. */
static int w_get_pk(MYSQL *c, double *secs, uint64_t *sum) {
    arena ar = {NULL};
    int rc = 0;
    size_t n = 0;
    double t0 = bench_now();
    book *books = malloc(sizeof *books * BENCH_GETS);
    if (!books) return oom();
    if (prepare_once(c, &s_get, BOOK_COLUMNS "WHERE `id` = ?") < 0) {
        free(books);
        return -1;
    }
    for (int i = 1; i <= BENCH_GETS && rc == 0; i++) {
        long long id = i;
        MYSQL_BIND p;
        bind_int(&p, &id);
        size_t before = n;
        rc = read_books(s_get, &p, 1, &ar, books, &n);
        if (rc == 0 && n != before + 1) rc = fail_c(c, "get_pk: no such book");
    }
    *secs = bench_now() - t0;
    if (rc == 0) *sum = raw_books_sum(books, n);
    free(books);
    arena_free(&ar);
    return rc;
}

/* list(Book.objects.filter(pages__gt=t).order_by("-publication_date")[:10]). */
static int w_filter(MYSQL *c, double *secs, uint64_t *sum) {
    arena ar = {NULL};
    size_t n = 0;
    int rc = 0;
    double t0 = bench_now();
    book *books = malloc(sizeof *books * BENCH_FILTERS * BENCH_SLICE);
    if (!books) return oom();
    if (prepare_once(c, &s_filter, BOOK_COLUMNS "WHERE `pages` > ? ORDER BY `publication_date` DESC LIMIT 10") < 0) {
        free(books);
        return -1;
    }
    for (int k = 1; k <= BENCH_FILTERS && rc == 0; k++) {
        long long t = bench_filter_threshold(k);
        MYSQL_BIND p;
        bind_int(&p, &t);
        rc = read_books(s_filter, &p, BENCH_SLICE, &ar, books, &n);
    }
    *secs = bench_now() - t0;
    if (rc == 0) *sum = raw_books_sum(books, n);
    free(books);
    arena_free(&ar);
    return rc;
}

/* Book.objects.filter(genre="FIC").update(pages=500 + r % 2), each in its
 * own (autocommit) transaction like Django's; rows matched are counted
 * (CLIENT_FOUND_ROWS). */
static int w_update(MYSQL *c, double *secs, int64_t *matched) {
    int rc = 0;
    double t0 = bench_now();
    *matched = 0;
    if (prepare_once(c, &s_update, "UPDATE `library_book` SET `pages` = ? WHERE `genre` = ?") < 0) return -1;
    for (int r = 0; r < BENCH_UPDATES && rc == 0; r++) {
        long long pages = r % 2 ? 501 : 500;
        unsigned long len;
        MYSQL_BIND p[2];
        bind_int(&p[0], &pages);
        bind_text(&p[1], "FIC", &len);
        rc = execute(s_update, p, NULL, "update_const");
        *matched += (int64_t)mysql_stmt_affected_rows(s_update);
    }
    *secs = bench_now() - t0;
    return rc;
}

/* Book.objects.select_related("author").order_by("id"): one join. */
static int w_select_related(MYSQL *c, double *secs, uint64_t *sum) {
    arena ar = {NULL};
    double t0 = bench_now();
    if (prepare_once(c, &s_related,
                     BOOK_QUALIFIED ", `library_author`.`id`, `library_author`.`name`, `library_author`.`birth_date`, "
                                    "`library_author`.`biography` FROM `library_book` INNER JOIN `library_author` ON "
                                    "(`library_book`.`author_id` = `library_author`.`id`) ORDER BY "
                                    "`library_book`.`id` ASC") < 0)
        return -1;
    book_row r;
    long long aid;
    char name[401], bio[4096];
    unsigned long name_len, bio_len;
    MYSQL_TIME birth;
    my_bool birth_null;
    MYSQL_BIND out[11];
    book_row_bind(&r);
    memcpy(out, r.b, sizeof r.b);
    bind_int(&out[7], &aid);
    out_text(&out[8], name, sizeof name, &name_len);
    memset(&out[9], 0, sizeof out[9]);
    out[9].buffer_type = MYSQL_TYPE_DATE;
    out[9].buffer = &birth;
    out[9].is_null = &birth_null;
    out_text(&out[10], bio, sizeof bio, &bio_len);
    if (execute(s_related, NULL, out, "select_related") < 0) return -1;
    size_t n = (size_t)mysql_stmt_num_rows(s_related), i = 0;
    book *books = malloc(sizeof *books * (n ? n : 1));
    const char **names = malloc(sizeof *names * (n ? n : 1));
    int rc = books && names ? 0 : oom();
    /* Each row's author is read whole, as an ORM loads it. */
    while (rc == 0 && mysql_stmt_fetch(s_related) == 0) {
        if (book_of(&r, &ar, &books[i]) < 0 || aid != books[i].author_id ||
            !(names[i] = arena_copy(&ar, name, name_len)) || !arena_copy(&ar, bio, bio_len))
            rc = -1;
        i++;
    }
    mysql_stmt_free_result(s_related);
    *secs = bench_now() - t0;
    if (rc == 0 && i == BENCH_BOOKS) {
        bench_hash h;
        bench_hash_init(&h);
        for (size_t k = 0; k < i; k++) {
            hash_books(&books[k], 1, &h);
            bench_hash_str(&h, names[k]);
            bench_hash_str(&h, "\n");
        }
        *sum = h.h;
    } else if (rc == 0) {
        rc = fail_c(c, "select_related");
    }
    free(books);
    free(names);
    arena_free(&ar);
    return rc;
}

/* Author.objects.prefetch_related("books").order_by("id"): the authors, then
 * their books by one IN list of every key (MySQL has no parameter limit
 * Django would batch by), in Book's Meta.ordering, grouped onto their
 * authors. */
static int w_prefetch(MYSQL *c, double *secs, uint64_t *sum) {
    arena ar = {NULL};
    int rc = -1;
    double t0 = bench_now();
    const char **names = malloc(sizeof *names * BENCH_AUTHORS);
    long long *keys = malloc(sizeof *keys * BENCH_AUTHORS);
    MYSQL_BIND *params = malloc(sizeof *params * BENCH_AUTHORS);
    book *books = malloc(sizeof *books * BENCH_BOOKS);
    size_t *count = calloc(BENCH_AUTHORS + 1, sizeof *count), *start = calloc(BENCH_AUTHORS + 2, sizeof *start);
    const book **slots = malloc(sizeof *slots * BENCH_BOOKS);
    char *sql = malloc(512 + BENCH_AUTHORS * 3);
    size_t na = 0, nb = 0;
    if (!names || !keys || !params || !books || !count || !start || !slots || !sql) {
        oom();
        goto out;
    }
    char *p = sql + sprintf(sql, "%s FROM `library_book` WHERE `library_book`.`author_id` IN (", BOOK_QUALIFIED);
    for (int i = 0; i < BENCH_AUTHORS; i++) p += sprintf(p, i ? ", ?" : "?");
    strcpy(p, ") ORDER BY `library_book`.`publication_date` DESC");
    if (prepare_once(c, &s_authors,
                     "SELECT `id`, `name`, `birth_date`, `biography` FROM `library_author` ORDER BY "
                     "`id` ASC") < 0 ||
        prepare_once(c, &s_prefetch, sql) < 0)
        goto out;
    long long id;
    char name[401], bio[4096];
    unsigned long name_len, bio_len;
    MYSQL_TIME birth;
    my_bool birth_null;
    MYSQL_BIND out[4];
    bind_int(&out[0], &id);
    out_text(&out[1], name, sizeof name, &name_len);
    memset(&out[2], 0, sizeof out[2]);
    out[2].buffer_type = MYSQL_TYPE_DATE;
    out[2].buffer = &birth;
    out[2].is_null = &birth_null;
    out_text(&out[3], bio, sizeof bio, &bio_len);
    if (execute(s_authors, NULL, out, "prefetch authors") < 0) goto out;
    while (na < BENCH_AUTHORS && mysql_stmt_fetch(s_authors) == 0) {
        keys[na] = id;
        bind_int(&params[na], &keys[na]);
        names[na] = arena_copy(&ar, name, name_len);
        arena_copy(&ar, bio, bio_len);
        na++;
    }
    mysql_stmt_free_result(s_authors);
    if (na != BENCH_AUTHORS || read_books(s_prefetch, params, BENCH_BOOKS, &ar, books, &nb) < 0) goto out;
    /* Authors are 1..n here: group by key, in query order. */
    raw_group_by_author(books, nb, na, count, start, slots);
    *secs = bench_now() - t0;
    *sum = raw_hash_by_author(names, na, count, slots);
    rc = nb == BENCH_BOOKS ? 0 : -1;
out:
    free(names);
    free(keys);
    free(params);
    free(books);
    free(count);
    free(start);
    free(slots);
    free(sql);
    arena_free(&ar);
    return rc == 0 ? 0 : fail_c(c, "prefetch_related");
}

/* Book.objects.filter(tags__name__in=[a, b]).distinct().order_by("id")[:20]. */
static int w_m2m(MYSQL *c, double *secs, uint64_t *sum) {
    arena ar = {NULL};
    int rc = 0;
    size_t n = 0;
    double t0 = bench_now();
    book *books = malloc(sizeof *books * BENCH_M2M_QUERIES * BENCH_M2M_LIMIT);
    if (!books) return oom();
    if (prepare_once(c, &s_m2m,
                     "SELECT DISTINCT `library_book`.`id`, `library_book`.`title`, `library_book`.`author_id`, "
                     "`library_book`.`publication_date`, `library_book`.`isbn`, `library_book`.`genre`, "
                     "`library_book`.`pages` FROM `library_book` INNER JOIN `library_book_tags` ON "
                     "(`library_book`.`id` = `library_book_tags`.`book_id`) INNER JOIN `library_tag` ON "
                     "(`library_book_tags`.`tag_id` = `library_tag`.`id`) WHERE `library_tag`.`name` IN (?, ?) "
                     "ORDER BY `library_book`.`id` ASC LIMIT 20") < 0) {
        free(books);
        return -1;
    }
    for (int k = 1; k <= BENCH_M2M_QUERIES && rc == 0; k++) {
        char a[16], b[16];
        unsigned long la, lb;
        MYSQL_BIND p[2];
        bench_m2m_tags(k, a, b);
        bind_text(&p[0], a, &la);
        bind_text(&p[1], b, &lb);
        rc = read_books(s_m2m, p, BENCH_M2M_LIMIT, &ar, books, &n);
    }
    *secs = bench_now() - t0;
    if (rc == 0) *sum = raw_books_sum(books, n);
    free(books);
    arena_free(&ar);
    return rc;
}

/* The many-to-many tables (Django's DDL on MariaDB) and their rows, untimed. */
static int m2m_setup(MYSQL *c) {
    static const char *const tables[] = {
        "CREATE TABLE `library_tag` (`id` integer AUTO_INCREMENT NOT NULL PRIMARY KEY, `name` varchar(50) NOT NULL "
        "UNIQUE)",
        "CREATE TABLE `library_book_tags` (`id` integer AUTO_INCREMENT NOT NULL PRIMARY KEY, `book_id` integer NOT "
        "NULL, `tag_id` integer NOT NULL)",
        "ALTER TABLE `library_book_tags` ADD CONSTRAINT `library_book_tags_book_id_tag_id_c3660ce1_uniq` UNIQUE "
        "(`book_id`, `tag_id`)",
        "ALTER TABLE `library_book_tags` ADD CONSTRAINT `library_book_tags_book_id_7c6729bd_fk_library_book_id` "
        "FOREIGN KEY (`book_id`) REFERENCES `library_book` (`id`)",
        "ALTER TABLE `library_book_tags` ADD CONSTRAINT `library_book_tags_tag_id_ad3c9ecb_fk_library_tag_id` FOREIGN "
        "KEY (`tag_id`) REFERENCES `library_tag` (`id`)",
        NULL,
    };
    for (size_t i = 0; tables[i]; i++)
        if (bench_my_exec(c, tables[i]) < 0) return -1;
    return bench_my_m2m_fill(c);
}

/* Runs a workload on the loaded tables bench_runs() times; reports the best
 * time and the last run's checksum. */
static int run_read_round(MYSQL *c, const char *name, long n, int (*fn)(MYSQL *, double *, uint64_t *)) {
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
static int run_read(MYSQL *c, const char *name, long n, int (*fn)(MYSQL *, double *, uint64_t *)) {
    for (int round = 0, rounds = bench_rounds(name); round < rounds; round++) {
        bench_step(name);
        if (run_read_round(c, name, n, fn) < 0) return -1;
    }
    return 0;
}

/* update_const: its checksum reads the table state after the last run. */
static int run_update_round(MYSQL *c) {
    double best = 1e300;
    int64_t matched = 0;
    uint64_t sum;
    for (int run = 0, runs = bench_runs(); run < runs; run++) {
        double secs;
        if (w_update(c, &secs, &matched) < 0) return -1;
        if (secs < best) best = secs;
    }
    if (bench_my_update_checksum(c, matched, &sum) < 0) return -1;
    bench_report(IMPL, "update_const", BENCH_UPDATES, best, sum);
    return 0;
}

/* bench_rounds(name) rounds of it, paced by bench_step. */
static int run_update(MYSQL *c) {
    for (int round = 0, rounds = bench_rounds("update_const"); round < rounds; round++) {
        bench_step("update_const");
        if (run_update_round(c) < 0) return -1;
    }
    return 0;
}

int main(int argc, char **argv) {
    MYSQL *c = NULL;
    uint64_t schema;
    int rc = 1;
    if (argc != 2) {
        fprintf(stderr, "usage: raw_my URL\n");
        return 2;
    }
    if (run_fresh(argv[1], "create", w_create, NULL) == 0 &&
        run_fresh(argv[1], "bulk_create", w_bulk_create, &c) == 0 && bench_my_schema_checksum(c, &schema) == 0) {
        bench_check(IMPL, "schema", schema);
        if (run_read(c, "fetch_all", BENCH_BOOKS, w_fetch_all) == 0 &&
            run_read(c, "values_list_flat", BENCH_BOOKS, w_values_flat) == 0 &&
            run_read(c, "get_pk", BENCH_GETS, w_get_pk) == 0 &&
            run_read(c, "filter_order_slice", BENCH_FILTERS, w_filter) == 0 && run_update(c) == 0 &&
            run_read(c, "select_related", BENCH_BOOKS, w_select_related) == 0 &&
            run_read(c, "prefetch_related", BENCH_AUTHORS, w_prefetch) == 0 && m2m_setup(c) == 0 &&
            run_read(c, "m2m_filter_distinct", BENCH_M2M_QUERIES, w_m2m) == 0)
            rc = 0;
    }
    MYSQL_STMT *all[] = {s_fetch_all, s_values, s_get, s_filter, s_update, s_related, s_authors, s_prefetch, s_m2m};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (all[i]) mysql_stmt_close(all[i]);
    if (c && bench_my_drop_tables(c) < 0) rc = 1;
    mysql_close(c);
    return rc;
}
