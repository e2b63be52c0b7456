/* fuzz_fixture.c - libFuzzer target: fixtures.  The input is a fixture file
 * loaded with loaddata into an in-memory SQLite database of models with every
 * field kind and relation; what loads must dump again (dumpdata --all), load back
 * from that dump, and dump to the same text again.  The database is emptied
 * after each input. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "manage/shell.h"

/* dumpdata of everything into `path`; its text (malloc'd). */
static char *dump(dorm_ctx *cx, const char *path) {
    FILE *out = fopen(path, "w+");
    if (!out) fuzz_fail("cannot write %s", path);
    /* Every row (dumpdata --all): a default manager that hides rows would
     * leave out rows that others point to. */
    if (dorm_dumpdata_all(cx, NULL, 1, out)) fuzz_fail("loaded, but dumpdata fails: %s", dorm_errmsg(cx));
    long n = ftell(out);
    char *text = malloc((size_t)n + 1);
    rewind(out);
    if (!text || fread(text, 1, (size_t)n, out) != (size_t)n) fuzz_fail("cannot read %s", path);
    text[n] = '\0';
    fclose(out);
    return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 8192) return 0;
    fuzz_db *d = fuzz_db_get();
    static char path[200], dump_path[200];
    if (!path[0]) {
        snprintf(path, sizeof path, "%s", fuzz_path("fixture.json"));
        snprintf(dump_path, sizeof dump_path, "%s", fuzz_path("dump.json"));
    }
    fuzz_write(path, data, size);
    dorm_ctx *cx = dorm_ctx_new(d->db);
    if (!cx) fuzz_fail("out of memory");
    int rc = dorm_loaddata(cx, (const char *const[]){path, NULL}, NULL);
    /* $DORM_FUZZ_VERBOSE: how far an input gets (for writing seeds). */
    if (getenv("DORM_FUZZ_VERBOSE")) fprintf(stderr, "loaddata: %s\n", rc ? dorm_errmsg(cx) : "OK");
    if (rc == 0) {
        /* A dump loads back to the same rows: the dump of that is the same text. */
        char *first = dump(cx, dump_path);
        if (dorm__flush(cx)) fuzz_fail("flush: %s", dorm_errmsg(cx));
        if (dorm_loaddata(cx, (const char *const[]){dump_path, NULL}, NULL))
            fuzz_fail("loaded, but its dump does not load back: %s", dorm_errmsg(cx));
        char *second = dump(cx, dump_path);
        if (strcmp(first, second) != 0) fuzz_fail("the dump changed when loaded back:\n%s\n----\n%s", first, second);
        free(first);
        free(second);
    }
    if (dorm__flush(cx)) fuzz_fail("flush: %s", dorm_errmsg(cx));
    dorm_ctx_free(cx);
    return 0;
}
