package app_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/apply"
	"github.com/plugmig/plugmig/engine/compose"
)

// TestEditedAppliedFileHasOneWayOut: an applied file edited by hand, with
// or without atlas.sum rehashed after, gets one command from status —
// restore it and rehash — and that command leaves nothing to do. Before,
// status said run hash, then restore the file, then (atlas.sum rehashed for
// the edit) run hash again (issue 22, item 7).
func TestEditedAppliedFileHasOneWayOut(t *testing.T) {
	t.Parallel()
	for _, rehashed := range []bool{false, true} {
		name := map[bool]string{false: "atlas.sum untouched", true: "atlas.sum rehashed"}[rehashed]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newApplyEnv(t, compose.SQLite)
			git := func(args ...string) {
				out, err := exec.Command("git", append([]string{"-C", e.root, "-c", "user.name=t", "-c", "user.email=t@example.com"}, args...)...).CombinedOutput()
				require.NoError(t, err, "%s", out)
			}
			git("init", "-q")
			git("add", "-A")
			git("commit", "-qm", "migrations")
			_, err := e.migrator().Apply(ctx)
			require.NoError(t, err)

			files, _ := filepath.Glob(filepath.Join(e.folder("image"), "2*.sql"))
			require.Len(t, files, 1)
			b, _ := os.ReadFile(files[0])
			require.NoError(t, os.WriteFile(files[0], append(b, "-- edited\n"...), 0o644))
			if rehashed {
				e.rehash("image")
			}
			st, err := e.migrator().Status(ctx)
			require.NoError(t, err)
			i := slices.IndexFunc(st, func(s apply.BranchStatus) bool { return s.Branch == "image" })
			rel, _ := filepath.Rel(e.root, files[0])
			want := "git checkout -- " + filepath.ToSlash(rel) + " && go run ./cmd hash"
			require.Equal(t, want, st[i].Next, "%+v", st[i])
			require.Contains(t, st[i].Problem, "was edited after it was applied")

			// The command, as status gives it (go run ./cmd hash is what
			// e.rehash does): nothing is left to do.
			git(strings.Fields(strings.TrimSuffix(strings.TrimPrefix(want, "git "), " && go run ./cmd hash"))...)
			e.rehash("image")
			st, err = e.migrator().Status(ctx)
			require.NoError(t, err)
			for _, s := range st {
				require.False(t, s.NeedsWork(), "%+v", s)
				require.Empty(t, s.Problem, "%+v", s)
			}
		})
	}
}
