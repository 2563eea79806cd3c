package roles

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/plugmig/plugmig/engine/internal/lazyre"
)

// Account is a MySQL/MariaDB account and its password for this run.
type Account struct {
	User, Host string
	password   string
}

// Password returns the account's password for this run. Never print it.
func (a Account) Password() string { return a.password }

// String names the account, without its password.
func (a Account) String() string { return quoteMyString(a.User) + "@" + quoteMyString(a.Host) }

// MyAccount creates (or re-keys) an account with a new random password.
// Its host is that of the connected account, so it connects from wherever
// the migrator does. Any privilege it held is revoked: grant with MyGrant.
func MyAccount(ctx context.Context, admin Querier, user string) (Account, error) {
	var cur string
	if err := admin.QueryRowContext(ctx, `SELECT CURRENT_USER()`).Scan(&cur); err != nil {
		return Account{}, err
	}
	host := cur[strings.LastIndex(cur, "@")+1:]
	a := Account{User: user, Host: host, password: Password()}
	pw := quoteMyString(a.password)
	for _, s := range []string{
		"CREATE USER IF NOT EXISTS " + a.String() + " IDENTIFIED BY " + pw,
		"ALTER USER " + a.String() + " IDENTIFIED BY " + pw,
		"REVOKE ALL PRIVILEGES, GRANT OPTION FROM " + a.String(),
	} {
		if _, err := admin.ExecContext(ctx, s); err != nil {
			return Account{}, fmt.Errorf("account %s: %s: %w", a, redactPassword(s, a.password), err)
		}
	}
	return a, nil
}

// MyGrant grants an account SELECT and REFERENCES on the tables read and
// all privileges on the tables own (which need not exist yet), in database
// db, and nothing else.
func MyGrant(ctx context.Context, admin Querier, a Account, db string, read, own []string) error {
	var stmts []string
	for _, t := range read {
		stmts = append(stmts, "GRANT SELECT, REFERENCES ON "+QuoteMy(db)+"."+QuoteMy(t)+" TO "+a.String())
	}
	for _, t := range own {
		stmts = append(stmts, "GRANT ALL PRIVILEGES ON "+QuoteMy(db)+"."+QuoteMy(t)+" TO "+a.String())
	}
	for _, s := range stmts {
		if _, err := admin.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("account %s: %s: %w", a, s, err)
		}
	}
	return nil
}

var createEventRe = lazyre.New(`(?i)\bCREATE\s+(?:DEFINER\s*=\s*\S+\s+)?EVENT\b`)

// MyGrantEvents grants the account EVENT on database db when the SQL text
// creates an event: the plugin may schedule events (lint wants a
// "writes-core-later" directive for one whose body writes what the plugin
// does not own), which run with the account's own privileges, so their
// bodies can change only the plugin's tables. MySQL has no finer grant:
// the account could also alter the database's other events.
func MyGrantEvents(ctx context.Context, admin Querier, a Account, db, text string) error {
	if !createEventRe.MatchString(text) {
		return nil
	}
	if _, err := admin.ExecContext(ctx, "GRANT EVENT ON "+QuoteMy(db)+".* TO "+a.String()); err != nil {
		return fmt.Errorf("account %s: grant EVENT: %w", a, err)
	}
	return nil
}

// MyDropSQL returns the statement that drops a plugin's accounts of the
// connected database (any host); none when it has none.
func MyDropSQL(ctx context.Context, q Querier, plugin string) ([]string, error) {
	var db string
	if err := q.QueryRowContext(ctx, `SELECT DATABASE()`).Scan(&db); err != nil {
		return nil, err
	}
	accts, err := accounts(ctx, q, `SELECT User, Host FROM mysql.user WHERE User = ?`, Name(db, plugin))
	if err != nil {
		return nil, err
	}
	var stmts []string
	for _, a := range accts {
		stmts = append(stmts, "DROP USER IF EXISTS "+a.String())
	}
	return stmts, nil
}

// MyDropAll drops every plugin account of a database. For tests and
// scratch databases.
func MyDropAll(ctx context.Context, admin Querier, database string) error {
	accts, err := accounts(ctx, admin, `SELECT User, Host FROM mysql.user WHERE User LIKE CONCAT('plugmig\_%\_', ?)`, DatabaseTag(database))
	if err != nil {
		return err
	}
	var errs []error
	for _, a := range accts {
		if _, err := admin.ExecContext(ctx, "DROP USER IF EXISTS "+a.String()); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func redactPassword(s, pw string) string { return strings.ReplaceAll(s, pw, "xxxxx") }

// accounts returns the accounts a query of user and host names returns.
func accounts(ctx context.Context, q Querier, query string, args ...any) ([]Account, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Account
	for rows.Next() {
		var a Account
		if err := rows.Scan(&a.User, &a.Host); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
