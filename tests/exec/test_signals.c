/* test_signals.c - Django's model signals: pre_save/post_save (created,
 * update_fields, raw from loaddata), pre_delete/post_delete in the
 * collector's order through a cascade (Django 3.2's order, checked with
 * it), m2m_changed actions and pk_set, pre_migrate/post_migrate, senders,
 * dispatch_uid, disconnect, receivers that fail, and what bulk_create,
 * update() and the fast delete send (nothing). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "testdb.h"

typedef struct Person {
    DORM_OBJECT;
    int64_t id;
    const char *name;
    dorm_datetime updated;
} Person;

typedef struct Label {
    DORM_OBJECT;
    int64_t id;
    const char *slug;
} Label;

typedef struct Article {
    DORM_OBJECT;
    int64_t id;
    const char *title;
    DORM_FK(Person) author;
    const char *status;
} Article;

typedef struct Comment {
    DORM_OBJECT;
    int64_t id;
    const char *text;
    DORM_FK(Article) article;
} Comment;

typedef struct Review {
    DORM_OBJECT;
    int64_t id;
    const char *text;
    DORM_FK(Person) person;
} Review;

typedef struct Note {
    DORM_OBJECT;
    int64_t id;
    const char *text;
    DORM_FK(Person) person;
} Note;

DORM_MODEL_DECLARE(Person);
DORM_MODEL_DECLARE(Label);
DORM_MODEL_DECLARE(Article);
DORM_MODEL_DECLARE(Comment);
DORM_MODEL_DECLARE(Review);
DORM_MODEL_DECLARE(Note);

static const dorm_field Person_fields[] = {DORM_AUTO(Person, id), DORM_CHAR(Person, name, .max_length = 50),
                                           DORM_DATETIME(Person, updated, .auto_now = true, .null = true), DORM_END};
const dorm_model Person_model = DORM_MODEL(Person, "sig", Person_fields, .ordering = DORM_LIST("name"));
static const dorm_field Label_fields[] = {DORM_AUTO(Label, id), DORM_SLUG(Label, slug, .max_length = 30), DORM_END};
const dorm_model Label_model = DORM_MODEL(Label, "sig", Label_fields, .ordering = DORM_LIST("slug"));
static const dorm_field Article_fields[] = {
    DORM_AUTO(Article, id),
    DORM_CHAR(Article, title, .max_length = 50),
    DORM_FOREIGN_KEY(Article, author, Person, .on_delete = DORM_CASCADE, .related_name = "articles"),
    DORM_CHAR(Article, status, .max_length = 5, .default_value = DORM_VTEXT("draft")),
    DORM_MANY_TO_MANY(Article, labels, Label, .related_name = "articles"),
    DORM_END,
};
const dorm_model Article_model = DORM_MODEL(Article, "sig", Article_fields, .ordering = DORM_LIST("title"));
static const dorm_field Comment_fields[] = {DORM_AUTO(Comment, id), DORM_CHAR(Comment, text, .max_length = 50),
                                            DORM_FOREIGN_KEY(Comment, article, Article, .on_delete = DORM_CASCADE),
                                            DORM_END};
const dorm_model Comment_model = DORM_MODEL(Comment, "sig", Comment_fields);
static const dorm_field Review_fields[] = {DORM_AUTO(Review, id), DORM_CHAR(Review, text, .max_length = 50),
                                           DORM_FOREIGN_KEY(Review, person, Person, .on_delete = DORM_CASCADE),
                                           DORM_END};
const dorm_model Review_model = DORM_MODEL(Review, "sig", Review_fields);
static const dorm_field Note_fields[] = {
    DORM_AUTO(Note, id), DORM_CHAR(Note, text, .max_length = 50),
    DORM_FOREIGN_KEY(Note, person, Person, .on_delete = DORM_CASCADE, .null = true), DORM_END};
const dorm_model Note_model = DORM_MODEL(Note, "sig", Note_fields);

static const dorm_app sig_app = {
    .label = "sig",
    .models = DORM_MODELS(&Person_model, &Label_model, &Article_model, &Comment_model, &Review_model, &Note_model)};

static dorm_signals *sigs;

static void open_sig(void) {
    test_db_open_apps((const dorm_app *const[]){&sig_app, NULL});
    sigs = dorm_signals_new();
    cr_assert_not_null(sigs);
    dorm_db_set_signals(T.db, sigs);
}

static void close_sig(void) {
    dorm_db_set_signals(T.db, NULL);
    dorm_signals_free(sigs);
    test_db_close();
}

TestSuite(signals, .init = open_sig, .fini = close_sig);

/* ---- what the receivers saw --------------------------------------------- */

static char seen[4096];

static void line(const char *fmt, ...) {
    size_t n = strlen(seen);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(seen + n, sizeof seen - n, fmt, ap);
    va_end(ap);
    n = strlen(seen);
    snprintf(seen + n, sizeof seen - n, "\n");
}

static const char *model_name(const void *sender) { return ((const dorm_model *)sender)->name; }

/* str(instance): each model's text field. */
static const char *str(const void *sender, const void *obj) {
    if (sender == &Person_model) return ((const Person *)obj)->name;
    if (sender == &Label_model) return ((const Label *)obj)->slug;
    if (sender == &Article_model) return ((const Article *)obj)->title;
    if (sender == &Comment_model) return ((const Comment *)obj)->text;
    if (sender == &Review_model) return ((const Review *)obj)->text;
    if (sender == &Note_model) return ((const Note *)obj)->text;
    return "?";
}

static int on_save(const dorm_signal_event *ev, void *payload) {
    (void)payload;
    char fields[128] = "None";
    if (ev->update_fields) {
        fields[0] = '\0';
        for (size_t i = 0; ev->update_fields[i]; i++)
            snprintf(fields + strlen(fields), sizeof fields - strlen(fields), "%s%s", i ? "," : "",
                     ev->update_fields[i]);
    }
    if (ev->signal == DORM_PRE_SAVE)
        line("pre_save %s %s update_fields=%s raw=%d", model_name(ev->sender), str(ev->sender, ev->instance), fields,
             ev->raw);
    else
        line("post_save %s %s created=%d raw=%d", model_name(ev->sender), str(ev->sender, ev->instance), ev->created,
             ev->raw);
    return 0;
}

static int on_delete(const dorm_signal_event *ev, void *payload) {
    (void)payload;
    line("%s %s %s", ev->signal == DORM_PRE_DELETE ? "pre_delete" : "post_delete", model_name(ev->sender),
         str(ev->sender, ev->instance));
    return 0;
}

static void connect_all(dorm_signal sig, dorm_receiver_fn fn) {
    cr_assert_eq(dorm_signal_connect(sigs, sig, NULL, fn, NULL, NULL), 0);
}

static Person *person(const char *name) {
    Person *p = dorm_create(T.cx, Person, .name = name);
    cr_assert_not_null(p, "%s", dorm_errmsg(T.cx));
    return p;
}

static Article *article(const char *title, Person *author) {
    Article *a = dorm_create(T.cx, Article, .title = title, .author = {author->id, author});
    cr_assert_not_null(a, "%s", dorm_errmsg(T.cx));
    return a;
}

/* The transcript's save section: create, save, save(update_fields). */
Test(signals, save) {
    connect_all(DORM_PRE_SAVE, on_save);
    connect_all(DORM_POST_SAVE, on_save);
    seen[0] = '\0';
    Person *finn = person("Finn");
    Article *art = article("Verse", finn);
    art->status = "pub";
    cr_assert_eq(dorm_save(art), 0);
    cr_assert_eq(dorm_save_fields(art, "status"), 0);
    Article *fresh = dorm_new(T.cx, Article);
    fresh->title = "New";
    fresh->author.id = finn->id;
    cr_assert_eq(dorm_save(fresh), 0);
    cr_assert_str_eq(seen,
                     "pre_save Person Finn update_fields=None raw=0\n"
                     "post_save Person Finn created=1 raw=0\n"
                     "pre_save Article Verse update_fields=None raw=0\n"
                     "post_save Article Verse created=1 raw=0\n"
                     "pre_save Article Verse update_fields=None raw=0\n"
                     "post_save Article Verse created=0 raw=0\n"
                     "pre_save Article Verse update_fields=status raw=0\n"
                     "post_save Article Verse created=0 raw=0\n"
                     "pre_save Article New update_fields=None raw=0\n"
                     "post_save Article New created=1 raw=0\n");
}

/* bulk_create and update() send no signals (Django's). */
Test(signals, bulk_create_and_update_send_none) {
    Person *bob = person("Bob");
    connect_all(DORM_PRE_SAVE, on_save);
    connect_all(DORM_POST_SAVE, on_save);
    seen[0] = '\0';
    Article *objs[2] = {dorm_new(T.cx, Article), dorm_new(T.cx, Article)};
    objs[0]->title = "Bulk one";
    objs[1]->title = "Bulk two";
    objs[0]->author.id = objs[1]->author.id = bob->id;
    cr_assert_eq(dorm_bulk_create(T.cx, Article, objs, 2, 0), 0, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_update(dorm_all(T.cx, Article), DSET("status", "pub")), 2);
    cr_assert_eq(dorm_bulk_update(T.cx, Article, objs, 2, "title"), 2);
    cr_assert_str_eq(seen, "");
}

/* pre_save sees the object before auto_now is set; a sender limits the
 * receiver to one model. */
static int see_updated(const dorm_signal_event *ev, void *payload) {
    const Person *p = ev->instance;
    line("%s updated set: %d", ev->signal == DORM_PRE_SAVE ? "pre" : "post", p->updated.usec != 0);
    (void)payload;
    return 0;
}

Test(signals, sender_and_field_pre_save_order) {
    cr_assert_eq(dorm_signal_connect(sigs, DORM_PRE_SAVE, &Person_model, see_updated, NULL, NULL), 0);
    cr_assert_eq(dorm_signal_connect(sigs, DORM_POST_SAVE, &Person_model, see_updated, NULL, NULL), 0);
    seen[0] = '\0';
    Person *p = dorm_new(T.cx, Person);
    p->name = "Ann";
    cr_assert_eq(dorm_save(p), 0);
    article("Not a person", p);
    cr_assert_str_eq(seen, "pre updated set: 0\npost updated set: 1\n");
    cr_assert(dorm_signal_has_listeners(sigs, DORM_PRE_SAVE, &Person_model));
    cr_assert_not(dorm_signal_has_listeners(sigs, DORM_PRE_SAVE, &Article_model));
}

/* A receiver's error stops the operation, as a Django receiver's exception. */
static int refuse(const dorm_signal_event *ev, void *payload) {
    (void)payload;
    return dorm_signal_fail(ev, DORM_EVALIDATION, "%s is read-only.", str(ev->sender, ev->instance));
}

Test(signals, failing_receivers) {
    Person *ann = person("Ann");
    article("Kept", ann);
    cr_assert_eq(dorm_signal_connect(sigs, DORM_PRE_SAVE, &Article_model, refuse, NULL, NULL), 0);
    cr_assert_null(dorm_create(T.cx, Article, .title = "Refused", .author = {ann->id, NULL}));
    cr_assert_eq(dorm_errcode(T.cx), DORM_EVALIDATION);
    cr_assert_str_eq(dorm_errmsg(T.cx), "Refused is read-only.");
    cr_assert_eq(dorm_count(dorm_all(T.cx, Article)), 1);
    cr_assert(dorm_signal_disconnect(sigs, DORM_PRE_SAVE, &Article_model, refuse, NULL, NULL));
    /* A pre_delete receiver's error rolls the whole cascade back. */
    cr_assert_eq(dorm_signal_connect(sigs, DORM_PRE_DELETE, &Article_model, refuse, NULL, NULL), 0);
    cr_assert_eq(dorm_delete(ann, NULL), DORM_EVALIDATION);
    cr_assert_str_eq(dorm_errmsg(T.cx), "Kept is read-only.");
    cr_assert_eq(dorm_count(dorm_all(T.cx, Person)), 1);
    cr_assert_eq(dorm_count(dorm_all(T.cx, Article)), 1);
    cr_assert_not(dorm_in_atomic(T.cx));
}

static int count_calls(const dorm_signal_event *ev, void *payload) {
    (void)ev;
    ++*(int *)payload;
    return 0;
}

/* connect() twice is one receiver; dispatch_uid names a receiver whatever
 * its payload; disconnect says whether it found one. */
Test(signals, connect_disconnect_dispatch_uid) {
    int a = 0, b = 0;
    cr_assert_eq(dorm_signal_connect(sigs, DORM_POST_SAVE, NULL, count_calls, &a, NULL), 0);
    cr_assert_eq(dorm_signal_connect(sigs, DORM_POST_SAVE, NULL, count_calls, &a, NULL), 0);
    cr_assert_eq(dorm_signal_connect(sigs, DORM_POST_SAVE, NULL, count_calls, &b, "uid"), 0);
    cr_assert_eq(dorm_signal_connect(sigs, DORM_POST_SAVE, NULL, count_calls, &a, "uid"), 0);
    person("x");
    cr_assert_eq(a, 1);
    cr_assert_eq(b, 1);
    cr_assert(dorm_signal_disconnect(sigs, DORM_POST_SAVE, NULL, NULL, NULL, "uid"));
    cr_assert_not(dorm_signal_disconnect(sigs, DORM_POST_SAVE, NULL, NULL, NULL, "uid"));
    cr_assert_not(dorm_signal_disconnect(sigs, DORM_POST_SAVE, &Person_model, count_calls, &a, NULL),
                  "connected for every sender, not for Person");
    cr_assert(dorm_signal_disconnect(sigs, DORM_POST_SAVE, NULL, count_calls, &a, NULL));
    cr_assert_not(dorm_signal_disconnect(sigs, DORM_POST_SAVE, NULL, count_calls, &a, NULL));
    person("y");
    cr_assert_eq(a, 1);
    cr_assert_eq(b, 1);
    cr_assert_not(dorm_signal_has_listeners(sigs, DORM_POST_SAVE, &Person_model));
    /* A connection without a set sends nothing. */
    cr_assert_eq(dorm_signal_connect(sigs, DORM_POST_SAVE, NULL, count_calls, &a, NULL), 0);
    dorm_db_set_signals(T.db, NULL);
    person("z");
    cr_assert_eq(a, 1);
}

/* A receiver that disconnects itself or connects another changes the next
 * send, not the one under way (Django lists the live receivers first). */
static int once(const dorm_signal_event *ev, void *payload) {
    (void)ev;
    ++*(int *)payload;
    dorm_signal_disconnect(sigs, DORM_POST_SAVE, NULL, once, payload, NULL);
    dorm_signal_connect(sigs, DORM_POST_SAVE, NULL, count_calls, payload, "late");
    return 0;
}

Test(signals, receivers_changed_while_sending) {
    int first = 0, after = 0;
    cr_assert_eq(dorm_signal_connect(sigs, DORM_POST_SAVE, NULL, once, &first, NULL), 0);
    cr_assert_eq(dorm_signal_connect(sigs, DORM_POST_SAVE, NULL, count_calls, &after, NULL), 0);
    person("x");
    cr_assert_eq(first, 1);
    cr_assert_eq(after, 1, "the receiver after the one that disconnected itself still ran");
    person("y");
    cr_assert_eq(first, 2, "once is gone; the late receiver (counting into its payload) ran instead");
    cr_assert_eq(after, 2);
}

/* The order Django 3.2 sends them in when Person P (articles a1, a2 with
 * comments c1..c3, review r1, nullable note n1) and Q (review r2) go:
 * dependents first (Collector.sort), each model's objects by pk, post_delete
 * in reverse after its model's rows. */
Test(signals, delete_order_through_a_cascade) {
    Person *p = person("P"), *q = person("Q");
    Article *a1 = article("a1", p), *a2 = article("a2", p);
    cr_assert_not_null(dorm_create(T.cx, Comment, .text = "c1", .article = {a1->id, NULL}));
    cr_assert_not_null(dorm_create(T.cx, Comment, .text = "c2", .article = {a2->id, NULL}));
    cr_assert_not_null(dorm_create(T.cx, Comment, .text = "c3", .article = {a1->id, NULL}));
    cr_assert_not_null(dorm_create(T.cx, Review, .text = "r1", .person = {p->id, NULL}));
    cr_assert_not_null(dorm_create(T.cx, Review, .text = "r2", .person = {q->id, NULL}));
    cr_assert_not_null(dorm_create(T.cx, Note, .text = "n1", .person = {p->id, NULL}));
    connect_all(DORM_PRE_DELETE, on_delete);
    connect_all(DORM_POST_DELETE, on_delete);
    seen[0] = '\0';
    dorm_deleted d;
    cr_assert_eq(dorm_qs_delete(dorm_all(T.cx, Person), &d), 0, "%s", dorm_errmsg(T.cx));
    cr_assert_str_eq(seen,
                     "pre_delete Comment c1\npre_delete Comment c2\npre_delete Comment c3\n"
                     "pre_delete Review r1\npre_delete Review r2\npre_delete Note n1\n"
                     "pre_delete Article a1\npre_delete Article a2\n"
                     "pre_delete Person P\npre_delete Person Q\n"
                     "post_delete Comment c3\npost_delete Comment c2\npost_delete Comment c1\n"
                     "post_delete Review r2\npost_delete Review r1\npost_delete Note n1\n"
                     "post_delete Article a2\npost_delete Article a1\n"
                     "post_delete Person Q\npost_delete Person P\n");
    cr_assert_str_eq(dorm_deleted_str(T.cx, &d),
                     "sig.Article: 2, sig.Comment: 3, sig.Note: 1, sig.Person: 2, sig.Review: 2");
}

/* Without receivers a QuerySet of a model nothing references is deleted by
 * one DELETE; a receiver turns the fast path off (Django's can_fast_delete)
 * and gets each object.  obj.delete() hands receivers the caller's object. */
Test(signals, fast_delete_only_without_receivers) {
    Person *p = person("P");
    cr_assert_not_null(dorm_create(T.cx, Review, .text = "r1", .person = {p->id, NULL}));
    Review *r2 = dorm_create(T.cx, Review, .text = "r2", .person = {p->id, NULL});
    test_log_start();
    cr_assert_eq(dorm_qs_delete(dorm_filter(dorm_all(T.cx, Review), DQ("text", "r1")), NULL), 0);
    const char *sqls = test_sql_std(test_log_stop());
    const char *want = "DELETE FROM \"sig_review\" WHERE \"sig_review\".\"text\" = ?";
    cr_assert(strstr(sqls, want) && !strstr(sqls, "SELECT"), "one DELETE: %s", sqls);
    cr_assert_eq(dorm_signal_connect(sigs, DORM_POST_DELETE, &Review_model, on_delete, NULL, NULL), 0);
    seen[0] = '\0';
    cr_assert_eq(dorm_delete(r2, NULL), 0);
    cr_assert_str_eq(seen, "post_delete Review r2\n", "the caller's object (its pk is cleared after)");
    cr_assert_eq(r2->id, 0);
    cr_assert_not_null(dorm_create(T.cx, Review, .text = "r3", .person = {p->id, NULL}));
    test_log_start();
    seen[0] = '\0';
    cr_assert_eq(dorm_qs_delete(dorm_all(T.cx, Review), NULL), 0);
    sqls = test_sql_std(test_log_stop());
    cr_assert_str_eq(seen, "post_delete Review r3\n");
    cr_assert(strstr(sqls, "|SELECT \"sig_review\".\"id\", \"sig_review\".\"text\"") && strstr(sqls, "|DELETE"),
              "objects fetched first: %s", sqls);
}

/* ---- m2m_changed ---------------------------------------------------------- */

static Label *label(const char *slug) {
    Label *l = dorm_create(T.cx, Label, .slug = slug);
    cr_assert_not_null(l, "%s", dorm_errmsg(T.cx));
    return l;
}

/* The pk_set as slugs (labels) or titles (articles), sorted. */
static int on_m2m(const dorm_signal_event *ev, void *payload) {
    (void)payload;
    char items[256] = "None";
    if (ev->pk_set) {
        const char *names[16];
        size_t n = 0;
        for (size_t i = 0; i < ev->npk && n < 16; i++) {
            const dorm_model *m = ev->model;
            void *obj = dorm_first(dorm_filter(dorm_qs_all(ev->cx, m), DQ("pk", ev->pk_set[i].u.i)));
            names[n++] = obj ? str(m, obj) : "missing";
        }
        for (size_t i = 1; i < n; i++)
            for (size_t k = i; k > 0 && strcmp(names[k - 1], names[k]) > 0; k--) {
                const char *t = names[k];
                names[k] = names[k - 1];
                names[k - 1] = t;
            }
        items[0] = '\0';
        for (size_t i = 0; i < n; i++)
            snprintf(items + strlen(items), sizeof items - strlen(items), "%s%s", i ? "," : "", names[i]);
    }
    const dorm_model *owner = ev->reverse ? &Label_model : &Article_model;
    line("m2m_changed %s %s reverse=%d model=%s pk_set=%s", ev->action, str(owner, ev->instance), ev->reverse,
         ev->model->name, items);
    return 0;
}

/* The transcript's m2m section, with the Django 3.2 lines it prints. */
Test(signals, m2m_changed) {
    const dorm_model *through = dorm_through(T.cx, &Article_model, "labels");
    cr_assert_not_null(through);
    cr_assert_str_eq(through->name, "Article_labels");
    cr_assert_eq(dorm_signal_connect(sigs, DORM_M2M_CHANGED, through, on_m2m, NULL, NULL), 0);
    connect_all(DORM_PRE_DELETE, on_delete);
    connect_all(DORM_POST_DELETE, on_delete);
    Label *classic = label("classic"), *poetry = label("poetry"), *rare = label("rare");
    Label *missing = dorm_new(T.cx, Label);
    missing->id = 999;
    missing->slug = "missing";
    ((dorm_object *)missing)->flags = DORM_OBJ_FROM_DB;
    Person *finn = person("Finn");
    Article *art = article("Verse", finn), *shelving = article("Shelving", finn);
    seen[0] = '\0';
    cr_assert_eq(dorm_related_add(art, "labels", (void *[]){classic, poetry}, 2), 0, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_related_add(art, "labels", (void *[]){poetry, rare}, 2), 0);
    cr_assert_eq(dorm_related_remove(art, "labels", (void *[]){rare, missing}, 2), 0);
    cr_assert_eq(dorm_related_set(art, "labels", (void *[]){poetry, rare}, 2), 0);
    cr_assert_eq(dorm_related_add(classic, "articles", (void *[]){shelving}, 1), 0);
    cr_assert_eq(dorm_related_clear(art, "labels"), 0);
    cr_assert_eq(dorm_related_set(art, "labels", (void *[]){poetry}, 1), 0);
    cr_assert_eq(dorm_related_set(art, "labels", (void *[]){poetry}, 1), 0, "nothing to do: no signals");
    dorm_deleted d;
    cr_assert_eq(dorm_delete(art, &d), 0);
    cr_assert_str_eq(dorm_deleted_str(T.cx, &d), "sig.Article: 1, sig.Article_labels: 1");
    cr_assert_str_eq(seen,
                     "m2m_changed pre_add Verse reverse=0 model=Label pk_set=classic,poetry\n"
                     "m2m_changed post_add Verse reverse=0 model=Label pk_set=classic,poetry\n"
                     "m2m_changed pre_add Verse reverse=0 model=Label pk_set=rare\n"
                     "m2m_changed post_add Verse reverse=0 model=Label pk_set=rare\n"
                     "m2m_changed pre_remove Verse reverse=0 model=Label pk_set=missing,rare\n"
                     "m2m_changed post_remove Verse reverse=0 model=Label pk_set=missing,rare\n"
                     "m2m_changed pre_remove Verse reverse=0 model=Label pk_set=classic\n"
                     "m2m_changed post_remove Verse reverse=0 model=Label pk_set=classic\n"
                     "m2m_changed pre_add Verse reverse=0 model=Label pk_set=rare\n"
                     "m2m_changed post_add Verse reverse=0 model=Label pk_set=rare\n"
                     "m2m_changed pre_add classic reverse=1 model=Article pk_set=Shelving\n"
                     "m2m_changed post_add classic reverse=1 model=Article pk_set=Shelving\n"
                     "m2m_changed pre_clear Verse reverse=0 model=Label pk_set=None\n"
                     "m2m_changed post_clear Verse reverse=0 model=Label pk_set=None\n"
                     "m2m_changed pre_add Verse reverse=0 model=Label pk_set=poetry\n"
                     "m2m_changed post_add Verse reverse=0 model=Label pk_set=poetry\n"
                     "pre_delete Article Verse\n"
                     "post_delete Article Verse\n");
}

/* Adding only pairs that are there already still sends pre_add/post_add,
 * with an empty pk_set, as Django's add() does. */
Test(signals, m2m_add_of_existing_pairs) {
    const dorm_model *through = dorm_through(T.cx, &Article_model, "labels");
    Label *l = label("l");
    Article *a = article("A", person("P"));
    cr_assert_eq(dorm_related_add(a, "labels", (void *[]){l}, 1), 0);
    cr_assert_eq(dorm_signal_connect(sigs, DORM_M2M_CHANGED, through, on_m2m, NULL, NULL), 0);
    seen[0] = '\0';
    cr_assert_eq(dorm_related_add(a, "labels", (void *[]){l}, 1), 0);
    cr_assert_str_eq(seen,
                     "m2m_changed pre_add A reverse=0 model=Label pk_set=\n"
                     "m2m_changed post_add A reverse=0 model=Label pk_set=\n");
}

/* loaddata saves raw: signals say so, and auto_now keeps the fixture's
 * value (Django's save_base(raw=True)). */
Test(signals, loaddata_is_raw) {
    const char *dir = test_tmpdir_make("dorm-sig");
    (void)dir;
    test_write_file("p.json",
                    "[{\"model\": \"sig.person\", \"pk\": 7, \"fields\": {\"name\": \"Fixture\", "
                    "\"updated\": \"2001-02-03T04:05:06Z\"}}]");
    connect_all(DORM_PRE_SAVE, on_save);
    connect_all(DORM_POST_SAVE, on_save);
    seen[0] = '\0';
    cr_assert_eq(dorm_loaddata(T.cx, DORM_LIST(test_tmpdir_path("p.json")), NULL), 0, "%s", dorm_errmsg(T.cx));
    test_tmpdir_remove();
    cr_assert_str_eq(seen,
                     "pre_save Person Fixture update_fields=None raw=1\n"
                     "post_save Person Fixture created=1 raw=1\n");
    Person *p = dorm_get(dorm_all(T.cx, Person), DQ("pk", 7));
    cr_assert_not_null(p);
    char text[DORM_FMT_MAX];
    dorm_datetime_format(p->updated, text);
    cr_assert_str_eq(text, "2001-02-03 04:05:06");
}

static int on_migrate(const dorm_signal_event *ev, void *payload) {
    (void)payload;
    line("%s %s verbosity=%d", ev->signal == DORM_PRE_MIGRATE ? "pre_migrate" : "post_migrate", ev->app->label,
         ev->verbosity);
    return 0;
}

/* pre_migrate and post_migrate go to every app, also with nothing to apply. */
Test(signals, migrate) {
    cr_assert_eq(dorm_signal_connect(sigs, DORM_PRE_MIGRATE, NULL, on_migrate, NULL, NULL), 0);
    cr_assert_eq(dorm_signal_connect(sigs, DORM_POST_MIGRATE, &sig_app, on_migrate, NULL, NULL), 0);
    seen[0] = '\0';
    dorm_migrate_opts o = {.verbosity = 0};
    cr_assert_eq(dorm_migrate(T.cx, (const dorm_app *const[]){&sig_app, &test_empty_app, NULL}, &o), 0, "%s",
                 dorm_errmsg(T.cx));
    cr_assert_str_eq(seen, "pre_migrate sig verbosity=0\npre_migrate none verbosity=0\npost_migrate sig verbosity=0\n");
}
