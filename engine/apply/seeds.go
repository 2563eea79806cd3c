package apply

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"ariga.io/atlas/sql/schema"

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

// SeedRow is one seed row of a plugin being removed, as remove finds it in
// the database: deleted with the plugin's tables, or kept, and why.
type SeedRow struct {
	Table string `json:"table"`
	// Row shows the row's values, e.g. privilege_name='featurer'.
	Row    string `json:"row"`
	Delete bool   `json:"delete"`
	// Reason says why a row that is there stays (Delete false).
	Reason string `json:"reason,omitempty"`
	cols   []string
	args   []any
}

func (r SeedRow) String() string { return fmt.Sprintf("%s (%s)", r.Table, r.Row) }

// SeedRemoval says what remove does with the seed rows of plugin name (in
// tables it does not own, like core's privileges): a row in the database is
// deleted when exactly one row matches it, no other branch of this
// database (core, an enabled plugin, one with history here) seeds the same
// row, and no row of another table references it by a foreign key (the
// tables in drop, the plugin's own, go with it); otherwise it stays and
// Reason says why. A plugin this build
// does not register has no seeds to go by: none are listed.
func (m *Migrator) SeedRemoval(ctx context.Context, name string, drop []string) ([]SeedRow, error) {
	seeds, err := m.composer.Plugins().Seeds(name)
	if err != nil || len(seeds) == 0 {
		return nil, nil
	}
	tables, err := m.tables(ctx)
	if err != nil {
		return nil, err
	}
	installed, err := m.installedBranches(ctx)
	if err != nil {
		return nil, err
	}
	var live *schema.Schema
	s := store{dialect: m.dialect, db: m.db}
	var out []SeedRow
	for _, seed := range seeds {
		if !tables[seed.Table] {
			continue
		}
		cols, args := seedColumns(seed)
		vals := make([]string, len(cols))
		where := make([]string, len(cols))
		for i, c := range cols {
			vals[i] = c + "=" + sqlLiteral(args[i])
			where[i] = "s." + m.quote(c) + " = ?"
		}
		r := SeedRow{Table: seed.Table, Row: strings.Join(vals, ", "), cols: cols, args: args}
		n, err := countRows(ctx, m.db, s.q("SELECT count(*) FROM "+m.quote(seed.Table)+" s WHERE "+strings.Join(where, " AND ")), args...)
		if err != nil {
			return nil, fmt.Errorf("plugin %q: seed %s: %w", name, r, err)
		}
		switch {
		case n == 0:
			continue // not there: nothing to delete
		case n > 1:
			r.Reason = fmt.Sprintf("%d rows match it, so it may not be only the plugin's", n)
		default:
			r.Reason, err = m.otherSeeder(name, installed, seed)
		}
		if err != nil {
			return nil, err
		}
		if r.Reason == "" {
			if live == nil {
				drv, err := m.baseDriver()
				if err != nil {
					return nil, err
				}
				if live, err = drv.InspectSchema(ctx, "", nil); err != nil {
					return nil, fmt.Errorf("inspect the database: %w", err)
				}
			}
			if r.Reason, err = m.references(ctx, live, seed.Table, where, args, drop); err != nil {
				return nil, fmt.Errorf("plugin %q: seed %s: %w", name, r, err)
			}
		}
		r.Delete = r.Reason == ""
		out = append(out, r)
	}
	return out, nil
}

// installedBranches are the branches of this database whose seeds count:
// core, the enabled plugins, and those with history here (disabled, their
// tables kept). A registered plugin this database never had does not: if
// it is enabled later, apply seeds its rows again.
func (m *Migrator) installedBranches(ctx context.Context) ([]string, error) {
	branches, err := m.composer.Branches()
	if err != nil {
		return nil, err
	}
	installed := map[string]bool{plugin.Core: true}
	for _, e := range m.enabled {
		installed[e] = true
	}
	if ok, err := m.store.exists(ctx); err != nil {
		return nil, err
	} else if ok {
		all, err := m.store.all(ctx)
		if err != nil {
			return nil, err
		}
		for _, r := range all {
			installed[r.Branch] = true
		}
	}
	return slices.DeleteFunc(branches, func(b string) bool { return !installed[b] }), nil
}

// otherSeeder names another of the installed branches that seeds the same
// row as plugin name.
func (m *Migrator) otherSeeder(name string, installed []string, seed plugin.Seed) (string, error) {
	for _, b := range installed {
		if b == name {
			continue
		}
		others, err := m.composer.Plugins().Seeds(b)
		if err != nil {
			return "", err
		}
		for _, o := range others {
			if o.Table == seed.Table && reflect.DeepEqual(o.Values, seed.Values) {
				if b == plugin.Core {
					return "core seeds it too", nil
				}
				return fmt.Sprintf("plugin %q seeds it too", b), nil
			}
		}
	}
	return "", nil
}

// references says which rows of other tables reference the row of table
// that where (on alias s) finds, by a foreign key; "" when none do. Tables
// in drop are left out: they are dropped first.
func (m *Migrator) references(ctx context.Context, live *schema.Schema, table string, where []string, args []any, drop []string) (string, error) {
	s := store{dialect: m.dialect, db: m.db}
	var refs []string
	for _, t := range live.Tables {
		if slices.Contains(drop, t.Name) || t.Name == HistoryTable {
			continue
		}
		for _, fk := range t.ForeignKeys {
			if fk.RefTable == nil || fk.RefTable.Name != table || len(fk.Columns) != len(fk.RefColumns) {
				continue
			}
			on := make([]string, len(fk.Columns))
			for i := range fk.Columns {
				on[i] = "s." + m.quote(fk.RefColumns[i].Name) + " = r." + m.quote(fk.Columns[i].Name)
			}
			q := "SELECT count(*) FROM " + m.quote(t.Name) + " r WHERE EXISTS (SELECT 1 FROM " + m.quote(table) + " s WHERE " + strings.Join(append(on, where...), " AND ") + ")"
			n, err := countRows(ctx, m.db, s.q(q), args...)
			if err != nil {
				return "", err
			}
			if n > 0 {
				refs = append(refs, fmt.Sprintf("%d row(s) of %s reference it (%s)", n, t.Name, fk.Symbol))
			}
		}
	}
	return strings.Join(refs, "; "), nil
}

// deleteSeeds deletes, over c, the seed rows marked Delete.
func (m *Migrator) deleteSeeds(ctx context.Context, c conn, rows []SeedRow) error {
	s := store{dialect: m.dialect, db: c}
	for _, r := range rows {
		if !r.Delete {
			continue
		}
		where := make([]string, len(r.cols))
		for i, col := range r.cols {
			where[i] = m.quote(col) + " = ?"
		}
		if _, err := c.ExecContext(ctx, s.q("DELETE FROM "+m.quote(r.Table)+" WHERE "+strings.Join(where, " AND ")), r.args...); err != nil {
			return fmt.Errorf("delete seed row %s: %w", r, err)
		}
	}
	return nil
}
