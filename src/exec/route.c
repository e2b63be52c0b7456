/* route.c - routing calls to databases as Django's ConnectionRouter does:
 * using() first, then the routers in order, then the object's own database,
 * then "default"; the context's connection per alias; objects' _state.db;
 * allow_relation and allow_migrate; read-your-writes bookkeeping. */
#include <string.h>

#include "exec/route.h"
#include "backend/pool.h"
#include "core/alloc.h"

static const char *alias_name(const dorm_ctx *cx, int i) {
    if (cx->dbs) return cx->dbs->aliases[i].name;
    return cx->db ? cx->db->alias : "default";
}

dorm_db *dorm_route__conn(dorm_ctx *cx, int i) {
    if (!cx->conns) return cx->db;
    if (cx->conns[i]) return cx->conns[i];
    const dorm_alias_entry *a = &cx->dbs->aliases[i];
    dorm_db *db = dorm_db__on_pool(a->pool, a->name);
    if (!db) {
        dorm_ctx_fail(cx, DORM_ENOMEM, "out of memory");
        return NULL;
    }
    db->alias_no = i + 1;
    if (cx->schema && !(db->schema = dorm_mem__strdup(cx->schema))) {
        dorm_db_close(db);
        dorm_ctx_fail(cx, DORM_ENOMEM, "out of memory");
        return NULL;
    }
    cx->conns[i] = db;
    return db;
}

static int find_alias(const dorm_ctx *cx, const char *alias) {
    if (!alias) return -1;
    if (cx->dbs) return dorm_databases__find(cx->dbs, alias);
    return strcmp(alias, alias_name(cx, 0)) == 0 ? 0 : -1;
}

int dorm_route__alias(dorm_ctx *cx, const char *alias) {
    int i = find_alias(cx, alias);
    if (i < 0) return dorm_ctx_fail(cx, DORM_ECONFIG, "The connection '%s' doesn't exist.", alias ? alias : "None");
    return i;
}

int dorm_route__obj_alias(const void *obj) {
    const dorm_object *h = obj;
    return h ? (int)((h->flags & DORM_OBJ_DB_MASK) >> DORM_OBJ_DB_SHIFT) - 1 : -1;
}

void dorm_route__mark(void *obj) {
    dorm_object *h = obj;
    h->flags = (h->flags & ~DORM_OBJ_DB_MASK) | dorm_route_obj_flag(h->cx);
}

static bool listed(const char *const *list, const char *name) {
    for (; list && *list; list++)
        if (strcmp(*list, name) == 0) return true;
    return false;
}

/* Django's _router_func: the first router's answer, else the instance's
 * database, else "default".  The place of the alias, or an error. */
static int ask(dorm_ctx *cx, bool write, const dorm_model *model, const void *instance,
               const char *const *unavailable) {
    dorm_hints hints = {cx, instance, unavailable};
    for (int k = 0; k < cx->dbs->nrouters; k++) {
        const dorm_router *rt = &cx->dbs->routers[k];
        const char *(*fn)(const dorm_model *, const dorm_hints *, void *) = write ? rt->db_for_write : rt->db_for_read;
        const char *name = fn ? fn(model, &hints, rt->payload) : NULL;
        if (!name || listed(unavailable, name)) continue;
        return dorm_route__alias(cx, name);
    }
    int own = instance ? dorm_route__obj_alias(instance) : -1;
    return own >= 0 && !listed(unavailable, alias_name(cx, own)) ? own : 0;
}

static int enter(dorm_ctx *cx, int i, bool write, dorm_route *r) {
    dorm_db *db = dorm_route__conn(cx, i);
    return db ? dorm_route__enter(cx, db, write, r) : DORM_ENOMEM;
}

/* The statements a call makes for itself (the delete collector's,
 * prefetch_related's, get_or_create's insert) run on the call's connection,
 * as Django's pass using=self.db: a call nested in another one (pinned) is
 * not routed again unless it names its database. */
static int route(dorm_ctx *cx, bool write, const dorm_model *model, const void *instance, int using, dorm_route *r) {
    /* save(using=) / delete(using=): the alias given for this object's write. */
    if (write && instance && cx->save_using && using < 0) {
        using = cx->save_using - 1;
        cx->save_using = 0;
    }
    if (write && instance && cx->dbs && cx->dbs->scopes) {
        int rc = dorm_tenant__check(cx, (void *)instance);
        if (rc) return rc;
    }
    if (!cx->conns || (cx->pinned && using < 0)) return dorm_route__enter(cx, cx->db, write, r);
    if (using >= 0) return enter(cx, using, write, r);
    if (!cx->dbs || cx->dbs->nrouters == 0) {
        int own = instance ? dorm_route__obj_alias(instance) : -1;
        return enter(cx, own >= 0 ? own : 0, write, r);
    }
    /* A read is routed again, without the database it could not reach,
     * until the chain answers one that can be reached (every alias once). */
    const char *unavailable[256];
    int nu = 0;
    for (;;) {
        unavailable[nu] = NULL;
        int i = ask(cx, write, model, instance, nu ? unavailable : NULL);
        if (i < 0) return i;
        int rc = enter(cx, i, write, r);
        if (rc || write || nu + 1 >= cx->nconns) return rc;
        dorm_errbuf e;
        rc = dorm_db__link(r->db, &e);
        if (rc == 0) return 0;
        cx->db = r->prev;
        cx->pinned--;
        if (rc != DORM_EOPERATIONAL || listed(unavailable, alias_name(cx, i))) return dorm_fail__errbuf(cx, &e);
        unavailable[nu++] = alias_name(cx, i);
    }
}

int dorm_route__read(dorm_ctx *cx, const dorm_model *model, const void *instance, int using, dorm_route *r) {
    return route(cx, false, model, instance, using, r);
}

int dorm_route__write(dorm_ctx *cx, const dorm_model *model, const void *instance, int using, dorm_route *r) {
    return route(cx, true, model, instance, using, r);
}

int dorm_route__qs(dorm_qs *qs, bool write, dorm_route *r) {
    dorm_ctx *cx = qs->cx;
    if (!qs->meta) return dorm_route__enter(cx, cx->db, write, r);
    int rc = cx->dbs && cx->dbs->scopes ? dorm_tenant__filter(qs) : 0;
    if (rc) return rc;
    /* A read on a context of one connection: what route() answers first. */
    if (!write && !cx->conns) return dorm_route__enter(cx, cx->db, false, r);
    return route(cx, write, qs->meta->model, qs->hint, qs->using_db - 1, r);
}

int dorm_route__save(void *obj, dorm_route *r) {
    dorm_object *h = obj;
    return dorm_route__write(h->cx, h->model, obj, -1, r);
}

int dorm_route__use(dorm_ctx *cx, dorm_route *r) {
    if (!cx->conns || cx->pinned) return dorm_route__enter(cx, cx->db, false, r);
    return enter(cx, cx->use, false, r);
}

/* ---- the public side ---------------------------------------------------------- */

const char *dorm_db_for_read(dorm_ctx *cx, const dorm_model *model, const void *instance) {
    if (!cx) return NULL;
    if (!cx->dbs) return alias_name(cx, 0);
    int i = ask(cx, false, model, instance, NULL);
    return i < 0 ? NULL : alias_name(cx, i);
}

const char *dorm_db_for_write(dorm_ctx *cx, const dorm_model *model, const void *instance) {
    if (!cx) return NULL;
    if (!cx->dbs) return alias_name(cx, 0);
    int i = ask(cx, true, model, instance, NULL);
    return i < 0 ? NULL : alias_name(cx, i);
}

bool dorm_allow_relation(dorm_ctx *cx, const void *obj1, const void *obj2) {
    dorm_hints hints = {cx, obj2, NULL};
    for (int k = 0; cx && cx->dbs && k < cx->dbs->nrouters; k++) {
        const dorm_router *rt = &cx->dbs->routers[k];
        int allow = rt->allow_relation ? rt->allow_relation(obj1, obj2, &hints, rt->payload) : -1;
        if (allow >= 0) return allow != 0;
    }
    return dorm_route__obj_alias(obj1) == dorm_route__obj_alias(obj2);
}

/* A model's name in lower case, as Django's model_name. */
static void lower_name(const char *model, char *out, size_t cap) {
    size_t n = 0;
    for (const char *s = model; *s && n + 1 < cap; s++) out[n++] = *s >= 'A' && *s <= 'Z' ? (char)(*s - 'A' + 'a') : *s;
    out[n] = '\0';
}

static bool allow_migrate(dorm_ctx *cx, const char *alias, const char *app_label, const char *model_name) {
    char name[128];
    if (model_name) lower_name(model_name, name, sizeof name);
    dorm_hints hints = {cx, NULL, NULL};
    for (int k = 0; cx && cx->dbs && k < cx->dbs->nrouters; k++) {
        const dorm_router *rt = &cx->dbs->routers[k];
        int allow =
            rt->allow_migrate ? rt->allow_migrate(alias, app_label, model_name ? name : NULL, &hints, rt->payload) : -1;
        if (allow >= 0) return allow != 0;
    }
    return true;
}

bool dorm_allow_migrate(dorm_ctx *cx, const char *alias, const char *app_label, const dorm_model *model) {
    return allow_migrate(cx, alias, app_label, model ? model->name : NULL);
}

bool dorm_route__allow_migrate(dorm_ctx *cx, const char *app_label, const char *model_name) {
    return !cx->dbs || allow_migrate(cx, cx->db->alias, app_label, model_name);
}

dorm_db *dorm_ctx_db_using(dorm_ctx *cx, const char *alias) {
    if (!cx) return NULL;
    int i = dorm_route__alias(cx, alias);
    return i < 0 ? NULL : dorm_route__conn(cx, i);
}

const char *dorm_ctx_use(dorm_ctx *cx, const char *alias) {
    if (!cx) return NULL;
    int i = dorm_route__alias(cx, alias);
    if (i < 0) return NULL;
    dorm_db *db = dorm_route__conn(cx, i);
    if (!db) return NULL;
    const char *before = alias_name(cx, cx->use);
    cx->use = i;
    cx->db = db;
    return before;
}

dorm_qs *dorm_using(dorm_qs *qs, const char *alias) {
    if (!qs || qs->err) return qs;
    int i = find_alias(qs->cx, alias);
    dorm_qs *c = dorm_qs__clone(qs);
    if (!c) return NULL;
    if (i < 0) return dorm_qs__fail(c, DORM_ECONFIG, "The connection '%s' doesn't exist.", alias ? alias : "None");
    c->using_db = i + 1;
    return c;
}

const char *dorm_qs_db(dorm_qs *qs) {
    if (!qs || qs->err) return NULL;
    if (qs->using_db) return alias_name(qs->cx, qs->using_db - 1);
    return dorm_db_for_read(qs->cx, qs->meta->model, qs->hint);
}

const char *dorm_obj_db(const void *obj) {
    const dorm_object *h = obj;
    int i = dorm_route__obj_alias(obj);
    return i < 0 || !h->cx ? NULL : alias_name(h->cx, i);
}

double dorm_ctx_since_write(dorm_ctx *cx, const char *alias) {
    int i = cx ? find_alias(cx, alias) : -1;
    dorm_db *db = i < 0 ? NULL : cx->conns ? cx->conns[i] : cx->db;
    if (!db || db->last_write == 0) return -1;
    return dorm__now() - db->last_write;
}

bool dorm_in_atomic_using(dorm_ctx *cx, const char *alias) {
    int i = cx ? find_alias(cx, alias) : -1;
    dorm_db *db = i < 0 ? NULL : cx->conns ? cx->conns[i] : cx->db;
    return db && db->atomic_depth > 0;
}

int dorm_save_using(void *obj, const char *alias) {
    dorm_object *h = obj;
    if (!h || !h->cx) return dorm_save(obj);
    int i = dorm_route__alias(h->cx, alias);
    if (i < 0) return i;
    h->cx->save_using = i + 1;
    int rc = dorm_save(obj);
    h->cx->save_using = 0;
    return rc;
}

/* Sets an object's database from the routers' db_for_write (Django's
 * `instance._state.db = router.db_for_write(...)`) when it has none. */
static void adopt_db(dorm_ctx *cx, const void *obj, const void *hint) {
    dorm_object *h = (dorm_object *)obj;
    if (dorm_route__obj_alias(obj) >= 0) return;
    int i = cx->dbs ? ask(cx, true, h->model, hint, NULL) : 0;
    if (i >= 0) h->flags = (h->flags & ~DORM_OBJ_DB_MASK) | DORM_OBJ_DB(i + 1);
}

int dorm_route__relation(void *obj, const void *value) {
    dorm_object *h = obj;
    dorm_ctx *cx = h->cx;
    if (!cx || !cx->dbs) return DORM_OK;
    adopt_db(cx, obj, value);
    adopt_db(cx, value, obj);
    if (dorm_allow_relation(cx, value, obj)) return DORM_OK;
    return dorm_ctx_fail(cx, DORM_EVALUE,
                         "Cannot assign \"<%s: %s>\": the current database router prevents this relation.",
                         ((const dorm_object *)value)->model->name, dorm_obj_str(value));
}

int dorm_route__add(void *owner, const void *value) {
    dorm_ctx *cx = ((dorm_object *)owner)->cx;
    if (!cx || !cx->dbs || dorm_allow_relation(cx, value, owner)) return DORM_OK;
    const char *mine = dorm_obj_db(owner), *theirs = dorm_obj_db(value);
    return dorm_ctx_fail(
        cx, DORM_EVALUE, "Cannot add \"<%s: %s>\": instance is on database \"%s\", value is on database \"%s\"",
        ((const dorm_object *)value)->model->name, dorm_obj_str(value), mine ? mine : "None", theirs ? theirs : "None");
}

int dorm_delete_using(void *obj, const char *alias, dorm_deleted *out) {
    dorm_object *h = obj;
    if (!h || !h->cx) return dorm_delete(obj, out);
    int i = dorm_route__alias(h->cx, alias);
    if (i < 0) return i;
    h->cx->save_using = i + 1;
    int rc = dorm_delete(obj, out);
    h->cx->save_using = 0;
    return rc;
}
