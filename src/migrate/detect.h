/* detect.h - what the two halves of the change passes share: detect.c
 * (models created, deleted, renamed) and detect_kept.c (what changed in
 * the models kept): the pass's state, dependencies and the operations
 * they add. */
#ifndef DORM_MIGRATE_DETECT_H
#define DORM_MIGRATE_DETECT_H

#include "migrate/autodetect.h"

/* A list of models sorted by (app, lowercase name), as Django's keys. */
typedef struct dorm_models {
    int n;
    dorm_mstate **m;
} dorm_models;

/* An old model and what it is now (kept models, renamed ones too). */
typedef struct dorm_kept {
    dorm_mstate *a, *b;
    const char *model; /* b's name in lowercase: the operations' model_name */
} dorm_kept;

typedef struct dorm_renamed {
    const char *app, *model, *new_name, *old_name; /* model: lowercase for fields, NULL for dorm_models */
} dorm_renamed;

typedef struct dorm_pass {
    dorm_detector *d;
    dorm_ctx *cx;
    dorm_models old_models, old_proxies, new_models, new_proxies;
    bool *consumed; /* old_models[i] was dorm_renamed */
    dorm_renamed *rm, *rf; /* renamed models, renamed fields */
    int nrm, nrf;
    dorm_kept *kept, *kept_all; /* kept models; kept models and proxies */
    int nkept, nkept_all;
} dorm_pass;

/* The dependencies of the operation being made (dorm_mem__ heap). */
typedef struct dorm_deps {
    dorm_dep *d;
    int n, cap;
} dorm_deps;

/* Records rc on the detector (DORM_ENOMEM with its message); false. */
bool dorm_detect__fail(dorm_pass *p, int rc);
void dorm_detect__dep(dorm_pass *p, dorm_deps *l, const char *app, const char *model, const char *field,
                      dorm_dep_kind kind);
/* Django's _get_dependencies_for_foreign_key: the target and the through
 * model created. */
void dorm_detect__dep_relation(dorm_pass *p, dorm_deps *l, const dorm_fstate *f);
/* Django's add_operation: a new operation of `app` at the end (or at the
 * beginning) taking the dependencies of l (which it empties; l may be
 * NULL); NULL on failure.  The pointer lasts until the next one. */
dorm_op *dorm_detect__emit(dorm_pass *p, const char *app, dorm_op_kind kind, const char *model, dorm_deps *l,
                           bool beginning);
/* A field's definition as the autodetector compares it: its JSON without
 * its name (and target), as Django's deconstruction; NULL on failure. */
const char *dorm_detect__definition(dorm_pass *p, dorm_fstate f, bool without_to);
bool dorm_detect__same_def(const char *a, const char *b);
/* The indices of m's fields sorted by name (NULL when it has none). */
int *dorm_detect__sorted_fields(dorm_pass *p, const dorm_mstate *m);
/* AddIndex of a named index (DORM_EVALUE otherwise). */
void dorm_detect__add_index(dorm_pass *p, const char *app, const char *model, const dorm_index *ix, dorm_deps *l);
/* A new entry at the end of a list of renames (cx's arena). */
dorm_renamed *dorm_detect__renamed(dorm_pass *p, dorm_renamed **l, int *n);
/* The passes over kept models, in Django's order (detect_kept.c). */
void dorm_detect__kept(dorm_pass *p);

#endif
