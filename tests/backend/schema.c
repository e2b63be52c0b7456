/* schema.c - tests of the DDL writer: CREATE TABLE for the tutorial's models
 * and for a table with every column kind, compared with what Django 3.2's
 * schema editor writes for the same models, then run on SQLite. */
#include <criterion/criterion.h>
#include <string.h>

#include "backend/db.h"
#include "backend/schema.h"
#include "backend/sqlite/sqlite.h"

typedef struct collected {
    int n;
    char sql[8][2048];
} collected;

static int collect(const char *sql, void *payload) {
    collected *c = payload;
    cr_assert_lt(c->n, 8);
    cr_assert_lt(strlen(sql), sizeof c->sql[0]);
    strcpy(c->sql[c->n++], sql);
    return 0;
}

static const dorm_column_def author_cols[] = {
    {.name = "id", .kind = DORM_KIND_AUTO, .primary_key = true},
    {.name = "name", .kind = DORM_KIND_CHAR, .max_length = 100},
    {.name = "birth_date", .kind = DORM_KIND_DATE, .null = true},
    {.name = "biography", .kind = DORM_KIND_TEXT},
};
static const dorm_table_def author = {.name = "library_author", .ncolumns = 4, .columns = author_cols};

static const dorm_column_def book_cols[] = {
    {.name = "id", .kind = DORM_KIND_AUTO, .primary_key = true},
    {.name = "title", .kind = DORM_KIND_CHAR, .max_length = 200},
    {.name = "author_id",
     .kind = DORM_KIND_FK,
     .db_index = true,
     .ref_table = "library_author",
     .ref_column = "id",
     .ref_kind = DORM_KIND_AUTO},
    {.name = "publication_date", .kind = DORM_KIND_DATE},
    {.name = "isbn", .kind = DORM_KIND_CHAR, .max_length = 13, .unique = true},
    {.name = "genre", .kind = DORM_KIND_CHAR, .max_length = 3},
    {.name = "pages", .kind = DORM_KIND_POSINT},
};
static const dorm_index_def book_indexes[] = {
    {.name = "library_book_author_id_d9a3b67e", .columns = DORM_LIST("author_id")},
    {.name = "library_boo_title_c38ef2_idx", .columns = DORM_LIST("title")},
    {.name = "library_boo_isbn_951e8b_idx", .columns = DORM_LIST("isbn")},
};
static const dorm_table_def book = {
    .name = "library_book", .ncolumns = 7, .columns = book_cols, .nindexes = 3, .indexes = book_indexes};

Test(schema, tutorial_models_as_django_writes_them) {
    collected c = {0};
    cr_assert_eq(dorm_schema__create_table(&dorm_sqlite_dialect, &author, collect, &c), 0);
    cr_assert_eq(c.n, 1);
    cr_assert_str_eq(c.sql[0],
                     "CREATE TABLE \"library_author\" (\"id\" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "
                     "\"name\" varchar(100) NOT NULL, \"birth_date\" date NULL, \"biography\" text NOT NULL)");
    c.n = 0;
    cr_assert_eq(dorm_schema__create_table(&dorm_sqlite_dialect, &book, collect, &c), 0);
    cr_assert_eq(c.n, 4);
    cr_assert_str_eq(
        c.sql[0],
        "CREATE TABLE \"library_book\" (\"id\" integer NOT NULL PRIMARY KEY AUTOINCREMENT, \"title\" "
        "varchar(200) NOT NULL, \"author_id\" integer NOT NULL REFERENCES \"library_author\" (\"id\") "
        "DEFERRABLE INITIALLY DEFERRED, \"publication_date\" date NOT NULL, \"isbn\" varchar(13) NOT NULL "
        "UNIQUE, \"genre\" varchar(3) NOT NULL, \"pages\" integer unsigned NOT NULL CHECK (\"pages\" >= 0))");
    cr_assert_str_eq(c.sql[1], "CREATE INDEX \"library_book_author_id_d9a3b67e\" ON \"library_book\" (\"author_id\")");
    cr_assert_str_eq(c.sql[2], "CREATE INDEX \"library_boo_title_c38ef2_idx\" ON \"library_book\" (\"title\")");
    cr_assert_str_eq(c.sql[3], "CREATE INDEX \"library_boo_isbn_951e8b_idx\" ON \"library_book\" (\"isbn\")");
}

static const dorm_column_def every_cols[] = {
    {.name = "id", .kind = DORM_KIND_AUTO, .primary_key = true},
    {.name = "a", .kind = DORM_KIND_CHAR, .max_length = 10},
    {.name = "b", .kind = DORM_KIND_TEXT},
    {.name = "c", .kind = DORM_KIND_SLUG, .db_index = true},
    {.name = "d", .kind = DORM_KIND_EMAIL},
    {.name = "e", .kind = DORM_KIND_URL},
    {.name = "f", .kind = DORM_KIND_INT},
    {.name = "g", .kind = DORM_KIND_BIGINT},
    {.name = "h", .kind = DORM_KIND_SMALLINT},
    {.name = "i", .kind = DORM_KIND_POSINT},
    {.name = "j", .kind = DORM_KIND_POSSMALLINT},
    {.name = "k", .kind = DORM_KIND_FLOAT},
    {.name = "l", .kind = DORM_KIND_DECIMAL, .max_digits = 5, .decimal_places = 2},
    {.name = "m", .kind = DORM_KIND_BOOL},
    {.name = "n", .kind = DORM_KIND_DATE, .null = true},
    {.name = "o", .kind = DORM_KIND_DATETIME},
    {.name = "p", .kind = DORM_KIND_TIME},
    {.name = "q", .kind = DORM_KIND_UUID, .unique = true},
    {.name = "r", .kind = DORM_KIND_JSON},
    {.name = "s", .kind = DORM_KIND_BINARY},
    {.name = "t_id",
     .kind = DORM_KIND_FK,
     .null = true,
     .ref_table = "library_author",
     .ref_column = "id",
     .ref_kind = DORM_KIND_AUTO},
    {.name = "u", .kind = DORM_KIND_CHAR, .max_length = 5, .db_index = true},
};
static const bool o_a_desc[] = {true, false};
static const dorm_index_def every_indexes[] = {
    {.name = "library_every_a_f_ce7cdac5_uniq", .columns = DORM_LIST("a", "f"), .unique = true},
    {.name = "library_every_c_a6da1d82", .columns = DORM_LIST("c")},
    {.name = "library_every_t_id_32d382fc", .columns = DORM_LIST("t_id")},
    {.name = "library_every_u_c4ea2750", .columns = DORM_LIST("u")},
    {.name = "o_a_idx", .columns = DORM_LIST("o", "a"), .desc = o_a_desc},
};
static const dorm_index_def every_uniques[] = {{.name = "bc_uniq", .columns = DORM_LIST("b", "c")}};
static const dorm_check_def every_checks[] = {{.name = "f_pos", .sql = "\"f\" >= 1"}};
static const dorm_table_def every = {
    .name = "library_every",
    .ncolumns = sizeof every_cols / sizeof every_cols[0],
    .columns = every_cols,
    .nindexes = 5,
    .indexes = every_indexes,
    .nuniques = 1,
    .uniques = every_uniques,
    .nchecks = 1,
    .checks = every_checks,
};

/* Django 3.2's schema_editor(collect_sql=True).create_model() for:
 *   a CharField(10), b TextField, c SlugField, d EmailField, e URLField,
 *   f IntegerField, g BigIntegerField, h SmallIntegerField,
 *   i PositiveIntegerField, j PositiveSmallIntegerField, k FloatField,
 *   l DecimalField(5, 2), m BooleanField, n DateField(null=True),
 *   o DateTimeField, p TimeField, q UUIDField(unique=True), r JSONField,
 *   s BinaryField, t ForeignKey(Author, null=True), u CharField(5, db_index),
 *   unique_together (a, f), CheckConstraint f >= 1 "f_pos",
 *   UniqueConstraint (b, c) "bc_uniq", Index(-o, a) "o_a_idx". */
Test(schema, every_column_kind) {
    collected c = {0};
    cr_assert_eq(dorm_schema__create_table(&dorm_sqlite_dialect, &every, collect, &c), 0);
    cr_assert_eq(c.n, 6);
    cr_assert_str_eq(
        c.sql[0],
        "CREATE TABLE \"library_every\" (\"id\" integer NOT NULL PRIMARY KEY AUTOINCREMENT, \"a\" varchar(10) NOT "
        "NULL, \"b\" text NOT NULL, \"c\" varchar(50) NOT NULL, \"d\" varchar(254) NOT NULL, \"e\" varchar(200) NOT "
        "NULL, \"f\" integer NOT NULL, \"g\" bigint NOT NULL, \"h\" smallint NOT NULL, \"i\" integer unsigned NOT "
        "NULL CHECK (\"i\" >= 0), \"j\" smallint unsigned NOT NULL CHECK (\"j\" >= 0), \"k\" real NOT NULL, \"l\" "
        "decimal NOT NULL, \"m\" bool NOT NULL, \"n\" date NULL, \"o\" datetime NOT NULL, \"p\" time NOT NULL, \"q\" "
        "char(32) NOT NULL UNIQUE, \"r\" text NOT NULL CHECK ((JSON_VALID(\"r\") OR \"r\" IS NULL)), \"s\" BLOB NOT "
        "NULL, \"t_id\" integer NULL REFERENCES \"library_author\" (\"id\") DEFERRABLE INITIALLY DEFERRED, \"u\" "
        "varchar(5) NOT NULL, CONSTRAINT \"bc_uniq\" UNIQUE (\"b\", \"c\"), CONSTRAINT \"f_pos\" CHECK (\"f\" >= "
        "1))");
    cr_assert_str_eq(c.sql[1],
                     "CREATE UNIQUE INDEX \"library_every_a_f_ce7cdac5_uniq\" ON \"library_every\" (\"a\", \"f\")");
    cr_assert_str_eq(c.sql[2], "CREATE INDEX \"library_every_c_a6da1d82\" ON \"library_every\" (\"c\")");
    cr_assert_str_eq(c.sql[3], "CREATE INDEX \"library_every_t_id_32d382fc\" ON \"library_every\" (\"t_id\")");
    cr_assert_str_eq(c.sql[4], "CREATE INDEX \"library_every_u_c4ea2750\" ON \"library_every\" (\"u\")");
    cr_assert_str_eq(c.sql[5], "CREATE INDEX \"o_a_idx\" ON \"library_every\" (\"o\" DESC, \"a\")");
}

Test(schema, bigauto_and_non_auto_keys) {
    static const dorm_column_def big_cols[] = {{.name = "id", .kind = DORM_KIND_BIGAUTO, .primary_key = true}};
    static const dorm_column_def ref_cols[] = {
        {.name = "code", .kind = DORM_KIND_CHAR, .max_length = 8, .primary_key = true, .unique = true},
        {.name = "x_id",
         .kind = DORM_KIND_FK,
         .unique = true,
         .ref_table = "library_big",
         .ref_kind = DORM_KIND_BIGAUTO},
    };
    dorm_table_def big = {.name = "library_big", .ncolumns = 1, .columns = big_cols};
    dorm_table_def ref = {.name = "library_ref", .ncolumns = 2, .columns = ref_cols};
    collected c = {0};
    cr_assert_eq(dorm_schema__create_table(&dorm_sqlite_dialect, &big, collect, &c), 0);
    cr_assert_eq(dorm_schema__create_table(&dorm_sqlite_dialect, &ref, collect, &c), 0);
    cr_assert_str_eq(c.sql[0], "CREATE TABLE \"library_big\" (\"id\" integer NOT NULL PRIMARY KEY AUTOINCREMENT)");
    cr_assert_str_eq(c.sql[1],
                     "CREATE TABLE \"library_ref\" (\"code\" varchar(8) NOT NULL PRIMARY KEY, \"x_id\" bigint "
                     "NOT NULL UNIQUE REFERENCES \"library_big\" (\"id\") DEFERRABLE INITIALLY DEFERRED)");
}

Test(schema, names_are_quoted) {
    static const dorm_column_def cols[] = {{.name = "we\"ird", .kind = DORM_KIND_POSINT}};
    const dorm_index_def ix[] = {{.name = "i\"x", .columns = DORM_LIST("we\"ird")}};
    dorm_table_def t = {.name = "t\"; DROP TABLE x; --", .ncolumns = 1, .columns = cols, .nindexes = 1, .indexes = ix};
    collected c = {0};
    cr_assert_eq(dorm_schema__create_table(&dorm_sqlite_dialect, &t, collect, &c), 0);
    cr_assert_str_eq(c.sql[0],
                     "CREATE TABLE \"t\"\"; DROP TABLE x; --\" (\"we\"\"ird\" integer unsigned NOT NULL "
                     "CHECK (\"we\"\"ird\" >= 0))");
    cr_assert_str_eq(c.sql[1], "CREATE INDEX \"i\"\"x\" ON \"t\"\"; DROP TABLE x; --\" (\"we\"\"ird\")");
    cr_assert_eq(dorm_schema__drop_table(&dorm_sqlite_dialect, "a\"b", collect, &c), 0);
    cr_assert_str_eq(c.sql[2], "DROP TABLE \"a\"\"b\"");
}

Test(schema, drop_table) {
    collected c = {0};
    cr_assert_eq(dorm_schema__drop_table(&dorm_sqlite_dialect, "library_author", collect, &c), 0);
    cr_assert_eq(c.n, 1);
    cr_assert_str_eq(c.sql[0], "DROP TABLE \"library_author\"");
}

Test(schema, invalid_definitions) {
    collected c = {0};
    dorm_table_def t = author;
    t.name = NULL;
    cr_assert_eq(dorm_schema__create_table(&dorm_sqlite_dialect, &t, collect, &c), DORM_ECONFIG);
    t = author;
    t.ncolumns = 0;
    cr_assert_eq(dorm_schema__create_table(&dorm_sqlite_dialect, &t, collect, &c), DORM_ECONFIG);
    const dorm_index_def unnamed[] = {{.name = NULL, .columns = DORM_LIST("name")}};
    t = author;
    t.nindexes = 1;
    t.indexes = unnamed;
    cr_assert_eq(dorm_schema__create_table(&dorm_sqlite_dialect, &t, collect, &c), DORM_ECONFIG);
    static const dorm_column_def dangling[] = {{.name = "x_id", .kind = DORM_KIND_FK}};
    t = (dorm_table_def){.name = "t", .ncolumns = 1, .columns = dangling};
    cr_assert_eq(dorm_schema__create_table(&dorm_sqlite_dialect, &t, collect, &c), DORM_ECONFIG);
    cr_assert_eq(c.n, 0);
}

static int stop_after_first(const char *sql, void *payload) {
    (void)sql;
    int *calls = payload;
    return ++*calls == 1 ? 0 : 42;
}

Test(schema, emit_can_stop) {
    int calls = 0;
    cr_assert_eq(dorm_schema__create_table(&dorm_sqlite_dialect, &book, stop_after_first, &calls), 42);
    cr_assert_eq(calls, 2);
}

static int run_sql(const char *sql, void *payload) {
    dorm_errbuf e = {0, ""};
    int rc = dorm_db__exec(payload, sql, &e);
    cr_assert_eq(rc, 0, "%s: %s", sql, e.msg);
    return rc;
}

Test(schema, ddl_runs_on_sqlite) {
    dorm_db *db = dorm_db_open("sqlite://:memory:", NULL);
    cr_assert_eq(dorm_db_errcode(db), DORM_OK);
    cr_assert_eq(dorm_schema__create_table(db->dialect, &author, run_sql, db), 0);
    cr_assert_eq(dorm_schema__create_table(db->dialect, &book, run_sql, db), 0);
    cr_assert_eq(dorm_schema__create_table(db->dialect, &every, run_sql, db), 0);
    dorm_errbuf e = {0, ""};
    cr_assert_eq(dorm_db__exec(db, "INSERT INTO library_author (name, biography) VALUES ('a', '')", &e), 0);
    cr_assert_eq(dorm_db__exec(db,
                               "INSERT INTO library_book (title, author_id, publication_date, isbn, genre, pages) "
                               "VALUES ('t', 1, '2020-01-01', 'x', 'FIC', -1)",
                               &e),
                 DORM_EINTEGRITY);
    cr_assert_str_eq(e.msg, "CHECK constraint failed: pages");
    cr_assert_eq(dorm_schema__drop_table(db->dialect, "library_every", run_sql, db), 0);
    dorm_db_close(db);
}
