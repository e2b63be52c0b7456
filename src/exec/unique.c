/* unique.c - validate_unique(): Django's unique checks of an object, in
 * Django's order (unique_together, the UniqueConstraints, then each unique
 * field, the primary key of a new object included), each one query through
 * the model's default manager, with Django's messages ("Membership with
 * this City and Card no already exists."). */
#include <ctype.h>
#include <string.h>

#include "exec/exec.h"

static bool excluded(const char *const *exclude, const char *name) {
    for (size_t i = 0; exclude && exclude[i]; i++)
        if (strcmp(exclude[i], name) == 0) return true;
    return false;
}

/* capfirst(field.verbose_name): the field's verbose name, or its name with
 * spaces for underscores, first letter upper case. */
static void field_label(dorm_buf *b, const dorm_field *f) {
    size_t start = b->len;
    /* Django's automatic key is verbose_name "ID"; dorm's are declared. */
    if (!f->verbose_name && dorm_kind__is_auto(f->kind) && strcmp(f->name, "id") == 0)
        dorm_buf_puts(b, "ID");
    else if (f->verbose_name)
        dorm_buf_puts(b, f->verbose_name);
    else
        for (const char *p = f->name; *p; p++) dorm_buf_putc(b, *p == '_' ? ' ' : *p);
    if (!b->failed && b->len > start) b->data[start] = (char)toupper((unsigned char)b->data[start]);
}

/* The error of a check that found a clash. */
static int clash(dorm_verrors *errs, const dorm_meta *m, const dorm_fmeta *const *fms, size_t n) {
    dorm_buf b = DORM_BUF_INIT;
    dorm_buf_putc(&b, (char)toupper((unsigned char)m->verbose_name[0]));
    dorm_buf_puts(&b, m->verbose_name + (m->verbose_name[0] != '\0'));
    dorm_buf_puts(&b, " with this ");
    /* get_text_list(labels, "and"): "A, B and C". */
    for (size_t i = 0; i < n; i++) {
        if (i) dorm_buf_puts(&b, i == n - 1 ? " and " : ", ");
        field_label(&b, fms[i]->f);
    }
    dorm_buf_puts(&b, " already exists.");
    int rc = b.failed
        ? DORM_ENOMEM
        : dorm_verror_add(errs, n == 1 ? fms[0]->f->name : NULL, n == 1 ? "unique" : "unique_together", "%s", b.data);
    dorm_buf_free(&b);
    return rc;
}

/* One check over the fields `names` (n of them); skipped when a field is
 * excluded or unknown, holds NULL, or is the primary key of a saved object
 * (Django's _perform_unique_checks). */
static int check(void *obj, const char *const *names, size_t n, const char *const *exclude, dorm_verrors *errs) {
    dorm_object *h = obj;
    const dorm_meta *m = h->meta;
    bool adding = h->flags & DORM_OBJ_ADDING;
    const dorm_fmeta *fms[16];
    dorm_q conds[16];
    const dorm_q *list[17];
    if (n == 0 || n > 16) return DORM_OK;
    for (size_t i = 0; i < n; i++) {
        const dorm_fmeta *fm = excluded(exclude, names[i]) ? NULL : dorm_meta__field(m, names[i]);
        if (!fm) return DORM_OK;
        dorm_value v = dorm_field__get(obj, fm);
        if (v.type == DORM_T_NULL || (fm == m->pk && (!adding || !dorm_pk__is_set(obj)))) return DORM_OK;
        fms[i] = fm;
        conds[i] = (dorm_q){DORM_Q_LEAF, fm->f->name, v, NULL};
        list[i] = &conds[i];
    }
    list[n] = NULL;
    dorm_qs *qs = dorm_qs_filter(dorm_qs_default(h->cx, m->model), list);
    if (!adding && dorm_pk__is_set(obj))
        qs = dorm_qs_exclude(
            qs, (const dorm_q *const[]){&(const dorm_q){DORM_Q_LEAF, "pk", dorm_pk__value(obj), NULL}, NULL});
    int found = dorm_exists(qs);
    if (found < 0) return found;
    return found ? clash(errs, m, fms, n) : DORM_OK;
}

static size_t count(const char *const *l) {
    size_t n = 0;
    while (l && l[n]) n++;
    return n;
}

int dorm_unique__check(void *obj, const char *const *exclude, dorm_verrors *errs) {
    const dorm_meta *m = dorm_meta_of_obj(obj);
    int rc = DORM_OK;
    /* A multi-table child's parents' rules hold too (Django's
     * _get_unique_checks walks the parents). */
    for (const dorm_meta *a = m; a; a = a->parent) {
        for (size_t i = 0; !rc && a->unique_together && a->unique_together[i]; i++)
            rc = check(obj, a->unique_together[i], count(a->unique_together[i]), exclude, errs);
        for (const dorm_constraint *k = a->constraints; !rc && k && k->kind; k++)
            if (k->kind == DORM_CONSTRAINT_UNIQUE) rc = check(obj, k->fields, count(k->fields), exclude, errs);
    }
    for (int i = 0; !rc && i < m->nfields; i++) {
        const dorm_field *f = m->fields[i].f;
        if (f->unique || f->primary_key) rc = check(obj, &f->name, 1, exclude, errs);
    }
    /* A composite key is unique together (Django 5.2's unique check of it). */
    if (!rc && dorm_fmeta_composite(m->pk) && m->pk->nparts <= 16) {
        const char *names[16];
        for (int i = 0; i < m->pk->nparts; i++) names[i] = m->pk->parts[i]->f->name;
        rc = check(obj, names, (size_t)m->pk->nparts, exclude, errs);
    }
    return rc;
}
