BEGIN;
--
-- Create model Author
--
CREATE TABLE "library_author" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" varchar(100) NOT NULL, "birth_date" date NULL, "biography" text NOT NULL);
--
-- Create model Book
--
CREATE TABLE "library_book" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "title" varchar(200) NOT NULL, "publication_date" date NOT NULL, "isbn" varchar(13) NOT NULL UNIQUE, "genre" varchar(3) NOT NULL, "pages" integer unsigned NOT NULL CHECK ("pages" >= 0), "author_id" integer NOT NULL REFERENCES "library_author" ("id") DEFERRABLE INITIALLY DEFERRED);
--
-- Create index library_boo_title_c38ef2_idx on field(s) title of model book
--
CREATE INDEX "library_boo_title_c38ef2_idx" ON "library_book" ("title");
--
-- Create index library_boo_isbn_951e8b_idx on field(s) isbn of model book
--
CREATE INDEX "library_boo_isbn_951e8b_idx" ON "library_book" ("isbn");
CREATE INDEX "library_book_author_id_d9a3b67e" ON "library_book" ("author_id");
COMMIT;
