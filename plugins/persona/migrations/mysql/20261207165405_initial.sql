-- Create "persona__user_emails" table
CREATE TABLE `persona__user_emails` (`id` int NOT NULL AUTO_INCREMENT, `persona_email` varchar(255) NOT NULL, `user_id` int NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `persona__user_emails_user_id_fkey` FOREIGN KEY (`user_id`) REFERENCES `core__users` (`id`) ON DELETE NO ACTION) CHARSET utf8mb4 COLLATE utf8mb4_bin;
