/* custom.h - field types of the program's own (see custom.c). */
#ifndef DORM_MODEL_CUSTOM_H
#define DORM_MODEL_CUSTOM_H

#include "model/fields.h"

/* For a DORM_KIND_CUSTOM field: fm->storage, a field of the type's internal
 * kind describing the column, and fm->value_kind.  0 or DORM_ENOMEM. */
int dorm_custom__storage(dorm_arena *a, dorm_fmeta *fm);
/* Django's class name of a field ("CharField"; a custom type's name). */
const char *dorm_field__class(const dorm_field *f);
/* The check id and message (into msg) of what is wrong with a custom
 * field's type, or NULL. */
const char *dorm_field__type_check(const dorm_field *f, char *msg, size_t n);
/* The column type a custom field has on `vendor`, or NULL for its internal
 * kind's. */
const char *dorm_custom__db_type(const dorm_field *f, const char *vendor);
/* to_db of a non-NULL custom field's member (DORM_T_NONE with DORM_ENOMEM
 * recorded on cx when it failed). */
dorm_value dorm_custom__to_db(const dorm_fmeta *fm, const void *member, dorm_ctx *cx);
/* from_db of a non-NULL value of the internal kind (or a DORM_T_CUSTOM
 * member, copied) into the member: 0 or an error recorded on cx. */
int dorm_custom__from_db(const dorm_fmeta *fm, const dorm_value *v, void *member, dorm_ctx *cx);
/* The field type named `name` among the apps' field_types and the types
 * their models use, or NULL. */
const dorm_field_type *dorm_field__type_find(const dorm_app *const *apps, const char *name);

#endif
