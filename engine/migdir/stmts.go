package migdir

import (
	"fmt"

	"ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/mysql"
	"ariga.io/atlas/sql/postgres"
	"ariga.io/atlas/sql/sqlite"
)

// Stmts splits a file into statements exactly as Atlas's executor does on
// the dialect: a SQLite or MySQL trigger's BEGIN ... END body and a
// PostgreSQL dollar-quoted function body stay one statement. Lint, apply,
// the MySQL resume point and dry runs all count statements this way.
func Stmts(dialect string, f migrate.File) ([]*migrate.Stmt, error) {
	var s migrate.StmtScanner
	switch dialect {
	case "sqlite":
		s = (*sqlite.Driver)(nil)
	case "postgres":
		s = (*postgres.Driver)(nil)
	case "mysql":
		s = (*mysql.Driver)(nil)
	default:
		return nil, fmt.Errorf("unknown dialect %q", dialect)
	}
	if _, ok := f.(*migrate.LocalFile); !ok {
		return f.StmtDecls()
	}
	return s.ScanStmts(string(f.Bytes()))
}

// StmtTexts is Stmts without the positions and comments.
func StmtTexts(dialect string, f migrate.File) ([]string, error) {
	stmts, err := Stmts(dialect, f)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(stmts))
	for i, s := range stmts {
		out[i] = s.Text
	}
	return out, nil
}
