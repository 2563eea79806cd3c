-- Create "archivalook__featured_media" table
CREATE TABLE `archivalook__featured_media` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `display_type` varchar NOT NULL, `order` integer NOT NULL, `media_entry_id` integer NOT NULL, CONSTRAINT `archivalook__featured_media_media_entry_id_fkey` FOREIGN KEY (`media_entry_id`) REFERENCES `core__media_entries` (`id`) ON DELETE NO ACTION);
