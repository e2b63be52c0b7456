/* testdb.c - the test database of a program's test suite (dorm/testing.h):
 * built from the models or the migrations, in a namespace of the process's
 * own where the dialect has one, and removed at teardown; and the test case
 * around each test, a transaction rolled back at its end. */
#define _POSIX_C_SOURCE 200809L /* getpid */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/opts.h"
#include "backend/db.h"
#include "core/alloc.h"
#include "exec/exec.h"
#include "dorm/testing.h"

struct dorm_testdb {
    const dorm_app *const *apps;
    dorm_registry *reg;
    dorm_db *db;
    char ns[64]; /* the namespace made for it, or "" */
    int err;
    char errmsg[512];
};

static int failed(dorm_testdb *t, int code, const char *what, const char *msg) {
    t->err = code ? code : DORM_EOPERATIONAL;
    snprintf(t->errmsg, sizeof t->errmsg, "test database: %s: %s", what, msg);
    return t->err;
}

/* Runs one of the dialect's namespace statements for t's namespace. */
static int namespace_exec(dorm_testdb *t, const char *format) {
    char sql[160];
    snprintf(sql, sizeof sql, format, t->ns);
    dorm_errbuf e = {0, ""};
    return dorm_db__exec(t->db, sql, &e) < 0 ? failed(t, e.code, sql, e.msg) : DORM_OK;
}

/* DROP TABLE IF EXISTS of every model's table and of the migration record,
 * in as many rounds as foreign keys between them need; errors are left for
 * the next round, and a table that cannot go stays. */
static void drop_tables(dorm_testdb *t) {
    int n = t->reg->nmodels;
    for (int round = 0; round <= n; round++) {
        int left = 0;
        for (int i = n; i >= 0; i--) {
            const char *table = i < n ? t->reg->metas[i]->db_table : "dorm_migrations";
            dorm_buf sql = DORM_BUF_INIT;
            dorm_buf_puts(&sql, "DROP TABLE IF EXISTS ");
            dorm_buf_quote(&sql, t->db->dialect->quote, table);
            dorm_errbuf e = {0, ""};
            if (sql.failed || dorm_db__exec(t->db, sql.data, &e) < 0) left++;
            dorm_buf_free(&sql);
        }
        if (!left) return;
    }
}

static int build(dorm_testdb *t, const dorm_testdb_opts *o) {
    const dorm_dialect *d = t->db->dialect;
    if (d->test_namespace_create) {
        static unsigned serial;
        snprintf(t->ns, sizeof t->ns, "dorm_testdb_%ld_%u", (long)getpid(), ++serial);
        int rc = namespace_exec(t, d->test_namespace_drop);
        if (!rc) rc = namespace_exec(t, d->test_namespace_create);
        if (!rc) rc = namespace_exec(t, d->test_namespace_use);
        if (rc) return rc;
    } else {
        /* A leftover of an earlier run on the same database must not leak in. */
        drop_tables(t);
    }
    dorm_ctx *cx = dorm_ctx_new(t->db);
    if (!cx) return failed(t, DORM_ENOMEM, "setup", "out of memory");
    int rc = o->migrate ? dorm_migrate(cx, t->apps, &(dorm_migrate_opts){.verbosity = 0}) : dorm_create_all(cx);
    if (rc) failed(t, rc, o->migrate ? "migrate" : "creating the tables", dorm_errmsg(cx));
    dorm_ctx_free(cx);
    return rc;
}

dorm_testdb *dorm_testdb_setup_(const dorm_app *const *apps, const dorm_testdb_opts *opts, size_t opts_size) {
    dorm_testdb_opts opts_copy_;
    opts = dorm_opts__read(&opts_copy_, sizeof opts_copy_, opts, opts_size);
    dorm_testdb_opts none = {NULL, false};
    const dorm_testdb_opts *o = opts ? opts : &none;
    dorm_testdb *t = dorm_mem__calloc(1, sizeof *t);
    if (!t) return NULL;
    t->apps = apps;
    const char *url = o->url ? o->url : getenv("DORM_TEST_URL");
    if (!url || !*url) url = "sqlite://:memory:";
    t->reg = dorm_registry_new(apps);
    if (!t->reg) {
        failed(t, DORM_ENOMEM, "registry", "out of memory");
        return t;
    }
    if (dorm_registry_errcode(t->reg)) {
        failed(t, dorm_registry_errcode(t->reg), "system checks", dorm_registry_messages(t->reg));
        return t;
    }
    t->db = dorm_db_open(url, t->reg);
    if (!t->db || dorm_db_errcode(t->db)) {
        failed(t, t->db ? dorm_db_errcode(t->db) : DORM_ENOMEM, "opening the database",
               t->db ? dorm_db_errmsg(t->db) : "out of memory");
        return t;
    }
    build(t, o);
    return t;
}

void dorm_testdb_teardown(dorm_testdb *t) {
    if (!t) return;
    if (t->db && !dorm_db_errcode(t->db)) {
        /* Whatever a test left open goes first. */
        dorm_errbuf e = {0, ""};
        if (t->db->atomic_depth > 0) dorm_db__exec(t->db, "ROLLBACK", &e);
        t->db->atomic_depth = 0;
        if (t->ns[0])
            namespace_exec(t, t->db->dialect->test_namespace_drop);
        else
            drop_tables(t);
    }
    dorm_db_close(t->db);
    dorm_registry_free(t->reg);
    dorm_mem__free(t);
}

int dorm_testdb_errcode(const dorm_testdb *t) { return t ? t->err : DORM_ENOMEM; }

const char *dorm_testdb_errmsg(const dorm_testdb *t) { return t ? t->errmsg : "test database: out of memory"; }

dorm_db *dorm_testdb_db(const dorm_testdb *t) { return t ? t->db : NULL; }

const dorm_registry *dorm_testdb_registry(const dorm_testdb *t) { return t ? t->reg : NULL; }

/* Rolls back every transaction level open on cx's connection. */
static int rollback_all(dorm_ctx *cx) {
    int rc = DORM_OK;
    while (dorm_in_atomic(cx)) {
        int r = dorm_atomic_rollback(cx);
        if (r < 0) {
            rc = r;
            break;
        }
    }
    return rc;
}

dorm_ctx *dorm_testcase_begin(dorm_testdb *t, const char *const *fixtures) {
    if (!t || !t->db) return NULL;
    dorm_ctx *cx = dorm_ctx_new(t->db);
    if (!cx) return NULL;
    if (t->err) {
        dorm_ctx_fail(cx, t->err, "%s", t->errmsg);
        return cx;
    }
    int rc = dorm_atomic_begin(cx);
    if (!rc && fixtures && fixtures[0]) rc = dorm_loaddata(cx, fixtures, NULL);
    if (rc) {
        /* The rollback must not hide why the test could not start. */
        char *why = dorm_mem__strdup(dorm_errmsg(cx));
        int code = dorm_errcode(cx) ? dorm_errcode(cx) : rc;
        rollback_all(cx);
        dorm_ctx_fail(cx, code, "%s", why ? why : "out of memory");
        dorm_mem__free(why);
    }
    return cx;
}

int dorm_testcase_end(dorm_ctx *cx) {
    if (!cx) return DORM_OK;
    int rc = rollback_all(cx);
    dorm_ctx_free(cx);
    return rc;
}
