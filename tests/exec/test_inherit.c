/* test_inherit.c - model inheritance as the lifecycle acceptance script
 * declares it: an abstract base (TimeStamped), multi-table inheritance
 * (Person -> Staff, the person_ptr parent link) and a proxy (Patron), with
 * Django 3.2's answers and SQL. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "testdb.h"

typedef struct TimeStamped {
    dorm_datetime created;
    dorm_datetime updated;
} TimeStamped;

typedef struct Person {
    DORM_OBJECT;
    int64_t id;
    TimeStamped stamped;
    const char *name;
} Person;

typedef struct Staff {
    DORM_OBJECT;
    Person person;
    DORM_FK(Person) person_ptr;
    const char *role;
} Staff;

typedef struct Patron {
    DORM_OBJECT;
    Person person;
} Patron;

typedef struct Article {
    DORM_OBJECT;
    int64_t id;
    const char *title;
    DORM_FK(Person) author;
} Article;

typedef struct Desk {
    DORM_OBJECT;
    int64_t id;
    DORM_FK(Staff) owner;
} Desk;

DORM_MODEL_DECLARE(TimeStamped);
DORM_MODEL_DECLARE(Person);
DORM_MODEL_DECLARE(Staff);
DORM_MODEL_DECLARE(Patron);
DORM_MODEL_DECLARE(Article);
DORM_MODEL_DECLARE(Desk);

static const dorm_field TimeStamped_fields[] = {
    DORM_DATETIME(TimeStamped, created, .auto_now_add = true),
    DORM_DATETIME(TimeStamped, updated, .auto_now = true),
    DORM_END,
};
const dorm_model TimeStamped_model = DORM_MODEL(TimeStamped, "lifecycle", TimeStamped_fields, .abstract = true);

static const dorm_field Person_fields[] = {
    DORM_AUTO(Person, id),
    DORM_PARENT(Person, stamped, TimeStamped),
    DORM_CHAR(Person, name, .max_length = 100),
    DORM_END,
};
const dorm_model Person_model = DORM_MODEL(Person, "lifecycle", Person_fields, .ordering = DORM_LIST("name"));

static const dorm_field Staff_fields[] = {
    DORM_PARENT(Staff, person, Person),
    DORM_PARENT_LINK(Staff, person_ptr, Person),
    DORM_CHAR(Staff, role, .max_length = 50),
    DORM_END,
};
const dorm_model Staff_model = DORM_MODEL(Staff, "lifecycle", Staff_fields);

static dorm_qs *not_staff(dorm_qs *qs) { return dorm_filter(qs, DQ("staff__isnull", true)); }

static const dorm_field Patron_fields[] = {DORM_PARENT(Patron, person, Person), DORM_END};
const dorm_model Patron_model =
    DORM_MODEL(Patron, "lifecycle", Patron_fields, .proxy = true, .ordering = DORM_LIST("-name"),
               .managers = DORM_MANAGERS({"objects", not_staff, NULL}));

static const dorm_field Article_fields[] = {
    DORM_AUTO(Article, id),
    DORM_CHAR(Article, title, .max_length = 100),
    DORM_FOREIGN_KEY(Article, author, Person, .on_delete = DORM_CASCADE, .related_name = "articles"),
    DORM_END,
};
const dorm_model Article_model = DORM_MODEL(Article, "lifecycle", Article_fields, .ordering = DORM_LIST("title"));

static const dorm_field Desk_fields[] = {
    DORM_AUTO(Desk, id),
    DORM_FOREIGN_KEY(Desk, owner, Staff, .on_delete = DORM_CASCADE),
    DORM_END,
};
const dorm_model Desk_model = DORM_MODEL(Desk, "lifecycle", Desk_fields);

static const dorm_app lifecycle_app = {
    .label = "lifecycle",
    .models = DORM_MODELS(&TimeStamped_model, &Person_model, &Staff_model, &Patron_model, &Article_model, &Desk_model),
};

static void open_lifecycle(void) { test_db_open_apps((const dorm_app *const[]){&lifecycle_app, NULL}); }

TestSuite(inherit, .init = open_lifecycle, .fini = test_db_close);

/* ", "-joined str() of a QuerySet's objects: their name. */
static const char *names(dorm_qs *qs) {
    static char buf[512];
    buf[0] = '\0';
    size_t n;
    void **objs = dorm_list(qs, &n);
    cr_assert_not_null(objs, "%s", dorm_errmsg(T.cx));
    for (size_t i = 0; i < n; i++) {
        if (i) strcat(buf, ", ");
        const dorm_object *h = objs[i];
        const Person *p = h->model == &Staff_model ? &((Staff *)objs[i])->person
            : h->model == &Patron_model            ? &((Patron *)objs[i])->person
                                                   : objs[i];
        strcat(buf, p->name);
    }
    return n ? buf : "-";
}

static Staff *new_staff(const char *name, const char *role) {
    Staff *s = dorm_create(T.cx, Staff, .person = {.name = name}, .role = role);
    cr_assert_not_null(s, "%s", dorm_errmsg(T.cx));
    return s;
}

Test(inherit, abstract_base_fields_and_auto_now) {
    cr_assert_null(dorm_new(T.cx, TimeStamped));
    cr_assert_str_eq(dorm_errmsg(T.cx), "Abstract models cannot be instantiated.");
    dorm_model_info info;
    cr_assert_eq(dorm_model_describe(T.cx, &Person_model, &info), 0, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(info.field_names, "id, created, updated, name");
    cr_assert_str_eq(info.db_table, "lifecycle_person");
    Person *ann = dorm_create(T.cx, Person, .name = "Ann");
    cr_assert_not_null(ann, "%s", dorm_errmsg(T.cx));
    cr_assert(ann->stamped.created.usec != 0 && ann->stamped.updated.usec >= ann->stamped.created.usec);
    dorm_datetime created = ann->stamped.created, updated = ann->stamped.updated;
    cr_assert_eq(dorm_save(ann), 0);
    cr_assert_eq(ann->stamped.created.usec, created.usec);
    cr_assert_geq(ann->stamped.updated.usec, updated.usec);
    Person *got = dorm_get(dorm_all(T.cx, Person), DQ("created", ann->stamped.created));
    cr_assert_not_null(got, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(got->stamped.updated.usec, ann->stamped.updated.usec);
}

Test(inherit, child_fields_ordering_and_link) {
    dorm_model_info info;
    cr_assert_eq(dorm_model_describe(T.cx, &Staff_model, &info), 0, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(info.field_names, "id, created, updated, name, person_ptr, role");
    cr_assert_str_eq(info.ordering[0], "name");
    cr_assert_null(info.ordering[1]);
    cr_assert_str_eq(info.parent_link, "person_ptr");
    cr_assert_eq(info.parent, &Person_model);
    cr_assert_str_eq(info.pk, "person_ptr");
    Staff *carla = new_staff("Carla", "librarian");
    cr_assert(carla->person.id > 0);
    cr_assert_eq(carla->person_ptr.id, carla->person.id);
}

Test(inherit, querying_the_child_joins_the_parent) {
    dorm_create(T.cx, Person, .name = "Ann");
    dorm_create(T.cx, Person, .name = "Bob");
    new_staff("Dan", "archivist");
    new_staff("Carla", "librarian");
    cr_assert_str_eq(names(dorm_all(T.cx, Person)), "Ann, Bob, Carla, Dan");
    cr_assert_str_eq(names(dorm_all(T.cx, Staff)), "Carla, Dan");
    Staff *s = dorm_get(dorm_all(T.cx, Staff), DQ("name", "Carla"));
    cr_assert_not_null(s, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(s->role, "librarian");
    cr_assert_eq(s->person_ptr.id, s->person.id);
    cr_assert(s->person.stamped.created.usec != 0);
    cr_assert_str_eq(names(dorm_filter(dorm_all(T.cx, Person), DQ("staff__role", "archivist"))), "Dan");
    cr_assert_str_eq(names(dorm_filter(dorm_all(T.cx, Person), DQ("staff__isnull", true))), "Ann, Bob");
    cr_assert_str_eq(names(dorm_order_by(dorm_all(T.cx, Staff), "-name")), "Dan, Carla");
    cr_assert_eq(dorm_count(dorm_all(T.cx, Staff)), 2);
    cr_assert_eq(dorm_count(dorm_filter(dorm_all(T.cx, Staff), DQ("name__startswith", "C"))), 1);
    cr_assert_str_eq(names(dorm_filter(dorm_all(T.cx, Staff), DQ("id", s->person.id))), "Carla");
    cr_assert_str_eq(names(dorm_filter(dorm_all(T.cx, Staff), DQ("pk", s->person.id))), "Carla");
}

Test(inherit, sql_is_djangos) {
    cr_assert_str_eq(
        test_sql_std(dorm_qs_str(dorm_all(T.cx, Staff))),
        "SELECT \"lifecycle_person\".\"id\", \"lifecycle_person\".\"created\", \"lifecycle_person\".\"updated\", "
        "\"lifecycle_person\".\"name\", \"lifecycle_staff\".\"person_ptr_id\", \"lifecycle_staff\".\"role\" FROM "
        "\"lifecycle_staff\" INNER JOIN \"lifecycle_person\" ON (\"lifecycle_staff\".\"person_ptr_id\" = "
        "\"lifecycle_person\".\"id\") ORDER BY \"lifecycle_person\".\"name\" ASC");
    cr_assert_str_eq(
        test_sql_std(dorm_qs_str(dorm_filter(dorm_all(T.cx, Staff), DQ("id", 3)))),
        "SELECT \"lifecycle_person\".\"id\", \"lifecycle_person\".\"created\", \"lifecycle_person\".\"updated\", "
        "\"lifecycle_person\".\"name\", \"lifecycle_staff\".\"person_ptr_id\", \"lifecycle_staff\".\"role\" FROM "
        "\"lifecycle_staff\" INNER JOIN \"lifecycle_person\" ON (\"lifecycle_staff\".\"person_ptr_id\" = "
        "\"lifecycle_person\".\"id\") WHERE \"lifecycle_staff\".\"person_ptr_id\" = 3 ORDER BY "
        "\"lifecycle_person\".\"name\" ASC");
    cr_assert_str_eq(
        test_sql_std(dorm_qs_str(dorm_filter(dorm_all(T.cx, Person), DQ("staff__name", "x")))),
        "SELECT \"lifecycle_person\".\"id\", \"lifecycle_person\".\"created\", \"lifecycle_person\".\"updated\", "
        "\"lifecycle_person\".\"name\" FROM \"lifecycle_person\" INNER JOIN \"lifecycle_staff\" ON "
        "(\"lifecycle_person\".\"id\" = \"lifecycle_staff\".\"person_ptr_id\") INNER JOIN \"lifecycle_person\" T3 "
        "ON (\"lifecycle_staff\".\"person_ptr_id\" = T3.\"id\") WHERE T3.\"name\" = x ORDER BY "
        "\"lifecycle_person\".\"name\" ASC");
    cr_assert_str_eq(
        test_sql_std(dorm_qs_str(dorm_filter(dorm_all(T.cx, Staff), DQ("articles__title", "x")))),
        "SELECT \"lifecycle_person\".\"id\", \"lifecycle_person\".\"created\", \"lifecycle_person\".\"updated\", "
        "\"lifecycle_person\".\"name\", \"lifecycle_staff\".\"person_ptr_id\", \"lifecycle_staff\".\"role\" FROM "
        "\"lifecycle_staff\" INNER JOIN \"lifecycle_person\" ON (\"lifecycle_staff\".\"person_ptr_id\" = "
        "\"lifecycle_person\".\"id\") INNER JOIN \"lifecycle_article\" ON (\"lifecycle_person\".\"id\" = "
        "\"lifecycle_article\".\"author_id\") WHERE \"lifecycle_article\".\"title\" = x ORDER BY "
        "\"lifecycle_person\".\"name\" ASC");
    cr_assert_str_eq(
        test_sql_std(dorm_qs_str(dorm_values(dorm_all(T.cx, Staff), "name", "role"))),
        "SELECT \"lifecycle_person\".\"name\", \"lifecycle_staff\".\"role\" FROM \"lifecycle_staff\" INNER JOIN "
        "\"lifecycle_person\" ON (\"lifecycle_staff\".\"person_ptr_id\" = \"lifecycle_person\".\"id\") ORDER BY "
        "\"lifecycle_person\".\"name\" ASC");
    /* DISTINCT selects the ordering's column only once: it is the parent's. */
    const char *distinct = test_sql_std(dorm_qs_str(dorm_distinct(dorm_all(T.cx, Staff))));
    cr_expect(strstr(distinct, "SELECT DISTINCT \"lifecycle_person\".\"id\"") &&
                  strstr(distinct, "\"lifecycle_staff\".\"role\" FROM"),
              "%s", distinct);
    /* GROUP BY as each backend's Django shortens it: every column on
     * SQLite; on PostgreSQL each table's key stands for its columns; on
     * MariaDB the base table's key (the parent link) for all of them. */
    const char *grouped = test_sql_std(
        dorm_qs_str(dorm_clear_ordering(dorm_annotate(dorm_all(T.cx, Staff), DAS("n", DCount("articles"))))));
    cr_assert_not_null(strstr(grouped, " GROUP BY "), "%s", grouped);
    cr_assert_str_eq(strstr(grouped, " GROUP BY "),
                     test_pick(" GROUP BY \"lifecycle_person\".\"id\", \"lifecycle_person\".\"created\", "
                               "\"lifecycle_person\".\"updated\", \"lifecycle_person\".\"name\", "
                               "\"lifecycle_staff\".\"person_ptr_id\", \"lifecycle_staff\".\"role\"",
                               " GROUP BY \"lifecycle_person\".\"id\", \"lifecycle_staff\".\"person_ptr_id\"",
                               " GROUP BY \"lifecycle_staff\".\"person_ptr_id\" ORDER BY NULL"));
    dorm_qs *bad = dorm_filter(dorm_all(T.cx, Staff), DQ("nope", 1));
    cr_assert_str_eq(dorm_qs_errmsg(bad),
                     "Cannot resolve keyword 'nope' into field. Choices are: articles, created, desk, "
                     "id, name, person_ptr, person_ptr_id, role, updated");
}

Test(inherit, reverse_one_to_one_from_the_parent) {
    Person *ann = dorm_create(T.cx, Person, .name = "Ann");
    Staff *carla = new_staff("Carla", "librarian");
    Person *p = dorm_get(dorm_all(T.cx, Person), DQ("pk", carla->person.id));
    cr_assert_not_null(p);
    Staff *s = dorm_related_one(p, "staff");
    cr_assert_not_null(s, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(s->role, "librarian");
    cr_assert_str_eq(s->person.name, "Carla");
    cr_assert_null(dorm_related_one(ann, "staff"));
    cr_assert_eq(dorm_errcode(T.cx), DORM_EDOESNOTEXIST);
    cr_assert_str_eq(dorm_errmsg(T.cx), "Person has no staff.");
    /* select_related of the reverse one-to-one: the child and its parent in one query. */
    uint64_t q0 = dorm_ctx_query_count(T.cx);
    size_t n;
    void **all = dorm_list(dorm_select_related(dorm_all(T.cx, Person), "staff"), &n);
    cr_assert_not_null(all, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(n, 2);
    Staff *via = dorm_related_one(all[1], "staff");
    cr_assert_not_null(via, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(via->person.name, "Carla");
    cr_assert_null(dorm_related_one(all[0], "staff"));
    cr_assert_eq(dorm_ctx_query_count(T.cx) - q0, 1);
}

Test(inherit, save_writes_both_tables_in_one_block) {
    test_log_start();
    Staff *carla = new_staff("Carla", "librarian");
    const char *log = test_sql_std(test_log_stop());
    cr_assert(strstr(log, "INSERT INTO \"lifecycle_person\""), "%s", log);
    cr_assert(strstr(log, "INSERT INTO \"lifecycle_staff\""), "%s", log);
    cr_assert(strstr(log, "INSERT INTO \"lifecycle_person\"") < strstr(log, "INSERT INTO \"lifecycle_staff\""));
    cr_assert_eq(test_scalar("SELECT COUNT(*) FROM lifecycle_person"), 1);
    cr_assert_eq(test_scalar("SELECT COUNT(*) FROM lifecycle_staff"), 1);
    carla->person.name = "Carla B";
    carla->role = "head";
    test_log_start();
    cr_assert_eq(dorm_save(carla), 0, "%s", dorm_errmsg(T.cx));
    log = test_sql_std(test_log_stop());
    cr_assert(strstr(log, "UPDATE \"lifecycle_person\" SET \"created\" = "), "%s", log);
    cr_assert(strstr(log, "UPDATE \"lifecycle_staff\" SET \"role\" = "), "%s", log);
    Staff *got = dorm_get(dorm_all(T.cx, Staff), DQ("pk", carla->person.id));
    cr_assert_not_null(got);
    cr_assert_str_eq(got->person.name, "Carla B");
    cr_assert_str_eq(got->role, "head");
    /* update_fields names the tables written. */
    got->person.name = "C";
    got->role = "not saved";
    test_log_start();
    cr_assert_eq(dorm_save_fields(got, "name"), 0, "%s", dorm_errmsg(T.cx));
    log = test_log_stop();
    cr_assert(!strstr(log, "lifecycle_staff"), "%s", log);
    got = dorm_get(dorm_all(T.cx, Staff), DQ("pk", carla->person.id));
    cr_assert_str_eq(got->person.name, "C");
    cr_assert_str_eq(got->role, "head");
    /* A failing child insert undoes the parent's write: a second Staff row
     * for Carla's person updates the person, then fails on the key. */
    cr_assert_null(dorm_create(T.cx, Staff, .person = {.id = carla->person.id, .name = "Changed"}, .role = "x"));
    cr_assert_eq(dorm_errcode(T.cx), DORM_EINTEGRITY, "%s", dorm_errmsg(T.cx));
    got = dorm_get(dorm_all(T.cx, Staff), DQ("pk", carla->person.id));
    cr_assert_str_eq(got->person.name, "C");
}

Test(inherit, update_sets_parent_fields) {
    new_staff("Carla", "librarian");
    new_staff("Dan", "archivist");
    dorm_create(T.cx, Person, .name = "Ann");
    int64_t n = dorm_update(dorm_filter(dorm_all(T.cx, Staff), DQ("name", "Carla")), DSET("name", "Carla B"),
                            DSET("role", "head"));
    cr_assert_eq(n, 1, "%s", dorm_errmsg(T.cx));
    Staff *s = dorm_get(dorm_all(T.cx, Staff), DQ("role", "head"));
    cr_assert_not_null(s, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(s->person.name, "Carla B");
    n = dorm_update(dorm_all(T.cx, Staff), DSET("name", "Same"));
    cr_assert_eq(n, 2, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(names(dorm_all(T.cx, Person)), "Ann, Same, Same");
}

Test(inherit, delete_cascades_both_ways) {
    dorm_create(T.cx, Person, .name = "Ann");
    Staff *carla = new_staff("Carla", "librarian");
    Staff *dan = new_staff("Dan", "archivist");
    cr_assert_not_null(dorm_create(T.cx, Article, .title = "a", .author = {carla->person.id, NULL}));
    cr_assert_not_null(dorm_create(T.cx, Desk, .owner = {carla->person.id, NULL}));
    dorm_deleted d;
    Staff *got = dorm_get(dorm_all(T.cx, Staff), DQ("name", "Dan"));
    cr_assert_eq(dorm_delete(got, &d), 0, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(d.total, 2);
    cr_assert_str_eq(dorm_deleted_str(T.cx, &d), "lifecycle.Person: 1, lifecycle.Staff: 1");
    cr_assert_eq(dorm_qs_delete(dorm_filter(dorm_all(T.cx, Person), DQ("name", "Carla")), &d), 0, "%s",
                 dorm_errmsg(T.cx));
    cr_assert_str_eq(dorm_deleted_str(T.cx, &d),
                     "lifecycle.Article: 1, lifecycle.Desk: 1, lifecycle.Person: 1, lifecycle.Staff: 1");
    cr_assert_eq(dorm_count(dorm_all(T.cx, Staff)), 0);
    cr_assert_eq(dorm_count(dorm_all(T.cx, Person)), 1);
    (void)dan;
}

/* The signals in the order they came: "pre_delete Staff Staff|...". */
static char events[1024];

static const char *signal_name(dorm_signal s) {
    return s == DORM_PRE_SAVE  ? "pre_save"
        : s == DORM_POST_SAVE  ? "post_save"
        : s == DORM_PRE_DELETE ? "pre_delete"
                               : "post_delete";
}

static int record(const dorm_signal_event *ev, void *payload) {
    (void)payload;
    const dorm_model *m = ev->sender;
    const dorm_object *h = ev->instance;
    char one[128];
    snprintf(one, sizeof one, "%s%s %s %s%s", events[0] ? "|" : "", signal_name(ev->signal), m->name, h->model->name,
             ev->signal == DORM_POST_SAVE ? (ev->created ? " created" : " updated") : "");
    strncat(events, one, sizeof events - strlen(events) - 1);
    return 0;
}

Test(inherit, signals_as_django_sends_them) {
    dorm_signals *sig = dorm_signals_new();
    dorm_signal sigs[] = {DORM_PRE_SAVE, DORM_POST_SAVE, DORM_PRE_DELETE, DORM_POST_DELETE};
    for (int i = 0; i < 4; i++) dorm_signal_connect(sig, sigs[i], NULL, record, NULL, NULL);
    dorm_db_set_signals(T.db, sig);
    events[0] = '\0';
    Staff *carla = new_staff("Carla", "librarian");
    cr_assert_str_eq(events, "pre_save Staff Staff|post_save Staff Staff created");
    cr_assert_not_null(dorm_create(T.cx, Article, .title = "a", .author = {carla->person.id, NULL}));
    events[0] = '\0';
    cr_assert_eq(dorm_delete(carla, NULL), 0, "%s", dorm_errmsg(T.cx));
    /* Django: the child, what the parent's rows cascade to, the parent. */
    cr_assert_str_eq(events,
                     "pre_delete Staff Staff|pre_delete Article Article|pre_delete Person Person|"
                     "post_delete Staff Staff|post_delete Article Article|post_delete Person Person");
    Staff *dan = new_staff("Dan", "archivist");
    events[0] = '\0';
    cr_assert_eq(dorm_qs_delete(dorm_filter(dorm_all(T.cx, Person), DQ("pk", dan->person.id)), NULL), 0);
    cr_assert_str_eq(
        events, "pre_delete Staff Staff|pre_delete Person Person|post_delete Staff Staff|post_delete Person Person");
    dorm_db_set_signals(T.db, NULL);
    dorm_signals_free(sig);
}

Test(inherit, proxy_shares_the_table) {
    dorm_create(T.cx, Person, .name = "Ann");
    dorm_create(T.cx, Person, .name = "Bob");
    new_staff("Eve", "director");
    Patron *finn = dorm_create(T.cx, Patron, .person = {.name = "Finn"});
    cr_assert_not_null(finn, "%s", dorm_errmsg(T.cx));
    dorm_model_info info;
    cr_assert_eq(dorm_model_describe(T.cx, &Patron_model, &info), 0);
    cr_assert(info.proxy);
    cr_assert_str_eq(info.db_table, "lifecycle_person");
    cr_assert_str_eq(info.ordering[0], "-name");
    cr_assert_str_eq(names(dorm_all(T.cx, Patron)), "Finn, Bob, Ann");
    cr_assert_str_eq(names(dorm_all(T.cx, Person)), "Ann, Bob, Eve, Finn");
    Patron *p = dorm_get(dorm_all(T.cx, Patron), DQ("name", "Finn"));
    cr_assert_not_null(p, "%s", dorm_errmsg(T.cx));
    /* type(obj): the proxy's object is a Patron, the same row through
     * Person a Person, a child's a Staff. */
    cr_assert_eq(dorm_obj_model(p), &Patron_model);
    cr_assert_eq(dorm_obj_model(dorm_get(dorm_all(T.cx, Person), DQ("name", "Finn"))), &Person_model);
    cr_assert_eq(dorm_obj_model(dorm_first(dorm_all(T.cx, Staff))), &Staff_model);
    cr_assert_null(dorm_obj_model(NULL));
    cr_assert_eq(p->person.id, finn->person.id);
    cr_assert_eq(dorm_exists(dorm_filter(dorm_all(T.cx, Patron), DQ("name", "Eve"))), 0);
    cr_assert_eq(dorm_exists(dorm_filter(dorm_base_manager_all(T.cx, Patron), DQ("name", "Eve"))), 1);
    cr_assert_eq(dorm_count(dorm_all(T.cx, Patron)), 3);
    dorm_deleted d;
    cr_assert_eq(dorm_delete(p, &d), 0, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(dorm_deleted_str(T.cx, &d), "lifecycle.Patron: 1");
    cr_assert_eq(dorm_count(dorm_all(T.cx, Person)), 3);
}

Test(inherit, select_related_into_a_child) {
    Staff *carla = new_staff("Carla", "librarian");
    cr_assert_not_null(dorm_create(T.cx, Desk, .owner = {carla->person.id, NULL}));
    uint64_t q0 = dorm_ctx_query_count(T.cx);
    Desk *d = dorm_first(dorm_select_related(dorm_all(T.cx, Desk), "owner"));
    cr_assert_not_null(d, "%s", dorm_errmsg(T.cx));
    Staff *s = dorm_fk(d, owner);
    cr_assert_str_eq(s->person.name, "Carla");
    cr_assert_str_eq(s->role, "librarian");
    cr_assert_eq(dorm_ctx_query_count(T.cx) - q0, 1);
    Desk *by_name = dorm_get(dorm_all(T.cx, Desk), DQ("owner__name", "Carla"));
    cr_assert_not_null(by_name, "%s", dorm_errmsg(T.cx));
}

Test(inherit, values_and_related_managers_of_a_child) {
    Staff *carla = new_staff("Carla", "librarian");
    cr_assert_not_null(dorm_create(T.cx, Article, .title = "b", .author = {carla->person.id, NULL}));
    cr_assert_not_null(dorm_create(T.cx, Article, .title = "a", .author = {carla->person.id, NULL}));
    size_t n;
    const dorm_row **rows = dorm_rows(dorm_qs_values(dorm_all(T.cx, Staff), NULL), &n);
    cr_assert_not_null(rows, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(n, 1);
    cr_assert_str_eq(dorm_row_get(rows[0], "name")->u.s, "Carla");
    cr_assert_str_eq(dorm_row_get(rows[0], "role")->u.s, "librarian");
    cr_assert_eq(dorm_row_get(rows[0], "person_ptr_id")->u.i, carla->person.id);
    cr_assert_eq(dorm_count(dorm_related(carla, "articles")), 2);
    /* exclude() across a parent's multi-valued relation: Django's subquery. */
    new_staff("Dan", "archivist");
    cr_expect_str_eq(names(dorm_exclude(dorm_all(T.cx, Staff), DQ("articles__title", "a"))), "Dan");
    cr_expect_str_eq(names(dorm_exclude(dorm_all(T.cx, Staff), DQ("articles__title", "zzz"))), "Carla, Dan");
    void **pre = dorm_list(dorm_prefetch_related(dorm_all(T.cx, Staff), "articles"), &n);
    cr_assert_not_null(pre, "%s", dorm_errmsg(T.cx));
    uint64_t q0 = dorm_ctx_query_count(T.cx);
    cr_assert_eq(dorm_len(dorm_related(pre[0], "articles")), 2);
    cr_assert_eq(dorm_ctx_query_count(T.cx) - q0, 0);
}

/* The Abstract base, Multi-table inheritance and Proxy model sections of
 * the lifecycle acceptance script (library_lifecycle.py), line for line. */
static char transcript[4096];

static void say(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    size_t n = strlen(transcript);
    vsnprintf(transcript + n, sizeof transcript - n, fmt, ap);
    va_end(ap);
}

static const char *py_bool(bool b) { return b ? "True" : "False"; }

static const char *badge(const Patron *p) {
    static char buf[64];
    snprintf(buf, sizeof buf, "Patron card: ");
    for (const char *c = p->person.name; *c && strlen(buf) < sizeof buf - 1; c++) {
        size_t n = strlen(buf);
        buf[n] = (char)(*c >= 'a' && *c <= 'z' ? *c - 32 : *c);
        buf[n + 1] = '\0';
    }
    return buf;
}

Test(inherit, acceptance_sections) {
    transcript[0] = '\0';
    dorm_model_info info;
    say("==== Abstract base: TimeStamped ====\n");
    dorm_model_describe(T.cx, &TimeStamped_model, &info);
    say("abstract: %s\n", py_bool(info.abstract));
    dorm_model_describe(T.cx, &Person_model, &info);
    say("Person fields: %s\n", info.field_names);
    if (!dorm_new(T.cx, TimeStamped)) say("cannot instantiate: %s\n", dorm_errmsg(T.cx));
    Person *ann = dorm_create(T.cx, Person, .name = "Ann");
    say("created set: %s updated set: %s\n", py_bool(ann->stamped.created.usec), py_bool(ann->stamped.updated.usec));
    say("updated >= created: %s\n", py_bool(ann->stamped.updated.usec >= ann->stamped.created.usec));
    dorm_datetime created0 = ann->stamped.created, updated0 = ann->stamped.updated;
    dorm_save(ann);
    say("after save: created kept: %s updated moved on: %s\n", py_bool(ann->stamped.created.usec == created0.usec),
        py_bool(ann->stamped.updated.usec >= updated0.usec));
    dorm_datetime stamp = ann->stamped.updated;
    dorm_update(dorm_filter(dorm_all(T.cx, Person), DQ("pk", ann->id)), DSET("name", "Ann"));
    dorm_refresh(ann);
    say("update() leaves auto_now alone: %s\n", py_bool(ann->stamped.updated.usec == stamp.usec));

    say("==== Multi-table inheritance: Person -> Staff ====\n");
    dorm_create(T.cx, Person, .name = "Bob");
    Staff *carla = new_staff("Carla", "librarian");
    new_staff("Dan", "archivist");
    dorm_model_describe(T.cx, &Staff_model, &info);
    say("Staff fields: %s\n", info.field_names);
    say("Staff ordering (inherited): %s\n", info.ordering[0]);
    say("parent link: %s\n", info.parent_link);
    Person *ptr = dorm_fk(carla, person_ptr);
    say("pk is the parent link: %s\n",
        py_bool(dorm_pk_of(carla).u.i == carla->person_ptr.id && carla->person_ptr.id == ptr->id));
    say("persons: %s\n", names(dorm_all(T.cx, Person)));
    say("staff: %s\n", names(dorm_all(T.cx, Staff)));
    DORM_EACH(Staff, s, dorm_order_by(dorm_all(T.cx, Staff), "name")) say("%s (%s)\n", s->person.name, s->role);
    say("staff named Carla: %s\n", names(dorm_filter(dorm_all(T.cx, Staff), DQ("name", "Carla"))));
    say("persons with role archivist: %s\n",
        names(dorm_filter(dorm_all(T.cx, Person), DQ("staff__role", "archivist"))));
    say("persons who are not staff: %s\n", names(dorm_filter(dorm_all(T.cx, Person), DQ("staff__isnull", true))));
    DORM_EACH(Person, p, dorm_order_by(dorm_all(T.cx, Person), "name")) {
        Staff *st = dorm_related_one(p, "staff");
        if (st)
            say("%s: staff role %s\n", p->name, st->role);
        else
            say("%s: RelatedObjectDoesNotExist: %s\n", p->name, dorm_errmsg(T.cx));
    }
    /* dorm_related_one's failure is Staff's DoesNotExist code. */
    dorm_related_one(ann, "staff");
    say("Person.staff.RelatedObjectDoesNotExist is a Staff.DoesNotExist: %s\n",
        py_bool(dorm_errcode(T.cx) == DORM_EDOESNOTEXIST));
    say("Staff rows / Person rows: %lld / %lld\n", (long long)dorm_count(dorm_all(T.cx, Staff)),
        (long long)dorm_count(dorm_all(T.cx, Person)));
    dorm_deleted d;
    dorm_delete(dorm_get(dorm_all(T.cx, Staff), DQ("name", "Dan")), &d);
    say("delete staff Dan: %lld (%s)\n", (long long)d.total, dorm_deleted_str(T.cx, &d));
    dorm_qs_delete(dorm_filter(dorm_all(T.cx, Person), DQ("name", "Carla")), &d);
    say("delete person Carla: %lld (%s)\n", (long long)d.total, dorm_deleted_str(T.cx, &d));
    say("Staff rows / Person rows: %lld / %lld\n", (long long)dorm_count(dorm_all(T.cx, Staff)),
        (long long)dorm_count(dorm_all(T.cx, Person)));

    say("==== Proxy model: Patron ====\n");
    new_staff("Eve", "director");
    dorm_create(T.cx, Patron, .person = {.name = "Finn"});
    dorm_model_describe(T.cx, &Patron_model, &info);
    say("proxy: %s table: %s\n", py_bool(info.proxy), info.db_table);
    say("Patron ordering: %s\n", info.ordering[0]);
    say("patrons (not staff, name descending): %s\n", names(dorm_all(T.cx, Patron)));
    say("persons: %s\n", names(dorm_all(T.cx, Person)));
    Patron *finn = dorm_get(dorm_all(T.cx, Patron), DQ("name", "Finn"));
    say("%s -> %s\n", dorm_obj_model(finn)->name, badge(finn));
    Person *as_person = dorm_get(dorm_all(T.cx, Person), DQ("name", "Finn"));
    say("same row as Person: %s %s\n", dorm_obj_model(as_person)->name, py_bool(as_person->id == finn->person.id));
    say("Patron manager hides staff: %s base manager sees it: %s\n",
        py_bool(dorm_exists(dorm_filter(dorm_all(T.cx, Patron), DQ("name", "Eve")))),
        py_bool(dorm_exists(dorm_filter(dorm_base_manager_all(T.cx, Patron), DQ("name", "Eve")))));
    say("Patron count / Person count: %lld / %lld\n", (long long)dorm_count(dorm_all(T.cx, Patron)),
        (long long)dorm_count(dorm_all(T.cx, Person)));
    cr_expect_str_eq(transcript,
                     "==== Abstract base: TimeStamped ====\n"
                     "abstract: True\n"
                     "Person fields: id, created, updated, name\n"
                     "cannot instantiate: Abstract models cannot be instantiated.\n"
                     "created set: True updated set: True\n"
                     "updated >= created: True\n"
                     "after save: created kept: True updated moved on: True\n"
                     "update() leaves auto_now alone: True\n"
                     "==== Multi-table inheritance: Person -> Staff ====\n"
                     "Staff fields: id, created, updated, name, person_ptr, role\n"
                     "Staff ordering (inherited): name\n"
                     "parent link: person_ptr\n"
                     "pk is the parent link: True\n"
                     "persons: Ann, Bob, Carla, Dan\n"
                     "staff: Carla, Dan\n"
                     "Carla (librarian)\n"
                     "Dan (archivist)\n"
                     "staff named Carla: Carla\n"
                     "persons with role archivist: Dan\n"
                     "persons who are not staff: Ann, Bob\n"
                     "Ann: RelatedObjectDoesNotExist: Person has no staff.\n"
                     "Bob: RelatedObjectDoesNotExist: Person has no staff.\n"
                     "Carla: staff role librarian\n"
                     "Dan: staff role archivist\n"
                     "Person.staff.RelatedObjectDoesNotExist is a Staff.DoesNotExist: True\n"
                     "Staff rows / Person rows: 2 / 4\n"
                     "delete staff Dan: 2 (lifecycle.Person: 1, lifecycle.Staff: 1)\n"
                     "delete person Carla: 2 (lifecycle.Person: 1, lifecycle.Staff: 1)\n"
                     "Staff rows / Person rows: 0 / 2\n"
                     "==== Proxy model: Patron ====\n"
                     "proxy: True table: lifecycle_person\n"
                     "Patron ordering: -name\n"
                     "patrons (not staff, name descending): Finn, Bob, Ann\n"
                     "persons: Ann, Bob, Eve, Finn\n"
                     "Patron -> Patron card: FINN\n"
                     "same row as Person: Person True\n"
                     "Patron manager hides staff: False base manager sees it: True\n"
                     "Patron count / Person count: 3 / 4\n");
}
