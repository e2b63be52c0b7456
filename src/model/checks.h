/* checks.h - Django's system checks for the models of a registry: the
 * entry point, and what the files of checks share (checks*.c). */
#ifndef DORM_MODEL_CHECKS_H
#define DORM_MODEL_CHECKS_H

#include "model/meta.h"

/* Runs every check, appending messages to reg->messages and setting reg->err
 * to DORM_ECONFIG when one is an error.  DORM_OK or DORM_ENOMEM. */
int dorm_checks__run(dorm_registry *reg);

/* The messages of one run. */
typedef struct dorm_checker {
    dorm_registry *reg;
    dorm_buf out;
    int errors;
    int clashes; /* the name clashes reported (models.E004, E006, ...) */
} dorm_checker;

/* A message "<where>: (<id>) <text>" on a line of its own. */
void dorm_checks__report(dorm_checker *c, const char *where, const char *id, const char *fmt, ...);
/* The hint of the message just reported, on the next line ("\tHINT: ..."). */
void dorm_checks__hint(dorm_checker *c, const char *fmt, ...);

/* checks_fields.c: a field's checks of FileField, BinaryField and AutoField
 * options; `where` is "<label>.<field>". */
void dorm_checks__field(dorm_checker *c, const dorm_fmeta *fm, const char *where);
/* Whether unique_together or a UniqueConstraint of m makes the field
 * `name` unique alone (Django's _check_unique_target). */
bool dorm_checks__unique_alone(const dorm_meta *m, const char *name);
/* ... a ManyToManyField's: unique, and the keys of its through model. */
void dorm_checks__m2m(dorm_checker *c, const dorm_meta *m, const dorm_field *f, const char *where);

/* The join model of m's ManyToManyField f (its through model, or the
 * automatic one); NULL when there is none. */
const dorm_meta *dorm_checks__join_model(const dorm_registry *reg, const dorm_meta *m, const dorm_field *f);

/* checks_database.c: the checks that depend on the database (Django's
 * `check --database`), for a backend whose identifiers are at most
 * max_name_length long (0: no limit); `alias` names the database in the
 * messages.  Appends to reg->messages, setting reg->err on an error.
 * DORM_OK or DORM_ENOMEM. */
int dorm_checks__database(dorm_registry *reg, int max_name_length, const char *alias);

/* checks_options.c: the model's Meta options (index names, many-to-manys
 * through one model). */
void dorm_checks__options(dorm_checker *c, const dorm_meta *m);
/* The fields a CheckConstraint's condition names (Django's references
 * of _check_constraints): their first parts, "pk" aside, each once. */
#define DORM_CHECK_REFS_MAX 32
typedef struct dorm_check_refs {
    int n;
    const char *names[DORM_CHECK_REFS_MAX + 1]; /* NULL-terminated */
    char text[DORM_CHECK_REFS_MAX][128];
} dorm_check_refs;
/* Adds the names of condition q to refs, reporting each path that joins
 * through a key (models.E041). */
void dorm_checks__check_refs(dorm_checker *c, const dorm_meta *m, const struct dorm_q *q, dorm_check_refs *refs);
/* ... names every model shares: index and constraint names, join tables. */
void dorm_checks__names(dorm_checker *c);

#endif
