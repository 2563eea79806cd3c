package drift

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/plugmig/plugmig/engine/apply"
	"github.com/plugmig/plugmig/engine/internal/sqlq"
)

// Other migration tools' history tables, reported and never touched.
const (
	AlembicTable = "alembic_version"
	AtlasTable   = apply.AtlasRevisionsTable
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
	table, revs, err := apply.AtlasHistory(ctx, db, dialect)
	if err != nil {
		return nil, err
	}
	if table != "" {
		h := ForeignHistory{System: "atlas", Table: table}
		for _, r := range revs {
			h.Revisions = append(h.Revisions, r.Version)
			if r.Applied == r.Total && r.Error == "" {
				h.Latest = r.Version
			}
		}
		out = append(out, h)
	}
	return out, nil
}
