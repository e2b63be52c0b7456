/* transactions.c - the script's transaction sections: atomic blocks that
 * commit or roll back, nested blocks and explicit savepoints, a durable
 * block, on_commit callbacks, set_rollback, an IntegrityError with and
 * without a savepoint, select_for_update, and get_or_create /
 * update_or_create.  A Python exception leaving a `with atomic()` block is
 * a rollback of the block here. */
#include <stdio.h>

#include "lifecycle.h"

static Account *account(dorm_ctx *cx, const char *name, int balance) {
    return dorm_create(cx, Account, .name = name, .balance = balance);
}

static void update_balance(dorm_ctx *cx, const char *name, dorm_value value) {
    check(cx, dorm_update(dorm_filter(dorm_all(cx, Account), DQ("name", name)), DSET("balance", value)) >= 0);
}

/* An on_commit callback: prints its line. */
static void say(void *line) { puts(line); }

static void commit_and_rollback(dorm_ctx *cx) {
    puts("==== Transactions: atomic commit and rollback ====");
    check(cx, account(cx, "Alice", 100) && account(cx, "Bruno", 50));
    printf("autocommit: %s in atomic block: %s\n", py_bool(!dorm_in_atomic(cx)), py_bool(dorm_in_atomic(cx)));
    check(cx, dorm_atomic_begin(cx) == 0);
    printf("inside atomic: autocommit %s in atomic block: %s\n", py_bool(!dorm_in_atomic(cx)),
           py_bool(dorm_in_atomic(cx)));
    update_balance(cx, "Alice", DV(dorm_sub(dorm_F("balance"), 30)));
    update_balance(cx, "Bruno", DV(dorm_add(dorm_F("balance"), 30)));
    check(cx, dorm_atomic_commit(cx) == 0);
    printf("committed: %s\n", balances(cx));
    check(cx, dorm_atomic_begin(cx) == 0);
    update_balance(cx, "Alice", DV(dorm_sub(dorm_F("balance"), 500)));
    check(cx, account(cx, "Ghost", 1) != NULL);
    const char *problem = "insufficient funds";
    check(cx, dorm_atomic_rollback(cx) == 0);
    printf("rolled back on ValueError: %s\n", problem);
    printf("after rollback: %s\n", balances(cx));
}

static void savepoints(dorm_ctx *cx) {
    puts("==== Transactions: nested atomic and savepoints ====");
    check(cx, dorm_atomic_begin(cx) == 0);
    check(cx, account(cx, "Carol", 10) != NULL);
    check(cx, dorm_atomic_begin(cx) == 0);
    check(cx, account(cx, "Dmitri", 20) != NULL);
    check(cx, dorm_atomic_rollback(cx) == 0);
    printf("inner block rolled back: %s\n", "inner failure");
    check(cx, account(cx, "Erin", 30) != NULL);
    int64_t sid = dorm_savepoint(cx);
    check(cx, sid > 0);
    update_balance(cx, "Erin", DV(999));
    check(cx, dorm_savepoint_rollback(cx, sid) == 0);
    Account *erin = dorm_get(dorm_all(cx, Account), DQ("name", "Erin"));
    check(cx, erin != NULL);
    printf("after savepoint_rollback, Erin: %d\n", erin->balance);
    sid = dorm_savepoint(cx);
    check(cx, sid > 0);
    update_balance(cx, "Erin", DV(35));
    check(cx, dorm_savepoint_commit(cx, sid) == 0);
    check(cx, dorm_atomic_commit(cx) == 0);
    printf("outer committed: %s\n", balances(cx));
    check(cx, dorm_atomic_begin(cx) == 0);
    if (dorm_atomic_begin_with(cx, DORM_ATOMIC_DURABLE) == DORM_ETRANSACTION)
        printf("RuntimeError: %s\n", dorm_errmsg(cx));
    check(cx, dorm_atomic_rollback(cx) == 0);
}

static void on_commit(dorm_ctx *cx) {
    puts("==== Transactions: on_commit ====");
    check(cx, dorm_on_commit(cx, say, "  on_commit outside atomic runs at once") == 0);
    check(cx, dorm_atomic_begin(cx) == 0);
    check(cx, dorm_on_commit(cx, say, "  callback 1") == 0);
    check(cx, dorm_atomic_begin(cx) == 0);
    check(cx, dorm_on_commit(cx, say, "  callback from rolled-back savepoint") == 0);
    check(cx, dorm_atomic_rollback(cx) == 0);
    check(cx, dorm_atomic_begin(cx) == 0);
    check(cx, dorm_on_commit(cx, say, "  callback 2 (inner block, kept)") == 0);
    check(cx, dorm_atomic_commit(cx) == 0);
    check(cx, dorm_on_commit(cx, say, "  callback 3") == 0);
    puts("  end of atomic block, nothing run yet");
    check(cx, dorm_atomic_commit(cx) == 0);
    puts("after commit");
    check(cx, dorm_atomic_begin(cx) == 0);
    check(cx, dorm_on_commit(cx, say, "  never printed") == 0);
    check(cx, dorm_atomic_rollback(cx) == 0);
    puts("rolled back: its callbacks were dropped");
}

static void set_rollback(dorm_ctx *cx) {
    puts("==== Transactions: set_rollback ====");
    check(cx, dorm_atomic_begin(cx) == 0);
    check(cx, account(cx, "Temp", 1) != NULL);
    check(cx, dorm_on_commit(cx, say, "  never printed either") == 0);
    printf("get_rollback before: %s\n", py_bool(dorm_get_rollback(cx) == 1));
    check(cx, dorm_set_rollback(cx, true) == 0);
    printf("get_rollback after: %s\n", py_bool(dorm_get_rollback(cx) == 1));
    check(cx, dorm_atomic_commit(cx) == 0);
    int temp = dorm_exists(dorm_filter(dorm_all(cx, Account), DQ("name", "Temp")));
    check(cx, temp >= 0);
    printf("Temp exists: %s\n", py_bool(temp));
}

static void integrity_errors(dorm_ctx *cx) {
    puts("==== Transactions: IntegrityError inside atomic ====");
    check(cx, dorm_atomic_begin(cx) == 0);
    check(cx, account(cx, "Frida", 5) != NULL);
    check(cx, dorm_atomic_begin(cx) == 0);
    if (!account(cx, "Alice", 1)) {
        check(cx, dorm_errcode(cx) == DORM_EINTEGRITY);
        printf("caught %s in a savepoint\n", dorm_error_name(dorm_errcode(cx)));
    }
    check(cx, dorm_atomic_rollback(cx) == 0);
    check(cx, account(cx, "Gus", 6) != NULL);
    printf("block continues: accounts %lld\n", (long long)dorm_count(dorm_all(cx, Account)));
    check(cx, dorm_atomic_commit(cx) == 0);
    printf("committed: %s\n", balances(cx));

    check(cx, dorm_atomic_begin(cx) == 0);
    check(cx, account(cx, "Hana", 7) != NULL);
    check(cx, dorm_atomic_begin_with(cx, DORM_ATOMIC_NO_SAVEPOINT) == 0);
    if (!account(cx, "Alice", 1)) {
        check(cx, dorm_errcode(cx) == DORM_EINTEGRITY);
        printf("caught %s without a savepoint\n", dorm_error_name(dorm_errcode(cx)));
    }
    dorm_atomic_rollback(cx);
    printf("needs rollback: %s\n", py_bool(dorm_get_rollback(cx) == 1));
    if (dorm_count(dorm_all(cx, Account)) < 0) printf("%s: %s\n", dorm_error_name(dorm_errcode(cx)), dorm_errmsg(cx));
    check(cx, dorm_atomic_rollback(cx) == 0);
    int hana = dorm_exists(dorm_filter(dorm_all(cx, Account), DQ("name", "Hana")));
    check(cx, hana >= 0);
    printf("Hana exists: %s\n", py_bool(hana));
}

static void select_for_update(dorm_ctx *cx) {
    puts("==== Transactions: select_for_update ====");
    check(cx, dorm_atomic_begin(cx) == 0);
    size_t n;
    Account **rows = (Account **)dorm_list(
        dorm_select_for_update(dorm_order_by(dorm_filter(dorm_all(cx, Account), DQ("balance__lt", 40)), "name")), &n);
    check(cx, rows != NULL);
    fputs("locked: ", stdout);
    for (size_t i = 0; i < n; i++) printf("%s%s=%d", i ? ", " : "", rows[i]->name, rows[i]->balance);
    putchar('\n');
    for (size_t i = 0; i < n; i++) {
        rows[i]->balance += 1;
        check(cx, dorm_save_fields(rows[i], "balance") == 0);
    }
    check(cx, dorm_atomic_commit(cx) == 0);
    printf("after: %s\n", balances(cx));
}

static void get_or_create(dorm_ctx *cx) {
    puts("==== get_or_create / update_or_create ====");
    bool created;
    Account *a =
        dorm_get_or_create(dorm_all(cx, Account), &created, DORM_DEFAULTS(DSET("balance", 50)), DQ("name", "Ivo"));
    check(cx, a != NULL);
    printf("get_or_create Ivo: created=%s balance=%d\n", py_bool(created), a->balance);
    a = dorm_get_or_create(dorm_all(cx, Account), &created, DORM_DEFAULTS(DSET("balance", 70)), DQ("name", "Ivo"));
    check(cx, a != NULL);
    printf("get_or_create Ivo again: created=%s balance=%d\n", py_bool(created), a->balance);
    a = dorm_get_or_create(dorm_all(cx, Account), &created, DORM_DEFAULTS(DSET("name", "Ivo2"), DSET("balance", 1)),
                           DQ("name__iexact", "IVO"));
    check(cx, a != NULL);
    printf("get_or_create name__iexact=IVO: created=%s name=%s\n", py_bool(created), a->name);
    a = dorm_update_or_create(dorm_all(cx, Account), &created, DORM_DEFAULTS(DSET("balance", 75)), DQ("name", "Ivo"));
    check(cx, a != NULL);
    printf("update_or_create Ivo: created=%s balance=%d\n", py_bool(created), a->balance);
    a = dorm_update_or_create(dorm_all(cx, Account), &created, DORM_DEFAULTS(DSET("balance", 5)), DQ("name", "Jon"));
    check(cx, a != NULL);
    printf("update_or_create Jon: created=%s balance=%d\n", py_bool(created), a->balance);
    if (!dorm_get_or_create(dorm_all(cx, Account), &created, NULL, DQ("balance__gt", 0)) &&
        dorm_errcode(cx) == DORM_EMULTIPLE)
        printf("%s: %s\n", dorm_error_name(dorm_errcode(cx)), dorm_errmsg(cx));
    printf("final: %s\n", balances(cx));
}

void transaction_sections(lifecycle *run) {
    dorm_ctx *cx = run->cx;
    commit_and_rollback(cx);
    savepoints(cx);
    on_commit(cx);
    set_rollback(cx);
    integrity_errors(cx);
    select_for_update(cx);
    get_or_create(cx);
}
