/* checks.c - Django's system checks on the registered models (the ones that
 * apply to what dorm models declare): field names, max_length, decimal
 * digits, primary keys, relations, ordering, indexes, choices. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/checks.h"
#include "model/custom.h"
#include "model/regex.h"

/* The names the checks below were written with. */
typedef dorm_checker checker;
static void (*const report)(checker *c, const char *where, const char *id, const char *fmt, ...) = dorm_checks__report;
static void (*const hint)(checker *c, const char *fmt, ...) = dorm_checks__hint;

/* Whether `path` ("author__name", "pk") names a field reachable by forward
 * relations from m. */
static bool path_exists(const dorm_meta *m, const char *path) {
    while (m) {
        const char *sep = strstr(path, "__");
        size_t n = sep ? (size_t)(sep - path) : strlen(path);
        const dorm_fmeta *fm = (n == 2 && strncmp(path, "pk", 2) == 0) ? m->pk : dorm_meta__fieldn(m, path, n);
        if (!fm) return false;
        if (!sep) return true;
        m = fm->target;
        path = sep + 2;
    }
    return false;
}

static void check_name(checker *c, const char *where, const dorm_field *f) {
    size_t len = strlen(f->name);
    if (len && f->name[len - 1] == '_') report(c, where, "fields.E001", "Field names must not end with an underscore.");
    if (strstr(f->name, "__")) report(c, where, "fields.E002", "Field names must not contain \"__\".");
    if (strcmp(f->name, "pk") == 0)
        report(c, where, "fields.E003", "'pk' is a reserved word that cannot be used as a field name.");
}

/* A ManyToManyField: its target, its join model and that model's keys. */
static void check_m2m(checker *c, const dorm_meta *m, const dorm_field *f, char *where, size_t wlen) {
    snprintf(where, wlen, "%s.%s", m->label, f->name);
    check_name(c, where, f);
    if (dorm_meta__field(m, f->name))
        report(c, where, "models.E006", "The field '%s' clashes with the field '%s' from model '%s'.", f->name, f->name,
               m->label_lower);
    const dorm_meta *t = f->to ? dorm_meta__of(m->reg, f->to) : NULL;
    const dorm_meta *composite = dorm_fmeta_composite(m->pk) ? m : t && dorm_fmeta_composite(t->pk) ? t : NULL;
    if (composite) {
        report(c, where, "fields.E347",
               "Field defines a relation involving model '%s' which has a CompositePrimaryKey and such relations are "
               "not supported.",
               composite->model->name);
        return;
    }
    if (!t) {
        report(c, where, "fields.E300",
               "Field defines a relation with model '%s', which is either not installed, or is abstract.",
               f->to && f->to->name ? f->to->name : "?");
        return;
    }
    const dorm_rel *fwd = NULL;
    for (int i = 0; i < m->nm2m && !fwd; i++)
        if (m->m2m[i].m2m == f && m->m2m[i].model == t && strcmp(m->m2m[i].name, f->name) == 0) fwd = &m->m2m[i];
    if (f->through && !dorm_meta__of(m->reg, f->through))
        report(c, where, "fields.E331",
               "Field specifies a many-to-many relation through model '%s', which has not been installed.",
               f->through->name ? f->through->name : "?");
    else if (fwd && fwd->through && !fwd->fk)
        report(c, fwd->through->label, "fields.E336",
               "The model is used as an intermediate model by '%s', but it does not have a foreign key to '%s' or "
               "'%s'.",
               where, m->model->name, t->model->name);
    else if (!t->pk)
        report(c, where, "fields.E300", "Field defines a relation with model '%s', which has no primary key.",
               t->label);
}

/* The field a ForeignKey stores: unique, and of a kind its member holds. */
static void check_key(checker *c, const char *where, const dorm_fmeta *fm) {
    const dorm_field *key = dorm_key_root(fm->target_pk)->f;
    if (!key->unique && !key->primary_key && !dorm_checks__unique_alone(fm->target, key->name)) {
        report(c, where, "fields.E311", "'%s.%s' must be unique because it is referenced by a foreign key.",
               fm->target->model->name, key->name);
        hint(c,
             "Add unique=True to this field or add a UniqueConstraint (without condition) in the model "
             "Meta.constraints.");
    }
    bool text = dorm_kind_is_text(key->kind) && key->kind != DORM_KIND_JSON, uuid = key->kind == DORM_KIND_UUID;
    bool integer = dorm_kind__is_auto(key->kind) || key->kind == DORM_KIND_INT || key->kind == DORM_KIND_BIGINT ||
        key->kind == DORM_KIND_SMALLINT || key->kind == DORM_KIND_POSINT || key->kind == DORM_KIND_POSSMALLINT;
    const char *target = fm->target->model->name;
    char want[160];
    snprintf(want, sizeof want,
             text       ? "DORM_FK_TO(%s, const char *)"
                 : uuid ? "DORM_FK_TO(%s, dorm_uuid)"
                        : "DORM_FK(%s)",
             target);
    if (!text && !integer && !uuid)
        report(c, where, "dorm.E011", "dorm keys a ForeignKey by an integer, text or UUID field; '%s.%s' is a %s.",
               target, key->name, dorm_field__class(key));
    else if (text != fm->f->text_key || uuid != fm->f->uuid_key)
        report(c, where, "dorm.E012", "A ForeignKey to the %s field '%s.%s' needs a %s member.",
               text       ? "text"
                   : uuid ? "UUID"
                          : "integer",
               target, key->name, want);
}

/* A field's validators: each complete, each pattern compiled (the registry
 * compiled them; one that failed is compiled again for the reason). */
static void check_validators(checker *c, const dorm_fmeta *fm, const char *where) {
    for (size_t i = 0; fm->f->validators && fm->f->validators[i].kind; i++) {
        const dorm_validator *v = &fm->f->validators[i];
        bool length = v->kind == DORM_VALIDATOR_MIN_LENGTH || v->kind == DORM_VALIDATOR_MAX_LENGTH;
        if (v->kind > DORM_VALIDATOR_FUNCTION || (v->kind == DORM_VALIDATOR_FUNCTION && !v->fn) ||
            (length && v->limit.type != DORM_T_INT) ||
            ((v->kind == DORM_VALIDATOR_MIN_VALUE || v->kind == DORM_VALIDATOR_MAX_VALUE) &&
             v->limit.type <= DORM_T_NULL))
            report(c, where, "dorm.E025", "Validator %zu is incomplete (kind %d without its limit or function).", i + 1,
                   (int)v->kind);
        if (v->kind != DORM_VALIDATOR_REGEX || fm->regexes[i]) continue;
        char why[160];
        void *re = NULL;
        if (dorm_regex__compile(v->regex, v->flags, &re, why, sizeof why) == DORM_OK) {
            dorm_regex__free(re);
            continue;
        }
        report(c, where, "dorm.E024", "The regular expression '%s' of validator %zu does not compile: %s.",
               v->regex ? v->regex : "", i + 1, why[0] ? why : "out of memory");
    }
}

/* Whether no other field type of the registry has the name of t. */
/* CharField and its subclasses: the fields whose max_length Django checks. */
static bool is_char(dorm_kind k) {
    return k == DORM_KIND_CHAR || k == DORM_KIND_SLUG || k == DORM_KIND_EMAIL || k == DORM_KIND_URL;
}

static bool same_name_once(const dorm_registry *reg, const dorm_field_type *t) {
    for (int i = 0; i < reg->nmodels; i++)
        for (int j = 0; j < reg->metas[i]->nfields; j++) {
            const dorm_field *f = reg->metas[i]->fields[j].f;
            if (f->kind == DORM_KIND_CUSTOM && f->type && f->type != t && f->type->name &&
                strcmp(f->type->name, t->name) == 0)
                return false;
        }
    return true;
}

static void check_field(checker *c, const dorm_meta *m, const dorm_fmeta *fm, char *where, size_t wlen) {
    const dorm_field *f = fm->f;
    snprintf(where, wlen, "%s.%s", m->label, f->name);
    check_name(c, where, f);
    check_validators(c, fm, where);
    if (f->kind <= DORM_KIND_NONE || f->kind >= DORM_KIND__COUNT) {
        report(c, where, "dorm.E002", "Unknown field kind %d.", (int)f->kind);
        return;
    }
    if (f->kind == DORM_KIND_CUSTOM) {
        char msg[256];
        const char *id = dorm_field__type_check(f, msg, sizeof msg);
        if (id)
            report(c, where, id, "%s", msg);
        else if (!same_name_once(m->reg, f->type))
            report(c, where, "dorm.E028", "Another field type is also named '%s': migration files name types by it.",
                   f->type->name);
    }
    if (f->kind == DORM_KIND_CHAR) {
        if (f->max_length == 0) report(c, where, "fields.E120", "CharFields must define a 'max_length' attribute.");
    }
    if (is_char(f->kind) && f->max_length < 0)
        report(c, where, "fields.E121", "'max_length' must be a positive integer.");
    if (f->kind == DORM_KIND_DECIMAL) {
        if (f->decimal_places < 0) report(c, where, "fields.E131", "'decimal_places' must be a non-negative integer.");
        if (f->max_digits == 0)
            report(c, where, "fields.E132", "DecimalFields must define a 'max_digits' attribute.");
        else if (f->max_digits < 0)
            report(c, where, "fields.E133", "'max_digits' must be a positive integer.");
        else if (f->max_digits < f->decimal_places)
            report(c, where, "fields.E134", "'max_digits' must be greater or equal to 'decimal_places'.");
        else if (f->max_digits > DORM_DECIMAL_DIGITS)
            report(c, where, "dorm.E003", "dorm stores decimals exactly in %d digits: 'max_digits' must be at most %d.",
                   DORM_DECIMAL_DIGITS, DORM_DECIMAL_DIGITS);
    }
    if (f->primary_key && f->null) {
        report(c, where, "fields.E007", "Primary keys must not have null=True.");
        hint(c, "Set null=False on the field, or remove primary_key=True argument.");
    }
    if (f->kind == DORM_KIND_IMAGE && !dorm_images_supported()) {
        report(c, where, "fields.E210",
               "Cannot use ImageField because libdorm was built without image support (libpng, libjpeg).");
        hint(c, "Install libpng and libjpeg (their -dev packages) and build libdorm again.");
    }
    const char *dims[2] = {f->kind == DORM_KIND_IMAGE ? f->width_field : NULL,
                           f->kind == DORM_KIND_IMAGE ? f->height_field : NULL};
    for (int i = 0; i < 2; i++) {
        const dorm_fmeta *d = dims[i] ? dorm_meta__field(m, dims[i]) : NULL;
        if (dims[i] &&
            (!d ||
             !(d->f->kind == DORM_KIND_INT || d->f->kind == DORM_KIND_POSINT || d->f->kind == DORM_KIND_SMALLINT ||
               d->f->kind == DORM_KIND_POSSMALLINT || d->f->kind == DORM_KIND_BIGINT)))
            report(c, where, "dorm.E036", "'%s' must name an integer field of the model for the image's %s.", dims[i],
                   i ? "height" : "width");
    }
    if ((f->auto_now || f->auto_now_add) && f->kind != DORM_KIND_DATE && f->kind != DORM_KIND_DATETIME &&
        f->kind != DORM_KIND_TIME)
        report(c, where, "dorm.E004", "'auto_now' and 'auto_now_add' apply to date and time fields only.");
    bool has_default = f->default_value.type != DORM_T_NONE || f->default_fn;
    if (f->auto_now + f->auto_now_add + has_default > 1)
        report(c, where, "fields.E160",
               "The options auto_now, auto_now_add, and default are mutually exclusive. "
               "Only one of these options may be present.");
    if (f->choices && f->max_length > 0) {
        int longest = 0;
        for (const dorm_choice *ch = f->choices; ch->label; ch++)
            if (ch->value.type == DORM_T_TEXT && ch->value.u.s && (int)strlen(ch->value.u.s) > longest)
                longest = (int)strlen(ch->value.u.s);
        if (longest > f->max_length)
            report(c, where, "fields.E009",
                   "'max_length' is too small to fit the longest value in 'choices' (%d characters).", longest);
    }
    if (f->kind == DORM_KIND_FK && fm->target && dorm_fmeta_composite(fm->target->pk))
        report(c, where, "fields.E347",
               "Field defines a relation involving model '%s' which has a CompositePrimaryKey and such relations are "
               "not supported.",
               fm->target->model->name);
    else if (f->kind == DORM_KIND_FK) {
        if (!f->to || !fm->target)
            report(c, where, "fields.E300",
                   "Field defines a relation with model '%s', which is either not installed, or is abstract.",
                   f->to && f->to->name ? f->to->name : "?");
        else if (!fm->target->pk)
            report(c, where, "fields.E300", "Field defines a relation with model '%s', which has no primary key.",
                   fm->target->label);
        else if (!fm->target_pk)
            report(c, where, "fields.E312", "The to_field '%s' doesn't exist on the related model '%s'.", f->to_field,
                   fm->target->label);
        else
            check_key(c, where, fm);
        if (f->on_delete == DORM_ON_DELETE_UNSET)
            report(c, where, "dorm.E005", "ForeignKey must set on_delete (DORM_CASCADE, DORM_PROTECT, ...).");
        if (f->on_delete == DORM_SET_NULL && !f->null) {
            report(c, where, "fields.E320", "Field specifies on_delete=SET_NULL, but cannot be null.");
            hint(c, "Set null=True argument on the field, or change the on_delete rule.");
        }
        if (f->on_delete == DORM_SET_DEFAULT && f->default_value.type == DORM_T_NONE && !f->default_fn) {
            report(c, where, "fields.E321", "Field specifies on_delete=SET_DEFAULT, but has no default value.");
            hint(c, "Set a default value, or change the on_delete rule.");
        }
        if (f->on_delete == DORM_SET && f->on_delete_set.type == DORM_T_NONE && !f->on_delete_set_fn)
            report(c, where, "dorm.E014",
                   "Field specifies on_delete=DORM_SET, but no .on_delete_set value or function.");
        if (f->on_delete == DORM_SET && f->on_delete_set.type == DORM_T_NULL && !f->on_delete_set_fn && !f->null) {
            report(c, where, "fields.E320", "Field specifies on_delete=SET(None), but cannot be null.");
            hint(c, "Set null=True argument on the field, or change the on_delete rule.");
        }
    } else if (f->to) {
        report(c, where, "dorm.E006", "Only relation fields may set 'to'.");
    }
    dorm_checks__field(c, fm, where);
}

static bool is_m2m(const dorm_meta *m, const char *name) {
    for (const dorm_field *f = m->table; f && f->name; f++)
        if (f->kind == DORM_KIND_M2M && strcmp(f->name, name) == 0) return true;
    return false;
}

static void check_names(checker *c, const dorm_meta *m, const char *what, const char *id, const char *const *names) {
    for (size_t i = 0; names && names[i]; i++) {
        const char *n = names[i];
        if (strcmp(what, "ordering") == 0 && strcmp(n, "?") == 0) continue;
        if (n[0] == '-') n++;
        bool ordering = strcmp(what, "ordering") == 0;
        const dorm_fmeta *fm = ordering ? NULL : dorm_meta__field(m, n);
        bool ok = ordering ? path_exists(m, n) : fm != NULL;
        if (fm && fm->inherited) {
            report(c, m->label, "models.E016", "'%s' refers to field '%s' which is not local to model '%s'.", what, n,
                   m->model->name);
            hint(c, "This issue may be caused by multi-table inheritance.");
            continue;
        }
        if (!ordering && !fm && is_m2m(m, n)) {
            report(c, m->label, "models.E013",
                   "'%s' refers to a ManyToManyField '%s', but ManyToManyFields are not permitted in '%s'.", what, n,
                   what);
            continue;
        }
        if (!ok) {
            if (strcmp(what, "ordering") == 0)
                report(c, m->label, id, "'ordering' refers to the nonexistent field, related field, or lookup '%s'.",
                       n);
            else
                report(c, m->label, id, "'%s' refers to the nonexistent field '%s'.", what, n);
        }
    }
}

/* The backends' catalogue prefixes and who keeps tables under them. */
typedef struct catalogue {
    const char *prefix, *backend;
} catalogue;
static const catalogue catalogues[] = {{"sqlite_", "SQLite"}, {"pg_", "PostgreSQL"}};

static const catalogue *catalogue_of(const char *name) {
    for (size_t i = 0; name && i < sizeof catalogues / sizeof *catalogues; i++) {
        const char *p = catalogues[i].prefix;
        size_t k = 0;
        while (p[k] && tolower((unsigned char)name[k]) == p[k]) k++;
        if (!p[k]) return &catalogues[i];
    }
    return NULL;
}

const char *dorm_table__name_reserved(const char *name) {
    const catalogue *k = catalogue_of(name);
    return k ? k->prefix : NULL;
}

/* Managers: named, once each; Meta's manager names name one of them
 * (Django raises "Book has no manager named 'x'" when the class is made). */
static void check_managers(checker *c, const dorm_meta *m) {
    const dorm_model *model = m->model;
    for (const dorm_manager *mg = model->managers; mg && mg->name; mg++) {
        if (!*mg->name) report(c, m->label, "dorm.E021", "Managers must have a name.");
        for (const dorm_manager *o = model->managers; o != mg; o++)
            if (strcmp(o->name, mg->name) == 0)
                report(c, m->label, "dorm.E022", "The manager '%s' is declared twice.", mg->name);
    }
    const char *names[] = {model->default_manager_name, model->base_manager_name};
    for (int i = 0; i < 2; i++)
        if (names[i] && !dorm_model__manager(model, names[i]))
            report(c, m->label, "dorm.E023", "%s has no manager named '%s'", model->name, names[i]);
}

/* A composite primary key (Django 5.2's CompositePrimaryKey checks and
 * constructor errors): named "pk", two fields or more, each a column of the
 * model's own table, not null, named once. */
static void check_composite(checker *c, const dorm_meta *m, int *pks) {
    const dorm_fmeta *pk = m->pk;
    if (!dorm_fmeta_composite(pk) || m->proxy) return;
    (*pks)++;
    char where[256];
    snprintf(where, sizeof where, "%s.%s", m->label, pk->f->name);
    if (strcmp(pk->f->name, "pk") != 0) report(c, where, "fields.E013", "'CompositePrimaryKey' must be named 'pk'.");
    int n = 0;
    while (pk->f->pk_fields && pk->f->pk_fields[n]) n++;
    if (n < 2) report(c, m->label, "dorm.E034", "CompositePrimaryKey must include at least two fields.");
    if (m->parent)
        report(c, m->label, "dorm.E035",
               "A multi-table child's key is its parent link: it cannot have a CompositePrimaryKey.");
    for (int i = 0; i < n && i < pk->nparts; i++) {
        const char *name = pk->f->pk_fields[i];
        const dorm_fmeta *part = pk->parts[i];
        const char *why = NULL, *other = NULL;
        for (int k = 0; part && k < i && !other; k++)
            if (pk->parts[k] == part) other = pk->f->pk_fields[k];
        if (!part)
            why = "is not a valid field";
        else if (part->inherited)
            why = "field is not a local field";
        else if (part->f->null)
            why = "field may not set 'null=True'";
        if (other)
            report(c, m->label, "models.E042",
                   "'%s' cannot be included in the composite primary key: '%s' and '%s' are "
                   "the same fields.",
                   name, name, other);
        else if (why)
            report(c, m->label, "models.E042", "'%s' cannot be included in the composite primary key: '%s' %s.", name,
                   name, why);
    }
}

/* The model's bases: one concrete parent, embedded first and linked; a
 * proxy's entry naming the model it stands for and nothing else. */
static void check_inheritance(checker *c, const dorm_meta *m) {
    const dorm_model *model = m->model, *parent = NULL;
    int depth = 0;
    for (const dorm_field *f = model->fields; f && f->name; f++) {
        if (f->kind != DORM_KIND_PARENT || !f->to) continue;
        for (const dorm_model *b = f->to; b && depth <= 16; depth++) {
            const dorm_field *g = b->fields;
            while (g && g->name && !(g->kind == DORM_KIND_PARENT && g->to)) g++;
            b = g && g->name ? g->to : NULL;
        }
        if (depth > 16)
            report(c, m->label, "dorm.E033",
                   "The model's bases nest deeper than 16 levels (a base inheriting from itself?).");
        if (f->to->abstract) continue;
        if (parent) {
            report(c, m->label, "dorm.E029", "dorm models inherit from one concrete model: '%s' and '%s' are both.",
                   parent->name, f->to->name);
            continue;
        }
        parent = f->to;
        if (!dorm_meta__of(m->reg, parent))
            report(c, m->label, "fields.E300",
                   "Model inherits from '%s', which is either not installed, or is abstract.",
                   parent->name ? parent->name : "?");
    }
    if (model->proxy) {
        if (!parent)
            report(c, m->label, "dorm.E031", "Proxy model '%s' has no non-abstract model base class.", model->name);
        for (const dorm_field *f = m->table; f && f->name; f++) {
            report(c, m->label, "models.E017", "Proxy model '%s' contains model fields.", model->name);
            break;
        }
        return;
    }
    if (parent && m->parent && !m->parent_link)
        report(c, m->label, "dorm.E032",
               "The model inherits from '%s' but has no parent link to it: declare DORM_PARENT_LINK(%s, %s_ptr, %s).",
               parent->name, model->name, m->parent->model_name, parent->name);
}

/* A relation as Django's _check_clashes names it.  related_name "+" (or
 * any name ending with "+") hides the reverse side; a hidden or
 * symmetrical many-to-many is renamed as Django renames it (so that two of
 * them never clash), and a symmetrical one has no accessor at all. */
typedef struct relname {
    const char *related_name; /* as Django holds it, renamed or not */
    const char *accessor, *query;
    bool hidden;
    char given[160], made[160];
} relname;

static bool ends_with_plus(const char *name) {
    size_t n = name ? strlen(name) : 0;
    return n && name[n - 1] == '+';
}

static void relname_of(relname *r, const dorm_meta *src, const dorm_field *f) {
    const char *rn = f->related_name;
    bool m2m = f->kind == DORM_KIND_M2M, symmetrical = m2m && f->to == src->model && !f->asymmetrical;
    if (symmetrical)
        snprintf(r->given, sizeof r->given, "%s_rel_+", f->name);
    else if (m2m && ends_with_plus(rn))
        snprintf(r->given, sizeof r->given, "_%s_%s_%s_+", src->model->app_label, src->model_name, f->name);
    if (symmetrical || (m2m && ends_with_plus(rn))) rn = r->given;
    r->related_name = rn;
    r->hidden = ends_with_plus(rn);
    snprintf(r->made, sizeof r->made, "%s%s", src->model_name, f->one_to_one && !m2m ? "" : "_set");
    r->accessor = symmetrical ? NULL : rn ? rn : r->made;
    r->query = f->related_query_name ? f->related_query_name : rn ? rn : src->model_name;
}

/* Python's str.isidentifier() and not keyword.iskeyword() (any byte
 * beyond ASCII taken for a letter). */
static bool python_identifier(const char *s) {
    static const char *const keywords[] = {"False",  "None",   "True",    "and",      "as",       "assert", "async",
                                           "await",  "break",  "class",   "continue", "def",      "del",    "elif",
                                           "else",   "except", "finally", "for",      "from",     "global", "if",
                                           "import", "in",     "is",      "lambda",   "nonlocal", "not",    "or",
                                           "pass",   "raise",  "return",  "try",      "while",    "with",   "yield"};
    if (!*s || (*s >= '0' && *s <= '9')) return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (!(isalnum(*p) || *p == '_' || *p >= 0x80)) return false;
    for (size_t i = 0; i < sizeof keywords / sizeof *keywords; i++)
        if (strcmp(s, keywords[i]) == 0) return false;
    return true;
}

/* Django's _check_related_name_is_valid (E306) and
 * _check_related_query_name_is_valid (E308, E309; not for a hidden
 * relation). */
static void check_rel_names(checker *c, const char *where, const relname *r, const dorm_meta *src,
                            const dorm_field *f) {
    if (r->related_name && !python_identifier(r->related_name) && !r->hidden) {
        report(c, where, "fields.E306", "The name '%s' is invalid related_name for field %s.%s", r->related_name,
               src->model->name, f->name);
        hint(c, "Related name must be a valid Python identifier or end with a '+'");
    }
    if (r->hidden) return;
    size_t n = strlen(r->query);
    if (n && r->query[n - 1] == '_') {
        report(c, where, "fields.E308", "Reverse query name '%s' must not end with an underscore.", r->query);
        hint(c, "Add or change a related_name or related_query_name argument for this field.");
    }
    if (strstr(r->query, "__")) {
        report(c, where, "fields.E309", "Reverse query name '%s' must not contain '__'.", r->query);
        hint(c, "Add or change a related_name or related_query_name argument for this field.");
    }
}

/* Whether o's accessor or query name clashes with r's accessor (E304) or
 * query name (E305), reported for the field f of src, as Django compares
 * them: the other relation's accessor against both names. */
static void check_rel_clash(checker *c, const char *where, const relname *r, const dorm_meta *osrc,
                            const dorm_field *of) {
    relname o;
    relname_of(&o, osrc, of);
    if (o.hidden && of->kind != DORM_KIND_M2M) return; /* not among Django's related_objects */
    char other[256];
    snprintf(other, sizeof other, "%s.%s", osrc->label, of->name);
    if (!r->hidden && o.accessor && strcmp(o.accessor, r->accessor) == 0) {
        report(c, where, "fields.E304", "Reverse accessor for '%s' clashes with reverse accessor for '%s'.", where,
               other);
        hint(c, "Add or change a related_name argument to the definition for '%s' or '%s'.", where, other);
    }
    if (o.accessor && strcmp(o.accessor, r->query) == 0) {
        report(c, where, "fields.E305", "Reverse query name for '%s' clashes with reverse query name for '%s'.", where,
               other);
        hint(c, "Add or change a related_name argument to the definition for '%s' or '%s'.", where, other);
    }
}

/* r's accessor (E302) or query name (E303) against the target's field
 * `name`. */
static void check_field_clash(checker *c, const char *where, const relname *r, const dorm_meta *target,
                              const char *name) {
    char other[256];
    snprintf(other, sizeof other, "%s.%s", target->label, name);
    const char *hint_fmt = "Rename field '%s', or add/change a related_name argument to the definition for field '%s'.";
    if (!r->hidden && strcmp(name, r->accessor) == 0) {
        report(c, where, "fields.E302", "Reverse accessor for '%s' clashes with field name '%s'.", where, other);
        hint(c, hint_fmt, other, where);
    }
    if (strcmp(name, r->query) == 0) {
        report(c, where, "fields.E303", "Reverse query name for '%s' clashes with field name '%s'.", where, other);
        hint(c, hint_fmt, other, where);
    }
}

/* Django's checks of the reverse names of the relation field f of src
 * pointing at target: the names themselves, then (_check_clashes) its
 * reverse accessor and query name against the target's fields
 * (E302, E303) and against the reverse names of the other relations to the
 * target or to its parents (E304, E305). */
static void check_clashes(checker *c, const dorm_meta *src, const dorm_field *f, const dorm_meta *target) {
    char where[256];
    snprintf(where, sizeof where, "%s.%s", src->label, f->name);
    relname r;
    relname_of(&r, src, f);
    check_rel_names(c, where, &r, src, f);
    const dorm_meta *t = target->concrete;
    /* The target's fields (its parents' among them), then its
     * many-to-manys and its parents'. */
    for (int i = 0; i < t->nfields; i++) check_field_clash(c, where, &r, target, t->fields[i].f->name);
    for (const dorm_meta *a = t; a; a = a->parent)
        for (const dorm_field *g = a->table; g && g->name; g++)
            if (g->kind == DORM_KIND_M2M) check_field_clash(c, where, &r, target, g->name);
    for (const dorm_meta *a = t; a; a = a->parent) {
        for (int i = 0; i < a->nreverse; i++) {
            const dorm_rel *o = &a->reverse[i];
            bool self = o->model == src && o->fk->f == f;
            if (!self && (a == t || !o->fk->f->parent_link)) check_rel_clash(c, where, &r, o->model, o->fk->f);
        }
        for (int k = 0; k < c->reg->nmodels; k++) {
            const dorm_meta *s = c->reg->metas[k];
            for (const dorm_field *g = s->table; g && g->name; g++) {
                const dorm_meta *gt = g->kind == DORM_KIND_M2M ? dorm_meta__of(c->reg, g->to) : NULL;
                if (gt && gt->concrete == a && !(s == src && g == f)) check_rel_clash(c, where, &r, s, g);
            }
        }
    }
}

/* Whether m's natural key leads back to `to` through its relations (a
 * key that would hold itself). */
static bool natural_key_reaches(const dorm_meta *m, const dorm_meta *to, int depth) {
    for (const char *const *n = m->natural_key; depth < 16 && n && *n; n++) {
        const dorm_fmeta *fm = dorm_meta__field(m, *n);
        if (fm && fm->f->kind == DORM_KIND_FK && fm->target &&
            (fm->target->concrete == to->concrete || natural_key_reaches(fm->target, to, depth + 1)))
            return true;
    }
    return false;
}

/* Meta natural_key (as declared by the model or an abstract base; one
 * inherited from a concrete model is checked there): fields of the model,
 * a relation only to a model with a natural key of its own that does not
 * lead back here, and dependencies that name registered models. */
static void check_natural_key(checker *c, const dorm_meta *m) {
    for (const char *const *n = m->natural_key; !m->inherited_key && n && *n; n++) {
        const dorm_fmeta *fm = dorm_meta__field(m, *n);
        if (!fm || strcmp(fm->f->name, *n) != 0 || fm->f->kind == DORM_KIND_COMPOSITE)
            report(c, m->label, "dorm.E038", "'natural_key' refers to the nonexistent field '%s'.", *n);
        else if (fm->f->kind == DORM_KIND_FK && fm->target && !(fm->target->natural_key && *fm->target->natural_key))
            report(c, m->label, "dorm.E038",
                   "'natural_key' refers to the relation field '%s', but '%s' has no natural key.", *n,
                   fm->target->label);
        else if (fm->f->kind == DORM_KIND_FK && fm->target && natural_key_reaches(fm->target, m, 0))
            report(c, m->label, "dorm.E038",
                   "'natural_key' refers to the relation field '%s', whose natural key refers back to '%s'.", *n,
                   m->label);
    }
    for (const char *const *d = m->natural_key_dependencies; !m->inherited_key && d && *d; d++) {
        if (!dorm_meta__by_label(c->reg, *d))
            report(c, m->label, "dorm.E038", "'natural_key_dependencies' refers to the unknown model '%s'.", *d);
    }
}

/* Django's _check_column_name_clashes: the model's own fields, each
 * column once. */
static void check_columns(checker *c, const dorm_meta *m) {
    if (m->proxy) return;
    for (int i = m->first_local; i < m->nfields; i++)
        for (int j = m->first_local; j < i; j++) {
            if (strcmp(m->fields[i].column, m->fields[j].column) != 0) continue;
            report(c, m->label, "models.E007", "Field '%s' has column name '%s' that is used by another field.",
                   m->fields[i].f->name, m->fields[i].column);
            hint(c, "Specify a 'db_column' for the field.");
            break;
        }
}

static void check_model(checker *c, const dorm_meta *m) {
    const dorm_model *model = m->model;
    char where[256];
    int clashes = c->clashes;
    if (!model->name || !model->app_label || !*model->name || !*model->app_label) {
        report(c, m->label, "dorm.E007", "Models must have a name and an app label.");
        return;
    }
    /* Django's _check_model_name_db_lookup_clashes (not for an automatic
     * join model, which its checks do not see). */
    size_t nlen = strlen(model->name);
    if (!m->auto_for && (model->name[0] == '_' || model->name[nlen - 1] == '_'))
        report(c, m->label, "models.E023",
               "The model name '%s' cannot start or end with an underscore as it collides with the query lookup "
               "syntax.",
               model->name);
    else if (!m->auto_for && strstr(model->name, "__"))
        report(c, m->label, "models.E024",
               "The model name '%s' cannot contain double underscores as it collides with the query lookup syntax.",
               model->name);
    bool alias_like = m->db_table[0] >= 'T' && m->db_table[0] <= 'Z' && m->db_table[1];
    for (const char *p = m->db_table + 1; alias_like && *p; p++) alias_like = *p >= '0' && *p <= '9';
    if (alias_like)
        report(c, m->label, "dorm.E013",
               "db_table '%s' is reserved: dorm names table aliases T2, T3, ... (U0, V0, "
               "... in subqueries)",
               m->db_table);
    const catalogue *k = catalogue_of(m->db_table);
    if (k)
        report(c, m->label, "dorm.E015", "db_table '%s' is reserved: %s keeps its own tables under the prefix '%s'.",
               m->db_table, k->backend, k->prefix);
    if (m->nfields > 64)
        report(c, m->label, "dorm.E001", "dorm models have at most 64 fields (this one has %d).", m->nfields);
    int pks = 0;
    check_inheritance(c, m);
    check_composite(c, m, &pks);
    for (int i = 0; i < m->nfields; i++) {
        /* A parent's fields are checked with the parent, a proxy's with its
         * concrete model. */
        bool own = dorm_meta_local(m, i) && !m->proxy;
        if (own) check_field(c, m, &m->fields[i], where, sizeof where);
        /* Django checks no automatic join model, and no migration state. */
        if (own && m->fields[i].target && !m->auto_for && !c->reg->state)
            check_clashes(c, m, m->fields[i].f, m->fields[i].target);
        if (own && m->fields[i].f->primary_key) pks++;
        for (int j = 0; j < i; j++) {
            if (strcmp(m->fields[i].f->name, m->fields[j].f->name) != 0) continue;
            snprintf(where, sizeof where, "%s.%s", m->label, m->fields[i].f->name);
            report(c, where, "models.E006", "The field '%s' clashes with the field '%s' from model '%s'.",
                   m->fields[i].f->name, m->fields[j].f->name, m->label_lower);
        }
        if (strcmp(m->fields[i].f->name, "id") == 0 && !m->fields[i].f->primary_key)
            report(c, m->label, "models.E004",
                   "'id' can only be used as a field name if the field also sets 'primary_key=True'.");
    }
    for (const dorm_field *f = m->table; f && f->name; f++) {
        if (f->kind != DORM_KIND_M2M) continue;
        check_m2m(c, m, f, where, sizeof where);
        dorm_checks__m2m(c, m, f, where);
        const dorm_meta *t = dorm_meta__of(c->reg, f->to);
        if (t && !c->reg->state) check_clashes(c, m, f, t);
    }
    if (pks == 0 && !m->proxy && !m->parent)
        report(c, m->label, "dorm.E008", "The model has no primary key: declare one, e.g. DORM_AUTO(%s, id).",
               model->name);
    if (pks > 1)
        report(c, m->label, "models.E026", "The model cannot have more than one field with 'primary_key=True'.");
    /* Django hides column clashes behind the name clashes (models.E004,
     * E006, E023, E024, E026) that usually cause them. */
    if (c->clashes == clashes) check_columns(c, m);
    check_names(c, m, "ordering", "models.E015", m->ordering);
    for (const dorm_index *ix = m->indexes; ix && ix->fields; ix++)
        check_names(c, m, "indexes", "models.E012", ix->fields);
    for (size_t i = 0; m->unique_together && m->unique_together[i]; i++)
        check_names(c, m, "unique_together", "models.E012", m->unique_together[i]);
    dorm_check_refs refs = {0, {NULL}, {""}};
    for (const dorm_constraint *k = m->constraints; k && k->kind; k++) {
        if (!k->name || !*k->name) report(c, m->label, "dorm.E009", "Constraints must have a name.");
        if (k->kind == DORM_CONSTRAINT_UNIQUE) check_names(c, m, "constraints", "models.E012", k->fields);
        if (k->kind == DORM_CONSTRAINT_CHECK) dorm_checks__check_refs(c, m, k->check, &refs);
    }
    check_names(c, m, "constraints", "models.E012", refs.names);
    check_managers(c, m);
    dorm_checks__options(c, m);
    if (m->get_latest_by && !path_exists(m, m->get_latest_by[0] == '-' ? m->get_latest_by + 1 : m->get_latest_by))
        report(c, m->label, "dorm.E010", "'get_latest_by' refers to the nonexistent field '%s'.", m->get_latest_by);
    check_natural_key(c, m);
}

int dorm_checks__run(dorm_registry *reg) {
    checker c = {reg, DORM_BUF_INIT, 0, 0};
    for (int i = 0; i < reg->nmodels; i++) {
        check_model(&c, reg->metas[i]);
        for (int j = 0; j < i; j++)
            if (strcmp(reg->metas[i]->label_lower, reg->metas[j]->label_lower) == 0)
                report(&c, reg->metas[i]->label, "models.E028", "Model '%s' is registered twice.",
                       reg->metas[i]->label);
            else if (strcmp(reg->metas[i]->db_table, reg->metas[j]->db_table) == 0 && !reg->metas[i]->proxy &&
                     !reg->metas[j]->proxy && !reg->metas[i]->auto_for && !reg->metas[j]->auto_for)
                report(&c, reg->metas[i]->label, "models.E028", "db_table '%s' is used by multiple models: %s, %s.",
                       reg->metas[i]->db_table, reg->metas[j]->label, reg->metas[i]->label);
    }
    dorm_checks__names(&c);
    if (c.out.failed) {
        dorm_buf_free(&c.out);
        return DORM_ENOMEM;
    }
    reg->messages = c.out.data;
    reg->err = c.errors ? DORM_ECONFIG : DORM_OK;
    return DORM_OK;
}
