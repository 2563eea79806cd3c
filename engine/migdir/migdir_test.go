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
	require.ErrorContains(t, err, "plugins/rate/migrations/sqlite: atlas.sum does not match the files (first difference: 20261123100000_initial.sql)")

	_, err = migdir.Open(root, reg, "ghost", "sqlite")
	require.ErrorIs(t, err, plugin.ErrUnknown)
	p, err := migdir.Path(reg, plugin.Core, "postgres")
	require.NoError(t, err)
	require.Equal(t, "migrations/postgres", p)
}
