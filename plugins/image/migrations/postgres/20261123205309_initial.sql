-- Create "image__mediadata" table
CREATE TABLE "image__mediadata" ("media_entry" integer NOT NULL, "width" integer NULL, "height" integer NULL, "exif_all" text NULL, PRIMARY KEY ("media_entry"), CONSTRAINT "image__mediadata_media_entry_fkey" FOREIGN KEY ("media_entry") REFERENCES "core__media_entries" ("id") ON DELETE NO ACTION);
