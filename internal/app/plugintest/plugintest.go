// Package plugintest is the conformance suite every plugin of this
// application runs from its own test:
//
//	func TestConformance(t *testing.T) { plugintest.Conformance(t, "archivalook") }
//
// It checks the plugin's name, that every table, index and foreign key it
// owns carries its prefix, that it touches no table it does not own, and that
// its branch composes into DDL that a real SQLite database accepts, and that
// its migration folders are intact (atlas.sum) and replay, on top of core's,
// to exactly its composed schema, for every dialect (PostgreSQL and MySQL on
// the local servers).
package plugintest

import (
	"context"
	"strings"
	"testing"

	"github.com/plugmig/plugmig/engine/compose"
	"github.com/plugmig/plugmig/engine/plan"
	"github.com/plugmig/plugmig/engine/plugin"
	"github.com/plugmig/plugmig/internal/app"
	"github.com/plugmig/plugmig/internal/testdb"
)

// Conformance runs the suite for the named plugin.
func Conformance(t *testing.T, name string) {
	t.Helper()
	ctx := context.Background()
	if err := plugin.ValidateName(name); err != nil {
		t.Fatal(err)
	}
	comp, err := app.Composer()
	if err != nil {
		t.Fatalf("compose the application: %v", err)
	}
	p, err := comp.Plugins().Get(name)
	if err != nil {
		t.Fatal(err)
	}
	if p.Migrations == nil || p.Dir == "" {
		t.Errorf("plugin %q registers no Dir or Migrations: set both (Dir: %q)", name, "plugins/"+name)
	}
	owned := comp.Tables(name)
	b, err := comp.Branch(name)
	if err != nil {
		t.Fatalf("compose branch %q: %v", name, err)
	}
	prefix := plugin.Prefix(name)
	for _, d := range compose.Dialects {
		t.Run(d, func(t *testing.T) {
			s, err := comp.Schema(ctx, b, d)
			if err != nil {
				t.Fatalf("compose %s: %v", d, err)
			}
			for _, table := range owned {
				at, ok := s.Table(table)
				if !ok {
					t.Fatalf("table %q missing from the composed %s schema", table, d)
				}
				// Its prefix, or a legacy name it claims (LegacyNames).
				ownsName := func(n string) bool { return strings.HasPrefix(n, prefix) || comp.Plugins().Claimant(n) == name }
				if !ownsName(at.Name) {
					t.Errorf("table %q is not prefixed %q nor claimed in LegacyNames", at.Name, prefix)
				}
				for _, idx := range at.Indexes {
					if !ownsName(idx.Name) {
						t.Errorf("index %q on %q is not prefixed %q nor claimed in LegacyNames", idx.Name, at.Name, prefix)
					}
				}
				for _, fk := range at.ForeignKeys {
					if !ownsName(fk.Symbol) {
						t.Errorf("foreign key %q on %q is not prefixed %q nor claimed in LegacyNames", fk.Symbol, at.Name, prefix)
					}
				}
			}
			for _, at := range s.Tables {
				if comp.Owner(at.Name) == name {
					continue
				}
				for _, fk := range at.ForeignKeys {
					if comp.Owner(fk.RefTable.Name) == name {
						t.Errorf("table %q (owner %s) has foreign key %q into plugin %q: a plugin must not add columns to tables it does not own", at.Name, comp.Owner(at.Name), fk.Symbol, name)
					}
				}
			}
			stmts, err := compose.DDL(ctx, d, s)
			if err != nil {
				t.Fatal(err)
			}
			t.Run("migrations replay to the schema", func(t *testing.T) {
				proj := &plan.Project{Root: testdb.Root(t), Composer: comp}
				pd, err := proj.Pending(ctx, testdb.Dev(t, d), name)
				if err != nil {
					t.Fatal(err)
				}
				if !pd.InSync() {
					t.Errorf("%s lacks: %s: run go run ./cmd diff --branch %s --name <description>", pd.Dir, pd.Summary(), name)
				}
			})
			if d == compose.SQLite {
				db := testdb.SQLite(t)
				for _, st := range stmts {
					if _, err := db.DB.ExecContext(ctx, st); err != nil {
						t.Fatalf("SQLite refused %q: %v", st, err)
					}
				}
			}
		})
	}
}
