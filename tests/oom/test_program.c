/* test_program.c - SQLite's OOM test discipline on a representative dorm
 * program (open, makemigrations, migrate, CRUD, relations, bulk, atomic
 * blocks, dumpdata/loaddata): each allocation is failed in turn and every
 * run is checked for a crash, a leak, a failure without DORM_ENOMEM on the
 * context, and anything half-written.  Every point on SQLite, a sample on
 * PostgreSQL (a schema of its own per run).  See docs/reliability.md. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#if defined(__GLIBC__)
#include <execinfo.h>
#endif
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#endif

#include "backend/db.h"
#include "manage/shell.h"
#include "testdb.h"

/* ---- the program's models ---------------------------------------------- */

typedef struct Tag {
    DORM_OBJECT;
    int64_t id;
    const char *name;
} Tag;

typedef struct Poet {
    DORM_OBJECT;
    int64_t id;
    const char *name;
    dorm_date born;
} Poet;

typedef struct Novel {
    DORM_OBJECT;
    int64_t id;
    const char *title;
    DORM_FK(Poet) writer;
    int32_t pages;
    dorm_decimal price;
    dorm_datetime published;
    dorm_uuid code;
    const char *extra;
    dorm_bytes cover;
} Novel;

typedef struct Review {
    DORM_OBJECT;
    int64_t id;
    DORM_FK(Novel) novel;
    const char *text;
    int16_t stars;
} Review;

DORM_MODEL_DECLARE(Tag);
DORM_MODEL_DECLARE(Poet);
DORM_MODEL_DECLARE(Novel);
DORM_MODEL_DECLARE(Review);

static const dorm_field Tag_fields[] = {DORM_AUTO(Tag, id), DORM_CHAR(Tag, name, .max_length = 30, .unique = true),
                                        DORM_END};
const dorm_model Tag_model = DORM_MODEL(Tag, "shop", Tag_fields, .ordering = DORM_LIST("name"));
static const dorm_field Poet_fields[] = {
    DORM_AUTO(Poet, id),
    DORM_CHAR(Poet, name, .max_length = 60),
    DORM_DATE(Poet, born, .null = true),
    DORM_END,
};
const dorm_model Poet_model = DORM_MODEL(Poet, "shop", Poet_fields, .ordering = DORM_LIST("name"));
static const dorm_field Novel_fields[] = {
    DORM_AUTO(Novel, id),
    DORM_CHAR(Novel, title, .max_length = 80),
    DORM_FOREIGN_KEY(Novel, writer, Poet, .on_delete = DORM_CASCADE, .related_name = "novels"),
    DORM_INT(Novel, pages, .default_value = DORM_VINT(0)),
    DORM_DECIMAL(Novel, price, .max_digits = 8, .decimal_places = 2, .null = true),
    DORM_DATETIME(Novel, published, .null = true),
    DORM_UUID(Novel, code, .null = true),
    DORM_JSON(Novel, extra, .null = true),
    DORM_BINARY(Novel, cover, .null = true),
    DORM_MANY_TO_MANY(Novel, tags, Tag, .related_name = "novels"),
    DORM_END,
};
const dorm_model Novel_model = DORM_MODEL(Novel, "shop", Novel_fields, .ordering = DORM_LIST("title"),
                                          .indexes = DORM_INDEXES({DORM_LIST("pages"), NULL}));
static const dorm_field Review_fields[] = {
    DORM_AUTO(Review, id),
    DORM_FOREIGN_KEY(Review, novel, Novel, .on_delete = DORM_CASCADE, .related_name = "reviews"),
    DORM_TEXT(Review, text),
    DORM_SMALLINT(Review, stars),
    DORM_END,
};
const dorm_model Review_model = DORM_MODEL(Review, "shop", Review_fields, .ordering = DORM_LIST("id"));

/* ---- the failing allocator ----------------------------------------------- */

/* The program's parts; a test fails the allocations of some of them. */
enum { PH_OPEN = 1, PH_MIGRATE = 2, PH_CRUD = 4, PH_RELATED = 8, PH_FIXTURES = 16, PH_CLOSE = 32 };

typedef struct oom_state {
    unsigned phases; /* the parts whose allocations are failure points */
    unsigned phase; /* the part running                               */
    bool paused; /* checks in between: never fail, not points      */
    bool persistent; /* every point after fail_at fails too            */
    long points; /* failure points passed                          */
    long fail_at; /* the point that fails (< 0: none)               */
    long failed; /* allocations failed so far                      */
    long failed_mark; /* `failed` when the current step began           */
    long live; /* blocks allocated and not freed                 */
    bool trace; /* print where the failing allocation is made     */
    int trace_fd; /* ... to this copy of stderr                     */
} oom_state;

static oom_state S;

static bool fail_now(void) {
    if (S.paused || !(S.phase & S.phases)) return false;
    long point = S.points++;
    if (S.fail_at < 0 || point < S.fail_at || (point > S.fail_at && !S.persistent)) return false;
    S.failed++;
    if (S.trace) {
#if defined(__GLIBC__)
        void *frames[24];
        int n = backtrace(frames, 24);
        dprintf(S.trace_fd, "oom: allocation %ld fails here:\n", point);
        backtrace_symbols_fd(frames, n, S.trace_fd);
#endif
    }
    return true;
}

static void *oom_malloc(size_t size, void *payload) {
    (void)payload;
    if (fail_now()) return NULL;
    void *p = malloc(size);
    if (p) S.live++;
    return p;
}

static void *oom_realloc(void *p, size_t size, void *payload) {
    (void)payload;
    if (fail_now()) return NULL;
    void *q = realloc(p, size);
    if (q && !p) S.live++;
    return q;
}

static void oom_free(void *p, void *payload) {
    (void)payload;
    if (p) S.live--;
    free(p);
}

/* ---- what a run found ------------------------------------------------------ */

#define MAX_PROBLEMS 16

/* Distinct problems (by message), each with the first point that showed it. */
static struct {
    int n;
    long total;
    struct {
        char msg[340];
        long point, times;
        bool persistent;
    } p[MAX_PROBLEMS];
} found;

/* Records a problem of the run failing point `S.fail_at`; the test fails if
 * there is any. */
static void problem(const char *fmt, ...) {
    found.total++;
    char msg[340];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    for (int i = 0; i < found.n; i++)
        if (strcmp(found.p[i].msg, msg) == 0) {
            found.p[i].times++;
            return;
        }
    if (found.n >= MAX_PROBLEMS) return;
    strcpy(found.p[found.n].msg, msg);
    found.p[found.n].point = S.fail_at;
    found.p[found.n].persistent = S.persistent;
    found.p[found.n++].times = 1;
}

/* ---- the program --------------------------------------------------------- */

/* What differs between the backends the program runs on. */
static struct {
    bool postgres;
    char schema[48]; /* PostgreSQL: the runs' schema (search_path) */
    dorm_registry *reg; /* PostgreSQL: a connection that drops and     */
    dorm_db *admin; /* makes that schema before each run          */
} B;

typedef struct run {
    char dir[64]; /* this run's folder: db, migrations, fixture */
    char url[512];
    char migrations[96];
    char fixture[96];
    dorm_app app;
    const dorm_app *apps[2];
    dorm_registry *reg;
    dorm_db *db;
    dorm_ctx *cx;
} run;

/* What the run without failures produced, compared with each failing run. */
static struct {
    char *migration; /* 0001_initial.json */
    char *sqlmigrate;
    char *fixture;
    long points;
} ref;

static char *read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = NULL;
    size_t cap = 0, len = 0, n;
    char chunk[4096];
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (len + n + 1 > cap) {
            cap = (len + n + 1) * 2;
            buf = realloc(buf, cap);
            cr_assert_not_null(buf);
        }
        memcpy(buf + len, chunk, n);
        len += n;
    }
    fclose(f);
    if (!buf)
        buf = calloc(1, 1);
    else
        buf[len] = '\0';
    return buf;
}

/* A file that must be absent, or exactly what the run without failures
 * wrote (`expected` NULL: just absent). */
static void check_file(const char *path, const char *expected, bool must_exist, const char *what) {
    char *text = read_file(path);
    if (!text) {
        if (must_exist) problem("%s: %s is missing", what, path);
        return;
    }
    if (!expected || strcmp(text, expected) != 0)
        problem("%s: %s is half-written (%zu bytes, complete: %zu)", what, path, strlen(text),
                expected ? strlen(expected) : 0);
    free(text);
}

/* A scalar of the run's database, read between steps (never failing). */
static int64_t scalar(run *r, const char *sql) {
    bool paused = S.paused;
    S.paused = true;
    dorm_errbuf e = {0, ""};
    dorm_cached_stmt *cs;
    int64_t v = -1;
    if (dorm_db__prepare(r->db, sql, strlen(sql), &cs, &e) == 0) {
        if (dorm_db__run(r->db, cs, NULL, 0, &e) == DORM_STEP_ROW) v = r->db->drv->column_int(cs->stmt, 0);
        dorm_db__release(r->db, cs);
    }
    S.paused = paused;
    return v;
}

/* A digest of every row of every table of the run's database. */
typedef struct digest {
    uint64_t h;
} digest;

static void digest_row(dorm_db *db, dorm_stmt *st, void *payload) {
    digest *d = payload;
    int n = db->drv->column_count(st);
    for (int i = 0; i < n; i++) {
        size_t len = 0;
        const char *s = db->drv->column_null(st, i) ? "\x01NULL" : db->drv->column_text(st, i, &len);
        if (s && len == 0) len = strlen(s);
        for (size_t k = 0; s && k < len; k++) d->h = (d->h ^ (unsigned char)s[k]) * 1099511628211u;
        d->h = (d->h ^ 0xff) * 1099511628211u;
    }
}

static void digest_names(dorm_db *db, dorm_stmt *st, void *payload) {
    size_t len, klen;
    const char *name = db->drv->column_text(st, 0, &len), *kind = db->drv->column_text(st, 1, &klen);
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT * FROM \"%s\" ORDER BY 1", name);
    digest *d = payload;
    dorm_errbuf e = {0, ""};
    digest_row(db, st, d);
    if (!kind || (strcmp(kind, "table") != 0 && strcmp(kind, "r") != 0)) return;
    if (strcmp(name, "dorm_migrations") == 0)
        snprintf(sql, sizeof sql, "SELECT app, name FROM \"%s\" ORDER BY 1, 2", name);
    dorm_db__query(db, sql, NULL, 0, digest_row, d, &e);
}

static uint64_t db_digest(run *r) {
    bool paused = S.paused;
    S.paused = true;
    digest d = {1469598103934665603u};
    dorm_errbuf e = {0, ""};
    /* The catalogue's rows count too: the schema's tables and indexes. */
    const char *sql = B.postgres ? "SELECT c.relname, c.relkind, pg_get_indexdef(c.oid) FROM pg_class c JOIN "
                                   "pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() "
                                   "AND c.relkind IN ('r', 'i') ORDER BY 1"
                                 : "SELECT name, type, sql FROM sqlite_master WHERE type IN ('table', 'index') "
                                   "ORDER BY name";
    dorm_db__query(r->db, sql, NULL, 0, digest_names, &d, &e);
    S.paused = paused;
    return d.h;
}

/* Starts a step: failures counted from here belong to it. */
static void step(void) { S.failed_mark = S.failed; }

/* A step that failed: an allocation must have failed in it and the context
 * must say DORM_ENOMEM. */
static void failed_step(run *r, const char *what) {
    if (S.failed == S.failed_mark)
        problem("%s failed with no allocation failure in it: %s %s", what, dorm_error_name(dorm_errcode(r->cx)),
                dorm_errmsg(r->cx));
    else if (dorm_errcode(r->cx) != DORM_ENOMEM)
        problem("%s failed with %s (\"%s\"), not MemoryError", what, dorm_error_name(dorm_errcode(r->cx)),
                dorm_errmsg(r->cx));
    if (r->db && r->db->atomic_depth != 0) problem("%s failed and left a transaction open", what);
}

/* A write step that failed must have left the database as it was. */
static void failed_write(run *r, const char *what, uint64_t before) {
    failed_step(r, what);
    if (db_digest(r) != before) problem("%s failed but changed the database", what);
}

static void expect_eq(long got, long want, const char *what) {
    if (got != want) problem("%s: %ld, expected %ld", what, got, want);
}

#define STEP(cond, what)           \
    do {                           \
        step();                    \
        if (!(cond)) {             \
            failed_step(&R, what); \
            goto done;             \
        }                          \
    } while (0)

#define WRITE(cond, what)                    \
    do {                                     \
        uint64_t before_ = db_digest(&R);    \
        step();                              \
        if (!(cond)) {                       \
            failed_write(&R, what, before_); \
            goto done;                       \
        }                                    \
    } while (0)

/* The query counting the program's tables. */
static const char *shop_tables(void) {
    return B.postgres ? "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND "
                        "table_name LIKE 'shop_%'"
                      : "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name LIKE 'shop_%'";
}

/* PostgreSQL: an empty schema for the next run (never failing). */
static void fresh_schema(void) {
    S.paused = true;
    char sql[160];
    dorm_errbuf e = {0, ""};
    snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS \"%s\" CASCADE", B.schema);
    cr_assert_eq(dorm_db__exec(B.admin, sql, &e), 0, "%s", e.msg);
    snprintf(sql, sizeof sql, "CREATE SCHEMA \"%s\"", B.schema);
    cr_assert_eq(dorm_db__exec(B.admin, sql, &e), 0, "%s", e.msg);
    S.paused = false;
}

/* PostgreSQL: the connection that makes the schemas, opened before the
 * reference run (so that its memory is not the program's), or closed with
 * the schema dropped. */
static void admin(bool open) {
    if (!B.postgres) return;
    S.paused = true;
    if (open) {
        snprintf(B.schema, sizeof B.schema, "dorm_oom_%ld", (long)getpid());
        B.reg = dorm_registry_new((const dorm_app *const[]){NULL});
        B.admin = B.reg ? dorm_db_open(test_db_url(), B.reg) : NULL;
        cr_assert(B.admin && !dorm_db_errcode(B.admin), "%s", B.admin ? dorm_db_errmsg(B.admin) : "");
    } else {
        char sql[96];
        dorm_errbuf e = {0, ""};
        snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS \"%s\" CASCADE", B.schema);
        dorm_db__exec(B.admin, sql, &e);
        dorm_db_close(B.admin);
        dorm_registry_free(B.reg);
        B.admin = NULL;
        B.reg = NULL;
    }
    S.paused = false;
}

/* The part of the program running; `run_program` switches between them. */
static void enter(unsigned phase) { S.phase = phase; }

/* Runs the program once.  With S.fail_at < 0 it must succeed and fills `ref`. */
static void run_program(void) {
    run R;
    memset(&R, 0, sizeof R);
    snprintf(R.dir, sizeof R.dir, "/tmp/dorm-oom-XXXXXX");
    cr_assert_not_null(mkdtemp(R.dir));
    if (B.postgres) {
        const char *base = test_db_url();
        snprintf(R.url, sizeof R.url, "%s%soptions=-c%%20search_path%%3D%s", base, strchr(base, '?') ? "&" : "?",
                 B.schema);
        fresh_schema();
    } else {
        snprintf(R.url, sizeof R.url, "sqlite:///%s/db.sqlite3", R.dir);
    }
    snprintf(R.migrations, sizeof R.migrations, "%s/migrations", R.dir);
    snprintf(R.fixture, sizeof R.fixture, "%s/fixture.json", R.dir);
    char mig_file[128];
    snprintf(mig_file, sizeof mig_file, "%s/0001_initial.json", R.migrations);
    cr_assert_eq(mkdir(R.migrations, 0700), 0);
    R.app = (dorm_app){.label = "shop",
                       .models = DORM_MODELS(&Tag_model, &Poet_model, &Novel_model, &Review_model),
                       .migrations_dir = R.migrations};
    R.apps[0] = &R.app;
    FILE *devnull = fopen("/dev/null", "w");
    cr_assert_not_null(devnull);
    const bool reference = S.fail_at < 0;
    uint64_t before;

    enter(PH_OPEN);
    step();
    R.reg = dorm_registry_new(R.apps);
    if (!R.reg) goto done;
    if (dorm_registry_errcode(R.reg) != DORM_OK) {
        if (dorm_registry_errcode(R.reg) != DORM_ENOMEM)
            problem("registry: %s, not MemoryError", dorm_registry_messages(R.reg));
        goto done;
    }
    step();
    R.db = dorm_db_open(R.url, R.reg);
    if (!R.db) goto done;
    if (dorm_db_errcode(R.db) != DORM_OK) {
        if (dorm_db_errcode(R.db) != DORM_ENOMEM || S.failed == S.failed_mark)
            problem("dorm_db_open: %s %s, not MemoryError", dorm_error_name(dorm_db_errcode(R.db)),
                    dorm_db_errmsg(R.db));
        goto done;
    }
    R.cx = dorm_ctx_new(R.db);
    if (!R.cx) goto done;
    if (!B.postgres) {
        /* A test database need not survive a power cut. */
        S.paused = true;
        dorm_errbuf e = {0, ""};
        dorm_db__exec(R.db, "PRAGMA synchronous = OFF", &e);
        S.paused = false;
    }

    /* makemigrations writes 0001_initial.json whole or not at all; migrate
     * applies it with its record, or leaves no trace. */
    enter(PH_MIGRATE);
    step();
    if (dorm_makemigrations(R.cx, R.apps, &(dorm_makemigrations_opts){.out = devnull, .verbosity = 0}) < 0) {
        failed_step(&R, "makemigrations");
        check_file(mig_file, ref.migration, false, "makemigrations");
        goto done;
    }
    if (reference) ref.migration = read_file(mig_file);
    check_file(mig_file, ref.migration, true, "makemigrations");
    step();
    const char *sql = dorm_sqlmigrate(R.cx, R.apps, "shop", "0001", false);
    if (!sql) {
        failed_step(&R, "sqlmigrate");
        goto done;
    }
    if (reference)
        ref.sqlmigrate = strdup(sql);
    else if (strcmp(sql, ref.sqlmigrate) != 0)
        problem("sqlmigrate's SQL differs:\n%s", sql);
    before = db_digest(&R);
    step();
    if (dorm_migrate(R.cx, R.apps, &(dorm_migrate_opts){.out = devnull}) < 0) {
        failed_step(&R, "migrate");
        int64_t tables = scalar(&R, shop_tables());
        int64_t applied = scalar(&R, "SELECT count(*) FROM dorm_migrations WHERE app = 'shop'");
        if (!((tables == 0 && applied <= 0) || (tables == 5 && applied == 1)))
            problem("migrate failed half-way: %lld tables, %lld recorded", (long long)tables, (long long)applied);
        goto done;
    }
    expect_eq(scalar(&R, shop_tables()), 5, "tables after migrate");

    enter(PH_CRUD);
    dorm_ctx *cx = R.cx;
    Poet *austen, *orwell;
    Novel *emma, *farm;
    WRITE(austen = dorm_create(cx, Poet, .name = "Jane Austen", .born = dorm_date_ymd(1775, 12, 16)), "create");
    WRITE(orwell = dorm_create(cx, Poet, .name = "George Orwell"), "create");
    dorm_uuid code;
    dorm_uuid_parse("12345678-1234-5678-1234-567812345678", 36, &code);
    WRITE(emma = dorm_create(cx, Novel, .title = "Emma", .writer = {austen->id, austen}, .pages = 474,
                             .price = DORM_DEC(1250, 2), .published = dorm_datetime_utc(1815, 12, 23, 10, 30, 0, 0),
                             .code = code, .extra = "{\"a\": [1, 2]}", .cover = {"\x00\x01\x02", 3}),
          "create");
    WRITE(farm = dorm_create(cx, Novel, .title = "Animal Farm", .writer = {orwell->id, orwell}, .pages = 112),
          "create");
    WRITE(dorm_create(cx, Novel, .title = "1984", .writer = {orwell->id, NULL}, .pages = 328), "create");
    orwell->born = dorm_date_ymd(1903, 6, 25);
    WRITE(dorm_save(orwell) == 0, "save");
    int64_t n;
    STEP((n = dorm_count(dorm_filter(dorm_all(cx, Novel), DQ("writer__name__startswith", "George")))) >= 0, "count");
    expect_eq(n, 2, "count");
    Novel *got;
    STEP(got = dorm_get(dorm_all(cx, Novel), DQ("title", "1984")), "get");
    expect_eq(got->pages, 328, "get: pages");
    /* The second get by key runs the first one's plan, picked out by the
     * session's last-plan memo, and stops at its one row. */
    STEP(got = dorm_get(dorm_all(cx, Novel), DQ("pk", emma->id)), "get by pk");
    expect_eq(got->pages, 474, "get by pk: pages");
    STEP(got = dorm_get(dorm_all(cx, Novel), DQ("pk", farm->id)), "get by pk from its plan");
    expect_eq(got->pages, 112, "get by pk from its plan: pages");
    WRITE((n = dorm_update(dorm_filter(dorm_all(cx, Novel), DQ("pages__lt", 400)),
                           DSET("pages", dorm_add(dorm_F("pages"), 10)))) >= 0,
          "update");
    expect_eq(n, 2, "update: rows");
    STEP(dorm_refresh(farm) == 0, "refresh");
    expect_eq(farm->pages, 122, "refresh: pages");
    size_t len;
    const dorm_row **rows;
    STEP(rows = dorm_rows(dorm_values(dorm_order_by(dorm_all(cx, Novel), "-pages"), "title", "writer__name"), &len),
         "values");
    expect_eq((long)len, 3, "values: rows");
    {
        /* A loop that yields nothing because its query failed: the
         * QuerySet says so, as the context does. */
        dorm_qs *qs;
        STEP((qs = dorm_filter(dorm_all(cx, Novel), DQ("pages__gt", 100))) && dorm_qs_errcode(qs) == DORM_OK, "each");
        long seen = 0;
        step();
        DORM_EACH(Novel, nv, qs) seen++;
        if (dorm_qs_errcode(qs) != DORM_OK) {
            failed_step(&R, "each");
            if (dorm_qs_errcode(qs) != dorm_errcode(cx))
                problem("each: the QuerySet says %s, the context %s", dorm_error_name(dorm_qs_errcode(qs)),
                        dorm_error_name(dorm_errcode(cx)));
            goto done;
        }
        expect_eq(seen, 3, "each: objects");
    }
    const dorm_row *agg;
    STEP(agg = dorm_aggregate(dorm_all(cx, Novel), DAS(NULL, DSum("pages")), DAS("most", DMax("pages"))), "aggregate");
    expect_eq((long)dorm_row_get(agg, "pages__sum")->u.i, 474 + 122 + 338, "aggregate: sum");
    STEP((n = dorm_exists(dorm_exclude(dorm_all(cx, Novel),
                                       dorm_or(DQ("pages__gt", 1000), dorm_not(DQ("title__icontains", "e")))))) >= 0,
         "exists");
    expect_eq(n, 1, "exists");
    STEP(got = dorm_first(dorm_order_by(
             dorm_filter(dorm_all(cx, Novel), DQ("writer__in", dorm_values_flat(dorm_all(cx, Poet), "id"))), "-pages")),
         "first");
    expect_eq(got->pages, 474, "first: pages");
    dorm_map *map;
    STEP(map = dorm_in_bulk(dorm_all(cx, Poet), NULL, 0), "in_bulk");
    expect_eq((long)dorm_map_len(map), 2, "in_bulk: size");
    {
        dorm_iter *it;
        dorm_qs *qs;
        STEP((qs = dorm_only(dorm_all(cx, Novel), "title")) && (it = dorm_iterator(qs, 2)), "iterator");
        long seen = 0;
        step();
        while (dorm_next(it)) seen++;
        if (dorm_iter_errcode(it) != DORM_OK) {
            failed_step(&R, "iterator");
            if (dorm_qs_errcode(qs) != dorm_iter_errcode(it))
                problem("iterator: the QuerySet says %s", dorm_error_name(dorm_qs_errcode(qs)));
            goto done;
        }
        expect_eq(seen, 3, "iterator: objects");
    }
    STEP(dorm_full_clean(emma) == 0, "full_clean");
    bool created;
    Tag *t1, *t2;
    WRITE(dorm_update_or_create(dorm_all(cx, Poet), &created, DORM_DEFAULTS(DSET("born", dorm_date_ymd(1775, 12, 16))),
                                DQ("name", "Jane Austen")),
          "update_or_create");
    WRITE(t1 = dorm_get_or_create(dorm_all(cx, Tag), &created, NULL, DQ("name", "classic")), "get_or_create");
    WRITE(t2 = dorm_get_or_create(dorm_all(cx, Tag), &created, NULL, DQ("name", "satire")), "get_or_create");

    enter(PH_RELATED);
    WRITE(dorm_related_add(emma, "tags", (void *[]){t1}, 1) == 0, "m2m add");
    WRITE(dorm_related_set(farm, "tags", (void *[]){t1, t2}, 2) == 0, "m2m set");
    {
        Review *reviews[4];
        for (int i = 0; i < 4; i++) {
            STEP(reviews[i] = dorm_new(cx, Review), "new");
            reviews[i]->novel.id = i < 2 ? emma->id : farm->id;
            reviews[i]->text = i % 2 ? "Dull." : "A masterpiece.";
            reviews[i]->stars = (int16_t)(i + 1);
        }
        WRITE(dorm_bulk_create(cx, Review, reviews, 4, 3) == 0, "bulk_create");
    }
    void **list;
    {
        Tag *t3;
        WRITE(t3 = dorm_related_create(farm, "tags", Tag, .name = "fable"), "m2m create");
        WRITE(dorm_related_remove(farm, "tags", (void *[]){t3}, 1) == 0, "m2m remove");
        WRITE(dorm_delete(t3, NULL) == 0, "delete");
        emma->pages = 480;
        farm->pages = 120;
        WRITE(dorm_bulk_update(cx, Novel, ((Novel *[]){emma, farm}), 2, "pages") == 2, "bulk_update");
    }
    STEP(list = dorm_list(dorm_select_related(dorm_filter(dorm_all(cx, Review), DQ("stars__gte", 2)), "novel__writer"),
                          &len),
         "select_related");
    expect_eq((long)len, 3, "select_related: rows");
    if (len == 3 && strcmp(((Novel *)((Review *)list[0])->novel.obj)->title, "Emma") != 0)
        problem("select_related: wrong novel");
    STEP(list = dorm_list(dorm_prefetch_related(dorm_all(cx, Poet), "novels", "novels__tags"), &len),
         "prefetch_related");
    expect_eq((long)len, 2, "prefetch_related: rows");
    {
        dorm_qs *novels;
        STEP(novels = dorm_related(list[0], "novels"), "related manager");
        STEP((n = dorm_count(novels)) >= 0, "prefetched count");
        expect_eq(n, 2, "George Orwell's novels");
    }
    STEP(list = dorm_list(
             dorm_prefetch_with(dorm_all(cx, Tag),
                                DPrefetch("novels", dorm_filter(dorm_all(cx, Novel), DQ("pages__gt", 200)), "long")),
             &len),
         "Prefetch");
    {
        size_t nlong = 0;
        expect_eq((long)len, 2, "Prefetch: tags");
        if (len == 2 && !dorm_prefetched(list[0], "long", &nlong)) problem("Prefetch: no list");
        expect_eq((long)nlong, 1, "Prefetch: classic's long novels");
    }
    STEP((n = dorm_count(dorm_annotate(dorm_filter(dorm_all(cx, Poet), DQ("novels__reviews__stars__gte", 1)),
                                       DAS("reviews", DCount("novels__reviews"))))) >= 0,
         "annotate");
    expect_eq(n, 2, "annotate: rows");

    /* An atomic block that fails anywhere is rolled back whole. */
    before = db_digest(&R);
    step();
    int rc = dorm_atomic_begin(cx);
    if (rc == 0) {
        Poet *w = dorm_create(cx, Poet, .name = "Leo Tolstoy");
        Novel *nv = w ? dorm_create(cx, Novel, .title = "War and Peace", .writer = {w->id, w}, .pages = 1225) : NULL;
        rc = nv ? dorm_atomic_begin(cx) : -1;
        if (rc == 0) {
            rc = dorm_update(dorm_filter(dorm_all(cx, Novel), DQ("writer", w->id)), DSET("pages", 1300)) == 1 ? 0 : -1;
            rc = dorm_atomic_end(cx, rc == 0) || rc;
        }
        if (rc == 0) rc = dorm_related_add(nv, "tags", (void *[]){t1}, 1);
        rc = dorm_atomic_end(cx, rc == 0) || rc;
    }
    if (rc) {
        failed_write(&R, "atomic block", before);
        goto done;
    }
    expect_eq(scalar(&R, "SELECT pages FROM shop_novel WHERE title = 'War and Peace'"), 1300, "atomic block");

    /* A block rolled back on purpose leaves nothing. */
    before = db_digest(&R);
    step();
    if ((rc = dorm_atomic_begin(cx)) == 0) {
        rc = dorm_create(cx, Poet, .name = "Nobody") ? 0 : -1;
        rc = dorm_atomic_rollback(cx) || rc;
    }
    if (rc) {
        failed_write(&R, "rolled back block", before);
        goto done;
    }
    if (db_digest(&R) != before) problem("a rolled back block changed the database");

    /* Deleting a writer cascades to novels, reviews and tag links. */
    dorm_deleted d;
    WRITE(dorm_delete(austen, &d) == 0, "delete");
    expect_eq((long)d.total, 1 + 1 + 2 + 1, "delete: rows");
    WRITE(dorm_qs_delete(dorm_filter(dorm_all(cx, Review), DQ("stars", 4)), &d) == 0, "QuerySet.delete");
    expect_eq((long)d.total, 1, "QuerySet.delete: rows");

    /* dumpdata --output writes the fixture whole or not at all; loaddata
     * installs it all or nothing. */
    enter(PH_FIXTURES);
    {
        S.paused = true;
        char *argv[] = {"dumpdata", "--database", R.url, "--output", R.fixture, "--indent", "1", NULL};
        fflush(stderr);
        int saved = dup(2);
        char errpath[96];
        snprintf(errpath, sizeof errpath, "%s/stderr", R.dir);
        int fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(fd, 2);
        close(fd);
        S.paused = false;
        step();
        rc = dorm_manage(7, argv, R.apps);
        S.paused = true;
        fflush(stderr);
        dup2(saved, 2);
        close(saved);
        char *err = read_file(errpath);
        S.paused = false;
        if (rc != 0) {
            if (S.failed == S.failed_mark)
                problem("dumpdata failed with no allocation failure in it: %s", err);
            else if (!strstr(err, "out of memory"))
                problem("dumpdata's error is not out of memory: %s", err);
            check_file(R.fixture, NULL, false, "dumpdata");
            free(err);
            goto done;
        }
        free(err);
        if (reference) ref.fixture = read_file(R.fixture);
        check_file(R.fixture, ref.fixture, true, "dumpdata");
    }
    S.paused = true;
    int64_t objects = scalar(&R,
                             "SELECT (SELECT count(*) FROM shop_poet) + (SELECT count(*) FROM shop_novel) + "
                             "(SELECT count(*) FROM shop_review) + (SELECT count(*) FROM shop_tag)");
    dorm_error_clear(cx);
    if (dorm__flush(cx) != 0) problem("flush: %s", dorm_errmsg(cx));
    S.paused = false;
    WRITE(dorm_loaddata(cx, (const char *const[]){R.fixture, NULL}, NULL) == 0, "loaddata");
    expect_eq(scalar(&R,
                     "SELECT (SELECT count(*) FROM shop_poet) + (SELECT count(*) FROM shop_novel) + "
                     "(SELECT count(*) FROM shop_review) + (SELECT count(*) FROM shop_tag)"),
              (long)objects, "objects after loaddata");
    expect_eq(scalar(&R, "SELECT count(*) FROM shop_novel_tags"), 3, "tag links after loaddata");
    /* Loading it again updates the rows it names. */
    before = db_digest(&R);
    WRITE(dorm_loaddata(cx, (const char *const[]){R.fixture, NULL}, NULL) == 0, "loaddata again");
    if (db_digest(&R) != before) problem("loading a fixture again changed the database");
    if (reference) cr_assert_eq(found.total, 0, "the program without failures: %s", found.p[0].msg);

done:
    enter(PH_CLOSE);
    dorm_ctx_free(R.cx);
    dorm_db_close(R.db);
    dorm_registry_free(R.reg);
    fclose(devnull);
    S.paused = true;
    char cmd[96];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", R.dir);
    if (system(cmd) != 0) problem("cannot remove %s", R.dir);
    S.paused = false;
}

/* ---- the driver ---------------------------------------------------------- */

/* A crash names the point that led to it ($DORM_OOM_POINT runs it alone). */
static void say_point(void) {
    char msg[96];
    int n = snprintf(msg, sizeof msg, "\noom: the run failing point %ld%s crashed\n", S.fail_at,
                     S.persistent ? " (persistent)" : "");
    if (write(2, msg, (size_t)n) < 0) return;
}

static void on_crash(int sig) {
    say_point();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void report_crashes(void) {
#if defined(__SANITIZE_ADDRESS__)
    __sanitizer_set_death_callback(say_point);
#endif
    signal(SIGSEGV, on_crash);
    signal(SIGBUS, on_crash);
    signal(SIGABRT, on_crash);
}

static long env_long(const char *name, long dflt) {
    const char *s = getenv(name);
    return s && *s ? strtol(s, NULL, 10) : dflt;
}

/* The stride between the points tried: 1 (every point) in an optimised
 * build on SQLite; sampled under the sanitizers and on PostgreSQL (a run
 * there takes round trips to the server); $DORM_OOM_STRIDE when set. */
static long stride(void) {
#if defined(__SANITIZE_ADDRESS__)
    return env_long("DORM_OOM_STRIDE", B.postgres ? 16 : 3);
#else
    return env_long("DORM_OOM_STRIDE", B.postgres ? 16 : 1);
#endif
}

/* Fails each point of `phases` in turn ($DORM_OOM_POINT: just that one),
 * once transiently and once persistently. */
static void fail_each(unsigned phases) {
    B.postgres = strncmp(test_db_url(), "postgres", 8) == 0;
    if (!B.postgres && strncmp(test_db_url(), "sqlite", 6) != 0) cr_skip_test("runs on SQLite and PostgreSQL");
    report_crashes();
    dorm_allocator a = {oom_malloc, oom_realloc, oom_free, NULL};
    dorm_set_allocator(&a);
    admin(true);
    S = (oom_state){.phases = phases, .fail_at = -1};
    run_program();
    cr_assert_eq(S.live, 0, "the program without failures leaks %ld blocks", S.live);
    ref.points = S.points;
    cr_assert_gt(ref.points, 0);
    long only = env_long("DORM_OOM_POINT", -1);
    int trace_fd = dup(2);
    long step_by = stride();
    int modes = 2;
    long runs = 0;
    for (int mode = 0; mode < modes; mode++) {
        for (long p = only >= 0 ? only : (long)(mode * 3) % step_by; p < ref.points; p += step_by) {
            S = (oom_state){
                .phases = phases, .fail_at = p, .persistent = mode == 1, .trace = only >= 0, .trace_fd = trace_fd};
            run_program();
            runs++;
            if (S.live != 0) problem("%ld blocks leaked", S.live);
            if (only >= 0) break;
        }
    }
    admin(false);
    dorm_set_allocator(NULL);
    close(trace_fd);
    free(ref.migration);
    free(ref.sqlmigrate);
    free(ref.fixture);
    ref.migration = ref.sqlmigrate = ref.fixture = NULL;
    cr_log_info("%ld failure points, %ld runs", ref.points, runs);
    for (int i = 0; i < found.n; i++)
        cr_log_error("point %ld%s (and %ld more): %s", found.p[i].point, found.p[i].persistent ? " persistent" : "",
                     found.p[i].times - 1, found.p[i].msg);
    cr_expect_eq(found.total, 0, "%ld problems in %ld runs over %ld failure points", found.total, runs, ref.points);
}

Test(oom, open_and_migrate) { fail_each(PH_OPEN | PH_MIGRATE); }
Test(oom, crud) { fail_each(PH_CRUD); }
Test(oom, relations_bulk_atomic_delete) { fail_each(PH_RELATED); }
Test(oom, fixtures) { fail_each(PH_FIXTURES); }
