/* state.h - the migration state (Django's ProjectState): every model as
 * migrations describe it, built from migration files or from the compiled
 * models, and rendered into a registry of its own for DDL; and the
 * operations that change it. */
#ifndef DORM_MIGRATE_STATE_H
#define DORM_MIGRATE_STATE_H

#include "dorm.h"
#include "core/arena.h"
#include "model/meta.h"

/* A field as a migration describes it: the dorm_field without pointers, its
 * relations named by lowercase label ("library.author"). */
typedef struct dorm_fstate {
    dorm_field f;
    const char *to;
    const char *through;
    bool default_callable; /* the model's default is a C function */
    bool default_now; /* the default is the current time (a one-off
                                * "timezone.now" answer for auto_now_add)  */
} dorm_fstate;

/* A model (Django's ModelState): fields in order and the Meta options. */
typedef struct dorm_mstate {
    const char *app;
    const char *name; /* "Book" */
    int nfields;
    dorm_fstate *fields;
    const char *db_table; /* NULL: "<app>_<model>" */
    const char *const *ordering;
    const dorm_index *indexes;
    const char *const *const *unique_together;
    const dorm_constraint *constraints;
    const char *verbose_name;
    const char *verbose_name_plural;
    const char *get_latest_by;
    const char *const *bases; /* CreateModel's bases: the concrete parent
                                * ("lifecycle.person"); NULL: models.Model */
    bool proxy; /* Meta.proxy: no table of its own          */
} dorm_mstate;

typedef struct dorm_state {
    dorm_arena arena;
    int n;
    dorm_mstate **models;
    bool failed; /* an allocation failed: the state is incomplete */
} dorm_state;

dorm_state *dorm_state__new(void);
void dorm_state__free(dorm_state *st);
/* A deep copy (new arena). */
dorm_state *dorm_state__clone(const dorm_state *st);
/* The state of a registry's models (automatic join models left out). */
dorm_state *dorm_state__of_registry(const dorm_registry *reg);
/* Whether two names match ignoring ASCII case. */
bool dorm_same__name(const char *a, const char *b);
/* A model by app label and name (any case), or NULL. */
dorm_mstate *dorm_state__model(const dorm_state *st, const char *app, const char *name);
/* The index of a field of m by name, or -1. */
int dorm_mstate__field(const dorm_mstate *m, const char *name);
/* Copies of values into the state's arena; a copy that fails sets
 * st->failed, which the calls below return as DORM_ENOMEM. */
const char *dorm_state__str(dorm_state *st, const char *s);
dorm_mstate *dorm_state__add(dorm_state *st, const dorm_mstate *m);
void dorm_state__remove(dorm_state *st, const dorm_mstate *m);
/* Copies a field / a model into the state's arena (deep). */
int dorm_state__copy_field(dorm_state *st, dorm_fstate *dst, const dorm_fstate *src);
int dorm_state__copy_model(dorm_state *st, dorm_mstate *dst, const dorm_mstate *src);
/* "library.author" */
const char *dorm_mstate__label(dorm_state *st, const dorm_mstate *m);
/* The table of a model state. */
const char *dorm_mstate__table(dorm_state *st, const dorm_mstate *m);

/* A state rendered as models in a registry of its own. */
typedef struct dorm_rendered {
    dorm_arena arena;
    dorm_registry *reg;
    const dorm_state *st;
    dorm_model **models; /* parallel to st->models */
} dorm_rendered;

/* 0, or DORM_ECONFIG with the system-check messages in *msg (arena of r). */
int dorm_state__render(const dorm_state *st, dorm_rendered *r, const char **msg);
void dorm_rendered__free(dorm_rendered *r);
/* The meta of model state m in r, or NULL. */
const dorm_meta *dorm_rendered__meta(const dorm_rendered *r, const dorm_mstate *m);

#endif
