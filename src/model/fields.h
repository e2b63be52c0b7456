/* fields.h - reading and writing a model object's fields as values, and
 * Django's field defaults.  No database involved. */
#ifndef DORM_MODEL_FIELDS_H
#define DORM_MODEL_FIELDS_H

#include "model/meta.h"

/* The value held by member storage `p` of field fm (not NULL-aware). */
dorm_value dorm_member_value(const dorm_fmeta *fm, const void *p);
/* The value a field of an object holds, as the database stores it: NULL when
 * its null bit is set, its text pointer is NULL or its date is zero. */
dorm_value dorm_field_get(const void *obj, const dorm_fmeta *fm);
/* Sets a field of an object from a value already prepared for its kind (NULL
 * sets the null bit).  Text and bytes are borrowed.  0 or DORM_EVALUE. */
int dorm_field_set(void *obj, const dorm_fmeta *fm, const dorm_value *v);
/* The field's default (Django's Field.get_default): default_fn(), else
 * default_value, else NULL for null=True, "" for text, else zero. */
dorm_value dorm_field_default(const dorm_fmeta *fm);
/* Whether the field declares a default of its own. */
bool dorm_field_has_default(const dorm_fmeta *fm);
/* Whether the member holds its zero value (0, NULL, zero date...). */
bool dorm_member_is_zero(const void *obj, const dorm_fmeta *fm);
/* The primary key of an object, and whether it is set. */
dorm_value dorm_pk_value(const void *obj);
bool dorm_pk_is_set(const void *obj);
/* The cached related object of a ForeignKey member (DORM_FK / DORM_FK_TO):
 * the pointer after the key, which is an int64_t, a string or a dorm_uuid. */
static inline void **dorm_fk_cache(void *member, const dorm_fmeta *fm) {
    size_t key = fm->f->uuid_key ? sizeof(dorm_uuid) : fm->f->text_key ? sizeof(char *) : sizeof(int64_t);
    size_t align = _Alignof(void *);
    return (void **)((char *)member + (key + align - 1) / align * align);
}
/* The bytes a key value (integer, text or UUID) is hashed by: the text of a
 * text key, else the value's own storage, so that a map keyed by them must
 * not outlive *v. */
const void *dorm_key_bytes(const dorm_value *v, size_t *len);
/* Initialises the DORM_OBJECT header of a new object. */
void dorm_object_init(void *obj, const dorm_meta *m, struct dorm_ctx *cx, uint32_t flags);

#endif
