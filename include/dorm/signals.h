/* dorm/signals.h - Django's model signals: pre_save / post_save,
 * pre_delete / post_delete, m2m_changed and pre_migrate / post_migrate, sent
 * to C receivers connected on a dorm_signals set that a program attaches to
 * its connections.
 * SPDX-License-Identifier: MIT (see LICENSE) */
#ifndef DORM_SIGNALS_H
#define DORM_SIGNALS_H

#include "api.h"

#include <stdbool.h>
#include <stddef.h>

#include "db.h"
#include "model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The signals (django.db.models.signals). */
typedef enum dorm_signal {
    DORM_PRE_SAVE = 0,  /* pre_save                          */
    DORM_POST_SAVE,     /* post_save                         */
    DORM_PRE_DELETE,    /* pre_delete                        */
    DORM_POST_DELETE,   /* post_delete                       */
    DORM_M2M_CHANGED,   /* m2m_changed                       */
    DORM_PRE_MIGRATE,   /* pre_migrate                       */
    DORM_POST_MIGRATE,  /* post_migrate                      */
    DORM_SIGNAL__COUNT  /* how many signals there are        */
} dorm_signal;

/* What a receiver gets: Django's keyword arguments of the signal.  Borrowed:
 * valid during the call. */
typedef struct dorm_signal_event {
    dorm_signal signal;                 /* which signal                         */
    /* The model (a const dorm_model *) for save and delete signals; the join
     * model for m2m_changed (Django's Book.tags.through, see dorm_through);
     * the app (a const dorm_app *) for the migrate signals. */
    const void *sender;
    void *instance;                     /* save, delete, m2m_changed: the object */
    dorm_db *db;                        /* Django's `using`                     */
    dorm_ctx *cx;                       /* the context of the operation: a
                                         * receiver may query through it        */
    /* pre_save / post_save */
    bool created;                       /* post_save: the save inserted a row   */
    bool raw;                           /* saved as loaddata saves: as given    */
    const char *const *update_fields;   /* save(update_fields): NULL-terminated;
                                         * NULL for a full save                 */
    /* m2m_changed */
    const char *action;                 /* "pre_add", "post_add", "pre_remove",
                                         * "post_remove", "pre_clear", "post_clear" */
    bool reverse;                       /* sent from the reverse side (tag.books) */
    const dorm_model *model;            /* the model of the objects added/removed */
    const dorm_value *pk_set;           /* their primary keys (add: only those not
                                         * there yet); NULL for clear          */
    size_t npk;
    /* pre_migrate / post_migrate */
    const dorm_app *app;
    int verbosity;
    bool interactive;
} dorm_signal_event;

/* A receiver.  0 lets the operation go on; a negative dorm_error stops it
 * there, as an exception raised in a Django receiver does: a pre_save or
 * pre_delete receiver's error cancels the write (inside the write's
 * transaction, which is rolled back), a post_save's is returned after the
 * row was written.  dorm_signal_fail records the message. */
typedef int (*dorm_receiver_fn)(const dorm_signal_event *ev, void *payload);

/* A set of receivers.  Django's are process-wide; dorm keeps them in an
 * object the program creates and attaches to each connection that should
 * send them (one set may serve many connections, also in several threads,
 * as long as nobody connects or disconnects while another thread saves). */
typedef struct dorm_signals dorm_signals;
/* A new empty set, or NULL when out of memory. */
DORM_API dorm_signals *dorm_signals_new(void);
/* Frees the set (accepts NULL).  Detach it from its connections first. */
DORM_API void dorm_signals_free(dorm_signals *s);
/* Sends the signals of db's saves, deletes, many-to-many writes and
 * migrations to `s` (borrowed; NULL: none, the default). */
DORM_API void dorm_db_set_signals(dorm_db *db, dorm_signals *s);

/* signal.connect(receiver, sender=..., dispatch_uid=...): fn(ev, payload)
 * receives `signal` for `sender` (a model, a join model or an app, as in
 * dorm_signal_event; NULL: every sender).  A receiver is known by (fn,
 * payload), or by dispatch_uid when given; connecting one that is already
 * connected for that sender does nothing, so it runs once.  Receivers run
 * in the order they were connected.  0 or DORM_ENOMEM. */
DORM_API int dorm_signal_connect(dorm_signals *s, dorm_signal signal, const void *sender, dorm_receiver_fn fn, void *payload,
                        const char *dispatch_uid);
/* signal.disconnect(): removes the receiver connected with the same sender
 * and (fn, payload), or dispatch_uid when given.  Whether one was removed. */
DORM_API bool dorm_signal_disconnect(dorm_signals *s, dorm_signal signal, const void *sender, dorm_receiver_fn fn,
                            void *payload, const char *dispatch_uid);
/* signal.has_listeners(sender): whether a receiver would get `signal` for
 * that sender. */
DORM_API bool dorm_signal_has_listeners(const dorm_signals *s, dorm_signal signal, const void *sender);

/* For receivers: records `code` and a printf message on ev->cx and
 * returns code, so a receiver can end with
 * `return dorm_signal_fail(ev, DORM_EVALIDATION, "...")`. */
DORM_API int dorm_signal_fail(const dorm_signal_event *ev, int code, const char *fmt, ...);

#ifdef __cplusplus
}
#endif

#endif
