package plan_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	entschema "entgo.io/ent/dialect/sql/schema"
	"entgo.io/ent/schema/field"
	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/compose"
	"github.com/plugmig/plugmig/engine/devdb"
	"github.com/plugmig/plugmig/engine/plan"
	"github.com/plugmig/plugmig/engine/plugin"
	"github.com/plugmig/plugmig/internal/testdb"
)

// fixture is a small application whose schema a test changes between
// diffs: core has "core__entries"; plugin "rate" has "rate__ratings"
// referencing it.
type fixture struct {
	root          string
	reg           *plugin.Registry
	entries, rate *entschema.Table
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{root: t.TempDir(), reg: &plugin.Registry{}}
	require.NoError(t, f.reg.Add(plugin.Plugin{Name: "rate", Dir: "plugins/rate"}))
	for _, d := range compose.Dialects {
		require.NoError(t, os.MkdirAll(filepath.Join(f.root, "migrations", d), 0o755))
		require.NoError(t, os.MkdirAll(filepath.Join(f.root, "plugins/rate/migrations", d), 0o755))
	}
	id := &entschema.Column{Name: "id", Type: field.TypeInt, Increment: true}
	f.entries = &entschema.Table{
		Name:       "core__entries",
		Columns:    []*entschema.Column{id, {Name: "title", Type: field.TypeString, Size: 255}},
		PrimaryKey: []*entschema.Column{id},
	}
	rid := &entschema.Column{Name: "id", Type: field.TypeInt, Increment: true}
	entry := &entschema.Column{Name: "entry", Type: field.TypeInt, Unique: true}
	f.rate = &entschema.Table{
		Name:       "rate__ratings",
		Columns:    []*entschema.Column{rid, {Name: "score", Type: field.TypeInt}, entry},
		PrimaryKey: []*entschema.Column{rid},
		ForeignKeys: []*entschema.ForeignKey{{
			Columns: []*entschema.Column{entry}, RefTable: f.entries, RefColumns: []*entschema.Column{id},
		}},
	}
	return f
}

func (f *fixture) project(t *testing.T) *plan.Project {
	t.Helper()
	comp, err := compose.New([]*entschema.Table{f.entries, f.rate},
		map[string]string{f.entries.Name: plugin.Core, f.rate.Name: "rate"}, f.reg)
	require.NoError(t, err)
	return &plan.Project{Root: f.root, Composer: comp}
}

// diff computes and writes one branch's migration for one dialect and
// returns the statements written (nil when in sync).
func (f *fixture) diff(t *testing.T, dev *devdb.DB, branch, name string) []string {
	t.Helper()
	p := f.project(t)
	pd, err := p.Pending(context.Background(), dev, branch)
	require.NoError(t, err)
	if pd.InSync() {
		return nil
	}
	v, err := p.NextVersion(branch, []string{dev.Dialect}, time.Now())
	require.NoError(t, err)
	files, err := p.Write([]*plan.Pending{pd}, v, name)
	require.NoError(t, err)
	require.Len(t, files, 1)
	var stmts []string
	for _, c := range pd.Plan.Changes {
		stmts = append(stmts, c.Cmd)
	}
	return stmts
}

func TestDiffBranchHistory(t *testing.T) {
	for _, d := range compose.Dialects {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			dev := testdb.Dev(t, d)
			f := newFixture(t)

			core := f.diff(t, dev, plugin.Core, "initial")
			require.Len(t, core, 1, "core's first migration creates its one table: %q", core)
			require.Contains(t, core[0], "core__entries")

			rate := f.diff(t, dev, "rate", "initial")
			require.NotEmpty(t, rate)
			for _, s := range rate {
				require.Contains(t, s, "rate__ratings", "a plugin's first migration holds only its own tables")
				require.NotRegexp(t, `(?i)(CREATE|ALTER) TABLE [`+"`"+`"]?core__`, s)
			}
			require.Nil(t, f.diff(t, dev, "rate", "again"), "no change, nothing to write")

			// A new field yields one ALTER in the plugin's folder.
			f.rate.Columns = append(f.rate.Columns, &entschema.Column{Name: "comment", Type: field.TypeString, Size: 255, Nullable: true})
			alter := f.diff(t, dev, "rate", "add_comment")
			require.Len(t, alter, 1, "%q", alter)
			require.Regexp(t, `(?i)^ALTER TABLE .rate__ratings. ADD (COLUMN )?.comment.`, alter[0])

			// A pending core change makes the plugin's diff refuse.
			f.entries.Columns = append(f.entries.Columns, &entschema.Column{Name: "caption", Type: field.TypeString, Size: 255, Nullable: true})
			_, err := f.project(t).Pending(ctx, dev, "rate")
			require.ErrorIs(t, err, plan.ErrNotOwned)
			require.ErrorContains(t, err, `alter table (add column "caption") "core__entries", owned by core`)
			require.ErrorContains(t, err, "go run ./cmd diff --branch core")
			require.Len(t, f.diff(t, dev, plugin.Core, "add_caption"), 1)
			require.Nil(t, f.diff(t, dev, "rate", "after_core"), "the plugin is in sync once core's migration exists")

			// The whole history replays to the composed schema.
			for _, b := range []string{plugin.Core, "rate"} {
				pd, err := f.project(t).Pending(ctx, dev, b)
				require.NoError(t, err)
				require.True(t, pd.InSync(), "%s: %s", b, pd.Summary())
			}
			rateFiles, _ := filepath.Glob(filepath.Join(f.root, "plugins/rate/migrations", d, "*.sql"))
			require.Len(t, rateFiles, 2)
			coreFiles, _ := filepath.Glob(filepath.Join(f.root, "migrations", d, "*.sql"))
			require.Len(t, coreFiles, 2)
		})
	}
}

func TestDiffRefusesEditedFile(t *testing.T) {
	dev := testdb.Dev(t, compose.SQLite)
	f := newFixture(t)
	f.diff(t, dev, plugin.Core, "initial")
	files, _ := filepath.Glob(filepath.Join(f.root, "migrations/sqlite/*.sql"))
	require.Len(t, files, 1)
	fh, err := os.OpenFile(files[0], os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	fh.WriteString("CREATE TABLE core__extra (id integer);\n")
	fh.Close()
	_, err = f.project(t).Pending(context.Background(), dev, "rate")
	require.ErrorContains(t, err, "migrations/sqlite: atlas.sum does not match the files")
	require.ErrorContains(t, err, "go run ./cmd hash")
}

func TestCoreHistoryMustNotHoldPluginTables(t *testing.T) {
	dev := testdb.Dev(t, compose.SQLite)
	f := newFixture(t)
	f.diff(t, dev, plugin.Core, "initial")
	p := f.project(t)
	dir := filepath.Join(f.root, "migrations/sqlite")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "29990101000000_sneak.sql"), []byte("CREATE TABLE rate__sneaky (id integer);\n"), 0o644))
	writeSum(t, dir)
	_, err := p.Pending(context.Background(), dev, plugin.Core)
	require.ErrorIs(t, err, plan.ErrNotOwned)
	require.ErrorContains(t, err, `drop table "rate__sneaky", owned by plugin "rate": core's history must not hold plugin tables`)
}

func TestNextVersion(t *testing.T) {
	f := newFixture(t)
	p := f.project(t)
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	v, err := p.NextVersion("rate", compose.Dialects, now)
	require.NoError(t, err)
	require.Equal(t, "20261123100000", v)
	dir := filepath.Join(f.root, "plugins/rate/migrations/postgres")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "20261123100005_x.sql"), []byte("SELECT 1;\n"), 0o644))
	writeSum(t, dir)
	v, err = p.NextVersion("rate", compose.Dialects, now)
	require.NoError(t, err)
	require.Equal(t, "20261123100006", v, "a version after the newest of any dialect folder")
}

func TestCheckName(t *testing.T) {
	require.NoError(t, plan.CheckName("add_caption2"))
	for _, bad := range []string{"", "Add caption", "add-caption", "_x", "x.sql"} {
		require.Error(t, plan.CheckName(bad), bad)
	}
	require.False(t, strings.Contains(plan.CheckName("a b").Error(), "%!"))
}
