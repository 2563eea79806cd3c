package app_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/apply"
	"github.com/plugmig/plugmig/engine/compose"
	"github.com/plugmig/plugmig/engine/lint"
	"github.com/plugmig/plugmig/internal/app"
	"github.com/plugmig/plugmig/internal/testdb"
)

// adversarialSQLite is what a malicious or careless plugin file ("image")
// may try on SQLite. {victim} is another database file, {dir} a folder.
var adversarialSQLite = []struct {
	name, body, code string
}{
	{"update sqlite_sequence", "UPDATE sqlite_sequence SET seq = 100000 WHERE name = 'core__tags';", lint.CodeSequence},
	{"delete sqlite_sequence", "DELETE FROM sqlite_sequence;", lint.CodeSequence},
	{"insert sqlite_sequence", "INSERT INTO sqlite_sequence (name, seq) VALUES ('core__users', 99);", lint.CodeSequence},
	{"writable_schema then sqlite_master", "PRAGMA writable_schema = 1;\nUPDATE sqlite_master SET sql = replace(sql, 'slug', 'slog') WHERE name = 'core__tags';", lint.CodeEscape},
	{"attach another file and empty it", "ATTACH DATABASE '{victim}' AS v;\nDELETE FROM v.core__tags;", lint.CodeEscape},
	{"attach hidden behind a comment", "/* harmless */ ATTACH DATABASE '{victim}' AS v;\nDELETE FROM v.core__tags;", lint.CodeEscape},
	{"attach in memory", "ATTACH DATABASE ':memory:' AS m;", lint.CodeEscape},
	{"vacuum", "VACUUM;", lint.CodeEscape},
	{"vacuum into another file", "VACUUM INTO '{dir}/copy.db';", lint.CodeEscape},
	{"commit then alter core", "CREATE TABLE image__x (id integer NOT NULL PRIMARY KEY);\nCOMMIT;\nALTER TABLE core__users ADD COLUMN evil integer;", lint.CodeEscape},
	{"begin", "BEGIN;\nCREATE TABLE image__x (id integer NOT NULL PRIMARY KEY);", lint.CodeEscape},
	{"savepoint and release", "SAVEPOINT s;\nCREATE TABLE image__x (id integer NOT NULL PRIMARY KEY);\nRELEASE s;", lint.CodeEscape},
	{"rollback", "ROLLBACK;", lint.CodeEscape},
	{"end transaction", "END TRANSACTION;\nDELETE FROM core__tags;", lint.CodeEscape},
	{"txmode none", "-- atlas:txmode none\n\nDELETE FROM core__tags;", lint.CodeEscape},
	{"pragma user_version", "PRAGMA user_version = 42;", lint.CodeEscape},
	{"pragma journal_mode", "PRAGMA main.journal_mode = OFF;", lint.CodeEscape},
	{"pragma application_id", "PRAGMA application_id = 7;", lint.CodeEscape},
	{"pragma foreign_keys to a strange value", "PRAGMA foreign_keys = 'image';", lint.CodeEscape},
	{"analyze core", "ANALYZE core__users;", lint.CodeEscape},
	{"trigger on own table writes core", "CREATE TRIGGER image__t AFTER INSERT ON image__mediadata BEGIN DELETE FROM core__tags; END;", lint.CodeLater},
	{"trigger with two statements writes core in the second", "CREATE TRIGGER image__t AFTER UPDATE OF width ON image__mediadata BEGIN SELECT 1; UPDATE core__users SET bio = 'x'; END;", lint.CodeLater},
	{"trigger writes sqlite_sequence", "CREATE TRIGGER image__t AFTER DELETE ON image__mediadata BEGIN UPDATE sqlite_sequence SET seq = 0; END;", lint.CodeLater},
	{"instead-of trigger on own view writes core", "CREATE VIEW image__v AS SELECT media_entry FROM image__mediadata;\nCREATE TRIGGER image__vt INSTEAD OF INSERT ON image__v BEGIN INSERT INTO core__tags (slug) VALUES ('x'); END;", lint.CodeLater},
	{"trigger fired in the same file", "CREATE TABLE image__x (id integer NOT NULL PRIMARY KEY);\nCREATE TRIGGER image__t AFTER INSERT ON image__x BEGIN DELETE FROM core__tags; END;\nINSERT INTO image__x (id) VALUES (1);", lint.CodeLater},
	{"temp trigger on core", "CREATE TEMP TRIGGER image__tt AFTER INSERT ON main.core__tags BEGIN SELECT 1; END;", lint.CodeNotOwned},
	{"temp table shadowing core", "CREATE TEMP TABLE core__tags (id integer);", lint.CodePrefix},
	{"temp table shadowing the history", "CREATE TEMP TABLE plugmig_history (x integer);", lint.CodePrefix},
	{"qualified insert into core", "INSERT INTO main.core__tags (slug) VALUES ('x');", lint.CodeForeignWrite},
	{"upper-case core name", "DELETE FROM CORE__TAGS;", lint.CodeForeignWrite},
	// Lint's scratch database has no history table: the statement fails there.
	{"write to the history table", "DELETE FROM plugmig_history;", lint.CodeFails},
	{"drop core trigger-free table", "DROP TABLE core__nonce_timestamps;", lint.CodeNotOwned},
	{"index on core with own name", "CREATE INDEX image__evil ON core__tags (slug);", lint.CodeNotOwned},
	// A temporary table renamed like another's stands in for it on the
	// connection the pool hands the application next (SQLite asks the
	// authorizer only about a RENAME's old name; an attacker's round).
	{"temporary table renamed core__users", "CREATE TEMP TABLE image__t AS SELECT * FROM core__users;\nUPDATE image__t SET bio = 'forged';\nALTER TABLE temp.image__t RENAME TO core__users;", lint.CodeEscape},
	// The authorizer lets a plugin create "new_<prefix>..." for Atlas's
	// rebuild of its table; one left at the end of the file is a name
	// outside the plugin (an attacker's round).
	{"rebuild table left behind", "CREATE TABLE new_image__evil (id integer);", lint.CodePrefix},
	{"temporary table renamed plugmig_history", "CREATE TEMP TABLE image__h (branch varchar(255) NOT NULL, version varchar(255) NOT NULL, description varchar(255) NOT NULL, type varchar(32) NOT NULL, applied integer NOT NULL, total integer NOT NULL, executed_at varchar(64) NOT NULL, duration_us bigint NOT NULL, hash varchar(255) NOT NULL, partial_hashes text NULL, error text NULL, error_stmt text NULL, operator_version varchar(255) NOT NULL, PRIMARY KEY (branch, version));\nALTER TABLE temp.image__h RENAME TO plugmig_history;", lint.CodeEscape},
}

// sqliteDump is everything a SQLite database holds, but the history rows
// of the refused test file: the schema, every row of every table
// (sqlite_sequence included) and the header fields a PRAGMA can change.
func sqliteDump(t *testing.T, db *sql.DB) string {
	t.Helper()
	var b strings.Builder
	master, err := testdb.Rows(db, "SELECT type, name, tbl_name, sql FROM sqlite_master")
	require.NoError(t, err)
	b.WriteString(strings.Join(master, "\n") + "\n")
	tables, err := testdb.Rows(db, "SELECT name FROM sqlite_master WHERE type = 'table'")
	require.NoError(t, err)
	for _, tb := range tables {
		q := "SELECT * FROM \"" + tb + "\""
		if tb == "plugmig_history" {
			q += " WHERE version <> '29990101000000'"
		}
		rows, err := testdb.Rows(db, q)
		require.NoError(t, err)
		fmt.Fprintf(&b, "%s: %s\n", tb, strings.Join(rows, " | "))
	}
	for _, p := range []string{"user_version", "application_id", "journal_mode", "schema_version", "auto_vacuum", "page_size"} {
		var v string
		require.NoError(t, db.QueryRow("PRAGMA "+p).Scan(&v))
		fmt.Fprintf(&b, "%s=%s\n", p, v)
	}
	return b.String()
}

// victimDB creates another database file holding core tables, as a
// developer's real database beside the repository would.
func victimDB(t *testing.T) (path string, bytes []byte) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "victim.db")
	db, err := sql.Open("sqlite3", "file:"+path)
	require.NoError(t, err)
	_, err = db.Exec("CREATE TABLE core__tags (id integer PRIMARY KEY AUTOINCREMENT, slug varchar NOT NULL); INSERT INTO core__tags (slug) VALUES ('keep'), ('these')")
	require.NoError(t, err)
	require.NoError(t, db.Close())
	bytes, err = os.ReadFile(path)
	require.NoError(t, err)
	return path, bytes
}

// TestAdversarialSQLite: every case is reported by lint in the right file
// with the right code, refused by apply, and leaves the database and any
// other file it names exactly as they were.
func TestAdversarialSQLite(t *testing.T) {
	t.Parallel()
	refuseSQLite(t, adversarialSQLite)
}

// refuseSQLite checks each case as TestAdversarialSQLite says, on one
// applied database.
func refuseSQLite(t *testing.T, cases []struct{ name, body, code string }) {
	ctx := context.Background()
	dev := testdb.Dev(t, compose.SQLite)
	e := newApplyEnv(t, compose.SQLite)
	_, err := e.migrator().Apply(ctx)
	require.NoError(t, err)
	_, err = e.db.DB.Exec("INSERT INTO core__users (id, bio, created, updated) VALUES (1, 'bio', '2020-01-01 00:00:00', '2020-01-01 00:00:00'); INSERT INTO core__tags (slug) VALUES ('a'), ('b')")
	require.NoError(t, err)
	victim, victimBytes := victimDB(t)
	dir := t.TempDir()
	before := sqliteDump(t, e.db.DB)
	require.Contains(t, before, "core__tags")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body := strings.NewReplacer("{victim}", victim, "{dir}", dir).Replace(c.body)
			e.root = testdb.CopyRoot(t)
			e.addFile("image", "29990101000000_bad.sql", body+"\n", true)

			errs := lintRoot(t, e.root, dev)
			var codes []string
			for _, f := range errs {
				if f.File == "plugins/image/migrations/sqlite/29990101000000_bad.sql" {
					codes = append(codes, f.Code)
				}
			}
			require.Contains(t, codes, c.code, "lint: %+v", errs)
			got, err := os.ReadFile(victim)
			require.NoError(t, err)
			require.Equal(t, victimBytes, got, "lint left the other database file alone")

			// In a single-transaction run too (one connection, one authorizer
			// for the whole run), then in the ordinary run.
			_, err = e.single().Apply(ctx)
			require.Error(t, err, "a single-transaction apply must refuse it")
			require.Contains(t, err.Error(), "29990101000000_bad.sql")
			require.Equal(t, before, sqliteDump(t, e.db.DB), "the database is unchanged")
			_, err = e.migrator().Apply(ctx)
			require.Error(t, err, "apply must refuse it")
			require.Contains(t, err.Error(), "29990101000000_bad.sql")
			require.Equal(t, before, sqliteDump(t, e.db.DB), "the database is unchanged")
			got, err = os.ReadFile(victim)
			require.NoError(t, err)
			require.Equal(t, victimBytes, got, "apply left the other database file alone")
			_, err = os.Stat(filepath.Join(dir, "copy.db"))
			require.True(t, os.IsNotExist(err), "no file was written")
			_, err = e.db.DB.Exec("DELETE FROM plugmig_history WHERE version = '29990101000000'")
			require.NoError(t, err)
		})
	}
	t.Logf("%d adversarial SQLite cases", len(cases))
}

// TestDiffReplayIsAuthorized: diff replays a plugin's merged history on its
// scratch database under SQLite's authorizer too: a merged file that
// attaches another database file fails there and leaves that file alone.
func TestDiffReplayIsAuthorized(t *testing.T) {
	t.Parallel()
	victim, victimBytes := victimDB(t)
	e := &applyEnv{t: t, root: testdb.CopyRoot(t), db: &testdb.DB{Dialect: compose.SQLite}}
	e.addFile("image", "29990101000000_bad.sql", "ATTACH DATABASE '"+victim+"' AS v;\nDELETE FROM v.core__tags;\n", true)
	_, err := project(t, e.root).Pending(context.Background(), testdb.Dev(t, compose.SQLite), "image")
	require.Error(t, err)
	require.Contains(t, err.Error(), "ATTACH")
	got, err := os.ReadFile(victim)
	require.NoError(t, err)
	require.Equal(t, victimBytes, got)
}

// single is the test database's migrator for a single-transaction run.
func (e *applyEnv) single() *apply.Migrator {
	e.t.Helper()
	comp, err := app.Composer()
	require.NoError(e.t, err)
	m, err := apply.New(e.db.DB, e.db.Dialect, comp, app.DiskSources(e.root), apply.WithSQLiteFile(e.db.Name), apply.WithSingleTransaction())
	require.NoError(e.t, err)
	return m
}
