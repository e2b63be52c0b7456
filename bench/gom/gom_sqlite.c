/* gom_sqlite.c - the create, bulk_create, fetch_all and get_pk workloads
 * through libgom 0.4 (GNOME's GObject-to-SQLite mapper, Debian's
 * libgom-1.0-dev): the ORM a C programmer would reach for today.
 * Usage: gom_sqlite [dir]   (built by bench/run.sh when pkg-config finds gom-1.0)
 *
 * Same data, SQLite file settings and checksums as raw_sqlite.c.  The schema
 * is Django's except that two columns are spelled author-id and
 * publication-date: GObject canonicalises property names to dashes and libgom
 * uses them as column names.  Dates are string properties holding Django's
 * "YYYY-MM-DD" text, so the stored rows are byte-identical. */
#define _POSIX_C_SOURCE 200809L

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gom/gom.h>
#include <sqlite3.h>

#include "../common.h"

#define IMPL "libgom"

/* As Django's SQLite backend, on every connection. */
static const char *const pragmas[] = {"PRAGMA foreign_keys = ON", NULL};

/* Django's DDL with libgom's spelling of the two dashed columns. */
static const char *const ddl[] = {
    "CREATE TABLE \"library_author\" (\"id\" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "
    "\"name\" varchar(100) NOT NULL, \"birth-date\" date NULL, \"biography\" text NOT NULL)",
    "CREATE TABLE \"library_book\" (\"id\" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "
    "\"title\" varchar(200) NOT NULL, \"author-id\" integer NOT NULL REFERENCES "
    "\"library_author\" (\"id\") DEFERRABLE INITIALLY DEFERRED, \"publication-date\" date NOT NULL, "
    "\"isbn\" varchar(13) NOT NULL UNIQUE, \"genre\" varchar(3) NOT NULL, \"pages\" integer "
    "unsigned NOT NULL CHECK (\"pages\" >= 0))",
    "CREATE INDEX \"library_book_author_id_d9a3b67e\" ON \"library_book\" (\"author-id\")",
    "CREATE INDEX \"library_boo_title_c38ef2_idx\" ON \"library_book\" (\"title\")",
    "CREATE INDEX \"library_boo_isbn_951e8b_idx\" ON \"library_book\" (\"isbn\")",
    NULL,
};

/* The table of one resource type's properties: GObject property i + 1 is
 * props[i], stored at its offset in the instance. */
typedef struct prop {
    const char *name;
    GType type; /* G_TYPE_INT64, G_TYPE_INT or G_TYPE_STRING */
    size_t offset;
} prop;

typedef struct GbAuthor {
    GomResource parent;
    gint64 id;
    gchar *name;
    gchar *birth_date;
    gchar *biography;
} GbAuthor;
typedef struct GbAuthorClass {
    GomResourceClass parent_class;
} GbAuthorClass;

typedef struct GbBook {
    GomResource parent;
    gint64 id;
    gchar *title;
    gint64 author_id;
    gchar *publication_date;
    gchar *isbn;
    gchar *genre;
    gint pages;
} GbBook;
typedef struct GbBookClass {
    GomResourceClass parent_class;
} GbBookClass;

static const prop author_props[] = {
    {"id", G_TYPE_INT64, offsetof(GbAuthor, id)},
    {"name", G_TYPE_STRING, offsetof(GbAuthor, name)},
    {"birth-date", G_TYPE_STRING, offsetof(GbAuthor, birth_date)},
    {"biography", G_TYPE_STRING, offsetof(GbAuthor, biography)},
    {NULL, G_TYPE_INVALID, 0},
};

static const prop book_props[] = {
    {"id", G_TYPE_INT64, offsetof(GbBook, id)},
    {"title", G_TYPE_STRING, offsetof(GbBook, title)},
    {"author-id", G_TYPE_INT64, offsetof(GbBook, author_id)},
    {"publication-date", G_TYPE_STRING, offsetof(GbBook, publication_date)},
    {"isbn", G_TYPE_STRING, offsetof(GbBook, isbn)},
    {"genre", G_TYPE_STRING, offsetof(GbBook, genre)},
    {"pages", G_TYPE_INT, offsetof(GbBook, pages)},
    {NULL, G_TYPE_INVALID, 0},
};

static void props_install(GObjectClass *klass, const prop *props) {
    for (guint i = 0; props[i].name; i++) {
        GParamSpec *ps;
        if (props[i].type == G_TYPE_STRING)
            ps = g_param_spec_string(props[i].name, NULL, NULL, NULL, G_PARAM_READWRITE);
        else if (props[i].type == G_TYPE_INT64)
            ps = g_param_spec_int64(props[i].name, NULL, NULL, G_MININT64, G_MAXINT64, 0, G_PARAM_READWRITE);
        else
            ps = g_param_spec_int(props[i].name, NULL, NULL, G_MININT, G_MAXINT, 0, G_PARAM_READWRITE);
        g_object_class_install_property(klass, i + 1, ps);
    }
}

static void props_set(const prop *props, GObject *obj, guint id, const GValue *v) {
    char *field = (char *)obj + props[id - 1].offset;
    if (props[id - 1].type == G_TYPE_STRING) {
        g_free(*(gchar **)field);
        *(gchar **)field = g_value_dup_string(v);
    } else if (props[id - 1].type == G_TYPE_INT64) {
        *(gint64 *)field = g_value_get_int64(v);
    } else {
        *(gint *)field = g_value_get_int(v);
    }
}

static void props_get(const prop *props, GObject *obj, guint id, GValue *v) {
    const char *field = (const char *)obj + props[id - 1].offset;
    if (props[id - 1].type == G_TYPE_STRING)
        g_value_set_string(v, *(gchar *const *)field);
    else if (props[id - 1].type == G_TYPE_INT64)
        g_value_set_int64(v, *(const gint64 *)field);
    else
        g_value_set_int(v, *(const gint *)field);
}

static void props_free(const prop *props, GObject *obj) {
    for (guint i = 0; props[i].name; i++)
        if (props[i].type == G_TYPE_STRING) g_free(*(gchar **)((char *)obj + props[i].offset));
}

G_DEFINE_TYPE(GbAuthor, gb_author, GOM_TYPE_RESOURCE)
G_DEFINE_TYPE(GbBook, gb_book, GOM_TYPE_RESOURCE)

static void gb_author_set_property(GObject *obj, guint id, const GValue *v, GParamSpec *ps) {
    (void)ps;
    props_set(author_props, obj, id, v);
}

static void gb_author_get_property(GObject *obj, guint id, GValue *v, GParamSpec *ps) {
    (void)ps;
    props_get(author_props, obj, id, v);
}

static void gb_author_finalize(GObject *obj) {
    props_free(author_props, obj);
    G_OBJECT_CLASS(gb_author_parent_class)->finalize(obj);
}

static void gb_author_class_init(GbAuthorClass *klass) {
    GObjectClass *oc = G_OBJECT_CLASS(klass);
    oc->set_property = gb_author_set_property;
    oc->get_property = gb_author_get_property;
    oc->finalize = gb_author_finalize;
    props_install(oc, author_props);
    gom_resource_class_set_table(GOM_RESOURCE_CLASS(klass), "library_author");
    gom_resource_class_set_primary_key(GOM_RESOURCE_CLASS(klass), "id");
}

static void gb_author_init(GbAuthor *self) { (void)self; }

static void gb_book_set_property(GObject *obj, guint id, const GValue *v, GParamSpec *ps) {
    (void)ps;
    props_set(book_props, obj, id, v);
}

static void gb_book_get_property(GObject *obj, guint id, GValue *v, GParamSpec *ps) {
    (void)ps;
    props_get(book_props, obj, id, v);
}

static void gb_book_finalize(GObject *obj) {
    props_free(book_props, obj);
    G_OBJECT_CLASS(gb_book_parent_class)->finalize(obj);
}

static void gb_book_class_init(GbBookClass *klass) {
    GObjectClass *oc = G_OBJECT_CLASS(klass);
    oc->set_property = gb_book_set_property;
    oc->get_property = gb_book_get_property;
    oc->finalize = gb_book_finalize;
    props_install(oc, book_props);
    gom_resource_class_set_table(GOM_RESOURCE_CLASS(klass), "library_book");
    gom_resource_class_set_primary_key(GOM_RESOURCE_CLASS(klass), "id");
}

static void gb_book_init(GbBook *self) { (void)self; }

static int fail(const char *what, GError *error) {
    fprintf(stderr, "gom_sqlite: %s: %s\n", what, error ? error->message : "failed");
    g_clear_error(&error);
    return -1;
}

/* libgom runs SQL only on its adapter thread: a write job runs the
 * NULL-terminated `sqls` there and hands the outcome back through a queue. */
typedef struct sql_job {
    const char *const *sqls;
    GAsyncQueue *done;
    GError *error;
} sql_job;

static void sql_job_run(GomAdapter *adapter, gpointer data) {
    sql_job *job = data;
    for (size_t i = 0; job->sqls[i] && !job->error; i++) gom_adapter_execute_sql(adapter, job->sqls[i], &job->error);
    g_async_queue_push(job->done, job);
}

static int run_sql(GomAdapter *adapter, const char *const *sqls) {
    sql_job job = {sqls, g_async_queue_new(), NULL};
    gom_adapter_queue_write(adapter, sql_job_run, &job);
    g_async_queue_pop(job.done);
    g_async_queue_unref(job.done);
    return job.error ? fail(sqls[0], job.error) : 0;
}

static int run_one(GomAdapter *adapter, const char *sql) {
    const char *const sqls[] = {sql, NULL};
    return run_sql(adapter, sqls);
}

/* An open repository on the benchmark file. */
typedef struct repo {
    GomAdapter *adapter;
    GomRepository *repository;
} repo;

static void repo_close(repo *r) {
    if (r->adapter) gom_adapter_close_sync(r->adapter, NULL);
    g_clear_object(&r->repository);
    g_clear_object(&r->adapter);
}

/* Opens `path`; with `fresh`, removes it first and creates the schema. */
static int repo_open(repo *r, const char *path, int fresh) {
    GError *error = NULL;
    if (fresh && bench_remove_db(path) < 0) {
        fprintf(stderr, "gom_sqlite: cannot remove %s\n", path);
        return -1;
    }
    r->adapter = gom_adapter_new();
    if (!gom_adapter_open_sync(r->adapter, path, &error)) {
        fail(path, error);
        repo_close(r);
        return -1;
    }
    r->repository = gom_repository_new(r->adapter);
    if (run_sql(r->adapter, pragmas) < 0 || (fresh && run_sql(r->adapter, ddl) < 0)) {
        repo_close(r);
        return -1;
    }
    return 0;
}

static GbAuthor *author_new(GomRepository *repository, int i) {
    bench_author_row r;
    char date[11];
    bench_author_make(i, &r);
    bench_date_format(r.birth_date, date);
    return g_object_new(gb_author_get_type(), "repository", repository, "name", r.name, "birth-date", date, "biography",
                        r.biography, NULL);
}

static GbBook *book_new(GomRepository *repository, int j) {
    bench_book_row r;
    char date[11];
    bench_book_make(j, &r);
    bench_date_format(r.publication_date, date);
    return g_object_new(gb_book_get_type(), "repository", repository, "title", r.title, "author-id",
                        (gint64)r.author_id, "publication-date", date, "isbn", r.isbn, "genre", r.genre, "pages",
                        r.pages, NULL);
}

/* create(): gom_resource_save_sync per object inside BEGIN ... COMMIT. */
static int w_create(repo *r, double *secs) {
    GError *error = NULL;
    int64_t ids = 0;
    double t0 = bench_now();
    if (run_one(r->adapter, "BEGIN") < 0) return -1;
    for (int i = 1; i <= BENCH_AUTHORS + BENCH_BOOKS && !error; i++) {
        GomResource *res = i <= BENCH_AUTHORS ? GOM_RESOURCE(author_new(r->repository, i))
                                              : GOM_RESOURCE(book_new(r->repository, i - BENCH_AUTHORS));
        if (gom_resource_save_sync(res, &error))
            ids += i <= BENCH_AUTHORS ? ((GbAuthor *)res)->id : ((GbBook *)res)->id;
        g_object_unref(res);
    }
    if (error) {
        run_one(r->adapter, "ROLLBACK");
        return fail("create", error);
    }
    if (run_one(r->adapter, "COMMIT") < 0) return -1;
    *secs = bench_now() - t0;
    if (ids != (int64_t)(BENCH_AUTHORS + 1) * BENCH_AUTHORS / 2 + (int64_t)(BENCH_BOOKS + 1) * BENCH_BOOKS / 2) {
        fprintf(stderr, "gom_sqlite: create: ids were not 1..n\n");
        return -1;
    }
    return 0;
}

/* bulk_create(): a GomResourceGroup per model, written in one transaction
 * each by gom_resource_group_write_sync. */
static int w_bulk_create(repo *r, double *secs) {
    GError *error = NULL;
    double t0 = bench_now();
    for (int model = 0; model < 2 && !error; model++) {
        GomResourceGroup *group = gom_resource_group_new(r->repository);
        int n = model == 0 ? BENCH_AUTHORS : BENCH_BOOKS;
        for (int i = 1; i <= n; i++) {
            GomResource *res =
                model == 0 ? GOM_RESOURCE(author_new(r->repository, i)) : GOM_RESOURCE(book_new(r->repository, i));
            gom_resource_group_append(group, res);
            g_object_unref(res);
        }
        gom_resource_group_write_sync(group, &error);
        g_object_unref(group);
    }
    if (error) return fail("bulk_create", error);
    *secs = bench_now() - t0;
    return 0;
}

/* The content checksum of common.c, with libgom's column spelling. */
static int state_checksum(const char *path, uint64_t *sum) {
    sqlite3 *db;
    bench_hash h;
    int rc = -1;
    bench_hash_init(&h);
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        bench_hash_query(db,
                         "SELECT id||'|'||name||'|'||ifnull(\"birth-date\",'')||'|'||biography||'|'||"
                         "typeof(id)||typeof(name)||typeof(\"birth-date\")||typeof(biography) "
                         "FROM library_author ORDER BY id",
                         &h) == 0 &&
        bench_hash_query(db,
                         "SELECT id||'|'||title||'|'||\"author-id\"||'|'||\"publication-date\"||'|'||"
                         "isbn||'|'||genre||'|'||pages||'|'||typeof(id)||typeof(title)||"
                         "typeof(\"author-id\")||typeof(\"publication-date\")||typeof(isbn)||"
                         "typeof(genre)||typeof(pages) FROM library_book ORDER BY id",
                         &h) == 0) {
        *sum = h.h;
        rc = 0;
    } else {
        fprintf(stderr, "gom_sqlite: checksum: %s\n", sqlite3_errmsg(db));
    }
    sqlite3_close(db);
    return rc;
}

static int run_fresh_round(const char *path, const char *name, int (*fn)(repo *, double *)) {
    double best = 1e300;
    uint64_t sum = 0;
    for (int run = 0, runs = bench_runs(); run < runs; run++) {
        repo r = {NULL, NULL};
        double secs;
        if (repo_open(&r, path, 1) < 0) return -1;
        int rc = fn(&r, &secs);
        repo_close(&r);
        if (rc < 0 || state_checksum(path, &sum) < 0) return -1;
        if (secs < best) best = secs;
    }
    bench_report(IMPL, name, BENCH_AUTHORS + BENCH_BOOKS, best, sum);
    return 0;
}

/* bench_rounds(name) rounds of it, paced by bench_step. */
static int run_fresh(const char *path, const char *name, int (*fn)(repo *, double *)) {
    for (int round = 0, rounds = bench_rounds(name); round < rounds; round++) {
        bench_step(name);
        if (run_fresh_round(path, name, fn) < 0) return -1;
    }
    return 0;
}

static bench_date parse_date(const char *s) {
    bench_date d = {0, 0, 0};
    if (s && strlen(s) == 10) d = (bench_date){atoi(s), atoi(s + 5), atoi(s + 8)};
    return d;
}

static void hash_book(bench_hash *h, const GbBook *b) {
    bench_hash_book(h, b->id, b->title, b->author_id, parse_date(b->publication_date), b->isbn, b->genre, b->pages);
}

/* list(Book.objects.all()) ordered by -publication_date: a sorted find and
 * one fetch of every row. */
static int w_fetch_all(repo *r, double *secs, uint64_t *sum) {
    GError *error = NULL;
    double t0 = bench_now();
    GomSorting *sorting = gom_sorting_new(gb_book_get_type(), "publication-date", GOM_SORTING_DESCENDING, NULL);
    GomResourceGroup *group = gom_repository_find_sorted_sync(r->repository, gb_book_get_type(), NULL, sorting, &error);
    g_object_unref(sorting);
    if (!group) return fail("fetch_all", error);
    guint n = gom_resource_group_get_count(group);
    if (!gom_resource_group_fetch_sync(group, 0, n, &error)) {
        g_object_unref(group);
        return fail("fetch_all", error);
    }
    *secs = bench_now() - t0;
    bench_hash h;
    bench_hash_init(&h);
    for (guint i = 0; i < n; i++) hash_book(&h, (const GbBook *)gom_resource_group_get_index(group, i));
    *sum = h.h;
    g_object_unref(group);
    if (n != BENCH_BOOKS) {
        fprintf(stderr, "gom_sqlite: fetch_all: %u books\n", n);
        return -1;
    }
    return 0;
}

/* Book.objects.get(pk=i): gom_repository_find_one_sync with an id filter. */
static int w_get_pk(repo *r, double *secs, uint64_t *sum) {
    GError *error = NULL;
    int got = 0;
    GbBook **books = g_new0(GbBook *, BENCH_GETS);
    double t0 = bench_now();
    for (int i = 1; i <= BENCH_GETS && !error; i++) {
        GValue v = G_VALUE_INIT;
        g_value_init(&v, G_TYPE_INT64);
        g_value_set_int64(&v, i);
        GomFilter *filter = gom_filter_new_eq(gb_book_get_type(), "id", &v);
        books[i - 1] = (GbBook *)gom_repository_find_one_sync(r->repository, gb_book_get_type(), filter, &error);
        g_object_unref(filter);
        g_value_unset(&v);
        got += books[i - 1] != NULL;
    }
    *secs = bench_now() - t0;
    bench_hash h;
    bench_hash_init(&h);
    for (int i = 0; i < got; i++) hash_book(&h, books[i]);
    *sum = h.h;
    for (int i = 0; i < got; i++) g_object_unref(books[i]);
    g_free(books);
    return error ? fail("get_pk", error) : 0;
}

static int run_read_round(repo *r, const char *name, long n, int (*fn)(repo *, double *, uint64_t *)) {
    double best = 1e300;
    uint64_t sum = 0;
    for (int run = 0, runs = bench_runs(); run < runs; run++) {
        double secs;
        if (fn(r, &secs, &sum) < 0) return -1;
        if (secs < best) best = secs;
    }
    bench_report(IMPL, name, n, best, sum);
    return 0;
}

/* bench_rounds(name) rounds of it, paced by bench_step. */
static int run_read(repo *r, const char *name, long n, int (*fn)(repo *, double *, uint64_t *)) {
    for (int round = 0, rounds = bench_rounds(name); round < rounds; round++) {
        bench_step(name);
        if (run_read_round(r, name, n, fn) < 0) return -1;
    }
    return 0;
}

int main(int argc, char **argv) {
    int created, rc = 1;
    repo r = {NULL, NULL};
    char *dir = bench_tmpdir(argc > 1 ? argv[1] : NULL, &created);
    char *path = dir ? bench_path(dir, "gom.db") : NULL;
    if (!path) goto out;
    if (run_fresh(path, "create", w_create) == 0 && run_fresh(path, "bulk_create", w_bulk_create) == 0 &&
        repo_open(&r, path, 0) == 0 && run_read(&r, "fetch_all", BENCH_BOOKS, w_fetch_all) == 0 &&
        run_read(&r, "get_pk", BENCH_GETS, w_get_pk) == 0)
        rc = 0;
    repo_close(&r);
    bench_remove_db(path);
    if (created) rmdir(dir);
out:
    free(path);
    free(dir);
    return rc;
}
