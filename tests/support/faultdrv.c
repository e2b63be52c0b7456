/* faultdrv.c - the injecting driver of faultdrv.h: a copy of the real
 * driver's table with prepare, bind, step and exec replaced by counting
 * wrappers.  Test processes are single-threaded: the state is global. */
#include <string.h>

#include "faultdrv.h"

static const dorm_driver *real;
static dorm_driver wrapper;
static dorm_db *victim;
static long fail_at, calls;
static bool fired, late;
/* The statement whose last step gave a row: its next step only reads on. */
static dorm_stmt *reading;

/* Counts a call: true when this one must fail (the error is then in e). */
static bool inject(const char *what, dorm_errbuf *e) {
    if (++calls != fail_at) return false;
    fired = true;
    dorm_err(e, DORM_EOPERATIONAL, "disk I/O error (injected into %s #%ld)", what, calls);
    return true;
}

static int f_exec(dorm_conn *c, const char *sql, dorm_errbuf *e) {
    if (strncmp(sql, "ROLLBACK", 8) == 0) {
        calls++;
        return real->exec(c, sql, e);
    }
    return inject("exec", e) ? e->code : real->exec(c, sql, e);
}

static int f_prepare(dorm_conn *c, const char *sql, size_t len, dorm_stmt **out, dorm_errbuf *e) {
    return inject("prepare", e) ? e->code : real->prepare(c, sql, len, out, e);
}

static int f_bind(dorm_stmt *s, int i, const dorm_value *v, dorm_errbuf *e) {
    return inject("bind", e) ? e->code : real->bind(s, i, v, e);
}

static int f_step(dorm_stmt *s, dorm_errbuf *e) {
    bool reads_on = s == reading;
    if (inject("step", e)) {
        late = reads_on && victim->atomic_depth == 0;
        return e->code;
    }
    int rc = real->step(s, e);
    reading = rc == DORM_STEP_ROW ? s : NULL;
    return rc;
}

static void f_reset(dorm_stmt *s) {
    if (s == reading) reading = NULL;
    real->reset(s);
}

static void f_finalize(dorm_stmt *s) {
    if (s == reading) reading = NULL;
    real->finalize(s);
}

void test_fault_install(dorm_db *db) {
    if (db->drv == &wrapper) return;
    real = db->drv;
    wrapper = *real;
    wrapper.exec = f_exec;
    wrapper.prepare = f_prepare;
    wrapper.bind = f_bind;
    wrapper.step = f_step;
    wrapper.reset = f_reset;
    wrapper.finalize = f_finalize;
    victim = db;
    db->drv = &wrapper;
}

void test_fault_remove(dorm_db *db) {
    if (db->drv == &wrapper) db->drv = real;
    fail_at = 0;
}

void test_fault_arm(long n) {
    fail_at = n;
    calls = 0;
    fired = late = false;
    reading = NULL;
}

long test_fault_calls(void) { return calls; }

bool test_fault_fired(void) { return fired; }

bool test_fault_late(void) { return late; }
