/* inherit.c - the script's inheritance sections: the abstract base
 * TimeStamped (auto_now / auto_now_add), multi-table inheritance Person ->
 * Staff and the proxy Patron with its own manager and ordering. */
#include <stdio.h>

#include "lifecycle.h"

static Staff *new_staff(dorm_ctx *cx, const char *name, const char *role) {
    Staff *s = dorm_create(cx, Staff, .person = {.name = name}, .role = role);
    check(cx, s != NULL);
    return s;
}

static bool is_set(dorm_datetime t) { return t.usec != 0; }

static void abstract_base(dorm_ctx *cx) {
    puts("==== Abstract base: TimeStamped ====");
    dorm_model_info info;
    check(cx, dorm_model_describe(cx, &TimeStamped_model, &info) == 0);
    printf("abstract: %s\n", py_bool(info.abstract));
    check(cx, dorm_model_describe(cx, &Person_model, &info) == 0);
    printf("Person fields: %s\n", info.field_names);
    if (!dorm_new(cx, TimeStamped)) printf("cannot instantiate: %s\n", dorm_errmsg(cx));
    Person *ann = dorm_create(cx, Person, .name = "Ann");
    check(cx, ann != NULL);
    printf("created set: %s updated set: %s\n", py_bool(is_set(ann->stamped.created)),
           py_bool(is_set(ann->stamped.updated)));
    printf("updated >= created: %s\n", py_bool(ann->stamped.updated.usec >= ann->stamped.created.usec));
    dorm_datetime created0 = ann->stamped.created, updated0 = ann->stamped.updated;
    ann->name = "Ann";
    check(cx, dorm_save(ann) == 0);
    printf("after save: created kept: %s updated moved on: %s\n", py_bool(ann->stamped.created.usec == created0.usec),
           py_bool(ann->stamped.updated.usec >= updated0.usec));
    dorm_datetime stamp = ann->stamped.updated;
    check(cx, dorm_update(dorm_filter(dorm_all(cx, Person), DQ("pk", ann->id)), DSET("name", "Ann")) >= 0);
    check(cx, dorm_refresh(ann) == 0);
    printf("update() leaves auto_now alone: %s\n", py_bool(ann->stamped.updated.usec == stamp.usec));
}

static void multi_table(dorm_ctx *cx) {
    puts("==== Multi-table inheritance: Person -> Staff ====");
    check(cx, dorm_create(cx, Person, .name = "Bob") != NULL);
    Staff *carla = new_staff(cx, "Carla", "librarian");
    new_staff(cx, "Dan", "archivist");
    dorm_model_info info;
    check(cx, dorm_model_describe(cx, &Staff_model, &info) == 0);
    printf("Staff fields: %s\n", info.field_names);
    printf("Staff ordering (inherited): %s\n", info.ordering[0]);
    printf("parent link: %s\n", info.parent_link);
    Person *ptr = dorm_fk(carla, person_ptr);
    printf("pk is the parent link: %s\n",
           py_bool(dorm_pk_of(carla).u.i == carla->person_ptr.id && carla->person_ptr.id == ptr->id));
    printf("persons: %s\n", names(dorm_all(cx, Person)));
    printf("staff: %s\n", names(dorm_all(cx, Staff)));
    EACH(Staff, s, dorm_order_by(dorm_all(cx, Staff), "name")) printf("%s (%s)\n", s->person.name, s->role);
    printf("staff named Carla: %s\n", names(dorm_filter(dorm_all(cx, Staff), DQ("name", "Carla"))));
    printf("persons with role archivist: %s\n",
           names(dorm_filter(dorm_all(cx, Person), DQ("staff__role", "archivist"))));
    printf("persons who are not staff: %s\n", names(dorm_filter(dorm_all(cx, Person), DQ("staff__isnull", true))));
    int no_staff = DORM_OK;
    EACH(Person, p, dorm_order_by(dorm_all(cx, Person), "name")) {
        Staff *st = dorm_related_one(p, "staff");
        if (st) {
            printf("%s: staff role %s\n", p->name, st->role);
        } else {
            no_staff = dorm_errcode(cx);
            printf("%s: RelatedObjectDoesNotExist: %s\n", p->name, dorm_errmsg(cx));
        }
    }
    /* The error of a missing reverse one-to-one is the code a get() of a
     * Staff that does not exist fails with. */
    check(cx, dorm_get(dorm_none(dorm_all(cx, Staff))) == NULL);
    printf("Person.staff.RelatedObjectDoesNotExist is a Staff.DoesNotExist: %s\n",
           py_bool(no_staff == dorm_errcode(cx) && no_staff == DORM_EDOESNOTEXIST));
    printf("Staff rows / Person rows: %lld / %lld\n", (long long)dorm_count(dorm_all(cx, Staff)),
           (long long)dorm_count(dorm_all(cx, Person)));
    dorm_deleted d;
    Staff *dan = dorm_get(dorm_all(cx, Staff), DQ("name", "Dan"));
    check(cx, dan && dorm_delete(dan, &d) == 0);
    printf("delete staff Dan: %s\n", deleted_text(cx, &d));
    check(cx, dorm_qs_delete(dorm_filter(dorm_all(cx, Person), DQ("name", "Carla")), &d) == 0);
    printf("delete person Carla: %s\n", deleted_text(cx, &d));
    printf("Staff rows / Person rows: %lld / %lld\n", (long long)dorm_count(dorm_all(cx, Staff)),
           (long long)dorm_count(dorm_all(cx, Person)));
}

static void proxy(dorm_ctx *cx) {
    puts("==== Proxy model: Patron ====");
    new_staff(cx, "Eve", "director");
    check(cx, dorm_create(cx, Patron, .person = {.name = "Finn"}) != NULL);
    dorm_model_info info;
    check(cx, dorm_model_describe(cx, &Patron_model, &info) == 0);
    printf("proxy: %s table: %s\n", py_bool(info.proxy), info.db_table);
    printf("Patron ordering: %s\n", info.ordering[0]);
    printf("patrons (not staff, name descending): %s\n", names(dorm_all(cx, Patron)));
    printf("persons: %s\n", names(dorm_all(cx, Person)));
    Patron *p = dorm_get(dorm_all(cx, Patron), DQ("name", "Finn"));
    check(cx, p != NULL);
    char badge[128];
    printf("%s -> %s\n", dorm_obj_model(p)->name, patron_badge(p, badge, sizeof badge));
    Person *as_person = dorm_get(dorm_all(cx, Person), DQ("name", "Finn"));
    check(cx, as_person != NULL);
    printf("same row as Person: %s %s\n", dorm_obj_model(as_person)->name, py_bool(as_person->id == p->person.id));
    int hides = dorm_exists(dorm_filter(dorm_all(cx, Patron), DQ("name", "Eve")));
    int sees = dorm_exists(dorm_filter(dorm_base_manager_all(cx, Patron), DQ("name", "Eve")));
    check(cx, hides >= 0 && sees >= 0);
    printf("Patron manager hides staff: %s base manager sees it: %s\n", py_bool(hides), py_bool(sees));
    printf("Patron count / Person count: %lld / %lld\n", (long long)dorm_count(dorm_all(cx, Patron)),
           (long long)dorm_count(dorm_all(cx, Person)));
}

void inheritance_sections(lifecycle *run) {
    abstract_base(run->cx);
    multi_table(run->cx);
    proxy(run->cx);
}
