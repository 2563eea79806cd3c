-- Create "core__users" table
CREATE TABLE `core__users` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `name` text NOT NULL);
