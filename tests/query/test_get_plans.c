/* test_get_plans.c - the fast ways of a repeated get(): the session's last
 * plan picked out again without building its key (only when what it
 * compares says the key would be the same), and a get whose conditions pin
 * one row stopping at that row while a get that can match several still
 * counts them (MultipleObjectsReturned); neither may lose what a filtering
 * manager, a proxy's manager or multi-table inheritance adds, nor stop
 * early on a nullable unique column or a to_field relation. */
#include <criterion/criterion.h>
#include <string.h>

#include "backend/db.h"
#include "query/shape.h"
#include "testdb.h"

static void catalogue(void) {
    test_db_open();
    test_db_catalogue();
}

static dorm_qs *books(void) { return dorm_all(T.cx, Book); }
static dorm_qs *authors(void) { return dorm_all(T.cx, Author); }

static int64_t book_id(const char *title) {
    Book *b = dorm_get(books(), DQ("title", title));
    cr_assert_not_null(b, "%s", dorm_errmsg(T.cx));
    return b->id;
}

static void expect_title(Book *b, const char *title) {
    cr_assert_not_null(b, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(b->title, title);
}

/* The memo answers for a plain Model.objects get only, and only with the
 * plan the whole key finds: anything else it compares differs, and the
 * get goes the long way to the right plan. */
Test(get_plans, last_plan_memo, .init = catalogue, .fini = test_db_close) {
    int64_t emma = book_id("Emma"), farm = book_id("Animal Farm");
    expect_title(dorm_get(books(), DQ("pk", emma)), "Emma");
    expect_title(dorm_get(books(), DQ("pk", farm)), "Animal Farm");
    const dorm_plan_memo *mo = &T.db->link->last_plan;
    cr_assert_not_null(mo->en, "a plain get by pk is kept");
    const dorm_shape_entry *by_pk = mo->en;
    uint64_t compiles = T.db->shape_compiles, hits = T.db->shape_hits;
    expect_title(dorm_get(books(), DQ("pk", emma)), "Emma");
    cr_assert_eq(T.db->shape_hits - hits, 1);
    cr_assert_eq(T.db->shape_compiles, compiles);
    cr_assert_eq(mo->en, by_pk);

    /* The same buffer naming another path of the same value type: the
     * memo compares the text, not where it lives. */
    char path[16] = "pk";
    expect_title(dorm_get(books(), DQ(path, emma)), "Emma");
    strcpy(path, "pages");
    expect_title(dorm_get(books(), DQ(path, 328)), "1984");
    strcpy(path, "pk");
    expect_title(dorm_get(books(), DQ(path, farm)), "Animal Farm");

    /* Another value type, another model, more conditions. */
    char id[32];
    snprintf(id, sizeof id, "%lld", (long long)emma);
    expect_title(dorm_get(books(), DQ("pk", id)), "Emma");
    Author *austen = dorm_get(authors(), DQ("name", "Jane Austen"));
    cr_assert_not_null(austen, "%s", dorm_errmsg(T.cx));
    Author *again = dorm_get(authors(), DQ("pk", austen->id));
    cr_assert(again && again->id == austen->id, "%s", dorm_errmsg(T.cx));
    expect_title(dorm_get(books(), DQ("pk", emma), DQ("genre", "FIC")), "Emma");
    cr_assert_null(dorm_get(books(), DQ("pk", emma), DQ("genre", "HIS")));
    cr_assert_eq(dorm_errcode(T.cx), DORM_EDOESNOTEXIST);

    /* QuerySets whose key holds more than the model: their own plans. */
    expect_title(dorm_get(books(), DQ("pk", emma)), "Emma");
    cr_assert_null(dorm_get(dorm_filter(books(), DQ("genre", "HIS")), DQ("pk", emma)));
    cr_assert_eq(dorm_errcode(T.cx), DORM_EDOESNOTEXIST, "%s", dorm_errmsg(T.cx));
    cr_assert_null(dorm_get(dorm_none(books()), DQ("pk", emma)));
    cr_assert_eq(dorm_errcode(T.cx), DORM_EDOESNOTEXIST, "%s", dorm_errmsg(T.cx));
    const dorm_row *row = dorm_get(dorm_values(books(), "title"), DQ("pk", farm));
    cr_assert_not_null(row, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(dorm_row_get(row, "title")->u.s, "Animal Farm");
    Book *only = dorm_get(dorm_only(books(), "title"), DQ("pk", farm));
    cr_assert_not_null(only, "%s", dorm_errmsg(T.cx));
    cr_assert(dorm_is_deferred(only, isbn));
    Book *related = dorm_get(dorm_select_related(books(), "author"), DQ("pk", emma));
    cr_assert_not_null(related, "%s", dorm_errmsg(T.cx));
    cr_assert_not_null(related->author.obj);
    cr_assert_str_eq(((Author *)related->author.obj)->name, "Jane Austen");
    /* An ordering get() clears anyway: the memo's plan serves it. */
    expect_title(dorm_get(dorm_order_by(books(), "title"), DQ("pk", farm)), "Animal Farm");
    cr_assert_eq(mo->en, by_pk);

    /* Every shape forgotten (the cache full, a new session): the memo too. */
    dorm_link__shapes_clear(T.db->link, true);
    cr_assert_null(mo->en);
    expect_title(dorm_get(books(), DQ("pk", emma)), "Emma");
    expect_title(dorm_get(books(), DQ("pk", farm)), "Animal Farm");
}

static bool one_row(dorm_qs *qs) {
    cr_assert(qs && !dorm_qs_errcode(qs), "%s", dorm_errmsg(T.cx));
    return dorm_qs__one_row(qs);
}

/* What lets a get() stop at its row: the primary key or a unique column
 * pinned by a condition ANDed at the top, and no join that repeats rows. */
Test(get_plans, one_row_queries, .init = catalogue, .fini = test_db_close) {
    const dorm_value pks[] = {dorm_v_int(1), dorm_v_int(2)};
    cr_assert(one_row(dorm_filter(books(), DQ("pk", 1))));
    cr_assert(one_row(dorm_filter(books(), DQ("id", 1))));
    cr_assert(one_row(dorm_filter(books(), DQ("isbn", "9780141439587"))));
    cr_assert(one_row(dorm_filter(books(), DQ("genre", "FIC"), DQ("pk", 1))));
    cr_assert(one_row(dorm_filter(books(), DQ("author__name", "Jane Austen"), DQ("pk", 1))));
    cr_assert(one_row(dorm_select_related(dorm_filter(books(), DQ("pk", 1)), "author")));
    cr_assert_not(one_row(books()));
    cr_assert_not(one_row(dorm_filter(books(), DQ("genre", "FIC"))));
    cr_assert_not(one_row(dorm_filter(books(), DQ("pk__gt", 1))));
    cr_assert_not(one_row(dorm_filter(books(), DQ("pk__in", dorm_v_list(pks, 2)))));
    cr_assert_not(one_row(dorm_filter(books(), DQ("isbn", NULL))));
    cr_assert_not(one_row(dorm_filter(books(), DQ("isbn__iexact", "9780141439587"))));
    cr_assert_not(one_row(dorm_filter(books(), dorm_or(DQ("pk", 1), DQ("pk", 2)))));
    cr_assert_not(one_row(dorm_exclude(books(), DQ("pk", 1))));
    cr_assert_not(one_row(dorm_filter(authors(), DQ("books__pages__gt", 100), DQ("pk", 1))));
}

/* A get through a join that repeats rows still reads them all, on its
 * first run and from its plan. */
Test(get_plans, several_rows_still_counted, .init = catalogue, .fini = test_db_close) {
    Author *austen = dorm_get(authors(), DQ("name", "Jane Austen"));
    cr_assert_not_null(austen, "%s", dorm_errmsg(T.cx));
    for (int run = 0; run < 3; run++) {
        cr_assert_null(dorm_get(dorm_filter(authors(), DQ("books__pages__gt", 300)), DQ("pk", austen->id)));
        cr_assert_eq(dorm_errcode(T.cx), DORM_EMULTIPLE, "run %d: %s", run, dorm_errmsg(T.cx));
        cr_assert_str_eq(dorm_errmsg(T.cx), "get() returned more than one Author -- it returned 2!");
    }
    for (int run = 0; run < 3; run++) {
        cr_assert_null(dorm_get(books(), DQ("genre", "FIC")));
        cr_assert_eq(dorm_errcode(T.cx), DORM_EMULTIPLE, "run %d: %s", run, dorm_errmsg(T.cx));
        cr_assert_str_eq(dorm_errmsg(T.cx), "get() returned more than one Book -- it returned 6!");
    }
    Author *one = dorm_get(dorm_filter(authors(), DQ("books__pages__gt", 450)), DQ("pk", austen->id));
    cr_assert(one && one->id == austen->id, "%s", dorm_errmsg(T.cx));
}

/* ---- managers, inheritance, proxies, to_field ------------------------------ */

/* Place's default manager hides the hidden rows, "hidden" shows only them;
 * name is unique, code unique and nullable. */
typedef struct Place {
    DORM_OBJECT;
    int64_t id;
    const char *name;
    const char *code;
    bool hidden;
} Place;

typedef struct Shop {
    DORM_OBJECT;
    Place place;
    DORM_FK(Place) place_ptr;
    const char *kind;
    int32_t rank;
} Shop;

typedef struct Kiosk {
    DORM_OBJECT;
    Place place;
} Kiosk;

typedef struct Visit {
    DORM_OBJECT;
    int64_t id;
    DORM_FK_TO(Place, const char *) place;
    int32_t guests;
} Visit;

DORM_MODEL_DECLARE(Place);
DORM_MODEL_DECLARE(Shop);
DORM_MODEL_DECLARE(Kiosk);
DORM_MODEL_DECLARE(Visit);

static dorm_qs *shown(dorm_qs *qs) { return dorm_filter(qs, DQ("hidden", false)); }
static dorm_qs *hidden(dorm_qs *qs) { return dorm_filter(qs, DQ("hidden", true)); }
static dorm_qs *with_code(dorm_qs *qs) { return dorm_filter(qs, DQ("code__isnull", false)); }

static const dorm_field Place_fields[] = {
    DORM_AUTO(Place, id),
    DORM_CHAR(Place, name, .max_length = 20, .unique = true),
    DORM_CHAR(Place, code, .max_length = 8, .unique = true, .null = true),
    DORM_BOOL(Place, hidden, .default_value = DORM_VBOOL(false)),
    DORM_END,
};
const dorm_model Place_model = DORM_MODEL(
    Place, "gp", Place_fields, .managers = DORM_MANAGERS({"objects", shown, NULL}, {"hidden", hidden, NULL}));

static const dorm_field Shop_fields[] = {
    DORM_PARENT(Shop, place, Place),
    DORM_PARENT_LINK(Shop, place_ptr, Place),
    DORM_CHAR(Shop, kind, .max_length = 20),
    DORM_INT(Shop, rank, .unique = true, .null = true),
    DORM_END,
};
const dorm_model Shop_model = DORM_MODEL(Shop, "gp", Shop_fields);

static const dorm_field Kiosk_fields[] = {DORM_PARENT(Kiosk, place, Place), DORM_END};
const dorm_model Kiosk_model =
    DORM_MODEL(Kiosk, "gp", Kiosk_fields, .proxy = true, .managers = DORM_MANAGERS({"objects", with_code, NULL}));

static const dorm_field Visit_fields[] = {
    DORM_AUTO(Visit, id),
    DORM_FOREIGN_KEY(Visit, place, Place, .on_delete = DORM_CASCADE, .to_field = "name", .related_name = "visits"),
    DORM_INT(Visit, guests, .default_value = DORM_VINT(0)),
    DORM_END,
};
const dorm_model Visit_model = DORM_MODEL(Visit, "gp", Visit_fields);

static const dorm_app gp_app = {
    .label = "gp",
    .models = DORM_MODELS(&Place_model, &Shop_model, &Kiosk_model, &Visit_model),
};

/* The places' keys: a (visible, code x), the shop T (hidden, rank 1), x
 * (hidden, code 2), the shop Bob (visible, no code, no rank); kiosks are
 * a and x.  Visits: two to a, one to T, one to x. */
static struct { int64_t a, t, x, bob; } K;

static void places(void) {
    test_db_open_apps((const dorm_app *const[]){&gp_app, NULL});
    Place *a = dorm_create(T.cx, Place, .name = "a", .code = "x");
    Shop *t = dorm_create(T.cx, Shop, .place = {.name = "T", .hidden = true}, .kind = "k", .rank = 1);
    Place *x = dorm_create(T.cx, Place, .name = "x", .code = "2", .hidden = true);
    Shop *bob = dorm_new(T.cx, Shop);
    cr_assert(a && t && x && bob, "%s", dorm_errmsg(T.cx));
    bob->place.name = "Bob";
    bob->kind = "k";
    dorm_set_null(bob, rank);
    cr_assert_eq(dorm_save(bob), DORM_OK, "%s", dorm_errmsg(T.cx));
    cr_assert(dorm_create(T.cx, Visit, .place = {"a", NULL}, .guests = 2) &&
                  dorm_create(T.cx, Visit, .place = {"a", NULL}, .guests = 3) &&
                  dorm_create(T.cx, Visit, .place = {"T", NULL}, .guests = 2) &&
                  dorm_create(T.cx, Visit, .place = {"x", NULL}),
              "%s", dorm_errmsg(T.cx));
    K.a = a->id;
    K.t = t->place.id;
    K.x = x->id;
    K.bob = bob->place.id;
}

TestSuite(get_models, .init = places, .fini = test_db_close);

/* get() on qs: the name of the place found, or NULL with DoesNotExist. */
static const char *place_name(void *obj) {
    const dorm_object *h = obj;
    return h->model == &Shop_model ? ((Shop *)obj)->place.name
        : h->model == &Kiosk_model ? ((Kiosk *)obj)->place.name
                                   : ((Place *)obj)->name;
}

static const char *got(dorm_qs *qs, const dorm_q *const *conds) {
    void *obj = dorm_qs_get(qs, conds);
    if (!obj) {
        cr_assert_eq(dorm_errcode(T.cx), DORM_EDOESNOTEXIST, "%s", dorm_errmsg(T.cx));
        return NULL;
    }
    return place_name(obj);
}

#define GOT(qs, ...) got((qs), DORM__QLIST(__VA_ARGS__))

static void expect(const char *name, const char *want, const char *what) {
    if (!want)
        cr_assert_null(name, "%s: found %s, which the manager hides", what, name);
    else
        cr_assert(name && strcmp(name, want) == 0, "%s: %s, not %s", what, name ? name : "nothing", want);
}

static dorm_qs *all_of(const dorm_model *m) { return dorm_qs_all(T.cx, m); }
static dorm_qs *objects(const dorm_model *m) { return dorm_qs_default(T.cx, m); }

/* A get through a filtering manager never finds a row it hides, whatever
 * get of the same key ran before it (QuerySet(model), the other manager),
 * on its first run and from its plan; and the plain get after it still
 * finds the row. */
Test(get_models, manager_filter_survives_the_memo) {
    for (int run = 0; run < 3; run++) {
        expect(GOT(all_of(&Place_model), DQ("pk", K.x)), "x", "QuerySet(Place)");
        expect(GOT(all_of(&Place_model), DQ("pk", K.x)), "x", "QuerySet(Place) from its plan");
        cr_assert_not_null(T.db->link->last_plan.en, "the plain get is the memo's");
        expect(GOT(objects(&Place_model), DQ("pk", K.x)), NULL, "Place.objects");
        expect(GOT(all_of(&Place_model), DQ("pk", K.x)), "x", "QuerySet(Place) again");
        expect(GOT(dorm_qs_manager(T.cx, &Place_model, "hidden"), DQ("pk", K.a)), NULL, "Place.hidden");
        expect(GOT(all_of(&Place_model), DQ("pk", K.a)), "a", "QuerySet(Place), a");
        expect(GOT(dorm_qs_manager(T.cx, &Place_model, "hidden"), DQ("pk", K.x)), "x", "Place.hidden, x");
        expect(GOT(objects(&Place_model), DQ("pk", K.a)), "a", "Place.objects, a");
        /* By a unique column, which stops at its row. */
        expect(GOT(all_of(&Place_model), DQ("name", "x")), "x", "QuerySet(Place) by name");
        expect(GOT(objects(&Place_model), DQ("name", "x")), NULL, "Place.objects by name");
        expect(GOT(all_of(&Place_model), DQ("code", "2")), "x", "QuerySet(Place) by code");
        expect(GOT(objects(&Place_model), DQ("code", "2")), NULL, "Place.objects by code");
    }
    /* The other way round on a fresh session: the manager's get first. */
    dorm_link__shapes_clear(T.db->link, true);
    expect(GOT(objects(&Place_model), DQ("pk", K.t)), NULL, "Place.objects first");
    expect(GOT(all_of(&Place_model), DQ("pk", K.t)), "T", "QuerySet(Place) after it");
    expect(GOT(objects(&Place_model), DQ("pk", K.t)), NULL, "Place.objects after that");
}

/* A proxy's manager against its concrete model's gets and QuerySet(proxy). */
Test(get_models, proxy_manager_survives_the_memo) {
    for (int run = 0; run < 3; run++) {
        expect(GOT(all_of(&Kiosk_model), DQ("pk", K.bob)), "Bob", "QuerySet(Kiosk)");
        expect(GOT(objects(&Kiosk_model), DQ("pk", K.bob)), NULL, "Kiosk.objects");
        expect(GOT(objects(&Place_model), DQ("pk", K.bob)), "Bob", "Place.objects");
        expect(GOT(objects(&Kiosk_model), DQ("pk", K.bob)), NULL, "Kiosk.objects after Place");
        expect(GOT(all_of(&Place_model), DQ("pk", K.x)), "x", "QuerySet(Place), x");
        Kiosk *k = dorm_get(objects(&Kiosk_model), DQ("pk", K.x));
        cr_assert_not_null(k, "%s", dorm_errmsg(T.cx));
        cr_assert_eq(((dorm_object *)k)->model, &Kiosk_model, "a proxy's get makes a proxy object");
        cr_assert_str_eq(k->place.code, "2");
        expect(GOT(objects(&Place_model), DQ("pk", K.x)), NULL, "Place.objects, x");
        expect(GOT(objects(&Kiosk_model), DQ("name", "Bob")), NULL, "Kiosk.objects by name");
    }
}

/* An MTI child and its parent with the same key: the child's inherited
 * manager filters through the parent's table; a parent that is no child
 * is no child's row. */
Test(get_models, child_and_parent_of_one_key) {
    for (int run = 0; run < 3; run++) {
        expect(GOT(all_of(&Place_model), DQ("pk", K.t)), "T", "QuerySet(Place), T");
        expect(GOT(all_of(&Shop_model), DQ("pk", K.t)), "T", "QuerySet(Shop), T");
        expect(GOT(objects(&Shop_model), DQ("pk", K.t)), NULL, "Shop.objects, T (hidden)");
        expect(GOT(all_of(&Shop_model), DQ("place_ptr", K.t)), "T", "QuerySet(Shop) by the parent link");
        expect(GOT(objects(&Shop_model), DQ("id", K.t)), NULL, "Shop.objects by the parent's id");
        expect(GOT(all_of(&Place_model), DQ("pk", K.a)), "a", "QuerySet(Place), a");
        expect(GOT(all_of(&Shop_model), DQ("pk", K.a)), NULL, "QuerySet(Shop), a (no shop)");
        expect(GOT(objects(&Shop_model), DQ("pk", K.bob)), "Bob", "Shop.objects, Bob");
        expect(GOT(objects(&Place_model), DQ("pk", K.bob)), "Bob", "Place.objects, Bob");
        /* By the child's own unique column and by the parent's. */
        expect(GOT(all_of(&Shop_model), DQ("rank", 1)), "T", "QuerySet(Shop) by rank");
        expect(GOT(objects(&Shop_model), DQ("rank", 1)), NULL, "Shop.objects by rank");
        expect(GOT(all_of(&Shop_model), DQ("name", "T")), "T", "QuerySet(Shop) by name");
        expect(GOT(objects(&Shop_model), DQ("name", "T")), NULL, "Shop.objects by name");
        expect(GOT(all_of(&Shop_model), DQ("name", "a")), NULL, "QuerySet(Shop) by a parent's name");
    }
    Shop *t = dorm_get(all_of(&Shop_model), DQ("pk", K.t));
    cr_assert_not_null(t, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(t->kind, "k");
    cr_assert(t->place.hidden && t->rank == 1 && t->place_ptr.id == K.t);
}

static void expect_multiple(dorm_qs *qs, const dorm_q *const *conds, const char *msg) {
    cr_assert_null(dorm_qs_get(qs, conds));
    cr_assert_eq(dorm_errcode(T.cx), DORM_EMULTIPLE, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(dorm_errmsg(T.cx), msg);
}

/* A unique column that is nullable pins a row by a value, never by NULL
 * (isnull); the stop-at-one-row plan of the first must not serve the
 * second. */
Test(get_models, nullable_unique_column) {
    cr_assert(one_row(dorm_filter(all_of(&Place_model), DQ("code", "x"))));
    cr_assert_not(one_row(dorm_filter(all_of(&Place_model), DQ("code", NULL))));
    cr_assert_not(one_row(dorm_filter(all_of(&Place_model), DQ("code__isnull", true))));
    cr_assert(one_row(dorm_filter(all_of(&Shop_model), DQ("rank", 1))));
    cr_assert_not(one_row(dorm_filter(all_of(&Shop_model), DQ("rank", NULL))));
    for (int run = 0; run < 3; run++) {
        expect(GOT(all_of(&Place_model), DQ("code", "x")), "a", "by code");
        expect_multiple(all_of(&Place_model), DORM__QLIST(DQ("code", NULL)),
                        "get() returned more than one Place -- it returned 2!");
        expect(GOT(objects(&Place_model), DQ("code", NULL)), "Bob", "Place.objects by a NULL code");
        expect(GOT(all_of(&Shop_model), DQ("rank", 1)), "T", "by rank");
        expect(GOT(all_of(&Shop_model), DQ("rank", NULL)), "Bob", "by a NULL rank");
        expect(GOT(all_of(&Kiosk_model), DQ("code", "2")), "x", "QuerySet(Kiosk) by code");
    }
}

/* A ForeignKey to a unique text column (to_field): gets by it, across it
 * and back through it, where the reverse join repeats the place's row. */
Test(get_models, to_field_relation) {
    cr_assert_not(one_row(dorm_filter(dorm_all(T.cx, Visit), DQ("place", "a"))));
    cr_assert_not(one_row(dorm_filter(all_of(&Place_model), DQ("visits__guests__gte", 2), DQ("pk", K.a))));
    cr_assert(one_row(dorm_filter(all_of(&Place_model), DQ("visits__guests", 2), DQ("name", "a"))) == false);
    for (int run = 0; run < 3; run++) {
        expect_multiple(dorm_all(T.cx, Visit), DORM__QLIST(DQ("place", "a")),
                        "get() returned more than one Visit -- it returned 2!");
        Visit *v = dorm_get(dorm_all(T.cx, Visit), DQ("place", "T"));
        cr_assert(v && v->guests == 2 && strcmp(v->place.id, "T") == 0, "%s", dorm_errmsg(T.cx));
        expect_multiple(dorm_all(T.cx, Visit), DORM__QLIST(DQ("place__name", "a")),
                        "get() returned more than one Visit -- it returned 2!");
        v = dorm_get(dorm_all(T.cx, Visit), DQ("place__code", "2"));
        cr_assert(v && strcmp(v->place.id, "x") == 0, "%s", dorm_errmsg(T.cx));
        expect_multiple(all_of(&Place_model), DORM__QLIST(DQ("visits__guests__gte", 2), DQ("pk", K.a)),
                        "get() returned more than one Place -- it returned 2!");
        expect(GOT(all_of(&Place_model), DQ("pk", K.a)), "a", "a alone");
        expect_multiple(dorm_filter(all_of(&Place_model), DQ("visits__guests__gte", 2)), DORM__QLIST(DQ("name", "a")),
                        "get() returned more than one Place -- it returned 2!");
        expect(GOT(objects(&Place_model), DQ("visits__guests", 3)), "a", "by a visit");
        expect(GOT(objects(&Place_model), DQ("visits__guests", 2), DQ("name", "T")), NULL, "hidden T by a visit");
        expect(GOT(objects(&Shop_model), DQ("visits__guests", 2)), NULL, "hidden shop T by a visit");
    }
}

/* first(), in_bulk() and values() through the managers after the plain
 * QuerySet's. */
Test(get_models, first_in_bulk_values) {
    const int64_t ids[] = {K.a, K.t, K.x, K.bob};
    for (int run = 0; run < 2; run++) {
        cr_assert_eq(dorm_map_len(dorm_in_bulk(all_of(&Place_model), ids, 4)), 4);
        dorm_map *m = dorm_in_bulk(objects(&Place_model), ids, 4);
        cr_assert(m && dorm_map_len(m) == 2 && dorm_map_get(m, K.a) && dorm_map_get(m, K.bob), "%s", dorm_errmsg(T.cx));
        m = dorm_in_bulk(objects(&Shop_model), ids, 4);
        cr_assert(m && dorm_map_len(m) == 1 && dorm_map_get(m, K.bob), "%s", dorm_errmsg(T.cx));
        m = dorm_in_bulk(objects(&Kiosk_model), ids, 4);
        cr_assert(m && dorm_map_len(m) == 2 && dorm_map_get(m, K.x), "%s", dorm_errmsg(T.cx));
        /* A join that repeats a row repeats no key (Django's dict). */
        m = dorm_in_bulk(dorm_filter(all_of(&Place_model), DQ("visits__guests__gte", 2)), ids, 4);
        cr_assert(m && dorm_map_len(m) == 2 && dorm_map_get(m, K.a) && dorm_map_get(m, K.t), "%s", dorm_errmsg(T.cx));
        const dorm_value keys[] = {dorm_v_int(K.a), dorm_v_int(K.t), dorm_v_int(K.x)};
        m = dorm_in_bulk_keys(dorm_filter(all_of(&Place_model), DQ("visits__guests__gte", 2)), keys, 3);
        cr_assert(m && dorm_map_len(m) == 2 && dorm_map_find(m, &keys[0]) && dorm_map_find(m, &keys[1]), "%s",
                  dorm_errmsg(T.cx));
        expect(place_name(dorm_first(all_of(&Place_model))), "a", "first of QuerySet(Place)");
        expect(place_name(dorm_first(dorm_qs_manager(T.cx, &Place_model, "hidden"))), "T", "first of Place.hidden");
        expect(place_name(dorm_first(objects(&Shop_model))), "Bob", "first of Shop.objects");
        const dorm_row *row = dorm_get(dorm_values(all_of(&Place_model), "name"), DQ("pk", K.x));
        cr_assert(row && strcmp(dorm_row_get(row, "name")->u.s, "x") == 0, "%s", dorm_errmsg(T.cx));
        cr_assert_null(dorm_get(dorm_values(objects(&Place_model), "name"), DQ("pk", K.x)));
        cr_assert_eq(dorm_errcode(T.cx), DORM_EDOESNOTEXIST, "%s", dorm_errmsg(T.cx));
        row = dorm_get(dorm_values(objects(&Kiosk_model), "name"), DQ("pk", K.a));
        cr_assert(row && strcmp(dorm_row_get(row, "name")->u.s, "a") == 0, "%s", dorm_errmsg(T.cx));
    }
}

/* The SQL each get runs, on its first run and from its plan or the memo:
 * Django's, the manager's and the proxy's conditions kept, the child's
 * join, the to_field column, IS NULL for a nullable unique column. */
Test(get_models, sql_of_the_plans) {
    static const char *const want[] = {
        "SELECT \"gp_place\".\"id\", \"gp_place\".\"name\", \"gp_place\".\"code\", \"gp_place\".\"hidden\" FROM "
        "\"gp_place\" WHERE \"gp_place\".\"id\" = ? LIMIT 21",
        "SELECT \"gp_place\".\"id\", \"gp_place\".\"name\", \"gp_place\".\"code\", \"gp_place\".\"hidden\" FROM "
        "\"gp_place\" WHERE (\"gp_place\".\"code\" IS NOT NULL AND \"gp_place\".\"id\" = ?) LIMIT 21",
        "SELECT \"gp_place\".\"id\", \"gp_place\".\"name\", \"gp_place\".\"code\", \"gp_place\".\"hidden\", "
        "\"gp_shop\".\"place_ptr_id\", \"gp_shop\".\"kind\", \"gp_shop\".\"rank\" FROM \"gp_shop\" INNER JOIN "
        "\"gp_place\" ON (\"gp_shop\".\"place_ptr_id\" = \"gp_place\".\"id\") WHERE \"gp_shop\".\"place_ptr_id\" = ? "
        "LIMIT 21",
        "SELECT \"gp_place\".\"id\", \"gp_place\".\"name\", \"gp_place\".\"code\", \"gp_place\".\"hidden\" FROM "
        "\"gp_place\" WHERE \"gp_place\".\"code\" IS NULL LIMIT 21",
        "SELECT \"gp_visit\".\"id\", \"gp_visit\".\"place_id\", \"gp_visit\".\"guests\" FROM \"gp_visit\" WHERE "
        "\"gp_visit\".\"place_id\" = ? LIMIT 21",
    };
    test_log_start();
    for (int run = 0; run < 3; run++) {
        expect(GOT(all_of(&Place_model), DQ("pk", K.bob)), "Bob", "QuerySet(Place)");
        expect(GOT(objects(&Kiosk_model), DQ("pk", K.bob)), NULL, "Kiosk.objects");
        expect(GOT(all_of(&Shop_model), DQ("pk", K.a)), NULL, "QuerySet(Shop)");
        expect_multiple(all_of(&Place_model), DORM__QLIST(DQ("code", NULL)),
                        "get() returned more than one Place -- it returned 2!");
        Visit *v = dorm_get(dorm_all(T.cx, Visit), DQ("place", "T"));
        cr_assert(v && v->guests == 2, "%s", dorm_errmsg(T.cx));
    }
    char *log = dorm_strdup(T.cx, test_log_stop());
    cr_assert_not_null(log);
    int n = 0;
    for (char *sql = strtok(log, "|"); sql; sql = strtok(NULL, "|")) {
        if (strncmp(sql, "SELECT", 6) != 0) continue;
        char name[32];
        snprintf(name, sizeof name, "statement %d", n);
        test_expect_sql(name, sql, want[n % 5], NULL, NULL);
        n++;
    }
    cr_assert_eq(n, 15);
}
/* What pins one row on a proxy and an MTI child: the key and the unique
 * columns of the model's own table, the parent's key (the link); not a
 * unique column across a ForeignKey, whose target many rows share. */
Test(get_models, one_row_through_inheritance) {
    cr_assert(one_row(dorm_filter(all_of(&Kiosk_model), DQ("pk", 1))));
    cr_assert(one_row(dorm_filter(all_of(&Kiosk_model), DQ("name", "a"))));
    cr_assert(one_row(dorm_filter(all_of(&Shop_model), DQ("pk", 1))));
    cr_assert(one_row(dorm_filter(all_of(&Shop_model), DQ("id", 1))));
    cr_assert(one_row(dorm_filter(all_of(&Place_model), DQ("shop__rank", 1), DQ("pk", 1))));
    cr_assert_not(one_row(dorm_filter(dorm_all(T.cx, Visit), DQ("place__name", "a"))));
}
