package plugin_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/plugin"
)

func TestValidateName(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"archivalook", true},
		{"media2", true},
		{"a_b", true},
		{strings.Repeat("a", 30), true},
		{strings.Repeat("a", 31), false},
		{"", false},
		{"core", false},
		{"Archivalook", false},
		{"2fa", false},
		{"_x", false},
		{"bad-name", false},
		{"two__parts", false},
		{"trailing_", false},
		{"ünï", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := plugin.ValidateName(tc.name)
			if tc.ok {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, plugin.ErrInvalidName)
			require.Contains(t, err.Error(), "a plugin name starts with a lowercase letter", "the error states the rule")
		})
	}
}

func TestRegistry(t *testing.T) {
	var r plugin.Registry
	require.NoError(t, r.Add(plugin.Plugin{Name: "b", DependsOn: []string{"a"}}))
	require.NoError(t, r.Add(plugin.Plugin{Name: "a"}))
	require.NoError(t, r.Add(plugin.Plugin{Name: "c", DependsOn: []string{"b"}}))

	err := r.Add(plugin.Plugin{Name: "a"})
	require.ErrorContains(t, err, `plugin "a" registered twice`)
	require.ErrorIs(t, r.Add(plugin.Plugin{Name: "core"}), plugin.ErrInvalidName)
	require.ErrorContains(t, r.Add(plugin.Plugin{Name: "self", DependsOn: []string{"self"}}), "depends on itself")

	ps, err := r.Order()
	require.NoError(t, err)
	require.Equal(t, []string{"a", "b", "c"}, names(ps))
	deps, err := r.Closure("c")
	require.NoError(t, err)
	require.Equal(t, []string{"a", "b", "c"}, deps)

	_, err = r.Get("nope")
	require.ErrorIs(t, err, plugin.ErrUnknown)
	require.ErrorContains(t, err, "forgotten import")
}

func TestRegistryUnknownDependency(t *testing.T) {
	var r plugin.Registry
	require.NoError(t, r.Add(plugin.Plugin{Name: "gallery", DependsOn: []string{"image"}}))
	_, err := r.Order()
	require.ErrorIs(t, err, plugin.ErrUnknown)
	require.ErrorContains(t, err, `plugin "gallery" depends on unknown plugin "image"`)
}

func TestRegistryCycle(t *testing.T) {
	var r plugin.Registry
	require.NoError(t, r.Add(plugin.Plugin{Name: "a", DependsOn: []string{"b"}}))
	require.NoError(t, r.Add(plugin.Plugin{Name: "b", DependsOn: []string{"c"}}))
	require.NoError(t, r.Add(plugin.Plugin{Name: "c", DependsOn: []string{"a"}}))
	_, err := r.Order()
	require.Error(t, err)
	require.Contains(t, err.Error(), "dependency cycle between plugins: a -> b -> c -> a")
	require.False(t, errors.Is(err, plugin.ErrUnknown))
}

func names(ps []plugin.Plugin) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Name
	}
	return out
}

func TestSeedsOfCoreAndPlugins(t *testing.T) {
	var r plugin.Registry
	require.NoError(t, r.Add(plugin.Plugin{Name: "feat", Seeds: []plugin.Seed{{Table: "core__privileges", Values: map[string]any{"privilege_name": "featurer"}}}}))
	r.AddCoreSeeds(plugin.Seed{Table: "core__privileges", Values: map[string]any{"privilege_name": "admin"}})
	core, err := r.Seeds(plugin.Core)
	require.NoError(t, err)
	require.Equal(t, "admin", core[0].Values["privilege_name"])
	feat, err := r.Seeds("feat")
	require.NoError(t, err)
	require.Equal(t, "featurer", feat[0].Values["privilege_name"])
	_, err = r.Seeds("nosuch")
	require.ErrorIs(t, err, plugin.ErrUnknown)
}

func TestLegacyNames(t *testing.T) {
	var r plugin.Registry
	require.NoError(t, r.Add(plugin.Plugin{Name: "blog", Dir: "plugins/blog", LegacyNames: []string{"mediatype__blogs", "ix_mediatype__blogs_author"}}))
	require.NoError(t, r.Add(plugin.Plugin{Name: "subtitles", Dir: "plugins/subtitles", LegacyNames: []string{"core__subtitle_files"}}))

	for name, want := range map[string]string{
		"mediatype__blogs":             "blog",
		"ix_mediatype__blogs_author":   "blog",
		"mediatype__blogs_pkey":        "", // exact names only: nothing is derived from a claim
		"mediatype__blogs_author_fkey": "",
		"ix_mediatype__blogs_created":  "", // not claimed
		"blog__notes":                  "blog",
		"core__subtitle_files":         "subtitles", // a claim beats core's prefix
		"core__subtitle_files_pkey":    "core",      // not claimed: its prefix decides
		"core__users":                  "core",
		"unknown__x":                   "",
	} {
		require.Equal(t, want, r.OwnerByName(name), name)
	}
	require.Equal(t, []string{"ix_mediatype__blogs_author", "mediatype__blogs"}, r.LegacyNames("blog"))

	// Found by an attacker: had a claim brought every name that starts
	// with it and ends like a key or a sequence, claiming "image" would
	// give a plugin image__counter_seq of the plugin image.
	require.NoError(t, r.Add(plugin.Plugin{Name: "image", Dir: "plugins/image"}))
	require.NoError(t, r.Add(plugin.Plugin{Name: "grab", Dir: "plugins/grab", LegacyNames: []string{"image"}}))
	require.Equal(t, "image", r.OwnerByName("image__counter_seq"))
	require.Equal(t, "image", r.OwnerByName("image__x_pkey"))

	// A second claim is refused, naming both plugins.
	err := r.Add(plugin.Plugin{Name: "other", Dir: "plugins/other", LegacyNames: []string{"mediatype__blogs"}})
	require.ErrorContains(t, err, `plugins "blog" and "other" both claim the legacy name "mediatype__blogs"`)
	require.NotContains(t, r.Names(), "other", "a refused registration registers nothing")

	for _, tc := range []struct {
		names []string
		want  string
	}{
		{[]string{"Mediatype__Blogs"}, "exact lowercase name"},
		{[]string{"ix-blogs"}, "exact lowercase name"},
		{[]string{strings.Repeat("a", 64)}, "at most 63 bytes"},
		{[]string{"journal__x"}, "has the plugin's own prefix"},
		{[]string{"plugmig_history"}, "belongs to the tool or the database"},
		{[]string{"sqlite_sequence"}, "belongs to the tool or the database"},
		{[]string{"new_journal_x"}, "belongs to the tool or the database"},
		{[]string{"a__b", "a__b"}, "listed twice"},
	} {
		err := r.Add(plugin.Plugin{Name: "journal", Dir: "plugins/journal", LegacyNames: tc.names})
		require.ErrorContains(t, err, tc.want, tc.names)
	}
}

// TestDefaultEnabled: a plugin registered DisabledByDefault is registered
// (Names, Get) but left out of the default enabled set, and listed by
// OffByDefault.
func TestDefaultEnabled(t *testing.T) {
	var r plugin.Registry
	for _, p := range []plugin.Plugin{
		{Name: "video", Dir: "plugins/video"},
		{Name: "persona", Dir: "plugins/persona", DisabledByDefault: true},
		{Name: "audio", Dir: "plugins/audio"},
	} {
		if err := r.Add(p); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := strings.Join(r.Names(), ","), "audio,persona,video"; got != want {
		t.Errorf("Names() = %s, want %s", got, want)
	}
	if got, want := strings.Join(r.DefaultEnabled(), ","), "audio,video"; got != want {
		t.Errorf("DefaultEnabled() = %s, want %s", got, want)
	}
	if got, want := strings.Join(r.OffByDefault(), ","), "persona"; got != want {
		t.Errorf("OffByDefault() = %s, want %s", got, want)
	}
	if _, err := r.Get("persona"); err != nil {
		t.Errorf("Get(persona): %v", err)
	}
}
