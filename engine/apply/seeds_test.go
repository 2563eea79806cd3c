package apply_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/apply"
	"github.com/plugmig/plugmig/engine/plugin"
)

// TestRemoveSeeds (issue 21): plugin remove deletes a plugin's seed row in
// a core table when no other branch seeds the same row and no row
// references it; a row another plugin seeds too, or one a row of another
// table references, stays, and SeedRemoval (the dry run) says why. On
// SQLite and PostgreSQL.
func TestRemoveSeeds(t *testing.T) {
	for _, d := range []string{"sqlite", "postgres", "mysql"} {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			bot := plugin.Seed{Table: "core__users", Values: map[string]any{"id": 1, "name": "bot"}}
			own := plugin.Seed{Table: "core__users", Values: map[string]any{"id": 2, "name": "tagger"}}
			held := plugin.Seed{Table: "core__users", Values: map[string]any{"id": 3, "name": "held"}}
			a := newDownAppSeeds(t, d, tagsV1, downFiles, map[string][]plugin.Seed{
				"notes": {bot},
				"tags":  {bot, own, held},
			})
			both := []string{"notes", "tags"}
			_, err := a.migrator(both).Apply(ctx)
			require.NoError(t, err)
			count := func(id int) int {
				var n int
				require.NoError(t, a.db.DB.QueryRow(apply.Rebind(d, "SELECT count(*) FROM core__users WHERE id = ?"), id).Scan(&n))
				return n
			}
			for _, id := range []int{1, 2, 3} {
				require.Equal(t, 1, count(id), "seeded row %d", id)
			}
			// A table made by hand references the held row.
			a.exec("CREATE TABLE holds (user_id integer NOT NULL, CONSTRAINT holds_user FOREIGN KEY (user_id) REFERENCES core__users (id))",
				"INSERT INTO holds (user_id) VALUES (3)")

			notes := []string{"notes"}
			m := a.migrator(notes)
			plan, err := m.SeedRemoval(ctx, "tags", []string{"tags__tags"})
			require.NoError(t, err)
			require.Len(t, plan, 3)
			require.Equal(t, "core__users (id=1, name='bot')", plan[0].String())
			require.False(t, plan[0].Delete)
			require.Equal(t, `plugin "notes" seeds it too`, plan[0].Reason)
			require.True(t, plan[1].Delete, "%+v", plan[1])
			require.False(t, plan[2].Delete)
			require.Contains(t, plan[2].Reason, "1 row(s) of holds reference it (holds_user)")
			for _, id := range []int{1, 2, 3} {
				require.Equal(t, 1, count(id), "the plan deletes nothing")
			}

			done, err := m.Remove(ctx, "tags", []string{"tags__tags"})
			require.NoError(t, err)
			require.Equal(t, []string{"tags__tags"}, done.Tables)
			require.Equal(t, plan, done.Seeds)
			require.Equal(t, 1, count(1), "notes still seeds it")
			require.Equal(t, 0, count(2), "tags' own seed row is deleted")
			require.Equal(t, 1, count(3), "a referenced row stays")

			// Now no other branch seeds bot: removing notes deletes it.
			a.exec("DROP TABLE holds")
			done, err = a.migrator([]string{"none"}[:0]).Remove(ctx, "notes", []string{"notes__labels", "notes__notes"})
			require.NoError(t, err)
			require.Len(t, done.Seeds, 1)
			require.True(t, done.Seeds[0].Delete)
			require.Equal(t, 0, count(1))
		})
	}
}
