/* fuzz_fixture.c - libFuzzer target: fixtures.  The input is a fixture file
 * loaded with loaddata into an in-memory SQLite database of models with every
 * field kind and relation; what loads must dump again (dumpdata) and load
 * back from that dump.  The database is emptied after each input. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "manage/shell.h"

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
        FILE *out = fopen(dump_path, "w");
        if (!out) fuzz_fail("cannot write %s", dump_path);
        rc = dorm_dumpdata(cx, NULL, 1, out);
        fclose(out);
        if (rc) fuzz_fail("loaded, but dumpdata fails: %s", dorm_errmsg(cx));
        if (dorm_flush(cx)) fuzz_fail("flush: %s", dorm_errmsg(cx));
        if (dorm_loaddata(cx, (const char *const[]){dump_path, NULL}, NULL))
            fuzz_fail("loaded, but its dump does not load back: %s", dorm_errmsg(cx));
    }
    if (dorm_flush(cx)) fuzz_fail("flush: %s", dorm_errmsg(cx));
    dorm_ctx_free(cx);
    return 0;
}
