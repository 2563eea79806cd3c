package sqliteauth

import (
	"context"
	"database/sql"
	"strings"

	"ariga.io/atlas/sql/migrate"
)

// OwnerPolicy is the policy of owner: ownerOf returns who owns a name
// ("" for no one), existing lists the objects there now (lower-cased).
func OwnerPolicy(owner string, ownerOf func(name string) string, existing map[string]bool) *Policy {
	owns := func(name string) bool { return ownerOf(name) == owner }
	return &Policy{
		Owns: owns,
		Foreign: func(name string) bool {
			if o := ownerOf(name); o != "" && o != owner {
				return true
			}
			return existing[name] && !owns(name)
		},
	}
}

// Existing returns the names of the objects in a SQLite database's schema,
// lower-cased, for OwnerPolicy.
func Existing(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}) (map[string]bool, error) {
	rows, err := q.QueryContext(ctx, "SELECT name FROM sqlite_master")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	names := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		names[strings.ToLower(n)] = true
	}
	return names, rows.Err()
}

// Driver is Atlas's driver whose statements run under the authorizer with
// a policy: replays of a plugin's history (lint, diff).
type Driver struct {
	migrate.Driver
	Auth   *Authorizer
	Policy *Policy
}

// ExecContext runs a statement under the policy.
func (d Driver) ExecContext(ctx context.Context, query string, args ...any) (res sql.Result, err error) {
	err = d.Auth.Run(d.Policy, query, func() (err error) {
		res, err = d.Driver.ExecContext(ctx, query, args...)
		return err
	})
	return res, err
}

// ScanStmts splits files as the underlying driver does.
func (d Driver) ScanStmts(input string) ([]*migrate.Stmt, error) {
	if s, ok := d.Driver.(migrate.StmtScanner); ok {
		return s.ScanStmts(input)
	}
	return migrate.Stmts(input)
}
