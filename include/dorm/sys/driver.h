/* dorm/sys/driver.h - the interface a database backend implements: a versioned
 * driver vtable (connect, prepare, bind, step, read columns), the dialect the
 * SQL compiler asks for spelling (quoting, operators, date extraction, types)
 * and the feature flags it asks for capabilities.  For backend authors; the
 * core never tests which backend it runs on.
 * SPDX-License-Identifier: MIT (see LICENSE) */
#ifndef DORM_SYS_DRIVER_H
#define DORM_SYS_DRIVER_H

#include "../api.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../error.h"
#include "../model.h"
#include "../value.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The version of dorm_driver and dorm_dialect below; a driver's `version`
 * must equal it (a changed layout bumps it: 2 since 0.1.0 added the
 * expression, JSON, conflict and grouping members of dorm_dialect). */
#define DORM_DRIVER_VERSION 2

/* A growable byte buffer (always NUL-terminated).  On allocation failure it
 * keeps its old content and records the failure in `failed`. */
typedef struct dorm_buf {
    char *data;   /* the bytes, NUL-terminated; NULL while empty */
    size_t len;   /* bytes written                               */
    size_t cap;   /* bytes allocated                             */
    bool failed;  /* an allocation failed: the content is short   */
} dorm_buf;
/* An empty buffer: dorm_buf b = DORM_BUF_INIT; */
#define DORM_BUF_INIT {NULL, 0, 0, false}
/* Appending: n bytes of s; a NUL-terminated s; one character; printf. */
DORM_API void dorm_buf_put(dorm_buf *b, const char *s, size_t n);
DORM_API void dorm_buf_puts(dorm_buf *b, const char *s);
DORM_API void dorm_buf_putc(dorm_buf *b, char c);
DORM_API void dorm_buf_printf(dorm_buf *b, const char *fmt, ...);
/* Empties the buffer, keeping its memory (and clearing `failed`). */
DORM_API void dorm_buf_reset(dorm_buf *b);
/* Frees the buffer's memory; it is empty again afterwards. */
DORM_API void dorm_buf_free(dorm_buf *b);
/* Appends `name` quoted with `q`, doubling any embedded `q`. */
DORM_API void dorm_buf_quote(dorm_buf *b, char q, const char *name);
/* Appends a value as an SQL literal, for DDL only (which takes no parameters):
 * text quoted with embedded quotes doubled, numbers, dates as text. */
DORM_API void dorm_buf_literal(dorm_buf *b, const dorm_value *v);

/* An error reported by a driver: a dorm_error code and a message. */
typedef struct dorm_errbuf {
    int code;       /* DORM_OK or a negative dorm_error       */
    char msg[512];  /* the message, in Django's words         */
} dorm_errbuf;
/* Sets code and a printf message; returns code (for `return dorm_err(...)`). */
DORM_API int dorm_err(dorm_errbuf *e, int code, const char *fmt, ...);

/* A parsed database URL.  Strings are NUL-terminated and owned by the URL. */
typedef struct dorm_url {
    char *scheme;    /* "sqlite", "postgres", ...             */
    char *user;      /* NULL: none given                       */
    char *password;  /* NULL: none given                       */
    char *host;      /* or a unix socket directory             */
    int port;        /* 0: default                             */
    char *path;      /* database name or file path             */
    size_t nparams;  /* query parameters: how many             */
    char **keys;     /* query parameters, percent-decoded      */
    char **values;   /* their values, percent-decoded          */
} dorm_url;

/* Lookups the compiler spells through the dialect. */
typedef enum dorm_lookup {
    DORM_LK_EXACT = 0,
    DORM_LK_IEXACT,
    DORM_LK_CONTAINS,
    DORM_LK_ICONTAINS,
    DORM_LK_STARTSWITH,
    DORM_LK_ISTARTSWITH,
    DORM_LK_ENDSWITH,
    DORM_LK_IENDSWITH,
    DORM_LK_GT,
    DORM_LK_GTE,
    DORM_LK_LT,
    DORM_LK_LTE,
    DORM_LK_IN,
    DORM_LK_RANGE,
    DORM_LK_ISNULL,
    DORM_LK_REGEX,
    DORM_LK_IREGEX,
    /* JSONField's contains: containment (Django's DataContains), not a
     * substring; a dialect without an operator for it refuses it. */
    DORM_LK_JSON_CONTAINS,
    /* The other JSONField lookups: contained_by (<@), has_key, has_keys,
     * has_any_keys; a dialect without an operator for contained_by refuses
     * it, and one with JSON paths (dorm_json_sql.has_path) spells the
     * has_* ones with them. */
    DORM_LK_JSON_CONTAINED_BY,
    DORM_LK_HAS_KEY,
    DORM_LK_HAS_KEYS,
    DORM_LK_HAS_ANY_KEYS,
    DORM_LK__COUNT
} dorm_lookup;

/* Transforms on dates and times (Django's Extract* / TruncDate / TruncTime). */
typedef enum dorm_extract {
    DORM_EX_YEAR = 0,
    DORM_EX_ISO_YEAR,
    DORM_EX_MONTH,
    DORM_EX_DAY,
    DORM_EX_WEEK,          /* ISO 8601 week number            */
    DORM_EX_WEEK_DAY,      /* 1 = Sunday .. 7 = Saturday      */
    DORM_EX_ISO_WEEK_DAY,  /* 1 = Monday .. 7 = Sunday        */
    DORM_EX_QUARTER,
    DORM_EX_HOUR,
    DORM_EX_MINUTE,
    DORM_EX_SECOND,
    DORM_EX_DATE,          /* datetime -> date                */
    DORM_EX_TIME,          /* datetime -> time                */
    DORM_EX__COUNT
} dorm_extract;

/* A column of a table as the schema editor sees it (no models here). */
typedef struct dorm_column_def {
    const char *name;          /* the column name                               */
    dorm_kind kind;            /* DORM_KIND_FK means "integer key to ref_table" */
    /* The field options of the same names (dorm_field). */
    int max_length, max_digits, decimal_places;
    bool null, primary_key, unique;
    bool db_index;             /* a plain index on the column (FKs get one too) */
    /* Foreign keys: the table and column referenced. */
    const char *ref_table, *ref_column;
    dorm_kind ref_kind;        /* kind of the referenced column */
    /* The FOREIGN KEY constraint's name where the dialect adds it by ALTER
     * TABLE (!inline_fk); NULL lets the server name it. */
    const char *fk_name;
    /* The name a UNIQUE constraint added to an existing column gets
     * (Django's "<table>_<column>_<hash>_uniq"); NULL: the server's. */
    const char *unique_name;
    /* Foreign keys: the name of a plain index on the column alone (Django's
     * "<table>_<column>_<hash>"), which a dialect may need to add itself
     * (drop_keyed_index below). */
    const char *index_name;
    /* Altering only: the value existing rows get when the column is added or
     * made NOT NULL (Django's one-off default); NULL: none. */
    const dorm_value *fill;
    /* The column type written as it is (a program's field type gives it);
     * NULL: the dialect's column_type for `kind`. */
    const char *db_type;
} dorm_column_def;

/* An index of the table's `indexes`; a unique one is a UNIQUE constraint
 * where the dialect spells unique_together so (!unique_as_index). */
typedef struct dorm_index_def {
    const char *name;             /* the index's name */
    const char *const *columns;   /* NULL-terminated */
    const bool *desc;             /* per column, may be NULL */
    bool unique;                  /* UNIQUE          */
    const char *opclass;          /* operator class of every column, or NULL */
} dorm_index_def;

/* A CHECK constraint of a table. */
typedef struct dorm_check_def {
    const char *name;             /* the constraint's name           */
    const char *sql;              /* the condition, already compiled */
} dorm_check_def;

/* A table as the schema editor creates it: columns, then indexes, unique
 * constraints and checks, each an array and its length. */
typedef struct dorm_table_def {
    const char *name;                   /* the table's name            */
    size_t ncolumns;                    /* columns: how many           */
    const dorm_column_def *columns;     /* in order                    */
    size_t nindexes;                    /* indexes: how many           */
    const dorm_index_def *indexes;      /* created after the table     */
    size_t nuniques;                    /* uniques: how many           */
    const dorm_index_def *uniques;      /* UNIQUE(...) table constraints */
    size_t nchecks;                     /* checks: how many            */
    const dorm_check_def *checks;       /* CHECK (...) table constraints */
    const char *const *pk_columns;      /* a composite primary key's columns
                                         * (PRIMARY KEY (a, b) after the
                                         * constraints), NULL-terminated   */
} dorm_table_def;

/* A function being written by a dialect's code (dorm_func_sql.write), for
 * what a template cannot say (Django's as_<vendor> methods): text goes to
 * `out`, arguments and bound values through the callbacks, which keep the
 * parameters in the order of the text.  `kind` is the function's output
 * field and `target` the column type a Cast converts to (else NULL).
 * tmpl(w, NULL) writes the function as Django's base class does. */
typedef struct dorm_sqlw {
    dorm_buf *out;                                           /* the SQL text         */
    int nargs;                                               /* how many arguments   */
    dorm_kind kind;                                          /* the output field     */
    const struct dorm_column_def *target;                    /* a Cast's target      */
    void (*arg)(struct dorm_sqlw *w, int i);                 /* argument i (0-based)  */
    void (*param)(struct dorm_sqlw *w, const dorm_value *v); /* a bound value         */
    void (*tmpl)(struct dorm_sqlw *w, const char *sql);      /* a dorm_func_def template */
    void *impl;                                              /* the writer's own     */
    /* Binds a copy of the text s (n bytes) the backend built (a JSON path). */
    void (*text_param)(struct dorm_sqlw *w, const char *s, size_t n);
} dorm_sqlw;

/* How this backend spells a built-in function (by its name, "StrIndex"):
 * a template as dorm_func_def.sql has them, or code. */
typedef struct dorm_func_sql {
    const char *name;             /* the function's name ("StrIndex")           */
    const char *sql;              /* a template, or NULL                        */
    void (*write)(dorm_sqlw *w);  /* code, where a template cannot say it       */
} dorm_func_sql;

/* How a backend reaches into JSON: Django's KeyTransform and the JSONField
 * lookups.  Keys are always bound, never written into the SQL: as one JSON
 * path ("$.\"a\"[0]", dorm_json_path) on a backend of JSON path functions,
 * else one by one (or as a path array) to its operators. */
typedef struct dorm_json_sql {
    /* Writes argument 0 (JSON) reached through keys[0..n); `text`: the value
     * as text (KeyTextTransform's ->>), else as JSON. */
    void (*key)(dorm_sqlw *w, const char *const *keys, size_t n, bool text);
    /* JSON path backends: templates of %1 the JSON and %2 a bound path.
     * has_path: the path exists (has_key; isnull on a key); type: what is
     * there, compared with 'null' for a JSON null.  NULL: operators. */
    const char *has_path;
    const char *type;
    /* A bound JSON text as a JSON value ("JSON_EXTRACT(%s, '$')") where a
     * key is compared with exact/in; NULL: the parameter as it is. */
    const char *value;
    /* Keys come back as JSON (Django's has_native_json_field): comparisons
     * bind JSON text.  Otherwise a key reads as an SQL number or string, and
     * gt/gte/lt/lte bind the number or string the JSON text holds. */
    bool native;
    /* Django's lookup_cast for a JSONField ("JSON_UNQUOTE(%s)" on MariaDB):
     * wraps a left side whose value is JSON (a key, the column) in exact,
     * in, range, gt/gte/lt/lte and the text lookups; NULL: none. */
    const char *lookup_cast;
    /* in's items when they differ from `value` ("JSON_UNQUOTE(JSON_EXTRACT(
     * %s, '$'))", Django's KeyTransformIn on MariaDB); NULL: `value`. */
    const char *in_value;
    /* exact binds through `value` on the column too, and compares a JSON
     * null as any other value instead of by the `type` at the path
     * (Django's JSONExact and KeyTransformExact on MySQL). */
    bool exact_as_value;
    /* The case-insensitive lookups on a key compare LOWER() of both sides
     * (Django's CaseInsensitiveMixin on MySQL, whose JSON strings are
     * utf8mb4_bin). */
    bool fold_case;
    /* contained_by where it has no operator: a template of %1 the JSON and
     * %2 the bound JSON ("JSON_CONTAINS(%2, %1)"); NULL: the operator. */
    const char *contained_by;
} dorm_json_sql;

/* Appends the JSON path of keys[0..n) to out as Django's compile_json_path
 * writes it: "$" (when `root`), then [i] for a key that is a whole number
 * and ."key" (JSON-escaped as json.dumps does, ASCII only) for any other. */
DORM_API void dorm_json_path(dorm_buf *out, const char *const *keys, size_t n, bool root);
/* Whether a key is a whole number (Django's int(key) succeeds), into *out:
 * it may index an array. */
DORM_API bool dorm_json_index(const char *key, int64_t *out);

/* How a statement's placeholders are written. */
typedef enum dorm_param_style {
    DORM_PARAM_QMARK = 0,   /* ?  */
    DORM_PARAM_DOLLAR       /* $1 */
} dorm_param_style;

/* The statements of the schema editor's ALTER side that backends spell
 * differently (Django's sql_* attributes of each schema editor).  In each
 * template "{table}", "{column}", "{name}" and "{new}" stand for quoted
 * names, "{type}" for the column's type and "{null}" for " NULL" or
 * " NOT NULL" as the column was before the statement. */
typedef struct dorm_alter_sql {
    const char *rename_table;       /* {table} to {new}                                */
    const char *drop_column;        /* {column} of {table}                             */
    /* A column's foreign key is dropped before the column (MySQL refuses to
     * drop a column a constraint needs; PostgreSQL's CASCADE takes it). */
    bool drop_fk_with_column;
    const char *alter_type;         /* {column} to the new {type}                      */
    const char *set_null;           /* {column} may hold NULL                          */
    const char *set_not_null;       /* {column} may not                                */
    const char *drop_index;         /* {name} of an index on {table}                   */
    const char *drop_unique;        /* a UNIQUE constraint {name}                      */
    const char *drop_check;         /* a CHECK constraint {name}                       */
    const char *rename_index;       /* {name} to {new}                                 */
    const char *rename_unique;      /* a UNIQUE constraint {name} to {new}             */
    /* Appends one statement dropping every single-column constraint of kind
     * `kind` ('u' unique, 'f' foreign key) on `column` of `table`, whatever
     * its name (one the server named): the database is asked for the
     * names, as Django's schema editor introspects them. */
    void (*drop_column_constraints)(dorm_buf *out, const char *table, const char *column, char kind);
    /* Appends one statement that, where no index on `column` alone exists,
     * creates index `name` on it; run before a composite index that starts
     * with a foreign key column is dropped, because the server's key relies
     * on that index (Django's MySQL _delete_composed_index).  NULL: none
     * needed. */
    void (*keep_key_index)(dorm_buf *out, const char *table, const char *column, const char *name);
} dorm_alter_sql;

/* How a backend spells SQL.  Data where it can be data (Django's
 * DatabaseOperations.operators), functions where it needs logic. */
typedef struct dorm_dialect {
    char quote;                            /* identifier quote character          */
    dorm_param_style param_style;          /* ? or $1                             */
    int max_params;                        /* bound parameters per statement      */
    /* Per lookup: the operator and right-hand side, "%s" standing for the
     * placeholder ("= %s", "LIKE %s ESCAPE '\\'").  IN, RANGE, ISNULL are
     * spelled by the compiler. */
    const char *operators[DORM_LK__COUNT];
    /* Per lookup: how the left-hand side is wrapped ("UPPER(%s)"), or NULL. */
    const char *lhs_casts[DORM_LK__COUNT];
    /* The bound value of a pattern lookup (contains, startswith, ... and their
     * i-variants): `s` escaped and wrapped in the backend's wildcards. */
    void (*pattern)(dorm_buf *out, dorm_lookup lk, const char *s, size_t n);
    /* Writes transform `ex` applied to the SQL expression `lhs` of a column of
     * kind `kind`; a datetime is taken in time zone `tz` (a tz database name
     * dorm has read the zone of, so letters, digits, "_+-/" only), or NULL
     * for UTC. */
    void (*extract)(dorm_buf *out, dorm_extract ex, dorm_kind kind, const char *lhs, const char *tz);
    /* Writes `lhs` (a column of kind `kind`) truncated to `part`, one of
     * "year", "quarter", "month", "week", "day", "hour", "minute", "second"
     * (fixed words, never text from a user): Django's Trunc*; `tz` as for
     * extract.  A datetime truncated in a zone is that zone's wall time. */
    void (*trunc)(dorm_buf *out, const char *part, dorm_kind kind, const char *lhs, const char *tz);
    const char *random_function;           /* "RANDOM()"                          */
    /* LIMIT/OFFSET clause (limit < 0: none); writes nothing when both unset. */
    void (*limit_offset)(dorm_buf *out, int64_t limit, int64_t offset);
    /* DDL: the column type of a column definition ("varchar(100)"). */
    void (*column_type)(dorm_buf *out, const dorm_column_def *c);
    /* DDL: text after the type of an auto primary key ("PRIMARY KEY AUTOINCREMENT"). */
    const char *auto_pk_suffix;
    /* DDL: a CHECK condition a kind always carries (positive ints), or nothing. */
    void (*column_check)(dorm_buf *out, const dorm_column_def *c, char quote);
    /* Features. */
    bool supports_returning;               /* INSERT ... RETURNING                */
    bool transactional_ddl;
    bool errors_abort_transaction;         /* PostgreSQL: need a savepoint        */
    bool supports_deferrable_fk;           /* FOREIGN KEY ... DEFERRABLE          */
    bool nulls_sort_first;                 /* NULLs sort before values in ASC     */
    /* GROUP BY the base table's primary key stands for its other columns
     * (Django's allows_group_by_pk): when it is grouped by, the other
     * columns of tables whose key is grouped by are left out. */
    bool group_by_pk;
    /* GROUP BY a table's primary key stands for that table's other columns
     * (Django's allows_group_by_selected_pks): they are left out of it. */
    bool group_by_selected_pks;
    /* ORDER BY has no NULLS FIRST / NULLS LAST (Django's
     * supports_order_by_nulls_modifier = False): nulls_last is written as
     * an "x IS NULL" key before x, where the backend's own order needs it. */
    bool no_nulls_modifier;
    /* What a grouped query without ordering is ordered by, so that the
     * server does not sort the groups (Django's force_no_ordering: "NULL"
     * on MySQL), or NULL. */
    const char *force_no_ordering;
    /* A CASE of bound values takes the type of its THEN values, which the
     * server cannot infer from untyped parameters: bulk_update writes
     * CAST(CASE ... END AS <column type>) (Django's feature of that name). */
    bool requires_casted_case_in_updates;
    /* Appended to a float / decimal parameter inside an arithmetic
     * expression, where the server would otherwise guess the other operand's
     * type ("::double precision", "::numeric"), or NULL. */
    const char *float_param_cast;
    const char *decimal_param_cast;
    /* DDL: ALTER TABLE can change a column's type, nullability and
     * constraints; without it (SQLite) the table is rebuilt (Django's
     * _remake_table). */
    bool can_alter_columns;
    /* DDL, as Django's schema editors: a foreign key written in its column
     * (REFERENCES ..., SQLite) rather than added by ALTER TABLE ... ADD
     * CONSTRAINT `<name>` FOREIGN KEY after the table (PostgreSQL). */
    bool inline_fk;
    /* DDL: unique_together is CREATE UNIQUE INDEX (SQLite), not ALTER TABLE
     * ... ADD CONSTRAINT `<name>` UNIQUE. */
    bool unique_as_index;
    /* The longest identifier; longer generated names are shortened as
     * Django's _create_index_name does.  0: Django's default of 200. */
    int max_name_length;
    /* The operator class of the second, "_like" index Django gives an
     * indexed or unique varchar / text column so that LIKE 'abc%' can use an
     * index in any locale (PostgreSQL), or NULL for no such index. */
    const char *(*like_opclass)(const dorm_column_def *c);
    /* flush (Django's sql_flush with reset_sequences): the statements that
     * empty `tables` and start the key counters of `sequences` (those of
     * them with an automatic key) again, each appended to out with a NUL
     * after it.  They run in one transaction. */
    void (*sql_flush)(dorm_buf *out, const char *const *tables, size_t n, const char *const *sequences, size_t nseq);
    /* Migrations (Django's disable_constraint_checking / check_constraints):
     * statements turning foreign key enforcement off and on around a
     * migration, outside its transaction, and a query whose rows, first
     * column a table name, are the rows left pointing nowhere; NULL where the
     * keys are deferred to the commit anyway (PostgreSQL). */
    const char *constraint_checks_off, *constraint_checks_on, *constraint_check_query;
    /* A statement taking a lock held to the end of the transaction that
     * serialises migrating processes (PostgreSQL's advisory lock), or NULL:
     * then a write to dorm_migrations takes the database's write lock. */
    const char *migration_lock;
    /* After rows were written with their keys (loaddata): the statement that
     * moves the key counter of `table`'s automatic key `column` past them
     * (Django's sequence_reset_sql), or NULL where the counter follows by
     * itself (SQLite). */
    void (*sequence_reset_sql)(dorm_buf *out, const char *table, const char *column);
    /* ALTER TABLE and CREATE INDEX take locks that block a busy table's
     * writers (PostgreSQL): the migration lint warns about them. */
    bool locks_on_alter;
    /* IN lists: up to in_list_max values are written as placeholders,
     * "IN (?, ?, ...)" (Django's SQL); a longer list is one parameter that
     * array_param writes (an array literal, a JSON array), compared with
     * in_array ("= ANY(%s)"), so that a list of any length fits one
     * statement.  array_param returns false for a value it cannot write
     * (bytes): that list stays placeholders. */
    int in_list_max;
    const char *in_array;
    bool (*array_param)(dorm_buf *out, const dorm_value *items, size_t n);
    /* Built-in functions spelled differently from Django's base Func here
     * (Greatest is MAX() on SQLite), ending with {NULL}; NULL: none. */
    const dorm_func_sql *functions;
    /* Aggregates take FILTER (WHERE ...) (Django's
     * supports_aggregate_filter_clause); otherwise filter= becomes
     * CASE WHEN ... THEN x ELSE NULL END inside the aggregate. */
    bool aggregate_filter;
    /* The parts of a union may have ORDER BY and LIMIT, each in parentheses
     * (Django's supports_slicing_ordering_in_compound); else they are bare
     * and may have neither. */
    bool compound_parens;
    /* The type Cast() gives a CharField without max_length ("text"). */
    const char *cast_char_type;
    /* The cast written after the placeholder of a value whose parameter
     * nothing else types (a selected Value, a CASE result, a function's
     * argument), for its output field kind: PostgreSQL prepares
     * "CONCAT($1, ...)" only as "CONCAT($1::varchar, ...)" and reads
     * SUBSTRING(x, $1, $2) as the regex form.  NULL: no cast. */
    const char *(*param_type)(dorm_kind kind, const dorm_value *v);
    /* Wraps the SQL of an arithmetic or function result whose output field
     * is a DecimalField ("CAST(%s AS NUMERIC)": Django's SQLiteNumericMixin),
     * or NULL. */
    const char *decimal_result_cast;
    /* JSONField keys and lookups; NULL: the backend has no JSON keys. */
    const dorm_json_sql *json;
    /* Durations are a type of the database (Django's
     * has_native_duration_field: interval arithmetic, EXTRACT from one);
     * else they are microseconds and `functions` spells datetime
     * arithmetic ("TemporalSubtraction", "DurationAdd", "DurationSub"). */
    bool native_duration;
    /* Django's supports_select_intersection turned round (false: the
     * backend has INTERSECT): intersection() is refused with Django's
     * NotSupportedError. */
    bool no_select_intersection;
    /* The same for difference() (EXCEPT). */
    bool no_select_difference;
    /* AddIndexConcurrently / RemoveIndexConcurrently: the statements'
     * opening words that build and drop an index without blocking writers,
     * outside any transaction, or NULL where the backend has none. */
    const char *create_index_concurrently, *drop_index_concurrently;
    /* select_for_update (Django's has_select_for_update_* features): the
     * DORM_ROW_LOCK_* the backend offers; 0 where it has no row locks, and
     * the lock is left out, as Django does. */
    unsigned row_locks;
    /* explain() (Django's explain_prefix and the closed lists its
     * operations validate against): the prefix ("EXPLAIN QUERY PLAN"),
     * NULL where the backend cannot explain; the output formats and the
     * boolean options it takes, upper case, NULL-terminated (NULL: none),
     * written "(NAME true, ..., FORMAT x)" after the prefix. */
    const char *explain_prefix;
    const char *const *explain_formats;
    const char *const *explain_options;
    /* Test databases (dorm/testing.h): statements, "%s" standing for a
     * generated name, that create a namespace of the connection's own,
     * make it where the connection's tables go, and drop it with all in it
     * (PostgreSQL: CREATE SCHEMA, SET search_path, DROP SCHEMA ... CASCADE),
     * so test processes can share one database; NULL where there is no
     * such namespace (SQLite). */
    const char *test_namespace_create, *test_namespace_use, *test_namespace_drop;
    /* Schema-per-tenant: the statement that makes `schema` the first one
     * searched, the shared one (PostgreSQL: public) after it (NULL: back to
     * the session's default), for the session or,
     * `local`, the transaction.  The name is validated; the dialect quotes
     * it.  NULL: the backend has no schemas. */
    void (*search_path_sql)(dorm_buf *out, const char *schema, bool local);
    /* AlterFieldConcurrently: the statements that make a column NOT NULL
     * without holding an exclusive lock while the table is scanned, run one
     * by one outside a transaction (NULL-terminated; %1 the table, %2 the
     * column, %3 a constraint name, each quoted where it is put).  NULL:
     * the operation is an ordinary AlterField. */
    const char *const *set_not_null_concurrently;
    /* in_array for a list whose items are all integers, where in_array's
     * values would be compared with the column inexactly (MySQL compares an
     * integer with text as doubles), or NULL: in_array serves every list. */
    const char *in_array_int;
    /* Run after each migration, whatever its outcome, to release what
     * migration_lock took when that lock outlives the transaction (a
     * session's named lock where DDL commits the transaction), or NULL. */
    const char *migration_unlock;
    /* Whether a db_index column (a foreign key, a SlugField, db_index=True)
     * gets Django's plain index, or NULL: always.  MySQL: not a key with a
     * FOREIGN KEY constraint (InnoDB indexes it itself) nor a text, JSON or
     * binary column (Django's _field_should_be_indexed). */
    bool (*indexes_column)(const dorm_column_def *c);
    /* DDL where can_alter_columns: the ALTER statements' spellings. */
    const dorm_alter_sql *alter;
    /* Where keys cannot be deferred to the commit (!supports_deferrable_fk):
     * statements turning the session's foreign key checks off and on while
     * loaddata writes rows that may point forward; the rows are checked
     * after (Django's constraint_checks_disabled and check_constraints).
     * NULL: the transaction's deferred keys do it. */
    const char *fk_checks_off, *fk_checks_on;
    /* The value an INSERT of no column but the automatic key gives it
     * (Django's pk_default_value): NULL means "DEFAULT" (PostgreSQL);
     * "NULL" where that makes a new key (SQLite, MySQL). */
    const char *pk_default_value;
    /* explain()'s words before the query where they are not PostgreSQL's
     * "<explain_prefix> (NAME true, ..., FORMAT x)": `format` one of
     * explain_formats or NULL, values[k] the value given for
     * explain_options[k] (-1: not given).  Such a backend names unknown
     * options as they were given (Django's MySQL operations do not
     * normalise them).  NULL: PostgreSQL's spelling. */
    void (*explain_sql)(dorm_buf *out, const char *format, const int *values);
    /* bulk_create(ignore_conflicts=True) (Django's insert_statement and
     * on_conflict_suffix_sql): the INSERT's opening words ("INSERT OR IGNORE
     * INTO"; NULL: "INSERT INTO") and the text after its rows (" ON CONFLICT
     * DO NOTHING", or NULL); both NULL: conflicts cannot be ignored. */
    const char *insert_ignore, *ignore_suffix;
    /* bulk_create(update_conflicts=True): the text after the rows, %1
     * standing for the unique_fields' columns (a clause without %1 names no
     * target: unique_fields are refused, Django's
     * supports_update_conflicts_with_target) and %2 for the updated
     * columns, each written as upsert_set says with %1 for its quoted name
     * ("%1 = EXCLUDED.%1"); NULL: conflicts cannot be updated. */
    const char *upsert, *upsert_set;
    /* Full-text search (django.contrib.postgres.search: to_tsvector, @@,
     * ts_rank, ts_headline and $n::regconfig) is there; false: search
     * expressions and the `search` lookup are refused before any SQL. */
    bool full_text_search;
    /* A boolean column is a condition on its own (Django's
     * conditional_expression_supported_in_where_clause, true on its
     * SQLite, PostgreSQL and MySQL backends in 3.2): exact True is
     * WHERE "t"."b", exact False WHERE NOT "t"."b".  Otherwise (Oracle)
     * the value is compared, "= %s". */
    bool bare_boolean_conditions;
} dorm_dialect;

enum {
    DORM_ROW_LOCK = 1u << 0,             /* SELECT ... FOR UPDATE  */
    DORM_ROW_LOCK_NOWAIT = 1u << 1,
    DORM_ROW_LOCK_SKIP_LOCKED = 1u << 2,
    DORM_ROW_LOCK_OF = 1u << 3,          /* FOR UPDATE OF "table"  */
    DORM_ROW_LOCK_NO_KEY = 1u << 4       /* FOR NO KEY UPDATE      */
};

/* dbshell: the database's own client program (Django's DatabaseClient),
 * filled by a driver's `client`. */
typedef struct dorm_client_cmd {
    const char *argv[16];      /* NULL-terminated                             */
    const char *password_env;  /* the variable the password goes in, or NULL */
    const char *password;      /* the password, or NULL                       */
    char buf[1024];            /* the strings argv points into                */
    size_t used;               /* bytes of buf in use                         */
} dorm_client_cmd;
/* A copy of s in cmd->buf, or NULL when it is full. */
DORM_API const char *dorm_client_keep(dorm_client_cmd *cmd, const char *s);
/* Appends an argument (kept in buf); false when argv or buf is full. */
DORM_API bool dorm_client_arg(dorm_client_cmd *cmd, const char *s);

/* A driver's connection and prepared statement: its own types, opaque here. */
typedef struct dorm_conn dorm_conn;
typedef struct dorm_stmt dorm_stmt;

/* What introspection finds of an existing table (inspectdb): each column
 * with the field kind it maps to, as Django's introspection maps types. */
typedef struct dorm_icolumn {
    const char *name;          /* the column name                          */
    const char *type;          /* the database's own type text             */
    dorm_kind kind;            /* DORM_KIND_NONE: no dorm kind for it       */
    /* The field options of the same names, as the column has them. */
    int max_length, max_digits, decimal_places;
    bool null, primary_key, unique;
    /* A foreign key's table and column, or NULL. */
    const char *ref_table, *ref_column;
} dorm_icolumn;

/* A table introspection found, with its columns. */
typedef struct dorm_itable {
    const char *name;          /* the table name       */
    size_t ncolumns;           /* columns: how many    */
    dorm_icolumn *columns;     /* in the table's order */
} dorm_itable;

struct dorm_db;
struct dorm_ctx;
/* Lists the tables of the connection's database (its current schema) with
 * their columns, in the context's arena.  0 or a negative error on cx. */
typedef int (*dorm_introspect_fn)(struct dorm_ctx *cx, dorm_itable **tables, size_t *n);

/* Step results. */
enum { DORM_STEP_DONE = 0, DORM_STEP_ROW = 1 };

/* A backend.  Every function that can fail returns a negative dorm_error and
 * fills `e`; statements are prepared once and reused (reset between uses). */
typedef struct dorm_driver {
    unsigned version;                      /* DORM_DRIVER_VERSION */
    const char *vendor;                    /* "sqlite"             */
    const char *const *schemes;            /* URL schemes, NULL-terminated */
    const dorm_dialect *dialect;           /* how SQL is spelled  */

    /* Connects to the database of `url`: 0 and *out, or a negative error. */
    int (*open)(const dorm_url *url, dorm_conn **out, dorm_errbuf *e);
    /* Closes the connection. */
    void (*close)(dorm_conn *c);
    /* Runs SQL with no parameters and no result rows (DDL, BEGIN, SAVEPOINT). */
    int (*exec)(dorm_conn *c, const char *sql, dorm_errbuf *e);
    int (*prepare)(dorm_conn *c, const char *sql, size_t len, dorm_stmt **out, dorm_errbuf *e);
    /* Binds parameter i (0-based).  Values are of the storage types: NULL,
     * BOOL, INT, FLOAT, TEXT, BYTES, DATE, DATETIME, TIME, DECIMAL, UUID. */
    int (*bind)(dorm_stmt *s, int i, const dorm_value *v, dorm_errbuf *e);
    /* DORM_STEP_ROW, DORM_STEP_DONE, or a negative dorm_error. */
    int (*step)(dorm_stmt *s, dorm_errbuf *e);
    /* Column reads of the current row; pointers valid until the next step. */
    int (*column_count)(dorm_stmt *s);
    bool (*column_null)(dorm_stmt *s, int i);
    int64_t (*column_int)(dorm_stmt *s, int i);
    double (*column_float)(dorm_stmt *s, int i);
    const char *(*column_text)(dorm_stmt *s, int i, size_t *len);
    const void *(*column_blob)(dorm_stmt *s, int i, size_t *len);
    /* Rows changed by the last completed statement. */
    int64_t (*changes)(dorm_stmt *s);
    /* Makes the statement ready to bind and run again. */
    void (*reset)(dorm_stmt *s);
    void (*finalize)(dorm_stmt *s);
    /* The integer key the last completed INSERT of this statement generated,
     * or NULL when the backend has none (then INSERT ... RETURNING is used).
     * A single-row INSERT reads its key here: cheaper than RETURNING, which
     * SQLite runs through a temporary table. */
    int64_t (*last_insert_id)(dorm_stmt *s);
    dorm_introspect_fn introspect;
    /* dbshell's client command line for a URL: 0, or DORM_ENOMEM when it
     * does not fit in cmd. */
    int (*client)(const dorm_url *url, dorm_client_cmd *cmd);
    /* The statement that opens a transaction (borrowed, static).  `write`:
     * the caller will write in it (dorm's own multi-statement writes), so a
     * backend that locks by the first statement's needs (SQLite) can take
     * its write lock at the start rather than fail to upgrade a read lock
     * later.  NULL: "BEGIN". */
    const char *(*begin_sql)(dorm_conn *c, bool write);
    /* Optional: the non-NULL column i read as a decimal the way Django's
     * converter for the backend reads it (SQLite: a REAL's 15 significant
     * digits, an INTEGER exactly).  0, DORM_EVALUE (not a number) or
     * DORM_EDATA (too wide).  NULL: the column's text is parsed, digits past
     * what dorm_decimal holds rounded away. */
    int (*column_decimal)(dorm_stmt *s, int i, dorm_decimal *out);
    /* Raw SQL (a cursor, raw()), where no field says what a column holds:
     * the name of result column i (borrowed, valid until the statement is
     * reset), and the kind its value in the current row reads as
     * (DORM_KIND_BIGINT, _FLOAT, _DECIMAL, _BOOL, _TEXT, _BINARY, _DATE,
     * _DATETIME, _TIME, _UUID, _JSON), DORM_KIND_NONE for NULL.  NULL
     * hooks: raw SQL is refused. */
    const char *(*column_name)(dorm_stmt *s, int i);
    dorm_kind (*column_kind)(dorm_stmt *s, int i);
    /* Optional: makes an idle session usable before a pool lends it,
     * re-opening one the server ended; 0, or DORM_EOPERATIONAL when the
     * server cannot be reached.  NULL: nothing to check. */
    int (*check)(dorm_conn *c, dorm_errbuf *e);
    /* Optional: true when every connection to `url` opens a database of its
     * own (SQLite's :memory:), so a pool may hold only one.  NULL: false. */
    bool (*private_database)(const dorm_url *url);
    /* Optional: the number of the server session the connection is on (it
     * changes when the driver re-opens one the server ended), so session
     * settings dorm made can be made again; -1 when consecutive
     * transactions may reach different server sessions (a transaction
     * pooler), where settings last one transaction (SET LOCAL).  NULL: 0. */
    int (*session)(dorm_conn *c);
} dorm_driver;

/* The drivers compiled into this libdorm, NULL-terminated. */
extern DORM_API const dorm_driver *const dorm_drivers[];

#ifdef __cplusplus
}
#endif

#endif
