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
		compose.SQLite:   {`CREATE TABLE "image__x""; DROP TABLE core__reports; --" (id integer)`, `image__x"; DROP TABLE core__reports; --`},
		compose.Postgres: {`CREATE TABLE "image__x""; DROP TABLE core__reports; --" (id integer)`, `image__x"; DROP TABLE core__reports; --`},
		compose.MySQL:    {"CREATE TABLE `image__x``,``core__reports` (id int)", "image__x`,`core__reports"},
	} {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			e := newApplyEnv(t, d)
			_, err := e.migrator().Apply(ctx)
			require.NoError(t, err)
			_, err = e.db.DB.Exec(c.create)
			require.NoError(t, err)
			dropped, err := e.migrator("archivalook", "mediasecurity").Remove(ctx, "image")
			require.NoError(t, err)
			require.Contains(t, dropped, c.name)
			snap := e.snapshot()
			require.Contains(t, snap, "core__reports:", "the core table is still there")
			require.NotContains(t, snap, "image__")
		})
	}
}
