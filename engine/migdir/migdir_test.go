package migdir_test

import (
	"os"
	"path/filepath"
	"testing"

	"ariga.io/atlas/sql/migrate"
	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/migdir"
	"github.com/plugmig/plugmig/engine/plugin"
)

func TestOpenChecksSum(t *testing.T) {
	root := t.TempDir()
	reg := &plugin.Registry{}
	require.NoError(t, reg.Add(plugin.Plugin{Name: "rate", Dir: "plugins/rate"}))

	_, err := migdir.Open(root, reg, "rate", "sqlite")
	require.ErrorContains(t, err, `branch "rate": migration folder plugins/rate/migrations/sqlite`)

	path := filepath.Join(root, "plugins/rate/migrations/sqlite")
	require.NoError(t, os.MkdirAll(path, 0o755))
	dir, err := migdir.Open(root, reg, "rate", "sqlite")
	require.NoError(t, err, "an empty folder is fine")
	head, err := migdir.Last(dir)
	require.NoError(t, err)
	require.Nil(t, head)

	write := func(name, body string) {
		require.NoError(t, os.WriteFile(filepath.Join(path, name), []byte(body), 0o644))
	}
	write("20261123100000_initial.sql", "CREATE TABLE rate__ratings (id integer);\n")
	_, err = migdir.Open(root, reg, "rate", "sqlite")
	require.ErrorContains(t, err, "has migration files but no atlas.sum: run go run ./cmd hash")

	local, err := migrate.NewLocalDir(path)
	require.NoError(t, err)
	require.NoError(t, migdir.Rehash(local))
	write("20261123110000_more.sql", "ALTER TABLE rate__ratings ADD COLUMN v text;\n")
	require.NoError(t, migdir.Rehash(local))
	dir, err = migdir.Open(root, reg, "rate", "sqlite")
	require.NoError(t, err)
	head, err = migdir.Last(dir)
	require.NoError(t, err)
	require.Equal(t, "20261123110000", head.Version())

	write("20261123100000_initial.sql", "CREATE TABLE core__users (id integer);\n")
	_, err = migdir.Open(root, reg, "rate", "sqlite")
	require.ErrorContains(t, err, "plugins/rate/migrations/sqlite: atlas.sum does not match the files (changed: 20261123100000_initial.sql)")

	_, err = migdir.Open(root, reg, "ghost", "sqlite")
	require.ErrorIs(t, err, plugin.ErrUnknown)
	p, err := migdir.Path(reg, plugin.Core, "postgres")
	require.NoError(t, err)
	require.Equal(t, "migrations/postgres", p)
}

// TestNamesRefused: a file name without a version of digits, and two files
// of one version, are refused by every check of a folder, naming the files
// and the rule (issue 11, item 5).
func TestNamesRefused(t *testing.T) {
	cases := []struct {
		name  string
		files []string
		want  []string
	}{
		{"no version", []string{"20261123100000_initial.sql", "add_caption.sql"}, []string{"add_caption.sql: a migration file is named <version>_<description>.sql with a version of digits", "_add_caption.sql, then run go run ./cmd hash"}},
		{"spaces", []string{"20261123100000_initial.sql", "2026 bad name.sql"}, []string{"2026 bad name.sql: a migration file is named <version>_<description>.sql"}},
		{"no description", []string{"20261123100000.sql"}, []string{"20261123100000.sql: a migration file is named"}},
		{"duplicate version", []string{"20261123100000_initial.sql", "20261201000000_a.sql", "20261201000000_b.sql"}, []string{"20261201000000_a.sql and 20261201000000_b.sql have the same version 20261201000000: every file needs its own version"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := t.TempDir()
			for _, f := range c.files {
				require.NoError(t, os.WriteFile(filepath.Join(path, f), []byte("CREATE TABLE rate__x (id integer);\n"), 0o644))
			}
			dir, err := migrate.NewLocalDir(path)
			require.NoError(t, err)
			require.NoError(t, migdir.Rehash(dir)) // a valid atlas.sum: the names alone are wrong
			for _, check := range []func() error{
				func() error { return migdir.Names(dir, "plugins/rate/migrations/sqlite") },
				func() error { return migdir.Check(dir, "plugins/rate/migrations/sqlite") },
			} {
				err := check()
				require.ErrorIs(t, err, migdir.ErrName)
				for _, w := range c.want {
					require.ErrorContains(t, err, w)
				}
			}
		})
	}
}

// TestSumDifference: atlas.sum's mismatch names the files added, deleted
// and the one changed, and no untouched file (issue 11, item 6).
func TestSumDifference(t *testing.T) {
	path := t.TempDir()
	write := func(name, body string) {
		require.NoError(t, os.WriteFile(filepath.Join(path, name), []byte(body), 0o644))
	}
	write("20261123100000_a.sql", "CREATE TABLE rate__a (id integer);\n")
	write("20261123110000_b.sql", "CREATE TABLE rate__b (id integer);\n")
	write("20261123120000_c.sql", "CREATE TABLE rate__c (id integer);\n")
	dir, err := migrate.NewLocalDir(path)
	require.NoError(t, err)
	require.NoError(t, migdir.Rehash(dir))

	write("20261123105000_inserted.sql", "CREATE TABLE rate__i (id integer);\n")
	err = migdir.Check(dir, "f")
	require.ErrorContains(t, err, "(not in atlas.sum: 20261123105000_inserted.sql)")

	require.NoError(t, os.Remove(filepath.Join(path, "20261123105000_inserted.sql")))
	write("20261123110000_b.sql", "CREATE TABLE rate__b (id bigint);\n")
	err = migdir.Check(dir, "f")
	require.ErrorContains(t, err, "(changed: 20261123110000_b.sql)")
	require.NotContains(t, err.Error(), "20261123100000_a.sql")
	require.NotContains(t, err.Error(), "20261123120000_c.sql")

	write("20261123110000_b.sql", "CREATE TABLE rate__b (id integer);\n")
	require.NoError(t, os.Remove(filepath.Join(path, "20261123120000_c.sql")))
	err = migdir.Check(dir, "f")
	require.ErrorContains(t, err, "(deleted: 20261123120000_c.sql)")
}
