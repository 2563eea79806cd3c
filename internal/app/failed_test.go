package app_test

import (
	"context"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/apply"
	"github.com/plugmig/plugmig/engine/compose"
)

// TestFailedFileIsRecordedAsFailed: a file that fails (or is refused) is
// recorded as TYPE failed, never applied; replacing it with a comment-only
// file applies it once and the branch is up to date (issue 11, item 7:
// before, the attempt was TYPE applied 0/N and the replacement looped
// forever with PENDING 1 and the old error).
func TestFailedFileIsRecordedAsFailed(t *testing.T) {
	for _, d := range compose.Dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newApplyEnv(t, d)
			_, err := e.migrator().Apply(ctx)
			require.NoError(t, err)
			for _, c := range [][2]string{
				{"29990101000000_bad.sql", "ALTER TABLE image__nope ADD COLUMN x int;\n"},
				{"29990101000000_refused.sql", "ALTER TABLE core__users ADD COLUMN image_x int;\n"},
			} {
				name, body := c[0], c[1]
				e.addFile("image", name, body, true)
				_, err = e.migrator().Apply(ctx)
				require.Error(t, err, name)
				revs, err := e.migrator().History(ctx, "image")
				require.NoError(t, err)
				last := revs[len(revs)-1]
				require.Equal(t, "29990101000000", last.Version)
				require.Equal(t, apply.TypeFailed, last.TypeName(), "%s: %+v", name, last.Revision)
				require.Equal(t, 0, last.Applied)
				require.NotEmpty(t, last.Error)
				if d != compose.MySQL || name == "29990101000000_bad.sql" {
					// (MySQL refuses a plugin file on a scratch database before
					// running it: nothing of that attempt is recorded.)
					require.Contains(t, last.ErrorStmt, body[:20], "the attempt of %s is recorded", name)
				}
				e.removeFile("image", name)
			}

			e.addFile("image", "29990101000000_bad.sql", "-- nothing left to do: the change moved to the next release\n", true)
			res, err := e.migrator().Apply(ctx)
			require.NoError(t, err)
			i := slices.IndexFunc(res, func(r apply.BranchResult) bool { return r.Branch == "image" })
			require.Len(t, res[i].Files, 1)
			revs, _ := e.migrator().History(ctx, "image")
			last := revs[len(revs)-1]
			require.Equal(t, "applied", last.TypeName())
			require.Equal(t, 0, last.Total)
			require.Empty(t, last.Error)
			st, err := e.migrator().Status(ctx)
			require.NoError(t, err)
			for _, s := range st {
				require.False(t, s.NeedsWork(), "%+v", s)
			}
			res, err = e.migrator().Apply(ctx)
			require.NoError(t, err)
			require.Empty(t, res[i].Files, "applied once, not again")
		})
	}
}
