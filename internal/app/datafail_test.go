package app_test

import (
	"context"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/apply"
	"github.com/plugmig/plugmig/engine/compose"
)

// TestDataCausedFailureSaysSo (issue 21, item 8): a statement that fails
// on the rows already in the database (a unique index over duplicates) is
// reported as such, with the way out (fix the rows, apply again), not as a
// statement to fix and rehash; on every dialect.
func TestDataCausedFailureSaysSo(t *testing.T) {
	t.Parallel()
	for _, d := range compose.Dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newApplyEnv(t, d)
			e.addFile("image", "29990101000000_dups.sql", "CREATE TABLE image__dups (x integer);\nINSERT INTO image__dups (x) VALUES (1), (1);\n", true)
			_, err := e.migrator().Apply(ctx)
			require.NoError(t, err)
			e.addFile("image", "29990102000000_unique.sql", "CREATE UNIQUE INDEX image__dups_x ON image__dups (x);\n", true)
			_, err = e.migrator().Apply(ctx)
			require.Error(t, err)
			require.ErrorContains(t, err, "the rows already in the database break it")
			require.ErrorContains(t, err, "Fix those rows and run go run ./cmd apply again (the file need not change)")
			require.NotContains(t, err.Error(), "fix the statement")
			st, err := e.migrator().Status(ctx)
			require.NoError(t, err)
			i := slices.IndexFunc(st, func(s apply.BranchStatus) bool { return s.Branch == "image" })
			require.Contains(t, st[i].Next, "fix the rows that break", "%+v", st[i])
			_, err = e.db.DB.Exec("DELETE FROM image__dups")
			require.NoError(t, err)
			_, err = e.migrator().Apply(ctx)
			require.NoError(t, err, "once the rows are fixed, apply gets on without a change to the file")
		})
	}
}
