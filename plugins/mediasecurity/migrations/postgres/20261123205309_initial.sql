-- Create "mediasecurity__media_security" table
CREATE TABLE "mediasecurity__media_security" ("media_entry" integer NOT NULL, "rating" character varying NULL, PRIMARY KEY ("media_entry"), CONSTRAINT "mediasecurity__media_security_media_entry_fkey" FOREIGN KEY ("media_entry") REFERENCES "core__media_entries" ("id") ON DELETE NO ACTION);
