/* dorm/model.h - declaring models: the DORM_OBJECT header of a model struct, the
 * static field table (DORM_CHAR, DORM_INT, DORM_FOREIGN_KEY, ...), model Meta
 * options, apps, and the registry that validates them at start-up. */
#ifndef DORM_MODEL_H
#define DORM_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "value.h"

struct dorm_ctx;
struct dorm_model;

/* The header every model struct starts with (as its first member, DORM_OBJECT).
 * dorm fills it; programs read it only through dorm calls. */
typedef struct dorm_object {
    const struct dorm_model *model;
    const void *meta;       /* the registry's description of the model  */
    struct dorm_ctx *cx;    /* the context whose arena holds the object */
    uint32_t flags;         /* DORM_OBJ_* */
    uint32_t reserved;
    uint64_t nulls;         /* bit i: field i holds SQL NULL */
    uint64_t deferred;      /* bit i: field i was not loaded (only/defer) */
    void *ext;              /* annotations and relation caches (internal) */
} dorm_object;

#define DORM_OBJECT dorm_object _dorm

enum {
    DORM_OBJ_ADDING = 1u << 0,   /* not saved yet (Django's _state.adding)  */
    DORM_OBJ_FROM_DB = 1u << 1   /* loaded from a database row              */
};

/* A forward relation member: the related row's key and the loaded object.
 * Declare as `DORM_FK(Author) author;` in the struct of the model holding it;
 * the struct tag must equal the model's name (typedef struct Author {...} Author). */
#define DORM_FK(Target) \
    struct {            \
        int64_t id;     \
        struct Target *obj; \
    }
/* A ForeignKey with `.to_field` naming a text field of the target (a country
 * code, an ISBN): the member stores that text.  DORM_FK_TO(Country, const char *). */
#define DORM_FK_TO(Target, KeyType) \
    struct {                        \
        KeyType id;                 \
        struct Target *obj;         \
    }

typedef enum dorm_kind {
    DORM_KIND_NONE = 0,
    DORM_KIND_AUTO,        /* AutoField       int64_t, "integer" */
    DORM_KIND_BIGAUTO,     /* BigAutoField    int64_t             */
    DORM_KIND_CHAR,        /* CharField       const char *        */
    DORM_KIND_TEXT,        /* TextField       const char *        */
    DORM_KIND_SLUG,        /* SlugField       const char *        */
    DORM_KIND_EMAIL,       /* EmailField      const char *        */
    DORM_KIND_URL,         /* URLField        const char *        */
    DORM_KIND_INT,         /* IntegerField    int32_t             */
    DORM_KIND_BIGINT,      /* BigIntegerField int64_t             */
    DORM_KIND_SMALLINT,    /* SmallIntegerField int16_t           */
    DORM_KIND_POSINT,      /* PositiveIntegerField int32_t (>= 0) */
    DORM_KIND_POSSMALLINT, /* PositiveSmallIntegerField int16_t   */
    DORM_KIND_FLOAT,       /* FloatField      double              */
    DORM_KIND_DECIMAL,     /* DecimalField    dorm_decimal        */
    DORM_KIND_BOOL,        /* BooleanField    bool                */
    DORM_KIND_DATE,        /* DateField       dorm_date           */
    DORM_KIND_DATETIME,    /* DateTimeField   dorm_datetime (UTC) */
    DORM_KIND_TIME,        /* TimeField       dorm_time           */
    DORM_KIND_UUID,        /* UUIDField       dorm_uuid           */
    DORM_KIND_JSON,        /* JSONField       const char * (JSON text) */
    DORM_KIND_BINARY,      /* BinaryField     dorm_bytes          */
    DORM_KIND_FK,          /* ForeignKey      DORM_FK(Target)     */
    DORM_KIND_M2M,         /* ManyToManyField (no member: a join table) */
    DORM_KIND_DURATION,    /* DurationField   dorm_duration       */
    DORM_KIND__COUNT
} dorm_kind;

typedef enum dorm_on_delete {
    DORM_ON_DELETE_UNSET = 0,  /* a system-check error: Django requires on_delete */
    DORM_CASCADE,
    DORM_PROTECT,
    DORM_RESTRICT,
    DORM_SET_NULL,
    DORM_SET_DEFAULT,
    DORM_DO_NOTHING,
    DORM_SET             /* Django's SET(value) / SET(callable): .on_delete_set or
                          * .on_delete_set_fn gives the new key */
} dorm_on_delete;

/* One choice: the stored value (text or integer) and its display label. */
typedef struct dorm_choice {
    dorm_value value;
    const char *label;
} dorm_choice;

/* DORM_CHOICES({DORM_VTEXT("FIC"), "Fiction"}, {DORM_VTEXT("NON"), "Non-Fiction"}) */
#define DORM_CHOICES(...) ((const dorm_choice[]){__VA_ARGS__, {DORM_VNULL, NULL}})
/* DORM_LIST("a", "b"): a NULL-terminated list of names (ordering, index fields). */
#define DORM_LIST(...) ((const char *const[]){__VA_ARGS__, NULL})

/* A field.  Declared with the DORM_<KIND> macros below, options after the
 * member name as designated initialisers: DORM_CHAR(Book, title, .max_length = 200). */
typedef struct dorm_field {
    const char *name;            /* the member name: Django's attribute name       */
    dorm_kind kind;
    size_t offset;               /* offsetof(struct, member)                       */
    size_t size;                 /* sizeof(member)                                 */
    const char *db_column;       /* column name; NULL: name (FK: name + "_id")     */
    bool null;
    bool blank;
    bool unique;
    bool db_index;
    bool no_db_index;            /* Django's db_index=False on a ForeignKey or a
                                  * SlugField, which are indexed by default   */
    bool primary_key;
    bool not_editable;           /* Django's editable=False                        */
    bool auto_now;               /* DateTimeField/DateField: set on every save     */
    bool auto_now_add;           /* set on the first save                          */
    int max_length;              /* CharField & co.; 0: kind's default or required */
    int max_digits;              /* DecimalField                                   */
    int decimal_places;          /* DecimalField                                   */
    dorm_value default_value;    /* DORM_VINT(0), DORM_VTEXT("FIC"), ...           */
    dorm_value (*default_fn)(void); /* callable default; wins over default_value   */
    const dorm_choice *choices;  /* DORM_CHOICES(...)                              */
    const char *verbose_name;
    const char *help_text;
    /* relations */
    const struct dorm_model *to; /* ForeignKey target                              */
    dorm_on_delete on_delete;
    const char *related_name;    /* reverse accessor name; NULL: <model>_set       */
    bool one_to_one;             /* OneToOneField: a unique key whose reverse side
                                  * is one object (set by DORM_ONE_TO_ONE)         */
    const char *related_query_name; /* reverse name in filters; NULL: related_name,
                                     * else the lowercase model name              */
    const struct dorm_q *limit_choices_to; /* DQC(...): what full_clean accepts as
                                            * the related object                  */
    const char *to_field;        /* FK: the target's unique field it stores;
                                  * NULL: the target's primary key             */
    bool no_db_constraint;       /* Django's db_constraint=False: no REFERENCES */
    const struct dorm_model *through; /* M2M: an explicit join model holding a
                                       * ForeignKey to each side; NULL: automatic */
    const char *db_table;        /* M2M: the automatic join table's name;
                                  * NULL: "<table>_<field>" (library_book_tags) */
    bool text_key;               /* FK: the member's key is text (DORM_FK_TO);
                                  * set by the macros                          */
    dorm_value on_delete_set;    /* on_delete=DORM_SET: the key dependents get      */
    dorm_value (*on_delete_set_fn)(void); /* ... or the function computing it   */
    bool asymmetrical;           /* M2M to the model itself: Django's
                                  * symmetrical=False (the default is symmetrical:
                                  * adding b to a's friends adds a to b's)     */
} dorm_field;

/* Compile-time check that a member has one of the types a kind accepts: a
 * mismatch has no _Generic association and fails to compile.  The macros take
 * (Struct, member, options...) as one variadic list so that a field without
 * options is valid ISO C; `.name` is set last and must not be given. */
#define DORM__STR(x) DORM__STR_(x)
#define DORM__STR_(x) #x
#define DORM__A1(a, ...) a
#define DORM__A2(a, b, ...) b
#define DORM__A3(a, b, c, ...) c
#define DORM__REST2(a, b, ...) __VA_ARGS__
#define DORM__REST3(a, b, c, ...) __VA_ARGS__
#define DORM__MEMBER(T, m) (((T *)0)->m)
#define DORM__IS(T, m, type) _Generic(DORM__MEMBER(T, m), type: 0)
#define DORM__IS_STR(T, m) _Generic(DORM__MEMBER(T, m), const char *: 0, char *: 0)
#define DORM__CHK_STR(T, m) DORM__IS_STR(T, m)
#define DORM__CHK_I64(T, m) DORM__IS(T, m, int64_t)
#define DORM__CHK_I32(T, m) DORM__IS(T, m, int32_t)
#define DORM__CHK_I16(T, m) DORM__IS(T, m, int16_t)
#define DORM__CHK_DBL(T, m) DORM__IS(T, m, double)
#define DORM__CHK_DEC(T, m) DORM__IS(T, m, dorm_decimal)
#define DORM__CHK_BOOL(T, m) DORM__IS(T, m, _Bool)
#define DORM__CHK_DATE(T, m) DORM__IS(T, m, dorm_date)
#define DORM__CHK_DT(T, m) DORM__IS(T, m, dorm_datetime)
#define DORM__CHK_TIME(T, m) DORM__IS(T, m, dorm_time)
#define DORM__CHK_UUID(T, m) DORM__IS(T, m, dorm_uuid)
#define DORM__CHK_BYTES(T, m) DORM__IS(T, m, dorm_bytes)
#define DORM__FIELD(T, m, k, check) \
    .kind = (k), .offset = offsetof(T, m) + 0 * (check), .size = sizeof(DORM__MEMBER(T, m))
#define DORM__KIND(k, chk, ...)                                                            \
    {DORM__FIELD(DORM__A1(__VA_ARGS__, ~), DORM__A2(__VA_ARGS__, ~), k,                     \
                 chk(DORM__A1(__VA_ARGS__, ~), DORM__A2(__VA_ARGS__, ~))),                  \
     DORM__REST2(__VA_ARGS__, .name = DORM__STR(DORM__A2(__VA_ARGS__, ~)))}
#define DORM__AUTOKIND(k, ...)                                                             \
    {DORM__FIELD(DORM__A1(__VA_ARGS__, ~), DORM__A2(__VA_ARGS__, ~), k,                     \
                 DORM__CHK_I64(DORM__A1(__VA_ARGS__, ~), DORM__A2(__VA_ARGS__, ~))),        \
     .primary_key = true, DORM__REST2(__VA_ARGS__, .name = DORM__STR(DORM__A2(__VA_ARGS__, ~)))}

/* DORM_<KIND>(Struct, member, options...) */
#define DORM_AUTO(...) DORM__AUTOKIND(DORM_KIND_AUTO, __VA_ARGS__)
#define DORM_BIGAUTO(...) DORM__AUTOKIND(DORM_KIND_BIGAUTO, __VA_ARGS__)
#define DORM_CHAR(...) DORM__KIND(DORM_KIND_CHAR, DORM__CHK_STR, __VA_ARGS__)
#define DORM_TEXT(...) DORM__KIND(DORM_KIND_TEXT, DORM__CHK_STR, __VA_ARGS__)
#define DORM_SLUG(...) DORM__KIND(DORM_KIND_SLUG, DORM__CHK_STR, __VA_ARGS__)
#define DORM_EMAIL(...) DORM__KIND(DORM_KIND_EMAIL, DORM__CHK_STR, __VA_ARGS__)
#define DORM_URL(...) DORM__KIND(DORM_KIND_URL, DORM__CHK_STR, __VA_ARGS__)
#define DORM_JSON(...) DORM__KIND(DORM_KIND_JSON, DORM__CHK_STR, __VA_ARGS__)
#define DORM_INT(...) DORM__KIND(DORM_KIND_INT, DORM__CHK_I32, __VA_ARGS__)
#define DORM_BIGINT(...) DORM__KIND(DORM_KIND_BIGINT, DORM__CHK_I64, __VA_ARGS__)
#define DORM_SMALLINT(...) DORM__KIND(DORM_KIND_SMALLINT, DORM__CHK_I16, __VA_ARGS__)
#define DORM_POSINT(...) DORM__KIND(DORM_KIND_POSINT, DORM__CHK_I32, __VA_ARGS__)
#define DORM_POSSMALLINT(...) DORM__KIND(DORM_KIND_POSSMALLINT, DORM__CHK_I16, __VA_ARGS__)
#define DORM_FLOAT(...) DORM__KIND(DORM_KIND_FLOAT, DORM__CHK_DBL, __VA_ARGS__)
#define DORM_DECIMAL(...) DORM__KIND(DORM_KIND_DECIMAL, DORM__CHK_DEC, __VA_ARGS__)
#define DORM_BOOL(...) DORM__KIND(DORM_KIND_BOOL, DORM__CHK_BOOL, __VA_ARGS__)
#define DORM_DATE(...) DORM__KIND(DORM_KIND_DATE, DORM__CHK_DATE, __VA_ARGS__)
#define DORM_DATETIME(...) DORM__KIND(DORM_KIND_DATETIME, DORM__CHK_DT, __VA_ARGS__)
#define DORM_TIME(...) DORM__KIND(DORM_KIND_TIME, DORM__CHK_TIME, __VA_ARGS__)
#define DORM_UUID(...) DORM__KIND(DORM_KIND_UUID, DORM__CHK_UUID, __VA_ARGS__)
#define DORM_BINARY(...) DORM__KIND(DORM_KIND_BINARY, DORM__CHK_BYTES, __VA_ARGS__)
/* DORM_FOREIGN_KEY(Book, author, Author, .on_delete = DORM_CASCADE, .related_name = "books") */
#define DORM__FK_CHK(T, m, Target) \
    _Generic(DORM__MEMBER(T, m.id), int64_t: 0, const char *: 0) + DORM__IS(T, m.obj, Target *)
#define DORM__FK_TEXT(T, m) _Generic(DORM__MEMBER(T, m.id), const char *: 1, default: 0)
#define DORM_FOREIGN_KEY(...)                                                              \
    {DORM__FIELD(DORM__A1(__VA_ARGS__, ~), DORM__A2(__VA_ARGS__, ~), DORM_KIND_FK,          \
                 DORM__FK_CHK(DORM__A1(__VA_ARGS__, ~), DORM__A2(__VA_ARGS__, ~),           \
                              DORM__A3(__VA_ARGS__, ~, ~))),                               \
     .to = &DORM__CAT(DORM__A3(__VA_ARGS__, ~, ~), _model),                                 \
     .text_key = DORM__FK_TEXT(DORM__A1(__VA_ARGS__, ~), DORM__A2(__VA_ARGS__, ~)),          \
     DORM__REST3(__VA_ARGS__, .name = DORM__STR(DORM__A2(__VA_ARGS__, ~)))}
/* DORM_ONE_TO_ONE(Profile, author, Author, .on_delete = DORM_CASCADE): Django's
 * OneToOneField, a unique ForeignKey whose reverse accessor (related_name, or
 * the lowercase model name) is one object: dorm_related_one(author, "profile"). */
#define DORM_ONE_TO_ONE(...)                                                               \
    {DORM__FIELD(DORM__A1(__VA_ARGS__, ~), DORM__A2(__VA_ARGS__, ~), DORM_KIND_FK,          \
                 DORM__FK_CHK(DORM__A1(__VA_ARGS__, ~), DORM__A2(__VA_ARGS__, ~),           \
                              DORM__A3(__VA_ARGS__, ~, ~))),                               \
     .to = &DORM__CAT(DORM__A3(__VA_ARGS__, ~, ~), _model), .unique = true, .one_to_one = true, \
     .text_key = DORM__FK_TEXT(DORM__A1(__VA_ARGS__, ~), DORM__A2(__VA_ARGS__, ~)),          \
     DORM__REST3(__VA_ARGS__, .name = DORM__STR(DORM__A2(__VA_ARGS__, ~)))}
/* DORM_MANY_TO_MANY(Book, tags, Tag, .related_name = "books"): Django's
 * ManyToManyField.  It has no struct member: its rows live in a join table,
 * automatic (library_book_tags with book_id and tag_id, unique together) or
 * the model given as `.through`.  Reached with dorm_related(b, "tags") and
 * the m2m managers; `tags__name` traverses it in filters. */
#define DORM_MANY_TO_MANY(...)                                                            \
    {.kind = DORM_KIND_M2M + 0 * (int)sizeof(DORM__MEMBER(DORM__A1(__VA_ARGS__, ~), _dorm)), \
     .to = &DORM__CAT(DORM__A3(__VA_ARGS__, ~, ~), _model),                                \
     DORM__REST3(__VA_ARGS__, .name = DORM__STR(DORM__A2(__VA_ARGS__, ~)))}
#define DORM_END {.name = NULL}

/* An index of Meta.indexes: fields (a "-name" is descending) and an optional
 * name (NULL: Django's generated name, e.g. library_boo_title_c38ef2_idx). */
typedef struct dorm_index {
    const char *const *fields;
    const char *name;
} dorm_index;
#define DORM_INDEXES(...) ((const dorm_index[]){__VA_ARGS__, {NULL, NULL}})

typedef enum dorm_constraint_kind {
    DORM_CONSTRAINT_UNIQUE = 1,
    DORM_CONSTRAINT_CHECK
} dorm_constraint_kind;

/* Meta.constraints: UniqueConstraint(fields, name) or CheckConstraint(check, name).
 * A check is a constant filter (see query.h), e.g. DQC("pages__gte", DORM_VINT(0)); it is compiled with
 * its values inlined as literals because DDL cannot take parameters. */
typedef struct dorm_constraint {
    dorm_constraint_kind kind;
    const char *name;
    const char *const *fields;     /* UNIQUE */
    const struct dorm_q *check;    /* CHECK  */
} dorm_constraint;
#define DORM_CONSTRAINTS(...) ((const dorm_constraint[]){__VA_ARGS__, {0, NULL, NULL, NULL}})
#define DORM_UNIQUE_TOGETHER(...) ((const char *const *const[]){__VA_ARGS__, NULL})

/* A model: a struct type, its field table and its Meta options. */
typedef struct dorm_model {
    const char *name;                 /* "Book" (Django's object_name)               */
    const char *app_label;            /* "library"                                   */
    size_t size;                      /* sizeof(struct)                              */
    const dorm_field *fields;         /* DORM_END-terminated                         */
    const char *db_table;             /* NULL: "<app_label>_<lowercase name>"        */
    const char *const *ordering;      /* DORM_LIST("-publication_date")              */
    const dorm_index *indexes;        /* DORM_INDEXES(...)                           */
    const char *const *const *unique_together; /* DORM_UNIQUE_TOGETHER(DORM_LIST(..)) */
    const dorm_constraint *constraints;
    const char *verbose_name;         /* NULL: "book"                                */
    const char *verbose_name_plural;  /* NULL: verbose_name + "s"                    */
    const char *get_latest_by;        /* field for earliest()/latest() without args  */
} dorm_model;

/* DORM_MODEL(Book, "library", Book_fields, .ordering = DORM_LIST("-publication_date"))
 * Meta options are optional; `.name` is set by the macro. */
#define DORM_MODEL(...)                                                                            \
    {.app_label = DORM__A2(__VA_ARGS__, ~), .size = sizeof(DORM__A1(__VA_ARGS__, ~)),              \
     .fields = DORM__A3(__VA_ARGS__, ~, ~), DORM__REST3(__VA_ARGS__, .name = DORM__STR(DORM__A1(__VA_ARGS__, ~)))}
/* In a header shared by several files: DORM_MODEL_DECLARE(Book); */
#define DORM_MODEL_DECLARE(T) extern const dorm_model T##_model

struct dorm_progress;

/* A C function a data migration (RunC) calls by name: it gets the context the
 * migration runs in (inside its transaction) and may report progress with
 * dorm_progress_report.  0 or a negative dorm_error (the migration is then
 * rolled back). */
typedef struct dorm_runc {
    const char *name;
    int (*fn)(struct dorm_ctx *cx, struct dorm_progress *progress);
} dorm_runc;
#define DORM_RUNCS(...) ((const dorm_runc[]){__VA_ARGS__, {NULL, NULL}})

/* An app: its label and its models (NULL-terminated), and for migrations the
 * folder of its migration files and the functions RunC operations name. */
typedef struct dorm_app {
    const char *label;
    const dorm_model *const *models;
    const char *migrations_dir;
    const dorm_runc *functions;
    /* SQL functions, aggregates, lookups and transforms the app adds to the
     * built-in ones (dorm/expr.h), NULL-terminated: DORM_FUNCS(&soundex). */
    const struct dorm_func_def *const *sql_functions;
    const struct dorm_lookup_def *const *lookups;
} dorm_app;
#define DORM_MODELS(...) ((const dorm_model *const[]){__VA_ARGS__, NULL})

/* The registry: every model of every app, validated once at start-up and
 * immutable afterwards (share it between threads and connections). */
typedef struct dorm_registry dorm_registry;

/* Builds and checks the registry of the NULL-terminated `apps`.  Always returns
 * a registry (NULL only when out of memory); dorm_registry_errcode() says
 * whether the system checks passed.  Free with dorm_registry_free. */
dorm_registry *dorm_registry_new(const dorm_app *const *apps);
void dorm_registry_free(dorm_registry *reg);
/* DORM_OK, or DORM_ECONFIG when a system check reported an error. */
int dorm_registry_errcode(const dorm_registry *reg);
/* The system-check messages, Django's format ("library.Book.title: (fields.E120)
 * CharFields must define a 'max_length' attribute."), one per line; "" if none.
 * Borrowed from the registry. */
const char *dorm_registry_messages(const dorm_registry *reg);

/* Display label of a field with choices (get_FOO_display): the label of the
 * current value, or the value itself as text when no choice matches.
 * Borrowed/arena string; NULL for a NULL value. */
const char *dorm_display_(const void *obj, const void *member);
#define dorm_get_display(obj, member) dorm_display_((obj), &(obj)->member)

/* Whether a field of an object holds SQL NULL, and setting it to NULL.  A
 * NULL field reads as NULL while its member is zero; assigning a non-zero
 * value to the member makes it hold that value.  To store a zero in a field
 * that is NULL, use dorm_clear_null first. */
bool dorm_is_null_(const void *obj, const void *member);
void dorm_set_null_(void *obj, const void *member, bool null);
#define dorm_is_null(obj, member) dorm_is_null_((obj), &(obj)->member)
#define dorm_set_null(obj, member) dorm_set_null_((obj), &(obj)->member, true)
#define dorm_clear_null(obj, member) dorm_set_null_((obj), &(obj)->member, false)
/* Whether a field was left out by only()/defer(). */
bool dorm_is_deferred_(const void *obj, const void *member);
#define dorm_is_deferred(obj, member) dorm_is_deferred_((obj), &(obj)->member)

#endif
