package lint

import "testing"

func TestTrivial(t *testing.T) {
	g := &Guard{dialect: "sqlite", branch: "image"}
	trivial := [][]string{
		{"CREATE TABLE `image__x` (`id` integer NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `fk` FOREIGN KEY (`id`) REFERENCES `core__users` (`id`))"},
		{"ALTER TABLE `image__x` ADD COLUMN `c` text NULL", "CREATE INDEX `image__x_c` ON `image__x` (`c`)", "DROP INDEX `image__x_c`"},
		{"PRAGMA foreign_keys = off", "CREATE TABLE `new_image__x` (`id` integer NOT NULL)", "INSERT INTO `new_image__x` (`id`) SELECT `id` FROM `image__x`", "DROP TABLE `image__x`", "ALTER TABLE `new_image__x` RENAME TO `image__x`", "PRAGMA foreign_keys = on"},
	}
	for _, stmts := range trivial {
		if !g.Trivial(stmts) {
			t.Errorf("Trivial(%q) = false, want true", stmts)
		}
	}
	watched := [][]string{
		{"ALTER TABLE core__users ADD COLUMN x int"},
		{"CREATE INDEX image__i ON core__users (id)"},
		{"ALTER TABLE image__x RENAME TO core__users"},
		{"INSERT INTO `new_image__x` (`id`) SELECT `id` FROM `core__users`"},
		{"INSERT INTO `new_image__x` (`id`) SELECT (SELECT 1 FROM core__users) FROM `image__x`"},
		{"CREATE TABLE image__x AS SELECT * FROM core__users"},
		{"UPDATE image__x SET a = 1"},
		{"CREATE TABLE plain (id int)"},
		{"DROP TABLE core__users"},
		{"ALTER TABLE image__x ADD COLUMN y int; UPDATE core__users SET x = 1"},
	}
	for _, stmts := range watched {
		if g.Trivial(stmts) {
			t.Errorf("Trivial(%q) = true, want false", stmts)
		}
	}
}
