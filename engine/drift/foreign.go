package drift

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/plugmig/plugmig/engine/internal/sqlq"
)

// Other migration tools' history tables, reported and never touched.
const (
	AlembicTable = "alembic_version"
	AtlasTable   = "atlas_schema_revisions"
	// AtlasSchema is where the atlas CLI keeps its revisions table on
	// PostgreSQL when its URL names no schema.
	AtlasSchema = "atlas_schema_revisions"
)

// ForeignHistory is another migration tool's history found in a database.
type ForeignHistory struct {
	// System is "alembic" or "atlas".
	System string `json:"system"`
	// Table is the history table, schema-qualified when it is not in the
	// connection's schema.
	Table string `json:"table"`
	// Revisions are alembic's current heads, or atlas's applied versions.
	Revisions []string `json:"revisions"`
	// Latest is the newest version atlas applied completely, if any.
	Latest string `json:"latest,omitempty"`
}

// String describes the history in one line.
func (f ForeignHistory) String() string {
	switch f.System {
	case "alembic":
		return fmt.Sprintf("%s (Alembic): revision(s) %s", f.Table, strings.Join(f.Revisions, ", "))
	case "atlas":
		return fmt.Sprintf("%s (atlas CLI): %d revision(s), latest applied %s", f.Table, len(f.Revisions), orNone(f.Latest))
	}
	return f.Table
}

// ForeignHistories returns the alembic_version and atlas_schema_revisions
// tables of the database (the latter in the connection's schema, or on
// PostgreSQL in the atlas_schema_revisions schema), read only.
func ForeignHistories(ctx context.Context, db *sql.DB, dialect string) ([]ForeignHistory, error) {
	var out []ForeignHistory
	ok, err := tableExists(ctx, db, dialect, "", AlembicTable)
	if err != nil {
		return nil, err
	}
	if ok {
		revs, err := sqlq.Strings(ctx, db, "SELECT version_num FROM "+AlembicTable+" ORDER BY version_num")
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", AlembicTable, err)
		}
		out = append(out, ForeignHistory{System: "alembic", Table: AlembicTable, Revisions: revs})
	}
	places := []string{""}
	if dialect == "postgres" {
		places = append(places, AtlasSchema)
	}
	for _, s := range places {
		ok, err := tableExists(ctx, db, dialect, s, AtlasTable)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		table, name := quoteIdent(dialect, AtlasTable), AtlasTable
		if s != "" {
			table, name = quoteIdent(dialect, s)+"."+table, s+"."+AtlasTable
		}
		h, err := readAtlas(ctx, db, table)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		h.Table = name
		out = append(out, h)
	}
	return out, nil
}

func readAtlas(ctx context.Context, db *sql.DB, table string) (ForeignHistory, error) {
	h := ForeignHistory{System: "atlas"}
	rows, err := db.QueryContext(ctx, "SELECT version, applied, total, error FROM "+table+" ORDER BY version")
	if err != nil {
		return h, err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			v              string
			applied, total int
			errMsg         sql.NullString
		)
		if err := rows.Scan(&v, &applied, &total, &errMsg); err != nil {
			return h, err
		}
		if strings.HasPrefix(v, ".") { // atlas's own bookkeeping rows
			continue
		}
		h.Revisions = append(h.Revisions, v)
		if applied == total && errMsg.String == "" {
			h.Latest = v
		}
	}
	return h, rows.Err()
}

// quoteIdent quotes a name with the dialect's quoting.
func quoteIdent(dialect, name string) string {
	if dialect == "mysql" {
		return "`" + strings.ReplaceAll(name, "`", "``") + "`"
	}
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}
