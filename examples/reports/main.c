/* main.c - the reports example: acceptance/library_reports.py ported to
 * dorm.  It makes the library and circulation tables, fills them and prints
 * the same transcript, on SQLite or PostgreSQL.  Usage: reports
 * [DATABASE_URL] (without one it reads $DATABASE_URL). */
#include <stdlib.h>
#include <string.h>

#include "report.h"

dorm_ctx *cx;

static const dorm_model *const all_models[] = {&Author_model, &Book_model,   &Member_model,
                                               &Loan_model,   &Review_model, NULL};
/* Dropped in reverse: a table goes before those it points at. */
static const dorm_model *const reversed_models[] = {&Review_model, &Loan_model,   &Member_model,
                                                    &Book_model,   &Author_model, NULL};

static dorm_decimal cents(const char *s) {
    dorm_decimal d;
    check(dorm_decimal_parse(s, strlen(s), &d) == 0);
    return d;
}

static Author *authors[5];
static Book *books[11];
static Member *members[6];

static Book *book(const char *title) {
    for (int i = 0; i < 11; i++)
        if (strcmp(books[i]->title, title) == 0) return books[i];
    fprintf(stderr, "reports: no book %s\n", title);
    exit(1);
}

static Member *member(const char *name) {
    for (int i = 0; i < 6; i++)
        if (strcmp(members[i]->name, name) == 0) return members[i];
    fprintf(stderr, "reports: no member %s\n", name);
    exit(1);
}

#define ADA "Ada Lovelace"
#define ZOE "Zoë O'Brien"
#define BOB "bob_smith"
#define PERCY "Percy 100%"
#define EMILE "Émile Roux"

static void fill(void) {
    static const struct {
        const char *name;
        int y, m, d;
    } a[] = {{"Jane Austen", 1775, 12, 16},
             {"George Orwell", 1903, 6, 25},
             {"J.R.R. Tolkien", 1892, 1, 3},
             {"Ursula K. Le Guin", 1929, 10, 21},
             {"Anonymous", 0, 0, 0}};
    for (int i = 0; i < 5; i++) {
        authors[i] = dorm_create(cx, Author, .name = a[i].name, .birth_date = dorm_date_ymd(a[i].y, a[i].m, a[i].d),
                                 .biography = "");
        check(authors[i] != NULL);
    }
    static const struct {
        const char *title;
        int author, y, m, d;
        const char *isbn, *genre;
        int pages;
    } b[] = {
        {"Pride and Prejudice", 0, 1813, 1, 28, "9780141439518", "FIC", 432},
        {"Emma", 0, 1815, 12, 23, "9780141439587", "FIC", 474},
        {"Persuasion", 0, 1817, 12, 20, "9780141439686", "FIC", 249},
        {"1984", 1, 1949, 6, 8, "9780451524935", "FIC", 328},
        {"Animal Farm", 1, 1945, 8, 17, "9780451526342", "FIC", 112},
        {"Homage to Catalonia", 1, 1938, 4, 25, "9780156421171", "HIS", 232},
        {"The Hobbit", 2, 1937, 9, 21, "9780547928227", "FIC", 310},
        {"On Fairy-Stories", 2, 1947, 1, 1, "9780007582914", "NON", 128},
        {"The Dispossessed", 3, 1974, 5, 1, "9780061054884", "SCI", 387},
        {"The Left Hand of Darkness", 3, 1969, 3, 1, "9780441478125", "SCI", 304},
        {"The Wave in the Mind", 3, 2004, 1, 1, "9781590301074", "NON", 303},
    };
    for (int i = 0; i < 11; i++) {
        Author *au = authors[b[i].author];
        books[i] = dorm_create(cx, Book, .title = b[i].title, .author = {au->id, au},
                               .publication_date = dorm_date_ymd(b[i].y, b[i].m, b[i].d), .isbn = b[i].isbn,
                               .genre = b[i].genre, .pages = b[i].pages);
        check(books[i] != NULL);
    }
    static const char *const m[][4] = {
        {ADA, "ada@example.com", "2022-11-03 09:15:00", "London"},
        {ZOE, "zoe@example.com", "2023-01-01 00:30:00", "Dublin"},
        {BOB, "bob_smith@example.com", "2023-03-15 18:45:00", NULL},
        {PERCY, "percy@example.com", "2023-06-30 22:10:00", "Paris"},
        {EMILE, "emile@example.com", "2023-09-09 12:00:00", "Paris"},
        {"Noor Haddad", "noor@example.com", "2024-02-29 23:59:59", NULL},
    };
    for (int i = 0; i < 6; i++) {
        members[i] = dorm_create(cx, Member, .name = m[i][0], .email = m[i][1], .joined = at(m[i][2]), .city = m[i][3]);
        check(members[i] != NULL);
    }
    static const char *const l[][5] = {
        {ADA, "Pride and Prejudice", "2023-01-01 00:15:00", "2023-01-20 10:00:00", "0.00"},
        {ADA, "Emma", "2023-02-10 14:00:00", "2023-03-01 09:30:00", "1.25"},
        {ADA, "The Dispossessed", "2023-12-31 23:30:00", "2024-01-25 08:00:00", "2.40"},
        {ADA, "The Left Hand of Darkness", "2024-03-31 00:30:00", "2024-04-02 17:45:00", "0.00"},
        {ADA, "The Dispossessed", "2024-12-30 10:00:00", NULL, "0.00"},
        {ZOE, "The Hobbit", "2023-03-05 16:20:00", "2023-03-19 16:20:00", "0.00"},
        {ZOE, "On Fairy-Stories", "2023-07-14 11:11:11", "2023-08-30 12:00:00", "4.70"},
        {ZOE, "The Hobbit", "2024-02-29 12:00:00", "2024-03-10 12:00:00", "0.00"},
        {ZOE, "Animal Farm", "2024-10-27 00:45:00", "2024-11-20 09:00:00", "1.10"},
        {ZOE, "The Wave in the Mind", "2025-01-01 00:00:00", NULL, "0.00"},
        {BOB, "1984", "2023-04-01 08:00:00", "2023-05-15 08:00:00", "3.30"},
        {BOB, "Animal Farm", "2023-05-16 09:00:00", "2023-05-20 09:00:00", "0.00"},
        {BOB, "Homage to Catalonia", "2023-11-11 11:00:00", "2024-01-05 15:00:00", "6.80"},
        {BOB, "1984", "2025-03-03 03:03:03", "2025-03-20 20:00:00", "0.00"},
        {PERCY, "Emma", "2023-06-01 09:00:00", "2023-06-30 09:00:00", "0.50"},
        {PERCY, "Pride and Prejudice", "2023-08-15 13:30:00", "2023-09-02 10:00:00", "0.00"},
        {PERCY, "The Hobbit", "2023-12-24 18:00:00", "2024-01-15 12:00:00", "2.15"},
        {PERCY, "The Dispossessed", "2024-06-21 06:00:00", "2024-07-30 18:30:00", "3.95"},
        {PERCY, "The Left Hand of Darkness", "2025-02-14 14:14:00", NULL, "0.00"},
        {PERCY, "Emma", "2025-06-01 09:00:00", "2025-06-10 09:00:00", "0.00"},
        {EMILE, "Homage to Catalonia", "2023-09-30 22:30:00", "2023-10-12 10:00:00", "0.00"},
        {EMILE, "On Fairy-Stories", "2024-01-31 23:15:00", "2024-02-20 10:00:00", "0.80"},
        {EMILE, "The Wave in the Mind", "2024-05-05 05:05:05", "2024-06-30 12:00:00", "5.25"},
        {EMILE, "The Wave in the Mind", "2024-12-31 23:59:59", "2025-01-10 10:00:00", "0.00"},
        {EMILE, "Animal Farm", "2025-08-08 08:08:08", NULL, "0.00"},
    };
    Loan *loans[25];
    for (int i = 0; i < 25; i++) {
        Member *mb = member(l[i][0]);
        Book *bk = book(l[i][1]);
        loans[i] = dorm_new(cx, Loan);
        check(loans[i] != NULL);
        loans[i]->member.id = mb->id;
        loans[i]->book.id = bk->id;
        loans[i]->borrowed = at(l[i][2]);
        if (l[i][3])
            loans[i]->returned = at(l[i][3]);
        else
            dorm_set_null(loans[i], returned);
        loans[i]->fee = cents(l[i][4]);
    }
    check(dorm_bulk_create(cx, Loan, loans, 25, 0) == 0);
    static const struct {
        const char *book, *member;
        int stars;
        const char *body, *meta;
    } r[] = {
        {"Pride and Prejudice", ADA, 5, "A delight.",
         "{\"source\": \"web\", \"tags\": [\"classic\", \"romance\"], \"helpful\": 12}"},
        {"Emma", ADA, 4, "Clever and kind.", "{\"source\": \"app\", \"tags\": [\"classic\"], \"helpful\": 3}"},
        {"The Dispossessed", ADA, 5, "Ambiguous utopia, clear prose.",
         "{\"source\": \"web\", \"tags\": [\"sf\", \"politics\"], \"helpful\": 7, \"lang\": {\"code\": \"en\"}}"},
        {"The Hobbit", ZOE, 5, "There and back again.",
         "{\"source\": \"app\", \"tags\": [\"fantasy\"], \"helpful\": 9}"},
        {"On Fairy-Stories", ZOE, 3, "Dense but rewarding.", "{\"source\": \"paper\", \"tags\": [], \"helpful\": 0}"},
        {"Animal Farm", ZOE, 4, "Short and sharp.",
         "{\"source\": \"web\", \"tags\": [\"satire\", \"classic\"], \"helpful\": null}"},
        {"1984", BOB, 5, "Still relevant.",
         "{\"source\": \"web\", \"tags\": [\"dystopia\", \"classic\"], \"helpful\": 15}"},
        {"Homage to Catalonia", BOB, 2, "Too much about trenches.", "{\"source\": \"app\", \"helpful\": 1}"},
        {"Emma", PERCY, 3, "Matchmaking gone wrong; 50% too long.",
         "{\"source\": \"web\", \"tags\": [\"classic\"], \"helpful\": 2}"},
        {"The Hobbit", PERCY, 4, "Fun.", "{\"source\": \"app\", \"tags\": [\"fantasy\", \"kids\"], \"helpful\": 4}"},
        {"The Dispossessed", PERCY, 4, "Made me think.", "{\"tags\": [\"sf\"], \"helpful\": 5}"},
        {"Homage to Catalonia", EMILE, 4, "Honest reporting.",
         "{\"source\": \"paper\", \"tags\": [\"war\", \"memoir\"], \"helpful\": 6}"},
        {"The Wave in the Mind", EMILE, 5, "Essays to reread.",
         "{\"source\": \"web\", \"tags\": [\"essays\"], \"helpful\": 8, \"lang\": {\"code\": \"fr\"}}"},
        {"1984", EMILE, 1, "Too bleak for me.", "{\"source\": \"app\", \"tags\": [\"dystopia\"], \"helpful\": 11}"},
        {"The Left Hand of Darkness", ADA, 4, "Winter, and a friendship.",
         "{\"source\": \"web\", \"tags\": [\"sf\"], \"helpful\": 3}"},
    };
    for (int i = 0; i < 15; i++) {
        Book *bk = book(r[i].book);
        Member *mb = member(r[i].member);
        check(dorm_create(cx, Review, .book = {bk->id, bk}, .member = {mb->id, mb}, .stars = (int16_t)r[i].stars,
                          .body = r[i].body, .meta = r[i].meta) != NULL);
    }
}

static int64_t count(const dorm_model *m) {
    int64_t n = dorm_count(dorm_qs_all(cx, m));
    check(n >= 0);
    return n;
}

int main(int argc, char **argv) {
    const dorm_app *const apps[] = {&library_app, &circulation_app, NULL};
    dorm_registry *reg = dorm_registry_new(apps);
    if (!reg || dorm_registry_errcode(reg)) {
        fprintf(stderr, "reports: %s\n", reg ? dorm_registry_messages(reg) : "out of memory");
        return 1;
    }
    dorm_db *db = dorm_db_open(argc > 1 ? argv[1] : NULL, reg);
    if (!db || dorm_db_errcode(db)) {
        fprintf(stderr, "reports: %s\n", db ? dorm_db_errmsg(db) : "out of memory");
        return 1;
    }
    cx = dorm_ctx_new(db);
    check(cx != NULL);
    /* As the Django script: its five tables dropped if there (one at a time:
     * a missing one fails alone), then made. */
    for (int i = 0; reversed_models[i]; i++)
        dorm_drop_tables(cx, (const dorm_model *const[]){reversed_models[i], NULL});
    check(dorm_create_tables(cx, all_models) == 0);
    fill();
    printf("authors=%lld books=%lld members=%lld loans=%lld reviews=%lld\n", (long long)count(&Author_model),
           (long long)count(&Book_model), (long long)count(&Member_model), (long long)count(&Loan_model),
           (long long)count(&Review_model));

    puts("==== Check constraint ====");
    check(dorm_atomic_begin(cx) == 0);
    Review *bad = dorm_create(cx, Review, .book = {book("Emma")->id, NULL}, .member = {member(BOB)->id, NULL},
                              .stars = 6, .body = "!", .meta = "{}");
    bool integrity = !bad && dorm_errcode(cx) == DORM_EINTEGRITY;
    check(dorm_atomic_end(cx, bad != NULL) == 0 || integrity);
    puts(bad ? "stars=6: saved" : integrity ? "stars=6: IntegrityError" : "stars=6: ?");
    printf("reviews: %lld\n", (long long)count(&Review_model));

    report_aggregation();
    report_functions();
    report_dates();
    report_subqueries();
    report_json();

    check(dorm_drop_tables(cx, reversed_models) == 0);
    dorm_ctx_free(cx);
    dorm_db_close(db);
    dorm_registry_free(reg);
    return 0;
}
