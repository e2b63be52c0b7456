--
-- Create model Author
--
CREATE TABLE `library_author` (`id` integer AUTO_INCREMENT NOT NULL PRIMARY KEY, `name` varchar(100) NOT NULL, `birth_date` date NULL, `biography` longtext NOT NULL);
--
-- Create model Book
--
CREATE TABLE `library_book` (`id` integer AUTO_INCREMENT NOT NULL PRIMARY KEY, `title` varchar(200) NOT NULL, `publication_date` date NOT NULL, `isbn` varchar(13) NOT NULL UNIQUE, `genre` varchar(3) NOT NULL, `pages` integer UNSIGNED NOT NULL CHECK (`pages` >= 0), `author_id` integer NOT NULL);
--
-- Create index library_boo_title_c38ef2_idx on field(s) title of model book
--
CREATE INDEX `library_boo_title_c38ef2_idx` ON `library_book` (`title`);
--
-- Create index library_boo_isbn_951e8b_idx on field(s) isbn of model book
--
CREATE INDEX `library_boo_isbn_951e8b_idx` ON `library_book` (`isbn`);
ALTER TABLE `library_book` ADD CONSTRAINT `library_book_author_id_d9a3b67e_fk_library_author_id` FOREIGN KEY (`author_id`) REFERENCES `library_author` (`id`);
