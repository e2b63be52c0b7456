/* meta.h - what the registry computes from a model's static declaration
 * (Django's Model._meta): resolved columns, primary key, relation targets,
 * reverse relations, table name.  Built once by dorm_registry_new, then
 * read-only and shared. */
#ifndef DORM_MODEL_META_H
#define DORM_MODEL_META_H

#include "dorm.h"
#include "dorm/sys/driver.h"
#include "core/arena.h"
#include "core/hash.h"

typedef struct dorm_meta dorm_meta;

/* A field with its computed names. */
typedef struct dorm_fmeta {
    const dorm_field *f;
    int index; /* position in the field table (null bit)   */
    const char *column; /* database column                          */
    const char *attname; /* "author_id" for a FK, else the name      */
    const dorm_meta *target; /* FK: the related model                    */
    const struct dorm_fmeta *target_pk; /* FK: the related primary key     */
    dorm_kind value_kind; /* kind of the stored value (FK: target pk) */
    const dorm_meta *owner;
    uint8_t read_as; /* DORM_READ_*: how an expression's column reads */
    const char *zone; /* DORM_READ_WALL_TIME: its zone; NULL: the
                                  context's current one                     */
    void **regexes; /* per f->validators entry: a REGEX's compiled
                                * pattern (NULL: none, or it did not compile) */
    const struct dorm_fmeta *storage; /* a custom field: the field of its
                                * internal kind its column is read as      */
    const struct dorm_fmeta *inherited; /* a field of a concrete parent: the
                                * parent's own (its column is in the parent's
                                * table); NULL for a column of this table  */
    const struct dorm_fmeta *const *parts; /* a composite primary key: its
                                * fields (no column, no member of its own) */
    int nparts;
} dorm_fmeta;

/* How an expression's column is read beyond its kind: JSON a backend hands
 * back unwrapped (a key on SQLite: text that is no JSON is a string), or a
 * datetime that is a zone's wall time (Trunc in a time zone). */
enum { DORM_READ_PLAIN = 0, DORM_READ_JSON_UNWRAPPED, DORM_READ_WALL_TIME };

/* A reverse relation: a ForeignKey of another model pointing here.  Also one
 * direction of a ManyToManyField (meta->m2m): then `model` is the other side,
 * `fk` the join model's key to this side and `to_fk` its key to `model`. */
typedef struct dorm_rel {
    const char *name; /* related_name or "<model>_set"              */
    const char *query_name; /* related_name or "<model>" (filter paths)   */
    const dorm_meta *model; /* the model holding the FK                   */
    const dorm_fmeta *fk; /* that FK                                    */
    bool hidden; /* related_name "+": deletion rules only      */
    bool single; /* a OneToOneField's reverse side             */
    const dorm_meta *through; /* M2M: the join model                        */
    const dorm_fmeta *to_fk; /* M2M: the join model's key to `model`       */
    const dorm_field *m2m; /* M2M: the ManyToManyField                   */
    bool symmetrical; /* M2M to self, both directions at once       */
} dorm_rel;

struct dorm_meta {
    const dorm_model *model;
    const dorm_registry *reg;
    const char *label; /* "library.Book"  */
    const char *label_lower; /* "library.book"  */
    const char *model_name; /* "book"          */
    const char *db_table;
    const char *verbose_name;
    const char *verbose_name_plural;
    int nfields;
    dorm_fmeta *fields;
    const dorm_fmeta *pk;
    int nreverse;
    dorm_rel *reverse;
    int nm2m;
    dorm_rel *m2m; /* ManyToManyFields of this model, then those
                                * of other models pointing here             */
    const dorm_field *auto_for; /* an automatic join model: its M2M field    */
    const dorm_meta *auto_owner; /* ... and the model declaring that field  */
    const char *choices_list; /* "author, author_id, genre, ..." (FieldError) */
    const dorm_manager *default_manager; /* NULL: a plain "objects"          */
    const dorm_manager *base_manager; /* NULL: a plain manager            */
    /* Inheritance (inherit.c).  `table` is the model's field table with its
     * abstract bases spliced in and its concrete parent left out (the
     * model's own fields and many-to-manys, DORM_END-terminated).  A
     * multi-table child's fields start with its parent's (fields[0 ..
     * first_local), each with `inherited` set); `parent` is that parent and
     * `parent_link` the child's one-to-one to it.  `concrete` is the model
     * whose table this is: itself, or the model a proxy stands for. */
    const dorm_field *table;
    int first_local;
    const dorm_meta *parent;
    const dorm_fmeta *parent_link;
    size_t parent_offset; /* where the parent's struct sits in m's      */
    const dorm_meta *concrete;
    bool proxy;
    /* Meta options as inherited (an abstract base's when the model leaves
     * them unset; ordering and get_latest_by also from a concrete parent). */
    const char *const *ordering;
    const dorm_index *indexes;
    const char *const *const *unique_together;
    const dorm_constraint *constraints;
    const char *get_latest_by;
    /* natural_key() and its dependencies as Python resolves the methods:
     * the model's own, else an abstract base's, else its concrete parent's
     * (or proxied model's), the pair from the same model; inherited_key when
     * they come from a concrete model (whose checks report them). */
    const char *const *natural_key;
    const char *const *natural_key_dependencies;
    bool inherited_key;
    /* ... as the model declares them (its abstract bases' included, a
     * concrete parent's not): what its migrations record. */
    const char *const *declared_ordering;
    const char *declared_latest;
    int linked; /* inherit.c: 1 while linking, 2 when done  */
};

struct dorm_registry {
    int nmodels;
    dorm_meta **metas; /* in registration order                      */
    dorm_hmap by_model; /* &meta->model -> meta                       */
    dorm_hmap by_label; /* "library.book" -> meta                     */
    int err;
    char *messages;
    bool state; /* a migration state's: no reverse-name checks */
    dorm_arena arena; /* metas, fields and computed names           */
    /* The apps' own functions and lookups (src/query reads them), in app
     * order, NULL-terminated; NULL when there are none. */
    const struct dorm_func_def **sql_functions;
    const struct dorm_lookup_def **lookups;
};

/* dorm_registry_new for the models of a migration state, without the
 * reverse-name clash checks (fields.E302-E305): Django's migrate runs no
 * checks on states, and a state between two operations may well clash (a
 * key added before the one it replaces is removed). */
dorm_registry *dorm_registry__new_state(const dorm_app *const *apps);

/* The manager of a model named `name` (NULL: its first), or NULL: its own,
 * else its bases' in table order (Django's MRO). */
const dorm_manager *dorm_model__manager(const dorm_model *model, const char *name);
/* Meta.default_manager_name / base_manager_name as Django reads them: the
 * model's, else (default: when it declares no manager) its first base's. */
const char *dorm_model__default_manager_name(const dorm_model *model);
const char *dorm_model__base_manager_name(const dorm_model *model);
/* inherit.c: the expanded field table of a model (abstract bases spliced
 * at their offsets; a concrete parent's entry left out and given in
 * *parent), in the arena unless nothing needs splicing.  0 or ENOMEM. */
int dorm_inherit__table(dorm_registry *reg, const dorm_model *model, const dorm_field **table,
                        const dorm_model **parent);
/* inherit.c: how many automatic join models a model's many-to-manys
 * make, its abstract bases' included. */
int dorm_inherit__auto_m2m(const dorm_model *model);
/* inherit.c: once every meta is built from its own table: the parents'
 * fields into multi-table children, proxies onto their concrete models,
 * inherited Meta options and managers.  0 or ENOMEM. */
int dorm_inherit__link(dorm_registry *reg);
/* inherit.c, after the relations are linked: proxies share the reverse
 * relations of their concrete model. */
void dorm_inherit__share(dorm_registry *reg);
/* Whether an object of m may stand where one of t is expected: the same
 * table (t, or a proxy of it) or a multi-table child of t. */
static inline bool dorm_meta_is_a(const dorm_meta *m, const dorm_meta *t) {
    for (const dorm_meta *a = m; a; a = a->parent)
        if (a->concrete == t->concrete) return true;
    return false;
}
/* The field a key ultimately holds: a ForeignKey to a key that is itself
 * a ForeignKey (a multi-table child's parent link) holds the parent's. */
static inline const struct dorm_fmeta *dorm_key_root(const struct dorm_fmeta *key) {
    for (int i = 0; key && key->f->kind == DORM_KIND_FK && key->target_pk && i < 16; i++) key = key->target_pk;
    return key;
}
/* Whether a field is a composite primary key (DORM_COMPOSITE_PK). */
static inline bool dorm_fmeta_composite(const struct dorm_fmeta *fm) { return fm && fm->nparts > 0; }
/* composite.c: the composite primary key of m built from its table's
 * DORM_COMPOSITE_PK entry (m->pk), its parts resolved by name or attname
 * (a missing one stays NULL for the checks).  0 or ENOMEM. */
int dorm_composite__link(dorm_registry *reg, dorm_meta *m);
/* Whether fields[i] of m is a column of m's own table. */
static inline bool dorm_meta_local(const dorm_meta *m, int i) { return i >= m->first_local; }
/* A reverse or many-to-many relation by query name on m or the models it
 * inherits from (not their parent links), with the ancestor that has it in
 * *owner; NULL when none has it. */
const struct dorm_rel *dorm_meta__reverse_up(const dorm_meta *m, const char *name, size_t n, const dorm_meta **owner);
const struct dorm_rel *dorm_meta__m2m_up(const dorm_meta *m, const char *name, size_t n, const dorm_meta **owner);
/* The meta of a registered model, or NULL if the model is not registered. */
const dorm_meta *dorm_meta__of(const dorm_registry *reg, const dorm_model *model);
/* A registered model by Django's label, "app_label.ModelName" (the model
 * name in any case, as apps.get_model), or NULL. */
const dorm_meta *dorm_meta__by_label(const dorm_registry *reg, const char *label);
/* A field by name or attname ("author" or "author_id"), or NULL. */
const dorm_fmeta *dorm_meta__field(const dorm_meta *m, const char *name);
/* The same for a name of n bytes (path parts are not NUL-terminated). */
const dorm_fmeta *dorm_meta__fieldn(const dorm_meta *m, const char *name, size_t n);
/* A reverse relation by query name, or NULL. */
const dorm_rel *dorm_meta__reverse(const dorm_meta *m, const char *name, size_t n);
/* A visible reverse relation by accessor name ("books", "book_set"), or NULL. */
const dorm_rel *dorm_meta__accessor(const dorm_meta *m, const char *name);
/* A many-to-many direction by query name ("tags", or the reverse "books"), or
 * NULL; by accessor name with dorm_meta__m2m_accessor. */
const dorm_rel *dorm_meta__m2m(const dorm_meta *m, const char *name, size_t n);
const dorm_rel *dorm_meta__m2m_accessor(const dorm_meta *m, const char *name);
/* m2m.c: the automatic join model of a ManyToManyField of `owner` (Django's
 * auto-created through model "Book_tags"), built in the arena. */
dorm_model *dorm_m2m__auto_model(dorm_arena *a, const dorm_model *owner, const char *owner_table, const dorm_field *f);
/* m2m.c: fills every meta's m2m directions once foreign keys are linked. */
int dorm_m2m__link(dorm_registry *reg);
/* The meta of an object, from its DORM_OBJECT header. */
static inline const dorm_meta *dorm_meta_of_obj(const void *obj) {
    return (const dorm_meta *)((const dorm_object *)obj)->meta;
}
/* The field whose member lives at `member` inside `obj`, or NULL. */
const dorm_fmeta *dorm_meta__field_at(const dorm_meta *m, const void *obj, const void *member);

/* Member access by field. */
static inline void *dorm_member(void *obj, const dorm_fmeta *fm) { return (char *)obj + fm->f->offset; }
static inline const void *dorm_cmember(const void *obj, const dorm_fmeta *fm) {
    return (const char *)obj + fm->f->offset;
}
static inline dorm_object *dorm_hdr(void *obj) { return (dorm_object *)obj; }

/* Whether a field asks for an index of its own: db_index, which is Django's
 * default for a ForeignKey and a SlugField (no_db_index turns it off). */
static inline bool dorm_field_db_index(const dorm_field *f) {
    return f->db_index || ((f->kind == DORM_KIND_FK || f->kind == DORM_KIND_SLUG) && !f->no_db_index);
}

/* names.c: the name Django gives a Meta index without one, into out (at
 * least DORM_INDEX_NAME_MAX bytes); cols are columns, desc may be NULL. */
#define DORM_INDEX_NAME_MAX 32
void dorm_index__default_name(const char *table, const char *const *cols, const bool *desc, size_t n, char *out);

/* checks.c: the catalogue prefix a table name would collide with ("sqlite_":
 * SQLite reserves such names; "pg_": PostgreSQL's catalogue, searched before
 * the program's schema, would hide the table), compared without case; NULL
 * for a name free on every backend.  The model checks (dorm.E015) and the
 * migration files use it. */
const char *dorm_table__name_reserved(const char *name);

/* Django's class name of a kind ("CharField"). */
const char *dorm_kind__name(dorm_kind k);
/* Whether a kind stores a C string member. */
static inline bool dorm_kind_is_text(dorm_kind k) {
    switch (k) {
    case DORM_KIND_CHAR:
    case DORM_KIND_TEXT:
    case DORM_KIND_SLUG:
    case DORM_KIND_EMAIL:
    case DORM_KIND_URL:
    case DORM_KIND_JSON:
    case DORM_KIND_FILE:
    case DORM_KIND_IMAGE: return true;
    default: return false;
    }
}
/* Whether a kind stores an integer of its own (not a key to another
 * model). */
static inline bool dorm_kind_is_int(dorm_kind k) {
    switch (k) {
    case DORM_KIND_AUTO:
    case DORM_KIND_BIGAUTO:
    case DORM_KIND_INT:
    case DORM_KIND_BIGINT:
    case DORM_KIND_SMALLINT:
    case DORM_KIND_POSINT:
    case DORM_KIND_POSSMALLINT: return true;
    default: return false;
    }
}
/* The max_length a text kind has when a field gives none (Django's: email
 * 254, URL 200, slug 50, file and image 100), else 0. */
static inline int dorm_kind_max_length(dorm_kind k) {
    switch (k) {
    case DORM_KIND_EMAIL: return 254;
    case DORM_KIND_URL: return 200;
    case DORM_KIND_SLUG: return 50;
    case DORM_KIND_FILE:
    case DORM_KIND_IMAGE: return 100;
    default: return 0;
    }
}
/* Whether a kind is an integer auto primary key. */
bool dorm_kind__is_auto(dorm_kind k);

#endif
