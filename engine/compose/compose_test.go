package compose_test

import (
	"context"
	"strings"
	"testing"

	entschema "entgo.io/ent/dialect/sql/schema"
	"entgo.io/ent/schema/field"
	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/compose"
	"github.com/plugmig/plugmig/engine/plugin"
)

// fixture is a tiny application: core has "core__entries", plugin "rate"
// has "rate__ratings" referencing it, plugin "extra" depends on nothing.
func fixture() (core, rating *entschema.Table, reg *plugin.Registry) {
	id := func() *entschema.Column { return &entschema.Column{Name: "id", Type: field.TypeInt, Increment: true} }
	coreID := id()
	core = &entschema.Table{Name: "core__entries", Columns: []*entschema.Column{coreID}, PrimaryKey: []*entschema.Column{coreID}}
	rid := id()
	entry := &entschema.Column{Name: "entry", Type: field.TypeInt, Unique: true}
	rating = &entschema.Table{
		Name:       "rate__ratings",
		Columns:    []*entschema.Column{rid, entry},
		PrimaryKey: []*entschema.Column{rid},
		ForeignKeys: []*entschema.ForeignKey{{
			Symbol: "whatever", Columns: []*entschema.Column{entry}, RefTable: core, RefColumns: []*entschema.Column{coreID},
		}},
	}
	reg = &plugin.Registry{}
	reg.Add(plugin.Plugin{Name: "rate"})
	reg.Add(plugin.Plugin{Name: "extra"})
	return core, rating, reg
}

func TestComposeBranches(t *testing.T) {
	core, rating, reg := fixture()
	c, err := compose.New([]*entschema.Table{core, rating}, map[string]string{core.Name: "core", rating.Name: "rate"}, reg)
	require.NoError(t, err)

	b, err := c.Branch("core")
	require.NoError(t, err)
	require.Len(t, b.Tables, 1, "core alone")

	b, err = c.Branch("rate")
	require.NoError(t, err)
	require.Equal(t, []string{"core", "rate"}, b.Owners)
	for _, d := range compose.Dialects {
		s, err := c.Schema(context.Background(), b, d)
		require.NoError(t, err)
		tbl, ok := s.Table("rate__ratings")
		require.True(t, ok)
		require.Equal(t, "rate__ratings_entry_fkey", tbl.ForeignKeys[0].Symbol, "FK names are normalized with the table's prefix")
		for _, idx := range tbl.Indexes {
			require.True(t, strings.HasPrefix(idx.Name, "rate__"), "%s: index %q carries the prefix", d, idx.Name)
		}
		ddl, err := compose.DDL(context.Background(), d, s)
		require.NoError(t, err)
		all := strings.Join(ddl, "\n")
		require.Contains(t, all, "rate__ratings_entry_key", "%s: the unique column's index is named after its table", d)
		require.Less(t, strings.Index(all, "core__entries"), strings.Index(all, "rate__ratings"), "referenced table first")
	}

	_, err = c.Branch("nope")
	require.ErrorIs(t, err, plugin.ErrUnknown)
}

func TestComposeRefuses(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(core, rating *entschema.Table, owners map[string]string, reg *plugin.Registry)
		want   string
	}{
		{
			name: "unprefixed plugin table",
			mutate: func(_, rating *entschema.Table, owners map[string]string, _ *plugin.Registry) {
				delete(owners, rating.Name)
				rating.Name = "ratings"
				owners[rating.Name] = "rate"
			},
			want: `table "ratings" of plugin "rate" is not named rate__...: set entsql.Annotation{Table: "rate__ratings"} in its schema`,
		},
		{
			name: "plugin column in a core table",
			mutate: func(core, rating *entschema.Table, _ map[string]string, _ *plugin.Registry) {
				col := &entschema.Column{Name: "rate_ratings", Type: field.TypeInt, Nullable: true}
				core.Columns = append(core.Columns, col)
				core.ForeignKeys = append(core.ForeignKeys, &entschema.ForeignKey{Symbol: "x", Columns: []*entschema.Column{col}, RefTable: rating, RefColumns: rating.PrimaryKey})
			},
			want: `core table "core__entries" has column "rate_ratings" referencing "rate__ratings" of plugin "rate"`,
		},
		{
			name: "reference to a plugin it does not depend on",
			mutate: func(core, rating *entschema.Table, owners map[string]string, _ *plugin.Registry) {
				rating.ForeignKeys[0].RefTable = &entschema.Table{Name: "extra__things"}
				owners["extra__things"] = "extra"
			},
			want: `table "rate__ratings" of plugin "rate" references "extra__things" of plugin "extra", which "rate" does not depend on: add "extra" to its DependsOn`,
		},
		{
			name: "unregistered plugin",
			mutate: func(_, rating *entschema.Table, owners map[string]string, _ *plugin.Registry) {
				owners[rating.Name] = "ghost"
			},
			want: `table "rate__ratings" belongs to plugin "ghost": unknown plugin "ghost" (registered: extra, rate): forgotten import of its package?`,
		},
		{
			// issue 20, item 1: a name has one owner.
			name: "core table claimed by a plugin",
			mutate: func(_, _ *entschema.Table, _ map[string]string, reg *plugin.Registry) {
				require.NoError(t, reg.Add(plugin.Plugin{Name: "grab", LegacyNames: []string{"core__entries"}}))
			},
			want: `table "core__entries" is declared by core but plugin "grab" claims the name in its LegacyNames`,
		},
		{
			// Found by an attacker: PostgreSQL names core's primary key
			// core__entries_pkey; a plugin claiming it could squat it.
			name: "claim of a name derived from core's table",
			mutate: func(_, _ *entschema.Table, _ map[string]string, reg *plugin.Registry) {
				require.NoError(t, reg.Add(plugin.Plugin{Name: "grab", LegacyNames: []string{"core__entries_pkey"}}))
			},
			want: `"core__entries_pkey", a name table "core__entries" (core) gives its key, a sequence, a foreign key or an index, is claimed by plugin "grab"`,
		},
		{
			name: "claim under another plugin's prefix",
			mutate: func(_, _ *entschema.Table, _ map[string]string, reg *plugin.Registry) {
				require.NoError(t, reg.Add(plugin.Plugin{Name: "grab", LegacyNames: []string{"rate__extra"}}))
			},
			want: `plugin "grab" claims "rate__extra" in its LegacyNames, a name with plugin "rate"'s prefix`,
		},
		{
			name: "table without owner",
			mutate: func(_, rating *entschema.Table, owners map[string]string, _ *plugin.Registry) {
				delete(owners, rating.Name)
			},
			want: `table "rate__ratings" has no owner in the generated owner map: run go generate ./...`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			core, rating, reg := fixture()
			owners := map[string]string{core.Name: "core", rating.Name: "rate"}
			tc.mutate(core, rating, owners, reg)
			_, err := compose.New([]*entschema.Table{core, rating}, owners, reg)
			require.Error(t, err)
			require.Contains(t, err.Error(), tc.want)
		})
	}
}

// legacyFixture is fixture with the plugin's table under a name without a
// prefix, ratings_v1, and an index named as databases have it.
func legacyFixture() (core, rating *entschema.Table, reg *plugin.Registry) {
	core, rating, reg = fixture()
	rating.Name = "ratings_v1"
	value := &entschema.Column{Name: "value", Type: field.TypeInt}
	rating.Columns = append(rating.Columns, value)
	rating.Indexes = []*entschema.Index{{Name: "ix_ratings_v1_value", Columns: []*entschema.Column{value}}}
	return core, rating, reg
}

// TestComposeLegacyNames: a plugin table named as databases already have
// it composes once the plugin claims, by exact name, the table and every
// name its key, sequence, foreign key and index get (composition lists
// those missing); the explicit index name is kept.
func TestComposeLegacyNames(t *testing.T) {
	core, rating, reg := legacyFixture()
	reg.Add(plugin.Plugin{Name: "partial", LegacyNames: []string{"ratings_v1", "ix_ratings_v1_value"}})
	_, err := compose.New([]*entschema.Table{core, rating}, map[string]string{core.Name: "core", rating.Name: "partial"}, reg)
	require.ErrorContains(t, err, `plugin "partial"'s table "ratings_v1" gives its key, indexes, foreign keys or sequences names outside the plugin's prefix (names are exact, never derived from a claim): add them to the plugin's LegacyNames: "ratings_v1_pkey", "ratings_v1_id_seq", "ratings_v1_entry_fkey", "ratings_v1_entry_key"`)

	core, rating, reg = legacyFixture()
	require.NoError(t, reg.Add(plugin.Plugin{Name: "old", LegacyNames: []string{"ratings_v1", "ratings_v1_pkey", "ratings_v1_id_seq", "ratings_v1_entry_fkey", "ratings_v1_entry_key", "ix_ratings_v1_value"}}))
	c, err := compose.New([]*entschema.Table{core, rating}, map[string]string{core.Name: "core", rating.Name: "old"}, reg)
	require.NoError(t, err)
	b, err := c.Branch("old")
	require.NoError(t, err)
	for _, d := range compose.Dialects {
		s, err := c.Schema(context.Background(), b, d)
		require.NoError(t, err)
		tbl, ok := s.Table("ratings_v1")
		require.True(t, ok)
		require.Equal(t, "ratings_v1_entry_fkey", tbl.ForeignKeys[0].Symbol)
		var names []string
		for _, idx := range tbl.Indexes {
			names = append(names, idx.Name)
		}
		require.Contains(t, names, "ix_ratings_v1_value", "%s: the claimed index name is kept", d)
	}
}

// TestComposeLegacyNamesHintNamesStorageKey: an index named in its schema
// (StorageKey) whose name the plugin has not claimed is listed under that
// name, the one to claim, not the <table>_<columns>_idx name it gets while
// unclaimed, which databases do not have.
func TestComposeLegacyNamesHintNamesStorageKey(t *testing.T) {
	core, rating, reg := legacyFixture()
	require.NoError(t, reg.Add(plugin.Plugin{Name: "old", LegacyNames: []string{"ratings_v1", "ratings_v1_pkey", "ratings_v1_id_seq", "ratings_v1_entry_fkey", "ratings_v1_entry_key"}}))
	_, err := compose.New([]*entschema.Table{core, rating}, map[string]string{core.Name: "core", rating.Name: "old"}, reg)
	require.ErrorContains(t, err, `add them to the plugin's LegacyNames: "ix_ratings_v1_value"`)
	require.NotContains(t, err.Error(), "ratings_v1_value_idx")
}

func TestIdentifier(t *testing.T) {
	short := "p__t_col_fkey"
	require.Equal(t, short, compose.Identifier(short))
	long := "plugin_with_a_long_name__and_a_table_with_a_long_name_too_column_fkey"
	got := compose.Identifier(long)
	require.Len(t, got, 63)
	require.True(t, strings.HasPrefix(got, "plugin_with_a_long_name__"), got)
	require.NotEqual(t, got, compose.Identifier(long+"2"), "different names stay different")
}
