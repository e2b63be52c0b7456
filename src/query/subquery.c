/* subquery.c - Subquery, Exists and OuterRef: a QuerySet used inside
 * another one.  Its OuterRefs are bound to the enclosing query's columns
 * when the subquery is resolved there (those further out wait for the next
 * level), and it is written with Django's aliases (U0, U1, ...; V0 for a
 * subquery holding one, ...; a whole model's QuerySet keeps its tables'
 * names) and without an ordering unless sliced. */
#include <string.h>

#include "query/compiler.h"

/* A subquery being written: OuterRefs inside it look their bindings up here. */
typedef struct dorm_subq_frame {
    const dorm_rexpr *node; /* the subquery node                    */
    const dorm_qs *outer; /* the query it is written in           */
    const struct dorm_subq_frame *up;
} dorm_subq_frame;

/* ---- the OuterRefs of a query ---- */

typedef struct refs {
    dorm_qs *qs;
    dorm_outer_bind *items;
    int n, cap;
} refs;

static int add_ref(refs *r, const dorm_rexpr *ref, int level) {
    if (r->n == r->cap) {
        int cap = r->cap ? r->cap * 2 : 8;
        dorm_outer_bind *items = dorm_alloc(r->qs->cx, sizeof *items * (size_t)cap);
        if (!items) return DORM_ENOMEM;
        if (r->n) memcpy(items, r->items, sizeof *items * (size_t)r->n);
        r->items = items;
        r->cap = cap;
    }
    r->items[r->n++] = (dorm_outer_bind){ref, NULL, level};
    return DORM_OK;
}

static int collect_where(refs *r, const dorm_where *w);

/* The OuterRefs in e, and those a subquery in e still waits for, with the
 * level each names counted from the query e is in. */
static int collect(refs *r, const dorm_rexpr *e) {
    if (!e) return DORM_OK;
    if (e->ops == &dorm_node_outer) return add_ref(r, e, e->level);
    if (e->ops == &dorm_node_subquery) {
        for (int i = 0; i < e->nbinds; i++)
            if (!e->binds[i].to) {
                int rc = add_ref(r, e->binds[i].ref, e->binds[i].level);
                if (rc) return rc;
            }
        return DORM_OK;
    }
    if (e->ops == &dorm_node_ref) return DORM_OK; /* its annotation is collected once */
    for (int i = 0; i < e->nargs; i++) {
        int rc = collect(r, e->args[i]);
        if (rc) return rc;
    }
    return e->cond ? collect_where(r, e->cond) : DORM_OK;
}

static int collect_where(refs *r, const dorm_where *w) {
    if (!w) return DORM_OK;
    int rc = collect(r, w->lhs);
    if (!rc) rc = collect(r, w->rhs_expr);
    for (int i = 0; !rc && i < w->n; i++) rc = collect_where(r, w->kids[i]);
    return rc;
}

static int collect_qs(refs *r, const dorm_qs *q) {
    int rc = collect_where(r, q->where);
    for (int i = 0; !rc && i < q->nann; i++) rc = collect(r, q->ann[i].e);
    for (int i = 0; !rc && i < q->norder; i++) rc = collect(r, q->order[i].expr);
    for (int i = 0; !rc && i < q->ncols; i++) rc = collect(r, q->cols[i].expr);
    for (int i = 0; !rc && i < q->ngroup; i++) rc = collect(r, q->group[i]);
    return rc;
}

/* ---- resolution ---- */

dorm_rexpr *dorm_rexpr__outer(dorm_qs *qs, const char *path, int level) {
    dorm_rexpr *r = dorm_alloc(qs->cx, sizeof *r);
    if (!r) return NULL;
    memset(r, 0, sizeof *r);
    r->ops = &dorm_node_outer;
    r->ref = path;
    r->level = level;
    qs->outer_refs = true;
    return r;
}

/* The output of the one column the inner query selects. */
static int subquery_output(dorm_qs *qs, const dorm_qs *inner, dorm_rexpr *r) {
    if (inner->mode == DORM_MODE_OBJECTS || inner->ncols != 1)
        return dorm_qs__fail(qs, DORM_EVALUE,
                             "A Subquery must select exactly one column (values() or values_list() "
                             "with one field); this one selects %d.",
                             inner->mode == DORM_MODE_OBJECTS ? inner->meta->nfields : inner->ncols)
            ->err;
    const dorm_col *c = &inner->cols[0];
    if (c->ann) {
        const dorm_rexpr *e = inner->ann[c->ann - 1].e;
        r->out = e->out;
        r->vkind = e->vkind;
        r->decimal_places = e->decimal_places;
    } else if (c->expr) {
        r->out = c->expr->out;
        r->vkind = c->expr->vkind;
    } else {
        r->out = c->field->f->kind;
        r->vkind = c->field->value_kind;
        r->decimal_places = c->field->f->decimal_places;
    }
    return DORM_OK;
}

/* Whether Django's Query of q names no table yet when it becomes a
 * subquery: a QuerySet of a whole model, which nothing filtered, annotated
 * or narrowed with values() (order_by() and slicing name no table before
 * the compiler runs).  bump_prefix then renames nothing, and the compiler
 * names each table after itself (a second one of a table U<n>). */
static bool unaliased(const dorm_qs *q) {
    return q->mode == DORM_MODE_OBJECTS && !q->where && !q->nann && !q->combinator && !q->outer_refs;
}

int dorm_rexpr__subquery(dorm_qs *qs, dorm_qs *inner, bool exists, const dorm_rexpr **out) {
    if (!inner)
        return dorm_qs__fail(qs, DORM_EVALUE, "The QuerySet of a subquery is NULL (a dorm call that built it failed).")
            ->err;
    if (inner->err) return dorm_qs__fail(qs, inner->err, "%s", dorm_qs_errmsg(inner))->err;
    if (inner->cx != qs->cx) return dorm_qs__fail(qs, DORM_EVALUE, "A subquery must belong to the same context.")->err;
    dorm_rexpr *r = dorm_alloc(qs->cx, sizeof *r);
    if (!r) return DORM_ENOMEM;
    memset(r, 0, sizeof *r);
    r->ops = &dorm_node_subquery;
    r->query = inner;
    r->exists = exists;
    r->own_names = unaliased(inner);
    if (exists) {
        r->out = r->vkind = DORM_KIND_BOOL;
    } else {
        int rc = subquery_output(qs, inner, r);
        if (rc) return rc;
    }
    /* Bind the OuterRefs naming this query; the others wait a level up. */
    refs found = {.qs = qs};
    int rc = collect_qs(&found, inner);
    if (rc) return rc;
    for (int i = 0; i < found.n; i++) {
        dorm_outer_bind *b = &found.items[i];
        if (b->level > 1) {
            b->level--;
            qs->outer_refs = true;
            continue;
        }
        const dorm_expr f = {.kind = DORM_E_F, .name = b->ref->ref};
        if ((rc = dorm_expr__resolve(qs, &f, &b->to))) return rc;
    }
    r->nbinds = found.n;
    r->binds = found.items;
    if (inner->subq_height + 1 > qs->subq_height) qs->subq_height = inner->subq_height + 1;
    *out = r;
    return DORM_OK;
}

int dorm_rexpr__in_subquery(dorm_qs *qs, const dorm_fmeta *lhs, dorm_qs *sub, const dorm_rexpr **out) {
    bool own = unaliased(sub);
    if (sub->mode == DORM_MODE_OBJECTS) {
        const dorm_fmeta *to = lhs && lhs->f->kind == DORM_KIND_FK ? lhs->target_pk : NULL;
        const char *field = to && !to->f->primary_key ? to->f->name : "pk";
        if (!(sub = dorm_qs_values_list(sub, true, (const char *const[]){field, NULL})))
            return dorm_qs__fail(qs, DORM_ENOMEM, "out of memory")->err;
    } else if (sub->ncols != 1) {
        return dorm_qs__fail(qs, DORM_EVALUE, "A subquery used with __in must select exactly one column.")->err;
    }
    int rc = dorm_rexpr__subquery(qs, sub, false, out);
    if (!rc) ((dorm_rexpr *)*out)->own_names = own;
    return rc;
}

/* ---- SQL ---- */

/* The name of alias i of a subquery written with its tables' own names:
 * the table's, or for a second one of a table the prefix instead of T. */
static const char *own_name(const dorm_qs *q, int i, char prefix) {
    const char *name = i ? q->joins[i - 1].alias : q->meta->db_table;
    if (name[0] != 'T' || name[1] < '0' || name[1] > '9') return name;
    return dorm_sprintf(q->cx, "%c%s", prefix, name + 1);
}

/* The copy of the inner query written as a subquery: Django's prefixed
 * aliases, no ordering unless it picks a slice. */
static int prepare(dorm_sql *s, const dorm_rexpr *e, dorm_qs *copy) {
    const dorm_qs *inner = e->query;
    *copy = *inner;
    const char **names = dorm_alloc(inner->cx, sizeof *names * (size_t)(inner->njoins + 1));
    if (!names) return DORM_ENOMEM;
    char prefix = (char)('U' + (inner->subq_height < 5 ? inner->subq_height : 5));
    for (int i = 0; i <= inner->njoins; i++)
        if (!(names[i] = e->own_names ? own_name(inner, i, prefix) : dorm_sprintf(inner->cx, "%c%d", prefix, i)))
            return DORM_ENOMEM;
    copy->alias_names = names;
    if (inner->low == 0 && inner->high < 0) {
        copy->ordered_explicitly = true;
        copy->norder = 0;
    }
    (void)s;
    return DORM_OK;
}

int dorm_subquery__sql(dorm_sql *s, const dorm_qs *qs, const dorm_rexpr *e) {
    dorm_subq_frame f = {e, qs, s->frames};
    dorm_qs copy;
    int rc = prepare(s, e, &copy);
    if (rc) return rc;
    s->frames = &f;
    dorm_buf_puts(&s->text, e->exists ? "EXISTS(" : "(");
    rc = dorm_compile__select(&copy, e->exists ? DORM_SELECT_EXISTS : DORM_SELECT_ROWS, s);
    dorm_buf_putc(&s->text, ')');
    s->frames = f.up;
    return rc;
}

/* A subquery in a SELECT or an expression: one that can match no row makes
 * the whole query match none (Django 3.2's EmptyResultSet). */
static void subquery_sql(dorm_sql *s, const dorm_qs *qs, const dorm_rexpr *e) {
    int rc = dorm_subquery__sql(s, qs, e);
    if (rc == DORM_COMPILED_EMPTY)
        s->empty = true;
    else if (rc < 0)
        s->failed = true;
}

/* An OuterRef: the expression it was bound to, in the query the binding
 * subquery is written in. */
static void outer_sql(dorm_sql *s, const dorm_qs *qs, const dorm_rexpr *e) {
    (void)qs;
    for (const dorm_subq_frame *f = s->frames; f; f = f->up)
        for (int i = 0; i < f->node->nbinds; i++)
            if (f->node->binds[i].ref == e && f->node->binds[i].to) {
                dorm_rexpr_sql(s, f->outer, f->node->binds[i].to);
                return;
            }
    s->failed = true;
}

const dorm_node_ops dorm_node_subquery = {subquery_sql};
const dorm_node_ops dorm_node_outer = {outer_sql};
