-- Create "openid__association" table
CREATE TABLE `openid__association` (`server_url` varchar(255) NOT NULL, `handle` varchar(255) NOT NULL, `secret` varchar(255) NULL, `issued` int NULL, `lifetime` int NULL, `assoc_type` varchar(255) NULL, PRIMARY KEY (`server_url`, `handle`)) CHARSET utf8mb4 COLLATE utf8mb4_bin;
-- Create "openid__nonce" table
CREATE TABLE `openid__nonce` (`server_url` varchar(255) NOT NULL, `timestamp` int NOT NULL, `salt` varchar(255) NOT NULL, PRIMARY KEY (`server_url`, `timestamp`, `salt`)) CHARSET utf8mb4 COLLATE utf8mb4_bin;
-- Create "openid__user_urls" table
CREATE TABLE `openid__user_urls` (`id` int NOT NULL AUTO_INCREMENT, `openid_url` varchar(255) NOT NULL, `user_id` int NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `openid__user_urls_user_id_fkey` FOREIGN KEY (`user_id`) REFERENCES `core__users` (`id`) ON DELETE NO ACTION) CHARSET utf8mb4 COLLATE utf8mb4_bin;
