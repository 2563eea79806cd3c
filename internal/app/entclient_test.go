package app_test

import (
	"context"
	"testing"

	entsql "entgo.io/ent/dialect/sql"
	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/compose"
	"github.com/plugmig/plugmig/ent"
	"github.com/plugmig/plugmig/internal/dbdriver"
)

// TestEntClientOnMigratedDatabase runs docs/plugin-guide.md's "Use it from
// the application": after apply, the application opens the ent client on
// the database apply migrated (by its URL, as the CLI does) — never
// client.Schema.Create, which would bypass the migrations — and reads and
// writes core and plugin rows through it (issue 22, item 11).
func TestEntClientOnMigratedDatabase(t *testing.T) {
	t.Parallel()
	for _, d := range compose.Dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newApplyEnv(t, d)
			_, err := e.migrator().Apply(ctx)
			require.NoError(t, err)

			// The guide's code, with the URL apply was given.
			target, db, err := dbdriver.Open(ctx, e.db.URL)
			require.NoError(t, err)
			defer db.Close()
			client := ent.NewClient(ent.Driver(entsql.OpenDB(target.Driver, db)))

			u := client.User.Create().SetName("alice").SaveX(ctx)
			entry := client.MediaEntry.Create().SetActor(u).SetTitle("Goblin").SetMediaType("image").SaveX(ctx)
			client.MediaSecurity.Create().SetMediaEntry(entry).SetRating("safe").SaveX(ctx)
			rating := entry.QuerySecurityRating().OnlyX(ctx)
			require.Equal(t, "safe", *rating.Rating)
			require.Equal(t, entry.ID, rating.QueryMediaEntry().OnlyIDX(ctx))
			require.Empty(t, e.drift(defaultPlugins(t)...), "the client wrote rows, not schema")
		})
	}
}
