/* lock.c - select_for_update(): the QuerySet call and its FOR UPDATE clause,
 * spelled as Django's for_update_sql where the dialect has row locks, and
 * checked as Django's compiler checks it (in a transaction, options the
 * backend offers, `of` naming the query's own tables). */
#include <string.h>

#include "core/opts.h"
#include "query/compiler.h"

dorm_qs *dorm_select_for_update_with_(dorm_qs *qs, const dorm_lock_opts *opts, size_t opts_size) {
    dorm_lock_opts opts_copy_;
    opts = dorm_opts__read(&opts_copy_, sizeof opts_copy_, opts, opts_size);
    if (!qs || qs->err) return qs;
    dorm_lock_opts o = opts ? *opts : (dorm_lock_opts){0};
    dorm_qs *c = dorm_qs__clone(qs);
    if (!c) return NULL;
    if (o.nowait && o.skip_locked)
        return dorm_qs__fail(c, DORM_EVALUE, "The nowait option cannot be used with skip_locked.");
    dorm_lock_opts *lock = dorm_alloc(qs->cx, sizeof *lock);
    if (!lock) return dorm_qs__fail(c, DORM_ENOMEM, "out of memory");
    size_t n = 0;
    while (o.of && o.of[n]) n++;
    if (n) {
        const char **of = dorm_alloc(qs->cx, sizeof *of * (n + 1));
        if (!of) return dorm_qs__fail(c, DORM_ENOMEM, "out of memory");
        for (size_t i = 0; i < n; i++)
            if (!(of[i] = dorm_strdup(qs->cx, o.of[i]))) return dorm_qs__fail(c, DORM_ENOMEM, "out of memory");
        of[n] = NULL;
        o.of = of;
    } else {
        o.of = NULL;
    }
    *lock = o;
    c->lock = lock;
    return c;
}

dorm_qs *dorm_select_for_update(dorm_qs *qs) { return dorm_select_for_update_with(qs, NULL); }

/* The "a__b" path of a select_related entry (1-based index), into b. */
static void selrel_path(dorm_buf *b, const dorm_qs *qs, int index) {
    const dorm_selrel *sr = &qs->selrel[index - 1];
    if (sr->parent) {
        selrel_path(b, qs, sr->parent);
        dorm_buf_puts(b, "__");
    }
    dorm_buf_puts(b, sr->rel ? sr->rel->query_name : sr->fk->f->name);
}

static int depth_of(const dorm_qs *qs, int index) {
    int d = 0;
    for (; index; index = qs->selrel[index - 1].parent) d++;
    return d;
}

/* The alias an `of` name locks: "self" the base table, else a followed
 * select_related path; NULL when it names none of them. */
static const char *of_alias(const dorm_qs *qs, const char *name, dorm_buf *tmp) {
    if (strcmp(name, "self") == 0) return dorm_alias__name(qs, 0);
    for (int i = 1; i <= qs->nselrel; i++) {
        dorm_buf_reset(tmp);
        selrel_path(tmp, qs, i);
        if (tmp->data && strcmp(tmp->data, name) == 0) return dorm_alias__name(qs, qs->selrel[i - 1].alias);
    }
    return NULL;
}

/* Django's FieldError naming the bad names and the choices, breadth first. */
static int invalid_of(const dorm_qs *qs, const dorm_buf *bad) {
    dorm_buf choices = DORM_BUF_INIT, tmp = DORM_BUF_INIT;
    dorm_buf_puts(&choices, "self");
    for (int depth = 1; depth <= qs->nselrel; depth++)
        for (int i = 1; i <= qs->nselrel; i++) {
            if (depth_of(qs, i) != depth) continue;
            dorm_buf_reset(&tmp);
            selrel_path(&tmp, qs, i);
            dorm_buf_printf(&choices, ", %s", tmp.data ? tmp.data : "");
        }
    int rc = choices.failed || bad->failed
        ? dorm_ctx_fail(qs->cx, DORM_ENOMEM, "out of memory")
        : dorm_ctx_fail(qs->cx, DORM_EFIELD,
                        "Invalid field name(s) given in select_for_update(of=(...)): %s. Only relational fields "
                        "followed in the query are allowed. Choices are: %s.",
                        bad->data, choices.data);
    dorm_buf_free(&choices);
    dorm_buf_free(&tmp);
    return rc;
}

static int of_clause(dorm_sql *s, const dorm_qs *qs) {
    dorm_buf bad = DORM_BUF_INIT, tmp = DORM_BUF_INIT;
    bool first = true;
    for (size_t i = 0; qs->lock->of[i]; i++) {
        const char *alias = of_alias(qs, qs->lock->of[i], &tmp);
        if (!alias) {
            dorm_buf_printf(&bad, "%s%s", bad.len ? ", " : "", qs->lock->of[i]);
            continue;
        }
        dorm_buf_puts(&s->text, first ? " OF " : ", ");
        dorm_sql__alias(s, alias);
        first = false;
    }
    int rc = bad.len ? invalid_of(qs, &bad) : DORM_OK;
    dorm_buf_free(&bad);
    dorm_buf_free(&tmp);
    return rc;
}

int dorm_lock__sql(dorm_sql *s, const dorm_qs *qs) {
    const dorm_lock_opts *o = qs->lock;
    unsigned has = s->d->row_locks;
    if (!(has & DORM_ROW_LOCK)) return DORM_OK;
    dorm_ctx *cx = qs->cx;
    if (cx->db->atomic_depth == 0)
        return dorm_ctx_fail(cx, DORM_ETRANSACTION, "select_for_update cannot be used outside of a transaction.");
    /* Refused rather than left out: waiting where NOWAIT was asked could
     * deadlock (Django's reason). */
    const char *missing = o->nowait && !(has & DORM_ROW_LOCK_NOWAIT) ? "NOWAIT"
        : o->skip_locked && !(has & DORM_ROW_LOCK_SKIP_LOCKED)       ? "SKIP LOCKED"
        : o->of && !(has & DORM_ROW_LOCK_OF)                         ? "FOR UPDATE OF"
        : o->no_key && !(has & DORM_ROW_LOCK_NO_KEY)                 ? "FOR NO KEY UPDATE"
                                                                     : NULL;
    if (missing) return dorm_ctx_fail(cx, DORM_ENOTSUPPORTED, "%s is not supported on this database backend.", missing);
    dorm_buf_puts(&s->text, o->no_key ? " FOR NO KEY UPDATE" : " FOR UPDATE");
    int rc = o->of ? of_clause(s, qs) : DORM_OK;
    if (rc) return rc;
    if (o->nowait) dorm_buf_puts(&s->text, " NOWAIT");
    if (o->skip_locked) dorm_buf_puts(&s->text, " SKIP LOCKED");
    return DORM_OK;
}
