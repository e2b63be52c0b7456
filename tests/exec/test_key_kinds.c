/* test_key_kinds.c - relations to models whose primary key is not an integer:
 * a UUIDField (DORM_FK_TO(Tag, dorm_uuid)) and a CharField (DORM_FK_TO(Country,
 * const char *)), through ForeignKey, OneToOneField and automatic
 * many-to-many tables: Django's DDL, save, filters, select_related,
 * prefetch_related, reverse accessors, many-to-many managers given keys,
 * delete and fixtures. */
#define _POSIX_C_SOURCE 200809L /* open_memstream */
#include <criterion/criterion.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testdb.h"

typedef struct Tag {
    DORM_OBJECT;
    dorm_uuid id;
    const char *name;
} Tag;

typedef struct Country {
    DORM_OBJECT;
    const char *code;
    const char *name;
} Country;

typedef struct Post {
    DORM_OBJECT;
    int64_t id;
    const char *title;
    DORM_FK_TO(Tag, dorm_uuid) tag;
    DORM_FK_TO(Country, const char *) country;
} Post;

typedef struct Badge {
    DORM_OBJECT;
    int64_t id;
    DORM_FK_TO(Tag, dorm_uuid) tag;
} Badge;

DORM_MODEL_DECLARE(Tag);
DORM_MODEL_DECLARE(Country);
DORM_MODEL_DECLARE(Post);
DORM_MODEL_DECLARE(Badge);

static dorm_value new_uuid(void) { return dorm_v_uuid(dorm_uuid4()); }

static const dorm_field Tag_fields[] = {
    DORM_UUID(Tag, id, .primary_key = true, .default_fn = new_uuid),
    DORM_CHAR(Tag, name, .max_length = 20),
    DORM_END,
};
const dorm_model Tag_model = DORM_MODEL(Tag, "keys", Tag_fields, .ordering = DORM_LIST("name"));
static const dorm_field Country_fields[] = {
    DORM_CHAR(Country, code, .max_length = 2, .primary_key = true),
    DORM_CHAR(Country, name, .max_length = 20),
    DORM_END,
};
const dorm_model Country_model = DORM_MODEL(Country, "keys", Country_fields, .ordering = DORM_LIST("code"));
static const dorm_field Post_fields[] = {
    DORM_AUTO(Post, id),
    DORM_CHAR(Post, title, .max_length = 20),
    DORM_FOREIGN_KEY(Post, tag, Tag, .on_delete = DORM_CASCADE, .related_name = "posts"),
    DORM_FOREIGN_KEY(Post, country, Country, .on_delete = DORM_SET_NULL, .null = true, .related_name = "posts"),
    DORM_MANY_TO_MANY(Post, tags, Tag, .related_name = "tagged"),
    DORM_MANY_TO_MANY(Post, countries, Country, .related_name = "visited"),
    DORM_END,
};
const dorm_model Post_model = DORM_MODEL(Post, "keys", Post_fields, .ordering = DORM_LIST("title"));
static const dorm_field Badge_fields[] = {
    DORM_AUTO(Badge, id),
    DORM_ONE_TO_ONE(Badge, tag, Tag, .on_delete = DORM_CASCADE),
    DORM_END,
};
const dorm_model Badge_model = DORM_MODEL(Badge, "keys", Badge_fields);
static const dorm_app keys_app = {.label = "keys",
                                  .models = DORM_MODELS(&Tag_model, &Country_model, &Post_model, &Badge_model)};

static void open_keys(void) { test_db_open_apps((const dorm_app *const[]){&keys_app, NULL}); }

TestSuite(key_kinds, .init = open_keys, .fini = test_db_close);

static bool on_postgres(void) { return strncmp(test_db_url(), "postgres", 8) == 0; }

typedef struct data {
    Tag *c, *rust;
    Country *fr, *jp;
    Post *intro, *tour, *guide;
} data;

static data make_data(void) {
    data d;
    d.c = dorm_create(T.cx, Tag, .name = "c");
    d.rust = dorm_create(T.cx, Tag, .name = "rust");
    d.fr = dorm_create(T.cx, Country, .code = "FR", .name = "France");
    d.jp = dorm_create(T.cx, Country, .code = "JP", .name = "Japan");
    cr_assert(d.c && d.rust && d.fr && d.jp, "%s", dorm_errmsg(T.cx));
    d.intro = dorm_create(T.cx, Post, .title = "intro", .tag = {d.c->id, NULL}, .country = {"FR", NULL});
    d.tour = dorm_new(T.cx, Post);
    d.tour->title = "tour";
    dorm_fk_set(d.tour, tag, d.rust);
    dorm_fk_set(d.tour, country, d.jp);
    cr_assert_eq(dorm_save(d.tour), DORM_OK, "%s", dorm_errmsg(T.cx));
    d.guide = dorm_create(T.cx, Post, .title = "guide", .tag = {d.c->id, NULL});
    cr_assert(d.intro && d.guide, "%s", dorm_errmsg(T.cx));
    return d;
}

/* The text member at `offset` of each object of qs, ","-joined. */
static const char *joined(dorm_qs *qs, size_t offset) {
    size_t n;
    void **objs = dorm_list(qs, &n);
    cr_assert_not_null(objs, "%s", dorm_errmsg(T.cx));
    char buf[256] = "";
    for (size_t i = 0; i < n; i++) {
        if (i) strcat(buf, ",");
        strcat(buf, *(const char **)((char *)objs[i] + offset));
    }
    return dorm_strdup(T.cx, buf);
}

static const char *titles(dorm_qs *qs) { return joined(qs, offsetof(Post, title)); }
static const char *tag_names(dorm_qs *qs) { return joined(qs, offsetof(Tag, name)); }
static const char *codes(dorm_qs *qs) { return joined(qs, offsetof(Country, code)); }

static bool same_uuid(dorm_uuid a, dorm_uuid b) { return memcmp(a.bytes, b.bytes, 16) == 0; }

/* The DDL Django 3.2 writes for the same models (sqlmigrate / schema editor). */
Test(key_kinds, ddl_is_djangos) {
    const char *post = dorm_create_table_sql(T.cx, &Post_model);
    const char *badge = dorm_create_table_sql(T.cx, &Badge_model);
    const char *tags = dorm_create_table_sql(T.cx, dorm_through(T.cx, &Post_model, "tags"));
    const char *countries = dorm_create_table_sql(T.cx, dorm_through(T.cx, &Post_model, "countries"));
    cr_assert(post && badge && tags && countries, "%s", dorm_errmsg(T.cx));
    if (test_db_on_mysql()) {
        /* Django 3.2's DDL on MariaDB (schema_editor(collect_sql=True)). */
        cr_assert_str_eq(
            test_sql_std(post),
            "CREATE TABLE \"keys_post\" (\"id\" integer AUTO_INCREMENT NOT NULL PRIMARY KEY, \"title\" "
            "varchar(20) NOT NULL, \"tag_id\" char(32) NOT NULL, \"country_id\" varchar(2) NULL);\n"
            "ALTER TABLE \"keys_post\" ADD CONSTRAINT \"keys_post_tag_id_22f3d299_fk_keys_tag_id\" FOREIGN "
            "KEY (\"tag_id\") REFERENCES \"keys_tag\" (\"id\");\n"
            "ALTER TABLE \"keys_post\" ADD CONSTRAINT \"keys_post_country_id_83861b79_fk_keys_country_code\" "
            "FOREIGN KEY (\"country_id\") REFERENCES \"keys_country\" (\"code\");\n");
        cr_assert_str_eq(
            test_sql_std(badge),
            "CREATE TABLE \"keys_badge\" (\"id\" integer AUTO_INCREMENT NOT NULL PRIMARY KEY, \"tag_id\" "
            "char(32) NOT NULL UNIQUE);\n"
            "ALTER TABLE \"keys_badge\" ADD CONSTRAINT \"keys_badge_tag_id_2af6be50_fk_keys_tag_id\" FOREIGN "
            "KEY (\"tag_id\") REFERENCES \"keys_tag\" (\"id\");\n");
        cr_assert_str_eq(
            test_sql_std(tags),
            "CREATE TABLE \"keys_post_tags\" (\"id\" integer AUTO_INCREMENT NOT NULL PRIMARY KEY, "
            "\"post_id\" integer NOT NULL, \"tag_id\" char(32) NOT NULL);\n"
            "ALTER TABLE \"keys_post_tags\" ADD CONSTRAINT \"keys_post_tags_post_id_tag_id_b27cb90c_uniq\" "
            "UNIQUE (\"post_id\", \"tag_id\");\n"
            "ALTER TABLE \"keys_post_tags\" ADD CONSTRAINT \"keys_post_tags_post_id_096fab30_fk_keys_post_id\" "
            "FOREIGN KEY (\"post_id\") REFERENCES \"keys_post\" (\"id\");\n"
            "ALTER TABLE \"keys_post_tags\" ADD CONSTRAINT \"keys_post_tags_tag_id_53854cf0_fk_keys_tag_id\" "
            "FOREIGN KEY (\"tag_id\") REFERENCES \"keys_tag\" (\"id\");\n");
        cr_assert(
            strstr(test_sql_std(countries),
                   "ALTER TABLE \"keys_post_countries\" ADD CONSTRAINT "
                   "\"keys_post_countries_country_id_7a4205c2_fk_keys_country_code\" FOREIGN KEY (\"country_id\") "
                   "REFERENCES \"keys_country\" (\"code\");\n"),
            "%s", countries);
    } else if (on_postgres()) {
        cr_assert(strstr(post,
                         "CREATE TABLE \"keys_post\" (\"id\" serial NOT NULL PRIMARY KEY, \"title\" varchar(20) "
                         "NOT NULL, \"tag_id\" uuid NOT NULL, \"country_id\" varchar(2) NULL);\n"),
                  "%s", post);
        cr_assert(strstr(post,
                         "ALTER TABLE \"keys_post\" ADD CONSTRAINT \"keys_post_tag_id_22f3d299_fk_keys_tag_id\" "
                         "FOREIGN KEY (\"tag_id\") REFERENCES \"keys_tag\" (\"id\") DEFERRABLE INITIALLY DEFERRED"),
                  "%s", post);
        cr_assert(strstr(post,
                         "CREATE INDEX \"keys_post_country_id_83861b79_like\" ON \"keys_post\" (\"country_id\" "
                         "varchar_pattern_ops)"),
                  "%s", post);
        cr_assert(strstr(badge,
                         "CREATE TABLE \"keys_badge\" (\"id\" serial NOT NULL PRIMARY KEY, \"tag_id\" uuid NOT "
                         "NULL UNIQUE);\n"),
                  "%s", badge);
        cr_assert(strstr(tags,
                         "CREATE TABLE \"keys_post_tags\" (\"id\" serial NOT NULL PRIMARY KEY, \"post_id\" "
                         "integer NOT NULL, \"tag_id\" uuid NOT NULL);\n"),
                  "%s", tags);
        cr_assert(strstr(countries,
                         "ALTER TABLE \"keys_post_countries\" ADD CONSTRAINT "
                         "\"keys_post_countries_country_id_7a4205c2_fk_keys_country_code\" FOREIGN KEY "
                         "(\"country_id\") REFERENCES \"keys_country\" (\"code\") DEFERRABLE INITIALLY "
                         "DEFERRED"),
                  "%s", countries);
    } else {
        cr_assert(strstr(post,
                         "CREATE TABLE \"keys_post\" (\"id\" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "
                         "\"title\" varchar(20) NOT NULL, \"tag_id\" char(32) NOT NULL REFERENCES \"keys_tag\" "
                         "(\"id\") DEFERRABLE INITIALLY DEFERRED, \"country_id\" varchar(2) NULL REFERENCES "
                         "\"keys_country\" (\"code\") DEFERRABLE INITIALLY DEFERRED);\n"),
                  "%s", post);
        cr_assert(strstr(badge,
                         "\"tag_id\" char(32) NOT NULL UNIQUE REFERENCES \"keys_tag\" (\"id\") DEFERRABLE "
                         "INITIALLY DEFERRED"),
                  "%s", badge);
        cr_assert(strstr(tags,
                         "\"tag_id\" char(32) NOT NULL REFERENCES \"keys_tag\" (\"id\") DEFERRABLE INITIALLY "
                         "DEFERRED"),
                  "%s", tags);
        cr_assert(strstr(countries,
                         "\"country_id\" varchar(2) NOT NULL REFERENCES \"keys_country\" (\"code\") "
                         "DEFERRABLE INITIALLY DEFERRED"),
                  "%s", countries);
    }
    /* MySQL: InnoDB indexes the key for its constraint. */
    if (!test_db_on_mysql())
        cr_assert(strstr(post, "CREATE INDEX \"keys_post_tag_id_22f3d299\" ON \"keys_post\" (\"tag_id\")"), "%s", post);
}

Test(key_kinds, save_load_and_filter_across) {
    data d = make_data();
    Post *p = dorm_get(dorm_all(T.cx, Post), DQ("title", "tour"));
    cr_assert_not_null(p, "%s", dorm_errmsg(T.cx));
    cr_assert(same_uuid(p->tag.id, d.rust->id));
    cr_assert_str_eq(p->country.id, "JP");
    cr_assert_null(p->tag.obj);
    Tag *t = dorm_fk(p, tag);
    cr_assert_not_null(t, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(t->name, "rust");
    cr_assert_str_eq(dorm_fk(p, country)->name, "Japan");
    cr_assert_str_eq(titles(dorm_filter(dorm_all(T.cx, Post), DQ("tag__name", "c"))), "guide,intro");
    cr_assert_str_eq(titles(dorm_filter(dorm_all(T.cx, Post), DQ("tag", d.rust))), "tour");
    cr_assert_str_eq(titles(dorm_filter(dorm_all(T.cx, Post), DQ("tag_id", d.rust->id))), "tour");
    cr_assert_str_eq(titles(dorm_filter(dorm_all(T.cx, Post), DQ("tag__in", DLIST(d.rust->id)))), "tour");
    cr_assert_str_eq(titles(dorm_filter(dorm_all(T.cx, Post), DQ("country__name", "France"))), "intro");
    cr_assert_str_eq(titles(dorm_filter(dorm_all(T.cx, Post), DQ("country", "JP"))), "tour");
    cr_assert_str_eq(titles(dorm_filter(dorm_all(T.cx, Post), DQ("country__isnull", true))), "guide");
    cr_assert_str_eq(tag_names(dorm_distinct(dorm_filter(dorm_all(T.cx, Tag), DQ("posts__title__startswith", "i")))),
                     "c");
    cr_assert_str_eq(titles(dorm_order_by(dorm_all(T.cx, Post), "-tag__name", "title")), "tour,guide,intro");
    /* A key changed by assignment drops the object it cached. */
    p->tag.obj = d.rust;
    dorm_fk_set(p, tag, d.c);
    cr_assert(same_uuid(p->tag.id, d.c->id));
    cr_assert_eq(p->tag.obj, d.c);
    cr_assert_eq(dorm_save(p), DORM_OK, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_count(dorm_filter(dorm_all(T.cx, Post), DQ("tag", d.c))), 3);
}

Test(key_kinds, update_bulk_update_values_and_get_or_create) {
    data d = make_data();
    cr_assert_eq(dorm_update(dorm_filter(dorm_all(T.cx, Post), DQ("title", "guide")), DSET("tag", d.rust),
                             DSET("country", d.jp)),
                 1, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(titles(dorm_filter(dorm_all(T.cx, Post), DQ("tag", d.rust), DQ("country_id", "JP"))),
                     "guide,tour");
    d.intro->tag.id = d.rust->id;
    d.intro->country.id = "JP";
    d.tour->tag.id = d.c->id;
    void *both[] = {d.intro, d.tour};
    cr_assert_eq(dorm_bulk_update(T.cx, Post, both, 2, "tag", "country"), 2, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(titles(dorm_filter(dorm_all(T.cx, Post), DQ("tag__name", "rust"))), "guide,intro");
    size_t n;
    const dorm_row **rows =
        dorm_rows(dorm_values_list(dorm_order_by(dorm_all(T.cx, Post), "title"), "tag", "country"), &n);
    cr_assert(rows && n == 3, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(rows[0]->values[0].type, DORM_T_UUID);
    cr_assert(same_uuid(rows[0]->values[0].u.uuid, d.rust->id));
    cr_assert_str_eq(rows[0]->values[1].u.s, "JP");
    bool created;
    Post *p = dorm_get_or_create(dorm_all(T.cx, Post), &created, NULL, DQ("title", "new"), DQ("tag", d.c));
    cr_assert_not_null(p, "%s", dorm_errmsg(T.cx));
    cr_assert(created);
    cr_assert(same_uuid(p->tag.id, d.c->id));
    Post *again = dorm_get_or_create(dorm_all(T.cx, Post), &created, NULL, DQ("title", "new"), DQ("tag", d.c));
    cr_assert(again && !created && again->id == p->id, "%s", dorm_errmsg(T.cx));
}

Test(key_kinds, select_and_prefetch_related) {
    data d = make_data();
    size_t n;
    void **ps = dorm_list(dorm_select_related(dorm_all(T.cx, Post), "tag", "country"), &n);
    cr_assert_eq(n, 3, "%s", dorm_errmsg(T.cx));
    uint64_t before = dorm_ctx_query_count(T.cx);
    cr_assert_str_eq(((Post *)ps[0])->tag.obj->name, "c");
    cr_assert_null(((Post *)ps[0])->country.obj);
    cr_assert_str_eq(((Post *)ps[2])->tag.obj->name, "rust");
    cr_assert_str_eq(((Post *)ps[2])->country.obj->name, "Japan");
    ps = dorm_list(dorm_prefetch_related(dorm_all(T.cx, Post), "tag", "country", "tags", "countries"), &n);
    cr_assert_eq(dorm_ctx_query_count(T.cx) - before, 5, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(((Post *)ps[1])->tag.obj->name, "c");
    cr_assert_str_eq(((Post *)ps[1])->country.obj->name, "France");
    cr_assert_str_eq(dorm_fk((Post *)ps[2], tag)->name, "rust");
    Tag *c = dorm_get(dorm_prefetch_related(dorm_all(T.cx, Tag), "posts"), DQ("name", "c"));
    cr_assert_not_null(c, "%s", dorm_errmsg(T.cx));
    before = dorm_ctx_query_count(T.cx);
    cr_assert_str_eq(titles(dorm_related(c, "posts")), "guide,intro");
    cr_assert_eq(dorm_ctx_query_count(T.cx), before);
    /* The way back from a prefetched child is its owner, without a query. */
    Post *first = dorm_list(dorm_related(c, "posts"), &n)[0];
    cr_assert_eq(first->tag.obj, c);
    cr_assert_str_eq(titles(dorm_related(d.fr, "posts")), "intro");
    void **ks = dorm_list(dorm_prefetch_related(dorm_all(T.cx, Country), "posts"), &n);
    cr_assert_eq(n, 2);
    cr_assert_str_eq(titles(dorm_related(ks[1], "posts")), "tour");
}

Test(key_kinds, one_to_one_to_a_uuid_key) {
    data d = make_data();
    Badge *b = dorm_create(T.cx, Badge, .tag = {d.rust->id, NULL});
    cr_assert_not_null(b, "%s", dorm_errmsg(T.cx));
    Badge *again = dorm_get(dorm_select_related(dorm_all(T.cx, Badge), "tag"), DQ("tag__name", "rust"));
    cr_assert_not_null(again, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(again->tag.obj->name, "rust");
    Badge *one = dorm_related_one(d.rust, "badge");
    cr_assert_not_null(one, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(one->id, b->id);
    Tag *t = dorm_get(dorm_select_related(dorm_all(T.cx, Tag), "badge"), DQ("name", "rust"));
    cr_assert_not_null(t, "%s", dorm_errmsg(T.cx));
    uint64_t before = dorm_ctx_query_count(T.cx);
    cr_assert_eq(((Badge *)dorm_related_one(t, "badge"))->id, b->id);
    cr_assert_eq(dorm_ctx_query_count(T.cx), before);
    cr_assert_null(dorm_create(T.cx, Badge, .tag = {d.rust->id, NULL}));
    cr_assert_eq(dorm_errcode(T.cx), DORM_EINTEGRITY);
}

Test(key_kinds, many_to_many_to_uuid_and_text_keys) {
    data d = make_data();
    cr_assert_eq(dorm_related_add(d.intro, "tags", (void *[]){d.c, d.rust, d.c}, 3), DORM_OK, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_related_add(d.intro, "tags", (void *[]){d.rust}, 1), DORM_OK, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_related_add(d.tour, "tags", (void *[]){d.rust}, 1), DORM_OK, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_related_add(d.intro, "countries", (void *[]){d.fr, d.jp}, 2), DORM_OK, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(tag_names(dorm_related(d.intro, "tags")), "c,rust");
    cr_assert_str_eq(titles(dorm_related(d.rust, "tagged")), "intro,tour");
    cr_assert_str_eq(titles(dorm_related(d.jp, "visited")), "intro");
    cr_assert_str_eq(titles(dorm_filter(dorm_all(T.cx, Post), DQ("tags__name", "rust"))), "intro,tour");
    cr_assert_str_eq(titles(dorm_filter(dorm_all(T.cx, Post), DQ("countries", "JP"))), "intro");
    cr_assert_str_eq(titles(dorm_filter(dorm_all(T.cx, Post), DQ("tags", d.c))), "intro");
    cr_assert_eq(dorm_related_set(d.intro, "tags", (void *[]){d.c}, 1), DORM_OK, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(tag_names(dorm_related(d.intro, "tags")), "c");
    cr_assert_eq(dorm_related_remove(d.intro, "countries", (void *[]){d.fr}, 1), DORM_OK, "%s", dorm_errmsg(T.cx));
    size_t n;
    void **ps = dorm_list(dorm_prefetch_related(dorm_all(T.cx, Post), "tags", "countries"), &n);
    cr_assert_eq(n, 3);
    uint64_t before = dorm_ctx_query_count(T.cx);
    cr_assert_str_eq(tag_names(dorm_related(ps[1], "tags")), "c");
    cr_assert_str_eq(tag_names(dorm_related(ps[2], "tags")), "rust");
    cr_assert_eq(dorm_count(dorm_related(ps[1], "countries")), 1);
    cr_assert_eq(dorm_ctx_query_count(T.cx), before);
    void **ts = dorm_list(dorm_prefetch_related(dorm_all(T.cx, Tag), "tagged"), &n);
    cr_assert_str_eq(titles(dorm_related(ts[0], "tagged")), "intro");
    cr_assert_eq(dorm_related_clear(d.rust, "tagged"), DORM_OK, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_count(dorm_related(d.rust, "tagged")), 0);
}

/* m2m_changed as "action:key,key" lines (text keys). */
static char m2m_seen[512];
static int record_m2m(const dorm_signal_event *ev, void *payload) {
    (void)payload;
    size_t n = strlen(m2m_seen);
    n += (size_t)snprintf(m2m_seen + n, sizeof m2m_seen - n, "%s%s:", n ? " " : "", ev->action);
    for (size_t i = 0; i < ev->npk && n < sizeof m2m_seen; i++)
        n += (size_t)snprintf(m2m_seen + n, sizeof m2m_seen - n, "%s%s", i ? "," : "", ev->pk_set[i].u.s);
    return 0;
}

/* Django's many-to-many managers take primary keys as well as objects
 * (post.countries.add("FR", jp), remove("JP", "XX"), set(["JP"])), each
 * converted as the related key converts values; m2m_changed names the
 * keys.  A ForeignKey's related manager takes objects only. */
Test(key_kinds, many_to_many_managers_take_keys) {
    data d = make_data();
    dorm_signals *s = dorm_signals_new();
    cr_assert_not_null(s);
    dorm_db_set_signals(T.db, s);
    cr_assert_eq(
        dorm_signal_connect(s, DORM_M2M_CHANGED, dorm_through(T.cx, &Post_model, "countries"), record_m2m, NULL, NULL),
        DORM_OK);
    m2m_seen[0] = '\0';
    cr_assert_eq(dorm_related_add_values(d.intro, "countries", DORM_ARGS(DV("FR"), DV(d.jp))), DORM_OK, "%s",
                 dorm_errmsg(T.cx));
    cr_assert_str_eq(codes(dorm_related(d.intro, "countries")), "FR,JP");
    cr_assert_eq(dorm_related_add_values(d.intro, "countries", DORM_ARGS(DV("JP"))), DORM_OK, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_related_remove_values(d.intro, "countries", DORM_ARGS(DV("JP"), DV("XX"))), DORM_OK, "%s",
                 dorm_errmsg(T.cx));
    cr_assert_str_eq(codes(dorm_related(d.intro, "countries")), "FR");
    cr_assert_eq(dorm_related_set_values(d.intro, "countries", DORM_ARGS(DV("JP"))), DORM_OK, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(codes(dorm_related(d.intro, "countries")), "JP");
    cr_assert_str_eq(m2m_seen,
                     "pre_add:FR,JP post_add:FR,JP pre_add: post_add: pre_remove:JP,XX post_remove:JP,XX "
                     "pre_remove:FR post_remove:FR pre_add:JP post_add:JP");
    dorm_db_set_signals(T.db, NULL);
    dorm_signals_free(s);

    /* A UUID key given as text; the reverse side by an integer key, also
     * as text. */
    char text[DORM_FMT_MAX];
    dorm_uuid_format_dashed(d.rust->id, text);
    cr_assert_eq(dorm_related_add_values(d.intro, "tags", DORM_ARGS(DV(text))), DORM_OK, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(tag_names(dorm_related(d.intro, "tags")), "rust");
    const char *guide = dorm_sprintf(T.cx, "%lld", (long long)d.guide->id);
    cr_assert_eq(dorm_related_add_values(d.fr, "visited", DORM_ARGS(DV(d.tour->id), DV(guide))), DORM_OK, "%s",
                 dorm_errmsg(T.cx));
    cr_assert_str_eq(titles(dorm_related(d.fr, "visited")), "guide,tour");
    cr_assert_eq(dorm_related_add_values(d.fr, "visited", DORM_ARGS(DV("abc"))), DORM_EVALUE);
    cr_assert_str_eq(dorm_errmsg(T.cx), "Field 'id' expected a number but got 'abc'.");
    cr_assert_eq(dorm_related_add_values(d.intro, "countries", DORM_ARGS(DV(d.rust))), DORM_EVALUE);
    cr_assert_str_eq(dorm_errmsg(T.cx), "'Country' instance expected, got Tag.");
    /* post.country's reverse manager: instances only, as Django's. */
    cr_assert_eq(dorm_related_add_values(d.fr, "posts", DORM_ARGS(DV(d.tour->id))), DORM_EVALUE);
    cr_assert_str_eq(dorm_errmsg(T.cx),
                     dorm_sprintf(T.cx, "'Post' instance expected, got %lld.", (long long)d.tour->id));
    cr_assert_eq(dorm_related_add_values(d.fr, "posts", DORM_ARGS(DV(d.tour))), DORM_OK, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(titles(dorm_related(d.fr, "posts")), "intro,tour");
}

Test(key_kinds, delete_follows_uuid_and_text_keys) {
    data d = make_data();
    cr_assert_not_null(dorm_create(T.cx, Badge, .tag = {d.c->id, NULL}));
    cr_assert_eq(dorm_related_add(d.tour, "tags", (void *[]){d.c}, 1), DORM_OK, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_related_add(d.tour, "countries", (void *[]){d.jp}, 1), DORM_OK, "%s", dorm_errmsg(T.cx));
    dorm_deleted del;
    cr_assert_eq(dorm_delete(d.c, &del), DORM_OK, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(dorm_deleted_str(T.cx, &del), "keys.Badge: 1, keys.Post: 2, keys.Post_tags: 1, keys.Tag: 1");
    cr_assert_str_eq(titles(dorm_all(T.cx, Post)), "tour");
    /* SET_NULL through a text key; the join row to the country cascades. */
    cr_assert_eq(dorm_delete(d.jp, &del), DORM_OK, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(dorm_deleted_str(T.cx, &del), "keys.Country: 1, keys.Post_countries: 1");
    cr_assert_eq(dorm_count(dorm_filter(dorm_all(T.cx, Post), DQ("country__isnull", true))), 1);
    cr_assert_eq(dorm_qs_delete(dorm_all(T.cx, Tag), &del), DORM_OK, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(dorm_deleted_str(T.cx, &del), "keys.Post: 1, keys.Tag: 1");
}

Test(key_kinds, fixtures_round_trip) {
    data d = make_data();
    cr_assert_eq(dorm_related_add(d.intro, "tags", (void *[]){d.c, d.rust}, 2), DORM_OK, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_related_add(d.intro, "countries", (void *[]){d.jp}, 1), DORM_OK, "%s", dorm_errmsg(T.cx));
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    cr_assert_eq(dorm_dumpdata(T.cx, (const char *const[]){"keys.post", NULL}, 0, out), DORM_OK, "%s",
                 dorm_errmsg(T.cx));
    fclose(out);
    char rust[40], c[40], want[256];
    dorm_uuid_format_dashed(d.rust->id, rust);
    dorm_uuid_format_dashed(d.c->id, c);
    snprintf(
        want, sizeof want,
        "{\"model\": \"keys.post\", \"pk\": %lld, \"fields\": {\"title\": \"intro\", \"tag\": \"%s\", \"country\": "
        "\"FR\", \"tags\": [",
        (long long)d.intro->id, c);
    cr_assert(strstr(text, want), "%s\n%s", want, text);
    cr_assert(strstr(text, "\"countries\": [\"JP\"]"), "%s", text);
    cr_assert(strstr(text, rust), "%s", text);
    test_tmpdir_make("dorm-keys");
    test_write_file("posts.json", text);
    free(text);
    cr_assert_eq(dorm_qs_delete(dorm_all(T.cx, Post), NULL), DORM_OK, "%s", dorm_errmsg(T.cx));
    int rc = dorm_loaddata(T.cx, (const char *const[]){test_tmpdir_path("posts.json"), NULL}, NULL);
    test_tmpdir_remove();
    cr_assert_eq(rc, DORM_OK, "%s", dorm_errmsg(T.cx));
    Post *p = dorm_get(dorm_all(T.cx, Post), DQ("title", "intro"));
    cr_assert_not_null(p, "%s", dorm_errmsg(T.cx));
    cr_assert(same_uuid(p->tag.id, d.c->id));
    cr_assert_str_eq(tag_names(dorm_related(p, "tags")), "c,rust");
    cr_assert_eq(dorm_count(dorm_related(p, "countries")), 1);
}

/* A migration state renders the keys as the compiled models declare them,
 * so makemigrations and sqlmigrate work on these models. */
Test(key_kinds, migrations_keep_the_key_types) {
    dorm_app app = keys_app;
    app.migrations_dir = test_tmpdir_make("dorm-keys-migrations");
    const dorm_app *apps[] = {&app, NULL};
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    int rc = dorm_makemigrations(T.cx, apps, &(dorm_makemigrations_opts){.out = out});
    fclose(out);
    free(text);
    cr_assert_eq(rc, 0, "%s", dorm_errmsg(T.cx));
    const char *sql = dorm_sqlmigrate(T.cx, apps, "keys", "0001", false);
    test_tmpdir_remove();
    cr_assert_not_null(sql, "%s", dorm_errmsg(T.cx));
    if (test_db_on_mysql()) {
        sql = test_sql_std(sql);
        cr_assert(strstr(sql, "\"tag_id\" char(32) NOT NULL"), "%s", sql);
        cr_assert(strstr(sql,
                         "CREATE TABLE \"keys_post_countries\" (\"id\" integer AUTO_INCREMENT NOT NULL PRIMARY KEY, "
                         "\"post_id\" integer NOT NULL, \"country_id\" varchar(2) NOT NULL);"),
                  "%s", sql);
        cr_assert(strstr(sql,
                         "ALTER TABLE \"keys_post_countries\" ADD CONSTRAINT "
                         "\"keys_post_countries_country_id_7a4205c2_fk_keys_country_code\" FOREIGN KEY "
                         "(\"country_id\") REFERENCES \"keys_country\" (\"code\");"),
                  "%s", sql);
    } else if (on_postgres()) {
        cr_assert(strstr(sql, "\"tag_id\" uuid NOT NULL"), "%s", sql);
        cr_assert(strstr(sql,
                         "CREATE TABLE \"keys_post_countries\" (\"id\" serial NOT NULL PRIMARY KEY, \"post_id\" "
                         "integer NOT NULL, \"country_id\" varchar(2) NOT NULL);"),
                  "%s", sql);
    } else {
        cr_assert(strstr(sql, "\"tag_id\" char(32) NOT NULL REFERENCES \"keys_tag\" (\"id\")"), "%s", sql);
        cr_assert(strstr(sql, "\"country_id\" varchar(2) NOT NULL REFERENCES \"keys_country\" (\"code\")"), "%s", sql);
    }
}

/* Keys the member cannot hold are refused by the system checks. */
typedef struct Wrong {
    DORM_OBJECT;
    int64_t id;
    DORM_FK(Tag) tag;
    DORM_FK_TO(Country, dorm_uuid) country;
} Wrong;
DORM_MODEL_DECLARE(Wrong);
static const dorm_field Wrong_fields[] = {
    DORM_AUTO(Wrong, id),
    DORM_FOREIGN_KEY(Wrong, tag, Tag, .on_delete = DORM_CASCADE, .related_name = "+"),
    DORM_FOREIGN_KEY(Wrong, country, Country, .on_delete = DORM_CASCADE, .related_name = "+"),
    DORM_END,
};
const dorm_model Wrong_model = DORM_MODEL(Wrong, "bad", Wrong_fields);
static const dorm_app bad_app = {.label = "bad", .models = DORM_MODELS(&Tag_model, &Country_model, &Wrong_model)};

Test(key_kinds, checks_match_the_member_with_the_key) {
    dorm_registry *reg = dorm_registry_new((const dorm_app *const[]){&bad_app, NULL});
    cr_assert_not_null(reg);
    const char *msg = dorm_registry_messages(reg);
    cr_assert(strstr(msg,
                     "bad.Wrong.tag: (dorm.E012) A ForeignKey to the UUID field 'Tag.id' needs a "
                     "DORM_FK_TO(Tag, dorm_uuid) member."),
              "%s", msg);
    cr_assert(strstr(msg,
                     "bad.Wrong.country: (dorm.E012) A ForeignKey to the text field 'Country.code' needs a "
                     "DORM_FK_TO(Country, const char *) member."),
              "%s", msg);
    cr_assert_eq(dorm_registry_errcode(reg), DORM_ECONFIG);
    dorm_registry_free(reg);
}
