package app_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/compose"
)

// TestPluginRemoveQuotesNames: a plugin table whose name holds the
// dialect's quote character is dropped as one name; it never turns into
// SQL that drops a core table.
func TestPluginRemoveQuotesNames(t *testing.T) {
	t.Parallel()
	for d, c := range map[string]struct{ create, name string }{
		compose.SQLite:   {`CREATE TABLE "image__x""; DROP TABLE core__reports; --" (id integer);`, `image__x"; DROP TABLE core__reports; --`},
		compose.Postgres: {`CREATE TABLE "image__x""; DROP TABLE core__reports; --" (id integer);`, `image__x"; DROP TABLE core__reports; --`},
		compose.MySQL:    {"CREATE TABLE `image__x``,``core__reports` (id int);", "image__x`,`core__reports"},
	} {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			e := newApplyEnv(t, d)
			_, err := e.migrator().Apply(ctx)
			require.NoError(t, err)
			_, err = e.db.DB.Exec(c.create)
			require.NoError(t, err)
			// Remove drops the names it is given (drift's Removal would
			// leave this hand-made one: a MySQL plugin account may not even
			// create it).
			m := e.migrator("archivalook", "mediasecurity")
			dropped, err := m.Remove(ctx, "image", append(e.removal(m, "image").Drop, c.name))
			require.NoError(t, err)
			require.Contains(t, dropped.Tables, c.name)
			snap := e.snapshot()
			require.Contains(t, snap, "core__reports:", "the core table is still there")
			require.NotContains(t, snap, "image__")
		})
	}
}
