-- Create "core__subtitle_files" table
CREATE TABLE `core__subtitle_files` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `name` varchar NOT NULL, `filepath` varchar NULL, `created` datetime NOT NULL, `media_entry` integer NOT NULL, CONSTRAINT `core__subtitle_files_media_entry_fkey` FOREIGN KEY (`media_entry`) REFERENCES `core__media_entries` (`id`) ON DELETE NO ACTION);
