package plan_test

import (
	"testing"

	"ariga.io/atlas/sql/migrate"
	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/migdir"
)

func writeSum(t *testing.T, path string) {
	t.Helper()
	dir, err := migrate.NewLocalDir(path)
	require.NoError(t, err)
	require.NoError(t, migdir.Rehash(dir))
}
