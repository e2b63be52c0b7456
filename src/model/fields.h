/* fields.h - reading and writing a model object's fields as values, and
 * Django's field defaults.  No database involved. */
#ifndef DORM_MODEL_FIELDS_H
#define DORM_MODEL_FIELDS_H

#include "model/meta.h"

/* The value held by member storage `p` of field fm (not NULL-aware; a
 * custom field's member as a DORM_T_CUSTOM value). */
dorm_value dorm_member__value(const dorm_fmeta *fm, const void *p);
/* The value a field of an object holds, as the database stores it: NULL when
 * its null bit is set, its text pointer is NULL or its date is zero; a
 * custom field's to_db value. */
dorm_value dorm_field__get(const void *obj, const dorm_fmeta *fm);
/* Sets a field of an object from a value already prepared for its kind (NULL
 * sets the null bit; a custom field takes a value of its internal kind,
 * through from_db, or a DORM_T_CUSTOM member).  Text and bytes are
 * borrowed.  0 or DORM_EVALUE. */
int dorm_field__set(void *obj, const dorm_fmeta *fm, const dorm_value *v);
/* The field's default (Django's Field.get_default): default_fn(), else
 * default_value, else NULL for null=True, "" for text, else zero. */
dorm_value dorm_field__default(const dorm_fmeta *fm);
/* Whether the field declares a default of its own. */
bool dorm_field__has_default(const dorm_fmeta *fm);
/* Whether the member holds its zero value (0, NULL, zero date...). */
bool dorm_member__is_zero(const void *obj, const dorm_fmeta *fm);
/* The primary key of an object, and whether it is set.  A composite key's
 * value is the list of its parts' values (in the object's arena; a NONE
 * value when out of memory), set when none of them is NULL. */
dorm_value dorm_pk__value(const void *obj);
bool dorm_pk__is_set(const void *obj);
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
const void *dorm_key__bytes(const dorm_value *v, size_t *len);
/* The field of model m that stands for fm, a field of a model whose
 * fields m's begin with (a multi-table parent, the model a proxy stands
 * for): the one at fm's index, which is at its place in m's struct. */
static inline const dorm_fmeta *dorm_field_in(const dorm_meta *m, const dorm_fmeta *fm) {
    return fm->owner == m || fm->index >= m->nfields ? fm : &m->fields[fm->index];
}
/* A multi-table child's parent part as an object of the parent (the
 * struct the child embeds, its header set from the child's): Django's
 * child.<parent>_ptr, built without a query.  NULL for a model without a
 * concrete parent. */
void *dorm_parent__view(void *obj);
/* The bytes a key is known by in hash maps: dorm_key__bytes, and for a
 * composite key's list its parts' bytes, each after its length, in cx's
 * arena (NULL on ENOMEM). */
const void *dorm_key__blob(struct dorm_ctx *cx, const dorm_value *v, size_t *len);
/* Initialises the DORM_OBJECT header of a new object. */
void dorm_object__init(void *obj, const dorm_meta *m, struct dorm_ctx *cx, uint32_t flags);

#endif
