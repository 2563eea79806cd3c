package main

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/apply"
	"github.com/plugmig/plugmig/engine/plugin"
	"github.com/plugmig/plugmig/internal/app"
	"github.com/plugmig/plugmig/internal/testdb"
)

// TestPluginRemoveDeletesSeeds (issue 21): plugin remove lists a plugin's
// seed rows in core tables with --dry-run and deletes them with --yes; a
// row that another table references stays, and the dry run says why. The
// plugin is the first registered one that seeds a core table; on SQLite
// and PostgreSQL.
func TestPluginRemoveDeletesSeeds(t *testing.T) {
	t.Parallel()
	comp, err := app.Composer()
	require.NoError(t, err)
	var name string
	var seed plugin.Seed
	for _, p := range comp.Plugins().Names() {
		seeds, _ := comp.Plugins().Seeds(p)
		for _, s := range seeds {
			if name == "" && comp.Owner(s.Table) == plugin.Core {
				name, seed = p, s
			}
		}
	}
	if name == "" {
		t.Skip("SKIPPED: no registered plugin seeds a core table")
	}
	others := slices.DeleteFunc(comp.Plugins().Names(), func(p string) bool { return p == name })
	for _, d := range []string{"sqlite", "postgres", "mysql"} {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			db := testdb.Open(t, d)
			cli := func(args ...string) (string, string, int) {
				var stdout, stderr bytes.Buffer
				code := run(append(args, "--root", testdb.Root(t), "--url", db.URL), &stdout, &stderr)
				return stdout.String(), stderr.String(), code
			}
			_, errs, code := cli("apply")
			require.Equal(t, 0, code, errs)
			cols := make([]string, 0, len(seed.Values))
			for c := range seed.Values {
				cols = append(cols, c)
			}
			slices.Sort(cols)
			where, args := make([]string, len(cols)), make([]any, len(cols))
			for i, c := range cols {
				where[i], args[i] = c+" = ?", seed.Values[c]
			}
			count := func() int {
				var n int
				require.NoError(t, db.DB.QueryRow(apply.Rebind(d, "SELECT count(*) FROM "+seed.Table+" WHERE "+strings.Join(where, " AND ")), args...).Scan(&n))
				return n
			}
			require.Equal(t, 1, count(), "apply seeded %s's row", name)
			remove := []string{"plugin", "remove", name, "--plugins", strings.Join(others, ",")}

			// A row of a table made by hand references it: it stays.
			var pk string
			switch d {
			case "sqlite":
				require.NoError(t, db.DB.QueryRow("SELECT name FROM pragma_table_info('"+seed.Table+"') WHERE pk = 1").Scan(&pk))
			case "mysql":
				require.NoError(t, db.DB.QueryRow("SELECT COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND CONSTRAINT_NAME = 'PRIMARY'", seed.Table).Scan(&pk))
			default:
				require.NoError(t, db.DB.QueryRow("SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) WHERE i.indrelid = '"+seed.Table+"'::regclass AND i.indisprimary").Scan(&pk))
			}
			_, err := db.DB.Exec("CREATE TABLE holds (ref integer NOT NULL, CONSTRAINT holds_ref FOREIGN KEY (ref) REFERENCES " + seed.Table + " (" + pk + "))")
			require.NoError(t, err)
			_, err = db.DB.Exec(apply.Rebind(d, "INSERT INTO holds (ref) SELECT "+pk+" FROM "+seed.Table+" WHERE "+strings.Join(where, " AND ")), args...)
			require.NoError(t, err)
			out, errs, code := cli(append(remove, "--dry-run")...)
			require.Equal(t, 0, code, errs)
			require.Regexp(t, name+`: keeps its seed row `+seed.Table+` \(.*\): 1 row\(s\) of holds reference it \(holds_ref\)`, out)
			_, err = db.DB.Exec("DROP TABLE holds")
			require.NoError(t, err)

			out, errs, code = cli(append(remove, "--dry-run")...)
			require.Equal(t, 0, code, errs)
			require.Regexp(t, name+`: would delete its seed row `+seed.Table+` \(.*\)`, out)
			require.Equal(t, 1, count(), "a dry run deletes nothing")
			out, errs, code = cli(append(remove, "--yes")...)
			require.Equal(t, 0, code, errs)
			require.Regexp(t, name+`: deleted its seed row `+seed.Table+` \(.*\)`, out)
			require.Equal(t, 0, count(), "remove deleted the plugin's seed row")
		})
	}
}
