package apply_test

import (
	"context"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"
)

// TestPostgresPluginWriteToCoreNamed: a plugin file (or down part) that
// writes a core table, run on the plugin's own role, is refused with the
// database's own reason and the finding, not with "current transaction is
// aborted" (the guard's EXPLAIN of the statement failed first, aborting
// the transaction, and its error was dropped).
func TestPostgresPluginWriteToCoreNamed(t *testing.T) {
	t.Parallel()
	a := newDownApp(t, "postgres", notesV3)
	a.folders["notes"]["postgres/20260101000004_bad.sql"] = &fstest.MapFile{Data: []byte("UPDATE core__users SET name = 'x';\n")}
	a.rehash("notes")
	_, err := a.migrator([]string{"notes"}).Apply(context.Background())
	require.ErrorContains(t, err, "PL103")
	require.ErrorContains(t, err, "permission denied for table core__users")
	require.NotContains(t, err.Error(), "current transaction is aborted")
}
