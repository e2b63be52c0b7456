/* route.h - which connection a call runs on: the inside of dorm_databases,
 * the router chain as Django consults it, and the enter/leave pair every
 * public call that reaches a database wraps its work in. */
#ifndef DORM_EXEC_ROUTE_H
#define DORM_EXEC_ROUTE_H

#include "dorm/databases.h"
#include "dorm/tenant.h"
#include "backend/db.h"
#include "core/ctx.h"
#include "exec/exec.h"

#define DORM_ALIAS_MAX 63

typedef struct dorm_alias_entry {
    char name[DORM_ALIAS_MAX + 1];
    dorm_pool *pool;
} dorm_alias_entry;

struct dorm_databases {
    const dorm_registry *reg;
    dorm_alias_entry *aliases;
    int n, cap;
    dorm_router *routers;
    int nrouters;
    void **owned; /* router payloads the set made (replica routers) */
    dorm_tenant_scope *scopes; /* row-level tenant scopes, {NULL, NULL}-terminated */
    int nowned;
    char errmsg[512];
};

/* The place of `alias` in the set, or -1. */
int dorm_databases__find(const dorm_databases *dbs, const char *alias);
/* Frees p with the set.  0, or DORM_ENOMEM (p freed now). */
int dorm_databases__own(dorm_databases *dbs, void *p);

/* A call's connection: the one it replaced on the context (restored by
 * leave), the one it runs on, and whether it writes. */
typedef struct dorm_route {
    dorm_db *prev;
    dorm_db *db;
    bool write;
} dorm_route;

/* The context's connection to alias i, made on first use.  NULL when out
 * of memory (recorded on cx). */
dorm_db *dorm_route__conn(dorm_ctx *cx, int i);
/* The place of `alias` among the context's aliases, or DORM_ECONFIG
 * recorded on cx ("The connection 'x' doesn't exist."). */
int dorm_route__alias(dorm_ctx *cx, const char *alias);
/* Enters the connection a read / write of `model` goes to: `using` (an
 * alias place, from using() or save(using=)) when >= 0, else the routers'
 * answer (hints: cx and `instance`), else the instance's database, else
 * "default".  A read whose database cannot be reached is routed again
 * without it.  0, or a negative error recorded on cx (nothing to leave). */
int dorm_route__read(dorm_ctx *cx, const dorm_model *model, const void *instance, int using, dorm_route *r);
int dorm_route__write(dorm_ctx *cx, const dorm_model *model, const void *instance, int using, dorm_route *r);
/* The same for a QuerySet's model, using() and hint: a read, or the write
 * of update() and delete(). */
int dorm_route__qs(dorm_qs *qs, bool write, dorm_route *r);
/* Enters the connection a save of obj writes to: routed with obj as the
 * hint, or dorm_save_using's / dorm_delete_using's alias (cx->save_using,
 * taken by the first write of an object that is routed). */
int dorm_route__save(void *obj, dorm_route *r);
/* Enters `db` itself (an iteration going on where it started; a read on a
 * context of one connection).  Inline: every call enters one. */
static inline int dorm_route__enter(dorm_ctx *cx, dorm_db *db, bool write, dorm_route *r) {
    r->prev = cx->db;
    r->db = db;
    r->write = write;
    cx->db = db;
    cx->pinned++;
    if (write && db->atomic_depth) db->wrote = true;
    return 0;
}
static inline int dorm_route__enter_db(dorm_ctx *cx, dorm_db *db, dorm_route *r) {
    return dorm_route__enter(cx, db, false, r);
}
/* Enters the connection of the calls that take Django's `using=`: the
 * context's dorm_ctx_use alias.  0 or a negative error recorded on cx. */
int dorm_route__use(dorm_ctx *cx, dorm_route *r);
/* Leaves: the context's connection is the one before enter again; a write
 * outside a transaction is remembered for read-your-writes, and a pool's
 * session nothing else holds goes back. */
static inline void dorm_route__leave(dorm_ctx *cx, dorm_route *r) {
    dorm_db *db = r->db;
    if (!db) return;
    if (r->write && db->atomic_depth == 0) db->last_write = dorm__now();
    if (db->pool) dorm_db__idle(db);
    cx->db = r->prev;
    cx->pinned--;
}
/* The header flags naming the connection cx runs on now (objects read
 * there belong to it). */
static inline uint32_t dorm_route_obj_flag(const dorm_ctx *cx) {
    return DORM_OBJ_DB(cx && cx->db ? cx->db->alias_no : 0);
}
/* Sets obj's database to the connection cx runs on now. */
void dorm_route__mark(void *obj);
/* Django's related-object assignment check: an object without a database
 * takes the one the routers would write it to, then allow_relation decides.
 * 0, or DORM_EVALUE recorded on obj's context ("Cannot assign ..."). */
int dorm_route__relation(void *obj, const void *value);
/* Django's check of an object a many-to-many manager adds: allow_relation
 * between it and the owner, without giving either a database.  0, or
 * DORM_EVALUE recorded on owner's context ("Cannot add ...: instance is on
 * database ..."). */
int dorm_route__add(void *owner, const void *value);
/* allow_migrate for the connection cx runs on now, of the model named
 * `model_name` (any case; NULL for RunSQL / RunC) of app `app_label`. */
bool dorm_route__allow_migrate(dorm_ctx *cx, const char *app_label, const char *model_name);
/* tenant.c: a scoped model's tenant filter added to qs (once), or
 * DORM_EPOLICY when the context has no tenant; 0 for other models. */
int dorm_tenant__filter(dorm_qs *qs);
/* A scoped object written by cx: given the tenant when it has none,
 * refused (DORM_EPOLICY) when it has another. */
int dorm_tenant__check(dorm_ctx *cx, void *obj);
/* The place of obj's database among its context's aliases, or -1. */
int dorm_route__obj_alias(const void *obj);

#endif
