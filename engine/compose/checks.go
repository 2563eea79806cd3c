package compose

import (
	"slices"
	"strings"

	"ariga.io/atlas/sql/schema"
	entschema "entgo.io/ent/dialect/sql/schema"
	"entgo.io/ent/schema/field"

	"github.com/plugmig/plugmig/engine/internal/lazyre"
)

// EnumCheckName is the name of the CHECK constraint that keeps an enum
// column to its values on SQLite and PostgreSQL: PostgreSQL's own
// convention, "<table>_<column>_check", cut to 63 bytes like every other
// generated name. It starts with the table's name, so it carries the
// owner's prefix.
func EnumCheckName(table, column string) string {
	return Identifier(table + "_" + column + "_check")
}

// EnumCheckExpr is the expression of an enum column's CHECK constraint:
// "<column>" IN ('<value>', ...), in the values' declared order.
func EnumCheckExpr(column string, values []string) string {
	lits := make([]string, len(values))
	for i, v := range values {
		lits[i] = "'" + strings.ReplaceAll(v, "'", "''") + "'"
	}
	return `"` + strings.ReplaceAll(column, `"`, `""`) + `" IN (` + strings.Join(lits, ", ") + ")"
}

// enumChecks gives every enum column of the branch's tables a CHECK
// constraint (EnumCheckName, EnumCheckExpr) on SQLite and PostgreSQL, where
// ent makes the column a plain string (text, character varying) that takes
// any value. MySQL's column is an ENUM of the values: the server enforces
// it already. A check the schema declares itself under the same name
// (entsql.Annotation.Checks) is left as declared.
func enumChecks(s *schema.Schema, tables []*entschema.Table, dialectName string) {
	if dialectName != SQLite && dialectName != Postgres {
		return
	}
	for _, et := range tables {
		t, ok := s.Table(et.Name)
		if !ok {
			continue
		}
		for _, c := range et.Columns {
			if c.Type != field.TypeEnum || len(c.Enums) == 0 {
				continue
			}
			name := EnumCheckName(t.Name, c.Name)
			if slices.ContainsFunc(t.Attrs, func(a schema.Attr) bool {
				ck, ok := a.(*schema.Check)
				return ok && ck.Name == name
			}) {
				continue
			}
			t.AddChecks(&schema.Check{Name: name, Expr: EnumCheckExpr(c.Name, c.Enums)})
		}
	}
}

// enumExprRe matches an expression EnumCheckExpr writes.
var enumExprRe = lazyre.New(`^\(?"(?:[^"]|"")+" IN \(('(?:[^']|'')*'(?:, '(?:[^']|'')*')*)\)\)?$`)

// literalRe matches a single-quoted SQL string literal.
var literalRe = lazyre.New(`'((?:[^']|'')*)'`)

// literals returns the string literals of an expression, unquoted, sorted.
func literals(expr string) []string {
	var out []string
	for _, m := range literalRe.FindAllStringSubmatch(expr, -1) {
		out = append(out, strings.ReplaceAll(m[1], "''", "'"))
	}
	slices.Sort(out)
	return out
}

// SameEnumCheck reports whether a live CHECK constraint (as the database
// keeps it: PostgreSQL rewrites "c" IN ('a', 'b') into
// ((c)::text = ANY ((ARRAY['a'::character varying, ...])::text[])))
// allows the same values as the desired one. It answers true for any
// desired check that is not an enum check (EnumCheckExpr): Atlas matches
// those by name, as it always did.
func SameEnumCheck(live, want *schema.Check) bool {
	if !enumExprRe.MatchString(strings.TrimSpace(want.Expr)) {
		return true
	}
	return slices.Equal(literals(live.Expr), literals(want.Expr))
}

// SameCheckText reports whether two checks, both as databases of one
// dialect keep them, have the same expression (outer parentheses and
// spacing aside).
func SameCheckText(a, b *schema.Check) bool {
	return normExpr(a.Expr) == normExpr(b.Expr)
}

func normExpr(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	for len(s) >= 2 && s[0] == '(' && s[len(s)-1] == ')' && balanced(s[1:len(s)-1]) {
		s = strings.TrimSpace(s[1 : len(s)-1])
	}
	return s
}

// balanced reports whether every parenthesis in s outside string literals
// closes one opened before it.
func balanced(s string) bool {
	depth := 0
	var quote byte
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; {
		case quote != 0:
			if ch == quote {
				quote = 0
			}
		case ch == '\'' || ch == '"':
			quote = ch
		case ch == '(':
			depth++
		case ch == ')':
			if depth--; depth < 0 {
				return false
			}
		}
	}
	return depth == 0
}

// CheckChanges adds to changes, the diff from one schema to another as
// Atlas computed it, a ModifyCheck for every CHECK constraint both schemas
// name alike but whose expressions same says differ: Atlas matches named
// checks by name alone and would never see a new enum value.
func CheckChanges(changes []schema.Change, from, to *schema.Schema, same func(from, to *schema.Check) bool) []schema.Change {
	for _, tt := range to.Tables {
		ft, ok := from.Table(tt.Name)
		if !ok {
			continue
		}
		var mods []schema.Change
		for _, tc := range tt.Checks() {
			if tc.Name == "" {
				continue
			}
			for _, fc := range ft.Checks() {
				if fc.Name == tc.Name && !same(fc, tc) {
					mods = append(mods, &schema.ModifyCheck{From: fc, To: tc})
				}
			}
		}
		if len(mods) == 0 {
			continue
		}
		i := slices.IndexFunc(changes, func(c schema.Change) bool {
			m, ok := c.(*schema.ModifyTable)
			return ok && m.T.Name == tt.Name
		})
		if i < 0 {
			changes = append(changes, &schema.ModifyTable{T: tt, Changes: mods})
			continue
		}
		m := changes[i].(*schema.ModifyTable)
		for _, mc := range mods {
			name := mc.(*schema.ModifyCheck).To.Name
			if !slices.ContainsFunc(m.Changes, func(c schema.Change) bool { return touchesCheck(c, name) }) {
				m.Changes = append(m.Changes, mc)
			}
		}
	}
	return changes
}

func touchesCheck(c schema.Change, name string) bool {
	switch c := c.(type) {
	case *schema.ModifyCheck:
		return c.To.Name == name || c.From.Name == name
	case *schema.AddCheck:
		return c.C.Name == name
	case *schema.DropCheck:
		return c.C.Name == name
	}
	return false
}
