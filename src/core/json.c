/* json.c - jansson behind dorm's allocator, and loading guarded against
 * jansson's lexer, which drops a byte it cannot append and then decodes the
 * shortened token text as if it were whole. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "dorm/error.h"
#include "core/alloc.h"
#include "core/json.h"

/* The parse of this thread in progress, and whether an allocation of it
 * failed. */
static _Thread_local bool parsing, parse_failed;

static void *json_malloc_hook(size_t size) {
    if (parsing && parse_failed) return NULL;
    void *p = dorm_mem__alloc(size);
    if (!p && parsing) parse_failed = true;
    return p;
}

static void json_free_hook(void *p) { dorm_mem__free(p); }

void dorm_json__init(void) {
    json_malloc_t m;
    json_free_t f;
    json_get_alloc_funcs(&m, &f);
    if (m != json_malloc_hook || f != json_free_hook) json_set_alloc_funcs(json_malloc_hook, json_free_hook);
}

json_t *dorm_json__loadb(const char *text, size_t len, size_t flags, json_error_t *err, int *code) {
    dorm_json__init();
    parsing = true;
    parse_failed = false;
    json_t *j = json_loadb(text, len, flags, err);
    bool failed = parse_failed;
    parsing = parse_failed = false;
    if (failed) {
        json_decref(j);
        *code = DORM_ENOMEM;
        return NULL;
    }
    *code = j ? DORM_OK : DORM_EVALUE;
    return j;
}

json_t *dorm_json__load_file(const char *path, size_t flags, json_error_t *err, int *code) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        *code = DORM_EOPERATIONAL;
        return NULL;
    }
    char *text = NULL;
    size_t len = 0, cap = 0, n;
    *code = DORM_OK;
    do {
        if (len == cap) {
            cap = cap ? cap * 2 : 8192;
            char *grown = dorm_mem__realloc(text, cap);
            if (!grown) {
                *code = DORM_ENOMEM;
                break;
            }
            text = grown;
        }
        n = fread(text + len, 1, cap - len, f);
        len += n;
    } while (n > 0);
    if (!*code && ferror(f)) *code = DORM_EOPERATIONAL;
    int saved = errno;
    fclose(f);
    json_t *j = *code ? NULL : dorm_json__loadb(text, len, flags, err, code);
    dorm_mem__free(text);
    errno = saved;
    return j;
}
