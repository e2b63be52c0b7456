/* signals.c - the receivers of Django's model signals and their dispatch:
 * a dorm_signals set (per signal, receivers in connection order, known by
 * sender and (fn, payload) or dispatch_uid) attached to connections, and the
 * calls the save, delete, many-to-many and migrate code send through. */
#include <stdarg.h>
#include <string.h>

#include "exec/exec.h"
#include "core/alloc.h"

typedef struct receiver {
    const void *sender;
    dorm_receiver_fn fn;
    void *payload;
    char *uid;
} receiver;

struct dorm_signals {
    receiver *r[DORM_SIGNAL__COUNT];
    size_t n[DORM_SIGNAL__COUNT], cap[DORM_SIGNAL__COUNT];
};

dorm_signals *dorm_signals_new(void) { return dorm_mem__calloc(1, sizeof(dorm_signals)); }

void dorm_signals_free(dorm_signals *s) {
    if (!s) return;
    for (int sig = 0; sig < DORM_SIGNAL__COUNT; sig++) {
        for (size_t i = 0; i < s->n[sig]; i++) dorm_mem__free(s->r[sig][i].uid);
        dorm_mem__free(s->r[sig]);
    }
    dorm_mem__free(s);
}

void dorm_db_set_signals(dorm_db *db, dorm_signals *s) {
    if (db) db->signals = s;
}

static bool valid(dorm_signal sig) { return (int)sig >= 0 && sig < DORM_SIGNAL__COUNT; }

/* Django's lookup key: (dispatch_uid or the receiver, sender). */
static bool same(const receiver *r, const void *sender, dorm_receiver_fn fn, void *payload, const char *uid) {
    if (r->sender != sender) return false;
    if (uid || r->uid) return uid && r->uid && strcmp(uid, r->uid) == 0;
    return r->fn == fn && r->payload == payload;
}

int dorm_signal_connect(dorm_signals *s, dorm_signal sig, const void *sender, dorm_receiver_fn fn, void *payload,
                        const char *dispatch_uid) {
    if (!s || !valid(sig) || !fn) return DORM_EVALUE;
    for (size_t i = 0; i < s->n[sig]; i++)
        if (same(&s->r[sig][i], sender, fn, payload, dispatch_uid)) return DORM_OK;
    if (s->n[sig] == s->cap[sig]) {
        size_t cap = s->cap[sig] ? s->cap[sig] * 2 : 4;
        receiver *grown = dorm_mem__realloc(s->r[sig], sizeof *grown * cap);
        if (!grown) return DORM_ENOMEM;
        s->r[sig] = grown;
        s->cap[sig] = cap;
    }
    char *uid = NULL;
    if (dispatch_uid && !(uid = dorm_mem__strdup(dispatch_uid))) return DORM_ENOMEM;
    s->r[sig][s->n[sig]++] = (receiver){sender, fn, payload, uid};
    return DORM_OK;
}

bool dorm_signal_disconnect(dorm_signals *s, dorm_signal sig, const void *sender, dorm_receiver_fn fn, void *payload,
                            const char *dispatch_uid) {
    if (!s || !valid(sig)) return false;
    for (size_t i = 0; i < s->n[sig]; i++) {
        if (!same(&s->r[sig][i], sender, fn, payload, dispatch_uid)) continue;
        dorm_mem__free(s->r[sig][i].uid);
        memmove(&s->r[sig][i], &s->r[sig][i + 1], sizeof(receiver) * (s->n[sig] - i - 1));
        s->n[sig]--;
        return true;
    }
    return false;
}

bool dorm_signal_has_listeners(const dorm_signals *s, dorm_signal sig, const void *sender) {
    if (!s || !valid(sig)) return false;
    for (size_t i = 0; i < s->n[sig]; i++)
        if (!s->r[sig][i].sender || s->r[sig][i].sender == sender) return true;
    return false;
}

int dorm_signal_fail(const dorm_signal_event *ev, int code, const char *fmt, ...) {
    if (!ev || !ev->cx) return code;
    va_list ap;
    va_start(ap, fmt);
    dorm__vfail(ev->cx, code, fmt, ap);
    va_end(ap);
    return code;
}

/* ---- sending ---------------------------------------------------------------- */

/* The receivers of cx's connection; a context on several databases sends
 * to those of its default one whichever database it writes to (Django's
 * receivers are the program's, not a connection's). */
static dorm_signals *receivers(const dorm_ctx *cx) {
    if (cx->db && cx->db->signals) return cx->db->signals;
    return cx->conns && cx->conns[0] ? cx->conns[0]->signals : NULL;
}

bool dorm_signal__wanted(dorm_ctx *cx, dorm_signal sig, const void *sender) {
    return cx && cx->db && dorm_signal_has_listeners(receivers(cx), sig, sender);
}

int dorm_signal__send(dorm_ctx *cx, dorm_signal_event *ev) {
    dorm_signals *s = receivers(cx);
    if (!s) return DORM_OK;
    ev->cx = cx;
    ev->db = cx->db;
    /* The receivers connected when the signal is sent get it, as Django's
     * send() lists its live receivers first: one that connects or
     * disconnects receivers changes the next send, not this one. */
    receiver few[16], *now = few;
    size_t n = s->n[ev->signal];
    if (n > 16 && !(now = dorm_mem__alloc(sizeof *now * n))) return dorm_ctx_fail(cx, DORM_ENOMEM, "out of memory");
    if (n) memcpy(now, s->r[ev->signal], sizeof *now * n);
    int rc = DORM_OK;
    /* A receiver is the program's code: its queries are routed afresh. */
    int pinned = cx->pinned;
    cx->pinned = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        if (now[i].sender && now[i].sender != ev->sender) continue;
        rc = now[i].fn(ev, now[i].payload);
        if (rc < 0 && !cx->err)
            dorm_ctx_fail(cx, rc, "A %s receiver failed: %s.", dorm_signal__name(ev->signal), dorm_error_name(rc));
        if (rc > 0) rc = DORM_OK;
    }
    cx->pinned = pinned;
    if (now != few) dorm_mem__free(now);
    return rc;
}

const char *dorm_signal__name(dorm_signal sig) {
    static const char *const names[DORM_SIGNAL__COUNT] = {"pre_save",    "post_save",   "pre_delete",  "post_delete",
                                                          "m2m_changed", "pre_migrate", "post_migrate"};
    return valid(sig) ? names[sig] : "?";
}

/* Django sends no model signals for automatic join models. */
static bool sends(const dorm_meta *m) { return !m->auto_for; }

int dorm_signal__save(void *obj, dorm_signal sig, bool created, bool raw, const char *const *update_fields) {
    dorm_object *h = obj;
    const dorm_meta *m = h->meta;
    if (!sends(m) || !dorm_signal__wanted(h->cx, sig, m->model)) return DORM_OK;
    dorm_signal_event ev = {.signal = sig,
                            .sender = m->model,
                            .instance = obj,
                            .created = created,
                            .raw = raw,
                            .update_fields = update_fields};
    return dorm_signal__send(h->cx, &ev);
}

int dorm_signal__delete(dorm_ctx *cx, dorm_signal sig, const dorm_meta *m, void *obj) {
    if (!sends(m)) return DORM_OK;
    dorm_signal_event ev = {.signal = sig, .sender = m->model, .instance = obj};
    return dorm_signal__send(cx, &ev);
}

int dorm_signal__m2m(void *owner, const dorm_rel *rel, const char *action, const dorm_value *pks, size_t n) {
    dorm_ctx *cx = ((dorm_object *)owner)->cx;
    const dorm_model *through = rel->through->model;
    if (!dorm_signal__wanted(cx, DORM_M2M_CHANGED, through)) return DORM_OK;
    /* The field's own direction carries its name (as dorm_through tells
     * them apart); the other one is Django's reverse manager. */
    bool reverse = !(rel->m2m && rel->m2m->name == rel->name);
    dorm_signal_event ev = {.signal = DORM_M2M_CHANGED,
                            .sender = through,
                            .instance = owner,
                            .action = action,
                            .reverse = reverse,
                            .model = rel->model->model,
                            .pk_set = pks,
                            .npk = n};
    return dorm_signal__send(cx, &ev);
}

int dorm_signal__migrate(dorm_ctx *cx, dorm_signal sig, const dorm_app *const *apps, int verbosity, bool interactive) {
    for (size_t i = 0; apps && apps[i]; i++) {
        if (!dorm_signal__wanted(cx, sig, apps[i])) continue;
        dorm_signal_event ev = {
            .signal = sig, .sender = apps[i], .app = apps[i], .verbosity = verbosity, .interactive = interactive};
        int rc = dorm_signal__send(cx, &ev);
        if (rc) return rc;
    }
    return DORM_OK;
}
