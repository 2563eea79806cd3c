package compose

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
)

// offline is an ent dialect.Driver for converting ent tables to Atlas
// schemas without a database: ent asks the server version (PostgreSQL,
// MySQL) or the foreign_keys pragma (SQLite) before converting, and this
// answers with the versions the project targets. Any other query is an error,
// so conversion can never silently depend on a database it does not have.
type offline struct{ name string }

// Versions answered by the offline driver: the oldest servers the project
// generates DDL for.
const (
	offlinePostgresVersion = "150000"
	offlineMySQLVersion    = "8.0.32"
)

func (o offline) Query(_ context.Context, query string, _, v any) error {
	rows, ok := v.(*entsql.Rows)
	if !ok {
		return fmt.Errorf("offline %s driver: unexpected query target %T", o.name, v)
	}
	var vals []any
	switch query {
	case "SHOW server_version_num":
		vals = []any{offlinePostgresVersion}
	case "SHOW VARIABLES LIKE 'version'":
		vals = []any{"version", offlineMySQLVersion}
	case "PRAGMA foreign_keys":
		vals = []any{int64(1)}
	default:
		return fmt.Errorf("offline %s driver: query %q needs a database", o.name, query)
	}
	rows.ColumnScanner = &oneRow{vals: vals}
	return nil
}

func (o offline) Exec(_ context.Context, query string, _, _ any) error {
	return fmt.Errorf("offline %s driver: statement %q needs a database", o.name, query)
}

func (o offline) Tx(context.Context) (dialect.Tx, error) {
	return nil, fmt.Errorf("offline %s driver: transactions need a database", o.name)
}

func (offline) Close() error      { return nil }
func (o offline) Dialect() string { return o.name }

// oneRow is a result set of one row.
type oneRow struct {
	vals []any
	read bool
}

func (r *oneRow) Close() error                            { return nil }
func (r *oneRow) ColumnTypes() ([]*sql.ColumnType, error) { return nil, nil }
func (r *oneRow) Err() error                              { return nil }
func (r *oneRow) NextResultSet() bool                     { return false }

func (r *oneRow) Columns() ([]string, error) {
	cols := make([]string, len(r.vals))
	for i := range cols {
		cols[i] = fmt.Sprintf("c%d", i)
	}
	return cols, nil
}

func (r *oneRow) Next() bool {
	if r.read {
		return false
	}
	r.read = true
	return true
}

func (r *oneRow) Scan(dest ...any) error {
	if len(dest) != len(r.vals) {
		return fmt.Errorf("offline driver: scan of %d values into %d destinations", len(r.vals), len(dest))
	}
	for i, d := range dest {
		if s, ok := d.(sql.Scanner); ok {
			if err := s.Scan(r.vals[i]); err != nil {
				return err
			}
			continue
		}
		dv := reflect.ValueOf(d)
		if dv.Kind() != reflect.Pointer {
			return fmt.Errorf("offline driver: scan into non-pointer %T", d)
		}
		v := reflect.ValueOf(r.vals[i])
		switch e := dv.Elem(); {
		case e.Kind() == reflect.Interface:
			e.Set(v)
		case v.CanConvert(e.Type()):
			e.Set(v.Convert(e.Type()))
		default:
			return fmt.Errorf("offline driver: cannot scan %T into %T", r.vals[i], d)
		}
	}
	return nil
}
