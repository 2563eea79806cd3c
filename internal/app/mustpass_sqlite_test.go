package app_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/compose"
	"github.com/plugmig/plugmig/internal/testdb"
)

// mustPassSQLite are plugin files ("image") that touch only the plugin's
// own objects, written as people write them: triggers without a
// delimiter directive, Atlas's table rebuild, backfills that read core.
// In this order they also run together.
var mustPassSQLite = []struct{ name, body string }{
	{"own DDL", `CREATE TABLE image__notes (id integer NOT NULL PRIMARY KEY AUTOINCREMENT, media_entry integer NOT NULL REFERENCES core__media_entries (id), body text NULL);
CREATE INDEX image__notes_media ON image__notes (media_entry);
ALTER TABLE image__notes ADD COLUMN extra text NULL;
ALTER TABLE image__notes RENAME COLUMN extra TO more;
DROP INDEX image__notes_media;
CREATE UNIQUE INDEX image__notes_media_u ON image__notes (media_entry);
CREATE TEMP TABLE image__scratch (id integer);
DROP TABLE image__scratch;`},
	{"own DML and backfills reading core", `CREATE TABLE image__counts (media_entry integer NOT NULL PRIMARY KEY, n integer NOT NULL DEFAULT 0);
INSERT INTO image__counts (media_entry) SELECT id FROM core__media_entries;
UPDATE image__counts SET n = (SELECT count(*) FROM core__media_comments c WHERE c.location = image__counts.media_entry);
DELETE FROM image__counts WHERE media_entry NOT IN (SELECT id FROM core__media_entries);
INSERT INTO image__mediadata (media_entry, width) SELECT id, 0 FROM core__media_entries WHERE id NOT IN (SELECT media_entry FROM image__mediadata);
WITH big AS (SELECT media_entry FROM image__mediadata WHERE width > 1000) UPDATE image__counts SET n = n + 1 WHERE media_entry IN (SELECT media_entry FROM big);`},
	{"Atlas's rebuild of an own table", "-- Disable the enforcement of foreign-keys constraints\nPRAGMA foreign_keys = off;\n" +
		"-- Create \"new_image__mediadata\" table\nCREATE TABLE `new_image__mediadata` (`media_entry` integer NOT NULL, `width` integer NULL, `height` integer NULL, `exif_all` text NULL, `format` text NOT NULL DEFAULT 'png', PRIMARY KEY (`media_entry`), CONSTRAINT `image__mediadata_media_entry_fkey` FOREIGN KEY (`media_entry`) REFERENCES `core__media_entries` (`id`) ON DELETE NO ACTION);\n" +
		"-- Copy rows from old table \"image__mediadata\" to new temporary table \"new_image__mediadata\"\nINSERT INTO `new_image__mediadata` (`media_entry`, `width`, `height`, `exif_all`) SELECT `media_entry`, `width`, `height`, `exif_all` FROM `image__mediadata`;\n" +
		"-- Drop \"image__mediadata\" table after copying rows\nDROP TABLE `image__mediadata`;\n" +
		"-- Rename temporary table \"new_image__mediadata\" to \"image__mediadata\"\nALTER TABLE `new_image__mediadata` RENAME TO `image__mediadata`;\n" +
		"-- Enable back the enforcement of foreign-keys constraints\nPRAGMA foreign_keys = on;"},
	{"own triggers with BEGIN ... END", `CREATE TABLE image__log (id integer NOT NULL PRIMARY KEY AUTOINCREMENT, media_entry integer NULL, what text NULL);
CREATE TRIGGER image__mediadata_ins AFTER INSERT ON image__mediadata BEGIN
  INSERT INTO image__log (media_entry, what) VALUES (NEW.media_entry, 'insert');
  UPDATE image__log SET what = what || '!' WHERE media_entry = NEW.media_entry;
END;
CREATE TRIGGER image__mediadata_del BEFORE DELETE ON image__mediadata FOR EACH ROW WHEN OLD.width IS NULL BEGIN
  DELETE FROM image__log WHERE media_entry = OLD.media_entry;
END;
CREATE TRIGGER image__log_stamp AFTER UPDATE OF what ON image__log BEGIN SELECT 1; END;
INSERT INTO image__log (media_entry, what) VALUES (0, 'created; with a semicolon');
UPDATE image__log SET what = 'seen' WHERE media_entry = 0;`},
	{"own views", `CREATE VIEW image__sizes AS SELECT m.id, d.width, d.height FROM core__media_entries m JOIN image__mediadata d ON d.media_entry = m.id;
CREATE VIEW image__big AS SELECT id FROM image__sizes WHERE width > 1000;
CREATE TRIGGER image__sizes_ins INSTEAD OF INSERT ON image__sizes BEGIN UPDATE image__mediadata SET width = NEW.width WHERE media_entry = NEW.id; END;
DROP VIEW image__big;`},
	{"own AUTOINCREMENT table created, filled and dropped", `CREATE TABLE image__tmp (id integer PRIMARY KEY AUTOINCREMENT, x text);
INSERT INTO image__tmp (x) VALUES ('a'), ('b');
DELETE FROM image__tmp WHERE x = 'a';
DROP TABLE image__tmp;`},
}

// TestMustPassSQLite: each file alone, and all of them in one fresh run,
// pass lint and apply.
func TestMustPassSQLite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dev := testdb.Dev(t, compose.SQLite)
	run := func(t *testing.T, files ...int) {
		e := newApplyEnv(t, compose.SQLite)
		for i, n := range files {
			e.addFile("image", fmt.Sprintf("2999010100000%d_ok.sql", i), mustPassSQLite[n].body+"\n", false)
		}
		e.rehash("image")
		require.Empty(t, lintRoot(t, e.root, dev))
		res, err := e.migrator().Apply(ctx)
		require.NoError(t, err)
		require.Equal(t, 1+len(files), appliedFiles(res)["image"])
		res, err = e.migrator().Apply(ctx)
		require.NoError(t, err)
		require.Zero(t, appliedFiles(res)["image"], "a rerun has nothing to do")
	}
	all := make([]int, len(mustPassSQLite))
	for i, c := range mustPassSQLite {
		all[i] = i
		t.Run(c.name, func(t *testing.T) { run(t, i) })
	}
	t.Run("all in one run", func(t *testing.T) { run(t, all...) })
}
