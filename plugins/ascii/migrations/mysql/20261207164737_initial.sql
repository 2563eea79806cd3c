-- Create "ascii__mediadata" table
CREATE TABLE `ascii__mediadata` (`media_entry` int NOT NULL, PRIMARY KEY (`media_entry`), CONSTRAINT `ascii__mediadata_media_entry_fkey` FOREIGN KEY (`media_entry`) REFERENCES `core__media_entries` (`id`) ON DELETE NO ACTION) CHARSET utf8mb4 COLLATE utf8mb4_bin;
