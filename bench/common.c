/* common.c - the shared half of the C benchmarks: the data generator, date
 * arithmetic, FNV-1a checksums, the database-state checksums computed by
 * SQLite, the result lines and temporary files.  None of it is timed. */
#define _POSIX_C_SOURCE 200809L

#include "common.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *const genres[4] = {"FIC", "NON", "SCI", "HIS"};

/* Howard Hinnant's days_from_civil / civil_from_days: exact for the
 * proleptic Gregorian calendar, as Python's datetime.date is. */
static int64_t days_from_civil(int y, int m, int d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

bench_date bench_date_from_days(int64_t z) {
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    bench_date r;
    r.day = (int)(doy - (153 * mp + 2) / 5 + 1);
    r.month = (int)(mp < 10 ? mp + 3 : mp - 9);
    r.year = (int)(yoe + era * 400 + (r.month <= 2));
    return r;
}

int bench_date_format(bench_date d, char *buf) {
    snprintf(buf, 11, "%04d-%02d-%02d", d.year, d.month, d.day);
    return 10;
}

void bench_author_make(int i, bench_author_row *out) {
    snprintf(out->name, sizeof out->name, "Author %d", i);
    out->birth_date = bench_date_from_days(days_from_civil(1900, 1, 1) + i);
    snprintf(out->biography, sizeof out->biography, "Bio %d", i);
}

void bench_book_make(int j, bench_book_row *out) {
    snprintf(out->title, sizeof out->title, "Book %d", j);
    out->author_id = (j % BENCH_AUTHORS) + 1;
    out->publication_date = bench_date_from_days(days_from_civil(1800, 1, 1) + (int64_t)j * 7919 % 80000);
    snprintf(out->isbn, sizeof out->isbn, "978%010d", j);
    out->genre = genres[j % 4];
    out->pages = 100 + (j * 37 % 900);
}

int bench_filter_threshold(int k) { return 100 + (k * 13 % 800); }

int bench_expr_threshold(int k) { return 100 + k * 30; }

int bench_runs(void) {
    const char *s = getenv("BENCH_RUNS");
    char *end;
    long n = s ? strtol(s, &end, 10) : 0;
    return s && *s && !*end && n >= 1 && n <= 1000 ? (int)n : 3;
}

/* $BENCH_STEP set: run.sh's driver (bench/interleave.py) paces the rounds. */
static int stepping(void) {
    const char *s = getenv("BENCH_STEP");
    return s && *s && strcmp(s, "0") != 0;
}

/* Whether $BENCH_ONLY (a comma-separated list) names workload. */
static int selected(const char *workload) {
    const char *only = getenv("BENCH_ONLY");
    if (!only || !*only || strcmp(workload, "bulk_create") == 0) return 1;
    size_t n = strlen(workload);
    for (const char *p = only; *p; p += strcspn(p, ",")) {
        p += strspn(p, ",");
        if (strncmp(p, workload, n) == 0 && (p[n] == ',' || p[n] == '\0')) return 1;
    }
    return 0;
}

int bench_rounds(const char *workload) {
    if (!selected(workload)) return 0;
    const char *s = getenv("BENCH_ROUNDS");
    char *end;
    long n = s ? strtol(s, &end, 10) : 0;
    return stepping() && s && *s && !*end && n >= 1 && n <= 100 ? (int)n : 1;
}

void bench_step(const char *workload) {
    if (!stepping()) return;
    printf("ready %s\n", workload);
    fflush(stdout);
    int c;
    while ((c = getchar()) != EOF && c != '\n')
        ;
}

double bench_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void bench_hash_init(bench_hash *h) { h->h = 14695981039346656037ULL; }

void bench_hash_bytes(bench_hash *h, const void *p, size_t n) {
    const unsigned char *s = p;
    uint64_t x = h->h;
    for (size_t i = 0; i < n; i++) {
        x ^= s[i];
        x *= 1099511628211ULL;
    }
    h->h = x;
}

void bench_hash_str(bench_hash *h, const char *s) { bench_hash_bytes(h, s, strlen(s)); }

void bench_hash_cell(bench_hash *h, const char *text, int last) {
    bench_hash_str(h, text ? text : "None");
    bench_hash_bytes(h, last ? "\n" : "|", 1);
}

void bench_hash_book(bench_hash *h, int64_t id, const char *title, int64_t author_id, bench_date publication_date,
                     const char *isbn, const char *genre, int64_t pages) {
    char line[256];
    int n =
        snprintf(line, sizeof line, "%" PRId64 "|%s|%" PRId64 "|%04d-%02d-%02d|%s|%s|%" PRId64 "\n", id, title,
                 author_id, publication_date.year, publication_date.month, publication_date.day, isbn, genre, pages);
    if (n > 0) bench_hash_bytes(h, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

int bench_hash_query(sqlite3 *db, const char *sql, bench_hash *h) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "checksum: %s\n", sqlite3_errmsg(db));
        return -1;
    }
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *s = sqlite3_column_text(st, 0);
        if (s) bench_hash_bytes(h, s, (size_t)sqlite3_column_bytes(st, 0));
        bench_hash_bytes(h, "\n", 1);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        fprintf(stderr, "checksum: %s\n", sqlite3_errmsg(db));
        return -1;
    }
    return 0;
}

int bench_db_checksum(sqlite3 *db, uint64_t *out) {
    bench_hash h;
    bench_hash_init(&h);
    if (bench_hash_query(db,
                         "SELECT id||'|'||name||'|'||ifnull(birth_date,'')||'|'||biography||'|'||"
                         "typeof(id)||typeof(name)||typeof(birth_date)||typeof(biography) "
                         "FROM library_author ORDER BY id",
                         &h) < 0 ||
        bench_hash_query(db,
                         "SELECT id||'|'||title||'|'||author_id||'|'||publication_date||'|'||isbn||'|'||"
                         "genre||'|'||pages||'|'||typeof(id)||typeof(title)||typeof(author_id)||"
                         "typeof(publication_date)||typeof(isbn)||typeof(genre)||typeof(pages) "
                         "FROM library_book ORDER BY id",
                         &h) < 0)
        return -1;
    *out = h.h;
    return 0;
}

int bench_schema_checksum(sqlite3 *db, uint64_t *out) {
    bench_hash h;
    bench_hash_init(&h);
    if (bench_hash_query(db,
                         "SELECT type||'|'||name||'|'||tbl_name||'|'||sql FROM sqlite_master "
                         "WHERE tbl_name IN ('library_author', 'library_book') AND sql IS NOT NULL "
                         "ORDER BY type, name",
                         &h) < 0)
        return -1;
    *out = h.h;
    return 0;
}

int bench_update_checksum(sqlite3 *db, int64_t matched, uint64_t *out) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT count(*), sum(pages) FROM library_book", -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "checksum: %s\n", sqlite3_errmsg(db));
        return -1;
    }
    int rc = -1;
    if (sqlite3_step(st) == SQLITE_ROW) {
        char line[96];
        bench_hash h;
        bench_hash_init(&h);
        snprintf(line, sizeof line, "%" PRId64 "|%" PRId64 "|%" PRId64 "\n", matched,
                 (int64_t)sqlite3_column_int64(st, 0), (int64_t)sqlite3_column_int64(st, 1));
        bench_hash_str(&h, line);
        *out = h.h;
        rc = 0;
    } else {
        fprintf(stderr, "checksum: %s\n", sqlite3_errmsg(db));
    }
    sqlite3_finalize(st);
    return rc;
}

void bench_report(const char *impl, const char *workload, long n, double seconds, uint64_t checksum) {
    printf("bench impl=%s workload=%s n=%ld seconds=%.6f checksum=%016" PRIx64 "\n", impl, workload, n, seconds,
           checksum);
    fflush(stdout);
}

void bench_check(const char *impl, const char *what, uint64_t checksum) {
    printf("check impl=%s what=%s checksum=%016" PRIx64 "\n", impl, what, checksum);
    fflush(stdout);
}

char *bench_tmpdir(const char *dir, int *created) {
    *created = 0;
    if (dir) {
        if (mkdir(dir, 0700) == 0)
            *created = 1;
        else if (errno != EEXIST) {
            fprintf(stderr, "%s: %s\n", dir, strerror(errno));
            return NULL;
        }
        char *r = strdup(dir);
        if (!r) fprintf(stderr, "out of memory\n");
        return r;
    }
    const char *base = getenv("TMPDIR");
    char *tmpl = bench_path(base && *base ? base : "/tmp", "dorm-bench-XXXXXX");
    if (!tmpl) return NULL;
    if (!mkdtemp(tmpl)) {
        fprintf(stderr, "mkdtemp %s: %s\n", tmpl, strerror(errno));
        free(tmpl);
        return NULL;
    }
    *created = 1;
    return tmpl;
}

char *bench_path(const char *dir, const char *name) {
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (!p) {
        fprintf(stderr, "out of memory\n");
        return NULL;
    }
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

int bench_remove_db(const char *path) {
    char journal[4096];
    snprintf(journal, sizeof journal, "%s-journal", path);
    int rc = 0;
    if (unlink(path) != 0 && errno != ENOENT) rc = -1;
    if (unlink(journal) != 0 && errno != ENOENT) rc = -1;
    return rc;
}

void bench_m2m_tags(int k, char *a, char *b) {
    snprintf(a, 16, "Tag %d", k % BENCH_TAGS + 1);
    snprintf(b, 16, "Tag %d", k * 3 % BENCH_TAGS + 1);
}

const char *const bench_m2m_fill[] = {
    "WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 20) "
    "INSERT INTO library_tag (id, name) SELECT n, 'Tag ' || n FROM t",
    "INSERT INTO library_book_tags (book_id, tag_id) SELECT id, id % 20 + 1 FROM library_book",
    "INSERT INTO library_book_tags (book_id, tag_id) SELECT id, id * 7 % 20 + 1 FROM library_book "
    "WHERE id * 7 % 20 <> id % 20",
    NULL,
};
