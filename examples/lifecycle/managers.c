/* managers.c - the script's manager sections: the soft delete (a default
 * manager hiding deleted rows, a QuerySet class whose delete() only marks
 * them, Notice's own delete()), QuerySet.as_manager() with chainable
 * custom methods, and a manager overriding get_queryset. */
#include <stdio.h>

#include "lifecycle.h"

static void soft_delete(dorm_ctx *cx) {
    puts("==== Soft delete: objects vs all_objects ====");
    const char *titles[] = {"Closing times", "Holiday hours", "New arrivals", "Quiet zone"};
    for (size_t i = 0; i < 4; i++) check(cx, dorm_create(cx, Notice, .title = titles[i]) != NULL);
    printf("default manager: %s\n", dorm_default_manager_name(&Notice_model));
    Notice *n = dorm_get(dorm_all(cx, Notice), DQ("title", "Holiday hours"));
    check(cx, n && dorm_delete(n, NULL) == 0);
    printf("instance delete() keeps the row, sets deleted_at: %s\n", py_bool(!dorm_is_null(n, deleted_at)));
    dorm_deleted d;
    check(cx,
          dorm_qs_delete(dorm_filter(dorm_all(cx, Notice), DQ("title__in", DLIST("Quiet zone", "Holiday hours"))),
                         &d) == 0);
    printf("soft-deleted by queryset: %lld\n", (long long)d.total);
    dorm_qs *all_objects = dorm_manager_all(cx, Notice, "all_objects");
    printf("objects: %s\n", names(dorm_all(cx, Notice)));
    printf("all_objects: %s\n", names(all_objects));
    printf("all_objects.dead(): %s\n", names(notices_dead(all_objects)));
    printf("all_objects.alive(): %s\n", names(notices_alive(all_objects)));
    printf("objects.count / all_objects.count: %lld / %lld\n", (long long)dorm_count(dorm_all(cx, Notice)),
           (long long)dorm_count(all_objects));
    fputs("get() through objects: ", stdout);
    if (!dorm_get(dorm_all(cx, Notice), DQ("title", "Quiet zone")))
        printf("%s: %s\n", dorm_error_name(dorm_errcode(cx)), dorm_errmsg(cx));
    /* Django keeps delete() and hard_delete() off the managers
     * (queryset_only); a dorm manager has no calls of its own at all: they
     * take its QuerySet, dorm_manager_all(), which is manager.all(). */
    printf("manager has delete(): %s hard_delete(): %s\n", py_bool(false), py_bool(false));
    check(cx, notices_hard_delete(notices_dead(dorm_manager_all(cx, Notice, "all_objects")), &d) == 0);
    printf("hard delete: %s\n", deleted_text(cx, &d));
    printf("all_objects: %s\n", names(dorm_manager_all(cx, Notice, "all_objects")));
}

/* titles(), which must not fail. */
static const char *titles(dorm_ctx *cx, dorm_qs *qs) {
    const char *t = articles_titles(qs);
    check(cx, t != NULL);
    return t;
}

static void as_manager(lifecycle *run) {
    dorm_ctx *cx = run->cx;
    puts("==== QuerySet.as_manager(): chainable methods ====");
    run->finn = dorm_get(dorm_all(cx, Person), DQ("name", "Finn"));
    run->bob = dorm_get(dorm_all(cx, Person), DQ("name", "Bob"));
    check(cx, run->finn && run->bob);
    static const struct {
        const char *title;
        bool by_finn;
        const char *status;
    } rows[] = {{"Binding basics", true, "pub"},
                {"Cataloguing", false, "pub"},
                {"Draft on dust", true, "draft"},
                {"Reading rooms", false, "draft"},
                {"Shelving", true, "pub"}};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        Person *author = rows[i].by_finn ? run->finn : run->bob;
        check(cx,
              dorm_create(cx, Article, .title = rows[i].title, .author = {author->id, author},
                          .status = rows[i].status) != NULL);
    }
    dorm_qs *objects = dorm_all(cx, Article);
    printf("published: %s\n", titles(cx, articles_published(objects)));
    printf("published by Finn: %s\n", titles(cx, articles_by_author(articles_published(objects), "Finn")));
    printf("by Finn, published: %s\n", titles(cx, articles_published(articles_by_author(objects, "Finn"))));
    printf("drafts by Bob: %s\n", titles(cx, articles_by_author(articles_drafts(objects), "Bob")));
    printf(
        "chain with filter: %s\n",
        titles(cx, articles_by_author(dorm_filter(articles_published(objects), DQ("title__startswith", "S")), "Finn")));
    /* The custom methods take the manager's QuerySet as they are. */
    printf("manager has published(): %s\n", py_bool(dorm_qs_errcode(articles_published(objects)) == DORM_OK));
}

static void get_queryset_override(dorm_ctx *cx) {
    puts("==== Manager with get_queryset override ====");
    dorm_qs *live = dorm_manager_all(cx, Article, "live");
    printf("live: %s\n", names(live));
    printf("live by Bob: %s\n", names(articles_by_author(live, "Bob")));
    printf("live drafts: %s\n", names(articles_drafts(live)));
    printf("live count / objects count: %lld / %lld\n", (long long)dorm_count(live),
           (long long)dorm_count(dorm_all(cx, Article)));
    fputs("managers: ", stdout);
    for (const dorm_manager *m = Article_model.managers; m->name; m++)
        printf("%s%s", m == Article_model.managers ? "" : ", ", m->name);
    printf(" default: %s\n", dorm_default_manager_name(&Article_model));
}

void manager_sections(lifecycle *run) {
    soft_delete(run->cx);
    as_manager(run);
    get_queryset_override(run->cx);
}
