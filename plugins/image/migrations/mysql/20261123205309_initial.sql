-- Create "image__mediadata" table
CREATE TABLE `image__mediadata` (`media_entry` int NOT NULL, `width` int NULL, `height` int NULL, `exif_all` longtext NULL, PRIMARY KEY (`media_entry`), CONSTRAINT `image__mediadata_media_entry_fkey` FOREIGN KEY (`media_entry`) REFERENCES `core__media_entries` (`id`) ON DELETE NO ACTION) CHARSET utf8mb4 COLLATE utf8mb4_bin;
