/* fuzz_shapes.c - libFuzzer target: compile once per query shape, get()
 * plans, the last-plan memo and one-row gets, driven by sequences of
 * queries on one session so that shapes and plans are hit again with other
 * values (and other path texts in the same buffers).
 *
 * Input: up to MAX_OPS operations, each a model byte (which also says
 * which manager the QuerySet starts from: the default one, which filters on
 * Place and its child, proxy and to_field neighbours, QuerySet(model), or
 * another; and whether a list is an in_bulk), three bytes of QuerySet steps
 * and the call (get, list, count, first), then the
 * conditions of filter(), exclude() and get() (a count byte, then three
 * bytes each: path, lookup and value kind, value).  Every operation runs
 * on a session whose caches live across operations and inputs, then on a
 * second session on the same file whose caches are cleared first: any
 * difference (objects' keys, rows, counts, error codes or messages) is a
 * finding, as is a get() that differs from the rows it filters listed
 * whole and counted, a first() that is not one of the rows listed, and an
 * in_bulk() whose keys differ from the rows of the keys listed.  A
 * manager's filter thus must survive every cache: its gets run between
 * gets of the same keys through QuerySet(model), the other manager, the
 * MTI child or parent and the proxy.  The fuzz build defines DORM_ASSERTS, so every shape
 * or plan hit is also compiled the ordinary way and compared. */
#include <stdio.h>
#include <string.h>

#include "backend/db.h"
#include "fuzz.h"

#define MAX_OPS 16
#define MAX_CONDS 3
#define PATH_MAX_LEN 64

/* ---- the fixture ---------------------------------------------------------- */

typedef struct fixture {
    dorm_db *fast, *ref;
    void *author, *publisher, *book, *place; /* objects to compare with (a setup context's) */
} fixture;

/* Places 1-4, two of them shops (2 and 4), hidden or not, with and
 * without a code (3 and 2 hidden; 1 and 3 kiosks), and visits by name. */
static void fill_places(dorm_ctx *cx, fixture *f) {
    Place *a = dorm_create(cx, Place, .name = "a", .code = "x");
    Shop *t = a ? dorm_create(cx, Shop, .place = {.name = "T", .hidden = true}, .kind = "a", .rank = 1) : NULL;
    Place *x = t ? dorm_create(cx, Place, .name = "x", .code = "2", .hidden = true) : NULL;
    Shop *bob = x ? dorm_create(cx, Shop, .place = {.name = "Bob"}, .kind = "a") : NULL;
    if (bob) dorm_set_null(bob, rank);
    if (!bob || dorm_save(bob) || !dorm_create(cx, Visit, .place = {"a", NULL}, .guests = 2) ||
        !dorm_create(cx, Visit, .place = {"a", NULL}, .guests = 3) ||
        !dorm_create(cx, Visit, .place = {"T", NULL}, .guests = 2) || !dorm_create(cx, Visit, .place = {"x", NULL}))
        fuzz_fail("fill: %s", dorm_errmsg(cx));
    f->place = x;
}

/* Few rows, with repeated non-unique values so that get() finds several. */
static void fill(dorm_ctx *cx, fixture *f) {
    Author *ann = dorm_create(cx, Author, .name = "Ann", .born = dorm_date_ymd(1950, 1, 2));
    Author *ann2 = ann ? dorm_create(cx, Author, .name = "Ann", .mentor = {ann->id, ann}) : NULL;
    Author *bob = ann2 ? dorm_create(cx, Author, .name = "Bob", .mentor = {ann->id, ann}) : NULL;
    Publisher *p1 = dorm_create(cx, Publisher, .name = "P1");
    Publisher *p2 = p1 ? dorm_create(cx, Publisher, .name = "P2") : NULL;
    Tag *ta = dorm_create(cx, Tag, .name = "a");
    Tag *tb = ta ? dorm_create(cx, Tag, .name = "b") : NULL;
    if (!bob || !p2 || !tb || !dorm_create(cx, Profile, .author = {ann->id, ann}, .bio = "x") ||
        !dorm_create(cx, Profile, .author = {bob->id, bob}, .bio = "x"))
        fuzz_fail("fill: %s", dorm_errmsg(cx));
    Book *t1 = dorm_create(cx, Book, .title = "T", .author = {ann->id, ann}, .publisher = {p1->id, p1}, .pages = 10);
    Book *t2 =
        t1 ? dorm_create(cx, Book, .title = "T", .author = {bob->id, bob}, .pages = 10, .in_print = false) : NULL;
    Book *u = t2 ? dorm_create(cx, Book, .title = "U", .author = {ann->id, ann}, .publisher = {p1->id, p1}, .pages = 3,
                               .rating = 2.0)
                 : NULL;
    Book *v = u ? dorm_create(cx, Book, .title = "V", .author = {ann2->id, ann2}, .publisher = {p2->id, p2}) : NULL;
    if (!v || dorm_related_add(t1, "tags", (void *[]){ta, tb}, 2) || dorm_related_add(u, "tags", (void *[]){ta}, 1))
        fuzz_fail("fill: %s", dorm_errmsg(cx));
    f->author = ann;
    f->publisher = p1;
    f->book = t1;
    fill_places(cx, f);
}

static fixture *fixture_get(void) {
    static fixture f;
    static char url[200];
    if (f.ref) return &f;
    dorm_registry *reg = dorm_registry_new(fuzz_apps);
    if (!reg || dorm_registry_errcode(reg)) fuzz_fail("registry: %s", reg ? dorm_registry_messages(reg) : "");
    snprintf(url, sizeof url, "sqlite:///%s", fuzz_path("shapes.sqlite3"));
    f.fast = dorm_db_open(url, reg);
    if (!f.fast || dorm_db_errcode(f.fast)) fuzz_fail("open: %s", f.fast ? dorm_db_errmsg(f.fast) : "");
    dorm_ctx *cx = dorm_ctx_new(f.fast);
    if (!cx || dorm_create_all(cx)) fuzz_fail("tables: %s", dorm_errmsg(cx));
    fill(cx, &f);
    f.ref = dorm_db_open(url, reg);
    if (!f.ref || dorm_db_errcode(f.ref)) fuzz_fail("open: %s", f.ref ? dorm_db_errmsg(f.ref) : "");
    return &f;
}

/* ---- decoding --------------------------------------------------------------- */

typedef struct input {
    const uint8_t *p, *end;
} input;

static unsigned byte(input *in) { return in->p < in->end ? *in->p++ : 0; }

enum { PUBLISHER, AUTHOR, PROFILE, TAG, BOOK, PLACE, SHOP, KIOSK, VISIT, NMODELS };

static const dorm_model *const models[NMODELS] = {&Publisher_model, &Author_model, &Profile_model,
                                                  &Tag_model,       &Book_model,   &Place_model,
                                                  &Shop_model,      &Kiosk_model,  &Visit_model};

/* The manager other than the default one (NULL: the base manager). */
static const char *const other_manager[NMODELS] = {[PLACE] = "hidden", [SHOP] = "hidden", [KIOSK] = "hidden"};

/* Valid paths of each model: keys, unique columns, keys to other models,
 * reverse relations and paths across them. */
static const char *const paths[NMODELS][12] = {
    [PUBLISHER] = {"pk", "id", "name", "book", "book__title", "book__pages", "book__author__name", "book__tags__name",
                   NULL},
    [AUTHOR] = {"pk", "id", "name", "born", "mentor", "mentor_id", "mentor__name", "pupils__name", "books__title",
                "profile", "profile__bio", "books__tags__name"},
    [PROFILE] = {"pk", "id", "author", "author_id", "author__name", "bio", "author__books__title", "author__mentor",
                 NULL},
    [TAG] = {"pk", "id", "name", "books", "books__title", "books__author__name", NULL},
    [BOOK] = {"pk", "id", "title", "author", "author_id", "author__name", "publisher", "publisher__name", "pages",
              "tags__name", "author__profile__bio", "in_print"},
    [PLACE] = {"pk", "id", "name", "code", "hidden", "shop", "shop__rank", "shop__kind", "visits__guests", "visits",
               NULL},
    [SHOP] = {"pk", "id", "place_ptr", "place_ptr_id", "name", "code", "hidden", "kind", "rank", "visits__guests",
              NULL},
    [KIOSK] = {"pk", "id", "name", "code", "hidden", "shop", "shop__rank", "visits__guests", NULL},
    [VISIT] = {"pk", "id", "place", "place_id", "place__name", "place__code", "guests", "place__hidden",
               "place__shop__rank", NULL},
};

/* Keys select_related() may follow, per model. */
static const char *const related[NMODELS][3] = {
    [PROFILE] = {"author", "author__mentor", NULL},
    [AUTHOR] = {"mentor", "profile", NULL},
    [BOOK] = {"author", "publisher", "author__mentor"},
    [PLACE] = {"shop", NULL},
    [SHOP] = {"place_ptr", NULL},
    [VISIT] = {"place", "place__shop", NULL},
};

static const char *const lookups[] = {"", "__exact", "__gt", "__lt", "__in", "__isnull", "__icontains", "__gte"};
static const char *const words_[] = {"Ann", "Bob", "T", "a", "P1", "", "x", "2"};
static const char *const digits[] = {"1", "2", "3", " 4"};

static size_t npaths(int model) {
    size_t n = 0;
    while (n < 12 && paths[model][n]) n++;
    return n;
}

/* The value of a condition, by its kind and a parameter byte; lists live
 * in items (two values). */
static dorm_value value_of(unsigned kind, unsigned arg, dorm_value *items, const fixture *f) {
    switch (kind % 10) {
    case 0: return dorm_v_int((int64_t)(arg % 6));
    case 1: return dorm_v_text(digits[arg % 4]); /* text for integers */
    case 2: return dorm_v_text(words_[arg % 8]);
    case 3: return dorm_v_null();
    case 4: return dorm_v_float((double)(arg % 4));
    case 5: return dorm_v_bool(arg & 1);
    case 6:
        items[0] = dorm_v_int((int64_t)(arg % 5));
        items[1] = dorm_v_int((int64_t)(arg / 5 % 5));
        return dorm_v_list(items, 2);
    case 7:
        items[0] = dorm_v_text(words_[arg % 8]);
        items[1] = dorm_v_int((int64_t)(arg / 8 % 4));
        return dorm_v_list(items, 2);
    case 8: return dorm_v_date(dorm_date_ymd(1950, 1, 1 + (int)(arg % 3)));
    default: {
        void *const objs[] = {f->author, f->publisher, f->book, f->place};
        return dorm_v_object(objs[arg % 4]);
    }
    }
}

/* Conditions read from the input into leaves whose paths are written in
 * bufs (the same buffers each time, their text changed). */
typedef struct conds {
    dorm_q leaves[MAX_CONDS];
    const dorm_q *list[MAX_CONDS + 1];
    dorm_value items[MAX_CONDS][2];
} conds;

static const dorm_q *const *read_conds(input *in, int model, char (*bufs)[PATH_MAX_LEN], conds *c, const fixture *f) {
    unsigned n = byte(in) % (MAX_CONDS + 1);
    for (unsigned i = 0; i < n; i++) {
        unsigned path = byte(in), how = byte(in), arg = byte(in);
        snprintf(bufs[i], PATH_MAX_LEN, "%s%s", paths[model][path % npaths(model)], lookups[how % 8]);
        c->leaves[i] = (dorm_q){DORM_Q_LEAF, bufs[i], value_of(how >> 3, arg, c->items[i], f), NULL};
        c->list[i] = &c->leaves[i];
    }
    c->list[n] = NULL;
    return c->list;
}

/* One operation, decoded once and run on both sessions. */
typedef struct op {
    int model;
    unsigned manager; /* 0: the default, 1: QuerySet(model), 2: the other */
    bool bulk; /* a list is in_bulk(ids), ids from the fields byte */
    unsigned steps, more, order, fields, action;
    const dorm_q *const *filter, *const *exclude, *const *get;
} op;

enum { ACT_GET, ACT_LIST, ACT_COUNT, ACT_FIRST };

static char filter_bufs[MAX_CONDS][PATH_MAX_LEN], exclude_bufs[MAX_CONDS][PATH_MAX_LEN],
    get_bufs[MAX_CONDS][PATH_MAX_LEN];

static void read_op(input *in, op *o, conds *cs, const fixture *f) {
    unsigned m = byte(in);
    o->model = (int)(m % NMODELS);
    o->manager = m / NMODELS % 3;
    o->bulk = m / NMODELS / 3 & 1;
    o->steps = byte(in);
    o->more = byte(in);
    o->order = o->more >> 4;
    o->fields = byte(in);
    o->action = o->more & 3;
    o->filter = o->steps & 1 ? read_conds(in, o->model, filter_bufs, &cs[0], f) : NULL;
    o->exclude = o->steps & 2 ? read_conds(in, o->model, exclude_bufs, &cs[1], f) : NULL;
    o->get = o->action == ACT_GET ? read_conds(in, o->model, get_bufs, &cs[2], f) : NULL;
}

/* ---- running ---------------------------------------------------------------- */

static dorm_qs *build(dorm_ctx *cx, const op *o) {
    const int m = o->model;
    const dorm_model *model = models[m];
    dorm_qs *qs = o->manager == 0 ? dorm_qs_default(cx, model)
        : o->manager == 1         ? dorm_qs_all(cx, model)
        : other_manager[m]        ? dorm_qs_manager(cx, model, other_manager[m])
                                  : dorm_qs_base(cx, model);
    if (o->filter) qs = dorm_qs_filter(qs, o->filter);
    if (o->exclude) qs = dorm_qs_exclude(qs, o->exclude);
    if (o->steps & 4) {
        const char *p = paths[m][o->order % npaths(m)];
        char desc[PATH_MAX_LEN];
        snprintf(desc, sizeof desc, "-%s", p);
        const char *order[] = {o->order & 1 ? desc : p, NULL};
        qs = dorm_qs_order_by(qs, order);
    }
    if (o->steps & 8) qs = dorm_reverse(qs);
    if (o->steps & 16) {
        const char *sel[] = {related[m][o->fields % 3], NULL};
        qs = sel[0] ? dorm_qs_select_related(qs, sel) : dorm_select_related_all(qs);
    }
    if (o->steps & 32) {
        const char *fields[] = {paths[m][o->fields % npaths(m)], o->fields & 16 ? "pk" : NULL, NULL};
        qs = o->fields & 32 ? dorm_qs_only(qs, fields) : dorm_qs_values(qs, o->fields & 64 ? NULL : fields);
    }
    if (o->steps & 64) qs = dorm_distinct(qs);
    if (o->steps & 128) qs = o->more & 4 ? dorm_none(qs) : dorm_slice(qs, o->more >> 3 & 1, 1 + (o->more >> 4 & 3));
    return qs;
}

/* What an operation gave: an error, objects, rows, or a count. */
typedef struct result {
    int code;
    const char *msg;
    size_t n;
    void **objs;
    const dorm_row **rows;
    bool is_rows;
    int64_t count;
} result;

/* The keys of an in_bulk: two from the fields byte (0-5, maybe equal). */
static void bulk_ids(const op *o, int64_t ids[2]) {
    ids[0] = o->fields % 6;
    ids[1] = o->fields / 6 % 6;
}

/* in_bulk(ids) as the objects found, in the order of ids. */
static void run_bulk(dorm_ctx *cx, dorm_qs *qs, const op *o, result *r) {
    int64_t ids[2];
    bulk_ids(o, ids);
    dorm_map *map = dorm_in_bulk(qs, ids, 2);
    r->objs = map ? dorm_alloc(cx, 2 * sizeof *r->objs) : NULL;
    if (!r->objs) return;
    for (int i = 0; i < 2; i++) {
        void *obj = i && ids[1] == ids[0] ? NULL : dorm_map_get(map, ids[i]);
        if (obj) r->objs[r->n++] = obj;
    }
    if (r->n != dorm_map_len(map)) fuzz_fail("in_bulk: %zu objects in a map of %zu", r->n, dorm_map_len(map));
}

static void run(dorm_ctx *cx, const op *o, result *r) {
    dorm_error_clear(cx);
    memset(r, 0, sizeof *r);
    dorm_qs *qs = build(cx, o);
    bool rows = o->steps & 32 && !(o->fields & 32);
    void *one = NULL;
    switch (o->action) {
    case ACT_GET:
        one = dorm_qs_get(qs, o->get);
        r->n = one != NULL;
        break;
    case ACT_FIRST:
        one = dorm_first(qs);
        r->n = one != NULL;
        break;
    case ACT_COUNT: r->count = dorm_count(qs); break;
    default:
        if (o->bulk)
            run_bulk(cx, qs, o, r);
        else if (rows)
            r->rows = (const dorm_row **)dorm_rows(qs, &r->n);
        else
            r->objs = dorm_qs_list(qs, &r->n);
    }
    if (one && rows) {
        r->rows = dorm_alloc(cx, sizeof *r->rows);
        if (r->rows) r->rows[0] = one;
    } else if (one) {
        r->objs = dorm_alloc(cx, sizeof *r->objs);
        if (r->objs) r->objs[0] = one;
    }
    r->is_rows = rows;
    r->code = dorm_errcode(cx);
    r->msg = r->code ? dorm_strdup(cx, dorm_errmsg(cx)) : NULL;
    if (r->code || (r->n && !r->objs && !r->rows)) r->n = 0;
}

static const char *describe(const op *o) {
    static char text[1024];
    size_t at = (size_t)snprintf(text, sizeof text, "%s manager=%u bulk=%d steps=%u more=%u fields=%u action=%u",
                                 models[o->model]->name, o->manager, o->bulk, o->steps, o->more, o->fields, o->action);
    const dorm_q *const *lists[] = {o->filter, o->exclude, o->get};
    static const char *const names[] = {"filter", "exclude", "get"};
    for (int l = 0; l < 3; l++)
        for (int i = 0; lists[l] && lists[l][i] && at < sizeof text; i++)
            at += (size_t)snprintf(text + at, sizeof text - at, " %s(%s: type %d)", names[l], lists[l][i]->path,
                                   (int)lists[l][i]->value.type);
    return text;
}

static bool same_rows(const dorm_row *a, const dorm_row *b) {
    if (a->n != b->n) return false;
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->names[i], b->names[i]) != 0 || !dorm_value_equal(&a->values[i], &b->values[i])) return false;
    return true;
}

/* fast against ref, which is `how` ("without" the caches, or "listed"). */
static void compare(const op *o, const result *fast, const result *ref, const char *how) {
    if (fast->code != ref->code || (fast->msg && strcmp(fast->msg, ref->msg) != 0))
        fuzz_fail("%s: error %d '%s' with the caches, %d '%s' %s", describe(o), fast->code, fast->msg ? fast->msg : "",
                  ref->code, ref->msg ? ref->msg : "", how);
    if (fast->count != ref->count)
        fuzz_fail("%s: count %lld with the caches, %lld %s", describe(o), (long long)fast->count, (long long)ref->count,
                  how);
    if (fast->n != ref->n) fuzz_fail("%s: %zu results with the caches, %zu %s", describe(o), fast->n, ref->n, how);
    for (size_t i = 0; i < fast->n; i++) {
        if (fast->is_rows) {
            if (!same_rows(fast->rows[i], ref->rows[i])) fuzz_fail("%s: row %zu differs", describe(o), i);
            continue;
        }
        dorm_value a = dorm_pk_of(fast->objs[i]), b = dorm_pk_of(ref->objs[i]);
        if (!dorm_value_equal(&a, &b)) fuzz_fail("%s: object %zu has another key", describe(o), i);
        /* A proxy's object is the proxy's, a child's the child's. */
        if (((dorm_object *)fast->objs[i])->model != ((dorm_object *)ref->objs[i])->model)
            fuzz_fail("%s: object %zu is of another model", describe(o), i);
    }
}

/* get() the slow way: the rows of the QuerySet filtered and unordered as
 * get() makes it, listed whole, then counted as get() counts them (what a
 * get that stops at its first row must still find). */
static void get_listed(dorm_ctx *cx, const op *o, result *r) {
    op listed = *o;
    listed.action = ACT_LIST;
    listed.get = NULL;
    memset(r, 0, sizeof *r);
    dorm_error_clear(cx);
    dorm_qs *qs = build(cx, &listed);
    bool sliced = o->steps & 128 && !(o->more & 4);
    if (!sliced) qs = dorm_clear_ordering(qs);
    if (o->get[0]) qs = dorm_qs_filter(qs, o->get);
    r->is_rows = o->steps & 32 && !(o->fields & 32);
    if (r->is_rows)
        r->rows = (const dorm_row **)dorm_rows(qs, &r->n);
    else
        r->objs = dorm_qs_list(qs, &r->n);
    r->code = dorm_errcode(cx);
    const char *name = models[o->model]->name;
    if (r->code)
        r->msg = dorm_strdup(cx, dorm_errmsg(cx));
    else if (r->n == 0)
        r->msg = dorm_sprintf(cx, "%s matching query does not exist.", name);
    else if (r->n >= 21)
        r->msg = dorm_sprintf(cx, "get() returned more than one %s -- it returned more than 20!", name);
    else if (r->n > 1)
        r->msg = dorm_sprintf(cx, "get() returned more than one %s -- it returned %zu!", name, r->n);
    if (!r->code && r->n != 1) r->code = r->n ? DORM_EMULTIPLE : DORM_EDOESNOTEXIST;
    if (r->code) r->n = 0;
}

/* Whether the listing of lt holds an object with obj's key (rows: an
 * equal row). */
static bool listed_has(const result *lt, const void *obj, bool rows) {
    dorm_value key = rows ? dorm_v_null() : dorm_pk_of((void *)obj);
    for (size_t i = 0; i < lt->n; i++) {
        if (rows) {
            if (same_rows(lt->rows[i], obj)) return true;
            continue;
        }
        dorm_value k = dorm_pk_of(lt->objs[i]);
        if (dorm_value_equal(&k, &key)) return true;
    }
    return false;
}

/* first() and in_bulk() against the QuerySet listed whole: first()'s
 * object is one of its rows (which one depends on the ordering's ties),
 * none only when it has none; in_bulk's keys are those of its rows with
 * the keys asked for. */
static void check_listed(dorm_ctx *cx, const op *o, const result *r) {
    bool first = o->action == ACT_FIRST, bulk = o->action == ACT_LIST && o->bulk;
    if (r->code || (!first && !bulk) || (o->steps & 128 && !(o->more & 4))) return;
    op listed = *o;
    listed.action = ACT_LIST;
    listed.bulk = false;
    dorm_error_clear(cx);
    dorm_qs *qs = build(cx, &listed);
    int64_t ids[2];
    bulk_ids(o, ids);
    dorm_value keys[2] = {dorm_v_int(ids[0]), dorm_v_int(ids[1])};
    if (bulk) qs = dorm_filter(qs, DQ("pk__in", dorm_v_list(keys, 2)));
    result lt = {.is_rows = r->is_rows};
    if (r->is_rows)
        lt.rows = (const dorm_row **)dorm_rows(qs, &lt.n);
    else
        lt.objs = dorm_qs_list(qs, &lt.n);
    if (dorm_errcode(cx)) fuzz_fail("%s: listed: %s", describe(o), dorm_errmsg(cx));
    if (first && (r->n ? !listed_has(&lt, r->rows ? (const void *)r->rows[0] : r->objs[0], r->is_rows) : lt.n != 0))
        fuzz_fail("%s: first() is not among the %zu rows listed", describe(o), lt.n);
    if (!bulk) return;
    for (size_t i = 0; i < r->n; i++)
        if (!listed_has(&lt, r->objs[i], false)) fuzz_fail("%s: in_bulk() has a key not listed", describe(o));
    for (size_t i = 0; i < lt.n; i++) {
        result one = {.n = r->n, .objs = r->objs};
        if (!listed_has(&one, lt.objs[i], false)) fuzz_fail("%s: in_bulk() misses a key listed", describe(o));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 512) return 0;
    fixture *f = fixture_get();
    input in = {data, data + size};
    dorm_ctx *fast = dorm_ctx_new(f->fast), *ref = dorm_ctx_new(f->ref);
    if (!fast || !ref) fuzz_fail("out of memory");
    for (int i = 0; i < MAX_OPS && in.p < in.end; i++) {
        op o;
        conds cs[3];
        read_op(&in, &o, cs, f);
        result a, b;
        run(fast, &o, &a);
        dorm_link__shapes_clear(f->ref->link, true);
        run(ref, &o, &b);
        compare(&o, &a, &b, "without");
        if (o.action == ACT_GET) {
            get_listed(ref, &o, &b);
            compare(&o, &a, &b, "listed");
        }
        check_listed(ref, &o, &a);
    }
    dorm_ctx_free(fast);
    dorm_ctx_free(ref);
    return 0;
}
