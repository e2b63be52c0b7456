/* test_boolean_where.c - Django's Exact on a BooleanField with True/False:
 * the column stands alone as the condition ("b" / "NOT b", nothing bound),
 * in filter(), exclude() and ~Q(), through a join, with a nullable column's
 * NULL rows kept by exclude(): the SQL and rows Django 3.2 gives on each
 * backend for the same QuerySets. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "testdb.h"

typedef struct Keeper {
    DORM_OBJECT;
    int64_t id;
    bool active;
} Keeper;
static const dorm_field Keeper_fields[] = {DORM_AUTO(Keeper, id), DORM_BOOL(Keeper, active), DORM_END};
static const dorm_model Keeper_model = DORM_MODEL(Keeper, "flags", Keeper_fields);

typedef struct Flagged {
    DORM_OBJECT;
    int64_t id;
    bool hidden;
    bool flag;
    int32_t n;
    DORM_FK(Keeper) keeper;
} Flagged;
static const dorm_field Flagged_fields[] = {
    DORM_AUTO(Flagged, id),
    DORM_BOOL(Flagged, hidden),
    DORM_BOOL(Flagged, flag, .null = true),
    DORM_INT(Flagged, n),
    DORM_FOREIGN_KEY(Flagged, keeper, Keeper, .on_delete = DORM_CASCADE, .null = true),
    DORM_END,
};
static const dorm_model Flagged_model = DORM_MODEL(Flagged, "flags", Flagged_fields);

/* A CheckConstraint on a boolean: Django's CHECK ("open"). */
typedef struct Gate {
    DORM_OBJECT;
    int64_t id;
    bool open;
} Gate;
static const dorm_field Gate_fields[] = {DORM_AUTO(Gate, id), DORM_BOOL(Gate, open), DORM_END};
static const dorm_model Gate_model = DORM_MODEL(
    Gate, "flags", Gate_fields,
    .constraints = DORM_CONSTRAINTS({DORM_CONSTRAINT_CHECK, "gate_open", NULL, DQC("open", DORM_VBOOL(true))}));

static const dorm_app flags_app = {.label = "flags", .models = DORM_MODELS(&Keeper_model, &Flagged_model, &Gate_model)};

/* Six rows: hidden true then false, each with flag true, false and NULL;
 * the hidden ones belong to an inactive keeper (Django's rows 1-6). */
static void open_flags(void) {
    test_db_open_apps((const dorm_app *const[]){&flags_app, NULL});
    Keeper *k = dorm_create(T.cx, Keeper, .active = false);
    cr_assert_not_null(k, "%s", dorm_errmsg(T.cx));
    for (int h = 1; h >= 0; h--)
        for (int f = 0; f < 3; f++) {
            Flagged *o = dorm_new(T.cx, Flagged);
            cr_assert_not_null(o);
            o->hidden = h;
            o->flag = f == 0;
            /* A nullable field starts as None (Django's default). */
            if (f < 2) dorm_clear_null(o, flag);
            if (h)
                o->keeper.id = k->id;
            else
                dorm_set_null(o, keeper);
            cr_assert_eq(dorm_save(o), 0, "%s", dorm_errmsg(T.cx));
        }
}

TestSuite(boolean_where, .init = open_flags, .fini = test_db_close);

static dorm_qs *all(void) { return dorm_order_by(dorm_all(T.cx, Flagged), "id"); }

/* The WHERE clause of qs (after its FROM), with $n written as ? and
 * `quotes` as "quotes", its parameters and its rows. */
static void expect_where(dorm_qs *qs, const char *where, const char *params, const char *ids) {
    const char *got_params = NULL;
    const char *sql = dorm_qs_sql(qs, &got_params);
    cr_assert_not_null(sql, "%s", dorm_errmsg(T.cx));
    sql = test_sql_std(sql);
    const char *from = strstr(sql, " FROM \"flags_flagged\"");
    const char *w = from ? strstr(from, " WHERE ") : NULL;
    cr_assert_not_null(w, "%s", sql);
    char got[512];
    snprintf(got, sizeof got, "%s", w + 1);
    char *order = strstr(got, " ORDER BY");
    if (order) *order = '\0';
    cr_expect_str_eq(got, where);
    cr_expect_str_eq(got_params, params, "%s", where);
    const char *got_ids = test_ids(qs);
    cr_expect_str_eq(got_ids, ids, "%s: %s", where, got_ids);
}

#define F "\"flags_flagged\""
#define K "\"flags_keeper\""

Test(boolean_where, exact_true_and_false_stand_alone) {
    expect_where(dorm_filter(all(), DQ("hidden", true)), "WHERE " F ".\"hidden\"", "()", "1,2,3");
    expect_where(dorm_filter(all(), DQ("hidden", false)), "WHERE NOT " F ".\"hidden\"", "()", "4,5,6");
    /* A value the field makes True (Django's get_prep_value). */
    expect_where(dorm_filter(all(), DQ("hidden__exact", 1)), "WHERE " F ".\"hidden\"", "()", "1,2,3");
    expect_where(dorm_filter(all(), DQ("hidden", "f")), "WHERE NOT " F ".\"hidden\"", "()", "4,5,6");
    expect_where(dorm_filter(all(), DQ("flag", true)), "WHERE " F ".\"flag\"", "()", "1,4");
    expect_where(dorm_filter(all(), DQ("flag", false)), "WHERE NOT " F ".\"flag\"", "()", "2,5");
    expect_where(dorm_filter(all(), DQ("hidden", false), DQ("flag", true)),
                 "WHERE (NOT " F ".\"hidden\" AND " F ".\"flag\")", "()", "4");
    expect_where(dorm_filter(all(), dorm_or(DQ("hidden", false), DQ("n", 1))),
                 "WHERE (NOT " F ".\"hidden\" OR " F ".\"n\" = ?)", "(1,)", "4,5,6");
    expect_where(dorm_filter(all(), DQ("keeper__active", false)), "WHERE NOT " K ".\"active\"", "()", "1,2,3");
}

Test(boolean_where, exclude_and_not_keep_null_rows) {
    expect_where(dorm_exclude(all(), DQ("hidden", true)), "WHERE NOT (" F ".\"hidden\")", "()", "4,5,6");
    expect_where(dorm_exclude(all(), DQ("hidden", false)), "WHERE NOT (NOT " F ".\"hidden\")", "()", "1,2,3");
    expect_where(dorm_exclude(all(), DQ("flag", true)), "WHERE NOT (" F ".\"flag\" AND " F ".\"flag\" IS NOT NULL)",
                 "()", "2,3,5,6");
    expect_where(dorm_exclude(all(), DQ("flag", false)),
                 "WHERE NOT (NOT " F ".\"flag\" AND " F ".\"flag\" IS NOT NULL)", "()", "1,3,4,6");
    expect_where(dorm_filter(all(), dorm_not(DQ("flag", false))),
                 "WHERE NOT (NOT " F ".\"flag\" AND " F ".\"flag\" IS NOT NULL)", "()", "1,3,4,6");
    expect_where(dorm_filter(all(), dorm_not(DQ("flag", false)), DQ("n", 0)),
                 "WHERE (NOT (NOT " F ".\"flag\" AND " F ".\"flag\" IS NOT NULL) AND " F ".\"n\" = ?)", "(0,)",
                 "1,3,4,6");
    expect_where(dorm_exclude(all(), dorm_or(DQ("flag", false), DQ("n", 1))),
                 "WHERE NOT (((NOT " F ".\"flag\" AND " F ".\"flag\" IS NOT NULL) OR " F ".\"n\" = ?))", "(1,)",
                 "1,3,4,6");
}

/* Lookups other than exact still bind the value. */
Test(boolean_where, other_lookups_bind_the_value) {
    expect_where(dorm_filter(all(), DQ("hidden__in", DLIST(true))), "WHERE " F ".\"hidden\" IN (?)", "(True,)",
                 "1,2,3");
}

/* A boolean annotation too: Django's Exact sees a conditional left side
 * (an annotation's value is as given, 1 and 0 are True and False). */
Test(boolean_where, boolean_annotations) {
    dorm_qs *keepers = dorm_filter(dorm_all(T.cx, Keeper), DQ("pk", DOuterRef("keeper")));
    expect_where(dorm_filter(dorm_annotate(all(), DAS("ex", DExists(keepers))), DQ("ex", false)),
                 "WHERE NOT EXISTS(SELECT (1) AS \"a\" FROM " K " U0 WHERE U0.\"id\" = " F ".\"keeper_id\" LIMIT 1)",
                 "()", "4,5,6");
    const dorm_expr *c = DCase(DWhen(DQ("n", 0), DValue((bool)true)), DDefault(DValue((bool)false)));
    /* PostgreSQL types the THEN values (dorm's param_type). */
#define CASE_SQL "CASE WHEN (" F ".\"n\" = ?) THEN ? ELSE ? END"
    const char *case_sql =
        test_pick(CASE_SQL, "CASE WHEN (" F ".\"n\" = ?) THEN ?::boolean ELSE ?::boolean END", CASE_SQL);
    expect_where(dorm_filter(dorm_annotate(all(), DAS("c", c)), DQ("c", true)),
                 dorm_sprintf(T.cx, "WHERE %s", case_sql), "(0, True, False, 0, True, False)", "1,2,3,4,5,6");
    expect_where(dorm_filter(dorm_annotate(all(), DAS("c", c)), DQ("c", 0)),
                 dorm_sprintf(T.cx, "WHERE NOT %s", case_sql), "(0, True, False, 0, True, False)", "");
}

Test(boolean_where, check_constraint_on_a_boolean) {
    const dorm_model *const gates[] = {&Gate_model, NULL};
    cr_assert_eq(dorm_drop_tables(T.cx, gates), 0, "%s", dorm_errmsg(T.cx));
    test_log_start();
    cr_assert_eq(dorm_create_tables(T.cx, gates), 0, "%s", dorm_errmsg(T.cx));
    const char *log = test_sql_std(test_log_stop());
    cr_expect(strstr(log, "CONSTRAINT \"gate_open\" CHECK (\"open\")"), "%s", log);
    cr_expect_null(dorm_create(T.cx, Gate, .open = false), "the check refuses a closed gate");
    dorm_error_clear(T.cx);
    cr_expect_not_null(dorm_create(T.cx, Gate, .open = true), "%s", dorm_errmsg(T.cx));
}

/* The value is in the SQL text: a query of one shape with True, then False,
 * then True again gets each its own statement (query/shape.c keys it). */
Test(boolean_where, true_and_false_are_two_shapes) {
    for (int i = 0; i < 4; i++) {
        bool v = i % 2 == 0;
        cr_expect_str_eq(test_ids(dorm_filter(all(), DQ("hidden", v))), v ? "1,2,3" : "4,5,6");
        cr_expect_str_eq(test_ids(dorm_filter(all(), DQ("hidden", v ? 1 : 0))), v ? "1,2,3" : "4,5,6");
        Flagged *o = dorm_get(dorm_all(T.cx, Flagged), DQ("hidden", v), DQ("flag", true));
        cr_assert_not_null(o, "%s", dorm_errmsg(T.cx));
        cr_expect_eq(o->id, v ? 1 : 4);
    }
}
