package app_test

import (
	"context"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/apply"
	"github.com/plugmig/plugmig/engine/compose"
	"github.com/plugmig/plugmig/engine/drift"
	"github.com/plugmig/plugmig/internal/app"
)

// driftObjects are, per dialect, a plugin file whose history creates a
// trigger or view, and a trigger added by hand on the plugin's table that
// writes core (issue 19: drift said "no drift").
var driftObjects = map[string]struct{ history, byHand string }{
	"sqlite": {
		"CREATE TABLE image__log (id integer PRIMARY KEY, n integer);\nCREATE TRIGGER image__log_t AFTER INSERT ON image__log BEGIN UPDATE image__log SET n = 1 WHERE id = NEW.id; END;\nCREATE VIEW image__log_v AS SELECT id FROM image__log;\n",
		"CREATE TRIGGER evil_t AFTER INSERT ON image__mediadata BEGIN UPDATE core__media_entries SET title = 'x'; END",
	},
	"postgres": {
		"CREATE TABLE image__log (id int PRIMARY KEY, n int);\nCREATE VIEW image__log_v AS SELECT id FROM image__log;\n",
		"CREATE FUNCTION evil_fn() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN UPDATE core__media_entries SET title = 'x'; RETURN NEW; END $$; CREATE TRIGGER evil_t AFTER INSERT ON image__mediadata FOR EACH ROW EXECUTE FUNCTION evil_fn()",
	},
	"mysql": {
		"CREATE TABLE image__log (id int PRIMARY KEY, n int);\nCREATE TRIGGER image__log_t BEFORE INSERT ON image__log FOR EACH ROW SET NEW.n = 1;\nCREATE VIEW image__log_v AS SELECT id FROM image__log;\n",
		"CREATE TRIGGER evil_t AFTER INSERT ON image__mediadata FOR EACH ROW UPDATE core__media_entries SET title = 'x'",
	},
}

// TestDriftSeesCodeObjects: drift compares triggers, views and routines
// with what the branch's history creates, on every dialect: none after
// apply; a trigger added by hand on a plugin table is extra and, named
// outside the plugin's prefix, reported as such.
func TestDriftSeesCodeObjects(t *testing.T) {
	t.Parallel()
	for _, d := range compose.Dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newApplyEnv(t, d)
			e.addFile("image", "29990101000000_log.sql", driftObjects[d].history, true)
			_, err := e.migrator().Apply(ctx)
			require.NoError(t, err)
			comp, err := app.Composer()
			require.NoError(t, err)
			sources := app.DiskSources(e.root)
			chk, err := drift.New(comp, sources, drift.WithDeviations(app.Deviations()...))
			require.NoError(t, err)
			m, err := apply.New(e.db.DB, d, comp, sources, apply.WithSQLiteFile(e.db.Name))
			require.NoError(t, err)
			target := drift.Target{DB: e.db.DB, Dialect: d, Migrator: m, ScratchURL: e.db.URL}

			rep, err := chk.Check(ctx, target)
			require.NoError(t, err)
			require.False(t, rep.Drift(), "%+v", rep.Branches)

			_, err = e.db.DB.Exec(driftObjects[d].byHand)
			require.NoError(t, err)
			rep, err = chk.Check(ctx, target)
			require.NoError(t, err)
			require.True(t, rep.Drift())
			br := branchReport(t, rep, "image")
			require.Equal(t, drift.StateDrift, br.State)
			has := func(what string) bool {
				return slices.ContainsFunc(br.Differences, func(x drift.Difference) bool {
					return x.Kind == drift.KindTrigger && x.Name == "evil_t" && x.What == what
				})
			}
			require.True(t, has(drift.WhatExtra), "%v", strs(br.Differences))
			require.True(t, has(drift.WhatUnprefixed), "%v", strs(br.Differences))
		})
	}
}
