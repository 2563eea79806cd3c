package lint

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// sqliteProbe reads sqlite_master (every table, index, view and trigger
// with its SQL, so a changed column changes its table's signature) and asks
// EXPLAIN which b-trees a statement opens for writing.
type sqliteProbe struct{}

func (sqliteProbe) objects(ctx context.Context, db querier) (map[string]object, error) {
	objs := map[string]object{}
	// The connection's temporary objects too: one named like another's
	// object stands in for it in every unqualified statement after.
	rows, err := db.QueryContext(ctx, `SELECT type, name, CASE WHEN type IN ('index', 'trigger') THEN tbl_name ELSE '' END, COALESCE(sql, '') FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'
UNION ALL SELECT 'temporary ' || type, name, CASE WHEN type IN ('index', 'trigger') THEN tbl_name ELSE '' END, COALESCE(sql, '') FROM sqlite_temp_master WHERE name NOT LIKE 'sqlite_%'`)
	return objs, collect(rows, err, objs)
}

func (sqliteProbe) arm(context.Context, querier, []string) error { return nil }

func (sqliteProbe) writesBefore(ctx context.Context, db querier, stmt string, _ map[string]object) ([]string, error) {
	pages := map[int64]string{}
	rows, err := db.QueryContext(ctx, `SELECT rootpage, tbl_name FROM sqlite_master WHERE rootpage > 0`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var page int64
		var table string
		if err := rows.Scan(&page, &table); err != nil {
			rows.Close()
			return nil, err
		}
		pages[page] = table
	}
	rows.Close()
	rows, err = db.QueryContext(ctx, "EXPLAIN "+stmt)
	if err != nil {
		return nil, nil // not explainable here (e.g. it depends on an earlier statement); the state diff still applies
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var written []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		op := fmt.Sprint(vals[1])
		var page int64
		switch op {
		case "OpenWrite":
			page = asInt(vals[3]) // p2: root page; p3 (vals[4]) the database
			switch asInt(vals[4]) {
			case 0:
			case 1:
				continue // the temp schema (SQLite updates it on renames)
			default:
				return nil, fmt.Errorf("the statement writes to an attached database")
			}
		case "Clear", "Destroy":
			page = asInt(vals[2])
			db := asInt(vals[3]) // Clear: p2 is the database
			if op == "Destroy" {
				db = asInt(vals[4]) // Destroy: p3
			}
			switch db {
			case 0:
			case 1:
				continue // a temporary table, whose root pages are the temp schema's
			default:
				return nil, fmt.Errorf("the statement writes to an attached database")
			}
		default:
			continue
		}
		if t, ok := pages[page]; ok && !strings.HasPrefix(t, "sqlite_") && !slices.Contains(written, t) {
			written = append(written, t)
		}
	}
	return written, rows.Err()
}

func (sqliteProbe) writesAfter(context.Context, querier) ([]string, error) { return nil, nil }

func (sqliteProbe) internal(object) bool { return false }

func asInt(v any) int64 {
	switch v := v.(type) {
	case int64:
		return v
	case int:
		return int64(v)
	case []byte:
		var n int64
		fmt.Sscan(string(v), &n)
		return n
	case string:
		var n int64
		fmt.Sscan(v, &n)
		return n
	}
	return -1
}
