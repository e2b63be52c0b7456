/* signals.c - the script's Signals section: receivers of pre_save /
 * post_save for every model and for Label, pre_delete / post_delete for
 * Article, m2m_changed for Article.labels, what bulk_create and update()
 * send (nothing), and disconnecting. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lifecycle.h"

static const char *sender_name(const dorm_signal_event *ev) { return ((const dorm_model *)ev->sender)->name; }

static int by_text(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

/* ",".join(sorted(words)) in the arena. */
static const char *sorted_join(dorm_ctx *cx, const char **words, size_t n) {
    qsort(words, n, sizeof *words, by_text);
    const char *out = "";
    for (size_t i = 0; i < n && out; i++) out = dorm_sprintf(cx, "%s%s%s", out, i ? "," : "", words[i]);
    return out;
}

static int on_pre_save(const dorm_signal_event *ev, void *payload) {
    (void)payload;
    size_t n = 0;
    while (ev->update_fields && ev->update_fields[n]) n++;
    const char **fields = dorm_alloc(ev->cx, sizeof(char *) * (n + 1));
    if (!fields) return DORM_ENOMEM;
    if (n) memcpy(fields, ev->update_fields, sizeof(char *) * n);
    printf("  pre_save %s %s update_fields=%s\n", sender_name(ev), dorm_obj_str(ev->instance),
           n ? sorted_join(ev->cx, fields, n) : "None");
    return 0;
}

static int on_post_save(const dorm_signal_event *ev, void *payload) {
    (void)payload;
    printf("  post_save %s %s created=%s\n", sender_name(ev), dorm_obj_str(ev->instance), py_bool(ev->created));
    return 0;
}

static int on_pre_delete(const dorm_signal_event *ev, void *payload) {
    (void)payload;
    printf("  pre_delete %s %s pk set: %s\n", sender_name(ev), dorm_obj_str(ev->instance),
           py_bool(dorm_pk_of(ev->instance).type != DORM_T_NULL));
    return 0;
}

static int on_post_delete(const dorm_signal_event *ev, void *payload) {
    (void)payload;
    printf("  post_delete %s %s\n", sender_name(ev), dorm_obj_str(ev->instance));
    return 0;
}

static int on_label_saved(const dorm_signal_event *ev, void *payload) {
    (void)payload;
    printf("  label receiver: %s created=%s\n", dorm_obj_str(ev->instance), py_bool(ev->created));
    return 0;
}

/* pk_set as the script prints it: labels by slug, articles by title. */
static int on_m2m(const dorm_signal_event *ev, void *payload) {
    (void)payload;
    const char *items = "None";
    if (ev->pk_set) {
        const char **words = dorm_alloc(ev->cx, sizeof(char *) * (ev->npk + 1));
        if (!words) return DORM_ENOMEM;
        size_t n = 0;
        if (ev->model == &Label_model) {
            for (size_t i = 0; i < ev->npk; i++) words[n++] = ev->pk_set[i].u.s;
        } else {
            dorm_qs *titles = dorm_values_flat(
                dorm_filter(dorm_qs_base(ev->cx, ev->model), DQ("pk__in", dorm_v_list(ev->pk_set, ev->npk))), "title");
            EACH_ROW(row, titles) words[n++] = row->values[0].u.s;
            if (dorm_qs_errcode(titles)) return dorm_qs_errcode(titles);
        }
        items = sorted_join(ev->cx, words, n);
    }
    printf("  m2m_changed %s %s reverse=%s model=%s pk_set=%s\n", ev->action, dorm_obj_str(ev->instance),
           py_bool(ev->reverse), ev->model->name, items);
    return 0;
}

/* Article.objects.get(title=...) */
static Article *article(dorm_ctx *cx, const char *title) {
    Article *a = dorm_get(dorm_all(cx, Article), DQ("title", title));
    check(cx, a != NULL);
    return a;
}

void signal_section(lifecycle *run) {
    dorm_ctx *cx = run->cx;
    dorm_signals *s = run->signals;
    puts("==== Signals ====");
    const dorm_model *labels_through = dorm_through(cx, &Article_model, "labels");
    check(cx, labels_through != NULL);
    check(cx,
          dorm_signal_connect(s, DORM_PRE_SAVE, NULL, on_pre_save, NULL, NULL) == 0 &&
              dorm_signal_connect(s, DORM_POST_SAVE, NULL, on_post_save, NULL, NULL) == 0 &&
              dorm_signal_connect(s, DORM_PRE_DELETE, &Article_model, on_pre_delete, NULL, NULL) == 0 &&
              dorm_signal_connect(s, DORM_POST_DELETE, &Article_model, on_post_delete, NULL, NULL) == 0 &&
              dorm_signal_connect(s, DORM_POST_SAVE, &Label_model, on_label_saved, NULL, NULL) == 0 &&
              dorm_signal_connect(s, DORM_M2M_CHANGED, labels_through, on_m2m, NULL, NULL) == 0);
    printf("m2m sender: %s\n", labels_through->name);
    puts("create a label:");
    const char *slugs[] = {"classic", "poetry", "rare"};
    for (size_t i = 0; i < 3; i++) check(cx, dorm_create(cx, Label, .slug = slugs[i]) != NULL);
    puts("create an article:");
    Article *art = dorm_create(cx, Article, .title = "Verse", .author = {run->finn->id, run->finn}, .status = "draft");
    check(cx, art != NULL);
    puts("save again:");
    art->status = "pub";
    check(cx, dorm_save(art) == 0);
    puts("save(update_fields):");
    check(cx, dorm_save_fields(art, "status") == 0);
    puts("multi-table child (signals name the child only):");
    check(cx, dorm_create(cx, Staff, .person = {.name = "Kai"}, .role = "porter") != NULL);
    puts("bulk_create (no signals):");
    Article *bulk[2] = {dorm_new(cx, Article), dorm_new(cx, Article)};
    check(cx, bulk[0] && bulk[1]);
    bulk[0]->title = "Bulk one";
    bulk[1]->title = "Bulk two";
    for (int i = 0; i < 2; i++) check(cx, dorm_fk_set(bulk[i], author, run->bob) == 0);
    check(cx, dorm_bulk_create(cx, Article, bulk, 2, 0) == 0);
    puts("update() (no signals):");
    printf("  updated: %lld\n",
           (long long)dorm_update(dorm_filter(dorm_all(cx, Article), DQ("title__startswith", "Bulk")),
                                  DSET("status", "pub")));
    puts("m2m add:");
    check(cx, dorm_related_add_values(art, "labels", DORM_ARGS(DV("classic"), DV("poetry"))) == 0);
    puts("m2m add, one already there:");
    check(cx, dorm_related_add_values(art, "labels", DORM_ARGS(DV("poetry"), DV("rare"))) == 0);
    puts("m2m remove, one not there:");
    check(cx, dorm_related_remove_values(art, "labels", DORM_ARGS(DV("rare"), DV("missing"))) == 0);
    puts("m2m set:");
    check(cx, dorm_related_set_values(art, "labels", DORM_ARGS(DV("poetry"), DV("rare"))) == 0);
    puts("m2m reverse add:");
    Label *classic = dorm_get(dorm_all(cx, Label), DQ("slug", "classic"));
    check(cx, classic != NULL);
    check(cx, dorm_related_add(classic, "articles", (void *[]){article(cx, "Shelving")}, 1) == 0);
    puts("m2m clear:");
    check(cx, dorm_related_clear(art, "labels") == 0);
    printf("labels of Verse: %s\n", names(dorm_related(art, "labels")));
    puts("m2m add again:");
    check(cx, dorm_related_add_values(art, "labels", DORM_ARGS(DV("classic"))) == 0);
    puts("delete an article (delete receivers have sender=Article; no m2m_changed for its links):");
    dorm_deleted d;
    check(cx, dorm_delete(art, &d) == 0);
    printf("  deleted: %s\n", deleted_text(cx, &d));
    puts("queryset delete sends per-object signals:");
    check(cx, dorm_qs_delete(dorm_filter(dorm_all(cx, Article), DQ("title__startswith", "Bulk")), &d) == 0);
    printf("  deleted: %s\n", deleted_text(cx, &d));
    puts("delete a label (no delete receivers for Label):");
    check(cx, dorm_qs_delete(dorm_filter(dorm_all(cx, Label), DQ("slug", "rare")), &d) == 0);
    printf("  deleted: %lld\n", (long long)d.total);
    bool gone[6] = {
        dorm_signal_disconnect(s, DORM_PRE_SAVE, NULL, on_pre_save, NULL, NULL),
        dorm_signal_disconnect(s, DORM_POST_SAVE, NULL, on_post_save, NULL, NULL),
        dorm_signal_disconnect(s, DORM_PRE_DELETE, &Article_model, on_pre_delete, NULL, NULL),
        dorm_signal_disconnect(s, DORM_POST_DELETE, &Article_model, on_post_delete, NULL, NULL),
        dorm_signal_disconnect(s, DORM_POST_SAVE, &Label_model, on_label_saved, NULL, NULL),
        dorm_signal_disconnect(s, DORM_M2M_CHANGED, labels_through, on_m2m, NULL, NULL),
    };
    printf("disconnect: %s %s %s %s %s %s\n", py_bool(gone[0]), py_bool(gone[1]), py_bool(gone[2]), py_bool(gone[3]),
           py_bool(gone[4]), py_bool(gone[5]));
    printf("disconnect again: %s\n", py_bool(dorm_signal_disconnect(s, DORM_PRE_SAVE, NULL, on_pre_save, NULL, NULL)));
    check(cx, dorm_create(cx, Label, .slug = "quiet") != NULL);
    puts("after disconnect: no lines above");
}
