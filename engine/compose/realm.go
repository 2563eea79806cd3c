package compose

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/mysql"
	"ariga.io/atlas/sql/postgres"
	"ariga.io/atlas/sql/schema"
	"ariga.io/atlas/sql/sqlite"
	"entgo.io/ent/dialect"
	entschema "entgo.io/ent/dialect/sql/schema"

	"github.com/plugmig/plugmig/engine/plugin"
)

// Dialect names, as used in folder names, flags and URLs.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
	MySQL    = "mysql"
)

// Dialects lists every supported dialect.
var Dialects = []string{SQLite, Postgres, MySQL}

// entDialect maps a dialect name to ent's.
func entDialect(d string) (string, error) {
	switch d {
	case SQLite:
		return dialect.SQLite, nil
	case Postgres:
		return dialect.Postgres, nil
	case MySQL:
		return dialect.MySQL, nil
	}
	return "", fmt.Errorf("unknown dialect %q: use one of %s", d, strings.Join(Dialects, ", "))
}

// Schema returns the branch's desired schema in the dialect, as an Atlas
// schema with no name (unqualified, so it applies to any database or schema).
// Constraint and index names are normalized (see NormalizeNames); on SQLite
// and PostgreSQL every enum column gets a CHECK constraint on its values
// (EnumCheckName).
func (c *Composer) Schema(ctx context.Context, b *Branch, dialectName string) (*schema.Schema, error) {
	d, err := entDialect(dialectName)
	if err != nil {
		return nil, err
	}
	m, err := entschema.NewMigrate(offline{name: d}, entschema.WithDialect(d), entschema.WithForeignKeys(true))
	if err != nil {
		return nil, err
	}
	realm, err := m.StateReader(b.Tables...).ReadState(ctx)
	if err != nil {
		return nil, fmt.Errorf("branch %q: convert ent tables for %s: %w", b.Name, dialectName, err)
	}
	s := schema.New("")
	for _, rs := range realm.Schemas {
		for _, t := range rs.Tables {
			s.AddTables(t)
		}
	}
	enumChecks(s, b.Tables, dialectName)
	NormalizeNames(s, c.Owner, c.plugins.Owns)
	return s, nil
}

// NormalizeNames gives every foreign key the PostgreSQL-style name
// "<table>_<columns>_fkey", and every index whose name would be shared across
// tables or lacks its plugin's prefix the name "<table>_<columns>_key" (unique)
// or "<table>_<columns>_idx". Names are cut to 63 bytes with a hash suffix.
// Indexes named explicitly with a name their owner owns (its prefix, or a
// legacy name it claims: owns) keep their names.
func NormalizeNames(s *schema.Schema, owner func(table string) string, owns func(owner, name string) bool) {
	for _, t := range s.Tables {
		for _, fk := range t.ForeignKeys {
			fk.Symbol = Identifier(t.Name + "_" + joinCols(fk.Columns) + "_fkey")
		}
		o := owner(t.Name)
		for _, idx := range t.Indexes {
			if !needsName(t, idx, o, owns) {
				continue
			}
			suffix := "_idx"
			if idx.Unique {
				suffix = "_key"
			}
			idx.Name = Identifier(t.Name + "_" + joinParts(idx.Parts) + suffix)
		}
	}
}

func needsName(t *schema.Table, idx *schema.Index, owner string, owns func(owner, name string) bool) bool {
	if _, isColumn := t.Column(idx.Name); isColumn || idx.Name == "" {
		return true // ent's default for a unique field on SQLite and MySQL
	}
	return owner != plugin.Core && owner != "" && !owns(owner, idx.Name)
}

// Identifier returns name if it fits PostgreSQL's 63-byte limit, else its
// first 54 bytes, "_" and 8 hex digits of its hash, keeping the owner prefix.
func Identifier(name string) string {
	const limit = 63
	if len(name) <= limit {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	return name[:limit-9] + "_" + hex.EncodeToString(sum[:4])
}

func joinCols(cols []*schema.Column) string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name
	}
	return strings.Join(names, "_")
}

func joinParts(parts []*schema.IndexPart) string {
	names := make([]string, 0, len(parts))
	for _, p := range parts {
		if p.C != nil {
			names = append(names, p.C.Name)
		}
	}
	return strings.Join(names, "_")
}

// Differ returns Atlas's offline differ for the dialect.
func Differ(d string) (schema.Differ, error) {
	switch d {
	case SQLite:
		return sqlite.DefaultDiff, nil
	case Postgres:
		return postgres.DefaultDiff, nil
	case MySQL:
		return mysql.DefaultDiff, nil
	}
	_, err := entDialect(d)
	return nil, err
}

// Planner returns Atlas's offline planner for the dialect.
func Planner(d string) (migrate.PlanApplier, error) {
	switch d {
	case SQLite:
		return sqlite.DefaultPlan, nil
	case Postgres:
		return postgres.DefaultPlan, nil
	case MySQL:
		return mysql.DefaultPlan, nil
	}
	_, err := entDialect(d)
	return nil, err
}

// DDL returns the statements that create s in an empty database of the
// dialect, in an order the database accepts (referenced tables first).
func DDL(ctx context.Context, d string, s *schema.Schema) ([]string, error) {
	differ, err := Differ(d)
	if err != nil {
		return nil, err
	}
	planner, err := Planner(d)
	if err != nil {
		return nil, err
	}
	changes, err := differ.SchemaDiff(schema.New(s.Name), s)
	if err != nil {
		return nil, fmt.Errorf("diff %s schema: %w", d, err)
	}
	plan, err := planner.PlanChanges(ctx, "schema", changes, func(o *migrate.PlanOptions) {
		empty := ""
		o.SchemaQualifier = &empty
	})
	if err != nil {
		return nil, fmt.Errorf("plan %s schema: %w", d, err)
	}
	stmts := make([]string, len(plan.Changes))
	for i, c := range plan.Changes {
		stmts[i] = c.Cmd
	}
	return stmts, nil
}
