/* fuzz_url.c - libFuzzer target: database URLs, parsed (no connection is
 * made) and turned into each driver's client command line (dbshell); a
 * parsed URL has its parts, and is freed whole also after an error. */
#include <stdlib.h>
#include <string.h>

#include "backend/db.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *url = malloc(size + 1);
    if (!url) return 0;
    memcpy(url, data, size);
    url[size] = '\0';
    dorm_url u;
    dorm_errbuf e = {0, ""};
    int rc = dorm_url__parse(url, &u, &e);
    if (rc == 0) {
        if (!u.scheme || !u.path) fuzz_fail("'%s' parsed without a scheme or path", url);
        for (size_t i = 0; i < u.nparams; i++)
            if (!u.keys[i] || !u.values[i]) fuzz_fail("'%s' parsed with a NULL option", url);
        const dorm_driver *drv = dorm_driver__find(u.scheme);
        if (drv && drv->client) {
            dorm_client_cmd cmd;
            memset(&cmd, 0, sizeof cmd);
            drv->client(&u, &cmd);
        }
    }
    dorm_url__free(&u);
    free(url);
    return 0;
}
