package main

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/plugin"
	"github.com/plugmig/plugmig/internal/app"
)

// Tests that expect something of every branch derive it from what is
// registered, never from the example plugins' names, so a project that adds,
// renames or removes a plugin keeps go test ./... green.

// shipped returns the migration files that core and every plugin enabled by
// default ship for the dialect (what a fresh apply without --plugins runs):
// how many, and their distinct names.
func shipped(t testing.TB, dialect string) (n int, names []string) {
	t.Helper()
	seen := map[string]bool{}
	for branch, src := range app.Sources() {
		if p, err := plugin.Default().Get(branch); err == nil && p.DisabledByDefault {
			continue
		}
		entries, err := fs.ReadDir(src, dialect)
		require.NoError(t, err, "branch %s", branch)
		for _, e := range entries {
			if !e.IsDir() && path.Ext(e.Name()) == ".sql" {
				n++
				seen[e.Name()] = true
			}
		}
	}
	for name := range seen {
		names = append(names, name)
	}
	sort.Strings(names)
	return n, names
}

// countShipped counts the mentions of shipped files in out.
func countShipped(t testing.TB, dialect, out string) int {
	t.Helper()
	_, names := shipped(t, dialect)
	n := 0
	for _, name := range names {
		n += strings.Count(out, name)
	}
	return n
}

// firstPlugin returns the first plugin enabled by default in apply order.
func firstPlugin(t testing.TB) string {
	t.Helper()
	ps, err := plugin.Default().Order(plugin.Default().DefaultEnabled()...)
	require.NoError(t, err)
	require.NotEmpty(t, ps, "a plugin enabled by default")
	return ps[0].Name
}

// setBranchEnv gives a script the registered plugins, so that it states
// what every branch does without naming the example plugins:
//
//	$PLUGINS           the plugins: how many
//	$BRANCHES          core and the plugins: how many
//	$BRANCHES_PLUS_ONE one more (after a script adds a plugin)
//	$REGISTERED        the plugins by name, "a, b, c" (as messages list them)
//	$REGISTERED_WORDS  the same, "a b c"
//	$PLUGIN_LIST       the same, "a,b,c" (a --plugins value)
//	$PLUGIN_LIST_BUT_IMAGE the plugins enabled by default but image
//	$PLUGIN_RESULTS    a regexp of the plugins' part of a fresh SQLite
//	                   apply's summary (the plugins enabled by default):
//	                   "a - -> \d{14} \(1\), b - -> ..."
//	$DEFAULT_LIST      the plugins enabled by default, "a,b" (a --plugins value)
//	$OFF               the first plugin that is off by default, or "" (the
//	                   condition [offbydefault] says whether there is one)
func setBranchEnv(t testing.TB, env interface{ Setenv(k, v string) }) {
	t.Helper()
	ps, err := plugin.Default().Order()
	require.NoError(t, err)
	var names, results []string
	for _, p := range ps {
		names = append(names, p.Name)
		if p.DisabledByDefault {
			continue // not in a fresh apply's summary
		}
		n := 0
		entries, err := fs.ReadDir(p.Migrations, "sqlite")
		require.NoError(t, err, "plugin %s", p.Name)
		for _, e := range entries {
			if !e.IsDir() && path.Ext(e.Name()) == ".sql" {
				n++
			}
		}
		results = append(results, fmt.Sprintf(`%s - -> \d{14} \(%d\)`, p.Name, n))
	}
	env.Setenv("PLUGINS", strconv.Itoa(len(ps)))
	env.Setenv("BRANCHES", strconv.Itoa(1+len(ps)))
	env.Setenv("BRANCHES_PLUS_ONE", strconv.Itoa(2+len(ps)))
	env.Setenv("REGISTERED", strings.Join(names, ", "))
	env.Setenv("REGISTERED_WORDS", strings.Join(names, " "))
	env.Setenv("PLUGIN_LIST", strings.Join(names, ","))
	// The plugins but image (the scripts' fixture), as a refusal to remove
	// image while enabled lists them.
	env.Setenv("PLUGIN_LIST_BUT_IMAGE", strings.Join(slices.DeleteFunc(plugin.Default().DefaultEnabled(), func(n string) bool { return n == "image" }), ","))
	env.Setenv("PLUGIN_RESULTS", strings.Join(results, ", "))
	env.Setenv("DEFAULT_LIST", strings.Join(plugin.Default().DefaultEnabled(), ","))
	off := ""
	if o := plugin.Default().OffByDefault(); len(o) > 0 {
		off = o[0]
	}
	env.Setenv("OFF", off)
}
