// Package sqlitefk follows SQLite's documented procedure for schema changes
// that rebuild a table (https://www.sqlite.org/lang_altertable.html, "Making
// Other Kinds Of Table Schema Changes"): foreign key enforcement is turned
// off on the connection before the transaction (PRAGMA foreign_keys is a
// no-op inside one), the change runs, PRAGMA foreign_key_check must find no
// row whose reference points nowhere before the commit, and enforcement is
// turned on again.
//
// Atlas writes such rebuilds ("PRAGMA foreign_keys = off; CREATE TABLE
// new_x ...; INSERT INTO new_x SELECT ...; DROP TABLE x; ALTER TABLE new_x
// RENAME TO x; PRAGMA foreign_keys = on"), and on a database whose rows
// reference x they fail with "FOREIGN KEY constraint failed" unless the
// procedure is followed around the file's transaction.
package sqlitefk

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/plugmig/plugmig/engine/internal/lazyre"
)

// Execer runs statements: a connection, a transaction, an Atlas driver.
type Execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// Querier runs queries: a connection, a transaction, an Atlas driver.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// schemaChange matches the statements the procedure covers: the pragma
// Atlas writes around a rebuild, dropping a table (its implicit DELETE
// checks references), renaming one.
var schemaChange = lazyre.New(`(?is)^\s*(PRAGMA\s+foreign_keys\b|DROP\s+TABLE\b|ALTER\s+TABLE\s+\S+\s+RENAME\s+TO\b)`)

// Needed reports whether a file's statements change the schema in a way
// that needs the procedure (a table rebuild, a dropped or renamed table).
// Other files keep foreign keys enforced statement by statement.
func Needed(stmts []string) bool {
	for _, s := range stmts {
		if schemaChange.MatchString(stripComments(s)) {
			return true
		}
	}
	return false
}

// stripComments drops the leading "--" comment lines of a statement.
func stripComments(s string) string {
	for {
		s = strings.TrimLeft(s, " \t\r\n")
		if !strings.HasPrefix(s, "--") {
			return s
		}
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			return ""
		}
		s = s[i+1:]
	}
}

// Off turns foreign key enforcement off on a connection, outside any
// transaction.
func Off(ctx context.Context, c Execer) error {
	if _, err := c.ExecContext(ctx, "PRAGMA foreign_keys = off"); err != nil {
		return fmt.Errorf("turn foreign keys off before the schema change: %w", err)
	}
	return nil
}

// On turns foreign key enforcement on again on a connection, after the
// transaction.
func On(ctx context.Context, c Execer) error {
	if _, err := c.ExecContext(ctx, "PRAGMA foreign_keys = on"); err != nil {
		return fmt.Errorf("turn foreign keys on after the schema change: %w", err)
	}
	return nil
}

// Violation is one row whose foreign key points to no row.
type Violation struct {
	Table  string // the referencing table
	RowID  int64  // its rowid (0 for a WITHOUT ROWID table)
	Parent string // the referenced table
}

// Error is returned by Check when rows reference nothing.
type Error struct {
	Violations []Violation
	More       bool // more rows than listed
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("PRAGMA foreign_key_check: the change leaves rows whose foreign key points to no row:")
	for _, v := range e.Violations {
		fmt.Fprintf(&b, "\n    %s rowid %d -> %s", v.Table, v.RowID, v.Parent)
	}
	if e.More {
		b.WriteString("\n    ... and more (run PRAGMA foreign_key_check on a copy to see them all)")
	}
	return b.String()
}

// maxListed bounds the rows an Error lists.
const maxListed = 20

// Check runs PRAGMA foreign_key_check and returns an *Error naming the
// offending rows, if any.
func Check(ctx context.Context, q Querier) error {
	rows, err := q.QueryContext(ctx, "PRAGMA foreign_key_check")
	if err != nil {
		return fmt.Errorf("PRAGMA foreign_key_check: %w", err)
	}
	defer rows.Close()
	var e Error
	for rows.Next() {
		if len(e.Violations) == maxListed {
			e.More = true
			break
		}
		var (
			v     Violation
			rowid sql.NullInt64
			fkid  sql.NullInt64
		)
		if err := rows.Scan(&v.Table, &rowid, &v.Parent, &fkid); err != nil {
			return fmt.Errorf("PRAGMA foreign_key_check: %w", err)
		}
		v.RowID = rowid.Int64
		e.Violations = append(e.Violations, v)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("PRAGMA foreign_key_check: %w", err)
	}
	if len(e.Violations) > 0 {
		return &e
	}
	return nil
}
