BEGIN;
--
-- Alter field tags on book
--
ALTER TABLE "shop_book_tags" RENAME COLUMN "tag_id" TO "label_id";
ALTER TABLE "shop_book_tags" RENAME CONSTRAINT "shop_book_tags_book_id_tag_id_870e5de6_uniq" TO "shop_book_tags_book_id_label_id_c47c4702_uniq";
ALTER INDEX "shop_book_tags_tag_id_c7a5d3dd" RENAME TO "shop_book_tags_label_id_b9f171f5";
DO $$DECLARE r record; BEGIN FOR r IN SELECT c.conname FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] WHERE c.conrelid = '"shop_book_tags"'::regclass AND c.contype = 'f' AND array_length(c.conkey, 1) = 1 AND a.attname = 'label_id' LOOP EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', 'shop_book_tags', r.conname); END LOOP; END$$;
ALTER TABLE "shop_book_tags" ADD CONSTRAINT "shop_book_tags_label_id_b9f171f5_fk_shop_label_id" FOREIGN KEY ("label_id") REFERENCES "shop_label" ("id") DEFERRABLE INITIALLY DEFERRED;
COMMIT;
BEGIN;
--
-- Alter field tags on book
--
ALTER TABLE "shop_book_tags" RENAME TO "book_tag_links";
ALTER TABLE "book_tag_links" RENAME CONSTRAINT "shop_book_tags_book_id_label_id_c47c4702_uniq" TO "book_tag_links_book_id_label_id_b18b125e_uniq";
ALTER INDEX "shop_book_tags_book_id_00064ef8" RENAME TO "book_tag_links_book_id_20142cab";
ALTER INDEX "shop_book_tags_label_id_b9f171f5" RENAME TO "book_tag_links_label_id_fcbc079e";
COMMIT;
BEGIN;
--
-- Alter field tags on book
--
ALTER TABLE "book_tag_links" RENAME TO "shop_book_tags";
ALTER TABLE "shop_book_tags" RENAME CONSTRAINT "book_tag_links_book_id_label_id_b18b125e_uniq" TO "shop_book_tags_book_id_label_id_c47c4702_uniq";
ALTER INDEX "book_tag_links_book_id_20142cab" RENAME TO "shop_book_tags_book_id_00064ef8";
ALTER INDEX "book_tag_links_label_id_fcbc079e" RENAME TO "shop_book_tags_label_id_b9f171f5";
COMMIT;
BEGIN;
--
-- Alter field tags on book
--
ALTER TABLE "shop_book_tags" RENAME COLUMN "label_id" TO "tag_id";
ALTER TABLE "shop_book_tags" RENAME CONSTRAINT "shop_book_tags_book_id_label_id_c47c4702_uniq" TO "shop_book_tags_book_id_tag_id_870e5de6_uniq";
ALTER INDEX "shop_book_tags_label_id_b9f171f5" RENAME TO "shop_book_tags_tag_id_c7a5d3dd";
DO $$DECLARE r record; BEGIN FOR r IN SELECT c.conname FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] WHERE c.conrelid = '"shop_book_tags"'::regclass AND c.contype = 'f' AND array_length(c.conkey, 1) = 1 AND a.attname = 'tag_id' LOOP EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', 'shop_book_tags', r.conname); END LOOP; END$$;
ALTER TABLE "shop_book_tags" ADD CONSTRAINT "shop_book_tags_tag_id_c7a5d3dd_fk_shop_tag_id" FOREIGN KEY ("tag_id") REFERENCES "shop_tag" ("id") DEFERRABLE INITIALLY DEFERRED;
COMMIT;
