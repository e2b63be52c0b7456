/* databases.c - the script's "Several databases" sections: the router's
 * answers, migrate --run-syncdb on the archive, using() and
 * save(using=), the database an object belongs to, and a relation across
 * databases refused. */
#include <stdio.h>
#include <string.h>

#include "lifecycle.h"

static void router_and_migrate(lifecycle *run) {
    dorm_ctx *cx = run->cx;
    puts("==== Several databases: router and migrate ====");
    fputs("aliases: ", stdout);
    for (int i = 0; i < dorm_databases_count(run->dbs); i++)
        printf("%s%s", i ? ", " : "", dorm_databases_alias(run->dbs, i));
    putchar('\n');
    printf("db_for_read ArchivedLoan: %s Person: %s\n", dorm_db_for_read(cx, &ArchivedLoan_model, NULL),
           dorm_db_for_read(cx, &Person_model, NULL));
    printf("db_for_write ArchivedLoan: %s Snapshot: %s\n", dorm_db_for_write(cx, &ArchivedLoan_model, NULL),
           dorm_db_for_write(cx, &Snapshot_model, NULL));
    const char *aliases[] = {"default", "archive"};
    for (int i = 0; i < 2; i++)
        printf("allow_migrate %s: ArchivedLoan=%s, Person=%s, Snapshot=%s\n", aliases[i],
               py_bool(dorm_allow_migrate(cx, aliases[i], "lifecycle", &ArchivedLoan_model)),
               py_bool(dorm_allow_migrate(cx, aliases[i], "lifecycle", &Person_model)),
               py_bool(dorm_allow_migrate(cx, aliases[i], "lifecycle", &Snapshot_model)));
    printf("archive tables before migrate: %s\n", lifecycle_tables(cx, "archive"));
    /* migrate --run-syncdb --database archive */
    check(cx, dorm_ctx_use(cx, "archive") != NULL);
    check(cx, dorm_create_all(cx) == 0);
    check(cx, dorm_ctx_use(cx, "default") != NULL);
    printf("archive tables: %s\n", lifecycle_tables(cx, "archive"));
    printf("default tables: %s\n", lifecycle_tables(cx, "default"));
}

static void using_and_save_using(dorm_ctx *cx) {
    puts("==== Several databases: using() and save(using=) ====");
    check(cx,
          dorm_create(cx, ArchivedLoan, .title = "Emma", .borrower = "Ann", .returned_on = dorm_date_ymd(2023, 3, 1)));
    ArchivedLoan *loan = dorm_new(cx, ArchivedLoan);
    check(cx, loan != NULL);
    loan->title = "Persuasion";
    loan->borrower = "Bob";
    loan->returned_on = dorm_date_ymd(2023, 2, 1);
    check(cx, dorm_save(loan) == 0);
    printf("loan saved on: %s\n", dorm_obj_db(loan));
    fputs("archived loans: ", stdout);
    const char *sep = "";
    EACH(ArchivedLoan, l, dorm_all(cx, ArchivedLoan)) {
        char day[DORM_FMT_MAX];
        dorm_date_format(l->returned_on, day);
        printf("%s%s %s (%s)", sep, day, l->title, l->borrower);
        sep = ", ";
    }
    putchar('\n');
    printf("read from: %s | Person reads from: %s\n", dorm_qs_db(dorm_all(cx, ArchivedLoan)),
           dorm_qs_db(dorm_all(cx, Person)));
    /* DatabaseError: OperationalError on SQLite, ProgrammingError elsewhere. */
    if (dorm_count(dorm_using(dorm_all(cx, ArchivedLoan), "default")) < 0 &&
        (dorm_errcode(cx) == DORM_EOPERATIONAL || dorm_errcode(cx) == DORM_EPROGRAMMING))
        puts("no ArchivedLoan table on default: DatabaseError");
    check(cx, dorm_create(cx, Snapshot, .label = "on default") != NULL);
    Snapshot *s = dorm_new(cx, Snapshot);
    check(cx, s != NULL);
    s->label = "on archive";
    check(cx, dorm_save_using(s, "archive") == 0);
    printf("saved on: %s\n", dorm_obj_db(s));
    Snapshot *copy = dorm_get(dorm_all(cx, Snapshot), DQ("label", "on default"));
    check(cx, copy != NULL);
    copy->label = "copied to archive";
    printf("same pk on both databases: %s\n", py_bool(copy->id == s->id));
    check(cx, dorm_save_using(copy, "archive") == 0);
    printf("save(using=) with that pk overwrote the archive row: %s\n",
           names(dorm_using(dorm_all(cx, Snapshot), "archive")));
    copy->id = 0;
    copy->label = "a real copy";
    check(cx, dorm_save_using(copy, "archive") == 0);
    printf("default snapshots: %s\n", names(dorm_all(cx, Snapshot)));
    printf("archive snapshots: %s\n", names(dorm_using(dorm_all(cx, Snapshot), "archive")));
    Snapshot *first = dorm_first(dorm_using(dorm_all(cx, Snapshot), "archive"));
    check(cx, first != NULL);
    printf("loaded from: %s\n", dorm_obj_db(first));
    printf("counts default/archive: %lld / %lld\n", (long long)dorm_count(dorm_all(cx, Snapshot)),
           (long long)dorm_count(dorm_using(dorm_all(cx, Snapshot), "archive")));
}

static void cross_database_relation(dorm_ctx *cx) {
    puts("==== Several databases: cross-database relation ====");
    Person *ann = dorm_get(dorm_all(cx, Person), DQ("name", "Ann"));
    ArchivedLoan *loan = dorm_get(dorm_all(cx, ArchivedLoan), DQ("title", "Emma"));
    check(cx, ann && loan);
    if (dorm_fk_set(loan, person, ann) == DORM_EVALUE)
        printf("%s: %s\n", dorm_error_name(DORM_EVALUE), dorm_errmsg(cx));
    Person *bob = dorm_get(dorm_all(cx, Person), DQ("name", "Bob"));
    check(cx, bob != NULL);
    printf("allow_relation: %s %s\n", py_bool(dorm_allow_relation(cx, ann, loan)),
           py_bool(dorm_allow_relation(cx, ann, bob)));
    dorm_deleted d;
    check(cx, dorm_qs_delete(dorm_filter(dorm_all(cx, ArchivedLoan), DQ("title", "Emma")), &d) == 0);
    printf("deleted on archive: %s\n", deleted_text(cx, &d));
    printf("archived loans left: %s\n", names(dorm_all(cx, ArchivedLoan)));
}

void database_sections(lifecycle *run) {
    router_and_migrate(run);
    using_and_save_using(run->cx);
    cross_database_relation(run->cx);
}
