package devdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/go-sql-driver/mysql"

	"github.com/plugmig/plugmig/engine/roles"
)

// Untrusted migrations (a pull request's) run on a scratch database under
// identities that reach nothing else: DB connects as a login created for
// the scratch database alone (PostgreSQL: a role without SUPERUSER,
// CREATEROLE or CREATEDB that owns the scratch database and nothing else;
// MySQL: an account with privileges on the scratch database only), and a
// plugin's files run under the plugin's own identity there (Session).

func (d *DB) createLogin(ctx context.Context) error {
	// Named after the scratch database (so roles.PGDropAll and MyDropAll
	// of the scratch find it too), short enough for MySQL's 32 characters.
	d.login, d.password = "plugmig_dl_"+roles.DatabaseTag(d.scratch), roles.Password()
	var stmts []string
	switch d.Dialect {
	case "postgres":
		stmts = []string{"CREATE ROLE " + d.login + " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD '" + d.password + "'"}
	case "mysql":
		var cur string
		if err := d.admin.QueryRowContext(ctx, `SELECT CURRENT_USER()`).Scan(&cur); err != nil {
			return err
		}
		d.host = cur[lastAt(cur)+1:]
		acct := "'" + d.login + "'@'" + d.host + "'"
		stmts = []string{
			"CREATE USER " + acct + " IDENTIFIED BY '" + d.password + "'",
			"GRANT ALL PRIVILEGES ON " + d.scratch + ".* TO " + acct,
		}
	}
	for _, s := range stmts {
		if _, err := d.admin.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("create the scratch database's own login %s on %s (the dev URL's user needs to create roles/users): %w", d.login, d.Dialect, err)
		}
	}
	return nil
}

func lastAt(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '@' {
			return i
		}
	}
	return -1
}

func (d *DB) dropLogins(ctx context.Context) error {
	if d.login == "" {
		return nil
	}
	var errs []error
	switch d.Dialect {
	case "postgres":
		errs = append(errs, roles.PGDropAll(ctx, d.admin, d.scratch))
		if _, err := d.admin.ExecContext(ctx, "DROP ROLE IF EXISTS "+d.login); err != nil {
			errs = append(errs, err)
		}
	case "mysql":
		errs = append(errs, roles.MyDropAll(ctx, d.admin, d.scratch))
		if _, err := d.admin.ExecContext(ctx, "DROP USER IF EXISTS '"+d.login+"'@'"+d.host+"'"); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Querier is a pool or one connection.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Session is a connection to the scratch database as one plugin's own
// identity. Close it before the next statement runs on DB.
type Session struct {
	Q     Querier
	close func() error
}

// Close ends the session.
func (s *Session) Close() error { return s.close() }

// PluginSession opens a session as plugin's identity in the scratch
// database, with the privileges apply gives it (see package roles): deps are
// the plugins it depends on, owner maps a table to its branch, and text is
// the SQL about to run (MySQL grants the plugin-prefixed names it mentions
// beforehand, and legacy, the names it claims without its prefix). On
// SQLite it returns DB itself.
func (d *DB) PluginSession(ctx context.Context, plugin string, deps []string, owner func(string) string, legacy []string, text string) (*Session, error) {
	switch d.Dialect {
	case "postgres":
		role := roles.Name(d.scratch, plugin)
		var exists bool
		if err := d.admin.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)`, role).Scan(&exists); err != nil {
			return nil, err
		}
		if !exists {
			if _, err := d.admin.ExecContext(ctx, "CREATE ROLE "+roles.QuotePG(role)+" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"); err != nil {
				return nil, fmt.Errorf("create role %s: %w", role, err)
			}
			if _, err := d.admin.ExecContext(ctx, "GRANT "+roles.QuotePG(role)+" TO "+d.login); err != nil {
				return nil, err
			}
		}
		if _, err := roles.PGReconcile(ctx, d.DB, plugin, deps, owner); err != nil {
			return nil, err
		}
		// A session logged in as the role, as apply runs plugin files: a
		// session that only SET ROLE could set it back.
		password, err := roles.PGLogin(ctx, d.DB, d.scratch, plugin)
		if err != nil {
			return nil, err
		}
		searchPath, err := roles.PGSearchPath(ctx, d.DB)
		if err != nil {
			return nil, err
		}
		pool, err := roles.PGOpen(ctx, roles.PGConfig(ctx, d.DB), d.target.DSN, d.scratch, role, password, searchPath)
		if err != nil {
			return nil, err
		}
		return &Session{Q: pool, close: pool.Close}, nil
	case "mysql":
		a, err := roles.MyAccount(ctx, d.admin, roles.Name(d.scratch, plugin))
		if err != nil {
			return nil, err
		}
		rows, err := d.DB.QueryContext(ctx, `SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()`)
		if err != nil {
			return nil, err
		}
		var tables []string
		for rows.Next() {
			var t string
			if err := rows.Scan(&t); err != nil {
				rows.Close()
				return nil, err
			}
			tables = append(tables, t)
		}
		rows.Close()
		cl := roles.Classify(plugin, deps, tables, owner)
		if err := roles.MyGrant(ctx, d.admin, a, d.scratch, cl.Read, append(append(cl.Own, legacy...), roles.PrefixedNames(plugin, text)...), roles.MyAll); err != nil {
			return nil, err
		}
		if err := roles.MyGrantEvents(ctx, d.admin, a, d.scratch, text); err != nil {
			return nil, err
		}
		cfg, err := mysql.ParseDSN(d.target.DSN)
		if err != nil {
			return nil, err
		}
		cfg.User, cfg.Passwd, cfg.DBName = a.User, a.Password(), d.scratch
		pool, err := sql.Open("mysql", cfg.FormatDSN())
		if err != nil {
			return nil, err
		}
		pool.SetMaxOpenConns(1)
		if err := pool.PingContext(ctx); err != nil {
			pool.Close()
			return nil, err
		}
		if err := roles.MyLock(ctx, d.admin, a); err != nil {
			pool.Close()
			return nil, err
		}
		return &Session{Q: pool, close: pool.Close}, nil
	}
	return &Session{Q: d.DB, close: func() error { return nil }}, nil
}

// dropIdentities drops the login and plugin identities of a scratch
// database that is gone (best effort, for the sweep of abandoned ones).
func dropIdentities(ctx context.Context, dialect string, admin *sql.DB, scratch string) {
	switch dialect {
	case "postgres":
		roles.PGDropAll(ctx, admin, scratch)
	case "mysql":
		roles.MyDropAll(ctx, admin, scratch)
	}
}
