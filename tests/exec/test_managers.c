/* test_managers.c - model managers and QuerySet classes: the soft-delete
 * pattern (a default manager hiding rows, a QuerySet class overriding
 * delete(), a model overriding delete()), chainable custom QuerySet
 * functions, and which manager each part of dorm reads through, as Django
 * 3.2 does (answers from python3-django on the same models): related
 * managers and their prefetch use the default manager, forward relations,
 * the reverse one-to-one and refresh the base manager, dumpdata the default
 * one (--all: the base one), the delete collector every row. */
#define _POSIX_C_SOURCE 200809L /* fmemopen */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "testdb.h"

typedef struct Board {
    DORM_OBJECT;
    int64_t id;
    const char *name;
} Board;

typedef struct Notice {
    DORM_OBJECT;
    int64_t id;
    const char *title;
    bool deleted;
    DORM_FK(Board) board;
    const char *status;
} Notice;

typedef struct Comment {
    DORM_OBJECT;
    int64_t id;
    DORM_FK(Notice) notice;
    const char *text;
} Comment;

typedef struct Badge {
    DORM_OBJECT;
    int64_t id;
    DORM_FK(Notice) notice;
} Badge;

typedef struct Sticker {
    DORM_OBJECT;
    int64_t id;
    const char *name;
    bool hidden;
} Sticker;

typedef struct Poster {
    DORM_OBJECT;
    int64_t id;
    const char *title;
} Poster;

DORM_MODEL_DECLARE(Sticker);
DORM_MODEL_DECLARE(Poster);
DORM_MODEL_DECLARE(Board);
DORM_MODEL_DECLARE(Notice);
DORM_MODEL_DECLARE(Comment);
DORM_MODEL_DECLARE(Badge);

/* SoftQS.delete(): self.update(deleted=True), the count in out->total. */
static int soft_delete(dorm_qs *qs, dorm_deleted *out) {
    int64_t n = dorm_update(qs, DSET("deleted", true));
    if (n < 0) return (int)n;
    if (out) memset(out, 0, sizeof *out), out->total = n;
    return DORM_OK;
}

/* Notice.delete(): the row stays, marked deleted. */
static int notice_delete(void *obj, dorm_deleted *out) {
    Notice *n = obj;
    n->deleted = true;
    if (out) memset(out, 0, sizeof *out);
    return dorm_save_fields(n, "deleted");
}

/* Custom QuerySet methods: plain functions, chainable with the built-ins. */
static dorm_qs *alive(dorm_qs *qs) { return dorm_filter(qs, DQ("deleted", false)); }
static dorm_qs *dead(dorm_qs *qs) { return dorm_filter(qs, DQ("deleted", true)); }
static dorm_qs *published(dorm_qs *qs) { return dorm_filter(qs, DQ("status", "pub")); }
static dorm_qs *on_board(dorm_qs *qs, const char *name) { return dorm_filter(qs, DQ("board__name", name)); }
static int hard_delete(dorm_qs *qs, dorm_deleted *out) { return dorm_qs_base_delete(qs, out); }

static const dorm_qs_class SoftQS = {.name = "SoftQS", .delete_fn = soft_delete};

static const dorm_field Board_fields[] = {DORM_AUTO(Board, id), DORM_CHAR(Board, name, .max_length = 20), DORM_END};
const dorm_model Board_model = DORM_MODEL(Board, "mgr", Board_fields);
static const dorm_field Notice_fields[] = {
    DORM_AUTO(Notice, id),
    DORM_CHAR(Notice, title, .max_length = 20),
    DORM_BOOL(Notice, deleted, .default_value = DORM_VBOOL(false)),
    DORM_FOREIGN_KEY(Notice, board, Board, .on_delete = DORM_CASCADE, .null = true, .related_name = "notices"),
    DORM_CHAR(Notice, status, .max_length = 5, .default_value = DORM_VTEXT("draft")),
    DORM_END,
};
const dorm_model Notice_model = DORM_MODEL(
    Notice, "mgr", Notice_fields, .ordering = DORM_LIST("title"),
    .managers = DORM_MANAGERS({"objects", alive, &SoftQS}, {"all_objects", NULL, &SoftQS}, {"live", published, NULL}),
    .delete_fn = notice_delete);
static const dorm_field Comment_fields[] = {
    DORM_AUTO(Comment, id),
    DORM_FOREIGN_KEY(Comment, notice, Notice, .on_delete = DORM_CASCADE, .related_name = "comments"),
    DORM_CHAR(Comment, text, .max_length = 20),
    DORM_END,
};
const dorm_model Comment_model = DORM_MODEL(Comment, "mgr", Comment_fields, .ordering = DORM_LIST("id"));
static const dorm_field Badge_fields[] = {
    DORM_AUTO(Badge, id),
    DORM_ONE_TO_ONE(Badge, notice, Notice, .on_delete = DORM_CASCADE),
    DORM_END,
};
const dorm_model Badge_model = DORM_MODEL(Badge, "mgr", Badge_fields);
static dorm_qs *shown(dorm_qs *qs) { return dorm_filter(qs, DQ("hidden", false)); }
static const dorm_field Sticker_fields[] = {
    DORM_AUTO(Sticker, id),
    DORM_CHAR(Sticker, name, .max_length = 10),
    DORM_BOOL(Sticker, hidden, .default_value = DORM_VBOOL(false)),
    DORM_END,
};
const dorm_model Sticker_model = DORM_MODEL(Sticker, "mgr", Sticker_fields, .ordering = DORM_LIST("name"),
                                            .managers = DORM_MANAGERS({"objects", shown, NULL}));
static const dorm_field Poster_fields[] = {
    DORM_AUTO(Poster, id),
    DORM_CHAR(Poster, title, .max_length = 10),
    DORM_MANY_TO_MANY(Poster, stickers, Sticker, .related_name = "posters"),
    DORM_END,
};
const dorm_model Poster_model = DORM_MODEL(Poster, "mgr", Poster_fields);
static const dorm_app mgr_app = {
    .label = "mgr",
    .models = DORM_MODELS(&Board_model, &Notice_model, &Comment_model, &Badge_model, &Sticker_model, &Poster_model)};

static dorm_ctx *cx;
static Board *board;

static void open_mgr(void) {
    test_db_open_apps((const dorm_app *const[]){&mgr_app, NULL});
    cx = T.cx;
    board = dorm_create(cx, Board, .name = "b");
    cr_assert_not_null(board, "%s", dorm_errmsg(cx));
}

TestSuite(managers, .init = open_mgr, .fini = test_db_close);

static Notice *notice(const char *title, bool deleted, const char *status) {
    Notice *n = dorm_new(cx, Notice);
    n->title = title;
    n->deleted = deleted;
    n->status = status;
    dorm_fk_set(n, board, board);
    cr_assert_eq(dorm_save(n), DORM_OK, "%s", dorm_errmsg(cx));
    return n;
}

/* The titles of a QuerySet, "a, b" ("-" for none). */
static const char *titles(dorm_qs *qs) {
    static char out[256];
    out[0] = '\0';
    void **objs = dorm_list(qs, NULL);
    cr_assert_not_null(objs, "%s", dorm_errmsg(cx));
    for (size_t i = 0; objs[i]; i++) {
        if (out[0]) strcat(out, ", ");
        strcat(out, ((Notice *)objs[i])->title);
    }
    return out[0] ? out : "-";
}

Test(managers, default_manager_and_named_managers) {
    notice("a", false, "pub");
    notice("b", true, "pub");
    notice("c", false, "draft");
    cr_assert_str_eq(dorm_default_manager_name(&Notice_model), "objects");
    cr_assert_str_eq(dorm_default_manager_name(&Board_model), "objects");
    /* dorm_all is Model.objects.all(): the default manager's rows. */
    cr_assert_str_eq(titles(dorm_all(cx, Notice)), "a, c");
    cr_assert_str_eq(titles(dorm_manager_all(cx, Notice, "objects")), "a, c");
    cr_assert_str_eq(titles(dorm_manager_all(cx, Notice, "all_objects")), "a, b, c");
    cr_assert_str_eq(titles(dorm_manager_all(cx, Notice, "live")), "a, b");
    cr_assert_str_eq(titles(dorm_base_manager_all(cx, Notice)), "a, b, c");
    cr_assert_eq(dorm_count(dorm_all(cx, Notice)), 2);
    cr_assert_eq(dorm_count(dorm_manager_all(cx, Notice, "all_objects")), 3);
    /* get() through the default manager does not see a hidden row. */
    cr_assert_null(dorm_get(dorm_all(cx, Notice), DQ("title", "b")));
    cr_assert_eq(dorm_errcode(cx), DORM_EDOESNOTEXIST);
    cr_assert_str_eq(dorm_errmsg(cx), "Notice matching query does not exist.");
    /* Django's plain "objects" for a model without managers; others fail. */
    cr_assert_str_eq(titles(dorm_manager_all(cx, Board, "objects")), "b");
    dorm_qs *bad = dorm_manager_all(cx, Notice, "people");
    cr_assert_eq(dorm_qs_errcode(bad), DORM_EVALUE);
    cr_assert_str_eq(dorm_qs_errmsg(bad), "type object 'Notice' has no attribute 'people'");
}

Test(managers, custom_methods_chain_with_built_ins_and_keep_the_class) {
    notice("a", false, "pub");
    notice("b", true, "pub");
    notice("c", false, "draft");
    dorm_qs *all = dorm_manager_all(cx, Notice, "all_objects");
    cr_assert_str_eq(titles(dead(all)), "b");
    cr_assert_str_eq(titles(alive(all)), "a, c");
    cr_assert_str_eq(titles(published(alive(all))), "a");
    cr_assert_str_eq(titles(alive(published(all))), "a");
    cr_assert_str_eq(titles(on_board(dorm_filter(published(all), DQ("title__startswith", "b")), "b")), "b");
    /* The class rides along every chained call, values() included. */
    cr_assert_eq(dorm_qs_class_of(dorm_order_by(dead(all), "-title")), &SoftQS);
    cr_assert_eq(dorm_qs_class_of(dorm_values(alive(all), "title")), &SoftQS);
    cr_assert_null(dorm_qs_class_of(dorm_manager_all(cx, Notice, "live")));
    cr_assert_null(dorm_qs_class_of(dorm_qs_all(cx, &Notice_model)));
}

Test(managers, queryset_class_delete_and_model_delete_are_soft) {
    Notice *a = notice("a", false, "pub");
    notice("b", false, "pub");
    notice("c", false, "pub");
    /* Model.delete override: the row stays. */
    dorm_deleted d;
    cr_assert_eq(dorm_delete(a, &d), DORM_OK, "%s", dorm_errmsg(cx));
    cr_assert(a->deleted);
    cr_assert_str_eq(titles(dorm_all(cx, Notice)), "b, c");
    /* QuerySet.delete override: an UPDATE of the rows the QuerySet sees
     * (Django's answer: 1, the hidden "a" not counted). */
    cr_assert_eq(dorm_qs_delete(dorm_filter(dorm_all(cx, Notice), DQ("title__in", DLIST("a", "b"))), &d), DORM_OK, "%s",
                 dorm_errmsg(cx));
    cr_assert_eq(d.total, 1);
    cr_assert_eq(dorm_count(dorm_manager_all(cx, Notice, "all_objects")), 3);
    cr_assert_str_eq(titles(dorm_all(cx, Notice)), "c");
    /* super().delete(): the collector, rows gone. */
    cr_assert_eq(hard_delete(dead(dorm_manager_all(cx, Notice, "all_objects")), &d), DORM_OK, "%s", dorm_errmsg(cx));
    cr_assert_eq(d.total, 2);
    cr_assert_str_eq(dorm_deleted_str(cx, &d), "mgr.Notice: 2");
    cr_assert_eq(dorm_count(dorm_manager_all(cx, Notice, "all_objects")), 1);
    /* The built-in Model.delete stays reachable. */
    Notice *c = dorm_get(dorm_all(cx, Notice), DQ("title", "c"));
    cr_assert_eq(dorm_base_delete(c, &d), DORM_OK, "%s", dorm_errmsg(cx));
    cr_assert_eq(d.total, 1);
    cr_assert_eq(dorm_count(dorm_manager_all(cx, Notice, "all_objects")), 0);
    /* A plain QuerySet of the model has no class: its delete is the built-in. */
    notice("d", false, "pub");
    cr_assert_eq(dorm_qs_delete(dorm_qs_all(cx, &Notice_model), &d), DORM_OK, "%s", dorm_errmsg(cx));
    cr_assert_eq(d.total, 1);
}

Test(managers, related_managers_and_prefetch_use_the_default_manager) {
    notice("a", false, "pub");
    Notice *b = notice("b", true, "pub");
    cr_assert_str_eq(titles(dorm_related(board, "notices")), "a");
    cr_assert_eq(dorm_count(dorm_related(board, "notices")), 1);
    /* The related manager's QuerySet has the default manager's class. */
    cr_assert_eq(dorm_qs_class_of(dorm_related(board, "notices")), &SoftQS);
    Board *bb = dorm_get(dorm_prefetch_related(dorm_all(cx, Board), "notices"));
    cr_assert_not_null(bb, "%s", dorm_errmsg(cx));
    cr_assert_str_eq(titles(dorm_related(bb, "notices")), "a");
    /* clear() touches the rows the related manager sees: b keeps its board. */
    cr_assert_eq(dorm_related_clear(board, "notices"), DORM_OK, "%s", dorm_errmsg(cx));
    cr_assert_eq(test_scalar("SELECT COUNT(*) FROM mgr_notice WHERE board_id IS NOT NULL"), 1);
    cr_assert_eq(dorm_refresh(b), DORM_OK, "%s", dorm_errmsg(cx));
    cr_assert_eq(b->board.id, board->id);
}

Test(managers, forward_access_refresh_and_one_to_one_use_the_base_manager) {
    Notice *b = notice("b", true, "pub");
    Comment *c = dorm_create(cx, Comment, .notice = {b->id, NULL}, .text = "x");
    cr_assert_not_null(c, "%s", dorm_errmsg(cx));
    Comment *got = dorm_get(dorm_all(cx, Comment));
    cr_assert_not_null(got, "%s", dorm_errmsg(cx));
    Notice *n = dorm_fk(got, notice);
    cr_assert_not_null(n, "%s", dorm_errmsg(cx));
    cr_assert_str_eq(n->title, "b");
    got = dorm_get(dorm_prefetch_related(dorm_all(cx, Comment), "notice"));
    cr_assert_not_null(got->notice.obj);
    cr_assert_str_eq(got->notice.obj->title, "b");
    cr_assert_eq(dorm_refresh(b), DORM_OK, "%s", dorm_errmsg(cx));
    /* The reverse side of a one-to-one: Badge has no managers; the reverse
     * related manager of the hidden notice still lists its comments. */
    cr_assert_not_null(dorm_create(cx, Badge, .notice = {b->id, NULL}), "%s", dorm_errmsg(cx));
    Badge *badge = dorm_get(dorm_all(cx, Badge));
    cr_assert_not_null(dorm_fk(badge, notice), "%s", dorm_errmsg(cx));
    cr_assert_not_null(dorm_related_one(b, "badge"), "%s", dorm_errmsg(cx));
    cr_assert_eq(dorm_count(dorm_related(b, "comments")), 1);
}

Test(managers, the_collector_deletes_rows_the_default_manager_hides) {
    notice("z", true, "pub");
    dorm_deleted d;
    cr_assert_eq(dorm_qs_delete(dorm_all(cx, Board), &d), DORM_OK, "%s", dorm_errmsg(cx));
    cr_assert_str_eq(dorm_deleted_str(cx, &d), "mgr.Board: 1, mgr.Notice: 1");
}

/* The fixture dumpdata writes for the notices. */
static const char *dump(bool all) {
    static char text[4096];
    FILE *f = fmemopen(text, sizeof text, "w");
    cr_assert_not_null(f);
    int rc =
        all ? dorm_dumpdata_all(cx, DORM_LIST("mgr.notice"), 0, f) : dorm_dumpdata(cx, DORM_LIST("mgr.notice"), 0, f);
    fclose(f);
    cr_assert_eq(rc, DORM_OK, "%s", dorm_errmsg(cx));
    return text;
}

Test(managers, dumpdata_uses_the_default_manager_and_all_the_base_one) {
    notice("a", false, "pub");
    notice("b", true, "pub");
    const char *a = "{\"model\": \"mgr.notice\", \"pk\": 1, \"fields\": {\"title\": \"a\", \"deleted\": false, "
                    "\"board\": 1, \"status\": \"pub\"}}";
    const char *b = "{\"model\": \"mgr.notice\", \"pk\": 2, \"fields\": {\"title\": \"b\", \"deleted\": true, "
                    "\"board\": 1, \"status\": \"pub\"}}";
    char want[1024];
    snprintf(want, sizeof want, "[%s]\n", a);
    cr_assert_str_eq(dump(false), want);
    snprintf(want, sizeof want, "[%s, %s]\n", a, b);
    cr_assert_str_eq(dump(true), want);
}

/* The names of the stickers of a poster whatever the default manager hides. */
static const char *stuck(Poster *p) {
    static char out[64];
    out[0] = '\0';
    DORM_EACH(Sticker, s, dorm_filter(dorm_base_manager_all(cx, Sticker), DQ("posters", p))) {
        if (out[0]) strcat(out, ", ");
        strcat(out, s->name);
    }
    return out[0] ? out : "-";
}

Test(managers, many_to_many_managers_keep_to_the_rows_they_see) {
    Sticker *a = dorm_create(cx, Sticker, .name = "a"), *b = dorm_create(cx, Sticker, .name = "b", .hidden = true);
    Sticker *c = dorm_create(cx, Sticker, .name = "c");
    Poster *p = dorm_create(cx, Poster, .title = "p");
    cr_assert(a && b && c && p, "%s", dorm_errmsg(cx));
    cr_assert_eq(dorm_related_add(p, "stickers", (void *[]){a, b}, 2), DORM_OK, "%s", dorm_errmsg(cx));
    cr_assert_eq(dorm_count(dorm_related(p, "stickers")), 1);
    cr_assert_eq(dorm_count(dorm_qs_all(cx, dorm_through(cx, &Poster_model, "stickers"))), 2);
    /* set() and clear() leave the hidden sticker joined (Django's answers). */
    cr_assert_eq(dorm_related_set(p, "stickers", (void *[]){c}, 1), DORM_OK, "%s", dorm_errmsg(cx));
    cr_assert_str_eq(stuck(p), "b, c");
    cr_assert_eq(dorm_related_clear(p, "stickers"), DORM_OK, "%s", dorm_errmsg(cx));
    cr_assert_str_eq(stuck(p), "b");
    Poster *pp = dorm_get(dorm_prefetch_related(dorm_all(cx, Poster), "stickers"));
    cr_assert_not_null(pp, "%s", dorm_errmsg(cx));
    cr_assert_eq(dorm_count(dorm_related(pp, "stickers")), 0);
    /* The reverse side: Poster has no managers, so b sees its poster. */
    cr_assert_eq(dorm_count(dorm_related(b, "posters")), 1);
}

typedef struct Odd {
    DORM_OBJECT;
    int64_t id;
} Odd;
static const dorm_field Odd_fields[] = {DORM_AUTO(Odd, id), DORM_END};
static const dorm_model Odd_model =
    DORM_MODEL(Odd, "odd", Odd_fields, .managers = DORM_MANAGERS({"objects", NULL, NULL}, {"objects", NULL, NULL}),
               .default_manager_name = "people", .base_manager_name = "plain");

Test(managers_checks, names_are_checked) {
    const dorm_app odd = {.label = "odd", .models = DORM_MODELS(&Odd_model)};
    dorm_registry *reg = dorm_registry_new((const dorm_app *const[]){&odd, NULL});
    cr_assert_eq(dorm_registry_errcode(reg), DORM_ECONFIG);
    cr_assert_str_eq(dorm_registry_messages(reg),
                     "odd.Odd: (dorm.E022) The manager 'objects' is declared twice.\n"
                     "odd.Odd: (dorm.E023) Odd has no manager named 'people'\n"
                     "odd.Odd: (dorm.E023) Odd has no manager named 'plain'");
    dorm_registry_free(reg);
}
