/* exprsql.c - how each resolved expression node writes itself: columns,
 * annotation references, values, arithmetic, functions from their templates
 * or the dialect's code, aggregates with DISTINCT and FILTER (or Django's
 * CASE rewrite), Case/When and Cast.  Values only ever become parameters. */
#include <string.h>

#include "core/assert.h"
#include "query/compiler.h"

/* A function node being written: the writer a dialect's code sees. */
typedef struct fwriter {
    dorm_sqlw w;
    dorm_sql *s;
    const dorm_qs *qs;
    const dorm_rexpr *e;
    void (*base)(struct fwriter *fw); /* the spelling without dialect override */
    dorm_column_def target;
} fwriter;

static void col_sql(dorm_sql *s, const dorm_qs *qs, const dorm_rexpr *e) {
    dorm_sql__col(s, dorm_alias__name(qs, e->alias), e->field->column);
}

/* An annotation used in another expression is written out again (Django). */
static void ref_sql(dorm_sql *s, const dorm_qs *qs, const dorm_rexpr *e) { dorm_rexpr_sql(s, qs, e->target); }

/* Value(None) is the literal NULL (Django's Value.as_sql); a float or decimal
 * gets the dialect's cast where the server would guess another type, and a
 * value nothing around it types (selected, a CASE result, an argument of
 * COALESCE ...) or a duration the cast of its output field. */
static void value_sql(dorm_sql *s, const dorm_qs *qs, const dorm_rexpr *e) {
    (void)qs;
    if (e->value.type == DORM_T_NULL) {
        dorm_buf_puts(&s->text, "NULL");
        return;
    }
    dorm_sql__param(s, &e->value);
    /* A duration is typed wherever it is: PostgreSQL reads "timestamp - $1"
     * as a difference of timestamps. */
    bool typed = e->typed || e->value.type == DORM_T_DURATION;
    const char *cast = typed && s->d->param_type ? s->d->param_type(e->out, &e->value) : NULL;
    if (cast)
        dorm_buf_puts(&s->text, cast);
    else if (e->value.type == DORM_T_FLOAT && s->d->float_param_cast)
        dorm_buf_puts(&s->text, s->d->float_param_cast);
    else if (e->value.type == DORM_T_DECIMAL && s->d->decimal_param_cast)
        dorm_buf_puts(&s->text, s->d->decimal_param_cast);
}

static void star_sql(dorm_sql *s, const dorm_qs *qs, const dorm_rexpr *e) {
    (void)qs;
    (void)e;
    dorm_buf_putc(&s->text, '*');
}

/* Writes `sql` with its %-tokens replaced (dorm_func_def's template rules). */
static void template_sql(fwriter *fw, const char *sql) {
    dorm_buf *b = &fw->s->text;
    for (const char *p = sql; *p; p++) {
        if (*p != '%' || !p[1]) {
            dorm_buf_putc(b, *p);
            continue;
        }
        char c = *++p;
        if (c == '*') {
            for (int i = 0; i < fw->e->nargs; i++) {
                if (i) dorm_buf_puts(b, ", ");
                fw->w.arg(&fw->w, i);
            }
        } else if (c >= '1' && c <= '9') {
            if (c - '1' < fw->e->nargs) fw->w.arg(&fw->w, c - '1');
        } else if (c == 'D') {
            if (fw->e->distinct) dorm_buf_puts(b, "DISTINCT ");
        } else {
            dorm_buf_putc(b, c);
        }
    }
}

/* Whether an aggregate's filter= is a FILTER (WHERE ...) clause: on a
 * backend that has it, after a built-in aggregate's call; a program's
 * template may be more than one call, so its argument takes the CASE form. */
static bool filter_clause(const dorm_sql *s, const dorm_rexpr *e) {
    return s->d->aggregate_filter && dorm_func__builtin(e->def);
}

/* Writes a condition of an expression (When, filter=): DORM_W_SQL_*.  Where
 * Django resolves the expression a second time, a condition it does not
 * parenthesise already (one term) gets parentheses (WhereNode.resolved). */
static int expr_cond_sql(dorm_sql *s, const dorm_qs *qs, const dorm_where *w) {
    bool wrap = s->resolved_again && w->kind != DORM_W_NOT && !(w->kind != DORM_W_LEAF && w->n > 1);
    if (wrap) dorm_buf_putc(&s->text, '(');
    size_t mark = s->text.len;
    int r = dorm_where__sql(s, qs, w, false);
    if (wrap && r == DORM_W_SQL_WRITTEN) {
        dorm_buf_putc(&s->text, ')');
    } else if (wrap) {
        DORM_ASSERT(mark - 1 <= s->text.len);
        s->text.len = mark - 1;
        s->text.data[s->text.len] = '\0';
    }
    return r;
}

/* Writes a condition; false when it matches no row (EmptyResultSet). */
static bool cond_sql(dorm_sql *s, const dorm_qs *qs, const dorm_where *w) {
    size_t mark = s->text.len, pmark = s->nparams;
    int r = expr_cond_sql(s, qs, w);
    if (r == DORM_W_SQL_WRITTEN) return true;
    DORM_ASSERT(mark <= s->text.len);
    s->text.len = mark;
    if (s->text.data) s->text.data[mark] = '\0';
    s->nparams = pmark;
    if (r == DORM_W_SQL_ALL) dorm_buf_puts(&s->text, "1 = 1");
    return r == DORM_W_SQL_ALL;
}

static void fw_arg(dorm_sqlw *w, int i) {
    fwriter *fw = w->impl;
    if (i < 0 || i >= fw->e->nargs) return;
    const dorm_rexpr *e = fw->e;
    /* Aggregate(filter=) without FILTER: the first argument is
     * CASE WHEN filter THEN arg ELSE NULL END (Django's Aggregate.as_sql). */
    if (i == 0 && e->cond && e->is_aggregate && !filter_clause(fw->s, e)) {
        dorm_buf_puts(&fw->s->text, "CASE WHEN ");
        if (!cond_sql(fw->s, fw->qs, e->cond)) fw->s->empty = true;
        dorm_buf_puts(&fw->s->text, " THEN ");
        dorm_rexpr_sql(fw->s, fw->qs, e->args[0]);
        dorm_buf_puts(&fw->s->text, " ELSE NULL END");
        return;
    }
    dorm_rexpr_sql(fw->s, fw->qs, e->args[i]);
}

static void fw_param(dorm_sqlw *w, const dorm_value *v) {
    fwriter *fw = w->impl;
    dorm_sql__param(fw->s, v);
}

static void fw_text_param(dorm_sqlw *w, const char *text, size_t n) {
    dorm_sql__text_param(((fwriter *)w->impl)->s, text, n);
}

static void fw_tmpl(dorm_sqlw *w, const char *sql) {
    fwriter *fw = w->impl;
    if (sql)
        template_sql(fw, sql);
    else
        fw->base(fw);
}

static void fwriter_init(fwriter *fw, dorm_sql *s, const dorm_qs *qs, const dorm_rexpr *e, void (*base)(fwriter *)) {
    memset(fw, 0, sizeof *fw);
    fw->base = base;
    fw->s = s;
    fw->qs = qs;
    fw->e = e;
    fw->w.out = &s->text;
    fw->w.nargs = e->nargs;
    fw->w.kind = e->out;
    fw->w.arg = fw_arg;
    fw->w.param = fw_param;
    fw->w.tmpl = fw_tmpl;
    fw->w.impl = fw;
    fw->w.text_param = fw_text_param;
}

/* A date part, date/time or truncation of the argument, through the
 * dialect's extract / trunc (which wrap the argument's SQL, so it is written
 * first into a buffer of its own; its parameters keep their order). */
static void extract_sql(fwriter *fw) {
    dorm_sql *s = fw->s;
    dorm_buf outer = s->text, arg = DORM_BUF_INIT;
    s->text = arg;
    dorm_rexpr_sql(s, fw->qs, fw->e->args[0]);
    arg = s->text;
    s->text = outer;
    dorm_kind k = fw->e->args[0]->vkind;
    const char *tz = dorm_rexpr__zone(s->cx, fw->e);
    if (fw->e->trunc)
        s->d->trunc(&s->text, fw->e->trunc, k, arg.data ? arg.data : "", tz);
    else
        s->d->extract(&s->text, (dorm_extract)(fw->e->extract - 1), k, arg.data ? arg.data : "", tz);
    if (arg.failed) s->failed = true;
    dorm_buf_free(&arg);
}

/* Django's Collate: "%(expressions)s COLLATE %(collation)s", the name
 * quoted as an identifier (checked when resolved). */
static void collate_sql(fwriter *fw) {
    fw->w.arg(&fw->w, 0);
    dorm_buf_puts(&fw->s->text, " COLLATE ");
    dorm_sql__name(fw->s, fw->e->collation);
}

/* The spelling Django's base class writes, before any dialect override. */
static void base_sql(fwriter *fw) {
    const dorm_builtin_func *b = fw->e->def ? dorm_func__builtin(fw->e->def) : NULL;
    if (fw->e->extract || fw->e->trunc)
        extract_sql(fw);
    else if (fw->e->collation)
        collate_sql(fw);
    else if (b && b->write)
        b->write(&fw->w);
    else if (fw->e->def && fw->e->def->sql)
        template_sql(fw, fw->e->def->sql);
}

/* The SQLite wrapping of a decimal result, "CAST(%s AS NUMERIC)" (Django's
 * SQLiteNumericMixin): the part before the expression (`before`) or after. */
static void numeric_cast(dorm_sql *s, const dorm_rexpr *e, bool before) {
    const char *t = s->d->decimal_result_cast;
    if (!t || !e->decimal_result) return;
    const char *p = strstr(t, "%s");
    if (!p) return;
    if (before)
        dorm_buf_put(&s->text, t, (size_t)(p - t));
    else
        dorm_buf_puts(&s->text, p + 2);
}

static void func_sql(dorm_sql *s, const dorm_qs *qs, const dorm_rexpr *e) {
    fwriter fw;
    fwriter_init(&fw, s, qs, e, base_sql);
    numeric_cast(s, e, true);
    if (e->write)
        e->write(&fw.w);
    else if (e->sql)
        template_sql(&fw, e->sql);
    else
        base_sql(&fw);
    if (e->cond && e->is_aggregate && filter_clause(s, e)) {
        dorm_buf_puts(&s->text, " FILTER (WHERE ");
        if (!cond_sql(s, qs, e->cond)) s->empty = true;
        dorm_buf_putc(&s->text, ')');
    }
    numeric_cast(s, e, false);
}

static void op_sql(dorm_sql *s, const dorm_qs *qs, const dorm_rexpr *e) {
    numeric_cast(s, e, true);
    if (!e->bare) dorm_buf_putc(&s->text, '(');
    if (e->sql) {
        fwriter fw;
        fwriter_init(&fw, s, qs, e, base_sql);
        template_sql(&fw, e->sql);
    } else {
        dorm_rexpr_sql(s, qs, e->args[0]);
        dorm_buf_putc(&s->text, ' ');
        dorm_buf_puts(&s->text, e->op);
        dorm_buf_putc(&s->text, ' ');
        dorm_rexpr_sql(s, qs, e->args[1]);
    }
    if (!e->bare) dorm_buf_putc(&s->text, ')');
    numeric_cast(s, e, false);
}

/* Django's Case: "CASE WHEN c THEN r ... ELSE default END"; a When that can
 * match no row is left out, one that matches every row ends the list (its
 * result is the default), and without When only the default is written. */
static void case_sql(dorm_sql *s, const dorm_qs *qs, const dorm_rexpr *e) {
    size_t start = s->text.len;
    const dorm_rexpr *dflt = NULL;
    int written = 0;
    dorm_buf_puts(&s->text, "CASE");
    for (int i = 0; i < e->nargs && !dflt; i++) {
        const dorm_rexpr *w = e->args[i];
        if (!w->cond) {
            dflt = w->args[0];
            break;
        }
        size_t mark = s->text.len, pmark = s->nparams;
        dorm_buf_puts(&s->text, " WHEN ");
        int r = expr_cond_sql(s, qs, w->cond);
        if (r != DORM_W_SQL_WRITTEN) {
            DORM_ASSERT(mark <= s->text.len);
            s->text.len = mark;
            s->text.data[mark] = '\0';
            s->nparams = pmark;
            if (r == DORM_W_SQL_ALL) dflt = w->args[0];
            continue;
        }
        dorm_buf_puts(&s->text, " THEN ");
        dorm_rexpr_sql(s, qs, w->args[0]);
        written++;
    }
    if (!written) {
        DORM_ASSERT(start <= s->text.len);
        s->text.len = start;
        if (s->text.data) s->text.data[start] = '\0';
        if (dflt)
            dorm_rexpr_sql(s, qs, dflt);
        else
            dorm_buf_puts(&s->text, "NULL");
        return;
    }
    dorm_buf_puts(&s->text, " ELSE ");
    if (dflt)
        dorm_rexpr_sql(s, qs, dflt);
    else
        dorm_buf_puts(&s->text, "NULL");
    dorm_buf_puts(&s->text, " END");
}

/* Only written by case_sql. */
static void when_sql(dorm_sql *s, const dorm_qs *qs, const dorm_rexpr *e) { dorm_rexpr_sql(s, qs, e->args[0]); }

/* The column type a Cast converts to: Django's cast_db_type (a CharField
 * without max_length is the dialect's cast_char_type; an auto key casts to
 * its integer type; a FileField is the varchar of its name). */
static void cast_type(dorm_buf *out, const dorm_dialect *d, const dorm_column_def *c) {
    if (c->kind == DORM_KIND_CHAR && !c->max_length && d->cast_char_type) {
        dorm_buf_puts(out, d->cast_char_type);
        return;
    }
    if (c->kind == DORM_KIND_FILE || c->kind == DORM_KIND_IMAGE) {
        dorm_column_def name = *c;
        name.kind = DORM_KIND_CHAR;
        d->column_type(out, &name);
        return;
    }
    if (dorm_kind__is_auto(c->kind)) {
        dorm_column_def key = {.kind = DORM_KIND_FK, .ref_kind = c->kind};
        d->column_type(out, &key);
        return;
    }
    d->column_type(out, c);
}

static void cast_base(fwriter *fw) {
    dorm_buf_puts(fw->w.out, "CAST(");
    fw->w.arg(&fw->w, 0);
    dorm_buf_puts(fw->w.out, " AS ");
    cast_type(fw->w.out, fw->s->d, &fw->target);
    dorm_buf_putc(fw->w.out, ')');
}

static void cast_sql(dorm_sql *s, const dorm_qs *qs, const dorm_rexpr *e) {
    fwriter fw;
    fwriter_init(&fw, s, qs, e, cast_base);
    fw.target = (dorm_column_def){
        .kind = e->out, .max_length = e->max_length, .max_digits = e->max_digits, .decimal_places = e->decimal_places};
    fw.w.target = &fw.target;
    for (const dorm_func_sql *f = s->d->functions; f && f->name; f++)
        if (strcmp(f->name, "Cast") == 0 && f->write) {
            f->write(&fw.w);
            return;
        }
    cast_base(&fw);
}

/* A frame bound: "UNBOUNDED PRECEDING", "CURRENT ROW", "2 FOLLOWING". */
static void frame_bound(dorm_buf *b, int64_t n, bool start) {
    if (n == DORM_UNBOUNDED)
        dorm_buf_puts(b, start ? "UNBOUNDED PRECEDING" : "UNBOUNDED FOLLOWING");
    else if (n == 0)
        dorm_buf_puts(b, "CURRENT ROW");
    else
        dorm_buf_printf(b, "%lld %s", (long long)(n < 0 ? -n : n), n < 0 ? "PRECEDING" : "FOLLOWING");
}

/* Django's Window: "expr OVER (PARTITION BY ... ORDER BY ... frame)". */
/* A decimal window is cast as a whole: "CAST(LAG(x) OVER (...) AS NUMERIC)"
 * (Django's Window.as_sqlite; its expression is not cast inside). */
static void window_sql(dorm_sql *s, const dorm_qs *qs, const dorm_rexpr *e) {
    int np = e->npartition, no = e->nargs - 1 - np;
    numeric_cast(s, e, true);
    dorm_rexpr_sql(s, qs, e->args[0]);
    dorm_buf_puts(&s->text, " OVER (");
    for (int i = 0; i < np; i++) {
        dorm_buf_puts(&s->text, i ? ", " : "PARTITION BY ");
        dorm_rexpr_sql(s, qs, e->args[1 + i]);
    }
    for (int i = 0; i < no; i++) {
        dorm_buf_puts(&s->text, i ? ", " : np ? " ORDER BY " : "ORDER BY ");
        const char *key = dorm_sql__nulls_key(s, e->desc[i], e->nulls_first[i], e->nulls_last[i]);
        if (key) {
            dorm_rexpr_sql(s, qs, e->args[1 + np + i]);
            dorm_buf_puts(&s->text, key);
        }
        dorm_rexpr_sql(s, qs, e->args[1 + np + i]);
        if (e->dir[i]) dorm_buf_puts(&s->text, e->desc[i] ? " DESC" : " ASC");
        dorm_buf_puts(&s->text, dorm_sql__nulls_suffix(s, e->nulls_first[i], e->nulls_last[i]));
    }
    if (e->frame.kind != DORM_FRAME_NONE) {
        if (np || no) dorm_buf_putc(&s->text, ' ');
        dorm_buf_puts(&s->text, e->frame.kind == DORM_FRAME_ROWS ? "ROWS BETWEEN " : "RANGE BETWEEN ");
        frame_bound(&s->text, e->frame.start, true);
        dorm_buf_puts(&s->text, " AND ");
        frame_bound(&s->text, e->frame.end, false);
    }
    dorm_buf_putc(&s->text, ')');
    numeric_cast(s, e, false);
}

const dorm_node_ops dorm_node_col = {col_sql};
const dorm_node_ops dorm_node_ref = {ref_sql};
const dorm_node_ops dorm_node_value = {value_sql};
const dorm_node_ops dorm_node_star = {star_sql};
const dorm_node_ops dorm_node_op = {op_sql};
const dorm_node_ops dorm_node_func = {func_sql};
const dorm_node_ops dorm_node_case = {case_sql};
const dorm_node_ops dorm_node_when = {when_sql};
const dorm_node_ops dorm_node_cast = {cast_sql};
const dorm_node_ops dorm_node_window = {window_sql};
