package apply

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/plugmig/plugmig/engine/plugin"
)

// seedOn inserts, over c, the branch's seed rows (core's or a plugin's)
// that are not there yet: a SELECT per row, so it runs on every apply.
func (m *Migrator) seedOn(ctx context.Context, c conn, name string) (int, error) {
	seeds, err := m.composer.Plugins().Seeds(name)
	if err != nil || len(seeds) == 0 {
		return 0, err
	}
	s := store{dialect: m.dialect, db: c}
	n := 0
	for _, seed := range seeds {
		cols, args := seedColumns(seed)
		where, quoted, marks := "", "", ""
		for i, c := range cols {
			if i > 0 {
				where, quoted, marks = where+" AND ", quoted+", ", marks+", "
			}
			where += m.quote(c) + " = ?"
			quoted += m.quote(c)
			marks += "?"
		}
		count, err := countRows(ctx, c, s.q("SELECT count(*) FROM "+m.quote(seed.Table)+" WHERE "+where), args...)
		if err != nil {
			return n, fmt.Errorf("branch %q: seed %s: %w", name, seed.Table, err)
		}
		if count > 0 {
			continue
		}
		if _, err := c.ExecContext(ctx, s.q("INSERT INTO "+m.quote(seed.Table)+" ("+quoted+") VALUES ("+marks+")"), args...); err != nil {
			return n, fmt.Errorf("branch %q: seed %s: %w", name, seed.Table, err)
		}
		n++
		vals := make([]string, len(cols))
		for i, c := range cols {
			vals[i] = fmt.Sprintf("%s=%v", c, args[i])
		}
		fmt.Fprintf(m.progress, "%-14s seeded a row into %s (%s)\n", name, seed.Table, strings.Join(vals, ", "))
	}
	return n, nil
}

func seedColumns(s plugin.Seed) ([]string, []any) {
	cols := make([]string, 0, len(s.Values))
	for c := range s.Values {
		cols = append(cols, c)
	}
	slices.Sort(cols)
	args := make([]any, len(cols))
	for i, c := range cols {
		args[i] = s.Values[c]
	}
	return cols, args
}

// countRows runs a count query over c.
func countRows(ctx context.Context, c conn, query string, args ...any) (int, error) {
	rows, err := c.QueryContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	if rows.Next() {
		if err := rows.Scan(&n); err != nil {
			return 0, err
		}
	}
	return n, rows.Err()
}

// PendingSeeds returns, as SQL to show (apply --dry-run), the branch's seed
// rows that apply would insert: those not in the database yet (all of them
// while their table does not exist). It writes nothing.
func (m *Migrator) PendingSeeds(ctx context.Context, name string) ([]string, error) {
	seeds, err := m.composer.Plugins().Seeds(name)
	if err != nil || len(seeds) == 0 {
		return nil, err
	}
	tables, err := m.tables(ctx)
	if err != nil {
		return nil, err
	}
	s := store{dialect: m.dialect, db: m.db}
	var out []string
	for _, seed := range seeds {
		cols, args := seedColumns(seed)
		quoted, where, vals := make([]string, len(cols)), make([]string, len(cols)), make([]string, len(cols))
		for i, c := range cols {
			quoted[i] = m.quote(c)
			where[i] = m.quote(c) + " = ?"
			vals[i] = sqlLiteral(args[i])
		}
		if tables[seed.Table] {
			n, err := countRows(ctx, m.db, s.q("SELECT count(*) FROM "+m.quote(seed.Table)+" WHERE "+strings.Join(where, " AND ")), args...)
			if err != nil {
				return nil, fmt.Errorf("branch %q: seed %s: %w", name, seed.Table, err)
			}
			if n > 0 {
				continue
			}
		}
		out = append(out, fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s); -- seed row of %s", m.quote(seed.Table), strings.Join(quoted, ", "), strings.Join(vals, ", "), name))
	}
	return out, nil
}

// sqlLiteral shows a seed value as SQL (for display only: apply binds it).
func sqlLiteral(v any) string {
	switch v := v.(type) {
	case nil:
		return "NULL"
	case string:
		return "'" + strings.ReplaceAll(v, "'", "''") + "'"
	case bool:
		if v {
			return "TRUE"
		}
		return "FALSE"
	}
	return fmt.Sprint(v)
}
