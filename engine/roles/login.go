package roles

import (
	"context"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/plugmig/plugmig/engine/internal/sqlq"
)

// A PostgreSQL plugin file runs on a session logged in as the plugin's
// role, never on the migrator's session after SET ROLE: a session's role
// can always be set back to its session user (RESET ROLE, or
// set_config('role', ...) hidden in dynamic SQL), so only a login of its
// own keeps a file to what the role may do.

// scramIterations is the PBKDF2 iteration count of the verifiers apply
// sets. Iterations slow down guessing a weak password from a stolen
// verifier; these passwords are 128 random bits, used for one run, so no
// count adds to that, while every login pays it twice (the verifier here,
// the proof in the client): PostgreSQL's default, 4096, costs about 1 ms of
// CPU each time, 128 about 30 µs.
const scramIterations = 128

// scramVerifier returns the SCRAM-SHA-256 verifier PostgreSQL stores for
// password (RFC 5802, RFC 7677, in PostgreSQL's text form) with the given
// salt. Sent in ALTER ROLE ... PASSWORD, it keeps the password itself out of
// the server's statement logs.
func scramVerifier(password string, salt []byte, iterations int) (string, error) {
	salted, err := pbkdf2.Key(sha256.New, password, salt, iterations, sha256.Size)
	if err != nil {
		return "", err
	}
	mac := func(key []byte, msg string) []byte {
		h := hmac.New(sha256.New, key)
		h.Write([]byte(msg))
		return h.Sum(nil)
	}
	stored := sha256.Sum256(mac(salted, "Client Key"))
	b64 := base64.StdEncoding.EncodeToString
	return fmt.Sprintf("SCRAM-SHA-256$%d:%s$%s:%s", iterations, b64(salt), b64(stored[:]), b64(mac(salted, "Server Key"))), nil
}

// PGLogin gives a plugin's role a new random password for this run and
// returns it (PGLoginAll for one plugin).
func PGLogin(ctx context.Context, q Querier, database, plugin string) (string, error) {
	pw, err := PGLoginAll(ctx, q, database, []string{plugin})
	return pw[plugin], err
}

// PGLoginAll gives each plugin's role a new random password for this run,
// in one transaction, and returns them by plugin. The migrator sets each
// as the role itself (SET LOCAL ROLE), which PostgreSQL allows any member
// of the role without CREATEROLE; only SCRAM verifiers are sent. Settings
// a role may have given itself (ALTER ROLE ... SET) are reset with it: its
// sessions run with the server's defaults. The roles in clear lose their
// password in the same transaction (PGStaleLogins).
func PGLoginAll(ctx context.Context, q Querier, database string, plugins []string, clear ...string) (map[string]string, error) {
	passwords := make(map[string]string, len(plugins))
	options := make([]string, len(plugins))
	for i, p := range plugins {
		password := Password()
		salt := make([]byte, 16)
		rand.Read(salt)
		v, err := scramVerifier(password, salt, scramIterations)
		if err != nil {
			return nil, err
		}
		r := QuotePG(Name(database, p))
		passwords[p] = password
		options[i] = "PASSWORD " + quotePGString(v) + "; ALTER ROLE " + r + " RESET ALL; ALTER ROLE " + r + " IN DATABASE " + QuotePG(database) + " RESET ALL"
	}
	names := Names(database, plugins)
	for _, r := range clear {
		names = append(names, r)
		options = append(options, "PASSWORD NULL")
	}
	if err := asRoles(ctx, q, names, options, "set its password for this run"); err != nil {
		return nil, err
	}
	return passwords, nil
}

// PGLogout removes a plugin role's password: no password login succeeds
// until the next run sets one.
func PGLogout(ctx context.Context, q Querier, database, plugin string) error {
	return PGLogoutAll(ctx, q, database, []string{plugin})
}

// PGLogoutAll removes the plugins' roles' passwords, in one transaction;
// if that fails, role by role, so that every password that can be removed
// is, and the error names the roles that keep one.
func PGLogoutAll(ctx context.Context, q Querier, database string, plugins []string) error {
	options := make([]string, len(plugins))
	for i := range plugins {
		options[i] = "PASSWORD NULL"
	}
	err := asRoles(ctx, q, Names(database, plugins), options, "remove its password after the run")
	if err == nil || len(plugins) == 1 {
		return err
	}
	var errs []error
	for _, p := range plugins {
		if err := PGLogoutAll(ctx, q, database, []string{p}); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// asRoles runs, for each role, ALTER ROLE <role> <its option> as the role
// itself. One query string is one implicit transaction, so SET LOCAL ends
// with it whatever happens: the pooled session is never left in a role;
// and one commit serves every role.
func asRoles(ctx context.Context, q Querier, names, options []string, what string) error {
	if len(names) == 0 {
		return nil
	}
	var b strings.Builder
	for i, n := range names {
		r := QuotePG(n)
		fmt.Fprintf(&b, "SET LOCAL ROLE %s; ALTER ROLE %s %s; ", r, r, options[i])
	}
	if _, err := q.ExecContext(ctx, b.String()); err != nil {
		return fmt.Errorf("role %s: %s: %w", strings.Join(names, ", "), what, err)
	}
	return nil
}

// PGStaleLogins returns the roles of database's plugins other than those
// of plugins (the run's pending ones) that the connected user may act as.
// A run is given its passwords at its start and removes them at its end,
// so a run killed in between (kill -9, Ctrl-C) leaves every one set, also
// those of branches it had finished, which the next run, not migrating
// them, would never remove: it removes them with its own.
func PGStaleLogins(ctx context.Context, q Querier, database string, plugins []string) ([]string, error) {
	return sqlq.Strings(ctx, q, `SELECT rolname FROM pg_catalog.pg_roles WHERE rolname LIKE 'plugmig\_%\_' || $1 AND rolname <> ALL ($2) AND rolcanlogin AND pg_catalog.pg_has_role(rolname, 'MEMBER') ORDER BY rolname`, DatabaseTag(database), Names(database, plugins))
}

// PGConfig returns the connection settings of a session of pool (host,
// port, TLS, runtime parameters), when it is a pgx pool; nil otherwise.
func PGConfig(ctx context.Context, pool *sql.DB) *pgx.ConnConfig {
	c, err := pool.Conn(ctx)
	if err != nil {
		return nil
	}
	defer c.Close()
	var cfg *pgx.ConnConfig
	c.Raw(func(dc any) error {
		if pc, ok := dc.(*stdlib.Conn); ok {
			cfg = pc.Conn().Config().Copy()
		}
		return nil
	})
	return cfg
}

// PGOpen opens a pool of one session on database db, logged in as role
// with password, whose search_path is the given schemas (the migrator's,
// so that unqualified names resolve alike). The server and its settings
// are base's (PGConfig of the migrator's pool) or else those of the URL
// dsn.
func PGOpen(ctx context.Context, base *pgx.ConnConfig, dsn, db, role, password string, searchPath []string) (*sql.DB, error) {
	cfg := base
	if cfg == nil {
		if dsn == "" {
			return nil, fmt.Errorf("log in as %s: no server URL to connect with (the migrator's pool is not a pgx pool): configure the server's URL", role)
		}
		var err error
		if cfg, err = pgx.ParseConfig(dsn); err != nil {
			return nil, fmt.Errorf("parse the server's URL: %v", redactPGError(err))
		}
	} else {
		cfg = cfg.Copy()
	}
	cfg.User, cfg.Password, cfg.Database = role, password, db
	if len(searchPath) > 0 {
		quoted := make([]string, len(searchPath))
		for i, s := range searchPath {
			quoted[i] = QuotePG(s)
		}
		cfg.RuntimeParams["search_path"] = strings.Join(quoted, ", ")
	}
	pool := stdlib.OpenDB(*cfg)
	pool.SetMaxOpenConns(1)
	if err := pool.PingContext(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("log in as %s: %w (the server must let the plugin's role log in from here with a password: a pg_hba.conf line for it, or apply with --guard=observe, weaker)", role, err)
	}
	return pool, nil
}

// PGSearchPath returns the schemas unqualified names resolve in for the
// connected session, "$user" resolved.
func PGSearchPath(ctx context.Context, q Querier) ([]string, error) {
	var s string
	if err := q.QueryRowContext(ctx, `SELECT array_to_string(current_schemas(false), chr(31))`).Scan(&s); err != nil {
		return nil, err
	}
	if s == "" {
		return nil, nil
	}
	return strings.Split(s, "\x1f"), nil
}

// redactPGError keeps a parse error of a DSN from repeating it (it may
// hold a password).
func redactPGError(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, "cannot parse `"); i >= 0 {
		if j := strings.Index(msg[i+len("cannot parse `"):], "`"); j >= 0 {
			msg = msg[:i] + "cannot parse the URL" + msg[i+len("cannot parse `")+j+1:]
		}
	}
	return msg
}

// PGWarm readies a new session while it waits for its branch: planning
// (not running) a history insert reads the history table and its row
// security, which every file's revision needs. Best effort. (Warming the
// catalogs DDL writes with a temporary table saved 1-2 ms on a branch's
// first CREATE TABLE but cost the server 7-12 ms per session: a net loss
// on a machine whose cores are busy applying other branches.) A session
// opened before its role's grants (on a new database, while core's files
// run) plans nothing: the refused statement would be an error in the
// server's log on every run. It returns the error of what it ran.
func PGWarm(ctx context.Context, db *sql.DB, searchPath []string) error {
	if len(searchPath) == 0 {
		return nil
	}
	table := QuotePG(searchPath[0]) + "." + HistoryTable
	var ok bool
	if err := db.QueryRowContext(ctx, "SELECT coalesce(has_table_privilege(to_regclass($1), 'INSERT'), false)", table).Scan(&ok); err != nil || !ok {
		return err
	}
	_, err := db.ExecContext(ctx, "EXPLAIN INSERT INTO "+table+" (branch, version) VALUES ('', '')")
	return err
}
