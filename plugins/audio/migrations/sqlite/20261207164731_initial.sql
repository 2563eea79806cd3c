-- Create "audio__mediadata" table
CREATE TABLE `audio__mediadata` (`media_entry` integer NOT NULL, PRIMARY KEY (`media_entry`), CONSTRAINT `audio__mediadata_media_entry_fkey` FOREIGN KEY (`media_entry`) REFERENCES `core__media_entries` (`id`) ON DELETE NO ACTION);
