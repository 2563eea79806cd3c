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
)

// A PostgreSQL plugin file runs on a session logged in as the plugin's
// role, never on the migrator's session after SET ROLE: a session's role
// can always be set back to its session user (RESET ROLE, or
// set_config('role', ...) hidden in dynamic SQL), so only a login of its
// own keeps a file to what the role may do.

// scramIterations is PostgreSQL's default for SCRAM-SHA-256 verifiers.
const scramIterations = 4096

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
// returns it. The migrator sets it as the role itself (SET LOCAL ROLE, in
// an implicit transaction of its own), which PostgreSQL allows any member
// of the role without CREATEROLE; only the SCRAM verifier is sent.
func PGLogin(ctx context.Context, q Querier, database, plugin string) (string, error) {
	password := Password()
	salt := make([]byte, 16)
	rand.Read(salt)
	v, err := scramVerifier(password, salt, scramIterations)
	if err != nil {
		return "", err
	}
	// Settings the role may have given itself (ALTER ROLE ... SET) are
	// reset with it: its sessions run with the server's defaults.
	r := QuotePG(Name(database, plugin))
	if err := asRole(ctx, q, Name(database, plugin), "PASSWORD "+quotePGString(v)+"; ALTER ROLE "+r+" RESET ALL; ALTER ROLE "+r+" IN DATABASE "+QuotePG(database)+" RESET ALL"); err != nil {
		return "", err
	}
	return password, nil
}

// PGLogout removes a plugin role's password: no password login succeeds
// until the next run sets one.
func PGLogout(ctx context.Context, q Querier, database, plugin string) error {
	if err := asRole(ctx, q, Name(database, plugin), "PASSWORD NULL"); err != nil {
		return fmt.Errorf("role %s: remove its password after the run: %w", Name(database, plugin), errors.Unwrap(err))
	}
	return nil
}

// asRole runs ALTER ROLE <role> <option> as the role itself. One query
// string of two statements is one implicit transaction, so SET LOCAL ends
// with it whatever happens: the pooled session is never left in the role.
func asRole(ctx context.Context, q Querier, role, option string) error {
	r := QuotePG(role)
	if _, err := q.ExecContext(ctx, "SET LOCAL ROLE "+r+"; ALTER ROLE "+r+" "+option); err != nil {
		return fmt.Errorf("role %s: set its password for this run: %w", role, err)
	}
	return nil
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

// PGWarm readies a new session for DDL while it waits for its branch: a
// new server process has cold catalog caches, so its first CREATE TABLE
// costs several times the next (measured: 7.5 ms against 2 ms). A
// temporary table created and dropped in one implicit transaction opens
// the catalogs DDL writes and leaves nothing behind; planning (not
// running) a history insert reads the history table and its row security.
// Best effort: a role without TEMP just skips that part.
func PGWarm(ctx context.Context, db *sql.DB, searchPath []string) {
	db.ExecContext(ctx, "CREATE TEMP TABLE plugmig_warm (id integer PRIMARY KEY, v text UNIQUE, r integer REFERENCES plugmig_warm (id)); DROP TABLE plugmig_warm")
	if len(searchPath) > 0 {
		db.ExecContext(ctx, "EXPLAIN INSERT INTO "+QuotePG(searchPath[0])+"."+HistoryTable+" (branch, version) VALUES ('', '')")
	}
}
