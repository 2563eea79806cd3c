package lint

import (
	"context"
	"database/sql"
	"fmt"
)

// object is one schema object as the database's catalog describes it.
type object struct {
	// Kind is "table", "view", "index", "constraint", "trigger", "policy",
	// "rule", "sequence", "function", "type".
	Kind string
	Name string
	// Table is the table an index, constraint, trigger, policy or rule
	// belongs to ("" for standalone objects).
	Table string
	// Sig changes whenever the object does (definition, columns, comments,
	// grants, row-level security, a sequence's value).
	Sig string
}

func (o object) key() string { return o.Kind + " " + o.Name + " on " + o.Table }

// querier is a pool, a connection or a transaction.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// probe reads one dialect's catalog and finds which tables a statement
// writes rows to.
type probe interface {
	// objects returns the scratch database's objects, by key.
	objects(ctx context.Context, db querier) (map[string]object, error)
	// arm prepares to record writes to the given tables (PostgreSQL:
	// statement-level triggers, which fire even when no row changes).
	arm(ctx context.Context, db querier, tables []string) error
	// writes returns the tables a statement writes rows to: asked of the
	// database before it runs (SQLite EXPLAIN), or recorded while it ran
	// (PostgreSQL), or read from its text (MySQL).
	writesBefore(ctx context.Context, db querier, stmt string, tables map[string]object) ([]string, error)
	writesAfter(ctx context.Context, db querier) ([]string, error)
	// internal reports objects of the linter itself, left out of states.
	internal(o object) bool
}

func probeFor(dialect string) (probe, error) {
	switch dialect {
	case "sqlite":
		return sqliteProbe{}, nil
	case "postgres":
		return postgresProbe{}, nil
	case "mysql":
		return mysqlProbe{}, nil
	}
	return nil, fmt.Errorf("unknown dialect %q", dialect)
}

// collect scans rows of (kind, name, table, sig) into objects.
func collect(rows *sql.Rows, err error, into map[string]object) error {
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var o object
		var table, sig sql.NullString
		if err := rows.Scan(&o.Kind, &o.Name, &table, &sig); err != nil {
			return err
		}
		o.Table, o.Sig = table.String, sig.String
		into[o.key()] = o
	}
	return rows.Err()
}
