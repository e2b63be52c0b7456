/* inject.c - database errors injected through the driver seam
 * (tests/support/faultdrv.h): each operation is run once to count its
 * driver calls, then once per call with that call failing.  Every run must
 * either fail, with the error on the context, no transaction left open and
 * the database exactly as before (or as after, when the failure came after
 * the work was committed), or succeed exactly as the clean run did; and the
 * connection must work afterwards.  Runs on the test database
 * (SQLite, or PostgreSQL with DORM_TEST_URL). */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "backend/db.h"
#include "faultdrv.h"
#include "testdb.h"

/* Bounds of one operation's loop: driver calls, and seconds. */
#define MAX_CALLS 400
#define MAX_SECONDS 240

/* ---- the database as text ------------------------------------------------- */

typedef struct snap {
    dorm_buf out;
    const char *mask; /* a column whose values are not compared, or NULL */
    int mask_col;
} snap;

static void snap_row(dorm_db *db, dorm_stmt *st, void *payload) {
    snap *s = payload;
    for (int i = 0; i < db->drv->column_count(st); i++) {
        size_t n;
        const char *v = db->drv->column_null(st, i) ? NULL : db->drv->column_text(st, i, &n);
        if (i == s->mask_col)
            dorm_buf_puts(&s->out, "|*");
        else if (!v)
            dorm_buf_puts(&s->out, "|NULL");
        else {
            dorm_buf_putc(&s->out, '|');
            dorm_buf_put(&s->out, v, n);
        }
    }
    dorm_buf_putc(&s->out, '\n');
}

static int by_name(const void *a, const void *b) {
    return strcmp(((const dorm_itable *)a)->name, ((const dorm_itable *)b)->name);
}

/* Every table of the test database with its columns and rows (in key
 * order), as text in the context's arena.  Columns named `mask` show as *. */
static const char *snapshot(const char *mask) {
    dorm_itable *tables;
    size_t n;
    cr_assert_eq(T.db->drv->introspect(T.cx, &tables, &n), 0, "introspect: %s", dorm_errmsg(T.cx));
    qsort(tables, n, sizeof *tables, by_name);
    snap s = {DORM_BUF_INIT, mask, -1};
    for (size_t t = 0; t < n; t++) {
        dorm_buf_printf(&s.out, "table %s:", tables[t].name);
        s.mask_col = -1;
        for (size_t c = 0; c < tables[t].ncolumns; c++) {
            const dorm_icolumn *col = &tables[t].columns[c];
            dorm_buf_printf(&s.out, " %s %s%s", col->name, col->type, col->null ? " null" : "");
            if (mask && strcmp(col->name, mask) == 0) s.mask_col = (int)c;
        }
        dorm_buf_putc(&s.out, '\n');
        dorm_buf sql = DORM_BUF_INIT;
        dorm_buf_puts(&sql, "SELECT * FROM ");
        dorm_buf_quote(&sql, T.db->dialect->quote, tables[t].name);
        dorm_buf_puts(&sql, " ORDER BY 1");
        dorm_errbuf e = {0, ""};
        cr_assert_eq(dorm_db__query(T.db, sql.data, NULL, 0, snap_row, &s, &e), 0, "%s: %s", sql.data, e.msg);
        dorm_buf_free(&sql);
    }
    cr_assert_not(s.out.failed);
    const char *text = dorm_strdup(T.cx, s.out.data);
    dorm_buf_free(&s.out);
    return text;
}

/* ---- the loop -------------------------------------------------------------- */

typedef struct op {
    const char *name;
    void (*open)(void); /* the database before the operation */
    int (*run)(dorm_ctx *cx); /* 0, or the negative error it reported */
    void (*close)(void);
    const char *mask; /* see snapshot() */
    /* Checks the connection still enforces what it did (migrations turn
     * SQLite's foreign keys off around their work), or NULL. */
    bool (*after)(void);
    /* The words of a failure reported after the operation committed (the
     * database then is as after it), or NULL where there is none. */
    const char *committed;
    /* The words of a failure that may leave the database part way (a
     * migration where DDL commits: MySQL), or NULL. */
    const char *half;
} op;

/* The connection works after the fault (and still does what `after`
 * checks, unless the failure said it could not). */
static void check_usable(const op *o, long n, bool reported) {
    dorm_errbuf e = {0, ""};
    cr_assert_eq(dorm_db__query(T.db, "SELECT 1", NULL, 0, NULL, NULL, &e), 0,
                 "%s, call %ld: the connection is "
                 "broken after the fault: %s",
                 o->name, n, e.msg);
    if (o->after && !reported)
        cr_assert(o->after(), "%s, call %ld: the fault (%s) changed the connection", o->name, n, dorm_errmsg(T.cx));
}

static void run_op(const op *o) {
    o->open();
    const char *before = snapshot(o->mask);
    test_fault_install(T.db);
    test_fault_arm(0);
    int rc = o->run(T.cx);
    long total = test_fault_calls();
    test_fault_remove(T.db);
    cr_assert_eq(rc, 0, "%s without a fault: %s", o->name, dorm_errmsg(T.cx));
    const char *after = snapshot(o->mask);
    cr_assert_str_neq(before, after, "%s changed nothing", o->name);
    char *want_before = strdup(before), *want_after = strdup(after);
    o->close();
    cr_assert(total > 0 && total <= MAX_CALLS, "%s made %ld driver calls", o->name, total);
    cr_log_info("%s: %ld driver calls, each failed in turn", o->name, total);

    time_t start = time(NULL);
    for (long n = 1; n <= total; n++) {
        cr_assert_lt(time(NULL) - start, MAX_SECONDS, "%s: out of time at call %ld of %ld", o->name, n, total);
        o->open();
        test_fault_install(T.db);
        test_fault_arm(n);
        rc = o->run(T.cx);
        bool fired = test_fault_fired(), late = test_fault_late();
        test_fault_remove(T.db);
        cr_assert(fired, "%s: call %ld of %ld never came (the clean run made more calls)", o->name, n, total);
        cr_assert_not(dorm_in_atomic(T.cx), "%s, call %ld: a transaction was left open", o->name, n);
        const char *now = snapshot(o->mask);
        bool committed = false;
        if (rc < 0) {
            cr_assert_neq(dorm_errcode(T.cx), DORM_OK, "%s, call %ld: failed (%d) with no error on the context",
                          o->name, n, rc);
            /* A failure reported after the commit, or while reading the
             * answer of a statement that had run in autocommit, comes
             * after the work was done (as a lost acknowledgement does). */
            committed = o->committed && strstr(dorm_errmsg(T.cx), o->committed);
            bool as_before = strcmp(now, want_before) == 0, as_after = strcmp(now, want_after) == 0;
            bool half = o->half && strstr(dorm_errmsg(T.cx), o->half);
            cr_assert(committed ? as_after : half || as_before || (late && as_after),
                      "%s, call %ld: the failure (%s) left the database neither as before nor as after:\n%s", o->name,
                      n, dorm_errmsg(T.cx), now);
        } else {
            cr_assert_eq(dorm_errcode(T.cx), DORM_OK, "%s, call %ld", o->name, n);
            cr_assert_str_eq(now, want_after, "%s, call %ld: the fault was swallowed and the result differs", o->name,
                             n);
        }
        check_usable(o, n, committed);
        o->close();
    }
    free(want_before);
    free(want_after);
}

/* ---- operations on the library catalogue ----------------------------------- */

static void open_catalogue(void) {
    test_db_open();
    test_db_catalogue();
}

static int failure(dorm_ctx *cx) { return dorm_errcode(cx) ? dorm_errcode(cx) : DORM_EOPERATIONAL; }

static Author *author_named(dorm_ctx *cx, const char *name) { return dorm_get(dorm_all(cx, Author), DQ("name", name)); }

static Book *new_book(dorm_ctx *cx, int64_t author, const char *isbn) {
    Book *b = dorm_new(cx, Book);
    if (!b) return NULL;
    b->title = isbn;
    b->author.id = author;
    b->publication_date = dorm_date_ymd(2024, 1, 1);
    b->isbn = isbn;
    b->genre = "SCI";
    b->pages = 10;
    return b;
}

/* A program's atomic block: creates, an update through F(), a delete with
 * its cascade, then commit; on the first failure it rolls back. */
static int atomic_block(dorm_ctx *cx) {
    if (dorm_atomic_begin(cx) != 0) return failure(cx);
    Author *a = dorm_create(cx, Author, .name = "Ursula K. Le Guin");
    Book *b = a ? new_book(cx, a->id, "9780441478125") : NULL;
    Author *orwell = NULL;
    bool ok = b && dorm_save(b) == 0 &&
        dorm_update(dorm_all(cx, Book), DSET("pages", dorm_add(dorm_F("pages"), 1))) >= 0 &&
        (orwell = author_named(cx, "George Orwell")) != NULL && dorm_delete(orwell, NULL) == 0;
    int rc = ok ? 0 : failure(cx);
    int end = dorm_atomic_end(cx, ok);
    return rc ? rc : end;
}

static int save_new(dorm_ctx *cx) { return dorm_create(cx, Author, .name = "Ursula K. Le Guin") ? 0 : failure(cx); }

static int save_existing(dorm_ctx *cx) {
    Book *b = dorm_get(dorm_all(cx, Book), DQ("title", "Emma"));
    if (!b) return failure(cx);
    b->pages = 500;
    b->title = "Emma (annotated)";
    return dorm_save(b);
}

static int bulk_create(dorm_ctx *cx) {
    Author *a = author_named(cx, "J.R.R. Tolkien");
    if (!a) return failure(cx);
    Book *books[13];
    char *isbn;
    for (int i = 0; i < 13; i++)
        if (!(isbn = dorm_sprintf(cx, "isbn-%d", i)) || !(books[i] = new_book(cx, a->id, isbn))) return failure(cx);
    return dorm_bulk_create(cx, Book, books, 13, 4);
}

static int bulk_update(dorm_ctx *cx) {
    size_t n;
    Book **books = (Book **)dorm_list(dorm_order_by(dorm_all(cx, Book), "id"), &n);
    if (!books) return failure(cx);
    for (size_t i = 0; i < n; i++) books[i]->pages = (int32_t)(1000 + i);
    int64_t rows = dorm_bulk_update_(cx, &Book_model, (void *const *)books, n, DORM_LIST("pages", "title"), 3);
    return rows < 0 ? (int)rows : 0;
}

static int delete_cascade(dorm_ctx *cx) {
    Author *a = author_named(cx, "Jane Austen");
    return a ? dorm_delete(a, NULL) : failure(cx);
}

static int queryset_delete(dorm_ctx *cx) {
    return dorm_qs_delete(dorm_filter(dorm_all(cx, Author), DQ("name__startswith", "J")), NULL);
}

static int queryset_update(dorm_ctx *cx) {
    int64_t n =
        dorm_update(dorm_filter(dorm_all(cx, Book), DQ("pages__gt", 200)), DSET("pages", dorm_add(dorm_F("pages"), 1)));
    return n < 0 ? (int)n : 0;
}

static int get_or_create(dorm_ctx *cx) {
    Author *a = author_named(cx, "J.R.R. Tolkien");
    if (!a) return failure(cx);
    bool created;
    Book *b = dorm_get_or_create(dorm_all(cx, Book), &created,
                                 DORM_DEFAULTS(DSET("title", "The Silmarillion"), DSET("author", a->id),
                                               DSET("publication_date", dorm_date_ymd(1977, 9, 15))),
                                 DQ("isbn", "9780618391110"));
    return b ? 0 : failure(cx);
}

static int update_or_create(dorm_ctx *cx) {
    bool created;
    Book *b = dorm_update_or_create(dorm_all(cx, Book), &created, DORM_DEFAULTS(DSET("pages", 999)),
                                    DQ("isbn", "9780547928227"));
    return b ? 0 : failure(cx);
}

#define CATALOGUE_OP(fn) \
    { #fn, open_catalogue, fn, test_db_close, NULL, NULL, NULL, NULL }

static const op catalogue_ops[] = {
    CATALOGUE_OP(atomic_block),     CATALOGUE_OP(save_new),        CATALOGUE_OP(save_existing),
    CATALOGUE_OP(bulk_create),      CATALOGUE_OP(bulk_update),     CATALOGUE_OP(delete_cascade),
    CATALOGUE_OP(queryset_delete),  CATALOGUE_OP(queryset_update), CATALOGUE_OP(get_or_create),
    CATALOGUE_OP(update_or_create),
};

/* Parameters are indexes: a worker process may not share the runner's
 * addresses. */
static size_t catalogue_indexes[sizeof catalogue_ops / sizeof catalogue_ops[0]];

ParameterizedTestParameters(inject, catalogue) {
    for (size_t i = 0; i < sizeof catalogue_indexes / sizeof catalogue_indexes[0]; i++) catalogue_indexes[i] = i;
    return cr_make_param_array(size_t, catalogue_indexes, sizeof catalogue_indexes / sizeof catalogue_indexes[0]);
}

ParameterizedTest(size_t *i, inject, catalogue, .timeout = MAX_SECONDS + 60) { run_op(&catalogue_ops[*i]); }

/* ---- a migration ---------------------------------------------------------- */

static dorm_app shop;

static void write_migration(const char *name, const char *json) {
    test_write_file(dorm_sprintf(T.cx, "%s.json", name), json);
}

static int migrate(const char *target) {
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    int rc = dorm_migrate(T.cx, (const dorm_app *const[]){&shop, NULL},
                          &(dorm_migrate_opts){.app = target ? "shop" : NULL, .target = target, .out = out});
    fclose(out);
    free(buf);
    return rc;
}

static void exec_ok(const char *sql) {
    dorm_errbuf e = {0, ""};
    cr_assert_eq(dorm_db__exec(T.db, sql, &e), 0, "%s: %s", sql, e.msg);
}

/* shop 0001 applied, with rows; 0002 (several operations, SQLite rebuilds
 * the table for some) waiting. */
static void open_shop(void) {
    test_db_open_apps((const dorm_app *const[]){&test_empty_app, NULL});
    shop = (dorm_app){.label = "shop", .models = test_empty_app.models, .migrations_dir = test_tmpdir_make("dorm-inj")};
    write_migration(
        "0001_initial",
        "{\"initial\": true, \"dependencies\": [], \"operations\": ["
        "{\"operation\": \"CreateModel\", \"name\": \"Product\", \"fields\": [[\"id\", {\"type\": "
        "\"AutoField\", \"primary_key\": true}], [\"name\", {\"type\": \"CharField\", \"max_length\": 50}]]},"
        "{\"operation\": \"CreateModel\", \"name\": \"Line\", \"fields\": [[\"id\", {\"type\": "
        "\"AutoField\", \"primary_key\": true}], [\"product\", {\"type\": \"ForeignKey\", \"to\": "
        "\"shop.product\", \"on_delete\": \"CASCADE\"}]]}]}");
    write_migration(
        "0002_changes",
        "{\"dependencies\": [[\"shop\", \"0001_initial\"]], \"operations\": ["
        "{\"operation\": \"AddField\", \"model_name\": \"product\", \"name\": \"price\", \"field\": "
        "{\"type\": \"IntegerField\", \"default\": 5}},"
        "{\"operation\": \"AlterField\", \"model_name\": \"product\", \"name\": \"name\", \"field\": "
        "{\"type\": \"CharField\", \"max_length\": 120, \"unique\": true}},"
        "{\"operation\": \"CreateModel\", \"name\": \"Tag\", \"fields\": [[\"id\", {\"type\": "
        "\"AutoField\", \"primary_key\": true}], [\"label\", {\"type\": \"CharField\", \"max_length\": 20}]]},"
        "{\"operation\": \"RunSQL\", \"sql\": [\"INSERT INTO shop_tag (label) VALUES ('new')\"], "
        "\"reverse_sql\": []}]}");
    cr_assert_eq(migrate("0001"), 0, "%s", dorm_errmsg(T.cx));
    exec_ok("INSERT INTO \"shop_product\" (\"name\") VALUES ('pen')");
    exec_ok("INSERT INTO \"shop_product\" (\"name\") VALUES ('ink')");
    exec_ok("INSERT INTO \"shop_line\" (\"product_id\") VALUES (1)");
}

static void close_shop(void) {
    test_tmpdir_remove();
    test_db_close();
}

static int migrate_all(dorm_ctx *cx) {
    (void)cx;
    return migrate(NULL);
}

/* Foreign keys are still enforced on the connection: a line pointing at no
 * product is refused. */
static bool keys_enforced(void) {
    dorm_errbuf e = {0, ""};
    return dorm_db__exec(T.db, "INSERT INTO \"shop_line\" (\"product_id\") VALUES (999)", &e) == DORM_EINTEGRITY;
}

Test(inject, migration, .timeout = MAX_SECONDS + 60) {
    static const op o = {"migration",
                         open_shop,
                         migrate_all,
                         close_shop,
                         "applied",
                         keys_enforced,
                         "was committed, and foreign key checks could not be turned back on",
                         "this database has no transactional DDL: the operations of shop.0002_changes before the "
                         "failed one stay applied"};
    run_op(&o);
}
