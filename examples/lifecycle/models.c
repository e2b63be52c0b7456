/* models.c - field tables, Meta, managers and methods of the lifecycle
 * app's models (acceptance/lifecycle/models.py); the custom field types are
 * in fields.c, the router in router.c. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "models.h"

/* ---- 1. inheritance ---- */

static const dorm_field TimeStamped_fields[] = {
    DORM_DATETIME(TimeStamped, created, .auto_now_add = true),
    DORM_DATETIME(TimeStamped, updated, .auto_now = true),
    DORM_END,
};
const dorm_model TimeStamped_model = DORM_MODEL(TimeStamped, "lifecycle", TimeStamped_fields, .abstract = true);

static const char *person_str(const void *obj) { return ((const Person *)obj)->name; }

static const dorm_field Person_fields[] = {
    DORM_AUTO(Person, id),
    DORM_PARENT(Person, stamped, TimeStamped),
    DORM_CHAR(Person, name, .max_length = 100),
    DORM_END,
};
const dorm_model Person_model =
    DORM_MODEL(Person, "lifecycle", Person_fields, .ordering = DORM_LIST("name"), .str = person_str);

/* A child inherits its parent's ordering and __str__. */
static const char *staff_str(const void *obj) { return ((const Staff *)obj)->person.name; }

static const dorm_field Staff_fields[] = {
    DORM_PARENT(Staff, person, Person),
    DORM_PARENT_LINK(Staff, person_ptr, Person),
    DORM_CHAR(Staff, role, .max_length = 50),
    DORM_END,
};
const dorm_model Staff_model = DORM_MODEL(Staff, "lifecycle", Staff_fields, .str = staff_str);

/* PatronManager.get_queryset(): persons who are not staff. */
static dorm_qs *not_staff(dorm_qs *qs) { return dorm_filter(qs, DQ("staff__isnull", true)); }

static const char *patron_str(const void *obj) { return ((const Patron *)obj)->person.name; }

static const dorm_field Patron_fields[] = {DORM_PARENT(Patron, person, Person), DORM_END};
const dorm_model Patron_model =
    DORM_MODEL(Patron, "lifecycle", Patron_fields, .proxy = true, .ordering = DORM_LIST("-name"),
               .managers = DORM_MANAGERS({"objects", not_staff, NULL}), .str = patron_str);

const char *patron_badge(const Patron *p, char *buf, size_t size) {
    int n = snprintf(buf, size, "Patron card: ");
    for (const char *c = p->person.name; *c && (size_t)n + 1 < size; c++) buf[n++] = (char)toupper((unsigned char)*c);
    buf[n] = '\0';
    return buf;
}

/* ---- 2. managers and querysets ---- */

/* SoftDeleteQuerySet.delete(): self.update(deleted_at=timezone.now()). */
static int soft_delete(dorm_qs *qs, dorm_deleted *out) {
    int64_t n = dorm_update(qs, DSET("deleted_at", dorm_datetime_now()));
    if (n < 0) return (int)n;
    if (out) memset(out, 0, sizeof *out), out->total = n;
    return DORM_OK;
}
static const dorm_qs_class SoftDeleteQuerySet = {.name = "SoftDeleteQuerySet", .delete_fn = soft_delete};

dorm_qs *notices_alive(dorm_qs *qs) { return dorm_filter(qs, DQ("deleted_at__isnull", true)); }
dorm_qs *notices_dead(dorm_qs *qs) { return dorm_filter(qs, DQ("deleted_at__isnull", false)); }
/* hard_delete(): super().delete(). */
int notices_hard_delete(dorm_qs *qs, dorm_deleted *out) { return dorm_qs_base_delete(qs, out); }

/* Notice.delete(): the row stays, its deleted_at set. */
static int notice_delete(void *obj, dorm_deleted *out) {
    Notice *n = obj;
    n->deleted_at = dorm_datetime_now();
    if (out) memset(out, 0, sizeof *out);
    return dorm_save_fields(n, "deleted_at");
}

static const char *notice_str(const void *obj) { return ((const Notice *)obj)->title; }

static const dorm_field Notice_fields[] = {
    DORM_AUTO(Notice, id),
    DORM_CHAR(Notice, title, .max_length = 100),
    DORM_DATETIME(Notice, deleted_at, .null = true, .blank = true),
    DORM_END,
};
/* objects = SoftDeleteManager() (from_queryset, get_queryset narrowed);
 * all_objects = SoftDeleteQuerySet.as_manager(). */
const dorm_model Notice_model = DORM_MODEL(Notice, "lifecycle", Notice_fields, .ordering = DORM_LIST("title"),
                                           .managers = DORM_MANAGERS({"objects", notices_alive, &SoftDeleteQuerySet},
                                                                     {"all_objects", NULL, &SoftDeleteQuerySet}),
                                           .delete_fn = notice_delete, .str = notice_str);

static const char *label_str(const void *obj) { return ((const Label *)obj)->slug; }

static const dorm_field Label_fields[] = {
    DORM_SLUG(Label, slug, .max_length = 30, .primary_key = true),
    DORM_END,
};
const dorm_model Label_model =
    DORM_MODEL(Label, "lifecycle", Label_fields, .ordering = DORM_LIST("slug"), .str = label_str);

dorm_qs *articles_published(dorm_qs *qs) { return dorm_filter(qs, DQ("status", "pub")); }
dorm_qs *articles_drafts(dorm_qs *qs) { return dorm_filter(qs, DQ("status", "draft")); }
dorm_qs *articles_by_author(dorm_qs *qs, const char *name) { return dorm_filter(qs, DQ("author__name", name)); }

const char *articles_titles(dorm_qs *qs) {
    dorm_ctx *cx = dorm_qs_ctx(qs);
    size_t n;
    const dorm_row **rows = dorm_rows(dorm_values_flat(qs, "title"), &n);
    const char *out = rows ? "" : NULL;
    for (size_t i = 0; out && i < n; i++) out = dorm_sprintf(cx, "%s%s%s", out, i ? ", " : "", rows[i]->values[0].u.s);
    return out;
}

static const dorm_qs_class ArticleQuerySet = {.name = "ArticleQuerySet"};

static const char *article_str(const void *obj) { return ((const Article *)obj)->title; }

static const dorm_field Article_fields[] = {
    DORM_AUTO(Article, id),
    DORM_CHAR(Article, title, .max_length = 100),
    DORM_FOREIGN_KEY(Article, author, Person, .on_delete = DORM_CASCADE, .related_name = "articles"),
    DORM_CHAR(Article, status, .max_length = 5, .default_value = DORM_VTEXT("draft"),
              .choices = DORM_CHOICES({DORM_VTEXT("draft"), "Draft"}, {DORM_VTEXT("pub"), "Published"})),
    DORM_MANY_TO_MANY(Article, labels, Label, .blank = true, .related_name = "articles"),
    DORM_END,
};
/* objects = ArticleQuerySet.as_manager(); live = PublishedManager(). */
const dorm_model Article_model = DORM_MODEL(
    Article, "lifecycle", Article_fields, .ordering = DORM_LIST("title"),
    .managers = DORM_MANAGERS({"objects", NULL, &ArticleQuerySet}, {"live", articles_published, &ArticleQuerySet}),
    .str = article_str);

/* ---- 4. validation ---- */

static bool is_even(const dorm_value *value, const void *payload) {
    (void)payload;
    return value->u.i % 2 == 0;
}

/* Membership.clean() */
static int membership_clean(void *obj, dorm_verrors *errors) {
    Membership *m = obj;
    if (!dorm_is_null(m, ends) && !dorm_is_null(m, starts) && dorm_date_to_days(m->ends) < dorm_date_to_days(m->starts))
        return dorm_verror_add(errors, NULL, NULL, "Membership ends before it starts.");
    return DORM_OK;
}

static const char *membership_str(const void *obj) { return ((const Membership *)obj)->code; }

static const dorm_field Membership_fields[] = {
    DORM_AUTO(Membership, id),
    DORM_CHAR(Membership, code, .max_length = 5, .unique = true,
              .validators = DORM_VALIDATORS(
                  DORM_REGEX("^[A-Z]{2}[0-9]{3}$", .message = "Code must be two capitals and three digits."))),
    DORM_CHAR(Membership, name, .max_length = 20),
    DORM_CHAR(Membership, nickname, .max_length = 20, .blank = true),
    DORM_CHAR(Membership, level, .max_length = 1,
              .choices = DORM_CHOICES({DORM_VTEXT("B"), "Basic"}, {DORM_VTEXT("P"), "Premium"})),
    DORM_INT(Membership, age, .validators = DORM_VALIDATORS(DORM_MIN_VALUE(12), DORM_MAX_VALUE(120))),
    DORM_INT(Membership, slots, .default_value = DORM_VINT(2),
             .validators = DORM_VALIDATORS(
                 DORM_VALIDATOR(is_even, NULL, .message = "%(value)s is not an even number.", .code = "odd"))),
    DORM_CHAR(Membership, city, .max_length = 30),
    DORM_INT(Membership, card_no),
    DORM_DATE(Membership, starts),
    DORM_DATE(Membership, ends, .null = true, .blank = true),
    DORM_END,
};
const dorm_model Membership_model =
    DORM_MODEL(Membership, "lifecycle", Membership_fields, .ordering = DORM_LIST("code"),
               .unique_together = DORM_UNIQUE_TOGETHER(DORM_LIST("city", "card_no")), .clean = membership_clean,
               .str = membership_str);

/* ---- 5. transactions ---- */

static const char *account_str(const void *obj) { return ((const Account *)obj)->name; }

static const dorm_field Account_fields[] = {
    DORM_AUTO(Account, id),
    DORM_CHAR(Account, name, .max_length = 30, .unique = true),
    DORM_INT(Account, balance, .default_value = DORM_VINT(0)),
    DORM_END,
};
const dorm_model Account_model =
    DORM_MODEL(Account, "lifecycle", Account_fields, .ordering = DORM_LIST("name"), .str = account_str);

/* ---- 7. several databases ---- */

static const char *loan_str(const void *obj) { return ((const ArchivedLoan *)obj)->title; }

static const dorm_field ArchivedLoan_fields[] = {
    DORM_AUTO(ArchivedLoan, id),
    DORM_CHAR(ArchivedLoan, title, .max_length = 100),
    DORM_CHAR(ArchivedLoan, borrower, .max_length = 100),
    DORM_DATE(ArchivedLoan, returned_on),
    DORM_FOREIGN_KEY(ArchivedLoan, person, Person, .null = true, .blank = true, .on_delete = DORM_DO_NOTHING,
                     .no_db_constraint = true, .related_name = "+"),
    DORM_END,
};
const dorm_model ArchivedLoan_model = DORM_MODEL(ArchivedLoan, "lifecycle", ArchivedLoan_fields,
                                                 .ordering = DORM_LIST("returned_on", "title"), .str = loan_str);

static const char *snapshot_str(const void *obj) { return ((const Snapshot *)obj)->label; }

static const dorm_field Snapshot_fields[] = {
    DORM_AUTO(Snapshot, id),
    DORM_CHAR(Snapshot, label, .max_length = 50),
    DORM_END,
};
const dorm_model Snapshot_model =
    DORM_MODEL(Snapshot, "lifecycle", Snapshot_fields, .ordering = DORM_LIST("label"), .str = snapshot_str);

/* ---- 8. field types of the program's own ---- */

static const char *purchase_str(const void *obj) { return ((const Purchase *)obj)->title; }

static const dorm_field Purchase_fields[] = {
    DORM_AUTO(Purchase, id),
    DORM_CHAR(Purchase, title, .max_length = 100),
    DORM_CUSTOM(Purchase, price, MoneyField),
    DORM_CUSTOM(Purchase, tags, TagListField, .blank = true),
    DORM_END,
};
const dorm_model Purchase_model =
    DORM_MODEL(Purchase, "lifecycle", Purchase_fields, .ordering = DORM_LIST("title"), .str = purchase_str);

const dorm_app lifecycle_app = {
    .label = "lifecycle",
    .models = DORM_MODELS(&TimeStamped_model, &Person_model, &Staff_model, &Patron_model, &Notice_model, &Label_model,
                          &Article_model, &Membership_model, &Account_model, &ArchivedLoan_model, &Snapshot_model,
                          &Purchase_model),
};
