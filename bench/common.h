/* common.h - what every C benchmark shares: the deterministic library data,
 * the workload sizes, the clock, the result line and the checksums that let
 * raw C, dorm and Django prove they did the same work (bench/django_bench.py
 * mirrors every definition here). */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#define BENCH_AUTHORS 2000
#define BENCH_BOOKS 20000
#define BENCH_GETS 20000 /* get(pk=i), i = 1..BENCH_GETS              */
#define BENCH_FILTERS 2000 /* filter(pages__gt=...)[:10], k = 1..       */
#define BENCH_SLICE 10
#define BENCH_UPDATES 20 /* update(pages=500 + r % 2), r = 0..        */
#define BENCH_TAGS 20 /* library_tag rows "Tag 1" .. "Tag 20"       */
#define BENCH_M2M_QUERIES 200 /* filter(tags__name__in=...).distinct()[:20] */
#define BENCH_M2M_LIMIT 20
#define BENCH_EXPR_QUERIES 20 /* annotate_having, values_group, union_filters: k = 1.. */
#define BENCH_HAVING_MIN 6 /* annotate_having: authors with at least this many books */
#define BENCH_PER_PAGE 20 /* Book.objects.order_by("title"), 20 a page  */
#define BENCH_PAGE 1000 /* page 1,000 of 1,000 (rows 19,981..20,000) */
#define BENCH_PAGE_QUERIES 100 /* how often that page is read               */

/* A calendar date, as every implementation reads it back. */
typedef struct bench_date {
    int year, month, day;
} bench_date;

/* Row i (1-based) of library_author: "Author <i>", 1900-01-01 + i days,
 * "Bio <i>".  Strings are held in the struct. */
typedef struct bench_author_row {
    char name[32];
    bench_date birth_date;
    char biography[32];
} bench_author_row;

/* Row j (1-based) of library_book: "Book <j>", author (j % 2000) + 1,
 * 1800-01-01 + (j * 7919 % 80000) days, isbn "978" + j on 10 digits, genre
 * FIC/NON/SCI/HIS by j % 4, pages 100 + (j * 37 % 900). */
typedef struct bench_book_row {
    char title[32];
    int64_t author_id;
    bench_date publication_date;
    char isbn[16];
    const char *genre; /* static string */
    int pages;
} bench_book_row;

/* Fill *out with author row i / book row j; they cannot fail. */
void bench_author_make(int i, bench_author_row *out);
void bench_book_make(int j, bench_book_row *out);
/* The pages__gt threshold of filter k: 100 + (k * 13 % 800). */
int bench_filter_threshold(int k);
/* The pages threshold of the expression workloads' query k: 100 + k * 30. */
int bench_expr_threshold(int k);
/* The date `days` days after 1970-01-01 (negative: before). */
bench_date bench_date_from_days(int64_t days);
/* "YYYY-MM-DD" into buf (at least 11 bytes); returns 10. */
int bench_date_format(bench_date d, char *buf);

/* The tag names of many-to-many query k (1-based): "Tag <k % 20 + 1>" and
 * "Tag <k * 3 % 20 + 1>", into a and b (at least 16 bytes each). */
void bench_m2m_tags(int k, char *a, char *b);
/* The statements (NULL-terminated) every implementation runs, untimed, to
 * fill library_tag and library_book_tags once its tables exist: 20 tags;
 * book j has tags j % 20 + 1 and j * 7 % 20 + 1. */
extern const char *const bench_m2m_fill[];

/* How often each workload runs (the best run counts): $BENCH_RUNS when it
 * is a number from 1 to 1000, else 3.  More runs steady the minimum on a
 * busy machine. */
int bench_runs(void);

/* Paced by bench/interleave.py ($BENCH_STEP set), every workload runs
 * $BENCH_ROUNDS rounds (1 to 100; otherwise 1), each the best of
 * bench_runs() runs with its own result line, and before each round
 * bench_step prints "ready <workload>" and waits for a line on stdin, so
 * that the implementations take turns round by round on each workload
 * while the others wait.  Without $BENCH_STEP bench_step does nothing.
 * $BENCH_ONLY, a comma-separated list of workloads, runs only those (and
 * bulk_create, which makes the data they read): bench_rounds gives 0 for
 * the others.  An instruction count (valgrind --tool=callgrind) of one
 * workload needs nothing else run. */
int bench_rounds(const char *workload);
void bench_step(const char *workload);

/* Seconds on a monotonic clock. */
double bench_now(void);

/* FNV-1a 64 over a byte stream; the checksum printed for every workload. */
typedef struct bench_hash {
    uint64_t h;
} bench_hash;
void bench_hash_init(bench_hash *h);
void bench_hash_bytes(bench_hash *h, const void *p, size_t n);
void bench_hash_str(bench_hash *h, const char *s);
/* Hashes one value of a result row as text (an integer in decimal, NULL as
 * "None"), followed by "|", or by "\n" after the row's last value. */
void bench_hash_cell(bench_hash *h, const char *text, int last);
/* Hashes one book as the line "id|title|author_id|YYYY-MM-DD|isbn|genre|pages\n",
 * the form every implementation uses for objects it loaded. */
void bench_hash_book(bench_hash *h, int64_t id, const char *title, int64_t author_id, bench_date publication_date,
                     const char *isbn, const char *genre, int64_t pages);

/* Adds to `h` the one text column of every row of `sql`, each followed by
 * "\n".  0 on success, -1 on a SQLite error (message on stderr). */
int bench_hash_query(sqlite3 *db, const char *sql, bench_hash *h);
/* Hash of both tables' content, rows rendered and typed by SQLite itself
 * (values and storage classes), so it compares what each implementation
 * stored.  0 or -1 as above. */
int bench_db_checksum(sqlite3 *db, uint64_t *out);
/* Hash of the CREATE statements of the two tables and their indexes, as
 * sqlite_master holds them.  0 or -1 as above. */
int bench_schema_checksum(sqlite3 *db, uint64_t *out);

/* Hash of the line "<matched>|<count(*)>|<sum(pages)>\n" of library_book after
 * the update workload matched `matched` rows in all.  0 or -1 as above. */
int bench_update_checksum(sqlite3 *db, int64_t matched, uint64_t *out);

/* Prints the result line "bench impl=<impl> workload=<w> n=<n> seconds=<s>
 * checksum=<16 hex digits>" on stdout; n is the number of operations the
 * time is divided by. */
void bench_report(const char *impl, const char *workload, long n, double seconds, uint64_t checksum);
/* Prints "check impl=<impl> what=<what> checksum=<hex>" (not timed). */
void bench_check(const char *impl, const char *what, uint64_t checksum);

/* The directory for the run's database files: `dir` itself if not NULL
 * (created if missing), else a new one under $TMPDIR or /tmp.  *created says
 * whether this call made it (so the caller removes it at the end).  Returns a
 * malloc'd path, or NULL (message on stderr). */
char *bench_tmpdir(const char *dir, int *created);
/* malloc'd "<dir>/<name>", or NULL. */
char *bench_path(const char *dir, const char *name);
/* Removes a database file and its journal; 0 or -1. */
int bench_remove_db(const char *path);

#endif
