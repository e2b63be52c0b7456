/* dorm/model.h - declaring models: the DORM_OBJECT header of a model struct, the
 * static field table (DORM_CHAR, DORM_INT, DORM_FOREIGN_KEY, ...), model Meta
 * options, apps, and the registry that validates them at start-up.
 * SPDX-License-Identifier: MIT (see LICENSE) */
#ifndef DORM_MODEL_H
#define DORM_MODEL_H

#include "api.h"

#include <stddef.h>
#include <stdint.h>

#include "validate.h"
#include "value.h"

#ifdef __cplusplus
extern "C" {
#endif

struct dorm_ctx;
struct dorm_model;
struct dorm_storage;

/* The header every model struct starts with (as its first member, DORM_OBJECT).
 * dorm fills it; programs read it only through dorm calls. */
typedef struct dorm_object {
    const struct dorm_model *model; /* the object's model                    */
    const void *meta;       /* the registry's description of the model  */
    struct dorm_ctx *cx;    /* the context whose arena holds the object */
    uint32_t flags;         /* DORM_OBJ_* */
    uint32_t reserved;      /* zero */
    uint64_t nulls;         /* bit i: field i holds SQL NULL */
    uint64_t deferred;      /* bit i: field i was not loaded (only/defer) */
    void *ext;              /* annotations and relation caches (internal) */
} dorm_object;

/* The first member of every model struct:
 *   typedef struct Author { DORM_OBJECT; int64_t id; ... } Author; */
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
/* A ForeignKey whose key is not an integer: a text field of the target (its
 * CharField primary key, or a `.to_field` such as a country code) is stored as
 * `const char *`, a UUIDField as dorm_uuid.  DORM_FK_TO(Country, const char *),
 * DORM_FK_TO(Tag, dorm_uuid); the registry checks the type against the target. */
#define DORM_FK_TO(Target, KeyType) \
    struct {                        \
        KeyType id;                 \
        struct Target *obj;         \
    }

/* A field's kind: Django's field class, and the C type of its member. */
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
    DORM_KIND_CUSTOM,      /* a field type of the program's (dorm_field_type) */
    DORM_KIND_PARENT,      /* a base or parent model embedded in the struct
                            * (DORM_PARENT): no column of its own       */
    DORM_KIND_COMPOSITE,   /* CompositePrimaryKey (no member: its fields) */
    DORM_KIND_FILE,        /* FileField       const char * (the name in its storage) */
    DORM_KIND_IMAGE,       /* ImageField      const char *        */
    DORM_KIND_DURATION,    /* DurationField   dorm_duration       */
    DORM_KIND__COUNT
} dorm_kind;

/* What deleting the target of a ForeignKey does to the rows pointing at
 * it: Django's on_delete. */
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
    dorm_value value;   /* DORM_VTEXT("FIC"), DORM_VINT(1) */
    const char *label;  /* "Fiction"                      */
} dorm_choice;

/* DORM_CHOICES({DORM_VTEXT("FIC"), "Fiction"}, {DORM_VTEXT("NON"), "Non-Fiction"}) */
#define DORM_CHOICES(...) ((const dorm_choice[]){__VA_ARGS__, {DORM_VNULL, NULL}})
/* DORM_LIST("a", "b"): a NULL-terminated list of names (ordering, index fields). */
#define DORM_LIST(...) ((const char *const[]){__VA_ARGS__, NULL})

struct dorm_field;

/* A column type of a field type on one backend: {"postgresql", "bigint"}. */
typedef struct dorm_db_type {
    const char *vendor;          /* a driver's vendor: "sqlite", "postgresql" */
    const char *type;            /* the column type, written as it is         */
} dorm_db_type;
/* .db_types = DORM_DB_TYPES({"postgresql", "bigint"}, {"sqlite", "integer"}) */
#define DORM_DB_TYPES(...) ((const dorm_db_type[]){__VA_ARGS__, {NULL, NULL}})

/* A field type of the program's own (Django's Field subclass): a member of
 * any C type, stored in a column of one of dorm's kinds (`internal`, Django's
 * get_internal_type) through the conversions below.  Declared once,
 * `static`-free, named in DORM_FIELD_TYPE_DECLARE and used by DORM_CUSTOM;
 * migration files record it by `name`, so an app lists the types its
 * migrations name in `field_types` (those its models use are found anyway).
 * Memory a conversion needs (text, arrays) comes from dorm_alloc(cx, ...).
 * Fields are only ever appended. */
typedef struct dorm_field_type {
    const char *name;            /* "lifecycle.MoneyField": letters, digits, '_', '.' */
    dorm_kind internal;          /* DORM_KIND_INT, DORM_KIND_TEXT, ...: the column   */
    size_t size;                 /* sizeof the member                                */
    /* get_prep_value: the member as a value of `internal` (never called for
     * a NULL field).  A DORM_T_NONE value reports an allocation failure. */
    dorm_value (*to_db)(const void *member, struct dorm_ctx *cx);
    /* from_db_value: a non-NULL value of `internal` read from the database
     * into the member.  0 or a negative dorm_error. */
    int (*from_db)(const dorm_value *value, void *member, struct dorm_ctx *cx);
    /* to_python: any value given for the field (text from a fixture or a
     * form, a number, dorm_v_custom(&member) of its own member type) into
     * the member.  NULL, or Django's message for a value it cannot take,
     * "%(value)s" standing for the value ("'%(value)s' is not an amount of
     * money."): a ValidationError with code "invalid". */
    const char *(*to_c)(const dorm_value *value, void *member, struct dorm_ctx *cx);
    /* value_to_string: the text dumpdata writes and to_c reads back (NULL:
     * fixtures hold the database value). */
    const char *(*to_text)(const void *member, struct dorm_ctx *cx);
    /* The column type: the row of db_types for the connection's vendor,
     * else db_type's answer, else (both NULL) the internal kind's type. */
    const dorm_db_type *db_types;
    const char *(*db_type)(const struct dorm_field *f, const char *vendor);
    /* The lookups it takes, by name (DORM_LIST("exact", "in", "gt")); NULL:
     * those of the internal kind.  exact, in, range and the comparisons
     * convert their values with to_c then to_db; the pattern lookups
     * (contains, iexact, ...) and regex compare the text given. */
    const char *const *lookups;
    /* Field.validate: full_clean's checks of the member beyond choices, null
     * and blank, adding errors (dorm_verror_add with this field's name).
     * 0 or a negative dorm_error. */
    int (*validate)(const void *member, const char *field, struct dorm_verrors *errors);
    const char *description;     /* Django's Field.description                       */
} dorm_field_type;

/* In a header: DORM_FIELD_TYPE_DECLARE(MoneyField, Money); declares the type
 * MoneyField_type and MoneyField_c, the member type DORM_CUSTOM checks. */
#define DORM_FIELD_TYPE_DECLARE(Type, CType) \
    typedef CType Type##_c;                  \
    extern const dorm_field_type Type##_type

/* A field.  Declared with the DORM_<KIND> macros below, options after the
 * member name as designated initialisers: DORM_CHAR(Book, title, .max_length = 200).
 * Every member is the Django field option of the same name. */
typedef struct dorm_field {
    const char *name;            /* the member name: Django's attribute name       */
    dorm_kind kind;              /* set by the DORM_<KIND> macro                   */
    size_t offset;               /* offsetof(struct, member)                       */
    size_t size;                 /* sizeof(member)                                 */
    const char *db_column;       /* column name; NULL: name (FK: name + "_id")     */
    bool null;                   /* Django's null=True: the column may hold NULL   */
    bool blank;                  /* blank=True: full_clean accepts an empty value  */
    bool unique;                 /* unique=True                                    */
    bool db_index;               /* db_index=True: an index on the column          */
    bool no_db_index;            /* Django's db_index=False on a ForeignKey or a
                                  * SlugField, which are indexed by default   */
    bool primary_key;            /* primary_key=True (the auto kinds set it)       */
    bool not_editable;           /* Django's editable=False                        */
    bool auto_now;               /* DateTimeField/DateField: set on every save     */
    bool auto_now_add;           /* set on the first save                          */
    int max_length;              /* CharField & co.; 0: kind's default or required */
    int max_digits;              /* DecimalField                                   */
    int decimal_places;          /* DecimalField                                   */
    dorm_value default_value;    /* DORM_VINT(0), DORM_VTEXT("FIC"), ...           */
    dorm_value (*default_fn)(void); /* callable default; wins over default_value   */
    const dorm_choice *choices;  /* DORM_CHOICES(...)                              */
    const char *verbose_name;    /* accepted as in Django; no dorm call uses it yet */
    const char *help_text;       /* accepted as in Django; no dorm call uses it yet */
    /* relations */
    const struct dorm_model *to; /* ForeignKey target                              */
    dorm_on_delete on_delete;
    const char *related_name;    /* reverse accessor name; NULL: `<model>_set`      */
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
    bool uuid_key;               /* FK: the member's key is a dorm_uuid
                                  * (DORM_FK_TO); set by the macros            */
    const dorm_validator *validators; /* DORM_VALIDATORS(...): run by full_clean
                                       * after the kind's own (validate.h)     */
    const dorm_field_type *type; /* DORM_KIND_CUSTOM: its type (DORM_CUSTOM) */
    bool parent_link;            /* a OneToOneField to the model's concrete
                                  * parent (Django's parent_link=True): its
                                  * table's key, the parent's row's key */
    const char *const *pk_fields; /* DORM_COMPOSITE_PK: the key's fields    */
    /* FileField / ImageField (dorm/files.h) */
    const char *upload_to;       /* a directory for new files, strftime's %Y
                                  * & co. filled in with the local time    */
    const char *(*upload_to_fn)(const void *obj, const char *filename, struct dorm_ctx *cx);
                                 /* ... or the function naming them         */
    const struct dorm_storage *storage; /* where the files are              */
    const char *width_field;     /* ImageField: the fields an image's size  */
    const char *height_field;    /* is written to (integers)                */
} dorm_field;

/* Compile-time check that a member has the type its field macro needs.  A
 * mismatch stops the build with one line naming the member and the type
 * ("static assertion failed: \"dorm: member Book.pages must be declared
 * int32_t\""): the _Static_assert sits in a struct whose size is added, times
 * zero, to the field's offset, since an initialiser cannot hold a declaration.
 * The macros take (Struct, member, options...) as one variadic list so that a
 * field without options is valid ISO C; `.name` is set last and must not be
 * given. */
#define DORM__STR(x) DORM__STR_(x)
#define DORM__STR_(x) #x
#define DORM__A1(a, ...) a
#define DORM__A2(a, b, ...) b
#define DORM__A3(a, b, c, ...) c
#define DORM__REST2(a, b, ...) __VA_ARGS__
#define DORM__REST3(a, b, c, ...) __VA_ARGS__
#define DORM__MEMBER(T, m) (((T *)0)->m)
#define DORM__ASSERT(cond, msg) (0 * sizeof(struct { _Static_assert(cond, msg); char dorm__unused; }))
#define DORM__WANT(T, m, type) "dorm: member " DORM__STR(T) "." DORM__STR(m) " must be declared " type
#define DORM__IS(T, m, type, name) DORM__ASSERT(_Generic(DORM__MEMBER(T, m), type: 1, default: 0), DORM__WANT(T, m, name))
#define DORM__CHK_STR(T, m)                                                                   \
    DORM__ASSERT(_Generic(DORM__MEMBER(T, m), const char *: 1, char *: 1, default: 0),         \
                 DORM__WANT(T, m, "const char *"))
#define DORM__CHK_I64(T, m) DORM__IS(T, m, int64_t, "int64_t")
#define DORM__CHK_I32(T, m) DORM__IS(T, m, int32_t, "int32_t")
#define DORM__CHK_I16(T, m) DORM__IS(T, m, int16_t, "int16_t")
#define DORM__CHK_DBL(T, m) DORM__IS(T, m, double, "double")
#define DORM__CHK_DEC(T, m) DORM__IS(T, m, dorm_decimal, "dorm_decimal")
#define DORM__CHK_BOOL(T, m) DORM__IS(T, m, _Bool, "bool")
#define DORM__CHK_DATE(T, m) DORM__IS(T, m, dorm_date, "dorm_date")
#define DORM__CHK_DT(T, m) DORM__IS(T, m, dorm_datetime, "dorm_datetime")
#define DORM__CHK_TIME(T, m) DORM__IS(T, m, dorm_time, "dorm_time")
#define DORM__CHK_UUID(T, m) DORM__IS(T, m, dorm_uuid, "dorm_uuid")
#define DORM__CHK_BYTES(T, m) DORM__IS(T, m, dorm_bytes, "dorm_bytes")
#define DORM__CHK_DUR(T, m) DORM__IS(T, m, dorm_duration, "dorm_duration")
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
/* DORM_DURATION(Task, spent, .default_value = DV(dorm_timedelta(0, 3600, 0))):
 * Django's DurationField, a dorm_duration (microseconds in a bigint on
 * SQLite and MariaDB, an interval on PostgreSQL). */
#define DORM_DURATION(...) DORM__KIND(DORM_KIND_DURATION, DORM__CHK_DUR, __VA_ARGS__)
/* DORM_FILE(Doc, attachment, .upload_to = "docs/%Y/%m/", .storage = &media):
 * Django's FileField, the file's name in its storage (varchar(max_length or
 * 100)); DORM_IMAGE adds .width_field / .height_field (dorm/files.h). */
#define DORM_FILE(...) DORM__KIND(DORM_KIND_FILE, DORM__CHK_STR, __VA_ARGS__)
#define DORM_IMAGE(...) DORM__KIND(DORM_KIND_IMAGE, DORM__CHK_STR, __VA_ARGS__)
/* DORM_FOREIGN_KEY(Book, author, Author, .on_delete = DORM_CASCADE, .related_name = "books")
 * The member's size is checked first, so a plain member (int64_t author) also
 * fails on the readable line before the compiler looks for author.id. */
#define DORM__FK_WANT(T, m, Target)                                                                     \
    DORM__WANT(T, m, "DORM_FK(" DORM__STR(Target) "), DORM_FK_TO(" DORM__STR(Target) ", const char *) or " \
                     "DORM_FK_TO(" DORM__STR(Target) ", dorm_uuid)")
#define DORM__FK_CHK(T, m, Target)                                                                      \
    DORM__ASSERT(sizeof(DORM__MEMBER(T, m)) == sizeof(DORM_FK(Target)) ||                               \
                     sizeof(DORM__MEMBER(T, m)) == sizeof(DORM_FK_TO(Target, const char *)) ||          \
                     sizeof(DORM__MEMBER(T, m)) == sizeof(DORM_FK_TO(Target, dorm_uuid)),               \
                 DORM__FK_WANT(T, m, Target)) +                                                         \
        DORM__ASSERT(_Generic(DORM__MEMBER(T, m.id), int64_t: 1, const char *: 1, dorm_uuid: 1, default: 0) && \
                         _Generic(DORM__MEMBER(T, m.obj), Target *: 1, default: 0),                     \
                     DORM__FK_WANT(T, m, Target))
#define DORM__FK_TEXT(T, m) _Generic(DORM__MEMBER(T, m.id), const char *: 1, default: 0)
#define DORM__FK_UUID(T, m) _Generic(DORM__MEMBER(T, m.id), dorm_uuid: 1, default: 0)
#define DORM_FOREIGN_KEY(...)                                                              \
    {DORM__FIELD(DORM__A1(__VA_ARGS__, ~), DORM__A2(__VA_ARGS__, ~), DORM_KIND_FK,          \
                 DORM__FK_CHK(DORM__A1(__VA_ARGS__, ~), DORM__A2(__VA_ARGS__, ~),           \
                              DORM__A3(__VA_ARGS__, ~, ~))),                               \
     .to = &DORM__CAT(DORM__A3(__VA_ARGS__, ~, ~), _model),                                 \
     .text_key = DORM__FK_TEXT(DORM__A1(__VA_ARGS__, ~), DORM__A2(__VA_ARGS__, ~)),          \
     .uuid_key = DORM__FK_UUID(DORM__A1(__VA_ARGS__, ~), DORM__A2(__VA_ARGS__, ~)),          \
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
     .uuid_key = DORM__FK_UUID(DORM__A1(__VA_ARGS__, ~), DORM__A2(__VA_ARGS__, ~)),          \
     DORM__REST3(__VA_ARGS__, .name = DORM__STR(DORM__A2(__VA_ARGS__, ~)))}
/* DORM_MANY_TO_MANY(Book, tags, Tag, .related_name = "books"): Django's
 * ManyToManyField.  It has no struct member: its rows live in a join table,
 * automatic (library_book_tags with book_id and tag_id, unique together) or
 * the model given as `.through`.  Reached with dorm_related(b, "tags") and
 * the m2m managers; `tags__name` traverses it in filters. */
#define DORM_MANY_TO_MANY(...)                                                            \
    {.kind = DORM_KIND_M2M + 0 * (int)sizeof(DORM__A1(__VA_ARGS__, ~)),                     \
     .to = &DORM__CAT(DORM__A3(__VA_ARGS__, ~, ~), _model),                                \
     DORM__REST3(__VA_ARGS__, .name = DORM__STR(DORM__A2(__VA_ARGS__, ~)))}
/* DORM_CUSTOM(Purchase, price, MoneyField, .blank = true): a field of the
 * program's type MoneyField (DORM_FIELD_TYPE_DECLARE), whose member must be
 * declared MoneyField_c (the C type the declaration names). */
#define DORM__TYPE_WANT(T, m, Type) DORM__WANT(T, m, "the member type of " DORM__STR(Type))
#define DORM_CUSTOM(...)                                                                                   \
    {DORM__FIELD(DORM__A1(__VA_ARGS__, ~), DORM__A2(__VA_ARGS__, ~), DORM_KIND_CUSTOM,                     \
                 DORM__ASSERT(_Generic(DORM__MEMBER(DORM__A1(__VA_ARGS__, ~), DORM__A2(__VA_ARGS__, ~)),   \
                                       DORM__CAT(DORM__A3(__VA_ARGS__, ~, ~), _c): 1, default: 0),        \
                              DORM__TYPE_WANT(DORM__A1(__VA_ARGS__, ~), DORM__A2(__VA_ARGS__, ~),          \
                                              DORM__A3(__VA_ARGS__, ~, ~)))),                             \
     .type = &DORM__CAT(DORM__A3(__VA_ARGS__, ~, ~), _type),                                               \
     DORM__REST3(__VA_ARGS__, .name = DORM__STR(DORM__A2(__VA_ARGS__, ~)))}
/* DORM_PARENT(Person, stamped, TimeStamped): the model inherits from
 * another (Django's `class Person(TimeStamped)`), whose struct the model's
 * struct embeds as the member named:
 * - an abstract base (`.abstract = true`): its fields are the model's own,
 *   at this place in the table, read and written in the embedded member
 *   (`p->stamped.created`); its Meta options and managers are inherited;
 * - a concrete parent (multi-table inheritance): the model's struct
 *   embeds the parent's after its own header (`typedef struct Staff {
 *   DORM_OBJECT; Person person; ... }`: s->person.name); the parent's
 *   fields come first and live in the parent's table, reached through the
 *   model's parent link (DORM_PARENT_LINK), and dorm_fk(s, person_ptr) is
 *   the embedded Person as an object of its own (no query);
 * - the model a proxy (`.proxy = true`) stands for: the proxy's only entry.
 * The member must be of the parent's type (a compile error otherwise). */
#define DORM__PARENT_WANT(T, m, P) DORM__WANT(T, m, DORM__STR(P) " (the struct of the parent model)")
#define DORM_PARENT(...)                                                                                   \
    {.kind = DORM_KIND_PARENT,                                                                             \
     .offset = offsetof(DORM__A1(__VA_ARGS__, ~), DORM__A2(__VA_ARGS__, ~)) +                              \
               0 * DORM__ASSERT(_Generic(DORM__MEMBER(DORM__A1(__VA_ARGS__, ~), DORM__A2(__VA_ARGS__, ~)),  \
                                         DORM__A3(__VA_ARGS__, ~, ~): 1, default: 0),                      \
                                DORM__PARENT_WANT(DORM__A1(__VA_ARGS__, ~), DORM__A2(__VA_ARGS__, ~),       \
                                                  DORM__A3(__VA_ARGS__, ~, ~))),                           \
     .size = sizeof(DORM__MEMBER(DORM__A1(__VA_ARGS__, ~), DORM__A2(__VA_ARGS__, ~))),                      \
     .to = &DORM__CAT(DORM__A3(__VA_ARGS__, ~, ~), _model),                                                 \
     DORM__REST3(__VA_ARGS__, .name = DORM__STR(DORM__A2(__VA_ARGS__, ~)))}
/* DORM_PARENT_LINK(Staff, person_ptr, Person): the one-to-one a
 * multi-table child keeps to its parent's row (Django's automatic
 * `person_ptr`, OneToOneField(parent_link=True, primary_key=True,
 * on_delete=CASCADE)); the member is DORM_FK(Person).  For other options
 * declare DORM_ONE_TO_ONE(..., .parent_link = true, ...) yourself. */
#define DORM_PARENT_LINK(...) \
    DORM_ONE_TO_ONE(__VA_ARGS__, .parent_link = true, .primary_key = true, .on_delete = DORM_CASCADE)
/* DORM_COMPOSITE_PK("product_id", "order_id"): Django 5.2's
 * `pk = models.CompositePrimaryKey("product_id", "order_id")`, the model's
 * primary key made of its fields (by name or attname, at least two, none
 * of them null).  It has no member: dorm_pk_of(obj) is the list of
 * their values, DQ("pk", DLIST(1, "A755H")) compares all of them. */
#define DORM_COMPOSITE_PK(...) \
    {.name = "pk", .kind = DORM_KIND_COMPOSITE, .primary_key = true, .pk_fields = DORM_LIST(__VA_ARGS__)}
#define DORM_END {.name = NULL}

/* An index of Meta.indexes: fields (a "-name" is descending) and an optional
 * name (NULL: Django's generated name, e.g. library_boo_title_c38ef2_idx). */
typedef struct dorm_index {
    const char *const *fields;  /* DORM_LIST("title", "-published") */
    const char *name;           /* NULL: Django's generated name    */
} dorm_index;
/* Meta.indexes: DORM_INDEXES({DORM_LIST("title"), NULL}, ...). */
#define DORM_INDEXES(...) ((const dorm_index[]){__VA_ARGS__, {NULL, NULL}})

/* Which constraint a dorm_constraint is. */
typedef enum dorm_constraint_kind {
    DORM_CONSTRAINT_UNIQUE = 1,
    DORM_CONSTRAINT_CHECK
} dorm_constraint_kind;

/* Meta.constraints: UniqueConstraint(fields, name) or CheckConstraint(check, name).
 * A check is a constant filter (see query.h), e.g. DQC("pages__gte", DORM_VINT(0)); it is compiled with
 * its values inlined as literals because DDL cannot take parameters. */
typedef struct dorm_constraint {
    dorm_constraint_kind kind;     /* UNIQUE or CHECK */
    const char *name;              /* required        */
    const char *const *fields;     /* UNIQUE */
    const struct dorm_q *check;    /* CHECK  */
} dorm_constraint;
/* Meta.constraints: DORM_CONSTRAINTS({DORM_CONSTRAINT_UNIQUE, "name",
 * DORM_LIST("slug"), NULL}, ...). */
#define DORM_CONSTRAINTS(...) ((const dorm_constraint[]){__VA_ARGS__, {0, NULL, NULL, NULL}})
/* Meta.unique_together: DORM_UNIQUE_TOGETHER(DORM_LIST("title", "author")). */
#define DORM_UNIQUE_TOGETHER(...) ((const char *const *const[]){__VA_ARGS__, NULL})

struct dorm_qs;
struct dorm_deleted;
struct dorm_verrors;

/* A QuerySet class (Django's QuerySet subclass): built-in calls it
 * overrides.  A QuerySet made by a manager carries its manager's class
 * through every chained call, so dorm_qs_delete() on
 * dorm_filter(dorm_manager(cx, Notice, "objects"), ...) runs the class's
 * delete.  Custom QuerySet methods are plain functions taking and returning
 * a dorm_qs * (published(qs), by_author(qs, name)): they need no entry
 * here.  Fields are only ever appended. */
typedef struct dorm_qs_class {
    const char *name;                                         /* "SoftDeleteQuerySet" */
    /* QuerySet.delete(): 0 or a negative dorm_error, filling out (may be
     * NULL) as the built-in does.  dorm_qs_base_delete() is super().delete(). */
    int (*delete_fn)(struct dorm_qs *qs, struct dorm_deleted *out);
} dorm_qs_class;

/* A manager (Django's Manager): its name, the QuerySet it starts from
 * (Django's get_queryset: receives the QuerySet of every row, already of
 * the manager's class, and returns it narrowed; NULL: every row) and the
 * class of its QuerySets (NULL: the plain QuerySet).  A model's first
 * manager is its default manager unless Meta.default_manager_name says
 * otherwise; a model declaring none has Django's plain "objects". */
typedef struct dorm_manager {
    const char *name;                                    /* "objects", "all_objects" */
    struct dorm_qs *(*get_queryset)(struct dorm_qs *qs); /* NULL: every row          */
    const dorm_qs_class *qs_class;                       /* NULL: the plain QuerySet  */
} dorm_manager;
/* .managers = DORM_MANAGERS({"objects", alive, &SoftDelete_qs}, {"all_objects", NULL, &SoftDelete_qs}) */
#define DORM_MANAGERS(...) ((const dorm_manager[]){__VA_ARGS__, {NULL, NULL, NULL}})

/* The layout of dorm_model, dorm_field and the structs they point to, as
 * this header declares them.  DORM_MODEL writes it into each model, and the
 * registry refuses a model whose layout is not the library's (a program
 * built against other headers: dorm.E037), before it reads a field.  Raised
 * with any change to those structs (see CONTRIBUTING.md). */
#define DORM_MODEL_ABI 2

/* A model: a struct type, its field table and its Meta options. */
typedef struct dorm_model {
    unsigned abi;                     /* DORM_MODEL_ABI (DORM_MODEL writes it)       */
    const char *name;                 /* "Book" (Django's object_name)               */
    const char *app_label;            /* "library"                                   */
    size_t size;                      /* sizeof(struct)                              */
    const dorm_field *fields;         /* DORM_END-terminated                         */
    const char *db_table;             /* NULL: "<app_label>_<lowercase name>"        */
    const char *const *ordering;      /* DORM_LIST("-publication_date")              */
    const dorm_index *indexes;        /* DORM_INDEXES(...)                           */
    const char *const *const *unique_together; /* DORM_UNIQUE_TOGETHER(DORM_LIST(..)) */
    const dorm_constraint *constraints; /* DORM_CONSTRAINTS(...)                   */
    const char *verbose_name;         /* NULL: "book"                                */
    const char *verbose_name_plural;  /* NULL: verbose_name + "s"                    */
    const char *get_latest_by;        /* field for earliest()/latest() without args  */
    const dorm_manager *managers;     /* DORM_MANAGERS(...); NULL: a plain "objects"  */
    const char *default_manager_name; /* Meta.default_manager_name; NULL: the first  */
    const char *base_manager_name;    /* Meta.base_manager_name; NULL: a plain manager */
    /* Model.delete() override (the soft delete of a row): what dorm_delete()
     * runs instead of the built-in, which dorm_base_delete() still is.  0 or
     * a negative dorm_error; `out` may be NULL. */
    int (*delete_fn)(void *obj, struct dorm_deleted *out);
    /* Model.clean(): cross-field validation run by full_clean after the
     * fields, adding errors with dorm_verror_add (field NULL: __all__).  0,
     * or a negative dorm_error for a failure that is not a validation one. */
    int (*clean)(void *obj, struct dorm_verrors *errors);
    /* Model.__str__: the object as text (borrowed, or made in its context's
     * arena), used where Django writes an object's repr, "<Person: Ann>".
     * NULL: Django's default, "Person object (1)". */
    const char *(*str)(const void *obj);
    /* Meta.abstract: a base other models inherit from (DORM_PARENT); it
     * has no table and no objects, and is not registered. */
    bool abstract;
    /* Meta.proxy: another class for the rows of the model its only field
     * entry (DORM_PARENT) names: the same table, its own managers,
     * ordering and functions; no table of its own. */
    bool proxy;
    /* natural_key(): the fields whose values name a row without its key,
     * DORM_LIST("name", "country"), in the order fixtures write them; also
     * Django's get_by_natural_key (one get() on the default manager with
     * each field equal to its value).  A ForeignKey among them stands for
     * its target's natural key, flattened into the list as Django's
     * `(self.name,) + self.author.natural_key()`.  NULL: the one of an
     * abstract base, else of the concrete parent or proxied model, else
     * none (the model is dumped by its key). */
    const char *const *natural_key;
    /* natural_key.dependencies: the models ("app.Model") that dumpdata
     * --natural-foreign writes before this one (inherited with natural_key). */
    const char *const *natural_key_dependencies;
} dorm_model;

/* An empty Meta list, where leaving the option out would inherit the
 * base's: .ordering = DORM_EMPTY_LIST. */
#define DORM_EMPTY_LIST ((const char *const[]){NULL})

/* DORM_MODEL(Book, "library", Book_fields, .ordering = DORM_LIST("-publication_date"))
 * Meta options are optional; `.name` is set by the macro. */
#define DORM_MODEL(...)                                                                            \
    {.abi = DORM_MODEL_ABI, .app_label = DORM__A2(__VA_ARGS__, ~), .size = sizeof(DORM__A1(__VA_ARGS__, ~)), \
     .fields = DORM__A3(__VA_ARGS__, ~, ~), DORM__REST3(__VA_ARGS__, .name = DORM__STR(DORM__A1(__VA_ARGS__, ~)))}
/* In a header shared by several files: DORM_MODEL_DECLARE(Book); */
#define DORM_MODEL_DECLARE(T) extern const dorm_model T##_model

struct dorm_progress;

/* A C function a data migration (RunC) calls by name: it gets the context the
 * migration runs in (inside its transaction) and may report progress with
 * dorm_progress_report.  0 or a negative dorm_error (the migration is then
 * rolled back). */
typedef struct dorm_runc {
    const char *name;  /* the name migration files give ("fill_slugs") */
    int (*fn)(struct dorm_ctx *cx, struct dorm_progress *progress); /* the function */
} dorm_runc;
/* An app's RunC functions: DORM_RUNCS({"fill_slugs", fill_slugs}, ...). */
#define DORM_RUNCS(...) ((const dorm_runc[]){__VA_ARGS__, {NULL, NULL}})

/* An app: its label and its models (NULL-terminated), and for migrations the
 * folder of its migration files and the functions RunC operations name. */
typedef struct dorm_app {
    const char *label;                /* "library"                              */
    const dorm_model *const *models;  /* DORM_MODELS(&Author_model, ...)        */
    const char *migrations_dir;       /* its migration files; NULL: none        */
    const dorm_runc *functions;       /* DORM_RUNCS(...) for RunC; may be NULL  */
    /* Field types its migration files may name that no model of the
     * program uses any more (DORM_FIELD_TYPES(&MoneyField_type)). */
    const dorm_field_type *const *field_types;
    /* SQL functions, aggregates, lookups and transforms the app adds to the
     * built-in ones (dorm/expr.h), NULL-terminated: DORM_FUNCS(&soundex). */
    const struct dorm_func_def *const *sql_functions;
    const struct dorm_lookup_def *const *lookups;
} dorm_app;
/* An app's models: DORM_MODELS(&Author_model, &Book_model). */
#define DORM_MODELS(...) ((const dorm_model *const[]){__VA_ARGS__, NULL})
#define DORM_FIELD_TYPES(...) ((const dorm_field_type *const[]){__VA_ARGS__, NULL})

/* The registry: every model of every app, validated once at start-up and
 * immutable afterwards (share it between threads and connections). */
typedef struct dorm_registry dorm_registry;

/* Builds and checks the registry of the NULL-terminated `apps`.  Always returns
 * a registry (NULL only when out of memory); dorm_registry_errcode() says
 * whether the system checks passed.  Free with dorm_registry_free. */
DORM_API dorm_registry *dorm_registry_new(const dorm_app *const *apps);
DORM_API void dorm_registry_free(dorm_registry *reg);
/* DORM_OK, or DORM_ECONFIG when a system check reported an error. */
DORM_API int dorm_registry_errcode(const dorm_registry *reg);
/* The system-check messages, Django's format ("library.Book.title: (fields.E120)
 * CharFields must define a 'max_length' attribute."), one per line, a hint on
 * the next line after a tab ("HINT: ...") as Django prints it; "" if none.
 * Borrowed from the registry. */
DORM_API const char *dorm_registry_messages(const dorm_registry *reg);

/* Field.get_internal_type(): the class name of the built-in kind a field is
 * stored as ("IntegerField" for a MoneyField of the program's kept in an
 * integer column), or NULL when the model has no field `name`. */
DORM_API const char *dorm_field_internal_type(const dorm_model *model, const char *name);

/* What Django's Model._meta tells about a model, as the registry of a
 * context's connection has it (strings borrowed from the registry or in
 * the context's arena). */
typedef struct dorm_model_info {
    bool abstract;                 /* Meta.abstract (then only the fields below) */
    bool proxy;                    /* Meta.proxy                                */
    const char *field_names;       /* the concrete fields, ", "-joined, a
                                    * parent's first: "id, created, updated, name" */
    const char *const *fields;     /* the same, NULL-terminated                 */
    const char *db_table;          /* a proxy's is its concrete model's         */
    const char *pk;                /* the primary key's name                    */
    const char *const *ordering;   /* Meta.ordering as inherited, NULL-terminated */
    const struct dorm_model *concrete; /* _meta.concrete_model                  */
    const struct dorm_model *parent;   /* multi-table: the concrete parent      */
    const char *parent_link;       /* ... and the child's link to it (_meta.parents) */
    const char *default_manager;   /* _default_manager.name                     */
} dorm_model_info;
/* Fills *out for model.  0, or DORM_ECONFIG (recorded on cx) for a model
 * the registry does not know. */
DORM_API int dorm_model_describe(struct dorm_ctx *cx, const struct dorm_model *model, dorm_model_info *out);

/* Display label of a field with choices (get_FOO_display): the label of the
 * current value, or the value itself as text when no choice matches.
 * Borrowed/arena string; NULL for a NULL value. */
DORM_API const char *dorm_display_(const void *obj, const void *member);
#define dorm_get_display(obj, member) dorm_display_((obj), &(obj)->member)

/* Whether a field of an object holds SQL NULL, and setting it to NULL.  A
 * NULL field reads as NULL while its member is zero; assigning a non-zero
 * value to the member makes it hold that value.  To store a zero in a field
 * that is NULL, use dorm_clear_null first. */
DORM_API bool dorm_is_null_(const void *obj, const void *member);
DORM_API void dorm_set_null_(void *obj, const void *member, bool null);
#define dorm_is_null(obj, member) dorm_is_null_((obj), &(obj)->member)
#define dorm_set_null(obj, member) dorm_set_null_((obj), &(obj)->member, true)
#define dorm_clear_null(obj, member) dorm_set_null_((obj), &(obj)->member, false)
/* Whether a field was left out by only()/defer(): dorm_is_deferred(a, biography). */
DORM_API bool dorm_is_deferred_(const void *obj, const void *member);
#define dorm_is_deferred(obj, member) dorm_is_deferred_((obj), &(obj)->member)

#ifdef __cplusplus
}
#endif

#endif
