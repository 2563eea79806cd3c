-- Create "mediatype__blogs" table
CREATE TABLE `mediatype__blogs` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `title` varchar NULL, `description` text NULL, `created` datetime NOT NULL, `slug` varchar NULL, `author` integer NOT NULL, CONSTRAINT `mediatype__blogs_author_fkey` FOREIGN KEY (`author`) REFERENCES `core__users` (`id`) ON DELETE NO ACTION);
-- Create index "ix_mediatype__blogs_author" to table: "mediatype__blogs"
CREATE INDEX `ix_mediatype__blogs_author` ON `mediatype__blogs` (`author`);
-- Create index "ix_mediatype__blogs_created" to table: "mediatype__blogs"
CREATE INDEX `ix_mediatype__blogs_created` ON `mediatype__blogs` (`created`);
-- Create "blogpost__mediadata" table
CREATE TABLE `blogpost__mediadata` (`media_entry` integer NOT NULL, `blog` integer NOT NULL, PRIMARY KEY (`media_entry`), CONSTRAINT `blogpost__mediadata_blog_fkey` FOREIGN KEY (`blog`) REFERENCES `mediatype__blogs` (`id`) ON DELETE NO ACTION, CONSTRAINT `blogpost__mediadata_media_entry_fkey` FOREIGN KEY (`media_entry`) REFERENCES `core__media_entries` (`id`) ON DELETE NO ACTION);
