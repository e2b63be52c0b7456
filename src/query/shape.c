/* shape.c - compile once per query shape.  The key is the QuerySet's
 * structure as the compiler reads it (model, what is selected, joins,
 * condition tree with each leaf's column, lookup and value kind, ordering,
 * slice, select_related, the session's dialect) without the values; a query
 * whose SQL could depend on more (expressions, subqueries, annotations,
 * grouping, combinations, row locks) has no key and is compiled each time.
 * The first compile of a shape records which leaf value each parameter
 * came from; later queries of the shape bind their own values through that
 * map.  Built with DORM_ASSERTS, every hit is compiled anyway and must give
 * the same SQL and parameters. */
#include <stdint.h>
#include <string.h>

#include "query/shape.h"
#include "core/alloc.h"
#include "core/assert.h"

/* The key is written in whole words: small numbers share one (pair), so a
 * key is short to build and to compare. */
static uint64_t ptr(const void *p) { return (uint64_t)(uintptr_t)p; }
static uint64_t pair(int32_t a, int32_t b) { return (uint32_t)a | (uint64_t)(uint32_t)b << 32; }

/* Room for n more words of the key; NULL when it is full (the query is then
 * compiled as it would be without the cache). */
static uint64_t *words(dorm_shape *sh, size_t n) {
    if (!sh->keyed || sh->nwords + n > DORM_SHAPE_KEY_WORDS) {
        sh->keyed = false;
        return NULL;
    }
    uint64_t *k = sh->key + sh->nwords;
    sh->nwords += n;
    return k;
}

/* A string: its length, then its bytes zero-padded to whole words (read
 * in one pass: a path is a few bytes). */
static bool put_str(dorm_shape *sh, const char *str) {
    uint64_t *len = words(sh, 1);
    size_t n = 0;
    if (!len) return false;
    for (bool more = str != NULL; more;) {
        uint64_t w = 0;
        int i = 0;
        for (; i < 8 && str[n]; i++, n++) w |= (uint64_t)(unsigned char)str[n] << (8 * i);
        uint64_t *k = i ? words(sh, 1) : len;
        if (!k) return false;
        if (i) *k = w;
        more = i == 8;
    }
    *len = n;
    return true;
}

/* What of a leaf the SQL depends on: its column, lookup and the kind of its
 * value (IS NULL or IS NOT NULL; how many placeholders a list takes). */
static bool leaf_key(dorm_shape *sh, const dorm_where *w) {
    if (w->lhs || w->rhs_expr || w->sub || w->json || sh->nleaves == DORM_SHAPE_LEAVES_MAX) return false;
    uint64_t *k = words(sh, 4);
    if (!k) return false;
    sh->leaves[sh->nleaves++] = w;
    const dorm_value *v = &w->rhs;
    k[0] = pair(w->alias, (int32_t)w->lookup);
    k[1] = ptr(w->field);
    k[2] = ptr(w->def);
    /* A bool's value and a list's length; the value kind; two flags. */
    uint64_t extent = v->type == DORM_T_BOOL ? v->u.b : v->type == DORM_T_LIST ? v->len : 0;
    k[3] = extent << 16 | (uint64_t)v->type << 2 | (uint64_t)w->nullable << 1 | w->json_null;
    return true;
}

static bool where_key(dorm_shape *sh, const dorm_where *w) {
    if (w->aggregate) return false;
    bool group = w->kind == DORM_W_AND || w->kind == DORM_W_OR || w->kind == DORM_W_NOT;
    uint64_t *k = words(sh, 1);
    if (!k) return false;
    k[0] = pair((int32_t)w->kind, group ? w->n : 0);
    switch (w->kind) {
    case DORM_W_NOTHING: return true;
    case DORM_W_LEAF: return leaf_key(sh, w);
    case DORM_W_AND:
    case DORM_W_OR:
    case DORM_W_NOT:
        for (int i = 0; i < w->n; i++)
            if (!where_key(sh, w->kids[i])) return false;
        return true;
    default: return false;
    }
}

static bool joins_key(dorm_shape *sh, const dorm_qs *qs) {
    for (int i = 0; i < qs->njoins; i++) {
        const dorm_join *j = &qs->joins[i];
        uint64_t *k = words(sh, 3);
        if (!k) return false;
        k[0] = pair(j->parent, j->reverse | j->outer << 1 | j->nullable << 2);
        k[1] = ptr(j->fk);
        k[2] = ptr(j->model);
        if (!put_str(sh, j->alias)) return false;
    }
    return true;
}

static bool columns_key(dorm_shape *sh, const dorm_qs *qs) {
    for (int i = 0; qs->mode != DORM_MODE_OBJECTS && i < qs->ncols; i++) {
        const dorm_col *c = &qs->cols[i];
        uint64_t *k = c->ann || c->expr ? NULL : words(sh, 2);
        if (!k) return false;
        k[0] = pair(c->alias, c->pos);
        k[1] = ptr(c->field);
    }
    for (int i = 0; i < qs->nselrel; i++) {
        const dorm_selrel *r = &qs->selrel[i];
        uint64_t *k = words(sh, 3);
        if (!k) return false;
        k[0] = pair(r->alias, r->parent);
        k[1] = ptr(r->fk);
        k[2] = ptr(r->rel);
    }
    return true;
}

static bool order_key(dorm_shape *sh, const dorm_qs *qs) {
    for (int i = 0; i < qs->norder; i++) {
        const dorm_order *o = &qs->order[i];
        uint64_t *k = o->expr || o->ref ? NULL : words(sh, 2);
        if (!k) return false;
        k[0] = pair(o->alias, o->desc | o->random << 1 | o->nulls_first << 2 | o->nulls_last << 3);
        k[1] = ptr(o->field);
    }
    return true;
}

/* Builds sh's key for qs; false when qs's SQL may depend on more than the
 * key holds.  The counts come first, so every part after them has a
 * known length. */
static bool shape_key(const dorm_qs *qs, int32_t what, dorm_shape *sh) {
    const dorm_db *db = qs->cx->db;
    sh->keyed = true;
    if (qs->combinator || qs->nann || qs->group_by || qs->ngroup || qs->outer_refs || qs->subq_height ||
        qs->alias_names || qs->lock)
        return false;
    uint64_t *k = words(sh, 11);
    if (!k) return false;
    k[0] = pair(what, (int32_t)qs->mode);
    k[1] = ptr(db->drv);
    k[2] = ptr(db->dialect);
    k[3] = ptr(db->reg);
    k[4] = ptr(qs->meta);
    k[5] = (uint64_t)qs->low;
    k[6] = (uint64_t)qs->high;
    k[7] = qs->deferred;
    k[8] = pair(qs->njoins, qs->nselrel);
    k[9] = pair(qs->norder, qs->mode == DORM_MODE_OBJECTS ? 0 : qs->ncols);
    k[10] = (uint64_t)(qs->distinct | qs->empty << 1 | qs->only_mode << 2 | qs->ordered_explicitly << 3 |
                       qs->reversed << 4 | (qs->where != NULL) << 5);
    if (!joins_key(sh, qs) || !columns_key(sh, qs) || !order_key(sh, qs)) return false;
    return (!qs->where || where_key(sh, qs->where)) && sh->keyed;
}

void dorm_shape__record(dorm_shape *sh, const dorm_value *v) {
    dorm_shape_slot slot = {.leaf = -1, .elem = -1};
    /* Addresses compared as integers: v need not point into the list. */
    uintptr_t at = (uintptr_t)v;
    for (int i = 0; i < sh->nleaves && slot.leaf < 0; i++) {
        const dorm_value *rhs = &sh->leaves[i]->rhs;
        uintptr_t list = (uintptr_t)rhs->u.list;
        if (v == rhs)
            slot.leaf = i;
        else if (rhs->type == DORM_T_LIST && at >= list && at < list + rhs->len * sizeof *v &&
                 (at - list) % sizeof *v == 0)
            slot = (dorm_shape_slot){.leaf = i, .elem = (int)((at - list) / sizeof *v)};
    }
    for (int i = 0; i < sh->nleaves && slot.leaf < 0 && sh->pattern; i++)
        if (sh->leaves[i] == sh->pattern) slot = (dorm_shape_slot){.leaf = i, .elem = -1, .pattern = true};
    if (slot.leaf < 0) {
        sh->unmapped = true;
        return;
    }
    if (sh->nslots == sh->cap) {
        size_t cap = sh->cap ? sh->cap * 2 : 8;
        dorm_shape_slot *grown = dorm_mem__realloc(sh->slots, sizeof *grown * cap);
        if (!grown) {
            sh->unmapped = true;
            return;
        }
        sh->slots = grown;
        sh->cap = cap;
    }
    sh->slots[sh->nslots++] = slot;
}

/* The value of slot sl for this query: its leaf's value, an element of it,
 * or the LIKE pattern of it (in the arena, as the compiler makes it). */
static bool slot_value(dorm_sql *s, const dorm_shape *sh, const dorm_shape_slot *sl, dorm_value *out) {
    const dorm_where *w = sh->leaves[sl->leaf];
    if (sl->elem >= 0)
        *out = w->rhs.u.list[sl->elem];
    else if (!sl->pattern)
        *out = w->rhs;
    else {
        dorm_buf pat = DORM_BUF_INIT;
        const dorm_value *v = &w->rhs;
        s->d->pattern(&pat, w->lookup, v->u.s, v->len == DORM_STRLEN ? strlen(v->u.s) : v->len);
        char *copy = dorm_arena__memdup(&s->cx->arena, pat.data ? pat.data : "", pat.len + 1);
        bool ok = copy && !pat.failed;
        size_t len = pat.len;
        dorm_buf_free(&pat);
        if (!ok) return false;
        *out = dorm_v_textn(copy, len);
    }
    return true;
}

/* What bind_slots answers when a get() plan's condition value does not
 * prepare as the plan's did. */
#define NOT_AS_PLANNED 1

/* Fills s's parameters from the slots of en: leaf values from sh's leaves,
 * a plan's condition values (conds) prepared as the plan says. */
static int bind_slots(dorm_sql *s, dorm_shape *sh, const dorm_shape_entry *en, const dorm_q *const *conds) {
    const dorm_shape_slot *slots = en->slots;
    s->params_borrowed = en->nslots <= DORM_SHAPE_PARAMS_INLINE;
    s->params = s->params_borrowed ? sh->params : dorm_mem__alloc(sizeof *s->params * en->nslots);
    if (!s->params) return dorm_ctx_fail(s->cx, DORM_ENOMEM, "out of memory (building SQL)");
    s->cap = s->params_borrowed ? DORM_SHAPE_PARAMS_INLINE : en->nslots;
    for (size_t i = 0; i < en->nslots; i++) {
        const dorm_shape_slot *sl = &slots[i];
        dorm_value *out = &s->params[s->nparams++];
        if (sl->cond) {
            const dorm_value *in = &conds[sl->cond - 1]->value;
            if (sl->type == DORM_T_INT && dorm_prep__int_as_is(sl->as, sl->kind, in))
                *out = dorm_v_int(in->u.i);
            else if (dorm_prep__value(s->cx, sl->as, sl->kind, in, out) || out->type != sl->type)
                return NOT_AS_PLANNED;
        } else if (!slot_value(s, sh, sl, out)) {
            return dorm_ctx_fail(s->cx, DORM_ENOMEM, "out of memory (building SQL)");
        }
    }
    return DORM_COMPILED;
}

#ifdef DORM_ASSERTS
static bool same_value(const dorm_value *a, const dorm_value *b) {
    if (a->type == DORM_T_FLOAT && b->type == DORM_T_FLOAT) return memcmp(&a->u.f, &b->u.f, sizeof a->u.f) == 0;
    return dorm_value_equal(a, b);
}

/* A hit must be exactly what compiling the query gives. */
static void check_hit(const dorm_qs *qs, dorm_select_what what, const dorm_sql *s, const dorm_shape_entry *en) {
    dorm_sql fresh;
    dorm_sql__init(&fresh, qs->cx);
    int rc = dorm_compile__select(qs, what, &fresh);
    if (rc == DORM_ENOMEM || (rc < 0 && dorm_errcode(qs->cx) == DORM_ENOMEM)) {
        /* Out of memory for the check only: the query itself goes on. */
        dorm_error_clear(qs->cx);
        dorm_sql__free(&fresh);
        return;
    }
    DORM_ASSERT(rc == DORM_COMPILED);
    DORM_ASSERT(fresh.text.len == en->len && memcmp(fresh.text.data, en->sql, en->len) == 0);
    DORM_ASSERT(fresh.nparams == s->nparams);
    for (size_t i = 0; i < s->nparams; i++) DORM_ASSERT(same_value(&fresh.params[i], &s->params[i]));
    dorm_sql__free(&fresh);
}
#endif

static void shape_init(dorm_shape *sh) {
    sh->nwords = 0;
    sh->nleaves = 0;
    sh->unmapped = false;
    sh->pattern = NULL;
    sh->slots = NULL;
    sh->nslots = sh->cap = 0;
    sh->hit = NULL;
}

int dorm_compile__shaped(const dorm_qs *qs, dorm_select_what what, dorm_sql *s, dorm_shape *sh) {
    dorm_db *db = qs->cx->db;
    shape_init(sh);
    if (shape_key(qs, (int32_t)what, sh)) {
        dorm_shape_entry *en = dorm_db__shape_get(db, sh->key, sh->nwords * sizeof *sh->key);
        if (en && en->sql) {
            int rc = bind_slots(s, sh, en, NULL);
            if (rc != DORM_COMPILED) return rc;
#ifdef DORM_ASSERTS
            check_hit(qs, what, s, en);
#endif
            sh->hit = en;
            s->shape = sh;
            db->shape_hits++;
            return DORM_COMPILED;
        }
        if (!en) s->shape = sh;
    }
    db->shape_compiles++;
    int rc = dorm_compile__select(qs, what, s);
    if (rc != DORM_COMPILED) s->shape = NULL;
    return rc;
}

void dorm_shape__store(dorm_db *db, const dorm_sql *s, dorm_cached_stmt *cs) {
    dorm_shape *sh = s->shape;
    if (!sh || sh->hit) return;
    /* Parameters a condition wrote and then dropped (an OR that is always
     * true) leave more slots than parameters: such a shape is not mapped. */
    bool mapped = !sh->unmapped && sh->nslots == s->nparams;
    void *slots = mapped ? sh->slots : NULL;
    if (mapped) sh->slots = NULL;
    dorm_db__shape_put(db, sh->key, sh->nwords * sizeof *sh->key, mapped ? s->text.data : NULL, s->text.len, slots,
                       mapped ? sh->nslots : 0, cs, false);
}

void dorm_shape__free(dorm_shape *sh) {
    dorm_mem__free(sh->slots);
    sh->slots = NULL;
}

/* ---- get() plans ---------------------------------------------------------- */

/* A plan's key is tagged apart from every shape key, whose first word holds
 * a small dorm_select_what. */
#define PLAN_TAG 0x40000000

/* The value types a plan binds as they come: not None, a list, an
 * expression or a QuerySet, whose leaves take other forms. */
static bool plain_type(dorm_type t) {
    switch (t) {
    case DORM_T_BOOL:
    case DORM_T_INT:
    case DORM_T_FLOAT:
    case DORM_T_TEXT:
    case DORM_T_BYTES:
    case DORM_T_DATE:
    case DORM_T_DATETIME:
    case DORM_T_TIME:
    case DORM_T_DECIMAL:
    case DORM_T_UUID:
    case DORM_T_OBJECT:
    case DORM_T_CUSTOM:
    case DORM_T_DURATION: return true;
    default: return false;
    }
}

/* The lookups whose SQL binds the prepared value itself: not a pattern
 * (made from it, after a NUL check), a list, a JSON path or a template. */
static bool plain_lookup(dorm_lookup lk) {
    return lk == DORM_LK_EXACT || (lk >= DORM_LK_GT && lk <= DORM_LK_LTE) || lk == DORM_LK_REGEX ||
        lk == DORM_LK_IREGEX;
}

/* base's shape key, tagged, then each condition's value type and path
 * (filter() resolves a path the same way on a QuerySet of one shape). */
static bool plan_key(const dorm_qs *base, const dorm_q *const *conds, dorm_shape *sh) {
    bool keyed = shape_key(base, (int32_t)DORM_SELECT_ROWS | PLAN_TAG, sh);
    for (int i = 0; keyed && conds[i]; i++) {
        const dorm_q *q = conds[i];
        bool plain = i < DORM_SHAPE_LEAVES_MAX && q->kind == DORM_Q_LEAF && q->path && plain_type(q->value.type);
        uint64_t *k = plain ? words(sh, 1) : NULL;
        if (k) k[0] = (uint64_t)q->value.type;
        keyed = k && put_str(sh, q->path);
    }
    sh->keyed = keyed;
    return keyed;
}

#ifdef DORM_ASSERTS
/* A plan's hit must be exactly what filtering and compiling gives. */
static void check_plan(const dorm_qs *qs, const dorm_q *const *conds, const dorm_sql *s, const dorm_shape_entry *en) {
    dorm_qs f;
    dorm_qs__copy(&f, qs);
    if (dorm_qs__filter_on(&f, conds)->err) {
        /* Out of memory for the check only: the query itself goes on. */
        DORM_ASSERT(f.err == DORM_ENOMEM);
        dorm_error_clear(qs->cx);
        return;
    }
    dorm_qs__get_limits(&f);
    check_hit(&f, DORM_SELECT_ROWS, s, en);
}
#endif

/* A QuerySet whose get() has a shape key holding nothing but its model
 * and the session's (Model.objects, or a manager that adds nothing): get()
 * clears the ordering and slices it itself. */
static inline bool plain_objects(const dorm_qs *qs) {
    return qs->mode == DORM_MODE_OBJECTS && !qs->where && !qs->njoins && !qs->nselrel && !qs->deferred &&
        !qs->distinct && !qs->empty && !qs->only_mode && !qs->combinator && !qs->nann && !qs->group_by && !qs->ngroup &&
        !qs->outer_refs && !qs->subq_height && !qs->alias_names && !qs->lock;
}

/* The session's last plan when base is plain and conds name the same paths
 * with values of the same types as the get that found it: the plan the
 * whole key would find. */
static dorm_shape_entry *memo_find(const dorm_db *db, const dorm_qs *qs, const dorm_q *const *conds) {
    const dorm_plan_memo *mo = &db->link->last_plan;
    if (!mo->en || mo->meta != qs->meta || mo->reg != db->reg || mo->dialect != db->dialect || mo->drv != db->drv ||
        !plain_objects(qs))
        return NULL;
    const char *p = mo->paths;
    int i = 0;
    for (; i < mo->nconds; i++) {
        const dorm_q *q = conds[i];
        if (!q || q->kind != DORM_Q_LEAF || !q->path || (unsigned char)q->value.type != mo->types[i]) return NULL;
        /* A path is a few bytes: compared in line, stepping past it. */
        const char *c = q->path;
        while (*p && *p == *c) p++, c++;
        if (*p++ != *c) return NULL;
    }
    return conds[i] ? NULL : mo->en;
}

/* Keeps en as the session's last plan, when its get is one memo_find can
 * pick out. */
static void memo_keep(dorm_db *db, const dorm_qs *qs, const dorm_q *const *conds, dorm_shape_entry *en) {
    dorm_plan_memo *mo = &db->link->last_plan;
    mo->en = NULL;
    if (!plain_objects(qs)) return;
    size_t used = 0;
    int i = 0;
    for (; conds[i]; i++) {
        size_t n = strlen(conds[i]->path) + 1;
        if (i == DORM_PLAN_MEMO_CONDS || n > sizeof mo->paths - used) return;
        memcpy(mo->paths + used, conds[i]->path, n);
        used += n;
        mo->types[i] = (unsigned char)conds[i]->value.type;
    }
    mo->nconds = i;
    mo->reg = db->reg;
    mo->dialect = db->dialect;
    mo->drv = db->drv;
    mo->meta = qs->meta;
    mo->en = en;
}

bool dorm_shape__get_plan(const dorm_qs *qs, const dorm_q *const *conds, dorm_sql *s, dorm_shape *sh) {
    dorm_db *db = qs->cx->db;
    shape_init(sh);
    if (!db->link) return false;
    dorm_shape_entry *en = memo_find(db, qs, conds);
    if (!en) {
        dorm_qs base;
        dorm_qs__copy(&base, qs);
        dorm_qs__get_limits(&base);
        if (!plan_key(&base, conds, sh)) return false;
        en = dorm_db__shape_get(db, sh->key, sh->nwords * sizeof *sh->key);
        if (!en) return false;
        memo_keep(db, qs, conds, en);
    }
    if (bind_slots(s, sh, en, conds) != DORM_COMPILED) {
        /* A value that does not prepare as the plan's did (an error, or
         * another type): the ordinary way says what it makes of it. */
        s->nparams = 0;
        dorm_error_clear(qs->cx);
        sh->keyed = false;
        return false;
    }
#ifdef DORM_ASSERTS
    check_plan(qs, conds, s, en);
#endif
    sh->hit = en;
    s->shape = sh;
    db->shape_hits++;
    return true;
}

void dorm_shape__get_store(dorm_db *db, const dorm_shape *sh, const dorm_qs *filtered, const dorm_q *const *conds) {
    if (!sh->keyed) return;
    dorm_shape fsh;
    shape_init(&fsh);
    if (!shape_key(filtered, (int32_t)DORM_SELECT_ROWS, &fsh)) return;
    const dorm_shape_entry *en = dorm_db__shape_get(db, fsh.key, fsh.nwords * sizeof *fsh.key);
    int nbase = sh->nleaves, nconds = 0;
    while (conds[nconds]) nconds++;
    /* The conditions' leaves follow the QuerySet's own, one each. */
    if (!en || !en->sql || fsh.nleaves != nbase + nconds) return;
    for (int j = 0; j < nbase; j++)
        if (fsh.leaves[j] != sh->leaves[j]) return;
    dorm_shape_slot *slots = dorm_mem__alloc(sizeof *slots * (en->nslots ? en->nslots : 1));
    if (!slots) return;
    uint64_t bound = 0;
    for (size_t i = 0; i < en->nslots; i++) {
        dorm_shape_slot sl = ((const dorm_shape_slot *)en->slots)[i];
        if (sl.leaf >= nbase) {
            const dorm_where *w = fsh.leaves[sl.leaf];
            if (sl.elem >= 0 || sl.pattern || w->kind != DORM_W_LEAF || w->lhs || w->rhs_expr || w->sub || w->json ||
                !w->field || dorm_fmeta_composite(w->field) || w->field->value_kind == DORM_KIND_JSON ||
                !plain_lookup(w->lookup) || w->rhs.type == DORM_T_BOOL) {
                /* (A bool's value is in a leaf's key.) */
                dorm_mem__free(slots);
                return;
            }
            sl.cond = sl.leaf - nbase + 1;
            dorm_where__prep_as(w, &sl.as, &sl.kind);
            sl.type = w->rhs.type;
            bound |= (uint64_t)1 << (sl.cond - 1);
        }
        slots[i] = sl;
    }
    /* Every value is prepared on a hit, so that a bad one fails as filter() fails. */
    if (bound != ((uint64_t)1 << nconds) - 1) {
        dorm_mem__free(slots);
        return;
    }
    dorm_db__shape_put(db, sh->key, sh->nwords * sizeof *sh->key, en->sql, en->len, slots, en->nslots, en->cs,
                       dorm_qs__one_row(filtered));
}
