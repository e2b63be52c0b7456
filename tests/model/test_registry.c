/* test_registry.c - the model registry: the meta it computes from a static
 * declaration (Django's _meta: table and column names, labels, relations) and
 * the system checks, whose messages must read as Django's `check` prints them. */
#include <criterion/criterion.h>
#include <string.h>

#include "model/meta.h"
#include "checks.h"
#include "testdb.h"

/* ---- well-formed models ---- */

typedef struct Publisher {
    DORM_OBJECT;
    int64_t id;
    const char *name;
} Publisher;
static const dorm_field Publisher_fields[] = {
    DORM_AUTO(Publisher, id),
    DORM_CHAR(Publisher, name, .max_length = 50),
    DORM_END,
};
static const dorm_model Publisher_model =
    DORM_MODEL(Publisher, "library", Publisher_fields, .db_table = "pubs", .verbose_name = "press");

typedef struct BookAuthor {
    DORM_OBJECT;
    int64_t id;
    DORM_FK(Publisher) publisher;
    DORM_FK(Publisher) printer;
    const char *code;
} BookAuthor;
static const dorm_field BookAuthor_fields[] = {
    DORM_AUTO(BookAuthor, id),
    DORM_FOREIGN_KEY(BookAuthor, publisher, Publisher, .on_delete = DORM_CASCADE),
    DORM_FOREIGN_KEY(BookAuthor, printer, Publisher, .on_delete = DORM_PROTECT, .related_name = "printed",
                     .db_column = "printer_ref"),
    DORM_CHAR(BookAuthor, code, .max_length = 4, .db_column = "the_code",
              .choices = DORM_CHOICES({DORM_VTEXT("ABCD"), "Four"}, {DORM_VTEXT("A"), "One"})),
    DORM_END,
};
static const dorm_model BookAuthor_model = DORM_MODEL(
    BookAuthor, "library", BookAuthor_fields, .ordering = DORM_LIST("-publisher__name", "?", "pk", "printer_id"));

Test(registry, test_models_pass_their_checks) {
    const dorm_app app = {.label = "library", .models = DORM_MODELS(&Author_model, &Book_model, &Everything_model)};
    dorm_registry *reg = dorm_registry_new((const dorm_app *const[]){&app, NULL});
    cr_assert(reg);
    cr_expect_eq(dorm_registry_errcode(reg), DORM_OK);
    cr_expect_str_eq(dorm_registry_messages(reg), "");
    dorm_registry_free(reg);
}

Test(registry, meta_names_follow_django) {
    const dorm_app app = {.label = "library", .models = DORM_MODELS(&Author_model, &Book_model, &Everything_model)};
    dorm_registry *reg = dorm_registry_new((const dorm_app *const[]){&app, NULL});
    cr_assert(reg);
    const dorm_meta *book = dorm_meta__of(reg, &Book_model), *author = dorm_meta__of(reg, &Author_model);
    cr_assert(book && author);
    cr_expect_str_eq(book->db_table, "library_book");
    cr_expect_str_eq(book->label, "library.Book");
    cr_expect_str_eq(book->label_lower, "library.book");
    cr_expect_str_eq(book->model_name, "book");
    cr_expect_str_eq(book->verbose_name, "book");
    cr_expect_str_eq(book->verbose_name_plural, "books");
    cr_expect_str_eq(book->pk->f->name, "id");
    const dorm_fmeta *fk = dorm_meta__field(book, "author");
    cr_assert(fk);
    cr_expect_eq(dorm_meta__field(book, "author_id"), fk, "a FK is found by its attname too");
    cr_expect_str_eq(fk->attname, "author_id");
    cr_expect_str_eq(fk->column, "author_id");
    cr_expect_eq(fk->target, author);
    cr_expect_eq(fk->target_pk, author->pk);
    cr_expect_null(dorm_meta__field(book, "nope"));
    /* Book.author has related_name "books"; Everything.maybe_author hides its
     * reverse accessor with "+" but still counts for deletion. */
    int visible = 0;
    for (int i = 0; i < author->nreverse; i++) {
        const dorm_rel *r = &author->reverse[i];
        if (r->hidden)
            cr_expect_str_eq(r->fk->f->name, "maybe_author");
        else
            visible++;
    }
    cr_expect_eq(visible, 1);
    cr_assert(dorm_meta__reverse(author, "books", 5));
    cr_expect_eq(dorm_meta__reverse(author, "books", 5)->fk, fk);
    cr_expect_null(dorm_meta__reverse(author, "everything", 10));
    cr_expect_null(dorm_meta__reverse(author, "+", 1));
    cr_expect_str_eq(book->choices_list, "author, author_id, genre, id, isbn, pages, publication_date, title");
    dorm_registry_free(reg);
}

Test(registry, explicit_names_and_camel_case) {
    dorm_registry *reg = test_registry_of(DORM_MODELS(&Publisher_model, &BookAuthor_model));
    cr_expect_eq(dorm_registry_errcode(reg), DORM_OK, "%s", dorm_registry_messages(reg));
    const dorm_meta *pub = dorm_meta__of(reg, &Publisher_model), *ba = dorm_meta__of(reg, &BookAuthor_model);
    cr_assert(pub && ba);
    cr_expect_str_eq(pub->db_table, "pubs");
    cr_expect_str_eq(pub->verbose_name, "press");
    cr_expect_str_eq(pub->verbose_name_plural, "presss", "Django appends an s, even here");
    cr_expect_str_eq(ba->db_table, "library_bookauthor");
    cr_expect_str_eq(ba->model_name, "bookauthor");
    cr_expect_str_eq(ba->verbose_name, "book author");
    cr_expect_str_eq(ba->verbose_name_plural, "book authors");
    cr_expect_str_eq(dorm_meta__field(ba, "printer")->column, "printer_ref");
    cr_expect_str_eq(dorm_meta__field(ba, "code")->column, "the_code");
    /* Without related_name the reverse accessor is "<model>_set" and the
     * query name "<model>". */
    cr_assert_eq(pub->nreverse, 2);
    const dorm_rel *r = dorm_meta__reverse(pub, "bookauthor", 10);
    cr_assert(r);
    cr_expect_str_eq(r->name, "bookauthor_set");
    cr_expect_str_eq(dorm_meta__reverse(pub, "printed", 7)->fk->f->name, "printer");
    dorm_registry_free(reg);
}

/* ---- one broken model per registry ---- */

typedef struct NoMaxLength {
    DORM_OBJECT;
    int64_t id;
    const char *name;
} NoMaxLength;
static const dorm_field NoMaxLength_fields[] = {DORM_AUTO(NoMaxLength, id), DORM_CHAR(NoMaxLength, name), DORM_END};
static const dorm_model NoMaxLength_model = DORM_MODEL(NoMaxLength, "library", NoMaxLength_fields);

Test(checks, charfield_without_max_length) {
    test_expect_messages(
        DORM_MODELS(&NoMaxLength_model),
        DORM_LIST("library.NoMaxLength.name: (fields.E120) CharFields must define a 'max_length' attribute."));
}

/* A model laid out by another release's headers (here: no layout at all, a
 * struct filled by hand) is refused before its fields are read. */
static const dorm_field Unversioned_fields[] = {{.kind = DORM_KIND_AUTO, .name = "id", .size = 0xdead}};
static const dorm_model Unversioned_model = {.name = "Old", .app_label = "library", .fields = Unversioned_fields};

Test(checks, a_model_of_another_layout_is_refused) {
    test_expect_messages(
        DORM_MODELS(&NoMaxLength_model, &Unversioned_model),
        DORM_LIST("library.Old: (dorm.E037) The model was built against dorm's model layout 0; this "
                  "libdorm reads layout 2. Rebuild it with this release's headers (declare models with "
                  "DORM_MODEL)."));
}

typedef struct BadOrdering {
    DORM_OBJECT;
    int64_t id;
    DORM_FK(Publisher) publisher;
} BadOrdering;
static const dorm_field BadOrdering_fields[] = {
    DORM_AUTO(BadOrdering, id),
    DORM_FOREIGN_KEY(BadOrdering, publisher, Publisher, .on_delete = DORM_CASCADE),
    DORM_END,
};
static const dorm_model BadOrdering_model =
    DORM_MODEL(BadOrdering, "library", BadOrdering_fields, .ordering = DORM_LIST("-nope", "publisher__nope", "id"));

Test(checks, ordering_on_unknown_fields) {
    test_expect_messages(
        DORM_MODELS(&Publisher_model, &BadOrdering_model),
        DORM_LIST("library.BadOrdering: (models.E015) 'ordering' refers to the nonexistent field, related field, "
                  "or lookup 'nope'.",
                  "library.BadOrdering: (models.E015) 'ordering' refers to the nonexistent field, related field, "
                  "or lookup 'publisher__nope'."));
}

Test(checks, ordering_on_related_fields_is_accepted) {
    /* BookAuthor orders by "-publisher__name", "?", "pk" and an attname. */
    dorm_registry *reg = test_registry_of(DORM_MODELS(&Publisher_model, &BookAuthor_model));
    cr_expect_eq(dorm_registry_errcode(reg), DORM_OK);
    cr_expect_str_eq(dorm_registry_messages(reg), "");
    dorm_registry_free(reg);
}

typedef struct NoOnDelete {
    DORM_OBJECT;
    int64_t id;
    DORM_FK(Publisher) publisher;
} NoOnDelete;
static const dorm_field NoOnDelete_fields[] = {
    DORM_AUTO(NoOnDelete, id),
    DORM_FOREIGN_KEY(NoOnDelete, publisher, Publisher),
    DORM_END,
};
static const dorm_model NoOnDelete_model = DORM_MODEL(NoOnDelete, "library", NoOnDelete_fields);

Test(checks, foreign_key_without_on_delete) {
    /* Django refuses this with a TypeError at class creation. */
    test_expect_one_message(DORM_MODELS(&Publisher_model, &NoOnDelete_model),
                            "library.NoOnDelete.publisher: (dorm.E005) ");
}

Test(checks, foreign_key_to_unregistered_model) {
    /* NoOnDelete's target, Publisher, is left out; the missing on_delete is
     * reported as well. */
    dorm_registry *reg = test_registry_of(DORM_MODELS(&NoOnDelete_model));
    const char *msg = dorm_registry_messages(reg);
    cr_expect_eq(dorm_registry_errcode(reg), DORM_ECONFIG);
    cr_expect(test_has_message(msg,
                               "library.NoOnDelete.publisher: (fields.E300) Field defines a relation with model "
                               "'Publisher', which is either not installed, or is abstract."),
              "%s", msg);
    dorm_registry_free(reg);
}

typedef struct NullPk {
    DORM_OBJECT;
    int64_t id;
} NullPk;
static const dorm_field NullPk_fields[] = {DORM_AUTO(NullPk, id, .null = true), DORM_END};
static const dorm_model NullPk_model = DORM_MODEL(NullPk, "library", NullPk_fields);

Test(checks, nullable_primary_key) {
    test_expect_messages(
        DORM_MODELS(&NullPk_model),
        DORM_LIST("library.NullPk.id: (fields.E007) Primary keys must not have null=True.\n\tHINT: Set "
                  "null=False on the field, or remove primary_key=True argument."));
}

typedef struct DupName {
    DORM_OBJECT;
    int64_t id;
    const char *name;
} DupName;
static const dorm_field DupName_fields[] = {
    DORM_AUTO(DupName, id),
    DORM_CHAR(DupName, name, .max_length = 10),
    DORM_CHAR(DupName, name, .max_length = 20),
    DORM_END,
};
static const dorm_model DupName_model = DORM_MODEL(DupName, "library", DupName_fields);

Test(checks, duplicate_field_names) {
    test_expect_messages(DORM_MODELS(&DupName_model),
                         DORM_LIST("library.DupName.name: (models.E006) The field 'name' clashes with "
                                   "the field 'name' from model 'library.dupname'."));
}

typedef struct DupColumn {
    DORM_OBJECT;
    int64_t id;
    const char *a;
    const char *b;
} DupColumn;
static const dorm_field DupColumn_fields[] = {
    DORM_AUTO(DupColumn, id),
    DORM_CHAR(DupColumn, a, .max_length = 10),
    DORM_CHAR(DupColumn, b, .max_length = 10, .db_column = "a"),
    DORM_END,
};
static const dorm_model DupColumn_model = DORM_MODEL(DupColumn, "library", DupColumn_fields);

Test(checks, duplicate_column_names) {
    test_expect_messages(
        DORM_MODELS(&DupColumn_model),
        DORM_LIST("library.DupColumn: (models.E007) Field 'b' has column name 'a' that is used by another field."
                  "\n\tHINT: Specify a 'db_column' for the field."));
}

typedef struct BadDecimal {
    DORM_OBJECT;
    int64_t id;
    dorm_decimal d1;
    dorm_decimal d2;
    dorm_decimal d3;
    dorm_decimal d4;
    dorm_decimal d5;
} BadDecimal;
static const dorm_field BadDecimal_fields[] = {
    DORM_AUTO(BadDecimal, id),
    DORM_DECIMAL(BadDecimal, d1, .decimal_places = 2),
    DORM_DECIMAL(BadDecimal, d2, .max_digits = 2, .decimal_places = 3),
    DORM_DECIMAL(BadDecimal, d3, .max_digits = 3, .decimal_places = 3),
    DORM_DECIMAL(BadDecimal, d4, .max_digits = 38, .decimal_places = 38),
    DORM_DECIMAL(BadDecimal, d5, .max_digits = 39, .decimal_places = 2),
    DORM_END,
};
static const dorm_model BadDecimal_model = DORM_MODEL(BadDecimal, "library", BadDecimal_fields);

Test(checks, decimal_digits) {
    /* d3 (max_digits == decimal_places) and d4 (38 digits) are valid. */
    test_expect_messages(
        DORM_MODELS(&BadDecimal_model),
        DORM_LIST("library.BadDecimal.d1: (fields.E132) DecimalFields must define a 'max_digits' attribute.",
                  "library.BadDecimal.d2: (fields.E134) 'max_digits' must be greater or equal to 'decimal_places'.",
                  "library.BadDecimal.d5: (dorm.E003) dorm stores decimals exactly in 38 digits: 'max_digits' must "
                  "be at most 38."));
}

typedef struct LongChoices {
    DORM_OBJECT;
    int64_t id;
    const char *g;
} LongChoices;
static const dorm_field LongChoices_fields[] = {
    DORM_AUTO(LongChoices, id),
    DORM_CHAR(LongChoices, g, .max_length = 2,
              .choices = DORM_CHOICES({DORM_VTEXT("ABCD"), "x"}, {DORM_VTEXT("A"), "y"})),
    DORM_END,
};
static const dorm_model LongChoices_model = DORM_MODEL(LongChoices, "library", LongChoices_fields);

Test(checks, choices_longer_than_max_length) {
    test_expect_messages(
        DORM_MODELS(&LongChoices_model),
        DORM_LIST("library.LongChoices.g: (fields.E009) 'max_length' is too small to fit the longest value in "
                  "'choices' (4 characters)."));
}

typedef struct TwoPks {
    DORM_OBJECT;
    int32_t a;
    int32_t b;
} TwoPks;
static const dorm_field TwoPks_fields[] = {
    DORM_INT(TwoPks, a, .primary_key = true),
    DORM_INT(TwoPks, b, .primary_key = true),
    DORM_END,
};
static const dorm_model TwoPks_model = DORM_MODEL(TwoPks, "library", TwoPks_fields);

Test(checks, two_primary_keys) {
    test_expect_messages(
        DORM_MODELS(&TwoPks_model),
        DORM_LIST("library.TwoPks: (models.E026) The model cannot have more than one field with 'primary_key=True'."));
}

typedef struct NoPk {
    DORM_OBJECT;
    const char *name;
} NoPk;
static const dorm_field NoPk_fields[] = {DORM_CHAR(NoPk, name, .max_length = 10), DORM_END};
static const dorm_model NoPk_model = DORM_MODEL(NoPk, "library", NoPk_fields);

Test(checks, no_primary_key) {
    /* Django adds an AutoField "id"; dorm asks for an explicit one. */
    test_expect_one_message(DORM_MODELS(&NoPk_model), "library.NoPk: (dorm.E008) ");
}

Test(checks, every_broken_model_at_once) {
    /* One registry reports the problems of all its models, one per line. */
    dorm_registry *reg = test_registry_of(DORM_MODELS(&NoMaxLength_model, &NullPk_model, &TwoPks_model));
    cr_expect_eq(dorm_registry_errcode(reg), DORM_ECONFIG);
    cr_expect_str_eq(dorm_registry_messages(reg),
                     "library.NoMaxLength.name: (fields.E120) CharFields must define a 'max_length' attribute.\n"
                     "library.NullPk.id: (fields.E007) Primary keys must not have null=True.\n"
                     "\tHINT: Set null=False on the field, or remove primary_key=True argument.\n"
                     "library.TwoPks: (models.E026) The model cannot have more than one field with "
                     "'primary_key=True'.");
    dorm_registry_free(reg);
}

/* A table named like a backend's catalogue (issue 12): SQLite refuses
 * "sqlite_*" names; PostgreSQL searches pg_catalog first, so a "pg_*" table
 * could be hidden by its own. */
typedef struct Stat {
    DORM_OBJECT;
    int64_t id;
} Stat;
static const dorm_model Stat_model;
static const dorm_field Stat_fields[] = {DORM_AUTO(Stat, id), DORM_MANY_TO_MANY(Stat, peers, Stat), DORM_END};
static const dorm_model Stat_model = DORM_MODEL(Stat, "library", Stat_fields, .db_table = "SQLite_stat1");
typedef struct Klass {
    DORM_OBJECT;
    int64_t id;
} Klass;
static const dorm_field Klass_fields[] = {
    DORM_AUTO(Klass, id), DORM_MANY_TO_MANY(Klass, tags, Publisher, .db_table = "sqlite_tags"), DORM_END};
static const dorm_model Klass_model = DORM_MODEL(Klass, "library", Klass_fields, .db_table = "pg_class");

Test(checks, catalogue_table_names) {
    test_expect_messages(
        DORM_MODELS(&Stat_model, &Klass_model, &Publisher_model),
        DORM_LIST("library.Stat: (dorm.E015) db_table 'SQLite_stat1' is reserved: SQLite keeps its own "
                  "tables under the prefix 'sqlite_'.",
                  "library.Stat_peers: (dorm.E015) db_table 'SQLite_stat1_peers' is reserved: SQLite keeps "
                  "its own tables under the prefix 'sqlite_'.",
                  "library.Klass: (dorm.E015) db_table 'pg_class' is reserved: PostgreSQL keeps its own "
                  "tables under the prefix 'pg_'.",
                  "library.Klass_tags: (dorm.E015) db_table 'sqlite_tags' is reserved: SQLite keeps its "
                  "own tables under the prefix 'sqlite_'."));
    cr_expect_str_eq(dorm_table__name_reserved("pg_stats"), "pg_");
    cr_expect_str_eq(dorm_table__name_reserved("SQLITE_MASTER"), "sqlite_");
    cr_expect_null(dorm_table__name_reserved("sqlitex"));
    cr_expect_null(dorm_table__name_reserved("library_pg_x"));
    cr_expect_null(dorm_table__name_reserved("pg"));
}

/* ---- Django's model-name and on_delete checks ---- */

typedef struct Named {
    DORM_OBJECT;
    int64_t id;
} Named;
static const dorm_field Named_fields[] = {DORM_AUTO(Named, id), DORM_END};
static const dorm_model Leading_model = {
    .abi = DORM_MODEL_ABI, .name = "_Hidden", .app_label = "library", .size = sizeof(Named), .fields = Named_fields};
static const dorm_model Trailing_model = {
    .abi = DORM_MODEL_ABI, .name = "Draft_", .app_label = "library", .size = sizeof(Named), .fields = Named_fields};
static const dorm_model Double_model = {
    .abi = DORM_MODEL_ABI, .name = "Book__Copy", .app_label = "library", .size = sizeof(Named), .fields = Named_fields};

Test(checks, model_names_that_clash_with_lookups) {
    test_expect_messages(DORM_MODELS(&Leading_model, &Trailing_model, &Double_model),
                         DORM_LIST("library._Hidden: (models.E023) The model name '_Hidden' cannot start or end with "
                                   "an underscore as it collides with the query lookup syntax.",
                                   "library.Draft_: (models.E023) The model name 'Draft_' cannot start or end with an "
                                   "underscore as it collides with the query lookup syntax.",
                                   "library.Book__Copy: (models.E024) The model name 'Book__Copy' cannot contain "
                                   "double underscores as it collides with the query lookup syntax."));
}

typedef struct Loan {
    DORM_OBJECT;
    int64_t id;
    DORM_FK(Publisher) lender;
    DORM_FK(Publisher) keeper;
} Loan;
static const dorm_field Loan_fields[] = {
    DORM_AUTO(Loan, id),
    DORM_FOREIGN_KEY(Loan, lender, Publisher, .on_delete = DORM_SET_NULL),
    DORM_FOREIGN_KEY(Loan, keeper, Publisher, .on_delete = DORM_SET_DEFAULT, .related_name = "kept"),
    DORM_END,
};
static const dorm_model Loan_model = DORM_MODEL(Loan, "library", Loan_fields);

Test(checks, on_delete_that_cannot_be_applied) {
    test_expect_messages(
        DORM_MODELS(&Publisher_model, &Loan_model),
        DORM_LIST("library.Loan.lender: (fields.E320) Field specifies on_delete=SET_NULL, but cannot be null.\n\tHINT: "
                  "Set null=True argument on the field, or change the on_delete rule.",
                  "library.Loan.keeper: (fields.E321) Field specifies on_delete=SET_DEFAULT, but has no default "
                  "value.\n\tHINT: Set a default value, or change the on_delete rule."));
}
