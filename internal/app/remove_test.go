package app_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/apply"
	"github.com/plugmig/plugmig/engine/compose"
	"github.com/plugmig/plugmig/engine/drift"
	"github.com/plugmig/plugmig/internal/app"
	"github.com/plugmig/plugmig/internal/testdb"
)

// TestPluginRemoveOwnsWhatItsHistoryCreated (issue 21, items 1 and 5; issue
// 22, item 5): a table made by hand with a plugin's prefix is that plugin's
// drift for drift and status alike, and plugin remove leaves it, naming it,
// while dropping what the plugin's history created. Removing a plugin that
// is still enabled is refused before anything is dropped.
func TestPluginRemoveOwnsWhatItsHistoryCreated(t *testing.T) {
	t.Parallel()
	for _, d := range compose.Dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newApplyEnv(t, d)
			_, err := e.migrator().Apply(ctx)
			require.NoError(t, err)
			_, err = e.db.DB.Exec("CREATE TABLE image__thumbs (id integer NOT NULL, PRIMARY KEY (id))")
			require.NoError(t, err)
			_, err = e.db.DB.Exec("INSERT INTO image__thumbs (id) VALUES (7)")
			require.NoError(t, err)
			before := e.snapshot()

			// The other plugins, as the refusal lists them (whatever is registered).
			names, err := app.Composer()
			require.NoError(t, err)
			others := slices.DeleteFunc(names.Plugins().DefaultEnabled(), func(p string) bool { return p == "image" })
			_, err = e.migrator().Remove(ctx, "image", []string{"image__mediadata"})
			require.ErrorIs(t, err, apply.ErrEnabled)
			require.ErrorContains(t, err, "pass --plugins "+strings.Join(others, ","))
			require.Equal(t, before, e.snapshot(), "an enabled plugin is refused before anything is dropped")

			comp, err := app.Composer()
			require.NoError(t, err)
			chk, err := drift.New(comp, app.DiskSources(e.root))
			require.NoError(t, err)
			target := drift.Target{DB: e.db.DB, Dialect: d, Migrator: e.migrator(), ScratchURL: testdb.DevURL(t, d)}
			rep, err := chk.Check(ctx, target)
			require.NoError(t, err)
			require.True(t, rep.Drift(), "a hand-made table with image's prefix is drift")
			image := branchReport(t, rep, "image")
			require.Equal(t, drift.StateDrift, image.State)
			require.Len(t, image.Differences, 1)
			require.Contains(t, image.Differences[0].String(), "image__thumbs: extra table (it has plugin image's prefix but image's history does not create it")
			require.NotContains(t, rep.Unowned, "image__thumbs")
			adopted, err := chk.Adopt(ctx, target, drift.AdoptOptions{DryRun: true})
			require.NoError(t, err)
			require.Contains(t, adopted.Warnings, `branch "image": image__thumbs: extra table (`+image.Differences[0].Live+`)`, "adopt names it under image too")
			unowned, stray, err := drift.Unowned(ctx, e.db.DB, d, comp)
			require.NoError(t, err)
			require.Equal(t, map[string][]string{"image": {"image__thumbs"}}, stray, "status names it under image too")
			require.Equal(t, rep.Unowned, unowned)

			before = e.snapshot() // drift recorded its check
			m := e.migrator(others...)
			r := e.removal(m, "image")
			require.Equal(t, []string{"image__mediadata"}, r.Drop)
			require.Equal(t, []string{"image__thumbs"}, r.Leave)
			require.False(t, r.Unregistered)
			require.Equal(t, before, e.snapshot(), "listing drops nothing")
			dropped, err := m.Remove(ctx, "image", r.Drop)
			require.NoError(t, err)
			require.Equal(t, []string{"image__mediadata"}, dropped.Tables)
			snap := e.snapshot()
			require.Contains(t, snap, "image__thumbs:", "the hand-made table is left")
			require.NotContains(t, snap, "image__mediadata")
			rows, err := testdb.Rows(e.db.DB, "SELECT id FROM image__thumbs")
			require.NoError(t, err)
			require.Len(t, rows, 1, "with its rows")
			require.False(t, slices.ContainsFunc(strings.Split(snap, "\n"), func(l string) bool { return strings.HasPrefix(l, "rev image ") }), "image's history is gone")
		})
	}
}
