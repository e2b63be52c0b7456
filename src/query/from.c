/* from.c - the FROM clause, written last: the base table and only the joins
 * something written in the query names (or a named join hangs from), as
 * Django's compiler skips the joins no alias_refcount holds. */
#include <string.h>

#include "core/alloc.h"
#include "query/compiler.h"

void dorm_sql__used(dorm_sql *s, const char *alias) {
    for (int i = 0; i < s->nused; i++)
        if (s->used[i].alias == alias) {
            s->used[i].off = s->text.len;
            return;
        }
    if (s->nused < DORM_SQL_USED)
        s->used[s->nused++] = (dorm_sql_used){alias, s->text.len};
    else
        s->used_overflow = true;
}

/* Whether the text from `start` on names alias (compared by spelling: a
 * subquery's OuterRef writes the names of the query around it).  Text
 * written and taken back may still count: a join is kept, never lost. */
static bool named(const dorm_sql *s, const char *alias, size_t start) {
    if (s->used_overflow) return true;
    for (int i = 0; i < s->nused; i++)
        if (s->used[i].off >= start && strcmp(s->used[i].alias, alias) == 0) return true;
    return false;
}

static void where_joins(const dorm_qs *qs, const dorm_where *w, bool *keep);

/* Marks in keep the joins of qs the columns of expression e read (through
 * its conditions and the OuterRefs of its subqueries bound to qs too). */
static void expr_joins(const dorm_qs *qs, const dorm_rexpr *e, bool *keep) {
    if (!e) return;
    if (e->ops == &dorm_node_col && e->alias > 0 && e->alias <= qs->njoins) keep[e->alias - 1] = true;
    for (int i = 0; i < e->nargs; i++) expr_joins(qs, e->args[i], keep);
    expr_joins(qs, e->target, keep);
    where_joins(qs, e->cond, keep);
    if (e->ops == &dorm_node_subquery)
        for (int i = 0; i < e->nbinds; i++) expr_joins(qs, e->binds[i].to, keep);
}

/* Marks in keep the joins the conditions w compare, written or not; with
 * the joins of values() and of annotations, these stay where nothing writes
 * them (an always-true condition, exists() of an annotated QuerySet), as
 * Django counts them when they resolve and makes ordering and
 * select_related joins only to write them. */
static void where_joins(const dorm_qs *qs, const dorm_where *w, bool *keep) {
    if (!w) return;
    if (w->kind == DORM_W_LEAF && w->alias > 0 && w->alias <= qs->njoins) keep[w->alias - 1] = true;
    expr_joins(qs, w->lhs, keep);
    expr_joins(qs, w->rhs_expr, keep);
    expr_joins(qs, w->sub, keep);
    for (int i = 0; i < w->n; i++) where_joins(qs, w->kids[i], keep);
}

static void join_sql(dorm_sql *s, const dorm_qs *qs, int i) {
    const dorm_join *j = &qs->joins[i];
    const char *parent = dorm_alias__name(qs, j->parent);
    dorm_buf_puts(&s->text, j->outer ? " LEFT OUTER JOIN " : " INNER JOIN ");
    dorm_sql__name(s, j->model->db_table);
    const char *alias = dorm_alias__name(qs, i + 1);
    if (strcmp(alias, j->model->db_table) != 0) {
        dorm_buf_putc(&s->text, ' ');
        dorm_sql__alias(s, alias);
    }
    dorm_buf_puts(&s->text, " ON (");
    if (j->reverse) {
        dorm_sql__col(s, parent, j->fk->target_pk->column);
        dorm_buf_puts(&s->text, " = ");
        dorm_sql__col(s, alias, j->fk->column);
    } else {
        dorm_sql__col(s, parent, j->fk->column);
        dorm_buf_puts(&s->text, " = ");
        dorm_sql__col(s, alias, j->fk->target_pk->column);
    }
    dorm_buf_putc(&s->text, ')');
}

static void reverse(char *p, size_t n) {
    for (size_t i = 0; i < n / 2; i++) {
        char c = p[i];
        p[i] = p[n - 1 - i];
        p[n - 1 - i] = c;
    }
}

/* Moves the text written from `mid` on to `at`, before the text written
 * from `at` (two reversals and one of the whole), and moves the shared
 * expressions recorded after `at` along with their text. */
static void move_before(dorm_sql *s, size_t at, size_t mid) {
    size_t end = s->text.len;
    if (s->text.failed || !s->text.data || mid == at) return;
    reverse(s->text.data + at, mid - at);
    reverse(s->text.data + mid, end - mid);
    reverse(s->text.data + at, end - at);
    for (int i = 0; i < s->nshared; i++)
        if (s->shared[i].off >= at && s->shared[i].off < mid) s->shared[i].off += end - mid;
}

void dorm_from__clause(dorm_sql *s, const dorm_qs *qs, size_t start, size_t at) {
    size_t mid = s->text.len;
    dorm_buf_puts(&s->text, " FROM ");
    dorm_sql__name(s, qs->meta->db_table);
    if (qs->alias_names && strcmp(qs->alias_names[0], qs->meta->db_table) != 0) {
        dorm_buf_putc(&s->text, ' ');
        dorm_sql__alias(s, qs->alias_names[0]);
    }
    bool small[16], *keep = qs->njoins <= 16 ? small : dorm_mem__calloc((size_t)qs->njoins, sizeof(bool));
    if (!keep) {
        s->failed = true;
        return;
    }
    memset(keep, 0, sizeof(bool) * (size_t)qs->njoins);
    where_joins(qs, qs->where, keep);
    for (int i = 0; i < qs->ncols; i++)
        if (qs->cols[i].alias > 0 && qs->cols[i].alias <= qs->njoins) keep[qs->cols[i].alias - 1] = true;
    for (int i = 0; i < qs->nann; i++) expr_joins(qs, qs->ann[i].e, keep);
    for (int i = qs->njoins - 1; i >= 0; i--) {
        keep[i] = keep[i] || named(s, dorm_alias__name(qs, i + 1), start);
        if (keep[i] && qs->joins[i].parent > 0) keep[qs->joins[i].parent - 1] = true;
    }
    for (int i = 0; i < qs->njoins; i++)
        if (keep[i]) join_sql(s, qs, i);
    if (keep != small) dorm_mem__free(keep);
    move_before(s, at, mid);
}
