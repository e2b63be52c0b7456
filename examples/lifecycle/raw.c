/* raw.c - the script's raw SQL sections: Model.objects.raw() with
 * parameters, deferred fields, extra columns and translations, and a
 * cursor on the default database (execute, fetchall, fetchone, rowcount,
 * "%%"). */
#include <stdio.h>

#include "lifecycle.h"

/* A value as Python's print() writes it. */
static const char *py_value(dorm_ctx *cx, const dorm_value *v) {
    char buf[DORM_FMT_MAX];
    switch (v->type) {
    case DORM_T_NULL: return "None";
    case DORM_T_INT: return dorm_sprintf(cx, "%lld", (long long)v->u.i);
    case DORM_T_TEXT: return v->u.s;
    case DORM_T_DECIMAL: dorm_decimal_format(v->u.dec, buf); return dorm_strdup(cx, buf);
    case DORM_T_FLOAT: return dorm_sprintf(cx, "%g", v->u.f);
    default: return "?";
    }
}

static const char PERSONS_NAMED[] = "SELECT id, name FROM lifecycle_person WHERE name = %s";

/* len(list(Person.objects.raw(PERSONS_NAMED, [name]))) */
static size_t persons_named(dorm_ctx *cx, const char *name) {
    size_t n;
    check(cx, dorm_raw_list(dorm_raw(cx, Person, PERSONS_NAMED, DORM_ARGS(DV(name)), NULL), &n) != NULL);
    return n;
}

static void raw_querysets(dorm_ctx *cx) {
    puts("==== Raw SQL: Model.objects.raw() ====");
    const char *readers[] = {"Hugo", "Ines", "Jack"};
    for (size_t i = 0; i < 3; i++) check(cx, dorm_create(cx, Person, .name = readers[i]) != NULL);
    dorm_raw *rq =
        dorm_raw(cx, Person, "SELECT id, name FROM lifecycle_person WHERE name >= %s AND name < %s ORDER BY name",
                 DORM_ARGS(DV("B"), DV("J")), NULL);
    size_t n;
    void **people = dorm_raw_list(rq, &n);
    check(cx, people != NULL);
    printf("people B..J: %s\n", names_of(cx, people, n));
    size_t ncols;
    const char *const *columns = dorm_raw_columns(rq, &ncols);
    check(cx, columns != NULL);
    printf("model: %s columns: ", dorm_raw_model(rq)->name);
    for (size_t i = 0; i < ncols; i++) printf("%s%s", i ? ", " : "", columns[i]);
    putchar('\n');

    Person **ines = (Person **)dorm_raw_list(dorm_raw(cx, Person, PERSONS_NAMED, DORM_ARGS(DV("Ines")), NULL), &n);
    check(cx, ines && n == 1);
    Person *p = ines[0];
    /* get_deferred_fields(), sorted; C loads them with refresh_from_db(). */
    const struct {
        const char *name;
        bool deferred;
    } fields[] = {{"created", dorm_is_deferred(p, stamped.created)},
                  {"id", dorm_is_deferred(p, id)},
                  {"name", dorm_is_deferred(p, name)},
                  {"updated", dorm_is_deferred(p, stamped.updated)}};
    fputs("deferred fields loaded on access: ", stdout);
    const char *sep = "";
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (fields[i].deferred) {
            printf("%s%s", sep, fields[i].name);
            sep = ", ";
        }
    check(cx, dorm_refresh(p) == 0);
    printf(" -> %s\n", py_bool(p->stamped.created.usec != 0));

    printf("injection-looking param: %zu rows\n", persons_named(cx, "Ines' OR '1'='1"));
    size_t another = persons_named(cx, "x'); DROP TABLE lifecycle_person; --");
    printf("another: %zu rows; persons still there: %lld\n", another, (long long)dorm_count(dorm_all(cx, Person)));
    EACH_RAW(Person, q, cx,
             dorm_raw(cx, Person,
                      "SELECT id, name, LENGTH(name) AS name_len FROM lifecycle_person WHERE name > %s ORDER BY name",
                      DORM_ARGS(DV("G")), NULL))
    printf("%s name_len=%s\n", q->name, py_value(cx, dorm_annotation(q, "name_len")));
    dorm_raw *tr = dorm_raw(cx, Person, "SELECT id AS ident, name AS full_name FROM lifecycle_person WHERE name = %s",
                            DORM_ARGS(DV("Hugo")), DORM_LIST("ident", "id", "full_name", "name"));
    void **hugo = dorm_raw_list(tr, &n);
    check(cx, hugo != NULL);
    printf("translations: %s\n", names_of(cx, hugo, n));
    /* Django raises FieldDoesNotExist here, dorm's field error. */
    if (!dorm_raw_list(dorm_raw(cx, Person, "SELECT name FROM lifecycle_person", NULL, 0, NULL), NULL) &&
        dorm_errcode(cx) == DORM_EFIELD)
        printf("FieldDoesNotExist: %s\n", dorm_errmsg(cx));
}

static void cursors(dorm_ctx *cx) {
    puts("==== Raw SQL: connection.cursor() ====");
    dorm_cursor *c = dorm_cursor_new(cx);
    check(cx, c != NULL);
    check(cx,
          dorm_cursor_execute(c, "SELECT name, balance FROM lifecycle_account WHERE balance > %s ORDER BY name",
                              DORM_ARGS(DV(40))) == 0);
    size_t n;
    const dorm_value *const *rows = dorm_cursor_fetchall(c, &n);
    check(cx, rows != NULL);
    for (size_t i = 0; i < n; i++) printf("row: %s %s\n", py_value(cx, &rows[i][0]), py_value(cx, &rows[i][1]));
    check(cx,
          dorm_cursor_execute(c, "SELECT COUNT(*) FROM lifecycle_account WHERE name = %s",
                              DORM_ARGS(DV("Ines' OR '1'='1"))) == 0);
    const dorm_value *row = dorm_cursor_fetchone(c);
    check(cx, row != NULL);
    printf("fetchone: %s\n", py_value(cx, &row[0]));
    check(cx,
          dorm_cursor_execute(c, "UPDATE lifecycle_account SET balance = balance + %s WHERE balance < %s",
                              DORM_ARGS(DV(100), DV(10))) == 0);
    printf("rowcount: %lld\n", (long long)dorm_cursor_rowcount(c));
    check(cx,
          dorm_cursor_execute(c, "SELECT name FROM lifecycle_account WHERE name = %s", DORM_ARGS(DV("Nobody"))) == 0);
    row = dorm_cursor_fetchone(c);
    check(cx, row || dorm_errcode(cx) == DORM_OK);
    printf("fetchone with no row: %s\n", row ? py_value(cx, &row[0]) : "None");
    check(cx, dorm_cursor_execute(c, "SELECT %s || '%%'", DORM_ARGS(DV("50"))) == 0);
    row = dorm_cursor_fetchone(c);
    check(cx, row != NULL);
    printf("percent sign doubled in SQL: %s\n", py_value(cx, &row[0]));
    dorm_cursor_close(c);
    printf("after raw update: %s\n", balances(cx));
}

void raw_sections(lifecycle *run) {
    raw_querysets(run->cx);
    cursors(run->cx);
}
