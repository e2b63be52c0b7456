BEGIN;
--
-- Alter field tags on book
--
CREATE TABLE "new__shop_book_tags" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "book_id" integer NOT NULL REFERENCES "shop_book" ("id") DEFERRABLE INITIALLY DEFERRED, "label_id" integer NOT NULL REFERENCES "shop_label" ("id") DEFERRABLE INITIALLY DEFERRED);
INSERT INTO "new__shop_book_tags" ("id", "book_id", "label_id") SELECT "id", "book_id", "tag_id" FROM "shop_book_tags";
DROP TABLE "shop_book_tags";
ALTER TABLE "new__shop_book_tags" RENAME TO "shop_book_tags";
CREATE UNIQUE INDEX "shop_book_tags_book_id_label_id_c47c4702_uniq" ON "shop_book_tags" ("book_id", "label_id");
CREATE INDEX "shop_book_tags_book_id_00064ef8" ON "shop_book_tags" ("book_id");
CREATE INDEX "shop_book_tags_label_id_b9f171f5" ON "shop_book_tags" ("label_id");
COMMIT;
BEGIN;
--
-- Alter field tags on book
--
CREATE TABLE "book_tag_links" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "book_id" integer NOT NULL REFERENCES "shop_book" ("id") DEFERRABLE INITIALLY DEFERRED, "label_id" integer NOT NULL REFERENCES "shop_label" ("id") DEFERRABLE INITIALLY DEFERRED);
INSERT INTO "book_tag_links" ("id", "book_id", "label_id") SELECT "id", "book_id", "label_id" FROM "shop_book_tags";
DROP TABLE "shop_book_tags";
CREATE UNIQUE INDEX "book_tag_links_book_id_label_id_b18b125e_uniq" ON "book_tag_links" ("book_id", "label_id");
CREATE INDEX "book_tag_links_book_id_20142cab" ON "book_tag_links" ("book_id");
CREATE INDEX "book_tag_links_label_id_fcbc079e" ON "book_tag_links" ("label_id");
COMMIT;
BEGIN;
--
-- Alter field tags on book
--
CREATE TABLE "shop_book_tags" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "book_id" integer NOT NULL REFERENCES "shop_book" ("id") DEFERRABLE INITIALLY DEFERRED, "label_id" integer NOT NULL REFERENCES "shop_label" ("id") DEFERRABLE INITIALLY DEFERRED);
INSERT INTO "shop_book_tags" ("id", "book_id", "label_id") SELECT "id", "book_id", "label_id" FROM "book_tag_links";
DROP TABLE "book_tag_links";
CREATE UNIQUE INDEX "shop_book_tags_book_id_label_id_c47c4702_uniq" ON "shop_book_tags" ("book_id", "label_id");
CREATE INDEX "shop_book_tags_book_id_00064ef8" ON "shop_book_tags" ("book_id");
CREATE INDEX "shop_book_tags_label_id_b9f171f5" ON "shop_book_tags" ("label_id");
COMMIT;
BEGIN;
--
-- Alter field tags on book
--
CREATE TABLE "new__shop_book_tags" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "book_id" integer NOT NULL REFERENCES "shop_book" ("id") DEFERRABLE INITIALLY DEFERRED, "tag_id" integer NOT NULL REFERENCES "shop_tag" ("id") DEFERRABLE INITIALLY DEFERRED);
INSERT INTO "new__shop_book_tags" ("id", "book_id", "tag_id") SELECT "id", "book_id", "label_id" FROM "shop_book_tags";
DROP TABLE "shop_book_tags";
ALTER TABLE "new__shop_book_tags" RENAME TO "shop_book_tags";
CREATE UNIQUE INDEX "shop_book_tags_book_id_tag_id_870e5de6_uniq" ON "shop_book_tags" ("book_id", "tag_id");
CREATE INDEX "shop_book_tags_book_id_00064ef8" ON "shop_book_tags" ("book_id");
CREATE INDEX "shop_book_tags_tag_id_c7a5d3dd" ON "shop_book_tags" ("tag_id");
COMMIT;
