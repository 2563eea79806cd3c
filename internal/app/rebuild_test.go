package app_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/apply"
	"github.com/plugmig/plugmig/engine/compose"
	"github.com/plugmig/plugmig/engine/devdb"
	"github.com/plugmig/plugmig/engine/lint"
	"github.com/plugmig/plugmig/internal/app"
	"github.com/plugmig/plugmig/internal/testdb"
)

// mediaRows fills core__media_entries and every table that references it,
// core's and the plugins' (and the tables those rows need), one row each.
var mediaRows = []string{
	"INSERT INTO core__users (id, created, updated) VALUES (1, '2026-01-01', '2026-01-01')",
	"INSERT INTO core__media_entries (id, title, media_type, state, created, updated, actor) VALUES (1, 'a', 'image', 'processed', '2026-01-01', '2026-01-01', 1)",
	"INSERT INTO core__media_entries (id, title, media_type, state, created, updated, actor) VALUES (2, 'b', 'image', 'processed', '2026-01-01', '2026-01-01', 1)",
	"INSERT INTO core__attachment_files (id, name, created, media_entry) VALUES (1, 'f', '2026-01-01', 1)",
	"INSERT INTO core__comment_subscriptions (id, created, user_id, media_entry_id) VALUES (1, '2026-01-01', 1, 1)",
	"INSERT INTO core__file_keynames (id, name) VALUES (1, 'original')",
	"INSERT INTO core__mediafiles (media_entry, name_id) VALUES (1, 1)",
	"INSERT INTO core__tags (id, slug) VALUES (1, 't')",
	"INSERT INTO core__media_tags (id, media_entry, tag) VALUES (1, 1, 1)",
	"INSERT INTO core__processing_metadata (id, media_entry_id) VALUES (1, 1)",
	"INSERT INTO archivalook__featured_media (id, display_type, \"order\", media_entry_id) VALUES (1, 'primary', 1, 1)",
	"INSERT INTO image__mediadata (media_entry, width) VALUES (1, 10)",
	"INSERT INTO mediasecurity__media_security (media_entry, rating) VALUES (2, 'safe')",
}

// rowCounts counts the rows of the tables mediaRows fills.
func rowCounts(t *testing.T, e *applyEnv) map[string]int {
	t.Helper()
	out := map[string]int{}
	re := regexp.MustCompile(`INSERT INTO (\S+)`)
	for _, ins := range mediaRows {
		table := re.FindStringSubmatch(ins)[1]
		var n int
		require.NoError(t, e.db.DB.QueryRow("SELECT count(*) FROM "+table).Scan(&n))
		out[table] = n
	}
	return out
}

// rebuildMediaEntries is the file Atlas writes on SQLite to make
// core__media_entries.title optional: a table rebuild. where filters the
// copied rows ("" copies all).
func rebuildMediaEntries(t *testing.T, e *applyEnv, where string) string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(e.folder("core"), "*_initial.sql"))
	require.NoError(t, err)
	b, err := os.ReadFile(files[0])
	require.NoError(t, err)
	var create string
	var indexes []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "CREATE TABLE `core__media_entries` (") {
			create = l
		}
		if strings.HasPrefix(l, "CREATE ") && strings.Contains(l, " ON `core__media_entries` ") {
			indexes = append(indexes, l)
		}
	}
	require.NotEmpty(t, create)
	cols := regexp.MustCompile("[(,] `(\\w+)` (?:integer|varchar|bool|text|datetime|float)").FindAllStringSubmatch(strings.Replace(create, "(`id`", "( `id`", 1), -1)
	var names []string
	for _, c := range cols {
		names = append(names, "`"+c[1]+"`")
	}
	list := strings.Join(names, ", ")
	create = strings.Replace(create, "`core__media_entries`", "`new_core__media_entries`", 1)
	create = strings.Replace(create, "`title` varchar NOT NULL", "`title` varchar NULL", 1)
	return "-- Disable the enforcement of foreign-keys constraints\nPRAGMA foreign_keys = off;\n" +
		"-- Create \"new_core__media_entries\" table\n" + create + "\n" +
		"-- Copy rows from old table \"core__media_entries\" to new temporary table \"new_core__media_entries\"\n" +
		"INSERT INTO `new_core__media_entries` (" + list + ") SELECT " + list + " FROM `core__media_entries`" + where + ";\n" +
		"-- Drop \"core__media_entries\" table after copying rows\nDROP TABLE `core__media_entries`;\n" +
		"-- Rename temporary table \"new_core__media_entries\" to \"core__media_entries\"\nALTER TABLE `new_core__media_entries` RENAME TO `core__media_entries`;\n" +
		strings.Join(indexes, "\n") + "\n" +
		"-- Enable back the enforcement of foreign-keys constraints\nPRAGMA foreign_keys = on;\n"
}

func foreignKeysOn(t *testing.T, e *applyEnv) {
	t.Helper()
	var on int
	require.NoError(t, e.db.DB.QueryRow("PRAGMA foreign_keys").Scan(&on))
	require.Equal(t, 1, on, "foreign keys are enforced again after the rebuild")
}

// TestSQLiteRebuildWithData: Atlas's table rebuild of a core table that
// core and plugin rows reference applies on a database with rows in every
// such table, and keeps them (issue 11, item 1). Before the fix it failed
// with "FOREIGN KEY constraint failed".
func TestSQLiteRebuildWithData(t *testing.T) {
	ctx := context.Background()
	e := newApplyEnv(t, compose.SQLite)
	_, err := e.migrator().Apply(ctx)
	require.NoError(t, err)
	for _, ins := range mediaRows {
		_, err := e.db.DB.Exec(ins)
		require.NoError(t, err, ins)
	}
	before := rowCounts(t, e)
	e.addFile("core", "29990101000000_title_optional.sql", rebuildMediaEntries(t, e, ""), true)
	res, err := e.migrator().Apply(ctx)
	require.NoError(t, err)
	require.Len(t, res[0].Files, 1)
	require.Equal(t, before, rowCounts(t, e), "every row kept")
	_, err = e.db.DB.Exec("INSERT INTO core__media_entries (id, media_type, state, created, updated, actor) VALUES (3, 'image', 'processed', '2026-01-01', '2026-01-01', 1)")
	require.NoError(t, err, "title is optional now")
	foreignKeysOn(t, e)
	_, err = e.db.DB.Exec("INSERT INTO image__mediadata (media_entry) VALUES (99)")
	require.ErrorContains(t, err, "FOREIGN KEY constraint failed", "still enforced")

	// A plugin table rebuilt while another plugin table references it.
	e.addFile("image", "29990101000000_thumbs.sql", "CREATE TABLE `image__thumbs` (`id` integer NOT NULL PRIMARY KEY, `media` integer NOT NULL, CONSTRAINT `image__thumbs_media_fkey` FOREIGN KEY (`media`) REFERENCES `image__mediadata` (`media_entry`));\nINSERT INTO `image__thumbs` (`id`, `media`) VALUES (1, 1);\n", true)
	e.addFile("image", "29990101000001_rebuild.sql", "PRAGMA foreign_keys = off;\n"+
		"CREATE TABLE `new_image__mediadata` (`media_entry` integer NOT NULL, `width` integer NULL, `height` integer NULL, `exif_all` text NULL, `note` text NULL, PRIMARY KEY (`media_entry`), CONSTRAINT `image__mediadata_media_entry_fkey` FOREIGN KEY (`media_entry`) REFERENCES `core__media_entries` (`id`) ON DELETE NO ACTION);\n"+
		"INSERT INTO `new_image__mediadata` (`media_entry`, `width`, `height`, `exif_all`) SELECT `media_entry`, `width`, `height`, `exif_all` FROM `image__mediadata`;\n"+
		"DROP TABLE `image__mediadata`;\n"+
		"ALTER TABLE `new_image__mediadata` RENAME TO `image__mediadata`;\n"+
		"PRAGMA foreign_keys = on;\n", true)
	_, err = e.migrator().Apply(ctx)
	require.NoError(t, err)
	var n int
	require.NoError(t, e.db.DB.QueryRow("SELECT count(*) FROM image__thumbs JOIN image__mediadata ON media = media_entry").Scan(&n))
	require.Equal(t, 1, n)
	foreignKeysOn(t, e)
}

// TestSQLiteRebuildLeavingOrphansIsRefused: a rebuild that loses rows
// other rows reference is refused by PRAGMA foreign_key_check before the
// commit, naming the rows; nothing of it is applied, the attempt is
// recorded as failed, and the fixed file applies.
func TestSQLiteRebuildLeavingOrphansIsRefused(t *testing.T) {
	ctx := context.Background()
	e := newApplyEnv(t, compose.SQLite)
	_, err := e.migrator().Apply(ctx)
	require.NoError(t, err)
	for _, ins := range mediaRows {
		_, err := e.db.DB.Exec(ins)
		require.NoError(t, err, ins)
	}
	before := rowCounts(t, e)
	snap := e.snapshot()
	e.addFile("core", "29990101000000_title_optional.sql", rebuildMediaEntries(t, e, " WHERE `id` <> 2"), true)
	_, err = e.migrator().Apply(ctx)
	require.ErrorContains(t, err, "drops rows of table core__media_entries (the rebuild copies only those matching WHERE `id` <> 2), which holds 2 row(s)", "copying only some rows is data loss")
	comp, err := app.Composer()
	require.NoError(t, err)
	allow, err := apply.New(e.db.DB, compose.SQLite, comp, app.DiskSources(e.root), apply.WithSQLiteFile(e.db.Name), apply.WithAllowDataLoss(true))
	require.NoError(t, err)
	_, err = allow.Apply(ctx)
	require.ErrorContains(t, err, "PRAGMA foreign_key_check")
	require.ErrorContains(t, err, "mediasecurity__media_security rowid")
	require.ErrorContains(t, err, "-> core__media_entries")
	require.ErrorContains(t, err, "migrations/sqlite/29990101000000_title_optional.sql")
	require.Equal(t, before, rowCounts(t, e), "rolled back")
	require.Contains(t, e.snapshot(), strings.Split(snap, "rev ")[0], "the schema is untouched")
	foreignKeysOn(t, e)
	revs, err := e.migrator().History(ctx, "core")
	require.NoError(t, err)
	last := revs[len(revs)-1]
	require.Equal(t, "failed", last.TypeName())
	require.Equal(t, 0, last.Applied)

	e.addFile("core", "29990101000000_title_optional.sql", rebuildMediaEntries(t, e, ""), true)
	_, err = e.migrator().Apply(ctx)
	require.NoError(t, err)
	revs, _ = e.migrator().History(ctx, "core")
	require.Equal(t, "applied", revs[len(revs)-1].TypeName())
	require.Equal(t, before, rowCounts(t, e))
}

// TestLintSQLiteRebuildWithRows: lint runs a core rebuild on a history
// whose files hold rows as apply does (SQLite's procedure): one that keeps
// every referenced row passes, one that loses referenced rows is an error
// naming them (issue 11, item 1).
func TestLintSQLiteRebuildWithRows(t *testing.T) {
	ctx := context.Background()
	dev := testdb.Dev(t, compose.SQLite)
	for name, where := range map[string]string{"keeps rows": "", "loses a referenced row": " WHERE `id` <> 1"} {
		t.Run(name, func(t *testing.T) {
			root := testdb.CopyRoot(t)
			e := &applyEnv{t: t, root: root, db: &testdb.DB{Dialect: compose.SQLite}}
			var rows []string
			for _, r := range mediaRows {
				if strings.HasPrefix(r, "INSERT INTO core__") {
					rows = append(rows, r+";")
				}
			}
			e.addFile("core", "29990101000000_rows.sql", strings.Join(rows, "\n")+"\n", true)
			e.addFile("core", "29990101000001_title_optional.sql", rebuildMediaEntries(t, e, where), true)
			l := &lint.Linter{Project: project(t, root), Devs: map[string]*devdb.DB{compose.SQLite: dev}, Dialects: []string{compose.SQLite}}
			fs, err := l.Run(ctx)
			require.NoError(t, err)
			var fails []lint.Finding
			for _, f := range fs {
				if f.Code == lint.CodeFails && f.Branch == "core" {
					fails = append(fails, f)
				}
			}
			if where == "" {
				require.Empty(t, fails)
				return
			}
			require.Len(t, fails, 1, "%+v", fs)
			require.Equal(t, "migrations/sqlite/29990101000001_title_optional.sql", fails[0].File)
			require.Contains(t, fails[0].Message, "PRAGMA foreign_key_check")
			require.Contains(t, fails[0].Message, "core__media_tags rowid")
		})
	}
}
