package compose_test

import (
	"context"
	"strings"
	"testing"

	"ariga.io/atlas/sql/schema"
	entschema "entgo.io/ent/dialect/sql/schema"
	"entgo.io/ent/schema/field"
	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/compose"
)

// TestEnumChecks: an enum column gets a CHECK constraint on its values named
// "<table>_<column>_check" on SQLite and PostgreSQL, none on MySQL (its
// column type is the enum); a long name is cut to 63 bytes and keeps the
// plugin's prefix.
func TestEnumChecks(t *testing.T) {
	core, rating, reg := fixture()
	rating.Columns = append(rating.Columns,
		&entschema.Column{Name: "stars", Type: field.TypeEnum, Enums: []string{"one", "two", "o'three"}},
		&entschema.Column{Name: strings.Repeat("x", 60), Type: field.TypeEnum, Enums: []string{"a"}})
	c, err := compose.New([]*entschema.Table{core, rating}, map[string]string{core.Name: "core", rating.Name: "rate"}, reg)
	require.NoError(t, err)
	b, err := c.Branch("rate")
	require.NoError(t, err)
	for _, d := range compose.Dialects {
		s, err := c.Schema(context.Background(), b, d)
		require.NoError(t, err)
		tbl, _ := s.Table("rate__ratings")
		var checks []*schema.Check
		for _, a := range tbl.Attrs {
			if ck, ok := a.(*schema.Check); ok {
				checks = append(checks, ck)
			}
		}
		if d == compose.MySQL {
			require.Empty(t, checks, "MySQL's ENUM column enforces the values")
			continue
		}
		require.Len(t, checks, 2, d)
		require.Equal(t, "rate__ratings_stars_check", checks[0].Name)
		require.Equal(t, `"stars" IN ('one', 'two', 'o''three')`, checks[0].Expr)
		require.LessOrEqual(t, len(checks[1].Name), 63)
		require.True(t, strings.HasPrefix(checks[1].Name, "rate__ratings_xxx"), checks[1].Name)
		ddl, err := compose.DDL(context.Background(), d, s)
		require.NoError(t, err)
		require.Contains(t, strings.Join(ddl, "\n"), `rate__ratings_stars_check`)
	}
}

// TestCheckChanges: Atlas matches named checks by name alone; CheckChanges
// adds the change of an enum's values, read from the form PostgreSQL keeps
// (plan), or of any expression (drift, both sides as the database keeps
// them), and nothing when the values are the same.
func TestCheckChanges(t *testing.T) {
	pgLive := `((mood)::text = ANY ((ARRAY['calm'::character varying, 'glad'::character varying])::text[]))`
	table := func(expr string) *schema.Schema {
		s := schema.New("")
		s.AddTables(schema.NewTable("p__moods").AddChecks(&schema.Check{Name: "p__moods_mood_check", Expr: expr}))
		return s
	}
	same := compose.CheckChanges(nil, table(pgLive), table(compose.EnumCheckExpr("mood", []string{"calm", "glad"})), compose.SameEnumCheck)
	require.Empty(t, same, "the same values in PostgreSQL's form")
	same = compose.CheckChanges(nil, table(`("mood" IN ('calm', 'glad'))`), table(compose.EnumCheckExpr("mood", []string{"calm", "glad"})), compose.SameEnumCheck)
	require.Empty(t, same, "the same values in SQLite's form")
	changed := compose.CheckChanges(nil, table(pgLive), table(compose.EnumCheckExpr("mood", []string{"calm", "glad", "sad"})), compose.SameEnumCheck)
	require.Len(t, changed, 1)
	m := changed[0].(*schema.ModifyTable)
	require.Len(t, m.Changes, 1)
	mc := m.Changes[0].(*schema.ModifyCheck)
	require.Equal(t, pgLive, mc.From.Expr)
	require.Contains(t, mc.To.Expr, "'sad'")

	// Not an enum check: left to Atlas (matched by name) when planning.
	require.Empty(t, compose.CheckChanges(nil, table("(x > 0)"), table("x > 1"), compose.SameEnumCheck))
	// Drift compares the text, parentheses and spacing aside.
	require.Empty(t, compose.CheckChanges(nil, table("(x  > 0)"), table("x > 0"), compose.SameCheckText))
	require.Len(t, compose.CheckChanges(nil, table("(x > 0)"), table("x > 1"), compose.SameCheckText), 1)
}
