-- Create "openid__association" table
CREATE TABLE `openid__association` (`server_url` varchar NOT NULL, `handle` varchar NOT NULL, `secret` varchar NULL, `issued` integer NULL, `lifetime` integer NULL, `assoc_type` varchar NULL, PRIMARY KEY (`server_url`, `handle`));
-- Create "openid__nonce" table
CREATE TABLE `openid__nonce` (`server_url` varchar NOT NULL, `timestamp` integer NOT NULL, `salt` varchar NOT NULL, PRIMARY KEY (`server_url`, `timestamp`, `salt`));
-- Create "openid__user_urls" table
CREATE TABLE `openid__user_urls` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `openid_url` varchar NOT NULL, `user_id` integer NOT NULL, CONSTRAINT `openid__user_urls_user_id_fkey` FOREIGN KEY (`user_id`) REFERENCES `core__users` (`id`) ON DELETE NO ACTION);
