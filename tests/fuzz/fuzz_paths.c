/* fuzz_paths.c - libFuzzer target: lookup and field paths ("author__name__
 * icontains", "-books__pages", "tags__books__title") on every QuerySet call
 * that takes them (filter, exclude, order_by, values, values_list, annotate,
 * aggregate, select_related, prefetch_related, only, defer, update, F()).
 *
 * Input: a first byte choosing the call and the value's type, then up to
 * four paths separated by newlines.  A path the registry accepts must
 * compile to SQL the database accepts: SQLite refusing it ("no such
 * column", a syntax error) is a finding, as is any crash. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#define MAX_PATHS 4

/* The value a condition compares with, by the selector's type bits. */
static dorm_value value_of(unsigned type, const char *text, dorm_value *items) {
    switch (type) {
    case 0: return dorm_v_int(42);
    case 1: return dorm_v_text(text);
    case 2: return dorm_v_date(dorm_date_ymd(1999, 12, 31));
    case 3: return dorm_v_null();
    case 4: return dorm_v_bool(true);
    case 5:
        items[0] = dorm_v_int(1);
        items[1] = dorm_v_text(text);
        return dorm_v_list(items, 2);
    case 6: return dorm_v_float(2.5);
    default: return dorm_v_datetime(dorm_datetime_utc(2001, 2, 3, 4, 5, 6, 7));
    }
}

/* Some rows, so that evaluation also materialises objects. */
static void fill(dorm_ctx *cx) {
    Author *a = dorm_create(cx, Author, .name = "Ann", .born = dorm_date_ymd(1950, 1, 2));
    Author *b = a ? dorm_create(cx, Author, .name = "Bob", .mentor = {a->id, a}) : NULL;
    Publisher *p = dorm_create(cx, Publisher, .name = "Pub");
    Tag *t = dorm_create(cx, Tag, .name = "tag");
    Book *k = b && p ? dorm_create(cx, Book, .title = "T", .author = {b->id, b}, .publisher = {p->id, p}, .pages = 10,
                                   .price = DORM_DEC(1234, 2), .extra = "{\"k\": 1}")
                     : NULL;
    if (!k || !t || !dorm_create(cx, Profile, .author = {a->id, a}, .bio = "x") ||
        dorm_related_add(k, "tags", (void *[]){t}, 1))
        fuzz_fail("fill: %s", dorm_errmsg(cx));
}

/* An error that a path the registry accepted must not lead to. */
static void check(dorm_ctx *cx, const char *call, const char *const *paths) {
    int code = dorm_errcode(cx);
    if (code == DORM_EPROGRAMMING || code == DORM_EOPERATIONAL)
        fuzz_fail("%s(%s%s%s%s%s%s%s) compiled to SQL the database refused: %s", call, paths[0] ? paths[0] : "",
                  paths[1] ? ", " : "", paths[1] ? paths[1] : "", paths[2] ? ", " : "", paths[2] ? paths[2] : "",
                  paths[3] ? ", " : "", paths[3] ? paths[3] : "", dorm_errmsg(cx));
}

/* Runs a QuerySet the registry accepted: its SQL, its rows or objects. */
static void evaluate(dorm_ctx *cx, dorm_qs *qs, bool rows, const char *call, const char *const *paths) {
    if (!qs || dorm_qs_errcode(qs)) return;
    const char *params;
    dorm_qs_sql(qs, &params);
    check(cx, call, paths);
    if (rows)
        dorm_rows(qs, NULL);
    else
        dorm_list(qs, NULL);
    check(cx, call, paths);
    dorm_count(qs);
    check(cx, call, paths);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1 || size > 512) return 0;
    fuzz_db *d = fuzz_db_get();
    static bool filled;
    if (!filled) {
        fill(d->cx);
        filled = true;
    }
    unsigned call = data[0] & 15, type = data[0] >> 4 & 7;
    bool negate = data[0] & 128;
    char *text = malloc(size);
    if (!text) return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    const char *paths[MAX_PATHS + 1] = {NULL};
    int n = 0;
    for (char *p = text; n < MAX_PATHS; n++) {
        paths[n] = p;
        char *nl = strchr(p, '\n');
        if (!nl) {
            n++;
            break;
        }
        *nl = '\0';
        p = nl + 1;
    }
    paths[n] = NULL;

    dorm_ctx *cx = dorm_ctx_new(d->db);
    if (!cx) fuzz_fail("out of memory");
    dorm_qs *all = dorm_all(cx, Book);
    dorm_value items[2];
    dorm_value v = value_of(type, paths[n > 1 ? 1 : 0], items);
    dorm_q leaf = {DORM_Q_LEAF, paths[0], v, NULL};
    const dorm_q *kids[] = {&leaf, NULL};
    dorm_q wrapped = {negate ? DORM_Q_NOT : DORM_Q_OR, NULL, {DORM_T_NONE, 0, {0}}, kids};
    const dorm_q *conds[] = {type == 7 ? &wrapped : &leaf, NULL};
    const dorm_expr fexpr = {.kind = DORM_E_F, .name = paths[n > 1 ? 1 : 0]};
    static const char *const aggregates[] = {"Count", "Sum", "Avg", "Min", "Max"};
    dorm_expr agg = {
        .kind = DORM_E_FUNC, .func = aggregates[type % 5], .value = dorm_v_text(paths[0]), .distinct = negate};
    const dorm_named *named[] = {&(const dorm_named){paths[n > 1 ? 1 : 0], &agg}, NULL};
    const dorm_named *unnamed[] = {&(const dorm_named){NULL, &agg}, NULL};
    const dorm_set set = {paths[0], type == 6 ? dorm_v_expr(&fexpr) : v};
    const dorm_set *sets[] = {&set, NULL};
    static const char *const names[] = {
        "filter",    "exclude",           "order_by",         "values", "values_list", "annotate",
        "aggregate", "select_related",    "prefetch_related", "only",   "defer",       "update",
        "filter(F)", "values_list(flat)", "order_by(author)", "get"};
    const char *name = names[call];
    switch (call) {
    case 0: evaluate(cx, dorm_qs_filter(all, conds), false, name, paths); break;
    case 1: evaluate(cx, dorm_qs_exclude(all, conds), false, name, paths); break;
    case 2: evaluate(cx, dorm_qs_order_by(all, paths), false, name, paths); break;
    case 3: evaluate(cx, dorm_qs_values(all, paths), true, name, paths); break;
    case 4: evaluate(cx, dorm_qs_values_list(all, false, paths), true, name, paths); break;
    case 5: evaluate(cx, dorm_qs_annotate(dorm_all(cx, Author), named), false, name, paths); break;
    case 6:
        dorm_qs_aggregate(dorm_all(cx, Author), unnamed);
        check(cx, name, paths);
        break;
    case 7: evaluate(cx, dorm_qs_select_related(all, paths), false, name, paths); break;
    case 8: evaluate(cx, dorm_qs_prefetch_related(dorm_all(cx, Author), paths), false, name, paths); break;
    case 9: evaluate(cx, dorm_qs_only(all, paths), false, name, paths); break;
    case 10: evaluate(cx, dorm_qs_defer(all, paths), false, name, paths); break;
    case 11:
        /* In a transaction rolled back, so that the rows stay as fill() left them. */
        if (dorm_atomic_begin(cx) == 0) {
            dorm_qs_update(dorm_qs_filter(all, conds), sets);
            check(cx, name, paths);
            dorm_atomic_rollback(cx);
        }
        break;
    case 12: {
        dorm_q fleaf = {DORM_Q_LEAF, paths[0], dorm_v_expr(&fexpr), NULL};
        evaluate(cx, dorm_qs_filter(all, (const dorm_q *const[]){&fleaf, NULL}), false, name, paths);
        break;
    }
    case 13: evaluate(cx, dorm_qs_values_list(dorm_all(cx, Author), true, paths), true, name, paths); break;
    case 14: evaluate(cx, dorm_qs_order_by(dorm_all(cx, Author), paths), false, name, paths); break;
    default:
        dorm_qs_get(all, conds);
        check(cx, name, paths);
        break;
    }
    dorm_ctx_free(cx);
    free(text);
    return 0;
}
