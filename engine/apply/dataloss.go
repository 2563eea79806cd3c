package apply

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"ariga.io/atlas/sql/migrate"

	"github.com/plugmig/plugmig/engine/internal/lazyre"
	"github.com/plugmig/plugmig/engine/internal/sqltext"
	"github.com/plugmig/plugmig/engine/migdir"
)

// ErrDataLoss is wrapped by the refusal of a file that drops a table or a
// column holding data (see WithAllowDataLoss).
var ErrDataLoss = errors.New("drops data")

// WithAllowDataLoss lets apply run files that drop tables or columns
// holding data (apply --allow-data-loss). Without it such a file is refused
// before it runs, unless each such statement carries the directive
// "-- plugmig:allow data-loss: <reason>".
func WithAllowDataLoss(allow bool) Option {
	return func(m *Migrator) error { m.allowDataLoss = allow; return nil }
}

// Loss is one statement of a pending file that would drop data.
type Loss struct {
	Line      int    `json:"line"`
	Statement string `json:"statement"`
	// Object is what is dropped: "table t" or "column t.c".
	Object string `json:"object"`
	// Rows is how many rows hold it (for a column: rows where it is not NULL).
	Rows int64 `json:"rows"`
	// Allowed is the reason of the statement's directive, if it has one.
	Allowed string `json:"allowed,omitempty"`
}

func (l Loss) String() string {
	s := fmt.Sprintf("line %d: %s drops %s, which holds %d row(s)", l.Line, oneLine(l.Statement), l.Object, l.Rows)
	if strings.HasPrefix(l.Object, "column") {
		s = fmt.Sprintf("line %d: %s drops %s, which holds a value in %d row(s)", l.Line, oneLine(l.Statement), l.Object, l.Rows)
	}
	return s
}

// DataLossError lists the statements of a file that would drop data.
type DataLossError struct {
	Losses []Loss
}

func (e *DataLossError) Error() string {
	var lines []string
	for _, l := range e.Losses {
		lines = append(lines, "  "+l.String())
	}
	return fmt.Sprintf("refused before running it: the file %s:\n%s\n  nothing of the file was run. If the loss is intended, run go run ./cmd apply --allow-data-loss, or put -- plugmig:allow data-loss: <reason> above each statement and run go run ./cmd hash", ErrDataLoss, strings.Join(lines, "\n"))
}

func (e *DataLossError) Unwrap() error { return ErrDataLoss }

var (
	dropTablesRe   = lazyre.New(`(?is)^\s*DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?(.+?)\s*(?:CASCADE|RESTRICT)?\s*;?\s*$`)
	alterRe        = lazyre.New(`(?is)^\s*ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?((?:[` + "`" + `"]?[^\s` + "`" + `"]+[` + "`" + `"]?\.)?[` + "`" + `"]?[^\s` + "`" + `"]+[` + "`" + `"]?)\s+(.*?)\s*;?\s*$`)
	dropColRe      = lazyre.New(`(?is)^DROP\s+(?:COLUMN\s+)?(?:IF\s+EXISTS\s+)?([` + "`" + `"]?[^\s` + "`" + `",;]+[` + "`" + `"]?)\s*(?:CASCADE|RESTRICT)?$`)
	dropNotColRe   = lazyre.New(`(?i)^DROP\s+(PRIMARY|INDEX|KEY|FOREIGN|CONSTRAINT|CHECK|DEFAULT|PARTITION|SYSTEM|PERIOD)\b`)
	copyIntoRe     = lazyre.New(`(?is)^\s*INSERT\s+INTO\s+(\S+)\s*\(([^)]*)\)\s*SELECT\s+(.*?)\s+FROM\s+(\S+?)(\s+WHERE\s+.*?)?\s*;?\s*$`)
	truncateRe     = lazyre.New(`(?is)^\s*TRUNCATE\s+(?:TABLE\s+)?(?:ONLY\s+)?(.+?)\s*(?:(?:RESTART|CONTINUE)\s+IDENTITY\s*)?(?:CASCADE|RESTRICT)?\s*;?\s*$`)
	renameBackRe   = lazyre.New(`(?is)^\s*ALTER\s+TABLE\s+(\S+)\s+RENAME\s+TO\s+(\S+?)\s*;?\s*$`)
	allowDataLoss  = lazyre.New(`^\s*(?:--|#)\s*plugmig:allow\s+data-loss\s*(?::\s*(.*?))?\s*$`)
	identQuoteTrim = "`\"[] "
)

// unquote returns an identifier without quotes or schema qualifier.
func unquote(ident string) string {
	ident = strings.TrimSpace(ident)
	if i := strings.LastIndex(ident, "."); i >= 0 {
		ident = ident[i+1:]
	}
	return strings.Trim(ident, identQuoteTrim)
}

// DataLoss returns the statements of a pending file (from the first one
// not yet applied) that would drop a table or a column holding data now,
// or empty a table holding rows (TRUNCATE).
// An Atlas SQLite rebuild (copy into new_t, drop t, rename new_t to t)
// drops data only when it leaves out a column holding values.
func (m *Migrator) DataLoss(ctx context.Context, bp *BranchPlan, f migrate.File) ([]Loss, error) {
	decls, err := migdir.Stmts(m.dialect, f)
	if err != nil {
		return nil, err
	}
	from := 0
	for _, r := range bp.Revisions {
		if r.Version == f.Version() && r.Applied < len(decls) {
			from = r.Applied
		}
	}
	// Rebuilds: new_t copied from t, then renamed back to t.
	copied := map[string][]string{} // t → the columns copied into new_t
	renamedBack := map[string]bool{}
	filtered := map[string]string{} // t → the WHERE its copy keeps rows by
	for _, d := range decls {
		text := stripLeadingComments(d.Text)
		if g := copyIntoRe.FindStringSubmatch(text); g != nil {
			var cols []string
			for _, c := range strings.Split(g[2], ",") {
				cols = append(cols, unquote(c))
			}
			copied[unquote(g[4])+"\x00"+unquote(g[1])] = cols
			if g[5] != "" {
				filtered[unquote(g[4])] = strings.TrimSpace(g[5])
			}
		}
		if g := renameBackRe.FindStringSubmatch(text); g != nil {
			renamedBack[unquote(g[1])+"\x00"+unquote(g[2])] = true
		}
	}
	var losses []Loss
	for _, d := range decls[from:] {
		text := stripLeadingComments(d.Text)
		line := 1 + strings.Count(string(f.Bytes()[:min(d.Pos, len(f.Bytes()))]), "\n")
		allowed, problem := allowedLoss(d.Comments)
		if problem != "" {
			return nil, fmt.Errorf("line %d: %s", line, problem)
		}
		add := func(object string, n int64) {
			if n > 0 {
				losses = append(losses, Loss{Line: line, Statement: d.Text, Object: object, Rows: n, Allowed: allowed})
			}
		}
		if g := dropTablesRe.FindStringSubmatch(text); g != nil {
			for _, t := range splitTopLevel(g[1]) {
				t = unquote(t)
				if cols, ok := m.rebuild(t, copied, renamedBack); ok {
					if where, ok := filtered[t]; ok {
						n, err := m.count(ctx, t, "")
						if err != nil {
							return nil, err
						}
						add(fmt.Sprintf("rows of table %s (the rebuild copies only those matching %s)", t, oneLine(where)), n)
						continue
					}
					for _, c := range m.omitted(ctx, t, cols) {
						n, err := m.count(ctx, t, c)
						if err != nil {
							return nil, err
						}
						add(fmt.Sprintf("column %s.%s (the rebuild of %s leaves it out)", t, c, t), n)
					}
					continue
				}
				n, err := m.count(ctx, t, "")
				if err != nil {
					return nil, err
				}
				add("table "+t, n)
			}
			continue
		}
		if g := truncateRe.FindStringSubmatch(text); g != nil {
			for _, t := range splitTopLevel(g[1]) {
				t = unquote(strings.TrimSuffix(strings.TrimSpace(t), "*"))
				n, err := m.count(ctx, t, "")
				if err != nil {
					return nil, err
				}
				add("every row of table "+t+" (TRUNCATE)", n)
			}
			continue
		}
		g := alterRe.FindStringSubmatch(text)
		if g == nil {
			continue
		}
		t := unquote(g[1])
		for _, clause := range splitTopLevel(g[2]) {
			clause = strings.TrimSpace(clause)
			c := dropColRe.FindStringSubmatch(clause)
			if c == nil || dropNotColRe.MatchString(clause) {
				continue
			}
			n, err := m.count(ctx, t, unquote(c[1]))
			if err != nil {
				return nil, err
			}
			add(fmt.Sprintf("column %s.%s", t, unquote(c[1])), n)
		}
	}
	return losses, nil
}

// rebuild reports whether dropping t is part of a rebuild in the same file
// (t copied into a new table that is then renamed to t), and which columns
// the copy keeps.
func (m *Migrator) rebuild(t string, copied map[string][]string, renamedBack map[string]bool) ([]string, bool) {
	for k, cols := range copied {
		from, into, _ := strings.Cut(k, "\x00")
		if from == t && renamedBack[into+"\x00"+t] {
			return cols, true
		}
	}
	return nil, false
}

// omitted returns the columns of table t that a rebuild does not copy.
func (m *Migrator) omitted(ctx context.Context, t string, kept []string) []string {
	drv, err := m.baseDriver()
	if err != nil {
		return nil
	}
	s, err := drv.InspectSchema(ctx, "", nil)
	if err != nil {
		return nil
	}
	var out []string
	for _, tbl := range s.Tables {
		if tbl.Name != t {
			continue
		}
		for _, c := range tbl.Columns {
			found := false
			for _, k := range kept {
				found = found || strings.EqualFold(k, c.Name)
			}
			if !found {
				out = append(out, c.Name)
			}
		}
	}
	return out
}

// count returns the rows of table t, or those where column c is not NULL;
// 0 when the table or column does not exist (the statement then fails on
// its own).
//
// On PostgreSQL the count runs as the migrator on a name a plugin file
// chose, so it must run none of the plugin's code: a view's query, or a
// row-level security policy, may call a plugin function, which would run
// with the migrator's privileges (the view's owner only lends its table
// privileges, not its identity). So only an ordinary or partitioned table
// is counted (a view, materialized view or foreign table holds no rows a
// DROP TABLE, TRUNCATE or DROP COLUMN could take: those statements fail on
// it), with row_security off, which makes PostgreSQL refuse instead of
// applying a policy.
func (m *Migrator) count(ctx context.Context, t, c string) (int64, error) {
	if m.dialect == "postgres" {
		return m.countPG(ctx, t, c)
	}
	query := "SELECT count(*) FROM " + m.quote(t)
	if c != "" {
		query += " WHERE " + m.quote(c) + " IS NOT NULL"
	}
	var n int64
	if err := m.db.QueryRowContext(ctx, query).Scan(&n); err != nil {
		if exists, _ := m.tableExists(ctx, t); !exists || c != "" {
			return 0, nil
		}
		return 0, fmt.Errorf("count the rows of %s: %w", t, err)
	}
	return n, nil
}

func (m *Migrator) tableExists(ctx context.Context, t string) (bool, error) {
	var query string
	switch m.dialect {
	case "sqlite":
		query = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?"
	case "postgres":
		query = "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1"
	default:
		query = "SELECT count(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?"
	}
	var n int
	err := m.db.QueryRowContext(ctx, query, t).Scan(&n)
	return n > 0, err
}

// allowedLoss returns the reason of a statement's data-loss directive, or
// a problem when the directive has no reason.
func allowedLoss(comments []string) (reason, problem string) {
	for _, c := range comments {
		if g := allowDataLoss.FindStringSubmatch(strings.TrimSpace(c)); g != nil {
			if g[1] == "" {
				return "", fmt.Sprintf("%q has no reason: write -- plugmig:allow data-loss: <why the data may go>", strings.TrimSpace(c))
			}
			return g[1], ""
		}
	}
	return "", ""
}

// stripLeadingComments drops the comment lines before a statement.
func stripLeadingComments(s string) string {
	for {
		s = strings.TrimLeft(s, " \t\r\n")
		if !strings.HasPrefix(s, "--") && !strings.HasPrefix(s, "#") {
			return s
		}
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			return ""
		}
		s = s[i+1:]
	}
}

// CheckDataLoss returns the refusal apply would give a pending file that
// drops data (a *DataLossError), or nil. apply --dry-run shows it.
func (m *Migrator) CheckDataLoss(ctx context.Context, bp *BranchPlan, f migrate.File) error {
	return m.checkDataLoss(ctx, bp, f)
}

// checkDataLoss refuses a file that drops data, unless allowed.
func (m *Migrator) checkDataLoss(ctx context.Context, bp *BranchPlan, f migrate.File) error {
	if m.allowDataLoss || !mayDropData(f) {
		return nil
	}
	losses, err := m.DataLoss(ctx, bp, f)
	if err != nil {
		return err
	}
	var refused []Loss
	for _, l := range losses {
		if l.Allowed == "" {
			refused = append(refused, l)
		}
	}
	if len(refused) > 0 {
		return &DataLossError{Losses: refused}
	}
	return nil
}

// mayDropData is a cheap first look: only files with the word DROP or
// TRUNCATE are inspected.
func mayDropData(f migrate.File) bool { return sqltext.HasWord(f.Bytes(), "DROP", "TRUNCATE") }

// countPG is count on PostgreSQL: a table of the current schema only,
// never a view, and never through a row-level security policy.
func (m *Migrator) countPG(ctx context.Context, t, c string) (int64, error) {
	var kind string
	err := m.db.QueryRowContext(ctx, `SELECT relkind::text FROM pg_class WHERE relnamespace = current_schema()::regnamespace AND relname = $1`, t).Scan(&kind)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && kind != "r" && kind != "p") {
		return 0, nil // no table: the statement fails on its own
	}
	if err != nil {
		return 0, fmt.Errorf("count the rows of %s: %w", t, err)
	}
	query := "SELECT count(*) FROM " + m.quote(t)
	if c != "" {
		var has bool
		if err := m.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = $1::regclass AND attname = $2 AND attnum > 0 AND NOT attisdropped)`, m.quote(t), c).Scan(&has); err != nil || !has {
			return 0, err
		}
		query += " WHERE " + m.quote(c) + " IS NOT NULL"
	}
	tx, err := m.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	var n int64
	if _, err = tx.ExecContext(ctx, "SET LOCAL row_security = off"); err == nil {
		err = tx.QueryRowContext(ctx, query).Scan(&n)
	}
	if err != nil {
		return 0, fmt.Errorf("count the rows of %s (as the migrator, without its row-level security policies, which could run the plugin's functions with the migrator's privileges): %w; disable row-level security on %s in an earlier file (ALTER TABLE %s NO FORCE ROW LEVEL SECURITY), or apply as a user with BYPASSRLS", t, err, t, t)
	}
	return n, nil
}
