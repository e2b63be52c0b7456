/* test_fk_options.c - ForeignKey options: to_field (a text key stored in a
 * DORM_FK_TO member, an integer key), db_constraint=False, and the system
 * checks that guard them. */
#include <criterion/criterion.h>
#include <string.h>

#include "testdb.h"

typedef struct Country {
    DORM_OBJECT;
    int64_t id;
    const char *code;
    const char *name;
} Country;

typedef struct City {
    DORM_OBJECT;
    int64_t id;
    const char *name;
    DORM_FK_TO(Country, const char *) country;
} City;

typedef struct Order {
    DORM_OBJECT;
    int64_t id;
    int32_t number;
} Order;

typedef struct Line {
    DORM_OBJECT;
    int64_t id;
    DORM_FK(Order) order;
    int32_t qty;
} Line;

typedef struct Note {
    DORM_OBJECT;
    int64_t id;
    DORM_FK(Country) about;
} Note;

DORM_MODEL_DECLARE(Country);
DORM_MODEL_DECLARE(City);
DORM_MODEL_DECLARE(Order);
DORM_MODEL_DECLARE(Line);
DORM_MODEL_DECLARE(Note);

/* Django's db_index defaults: True for a ForeignKey and a SlugField. */
typedef struct Memo {
    DORM_OBJECT;
    int64_t id;
    DORM_FK(Country) country;
    const char *tag, *key;
} Memo;
DORM_MODEL_DECLARE(Memo);

static const dorm_field Country_fields[] = {
    DORM_AUTO(Country, id),
    DORM_CHAR(Country, code, .max_length = 2, .unique = true),
    DORM_CHAR(Country, name, .max_length = 50),
    DORM_END,
};
const dorm_model Country_model = DORM_MODEL(Country, "geo", Country_fields, .ordering = DORM_LIST("code"));
static const dorm_field City_fields[] = {
    DORM_AUTO(City, id),
    DORM_CHAR(City, name, .max_length = 50),
    DORM_FOREIGN_KEY(City, country, Country, .on_delete = DORM_CASCADE, .to_field = "code", .related_name = "cities"),
    DORM_END,
};
const dorm_model City_model = DORM_MODEL(City, "geo", City_fields, .ordering = DORM_LIST("name"));
static const dorm_field Order_fields[] = {
    DORM_AUTO(Order, id),
    DORM_INT(Order, number, .unique = true),
    DORM_END,
};
const dorm_model Order_model = DORM_MODEL(Order, "geo", Order_fields);
static const dorm_field Line_fields[] = {
    DORM_AUTO(Line, id),
    DORM_FOREIGN_KEY(Line, order, Order, .on_delete = DORM_CASCADE, .to_field = "number", .related_name = "lines"),
    DORM_INT(Line, qty),
    DORM_END,
};
const dorm_model Line_model = DORM_MODEL(Line, "geo", Line_fields);
static const dorm_field Note_fields[] = {
    DORM_AUTO(Note, id),
    DORM_FOREIGN_KEY(Note, about, Country, .on_delete = DORM_DO_NOTHING, .no_db_constraint = true, .related_name = "+"),
    DORM_END,
};
const dorm_model Note_model = DORM_MODEL(Note, "geo", Note_fields);
static const dorm_field Memo_fields[] = {
    DORM_AUTO(Memo, id),
    DORM_FOREIGN_KEY(Memo, country, Country, .on_delete = DORM_CASCADE, .no_db_index = true, .related_name = "+"),
    DORM_SLUG(Memo, tag, .max_length = 50, .no_db_index = true),
    DORM_SLUG(Memo, key, .max_length = 50),
    DORM_END,
};
const dorm_model Memo_model = DORM_MODEL(Memo, "geo", Memo_fields);
static const dorm_app geo_app = {
    .label = "geo",
    .models = DORM_MODELS(&Country_model, &City_model, &Order_model, &Line_model, &Note_model, &Memo_model)};

static void open_geo(void) { test_db_open_apps((const dorm_app *const[]){&geo_app, NULL}); }

TestSuite(fk_options, .init = open_geo, .fini = test_db_close);

typedef struct world {
    Country *fr, *jp;
    City *paris, *lyon, *tokyo;
} world;

static world make_world(void) {
    world w;
    w.fr = dorm_create(T.cx, Country, .code = "FR", .name = "France");
    w.jp = dorm_create(T.cx, Country, .code = "JP", .name = "Japan");
    cr_assert(w.fr && w.jp, "%s", dorm_errmsg(T.cx));
    w.paris = dorm_create(T.cx, City, .name = "Paris", .country = {"FR", NULL});
    w.lyon = dorm_new(T.cx, City);
    w.lyon->name = "Lyon";
    dorm_fk_set(w.lyon, country, w.fr);
    cr_assert_eq(dorm_save(w.lyon), DORM_OK, "%s", dorm_errmsg(T.cx));
    w.tokyo = dorm_create(T.cx, City, .name = "Tokyo", .country = {"JP", NULL});
    cr_assert(w.paris && w.tokyo, "%s", dorm_errmsg(T.cx));
    return w;
}

static const char *city_names(dorm_qs *qs) {
    size_t n;
    void **objs = dorm_list(qs, &n);
    cr_assert_not_null(objs, "%s", dorm_errmsg(T.cx));
    char buf[256] = "";
    for (size_t i = 0; i < n; i++) {
        if (i) strcat(buf, ",");
        strcat(buf, ((City *)objs[i])->name);
    }
    return dorm_strdup(T.cx, buf);
}

Test(fk_options, text_to_field_is_stored_and_joined) {
    world w = make_world();
    cr_assert_str_eq(w.lyon->country.id, "FR");
    const char *sql = dorm_create_table_sql(T.cx, &City_model);
    if (strncmp(test_db_url(), "postgres", 8) == 0) {
        /* Django's PostgreSQL DDL: the key added by ALTER TABLE, and a
         * "_like" index since the key is a varchar. */
        cr_assert(strstr(sql,
                         "ALTER TABLE \"geo_city\" ADD CONSTRAINT \"geo_city_country_id_33730b5c_fk_geo_country_code\" "
                         "FOREIGN KEY (\"country_id\") REFERENCES \"geo_country\" (\"code\") DEFERRABLE INITIALLY "
                         "DEFERRED;\n"),
                  "%s", sql);
        cr_assert(strstr(sql,
                         "CREATE INDEX \"geo_city_country_id_33730b5c_like\" ON \"geo_city\" (\"country_id\" "
                         "varchar_pattern_ops);\n"),
                  "%s", sql);
    } else if (test_db_on_mysql()) {
        /* Django's MySQL DDL: the key added by ALTER TABLE, which also indexes it. */
        cr_assert_str_eq(test_sql_std(sql),
                         "CREATE TABLE \"geo_city\" (\"id\" integer AUTO_INCREMENT NOT NULL PRIMARY KEY, \"name\" "
                         "varchar(50) NOT NULL, \"country_id\" varchar(2) NOT NULL);\n"
                         "ALTER TABLE \"geo_city\" ADD CONSTRAINT \"geo_city_country_id_33730b5c_fk_geo_country_code\" "
                         "FOREIGN KEY (\"country_id\") REFERENCES \"geo_country\" (\"code\");\n");
    } else {
        cr_assert(strstr(sql, "\"country_id\" varchar(2) NOT NULL REFERENCES \"geo_country\" (\"code\")"), "%s", sql);
    }
    City *c = dorm_get(dorm_all(T.cx, City), DQ("name", "Tokyo"));
    cr_assert_not_null(c, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(c->country.id, "JP");
    Country *jp = dorm_fk(c, country);
    cr_assert_not_null(jp, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(jp->name, "Japan");
    cr_assert_str_eq(city_names(dorm_filter(dorm_all(T.cx, City), DQ("country__name", "France"))), "Lyon,Paris");
    cr_assert_str_eq(city_names(dorm_filter(dorm_all(T.cx, City), DQ("country", w.fr))), "Lyon,Paris");
    cr_assert_str_eq(city_names(dorm_filter(dorm_all(T.cx, City), DQ("country", "JP"))), "Tokyo");
    cr_assert_str_eq(city_names(dorm_related(w.fr, "cities")), "Lyon,Paris");
    size_t n;
    void **cs = dorm_list(dorm_select_related(dorm_filter(dorm_all(T.cx, City), DQ("name", "Paris")), "country"), &n);
    cr_assert_eq(n, 1);
    cr_assert_str_eq(((City *)cs[0])->country.obj->name, "France");
}

Test(fk_options, text_to_field_prefetch_both_ways) {
    world w = make_world();
    (void)w;
    uint64_t before = dorm_ctx_query_count(T.cx);
    size_t n;
    void **cs = dorm_list(dorm_prefetch_related(dorm_all(T.cx, City), "country"), &n);
    cr_assert_eq(n, 3);
    cr_assert_str_eq(((City *)cs[2])->country.obj->code, "JP");
    void **ks = dorm_list(dorm_prefetch_related(dorm_all(T.cx, Country), "cities"), &n);
    cr_assert_eq(dorm_ctx_query_count(T.cx) - before, 4);
    cr_assert_str_eq(city_names(dorm_related(ks[0], "cities")), "Lyon,Paris");
    cr_assert_str_eq(city_names(dorm_related(ks[1], "cities")), "Tokyo");
    cr_assert_eq(dorm_ctx_query_count(T.cx) - before, 4);
}

/* country__in=<Country QuerySet> selects the field the key stores (Django's
 * RelatedIn), not Country's primary key; Django 3.2's SQL. */
Test(fk_options, in_a_queryset_selects_the_to_field) {
    make_world();
    dorm_qs *qs = dorm_filter(dorm_all(T.cx, City),
                              DQ("country__in", dorm_filter(dorm_all(T.cx, Country), DQ("name", "France"))));
    test_expect_sql("in_filtered", dorm_qs_sql(qs, NULL),
                    "SELECT \"geo_city\".\"id\", \"geo_city\".\"name\", \"geo_city\".\"country_id\" FROM \"geo_city\" "
                    "WHERE \"geo_city\".\"country_id\" IN (SELECT U0.\"code\" FROM \"geo_country\" U0 WHERE "
                    "U0.\"name\" = ?) ORDER BY \"geo_city\".\"name\" ASC",
                    NULL, NULL);
    cr_assert_str_eq(city_names(qs), "Lyon,Paris");
    qs = dorm_filter(dorm_all(T.cx, City), DQ("country__in", dorm_all(T.cx, Country)));
    test_expect_sql("in_all", dorm_qs_sql(qs, NULL),
                    "SELECT \"geo_city\".\"id\", \"geo_city\".\"name\", \"geo_city\".\"country_id\" FROM \"geo_city\" "
                    "WHERE \"geo_city\".\"country_id\" IN (SELECT \"geo_country\".\"code\" FROM \"geo_country\") "
                    "ORDER BY \"geo_city\".\"name\" ASC",
                    NULL, NULL);
    cr_assert_str_eq(city_names(qs), "Lyon,Paris,Tokyo");
}

Test(fk_options, reverse_manager_writes_the_key) {
    world w = make_world();
    City *nice = dorm_related_create(w.fr, "cities", City, .name = "Nice");
    cr_assert_not_null(nice, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(nice->country.id, "FR");
    cr_assert_eq(dorm_related_add(w.jp, "cities", (void *[]){w.lyon}, 1), DORM_OK, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(city_names(dorm_related(w.jp, "cities")), "Lyon,Tokyo");
}

Test(fk_options, delete_follows_the_to_field) {
    world w = make_world();
    dorm_deleted d;
    cr_assert_eq(dorm_delete(w.fr, &d), DORM_OK, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(dorm_deleted_str(T.cx, &d), "geo.City: 2, geo.Country: 1");
    cr_assert_str_eq(city_names(dorm_all(T.cx, City)), "Tokyo");
    Order *o = dorm_create(T.cx, Order, .number = 7);
    cr_assert_not_null(dorm_create(T.cx, Line, .order = {7, NULL}, .qty = 1));
    cr_assert_eq(dorm_qs_delete(dorm_filter(dorm_all(T.cx, Order), DQ("pk", o->id)), &d), DORM_OK, "%s",
                 dorm_errmsg(T.cx));
    cr_assert_str_eq(dorm_deleted_str(T.cx, &d), "geo.Line: 1, geo.Order: 1");
}

Test(fk_options, integer_to_field) {
    Order *o = dorm_create(T.cx, Order, .number = 1001);
    cr_assert_not_null(o, "%s", dorm_errmsg(T.cx));
    Line *l = dorm_create(T.cx, Line, .order = {1001, NULL}, .qty = 2);
    cr_assert_not_null(l, "%s", dorm_errmsg(T.cx));
    Line *got = dorm_get(dorm_all(T.cx, Line), DQ("order", o));
    cr_assert_not_null(got, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(got->order.id, 1001);
    cr_assert_eq(dorm_fk(got, order)->id, o->id);
    cr_assert_eq(dorm_count(dorm_related(o, "lines")), 1);
    cr_assert_eq(dorm_count(dorm_filter(dorm_all(T.cx, Line), DQ("order__number", 1001))), 1);
}

Test(fk_options, db_constraint_false_has_no_references) {
    const char *sql = test_sql_std(dorm_create_table_sql(T.cx, &Note_model));
    cr_assert_null(strstr(sql, "REFERENCES"), "%s", sql);
    cr_assert(strstr(sql, "\"about_id\" integer NOT NULL"), "%s", sql);
    /* No constraint: a key to a missing row is stored (Django's db_constraint=False). */
    Note *n = dorm_create(T.cx, Note, .about = {999, NULL});
    cr_assert_not_null(n, "%s", dorm_errmsg(T.cx));
    cr_assert_null(dorm_fk(n, about));
    cr_assert_eq(dorm_errcode(T.cx), DORM_EDOESNOTEXIST);
}

typedef struct BadCity {
    DORM_OBJECT;
    int64_t id;
    DORM_FK(Country) country;
    DORM_FK(Country) named;
    DORM_FK_TO(Country, const char *) by_id;
} BadCity;
DORM_MODEL_DECLARE(BadCity);
static const dorm_field BadCity_fields[] = {
    DORM_AUTO(BadCity, id),
    DORM_FOREIGN_KEY(BadCity, country, Country, .on_delete = DORM_CASCADE, .to_field = "code"),
    DORM_FOREIGN_KEY(BadCity, named, Country, .on_delete = DORM_CASCADE, .to_field = "name", .related_name = "+"),
    DORM_FOREIGN_KEY(BadCity, by_id, Country, .on_delete = DORM_CASCADE, .to_field = "nope", .related_name = "+"),
    DORM_END,
};
const dorm_model BadCity_model = DORM_MODEL(BadCity, "bad", BadCity_fields);
static const dorm_app bad_app = {.label = "bad", .models = DORM_MODELS(&Country_model, &BadCity_model)};

Test(fk_options, checks_guard_to_field) {
    dorm_registry *reg = dorm_registry_new((const dorm_app *const[]){&bad_app, NULL});
    cr_assert_not_null(reg);
    const char *msg = dorm_registry_messages(reg);
    cr_assert(strstr(msg,
                     "bad.BadCity.country: (dorm.E012) A ForeignKey to the text field 'Country.code' needs a "
                     "DORM_FK_TO(Country, const char *) member."),
              "%s", msg);
    cr_assert(strstr(msg,
                     "bad.BadCity.named: (fields.E311) 'Country.name' must be unique because it is referenced by "
                     "a foreign key."),
              "%s", msg);
    cr_assert(strstr(msg,
                     "bad.BadCity.by_id: (fields.E312) The to_field 'nope' doesn't exist on the related model "
                     "'geo.Country'."),
              "%s", msg);
    dorm_registry_free(reg);
}

Test(fk_options, db_index_defaults_as_django) {
    /* Django 3.2's create_model(Memo): a ForeignKey(db_index=False) has its
     * constraint but no index, a SlugField is indexed unless told not to. */
    const char *sql = dorm_create_table_sql(T.cx, &Memo_model);
    cr_assert_not_null(sql, "%s", dorm_errmsg(T.cx));
    if (strncmp(test_db_url(), "postgres", 8) == 0)
        cr_assert_str_eq(
            sql,
            "CREATE TABLE \"geo_memo\" (\"id\" serial NOT NULL PRIMARY KEY, \"country_id\" integer NOT "
            "NULL, \"tag\" varchar(50) NOT NULL, \"key\" varchar(50) NOT NULL);\n"
            "ALTER TABLE \"geo_memo\" ADD CONSTRAINT \"geo_memo_country_id_9c7af3eb_fk_geo_country_id\" "
            "FOREIGN KEY (\"country_id\") REFERENCES \"geo_country\" (\"id\") DEFERRABLE INITIALLY "
            "DEFERRED;\n"
            "CREATE INDEX \"geo_memo_key_13b21a47\" ON \"geo_memo\" (\"key\");\n"
            "CREATE INDEX \"geo_memo_key_13b21a47_like\" ON \"geo_memo\" (\"key\" varchar_pattern_ops);\n");
    else if (test_db_on_mysql())
        cr_assert_str_eq(
            test_sql_std(sql),
            "CREATE TABLE \"geo_memo\" (\"id\" integer AUTO_INCREMENT NOT NULL PRIMARY KEY, \"country_id\" "
            "integer NOT NULL, \"tag\" varchar(50) NOT NULL, \"key\" varchar(50) NOT NULL);\n"
            "ALTER TABLE \"geo_memo\" ADD CONSTRAINT \"geo_memo_country_id_9c7af3eb_fk_geo_country_id\" "
            "FOREIGN KEY (\"country_id\") REFERENCES \"geo_country\" (\"id\");\n"
            "CREATE INDEX \"geo_memo_key_13b21a47\" ON \"geo_memo\" (\"key\");\n");
    else
        cr_assert_str_eq(sql,
                         "CREATE TABLE \"geo_memo\" (\"id\" integer NOT NULL PRIMARY KEY AUTOINCREMENT, \"country_id\" "
                         "integer NOT NULL REFERENCES \"geo_country\" (\"id\") DEFERRABLE INITIALLY DEFERRED, \"tag\" "
                         "varchar(50) NOT NULL, \"key\" varchar(50) NOT NULL);\n"
                         "CREATE INDEX \"geo_memo_key_13b21a47\" ON \"geo_memo\" (\"key\");\n");
}

/* Two models whose foreign keys point at each other: Django creates both
 * tables before any key (deferred_sql), so neither order fails. */
typedef struct Hen Hen;
typedef struct Egg Egg;
DORM_MODEL_DECLARE(Hen);
DORM_MODEL_DECLARE(Egg);
struct Hen {
    DORM_OBJECT;
    int64_t id;
    DORM_FK(Egg) favourite;
};
struct Egg {
    DORM_OBJECT;
    int64_t id;
    DORM_FK(Hen) mother;
};
static const dorm_field Hen_fields[] = {
    DORM_AUTO(Hen, id),
    DORM_FOREIGN_KEY(Hen, favourite, Egg, .on_delete = DORM_SET_NULL, .null = true, .related_name = "+"),
    DORM_END,
};
const dorm_model Hen_model = DORM_MODEL(Hen, "farm", Hen_fields);
static const dorm_field Egg_fields[] = {
    DORM_AUTO(Egg, id),
    DORM_FOREIGN_KEY(Egg, mother, Hen, .on_delete = DORM_CASCADE, .related_name = "eggs"),
    DORM_END,
};
const dorm_model Egg_model = DORM_MODEL(Egg, "farm", Egg_fields);
static const dorm_app farm_app = {.label = "farm", .models = DORM_MODELS(&Hen_model, &Egg_model)};

static void open_farm(void) { test_db_open_apps((const dorm_app *const[]){&farm_app, NULL}); }

Test(fk_cycle, keys_in_a_cycle_are_created_and_enforced, .init = open_farm, .fini = test_db_close) {
    Hen *h = dorm_create(T.cx, Hen);
    cr_assert_not_null(h, "%s", dorm_errmsg(T.cx));
    Egg *e = dorm_create(T.cx, Egg, .mother = {h->id, NULL});
    cr_assert_not_null(e, "%s", dorm_errmsg(T.cx));
    dorm_fk_set(h, favourite, e);
    cr_assert_eq(dorm_save(h), DORM_OK, "%s", dorm_errmsg(T.cx));
    /* Both keys are real constraints. */
    cr_assert_null(dorm_create(T.cx, Egg, .mother = {987654, NULL}));
    cr_assert_eq(dorm_errcode(T.cx), DORM_EINTEGRITY, "%s", dorm_errmsg(T.cx));
    cr_assert_null(dorm_create(T.cx, Hen, .favourite = {987654, NULL}));
    cr_assert_eq(dorm_errcode(T.cx), DORM_EINTEGRITY, "%s", dorm_errmsg(T.cx));
}
