/* test_m2m.c - ManyToManyField: the automatic join table (Django's names),
 * traversal in filter/exclude/values, the managers (add, remove, clear, set,
 * create, through_defaults), symmetrical self relations, prefetch_related,
 * deletion of join rows with their owner, and the system checks. */
#include <criterion/criterion.h>
#include <string.h>

#include "testdb.h"

typedef struct Tag {
    DORM_OBJECT;
    int64_t id;
    const char *name;
} Tag;

typedef struct Person {
    DORM_OBJECT;
    int64_t id;
    const char *name;
} Person;

typedef struct Novel {
    DORM_OBJECT;
    int64_t id;
    const char *title;
} Novel;

typedef struct Reading {
    DORM_OBJECT;
    int64_t id;
    DORM_FK(Person) person;
    DORM_FK(Novel) novel;
    int32_t rating;
} Reading;

DORM_MODEL_DECLARE(Tag);
DORM_MODEL_DECLARE(Person);
DORM_MODEL_DECLARE(Novel);
DORM_MODEL_DECLARE(Reading);

static const dorm_field Tag_fields[] = {DORM_AUTO(Tag, id), DORM_CHAR(Tag, name, .max_length = 50), DORM_END};
const dorm_model Tag_model = DORM_MODEL(Tag, "m2mapp", Tag_fields, .ordering = DORM_LIST("name"));
static const dorm_field Person_fields[] = {
    DORM_AUTO(Person, id),
    DORM_CHAR(Person, name, .max_length = 50),
    DORM_MANY_TO_MANY(Person, friends, Person),
    DORM_MANY_TO_MANY(Person, follows, Person, .asymmetrical = true, .related_name = "followers"),
    DORM_END,
};
const dorm_model Person_model = DORM_MODEL(Person, "m2mapp", Person_fields, .ordering = DORM_LIST("name"));
static const dorm_field Novel_fields[] = {
    DORM_AUTO(Novel, id),
    DORM_CHAR(Novel, title, .max_length = 50),
    DORM_MANY_TO_MANY(Novel, tags, Tag, .related_name = "books"),
    DORM_MANY_TO_MANY(Novel, readers, Person, .through = &Reading_model),
    DORM_END,
};
const dorm_model Novel_model = DORM_MODEL(Novel, "m2mapp", Novel_fields, .ordering = DORM_LIST("title"));
static const dorm_field Reading_fields[] = {
    DORM_AUTO(Reading, id),
    DORM_FOREIGN_KEY(Reading, person, Person, .on_delete = DORM_CASCADE),
    DORM_FOREIGN_KEY(Reading, novel, Novel, .on_delete = DORM_CASCADE),
    DORM_INT(Reading, rating, .default_value = DORM_VINT(3)),
    DORM_END,
};
const dorm_model Reading_model = DORM_MODEL(Reading, "m2mapp", Reading_fields);
static const dorm_app m2m_app = {.label = "m2mapp",
                                 .models = DORM_MODELS(&Tag_model, &Person_model, &Novel_model, &Reading_model)};

static void open_m2m(void) { test_db_open_apps((const dorm_app *const[]){&m2m_app, NULL}); }

TestSuite(m2m, .init = open_m2m, .fini = test_db_close);

static const char *names(dorm_qs *qs) {
    size_t n = 0;
    void **objs = dorm_list(qs, &n);
    cr_assert_not_null(objs, "%s", dorm_errmsg(T.cx));
    char buf[512] = "";
    for (size_t i = 0; i < n; i++) {
        const dorm_object *h = objs[i];
        const char *s = h->model == &Tag_model ? ((Tag *)objs[i])->name
            : h->model == &Novel_model         ? ((Novel *)objs[i])->title
                                               : ((Person *)objs[i])->name;
        if (i) strcat(buf, ",");
        strcat(buf, s);
    }
    return dorm_strdup(T.cx, buf);
}

typedef struct library {
    Tag *classic, *comedy, *gothic;
    Novel *emma, *dracula, *persuasion;
} library;

static library make_library(void) {
    library l;
    l.classic = dorm_create(T.cx, Tag, .name = "classic");
    l.comedy = dorm_create(T.cx, Tag, .name = "comedy");
    l.gothic = dorm_create(T.cx, Tag, .name = "gothic");
    l.emma = dorm_create(T.cx, Novel, .title = "Emma");
    l.dracula = dorm_create(T.cx, Novel, .title = "Dracula");
    l.persuasion = dorm_create(T.cx, Novel, .title = "Persuasion");
    cr_assert(l.classic && l.comedy && l.gothic && l.emma && l.dracula && l.persuasion, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_related_add(l.emma, "tags", (void *[]){l.classic, l.comedy}, 2), DORM_OK, "%s",
                 dorm_errmsg(T.cx));
    cr_assert_eq(dorm_related_add(l.dracula, "tags", (void *[]){l.classic, l.gothic}, 2), DORM_OK);
    cr_assert_eq(dorm_related_add(l.persuasion, "tags", (void *[]){l.classic}, 1), DORM_OK);
    return l;
}

Test(m2m, join_table_has_djangos_names) {
    const char *sql = test_sql_std(dorm_create_table_sql(T.cx, dorm_through(T.cx, &Novel_model, "tags")));
    cr_assert(strstr(sql, "CREATE TABLE \"m2mapp_novel_tags\" (\"id\""), "%s", sql);
    cr_assert(strstr(sql, "\"novel_id\""), "%s", sql);
    cr_assert(strstr(sql, "\"tag_id\""), "%s", sql);
    cr_assert(strstr(sql, "\"m2mapp_novel_tags_novel_id_tag_id_81cccc9d_uniq\""), "%s", sql);
    /* MySQL: InnoDB indexes a foreign key's column itself (Django adds no index). */
    cr_assert(!strstr(sql, "\"m2mapp_novel_tags_novel_id_24667df9\"") == test_db_on_mysql(), "%s", sql);
    cr_assert(!strstr(sql, "\"m2mapp_novel_tags_tag_id_d68707de\"") == test_db_on_mysql(), "%s", sql);
    sql = test_sql_std(dorm_create_table_sql(T.cx, dorm_through(T.cx, &Person_model, "friends")));
    cr_assert(strstr(sql, "\"m2mapp_person_friends\""), "%s", sql);
    cr_assert(strstr(sql, "\"from_person_id\"") && strstr(sql, "\"to_person_id\""), "%s", sql);
}

Test(m2m, filter_joins_as_django) {
    const char *sql = test_sql_std(dorm_qs_sql(dorm_filter(dorm_all(T.cx, Novel), DQ("tags__name", "a")), NULL));
    cr_assert_not_null(sql, "%s", dorm_errmsg(T.cx));
    cr_assert(strstr(sql,
                     "FROM \"m2mapp_novel\" INNER JOIN \"m2mapp_novel_tags\" ON (\"m2mapp_novel\".\"id\" = "
                     "\"m2mapp_novel_tags\".\"novel_id\") INNER JOIN \"m2mapp_tag\" ON (\"m2mapp_novel_tags\"."
                     "\"tag_id\" = \"m2mapp_tag\".\"id\") WHERE \"m2mapp_tag\".\"name\" = "),
              "%s", sql);
    /* tags=1 compares the join table's key: no join to the tag table. */
    sql = test_sql_std(dorm_qs_sql(dorm_filter(dorm_all(T.cx, Novel), DQ("tags", 1)), NULL));
    cr_assert(strstr(sql, "WHERE \"m2mapp_novel_tags\".\"tag_id\" = "), "%s", sql);
    cr_assert_null(strstr(sql, "\"m2mapp_tag\""), "%s", sql);
    sql = test_sql_std(dorm_qs_sql(dorm_filter(dorm_all(T.cx, Tag), DQ("books__title", "a")), NULL));
    cr_assert(strstr(sql,
                     "FROM \"m2mapp_tag\" INNER JOIN \"m2mapp_novel_tags\" ON (\"m2mapp_tag\".\"id\" = "
                     "\"m2mapp_novel_tags\".\"tag_id\") INNER JOIN \"m2mapp_novel\" ON (\"m2mapp_novel_tags\"."
                     "\"novel_id\" = \"m2mapp_novel\".\"id\")"),
              "%s", sql);
}

Test(m2m, traversal_results) {
    library l = make_library();
    (void)l;
    cr_assert_str_eq(names(dorm_filter(dorm_all(T.cx, Novel), DQ("tags__name", "gothic"))), "Dracula");
    cr_assert_str_eq(
        names(dorm_distinct(dorm_filter(dorm_all(T.cx, Novel), DQ("tags__name__in", DLIST("classic", "comedy"))))),
        "Dracula,Emma,Persuasion");
    /* Without distinct() Emma comes once per matching tag, as in Django. */
    cr_assert_eq(dorm_count(dorm_filter(dorm_all(T.cx, Novel), DQ("tags__name__in", DLIST("classic", "comedy")))), 4);
    /* One filter() call: the same tag must match both; chained calls: any tags. */
    cr_assert_str_eq(names(dorm_filter(dorm_all(T.cx, Novel), DQ("tags__name", "classic"), DQ("tags__name", "gothic"))),
                     "");
    cr_assert_str_eq(
        names(dorm_filter(dorm_filter(dorm_all(T.cx, Novel), DQ("tags__name", "classic")), DQ("tags__name", "gothic"))),
        "Dracula");
    cr_assert_str_eq(names(dorm_exclude(dorm_all(T.cx, Novel), DQ("tags__name", "comedy"))), "Dracula,Persuasion");
    cr_assert_str_eq(names(dorm_distinct(dorm_filter(dorm_all(T.cx, Tag), DQ("books__title__startswith", "P")))),
                     "classic");
    cr_assert_str_eq(names(dorm_filter(dorm_all(T.cx, Tag), DQ("books__isnull", true))), "");
    cr_assert_str_eq(names(dorm_filter(dorm_all(T.cx, Novel), DQ("tags", l.gothic))), "Dracula");
    size_t n = 0;
    const dorm_row **rows = dorm_rows(
        dorm_order_by(dorm_values(dorm_filter(dorm_all(T.cx, Novel), DQ("title", "Emma")), "title", "tags__name"),
                      "tags__name"),
        &n);
    cr_assert_not_null(rows, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(n, 2);
    cr_assert_str_eq(dorm_row_get(rows[0], "tags__name")->u.s, "classic");
    cr_assert_str_eq(dorm_row_get(rows[1], "tags__name")->u.s, "comedy");
}

Test(m2m, unknown_names_list_m2m_choices) {
    dorm_qs *qs = dorm_filter(dorm_all(T.cx, Novel), DQ("nme", 1));
    cr_assert_str_eq(dorm_qs_errmsg(qs),
                     "Cannot resolve keyword 'nme' into field. Choices are: id, readers, reading, "
                     "tags, title");
    qs = dorm_filter(dorm_all(T.cx, Tag), DQ("nme", 1));
    cr_assert_str_eq(dorm_qs_errmsg(qs), "Cannot resolve keyword 'nme' into field. Choices are: books, id, name");
}

Test(m2m, managers_read_both_ways) {
    library l = make_library();
    cr_assert_str_eq(names(dorm_related(l.emma, "tags")), "classic,comedy");
    cr_assert_str_eq(names(dorm_related(l.classic, "books")), "Dracula,Emma,Persuasion");
    cr_assert_eq(dorm_count(dorm_related(l.gothic, "books")), 1);
    cr_assert_str_eq(names(dorm_filter(dorm_related(l.classic, "books"), DQ("title__contains", "c"))), "Dracula");
    cr_assert(dorm_exists(dorm_related(l.dracula, "tags")));
}

Test(m2m, add_skips_pairs_already_there) {
    library l = make_library();
    cr_assert_eq(dorm_related_add(l.emma, "tags", (void *[]){l.classic, l.gothic, l.gothic}, 3), DORM_OK, "%s",
                 dorm_errmsg(T.cx));
    cr_assert_str_eq(names(dorm_related(l.emma, "tags")), "classic,comedy,gothic");
    /* From the other side too. */
    cr_assert_eq(dorm_related_add(l.comedy, "books", (void *[]){l.dracula}, 1), DORM_OK);
    cr_assert_str_eq(names(dorm_related(l.dracula, "tags")), "classic,comedy,gothic");
}

Test(m2m, remove_clear_set) {
    library l = make_library();
    cr_assert_eq(dorm_related_remove(l.emma, "tags", (void *[]){l.comedy}, 1), DORM_OK, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(names(dorm_related(l.emma, "tags")), "classic");
    cr_assert_eq(dorm_related_set(l.dracula, "tags", (void *[]){l.comedy, l.gothic}, 2), DORM_OK, "%s",
                 dorm_errmsg(T.cx));
    cr_assert_str_eq(names(dorm_related(l.dracula, "tags")), "comedy,gothic");
    cr_assert_eq(dorm_related_clear(l.classic, "books"), DORM_OK);
    cr_assert_str_eq(names(dorm_related(l.classic, "books")), "");
    cr_assert_str_eq(names(dorm_related(l.emma, "tags")), "");
    /* The tags themselves stay. */
    cr_assert_eq(dorm_count(dorm_all(T.cx, Tag)), 3);
}

Test(m2m, set_runs_minimal_writes) {
    library l = make_library();
    uint64_t before = dorm_ctx_query_count(T.cx);
    cr_assert_eq(dorm_related_set(l.emma, "tags", (void *[]){l.classic, l.comedy}, 2), DORM_OK);
    /* Read the current pairs, then nothing to delete; the add reads again and inserts nothing. */
    uint64_t same = dorm_ctx_query_count(T.cx) - before;
    cr_assert_str_eq(names(dorm_related(l.emma, "tags")), "classic,comedy");
    cr_assert_leq(same, 4);
}

Test(m2m, create_adds_the_new_object) {
    library l = make_library();
    Tag *t = dorm_related_create(l.emma, "tags", Tag, .name = "romance");
    cr_assert_not_null(t, "%s", dorm_errmsg(T.cx));
    cr_assert_gt(t->id, 0);
    cr_assert_str_eq(names(dorm_related(l.emma, "tags")), "classic,comedy,romance");
}

Test(m2m, wrong_objects_are_refused) {
    library l = make_library();
    cr_assert_eq(dorm_related_add(l.emma, "tags", (void *[]){l.dracula}, 1), DORM_EVALUE);
    cr_assert_str_eq(dorm_errmsg(T.cx), "'Tag' instance expected, got Novel.");
    Tag *u = dorm_new(T.cx, Tag);
    cr_assert_eq(dorm_related_add(l.emma, "tags", (void *[]){u}, 1), DORM_EVALUE);
    Novel *nb = dorm_new(T.cx, Novel);
    cr_assert_eq(dorm_related_add(nb, "tags", (void *[]){l.classic}, 1), DORM_EVALUE);
    cr_assert(strstr(dorm_errmsg(T.cx), "before this many-to-many relationship"), "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(names(dorm_related(l.emma, "tags")), "classic,comedy");
}

Test(m2m, symmetrical_self_relation) {
    Person *ann = dorm_create(T.cx, Person, .name = "Ann");
    Person *bob = dorm_create(T.cx, Person, .name = "Bob");
    Person *cat = dorm_create(T.cx, Person, .name = "Cat");
    cr_assert_eq(dorm_related_add(ann, "friends", (void *[]){bob, cat}, 2), DORM_OK, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(names(dorm_related(bob, "friends")), "Ann");
    cr_assert_str_eq(names(dorm_related(ann, "friends")), "Bob,Cat");
    cr_assert_eq(dorm_related_remove(bob, "friends", (void *[]){ann}, 1), DORM_OK);
    cr_assert_str_eq(names(dorm_related(ann, "friends")), "Cat");
    cr_assert_eq(dorm_related_clear(cat, "friends"), DORM_OK);
    cr_assert_str_eq(names(dorm_related(ann, "friends")), "");
    /* Not symmetrical: following is one way, seen back as followers. */
    cr_assert_eq(dorm_related_add(ann, "follows", (void *[]){bob}, 1), DORM_OK);
    cr_assert_str_eq(names(dorm_related(bob, "follows")), "");
    cr_assert_str_eq(names(dorm_related(bob, "followers")), "Ann");
    cr_assert_str_eq(names(dorm_filter(dorm_all(T.cx, Person), DQ("followers__name", "Ann"))), "Bob");
}

Test(m2m, through_model_with_defaults) {
    library l = make_library();
    Person *ann = dorm_create(T.cx, Person, .name = "Ann");
    cr_assert_eq(dorm_related_add(l.emma, "readers", (void *[]){ann}, 1), DORM_OK, "%s", dorm_errmsg(T.cx));
    Reading *r = dorm_get(dorm_all(T.cx, Reading), DQ("novel", l.emma));
    cr_assert_not_null(r, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(r->rating, 3);
    cr_assert_eq(dorm_related_add_with(l.dracula, "readers", (void *[]){ann}, 1, DORM_DEFAULTS(DSET("rating", 5))),
                 DORM_OK, "%s", dorm_errmsg(T.cx));
    r = dorm_get(dorm_all(T.cx, Reading), DQ("novel", l.dracula));
    cr_assert_eq(r->rating, 5);
    cr_assert_str_eq(names(dorm_filter(dorm_all(T.cx, Novel), DQ("readers__name", "Ann"))), "Dracula,Emma");
    cr_assert_str_eq(names(dorm_filter(dorm_all(T.cx, Novel), DQ("reading__rating__gt", 4))), "Dracula");
    cr_assert_str_eq(names(dorm_related(ann, "novel_set")), "Dracula,Emma");
    cr_assert_eq(dorm_related_add_with(l.persuasion, "readers", (void *[]){ann}, 1, DORM_DEFAULTS(DSET("nope", 5))),
                 DORM_EFIELD);
    cr_assert_eq(dorm_count(dorm_all(T.cx, Reading)), 2);
}

Test(m2m, join_rows_go_with_their_owner) {
    library l = make_library();
    dorm_deleted d;
    cr_assert_eq(dorm_delete(l.emma, &d), DORM_OK, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(d.total, 3);
    cr_assert_str_eq(dorm_deleted_str(T.cx, &d), "m2mapp.Novel: 1, m2mapp.Novel_tags: 2");
    cr_assert_str_eq(names(dorm_related(l.classic, "books")), "Dracula,Persuasion");
    cr_assert_eq(dorm_qs_delete(dorm_filter(dorm_all(T.cx, Tag), DQ("name", "classic")), &d), DORM_OK);
    cr_assert_eq(d.total, 3);
    cr_assert_str_eq(names(dorm_related(l.dracula, "tags")), "gothic");
}

Test(m2m, prefetch_one_query_per_level) {
    make_library();
    uint64_t before = dorm_ctx_query_count(T.cx);
    size_t n = 0;
    void **books = dorm_list(dorm_prefetch_related(dorm_all(T.cx, Novel), "tags", "tags__books"), &n);
    cr_assert_not_null(books, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_ctx_query_count(T.cx) - before, 3);
    cr_assert_str_eq(names(dorm_related(books[0], "tags")), "classic,gothic");
    cr_assert_str_eq(names(dorm_related(books[1], "tags")), "classic,comedy");
    cr_assert_str_eq(names(dorm_related(books[2], "tags")), "classic");
    void **tags = dorm_list(dorm_related(books[2], "tags"), NULL);
    cr_assert_str_eq(names(dorm_related(tags[0], "books")), "Dracula,Emma,Persuasion");
    cr_assert_eq(dorm_ctx_query_count(T.cx) - before, 3);
}

static const dorm_field Lost_fields[] = {
    DORM_AUTO(Novel, id),
    DORM_MANY_TO_MANY(Novel, tags, Tag),
    DORM_MANY_TO_MANY(Novel, readers, Person, .through = &Reading_model),
    DORM_END,
};
static const dorm_model Lost_model = {
    .abi = DORM_MODEL_ABI, .name = "Lost", .app_label = "lost", .size = sizeof(Novel), .fields = Lost_fields};
static const dorm_app lost_app = {.label = "lost", .models = DORM_MODELS(&Lost_model)};

Test(m2m, checks_report_bad_declarations) {
    dorm_registry *reg = dorm_registry_new((const dorm_app *const[]){&lost_app, NULL});
    cr_assert_not_null(reg);
    cr_assert_eq(dorm_registry_errcode(reg), DORM_ECONFIG);
    const char *msg = dorm_registry_messages(reg);
    cr_assert(strstr(msg,
                     "lost.Lost.tags: (fields.E300) Field defines a relation with model 'Tag', which is either "
                     "not installed, or is abstract."),
              "%s", msg);
    cr_assert(strstr(msg, "lost.Lost.readers: (fields.E300)"), "%s", msg);
    dorm_registry_free(reg);
}
