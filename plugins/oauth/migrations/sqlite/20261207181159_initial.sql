-- Create "oauth__client" table
CREATE TABLE `oauth__client` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created` datetime NOT NULL, `name` varchar NULL, `description` varchar NULL, `identifier` varchar NULL, `secret` varchar NULL, `redirect_uri` varchar NULL, `type` text NULL, `owner_id` integer NULL, CONSTRAINT `oauth__client_owner_id_fkey` FOREIGN KEY (`owner_id`) REFERENCES `core__users` (`id`) ON DELETE NO ACTION, CONSTRAINT `oauth__client_type_check` CHECK ("type" IN ('confidential', 'public')));
-- Create index "ix_oauth__client_identifier" to table: "oauth__client"
CREATE UNIQUE INDEX `ix_oauth__client_identifier` ON `oauth__client` (`identifier`);
-- Create index "ix_oauth__client_secret" to table: "oauth__client"
CREATE INDEX `ix_oauth__client_secret` ON `oauth__client` (`secret`);
-- Create "oauth__codes" table
CREATE TABLE `oauth__codes` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created` datetime NOT NULL, `expires` datetime NOT NULL, `code` varchar NULL, `client_id` integer NOT NULL, `user_id` integer NOT NULL, CONSTRAINT `oauth__codes_client_id_fkey` FOREIGN KEY (`client_id`) REFERENCES `oauth__client` (`id`) ON DELETE NO ACTION, CONSTRAINT `oauth__codes_user_id_fkey` FOREIGN KEY (`user_id`) REFERENCES `core__users` (`id`) ON DELETE NO ACTION);
-- Create index "ix_oauth__codes_code" to table: "oauth__codes"
CREATE INDEX `ix_oauth__codes_code` ON `oauth__codes` (`code`);
-- Create index "ix_oauth__codes_user_id" to table: "oauth__codes"
CREATE INDEX `ix_oauth__codes_user_id` ON `oauth__codes` (`user_id`);
-- Create "oauth__refresh_tokens" table
CREATE TABLE `oauth__refresh_tokens` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created` datetime NOT NULL, `token` varchar NULL, `client_id` integer NOT NULL, `user_id` integer NOT NULL, CONSTRAINT `oauth__refresh_tokens_client_id_fkey` FOREIGN KEY (`client_id`) REFERENCES `oauth__client` (`id`) ON DELETE NO ACTION, CONSTRAINT `oauth__refresh_tokens_user_id_fkey` FOREIGN KEY (`user_id`) REFERENCES `core__users` (`id`) ON DELETE NO ACTION);
-- Create index "ix_oauth__refresh_tokens_token" to table: "oauth__refresh_tokens"
CREATE INDEX `ix_oauth__refresh_tokens_token` ON `oauth__refresh_tokens` (`token`);
-- Create "oauth__tokens" table
CREATE TABLE `oauth__tokens` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created` datetime NOT NULL, `expires` datetime NOT NULL, `token` varchar NULL, `client_id` integer NOT NULL, `user_id` integer NOT NULL, CONSTRAINT `oauth__tokens_client_id_fkey` FOREIGN KEY (`client_id`) REFERENCES `oauth__client` (`id`) ON DELETE NO ACTION, CONSTRAINT `oauth__tokens_user_id_fkey` FOREIGN KEY (`user_id`) REFERENCES `core__users` (`id`) ON DELETE NO ACTION);
-- Create index "ix_oauth__tokens_token" to table: "oauth__tokens"
CREATE INDEX `ix_oauth__tokens_token` ON `oauth__tokens` (`token`);
-- Create index "ix_oauth__tokens_user_id" to table: "oauth__tokens"
CREATE INDEX `ix_oauth__tokens_user_id` ON `oauth__tokens` (`user_id`);
-- Create "oauth__user_client" table
CREATE TABLE `oauth__user_client` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `state` text NULL, `user_id` integer NULL, `client_id` integer NULL, CONSTRAINT `oauth__user_client_user_id_fkey` FOREIGN KEY (`user_id`) REFERENCES `core__users` (`id`) ON DELETE NO ACTION, CONSTRAINT `oauth__user_client_client_id_fkey` FOREIGN KEY (`client_id`) REFERENCES `oauth__client` (`id`) ON DELETE NO ACTION, CONSTRAINT `oauth__user_client_state_check` CHECK ("state" IN ('approved', 'rejected')));
