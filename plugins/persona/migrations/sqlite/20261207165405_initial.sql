-- Create "persona__user_emails" table
CREATE TABLE `persona__user_emails` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `persona_email` varchar NOT NULL, `user_id` integer NOT NULL, CONSTRAINT `persona__user_emails_user_id_fkey` FOREIGN KEY (`user_id`) REFERENCES `core__users` (`id`) ON DELETE NO ACTION);
