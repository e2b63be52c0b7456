/* raw_sqlite.c - the floor: the benchmark workloads hand-written against
 * libsqlite3 the way an expert would (statements prepared once and reused,
 * columns read straight into structs, strings copied into a bump arena).
 * Usage: raw_sqlite [dir]   (prints one "bench ..." line per workload) */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "common.h"
#include "raw_common.h"

#define IMPL "raw"

/* Django 3.2's DDL for the library models (schema_editor(collect_sql=True)). */
static const char ddl[] =
    "CREATE TABLE \"library_author\" (\"id\" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "
    "\"name\" varchar(100) NOT NULL, \"birth_date\" date NULL, \"biography\" text NOT NULL);"
    "CREATE TABLE \"library_book\" (\"id\" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "
    "\"title\" varchar(200) NOT NULL, \"author_id\" integer NOT NULL REFERENCES "
    "\"library_author\" (\"id\") DEFERRABLE INITIALLY DEFERRED, \"publication_date\" date NOT NULL, "
    "\"isbn\" varchar(13) NOT NULL UNIQUE, \"genre\" varchar(3) NOT NULL, \"pages\" integer "
    "unsigned NOT NULL CHECK (\"pages\" >= 0));"
    "CREATE INDEX \"library_book_author_id_d9a3b67e\" ON \"library_book\" (\"author_id\");"
    "CREATE INDEX \"library_boo_title_c38ef2_idx\" ON \"library_book\" (\"title\");"
    "CREATE INDEX \"library_boo_isbn_951e8b_idx\" ON \"library_book\" (\"isbn\");";

#define AUTHOR_INSERT "INSERT INTO \"library_author\" (\"name\", \"birth_date\", \"biography\") VALUES "
#define BOOK_INSERT                                                                            \
    "INSERT INTO \"library_book\" (\"title\", \"author_id\", \"publication_date\", \"isbn\", " \
    "\"genre\", \"pages\") VALUES "
#define BOOK_COLUMNS                                                                       \
    "SELECT \"id\", \"title\", \"author_id\", \"publication_date\", \"isbn\", \"genre\", " \
    "\"pages\" FROM \"library_book\" "

/* SQLite's historical SQLITE_MAX_VARIABLE_NUMBER, the limit Django's (and
 * dorm's) bulk_create batches by; measured to be the fastest multi-row batch
 * here (one row per statement is ~50% slower, 32766 parameters no faster). */
#define MAX_PARAMS 999

static const char *arena_text(arena *a, sqlite3_stmt *st, int col) {
    const char *s = (const char *)sqlite3_column_text(st, col);
    return arena_copy(a, s, (size_t)sqlite3_column_bytes(st, col));
}

/* Reads the current row of a BOOK_COLUMNS statement; -1 when out of memory or
 * a column is malformed. */
static int read_book(sqlite3_stmt *st, arena *a, book *b) {
    b->id = sqlite3_column_int64(st, 0);
    b->title = arena_text(a, st, 1);
    b->author_id = sqlite3_column_int64(st, 2);
    const char *d = (const char *)sqlite3_column_text(st, 3);
    if (!d || sqlite3_column_bytes(st, 3) != 10) return -1;
    b->publication_date.year = raw_digits(d, 4);
    b->publication_date.month = raw_digits(d + 5, 2);
    b->publication_date.day = raw_digits(d + 8, 2);
    b->isbn = arena_text(a, st, 4);
    b->genre = arena_text(a, st, 5);
    b->pages = sqlite3_column_int(st, 6);
    return b->title && b->isbn && b->genre ? 0 : -1;
}

static int fail(sqlite3 *db, const char *what) {
    fprintf(stderr, "raw_sqlite: %s: %s\n", what, sqlite3_errmsg(db));
    return -1;
}

static int oom(void) {
    fprintf(stderr, "raw_sqlite: out of memory\n");
    return -1;
}

static int prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st) {
    return sqlite3_prepare_v2(db, sql, -1, st, NULL) == SQLITE_OK ? 0 : fail(db, sql);
}

static int exec(sqlite3 *db, const char *sql) {
    return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : fail(db, sql);
}

/* Opens `path` as Django's SQLite backend does (foreign keys enforced). */
static sqlite3 *open_db(const char *path) {
    sqlite3 *db;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        fail(db, path);
        sqlite3_close(db);
        return NULL;
    }
    if (exec(db, "PRAGMA foreign_keys = ON") < 0) {
        sqlite3_close(db);
        return NULL;
    }
    return db;
}

static void bind_author(sqlite3_stmt *st, int p, const bench_author_row *r, char *date) {
    bench_date_format(r->birth_date, date);
    sqlite3_bind_text(st, p + 1, r->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, p + 2, date, 10, SQLITE_STATIC);
    sqlite3_bind_text(st, p + 3, r->biography, -1, SQLITE_STATIC);
}

static void bind_book(sqlite3_stmt *st, int p, const bench_book_row *r, char *date) {
    bench_date_format(r->publication_date, date);
    sqlite3_bind_text(st, p + 1, r->title, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, p + 2, r->author_id);
    sqlite3_bind_text(st, p + 3, date, 10, SQLITE_STATIC);
    sqlite3_bind_text(st, p + 4, r->isbn, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, p + 5, r->genre, 3, SQLITE_STATIC);
    sqlite3_bind_int(st, p + 6, r->pages);
}

/* create(): one INSERT per object, its id read back as the ORMs set obj.id,
 * all in one transaction. */
static int w_create(sqlite3 *db, double *secs) {
    sqlite3_stmt *a = NULL, *b = NULL;
    int64_t ids = 0;
    int rc = -1;
    double t0 = bench_now();
    if (exec(db, "BEGIN") < 0) return -1;
    if (prepare(db, AUTHOR_INSERT "(?, ?, ?)", &a) < 0 || prepare(db, BOOK_INSERT "(?, ?, ?, ?, ?, ?)", &b) < 0)
        goto out;
    for (int i = 1; i <= BENCH_AUTHORS; i++) {
        bench_author_row r;
        char date[11];
        bench_author_make(i, &r);
        bind_author(a, 0, &r, date);
        if (sqlite3_step(a) != SQLITE_DONE) {
            fail(db, "create author");
            goto out;
        }
        sqlite3_reset(a);
        ids += sqlite3_last_insert_rowid(db);
    }
    for (int j = 1; j <= BENCH_BOOKS; j++) {
        bench_book_row r;
        char date[11];
        bench_book_make(j, &r);
        bind_book(b, 0, &r, date);
        if (sqlite3_step(b) != SQLITE_DONE) {
            fail(db, "create book");
            goto out;
        }
        sqlite3_reset(b);
        ids += sqlite3_last_insert_rowid(db);
    }
    if (exec(db, "COMMIT") < 0) goto out;
    *secs = bench_now() - t0;
    if (ids == (int64_t)(BENCH_AUTHORS + 1) * BENCH_AUTHORS / 2 + (int64_t)(BENCH_BOOKS + 1) * BENCH_BOOKS / 2)
        rc = 0;
    else
        fprintf(stderr, "raw_sqlite: create: ids were not 1..n\n");
out:
    if (!sqlite3_get_autocommit(db)) sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_finalize(a);
    sqlite3_finalize(b);
    return rc;
}

/* A multi-row INSERT of `rows` rows of `placeholder` each, reading the new
 * keys back as an ORM's bulk_create sets them on its objects (dorm, Django
 * 4 on SQLite 3.35+, raw_pg.c). */
#define RETURNING_ID " RETURNING \"id\""

static int prepare_multi(sqlite3 *db, const char *head, const char *placeholder, int rows, sqlite3_stmt **st) {
    size_t hl = strlen(head), pl = strlen(placeholder);
    char *sql = malloc(hl + (size_t)rows * (pl + 2) + sizeof RETURNING_ID);
    if (!sql) return oom();
    char *p = sql;
    memcpy(p, head, hl);
    p += hl;
    for (int i = 0; i < rows; i++) {
        if (i) {
            memcpy(p, ", ", 2);
            p += 2;
        }
        memcpy(p, placeholder, pl);
        p += pl;
    }
    memcpy(p, RETURNING_ID, sizeof RETURNING_ID);
    int rc = prepare(db, sql, st);
    free(sql);
    return rc;
}

/* Inserts rows 1..total of a table, MAX_PARAMS / ncols rows per statement:
 * the full-batch statement is prepared once and reused, the last partial
 * batch gets its own. */
static int insert_batched(sqlite3 *db, int total, int ncols, const char *head, const char *ph, int is_book) {
    int per = MAX_PARAMS / ncols, rc = -1;
    sqlite3_stmt *full = NULL, *st = NULL;
    bench_book_row *books = malloc(sizeof *books * (size_t)per);
    bench_author_row *authors = malloc(sizeof *authors * (size_t)per);
    char(*dates)[11] = malloc(sizeof *dates * (size_t)per);
    int64_t *ids = malloc(sizeof *ids * (size_t)per);
    if (!books || !authors || !dates || !ids) {
        oom();
        goto out;
    }
    if (exec(db, "BEGIN") < 0) goto out;
    for (int j = 1; j <= total; j += per) {
        int k = total - j + 1 < per ? total - j + 1 : per;
        if (k == per && !full && prepare_multi(db, head, ph, per, &full) < 0) goto rollback;
        if (k < per && prepare_multi(db, head, ph, k, &st) < 0) goto rollback;
        sqlite3_stmt *s = k == per ? full : st;
        for (int q = 0; q < k; q++) {
            if (is_book) {
                bench_book_make(j + q, &books[q]);
                bind_book(s, q * ncols, &books[q], dates[q]);
            } else {
                bench_author_make(j + q, &authors[q]);
                bind_author(s, q * ncols, &authors[q], dates[q]);
            }
        }
        int step, got = 0;
        while ((step = sqlite3_step(s)) == SQLITE_ROW) {
            if (got < k) ids[got] = sqlite3_column_int64(s, 0);
            got++;
        }
        if (step != SQLITE_DONE || got != k) {
            fail(db, "bulk insert");
            goto rollback;
        }
        sqlite3_reset(s);
    }
    if (exec(db, "COMMIT") == 0) rc = 0;
    goto out;
rollback:
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
out:
    sqlite3_finalize(full);
    sqlite3_finalize(st);
    free(books);
    free(authors);
    free(dates);
    free(ids);
    return rc;
}

/* bulk_create(): multi-row INSERTs, one transaction per table as Django's. */
static int w_bulk_create(sqlite3 *db, double *secs) {
    double t0 = bench_now();
    if (insert_batched(db, BENCH_AUTHORS, 3, AUTHOR_INSERT, "(?, ?, ?)", 0) < 0 ||
        insert_batched(db, BENCH_BOOKS, 6, BOOK_INSERT, "(?, ?, ?, ?, ?, ?)", 1) < 0)
        return -1;
    *secs = bench_now() - t0;
    return 0;
}

/* Runs a loading workload `fn` on a fresh database: drop the file, create the
 * schema, time fn, then hash what was stored.  The last run's handle is left
 * in *keep for the workloads that read. */
static int run_fresh_round(const char *path, const char *name, int (*fn)(sqlite3 *, double *), sqlite3 **keep) {
    double best = 1e300;
    uint64_t sum = 0;
    for (int run = 0, runs = bench_runs(); run < runs; run++) {
        double secs;
        if (bench_remove_db(path) < 0) {
            fprintf(stderr, "raw_sqlite: cannot remove %s\n", path);
            return -1;
        }
        sqlite3 *db = open_db(path);
        if (!db) return -1;
        if (exec(db, ddl) < 0 || fn(db, &secs) < 0 || bench_db_checksum(db, &sum) < 0) {
            sqlite3_close(db);
            return -1;
        }
        if (secs < best) best = secs;
        if (run == runs - 1 && keep)
            *keep = db;
        else
            sqlite3_close(db);
    }
    bench_report(IMPL, name, BENCH_AUTHORS + BENCH_BOOKS, best, sum);
    return 0;
}

/* bench_rounds(name) rounds of it, paced by bench_step. */
static int run_fresh(const char *path, const char *name, int (*fn)(sqlite3 *, double *), sqlite3 **keep) {
    for (int round = 0, rounds = bench_rounds(name); round < rounds; round++) {
        bench_step(name);
        if (run_fresh_round(path, name, fn, round == rounds - 1 ? keep : NULL) < 0) return -1;
    }
    return 0;
}

/* list(Book.objects.all()), ordered by Meta.ordering (-publication_date). */
static int w_fetch_all(sqlite3 *db, double *secs, uint64_t *sum) {
    arena ar = {NULL};
    sqlite3_stmt *st;
    size_t n = 0, cap = 1024;
    int rc = -1;
    double t0 = bench_now();
    book *books = malloc(sizeof *books * cap);
    if (!books) return oom();
    if (prepare(db, BOOK_COLUMNS "ORDER BY \"publication_date\" DESC", &st) < 0) {
        free(books);
        return -1;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            book *nb = realloc(books, sizeof *books * (cap *= 2));
            if (!nb) break;
            books = nb;
        }
        if (read_book(st, &ar, &books[n++]) < 0) break;
    }
    sqlite3_finalize(st);
    *secs = bench_now() - t0;
    if (rc == SQLITE_DONE && n == BENCH_BOOKS) {
        *sum = raw_books_sum(books, n);
        rc = 0;
    } else {
        rc = fail(db, "fetch_all");
    }
    free(books);
    arena_free(&ar);
    return rc;
}

/* list(Book.objects.values_list("title", flat=True)). */
static int w_values_flat(sqlite3 *db, double *secs, uint64_t *sum) {
    arena ar = {NULL};
    sqlite3_stmt *st;
    size_t n = 0, cap = 1024;
    int rc = -1;
    double t0 = bench_now();
    const char **titles = malloc(sizeof *titles * cap);
    if (!titles) return oom();
    if (prepare(db, "SELECT \"title\" FROM \"library_book\" ORDER BY \"publication_date\" DESC", &st) < 0) {
        free(titles);
        return -1;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            const char **nt = realloc(titles, sizeof *titles * (cap *= 2));
            if (!nt) break;
            titles = nt;
        }
        if (!(titles[n++] = arena_text(&ar, st, 0))) break;
    }
    sqlite3_finalize(st);
    *secs = bench_now() - t0;
    if (rc == SQLITE_DONE && n == BENCH_BOOKS) {
        bench_hash h;
        bench_hash_init(&h);
        for (size_t i = 0; i < n; i++) {
            bench_hash_str(&h, titles[i]);
            bench_hash_bytes(&h, "\n", 1);
        }
        *sum = h.h;
        rc = 0;
    } else {
        rc = fail(db, "values_list_flat");
    }
    free(titles);
    arena_free(&ar);
    return rc;
}

/* Book.objects.get(pk=i) for i = 1..BENCH_GETS. */
static int w_get_pk(sqlite3 *db, double *secs, uint64_t *sum) {
    arena ar = {NULL};
    sqlite3_stmt *st;
    int rc = 0;
    double t0 = bench_now();
    book *books = malloc(sizeof *books * BENCH_GETS);
    if (!books) return oom();
    if (prepare(db, BOOK_COLUMNS "WHERE \"id\" = ?", &st) < 0) {
        free(books);
        return -1;
    }
    for (int i = 1; i <= BENCH_GETS && rc == 0; i++) {
        sqlite3_bind_int64(st, 1, i);
        if (sqlite3_step(st) != SQLITE_ROW || read_book(st, &ar, &books[i - 1]) < 0)
            rc = fail(db, "get_pk: no such book");
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    *secs = bench_now() - t0;
    if (rc == 0) {
        *sum = raw_books_sum(books, BENCH_GETS);
    }
    free(books);
    arena_free(&ar);
    return rc;
}

/* list(Book.objects.filter(pages__gt=t).order_by("-publication_date")[:10]). */
static int w_filter(sqlite3 *db, double *secs, uint64_t *sum) {
    arena ar = {NULL};
    sqlite3_stmt *st;
    size_t n = 0;
    int rc = 0;
    double t0 = bench_now();
    book *books = malloc(sizeof *books * BENCH_FILTERS * BENCH_SLICE);
    if (!books) return oom();
    if (prepare(db, BOOK_COLUMNS "WHERE \"pages\" > ? ORDER BY \"publication_date\" DESC LIMIT 10", &st) < 0) {
        free(books);
        return -1;
    }
    for (int k = 1; k <= BENCH_FILTERS && rc == 0; k++) {
        int s;
        sqlite3_bind_int(st, 1, bench_filter_threshold(k));
        while ((s = sqlite3_step(st)) == SQLITE_ROW)
            if (read_book(st, &ar, &books[n++]) < 0) break;
        if (s != SQLITE_DONE) rc = fail(db, "filter_order_slice");
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
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
static int w_update(sqlite3 *db, double *secs, uint64_t *sum) {
    sqlite3_stmt *st;
    int64_t matched = 0;
    int rc = 0;
    double t0 = bench_now();
    if (prepare(db, "UPDATE \"library_book\" SET \"pages\" = ? WHERE \"genre\" = ?", &st) < 0) return -1;
    for (int r = 0; r < BENCH_UPDATES && rc == 0; r++) {
        sqlite3_bind_int(st, 1, 500 + r % 2);
        sqlite3_bind_text(st, 2, "FIC", 3, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE) rc = fail(db, "update_const");
        matched += sqlite3_changes(db);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    *secs = bench_now() - t0;
    return rc < 0 ? -1 : bench_update_checksum(db, matched, sum);
}

#define BOOK_QUALIFIED                                                                               \
    "SELECT \"library_book\".\"id\", \"library_book\".\"title\", \"library_book\".\"author_id\", "   \
    "\"library_book\".\"publication_date\", \"library_book\".\"isbn\", \"library_book\".\"genre\", " \
    "\"library_book\".\"pages\""

/* Book.objects.select_related("author").order_by("id"): one join. */
static int w_select_related(sqlite3 *db, double *secs, uint64_t *sum) {
    arena ar = {NULL};
    sqlite3_stmt *st;
    bench_hash h;
    bench_hash_init(&h);
    size_t n = 0;
    int rc;
    double t0 = bench_now();
    book *books = malloc(sizeof *books * BENCH_BOOKS);
    const char **names = malloc(sizeof *names * BENCH_BOOKS);
    if (!books || !names ||
        prepare(db,
                BOOK_QUALIFIED ", \"library_author\".\"id\", \"library_author\".\"name\", "
                               "\"library_author\".\"birth_date\", \"library_author\".\"biography\" FROM "
                               "\"library_book\" INNER JOIN \"library_author\" ON (\"library_book\".\"author_id\" "
                               "= \"library_author\".\"id\") ORDER BY \"library_book\".\"id\" ASC",
                &st) < 0) {
        free(books);
        free(names);
        return -1;
    }
    /* Each row's author is read whole, as an ORM loads it. */
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < BENCH_BOOKS) {
        const char *d = (const char *)sqlite3_column_text(st, 9);
        bench_date birth = {0, 0, 0};
        if (d && sqlite3_column_bytes(st, 9) == 10)
            birth = (bench_date){raw_digits(d, 4), raw_digits(d + 5, 2), raw_digits(d + 8, 2)};
        (void)birth;
        if (read_book(st, &ar, &books[n]) < 0 || sqlite3_column_int64(st, 7) != books[n].author_id ||
            !(names[n] = arena_text(&ar, st, 8)) || !arena_text(&ar, st, 10))
            break;
        n++;
    }
    sqlite3_finalize(st);
    *secs = bench_now() - t0;
    for (size_t i = 0; i < n; i++) {
        hash_books(&books[i], 1, &h);
        bench_hash_str(&h, names[i]);
        bench_hash_str(&h, "\n");
    }
    *sum = h.h;
    free(books);
    free(names);
    arena_free(&ar);
    return rc == SQLITE_DONE && n == BENCH_BOOKS ? 0 : fail(db, "select_related");
}

/* Author.objects.prefetch_related("books").order_by("id"): the authors, then
 * their books by IN lists of MAX_PARAMS - 1 keys (as Django and dorm), in
 * Book's Meta.ordering, grouped onto their authors. */
static int w_prefetch(sqlite3 *db, double *secs, uint64_t *sum) {
    arena ar = {NULL};
    sqlite3_stmt *st;
    int rc = -1;
    double t0 = bench_now();
    int64_t *ids = malloc(sizeof *ids * BENCH_AUTHORS);
    const char **names = malloc(sizeof *names * BENCH_AUTHORS);
    book *books = malloc(sizeof *books * BENCH_BOOKS);
    size_t *count = calloc(BENCH_AUTHORS + 1, sizeof *count), *start = calloc(BENCH_AUTHORS + 2, sizeof *start);
    const book **slots = malloc(sizeof *slots * BENCH_BOOKS);
    size_t na = 0, nb = 0;
    if (!ids || !names || !books || !count || !start || !slots) goto out;
    if (prepare(db,
                "SELECT \"id\", \"name\", \"birth_date\", \"biography\" FROM \"library_author\" ORDER BY \"id\" ASC",
                &st) < 0)
        goto out;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && na < BENCH_AUTHORS) {
        ids[na] = sqlite3_column_int64(st, 0);
        names[na] = arena_text(&ar, st, 1);
        arena_text(&ar, st, 3);
        na++;
    }
    sqlite3_finalize(st);
    for (size_t off = 0; off < na; off += MAX_PARAMS - 1) {
        size_t k = na - off < MAX_PARAMS - 1 ? na - off : MAX_PARAMS - 1;
        char *sql = malloc(512 + k * 3);
        if (!sql) goto out;
        char *p =
            sql + sprintf(sql, "%s FROM \"library_book\" WHERE \"library_book\".\"author_id\" IN (", BOOK_QUALIFIED);
        for (size_t i = 0; i < k; i++) p += sprintf(p, i ? ", ?" : "?");
        strcpy(p, ") ORDER BY \"library_book\".\"publication_date\" DESC");
        int prc = prepare(db, sql, &st);
        free(sql);
        if (prc < 0) goto out;
        for (size_t i = 0; i < k; i++) sqlite3_bind_int64(st, (int)i + 1, ids[off + i]);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW && nb < BENCH_BOOKS)
            if (read_book(st, &ar, &books[nb++]) < 0) break;
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE) goto out;
    }
    /* Authors are 1..n here: group by key, in query order. */
    raw_group_by_author(books, nb, na, count, start, slots);
    *secs = bench_now() - t0;
    *sum = raw_hash_by_author(names, na, count, slots);
    rc = na == BENCH_AUTHORS && nb == BENCH_BOOKS ? 0 : -1;
out:
    free(ids);
    free(names);
    free(books);
    free(count);
    free(start);
    free(slots);
    arena_free(&ar);
    return rc == 0 ? 0 : fail(db, "prefetch_related");
}

/* Book.objects.filter(tags__name__in=[a, b]).distinct().order_by("id")[:20]. */
static int w_m2m(sqlite3 *db, double *secs, uint64_t *sum) {
    arena ar = {NULL};
    sqlite3_stmt *st;
    book *books = malloc(sizeof *books * BENCH_M2M_QUERIES * BENCH_M2M_LIMIT);
    size_t n = 0;
    int rc = SQLITE_DONE;
    double t0 = bench_now();
    if (!books ||
        prepare(db,
                "SELECT DISTINCT \"library_book\".\"id\", \"library_book\".\"title\", "
                "\"library_book\".\"author_id\", \"library_book\".\"publication_date\", "
                "\"library_book\".\"isbn\", \"library_book\".\"genre\", \"library_book\".\"pages\" "
                "FROM \"library_book\" INNER JOIN \"library_book_tags\" ON (\"library_book\".\"id\" = "
                "\"library_book_tags\".\"book_id\") INNER JOIN \"library_tag\" ON "
                "(\"library_book_tags\".\"tag_id\" = \"library_tag\".\"id\") WHERE \"library_tag\".\"name\" "
                "IN (?, ?) ORDER BY \"library_book\".\"id\" ASC LIMIT 20",
                &st) < 0) {
        free(books);
        return -1;
    }
    for (int k = 1; k <= BENCH_M2M_QUERIES && rc == SQLITE_DONE; k++) {
        char a[16], b[16];
        bench_m2m_tags(k, a, b);
        sqlite3_bind_text(st, 1, a, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, b, -1, SQLITE_TRANSIENT);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW)
            if (read_book(st, &ar, &books[n++]) < 0) break;
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    *secs = bench_now() - t0;
    *sum = raw_books_sum(books, n);
    free(books);
    arena_free(&ar);
    return rc == SQLITE_DONE ? 0 : fail(db, "m2m_filter_distinct");
}

/* The many-to-many tables (Django's DDL) and their rows, untimed. */
static int m2m_setup(sqlite3 *db) {
    if (exec(db,
             "CREATE TABLE \"library_tag\" (\"id\" integer NOT NULL PRIMARY KEY AUTOINCREMENT, \"name\" "
             "varchar(50) NOT NULL UNIQUE);"
             "CREATE TABLE \"library_book_tags\" (\"id\" integer NOT NULL PRIMARY KEY AUTOINCREMENT, \"book_id\" "
             "integer NOT NULL REFERENCES \"library_book\" (\"id\") DEFERRABLE INITIALLY DEFERRED, \"tag_id\" "
             "integer NOT NULL REFERENCES \"library_tag\" (\"id\") DEFERRABLE INITIALLY DEFERRED);"
             "CREATE UNIQUE INDEX \"library_book_tags_book_id_tag_id_uniq\" ON \"library_book_tags\" "
             "(\"book_id\", \"tag_id\");"
             "CREATE INDEX \"library_book_tags_book_id\" ON \"library_book_tags\" (\"book_id\");"
             "CREATE INDEX \"library_book_tags_tag_id\" ON \"library_book_tags\" (\"tag_id\");") < 0)
        return -1;
    for (size_t i = 0; bench_m2m_fill[i]; i++)
        if (exec(db, bench_m2m_fill[i]) < 0) return -1;
    return 0;
}

/* One value of a result row: an integer, a text (in the arena) or NULL. */
typedef struct cell {
    int64_t i;
    const char *text;
    int kind; /* 0: NULL, 1: integer, 2: text */
    int last; /* the row's last value */
} cell;

/* The expression workloads: dorm's SQL (Django's), run with its parameters
 * for k = 1..nq; values read as integers or texts (timed), then every row
 * hashed as its values' text (untimed). */
static int w_rows(sqlite3 *db, const char *sql, int nq, void (*params)(sqlite3_stmt *, int), double *secs,
                  uint64_t *sum) {
    arena ar = {NULL};
    sqlite3_stmt *st;
    size_t n = 0, cap = 4096;
    int rc = SQLITE_DONE;
    double t0 = bench_now();
    cell *cells = malloc(sizeof *cells * cap);
    if (!cells) return oom();
    if (prepare(db, sql, &st) < 0) {
        free(cells);
        return -1;
    }
    for (int k = 1; k <= nq && rc == SQLITE_DONE; k++) {
        if (params) params(st, k);
        int ncol = sqlite3_column_count(st);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW)
            for (int c = 0; c < ncol; c++) {
                if (n == cap) {
                    cell *grown = realloc(cells, sizeof *cells * (cap *= 2));
                    if (!grown) {
                        sqlite3_finalize(st);
                        free(cells);
                        arena_free(&ar);
                        return oom();
                    }
                    cells = grown;
                }
                cell *x = &cells[n++];
                x->last = c + 1 == ncol;
                x->kind = sqlite3_column_type(st, c) == SQLITE_INTEGER ? 1
                    : sqlite3_column_type(st, c) == SQLITE_NULL        ? 0
                                                                       : 2;
                if (x->kind == 1)
                    x->i = sqlite3_column_int64(st, c);
                else if (x->kind == 2)
                    x->text = arena_text(&ar, st, c);
            }
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    *secs = bench_now() - t0;
    bench_hash h;
    bench_hash_init(&h);
    for (size_t i = 0; i < n; i++) {
        char num[24];
        if (cells[i].kind == 1) snprintf(num, sizeof num, "%lld", (long long)cells[i].i);
        bench_hash_cell(&h, cells[i].kind == 1 ? num : cells[i].kind == 2 ? cells[i].text : NULL, cells[i].last);
    }
    *sum = h.h;
    free(cells);
    arena_free(&ar);
    return rc == SQLITE_DONE ? 0 : fail(db, sql);
}

static void having_params(sqlite3_stmt *st, int k) {
    sqlite3_bind_int(st, 1, bench_expr_threshold(k));
    sqlite3_bind_int(st, 2, BENCH_HAVING_MIN);
}

static void group_params(sqlite3_stmt *st, int k) { sqlite3_bind_int(st, 1, bench_expr_threshold(k)); }

static void union_params(sqlite3_stmt *st, int k) {
    sqlite3_bind_int(st, 1, 105 + k);
    sqlite3_bind_int(st, 2, k);
}

static int w_annotate_having(sqlite3 *db, double *secs, uint64_t *sum) {
    return w_rows(
        db,
        "SELECT \"library_book\".\"author_id\", COUNT(\"library_book\".\"id\") AS \"n\" FROM \"library_book\" "
        "WHERE \"library_book\".\"pages\" > ? GROUP BY \"library_book\".\"author_id\" HAVING "
        "COUNT(\"library_book\".\"id\") >= ? ORDER BY \"library_book\".\"author_id\" ASC",
        BENCH_EXPR_QUERIES, having_params, secs, sum);
}

static int w_values_group(sqlite3 *db, double *secs, uint64_t *sum) {
    return w_rows(
        db,
        "SELECT \"library_book\".\"genre\", COUNT(\"library_book\".\"id\") AS \"n\", "
        "SUM(\"library_book\".\"pages\") AS \"pages\" FROM \"library_book\" WHERE \"library_book\".\"pages\" > ? "
        "GROUP BY \"library_book\".\"genre\" ORDER BY \"library_book\".\"genre\" ASC",
        BENCH_EXPR_QUERIES, group_params, secs, sum);
}

static int w_subquery_latest(sqlite3 *db, double *secs, uint64_t *sum) {
    return w_rows(db,
                  "SELECT \"library_author\".\"id\", (SELECT U0.\"title\" FROM \"library_book\" U0 WHERE "
                  "U0.\"author_id\" = \"library_author\".\"id\" ORDER BY U0.\"publication_date\" DESC, U0.\"id\" DESC "
                  "LIMIT 1) AS \"latest\" FROM \"library_author\" ORDER BY \"library_author\".\"id\" ASC",
                  1, NULL, secs, sum);
}

static int w_window_rank(sqlite3 *db, double *secs, uint64_t *sum) {
    return w_rows(
        db,
        "SELECT \"library_book\".\"id\", RANK() OVER (PARTITION BY \"library_book\".\"author_id\" ORDER BY "
        "\"library_book\".\"pages\" DESC) AS \"r\" FROM \"library_book\" ORDER BY \"library_book\".\"id\" ASC",
        1, NULL, secs, sum);
}

static int w_union_filters(sqlite3 *db, double *secs, uint64_t *sum) {
    return w_rows(db,
                  "SELECT \"library_book\".\"id\" FROM \"library_book\" WHERE \"library_book\".\"pages\" < ? UNION "
                  "SELECT \"library_book\".\"id\" FROM \"library_book\" WHERE \"library_book\".\"author_id\" = ? "
                  "ORDER BY (1) ASC",
                  BENCH_EXPR_QUERIES, union_params, secs, sum);
}

/* Runs a workload on the loaded database bench_runs() times; reports the best
 * time and the last run's checksum. */
static int run_read_round(sqlite3 *db, const char *name, long n, int (*fn)(sqlite3 *, double *, uint64_t *)) {
    double best = 1e300;
    uint64_t sum = 0;
    for (int run = 0, runs = bench_runs(); run < runs; run++) {
        double secs;
        if (fn(db, &secs, &sum) < 0) return -1;
        if (secs < best) best = secs;
    }
    bench_report(IMPL, name, n, best, sum);
    return 0;
}

/* bench_rounds(name) rounds of it, paced by bench_step. */
static int run_read(sqlite3 *db, const char *name, long n, int (*fn)(sqlite3 *, double *, uint64_t *)) {
    for (int round = 0, rounds = bench_rounds(name); round < rounds; round++) {
        bench_step(name);
        if (run_read_round(db, name, n, fn) < 0) return -1;
    }
    return 0;
}

int main(int argc, char **argv) {
    int created, rc = 1;
    sqlite3 *db = NULL;
    uint64_t schema;
    char *dir = bench_tmpdir(argc > 1 ? argv[1] : NULL, &created);
    char *path = dir ? bench_path(dir, "raw.db") : NULL;
    if (!path) goto out;
    if (run_fresh(path, "create", w_create, NULL) == 0 && run_fresh(path, "bulk_create", w_bulk_create, &db) == 0 &&
        bench_schema_checksum(db, &schema) == 0) {
        bench_check(IMPL, "schema", schema);
        if (run_read(db, "fetch_all", BENCH_BOOKS, w_fetch_all) == 0 &&
            run_read(db, "values_list_flat", BENCH_BOOKS, w_values_flat) == 0 &&
            run_read(db, "get_pk", BENCH_GETS, w_get_pk) == 0 &&
            run_read(db, "filter_order_slice", BENCH_FILTERS, w_filter) == 0 &&
            run_read(db, "update_const", BENCH_UPDATES, w_update) == 0 &&
            run_read(db, "select_related", BENCH_BOOKS, w_select_related) == 0 &&
            run_read(db, "prefetch_related", BENCH_AUTHORS, w_prefetch) == 0 && m2m_setup(db) == 0 &&
            run_read(db, "m2m_filter_distinct", BENCH_M2M_QUERIES, w_m2m) == 0 &&
            run_read(db, "annotate_having", BENCH_EXPR_QUERIES, w_annotate_having) == 0 &&
            run_read(db, "values_group", BENCH_EXPR_QUERIES, w_values_group) == 0 &&
            run_read(db, "subquery_latest", BENCH_AUTHORS, w_subquery_latest) == 0 &&
            run_read(db, "window_rank", BENCH_BOOKS, w_window_rank) == 0 &&
            run_read(db, "union_filters", BENCH_EXPR_QUERIES, w_union_filters) == 0)
            rc = 0;
    }
    sqlite3_close(db);
    bench_remove_db(path);
    if (created) rmdir(dir);
out:
    free(path);
    free(dir);
    return rc;
}
