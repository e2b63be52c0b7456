/* composite.c - Django 5.2's CompositePrimaryKey in the registry: the key
 * of a model declared with DORM_COMPOSITE_PK, a field of no column whose
 * parts are the model's fields it names. */
#include <string.h>

#include "model/meta.h"

int dorm_composite__link(dorm_registry *reg, dorm_meta *m) {
    const dorm_field *entry = NULL;
    for (const dorm_field *f = m->table; f && f->name; f++)
        if (f->kind == DORM_KIND_COMPOSITE && !entry) entry = f;
    if (!entry) return DORM_OK;
    int n = 0;
    while (entry->pk_fields && entry->pk_fields[n]) n++;
    dorm_fmeta *pk = dorm_arena__calloc(&reg->arena, sizeof *pk);
    const dorm_fmeta **parts = dorm_arena__calloc(&reg->arena, sizeof *parts * (size_t)(n ? n : 1));
    if (!pk || !parts) return DORM_ENOMEM;
    for (int i = 0; i < n; i++) parts[i] = dorm_meta__field(m, entry->pk_fields[i]);
    pk->f = entry;
    pk->owner = m;
    pk->attname = entry->name;
    pk->value_kind = DORM_KIND_COMPOSITE;
    pk->parts = parts;
    /* A key of one field is refused by the checks; it stays a composite. */
    pk->nparts = n ? n : 1;
    m->pk = pk;
    return DORM_OK;
}
