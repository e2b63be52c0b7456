/* test_bulk_conflicts.c - bulk_create(ignore_conflicts / update_conflicts,
 * update_fields, unique_fields): the rows kept and updated, the keys left
 * on the objects, the SQL of each backend (Django's), and every misuse
 * refused with Django's message before any SQL. */
#include <criterion/criterion.h>
#include <string.h>

#include "testdb.h"

/* Django's bulk_create tests' UpsertConflict, and a model with a
 * many-to-many field and a reverse relation. */
typedef struct Upsert {
    DORM_OBJECT;
    int64_t id;
    int32_t number;
    int32_t rank;
    const char *name;
} Upsert;

typedef struct Label {
    DORM_OBJECT;
    int64_t id;
    const char *name;
} Label;

typedef struct Country {
    DORM_OBJECT;
    int64_t id;
    const char *name;
    const char *iso;
    DORM_FK(Label) label;
} Country;

DORM_MODEL_DECLARE(Upsert);
DORM_MODEL_DECLARE(Label);
DORM_MODEL_DECLARE(Country);

static const dorm_field Upsert_fields[] = {
    DORM_AUTO(Upsert, id),
    DORM_INT(Upsert, number, .unique = true),
    DORM_INT(Upsert, rank),
    DORM_CHAR(Upsert, name, .max_length = 15),
    DORM_END,
};
const dorm_model Upsert_model = DORM_MODEL(Upsert, "upsert", Upsert_fields);
static const dorm_field Label_fields[] = {DORM_AUTO(Label, id), DORM_CHAR(Label, name, .max_length = 20), DORM_END};
const dorm_model Label_model = DORM_MODEL(Label, "upsert", Label_fields);
static const dorm_field Country_fields[] = {
    DORM_AUTO(Country, id),
    DORM_CHAR(Country, name, .max_length = 30),
    DORM_CHAR(Country, iso, .max_length = 2, .unique = true),
    DORM_FOREIGN_KEY(Country, label, Label, .null = true, .on_delete = DORM_SET_NULL, .related_name = "countries"),
    DORM_MANY_TO_MANY(Country, neighbours, Label, .related_name = "bordering"),
    DORM_END,
};
const dorm_model Country_model = DORM_MODEL(Country, "upsert", Country_fields);

static const dorm_app upsert_app = {.label = "upsert",
                                    .models = DORM_MODELS(&Upsert_model, &Label_model, &Country_model)};

static void open_db(void) { test_db_open_apps((const dorm_app *const[]){&upsert_app, NULL}); }

/* Which backend: 's'QLite, 'p'ostgreSQL or 'm'ariaDB. */
static char backend(void) {
    if (test_db_on_mysql()) return 'm';
    return strncmp(test_db_url(), "postgres", 8) == 0 ? 'p' : 's';
}

/* Whether the backend names the conflict target (unique_fields). */
static bool with_target(void) { return backend() != 'm'; }

static Upsert *upsert(int number, int rank, const char *name) {
    Upsert *u = dorm_new(T.cx, Upsert);
    cr_assert_not_null(u);
    u->number = number, u->rank = rank, u->name = name;
    return u;
}

/* Three rows: (1, 1, "a"), (2, 2, "b"), (3, 3, "c"). */
static void three_rows(void) {
    Upsert *objs[] = {upsert(1, 1, "a"), upsert(2, 2, "b"), upsert(3, 3, "c")};
    cr_assert_eq(dorm_bulk_create(T.cx, Upsert, objs, 3, 0), 0, "%s", dorm_errmsg(T.cx));
}

/* The row of `number`, which must exist. */
static Upsert *row(int number) {
    Upsert *u = dorm_get(dorm_all(T.cx, Upsert), DQ("number", number));
    cr_assert_not_null(u, "no row %d: %s", number, dorm_errmsg(T.cx));
    return u;
}

static int64_t rows(void) { return dorm_count(dorm_all(T.cx, Upsert)); }

/* The first INSERT of a statement log. */
static const char *insert_of(const char *log) {
    const char *p = strstr(log, "INSERT");
    cr_assert_not_null(p, "no INSERT in %s", log);
    char *out = dorm_strdup(T.cx, p), *bar = strchr(out, '|');
    if (bar) *bar = '\0';
    return out;
}

Test(bulk_conflicts, ignore_conflicts_skips_rows_that_conflict, .init = open_db, .fini = test_db_close) {
    three_rows();
    Upsert *objs[] = {upsert(1, 9, "x"), upsert(4, 4, "d"), upsert(2, 9, "y"), upsert(5, 5, "e")};
    test_log_start();
    int rc = dorm_bulk_create_with(T.cx, Upsert, objs, 4, &(dorm_bulk_create_opts){.ignore_conflicts = true});
    const char *sql = insert_of(test_sql_std(test_log_stop()));
    cr_assert_eq(rc, 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(rows(), 5);
    cr_expect_str_eq(row(1)->name, "a", "the conflicting row is kept as it was");
    cr_expect_eq(row(2)->rank, 2);
    cr_expect_str_eq(row(4)->name, "d");
    cr_expect_str_eq(row(5)->name, "e");
    /* Django sets no key: a skipped row returns nothing to match. */
    for (int i = 0; i < 4; i++) cr_expect_eq(objs[i]->id, 0, "object %d got a key", i);
    const char *cols = "\"upsert_upsert\" (\"number\", \"rank\", \"name\") VALUES (?, ?, ?), (?, ?, ?), (?, ?, ?), "
                       "(?, ?, ?)";
    switch (backend()) {
    case 's': cr_expect_str_eq(sql, dorm_sprintf(T.cx, "INSERT OR IGNORE INTO %s", cols)); break;
    case 'p': cr_expect_str_eq(sql, dorm_sprintf(T.cx, "INSERT INTO %s ON CONFLICT DO NOTHING", cols)); break;
    default: cr_expect_str_eq(sql, dorm_sprintf(T.cx, "INSERT IGNORE INTO %s", cols)); break;
    }
}

/* Objects with keys: a key already taken is a conflict too; the keys
 * given stay on the objects. */
Test(bulk_conflicts, ignore_conflicts_with_primary_keys, .init = open_db, .fini = test_db_close) {
    three_rows();
    Upsert *a = upsert(10, 10, "ten"), *b = upsert(11, 11, "eleven");
    a->id = row(1)->id;
    b->id = 1000;
    Upsert *objs[] = {a, b};
    cr_assert_eq(dorm_bulk_create_with(T.cx, Upsert, objs, 2, &(dorm_bulk_create_opts){.ignore_conflicts = true}), 0,
                 "%s", dorm_errmsg(T.cx));
    cr_expect_eq(rows(), 4);
    cr_expect_eq(dorm_count(dorm_filter(dorm_all(T.cx, Upsert), DQ("number", 10))), 0);
    cr_expect_eq(row(11)->id, 1000);
    cr_expect_eq(a->id, row(1)->id);
    cr_expect_eq(b->id, 1000);
    cr_expect_not(a->_dorm.flags & DORM_OBJ_ADDING);
}

/* Without a conflict the rows go in, still with no keys read back (as
 * Django: nothing is returned under ignore_conflicts); the objects are
 * still being added (Django's _state.adding), and saving one inserts it. */
Test(bulk_conflicts, ignore_conflicts_without_conflicts, .init = open_db, .fini = test_db_close) {
    Upsert *objs[] = {upsert(1, 1, "a"), upsert(2, 2, "b")};
    cr_assert_eq(dorm_bulk_create_with(T.cx, Upsert, objs, 2, &(dorm_bulk_create_opts){.ignore_conflicts = true}), 0,
                 "%s", dorm_errmsg(T.cx));
    cr_expect_eq(rows(), 2);
    cr_expect_eq(objs[0]->id, 0);
    cr_expect_eq(objs[1]->id, 0);
    cr_expect(objs[0]->_dorm.flags & DORM_OBJ_ADDING);
    objs[0]->number = 3;
    cr_assert_eq(dorm_save(objs[0]), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(rows(), 3);
}

/* update_conflicts of update_fields, on "number" where the backend names
 * the target. */
static const dorm_bulk_create_opts *update_opts(const char *const *update_fields) {
    static const char *const number[] = {"number", NULL};
    static dorm_bulk_create_opts o;
    o = (dorm_bulk_create_opts){.update_conflicts = true, .update_fields = update_fields};
    if (with_target()) o.unique_fields = number;
    return &o;
}

Test(bulk_conflicts, update_conflicts_updates_the_rows_met, .init = open_db, .fini = test_db_close) {
    three_rows();
    int64_t id1 = row(1)->id, id3 = row(3)->id;
    Upsert *objs[] = {upsert(1, 4, "x"), upsert(3, 6, "z"), upsert(4, 7, "d")};
    test_log_start();
    int rc = dorm_bulk_create_with(T.cx, Upsert, objs, 3, update_opts(DORM_LIST("name", "rank")));
    const char *sql = insert_of(test_sql_std(test_log_stop()));
    cr_assert_eq(rc, 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(rows(), 4);
    cr_expect_str_eq(row(1)->name, "x");
    cr_expect_eq(row(1)->rank, 4);
    cr_expect_str_eq(row(2)->name, "b", "a row nobody conflicts with is left alone");
    cr_expect_eq(row(3)->rank, 6);
    cr_expect_str_eq(row(4)->name, "d");
    /* The keys of the rows written, updated or inserted (Django 5.0). */
    cr_expect_eq(objs[0]->id, id1);
    cr_expect_eq(objs[1]->id, id3);
    cr_expect_eq(objs[2]->id, row(4)->id);
    const char *ins = "INSERT INTO \"upsert_upsert\" (\"number\", \"rank\", \"name\") VALUES (?, ?, ?), (?, ?, ?), "
                      "(?, ?, ?)";
    switch (backend()) {
    case 'm':
        cr_expect_str_eq(sql,
                         dorm_sprintf(T.cx,
                                      "%s ON DUPLICATE KEY UPDATE \"name\" = VALUE(\"name\"), \"rank\" = "
                                      "VALUE(\"rank\") RETURNING \"id\"",
                                      ins));
        break;
    default:
        cr_expect_str_eq(sql,
                         dorm_sprintf(T.cx,
                                      "%s ON CONFLICT(\"number\") DO UPDATE SET \"name\" = "
                                      "EXCLUDED.\"name\", \"rank\" = EXCLUDED.\"rank\" RETURNING \"id\"",
                                      ins));
        break;
    }
}

/* Only update_fields change; the other columns keep the row's values. */
Test(bulk_conflicts, update_conflicts_only_the_fields_given, .init = open_db, .fini = test_db_close) {
    three_rows();
    Upsert *objs[] = {upsert(2, 20, "renamed")};
    cr_assert_eq(dorm_bulk_create_with(T.cx, Upsert, objs, 1, update_opts(DORM_LIST("rank"))), 0, "%s",
                 dorm_errmsg(T.cx));
    cr_expect_eq(row(2)->rank, 20);
    cr_expect_str_eq(row(2)->name, "b");
    cr_expect_eq(rows(), 3);
}

/* Django's test_update_conflicts_unique_fields_pk: objects with their keys,
 * the key as the conflict target ("pk"); the keys stay as given. */
Test(bulk_conflicts, update_conflicts_on_the_primary_key, .init = open_db, .fini = test_db_close) {
    three_rows();
    Upsert *a = upsert(21, 1, "first"), *b = upsert(22, 9, "new");
    a->id = row(1)->id;
    b->id = 500;
    Upsert *objs[] = {a, b};
    dorm_bulk_create_opts o = {.update_conflicts = true,
                               .update_fields = DORM_LIST("number", "name"),
                               .unique_fields = with_target() ? DORM_LIST("pk") : NULL};
    test_log_start();
    int rc = dorm_bulk_create_with(T.cx, Upsert, objs, 2, &o);
    const char *sql = insert_of(test_sql_std(test_log_stop()));
    cr_assert_eq(rc, 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(rows(), 4);
    cr_expect_str_eq(row(21)->name, "first");
    cr_expect_eq(row(21)->id, a->id);
    cr_expect_eq(row(22)->id, 500);
    cr_expect_eq(b->id, 500);
    cr_expect_eq(dorm_count(dorm_filter(dorm_all(T.cx, Upsert), DQ("number", 1))), 0);
    if (with_target())
        cr_expect(strstr(sql, " ON CONFLICT(\"id\") DO UPDATE SET \"number\" = EXCLUDED.\"number\""), "%s", sql);
    cr_expect_not(strstr(sql, "RETURNING"), "objects with keys read nothing back: %s", sql);
}

/* Batches: each statement carries its own conflict clause; the keys of a
 * thousand objects match their rows. */
Test(bulk_conflicts, update_conflicts_in_batches, .init = open_db, .fini = test_db_close) {
    enum { N = 1000 };
    Upsert **objs = dorm_alloc(T.cx, sizeof(Upsert *) * N);
    cr_assert_not_null(objs);
    for (int i = 0; i < N; i++) objs[i] = upsert(i, i, "old");
    cr_assert_eq(dorm_bulk_create(T.cx, Upsert, objs, N / 2, 0), 0, "%s", dorm_errmsg(T.cx));
    for (int i = 0; i < N; i++) objs[i] = upsert(i, -i, "new");
    dorm_bulk_create_opts o = *update_opts(DORM_LIST("rank", "name"));
    o.batch_size = 64;
    cr_assert_eq(dorm_bulk_create_with(T.cx, Upsert, objs, N, &o), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(rows(), N);
    cr_expect_eq(dorm_count(dorm_filter(dorm_all(T.cx, Upsert), DQ("name", "new"))), N);
    for (int i = 0; i < N; i += 97) {
        Upsert *r = row(i);
        cr_expect_eq(r->rank, -i);
        cr_expect_eq(objs[i]->id, r->id, "object %d", i);
    }
}

/* A conflict the clause does not cover still fails, and the whole call
 * leaves the table as it was. */
Test(bulk_conflicts, other_failures_roll_everything_back, .init = open_db, .fini = test_db_close) {
    three_rows();
    Upsert *objs[] = {upsert(7, 7, "fits"), upsert(8, 8, "a name too long for its column")};
    int rc = dorm_bulk_create_with(T.cx, Upsert, objs, 2, &(dorm_bulk_create_opts){.ignore_conflicts = true});
    if (backend() == 's') {
        /* SQLite does not check lengths: both rows go in. */
        cr_expect_eq(rc, 0, "%s", dorm_errmsg(T.cx));
        return;
    }
    if (backend() == 'm') {
        /* INSERT IGNORE turns errors into warnings, as in Django on MySQL:
         * the value is cut to its column. */
        cr_expect_eq(rc, 0, "%s", dorm_errmsg(T.cx));
        cr_expect_eq(rows(), 5);
        return;
    }
    cr_expect_eq(rc, DORM_EDATA, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(rows(), 3);
}

/* Each misuse with Django's message and exception class. */
static void refused(const dorm_bulk_create_opts *o, int code, const char *msg) {
    Upsert *objs[] = {upsert(1, 1, "a")};
    test_log_start();
    int rc = dorm_bulk_create_with(T.cx, Upsert, objs, 1, o);
    const char *log = test_log_stop();
    cr_expect_eq(rc, code, "%s: got %d, %s", msg, rc, dorm_errmsg(T.cx));
    cr_expect_str_eq(dorm_errmsg(T.cx), msg);
    cr_expect_eq(dorm_errcode(T.cx), code);
    cr_expect_not(strstr(log, "INSERT"), "SQL ran: %s", log);
    cr_expect_eq(objs[0]->id, 0);
}

Test(bulk_conflicts, misuse_is_refused_with_djangos_messages, .init = open_db, .fini = test_db_close) {
    refused(&(dorm_bulk_create_opts){.ignore_conflicts = true, .update_conflicts = true}, DORM_EVALUE,
            "ignore_conflicts and update_conflicts are mutually exclusive.");
    refused(&(dorm_bulk_create_opts){.update_conflicts = true, .unique_fields = DORM_LIST("number")}, DORM_EVALUE,
            "Fields that will be updated when a row insertion fails on conflicts must be provided.");
    refused(&(dorm_bulk_create_opts){.update_conflicts = true,
                                     .update_fields = (const char *const[]){NULL},
                                     .unique_fields = DORM_LIST("number")},
            DORM_EVALUE, "Fields that will be updated when a row insertion fails on conflicts must be provided.");
    /* Unknown names, whatever the options (Django's get_field first). */
    refused(&(dorm_bulk_create_opts){.update_conflicts = true,
                                     .update_fields = DORM_LIST("nope"),
                                     .unique_fields = DORM_LIST("number")},
            DORM_EFIELD, "Upsert has no field named 'nope'");
    refused(&(dorm_bulk_create_opts){.update_conflicts = true,
                                     .update_fields = DORM_LIST("name"),
                                     .unique_fields = DORM_LIST("numbr")},
            DORM_EFIELD, "Upsert has no field named 'numbr'");
    refused(&(dorm_bulk_create_opts){.ignore_conflicts = true, .update_fields = DORM_LIST("nope")}, DORM_EFIELD,
            "Upsert has no field named 'nope'");
    refused(&(dorm_bulk_create_opts){.unique_fields = DORM_LIST("rank__gt")}, DORM_EFIELD,
            "Upsert has no field named 'rank__gt'");
    /* "pk" is the key's alias in unique_fields only. */
    refused(&(dorm_bulk_create_opts){.update_conflicts = true,
                                     .update_fields = DORM_LIST("pk"),
                                     .unique_fields = DORM_LIST("number")},
            DORM_EFIELD, "Upsert has no field named 'pk'");
    if (with_target()) {
        refused(&(dorm_bulk_create_opts){.update_conflicts = true, .update_fields = DORM_LIST("name")}, DORM_EVALUE,
                "Unique fields that can trigger the upsert must be provided.");
        refused(&(dorm_bulk_create_opts){.update_conflicts = true,
                                         .update_fields = DORM_LIST("id", "name"),
                                         .unique_fields = DORM_LIST("number")},
                DORM_EVALUE, "bulk_create() cannot be used with primary keys in update_fields.");
    } else {
        refused(&(dorm_bulk_create_opts){.update_conflicts = true,
                                         .update_fields = DORM_LIST("name"),
                                         .unique_fields = DORM_LIST("number")},
                DORM_ENOTSUPPORTED,
                "This database backend does not support updating conflicts with specifying unique fields that can "
                "trigger the upsert.");
        refused(&(dorm_bulk_create_opts){.update_conflicts = true, .update_fields = DORM_LIST("id", "name")},
                DORM_EVALUE, "bulk_create() cannot be used with primary keys in update_fields.");
    }
    cr_expect_eq(rows(), 0);
}

/* Relations without a column of their own: a many-to-many field, either
 * side, and a ForeignKey's reverse side. */
Test(bulk_conflicts, only_concrete_fields, .init = open_db, .fini = test_db_close) {
    const char *const *target = with_target() ? DORM_LIST("iso") : NULL;
    const char *update_msg = "bulk_create() can only be used with concrete fields in update_fields.";
    Country *c = dorm_new(T.cx, Country);
    Label *l = dorm_new(T.cx, Label);
    cr_assert(c && l);
    c->name = "France", c->iso = "FR", l->name = "eu";
    void *countries[] = {c}, *labels[] = {l};
    const char *const *bad[] = {DORM_LIST("neighbours"), DORM_LIST("name", "neighbours")};
    for (int i = 0; i < 2; i++) {
        int rc = dorm_bulk_create_with(
            T.cx, Country, countries, 1,
            &(dorm_bulk_create_opts){.update_conflicts = true, .update_fields = bad[i], .unique_fields = target});
        cr_expect_eq(rc, DORM_EVALUE, "%s", dorm_errmsg(T.cx));
        cr_expect_str_eq(dorm_errmsg(T.cx), update_msg);
    }
    const char *const *reverse[] = {DORM_LIST("countries"), DORM_LIST("bordering")};
    for (int i = 0; i < 2; i++) {
        int rc =
            dorm_bulk_create_with(T.cx, Label, labels, 1,
                                  &(dorm_bulk_create_opts){.update_conflicts = true,
                                                           .update_fields = reverse[i],
                                                           .unique_fields = with_target() ? DORM_LIST("id") : NULL});
        cr_expect_eq(rc, DORM_EVALUE, "%s", dorm_errmsg(T.cx));
        cr_expect_str_eq(dorm_errmsg(T.cx), update_msg);
    }
    if (with_target()) {
        int rc = dorm_bulk_create_with(T.cx, Country, countries, 1,
                                       &(dorm_bulk_create_opts){.update_conflicts = true,
                                                                .update_fields = DORM_LIST("name"),
                                                                .unique_fields = DORM_LIST("neighbours")});
        cr_expect_eq(rc, DORM_EVALUE, "%s", dorm_errmsg(T.cx));
        cr_expect_str_eq(dorm_errmsg(T.cx), "bulk_create() can only be used with concrete fields in unique_fields.");
    }
    cr_expect_eq(dorm_count(dorm_all(T.cx, Country)), 0);
    /* A ForeignKey by name or attname is a column: updated as such. */
    cr_assert_eq(dorm_bulk_create(T.cx, Label, labels, 1, 0), 0, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_bulk_create(T.cx, Country, countries, 1, 0), 0, "%s", dorm_errmsg(T.cx));
    Country *again = dorm_new(T.cx, Country);
    cr_assert_not_null(again);
    again->name = "République française", again->iso = "FR", again->label.id = l->id;
    void *more[] = {again};
    cr_assert_eq(dorm_bulk_create_with(T.cx, Country, more, 1,
                                       &(dorm_bulk_create_opts){.update_conflicts = true,
                                                                .update_fields = DORM_LIST("name", "label_id"),
                                                                .unique_fields = target}),
                 0, "%s", dorm_errmsg(T.cx));
    Country *fr = dorm_get(dorm_all(T.cx, Country), DQ("iso", "FR"));
    cr_assert_not_null(fr, "%s", dorm_errmsg(T.cx));
    cr_expect_str_eq(fr->name, "République française");
    cr_expect_eq(fr->label.id, l->id);
    cr_expect_eq(again->id, c->id);
}

/* Django checks nothing when there is nothing to insert; a NULL opts is the
 * plain bulk_create. */
Test(bulk_conflicts, no_objects_and_no_options, .init = open_db, .fini = test_db_close) {
    cr_expect_eq(dorm_bulk_create_with(T.cx, Upsert, NULL, 0,
                                       &(dorm_bulk_create_opts){.ignore_conflicts = true, .update_conflicts = true}),
                 0, "%s", dorm_errmsg(T.cx));
    Upsert *objs[] = {upsert(1, 1, "a")};
    cr_assert_eq(dorm_bulk_create_with(T.cx, Upsert, objs, 1, NULL), 0, "%s", dorm_errmsg(T.cx));
    cr_expect_gt(objs[0]->id, 0);
    Upsert *dup[] = {upsert(1, 2, "b")};
    cr_expect_eq(dorm_bulk_create_with(T.cx, Upsert, dup, 1, NULL), DORM_EINTEGRITY);
    cr_expect_eq(rows(), 1);
}
