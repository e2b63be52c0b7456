/* migrations.c - makemigrations and showmigrations runs and migration
 * summaries for the tests (see migrations.h). */
#define _POSIX_C_SOURCE 200809L
#include "migrations.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ctx.h"
#include "migrate/migration.h"
#include "testdb.h"

const char *test_makemigrations(const dorm_app *const *apps, const char *answers, const dorm_makemigrations_opts *opts,
                                int *rc) {
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    FILE *in = fmemopen((void *)(answers ? answers : ""), answers ? strlen(answers) + 1 : 1, "r");
    dorm_makemigrations_opts o = opts ? *opts : (dorm_makemigrations_opts){0};
    o.interactive = answers != NULL;
    o.in = in;
    o.out = out;
    o.verbosity = 1;
    *rc = dorm_makemigrations(T.cx, apps, &o);
    fclose(in);
    fclose(out);
    const char *r = dorm_strdup(T.cx, buf ? buf : "");
    free(buf);
    return r;
}

const char *test_makemigrations_applied(const dorm_app *const *apps, const char *answers,
                                        const dorm_makemigrations_opts *opts) {
    int rc;
    const char *out = test_makemigrations(apps, answers, opts, &rc);
    cr_assert_eq(rc, 0, "%s\n%s", dorm_errmsg(T.cx), out);
    cr_assert_eq(dorm_migrate(T.cx, apps, &(dorm_migrate_opts){.verbosity = 0}), 0, "%s\n%s", dorm_errmsg(T.cx), out);
    return out;
}

const char *test_showmigrations(const dorm_app *const *apps, bool plan) {
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    int rc = dorm_showmigrations(T.cx, apps, NULL, plan, out);
    fclose(out);
    cr_assert_eq(rc, 0, "%s", dorm_errmsg(T.cx));
    const char *r = dorm_strdup(T.cx, buf ? buf : "");
    free(buf);
    return r;
}

static void mask(dorm_buf *b, const char *name) {
    const char *a = strstr(name, "_auto_");
    if (a && strlen(a) == 19)
        dorm_buf_printf(b, "%.*s_auto", (int)(a - name), name);
    else
        dorm_buf_printf(b, "%s", name);
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* One migration file's lines. */
static void summarize(dorm_buf *b, const dorm_migration *m) {
    dorm_buf_printf(b, "%s/", m->app);
    mask(b, m->name);
    dorm_buf_printf(b, ":%s", m->initial ? " initial" : "");
    for (int k = 0; k < m->ndeps; k++) {
        dorm_buf_printf(b, " %s/", m->deps[k].app);
        mask(b, m->deps[k].name);
    }
    dorm_buf_printf(b, "\n");
    for (int k = 0; k < m->nops; k++) {
        const dorm_op *op = &m->ops[k];
        dorm_buf_printf(b, "  %s", dorm_op__describe(T.cx, op));
        if (op->kind == DORM_OP_CREATE_MODEL) {
            dorm_buf_printf(b, " [");
            for (int f = 0; f < op->create->nfields; f++)
                dorm_buf_printf(b, "%s%s", f ? ", " : "", op->create->fields[f].f.name);
            dorm_buf_printf(b, "]");
        }
        dorm_buf_printf(b, "\n");
    }
}

const char *test_migrations_summary(const dorm_app *const *apps) {
    dorm_buf b = DORM_BUF_INIT;
    for (size_t a = 0; apps[a]; a++) {
        char *names[64];
        int n = 0;
        DIR *d = opendir(apps[a]->migrations_dir);
        cr_assert_not_null(d, "%s", apps[a]->migrations_dir);
        for (struct dirent *e; (e = readdir(d)) && n < 64;)
            if (strstr(e->d_name, ".json")) names[n++] = dorm_strdup(T.cx, e->d_name);
        closedir(d);
        qsort(names, (size_t)n, sizeof *names, by_name);
        for (int i = 0; i < n; i++) {
            const char *path = dorm_sprintf(T.cx, "%s/%s", apps[a]->migrations_dir, names[i]);
            dorm_migration *m = dorm_migration__read(T.cx, apps, apps[a]->label, path);
            cr_assert_not_null(m, "%s", dorm_errmsg(T.cx));
            summarize(&b, m);
        }
    }
    cr_assert(!b.failed);
    const char *r = dorm_strdup(T.cx, b.data ? b.data : "");
    dorm_buf_free(&b);
    return r;
}
