/* annotate.c - the QuerySet calls that add to what a query selects:
 * annotate() and alias() (aliases checked against DESIGN.md's allowlist;
 * values() QuerySets grouped by their columns, as Django's set_group_by),
 * only() and defer(). */
#include <string.h>

#include "query/query.h"

const dorm_ann *dorm_qs__annotation(const dorm_qs *qs, const char *alias, size_t n) {
    for (int i = 0; i < qs->nann; i++)
        if (strncmp(qs->ann[i].alias, alias, n) == 0 && qs->ann[i].alias[n] == '\0') return &qs->ann[i];
    return NULL;
}

/* Aliases name columns in SQL: identifier characters only (DESIGN.md's
 * allowlist), and no longer than the backend keeps a name, which it would
 * otherwise cut silently (PostgreSQL: 63 bytes). */
int dorm_alias__check(dorm_ctx *cx, const char *a) {
    if (!a) return dorm_ctx_fail(cx, DORM_EVALUE, "Complex annotations require an alias");
    size_t n = strlen(a);
    bool ok = n > 0 && ((a[0] >= 'A' && a[0] <= 'Z') || (a[0] >= 'a' && a[0] <= 'z') || a[0] == '_');
    for (size_t i = 1; ok && i < n; i++)
        ok =
            (a[i] >= 'A' && a[i] <= 'Z') || (a[i] >= 'a' && a[i] <= 'z') || (a[i] >= '0' && a[i] <= '9') || a[i] == '_';
    int max = cx->db->dialect->max_name_length ? cx->db->dialect->max_name_length : 200;
    if (ok && n <= (size_t)max) return DORM_OK;
    /* The alias as it may be shown: bytes that are not printable ASCII escaped. */
    dorm_buf shown = DORM_BUF_INIT;
    for (size_t i = 0; i < n && i < 80; i++) {
        unsigned char c = (unsigned char)a[i];
        if (c < 0x20 || c >= 0x7f || c == '\\')
            dorm_buf_printf(&shown, "\\x%02x", c);
        else
            dorm_buf_putc(&shown, (char)c);
    }
    if (n > 80) dorm_buf_puts(&shown, "...");
    int rc = ok ? dorm_ctx_fail(cx, DORM_EVALUE,
                                "Column alias '%s' is longer than %d characters, the longest name this "
                                "database keeps.",
                                shown.data ? shown.data : "", max)
                : dorm_ctx_fail(cx, DORM_EVALUE,
                                "Column alias '%s' is not allowed: an alias is a letter or underscore "
                                "followed by letters, digits and underscores.",
                                shown.data ? shown.data : "");
    dorm_buf_free(&shown);
    return rc;
}

void dorm_ann__describe(const dorm_qs *qs, dorm_ann *a) {
    a->field.name = a->alias;
    a->field.kind = dorm_read__kind(a->e->vkind);
    a->field.size = sizeof(dorm_decimal) > sizeof(dorm_uuid) ? sizeof(dorm_decimal) : sizeof(dorm_uuid);
    a->field.decimal_places = dorm_rexpr__read_places(a->e);
    a->field.null = true;
    a->fm.f = &a->field;
    a->fm.column = a->alias;
    a->fm.attname = a->alias;
    a->fm.value_kind = a->field.kind;
    a->fm.read_as = (uint8_t)dorm_rexpr__read_as(qs, a->e, &a->fm.zone);
}

bool dorm_ann__selected(const dorm_qs *qs, int i) {
    if (qs->mode == DORM_MODE_OBJECTS) return !qs->ann[i].hidden;
    for (int k = 0; k < qs->ncols; k++)
        if (qs->cols[k].ann == i + 1) return true;
    return false;
}

void dorm_cols__place(dorm_qs *qs) {
    dorm_col *cols = (dorm_col *)qs->cols;
    int pos = 0;
    for (int i = 0; i < qs->ncols; i++)
        if (!cols[i].ann) cols[i].pos = pos++;
    for (int a = 0; a < qs->nann; a++)
        for (int i = 0; i < qs->ncols; i++)
            if (cols[i].ann == a + 1) {
                cols[i].pos = pos++;
                break;
            }
}

/* Django's set_group_by at values().annotate(): the values() columns and
 * what the selected annotations group by. */
static int group_by_values(dorm_qs *c) {
    const dorm_rexpr **group = dorm_alloc(c->cx, sizeof *group * (size_t)(c->ncols + 1));
    if (!group) return DORM_ENOMEM;
    int n = 0;
    for (int i = 0; i < c->ncols; i++) {
        const dorm_col *col = &c->cols[i];
        if (col->ann) continue;
        if (!(group[n++] = col->expr ? col->expr : dorm_rexpr__col(c, col->alias, col->field))) return DORM_ENOMEM;
    }
    for (int a = 0; a < c->nann; a++)
        if (dorm_ann__selected(c, a)) group[n++] = c->ann[a].e;
    c->group = group;
    c->ngroup = n;
    return DORM_OK;
}

/* A values() QuerySet selects its new annotations after its columns. */
static int select_annotations(dorm_qs *c, int first) {
    dorm_col *cols = dorm_alloc(c->cx, sizeof *cols * (size_t)(c->ncols + c->nann - first));
    const char **names = dorm_alloc(c->cx, sizeof *names * (size_t)(c->ncols + c->nann - first + 1));
    if (!cols || !names) return DORM_ENOMEM;
    memcpy(cols, c->cols, sizeof *cols * (size_t)c->ncols);
    memcpy(names, c->col_names, sizeof *names * (size_t)c->ncols);
    int n = c->ncols;
    for (int a = first; a < c->nann; a++) {
        memset(&cols[n], 0, sizeof cols[n]);
        cols[n].ann = a + 1;
        cols[n].name = names[n] = c->ann[a].alias;
        cols[n].out = &c->ann[a].fm;
        n++;
    }
    names[n] = NULL;
    c->cols = cols;
    c->col_names = names;
    c->ncols = n;
    dorm_cols__place(c);
    return DORM_OK;
}

/* Whether `alias` clashes with what the QuerySet already names: the
 * model's fields and relations, or a values() QuerySet's columns (Django
 * checks _fields then), and its annotations. */
static bool clashes(const dorm_qs *c, const char *alias) {
    if (dorm_qs__annotation(c, alias, strlen(alias))) return true;
    if (c->mode == DORM_MODE_OBJECTS)
        return dorm_meta__field(c->meta, alias) || dorm_meta__reverse(c->meta, alias, strlen(alias));
    for (int i = 0; i < c->ncols; i++)
        if (strcmp(c->cols[i].name, alias) == 0) return true;
    return false;
}

static dorm_qs *annotate(dorm_qs *qs, const dorm_named *const *anns, bool hidden) {
    if (!qs || qs->err) return qs;
    dorm_qs *c = dorm_qs__clone(qs);
    if (!c) return NULL;
    if (dorm_qs__combined_refuse(c, hidden ? "alias" : "annotate")) return c;
    if (c->low > 0 || c->high >= 0)
        return dorm_qs__fail(c, DORM_EVALUE, "Cannot %s a query once a slice has been taken.",
                             hidden ? "alias" : "annotate");
    size_t n = 0;
    while (anns && anns[n]) n++;
    dorm_ann *all = dorm_alloc(c->cx, sizeof(dorm_ann) * ((size_t)c->nann + n + 1));
    if (!all) return dorm_qs__fail(c, DORM_ENOMEM, "out of memory");
    if (c->nann) memcpy(all, c->ann, sizeof(dorm_ann) * (size_t)c->nann);
    int first = c->nann;
    bool aggregates = false;
    for (size_t i = 0; i < n; i++) {
        const char *alias = anns[i]->alias ? anns[i]->alias : dorm_default__alias(c->cx, anns[i]->expr);
        if (dorm_alias__check(c->cx, alias)) return dorm_qs__fail(c, DORM_EVALUE, "%s", dorm_errmsg(c->cx));
        if (clashes(c, alias))
            return dorm_qs__fail(c, DORM_EVALUE, "The annotation '%s' conflicts with a field on the model.", alias);
        dorm_ann *a = &all[c->nann];
        memset(a, 0, sizeof *a);
        a->hidden = hidden;
        if (!(a->alias = dorm_strdup(c->cx, alias))) return dorm_qs__fail(c, DORM_ENOMEM, "out of memory");
        int err = dorm_expr__resolve(c, anns[i]->expr, &a->e);
        if (!err) err = dorm_rexpr__output(c, a->e);
        /* An allocation that failed in resolving leaves c unfailed: without
         * its annotation, c would count other rows. */
        if (err) return c->err ? c : dorm_qs__fail(c, err, "%s", dorm_errmsg(c->cx));
        if (!(a->e = dorm_rexpr__typed(c, a->e))) return dorm_qs__fail(c, DORM_ENOMEM, "out of memory");
        dorm_ann__describe(c, a);
        c->nann++;
        c->ann = all;
        aggregates = aggregates || a->e->aggregate;
    }
    int rc = DORM_OK;
    if (c->mode != DORM_MODE_OBJECTS && !hidden) rc = select_annotations(c, first);
    if (aggregates) {
        c->group_by = true;
        if (!rc && c->mode != DORM_MODE_OBJECTS) rc = group_by_values(c);
    }
    return rc ? dorm_qs__fail(c, rc, "out of memory") : c;
}

dorm_qs *dorm_qs_annotate(dorm_qs *qs, const dorm_named *const *anns) { return annotate(qs, anns, false); }
dorm_qs *dorm_qs_alias(dorm_qs *qs, const dorm_named *const *anns) { return annotate(qs, anns, true); }

static dorm_qs *load_fields(dorm_qs *qs, const char *const *fields, bool only) {
    if (!qs || qs->err) return qs;
    dorm_qs *c = dorm_qs__clone(qs);
    if (!c) return NULL;
    if (dorm_qs__combined_refuse(c, only ? "only" : "defer")) return c;
    uint64_t named = 0;
    for (size_t i = 0; fields && fields[i]; i++) {
        const dorm_fmeta *fm = strcmp(fields[i], "pk") == 0 ? c->meta->pk : dorm_meta__field(c->meta, fields[i]);
        if (!fm) return dorm_qs__fail(c, DORM_EFIELD, "%s has no field named '%s'", c->meta->model->name, fields[i]);
        for (int k = 0; k < fm->nparts; k++) named |= (uint64_t)1 << fm->parts[k]->index;
        if (!dorm_fmeta_composite(fm)) named |= (uint64_t)1 << fm->index;
    }
    uint64_t all = c->meta->nfields >= 64 ? ~(uint64_t)0 : (((uint64_t)1 << c->meta->nfields) - 1);
    /* defer() adds to what is deferred; only() replaces an earlier only() but
     * keeps fields an earlier defer() left out (Django). */
    if (only) {
        c->deferred = (all & ~named) | (c->only_mode ? 0 : c->deferred);
        c->only_mode = true;
    } else {
        c->deferred |= named;
    }
    /* The key is always loaded (a composite one: each part). */
    const dorm_fmeta *pk = c->meta->pk;
    for (int k = 0; k < pk->nparts; k++) c->deferred &= ~((uint64_t)1 << pk->parts[k]->index);
    if (!dorm_fmeta_composite(pk)) c->deferred &= ~((uint64_t)1 << pk->index);
    return c;
}

dorm_qs *dorm_qs_only(dorm_qs *qs, const char *const *fields) { return load_fields(qs, fields, true); }
dorm_qs *dorm_qs_defer(dorm_qs *qs, const char *const *fields) { return load_fields(qs, fields, false); }
