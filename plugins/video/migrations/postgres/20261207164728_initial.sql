-- Create "video__mediadata" table
CREATE TABLE "video__mediadata" ("media_entry" integer NOT NULL, "width" smallint NULL, "height" smallint NULL, "orig_metadata" text NULL, PRIMARY KEY ("media_entry"), CONSTRAINT "video__mediadata_media_entry_fkey" FOREIGN KEY ("media_entry") REFERENCES "core__media_entries" ("id") ON DELETE NO ACTION);
