/* fuzz_migration.c - libFuzzer target: migration files through their
 * operations.  The input is one to three migration files of an app, split at
 * lines "----" (0001_a.json, 0002_b.json, 0003_c.json, each depending on the
 * one before when it says so); each is loaded, its operations applied to the
 * state and turned into SQLite DDL (sqlmigrate, forwards and backwards), and
 * the whole app is migrated on a fresh in-memory database and back to zero. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

#define MAX_FILES 3

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 8192) return 0;
    static const char *const names[MAX_FILES] = {"0001_a", "0002_b", "0003_c"};
    static char dir[160];
    static dorm_app app;
    static const dorm_app *apps[2];
    static dorm_registry *reg;
    if (!reg) {
        snprintf(dir, sizeof dir, "%s", fuzz_path("migrations"));
        if (access(dir, F_OK) != 0 && mkdir(dir, 0700) != 0) fuzz_fail("cannot make %s", dir);
        static const dorm_model *const no_models[] = {NULL};
        app = (dorm_app){.label = "fz", .models = no_models, .migrations_dir = dir};
        apps[0] = &app;
        static const dorm_app *const no_apps[] = {NULL};
        reg = dorm_registry_new(no_apps);
        if (!reg) fuzz_fail("registry");
    }
    char path[200];
    size_t start = 0;
    int nfiles = 0;
    for (int i = 0; i < MAX_FILES; i++) {
        snprintf(path, sizeof path, "%s/%s.json", dir, names[i]);
        unlink(path);
    }
    while (nfiles < MAX_FILES && start <= size) {
        size_t end = start;
        while (end + 5 <= size && memcmp(data + end, "\n----", 5) != 0) end++;
        if (end + 5 > size) end = size;
        snprintf(path, sizeof path, "%s/%s.json", dir, names[nfiles++]);
        fuzz_write(path, data + start, end - start);
        start = end + 5;
    }
    dorm_db *db = dorm_db_open("sqlite://:memory:", reg);
    dorm_ctx *cx = db ? dorm_ctx_new(db) : NULL;
    if (!cx) fuzz_fail("open: %s", db ? dorm_db_errmsg(db) : "out of memory");
    FILE *out = fopen("/dev/null", "w");
    for (int i = 0; i < nfiles; i++) {
        dorm_sqlmigrate(cx, apps, "fz", names[i], false);
        dorm_sqlmigrate(cx, apps, "fz", names[i], true);
    }
    int rc = dorm_migrate(cx, apps, &(dorm_migrate_opts){.verbosity = 0, .out = out});
    /* $DORM_FUZZ_VERBOSE: how far an input gets (for writing seeds). */
    if (getenv("DORM_FUZZ_VERBOSE")) fprintf(stderr, "migrate: %s\n", rc ? dorm_errmsg(cx) : "OK");
    if (rc == 0) {
        dorm_showmigrations(cx, apps, "fz", false, out);
        rc = dorm_migrate(cx, apps, &(dorm_migrate_opts){.app = "fz", .target = "zero", .verbosity = 0, .out = out});
        if (getenv("DORM_FUZZ_VERBOSE")) fprintf(stderr, "migrate zero: %s\n", rc ? dorm_errmsg(cx) : "OK");
    }
    dorm_makemigrations(cx, apps, &(dorm_makemigrations_opts){.dry_run = true, .out = out});
    fclose(out);
    dorm_ctx_free(cx);
    dorm_db_close(db);
    return 0;
}
