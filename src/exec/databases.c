/* databases.c - dorm_databases, Django's DATABASES and DATABASE_ROUTERS in
 * one value: aliases with a connection pool each (from URLs or the
 * environment), the router chain, and the contexts made on a set or on a
 * single pool. */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/opts.h"
#include "exec/route.h"
#include "backend/pool.h"
#include "core/alloc.h"

static int fail(dorm_databases *dbs, int code, const char *fmt, const char *a, const char *b) {
    snprintf(dbs->errmsg, sizeof dbs->errmsg, fmt, a, b);
    return code;
}

dorm_databases *dorm_databases_new(const dorm_registry *reg) {
    dorm_databases *dbs = dorm_mem__calloc(1, sizeof *dbs);
    if (dbs) dbs->reg = reg;
    return dbs;
}

void dorm_databases_free(dorm_databases *dbs) {
    if (!dbs) return;
    for (int i = 0; i < dbs->n; i++) dorm_pool_free(dbs->aliases[i].pool);
    for (int i = 0; i < dbs->nowned; i++) dorm_mem__free(dbs->owned[i]);
    dorm_mem__free(dbs->owned);
    dorm_mem__free(dbs->aliases);
    dorm_mem__free(dbs->routers);
    dorm_mem__free(dbs->scopes);
    dorm_mem__free(dbs);
}

const char *dorm_databases_errmsg(const dorm_databases *dbs) { return dbs ? dbs->errmsg : "out of memory"; }

int dorm_databases_count(const dorm_databases *dbs) { return dbs ? dbs->n : 0; }

const char *dorm_databases_alias(const dorm_databases *dbs, int i) {
    return dbs && i >= 0 && i < dbs->n ? dbs->aliases[i].name : NULL;
}

int dorm_databases__find(const dorm_databases *dbs, const char *alias) {
    for (int i = 0; alias && i < dbs->n; i++)
        if (strcmp(dbs->aliases[i].name, alias) == 0) return i;
    return -1;
}

dorm_pool *dorm_databases_pool(const dorm_databases *dbs, const char *alias) {
    int i = dbs ? dorm_databases__find(dbs, alias) : -1;
    return i < 0 ? NULL : dbs->aliases[i].pool;
}

static bool valid_alias(const char *s) {
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > DORM_ALIAS_MAX || (s[0] >= '0' && s[0] <= '9')) return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
    }
    return true;
}

int dorm_databases_add_(dorm_databases *dbs, const char *alias, const char *url, const dorm_pool_opts *opts,
                        size_t opts_size) {
    dorm_pool_opts opts_copy_;
    opts = dorm_opts__read(&opts_copy_, sizeof opts_copy_, opts, opts_size);
    if (!dbs) return DORM_ENOMEM;
    if (!valid_alias(alias))
        return fail(dbs, DORM_ECONFIG, "Invalid database alias '%.80s'%s: use letters, digits and '_'",
                    alias ? alias : "", "");
    if (dorm_databases__find(dbs, alias) >= 0)
        return fail(dbs, DORM_ECONFIG, "The database alias '%s' is defined twice%s.", alias, "");
    /* Objects keep their alias's number in 8 bits of their header. */
    if (dbs->n == 255) return fail(dbs, DORM_ECONFIG, "Too many database aliases (at most 255)%s%s", "", "");
    if (dbs->n == dbs->cap) {
        int cap = dbs->cap ? dbs->cap * 2 : 4;
        dorm_alias_entry *grown = dorm_mem__realloc(dbs->aliases, sizeof *grown * (size_t)cap);
        if (!grown) return fail(dbs, DORM_ENOMEM, "out of memory%s%s", "", "");
        dbs->aliases = grown;
        dbs->cap = cap;
    }
    dorm_pool *pool = dorm_pool_new(url, dbs->reg, opts);
    if (!pool) return fail(dbs, DORM_ENOMEM, "out of memory%s%s", "", "");
    int rc = dorm_pool_errcode(pool);
    if (rc) {
        fail(dbs, rc, "Database '%s': %s", alias, dorm_pool_errmsg(pool));
        dorm_pool_free(pool);
        return rc;
    }
    dorm_alias_entry *a = &dbs->aliases[dbs->n++];
    snprintf(a->name, sizeof a->name, "%s", alias);
    a->pool = pool;
    return 0;
}

typedef struct env_alias {
    char name[DORM_ALIAS_MAX + 1];
    const char *url;
} env_alias;

static int by_name(const void *a, const void *b) {
    return strcmp(((const env_alias *)a)->name, ((const env_alias *)b)->name);
}

int dorm_databases_add_env_(dorm_databases *dbs, const dorm_pool_opts *opts, size_t opts_size) {
    dorm_pool_opts opts_copy_;
    opts = dorm_opts__read(&opts_copy_, sizeof opts_copy_, opts, opts_size);
    extern char **environ;
    if (!dbs) return DORM_ENOMEM;
    const char *url = getenv("DATABASE_URL");
    if (!url || !*url) return fail(dbs, DORM_ECONFIG, "DATABASE_URL is not set%s%s", "", "");
    int rc = dorm_databases_add(dbs, "default", url, opts);
    if (rc) return rc;
    static const char prefix[] = "DATABASE_URL_";
    size_t n = 0;
    for (char **e = environ; *e; e++) n += strncmp(*e, prefix, sizeof prefix - 1) == 0;
    env_alias *list = dorm_mem__calloc(n ? n : 1, sizeof *list);
    if (!list) return fail(dbs, DORM_ENOMEM, "out of memory%s%s", "", "");
    size_t k = 0;
    for (char **e = environ; *e && k < n; e++) {
        if (strncmp(*e, prefix, sizeof prefix - 1) != 0) continue;
        const char *name = *e + sizeof prefix - 1, *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : 0;
        if (!eq || len == 0 || len > DORM_ALIAS_MAX) continue;
        for (size_t i = 0; i < len; i++)
            list[k].name[i] = name[i] >= 'A' && name[i] <= 'Z' ? (char)(name[i] - 'A' + 'a') : name[i];
        list[k++].url = eq + 1;
    }
    qsort(list, k, sizeof *list, by_name);
    for (size_t i = 0; i < k && !rc; i++) rc = dorm_databases_add(dbs, list[i].name, list[i].url, opts);
    dorm_mem__free(list);
    return rc;
}

int dorm_databases_add_router(dorm_databases *dbs, const dorm_router *router) {
    if (!dbs || !router) return DORM_ENOMEM;
    dorm_router *grown = dorm_mem__realloc(dbs->routers, sizeof *grown * (size_t)(dbs->nrouters + 1));
    if (!grown) return fail(dbs, DORM_ENOMEM, "out of memory%s%s", "", "");
    dbs->routers = grown;
    dbs->routers[dbs->nrouters++] = *router;
    return 0;
}

int dorm_databases__own(dorm_databases *dbs, void *p) {
    void **grown = dorm_mem__realloc(dbs->owned, sizeof *grown * (size_t)(dbs->nowned + 1));
    if (!grown) {
        dorm_mem__free(p);
        return fail(dbs, DORM_ENOMEM, "out of memory%s%s", "", "");
    }
    dbs->owned = grown;
    dbs->owned[dbs->nowned++] = p;
    return 0;
}

/* ---- contexts ------------------------------------------------------------- */

dorm_ctx *dorm_ctx_new_databases(dorm_databases *dbs) {
    if (!dbs || dbs->n == 0) return NULL;
    dorm_ctx *cx = dorm_ctx__new_owning(dbs->n);
    if (!cx) return NULL;
    cx->dbs = dbs;
    cx->db = dorm_route__conn(cx, 0);
    if (!cx->db) {
        dorm_ctx_free(cx);
        return NULL;
    }
    return cx;
}

dorm_ctx *dorm_ctx_new_pool(dorm_pool *pool) {
    if (!pool || dorm_pool_errcode(pool)) return NULL;
    dorm_ctx *cx = dorm_ctx__new_owning(1);
    if (!cx) return NULL;
    cx->conns[0] = cx->db = dorm_db__on_pool(pool, "default");
    if (!cx->db) {
        dorm_ctx_free(cx);
        return NULL;
    }
    return cx;
}
