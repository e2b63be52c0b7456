--
-- Alter field tags on book
--
ALTER TABLE `shop_book_tags` RENAME COLUMN `tag_id` TO `label_id`;
ALTER TABLE `shop_book_tags` RENAME INDEX `shop_book_tags_book_id_tag_id_870e5de6_uniq` TO `shop_book_tags_book_id_label_id_c47c4702_uniq`;
BEGIN NOT ATOMIC DECLARE done INT DEFAULT 0; DECLARE n VARCHAR(64); DECLARE cur CURSOR FOR SELECT CONSTRAINT_NAME FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME IS NOT NULL AND TABLE_NAME = 'shop_book_tags' AND COLUMN_NAME = 'label_id'; DECLARE CONTINUE HANDLER FOR NOT FOUND SET done = 1; OPEN cur; l: LOOP FETCH cur INTO n; IF done THEN LEAVE l; END IF; EXECUTE IMMEDIATE CONCAT('ALTER TABLE `shop_book_tags` DROP FOREIGN KEY `', REPLACE(n, '`', '``'), '`'); END LOOP; CLOSE cur; END;
ALTER TABLE `shop_book_tags` ADD CONSTRAINT `shop_book_tags_label_id_b9f171f5_fk_shop_label_id` FOREIGN KEY (`label_id`) REFERENCES `shop_label` (`id`);
--
-- Alter field tags on book
--
RENAME TABLE `shop_book_tags` TO `book_tag_links`;
ALTER TABLE `book_tag_links` RENAME INDEX `shop_book_tags_book_id_label_id_c47c4702_uniq` TO `book_tag_links_book_id_label_id_b18b125e_uniq`;
--
-- Alter field tags on book
--
RENAME TABLE `book_tag_links` TO `shop_book_tags`;
ALTER TABLE `shop_book_tags` RENAME INDEX `book_tag_links_book_id_label_id_b18b125e_uniq` TO `shop_book_tags_book_id_label_id_c47c4702_uniq`;
--
-- Alter field tags on book
--
ALTER TABLE `shop_book_tags` RENAME COLUMN `label_id` TO `tag_id`;
ALTER TABLE `shop_book_tags` RENAME INDEX `shop_book_tags_book_id_label_id_c47c4702_uniq` TO `shop_book_tags_book_id_tag_id_870e5de6_uniq`;
BEGIN NOT ATOMIC DECLARE done INT DEFAULT 0; DECLARE n VARCHAR(64); DECLARE cur CURSOR FOR SELECT CONSTRAINT_NAME FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME IS NOT NULL AND TABLE_NAME = 'shop_book_tags' AND COLUMN_NAME = 'tag_id'; DECLARE CONTINUE HANDLER FOR NOT FOUND SET done = 1; OPEN cur; l: LOOP FETCH cur INTO n; IF done THEN LEAVE l; END IF; EXECUTE IMMEDIATE CONCAT('ALTER TABLE `shop_book_tags` DROP FOREIGN KEY `', REPLACE(n, '`', '``'), '`'); END LOOP; CLOSE cur; END;
ALTER TABLE `shop_book_tags` ADD CONSTRAINT `shop_book_tags_tag_id_c7a5d3dd_fk_shop_tag_id` FOREIGN KEY (`tag_id`) REFERENCES `shop_tag` (`id`);
