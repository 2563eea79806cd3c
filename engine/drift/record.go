package drift

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/plugmig/plugmig/engine/apply"
)

// Table records, per branch, the differences adopt accepted and the result
// of the last check (adopt's or drift's), so status can say when a database
// was never checked or has drift. It sits beside apply's history table.
const Table = "plugmig_drift"

const recordDDL = `CREATE TABLE IF NOT EXISTS plugmig_drift (
  branch varchar(255) NOT NULL,
  version varchar(255) NOT NULL,
  accepted text NULL,
  checked_at varchar(64) NOT NULL,
  differences integer NOT NULL,
  summary text NULL,
  PRIMARY KEY (branch)
)`

const timeFormat = "2006-01-02T15:04:05Z"

// Record is one branch's row of Table.
type Record struct {
	Branch string `json:"branch"`
	// Version is the version the branch was checked against.
	Version string `json:"version"`
	// Accepted are the differences adopt --accept recorded as accepted.
	Accepted []Difference `json:"accepted,omitempty"`
	// CheckedAt is when the branch was last compared.
	CheckedAt time.Time `json:"checked_at"`
	// Differences counts the unexplained differences found then.
	Differences int `json:"differences"`
	// Summary lists them, one per line.
	Summary string `json:"summary,omitempty"`
}

// recorder reads and writes Table.
type recorder struct {
	db      *sql.DB
	dialect string
}

func (r recorder) q(query string) string { return apply.Rebind(r.dialect, query) }

func (r recorder) exists(ctx context.Context) (bool, error) {
	return tableExists(ctx, r.db, r.dialect, "", Table)
}

// Records returns the rows of Table by branch; none if it does not exist.
func Records(ctx context.Context, db *sql.DB, dialect string) (map[string]Record, error) {
	return recorder{db: db, dialect: dialect}.read(ctx)
}

func (r recorder) read(ctx context.Context) (map[string]Record, error) {
	ok, err := r.exists(ctx)
	if err != nil || !ok {
		return nil, err
	}
	rows, err := r.db.QueryContext(ctx, "SELECT branch, version, accepted, checked_at, differences, summary FROM "+Table)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", Table, err)
	}
	defer rows.Close()
	out := map[string]Record{}
	for rows.Next() {
		var (
			rec           Record
			accepted, sum sql.NullString
			at            string
		)
		if err := rows.Scan(&rec.Branch, &rec.Version, &accepted, &at, &rec.Differences, &sum); err != nil {
			return nil, fmt.Errorf("read %s: %w", Table, err)
		}
		if accepted.String != "" {
			if err := json.Unmarshal([]byte(accepted.String), &rec.Accepted); err != nil {
				return nil, fmt.Errorf("%s: branch %q: accepted differences are not valid JSON (%v): restore them, or delete the row and run go run ./cmd adopt --accept again", Table, rec.Branch, err)
			}
		}
		rec.CheckedAt, _ = time.Parse(timeFormat, at)
		rec.Summary = sum.String
		out[rec.Branch] = rec
	}
	return out, rows.Err()
}

// write inserts or replaces the branch's row.
func (r recorder) write(ctx context.Context, rec Record) error {
	if _, err := r.db.ExecContext(ctx, recordDDL); err != nil {
		return fmt.Errorf("create %s: %w", Table, err)
	}
	var accepted sql.NullString
	if len(rec.Accepted) > 0 {
		b, _ := json.Marshal(rec.Accepted)
		accepted = sql.NullString{String: string(b), Valid: true}
	}
	query := "INSERT INTO " + Table + " (branch, version, accepted, checked_at, differences, summary) VALUES (?, ?, ?, ?, ?, ?) "
	var set []string
	for _, c := range []string{"version", "accepted", "checked_at", "differences", "summary"} {
		if r.dialect == "mysql" {
			set = append(set, c+" = VALUES("+c+")")
		} else {
			set = append(set, c+" = excluded."+c)
		}
	}
	if r.dialect == "mysql" {
		query += "ON DUPLICATE KEY UPDATE " + strings.Join(set, ", ")
	} else {
		query += "ON CONFLICT (branch) DO UPDATE SET " + strings.Join(set, ", ")
	}
	_, err := r.db.ExecContext(ctx, r.q(query), rec.Branch, rec.Version, accepted, rec.CheckedAt.UTC().Format(timeFormat), rec.Differences, sql.NullString{String: rec.Summary, Valid: rec.Summary != ""})
	if err != nil {
		return fmt.Errorf("write %s: %w", Table, err)
	}
	return nil
}

// tableExists reports whether a table exists in the connection's schema
// (or database), or in the named one.
func tableExists(ctx context.Context, db *sql.DB, dialect, schemaName, table string) (bool, error) {
	var query string
	args := []any{table}
	switch dialect {
	case "sqlite":
		query = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?"
	case "postgres":
		query = "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1"
		if schemaName != "" {
			query = "SELECT count(*) FROM information_schema.tables WHERE table_schema = $2 AND table_name = $1"
			args = append(args, schemaName)
		}
	default:
		query = "SELECT count(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?"
	}
	var n int
	if err := db.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
		return false, fmt.Errorf("look for table %s: %w", table, err)
	}
	return n > 0, nil
}
