package app_test

import (
	"io/fs"
	"path"
	"slices"
	"strings"
	"testing"

	entschema "entgo.io/ent/dialect/sql/schema"
	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/plugin"
	"github.com/plugmig/plugmig/internal/app"
)

// Tests that expect something of every branch derive the branches from
// what is registered, never from the example plugins' names: a project
// that adds, renames or removes a plugin keeps go test ./... green. Tests
// that use an example plugin as a fixture name it, and only it.

// registered returns every registered plugin's name, enabled by default or
// not, in apply order.
func registered(t testing.TB) []string {
	t.Helper()
	comp, err := app.Composer()
	require.NoError(t, err)
	ps, err := comp.Plugins().Order()
	require.NoError(t, err)
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = p.Name
	}
	return names
}

// defaultPlugins returns the plugins enabled by default — every registered
// one but those DisabledByDefault: what apply runs when no plugins are
// named — in apply order (the order of plugin.Registry.Order: dependencies
// first, then by name).
func defaultPlugins(t testing.TB) []string {
	t.Helper()
	comp, err := app.Composer()
	require.NoError(t, err)
	ps, err := comp.Plugins().Order(comp.Plugins().DefaultEnabled()...)
	require.NoError(t, err)
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = p.Name
	}
	return names
}

// everyBranch returns a value for core and every plugin enabled by default: set's
// where set names the branch, rest(branch) for the others.
func everyBranch(t testing.TB, set map[string]int, rest func(branch string) int) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, b := range append([]string{plugin.Core}, defaultPlugins(t)...) {
		if v, ok := set[b]; ok {
			out[b] = v
			continue
		}
		out[b] = rest(b)
	}
	return out
}

// nothing is everyBranch's rest for a run that applies nothing more.
func nothing(string) int { return 0 }

// shipped returns everyBranch's rest for a fresh database of the dialect:
// the number of migration files each branch ships.
func shipped(t testing.TB, dialect string) func(branch string) int {
	return func(branch string) int {
		t.Helper()
		src, ok := app.Sources()[branch]
		require.True(t, ok, "branch %q has migrations", branch)
		entries, err := fs.ReadDir(src, dialect)
		require.NoError(t, err)
		n := 0
		for _, e := range entries {
			if !e.IsDir() && path.Ext(e.Name()) == ".sql" {
				n++
			}
		}
		return n
	}
}

// withFiles returns the plugins enabled by default that ship migration files for
// the dialect, quoted and comma-separated as apply's messages list them.
func withFiles(t testing.TB, dialect string) string {
	t.Helper()
	var q []string
	for _, p := range defaultPlugins(t) {
		if shipped(t, dialect)(p) > 0 {
			q = append(q, `"`+p+`"`)
		}
	}
	return strings.Join(q, ", ")
}

// referencing returns the registered plugins (by name, comma-separated)
// whose own tables have a foreign key to the core table, from their
// composed schemas.
func referencing(t testing.TB, table string) string {
	t.Helper()
	comp, err := app.Composer()
	require.NoError(t, err)
	var out []string
	for _, p := range comp.Plugins().Names() {
		b, err := comp.Branch(p)
		require.NoError(t, err)
		if slices.ContainsFunc(b.Tables, func(tb *entschema.Table) bool {
			return comp.Owner(tb.Name) == p && slices.ContainsFunc(tb.ForeignKeys, func(fk *entschema.ForeignKey) bool { return fk.RefTable.Name == table })
		}) {
			out = append(out, p)
		}
	}
	return strings.Join(out, ", ")
}
