package app_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/compose"
	"github.com/plugmig/plugmig/internal/testdb"
)

// TestLegacyNamesAreGuarded (issue 20, item 1): the names a plugin claims
// without its prefix (the blog's mediatype__blogs and its indexes, the
// subtitles plugin's core__subtitle_files, and the names derived from a
// claimed table) are as much its own as prefixed ones: a file of another
// plugin (image) that creates, alters, drops or writes one is reported by
// lint and refused by apply on every dialect, leaving everything as it was.
func TestLegacyNamesAreGuarded(t *testing.T) {
	t.Parallel()
	attacks := []attack{
		{"alter a claimed table", "ALTER TABLE mediatype__blogs ADD COLUMN x integer;"},
		{"write a claimed table", "INSERT INTO mediatype__blogs (title, author, created) VALUES ('x', 1, '2020-01-01 00:00:00');"},
		{"drop a claimed table with core's prefix", "DROP TABLE blogpost__mediadata;"},
		{"alter a claimed table with core's prefix", "ALTER TABLE core__subtitle_files ADD COLUMN x integer;"},
		{"take an unclaimed legacy-looking name", "CREATE INDEX ix_mediatype__blogs_slug ON image__mediadata (width);"},
		{"take a name derived from a claimed table", "CREATE TABLE mediatype__blogs_x_idx (id integer);"},
	}
	for _, d := range compose.Dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			runAttacks(t, d, legacyState(d), attacks)
		})
	}
}

// legacyState is the dialect's catalog facts no plugin may change, plus
// the blog's rows.
func legacyState(dialect string) func(a *adversary) string {
	return func(a *adversary) string {
		var base string
		switch dialect {
		case "postgres":
			base = postgresState(a)
		case "mysql":
			base = mysqlState(a)
		default:
			rows, err := testdb.Rows(a.e.db.DB, `SELECT type || ' ' || name || ' ' || coalesce(sql, '') FROM sqlite_master WHERE name NOT LIKE 'image\_\_%' ESCAPE '\' ORDER BY name`)
			require.NoError(a.t, err)
			for _, r := range rows {
				base += r + "\n"
			}
		}
		rows, err := testdb.Rows(a.e.db.DB, "SELECT count(*) FROM mediatype__blogs")
		require.NoError(a.t, err)
		return base + "\nblogs: " + rows[0]
	}
}
