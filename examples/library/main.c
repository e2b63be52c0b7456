/* main.c - the seed tutorial (acceptance/library_tour.py) ported to dorm: it
 * prints the same transcript, on SQLite or PostgreSQL, its tables made by its
 * migrations.  Usage: library [DATABASE_URL] (without one it reads
 * $DATABASE_URL); `library manage <command> ...` is its manage.py. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models.h"

/* Ends the program with the context's error when a call failed. */
static void check(dorm_ctx *cx, bool ok) {
    if (ok) return;
    fprintf(stderr, "library: %s: %s\n", dorm_error_name(dorm_errcode(cx)), dorm_errmsg(cx));
    exit(1);
}

static void print_date(dorm_date d) {
    char buf[DORM_FMT_MAX];
    dorm_date_format(d, buf);
    fputs(buf, stdout);
}

static void titles(dorm_ctx *cx, dorm_qs *qs) {
    DORM_EACH(Book, b, qs) puts(b->title);
    check(cx, dorm_qs_errcode(qs) == DORM_OK && dorm_errcode(cx) == DORM_OK);
}

static const dorm_app *const apps[] = {&library_app, NULL};

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "manage") == 0) return dorm_manage(argc - 2, argv + 2, apps);
    dorm_registry *reg = dorm_registry_new((const dorm_app *const[]){&library_app, NULL});
    if (!reg || dorm_registry_errcode(reg)) {
        fprintf(stderr, "library: %s\n", reg ? dorm_registry_messages(reg) : "out of memory");
        return 1;
    }
    dorm_db *db = dorm_db_open(argc > 1 ? argv[1] : NULL, reg);
    if (!db || dorm_db_errcode(db)) {
        fprintf(stderr, "library: %s\n", db ? dorm_db_errmsg(db) : "out of memory");
        return 1;
    }
    dorm_ctx *cx = dorm_ctx_new(db);
    /* Like the Django script, start from empty tables: on a server database
     * the previous run's records and tables go first (an error here only
     * means there were none), then the migrations make them. */
    dorm_migrate(cx, apps, &(dorm_migrate_opts){.app = "library", .target = "zero", .fake = true});
    dorm_drop_tables(cx, DORM_MODELS(&Book_model, &Author_model));
    check(cx, dorm_migrate(cx, apps, &(dorm_migrate_opts){.verbosity = 0}) == 0);

    /* add_books */
    Author *austen = dorm_create(cx, Author, .name = "Jane Austen", .birth_date = dorm_date_ymd(1775, 12, 16),
                                 .biography = "English novelist known for her six major novels.");
    check(cx, austen != NULL);
    Book *b = dorm_create(cx, Book, .title = "Pride and Prejudice", .author = {austen->id, austen},
                          .publication_date = dorm_date_ymd(1813, 1, 28), .isbn = "9780141439518", .genre = "FIC",
                          .pages = 432);
    check(cx, b != NULL);
    puts("Created author and book successfully!");

    /* query_books */
    puts("==== All Books ====");
    DORM_EACH(Book, book, dorm_all(cx, Book)) printf("%s by %s\n", book->title, dorm_fk(book, author)->name);

    /* update_books */
    b = dorm_get(dorm_all(cx, Book), DQ("title", "Pride and Prejudice"));
    check(cx, b != NULL);
    printf("Before: %s, Pages: %d\n", b->title, b->pages);
    b->pages = 424;
    check(cx, dorm_save(b) == 0);
    check(cx, dorm_refresh(b) == 0);
    printf("After: %s, Pages: %d\n", b->title, b->pages);

    /* delete_books */
    b = dorm_get(dorm_all(cx, Book), DQ("title", "Pride and Prejudice"));
    check(cx, b != NULL);
    printf("Deleting: %s\n", b->title);
    check(cx, dorm_delete(b, NULL) == 0);
    puts("Book deleted successfully");
    printf("Remaining books: %lld\n", (long long)dorm_count(dorm_all(cx, Book)));
    if (!dorm_get(dorm_all(cx, Book), DQ("title", "Pride and Prejudice")) && dorm_errcode(cx) == DORM_EDOESNOTEXIST)
        puts("Book not found");

    /* A small catalogue for the advanced part of the tutorial */
    Author *orwell = dorm_create(cx, Author, .name = "George Orwell", .birth_date = dorm_date_ymd(1903, 6, 25));
    Author *tolkien = dorm_new(cx, Author);
    check(cx, orwell && tolkien);
    tolkien->name = "J.R.R. Tolkien";
    tolkien->birth_date = dorm_date_ymd(1892, 1, 3);
    check(cx, dorm_save(tolkien) == 0);
    static const struct {
        const char *title;
        int author;
        int y, m, d;
        const char *isbn, *genre;
        int pages;
    } rows[] = {
        {"Pride and Prejudice", 0, 1813, 1, 28, "9780141439518", "FIC", 432},
        {"Emma", 0, 1815, 12, 23, "9780141439587", "FIC", 474},
        {"Persuasion", 0, 1817, 12, 20, "9780141439686", "FIC", 249},
        {"1984", 1, 1949, 6, 8, "9780451524935", "FIC", 328},
        {"Animal Farm", 1, 1945, 8, 17, "9780451526342", "FIC", 112},
        {"Homage to Catalonia", 1, 1938, 4, 25, "9780156421171", "HIS", 232},
        {"The Hobbit", 2, 1937, 9, 21, "9780547928227", "FIC", 310},
        {"On Fairy-Stories", 2, 1947, 1, 1, "9780007582914", "NON", 128},
    };
    Author *authors[] = {austen, orwell, tolkien};
    Book *books[8];
    for (size_t i = 0; i < 8; i++) {
        books[i] = dorm_new(cx, Book);
        check(cx, books[i] != NULL);
        books[i]->title = rows[i].title;
        dorm_fk_set(books[i], author, authors[rows[i].author]);
        books[i]->publication_date = dorm_date_ymd(rows[i].y, rows[i].m, rows[i].d);
        books[i]->isbn = rows[i].isbn;
        books[i]->genre = rows[i].genre;
        books[i]->pages = rows[i].pages;
    }
    check(cx, dorm_bulk_create(cx, Book, books, 8, 0) == 0);

    puts("==== Catalogue (default ordering: newest first) ====");
    DORM_EACH(Book, bk, dorm_select_related(dorm_all(cx, Book), "author")) {
        print_date(bk->publication_date);
        printf(" %s by %s [%s] %dp\n", bk->title, dorm_fk(bk, author)->name, dorm_get_display(bk, genre), bk->pages);
    }
    puts("==== Austen ====");
    titles(cx, dorm_order_by(dorm_filter(dorm_all(cx, Book), DQ("author__name", "Jane Austen")), "publication_date"));
    puts("==== After 1900, oldest first ====");
    titles(
        cx,
        dorm_order_by(dorm_filter(dorm_all(cx, Book), DQ("publication_date__gt", "1900-01-01")), "publication_date"));
    Book *oldest = dorm_first(dorm_order_by(dorm_all(cx, Book), "publication_date"));
    Book *newest = dorm_first(dorm_order_by(dorm_all(cx, Book), "-publication_date"));
    check(cx, oldest && newest);
    printf("Oldest: %s\nNewest: %s\n", oldest->title, newest->title);
    puts("==== Fiction OR more than 400 pages, not by Orwell ====");
    titles(
        cx,
        dorm_order_by(dorm_exclude(dorm_filter(dorm_all(cx, Book), dorm_or(DQ("genre", "FIC"), DQ("pages__gt", 400))),
                                   DQ("author", orwell)),
                      "title"));
    puts("==== NOT fiction AND published after 1930 ====");
    titles(cx,
           dorm_order_by(
               dorm_filter(dorm_all(cx, Book), dorm_not(DQ("genre", "FIC")), DQ("publication_date__gt", "1930-01-01")),
               "title"));

    puts("==== Books per author ====");
    DORM_EACH(Author, a, dorm_order_by(dorm_annotate(dorm_all(cx, Author), DAS("num_books", DCount("books"))), "id"))
    printf("%s has written %lld book(s).\n", a->name, (long long)dorm_annotation(a, "num_books")->u.i);
    const dorm_row *avg = dorm_aggregate(dorm_all(cx, Book), DAS(NULL, DAvg("pages")));
    check(cx, avg != NULL);
    printf("Average pages per book: %.2f\n", dorm_row_get(avg, "pages__avg")->u.f);
    const dorm_row *agg = dorm_aggregate(dorm_all(cx, Book), DAS("total", DCount("id")), DAS("longest", DMax("pages")),
                                         DAS("shortest", DMin("pages")), DAS("pages", DSum("pages")));
    check(cx, agg != NULL);
    printf("total=%lld longest=%lld shortest=%lld pages=%lld\n", (long long)dorm_row_get(agg, "total")->u.i,
           (long long)dorm_row_get(agg, "longest")->u.i, (long long)dorm_row_get(agg, "shortest")->u.i,
           (long long)dorm_row_get(agg, "pages")->u.i);
    Author *top = dorm_first(
        dorm_order_by(dorm_annotate(dorm_all(cx, Author), DAS("num_books", DCount("books"))), "-num_books", "name"));
    check(cx, top != NULL);
    printf("%s has the most books: %lld\n", top->name, (long long)dorm_annotation(top, "num_books")->u.i);
    DORM_EACH(Author, a,
              dorm_order_by(dorm_annotate(dorm_all(cx, Author), DAS("total_pages", DSum("books__pages"))), "id"))
    printf("%s has written %lld total pages.\n", a->name, (long long)dorm_annotation(a, "total_pages")->u.i);

    puts("==== Reverse and forward access ====");
    Author *jane = dorm_get(dorm_all(cx, Author), DQ("name", "Jane Austen"));
    check(cx, jane != NULL);
    const char *sep = "";
    DORM_EACH(Book, bk, dorm_order_by(dorm_related(jane, "books"), "title")) {
        printf("%s%s", sep, bk->title);
        sep = ", ";
    }
    putchar('\n');
    Book *b1984 = dorm_get(dorm_all(cx, Book), DQ("title", "1984"));
    check(cx, b1984 != NULL);
    puts(dorm_fk(b1984, author)->name);

    puts("==== F expressions ====");
    printf("updated: %lld\n",
           (long long)dorm_update(dorm_filter(dorm_all(cx, Book), DQ("author", tolkien)),
                                  DSET("pages", dorm_add(dorm_F("pages"), 10))));
    DORM_EACH(Book, bk, dorm_order_by(dorm_filter(dorm_all(cx, Book), DQ("author", tolkien)), "title"))
    printf("%s: %d\n", bk->title, bk->pages);
    printf("title equals author name: %lld\n",
           (long long)dorm_count(dorm_filter(dorm_all(cx, Book), DQ("title", dorm_F("author__name")))));

    puts("==== values / values_list ====");
    DORM_EACH_ROW(row, dorm_values(dorm_filter(dorm_all(cx, Book), DQ("genre", "HIS")), "title", "author__name"))
    printf("title=%s author__name=%s\n", dorm_row_get(row, "title")->u.s, dorm_row_get(row, "author__name")->u.s);
    sep = "";
    DORM_EACH_ROW(row, dorm_slice(dorm_values_flat(dorm_order_by(dorm_all(cx, Book), "isbn"), "isbn"), 0, 3)) {
        printf("%s%s", sep, row->values[0].u.s);
        sep = " ";
    }
    putchar('\n');

    puts("==== prefetch_related ====");
    DORM_EACH(Author, a, dorm_prefetch_related(dorm_all(cx, Author), "books"))
    printf("%s has written %lld books\n", a->name, (long long)dorm_count(dorm_related(a, "books")));

    puts("==== only / defer ====");
    sep = "";
    DORM_EACH(Author, a, dorm_only(dorm_all(cx, Author), "name", "birth_date")) {
        printf("%s%s", sep, a->name);
        sep = ", ";
    }
    putchar('\n');
    sep = "";
    DORM_EACH(Author, a, dorm_defer(dorm_all(cx, Author), "biography")) {
        printf("%s%s", sep, a->name);
        sep = ", ";
    }
    putchar('\n');

    puts("==== bulk operations ====");
    enum { NEW_AUTHORS = 1000 };
    Author **many = dorm_alloc(cx, sizeof(Author *) * NEW_AUTHORS);
    check(cx, many != NULL);
    for (int i = 0; i < NEW_AUTHORS; i++) {
        many[i] = dorm_new(cx, Author);
        check(cx, many[i] != NULL);
        many[i]->name = dorm_sprintf(cx, "Author %d", i);
    }
    check(cx, dorm_bulk_create(cx, Author, many, NEW_AUTHORS, 0) == 0);
    printf("authors: %lld\n", (long long)dorm_count(dorm_all(cx, Author)));
    printf("updated: %lld\n",
           (long long)dorm_update(dorm_filter(dorm_all(cx, Author), DQ("name__startswith", "Author")),
                                  DSET("biography", "A generated author biography.")));
    dorm_deleted d;
    check(cx, dorm_qs_delete(dorm_filter(dorm_all(cx, Author), DQ("name__startswith", "Author")), &d) == 0);
    printf("deleted: %lld (%s)\n", (long long)d.total, dorm_deleted_str(cx, &d));

    puts("==== cascade ====");
    check(cx, dorm_qs_delete(dorm_filter(dorm_all(cx, Author), DQ("name", "George Orwell")), &d) == 0);
    printf("deleted: %lld (%s)\n", (long long)d.total, dorm_deleted_str(cx, &d));
    printf("books left: %lld\n", (long long)dorm_count(dorm_all(cx, Book)));

    puts("==== exists / count / slicing ====");
    printf("exists >=400: %s\n", dorm_exists(dorm_filter(dorm_all(cx, Book), DQ("pages__gte", 400))) ? "yes" : "no");
    printf("exists >=1000: %s\n", dorm_exists(dorm_filter(dorm_all(cx, Book), DQ("pages__gte", 1000))) ? "yes" : "no");
    sep = "";
    DORM_EACH(Book, bk, dorm_slice(dorm_order_by(dorm_all(cx, Book), "title"), 1, 3)) {
        printf("%s%s", sep, bk->title);
        sep = ", ";
    }
    putchar('\n');

    dorm_ctx_free(cx);
    dorm_db_close(db);
    dorm_registry_free(reg);
    return 0;
}
