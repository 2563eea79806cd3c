package apply

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"ariga.io/atlas/sql/migrate"

	"github.com/plugmig/plugmig/engine/roles"
)

// HistoryTable is the one table that records every branch's revisions
// (named in package roles, whose row security guards it).
const HistoryTable = roles.HistoryTable

// historyDDL creates the history table; the same statement works on
// SQLite, PostgreSQL and MySQL.
const historyDDL = `CREATE TABLE IF NOT EXISTS plugmig_history (
  branch varchar(255) NOT NULL,
  version varchar(255) NOT NULL,
  description varchar(255) NOT NULL,
  type varchar(32) NOT NULL,
  applied integer NOT NULL,
  total integer NOT NULL,
  executed_at varchar(64) NOT NULL,
  duration_us bigint NOT NULL,
  hash varchar(255) NOT NULL,
  partial_hashes text NULL,
  error text NULL,
  error_stmt text NULL,
  operator_version varchar(255) NOT NULL,
  PRIMARY KEY (branch, version)
)`

// timeFormat stores times as fixed-width UTC text, so they sort in SQL.
const timeFormat = "2006-01-02T15:04:05.000000000Z"

// Revision is one row of the history: an Atlas revision and its branch.
type Revision struct {
	Branch string
	*migrate.Revision
}

// conn is what the history is read and written through: a pool, a
// connection or a transaction.
type conn interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// store reads and writes the history table of one database.
type store struct {
	dialect string
	db      conn
	// schema, if set, qualifies the table: on a plugin's own session an
	// unqualified name could resolve to a temporary table of the file's.
	schema string
}

// table is the history table's name in queries.
func (s store) table() string {
	if s.schema == "" {
		return HistoryTable
	}
	return `"` + strings.ReplaceAll(s.schema, `"`, `""`) + `".` + HistoryTable
}

func (s store) q(query string) string { return Rebind(s.dialect, query) }

// Rebind rewrites a query's "?" placeholders as "$1", "$2", ... on
// PostgreSQL; other dialects take "?" as written.
func Rebind(dialect, query string) string {
	if dialect != "postgres" {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// exists reports whether the history table exists.
func (s store) exists(ctx context.Context) (bool, error) {
	var query string
	switch s.dialect {
	case "sqlite":
		query = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?"
	case "postgres":
		query = "SELECT count(*) FROM pg_catalog.pg_class WHERE relnamespace = current_schema()::regnamespace AND relname = ? AND relkind IN ('r', 'p')"
	default:
		query = "SELECT count(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?"
	}
	rows, err := s.db.QueryContext(ctx, s.q(query), HistoryTable)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	var n int
	if rows.Next() {
		if err := rows.Scan(&n); err != nil {
			return false, err
		}
	}
	return n > 0, rows.Err()
}

func (s store) create(ctx context.Context) error {
	_, err := s.db.ExecContext(ctx, historyDDL)
	return err
}

// all returns every revision, ordered by branch and version. A database
// without the history table has none.
func (s store) all(ctx context.Context) ([]Revision, error) {
	ok, err := s.exists(ctx)
	if err != nil || !ok {
		return nil, err
	}
	return s.read(ctx, "")
}

func (s store) read(ctx context.Context, branch string) ([]Revision, error) {
	query := "SELECT branch, version, description, type, applied, total, executed_at, duration_us, hash, partial_hashes, error, error_stmt, operator_version FROM " + s.table()
	var args []any
	if branch != "" {
		query += " WHERE branch = ?"
		args = append(args, branch)
	}
	rows, err := s.db.QueryContext(ctx, s.q(query+" ORDER BY branch, version"), args...)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", HistoryTable, err)
	}
	defer rows.Close()
	var revs []Revision
	for rows.Next() {
		var (
			r                     = Revision{Revision: &migrate.Revision{}}
			typ, at               string
			us                    int64
			partial, errMsg, stmt sql.NullString
		)
		if err := rows.Scan(&r.Branch, &r.Version, &r.Description, &typ, &r.Applied, &r.Total, &at, &us, &r.Hash, &partial, &errMsg, &stmt, &r.OperatorVersion); err != nil {
			return nil, err
		}
		r.Type = parseType(typ)
		r.ExecutedAt, _ = time.Parse(timeFormat, at)
		r.ExecutionTime = time.Duration(us) * time.Microsecond
		r.Error, r.ErrorStmt = errMsg.String, stmt.String
		if partial.String != "" {
			if err := json.Unmarshal([]byte(partial.String), &r.PartialHashes); err != nil {
				return nil, fmt.Errorf("%w: %s row of branch %q version %s: partial_hashes holds %q, not a JSON list of statement hashes (edited by hand?); nothing was done: clear it with UPDATE %s SET partial_hashes = NULL WHERE branch = '%s' AND version = '%s'",
					ErrIntegrity, HistoryTable, r.Branch, r.Version, clip(partial.String, 40), HistoryTable, r.Branch, r.Version)
			}
		}
		revs = append(revs, r)
	}
	return revs, rows.Err()
}

func (s store) write(ctx context.Context, branch string, r *migrate.Revision) error {
	return s.put(ctx, branch, r, true)
}

// insert adds a revision the history has no row of.
func (s store) insert(ctx context.Context, branch string, r *migrate.Revision) error {
	return s.put(ctx, branch, r, false)
}

func (s store) put(ctx context.Context, branch string, r *migrate.Revision, upsert bool) error {
	_, err := s.db.ExecContext(ctx, s.insertSQL(upsert, 1), revisionArgs(branch, r)...)
	if err != nil {
		return fmt.Errorf("write %s: %w", HistoryTable, err)
	}
	return nil
}

// writeAll upserts revisions, many rows per statement: a single-transaction
// run's history, written with its commit.
func (s store) writeAll(ctx context.Context, revs []Revision) error {
	const rows = 500 // 13 arguments a row: well under every dialect's limit
	for len(revs) > 0 {
		n := min(len(revs), rows)
		args := make([]any, 0, n*(2+len(historyValues)))
		for _, r := range revs[:n] {
			args = append(args, revisionArgs(r.Branch, r.Revision)...)
		}
		if _, err := s.db.ExecContext(ctx, s.insertSQL(true, n), args...); err != nil {
			return fmt.Errorf("write %s: %w", HistoryTable, err)
		}
		revs = revs[n:]
	}
	return nil
}

// historyValues are the history's columns after its key (branch, version),
// which an upsert replaces.
var historyValues = []string{"description", "type", "applied", "total", "executed_at", "duration_us", "hash", "partial_hashes", "error", "error_stmt", "operator_version"}

// insertSQL is the statement that inserts n revisions (revisionArgs each),
// or with upsert replaces the rows of the same branch and version.
func (s store) insertSQL(upsert bool, n int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO " + s.table() + " (branch, version, " + strings.Join(historyValues, ", ") + ") VALUES ")
	row := "(?, ?" + strings.Repeat(", ?", len(historyValues)) + ")"
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	if upsert {
		set := make([]string, len(historyValues))
		for i, c := range historyValues {
			if s.dialect == "mysql" {
				set[i] = c + " = VALUES(" + c + ")"
			} else {
				set[i] = c + " = excluded." + c
			}
		}
		if s.dialect == "mysql" {
			b.WriteString(" ON DUPLICATE KEY UPDATE ")
		} else {
			b.WriteString(" ON CONFLICT (branch, version) DO UPDATE SET ")
		}
		b.WriteString(strings.Join(set, ", "))
	}
	return s.q(b.String())
}

// revisionArgs are a revision's values in the order of insertSQL's columns.
func revisionArgs(branch string, r *migrate.Revision) []any {
	var partial sql.NullString
	if len(r.PartialHashes) > 0 {
		b, _ := json.Marshal(r.PartialHashes)
		partial = sql.NullString{String: string(b), Valid: true}
	}
	return []any{branch, r.Version, r.Description, typeName(r), r.Applied, r.Total,
		r.ExecutedAt.UTC().Format(timeFormat), r.ExecutionTime.Microseconds(), r.Hash, partial,
		nullString(r.Error), nullString(r.ErrorStmt), r.OperatorVersion}
}

func (s store) delete(ctx context.Context, branch, version string) error {
	query, args := "DELETE FROM "+s.table()+" WHERE branch = ?", []any{branch}
	if version != "" {
		query += " AND version = ?"
		args = append(args, version)
	}
	_, err := s.db.ExecContext(ctx, s.q(query), args...)
	return err
}

// deleteVersions deletes a branch's revisions of the versions.
func (s store) deleteVersions(ctx context.Context, branch string, versions []string) error {
	if len(versions) == 0 {
		return nil
	}
	args := []any{branch}
	for _, v := range versions {
		args = append(args, v)
	}
	query := "DELETE FROM " + s.table() + " WHERE branch = ? AND version IN (?" + strings.Repeat(", ?", len(versions)-1) + ")"
	if _, err := s.db.ExecContext(ctx, s.q(query), args...); err != nil {
		return fmt.Errorf("write %s: %w", HistoryTable, err)
	}
	return nil
}

// Type names of the history's TYPE column besides Atlas's ("applied",
// "baseline"): a failed attempt is never recorded as applied.
const (
	// TypeApplied is a file that ran to its end (Atlas's name).
	TypeApplied = "applied"
	// TypeFailed is a file whose last attempt failed: on SQLite and
	// PostgreSQL nothing of it was applied; on MySQL the statements before
	// the failing one were.
	TypeFailed = "failed"
	// TypePartial is a file that started and did not finish (MySQL, whose
	// DDL commits statement by statement: a run that was killed).
	TypePartial = "partial"
	// TypeDown is a finished down (see Migrator.Down): its version is a
	// DownKey naming the versions it went from and to.
	TypeDown = "down"
)

// typeName is the TYPE recorded for a revision.
func typeName(r *migrate.Revision) string {
	if r.Type == migrate.RevisionTypeExecute {
		switch {
		case r.Error != "":
			return TypeFailed
		case r.Applied < r.Total:
			return TypePartial
		case IsDownKey(r.Version):
			return TypeDown
		}
	}
	return r.Type.String()
}

// TypeName is the revision's TYPE as the history records it: "applied",
// "baseline", "failed" or "partial".
func (r Revision) TypeName() string { return typeName(r.Revision) }

func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

func parseType(s string) migrate.RevisionType {
	if s == TypeFailed || s == TypePartial || s == TypeDown {
		return migrate.RevisionTypeExecute
	}
	for _, t := range []migrate.RevisionType{migrate.RevisionTypeBaseline, migrate.RevisionTypeExecute, migrate.RevisionTypeResolved, migrate.RevisionTypeExecute | migrate.RevisionTypeResolved} {
		if t.String() == s {
			return t
		}
	}
	return migrate.RevisionTypeUnknown
}

// branchRevisions is the Atlas RevisionReadWriter of one branch.
type branchRevisions struct {
	branch string
	store  store
}

var _ migrate.RevisionReadWriter = branchRevisions{}

// Ident names the history table.
func (b branchRevisions) Ident() *migrate.TableIdent { return &migrate.TableIdent{Name: HistoryTable} }

// ReadRevisions returns the branch's revisions, by version.
func (b branchRevisions) ReadRevisions(ctx context.Context) ([]*migrate.Revision, error) {
	revs, err := b.store.read(ctx, b.branch)
	if err != nil {
		return nil, err
	}
	out := make([]*migrate.Revision, len(revs))
	for i, r := range revs {
		out[i] = r.Revision
	}
	return out, nil
}

// ReadRevision returns one revision of the branch.
func (b branchRevisions) ReadRevision(ctx context.Context, version string) (*migrate.Revision, error) {
	revs, err := b.ReadRevisions(ctx)
	if err != nil {
		return nil, err
	}
	for _, r := range revs {
		if r.Version == version {
			return r, nil
		}
	}
	return nil, migrate.ErrRevisionNotExist
}

// WriteRevision inserts or updates a revision of the branch.
func (b branchRevisions) WriteRevision(ctx context.Context, r *migrate.Revision) error {
	return b.store.write(ctx, b.branch, r)
}

// DeleteRevision deletes a revision of the branch.
func (b branchRevisions) DeleteRevision(ctx context.Context, version string) error {
	return b.store.delete(ctx, b.branch, version)
}

// byBranch groups the revisions of files by branch, each in version
// order; downs' revisions are left out (see downsOf).
func byBranch(all []Revision) map[string][]*migrate.Revision {
	revs := map[string][]*migrate.Revision{}
	for _, r := range all {
		if !IsDownKey(r.Version) {
			revs[r.Branch] = append(revs[r.Branch], r.Revision)
		}
	}
	return revs
}

// downsOf returns a branch's downs' revisions, in the order they ran.
func downsOf(all []Revision, branch string) []*migrate.Revision {
	var out []*migrate.Revision
	for _, r := range all {
		if r.Branch == branch && IsDownKey(r.Version) {
			out = append(out, r.Revision)
		}
	}
	slices.SortStableFunc(out, func(a, b *migrate.Revision) int { return a.ExecutedAt.Compare(b.ExecutedAt) })
	return out
}

// clip shortens s to n bytes for a message.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
