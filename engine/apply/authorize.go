package apply

import (
	"context"
	"database/sql"
	"fmt"

	"ariga.io/atlas/sql/migrate"

	"github.com/plugmig/plugmig/engine/lint"
	"github.com/plugmig/plugmig/engine/migdir"
	"github.com/plugmig/plugmig/engine/plugin"
	"github.com/plugmig/plugmig/engine/sqliteauth"
	"github.com/plugmig/plugmig/engine/sqlitefk"
)

// beginFile starts the transaction one file runs in. A SQLite plugin file
// runs on a connection of its own with SQLite's authorizer installed (the
// guard turns it on for each of the file's statements); release removes
// the authorizer and returns the connection to the pool: call it once the
// transaction is over.
func (m *Migrator) beginFile(ctx context.Context, guard *lint.Guard, bp *BranchPlan, fk bool) (tx *sql.Tx, release func(), err error) {
	branch := bp.Branch
	if m.dialect == "postgres" && branch != plugin.Core && bp.session != nil {
		tx, err := bp.session.BeginTx(ctx, nil) // the plugin's own session
		return tx, func() {}, err
	}
	if m.dialect != "sqlite" || (branch == plugin.Core && !fk) {
		tx, err := m.db.BeginTx(ctx, nil)
		return tx, func() {}, err
	}
	c, err := m.db.Conn(ctx)
	if err != nil {
		return nil, nil, err
	}
	var auth *sqliteauth.Authorizer
	release = func() {
		if auth != nil {
			sqliteauth.Uninstall(c)
		}
		if fk {
			restoreForeignKeys(c) // and closes c
			return
		}
		c.Close()
	}
	if fk {
		// SQLite's procedure for schema changes: foreign keys off on the
		// connection before the transaction (see package sqlitefk).
		if err := sqlitefk.Off(ctx, c); err != nil {
			c.Close()
			return nil, nil, err
		}
	}
	if branch != plugin.Core {
		a := sqliteauth.New()
		if err := a.Install(ctx, c); err != nil {
			release()
			return nil, nil, fmt.Errorf("install SQLite's authorizer: %w", err)
		}
		auth = a
		guard.Authorize(auth)
	}
	if tx, err = c.BeginTx(ctx, nil); err != nil {
		release()
		return nil, nil, err
	}
	return tx, release, nil
}

// beginShared starts the one transaction of a single-transaction run; on
// SQLite on a connection of its own with the authorizer installed, which
// each plugin file's guard turns on for its statements, and foreign keys
// off when a pending file rebuilds a table (fk).
func (m *Migrator) beginShared(ctx context.Context, fk bool) (tx *sql.Tx, release func(), err error) {
	if m.dialect != "sqlite" {
		tx, err := m.db.BeginTx(ctx, nil)
		return tx, func() {}, err
	}
	c, err := m.db.Conn(ctx)
	if err != nil {
		return nil, nil, err
	}
	if fk {
		if err := sqlitefk.Off(ctx, c); err != nil {
			c.Close()
			return nil, nil, err
		}
	}
	auth := sqliteauth.New()
	release = func() {
		m.sharedAuth = nil
		sqliteauth.Uninstall(c)
		if fk {
			restoreForeignKeys(c)
			return
		}
		c.Close()
	}
	if err := auth.Install(ctx, c); err != nil {
		release()
		return nil, nil, fmt.Errorf("install SQLite's authorizer: %w", err)
	}
	if tx, err = c.BeginTx(ctx, nil); err != nil {
		release()
		return nil, nil, err
	}
	m.sharedAuth = auth
	return tx, release, nil
}

// ScanStmts splits a file into statements as the dialect's driver does
// (a trigger's BEGIN ... END stays one statement).
func (d connDriver) ScanStmts(input string) ([]*migrate.Stmt, error) {
	if s, ok := d.Driver.(migrate.StmtScanner); ok {
		return s.ScanStmts(input)
	}
	return migrate.Stmts(input)
}

// Stmts splits a file into the statements apply runs, as the dialect's
// driver does (dry runs print them).
func (m *Migrator) Stmts(f migrate.File) ([]string, error) {
	return migdir.StmtTexts(m.dialect, f)
}
