-- Create "core__access_tokens" table
CREATE TABLE `core__access_tokens` (`token` varchar NOT NULL, `secret` varchar NOT NULL, `created` datetime NOT NULL, `updated` datetime NOT NULL, `actor` integer NULL, `request_token` varchar NULL, PRIMARY KEY (`token`), CONSTRAINT `core__access_tokens_actor_fkey` FOREIGN KEY (`actor`) REFERENCES `core__users` (`id`) ON DELETE NO ACTION, CONSTRAINT `core__access_tokens_request_token_fkey` FOREIGN KEY (`request_token`) REFERENCES `core__request_tokens` (`token`) ON DELETE NO ACTION);
-- Create "core__activities" table
CREATE TABLE `core__activities` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `public_id` varchar NULL, `published` datetime NOT NULL, `updated` datetime NOT NULL, `verb` varchar NOT NULL, `content` varchar NULL, `title` varchar NULL, `actor` integer NOT NULL, `generator` integer NULL, `object_id` integer NOT NULL, `target_id` integer NULL, CONSTRAINT `core__activities_actor_fkey` FOREIGN KEY (`actor`) REFERENCES `core__users` (`id`) ON DELETE NO ACTION, CONSTRAINT `core__activities_generator_fkey` FOREIGN KEY (`generator`) REFERENCES `core__generators` (`id`) ON DELETE NO ACTION, CONSTRAINT `core__activities_object_id_fkey` FOREIGN KEY (`object_id`) REFERENCES `core__generic_model_reference` (`id`) ON DELETE NO ACTION, CONSTRAINT `core__activities_target_id_fkey` FOREIGN KEY (`target_id`) REFERENCES `core__generic_model_reference` (`id`) ON DELETE NO ACTION);
-- Create index "core__activities_public_id_key" to table: "core__activities"
CREATE UNIQUE INDEX `core__activities_public_id_key` ON `core__activities` (`public_id`);
-- Create "core__attachment_files" table
CREATE TABLE `core__attachment_files` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `name` varchar NOT NULL, `filepath` varchar NULL, `created` datetime NOT NULL, `media_entry` integer NOT NULL, CONSTRAINT `core__attachment_files_media_entry_fkey` FOREIGN KEY (`media_entry`) REFERENCES `core__media_entries` (`id`) ON DELETE NO ACTION);
-- Create "core__collections" table
CREATE TABLE `core__collections` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `public_id` varchar NULL, `title` varchar NOT NULL, `slug` varchar NULL, `created` datetime NOT NULL, `updated` datetime NOT NULL, `description` text NULL, `num_items` integer NULL, `type` varchar NOT NULL, `location` integer NULL, `actor` integer NOT NULL, CONSTRAINT `core__collections_location_fkey` FOREIGN KEY (`location`) REFERENCES `core__locations` (`id`) ON DELETE NO ACTION, CONSTRAINT `core__collections_actor_fkey` FOREIGN KEY (`actor`) REFERENCES `core__users` (`id`) ON DELETE NO ACTION);
-- Create index "core__collections_actor_slug_key" to table: "core__collections"
CREATE UNIQUE INDEX `core__collections_actor_slug_key` ON `core__collections` (`actor`, `slug`);
-- Create index "core__collections_public_id_key" to table: "core__collections"
CREATE UNIQUE INDEX `core__collections_public_id_key` ON `core__collections` (`public_id`);
-- Create index "ix_core__collections_created" to table: "core__collections"
CREATE INDEX `ix_core__collections_created` ON `core__collections` (`created`);
-- Create "core__collection_items" table
CREATE TABLE `core__collection_items` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `note` text NULL, `added` datetime NOT NULL, `position` integer NULL, `collection` integer NOT NULL, `object_id` integer NOT NULL, CONSTRAINT `core__collection_items_collection_fkey` FOREIGN KEY (`collection`) REFERENCES `core__collections` (`id`) ON DELETE NO ACTION, CONSTRAINT `core__collection_items_object_id_fkey` FOREIGN KEY (`object_id`) REFERENCES `core__generic_model_reference` (`id`) ON DELETE NO ACTION);
-- Create index "core__collection_items_collection_object_id_key" to table: "core__collection_items"
CREATE UNIQUE INDEX `core__collection_items_collection_object_id_key` ON `core__collection_items` (`collection`, `object_id`);
-- Create index "ix_core__collection_items_object_id" to table: "core__collection_items"
CREATE INDEX `ix_core__collection_items_object_id` ON `core__collection_items` (`object_id`);
-- Create "core__comment_links" table
CREATE TABLE `core__comment_links` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `added` datetime NOT NULL, `target_id` integer NOT NULL, `comment_id` integer NOT NULL, CONSTRAINT `core__comment_links_target_id_fkey` FOREIGN KEY (`target_id`) REFERENCES `core__generic_model_reference` (`id`) ON DELETE NO ACTION, CONSTRAINT `core__comment_links_comment_id_fkey` FOREIGN KEY (`comment_id`) REFERENCES `core__generic_model_reference` (`id`) ON DELETE NO ACTION);
-- Create "core__comment_subscriptions" table
CREATE TABLE `core__comment_subscriptions` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created` datetime NOT NULL, `notify` bool NOT NULL DEFAULT (true), `send_email` bool NOT NULL DEFAULT (true), `user_id` integer NOT NULL, `media_entry_id` integer NOT NULL, CONSTRAINT `core__comment_subscriptions_user_id_fkey` FOREIGN KEY (`user_id`) REFERENCES `core__users` (`id`) ON DELETE NO ACTION, CONSTRAINT `core__comment_subscriptions_media_entry_id_fkey` FOREIGN KEY (`media_entry_id`) REFERENCES `core__media_entries` (`id`) ON DELETE NO ACTION);
-- Create "core__file_keynames" table
CREATE TABLE `core__file_keynames` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `name` varchar NULL);
-- Create index "core__file_keynames_name_key" to table: "core__file_keynames"
CREATE UNIQUE INDEX `core__file_keynames_name_key` ON `core__file_keynames` (`name`);
-- Create "core__generators" table
CREATE TABLE `core__generators` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `name` varchar NOT NULL, `published` datetime NULL, `updated` datetime NULL, `object_type` varchar NOT NULL);
-- Create "core__generic_model_reference" table
CREATE TABLE `core__generic_model_reference` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `obj_pk` integer NOT NULL, `model_type` varchar NOT NULL);
-- Create index "core__generic_model_reference_model_type_obj_pk_key" to table: "core__generic_model_reference"
CREATE UNIQUE INDEX `core__generic_model_reference_model_type_obj_pk_key` ON `core__generic_model_reference` (`model_type`, `obj_pk`);
-- Create "core__graveyard" table
CREATE TABLE `core__graveyard` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `public_id` varchar NULL, `deleted` datetime NOT NULL, `object_type` varchar NOT NULL, `actor_id` integer NULL, CONSTRAINT `core__graveyard_actor_id_fkey` FOREIGN KEY (`actor_id`) REFERENCES `core__generic_model_reference` (`id`) ON DELETE NO ACTION);
-- Create index "core__graveyard_public_id_key" to table: "core__graveyard"
CREATE UNIQUE INDEX `core__graveyard_public_id_key` ON `core__graveyard` (`public_id`);
-- Create "core__local_users" table
CREATE TABLE `core__local_users` (`id` integer NOT NULL, `username` varchar NOT NULL, `email` varchar NOT NULL, `pw_hash` varchar NULL, `wants_comment_notification` bool NULL DEFAULT (true), `wants_notifications` bool NULL DEFAULT (true), `license_preference` varchar NULL, `uploaded` integer NULL, `upload_limit` integer NULL, PRIMARY KEY (`id`), CONSTRAINT `core__local_users_id_fkey` FOREIGN KEY (`id`) REFERENCES `core__users` (`id`) ON DELETE NO ACTION);
-- Create index "core__local_users_username_key" to table: "core__local_users"
CREATE UNIQUE INDEX `core__local_users_username_key` ON `core__local_users` (`username`);
-- Create "core__locations" table
CREATE TABLE `core__locations` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `name` varchar NULL, `position` text NULL, `address` text NULL);
-- Create "core__media_entries" table
CREATE TABLE `core__media_entries` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `public_id` varchar NULL, `remote` bool NULL DEFAULT (false), `title` varchar NOT NULL, `slug` varchar NULL, `description` text NULL, `media_type` varchar NOT NULL, `state` varchar NOT NULL, `license` varchar NULL, `file_size` integer NULL, `created` datetime NOT NULL, `updated` datetime NOT NULL, `fail_error` varchar NULL, `fail_metadata` text NULL, `transcoding_progress` float NULL, `main_transcoding_progress` float NULL, `queued_media_file` varchar NULL, `queued_task_id` varchar NULL, `media_metadata` text NULL, `location` integer NULL, `actor` integer NOT NULL, CONSTRAINT `core__media_entries_location_fkey` FOREIGN KEY (`location`) REFERENCES `core__locations` (`id`) ON DELETE NO ACTION, CONSTRAINT `core__media_entries_actor_fkey` FOREIGN KEY (`actor`) REFERENCES `core__users` (`id`) ON DELETE NO ACTION);
-- Create index "core__media_entries_public_id_key" to table: "core__media_entries"
CREATE UNIQUE INDEX `core__media_entries_public_id_key` ON `core__media_entries` (`public_id`);
-- Create index "core__media_entries_actor_slug_key" to table: "core__media_entries"
CREATE UNIQUE INDEX `core__media_entries_actor_slug_key` ON `core__media_entries` (`actor`, `slug`);
-- Create index "ix_core__media_entries_actor" to table: "core__media_entries"
CREATE INDEX `ix_core__media_entries_actor` ON `core__media_entries` (`actor`);
-- Create index "ix_core__media_entries_created" to table: "core__media_entries"
CREATE INDEX `ix_core__media_entries_created` ON `core__media_entries` (`created`);
-- Create "core__mediafiles" table
CREATE TABLE `core__mediafiles` (`file_path` varchar NULL, `file_metadata` text NULL, `media_entry` integer NOT NULL, `name_id` integer NOT NULL, PRIMARY KEY (`media_entry`, `name_id`), CONSTRAINT `core__mediafiles_media_entry_fkey` FOREIGN KEY (`media_entry`) REFERENCES `core__media_entries` (`id`) ON DELETE NO ACTION, CONSTRAINT `core__mediafiles_name_id_fkey` FOREIGN KEY (`name_id`) REFERENCES `core__file_keynames` (`id`) ON DELETE NO ACTION);
-- Create "core__media_tags" table
CREATE TABLE `core__media_tags` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `name` varchar NULL, `media_entry` integer NOT NULL, `tag` integer NOT NULL, CONSTRAINT `core__media_tags_media_entry_fkey` FOREIGN KEY (`media_entry`) REFERENCES `core__media_entries` (`id`) ON DELETE NO ACTION, CONSTRAINT `core__media_tags_tag_fkey` FOREIGN KEY (`tag`) REFERENCES `core__tags` (`id`) ON DELETE NO ACTION);
-- Create index "core__media_tags_tag_media_entry_key" to table: "core__media_tags"
CREATE UNIQUE INDEX `core__media_tags_tag_media_entry_key` ON `core__media_tags` (`tag`, `media_entry`);
-- Create index "ix_core__media_tags_media_entry" to table: "core__media_tags"
CREATE INDEX `ix_core__media_tags_media_entry` ON `core__media_tags` (`media_entry`);
-- Create index "ix_core__media_tags_tag" to table: "core__media_tags"
CREATE INDEX `ix_core__media_tags_tag` ON `core__media_tags` (`tag`);
-- Create "core__migrations" table
CREATE TABLE `core__migrations` (`name` varchar NOT NULL, `version` integer NOT NULL, PRIMARY KEY (`name`));
-- Create "core__nonce_timestamps" table
CREATE TABLE `core__nonce_timestamps` (`nonce` varchar NOT NULL, `timestamp` datetime NOT NULL, PRIMARY KEY (`nonce`));
-- Create "core__notifications" table
CREATE TABLE `core__notifications` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created` datetime NOT NULL, `seen` bool NULL DEFAULT (false), `object_id` integer NULL, `user_id` integer NOT NULL, CONSTRAINT `core__notifications_object_id_fkey` FOREIGN KEY (`object_id`) REFERENCES `core__generic_model_reference` (`id`) ON DELETE NO ACTION, CONSTRAINT `core__notifications_user_id_fkey` FOREIGN KEY (`user_id`) REFERENCES `core__users` (`id`) ON DELETE NO ACTION);
-- Create index "ix_core__notifications_seen" to table: "core__notifications"
CREATE INDEX `ix_core__notifications_seen` ON `core__notifications` (`seen`);
-- Create index "ix_core__notifications_user_id" to table: "core__notifications"
CREATE INDEX `ix_core__notifications_user_id` ON `core__notifications` (`user_id`);
-- Create "core__clients" table
CREATE TABLE `core__clients` (`id` varchar NOT NULL, `secret` varchar NOT NULL, `expirey` datetime NULL, `application_type` varchar NOT NULL, `created` datetime NOT NULL, `updated` datetime NOT NULL, `redirect_uri` text NULL, `logo_url` varchar NULL, `application_name` varchar NULL, `contacts` text NULL, PRIMARY KEY (`id`));
-- Create "core__privileges" table
CREATE TABLE `core__privileges` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `privilege_name` varchar NOT NULL);
-- Create index "core__privileges_privilege_name_key" to table: "core__privileges"
CREATE UNIQUE INDEX `core__privileges_privilege_name_key` ON `core__privileges` (`privilege_name`);
-- Create "core__privileges_users" table
CREATE TABLE `core__privileges_users` (`user` integer NOT NULL, `privilege` integer NOT NULL, PRIMARY KEY (`user`, `privilege`), CONSTRAINT `core__privileges_users_user_fkey` FOREIGN KEY (`user`) REFERENCES `core__users` (`id`) ON DELETE NO ACTION, CONSTRAINT `core__privileges_users_privilege_fkey` FOREIGN KEY (`privilege`) REFERENCES `core__privileges` (`id`) ON DELETE NO ACTION);
-- Create "core__processing_metadata" table
CREATE TABLE `core__processing_metadata` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `callback_url` varchar NULL, `media_entry_id` integer NOT NULL, CONSTRAINT `core__processing_metadata_media_entry_id_fkey` FOREIGN KEY (`media_entry_id`) REFERENCES `core__media_entries` (`id`) ON DELETE NO ACTION);
-- Create index "ix_core__processing_metadata_media_entry_id" to table: "core__processing_metadata"
CREATE INDEX `ix_core__processing_metadata_media_entry_id` ON `core__processing_metadata` (`media_entry_id`);
-- Create "core__remote_users" table
CREATE TABLE `core__remote_users` (`id` integer NOT NULL, `webfinger` varchar NULL, PRIMARY KEY (`id`), CONSTRAINT `core__remote_users_id_fkey` FOREIGN KEY (`id`) REFERENCES `core__users` (`id`) ON DELETE NO ACTION);
-- Create index "core__remote_users_webfinger_key" to table: "core__remote_users"
CREATE UNIQUE INDEX `core__remote_users_webfinger_key` ON `core__remote_users` (`webfinger`);
-- Create "core__reports" table
CREATE TABLE `core__reports` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `report_content` text NULL, `created` datetime NOT NULL, `resolved` datetime NULL, `result` text NULL, `reporter_id` integer NOT NULL, `reported_user_id` integer NOT NULL, `resolver_id` integer NULL, `object_id` integer NULL, CONSTRAINT `core__reports_reporter_id_fkey` FOREIGN KEY (`reporter_id`) REFERENCES `core__users` (`id`) ON DELETE NO ACTION, CONSTRAINT `core__reports_reported_user_id_fkey` FOREIGN KEY (`reported_user_id`) REFERENCES `core__users` (`id`) ON DELETE NO ACTION, CONSTRAINT `core__reports_resolver_id_fkey` FOREIGN KEY (`resolver_id`) REFERENCES `core__users` (`id`) ON DELETE NO ACTION, CONSTRAINT `core__reports_object_id_fkey` FOREIGN KEY (`object_id`) REFERENCES `core__generic_model_reference` (`id`) ON DELETE NO ACTION);
-- Create "core__request_tokens" table
CREATE TABLE `core__request_tokens` (`token` varchar NOT NULL, `secret` varchar NOT NULL, `used` bool NULL DEFAULT (false), `authenticated` bool NULL DEFAULT (false), `verifier` varchar NULL, `callback` varchar NOT NULL, `created` datetime NOT NULL, `updated` datetime NOT NULL, `client` varchar NULL, `actor` integer NULL, PRIMARY KEY (`token`), CONSTRAINT `core__request_tokens_client_fkey` FOREIGN KEY (`client`) REFERENCES `core__clients` (`id`) ON DELETE NO ACTION, CONSTRAINT `core__request_tokens_actor_fkey` FOREIGN KEY (`actor`) REFERENCES `core__users` (`id`) ON DELETE NO ACTION);
-- Create "core__tags" table
CREATE TABLE `core__tags` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `slug` varchar NOT NULL);
-- Create index "core__tags_slug_key" to table: "core__tags"
CREATE UNIQUE INDEX `core__tags_slug_key` ON `core__tags` (`slug`);
-- Create "core__media_comments" table
CREATE TABLE `core__media_comments` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `public_id` varchar NULL, `created` datetime NOT NULL, `updated` datetime NOT NULL, `content` text NOT NULL, `actor` integer NOT NULL, `location` integer NULL, CONSTRAINT `core__media_comments_actor_fkey` FOREIGN KEY (`actor`) REFERENCES `core__users` (`id`) ON DELETE NO ACTION, CONSTRAINT `core__media_comments_location_fkey` FOREIGN KEY (`location`) REFERENCES `core__locations` (`id`) ON DELETE NO ACTION);
-- Create index "core__media_comments_public_id_key" to table: "core__media_comments"
CREATE UNIQUE INDEX `core__media_comments_public_id_key` ON `core__media_comments` (`public_id`);
-- Create "core__users" table
CREATE TABLE `core__users` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `url` varchar NULL, `bio` text NULL, `name` varchar NULL, `type` varchar NULL, `created` datetime NOT NULL, `updated` datetime NOT NULL, `location` integer NULL, CONSTRAINT `core__users_location_fkey` FOREIGN KEY (`location`) REFERENCES `core__locations` (`id`) ON DELETE NO ACTION);
-- Create "core__user_bans" table
CREATE TABLE `core__user_bans` (`user_id` integer NOT NULL, `expiration_date` date NULL, `reason` text NOT NULL, PRIMARY KEY (`user_id`), CONSTRAINT `core__user_bans_user_id_fkey` FOREIGN KEY (`user_id`) REFERENCES `core__users` (`id`) ON DELETE NO ACTION);
