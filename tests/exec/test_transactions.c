/* test_transactions.c - Django's transaction module on every backend:
 * on_commit ordering and dropping, set_rollback/get_rollback, durable
 * blocks, blocks without a savepoint and inside a block marked for
 * rollback, explicit savepoints, and select_for_update's SQL and checks
 * (the transcript's "Transactions" sections; messages from Django 3.2). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "testdb.h"

TestSuite(transactions, .init = test_db_open, .fini = test_db_close);

static bool on_sqlite(void) { return strcmp(dorm_db_vendor(T.db), "sqlite") == 0; }

/* What the callbacks ran, in order: "1,2,3". */
static char ran[256];

static void note(void *payload) {
    size_t n = strlen(ran);
    snprintf(ran + n, sizeof ran - n, "%s%s", n ? "," : "", (const char *)payload);
}

static Author *author(const char *name) {
    Author *a = dorm_create(T.cx, Author, .name = name);
    cr_assert_not_null(a, "%s", dorm_errmsg(T.cx));
    return a;
}

static Book *book(const char *title, int64_t author, const char *isbn) {
    return dorm_create(T.cx, Book, .title = title, .author = {author, NULL}, .isbn = isbn,
                       .publication_date = dorm_date_ymd(2000, 1, 1));
}

static int64_t authors(void) { return dorm_count(dorm_all(T.cx, Author)); }

/* The transcript's on_commit section: at once in autocommit; after the
 * outermost commit in order; a rolled-back savepoint's callbacks dropped, a
 * committed one's kept; a rolled-back transaction's all dropped. */
Test(transactions, on_commit_order_and_rollback) {
    ran[0] = '\0';
    cr_assert_eq(dorm_on_commit(T.cx, note, "now"), 0);
    cr_assert_str_eq(ran, "now");
    ran[0] = '\0';
    cr_assert_eq(dorm_atomic_begin(T.cx), 0);
    dorm_on_commit(T.cx, note, "1");
    cr_assert_eq(dorm_atomic_begin(T.cx), 0);
    dorm_on_commit(T.cx, note, "dropped");
    cr_assert_eq(dorm_atomic_end(T.cx, false), 0);
    cr_assert_eq(dorm_atomic_begin(T.cx), 0);
    dorm_on_commit(T.cx, note, "2");
    cr_assert_eq(dorm_atomic_begin(T.cx), 0);
    dorm_on_commit(T.cx, note, "2b");
    cr_assert_eq(dorm_atomic_end(T.cx, true), 0);
    cr_assert_eq(dorm_atomic_end(T.cx, true), 0);
    dorm_on_commit(T.cx, note, "3");
    cr_assert_str_eq(ran, "", "nothing runs before the outermost commit");
    cr_assert_eq(dorm_atomic_end(T.cx, true), 0, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(ran, "1,2,2b,3");
    ran[0] = '\0';
    cr_assert_eq(dorm_atomic_begin(T.cx), 0);
    dorm_on_commit(T.cx, note, "never");
    cr_assert_eq(dorm_atomic_rollback(T.cx), 0);
    cr_assert_eq(dorm_atomic_begin(T.cx), 0);
    cr_assert_eq(dorm_atomic_commit(T.cx), 0);
    cr_assert_str_eq(ran, "", "a rolled back transaction's callbacks are gone");
}

/* A commit that fails (a deferred foreign key checked at COMMIT) runs
 * nothing. */
Test(transactions, on_commit_dropped_when_the_commit_fails) {
    ran[0] = '\0';
    cr_assert_eq(dorm_atomic_begin(T.cx), 0);
    dorm_on_commit(T.cx, note, "never");
    if (test_db_dialect()->supports_deferrable_fk) {
        cr_assert_not_null(book("x", 999999, "x"), "%s", dorm_errmsg(T.cx));
        cr_assert_eq(dorm_atomic_commit(T.cx), DORM_EINTEGRITY, "%s", dorm_errmsg(T.cx));
    } else {
        /* MySQL checks the key at once: the block ends rolled back. */
        cr_assert_null(book("x", 999999, "x"));
        cr_assert_eq(dorm_errcode(T.cx), DORM_EINTEGRITY, "%s", dorm_errmsg(T.cx));
        cr_assert_lt(dorm_atomic_commit(T.cx), 0);
    }
    cr_assert_not(dorm_in_atomic(T.cx));
    cr_assert_str_eq(ran, "");
}

static void register_more(void *payload) {
    (void)payload;
    note("outer");
    /* After the commit the connection is in autocommit: runs at once. */
    dorm_on_commit(T.cx, note, "inner");
    cr_assert_not(dorm_in_atomic(T.cx));
    author("from a callback");
}

Test(transactions, callbacks_run_in_autocommit) {
    ran[0] = '\0';
    cr_assert_eq(dorm_atomic_begin(T.cx), 0);
    dorm_on_commit(T.cx, register_more, NULL);
    dorm_on_commit(T.cx, note, "last");
    cr_assert_eq(dorm_atomic_commit(T.cx), 0);
    cr_assert_str_eq(ran, "outer,inner,last");
    cr_assert_eq(authors(), 1);
}

Test(transactions, set_rollback_and_get_rollback) {
    cr_assert_eq(dorm_set_rollback(T.cx, true), DORM_ETRANSACTION);
    cr_assert_str_eq(dorm_errmsg(T.cx), "The rollback flag doesn't work outside of an 'atomic' block.");
    cr_assert_eq(dorm_get_rollback(T.cx), DORM_ETRANSACTION);
    cr_assert_str_eq(dorm_errmsg(T.cx), "The rollback flag doesn't work outside of an 'atomic' block.");
    ran[0] = '\0';
    cr_assert_eq(dorm_atomic_begin(T.cx), 0);
    author("Temp");
    dorm_on_commit(T.cx, note, "never");
    cr_assert_eq(dorm_get_rollback(T.cx), 0);
    cr_assert_eq(dorm_set_rollback(T.cx, true), 0);
    cr_assert_eq(dorm_get_rollback(T.cx), 1);
    /* Like Django, a block marked for rollback runs no more statements. */
    cr_assert_lt(dorm_count(dorm_all(T.cx, Author)), 0);
    cr_assert_eq(dorm_errcode(T.cx), DORM_ETRANSACTION);
    cr_assert_eq(dorm_atomic_end(T.cx, true), 0, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(ran, "");
    cr_assert_eq(authors(), 0, "Temp was rolled back");
}

/* After an expected error, set_rollback(false) lets the block commit what
 * ran before it (Django's documented escape hatch). */
Test(transactions, set_rollback_false_after_an_error) {
    Author *a = author("first");
    cr_assert_not_null(book("one", a->id, "dup"));
    cr_assert_eq(dorm_atomic_begin(T.cx), 0);
    author("kept");
    cr_assert_null(book("two", a->id, "dup"));
    cr_assert_eq(dorm_errcode(T.cx), DORM_EINTEGRITY);
    cr_assert_eq(dorm_get_rollback(T.cx), 1);
    cr_assert_eq(dorm_set_rollback(T.cx, false), 0);
    cr_assert_eq(dorm_get_rollback(T.cx), 0);
    dorm_atomic_commit(T.cx);
    cr_assert_not(dorm_in_atomic(T.cx));
    /* PostgreSQL aborted the transaction itself: its COMMIT rolls back. */
    cr_assert_eq(authors(), test_db_dialect()->errors_abort_transaction ? 1 : 2);
}

Test(transactions, durable_blocks) {
    cr_assert_eq(dorm_atomic_begin_with(T.cx, DORM_ATOMIC_DURABLE), 0);
    author("A");
    cr_assert_eq(dorm_atomic_begin_with(T.cx, DORM_ATOMIC_DURABLE), DORM_ETRANSACTION);
    cr_assert_str_eq(dorm_errmsg(T.cx), "A durable atomic block cannot be nested within another atomic block.");
    cr_assert_eq(dorm_atomic_begin(T.cx), 0, "a plain nested block is fine");
    cr_assert_eq(dorm_atomic_begin_with(T.cx, DORM_ATOMIC_DURABLE), DORM_ETRANSACTION);
    cr_assert_eq(dorm_atomic_commit(T.cx), 0);
    cr_assert_eq(dorm_atomic_commit(T.cx), 0, "the refused begin opened nothing: %s", dorm_errmsg(T.cx));
    cr_assert_not(dorm_in_atomic(T.cx));
    cr_assert_eq(authors(), 1);
}

/* The transcript's "IntegrityError without a savepoint": the inner block
 * takes none, so its error marks the outer block, which then refuses
 * queries with Django's message and rolls back. */
Test(transactions, block_without_a_savepoint) {
    Author *alice = author("Alice");
    cr_assert_not_null(book("one", alice->id, "dup"));
    test_log_start();
    cr_assert_eq(dorm_atomic_begin(T.cx), 0);
    author("Hana");
    cr_assert_eq(dorm_atomic_begin_with(T.cx, DORM_ATOMIC_NO_SAVEPOINT), 0);
    cr_assert_null(book("two", alice->id, "dup"));
    cr_assert_eq(dorm_errcode(T.cx), DORM_EINTEGRITY);
    cr_assert_eq(dorm_atomic_end(T.cx, false), 0);
    const char *log_text = test_log_stop();
    cr_assert(strstr(log_text, "SAVEPOINT") == NULL, "no savepoint: %s", log_text);
    cr_assert_eq(dorm_get_rollback(T.cx), 1, "needs rollback");
    cr_assert_lt(dorm_count(dorm_all(T.cx, Author)), 0);
    cr_assert_eq(dorm_errcode(T.cx), DORM_ETRANSACTION);
    cr_assert_str_eq(dorm_errmsg(T.cx),
                     "An error occurred in the current transaction. You can't execute queries until the end of the "
                     "'atomic' block.");
    cr_assert_eq(dorm_atomic_commit(T.cx), DORM_ETRANSACTION);
    cr_assert_not(dorm_in_atomic(T.cx));
    cr_assert_eq(dorm_count(dorm_filter(dorm_all(T.cx, Author), DQ("name", "Hana"))), 0, "Hana rolled back");
}

/* Django takes no savepoint for a block begun inside one marked for
 * rollback; its queries fail, and it ends with the outer block still
 * marked. */
Test(transactions, block_inside_a_marked_block) {
    cr_assert_eq(dorm_atomic_begin(T.cx), 0);
    author("A");
    cr_assert_eq(dorm_set_rollback(T.cx, true), 0);
    test_log_start();
    cr_assert_eq(dorm_atomic_begin(T.cx), 0, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(test_log_stop(), "", "no SAVEPOINT statement");
    cr_assert_lt(dorm_count(dorm_all(T.cx, Author)), 0);
    cr_assert_eq(dorm_errcode(T.cx), DORM_ETRANSACTION);
    cr_assert_eq(dorm_atomic_commit(T.cx), 0, "set_rollback, not an error: %s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_get_rollback(T.cx), 1, "the outer block is still marked");
    cr_assert_eq(dorm_atomic_commit(T.cx), 0);
    cr_assert_eq(authors(), 0);
}

/* transaction.savepoint() / savepoint_rollback() / savepoint_commit(), as
 * in the transcript's nested-atomic section. */
Test(transactions, explicit_savepoints) {
    cr_assert_eq(dorm_savepoint(T.cx), 0, "outside a transaction: none");
    cr_assert_eq(dorm_savepoint_rollback(T.cx, 0), 0);
    cr_assert_eq(dorm_savepoint_commit(T.cx, 0), 0);
    cr_assert_eq(dorm_atomic_begin(T.cx), 0);
    Author *erin = author("Erin");
    int64_t sid = dorm_savepoint(T.cx);
    cr_assert_gt(sid, 0, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_update(dorm_filter(dorm_all(T.cx, Author), DQ("pk", erin->id)), DSET("name", "999")), 1);
    ran[0] = '\0';
    dorm_on_commit(T.cx, note, "kept");
    cr_assert_eq(dorm_savepoint_rollback(T.cx, sid), 0, "%s", dorm_errmsg(T.cx));
    Author *got = dorm_get(dorm_all(T.cx, Author), DQ("pk", erin->id));
    cr_assert_str_eq(got->name, "Erin");
    int64_t sid2 = dorm_savepoint(T.cx);
    cr_assert_gt(sid2, sid);
    cr_assert_eq(dorm_update(dorm_filter(dorm_all(T.cx, Author), DQ("pk", erin->id)), DSET("name", "Erin35")), 1);
    cr_assert_eq(dorm_savepoint_commit(T.cx, sid2), 0, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_atomic_commit(T.cx), 0);
    cr_assert_str_eq(ran, "kept", "explicit savepoints leave callbacks alone, as Django's");
    got = dorm_get(dorm_all(T.cx, Author), DQ("pk", erin->id));
    cr_assert_str_eq(got->name, "Erin35");
}

static const char *sql_of(dorm_qs *qs) {
    const char *sql = dorm_qs_sql(qs, NULL);
    cr_assert_not_null(sql, "%s", dorm_errmsg(T.cx));
    return sql;
}

static bool ends_with(const char *s, const char *tail) {
    size_t n = strlen(s), k = strlen(tail);
    return n >= k && strcmp(s + n - k, tail) == 0;
}

/* select_for_update's SQL on PostgreSQL (Django's for_update_sql after
 * LIMIT); SQLite has no row locks and leaves the clause out, as Django. */
Test(transactions, select_for_update_sql) {
    cr_assert_eq(dorm_atomic_begin(T.cx), 0);
    dorm_qs *books = dorm_all(T.cx, Book);
    const struct {
        dorm_lock_opts o;
        const char *tail;
    } cases[] = {
        {{0}, " FOR UPDATE"},
        {{.nowait = true}, " FOR UPDATE NOWAIT"},
        {{.skip_locked = true}, " FOR UPDATE SKIP LOCKED"},
        {{.no_key = true}, " FOR NO KEY UPDATE"},
        {{.of = DORM_LIST("self")}, " FOR UPDATE OF \"library_book\""},
        {{.of = DORM_LIST("author", "self"), .nowait = true},
         " FOR UPDATE OF \"library_author\", \"library_book\" NOWAIT"},
    };
    /* MariaDB has NOWAIT but no SKIP LOCKED, OF or NO KEY (Django's
     * features): those are refused with Django's NotSupportedError. */
    static const char *const my_refused[] = {NULL,           NULL, "SKIP LOCKED", "FOR NO KEY UPDATE", "FOR UPDATE OF",
                                             "FOR UPDATE OF"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dorm_qs *qs = dorm_select_for_update_with(dorm_select_related(books, "author"), &cases[i].o);
        if (test_db_on_mysql() && my_refused[i]) {
            cr_assert_null(dorm_qs_sql(qs, NULL), "%zu", i);
            cr_assert_eq(dorm_errcode(T.cx), DORM_ENOTSUPPORTED);
            char msg[128];
            snprintf(msg, sizeof msg, "%s is not supported on this database backend.", my_refused[i]);
            cr_assert_str_eq(dorm_errmsg(T.cx), msg);
            continue;
        }
        const char *sql = sql_of(qs);
        if (on_sqlite())
            cr_assert_null(strstr(sql, "FOR "), "%s", sql);
        else
            cr_assert(ends_with(sql, cases[i].tail), "%zu: %s", i, sql);
    }
    const char *sql = sql_of(dorm_slice(dorm_select_for_update(books), 0, 5));
    if (!on_sqlite()) cr_assert(ends_with(sql, " LIMIT 5 FOR UPDATE"), "%s", sql);
    /* Locked rows are read like any others. */
    author("A");
    cr_assert_eq(dorm_len(dorm_select_for_update(dorm_all(T.cx, Author))), 1, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_exists(dorm_select_for_update(dorm_all(T.cx, Author))), 1, "%s", dorm_errmsg(T.cx));
    cr_assert_not_null(dorm_get(dorm_select_for_update(dorm_all(T.cx, Author)), DQ("name", "A")));
    cr_assert_eq(dorm_count(dorm_select_for_update(dorm_all(T.cx, Author))), 1);
    cr_assert_eq(dorm_atomic_commit(T.cx), 0);
}

Test(transactions, select_for_update_checks) {
    dorm_qs *qs =
        dorm_select_for_update_with(dorm_all(T.cx, Book), &(dorm_lock_opts){.nowait = true, .skip_locked = true});
    cr_assert_eq(dorm_qs_errcode(qs), DORM_EVALUE);
    cr_assert_str_eq(dorm_qs_errmsg(qs), "The nowait option cannot be used with skip_locked.");
    /* Outside a transaction: refused where there are row locks. */
    dorm_qs *locked = dorm_select_for_update(dorm_all(T.cx, Author));
    int64_t n = dorm_len(locked);
    if (on_sqlite()) {
        cr_assert_eq(n, 0, "%s", dorm_errmsg(T.cx));
    } else {
        cr_assert_eq(n, DORM_ETRANSACTION);
        cr_assert_eq(dorm_errcode(T.cx), DORM_ETRANSACTION);
        cr_assert_str_eq(dorm_errmsg(T.cx), "select_for_update cannot be used outside of a transaction.");
        /* count() does not lock, so it may run anywhere. */
        cr_assert_eq(dorm_count(locked), 0, "%s", dorm_errmsg(T.cx));
    }
    if (on_sqlite()) return;
    cr_assert_eq(dorm_atomic_begin(T.cx), 0);
    dorm_qs *bad = dorm_select_for_update_with(dorm_select_related(dorm_all(T.cx, Book), "author"),
                                               &(dorm_lock_opts){.of = DORM_LIST("self", "publisher", "title")});
    cr_assert_lt(dorm_len(bad), 0);
    if (test_db_on_mysql()) {
        /* No OF on MariaDB: refused before its names are looked at. */
        cr_assert_eq(dorm_errcode(T.cx), DORM_ENOTSUPPORTED);
        cr_assert_str_eq(dorm_errmsg(T.cx), "FOR UPDATE OF is not supported on this database backend.");
    } else {
        cr_assert_eq(dorm_errcode(T.cx), DORM_EFIELD);
        cr_assert_str_eq(dorm_errmsg(T.cx),
                         "Invalid field name(s) given in select_for_update(of=(...)): publisher, title. Only "
                         "relational fields followed in the query are allowed. Choices are: self, author.");
    }
    cr_assert_eq(dorm_atomic_rollback(T.cx), 0);
}

/* update_or_create reads the row with select_for_update, as Django's. */
Test(transactions, update_or_create_locks_the_row) {
    author("Ivo");
    test_log_start();
    bool created = true;
    Author *a = dorm_update_or_create(dorm_all(T.cx, Author), &created, DORM_DEFAULTS(DSET("biography", "x")),
                                      DQ("name", "Ivo"));
    const char *log_text = test_log_stop();
    cr_assert_not_null(a, "%s", dorm_errmsg(T.cx));
    cr_assert_not(created);
    if (!on_sqlite())
        cr_assert(strstr(log_text, "LIMIT 21 FOR UPDATE|UPDATE"), "%s", log_text);
    else
        cr_assert_null(strstr(log_text, "FOR UPDATE"), "%s", log_text);
}
