package app_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/compose"
	"github.com/plugmig/plugmig/engine/lint"
	"github.com/plugmig/plugmig/internal/testdb"
)

// issue19SQLite are the SQLite cases of issue 19: a file that is harmless
// by the first word of its text, a virtual table over the database file's
// raw pages, and triggers and views that do not compile yet (SQLite
// resolves a trigger's body only when it fires).
var issue19SQLite = []struct{ name, body, code string }{
	{"delimiter packs a sequence write behind own DDL", "-- atlas:delimiter //\n\nDROP TABLE IF EXISTS image__gone; UPDATE sqlite_sequence SET seq = 100000 WHERE name = 'core__tags'//", lint.CodeOneStatement},
	{"delimiter packs a raw page write behind own DDL", "-- atlas:delimiter //\n\nCREATE TABLE image__x (id integer); UPDATE sqlite_dbpage SET data = data WHERE pgno = 1//", lint.CodeOneStatement},
	{"delimiter packs two writes of own tables", "-- atlas:delimiter //\n\nCREATE TABLE image__x (id integer); INSERT INTO image__x VALUES (1)//", lint.CodeOneStatement},
	{"virtual table over the raw pages", "CREATE VIRTUAL TABLE image__pg USING sqlite_dbpage;\nUPDATE image__pg SET data = data WHERE pgno = 1;", lint.CodeModule},
	{"virtual table over the raw pages, module in capitals", "CREATE VIRTUAL TABLE image__pg USING SQLITE_DBPAGE;", lint.CodeModule},
	{"virtual table over page statistics", "CREATE VIRTUAL TABLE image__st USING dbstat;", lint.CodeModule},
	{"virtual table of another built-in module", "CREATE VIRTUAL TABLE image__j USING json_each;", lint.CodeModule},
	{"raw page write in a trigger", "CREATE TABLE image__x (id integer);\nCREATE TRIGGER image__t AFTER INSERT ON image__x BEGIN UPDATE sqlite_dbpage SET data = data WHERE pgno = 1; END;", lint.CodeUncompiled},
	{"trigger whose first statement names a column added later", "CREATE TABLE image__x (id integer PRIMARY KEY);\nCREATE TRIGGER image__t AFTER INSERT ON image__x BEGIN UPDATE image__x SET later_col = 1 WHERE 0; UPDATE core__users SET bio = 'pwned'; END;", lint.CodeUncompiled},
	{"trigger writing a core table that does not exist yet", "CREATE TABLE image__x (id integer PRIMARY KEY);\nCREATE TRIGGER image__t AFTER INSERT ON image__x BEGIN INSERT INTO core__later (x) VALUES (1); END;", lint.CodeUncompiled},
	{"instead-of trigger writing a core table that does not exist yet", "CREATE VIEW image__v AS SELECT 1 AS a;\nCREATE TRIGGER image__t INSTEAD OF UPDATE ON image__v BEGIN INSERT INTO core__later (x) VALUES (1); END;", lint.CodeUncompiled},
	{"view over a table that does not exist yet", "CREATE VIEW image__v AS SELECT x FROM core__later;", lint.CodeUncompiled},
	// Found attacking the fix: a body whose first write is a view without
	// an INSTEAD OF trigger stopped compiling there ("because it is a
	// view"), which Fires took for the view's own refusal.
	{"trigger body writing a view without a trigger before core", "CREATE TABLE image__x (id integer PRIMARY KEY);\nCREATE VIEW image__v2 AS SELECT 1 AS a;\nCREATE TRIGGER image__t AFTER INSERT ON image__x BEGIN INSERT INTO image__v2 (a) VALUES (1); UPDATE core__users SET bio = 'pwned'; END;", lint.CodeUncompiled},
	// Found attacking the fix: a temporary trigger is in sqlite_temp_master,
	// which the later-effects check did not read, and stays on the pooled
	// connection the application uses next.
	{"temp trigger on own table writing core", "CREATE TABLE image__x (id integer PRIMARY KEY);\nCREATE TEMP TRIGGER image__tt AFTER INSERT ON main.image__x BEGIN UPDATE core__users SET bio = 'pwned'; END;", lint.CodeEscape},
	{"trigger left uncompilable by dropping what it writes", "CREATE TABLE image__x (id integer PRIMARY KEY);\nCREATE TABLE image__y (id integer);\nCREATE TRIGGER image__t AFTER INSERT ON image__x BEGIN INSERT INTO image__y (id) VALUES (NEW.id); END;\nDROP TABLE image__y;", lint.CodeUncompiled},
}

// TestAttackSQLiteIssue19: each case is reported by lint with its code,
// refused by apply (also in one transaction), and changes nothing.
func TestAttackSQLiteIssue19(t *testing.T) {
	t.Parallel()
	refuseSQLite(t, issue19SQLite)
}

// TestAttackSQLiteLaterActivity: the triggers of issue 19 that would write
// core once a later file makes their bodies compile are refused; then the
// later files (a plugin column, a core table) apply, the application
// inserts into the plugin's table, and core is unchanged.
func TestAttackSQLiteLaterActivity(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, c := range issue19SQLite {
		if c.code != lint.CodeUncompiled || !strings.Contains(c.body, "image__x") {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newApplyEnv(t, compose.SQLite)
			_, err := e.migrator().Apply(ctx)
			require.NoError(t, err)
			_, err = e.db.DB.Exec("INSERT INTO core__users (id, bio, created, updated) VALUES (1, 'bio', '2020-01-01 00:00:00', '2020-01-01 00:00:00')")
			require.NoError(t, err)
			e.addFile("image", "29990101000000_bad.sql", c.body+"\n", true)
			_, err = e.migrator().Apply(ctx)
			require.Error(t, err, "apply must refuse the trigger")
			require.Contains(t, err.Error(), lint.CodeUncompiled)

			// What the author would do next: the file stays out, later
			// files add the column and core's new table.
			e.removeFile("image", "29990101000000_bad.sql")
			_, err = e.db.DB.Exec("DELETE FROM plugmig_history WHERE version = '29990101000000'")
			require.NoError(t, err)
			e.addFile("image", "29990101000001_later.sql", "CREATE TABLE image__x (id integer PRIMARY KEY);\nALTER TABLE image__x ADD COLUMN later_col integer;\n", true)
			e.addFile("core", "29990101000002_later.sql", "CREATE TABLE core__later (x integer);\n", true)
			_, err = e.migrator().Apply(ctx)
			require.NoError(t, err)
			_, err = e.db.DB.Exec("INSERT INTO image__x (id) VALUES (1)")
			require.NoError(t, err, "the application's insert into the plugin's table")
			rows, err := testdb.Rows(e.db.DB, "SELECT bio FROM core__users UNION ALL SELECT 'later ' || count(*) FROM core__later")
			require.NoError(t, err)
			require.Equal(t, []string{"bio", "later 0"}, rows, "core is unchanged")
		})
	}
}
