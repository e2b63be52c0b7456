/* main.c - the lifecycle acceptance script (acceptance/library_lifecycle.py)
 * ported to dorm: the model layer beyond queries, on two databases,
 * "default" and "archive", with the ArchiveRouter.  It prints the script's
 * transcript on SQLite, PostgreSQL and MariaDB.
 * Usage: lifecycle [DEFAULT_URL ARCHIVE_URL].  Without URLs it reads
 * $DATABASE_URL and $DATABASE_URL_ARCHIVE, and without those it uses two
 * SQLite databases in memory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lifecycle.h"

void check(dorm_ctx *cx, bool ok) {
    if (ok) return;
    fprintf(stderr, "lifecycle: %s: %s\n", dorm_error_name(dorm_errcode(cx)), dorm_errmsg(cx));
    exit(1);
}

void **objects(dorm_qs *qs) {
    void **objs = dorm_list(qs, NULL);
    check(dorm_qs_ctx(qs), objs != NULL);
    return objs;
}

void **raw_objects(dorm_ctx *cx, dorm_raw *r) {
    void **objs = dorm_raw_list(r, NULL);
    check(cx, objs != NULL);
    return objs;
}

const dorm_row **rows_of(dorm_qs *qs) {
    const dorm_row **rows = dorm_rows(qs, NULL);
    check(dorm_qs_ctx(qs), rows != NULL);
    return rows;
}

const char *py_bool(bool b) { return b ? "True" : "False"; }

const char *names_of(dorm_ctx *cx, void *const *objs, size_t n) {
    const char *out = "";
    for (size_t i = 0; i < n; i++) out = dorm_sprintf(cx, "%s%s%s", out, i ? ", " : "", dorm_obj_str(objs[i]));
    check(cx, out != NULL);
    return n ? out : "-";
}

const char *names(dorm_qs *qs) {
    size_t n;
    void **objs = dorm_list(qs, &n);
    check(dorm_qs_ctx(qs), objs != NULL);
    return names_of(dorm_qs_ctx(qs), objs, n);
}

const char *deleted_text(dorm_ctx *cx, const dorm_deleted *d) {
    return dorm_sprintf(cx, "%lld (%s)", (long long)d->total, dorm_deleted_str(cx, d));
}

static int by_name(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

const char **error_fields(const dorm_verrors *e) {
    const char **fields = dorm_alloc(e->cx, sizeof(char *) * (e->n + 1));
    check(e->cx, fields != NULL);
    size_t n = 0;
    for (size_t i = 0; i < e->n; i++) {
        size_t k = 0;
        while (k < n && strcmp(fields[k], e->items[i].field) != 0) k++;
        if (k == n) fields[n++] = e->items[i].field;
    }
    qsort(fields, n, sizeof *fields, by_name);
    fields[n] = NULL;
    return fields;
}

void print_errors(const dorm_verrors *e) {
    for (const char **f = error_fields(e); *f; f++) printf("  %s: %s\n", *f, dorm_verrors_of(e, *f, " | "));
}

const char *balances(dorm_ctx *cx) {
    const char *out = "";
    EACH(Account, a, dorm_order_by(dorm_all(cx, Account), "name"))
    out = dorm_sprintf(cx, "%s%s%s=%d", out, *out ? ", " : "", a->name, a->balance);
    return out;
}

const char *lifecycle_tables(dorm_ctx *cx, const char *alias) {
    const char *prev = dorm_ctx_use(cx, alias);
    check(cx, prev != NULL);
    size_t n;
    const char *const *tables = dorm_table_names(cx, &n);
    check(cx, tables != NULL);
    dorm_ctx_use(cx, prev);
    const char *out = "";
    for (size_t i = 0; i < n; i++)
        if (strncmp(tables[i], "lifecycle_", strlen("lifecycle_")) == 0)
            out = dorm_sprintf(cx, "%s%s%s", out, *out ? ", " : "", tables[i]);
    return *out ? out : "-";
}

/* A database may hold the tables of an earlier run: drop those of the
 * app's models on each alias, those that point at others first. */
static void drop_earlier_tables(dorm_ctx *cx, dorm_databases *dbs) {
    const dorm_model *order[] = {dorm_through(cx, &Article_model, "labels"),
                                 &Article_model,
                                 &Staff_model,
                                 &Label_model,
                                 &Person_model,
                                 &Notice_model,
                                 &Membership_model,
                                 &Account_model,
                                 &ArchivedLoan_model,
                                 &Snapshot_model,
                                 &Purchase_model};
    check(cx, order[0] != NULL);
    for (int a = 0; a < dorm_databases_count(dbs); a++) {
        check(cx, dorm_ctx_use(cx, dorm_databases_alias(dbs, a)) != NULL);
        size_t n;
        const char *const *tables = dorm_table_names(cx, &n);
        check(cx, tables != NULL);
        const dorm_model *drop[sizeof order / sizeof order[0] + 1];
        size_t k = 0;
        for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
            dorm_model_info info;
            check(cx, dorm_model_describe(cx, order[i], &info) == 0);
            for (size_t t = 0; t < n; t++)
                if (strcmp(tables[t], info.db_table) == 0) drop[k++] = order[i];
        }
        drop[k] = NULL;
        if (k) check(cx, dorm_drop_tables(cx, drop) == 0);
    }
    check(cx, dorm_ctx_use(cx, "default") != NULL);
}

/* The aliases: from the command line, the environment, or memory. */
static void add_databases(dorm_databases *dbs, int argc, char **argv) {
    int rc;
    if (argc == 3) {
        rc = dorm_databases_add(dbs, "default", argv[1], NULL);
        if (!rc) rc = dorm_databases_add(dbs, "archive", argv[2], NULL);
    } else if (getenv("DATABASE_URL")) {
        rc = dorm_databases_add_env(dbs, NULL);
        if (!rc && dorm_databases_pool(dbs, "archive") == NULL) {
            fprintf(stderr, "lifecycle: DATABASE_URL_ARCHIVE must name the archive database\n");
            exit(1);
        }
    } else {
        rc = dorm_databases_add(dbs, "default", "sqlite://:memory:", NULL);
        if (!rc) rc = dorm_databases_add(dbs, "archive", "sqlite://:memory:", NULL);
    }
    if (rc) {
        fprintf(stderr, "lifecycle: %s\n", dorm_databases_errmsg(dbs));
        exit(1);
    }
}

int main(int argc, char **argv) {
    if (argc != 1 && argc != 3) {
        fprintf(stderr, "usage: lifecycle [DEFAULT_URL ARCHIVE_URL]\n");
        return 2;
    }
    dorm_registry *reg = dorm_registry_new((const dorm_app *const[]){&lifecycle_app, NULL});
    if (!reg || dorm_registry_errcode(reg)) {
        fprintf(stderr, "lifecycle: %s\n", reg ? dorm_registry_messages(reg) : "out of memory");
        return 1;
    }
    lifecycle run = {0};
    run.dbs = dorm_databases_new(reg);
    if (!run.dbs) return 1;
    add_databases(run.dbs, argc, argv);
    if (dorm_databases_add_router(run.dbs, &archive_router) || !(run.cx = dorm_ctx_new_databases(run.dbs)) ||
        !(run.signals = dorm_signals_new())) {
        fprintf(stderr, "lifecycle: out of memory\n");
        return 1;
    }
    dorm_ctx *cx = run.cx;
    dorm_db *default_db = dorm_ctx_db_using(cx, "default");
    check(cx, default_db != NULL);
    dorm_db_set_signals(default_db, run.signals);

    /* migrate --run-syncdb on "default": the tables the router allows there. */
    drop_earlier_tables(cx, run.dbs);
    check(cx, dorm_create_all(cx) == 0);

    inheritance_sections(&run);
    manager_sections(&run);
    signal_section(&run);
    validation_sections(&run);
    transaction_sections(&run);
    raw_sections(&run);
    database_sections(&run);
    custom_field_section(&run);
    pagination_section(&run);
    debugging_section(&run);

    dorm_db_set_signals(default_db, NULL);
    dorm_ctx_free(cx);
    dorm_signals_free(run.signals);
    dorm_databases_free(run.dbs);
    dorm_registry_free(reg);
    return 0;
}
