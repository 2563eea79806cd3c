package roles

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
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

// MyAccount creates (or re-keys) an account with a new random password
// and unlocks it, for the one login of this run: call [MyLock] as soon as
// that login is made. Its host is that of the connected account, so it
// connects from wherever the migrator does. Any privilege it held is
// revoked: grant with MyGrant. The password travels only as its
// mysql_native_password hash (a server's general or audit log keeps the
// statements).
func MyAccount(ctx context.Context, admin Querier, user string) (Account, error) {
	var cur, version string
	if err := admin.QueryRowContext(ctx, `SELECT CURRENT_USER(), VERSION()`).Scan(&cur, &version); err != nil {
		return Account{}, err
	}
	host := cur[strings.LastIndex(cur, "@")+1:]
	a := Account{User: user, Host: host, password: Password()}
	auth := myAuth(version, a.password)
	for _, s := range []string{
		"CREATE USER IF NOT EXISTS " + a.String() + " " + auth + " ACCOUNT LOCK",
		"ALTER USER " + a.String() + " " + auth + " ACCOUNT UNLOCK",
		"REVOKE ALL PRIVILEGES, GRANT OPTION FROM " + a.String(),
	} {
		if _, err := admin.ExecContext(ctx, s); err != nil {
			return Account{}, fmt.Errorf("account %s: %s: %w", a, strings.SplitN(s, " IDENTIFIED", 2)[0], err)
		}
	}
	return a, nil
}

// MyLock locks an account again with a password no one knows (the
// session already logged in as it keeps working): between its logins a
// plugin's account can't be used, whoever saw a password.
func MyLock(ctx context.Context, admin Querier, a Account) error {
	var version string
	if err := admin.QueryRowContext(ctx, `SELECT VERSION()`).Scan(&version); err != nil {
		return err
	}
	s := "ALTER USER " + a.String() + " " + myAuth(version, Password()) + " ACCOUNT LOCK"
	if _, err := admin.ExecContext(ctx, s); err != nil {
		return fmt.Errorf("account %s: lock: %w", a, err)
	}
	return nil
}

// myAuth is the IDENTIFIED clause that sets a password by its
// mysql_native_password hash: MariaDB's BY PASSWORD, MySQL's WITH ... AS.
func myAuth(version, password string) string {
	h1 := sha1.Sum([]byte(password))
	h2 := sha1.Sum(h1[:])
	hash := quoteMyString("*" + strings.ToUpper(hex.EncodeToString(h2[:])))
	if strings.Contains(strings.ToLower(version), "mariadb") {
		return "IDENTIFIED BY PASSWORD " + hash
	}
	return "IDENTIFIED WITH mysql_native_password AS " + hash
}

// Privileges an account gets on its plugin's own tables: MyAll, or
// MyPlain, which leaves out TRIGGER and CREATE VIEW — what a plugin leaves
// behind to run later, fired or read by the application. An account
// granted MyPlain can change only its tables' rows, columns, keys and
// indexes: the server refuses anything else, whatever the text says.
const (
	MyAll   = "ALL PRIVILEGES"
	MyPlain = "SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, REFERENCES, INDEX, ALTER"
)

// myLastingWords are what a statement creating a trigger, view or event
// must spell (also inside a versioned comment, whose text is executed).
var myLastingWords = []string{"trigger", "view", "event"}

// MyLasting reports whether SQL text may create a trigger, view or event:
// it has one of their words anywhere, in any case, even inside a longer
// word, a string or a comment. It never misses one; it may see one where
// there is none (then the account gets MyAll and apply checks the file
// on a scratch database first, as before).
func MyLasting(text string) bool {
	lower := strings.ToLower(text)
	for _, w := range myLastingWords {
		if strings.Contains(lower, w) {
			return true
		}
	}
	return false
}

// MyGrant grants an account SELECT and REFERENCES on the tables read and
// privs (MyAll or MyPlain) on the tables own (which need not exist yet),
// in database db, and nothing else.
func MyGrant(ctx context.Context, admin Querier, a Account, db string, read, own []string, privs string) error {
	var stmts []string
	for _, t := range read {
		stmts = append(stmts, "GRANT SELECT, REFERENCES ON "+QuoteMy(db)+"."+QuoteMy(t)+" TO "+a.String())
	}
	for _, t := range own {
		stmts = append(stmts, "GRANT "+privs+" ON "+QuoteMy(db)+"."+QuoteMy(t)+" TO "+a.String())
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
	return MyDropTag(ctx, admin, DatabaseTag(database))
}

// MyDropTag drops every plugin account whose name ends in the database tag.
func MyDropTag(ctx context.Context, admin Querier, tag string) error {
	accts, err := accounts(ctx, admin, `SELECT User, Host FROM mysql.user WHERE User LIKE CONCAT('plugmig\_%\_', ?)`, tag)
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
