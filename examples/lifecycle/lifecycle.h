/* lifecycle.h - what the sections of the lifecycle example share: the
 * context they run in, the objects one section leaves to the next, and
 * the script's small helpers (names(), errors_of(), ...). */
#ifndef LIFECYCLE_H
#define LIFECYCLE_H

#include <stdbool.h>

#include "models.h"

/* The run: the context on both databases, the signal receivers of its
 * connections, and the persons later sections write with. */
typedef struct lifecycle {
    dorm_ctx *cx;
    dorm_databases *dbs;
    dorm_signals *signals;
    Person *finn, *bob;
} lifecycle;

/* Ends the program with the context's error when a call failed. */
void check(dorm_ctx *cx, bool ok);
/* The objects of a QuerySet / raw query and the rows of a values()
 * QuerySet, NULL-terminated; a failure ends the program (check). */
void **objects(dorm_qs *qs);
void **raw_objects(dorm_ctx *cx, dorm_raw *r);
const dorm_row **rows_of(dorm_qs *qs);
/* DORM_EACH, DORM_EACH_RAW and DORM_EACH_ROW through those. */
#define EACH(T, var, qs) for (T **var##_it_ = (T **)objects(qs), *var; (var = *var##_it_) != NULL; var##_it_++)
#define EACH_RAW(T, var, cx, r) \
    for (T **var##_it_ = (T **)raw_objects((cx), (r)), *var; (var = *var##_it_) != NULL; var##_it_++)
#define EACH_ROW(var, qs) for (const dorm_row **var##_it_ = rows_of(qs), *var; (var = *var##_it_) != NULL; var##_it_++)
/* Python's str() of a bool. */
const char *py_bool(bool b);
/* names(qs): ", ".join(str(o) for o in qs) or "-" (the arena). */
const char *names(dorm_qs *qs);
/* The same for objects already fetched. */
const char *names_of(dorm_ctx *cx, void *const *objs, size_t n);
/* "2 (lifecycle.Person: 1, lifecycle.Staff: 1)": a delete's count and
 * its counts per model, sorted (the arena). */
const char *deleted_text(dorm_ctx *cx, const dorm_deleted *d);
/* errors_of(e): "  field: msg | msg" lines, fields sorted. */
void print_errors(const dorm_verrors *e);
/* The fields of a validation's errors, sorted, NULL-terminated (arena). */
const char **error_fields(const dorm_verrors *e);
/* ", "-joined balances of every account, by name (the script's balances()). */
const char *balances(dorm_ctx *cx);
/* The lifecycle tables of an alias, sorted, ", "-joined, or "-". */
const char *lifecycle_tables(dorm_ctx *cx, const char *alias);

/* The sections of the script, in its order. */
void inheritance_sections(lifecycle *run);
void manager_sections(lifecycle *run);
void signal_section(lifecycle *run);
void validation_sections(lifecycle *run);
void transaction_sections(lifecycle *run);
void raw_sections(lifecycle *run);
void database_sections(lifecycle *run);
void custom_field_section(lifecycle *run);
void pagination_section(lifecycle *run);
void debugging_section(lifecycle *run);

#endif
