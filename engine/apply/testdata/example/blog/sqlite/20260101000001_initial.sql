-- Create "blog__posts" table
CREATE TABLE `blog__posts` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `title` text NOT NULL, `author_id` integer NOT NULL, CONSTRAINT `blog__posts_core__users_author` FOREIGN KEY (`author_id`) REFERENCES `core__users` (`id`) ON DELETE NO ACTION);
