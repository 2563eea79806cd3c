package app_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/apply"
	"github.com/plugmig/plugmig/engine/compose"
	"github.com/plugmig/plugmig/engine/drift"
	"github.com/plugmig/plugmig/internal/app"
	"github.com/plugmig/plugmig/internal/testdb"
)

// TestBaselineVerifiesLikeAdopt (issue 21, item 6): tables without history
// at an older version than the head: status names adopt (not baseline at
// the head); recording the head (baseline --version, adopt --version) is
// refused with the missing column named, nothing recorded; the version the
// tables are at is recorded, with the time it was adopted; on every dialect.
func TestBaselineVerifiesLikeAdopt(t *testing.T) {
	t.Parallel()
	for _, d := range compose.Dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newApplyEnv(t, d)
			_, err := e.migrator().Apply(ctx)
			require.NoError(t, err)
			hist, err := e.migrator().History(ctx, "image")
			require.NoError(t, err)
			initial := hist[0].Version
			_, err = e.db.DB.Exec("DELETE FROM plugmig_history WHERE branch = 'image'")
			require.NoError(t, err)
			e.addFile("image", "29990101000000_caption.sql", "ALTER TABLE image__mediadata ADD COLUMN caption varchar(255) NULL;\n", true)

			st, err := e.migrator().Status(ctx)
			require.NoError(t, err)
			i := slices.IndexFunc(st, func(s apply.BranchStatus) bool { return s.Branch == "image" })
			require.Equal(t, "go run ./cmd adopt", st[i].Next, "%+v", st[i])

			comp, err := app.Composer()
			require.NoError(t, err)
			chk, err := drift.New(comp, app.DiskSources(e.root))
			require.NoError(t, err)
			target := drift.Target{DB: e.db.DB, Dialect: d, Migrator: e.migrator(), ScratchURL: testdb.DevURL(t, d)}
			rep, err := chk.Adopt(ctx, target, drift.AdoptOptions{Branch: "image", Version: "29990101000000"})
			require.ErrorIs(t, err, drift.ErrDifferences)
			image := branchReport(t, rep, "image")
			require.Equal(t, drift.StateRefused, image.State)
			require.Len(t, image.Differences, 1)
			require.Contains(t, image.Differences[0].String(), `image__mediadata: column "caption" missing`)
			hist, err = e.migrator().History(ctx, "image")
			require.NoError(t, err)
			require.Empty(t, hist, "nothing recorded")

			before := time.Now().Add(-time.Second)
			rep, err = chk.Adopt(ctx, target, drift.AdoptOptions{Branch: "image", Version: initial})
			require.NoError(t, err)
			require.Equal(t, drift.StateAdopted, branchReport(t, rep, "image").State)
			hist, err = e.migrator().History(ctx, "image")
			require.NoError(t, err)
			require.Len(t, hist, 1)
			require.Equal(t, initial, hist[0].Version)
			require.True(t, hist[0].ExecutedAt.After(before), "the baseline row carries when it was adopted, not %s", hist[0].ExecutedAt)
			_, err = e.migrator().Apply(ctx)
			require.NoError(t, err, "apply then runs the later file")
		})
	}
}
